/*
gbx-probe: prints one JSON object saying what this process sees from the inside:
ids and id maps, capabilities, no_new_privs, seccomp, namespaces, cgroups, root,
cwd, mounts, open fds and resource limits. Lessons and tests run it inside a
container instead of trusting the runtime's own account of what it did.

main() is the list of steps. Each step reads one thing and writes it; a step that
cannot read its source writes null and records {field, call, errno} in "errors".
No step exits: inside a fresh container /proc may not be mounted at all, and what
the probe can still see (capget, prctl, uname, getcwd) is then the lesson.

Exit codes: 0 the report was written (even with errors in it), 1 the report could
not be written, 2 bad arguments.
*/
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "json.h"
#include "read.h"

/* Bumped when a field changes meaning; src/native/probe.ts checks it. */
#define PROBE_FORMAT 1

/* ---- errors: what could not be read, printed last ---- */

#define MAX_ERRORS 64

struct probe_error {
	char field[48];
	char call[160];
	int err;
};

static struct probe_error errors[MAX_ERRORS];
static int error_count;
static int errors_dropped;

/* Records a failed read. err is passed in, not read from errno, because building
   the call text may itself change errno. */
static void record_error(const char *field, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void record_error(const char *field, int err, const char *format, ...)
{
	va_list args;
	struct probe_error *e;

	if (error_count == MAX_ERRORS) {
		errors_dropped++;
		return;
	}
	e = &errors[error_count++];
	snprintf(e->field, sizeof e->field, "%s", field);
	va_start(args, format);
	vsnprintf(e->call, sizeof e->call, format, args);
	va_end(args);
	e->err = err;
}

static void write_errno_name(struct json *j, int err)
{
	char fallback[24];
	const char *name = strerrorname_np(err);

	if (name == NULL) {
		snprintf(fallback, sizeof fallback, "E%d", err);
		name = fallback;
	}
	json_string(j, name);
}

static void write_errors(struct json *j)
{
	json_key(j, "errors");
	json_array_begin(j);
	for (int i = 0; i < error_count; i++) {
		json_object_begin(j);
		json_key(j, "field");
		json_string(j, errors[i].field);
		json_key(j, "call");
		json_string(j, errors[i].call);
		json_key(j, "errno");
		write_errno_name(j, errors[i].err);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "errorsDropped");
	json_int(j, errors_dropped);
}

/* ---- process and host ---- */

static void write_process(struct json *j)
{
	json_key(j, "probeFormat");
	json_int(j, PROBE_FORMAT);
	json_key(j, "pid");
	json_int(j, getpid());
	/* 0 for the first process of a pid namespace: its parent is outside. */
	json_key(j, "ppid");
	json_int(j, getppid());
}

static void write_uts(struct json *j)
{
	struct utsname u;
	bool ok = uname(&u) == 0;

	if (!ok)
		record_error("hostname", errno, "uname");
	json_key(j, "hostname");
	ok ? json_string(j, u.nodename) : json_null(j);
	json_key(j, "domainname");
	ok ? json_string(j, u.domainname) : json_null(j);
	json_key(j, "kernelRelease");
	ok ? json_string(j, u.release) : json_null(j);
	json_key(j, "machine");
	ok ? json_string(j, u.machine) : json_null(j);
}

/* ---- credentials ---- */

static void write_id_set(struct json *j, const char *key, unsigned real, unsigned effective,
			 unsigned saved, unsigned fs)
{
	json_key(j, key);
	json_object_begin(j);
	json_key(j, "real");
	json_uint(j, real);
	json_key(j, "effective");
	json_uint(j, effective);
	json_key(j, "saved");
	json_uint(j, saved);
	json_key(j, "fs");
	json_uint(j, fs);
	json_object_end(j);
}

static void write_credentials(struct json *j)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	gid_t *groups;
	int count;

	/* There is no getter for the fs ids: setfs[ug]id with an invalid id changes
	   nothing and returns the current one. */
	if (getresuid(&ruid, &euid, &suid) == 0) {
		write_id_set(j, "uid", ruid, euid, suid, (unsigned)setfsuid((uid_t)-1));
	} else {
		record_error("uid", errno, "getresuid");
		json_key(j, "uid");
		json_null(j);
	}
	if (getresgid(&rgid, &egid, &sgid) == 0) {
		write_id_set(j, "gid", rgid, egid, sgid, (unsigned)setfsgid((gid_t)-1));
	} else {
		record_error("gid", errno, "getresgid");
		json_key(j, "gid");
		json_null(j);
	}

	json_key(j, "groups");
	count = getgroups(0, NULL);
	if (count < 0) {
		record_error("groups", errno, "getgroups");
		json_null(j);
		return;
	}
	groups = calloc((size_t)count + 1, sizeof *groups);
	if (groups == NULL) {
		record_error("groups", ENOMEM, "calloc");
		json_null(j);
		return;
	}
	count = getgroups(count, groups);
	if (count < 0) {
		record_error("groups", errno, "getgroups");
		json_null(j);
	} else {
		json_array_begin(j);
		for (int i = 0; i < count; i++)
			json_uint(j, groups[i]);
		json_array_end(j);
	}
	free(groups);
}

