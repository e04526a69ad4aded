/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_pktgen: RTP load generator for drongo-dp, in the spirit of pktgen-dpdk
 * but knowing what a relay must do to each packet. In relay mode it creates
 * N sessions through dg_client (exactly as the control plane does, rtcp-mux
 * legs whose peers are learnt), latches both legs of every session, then
 * runs trials: RTP at a controlled rate, spread over all sessions and both
 * legs, each packet carrying the trial number, session, leg and the TSC at
 * send. Every packet that comes back is checked (it must come out of the
 * other leg's relay port toward the other leg's peer port, with a valid
 * IPv4 checksum) and its latency recorded. A binary search finds the
 * highest rate at which the generator could offer the load and less than
 * the loss limit was lost. In fwd mode the same trials run against dp_fwd
 * (packets come back untouched), the baseline of the same run.
 *
 *   dp_pktgen EAL-ARGS -- --mode relay|fwd [--instance N] [--sessions N]
 *       [--relay-ip A] [--gen-ip A] [--trial-ms MS] [--loss FRACTION]
 *       [--payload BYTES] [--budget-s S] [--rxq N] [--txq N]
 *       [--relay-ips N] [--latch-pps N]
 *
 * --relay-ips: session s uses relay address relay-ip + s % N on both legs
 * (a relay address has at most 16 k rtcp-mux sessions: one even port per
 * leg, both legs on it; 64 addresses hold 1 M).
 *
 * --rxq, --txq (default: --rxq): over memif, RX queues must equal the far
 * side's TX queues and TX queues its RX queues. DPDK 22.11's memif PMD does
 * not check: a queue the peer has no ring for keeps ring offset 0, which is
 * the first client-to-server ring, so a server transmitting on it writes
 * into the ring it receives from (packets come back twice, two producers
 * corrupt the ring); a client with more rings than the server has queues
 * is refused at connect ("Invalid ring index"). drongo-dp opens workers + 1
 * TX queues, and as many RX queues when the port has them (memif does),
 * else one. All RX queues are polled, only TX queue 0 sends.
 *
 * --latch-pps: pace of the latching rounds (default 50000); with a million
 * sessions one round at that pace takes 40 s.
 *
 * --srtp rtp2rtp|rtp2srtp|srtp2rtp|srtp2srtp [--suite 80|32|gcm]: one-way
 * runs for the SRTP rows. Every session is created with SRTP keys on the
 * legs the mode names (leg 0 is the ingress, leg 1 the egress; leg 1's peer
 * is given as from SDP, so only leg 0 is latched) and traffic is sent on
 * leg 0 only. An SRTP ingress is protected by the generator itself, per
 * packet, inside the timed loop, with the data plane's own engine
 * (dp_srtp, cryptodev backend on crypto_aesni_mb): replay protection forbids
 * replaying a pre-protected ring, and protecting a whole run ahead of time
 * would take gigabytes, so this costs the generator what unprotect costs
 * the relay (the ceiling_pps of the result says where that puts it). An
 * SRTP egress cannot be read back without unprotecting it: every packet is
 * checked for its headers, ports and exact length (plain + tag), the trial
 * it belongs to by its sequence number, and session 0's packets are
 * unprotected with the keys the relay was given (a packet that fails counts
 * as bad); latency then comes from session 0's packets only. rtp2rtp is
 * the plain relay under the same one-way load, the baseline of the rows.
 * --rate-max PPS starts the search there instead of at the flat-out rate.
 *
 * Output: key=value lines: "setup ...", one "trial ..." per trial, and one
 * "result ..." line at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dg_client.h"
#include "dp_srtp.h"

#define GEN_BURST 32u
#define GEN_RING 1024u
#define GEN_MBUFS 16383u
#define GEN_MAGIC 0x44475047u		/* "DGPG" */
#define GEN_HDRS (RTE_ETHER_HDR_LEN + 20 + 8)
#define GEN_RTP 12u
/* Latency histogram: 100 ns buckets to 1 ms, then 10 us buckets to 100 ms. */
#define GEN_H_FINE 10000u
#define GEN_H_COARSE 9900u
#define GEN_H_BUCKETS (GEN_H_FINE + GEN_H_COARSE + 1)

/* What follows the RTP header in every packet. */
struct gen_stamp {
	uint32_t magic;
	uint32_t trial;
	uint32_t session;
	uint32_t leg;
	uint64_t tsc;
} __attribute__((packed));

/* One-way SRTP runs: which legs carry SRTP (leg 0 in, leg 1 out). */
enum gen_srtp_mode {
	GEN_SRTP_OFF,			/* both legs plain, traffic both ways */
	GEN_SRTP_RTP2RTP,
	GEN_SRTP_RTP2SRTP,
	GEN_SRTP_SRTP2RTP,
	GEN_SRTP_SRTP2SRTP,
};

struct gen_opts {
	bool relay;
	enum gen_srtp_mode srtp;
	enum dp_srtp_suite suite;
	unsigned int instance;
	uint32_t sessions;
	uint32_t relay_ip;		/* network order: the first of */
	uint32_t relay_ips;		/* consecutive relay addresses */
	uint32_t gen_ip;
	unsigned int trial_ms;
	double loss;
	unsigned int payload;
	unsigned int budget_s;
	uint16_t rxq;			/* RX queues: the far side's TX queues */
	uint16_t txq;			/* TX queues: the far side's RX queues */
	double latch_pps;
	double rate_max;		/* search ceiling; 0: flat-out rate */
};

