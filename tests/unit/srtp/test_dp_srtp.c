/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the data plane's SRTP module on a real crypto_aesni_mb vdev
 * (EAL without hugepages or PCI): RFC 3711 and RFC 7714 vectors, byte and
 * verdict equality between the cryptodev backend (both CPU-crypto and
 * enqueue/dequeue paths) and the libsrtp2 backend across rollovers and
 * damaged packets, the replay window at its edges, the SRTCP index and E
 * flag, a device that fails ops, and crypto session pool exhaustion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <srtp2/srtp.h>

#include "dp_srtp_priv.h"
#include "srtp/srtp_vectors.h"

#define T_NB 32
#define T_PAYLOAD 160

static struct rte_mempool *t_pool;
static struct dp_srtp_worker *t_cd;	/* cryptodev, CPU crypto */
static struct dp_srtp_worker *t_cq;	/* cryptodev, enqueue/dequeue */
static struct dp_srtp_worker *t_lib;	/* libsrtp2 */

static const char *const t_suite_names[DP_SRTP_SUITE__COUNT] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
};

static struct rte_mbuf *
t_mbuf(const uint8_t *p, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), p, len);
	return m;
}

static struct rte_mbuf *
t_clone(const struct rte_mbuf *src)
{
	return t_mbuf(rte_pktmbuf_mtod(src, const uint8_t *), src->data_len);
}

static void
t_free(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		rte_pktmbuf_free(m[i]);
		m[i] = NULL;
	}
}

/* Runs one burst of n mbufs on one context and returns the verdicts. */
static void
t_run(struct dp_srtp_worker *w, int ctx, uint8_t op, struct rte_mbuf **m, uint16_t n,
		uint8_t *verdict)
{
	struct dp_srtp_pkt pk[T_NB];
	uint16_t i;

	assert_true(n <= T_NB);
	for (i = 0; i < n; i++) {
		pk[i].m = m[i];
		pk[i].ctx = (uint32_t)ctx;
		pk[i].off = 0;
		pk[i].len = m[i]->data_len;
		pk[i].op = op;
		pk[i].verdict = 0xff;
	}
	(void)dp_srtp_burst_process(w, pk, n);
	for (i = 0; i < n; i++) {
		verdict[i] = pk[i].verdict;
		if (verdict[i] == DP_SRTP_OK)
			assert_int_equal(pk[i].len, m[i]->data_len);
	}
}

static uint8_t
t_one(struct dp_srtp_worker *w, int ctx, uint8_t op, struct rte_mbuf *m)
{
	uint8_t v;

	t_run(w, ctx, op, &m, 1, &v);
	return v;
}

static uint16_t
t_rtp(uint8_t *p, uint16_t seq, uint32_t ssrc)
{
	uint16_t i;

	p[0] = 0x80;
	p[1] = 0x00;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	dp_srtp_put_be32(p + 4, (uint32_t)seq * 160);
	dp_srtp_put_be32(p + 8, ssrc);
	for (i = 0; i < T_PAYLOAD; i++)
		p[12 + i] = (uint8_t)(seq * 7 + i);
	return 12 + T_PAYLOAD;
}

static uint16_t
t_rtcp(uint8_t *p, uint32_t n, uint32_t ssrc)
{
	uint16_t i;

	p[0] = 0x80;
	p[1] = 200;
	p[2] = 0;
	p[3] = 12;
	dp_srtp_put_be32(p + 4, ssrc);
	for (i = 8; i < 52; i++)
		p[i] = (uint8_t)(n * 13 + i);
	return 52;
}

static void
t_key(struct dp_srtp_key *k, uint8_t suite, uint8_t seed)
{
	unsigned int i;

	k->suite = (enum dp_srtp_suite)suite;
	for (i = 0; i < sizeof(k->master_key); i++)
		k->master_key[i] = (uint8_t)(seed + 3 * i);
	for (i = 0; i < sizeof(k->master_salt); i++)
		k->master_salt[i] = (uint8_t)(seed ^ (0xa5 + i));
}

static int
t_ctx(struct dp_srtp_worker *w, uint8_t suite, uint8_t seed, enum dp_srtp_dir dir)
{
	struct dp_srtp_ctx_params p = { .dir = dir, .flags = DP_SRTP_F_SSRC_ANY };
	struct dp_srtp_key k;
	int idx;

	t_key(&k, suite, seed);
	idx = dp_srtp_ctx_create(w, &p, &k);
	assert_true(idx >= 0);
	return idx;
}

static void
t_assert_same(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	assert_int_equal(a->data_len, b->data_len);
	assert_memory_equal(rte_pktmbuf_mtod(a, const uint8_t *),
			rte_pktmbuf_mtod(b, const uint8_t *), a->data_len);
}

/* RFC 3711 B.3: the AES-CM PRF derives the printed cipher key, salt and auth key. */
static void
test_kdf_rfc3711_b3(void **state)
{
	uint8_t out[20];

	(void)state;
	assert_int_equal(dp_srtp_kdf(rfc3711_b3_master_key, rfc3711_b3_master_salt, 0, out, 16), 0);
	assert_memory_equal(out, rfc3711_b3_cipher_key, 16);
	assert_int_equal(dp_srtp_kdf(rfc3711_b3_master_key, rfc3711_b3_master_salt, 2, out, 14), 0);
	assert_memory_equal(out, rfc3711_b3_cipher_salt, 14);
	assert_int_equal(dp_srtp_kdf(rfc3711_b3_master_key, rfc3711_b3_master_salt, 1, out, 20), 0);
	assert_memory_equal(out, rfc3711_b3_auth_key, 20);
}

/* RFC 3711 B.2: SRTP encryption of zeros at SSRC 0, index 0 yields the printed keystream. */
static void
test_aes_cm_keystream_rfc3711_b2(void **state)
{
	struct dp_srtp_ctx_params p = { .dir = DP_SRTP_DIR_PROTECT, .ssrc = 0 };
	struct dp_srtp_session_keys sk;
	struct dp_srtp_worker *ws[2] = { t_cd, t_cq };
	uint8_t pkt[12 + 48] = { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct rte_mbuf *m;
	unsigned int i;
	int idx;

	(void)state;
	memset(&sk, 0x11, sizeof(sk));
	memcpy(sk.rtp_key, rfc3711_b2_session_key, 16);
	memcpy(sk.rtp_salt, rfc3711_b2_session_salt, 14);
	for (i = 0; i < 2; i++) {
		idx = dp_srtp_ctx_create_session(ws[i], &p, DP_SRTP_AES_CM_128_HMAC_SHA1_80, &sk, 0);
		assert_true(idx >= 0);
		m = t_mbuf(pkt, sizeof(pkt));
		assert_int_equal(t_one(ws[i], idx, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, sizeof(pkt) + 10);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *) + 12, rfc3711_b2_keystream, 48);
		t_free(&m, 1);
		dp_srtp_ctx_destroy(ws[i], (uint32_t)idx);
	}
}

static int
t_gcm_ctx(struct dp_srtp_worker *w, enum dp_srtp_dir dir, uint32_t srtcp_last)
{
	struct dp_srtp_ctx_params p = { .dir = dir, .flags = DP_SRTP_F_SSRC_ANY };
	struct dp_srtp_session_keys sk;
	int idx;

	memset(&sk, 0, sizeof(sk));
	memcpy(sk.rtp_key, rfc7714_key, 16);
	memcpy(sk.rtp_salt, rfc7714_salt, 12);
	memcpy(sk.rtcp_key, rfc7714_key, 16);
	memcpy(sk.rtcp_salt, rfc7714_salt, 12);
	idx = dp_srtp_ctx_create_session(w, &p, DP_SRTP_AEAD_AES_128_GCM, &sk, srtcp_last);
	assert_true(idx >= 0);
	return idx;
}

