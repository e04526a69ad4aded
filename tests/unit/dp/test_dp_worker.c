/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's burst processing on crafted mbufs: relay rewrite (addresses,
 * ports, MACs, checksums checked by independent code), latching and the
 * RTP Bleed rules, SDP preference, strict source, RTCP and rtcp-mux, every
 * drop reason, exception hand-off, control commands through real dg rings
 * and media timeouts on an injected clock.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ring.h>

#include "dp_test_util.h"

#define S 1000000000ull

static const uint8_t port_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x50 };

static struct dp_net net;
static struct dp_lcore lc;
static struct rte_ring *exc;
static void *cmd_mem, *evt_mem;
static struct dg_ring_ref cli_cmd, cli_evt;

#define RING_SLOTS 16u

static int
setup(void **state)
{
	struct dp_session_conf sc;
	size_t rb = dg_ring_bytes(RING_SLOTS, DG_MSG_SIZE);
	int i;

	(void)state;
	memset(&net, 0, sizeof(net));
	memcpy(net.port_mac, port_mac, 6);
	net.addr_count = 2;
	net.addrs[0].family = 4;
	net.addrs[0].prefix = 24;
	inet_pton(AF_INET, "10.0.0.1", net.addrs[0].addr);
	net.addrs[1].family = 6;
	net.addrs[1].prefix = 64;
	inet_pton(AF_INET6, "fd00::1", net.addrs[1].addr);
	for (i = 0; i < 6; i++)
		net.gw_mac4 |= (uint64_t)gw_mac[i] << (8 * i);
	net.gw_mac6 = net.gw_mac4;
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 64;
	sc.port_first = 20000;
	sc.port_last = 20999;
	sc.addr_count = net.addr_count;
	memcpy(sc.addrs, net.addrs, sizeof(sc.addrs));
	sc.latch_window_s = 3;
	sc.socket_id = SOCKET_ID_ANY;
	memset(&lc, 0, sizeof(lc));
	if (dp_session_table_create(&lc.sessions, &sc) != 0)
		return -1;
	lc.net = &net;
	exc = rte_ring_create("dpt_exc", 64, SOCKET_ID_ANY,
			      RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (exc == NULL)
		return -1;
	lc.exc_ring = exc;
	lc.latch_quiet_ns = 500000000ull;
	/* No time limit on control work unless a test sets one. */
	lc.ctrl_budget_cycles = UINT64_MAX;
	lc.ctrl_deadline = UINT64_MAX;
	lc.now_ns = 100 * S;
	cmd_mem = aligned_alloc(64, rb);
	evt_mem = aligned_alloc(64, rb);
	if (cmd_mem == NULL || evt_mem == NULL ||
	    dg_ring_init(cmd_mem, rb, 0, RING_SLOTS, DG_MSG_SIZE) != 0 ||
	    dg_ring_init(evt_mem, rb, 0, RING_SLOTS, DG_MSG_SIZE) != 0 ||
	    dg_ring_attach(&lc.cmd, cmd_mem, rb, 0, DG_MSG_SIZE) != 0 ||
	    dg_ring_attach(&lc.evt, evt_mem, rb, 0, DG_MSG_SIZE) != 0 ||
	    dg_ring_attach(&cli_cmd, cmd_mem, rb, 0, DG_MSG_SIZE) != 0 ||
	    dg_ring_attach(&cli_evt, evt_mem, rb, 0, DG_MSG_SIZE) != 0)
		return -1;
	lc.ctrl_on = true;
	return 0;
}

static int
teardown(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	while (rte_ring_dequeue(exc, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(exc);
	while (lc.tx_n > 0)
		rte_pktmbuf_free(lc.tx[--lc.tx_n]);
	dp_session_table_free(lc.sessions);
	free(cmd_mem);
	free(evt_mem);
	return 0;
}

static void
leg_set(struct dg_msg_leg *l, const char *relay, const char *peer,
		uint16_t pport, uint32_t flags)
{
	int af = strchr(relay, ':') ? AF_INET6 : AF_INET;

	memset(l, 0, sizeof(*l));
	l->relay_family = af == AF_INET ? DG_AF_INET : DG_AF_INET6;
	inet_pton(af, relay, l->relay_addr);
	if (peer != NULL) {
		l->peer_family = l->relay_family;
		inet_pton(af, peer, l->peer_addr);
		l->peer_rtp_port = pport;
	}
	l->flags = flags;
}

/* A session 10.0.0.1: leg 0 peer 192.0.2.10:4000 (off-link), leg 1 peer
 * 10.0.0.50:6000 (on-link). */
static struct dp_session *
mk_session(uint64_t id, uint32_t f0, uint32_t f1, struct dg_msg_ports p[2])
{
	struct dg_msg_session ms;

	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "10.0.0.1", "192.0.2.10", 4000, f0);
	leg_set(&ms.leg[1], "10.0.0.1", "10.0.0.50", 6000, f1);
	ms.timeout_start_s = 30;
	ms.timeout_stop_s = 10;
	assert_int_equal(dp_session_create(lc.sessions, id, &ms, lc.now_ns,
					   p), 0);
	return dp_session_find(lc.sessions, id);
}

/* Run one frame through the worker; returns the relayed mbuf or NULL. */
static struct rte_mbuf *
run1(const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = dpt_mbuf(frame, len);
	uint16_t before = lc.tx_n;

	assert_non_null(m);
	dp_worker_burst(&lc, &m, 1);
	if (lc.tx_n == before)
		return NULL;
	assert_int_equal(lc.tx_n, before + 1);
	return lc.tx[--lc.tx_n];
}

static struct rte_mbuf *
send_rtp(const char *src, uint16_t sport, uint16_t dport, uint16_t seq)
{
	uint8_t frame[256], rtp[64];
	uint32_t rl = dpt_rtp(rtp, seq, 20);
	uint32_t len = dpt_udp4(frame, peer_mac, port_mac, src, sport,
				"10.0.0.1", dport, rtp, rl);

	return run1(frame, len);
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
check_out4(struct rte_mbuf *m, const uint8_t *dmac, const char *src,
		uint16_t sport, const char *dst, uint16_t dport, uint16_t seq)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t a[4], rtp[64];

	assert_memory_equal(p, dmac, 6);
	assert_memory_equal(p + 6, port_mac, 6);
	inet_pton(AF_INET, src, a);
	assert_memory_equal(p + 26, a, 4);
	inet_pton(AF_INET, dst, a);
	assert_memory_equal(p + 30, a, 4);
	assert_int_equal(p[22], 64);
	assert_int_equal(be16(p + 34), sport);
	assert_int_equal(be16(p + 36), dport);
	assert_true(dpt_udp_csum_ok(p, m->data_len));
	dpt_rtp(rtp, seq, 20);
	assert_memory_equal(p + 42, rtp, 32);
}

/* RTP from leg 0's peer leaves from leg 1's relay port to leg 1's peer with
 * both checksums right; the answer goes back the same way. */
static void
test_relay_rewrite(void **state)
{
	struct dg_msg_ports p[2];
	struct rte_mbuf *m;
	struct dp_session *s;

	(void)state;
	s = mk_session(1, 0, 0, p);
	assert_int_equal(p[0].rtp % 2, 0);
	assert_int_equal(p[0].rtcp, p[0].rtp + 1);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 7);
	assert_non_null(m);
	check_out4(m, gw_mac, "10.0.0.1", p[1].rtp, "10.0.0.50", 6000, 7);
	rte_pktmbuf_free(m);
	/* The on-link peer answers: its own MAC is learnt for replies toward
	 * it, leg 0's off-link peer is reached through the gateway. */
	m = send_rtp("10.0.0.50", 6000, p[1].rtp, 8);
	assert_non_null(m);
	check_out4(m, gw_mac, "10.0.0.1", p[0].rtp, "192.0.2.10", 4000, 8);
	rte_pktmbuf_free(m);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 9);
	assert_non_null(m);
	check_out4(m, peer_mac, "10.0.0.1", p[1].rtp, "10.0.0.50", 6000, 9);
	rte_pktmbuf_free(m);
	assert_int_equal(s->leg[0].rx_pkts, 2);
	assert_int_equal(s->leg[1].tx_pkts, 2);
	assert_int_equal(s->leg[0].rx_bytes, 64);
	assert_int_equal(dp_session_delete(lc.sessions, 1), 0);
}

