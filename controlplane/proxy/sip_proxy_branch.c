/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call contexts and their branches: the request written for each target
 * (Route set, Request-URI, Via with received/rport, Record-Route), the
 * targets started a q-value group or one upstream at a time, the
 * responses each branch brings back, CANCEL of the others, and the best
 * final response with merged challenges (RFC 3261 sections 16.6, 16.7,
 * 16.10). A call lives while its server transaction or any of its client
 * transactions does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "sip_proxy_priv.h"
#include "sip_proxy_util.h"

static void sip_px_on_timer_c(struct uring_timer *t);

static uint64_t
sip_px_timer_c_ms(const struct sip_proxy *p)
{
	return p->conf.timer_c_ms != 0 ? p->conf.timer_c_ms : 180000;
}


struct sip_px_call *
sip_px_call_ref(struct sip_px_call *call)
{
	call->live++;
	return call;
}

void
sip_px_call_unref(struct sip_px_call *call)
{
	unsigned int i;

	if (--call->live > 0)
		return;
	for (i = 0; i < call->n_branches; i++)
		uring_timer_cancel(call->p->env.timers,
			&call->branches[i].timer_c);
	for (i = 0; i < call->n_targets; i++) {
		free(call->targets[i].ruri);
		free(call->targets[i].route);
	}
	(void)sip_dialog_put(call->dlg);
	free(call->best_buf);
	free(call->chal);
	free(call);
}

void
sip_px_respond_local(struct sip_proxy *p, struct sip_txn *st, int code,
		const char *reason, const char *to_tag, const char *hdrs)
{
	struct dg_pl raw = sip_txn_request(st);
	const struct sip_txn_dest *dst = sip_txn_dest(st);
	struct sip_perr perr;
	struct sip_edits ed;
	struct sip_edit e;
	char via[1024];
	ssize_t len;
	int n, v;

	/*
	 * Where the response goes is where the request came from (its
	 * address, and its port when rport was asked for), so that is what
	 * received= and rport= say.
	 */
	if (raw.len == 0 || sip_msg_decode(&p->lreq, raw.p, raw.len, &perr) < 0 ||
			p->lreq.n_vias == 0)
		goto plain;
	n = sip_resp_build(p->out_local, sizeof(p->out_local), &p->lreq, code,
		reason, to_tag, hdrs);
	if (n < 0)
		goto plain;
	v = sip_proxy_via_received(&p->lreq.vias[0], &dst->addr, via, sizeof(via));
	if (v <= 0 || sip_msg_decode(&p->lrsp, p->out_local, (size_t)n, &perr) < 0) {
		(void)sip_txn_server_respond(st, code, p->out_local, (size_t)n);
		return;
	}
	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_VIA_POP;
	(void)sip_edits_add(&ed, &e);
	e.op = SIP_EDIT_VIA_PUSH;
	e.val = (struct dg_pl){ via, (size_t)v };
	(void)sip_edits_add(&ed, &e);
	len = sip_msg_write(&p->lrsp, &ed, p->out_local2, sizeof(p->out_local2));
	if (len < 0)
		(void)sip_txn_server_respond(st, code, p->out_local, (size_t)n);
	else
		(void)sip_txn_server_respond(st, code, p->out_local2, (size_t)len);
	return;
plain:
	(void)sip_txn_server_reply(st, code, reason, to_tag, hdrs);
}

