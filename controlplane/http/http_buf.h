/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The growable output buffer that HTTP responses and provider callbacks
 * write into. Appends never fail at the call site: running out of memory
 * or past the buffer's ceiling sets a sticky error that the writer checks
 * once at the end, so a provider writes straight-line code.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_BUF_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;	/* ceiling on len */
	int err;	/* 0, or the first -ENOMEM / -EMSGSIZE */
};

/** An empty buffer that will not grow past max bytes. */
void http_buf_init(struct http_buf *b, size_t max);

/** Release the memory. */
void http_buf_fini(struct http_buf *b);

/** Forget the contents and the error, keep the memory. */
void http_buf_reset(struct http_buf *b);

/** Append n bytes. */
void http_buf_add(struct http_buf *b, const void *p, size_t n);

/** Append a NUL-terminated string. */
void http_buf_str(struct http_buf *b, const char *s);

/** Append an unsigned decimal. */
void http_buf_u64(struct http_buf *b, uint64_t v);

/** Append printf-style text. */
void http_buf_printf(struct http_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