/* A zero UDP checksum on IPv4 is accepted and stays zero. */
static void
test_zero_udp_csum(void **state)
{
	struct dg_msg_ports p[2];
	uint8_t frame[256], rtp[64];
	struct rte_mbuf *m;
	uint32_t len;

	(void)state;
	mk_session(2, 0, 0, p);
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, dpt_rtp(rtp, 1, 20));
	frame[40] = 0;
	frame[41] = 0;
	m = run1(frame, len);
	assert_non_null(m);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 40), 0);
	assert_true(dpt_udp_csum_ok(rte_pktmbuf_mtod(m, uint8_t *),
				    m->data_len));
	rte_pktmbuf_free(m);
	assert_int_equal(dp_session_delete(lc.sessions, 2), 0);
}

/* IPv6 legs are relayed with a valid UDP checksum. */
static void
test_relay_ipv6(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t frame[256], rtp[64], a[16];
	struct rte_mbuf *m;
	const uint8_t *o;
	uint32_t len;

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "fd00::1", "2001:db8::10", 4000, 0);
	leg_set(&ms.leg[1], "fd00::1", "2001:db8::20", 5000, 0);
	assert_int_equal(dp_session_create(lc.sessions, 3, &ms, lc.now_ns, p),
			 0);
	len = dpt_udp6(frame, peer_mac, port_mac, "2001:db8::10", 4000,
		       "fd00::1", p[0].rtp, rtp, dpt_rtp(rtp, 5, 20));
	m = run1(frame, len);
	assert_non_null(m);
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	inet_pton(AF_INET6, "2001:db8::20", a);
	assert_memory_equal(o + 38, a, 16);
	assert_int_equal(be16(o + 54), p[1].rtp);
	assert_int_equal(be16(o + 56), 5000);
	assert_true(dpt_udp_csum_ok(o, m->data_len));
	rte_pktmbuf_free(m);
	assert_int_equal(dp_session_delete(lc.sessions, 3), 0);
}

