/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Headers decoded on demand (sip_msg_parse_hdrs): Contact, Route,
 * Record-Route, Path, Expires, Min-Expires, option-tag lists, User-Agent,
 * the credential headers (raw, for the digest parser), Accept and Allow.
 * Each group is parsed once; a later call with more groups resumes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_parse.h"

static int
fail(struct sip_perr *err, const char *reason)
{
	err->status = 400;
	err->reason = reason;
	err->hdrs[0] = '\0';
	err->hdrs_len = 0;
	return -EBADMSG;
}

/* Delta-seconds; values past 32 bits saturate (RFC 4475 scalar02 asks
 * that an overlarge expiry not fail the request). */
static int
delta_seconds(struct dg_pl v, uint32_t *out)
{
	int r = sip_pl_u32(v, UINT32_MAX, out);

	if (r == -ERANGE) {
		*out = UINT32_MAX;
		return 0;
	}
	return r;
}

/* qvalue: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ], times 1000. */
static int
qvalue(struct dg_pl v, uint16_t *out)
{
	unsigned int q, i, scale = 100;

	if (v.len == 0 || (v.p[0] != '0' && v.p[0] != '1'))
		return -EBADMSG;
	q = (unsigned int)(v.p[0] - '0') * 1000;
	if (v.len > 1) {
		if (v.p[1] != '.' || v.len > 5)
			return -EBADMSG;
		for (i = 2; i < v.len; i++, scale /= 10) {
			if (!sip_is(v.p[i], SIP_C_DIGIT))
				return -EBADMSG;
			q += (unsigned int)(v.p[i] - '0') * scale;
		}
	}
	if (q > 1000)
		return -EBADMSG;
	*out = (uint16_t)q;
	return 0;
}

static int
parse_contacts(struct sip_msg *msg, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct dg_pl v, pv;
	int r;

	msg->n_contacts = 0;
	msg->contact_star = false;
	sip_hdr_iter_init(&it, msg, SIP_HDR_CONTACT);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		struct sip_contact *c;
		enum sip_addr_err e;

		if (v.len == 1 && v.p[0] == '*') {
			msg->contact_star = true;
			continue;
		}
		if (msg->n_contacts >= SIP_MSG_MAX_CONTACTS)
			return fail(err, "too many Contact values");
		c = &msg->contacts[msg->n_contacts];
		e = sip_addr_parse(&c->addr, v);
		if (e != SIP_AE_OK)
			return fail(err, sip_addr_reason(SIP_HDR_CONTACT, e));
		c->has_expires = sip_param_find(c->addr.params, "expires", &pv);
		if (c->has_expires && delta_seconds(pv, &c->expires) < 0)
			return fail(err, "invalid expires in Contact");
		c->has_q = sip_param_find(c->addr.params, "q", &pv);
		if (c->has_q && qvalue(pv, &c->q) < 0)
			return fail(err, "invalid q in Contact");
		msg->n_contacts++;
	}
	if (r < 0)
		return fail(err, "malformed Contact list");
	if (msg->contact_star && msg->n_contacts > 0)
		return fail(err, "Contact * with other contacts");
	return 0;
}

static int
parse_routes(struct sip_msg *msg, enum sip_hdr_id id, struct dg_pl *out,
	     uint16_t *n, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct sip_addr a;
	struct dg_pl v;
	int r;

	*n = 0;
	sip_hdr_iter_init(&it, msg, id);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		enum sip_addr_err e;

		if (*n >= SIP_MSG_MAX_ROUTES)
			return fail(err, id == SIP_HDR_ROUTE ? "too many Route values" :
				    id == SIP_HDR_PATH ? "too many Path values" :
				    "too many Record-Route values");
		e = sip_addr_parse(&a, v);
		if (e != SIP_AE_OK)
			return fail(err, sip_addr_reason(id, e));
		out[(*n)++] = v;
	}
	if (r < 0)
		return fail(err, sip_addr_reason(id, SIP_AE_QUOTE));
	return 0;
}

static int
parse_tokens(struct sip_msg *msg, enum sip_hdr_id id, struct dg_pl *out,
	     uint16_t *n, const char *bad, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct dg_pl v;
	int r;

	*n = 0;
	sip_hdr_iter_init(&it, msg, id);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		if (sip_skip_token(v.p, v.p + v.len) != v.p + v.len ||
		    *n >= SIP_MSG_MAX_TOKENS)
			return fail(err, bad);
		out[(*n)++] = v;
	}
	return r < 0 ? fail(err, bad) : 0;
}

