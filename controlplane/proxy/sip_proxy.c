/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy core's requests: message checks, Max-Forwards and loop
 * detection, digest authentication by policy, the registrar, the routing
 * decision (loose routing, configured routes, the location service),
 * CANCEL, ACK for 2xx and stray 2xx forwarded statelessly, and the
 * transaction layer's lifetime. Branches and responses are in
 * sip_proxy_branch.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "sip_proxy_priv.h"
#include "sip_proxy_util.h"

struct sip_px_reg {
	struct sip_proxy *p;
	struct sip_txn *st;
	char to_tag[24];
};

static void
sip_px_on_registered(void *arg, int code, const char *reason, const char *hdrs)
{
	struct sip_px_reg *r = arg;

	sip_px_respond_local(r->p, r->st, code, reason, r->to_tag, hdrs);
	r->st = sip_txn_put(r->st);
	free(r);
}

static void
sip_px_register(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src, struct dg_pl auth_user)
{
	struct sip_loc_source ls;
	struct sip_px_reg *r;

	p->stats.registers++;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		sip_px_reply(p, st, msg, 500, NULL, NULL);
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
			&ls, auth_user, sip_px_on_registered, r) < 0) {
		r->st = sip_txn_put(r->st);
		free(r);
		sip_px_reply(p, st, msg, 500, NULL, NULL);
	}
}

/*
 * Digest authentication by policy. Returns 0 to go on (auth_user set
 * when credentials were checked), or 1 when a response was sent.
 */
static int
sip_px_authenticate(struct sip_proxy *p, struct sip_txn *st,
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
			sip_px_reply(p, st, msg, 400, creds.reason, NULL);
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
			sip_px_reply(p, st, msg, 403, NULL, NULL);
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
			sip_px_reply(p, st, msg, 500, NULL, NULL);
			return 1;
		}
		p->stats.auth_challenges++;
		sip_px_reply(p, st, msg, reg ? 401 : 407, NULL, chal);
		return 1;
	case SIP_AUTH_FORBIDDEN:
		p->stats.auth_failures++;
		sip_px_reply(p, st, msg, 403, NULL, NULL);
		return 1;
	case SIP_AUTH_BAD_REQUEST:
		sip_px_reply(p, st, msg, 400, NULL, NULL);
		return 1;
	default:
		sip_px_reply(p, st, msg, 500, NULL, NULL);
		return 1;
	}
}

