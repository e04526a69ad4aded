/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SDP side of the local orchestrator: what each leg of a session is
 * programmed with (peer address from the SDP or the flags, relay address,
 * SRTP suite and the keys the answer settled on), how an offer creates or
 * updates the sessions and an answer updates them, and the rewriting of
 * each SDP toward the other side with the relay's address and ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_local_int.h"
const char *
mc_proto_name(enum sdp_proto p)
{
	switch (p) {
	case SDP_PROTO_RTP_AVP: return "RTP/AVP";
	case SDP_PROTO_RTP_AVPF: return "RTP/AVPF";
	case SDP_PROTO_RTP_SAVP: return "RTP/SAVP";
	case SDP_PROTO_RTP_SAVPF: return "RTP/SAVPF";
	case SDP_PROTO_UDP_TLS_RTP_SAVP: return "UDP/TLS/RTP/SAVP";
	case SDP_PROTO_UDP_TLS_RTP_SAVPF: return "UDP/TLS/RTP/SAVPF";
	default: return "other";
	}
}

static bool
mc_proto_srtp(enum sdp_proto p)
{
	return p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
}

void
mc_sockaddr_from_dg(struct sockaddr_storage *ss, uint8_t family,
		    const uint8_t *addr, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == DG_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		sin->sin_port = htons(port);
	} else if (family == DG_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_port = htons(port);
	}
}

