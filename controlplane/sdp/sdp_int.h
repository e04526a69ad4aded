/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the SDP module: the small scanners the parser, the a=crypto
 * grammar and the rewriter share (single-space separated tokens, bounded
 * decimal numbers, address checks), and the a=crypto parser the line
 * parser calls.
 */
#ifndef DRONGO_CONTROLPLANE_SDP_SDP_INT_H
#define DRONGO_CONTROLPLANE_SDP_SDP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"
#include "sdp.h"

static inline struct dg_pl
sdp_pl(const char *p, const char *end)
{
	return (struct dg_pl){ .p = p, .len = (size_t)(end - p) };
}

/*
 * Next space-separated token of *rest; tokens are separated by exactly one
 * SP (RFC 8866 grammar). @return false when *rest is empty or starts with SP.
 */
static inline bool
sdp_tok_next(struct dg_pl *rest, struct dg_pl *tok)
{
	size_t i;

	if (rest->len == 0 || rest->p[0] == ' ')
		return false;
	for (i = 0; i < rest->len && rest->p[i] != ' '; i++)
		;
	*tok = (struct dg_pl){ rest->p, i };
	if (i < rest->len) {
		rest->p += i + 1;
		rest->len -= i + 1;
		/* a trailing SP leaves an empty token behind: refuse it */
		if (rest->len == 0)
			return false;
	} else {
		rest->p += i;
		rest->len = 0;
	}
	return true;
}

/** Decimal digits only, value <= max. @return false otherwise. */
bool sdp_pl_u64(struct dg_pl pl, uint64_t max, uint64_t *out);

/** Split an a=crypto value into c. @return 0, or -EBADMSG with *reason. */
int sdp_crypto_parse(struct sdp_crypto *c, struct dg_pl val,
		     const char **reason);

/**
 * Check a connection address of addrtype and fill conn->af, numeric and
 * hold. @return 0, or -EBADMSG with *reason.
 */
int sdp_addr_check(struct sdp_conn *conn, const char **reason);

/**
 * Does m= section idx use ICE (ufrag at either level, or candidates)? Its
 * 0.0.0.0 is then the placeholder of RFC 8839 section 4.2.5 (no candidate
 * gathered yet), not an RFC 2543 hold.
 */
static inline bool
sdp_media_uses_ice(const struct sdp_session *s, unsigned int idx)
{
	return dg_pl_isset(s->ice_ufrag) || dg_pl_isset(s->media[idx].ice_ufrag) ||
	       s->media[idx].n_candidates != 0;
}

/**
 * Parse a c= value: <nettype> <addrtype> <address>[/<ttl>][/<count>].
 * @return 0, or -EBADMSG with *reason.
 */
int sdp_conn_parse(struct sdp_conn *c, struct dg_pl val, const char **reason);

#endif
