/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsrtp2 backend: one srtp_t per context, srtp_protect/srtp_unprotect (and
 * the RTCP variants) per packet. libsrtp keeps its own index, rollover
 * counter and replay state per SSRC; this file adds what the module promises
 * on top (the same header checks, the same bounded set of SSRC slots with
 * the same evictions, verdict mapping), so that it serves both as a second
 * backend and as the reference the cryptodev backend is tested against.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "dp_srtp_priv.h"

int
dp_srtp_lib_init(void)
{
	return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

void
dp_srtp_lib_fini(void)
{
	(void)srtp_shutdown();
}

int
dp_srtp_lib_ctx_init(struct dp_srtp_ctx *c, const struct dp_srtp_key *key)
{
	uint8_t mk[30];
	srtp_policy_t pol;
	srtp_t s;
	srtp_err_status_t st;

	memset(&pol, 0, sizeof(pol));
	switch (key->suite) {
	case DP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case DP_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 §6.2.2: SRTCP keeps the 80-bit tag. */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case DP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
		break;
	default:
		return -EINVAL;
	}
	memcpy(mk, key->master_key, 16);
	memcpy(mk + 16, key->master_salt, 14);
	pol.ssrc.type = c->dir == DP_SRTP_DIR_UNPROTECT ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = mk;
	pol.window_size = c->window;
	pol.allow_repeat_tx = 0;
	st = srtp_create(&s, &pol);
	dp_srtp_wipe(mk, sizeof(mk));
	if (st != srtp_err_status_ok)
		return st == srtp_err_status_alloc_fail ? -ENOMEM : -EINVAL;
	c->lib = s;
	return 0;
}

void
dp_srtp_lib_ctx_fini(struct dp_srtp_ctx *c)
{
	if (c->lib != NULL)
		(void)srtp_dealloc(c->lib);
	c->lib = NULL;
}

static uint8_t
dp_srtp_lib_verdict(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return DP_SRTP_OK;
	case srtp_err_status_auth_fail:
		return DP_SRTP_AUTH_FAIL;
	case srtp_err_status_replay_fail:
		return DP_SRTP_REPLAY_DUP;
	case srtp_err_status_replay_old:
		return DP_SRTP_REPLAY_OLD;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_cant_check:	/* SRTCP E flag other than the policy's */
		return DP_SRTP_BAD_HEADER;
	default:
		return DP_SRTP_CRYPTO_ERROR;
	}
}

/*
 * What the cryptodev backend's prepare step checks before the crypto, in the
 * same order, including the SSRC look-up: done for the whole burst first, as
 * there, so that a packet whose slot another packet of the burst takes over
 * is refused by both.
 */
static uint8_t
dp_srtp_lib_look(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, const struct dp_srtp_pkt *pk,
		uint32_t *ssrc, uint8_t *slot, uint8_t *fresh)
{
	struct rte_mbuf *m = pk->m;
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, pk->off);
	bool unprotect = c->dir == DP_SRTP_DIR_UNPROTECT;
	uint32_t hlen;
	uint8_t v;

	if (m->nb_segs != 1 || (uint32_t)pk->off + pk->len > m->data_len)
		return DP_SRTP_BAD_HEADER;
	if (pk->op == DP_SRTP_OP_RTP) {
		v = dp_srtp_rtp_hdr(p, pk->len, unprotect ? c->rtp_tag : 0, &hlen);
		*ssrc = v == DP_SRTP_OK ? dp_srtp_be32(p + 8) : 0;
	} else {
		if (c->rtcp_tag == 0)
			return DP_SRTP_BAD_HEADER;
		v = dp_srtp_rtcp_hdr(p, pk->len, unprotect ? c->rtcp_tag + 4u : 0);
		*ssrc = v == DP_SRTP_OK ? dp_srtp_be32(p + 4) : 0;
	}
	if (v != DP_SRTP_OK)
		return v;
	return dp_srtp_ssrc_resolve(w, c, (uint32_t)(c - w->ctx), *ssrc, slot, fresh);
}

static uint8_t
dp_srtp_lib_one(struct dp_srtp_worker *w, struct dp_srtp_ctx *c, struct dp_srtp_pkt *pk,
		uint32_t ssrc, uint8_t slot, uint8_t fresh)
{
	struct rte_mbuf *m = pk->m;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, pk->off);
	bool unprotect = c->dir == DP_SRTP_DIR_UNPROTECT, rtp = pk->op == DP_SRTP_OP_RTP;
	struct dp_srtp_fresh *f = fresh != DP_SRTP_NO_SLOT ? &w->fresh[fresh] : NULL;
	srtp_err_status_t st;
	uint32_t ev;
	int len = pk->len;
	uint8_t v;

	/* Its slot went to another SSRC earlier in this burst (libsrtp's stream too). */
	if (f == NULL && c->rtp[slot].ssrc != ssrc)
		return DP_SRTP_BAD_HEADER;
	if (!unprotect && dp_srtp_room(m, pk->off, pk->len) < DP_SRTP_TRAILER_MAX)
		return DP_SRTP_CRYPTO_ERROR;
	if (rtp)
		st = unprotect ? srtp_unprotect(c->lib, p, &len) : srtp_protect(c->lib, p, &len);
	else
		st = unprotect ? srtp_unprotect_rtcp(c->lib, p, &len) :
			srtp_protect_rtcp(c->lib, p, &len);
	v = dp_srtp_lib_verdict(st);
	if (f != NULL && f->slot == DP_SRTP_NO_SLOT) {
		/* libsrtp2 made the SSRC's stream (protect makes it even on failure). */
		if (v != DP_SRTP_OK)
			(void)srtp_remove_stream(c->lib, htonl(ssrc));
		else if (dp_srtp_slot_take(w, c, f, &ev))
			(void)srtp_remove_stream(c->lib, htonl(ev));
	}
	if (v != DP_SRTP_OK)
		return v;
	dp_srtp_slot_touch(c, f != NULL ? f->slot : slot);
	pk->len = (uint16_t)len;
	m->data_len = (uint16_t)(pk->off + len);
	m->pkt_len = m->data_len;
	return DP_SRTP_OK;
}

void
dp_srtp_lib_burst(struct dp_srtp_worker *w, struct dp_srtp_pkt *pkts, uint16_t n)
{
	uint32_t ssrc[DP_SRTP_BURST_MAX];
	uint8_t slot[DP_SRTP_BURST_MAX], fresh[DP_SRTP_BURST_MAX];
	uint16_t i;

	w->nb_fresh = 0;
	for (i = 0; i < n; i++) {
		if (pkts[i].ctx >= w->nb_ctx || !w->ctx[pkts[i].ctx].in_use) {
			pkts[i].verdict = DP_SRTP_CRYPTO_ERROR;
			continue;
		}
		pkts[i].verdict = dp_srtp_lib_look(w, &w->ctx[pkts[i].ctx], &pkts[i], &ssrc[i],
				&slot[i], &fresh[i]);
	}
	for (i = 0; i < n; i++)
		if (pkts[i].verdict == DP_SRTP_OK)
			pkts[i].verdict = dp_srtp_lib_one(w, &w->ctx[pkts[i].ctx], &pkts[i],
					ssrc[i], slot[i], fresh[i]);
}