/* Peer address of a leg: the SDP's, unless the flags say otherwise. */
static void
mc_leg_peer(struct dg_msg_leg *leg, const struct sdp_stream *st,
	    const struct mc_flags *f)
{
	const struct sockaddr_storage *a = NULL;

	leg->peer_family = DG_AF_NONE;
	memset(leg->peer_addr, 0, sizeof(leg->peer_addr));
	leg->peer_rtp_port = st->rtp_port;
	leg->peer_rtcp_port = st->rtcp_port;
	leg->flags &= ~DG_LEG_F_STRICT_SOURCE;
	if (f->strict_source)
		leg->flags |= DG_LEG_F_STRICT_SOURCE;
	if (!st->hold && st->addr_numeric)
		a = &st->rtp;
	if (f->sip_source && f->have_received_from)
		a = &f->received_from;
	if (f->have_media_address)
		a = &f->media_address;
	if (st->hold)
		a = NULL;
	if (a == NULL)
		return;
	if (a->ss_family == AF_INET) {
		leg->peer_family = DG_AF_INET;
		memcpy(leg->peer_addr,
		       &((const struct sockaddr_in *)a)->sin_addr, 4);
	} else if (a->ss_family == AF_INET6) {
		leg->peer_family = DG_AF_INET6;
		memcpy(leg->peer_addr,
		       &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
	}
}

static void
mc_leg_relay(struct dg_msg_leg *leg, const struct dg_shm_addr *a)
{
	leg->relay_family = a->family;
	memcpy(leg->relay_addr, a->addr, sizeof(leg->relay_addr));
}

static int
mc_suite_dg(enum sdp_suite s, uint8_t *out)
{
	switch (s) {
	case SDP_SUITE_AES_CM_128_HMAC_SHA1_80:
		*out = DG_SRTP_AES_CM_128_HMAC_SHA1_80;
		return 0;
	case SDP_SUITE_AES_CM_128_HMAC_SHA1_32:
		*out = DG_SRTP_AES_CM_128_HMAC_SHA1_32;
		return 0;
	case SDP_SUITE_AEAD_AES_128_GCM:
		*out = DG_SRTP_AEAD_AES_128_GCM;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static void
mc_key_dg(struct dg_msg_srtp_key *d, const struct sdp_srtp_key *k)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->key, k->key, k->key_len < DG_SRTP_KEY_LEN ? k->key_len :
	       DG_SRTP_KEY_LEN);
	memcpy(d->salt, k->salt, k->salt_len < DG_SRTP_SALT_LEN ? k->salt_len :
	       DG_SRTP_SALT_LEN);
}

/* Packets of this leg pass without SRTP processing. */
static void
mc_leg_plain(struct dg_msg_leg *leg)
{
	leg->srtp_suite = DG_SRTP_NONE;
	memset(&leg->srtp_in, 0, sizeof(leg->srtp_in));
	memset(&leg->srtp_out, 0, sizeof(leg->srtp_out));
}

/*
 * SRTP of one leg: the peer's key and ours of the same tag and suite
 * (the ones the answer settled on). Neither side announcing keys: plain.
 */
static int
mc_leg_srtp(struct dg_msg_leg *leg, const struct mc_keys *peer,
	    const struct mc_keys *ours)
{
	unsigned int i, j;
	int err;

	mc_leg_plain(leg);
	if (peer->n == 0 && ours->n == 0)
		return 0;
	for (i = 0; i < peer->n; i++) {
		for (j = 0; j < ours->n; j++) {
			if (peer->k[i].tag != ours->k[j].tag ||
			    peer->k[i].suite != ours->k[j].suite)
				continue;
			err = mc_suite_dg(peer->k[i].suite, &leg->srtp_suite);
			if (err < 0)
				return err;
			mc_key_dg(&leg->srtp_in, &peer->k[i]);
			mc_key_dg(&leg->srtp_out, &ours->k[j]);
			return 0;
		}
	}
	return -EPROTO;
}

static void
mc_keys_from_stream(struct mc_keys *k, const struct sdp_stream *st)
{
	k->n = st->n_crypto;
	memcpy(k->k, st->crypto, sizeof(k->k[0]) * st->n_crypto);
}

/* Whether the data plane's address a is the address in ss. */
static bool
mc_addr_is(const struct dg_shm_addr *a, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return a->family == DG_AF_INET && memcmp(a->addr,
			&((const struct sockaddr_in *)ss)->sin_addr, 4) == 0;
	if (ss->ss_family == AF_INET6)
		return a->family == DG_AF_INET6 && memcmp(a->addr,
			&((const struct sockaddr_in6 *)ss)->sin6_addr, 16) == 0;
	return false;
}

/*
 * One leg's relay address: the one asked for, which must be among the
 * data plane's own, or else the data plane's first of family af.
 */
static int
mc_relay_pick(const struct dg_shm_hdr *hdr, int af,
	      const struct sockaddr_storage *want, struct dg_shm_addr *out)
{
	uint8_t fam = af == AF_INET6 ? DG_AF_INET6 : DG_AF_INET;
	unsigned int i, n = hdr->addr_count, pick = 0;

	if (n > DG_SHM_MAX_ADDRS_ALL)
		n = DG_SHM_MAX_ADDRS_ALL;
	if (want->ss_family != 0) {
		for (i = 0; i < n; i++)
			if (mc_addr_is(dg_shm_addr_at(hdr, i), want)) {
				*out = *dg_shm_addr_at(hdr, i);
				return 0;
			}
		return -EADDRNOTAVAIL;
	}
	for (i = 0; i < n; i++) {
		if (dg_shm_addr_at(hdr, i)->family == fam) {
			pick = i;
			break;
		}
	}
	*out = *dg_shm_addr_at(hdr, pick);
	return 0;
}

/* Relay addresses of a new call's legs: o made the offer, the other gets it. */
static int
mc_call_relay(struct mc_local *l, struct mc_call *call, int af, unsigned int o,
	      const struct mc_flags *f)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(l->c);
	unsigned int L;
	int err;

	if (hdr == NULL || hdr->addr_count == 0)
		return -ENOTCONN;
	err = mc_relay_pick(hdr, af, &f->relay_from, &call->relay[o]);
	if (err == 0)
		err = mc_relay_pick(hdr, af, &f->relay_to, &call->relay[1 - o]);
	if (err < 0) {
		call->relay[0].family = DG_AF_NONE;
		call->relay[1].family = DG_AF_NONE;
		return err;
	}
	for (L = 0; L < 2; L++) {
		if (l->advertise[0] != '\0')
			snprintf(call->relay_txt[L], sizeof(call->relay_txt[L]),
				 "%s", l->advertise);
		else
			(void)inet_ntop(call->relay[L].family == DG_AF_INET6 ?
					AF_INET6 : AF_INET, call->relay[L].addr,
					call->relay_txt[L],
					sizeof(call->relay_txt[L]));
	}
	return 0;
}

