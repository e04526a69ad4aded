/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng server: cookie, reply cache, request decoding and the UDP socket.
 * The cache is a fixed array of entries reused oldest first (so its memory
 * is bounded by the number of entries) with hash chains by cookie; an
 * entry older than the TTL no longer answers. A request's entry exists from
 * the moment it arrives (pending), so a retransmission during a slow
 * orchestrator operation is absorbed instead of executed twice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "mc_remote_int.h"
#include "ng_req.h"
#include "ng_server.h"
#include "sip_transport_udp.h"
#include "uring_bufring.h"

#define NG_NONE UINT32_MAX

struct ng_cache_ent {
	uint64_t gen;			/* 0: empty */
	uint64_t stamp_ms;
	uint32_t hnext;
	uint32_t bucket;
	bool pending;
	uint8_t cookie_len;
	char cookie[NG_COOKIE_MAX];
	char *reply;
	size_t reply_len;
};

struct ng_server {
	struct mc_orch *orch;
	struct ng_server_opts opts;
	ng_send_fn *send;
	void *send_arg;
	struct ng_cache_ent *ents;
	uint32_t *buckets;
	uint32_t mask;			/* entries - 1; buckets: 2 * entries */
	uint32_t head;			/* next entry to reuse */
	uint64_t gen;
	struct ng_req *reqs;		/* in flight */
	bool listening;
	struct sip_udp_sock udp;
	struct uring_bufring bufs;
	struct ng_server_stats st;
	ng_call_fn *call_fn;
	void *call_arg;
};

static uint32_t
ng_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct ng_cache_ent *
ng_cache_find(struct ng_server *s, const char *cookie, size_t len,
	      uint64_t now)
{
	uint32_t i = s->buckets[ng_hash(cookie, len) & (2 * s->mask + 1)];

	for (; i != NG_NONE; i = s->ents[i].hnext) {
		struct ng_cache_ent *e = &s->ents[i];

		if (e->cookie_len != len || memcmp(e->cookie, cookie, len) != 0)
			continue;
		if (!e->pending && now - e->stamp_ms > s->opts.cache_ttl_ms)
			return NULL;
		return e;
	}
	return NULL;
}

static void
ng_cache_unlink(struct ng_server *s, uint32_t slot)
{
	struct ng_cache_ent *e = &s->ents[slot];
	uint32_t *pp = &s->buckets[e->bucket];

	while (*pp != NG_NONE && *pp != slot)
		pp = &s->ents[*pp].hnext;
	if (*pp == slot)
		*pp = e->hnext;
	free(e->reply);
	e->reply = NULL;
	e->gen = 0;
}

static uint32_t
ng_cache_insert(struct ng_server *s, const char *cookie, size_t len,
		uint64_t now)
{
	uint32_t slot = s->head;
	struct ng_cache_ent *e = &s->ents[slot];

	s->head = (s->head + 1) & s->mask;
	if (e->gen != 0)
		ng_cache_unlink(s, slot);
	e->gen = ++s->gen;
	e->stamp_ms = now;
	e->pending = true;
	e->cookie_len = (uint8_t)len;
	memcpy(e->cookie, cookie, len);
	e->bucket = ng_hash(cookie, len) & (2 * s->mask + 1);
	e->hnext = s->buckets[e->bucket];
	s->buckets[e->bucket] = slot;
	return slot;
}

static void
ng_send(struct ng_server *s, const struct sockaddr_storage *dst,
	socklen_t dstlen, const char *data, size_t len)
{
	if (s->send(s->send_arg, (const struct sockaddr *)dst, dstlen, data,
		    len) < 0)
		s->st.send_errors++;
	else
		s->st.tx++;
}

static void
ng_req_free(struct ng_req *req)
{
	struct ng_server *s = req->srv;

	if (req->prev != NULL)
		req->prev->next = req->next;
	else
		s->reqs = req->next;
	if (req->next != NULL)
		req->next->prev = req->prev;
	free(req->buf);
	free(req);
}

void
ng_req_reply(struct ng_req *req, const char *dict, size_t len)
{
	struct ng_server *s = req->srv;
	struct ng_cache_ent *e = &s->ents[req->cache_slot];
	size_t n = req->cookie_len + 1 + len;
	char *out = malloc(n);

	if (out == NULL) {
		s->st.send_errors++;
		if (e->gen == req->cache_gen)
			ng_cache_unlink(s, req->cache_slot);
		ng_req_free(req);
		return;
	}
	memcpy(out, req->buf, req->cookie_len);
	out[req->cookie_len] = ' ';
	memcpy(out + req->cookie_len + 1, dict, len);
	ng_send(s, &req->src, req->srclen, out, n);
	if (e->gen == req->cache_gen) {
		e->pending = false;
		e->reply = out;
		e->reply_len = n;
	} else {
		free(out);
	}
	ng_req_free(req);
}