/* Legs of different families: IPv4 in, IPv6 out and back, payload and
 * ports intact, checksums valid (computed where IPv4 had none). */
static void
test_relay_v4_v6(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t frame[256], rtp[64], a[16];
	struct rte_mbuf *m;
	const uint8_t *o;
	uint32_t len, rl = dpt_rtp(rtp, 11, 20);

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "10.0.0.1", "192.0.2.10", 4000, 0);
	leg_set(&ms.leg[1], "fd00::1", "2001:db8::20", 5000, 0);
	assert_int_equal(dp_session_create(lc.sessions, 30, &ms, lc.now_ns, p),
			 0);
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, rl);
	frame[15] = 0xb8;	/* DSCP EF */
	frame[24] = 0;
	frame[25] = 0;
	{
		uint32_t sum = 0, i;

		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)(frame[14 + i] << 8 | frame[15 + i]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		frame[24] = (uint8_t)(~sum >> 8);
		frame[25] = (uint8_t)~sum;
	}
	m = run1(frame, len);
	assert_non_null(m);
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(m->data_len, 14 + 40 + 8 + rl);
	assert_int_equal(be16(o + 12), 0x86dd);
	assert_int_equal(o[14] >> 4, 6);
	assert_int_equal((o[14] & 0x0f) << 4 | o[15] >> 4, 0xb8);
	inet_pton(AF_INET6, "fd00::1", a);
	assert_memory_equal(o + 22, a, 16);
	inet_pton(AF_INET6, "2001:db8::20", a);
	assert_memory_equal(o + 38, a, 16);
	assert_int_equal(be16(o + 54), p[1].rtp);
	assert_int_equal(be16(o + 56), 5000);
	assert_memory_equal(o + 62, rtp, rl);
	assert_true(dpt_udp_csum_ok(o, m->data_len));
	rte_pktmbuf_free(m);
	/* And back: IPv6 in, IPv4 out. */
	len = dpt_udp6(frame, peer_mac, port_mac, "2001:db8::20", 5000,
		       "fd00::1", p[1].rtp, rtp, rl);
	m = run1(frame, len);
	assert_non_null(m);
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(m->data_len, 14 + 20 + 8 + rl);
	check_out4(m, gw_mac, "10.0.0.1", p[0].rtp, "192.0.2.10", 4000, 11);
	assert_int_equal(be16(o + 16), 20 + 8 + rl);
	rte_pktmbuf_free(m);
	/* IPv4 without a UDP checksum becomes IPv6 with one. */
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, rl);
	frame[40] = 0;
	frame[41] = 0;
	m = run1(frame, len);
	assert_non_null(m);
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_not_equal(be16(o + 60), 0);
	assert_true(dpt_udp_csum_ok(o, m->data_len));
	rte_pktmbuf_free(m);
	assert_int_equal(dp_session_delete(lc.sessions, 30), 0);
}

/* Latching with the window: a NAT'd peer is learnt, a stranger cannot take
 * the stream while the peer sends, can after it stopped inside the window,
 * and cannot once the window closed. */
static void
test_latch_stranger(void **state)
{
	struct dg_msg_ports p[2];
	struct dp_session *s;
	struct rte_mbuf *m;

	(void)state;
	s = mk_session(4, DG_LEG_F_LATCH_WINDOW, 0, p);
	/* NAT: not the SDP address, first packet inside the window. */
	m = send_rtp("198.51.100.7", 30000, p[0].rtp, 1);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_true(s->leg[0].state & DP_LEG_S_LATCHED_RTP);
	/* Stranger while the peer is sending (same instant): refused. */
	assert_null(send_rtp("203.0.113.66", 40000, p[0].rtp, 2));
	assert_int_equal(lc.sessions->drops[dp_session_index(lc.sessions,
			 s)].leg[0][DG_LEG_DROP_SOURCE], 1);
	/* The return direction still goes to the latched peer. */
	m = send_rtp("10.0.0.50", 6000, p[1].rtp, 3);
	assert_non_null(m);
	check_out4(m, gw_mac, "10.0.0.1", p[0].rtp, "198.51.100.7", 30000, 3);
	rte_pktmbuf_free(m);
	/* Peer silent for a second, still inside the 3 s window: taken. */
	lc.now_ns += 1 * S;
	m = send_rtp("203.0.113.66", 40000, p[0].rtp, 4);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	m = send_rtp("10.0.0.50", 6000, p[1].rtp, 5);
	assert_non_null(m);
	check_out4(m, gw_mac, "10.0.0.1", p[0].rtp, "203.0.113.66", 40000, 5);
	rte_pktmbuf_free(m);
	/* Window closed, peer silent: a stranger is still refused. */
	lc.now_ns += 5 * S;
	assert_null(send_rtp("198.51.100.99", 1234, p[0].rtp, 6));
	assert_int_equal(lc.st.drops[DP_DROP_SOURCE], 2);
	assert_int_equal(dp_session_delete(lc.sessions, 4), 0);
}