struct gen_trial {
	uint64_t tx;
	uint64_t rx;
	uint64_t bad;			/* came back wrong */
	uint64_t stale;			/* of an earlier trial */
	uint64_t dup;			/* received twice */
	uint64_t lat_n;
	uint32_t hist[GEN_H_BUCKETS];
};

struct gen {
	struct gen_opts o;
	struct rte_mempool *mp;
	struct rte_ether_addr mac;
	struct rte_ether_addr peer_mac;	/* drongo-dp's (relay) */
	uint16_t (*rport)[2];		/* relay port of each session leg */
	uint32_t *last_seq;		/* newest seq back, per session leg */
	uint32_t *tx_seq;		/* last seq sent, per session leg */
	uint32_t *trial_seq0;		/* tx_seq when the trial began */
	uint64_t hz;
	uint32_t trial;
	bool in_srtp;			/* leg 0 unprotects: we protect */
	bool out_srtp;			/* leg 1 protects: we check the tag */
	uint32_t step;			/* 2: leg 0 only, 1: both legs */
	uint16_t tag;			/* bytes protect adds */
	struct dp_srtp_worker *sw;
	uint32_t *pctx;			/* protect context of each session */
	uint32_t uctx;			/* unprotect context of session 0's egress */
	uint64_t sampled;		/* session 0 packets unprotected */
	uint32_t next;			/* next session leg to send on */
	struct gen_trial t;
};

static volatile sig_atomic_t gen_quit;

static void
gen_on_signal(int sig)
{
	(void)sig;
	gen_quit = 1;
}

/* The generator's port for session @p s, leg @p leg (the "peer" of SDP). */
static uint16_t
gen_pport(uint32_t s, uint32_t leg)
{
	return (uint16_t)(1024u + (2u * s + leg) % 64000u);
}

/* Relay address (network order) of session @p s. */
static uint32_t
gen_relay_ip(const struct gen *g, uint32_t s)
{
	return rte_cpu_to_be_32(rte_be_to_cpu_32(g->o.relay_ip) +
				s % g->o.relay_ips);
}

static uint64_t
gen_ns(const struct gen *g, uint64_t tsc)
{
	return (uint64_t)((double)tsc * 1e9 / (double)g->hz);
}

static void
gen_hist_add(struct gen_trial *t, uint64_t ns)
{
	uint64_t b;

	if (ns < 1000000u)
		b = ns / 100u;
	else if (ns < 100000000u)
		b = GEN_H_FINE + (ns - 1000000u) / 10000u;
	else
		b = GEN_H_BUCKETS - 1;
	t->hist[b]++;
	t->lat_n++;
}

/* Upper edge of the bucket holding the @p q quantile, in ns. */
static uint64_t
gen_hist_quantile(const struct gen_trial *t, double q)
{
	uint64_t want, sum = 0;
	uint32_t b;

	if (t->lat_n == 0)
		return 0;
	want = (uint64_t)ceil(q * (double)t->lat_n);
	for (b = 0; b < GEN_H_BUCKETS; b++) {
		sum += t->hist[b];
		if (sum >= want)
			break;
	}
	if (b < GEN_H_FINE)
		return (uint64_t)(b + 1) * 100u;
	return 1000000u + (uint64_t)(b - GEN_H_FINE + 1) * 10000u;
}

static int
gen_port_init(struct gen *g)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int err;

	memset(&conf, 0, sizeof(conf));
	err = rte_eth_dev_configure(0, g->o.rxq, g->o.txq, &conf);
	for (q = 0; q < g->o.rxq && err == 0; q++)
		err = rte_eth_rx_queue_setup(0, q, GEN_RING,
					     rte_eth_dev_socket_id(0), NULL,
					     g->mp);
	for (q = 0; q < g->o.txq && err == 0; q++)
		err = rte_eth_tx_queue_setup(0, q, GEN_RING,
					     rte_eth_dev_socket_id(0), NULL);
	if (err == 0)
		err = rte_eth_dev_start(0);
	if (err == 0)
		err = rte_eth_macaddr_get(0, &g->mac);
	return err;
}

