/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mc_remote: each orchestrator operation is one ng request built with the
 * bencode encoder and completed from the ng client's reply. An error reply
 * carries the media node's reason; no reply after the last retransmission
 * is -ETIMEDOUT (503 for the SIP layer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_remote.h"
#include "mc_remote_int.h"
#include "ng_bencode.h"
#include "ng_client.h"
#include "ng_cmd.h"

struct mc_remote {
	struct mc_orch base;		/* first */
	struct ng_client *client;
	struct mc_orch_stats st;
};

struct mc_rop {
	struct mc_remote *r;
	bool info;			/* release/query: info_done */
	mc_done_fn *done;
	mc_info_fn *info_done;
	void *arg;
	uint64_t alloc_id;
	char call_id[MC_ID_MAX];
};

uint64_t
mc_remote_alloc_id(struct dg_pl call_id)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < call_id.len; i++)
		h = (h ^ (uint8_t)call_id.p[i]) * 1099511628211ull;
	return h != 0 ? h : 1;
}

static void
mc_benc_pl(struct ng_benc *e, const char *key, struct dg_pl v)
{
	if (v.len > 0)
		ng_benc_kv_str(e, key, v.p, v.len);
}

static void
mc_benc_addr(struct ng_benc *e, const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET)
		(void)inet_ntop(AF_INET,
				&((const struct sockaddr_in *)ss)->sin_addr,
				host, sizeof(host));
	else
		(void)inet_ntop(AF_INET6,
				&((const struct sockaddr_in6 *)ss)->sin6_addr,
				host, sizeof(host));
	ng_benc_cstr(e, host);
}

