/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anchoring: rewrite a description so that media flows through the relay.
 * The plan for each m= section (addresses, ports, profile, keys, ICE,
 * rtcp-mux) is decided once; then the lines are emitted in order, each
 * copied, replaced in place, dropped, or followed by added lines. Emission
 * notes whether any line differs from the input, and the o= version is
 * bumped exactly when one does, which makes a second rewrite of the output
 * with the same options and keys a fixed point.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

struct sdp_emit {
	char *out;
	size_t cap;
	size_t len;
	size_t start;		/* where the current line's value starts */
	bool changed;
	bool full;
};

/* The decisions for one m= section. */
struct sdp_mplan {
	const struct sdp_relay *relay;	/* NULL: section left alone */
	const char *addrtype;		/* relay's "IP4"/"IP6" */
	bool rejected;
	bool ice;			/* 0.0.0.0 is ICE's placeholder, not a hold */
	bool uses_session_c;
	bool insert_c;			/* add a media-level c= ... */
	const char *insert_addrtype;	/* ... with this type and address */
	struct dg_pl insert_addr;
	bool want_mux;
	uint16_t rtcp_port;
	bool add_rtcp;
	bool sdes;			/* our keys replace a=crypto */
	bool strip_crypto;
	enum sdp_proto proto;
};

struct sdp_plan {
	const struct sdp_session *in;
	const struct sdp_rewrite_opts *opts;
	struct sdp_rewrite_result *res;
	const char *sess_addrtype;	/* NULL: session c= kept */
	const char *sess_addr;
	struct sdp_mplan m[SDP_MAX_MEDIA];
};

static void
emit_bytes(struct sdp_emit *e, const char *p, size_t n)
{
	if (e->full || e->cap - e->len < n) {
		e->full = true;
		return;
	}
	if (n != 0)
		memcpy(e->out + e->len, p, n);
	e->len += n;
}

static void
emit_str(struct sdp_emit *e, const char *s)
{
	emit_bytes(e, s, strlen(s));
}

static void
emit_pl(struct sdp_emit *e, struct dg_pl pl)
{
	emit_bytes(e, pl.p, pl.len);
}

static void
emit_u64(struct sdp_emit *e, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	emit_bytes(e, tmp + n, sizeof(tmp) - n);
}

static void
emit_begin(struct sdp_emit *e, char type)
{
	char t[2] = { type, '=' };

	emit_bytes(e, t, 2);
	e->start = e->len;
}

/* End a line; orig is the line it replaces (NULL for an added line). */
static void
emit_end(struct sdp_emit *e, const struct sdp_line *orig)
{
	if (!e->full && (orig == NULL || orig->val.len != e->len - e->start ||
			 memcmp(orig->val.p, e->out + e->start, orig->val.len) != 0))
		e->changed = true;
	if (e->full)
		e->changed = true;
	emit_bytes(e, "\r\n", 2);
}

static void
emit_copy(struct sdp_emit *e, const struct sdp_line *l)
{
	emit_begin(e, l->type);
	emit_pl(e, l->val);
	emit_end(e, l);
}

static const char *
sdp_proto_name(enum sdp_proto p)
{
	switch (p) {
	case SDP_PROTO_RTP_AVP: return "RTP/AVP";
	case SDP_PROTO_RTP_AVPF: return "RTP/AVPF";
	case SDP_PROTO_RTP_SAVP: return "RTP/SAVP";
	case SDP_PROTO_RTP_SAVPF: return "RTP/SAVPF";
	case SDP_PROTO_UDP_TLS_RTP_SAVP: return "UDP/TLS/RTP/SAVP";
	case SDP_PROTO_UDP_TLS_RTP_SAVPF: return "UDP/TLS/RTP/SAVPF";
	default: return NULL;
	}
}

