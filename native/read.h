/*
read.h: whole-file and symlink readers for /proc.

/proc files report a size of 0 and symlink targets have no length limit the
caller can know, so both read until done and return a malloc'd, NUL-terminated
buffer. On failure they return NULL with errno set; they never exit.
*/
#ifndef GBX_READ_H
#define GBX_READ_H

#include <stddef.h>

/* The whole file; *length (if not NULL) gets its size in bytes. */
char *read_text(const char *path, size_t *length);

/* The target of the symlink at path. */
char *read_link(const char *path);

/* The number of lines in a file (a last line without '\n' counts), or -1. */
long count_lines(const char *path);

#endif