/* Wait for the link (memif connects when both sides are up). */
static int
gen_link_wait(void)
{
	struct rte_eth_link link;
	unsigned int i;

	for (i = 0; i < 2000 && !gen_quit; i++) {
		if (rte_eth_link_get_nowait(0, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(10);
	}
	return -ETIMEDOUT;
}

/* Fill an ARP packet (request or reply) from the generator. */
static void
gen_arp_build(struct gen *g, struct rte_mbuf *m, uint16_t op,
	      const struct rte_ether_addr *dst, uint32_t tip)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&g->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&g->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = g->o.gen_ip;
	if (op == RTE_ARP_OP_REPLY)
		rte_ether_addr_copy(dst, &ah->arp_data.arp_tha);
	else
		memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	ah->arp_data.arp_tip = tip;
	m->data_len = m->pkt_len = sizeof(*eh) + sizeof(*ah);
}

static void
gen_send_one(struct rte_mbuf *m)
{
	if (rte_eth_tx_burst(0, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

/* Answer ARP requests for the generator's address; learn the relay's MAC
 * from its replies and requests. Returns true if @p m was ARP. */
static bool
gen_arp_input(struct gen *g, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr sha;
	struct rte_arp_hdr *ah;
	struct rte_mbuf *r;

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return false;
	if (m->data_len < sizeof(*eh) + sizeof(*ah))
		return true;
	ah = (struct rte_arp_hdr *)(eh + 1);
	rte_ether_addr_copy(&ah->arp_data.arp_sha, &sha);
	if (ah->arp_data.arp_sip == g->o.relay_ip)
		rte_ether_addr_copy(&sha, &g->peer_mac);
	if (ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    ah->arp_data.arp_tip != g->o.gen_ip)
		return true;
	r = rte_pktmbuf_alloc(g->mp);
	if (r == NULL)
		return true;
	gen_arp_build(g, r, RTE_ARP_OP_REPLY, &sha, ah->arp_data.arp_sip);
	gen_send_one(r);
	return true;
}

/* Build one RTP packet of session @p s, leg @p leg into @p m. */
static void
gen_build(struct gen *g, struct rte_mbuf *m, uint32_t s, uint32_t leg,
	  uint64_t tsc)
{
	uint16_t len = (uint16_t)(GEN_HDRS + GEN_RTP + g->o.payload);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);
	struct gen_stamp st;
	uint32_t seq = ++g->tx_seq[2 * s + leg];

	rte_ether_addr_copy(&g->peer_mac, &eh->dst_addr);
	rte_ether_addr_copy(&g->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xb8;	/* EF, as voice is marked */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = g->o.gen_ip;
	ip->dst_addr = gen_relay_ip(g, s);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(gen_pport(s, leg));
	udp->dst_port = rte_cpu_to_be_16(g->rport[s][leg]);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN - 20));
	udp->dgram_cksum = 0;
	rtp[0] = 0x80;
	rtp[1] = 0;			/* PCMU */
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	memcpy(rtp + 4, &seq, 4);
	memcpy(rtp + 8, &s, 4);
	st.magic = GEN_MAGIC;
	st.trial = g->trial;
	st.session = s;
	st.leg = leg;
	st.tsc = tsc;
	memcpy(rtp + GEN_RTP, &st, sizeof(st));
	m->data_len = m->pkt_len = len;
}

/* Fix IPv4 and UDP lengths and the IPv4 checksum after SRTP changed the
 * RTP packet's length to @p rtp_len. */
static void
gen_set_len(struct rte_mbuf *m, uint16_t rtp_len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8u + rtp_len));
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28u + rtp_len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->data_len = m->pkt_len = (uint16_t)(GEN_HDRS + rtp_len);
}

/*
 * An SRTP packet out of leg 1: the stamp is encrypted. The session is its
 * SSRC, the leg 0 (one-way), the length must be the plain one plus the tag;
 * session 0's packets are unprotected (tag, keys, payload all checked) and
 * give the stamp, the others a stamp of the current trial without a TSC
 * (the caller judges the trial by sequence number). Returns -EBADMSG.
 */
static int
gen_srtp_input(struct gen *g, struct rte_mbuf *m, struct gen_stamp *st)
{
	uint8_t *rtp = rte_pktmbuf_mtod_offset(m, uint8_t *, GEN_HDRS);
	struct dp_srtp_pkt sp;
	uint32_t s;

	if (m->data_len != GEN_HDRS + GEN_RTP + g->o.payload + g->tag ||
	    rtp[0] != 0x80)
		return -EBADMSG;
	memcpy(&s, rtp + 8, 4);
	if (s != 0) {
		st->magic = GEN_MAGIC;
		st->trial = g->trial;
		st->session = s;
		st->leg = 0;
		st->tsc = 0;
		return 0;
	}
	memset(&sp, 0, sizeof(sp));
	sp.m = m;
	sp.ctx = g->uctx;
	sp.off = GEN_HDRS;
	sp.len = (uint16_t)(GEN_RTP + g->o.payload + g->tag);
	sp.op = DP_SRTP_OP_RTP;
	if (dp_srtp_burst_process(g->sw, &sp, 1) != 1 ||
	    sp.len != GEN_RTP + g->o.payload)
		return -EBADMSG;
	g->sampled++;
	memcpy(st, rtp + GEN_RTP, sizeof(*st));
	return 0;
}

/* Protect a burst of built packets in place (SRTP ingress); packets the
 * engine refuses are freed. Returns how many are left in @p pkts. */
static unsigned int
gen_srtp_protect(struct gen *g, struct rte_mbuf **pkts, const uint32_t *keys,
		 unsigned int n)
{
	struct dp_srtp_pkt sp[GEN_BURST];
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		sp[i].m = pkts[i];
		sp[i].ctx = g->pctx[keys[i] >> 1];
		sp[i].off = GEN_HDRS;
		sp[i].len = (uint16_t)(GEN_RTP + g->o.payload);
		sp[i].op = DP_SRTP_OP_RTP;
	}
	(void)dp_srtp_burst_process(g->sw, sp, (uint16_t)n);
	for (i = 0, k = 0; i < n; i++) {
		if (sp[i].verdict != DP_SRTP_OK) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		gen_set_len(pkts[i], sp[i].len);
		pkts[k++] = pkts[i];
	}
	return k;
}

