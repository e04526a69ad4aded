/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming JSON writer (see http_json.h).
 */
#include <errno.h>
#include <string.h>

#include "http_json.h"

void
http_json_init(struct http_json *j, struct http_buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->first[0] = true;
}

/* The comma before a value or key, unless it follows its key. */
static void
json_sep(struct http_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		http_buf_str(j->b, ",");
	j->first[j->depth] = false;
}

static void
json_open(struct http_json *j, const char *c)
{
	json_sep(j);
	http_buf_str(j->b, c);
	if (j->depth + 1 >= HTTP_JSON_DEPTH) {
		if (j->b->err == 0)
			j->b->err = -EINVAL;
		return;
	}
	j->first[++j->depth] = true;
}

static void
json_close(struct http_json *j, const char *c)
{
	http_buf_str(j->b, c);
	if (j->depth > 0)
		j->depth--;
}

void
http_json_obj_begin(struct http_json *j)
{
	json_open(j, "{");
}

void
http_json_obj_end(struct http_json *j)
{
	json_close(j, "}");
}

void
http_json_arr_begin(struct http_json *j)
{
	json_open(j, "[");
}

void
http_json_arr_end(struct http_json *j)
{
	json_close(j, "]");
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 when invalid. */
static size_t
json_utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
			(cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
http_json_escape(struct http_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	char esc[7];

	while (i < len) {
		const char *rep = NULL;

		if (u[i] == '"') {
			rep = "\\\"";
		} else if (u[i] == '\\') {
			rep = "\\\\";
		} else if (u[i] == '\n') {
			rep = "\\n";
		} else if (u[i] == '\r') {
			rep = "\\r";
		} else if (u[i] == '\t') {
			rep = "\\t";
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[u[i] >> 4];
			esc[5] = hex[u[i] & 0xf];
			esc[6] = '\0';
			rep = esc;
		} else if (u[i] >= 0x80) {
			n = json_utf8_len(u + i, len - i);
			if (n != 0) {
				i += n;
				continue;
			}
			rep = "\\ufffd";
		} else {
			i++;
			continue;
		}
		http_buf_add(b, s + run, i - run);
		http_buf_str(b, rep);
		run = ++i;
	}
	http_buf_add(b, s + run, len - run);
}

void
http_json_key(struct http_json *j, const char *key)
{
	json_sep(j);
	http_buf_str(j->b, "\"");
	http_json_escape(j->b, key, strlen(key));
	http_buf_str(j->b, "\":");
	j->after_key = true;
}

void
http_json_strn(struct http_json *j, const char *s, size_t len)
{
	json_sep(j);
	http_buf_str(j->b, "\"");
	http_json_escape(j->b, s, len);
	http_buf_str(j->b, "\"");
}

void
http_json_str(struct http_json *j, const char *s)
{
	http_json_strn(j, s, strlen(s));
}

void
http_json_u64(struct http_json *j, uint64_t v)
{
	json_sep(j);
	http_buf_u64(j->b, v);
}

void
http_json_i64(struct http_json *j, int64_t v)
{
	json_sep(j);
	if (v < 0) {
		http_buf_str(j->b, "-");
		http_buf_u64(j->b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	http_buf_u64(j->b, (uint64_t)v);
}

void
http_json_bool(struct http_json *j, bool v)
{
	json_sep(j);
	http_buf_str(j->b, v ? "true" : "false");
}

void
http_json_raw(struct http_json *j, const char *s, size_t len)
{
	json_sep(j);
	http_buf_add(j->b, s, len);
}
