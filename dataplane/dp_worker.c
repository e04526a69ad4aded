/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's burst loop: what every media packet goes through. A burst
 * is processed in stages over the whole burst (classify with prefetch into
 * media and exception arrays, one bulk lookup, per-packet RTP/RTCP and
 * source checks with latching, the crypto stage, rewrite, TX buffer), the
 * TX buffer is drained when full or on a TSC deadline, and between bursts
 * the worker takes a few control commands and scans a few sessions for
 * media timeouts. Nothing here allocates, locks, logs or makes a syscall.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_lcore.h"
#include "dp_srtp.h"

/* Prefetch distance of the classify stage. */
#define DP_PREFETCH_AHEAD 3u
/* Relay TTL / hop limit: the relay is an endpoint, not a router. */
#define DP_TTL 64u

/* Per-burst scratch of media packets, filled by classify. */
struct dp_media {
	struct rte_mbuf *m[DP_BURST];
	struct dp_pkt_info pi[DP_BURST];
	uint32_t key[DP_BURST];
	uint32_t entry[DP_BURST];
	uint8_t kind[DP_BURST];
	uint8_t resized[DP_BURST];	/**< crypto changed the payload */
	uint16_t n;
};

static inline void
dp_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
dp_drop(struct dp_lcore *lc, struct rte_mbuf *m, unsigned int reason)
{
	lc->st.drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Session-level drop: counted on the ingress leg under the ABI's reason. */
static inline void
dp_drop_leg(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t rec,
		uint32_t leg, unsigned int reason, enum dg_leg_drop legr)
{
	lc->sessions->drops[rec].leg[leg][legr]++;
	dp_drop(lc, m, reason);
}

static inline int
dp_addr_match(const struct dp_session_table *t, uint8_t family,
		const uint8_t *a)
{
	uint32_t i;

	if (family == 4)
		return dp_session_addr4_index(t, a);
	for (i = 0; i < t->addr_count; i++)
		if (t->addrs[i].family == 6 &&
		    memcmp(t->addrs[i].addr, a, 16) == 0)
			return (int)i;
	return -1;
}

static inline bool
dp_prefix_match(const uint8_t *a, const uint8_t *b, uint32_t prefix)
{
	uint32_t bytes = prefix / 8, bits = prefix % 8;
	uint8_t mask;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

/*
 * Stage 1: parse each packet; media (UDP to a relay address and a port of
 * this worker's block) goes to md with its lookup key, the rest to exc or
 * is dropped.
 */
static inline void
dp_stage_classify(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n,
		struct dp_media *md, struct rte_mbuf **exc, uint16_t *nexc)
{
	const struct dp_session_table *t = lc->sessions;
	struct dp_pkt_info *pi;
	enum dp_class cls;
	struct rte_mbuf *m;
	uint64_t ipf;
	const uint8_t *p;
	uint16_t i;
	int idx;

	for (i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + DP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(
				pkts[i + DP_PREFETCH_AHEAD], void *));
		m = pkts[i];
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		/* A packet socket port (net_af_packet with several queues)
		 * shows each queue what the others sent: never take our own
		 * frames again. */
		if (memcmp(p + 6, lc->net->port_mac, 6) == 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		lc->st.rx_pkts++;
		lc->st.rx_bytes += m->pkt_len;
		if (m->nb_segs != 1)
			goto exception;
		pi = &md->pi[md->n];
		ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
			dp_drop(lc, m, DP_DROP_IP_HEADER);
			continue;
		}
		cls = dp_pkt_parse(p, m->data_len,
				   ipf != RTE_MBUF_F_RX_IP_CKSUM_GOOD, pi);
		if (cls == DP_CLASS_DROP) {
			dp_drop(lc, m, pi->drop);
			continue;
		}
		if (cls != DP_CLASS_UDP)
			goto exception;
		idx = dp_addr_match(t, pi->family, p + pi->l3 +
				    (pi->family == 4 ? 16 : 24));
		if (idx < 0 || !dp_session_port_mine(t, pi->dst_port))
			goto exception;
		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		    RTE_MBUF_F_RX_L4_CKSUM_BAD ||
		    (pi->family == 6 && p[pi->l4 + 6] == 0 &&
		     p[pi->l4 + 7] == 0)) {
			dp_drop(lc, m, DP_DROP_UDP_CHECKSUM);
			continue;
		}
		md->key[md->n] = dp_session_key((uint32_t)idx, pi->dst_port);
		md->m[md->n++] = m;
		continue;
exception:
		exc[(*nexc)++] = m;
	}
}

