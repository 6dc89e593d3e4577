/* run-spec.c: see run-spec.h. */
#include "run-spec.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "caps.h"
#include "run-channel.h"

static const struct {
	const char *name;
	int flag;
} namespaces[] = {
	{ "mount", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
	{ "pid", CLONE_NEWPID }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
	{ "user", CLONE_NEWUSER },
};

/* The names of docker run --ulimit. */
static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "cpu", RLIMIT_CPU }, { "fsize", RLIMIT_FSIZE }, { "data", RLIMIT_DATA },
	{ "stack", RLIMIT_STACK }, { "core", RLIMIT_CORE }, { "rss", RLIMIT_RSS },
	{ "nproc", RLIMIT_NPROC }, { "nofile", RLIMIT_NOFILE }, { "memlock", RLIMIT_MEMLOCK },
	{ "as", RLIMIT_AS }, { "locks", RLIMIT_LOCKS }, { "sigpending", RLIMIT_SIGPENDING },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static unsigned long long parse_number(const char *text, unsigned long long max, const char *what)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || n > max)
		fail_errno(125, 0, "failed to parse the spec: %s %s is not a number up to %llu", what, text, max);
	return n;
}

static rlim_t parse_rlim(const char *text)
{
	return strcmp(text, "-1") == 0 ? RLIM_INFINITY : (rlim_t)parse_number(text, ULLONG_MAX - 1, "rlimit");
}

static void parse_user(struct run_spec *spec, char *value)
{
	char *colon = strchr(value, ':');

	if (colon == NULL)
		fail_errno(125, 0, "failed to parse the spec: user %s is not UID:GID", value);
	*colon = '\0';
	spec->uid = (uid_t)parse_number(value, UINT32_MAX - 1, "uid");
	spec->gid = (gid_t)parse_number(colon + 1, UINT32_MAX - 1, "gid");
}

static void parse_rlimit(struct run_spec *spec, char *value)
{
	char *soft = strchr(value, ':'), *hard = soft == NULL ? NULL : strchr(soft + 1, ':');
	struct spec_rlimit *r;
	size_t i;

	if (hard == NULL)
		fail_errno(125, 0, "failed to parse the spec: rlimit %s is not NAME:SOFT:HARD", value);
	if (spec->rlimit_count == SPEC_MAX_RLIMITS)
		fail_errno(125, 0, "failed to parse the spec: more than %d rlimits", SPEC_MAX_RLIMITS);
	*soft++ = '\0';
	*hard++ = '\0';
	r = &spec->rlimits[spec->rlimit_count++];
	for (i = 0; i < COUNT(rlimit_names) && strcmp(rlimit_names[i].name, value) != 0; i++)
		;
	if (i == COUNT(rlimit_names))
		fail_errno(125, 0, "failed to parse the spec: unknown rlimit %s", value);
	r->name = rlimit_names[i].name;
	r->resource = rlimit_names[i].resource;
	r->value.rlim_cur = parse_rlim(soft);
	r->value.rlim_max = parse_rlim(hard);
	if (r->value.rlim_cur > r->value.rlim_max)
		fail_errno(125, 0, "failed to parse the spec: rlimit %s soft %s is above hard %s", value, soft, hard);
}

static void add_to_list(const char **list, int *count, char *value, const char *what)
{
	if (*count == SPEC_MAX_LIST)
		fail_errno(125, 0, "failed to parse the spec: more than %d %s entries", SPEC_MAX_LIST, what);
	list[(*count)++] = value;
}

static void need_absolute(const char *key, const char *value)
{
	if (value[0] != '/')
		fail_errno(125, 0, "failed to parse the spec: %s %s is not an absolute path", key, value);
}

/* The mount options gbx-run understands; the tmpfs sizes and modes go on as data. */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },	   { "rw", 0, MS_RDONLY },    { "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },  { "dev", 0, MS_NODEV },    { "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
	{ "rbind", MS_REC, 0 },	   { "bind", 0, MS_REC },
};
static const char *const tmpfs_data[] = { "size=", "mode=", "nr_inodes=", "uid=", "gid=" };

