/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cryptodev backend: our own SRTP/SRTCP framing (RFC 3711, RFC 7714) around
 * DPDK cryptodev sessions. A burst is prepared packet by packet (header
 * checks, index estimate, replay pre-check, IV, ROC or SRTCP index placed in
 * the buffer), handed to the device as a whole (synchronous CPU crypto in
 * groups of one session and layout, or one enqueue and one dequeue), then
 * committed in order: replay window, rollover counter, SRTCP index and SSRC
 * latch advance only for packets whose crypto succeeded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "dp_srtp_priv.h"

#define DP_SRTP_CDEV_DESC 1024
#define DP_SRTP_IV_OFF (DP_SRTP_OP_PRIV_OFF + offsetof(struct dp_srtp_scratch, iv))
#define DP_SRTP_AAD_OFF (DP_SRTP_OP_PRIV_OFF + offsetof(struct dp_srtp_scratch, aad))
#define DP_SRTP_TAG_OFF (DP_SRTP_OP_PRIV_OFF + offsetof(struct dp_srtp_scratch, tag))

static struct {
	uint8_t dev_id;
	bool vdev;
	bool cpu_crypto;
	bool force_enqueue;
	char vdev_name[RTE_CRYPTODEV_NAME_MAX_LEN];
	uint32_t sess_lines;
	struct rte_mempool *sess_pool;
	struct rte_mempool *op_pool;
} dp_srtp_cd;

static void
dp_srtp_cdev_release(void)
{
	if (dp_srtp_cd.vdev) {
		(void)rte_vdev_uninit(dp_srtp_cd.vdev_name);
		dp_srtp_cd.vdev = false;
	}
	rte_mempool_free(dp_srtp_cd.op_pool);
	dp_srtp_cd.op_pool = NULL;
	rte_mempool_free(dp_srtp_cd.sess_pool);
	dp_srtp_cd.sess_pool = NULL;
}

int
dp_srtp_cdev_init(const struct dp_srtp_conf *conf)
{
	struct rte_cryptodev_qp_conf qpc = { .nb_descriptors = DP_SRTP_CDEV_DESC };
	struct rte_cryptodev_config cfg = { 0 };
	struct rte_cryptodev_info info;
	char args[64];
	uint32_t priv;
	uint16_t q;
	int id, err;

	memset(&dp_srtp_cd, 0, sizeof(dp_srtp_cd));
	if (conf->cryptodev != NULL) {
		id = rte_cryptodev_get_dev_id(conf->cryptodev);
		if (id < 0)
			return -ENODEV;
	} else {
		snprintf(dp_srtp_cd.vdev_name, sizeof(dp_srtp_cd.vdev_name),
				"crypto_aesni_mb_dpsrtp");
		snprintf(args, sizeof(args), "max_nb_queue_pairs=%u,socket_id=%d",
				conf->nb_workers, conf->socket_id < 0 ? 0 : conf->socket_id);
		err = rte_vdev_init(dp_srtp_cd.vdev_name, args);
		if (err < 0)
			return err == -EEXIST ? -EALREADY : -ENODEV;
		dp_srtp_cd.vdev = true;
		id = rte_cryptodev_get_dev_id(dp_srtp_cd.vdev_name);
		if (id < 0) {
			err = -ENODEV;
			goto out;
		}
	}
	dp_srtp_cd.dev_id = (uint8_t)id;
	rte_cryptodev_info_get(dp_srtp_cd.dev_id, &info);
	if (info.max_nb_queue_pairs < conf->nb_workers) {
		err = -EINVAL;
		goto out;
	}
	dp_srtp_cd.cpu_crypto = (info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) != 0;
	dp_srtp_cd.force_enqueue = conf->force_enqueue;
	priv = rte_cryptodev_sym_get_private_session_size(dp_srtp_cd.dev_id);
	dp_srtp_cd.sess_pool = rte_cryptodev_sym_session_pool_create("dp_srtp_sess",
			conf->nb_sessions, priv, 0, 0, conf->socket_id);
	dp_srtp_cd.op_pool = rte_crypto_op_pool_create("dp_srtp_ops",
			RTE_CRYPTO_OP_TYPE_SYMMETRIC, (unsigned int)conf->nb_workers * DP_SRTP_BURST_MAX,
			0, sizeof(struct dp_srtp_scratch), conf->socket_id);
	if (dp_srtp_cd.sess_pool == NULL || dp_srtp_cd.op_pool == NULL) {
		err = -ENOMEM;
		goto out;
	}
	dp_srtp_cd.sess_lines = (dp_srtp_cd.sess_pool->elt_size + RTE_CACHE_LINE_SIZE - 1) /
		RTE_CACHE_LINE_SIZE;
	cfg.socket_id = conf->socket_id;
	cfg.nb_queue_pairs = conf->nb_workers;
	cfg.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY;
	err = rte_cryptodev_configure(dp_srtp_cd.dev_id, &cfg);
	if (err < 0)
		goto out;
	qpc.mp_session = dp_srtp_cd.sess_pool;
	for (q = 0; q < conf->nb_workers; q++) {
		err = rte_cryptodev_queue_pair_setup(dp_srtp_cd.dev_id, q, &qpc,
				conf->socket_id);
		if (err < 0)
			goto out;
	}
	err = rte_cryptodev_start(dp_srtp_cd.dev_id);
	if (err < 0)
		goto out;
	return 0;
out:
	dp_srtp_cdev_release();
	return err;
}

