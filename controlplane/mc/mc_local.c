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

#include "dg_log.h"
#include "mc_local_int.h"

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

void
mc_sid_add(struct mc_local *l, struct mc_stream *s)
{
	struct mc_stream **b = &l->sids[s->sid % MC_BUCKETS];

	s->sid_next = *b;
	*b = s;
	s->hashed = true;
}

void
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

	if (!call->linked)
		return;
	call->linked = false;
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

int
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

static void mc_soon_arm(struct mc_local *l, bool restart);

static void
mc_timer_arm(struct mc_local *l, unsigned int ms)
{
	if (uring_timer_pending(&l->timer) &&
	    l->timer.deadline <= uring_timers_now(&l->loop->timers) + ms)
		return;
	(void)uring_timer_start(&l->loop->timers, &l->timer, ms);
}

/* A command went out: a run of short looks, then the timer's. */
static void
mc_poll_arm(struct mc_local *l, unsigned int ms)
{
	if (l->loop == NULL)
		return;
	if (ms == MC_POLL_BUSY_MS)
		mc_soon_arm(l, true);
	mc_timer_arm(l, ms);
}

static void
mc_soon_done(struct uring_req *req, int res, uint32_t flags)
{
	struct mc_soon *s = (struct mc_soon *)req;
	struct mc_local *l = s->l;

	(void)res;
	(void)flags;
	s->armed = false;
	if (l == NULL) {
		free(s);
		return;
	}
	(void)mc_local_poll(&l->base);
	if (l->ops > 0 && s->left > 0)
		mc_soon_arm(l, false);
}

/* A look at the rings MC_SOON_US from now (restart: a new run of looks). */
static void
mc_soon_arm(struct mc_local *l, bool restart)
{
	struct mc_soon *s = l->soon;
	struct io_uring_sqe *sqe;

	if (s == NULL)
		return;
	if (restart)
		s->left = MC_SOON_MAX;
	if (s->armed || s->left == 0)
		return;
	sqe = uring_loop_sqe(l->loop);
	if (sqe == NULL)
		return;
	s->ts.tv_sec = 0;
	s->ts.tv_nsec = (long long)MC_SOON_US * 1000;
	io_uring_prep_timeout(sqe, &s->ts, 0, 0);
	uring_sqe_set_req(sqe, &s->req);
	s->armed = true;
	s->left--;
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

void
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
static void
mc_release_send(struct mc_local *l, struct mc_call *call, struct mc_op *op,
		bool release);

/* Every command of @p op has its ACK (or it needed none). */
static void
mc_op_finish(struct mc_op *op)
{
	struct mc_local *l = op->l;
	struct mc_call *call = op->call;
	struct mc_op *rel = NULL;
	struct mc_call_info *info;
	struct mc_result r;
	unsigned int i;

	if (call != NULL) {
		call->op = NULL;
		rel = call->deferred;
		call->deferred = NULL;
	}
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
		if (rel != NULL) {
			/* The release waited for this operation; a rolled-back
			 * call has nothing live left and completes at once. */
			call->op = rel;
			mc_release_send(l, call, rel, true);
		} else if (op->status != 0 &&
			   (op->new_call || op->kind == MC_OP_ANSWER)) {
			mc_call_free(call);
		} else if (call != NULL) {
			mc_call_maybe_reap(l, call);
		}
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
	mc_timer_arm(l, l->ops > 0 ? MC_POLL_BUSY_MS : MC_POLL_IDLE_MS);
}

uint64_t
mc_sid_next(struct mc_local *l)
{
	if (++l->next_sid == 0)
		l->next_sid = 1;
	return l->next_sid;
}

/* Start an offer: create (or update) one session per m= line. */
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
		call->linked = true;
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

/* Send a release's or query's commands: a SESSION_QUERY per live stream
 * (and a DELETE to release). */
static void
mc_release_send(struct mc_local *l, struct mc_call *call, struct mc_op *op,
		bool release)
{
	unsigned int i;

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
}

/*
 * Release and query. A release of a call whose offer or answer is still
 * running waits for it (a CANCEL racing the offer); a query then is -EBUSY.
 */
static int
mc_local_info_op(struct mc_orch *o, struct dg_pl call_id, bool release,
		 mc_info_fn *done, void *arg)
{
	struct mc_local *l = (struct mc_local *)o;
	struct mc_call *call = mc_call_find(l, call_id);
	struct mc_op *op;

	if (call == NULL)
		return -ENOENT;
	if (call->op != NULL && (!release || call->deferred != NULL))
		return -EBUSY;
	op = mc_op_new(l, release ? MC_OP_RELEASE : MC_OP_QUERY, call);
	if (op == NULL)
		return -ENOMEM;
	op->info_done = done;
	op->arg = arg;
	if (call->op != NULL) {
		call->deferred = op;
		return 0;
	}
	call->op = op;
	mc_release_send(l, call, op, release);
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
	/* A look in flight frees itself when the ring completes it. */
	if (l->soon != NULL && l->soon->armed)
		l->soon->l = NULL;
	else
		free(l->soon);
	while ((op = l->ready) != NULL) {
		l->ready = op->ready_next;
		mc_op_free(op);
	}
	for (b = 0; b < MC_BUCKETS; b++) {
		for (call = l->calls[b]; call != NULL; call = next) {
			next = call->next;
			if (call->op != NULL)
				mc_op_free(call->op);
			if (call->deferred != NULL)
				mc_op_free(call->deferred);
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
		/* Without it, commands are looked at on the 1 ms timer only. */
		l->soon = calloc(1, sizeof(*l->soon));
		if (l->soon != NULL) {
			l->soon->req.fn = mc_soon_done;
			l->soon->l = l;
		}
		uring_timer_init(&l->timer, mc_on_timer);
		mc_poll_arm(l, MC_POLL_IDLE_MS);
	}
	*out = &l->base;
	return 0;
out_free:
	free(l);
	return ret;
}
