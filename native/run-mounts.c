/*
run-mounts.c: the spec's mounts (bind volumes, tmpfs, the /etc files), made inside
the new root before pivot_root, while the host's source paths are still reachable.

CVE-2021-30465: a destination is a path in the image, and the image is not trusted.
Had it made /data a symlink to /etc or ../../../tmp/x, mount(2) on "<rootfs>/data"
would follow it onto the host. So the destination is walked component by component
from a descriptor of the root, each component opened with O_NOFOLLOW; a symlink is
read and its target walked again from the root (absolute) or from where we are
(relative), and ".." never climbs above the root (RESOLVE_IN_ROOT, done by hand so
that missing components can be created on the way, inside the root). The mount then
goes onto /proc/self/fd/N of the descriptor we hold, not onto a path that could be
swapped in between.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run-channel.h"
#include "run-steps.h"

#define MAX_DEPTH 128
#define MAX_LINKS 40 /* the kernel's own limit on symlinks in one lookup */

struct walk {
	int fds[MAX_DEPTH + 1]; /* fds[0]: the root */
	char *names[MAX_DEPTH + 1];
	int depth;
};

static void walk_up(struct walk *w)
{
	if (w->depth == 0)
		return; /* ".." at the root stays at the root */
	close(w->fds[w->depth--]);
}

static void walk_to_root(struct walk *w)
{
	while (w->depth > 0)
		walk_up(w);
}

static char *walk_path(const struct walk *w)
{
	char *path = fmt("%s", w->depth == 0 ? "/" : "");

	for (int i = 1; i <= w->depth; i++)
		path = fmt("%s/%s", path, w->names[i]);
	return path;
}

