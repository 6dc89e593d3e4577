/*
gbx-load: a workload for the cgroup and chroot lessons, one mode per run.

  gbx-load hog BYTES [STEP]     allocate BYTES and touch them STEP at a time (default 4 MiB),
                                printing each step: under a memory limit the OOM killer ends
                                it with SIGKILL (status 137)
  gbx-load forks N [SECONDS]    fork up to N children that sleep; print how many it got and
                                the errno that stopped it (EAGAIN under pids.max), hold them
                                SECONDS (default 1), then kill and reap them
  gbx-load spin SECONDS         burn CPU for SECONDS of wall time, then print the CPU time it
                                got (less than the wall time under a CPU quota)
  gbx-load chroot-escape        the classic chroot escape: mkdir x, chroot x, chdir .. many
                                times, chroot .; says whether / is another directory after

Output: one `key=value` pair or more per line, written with one write(2) each so that a
line printed before a SIGKILL is never lost in a buffer (native/README.md lists them).
Exit codes: 0 done, 1 a call failed (the line says which and the errno), 2 bad arguments.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define MAX_FORKS 100000
/* Deeper than any real path: every chdir("..") past the top stays at the top. */
#define ESCAPE_CLIMBS 256

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *format, ...)
{
	char line[512];
	va_list args;
	int n;

	va_start(args, format);
	n = vsnprintf(line, sizeof line - 1, format, args);
	va_end(args);
	if (n < 0)
		return;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, (size_t)n) < 0) {
		/* stdout is gone: nobody is left to tell */
	}
}

static const char *errno_text(int err)
{
	const char *name = strerrorname_np(err);

	return name != NULL ? name : "EUNKNOWN";
}

static int failed(const char *mode, const char *call, int err)
{
	say("%s=failed call=%s errno=%s", mode, call, errno_text(err));
	return 1;
}

static int usage(void)
{
	dprintf(STDERR_FILENO, "usage: gbx-load hog BYTES [STEP] | forks N [SECONDS] | spin SECONDS | chroot-escape\n");
	return 2;
}

static int parse_count(const char *text, unsigned long max, unsigned long *value)
{
	char *end;

	errno = 0;
	*value = strtoul(text, &end, 10);
	return text[0] >= '0' && text[0] <= '9' && *end == '\0' && errno == 0 && *value <= max;
}

static double now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_seconds(double seconds)
{
	struct timespec left = { .tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

/* Anonymous memory is only charged to the cgroup when a page is first written. */
static int hog(unsigned long bytes, unsigned long step)
{
	char *memory;
	unsigned long done = 0, chunk;

	say("hog=start bytes=%lu step=%lu", bytes, step);
	memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (memory == MAP_FAILED)
		return failed("hog", "mmap", errno);
	while (done < bytes) {
		chunk = bytes - done < step ? bytes - done : step;
		memset(memory + done, 0x5a, chunk);
		done += chunk;
		say("touched=%lu", done);
	}
	say("hog=done touched=%lu", done);
	return 0;
}

static int forks(unsigned long wanted, double hold)
{
	static pid_t children[MAX_FORKS];
	unsigned long got = 0, reaped = 0;
	int stopped_by = 0;
	pid_t pid, self = getpid();

	say("forks=start wanted=%lu", wanted);
	while (got < wanted) {
		pid = fork();
		if (pid < 0) {
			stopped_by = errno;
			break;
		}
		if (pid == 0) {
			/* The children go when we go, even if we are killed first. */
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			if (getppid() != self)
				_exit(0); /* the parent died before prctl */
			for (;;)
				pause();
		}
		children[got++] = pid;
	}
	say("forked=%lu errno=%s", got, stopped_by == 0 ? "none" : errno_text(stopped_by));
	sleep_seconds(hold);
	for (unsigned long i = 0; i < got; i++)
		kill(children[i], SIGKILL);
	for (unsigned long i = 0; i < got; i++)
		if (waitpid(children[i], NULL, 0) == children[i])
			reaped++;
	say("reaped=%lu", reaped);
	return 0;
}

/* Under a CFS quota the scheduler stops us for the rest of each period: wall time goes on, CPU time does not. */
static int spin(double seconds)
{
	double start = now(CLOCK_MONOTONIC), cpu_start = now(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long work = 0;

	say("spin=start seconds=%g", seconds);
	while (now(CLOCK_MONOTONIC) - start < seconds)
		for (int i = 0; i < 100000; i++)
			work += (unsigned long)i;
	say("spin=done wall_ms=%.0f cpu_ms=%.0f", (now(CLOCK_MONOTONIC) - start) * 1000,
	    (now(CLOCK_PROCESS_CPUTIME_ID) - cpu_start) * 1000);
	return 0;
}

/*
chroot(2) changes the root but not the working directory: after chroot("x") the cwd is
still outside x, and ".." from there climbs past x to the top of the mount namespace,
which chroot(".") then makes the root. After pivot_root with the old root detached, the
top of the namespace is the container's own root: the climb ends where it started.
*/
static int chroot_escape(void)
{
	char dir[] = "/tmp/gbx-escape.XXXXXX";
	struct stat before, after;
	int parent, err;

	say("escape=start");
	if (stat("/", &before) < 0)
		return failed("escape", "stat", errno);
	say("root_before=%u:%u:%lu", major(before.st_dev), minor(before.st_dev), (unsigned long)before.st_ino);
	if (mkdtemp(dir) == NULL)
		return failed("escape", "mkdir", errno);
	/* Kept to remove x afterwards, wherever / then is. */
	parent = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chroot(dir) < 0) {
		err = errno;
		rmdir(dir);
		return failed("escape", "chroot", err);
	}
	for (int i = 0; i < ESCAPE_CLIMBS; i++)
		if (chdir("..") < 0)
			return failed("escape", "chdir", errno);
	if (chroot(".") < 0)
		return failed("escape", "chroot", errno);
	if (stat("/", &after) < 0)
		return failed("escape", "stat", errno);
	if (parent >= 0)
		unlinkat(parent, strrchr(dir, '/') + 1, AT_REMOVEDIR);
	say("root_after=%u:%u:%lu", major(after.st_dev), minor(after.st_dev), (unsigned long)after.st_ino);
	say("escaped=%s", before.st_dev != after.st_dev || before.st_ino != after.st_ino ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long a, b;
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "hog") == 0 && (argc == 3 || argc == 4) && parse_count(argv[2], ~0UL, &a) && a > 0) {
		b = 4 * MIB;
		if (argc == 4 && (!parse_count(argv[3], ~0UL, &b) || b == 0))
			return usage();
		return hog(a, b);
	}
	if (strcmp(mode, "forks") == 0 && (argc == 3 || argc == 4) && parse_count(argv[2], MAX_FORKS, &a)) {
		b = 1;
		if (argc == 4 && !parse_count(argv[3], 86400, &b))
			return usage();
		return forks(a, (double)b);
	}
	if (strcmp(mode, "spin") == 0 && argc == 3 && parse_count(argv[2], 86400, &a))
		return spin((double)a);
	if (strcmp(mode, "chroot-escape") == 0 && argc == 2)
		return chroot_escape();
	return usage();
}
