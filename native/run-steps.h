/*
run-steps.h: the steps gbx-run's child takes between clone() and execve(), in the
order gbx-run.c calls them. Each reports itself (run-channel.h) and fails with a
"failed to …" error naming the call and errno; none returns on failure.
*/
#ifndef GBX_RUN_STEPS_H
#define GBX_RUN_STEPS_H

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
