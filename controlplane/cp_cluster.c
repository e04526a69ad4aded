/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster wiring (see cp_cluster.h): the peer view feeds the edge's
 * pool of media nodes after every read and tells a media node's owner
 * sweep which edges are gone; the HTTP parts read the view, the pool and
 * the counters directly on the loop thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_cluster.h"
#include "dg_log.h"
#include "http_expo.h"
#include "http_json.h"
#include "mc_pool.h"

/* Peers of the view turned into media nodes of the pool. */
static void
cp_cluster_on_view(void *arg, const struct cl_view *view)
{
	struct cp_cluster *c = arg;
	struct mc_pool_node *nodes;
	const struct cl_view_peer *vp;
	unsigned int i, n = 0;

	if (c->pool == NULL)
		return;
	nodes = calloc(CL_VIEW_MAX, sizeof(*nodes));
	if (nodes == NULL)
		return;
	for (i = 0; i < view->n && n < MC_POOL_MAX_NODES; i++) {
		vp = &view->peers[i];
		if (!vp->alive || vp->p.role != CP_ROLE_MEDIA)
			continue;
		if (cp_conf_cluster_addr(vp->p.ng, &nodes[n].ng,
					 &nodes[n].ng_len) < 0)
			continue;
		snprintf(nodes[n].id, sizeof(nodes[n].id), "%s", vp->p.id);
		nodes[n].weight = vp->p.weight;
		nodes[n].capacity = vp->p.capacity;
		nodes[n].load = vp->p.load;
		nodes[n].seq = vp->p.seq;
		nodes[n].start_s = vp->p.start_s;
		n++;
	}
	mc_pool_sync(c->pool, nodes, n);
	free(nodes);
}

/* Edge: a media node ended one of our calls (media timeout there). */
static void
cp_cluster_on_ended(void *arg, const char *call_id)
{
	struct cp_cluster *c = arg;

	if (c->pool != NULL)
		(void)mc_pool_ended(c->pool, call_id, "media timeout on the media node");
}

/* Media node: tell the owning edge that a call's media timed out. */
static void
cp_cluster_tell_ended(void *arg, const char *call_id, const char *owner)
{
	struct cp_cluster *c = arg;
	char q[MC_ID_MAX + 8], id[CP_CLUSTER_ID_MAX];
	size_t n = strcspn(owner, "/");
	int err;

	/* The list is the edge's, whichever run of it owned the call. */
	snprintf(id, sizeof(id), "%.*s", (int)n, owner);
	err = cl_node_tell_ended(c->node, id, call_id);
	if (err < 0)
		DG_LOG(DG_LOG_WARN, "media.ended", "status=error call_id=%s owner=%s error=\"%s\"",
		       dg_log_quote(q, sizeof(q), call_id, strlen(call_id)),
		       owner, strerror(-err));
}

static uint64_t
cp_cluster_load(void *arg)
{
	return ng_media_load(arg);
}

/* An edge with remote media reports the calls it anchors. */
static uint64_t
cp_cluster_edge_load(void *arg)
{
	struct cp_cluster *c = arg;
	struct mc_orch_stats st;

	if (c->pool == NULL)
		return 0;
	mc_orch_stats(c->pool, &st);
	return st.calls;
}

static uint64_t
cp_cluster_gone(void *arg, const char *owner, uint64_t now_ms)
{
	struct cp_cluster *c = arg;

	return cl_view_owner_gone_ms(cl_node_view(c->node), owner, now_ms);
}

/* Trust the view only when a read succeeded lately and Redis is up. */
static bool
cp_cluster_fresh(void *arg)
{
	struct cp_cluster *c = arg;
	const struct cl_view *v = cl_node_view(c->node);
	uint64_t now = uring_timers_now(&c->loop->timers);

	return cl_node_redis_up(c->node) && v->fresh && v->have_read &&
		now - v->last_read_ms <= 3 * c->interval_ms;
}

