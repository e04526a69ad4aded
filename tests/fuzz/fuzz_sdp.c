/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the SDP parser, writer and anchoring rewriter. On every input
 * the parser accepts: each view lies inside the input; writing and parsing
 * again gives the same lines and decoded fields (parse(write(parse(x))) ==
 * parse(x)); stream extraction agrees between the two parses; and an
 * anchoring rewrite (offer or answer, transport, rtcp-mux and ICE picked
 * by the input) parses, keeps rejected streams rejected, points each
 * relayed stream at the relay, and rewriting its output with the same
 * options and keys gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sdp_session s1, s2, s3;
static char out1[65536], out2[65536], out3[65536];

static void
check_in(struct dg_pl pl, const char *buf, size_t len)
{
	if (pl.p == NULL)
		return;
	if (pl.p < buf || pl.len > len || (size_t)(pl.p - buf) > len - pl.len)
		abort();
}

static void
check_views(const struct sdp_session *s, const char *buf, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < s->n_lines; i++) {
		check_in(s->lines[i].val, buf, len);
		check_in(s->lines[i].name, buf, len);
		check_in(s->lines[i].aval, buf, len);
	}
	check_in(s->origin.addr.addr, buf, len);
	check_in(s->conn.addr, buf, len);
	for (i = 0; i < s->n_media; i++) {
		const struct sdp_media *m = &s->media[i];

		if (m->line >= m->end || m->end > s->n_lines ||
		    s->lines[m->line].type != 'm')
			abort();
		check_in(m->fmts, buf, len);
		check_in(m->conn.addr, buf, len);
		check_in(m->rtcp.addr.addr, buf, len);
		for (j = 0; j < m->n_crypto; j++) {
			check_in(m->crypto[j].key_b64, buf, len);
			check_in(m->crypto[j].session_params, buf, len);
		}
	}
}

static bool
pl_same(struct dg_pl a, struct dg_pl b)
{
	return dg_pl_isset(a) == dg_pl_isset(b) && dg_pl_eq(a, b);
}

static void
check_same(const struct sdp_session *a, const struct sdp_session *b)
{
	unsigned int i, j;

	if (a->n_lines != b->n_lines || a->n_media != b->n_media ||
	    a->origin.version != b->origin.version || a->dir != b->dir ||
	    a->ice_lite != b->ice_lite || a->conn.set != b->conn.set ||
	    !pl_same(a->conn.addr, b->conn.addr))
		abort();
	for (i = 0; i < a->n_lines; i++)
		if (a->lines[i].type != b->lines[i].type ||
		    a->lines[i].media != b->lines[i].media ||
		    a->lines[i].attr != b->lines[i].attr ||
		    !pl_same(a->lines[i].val, b->lines[i].val) ||
		    !pl_same(a->lines[i].aval, b->lines[i].aval))
			abort();
	for (i = 0; i < a->n_media; i++) {
		const struct sdp_media *x = &a->media[i], *y = &b->media[i];
		struct sdp_stream sx, sy;
		int ex, ey;

		if (x->port != y->port || x->proto != y->proto ||
		    x->dir != y->dir || x->rtcp_mux != y->rtcp_mux ||
		    x->rtcp.set != y->rtcp.set || x->rtcp.port != y->rtcp.port ||
		    x->n_crypto != y->n_crypto || x->ptime != y->ptime ||
		    x->n_candidates != y->n_candidates || x->line != y->line ||
		    x->end != y->end)
			abort();
		for (j = 0; j < x->n_crypto; j++)
			if (x->crypto[j].tag != y->crypto[j].tag ||
			    x->crypto[j].suite != y->crypto[j].suite ||
			    !pl_same(x->crypto[j].key_b64, y->crypto[j].key_b64))
				abort();
		ex = sdp_stream_get(a, i, &sx);
		ey = sdp_stream_get(b, i, &sy);
		if (ex != ey)
			abort();
		if (ex == 0 && (sx.rtp_port != sy.rtp_port ||
				sx.rtcp_port != sy.rtcp_port ||
				sx.n_crypto != sy.n_crypto || sx.hold != sy.hold ||
				memcmp(&sx.rtp, &sy.rtp, sizeof(sx.rtp)) != 0 ||
				memcmp(sx.crypto, sy.crypto, sizeof(sx.crypto)) != 0))
			abort();
	}
}

