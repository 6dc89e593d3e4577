/*
run-process.c: the process's own state, the last steps before execve().

Capabilities go in this order: the bounding set is cut while we still hold
CAP_SETPCAP; the user is switched with PR_SET_KEEPCAPS so the permitted set
survives a non-zero uid; then capset() sets the final sets, inheritable empty, and
the ambient set is cleared (a non-empty one would hand caps across execve).
*/
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "run-channel.h"
#include "run-steps.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void set_hostname(const struct run_spec *spec)
{
	if (spec->hostname == NULL)
		return;
	if (STEP("sethostname", ARGS("name", spec->hostname), sethostname(spec->hostname, strlen(spec->hostname))) < 0)
		fail(125, "failed to set the hostname %s", spec->hostname);
}

/* A new network namespace has only lo, and it is down. */
void bring_up_loopback(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail(125, "failed to open a socket to bring up lo");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fail(125, "failed to read the flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (STEP("ioctl", ARGS("fd", "socket(AF_INET)", "request", "SIOCSIFFLAGS", "ifname", "lo", "flags", "IFF_UP|IFF_RUNNING"),
		 ioctl(fd, SIOCSIFFLAGS, &ifr)) < 0)
		fail(125, "failed to bring up lo");
	close(fd);
}

static char *show_rlim(rlim_t value)
{
	return value == RLIM_INFINITY ? "unlimited" : fmt("%llu", (unsigned long long)value);
}

void set_rlimits(const struct run_spec *spec)
{
	struct rlimit now;

	for (int i = 0; i < spec->rlimit_count; i++) {
		const struct spec_rlimit *r = &spec->rlimits[i];
		if (STEP("setrlimit", ARGS("resource", r->name, "soft", show_rlim(r->value.rlim_cur), "hard", show_rlim(r->value.rlim_max)),
			 setrlimit(r->resource, &r->value)) == 0)
			continue;
		/* The usual failure on a machine without CAP_SYS_RESOURCE: say so, plainly. */
		if (errno == EPERM && getrlimit(r->resource, &now) == 0 && r->value.rlim_max > now.rlim_max)
			fail(125, "failed to set rlimit %s to %s:%s: above the hard limit %s, and raising a hard limit needs CAP_SYS_RESOURCE",
			     r->name, show_rlim(r->value.rlim_cur), show_rlim(r->value.rlim_max), show_rlim(now.rlim_max));
		fail(125, "failed to set rlimit %s to %s:%s", r->name, show_rlim(r->value.rlim_cur), show_rlim(r->value.rlim_max));
	}
}

/*
CVE-2024-21626: a cwd reached through /proc/self/fd/N (a leaked host directory) is
outside the root. The kernel's getcwd then answers "(unreachable)/…", which glibc
turns into ENOENT: so a cwd that getcwd cannot name is refused.
*/
void enter_cwd(const struct run_spec *spec)
{
	char buffer[4096];

	if (STEP("chdir", ARGS("path", spec->cwd), chdir(spec->cwd)) < 0)
		fail(125, "failed to chdir to %s", spec->cwd);
	if (STEP("getcwd", ARGS("expect", "a path inside the root"), getcwd(buffer, sizeof buffer) == NULL ? -1 : 0) < 0 ||
	    buffer[0] != '/')
		fail(125, "failed to stay inside the root: the working directory %s is outside it", spec->cwd);
}

static char *cap_list(uint64_t set)
{
	char *list = fmt("%s", "");
	for (unsigned cap = 0; cap < 64; cap++) {
		if (!(set & (1ull << cap)))
			continue;
		const char *name = cap_name(cap);
		list = name ? fmt("%s%s%s", list, *list ? "," : "", name) : fmt("%s%scap_%u", list, *list ? "," : "", cap);
	}
	return list;
}