/* Without a window, a stranger takes over only after the peer went quiet. */
static void
test_latch_no_window(void **state)
{
	struct dg_msg_ports p[2];
	struct rte_mbuf *m;

	(void)state;
	mk_session(5, 0, 0, p);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 1);
	rte_pktmbuf_free(m);
	lc.now_ns += 100000000ull;
	assert_null(send_rtp("203.0.113.1", 999, p[0].rtp, 2));
	lc.now_ns += 60 * S;
	m = send_rtp("203.0.113.1", 999, p[0].rtp, 3);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_int_equal(dp_session_delete(lc.sessions, 5), 0);
}

/* The SDP address always wins, even outside the window and while the
 * latched NAT address is sending. */
static void
test_sdp_preferred(void **state)
{
	struct dg_msg_ports p[2];
	struct rte_mbuf *m;

	(void)state;
	mk_session(6, DG_LEG_F_LATCH_WINDOW, 0, p);
	m = send_rtp("198.51.100.7", 30000, p[0].rtp, 1);
	rte_pktmbuf_free(m);
	lc.now_ns += 10 * S;
	m = send_rtp("198.51.100.7", 30000, p[0].rtp, 2);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 3);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	m = send_rtp("10.0.0.50", 6000, p[1].rtp, 4);
	check_out4(m, gw_mac, "10.0.0.1", p[0].rtp, "192.0.2.10", 4000, 4);
	rte_pktmbuf_free(m);
	/* And the old NAT address is now the stranger. */
	assert_null(send_rtp("198.51.100.7", 30000, p[0].rtp, 5));
	assert_int_equal(dp_session_delete(lc.sessions, 6), 0);
}

/* Strict source: only the SDP address and port, never latched elsewhere. */
static void
test_strict_source(void **state)
{
	struct dg_msg_ports p[2];
	struct rte_mbuf *m;

	(void)state;
	mk_session(7, DG_LEG_F_STRICT_SOURCE, 0, p);
	assert_null(send_rtp("198.51.100.7", 30000, p[0].rtp, 1));
	assert_null(send_rtp("192.0.2.10", 4001, p[0].rtp, 2));
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 3);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_int_equal(dp_session_delete(lc.sessions, 7), 0);
}

static uint32_t
rtcp_rr(uint8_t *b)
{
	memset(b, 0, 8);
	b[0] = 0x80;
	b[1] = 201;
	b[3] = 1;
	return 8;
}

/* RTCP on the RTCP port goes to the peer's RTCP port from ours; on an
 * rtcp-mux leg RTCP and RTP share one port and are told apart by type. */
static void
test_rtcp_and_mux(void **state)
{
	struct dg_msg_ports p[2];
	uint8_t frame[256], b[64];
	struct rte_mbuf *m;
	uint32_t len;

	(void)state;
	mk_session(8, 0, 0, p);
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4001,
		       "10.0.0.1", p[0].rtcp, b, rtcp_rr(b));
	m = run1(frame, len);
	assert_non_null(m);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 34), p[1].rtcp);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 36), 6001);
	rte_pktmbuf_free(m);
	/* RTP on the RTCP port fails the RTCP check. */
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4001,
		       "10.0.0.1", p[0].rtcp, b, dpt_rtp(b, 1, 20));
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_RTCP_TYPE], 1);
	assert_int_equal(dp_session_delete(lc.sessions, 8), 0);

	mk_session(9, DG_LEG_F_RTCP_MUX, DG_LEG_F_RTCP_MUX, p);
	assert_int_equal(p[0].rtp, p[0].rtcp);
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, b, rtcp_rr(b));
	m = run1(frame, len);
	assert_non_null(m);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 34), p[1].rtp);
	assert_int_equal(be16(rte_pktmbuf_mtod(m, uint8_t *) + 36), 6000);
	rte_pktmbuf_free(m);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 1);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	/* A mux'd "RTCP" with a bad length is dropped as RTCP. */
	b[3] = 9;
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, b, 8);
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_RTCP_LENGTH], 1);
	assert_int_equal(dp_session_delete(lc.sessions, 9), 0);
}