size_t
dp_srtp_cdev_sess_bytes(void)
{
	const struct rte_mempool *mp = dp_srtp_cd.sess_pool;

	if (mp == NULL)
		return 0;
	return (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

void
dp_srtp_cdev_fini(void)
{
	rte_cryptodev_stop(dp_srtp_cd.dev_id);
	dp_srtp_cdev_release();
}

int
dp_srtp_cdev_worker_init(struct dp_srtp_worker *w)
{
	w->dev_id = dp_srtp_cd.dev_id;
	w->cpu_crypto = dp_srtp_cd.cpu_crypto && !dp_srtp_cd.force_enqueue;
	w->sess_lines = dp_srtp_cd.sess_lines;
	if (rte_crypto_op_bulk_alloc(dp_srtp_cd.op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
			w->ops, DP_SRTP_BURST_MAX) != DP_SRTP_BURST_MAX)
		return -ENOMEM;
	return 0;
}

void
dp_srtp_cdev_worker_fini(struct dp_srtp_worker *w)
{
	unsigned int i;

	/* Ops a wedged device still holds are not ours to free. */
	if (w->wedged)
		return;
	for (i = 0; i < DP_SRTP_BURST_MAX; i++)
		rte_crypto_op_free(w->ops[i]);
}

int
dp_srtp_cdev_worker_sync(struct dp_srtp_worker *w, bool on)
{
	if (on && !dp_srtp_cd.cpu_crypto)
		return -ENOTSUP;
	w->cpu_crypto = on;
	return 0;
}

static void *
dp_srtp_cdev_session(uint8_t dir, uint8_t suite, const uint8_t *key, const uint8_t *auth,
		uint16_t tag, uint16_t aad_len, int *err)
{
	struct rte_crypto_sym_xform c = { 0 }, a = { 0 };
	struct rte_crypto_sym_xform *first;
	void *s;

	if (dp_srtp_suite_gcm(suite)) {
		c.type = RTE_CRYPTO_SYM_XFORM_AEAD;
		c.aead.op = dir == DP_SRTP_DIR_PROTECT ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
			RTE_CRYPTO_AEAD_OP_DECRYPT;
		c.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
		c.aead.key.data = key;
		c.aead.key.length = 16;
		c.aead.iv.offset = DP_SRTP_IV_OFF;
		c.aead.iv.length = 12;
		c.aead.digest_length = DP_SRTP_GCM_TAG;
		c.aead.aad_length = aad_len;
		first = &c;
	} else {
		c.type = RTE_CRYPTO_SYM_XFORM_CIPHER;
		c.cipher.algo = RTE_CRYPTO_CIPHER_AES_CTR;
		c.cipher.key.data = key;
		c.cipher.key.length = 16;
		c.cipher.iv.offset = DP_SRTP_IV_OFF;
		c.cipher.iv.length = 16;
		a.type = RTE_CRYPTO_SYM_XFORM_AUTH;
		a.auth.algo = RTE_CRYPTO_AUTH_SHA1_HMAC;
		a.auth.key.data = auth;
		a.auth.key.length = 20;
		a.auth.digest_length = tag;
		if (dir == DP_SRTP_DIR_PROTECT) {
			/* Encrypt, then authenticate the ciphertext. */
			c.cipher.op = RTE_CRYPTO_CIPHER_OP_ENCRYPT;
			a.auth.op = RTE_CRYPTO_AUTH_OP_GENERATE;
			c.next = &a;
			first = &c;
		} else {
			c.cipher.op = RTE_CRYPTO_CIPHER_OP_DECRYPT;
			a.auth.op = RTE_CRYPTO_AUTH_OP_VERIFY;
			a.next = &c;
			first = &a;
		}
	}
	s = rte_cryptodev_sym_session_create(dp_srtp_cd.dev_id, first, dp_srtp_cd.sess_pool);
	if (s == NULL)
		*err = rte_errno == ENOMEM ? -ENOSPC : -ENOTSUP;
	return s;
}

int
dp_srtp_cdev_ctx_init(struct dp_srtp_worker *w, struct dp_srtp_ctx *c,
		const struct dp_srtp_session_keys *sk, bool rtcp)
{
	struct dp_srtp_gcm_alt *alt = &w->alt[c - w->ctx];
	void *rs, *cs = NULL;
	int err = 0, i;

	/* AAD of 12 bytes: an RTP header without CSRC/extension, or SRTCP's
	 * header and E||index. */
	rs = dp_srtp_cdev_session(c->dir, c->suite, sk->rtp_key, sk->rtp_auth,
			c->rtp_tag, 12, &err);
	if (rs == NULL)
		return err;
	memset(alt, 0, sizeof(*alt));
	if (dp_srtp_suite_gcm(c->suite))
		memcpy(alt->key, sk->rtp_key, sizeof(alt->key));
	if (rtcp) {
		cs = dp_srtp_cdev_session(c->dir, c->suite, sk->rtcp_key,
				sk->rtcp_auth, c->rtcp_tag, 12, &err);
		if (cs == NULL) {
			(void)rte_cryptodev_sym_session_free(w->dev_id, rs);
			dp_srtp_wipe(alt, sizeof(*alt));
			return err;
		}
	}
	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
		c->rtp[i].sess = rs;
		c->rtcp[i].sess = cs;
	}
	return 0;
}

void
dp_srtp_cdev_ctx_fini(struct dp_srtp_worker *w, struct dp_srtp_ctx *c)
{
	struct dp_srtp_gcm_alt *alt = &w->alt[c - w->ctx];
	int i;

	/* The PMD clears the session's private data (the keys) on free. */
	if (alt->sess != NULL)
		(void)rte_cryptodev_sym_session_free(dp_srtp_cd.dev_id, alt->sess);
	dp_srtp_wipe(alt, sizeof(*alt));
	if (c->rtp[0].sess != NULL)
		(void)rte_cryptodev_sym_session_free(dp_srtp_cd.dev_id, c->rtp[0].sess);
	if (c->rtcp[0].sess != NULL)
		(void)rte_cryptodev_sym_session_free(dp_srtp_cd.dev_id, c->rtcp[0].sess);
	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
		c->rtp[i].sess = NULL;
		c->rtcp[i].sess = NULL;
	}
}

