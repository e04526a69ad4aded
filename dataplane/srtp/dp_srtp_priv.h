/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside of the SRTP module, shared by its backends and its unit tests: the
 * per-stream hot state, the per-worker state, the RFC 3711 framing (packet
 * index estimation, replay window) as static inline functions, and the
 * backend entry points. Nothing outside dataplane/srtp/ and tests/unit/srtp/
 * includes this file.
 */
#ifndef DRONGO_DATAPLANE_SRTP_DP_SRTP_PRIV_H
#define DRONGO_DATAPLANE_SRTP_DP_SRTP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_mbuf.h>

#include "dp_srtp.h"

#define DP_SRTP_SALT_MAX 14
#define DP_SRTP_CM_TAG_80 10
#define DP_SRTP_CM_TAG_32 4
#define DP_SRTP_GCM_TAG 16
#define DP_SRTP_SRTCP_E 0x80000000u
#define DP_SRTP_SRTCP_INDEX_MAX 0x7fffffffu

/*
 * SSRCs a context serves at once under one master key (RFC 4568 lets them
 * share it). Slot i holds RTP state rtp[i] and SRTCP state rtcp[i] of one
 * SSRC, as a libsrtp2 stream holds both; an SSRC taking a slot when all are
 * in use evicts the least recently used one.
 */
#define DP_SRTP_SSRC_SLOTS 4
#define DP_SRTP_NO_SLOT 0xff

/* Stream flags. */
#define DP_SRTP_S_SEEN		0x01	/* index and window hold a committed packet */
#define DP_SRTP_S_SSRC		0x02	/* the slot holds ssrc (given or latched) */
#define DP_SRTP_S_SEED		0x04	/* index is a provisional seed for this burst */

/*
 * Hot state of RTP or RTCP of one SSRC. RTP: index is the highest
 * authenticated 48-bit packet index (ROC << 16 | SEQ). SRTCP unprotect: the
 * highest SRTCP index; SRTCP protect: the last index sent. win holds bit i
 * for index - i. sess and salt are the context's, copied into every slot so
 * that a packet needs one stream line only.
 */
struct dp_srtp_stream {
	uint64_t index;
	uint64_t win[2];
	void *sess;		/* cryptodev session (key material lives there) */
	uint32_t ssrc;
	uint8_t flags;
	uint8_t salt[DP_SRTP_SALT_MAX];
	uint8_t pend;		/* SRTCP protect: indices handed out in this burst */
	uint32_t used;		/* rtp[] only: context clock at the slot's last passed packet */
};

/* One context: RTP slots with the parameters, then SRTCP slots. Written only by its worker. */
struct dp_srtp_ctx {
	struct dp_srtp_stream rtp[DP_SRTP_SSRC_SLOTS];
	uint8_t suite;
	uint8_t dir;
	uint8_t in_use;
	uint8_t rtp_tag;	/* RTP tag length; SRTCP's is 10 (AES-CM) or 16 */
	uint16_t window;
	uint16_t rtcp_tag;
	uint32_t clock;		/* counts passed packets, for least-recently-used eviction */
	uint32_t srtcp_first;	/* SRTCP protect: each SSRC's first index is this + 1 */
	uint8_t ssrc_any;	/* DP_SRTP_F_SSRC_ANY: new SSRCs take slots */
	struct dp_srtp_stream rtcp[DP_SRTP_SSRC_SLOTS] __rte_cache_aligned;
	void *lib;		/* libsrtp2 srtp_t, libsrtp backend only */
} __rte_cache_aligned;

_Static_assert(sizeof(struct dp_srtp_stream) == 56, "stream state layout");
_Static_assert(offsetof(struct dp_srtp_ctx, rtcp) ==
	RTE_ALIGN_CEIL(DP_SRTP_SSRC_SLOTS * sizeof(struct dp_srtp_stream) + 16,
		RTE_CACHE_LINE_SIZE), "SRTCP slots start on their own line");