struct bad_case {
	const char *name;
	uint8_t payload[32];
	uint32_t len;
	bool rtcp;
	enum dp_drop reason;
};

/* Every malformed RTP/RTCP packet is dropped and counted by its reason,
 * per worker and per session leg. */
static void
test_malformed_reasons(void **state)
{
	static const struct bad_case cases[] = {
		{ "short", { 0x80, 0 }, 11, false, DP_DROP_RTP_SHORT },
		{ "version", { 0x40, 0 }, 12, false, DP_DROP_RTP_VERSION },
		{ "csrc", { 0x82, 0 }, 16, false, DP_DROP_RTP_SHORT },
		{ "ext", { 0x90, 0, [12] = 0xbe, 0xde, 0, 2 }, 20, false,
		  DP_DROP_RTP_EXTENSION },
		{ "ext_hdr", { 0x90, 0 }, 14, false, DP_DROP_RTP_EXTENSION },
		{ "pad0", { 0xa0, 0, [15] = 0 }, 16, false,
		  DP_DROP_RTP_PADDING },
		{ "padbig", { 0xa0, 0, [15] = 9 }, 16, false,
		  DP_DROP_RTP_PADDING },
		{ "rtcp_short", { 0x80, 201 }, 3, true, DP_DROP_RTCP_SHORT },
		{ "rtcp_ver", { 0x40, 201, 0, 1 }, 8, true,
		  DP_DROP_RTCP_VERSION },
		{ "rtcp_type", { 0x80, 100, 0, 1 }, 8, true, DP_DROP_RTCP_TYPE },
		{ "rtcp_len", { 0x80, 201, 0, 2 }, 8, true,
		  DP_DROP_RTCP_LENGTH },
		{ "rtcp_tail", { 0x80, 201, 0, 1, [8] = 0x80, 202 }, 10, true,
		  DP_DROP_RTCP_LENGTH },
		{ "rtcp_pad_mid", { 0xa0, 201, 0, 1, [7] = 4, [8] = 0x80, 202,
		  0, 0 }, 12, true, DP_DROP_RTCP_PADDING },
		{ "rtcp_pad_cnt", { 0xa0, 201, 0, 1, [7] = 5 }, 8, true,
		  DP_DROP_RTCP_PADDING },
	};
	struct dg_msg_ports p[2];
	uint8_t frame[256];
	struct dp_session *s;
	uint32_t len, i, rec;

	(void)state;
	s = mk_session(10, 0, 0, p);
	rec = dp_session_index(lc.sessions, s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10",
			       cases[i].rtcp ? 4001 : 4000, "10.0.0.1",
			       cases[i].rtcp ? p[0].rtcp : p[0].rtp,
			       cases[i].payload, cases[i].len);
		memset(lc.st.drops, 0, sizeof(lc.st.drops));
		assert_null(run1(frame, len));
		if (lc.st.drops[cases[i].reason] != 1)
			fail_msg("case %s: not counted as %s", cases[i].name,
				 dp_drop_name(cases[i].reason));
	}
	assert_int_equal(lc.sessions->drops[rec].leg[0][DG_LEG_DROP_MALFORMED],
			 sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(s->leg[0].rx_pkts, 0);
	assert_int_equal(dp_session_delete(lc.sessions, 10), 0);
}

/* Broken IP/UDP headers and packets for nobody are dropped by reason;
 * non-media goes to the exception ring. */