/* RFC 7714 §16.1.1 and §17.1.1: GCM SRTP and SRTCP protect to and unprotect from the printed bytes. */
static void
test_gcm_rfc7714(void **state)
{
	struct dp_srtp_worker *ws[2] = { t_cd, t_cq };
	struct rte_mbuf *m;
	unsigned int i;
	int pr, un;

	(void)state;
	for (i = 0; i < 2; i++) {
		pr = t_gcm_ctx(ws[i], DP_SRTP_DIR_PROTECT, 0x5d3);
		un = t_gcm_ctx(ws[i], DP_SRTP_DIR_UNPROTECT, 0);

		m = t_mbuf(rfc7714_rtp_plain, sizeof(rfc7714_rtp_plain));
		assert_int_equal(t_one(ws[i], pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, sizeof(rfc7714_srtp));
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), rfc7714_srtp, sizeof(rfc7714_srtp));
		t_free(&m, 1);

		m = t_mbuf(rfc7714_srtp, sizeof(rfc7714_srtp));
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, sizeof(rfc7714_rtp_plain));
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), rfc7714_rtp_plain,
				sizeof(rfc7714_rtp_plain));
		t_free(&m, 1);

		m = t_mbuf(rfc7714_rtcp_plain, sizeof(rfc7714_rtcp_plain));
		assert_int_equal(t_one(ws[i], pr, DP_SRTP_OP_RTCP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, sizeof(rfc7714_srtcp));
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), rfc7714_srtcp, sizeof(rfc7714_srtcp));
		t_free(&m, 1);

		m = t_mbuf(rfc7714_srtcp, sizeof(rfc7714_srtcp));
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTCP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, sizeof(rfc7714_rtcp_plain));
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), rfc7714_rtcp_plain,
				sizeof(rfc7714_rtcp_plain));
		/* The same SRTCP index again is a replay. */
		t_free(&m, 1);
		m = t_mbuf(rfc7714_srtcp, sizeof(rfc7714_srtcp));
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTCP, m), DP_SRTP_REPLAY_DUP);
		t_free(&m, 1);

		dp_srtp_ctx_destroy(ws[i], (uint32_t)pr);
		dp_srtp_ctx_destroy(ws[i], (uint32_t)un);
	}
}

struct t_pair {
	struct dp_srtp_worker *cw;	/* cryptodev worker under test */
	int cp, cu, lp, lu;		/* cdev protect/unprotect, libsrtp protect/unprotect */
	uint8_t op;
};

/* Builds plaintexts for a burst: RTP from seq list, RTCP numbered. */
static void
t_plain(const struct t_pair *t, struct rte_mbuf **m, const uint16_t *seq, uint16_t n)
{
	uint8_t buf[256];
	uint16_t i, len;

	for (i = 0; i < n; i++) {
		len = t->op == DP_SRTP_OP_RTP ? t_rtp(buf, seq[i], 0x1234abcd) :
			t_rtcp(buf, seq[i], 0x1234abcd);
		m[i] = t_mbuf(buf, len);
	}
}

/*
 * Protect a burst on both backends (must agree byte for byte, verdict for
 * verdict), then unprotect each side's output on the other backend (must
 * agree and restore the plaintext). Returns the cryptodev-protected copies
 * in prot[] for later replay checks.
 */
static void
t_round(const struct t_pair *t, const uint16_t *seq, uint16_t n, const uint8_t *expect,
		struct rte_mbuf **prot)
{
	struct rte_mbuf *plain[T_NB], *mc[T_NB], *ml[T_NB];
	uint8_t vc[T_NB], vl[T_NB];
	uint16_t i;

	t_plain(t, plain, seq, n);
	for (i = 0; i < n; i++) {
		mc[i] = t_clone(plain[i]);
		ml[i] = t_clone(plain[i]);
	}
	t_run(t->cw, t->cp, t->op, mc, n, vc);
	t_run(t_lib, t->lp, t->op, ml, n, vl);
	for (i = 0; i < n; i++) {
		assert_int_equal(vc[i], vl[i]);
		assert_int_equal(vc[i], expect != NULL ? expect[i] : DP_SRTP_OK);
		if (vc[i] == DP_SRTP_OK)
			t_assert_same(mc[i], ml[i]);
	}
	for (i = 0; i < n; i++)
		prot[i] = vc[i] == DP_SRTP_OK ? t_clone(mc[i]) : NULL;
	/* Cross: libsrtp unprotects cryptodev output and the reverse. */
	t_run(t_lib, t->lu, t->op, mc, n, vl);
	t_run(t->cw, t->cu, t->op, ml, n, vc);
	for (i = 0; i < n; i++) {
		if (prot[i] == NULL)
			continue;
		assert_int_equal(vc[i], DP_SRTP_OK);
		assert_int_equal(vl[i], DP_SRTP_OK);
		t_assert_same(mc[i], plain[i]);
		t_assert_same(ml[i], plain[i]);
	}
	t_free(plain, n);
	t_free(mc, n);
	t_free(ml, n);
}

/* Sends copies of m to both unprotect contexts; both must give the verdict (0xff: the same refusal). */
static void
t_both(const struct t_pair *t, struct rte_mbuf *m, uint8_t expect, const char *what)
{
	struct rte_mbuf *a = t_clone(m), *b = t_clone(m);
	uint8_t va, vb;

	va = t_one(t->cw, t->cu, t->op, a);
	vb = t_one(t_lib, t->lu, t->op, b);
	if (expect == 0xff) {
		/* Any refusal, as long as both backends give the same one. */
		assert_int_equal(va, vb);
		assert_int_not_equal(va, DP_SRTP_OK);
		expect = va;
	}
	if (va != expect || vb != expect)
		print_error("%s: expected %s: cryptodev %s, libsrtp %s\n", what,
				dp_srtp_verdict_name(expect), dp_srtp_verdict_name(va),
				dp_srtp_verdict_name(vb));
	assert_int_equal(va, expect);
	assert_int_equal(vb, expect);
	t_free(&a, 1);
	t_free(&b, 1);
}

static void
t_flip(struct rte_mbuf *m, uint16_t off, uint8_t bit)
{
	rte_pktmbuf_mtod(m, uint8_t *)[off] ^= bit;
}

