/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP/SRTCP for the data plane's fast path. A worker owns one
 * struct dp_srtp_worker: an array of per-stream-direction contexts (hot
 * framing state: rollover counter, highest index, replay bitmap, SSRC, salt,
 * crypto session) and its own cryptodev queue pair. The control path creates
 * a context from SDES master keys (derived and wiped at once) and stores the
 * returned index in the session record; the burst loop hands a whole burst of
 * (mbuf, context index, RTP/RTCP) to dp_srtp_burst_process(), which returns a
 * verdict per packet. Two backends sit behind this interface: DPDK cryptodev
 * (default; crypto_aesni_mb unless a hardware device is configured) and
 * Debian's libsrtp2, which is also the reference the tests compare against.
 */
#ifndef DRONGO_DATAPLANE_SRTP_DP_SRTP_H
#define DRONGO_DATAPLANE_SRTP_DP_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;

/** Largest burst dp_srtp_burst_process() takes (the worker's DP_BURST). */
#define DP_SRTP_BURST_MAX 32

/** Bytes protect may append: GCM tag (16) + SRTCP E flag and index (4). */
#define DP_SRTP_TRAILER_MAX 20

/** SDES crypto suites (RFC 4568, RFC 7714). */
enum dp_srtp_suite {
	DP_SRTP_AES_CM_128_HMAC_SHA1_80,
	DP_SRTP_AES_CM_128_HMAC_SHA1_32,
	DP_SRTP_AEAD_AES_128_GCM,
	DP_SRTP_SUITE__COUNT
};

/** What a context does: unprotect with a leg's ingress keys, or protect with its egress keys. */
enum dp_srtp_dir {
	DP_SRTP_DIR_UNPROTECT,
	DP_SRTP_DIR_PROTECT,
};

/** Packet kind given per packet in a burst (the caller's classifier knows it). */
enum dp_srtp_op {
	DP_SRTP_OP_RTP,
	DP_SRTP_OP_RTCP,
};

/** Per-packet result; anything but DP_SRTP_OK means drop and count by reason. */
enum dp_srtp_verdict {
	DP_SRTP_OK,
	DP_SRTP_AUTH_FAIL,	/**< tag does not verify */
	DP_SRTP_REPLAY_DUP,	/**< index already seen inside the replay window */
	DP_SRTP_REPLAY_OLD,	/**< index behind the replay window */
	DP_SRTP_TOO_SHORT,	/**< shorter than header + trailer */
	DP_SRTP_BAD_HEADER,	/**< not RTP/RTCP v2, other SSRC, multi-segment, unsupported layout */
	DP_SRTP_CRYPTO_ERROR,	/**< the crypto device failed the operation */
	DP_SRTP_VERDICT__COUNT
};

/** Backend chosen by configuration for every worker. */
enum dp_srtp_backend {
	DP_SRTP_BACKEND_CRYPTODEV,
	DP_SRTP_BACKEND_LIBSRTP,
};

/** Process-wide configuration, given once to dp_srtp_init(). */
struct dp_srtp_conf {
	enum dp_srtp_backend backend;
	/** Cryptodev to use by name; NULL creates a crypto_aesni_mb vdev. */
	const char *cryptodev;
	/** Number of workers = cryptodev queue pairs. */
	uint16_t nb_workers;
	/** Crypto sessions in the session mempool (two per context: RTP, RTCP). */
	uint32_t nb_sessions;
	/** Context slots per worker. */
	uint32_t nb_ctx;
	/** Replay window in packets: 64 or 128 (0 means 128). */
	uint16_t replay_window;
	/** Use enqueue/dequeue even where the PMD offers synchronous CPU crypto. */
	bool force_enqueue;
	/** NUMA socket for pools and device (SOCKET_ID_ANY allowed). */
	int socket_id;
};

/** SDES master key and salt of one stream direction (RFC 4568 inline key). */
struct dp_srtp_key {
	enum dp_srtp_suite suite;
	uint8_t master_key[16];
	/** 14 bytes for AES-CM, the first 12 for AEAD_AES_128_GCM. */
	uint8_t master_salt[14];
};

/** Context flags. */
#define DP_SRTP_F_SSRC_ANY	0x1	/**< take any SSRC, each with its own stream state */
#define DP_SRTP_F_NO_RTCP	0x2	/**< RTP only: no SRTCP crypto session */

