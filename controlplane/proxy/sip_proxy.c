/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy core. A call context is created for each request given a
 * server transaction that the proxy forwards; it holds the targets (the
 * bindings of a local user sorted by q-value, or a route's upstreams in
 * order), the branches (one client transaction each), the best final
 * response so far and the challenges to merge. It lives while its server
 * transaction or any of its client transactions lives. Requests are
 * decoded again from the server transaction's copy whenever a branch is
 * started, so an asynchronous location lookup needs nothing else kept.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "sip_best.h"
#include "sip_proxy.h"
#include "sip_proxy_util.h"

#define PX_MAX_TARGETS 16
#define PX_MAX_BRANCHES 24
#define PX_OUT_MAX 65536
#define PX_CHAL_MAX 4096

struct px_call;

struct px_target {
	char *ruri;			/* NULL: keep the Request-URI */
	char *route;			/* Route values to push (from Path), or NULL */
	struct sip_txn_dest dst;
	uint16_t q;
};

struct px_branch {
	struct px_call *call;
	struct sip_txn *ct;
	bool done;
	bool got_prov;
	bool cancel_wanted;
	bool terminated;
};

struct px_call {
	struct sip_proxy *p;
	struct sip_txn *st;
	enum sip_method method;
	unsigned int live;		/* st, client transactions, callers in flight */
	bool final_sent;
	bool cancelled;
	bool starting;
	bool failover;			/* a route: one target at a time */
	bool loose;			/* next hop taken from Route */
	bool strip_pauth;		/* our realm's Proxy-Authorization was used */
	bool overload;			/* a branch found the transaction table full */
	unsigned int n_targets;
	unsigned int next_target;
	struct px_target targets[PX_MAX_TARGETS];
	unsigned int n_branches;
	unsigned int n_pending;
	struct px_branch branches[PX_MAX_BRANCHES];
	struct sip_best best;
	char *best_buf;
	size_t best_len;
	char *chal;
	size_t chal_len;
	struct sip_dialog *dlg;
	char to_tag[24];
};

struct sip_proxy {
	struct sip_proxy_env env;
	struct sip_proxy_conf conf;
	struct sip_txn_layer *layer;
	struct sip_dialogs *dialogs;
	struct sip_proxy_stats stats;
	uint64_t branch_seq;
	struct sip_msg req;		/* a request decoded again (large) */
	struct sip_msg tmp;		/* a stored response decoded again */
	char out_req[PX_OUT_MAX];
	char out_rsp[PX_OUT_MAX];
	char route_buf[8192];
};

static void px_maybe_final(struct px_call *call);

static struct px_call *
px_call_ref(struct px_call *call)
{
	call->live++;
	return call;
}

static void
px_call_unref(struct px_call *call)
{
	unsigned int i;

	if (--call->live > 0)
		return;
	for (i = 0; i < call->n_targets; i++) {
		free(call->targets[i].ruri);
		free(call->targets[i].route);
	}
	(void)sip_dialog_put(call->dlg);
	free(call->best_buf);
	free(call->chal);
	free(call);
}

static void
px_reply(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg,
		int code, const char *reason, const char *hdrs)
{
	char tag[24], cid[128], why[160];

	sip_proxy_to_tag(msg, tag, sizeof(tag));
	(void)sip_txn_server_reply(st, code, reason, tag, hdrs);
	if (code >= 300)
		DG_LOG(DG_LOG_DEBUG, "sip.proxy.reply",
			"status=%d reason=%s method=%.*s call_id=%s", code,
			reason != NULL ? dg_log_quote(why, sizeof(why), reason,
				strlen(reason)) : "-",
			(int)msg->method_raw.len, msg->method_raw.p,
			dg_log_quote(cid, sizeof(cid), msg->call_id.p,
				msg->call_id.len));
	if (code == 404)
		p->stats.not_found++;
	else if (code == 480)
		p->stats.unavailable++;
}

/* Reply on a call whose request is not decoded at hand. */
static void
px_call_reply(struct px_call *call, int code, const char *reason,
		const char *hdrs)
{
	if (call->final_sent)
		return;
	call->final_sent = true;
	(void)sip_txn_server_reply(call->st, code, reason, call->to_tag, hdrs);
	if (code == 404)
		call->p->stats.not_found++;
	else if (code == 480)
		call->p->stats.unavailable++;
}

/* Decodes the call's request again into p->req. */
static int
px_call_decode(struct px_call *call)
{
	struct dg_pl raw = sip_txn_request(call->st);
	struct sip_perr perr;
	struct sip_msg *m = &call->p->req;

	if (sip_msg_decode(m, raw.p, raw.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE, &perr) < 0)
		return -EBADMSG;
	return 0;
}

static bool
px_dialog_creating(const struct sip_msg *msg)
{
	if (msg->to.tag.len > 0)
		return false;
	return msg->method == SIP_METHOD_INVITE ||
		msg->method == SIP_METHOD_SUBSCRIBE ||
		msg->method == SIP_METHOD_REFER;
}

/*
 * Writes the request to send on one branch into p->out_req: Route
 * processing, Request-URI of the target, Path routes, Max-Forwards, the
 * client's Via with received/rport, our Via, Record-Route.
 */
