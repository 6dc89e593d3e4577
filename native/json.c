/* json.c: see json.h. */
#include "json.h"

#include <string.h>

void json_init(struct json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->pretty = pretty;
	j->depth = 0;
	j->after_key = false;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		j->has_items[i] = false;
}

static void write_indent(struct json *j)
{
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Everything a value or key needs before it: a comma after a sibling, and in
   pretty mode a new line at the current depth. */
static void begin_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	int slot = j->depth - 1 < JSON_MAX_DEPTH ? j->depth - 1 : JSON_MAX_DEPTH - 1;
	if (j->has_items[slot])
		fputc(',', j->out);
	j->has_items[slot] = true;
	if (j->pretty)
		write_indent(j);
}

static void open_container(struct json *j, char bracket)
{
	begin_item(j);
	fputc(bracket, j->out);
	if (j->depth < JSON_MAX_DEPTH)
		j->has_items[j->depth] = false;
	j->depth++;
}

static void close_container(struct json *j, char bracket)
{
	bool had_items = j->depth <= JSON_MAX_DEPTH && j->has_items[j->depth - 1];
	j->depth--;
	if (j->pretty && had_items)
		write_indent(j);
	fputc(bracket, j->out);
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

size_t utf8_sequence_length(const unsigned char *s, size_t available)
{
	unsigned char c = s[0];
	size_t length;
	/* The second byte's range excludes overlong forms (E0, F0), UTF-16 surrogates
	   (ED) and code points past U+10FFFF (F4). */
	unsigned char low = 0x80, high = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		length = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		length = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		length = 4;
	else
		return 0;
	if (c == 0xE0)
		low = 0xA0;
	else if (c == 0xED)
		high = 0x9F;
	else if (c == 0xF0)
		low = 0x90;
	else if (c == 0xF4)
		high = 0x8F;
	if (available < length || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 2; i < length; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return length;
}

static void write_escaped(FILE *out, const unsigned char *s, size_t length)
{
	fputc('"', out);
	for (size_t i = 0; i < length;) {
		unsigned char c = s[i];
		size_t run;

		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7F) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		run = utf8_sequence_length(s + i, length - i);
		if (run == 0) {
			/* Not UTF-8: keep the byte's value visible as U+00XX. */
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		fwrite(s + i, 1, run, out);
		i += run;
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	begin_item(j);
	write_escaped(j->out, (const unsigned char *)key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->out);
	j->after_key = true;
}

void json_string_bytes(struct json *j, const char *s, size_t length)
{
	begin_item(j);
	write_escaped(j->out, (const unsigned char *)s, length);
}

void json_string(struct json *j, const char *s)
{
	json_string_bytes(j, s, strlen(s));
}

void json_int(struct json *j, long long value)
{
	begin_item(j);
	fprintf(j->out, "%lld", value);
}

void json_uint(struct json *j, unsigned long long value)
{
	begin_item(j);
	fprintf(j->out, "%llu", value);
}

void json_bool(struct json *j, bool value)
{
	begin_item(j);
	fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	begin_item(j);
	fputs("null", j->out);
}
