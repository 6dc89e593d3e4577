/*
gbx-run: the launch helper. Node starts it with child_process.spawn, fd 3 being
one end of a socketpair (the control socket, run-channel.h). It reads a spec
(run-spec.h), clones a child in new namespaces, stops until Node has placed the
child in its cgroups (and written id maps), then the child builds the root and
the process state, step by step, and executes the program. Every step is
reported to Node as {op, args, ret, errno}; with step=1 each waits for a "go".

main() is the list of steps of the parent; child_main() is the child's.

With join=PID (exec) the parent opens the namespaces of the container's first process
and joins its pid namespace, so that the clone lands inside; the child joins the
rest (run-join.c) and takes the same process steps. With tty=1 the child opens a
pty in the container's devpts and the parent relays its master (run-pty.c).

Exit status: the program's (128+signal when it was killed), or 125 when gbx-run
itself failed (an "error" event says what), 126/127 when execve failed.

GBX_WARM_CGROUP in gbx-run's own environment names the cgroup.procs of a group it is
already in: while it waits for Node it moves itself there every few ms (keep_cgroups_warm).
*/
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run-channel.h"
#include "run-spec.h"
#include "run-steps.h"

#define CONTROL_FD 3
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static pid_t child_pid;
/* parent → child: one byte releases the child; child → parent: one byte says it failed.
   The child's end of the second pipe is close-on-exec, so EOF without a byte = execve worked. */
static int release_pipe[2], failed_pipe[2];
/* -t: the child sends the pty master back through this socketpair (SCM_RIGHTS). */
static int pty_socket[2] = { -1, -1 };

/*
CVE-2019-5736: a process in the container that can open /proc/<helper>/exe could
write through it into the helper's binary on the host. So gbx-run runs from a
sealed memfd copy of itself: /proc/self/exe is then the memfd, and the seals make
it unwritable. The first run copies and re-executes; the copy sees its own seals.
*/
static void run_from_sealed_copy(char **argv)
{
	struct stat st;
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), copy;
	off_t offset = 0;

	if (self < 0)
		fail(125, "failed to open /proc/self/exe");
	if (fcntl(self, F_GET_SEALS) == SEALS) {
		close(self);
		return;
	}
	copy = memfd_create("gbx-run", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0 || fstat(self, &st) < 0)
		fail(125, "failed to make a memfd copy of gbx-run");
	while (offset < st.st_size)
		if (sendfile(copy, self, &offset, (size_t)(st.st_size - offset)) <= 0)
			fail(125, "failed to copy gbx-run into a memfd");
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0)
		fail(125, "failed to seal the memfd copy of gbx-run");
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	fail(125, "failed to re-execute gbx-run from its sealed copy");
}

/*
The first write to a cgroup.procs after a quiet spell waits for an RCU grace period
(6-25 ms on a 2-core VM): the kernel's cgroup_threadgroup_rwsem leaves its fast mode
for forks and exits. For about one grace period after each writer it stays in the slow
mode, and a writer then does not wait. Node places the child right after clone; so while
gbx-run waits for its spec and for the release, it moves itself into the group it is
already in (a write that changes nothing) every WARM_INTERVAL_MS: the first write pays
the grace period while Node is still preparing the container, and the placement finds the
lock warm. At most WARM_ROUNDS times per wait (a paused tour is not kept warm), and never
again once a write fails. runc pays the whole wait (11 ms in a traced `runc run`).
*/
#define WARM_INTERVAL_MS 3
#define WARM_ROUNDS 700
static int warm_fd = -1;

static void open_warm_cgroup(void)
{
	const char *path = getenv("GBX_WARM_CGROUP");

	if (path != NULL && path[0] == '/')
		warm_fd = open(path, O_WRONLY | O_CLOEXEC);
}