/* Check a packet that came back and account for it. */
static void
gen_input(struct gen *g, struct rte_mbuf *m, uint64_t now)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t out_leg, s, seq;
	struct gen_stamp st;
	bool ok;

	if (gen_arp_input(g, m))
		return;
	if (m->data_len < GEN_HDRS + GEN_RTP + sizeof(st) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		g->t.bad++;
		return;
	}
	if (g->out_srtp) {
		if (gen_srtp_input(g, m, &st) < 0) {
			g->t.bad++;
			return;
		}
	} else {
		memcpy(&st, (uint8_t *)(udp + 1) + GEN_RTP, sizeof(st));
	}
	if (st.magic != GEN_MAGIC || st.session >= g->o.sessions || st.leg > 1) {
		g->t.bad++;
		return;
	}
	s = st.session;
	if (g->o.relay) {
		/* In on leg L, out of leg 1 - L: from its relay port to the
		 * generator's port of that leg. */
		out_leg = st.leg ^ 1u;
		ok = ip->src_addr == gen_relay_ip(g, s) &&
			ip->dst_addr == g->o.gen_ip &&
			udp->src_port == rte_cpu_to_be_16(g->rport[s][out_leg]) &&
			udp->dst_port == rte_cpu_to_be_16(gen_pport(s, out_leg)) &&
			rte_ipv4_cksum(ip) == 0 &&
			rte_is_same_ether_addr(&eh->dst_addr, &g->mac);
	} else {
		ok = udp->dst_port == rte_cpu_to_be_16(g->rport[s][st.leg]);
	}
	if (!ok) {
		g->t.bad++;
		return;
	}
	/* Sent in order per session leg, one queue: a seq not newer than
	 * the last one back is a copy. */
	memcpy(&seq, (uint8_t *)(udp + 1) + 4, 4);
	if (seq - g->last_seq[2 * s + st.leg] - 1 >= 0x80000000u) {
		g->t.dup++;
		return;
	}
	g->last_seq[2 * s + st.leg] = seq;
	if (st.trial != g->trial ||
	    (g->out_srtp && seq - g->trial_seq0[2 * s + st.leg] - 1 >= 0x80000000u)) {
		g->t.stale++;
		return;
	}
	g->t.rx++;
	if (st.tsc != 0)
		gen_hist_add(&g->t, gen_ns(g, now - st.tsc));
}

static void
gen_rx(struct gen *g)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t n, i, q;
	uint64_t now;

	for (q = 0; q < g->o.rxq; q++) {
		n = rte_eth_rx_burst(0, q, pkts, GEN_BURST);
		if (n == 0)
			continue;
		now = rte_rdtsc();
		for (i = 0; i < n; i++) {
			gen_input(g, pkts[i], now);
			rte_pktmbuf_free(pkts[i]);
		}
	}
}

/* Send one packet on each session leg of @p keys (2 * session + leg);
 * returns how many went. */
