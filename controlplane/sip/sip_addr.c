/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The grammar of header values shared by several headers: name-addr and
 * addr-spec with parameters (From, To, Contact, Route, Record-Route, Path),
 * Via values, comma-separated lists, quoted strings and numbers. All of
 * them work on views and fold-tolerant LWS, and report an error kind that
 * the caller turns into a reason naming the header.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_parse.h"

const char *
sip_skip_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

int
sip_pl_u32(struct dg_pl pl, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (pl.len == 0)
		return -EBADMSG;
	for (i = 0; i < pl.len; i++) {
		if (!sip_is(pl.p[i], SIP_C_DIGIT))
			return -EBADMSG;
		v = v * 10 + (uint64_t)(pl.p[i] - '0');
		if (v > max) {
			/* keep scanning so that junk still reads as junk */
			while (++i < pl.len)
				if (!sip_is(pl.p[i], SIP_C_DIGIT))
					return -EBADMSG;
			return -ERANGE;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

/* A parameter value: token, quoted string, or host text such as an IPv6
 * reference (received=[2001:db8::9:255]). */
static const char *
param_value(const char *p, const char *end)
{
	const char *s = p;

	if (p < end && *p == '"')
		return sip_skip_quoted(p, end);
	while (p < end && (sip_is(*p, SIP_C_TOKEN) || *p == ':' ||
			   *p == '[' || *p == ']'))
		p++;
	return p == s ? NULL : p;
}

int
sip_param_next(const char **pos, const char *end, struct dg_pl *name,
	       struct dg_pl *val)
{
	const char *p = sip_skip_lws(*pos, end), *s = p;

	p = sip_skip_token(p, end);
	if (p == s)
		return -EBADMSG;
	*name = sip_pl(s, p);
	*val = DG_PL_NULL;
	p = sip_skip_lws(p, end);
	if (p < end && *p == '=') {
		s = sip_skip_lws(p + 1, end);
		p = param_value(s, end);
		if (p == NULL)
			return -EBADMSG;
		*val = sip_pl(s, p);
		p = sip_skip_lws(p, end);
	}
	if (p == end) {
		*pos = NULL;
		return 1;
	}
	if (*p != ';')
		return -EBADMSG;
	*pos = p + 1;
	return 1;
}

bool
sip_params_valid(struct dg_pl params)
{
	const char *pos = params.p, *end = params.p + params.len;
	struct dg_pl n, v;

	while (pos != NULL)
		if (sip_param_next(&pos, end, &n, &v) < 0)
			return false;
	return true;
}

int
sip_list_split(const char **pos, const char *end, struct dg_pl *val)
{
	const char *p = sip_skip_lws(*pos, end), *s = p, *q;

	if (p >= end)
		return 0;
	for (;;) {
		while (p < end && !sip_is(*p, SIP_C_LSEP))
			p++;
		if (p >= end || *p == ',')
			break;
		if (*p == '"') {
			p = sip_skip_quoted(p, end);
			if (p == NULL)
				return -EBADMSG;
			continue;
		}
		q = memchr(p, *p == '<' ? '>' : ')', (size_t)(end - p));
		if (q == NULL)
			return -EBADMSG;
		p = q + 1;
	}
	*val = sip_pl_trim(sip_pl(s, p));
	*pos = p < end ? p + 1 : end;
	return 1;
}

enum sip_addr_err
sip_addr_parse(struct sip_addr *addr, struct dg_pl val)
{
	const char *p, *end, *lt = NULL, *gt, *q;

	val = sip_pl_trim(val);
	addr->raw = val;
	addr->dname = DG_PL_NULL;
	addr->tag = DG_PL_NULL;
	addr->params = DG_PL_NULL;
	addr->angle = false;
	if (val.len == 0)
		return SIP_AE_EMPTY;
	p = val.p;
	end = val.p + val.len;

	if (*p == '"') {
		q = sip_skip_quoted(p, end);
		if (q == NULL)
			return SIP_AE_QUOTE;
		addr->dname = sip_pl(p, q);
		q = sip_skip_lws(q, end);
		if (q >= end || *q != '<')
			return SIP_AE_DNAME;
		lt = q;
	} else {
		/* '<' before any ';' makes a name-addr; a quote there is a
		 * display name mixing tokens and quotes, while quotes after
		 * ';' belong to the parameters of an addr-spec */
		for (q = p; q < end && *q != '<' && *q != ';' && *q != '"'; q++)
			;
		if (q < end && *q == '"')
			return sip_skip_quoted(q, end) == NULL ?
				SIP_AE_QUOTE : SIP_AE_DNAME;
		if (q < end && *q == '<')
			lt = q;
		if (lt != NULL) {
			struct dg_pl dn = sip_pl_trim(sip_pl(p, lt));

			if (dn.len > 0)
				addr->dname = dn;
			for (q = p; q < lt; q++)
				if (!sip_is(*q, SIP_C_TOKEN | SIP_C_LWS))
					return SIP_AE_DNAME;
		}
	}

	if (lt != NULL) {
		addr->angle = true;
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			return SIP_AE_LAQUOT;
		if (gt == lt + 1)
			return SIP_AE_URI;
		if (sip_is(lt[1], SIP_C_LWS) || sip_is(gt[-1], SIP_C_LWS))
			return SIP_AE_SPACE;
		if (sip_uri_decode(&addr->uri, lt + 1, (size_t)(gt - lt - 1)) < 0)
			return SIP_AE_URI;
		p = sip_skip_lws(gt + 1, end);
	} else {
		const char *u = p;

		while (p < end && *p != ';' && !sip_is(*p, SIP_C_LWS))
			p++;
		if (memchr(u, '?', (size_t)(p - u)) != NULL)
			return SIP_AE_NOANGLE;
		if (sip_uri_decode(&addr->uri, u, (size_t)(p - u)) < 0)
			return SIP_AE_URI;
		p = sip_skip_lws(p, end);
	}
	if (p < end) {
		if (*p != ';')
			return lt != NULL ? SIP_AE_PARAM : SIP_AE_NOANGLE;
		const char *pos = p + 1;
		struct dg_pl n, v;

		addr->params = sip_pl(p + 1, end);
		while (pos != NULL) {
			if (sip_param_next(&pos, end, &n, &v) < 0)
				return SIP_AE_PARAM;
			if (sip_pl_is(n, "tag", 3) && addr->tag.p == NULL)
				addr->tag = v.p != NULL ? v : sip_pl(n.p + 3, n.p + 3);
		}
	}
	return SIP_AE_OK;
}

static const char *const addr_err_reason[SIP_AE__COUNT] = {
	[SIP_AE_OK] = "",
	[SIP_AE_QUOTE] = "unterminated quoted string",
	[SIP_AE_DNAME] = "invalid display name",
	[SIP_AE_LAQUOT] = "unterminated <",
	[SIP_AE_SPACE] = "whitespace inside <>",
	[SIP_AE_URI] = "invalid URI",
	[SIP_AE_NOANGLE] = "URI with headers or parameters not enclosed in <>",
	[SIP_AE_PARAM] = "invalid parameter",
	[SIP_AE_EMPTY] = "empty value",
};

#define ADDR_REASONS(h) { \
	[SIP_AE_OK] = "", \
	[SIP_AE_QUOTE] = "unterminated quoted string in " h, \
	[SIP_AE_DNAME] = "invalid display name in " h, \
	[SIP_AE_LAQUOT] = "unterminated < in " h, \
	[SIP_AE_SPACE] = "whitespace inside <> in " h, \
	[SIP_AE_URI] = "invalid URI in " h, \
	[SIP_AE_NOANGLE] = "URI with headers or parameters not enclosed in <> in " h, \
	[SIP_AE_PARAM] = "invalid parameter in " h, \
	[SIP_AE_EMPTY] = "empty " h, \
}

static const char *const from_reason[SIP_AE__COUNT] = ADDR_REASONS("From");
static const char *const to_reason[SIP_AE__COUNT] = ADDR_REASONS("To");
static const char *const contact_reason[SIP_AE__COUNT] = ADDR_REASONS("Contact");
static const char *const route_reason[SIP_AE__COUNT] = ADDR_REASONS("Route");
static const char *const rr_reason[SIP_AE__COUNT] = ADDR_REASONS("Record-Route");
static const char *const path_reason[SIP_AE__COUNT] = ADDR_REASONS("Path");

const char *
sip_addr_reason(enum sip_hdr_id id, enum sip_addr_err e)
{
	switch (id) {
	case SIP_HDR_FROM:
		return from_reason[e];
	case SIP_HDR_TO:
		return to_reason[e];
	case SIP_HDR_CONTACT:
		return contact_reason[e];
	case SIP_HDR_ROUTE:
		return route_reason[e];
	case SIP_HDR_RECORD_ROUTE:
		return rr_reason[e];
	case SIP_HDR_PATH:
		return path_reason[e];
	default:
		return addr_err_reason[e];
	}
}

int
sip_addr_decode(struct sip_addr *addr, struct dg_pl val, const char **reason)
{
	enum sip_addr_err e = sip_addr_parse(addr, val);

	if (e == SIP_AE_OK)
		return 0;
	if (reason != NULL)
		*reason = addr_err_reason[e];
	return -EBADMSG;
}

static enum sip_transport
via_transport(struct dg_pl t)
{
	static const struct {
		const char *name;
		enum sip_transport tp;
	} tps[] = {
		{ "UDP", SIP_TP_UDP }, { "TCP", SIP_TP_TCP },
		{ "TLS", SIP_TP_TLS }, { "SCTP", SIP_TP_SCTP },
		{ "WS", SIP_TP_WS }, { "WSS", SIP_TP_WSS },
	};
	size_t i;

	for (i = 0; i < sizeof(tps) / sizeof(tps[0]); i++)
		if (sip_pl_is(t, tps[i].name, strlen(tps[i].name)))
			return tps[i].tp;
	return SIP_TP_OTHER;
}

int
sip_via_parse(struct sip_via *via, struct dg_pl val)
{
	const char *p, *end, *s, *pos;
	bool other_version;
	struct dg_pl v, name;
	uint32_t n;

	val = sip_pl_trim(val);
	p = val.p;
	end = val.p + val.len;
	via->raw = val;
	via->params = DG_PL_NULL;
	via->branch = via->received = via->maddr = via->ttl = DG_PL_NULL;
	via->rport = false;
	via->rport_val = 0;

	/* "SIP" / "2.0" / transport, with LWS allowed around each slash */
	s = p;
	p = sip_skip_token(p, end);
	if (!sip_pl_is(sip_pl(s, p), "SIP", 3))
		return -EBADMSG;
	p = sip_skip_lws(p, end);
	if (p >= end || *p != '/')
		return -EBADMSG;
	p = sip_skip_lws(p + 1, end);
	s = p;
	p = sip_skip_token(p, end);
	if (p == s)
		return -EBADMSG;
	other_version = !sip_pl_is(sip_pl(s, p), "2.0", 3);
	p = sip_skip_lws(p, end);
	if (p >= end || *p != '/')
		return -EBADMSG;
	p = sip_skip_lws(p + 1, end);
	s = p;
	p = sip_skip_token(p, end);
	if (p == s || p >= end || !sip_is(*p, SIP_C_LWS))
		return -EBADMSG;
	via->transport_raw = sip_pl(s, p);
	via->transport = via_transport(via->transport_raw);
	p = sip_skip_lws(p, end);
	p = sip_hostport_parse(p, end, &via->host, &v, &via->port,
			       &via->host_type);
	if (p == NULL)
		return -EBADMSG;
	p = sip_skip_lws(p, end);
	if (p == end)
		return other_version ? -EPROTO : 0;
	if (*p != ';')
		return -EBADMSG;
	via->params = sip_pl(p + 1, end);
	/* one pass: validate and pick the parameters the stack uses */
	for (pos = p + 1; pos != NULL;) {
		struct dg_pl *dst = NULL;

		if (sip_param_next(&pos, end, &name, &v) < 0)
			return -EBADMSG;
		switch (name.len) {
		case 3:
			if (sip_ncase_eq(name.p, "ttl", 3))
				dst = &via->ttl;
			break;
		case 5:
			if (sip_ncase_eq(name.p, "maddr", 5)) {
				dst = &via->maddr;
			} else if (sip_ncase_eq(name.p, "rport", 5) && !via->rport) {
				via->rport = true;
				if (v.len > 0) {
					if (sip_pl_u32(v, 65535, &n) < 0)
						return -EBADMSG;
					via->rport_val = (uint16_t)n;
				}
			}
			break;
		case 6:
			if (sip_ncase_eq(name.p, "branch", 6))
				dst = &via->branch;
			break;
		case 8:
			if (sip_ncase_eq(name.p, "received", 8))
				dst = &via->received;
			break;
		default:
			break;
		}
		if (dst != NULL && dst->p == NULL)
			*dst = v.p != NULL ? v : sip_pl(name.p + name.len,
							name.p + name.len);
	}
	return other_version ? -EPROTO : 0;
}
