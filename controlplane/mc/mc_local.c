/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local orchestrator's state machine. A call holds both legs' tags,
 * the offerer's last SDP (an answer is rewritten against it) and one stream
 * per m= line; a stream holds its data-plane session id, the session as
 * last acknowledged (relay ports included, so a restarted data plane gets
 * the same ports back) and the SDES keys each side announced. An offer
 * creates (or, re-offered, updates) the sessions first and rewrites the SDP
 * once the ports are known; an answer rewrites first (that is where our
 * keys toward the offerer are made) and then updates the sessions. A
 * failure at any step deletes what this call created, so no call is left
 * half anchored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dg_client.h"
#include "dg_log.h"
#include "mc_local.h"
#include "uring_timer.h"

#define MC_BUCKETS 4096u		/* call and session hash chains */
#define MC_POLL_BUSY_MS 1u
#define MC_POLL_IDLE_MS 20u

struct mc_keys {
	uint8_t n;
	struct sdp_srtp_key k[SDP_MAX_CRYPTO];
};

struct mc_call;

struct mc_stream {
	struct mc_call *call;
	struct mc_stream *sid_next;	/* session hash chain */
	uint64_t sid;
	bool live;			/* the data plane has the session */
	bool hashed;
	struct dg_msg_session prog;	/* as last acknowledged */
	struct dg_msg_session staged;	/* sent, not acknowledged yet */
	enum sdp_proto proto[2];	/* what each leg's peer speaks */
	struct mc_keys peer_keys[2];	/* announced by each leg's peer */
	struct mc_keys ours[2];		/* announced by us toward each leg */
	char type[16];
	bool have_stats;
	struct dg_msg_stats stats;
};

struct mc_op;

struct mc_call {
	struct mc_call *next;		/* call hash chain */
	char call_id[MC_ID_MAX];
	size_t call_id_len;
	char tag[2][MC_ID_MAX];		/* leg 0: first offerer */
	uint64_t alloc_id;
	unsigned int worker;
	unsigned int n_streams;
	struct mc_stream *streams;
	unsigned int offerer;		/* leg of the last offer */
	char *offer_sdp;		/* that offer as its sender wrote it */
	size_t offer_len;
	enum sdp_xport offer_xport;	/* what the offer asked toward the other */
	struct dg_shm_addr relay;	/* relay address used by every stream */
	char relay_txt[INET6_ADDRSTRLEN];
	struct mc_op *op;		/* operation in flight */
	uint64_t created_s;
	uint64_t last_signal_s;
};

enum mc_op_kind {
	MC_OP_OFFER,
	MC_OP_ANSWER,
	MC_OP_RELEASE,
	MC_OP_QUERY,
};

struct mc_local;

struct mc_op {
	enum mc_op_kind kind;
	struct mc_local *l;
	struct mc_call *call;
	struct mc_op *ready_next;	/* finished without the data plane */
	unsigned int pending;		/* commands without their ACK yet */
	int status;
	const char *reason;
	bool new_call;			/* the offer created the call */
	mc_done_fn *done;
	mc_info_fn *info_done;
	void *arg;
	struct mc_flags flags;
	char *sdp_in;			/* offer: copy of the request's SDP */
	size_t sdp_in_len;
	char *out;			/* answer: the rewritten SDP */
	size_t out_len;
	struct sockaddr_storage endpoint;
};

struct mc_local {
	struct mc_orch base;		/* first: struct mc_orch * is ours */
	struct mc_local_opts opts;
	char advertise[INET6_ADDRSTRLEN];
	struct dg_client *c;
	struct uring_loop *loop;
	struct uring_timer timer;
	struct mc_call *calls[MC_BUCKETS];
	struct mc_stream *sids[MC_BUCKETS];
	struct mc_op *ready;
	uint64_t next_sid;
	uint64_t next_alloc;
	bool was_connected;
	unsigned int ops;		/* operations not finished */
	struct mc_orch_stats st;
	uint64_t started_s;
	int rollback_cookie;		/* address marks fire-and-forget commands */
	int reprogram_cookie;
};

static const struct mc_orch_ops mc_local_ops;

static uint64_t
mc_now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint32_t
mc_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct mc_call **
mc_call_slot(struct mc_local *l, struct dg_pl id)
{
	struct mc_call **pp = &l->calls[mc_hash(id.p, id.len) % MC_BUCKETS];

	while (*pp != NULL && !((*pp)->call_id_len == id.len &&
				memcmp((*pp)->call_id, id.p, id.len) == 0))
		pp = &(*pp)->next;
	return pp;
}