/* A missing component: a directory, or the last one as an empty file. Reported like other steps. */
static int create_component(int dir, const char *name, bool as_file, const char *shown)
{
	int fd;

	if (!as_file)
		return (int)STEP("mkdirat", ARGS("path", shown, "mode", "0755", "in", "the root"), mkdirat(dir, name, 0755));
	fd = (int)STEP("openat", ARGS("path", shown, "flags", "O_CREAT|O_EXCL|O_NOFOLLOW", "mode", "0644", "in", "the root"),
		       openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

int open_in_root(int root, const char *path, bool create, bool want_dir, char **resolved)
{
	struct walk w = { .depth = 0 };
	char *rest = fmt("%s", path), *name, target[PATH_MAX];
	int links = 0, fd, err = 0;
	struct stat st;

	w.fds[0] = root;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0')
			break;
		name = rest;
		rest += strcspn(rest, "/");
		if (*rest == '/')
			*rest++ = '\0';
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			walk_up(&w);
			continue;
		}
		fd = openat(w.fds[w.depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			bool last = rest[strspn(rest, "/")] == '\0';
			if (create_component(w.fds[w.depth], name, last && !want_dir, fmt("%s/%s", w.depth ? walk_path(&w) : "", name)) < 0 &&
			    errno != EEXIST)
				goto failed;
			fd = openat(w.fds[w.depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			goto failed;
		if (fstat(fd, &st) < 0) {
			err = errno;
			close(fd);
			errno = err;
			goto failed;
		}
		if (S_ISLNK(st.st_mode)) {
			/* The link's text is a path in the container: walked again, inside the root. */
			ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
			close(fd);
			if (n < 0)
				goto failed;
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				goto failed;
			}
			target[n] = '\0';
			if (target[0] == '/')
				walk_to_root(&w);
			rest = fmt("%s/%s", target, rest);
			continue;
		}
		if (w.depth == MAX_DEPTH) {
			close(fd);
			errno = ENAMETOOLONG;
			goto failed;
		}
		w.fds[++w.depth] = fd;
		w.names[w.depth] = name;
		if (!S_ISDIR(st.st_mode) && rest[strspn(rest, "/")] != '\0') {
			errno = ENOTDIR;
			goto failed;
		}
	}
	if (resolved != NULL)
		*resolved = walk_path(&w);
	fd = w.depth == 0 ? dup(root) : w.fds[w.depth--];
	walk_to_root(&w);
	return fd;
failed:
	err = errno;
	walk_to_root(&w);
	errno = err;
	return -1;
}

/* The flags as names, for the step report. */
static char *flag_names(unsigned long flags)
{
	return fmt("%s%s%s%s%s", flags & MS_BIND ? "MS_BIND" : "", flags & MS_REC ? "|MS_REC" : "",
		   flags & MS_NOSUID ? "|MS_NOSUID" : "", flags & MS_NODEV ? "|MS_NODEV" : "", flags & MS_NOEXEC ? "|MS_NOEXEC" : "");
}

/* Resolves m->destination inside the root, creating it, and returns its /proc/self/fd path. */
static char *open_destination(int root, const struct spec_mount *m, bool want_dir, int *fd)
{
	char *resolved = NULL;

	step_announce("openat", ARGS("path", m->destination, "flags", "O_PATH|O_NOFOLLOW per component", "in", "the root"));
	*fd = open_in_root(root, m->destination, true, want_dir, &resolved);
	step_report("openat", ARGS("path", m->destination, "flags", "O_PATH|O_NOFOLLOW per component", "in", "the root",
				   "resolved", resolved ? resolved : ""), *fd);
	if (*fd < 0)
		fail(125, "failed to open the mount destination %s inside the root", m->destination);
	return fmt("/proc/self/fd/%d", *fd);
}

/* ro, nosuid, nodev, noexec on a bind need a second call: MS_BIND ignores them the first time. */
static void remount_bind(int root, const struct spec_mount *m)
{
	unsigned long wanted = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	char *target;
	int fd;

	if (wanted == 0)
		return;
	/* Opened again: the fd we mounted on is the directory under the mount, not its root. */
	fd = open_in_root(root, m->destination, false, false, NULL);
	if (fd < 0)
		fail(125, "failed to reopen the mount destination %s", m->destination);
	target = fmt("/proc/self/fd/%d", fd);
	wanted |= kept_flags(target);
	if (mount_step(NULL, target, NULL, MS_BIND | MS_REMOUNT | wanted,
		       fmt("MS_BIND|MS_REMOUNT%s%s", wanted & MS_RDONLY ? "|MS_RDONLY" : "", flag_names(wanted & ~MS_RDONLY)), NULL) < 0)
		fail(125, "failed to remount %s with %s", m->destination, m->options);
	close(fd);
}

static void mount_bind(int root, const struct spec_mount *m)
{
	struct stat st;
	int source, target_fd;
	char *target;

	/* The source is the caller's host path: opened once, mounted from that descriptor. */
	source = open(m->source, O_PATH | O_CLOEXEC);
	if (source < 0 || fstat(source, &st) < 0)
		fail(125, "failed to open the volume source %s", m->source);
	target = open_destination(root, m, S_ISDIR(st.st_mode), &target_fd);
	if (mount_step(fmt("/proc/self/fd/%d", source), target, NULL, MS_BIND | (m->flags & MS_REC),
		       fmt("MS_BIND%s (%s on %s)", m->flags & MS_REC ? "|MS_REC" : "", m->source, m->destination), NULL) < 0)
		fail(125, "failed to bind %s on %s", m->source, m->destination);
	close(target_fd);
	close(source);
	remount_bind(root, m);
}

static void mount_tmpfs(int root, const struct spec_mount *m)
{
	unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	int target_fd;
	char *target = open_destination(root, m, true, &target_fd);

	if (mount_step("tmpfs", target, "tmpfs", flags,
		       fmt("%s%s (on %s)", flags & MS_RDONLY ? "MS_RDONLY" : "0", flag_names(flags), m->destination), m->data) < 0)
		fail(125, "failed to mount a tmpfs on %s", m->destination);
	close(target_fd);
}

void mount_volumes(const struct run_spec *spec)
{
	int root;

	if (spec->mount_count == 0)
		return;
	root = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail(125, "failed to open the root %s", spec->rootfs);
	for (int i = 0; i < spec->mount_count; i++) {
		if (strcmp(spec->mounts[i].type, "bind") == 0)
			mount_bind(root, &spec->mounts[i]);
		else
			mount_tmpfs(root, &spec->mounts[i]);
	}
	close(root);
}