static inline void
dp_srtp_mbuf_len(struct rte_mbuf *m, uint32_t len)
{
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

/* 16-byte AES-CM IV: (salt << 16) ^ (SSRC << 64) ^ (index << 16). */
static inline void
dp_srtp_iv_cm(uint8_t *iv, const uint8_t *salt, uint32_t ssrc, uint64_t idx)
{
	memcpy(iv, salt, 14);
	iv[14] = 0;
	iv[15] = 0;
	iv[4] ^= (uint8_t)(ssrc >> 24);
	iv[5] ^= (uint8_t)(ssrc >> 16);
	iv[6] ^= (uint8_t)(ssrc >> 8);
	iv[7] ^= (uint8_t)ssrc;
	iv[8] ^= (uint8_t)(idx >> 40);
	iv[9] ^= (uint8_t)(idx >> 32);
	iv[10] ^= (uint8_t)(idx >> 24);
	iv[11] ^= (uint8_t)(idx >> 16);
	iv[12] ^= (uint8_t)(idx >> 8);
	iv[13] ^= (uint8_t)idx;
}

/* 12-byte GCM IV: salt ^ (00 00 || SSRC || hi32 || lo16) (RFC 7714 §8.1, §9.1). */
static inline void
dp_srtp_iv_gcm(uint8_t *iv, const uint8_t *salt, uint32_t ssrc, uint32_t hi, uint32_t lo)
{
	memcpy(iv, salt, 12);
	iv[2] ^= (uint8_t)(ssrc >> 24);
	iv[3] ^= (uint8_t)(ssrc >> 16);
	iv[4] ^= (uint8_t)(ssrc >> 8);
	iv[5] ^= (uint8_t)ssrc;
	iv[6] ^= (uint8_t)(hi >> 24);
	iv[7] ^= (uint8_t)(hi >> 16);
	iv[8] ^= (uint8_t)(hi >> 8);
	iv[9] ^= (uint8_t)hi;
	iv[10] ^= (uint8_t)(lo >> 8);
	iv[11] ^= (uint8_t)lo;
}

/*
 * The session for a GCM RTP header of h != 12 bytes: the context's second
 * session, made for h if it is for another length and not in use by this
 * burst. NULL with *v set when there is none.
 */
static void *
dp_srtp_gcm_layout(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, uint32_t h, uint8_t *v)
{
	struct dp_srtp_gcm_alt *alt = &w->alt[c - w->ctx];
	int err = 0;

	if (alt->sess != NULL && alt->hlen == h)
		goto out;
	if (alt->sess != NULL && alt->burst == w->stats.bursts) {
		*v = DP_SRTP_BAD_HEADER;
		return NULL;
	}
	if (alt->sess != NULL)
		(void)rte_cryptodev_sym_session_free(w->dev_id, alt->sess);
	alt->sess = dp_srtp_cdev_session(c->dir, c->suite, alt->key, NULL, DP_SRTP_GCM_TAG,
			(uint16_t)h, &err);
	if (alt->sess == NULL) {
		*v = DP_SRTP_CRYPTO_ERROR;
		return NULL;
	}
	alt->hlen = (uint16_t)h;
	w->stats.gcm_layout_sessions++;
out:
	alt->burst = w->stats.bursts;
	return alt->sess;
}

/* The stream state a packet of ssrc is judged against (slot or fresh). */
static struct dp_srtp_stream *
dp_srtp_stream_of(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, uint32_t ssrc, bool rtcp,
		struct dp_srtp_work *wk)
{
	uint8_t slot;

	if (dp_srtp_ssrc_resolve(w, c, (uint32_t)(c - w->ctx), ssrc, &slot, &wk->fresh) !=
	    DP_SRTP_OK)
		return NULL;
	wk->slot = slot;
	if (slot != DP_SRTP_NO_SLOT)
		return rtcp ? &c->rtcp[slot] : &c->rtp[slot];
	return rtcp ? &w->fresh[wk->fresh].rtcp : &w->fresh[wk->fresh].rtp;
}

static uint8_t
dp_srtp_prep_rtp(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, struct rte_mbuf *m,
		uint32_t len, struct dp_srtp_work *wk, struct dp_srtp_scratch *sc, uint16_t window)
{
	void *sess;
	struct dp_srtp_stream *s;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, wk->off);
	uint32_t h, tag = c->rtp_tag, ssrc;
	bool gcm = dp_srtp_suite_gcm(c->suite), seed = false;
	uint64_t idx;
	uint16_t seq;
	uint8_t v;

	v = dp_srtp_rtp_hdr(p, len, wk->unprotect ? tag : 0, &h);
	if (v != DP_SRTP_OK)
		return v;
	ssrc = dp_srtp_be32(p + 8);
	seq = (uint16_t)(p[2] << 8 | p[3]);
	s = dp_srtp_stream_of(w, c, ssrc, false, wk);
	if (s == NULL)
		return DP_SRTP_BAD_HEADER;
	if (s->flags & DP_SRTP_S_SEEN) {
		idx = dp_srtp_index_guess(s->index, seq);
		v = dp_srtp_replay_check(s, idx, window);
		if (v != DP_SRTP_OK)
			return v;
	} else if (s->flags & DP_SRTP_S_SEED) {
		idx = dp_srtp_index_guess(s->index, seq);
	} else {
		idx = seq;
		seed = true;
	}
	if (!wk->unprotect && dp_srtp_room(m, wk->off, len) < tag)
		return DP_SRTP_CRYPTO_ERROR;
	sess = s->sess;
	if (gcm && h != 12 && sess != NULL) {
		sess = dp_srtp_gcm_layout(w, c, h, &v);
		if (sess == NULL)
			return v;
	}
	if (gcm)
		dp_srtp_iv_gcm(sc->iv, s->salt, ssrc, (uint32_t)(idx >> 16), seq);
	else
		dp_srtp_iv_cm(sc->iv, s->salt, ssrc, idx);
	wk->data = p;
	wk->ofs.raw = 0;
	wk->ofs.ofs.cipher.head = (uint16_t)h;
	wk->aad = p;
	if (wk->unprotect) {
		if (gcm) {
			wk->crypto_len = len - tag;
			wk->digest = p + len - tag;
		} else {
			/* Auth covers header || payload || ROC: the ROC takes the tag's place. */
			memcpy(sc->tag, p + len - tag, tag);
			dp_srtp_put_be32(p + len - tag, (uint32_t)(idx >> 16));
			wk->crypto_len = len - tag + 4;
			wk->ofs.ofs.cipher.tail = 4;
			wk->digest = sc->tag;
		}
		wk->final_len = (uint16_t)(len - tag);
	} else {
		dp_srtp_mbuf_len(m, wk->off + len + tag);
		if (gcm) {
			wk->crypto_len = len;
		} else {
			/* The tag overwrites the ROC once the HMAC has read it. */
			dp_srtp_put_be32(p + len, (uint32_t)(idx >> 16));
			wk->crypto_len = len + 4;
			wk->ofs.ofs.cipher.tail = 4;
		}
		wk->digest = p + len;
		wk->final_len = (uint16_t)(len + tag);
	}
	wk->cipher_len = (uint16_t)(wk->crypto_len - h - wk->ofs.ofs.cipher.tail);
	wk->auth_len = (uint16_t)wk->crypto_len;
	wk->s = s;
	wk->sess = sess;
	wk->idx = idx;
	wk->ssrc = ssrc;
	if (seed) {
		s->index = idx;
		s->flags |= DP_SRTP_S_SEED;
	}
	return DP_SRTP_OK;
}