static int
parse_expires(const struct sip_msg *msg, enum sip_hdr_id id, bool *has,
	      uint32_t *val, const char *bad, struct sip_perr *err)
{
	const struct sip_hdr *h = sip_msg_hdr_first(msg, id);

	*has = false;
	if (h == NULL)
		return 0;
	if (delta_seconds(h->value, val) < 0)
		return fail(err, bad);
	*has = true;
	return 0;
}

static int
parse_accept(struct sip_msg *msg, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct dg_pl v;
	int r;

	msg->n_accept = 0;
	sip_hdr_iter_init(&it, msg, SIP_HDR_ACCEPT);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		if (memchr(v.p, '/', v.len) == NULL ||
		    msg->n_accept >= SIP_MSG_MAX_TOKENS)
			return fail(err, "invalid Accept");
		msg->accept[msg->n_accept++] = v;
	}
	return r < 0 ? fail(err, "invalid Accept") : 0;
}

static int
parse_allow(struct sip_msg *msg, struct sip_perr *err)
{
	uint16_t i;
	int r;

	msg->allow_mask = 0;
	r = parse_tokens(msg, SIP_HDR_ALLOW, msg->allow, &msg->n_allow,
			 "invalid Allow", err);
	if (r < 0)
		return r;
	for (i = 0; i < msg->n_allow; i++)
		msg->allow_mask |= 1u << sip_method_lookup(msg->allow[i].p,
							    msg->allow[i].len);
	return 0;
}

static struct dg_pl
first_value(const struct sip_msg *msg, enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr_first(msg, id);

	return h != NULL ? h->value : DG_PL_NULL;
}

static int
parse_group(struct sip_msg *msg, uint32_t flag, struct sip_perr *err)
{
	switch (flag) {
	case SIP_HDR_F_CONTACT:
		return parse_contacts(msg, err);
	case SIP_HDR_F_ROUTE:
		return parse_routes(msg, SIP_HDR_ROUTE, msg->routes,
				    &msg->n_routes, err);
	case SIP_HDR_F_RECORD_ROUTE:
		return parse_routes(msg, SIP_HDR_RECORD_ROUTE, msg->rroutes,
				    &msg->n_rroutes, err);
	case SIP_HDR_F_PATH:
		return parse_routes(msg, SIP_HDR_PATH, msg->paths,
				    &msg->n_paths, err);
	case SIP_HDR_F_EXPIRES:
		return parse_expires(msg, SIP_HDR_EXPIRES, &msg->has_expires,
				     &msg->expires, "invalid Expires", err);
	case SIP_HDR_F_MIN_EXPIRES:
		return parse_expires(msg, SIP_HDR_MIN_EXPIRES,
				     &msg->has_min_expires, &msg->min_expires,
				     "invalid Min-Expires", err);
	case SIP_HDR_F_SUPPORTED:
		return parse_tokens(msg, SIP_HDR_SUPPORTED, msg->supported,
				    &msg->n_supported, "invalid Supported", err);
	case SIP_HDR_F_REQUIRE:
		return parse_tokens(msg, SIP_HDR_REQUIRE, msg->require,
				    &msg->n_require, "invalid Require", err);
	case SIP_HDR_F_PROXY_REQUIRE:
		return parse_tokens(msg, SIP_HDR_PROXY_REQUIRE,
				    msg->proxy_require, &msg->n_proxy_require,
				    "invalid Proxy-Require", err);
	case SIP_HDR_F_USER_AGENT:
		msg->user_agent = first_value(msg, SIP_HDR_USER_AGENT);
		return 0;
	case SIP_HDR_F_AUTH:
		msg->authorization = first_value(msg, SIP_HDR_AUTHORIZATION);
		msg->proxy_authorization =
			first_value(msg, SIP_HDR_PROXY_AUTHORIZATION);
		msg->www_authenticate = first_value(msg, SIP_HDR_WWW_AUTHENTICATE);
		msg->proxy_authenticate =
			first_value(msg, SIP_HDR_PROXY_AUTHENTICATE);
		return 0;
	case SIP_HDR_F_ACCEPT:
		return parse_accept(msg, err);
	case SIP_HDR_F_ALLOW:
		return parse_allow(msg, err);
	default:
		return 0;
	}
}

int
sip_msg_parse_hdrs(struct sip_msg *msg, uint32_t mask, struct sip_perr *err)
{
	uint32_t pending = mask & SIP_HDR_F_ALL & ~msg->parsed;

	while (pending != 0) {
		uint32_t flag = pending & -pending;
		int r = parse_group(msg, flag, err);

		if (r < 0)
			return r;
		msg->parsed |= flag;
		pending &= ~flag;
	}
	return 0;
}