static unsigned int
gen_tx_keys(struct gen *g, const uint32_t *keys, unsigned int n)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint64_t tsc = rte_rdtsc();
	unsigned int i, sent, built = n;

	if (rte_pktmbuf_alloc_bulk(g->mp, pkts, n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		gen_build(g, pkts[i], keys[i] >> 1, keys[i] & 1u, tsc);
	if (g->in_srtp)
		built = gen_srtp_protect(g, pkts, keys, n);
	sent = rte_eth_tx_burst(0, 0, pkts, (uint16_t)built);
	for (i = sent; i < built; i++)
		rte_pktmbuf_free(pkts[i]);
	/* A packet protected but not sent used its index: counted as sent
	 * and lost rather than sent again under the same index. */
	return g->in_srtp ? built : sent;
}

/* Send @p n packets on the next session legs; returns how many went. */
static unsigned int
gen_tx(struct gen *g, unsigned int n)
{
	uint32_t keys[GEN_BURST], k = g->next;
	unsigned int i, sent;

	for (i = 0; i < n; i++) {
		keys[i] = k;
		k = k + g->step >= 2 * g->o.sessions ? 0 : k + g->step;
	}
	sent = gen_tx_keys(g, keys, n);
	g->next = sent < n ? keys[sent] : k;
	return sent;
}

/*
 * One trial at @p rate packets/s for trial_ms, then a drain. Returns the
 * rate actually offered (packets the port took per second).
 */
static double
gen_trial_run(struct gen *g, double rate)
{
	uint64_t t0, now, end, drain, due;
	unsigned int n;

	memset(&g->t, 0, sizeof(g->t));
	g->trial++;
	if (g->out_srtp)
		memcpy(g->trial_seq0, g->tx_seq,
		       2 * (size_t)g->o.sessions * sizeof(*g->tx_seq));
	t0 = rte_rdtsc();
	end = t0 + g->hz * g->o.trial_ms / 1000u;
	while ((now = rte_rdtsc()) < end && !gen_quit) {
		due = (uint64_t)((double)(now - t0) * rate / (double)g->hz);
		if (due > g->t.tx) {
			n = due - g->t.tx > GEN_BURST ? GEN_BURST :
				(unsigned int)(due - g->t.tx);
			g->t.tx += gen_tx(g, n);
		}
		gen_rx(g);
	}
	drain = rte_rdtsc() + g->hz / 20u;
	while (rte_rdtsc() < drain)
		gen_rx(g);
	return (double)g->t.tx * 1000.0 / g->o.trial_ms;
}

static bool
gen_trial_ok(const struct gen *g, double rate, double offered)
{
	/* The generator shares its CPU with whatever else runs: an offered
	 * load within 5 % of the target counts as the target. */
	return g->t.tx > 0 && offered >= 0.95 * rate && g->t.bad == 0 &&
		g->t.dup == 0 &&
		(double)(g->t.tx - g->t.rx) <= g->o.loss * (double)g->t.tx;
}

static void
gen_trial_print(const struct gen *g, double rate, double offered, bool ok)
{
	printf("trial rate=%.0f offered=%.0f tx=%" PRIu64 " rx=%" PRIu64
	       " loss=%.5f bad=%" PRIu64 " dup=%" PRIu64 " stale=%" PRIu64
	       " p50_ns=%" PRIu64
	       " p99_ns=%" PRIu64 " p999_ns=%" PRIu64 " pass=%d\n", rate, offered,
	       g->t.tx, g->t.rx,
	       g->t.tx != 0 ? 1.0 - (double)g->t.rx / (double)g->t.tx : 0.0,
	       g->t.bad, g->t.dup, g->t.stale, gen_hist_quantile(&g->t, 0.5),
	       gen_hist_quantile(&g->t, 0.99), gen_hist_quantile(&g->t, 0.999),
	       ok);
	(void)fflush(stdout);
}

struct gen_create {
	struct gen *g;
	uint32_t acked;
	int status;
};

static void
gen_on_event(void *arg, const struct dg_client_event *ev)
{
	struct gen_create *c = arg;
	uint32_t s;

	if (!ev->final || ev->cookie == NULL)
		return;
	s = (uint32_t)((uintptr_t)ev->cookie - 1);
	if (ev->msg->u.ack.status < 0) {
		if (c->status == 0)
			c->status = ev->msg->u.ack.status;
		return;
	}
	c->g->rport[s][0] = ev->msg->u.ack.leg[0].rtp;
	c->g->rport[s][1] = ev->msg->u.ack.leg[1].rtp;
	c->acked++;
}

/* Resident memory of process @p pid in KiB (0 if unknown). */
static uint64_t
gen_rss_kb(uint32_t pid)
{
	unsigned long long kb = 0;
	char path[64], line[128];
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	(void)fclose(f);
	return kb;
}

/* Master key and salt of session @p s, leg @p leg, direction @p out (0:
 * what the leg's peer protects with, 1: what the relay protects with toward
 * it): distinct for every one, so SRTP to SRTP is always re-keyed. */
static void
gen_key(uint32_t s, uint32_t leg, uint32_t out, uint8_t *key, uint8_t *salt)
{
	uint32_t x = s * 4u + leg * 2u + out, i;

	for (i = 0; i < DG_SRTP_KEY_LEN; i++)
		key[i] = (uint8_t)((x >> (8 * (i % 4))) ^ (i * 37u + 11u));
	for (i = 0; i < DG_SRTP_SALT_LEN; i++)
		salt[i] = (uint8_t)((x >> (8 * (i % 4))) ^ (i * 53u + 7u));
}

/* The SRTP part of session @p s's SESSION_CREATE (one-way runs). */
static void
gen_session_srtp(const struct gen *g, struct dg_msg_session *ms, uint32_t s)
{
	uint8_t suite = (uint8_t)(g->o.suite + 1u);	/* dg: NONE first */
	uint32_t i;

	for (i = 0; i < 2; i++) {
		struct dg_msg_leg *l = &ms->leg[i];

		if (i == 0 ? g->in_srtp : g->out_srtp)
			l->srtp_suite = suite;
		gen_key(s, i, 0, l->srtp_in.key, l->srtp_in.salt);
		gen_key(s, i, 1, l->srtp_out.key, l->srtp_out.salt);
	}
	/* Leg 1's peer as SDP gives it: nothing is ever sent on leg 1. */
	ms->leg[1].peer_family = DG_AF_INET;
	memcpy(ms->leg[1].peer_addr, &g->o.gen_ip, 4);
	ms->leg[1].peer_rtp_port = gen_pport(s, 1);
}

/* The generator's own SRTP contexts: protect with each session's leg 0
 * ingress keys; unprotect session 0's egress with its leg 1 keys. */
static int
gen_srtp_setup(struct gen *g)
{
	struct dp_srtp_ctx_params p;
	struct dp_srtp_conf conf;
	struct dp_srtp_key k;
	uint32_t s;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.backend = DP_SRTP_BACKEND_CRYPTODEV;
	conf.nb_workers = 1;
	conf.nb_ctx = g->o.sessions + 4;
	conf.nb_sessions = 2 * conf.nb_ctx;
	conf.socket_id = (int)rte_socket_id();
	ret = dp_srtp_init(&conf);
	if (ret == 0)
		ret = dp_srtp_worker_create(&g->sw, 0);
	if (ret < 0)
		return ret;
	memset(&p, 0, sizeof(p));
	p.flags = DP_SRTP_F_SSRC_ANY | DP_SRTP_F_NO_RTCP;
	if (g->in_srtp) {
		g->pctx = calloc(g->o.sessions, sizeof(*g->pctx));
		if (g->pctx == NULL)
			return -ENOMEM;
		p.dir = DP_SRTP_DIR_PROTECT;
		for (s = 0; s < g->o.sessions; s++) {
			k.suite = g->o.suite;
			gen_key(s, 0, 0, k.master_key, k.master_salt);
			ret = dp_srtp_ctx_create(g->sw, &p, &k);
			if (ret < 0)
				return ret;
			g->pctx[s] = (uint32_t)ret;
		}
	}
	if (g->out_srtp) {
		p.dir = DP_SRTP_DIR_UNPROTECT;
		k.suite = g->o.suite;
		gen_key(0, 1, 1, k.master_key, k.master_salt);
		ret = dp_srtp_ctx_create(g->sw, &p, &k);
		if (ret < 0)
			return ret;
		g->uctx = (uint32_t)ret;
	}
	return 0;
}

/* Create the sessions through the rings, pipelined. */
static int
gen_sessions_create(struct gen *g, struct dg_client *cl)
{
	struct gen_create c = { .g = g };
	const struct dg_shm_hdr *hdr = dg_client_hdr(cl);
	uint64_t t0 = rte_rdtsc();
	struct dg_msg m;
	uint64_t rss0 = gen_rss_kb(hdr->dp_pid), rss1;
	uint32_t s = 0, ip;
	int w, err, i;

	while (c.acked < g->o.sessions && c.status == 0 && !gen_quit) {
		while (s < g->o.sessions) {
			memset(&m, 0, sizeof(m));
			m.hdr.type = DG_MSG_SESSION_CREATE;
			m.hdr.session_id = (uint64_t)s + 1;
			ip = gen_relay_ip(g, s);
			for (i = 0; i < 2; i++) {
				m.u.session.leg[i].relay_family = DG_AF_INET;
				memcpy(m.u.session.leg[i].relay_addr, &ip, 4);
				m.u.session.leg[i].flags = DG_LEG_F_RTCP_MUX;
			}
			if (g->o.srtp != GEN_SRTP_OFF)
				gen_session_srtp(g, &m.u.session, s);
			w = dg_client_pick_worker(cl);
			if (w < 0) {
				fprintf(stderr, "dp_pktgen: no worker for session %u: %s\n",
					s, strerror(-w));
				return w;
			}
			err = dg_client_send(cl, (unsigned int)w, &m,
					     (void *)(uintptr_t)(s + 1), NULL);
			if (err == -EAGAIN)
				break;
			if (err < 0) {
				fprintf(stderr, "dp_pktgen: send: %s\n",
					strerror(-err));
				return err;
			}
			s++;
		}
		if (dg_client_poll_events(cl, gen_on_event, &c, 0) == 0)
			rte_pause();
		if (!dg_client_connected(cl)) {
			fprintf(stderr, "dp_pktgen: %s\n", dg_client_error_text(cl));
			return -ENOTCONN;
		}
	}
	if (c.status < 0) {
		fprintf(stderr, "dp_pktgen: create failed after %u sessions: %s\n",
			c.acked, strerror(-c.status));
		return c.status;
	}
	rss1 = gen_rss_kb(hdr->dp_pid);
	printf("setup sessions=%u workers=%u create_s=%.3f creates_per_s=%.0f"
	       " dp_rss_before_kb=%" PRIu64 " dp_rss_after_kb=%" PRIu64
	       " dp_rss_bytes_per_session=%.0f\n",
	       c.acked, hdr->worker_count,
	       (double)(rte_rdtsc() - t0) / (double)g->hz,
	       c.acked / ((double)(rte_rdtsc() - t0) / (double)g->hz),
	       rss0, rss1, rss1 > rss0 ? (double)(rss1 - rss0) * 1024.0 / c.acked : 0.0);
	return 0;
}

/* Learn the relay's MAC by ARP (drongo-dp answers for its addresses). */
static int
gen_resolve(struct gen *g)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct rte_mbuf *m;
	unsigned int i, j;

	for (i = 0; i < 20 && rte_is_zero_ether_addr(&g->peer_mac); i++) {
		m = rte_pktmbuf_alloc(g->mp);
		if (m == NULL)
			return -ENOMEM;
		gen_arp_build(g, m, RTE_ARP_OP_REQUEST, &bcast, g->o.relay_ip);
		gen_send_one(m);
		for (j = 0; j < 100 && rte_is_zero_ether_addr(&g->peer_mac); j++) {
			gen_rx(g);
			rte_delay_ms(1);
		}
	}
	return rte_is_zero_ether_addr(&g->peer_mac) ? -EHOSTUNREACH : 0;
}