/* Every cap the kernel knows that the spec does not keep: dropped from the bounding set. */
void drop_bounding_caps(const struct run_spec *spec)
{
	uint64_t drop = 0;
	int cap;

	for (cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(spec->caps & (1ull << cap)))
			drop |= 1ull << cap;
	step_announce("prctl", ARGS("option", "PR_CAPBSET_DROP", "caps", cap_list(drop)));
	for (cap = 0; cap < 64; cap++)
		if ((drop & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			step_report("prctl", ARGS("option", "PR_CAPBSET_DROP", "cap", cap_name(cap) ? cap_name(cap) : "?"), -1);
			fail(125, "failed to drop %s from the bounding set", cap_name(cap) ? cap_name(cap) : "a capability");
		}
	step_report("prctl", ARGS("option", "PR_CAPBSET_DROP", "caps", cap_list(drop)), 0);
}

void switch_user(const struct run_spec *spec)
{
	char *groups = fmt("%s", "");

	for (int i = 0; i < spec->group_count; i++)
		groups = fmt("%s%s%u", groups, i ? "," : "", spec->groups[i]);
	if (STEP("setgroups", ARGS("groups", groups), setgroups((size_t)spec->group_count, spec->groups)) < 0)
		fail(125, "failed to set the supplementary groups [%s]", groups);
	if (STEP("prctl", ARGS("option", "PR_SET_KEEPCAPS", "value", "1"), prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) < 0)
		fail(125, "failed to keep capabilities across the uid change");
	char *gid = fmt("%u", spec->gid), *uid = fmt("%u", spec->uid);
	if (STEP("setresgid", ARGS("rgid", gid, "egid", gid, "sgid", gid), setresgid(spec->gid, spec->gid, spec->gid)) < 0)
		fail(125, "failed to set the gid %s", gid);
	if (STEP("setresuid", ARGS("ruid", uid, "euid", uid, "suid", uid), setresuid(spec->uid, spec->uid, spec->uid)) < 0)
		fail(125, "failed to set the uid %s", uid);
}

void set_caps(const struct run_spec *spec)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	char *names = cap_list(spec->caps);

	data[0].effective = data[0].permitted = (uint32_t)spec->caps;
	data[1].effective = data[1].permitted = (uint32_t)(spec->caps >> 32);
	if (STEP("capset", ARGS("effective", names, "permitted", names, "inheritable", ""), syscall(SYS_capset, &header, data)) < 0)
		fail(125, "failed to set the capabilities [%s]", names);
	if (STEP("prctl", ARGS("option", "PR_CAP_AMBIENT_CLEAR_ALL"), prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) < 0)
		fail(125, "failed to clear the ambient capabilities");
}

void set_no_new_privs(const struct run_spec *spec)
{
	if (!spec->no_new_privs)
		return;
	if (STEP("prctl", ARGS("option", "PR_SET_NO_NEW_PRIVS", "value", "1"), prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0)
		fail(125, "failed to set no_new_privs");
}

/*
Marked close-on-exec rather than closed: the control socket (fd 3) must still carry
the last steps' reports, and execve() then closes everything past 2 at once.
*/
void close_other_fds(void)
{
	if (STEP("close_range", ARGS("first", "3", "last", "~0U", "flags", "CLOSE_RANGE_CLOEXEC"),
		 syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC)) < 0)
		fail(125, "failed to mark fds above 2 close-on-exec");
}

/* execve() resets caught signals, but ignored ones and the blocked mask survive it. */
void reset_signals(void)
{
	sigset_t none;

	step_announce("sigaction", ARGS("signals", "1-64", "handler", "SIG_DFL"));
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* SIGKILL, SIGSTOP and glibc's own two refuse: fine */
	step_report("sigaction", ARGS("signals", "1-64", "handler", "SIG_DFL"), 0);
	sigemptyset(&none);
	if (STEP("sigprocmask", ARGS("how", "SIG_SETMASK", "set", "{}"), sigprocmask(SIG_SETMASK, &none, NULL)) < 0)
		fail(125, "failed to clear the signal mask");
}

/* PATH from the container's environment, not the helper's (execvpe would use ours). */
static const char *find_path(const struct run_spec *spec)
{
	for (int i = 0; i < spec->envc; i++)
		if (strncmp(spec->env[i], "PATH=", 5) == 0)
			return spec->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static char *resolve_program(const struct run_spec *spec)
{
	const char *name = spec->argv[0], *dirs = find_path(spec);
	char *copy, *dir, *save, *candidate;

	if (strchr(name, '/') != NULL)
		return (char *)name;
	copy = fmt("%s", dirs);
	for (dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		candidate = fmt("%s/%s", dir, name);
		if (access(candidate, X_OK) == 0)
			return candidate;
	}
	errno = ENOENT;
	fail(127, "failed to find %s in PATH %s", name, dirs);
}

void exec_process(const struct run_spec *spec)
{
	char *program = resolve_program(spec);

	STEP("execve", ARGS("path", program, "argv0", spec->argv[0]), execve(program, spec->argv, spec->env));
	fail(errno == ENOENT ? 127 : 126, "failed to execute %s", program);
}