static void
test_l3_reasons_and_exceptions(void **state)
{
	struct dg_msg_ports p[2];
	uint8_t frame[256], rtp[64];
	struct rte_mbuf *m;
	uint32_t len, rl = dpt_rtp(rtp, 1, 20);
	unsigned int before;

	(void)state;
	mk_session(11, 0, 0, p);
	memset(lc.st.drops, 0, sizeof(lc.st.drops));
	/* Bad IPv4 header checksum. */
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, rl);
	frame[24] ^= 0xff;
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_IP_HEADER], 1);
	/* UDP length beyond the IP payload. */
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, rl);
	frame[38] = 0x0f;
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_UDP_LENGTH], 1);
	/* A relay port of this worker without a session. */
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", 20998, rtp, rl);
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_NO_SESSION], 1);
	/* SIP to the relay address, and UDP to another address: kernel. */
	before = rte_ring_count(exc);
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 5060,
		       "10.0.0.1", 5060, rtp, rl);
	assert_null(run1(frame, len));
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.9", p[0].rtp, rtp, rl);
	assert_null(run1(frame, len));
	assert_int_equal(rte_ring_count(exc), before + 2);
	while (rte_ring_dequeue(exc, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	/* No peer known on the egress leg yet: NO_PEER. */
	assert_int_equal(dp_session_delete(lc.sessions, 11), 0);
	{
		struct dg_msg_session ms;

		memset(&ms, 0, sizeof(ms));
		leg_set(&ms.leg[0], "10.0.0.1", "192.0.2.10", 4000, 0);
		leg_set(&ms.leg[1], "10.0.0.1", NULL, 0, 0);
		assert_int_equal(dp_session_create(lc.sessions, 12, &ms,
						   lc.now_ns, p), 0);
	}
	len = dpt_udp4(frame, peer_mac, port_mac, "192.0.2.10", 4000,
		       "10.0.0.1", p[0].rtp, rtp, rl);
	assert_null(run1(frame, len));
	assert_int_equal(lc.st.drops[DP_DROP_NO_PEER], 1);
	assert_int_equal(dp_session_delete(lc.sessions, 12), 0);
}

static void
cmd_send(uint16_t type, uint64_t id, uint32_t seq,
		const struct dg_msg_session *body)
{
	struct dg_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = type;
	msg.hdr.seq = seq;
	msg.hdr.session_id = id;
	if (body != NULL)
		msg.u.session = *body;
	assert_int_equal(dg_ring_enqueue_burst(&cli_cmd, &msg, 1), 1);
}

static void
evt_get(struct dg_msg *msg)
{
	assert_int_equal(dg_ring_dequeue_burst(&cli_evt, msg, 1), 1);
}

/* Commands through the rings: create returns the ports, a duplicate is
 * refused, query returns stats then ACK, delete, unknown type. */
static void
test_ctrl_commands(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg ev;

	(void)state;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "10.0.0.1", "192.0.2.10", 4000, 0);
	leg_set(&ms.leg[1], "10.0.0.1", "10.0.0.50", 6000, 0);
	cmd_send(DG_MSG_SESSION_CREATE, 77, 1, &ms);
	cmd_send(DG_MSG_SESSION_CREATE, 77, 2, &ms);
	cmd_send(DG_MSG_SESSION_QUERY, 77, 3, NULL);
	cmd_send(DG_MSG_SESSION_DELETE, 77, 4, NULL);
	cmd_send(DG_MSG_SESSION_DELETE, 77, 5, NULL);
	cmd_send(200, 1, 6, NULL);
	leg_set(&ms.leg[1], "10.0.0.2", NULL, 0, 0);
	cmd_send(DG_MSG_SESSION_CREATE, 78, 7, &ms);
	dp_ctrl_poll(&lc);
	evt_get(&ev);
	assert_int_equal(ev.hdr.type, DG_MSG_ACK);
	assert_int_equal(ev.hdr.seq, 1);
	assert_int_equal(ev.u.ack.status, 0);
	assert_true(ev.u.ack.leg[0].rtp >= 20000 && ev.u.ack.leg[0].rtp < 21000);
	assert_int_equal(ev.u.ack.leg[1].rtcp, ev.u.ack.leg[1].rtp + 1);
	evt_get(&ev);
	assert_int_equal(ev.u.ack.status, -EEXIST);
	evt_get(&ev);
	assert_int_equal(ev.hdr.type, DG_MSG_SESSION_STATS);
	assert_int_equal(ev.hdr.seq, 3);
	assert_int_equal(ev.u.stats.leg[1].peer_port, 6000);
	evt_get(&ev);
	assert_int_equal(ev.hdr.type, DG_MSG_ACK);
	assert_int_equal(ev.u.ack.count, 1);
	evt_get(&ev);
	assert_int_equal(ev.u.ack.status, 0);
	evt_get(&ev);
	assert_int_equal(ev.u.ack.status, -ENOENT);
	evt_get(&ev);
	assert_int_equal(ev.u.ack.status, -ENOTSUP);
	evt_get(&ev);
	assert_int_equal(ev.u.ack.status, -EADDRNOTAVAIL);
	assert_int_equal(lc.sessions->count, 0);
}

/* A STATS_REQUEST for all sessions larger than the event ring is answered
 * completely over several polls, then ACKed with the count. */
static void
test_ctrl_stats_all(void **state)
{
	struct dg_msg_ports p[2];
	struct dg_msg ev;
	uint32_t i, stats = 0;
	bool acked = false;

	(void)state;
	for (i = 0; i < 40; i++)
		mk_session(1000 + i, 0, 0, p);
	cmd_send(DG_MSG_STATS_REQUEST, 0, 9, NULL);
	for (i = 0; i < 20 && !acked; i++) {
		dp_ctrl_poll(&lc);
		while (dg_ring_dequeue_burst(&cli_evt, &ev, 1) == 1) {
			assert_int_equal(ev.hdr.seq, 9);
			if (ev.hdr.type == DG_MSG_ACK) {
				assert_int_equal(ev.u.ack.count, 40);
				acked = true;
			} else {
				stats++;
			}
		}
	}
	assert_true(acked);
	assert_int_equal(stats, 40);
	assert_int_equal(dp_session_flush(lc.sessions), 40);
}