static ssize_t
px_build_request(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_txn_dest *src, const struct px_target *t,
		const struct sip_rr_plan *plan_in, void *local,
		const struct sockaddr_storage *laddr, enum sip_transport ltp,
		const char *branch, bool strip_pauth)
{
	char via_in[1024], via_ours[256], rr_in[160], rr_out[160];
	char host[64];
	struct sip_rr_plan plan = *plan_in;
	struct sockaddr_storage inaddr;
	struct sip_edits ed;
	struct sip_edit e;
	uint32_t mf = 70;
	int n, err;

	(void)local;
	sip_edits_init(&ed);
	if (t != NULL && t->ruri != NULL) {
		plan.ruri = (struct dg_pl){ t->ruri, strlen(t->ruri) };
		plan.ruri_changed = true;
	}
	if (t != NULL && t->route != NULL) {
		if (plan.n_routes >= SIP_RR_MAX)
			return -ENOSPC;
		memmove(&plan.routes[1], &plan.routes[0],
			plan.n_routes * sizeof(plan.routes[0]));
		plan.routes[0] = (struct dg_pl){ t->route, strlen(t->route) };
		plan.n_routes++;
		plan.routes_changed = true;
	}
	err = sip_rr_plan_edits(msg, &plan, p->route_buf, sizeof(p->route_buf),
		&ed);
	if (err < 0)
		return err;
	/* Credentials for our realm are ours to consume (RFC 3261 section 22.3). */
	if (strip_pauth && sip_msg_hdr_first(msg, SIP_HDR_PROXY_AUTHORIZATION) != NULL) {
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_HDR_DEL;
		e.hdr = sip_msg_hdr_first(msg, SIP_HDR_PROXY_AUTHORIZATION);
		if ((err = sip_edits_add(&ed, &e)) < 0)
			return err;
	}
	(void)sip_rr_max_forwards(msg, &mf);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_MAX_FORWARDS_SET;
	e.num = mf;
	if ((err = sip_edits_add(&ed, &e)) < 0)
		return err;
	n = sip_proxy_via_received(&msg->vias[0], &src->addr, via_in,
		sizeof(via_in));
	if (n < 0)
		return n;
	if (n > 0) {
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_VIA_POP;
		if ((err = sip_edits_add(&ed, &e)) < 0)
			return err;
		e.op = SIP_EDIT_VIA_PUSH;
		e.val = (struct dg_pl){ via_in, (size_t)n };
		if ((err = sip_edits_add(&ed, &e)) < 0)
			return err;
	}
	n = sip_rr_value(rr_out, sizeof(rr_out), laddr, ltp, DG_PL_NULL);
	if (n < 0)
		return n;
	/* "<sip:" host:port ... ">" gives the sent-by for our Via. */
	{
		const char *hs = rr_out + 5, *he = strchr(hs, ';');

		if (he == NULL)
			he = strchr(hs, '>');
		snprintf(host, sizeof(host), "%.*s", (int)(he - hs), hs);
	}
	n = snprintf(via_ours, sizeof(via_ours), "SIP/2.0/%s %s;branch=%s",
		ltp == SIP_TP_TCP ? "TCP" : "UDP", host, branch);
	if (n < 0 || (size_t)n >= sizeof(via_ours))
		return -ENOSPC;
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_VIA_PUSH;
	e.val = (struct dg_pl){ via_ours, (size_t)n };
	if ((err = sip_edits_add(&ed, &e)) < 0)
		return err;
	if (px_dialog_creating(msg)) {
		/* Two entries when the request leaves by another socket. */
		if (p->env.inbound(p->env.arg, src, &inaddr) == 0 &&
				(src->transport != ltp ||
				 sip_rr_value(rr_in, sizeof(rr_in), &inaddr,
					src->transport, DG_PL_NULL) < 0 ||
				 strcmp(rr_in, rr_out) != 0)) {
			n = sip_rr_value(rr_in, sizeof(rr_in), &inaddr,
				src->transport, DG_PL_NULL);
			if (n > 0) {
				memset(&e, 0, sizeof(e));
				e.op = SIP_EDIT_RR_PUSH;
				e.val = (struct dg_pl){ rr_in, (size_t)n };
				if ((err = sip_edits_add(&ed, &e)) < 0)
					return err;
			}
		}
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_RR_PUSH;
		e.val = (struct dg_pl){ rr_out, strlen(rr_out) };
		if ((err = sip_edits_add(&ed, &e)) < 0)
			return err;
	}
	return sip_msg_write(msg, &ed, p->out_req, sizeof(p->out_req));
}

/* Starts one branch towards target ti (or the Route next hop when t is NULL). */
static int
px_branch_start(struct px_call *call, int ti)
{
	struct sip_proxy *p = call->p;
	const struct sip_msg *msg = &p->req;
	struct px_target *t = ti >= 0 ? &call->targets[ti] : NULL;
	char hash[SIP_RR_LOOP_HASH_LEN + 1], branch[SIP_TXN_BRANCH_MAX];
	struct sockaddr_storage laddr;
	struct sip_txn_dest dst;
	struct sip_rr_plan plan;
	struct px_branch *br;
	struct sip_txn *ct = NULL;
	void *local = NULL;
	ssize_t len;
	int err;

	if (call->n_branches >= PX_MAX_BRANCHES)
		return -ENOSPC;
	if (px_call_decode(call) < 0)
		return -EBADMSG;
	err = sip_rr_plan(msg, p->env.is_ours, p->env.arg, &plan);
	if (err < 0)
		return err;
	if (t != NULL) {
		dst = t->dst;
	} else {
		err = sip_proxy_uri_dest(&plan.next_hop, &dst);
		if (err < 0) {
			p->stats.drop_unroutable++;
			return err;
		}
	}
	err = p->env.local(p->env.arg, &dst, &local, &laddr);
	if (err < 0)
		return err;
	dst.local = local;
	sip_rr_loop_hash(msg, hash);
	err = sip_rr_branch(branch, sizeof(branch), ++p->branch_seq, hash);
	if (err < 0)
		return err;
	len = px_build_request(p, msg, sip_txn_dest(call->st), t, &plan, local,
		&laddr, dst.transport, branch, call->strip_pauth);
	if (len < 0)
		return (int)len;
	br = &call->branches[call->n_branches++];
	memset(br, 0, sizeof(*br));
	br->call = call;
	call->n_pending++;
	px_call_ref(call);
	err = sip_txn_client_create(&ct, p->layer, p->out_req, (size_t)len,
		&dst, br);
	if (err < 0) {
		call->n_branches--;
		call->n_pending--;
		px_call_unref(call);
		return err;
	}
	if (br->terminated)
		ct = sip_txn_put(ct);
	br->ct = ct;
	p->stats.forwarded++;
	return 0;
}