static void
t_equality(struct dp_srtp_worker *cw, uint8_t suite, uint8_t op)
{
	struct rte_mbuf *prev[T_NB] = { 0 }, *cur[T_NB] = { 0 }, *fresh[T_NB], *x;
	struct t_pair t = { .cw = cw, .op = op };
	uint16_t seq[T_NB], s = 65500, i, n = T_NB;
	uint8_t expect[T_NB];
	unsigned int b, wraps = 0;

	t.cp = t_ctx(cw, suite, 7, DP_SRTP_DIR_PROTECT);
	t.cu = t_ctx(cw, suite, 7, DP_SRTP_DIR_UNPROTECT);
	t.lp = t_ctx(t_lib, suite, 7, DP_SRTP_DIR_PROTECT);
	t.lu = t_ctx(t_lib, suite, 7, DP_SRTP_DIR_UNPROTECT);
	/* RTP: bursts start near 65535 and jump 20000 between bursts (4+ rollovers). */
	for (b = 0; b < 16; b++) {
		for (i = 0; i < n; i++)
			seq[i] = op == DP_SRTP_OP_RTP ? (uint16_t)(s + i) : (uint16_t)(b * n + i);
		/* Reordered within the window: swap neighbours in odd bursts. */
		if (b & 1)
			for (i = 0; i + 1 < n; i += 2) {
				uint16_t tmp = seq[i];

				seq[i] = seq[i + 1];
				seq[i + 1] = tmp;
			}
		t_free(prev, n);
		memcpy(prev, cur, sizeof(cur));
		t_round(&t, seq, n, NULL, cur);
		if (op == DP_SRTP_OP_RTP) {
			if ((uint32_t)s + n + 20000 > 65535)
				wraps++;
			s = (uint16_t)(s + n + 20000);
		}
	}
	if (op == DP_SRTP_OP_RTP)
		assert_true(wraps >= 4);
	/* Replayed: a packet of the last burst, and one of the burst before (far behind). */
	t_both(&t, cur[3], DP_SRTP_REPLAY_DUP, "replay last burst");
	t_both(&t, prev[3], op == DP_SRTP_OP_RTP ? DP_SRTP_REPLAY_OLD : DP_SRTP_REPLAY_DUP, "replay previous burst");
	/* Fresh packets, not yet seen by the receivers, damaged in turn. */
	for (i = 0; i < 4; i++)
		seq[i] = op == DP_SRTP_OP_RTP ? (uint16_t)(s + i) : (uint16_t)(16 * n + i);
	{
		struct rte_mbuf *plain[4];
		uint8_t vc[4], vl[4];
		struct rte_mbuf *ml[4];

		t_plain(&t, plain, seq, 4);
		for (i = 0; i < 4; i++) {
			fresh[i] = t_clone(plain[i]);
			ml[i] = t_clone(plain[i]);
		}
		t_run(cw, t.cp, op, fresh, 4, vc);
		t_run(t_lib, t.lp, op, ml, 4, vl);
		for (i = 0; i < 4; i++) {
			assert_int_equal(vc[i], DP_SRTP_OK);
			assert_int_equal(vl[i], DP_SRTP_OK);
			t_assert_same(fresh[i], ml[i]);
		}
		t_free(plain, 4);
		t_free(ml, 4);
	}
	x = t_clone(fresh[0]);
	t_flip(x, op == DP_SRTP_OP_RTP ? 20 : 12, 0x10);	/* payload */
	t_both(&t, x, DP_SRTP_AUTH_FAIL, "payload bit");
	t_free(&x, 1);
	x = t_clone(fresh[0]);
	t_flip(x, 1, 0x80);					/* header: marker / PT */
	t_both(&t, x, DP_SRTP_AUTH_FAIL, "header bit");
	t_free(&x, 1);
	x = t_clone(fresh[0]);
	/* tag (GCM SRTCP puts E || index after the tag) */
	t_flip(x, (uint16_t)(x->data_len - 1 -
			(op == DP_SRTP_OP_RTCP && suite == DP_SRTP_AEAD_AES_128_GCM ? 4 : 0)), 0x01);
	t_both(&t, x, DP_SRTP_AUTH_FAIL, "tag bit");
	t_free(&x, 1);
	x = t_clone(fresh[0]);
	rte_pktmbuf_trim(x, 1);					/* truncated by one byte */
	/* SRTCP: the trailer moves, so the verdict depends on the bytes; both must agree. */
	t_both(&t, x, op == DP_SRTP_OP_RTP ? DP_SRTP_AUTH_FAIL : 0xff, "truncated by one");
	t_free(&x, 1);
	x = t_clone(fresh[0]);
	rte_pktmbuf_trim(x, (uint16_t)(x->data_len - 10));	/* truncated to 10 bytes */
	t_both(&t, x, DP_SRTP_TOO_SHORT, "truncated to 10");
	t_free(&x, 1);
	x = t_clone(fresh[0]);
	t_flip(x, 0, 0x40);					/* version 3 */
	t_both(&t, x, DP_SRTP_BAD_HEADER, "version 3");
	t_free(&x, 1);
	/* None of that moved the receivers: the intact packets still pass, reordered. */
	t_both(&t, fresh[1], DP_SRTP_OK, "intact 1");
	t_both(&t, fresh[0], DP_SRTP_OK, "intact 0");
	t_both(&t, fresh[0], DP_SRTP_REPLAY_DUP, "intact 0 again");
	/* Protect side: the same RTP sequence number twice is refused by both. */
	if (op == DP_SRTP_OP_RTP) {
		for (i = 0; i < 3; i++)
			seq[i] = (uint16_t)(s + 10);
		expect[0] = DP_SRTP_OK;
		expect[1] = DP_SRTP_REPLAY_DUP;
		expect[2] = DP_SRTP_REPLAY_DUP;
		t_round(&t, seq, 3, expect, fresh + 4);
		for (i = 4; i < 7; i++)
			if (fresh[i] != NULL)
				t_free(&fresh[i], 1);
	}
	t_free(fresh, 4);
	t_free(prev, n);
	t_free(cur, n);
	dp_srtp_ctx_destroy(cw, (uint32_t)t.cp);
	dp_srtp_ctx_destroy(cw, (uint32_t)t.cu);
	dp_srtp_ctx_destroy(t_lib, (uint32_t)t.lp);
	dp_srtp_ctx_destroy(t_lib, (uint32_t)t.lu);
}

/* Both backends agree byte for byte and verdict for verdict, all suites, RTP and RTCP, both cryptodev paths. */
static void
test_backend_equality(void **state)
{
	struct dp_srtp_worker *ws[2] = { t_cd, t_cq };
	unsigned int i, su;

	(void)state;
	for (i = 0; i < 2; i++)
		for (su = 0; su < DP_SRTP_SUITE__COUNT; su++) {
			print_message("  %s %s\n", i == 0 ? "cpu-crypto" : "enqueue", t_suite_names[su]);
			t_equality(ws[i], (uint8_t)su, DP_SRTP_OP_RTP);
			t_equality(ws[i], (uint8_t)su, DP_SRTP_OP_RTCP);
		}
}

/* Protects RTP seq with a fresh sender that first sent base (so both agree on the ROC). */
static struct rte_mbuf *
t_sent(uint16_t base, uint16_t seq)
{
	uint8_t buf[256];
	struct rte_mbuf *m;
	int pr;

	pr = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 9, DP_SRTP_DIR_PROTECT);
	if (seq != base) {
		m = t_mbuf(buf, t_rtp(buf, base, 0x55));
		assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
	}
	m = t_mbuf(buf, t_rtp(buf, seq, 0x55));
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
	dp_srtp_ctx_destroy(t_cd, (uint32_t)pr);
	return m;
}

/* Replay window edges (64 and 128, across a rollover): W-1 behind the highest passes, W and W+1 behind are too old, a repeat is a duplicate. */
static void
test_replay_window_edges(void **state)
{
	static const uint16_t windows[2] = { 64, 128 };
	static const uint8_t want[3] = { DP_SRTP_OK, DP_SRTP_REPLAY_OLD, DP_SRTP_REPLAY_OLD };
	const uint16_t base = 65400;
	struct rte_mbuf *m;
	uint16_t w, top;
	unsigned int wi, i;
	int un;

	(void)state;
	for (wi = 0; wi < 2; wi++) {
		w = windows[wi];
		top = (uint16_t)(base + 4 * (w + 1));	/* past 65535: ROC 1 */
		un = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 9, DP_SRTP_DIR_UNPROTECT);
		t_cd->ctx[un].window = w;
		m = t_sent(base, base);
		assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
		m = t_sent(base, top);
		assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
		assert_int_equal(t_cd->ctx[un].rtp[0].index, 65536u + top);
		for (i = 0; i < 3; i++) {
			m = t_sent(base, (uint16_t)(top - (w - 1) - i));
			assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), want[i]);
			t_free(&m, 1);
		}
		m = t_sent(base, (uint16_t)(top - (w - 1)));
		assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), DP_SRTP_REPLAY_DUP);
		t_free(&m, 1);
		dp_srtp_ctx_destroy(t_cd, (uint32_t)un);
	}
}

