/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend-independent part of the SRTP module: process set-up, per-worker
 * state, context slots (create from SDES keys, destroy), the pass-through
 * decision, prefetch and the burst entry point that dispatches to the
 * configured backend and counts verdicts.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dp_srtp_priv.h"

static struct {
	bool up;
	struct dp_srtp_conf conf;
} dp_srtp_g;

static const char *const dp_srtp_verdict_names[DP_SRTP_VERDICT__COUNT] = {
	[DP_SRTP_OK] = "ok",
	[DP_SRTP_AUTH_FAIL] = "auth_fail",
	[DP_SRTP_REPLAY_DUP] = "replay_dup",
	[DP_SRTP_REPLAY_OLD] = "replay_old",
	[DP_SRTP_TOO_SHORT] = "too_short",
	[DP_SRTP_BAD_HEADER] = "bad_header",
	[DP_SRTP_CRYPTO_ERROR] = "crypto_error",
};

const char *
dp_srtp_verdict_name(enum dp_srtp_verdict v)
{
	if ((unsigned int)v >= DP_SRTP_VERDICT__COUNT)
		return "unknown";
	return dp_srtp_verdict_names[v];
}

int
dp_srtp_init(const struct dp_srtp_conf *conf)
{
	int err;

	if (dp_srtp_g.up)
		return -EALREADY;
	if (conf == NULL || conf->nb_workers == 0 || conf->nb_ctx == 0 ||
	    (conf->replay_window != 0 && conf->replay_window != 64 &&
	     conf->replay_window != 128))
		return -EINVAL;
	dp_srtp_g.conf = *conf;
	if (dp_srtp_g.conf.replay_window == 0)
		dp_srtp_g.conf.replay_window = 128;
	if (conf->backend != DP_SRTP_BACKEND_CRYPTODEV && conf->backend != DP_SRTP_BACKEND_LIBSRTP)
		return -EINVAL;
	if (conf->backend == DP_SRTP_BACKEND_CRYPTODEV && conf->nb_sessions == 0)
		return -EINVAL;
	/* libsrtp2 is always there: it is the reference even when cryptodev runs. */
	err = dp_srtp_lib_init();
	if (err < 0)
		return err;
	if (conf->backend == DP_SRTP_BACKEND_CRYPTODEV) {
		err = dp_srtp_cdev_init(&dp_srtp_g.conf);
		if (err < 0) {
			dp_srtp_lib_fini();
			return err;
		}
	}
	dp_srtp_g.up = true;
	return 0;
}

size_t
dp_srtp_ctx_bytes(void)
{
	size_t b = sizeof(struct dp_srtp_ctx) + sizeof(uint32_t);

	if (!dp_srtp_g.up)
		return 0;
	if (dp_srtp_g.conf.backend == DP_SRTP_BACKEND_CRYPTODEV)
		b += sizeof(struct dp_srtp_gcm_alt) + 2 * dp_srtp_cdev_sess_bytes();
	return b;
}

void
dp_srtp_fini(void)
{
	if (!dp_srtp_g.up)
		return;
	if (dp_srtp_g.conf.backend == DP_SRTP_BACKEND_CRYPTODEV)
		dp_srtp_cdev_fini();
	dp_srtp_lib_fini();
	dp_srtp_g.up = false;
}

int
dp_srtp_worker_create(struct dp_srtp_worker **out, uint16_t qp)
{
	return dp_srtp_worker_create_as(out, qp, dp_srtp_g.conf.backend);
}

int
dp_srtp_worker_create_as(struct dp_srtp_worker **out, uint16_t qp,
		enum dp_srtp_backend backend)
{
	const struct dp_srtp_conf *conf = &dp_srtp_g.conf;
	struct dp_srtp_worker *w;
	uint32_t i;
	int err = -ENOMEM;

