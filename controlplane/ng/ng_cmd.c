/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng command handlers and their replies, in the shapes rtpengine gives
 * and its SIP-proxy modules read: ping -> "pong"; offer/answer -> "sdp";
 * delete and query -> "created", "last signal", "tags" (per tag: "medias",
 * each with "streams" holding "local port", "endpoint", "stats") and
 * "totals"; list -> "calls"; statistics -> "statistics".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng_req.h"

#define NG_REPLY_EXTRA 1024

typedef void ng_cmd_fn(struct ng_req *req);

/* Error text for an orchestrator failure, as rtpengine words the common ones. */
static const char *
ng_errno_reason(int err)
{
	switch (err) {
	case -ENOENT: return "Unknown call-id";
	case -ENOTCONN: return "Media relay not available";
	case -ENOSPC: return "Ran out of ports";
	case -ENOMEM: return "Out of memory";
	case -EBUSY: return "Call busy with another operation";
	case -ETIMEDOUT: return "Media relay did not answer";
	case -EINVAL: return "Invalid request";
	default: return "Failed to process the SDP";
	}
}

static void
ng_cmd_ping(struct ng_req *req)
{
	static const char pong[] = "d6:result4:ponge";

	ng_req_reply(req, pong, sizeof(pong) - 1);
}

struct ng_media_ctx {
	struct ng_req *req;
	const char *warning;
};

static void
ng_on_media_done(void *arg, const struct mc_result *res)
{
	struct ng_media_ctx *ctx = arg;
	struct ng_req *req = ctx->req;
	const char *warning = ctx->warning;
	struct ng_benc e;
	char *buf;
	size_t cap;
	int n;

	free(ctx);
	if (res->status < 0) {
		ng_req_error(req, res->reason != NULL ? res->reason :
			     ng_errno_reason(res->status));
		return;
	}
	ng_req_note_call(req);
	cap = res->sdp_len + NG_REPLY_EXTRA;
	buf = malloc(cap);
	if (buf == NULL) {
		ng_req_error(req, "Out of memory");
		return;
	}
	ng_benc_init(&e, buf, cap);
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "ok");
	ng_benc_kv_str(&e, "sdp", res->sdp, res->sdp_len);
	if (warning != NULL)
		ng_benc_kv_cstr(&e, "warning", warning);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	if (n < 0)
		ng_req_error(req, "Reply too large");
	else
		ng_req_reply(req, buf, (size_t)n);
	free(buf);
}

static void
ng_cmd_media(struct ng_req *req, enum mc_side side)
{
	struct ng_params_note note;
	struct ng_media_ctx *ctx;
	const char *reason = NULL;
	struct mc_req mr;
	int err;

	err = ng_params_parse(&req->doc, req->dict, side, &mr, &note, &reason);
	if (err < 0) {
		ng_req_error(req, reason);
		return;
	}
	ctx = malloc(sizeof(*ctx));
	if (ctx == NULL) {
		ng_req_error(req, "Out of memory");
		return;
	}
	ctx->req = req;
	ctx->warning = note.warning;
	err = mc_orch_allocate(req->orch, &mr, ng_on_media_done, ctx);
	if (err < 0) {
		free(ctx);
		ng_req_error(req, ng_errno_reason(err));
	}
}

static void
ng_cmd_offer(struct ng_req *req)
{
	ng_cmd_media(req, MC_SIDE_OFFER);
}

static void
ng_cmd_answer(struct ng_req *req)
{
	ng_cmd_media(req, MC_SIDE_ANSWER);
}

static void
ng_enc_endpoint(struct ng_benc *e, const char *key,
		const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;

	ng_benc_cstr(e, key);
	ng_benc_dict(e);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		(void)inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		ng_benc_kv_cstr(e, "family", "IPv4");
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		ng_benc_kv_cstr(e, "family", "IPv6");
	}
	ng_benc_kv_cstr(e, "address", host);
	ng_benc_kv_int(e, "port", port);
	ng_benc_end(e);
}

static void
ng_enc_stats(struct ng_benc *e, const char *key, uint64_t pkts, uint64_t bytes,
	     uint64_t errors)
{
	ng_benc_cstr(e, key);
	ng_benc_dict(e);
	ng_benc_kv_int(e, "packets", (int64_t)pkts);
	ng_benc_kv_int(e, "bytes", (int64_t)bytes);
	ng_benc_kv_int(e, "errors", (int64_t)errors);
	ng_benc_end(e);
}

