/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory region between drongo-dp (the data plane, which creates
 * and owns it) and its control-plane client (drongo or drongo-dpctl, through
 * dg_client). One POSIX shm object per data-plane instance, named
 * DG_SHM_NAME_FMT. Layout, all offsets from the start of the region:
 *
 *   struct dg_shm_hdr                  identity, layout, liveness, addresses,
 *                                      one descriptor per worker
 *   per worker: command ring           control plane -> worker (dg_ring.h)
 *               event ring             worker -> control plane
 *               struct dg_shm_worker_stats   written by that worker only
 *   struct dg_shm_main_stats           written by the main lcore only
 *
 * Only offsets and fixed-width values are stored; each process maps the
 * region wherever it likes. Start-up of drongo-dp: shm_unlink any old
 * region, create a new one, lay it out (dg_shm_layout in dg_shm.c does it),
 * then store state = READY with release order; a client ignores a region
 * until it reads READY. generation differs from every earlier region of the
 * instance (CLOCK_REALTIME nanoseconds, or the old region's + 1 if that is
 * not smaller), so a client that sees it change re-programs every
 * live session, keeping the relay ports it already advertised (those ports
 * name their worker: dg_shm_port_worker). The main lcore stores
 * CLOCK_MONOTONIC nanoseconds into alive_ns at least every
 * DG_SHM_ALIVE_PERIOD_MS; a value that has not moved for
 * DG_SHM_DEAD_AFTER_MS means the data plane is gone.
 *
 * Port pools: the configured relay range [port_min, port_max] is cut into
 * aligned blocks of 2^port_shift ports starting at port_base (a multiple of
 * the block size); block w belongs to worker w. So port -> worker is a
 * subtraction and a shift in software, and one rte_flow rule per worker
 * (UDP dst port spec port_base + (w << port_shift), mask ~(2^port_shift - 1))
 * steers a worker's ports to its RX queue. The blocks are as small as
 * covering the range allows, so a range that is not itself aligned gives
 * uneven pools (30000-39999 on two workers: 2768 and 7232 ports); configure
 * an aligned range (32768-40959 for two workers) for even ones. When
 * covering the range would leave a worker without ports (three workers on
 * 32768-40959), the blocks shrink until every worker has some and the top
 * of the range stays unused (there: 2048 ports each, 38912-40959 unused).
 * workers[].port_first/port_last say what each worker really owns.
 */
#ifndef DRONGO_SHARED_DG_SHM_H
#define DRONGO_SHARED_DG_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dg_msg.h"
#include "dg_ring.h"

#define DG_SHM_MAGIC 0x304d48534f474e44ull	/* "DNGOSHM0" little-endian */
/** Incompatible layout or message change: clients refuse another major. */
#define DG_SHM_ABI_MAJOR 1u
/** Compatible additions (appended enum values, fields in padding). */
#define DG_SHM_ABI_MINOR 2u
/** First minor whose worker statistics carry srtp_ssrc_evicted (a region
 * of an older minor has zero padding there: "not exported", not "none"). */
#define DG_SHM_ABI_MINOR_SSRC_EVICTED 2u
/** Region name: printf format with the instance number. */
#define DG_SHM_NAME_FMT "/drongo-dp.%u"
#define DG_SHM_NAME_MAX 32u
#define DG_SHM_MAX_WORKERS 64u
/** Relay addresses in dg_shm_hdr.addrs[] (the first ones). */
#define DG_SHM_MAX_ADDRS 16u
/** Relay addresses in all (ABI 1.1): the ones past DG_SHM_MAX_ADDRS are in
 * dg_shm_hdr.addrs_more[]; read them with dg_shm_addr_at(). */
#define DG_SHM_MAX_ADDRS_ALL 64u
/** drongo-dp stores alive_ns at least this often. */
#define DG_SHM_ALIVE_PERIOD_MS 100u
/** A client declares the data plane dead when alive_ns is still after this. */
#define DG_SHM_DEAD_AFTER_MS 2000u
/** Default ring sizes (slots) drongo-dp uses unless configured. */
#define DG_SHM_CMD_SLOTS_DEFAULT 1024u
#define DG_SHM_EVT_SLOTS_DEFAULT 4096u

enum dg_shm_state {
	DG_SHM_STATE_INIT = 0,		/**< being laid out: do not touch */
	DG_SHM_STATE_READY = 1,		/**< workers take commands */
	DG_SHM_STATE_STOPPED = 2,	/**< drongo-dp exited cleanly */
	DG_SHM_STATE__COUNT
};

/*
 * Worker drop reasons (struct dg_shm_worker_stats.drops). The leg reasons of
 * dg_msg.h are included at the same names so totals add up. Append only, at
 * most DG_DROP_SLOTS.
 */