static uint8_t
dp_srtp_prep_rtcp(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, struct rte_mbuf *m,
		uint32_t len, struct dp_srtp_work *wk, struct dp_srtp_scratch *sc, uint16_t window)
{
	struct dp_srtp_stream *s;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, wk->off);
	uint32_t tag = c->rtcp_tag, ssrc, eidx;
	bool gcm = dp_srtp_suite_gcm(c->suite);
	uint64_t idx;
	uint8_t v;

	if (tag == 0)
		return DP_SRTP_BAD_HEADER;
	v = dp_srtp_rtcp_hdr(p, len, wk->unprotect ? tag + 4 : 0);
	if (v != DP_SRTP_OK)
		return v;
	ssrc = dp_srtp_be32(p + 4);
	s = dp_srtp_stream_of(w, c, ssrc, true, wk);
	if (s == NULL)
		return DP_SRTP_BAD_HEADER;
	wk->data = p;
	wk->ofs.raw = 0;
	wk->ofs.ofs.cipher.head = 8;
	if (wk->unprotect) {
		eidx = dp_srtp_be32(p + len - (gcm ? 4 : tag + 4));
		idx = eidx & DP_SRTP_SRTCP_INDEX_MAX;
		/*
		 * Contexts always negotiate encrypted SRTCP (no UNENCRYPTED_SRTCP),
		 * so E = 0 cannot come from the key holder. Rejected where libsrtp
		 * rejects it: before the replay check for AES-CM, after it for GCM.
		 */
		if (!gcm && !(eidx & DP_SRTP_SRTCP_E))
			return DP_SRTP_BAD_HEADER;
		v = dp_srtp_replay_check(s, idx, window);
		if (v != DP_SRTP_OK)
			return v;
		if (!(eidx & DP_SRTP_SRTCP_E))
			return DP_SRTP_AUTH_FAIL;
		if (gcm) {
			memcpy(sc->aad, p, 8);
			dp_srtp_put_be32(sc->aad + 8, eidx);
			wk->crypto_len = len - tag - 4;
			wk->digest = p + len - tag - 4;
			wk->aad = sc->aad;
		} else {
			wk->crypto_len = len - tag;
			wk->ofs.ofs.cipher.tail = 4;
			wk->digest = p + len - tag;
		}
		wk->final_len = (uint16_t)(len - tag - 4);
	} else {
		idx = s->index + 1 + s->pend;
		if (idx > DP_SRTP_SRTCP_INDEX_MAX || dp_srtp_room(m, wk->off, len) < tag + 4)
			return DP_SRTP_CRYPTO_ERROR;
		eidx = DP_SRTP_SRTCP_E | (uint32_t)idx;
		dp_srtp_mbuf_len(m, wk->off + len + tag + 4);
		if (gcm) {
			memcpy(sc->aad, p, 8);
			dp_srtp_put_be32(sc->aad + 8, eidx);
			dp_srtp_put_be32(p + len + tag, eidx);
			wk->crypto_len = len;
			wk->digest = p + len;
			wk->aad = sc->aad;
		} else {
			dp_srtp_put_be32(p + len, eidx);
			wk->crypto_len = len + 4;
			wk->ofs.ofs.cipher.tail = 4;
			wk->digest = p + len + 4;
		}
		wk->final_len = (uint16_t)(len + tag + 4);
		wk->rtcp_tx = 1;
		s->pend++;
	}
	/* GCM: 00 00 || SSRC || 00 00 || 0 || 31-bit index, which is hi:lo = idx. */
	if (gcm)
		dp_srtp_iv_gcm(sc->iv, s->salt, ssrc, (uint32_t)(idx >> 16),
				(uint32_t)(idx & 0xffff));
	else
		dp_srtp_iv_cm(sc->iv, s->salt, ssrc, idx);
	wk->cipher_len = (uint16_t)(wk->crypto_len - 8 - wk->ofs.ofs.cipher.tail);
	wk->auth_len = (uint16_t)wk->crypto_len;
	wk->s = s;
	wk->sess = s->sess;
	wk->idx = idx;
	wk->ssrc = ssrc;
	return DP_SRTP_OK;
}