/*
 * Starts the next targets: a whole q-value group for a local user, one
 * upstream for a route. A target that cannot even be tried counts as a
 * 503 from it.
 *
 * @return the number of branches started.
 */
static unsigned int
px_start_next(struct px_call *call)
{
	uint16_t q;
	int err;

	if (call->cancelled || call->final_sent)
		return 0;
	call->starting = true;
	/* A branch may fail inside its own start (a send error): count live ones. */
	while (call->next_target < call->n_targets && call->n_pending == 0) {
		q = call->targets[call->next_target].q;
		while (call->next_target < call->n_targets &&
				call->targets[call->next_target].q == q) {
			err = px_branch_start(call, (int)call->next_target++);
			if (err < 0) {
				if (err == -ENOSPC || err == -ENOMEM)
					call->overload = true;
				(void)sip_best_offer(&call->best, 503, -1);
			}
			if (call->failover && call->n_pending > 0)
				break;
		}
	}
	call->starting = false;
	return call->n_pending;
}

/* Adds the challenge lines of a 401/407 to those to merge. */
static void
px_collect_challenges(struct px_call *call, const struct sip_msg *msg)
{
	enum sip_hdr_id id = msg->status == 401 ? SIP_HDR_WWW_AUTHENTICATE :
		SIP_HDR_PROXY_AUTHENTICATE;
	const struct sip_hdr *h;
	int n;

	if (call->chal == NULL) {
		call->chal = malloc(PX_CHAL_MAX);
		if (call->chal == NULL)
			return;
		call->chal_len = 0;
	}
	for (h = sip_msg_hdr_first(msg, id); h != NULL; h = sip_msg_hdr_next(msg, h)) {
		n = snprintf(call->chal + call->chal_len, PX_CHAL_MAX - call->chal_len,
			"%s\n%.*s\n", sip_hdr_name(id), (int)h->value.len, h->value.p);
		if (n < 0 || (size_t)n >= PX_CHAL_MAX - call->chal_len)
			return;
		call->chal_len += (size_t)n;
	}
}

/* Sends the best response upstream (RFC 3261 section 16.7 items 6 and 9). */
static void
px_send_best(struct px_call *call)
{
	struct sip_proxy *p = call->p;
	int code = sip_best_code_out(&call->best);
	struct sip_perr perr;
	struct sip_edits ed;
	struct sip_edit e;
	ssize_t len;
	char *pos, *end;

	if (call->best_buf == NULL && call->best.code == 503 && call->overload) {
		char ra[48];

		/* Our own table is full: 503 with Retry-After, not a 500. */
		snprintf(ra, sizeof(ra), "Retry-After: %u\r\n",
			p->conf.retry_after_s != 0 ? p->conf.retry_after_s : 5);
		p->stats.txn_full++;
		px_call_reply(call, 503, NULL, ra);
		return;
	}
	if (call->best_buf == NULL || code != call->best.code) {
		px_call_reply(call, code, NULL, NULL);
		return;
	}
	call->final_sent = true;
	if (!sip_best_is_challenge(code) || call->chal == NULL) {
		(void)sip_txn_server_respond(call->st, code, call->best_buf,
			call->best_len);
		p->stats.responses_relayed++;
		return;
	}
	/* Every branch's challenges in the one 401/407 (section 16.7 item 7). */
	if (sip_msg_decode(&p->tmp, call->best_buf, call->best_len, &perr) < 0)
		return;
	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_HDR_DEL;
	e.id = SIP_HDR_WWW_AUTHENTICATE;
	(void)sip_edits_add(&ed, &e);
	e.id = SIP_HDR_PROXY_AUTHENTICATE;
	(void)sip_edits_add(&ed, &e);
	pos = call->chal;
	end = call->chal + call->chal_len;
	while (pos < end) {
		char *nl1 = memchr(pos, '\n', (size_t)(end - pos));
		char *nl2 = nl1 != NULL ? memchr(nl1 + 1, '\n',
			(size_t)(end - nl1 - 1)) : NULL;

		if (nl2 == NULL)
			break;
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_HDR_ADD;
		e.id = SIP_HDR_OTHER;
		e.name = (struct dg_pl){ pos, (size_t)(nl1 - pos) };
		e.val = (struct dg_pl){ nl1 + 1, (size_t)(nl2 - nl1 - 1) };
		if (sip_edits_add(&ed, &e) < 0)
			break;
		pos = nl2 + 1;
	}
	len = sip_msg_write(&p->tmp, &ed, p->out_rsp, sizeof(p->out_rsp));
	if (len < 0)
		(void)sip_txn_server_respond(call->st, code, call->best_buf,
			call->best_len);
	else
		(void)sip_txn_server_respond(call->st, code, p->out_rsp,
			(size_t)len);
	p->stats.responses_relayed++;
}