void
ng_req_error(struct ng_req *req, const char *reason)
{
	char buf[512];
	struct ng_benc e;
	int n;

	req->srv->st.errors++;
	ng_benc_init(&e, buf, sizeof(buf));
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "error");
	ng_benc_kv_str(&e, "error-reason", reason,
		       strnlen(reason, sizeof(buf) - 64));
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	ng_req_reply(req, buf, n < 0 ? 0 : (size_t)n);
}

static bool
ng_cookie_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > NG_COOKIE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return false;
	return true;
}

void
ng_server_input(struct ng_server *s, const char *buf, size_t len,
		bool oversize, const struct sockaddr *src, socklen_t srclen,
		uint64_t now_ms)
{
	const struct ng_ben_node *cmd;
	struct ng_cache_ent *e;
	struct ng_req *req;
	const char *sp;
	size_t clen;
	char why[160];
	int n;

	s->st.rx++;
	sp = memchr(buf, ' ', len < NG_COOKIE_MAX + 1 ? len : NG_COOKIE_MAX + 1);
	if (sp == NULL || !ng_cookie_ok(buf, (size_t)(sp - buf)) ||
	    srclen > sizeof(struct sockaddr_storage)) {
		s->st.dropped_cookie++;
		return;
	}
	clen = (size_t)(sp - buf);
	e = ng_cache_find(s, buf, clen, now_ms);
	if (e != NULL) {
		if (e->pending) {
			s->st.in_progress++;
		} else {
			s->st.retransmits++;
			ng_send(s, (const struct sockaddr_storage *)(const void *)src,
				srclen, e->reply, e->reply_len);
		}
		return;
	}
	req = malloc(sizeof(*req));
	if (req == NULL) {
		s->st.dropped_nomem++;
		return;
	}
	memset(req, 0, offsetof(struct ng_req, nodes));
	req->buf = malloc(len);
	if (req->buf == NULL) {
		free(req);
		s->st.dropped_nomem++;
		return;
	}
	memcpy(req->buf, buf, len);
	req->len = len;
	req->srv = s;
	req->orch = s->orch;
	req->cookie_len = clen;
	memcpy(&req->src, src, srclen);
	req->srclen = srclen;
	req->next = s->reqs;
	if (s->reqs != NULL)
		s->reqs->prev = req;
	s->reqs = req;
	req->cache_slot = ng_cache_insert(s, buf, clen, now_ms);
	req->cache_gen = s->ents[req->cache_slot].gen;
	if (oversize) {
		ng_req_error(req, "Message too large");
		return;
	}
	ng_ben_doc_init(&req->doc, req->nodes, NG_REQ_MAX_NODES);
	n = ng_ben_decode(&req->doc, req->buf + clen + 1, len - clen - 1);
	if (n < 0) {
		(void)snprintf(why, sizeof(why),
			       "Failed to decode bencode: %s at offset %zu",
			       req->doc.reason, req->doc.err_off);
		ng_req_error(req, why);
		return;
	}
	if ((size_t)n != len - clen - 1) {
		(void)snprintf(why, sizeof(why),
			       "Failed to decode bencode: trailing data at offset %d",
			       n);
		ng_req_error(req, why);
		return;
	}
	req->dict = ng_ben_at(&req->doc, 0);
	if (req->dict->type != NG_BEN_DICT) {
		ng_req_error(req, "Could not decode dictionary");
		return;
	}
	cmd = ng_dict_get(&req->doc, req->dict, "command");
	if (cmd == NULL || cmd->type != NG_BEN_STR) {
		ng_req_error(req, "No command in message");
		return;
	}
	req->cmd = ng_cmd_lookup(cmd->str);
	if (req->cmd == NG_CMD__COUNT) {
		ng_req_error(req, "Unrecognized command");
		return;
	}
	s->st.cmds[req->cmd]++;
	ng_cmd_run(req);
}

static int
ng_udp_send(void *arg, const struct sockaddr *dst, socklen_t dstlen,
	    const void *data, size_t len)
{
	return sip_udp_send(arg, dst, dstlen, data, len);
}