/* uid_map and gid_map: one "inside outside count" line per range. An empty file
   means nothing is mapped yet (a new user namespace before its maps are written). */
static void write_id_map(struct json *j, const char *key, const char *path)
{
	char *text = read_text(path, NULL), *line, *next;
	unsigned long inside, outside, count;

	json_key(j, key);
	if (text == NULL) {
		record_error(key, errno, "open %s", path);
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (line = text; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next == NULL ? line + strlen(line) : next + 1;
		if (sscanf(line, "%lu %lu %lu", &inside, &outside, &count) != 3) {
			record_error(key, EINVAL, "parse %s", path);
			continue;
		}
		json_object_begin(j);
		json_key(j, "inside");
		json_uint(j, inside);
		json_key(j, "outside");
		json_uint(j, outside);
		json_key(j, "count");
		json_uint(j, count);
		json_object_end(j);
	}
	json_array_end(j);
	free(text);
}

static void write_id_maps(struct json *j)
{
	char *text;

	write_id_map(j, "uidMap", "/proc/self/uid_map");
	write_id_map(j, "gidMap", "/proc/self/gid_map");

	/* "deny" is what an unprivileged writer of gid_map must set first (Linux 3.19,
	   CVE-2014-8989: setgroups could drop a group that denied access). */
	json_key(j, "setgroups");
	text = read_text("/proc/self/setgroups", NULL);
	if (text == NULL) {
		record_error("setgroups", errno, "open /proc/self/setgroups");
		json_null(j);
		return;
	}
	text[strcspn(text, "\n")] = '\0';
	json_string(j, text);
	free(text);
}

/* ---- capabilities ---- */

static void write_cap_set(struct json *j, const char *key, bool known, uint64_t bits)
{
	char hex[17];
	const char *name;
	char unnamed[16];

	json_key(j, key);
	if (!known) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	/* The same 16 hex digits as CapEff & co. in /proc/<pid>/status. */
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)bits);
	json_key(j, "hex");
	json_string(j, hex);
	json_key(j, "names");
	json_array_begin(j);
	for (unsigned cap = 0; cap < 64; cap++) {
		if (!(bits & (UINT64_C(1) << cap)))
			continue;
		name = cap_name(cap);
		if (name == NULL) {
			snprintf(unnamed, sizeof unnamed, "cap_%u", cap);
			name = unnamed;
		}
		json_string(j, name);
	}
	json_array_end(j);
	json_object_end(j);
}

/* The bounding set through prctl, which answers EINVAL past the last capability the
   running kernel knows: that is also how the probe learns the last one without
   /proc/sys/kernel/cap_last_cap. Returns the last capability, or -1. */
static int read_bounding(uint64_t *bits)
{
	int cap, ret;

	*bits = 0;
	for (cap = 0; cap < 64; cap++) {
		ret = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0UL, 0UL, 0UL);
		if (ret < 0 && errno == EINVAL && cap > 0)
			break;
		if (ret < 0) {
			record_error("capabilities.bounding", errno, "prctl PR_CAPBSET_READ %d", cap);
			return -1;
		}
		if (ret == 1)
			*bits |= UINT64_C(1) << cap;
	}
	return cap - 1;
}

static bool read_ambient(int last_cap, uint64_t *bits)
{
	int limit = last_cap >= 0 ? last_cap : 63, ret;

	*bits = 0;
	for (int cap = 0; cap <= limit; cap++) {
		ret = prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_IS_SET, (unsigned long)cap, 0UL, 0UL);
		/* Without a known last cap, EINVAL past the first marks the end. */
		if (ret < 0 && errno == EINVAL && last_cap < 0 && cap > 0)
			break;
		if (ret < 0) {
			/* EINVAL at cap 0: a kernel before 4.3, which has no ambient set. */
			record_error("capabilities.ambient", errno, "prctl PR_CAP_AMBIENT_IS_SET %d", cap);
			return false;
		}
		if (ret == 1)
			*bits |= UINT64_C(1) << cap;
	}
	return true;
}