int
cp_cluster_start(struct cp_cluster *c, struct uring_loop *loop,
		 const struct cp_conf *conf, struct redis_conn *redis,
		 struct ng_media *media, char *err, size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->redis = redis;
	c->media = media;
	c->interval_ms = conf->cluster.heartbeat_interval_ms;
	if (conf->role == CP_ROLE_EDGE &&
	    conf->cluster.media == CP_CLUSTER_MEDIA_REMOTE &&
	    conf->cluster.n_nodes == 0 && redis == NULL) {
		snprintf(err, errlen,
			 "cluster.media remote needs cluster.media_nodes or a redis section");
		return -EINVAL;
	}
	if (redis == NULL)
		return 0;
	ret = cl_node_create(&c->node, loop, redis, conf);
	if (ret < 0) {
		snprintf(err, errlen, "cluster: %s", strerror(-ret));
		return ret;
	}
	if (media != NULL) {
		cl_node_set_load_fn(c->node, cp_cluster_load, media);
		ng_media_set_ended_fn(media, cp_cluster_tell_ended, c);
		ret = ng_media_set_owner_check(media, cp_cluster_gone,
					       cp_cluster_fresh, c,
					       conf->cluster.orphan_grace_ms,
					       c->interval_ms);
		if (ret < 0) {
			snprintf(err, errlen, "cluster: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int
cp_cluster_pool_create(struct cp_cluster *c, const struct cp_conf *conf,
		       struct mc_orch **out, char *err, size_t errlen)
{
	const struct cp_conf_cluster *cc = &conf->cluster;
	char owner[MC_POOL_OWNER_MAX];
	struct mc_pool_opts po;
	struct mc_pool_node pn;
	struct mc_orch *pool;
	unsigned int i;
	int ret;

	memset(&po, 0, sizeof(po));
	/* Without Redis no media node could tell this edge alive: no owner. */
	if (c->node != NULL) {
		snprintf(owner, sizeof(owner), "%s/%llu", cl_node_self(c->node)->id,
			 (unsigned long long)cl_node_self(c->node)->inc);
		po.owner = owner;
	}
	ret = mc_pool_create(&pool, c->loop, &po);
	if (ret < 0) {
		snprintf(err, errlen, "media pool: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < cc->n_nodes; i++) {
		memset(&pn, 0, sizeof(pn));
		snprintf(pn.id, sizeof(pn.id), "%s", cc->nodes[i].id);
		pn.ng = cc->nodes[i].ng;
		pn.ng_len = cc->nodes[i].ng_len;
		pn.weight = cc->nodes[i].weight;
		pn.capacity = cc->nodes[i].capacity;
		ret = mc_pool_add_static(pool, &pn);
		if (ret < 0) {
			snprintf(err, errlen, "media node %s: %s", pn.id,
				 strerror(-ret));
			mc_orch_destroy(pool);
			return ret;
		}
	}
	c->pool = pool;
	if (c->node != NULL) {
		cl_node_set_view_fn(c->node, cp_cluster_on_view, c);
		cl_node_set_ended_fn(c->node, cp_cluster_on_ended, c);
		cl_node_set_load_fn(c->node, cp_cluster_edge_load, c);
	}
	DG_LOG(DG_LOG_INFO, "media.pool", "owner=%s configured=%u discovery=%s",
	       po.owner != NULL ? po.owner : "-", cc->n_nodes,
	       c->node != NULL ? "redis" : "none");
	*out = pool;
	return 0;
}

static void
cp_cluster_gauge(struct http_buf *out, const char *name, const char *l1,
		 const char *v1, const char *l2, const char *v2, uint64_t v)
{
	struct http_label l[2] = { { l1, v1 }, { l2, v2 } };

	http_expo_sample(out, name, l, l2 != NULL ? 2 : 1, v);
}

static void
cp_cluster_redis_metrics(const struct cp_cluster *c, struct http_buf *out)
{
	struct redis_conn_stats rs;

	redis_conn_stats(c->redis, &rs);
	http_expo_single(out, "drongo_redis_up", "gauge",
		"1 while the Redis link is up", redis_conn_up(c->redis) ? 1 : 0);
#define CP_REDIS_(f, help) \
	http_expo_single(out, "drongo_redis_" #f "_total", "counter", help, rs.f);
	CP_REDIS_(connects, "Redis connects (first and re-)")
	CP_REDIS_(connect_failures, "Redis connect attempts that failed")
	CP_REDIS_(disconnects, "losses of an established Redis link")
	CP_REDIS_(commands, "Redis commands accepted")
	CP_REDIS_(refused, "Redis commands refused while the link was down")
	CP_REDIS_(errors, "Redis error replies and replies lost")
#undef CP_REDIS_
	http_expo_single(out, "drongo_redis_pending", "gauge",
		"Redis commands sent, reply not yet received", rs.pending);
}

static void
cp_cluster_view_metrics(const struct cp_cluster *c, struct http_buf *out)
{
	const struct cl_view *v = cl_node_view(c->node);
	struct cl_node_stats st;
	unsigned int i, r;

	cl_node_stats_get(c->node, &st);
	http_expo_single(out, "drongo_cluster_view_fresh", "gauge",
		"1 while the peer view comes from a recent read of Redis",
		cp_cluster_fresh((void *)c) ? 1 : 0);
	http_expo_family(out, "drongo_cluster_peers", "gauge",
		"peers whose heartbeat is alive, by role");
	for (r = 0; r < CP_ROLE__COUNT; r++)
		cp_cluster_gauge(out, "drongo_cluster_peers", "role",
			cp_role_names[r], NULL, NULL, cl_view_alive(v, r));
	http_expo_family(out, "drongo_cluster_peer_up", "gauge",
		"1 while the peer's heartbeat is alive, 0 once it is gone");
	for (i = 0; i < v->n; i++)
		cp_cluster_gauge(out, "drongo_cluster_peer_up", "id",
			v->peers[i].p.id, "role", cp_role_names[v->peers[i].p.role],
			v->peers[i].alive ? 1 : 0);
	http_expo_family(out, "drongo_cluster_peer_load", "gauge",
		"load the peer reported (a media node's live calls)");
	for (i = 0; i < v->n; i++)
		cp_cluster_gauge(out, "drongo_cluster_peer_load", "id",
			v->peers[i].p.id, "role", cp_role_names[v->peers[i].p.role],
			v->peers[i].p.load);
#define CP_CL_(f, help) \
	http_expo_single(out, "drongo_cluster_" #f "_total", "counter", help, st.f);
	CP_CL_(heartbeats, "heartbeats written to Redis")
	CP_CL_(heartbeat_errors, "heartbeats not written (Redis down or error)")
	CP_CL_(reads, "successful reads of the peers' heartbeats")
	CP_CL_(read_errors, "reads of the peers that failed")
	CP_CL_(malformed, "peer records that did not decode")
	CP_CL_(pruned, "expired node ids removed from the node set")
	CP_CL_(ended_sent, "calls ended by media timeout told to their edge")
	CP_CL_(ended_received, "calls a media node ended, taken by this edge")
	CP_CL_(ended_errors, "ended-call pushes or pops that failed")
#undef CP_CL_
}

/* The per-node families of the pool, in the order of fam[] below. */
enum cp_cluster_nf { CP_NF_UP, CP_NF_CALLS, CP_NF_LOAD, CP_NF_LOSSES,
	CP_NF_ENDED, CP_NF__COUNT };

struct cp_cluster_fam {
	struct http_buf *out;
	enum cp_cluster_nf which;
	const char *name;
};

static void
cp_cluster_node_metric(void *arg, const struct mc_pool_node_info *ni)
{
	const struct cp_cluster_fam *f = arg;
	const uint64_t v[CP_NF__COUNT] = { ni->up ? 1 : 0, ni->calls, ni->load,
		ni->losses, ni->ended };

	cp_cluster_gauge(f->out, f->name, "node", ni->id, NULL, NULL,
		v[f->which]);
}

static void
cp_cluster_pool_metrics(const struct cp_cluster *c, struct http_buf *out)
{
	static const char *const fam[CP_NF__COUNT][3] = {
		[CP_NF_UP] = { "drongo_media_node_up", "gauge",
		  "1 while new calls may go to the media node" },
		[CP_NF_CALLS] = { "drongo_media_node_calls", "gauge",
		  "this edge's calls on the media node" },
		[CP_NF_LOAD] = { "drongo_media_node_load", "gauge",
		  "load used to choose the media node (reported plus placed since)" },
		[CP_NF_LOSSES] = { "drongo_media_node_losses_total", "counter",
		  "times the media node was lost (heartbeat gone or ng timeout)" },
		[CP_NF_ENDED] = { "drongo_media_node_calls_ended_total", "counter",
		  "calls ended (BYE both ways) because their media node was lost" },
	};
	struct cp_cluster_fam f;
	struct mc_pool_stats ps;
	unsigned int i;

	for (i = 0; i < CP_NF__COUNT; i++) {
		http_expo_family(out, fam[i][0], fam[i][1], fam[i][2]);
		f.out = out;
		f.which = (enum cp_cluster_nf)i;
		f.name = fam[i][0];
		mc_pool_foreach(c->pool, cp_cluster_node_metric, &f);
	}
	mc_pool_stats_get(c->pool, &ps);
	http_expo_single(out, "drongo_media_no_node_total", "counter",
		"new calls refused (503): no media node usable", ps.no_node);
	http_expo_single(out, "drongo_media_nodes_usable", "gauge",
		"media nodes new calls may go to", mc_pool_up(c->pool));
}

static void
cp_cluster_media_metrics(const struct cp_cluster *c, struct http_buf *out)
{
	struct ng_media_stats st;

	ng_media_stats_get(c->media, &st);
	http_expo_single(out, "drongo_media_calls", "gauge",
		"live calls of this media node", st.calls);
	http_expo_single(out, "drongo_media_calls_owned", "gauge",
		"live calls owned by a Drongo edge (reaped if it dies)", st.owned);
	http_expo_family(out, "drongo_media_reaped_total", "counter",
		"calls ended here without a delete, by reason");
	cp_cluster_gauge(out, "drongo_media_reaped_total", "reason", "orphan",
		NULL, NULL, st.reaped_orphan);
	cp_cluster_gauge(out, "drongo_media_reaped_total", "reason", "idle",
		NULL, NULL, st.reaped_idle);
	http_expo_single(out, "drongo_media_owner_sweeps_skipped_total", "counter",
		"orphan sweeps not run: the peer view was stale (Redis down)",
		st.sweeps_skipped);
}

static int
cp_cluster_metrics(void *arg, struct http_buf *out)
{
	const struct cp_cluster *c = arg;

	if (c->redis != NULL)
		cp_cluster_redis_metrics(c, out);
	if (c->node != NULL)
		cp_cluster_view_metrics(c, out);
	if (c->pool != NULL)
		cp_cluster_pool_metrics(c, out);
	if (c->media != NULL)
		cp_cluster_media_metrics(c, out);
	return 0;
}

static void
cp_cluster_json_peer(struct http_json *j, const struct cl_peer *p)
{
	http_json_key(j, "id");
	http_json_str(j, p->id);
	http_json_key(j, "role");
	http_json_str(j, cp_role_names[p->role]);
	http_json_key(j, "sip");
	http_json_str(j, p->sip);
	http_json_key(j, "ng");
	http_json_str(j, p->ng);
	http_json_key(j, "http");
	http_json_str(j, p->http);
	http_json_key(j, "capacity");
	http_json_u64(j, p->capacity);
	http_json_key(j, "weight");
	http_json_u64(j, p->weight);
	http_json_key(j, "load");
	http_json_u64(j, p->load);
	http_json_key(j, "start");
	http_json_u64(j, p->start_s);
}

static void
cp_cluster_json_node(void *arg, const struct mc_pool_node_info *ni)
{
	struct http_json *j = arg;

	http_json_obj_begin(j);
	http_json_key(j, "id");
	http_json_str(j, ni->id);
	http_json_key(j, "up");
	http_json_bool(j, ni->up);
	http_json_key(j, "configured");
	http_json_bool(j, ni->configured);
	http_json_key(j, "calls");
	http_json_u64(j, ni->calls);
	http_json_key(j, "load");
	http_json_u64(j, ni->load);
	http_json_key(j, "weight");
	http_json_u64(j, ni->weight);
	http_json_obj_end(j);
}

static int
cp_cluster_api(void *arg, struct http_buf *out)
{
	const struct cp_cluster *c = arg;
	uint64_t now = uring_timers_now(&c->loop->timers);
	const struct cl_view *v;
	struct http_json j;
	unsigned int i;

	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "redis");
	http_json_obj_begin(&j);
	http_json_key(&j, "configured");
	http_json_bool(&j, c->redis != NULL);
	if (c->redis != NULL) {
		http_json_key(&j, "up");
		http_json_bool(&j, redis_conn_up(c->redis));
		http_json_key(&j, "server");
		http_json_str(&j, redis_conn_server(c->redis));
	}
	http_json_obj_end(&j);
	if (c->node != NULL) {
		v = cl_node_view(c->node);
		http_json_key(&j, "self");
		http_json_obj_begin(&j);
		cp_cluster_json_peer(&j, cl_node_self(c->node));
		http_json_obj_end(&j);
		http_json_key(&j, "view_fresh");
		http_json_bool(&j, cp_cluster_fresh((void *)c));
		http_json_key(&j, "peers");
		http_json_arr_begin(&j);
		for (i = 0; i < v->n; i++) {
			http_json_obj_begin(&j);
			cp_cluster_json_peer(&j, &v->peers[i].p);
			http_json_key(&j, "alive");
			http_json_bool(&j, v->peers[i].alive);
			http_json_key(&j, "gone_ms");
			http_json_u64(&j, v->peers[i].alive ? 0 :
				now - v->peers[i].gone_since_ms);
			http_json_obj_end(&j);
		}
		http_json_arr_end(&j);
	}
	if (c->pool != NULL) {
		http_json_key(&j, "media_nodes");
		http_json_arr_begin(&j);
		mc_pool_foreach(c->pool, cp_cluster_json_node, &j);
		http_json_arr_end(&j);
	}
	http_json_obj_end(&j);
	http_buf_str(out, "\n");
	return 0;
}

static int
cp_cluster_health(void *arg, struct http_buf *out)
{
	const struct cp_cluster *c = arg;

	if (c->pool == NULL || mc_pool_up(c->pool) > 0)
		return 0;
	http_buf_str(out, "no media node usable");
	return -ENOTCONN;
}

void
cp_cluster_http_register(struct cp_cluster *c, struct http_registry *r)
{
	if (r == NULL)
		return;
	c->metrics.kind = HTTP_PROVIDER_METRICS;
	c->metrics.name = "cluster";
	c->metrics.fn = cp_cluster_metrics;
	c->metrics.arg = c;
	(void)http_registry_add(r, &c->metrics);
	c->api.kind = HTTP_PROVIDER_JSON;
	c->api.name = "/api/cluster";
	c->api.fn = cp_cluster_api;
	c->api.arg = c;
	(void)http_registry_add(r, &c->api);
	if (c->pool != NULL) {
		c->health.kind = HTTP_PROVIDER_HEALTH;
		c->health.name = "media_nodes";
		c->health.fn = cp_cluster_health;
		c->health.arg = c;
		(void)http_registry_add(r, &c->health);
	}
}

void
cp_cluster_leave(struct cp_cluster *c)
{
	cl_node_leave(c->node);
}

void
cp_cluster_stop(struct cp_cluster *c)
{
	if (c->node != NULL) {
		cl_node_set_view_fn(c->node, NULL, NULL);
		cl_node_set_ended_fn(c->node, NULL, NULL);
	}
	if (c->media != NULL)
		ng_media_set_ended_fn(c->media, NULL, NULL);
	c->pool = NULL;
}

void
cp_cluster_destroy(struct cp_cluster *c)
{
	cl_node_destroy(c->node);
	c->node = NULL;
}