int
ng_server_create(struct ng_server **out, struct mc_orch *orch,
		 const struct ng_server_opts *opts, ng_send_fn *send,
		 void *send_arg)
{
	struct ng_server *s;
	uint32_t i, n;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->opts = *opts;
	if (s->opts.cache_entries == 0)
		s->opts.cache_entries = 4096;
	if (s->opts.cache_ttl_ms == 0)
		s->opts.cache_ttl_ms = 30000;
	if (s->opts.max_msg == 0)
		s->opts.max_msg = 65000;
	if (s->opts.udp_buffers == 0)
		s->opts.udp_buffers = 64;
	n = s->opts.cache_entries;
	if ((n & (n - 1)) != 0 || n > (1u << 24)) {
		free(s);
		return -EINVAL;
	}
	s->ents = calloc(n, sizeof(*s->ents));
	s->buckets = malloc(sizeof(*s->buckets) * 2 * n);
	if (s->ents == NULL || s->buckets == NULL) {
		free(s->ents);
		free(s->buckets);
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < 2 * n; i++)
		s->buckets[i] = NG_NONE;
	s->mask = n - 1;
	s->orch = orch;
	s->send = send != NULL ? send : ng_udp_send;
	s->send_arg = send != NULL ? send_arg : &s->udp;
	s->udp.fd = -1;
	*out = s;
	return 0;
}

static void
ng_on_rx(void *arg, const struct sip_rx *rx)
{
	ng_server_input(arg, rx->buf, rx->len, rx->oversize,
			(const struct sockaddr *)rx->src, rx->srclen,
			uring_loop_clock_ms());
}

int
ng_server_listen(struct ng_server *s, struct uring_loop *loop,
		 const struct sockaddr *addr, socklen_t addrlen, char *err,
		 size_t errlen)
{
	int ret;

	ret = uring_bufring_init(&s->bufs, &loop->ring, NG_SERVER_BGID,
				 s->opts.udp_buffers,
				 (uint32_t)sip_udp_buf_size(s->opts.max_msg));
	if (ret < 0) {
		snprintf(err, errlen, "ng: cannot register receive buffers: %s",
			 strerror(-ret));
		return ret;
	}
	ret = sip_udp_open(&s->udp, loop, &s->bufs, addr, addrlen,
			   s->opts.max_msg, 4 * 1024 * 1024, ng_on_rx, s);
	if (ret < 0) {
		snprintf(err, errlen, "ng: cannot listen: %s", strerror(-ret));
		uring_bufring_fini(&s->bufs);
		return ret;
	}
	s->listening = true;
	return 0;
}

const struct sockaddr_storage *
ng_server_local(const struct ng_server *s)
{
	return &s->udp.local;
}

void
ng_server_stats_get(const struct ng_server *s, struct ng_server_stats *st)
{
	*st = s->st;
}

void
ng_server_stats_log(const struct ng_server *s)
{
	DG_LOG(DG_LOG_INFO, "ng.stats",
	       "rx=%" PRIu64 " tx=%" PRIu64 " dropped_cookie=%" PRIu64
	       " dropped_nomem=%" PRIu64
	       " errors=%" PRIu64 " retransmits=%" PRIu64 " in_progress=%" PRIu64
	       " send_errors=%" PRIu64 " offers=%" PRIu64 " answers=%" PRIu64
	       " deletes=%" PRIu64,
	       s->st.rx, s->st.tx, s->st.dropped_cookie, s->st.dropped_nomem,
	       s->st.errors,
	       s->st.retransmits, s->st.in_progress, s->st.send_errors,
	       s->st.cmds[NG_CMD_OFFER], s->st.cmds[NG_CMD_ANSWER],
	       s->st.cmds[NG_CMD_DELETE]);
}

bool
ng_server_busy(const struct ng_server *s)
{
	return s->listening && s->udp.tx_inflight > 0;
}

void
ng_server_destroy(struct ng_server *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	while (s->reqs != NULL)
		ng_req_free(s->reqs);
	for (i = 0; i <= s->mask; i++)
		free(s->ents[i].reply);
	if (s->listening) {
		sip_udp_close(&s->udp);
		uring_bufring_fini(&s->bufs);
	}
	free(s->ents);
	free(s->buckets);
	free(s);
}

void
ng_server_set_call_fn(struct ng_server *s, ng_call_fn *fn, void *arg)
{
	s->call_fn = fn;
	s->call_arg = arg;
}

void
ng_req_note_call(struct ng_req *req)
{
	struct ng_server *s = req->srv;
	const struct ng_ben_node *v;
	struct dg_pl cid = DG_PL_NULL, owner = DG_PL_NULL;

	if (s->call_fn == NULL)
		return;
	v = ng_dict_get(&req->doc, req->dict, "call-id");
	if (v != NULL && v->type == NG_BEN_STR)
		cid = v->str;
	v = ng_dict_get(&req->doc, req->dict, MC_REMOTE_OWNER_KEY);
	if (v != NULL && v->type == NG_BEN_STR)
		owner = v->str;
	if (cid.len > 0)
		s->call_fn(s->call_arg, req->cmd, cid, owner);
}
