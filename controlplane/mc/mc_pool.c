/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mc_pool: a table of nodes (slots never move, so a call keeps its node's
 * index) and a chained hash of calls by Call-ID (the hash is the call's
 * allocation id, as mc_remote gives it). Requests go out through one ng
 * client per address family with ng_client_send_to. A request completion
 * finds its call again by Call-ID, so a call forgotten meanwhile (node
 * lost, released) is never touched through a stale pointer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "mc_pool.h"
#include "mc_remote.h"
#include "mc_remote_int.h"
#include "ng_client.h"
#include "ng_cmd.h"
#include "uring_timer.h"

#define MC_POOL_BUCKETS 65536u

struct mc_pool_call {
	struct mc_pool_call *next;
	uint64_t hash;
	unsigned int node;
	bool established;		/* an offer or answer succeeded */
	char call_id[];
};

struct mc_pool_slot {
	struct mc_pool_node n;
	bool used;
	bool configured;
	bool listed;			/* in the last sync */
	bool up;
	bool probing;
	uint64_t added;			/* calls placed since the last report */
	uint64_t calls;
	uint64_t losses;
	uint64_t ended;
};

struct mc_pool {
	struct mc_orch base;		/* first */
	struct uring_loop *loop;
	struct mc_pool_opts opts;
	char owner[MC_POOL_OWNER_MAX];
	struct ng_client *client[2];	/* IPv4, IPv6 */
	struct mc_pool_slot slots[MC_POOL_MAX_NODES];
	struct mc_pool_call **buckets;
	uint64_t n_calls;
	unsigned int rotate;
	struct uring_timer probe;
	struct mc_orch_stats st;
	struct mc_pool_stats pst;
};

struct mc_pool_op {
	struct mc_pool *p;
	unsigned int node;
	bool new_call;
	mc_done_fn *done;
	mc_info_fn *info_done;
	void *arg;
	uint64_t alloc_id;
	char call_id[MC_ID_MAX];
};

int
mc_pool_choose(const struct mc_pool_cand *c, unsigned int n, unsigned int start)
{
	unsigned int i, k;
	int best = -1;
	uint32_t w, bw = 1;

	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (!c[i].up || (c[i].capacity != 0 && c[i].load >= c[i].capacity))
			continue;
		w = c[i].weight != 0 ? c[i].weight : 1;
		/* load/w < best load/bw, without division. */
		if (best < 0 || (unsigned __int128)c[i].load * bw <
		    (unsigned __int128)c[best].load * w) {
			best = (int)i;
			bw = w;
		}
	}
	return best >= 0 ? best : -ENOSPC;
}