/* SRTCP trailer: E set and index 1, 2, 3 on protect; E = 0 (authenticated-only SRTCP, from libsrtp or a flipped bit) is refused, as libsrtp refuses it. */
static void
test_srtcp_index_and_e_flag(void **state)
{
	struct dp_srtp_key k;
	srtp_policy_t pol;
	srtp_t ls;
	uint8_t buf[256], key[30], plain[64];
	struct rte_mbuf *m;
	unsigned int i;
	int pr, un, len;

	(void)state;
	pr = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 21, DP_SRTP_DIR_PROTECT);
	for (i = 1; i <= 3; i++) {
		m = t_mbuf(buf, t_rtcp(buf, i, 0x77));
		assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTCP, m), DP_SRTP_OK);
		assert_int_equal(m->data_len, 52 + 4 + 10);
		assert_int_equal(dp_srtp_be32(rte_pktmbuf_mtod(m, uint8_t *) + 52),
				DP_SRTP_SRTCP_E | i);
		t_free(&m, 1);
	}
	dp_srtp_ctx_destroy(t_cd, (uint32_t)pr);

	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 22);
	memcpy(key, k.master_key, 16);
	memcpy(key + 16, k.master_salt, 14);
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.rtcp.sec_serv = sec_serv_auth;
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = key;
	assert_int_equal(srtp_create(&ls, &pol), srtp_err_status_ok);
	len = t_rtcp(buf, 5, 0x77);
	memcpy(plain, buf, (size_t)len);
	assert_int_equal(srtp_protect_rtcp(ls, buf, &len), srtp_err_status_ok);
	assert_int_equal(len, 52 + 4 + 10);
	assert_int_equal(dp_srtp_be32(buf + 52), 1);

	un = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 22, DP_SRTP_DIR_UNPROTECT);
	m = t_mbuf(buf, (uint16_t)len);
	assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTCP, m), DP_SRTP_BAD_HEADER);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), plain, 52);
	t_free(&m, 1);
	/* Our own encrypted packet with E cleared: refused the same way, then accepted intact. */
	pr = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 22, DP_SRTP_DIR_PROTECT);
	m = t_mbuf(buf, t_rtcp(buf, 6, 0x77));
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTCP, m), DP_SRTP_OK);
	t_flip(m, 52, 0x80);
	assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTCP, m), DP_SRTP_BAD_HEADER);
	t_flip(m, 52, 0x80);
	assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTCP, m), DP_SRTP_OK);
	t_rtcp(buf, 6, 0x77);
	assert_int_equal(m->data_len, 52);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), buf, 52);
	t_free(&m, 1);
	dp_srtp_ctx_destroy(t_cd, (uint32_t)pr);
	assert_int_equal(srtp_dealloc(ls), srtp_err_status_ok);
	dp_srtp_ctx_destroy(t_cd, (uint32_t)un);
}

/* A libsrtp2 session with the keys of t_ctx(suite, seed), any SSRC, for comparison. */
static srtp_t
t_ref(uint8_t suite, uint8_t seed, bool inbound)
{
	struct dp_srtp_key k;
	srtp_policy_t pol;
	uint8_t key[30];
	srtp_t ls;

	t_key(&k, suite, seed);
	memcpy(key, k.master_key, 16);
	memcpy(key + 16, k.master_salt, 14);
	memset(&pol, 0, sizeof(pol));
	if (suite == DP_SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
	} else {
		if (suite == DP_SRTP_AES_CM_128_HMAC_SHA1_32)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	}
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = key;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&ls, &pol), srtp_err_status_ok);
	return ls;
}

#define T_SSRC_A 0xa1a1a1a1u
#define T_SSRC_B 0xb2b2b2b2u

/*
 * Two SSRCs interleaved under one key, A crossing a sequence wrap: every
 * backend protects RTP and SRTCP to libsrtp2's bytes (per-SSRC rollover
 * counter and SRTCP index), unprotects libsrtp2's packets to the plaintext,
 * and refuses a replay of either SSRC as libsrtp2 does.
 */
static void
test_multi_ssrc_libsrtp(void **state)
{
	struct dp_srtp_worker *ws[3] = { t_cd, t_cq, t_lib };
	struct rte_mbuf *m[8], *old[2];
	uint8_t buf[8][256], v[8];
	int len[8], pr, un, olen = 0;
	unsigned int k, su, b, i;
	uint8_t oldbuf[2][256];
	srtp_t ro, ri;
	uint16_t seq;
	uint32_t ssrc;

	(void)state;
	for (su = 0; su < DP_SRTP_SUITE__COUNT; su++) {
		for (k = 0; k < 3; k++) {
			pr = t_ctx(ws[k], (uint8_t)su, 61, DP_SRTP_DIR_PROTECT);
			un = t_ctx(ws[k], (uint8_t)su, 61, DP_SRTP_DIR_UNPROTECT);
			ro = t_ref((uint8_t)su, 61, false);
			ri = t_ref((uint8_t)su, 61, true);
			for (b = 0; b < 3; b++) {
				for (i = 0; i < 8; i++) {
					ssrc = i & 1 ? T_SSRC_B : T_SSRC_A;
					seq = i & 1 ? (uint16_t)(100 + b * 4 + i / 2) :
						(uint16_t)(65530 + b * 4 + i / 2);
					len[i] = t_rtp(buf[i], seq, ssrc);
					m[i] = t_mbuf(buf[i], (uint16_t)len[i]);
					assert_int_equal(srtp_protect(ro, buf[i], &len[i]),
							srtp_err_status_ok);
				}
				t_run(ws[k], pr, DP_SRTP_OP_RTP, m, 8, v);
				for (i = 0; i < 8; i++) {
					assert_int_equal(v[i], DP_SRTP_OK);
					assert_int_equal(m[i]->data_len, len[i]);
					assert_memory_equal(rte_pktmbuf_mtod(m[i], uint8_t *),
							buf[i], (size_t)len[i]);
				}
				if (b == 0) {
					memcpy(oldbuf[0], buf[0], (size_t)len[0]);
					memcpy(oldbuf[1], buf[1], (size_t)len[1]);
					olen = len[0];
				}
				/* libsrtp2's packets unprotect to the plaintext here and there. */
				t_run(ws[k], un, DP_SRTP_OP_RTP, m, 8, v);
				for (i = 0; i < 8; i++) {
					assert_int_equal(v[i], DP_SRTP_OK);
					assert_int_equal(srtp_unprotect(ri, buf[i], &len[i]),
							srtp_err_status_ok);
					assert_int_equal(m[i]->data_len, len[i]);
					assert_memory_equal(rte_pktmbuf_mtod(m[i], uint8_t *),
							buf[i], (size_t)len[i]);
				}
				t_free(m, 8);
			}
			/* A replay of each SSRC's first packet: refused by both. */
			for (i = 0; i < 2; i++) {
				old[i] = t_mbuf(oldbuf[i], (uint16_t)olen);
				assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, old[i]),
						DP_SRTP_REPLAY_DUP);
				len[i] = olen;
				assert_int_equal(srtp_unprotect(ri, oldbuf[i], &len[i]),
						srtp_err_status_replay_fail);
			}
			t_free(old, 2);
			/* SRTCP of both SSRCs: one index sequence per SSRC. */
			for (i = 0; i < 6; i++) {
				ssrc = i & 1 ? T_SSRC_B : T_SSRC_A;
				len[0] = t_rtcp(buf[0], i, ssrc);
				m[0] = t_mbuf(buf[0], (uint16_t)len[0]);
				assert_int_equal(srtp_protect_rtcp(ro, buf[0], &len[0]),
						srtp_err_status_ok);
				assert_int_equal(t_one(ws[k], pr, DP_SRTP_OP_RTCP, m[0]), DP_SRTP_OK);
				assert_int_equal(m[0]->data_len, len[0]);
				assert_memory_equal(rte_pktmbuf_mtod(m[0], uint8_t *), buf[0],
						(size_t)len[0]);
				assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTCP, m[0]), DP_SRTP_OK);
				assert_int_equal(srtp_unprotect_rtcp(ri, buf[0], &len[0]),
						srtp_err_status_ok);
				assert_int_equal(m[0]->data_len, len[0]);
				assert_memory_equal(rte_pktmbuf_mtod(m[0], uint8_t *), buf[0],
						(size_t)len[0]);
				t_free(m, 1);
			}
			assert_int_equal(srtp_dealloc(ro), srtp_err_status_ok);
			assert_int_equal(srtp_dealloc(ri), srtp_err_status_ok);
			dp_srtp_ctx_destroy(ws[k], (uint32_t)pr);
			dp_srtp_ctx_destroy(ws[k], (uint32_t)un);
		}
	}
}

/* True when context ctx of w holds ssrc in a slot. */
static bool
t_has_ssrc(const struct dp_srtp_worker *w, int ctx, uint32_t ssrc)
{
	unsigned int i;

	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++)
		if ((w->ctx[ctx].rtp[i].flags & DP_SRTP_S_SSRC) && w->ctx[ctx].rtp[i].ssrc == ssrc)
			return true;
	return false;
}