struct sdp_session *
mc_parse(const char *buf, size_t len, int *err, const char **reason)
{
	struct sdp_session *s = malloc(sizeof(*s));
	struct sdp_perr perr = { NULL, 0 };

	if (s == NULL) {
		*err = -ENOMEM;
		*reason = "out of memory";
		return NULL;
	}
	*err = sdp_parse(s, buf, len, &perr);
	if (*err < 0) {
		*reason = perr.reason != NULL ? perr.reason : "malformed SDP";
		free(s);
		return NULL;
	}
	return s;
}

void
mc_offer_rewrite(struct mc_op *op)
{
	struct mc_call *call = op->call;
	struct sdp_rewrite_result *res = NULL;
	struct sdp_rewrite_opts *ro = NULL;
	struct sdp_session *in = NULL;
	unsigned int o = call->offerer, t = 1 - o, i;
	size_t cap;
	int err;

	in = mc_parse(op->sdp_in, op->sdp_in_len, &err, &op->reason);
	ro = calloc(1, sizeof(*ro));
	res = calloc(1, sizeof(*res));
	cap = op->sdp_in_len * 2 + 4096;
	op->out = malloc(cap);
	if (in == NULL || ro == NULL || res == NULL || op->out == NULL) {
		mc_op_fail(op, in == NULL ? err : -ENOMEM,
			   in == NULL ? op->reason : "out of memory");
		goto out;
	}
	ro->role = SDP_ROLE_OFFER;
	ro->xport = op->flags.xport;
	ro->mux = op->flags.mux;
	ro->ice_remove = op->flags.ice_remove;
	ro->origin_addr = op->flags.replace_origin ? call->relay_txt[t] : NULL;
	ro->rnd = op->l->opts.rnd;
	ro->rnd_arg = op->l->opts.rnd_arg;
	ro->n_relay = (uint8_t)call->n_streams;
	for (i = 0; i < call->n_streams; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0)
			continue;
		ro->relay[i].addr = call->relay_txt[t];
		ro->relay[i].rtp_port = s->prog.leg[t].relay_rtp_port;
		ro->relay[i].rtcp_port = s->prog.leg[t].relay_rtcp_port;
		ro->relay[i].n_keys = s->ours[t].n;
		memcpy(ro->relay[i].keys, s->ours[t].k,
		       sizeof(s->ours[t].k[0]) * s->ours[t].n);
	}
	err = sdp_rewrite(in, ro, res, op->out, cap);
	if (err < 0) {
		mc_op_fail(op, err, err == -ENOTSUP ?
			   "SDP cannot be anchored (unsupported crypto or address type)" :
			   "SDP rewrite failed");
		goto out;
	}
	op->out_len = (size_t)err;
	for (i = 0; i < call->n_streams && i < res->n_media; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0)
			continue;
		s->ours[t].n = res->media[i].n_keys;
		memcpy(s->ours[t].k, res->media[i].keys,
		       sizeof(res->media[i].keys[0]) * res->media[i].n_keys);
		if (op->endpoint.ss_family == 0)
			mc_sockaddr_from_dg(&op->endpoint,
					    call->relay[t].family,
					    call->relay[t].addr,
					    s->prog.leg[t].relay_rtp_port);
	}
	/* The answer is rewritten against this offer. */
	free(call->offer_sdp);
	call->offer_sdp = op->sdp_in;
	call->offer_len = op->sdp_in_len;
	call->offer_xport = op->flags.xport;
	op->sdp_in = NULL;
out:
	free(res);
	free(ro);
	free(in);
}

