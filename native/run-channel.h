/*
run-channel.h: gbx-run's side of the control socket to Node.

Frames, both ways: a 4-byte big-endian length N (1 to CHANNEL_MAX_FRAME), then N
bytes whose first byte is the frame type. Node sends 'S' (the spec), 'R' (release
the child: maps and cgroups are done) and 'G' (go on with the next step); gbx-run
sends 'J' followed by one JSON object (an event). A frame that breaks these rules
ends the helper: the socket is trusted no further than its bounds.
*/
#ifndef GBX_RUN_CHANNEL_H
#define GBX_RUN_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#define CHANNEL_MAX_FRAME (1u << 20)

#define FRAME_SPEC 'S'
#define FRAME_RELEASE 'R'
#define FRAME_GO 'G'
#define FRAME_EVENT 'J'

/* Argument lists are NULL-terminated key, value, key, value... string arrays. */
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGS ((const char *const[]){ NULL })

void channel_open(int fd);
/* In stepping mode every announced step waits for a 'G' frame first. */
void channel_set_stepping(bool stepping);

/* Reads one frame of the expected type; its payload (after the type byte) is
   malloc'd and NUL-terminated. Exits on EOF, a bad length or another type. */
char *channel_read(char expected, size_t *length);

/* {"type":"next","op":…,"args":{…}}, then waits for 'G' when stepping; else nothing. */
void step_announce(const char *op, const char *const *args);
/* {"type":"step","op":…,"args":{…},"ret":…,"errno":null|"EPERM"}. Returns ret; errno kept. */
long step_report(const char *op, const char *const *args, long ret);

/* A step: announced (and paused for) before the call, reported after it. */
#define STEP(op, args, call) (step_announce((op), (args)), step_report((op), (args), (long)(call)))

/* {"type":type, key: value...} where values are strings; for created, exec, exit. */
void event_send(const char *type, const char *const *fields);

/* Reports {"type":"error","message":"failed to …","errno":…} and exits with status. */
__attribute__((noreturn, format(printf, 2, 3))) void fail(int status, const char *format, ...);
/* The same with an errno given (0: none) instead of the current one. */
__attribute__((noreturn, format(printf, 3, 4))) void fail_errno(int status, int err, const char *format, ...);

/* A printf'd string for step arguments; exits when out of memory. */
__attribute__((format(printf, 1, 2))) char *fmt(const char *format, ...);

/* The errno name ("EPERM"), or "E<number>" for one the table lacks. */
const char *errno_name(int err);

/* Called by fail() just before exiting, e.g. to tell the parent through a pipe. */
void channel_on_fail(void (*hook)(void));

#endif
