/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker state: one struct dp_lcore per worker lcore, touched only by
 * that worker (the main lcore reads its counters for statistics), plus the
 * network identity every lcore reads (struct dp_net). The gateway MACs in
 * dp_net are the one thing written while workers run: the main lcore
 * resolves them and stores each as one aligned 64-bit value that workers
 * load once per burst, so no lock or read-modify-write is needed.
 */
#ifndef DRONGO_DATAPLANE_DP_LCORE_H
#define DRONGO_DATAPLANE_DP_LCORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dg_ring.h"
#include "dg_shm.h"
#include "dp_classify.h"
#include "dp_session.h"

/** Packets per RX burst. */
#define DP_BURST 32u
/** TX buffer: flushed when it holds DP_BURST, or on the TSC deadline. */
#define DP_TX_BUF (2u * DP_BURST)
/** Commands a worker takes per loop iteration. */
#define DP_CTRL_BUDGET 8u
/** Session records the timeout scan visits per loop iteration. */
#define DP_TIMEOUT_BUDGET 8u

/** The relay's identity on its port, shared read-only by the lcores. */
struct dp_net {
	uint8_t port_mac[6];
	uint16_t pad0;
	uint32_t addr_count;
	struct dp_addr addrs[DP_ADDR_MAX];
	uint8_t gw4[4];			/**< IPv4 next hop (zero: none) */
	uint8_t gw6[16];		/**< IPv6 next hop (zero: none) */
	/* Written by the main lcore (__atomic_store_n), read by workers
	 * (__atomic_load_n): the next hop's MAC in the low 48 bits, in wire
	 * order from the least significant byte up; 0 = not resolved. */
	uint64_t gw_mac4;
	uint64_t gw_mac6;
};

/** Worker counters, by the worker's own detailed reasons. */
struct dp_worker_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t exceptions;	/**< handed to the main lcore */
	uint64_t srtp_unprotected;
	uint64_t srtp_protected;
	uint64_t timeouts;
	uint64_t cmds;
	uint64_t cmd_errors;
	uint64_t events;
	uint64_t events_lost;
	uint64_t sessions_created;
	uint64_t sessions_deleted;
	uint64_t drops[DP_DROP__COUNT];
};

/** The worker's time source: CLOCK_MONOTONIC nanoseconds. */
typedef uint64_t (*dp_clock_fn)(void *arg);

/** Records a walk over the table visits per loop iteration. */
#define DP_WALK_BUDGET 512u

/* A command that visits every record (STATS_REQUEST for all sessions,
 * FLUSH), carried out DP_WALK_BUDGET records per iteration so the burst
 * loop never stalls on a large table; its ACK ends it. */
struct dp_stats_walk {
	bool active;
	uint16_t cmd;		/**< DG_MSG_STATS_REQUEST or DG_MSG_FLUSH */
	uint32_t seq;
	uint32_t next;		/**< next record index */
	uint32_t count;		/**< sessions reported or deleted so far */
};

struct dp_lcore {
	/* read every burst */
	struct dp_session_table *sessions;
	const struct dp_net *net;
	struct rte_ring *rx_ring;	/**< software dispatch: input ring;
					     NULL: read the port's queues
					     rx_queue .. rx_queue + rx_nb - 1 */
	struct rte_ring *exc_ring;	/**< non-media to the main lcore */
	uint16_t port_id;
	uint16_t rx_queue;
	uint16_t rx_nb;			/**< queues read in turn (>= 1) */
	uint16_t rx_next;		/**< next of them */
	uint16_t tx_queue;
	uint16_t worker;		/**< index 0..n-1 */
	bool tx_ip_csum;		/**< port offloads IPv4 header checksum */
	bool tx_udp_csum;		/**< port offloads UDP checksum */
	uint64_t now_ns;		/**< clock, read once per iteration */
	dp_clock_fn clock;
	void *clock_arg;
	uint64_t latch_quiet_ns;	/**< peer silent this long: re-latch ok */
	uint64_t tx_drain_cycles;	/**< TSC cycles between TX drains */
	uint64_t tx_deadline;		/**< TSC of the next drain */
	/* Control work one drain tick may do, in TSC cycles: past it no
	 * further command, FLUSH deletion or timeout deletion starts in
	 * that tick. Counts alone do not bound it: libsrtp2 as Debian
	 * ships it (NSS) takes tens of milliseconds per srtp_dealloc with
	 * thousands of contexts, so 512 deletions of one walk step could
	 * hold the worker (and its command ring) for seconds. */
	uint64_t ctrl_budget_cycles;
	uint64_t ctrl_deadline;		/**< TSC end of the current tick's
					     control work (dp_ctrl_poll) */
	uint64_t publish_ns;		/**< next statistics publication */
	struct dp_worker_stats st;
	/* control (dp_ctrl.c) */
	bool ctrl_on;
	struct dg_ring_ref cmd;
	struct dg_ring_ref evt;
	struct dp_stats_walk walk;
	struct dg_shm_worker_stats *shm_stats;
	volatile bool *quit;
	/* TX buffer; tx_leg[i] attributes tx[i] to (record << 1 | leg). */
	uint16_t tx_n;
	struct rte_mbuf *tx[DP_TX_BUF];
	uint32_t tx_leg[DP_TX_BUF];
} __rte_cache_aligned;

/**
 * Process one burst already received: classify, look up, check, latch,
 * rewrite and buffer media for TX; non-media goes to exc_ring; the rest is
 * dropped and counted. Flushes the TX buffer when it fills.
 */
void dp_worker_burst(struct dp_lcore *lc, struct rte_mbuf **pkts,
		uint16_t n);

/** Send what the TX buffer holds; unsent mbufs are freed and counted. */
void dp_worker_tx_flush(struct dp_lcore *lc);

/** The worker loop (rte_eal_remote_launch entry); arg is a dp_lcore. */
int dp_worker_main(void *arg);

/** Default time source: TSC scaled to CLOCK_MONOTONIC. */
uint64_t dp_clock_monotonic(void *arg);

/** Anchor dp_clock_monotonic (call once on the main lcore before launch). */
void dp_clock_init(void);

/**
 * Control: take up to DP_CTRL_BUDGET commands from the command ring and
 * answer each (dp_ctrl.c).
 */
void dp_ctrl_poll(struct dp_lcore *lc);

/**
 * Scan the next DP_TIMEOUT_BUDGET records for media timeouts; a timed-out
 * session is reported (MEDIA_TIMEOUT) and deleted (dp_timeout.c).
 */
void dp_timeout_scan(struct dp_lcore *lc, uint32_t budget);

/** Copy the worker's counters to its shm statistics block (dp_stats.c). */
void dp_stats_publish(struct dp_lcore *lc);

/** The worker counter (enum dg_drop) a detailed reason adds to. */
unsigned int dp_drop_to_dg(unsigned int reason);

#endif