/*
 * A new SSRC met in the current burst, not in a slot yet: fresh RTP and
 * SRTCP state (ROC 0, empty window, as libsrtp2 starts a stream from its
 * template). It takes a slot when one of its packets passes.
 */
struct dp_srtp_fresh {
	struct dp_srtp_stream rtp;
	struct dp_srtp_stream rtcp;
	uint32_t ctx;
	uint32_t ssrc;
	uint8_t slot;		/* slot taken in this burst, or DP_SRTP_NO_SLOT */
};

/* Scratch of one in-flight packet: IV, SRTCP-GCM AAD, copied tag. */
struct dp_srtp_scratch {
	uint8_t iv[16];
	uint8_t aad[16];
	uint8_t tag[16];
};

/* Per-packet work of one burst, filled by the prepare step. */
struct dp_srtp_work {
	struct dp_srtp_stream *s;
	void *sess;		/* s->sess, kept here so grouping stays in this line */
	uint64_t idx;		/* packet index (RTP) or SRTCP index */
	uint8_t *data;		/* packet start */
	void *digest;
	void *aad;
	union rte_crypto_sym_ofs ofs;
	uint32_t crypto_len;	/* bytes from data the crypto covers */
	uint16_t off;		/* packet start in the mbuf */
	uint16_t orig_len;	/* mbuf data_len before the burst */
	uint16_t final_len;	/* packet length once processed */
	uint16_t cipher_len;
	uint16_t auth_len;
	uint32_t ssrc;
	uint8_t unprotect;
	uint8_t rtcp_tx;	/* SRTCP protect: index handed out, no replay check */
	uint8_t slot;		/* the SSRC's slot, or DP_SRTP_NO_SLOT when fresh */
	uint8_t fresh;		/* index in worker's fresh[], or DP_SRTP_NO_SLOT */
};

/* Session keys derived from one master key (RFC 3711 §4.3). */
struct dp_srtp_session_keys {
	uint8_t rtp_key[16];
	uint8_t rtp_auth[20];
	uint8_t rtp_salt[DP_SRTP_SALT_MAX];
	uint8_t rtcp_key[16];
	uint8_t rtcp_auth[20];
	uint8_t rtcp_salt[DP_SRTP_SALT_MAX];
};

/*
 * AEAD_AES_128_GCM RTP with a header other than 12 bytes (CSRCs, header
 * extension): the AAD length is part of a cryptodev session, so such a
 * stream gets a second session for its other header length, created when
 * that length first shows up. Kept apart from the hot context; the session
 * key stays here (wiped on destroy) to create it.
 */
struct dp_srtp_gcm_alt {
	void *sess;
	uint64_t burst;		/* burst that last used sess: never replaced within it */
	uint16_t hlen;
	uint8_t key[16];
};

struct dp_srtp_worker {
	struct dp_srtp_ctx *ctx;
	struct dp_srtp_gcm_alt *alt;	/* per context, cryptodev backend only */
	uint32_t *free_idx;	/* stack of free context slots */
	uint32_t nb_free;
	uint32_t nb_ctx;
	uint16_t qp;
	uint8_t dev_id;
	uint8_t cpu_crypto;
	uint8_t backend;
	uint16_t window;
	uint32_t sess_lines;	/* cache lines of one crypto session to prefetch */
	struct dp_srtp_stats stats;
	struct rte_crypto_op *ops[DP_SRTP_BURST_MAX];
	struct dp_srtp_work work[DP_SRTP_BURST_MAX];
	int32_t status[DP_SRTP_BURST_MAX];
	uint16_t list[DP_SRTP_BURST_MAX];
	struct dp_srtp_fresh fresh[DP_SRTP_BURST_MAX];
	uint16_t nb_fresh;
	uint8_t wedged;		/* device kept ops past the deadline: refuse crypto */
	uint8_t no_prefetch;	/* benchmark only: measure without the key prefetch */
} __rte_cache_aligned;

