/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's state and its slow-path modules: port and TAP set-up
 * (dp_port.c), software dispatch (dp_dispatch.c), the exception path to and
 * from the kernel (dp_exception.c), ARP (dp_arp.c), ICMP echo (dp_icmp.c).
 * None of this runs on a worker.
 */
#ifndef DRONGO_DATAPLANE_DP_MAIN_H
#define DRONGO_DATAPLANE_DP_MAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dg_shm.h"
#include "dp_config.h"
#include "dp_lcore.h"

#define DP_MAX_WORKERS 64u
/** Slots of each dispatch and exception ring. */
#define DP_HANDOFF_RING 4096u

struct dp_main {
	const struct dp_config *conf;
	struct dp_net net;
	struct rte_mempool *pool;
	uint16_t port_id;
	uint16_t tap_id;		/**< UINT16_MAX: no exception path */
	uint16_t main_txq;		/**< the main lcore's TX queue */
	uint16_t nrxq;			/**< RX queues configured */
	bool software;			/**< software dispatch (else flow rules) */
	bool direct;			/**< one worker reads the port itself */
	unsigned int nworkers;
	uint16_t port_base;		/**< dispatch: port -> worker */
	uint8_t port_shift;
	uint16_t port_min;
	uint16_t port_max;
	struct dp_lcore *workers[DP_MAX_WORKERS];
	struct rte_ring *exc_rings[DP_MAX_WORKERS];
	struct dg_shm_hdr *shm;			/**< NULL without a region */
	struct dg_shm_main_stats *stats;	/**< in the shm region */
	struct dg_shm_main_stats local_stats;	/**< when there is none */
	uint64_t next_arp_ns;
	uint64_t next_nd_ns;
	volatile bool *quit;
};

/**
 * Configure and start the relay port (RX queue 0 for the main lcore, plus
 * queue w + 1 for worker w in flow mode; TX queue w for worker w and
 * nworkers for the main lcore; checksum offloads when offered), and the
 * exception TAP when configured.
 *
 * @return 0, or a negative errno after logging why.
 */
int dp_port_setup(struct dp_main *dm);

/**
 * Install one rte_flow rule per worker and family (UDP destination port
 * block -> the worker's RX queue), validating each first.
 *
 * @return 0, -ENOTSUP when the port refuses a rule (nothing left
 *         installed).
 */
int dp_port_flow_setup(struct dp_main *dm);

/** Stop and close the ports. */
void dp_port_close(struct dp_main *dm);

/** The main lcore's loop; returns when *dm->quit becomes true. */
void dp_main_loop(struct dp_main *dm);

/**
 * Hand n packets read by the main lcore to their owning workers' rings
 * (software dispatch); what is not media goes to the slow path.
 */
void dp_dispatch_burst(struct dp_main *dm, struct rte_mbuf **pkts,
		uint16_t n);

/**
 * The slow path for one packet that is not media: answered here (ARP,
 * ICMP echo for a relay address) or handed to the kernel through the TAP.
 */
void dp_exception_input(struct dp_main *dm, struct rte_mbuf *m);

/**
 * Move what the kernel sent on the TAP out of the relay port.
 *
 * @return the number of packets read from the TAP.
 */
unsigned int dp_exception_from_kernel(struct dp_main *dm);

/** Send one packet built by the slow path on the main TX queue. */
void dp_main_tx(struct dp_main *dm, struct rte_mbuf *m);

/**
 * Answer an ARP request for a relay address in place, and learn the
 * gateway's MAC from any ARP packet it sends.
 *
 * @return 1 when the frame was turned into a reply to send, 0 when it is
 *         for the kernel, -EBADMSG when malformed.
 */
int dp_arp_input(struct dp_net *net, uint8_t *frame, uint32_t len);

/** Build an ARP request for the IPv4 gateway; returns its length. */
uint32_t dp_arp_request(const struct dp_net *net, uint8_t *frame);

/**
 * Turn an ICMP echo request to a relay address into the reply, in place.
 *
 * @return 1 to send the reply, 0 when it is for the kernel, -EBADMSG when
 *         malformed.
 */
int dp_icmp_input(const struct dp_net *net, uint8_t *frame, uint32_t len);

/**
 * IPv6 neighbour discovery and ICMPv6 echo for the relay's addresses: an
 * NS for a relay address becomes the NA, an echo request the reply, in
 * place (cap: bytes the frame may grow to); the IPv6 gateway's MAC is
 * learnt from its NS and NA.
 *
 * @param out_len receives the reply's length
 * @return 1 to send the reply, 0 when it is for the kernel, -EBADMSG when
 *         malformed, -ENOSPC when the reply does not fit cap.
 */
int dp_nd_input(struct dp_net *net, uint8_t *frame, uint32_t len,
		uint32_t cap, uint32_t *out_len);

/** Build an NS for the IPv6 gateway; returns its length. */
uint32_t dp_nd_solicit(const struct dp_net *net, uint8_t *frame);

#endif