/*
 * Synchronous CPU crypto runs one session per call, so a group of one packet
 * gets no multi-buffer parallelism: groups smaller than this go to the queue
 * pair instead, where the PMD interleaves packets of different sessions.
 */
#define DP_SRTP_SYNC_MIN_GROUP 4

/*
 * CPU crypto for runs of consecutive packets sharing session and layout
 * (the worker hands packets of one session together); returns the slots
 * left for the queue pair in rest[]. Consecutive runs keep this O(n).
 */
static uint16_t
dp_srtp_cdev_sync(struct dp_srtp_worker *w, uint16_t nb, uint16_t *rest)
{
	struct rte_crypto_va_iova_ptr iv[DP_SRTP_BURST_MAX], dg[DP_SRTP_BURST_MAX];
	struct rte_crypto_va_iova_ptr aad[DP_SRTP_BURST_MAX];
	struct rte_crypto_vec vec[DP_SRTP_BURST_MAX];
	struct rte_crypto_sgl sgl[DP_SRTP_BURST_MAX];
	int32_t st[DP_SRTP_BURST_MAX];
	struct rte_crypto_sym_vec sv;
	struct dp_srtp_work *wk, *lead;
	uint16_t k, j, g, nb_rest = 0;

	for (k = 0; k < nb; k += g) {
		lead = &w->work[k];
		for (g = 1; k + g < nb; g++) {
			wk = &w->work[k + g];
			if (wk->sess != lead->sess || wk->ofs.raw != lead->ofs.raw)
				break;
		}
		if (g < DP_SRTP_SYNC_MIN_GROUP || lead->sess == NULL) {
			for (j = 0; j < g; j++)
				rest[nb_rest++] = (uint16_t)(k + j);
			continue;
		}
		for (j = 0; j < g; j++) {
			wk = &w->work[k + j];
			vec[j].base = wk->data;
			vec[j].iova = 0;
			vec[j].len = wk->crypto_len;
			vec[j].tot_len = wk->crypto_len;
			sgl[j].vec = &vec[j];
			sgl[j].num = 1;
			iv[j].va = rte_crypto_op_ctod_offset(w->ops[k + j], uint8_t *, DP_SRTP_IV_OFF);
			dg[j].va = wk->digest;
			aad[j].va = wk->aad;
			st[j] = 0;
		}
		memset(&sv, 0, sizeof(sv));
		sv.num = g;
		sv.src_sgl = sgl;
		sv.iv = iv;
		sv.digest = dg;
		sv.aad = aad;
		sv.status = st;
		(void)rte_cryptodev_sym_cpu_crypto_process(w->dev_id, lead->sess, lead->ofs, &sv);
		for (j = 0; j < g; j++)
			w->status[k + j] = st[j];
	}
	return nb_rest;
}

