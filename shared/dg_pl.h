/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pointer-length view into a buffer that someone else owns. The SIP, SDP
 * and bencode parsers hand these out instead of copies, so a parsed message
 * is one receive buffer plus views into it.
 */
#ifndef DRONGO_SHARED_DG_PL_H
#define DRONGO_SHARED_DG_PL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct dg_pl {
	const char *p;
	size_t len;
};

#define DG_PL(s) ((struct dg_pl){ .p = (s), .len = sizeof(s) - 1 })
#define DG_PL_NULL ((struct dg_pl){ .p = NULL, .len = 0 })

static inline bool
dg_pl_isset(struct dg_pl pl)
{
	return pl.p != NULL;
}

static inline bool
dg_pl_eq(struct dg_pl a, struct dg_pl b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool
dg_pl_eq_nocase(struct dg_pl a, struct dg_pl b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

static inline bool
dg_pl_eq_str_nocase(struct dg_pl a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && (n == 0 || strncasecmp(a.p, s, n) == 0);
}

#endif