/* One tag (leg) of a call in rtpengine's query shape. */
static void
ng_enc_tag(struct ng_benc *e, const struct mc_call_info *ci, unsigned int L)
{
	unsigned int i;

	ng_benc_cstr(e, ci->tag[L]);
	ng_benc_dict(e);
	ng_benc_kv_cstr(e, "tag", ci->tag[L]);
	ng_benc_kv_int(e, "created", (int64_t)ci->created_s);
	ng_benc_kv_cstr(e, "in dialogue with", ci->tag[1 - L]);
	ng_benc_cstr(e, "medias");
	ng_benc_list(e);
	for (i = 0; i < ci->n_streams; i++) {
		const struct mc_stream_info *si = &ci->streams[i];
		const struct mc_leg_info *li = &si->leg[L];

		ng_benc_dict(e);
		ng_benc_kv_int(e, "index", i + 1);
		ng_benc_kv_cstr(e, "type", si->type);
		ng_benc_kv_cstr(e, "protocol", si->leg_proto[L]);
		ng_benc_cstr(e, "streams");
		ng_benc_list(e);
		ng_benc_dict(e);
		ng_benc_kv_int(e, "local port", li->relay_rtp);
		ng_enc_endpoint(e, "endpoint", &li->peer);
		ng_enc_endpoint(e, "advertised endpoint", &li->peer);
		ng_benc_kv_int(e, "last packet", (int64_t)li->last_rx_s);
		ng_benc_cstr(e, "flags");
		ng_benc_list(e);
		ng_benc_cstr(e, "RTP");
		if (li->rtcp_mux)
			ng_benc_cstr(e, "RTCP");
		if (li->srtp)
			ng_benc_cstr(e, "SRTP");
		ng_benc_end(e);
		ng_enc_stats(e, "stats", li->rx_pkts, li->rx_bytes, li->errors);
		ng_benc_end(e);
		ng_benc_end(e);
		ng_benc_cstr(e, "flags");
		ng_benc_list(e);
		ng_benc_cstr(e, "initialized");
		if (li->rtcp_mux)
			ng_benc_cstr(e, "RTCP-mux");
		ng_benc_end(e);
		ng_benc_end(e);
	}
	ng_benc_end(e);
	ng_benc_end(e);
}

static void
ng_on_info(void *arg, const struct mc_call_info *ci)
{
	struct ng_req *req = arg;
	uint64_t pkts = 0, bytes = 0, errs = 0;
	struct ng_benc e;
	unsigned int i, L;
	char *buf;
	size_t cap = 2048 + (size_t)ci->n_streams * 1536;
	int n;

	if (ci->status < 0) {
		ng_req_error(req, ci->reason != NULL ? ci->reason :
			     ng_errno_reason(ci->status));
		return;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		ng_req_error(req, "Out of memory");
		return;
	}
	ng_benc_init(&e, buf, cap);
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "ok");
	ng_benc_kv_int(&e, "created", (int64_t)ci->created_s);
	ng_benc_kv_int(&e, "last signal", (int64_t)ci->last_signal_s);
	ng_benc_cstr(&e, "tags");
	ng_benc_dict(&e);
	for (L = 0; L < 2; L++)
		if (ci->tag[L][0] != '\0')
			ng_enc_tag(&e, ci, L);
	ng_benc_end(&e);
	for (i = 0; i < ci->n_streams; i++) {
		for (L = 0; L < 2; L++) {
			pkts += ci->streams[i].leg[L].rx_pkts;
			bytes += ci->streams[i].leg[L].rx_bytes;
			errs += ci->streams[i].leg[L].errors;
		}
	}
	ng_benc_cstr(&e, "totals");
	ng_benc_dict(&e);
	ng_enc_stats(&e, "RTP", pkts, bytes, errs);
	ng_enc_stats(&e, "RTCP", 0, 0, 0);
	ng_benc_end(&e);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	if (n < 0)
		ng_req_error(req, "Reply too large");
	else
		ng_req_reply(req, buf, (size_t)n);
	free(buf);
}

static void
ng_cmd_info(struct ng_req *req, bool release)
{
	const struct ng_ben_node *v;
	struct dg_pl cid = DG_PL_NULL;
	int err;

	v = ng_dict_get(&req->doc, req->dict, "call-id");
	if (v != NULL && v->type == NG_BEN_STR)
		cid = v->str;
	if (cid.len == 0) {
		ng_req_error(req, "No call-id in message");
		return;
	}
	if (release)
		ng_req_note_call(req);
	err = release ? mc_orch_release(req->orch, cid, ng_on_info, req) :
		mc_orch_query(req->orch, cid, ng_on_info, req);
	if (err < 0)
		ng_req_error(req, err == -ENOENT ?
			     "Call-ID not found or tags didn't match" :
			     ng_errno_reason(err));
}