/* Protects one RTP packet of ssrc/seq on pr; returns the SRTP mbuf. */
static struct rte_mbuf *
t_srtp(struct dp_srtp_worker *w, int pr, uint16_t seq, uint32_t ssrc)
{
	uint8_t buf[256];
	struct rte_mbuf *m = t_mbuf(buf, t_rtp(buf, seq, ssrc));

	assert_int_equal(t_one(w, pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
	return m;
}

/*
 * A forged packet of a new SSRC (bad tag) changes nothing: no slot, no
 * eviction, even with every slot taken; the same SSRC's authentic packet
 * right after it in the burst does take a slot. Both backends alike.
 */
static void
test_forged_new_ssrc_takes_no_slot(void **state)
{
	struct dp_srtp_worker *ws[3] = { t_cd, t_cq, t_lib };
	struct rte_mbuf *m[2];
	unsigned int k, i;
	uint64_t ev;
	uint8_t v[2];
	int pr, un;

	(void)state;
	for (k = 0; k < 3; k++) {
		pr = t_ctx(ws[k], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 71, DP_SRTP_DIR_PROTECT);
		un = t_ctx(ws[k], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 71, DP_SRTP_DIR_UNPROTECT);
		m[0] = t_srtp(ws[k], pr, 5, 0xc0);
		t_flip(m[0], (uint16_t)(m[0]->data_len - 1), 0x01);
		m[1] = t_srtp(ws[k], pr, 6, 0xc0);
		t_run(ws[k], un, DP_SRTP_OP_RTP, m, 2, v);
		assert_int_equal(v[0], DP_SRTP_AUTH_FAIL);
		assert_int_equal(v[1], DP_SRTP_OK);
		assert_true(t_has_ssrc(ws[k], un, 0xc0));
		t_free(m, 2);
		for (i = 1; i < DP_SRTP_SSRC_SLOTS; i++) {
			m[0] = t_srtp(ws[k], pr, 5, 0xc0 + i);
			assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m[0]), DP_SRTP_OK);
			t_free(m, 1);
		}
		m[0] = t_srtp(ws[k], pr, 5, 0xf0);
		t_flip(m[0], 20, 0x01);
		/* The protect context evicted for 0xf0: count the unprotect side only. */
		ev = dp_srtp_worker_stats(ws[k])->ssrc_evicted;
		assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m[0]), DP_SRTP_AUTH_FAIL);
		t_free(m, 1);
		assert_false(t_has_ssrc(ws[k], un, 0xf0));
		for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++)
			assert_true(t_has_ssrc(ws[k], un, 0xc0 + i));
		assert_int_equal(dp_srtp_worker_stats(ws[k])->ssrc_evicted, ev);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)pr);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)un);
	}
}

/*
 * With every slot taken, a new authentic SSRC evicts the least recently used
 * one (counted); the evicted SSRC coming back starts afresh (a packet it had
 * sent before is accepted again, as libsrtp2 accepts a new stream's first
 * packet) and evicts the next least recently used; a packet whose slot a
 * new SSRC took earlier in the same burst is refused. Both backends alike.
 */
static void
test_ssrc_eviction(void **state)
{
	struct dp_srtp_worker *ws[3] = { t_cd, t_cq, t_lib };
	struct rte_mbuf *m, *again, *pair[2];
	unsigned int k, i;
	uint64_t ev;
	uint8_t v[2];
	int pr, un;

	(void)state;
	for (k = 0; k < 3; k++) {
		pr = t_ctx(ws[k], DP_SRTP_AEAD_AES_128_GCM, 81, DP_SRTP_DIR_PROTECT);
		un = t_ctx(ws[k], DP_SRTP_AEAD_AES_128_GCM, 81, DP_SRTP_DIR_UNPROTECT);
		again = NULL;
		for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
			m = t_srtp(ws[k], pr, 10, 0xd0 + i);
			if (i == 1)
				again = t_clone(m);
			assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
			t_free(&m, 1);
		}
		/* 0xd0 used again: 0xd1 is now the least recently used. */
		m = t_srtp(ws[k], pr, 11, 0xd0);
		assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
		m = t_clone(again);
		assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m), DP_SRTP_REPLAY_DUP);
		t_free(&m, 1);
		m = t_srtp(ws[k], pr, 10, 0xe0);
		/* The protect context evicted too: count the unprotect side only. */
		ev = dp_srtp_worker_stats(ws[k])->ssrc_evicted;
		assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
		assert_int_equal(dp_srtp_worker_stats(ws[k])->ssrc_evicted, ev + 1);
		assert_false(t_has_ssrc(ws[k], un, 0xd1));
		assert_true(t_has_ssrc(ws[k], un, 0xd0) && t_has_ssrc(ws[k], un, 0xd2) &&
				t_has_ssrc(ws[k], un, 0xd3) && t_has_ssrc(ws[k], un, 0xe0));
		assert_int_equal(t_one(ws[k], un, DP_SRTP_OP_RTP, again), DP_SRTP_OK);
		t_free(&again, 1);
		assert_int_equal(dp_srtp_worker_stats(ws[k])->ssrc_evicted, ev + 2);
		assert_false(t_has_ssrc(ws[k], un, 0xd2));
		assert_true(t_has_ssrc(ws[k], un, 0xd1) && t_has_ssrc(ws[k], un, 0xd0));
		/* In one burst: new 0xe1 takes 0xd3's slot, so 0xd3's packet after it is refused. */
		pair[0] = t_srtp(ws[k], pr, 10, 0xe1);
		pair[1] = t_srtp(ws[k], pr, 11, 0xd3);
		t_run(ws[k], un, DP_SRTP_OP_RTP, pair, 2, v);
		assert_int_equal(v[0], DP_SRTP_OK);
		assert_int_equal(v[1], DP_SRTP_BAD_HEADER);
		t_free(pair, 2);
		assert_true(t_has_ssrc(ws[k], un, 0xe1));
		assert_false(t_has_ssrc(ws[k], un, 0xd3));
		dp_srtp_ctx_destroy(ws[k], (uint32_t)pr);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)un);
	}
}

/* A failed crypto op (invalid session on the device) gives CRYPTO_ERROR and leaves the context as it was. */
static void
test_crypto_error_keeps_state(void **state)
{
	struct dp_srtp_worker *ws[2] = { t_cq, t_cd };
	struct dp_srtp_stream before;
	struct rte_mbuf *m, *keep;
	uint8_t buf[256];
	unsigned int i;
	void *sess;
	int pr, un;

	(void)state;
	for (i = 0; i < 2; i++) {
		pr = t_ctx(ws[i], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 31, DP_SRTP_DIR_PROTECT);
		un = t_ctx(ws[i], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 31, DP_SRTP_DIR_UNPROTECT);
		m = t_mbuf(buf, t_rtp(buf, 100, 0x99));
		assert_int_equal(t_one(ws[i], pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
		t_free(&m, 1);
		keep = t_mbuf(buf, t_rtp(buf, 101, 0x99));
		assert_int_equal(t_one(ws[i], pr, DP_SRTP_OP_RTP, keep), DP_SRTP_OK);

		/* The device is handed an op without a valid session. */
		sess = ws[i]->ctx[un].rtp[0].sess;
		ws[i]->ctx[un].rtp[0].sess = NULL;
		before = ws[i]->ctx[un].rtp[0];
		before.sess = NULL;
		m = t_clone(keep);
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTP, m), DP_SRTP_CRYPTO_ERROR);
		t_free(&m, 1);
		/* Only the slot's use stamp moves: the look-up precedes the crypto. */
		before.used = ws[i]->ctx[un].rtp[0].used;
		assert_memory_equal(&ws[i]->ctx[un].rtp[0], &before, sizeof(before));
		ws[i]->ctx[un].rtp[0].sess = sess;
		/* The packet that failed is accepted once the device works. */
		assert_int_equal(t_one(ws[i], un, DP_SRTP_OP_RTP, keep), DP_SRTP_OK);
		t_free(&keep, 1);
		assert_true(dp_srtp_worker_stats(ws[i])->verdicts[DP_SRTP_CRYPTO_ERROR] >= 1);
		dp_srtp_ctx_destroy(ws[i], (uint32_t)pr);
		dp_srtp_ctx_destroy(ws[i], (uint32_t)un);
	}
}

