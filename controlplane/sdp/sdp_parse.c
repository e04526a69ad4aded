/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SDP parser: splits a body into lines (CRLF or LF), enforces the line
 * order of RFC 8866 section 5, and decodes the lines media anchoring needs
 * (o=, c=, b=, t=, m= and the attributes of SDP_ATTRS) into views; every
 * other line is kept in order as written. Each rejection names the rule
 * broken and the line, so a UAS can put it in a 488 Warning or a log line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

/* Line types in order per level; the rank of a type is its index. */
static const char sdp_session_order[] = "vosiuepcbtrzkam";
static const char sdp_media_order[] = "micbka";

enum {
	RANK_V = 0, RANK_O, RANK_S, RANK_I, RANK_U, RANK_E, RANK_P, RANK_C,
	RANK_B, RANK_T, RANK_R, RANK_Z, RANK_K, RANK_A, RANK_M,
};

static const struct {
	const char *name;
	size_t len;
} sdp_attr_names[SDP_ATTR__COUNT] = {
#define SDP_ATTR_NAME_(id, n) [SDP_ATTR_##id] = { n, sizeof(n) - 1 },
	SDP_ATTRS(SDP_ATTR_NAME_)
#undef SDP_ATTR_NAME_
};

struct sdp_pstate {
	struct sdp_session *s;
	const char *reason;
	int last;		/* rank of the previous line at this level */
	bool seen_t;
	unsigned int seen;	/* bit per rank of this level: single lines */
};