static void
px_maybe_final(struct px_call *call)
{
	if (call->final_sent || call->starting || call->n_pending > 0)
		return;
	if (px_start_next(call) > 0)
		return;
	if (call->cancelled && call->best.code == 0) {
		px_call_reply(call, 487, NULL, NULL);
		return;
	}
	px_send_best(call);
}

static void
px_cancel_branch(struct px_branch *br)
{
	struct sip_txn *cct = NULL;
	int err;

	if (br->done || br->ct == NULL)
		return;
	err = sip_txn_client_cancel(&cct, br->ct, NULL, NULL);
	if (err == -EAGAIN)
		br->cancel_wanted = true;
	(void)sip_txn_put(cct);
}

static void
px_cancel_others(struct px_call *call, struct px_branch *keep)
{
	unsigned int i;

	if (call->method != SIP_METHOD_INVITE)
		return;
	for (i = 0; i < call->n_branches; i++)
		if (&call->branches[i] != keep)
			px_cancel_branch(&call->branches[i]);
}

static void
px_branch_done(struct px_branch *br)
{
	if (br->done)
		return;
	br->done = true;
	br->call->n_pending--;
}

/* A branch ended with code, without a response to relay (408 or 503). */
static void
px_branch_failed(struct px_branch *br, int code)
{
	struct px_call *call = br->call;

	if (br->done)
		return;
	px_branch_done(br);
	if (call->failover && sip_route_failover_code(code))
		call->p->stats.branches_failed_over++;
	(void)sip_best_offer(&call->best, code, (int)(br - call->branches));
	if (call->best.branch == (int)(br - call->branches)) {
		free(call->best_buf);
		call->best_buf = NULL;
	}
	px_maybe_final(call);
}

/* Writes a response without our top Via into p->out_rsp. */
static ssize_t
px_strip_via(struct sip_proxy *p, const struct sip_msg *msg)
{
	struct sip_edits ed;
	struct sip_edit e;

	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_VIA_POP;
	(void)sip_edits_add(&ed, &e);
	return sip_msg_write(msg, &ed, p->out_rsp, sizeof(p->out_rsp));
}

static void
px_on_response(void *arg, struct sip_txn *ct, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct px_branch *br = sip_txn_owner(ct);
	struct px_call *call;
	int code = msg->status;
	ssize_t len;

	(void)src;
	if (br == NULL)
		return;			/* a CANCEL's own transaction */
	call = px_call_ref(br->call);
	if (call->dlg != NULL && call->method == SIP_METHOD_INVITE)
		sip_dialog_invite_response(call->dlg, msg);
	if (code < 200) {
		br->got_prov = true;
		if (br->cancel_wanted || call->cancelled) {
			br->cancel_wanted = false;
			px_cancel_branch(br);
		}
		if (code > 100 && !call->final_sent &&
				(len = px_strip_via(p, msg)) > 0) {
			(void)sip_txn_server_respond(call->st, code, p->out_rsp,
				(size_t)len);
			p->stats.responses_relayed++;
		}
		goto out;
	}
	if (code < 300) {
		/* Every 2xx goes upstream (section 16.7 item 5 and RFC 6026). */
		if ((len = px_strip_via(p, msg)) > 0) {
			(void)sip_txn_server_respond(call->st, code, p->out_rsp,
				(size_t)len);
			p->stats.responses_relayed++;
		}
		call->final_sent = true;
		px_branch_done(br);
		px_cancel_others(call, br);
		goto out;
	}
	px_branch_done(br);
	if (call->failover && sip_route_failover_code(code) &&
			call->next_target < call->n_targets) {
		p->stats.branches_failed_over++;
		(void)sip_best_offer(&call->best, code, -1);
		px_maybe_final(call);
		goto out;
	}
	if (sip_best_is_challenge(code))
		px_collect_challenges(call, msg);
	if (sip_best_offer(&call->best, code, (int)(br - call->branches))) {
		len = px_strip_via(p, msg);
		free(call->best_buf);
		call->best_buf = NULL;
		if (len > 0 && (call->best_buf = malloc((size_t)len)) != NULL) {
			memcpy(call->best_buf, p->out_rsp, (size_t)len);
			call->best_len = (size_t)len;
		}
	}
	if (code >= 600)
		px_cancel_others(call, br);
	px_maybe_final(call);
out:
	px_call_unref(call);
}

static void
px_on_timeout(void *arg, struct sip_txn *txn)
{
	struct px_branch *br;

	(void)arg;
	if (sip_txn_kind(txn) != SIP_TXN_CLIENT_INVITE &&
			sip_txn_kind(txn) != SIP_TXN_CLIENT_NON_INVITE)
		return;
	br = sip_txn_owner(txn);
	if (br == NULL)
		return;
	px_call_ref(br->call);
	px_branch_failed(br, 408);
	px_call_unref(br->call);
}

static void
px_on_transport_error(void *arg, struct sip_txn *txn, int err)
{
	struct px_branch *br;

	(void)arg;
	(void)err;
	if (sip_txn_kind(txn) != SIP_TXN_CLIENT_INVITE &&
			sip_txn_kind(txn) != SIP_TXN_CLIENT_NON_INVITE)
		return;
	br = sip_txn_owner(txn);
	if (br == NULL)
		return;
	px_call_ref(br->call);
	px_branch_failed(br, 503);
	px_call_unref(br->call);
}