/* Header checks: short, wrong version, other SSRC than a fixed-SSRC context's, multi-segment. */
static void
test_header_checks(void **state)
{
	struct dp_srtp_ctx_params fixed = { .dir = DP_SRTP_DIR_PROTECT, .ssrc = 1 };
	struct rte_mbuf *m, *seg;
	struct dp_srtp_key k;
	uint8_t buf[256];
	int pr, un;

	(void)state;
	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_32, 41);
	pr = dp_srtp_ctx_create(t_cd, &fixed, &k);
	assert_true(pr >= 0);
	un = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_32, 41, DP_SRTP_DIR_UNPROTECT);
	m = t_mbuf(buf, 11);
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_TOO_SHORT);
	t_free(&m, 1);
	m = t_mbuf(buf, t_rtp(buf, 7, 1));
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
	assert_int_equal(m->data_len, 172 + 4);
	assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), DP_SRTP_OK);
	t_free(&m, 1);
	/* Same keys, other SSRC: the context was made for SSRC 1 only. */
	m = t_mbuf(buf, t_rtp(buf, 8, 2));
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_BAD_HEADER);
	assert_int_equal(m->data_len, 172);
	t_free(&m, 1);
	/* CSRC count pointing past the end. */
	t_rtp(buf, 9, 1);
	buf[0] |= 0x0f;
	m = t_mbuf(buf, 60);
	assert_int_equal(t_one(t_cd, un, DP_SRTP_OP_RTP, m), DP_SRTP_TOO_SHORT);
	t_free(&m, 1);
	m = t_mbuf(buf, t_rtp(buf, 9, 1));
	seg = t_mbuf(buf, 10);
	assert_int_equal(rte_pktmbuf_chain(m, seg), 0);
	assert_int_equal(t_one(t_cd, pr, DP_SRTP_OP_RTP, m), DP_SRTP_BAD_HEADER);
	t_free(&m, 1);
	dp_srtp_ctx_destroy(t_cd, (uint32_t)pr);
	dp_srtp_ctx_destroy(t_cd, (uint32_t)un);
}

/* A packet behind L2-L4 headers (off) with Ethernet padding after it: headers kept, padding dropped, same bytes as at offset 0, on both backends. */
static void
test_offset_and_padding(void **state)
{
	struct dp_srtp_worker *ws[3] = { t_cd, t_cq, t_lib };
	uint8_t hdr[42], buf[300], rtp[200];
	struct dp_srtp_pkt pk;
	struct rte_mbuf *m, *ref;
	uint16_t len, plen;
	unsigned int i, k;
	int pr, un;

	(void)state;
	for (i = 0; i < sizeof(hdr); i++)
		hdr[i] = (uint8_t)(0xe0 + i);
	for (k = 0; k < 3; k++) {
		pr = t_ctx(ws[k], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 51, DP_SRTP_DIR_PROTECT);
		un = t_ctx(ws[k], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 51, DP_SRTP_DIR_UNPROTECT);
		(void)t_rtp(rtp, 300, 0x42);
		plen = 16;	/* 12-byte header + 4 bytes: a padded Ethernet frame */
		memcpy(buf, hdr, sizeof(hdr));
		memcpy(buf + sizeof(hdr), rtp, plen);
		memset(buf + sizeof(hdr) + plen, 0, 2);
		m = t_mbuf(buf, (uint16_t)(sizeof(hdr) + plen + 2));
		pk = (struct dp_srtp_pkt){ .m = m, .ctx = (uint32_t)pr, .off = sizeof(hdr),
			.len = plen, .op = DP_SRTP_OP_RTP };
		assert_int_equal(dp_srtp_burst_process(ws[k], &pk, 1), 1);
		assert_int_equal(pk.verdict, DP_SRTP_OK);
		assert_int_equal(pk.len, plen + 10);
		assert_int_equal(m->data_len, sizeof(hdr) + plen + 10);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), hdr, sizeof(hdr));
		/* The same packet at offset 0 through a twin context. */
		len = plen;
		ref = t_mbuf(rtp, len);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)pr);
		pr = t_ctx(ws[k], DP_SRTP_AES_CM_128_HMAC_SHA1_80, 51, DP_SRTP_DIR_PROTECT);
		assert_int_equal(t_one(ws[k], pr, DP_SRTP_OP_RTP, ref), DP_SRTP_OK);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *) + sizeof(hdr),
				rte_pktmbuf_mtod(ref, uint8_t *), ref->data_len);
		t_free(&ref, 1);
		pk.ctx = (uint32_t)un;
		assert_int_equal(dp_srtp_burst_process(ws[k], &pk, 1), 1);
		assert_int_equal(pk.len, plen);
		assert_int_equal(m->data_len, sizeof(hdr) + plen);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), hdr, sizeof(hdr));
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *) + sizeof(hdr), rtp, plen);
		/* A length past the mbuf is refused. */
		pk.len = (uint16_t)(m->data_len);
		assert_int_equal(dp_srtp_burst_process(ws[k], &pk, 1), 0);
		assert_int_equal(pk.verdict, DP_SRTP_BAD_HEADER);
		t_free(&m, 1);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)pr);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)un);
	}
}

/* One burst mixing contexts (interleaved, and in runs) protects and unprotects exactly as libsrtp does per packet. */
static void
test_mixed_burst(void **state)
{
	struct dp_srtp_worker *ws[2] = { t_cd, t_cq };
	struct dp_srtp_pkt pc[T_NB], pl[T_NB];
	struct rte_mbuf *mc[T_NB], *ml[T_NB];
	int cp[3], cu[3], lp[3], lu[3];
	uint8_t buf[256];
	unsigned int k, i, c;

	(void)state;
	for (k = 0; k < 2; k++) {
		for (c = 0; c < 3; c++) {
			cp[c] = t_ctx(ws[k], (uint8_t)c, (uint8_t)(60 + c), DP_SRTP_DIR_PROTECT);
			cu[c] = t_ctx(ws[k], (uint8_t)c, (uint8_t)(60 + c), DP_SRTP_DIR_UNPROTECT);
			lp[c] = t_ctx(t_lib, (uint8_t)c, (uint8_t)(60 + c), DP_SRTP_DIR_PROTECT);
			lu[c] = t_ctx(t_lib, (uint8_t)c, (uint8_t)(60 + c), DP_SRTP_DIR_UNPROTECT);
		}
		for (i = 0; i < T_NB; i++) {
			/* First half interleaved over the three suites, second half in runs. */
			c = i < 16 ? i % 3 : (i - 16) / 6 % 3;
			t_rtp(buf, (uint16_t)(65530 + i), 0x700 + c);
			mc[i] = t_mbuf(buf, 172);
			ml[i] = t_mbuf(buf, 172);
			pc[i] = (struct dp_srtp_pkt){ .m = mc[i], .ctx = (uint32_t)cp[c], .len = 172 };
			pl[i] = (struct dp_srtp_pkt){ .m = ml[i], .ctx = (uint32_t)lp[c], .len = 172 };
		}
		assert_int_equal(dp_srtp_burst_process(ws[k], pc, T_NB), T_NB);
		assert_int_equal(dp_srtp_burst_process(t_lib, pl, T_NB), T_NB);
		for (i = 0; i < T_NB; i++) {
			t_assert_same(mc[i], ml[i]);
			c = i < 16 ? i % 3 : (i - 16) / 6 % 3;
			pc[i].ctx = (uint32_t)cu[c];
			pl[i].ctx = (uint32_t)lu[c];
		}
		/* Cross over: each side unprotects the other's output. */
		for (i = 0; i < T_NB; i++) {
			pc[i].m = ml[i];
			pl[i].m = mc[i];
		}
		assert_int_equal(dp_srtp_burst_process(ws[k], pc, T_NB), T_NB);
		assert_int_equal(dp_srtp_burst_process(t_lib, pl, T_NB), T_NB);
		for (i = 0; i < T_NB; i++) {
			c = i < 16 ? i % 3 : (i - 16) / 6 % 3;
			t_rtp(buf, (uint16_t)(65530 + i), 0x700 + c);
			assert_int_equal(mc[i]->data_len, 172);
			assert_memory_equal(rte_pktmbuf_mtod(mc[i], uint8_t *), buf, 172);
			assert_memory_equal(rte_pktmbuf_mtod(ml[i], uint8_t *), buf, 172);
		}
		t_free(mc, T_NB);
		t_free(ml, T_NB);
		for (c = 0; c < 3; c++) {
			dp_srtp_ctx_destroy(ws[k], (uint32_t)cp[c]);
			dp_srtp_ctx_destroy(ws[k], (uint32_t)cu[c]);
			dp_srtp_ctx_destroy(t_lib, (uint32_t)lp[c]);
			dp_srtp_ctx_destroy(t_lib, (uint32_t)lu[c]);
		}
	}
}