static void
ng_cmd_delete(struct ng_req *req)
{
	ng_cmd_info(req, true);
}

static void
ng_cmd_query(struct ng_req *req)
{
	ng_cmd_info(req, false);
}

static void
ng_list_one(void *arg, const char *call_id)
{
	ng_benc_cstr(arg, call_id);
}

/* A decimal limit given as a string (a view: not NUL-terminated). */
static int64_t
ng_pl_limit(struct dg_pl p)
{
	int64_t v = 0;
	size_t i;

	if (p.len == 0 || p.len > 9)
		return -1;
	for (i = 0; i < p.len; i++) {
		if (p.p[i] < '0' || p.p[i] > '9')
			return -1;
		v = v * 10 + (p.p[i] - '0');
	}
	return v;
}

static void
ng_cmd_list(struct ng_req *req)
{
	const struct ng_ben_node *v;
	int64_t limit = 32;
	struct mc_orch_stats st;
	struct ng_benc e;
	char *buf;
	size_t cap;
	int n;

	v = ng_dict_get(&req->doc, req->dict, "limit");
	if (v != NULL && v->type == NG_BEN_INT)
		limit = v->ival;
	else if (v != NULL && v->type == NG_BEN_STR)
		limit = ng_pl_limit(v->str);
	if (limit < 0) {
		ng_req_error(req, "Invalid limit");
		return;
	}
	mc_orch_stats(req->orch, &st);
	if ((uint64_t)limit > st.calls)
		limit = (int64_t)st.calls;
	cap = 64 + (size_t)limit * (MC_ID_MAX + 8);
	buf = malloc(cap);
	if (buf == NULL) {
		ng_req_error(req, "Out of memory");
		return;
	}
	ng_benc_init(&e, buf, cap);
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "ok");
	ng_benc_cstr(&e, "calls");
	ng_benc_list(&e);
	(void)mc_orch_list(req->orch, (unsigned int)limit, ng_list_one, &e);
	ng_benc_end(&e);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	if (n < 0)
		ng_req_error(req, "Reply too large");
	else
		ng_req_reply(req, buf, (size_t)n);
	free(buf);
}

static void
ng_cmd_statistics(struct ng_req *req)
{
	struct mc_orch_stats st;
	struct ng_benc e;
	char buf[1024];
	int n;

	mc_orch_stats(req->orch, &st);
	ng_benc_init(&e, buf, sizeof(buf));
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "ok");
	ng_benc_cstr(&e, "statistics");
	ng_benc_dict(&e);
	ng_benc_cstr(&e, "currentstatistics");
	ng_benc_dict(&e);
	ng_benc_kv_int(&e, "sessionsown", (int64_t)st.calls);
	ng_benc_kv_int(&e, "sessionsforeign", 0);
	ng_benc_kv_int(&e, "sessionstotal", (int64_t)st.calls);
	ng_benc_kv_int(&e, "transcodedmedia", 0);
	ng_benc_kv_int(&e, "streams", (int64_t)st.streams);
	ng_benc_end(&e);
	ng_benc_cstr(&e, "totalstatistics");
	ng_benc_dict(&e);
	ng_benc_kv_int(&e, "uptime", (int64_t)st.uptime_s);
	ng_benc_kv_int(&e, "managedsessions", (int64_t)st.offers);
	ng_benc_kv_int(&e, "answers", (int64_t)st.answers);
	ng_benc_kv_int(&e, "deletes", (int64_t)st.deletes);
	ng_benc_kv_int(&e, "rejectedsessions", (int64_t)st.errors);
	ng_benc_kv_int(&e, "timeoutsessions", (int64_t)st.timeouts);
	ng_benc_kv_int(&e, "reprogrammedsessions", (int64_t)st.reprograms);
	ng_benc_kv_int(&e, "packetsrelayed", (int64_t)st.rx_pkts);
	ng_benc_kv_int(&e, "bytesrelayed", (int64_t)st.rx_bytes);
	ng_benc_kv_int(&e, "packetsdropped", (int64_t)st.dropped);
	ng_benc_end(&e);
	ng_benc_end(&e);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	if (n < 0)
		ng_req_error(req, "Reply too large");
	else
		ng_req_reply(req, buf, (size_t)n);
}

static ng_cmd_fn *const ng_cmd_table[NG_CMD__COUNT] = {
#define NG_CMD_FN_(id, name) [NG_CMD_##id] = ng_cmd_##name,
	NG_COMMANDS(NG_CMD_FN_)
#undef NG_CMD_FN_
};

void
ng_cmd_run(struct ng_req *req)
{
	ng_cmd_table[req->cmd](req);
}
