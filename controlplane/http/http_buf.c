/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Growable output buffer with a sticky error (see http_buf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_buf.h"

void
http_buf_init(struct http_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
http_buf_fini(struct http_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
http_buf_reset(struct http_buf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Room for n more bytes plus a terminator. */
static bool
http_buf_room(struct http_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err != 0)
		return false;
	if (n > b->max - b->len) {
		b->err = -EMSGSIZE;
		return false;
	}
	if (b->len + n < b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 1024;
	while (cap <= b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->err = -ENOMEM;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
http_buf_add(struct http_buf *b, const void *p, size_t n)
{
	if (!http_buf_room(b, n) || n == 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
http_buf_str(struct http_buf *b, const char *s)
{
	http_buf_add(b, s, strlen(s));
}

void
http_buf_u64(struct http_buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	http_buf_add(b, tmp + i, sizeof(tmp) - i);
}

void
http_buf_printf(struct http_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !http_buf_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