/* FLUSH on a large table is carried out a bounded number of records per
 * poll (the burst loop never stalls), then ACKed with the count. */
static void
test_ctrl_flush_bounded(void **state)
{
	struct dp_session_table *small = lc.sessions, *big;
	struct dp_session_conf sc;
	struct dg_msg_ports p[2];
	struct dg_msg ev;
	uint32_t polls = 0;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 4 * DP_WALK_BUDGET;
	sc.port_first = 20000;
	sc.port_last = 20999;
	sc.addr_count = net.addr_count;
	memcpy(sc.addrs, net.addrs, sizeof(sc.addrs));
	sc.socket_id = SOCKET_ID_ANY;
	assert_int_equal(dp_session_table_create(&big, &sc), 0);
	lc.sessions = big;
	mk_session(50, 0, 0, p);
	mk_session(51, 0, 0, p);
	cmd_send(DG_MSG_FLUSH, 0, 12, NULL);
	do {
		dp_ctrl_poll(&lc);
		polls++;
	} while (dg_ring_count(&cli_evt) == 0 && polls < 10);
	assert_int_equal(polls, 4);
	evt_get(&ev);
	assert_int_equal(ev.hdr.type, DG_MSG_ACK);
	assert_int_equal(ev.hdr.seq, 12);
	assert_int_equal(ev.u.ack.cmd_type, DG_MSG_FLUSH);
	assert_int_equal(ev.u.ack.count, 2);
	assert_int_equal(big->count, 0);
	assert_int_equal(big->ports_in_use, 0);
	lc.sessions = small;
	dp_session_table_free(big);
}

/* A tick whose control time is spent starts nothing more: one command per
 * poll, one FLUSH deletion per poll (each may cost tens of milliseconds
 * with libsrtp2), one timeout deletion per scan; everything is still done
 * and answered in order over the following ticks. */
static void
test_ctrl_time_budget(void **state)
{
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	struct dg_msg ev;
	uint32_t i, polls = 0;

	(void)state;
	lc.ctrl_budget_cycles = 0;
	memset(&ms, 0, sizeof(ms));
	leg_set(&ms.leg[0], "10.0.0.1", "192.0.2.10", 4000, 0);
	leg_set(&ms.leg[1], "10.0.0.1", "10.0.0.50", 6000, 0);
	for (i = 0; i < 3; i++)
		cmd_send(DG_MSG_SESSION_CREATE, 90 + i, 20 + i, &ms);
	for (i = 0; i < 3; i++) {
		dp_ctrl_poll(&lc);
		assert_int_equal(dg_ring_count(&cli_evt), 1);
		evt_get(&ev);
		assert_int_equal(ev.hdr.seq, 20 + i);
		assert_int_equal(ev.u.ack.status, 0);
		assert_int_equal(lc.sessions->count, i + 1);
	}
	cmd_send(DG_MSG_FLUSH, 0, 30, NULL);
	cmd_send(DG_MSG_SESSION_QUERY, 90, 31, NULL);
	do {
		i = lc.sessions->count;
		dp_ctrl_poll(&lc);
		polls++;
		assert_true(i - lc.sessions->count <= 1);
	} while (dg_ring_count(&cli_evt) == 0 && polls < 10);
	assert_true(polls >= 3);
	assert_int_equal(lc.sessions->count, 0);
	evt_get(&ev);
	assert_int_equal(ev.hdr.seq, 30);
	assert_int_equal(ev.u.ack.count, 3);
	/* The command behind the FLUSH waited for it. */
	dp_ctrl_poll(&lc);
	evt_get(&ev);
	assert_int_equal(ev.hdr.seq, 31);
	assert_int_equal(ev.u.ack.status, -ENOENT);

	/* Two sessions timed out: one deletion per spent scan. */
	mk_session(95, 0, 0, p);
	mk_session(96, 0, 0, p);
	lc.now_ns += 31 * S;
	lc.ctrl_deadline = 0;
	for (i = 0; i < 64 && lc.sessions->count == 2; i++)
		dp_timeout_scan(&lc, DP_TIMEOUT_BUDGET);
	assert_int_equal(lc.sessions->count, 1);
	for (i = 0; i < 64 && lc.sessions->count == 1; i++)
		dp_timeout_scan(&lc, DP_TIMEOUT_BUDGET);
	assert_int_equal(lc.sessions->count, 0);
	while (dg_ring_dequeue_burst(&cli_evt, &ev, 1) == 1)
		assert_int_equal(ev.hdr.type, DG_MSG_MEDIA_TIMEOUT);
	lc.ctrl_budget_cycles = UINT64_MAX;
	lc.ctrl_deadline = UINT64_MAX;
}

/* Timeouts on the injected clock: never-started and stopped media are
 * reported once with their reason and the session is gone. */