static enum sdp_proto
sdp_proto_convert(enum sdp_proto p, enum sdp_xport x)
{
	if (x == SDP_XPORT_RTP && p == SDP_PROTO_RTP_SAVP)
		return SDP_PROTO_RTP_AVP;
	if (x == SDP_XPORT_RTP && p == SDP_PROTO_RTP_SAVPF)
		return SDP_PROTO_RTP_AVPF;
	if (x == SDP_XPORT_SDES && p == SDP_PROTO_RTP_AVP)
		return SDP_PROTO_RTP_SAVP;
	if (x == SDP_XPORT_SDES && p == SDP_PROTO_RTP_AVPF)
		return SDP_PROTO_RTP_SAVPF;
	return p;
}

static bool
sdp_is_ice_attr(uint8_t a)
{
	return a == SDP_ATTR_ICE_UFRAG || a == SDP_ATTR_ICE_PWD ||
	       a == SDP_ATTR_ICE_OPTIONS || a == SDP_ATTR_ICE_LITE ||
	       a == SDP_ATTR_ICE_MISMATCH || a == SDP_ATTR_CANDIDATE ||
	       a == SDP_ATTR_REMOTE_CANDIDATES || a == SDP_ATTR_END_OF_CANDIDATES;
}

/* "IP4"/"IP6" of a numeric relay address, NULL when it is not one. */
static const char *
sdp_relay_addrtype(const char *addr)
{
	uint8_t bin[16];

	if (addr == NULL)
		return NULL;
	if (inet_pton(AF_INET, addr, bin) == 1)
		return "IP4";
	if (inet_pton(AF_INET6, addr, bin) == 1)
		return "IP6";
	return NULL;
}

static bool
sdp_conn_rewritable(const struct sdp_conn *c)
{
	return c->af == AF_INET || c->af == AF_INET6;
}

/* A caller's key we can write and the peer can parse back. */
static bool
sdp_key_valid(const struct sdp_srtp_key *k)
{
	return sdp_suite_key_len(k->suite) != 0 &&
	       k->key_len == sdp_suite_key_len(k->suite) &&
	       k->salt_len == sdp_suite_salt_len(k->suite) &&
	       k->tag <= 999999999 && k->mki_len <= 128;
}

/* Keys announced for section i: caller's, else fresh ones. */
static int
sdp_plan_keys(struct sdp_plan *pl, unsigned int i)
{
	const struct sdp_rewrite_opts *o = pl->opts;
	const struct sdp_relay *r = pl->m[i].relay;
	static const enum sdp_suite def[] = {
		SDP_SUITE_AES_CM_128_HMAC_SHA1_80, SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	};
	const enum sdp_suite *suites = o->n_suites != 0 ? o->suites : def;
	unsigned int n_suites = o->n_suites != 0 ? o->n_suites : 2;
	sdp_random_fn *rnd = o->rnd != NULL ? o->rnd : sdp_random_openssl;
	struct sdp_rewrite_keys *out = &pl->res->media[i];
	unsigned int j, k;
	int err;

	if (n_suites > SDP_MAX_CRYPTO)
		return -EINVAL;
	if (o->role == SDP_ROLE_OFFER) {
		if (r->n_keys != 0) {
			if (r->n_keys > SDP_MAX_CRYPTO)
				return -EINVAL;
			for (j = 0; j < r->n_keys; j++)
				if (!sdp_key_valid(&r->keys[j]))
					return -EINVAL;
			memcpy(out->keys, r->keys, sizeof(r->keys[0]) * r->n_keys);
			out->n_keys = r->n_keys;
			return 0;
		}
		for (j = 0; j < n_suites; j++) {
			err = sdp_srtp_key_generate(&out->keys[j], suites[j], j + 1,
						    rnd, o->rnd_arg);
			if (err < 0)
				return err;
		}
		out->n_keys = (uint8_t)n_suites;
		return 0;
	}
	/* answer: accept the first offered line whose suite we use (RFC 4568 section 7.1.2) */
	if (o->offer == NULL || i >= o->offer->n_media)
		return -EINVAL;
	for (j = 0; j < o->offer->media[i].n_crypto; j++) {
		const struct sdp_crypto *c = &o->offer->media[i].crypto[j];

		for (k = 0; k < n_suites; k++)
			if (c->suite == suites[k])
				break;
		if (k == n_suites)
			continue;
		if (r->n_keys != 0 && r->keys[0].suite == c->suite) {
			if (!sdp_key_valid(&r->keys[0]))
				return -EINVAL;
			out->keys[0] = r->keys[0];
			out->keys[0].tag = c->tag;
		} else {
			err = sdp_srtp_key_generate(&out->keys[0], c->suite, c->tag,
						    rnd, o->rnd_arg);
			if (err < 0)
				return err;
		}
		out->n_keys = 1;
		return 0;
	}
	return -ENOTSUP;
}

