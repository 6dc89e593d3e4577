/*
run-join.c: exec, a new process in a running container's namespaces.

The namespace files of the container's first process are opened by gbx-run's
parent before it clones, so that they name that container even if the pid is
reused while we work. setns(CLONE_NEWPID) only changes where the caller's future
children go: the parent joins the pid namespace and the clone() after it lands
inside, with a pid above 1, while the parent itself stays outside as the relay.
The child then joins the others itself, the user namespace first (it owns the
others: joining them needs capabilities in it), the mount namespace last but
one, which also moves its root and cwd to the container's root.
*/
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run-channel.h"
#include "run-steps.h"

/* In the order the child joins them; pid is the parent's. */
static const struct {
	const char *name;
	int flag;
	const char *flag_name;
} join_order[] = {
	{ "user", CLONE_NEWUSER, "CLONE_NEWUSER" }, { "ipc", CLONE_NEWIPC, "CLONE_NEWIPC" },
	{ "uts", CLONE_NEWUTS, "CLONE_NEWUTS" },    { "net", CLONE_NEWNET, "CLONE_NEWNET" },
	{ "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { "mnt", CLONE_NEWNS, "CLONE_NEWNS" },
	{ "pid", CLONE_NEWPID, "CLONE_NEWPID" },
};

#define JOIN_COUNT (sizeof join_order / sizeof join_order[0])

static int ns_fds[JOIN_COUNT];
static int root_fd = -1;

static void check_not_host_root(const struct run_spec *spec);

void open_join_namespaces(const struct run_spec *spec)
{
	for (size_t i = 0; i < JOIN_COUNT; i++) {
		char *path = fmt("/proc/%d/ns/%s", spec->join_pid, join_order[i].name);
		ns_fds[i] = -1;
		if (!(spec->namespaces & join_order[i].flag))
			continue;
		ns_fds[i] = (int)STEP("open", ARGS("path", path, "flags", "O_RDONLY|O_CLOEXEC"), open(path, O_RDONLY | O_CLOEXEC));
		if (ns_fds[i] < 0)
			fail(125, "failed to open %s: is the container running?", path);
	}
	/* Without its own mount namespace the container is a chroot: its root is where we go. With
	   one, it is what we must find ourselves in after setns (checked in join_namespaces). */
	char *path = fmt("/proc/%d/root", spec->join_pid);
	root_fd = (int)STEP("open", ARGS("path", path, "flags", "O_PATH|O_DIRECTORY|O_CLOEXEC"), open(path, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (root_fd < 0)
		fail(125, "failed to open %s: is the container running?", path);
	if (spec->namespaces & CLONE_NEWNS)
		check_not_host_root(spec);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* A container with its own mount namespace whose root is still ours has not reached pivot_root. */
static void check_not_host_root(const struct run_spec *spec)
{
	struct stat ours, theirs;

	if (stat("/", &ours) < 0 || fstat(root_fd, &theirs) < 0)
		fail(125, "failed to compare our root with the root of process %d", spec->join_pid);
	if (same_file(&ours, &theirs))
		fail_errno(125, 0, "failed to join process %d: it is not in its own root yet (the container is still starting)",
			   spec->join_pid);
}

/*
setns(CLONE_NEWNS) puts us at the namespace's root as it is now. Joined while the container
is still being built (before its pivot_root), that is the host's root: refuse, rather than
run a process there. The container's first process must have reached its execve.
*/
static void check_same_root(const struct run_spec *spec)
{
	struct stat ours, theirs;

	if (stat("/", &ours) < 0 || fstat(root_fd, &theirs) < 0)
		fail(125, "failed to compare our root with the root of process %d", spec->join_pid);
	if (!same_file(&ours, &theirs))
		fail_errno(125, 0, "failed to join process %d: its mount namespace is not in its root yet (the container is still starting)",
			   spec->join_pid);
}

/* Joins the namespace at join_order[i] if the spec named it; true if it did. */
static bool join(size_t i)
{
	if (ns_fds[i] < 0)
		return false;
	if (STEP("setns", ARGS("fd", fmt("ns/%s", join_order[i].name), "nstype", join_order[i].flag_name),
		 setns(ns_fds[i], join_order[i].flag)) < 0)
		fail(125, "failed to join the container's %s namespace", join_order[i].name);
	close(ns_fds[i]);
	ns_fds[i] = -1;
	return true;
}

void join_pid_namespace(void)
{
	join(JOIN_COUNT - 1);
}

void join_namespaces(const struct run_spec *spec)
{
	for (size_t i = 0; i < JOIN_COUNT - 1; i++) {
		if (join(i) && join_order[i].flag == CLONE_NEWUSER)
			become_root_in_user_ns();
	}
	if (spec->namespaces & CLONE_NEWNS) {
		check_same_root(spec);
	} else {
		if (STEP("fchdir", ARGS("fd", fmt("/proc/%d/root", spec->join_pid)), fchdir(root_fd)) < 0 ||
		    STEP("chroot", ARGS("path", "."), chroot(".")) < 0)
			fail(125, "failed to enter the root of process %d", spec->join_pid);
	}
	close(root_fd);
}

/*
After clone(CLONE_NEWUSER) or setns into a user namespace we still carry the host's
uid 0, which the namespace does not map: files we create would fail with EOVERFLOW.
Becoming the namespace's own root keeps the capabilities (they are the namespace's).
*/
void become_root_in_user_ns(void)
{
	if (STEP("setresgid", ARGS("rgid", "0", "egid", "0", "sgid", "0", "in", "the user namespace"), setresgid(0, 0, 0)) < 0)
		fail(125, "failed to become gid 0 in the user namespace (is gid 0 mapped?)");
	if (STEP("setresuid", ARGS("ruid", "0", "euid", "0", "suid", "0", "in", "the user namespace"), setresuid(0, 0, 0)) < 0)
		fail(125, "failed to become uid 0 in the user namespace (is uid 0 mapped?)");
}