/*
 * Whether a packet from (src, sport) may enter leg l as kind, latching the
 * peer when the rules allow. The rules close the RTP Bleed hole: a packet
 * from the SDP address always wins; a stranger is learnt only while the
 * latch window is open (when the leg asks for one) and only when the
 * current peer has been silent for latch_quiet_ns; a strict leg accepts
 * its SDP peer only and never learns.
 */
static inline bool
dp_leg_accept(const struct dp_lcore *lc, const struct dp_session *s,
		struct dp_leg *l, uint32_t kind, const uint8_t *src,
		uint16_t sport, const uint8_t *smac)
{
	uint32_t alen = l->family == 4 ? 4 : 16, other;
	bool same_addr, sdp_match;

	same_addr = l->peer_family == l->family &&
		memcmp(l->peer_addr, src, alen) == 0;
	if (same_addr && l->peer_port[kind] == sport &&
	    (l->state & (DP_LEG_S_LATCHED_RTP << kind)))
		return true;
	sdp_match = (l->state & DP_LEG_S_SDP) &&
		memcmp(l->sdp_addr, src, alen) == 0 &&
		(l->sdp_port[kind] == 0 || l->sdp_port[kind] == sport);
	if (l->flags & DG_LEG_F_STRICT_SOURCE) {
		if (!sdp_match)
			return false;
		goto latch;
	}
	if (sdp_match)
		goto latch;
	/* The same host opening its other port (RTCP after RTP) is the
	 * peer, not a stranger. */
	if (same_addr && !(l->state & (DP_LEG_S_LATCHED_RTP << kind)))
		goto latch;
	if ((l->flags & DG_LEG_F_LATCH_WINDOW) && lc->now_ns > s->window_end_ns)
		return false;
	if (l->last_rx_ns != 0 && lc->now_ns - l->last_rx_ns < lc->latch_quiet_ns)
		return false;
latch:
	if (!same_addr) {
		memcpy(l->peer_addr, src, alen);
		l->peer_family = l->family;
		l->state &= (uint8_t)~(DP_LEG_S_LATCHED_RTP |
				       DP_LEG_S_LATCHED_RTCP | DP_LEG_S_MAC);
		/* Until the other port is heard from, assume the usual
		 * RTP/RTCP pairing (or the SDP's port). */
		other = kind ^ 1u;
		if (l->flags & DG_LEG_F_RTCP_MUX)
			l->peer_port[other] = sport;
		else if (sdp_match && l->sdp_port[other] != 0)
			l->peer_port[other] = l->sdp_port[other];
		else
			l->peer_port[other] = kind == DP_KIND_RTP ?
				(uint16_t)(sport + 1) : (uint16_t)(sport - 1);
	}
	l->peer_port[kind] = sport;
	l->state |= (uint8_t)(DP_LEG_S_LATCHED_RTP << kind);
	if (l->flags & DG_LEG_F_RTCP_MUX) {
		l->peer_port[kind ^ 1u] = sport;
		l->state |= DP_LEG_S_LATCHED_RTP | DP_LEG_S_LATCHED_RTCP;
	}
	memcpy(l->peer_mac, smac, sizeof(l->peer_mac));
	l->state |= DP_LEG_S_MAC;
	return true;
}

/* Source check with latching, then the leg's receive counters. */
static inline bool
dp_leg_source(const struct dp_lcore *lc, const struct dp_session *s,
		struct dp_leg *l, uint32_t kind, const uint8_t *p,
		const struct dp_pkt_info *pi)
{
	const uint8_t *src = p + pi->l3 + (pi->family == 4 ? 12 : 8);

	if (!dp_leg_accept(lc, s, l, kind, src, pi->src_port, p + 6))
		return false;
	l->last_rx_ns = lc->now_ns;
	l->rx_pkts++;
	l->rx_bytes += pi->payload_len;
	return true;
}

/*
 * Stage 3: per media packet, the session, the RTP/RTCP checks and, for
 * plain ingress, the source check. Survivors are compacted at the front of
 * md.
 */
