/*
run-root.c: the container's root filesystem, in the child's new mount namespace.

Order matters: propagation is made private before any mount (or our mounts would
appear in the host's namespace), the rootfs is bind-mounted onto itself (pivot_root
needs a mount point), /proc, /dev and /sys are mounted inside it while the host
paths are still reachable, then pivot_root and the old root is detached. Masked
and read-only paths are applied last, inside the new root, where an absolute
symlink in the image can only point back into the container.
*/
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "run-channel.h"
#include "run-steps.h"

static char *in_root(const struct run_spec *spec, const char *path)
{
	return fmt("%s%s", spec->rootfs, path);
}

long mount_step(const char *source, const char *target, const char *type, unsigned long flags,
		     const char *flag_names, const char *data)
{
	return STEP("mount",
		    ARGS("source", source ? source : "none", "target", target, "fstype", type ? type : "none",
			 "flags", flag_names, "data", data ? data : ""),
		    mount(source, target, type, flags, data));
}

static void mount_or_fail(const char *source, const char *target, const char *type, unsigned long flags,
			  const char *flag_names, const char *data)
{
	if (mount_step(source, target, type, flags, flag_names, data) < 0)
		fail(125, "failed to mount %s on %s (%s)", source ? source : type ? type : "none", target, flag_names);
}

/* The flags are shown as written: MS_BIND | MS_REC. */
#define MOUNT_OR_FAIL(source, target, type, flags, data) mount_or_fail(source, target, type, flags, #flags, data)

/*
/proc, /sys and /dev are mounted over by the runtime: if the image made one of them
(or /dev/null) a symlink, the mount would follow it, possibly out of the root.
Refused outright, as runc does; a missing directory is created.
*/
void check_rootfs(const struct run_spec *spec)
{
	static const char *const dirs[] = { "/proc", "/sys", "/dev" };
	struct stat st;
	char *path;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		path = in_root(spec, dirs[i]);
		if (lstat(path, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				fail_errno(125, 0, "failed to use the image: %s is %s, not a directory", dirs[i],
					   S_ISLNK(st.st_mode) ? "a symlink" : "a file");
		} else if (errno != ENOENT) {
			fail(125, "failed to lstat %s", path);
		} else if (STEP("mkdir", ARGS("path", path, "mode", "0755"), mkdir(path, 0755)) < 0) {
			fail(125, "failed to create %s", path);
		}
	}
	path = in_root(spec, "/dev/null");
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		fail_errno(125, 0, "failed to use the image: /dev/null is a symlink");
}