static void
dp_srtp_op_fill(struct rte_crypto_op *op, struct rte_mbuf *m, const struct dp_srtp_work *wk,
		uint8_t suite)
{
	struct rte_crypto_sym_op *sym = op->sym;
	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	struct dp_srtp_scratch *sc = rte_crypto_op_ctod_offset(op, struct dp_srtp_scratch *,
			DP_SRTP_OP_PRIV_OFF);
	rte_iova_t dg_iova;

	op->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
	op->sess_type = RTE_CRYPTO_OP_WITH_SESSION;
	sym->m_src = m;
	sym->m_dst = NULL;
	sym->session = wk->sess;
	if ((uint8_t *)wk->digest == sc->tag)
		dg_iova = rte_crypto_op_ctophys_offset(op, DP_SRTP_TAG_OFF);
	else
		dg_iova = rte_pktmbuf_iova_offset(m, (uint8_t *)wk->digest - base);
	if (dp_srtp_suite_gcm(suite)) {
		sym->aead.data.offset = wk->off + wk->ofs.ofs.cipher.head;
		sym->aead.data.length = wk->cipher_len;
		sym->aead.digest.data = wk->digest;
		sym->aead.digest.phys_addr = dg_iova;
		sym->aead.aad.data = wk->aad;
		sym->aead.aad.phys_addr = (uint8_t *)wk->aad == sc->aad ?
			rte_crypto_op_ctophys_offset(op, DP_SRTP_AAD_OFF) :
			rte_pktmbuf_iova_offset(m, wk->off);
	} else {
		sym->cipher.data.offset = wk->off + wk->ofs.ofs.cipher.head;
		sym->cipher.data.length = wk->cipher_len;
		sym->auth.data.offset = wk->off;
		sym->auth.data.length = wk->auth_len;
		sym->auth.digest.data = wk->digest;
		sym->auth.digest.phys_addr = dg_iova;
	}
}