/** Parameters of dp_srtp_ctx_create(). */
struct dp_srtp_ctx_params {
	enum dp_srtp_dir dir;
	uint32_t flags;
	/** The only SSRC of RTP and RTCP unless DP_SRTP_F_SSRC_ANY. */
	uint32_t ssrc;
};

/**
 * One packet of a burst. The caller fills m, ctx, op, and where the RTP or
 * RTCP packet sits in the (single-segment) mbuf: off bytes from the data
 * start, len bytes long (the UDP payload: Ethernet padding after it is
 * ignored). The call fills verdict and, on DP_SRTP_OK, the new len; the mbuf
 * then ends right after the packet (data_len = off + len), and the bytes
 * before off are untouched, so the caller fixes IP and UDP lengths and
 * checksums.
 */
struct dp_srtp_pkt {
	struct rte_mbuf *m;
	uint32_t ctx;
	uint16_t off;
	uint16_t len;
	uint8_t op;
	uint8_t verdict;
};

/** Per-worker counters (never keys). Read by the stats path; written by the worker. */
struct dp_srtp_stats {
	uint64_t verdicts[DP_SRTP_VERDICT__COUNT];
	uint64_t ctx_created;
	uint64_t ctx_destroyed;
	uint64_t ctx_refused_nospc;
	uint64_t bursts;
	/** GCM sessions made for another RTP header length (see burst_process). */
	uint64_t gcm_layout_sessions;
	/** SSRCs dropped from a context to make room for a new one (see burst_process). */
	uint64_t ssrc_evicted;
};

struct dp_srtp_worker;

/**
 * Set up the backend for the whole process (main lcore, after EAL init):
 * cryptodev (creating the crypto_aesni_mb vdev when conf->cryptodev is NULL),
 * one queue pair per worker, the crypto session and op pools; or libsrtp2.
 *
 * @return 0; -EINVAL bad configuration; -ENODEV no such cryptodev;
 *   -ENOTSUP device lacks a needed algorithm; -ENOMEM pools; -EALREADY twice.
 */
int
dp_srtp_init(const struct dp_srtp_conf *conf);

/** Stop and release what dp_srtp_init() set up; all workers must be destroyed. */
void
dp_srtp_fini(void);

/**
 * Create the state of worker @p qp (its queue pair, context array and
 * pre-allocated crypto ops). Slow path.
 *
 * @return 0; -EINVAL qp out of range or not initialised; -ENOMEM.
 */
int
dp_srtp_worker_create(struct dp_srtp_worker **out, uint16_t qp);

/** Destroy every remaining context (keys wiped) and free the worker. */
void
dp_srtp_worker_destroy(struct dp_srtp_worker *w);

/**
 * Choose the cryptodev path of worker @p w: synchronous CPU crypto (default
 * where the PMD has RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) or one enqueue and one
 * dequeue per burst (always available; the only path for hardware).
 *
 * @return 0; -ENOTSUP CPU crypto asked of a device without it, or the
 *   libsrtp backend.
 */
int
dp_srtp_worker_use_cpu_crypto(struct dp_srtp_worker *w, bool on);

/**
 * Create a context from SDES keys: derive the session keys (RFC 3711 §4.3,
 * key derivation rate 0), create the crypto sessions, wipe @p key and every
 * derived key before returning, whatever the outcome. Called by the worker
 * that owns the session (session create/update). Slow path.
 *
 * @return the context index (>= 0); -EINVAL bad suite or parameters;
 *   -ENOSPC no free context slot or the crypto session pool is exhausted
 *   (counted in ctx_refused_nospc); -ENOTSUP the device refused the session.
 */
int
dp_srtp_ctx_create(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		struct dp_srtp_key *key);

/** Wipe a context's keys and free its crypto sessions; the index becomes free. */
void
dp_srtp_ctx_destroy(struct dp_srtp_worker *w, uint32_t ctx);

/**
 * Pass-through decision for a session: true when the ingress leg's keys and
 * the egress leg's keys are the same suite, master key and master salt, so
 * that unprotect followed by protect would reproduce the packet: the worker
 * then forwards SRTP untouched and creates no context. Constant time.
 */
