/*
run-spec.h: the container spec gbx-run receives from Node in its 'S' frame.

The payload is a list of NUL-terminated "key=value" strings (no JSON parser in
the helper). Keys that make a list may repeat; the order of arg and env is kept.

  rootfs=/path        the root directory (required, absolute)
  ns=mount|uts|ipc|pid|net|cgroup|user   one per namespace to create
  hostname=NAME       with ns=uts
  arg=ARG             argv, in order (at least one)
  env=NAME=VALUE      the environment, in order
  cwd=/path           inside the root (default /)
  user=UID:GID        default 0:0
  group=GID           a supplementary group (repeatable)
  cap=CAP_NAME        a capability to keep (repeatable; none: no capabilities)
  rlimit=NAME:SOFT:HARD   NAME as in docker --ulimit (nofile, nproc, ...), -1 unlimited
  mask=/path          a path to hide (tmpfs on a directory, /dev/null on a file)
  readonly=/path      a path to bind read-only
  no_new_privs=1, readonly_rootfs=1, step=1 (pause before each step)

  mount=bind|tmpfs    starts a mount; the entries below fill in the last one started
  mount_source=/path  bind: the host path (absolute); tmpfs: ignored
  mount_dest=/path    where it goes, resolved inside the root (never through a symlink out of it)
  mount_options=a,b   ro rw nosuid suid nodev dev noexec exec rbind bind, and for tmpfs
                      size= mode= nr_inodes= uid= gid= (passed on as mount data)
  tty=1               the process gets a pty from the container's own devpts; gbx-run relays it
  join=PID            exec: join the namespaces (the ns= entries) of the running container whose
                      first process is PID instead of making new ones; rootfs= is then not needed
*/
#ifndef GBX_RUN_SPEC_H
#define GBX_RUN_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define SPEC_MAX_LIST 1024
#define SPEC_MAX_RLIMITS 16
#define SPEC_MAX_MOUNTS 256

struct spec_mount {
	const char *type; /* "bind" or "tmpfs" */
	const char *source;
	const char *destination;
	unsigned long flags; /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC */
	char *data;	     /* tmpfs options: size=…,mode=… */
	const char *options; /* as given, for the step report */
};

struct spec_rlimit {
	const char *name;
	int resource;
	struct rlimit value;
};

struct run_spec {
	const char *rootfs;
	const char *hostname;
	const char *cwd;
	int namespaces; /* CLONE_NEW* flags */
	char *argv[SPEC_MAX_LIST + 1];
	int argc;
	char *env[SPEC_MAX_LIST + 1];
	int envc;
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int group_count;
	uint64_t caps;
	struct spec_rlimit rlimits[SPEC_MAX_RLIMITS];
	int rlimit_count;
	const char *masked[SPEC_MAX_LIST];
	int masked_count;
	const char *readonly[SPEC_MAX_LIST];
	int readonly_count;
	struct spec_mount mounts[SPEC_MAX_MOUNTS];
	int mount_count;
	pid_t join_pid; /* exec: the container's first process; 0 for run */
	bool tty;
	bool no_new_privs;
	bool readonly_rootfs;
	bool stepping;
};

/* Parses the payload into spec (pointing into payload); fails with a clear error. */
void spec_parse(struct run_spec *spec, char *payload, size_t length);

#endif
