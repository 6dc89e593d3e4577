/*
json.h: a small streaming JSON writer for the static helpers.

The helpers print what the kernel told them, and the kernel hands back bytes, not
text: host names, paths and cgroup names may hold control characters or bytes that
are not UTF-8. json_string() keeps valid UTF-8 as it is and writes every other byte
as \u00XX, so the output is always valid JSON.
*/
#ifndef GBX_JSON_H
#define GBX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	bool pretty;
	int depth;
	/* Per open object or array: whether it already holds a value (for commas). */
	bool has_items[JSON_MAX_DEPTH];
	/* A key was just written: the next value follows it on the same line. */
	bool after_key;
};

void json_init(struct json *j, FILE *out, bool pretty);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* Writes `"key":`; the next call writes its value. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_string_bytes(struct json *j, const char *s, size_t length);
void json_int(struct json *j, long long value);
void json_uint(struct json *j, unsigned long long value);
void json_bool(struct json *j, bool value);
void json_null(struct json *j);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if s[0] starts none. */
size_t utf8_sequence_length(const unsigned char *s, size_t available);

#endif