static struct spec_mount *last_mount(struct run_spec *spec, const char *key)
{
	if (spec->mount_count == 0)
		fail_errno(125, 0, "failed to parse the spec: %s before any mount=", key);
	return &spec->mounts[spec->mount_count - 1];
}

static void parse_mount_options(struct spec_mount *m, char *value)
{
	char *save, *option, *data = fmt("%s", "");
	size_t i;

	m->options = fmt("%s", value);
	for (option = strtok_r(value, ",", &save); option != NULL; option = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < COUNT(mount_flags) && strcmp(mount_flags[i].name, option) != 0; i++)
			;
		if (i < COUNT(mount_flags)) {
			m->flags = (m->flags | mount_flags[i].set) & ~mount_flags[i].clear;
			continue;
		}
		for (i = 0; i < COUNT(tmpfs_data) && strncmp(tmpfs_data[i], option, strlen(tmpfs_data[i])) != 0; i++)
			;
		if (i == COUNT(tmpfs_data) || strcmp(m->type, "tmpfs") != 0)
			fail_errno(125, 0, "failed to parse the spec: mount option %s is not one gbx-run knows for %s", option, m->type);
		data = fmt("%s%s%s", data, *data ? "," : "", option);
	}
	m->data = *data ? data : NULL;
}

static bool parse_mount_entry(struct run_spec *spec, const char *key, char *value)
{
	struct spec_mount *m;

	if (strcmp(key, "mount") == 0) {
		if (strcmp(value, "bind") != 0 && strcmp(value, "tmpfs") != 0)
			fail_errno(125, 0, "failed to parse the spec: mount type %s is not bind or tmpfs", value);
		if (spec->mount_count == SPEC_MAX_MOUNTS)
			fail_errno(125, 0, "failed to parse the spec: more than %d mounts", SPEC_MAX_MOUNTS);
		m = &spec->mounts[spec->mount_count++];
		m->type = value;
		/* -v binds are recursive, as Docker's; "bind" in the options turns that off. */
		m->flags = strcmp(value, "bind") == 0 ? MS_REC : 0;
		m->options = "";
	} else if (strcmp(key, "mount_source") == 0) {
		need_absolute(key, value);
		last_mount(spec, key)->source = value;
	} else if (strcmp(key, "mount_dest") == 0) {
		need_absolute(key, value);
		last_mount(spec, key)->destination = value;
	} else if (strcmp(key, "mount_options") == 0) {
		parse_mount_options(last_mount(spec, key), value);
	} else {
		return false;
	}
	return true;
}

