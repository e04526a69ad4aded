/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's crypto stage with the real SRTP engine (crypto_aesni_mb
 * cryptodev) against libsrtp2 as the independent peer: SRTP in, plain out
 * and back; SRTCP; authentication failures and replays dropped by reason
 * and never latched; legs sharing keys passed through untouched; keys
 * refused without an engine; a session whose contexts sit past the first
 * 65 536 of the worker (100 k re-keyed sessions need four each) relays.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include <rte_ring.h>

#include "dp_srtp.h"
#include "dp_test_util.h"

static const uint8_t port_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x50 };

/* Contexts taken before the session of test_srtp_contexts_past_16_bits:
 * every index a 16-bit slot could hold. */
#define FILL_CTX 65536u

static struct dp_net net;
static struct dp_lcore lc;
static struct dp_srtp_worker *engine;
static struct rte_ring *exc;

static int
setup(void **state)
{
	struct dp_srtp_conf conf = {
		.backend = DP_SRTP_BACKEND_CRYPTODEV,
		.nb_workers = 1,
		.nb_sessions = FILL_CTX + 64,
		.nb_ctx = FILL_CTX + 16,
		.socket_id = SOCKET_ID_ANY,
	};
	struct dp_session_conf sc;
	int i;

	(void)state;
	/* dp_srtp_init also starts libsrtp2, which the test uses as the
	 * peer's independent implementation. */
	if (dp_srtp_init(&conf) < 0 || dp_srtp_worker_create(&engine, 0) < 0)
		return -1;
	memset(&net, 0, sizeof(net));
	memcpy(net.port_mac, port_mac, 6);
	net.addr_count = 1;
	net.addrs[0].family = 4;
	net.addrs[0].prefix = 24;
	inet_pton(AF_INET, "10.0.0.1", net.addrs[0].addr);
	for (i = 0; i < 6; i++)
		net.gw_mac4 |= (uint64_t)gw_mac[i] << (8 * i);
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 8;
	sc.port_first = 20000;
	sc.port_last = 20099;
	sc.addr_count = 1;
	sc.addrs[0] = net.addrs[0];
	sc.latch_window_s = 3;
	sc.socket_id = SOCKET_ID_ANY;
	if (dp_session_table_create(&lc.sessions, &sc) != 0)
		return -1;
	lc.sessions->srtp = engine;
	lc.net = &net;
	exc = rte_ring_create("dpt_sexc", 16, SOCKET_ID_ANY,
			      RING_F_SP_ENQ | RING_F_SC_DEQ);
	lc.exc_ring = exc;
	lc.latch_quiet_ns = 500000000ull;
	lc.now_ns = 1000000000000ull;
	return exc != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	if (lc.sessions != NULL)
		(void)dp_session_flush(lc.sessions);
	if (engine != NULL)
		dp_srtp_worker_destroy(engine);
	dp_session_table_free(lc.sessions);
	dp_srtp_fini();
	rte_ring_free(exc);
	return 0;
}

static void
key_set(struct dg_msg_srtp_key *k, uint8_t seed)
{
	int i;

	for (i = 0; i < 16; i++)
		k->key[i] = (uint8_t)(seed + i);
	for (i = 0; i < 14; i++)
		k->salt[i] = (uint8_t)(seed * 3 + i);
}

/* A libsrtp2 session with the same keys as k (the peer's side). */
static srtp_t
peer_session(const struct dg_msg_srtp_key *k, bool outbound)
{
	uint8_t master[30];
	srtp_policy_t pol;
	srtp_t s;

	memcpy(master, k->key, 16);
	memcpy(master + 16, k->salt, 14);
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_rtp_default(&pol.rtp);
	srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = master;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);
	return s;
}