static struct mc_pool_call **
pool_find(struct mc_pool *p, struct dg_pl call_id, uint64_t hash)
{
	struct mc_pool_call **pp = &p->buckets[hash & (MC_POOL_BUCKETS - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == hash && strlen((*pp)->call_id) == call_id.len &&
		    memcmp((*pp)->call_id, call_id.p, call_id.len) == 0)
			return pp;
	return NULL;
}

static void
pool_unlink(struct mc_pool *p, struct mc_pool_call **pp)
{
	struct mc_pool_call *c = *pp;

	*pp = c->next;
	p->slots[c->node].calls--;
	p->n_calls--;
	free(c);
}

static struct ng_client *
pool_client(struct mc_pool *p, const struct mc_pool_slot *s)
{
	return p->client[s->n.ng.ss_family == AF_INET6 ? 1 : 0];
}

/* The node is gone: forget its calls and report the established ones. */
static void
pool_lose(struct mc_pool *p, unsigned int idx, const char *why)
{
	struct mc_pool_slot *s = &p->slots[idx];
	struct mc_pool_call *victims = NULL, *c, **pp;
	char reason[MC_POOL_ID_MAX + 64];
	struct mc_event ev;
	uint64_t ended = 0;
	unsigned int b;

	if (!s->up && s->calls == 0)
		return;
	s->up = false;
	s->losses++;
	p->pst.node_losses++;
	for (b = 0; b < MC_POOL_BUCKETS && s->calls > 0; b++) {
		pp = &p->buckets[b];
		while (*pp != NULL) {
			c = *pp;
			if (c->node != idx) {
				pp = &c->next;
				continue;
			}
			*pp = c->next;
			s->calls--;
			p->n_calls--;
			c->next = victims;
			victims = c;
		}
	}
	snprintf(reason, sizeof(reason), "media node %s lost", s->n.id);
	/* Events after the table is settled: a hook may call back into it. */
	while (victims != NULL) {
		c = victims;
		victims = c->next;
		if (c->established) {
			memset(&ev, 0, sizeof(ev));
			ev.type = MC_EVENT_NODE_LOST;
			ev.alloc_id = c->hash;
			ev.call_id = c->call_id;
			ev.reason = reason;
			ended++;
			mc_orch_event(&p->base, &ev);
		}
		free(c);
	}
	s->ended += ended;
	p->pst.calls_ended += ended;
	p->st.timeouts += ended;
	DG_LOG(DG_LOG_WARN, "mc.pool.lost", "node=%s why=\"%s\" calls_ended=%llu",
	       s->n.id, why, (unsigned long long)ended);
}

static void
pool_op_failed_node(struct mc_pool *p, struct mc_pool_op *op, int status)
{
	struct mc_pool_slot *s = &p->slots[op->node];

	if (status == -ETIMEDOUT && s->up)
		pool_lose(p, op->node, "ng request timed out");
}

static void
pool_on_media(void *arg, int status, const struct ng_ben_doc *doc,
	      const struct ng_ben_node *dict)
{
	struct mc_pool_op *op = arg;
	struct mc_pool *p = op->p;
	struct dg_pl cid = { op->call_id, strlen(op->call_id) };
	struct mc_pool_call **pp;
	struct mc_result r;
	char reason[256];

	memset(&r, 0, sizeof(r));
	r.alloc_id = op->alloc_id;
	mc_remote_result(status, doc, dict, &r, reason, sizeof(reason));
	pp = pool_find(p, cid, op->alloc_id);
	if (pp != NULL && (*pp)->node == op->node) {
		if (r.status == 0)
			(*pp)->established = true;
		else if (op->new_call && !(*pp)->established)
			pool_unlink(p, pp);
	} else if (r.status == 0 && status != -ECANCELED) {
		/* Lost or released meanwhile: the media is not there to use. */
		r.status = -ENOTCONN;
		r.sdp = NULL;
		r.sdp_len = 0;
		r.reason = "media node lost";
	}
	if (r.status < 0)
		p->st.errors++;
	op->done(op->arg, &r);
	if (status != -ECANCELED)
		pool_op_failed_node(p, op, status);
	free(op);
}

static int
pool_pick(struct mc_pool *p)
{
	struct mc_pool_cand c[MC_POOL_MAX_NODES];
	struct mc_pool_slot *s;
	unsigned int i;
	int k;

	for (i = 0; i < MC_POOL_MAX_NODES; i++) {
		s = &p->slots[i];
		c[i].up = s->used && s->up;
		c[i].load = s->listed ? s->n.load + s->added : s->calls;
		c[i].weight = s->n.weight;
		c[i].capacity = s->n.capacity;
	}
	k = mc_pool_choose(c, MC_POOL_MAX_NODES, p->rotate++ % MC_POOL_MAX_NODES);
	return k;
}

static int
pool_media(struct mc_pool *p, const struct mc_req *req, mc_done_fn *done,
	   void *arg, bool only_known, uint64_t alloc_id)
{
	uint64_t hash = mc_remote_alloc_id(req->call_id);
	struct mc_pool_call **pp, *c = NULL;
	struct mc_pool_slot *s;
	struct mc_pool_op *op;
	char *buf;
	size_t len;
	int err, k;

	if (req->call_id.len == 0 || req->call_id.len >= MC_ID_MAX ||
	    (req->side == MC_SIDE_ANSWER && req->to_tag.len == 0))
		return -EINVAL;
	pp = pool_find(p, req->call_id, hash);
	if (pp == NULL && (only_known || req->side == MC_SIDE_ANSWER))
		return -ENOENT;
	if (only_known && alloc_id != hash)
		return -ENOENT;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -ENOMEM;
	if (pp == NULL) {
		k = pool_pick(p);
		if (k < 0) {
			free(op);
			p->pst.no_node++;
			return -ENOTCONN;
		}
		c = calloc(1, sizeof(*c) + req->call_id.len + 1);
		if (c == NULL) {
			free(op);
			return -ENOMEM;
		}
		c->hash = hash;
		c->node = (unsigned int)k;
		memcpy(c->call_id, req->call_id.p, req->call_id.len);
		op->new_call = true;
	} else {
		k = (int)(*pp)->node;
	}
	s = &p->slots[k];
	err = mc_remote_encode(req, p->owner[0] != '\0' ? p->owner : NULL,
			       &buf, &len);
	if (err == 0) {
		op->p = p;
		op->node = (unsigned int)k;
		op->done = done;
		op->arg = arg;
		op->alloc_id = hash;
		memcpy(op->call_id, req->call_id.p, req->call_id.len);
		err = ng_client_send_to(pool_client(p, s),
					(const struct sockaddr *)&s->n.ng,
					s->n.ng_len, buf, len, pool_on_media, op);
		free(buf);
	}
	if (err < 0) {
		free(c);
		free(op);
		return err;
	}
	if (c != NULL) {
		c->next = p->buckets[hash & (MC_POOL_BUCKETS - 1)];
		p->buckets[hash & (MC_POOL_BUCKETS - 1)] = c;
		s->calls++;
		s->added++;
		p->n_calls++;
	}
	if (req->side == MC_SIDE_OFFER)
		p->st.offers++;
	else
		p->st.answers++;
	return 0;
}

static int
pool_allocate(struct mc_orch *o, const struct mc_req *req, mc_done_fn *done,
	      void *arg)
{
	return pool_media((struct mc_pool *)o, req, done, arg, false, 0);
}

static int
pool_update(struct mc_orch *o, uint64_t alloc_id, const struct mc_req *req,
	    mc_done_fn *done, void *arg)
{
	return pool_media((struct mc_pool *)o, req, done, arg, true, alloc_id);
}

/* The completion of a query or delete when no memory is left for it. */
static void
pool_info_nomem(struct mc_pool_op *op)
{
	static struct mc_call_info ci;

	memset(&ci, 0, offsetof(struct mc_call_info, streams));
	ci.status = -ENOMEM;
	ci.reason = "out of memory";
	ci.alloc_id = op->alloc_id;
	memcpy(ci.call_id, op->call_id, sizeof(ci.call_id));
	op->info_done(op->arg, &ci);
}

static void
pool_on_info(void *arg, int status, const struct ng_ben_doc *doc,
	     const struct ng_ben_node *dict)
{
	struct mc_pool_op *op = arg;
	struct mc_pool *p = op->p;
	struct mc_call_info *ci = calloc(1, sizeof(*ci));
	char reason[256];

	if (ci != NULL) {
		ci->alloc_id = op->alloc_id;
		memcpy(ci->call_id, op->call_id, sizeof(ci->call_id));
		mc_remote_info_fill(status, doc, dict, ci, reason, sizeof(reason));
		if (ci->status < 0)
			p->st.errors++;
		op->info_done(op->arg, ci);
		free(ci);
	} else {
		p->st.errors++;
		pool_info_nomem(op);
	}
	if (status != -ECANCELED)
		pool_op_failed_node(p, op, status);
	free(op);
}

static int
pool_info(struct mc_pool *p, struct dg_pl call_id, bool release,
	  mc_info_fn *done, void *arg)
{
	uint64_t hash = mc_remote_alloc_id(call_id);
	char buf[MC_REMOTE_INFO_MAX];
	struct mc_pool_call **pp;
	struct mc_pool_slot *s;
	struct mc_pool_op *op;
	unsigned int node;
	int n, err;

	if (call_id.len == 0 || call_id.len >= MC_ID_MAX)
		return -EINVAL;
	pp = pool_find(p, call_id, hash);
	if (pp == NULL)
		return -ENOENT;
	node = (*pp)->node;
	s = &p->slots[node];
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -ENOMEM;
	op->p = p;
	op->node = node;
	op->info_done = done;
	op->arg = arg;
	op->alloc_id = hash;
	memcpy(op->call_id, call_id.p, call_id.len);
	n = mc_remote_encode_info(release ? "delete" : "query", call_id,
				  p->owner[0] != '\0' ? p->owner : NULL, buf,
				  sizeof(buf));
	err = n < 0 ? n : ng_client_send_to(pool_client(p, s),
					    (const struct sockaddr *)&s->n.ng,
					    s->n.ng_len, buf, (size_t)n,
					    pool_on_info, op);
	if (err < 0) {
		free(op);
		return err;
	}
	/* Forgotten at once: whatever the node answers, the call is over. */
	if (release) {
		pool_unlink(p, pp);
		p->st.deletes++;
	}
	return 0;
}

static int
pool_release(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
	     void *arg)
{
	return pool_info((struct mc_pool *)o, call_id, true, done, arg);
}

static int
pool_query(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
	   void *arg)
{
	return pool_info((struct mc_pool *)o, call_id, false, done, arg);
}

static unsigned int
pool_list(struct mc_orch *o, unsigned int max,
	  void (*fn)(void *arg, const char *call_id), void *arg)
{
	struct mc_pool *p = (struct mc_pool *)o;
	const struct mc_pool_call *c;
	unsigned int b, n = 0;

	for (b = 0; b < MC_POOL_BUCKETS && n < max; b++)
		for (c = p->buckets[b]; c != NULL && n < max; c = c->next) {
			fn(arg, c->call_id);
			n++;
		}
	return n;
}

static void
pool_stats(struct mc_orch *o, struct mc_orch_stats *st)
{
	struct mc_pool *p = (struct mc_pool *)o;

	*st = p->st;
	st->calls = p->n_calls;
}

static void
pool_destroy(struct mc_orch *o)
{
	struct mc_pool *p = (struct mc_pool *)o;
	struct mc_pool_call *c;
	unsigned int b;

	ng_client_destroy(p->client[0]);
	ng_client_destroy(p->client[1]);
	for (b = 0; b < MC_POOL_BUCKETS; b++)
		while ((c = p->buckets[b]) != NULL) {
			p->buckets[b] = c->next;
			free(c);
		}
	free(p->buckets);
	free(p);
}

static const struct mc_orch_ops mc_pool_ops = {
	.allocate = pool_allocate,
	.update = pool_update,
	.release = pool_release,
	.query = pool_query,
	.list = pool_list,
	.stats = pool_stats,
	.destroy = pool_destroy,
};

static void
pool_on_pong(void *arg, int status, const struct ng_ben_doc *doc,
	     const struct ng_ben_node *dict)
{
	struct mc_pool_op *op = arg;
	struct mc_pool *p = op->p;
	struct mc_pool_slot *s = &p->slots[op->node];

	s->probing = false;
	if (status == -ETIMEDOUT && s->up) {
		pool_lose(p, op->node, "ng ping timed out");
	} else if (status == 0 &&
		   ng_ben_str_eq(ng_dict_get(doc, dict, "result"), "pong") &&
		   s->used && !s->up && (s->configured || s->listed)) {
		s->up = true;
		DG_LOG(DG_LOG_INFO, "mc.pool.up", "node=%s via=ping", s->n.id);
	}
	free(op);
}

/*
 * Ping the nodes lost by timeout that are still configured or alive, to
 * use them again when they answer, and the configured nodes that no
 * heartbeat vouches for, to notice their death before a call does.
 */
static void
pool_on_probe(struct uring_timer *t)
{
	struct mc_pool *p = (struct mc_pool *)((char *)t -
		offsetof(struct mc_pool, probe));
	static const char ping[] = "d7:command4:pinge";
	struct mc_pool_slot *s;
	struct mc_pool_op *op;
	unsigned int i;

	for (i = 0; i < MC_POOL_MAX_NODES; i++) {
		s = &p->slots[i];
		if (!s->used || s->probing || (!s->configured && !s->listed) ||
		    (s->up && s->listed))
			continue;
		op = calloc(1, sizeof(*op));
		if (op == NULL)
			break;
		op->p = p;
		op->node = i;
		if (ng_client_send_to(pool_client(p, s),
				      (const struct sockaddr *)&s->n.ng,
				      s->n.ng_len, ping, sizeof(ping) - 1,
				      pool_on_pong, op) < 0) {
			free(op);
			continue;
		}
		s->probing = true;
		p->pst.probes++;
	}
	(void)uring_timer_start(&p->loop->timers, &p->probe, p->opts.probe_ms);
}

int
mc_pool_create(struct mc_orch **out, struct uring_loop *loop,
	       const struct mc_pool_opts *opts)
{
	struct mc_pool *p;

	if (opts->owner != NULL && strlen(opts->owner) >= MC_POOL_OWNER_MAX)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->buckets = calloc(MC_POOL_BUCKETS, sizeof(*p->buckets));
	if (p->buckets == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->loop = loop;
	p->opts = *opts;
	if (p->opts.bgid == 0)
		p->opts.bgid = 3;
	if (p->opts.probe_ms == 0)
		p->opts.probe_ms = 1000;
	if (opts->owner != NULL)
		snprintf(p->owner, sizeof(p->owner), "%s", opts->owner);
	p->opts.owner = NULL;
	p->base.ops = &mc_pool_ops;
	uring_timer_init(&p->probe, pool_on_probe);
	if (uring_timer_start(&loop->timers, &p->probe, p->opts.probe_ms) < 0) {
		free(p->buckets);
		free(p);
		return -ENOMEM;
	}
	*out = &p->base;
	return 0;
}

static int
pool_open_client(struct mc_pool *p, const struct mc_pool_node *n)
{
	unsigned int fam = n->ng.ss_family == AF_INET6 ? 1 : 0;
	struct ng_client_opts co;

	if (n->ng.ss_family != AF_INET && n->ng.ss_family != AF_INET6)
		return -EINVAL;
	if (p->client[fam] != NULL)
		return 0;
	memset(&co, 0, sizeof(co));
	co.first_rto_ms = p->opts.first_rto_ms;
	co.tries = p->opts.tries;
	co.bgid = p->opts.bgid + fam;
	return ng_client_create(&p->client[fam], p->loop,
				(const struct sockaddr *)&n->ng, n->ng_len, &co);
}

static int
pool_slot_find(const struct mc_pool *p, const char *id)
{
	int i;

	for (i = 0; i < MC_POOL_MAX_NODES; i++)
		if (p->slots[i].used && strcmp(p->slots[i].n.id, id) == 0)
			return i;
	return -1;
}

/* An unused slot, or one of a node gone with no call left; -1: full. */
static int
pool_slot_new(struct mc_pool *p)
{
	const struct mc_pool_slot *s;
	int i;

	for (i = 0; i < MC_POOL_MAX_NODES; i++) {
		s = &p->slots[i];
		if (!s->used || (!s->configured && !s->listed && s->calls == 0 &&
				 !s->probing)) {
			memset(&p->slots[i], 0, sizeof(p->slots[i]));
			return i;
		}
	}
	return -1;
}

int
mc_pool_add_static(struct mc_orch *o, const struct mc_pool_node *n)
{
	struct mc_pool *p = (struct mc_pool *)o;
	struct mc_pool_slot *s;
	int k, err;

	if (pool_slot_find(p, n->id) >= 0)
		return -EEXIST;
	err = pool_open_client(p, n);
	if (err < 0)
		return err;
	k = pool_slot_new(p);
	if (k < 0)
		return -ENOSPC;
	s = &p->slots[k];
	s->n = *n;
	s->n.load = 0;
	s->used = true;
	s->configured = true;
	s->up = true;
	return 0;
}

void
mc_pool_sync(struct mc_orch *o, const struct mc_pool_node *nodes,
	     unsigned int n)
{
	struct mc_pool *p = (struct mc_pool *)o;
	bool seen[MC_POOL_MAX_NODES] = { false };
	struct mc_pool_slot *s;
	unsigned int i;
	int k;

	for (i = 0; i < n; i++) {
		if (pool_open_client(p, &nodes[i]) < 0)
			continue;
		k = pool_slot_find(p, nodes[i].id);
		if (k < 0) {
			k = pool_slot_new(p);
			if (k < 0)
				continue;
			p->slots[k].used = true;
		}
		s = &p->slots[k];
		seen[k] = true;
		if (!s->listed && !s->configured && !s->up) {
			s->up = true;
			DG_LOG(DG_LOG_INFO, "mc.pool.up", "node=%s via=heartbeat",
			       nodes[i].id);
		}
		if (s->listed && s->up && (nodes[i].seq < s->n.seq ||
		    (nodes[i].start_s != 0 && s->n.start_s != 0 &&
		     nodes[i].start_s != s->n.start_s))) {
			pool_lose(p, (unsigned int)k, "restarted");
			s->up = true;
		}
		if (nodes[i].seq != s->n.seq)
			s->added = 0;
		s->n = nodes[i];
		s->listed = true;
	}
	for (i = 0; i < MC_POOL_MAX_NODES; i++) {
		s = &p->slots[i];
		if (!s->used || seen[i] || !s->listed)
			continue;
		s->listed = false;
		pool_lose(p, i, "heartbeat gone");
	}
}

int
mc_pool_ended(struct mc_orch *o, const char *call_id, const char *why)
{
	struct mc_pool *p = (struct mc_pool *)o;
	struct dg_pl cid = { call_id, strlen(call_id) };
	uint64_t hash = mc_remote_alloc_id(cid);
	struct mc_pool_call **pp, *c;
	struct mc_event ev;

	pp = pool_find(p, cid, hash);
	if (pp == NULL)
		return -ENOENT;
	c = *pp;
	*pp = c->next;
	p->slots[c->node].calls--;
	p->n_calls--;
	if (c->established) {
		memset(&ev, 0, sizeof(ev));
		ev.type = MC_EVENT_MEDIA_TIMEOUT;
		ev.alloc_id = c->hash;
		ev.call_id = c->call_id;
		ev.reason = why;
		p->st.timeouts++;
		mc_orch_event(&p->base, &ev);
	}
	free(c);
	return 0;
}

void
mc_pool_foreach(struct mc_orch *o,
		void (*fn)(void *arg, const struct mc_pool_node_info *ni),
		void *arg)
{
	struct mc_pool *p = (struct mc_pool *)o;
	struct mc_pool_node_info ni;
	struct mc_pool_slot *s;
	unsigned int i;

	for (i = 0; i < MC_POOL_MAX_NODES; i++) {
		s = &p->slots[i];
		if (!s->used)
			continue;
		ni.id = s->n.id;
		ni.up = s->up;
		ni.configured = s->configured;
		ni.calls = s->calls;
		ni.load = s->listed ? s->n.load + s->added : s->calls;
		ni.weight = s->n.weight;
		ni.capacity = s->n.capacity;
		ni.losses = s->losses;
		ni.ended = s->ended;
		fn(arg, &ni);
	}
}

unsigned int
mc_pool_up(struct mc_orch *o)
{
	struct mc_pool *p = (struct mc_pool *)o;
	unsigned int i, n = 0;

	for (i = 0; i < MC_POOL_MAX_NODES; i++)
		if (p->slots[i].used && p->slots[i].up)
			n++;
	return n;
}

void
mc_pool_stats_get(struct mc_orch *o, struct mc_pool_stats *st)
{
	*st = ((struct mc_pool *)o)->pst;
}