/* The request as rtpengine's SIP-proxy modules would word it. */
int
mc_remote_encode(const struct mc_req *req, const char *owner, char **out,
		 size_t *len)
{
	const struct mc_flags *f = &req->flags;
	size_t cap = req->sdp.len + 2048;
	struct ng_benc e;
	char *buf = malloc(cap);
	int n;

	if (buf == NULL)
		return -ENOMEM;
	ng_benc_init(&e, buf, cap);
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "command", req->side == MC_SIDE_OFFER ? "offer" :
			"answer");
	mc_benc_pl(&e, "call-id", req->call_id);
	mc_benc_pl(&e, "from-tag", req->from_tag);
	mc_benc_pl(&e, "to-tag", req->to_tag);
	mc_benc_pl(&e, "via-branch", req->via_branch);
	mc_benc_pl(&e, "label", req->label);
	if (owner != NULL)
		ng_benc_kv_cstr(&e, MC_REMOTE_OWNER_KEY, owner);
	ng_benc_cstr(&e, "flags");
	ng_benc_list(&e);
	ng_benc_cstr(&e, f->sip_source ? "SIP-source-address" : "trust-address");
	if (f->strict_source)
		ng_benc_cstr(&e, "strict-source");
	ng_benc_end(&e);
	if (f->replace_origin || f->replace_session_conn) {
		ng_benc_cstr(&e, "replace");
		ng_benc_list(&e);
		if (f->replace_origin)
			ng_benc_cstr(&e, "origin");
		if (f->replace_session_conn)
			ng_benc_cstr(&e, "session-connection");
		ng_benc_end(&e);
	}
	if (f->xport == SDP_XPORT_RTP)
		ng_benc_kv_cstr(&e, "transport-protocol", "RTP/AVP");
	else if (f->xport == SDP_XPORT_SDES)
		ng_benc_kv_cstr(&e, "transport-protocol", "RTP/SAVP");
	if (f->ice_remove)
		ng_benc_kv_cstr(&e, "ICE", "remove");
	if (f->mux != SDP_MUX_KEEP) {
		ng_benc_cstr(&e, "rtcp-mux");
		ng_benc_list(&e);
		ng_benc_cstr(&e, f->mux == SDP_MUX_DEMUX ? "demux" :
			     req->side == MC_SIDE_OFFER ? "offer" : "accept");
		ng_benc_end(&e);
	}
	if (f->have_received_from) {
		ng_benc_cstr(&e, "received-from");
		ng_benc_list(&e);
		ng_benc_cstr(&e, f->received_from.ss_family == AF_INET6 ?
			     "IP6" : "IP4");
		mc_benc_addr(&e, &f->received_from);
		ng_benc_end(&e);
	}
	if (f->have_media_address) {
		ng_benc_cstr(&e, "media-address");
		mc_benc_addr(&e, &f->media_address);
	}
	ng_benc_kv_str(&e, "sdp", req->sdp.p, req->sdp.len);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	if (n < 0) {
		free(buf);
		return n;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* Text of an ng error reply, or a fallback. */
static const char *
mc_remote_reason(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
		 char *buf, size_t cap)
{
	const struct ng_ben_node *v = ng_dict_get(doc, dict, "error-reason");

	if (v == NULL || v->type != NG_BEN_STR)
		return "media node refused the request";
	snprintf(buf, cap, "%.*s", (int)(v->str.len < cap ? v->str.len : cap - 1),
		 v->str.p);
	return buf;
}

void
mc_remote_result(int status, const struct ng_ben_doc *doc,
		 const struct ng_ben_node *dict, struct mc_result *r,
		 char *reason, size_t cap)
{
	const struct ng_ben_node *res, *sdp;

	if (status < 0) {
		r->status = status;
		r->reason = status == -ETIMEDOUT ? "media node did not answer" :
			"media node sent an unreadable reply";
		return;
	}
	res = ng_dict_get(doc, dict, "result");
	sdp = ng_dict_get(doc, dict, "sdp");
	if (ng_ben_str_eq(res, "ok") && sdp != NULL && sdp->type == NG_BEN_STR) {
		r->sdp = sdp->str.p;
		r->sdp_len = sdp->str.len;
	} else {
		r->status = -EPROTO;
		r->reason = mc_remote_reason(doc, dict, reason, cap);
	}
}

static void
mc_remote_on_media(void *arg, int status, const struct ng_ben_doc *doc,
		   const struct ng_ben_node *dict)
{
	struct mc_rop *op = arg;
	struct mc_result r;
	char reason[256];

	memset(&r, 0, sizeof(r));
	r.alloc_id = op->alloc_id;
	mc_remote_result(status, doc, dict, &r, reason, sizeof(reason));
	if (r.status < 0)
		op->r->st.errors++;
	op->done(op->arg, &r);
	free(op);
}

static int
mc_remote_media(struct mc_orch *o, const struct mc_req *req,
		mc_done_fn *done, void *arg)
{
	struct mc_remote *rm = (struct mc_remote *)o;
	struct mc_rop *op;
	char *buf;
	size_t len;
	int err;

	if (req->call_id.len == 0 || req->call_id.len >= MC_ID_MAX ||
	    (req->side == MC_SIDE_ANSWER && req->to_tag.len == 0))
		return -EINVAL;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -ENOMEM;
	err = mc_remote_encode(req, NULL, &buf, &len);
	if (err < 0) {
		free(op);
		return err;
	}
	op->r = rm;
	op->done = done;
	op->arg = arg;
	op->alloc_id = mc_remote_alloc_id(req->call_id);
	err = ng_client_send(rm->client, buf, len, mc_remote_on_media, op);
	free(buf);
	if (err < 0) {
		free(op);
		return err;
	}
	if (req->side == MC_SIDE_OFFER)
		rm->st.offers++;
	else
		rm->st.answers++;
	return 0;
}

static int
mc_remote_allocate(struct mc_orch *o, const struct mc_req *req,
		   mc_done_fn *done, void *arg)
{
	return mc_remote_media(o, req, done, arg);
}

static int
mc_remote_update(struct mc_orch *o, uint64_t alloc_id, const struct mc_req *req,
		 mc_done_fn *done, void *arg)
{
	if (alloc_id != mc_remote_alloc_id(req->call_id))
		return -ENOENT;
	return mc_remote_media(o, req, done, arg);
}

static uint64_t
mc_int(const struct ng_ben_doc *doc, const struct ng_ben_node *d,
       const char *key)
{
	const struct ng_ben_node *v = ng_dict_get(doc, d, key);

	return v != NULL && v->type == NG_BEN_INT && v->ival > 0 ?
		(uint64_t)v->ival : 0;
}

void
mc_remote_info_fill(int status, const struct ng_ben_doc *doc,
		    const struct ng_ben_node *dict, struct mc_call_info *ci,
		    char *reason, size_t cap)
{
	const struct ng_ben_node *tags, *k;
	unsigned int t = 0;

	if (status < 0) {
		ci->status = status;
		ci->reason = status == -ETIMEDOUT ? "media node did not answer" :
			"media node sent an unreadable reply";
	} else if (!ng_ben_str_eq(ng_dict_get(doc, dict, "result"), "ok")) {
		ci->status = -ENOENT;
		ci->reason = mc_remote_reason(doc, dict, reason, cap);
	} else {
		ci->created_s = mc_int(doc, dict, "created");
		ci->last_signal_s = mc_int(doc, dict, "last signal");
		tags = ng_dict_get(doc, dict, "tags");
		for (k = ng_ben_first(doc, tags); k != NULL && t < 2;
		     k = ng_ben_next(doc, ng_ben_next(doc, k)), t++)
			snprintf(ci->tag[t], sizeof(ci->tag[t]), "%.*s",
				 (int)(k->str.len < MC_ID_MAX ? k->str.len :
				       MC_ID_MAX - 1), k->str.p);
	}
}

static void
mc_remote_on_info(void *arg, int status, const struct ng_ben_doc *doc,
		  const struct ng_ben_node *dict)
{
	struct mc_rop *op = arg;
	struct mc_call_info *ci = calloc(1, sizeof(*ci));
	static struct mc_call_info nomem;
	char reason[256];

	/* The completion is owed even without memory for the details. */
	if (ci == NULL) {
		memset(&nomem, 0, offsetof(struct mc_call_info, streams));
		nomem.status = -ENOMEM;
		nomem.reason = "out of memory";
		nomem.alloc_id = op->alloc_id;
		memcpy(nomem.call_id, op->call_id, sizeof(nomem.call_id));
		op->r->st.errors++;
		op->info_done(op->arg, &nomem);
		free(op);
		return;
	}
	ci->alloc_id = op->alloc_id;
	memcpy(ci->call_id, op->call_id, sizeof(ci->call_id));
	mc_remote_info_fill(status, doc, dict, ci, reason, sizeof(reason));
	if (ci->status < 0)
		op->r->st.errors++;
	op->info_done(op->arg, ci);
	free(ci);
	free(op);
}

int
mc_remote_encode_info(const char *cmd, struct dg_pl call_id, const char *owner,
		      char *buf, size_t cap)
{
	struct ng_benc e;

	ng_benc_init(&e, buf, cap);
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "command", cmd);
	ng_benc_kv_str(&e, "call-id", call_id.p, call_id.len);
	if (owner != NULL)
		ng_benc_kv_cstr(&e, MC_REMOTE_OWNER_KEY, owner);
	ng_benc_end(&e);
	return ng_benc_finish(&e);
}