	if (!dp_srtp_g.up || qp >= conf->nb_workers ||
	    (backend == DP_SRTP_BACKEND_CRYPTODEV && conf->backend != DP_SRTP_BACKEND_CRYPTODEV))
		return -EINVAL;
	w = rte_zmalloc_socket("dp_srtp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			conf->socket_id);
	if (w == NULL)
		return -ENOMEM;
	w->ctx = rte_zmalloc_socket("dp_srtp_ctx", (size_t)conf->nb_ctx * sizeof(*w->ctx),
			RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (w->ctx == NULL)
		goto out_free;
	w->free_idx = rte_malloc_socket("dp_srtp_free", (size_t)conf->nb_ctx * sizeof(uint32_t),
			0, conf->socket_id);
	if (w->free_idx == NULL)
		goto out_free_ctx;
	w->nb_ctx = conf->nb_ctx;
	for (i = 0; i < conf->nb_ctx; i++)
		w->free_idx[i] = conf->nb_ctx - 1 - i;
	w->nb_free = conf->nb_ctx;
	w->qp = qp;
	w->window = conf->replay_window;
	w->backend = (uint8_t)backend;
	if (backend == DP_SRTP_BACKEND_CRYPTODEV) {
		w->alt = rte_zmalloc_socket("dp_srtp_alt", (size_t)conf->nb_ctx * sizeof(*w->alt),
				RTE_CACHE_LINE_SIZE, conf->socket_id);
		if (w->alt == NULL)
			goto out_free_idx;
		err = dp_srtp_cdev_worker_init(w);
		if (err < 0)
			goto out_free_alt;
	}
	*out = w;
	return 0;
out_free_alt:
	rte_free(w->alt);
out_free_idx:
	rte_free(w->free_idx);
out_free_ctx:
	rte_free(w->ctx);
out_free:
	rte_free(w);
	return err;
}

void
dp_srtp_worker_destroy(struct dp_srtp_worker *w)
{
	uint32_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nb_ctx; i++)
		if (w->ctx[i].in_use)
			dp_srtp_ctx_destroy(w, i);
	if (w->backend == DP_SRTP_BACKEND_CRYPTODEV)
		dp_srtp_cdev_worker_fini(w);
	rte_free(w->alt);
	rte_free(w->free_idx);
	rte_free(w->ctx);
	rte_free(w);
}

int
dp_srtp_worker_use_cpu_crypto(struct dp_srtp_worker *w, bool on)
{
	if (w->backend != DP_SRTP_BACKEND_CRYPTODEV)
		return -ENOTSUP;
	return dp_srtp_cdev_worker_sync(w, on);
}

const struct dp_srtp_stats *
dp_srtp_worker_stats(const struct dp_srtp_worker *w)
{
	return &w->stats;
}

int
dp_srtp_ctx_alloc(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		uint8_t suite, struct dp_srtp_ctx **out)
{
	struct dp_srtp_ctx *c;
	uint32_t idx;

	if (w->nb_free == 0) {
		w->stats.ctx_refused_nospc++;
		return -ENOSPC;
	}
	idx = w->free_idx[--w->nb_free];
	c = &w->ctx[idx];
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->dir = (uint8_t)p->dir;
	c->window = w->window;
	c->rtp_tag = (uint8_t)dp_srtp_suite_rtp_tag(suite);
	if (!(p->flags & DP_SRTP_F_NO_RTCP))
		c->rtcp_tag = dp_srtp_suite_gcm(suite) ? DP_SRTP_GCM_TAG : DP_SRTP_CM_TAG_80;
	if (p->flags & DP_SRTP_F_SSRC_ANY) {
		c->ssrc_any = 1;
	} else {
		dp_srtp_slot_reset(&c->rtp[0], p->ssrc);
		dp_srtp_slot_reset(&c->rtcp[0], p->ssrc);
	}
	c->in_use = 1;
	*out = c;
	return (int)idx;
}

void
dp_srtp_ctx_release(struct dp_srtp_worker *w, struct dp_srtp_ctx *c)
{
	dp_srtp_wipe(c, sizeof(*c));
	w->free_idx[w->nb_free++] = (uint32_t)(c - w->ctx);
}

static bool
dp_srtp_params_ok(const struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		uint8_t suite)
{
	return w != NULL && p != NULL && suite < DP_SRTP_SUITE__COUNT &&
		(p->dir == DP_SRTP_DIR_UNPROTECT || p->dir == DP_SRTP_DIR_PROTECT);
}

int
dp_srtp_ctx_create_session(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		uint8_t suite, const struct dp_srtp_session_keys *sk, uint32_t srtcp_last)
{
	struct dp_srtp_ctx *c;
	int idx, err, i;

	if (!dp_srtp_params_ok(w, p, suite) || w->backend != DP_SRTP_BACKEND_CRYPTODEV)
		return -EINVAL;
	idx = dp_srtp_ctx_alloc(w, p, suite, &c);
	if (idx < 0)
		return idx;
	for (i = 0; i < DP_SRTP_SSRC_SLOTS; i++) {
		memcpy(c->rtp[i].salt, sk->rtp_salt, DP_SRTP_SALT_MAX);
		memcpy(c->rtcp[i].salt, sk->rtcp_salt, DP_SRTP_SALT_MAX);
	}
	if (p->dir == DP_SRTP_DIR_PROTECT) {
		c->srtcp_first = srtcp_last;
		c->rtcp[0].index = srtcp_last;
	}
	err = dp_srtp_cdev_ctx_init(w, c, sk, c->rtcp_tag != 0);
	if (err < 0) {
		if (err == -ENOSPC)
			w->stats.ctx_refused_nospc++;
		dp_srtp_ctx_release(w, c);
		return err;
	}
	w->stats.ctx_created++;
	return idx;
}

int
dp_srtp_ctx_create(struct dp_srtp_worker *w, const struct dp_srtp_ctx_params *p,
		struct dp_srtp_key *key)
{
	struct dp_srtp_session_keys sk;
	struct dp_srtp_ctx *c;
	uint8_t suite;
	int idx, err;