/* Where the op private area (struct dp_srtp_scratch) starts. */
#define DP_SRTP_OP_PRIV_OFF \
	(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

/* Suite properties. */
static inline bool
dp_srtp_suite_gcm(uint8_t suite)
{
	return suite == DP_SRTP_AEAD_AES_128_GCM;
}

static inline uint16_t
dp_srtp_suite_rtp_tag(uint8_t suite)
{
	switch (suite) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		return DP_SRTP_CM_TAG_80;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		return DP_SRTP_CM_TAG_32;
	default:
		return DP_SRTP_GCM_TAG;
	}
}

/*
 * RFC 3711 Appendix A index estimate against the highest committed index,
 * with libsrtp's rule that while the index is at most 2^15 the rollover
 * counter is taken as zero (so a stream may start anywhere in 0..65535).
 */
static inline uint64_t
dp_srtp_index_guess(uint64_t highest, uint16_t seq)
{
	uint32_t roc = (uint32_t)(highest >> 16);
	int s_l = (uint16_t)highest;

	if (highest <= 0x8000)
		return seq;
	if (s_l < 0x8000) {
		if ((int)seq - s_l > 0x8000)
			roc--;
	} else if (s_l - 0x8000 > (int)seq) {
		roc++;
	}
	return (uint64_t)roc << 16 | seq;
}

/*
 * Find the slot of ssrc in context c (index ci) for a packet of this burst;
 * both backends do it for the whole burst before committing any packet. An
 * SSRC in no slot gets a fresh state in w->fresh[] (shared by the burst's
 * packets of that SSRC) if the context takes new SSRCs. Sets *slot or
 * *fresh (the other is DP_SRTP_NO_SLOT); returns DP_SRTP_OK or
 * DP_SRTP_BAD_HEADER.
 */
static inline uint8_t
dp_srtp_ssrc_resolve(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, uint32_t ci,
		uint32_t ssrc, uint8_t *slot, uint8_t *fresh)
{
	struct dp_srtp_fresh *f;
	uint16_t k;
	uint8_t i;

	*slot = DP_SRTP_NO_SLOT;
	*fresh = DP_SRTP_NO_SLOT;
	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
		if ((c->rtp[i].flags & DP_SRTP_S_SSRC) && c->rtp[i].ssrc == ssrc) {
			*slot = i;
			return DP_SRTP_OK;
		}
	}
	if (!c->ssrc_any)
		return DP_SRTP_BAD_HEADER;
	for (k = 0; k < w->nb_fresh; k++)
		if (w->fresh[k].ctx == ci && w->fresh[k].ssrc == ssrc)
			break;
	f = &w->fresh[k];
	if (k == w->nb_fresh) {
		w->nb_fresh++;
		memset(f, 0, sizeof(*f));
		f->ctx = ci;
		f->ssrc = ssrc;
		f->slot = DP_SRTP_NO_SLOT;
		f->rtp.sess = c->rtp[0].sess;
		f->rtp.ssrc = ssrc;
		f->rtp.flags = DP_SRTP_S_SSRC;
		memcpy(f->rtp.salt, c->rtp[0].salt, DP_SRTP_SALT_MAX);
		f->rtcp.sess = c->rtcp[0].sess;
		f->rtcp.ssrc = ssrc;
		f->rtcp.flags = DP_SRTP_S_SSRC;
		f->rtcp.index = c->srtcp_first;
		memcpy(f->rtcp.salt, c->rtcp[0].salt, DP_SRTP_SALT_MAX);
	}
	*fresh = (uint8_t)k;
	return DP_SRTP_OK;
}

static inline void
dp_srtp_slot_reset(struct dp_srtp_stream *s, uint32_t ssrc)
{
	s->index = 0;
	s->win[0] = 0;
	s->win[1] = 0;
	s->ssrc = ssrc;
	s->flags = DP_SRTP_S_SSRC;
	s->pend = 0;
}