/* Session c= of 0.0.0.0 is a hold unless a section relying on it uses ICE. */
static bool
sdp_session_conn_hold(const struct sdp_session *in)
{
	unsigned int i;

	if (!in->conn.hold)
		return false;
	for (i = 0; i < in->n_media; i++)
		if (!in->media[i].conn.set && sdp_media_uses_ice(in, i))
			return false;
	return true;
}

static int
sdp_plan_make(struct sdp_plan *pl)
{
	const struct sdp_session *in = pl->in;
	const struct sdp_rewrite_opts *o = pl->opts;
	const char *first_user = NULL, *first_any = NULL;
	const char *first_user_t = NULL, *first_any_t = NULL;
	unsigned int i;
	int err;

	if (o->n_relay > SDP_MAX_MEDIA)
		return -EINVAL;
	for (i = 0; i < in->n_media; i++) {
		const struct sdp_media *m = &in->media[i];
		struct sdp_mplan *mp = &pl->m[i];
		bool offered_mux;

		mp->rejected = m->port == 0;
		mp->ice = sdp_media_uses_ice(in, i);
		mp->uses_session_c = !m->conn.set;
		mp->proto = m->proto;
		if (i >= o->n_relay || o->relay[i].addr == NULL)
			continue;
		mp->relay = &o->relay[i];
		mp->addrtype = sdp_relay_addrtype(mp->relay->addr);
		if (mp->addrtype == NULL)
			return -EINVAL;
		if (o->xport != SDP_XPORT_KEEP) {
			mp->proto = sdp_proto_convert(m->proto, o->xport);
			mp->strip_crypto = true;
			mp->sdes = o->xport == SDP_XPORT_SDES && !mp->rejected &&
				   (mp->proto == SDP_PROTO_RTP_SAVP ||
				    mp->proto == SDP_PROTO_RTP_SAVPF);
		}
		if (mp->rejected)
			continue;
		if (m->conn.set && !sdp_conn_rewritable(&m->conn))
			return -ENOTSUP;
		if (mp->uses_session_c && first_user == NULL) {
			first_user = mp->relay->addr;
			first_user_t = mp->addrtype;
		}
		if (first_any == NULL) {
			first_any = mp->relay->addr;
			first_any_t = mp->addrtype;
		}
		if (o->role == SDP_ROLE_OFFER) {
			mp->want_mux = o->mux == SDP_MUX_OFFER ||
				       (o->mux == SDP_MUX_KEEP && m->rtcp_mux);
		} else {
			if (o->mux != SDP_MUX_DEMUX &&
			    (o->offer == NULL || i >= o->offer->n_media))
				return -EINVAL;
			offered_mux = o->mux != SDP_MUX_DEMUX &&
				      o->offer->media[i].rtcp_mux;
			mp->want_mux = offered_mux &&
				       (o->mux == SDP_MUX_OFFER || m->rtcp_mux);
		}
		if (o->role == SDP_ROLE_ANSWER && mp->want_mux)
			mp->rtcp_port = mp->relay->rtp_port;
		else if (mp->relay->rtcp_port != 0)
			mp->rtcp_port = mp->relay->rtcp_port;
		else
			mp->rtcp_port = (uint16_t)(mp->relay->rtp_port + 1);
		mp->add_rtcp = !m->rtcp.set &&
			       !(o->role == SDP_ROLE_ANSWER && mp->want_mux) &&
			       mp->rtcp_port != (uint16_t)(mp->relay->rtp_port + 1);
		if (mp->sdes) {
			err = sdp_plan_keys(pl, i);
			if (err < 0)
				return err;
		}
	}
	pl->res->n_media = in->n_media;
	if (in->conn.set && !sdp_session_conn_hold(in) &&
	    (first_user != NULL || first_any != NULL)) {
		if (!sdp_conn_rewritable(&in->conn))
			return -ENOTSUP;
		pl->sess_addr = first_user != NULL ? first_user : first_any;
		pl->sess_addrtype = first_user != NULL ? first_user_t : first_any_t;
	}
	/* sections that relied on a session c= which now says something else */
	for (i = 0; i < in->n_media; i++) {
		struct sdp_mplan *mp = &pl->m[i];

		if (!mp->uses_session_c || mp->rejected || pl->sess_addr == NULL)
			continue;
		if (mp->relay != NULL && strcmp(mp->relay->addr, pl->sess_addr) != 0) {
			mp->insert_c = true;
			mp->insert_addrtype = mp->addrtype;
			mp->insert_addr = (struct dg_pl){ mp->relay->addr,
							  strlen(mp->relay->addr) };
		} else if (mp->relay == NULL) {
			/* left alone: keeps the address it had */
			mp->insert_c = true;
			mp->insert_addrtype = NULL;
		}
	}
	return 0;
}