static inline void
dp_stage_check(struct dp_lcore *lc, struct dp_media *md)
{
	struct dp_session_table *t = lc->sessions;
	const uint8_t *p, *pl;
	struct dp_session *s;
	struct dp_pkt_info *pi;
	uint32_t e, rec, leg, kind, len, hdr;
	struct dp_leg *l;
	enum dp_drop r;
	uint16_t i, k = 0;

	for (i = 0; i < md->n; i++) {
		struct rte_mbuf *m = md->m[i];

		e = md->entry[i];
		if (e == 0) {
			dp_drop(lc, m, DP_DROP_NO_SESSION);
			continue;
		}
		rec = DP_PORTMAP_REC(e);
		leg = DP_PORTMAP_LEG(e);
		kind = DP_PORTMAP_KIND(e);
		s = &t->rec[rec];
		l = &s->leg[leg];
		pi = &md->pi[i];
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		pl = p + pi->payload;
		len = pi->payload_len;
		if ((l->flags & DG_LEG_F_RTCP_MUX) && dp_rtcp_mux_is_rtcp(pl, len))
			kind = DP_KIND_RTCP;
		if (kind == DP_KIND_RTP && l->srtp_slot[0] == DP_SRTP_NONE)
			r = dp_rtp_check(pl, len);
		else if (kind == DP_KIND_RTP)
			/* The padding count sits under the cipher. */
			r = dp_rtp_check_hdr(pl, len, &hdr);
		else if (l->srtp_slot[0] != DP_SRTP_NONE)
			r = dp_rtcp_check_first(pl, len);
		else
			r = dp_rtcp_check(pl, len);
		if (r != DP_DROP_NONE) {
			dp_drop_leg(lc, m, rec, leg, r, DG_LEG_DROP_MALFORMED);
			continue;
		}
		/* Packets to unprotect are source-checked (and may latch)
		 * only once authentic: dp_stage_crypto. */
		if (l->srtp_slot[0] == DP_SRTP_NONE) {
			if (!dp_leg_source(lc, s, l, kind, p, pi)) {
				dp_drop_leg(lc, m, rec, leg, DP_DROP_SOURCE,
					    DG_LEG_DROP_SOURCE);
				continue;
			}
		}
		md->m[k] = m;
		md->pi[k] = *pi;
		md->entry[k] = e;
		md->kind[k] = (uint8_t)kind;
		md->resized[k] = 0;
		k++;
	}
	md->n = k;
}

static inline unsigned int
dp_srtp_drop_reason(uint8_t verdict, enum dg_leg_drop *legr)
{
	switch (verdict) {
	case DP_SRTP_AUTH_FAIL:
		*legr = DG_LEG_DROP_SRTP_AUTH;
		return DP_DROP_SRTP_AUTH;
	case DP_SRTP_REPLAY_DUP:
	case DP_SRTP_REPLAY_OLD:
		*legr = DG_LEG_DROP_SRTP_REPLAY;
		return DP_DROP_SRTP_REPLAY;
	default:
		*legr = DG_LEG_DROP_SRTP_ERROR;
		return DP_DROP_SRTP;
	}
}

/*
 * One crypto pass (unprotect with the ingress leg's context, or protect
 * with the egress leg's) over the packets that need it, as one burst to
 * the worker's crypto engine; the engine keeps the packets of one context
 * in order and works in place on the UDP payload, leaving the headers
 * before it untouched. Packets failing it are dropped by reason; after
 * unprotect the survivors get their source check (latching only authentic
 * packets).
 */