static void
leg_set(struct dg_msg_leg *l, const char *peer, uint16_t port, uint8_t in,
		uint8_t out)
{
	memset(l, 0, sizeof(*l));
	l->relay_family = DG_AF_INET;
	inet_pton(AF_INET, "10.0.0.1", l->relay_addr);
	l->peer_family = DG_AF_INET;
	inet_pton(AF_INET, peer, l->peer_addr);
	l->peer_rtp_port = port;
	l->flags = DG_LEG_F_LATCH_WINDOW;
	if (in != 0) {
		l->srtp_suite = DG_SRTP_AES_CM_128_HMAC_SHA1_80;
		key_set(&l->srtp_in, in);
		key_set(&l->srtp_out, out);
	}
}

static struct rte_mbuf *
run1(const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = dpt_mbuf(frame, len);
	uint16_t before = lc.tx_n;

	assert_non_null(m);
	dp_worker_burst(&lc, &m, 1);
	if (lc.tx_n == before)
		return NULL;
	return lc.tx[--lc.tx_n];
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The UDP payload of a relayed frame, with its lengths checked. */
static const uint8_t *
payload_of(struct rte_mbuf *m, uint32_t *plen)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	assert_true(dpt_udp_csum_ok(p, m->data_len));
	assert_int_equal(be16(p + 16), m->data_len - 14);
	assert_int_equal(be16(p + 38), m->data_len - 34);
	*plen = m->data_len - 42u;
	return p + 42;
}

/* SRTP from the protected leg leaves the plain leg as the original RTP,
 * and plain RTP toward the protected leg leaves as SRTP that libsrtp2
 * accepts with the leg's egress keys; SRTCP likewise. */
static void
test_srtp_to_plain_and_back(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t rtp[256], buf[256], frame[512];
	const uint8_t *out;
	struct rte_mbuf *m;
	srtp_t peer_tx, peer_rx;
	uint32_t olen;
	int len, rl;

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "192.0.2.10", 4000, 1, 2);
	leg_set(&ms.leg[1], "10.0.0.50", 6000, 0, 0);
	assert_int_equal(dp_session_create(lc.sessions, 1, &ms, lc.now_ns, p),
			 0);
	peer_tx = peer_session(&ms.leg[0].srtp_in, true);
	peer_rx = peer_session(&ms.leg[0].srtp_out, false);

	rl = (int)dpt_rtp(rtp, 1, 160);
	memcpy(buf, rtp, (size_t)rl);
	len = rl;
	assert_int_equal(srtp_protect(peer_tx, buf, &len), srtp_err_status_ok);
	m = run1(frame, dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10",
				 4000, "10.0.0.1", p[0].rtp, buf,
				 (uint32_t)len));
	assert_non_null(m);
	out = payload_of(m, &olen);
	assert_int_equal(olen, rl);
	assert_memory_equal(out, rtp, (size_t)rl);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 36), 6000);
	rte_pktmbuf_free(m);
	assert_int_equal(lc.st.srtp_unprotected, 1);

	rl = (int)dpt_rtp(rtp, 500, 100);
	m = run1(frame, dpt_udp4(frame, peer_mac, port_mac, "10.0.0.50", 6000,
				 "10.0.0.1", p[1].rtp, rtp, (uint32_t)rl));
	assert_non_null(m);
	out = payload_of(m, &olen);
	assert_int_equal(olen, rl + 10);
	memcpy(buf, out, olen);
	len = (int)olen;
	assert_int_equal(srtp_unprotect(peer_rx, buf, &len),
			 srtp_err_status_ok);
	assert_int_equal(len, rl);
	assert_memory_equal(buf, rtp, (size_t)rl);
	rte_pktmbuf_free(m);
	assert_int_equal(lc.st.srtp_protected, 1);

	/* SRTCP: a receiver report from the protected peer. */
	memset(rtp, 0, 8);
	rtp[0] = 0x80;
	rtp[1] = 201;
	rtp[3] = 1;
	rtp[7] = 0x44;
	len = 8;
	memcpy(buf, rtp, 8);
	assert_int_equal(srtp_protect_rtcp(peer_tx, buf, &len),
			 srtp_err_status_ok);
	m = run1(frame, dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10",
				 4001, "10.0.0.1", p[0].rtcp, buf,
				 (uint32_t)len));
	assert_non_null(m);
	out = payload_of(m, &olen);
	assert_int_equal(olen, 8);
	assert_memory_equal(out, rtp, 8);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 36), 6001);
	rte_pktmbuf_free(m);
	srtp_dealloc(peer_tx);
	srtp_dealloc(peer_rx);
	assert_int_equal(dp_session_delete(lc.sessions, 1), 0);
}

