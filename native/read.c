/* read.c: see read.h. */
#include "read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

char *read_text(const char *path, size_t *length)
{
	size_t size = 4096, used = 0;
	char *buffer = malloc(size), *grown;
	int fd, saved;
	ssize_t got;

	if (buffer == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		if (used + 1 >= size) {
			grown = realloc(buffer, size * 2);
			if (grown == NULL)
				goto fail_close;
			buffer = grown;
			size *= 2;
		}
		got = read(fd, buffer + used, size - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail_close;
		if (got == 0)
			break;
		used += (size_t)got;
	}
	close(fd);
	buffer[used] = '\0';
	if (length != NULL)
		*length = used;
	return buffer;

fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	saved = errno;
	free(buffer);
	errno = saved;
	return NULL;
}

char *read_link(const char *path)
{
	size_t size = 256;
	char *buffer = NULL, *grown;
	ssize_t got;
	int saved;

	for (;;) {
		grown = realloc(buffer, size);
		if (grown == NULL)
			goto fail;
		buffer = grown;
		got = readlink(path, buffer, size);
		if (got < 0)
			goto fail;
		/* readlink truncates silently: a full buffer may be a cut-off target. */
		if ((size_t)got < size) {
			buffer[got] = '\0';
			return buffer;
		}
		if (size >= 1 << 20) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		size *= 2;
	}

fail:
	saved = errno;
	free(buffer);
	errno = saved;
	return NULL;
}

long count_lines(const char *path)
{
	char chunk[8192];
	long lines = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	ssize_t got;
	char last = '\n';

	if (fd < 0)
		return -1;
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (got == 0)
			break;
		for (ssize_t i = 0; i < got; i++)
			if (chunk[i] == '\n')
				lines++;
		last = chunk[got - 1];
	}
	close(fd);
	return last == '\n' ? lines : lines + 1;
}
