/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's loop and software dispatch. With software steering the
 * main lcore reads the relay port and hands each UDP packet for a relay
 * port to its owner's single-producer single-consumer ring (port -> worker
 * is a subtraction and a shift); with flow steering it reads only the
 * queue that catches what the rules do not match. Either way it also
 * drains the workers' exception rings, moves the kernel's frames from the
 * TAP to the port, refreshes the gateway's MAC, keeps the shm region's
 * liveness stamp and publishes its statistics.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dg_log.h"
#include "dp_main.h"

/* Idle iterations before the main lcore sleeps, and for how long. A
 * dispatcher waits for a longer quiet so that traffic resuming is not
 * delayed while a burst is still likely. */
#define DP_MAIN_IDLE 64u
#define DP_MAIN_IDLE_DISPATCH 100000u
#define DP_MAIN_SLEEP_US 100u

void
dp_main_tx(struct dp_main *dm, struct rte_mbuf *m)
{
	if (rte_eth_tx_burst(dm->port_id, dm->main_txq, &m, 1) != 1) {
		dm->stats->drops[DG_DROP_TX_FULL]++;
		rte_pktmbuf_free(m);
	}
}

void
dp_dispatch_burst(struct dp_main *dm, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *out[DP_MAX_WORKERS][DP_BURST];
	uint16_t cnt[DP_MAX_WORKERS] = { 0 };
	struct dp_pkt_info pi;
	enum dp_class cls;
	unsigned int w, sent, i;
	uint16_t k;

	for (k = 0; k < n; k++) {
		struct rte_mbuf *m = pkts[k];

		/* A packet socket port (net_af_packet with several queues)
		 * shows each queue what the others sent: never relay our
		 * own frames again. */
		if (memcmp(rte_pktmbuf_mtod_offset(m, const uint8_t *, 6),
			   dm->net.port_mac, 6) == 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		/* Header checks are the worker's; only the port is read. */
		cls = dp_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				   m->data_len, false, &pi);
		if (cls == DP_CLASS_UDP && pi.dst_port >= dm->port_min &&
		    pi.dst_port <= dm->port_max &&
		    pi.dst_port >= dm->port_base) {
			w = (unsigned int)(pi.dst_port - dm->port_base) >>
				dm->port_shift;
			if (w < dm->nworkers) {
				out[w][cnt[w]++] = m;
				continue;
			}
		}
		dp_exception_input(dm, m);
	}
	for (w = 0; w < dm->nworkers; w++) {
		if (cnt[w] == 0)
			continue;
		sent = rte_ring_enqueue_burst(dm->workers[w]->rx_ring,
					      (void **)out[w], cnt[w], NULL);
		for (i = sent; i < cnt[w]; i++) {
			dm->stats->drops[DG_DROP_HANDOFF_FULL]++;
			rte_pktmbuf_free(out[w][i]);
		}
	}
}

static void
dp_main_timers(struct dp_main *dm, uint64_t now, struct dg_shm_hdr *hdr)
{
	struct rte_eth_stats es;
	struct rte_mbuf *m;
	uint64_t gw;

	if (hdr != NULL)
		atomic_store_explicit(&hdr->alive_ns, now,
				      memory_order_release);
	if (dm->conf->has_gw4 && now >= dm->next_arp_ns) {
		gw = __atomic_load_n(&dm->net.gw_mac4, __ATOMIC_RELAXED);
		/* Every second until resolved, then at the refresh period. */
		dm->next_arp_ns = now + (gw == 0 ? 1000000000ull :
					 dm->conf->arp_refresh_ms * 1000000ull);
		m = rte_pktmbuf_alloc(dm->pool);
		if (m != NULL) {
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 60);

			memset(p, 0, 60);
			(void)dp_arp_request(&dm->net, p);
			dp_main_tx(dm, m);
		} else {
			dm->stats->drops[DG_DROP_NO_MBUF]++;
		}
	}
	if (dm->conf->has_gw6 && now >= dm->next_nd_ns) {
		gw = __atomic_load_n(&dm->net.gw_mac6, __ATOMIC_RELAXED);
		dm->next_nd_ns = now + (gw == 0 ? 1000000000ull :
					dm->conf->arp_refresh_ms * 1000000ull);
		m = rte_pktmbuf_alloc(dm->pool);
		if (m != NULL) {
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 86);

			(void)dp_nd_solicit(&dm->net, p);
			dp_main_tx(dm, m);
		} else {
			dm->stats->drops[DG_DROP_NO_MBUF]++;
		}
	}
	if (rte_eth_stats_get(dm->port_id, &es) == 0) {
		dm->stats->nic_imissed = es.imissed;
		dm->stats->nic_ierrors = es.ierrors;
		dm->stats->nic_oerrors = es.oerrors;
		dm->stats->nic_rx_nombuf = es.rx_nombuf;
	}
}

void
dp_main_loop(struct dp_main *dm)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dg_shm_hdr *hdr = dm->shm;
	uint64_t tsc, next_tick = 0, tick = rte_get_tsc_hz() / 20;
	unsigned int w, work, idle = 0;
	uint16_t n, i, q;

	while (!*dm->quit) {
		/* The timers run every 50 ms: compare raw TSC on each
		 * iteration and convert to nanoseconds only for them. */
		tsc = rte_rdtsc();
		if (tsc >= next_tick) {
			dp_main_timers(dm, dp_clock_monotonic(NULL), hdr);
			next_tick = tsc + tick;
		}
		work = 0;
		/* With software dispatch the main lcore reads every RX queue
		 * (a PMD may spread packets over them by itself); with flow
		 * rules only queue 0, where what no rule matched lands; in
		 * direct mode the worker reads the port. */
		for (q = 0; !dm->direct && q < (dm->software ? dm->nrxq : 1);
		     q++) {
			n = rte_eth_rx_burst(dm->port_id, q, pkts, DP_BURST);
			work += n;
			if (dm->software)
				dp_dispatch_burst(dm, pkts, n);
			else
				for (i = 0; i < n; i++)
					dp_exception_input(dm, pkts[i]);
		}
		for (w = 0; w < dm->nworkers; w++) {
			n = (uint16_t)rte_ring_dequeue_burst(dm->exc_rings[w],
					(void **)pkts, DP_BURST, NULL);
			work += n;
			for (i = 0; i < n; i++)
				dp_exception_input(dm, pkts[i]);
		}
		work += dp_exception_from_kernel(dm);
		/* The main lcore is no fast path unless it dispatches: when
		 * idle it sleeps instead of taking a CPU (or the CPU a worker
		 * shares with it); a dispatcher only after a long quiet. */
		if (work != 0)
			idle = 0;
		else if (idle < (dm->software && !dm->direct ?
				 DP_MAIN_IDLE_DISPATCH : DP_MAIN_IDLE))
			idle++;
		else
			rte_delay_us_sleep(DP_MAIN_SLEEP_US);
	}
}