static uint16_t
dp_srtp_op_slot(struct dp_srtp_worker *w, const struct rte_crypto_op *op, uint16_t guess,
		uint16_t nb)
{
	uint16_t k;

	if (guess < nb && w->ops[guess] == op)
		return guess;
	for (k = 0; k < nb; k++)
		if (w->ops[k] == op)
			return k;
	return nb;
}

static int32_t
dp_srtp_op_status(uint8_t status)
{
	switch (status) {
	case RTE_CRYPTO_OP_STATUS_SUCCESS:
		return 0;
	case RTE_CRYPTO_OP_STATUS_AUTH_FAILED:
		return EBADMSG;
	default:
		return EIO;
	}
}

/*
 * One enqueue and one dequeue of the ops of slots[] (the dequeue repeats only
 * while the device still holds ops, up to a 10 ms deadline).
 */
static void
dp_srtp_cdev_async(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, const uint16_t *slots,
		uint16_t nb)
{
	struct rte_crypto_op *enq[DP_SRTP_BURST_MAX], *deq[DP_SRTP_BURST_MAX];
	uint16_t k, sent, got = 0, d, slot;
	uint64_t deadline = 0;

	for (k = 0; k < nb; k++) {
		slot = slots[k];
		w->status[slot] = EIO;
		enq[k] = w->ops[slot];
		dp_srtp_op_fill(enq[k], pkts[w->list[slot]].m, &w->work[slot],
				w->ctx[pkts[w->list[slot]].ctx].suite);
	}
	sent = rte_cryptodev_enqueue_burst(w->dev_id, w->qp, enq, nb);
	while (got < sent) {
		d = rte_cryptodev_dequeue_burst(w->dev_id, w->qp, deq + got,
				(uint16_t)(sent - got));
		for (k = got; k < got + d; k++) {
			slot = dp_srtp_op_slot(w, deq[k], k < nb ? slots[k] : 0,
					DP_SRTP_BURST_MAX);
			if (slot < DP_SRTP_BURST_MAX)
				w->status[slot] = dp_srtp_op_status(deq[k]->status);
		}
		got = (uint16_t)(got + d);
		if (d != 0 || got == sent)
			continue;
		if (deadline == 0)
			deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 100;
		else if (rte_get_tsc_cycles() > deadline)
			break;
	}
	if (got < sent)
		w->wedged = 1;
}