#define DG_DROPS(X) \
	X(MALFORMED, malformed)		/* bad Ethernet/IP/UDP headers */ \
	X(NOT_LOCAL, not_local)		/* not for a relay address */ \
	X(FRAGMENT, fragment)		/* IP fragment */ \
	X(NO_SESSION, no_session)	/* relay port without a session */ \
	X(SOURCE, source) \
	X(RTP_MALFORMED, rtp_malformed) \
	X(SRTP_AUTH, srtp_auth) \
	X(SRTP_REPLAY, srtp_replay) \
	X(SRTP_ERROR, srtp_error) \
	X(NO_PEER, no_peer) \
	X(TX_FULL, tx_full)		/* TX queue full */ \
	X(NO_MBUF, no_mbuf)		/* mbuf pool empty */ \
	X(HANDOFF_FULL, handoff_full)	/* software dispatch ring full */ \
	X(EXCEPTION_FULL, exception_full) /* exception (TAP) path full */ \
	X(CRYPTO_FULL, crypto_full)	/* cryptodev queue pair full */

enum dg_drop {
#define DG_DROP_ENUM_(up, low) DG_DROP_##up,
	DG_DROPS(DG_DROP_ENUM_)
#undef DG_DROP_ENUM_
	DG_DROP__COUNT
};
#define DG_DROP_SLOTS 32u
_Static_assert(DG_DROP__COUNT <= DG_DROP_SLOTS, "drop slots");