static void
px_on_terminated(void *arg, struct sip_txn *txn, enum sip_txn_end why)
{
	void *owner = sip_txn_owner(txn);
	struct px_call *call;
	struct px_branch *br;

	(void)arg;
	(void)why;
	if (owner == NULL)
		return;
	sip_txn_set_owner(txn, NULL);
	switch (sip_txn_kind(txn)) {
	case SIP_TXN_SERVER_INVITE:
	case SIP_TXN_SERVER_NON_INVITE:
		call = owner;
		call->st = sip_txn_put(call->st);
		px_call_unref(call);
		break;
	default:
		br = owner;
		call = br->call;
		br->terminated = true;
		br->ct = sip_txn_put(br->ct);
		if (!br->done) {
			px_call_ref(call);
			px_branch_failed(br, 503);
			px_call_unref(call);
		}
		px_call_unref(call);
		break;
	}
}

static struct px_call *
px_call_new(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg)
{
	struct px_call *call;

	call = calloc(1, sizeof(*call));
	if (call == NULL)
		return NULL;
	call->p = p;
	call->st = sip_txn_get(st);
	call->method = msg->method;
	call->live = 1;			/* the server transaction */
	sip_best_init(&call->best);
	sip_proxy_to_tag(msg, call->to_tag, sizeof(call->to_tag));
	sip_txn_set_owner(st, call);
	return call;
}

/* The location lookup of a local user: the bindings become targets. */
static void
px_on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	struct px_call *call = arg;
	struct sip_proxy *p = call->p;
	unsigned int i, j, n = 0;
	char route[2048];

	if (err < 0) {
		px_call_reply(call, 503, NULL, "Retry-After: 5\r\n");
		goto out;
	}
	for (i = 0; i < rec->n_bindings && n < PX_MAX_TARGETS; i++) {
		const struct sip_loc_binding *b = &rec->bindings[i];
		struct px_target *t = &call->targets[n];
		size_t off = 0;

		memset(t, 0, sizeof(*t));
		t->ruri = strndup(b->contact.p, b->contact.len);
		if (t->ruri == NULL)
			continue;
		t->q = b->q;
		t->dst.transport = b->source.transport == SIP_LOC_TP_TCP ?
			SIP_TP_TCP : SIP_TP_UDP;
		t->dst.addr = b->source.addr;
		t->dst.addrlen = b->source.addr.ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		t->dst.conn_id = b->source.conn_id;
		for (j = 0; j < b->n_path; j++) {
			int w = snprintf(route + off, sizeof(route) - off,
				"%s<%.*s>", j > 0 ? ", " : "",
				(int)b->path[j].len, b->path[j].p);

			if (w < 0 || (size_t)w >= sizeof(route) - off)
				break;
			off += (size_t)w;
		}
		if (b->n_path > 0) {
			struct sip_uri pu;
			struct sip_txn_dest pd;

			t->route = strndup(route, off);
			/* The first Path hop is where the request goes. */
			if (sip_uri_decode(&pu, b->path[0].p, b->path[0].len) == 0 &&
					sip_proxy_uri_dest(&pu, &pd) == 0)
				t->dst = pd;
		}
		n++;
	}
	/* Highest q first; equal q keep store order (insertion sort, stable). */
	for (i = 1; i < n; i++) {
		struct px_target tmp = call->targets[i];

		for (j = i; j > 0 && call->targets[j - 1].q < tmp.q; j--)
			call->targets[j] = call->targets[j - 1];
		call->targets[j] = tmp;
	}
	call->n_targets = n;
	if (n == 0) {
		const struct sip_auth_user *u = NULL;

		if (p->env.users != NULL && p->env.auth != NULL &&
				px_call_decode(call) == 0)
			u = sip_auth_users_find(p->env.users, p->req.ruri.user,
				sip_auth_ctx_realm(p->env.auth));
		px_call_reply(call, u != NULL ? 480 : 404, NULL, NULL);
		goto out;
	}
	px_maybe_final(call);
out:
	px_call_unref(call);
}

struct px_reg {
	struct sip_proxy *p;
	struct sip_txn *st;
	char to_tag[24];
};

static void
px_on_registered(void *arg, int code, const char *reason, const char *hdrs)
{
	struct px_reg *r = arg;

	(void)sip_txn_server_reply(r->st, code, reason, r->to_tag, hdrs);
	r->st = sip_txn_put(r->st);
	free(r);
}

static void
px_register(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src, struct dg_pl auth_user)
{
	struct sip_loc_source ls;
	struct px_reg *r;

	p->stats.registers++;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		px_reply(p, st, msg, 500, NULL, NULL);
		return;
	}
	r->p = p;
	r->st = sip_txn_get(st);
	sip_proxy_to_tag(msg, r->to_tag, sizeof(r->to_tag));
	memset(&ls, 0, sizeof(ls));
	ls.transport = sip_reg_loc_transport(src->transport);
	ls.addr = src->addr;
	ls.conn_id = src->conn_id;
	if (sip_reg_handle(p->env.loc, &p->conf.reg, msg->buf.p, msg->buf.len,
			&ls, auth_user, px_on_registered, r) < 0) {
		r->st = sip_txn_put(r->st);
		free(r);
		px_reply(p, st, msg, 500, NULL, NULL);
	}
}