void
dp_srtp_cdev_burst(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n)
{
	struct dp_srtp_work *wk;
	struct dp_srtp_scratch *sc;
	struct dp_srtp_stream *s;
	struct dp_srtp_fresh *f;
	struct dp_srtp_ctx *c;
	struct rte_mbuf *m;
	uint16_t slots[DP_SRTP_BURST_MAX];
	uint32_t ev;
	uint16_t i, k, rest, nb = 0;
	int32_t st;
	uint8_t v;

	w->nb_fresh = 0;
	for (i = 0; i < n; i++) {
		pkts[i].verdict = DP_SRTP_CRYPTO_ERROR;
		if (pkts[i].ctx >= w->nb_ctx || !w->ctx[pkts[i].ctx].in_use || w->wedged)
			continue;
		c = &w->ctx[pkts[i].ctx];
		m = pkts[i].m;
		if (m->nb_segs != 1 || (uint32_t)pkts[i].off + pkts[i].len > m->data_len) {
			pkts[i].verdict = DP_SRTP_BAD_HEADER;
			continue;
		}
		wk = &w->work[nb];
		memset(wk, 0, sizeof(*wk));
		wk->off = pkts[i].off;
		wk->orig_len = m->data_len;
		wk->unprotect = c->dir == DP_SRTP_DIR_UNPROTECT;
		/* Scratch lives in the op either way: small groups go to the queue pair. */
		sc = rte_crypto_op_ctod_offset(w->ops[nb], struct dp_srtp_scratch *,
				DP_SRTP_OP_PRIV_OFF);
		if (pkts[i].op == DP_SRTP_OP_RTP)
			v = dp_srtp_prep_rtp(w, c, m, pkts[i].len, wk, sc, c->window);
		else
			v = dp_srtp_prep_rtcp(w, c, m, pkts[i].len, wk, sc, c->window);
		pkts[i].verdict = v;
		if (v == DP_SRTP_OK)
			w->list[nb++] = i;
		else
			dp_srtp_mbuf_len(m, wk->orig_len);
	}
	if (nb == 0)
		return;
	if (w->cpu_crypto) {
		rest = dp_srtp_cdev_sync(w, nb, slots);
	} else {
		for (k = 0; k < nb; k++)
			slots[k] = k;
		rest = nb;
	}
	if (rest != 0)
		dp_srtp_cdev_async(w, pkts, slots, rest);
	for (k = 0; k < nb; k++) {
		wk = &w->work[k];
		s = wk->s;
		c = &w->ctx[pkts[w->list[k]].ctx];
		m = pkts[w->list[k]].m;
		st = w->status[k];
		v = DP_SRTP_OK;
		if (st == 0 && wk->fresh != DP_SRTP_NO_SLOT) {
			f = &w->fresh[wk->fresh];
			(void)dp_srtp_slot_take(w, c, f, &ev);
			s = s == &f->rtcp ? &c->rtcp[f->slot] : &c->rtp[f->slot];
			wk->slot = f->slot;
		}
		if (st != 0)
			v = (st == EBADMSG && wk->unprotect) ? DP_SRTP_AUTH_FAIL :
				DP_SRTP_CRYPTO_ERROR;
		else if (wk->ssrc != s->ssrc)
			v = DP_SRTP_BAD_HEADER;
		else if (!wk->rtcp_tx)
			v = dp_srtp_replay_check(s, wk->idx, c->window);
		pkts[w->list[k]].verdict = v;
		if (v != DP_SRTP_OK) {
			if (!wk->unprotect)
				dp_srtp_mbuf_len(m, wk->orig_len);
			continue;
		}
		if (wk->rtcp_tx) {
			if (wk->idx > s->index)
				s->index = wk->idx;
		} else {
			dp_srtp_replay_commit(s, wk->idx);
		}
		dp_srtp_slot_touch(c, wk->slot);
		dp_srtp_mbuf_len(m, (uint32_t)wk->off + wk->final_len);
		pkts[w->list[k]].len = wk->final_len;
	}
	for (k = 0; k < nb; k++) {
		s = w->work[k].s;
		s->pend = 0;
		s->flags &= (uint8_t)~DP_SRTP_S_SEED;
	}
}
