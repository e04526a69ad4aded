/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the SIP message layer: character classes of the RFC 3261
 * grammar as one lookup table, and the small scanners every grammar file
 * shares (LWS skipping, tokens, quoted strings, parameter lists). Header
 * values keep their folds, so LWS here includes CR and LF: a value never
 * holds a line end that is not a fold.
 */
#ifndef DRONGO_CONTROLPLANE_SIP_SIP_PARSE_H
#define DRONGO_CONTROLPLANE_SIP_SIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"
#include "sip_msg.h"

enum {
	SIP_C_TOKEN = 1 << 0,	/* RFC 3261 token */
	SIP_C_LWS = 1 << 1,	/* SP HT CR LF */
	SIP_C_DIGIT = 1 << 2,
	SIP_C_ALPHA = 1 << 3,
	SIP_C_HEX = 1 << 4,
	SIP_C_URI = 1 << 5,	/* may appear in a URI: no SP CTL < > " */
	SIP_C_HOST = 1 << 6,	/* hostname and IPv4: alnum - . */
	SIP_C_SCHEME = 1 << 7,	/* alnum + - . */
	SIP_C_LSEP = 1 << 8,	/* ends or nests a list value: , " < ( */
};

extern const uint16_t sip_ctype[256];
extern const uint8_t sip_lower[256];

static inline bool
sip_is(char c, unsigned int cls)
{
	return (sip_ctype[(unsigned char)c] & cls) != 0;
}

/* Case-insensitive equality of n bytes (ASCII letters fold). */
static inline bool
sip_ncase_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sip_lower[(unsigned char)a[i]] != sip_lower[(unsigned char)b[i]])
			return false;
	return true;
}

static inline bool
sip_pl_is(struct dg_pl pl, const char *lit, size_t n)
{
	return pl.len == n && sip_ncase_eq(pl.p, lit, n);
}

static inline const char *
sip_skip_lws(const char *p, const char *end)
{
	while (p < end && sip_is(*p, SIP_C_LWS))
		p++;
	return p;
}

static inline const char *
sip_skip_token(const char *p, const char *end)
{
	while (p < end && sip_is(*p, SIP_C_TOKEN))
		p++;
	return p;
}

static inline struct dg_pl
sip_pl(const char *p, const char *end)
{
	return (struct dg_pl){ .p = p, .len = (size_t)(end - p) };
}

static inline struct dg_pl
sip_pl_trim(struct dg_pl pl)
{
	const char *p = pl.p, *end = pl.p + pl.len;

	p = sip_skip_lws(p, end);
	while (end > p && sip_is(end[-1], SIP_C_LWS))
		end--;
	return sip_pl(p, end);
}

/* Errors of sip_addr_parse(); each maps to a reason naming the header. */
enum sip_addr_err {
	SIP_AE_OK = 0,
	SIP_AE_QUOTE,		/* unterminated quoted string */
	SIP_AE_DNAME,		/* display name neither tokens nor quoted */
	SIP_AE_LAQUOT,		/* '<' without '>' */
	SIP_AE_SPACE,		/* whitespace inside <> */
	SIP_AE_URI,		/* URI does not parse */
	SIP_AE_NOANGLE,		/* addr-spec with '?' or ',' outside <> */
	SIP_AE_PARAM,		/* malformed parameter */
	SIP_AE_EMPTY,		/* empty value */
	SIP_AE__COUNT
};

/**
 * Skip a quoted string starting at p (which points at '"').
 *
 * @return the position after the closing quote, NULL when unterminated.
 */
const char *sip_skip_quoted(const char *p, const char *end);

/**
 * Next parameter of a ';'-separated list: *pos points at its start (after
 * the ';') and is set to the next one, or NULL after the last. name =
 * token, value = token, quoted string or host text (unset when absent).
 *
 * @return 1 with name and val set, -EBADMSG when malformed.
 */
int sip_param_next(const char **pos, const char *end, struct dg_pl *name,
		   struct dg_pl *val);

/**
 * Check a ';'-separated parameter list (text after the first ';'):
 * name = token, value = token, quoted string or host (IPv6 reference).
 *
 * @return true when every parameter is well formed.
 */
bool sip_params_valid(struct dg_pl params);

/** Parse a name-addr / addr-spec value. @return SIP_AE_OK or the error. */
enum sip_addr_err sip_addr_parse(struct sip_addr *addr, struct dg_pl val);

/**
 * host [":" port] at [p, end): a name, IPv4 or bracketed IPv6 reference.
 *
 * @return the position after it, NULL when malformed.
 */
const char *sip_hostport_parse(const char *p, const char *end,
			       struct dg_pl *host, struct dg_pl *port_raw,
			       uint16_t *port, enum sip_host_type *type);

/** @return a reason naming the header for an address error. */
const char *sip_addr_reason(enum sip_hdr_id id, enum sip_addr_err e);

/**
 * Parse one Via value.
 *
 * @return 0, -EPROTO when well formed but the version is not 2.0,
 *   -EBADMSG when malformed.
 */
int sip_via_parse(struct sip_via *via, struct dg_pl val);

/**
 * Next comma-separated value in [*pos, end): commas inside quotes, <> and
 * parentheses do not split. Empty values are returned as empty views.
 *
 * @return 1 with *val set (trimmed), 0 when nothing is left, -EBADMSG on an
 *   unterminated quote or '<'.
 */
int sip_list_split(const char **pos, const char *end, struct dg_pl *val);

/** Parse a decimal number into *out. @return 0, -EBADMSG (not digits), -ERANGE (over max). */
int sip_pl_u32(struct dg_pl pl, uint32_t max, uint32_t *out);

#endif