static inline void
dp_crypto_pass(struct dp_lcore *lc, struct dp_media *md, bool protect)
{
	struct dp_session_table *t = lc->sessions;
	struct dp_srtp_pkt sp[DP_BURST];
	enum dg_leg_drop legr = DG_LEG_DROP_SRTP_ERROR;
	uint16_t idx[DP_BURST], n = 0, i, j, k;
	uint32_t e, rec, leg;
	unsigned int reason;
	bool drop[DP_BURST];
	struct dp_leg *l;
	uint32_t slot;

	for (i = 0; i < md->n; i++) {
		e = md->entry[i];
		rec = DP_PORTMAP_REC(e);
		leg = DP_PORTMAP_LEG(e);
		slot = protect ? t->rec[rec].leg[leg ^ 1].srtp_slot[1] :
			t->rec[rec].leg[leg].srtp_slot[0];
		drop[i] = false;
		if (slot == DP_SRTP_NONE)
			continue;
		sp[n].m = md->m[i];
		sp[n].ctx = slot;
		sp[n].off = md->pi[i].payload;
		sp[n].len = md->pi[i].payload_len;
		sp[n].op = md->kind[i] == DP_KIND_RTP ? DP_SRTP_OP_RTP :
			DP_SRTP_OP_RTCP;
		sp[n].verdict = DP_SRTP_OK;
		idx[n++] = i;
	}
	if (n == 0)
		return;
	(void)dp_srtp_burst_process_prefetched(t->srtp, sp, n);
	for (j = 0; j < n; j++) {
		i = idx[j];
		if (sp[j].verdict == DP_SRTP_OK) {
			md->pi[i].payload_len = sp[j].len;
			md->resized[i] = 1;
			if (protect)
				lc->st.srtp_protected++;
			else
				lc->st.srtp_unprotected++;
			continue;
		}
		drop[i] = true;
		e = md->entry[i];
		reason = dp_srtp_drop_reason(sp[j].verdict, &legr);
		dp_drop_leg(lc, md->m[i], DP_PORTMAP_REC(e), DP_PORTMAP_LEG(e),
			    reason, legr);
	}
	for (i = 0, k = 0; i < md->n; i++) {
		if (drop[i])
			continue;
		e = md->entry[i];
		rec = DP_PORTMAP_REC(e);
		leg = DP_PORTMAP_LEG(e);
		l = &t->rec[rec].leg[leg];
		if (!protect && l->srtp_slot[0] != DP_SRTP_NONE &&
		    !dp_leg_source(lc, &t->rec[rec], l, md->kind[i],
				   rte_pktmbuf_mtod(md->m[i], const uint8_t *),
				   &md->pi[i])) {
			dp_drop_leg(lc, md->m[i], rec, leg, DP_DROP_SOURCE,
				    DG_LEG_DROP_SOURCE);
			continue;
		}
		md->m[k] = md->m[i];
		md->pi[k] = md->pi[i];
		md->entry[k] = md->entry[i];
		md->kind[k] = md->kind[i];
		md->resized[k] = md->resized[i];
		k++;
	}
	md->n = k;
}

/*
 * Stage 4, crypto: SRTP/SRTCP unprotect with the ingress leg's keys, then
 * protect with the egress leg's, each as one burst to the worker's engine.
 * A direction whose legs share their keys, or plain RTP, has no context
 * and costs one load per packet here.
 */
static inline void
dp_stage_crypto(struct dp_lcore *lc, struct dp_media *md)
{
	struct dp_session_table *t = lc->sessions;
	struct dp_srtp_pkt pf[2 * DP_BURST];
	uint32_t e, rec, leg, in, out;
	uint16_t i, n = 0;
	uint8_t op;

	if (t->srtp == NULL)
		return;
	/* Both passes' contexts and key lines at once, before the first
	 * pass: a re-keyed burst's protect contexts load while its
	 * unprotect runs. A burst without keys stops here. */
	for (i = 0; i < md->n; i++) {
		e = md->entry[i];
		rec = DP_PORTMAP_REC(e);
		leg = DP_PORTMAP_LEG(e);
		in = t->rec[rec].leg[leg].srtp_slot[0];
		out = t->rec[rec].leg[leg ^ 1].srtp_slot[1];
		op = md->kind[i] == DP_KIND_RTP ? DP_SRTP_OP_RTP :
			DP_SRTP_OP_RTCP;
		if (in != DP_SRTP_NONE) {
			pf[n].ctx = in;
			pf[n++].op = op;
		}
		if (out != DP_SRTP_NONE) {
			pf[n].ctx = out;
			pf[n++].op = op;
		}
	}
	if (n == 0)
		return;
	dp_srtp_burst_prefetch(t->srtp, pf, n);
	dp_crypto_pass(lc, md, false);
	dp_crypto_pass(lc, md, true);
}

/* One's-complement sum of the fields a relay rewrites in the UDP pseudo
 * header and header: both addresses and both ports. */
static inline uint32_t
dp_udp_rewritten_sum(const uint8_t *addrs, uint32_t alen2, const uint8_t *udp)
{
	return dp_csum_add(dp_csum_add(0, addrs, alen2), udp, 4);
}