/* Context creation wipes the caller's master key; pass-through only for identical suite, key and salt. */
static void
test_key_wipe_and_passthrough(void **state)
{
	struct dp_srtp_ctx_params p = { .dir = DP_SRTP_DIR_UNPROTECT, .flags = DP_SRTP_F_SSRC_ANY };
	struct dp_srtp_key a, b, zero;
	int idx;

	(void)state;
	t_key(&a, DP_SRTP_AEAD_AES_128_GCM, 3);
	t_key(&b, DP_SRTP_AEAD_AES_128_GCM, 3);
	assert_true(dp_srtp_key_passthrough(&a, &b));
	b.master_salt[13] ^= 1;		/* not part of a GCM salt */
	assert_true(dp_srtp_key_passthrough(&a, &b));
	b.master_salt[11] ^= 1;
	assert_false(dp_srtp_key_passthrough(&a, &b));
	t_key(&b, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 3);
	assert_false(dp_srtp_key_passthrough(&a, &b));
	memset(&zero, 0, sizeof(zero));
	idx = dp_srtp_ctx_create(t_cd, &p, &a);
	assert_true(idx >= 0);
	assert_memory_equal(&a, &zero, sizeof(zero));
	dp_srtp_ctx_destroy(t_cd, (uint32_t)idx);
	idx = dp_srtp_ctx_create(t_lib, &p, &b);
	assert_true(idx >= 0);
	assert_memory_equal(&b, &zero, sizeof(zero));
	dp_srtp_ctx_destroy(t_lib, (uint32_t)idx);
}

/* RTP with a header of 12, 16 (one CSRC) or 20 bytes (one-byte header extension). */
static uint16_t
t_rtp_layout(uint8_t *p, uint16_t seq, uint32_t ssrc, unsigned int layout)
{
	uint16_t h = layout == 0 ? 12 : layout == 1 ? 16 : 20, i;

	t_rtp(p, seq, ssrc);
	if (layout == 1) {
		p[0] = 0x81;
		dp_srtp_put_be32(p + 12, 0xc5c5c5c5);
	} else if (layout == 2) {
		p[0] = 0x90;
		p[12] = 0xbe;
		p[13] = 0xde;
		p[14] = 0;
		p[15] = 1;
		dp_srtp_put_be32(p + 16, 0x10aa0000u | seq);
	}
	for (i = 0; i < T_PAYLOAD; i++)
		p[h + i] = (uint8_t)(seq * 5 + i);
	return (uint16_t)(h + T_PAYLOAD);
}

/* GCM RTP with CSRCs or a header extension (an AAD other than 12 bytes) matches libsrtp on both cryptodev paths; a third header length inside one burst is refused. */
static void
test_gcm_header_layouts(void **state)
{
	static const unsigned int layouts[3][2] = { { 0, 2 }, { 1, 1 }, { 2, 0 } };
	struct dp_srtp_worker *ws[2] = { t_cd, t_cq };
	struct rte_mbuf *mc[T_NB], *ml[T_NB];
	uint8_t buf[256], vc[T_NB], vl[T_NB];
	uint16_t seq = 40000, len;
	unsigned int k, r, i;
	int cp, cu, lp, lu;

	(void)state;
	for (k = 0; k < 2; k++) {
		cp = t_ctx(ws[k], DP_SRTP_AEAD_AES_128_GCM, 70, DP_SRTP_DIR_PROTECT);
		cu = t_ctx(ws[k], DP_SRTP_AEAD_AES_128_GCM, 70, DP_SRTP_DIR_UNPROTECT);
		lp = t_ctx(t_lib, DP_SRTP_AEAD_AES_128_GCM, 70, DP_SRTP_DIR_PROTECT);
		lu = t_ctx(t_lib, DP_SRTP_AEAD_AES_128_GCM, 70, DP_SRTP_DIR_UNPROTECT);
		/* Bursts alternating two layouts (12 and 20, then 16 only, then 20 and 12). */
		for (r = 0; r < 3; r++) {
			for (i = 0; i < T_NB; i++) {
				len = t_rtp_layout(buf, seq++, 0x3030, layouts[r][i & 1]);
				mc[i] = t_mbuf(buf, len);
				ml[i] = t_mbuf(buf, len);
			}
			t_run(ws[k], cp, DP_SRTP_OP_RTP, mc, T_NB, vc);
			t_run(t_lib, lp, DP_SRTP_OP_RTP, ml, T_NB, vl);
			for (i = 0; i < T_NB; i++) {
				assert_int_equal(vc[i], DP_SRTP_OK);
				assert_int_equal(vl[i], DP_SRTP_OK);
				t_assert_same(mc[i], ml[i]);
			}
			t_run(ws[k], cu, DP_SRTP_OP_RTP, ml, T_NB, vc);
			t_run(t_lib, lu, DP_SRTP_OP_RTP, mc, T_NB, vl);
			for (i = 0; i < T_NB; i++) {
				assert_int_equal(vc[i], DP_SRTP_OK);
				assert_int_equal(vl[i], DP_SRTP_OK);
				len = t_rtp_layout(buf, (uint16_t)(seq - T_NB + i), 0x3030,
						layouts[r][i & 1]);
				assert_int_equal(mc[i]->data_len, len);
				assert_memory_equal(rte_pktmbuf_mtod(mc[i], uint8_t *), buf, len);
				t_assert_same(mc[i], ml[i]);
			}
			t_free(mc, T_NB);
			t_free(ml, T_NB);
		}
		/* 16 and 20 bytes in one burst: the second length cannot replace the first. */
		for (i = 0; i < 2; i++) {
			len = t_rtp_layout(buf, seq++, 0x3030, 1 + i);
			mc[i] = t_mbuf(buf, len);
		}
		t_run(ws[k], cp, DP_SRTP_OP_RTP, mc, 2, vc);
		assert_int_equal(vc[0], DP_SRTP_OK);
		assert_int_equal(vc[1], DP_SRTP_BAD_HEADER);
		assert_int_equal(mc[1]->data_len, len);
		t_free(mc, 2);
		assert_true(dp_srtp_worker_stats(ws[k])->gcm_layout_sessions >= 4);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)cp);
		dp_srtp_ctx_destroy(ws[k], (uint32_t)cu);
		dp_srtp_ctx_destroy(t_lib, (uint32_t)lp);
		dp_srtp_ctx_destroy(t_lib, (uint32_t)lu);
	}
}

