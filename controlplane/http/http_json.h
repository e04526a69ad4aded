/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small streaming JSON writer for the read-only /api endpoints: objects,
 * arrays, strings (escaped per RFC 8259, with bytes that are not UTF-8
 * replaced by U+FFFD so the output always parses), unsigned and signed
 * integers and booleans. It places the commas; the caller nests properly.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_JSON_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_buf.h"

/** Deepest nesting the writer tracks. */
#define HTTP_JSON_DEPTH 16

struct http_json {
	struct http_buf *b;
	unsigned int depth;
	bool first[HTTP_JSON_DEPTH];	/* nothing written yet at this level */
	bool after_key;			/* a key was written, its value is next */
};

/** Start writing a document into b. */
void http_json_init(struct http_json *j, struct http_buf *b);

void http_json_obj_begin(struct http_json *j);
void http_json_obj_end(struct http_json *j);
void http_json_arr_begin(struct http_json *j);
void http_json_arr_end(struct http_json *j);

/** A member name inside an object; the next value is its value. */
void http_json_key(struct http_json *j, const char *key);

/** A string value of len bytes. */
void http_json_strn(struct http_json *j, const char *s, size_t len);

/** A NUL-terminated string value. */
void http_json_str(struct http_json *j, const char *s);

void http_json_u64(struct http_json *j, uint64_t v);
void http_json_i64(struct http_json *j, int64_t v);
void http_json_bool(struct http_json *j, bool v);

/** A value already encoded as JSON (len bytes of s), written as is. */
void http_json_raw(struct http_json *j, const char *s, size_t len);

/** Escape s as the inside of a JSON string (no quotes) into b. */
void http_json_escape(struct http_buf *b, const char *s, size_t len);

#endif