static void
sip_px_on_request(void *arg, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_msg *m = &p->req;
	struct sip_route_decision d;
	struct sip_check_conf check;
	struct sip_rr_plan plan;
	struct dg_pl auth_user;
	struct sip_perr perr;
	struct sip_px_call *call;
	char user[SIP_AUTH_USERS_NAME_MAX + 1], aor[SIP_LOC_AOR_MAX];
	bool ours_uri, self;
	uint32_t mf;
	int err;

	p->stats.requests++;
	/* Work on our own decode: on-demand headers need a mutable message. */
	if (sip_msg_decode(m, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE | SIP_HDR_F_AUTH,
				&perr) < 0) {
		sip_px_reply(p, st, msg, 400, perr.reason, NULL);
		return;
	}
	msg = m;
	ours_uri = p->env.domain_is_ours(p->env.arg, &msg->ruri);
	self = ours_uri && msg->ruri.user.len == 0 && msg->n_routes == 0;
	if (msg->method == SIP_METHOD_OPTIONS && (self ||
			((msg->have & SIP_HAVE_MAX_FORWARDS) &&
			 msg->max_forwards == 0))) {
		sip_px_reply(p, st, msg, 200, NULL, SIP_PROXY_OPTIONS_HDRS);
		return;
	}
	if (sip_rr_max_forwards(msg, &mf) == 483) {
		p->stats.too_many_hops++;
		sip_px_reply(p, st, msg, 483, NULL, NULL);
		return;
	}
	memset(&check, 0, sizeof(check));
	check.uas = self || msg->method == SIP_METHOD_REGISTER;
	check.ruri_is_local = ours_uri;
	if (sip_msg_check_request(msg, &check, &perr) < 0) {
		sip_px_reply(p, st, msg, perr.status, perr.reason,
			perr.hdrs_len > 0 ? perr.hdrs : NULL);
		return;
	}
	if (sip_rr_loop_detect(msg, p->env.is_ours, p->env.arg)) {
		p->stats.loops++;
		sip_px_reply(p, st, msg, 482, NULL, NULL);
		return;
	}
	err = sip_rr_plan(msg, p->env.is_ours, p->env.arg, &plan);
	if (err < 0) {
		sip_px_reply(p, st, msg, 400, "malformed Route", NULL);
		return;
	}
	if (sip_px_authenticate(p, st, msg, src, user, sizeof(user), &auth_user))
		return;
	if (msg->to.tag.len > 0) {
		struct sip_dialog *dlg = sip_dialog_find(p->dialogs,
			msg->call_id, msg->from.tag, msg->to.tag);

		if (dlg != NULL)
			sip_dialog_request(dlg, msg);
	}
	if (msg->method == SIP_METHOD_REGISTER && !plan.next_is_route &&
			ours_uri) {
		sip_px_register(p, st, msg, src, auth_user);
		return;
	}
	/* Stop the caller's INVITE retransmissions at once (section 16.2). */
	if (msg->method == SIP_METHOD_INVITE)
		sip_px_respond_local(p, st, 100, NULL, NULL, NULL);
	call = sip_px_call_new(p, st, msg);
	if (call == NULL) {
		sip_px_reply(p, st, msg, 500, NULL, NULL);
		return;
	}
	sip_px_call_ref(call);
	call->strip_pauth = dg_pl_isset(auth_user) &&
		msg->method != SIP_METHOD_REGISTER;
	if (sip_px_dialog_creating(msg) && msg->method == SIP_METHOD_INVITE)
		(void)sip_dialog_invite(p->dialogs, msg, &call->dlg);
	/* A request to the token in our Contact of a hidden dialog. */
	if (sip_px_th_route(call, m, &plan))
		goto out;
	/*
	 * Loose routing: a Route left to follow, or a request routed to us
	 * (our Route entry popped) for a Request-URI that is not ours goes
	 * straight on (RFC 3261 section 16.5). An in-dialog request that did
	 * not come through our Record-Route is not relayed on its own say-so:
	 * the routing rules decide, as for any request.
	 */
	if (plan.next_is_route || plan.strict_next ||
			(plan.popped > 0 &&
			 !p->env.domain_is_ours(p->env.arg, &plan.next_hop))) {
		struct sip_txn_dest nd;

		call->loose = true;
		/* A party behind NAT is reached where it sends from. */
		if (plan.popped > 0 && !plan.next_is_route && !plan.strict_next &&
				sip_proxy_nat_dest(plan.ours, plan.popped, &src->addr,
					&nd) == 0) {
			call->targets[0].dst = nd;
			call->n_targets = 1;
			call->failover = true;
			sip_px_maybe_final(call);
			goto out;
		}
		err = sip_px_branch_start(call, -1);
		if (err < 0)
			sip_px_call_reply(call, err == -EHOSTUNREACH ? 503 : 500,
				NULL, NULL);
		goto out;
	}
	{
		struct sip_uri ruri;

		if (sip_uri_decode(&ruri, plan.ruri.p, plan.ruri.len) < 0) {
			sip_px_call_reply(call, 400, "bad Request-URI", NULL);
			goto out;
		}
		ours_uri = p->env.domain_is_ours(p->env.arg, &ruri);
		sip_route_decide(&p->conf.routes, &ruri, ours_uri, &d);
		switch (d.kind) {
		case SIP_ROUTE_SELF:
			sip_px_call_reply(call, 404, NULL, NULL);
			break;
		case SIP_ROUTE_REJECT:
			sip_px_call_reply(call, d.code, NULL, NULL);
			break;
		case SIP_ROUTE_RULE: {
			unsigned int i;

			call->failover = true;
			for (i = 0; i < d.rule->n_targets && i < SIP_PX_MAX_TARGETS; i++) {
				call->targets[i].dst.transport = d.rule->targets[i].tp;
				call->targets[i].dst.addr = d.rule->targets[i].addr;
				call->targets[i].dst.addrlen = d.rule->targets[i].addrlen;
			}
			call->n_targets = i;
			if (d.rule->topology_hiding &&
					(err = sip_px_th_begin(call, m, src)) < 0) {
				sip_px_call_reply(call, err == -EBADMSG ? 400 : 500,
					err == -EBADMSG ? "missing Contact" : NULL,
					NULL);
				break;
			}
			sip_px_maybe_final(call);
			break;
		}
		case SIP_ROUTE_LOCAL:
			err = sip_loc_aor_canon(ruri.raw, aor, sizeof(aor));
			if (err < 0) {
				sip_px_call_reply(call, 404, NULL, NULL);
				break;
			}
			err = sip_loc_lookup(p->env.loc,
				(struct dg_pl){ aor, (size_t)err }, sip_px_on_lookup,
				sip_px_call_ref(call));
			if (err < 0) {
				sip_px_call_unref(call);
				sip_px_call_reply(call, 503, NULL, "Retry-After: 5\r\n");
			}
			break;
		}
	}
out:
	sip_px_call_unref(call);
}