static void
test_timeouts(void **state)
{
	struct dg_msg_ports p[2];
	struct rte_mbuf *m;
	struct dg_msg ev;
	uint32_t i;

	(void)state;
	lc.now_ns = 1000 * S;
	mk_session(20, 0, 0, p);	/* start 30 s, stop 10 s */
	mk_session(21, 0, 0, p);
	m = send_rtp("192.0.2.10", 4000, p[0].rtp, 1);
	rte_pktmbuf_free(m);
	lc.now_ns += 9 * S;
	for (i = 0; i < 16; i++)
		dp_timeout_scan(&lc, DP_TIMEOUT_BUDGET);
	assert_int_equal(dg_ring_count(&cli_evt), 0);
	lc.now_ns += 2 * S;
	for (i = 0; i < 16; i++)
		dp_timeout_scan(&lc, DP_TIMEOUT_BUDGET);
	evt_get(&ev);
	assert_int_equal(ev.hdr.type, DG_MSG_MEDIA_TIMEOUT);
	assert_int_equal(ev.hdr.session_id, 21);
	assert_int_equal(ev.hdr.seq, 0);
	assert_int_equal(ev.u.stats.reason, DG_TIMEOUT_STOPPED);
	assert_int_equal(ev.u.stats.leg[0].rx_pkts, 1);
	assert_null(dp_session_find(lc.sessions, 21));
	assert_int_equal(dg_ring_count(&cli_evt), 0);
	lc.now_ns += 20 * S;
	for (i = 0; i < 16; i++)
		dp_timeout_scan(&lc, DP_TIMEOUT_BUDGET);
	evt_get(&ev);
	assert_int_equal(ev.hdr.session_id, 20);
	assert_int_equal(ev.u.stats.reason, DG_TIMEOUT_NEVER_STARTED);
	assert_int_equal(lc.sessions->count, 0);
	assert_int_equal(lc.st.timeouts, 2);
}

/* The shm statistics block gets the worker's counters, detailed drop
 * reasons folded into the ABI's (every RTP/RTCP reason is rtp_malformed). */
static void
test_stats_publish(void **state)
{
	struct dg_shm_worker_stats ws;
	struct dg_msg_ports p[2];
	uint64_t rtp_bad = 0;
	unsigned int r;

	(void)state;
	mk_session(60, 0, 0, p);
	memset(&ws, 0xa5, sizeof(ws));
	memset(lc.st.drops, 0, sizeof(lc.st.drops));
	for (r = 1; r < DP_DROP__COUNT; r++)
		lc.st.drops[r] = r;
	for (r = DP_DROP_RTP_SHORT; r <= DP_DROP_RTCP_PADDING; r++)
		rtp_bad += r;
	lc.st.rx_pkts = 1234;
	lc.shm_stats = &ws;
	dp_stats_publish(&lc);
	lc.shm_stats = NULL;
	assert_int_equal(ws.rx_pkts, 1234);
	assert_int_equal(ws.sessions_in_use, 1);
	assert_int_equal(ws.sessions_max, 64);
	assert_int_equal(ws.ports_in_use, 4);
	assert_int_equal(ws.drops[DG_DROP_RTP_MALFORMED], rtp_bad);
	assert_int_equal(ws.drops[DG_DROP_NO_SESSION], DP_DROP_NO_SESSION);
	assert_int_equal(ws.drops[DG_DROP_SOURCE], DP_DROP_SOURCE);
	assert_int_equal(ws.drops[DG_DROP_SRTP_AUTH], DP_DROP_SRTP_AUTH);
	assert_int_equal(ws.drops[DG_DROP_MALFORMED], DP_DROP_IP_HEADER +
			 DP_DROP_UDP_LENGTH + DP_DROP_UDP_CHECKSUM);
	assert_int_equal(ws.drops[DG_DROP_CRYPTO_FULL], 0);
	memset(lc.st.drops, 0, sizeof(lc.st.drops));
	assert_int_equal(dp_session_delete(lc.sessions, 60), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_rewrite),
		cmocka_unit_test(test_zero_udp_csum),
		cmocka_unit_test(test_relay_ipv6),
		cmocka_unit_test(test_relay_v4_v6),
		cmocka_unit_test(test_latch_stranger),
		cmocka_unit_test(test_latch_no_window),
		cmocka_unit_test(test_sdp_preferred),
		cmocka_unit_test(test_strict_source),
		cmocka_unit_test(test_rtcp_and_mux),
		cmocka_unit_test(test_malformed_reasons),
		cmocka_unit_test(test_l3_reasons_and_exceptions),
		cmocka_unit_test(test_ctrl_commands),
		cmocka_unit_test(test_ctrl_stats_all),
		cmocka_unit_test(test_ctrl_flush_bounded),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_ctrl_time_budget),
		cmocka_unit_test(test_stats_publish),
	};

	if (dpt_eal_init("dgdp-unit-worker") != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
