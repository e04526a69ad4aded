/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media anchoring for the edge's calls: holds each SDP-carrying message
 * while the orchestrator works, forwards it with the relay's SDP, answers
 * refused offers itself, releases calls when their dialogs end and ends
 * calls whose media timed out (see mc_dialog.h). One record per Call-ID
 * keeps the offer/answer state, the last rewrite (for retransmissions)
 * and what a BYE to each party needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <time.h>

#include "dg_log.h"
#include "mc_dialog.h"
#include "sip_msg.h"
#include "sip_transport_udp.h"
#include "uring_timer.h"

#define MCD_BUCKETS 4096
#define MCD_MSG_MAX 65536
#define MCD_HDR_MAX 512
#define MCD_LINGER_MS 32000	/* keeps a refusal for retransmissions (64*T1) */
/* Calls tracked at most: twice the proxy's default dialog limit. */
#define MCD_MAX_CALLS 200000
/* A call's statistics are asked of the orchestrator at most this often. */
#define MCD_QUERY_MS 1000

/* One message waiting for the orchestrator. */
struct mcd_held {
	char *buf;
	size_t len;
	struct sockaddr_storage src;
	socklen_t srclen;
	struct sip_udp_sock *udp;
	bool initial;			/* an INVITE outside a dialog */
};

struct mcd_call {
	struct mcd_call *next;
	struct mc_dialog *md;
	struct uring_timer linger;
	char call_id[MC_ID_MAX];
	bool busy;			/* an allocation is in flight */
	bool ended;			/* released or refused: nothing more to do */
	bool offer_in_req;		/* the last offer came in a request */
	uint32_t offer_cseq;		/* ... with this CSeq */
	enum sip_method offer_method;	/* ... of this method */
	bool release_sent;
	bool allocated;
	struct mcd_held held;
	bool held_to_caller;		/* the held message goes to the caller */
	bool held_offer;		/* ... and is an offer */
	bool held_waits;		/* ... waiting for a query to finish */
	bool querying;			/* a query is in flight */
	uint64_t info_ms;		/* monotonic time of the last query */
	uint64_t info_s;		/* ... and its wall-clock time */
	struct mc_call_info *info;	/* its answer, NULL before */
	/* relay address and port given to each party (family 0: none yet) */
	struct sockaddr_storage relay[MC_PARTY__COUNT];
	/* the last rewrite, for retransmissions and 183/200 with one SDP */
	uint64_t key;
	int fail_code;			/* 0: ok; else the response sent */
	char fail_tag[24];
	char *sdp;
	size_t sdp_len;
	/* what a BYE to each party needs */
	bool confirmed;
	struct sip_udp_sock *udp;
	char caller_tag[SIP_DIALOG_TAG_MAX];
	char callee_tag[SIP_DIALOG_TAG_MAX];
	char from_hdr[MCD_HDR_MAX];	/* the caller's From, with tag */
	char to_hdr[MCD_HDR_MAX];	/* the callee's To, with tag */
	char caller_uri[MCD_HDR_MAX];
	char callee_uri[MCD_HDR_MAX];
	struct sockaddr_storage caller_addr;
	socklen_t caller_len;
	struct sockaddr_storage callee_addr;
	socklen_t callee_len;
	uint32_t caller_cseq;
	uint32_t callee_cseq;
};

struct mc_dialog {
	struct uring_loop *loop;
	struct mc_orch *orch;
	struct sip_dialogs *dialogs;
	struct mc_dialog_conf conf;
	sip_rx_fn next;
	void *next_arg;
	struct sip_msg *msg;
	char *out;
	struct mc_dialog_stats stats;
	unsigned int n_calls;
	struct mcd_call *buckets[MCD_BUCKETS];
};

static uint64_t
mcd_hash(const char *p, size_t len, uint64_t h)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static struct mcd_call **
mcd_bucket(struct mc_dialog *md, const char *id, size_t len)
{
	return &md->buckets[mcd_hash(id, len, 14695981039346656037ull) %
		MCD_BUCKETS];
}

static struct mcd_call *
mcd_find(struct mc_dialog *md, const char *id, size_t len)
{
	struct mcd_call *c;

	for (c = *mcd_bucket(md, id, len); c != NULL; c = c->next)
		if (strlen(c->call_id) == len && memcmp(c->call_id, id, len) == 0)
			return c;
	return NULL;
}