/* Deterministic bytes: the rewriter's random source. */
static int
fuzz_rnd(void *arg, uint8_t *buf, size_t len)
{
	uint32_t *st = arg;
	size_t i;

	for (i = 0; i < len; i++) {
		*st = *st * 1103515245u + 12345u;
		buf[i] = (uint8_t)(*st >> 16);
	}
	return 0;
}

/*
 * The relay's addresses and ports are where a rewritten stream points; a
 * rejected stream stays rejected; no m= line appears or goes.
 */
static void
check_anchored(const struct sdp_session *in, const struct sdp_session *s,
	       const struct sdp_rewrite_opts *o)
{
	struct sdp_stream st;
	unsigned int i;

	if (in->n_media != s->n_media)
		abort();
	for (i = 0; i < s->n_media; i++)
		if ((in->media[i].port == 0) != (s->media[i].port == 0))
			abort();
	for (i = 0; i < s->n_media && i < o->n_relay; i++) {
		const struct sdp_relay *r = &o->relay[i];

		if (r->addr == NULL || s->media[i].port == 0)
			continue;
		if (s->media[i].port != r->rtp_port)
			abort();
		if (sdp_stream_get(s, i, &st) != 0 || st.hold)
			continue;
		if (!st.addr_numeric || strlen(r->addr) != st.addr.len ||
		    memcmp(st.addr.p, r->addr, st.addr.len) != 0)
			abort();
	}
}

/*
 * Options picked by the input's byte sum, so the corpus covers offers and
 * answers, each transport and rtcp-mux mode, with and without ICE.
 */
static void
check_rewrite(const struct sdp_session *s, unsigned int sel)
{
	static struct sdp_rewrite_opts opts;
	static struct sdp_rewrite_result res, res2;
	struct sdp_perr err;
	uint32_t st = 1;
	unsigned int i;
	int n, n2;

	memset(&opts, 0, sizeof(opts));
	opts.role = sel & 1 ? SDP_ROLE_ANSWER : SDP_ROLE_OFFER;
	opts.offer = s;
	opts.xport = (enum sdp_xport)((sel >> 1) % 3);
	opts.mux = (enum sdp_mux)((sel >> 3) % 3);
	opts.ice_remove = (sel & 32) != 0;
	opts.origin_addr = sel & 64 ? "192.0.2.10" : NULL;
	opts.rnd = fuzz_rnd;
	opts.rnd_arg = &st;
	opts.n_relay = s->n_media;
	for (i = 0; i < s->n_media; i++) {
		opts.relay[i].addr = i % 3 == 2 ? "2001:db8::1" :
				     i % 5 == 4 ? NULL : "203.0.113.1";
		opts.relay[i].rtp_port = (uint16_t)(40000 + 2 * i);
		opts.relay[i].rtcp_port = i % 2 ? (uint16_t)(50001 + i) : 0;
	}
	n = sdp_rewrite(s, &opts, &res, out2, sizeof(out2));
	if (n < 0)
		return;
	/* added lines (c=, rtcp-mux, a=rtcp, keys) may pass the line bound */
	if (sdp_parse(&s3, out2, (size_t)n, &err) != 0) {
		if (strcmp(err.reason, "too many lines") == 0)
			return;
		abort();
	}
	for (i = 0; i < s3.n_media && i < res.n_media; i++) {
		opts.relay[i].n_keys = res.media[i].n_keys;
		memcpy(opts.relay[i].keys, res.media[i].keys,
		       sizeof(res.media[i].keys));
	}
	check_anchored(s, &s3, &opts);
	n2 = sdp_rewrite(&s3, &opts, &res2, out3, sizeof(out3));
	if (n2 != n || memcmp(out2, out3, (size_t)n) != 0 || res2.changed)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sdp_perr err;
	unsigned int sel = 0;
	size_t i;
	int n;

	if (sdp_parse(&s1, buf, size, &err) != 0) {
		if (err.reason == NULL)
			abort();
		return 0;
	}
	check_views(&s1, buf, size);
	n = sdp_write(&s1, out1, sizeof(out1));
	if (n < 0) {
		/* CRLF for LF adds at most two bytes a line */
		if (size + 2 * SDP_MAX_LINES > sizeof(out1))
			return 0;
		abort();
	}
	if (sdp_parse(&s2, out1, (size_t)n, &err) != 0)
		abort();
	check_views(&s2, out1, (size_t)n);
	check_same(&s1, &s2);
	for (i = 0; i < size; i++)
		sel += data[i];
	check_rewrite(&s1, sel);
	return 0;
}