static struct mc_call *
mc_call_find(struct mc_local *l, struct dg_pl id)
{
	return *mc_call_slot(l, id);
}

static void
mc_sid_add(struct mc_local *l, struct mc_stream *s)
{
	struct mc_stream **b = &l->sids[s->sid % MC_BUCKETS];

	s->sid_next = *b;
	*b = s;
	s->hashed = true;
}

static void
mc_sid_del(struct mc_local *l, struct mc_stream *s)
{
	struct mc_stream **pp = &l->sids[s->sid % MC_BUCKETS];

	if (!s->hashed)
		return;
	while (*pp != NULL && *pp != s)
		pp = &(*pp)->sid_next;
	if (*pp != NULL)
		*pp = s->sid_next;
	s->hashed = false;
}

static struct mc_stream *
mc_sid_find(struct mc_local *l, uint64_t sid)
{
	struct mc_stream *s = l->sids[sid % MC_BUCKETS];

	while (s != NULL && s->sid != sid)
		s = s->sid_next;
	return s;
}

static void
mc_call_unlink(struct mc_local *l, struct mc_call *call)
{
	struct mc_call **pp;
	unsigned int i;

	pp = mc_call_slot(l, (struct dg_pl){ call->call_id, call->call_id_len });
	if (*pp == call)
		*pp = call->next;
	for (i = 0; i < call->n_streams; i++) {
		if (call->streams[i].live && l->st.streams > 0)
			l->st.streams--;
		mc_sid_del(l, &call->streams[i]);
	}
	if (l->st.calls > 0)
		l->st.calls--;
}

static void
mc_call_free(struct mc_call *call)
{
	if (call == NULL)
		return;
	free(call->streams);
	free(call->offer_sdp);
	free(call);
}

static int
mc_send(struct mc_local *l, unsigned int worker, uint16_t type, uint64_t sid,
	const struct dg_msg_session *s, void *cookie)
{
	struct dg_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.session_id = sid;
	if (s != NULL)
		m.u.session = *s;
	return dg_client_send(l->c, worker, &m, cookie, NULL);
}

/* Delete every live session of a call without waiting for the ACKs. */
static void
mc_call_rollback(struct mc_local *l, struct mc_call *call)
{
	unsigned int i;

	for (i = 0; i < call->n_streams; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0 || !s->live)
			continue;
		(void)mc_send(l, call->worker, DG_MSG_SESSION_DELETE, s->sid,
			      NULL, &l->rollback_cookie);
		s->live = false;
		if (l->st.streams > 0)
			l->st.streams--;
	}
}

static void
mc_poll_arm(struct mc_local *l, unsigned int ms)
{
	if (l->loop == NULL)
		return;
	if (uring_timer_pending(&l->timer) &&
	    l->timer.deadline <= uring_timers_now(&l->loop->timers) + ms)
		return;
	(void)uring_timer_start(&l->loop->timers, &l->timer, ms);
}

static struct mc_op *
mc_op_new(struct mc_local *l, enum mc_op_kind kind, struct mc_call *call)
{
	struct mc_op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	op->kind = kind;
	op->l = l;
	op->call = call;
	l->ops++;
	return op;
}

static void
mc_op_free(struct mc_op *op)
{
	op->l->ops--;
	free(op->sdp_in);
	free(op->out);
	free(op);
}

static void
mc_op_fail(struct mc_op *op, int status, const char *reason)
{
	if (op->status == 0) {
		op->status = status;
		op->reason = reason;
	}
}

/* An operation that needs no data-plane reply completes on the next poll. */
static void
mc_op_ready(struct mc_op *op)
{
	op->ready_next = op->l->ready;
	op->l->ready = op;
	mc_poll_arm(op->l, 0);
}

static const char *
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

static void
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

/* Relay address of a call: the data plane's first of the peer's family. */
static int
mc_call_relay(struct mc_local *l, struct mc_call *call, int af)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(l->c);
	uint8_t want = af == AF_INET6 ? DG_AF_INET6 : DG_AF_INET;
	unsigned int i, pick = 0;

	if (hdr == NULL || hdr->addr_count == 0)
		return -ENOTCONN;
	for (i = 0; i < hdr->addr_count && i < DG_SHM_MAX_ADDRS; i++) {
		if (hdr->addrs[i].family == want) {
			pick = i;
			break;
		}
	}
	call->relay = hdr->addrs[pick];
	if (l->advertise[0] != '\0')
		snprintf(call->relay_txt, sizeof(call->relay_txt), "%s",
			 l->advertise);
	else
		(void)inet_ntop(call->relay.family == DG_AF_INET6 ? AF_INET6 :
				AF_INET, call->relay.addr, call->relay_txt,
				sizeof(call->relay_txt));
	return 0;
}