/*
 * Latch both legs of every session: rounds of one packet per session leg
 * not yet heard back, paced at @p rate. A packet sent on leg L that comes
 * back proves both legs latched (L from its source, 1 - L to have
 * forwarded it); the first packet of leg 0 finds leg 1 unlatched and is
 * dropped as NO_PEER, and under load some packets are lost, hence rounds.
 * Returns 0 when every leg has been heard back.
 */
static int
gen_latch(struct gen *g, double rate)
{
	uint64_t t0, sent, missing, drain;
	uint32_t keys[GEN_BURST], k, total = 2 * g->o.sessions;
	unsigned int round, n, done, tries;

	for (round = 0; round < 8 && !gen_quit; round++) {
		memset(&g->t, 0, sizeof(g->t));
		g->trial++;
		if (g->out_srtp)
			memcpy(g->trial_seq0, g->tx_seq,
			       2 * (size_t)g->o.sessions * sizeof(*g->tx_seq));
		t0 = rte_rdtsc();
		sent = 0;
		k = 0;
		while (k < total && !gen_quit) {
			n = 0;
			while (n < GEN_BURST && k < total) {
				if (g->last_seq[k] == 0)
					keys[n++] = k;
				k += g->step;
			}
			/* Pace: wait until this burst is due. */
			while ((double)(rte_rdtsc() - t0) * rate / (double)g->hz <
			       (double)sent)
				gen_rx(g);
			/* A full TX ring drains as the far side reads; a link
			 * that never takes them ends the round. */
			for (done = 0, tries = 0; done < n && tries < 100000;
			     tries++) {
				done += gen_tx_keys(g, keys + done, n - done);
				gen_rx(g);
			}
			sent += done;
		}
		drain = rte_rdtsc() + g->hz / 5u;
		while (rte_rdtsc() < drain)
			gen_rx(g);
		for (missing = 0, k = 0; k < total; k += g->step)
			missing += g->last_seq[k] == 0;
		printf("latch round=%u sent=%" PRIu64 " missing=%" PRIu64 "\n",
		       round, sent, missing);
		(void)fflush(stdout);
		if (missing == 0)
			return 0;
	}
	return -EAGAIN;
}

