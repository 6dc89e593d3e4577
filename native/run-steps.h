/*
run-steps.h: the steps gbx-run's child takes between clone() and execve(), in the
order gbx-run.c calls them. Each reports itself (run-channel.h) and fails with a
"failed to …" error naming the call and errno; none returns on failure.
*/
#ifndef GBX_RUN_STEPS_H
#define GBX_RUN_STEPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "run-spec.h"

/* run-root.c: the filesystem the process will see. */
void check_rootfs(const struct run_spec *spec);
void make_mounts_private(void);
void bind_rootfs(const struct run_spec *spec);
void mount_proc(const struct run_spec *spec);
void mount_dev(const struct run_spec *spec);
void mount_sys(const struct run_spec *spec);
void pivot_into(const struct run_spec *spec);
void mask_paths(const struct run_spec *spec);
void make_paths_readonly(const struct run_spec *spec);
void make_root_readonly(void);
void enter_root_without_mount_ns(const struct run_spec *spec);
/* mount(2) as a reported step; flag_names as written (MS_BIND|MS_REC). */
long mount_step(const char *source, const char *target, const char *type, unsigned long flags,
		const char *flag_names, const char *data);
/* MS_NOSUID, MS_NODEV, MS_NOEXEC as the mount at path has them: a remount must keep them. */
unsigned long kept_flags(const char *path);

/* run-mounts.c: volumes, tmpfs and the /etc files, resolved inside the root. */
void mount_volumes(const struct run_spec *spec);
/* Opens path inside root (O_PATH), never leaving it through a symlink or "..";
   with create, missing components are made (directories, and the last one a file
   unless want_dir). Returns the fd, or -1 with errno. resolved: the in-root path. */
int open_in_root(int root, const char *path, bool create, bool want_dir, char **resolved);

/* run-pty.c: the pty of -t. */
void open_pty(const struct run_spec *spec, int socket);
int receive_pty_master(int socket);
void relay_pty(int master, pid_t child);

/* run-join.c: exec into a running container. */
void open_join_namespaces(const struct run_spec *spec);
void join_pid_namespace(void);
void join_namespaces(const struct run_spec *spec);
void become_root_in_user_ns(void);

/* run-process.c: the process itself. */
void set_hostname(const struct run_spec *spec);
void bring_up_loopback(void);
void set_rlimits(const struct run_spec *spec);
void enter_cwd(const struct run_spec *spec);
void drop_bounding_caps(const struct run_spec *spec);
void switch_user(const struct run_spec *spec);
void set_caps(const struct run_spec *spec);
void set_no_new_privs(const struct run_spec *spec);
void close_other_fds(void);
void reset_signals(void);
__attribute__((noreturn)) void exec_process(const struct run_spec *spec);

#endif