static void parse_entry(struct run_spec *spec, char *entry)
{
	char *value = strchr(entry, '=');
	const char *key = entry;
	size_t i;
	int cap;

	if (value == NULL)
		fail_errno(125, 0, "failed to parse the spec: entry %.64s has no '='", entry);
	*value++ = '\0';
	if (strcmp(key, "rootfs") == 0) {
		need_absolute(key, value);
		spec->rootfs = value;
	} else if (strcmp(key, "hostname") == 0) {
		spec->hostname = value;
	} else if (strcmp(key, "cwd") == 0) {
		need_absolute(key, value);
		spec->cwd = value;
	} else if (strcmp(key, "ns") == 0) {
		for (i = 0; i < COUNT(namespaces) && strcmp(namespaces[i].name, value) != 0; i++)
			;
		if (i == COUNT(namespaces))
			fail_errno(125, 0, "failed to parse the spec: unknown namespace %s", value);
		spec->namespaces |= namespaces[i].flag;
	} else if (strcmp(key, "arg") == 0) {
		add_to_list((const char **)spec->argv, &spec->argc, value, "arg");
	} else if (strcmp(key, "env") == 0) {
		add_to_list((const char **)spec->env, &spec->envc, value, "env");
	} else if (strcmp(key, "user") == 0) {
		parse_user(spec, value);
	} else if (strcmp(key, "group") == 0) {
		if (spec->group_count == (int)COUNT(spec->groups))
			fail_errno(125, 0, "failed to parse the spec: more than %zu groups", COUNT(spec->groups));
		spec->groups[spec->group_count++] = (gid_t)parse_number(value, UINT32_MAX - 1, "group");
	} else if (strcmp(key, "cap") == 0) {
		cap = cap_from_name(value);
		if (cap < 0)
			fail_errno(125, 0, "failed to parse the spec: unknown capability %s", value);
		spec->caps |= 1ull << cap;
	} else if (strcmp(key, "rlimit") == 0) {
		parse_rlimit(spec, value);
	} else if (strcmp(key, "mask") == 0) {
		need_absolute(key, value);
		add_to_list(spec->masked, &spec->masked_count, value, "mask");
	} else if (strcmp(key, "readonly") == 0) {
		need_absolute(key, value);
		add_to_list(spec->readonly, &spec->readonly_count, value, "readonly");
	} else if (strcmp(key, "no_new_privs") == 0) {
		spec->no_new_privs = strcmp(value, "1") == 0;
	} else if (strcmp(key, "readonly_rootfs") == 0) {
		spec->readonly_rootfs = strcmp(value, "1") == 0;
	} else if (strcmp(key, "step") == 0) {
		spec->stepping = strcmp(value, "1") == 0;
	} else if (strcmp(key, "tty") == 0) {
		spec->tty = strcmp(value, "1") == 0;
	} else if (strcmp(key, "join") == 0) {
		spec->join_pid = (pid_t)parse_number(value, INT32_MAX, "join pid");
		if (spec->join_pid < 1)
			fail_errno(125, 0, "failed to parse the spec: join pid %s is not a process", value);
	} else if (!parse_mount_entry(spec, key, value)) {
		fail_errno(125, 0, "failed to parse the spec: unknown key %.64s", key);
	}
}

void spec_parse(struct run_spec *spec, char *payload, size_t length)
{
	size_t at = 0;

	memset(spec, 0, sizeof *spec);
	spec->cwd = "/";
	/* Every entry must end with its own NUL inside the payload. */
	if (length > 0 && payload[length - 1] != '\0')
		fail_errno(125, 0, "failed to parse the spec: the last entry is not NUL-terminated");
	while (at < length) {
		size_t n = strlen(payload + at);
		parse_entry(spec, payload + at);
		at += n + 1;
	}
	if (spec->rootfs == NULL && spec->join_pid == 0)
		fail_errno(125, 0, "failed to parse the spec: no rootfs");
	if (spec->join_pid != 0 && (spec->mount_count > 0 || spec->hostname != NULL))
		fail_errno(125, 0, "failed to parse the spec: join (exec) takes no mounts and no hostname");
	for (int i = 0; i < spec->mount_count; i++) {
		const struct spec_mount *m = &spec->mounts[i];
		if (m->destination == NULL || (strcmp(m->type, "bind") == 0 && m->source == NULL))
			fail_errno(125, 0, "failed to parse the spec: mount %d (%s) needs mount_dest%s", i + 1, m->type,
				   strcmp(m->type, "bind") == 0 ? " and mount_source" : "");
		if (!(spec->namespaces & CLONE_NEWNS))
			fail_errno(125, 0, "failed to parse the spec: mounts need ns=mount");
	}
	if (spec->argc == 0)
		fail_errno(125, 0, "failed to parse the spec: no arg (the process to run)");
	if (spec->hostname != NULL && !(spec->namespaces & CLONE_NEWUTS))
		fail_errno(125, 0, "failed to parse the spec: a hostname needs ns=uts");
	spec->argv[spec->argc] = NULL;
	spec->env[spec->envc] = NULL;
}