/*
 * IPv4 <-> IPv6 for legs of different families: the IP header is replaced
 * by a fresh one of the other family (addresses are written by the
 * caller), the Ethernet header moved with it; the UDP header and payload
 * stay where they are in memory. IPv4 options are not carried over.
 *
 * @return the new frame start, or NULL when the mbuf has no headroom.
 */
static inline uint8_t *
dp_translate(struct rte_mbuf *m, const struct dp_pkt_info *pi, uint8_t to)
{
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *), *p, *ip;
	uint32_t old_l3 = (uint32_t)(pi->l4 - pi->l3);
	uint32_t new_l3 = to == 4 ? DP_IPV4_HDR_LEN : DP_IPV6_HDR_LEN;
	uint16_t ulen = (uint16_t)(DP_UDP_HDR_LEN + pi->payload_len);
	uint8_t tclass = to == 4 ?
		(uint8_t)((old[pi->l3] << 4) | (old[pi->l3 + 1] >> 4)) :
		old[pi->l3 + 1];

	/* Frames may carry Ethernet padding: cut to the IP datagram. */
	if (m->data_len > pi->l4 + ulen)
		(void)rte_pktmbuf_trim(m, (uint16_t)(m->data_len - pi->l4 -
						     ulen));
	if (new_l3 > old_l3)
		p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(new_l3 -
								 old_l3));
	else
		p = (uint8_t *)rte_pktmbuf_adj(m, (uint16_t)(old_l3 - new_l3));
	if (p == NULL)
		return NULL;
	ip = p + DP_ETHER_HDR_LEN;
	memset(ip, 0, new_l3);
	if (to == 4) {
		p[12] = 0x08;
		p[13] = 0x00;
		ip[0] = 0x45;
		ip[1] = tclass;
		dp_store_be16(ip + 2, (uint16_t)(DP_IPV4_HDR_LEN + ulen));
		ip[6] = 0x40;		/* DF */
		ip[9] = DP_IPPROTO_UDP;
	} else {
		p[12] = 0x86;
		p[13] = 0xdd;
		ip[0] = (uint8_t)(0x60 | (tclass >> 4));
		ip[1] = (uint8_t)(tclass << 4);
		dp_store_be16(ip + 4, ulen);
		ip[6] = DP_IPPROTO_UDP;
	}
	return p;
}

/*
 * Rewrite one packet from leg in to leg out in place. When the payload is
 * untouched the UDP checksum is updated incrementally (RFC 1624) over the
 * changed address and port words, and a zero IPv4 UDP checksum (none)
 * stays zero; after SRTP changed the payload (resized) the lengths are set
 * anew and the checksum computed in full. A port that offloads checksums
 * gets the pseudo-header sum and the flags instead.
 *
 * @return DP_DROP_NONE or the reason not to send it.
 */