static void
emit_conn(struct sdp_emit *e, const char *addrtype, struct dg_pl addr,
	  const struct sdp_line *orig)
{
	emit_begin(e, 'c');
	emit_str(e, "IN ");
	emit_str(e, addrtype);
	emit_str(e, " ");
	emit_pl(e, addr);
	emit_end(e, orig);
}

/* The media-level c= a section needs once the session c= moved. */
static void
emit_insert_c(struct sdp_emit *e, const struct sdp_plan *pl,
	      const struct sdp_mplan *mp)
{
	if (mp->insert_addrtype != NULL) {
		emit_conn(e, mp->insert_addrtype, mp->insert_addr, NULL);
		return;
	}
	emit_begin(e, 'c');
	emit_pl(e, pl->in->lines[pl->in->conn.line].val);
	emit_end(e, NULL);
}

static void
emit_origin(struct sdp_emit *e, const struct sdp_plan *pl,
	    const struct sdp_line *l, uint64_t bump)
{
	const struct sdp_origin *o = &pl->in->origin;
	const char *oa = pl->opts->origin_addr;

	emit_begin(e, 'o');
	emit_pl(e, o->user);
	emit_str(e, " ");
	emit_pl(e, o->sess_id);
	emit_str(e, " ");
	if (bump == 0)
		emit_pl(e, o->sess_version);
	else
		emit_u64(e, o->version + bump);
	emit_str(e, " ");
	if (oa != NULL) {
		emit_str(e, "IN ");
		emit_str(e, sdp_relay_addrtype(oa));
		emit_str(e, " ");
		emit_str(e, oa);
	} else {
		emit_pl(e, o->addr.nettype);
		emit_str(e, " ");
		emit_pl(e, o->addr.addrtype);
		emit_str(e, " ");
		emit_pl(e, o->addr.addr);
	}
	emit_end(e, l);
}