bool
sdp_pl_u64(struct dg_pl pl, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (pl.len == 0 || pl.len > 20)
		return false;
	for (i = 0; i < pl.len; i++) {
		unsigned int d = (unsigned char)pl.p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool
sdp_is_token_char(char c)
{
	/* RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
	unsigned char u = (unsigned char)c;

	return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a ||
	       u == 0x2b || u == 0x2d || u == 0x2e ||
	       (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) ||
	       (u >= 0x5e && u <= 0x7e);
}

static bool
sdp_pl_is_token(struct dg_pl pl)
{
	size_t i;

	if (pl.len == 0)
		return false;
	for (i = 0; i < pl.len; i++)
		if (!sdp_is_token_char(pl.p[i]))
			return false;
	return true;
}

static bool
sdp_pl_dotted(struct dg_pl pl)
{
	size_t i;

	for (i = 0; i < pl.len; i++)
		if (!(pl.p[i] >= '0' && pl.p[i] <= '9') && pl.p[i] != '.')
			return false;
	return true;
}

int
sdp_addr_check(struct sdp_conn *conn, const char **reason)
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t bin[16];
	bool ip4 = dg_pl_eq(conn->addrtype, DG_PL("IP4"));
	bool ip6 = dg_pl_eq(conn->addrtype, DG_PL("IP6"));
	bool has_colon = false;
	size_t i;

	if (conn->addr.len == 0) {
		*reason = "empty address";
		return -EBADMSG;
	}
	for (i = 0; i < conn->addr.len; i++) {
		char c = conn->addr.p[i];

		if (c == ':')
			has_colon = true;
		if (!sdp_is_token_char(c) && c != ':') {
			*reason = "bad character in address";
			return -EBADMSG;
		}
	}
	conn->af = AF_UNSPEC;
	conn->numeric = false;
	conn->hold = false;
	if (!dg_pl_eq(conn->nettype, DG_PL("IN")) || (!ip4 && !ip6))
		return 0;
	conn->af = ip4 ? AF_INET : AF_INET6;
	if (ip4 && has_colon) {
		*reason = "IPv6 address with address type IP4";
		return -EBADMSG;
	}
	/* a dotted quad or anything with ':' must be numeric; else an FQDN */
	if ((ip4 && sdp_pl_dotted(conn->addr)) ||
	    (ip6 && has_colon)) {
		if (conn->addr.len < sizeof(tmp)) {
			memcpy(tmp, conn->addr.p, conn->addr.len);
			tmp[conn->addr.len] = '\0';
		}
		if (conn->addr.len >= sizeof(tmp) ||
		    inet_pton(conn->af, tmp, bin) != 1) {
			*reason = ip4 ? "bad IPv4 address" : "bad IPv6 address";
			return -EBADMSG;
		}
		conn->numeric = true;
		conn->hold = true;
		for (i = 0; i < (ip4 ? 4u : 16u); i++)
			if (bin[i] != 0)
				conn->hold = false;
		return 0;
	}
	if (ip6 && sdp_pl_dotted(conn->addr)) {
		*reason = "IPv4 address with address type IP6";
		return -EBADMSG;
	}
	return 0;
}

/* c=<nettype> <addrtype> <address>[/<ttl>][/<count>] */
int
sdp_conn_parse(struct sdp_conn *c, struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, addr;
	uint64_t v;
	const char *slash;
	int err;

	memset(c, 0, sizeof(*c));
	if (!sdp_tok_next(&rest, &c->nettype) ||
	    !sdp_tok_next(&rest, &c->addrtype) ||
	    !sdp_tok_next(&rest, &addr) || rest.len != 0) {
		*reason = "c=: expected <nettype> <addrtype> <address>";
		return -EBADMSG;
	}
	c->addr = addr;
	slash = memchr(addr.p, '/', addr.len);
	if (slash != NULL) {
		struct dg_pl ttl = sdp_pl(slash + 1, addr.p + addr.len);
		const char *s2 = memchr(ttl.p, '/', ttl.len);

		c->addr = sdp_pl(addr.p, slash);
		if (s2 != NULL) {
			if (!sdp_pl_u64(sdp_pl(s2 + 1, ttl.p + ttl.len), 65535, &v) ||
			    !sdp_pl_u64(sdp_pl(ttl.p, s2), 255, &v)) {
				*reason = "c=: bad multicast TTL or count";
				return -EBADMSG;
			}
		} else if (!sdp_pl_u64(ttl, 65535, &v)) {
			*reason = "c=: bad multicast TTL or count";
			return -EBADMSG;
		}
	}
	err = sdp_addr_check(c, reason);
	if (err < 0)
		return err;
	c->set = true;
	return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
static int
sdp_origin_parse(struct sdp_origin *o, struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val;
	uint64_t v;
	int err;

	memset(o, 0, sizeof(*o));
	if (!sdp_tok_next(&rest, &o->user) || !sdp_tok_next(&rest, &o->sess_id) ||
	    !sdp_tok_next(&rest, &o->sess_version) ||
	    !sdp_tok_next(&rest, &o->addr.nettype) ||
	    !sdp_tok_next(&rest, &o->addr.addrtype) ||
	    !sdp_tok_next(&rest, &o->addr.addr) || rest.len != 0) {
		*reason = "o=: expected six fields";
		return -EBADMSG;
	}
	if (!sdp_pl_u64(o->sess_id, UINT64_MAX, &v)) {
		*reason = "o=: session id is not a number";
		return -EBADMSG;
	}
	if (!sdp_pl_u64(o->sess_version, UINT64_MAX, &o->version)) {
		*reason = "o=: session version is not a number";
		return -EBADMSG;
	}
	err = sdp_addr_check(&o->addr, reason);
	if (err < 0)
		return err;
	o->addr.set = true;
	return 0;
}

/* b=<bwtype>:<bandwidth> */
static int
sdp_bw_parse(struct sdp_bw *bw, struct dg_pl val, const char **reason)
{
	const char *colon = memchr(val.p, ':', val.len);

	if (colon == NULL || !sdp_pl_is_token(sdp_pl(val.p, colon)) ||
	    !sdp_pl_u64(sdp_pl(colon + 1, val.p + val.len), UINT64_MAX,
			&bw->value)) {
		*reason = "b=: expected <bwtype>:<bandwidth>";
		return -EBADMSG;
	}
	bw->type = sdp_pl(val.p, colon);
	return 0;
}

static enum sdp_proto
sdp_proto_of(struct dg_pl p)
{
	static const struct {
		struct dg_pl name;
		enum sdp_proto proto;
	} tab[] = {
		{ DG_PL("RTP/AVP"), SDP_PROTO_RTP_AVP },
		{ DG_PL("RTP/AVPF"), SDP_PROTO_RTP_AVPF },
		{ DG_PL("RTP/SAVP"), SDP_PROTO_RTP_SAVP },
		{ DG_PL("RTP/SAVPF"), SDP_PROTO_RTP_SAVPF },
		{ DG_PL("UDP/TLS/RTP/SAVP"), SDP_PROTO_UDP_TLS_RTP_SAVP },
		{ DG_PL("UDP/TLS/RTP/SAVPF"), SDP_PROTO_UDP_TLS_RTP_SAVPF },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (dg_pl_eq(p, tab[i].name))
			return tab[i].proto;
	return SDP_PROTO_OTHER;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int
sdp_mline_parse(struct sdp_media *m, struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, port, t;
	const char *slash;
	uint64_t v;

	if (!sdp_tok_next(&rest, &m->type) || !sdp_pl_is_token(m->type) ||
	    !sdp_tok_next(&rest, &port) || !sdp_tok_next(&rest, &m->proto_raw) ||
	    rest.len == 0) {
		*reason = "m=: expected <media> <port> <proto> <fmt> ...";
		return -EBADMSG;
	}
	m->fmts = rest;
	while (rest.len != 0)
		if (!sdp_tok_next(&rest, &t)) {
			*reason = "m=: empty format";
			return -EBADMSG;
		}
	m->port_raw = port;
	m->nports = 1;
	slash = memchr(port.p, '/', port.len);
	if (slash != NULL) {
		if (!sdp_pl_u64(sdp_pl(slash + 1, port.p + port.len), 65535, &v) ||
		    v == 0) {
			*reason = "m=: bad number of ports";
			return -EBADMSG;
		}
		m->nports = (uint16_t)v;
		port = sdp_pl(port.p, slash);
	}
	if (!sdp_pl_u64(port, 65535, &v)) {
		*reason = "m=: bad port";
		return -EBADMSG;
	}
	m->port = (uint16_t)v;
	m->proto = sdp_proto_of(m->proto_raw);
	return 0;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] */
static int
sdp_rtcp_parse(struct sdp_rtcp *r, struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, port;
	uint64_t v;
	int err;

	if (!sdp_tok_next(&rest, &port) || !sdp_pl_u64(port, 65535, &v)) {
		*reason = "a=rtcp: bad port";
		return -EBADMSG;
	}
	r->port = (uint16_t)v;
	if (rest.len != 0) {
		if (!sdp_tok_next(&rest, &r->addr.nettype) ||
		    !sdp_tok_next(&rest, &r->addr.addrtype) ||
		    !sdp_tok_next(&rest, &r->addr.addr) || rest.len != 0) {
			*reason = "a=rtcp: expected <port> <nettype> <addrtype> <address>";
			return -EBADMSG;
		}
		err = sdp_addr_check(&r->addr, reason);
		if (err < 0)
			return err;
		r->addr.set = true;
	}
	r->set = true;
	return 0;
}

/*
 * a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding
 * parameters>]. The clock rate may be missing: RFC 4475's valid messages
 * carry "a=rtpmap:31 LPC", and an anchor does not need it.
 */
static int
sdp_rtpmap_check(struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, pt, enc;
	const char *slash, *slash2;
	uint64_t v;

	if (!sdp_tok_next(&rest, &pt) || !sdp_pl_u64(pt, 127, &v) ||
	    !sdp_tok_next(&rest, &enc) || rest.len != 0 || enc.p[0] == '/') {
		*reason = "a=rtpmap: expected <pt> <encoding>/<clock rate>";
		return -EBADMSG;
	}
	slash = memchr(enc.p, '/', enc.len);
	if (slash == NULL)
		return 0;
	slash2 = memchr(slash + 1, '/', (size_t)(enc.p + enc.len - slash - 1));
	if (!sdp_pl_u64(sdp_pl(slash + 1, slash2 != NULL ? slash2 : enc.p + enc.len),
			UINT32_MAX, &v) || v == 0) {
		*reason = "a=rtpmap: bad clock rate";
		return -EBADMSG;
	}
	return 0;
}

/* a=candidate:<foundation> <component> <transport> <priority> <addr> <port> typ <type> ... */
static int
sdp_candidate_check(struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, t[8];
	uint64_t v;
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (!sdp_tok_next(&rest, &t[i]))
			goto bad;
	if (!sdp_pl_u64(t[1], 256, &v) || v == 0 ||
	    !sdp_pl_u64(t[3], UINT32_MAX, &v) ||
	    !sdp_pl_u64(t[5], 65535, &v) || !dg_pl_eq(t[6], DG_PL("typ")))
		goto bad;
	return 0;
bad:
	*reason = "a=candidate: malformed";
	return -EBADMSG;
}

/* ptime may be written with a fraction ("20.5"): keep whole milliseconds. */
static int
sdp_ptime_parse(uint32_t *out, struct dg_pl val, const char **reason)
{
	const char *dot = memchr(val.p, '.', val.len);
	uint64_t v, f;

	if (!sdp_pl_u64(dot != NULL ? sdp_pl(val.p, dot) : val, UINT32_MAX, &v) ||
	    (dot != NULL && !sdp_pl_u64(sdp_pl(dot + 1, val.p + val.len),
					UINT64_MAX, &f))) {
		*reason = "a=ptime: not a number";
		return -EBADMSG;
	}
	*out = (uint32_t)v;
	return 0;
}

static enum sdp_attr_id
sdp_attr_lookup(struct dg_pl name)
{
	unsigned int i;

	for (i = SDP_ATTR_NONE + 1; i < SDP_ATTR_OTHER; i++)
		if (name.len == sdp_attr_names[i].len &&
		    memcmp(name.p, sdp_attr_names[i].name, name.len) == 0)
			return (enum sdp_attr_id)i;
	return SDP_ATTR_OTHER;
}

static int
sdp_dir_set(enum sdp_dir *dir, enum sdp_attr_id id, const char **reason)
{
	if (*dir != SDP_DIR_NONE) {
		*reason = "more than one direction attribute";
		return -EBADMSG;
	}
	*dir = (enum sdp_dir)(SDP_DIR_SENDRECV + (id - SDP_ATTR_SENDRECV));
	return 0;
}

/* An a= line: name, value, and the attributes of SDP_ATTRS at their level. */
static int
sdp_attr_parse(struct sdp_session *s, struct sdp_line *l, const char **reason)
{
	const char *colon = memchr(l->val.p, ':', l->val.len);
	struct sdp_media *m = l->media == SDP_SESSION_LEVEL ? NULL :
			      &s->media[l->media];
	uint16_t idx = (uint16_t)(l - s->lines);
	int err = 0;

	l->name = colon != NULL ? sdp_pl(l->val.p, colon) : l->val;
	l->aval = colon != NULL ? sdp_pl(colon + 1, l->val.p + l->val.len) :
				  DG_PL_NULL;
	if (!sdp_pl_is_token(l->name)) {
		*reason = "a=: bad attribute name";
		return -EBADMSG;
	}
	l->attr = (uint8_t)sdp_attr_lookup(l->name);
	switch ((enum sdp_attr_id)l->attr) {
	case SDP_ATTR_SENDRECV:
	case SDP_ATTR_SENDONLY:
	case SDP_ATTR_RECVONLY:
	case SDP_ATTR_INACTIVE:
		if (colon != NULL) {
			*reason = "direction attribute with a value";
			return -EBADMSG;
		}
		return sdp_dir_set(m != NULL ? &m->dir : &s->dir,
				   (enum sdp_attr_id)l->attr, reason);
	case SDP_ATTR_RTCP_MUX:
		if (m != NULL)
			m->rtcp_mux = true;
		break;
	case SDP_ATTR_RTCP:
		if (m == NULL)
			break;
		if (m->rtcp.set) {
			*reason = "a=rtcp repeated";
			return -EBADMSG;
		}
		if (colon == NULL) {
			*reason = "a=rtcp: bad port";
			return -EBADMSG;
		}
		err = sdp_rtcp_parse(&m->rtcp, l->aval, reason);
		m->rtcp.line = idx;
		break;
	case SDP_ATTR_CRYPTO:
		if (m == NULL)
			break;
		if (m->n_crypto == SDP_MAX_CRYPTO) {
			*reason = "too many a=crypto lines";
			return -EBADMSG;
		}
		err = sdp_crypto_parse(&m->crypto[m->n_crypto], l->aval, reason);
		m->crypto[m->n_crypto++].line = idx;
		break;
	case SDP_ATTR_PTIME:
		if (m != NULL)
			err = sdp_ptime_parse(&m->ptime, l->aval, reason);
		break;
	case SDP_ATTR_RTPMAP:
		err = sdp_rtpmap_check(l->aval, reason);
		break;
	case SDP_ATTR_FMTP: {
		struct dg_pl rest = l->aval, fmt;

		if (!sdp_tok_next(&rest, &fmt)) {
			*reason = "a=fmtp: expected <format> <parameters>";
			return -EBADMSG;
		}
		break;
	}
	case SDP_ATTR_ICE_UFRAG:
	case SDP_ATTR_ICE_PWD:
	case SDP_ATTR_ICE_OPTIONS: {
		struct dg_pl *f;

		if (l->aval.len == 0) {
			*reason = "ICE attribute without a value";
			return -EBADMSG;
		}
		if (l->attr == SDP_ATTR_ICE_UFRAG)
			f = m != NULL ? &m->ice_ufrag : &s->ice_ufrag;
		else if (l->attr == SDP_ATTR_ICE_PWD)
			f = m != NULL ? &m->ice_pwd : &s->ice_pwd;
		else
			f = m != NULL ? &m->ice_options : &s->ice_options;
		*f = l->aval;
		break;
	}
	case SDP_ATTR_ICE_LITE:
		if (m == NULL)
			s->ice_lite = true;
		break;
	case SDP_ATTR_CANDIDATE:
		if (m == NULL)
			break;
		err = sdp_candidate_check(l->aval, reason);
		m->n_candidates++;
		break;
	case SDP_ATTR_END_OF_CANDIDATES:
		if (m != NULL)
			m->end_of_candidates = true;
		break;
	default:
		break;
	}
	return err;
}

/* Order and multiplicity of RFC 8866 section 5, session level. */
static int
sdp_session_order_check(struct sdp_pstate *ps, char type)
{
	const char *at = strchr(sdp_session_order, type);
	int rank;

	if (at == NULL || type == '\0') {
		ps->reason = "unknown line type";
		return -EBADMSG;
	}
	rank = (int)(at - sdp_session_order);
	if ((ps->last < RANK_S && rank != ps->last + 1) ||
	    (ps->last >= RANK_S && rank < RANK_I)) {
		ps->reason = ps->last < RANK_S ?
			(ps->last == RANK_V ? "o= must follow v=" : "s= must follow o=") :
			"v=, o= or s= repeated";
		return -EBADMSG;
	}
	if (rank >= RANK_K && !ps->seen_t) {
		ps->reason = "t= missing";
		return -EBADMSG;
	}
	if (rank < ps->last && !(rank == RANK_T && ps->last <= RANK_Z)) {
		ps->reason = "line out of order (RFC 8866 section 5)";
		return -EBADMSG;
	}
	if (rank == RANK_T) {
		/* a new time description may repeat r= and z= */
		ps->seen &= ~((1u << RANK_Z) | (1u << RANK_R));
		ps->seen_t = true;
	}
	if (rank == RANK_R && ps->last != RANK_T && ps->last != RANK_R) {
		ps->reason = "r= must follow t=";
		return -EBADMSG;
	}
	if (strchr("iuczk", type) != NULL && (ps->seen & (1u << rank))) {
		ps->reason = "line type repeated at session level";
		return -EBADMSG;
	}
	ps->seen |= 1u << rank;
	ps->last = rank;
	return 0;
}

static int
sdp_media_order_check(struct sdp_pstate *ps, char type)
{
	const char *at = strchr(sdp_media_order, type);
	int rank;

	if (type == 'm') {
		ps->last = 0;
		ps->seen = 1;
		return 0;
	}
	if (at == NULL || type == '\0') {
		ps->reason = strchr(sdp_session_order, type) != NULL && type != '\0' ?
			"line type not allowed in a media section" :
			"unknown line type";
		return -EBADMSG;
	}
	rank = (int)(at - sdp_media_order);
	if (rank < ps->last) {
		ps->reason = "line out of order (RFC 8866 section 5)";
		return -EBADMSG;
	}
	if ((type == 'i' || type == 'k') && (ps->seen & (1u << rank))) {
		ps->reason = "line type repeated in a media section";
		return -EBADMSG;
	}
	ps->seen |= 1u << rank;
	ps->last = rank;
	return 0;
}

/* Decode the fields of one line whose order is already checked. */
static int
sdp_line_decode(struct sdp_pstate *ps, struct sdp_line *l)
{
	struct sdp_session *s = ps->s;
	struct sdp_media *m = l->media == SDP_SESSION_LEVEL ? NULL :
			      &s->media[l->media];
	uint16_t idx = (uint16_t)(l - s->lines);
	struct dg_pl rest, t1, t2;
	uint64_t v;
	int err;

	switch (l->type) {
	case 'v':
		if (!dg_pl_eq(l->val, DG_PL("0"))) {
			ps->reason = "v=: version is not 0";
			return -EBADMSG;
		}
		return 0;
	case 'o':
		err = sdp_origin_parse(&s->origin, l->val, &ps->reason);
		s->origin.addr.line = idx;
		return err;
	case 's':
		s->name = l->val;
		return 0;
	case 'c': {
		struct sdp_conn *c = m != NULL ? &m->conn : &s->conn;
		struct sdp_conn tmp;

		err = sdp_conn_parse(&tmp, l->val, &ps->reason);
		if (err < 0)
			return err;
		tmp.line = idx;
		/* several c= in a media section (layered multicast): first counts */
		if (!c->set)
			*c = tmp;
		return 0;
	}
	case 'b': {
		struct sdp_bw bw;

		err = sdp_bw_parse(&bw, l->val, &ps->reason);
		if (err < 0)
			return err;
		if (m != NULL && m->n_bw < SDP_MAX_BW)
			m->bw[m->n_bw++] = bw;
		else if (m == NULL && s->n_bw < SDP_MAX_BW)
			s->bw[s->n_bw++] = bw;
		return 0;
	}
	case 't':
		rest = l->val;
		if (!sdp_tok_next(&rest, &t1) || !sdp_tok_next(&rest, &t2) ||
		    rest.len != 0 || !sdp_pl_u64(t1, UINT64_MAX, &v) ||
		    !sdp_pl_u64(t2, UINT64_MAX, &v)) {
			ps->reason = "t=: expected <start-time> <stop-time>";
			return -EBADMSG;
		}
		return 0;
	case 'm':
		return sdp_mline_parse(m, l->val, &ps->reason);
	case 'a':
		return sdp_attr_parse(s, l, &ps->reason);
	default:
		return 0;
	}
}

/* Find the next line: its value view and where the one after it starts. */
static int
sdp_line_split(const char **pp, const char *end, struct dg_pl *line,
	       const char **reason)
{
	const char *p = *pp, *nl = memchr(p, '\n', (size_t)(end - p));
	const char *le = nl != NULL ? nl : end;
	const char *q;

	if (le > p && le[-1] == '\r' && nl != NULL)
		le--;
	for (q = p; q < le; q++)
		if (*q == '\r' || *q == '\0') {
			*reason = *q == '\r' ? "CR not followed by LF" : "NUL byte in line";
			return -EBADMSG;
		}
	*line = sdp_pl(p, le);
	*pp = nl != NULL ? nl + 1 : end;
	return 0;
}

static bool
sdp_only_line_ends(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			return false;
	return true;
}

int
sdp_parse(struct sdp_session *s, const char *buf, size_t len,
	  struct sdp_perr *err)
{
	struct sdp_pstate ps = { .s = s, .last = -1 };
	const char *p = buf, *end = buf + len;
	unsigned int lineno = 0;
	struct dg_pl raw;
	uint8_t cur = SDP_SESSION_LEVEL;
	unsigned int i;
	int rc;

	/* lines[] is filled as it is read: clearing its 14 KiB would cost more than the parse */
	memset(&s->origin, 0, offsetof(struct sdp_session, media) -
	       offsetof(struct sdp_session, origin));
	s->n_lines = 0;
	s->buf = (struct dg_pl){ buf, len };
	if (len == 0) {
		ps.reason = "empty description";
		goto bad;
	}
	while (p < end) {
		struct sdp_line *l;
		const char *line_start = p;

		lineno++;
		rc = sdp_line_split(&p, end, &raw, &ps.reason);
		if (rc < 0)
			goto bad;
		if (raw.len == 0) {
			if (sdp_only_line_ends(line_start, end))
				break;
			ps.reason = "empty line";
			goto bad;
		}
		if (raw.len < 2 || raw.p[1] != '=' || raw.p[0] < 'a' || raw.p[0] > 'z') {
			ps.reason = raw.len >= 2 && raw.p[1] == '=' ?
				"unknown line type" : "line is not <type>=<value>";
			goto bad;
		}
		if (lineno == 1 && raw.p[0] != 'v') {
			ps.reason = "v= must be the first line";
			goto bad;
		}
		if (cur == SDP_SESSION_LEVEL)
			rc = sdp_session_order_check(&ps, raw.p[0]);
		else
			rc = sdp_media_order_check(&ps, raw.p[0]);
		if (rc < 0)
			goto bad;
		if (s->n_lines == SDP_MAX_LINES) {
			ps.reason = "too many lines";
			goto bad;
		}
		if (raw.p[0] == 'm') {
			if (s->n_media == SDP_MAX_MEDIA) {
				ps.reason = "too many m= lines";
				goto bad;
			}
			if (cur != SDP_SESSION_LEVEL)
				s->media[cur].end = s->n_lines;
			else
				sdp_media_order_check(&ps, 'm');
			cur = s->n_media++;
			memset(&s->media[cur], 0, sizeof(s->media[cur]));
			s->media[cur].line = s->n_lines;
		}
		l = &s->lines[s->n_lines++];
		l->type = raw.p[0];
		l->media = cur;
		l->attr = SDP_ATTR_NONE;
		l->val = sdp_pl(raw.p + 2, raw.p + raw.len);
		l->name = DG_PL_NULL;
		l->aval = DG_PL_NULL;
		rc = sdp_line_decode(&ps, l);
		if (rc < 0)
			goto bad;
	}
	lineno = 0;
	if (s->n_lines < 3 || s->lines[1].type != 'o' || s->lines[2].type != 's') {
		ps.reason = s->n_lines < 2 ? "o= missing" : "s= missing";
		goto bad;
	}
	if (!ps.seen_t && cur == SDP_SESSION_LEVEL) {
		ps.reason = "t= missing";
		goto bad;
	}
	if (cur != SDP_SESSION_LEVEL)
		s->media[cur].end = s->n_lines;
	for (i = 0; i < s->n_media; i++)
		if (!s->conn.set && !s->media[i].conn.set && s->media[i].port != 0) {
			ps.reason = "no c= for a media section";
			lineno = (unsigned int)s->media[i].line + 1;
			goto bad;
		}
	return 0;
bad:
	if (err != NULL) {
		err->reason = ps.reason;
		err->line = lineno;
	}
	return -EBADMSG;
}

enum sdp_dir
sdp_media_dir(const struct sdp_session *s, unsigned int idx)
{
	if (idx < s->n_media && s->media[idx].dir != SDP_DIR_NONE)
		return s->media[idx].dir;
	return s->dir != SDP_DIR_NONE ? s->dir : SDP_DIR_SENDRECV;
}

const struct sdp_conn *
sdp_media_conn(const struct sdp_session *s, unsigned int idx)
{
	if (idx < s->n_media && s->media[idx].conn.set)
		return &s->media[idx].conn;
	return &s->conn;
}