static inline enum dp_drop
dp_rewrite(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_pkt_info *pi,
		const struct dp_leg *in, const struct dp_leg *out, uint32_t kind,
		uint64_t gw_mac, bool resized)
{
	const struct dp_addr *ra = &lc->sessions->addrs[out->addr_idx];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = p + pi->l3, *udp = p + pi->l4, *addrs;
	uint32_t alen = out->family == 4 ? 4 : 16, old_sum, new_sum, sum;
	uint32_t l3_len = (uint32_t)(pi->l4 - pi->l3);
	uint16_t ck;
	int i;

	if (out->peer_port[kind] == 0 || out->peer_family == 0)
		return DP_DROP_NO_PEER;
	if (!(out->state & DP_LEG_S_MAC) && gw_mac == 0)
		return DP_DROP_NO_NEXTHOP;
	addrs = ip + (in->family == 4 ? 12 : 8);
	old_sum = dp_udp_rewritten_sum(addrs, in->family == 4 ? 8 : 32, udp);
	if (out->family != in->family) {
		p = dp_translate(m, pi, out->family);
		if (p == NULL)
			return DP_DROP_FAMILY;
		ip = p + DP_ETHER_HDR_LEN;
		l3_len = out->family == 4 ? DP_IPV4_HDR_LEN : DP_IPV6_HDR_LEN;
		udp = ip + l3_len;
		/* A missing IPv4 checksum is not allowed on IPv6. */
		if (out->family == 6 && dp_load_be16(udp + 6) == 0)
			resized = true;
	}
	if ((out->state & DP_LEG_S_MAC) &&
	    dp_prefix_match(out->peer_addr, ra->addr, ra->prefix)) {
		memcpy(p, out->peer_mac, 6);
	} else {
		if (gw_mac == 0)
			return DP_DROP_NO_NEXTHOP;
		for (i = 0; i < 6; i++)
			p[i] = (uint8_t)(gw_mac >> (8 * i));
	}
	memcpy(p + 6, lc->net->port_mac, 6);
	addrs = ip + (out->family == 4 ? 12 : 8);
	memcpy(addrs, ra->addr, alen);
	memcpy(addrs + alen, out->peer_addr, alen);
	dp_store_be16(udp, out->local_port[kind]);
	dp_store_be16(udp + 2, out->peer_port[kind]);
	m->l2_len = DP_ETHER_HDR_LEN;
	m->l3_len = (uint16_t)l3_len;
	if (resized) {
		uint32_t ulen = DP_UDP_HDR_LEN + pi->payload_len;

		dp_store_be16(udp + 4, (uint16_t)ulen);
		if (out->family == 4)
			dp_store_be16(ip + 2, (uint16_t)(m->l3_len + ulen));
		else
			dp_store_be16(ip + 4, (uint16_t)ulen);
	}
	if (out->family == 4) {
		struct rte_ipv4_hdr *h4 = (struct rte_ipv4_hdr *)ip;

		h4->time_to_live = DP_TTL;
		h4->hdr_checksum = 0;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
		if (lc->tx_ip_csum)
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		else
			h4->hdr_checksum = rte_cpu_to_be_16((uint16_t)~dp_csum_fold(
					dp_csum_add(0, ip, m->l3_len)));
	} else {
		ip[7] = DP_TTL;
		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	}
	ck = dp_load_be16(udp + 6);
	if (ck == 0 && out->family == 4 && !resized)
		return DP_DROP_NONE;
	if (lc->tx_udp_csum) {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		((struct rte_udp_hdr *)udp)->dgram_cksum = out->family == 4 ?
			rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)ip,
					    m->ol_flags) :
			rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)ip,
					    m->ol_flags);
		return DP_DROP_NONE;
	}
	if (resized) {
		/* Pseudo header (addresses, protocol, UDP length) and the
		 * datagram, eight bytes a step (dp_csum_add). */
		uint32_t ulen = dp_load_be16(udp + 4);

		udp[6] = 0;
		udp[7] = 0;
		sum = (uint32_t)dp_csum_fold(dp_csum_add(dp_csum_add(0, addrs,
				2 * alen), udp, ulen)) + DP_IPPROTO_UDP + ulen;
		ck = (uint16_t)~dp_csum_fold(sum);
		dp_store_be16(udp + 6, ck == 0 ? 0xffff : ck);
		return DP_DROP_NONE;
	}
	new_sum = dp_udp_rewritten_sum(addrs, 2 * alen, udp);
	sum = (uint16_t)~ck;
	sum += (uint16_t)~dp_csum_fold(old_sum);
	sum += dp_csum_fold(new_sum);
	ck = (uint16_t)~dp_csum_fold(sum);
	dp_store_be16(udp + 6, ck == 0 ? 0xffff : ck);
	return DP_DROP_NONE;
}

/* Stage 5: rewrite and buffer for TX. */
static inline void
dp_stage_rewrite(struct dp_lcore *lc, struct dp_media *md)
{
	struct dp_session_table *t = lc->sessions;
	uint64_t gw4, gw6;
	struct dp_leg *in, *out;
	uint32_t e, rec, leg;
	enum dp_drop r;
	uint16_t i;

	gw4 = __atomic_load_n(&lc->net->gw_mac4, __ATOMIC_RELAXED);
	gw6 = __atomic_load_n(&lc->net->gw_mac6, __ATOMIC_RELAXED);
	for (i = 0; i < md->n; i++) {
		struct rte_mbuf *m = md->m[i];

		e = md->entry[i];
		rec = DP_PORTMAP_REC(e);
		leg = DP_PORTMAP_LEG(e);
		in = &t->rec[rec].leg[leg];
		out = &t->rec[rec].leg[leg ^ 1];
		r = dp_rewrite(lc, m, &md->pi[i], in, out, md->kind[i],
			       out->family == 4 ? gw4 : gw6, md->resized[i]);
		if (r != DP_DROP_NONE) {
			dp_drop_leg(lc, m, rec, leg, r, DG_LEG_DROP_NO_PEER);
			continue;
		}
		out->tx_pkts++;
		out->tx_bytes += md->pi[i].payload_len;
		lc->tx_leg[lc->tx_n] = rec << 1 | (leg ^ 1);
		lc->tx[lc->tx_n++] = m;
		if (lc->tx_n >= DP_BURST)
			dp_worker_tx_flush(lc);
	}
}