int
mc_offer_start(struct mc_local *l, struct mc_call *call, struct mc_op *op,
	       const struct sdp_session *sdp, const struct mc_req *req)
{
	unsigned int o = call->offerer, i;
	bool hashed[SDP_MAX_MEDIA];
	struct sdp_stream st;
	int err;

	if (sdp->n_media > call->n_streams) {
		struct mc_stream *ns;

		/* The session hash points at streams: re-link after moving. */
		for (i = 0; i < call->n_streams; i++) {
			hashed[i] = call->streams[i].hashed;
			mc_sid_del(l, &call->streams[i]);
		}
		ns = realloc(call->streams, sizeof(*ns) * sdp->n_media);
		if (ns == NULL) {
			for (i = 0; i < call->n_streams; i++)
				if (hashed[i])
					mc_sid_add(l, &call->streams[i]);
			return -ENOMEM;
		}
		memset(ns + call->n_streams, 0,
		       sizeof(*ns) * (sdp->n_media - call->n_streams));
		call->streams = ns;
		for (i = 0; i < call->n_streams; i++) {
			ns[i].call = call;
			if (hashed[i])
				mc_sid_add(l, &ns[i]);
		}
		for (; i < sdp->n_media; i++)
			ns[i].call = call;
		call->n_streams = sdp->n_media;
	}
	for (i = 0; i < sdp->n_media; i++) {
		struct mc_stream *s = &call->streams[i];
		bool create = s->sid == 0;

		err = sdp_stream_get(sdp, i, &st);
		if (err < 0)
			return err;
		snprintf(s->type, sizeof(s->type), "%.*s",
			 (int)(st.type.len < 15 ? st.type.len : 15), st.type.p);
		if (st.rejected)
			continue;
		if (create) {
			if (call->relay[0].family == DG_AF_NONE) {
				err = mc_call_relay(l, call, st.addr_numeric ?
						    st.rtp.ss_family : AF_INET, o,
						    &req->flags);
				if (err < 0)
					return err;
			}
			s->sid = mc_sid_next(l);
			memset(&s->staged, 0, sizeof(s->staged));
			mc_leg_relay(&s->staged.leg[0], &call->relay[0]);
			mc_leg_relay(&s->staged.leg[1], &call->relay[1]);
			/* Media timeouts start with the answer. */
			s->staged.latch_window_s = 0;
			mc_sid_add(l, s);
		} else {
			s->staged = s->prog;
		}
		mc_leg_peer(&s->staged.leg[o], &st, &req->flags);
		s->proto[o] = st.proto;
		mc_keys_from_stream(&s->peer_keys[o], &st);
		err = mc_send(l, call->worker, create ? DG_MSG_SESSION_CREATE :
			      DG_MSG_SESSION_UPDATE, s->sid, &s->staged, op);
		if (err < 0) {
			if (create) {
				mc_sid_del(l, s);
				s->sid = 0;
			}
			return err == -EAGAIN ? -EBUSY : err;
		}
		op->pending++;
	}
	return 0;
}