/*
 * Digest authentication by policy. Returns 0 to go on (auth_user set
 * when credentials were checked), or 1 when a response was sent.
 */
static int
px_authenticate(struct sip_proxy *p, struct sip_txn *st,
		const struct sip_msg *msg, const struct sip_txn_dest *src,
		char *user, size_t ucap, struct dg_pl *auth_user)
{
	bool reg = msg->method == SIP_METHOD_REGISTER;
	struct dg_pl val = reg ? msg->authorization : msg->proxy_authorization;
	struct sip_auth_creds creds;
	enum sip_auth_result res;
	const struct sip_auth_creds *cp = NULL;
	char chal[1024];
	int n;

	*auth_user = DG_PL_NULL;
	if (p->env.auth == NULL || p->env.policy == NULL ||
			msg->method == SIP_METHOD_ACK ||
			msg->method == SIP_METHOD_CANCEL ||
			(!reg && msg->to.tag.len > 0) ||
			!sip_auth_policy_requires(p->env.policy, msg->method_raw,
				(const struct sockaddr *)&src->addr))
		return 0;
	if (dg_pl_isset(val)) {
		n = sip_auth_parse_credentials(val, &creds);
		if (n == -EBADMSG) {
			px_reply(p, st, msg, 400, creds.reason, NULL);
			return 1;
		}
		if (n == 0 && dg_pl_eq(creds.realm,
				sip_auth_ctx_realm(p->env.auth)))
			cp = &creds;
	}
	res = sip_auth_verify(p->env.auth, cp, msg->method_raw, msg->ruri_raw,
		(const struct sockaddr *)&src->addr);
	if (res != SIP_AUTH_OK && cp != NULL) {
		char cid[128], u[160];

		DG_LOG(DG_LOG_INFO, "sip.auth", "result=%s user=%s method=%.*s call_id=%s",
			sip_auth_result_name(res),
			dg_log_quote(u, sizeof(u), cp->username.p, cp->username.len),
			(int)msg->method_raw.len, msg->method_raw.p,
			dg_log_quote(cid, sizeof(cid), msg->call_id.p,
				msg->call_id.len));
	}
	switch (res) {
	case SIP_AUTH_OK:
		if (cp->username.len >= ucap) {
			px_reply(p, st, msg, 403, NULL, NULL);
			return 1;
		}
		memcpy(user, cp->username.p, cp->username.len);
		*auth_user = (struct dg_pl){ user, cp->username.len };
		return 0;
	case SIP_AUTH_CHALLENGE:
	case SIP_AUTH_STALE:
		n = sip_auth_challenge_build(p->env.auth, !reg,
			res == SIP_AUTH_STALE, (const struct sockaddr *)&src->addr,
			chal, sizeof(chal));
		if (n < 0) {
			px_reply(p, st, msg, 500, NULL, NULL);
			return 1;
		}
		p->stats.auth_challenges++;
		px_reply(p, st, msg, reg ? 401 : 407, NULL, chal);
		return 1;
	case SIP_AUTH_FORBIDDEN:
		p->stats.auth_failures++;
		px_reply(p, st, msg, 403, NULL, NULL);
		return 1;
	case SIP_AUTH_BAD_REQUEST:
		px_reply(p, st, msg, 400, NULL, NULL);
		return 1;
	default:
		px_reply(p, st, msg, 500, NULL, NULL);
		return 1;
	}
}