	if (key == NULL)
		return -EINVAL;
	suite = (uint8_t)key->suite;
	if (!dp_srtp_params_ok(w, p, suite)) {
		err = -EINVAL;
		goto out_wipe;
	}
	if (w->backend == DP_SRTP_BACKEND_LIBSRTP) {
		idx = dp_srtp_ctx_alloc(w, p, suite, &c);
		if (idx < 0) {
			err = idx;
			goto out_wipe;
		}
		err = dp_srtp_lib_ctx_init(c, key);
		if (err < 0) {
			dp_srtp_ctx_release(w, c);
			goto out_wipe;
		}
		w->stats.ctx_created++;
		err = idx;
		goto out_wipe;
	}
	err = dp_srtp_kdf_session_keys(key, &sk);
	dp_srtp_wipe(key, sizeof(*key));
	if (err < 0)
		return err;
	err = dp_srtp_ctx_create_session(w, p, suite, &sk, 0);
	dp_srtp_wipe(&sk, sizeof(sk));
	return err;
out_wipe:
	dp_srtp_wipe(key, sizeof(*key));
	return err;
}

void
dp_srtp_ctx_destroy(struct dp_srtp_worker *w, uint32_t ctx)
{
	struct dp_srtp_ctx *c;

	if (w == NULL || ctx >= w->nb_ctx || !w->ctx[ctx].in_use)
		return;
	c = &w->ctx[ctx];
	if (w->backend == DP_SRTP_BACKEND_CRYPTODEV)
		dp_srtp_cdev_ctx_fini(w, c);
	else
		dp_srtp_lib_ctx_fini(c);
	dp_srtp_ctx_release(w, c);
	w->stats.ctx_destroyed++;
}

bool
dp_srtp_key_passthrough(const struct dp_srtp_key *in, const struct dp_srtp_key *out)
{
	uint8_t diff = 0;
	size_t i, salt_len;

	if (in->suite != out->suite)
		return false;
	salt_len = in->suite == DP_SRTP_AEAD_AES_128_GCM ? 12 : 14;
	for (i = 0; i < sizeof(in->master_key); i++)
		diff |= in->master_key[i] ^ out->master_key[i];
	for (i = 0; i < salt_len; i++)
		diff |= in->master_salt[i] ^ out->master_salt[i];
	return diff == 0;
}

void
dp_srtp_burst_prefetch(struct dp_srtp_worker *w, const struct dp_srtp_pkt *pkts, uint16_t n)
{
	const struct dp_srtp_ctx *c;
	const struct dp_srtp_stream *s;
	const uint8_t *sess, *prev = NULL;
	uint32_t l;
	uint16_t i;

	/* The parameters, the first slot's SSRC (every look-up starts there) and SRTCP's first slot. */
	for (i = 0; i < n; i++) {
		if (pkts[i].ctx >= w->nb_ctx)
			continue;
		c = &w->ctx[pkts[i].ctx];
		rte_prefetch0(&c->suite);
		rte_prefetch0(&c->rtp[0]);
		if (pkts[i].op == DP_SRTP_OP_RTCP)
			rte_prefetch0(&c->rtcp[0]);
	}
	if (w->backend != DP_SRTP_BACKEND_CRYPTODEV)
		return;
	for (i = 0; i < n; i++) {
		if (pkts[i].ctx >= w->nb_ctx)
			continue;
		c = &w->ctx[pkts[i].ctx];
		s = pkts[i].op == DP_SRTP_OP_RTCP ? &c->rtcp[0] : &c->rtp[0];
		sess = s->sess;
		/* A run of one session needs its lines once. */
		if (sess == NULL || sess == prev)
			continue;
		prev = sess;
		for (l = 0; l < w->sess_lines; l++)
			rte_prefetch0(sess + (size_t)l * RTE_CACHE_LINE_SIZE);
	}
}

static uint16_t
dp_srtp_burst_run(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n,
		bool prefetch)
{
	uint16_t done = 0, chunk, i, ok = 0;

	while (done < n) {
		chunk = RTE_MIN((uint16_t)(n - done), (uint16_t)DP_SRTP_BURST_MAX);
		if (w->backend == DP_SRTP_BACKEND_CRYPTODEV) {
			if (prefetch && !w->no_prefetch)
				dp_srtp_burst_prefetch(w, pkts + done, chunk);
			dp_srtp_cdev_burst(w, pkts + done, chunk);
		} else
			dp_srtp_lib_burst(w, pkts + done, chunk);
		done += chunk;
		w->stats.bursts++;
	}
	for (i = 0; i < n; i++) {
		w->stats.verdicts[pkts[i].verdict]++;
		ok += pkts[i].verdict == DP_SRTP_OK;
	}
	return ok;
}

uint16_t
dp_srtp_burst_process(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n)
{
	return dp_srtp_burst_run(w, pkts, n, true);
}

uint16_t
dp_srtp_burst_process_prefetched(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts,
		uint16_t n)
{
	return dp_srtp_burst_run(w, pkts, n, false);
}