/*
 * Give fresh SSRC f a slot once one of its packets passed: a free slot, or
 * the one whose last passed packet is the oldest (an eviction: counted in
 * ssrc_evicted, its SSRC put in *evicted, true returned). Idempotent within
 * a burst.
 */
static inline bool
dp_srtp_slot_take(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, struct dp_srtp_fresh *f,
		uint32_t *evicted)
{
	uint32_t age, oldest = 0;
	uint8_t i, pick = DP_SRTP_NO_SLOT;
	bool ev = false;

	if (f->slot != DP_SRTP_NO_SLOT)
		return false;
	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
		if (!(c->rtp[i].flags & DP_SRTP_S_SSRC)) {
			pick = i;
			break;
		}
		age = c->clock - c->rtp[i].used;
		if (pick == DP_SRTP_NO_SLOT || age > oldest) {
			pick = i;
			oldest = age;
		}
	}
	if (c->rtp[pick].flags & DP_SRTP_S_SSRC) {
		*evicted = c->rtp[pick].ssrc;
		w->stats.ssrc_evicted++;
		ev = true;
	}
	dp_srtp_slot_reset(&c->rtp[pick], f->ssrc);
	dp_srtp_slot_reset(&c->rtcp[pick], f->ssrc);
	c->rtcp[pick].index = f->rtcp.index & DP_SRTP_SRTCP_INDEX_MAX;
	f->slot = pick;
	return ev;
}

/* A packet of the SSRC in slot passed: the slot is now the most recently used. */
static inline void
dp_srtp_slot_touch(struct dp_srtp_ctx *c, uint8_t slot)
{
	c->rtp[slot].used = ++c->clock;
}

/* Replay verdict for idx against the committed window (before crypto and again at commit). */
static inline uint8_t
dp_srtp_replay_check(const struct dp_srtp_stream *s, uint64_t idx, uint16_t window)
{
	uint64_t back;

	if (!(s->flags & DP_SRTP_S_SEEN) || idx > s->index)
		return DP_SRTP_OK;
	back = s->index - idx;
	if (back >= window)
		return DP_SRTP_REPLAY_OLD;
	if (s->win[back >> 6] & (UINT64_C(1) << (back & 63)))
		return DP_SRTP_REPLAY_DUP;
	return DP_SRTP_OK;
}

/* Record an authenticated idx (dp_srtp_replay_check() returned OK for it). */
static inline void
dp_srtp_replay_commit(struct dp_srtp_stream *s, uint64_t idx)
{
	uint64_t k, back;

	if (!(s->flags & DP_SRTP_S_SEEN)) {
		s->index = idx;
		s->win[0] = 1;
		s->win[1] = 0;
		s->flags = (uint8_t)((s->flags | DP_SRTP_S_SEEN) & ~DP_SRTP_S_SEED);
		return;
	}
	if (idx > s->index) {
		k = idx - s->index;
		if (k >= 128) {
			s->win[0] = 0;
			s->win[1] = 0;
		} else if (k >= 64) {
			s->win[1] = s->win[0] << (k - 64);
			s->win[0] = 0;
		} else {
			s->win[1] = (s->win[1] << k) | (s->win[0] >> (64 - k));
			s->win[0] <<= k;
		}
		s->win[0] |= 1;
		s->index = idx;
		return;
	}
	back = s->index - idx;
	s->win[back >> 6] |= UINT64_C(1) << (back & 63);
}

/*
 * Check an RTP header: version 2, CSRCs and extension inside the packet, and
 * room for trailer bytes after the header. Sets *hlen.
 */
static inline uint8_t
dp_srtp_rtp_hdr(const uint8_t *p, uint32_t len, uint32_t trailer, uint32_t *hlen)
{
	uint32_t h;

	if (len < 12)
		return DP_SRTP_TOO_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_SRTP_BAD_HEADER;
	h = 12 + 4 * (uint32_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < h + 4)
			return DP_SRTP_TOO_SHORT;
		h += 4 + 4 * (uint32_t)((p[h + 2] << 8) | p[h + 3]);
	}
	if (len < h + trailer)
		return DP_SRTP_TOO_SHORT;
	*hlen = h;
	return DP_SRTP_OK;
}