/* Returns once the control socket has something to read (or is closed). */
static void keep_cgroups_warm(void)
{
	struct pollfd control = { .fd = CONTROL_FD, .events = POLLIN };
	char pid[16];
	int length = snprintf(pid, sizeof pid, "%d", getpid());

	for (int round = 0; warm_fd >= 0 && round < WARM_ROUNDS; round++) {
		if (pwrite(warm_fd, pid, (size_t)length, 0) != length) {
			close(warm_fd);
			warm_fd = -1;
			return;
		}
		if (poll(&control, 1, WARM_INTERVAL_MS) != 0)
			return;
	}
}

static void tell_parent_we_failed(void)
{
	char byte = 'F';

	if (write(failed_pipe[1], &byte, 1) < 0) {
		/* the parent is gone: nobody to tell */
	}
}

static void wait_for_parent(void)
{
	char byte;

	if (read(release_pipe[0], &byte, 1) != 1)
		_exit(125); /* the parent died before releasing us */
	close(release_pipe[0]);
}

static __attribute__((noreturn)) void start_process(const struct run_spec *spec);

static int child_main(const struct run_spec *spec)
{
	channel_on_fail(tell_parent_we_failed);
	if (warm_fd >= 0)
		close(warm_fd); /* the host's cgroup.procs is no business of the container's */
	close(release_pipe[1]);
	close(failed_pipe[0]);
	if (pty_socket[0] >= 0)
		close(pty_socket[0]);
	/* If gbx-run dies, so does the container: nothing may outlive its runtime unseen. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	wait_for_parent();
	if (spec->join_pid != 0) {
		join_namespaces(spec);
		start_process(spec);
	}
	/* Node has written our id maps: become the namespace's root before touching any file. */
	if (spec->namespaces & CLONE_NEWUSER)
		become_root_in_user_ns();
	/* Late, so that the cgroup namespace's root is the group Node placed us in. */
	if (spec->namespaces & CLONE_NEWCGROUP &&
	    STEP("unshare", ARGS("flags", "CLONE_NEWCGROUP"), unshare(CLONE_NEWCGROUP)) < 0)
		fail(125, "failed to create the cgroup namespace");
	if (spec->namespaces & CLONE_NEWUTS)
		set_hostname(spec);
	if (spec->namespaces & CLONE_NEWNET)
		bring_up_loopback();
	if (spec->namespaces & CLONE_NEWNS) {
		make_mounts_private();
		check_rootfs(spec);
		bind_rootfs(spec);
		mount_proc(spec);
		mount_dev(spec);
		mount_sys(spec);
		mount_volumes(spec);
		pivot_into(spec);
		mask_paths(spec);
		make_paths_readonly(spec);
		if (spec->readonly_rootfs)
			make_root_readonly();
	} else {
		enter_root_without_mount_ns(spec);
	}
	start_process(spec);
}

/* The process's own state, the same for run and exec. */
static __attribute__((noreturn)) void start_process(const struct run_spec *spec)
{
	if (spec->tty)
		open_pty(spec, pty_socket[1]);
	set_rlimits(spec);
	enter_cwd(spec);
	drop_bounding_caps(spec);
	switch_user(spec);
	set_caps(spec);
	set_no_new_privs(spec);
	close_other_fds();
	reset_signals();
	exec_process(spec);
}