/* A forged packet from a stranger is dropped as an authentication failure
 * and does not move the latch; a replayed one is dropped as a replay. */
static void
test_srtp_auth_and_replay(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t rtp[256], buf[256], frame[512];
	struct dp_session *s;
	srtp_t peer_tx;
	uint32_t rec, flen;
	int len;

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "192.0.2.10", 4000, 3, 4);
	leg_set(&ms.leg[1], "10.0.0.50", 6000, 0, 0);
	assert_int_equal(dp_session_create(lc.sessions, 2, &ms, lc.now_ns, p),
			 0);
	s = dp_session_find(lc.sessions, 2);
	rec = dp_session_index(lc.sessions, s);
	peer_tx = peer_session(&ms.leg[0].srtp_in, true);
	len = (int)dpt_rtp(rtp, 7, 160);
	memcpy(buf, rtp, (size_t)len);
	assert_int_equal(srtp_protect(peer_tx, buf, &len), srtp_err_status_ok);
	buf[20] ^= 0x01;
	memset(lc.st.drops, 0, sizeof(lc.st.drops));
	assert_null(run1(frame, dpt_udp4(frame, peer_mac, port_mac,
					 "203.0.113.9", 9999, "10.0.0.1",
					 p[0].rtp, buf, (uint32_t)len)));
	assert_int_equal(lc.st.drops[DP_DROP_SRTP_AUTH], 1);
	assert_int_equal(lc.sessions->drops[rec].leg[0][DG_LEG_DROP_SRTP_AUTH],
			 1);
	assert_false(s->leg[0].state & DP_LEG_S_LATCHED_RTP);
	assert_int_equal(s->leg[0].rx_pkts, 0);
	/* The genuine packet, twice: relayed once, then a replay. */
	buf[20] ^= 0x01;
	flen = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
			"10.0.0.1", p[0].rtp, buf, (uint32_t)len);
	{
		struct rte_mbuf *m = run1(frame, flen);

		assert_non_null(m);
		rte_pktmbuf_free(m);
	}
	assert_null(run1(frame, flen));
	assert_int_equal(lc.st.drops[DP_DROP_SRTP_REPLAY], 1);
	assert_int_equal(s->leg[0].rx_pkts, 1);
	srtp_dealloc(peer_tx);
	assert_int_equal(dp_session_delete(lc.sessions, 2), 0);
}

/* When the ingress leg's keys are the egress leg's, SRTP passes untouched:
 * no context, same bytes. */
static void
test_srtp_passthrough(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t rtp[256], buf[256], frame[512];
	const uint8_t *out;
	struct rte_mbuf *m;
	struct dp_session *s;
	srtp_t peer_tx;
	uint32_t olen;
	int len;

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "192.0.2.10", 4000, 5, 6);
	leg_set(&ms.leg[1], "10.0.0.50", 6000, 6, 5);
	assert_int_equal(dp_session_create(lc.sessions, 3, &ms, lc.now_ns, p),
			 0);
	s = dp_session_find(lc.sessions, 3);
	assert_int_equal(s->leg[0].srtp_slot[0], DP_SRTP_NONE);
	assert_int_equal(s->leg[1].srtp_slot[1], DP_SRTP_NONE);
	peer_tx = peer_session(&ms.leg[0].srtp_in, true);
	len = (int)dpt_rtp(rtp, 9, 160);
	memcpy(buf, rtp, (size_t)len);
	assert_int_equal(srtp_protect(peer_tx, buf, &len), srtp_err_status_ok);
	m = run1(frame, dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10",
				 4000, "10.0.0.1", p[0].rtp, buf,
				 (uint32_t)len));
	assert_non_null(m);
	out = payload_of(m, &olen);
	assert_int_equal(olen, len);
	assert_memory_equal(out, buf, (size_t)len);
	rte_pktmbuf_free(m);
	srtp_dealloc(peer_tx);
	assert_int_equal(dp_session_delete(lc.sessions, 3), 0);
}