/* An address of the data plane (relay addresses in the header). */
struct dg_shm_addr {
	uint8_t family;		/**< enum dg_af */
	uint8_t pad[3];
	uint8_t addr[16];	/**< network order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct dg_shm_addr) == 20, "addr size");

/*
 * Where one worker's parts are. Written by drongo-dp before READY, read by
 * clients.
 */
struct dg_shm_worker_desc {
	uint64_t cmd_ring_off;	/**< struct dg_ring, DG_MSG_SIZE slots */
	uint64_t evt_ring_off;	/**< struct dg_ring, DG_MSG_SIZE slots */
	uint64_t stats_off;	/**< struct dg_shm_worker_stats */
	uint16_t port_first;	/**< relay ports this worker owns, inclusive; */
	uint16_t port_last;	/**< first > last: none */
	uint32_t lcore_id;	/**< informational */
};
_Static_assert(sizeof(struct dg_shm_worker_desc) == 32, "worker desc size");

/*
 * The region header. Line 0 and 1 and the tables: written by drongo-dp
 * before READY, then constant; read by clients. Line 2: written by the main
 * lcore (state, alive_ns), read by clients. Line 3: written by the one
 * attached client, read by drongo-dp (informational: who drives the rings).
 */
struct dg_shm_hdr {
	/* line 0: identity */
	uint64_t magic;			/**< DG_SHM_MAGIC */
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t hdr_size;		/**< sizeof(struct dg_shm_hdr) */
	uint64_t region_size;		/**< bytes of the whole region */
	uint64_t generation;		/**< new value at every drongo-dp start */
	uint64_t start_realtime_ns;	/**< CLOCK_REALTIME at creation */
	uint32_t instance;
	uint32_t dp_pid;
	uint32_t worker_count;		/**< 1..DG_SHM_MAX_WORKERS */
	uint32_t cmd_ring_slots;
	uint32_t evt_ring_slots;
	uint32_t msg_size;		/**< DG_MSG_SIZE */
	/* line 1: port pools, statistics layout */
	uint16_t port_min;		/**< configured relay range, inclusive */
	uint16_t port_max;
	uint16_t port_base;		/**< worker 0's block starts here */
	uint8_t port_shift;		/**< block size is 1 << port_shift */
	uint8_t addr_count;		/**< relay addresses (addrs[], then
					     addrs_more[]) */
	uint32_t sessions_per_worker;	/**< session table capacity */
	uint32_t worker_stats_size;	/**< sizeof(struct dg_shm_worker_stats) */
	uint64_t main_stats_off;	/**< struct dg_shm_main_stats */
	uint8_t pad1[DG_CACHE_LINE - 24];
	/* line 2: liveness, written by the main lcore */
	_Atomic uint32_t state;		/**< enum dg_shm_state */
	uint32_t pad2;
	_Atomic uint64_t alive_ns;	/**< CLOCK_MONOTONIC */
	uint8_t pad3[DG_CACHE_LINE - 16];
	/* line 3: written by the attached client */
	_Atomic uint64_t client_alive_ns;	/**< CLOCK_MONOTONIC */
	_Atomic uint32_t client_pid;
	uint8_t pad4[DG_CACHE_LINE - 12];
	/* tables */
	struct dg_shm_addr addrs[DG_SHM_MAX_ADDRS];	/**< relay addresses */
	struct dg_shm_worker_desc workers[DG_SHM_MAX_WORKERS];
	/* ABI 1.1: relay addresses DG_SHM_MAX_ADDRS and up */
	struct dg_shm_addr addrs_more[DG_SHM_MAX_ADDRS_ALL - DG_SHM_MAX_ADDRS];
};
_Static_assert(offsetof(struct dg_shm_hdr, port_min) == DG_CACHE_LINE,
	       "hdr line 1");
_Static_assert(offsetof(struct dg_shm_hdr, state) == 2 * DG_CACHE_LINE,
	       "hdr line 2");
_Static_assert(offsetof(struct dg_shm_hdr, client_alive_ns) ==
	       3 * DG_CACHE_LINE, "hdr line 3");
_Static_assert(offsetof(struct dg_shm_hdr, addrs) == 4 * DG_CACHE_LINE,
	       "hdr addrs");
_Static_assert(offsetof(struct dg_shm_hdr, workers) % DG_CACHE_LINE == 0,
	       "hdr workers");
_Static_assert(offsetof(struct dg_shm_hdr, addrs_more) == 2624,
	       "hdr addrs_more");
_Static_assert(sizeof(struct dg_shm_hdr) == 3584, "hdr size");
_Static_assert(DG_SHM_MAX_ADDRS_ALL <= UINT8_MAX, "addr_count is 8 bits");

/** Relay address i (< hdr->addr_count) of a header. */
static inline const struct dg_shm_addr *
dg_shm_addr_at(const struct dg_shm_hdr *hdr, uint32_t i)
{
	return i < DG_SHM_MAX_ADDRS ? &hdr->addrs[i] :
		&hdr->addrs_more[i - DG_SHM_MAX_ADDRS];
}

/*
 * One worker's counters. Written by that worker only (plain stores of
 * aligned 64-bit values); read by clients with relaxed loads
 * (dg_shm_stat_read). Line 0: the load the client balances on.
 */
struct dg_shm_worker_stats {
	/* line 0 */
	uint64_t sessions_in_use;
	uint64_t sessions_max;
	uint64_t ports_in_use;		/**< relay ports held by sessions */
	uint64_t ports_total;		/**< size of this worker's pool */
	uint64_t updated_ns;		/**< CLOCK_MONOTONIC of last update */
	uint64_t pad0[3];
	/* line 1 */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t srtp_unprotected;	/**< packets decrypted and verified */
	uint64_t srtp_protected;	/**< packets encrypted */
	/** ABI 1.2: SSRCs dropped from a full SRTP context (its least
	 * recently used one) to make room for a new one. */
	uint64_t srtp_ssrc_evicted;
	uint64_t pad1;
	/* line 2 */
	uint64_t cmds;			/**< commands taken from the ring */
	uint64_t cmd_errors;		/**< ACKs with status < 0 */
	uint64_t events;		/**< events written */
	uint64_t events_lost;		/**< unsolicited events lost, ring full */
	uint64_t timeouts;		/**< sessions ended by media timeout */
	uint64_t sessions_created;
	uint64_t sessions_deleted;
	uint64_t pad2;
	/* lines 3-6 */
	uint64_t drops[DG_DROP_SLOTS];	/**< by enum dg_drop */
};
_Static_assert(offsetof(struct dg_shm_worker_stats, rx_pkts) ==
	       DG_CACHE_LINE, "worker stats line 1");
_Static_assert(offsetof(struct dg_shm_worker_stats, cmds) ==
	       2 * DG_CACHE_LINE, "worker stats line 2");
_Static_assert(offsetof(struct dg_shm_worker_stats, drops) ==
	       3 * DG_CACHE_LINE, "worker stats drops");
_Static_assert(sizeof(struct dg_shm_worker_stats) == 7 * DG_CACHE_LINE,
	       "worker stats size");

/*
 * The main lcore's counters (slow path: ARP, ICMP, exception path, NIC).
 * Written by the main lcore only, read by clients with relaxed loads.
 */
struct dg_shm_main_stats {
	uint64_t arp_replies;
	uint64_t icmp_echo_replies;
	uint64_t to_kernel;		/**< packets handed to the TAP */
	uint64_t from_kernel;		/**< packets sent from the TAP */
	uint64_t nic_imissed;		/**< rte_eth_stats, summed over ports */
	uint64_t nic_ierrors;
	uint64_t nic_oerrors;
	uint64_t nic_rx_nombuf;
	uint64_t drops[DG_DROP_SLOTS];	/**< slow-path drops by enum dg_drop */
};
_Static_assert(sizeof(struct dg_shm_main_stats) == 5 * DG_CACHE_LINE,
	       "main stats size");

/**
 * Read a counter written by another process (relaxed: a counter is one
 * aligned 64-bit store, there is nothing else to order against).
 */
static inline uint64_t
dg_shm_stat_read(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/**
 * Whether a region's worker statistics carry srtp_ssrc_evicted (ABI 1.2 and
 * up); readers of older regions leave the counter out rather than show 0.
 */
static inline int
dg_shm_has_ssrc_evicted(const struct dg_shm_hdr *hdr)
{
	return hdr->abi_major == DG_SHM_ABI_MAJOR &&
		hdr->abi_minor >= DG_SHM_ABI_MINOR_SSRC_EVICTED;
}

/**
 * Write the region name of @p instance into @p buf (DG_SHM_NAME_MAX bytes).
 */
static inline void
dg_shm_name(char *buf, size_t len, unsigned int instance)
{
	(void)snprintf(buf, len, DG_SHM_NAME_FMT, instance);
}

/**
 * The worker that owns relay port @p port.
 *
 * @return the worker index, or -1 if no worker owns the port.
 */
static inline int
dg_shm_port_worker(const struct dg_shm_hdr *hdr, uint16_t port)
{
	uint32_t w;

	if (port < hdr->port_min || port > hdr->port_max ||
	    port < hdr->port_base)
		return -1;
	w = (uint32_t)(port - hdr->port_base) >> hdr->port_shift;
	return w < hdr->worker_count ? (int)w : -1;
}

/**
 * Parameters drongo-dp chooses for a region (input of dg_shm_layout).
 */
struct dg_shm_params {
	uint32_t instance;
	uint32_t worker_count;
	uint32_t cmd_ring_slots;	/**< 0: DG_SHM_CMD_SLOTS_DEFAULT */
	uint32_t evt_ring_slots;	/**< 0: DG_SHM_EVT_SLOTS_DEFAULT */
	uint16_t port_min;
	uint16_t port_max;
	uint32_t sessions_per_worker;
	uint64_t generation;
	uint32_t addr_count;
	struct dg_shm_addr addrs[DG_SHM_MAX_ADDRS_ALL];
};

/**
 * Bytes of a region laid out for @p p; 0 if the parameters are invalid.
 */
size_t
dg_shm_region_size(const struct dg_shm_params *p);

/**
 * Lay out a region for @p p in @p mem (@p len bytes, zeroed by the caller,
 * at least dg_shm_region_size(p)): header, rings, statistics blocks, port
 * blocks (the smallest power-of-two block, aligned, such that
 * worker_count blocks from the aligned base cover [port_min, port_max]).
 * state stays INIT; the caller publishes with dg_shm_publish.
 *
 * @return 0, -EINVAL on bad parameters (no workers or too many, empty or
 *   too small port range, bad ring sizes, too many addresses), -ENOSPC if
 *   @p len is too small.
 */
int
dg_shm_layout(void *mem, size_t len, const struct dg_shm_params *p);

/**
 * Mark a laid-out region READY (release: everything written before is
 * visible to a client that reads READY) and stamp alive_ns.
 */
void
dg_shm_publish(struct dg_shm_hdr *hdr);

/**
 * Check a mapped region of @p len bytes the way a client must before using
 * it: magic, ABI major, sizes and that every offset lies inside.
 *
 * @return 0, -EAGAIN if not READY yet, -EPROTO on another ABI major,
 *   -EBADMSG on a bad magic or a layout that does not fit.
 */
int
dg_shm_check(const struct dg_shm_hdr *hdr, size_t len);

/** CLOCK_MONOTONIC in nanoseconds. */
uint64_t
dg_shm_now_ns(void);

/* A region mapped by its creator. */
struct dg_shm_region {
	struct dg_shm_hdr *hdr;
	size_t len;
	char name[DG_SHM_NAME_MAX];
};

/**
 * drongo-dp's start-up: remove the instance's old region (reading its
 * generation first), create and map a new one of the right size and lay it
 * out with dg_shm_layout. generation is p->generation when non-zero, else
 * CLOCK_REALTIME in nanoseconds (the old region's + 1 if that is not
 * smaller). Left in state INIT:
 * fill what else is needed, then dg_shm_publish.
 *
 * @return 0, -EINVAL on bad parameters, or the negative errno of
 *   shm_open/ftruncate/mmap.
 */
int
dg_shm_create(struct dg_shm_region *reg, const struct dg_shm_params *p);

/**
 * drongo-dp's clean exit: state STOPPED (so clients stop waiting at once),
 * unmap and unlink the region.
 */
void
dg_shm_destroy(struct dg_shm_region *reg);

#endif