/* API misuse is refused cleanly: bad suite or direction (key still wiped), full context array, backend mismatches, double init. */
static void
test_api_errors(void **state)
{
	struct dp_srtp_ctx_params p = { .dir = DP_SRTP_DIR_PROTECT, .flags = DP_SRTP_F_SSRC_ANY };
	struct dp_srtp_conf conf = { .backend = DP_SRTP_BACKEND_LIBSRTP, .nb_workers = 1, .nb_ctx = 1 };
	struct dp_srtp_worker *w;
	struct dp_srtp_key k, zero;
	int idx[64], i, n;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	k.suite = DP_SRTP_SUITE__COUNT;
	assert_int_equal(dp_srtp_ctx_create(t_cd, &p, &k), -EINVAL);
	assert_memory_equal(&k, &zero, sizeof(zero));
	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	p.dir = (enum dp_srtp_dir)7;
	assert_int_equal(dp_srtp_ctx_create(t_lib, &p, &k), -EINVAL);
	assert_memory_equal(&k, &zero, sizeof(zero));
	p.dir = DP_SRTP_DIR_PROTECT;
	assert_int_equal(dp_srtp_init(&conf), -EALREADY);
	assert_int_equal(dp_srtp_worker_create(&w, 2), -EINVAL);
	assert_int_equal(dp_srtp_worker_use_cpu_crypto(t_lib, true), -ENOTSUP);
	/* Every slot of the worker's array, then one more. */
	for (n = 0; n < 64; n++) {
		t_key(&k, DP_SRTP_AEAD_AES_128_GCM, (uint8_t)n);
		idx[n] = dp_srtp_ctx_create(t_lib, &p, &k);
		if (idx[n] < 0)
			break;
	}
	assert_int_equal(n, 64);
	t_key(&k, DP_SRTP_AEAD_AES_128_GCM, 99);
	assert_int_equal(dp_srtp_ctx_create(t_lib, &p, &k), -ENOSPC);
	for (i = 0; i < n; i++)
		dp_srtp_ctx_destroy(t_lib, (uint32_t)idx[i]);
	/* Destroying a free or out-of-range slot changes nothing. */
	dp_srtp_ctx_destroy(t_lib, (uint32_t)idx[0]);
	dp_srtp_ctx_destroy(t_lib, 1000);
	assert_int_equal(dp_srtp_worker_stats(t_lib)->ctx_destroyed,
			dp_srtp_worker_stats(t_lib)->ctx_created);
}

/* Bad process configuration: each refused with its own error, nothing left set up. */
static void
test_init_errors(void **state)
{
	struct dp_srtp_conf conf = {
		.backend = DP_SRTP_BACKEND_CRYPTODEV, .nb_workers = 1, .nb_sessions = 8,
		.nb_ctx = 4, .socket_id = SOCKET_ID_ANY,
	};
	struct dp_srtp_worker *w;

	(void)state;
	conf.replay_window = 100;
	assert_int_equal(dp_srtp_init(&conf), -EINVAL);
	conf.replay_window = 64;
	conf.nb_sessions = 0;
	assert_int_equal(dp_srtp_init(&conf), -EINVAL);
	conf.nb_sessions = 8;
	conf.cryptodev = "no_such_cryptodev";
	assert_int_equal(dp_srtp_init(&conf), -ENODEV);
	assert_int_equal(dp_srtp_worker_create(&w, 0), -EINVAL);
	/* The EAL's own vdev by name works, and a libsrtp2 worker next to it. */
	conf.cryptodev = "crypto_aesni_mb";
	assert_int_equal(dp_srtp_init(&conf), 0);
	assert_int_equal(dp_srtp_worker_create(&w, 0), 0);
	dp_srtp_worker_destroy(w);
	dp_srtp_fini();
}

static int
t_setup(uint32_t nb_sessions)
{
	struct dp_srtp_conf conf = {
		.backend = DP_SRTP_BACKEND_CRYPTODEV,
		.nb_workers = 2,
		.nb_sessions = nb_sessions,
		.nb_ctx = 64,
		.replay_window = 128,
		.socket_id = SOCKET_ID_ANY,
	};

	if (dp_srtp_init(&conf) < 0)
		return -1;
	if (dp_srtp_worker_create(&t_cd, 0) < 0 || dp_srtp_worker_create(&t_cq, 1) < 0 ||
	    dp_srtp_worker_create_as(&t_lib, 0, DP_SRTP_BACKEND_LIBSRTP) < 0)
		return -1;
	if (dp_srtp_worker_use_cpu_crypto(t_cd, true) < 0 ||
	    dp_srtp_worker_use_cpu_crypto(t_cq, false) < 0)
		return -1;
	return 0;
}

static int
t_group_setup(void **state)
{
	(void)state;
	return t_setup(256);
}

static int
t_group_teardown(void **state)
{
	(void)state;
	dp_srtp_worker_destroy(t_cd);
	dp_srtp_worker_destroy(t_cq);
	dp_srtp_worker_destroy(t_lib);
	t_cd = t_cq = t_lib = NULL;
	dp_srtp_fini();
	return 0;
}

static int
t_small_setup(void **state)
{
	(void)state;
	return t_setup(8);
}

/* Exhausting the crypto session pool is a clean, counted -ENOSPC; freeing a context makes room again. */
static void
test_session_pool_exhaustion(void **state)
{
	struct dp_srtp_ctx_params p = { .dir = DP_SRTP_DIR_PROTECT, .flags = DP_SRTP_F_SSRC_ANY };
	struct dp_srtp_key k;
	int idx[5], i, err;

	(void)state;
	for (i = 0; i < 4; i++)
		idx[i] = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, (uint8_t)i, DP_SRTP_DIR_PROTECT);
	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 9);
	err = dp_srtp_ctx_create(t_cd, &p, &k);
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(dp_srtp_worker_stats(t_cd)->ctx_refused_nospc, 1);
	/* Nothing leaked by the refusal: one free context makes exactly one fit. */
	dp_srtp_ctx_destroy(t_cd, (uint32_t)idx[2]);
	idx[2] = t_ctx(t_cd, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 2, DP_SRTP_DIR_PROTECT);
	t_key(&k, DP_SRTP_AES_CM_128_HMAC_SHA1_80, 9);
	assert_int_equal(dp_srtp_ctx_create(t_cd, &p, &k), -ENOSPC);
	assert_int_equal(dp_srtp_worker_stats(t_cd)->ctx_refused_nospc, 2);
	for (i = 0; i < 4; i++)
		dp_srtp_ctx_destroy(t_cd, (uint32_t)idx[i]);
}

int
main(void)
{
	char *argv[] = {
		"test_dp_srtp", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
		"-m", "256", "--vdev", "crypto_aesni_mb", "--file-prefix", "dgsrtp-unit",
		"--log-level", "lib.eal:error", NULL,
	};
	const struct CMUnitTest main_tests[] = {
		cmocka_unit_test(test_kdf_rfc3711_b3),
		cmocka_unit_test(test_aes_cm_keystream_rfc3711_b2),
		cmocka_unit_test(test_gcm_rfc7714),
		cmocka_unit_test(test_backend_equality),
		cmocka_unit_test(test_replay_window_edges),
		cmocka_unit_test(test_srtcp_index_and_e_flag),
		cmocka_unit_test(test_crypto_error_keeps_state),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_multi_ssrc_libsrtp),
		cmocka_unit_test(test_forged_new_ssrc_takes_no_slot),
		cmocka_unit_test(test_ssrc_eviction),
		cmocka_unit_test(test_offset_and_padding),
		cmocka_unit_test(test_mixed_burst),
		cmocka_unit_test(test_gcm_header_layouts),
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_key_wipe_and_passthrough),
	};
	const struct CMUnitTest pool_tests[] = {
		cmocka_unit_test(test_session_pool_exhaustion),
	};
	const struct CMUnitTest init_tests[] = {
		cmocka_unit_test(test_init_errors),
	};
	int fails;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "test_dp_srtp: EAL init failed\n");
		return 1;
	}
	t_pool = rte_pktmbuf_pool_create("t_srtp_mbuf", 1024, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (t_pool == NULL) {
		fprintf(stderr, "test_dp_srtp: mbuf pool\n");
		return 1;
	}
	fails = cmocka_run_group_tests_name("srtp", main_tests, t_group_setup, t_group_teardown);
	fails += cmocka_run_group_tests_name("srtp_pool", pool_tests, t_small_setup,
			t_group_teardown);
	fails += cmocka_run_group_tests_name("srtp_init", init_tests, NULL, NULL);
	rte_mempool_free(t_pool);
	(void)rte_eal_cleanup();
	return fails;
}