void make_mounts_private(void)
{
	MOUNT_OR_FAIL(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

void bind_rootfs(const struct run_spec *spec)
{
	MOUNT_OR_FAIL(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL);
}

void mount_proc(const struct run_spec *spec)
{
	MOUNT_OR_FAIL("proc", in_root(spec, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* The devices every container gets (the OCI runtime spec's default list). */
static const struct {
	const char *name;
	unsigned major, minor;
} devices[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *target, *path;
} dev_links[] = {
	{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
};

/* In a user namespace mknod is refused (EPERM) whatever our caps: the host's node is bound instead. */
static void bind_host_device(const char *name, const char *path)
{
	int fd = (int)STEP("open", ARGS("path", path, "flags", "O_CREAT|O_EXCL|O_NOFOLLOW", "mode", "0666"),
			   open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));

	if (fd < 0)
		fail(125, "failed to create %s to bind the device on", path);
	close(fd);
	MOUNT_OR_FAIL(fmt("/dev/%s", name), path, NULL, MS_BIND, NULL);
}

void mount_dev(const struct run_spec *spec)
{
	char *dev = in_root(spec, "/dev"), *path;
	mode_t old_umask = umask(0);

	MOUNT_OR_FAIL("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
		path = fmt("%s/%s", dev, devices[i].name);
		if (spec->namespaces & CLONE_NEWUSER) {
			bind_host_device(devices[i].name, path);
			continue;
		}
		if (STEP("mknod", ARGS("path", path, "mode", "S_IFCHR|0666", "dev", fmt("%u:%u", devices[i].major, devices[i].minor)),
			 mknod(path, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor))) < 0)
			fail(125, "failed to create the device %s", path);
	}
	for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++) {
		path = fmt("%s/%s", dev, dev_links[i].path);
		if (STEP("symlink", ARGS("target", dev_links[i].target, "path", path), symlink(dev_links[i].target, path)) < 0)
			fail(125, "failed to create the symlink %s", path);
	}
	for (const char *const *sub = (const char *const[]){ "pts", "shm", "mqueue", NULL }; *sub; sub++) {
		path = fmt("%s/%s", dev, *sub);
		if (STEP("mkdir", ARGS("path", path, "mode", "0755"), mkdir(path, 0755)) < 0)
			fail(125, "failed to create %s", path);
	}
	umask(old_umask);
	/* newinstance: the container's ptys are its own, not the host's /dev/pts. */
	MOUNT_OR_FAIL("devpts", fmt("%s/pts", dev), "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620,gid=5");
	MOUNT_OR_FAIL("shm", fmt("%s/shm", dev), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	/* An mqueue mount shows the queues of the mounter's IPC namespace: only ours. */
	if (spec->namespaces & CLONE_NEWIPC)
		MOUNT_OR_FAIL("mqueue", fmt("%s/mqueue", dev), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void remount_readonly(const char *path);

void mount_sys(const struct run_spec *spec)
{
	/* A sysfs mount needs to own the network namespace: in a user namespace sharing the host's, bind it. */
	if ((spec->namespaces & CLONE_NEWUSER) && !(spec->namespaces & CLONE_NEWNET)) {
		MOUNT_OR_FAIL("/sys", in_root(spec, "/sys"), NULL, MS_BIND | MS_REC, NULL);
		remount_readonly(in_root(spec, "/sys"));
		return;
	}
	MOUNT_OR_FAIL("sysfs", in_root(spec, "/sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/*
pivot_root(".", ".") stacks the old root on top of the new one at "/"; detaching
it then leaves only the new root, with no put_old directory needed in the image.
The old root is made a slave first so that detaching it cannot reach the host.
*/
void pivot_into(const struct run_spec *spec)
{
	if (STEP("chdir", ARGS("path", spec->rootfs), chdir(spec->rootfs)) < 0)
		fail(125, "failed to chdir to %s", spec->rootfs);
	if (STEP("pivot_root", ARGS("new_root", ".", "put_old", "."), syscall(SYS_pivot_root, ".", ".")) < 0)
		fail(125, "failed to pivot_root into %s", spec->rootfs);
	MOUNT_OR_FAIL(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL);
	if (STEP("umount2", ARGS("target", ".", "flags", "MNT_DETACH"), umount2(".", MNT_DETACH)) < 0)
		fail(125, "failed to detach the old root");
	if (STEP("chdir", ARGS("path", "/"), chdir("/")) < 0)
		fail(125, "failed to chdir to the new root");
}

/* Without a mount namespace nothing can be mounted privately: just chroot. */
void enter_root_without_mount_ns(const struct run_spec *spec)
{
	if (STEP("chroot", ARGS("path", spec->rootfs), chroot(spec->rootfs)) < 0)
		fail(125, "failed to chroot to %s", spec->rootfs);
	if (STEP("chdir", ARGS("path", "/"), chdir("/")) < 0)
		fail(125, "failed to chdir to the new root");
}

/* A directory gets an empty read-only tmpfs, anything else /dev/null; a missing path is fine. */
void mask_paths(const struct run_spec *spec)
{
	struct stat st;

	for (int i = 0; i < spec->masked_count; i++) {
		const char *path = spec->masked[i];
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			fail(125, "failed to lstat the masked path %s", path);
		}
		if (S_ISDIR(st.st_mode))
			MOUNT_OR_FAIL("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
		else
			MOUNT_OR_FAIL("/dev/null", path, NULL, MS_BIND, NULL);
	}
}

/* The flags a read-only remount must keep: dropping nosuid/nodev/noexec is refused in a user ns. */
unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	return flags;
}

static void remount_readonly(const char *path)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path);

	if (mount_step(NULL, path, NULL, flags, "MS_BIND|MS_REMOUNT|MS_RDONLY (+nosuid,nodev,noexec kept)", NULL) < 0)
		fail(125, "failed to remount %s read-only", path);
}

void make_paths_readonly(const struct run_spec *spec)
{
	struct stat st;

	for (int i = 0; i < spec->readonly_count; i++) {
		const char *path = spec->readonly[i];
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			fail(125, "failed to lstat the read-only path %s", path);
		}
		MOUNT_OR_FAIL(path, path, NULL, MS_BIND | MS_REC, NULL);
		remount_readonly(path);
	}
}

void make_root_readonly(void)
{
	remount_readonly("/");
}