static pid_t clone_child(const struct run_spec *spec)
{
	/* CLONE_NEWCGROUP waits for child_main; the rest are made here, at once. exec makes none. */
	int flags = spec->join_pid != 0 ? 0 : spec->namespaces & ~CLONE_NEWCGROUP;
	char *names = fmt("%s%s%s%s%s%s", flags & CLONE_NEWNS ? "CLONE_NEWNS|" : "", flags & CLONE_NEWUTS ? "CLONE_NEWUTS|" : "",
			  flags & CLONE_NEWIPC ? "CLONE_NEWIPC|" : "", flags & CLONE_NEWPID ? "CLONE_NEWPID|" : "",
			  flags & CLONE_NEWNET ? "CLONE_NEWNET|" : "", flags & CLONE_NEWUSER ? "CLONE_NEWUSER|" : "");
	pid_t pid;

	if (pipe2(release_pipe, O_CLOEXEC) < 0 || pipe2(failed_pipe, O_CLOEXEC) < 0)
		fail(125, "failed to create the pipes to the child");
	step_announce("clone", ARGS("flags", fmt("%sSIGCHLD", names)));
	/* Without a stack argument clone() behaves as fork(): the child runs on a copy of ours. */
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(child_main(spec));
	step_report("clone", ARGS("flags", fmt("%sSIGCHLD", names)), pid);
	if (pid < 0)
		fail(125, "failed to clone the container process");
	close(release_pipe[0]);
	close(failed_pipe[1]);
	if (pty_socket[1] >= 0)
		close(pty_socket[1]);
	return pid;
}

/* Node places the child in its cgroups (and writes id maps) while we wait here. */
static void wait_for_release(pid_t pid)
{
	event_send("created", ARGS("pid", fmt("%d", pid)));
	keep_cgroups_warm();
	free(channel_read(FRAME_RELEASE, NULL));
	if (warm_fd >= 0) {
		close(warm_fd);
		warm_fd = -1;
	}
	if (write(release_pipe[1], "R", 1) != 1)
		fail(125, "failed to release the child");
	close(release_pipe[1]);
}

/* EOF on the failed pipe: execve closed the child's end; a byte: the child reported its failure. */
static bool wait_for_exec(void)
{
	char byte;
	ssize_t got;

	do
		got = read(failed_pipe[0], &byte, 1);
	while (got < 0 && errno == EINTR);
	close(failed_pipe[0]);
	if (got == 0)
		step_report("execve", ARGS("result", "the program is running"), 0);
	return got == 0;
}

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void forward_signals(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaction(signals[i], &sa, NULL);
}

/*
Until forward_signals: the terminal's Ctrl-C reaches gbx-run too (same process group) while
Node keeps it and forwards it once the container runs. gbx-run must not die of it meanwhile.
The child sets every disposition back to the default before its execve (reset_signals).
*/
static void ignore_terminal_signals(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

static int wait_for_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail(125, "failed to wait for the container process %d", pid);
	if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));
		event_send("exit", ARGS("signal", name ? fmt("SIG%s", name) : fmt("%d", WTERMSIG(status)),
					"status", fmt("%d", 128 + WTERMSIG(status))));
		return 128 + WTERMSIG(status);
	}
	event_send("exit", ARGS("code", fmt("%d", WEXITSTATUS(status)), "status", fmt("%d", WEXITSTATUS(status))));
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct run_spec spec;
	size_t length;
	char *payload;

	if (argc > 1) {
		dprintf(2, "usage: gbx-run (with the control socket on fd %d; see native/README.md)\n", CONTROL_FD);
		return 2;
	}
	if (fcntl(CONTROL_FD, F_GETFD) < 0) {
		dprintf(2, "gbx-run: failed to find the control socket on fd %d: %s\n", CONTROL_FD, strerror(errno));
		return 125;
	}
	channel_open(CONTROL_FD);
	ignore_terminal_signals();
	run_from_sealed_copy(argv);
	open_warm_cgroup();
	keep_cgroups_warm();
	payload = channel_read(FRAME_SPEC, &length);
	spec_parse(&spec, payload, length);
	channel_set_stepping(spec.stepping);
	if (spec.join_pid != 0) {
		open_join_namespaces(&spec);
		join_pid_namespace();
	}
	if (spec.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pty_socket) < 0)
		fail(125, "failed to create the socketpair for the pty");
	child_pid = clone_child(&spec);
	forward_signals();
	wait_for_release(child_pid);
	if (wait_for_exec() && spec.tty)
		relay_pty(receive_pty_master(pty_socket[0]), child_pid);
	return wait_for_exit(child_pid);
}