static void write_capabilities(struct json *j)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint64_t bounding, ambient;
	bool have_sets, have_ambient;
	int last_cap;

	/* capget, not /proc/self/status: it works when /proc is absent. glibc has no
	   declaration for it, so it is called by number. */
	have_sets = syscall(SYS_capget, &header, data) == 0;
	if (!have_sets)
		record_error("capabilities", errno, "capget _LINUX_CAPABILITY_VERSION_3");
	last_cap = read_bounding(&bounding);
	have_ambient = read_ambient(last_cap, &ambient);

	json_key(j, "capabilities");
	json_object_begin(j);
	json_key(j, "lastCap");
	last_cap >= 0 ? json_int(j, last_cap) : json_null(j);
	write_cap_set(j, "inheritable", have_sets,
		      (uint64_t)data[1].inheritable << 32 | data[0].inheritable);
	write_cap_set(j, "permitted", have_sets, (uint64_t)data[1].permitted << 32 | data[0].permitted);
	write_cap_set(j, "effective", have_sets, (uint64_t)data[1].effective << 32 | data[0].effective);
	write_cap_set(j, "bounding", last_cap >= 0, bounding);
	write_cap_set(j, "ambient", have_ambient, ambient);
	json_object_end(j);
}

/* ---- no_new_privs and seccomp ---- */

static void write_no_new_privs(struct json *j)
{
	int ret = prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL);

	json_key(j, "noNewPrivs");
	if (ret < 0) {
		record_error("noNewPrivs", errno, "prctl PR_GET_NO_NEW_PRIVS");
		json_null(j);
		return;
	}
	json_bool(j, ret == 1);
}

static const char *seccomp_mode_name(long mode)
{
	switch (mode) {
	case 0: return "disabled";
	case 1: return "strict";
	case 2: return "filter";
	default: return "unknown";
	}
}