static void
px_on_request(void *arg, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_msg *m = &p->req;
	struct sip_route_decision d;
	struct sip_check_conf check;
	struct sip_rr_plan plan;
	struct dg_pl auth_user;
	struct sip_perr perr;
	struct px_call *call;
	char user[SIP_AUTH_USERS_NAME_MAX + 1], aor[SIP_LOC_AOR_MAX];
	bool ours_uri, self;
	uint32_t mf;
	int err;

	p->stats.requests++;
	/* Work on our own decode: on-demand headers need a mutable message. */
	if (sip_msg_decode(m, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE | SIP_HDR_F_AUTH,
				&perr) < 0) {
		px_reply(p, st, msg, 400, perr.reason, NULL);
		return;
	}
	msg = m;
	ours_uri = p->env.domain_is_ours(p->env.arg, &msg->ruri);
	self = ours_uri && msg->ruri.user.len == 0 && msg->n_routes == 0;
	if (msg->method == SIP_METHOD_OPTIONS && (self ||
			((msg->have & SIP_HAVE_MAX_FORWARDS) &&
			 msg->max_forwards == 0))) {
		px_reply(p, st, msg, 200, NULL, SIP_PROXY_OPTIONS_HDRS);
		return;
	}
	if (sip_rr_max_forwards(msg, &mf) == 483) {
		p->stats.too_many_hops++;
		px_reply(p, st, msg, 483, NULL, NULL);
		return;
	}
	memset(&check, 0, sizeof(check));
	check.uas = self || msg->method == SIP_METHOD_REGISTER;
	check.ruri_is_local = ours_uri;
	if (sip_msg_check_request(msg, &check, &perr) < 0) {
		px_reply(p, st, msg, perr.status, perr.reason,
			perr.hdrs_len > 0 ? perr.hdrs : NULL);
		return;
	}
	if (sip_rr_loop_detect(msg, p->env.is_ours, p->env.arg)) {
		p->stats.loops++;
		px_reply(p, st, msg, 482, NULL, NULL);
		return;
	}
	err = sip_rr_plan(msg, p->env.is_ours, p->env.arg, &plan);
	if (err < 0) {
		px_reply(p, st, msg, 400, "malformed Route", NULL);
		return;
	}
	if (px_authenticate(p, st, msg, src, user, sizeof(user), &auth_user))
		return;
	if (msg->to.tag.len > 0) {
		struct sip_dialog *dlg = sip_dialog_find(p->dialogs,
			msg->call_id, msg->from.tag, msg->to.tag);

		if (dlg != NULL)
			sip_dialog_request(dlg, msg);
	}
	if (msg->method == SIP_METHOD_REGISTER && !plan.next_is_route &&
			ours_uri) {
		px_register(p, st, msg, src, auth_user);
		return;
	}
	/* Stop the caller's INVITE retransmissions at once (section 16.2). */
	if (msg->method == SIP_METHOD_INVITE)
		(void)sip_txn_server_reply(st, 100, NULL, NULL, NULL);
	call = px_call_new(p, st, msg);
	if (call == NULL) {
		px_reply(p, st, msg, 500, NULL, NULL);
		return;
	}
	px_call_ref(call);
	call->strip_pauth = dg_pl_isset(auth_user) &&
		msg->method != SIP_METHOD_REGISTER;
	if (px_dialog_creating(msg) && msg->method == SIP_METHOD_INVITE)
		(void)sip_dialog_invite(p->dialogs, msg, &call->dlg);
	/*
	 * Loose routing: a Route left to follow, or a request routed to us
	 * (our Route entry popped, or in a dialog) for a Request-URI that is
	 * not ours goes straight on (RFC 3261 section 16.5).
	 */
	if (plan.next_is_route || plan.strict_next ||
			((plan.popped > 0 || msg->to.tag.len > 0) &&
			 !p->env.domain_is_ours(p->env.arg, &plan.next_hop))) {
		call->loose = true;
		err = px_branch_start(call, -1);
		if (err < 0)
			px_call_reply(call, err == -EHOSTUNREACH ? 503 : 500,
				NULL, NULL);
		goto out;
	}
	{
		struct sip_uri ruri;

		if (sip_uri_decode(&ruri, plan.ruri.p, plan.ruri.len) < 0) {
			px_call_reply(call, 400, "bad Request-URI", NULL);
			goto out;
		}
		ours_uri = p->env.domain_is_ours(p->env.arg, &ruri);
		sip_route_decide(&p->conf.routes, &ruri, ours_uri, &d);
		switch (d.kind) {
		case SIP_ROUTE_SELF:
			px_call_reply(call, 404, NULL, NULL);
			break;
		case SIP_ROUTE_REJECT:
			px_call_reply(call, d.code, NULL, NULL);
			break;
		case SIP_ROUTE_RULE: {
			unsigned int i;

			call->failover = true;
			for (i = 0; i < d.rule->n_targets && i < PX_MAX_TARGETS; i++) {
				call->targets[i].dst.transport = d.rule->targets[i].tp;
				call->targets[i].dst.addr = d.rule->targets[i].addr;
				call->targets[i].dst.addrlen = d.rule->targets[i].addrlen;
			}
			call->n_targets = i;
			px_maybe_final(call);
			break;
		}
		case SIP_ROUTE_LOCAL:
			err = sip_loc_aor_canon(ruri.raw, aor, sizeof(aor));
			if (err < 0) {
				px_call_reply(call, 404, NULL, NULL);
				break;
			}
			err = sip_loc_lookup(p->env.loc,
				(struct dg_pl){ aor, (size_t)err }, px_on_lookup,
				px_call_ref(call));
			if (err < 0) {
				px_call_unref(call);
				px_call_reply(call, 503, NULL, "Retry-After: 5\r\n");
			}
			break;
		}
	}
out:
	px_call_unref(call);
}

static void
px_on_cancel(void *arg, struct sip_txn *cancel_st, struct sip_txn *invite_st,
		const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct px_call *call = sip_txn_owner(invite_st);
	unsigned int i;

	(void)src;
	px_reply(p, cancel_st, msg, 200, NULL, NULL);
	p->stats.cancels++;
	if (call == NULL || call->final_sent)
		return;
	px_call_ref(call);
	call->cancelled = true;
	for (i = 0; i < call->n_branches; i++)
		px_cancel_branch(&call->branches[i]);
	px_maybe_final(call);
	px_call_unref(call);
}

/* Stateless forwarding of an ACK for a 2xx (end to end, section 16.6). */
static void
px_on_ack(void *arg, const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_msg *m = &p->req;
	char hash[SIP_RR_LOOP_HASH_LEN + 1], branch[SIP_TXN_BRANCH_MAX];
	struct sockaddr_storage laddr;
	struct sip_txn_dest dst;
	struct sip_rr_plan plan;
	struct sip_perr perr;
	struct dg_pl parts[2];
	void *local = NULL;
	ssize_t len;

	if (sip_msg_decode(m, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE, &perr) < 0 ||
			m->n_vias == 0)
		return;
	if (m->have & SIP_HAVE_MAX_FORWARDS && m->max_forwards == 0)
		return;
	if (sip_rr_plan(m, p->env.is_ours, p->env.arg, &plan) < 0)
		return;
	if (!plan.next_is_route && p->env.domain_is_ours(p->env.arg,
			&plan.next_hop))
		return;		/* for us: the ACK of one of our own answers */
	if (sip_proxy_uri_dest(&plan.next_hop, &dst) < 0) {
		p->stats.drop_unroutable++;
		return;
	}
	if (p->env.local(p->env.arg, &dst, &local, &laddr) < 0)
		return;
	dst.local = local;
	/* The same branch for retransmissions of this ACK. */
	parts[0] = m->vias[0].branch;
	parts[1] = m->call_id;
	if (sip_txn_branch_hash(branch, sizeof(branch), parts, 2) < 0)
		return;
	(void)hash;
	len = px_build_request(p, m, src, NULL, &plan, local, &laddr,
		dst.transport, branch, false);
	if (len < 0)
		return;
	if (p->env.send(p->env.send_arg, &dst, p->out_req, (size_t)len) == 0)
		p->stats.acks_forwarded++;
}

