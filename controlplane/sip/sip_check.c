/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request checks that belong to the message layer (RFC 3261 sections
 * 8.2.1-8.2.3 and 16.3, RFC 4475 section 3.3): mandatory headers, the
 * Request-URI scheme, option tags the server lacks, Max-Forwards, bodies it
 * cannot read and responses it cannot produce. The message is only read:
 * lists are walked with the value iterator instead of being stored.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_parse.h"

static int
reject(struct sip_perr *err, int status, const char *reason)
{
	err->status = status;
	err->reason = reason;
	return -EBADMSG;
}

static bool
in_list(const char *const *list, struct dg_pl v)
{
	for (; list != NULL && *list != NULL; list++)
		if (dg_pl_eq_str_nocase(v, *list))
			return true;
	return false;
}

/* err->hdrs gets "Unsupported: a, b\r\n" for each tag of id we lack. */
static int
check_options(const struct sip_msg *msg, enum sip_hdr_id id,
	      const struct sip_check_conf *conf, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct dg_pl v;
	size_t n = 0;
	int r, w;

	sip_hdr_iter_init(&it, msg, id);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		if (in_list(conf->supported, v))
			continue;
		w = snprintf(err->hdrs + n, sizeof(err->hdrs) - n, "%s%.*s",
			     n == 0 ? "Unsupported: " : ", ", (int)v.len, v.p);
		if (w < 0 || (size_t)w >= sizeof(err->hdrs) - n - 2)
			break;
		n += (size_t)w;
	}
	if (r < 0)
		return reject(err, 400, id == SIP_HDR_REQUIRE ?
			      "invalid Require" : "invalid Proxy-Require");
	if (n == 0)
		return 0;
	memcpy(err->hdrs + n, "\r\n", 3);
	err->hdrs_len = n + 2;
	return reject(err, 420, id == SIP_HDR_REQUIRE ?
		      "unsupported option in Require" :
		      "unsupported option in Proxy-Require");
}

/* "type/subtype" of a media range, without parameters. */
static struct dg_pl
media_type(struct dg_pl range)
{
	const char *s = memchr(range.p, ';', range.len);

	return s == NULL ? range : sip_pl_trim(sip_pl(range.p, s));
}

static bool
media_eq(struct dg_pl a, const char *b)
{
	char tmp[128];
	size_t i, n = 0;

	/* LWS may sit around the slash */
	for (i = 0; i < a.len && n < sizeof(tmp) - 1; i++)
		if (!sip_is(a.p[i], SIP_C_LWS))
			tmp[n++] = a.p[i];
	return dg_pl_eq_str_nocase((struct dg_pl){ .p = tmp, .len = n }, b);
}

static bool
q_is_zero(struct dg_pl q)
{
	size_t i;

	for (i = 0; i < q.len; i++)
		if (q.p[i] != '0' && q.p[i] != '.')
			return false;
	return q.len > 0;
}

/* Accept of the request (RFC 3261 section 20.1): absent means SDP. */
static bool
accepts_sdp(const struct sip_msg *msg)
{
	struct sip_hdr_iter it;
	struct dg_pl v;

	if (sip_msg_hdr_first(msg, SIP_HDR_ACCEPT) == NULL)
		return true;
	sip_hdr_iter_init(&it, msg, SIP_HDR_ACCEPT);
	while (sip_hdr_list_next(&it, &v) > 0) {
		struct dg_pl t = media_type(v), q;

		if (sip_param_find(sip_pl(v.p + t.len, v.p + v.len), "q", &q) &&
		    q_is_zero(q))
			continue;
		if (media_eq(t, "application/sdp") ||
		    media_eq(t, "application/*") || media_eq(t, "*/*"))
			return true;
	}
	return false;
}

static int
check_body(const struct sip_msg *msg, const struct sip_check_conf *conf,
	   struct sip_perr *err)
{
	static const char *const sdp_only[] = { "application/sdp", NULL };
	const char *const *types = conf->accept_types != NULL ?
		conf->accept_types : sdp_only;
	const char *const *t;
	size_t n = 0;
	int w;