bool
dp_srtp_key_passthrough(const struct dp_srtp_key *in, const struct dp_srtp_key *out);

/**
 * Prefetch the contexts and crypto key material a burst will use. Optional:
 * dp_srtp_burst_process() does it too; calling it right after the session
 * lookup hides more of the latency at 100k streams.
 */
void
dp_srtp_burst_prefetch(struct dp_srtp_worker *w, const struct dp_srtp_pkt *pkts,
		uint16_t n);

/**
 * Protect or unprotect (by each context's direction) up to DP_SRTP_BURST_MAX
 * packets in place and set pkts[i].verdict. Packets of one context are
 * judged in the order given. On DP_SRTP_OK the mbuf length is adjusted
 * (trailer stripped on unprotect, tag and SRTCP index appended on protect)
 * and the context's state (rollover counter, replay window, SRTCP index of
 * the packet's SSRC) has advanced. On any other verdict the context's state is
 * unchanged and the packet's bytes are unspecified: drop it.
 *
 * Latching: the verdict is known before anything else of the session is
 * committed, so the worker latches a peer's address only for packets whose
 * verdict is DP_SRTP_OK.
 *
 * What a context accepts (both backends alike unless said):
 * - without DP_SRTP_F_SSRC_ANY, the given SSRC only (another is
 *   DP_SRTP_BAD_HEADER); with it, any SSRC under the context's keys, as
 *   libsrtp2's ssrc_any_inbound/outbound: each SSRC has its own rollover
 *   counter, replay window and SRTCP index (RTP and SRTCP of one SSRC share
 *   a slot). A new SSRC starts from ROC 0 and an empty window and takes a
 *   slot only with a packet whose verdict is DP_SRTP_OK, so a forged one
 *   changes nothing. A context holds a few SSRCs (4); a new one past that
 *   evicts the least recently used (counted in ssrc_evicted), which starts
 *   afresh if it comes back. A packet whose SSRC is evicted by another
 *   packet of the same burst is DP_SRTP_BAD_HEADER;
 * - no MKI; SRTCP always encrypted (E = 0 is refused, as libsrtp2 refuses
 *   it); the first SRTCP index sent is 1, as libsrtp2 sends it;
 * - protect refuses an RTP index it already sent (DP_SRTP_REPLAY_DUP) or one
 *   behind its window (DP_SRTP_REPLAY_OLD), as libsrtp2 does, so a keystream
 *   is never reused;
 * - cryptodev backend, AEAD_AES_128_GCM RTP: the AAD length is part of a
 *   crypto session, so a stream whose header is not 12 bytes (CSRCs, header
 *   extension) gets one more session for that length when it first shows up
 *   (counted in gcm_layout_sessions); a stream alternating between 12 bytes
 *   and one other length is served from both. A third length replaces the
 *   second, except within one burst, where it is DP_SRTP_BAD_HEADER; a full
 *   session pool makes it DP_SRTP_CRYPTO_ERROR.
 *
 * @return the number of packets with verdict DP_SRTP_OK.
 */
uint16_t
dp_srtp_burst_process(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n);

/**
 * dp_srtp_burst_process() for a burst whose contexts and key material the
 * caller has already prefetched with dp_srtp_burst_prefetch(): the worker
 * prefetches both crypto passes of a re-keyed burst at once, so the second
 * pass's lines load while the first one computes, and no line is asked
 * for twice.
 *
 * @return the number of packets with verdict DP_SRTP_OK.
 */
uint16_t
dp_srtp_burst_process_prefetched(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts,
		uint16_t n);

/** Counters of worker @p w (pointer stays valid until the worker is destroyed). */
const struct dp_srtp_stats *
dp_srtp_worker_stats(const struct dp_srtp_worker *w);

/**
 * Memory one context takes once created, in bytes: its record in the
 * worker's array and, on the cryptodev backend, its two crypto sessions as
 * the session pool lays them out (libsrtp2's own allocations are not
 * counted). 0 before dp_srtp_init().
 */
size_t
dp_srtp_ctx_bytes(void);

/** Short lower-case name of a verdict, for metrics labels. */
const char *
dp_srtp_verdict_name(enum dp_srtp_verdict v);

#endif /* DRONGO_DATAPLANE_SRTP_DP_SRTP_H */
