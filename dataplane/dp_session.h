/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One worker's session table. Written only by its worker (commands are
 * drained by the worker itself), so nothing here is locked or atomic.
 * Three structures, all sized at start-up:
 * - the records: one struct dp_session per session, in a fixed array with a
 *   stack of free indexes;
 * - the id index: open addressing with linear probing and backward-shift
 *   deletion, session id -> record, for commands;
 * - the port map: one 32-bit entry per (relay address, port of this
 *   worker's block), so the per-packet lookup is an array index, done in
 *   bulk over a burst (dp_session_lookup_bulk).
 * Relay ports are allocated here (even RTP port, RTCP = RTP + 1 unless
 * rtcp-mux; a bitmap of free pairs makes the search 64 pairs per load) or
 * taken as given when the control plane re-programs a session after a
 * data-plane restart.
 */
#ifndef DRONGO_DATAPLANE_DP_SESSION_H
#define DRONGO_DATAPLANE_DP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "dg_msg.h"

struct dp_srtp_worker;

/** Relay addresses a worker serves (IPv4 and IPv6 together). One address
 * holds 16 k rtcp-mux sessions in the full port range: 64 hold 1 M. */
#define DP_ADDR_MAX 64u
/** Slots of the IPv4 relay-address hash: a power of two, at least four per
 * address so probe chains stay short. */
#define DP_ADDR4_SLOTS 256u
/** Packet kinds, also the index of per-kind port arrays. */
#define DP_KIND_RTP 0u
#define DP_KIND_RTCP 1u
/** No SRTP context slot (context indexes are 32-bit: a worker holds
 * more than the 65 535 a 16-bit index would allow, four per re-keyed
 * session). */
#define DP_SRTP_NONE 0xffffffffu

/* Leg state (struct dp_leg.state). */
#define DP_LEG_S_LATCHED_RTP (1u << 0)	/**< peer RTP port learnt */
#define DP_LEG_S_LATCHED_RTCP (1u << 1)	/**< peer RTCP port learnt */
#define DP_LEG_S_MAC (1u << 2)		/**< peer_mac valid (on-link peer) */
#define DP_LEG_S_SDP (1u << 3)		/**< sdp_addr/sdp_port valid */

/* Port map entry: 0 empty, else (record + 1) << 2 | leg << 1 | kind. */
#define DP_PORTMAP_REC(e) (((e) >> 2) - 1)
#define DP_PORTMAP_LEG(e) (((e) >> 1) & 1u)
#define DP_PORTMAP_KIND(e) ((e) & 1u)

/** A relay address of the worker. */
struct dp_addr {
	uint8_t family;		/**< 4 or 6 */
	uint8_t prefix;		/**< on-link prefix length */
	uint8_t addr[16];	/**< network order; IPv4 in the first 4 bytes */
};

/*
 * One leg: where its peer is and what the relay uses toward it. Ingress on
 * this leg reads peer (source check, latch); egress toward this leg reads
 * peer and local ports.
 */
struct dp_leg {
	uint8_t peer_addr[16];	/**< current peer: latched, else SDP */
	uint8_t sdp_addr[16];	/**< peer named by SDP (DP_LEG_S_SDP) */
	uint64_t last_rx_ns;	/**< last accepted packet, 0 = never */
	uint16_t peer_port[2];	/**< by kind; 0 = unknown */
	uint16_t sdp_port[2];	/**< by kind; 0 = any */
	uint16_t local_port[2];	/**< relay ports by kind (equal with mux) */
	uint8_t addr_idx;	/**< relay address (struct dp_addr index) */
	uint8_t family;		/**< relay address family, 4 or 6 */
	uint8_t peer_family;	/**< 0 while the peer is unknown */
	uint8_t state;		/**< DP_LEG_S_* */
	uint32_t flags;		/**< DG_LEG_F_* as programmed */
	uint32_t srtp_slot[2];	/**< in (unprotect), out (protect) contexts of
				     the worker's SRTP array, or DP_SRTP_NONE */
	uint8_t peer_mac[6];	/**< DP_LEG_S_MAC */
	uint8_t srtp_suite;	/**< enum dg_srtp_suite */
	uint8_t pad0[5];
	uint64_t rx_pkts;	/**< accepted from this leg's peer */
	uint64_t rx_bytes;	/**< UDP payload bytes */
	uint64_t tx_pkts;	/**< sent toward this leg's peer */
	uint64_t tx_bytes;
};

/*
 * A session: what the worker needs for a packet of either direction, in
 * four cache lines (two IPv6-capable peer and SDP addresses per leg are
 * most of it). Drop counters, touched only on drops, live apart
 * (struct dp_session_drops).
 */
struct dp_session {
	uint64_t id;		/**< control plane's id; 0 = free record */
	uint64_t created_ns;
	uint64_t window_end_ns;	/**< end of the latch window (create/update +
				     latch_window_s); UINT64_MAX = no window */
	uint16_t timeout_start_s;
	uint16_t timeout_stop_s;
	uint16_t latch_window_s;
	uint16_t pad0;
	struct dp_leg leg[2];
} __rte_cache_aligned;
/* Line 0 holds the header and the start of leg 0; a packet touches the
 * header line, its ingress leg and its egress leg. */
_Static_assert(sizeof(struct dp_session) == 4 * RTE_CACHE_LINE_SIZE,
	       "session record is four cache lines");

/** Drops of one session, by leg and enum dg_leg_drop. */
struct dp_session_drops {
	uint32_t leg[2][DG_LEG_DROP_SLOTS];
};

/** Sizes and the worker's share of the relay. */
struct dp_session_conf {
	uint32_t capacity;		/**< sessions */
	uint16_t port_first;		/**< this worker's port block, inclusive */
	uint16_t port_last;
	uint32_t addr_count;
	struct dp_addr addrs[DP_ADDR_MAX];
	uint32_t latch_window_s;	/**< default when a command says 0 */
	int socket_id;			/**< NUMA node for the memory */
};

/* IPv4 relay address -> index, so a packet's destination is found in one
 * or two probes whatever the number of addresses. */
struct dp_addr4_slot {
	uint32_t addr;			/**< as loaded from network order */
	uint32_t idx1;			/**< address index + 1; 0 = empty */
};

struct dp_id_slot {
	uint64_t id;			/**< 0 = empty */
	uint32_t rec;
	uint32_t pad0;
};

/* The table. Fields are read by the inline lookup; write only through the
 * functions below. */
struct dp_session_table {
	uint32_t capacity;
	uint32_t count;
	uint32_t id_mask;		/**< id index slots - 1 */
	uint32_t nfree;
	uint32_t port_first;
	uint32_t port_count;		/**< ports in the block */
	uint32_t addr_count;
	uint32_t ports_in_use;
	uint32_t scan_next;		/**< timeout scan cursor */
	uint32_t latch_window_s;
	uint32_t alloc_next[DP_ADDR_MAX];	/**< next pair-map word to try */
	uint32_t pair_words;		/**< 64-bit words per address */
	struct dp_addr addrs[DP_ADDR_MAX];
	struct dp_addr4_slot addr4[DP_ADDR4_SLOTS];
	struct dp_srtp_worker *srtp;	/**< the worker's SRTP contexts; NULL:
					     sessions with keys are refused */
	struct dp_session *rec;		/**< [capacity] */
	struct dp_session_drops *drops;	/**< [capacity] */
	uint32_t *free_rec;		/**< stack of free record indexes */
	struct dp_id_slot *ids;		/**< [id_mask + 1] */
	uint32_t *portmap;		/**< [addr_count * port_count] */
	uint64_t *pairs;		/**< per address, one bit per even port
					     (with the odd one above it): set
					     when either is taken */
};

/**
 * Allocate a table for conf (from the DPDK heap of conf->socket_id).
 *
 * @return 0, -EINVAL (no capacity, empty block, no address), -ENOMEM.
 */
int dp_session_table_create(struct dp_session_table **out,
		const struct dp_session_conf *conf);

/** Free a table; NULL is allowed. */
void dp_session_table_free(struct dp_session_table *t);

/**
 * Create session id from a SESSION_CREATE body. SRTP legs get their
 * contexts from t->srtp: per direction, an unprotect context on the
 * ingress leg and a protect context on the egress leg, none at all when the
 * ingress leg's keys equal the egress leg's (the packets pass untouched).
 *
 * @param ports receives each leg's relay ports
 * @return 0, -EINVAL bad field, -ENOTSUP SRTP suite without a crypto
 *   engine, -EEXIST id in use, -EADDRNOTAVAIL relay address not served,
 *   -EXDEV port outside this worker's block, -EADDRINUSE port taken,
 *   -ENOSPC port pool empty, -ENOMEM table full.
 */
int dp_session_create(struct dp_session_table *t, uint64_t id,
		const struct dg_msg_session *msg, uint64_t now_ns,
		struct dg_msg_ports ports[2]);

/**
 * Re-program session id from a SESSION_UPDATE body: peers, flags,
 * timeouts and keys are replaced (SRTP contexts are made anew, so their
 * rollover counters restart), the latch window restarts; relay
 * addresses and ports must be the session's (ports may be 0). A leg whose
 * SDP peer changed forgets its latched peer.
 *
 * @return 0, -ENOENT, or the errors of dp_session_create().
 */
int dp_session_update(struct dp_session_table *t, uint64_t id,
		const struct dg_msg_session *msg, uint64_t now_ns,
		struct dg_msg_ports ports[2]);

/**
 * Delete session id and release its ports.
 *
 * @return 0, -ENOENT.
 */
int dp_session_delete(struct dp_session_table *t, uint64_t id);

/** Delete every session. @return how many there were. */
uint32_t dp_session_flush(struct dp_session_table *t);

/** The record of session id, or NULL. */
struct dp_session *dp_session_find(const struct dp_session_table *t,
		uint64_t id);

/** Record index of a record of t. */
static inline uint32_t
dp_session_index(const struct dp_session_table *t, const struct dp_session *s)
{
	return (uint32_t)(s - t->rec);
}

/**
 * Fill a SESSION_STATS / MEDIA_TIMEOUT body from a record (reason 0; the
 * worker's clock is CLOCK_MONOTONIC, so times are copied as they are).
 */
void dp_session_stats_fill(const struct dp_session_table *t,
		const struct dp_session *s, struct dg_msg_stats *st);

/** Home slot of an IPv4 address (as loaded) in dp_session_table.addr4. */
static inline uint32_t
dp_session_addr4_home(uint32_t a)
{
	return (a * 0x9e3779b1u) >> 24;
}

/** Index of IPv4 relay address a (4 bytes, network order), or -1. */
static inline int
dp_session_addr4_index(const struct dp_session_table *t, const uint8_t *a)
{
	uint32_t v, i;

	memcpy(&v, a, sizeof(v));
	for (i = dp_session_addr4_home(v); t->addr4[i].idx1 != 0;
	     i = (i + 1) & (DP_ADDR4_SLOTS - 1))
		if (t->addr4[i].addr == v)
			return (int)t->addr4[i].idx1 - 1;
	return -1;
}

/** The port map key of (relay address index, port). */
static inline uint32_t
dp_session_key(uint32_t addr_idx, uint16_t port)
{
	return addr_idx << 16 | port;
}

/**
 * Look up n keys (dp_session_key) at once: entries[i] receives the port map
 * entry (0 when the port has no session). Keys must name a served address
 * index and a port of this worker's block.
 */
static inline void
dp_session_lookup_bulk(const struct dp_session_table *t,
		const uint32_t *keys, unsigned int n, uint32_t *entries)
{
	unsigned int i;
	uint32_t e;

	for (i = 0; i < n; i++)
		rte_prefetch0(&t->portmap[(keys[i] >> 16) * t->port_count +
				  ((keys[i] & 0xffff) - t->port_first)]);
	for (i = 0; i < n; i++) {
		e = t->portmap[(keys[i] >> 16) * t->port_count +
			       ((keys[i] & 0xffff) - t->port_first)];
		/* All four lines: the header, the ingress leg (source
		 * check, SRTP slot) and the egress leg (rewrite). */
		if (e != 0) {
			const uint8_t *r = (const uint8_t *)&t->rec[DP_PORTMAP_REC(e)];

			rte_prefetch0(r);
			rte_prefetch0(r + RTE_CACHE_LINE_SIZE);
			rte_prefetch0(r + 2 * RTE_CACHE_LINE_SIZE);
			rte_prefetch0(r + 3 * RTE_CACHE_LINE_SIZE);
		}
		entries[i] = e;
	}
}

/** True when port belongs to this worker's block. */
static inline bool
dp_session_port_mine(const struct dp_session_table *t, uint16_t port)
{
	return (uint32_t)port - t->port_first < t->port_count;
}

#endif