static void
mcd_free(struct mcd_call *c)
{
	struct mc_dialog *md = c->md;
	struct mcd_call **pp;

	for (pp = mcd_bucket(md, c->call_id, strlen(c->call_id)); *pp != NULL;
			pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	uring_timer_cancel(&md->loop->timers, &c->linger);
	md->n_calls--;
	free(c->held.buf);
	free(c->sdp);
	free(c->info);
	free(c);
}

static void
mcd_on_linger(struct uring_timer *t)
{
	struct mcd_call *c = (struct mcd_call *)((char *)t -
		offsetof(struct mcd_call, linger));

	if (!c->busy && !c->querying)
		mcd_free(c);
}

/* An ended call stays a while so that retransmissions get the same answer. */
static void
mcd_end(struct mcd_call *c, bool linger)
{
	c->ended = true;
	if (c->busy || c->querying)
		return;
	if (!linger || uring_timer_start(&c->md->loop->timers, &c->linger,
			MCD_LINGER_MS) < 0)
		mcd_free(c);
}

static void
mcd_release_done(void *arg, const struct mc_call_info *info)
{
	(void)arg;
	if (info->status < 0 && info->status != -ENOENT)
		DG_LOG(DG_LOG_WARN, "mc.dialog.release", "status=error error=\"%s\"",
			info->reason != NULL ? info->reason : strerror(-info->status));
}

static void
mcd_release(struct mcd_call *c)
{
	struct mc_dialog *md = c->md;
	int err;

	if ((!c->allocated && !c->busy) || c->release_sent)
		return;
	c->allocated = false;
	c->release_sent = true;
	md->stats.released++;
	err = mc_orch_release(md->orch, (struct dg_pl){ c->call_id,
		strlen(c->call_id) }, mcd_release_done, NULL);
	if (err < 0 && err != -ENOENT)
		DG_LOG(DG_LOG_WARN, "mc.dialog.release", "status=error call_id=%s error=\"%s\"",
			c->call_id, strerror(-err));
}

static struct mcd_call *
mcd_new(struct mc_dialog *md, struct dg_pl id)
{
	struct mcd_call **b, *c;

	if (id.len == 0 || id.len >= MC_ID_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->md = md;
	md->n_calls++;
	uring_timer_init(&c->linger, mcd_on_linger);
	memcpy(c->call_id, id.p, id.len);
	b = mcd_bucket(md, id.p, id.len);
	c->next = *b;
	*b = c;
	return c;
}

static void
pl_copy(char *dst, size_t cap, struct dg_pl pl)
{
	size_t n = pl.len < cap - 1 ? pl.len : cap - 1;

	memcpy(dst, pl.p, n);
	dst[n] = '\0';
}

int
mc_dialog_sip_code(int err)
{
	switch (err) {
	case -EBADMSG:
	case -EINVAL:
	case -ENOTSUP:
	case -EPROTO:
		return 488;
	case -ENOENT:
		return 481;
	default:
		return 503;
	}
}

static bool
has_sdp(const struct sip_msg *m)
{
	if (m->body.len == 0)
		return false;
	if (dg_pl_isset(m->content_type))
		return dg_pl_eq_str_nocase(m->content_type, "application/sdp");
	return true;
}

/* Messages whose body is an offer or an answer. */
static bool
carries_media(const struct sip_msg *m)
{
	if (!has_sdp(m))
		return false;
	if (m->is_request)
		return m->method == SIP_METHOD_INVITE ||
			m->method == SIP_METHOD_UPDATE ||
			m->method == SIP_METHOD_ACK ||
			m->method == SIP_METHOD_PRACK;
	if (m->cseq.method != SIP_METHOD_INVITE &&
			m->cseq.method != SIP_METHOD_UPDATE)
		return false;
	return m->status > 100 && m->status < 300;
}

static void
forward(struct mc_dialog *md, const char *buf, size_t len,
	const struct sockaddr_storage *src, socklen_t srclen,
	struct sip_udp_sock *udp)
{
	struct sip_rx rx;

	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = len;
	rx.src = src;
	rx.srclen = srclen;
	rx.udp = udp;
	md->next(md->next_arg, &rx);
}

/* Decodes buf into md->msg, swaps its body for sdp and forwards it. */
static int
forward_rewritten(struct mc_dialog *md, const char *buf, size_t len,
	const char *sdp, size_t sdp_len, const struct sockaddr_storage *src,
	socklen_t srclen, struct sip_udp_sock *udp)
{
	struct sip_edits ed;
	struct sip_edit e;
	struct sip_perr perr;
	ssize_t n;

	if (sip_msg_decode(md->msg, buf, len, &perr) < 0)
		return -EBADMSG;
	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_BODY_SET;
	e.val = (struct dg_pl){ sdp, sdp_len };
	(void)sip_edits_add(&ed, &e);
	n = sip_msg_write(md->msg, &ed, md->out, MCD_MSG_MAX);
	if (n < 0)
		return (int)n;
	md->stats.rewritten++;
	forward(md, md->out, (size_t)n, src, srclen, udp);
	return 0;
}

static void
respond(struct mc_dialog *md, struct mcd_call *c, int code, const char *buf,
	size_t len, const struct sockaddr_storage *src, struct sip_udp_sock *udp)
{
	struct sockaddr_storage dst;
	struct sip_perr perr;
	char hdrs[96];
	int n;

	if (sip_msg_decode(md->msg, buf, len, &perr) < 0)
		return;
	if (c->fail_tag[0] == '\0') {
		uint64_t r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = mcd_hash(c->call_id, strlen(c->call_id), (uint64_t)len);
		snprintf(c->fail_tag, sizeof(c->fail_tag), "mcd%016llx",
			(unsigned long long)r);
	}
	if (sip_msg_response_dest(md->msg, src, false, &dst) < 0)
		return;
	hdrs[0] = '\0';
	if (code == 488 || code == 503)
		snprintf(hdrs, sizeof(hdrs),
			"Reason: SIP;cause=%d;text=\"media\"\r\n", code);
	n = sip_resp_build(md->out, MCD_MSG_MAX, md->msg, code, NULL,
		c->fail_tag, hdrs[0] != '\0' ? hdrs : NULL);
	if (n < 0)
		return;
	(void)sip_udp_send(udp, (const struct sockaddr *)&dst,
		dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		sizeof(struct sockaddr_in), md->out, (size_t)n);
}

/* No room to track another call: 503 without a record. */
static void
refuse_full(struct mc_dialog *md, const struct sip_rx *rx)
{
	struct mcd_call *tmp;

	tmp = calloc(1, sizeof(*tmp));
	if (tmp == NULL)
		return;
	tmp->fail_code = 503;
	md->stats.refused++;
	respond(md, tmp, 503, rx->buf, rx->len, rx->src, rx->udp);
	free(tmp);
}

/*
 * A CANCEL for an INVITE still held for the orchestrator: the proxy has
 * not seen that INVITE, so we end it here (RFC 3261 section 9.2): 200 to
 * the CANCEL, 487 to the INVITE, and whatever the offer allocates is
 * released when it completes.
 */
static void
cancel_held(struct mc_dialog *md, struct mcd_call *c, const struct sip_rx *rx)
{
	respond(md, c, 200, rx->buf, rx->len, rx->src, rx->udp);
	if (c->fail_code == 487)
		return;		/* a retransmitted CANCEL */
	c->fail_code = 487;
	if (c->held.buf != NULL)
		respond(md, c, 487, c->held.buf, c->held.len, &c->held.src,
			c->held.udp);
	mcd_release(c);
	mcd_end(c, true);
}

/* Remembers what a BYE from us will need. */
static void
track(struct mcd_call *c, const struct sip_msg *m, const struct sip_rx *rx)
{
	bool from_caller;

	if (m->is_request && m->method == SIP_METHOD_INVITE &&
			m->to.tag.len == 0) {
		pl_copy(c->from_hdr, sizeof(c->from_hdr), m->from.raw);
		pl_copy(c->caller_tag, sizeof(c->caller_tag), m->from.tag);
		if (m->n_contacts > 0)
			pl_copy(c->caller_uri, sizeof(c->caller_uri),
				m->contacts[0].addr.uri.raw);
		memcpy(&c->caller_addr, rx->src, rx->srclen);
		c->caller_len = rx->srclen;
		c->udp = rx->udp;
		if (m->cseq.num > c->caller_cseq)
			c->caller_cseq = m->cseq.num;
		return;
	}
	if (!m->is_request && m->cseq.method == SIP_METHOD_INVITE &&
			m->status >= 200 && m->status < 300 && !c->confirmed &&
			m->to.tag.len > 0) {
		c->confirmed = true;
		pl_copy(c->to_hdr, sizeof(c->to_hdr), m->to.raw);
		pl_copy(c->callee_tag, sizeof(c->callee_tag), m->to.tag);
		if (m->n_contacts > 0)
			pl_copy(c->callee_uri, sizeof(c->callee_uri),
				m->contacts[0].addr.uri.raw);
		memcpy(&c->callee_addr, rx->src, rx->srclen);
		c->callee_len = rx->srclen;
		return;
	}
	if (!m->is_request || m->method == SIP_METHOD_ACK)
		return;
	from_caller = strlen(c->caller_tag) == m->from.tag.len &&
		memcmp(c->caller_tag, m->from.tag.p, m->from.tag.len) == 0;
	if (from_caller && m->cseq.num > c->caller_cseq)
		c->caller_cseq = m->cseq.num;
	else if (!from_caller && m->cseq.num > c->callee_cseq)
		c->callee_cseq = m->cseq.num;
}

/* Whether the proxy keeps a dialog for the call's INVITE. */
static bool
has_dialog(struct mc_dialog *md, struct mcd_call *c)
{
	return sip_dialog_find(md->dialogs, (struct dg_pl){ c->call_id,
		strlen(c->call_id) }, (struct dg_pl){ c->caller_tag,
		strlen(c->caller_tag) }, DG_PL_NULL) != NULL;
}

/*
 * Ends the proxy's dialog of a call we ended ourselves (an answer we could
 * not anchor, a media timeout): its timers would otherwise keep it for
 * up to edge.dialog.max_duration. Mark c ended first: the dialog's end
 * comes back through mcd_on_end.
 */
static void
end_dialog(struct mc_dialog *md, struct mcd_call *c)
{
	struct sip_dialog *dlg;

	if (md->dialogs == NULL)
		return;
	dlg = sip_dialog_find(md->dialogs, (struct dg_pl){ c->call_id,
		strlen(c->call_id) }, (struct dg_pl){ c->caller_tag,
		strlen(c->caller_tag) }, DG_PL_NULL);
	if (dlg != NULL)
		sip_dialog_end(dlg, SIP_DIALOG_END_MEDIA);
}

static void
held_done(void *arg, const struct mc_result *res)
{
	struct mcd_call *c = arg;
	struct mc_dialog *md = c->md;
	struct mcd_held h = c->held;
	bool is_req;

	c->busy = false;
	memset(&c->held, 0, sizeof(c->held));
	if (c->ended) {
		if (res->status == 0)
			c->allocated = true;
		mcd_release(c);
		free(h.buf);
		/* A cancelled INVITE keeps its 487 for retransmissions. */
		mcd_end(c, c->fail_code != 0);
		return;
	}
	is_req = h.len > 4 && memcmp(h.buf, "SIP/", 4) != 0;
	if (res->status < 0) {
		DG_LOG(DG_LOG_WARN, "mc.dialog.refused", "call_id=%s status=%d reason=\"%s\"",
			c->call_id, mc_dialog_sip_code(res->status),
			res->reason != NULL ? res->reason : strerror(-res->status));
		c->fail_code = mc_dialog_sip_code(res->status);
		if (is_req) {
			md->stats.refused++;
			respond(md, c, c->fail_code, h.buf, h.len, &h.src, h.udp);
			if (h.initial) {
				free(h.buf);
				mcd_end(c, true);
				return;
			}
		} else {
			/* An answer we cannot anchor: nothing half-anchored stays. */
			md->stats.answer_failed++;
			c->ended = true;
			end_dialog(md, c);
			mcd_release(c);
			free(h.buf);
			mcd_end(c, true);
			return;
		}
		free(h.buf);
		return;
	}
	c->allocated = true;
	if (res->endpoint.ss_family != 0)
		c->relay[c->held_to_caller ? MC_PARTY_CALLER : MC_PARTY_CALLEE] =
			res->endpoint;
	free(c->sdp);
	c->sdp = malloc(res->sdp_len);
	c->sdp_len = c->sdp != NULL ? res->sdp_len : 0;
	if (c->sdp != NULL)
		memcpy(c->sdp, res->sdp, res->sdp_len);
	/* busy keeps the record alive should the dialog end meanwhile. */
	c->busy = true;
	if (forward_rewritten(md, h.buf, h.len, res->sdp, res->sdp_len, &h.src,
			h.srclen, h.udp) < 0)
		DG_LOG(DG_LOG_WARN, "mc.dialog.rewrite", "status=error call_id=%s",
			c->call_id);
	c->busy = false;
	if (c->ended) {
		free(h.buf);
		if (!c->querying)
			mcd_free(c);
		return;
	}
	/* The proxy challenged or refused the INVITE: no dialog, no media. */
	free(h.buf);
	if (h.initial && !c->ended && !has_dialog(md, c)) {
		mcd_release(c);
		mcd_end(c, false);
	}
}

static uint64_t
msg_key(const struct sip_msg *m)
{
	uint64_t h = mcd_hash(m->body.p, m->body.len, 14695981039346656037ull);

	h = mcd_hash((const char *)&m->cseq.num, sizeof(m->cseq.num), h);
	h = mcd_hash((const char *)&m->is_request, sizeof(m->is_request), h);
	return h | 1;
}

/*
 * Hands rx on; should the proxy end the dialog meanwhile, the record is
 * freed here and *c cleared.
 */
static void
pass_rx(struct mc_dialog *md, struct mcd_call **c, const struct sip_rx *rx)
{
	bool was_busy = (*c)->busy;

	(*c)->busy = true;
	md->next(md->next_arg, rx);
	(*c)->busy = was_busy;
	if ((*c)->ended && !was_busy) {
		/* A query in flight frees it when it completes. */
		if (!(*c)->querying)
			mcd_free(*c);
		*c = NULL;
	}
}

/* Whether the caller sent m (a response travels toward its From party). */
static bool
sent_by_caller(const struct mcd_call *c, const struct sip_msg *m)
{
	bool from_caller = strlen(c->caller_tag) == m->from.tag.len &&
		memcmp(c->caller_tag, m->from.tag.p, m->from.tag.len) == 0;

	return m->is_request ? from_caller : !from_caller;
}

/* Asks the orchestrator for the offer or answer of m, held in c. */
static int
submit(struct mc_dialog *md, struct mcd_call *c, const struct sip_msg *m)
{
	struct mc_req req;

	memset(&req, 0, sizeof(req));
	req.call_id = m->call_id;
	/* The offerer's tag goes first: the From party for an offer in a
	 * request, the To party for one in a response (INVITE without SDP). */
	if (c->held_offer == m->is_request) {
		req.from_tag = m->from.tag;
		req.to_tag = m->to.tag;
	} else {
		req.from_tag = m->to.tag;
		req.to_tag = m->from.tag;
	}
	req.side = c->held_offer ? MC_SIDE_OFFER : MC_SIDE_ANSWER;
	req.sdp = m->body;
	/* The profile toward the party that receives the offer; an answer
	 * goes back in whatever profile its offerer used. */
	if (c->held_offer) {
		enum mc_party to = c->held_to_caller ? MC_PARTY_CALLER :
			MC_PARTY_CALLEE;

		req.flags.xport = md->conf.srtp[to];
		req.flags.relay_to = md->conf.relay[to];
		req.flags.relay_from = md->conf.relay[MC_PARTY__COUNT - 1 - to];
	}
	return mc_orch_allocate(md->orch, &req, held_done, c);
}

/* Starts the offer or answer of m; 0 when held, <0 to refuse now. */
static int
start(struct mc_dialog *md, struct mcd_call *c, const struct sip_msg *m,
	const struct sip_rx *rx, bool initial)
{
	bool offer;
	int err;

	/*
	 * An ACK or PRACK answers an offer made in a response (RFC 3261
	 * 13.2.1, RFC 3262 section 5); a response answers the offer of its
	 * own request; everything else offers.
	 */
	if (m->is_request && (m->method == SIP_METHOD_ACK ||
			m->method == SIP_METHOD_PRACK))
		offer = c->offer_in_req;
	else if (m->is_request)
		offer = true;
	else
		offer = !c->offer_in_req || m->cseq.num != c->offer_cseq ||
			m->cseq.method != c->offer_method;
	c->held.buf = malloc(m->buf.len);
	if (c->held.buf == NULL)
		return -ENOMEM;
	memcpy(c->held.buf, m->buf.p, m->buf.len);
	c->held.len = m->buf.len;
	memcpy(&c->held.src, rx->src, rx->srclen);
	c->held.srclen = rx->srclen;
	c->held.udp = rx->udp;
	c->held.initial = initial;
	c->held_offer = offer;
	c->held_to_caller = !sent_by_caller(c, m);
	c->busy = true;
	c->key = msg_key(m);
	c->fail_code = 0;
	if (offer) {
		c->offer_in_req = m->is_request;
		c->offer_cseq = m->cseq.num;
		c->offer_method = m->cseq.method;
	}
	/* The orchestrator takes one operation per call: wait for the query. */
	if (c->querying)
		c->held_waits = true;
	else {
		err = submit(md, c, m);
		if (err < 0) {
			c->busy = false;
			free(c->held.buf);
			memset(&c->held, 0, sizeof(c->held));
			return err;
		}
	}
	md->stats.held++;
	return 0;
}

void
mc_dialog_rx(void *arg, const struct sip_rx *rx)
{
	struct mc_dialog *md = arg;
	struct sip_msg *m = md->msg;
	struct sip_perr perr;
	struct mcd_call *c;
	bool initial;
	int err;

	if (rx->oversize || rx->udp == NULL ||
			sip_msg_decode(m, rx->buf, rx->len, &perr) < 0 ||
			m->call_id.len == 0) {
		md->next(md->next_arg, rx);
		return;
	}
	initial = m->is_request && m->method == SIP_METHOD_INVITE &&
		m->to.tag.len == 0;
	c = mcd_find(md, m->call_id.p, m->call_id.len);
	if (c != NULL && c->ended && !c->busy && !c->querying && initial &&
			msg_key(m) != c->key) {
		mcd_free(c);
		c = NULL;
	}
	if (c == NULL) {
		if (!initial) {
			md->next(md->next_arg, rx);
			return;
		}
		if (md->n_calls >= MCD_MAX_CALLS) {
			refuse_full(md, rx);
			return;
		}
		c = mcd_new(md, m->call_id);
		if (c == NULL) {
			md->next(md->next_arg, rx);
			return;
		}
	}
	/* A bad Contact only costs the BYE of a media timeout its target. */
	if (sip_msg_parse_hdrs(m, SIP_HDR_F_CONTACT, &perr) < 0)
		m->n_contacts = 0;
	track(c, m, rx);
	/* The ACK of our own refusal (fail_tag: we answered); after an
	 * answer we dropped, the proxy's final answer is ACKed to the proxy. */
	if (c->ended && c->fail_code != 0 && c->fail_tag[0] != '\0' &&
			m->is_request && m->method == SIP_METHOD_ACK)
		return;
	if (m->is_request && m->method == SIP_METHOD_CANCEL &&
			((c->busy && c->held.initial) || c->fail_code == 487)) {
		cancel_held(md, c, rx);
		return;
	}
	if (!carries_media(m) || (c->ended && c->fail_code == 0)) {
		pass_rx(md, &c, rx);
		/* An INVITE without SDP the proxy made nothing of. */
		if (c != NULL && initial && !c->allocated && c->key == 0 &&
				!c->querying && !has_dialog(md, c))
			mcd_free(c);
		return;
	}
	/* An ACK's SDP answers only an offer made in the 2xx (RFC 3261 13.2.1). */
	if (m->is_request && m->method == SIP_METHOD_ACK && c->offer_in_req) {
		pass_rx(md, &c, rx);
		return;
	}
	if (c->busy) {
		md->stats.absorbed++;
		return;
	}
	if (c->key == msg_key(m)) {
		if (c->fail_code != 0) {
			if (m->is_request)
				respond(md, c, c->fail_code, rx->buf, rx->len, rx->src,
				rx->udp);
			return;
		}
		if (c->sdp != NULL)
			(void)forward_rewritten(md, rx->buf, rx->len, c->sdp,
				c->sdp_len, rx->src, rx->srclen, rx->udp);
		return;
	}
	if (c->ended)
		return;
	err = start(md, c, m, rx, initial);
	if (err < 0) {
		c->key = msg_key(m);
		c->fail_code = mc_dialog_sip_code(err);
		DG_LOG(DG_LOG_WARN, "mc.dialog.refused", "call_id=%s status=%d reason=\"%s\"",
			c->call_id, c->fail_code, strerror(-err));
		if (m->is_request) {
			md->stats.refused++;
			respond(md, c, c->fail_code, rx->buf, rx->len, rx->src,
				rx->udp);
		} else {
			md->stats.answer_failed++;
			c->ended = true;
			end_dialog(md, c);
			mcd_release(c);
		}
		if (initial || !m->is_request)
			mcd_end(c, true);
	}
}

static void
mcd_on_end(void *arg, struct sip_dialog *dlg, enum sip_dialog_end why)
{
	struct mc_dialog *md = arg;
	struct mcd_call *c;

	c = mcd_find(md, dlg->call_id, strlen(dlg->call_id));
	if (c == NULL || c->ended)
		return;
	DG_LOG(DG_LOG_DEBUG, "mc.dialog.end", "call_id=%s why=%d", c->call_id,
		(int)why);
	mcd_release(c);
	mcd_end(c, false);
}

const struct sip_dialog_media_ops mc_dialog_media_ops = {
	.on_end = mcd_on_end,
};

static void
send_bye(struct mc_dialog *md, struct mcd_call *c, bool to_callee,
		const char *why)
{
	char local[64], branch[17];
	const struct sockaddr_storage *dst;
	socklen_t dlen;
	uint64_t r;
	int n;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)(uintptr_t)c ^ c->caller_cseq;
	snprintf(branch, sizeof(branch), "%016llx", (unsigned long long)r);
	sip_sockaddr_str((const struct sockaddr *)&c->udp->local, local,
		sizeof(local));
	n = snprintf(md->out, MCD_MSG_MAX,
		"BYE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s;branch=z9hG4bKmcd%s;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: %s\r\n"
		"To: %s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u BYE\r\n"
		"Reason: SIP;cause=200;text=\"%s\"\r\n"
		"Content-Length: 0\r\n\r\n",
		to_callee ? c->callee_uri : c->caller_uri, local, branch,
		to_callee ? c->from_hdr : c->to_hdr,
		to_callee ? c->to_hdr : c->from_hdr, c->call_id,
		to_callee ? c->caller_cseq + 1 : c->callee_cseq + 1, why);
	if (n < 0 || n >= MCD_MSG_MAX)
		return;
	dst = to_callee ? &c->callee_addr : &c->caller_addr;
	dlen = to_callee ? c->callee_len : c->caller_len;
	(void)sip_udp_send(c->udp, (const struct sockaddr *)dst, dlen, md->out,
		(size_t)n);
}

static void
mcd_on_event(void *arg, const struct mc_event *ev)
{
	struct mc_dialog *md = arg;
	const char *why;
	struct mcd_call *c;

	if (ev->type != MC_EVENT_MEDIA_TIMEOUT &&
			ev->type != MC_EVENT_NODE_LOST) {
		DG_LOG(DG_LOG_WARN, "mc.dialog.dp", "event=%s reason=\"%s\"",
			ev->type == MC_EVENT_DP_LOST ? "lost" : "restarted",
			ev->reason != NULL ? ev->reason : "");
		return;
	}
	if (ev->call_id == NULL)
		return;
	c = mcd_find(md, ev->call_id, strlen(ev->call_id));
	if (c == NULL || c->ended)
		return;
	md->stats.media_timeouts++;
	/* The Reason text is fixed: ev->reason may hold any bytes. */
	why = ev->type == MC_EVENT_NODE_LOST ? "media node lost" :
		"media timeout";
	DG_LOG(DG_LOG_INFO, "mc.dialog.timeout", "call_id=%s confirmed=%s why=\"%s\"",
		c->call_id, c->confirmed ? "yes" : "no", why);
	/* The orchestrator has forgotten the call already: no release. */
	c->allocated = false;
	if (c->confirmed && c->udp != NULL) {
		send_bye(md, c, true, why);
		send_bye(md, c, false, why);
	}
	c->ended = true;
	end_dialog(md, c);
	mcd_end(c, false);
}

static void
query_done(void *arg, const struct mc_call_info *info)
{
	struct mcd_call *c = arg;
	struct mc_dialog *md = c->md;
	struct mc_call_info *copy;
	struct mc_result r;
	struct sip_perr perr;
	struct timespec ts;
	size_t sz;
	int err;

	c->querying = false;
	if (info->status == 0 && info->n_streams <= SDP_MAX_MEDIA) {
		/* Only the streams the call has: most calls have one. */
		sz = offsetof(struct mc_call_info, streams) +
			info->n_streams * sizeof(info->streams[0]);
		copy = realloc(c->info, sz);
		if (copy != NULL) {
			memcpy(copy, info, sz);
			copy->reason = NULL;
			c->info = copy;
			clock_gettime(CLOCK_REALTIME, &ts);
			c->info_s = (uint64_t)ts.tv_sec;
		}
	}
	if (c->held_waits) {
		c->held_waits = false;
		err = -ECANCELED;
		if (!c->ended)
			err = sip_msg_decode(md->msg, c->held.buf, c->held.len,
				&perr) < 0 ? -EBADMSG : submit(md, c, md->msg);
		if (err < 0) {
			memset(&r, 0, sizeof(r));
			r.status = err;
			held_done(c, &r);
		}
		return;
	}
	if (c->ended && !c->busy && !uring_timer_pending(&c->linger))
		mcd_free(c);
}

/* Asks for fresh statistics of c unless an operation is running. */
static void
refresh(struct mc_dialog *md, struct mcd_call *c, uint64_t now_ms)
{
	if (c->busy || c->querying || c->ended ||
			(c->info != NULL && now_ms - c->info_ms < MCD_QUERY_MS))
		return;
	if (mc_orch_query(md->orch, (struct dg_pl){ c->call_id,
			strlen(c->call_id) }, query_done, c) == 0) {
		c->querying = true;
		c->info_ms = now_ms;
	}
}

static bool
tag_is(const char *tag, const char *want)
{
	return want[0] != '\0' && strcmp(tag, want) == 0;
}

unsigned int
mc_dialog_sessions(struct mc_dialog *md, unsigned int max,
		mc_dialog_session_fn *fn, void *arg)
{
	struct mc_dialog_session v;
	struct mcd_call *c;
	unsigned int i, n = 0;
	uint64_t now_ms = uring_loop_clock_ms();

	for (i = 0; i < MCD_BUCKETS; i++)
		for (c = md->buckets[i]; c != NULL; c = c->next) {
			if (!c->allocated || c->ended)
				continue;
			if (n++ >= max)
				continue;
			memset(&v, 0, sizeof(v));
			v.call_id = c->call_id;
			v.tag[MC_PARTY_CALLER] = c->caller_tag;
			v.tag[MC_PARTY_CALLEE] = c->callee_tag;
			v.confirmed = c->confirmed;
			v.sip[MC_PARTY_CALLER] = &c->caller_addr;
			v.sip[MC_PARTY_CALLEE] = &c->callee_addr;
			v.relay[MC_PARTY_CALLER] = &c->relay[MC_PARTY_CALLER];
			v.relay[MC_PARTY_CALLEE] = &c->relay[MC_PARTY_CALLEE];
			v.leg[MC_PARTY_CALLER] = 0;
			v.leg[MC_PARTY_CALLEE] = 1;
			v.info = c->info;
			v.info_s = c->info_s;
			/* A late offer makes the callee the first offerer. */
			if (c->info != NULL && tag_is(c->info->tag[1], c->caller_tag)) {
				v.leg[MC_PARTY_CALLER] = 1;
				v.leg[MC_PARTY_CALLEE] = 0;
			}
			if (v.tag[MC_PARTY_CALLEE][0] == '\0' && c->info != NULL)
				v.tag[MC_PARTY_CALLEE] =
					c->info->tag[v.leg[MC_PARTY_CALLEE]];
			fn(arg, &v);
			refresh(md, c, now_ms);
		}
	return n;
}

void
mc_dialog_set_conf(struct mc_dialog *md, const struct mc_dialog_conf *conf)
{
	md->conf = *conf;
}

int
mc_dialog_create(struct mc_dialog **out, struct uring_loop *loop,
		struct mc_orch *orch, struct sip_dialogs *dialogs, sip_rx_fn next,
		void *next_arg)
{
	struct mc_dialog *md;

	md = calloc(1, sizeof(*md));
	if (md == NULL)
		return -ENOMEM;
	md->msg = malloc(sizeof(*md->msg));
	md->out = malloc(MCD_MSG_MAX);
	if (md->msg == NULL || md->out == NULL) {
		free(md->msg);
		free(md->out);
		free(md);
		return -ENOMEM;
	}
	md->loop = loop;
	md->orch = orch;
	md->dialogs = dialogs;
	md->next = next;
	md->next_arg = next_arg;
	mc_dialog_conf_defaults(&md->conf);
	mc_orch_set_event_fn(orch, mcd_on_event, md);
	*out = md;
	return 0;
}

void
mc_dialog_stats_get(const struct mc_dialog *md, struct mc_dialog_stats *st)
{
	*st = md->stats;
}

void
mc_dialog_stats_log(const struct mc_dialog *md)
{
	const struct mc_dialog_stats *st = &md->stats;

	DG_LOG(DG_LOG_INFO, "mc.dialog.stats",
		"held=%llu rewritten=%llu absorbed=%llu refused=%llu answer_failed=%llu released=%llu media_timeouts=%llu",
		(unsigned long long)st->held, (unsigned long long)st->rewritten,
		(unsigned long long)st->absorbed, (unsigned long long)st->refused,
		(unsigned long long)st->answer_failed,
		(unsigned long long)st->released,
		(unsigned long long)st->media_timeouts);
}

void
mc_dialog_destroy(struct mc_dialog *md)
{
	unsigned int i;

	if (md == NULL)
		return;
	/* In-flight completions are dropped with the orchestrator. */
	mc_orch_destroy(md->orch);
	for (i = 0; i < MCD_BUCKETS; i++)
		while (md->buckets[i] != NULL) {
			md->buckets[i]->busy = false;
			md->buckets[i]->querying = false;
			mcd_free(md->buckets[i]);
		}
	free(md->msg);
	free(md->out);
	free(md);
}