void
dp_worker_tx_flush(struct dp_lcore *lc)
{
	struct dp_session_table *t = lc->sessions;
	uint16_t sent, i;
	uint32_t rec, leg;

	if (lc->tx_n == 0)
		return;
	sent = rte_eth_tx_burst(lc->port_id, lc->tx_queue, lc->tx, lc->tx_n);
	for (i = 0; i < sent; i++) {
		lc->st.tx_pkts++;
		lc->st.tx_bytes += lc->tx[i]->pkt_len;
	}
	for (i = sent; i < lc->tx_n; i++) {
		rec = lc->tx_leg[i] >> 1;
		leg = lc->tx_leg[i] & 1;
		/* The session may be gone by now only if a command ran
		 * between rewrite and flush, which the loop never does. */
		t->rec[rec].leg[leg].tx_pkts--;
		t->drops[rec].leg[leg ^ 1][DG_LEG_DROP_TX]++;
		dp_drop(lc, lc->tx[i], DP_DROP_TX_FULL);
	}
	lc->tx_n = 0;
}

void
dp_worker_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *exc[DP_BURST];
	struct dp_media md;
	uint16_t nexc = 0, sent, i, chunk;

	while (n > 0) {
		chunk = n > DP_BURST ? DP_BURST : n;
		md.n = 0;
		nexc = 0;
		dp_stage_classify(lc, pkts, chunk, &md, exc, &nexc);
		dp_session_lookup_bulk(lc->sessions, md.key, md.n, md.entry);
		dp_stage_check(lc, &md);
		dp_stage_crypto(lc, &md);
		dp_stage_rewrite(lc, &md);
		if (nexc > 0) {
			sent = (uint16_t)rte_ring_enqueue_burst(lc->exc_ring,
					(void **)exc, nexc, NULL);
			lc->st.exceptions += sent;
			for (i = sent; i < nexc; i++)
				dp_drop(lc, exc[i], DP_DROP_EXCEPTION_FULL);
		}
		pkts += chunk;
		n = (uint16_t)(n - chunk);
	}
}

int
dp_worker_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t tsc;
	uint16_t n;

	lc->tx_deadline = rte_rdtsc() + lc->tx_drain_cycles;
	while (!*lc->quit) {
		/* One TSC read per idle iteration (about 55 ns on a KVM
		 * guest): the clock is read on the drain tick and once per
		 * non-empty burst, never per packet or per empty poll. */
		tsc = rte_rdtsc();
		if (tsc >= lc->tx_deadline) {
			lc->now_ns = lc->clock(lc->clock_arg);
			dp_worker_tx_flush(lc);
			lc->tx_deadline = tsc + lc->tx_drain_cycles;
			/* Control and housekeeping ride on the drain tick so
			 * a busy burst loop is not slowed by them. */
			if (lc->ctrl_on)
				dp_ctrl_poll(lc);
			dp_timeout_scan(lc, DP_TIMEOUT_BUDGET);
			if (lc->now_ns >= lc->publish_ns) {
				dp_stats_publish(lc);
				lc->publish_ns = lc->now_ns + 10000000ull;
			}
		}
		if (lc->rx_ring != NULL)
			n = (uint16_t)rte_ring_dequeue_burst(lc->rx_ring,
					(void **)pkts, DP_BURST, NULL);
		else {
			n = rte_eth_rx_burst(lc->port_id,
					     (uint16_t)(lc->rx_queue + lc->rx_next),
					     pkts, DP_BURST);
			if (++lc->rx_next >= lc->rx_nb)
				lc->rx_next = 0;
		}
		if (n == 0)
			continue;
		lc->now_ns = lc->clock(lc->clock_arg);
		dp_worker_burst(lc, pkts, n);
	}
	dp_worker_tx_flush(lc);
	dp_stats_publish(lc);
	return 0;
}