/* Bytes the mbuf can hold after a packet of len bytes at off. */
static inline uint32_t
dp_srtp_room(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	return (uint32_t)rte_pktmbuf_tailroom(m) + m->data_len - off - len;
}

/* Check an RTCP header (version 2) and room for trailer bytes after it. */
static inline uint8_t
dp_srtp_rtcp_hdr(const uint8_t *p, uint32_t len, uint32_t trailer)
{
	if (len < 8 + trailer)
		return DP_SRTP_TOO_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_SRTP_BAD_HEADER;
	return DP_SRTP_OK;
}

static inline uint32_t
dp_srtp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
dp_srtp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Wipe key material so that the compiler cannot drop the stores. */
void
dp_srtp_wipe(void *p, size_t n);

/*
 * RFC 3711 §4.3.1 AES-CM PRF, key derivation rate 0: out = first n bytes of
 * AES-128-CTR(master_key, IV = (master_salt XOR label << 48) << 16).
 * Returns 0 or -EIO.
 */
int
dp_srtp_kdf(const uint8_t master_key[16], const uint8_t master_salt[14],
		uint8_t label, uint8_t *out, size_t n);

/* All six session keys of @p key's suite. Returns 0 or -EIO (nothing left on failure). */
int
dp_srtp_kdf_session_keys(const struct dp_srtp_key *key, struct dp_srtp_session_keys *sk);

/*
 * Create a cryptodev-backed context from session keys, for the KDF path and
 * for RFC 7714 vectors that give session keys. srtcp_last is the SRTCP index
 * state (protect: last index sent). Returns the index or -errno.
 */
int
dp_srtp_ctx_create_session(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		uint8_t suite, const struct dp_srtp_session_keys *sk, uint32_t srtcp_last);

/*
 * A worker on a given backend: libsrtp2 workers can live next to cryptodev
 * ones (the tests and the benchmark compare them in one process).
 */
int
dp_srtp_worker_create_as(struct dp_srtp_worker **out, uint16_t qp,
		enum dp_srtp_backend backend);

/* Context slot handling shared by the backends. */
int
dp_srtp_ctx_alloc(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		uint8_t suite, struct dp_srtp_ctx **out);

void
dp_srtp_ctx_release(struct dp_srtp_worker *w, struct dp_srtp_ctx *c);

/* Cryptodev backend (dp_srtp_cdev.c). */
int
dp_srtp_cdev_init(const struct dp_srtp_conf *conf);

void
dp_srtp_cdev_fini(void);

int
dp_srtp_cdev_worker_init(struct dp_srtp_worker *w);

void
dp_srtp_cdev_worker_fini(struct dp_srtp_worker *w);

int
dp_srtp_cdev_worker_sync(struct dp_srtp_worker *w, bool on);

int
dp_srtp_cdev_ctx_init(struct dp_srtp_worker *w, struct dp_srtp_ctx *c,
		const struct dp_srtp_session_keys *sk, bool rtcp);

void
dp_srtp_cdev_ctx_fini(struct dp_srtp_worker *w, struct dp_srtp_ctx *c);

void
dp_srtp_cdev_burst(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n);

/* Bytes of one crypto session in the pool (header and trailer included). */
size_t
dp_srtp_cdev_sess_bytes(void);

/* libsrtp2 backend (dp_srtp_lib.c). */
int
dp_srtp_lib_init(void);

void
dp_srtp_lib_fini(void);

int
dp_srtp_lib_ctx_init(struct dp_srtp_ctx *c, const struct dp_srtp_key *key);

void
dp_srtp_lib_ctx_fini(struct dp_srtp_ctx *c);

void
dp_srtp_lib_burst(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n);

#endif /* DRONGO_DATAPLANE_SRTP_DP_SRTP_PRIV_H */