static int
gen_args(struct gen_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "instance", required_argument, NULL, 'i' },
		{ "sessions", required_argument, NULL, 'n' },
		{ "relay-ip", required_argument, NULL, 'r' },
		{ "gen-ip", required_argument, NULL, 'g' },
		{ "trial-ms", required_argument, NULL, 't' },
		{ "loss", required_argument, NULL, 'l' },
		{ "payload", required_argument, NULL, 'p' },
		{ "budget-s", required_argument, NULL, 'b' },
		{ "rxq", required_argument, NULL, 'q' },
		{ "relay-ips", required_argument, NULL, 'a' },
		{ "txq", required_argument, NULL, 'x' },
		{ "latch-pps", required_argument, NULL, 'L' },
		{ "srtp", required_argument, NULL, 'S' },
		{ "suite", required_argument, NULL, 'U' },
		{ "rate-max", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const modes[] = {
		"off", "rtp2rtp", "rtp2srtp", "srtp2rtp", "srtp2srtp", NULL,
	};
	static const char *const suites[] = { "80", "32", "gcm", NULL };
	int opt, i;

	o->sessions = 1000;
	o->trial_ms = 500;
	o->loss = 0.001;
	o->payload = 160;
	o->budget_s = 60;
	o->rxq = 1;
	o->latch_pps = 50000.0;
	o->relay_ips = 1;
	(void)inet_pton(AF_INET, "10.77.0.1", &o->relay_ip);
	(void)inet_pton(AF_INET, "10.77.0.2", &o->gen_ip);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "relay") != 0 && strcmp(optarg, "fwd") != 0)
				return -EINVAL;
			o->relay = strcmp(optarg, "relay") == 0;
			break;
		case 'i':
			o->instance = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->sessions = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (inet_pton(AF_INET, optarg, &o->relay_ip) != 1)
				return -EINVAL;
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &o->gen_ip) != 1)
				return -EINVAL;
			break;
		case 't':
			o->trial_ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o->loss = strtod(optarg, NULL);
			break;
		case 'p':
			o->payload = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o->budget_s = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			o->rxq = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			o->relay_ips = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o->txq = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			o->latch_pps = strtod(optarg, NULL);
			break;
		case 'S':
			for (i = 0; modes[i] != NULL && strcmp(modes[i], optarg) != 0; i++)
				;
			if (modes[i] == NULL)
				return -EINVAL;
			o->srtp = (enum gen_srtp_mode)i;
			break;
		case 'R':
			o->rate_max = strtod(optarg, NULL);
			break;
		case 'U':
			for (i = 0; suites[i] != NULL && strcmp(suites[i], optarg) != 0; i++)
				;
			if (suites[i] == NULL)
				return -EINVAL;
			o->suite = (enum dp_srtp_suite)i;
			break;
		default:
			return -EINVAL;
		}
	}
	if (o->txq == 0)
		o->txq = o->rxq;
	if (optind != argc || o->sessions == 0 || o->trial_ms < 50 ||
	    o->rxq == 0 || o->rxq > 16 || o->txq > 16 ||
	    !(o->latch_pps >= 1000.0) || o->relay_ips == 0 ||
	    o->relay_ips > DG_SHM_MAX_ADDRS_ALL ||
	    (o->srtp != GEN_SRTP_OFF && !o->relay) ||
	    o->payload < sizeof(struct gen_stamp) || o->payload > 1400)
		return -EINVAL;
	return 0;
}

/* Binary search of the highest passing rate; prints the result line. */
static void
gen_search(struct gen *g)
{
	uint64_t deadline = rte_rdtsc() + g->hz * g->o.budget_s;
	double lo = 0, hi, rate, offered, ceiling;
	uint64_t p50 = 0, p99 = 0, p999 = 0;
	struct gen_trial best;
	unsigned int i;
	bool ok;

	/* Flat out first: what the link and the generator take at most. Twice,
	 * keeping the higher: a far side still starting up or another
	 * process's time slice once stalled the first trial at one ring
	 * (4096 packets), and the search never looks above the ceiling. */
	ceiling = 0;
	for (i = 0; i < 2; i++) {
		offered = gen_trial_run(g, 1e9);
		gen_trial_print(g, 1e9, offered, false);
		if (offered > ceiling)
			ceiling = offered;
	}
	hi = ceiling * 1.02;
	/* A target far slower than the generator (the libsrtp2 backend) is
	 * out of reach of nine halvings from the flat-out rate. */
	if (g->o.rate_max > 0 && g->o.rate_max < hi)
		hi = g->o.rate_max;
	memset(&best, 0, sizeof(best));
	for (i = 0; i < 9 && rte_rdtsc() < deadline && !gen_quit; i++) {
		rate = i == 0 ? hi * 0.98 : (lo + hi) / 2;
		offered = gen_trial_run(g, rate);
		ok = gen_trial_ok(g, rate, offered);
		gen_trial_print(g, rate, offered, ok);
		/* A failure is confirmed once: on a shared machine one trial
		 * can lose packets to another process's time slice. */
		if (!ok && g->t.bad == 0 && g->t.dup == 0) {
			offered = gen_trial_run(g, rate);
			ok = gen_trial_ok(g, rate, offered);
			gen_trial_print(g, rate, offered, ok);
		}
		if (ok) {
			lo = rate;
			p50 = gen_hist_quantile(&g->t, 0.5);
			p99 = gen_hist_quantile(&g->t, 0.99);
			p999 = gen_hist_quantile(&g->t, 0.999);
		} else {
			hi = rate;
		}
		if (hi - lo < 0.02 * hi)
			break;
	}
	/* Latency under light load (10 % of the best rate) as well. */
	rate = lo > 0 ? lo / 10 : ceiling / 10;
	offered = gen_trial_run(g, rate);
	gen_trial_print(g, rate, offered, gen_trial_ok(g, rate, offered));
	/* Within 5 % of what the generator can send at all: the target kept
	 * up with the generator, and its own limit is higher. */
	static const char *const srtp_names[] = {
		"off", "rtp2rtp", "rtp2srtp", "srtp2rtp", "srtp2srtp",
	};

	printf("result mode=%s srtp=%s sampled=%" PRIu64
	       " sessions=%u max_pps=%.0f ceiling_pps=%.0f"
	       " bound=%s"
	       " p50_ns=%" PRIu64 " p99_ns=%" PRIu64 " p999_ns=%" PRIu64
	       " light_pps=%.0f light_p50_ns=%" PRIu64 " light_p99_ns=%" PRIu64
	       " frame_bytes=%u\n", g->o.relay ? "relay" : "fwd",
	       srtp_names[g->o.srtp], g->sampled, g->o.sessions,
	       lo, ceiling, lo >= 0.95 * ceiling ? "generator" : "target",
	       p50, p99, p999, rate, gen_hist_quantile(&g->t, 0.5),
	       gen_hist_quantile(&g->t, 0.99),
	       GEN_HDRS + GEN_RTP + g->o.payload);
}