/* The value after "Key:" on a line of /proc/self/status, or -1 when absent. */
static long status_number(const char *status, const char *key)
{
	size_t length = strlen(key);

	for (const char *line = status; line != NULL && *line != '\0';) {
		if (strncmp(line, key, length) == 0 && line[length] == ':')
			return strtol(line + length + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

static void write_seccomp(struct json *j)
{
	char *status = read_text("/proc/self/status", NULL);
	long mode = -1, filters = -1;
	const char *source = "proc";

	if (status == NULL) {
		record_error("seccomp", errno, "open /proc/self/status");
	} else {
		mode = status_number(status, "Seccomp");
		filters = status_number(status, "Seccomp_filters");
		free(status);
	}
	if (mode < 0) {
		/* No /proc: prctl says 0 or 2. (In strict mode prctl itself would be fatal,
		   but a strict-mode process cannot have exec'd the probe.) */
		source = "prctl";
		mode = prctl(PR_GET_SECCOMP, 0UL, 0UL, 0UL, 0UL);
		if (mode < 0)
			record_error("seccomp", errno, "prctl PR_GET_SECCOMP");
	}

	json_key(j, "seccomp");
	if (mode < 0) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_key(j, "mode");
	json_int(j, mode);
	json_key(j, "name");
	json_string(j, seccomp_mode_name(mode));
	json_key(j, "filters");
	filters >= 0 ? json_int(j, filters) : json_null(j);
	json_key(j, "source");
	json_string(j, source);
	json_object_end(j);
}

/* ---- namespaces ---- */

static const char *const namespace_files[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
	"time", "time_for_children", "user", "uts",
};

/* A /proc/self/ns link reads "net:[4026531840]": the type, then the nsfs inode
   that identifies the namespace (two processes share it iff the inodes match). */
static void write_namespace(struct json *j, const char *file)
{
	char path[64], field[48], type[32];
	unsigned long long inode;
	char *target;
	int consumed = 0;

	snprintf(path, sizeof path, "/proc/self/ns/%s", file);
	snprintf(field, sizeof field, "namespaces.%s", file);
	json_key(j, file);
	target = read_link(path);
	if (target == NULL) {
		record_error(field, errno, "readlink %s", path);
		json_null(j);
		return;
	}
	if (sscanf(target, "%31[^:]:[%llu]%n", type, &inode, &consumed) != 2 || target[consumed] != '\0') {
		record_error(field, EINVAL, "parse %s", path);
		json_null(j);
		free(target);
		return;
	}
	json_object_begin(j);
	json_key(j, "type");
	json_string(j, type);
	json_key(j, "inode");
	json_uint(j, inode);
	json_object_end(j);
	free(target);
}

static void write_namespaces(struct json *j)
{
	json_key(j, "namespaces");
	json_object_begin(j);
	for (size_t i = 0; i < sizeof namespace_files / sizeof namespace_files[0]; i++)
		write_namespace(j, namespace_files[i]);
	json_object_end(j);
}

/* ---- cgroups ---- */

/* One line of /proc/self/cgroup: "4:memory:/a/b" (v1), "0::/a/b" (v2). The path
   may itself hold ':', so only the first two separate fields. */
static bool write_cgroup_line(struct json *j, char *line)
{
	char *first = strchr(line, ':'), *second, *end, *controller, *rest;
	long hierarchy;

	if (first == NULL || (second = strchr(first + 1, ':')) == NULL)
		return false;
	hierarchy = strtol(line, &end, 10);
	if (end != first || end == line)
		return false;
	*second = '\0';

	json_object_begin(j);
	json_key(j, "hierarchy");
	json_int(j, hierarchy);
	json_key(j, "controllers");
	json_array_begin(j);
	for (controller = strtok_r(first + 1, ",", &rest); controller != NULL;
	     controller = strtok_r(NULL, ",", &rest))
		json_string(j, controller);
	json_array_end(j);
	json_key(j, "path");
	json_string(j, second + 1);
	json_object_end(j);
	return true;
}

static void write_cgroups(struct json *j)
{
	char *text = read_text("/proc/self/cgroup", NULL), *line, *next;

	json_key(j, "cgroups");
	if (text == NULL) {
		record_error("cgroups", errno, "open /proc/self/cgroup");
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (line = text; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!write_cgroup_line(j, line))
			record_error("cgroups", EINVAL, "parse /proc/self/cgroup");
	}
	json_array_end(j);
	free(text);
}

/* ---- filesystem view: root, cwd, mounts, fds ---- */

static void write_filesystem(struct json *j)
{
	char *root = read_link("/proc/self/root");
	char *cwd;
	long mounts;

	json_key(j, "root");
	if (root == NULL) {
		record_error("root", errno, "readlink /proc/self/root");
		json_null(j);
	} else {
		json_string(j, root);
		free(root);
	}

	/* glibc's getcwd fails with ENOENT when the kernel says the directory is not
	   below our root ("(unreachable)/..."), since CVE-2018-1000001: that is what a
	   process sees after a chroot or pivot_root that left its cwd outside. */
	cwd = getcwd(NULL, 0);
	json_key(j, "cwd");
	if (cwd == NULL) {
		record_error("cwd", errno, "getcwd");
		json_null(j);
	} else {
		json_string(j, cwd);
		free(cwd);
	}

	mounts = count_lines("/proc/self/mountinfo");
	json_key(j, "mountCount");
	if (mounts < 0) {
		record_error("mountCount", errno, "open /proc/self/mountinfo");
		json_null(j);
	} else {
		json_int(j, mounts);
	}
}

/* Open descriptors and what they point to: a runtime that leaks a host fd into
   the container shows up here (CVE-2024-21626 used a leaked cgroup dir fd). */
static void write_fds(struct json *j)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *entry;
	char path[64], *target, *end;
	long fd;

	json_key(j, "fds");
	if (dir == NULL) {
		record_error("fds", errno, "opendir /proc/self/fd");
		json_null(j);
		return;
	}
	json_array_begin(j);
	while ((errno = 0, entry = readdir(dir)) != NULL) {
		fd = strtol(entry->d_name, &end, 10);
		/* Skip "." and "..", and the descriptor this listing itself holds. */
		if (*end != '\0' || end == entry->d_name || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%ld", fd);
		target = read_link(path);
		json_object_begin(j);
		json_key(j, "fd");
		json_int(j, fd);
		json_key(j, "target");
		if (target == NULL) {
			record_error("fds", errno, "readlink %s", path);
			json_null(j);
		} else {
			json_string(j, target);
		}
		json_object_end(j);
		free(target);
	}
	if (errno != 0)
		record_error("fds", errno, "readdir /proc/self/fd");
	json_array_end(j);
	closedir(dir);
}

/* ---- resource limits ---- */

/* Keys are the names docker run --ulimit uses; order is the kernel's, as in
   /proc/<pid>/limits. */
static const struct {
	int resource;
	const char *name;
} limits[] = {
	{ RLIMIT_CPU, "cpu" },		{ RLIMIT_FSIZE, "fsize" },
	{ RLIMIT_DATA, "data" },	{ RLIMIT_STACK, "stack" },
	{ RLIMIT_CORE, "core" },	{ RLIMIT_RSS, "rss" },
	{ RLIMIT_NPROC, "nproc" },	{ RLIMIT_NOFILE, "nofile" },
	{ RLIMIT_MEMLOCK, "memlock" },	{ RLIMIT_AS, "as" },
	{ RLIMIT_LOCKS, "locks" },	{ RLIMIT_SIGPENDING, "sigpending" },
	{ RLIMIT_MSGQUEUE, "msgqueue" }, { RLIMIT_NICE, "nice" },
	{ RLIMIT_RTPRIO, "rtprio" },	{ RLIMIT_RTTIME, "rttime" },
};

static void write_limit_value(struct json *j, rlim_t value)
{
	if (value == RLIM_INFINITY)
		json_string(j, "unlimited");
	else
		json_uint(j, (unsigned long long)value);
}

static void write_rlimits(struct json *j)
{
	char field[48];
	struct rlimit limit;

	json_key(j, "rlimits");
	json_object_begin(j);
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		json_key(j, limits[i].name);
		if (getrlimit(limits[i].resource, &limit) != 0) {
			snprintf(field, sizeof field, "rlimits.%s", limits[i].name);
			record_error(field, errno, "getrlimit %d", limits[i].resource);
			json_null(j);
			continue;
		}
		json_object_begin(j);
		json_key(j, "soft");
		write_limit_value(j, limit.rlim_cur);
		json_key(j, "hard");
		write_limit_value(j, limit.rlim_max);
		json_object_end(j);
	}
	json_object_end(j);
}

/* ---- command line ---- */

struct options {
	bool pretty;
	double sleep_seconds; /* < 0: do not sleep */
};

static void print_usage(FILE *out)
{
	fputs("usage: gbx-probe [--pretty] [--sleep SECONDS]\n"
	      "\n"
	      "Prints one JSON object describing what this process sees from the inside:\n"
	      "ids, id maps, capabilities, no_new_privs, seccomp, namespaces, cgroups, root,\n"
	      "cwd, mounts, open fds and resource limits. Fields that cannot be read are null\n"
	      "and listed in \"errors\".\n"
	      "\n"
	      "  --pretty           indent the JSON\n"
	      "  --sleep SECONDS    after printing, stay alive (to be inspected from outside)\n"
	      "  --help             show this text\n",
	      out);
}

static bool parse_seconds(const char *text, double *seconds)
{
	char *end;

	errno = 0;
	*seconds = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' && isfinite(*seconds) && *seconds >= 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, struct options *opts)
{
	const char *value;

	opts->pretty = false;
	opts->sleep_seconds = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--pretty") == 0) {
			opts->pretty = true;
		} else if (strcmp(argv[i], "--sleep") == 0 || strncmp(argv[i], "--sleep=", 8) == 0) {
			value = argv[i][7] == '=' ? argv[i] + 8 : (i + 1 < argc ? argv[++i] : NULL);
			if (value == NULL || !parse_seconds(value, &opts->sleep_seconds)) {
				fprintf(stderr, "gbx-probe: --sleep needs a number of seconds >= 0\n");
				return 2;
			}
		} else {
			fprintf(stderr, "gbx-probe: unknown argument: %s\n", argv[i]);
			print_usage(stderr);
			return 2;
		}
	}
	return -1;
}

static void sleep_for(double seconds)
{
	struct timespec left;

	if (seconds > 1e9)
		seconds = 1e9; /* about 31 years, and safely inside time_t */
	left.tv_sec = (time_t)seconds;
	left.tv_nsec = (long)((seconds - (double)left.tv_sec) * 1e9);
	/* nanosleep returns EINTR after a stop and continue (SIGSTOP, SIGCONT) even
	   though no handler ran: sleep on for what is left. */
	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct json j;
	int code = parse_options(argc, argv, &opts);

	if (code >= 0)
		return code;

	json_init(&j, stdout, opts.pretty);
	json_object_begin(&j);
	write_process(&j);
	write_uts(&j);
	write_credentials(&j);
	write_id_maps(&j);
	write_capabilities(&j);
	write_no_new_privs(&j);
	write_seccomp(&j);
	write_namespaces(&j);
	write_cgroups(&j);
	write_filesystem(&j);
	write_fds(&j);
	write_rlimits(&j);
	write_errors(&j);
	json_object_end(&j);
	fputc('\n', stdout);

	/* Flush before sleeping: whoever waits for the report must get it now. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gbx-probe: failed to write the report: %s\n", strerror(errno));
		return 1;
	}
	if (opts.sleep_seconds >= 0)
		sleep_for(opts.sleep_seconds);
	return 0;
}