/* Start an answer: rewrite toward the offerer, then update the sessions. */
int
mc_answer_start(struct mc_local *l, struct mc_call *call, struct mc_op *op,
		const struct sdp_session *ans, const struct mc_req *req)
{
	unsigned int o = call->offerer, t = 1 - o, i;
	struct sdp_rewrite_result *res = NULL;
	struct sdp_rewrite_opts *ro = NULL;
	struct sdp_session *offer = NULL, *out = NULL;
	struct sdp_stream st, ost;
	size_t cap = req->sdp.len * 2 + 4096;
	int err;

	offer = mc_parse(call->offer_sdp, call->offer_len, &err, &op->reason);
	if (offer == NULL)
		return err;
	ro = calloc(1, sizeof(*ro));
	res = calloc(1, sizeof(*res));
	out = malloc(sizeof(*out));
	op->out = malloc(cap);
	if (ro == NULL || res == NULL || out == NULL || op->out == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (ans->n_media > call->n_streams) {
		op->reason = "answer has more m= lines than the offer";
		err = -EPROTO;
		goto out;
	}
	ro->role = SDP_ROLE_ANSWER;
	ro->offer = offer;
	ro->mux = req->flags.mux;
	ro->ice_remove = req->flags.ice_remove;
	ro->origin_addr = req->flags.replace_origin ? call->relay_txt[o] : NULL;
	ro->rnd = l->opts.rnd;
	ro->rnd_arg = l->opts.rnd_arg;
	ro->n_relay = ans->n_media;
	if (call->offer_xport == SDP_XPORT_KEEP)
		ro->xport = SDP_XPORT_KEEP;
	for (i = 0; i < ans->n_media; i++) {
		struct mc_stream *s = &call->streams[i];

		err = sdp_stream_get(ans, i, &st);
		if (err < 0)
			goto out;
		if (s->sid == 0 || st.rejected)
			continue;
		ro->relay[i].addr = call->relay_txt[o];
		ro->relay[i].rtp_port = s->prog.leg[o].relay_rtp_port;
		ro->relay[i].rtcp_port = s->prog.leg[o].relay_rtcp_port;
		ro->relay[i].n_keys = s->ours[o].n;
		memcpy(ro->relay[i].keys, s->ours[o].k,
		       sizeof(s->ours[o].k[0]) * s->ours[o].n);
		if (call->offer_xport != SDP_XPORT_KEEP)
			ro->xport = mc_proto_srtp(s->proto[o]) ? SDP_XPORT_SDES :
				SDP_XPORT_RTP;
	}
	err = sdp_rewrite(ans, ro, res, op->out, cap);
	if (err < 0) {
		op->reason = err == -ENOTSUP ?
			"answer cannot be anchored (no usable crypto suite or address type)" :
			"SDP rewrite failed";
		goto out;
	}
	op->out_len = (size_t)err;
	err = sdp_parse(out, op->out, op->out_len, NULL);
	if (err < 0) {
		op->reason = "rewritten answer does not parse";
		goto out;
	}
	for (i = 0; i < ans->n_media; i++) {
		struct mc_stream *s = &call->streams[i];
		bool keep = call->offer_xport == SDP_XPORT_KEEP;

		if (s->sid == 0)
			continue;
		err = sdp_stream_get(ans, i, &st);
		if (err < 0)
			goto out;
		if (st.rejected)
			continue;
		err = sdp_stream_get(out, i, &ost);
		if (err < 0)
			goto out;
		s->staged = s->prog;
		mc_leg_peer(&s->staged.leg[t], &st, &req->flags);
		s->proto[t] = st.proto;
		mc_keys_from_stream(&s->peer_keys[t], &st);
		if (i < res->n_media) {
			s->ours[o].n = res->media[i].n_keys;
			memcpy(s->ours[o].k, res->media[i].keys,
			       sizeof(res->media[i].keys[0]) *
			       res->media[i].n_keys);
		}
		s->staged.leg[t].flags &= ~DG_LEG_F_RTCP_MUX;
		if (st.rtcp_mux)
			s->staged.leg[t].flags |= DG_LEG_F_RTCP_MUX;
		s->staged.leg[o].flags &= ~DG_LEG_F_RTCP_MUX;
		if (ost.rtcp_mux)
			s->staged.leg[o].flags |= DG_LEG_F_RTCP_MUX;
		if (keep) {
			mc_leg_plain(&s->staged.leg[0]);
			mc_leg_plain(&s->staged.leg[1]);
		} else {
			err = mc_leg_srtp(&s->staged.leg[o], &s->peer_keys[o],
					  &s->ours[o]);
			if (err == 0)
				err = mc_leg_srtp(&s->staged.leg[t],
						  &s->peer_keys[t], &s->ours[t]);
			if (err < 0) {
				op->reason = err == -ENOTSUP ?
					"crypto suite not supported by the data plane" :
					"answer accepted no crypto we offered";
				goto out;
			}
		}
		s->staged.timeout_start_s = l->opts.timeout_start_s;
		s->staged.timeout_stop_s = l->opts.timeout_stop_s;
		if (op->endpoint.ss_family == 0)
			mc_sockaddr_from_dg(&op->endpoint,
					    call->relay[o].family,
					    call->relay[o].addr,
					    s->prog.leg[o].relay_rtp_port);
	}
	for (i = 0; i < call->n_streams; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0 || !s->live || i >= ans->n_media)
			continue;
		err = mc_send(l, call->worker, DG_MSG_SESSION_UPDATE, s->sid,
			      &s->staged, op);
		if (err < 0) {
			err = err == -EAGAIN ? -EBUSY : err;
			op->reason = "data plane busy";
			/* What was sent completes; the op fails then. */
			if (op->pending > 0) {
				mc_op_fail(op, err, op->reason);
				err = 0;
			}
			goto out;
		}
		op->pending++;
	}
	err = 0;
out:
	free(out);
	free(res);
	free(ro);
	free(offer);
	return err;
}