static void
px_on_stray_response(void *arg, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sockaddr_storage laddr;
	struct sip_txn_dest dst;
	struct sip_uri via_uri;
	void *local = NULL;
	ssize_t len;

	(void)src;
	if (msg->status < 200 || msg->status >= 300 ||
			msg->cseq.method != SIP_METHOD_INVITE || msg->n_vias < 2)
		return;
	memset(&via_uri, 0, sizeof(via_uri));
	via_uri.scheme = SIP_URI_SIP;
	via_uri.host = msg->vias[0].host;
	via_uri.host_type = msg->vias[0].host_type;
	via_uri.port = msg->vias[0].port;
	if (!p->env.is_ours(p->env.arg, &via_uri))
		return;
	if (sip_proxy_via_dest(&msg->vias[1], &dst) < 0) {
		p->stats.drop_unroutable++;
		return;
	}
	if (p->env.local(p->env.arg, &dst, &local, &laddr) < 0)
		return;
	dst.local = local;
	len = px_strip_via(p, msg);
	if (len > 0 && p->env.send(p->env.send_arg, &dst, p->out_rsp,
			(size_t)len) == 0)
		p->stats.stray_2xx_forwarded++;
}

int
sip_proxy_create(struct sip_proxy **out, const struct sip_proxy_env *env,
		const struct sip_proxy_conf *conf)
{
	struct sip_txn_env tenv;
	struct sip_txn_tu tu;
	struct sip_dialog_conf dc;
	struct sip_proxy *p;
	int err;

	if (env->timers == NULL || env->send == NULL || env->local == NULL ||
			env->inbound == NULL || env->is_ours == NULL ||
			env->domain_is_ours == NULL || env->loc == NULL)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->env = *env;
	p->conf = *conf;
	memset(&tenv, 0, sizeof(tenv));
	tenv.timers = env->timers;
	tenv.send = env->send;
	tenv.send_arg = env->send_arg;
	tenv.t1_ms = conf->t1_ms;
	tenv.t2_ms = conf->t2_ms;
	tenv.t4_ms = conf->t4_ms;
	tenv.max_txns = conf->max_txns;
	memset(&tu, 0, sizeof(tu));
	tu.arg = p;
	tu.on_request = px_on_request;
	tu.on_cancel = px_on_cancel;
	tu.on_ack = px_on_ack;
	tu.on_response = px_on_response;
	tu.on_stray_response = px_on_stray_response;
	tu.on_timeout = px_on_timeout;
	tu.on_transport_error = px_on_transport_error;
	tu.on_terminated = px_on_terminated;
	err = sip_txn_layer_create(&p->layer, &tenv, &tu);
	if (err < 0)
		goto out_free;
	memset(&dc, 0, sizeof(dc));
	dc.early_timeout_ms = conf->dialog_early_timeout_ms;
	dc.max_duration_ms = conf->dialog_max_duration_ms;
	dc.media = env->media;
	dc.media_arg = env->media_arg;
	err = sip_dialogs_create(&p->dialogs, env->timers, &dc);
	if (err < 0)
		goto out_layer;
	*out = p;
	return 0;
out_layer:
	sip_txn_layer_destroy(p->layer);
out_free:
	free(p);
	return err;
}

void
sip_proxy_destroy(struct sip_proxy *p)
{
	if (p == NULL)
		return;
	sip_txn_layer_destroy(p->layer);
	sip_dialogs_destroy(p->dialogs);
	free(p);
}

int
sip_proxy_recv(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	char hdr[48];
	struct sip_txn_dest dst;
	int err, len;

	err = sip_txn_layer_recv(p->layer, msg, src);
	if (err != -ENOSPC && err != -ENOMEM)
		return err;
	/* Table full: 503 with Retry-After, statelessly. */
	p->stats.txn_full++;
	snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n",
		p->conf.retry_after_s != 0 ? p->conf.retry_after_s : 5);
	len = sip_resp_build(p->out_rsp, sizeof(p->out_rsp), msg, 503, NULL,
		NULL, hdr);
	if (len < 0)
		return 0;
	dst = *src;
	if (src->transport == SIP_TP_UDP &&
			sip_msg_response_dest(msg, &src->addr, false, &dst.addr) < 0)
		return 0;
	dst.addrlen = dst.addr.ss_family == AF_INET6 ?
		sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	(void)p->env.send(p->env.send_arg, &dst, p->out_rsp, (size_t)len);
	return 0;
}

const struct sip_proxy_stats *
sip_proxy_stats(const struct sip_proxy *p)
{
	return &p->stats;
}

struct sip_txn_layer *
sip_proxy_txn_layer(struct sip_proxy *p)
{
	return p->layer;
}

struct sip_dialogs *
sip_proxy_dialogs(struct sip_proxy *p)
{
	return p->dialogs;
}