/* Without an engine, a session with keys is refused, never relayed as
 * plain. */
static void
test_keys_without_engine(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "192.0.2.10", 4000, 1, 2);
	leg_set(&ms.leg[1], "10.0.0.50", 6000, 0, 0);
	lc.sessions->srtp = NULL;
	assert_int_equal(dp_session_create(lc.sessions, 4, &ms, lc.now_ns, p),
			 -ENOTSUP);
	lc.sessions->srtp = engine;
	assert_int_equal(lc.sessions->count, 0);
	assert_int_equal(lc.sessions->ports_in_use, 0);
}

/* With every context index below 65 536 taken, a session still gets its
 * contexts (at 65 536 and up) and relays SRTP through them. */
static void
test_srtp_contexts_past_16_bits(void **state)
{
	struct dp_srtp_ctx_params cp = {
		.dir = DP_SRTP_DIR_UNPROTECT,
		.flags = DP_SRTP_F_SSRC_ANY | DP_SRTP_F_NO_RTCP,
	};
	struct dp_srtp_key k;
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t rtp[256], buf[256], frame[512];
	const struct dp_session *s;
	const uint8_t *out;
	struct rte_mbuf *m;
	srtp_t peer_tx;
	uint32_t i, olen;
	int len, rl, idx;

	(void)state;
	for (i = 0; i < FILL_CTX; i++) {
		memset(&k, 0, sizeof(k));
		k.suite = DP_SRTP_AES_CM_128_HMAC_SHA1_80;
		k.master_key[0] = (uint8_t)i;
		k.master_key[1] = (uint8_t)(i >> 8);
		idx = dp_srtp_ctx_create(engine, &cp, &k);
		assert_int_equal(idx, (int)i);
	}
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "192.0.2.10", 4000, 1, 2);
	leg_set(&ms.leg[1], "10.0.0.50", 6000, 0, 0);
	assert_int_equal(dp_session_create(lc.sessions, 5, &ms, lc.now_ns, p),
			 0);
	s = dp_session_find(lc.sessions, 5);
	assert_non_null(s);
	assert_true(s->leg[0].srtp_slot[0] >= FILL_CTX);
	assert_true(s->leg[0].srtp_slot[1] >= FILL_CTX);
	assert_int_not_equal(s->leg[0].srtp_slot[0], s->leg[0].srtp_slot[1]);

	peer_tx = peer_session(&ms.leg[0].srtp_in, true);
	rl = (int)dpt_rtp(rtp, 7, 160);
	memcpy(buf, rtp, (size_t)rl);
	len = rl;
	assert_int_equal(srtp_protect(peer_tx, buf, &len), srtp_err_status_ok);
	m = run1(frame, dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10",
				 4000, "10.0.0.1", p[0].rtp, buf,
				 (uint32_t)len));
	assert_non_null(m);
	out = payload_of(m, &olen);
	assert_int_equal(olen, rl);
	assert_memory_equal(out, rtp, (size_t)rl);
	rte_pktmbuf_free(m);
	srtp_dealloc(peer_tx);
	assert_int_equal(dp_session_delete(lc.sessions, 5), 0);
	for (i = 0; i < FILL_CTX; i++)
		dp_srtp_ctx_destroy(engine, i);
	assert_int_equal(dp_srtp_worker_stats(engine)->ctx_created -
			 dp_srtp_worker_stats(engine)->ctx_destroyed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srtp_to_plain_and_back),
		cmocka_unit_test(test_srtp_auth_and_replay),
		cmocka_unit_test(test_srtp_passthrough),
		cmocka_unit_test(test_keys_without_engine),
		cmocka_unit_test(test_srtp_contexts_past_16_bits),
	};

	if (dpt_eal_init("dgdp-unit-srtp") != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