static void
emit_mline(struct sdp_emit *e, const struct sdp_media *m,
	   const struct sdp_mplan *mp, const struct sdp_line *l)
{
	const char *proto = sdp_proto_name(mp->proto);

	emit_begin(e, 'm');
	emit_pl(e, m->type);
	emit_str(e, " ");
	if (mp->relay != NULL && !mp->rejected)
		emit_u64(e, mp->relay->rtp_port);
	else
		emit_pl(e, m->port_raw);
	emit_str(e, " ");
	if (proto != NULL)
		emit_str(e, proto);
	else
		emit_pl(e, m->proto_raw);
	emit_str(e, " ");
	emit_pl(e, m->fmts);
	emit_end(e, l);
}

static void
emit_rtcp(struct sdp_emit *e, const struct sdp_media *m,
	  const struct sdp_mplan *mp, const struct sdp_line *l)
{
	emit_begin(e, 'a');
	emit_str(e, "rtcp:");
	emit_u64(e, mp->rtcp_port);
	if (l != NULL && m->rtcp.addr.set) {
		emit_str(e, " ");
		if ((m->rtcp.addr.hold && !mp->ice) ||
		    !sdp_conn_rewritable(&m->rtcp.addr)) {
			emit_pl(e, m->rtcp.addr.nettype);
			emit_str(e, " ");
			emit_pl(e, m->rtcp.addr.addrtype);
			emit_str(e, " ");
			emit_pl(e, m->rtcp.addr.addr);
		} else {
			emit_str(e, "IN ");
			emit_str(e, mp->addrtype);
			emit_str(e, " ");
			emit_str(e, mp->relay->addr);
		}
	}
	emit_end(e, l);
}

/* Our a=crypto lines, in place of the section's own (compared one for one). */
static void
emit_keys(struct sdp_emit *e, const struct sdp_plan *pl, unsigned int i)
{
	const struct sdp_rewrite_keys *k = &pl->res->media[i];
	const struct sdp_media *m = &pl->in->media[i];
	uint8_t tmp[SDP_KEY_MAX + SDP_SALT_MAX];
	char b64[4 * ((sizeof(tmp) + 2) / 3)];
	unsigned int j;
	size_t n;

	for (j = 0; j < k->n_keys; j++) {
		const struct sdp_srtp_key *key = &k->keys[j];

		memcpy(tmp, key->key, key->key_len);
		memcpy(tmp + key->key_len, key->salt, key->salt_len);
		n = sdp_base64_encode(tmp, (size_t)key->key_len + key->salt_len, b64);
		emit_begin(e, 'a');
		emit_str(e, "crypto:");
		emit_u64(e, key->tag);
		emit_str(e, " ");
		emit_str(e, sdp_suite_name(key->suite));
		emit_str(e, " inline:");
		emit_bytes(e, b64, n);
		if (key->lifetime != 0) {
			emit_str(e, "|");
			emit_u64(e, key->lifetime);
		}
		if (key->mki_len != 0) {
			emit_str(e, "|");
			emit_u64(e, key->mki);
			emit_str(e, ":");
			emit_u64(e, key->mki_len);
		}
		emit_end(e, j < m->n_crypto ? &pl->in->lines[m->crypto[j].line] : NULL);
	}
	if (m->n_crypto > k->n_keys)
		e->changed = true;
}