	if (msg->body.len == 0)
		return 0;
	if (!(msg->have & SIP_HAVE_CONTENT_TYPE))
		return reject(err, 400, "body without Content-Type");
	for (t = types; *t != NULL; t++)
		if (media_eq(msg->content_type, *t))
			return 0;
	for (t = types; *t != NULL; t++) {
		w = snprintf(err->hdrs + n, sizeof(err->hdrs) - n, "%s%s",
			     n == 0 ? "Accept: " : ", ", *t);
		if (w < 0 || (size_t)w >= sizeof(err->hdrs) - n - 2)
			break;
		n += (size_t)w;
	}
	memcpy(err->hdrs + n, "\r\n", 3);
	err->hdrs_len = n + 2;
	return reject(err, 415, "unsupported Content-Type");
}

/* REGISTER: an address of record must be a SIP or SIPS URI and the
 * contacts must parse (RFC 4475 unksm2, regbadct). */
static int
check_register(const struct sip_msg *msg, struct sip_perr *err)
{
	struct sip_hdr_iter it;
	struct sip_addr a;
	struct dg_pl v;
	int r;

	if (msg->to.uri.scheme != SIP_URI_SIP &&
	    msg->to.uri.scheme != SIP_URI_SIPS)
		return reject(err, 416, "unsupported URI scheme in To");
	sip_hdr_iter_init(&it, msg, SIP_HDR_CONTACT);
	while ((r = sip_hdr_list_next(&it, &v)) > 0) {
		enum sip_addr_err e;

		if (v.len == 1 && v.p[0] == '*')
			continue;
		e = sip_addr_parse(&a, v);
		if (e != SIP_AE_OK)
			return reject(err, 400,
				      sip_addr_reason(SIP_HDR_CONTACT, e));
	}
	if (r < 0)
		return reject(err, 400, "malformed Contact list");
	return 0;
}

int
sip_msg_check_request(const struct sip_msg *msg,
		      const struct sip_check_conf *conf, struct sip_perr *err)
{
	static const struct sip_check_conf none;
	int r;

	if (conf == NULL)
		conf = &none;
	err->status = 400;
	err->reason = NULL;
	err->hdrs[0] = '\0';
	err->hdrs_len = 0;
	if (!msg->is_request || !(msg->have & SIP_HAVE_START))
		return reject(err, 400, "not a request");
	if (!(msg->have & SIP_HAVE_VIA))
		return reject(err, 400, "missing Via header");
	if (sip_msg_hdr_first(msg, SIP_HDR_FROM) == NULL)
		return reject(err, 400, "missing From header");
	if (sip_msg_hdr_first(msg, SIP_HDR_TO) == NULL)
		return reject(err, 400, "missing To header");
	if (sip_msg_hdr_first(msg, SIP_HDR_CALL_ID) == NULL)
		return reject(err, 400, "missing Call-ID header");
	if (!(msg->have & SIP_HAVE_CSEQ))
		return reject(err, 400, "missing CSeq header");
	if (!(msg->have & SIP_HAVE_FROM) || !(msg->have & SIP_HAVE_TO) ||
	    !(msg->have & SIP_HAVE_CALL_ID))
		return reject(err, 400, "malformed mandatory header");

	if (msg->ruri.scheme == SIP_URI_OTHER)
		return reject(err, 416, "unsupported URI scheme in Request-URI");
	if ((msg->have & SIP_HAVE_MAX_FORWARDS) && msg->max_forwards == 0 &&
	    !conf->ruri_is_local)
		return reject(err, 483, "Max-Forwards is zero");
	if (!conf->uas) {
		r = check_options(msg, SIP_HDR_PROXY_REQUIRE, conf, err);
		if (r < 0)
			return r;
		return 0;
	}
	if (msg->method != SIP_METHOD_ACK && msg->method != SIP_METHOD_CANCEL) {
		r = check_options(msg, SIP_HDR_REQUIRE, conf, err);
		if (r < 0)
			return r;
	}
	if (msg->method == SIP_METHOD_REGISTER) {
		r = check_register(msg, err);
		if (r < 0)
			return r;
	}
	if (msg->method != SIP_METHOD_ACK) {
		r = check_body(msg, conf, err);
		if (r < 0)
			return r;
	}
	if (msg->method == SIP_METHOD_INVITE && !accepts_sdp(msg))
		return reject(err, 406, "Accept does not allow application/sdp");
	return 0;
}
