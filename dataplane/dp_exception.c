/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path, on the main lcore: traffic that is not media. ARP,
 * IPv6 neighbour solicitations and ICMP/ICMPv6 echo for the relay's
 * addresses are answered here (NAs count as ARP replies, ICMPv6 echo
 * replies as ICMP echo replies in the statistics); everything
 * else (SIP on the same NIC, TCP, ARP replies, other ICMP, fragments) is
 * written to the TAP so the kernel, and the control plane's sockets behind
 * it, see it; what the kernel sends on the TAP leaves through the relay
 * port. Without a TAP such traffic is dropped and counted.
 */
#include <string.h>

#include <rte_ethdev.h>

#include "dp_main.h"

static void
dp_to_kernel(struct dp_main *dm, struct rte_mbuf *m)
{
	if (dm->tap_id == UINT16_MAX ||
	    rte_eth_tx_burst(dm->tap_id, 0, &m, 1) != 1) {
		dm->stats->drops[DG_DROP_EXCEPTION_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	dm->stats->to_kernel++;
}

void
dp_exception_input(struct dp_main *dm, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct dp_pkt_info pi;
	enum dp_class cls;
	int r;

	if (m->nb_segs != 1) {
		dp_to_kernel(dm, m);
		return;
	}
	/* Our own frame seen again by a packet socket port. */
	if (memcmp(p + 6, dm->net.port_mac, 6) == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	cls = dp_pkt_parse(p, m->data_len, true, &pi);
	if (cls == DP_CLASS_ARP) {
		r = dp_arp_input(&dm->net, p, m->data_len);
		if (r == 1) {
			dm->stats->arp_replies++;
			dp_main_tx(dm, m);
			return;
		}
	} else if (cls == DP_CLASS_ICMP) {
		r = dp_icmp_input(&dm->net, p, m->data_len);
		if (r == 1) {
			dm->stats->icmp_echo_replies++;
			dp_main_tx(dm, m);
			return;
		}
	} else if (cls == DP_CLASS_ICMP6) {
		uint32_t out_len;

		r = dp_nd_input(&dm->net, p, m->data_len,
				m->data_len + rte_pktmbuf_tailroom(m),
				&out_len);
		if (r == 1) {
			m->data_len = (uint16_t)out_len;
			m->pkt_len = out_len;
			if (p[DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN] == 136)
				dm->stats->arp_replies++;
			else
				dm->stats->icmp_echo_replies++;
			dp_main_tx(dm, m);
			return;
		}
	} else if (cls == DP_CLASS_DROP) {
		dm->stats->drops[DG_DROP_MALFORMED]++;
		rte_pktmbuf_free(m);
		return;
	}
	dp_to_kernel(dm, m);
}

unsigned int
dp_exception_from_kernel(struct dp_main *dm)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n, sent, i;

	if (dm->tap_id == UINT16_MAX)
		return 0;
	n = rte_eth_rx_burst(dm->tap_id, 0, pkts, DP_BURST);
	if (n == 0)
		return 0;
	sent = rte_eth_tx_burst(dm->port_id, dm->main_txq, pkts, n);
	dm->stats->from_kernel += sent;
	for (i = sent; i < n; i++) {
		dm->stats->drops[DG_DROP_TX_FULL]++;
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}