void
sip_px_reply(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg,
		int code, const char *reason, const char *hdrs)
{
	char tag[24], cid[128], why[160];

	sip_proxy_to_tag(msg, tag, sizeof(tag));
	sip_px_respond_local(p, st, code, reason, tag, hdrs);
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
void
sip_px_call_reply(struct sip_px_call *call, int code, const char *reason,
		const char *hdrs)
{
	if (call->final_sent || call->st == NULL)
		return;
	call->final_sent = true;
	sip_px_respond_local(call->p, call->st, code, reason, call->to_tag, hdrs);
	/* Our own refusal ends the early dialog now, and with it its media. */
	if (code >= 300 && call->dlg != NULL)
		sip_dialog_end(call->dlg, SIP_DIALOG_END_REJECTED);
	if (code == 404)
		call->p->stats.not_found++;
	else if (code == 480)
		call->p->stats.unavailable++;
}

/* Decodes the call's request again into p->req. */
static int
sip_px_call_decode(struct sip_px_call *call)
{
	struct sip_perr perr;
	struct sip_msg *m = &call->p->req;
	struct dg_pl raw;

	if (call->st == NULL)
		return -ENOENT;
	raw = sip_txn_request(call->st);
	if (sip_msg_decode(m, raw.p, raw.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE, &perr) < 0)
		return -EBADMSG;
	return 0;
}

bool
sip_px_dialog_creating(const struct sip_msg *msg)
{
	if (msg->to.tag.len > 0)
		return false;
	return msg->method == SIP_METHOD_INVITE ||
		msg->method == SIP_METHOD_SUBSCRIBE ||
		msg->method == SIP_METHOD_REFER;
}

/*
 * Adds the NAT addresses of the parties that talk to us directly over
 * UDP to one of our Record-Route values: the caller's source, and the
 * callee's when it is reached through a binding (see sip_proxy_util.h).
 * Returns the new length (the old one when nothing fits).
 */
static int
sip_px_rr_nat(char *rr, size_t len, size_t cap, const struct sip_txn_dest *src,
		const struct sip_px_target *t)
{
	int n = (int)len;

	if (src->transport == SIP_TP_UDP) {
		int m = sip_proxy_rr_nat(rr, (size_t)n, cap, true, &src->addr);

		if (m > 0)
			n = m;
	}
	if (t != NULL && t->ruri != NULL && t->dst.transport == SIP_TP_UDP) {
		int m = sip_proxy_rr_nat(rr, (size_t)n, cap, false, &t->dst.addr);

		if (m > 0)
			n = m;
	}
	return n;
}

/*
 * Writes the request to send on one branch into p->out_req: Route
 * processing, Request-URI of the target, Path routes, Max-Forwards, the
 * client's Via with received/rport, our Via, Record-Route.
 */
ssize_t
sip_px_build_request(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_txn_dest *src, const struct sip_px_target *t,
		const struct sip_rr_plan *plan_in, void *local,
		const struct sockaddr_storage *laddr, enum sip_transport ltp,
		const char *branch, bool strip_pauth)
{
	char via_in[1024], via_ours[256], rr_in[320], rr_out[320];
	char host[64], contact[320];
	bool th = t != NULL && t->th;
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
	/* A hidden sender's Vias all go (sip_px_th_request_edits). */
	n = th ? 0 : sip_proxy_via_received(&msg->vias[0], &src->addr, via_in,
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
	if (th) {
		/* Our single Record-Route, without the NAT addresses of the other side. */
		err = sip_px_th_request_edits(msg, t, laddr, ltp,
			sip_px_dialog_creating(msg) ? (struct dg_pl){ rr_out,
				strlen(rr_out) } : DG_PL_NULL,
			contact, sizeof(contact), &ed);
		if (err < 0)
			return err;
	} else if (sip_px_dialog_creating(msg)) {
		size_t out_len = strlen(rr_out);

		/* Two entries when the request leaves by another socket. */
		if (p->env.inbound(p->env.arg, src, &inaddr) == 0 &&
				(src->transport != ltp ||
				 sip_rr_value(rr_in, sizeof(rr_in), &inaddr,
					src->transport, DG_PL_NULL) < 0 ||
				 strcmp(rr_in, rr_out) != 0)) {
			n = sip_rr_value(rr_in, sizeof(rr_in), &inaddr,
				src->transport, DG_PL_NULL);
			if (n > 0) {
				n = sip_px_rr_nat(rr_in, (size_t)n, sizeof(rr_in),
					src, t);
				memset(&e, 0, sizeof(e));
				e.op = SIP_EDIT_RR_PUSH;
				e.val = (struct dg_pl){ rr_in, (size_t)n };
				if ((err = sip_edits_add(&ed, &e)) < 0)
					return err;
			}
		}
		out_len = (size_t)sip_px_rr_nat(rr_out, out_len, sizeof(rr_out),
			src, t);
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_RR_PUSH;
		e.val = (struct dg_pl){ rr_out, out_len };
		if ((err = sip_edits_add(&ed, &e)) < 0)
			return err;
	}
	return sip_msg_write(msg, &ed, p->out_req, sizeof(p->out_req));
}

/* Starts one branch towards target ti (or the Route next hop when t is NULL). */
int
sip_px_branch_start(struct sip_px_call *call, int ti)
{
	struct sip_proxy *p = call->p;
	const struct sip_msg *msg = &p->req;
	struct sip_px_target *t = ti >= 0 ? &call->targets[ti] : NULL;
	char hash[SIP_RR_LOOP_HASH_LEN + 1], branch[SIP_TXN_BRANCH_MAX];
	struct sockaddr_storage laddr;
	struct sip_txn_dest dst;
	struct sip_rr_plan plan;
	struct sip_px_branch *br;
	struct sip_txn *ct = NULL;
	void *local = NULL;
	ssize_t len;
	int err;

	if (call->n_branches >= SIP_PX_MAX_BRANCHES)
		return -ENOSPC;
	if (sip_px_call_decode(call) < 0)
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
	len = sip_px_build_request(p, msg, sip_txn_dest(call->st), t, &plan, local,
		&laddr, dst.transport, branch, call->strip_pauth);
	if (len < 0)
		return (int)len;
	br = &call->branches[call->n_branches++];
	memset(br, 0, sizeof(*br));
	br->call = call;
	uring_timer_init(&br->timer_c, sip_px_on_timer_c);
	call->n_pending++;
	sip_px_call_ref(call);
	err = sip_txn_client_create(&ct, p->layer, p->out_req, (size_t)len,
		&dst, br);
	if (err < 0) {
		call->n_branches--;
		call->n_pending--;
		sip_px_call_unref(call);
		return err;
	}
	if (br->terminated)
		ct = sip_txn_put(ct);
	br->ct = ct;
	if (call->method == SIP_METHOD_INVITE && !br->done)
		(void)uring_timer_start(p->env.timers, &br->timer_c,
			sip_px_timer_c_ms(p));
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
sip_px_start_next(struct sip_px_call *call)
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
			err = sip_px_branch_start(call, (int)call->next_target++);
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
sip_px_collect_challenges(struct sip_px_call *call, const struct sip_msg *msg)
{
	enum sip_hdr_id id = msg->status == 401 ? SIP_HDR_WWW_AUTHENTICATE :
		SIP_HDR_PROXY_AUTHENTICATE;
	const struct sip_hdr *h;
	int n;

	if (call->chal == NULL) {
		call->chal = malloc(SIP_PX_CHAL_MAX);
		if (call->chal == NULL)
			return;
		call->chal_len = 0;
	}
	for (h = sip_msg_hdr_first(msg, id); h != NULL; h = sip_msg_hdr_next(msg, h)) {
		n = snprintf(call->chal + call->chal_len, SIP_PX_CHAL_MAX - call->chal_len,
			"%s\n%.*s\n", sip_hdr_name(id), (int)h->value.len, h->value.p);
		if (n < 0 || (size_t)n >= SIP_PX_CHAL_MAX - call->chal_len)
			return;
		call->chal_len += (size_t)n;
	}
}

/* Sends the best response upstream (RFC 3261 section 16.7 items 6 and 9). */
static void
sip_px_send_best(struct sip_px_call *call)
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
		sip_px_call_reply(call, 503, NULL, ra);
		return;
	}
	if (call->best_buf == NULL || code != call->best.code) {
		sip_px_call_reply(call, code, NULL, NULL);
		return;
	}
	call->final_sent = true;
	if (code >= 300 && call->dlg != NULL)
		sip_dialog_end(call->dlg, SIP_DIALOG_END_REJECTED);
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

void
sip_px_maybe_final(struct sip_px_call *call)
{
	/* The server transaction is gone (shutdown): nobody to answer. */
	if (call->st == NULL)
		call->final_sent = true;
	if (call->final_sent || call->starting || call->n_pending > 0)
		return;
	if (sip_px_start_next(call) > 0)
		return;
	/* Cancelled branches that never answered still mean "terminated". */
	if (call->cancelled && (call->best.code == 0 ||
			(call->best.code == 408 && call->best_buf == NULL))) {
		sip_px_call_reply(call, 487, NULL, NULL);
		return;
	}
	sip_px_send_best(call);
}

void
sip_px_cancel_branch(struct sip_px_branch *br)
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
sip_px_cancel_others(struct sip_px_call *call, struct sip_px_branch *keep)
{
	unsigned int i;

	if (call->method != SIP_METHOD_INVITE)
		return;
	for (i = 0; i < call->n_branches; i++)
		if (&call->branches[i] != keep)
			sip_px_cancel_branch(&call->branches[i]);
}

static void
sip_px_branch_done(struct sip_px_branch *br)
{
	if (br->done)
		return;
	br->done = true;
	br->call->n_pending--;
	uring_timer_cancel(br->call->p->env.timers, &br->timer_c);
}

/* A branch ended with code, without a response to relay (408 or 503). */
static void
sip_px_branch_failed(struct sip_px_branch *br, int code)
{
	struct sip_px_call *call = br->call;

	if (br->done)
		return;
	sip_px_branch_done(br);
	if (call->failover && sip_route_failover_code(code))
		call->p->stats.branches_failed_over++;
	(void)sip_best_offer(&call->best, code, (int)(br - call->branches));
	if (call->best.branch == (int)(br - call->branches)) {
		free(call->best_buf);
		call->best_buf = NULL;
	}
	sip_px_maybe_final(call);
}

/*
 * Timer C: an INVITE branch with no final answer for this long (reset by
 * each provisional) is cancelled and counts as 408 (RFC 3261 section
 * 16.6 item 11, section 16.8).
 */
static void
sip_px_on_timer_c(struct uring_timer *t)
{
	struct sip_px_branch *br = (struct sip_px_branch *)((char *)t -
		offsetof(struct sip_px_branch, timer_c));
	struct sip_px_call *call = sip_px_call_ref(br->call);

	if (!br->done) {
		if (br->got_prov)
			sip_px_cancel_branch(br);
		sip_px_branch_failed(br, 408);
	}
	sip_px_call_unref(call);
}

/* Writes a response without our top Via into p->out_rsp. */
ssize_t
sip_px_strip_via(struct sip_proxy *p, const struct sip_msg *msg)
{
	struct sip_edits ed;
	struct sip_edit e;

	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_VIA_POP;
	(void)sip_edits_add(&ed, &e);
	return sip_msg_write(msg, &ed, p->out_rsp, sizeof(p->out_rsp));
}

void
sip_px_on_response(void *arg, struct sip_txn *ct, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_px_branch *br = sip_txn_owner(ct);
	struct sip_px_call *call;
	int code = msg->status;
	ssize_t len;

	if (br == NULL)
		return;			/* a CANCEL's own transaction */
	call = sip_px_call_ref(br->call);
	/*
	 * A branch's refusal is not the call's: another branch may still
	 * answer, so the early dialog ends with the final answer we send.
	 */
	if (call->dlg != NULL && call->method == SIP_METHOD_INVITE &&
			code < 300)
		sip_dialog_invite_response(call->dlg, msg);
	if (code < 200) {
		br->got_prov = true;
		if (code > 100 && !br->done)
			(void)uring_timer_start(p->env.timers, &br->timer_c,
				sip_px_timer_c_ms(p));
		if (br->cancel_wanted || call->cancelled) {
			br->cancel_wanted = false;
			sip_px_cancel_branch(br);
		}
		if (code > 100 && !call->final_sent && call->st != NULL &&
				(len = sip_px_relay_response(call, msg, src)) > 0) {
			(void)sip_txn_server_respond(call->st, code, p->out_rsp,
				(size_t)len);
			p->stats.responses_relayed++;
		}
		goto out;
	}
	if (code < 300) {
		/* Every 2xx goes upstream (section 16.7 item 5 and RFC 6026). */
		if (call->st != NULL &&
				(len = sip_px_relay_response(call, msg, src)) > 0) {
			(void)sip_txn_server_respond(call->st, code, p->out_rsp,
				(size_t)len);
			p->stats.responses_relayed++;
		}
		call->final_sent = true;
		sip_px_branch_done(br);
		sip_px_cancel_others(call, br);
		goto out;
	}
	sip_px_branch_done(br);
	if (call->failover && sip_route_failover_code(code) &&
			call->next_target < call->n_targets) {
		p->stats.branches_failed_over++;
		(void)sip_best_offer(&call->best, code, -1);
		sip_px_maybe_final(call);
		goto out;
	}
	if (sip_best_is_challenge(code))
		sip_px_collect_challenges(call, msg);
	if (sip_best_offer(&call->best, code, (int)(br - call->branches))) {
		len = sip_px_relay_response(call, msg, src);
		free(call->best_buf);
		call->best_buf = NULL;
		if (len > 0 && (call->best_buf = malloc((size_t)len)) != NULL) {
			memcpy(call->best_buf, p->out_rsp, (size_t)len);
			call->best_len = (size_t)len;
		}
	}
	if (code >= 600)
		sip_px_cancel_others(call, br);
	sip_px_maybe_final(call);
out:
	sip_px_call_unref(call);
}

void
sip_px_on_timeout(void *arg, struct sip_txn *txn)
{
	struct sip_px_branch *br;

	(void)arg;
	if (sip_txn_kind(txn) != SIP_TXN_CLIENT_INVITE &&
			sip_txn_kind(txn) != SIP_TXN_CLIENT_NON_INVITE)
		return;
	br = sip_txn_owner(txn);
	if (br == NULL)
		return;
	sip_px_call_ref(br->call);
	sip_px_branch_failed(br, 408);
	sip_px_call_unref(br->call);
}

void
sip_px_on_transport_error(void *arg, struct sip_txn *txn, int err)
{
	struct sip_px_branch *br;

	(void)arg;
	(void)err;
	if (sip_txn_kind(txn) != SIP_TXN_CLIENT_INVITE &&
			sip_txn_kind(txn) != SIP_TXN_CLIENT_NON_INVITE)
		return;
	br = sip_txn_owner(txn);
	if (br == NULL)
		return;
	sip_px_call_ref(br->call);
	sip_px_branch_failed(br, 503);
	sip_px_call_unref(br->call);
}

void
sip_px_on_terminated(void *arg, struct sip_txn *txn, enum sip_txn_end why)
{
	void *owner = sip_txn_owner(txn);
	struct sip_px_call *call;
	struct sip_px_branch *br;

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
		sip_px_call_unref(call);
		break;
	default:
		br = owner;
		call = br->call;
		br->terminated = true;
		br->ct = sip_txn_put(br->ct);
		if (!br->done) {
			sip_px_call_ref(call);
			sip_px_branch_failed(br, 503);
			sip_px_call_unref(call);
		}
		sip_px_call_unref(call);
		break;
	}
}

struct sip_px_call *
sip_px_call_new(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg)
{
	struct sip_px_call *call;

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
void
sip_px_on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	struct sip_px_call *call = arg;
	struct sip_proxy *p = call->p;
	unsigned int i, j, n = 0;
	char route[2048];

	if (err < 0) {
		sip_px_call_reply(call, 503, NULL, "Retry-After: 5\r\n");
		goto out;
	}
	for (i = 0; i < rec->n_bindings && n < SIP_PX_MAX_TARGETS; i++) {
		const struct sip_loc_binding *b = &rec->bindings[i];
		struct sip_px_target *t = &call->targets[n];
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
		struct sip_px_target tmp = call->targets[i];

		for (j = i; j > 0 && call->targets[j - 1].q < tmp.q; j--)
			call->targets[j] = call->targets[j - 1];
		call->targets[j] = tmp;
	}
	call->n_targets = n;
	if (n == 0) {
		const struct sip_auth_user *u = NULL;

		if (p->env.users != NULL && p->env.auth != NULL &&
				sip_px_call_decode(call) == 0)
			u = sip_auth_users_find(p->env.users, p->req.ruri.user,
				sip_auth_ctx_realm(p->env.auth));
		sip_px_call_reply(call, u != NULL ? 480 : 404, NULL, NULL);
		goto out;
	}
	sip_px_maybe_final(call);
out:
	sip_px_call_unref(call);
}