static struct sdp_session *
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

static bool
mc_tag_eq(const char *tag, struct dg_pl pl)
{
	return strlen(tag) == pl.len && memcmp(tag, pl.p, pl.len) == 0;
}

static void
mc_tag_set(char *dst, struct dg_pl pl)
{
	size_t n = pl.len < MC_ID_MAX - 1 ? pl.len : MC_ID_MAX - 1;

	memcpy(dst, pl.p, n);
	dst[n] = '\0';
}

static void
mc_result_fill(struct mc_result *r, const struct mc_op *op)
{
	memset(r, 0, sizeof(*r));
	r->status = op->status;
	r->reason = op->reason;
	r->alloc_id = op->call != NULL ? op->call->alloc_id : 0;
	r->endpoint = op->endpoint;
	if (op->status == 0) {
		r->sdp = op->out;
		r->sdp_len = op->out_len;
	}
}

/* The offer's sessions all answered: rewrite the SDP toward the other leg. */
static void
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
	ro->origin_addr = op->flags.replace_origin ? call->relay_txt : NULL;
	ro->rnd = op->l->opts.rnd;
	ro->rnd_arg = op->l->opts.rnd_arg;
	ro->n_relay = (uint8_t)call->n_streams;
	for (i = 0; i < call->n_streams; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0)
			continue;
		ro->relay[i].addr = call->relay_txt;
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
			mc_sockaddr_from_dg(&op->endpoint, call->relay.family,
					    call->relay.addr,
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

static void
mc_info_fill(struct mc_call_info *info, const struct mc_call *call)
{
	unsigned int i, L, d;

	memset(info, 0, sizeof(*info));
	info->alloc_id = call->alloc_id;
	memcpy(info->call_id, call->call_id, call->call_id_len);
	memcpy(info->tag, call->tag, sizeof(info->tag));
	info->created_s = call->created_s;
	info->last_signal_s = call->last_signal_s;
	info->n_streams = call->n_streams;
	for (i = 0; i < call->n_streams; i++) {
		const struct mc_stream *s = &call->streams[i];
		struct mc_stream_info *si = &info->streams[i];

		snprintf(si->type, sizeof(si->type), "%s", s->type);
		snprintf(si->proto, sizeof(si->proto), "%s",
			 mc_proto_name(s->proto[0]));
		si->have_stats = s->have_stats;
		for (L = 0; L < 2; L++) {
			const struct dg_msg_leg *pl = &s->prog.leg[L];
			struct mc_leg_info *li = &si->leg[L];

			snprintf(si->leg_proto[L], sizeof(si->leg_proto[L]),
				 "%s", mc_proto_name(s->proto[L]));
			li->relay_rtp = pl->relay_rtp_port;
			li->relay_rtcp = pl->relay_rtcp_port;
			li->rtcp_mux = (pl->flags & DG_LEG_F_RTCP_MUX) != 0;
			li->srtp = pl->srtp_suite != DG_SRTP_NONE;
			mc_sockaddr_from_dg(&li->peer, pl->peer_family,
					    pl->peer_addr, pl->peer_rtp_port);
			if (!s->have_stats)
				continue;
			{
				const struct dg_msg_leg_stats *ls =
					&s->stats.leg[L];
				uint64_t mono = dg_shm_now_ns();

				li->rx_pkts = ls->rx_pkts;
				li->rx_bytes = ls->rx_bytes;
				li->tx_pkts = ls->tx_pkts;
				li->tx_bytes = ls->tx_bytes;
				for (d = 0; d < DG_LEG_DROP__COUNT; d++)
					li->errors += ls->drops[d];
				if (ls->last_rx_ns != 0 && mono >= ls->last_rx_ns)
					li->last_rx_s = mc_now_s() -
						(mono - ls->last_rx_ns) /
						1000000000ull;
				if (ls->peer_family != DG_AF_NONE)
					mc_sockaddr_from_dg(&li->peer,
							    ls->peer_family,
							    ls->peer_addr,
							    ls->peer_port);
			}
		}
	}
}

static void
mc_call_maybe_reap(struct mc_local *l, struct mc_call *call);

/* Every command of @p op has its ACK (or it needed none). */
static void
mc_op_finish(struct mc_op *op)
{
	struct mc_local *l = op->l;
	struct mc_call *call = op->call;
	struct mc_call_info *info;
	struct mc_result r;
	unsigned int i;

	if (call != NULL)
		call->op = NULL;
	switch (op->kind) {
	case MC_OP_OFFER:
	case MC_OP_ANSWER:
		if (op->status == 0 && op->kind == MC_OP_OFFER)
			mc_offer_rewrite(op);
		if (op->status == 0) {
			for (i = 0; i < call->n_streams; i++)
				if (call->streams[i].sid != 0)
					call->streams[i].prog =
						call->streams[i].staged;
			call->last_signal_s = mc_now_s();
		} else {
			l->st.errors++;
			if (op->new_call || op->kind == MC_OP_ANSWER) {
				/* Never half anchored: the call goes. */
				mc_call_rollback(l, call);
				mc_call_unlink(l, call);
			}
		}
		mc_result_fill(&r, op);
		if (op->done != NULL)
			op->done(op->arg, &r);
		if (op->status != 0 && (op->new_call || op->kind == MC_OP_ANSWER))
			mc_call_free(call);
		else if (call != NULL)
			mc_call_maybe_reap(l, call);
		break;
	case MC_OP_RELEASE:
	case MC_OP_QUERY:
		info = malloc(sizeof(*info));
		if (info != NULL) {
			mc_info_fill(info, call);
			info->status = op->status;
			info->reason = op->reason;
			if (op->info_done != NULL)
				op->info_done(op->arg, info);
		} else if (op->info_done != NULL) {
			struct mc_call_info *none = calloc(1, sizeof(*none));

			if (none != NULL) {
				none->status = -ENOMEM;
				none->reason = "out of memory";
				op->info_done(op->arg, none);
				free(none);
			}
		}
		free(info);
		if (op->kind == MC_OP_RELEASE)
			mc_call_free(call);
		else
			mc_call_maybe_reap(l, call);
		break;
	}
	mc_op_free(op);
}

/* A call whose every session timed out goes (unless an operation runs). */
static void
mc_call_maybe_reap(struct mc_local *l, struct mc_call *call)
{
	struct mc_event ev;
	unsigned int i, live = 0, had = 0;

	if (call->op != NULL)
		return;
	for (i = 0; i < call->n_streams; i++) {
		if (call->streams[i].sid != 0)
			had++;
		if (call->streams[i].live)
			live++;
	}
	if (had == 0 || live > 0)
		return;
	l->st.timeouts++;
	mc_call_unlink(l, call);
	memset(&ev, 0, sizeof(ev));
	ev.type = MC_EVENT_MEDIA_TIMEOUT;
	ev.alloc_id = call->alloc_id;
	ev.call_id = call->call_id;
	ev.reason = "no media";
	mc_orch_event(&l->base, &ev);
	mc_call_free(call);
}

static void
mc_on_ack(struct mc_local *l, struct mc_op *op, const struct dg_msg *m)
{
	struct mc_stream *s = mc_sid_find(l, m->hdr.session_id);
	const struct dg_msg_ack *a = &m->u.ack;

	if (s != NULL && s->call != op->call)
		s = NULL;
	switch (a->cmd_type) {
	case DG_MSG_SESSION_CREATE:
	case DG_MSG_SESSION_UPDATE:
		if (a->status < 0) {
			mc_op_fail(op, a->status, a->status == -ENOSPC ||
				   a->status == -ENOMEM ?
				   "no relay capacity in the data plane" :
				   a->status == -ETIMEDOUT ? "data plane did not answer" :
				   a->status == -ENOTCONN ? "data plane gone" :
				   "data plane refused the session");
			if (a->cmd_type == DG_MSG_SESSION_CREATE &&
			    a->status == -ETIMEDOUT && s != NULL)
				(void)mc_send(l, op->call->worker,
					      DG_MSG_SESSION_DELETE, s->sid, NULL,
					      &l->rollback_cookie);
			break;
		}
		if (s == NULL)
			break;
		if (!s->live)
			l->st.streams++;
		s->live = true;
		s->staged.leg[0].relay_rtp_port = a->leg[0].rtp;
		s->staged.leg[0].relay_rtcp_port = a->leg[0].rtcp;
		s->staged.leg[1].relay_rtp_port = a->leg[1].rtp;
		s->staged.leg[1].relay_rtcp_port = a->leg[1].rtcp;
		/* The offer rewrite reads the ports from prog. */
		if (op->kind == MC_OP_OFFER) {
			s->prog.leg[0].relay_rtp_port = a->leg[0].rtp;
			s->prog.leg[0].relay_rtcp_port = a->leg[0].rtcp;
			s->prog.leg[1].relay_rtp_port = a->leg[1].rtp;
			s->prog.leg[1].relay_rtcp_port = a->leg[1].rtcp;
		}
		break;
	case DG_MSG_SESSION_DELETE:
		if (s != NULL && s->live) {
			s->live = false;
			if (l->st.streams > 0)
				l->st.streams--;
		}
		break;
	default:
		break;
	}
}

static void
mc_on_timeout_event(struct mc_local *l, const struct dg_msg *m)
{
	struct mc_stream *s = mc_sid_find(l, m->hdr.session_id);

	if (s == NULL)
		return;
	s->stats = m->u.stats;
	s->have_stats = true;
	if (s->live) {
		s->live = false;
		if (l->st.streams > 0)
			l->st.streams--;
	}
	mc_sid_del(l, s);
	mc_call_maybe_reap(l, s->call);
}

static void
mc_on_event(void *arg, const struct dg_client_event *ev)
{
	struct mc_local *l = arg;
	const struct dg_msg *m = ev->msg;
	struct mc_stream *s;
	struct mc_op *op;

	if (ev->cookie == NULL) {
		if (m->hdr.type == DG_MSG_MEDIA_TIMEOUT)
			mc_on_timeout_event(l, m);
		else if (m->hdr.type == DG_MSG_ERROR)
			DG_LOG(DG_LOG_WARN, "media.dp_error", "status=%d lost=%u",
			       m->u.error.status, m->u.error.lost);
		return;
	}
	if (ev->cookie == &l->rollback_cookie)
		return;
	if (ev->cookie == &l->reprogram_cookie) {
		if (m->hdr.type == DG_MSG_ACK && m->u.ack.status < 0) {
			DG_LOG(DG_LOG_WARN, "media.reprogram",
			       "status=error session=%" PRIu64 " error=%d",
			       m->hdr.session_id, m->u.ack.status);
			s = mc_sid_find(l, m->hdr.session_id);
			if (s != NULL && s->live) {
				s->live = false;
				if (l->st.streams > 0)
					l->st.streams--;
			}
		}
		return;
	}
	op = ev->cookie;
	if (m->hdr.type == DG_MSG_SESSION_STATS) {
		s = mc_sid_find(l, m->hdr.session_id);
		if (s == NULL && op->call != NULL) {
			unsigned int i;

			/* A released call's streams are out of the hash. */
			for (i = 0; i < op->call->n_streams; i++)
				if (op->call->streams[i].sid == m->hdr.session_id)
					s = &op->call->streams[i];
		}
		if (s != NULL) {
			s->stats = m->u.stats;
			s->have_stats = true;
		}
	} else if (m->hdr.type == DG_MSG_ACK) {
		mc_on_ack(l, op, m);
	}
	if (!ev->final)
		return;
	if (op->pending > 0)
		op->pending--;
	if (op->pending == 0)
		mc_op_finish(op);
}

/* The data plane restarted: every live session again, same ports. */
static void
mc_reprogram(struct mc_local *l)
{
	const struct dg_shm_hdr *hdr = dg_client_hdr(l->c);
	struct mc_event ev;
	unsigned int b, i;
	struct mc_call *call;
	int w;

	if (hdr == NULL)
		return;
	for (b = 0; b < MC_BUCKETS; b++) {
		for (call = l->calls[b]; call != NULL; call = call->next) {
			for (i = 0; i < call->n_streams; i++) {
				struct mc_stream *s = &call->streams[i];

				if (s->sid == 0 || !s->hashed)
					continue;
				w = dg_shm_port_worker(hdr,
						       s->prog.leg[0].relay_rtp_port);
				if (w < 0) {
					DG_LOG(DG_LOG_WARN, "media.reprogram",
					       "status=error session=%" PRIu64
					       " error=\"port outside the new pools\"",
					       s->sid);
					continue;
				}
				call->worker = (unsigned int)w;
				if (mc_send(l, (unsigned int)w,
					    DG_MSG_SESSION_CREATE, s->sid,
					    &s->prog, &l->reprogram_cookie) == 0) {
					if (!s->live)
						l->st.streams++;
					s->live = true;
					l->st.reprograms++;
				}
			}
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = MC_EVENT_DP_RESTARTED;
	ev.reason = "new data-plane generation";
	mc_orch_event(&l->base, &ev);
}

int
mc_local_poll(struct mc_orch *o)
{
	struct mc_local *l = (struct mc_local *)o;
	struct mc_op *op;
	bool conn;
	int n;

	while ((op = l->ready) != NULL) {
		l->ready = op->ready_next;
		mc_op_finish(op);
	}
	n = dg_client_poll_events(l->c, mc_on_event, l, 0);
	conn = dg_client_connected(l->c);
	if (l->was_connected && !conn) {
		struct mc_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = MC_EVENT_DP_LOST;
		ev.reason = dg_client_error_text(l->c);
		mc_orch_event(&l->base, &ev);
	}
	l->was_connected = conn;
	if (dg_client_generation_changed(l->c))
		mc_reprogram(l);
	return n < 0 ? 0 : n;
}

bool
mc_local_connected(struct mc_orch *o)
{
	return dg_client_connected(((struct mc_local *)o)->c);
}

static void
mc_on_timer(struct uring_timer *t)
{
	struct mc_local *l = (struct mc_local *)((char *)t -
		offsetof(struct mc_local, timer));

	(void)mc_local_poll(&l->base);
	mc_poll_arm(l, l->ops > 0 ? MC_POLL_BUSY_MS : MC_POLL_IDLE_MS);
}

static uint64_t
mc_sid_next(struct mc_local *l)
{
	if (++l->next_sid == 0)
		l->next_sid = 1;
	return l->next_sid;
}

/* Start an offer: create (or update) one session per m= line. */
static int
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
			if (call->relay.family == DG_AF_NONE) {
				err = mc_call_relay(l, call, st.addr_numeric ?
						    st.rtp.ss_family : AF_INET);
				if (err < 0)
					return err;
			}
			s->sid = mc_sid_next(l);
			memset(&s->staged, 0, sizeof(s->staged));
			mc_leg_relay(&s->staged.leg[0], &call->relay);
			mc_leg_relay(&s->staged.leg[1], &call->relay);
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
static int
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
	ro->origin_addr = req->flags.replace_origin ? call->relay_txt : NULL;
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
		ro->relay[i].addr = call->relay_txt;
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
			mc_sockaddr_from_dg(&op->endpoint, call->relay.family,
					    call->relay.addr,
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

static int
mc_local_media(struct mc_orch *o, uint64_t alloc_id, bool must_exist,
	       const struct mc_req *req, mc_done_fn *done, void *arg)
{
	struct mc_local *l = (struct mc_local *)o;
	struct sdp_session *sdp = NULL;
	struct mc_call *call;
	struct mc_op *op;
	const char *reason = NULL;
	int err, w;

	if (req->call_id.len == 0 || req->call_id.len >= MC_ID_MAX ||
	    req->from_tag.len >= MC_ID_MAX || req->to_tag.len >= MC_ID_MAX)
		return -EINVAL;
	if (req->side == MC_SIDE_ANSWER && req->to_tag.len == 0)
		return -EINVAL;
	call = mc_call_find(l, req->call_id);
	if (must_exist && (call == NULL || call->alloc_id != alloc_id))
		return -ENOENT;
	if (call != NULL && call->op != NULL)
		return -EBUSY;
	if (req->side == MC_SIDE_ANSWER && call == NULL)
		return -ENOENT;
	if (!dg_client_connected(l->c))
		return -ENOTCONN;
	sdp = mc_parse(req->sdp.p, req->sdp.len, &err, &reason);
	if (sdp == NULL)
		return err;
	op = mc_op_new(l, req->side == MC_SIDE_OFFER ? MC_OP_OFFER :
		       MC_OP_ANSWER, call);
	if (op == NULL) {
		err = -ENOMEM;
		goto out_sdp;
	}
	op->done = done;
	op->arg = arg;
	op->flags = req->flags;
	if (call == NULL) {
		w = dg_client_pick_worker(l->c);
		if (w < 0) {
			err = w;
			goto out_op;
		}
		call = calloc(1, sizeof(*call));
		if (call == NULL) {
			err = -ENOMEM;
			goto out_op;
		}
		memcpy(call->call_id, req->call_id.p, req->call_id.len);
		call->call_id_len = req->call_id.len;
		mc_tag_set(call->tag[0], req->from_tag);
		call->alloc_id = ++l->next_alloc;
		call->worker = (unsigned int)w;
		call->created_s = mc_now_s();
		call->next = l->calls[mc_hash(req->call_id.p, req->call_id.len) %
				      MC_BUCKETS];
		l->calls[mc_hash(req->call_id.p, req->call_id.len) %
			 MC_BUCKETS] = call;
		l->st.calls++;
		op->new_call = true;
		op->call = call;
	}
	call->op = op;
	if (req->side == MC_SIDE_OFFER) {
		l->st.offers++;
		/* A re-offer from the answerer's side turns the legs round. */
		call->offerer = mc_tag_eq(call->tag[1], req->from_tag) &&
			call->tag[1][0] != '\0' ? 1 : 0;
		if (call->offerer == 0 && !mc_tag_eq(call->tag[0], req->from_tag)) {
			err = -EINVAL;
			reason = "from-tag does not belong to this call";
			goto out_call;
		}
		op->sdp_in = malloc(req->sdp.len + 1);
		if (op->sdp_in == NULL) {
			err = -ENOMEM;
			goto out_call;
		}
		memcpy(op->sdp_in, req->sdp.p, req->sdp.len);
		op->sdp_in_len = req->sdp.len;
		err = mc_offer_start(l, call, op, sdp, req);
	} else {
		l->st.answers++;
		if (mc_tag_eq(call->tag[1], req->from_tag) &&
		    call->tag[1][0] != '\0')
			call->offerer = 1;
		else if (mc_tag_eq(call->tag[0], req->from_tag))
			call->offerer = 0;
		else {
			err = -EINVAL;
			reason = "from-tag does not belong to this call";
			goto out_call;
		}
		mc_tag_set(call->tag[1 - call->offerer], req->to_tag);
		err = mc_answer_start(l, call, op, sdp, req);
		if (err < 0)
			reason = op->reason;
	}
	if (err < 0 && op->pending == 0)
		goto out_call;
	if (err < 0)
		mc_op_fail(op, err, reason);
	free(sdp);
	if (op->pending == 0)
		mc_op_ready(op);
	else
		mc_poll_arm(l, MC_POLL_BUSY_MS);
	return 0;
out_call:
	/* Nothing in flight for this op: undo at once. */
	call->op = NULL;
	if (op->new_call || req->side == MC_SIDE_ANSWER) {
		if (req->side == MC_SIDE_ANSWER)
			mc_call_rollback(l, call);
		mc_call_unlink(l, call);
		mc_call_free(call);
	}
	l->st.errors++;
	DG_LOG(DG_LOG_INFO, "media.refused", "side=%s error=%d reason=\"%s\"",
	       req->side == MC_SIDE_OFFER ? "offer" : "answer", err,
	       reason != NULL ? reason : strerror(-err));
out_op:
	mc_op_free(op);
out_sdp:
	free(sdp);
	return err;
}

static int
mc_local_allocate(struct mc_orch *o, const struct mc_req *req,
		  mc_done_fn *done, void *arg)
{
	return mc_local_media(o, 0, false, req, done, arg);
}

static int
mc_local_update(struct mc_orch *o, uint64_t alloc_id, const struct mc_req *req,
		mc_done_fn *done, void *arg)
{
	return mc_local_media(o, alloc_id, true, req, done, arg);
}

/* Release and query: a SESSION_QUERY per stream (and a DELETE to release). */
static int
mc_local_info_op(struct mc_orch *o, struct dg_pl call_id, bool release,
		 mc_info_fn *done, void *arg)
{
	struct mc_local *l = (struct mc_local *)o;
	struct mc_call *call = mc_call_find(l, call_id);
	struct mc_op *op;
	unsigned int i;

	if (call == NULL)
		return -ENOENT;
	if (call->op != NULL)
		return -EBUSY;
	op = mc_op_new(l, release ? MC_OP_RELEASE : MC_OP_QUERY, call);
	if (op == NULL)
		return -ENOMEM;
	op->info_done = done;
	op->arg = arg;
	call->op = op;
	for (i = 0; i < call->n_streams; i++) {
		struct mc_stream *s = &call->streams[i];

		if (s->sid == 0 || !s->live || !dg_client_connected(l->c))
			continue;
		if (mc_send(l, call->worker, DG_MSG_SESSION_QUERY, s->sid, NULL,
			    op) == 0)
			op->pending++;
		if (release && mc_send(l, call->worker, DG_MSG_SESSION_DELETE,
				       s->sid, NULL, op) == 0)
			op->pending++;
	}
	if (release) {
		l->st.deletes++;
		mc_call_unlink(l, call);
	}
	if (op->pending == 0)
		mc_op_ready(op);
	else
		mc_poll_arm(l, MC_POLL_BUSY_MS);
	return 0;
}

static int
mc_local_release(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
		 void *arg)
{
	return mc_local_info_op(o, call_id, true, done, arg);
}

static int
mc_local_query(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
	       void *arg)
{
	return mc_local_info_op(o, call_id, false, done, arg);
}

static unsigned int
mc_local_list(struct mc_orch *o, unsigned int max,
	      void (*fn)(void *arg, const char *call_id), void *arg)
{
	struct mc_local *l = (struct mc_local *)o;
	unsigned int b, n = 0;
	struct mc_call *call;

	for (b = 0; b < MC_BUCKETS && n < max; b++)
		for (call = l->calls[b]; call != NULL && n < max;
		     call = call->next, n++)
			fn(arg, call->call_id);
	return n;
}

static void
mc_local_stats(struct mc_orch *o, struct mc_orch_stats *st)
{
	struct mc_local *l = (struct mc_local *)o;
	const struct dg_shm_hdr *hdr = dg_client_hdr(l->c);
	unsigned int w, d;

	*st = l->st;
	st->uptime_s = mc_now_s() - l->started_s;
	if (hdr == NULL)
		return;
	for (w = 0; w < hdr->worker_count; w++) {
		const struct dg_shm_worker_stats *ws =
			dg_client_worker_stats(l->c, w);

		if (ws == NULL)
			continue;
		st->rx_pkts += dg_shm_stat_read(&ws->rx_pkts);
		st->rx_bytes += dg_shm_stat_read(&ws->rx_bytes);
		for (d = 0; d < DG_DROP__COUNT; d++)
			st->dropped += dg_shm_stat_read(&ws->drops[d]);
	}
}

static void
mc_local_destroy(struct mc_orch *o)
{
	struct mc_local *l = (struct mc_local *)o;
	struct mc_call *call, *next;
	struct mc_op *op;
	unsigned int b;

	if (l->loop != NULL)
		uring_timer_cancel(&l->loop->timers, &l->timer);
	while ((op = l->ready) != NULL) {
		l->ready = op->ready_next;
		mc_op_free(op);
	}
	for (b = 0; b < MC_BUCKETS; b++) {
		for (call = l->calls[b]; call != NULL; call = next) {
			next = call->next;
			if (call->op != NULL)
				mc_op_free(call->op);
			mc_call_free(call);
		}
	}
	dg_client_close(l->c);
	free(l);
}

static const struct mc_orch_ops mc_local_ops = {
	.allocate = mc_local_allocate,
	.update = mc_local_update,
	.release = mc_local_release,
	.query = mc_local_query,
	.list = mc_local_list,
	.stats = mc_local_stats,
	.destroy = mc_local_destroy,
};

int
mc_local_create(struct mc_orch **out, struct uring_loop *loop,
		const struct mc_local_opts *opts, char *err, size_t errlen)
{
	struct dg_client_opts co;
	struct mc_local *l;
	struct in6_addr a6;
	int ret;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->base.ops = &mc_local_ops;
	l->opts = *opts;
	if (opts->advertise != NULL) {
		if (inet_pton(AF_INET, opts->advertise, &a6) != 1 &&
		    inet_pton(AF_INET6, opts->advertise, &a6) != 1) {
			if (err != NULL)
				snprintf(err, errlen,
					 "advertised address '%s' is not an IP literal",
					 opts->advertise);
			ret = -EINVAL;
			goto out_free;
		}
		snprintf(l->advertise, sizeof(l->advertise), "%s",
			 opts->advertise);
	}
	l->opts.advertise = NULL;
	if (l->opts.timeout_start_s == 0)
		l->opts.timeout_start_s = 60;
	if (l->opts.timeout_stop_s == 0)
		l->opts.timeout_stop_s = 60;
	memset(&co, 0, sizeof(co));
	co.instance = opts->instance;
	co.name = opts->shm_name;
	co.cmd_timeout_ms = opts->cmd_timeout_ms;
	co.allow_absent = true;
	ret = dg_client_open(&l->c, &co, err, errlen);
	if (ret < 0)
		goto out_free;
	if (getrandom(&l->next_sid, sizeof(l->next_sid), 0) !=
	    sizeof(l->next_sid))
		l->next_sid = (uint64_t)mc_now_s() << 20;
	/* Ids stay far from wrapping and never repeat a restart's range. */
	l->next_sid &= 0x7fffffffffffffffull;
	l->started_s = mc_now_s();
	l->was_connected = dg_client_connected(l->c);
	l->loop = loop;
	if (loop != NULL) {
		uring_timer_init(&l->timer, mc_on_timer);
		mc_poll_arm(l, MC_POLL_IDLE_MS);
	}
	*out = &l->base;
	return 0;
out_free:
	free(l);
	return ret;
}