/* One m= section, lines [m->line, m->end). */
static void
emit_media(struct sdp_emit *e, const struct sdp_plan *pl, unsigned int i)
{
	const struct sdp_session *in = pl->in;
	const struct sdp_media *m = &in->media[i];
	const struct sdp_mplan *mp = &pl->m[i];
	bool c_done = !mp->insert_c, keys_done = !mp->sdes;
	bool have_mux = false;
	unsigned int j;

	for (j = m->line; j < m->end; j++) {
		const struct sdp_line *l = &in->lines[j];

		if (!c_done && (l->type == 'b' || l->type == 'k' || l->type == 'a')) {
			emit_insert_c(e, pl, mp);
			c_done = true;
		}
		if (l->type == 'm') {
			emit_mline(e, m, mp, l);
			continue;
		}
		if (l->type == 'c' && mp->relay != NULL && !mp->rejected) {
			struct sdp_conn c;
			const char *reason;

			/* every c= of the section moves, except a hold address (RFC 2543) */
			c = m->conn;
			if (j != m->conn.line)
				(void)sdp_conn_parse(&c, l->val, &reason);
			if (c.hold && !mp->ice)
				emit_copy(e, l);
			else
				emit_conn(e, mp->addrtype,
					  (struct dg_pl){ mp->relay->addr,
							  strlen(mp->relay->addr) }, l);
			continue;
		}
		if (l->type != 'a' || mp->relay == NULL) {
			emit_copy(e, l);
			continue;
		}
		if (pl->opts->ice_remove && sdp_is_ice_attr(l->attr)) {
			e->changed = true;
			continue;
		}
		if (l->attr == SDP_ATTR_CRYPTO && mp->strip_crypto) {
			if (!mp->sdes)
				e->changed = true;
			else if (!keys_done)
				emit_keys(e, pl, i);
			keys_done = true;
			continue;
		}
		if (mp->rejected) {
			emit_copy(e, l);
			continue;
		}
		if (l->attr == SDP_ATTR_RTCP_MUX) {
			if (!mp->want_mux || have_mux) {
				e->changed = true;
				continue;
			}
			have_mux = true;
			emit_copy(e, l);
			continue;
		}
		if (l->attr == SDP_ATTR_RTCP) {
			emit_rtcp(e, m, mp, l);
			continue;
		}
		emit_copy(e, l);
	}
	if (!c_done)
		emit_insert_c(e, pl, mp);
	if (mp->relay != NULL && !mp->rejected) {
		if (mp->want_mux && !have_mux) {
			emit_begin(e, 'a');
			emit_str(e, "rtcp-mux");
			emit_end(e, NULL);
		}
		if (mp->add_rtcp)
			emit_rtcp(e, m, mp, NULL);
	}
	if (!keys_done)
		emit_keys(e, pl, i);
}

static void
emit_all(struct sdp_emit *e, const struct sdp_plan *pl, uint64_t bump)
{
	const struct sdp_session *in = pl->in;
	unsigned int j, i;

	for (j = 0; j < in->n_lines && in->lines[j].type != 'm'; j++) {
		const struct sdp_line *l = &in->lines[j];

		if (l->type == 'o') {
			emit_origin(e, pl, l, bump);
		} else if (l->type == 'c' && pl->sess_addr != NULL) {
			emit_conn(e, pl->sess_addrtype,
				  (struct dg_pl){ pl->sess_addr, strlen(pl->sess_addr) }, l);
		} else if (l->type == 'a' && pl->opts->ice_remove &&
			   sdp_is_ice_attr(l->attr)) {
			e->changed = true;
		} else {
			emit_copy(e, l);
		}
	}
	for (i = 0; i < in->n_media; i++)
		emit_media(e, pl, i);
}

int
sdp_rewrite(const struct sdp_session *in, const struct sdp_rewrite_opts *opts,
	    struct sdp_rewrite_result *res, char *out, size_t cap)
{
	struct sdp_plan pl;
	struct sdp_emit e;
	int err;

	memset(&pl, 0, sizeof(pl));
	memset(res, 0, sizeof(*res));
	pl.in = in;
	pl.opts = opts;
	pl.res = res;
	if (opts->origin_addr != NULL && sdp_relay_addrtype(opts->origin_addr) == NULL)
		return -EINVAL;
	err = sdp_plan_make(&pl);
	if (err < 0)
		return err;
	e = (struct sdp_emit){ .out = out, .cap = cap };
	emit_all(&e, &pl, 0);
	if (!e.full && e.changed) {
		e = (struct sdp_emit){ .out = out, .cap = cap };
		emit_all(&e, &pl, 1);
		res->changed = true;
	}
	if (e.full || e.len > INT32_MAX)
		return -ENOSPC;
	return (int)e.len;
}