int
main(int argc, char **argv)
{
	struct dg_client_opts co;
	struct dg_client *cl = NULL;
	struct gen *g;
	char err[256];
	uint32_t s;
	int ret, i;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dp_pktgen: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return 1;
	if (gen_args(&g->o, argc, argv) < 0) {
		fprintf(stderr,
			"usage: dp_pktgen EAL-ARGS -- --mode relay|fwd [--instance N]\n"
			"  [--sessions N] [--relay-ip A] [--gen-ip A] [--trial-ms MS]\n"
			"  [--loss FRACTION] [--payload BYTES] [--budget-s S] [--rxq N]\n"
			"  [--txq N] [--relay-ips N] [--latch-pps N]\n"
			"  [--srtp rtp2rtp|rtp2srtp|srtp2rtp|srtp2srtp] [--suite 80|32|gcm]\n"
			"  [--rate-max PPS]\n");
		return 2;
	}
	g->rport = calloc(g->o.sessions, sizeof(*g->rport));
	g->last_seq = calloc(2 * (size_t)g->o.sessions, sizeof(*g->last_seq));
	g->tx_seq = calloc(2 * (size_t)g->o.sessions, sizeof(*g->tx_seq));
	g->trial_seq0 = calloc(2 * (size_t)g->o.sessions, sizeof(*g->trial_seq0));
	if (g->rport == NULL || g->last_seq == NULL || g->tx_seq == NULL ||
	    g->trial_seq0 == NULL)
		return 1;
	g->step = g->o.srtp == GEN_SRTP_OFF ? 1u : 2u;
	g->in_srtp = g->o.srtp == GEN_SRTP_SRTP2RTP ||
		g->o.srtp == GEN_SRTP_SRTP2SRTP;
	g->out_srtp = g->o.srtp == GEN_SRTP_RTP2SRTP ||
		g->o.srtp == GEN_SRTP_SRTP2SRTP;
	g->tag = g->o.suite == DP_SRTP_AES_CM_128_HMAC_SHA1_80 ? 10 :
		g->o.suite == DP_SRTP_AES_CM_128_HMAC_SHA1_32 ? 4 : 16;
	g->hz = rte_get_tsc_hz();
	signal(SIGINT, gen_on_signal);
	signal(SIGTERM, gen_on_signal);
	g->mp = rte_pktmbuf_pool_create("gen_mbufs", GEN_MBUFS, 256, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE,
					rte_socket_id());
	if (g->mp == NULL || rte_eth_dev_count_avail() < 1 ||
	    gen_port_init(g) != 0) {
		fprintf(stderr, "dp_pktgen: port 0 setup failed (give a --vdev)\n");
		return 1;
	}
	if ((g->in_srtp || g->out_srtp) && (ret = gen_srtp_setup(g)) < 0) {
		fprintf(stderr, "dp_pktgen: SRTP engine: %s\n", strerror(-ret));
		return 1;
	}
	printf("port ready\n");
	(void)fflush(stdout);
	if (gen_link_wait() < 0) {
		fprintf(stderr, "dp_pktgen: link down (is the other side up?)\n");
		return 1;
	}
	if (g->o.relay) {
		memset(&co, 0, sizeof(co));
		co.instance = g->o.instance;
		co.cmd_timeout_ms = 10000;
		/* drongo-dp publishes its region after starting the port: the
		 * link can come up first. */
		for (i = 0; i < 200; i++) {
			ret = dg_client_open(&cl, &co, err, sizeof(err));
			if (ret != -ENOENT && ret != -EAGAIN)
				break;
			rte_delay_ms(50);
		}
		if (ret < 0) {
			fprintf(stderr, "dp_pktgen: %s\n", err);
			return 1;
		}
		if (gen_resolve(g) < 0) {
			fprintf(stderr, "dp_pktgen: no ARP reply from the relay address\n");
			return 1;
		}
		if (gen_sessions_create(g, cl) < 0)
			return 1;
		if (gen_latch(g, g->o.latch_pps) < 0) {
			fprintf(stderr, "dp_pktgen: some session legs never latched\n");
			return 1;
		}
	} else {
		/* The forwarder sends back what it gets: any ports will do. */
		for (s = 0; s < g->o.sessions; s++) {
			g->rport[s][0] = (uint16_t)(30000u + (2u * s) % 30000u);
			g->rport[s][1] = (uint16_t)(30001u + (2u * s) % 30000u);
		}
		printf("setup sessions=%u workers=0\n", g->o.sessions);
	}
	gen_search(g);
	dg_client_close(cl);
	(void)rte_eth_dev_stop(0);
	(void)rte_eal_cleanup();
	return 0;
}