static void
sip_px_on_cancel(void *arg, struct sip_txn *cancel_st, struct sip_txn *invite_st,
		const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_px_call *call = sip_txn_owner(invite_st);
	unsigned int i;

	(void)src;
	sip_px_reply(p, cancel_st, msg, 200, NULL, NULL);
	p->stats.cancels++;
	if (call == NULL || call->final_sent)
		return;
	sip_px_call_ref(call);
	call->cancelled = true;
	for (i = 0; i < call->n_branches; i++)
		sip_px_cancel_branch(&call->branches[i]);
	sip_px_maybe_final(call);
	sip_px_call_unref(call);
}

/* Stateless forwarding of an ACK for a 2xx (end to end, section 16.6). */
static void
sip_px_on_ack(void *arg, const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct sip_proxy *p = arg;
	struct sip_msg *m = &p->req;
	char hash[SIP_RR_LOOP_HASH_LEN + 1], branch[SIP_TXN_BRANCH_MAX];
	struct sockaddr_storage laddr;
	struct sip_txn_dest dst;
	struct sip_px_target tht, *t = NULL;
	struct sip_rr_plan plan;
	struct sip_perr perr;
	struct dg_pl parts[2];
	void *local = NULL;
	ssize_t len;
	int th;

	if (sip_msg_decode(m, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE, &perr) < 0 ||
			m->n_vias == 0)
		return;
	if (m->have & SIP_HAVE_MAX_FORWARDS && m->max_forwards == 0)
		return;
	if (sip_rr_plan(m, p->env.is_ours, p->env.arg, &plan) < 0)
		return;
	th = sip_px_th_ack_target(p, m, &plan, &tht);
	if (th < 0)
		return;
	if (th > 0) {
		t = &tht;
		dst = tht.dst;
	} else if (!plan.next_is_route && p->env.domain_is_ours(p->env.arg,
			&plan.next_hop)) {
		return;		/* for us: the ACK of one of our own answers */
	} else if ((plan.popped == 0 || plan.next_is_route || plan.strict_next ||
			sip_proxy_nat_dest(plan.ours, plan.popped, &src->addr,
				&dst) < 0) &&
			sip_proxy_uri_dest(&plan.next_hop, &dst) < 0) {
		p->stats.drop_unroutable++;
		return;
	}
	if (p->env.local(p->env.arg, &dst, &local, &laddr) < 0)
		goto out;
	dst.local = local;
	/* The same branch for retransmissions of this ACK. */
	parts[0] = m->vias[0].branch;
	parts[1] = m->call_id;
	if (sip_txn_branch_hash(branch, sizeof(branch), parts, 2) < 0)
		goto out;
	(void)hash;
	len = sip_px_build_request(p, m, src, t, &plan, local, &laddr,
		dst.transport, branch, false);
	if (len >= 0 && p->env.send(p->env.send_arg, &dst, p->out_req,
			(size_t)len) == 0)
		p->stats.acks_forwarded++;
out:
	if (t != NULL) {
		free(t->ruri);
		free(t->route);
	}
}

static void
sip_px_on_stray_response(void *arg, const struct sip_msg *msg,
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
	len = sip_px_strip_via(p, msg);
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
	tu.on_request = sip_px_on_request;
	tu.on_cancel = sip_px_on_cancel;
	tu.on_ack = sip_px_on_ack;
	tu.on_response = sip_px_on_response;
	tu.on_stray_response = sip_px_on_stray_response;
	tu.on_timeout = sip_px_on_timeout;
	tu.on_transport_error = sip_px_on_transport_error;
	tu.on_terminated = sip_px_on_terminated;
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
	err = sip_th_create(&p->th);
	if (err < 0)
		goto out_dialogs;
	*out = p;
	return 0;
out_dialogs:
	sip_dialogs_destroy(p->dialogs);
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
	sip_th_destroy(p->th);
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
