/*
run-pty.c: the terminal of `run -t` and `exec -t`.

The pty comes from the container's own devpts (mounted newinstance in run-root.c):
the child opens /dev/pts/ptmx inside its root, so the process sees /dev/pts/0 of
its own instance, not a host pty. The child keeps the slave as its stdio and
controlling terminal; the master goes to gbx-run's parent over a socketpair
(SCM_RIGHTS), and the parent, which stays outside the container, relays it to its
own stdin and stdout: raw mode on its stdin while it is a terminal (restored on
every way out), and SIGWINCH turned into TIOCSWINSZ on the master, which makes the
kernel signal the container's foreground process group.
*/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "run-channel.h"
#include "run-steps.h"

static void send_fd(int socket, int fd)
{
	char byte = 'M', control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (STEP("sendmsg", ARGS("what", "the pty master", "to", "gbx-run (outside)", "type", "SCM_RIGHTS"), sendmsg(socket, &msg, 0)) < 0)
		fail(125, "failed to pass the pty master to gbx-run");
}

void open_pty(const struct run_spec *spec, int socket)
{
	int master, slave, unlock = 0;

	master = (int)STEP("open", ARGS("path", "/dev/pts/ptmx", "flags", "O_RDWR|O_NOCTTY|O_CLOEXEC"),
			   open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
	if (master < 0)
		fail(125, "failed to open /dev/pts/ptmx in the container");
	if (STEP("ioctl", ARGS("fd", "ptmx", "request", "TIOCSPTLCK", "value", "0"), ioctl(master, TIOCSPTLCK, &unlock)) < 0)
		fail(125, "failed to unlock the pty");
	/* TIOCGPTPEER opens the slave through the master, not by a /dev/pts/N name that could be swapped. */
	slave = (int)STEP("ioctl", ARGS("fd", "ptmx", "request", "TIOCGPTPEER", "flags", "O_RDWR|O_NOCTTY"),
			  ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY));
	if (slave < 0)
		fail(125, "failed to open the pty slave");
	send_fd(socket, master);
	close(master);
	close(socket);
	/* The user the process will run as owns its terminal, as with a login. */
	if (STEP("fchown", ARGS("fd", "pty slave", "uid", fmt("%u", spec->uid)), fchown(slave, spec->uid, (gid_t)-1)) < 0)
		fail(125, "failed to give the pty to uid %u", spec->uid);
	if (STEP("setsid", NO_ARGS, setsid()) < 0)
		fail(125, "failed to start a session");
	if (STEP("ioctl", ARGS("fd", "pty slave", "request", "TIOCSCTTY"), ioctl(slave, TIOCSCTTY, 0)) < 0)
		fail(125, "failed to make the pty the controlling terminal");
	for (int fd = 0; fd <= 2; fd++)
		if (STEP("dup2", ARGS("oldfd", "pty slave", "newfd", fmt("%d", fd)), dup2(slave, fd)) < 0)
			fail(125, "failed to put the pty on fd %d", fd);
	if (slave > 2)
		close(slave);
}

int receive_pty_master(int socket)
{
	char byte, control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
	struct cmsghdr *cmsg;
	ssize_t got;
	int fd;

	do
		got = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	cmsg = CMSG_FIRSTHDR(&msg);
	if (got != 1 || cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		fail(125, "failed to receive the pty master from the child");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	close(socket);
	return fd;
}

static struct termios saved_termios;
static bool terminal_raw;
static int wake_pipe[2] = { -1, -1 };

static void restore_terminal(void)
{
	if (terminal_raw)
		tcsetattr(0, TCSAFLUSH, &saved_termios);
	terminal_raw = false;
}

static void wake(int sig)
{
	char byte = sig == SIGWINCH ? 'W' : 'C';
	int saved = errno;

	if (write(wake_pipe[1], &byte, 1) < 0) {
		/* full: a wake-up is already pending */
	}
	errno = saved;
}

static void copy_window_size(int master)
{
	struct winsize size;

	if (ioctl(0, TIOCGWINSZ, &size) == 0 || ioctl(1, TIOCGWINSZ, &size) == 0)
		ioctl(master, TIOCSWINSZ, &size);
}

static bool write_all(int fd, const char *data, ssize_t length)
{
	while (length > 0) {
		ssize_t done = write(fd, data, (size_t)length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		data += done;
		length -= done;
	}
	return true;
}

/* Copies what the master has; false at its end (EIO once every slave fd is closed). */
static bool drain_master(int master, bool block)
{
	char buffer[16384];

	for (;;) {
		ssize_t got = read(master, buffer, sizeof buffer);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return true;
		if (got <= 0)
			return false;
		write_all(1, buffer, got);
		if (block)
			return true;
	}
}

static bool child_exited(pid_t child)
{
	siginfo_t info = { 0 };

	/* WNOWAIT: the exit status stays for wait_for_exit in gbx-run.c. */
	return waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child;
}

/*
Input waits in `pending` until the master takes it, and stdin is not read meanwhile: a
blocking write to a full pty while the program is blocked writing its output to us would
never end.
*/
void relay_pty(int master, pid_t child)
{
	struct sigaction sa = { .sa_handler = wake, .sa_flags = SA_RESTART };
	struct pollfd fds[3];
	char pending[16384], byte;
	ssize_t pending_length = 0, pending_at = 0;
	int input = 0;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		fail(125, "failed to create the relay's wake-up pipe");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	if (isatty(0) && tcgetattr(0, &saved_termios) == 0) {
		struct termios raw = saved_termios;
		cfmakeraw(&raw);
		terminal_raw = tcsetattr(0, TCSANOW, &raw) == 0;
		atexit(restore_terminal);
		channel_on_fail(restore_terminal);
	}
	copy_window_size(master);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fds[0] = (struct pollfd){ .fd = input, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = master, .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
	while (!child_exited(child)) {
		/* stdin is read only when what it gave last has gone to the master. */
		fds[0].fd = input >= 0 && pending_length == 0 ? input : -1;
		fds[1].events = POLLIN | (pending_length > 0 ? POLLOUT : 0);
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail(125, "failed to wait for the pty");
		}
		if (fds[0].fd >= 0 && fds[0].revents) {
			ssize_t got = read(input, pending, sizeof pending);
			if (got <= 0 && !(got < 0 && errno == EINTR))
				input = -1; /* stdin ended: the container keeps its terminal */
			else if (got > 0)
				pending_length = got, pending_at = 0;
		}
		if (pending_length > 0 && (fds[1].revents & POLLOUT)) {
			ssize_t done = write(master, pending + pending_at, (size_t)(pending_length - pending_at));
			if (done > 0 && (pending_at += done) == pending_length)
				pending_length = 0;
		}
		if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !drain_master(master, true))
			break;
		if (fds[2].revents)
			while (read(wake_pipe[0], &byte, 1) == 1)
				if (byte == 'W')
					copy_window_size(master);
	}
	/* The process is gone (or its terminal is): what it wrote last is still in the master. */
	drain_master(master, false);
	close(master);
	restore_terminal();
}