static int
mc_remote_info(struct mc_orch *o, struct dg_pl call_id, const char *cmd,
	       mc_info_fn *done, void *arg)
{
	struct mc_remote *rm = (struct mc_remote *)o;
	char buf[MC_REMOTE_INFO_MAX];
	struct mc_rop *op;
	int n, err;

	if (call_id.len == 0 || call_id.len >= MC_ID_MAX)
		return -EINVAL;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -ENOMEM;
	op->r = rm;
	op->info = true;
	op->info_done = done;
	op->arg = arg;
	op->alloc_id = mc_remote_alloc_id(call_id);
	memcpy(op->call_id, call_id.p, call_id.len);
	n = mc_remote_encode_info(cmd, call_id, NULL, buf, sizeof(buf));
	err = n < 0 ? n : ng_client_send(rm->client, buf, (size_t)n,
					 mc_remote_on_info, op);
	if (err < 0) {
		free(op);
		return err;
	}
	return 0;
}

static int
mc_remote_release(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
		  void *arg)
{
	((struct mc_remote *)o)->st.deletes++;
	return mc_remote_info(o, call_id, "delete", done, arg);
}

static int
mc_remote_query(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
		void *arg)
{
	return mc_remote_info(o, call_id, "query", done, arg);
}

static unsigned int
mc_remote_list(struct mc_orch *o, unsigned int max,
	       void (*fn)(void *arg, const char *call_id), void *arg)
{
	(void)o;
	(void)max;
	(void)fn;
	(void)arg;
	return 0;
}

static void
mc_remote_stats(struct mc_orch *o, struct mc_orch_stats *st)
{
	*st = ((struct mc_remote *)o)->st;
}

static void
mc_remote_destroy(struct mc_orch *o)
{
	struct mc_remote *rm = (struct mc_remote *)o;

	ng_client_destroy(rm->client);
	free(rm);
}

static const struct mc_orch_ops mc_remote_ops = {
	.allocate = mc_remote_allocate,
	.update = mc_remote_update,
	.release = mc_remote_release,
	.query = mc_remote_query,
	.list = mc_remote_list,
	.stats = mc_remote_stats,
	.destroy = mc_remote_destroy,
};

int
mc_remote_create(struct mc_orch **out, struct uring_loop *loop,
		 const struct sockaddr *node, socklen_t len,
		 const struct mc_remote_opts *opts)
{
	struct ng_client_opts co;
	struct mc_remote *rm;
	int err;

	rm = calloc(1, sizeof(*rm));
	if (rm == NULL)
		return -ENOMEM;
	memset(&co, 0, sizeof(co));
	co.first_rto_ms = opts->first_rto_ms;
	co.tries = opts->tries;
	co.bgid = opts->bgid;
	err = ng_client_create(&rm->client, loop, node, len, &co);
	if (err < 0) {
		free(rm);
		return err;
	}
	rm->base.ops = &mc_remote_ops;
	*out = &rm->base;
	return 0;
}
