/* run-channel.c: see run-channel.h. */
#include "run-channel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"

static int control_fd = -1;
static bool stepping;
static void (*fail_hook)(void);

void channel_open(int fd)
{
	control_fd = fd;
}

void channel_set_stepping(bool on)
{
	stepping = on;
}

void channel_on_fail(void (*hook)(void))
{
	fail_hook = hook;
}

const char *errno_name(int err)
{
	static char unknown[16];
	const char *name = strerrorname_np(err);

	if (name != NULL)
		return name;
	snprintf(unknown, sizeof unknown, "E%d", err);
	return unknown;
}

/* Exits without reporting: the channel itself is what failed. */
static __attribute__((noreturn)) void channel_broken(const char *what, int err)
{
	dprintf(2, "gbx-run: failed to %s on the control socket: %s\n", what, err ? strerror(err) : "protocol error");
	_exit(125);
}

static bool write_all(const void *data, size_t length)
{
	const char *p = data;

	while (length > 0) {
		/* MSG_NOSIGNAL: a parent that has gone (exec -d) makes this an EPIPE, not a SIGPIPE death. */
		ssize_t done = send(control_fd, p, length, MSG_NOSIGNAL);
		if (done < 0 && errno == ENOTSOCK)
			done = write(control_fd, p, length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		p += done;
		length -= (size_t)done;
	}
	return true;
}

static bool read_all(void *data, size_t length)
{
	char *p = data;

	while (length > 0) {
		ssize_t got = read(control_fd, p, length);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		p += got;
		length -= (size_t)got;
	}
	return true;
}

static void send_frame(char type, const char *payload, size_t length)
{
	uint32_t n = (uint32_t)length + 1;
	unsigned char header[5] = { n >> 24, n >> 16, n >> 8, n, (unsigned char)type };
	int saved = errno;

	if (length + 1 > CHANNEL_MAX_FRAME)
		channel_broken("send an oversized frame", 0);
	/* A write error here means Node is gone: nothing left to report to. */
	if (!write_all(header, sizeof header) || !write_all(payload, length))
		channel_broken("write", errno);
	errno = saved;
}

char *channel_read(char expected, size_t *length)
{
	unsigned char header[4];
	uint32_t n;
	char type, *payload;

	if (!read_all(header, sizeof header))
		channel_broken("read a frame header", errno);
	n = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | (uint32_t)header[2] << 8 | header[3];
	if (n < 1 || n > CHANNEL_MAX_FRAME)
		channel_broken("accept a frame length", 0);
	if (!read_all(&type, 1))
		channel_broken("read a frame type", errno);
	if (type != expected)
		channel_broken("accept an unexpected frame type", 0);
	payload = malloc(n);
	if (payload == NULL)
		channel_broken("allocate a frame", ENOMEM);
	if (!read_all(payload, n - 1))
		channel_broken("read a frame payload", errno);
	payload[n - 1] = '\0';
	if (length != NULL)
		*length = n - 1;
	return payload;
}

/* Builds one event object in memory and sends it as a single frame. */
struct event {
	char *text;
	size_t length;
	FILE *out;
	struct json j;
};

static void event_begin(struct event *e, const char *type)
{
	e->out = open_memstream(&e->text, &e->length);
	if (e->out == NULL)
		channel_broken("allocate an event", errno);
	json_init(&e->j, e->out, false);
	json_object_begin(&e->j);
	json_key(&e->j, "type");
	json_string(&e->j, type);
}

static void event_fields(struct event *e, const char *const *pairs)
{
	for (; pairs[0] != NULL && pairs[1] != NULL; pairs += 2) {
		json_key(&e->j, pairs[0]);
		json_string(&e->j, pairs[1]);
	}
}

static void event_end(struct event *e)
{
	json_object_end(&e->j);
	if (fclose(e->out) != 0)
		channel_broken("finish an event", errno);
	send_frame(FRAME_EVENT, e->text, e->length);
	free(e->text);
}

static void event_step(struct event *e, const char *type, const char *op, const char *const *args)
{
	event_begin(e, type);
	json_key(&e->j, "op");
	json_string(&e->j, op);
	json_key(&e->j, "args");
	json_object_begin(&e->j);
	event_fields(e, args);
	json_object_end(&e->j);
}

void step_announce(const char *op, const char *const *args)
{
	struct event e;

	if (!stepping)
		return;
	event_step(&e, "next", op, args);
	event_end(&e);
	free(channel_read(FRAME_GO, NULL));
}

long step_report(const char *op, const char *const *args, long ret)
{
	int err = errno;
	struct event e;

	event_step(&e, "step", op, args);
	json_key(&e.j, "ret");
	json_int(&e.j, ret);
	json_key(&e.j, "errno");
	if (ret < 0)
		json_string(&e.j, errno_name(err));
	else
		json_null(&e.j);
	event_end(&e);
	errno = err;
	return ret;
}

void event_send(const char *type, const char *const *fields)
{
	struct event e;

	event_begin(&e, type);
	event_fields(&e, fields);
	event_end(&e);
}

static __attribute__((noreturn)) void vfail(int status, int err, const char *format, va_list ap)
{
	char message[1024];
	struct event e;

	vsnprintf(message, sizeof message, format, ap);
	if (control_fd >= 0) {
		event_begin(&e, "error");
		json_key(&e.j, "message");
		json_string(&e.j, message);
		json_key(&e.j, "errno");
		if (err != 0)
			json_string(&e.j, errno_name(err));
		else
			json_null(&e.j);
		event_end(&e);
	} else {
		dprintf(2, "gbx-run: %s%s%s\n", message, err ? ": " : "", err ? strerror(err) : "");
	}
	if (fail_hook != NULL)
		fail_hook();
	_exit(status);
}

void fail(int status, const char *format, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, format);
	vfail(status, err, format, ap);
}

void fail_errno(int status, int err, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfail(status, err, format, ap);
}

char *fmt(const char *format, ...)
{
	char *text;
	va_list ap;
	int n;

	va_start(ap, format);
	n = vasprintf(&text, format, ap);
	va_end(ap);
	if (n < 0)
		channel_broken("format a step argument", ENOMEM);
	return text;
}
