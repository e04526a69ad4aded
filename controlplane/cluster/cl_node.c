/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Membership over redis_conn. One read of the peers is in flight at a
 * time (SMEMBERS, then MGET of the members' keys); a heartbeat is two
 * commands sent back to back. Replies may arrive after cl_node_destroy
 * (the connection completes them with NULL when it goes), so the node
 * counts what it has in flight and the last reply frees a destroyed node.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cl_node.h"
#include "dg_log.h"
#include "uring_timer.h"

/* Keys longer than this are not read (ids are at most 63 characters). */
#define CL_KEY_MAX (CP_CONF_REDIS_PREFIX_MAX + CP_CLUSTER_ID_MAX + 8)
/* Loop turns (1 ms apart) allowed for the deletion at leave. */
#define CL_LEAVE_TURNS 200

struct cl_node {
	struct uring_timer timer;	/* first: the timer finds the node */
	struct uring_loop *loop;
	struct redis_conn *redis;
	struct cl_view view;
	struct cl_peer self;
	char prefix[CP_CONF_REDIS_PREFIX_MAX];
	char key[CL_KEY_MAX];		/* this node's key */
	char set[CL_KEY_MAX];		/* the set of ids */
	uint64_t interval_ms;
	uint64_t ttl_ms;
	cl_node_load_fn *load_fn;
	void *load_arg;
	cl_node_view_fn *view_fn;
	void *view_arg;
	cl_node_ended_fn *ended_fn;
	void *ended_arg;
	bool popping;			/* an LPOP of our ended list in flight */
	char ended_key[CL_KEY_MAX];
	struct cl_node_stats st;
	unsigned int inflight;		/* replies still to come */
	bool reading;
	bool left;
	bool dead;			/* destroyed; the last reply frees it */
	/* the ids of the read in flight, in MGET order */
	char (*ids)[CP_CLUSTER_ID_MAX];
	unsigned int n_ids;
	struct cl_peer *peers;		/* decode space, CL_VIEW_MAX */
};

static void
cl_node_free(struct cl_node *n)
{
	free(n->ids);
	free(n->peers);
	free(n);
}

/* Every reply comes through here first; false: the node is gone. */
static bool
cl_node_reply_begin(struct cl_node *n)
{
	n->inflight--;
	if (n->dead) {
		if (n->inflight == 0)
			cl_node_free(n);
		return false;
	}
	return true;
}

static int
cl_node_cmd(struct cl_node *n, redis_reply_fn fn, int argc,
	    const char *const *argv, const size_t *argvlen)
{
	int err;

	err = redis_conn_cmdargv(n->redis, fn, n, argc, argv, argvlen);
	if (err == 0)
		n->inflight++;
	return err;
}

static void
cl_node_on_write(void *arg, const struct redisReply *reply)
{
	struct cl_node *n = arg;

	if (!cl_node_reply_begin(n))
		return;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		n->st.heartbeat_errors++;
}

static void
cl_node_heartbeat(struct cl_node *n)
{
	char rec[CL_HB_MAX], ttl[24];
	const char *argv[5];
	size_t lens[5];
	int len, err;

	n->self.load = n->load_fn != NULL ? n->load_fn(n->load_arg) : 0;
	n->self.seq++;
	len = cl_hb_encode(&n->self, rec, sizeof(rec));
	if (len < 0) {
		n->st.heartbeat_errors++;
		return;
	}
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)n->ttl_ms);
	argv[0] = "SET";
	argv[1] = n->key;
	argv[2] = rec;
	argv[3] = "PX";
	argv[4] = ttl;
	lens[0] = 3;
	lens[1] = strlen(n->key);
	lens[2] = (size_t)len;
	lens[3] = 2;
	lens[4] = strlen(ttl);
	err = cl_node_cmd(n, cl_node_on_write, 5, argv, lens);
	if (err < 0) {
		n->st.heartbeat_errors++;
		return;
	}
	n->st.heartbeats++;
	argv[0] = "SADD";
	argv[1] = n->set;
	argv[2] = n->self.id;
	lens[0] = 4;
	lens[1] = strlen(n->set);
	lens[2] = strlen(n->self.id);
	(void)cl_node_cmd(n, cl_node_on_write, 3, argv, lens);
}

static void
cl_node_read_failed(struct cl_node *n)
{
	n->reading = false;
	n->st.read_errors++;
	cl_view_stale(&n->view);
}

/* Remove from the set the ids whose key has expired. */
static void
cl_node_prune(struct cl_node *n, const char *const *gone, unsigned int n_gone)
{
	const char *argv[2 + CL_VIEW_MAX];
	size_t lens[2 + CL_VIEW_MAX];
	unsigned int i;

	if (n_gone == 0)
		return;
	argv[0] = "SREM";
	argv[1] = n->set;
	lens[0] = 4;
	lens[1] = strlen(n->set);
	for (i = 0; i < n_gone; i++) {
		argv[2 + i] = gone[i];
		lens[2 + i] = strlen(gone[i]);
	}
	if (cl_node_cmd(n, cl_node_on_write, (int)(2 + n_gone), argv, lens) == 0)
		n->st.pruned += n_gone;
}

static void
cl_node_on_mget(void *arg, const struct redisReply *reply)
{
	struct cl_node *n = arg;
	const char *gone[CL_VIEW_MAX];
	unsigned int i, n_peers = 0, n_gone = 0;
	const struct redisReply *e;

	if (!cl_node_reply_begin(n))
		return;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != n->n_ids) {
		cl_node_read_failed(n);
		return;
	}
	for (i = 0; i < n->n_ids; i++) {
		e = reply->element[i];
		if (e->type == REDIS_REPLY_NIL) {
			gone[n_gone++] = n->ids[i];
			continue;
		}
		if (e->type != REDIS_REPLY_STRING ||
		    cl_hb_decode(e->str, e->len, &n->peers[n_peers]) < 0 ||
		    strcmp(n->peers[n_peers].id, n->ids[i]) != 0) {
			n->st.malformed++;
			continue;
		}
		n_peers++;
	}
	n->reading = false;
	n->st.reads++;
	cl_view_update(&n->view, n->peers, n_peers,
		       uring_timers_now(&n->loop->timers));
	cl_node_prune(n, gone, n_gone);
	if (n->view_fn != NULL)
		n->view_fn(n->view_arg, &n->view);
}

static void
cl_node_on_members(void *arg, const struct redisReply *reply)
{
	struct cl_node *n = arg;
	const char *argv[1 + CL_VIEW_MAX];
	size_t lens[1 + CL_VIEW_MAX];
	char keys[CL_VIEW_MAX][CL_KEY_MAX];
	const struct redisReply *e;
	unsigned int i;

	if (!cl_node_reply_begin(n))
		return;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		cl_node_read_failed(n);
		return;
	}
	n->n_ids = 0;
	for (i = 0; i < reply->elements && n->n_ids < CL_VIEW_MAX; i++) {
		e = reply->element[i];
		if (e->type != REDIS_REPLY_STRING || e->len == 0 ||
		    e->len >= CP_CLUSTER_ID_MAX) {
			n->st.malformed++;
			continue;
		}
		memcpy(n->ids[n->n_ids], e->str, e->len);
		n->ids[n->n_ids][e->len] = '\0';
		snprintf(keys[n->n_ids], CL_KEY_MAX, "%snode:%s", n->prefix,
			 n->ids[n->n_ids]);
		argv[1 + n->n_ids] = keys[n->n_ids];
		lens[1 + n->n_ids] = strlen(keys[n->n_ids]);
		n->n_ids++;
	}
	if (n->n_ids == 0) {
		n->reading = false;
		n->st.reads++;
		cl_view_update(&n->view, NULL, 0,
			       uring_timers_now(&n->loop->timers));
		if (n->view_fn != NULL)
			n->view_fn(n->view_arg, &n->view);
		return;
	}
	argv[0] = "MGET";
	lens[0] = 4;
	if (cl_node_cmd(n, cl_node_on_mget, (int)(1 + n->n_ids), argv, lens) < 0)
		cl_node_read_failed(n);
}

static void
cl_node_read(struct cl_node *n)
{
	const char *argv[2] = { "SMEMBERS", n->set };
	size_t lens[2] = { 8, strlen(n->set) };

	if (n->reading)
		return;
	n->reading = true;
	if (cl_node_cmd(n, cl_node_on_members, 2, argv, lens) < 0)
		cl_node_read_failed(n);
}

static void
cl_node_on_ended_write(void *arg, const struct redisReply *reply)
{
	struct cl_node *n = arg;

	if (!cl_node_reply_begin(n))
		return;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		n->st.ended_errors++;
}

int
cl_node_tell_ended(struct cl_node *n, const char *owner, const char *call_id)
{
	char key[CL_KEY_MAX], ttl[16];
	const char *argv[3];
	size_t lens[3];
	int err;

	if (strlen(owner) >= CP_CLUSTER_ID_MAX || call_id[0] == '\0')
		return -EINVAL;
	snprintf(key, sizeof(key), "%sended:%s", n->prefix, owner);
	argv[0] = "RPUSH";
	argv[1] = key;
	argv[2] = call_id;
	lens[0] = 5;
	lens[1] = strlen(key);
	lens[2] = strlen(call_id);
	err = cl_node_cmd(n, cl_node_on_ended_write, 3, argv, lens);
	if (err < 0) {
		n->st.ended_errors++;
		return err;
	}
	n->st.ended_sent++;
	/* The list of a dead edge goes away by itself. */
	snprintf(ttl, sizeof(ttl), "%u", CL_ENDED_TTL_MS);
	argv[0] = "PEXPIRE";
	argv[2] = ttl;
	lens[0] = 7;
	lens[2] = strlen(ttl);
	(void)cl_node_cmd(n, cl_node_on_ended_write, 3, argv, lens);
	return 0;
}

static void
cl_node_on_pop(void *arg, const struct redisReply *reply)
{
	struct cl_node *n = arg;
	char cid[512];
	size_t i;

	if (!cl_node_reply_begin(n))
		return;
	n->popping = false;
	if (reply == NULL || (reply->type != REDIS_REPLY_ARRAY &&
			      reply->type != REDIS_REPLY_NIL)) {
		n->st.ended_errors++;
		return;
	}
	for (i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
		const struct redisReply *e = reply->element[i];

		if (e->type != REDIS_REPLY_STRING || e->len == 0 ||
		    e->len >= sizeof(cid)) {
			n->st.malformed++;
			continue;
		}
		memcpy(cid, e->str, e->len);
		cid[e->len] = '\0';
		n->st.ended_received++;
		if (n->ended_fn != NULL)
			n->ended_fn(n->ended_arg, cid);
	}
}

static void
cl_node_pop_ended(struct cl_node *n)
{
	char count[8];
	const char *argv[3] = { "LPOP", n->ended_key, count };
	size_t lens[3];

	if (n->ended_fn == NULL || n->popping)
		return;
	snprintf(count, sizeof(count), "%d", CL_ENDED_BATCH);
	lens[0] = 4;
	lens[1] = strlen(n->ended_key);
	lens[2] = strlen(count);
	if (cl_node_cmd(n, cl_node_on_pop, 3, argv, lens) == 0)
		n->popping = true;
	else
		n->st.ended_errors++;
}

static void
cl_node_tick(struct cl_node *n)
{
	if (redis_conn_up(n->redis)) {
		cl_node_heartbeat(n);
		cl_node_read(n);
		cl_node_pop_ended(n);
	} else {
		n->st.heartbeat_errors++;
		cl_view_stale(&n->view);
	}
}

static void
cl_node_on_timer(struct uring_timer *t)
{
	struct cl_node *n = (struct cl_node *)t;

	cl_node_tick(n);
	(void)uring_timer_start(&n->loop->timers, &n->timer, n->interval_ms);
}

static void
cl_node_on_state(void *arg, bool up)
{
	struct cl_node *n = arg;

	if (n->dead || n->left)
		return;
	DG_LOG(up ? DG_LOG_INFO : DG_LOG_WARN, "cluster.redis", "state=%s id=%s",
	       up ? "up" : "down", n->self.id);
	/* Announce at once after a reconnect rather than up to an interval later. */
	if (up)
		cl_node_tick(n);
	else
		cl_view_stale(&n->view);
}

static void
cl_node_sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		(void)inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "[%s]:%u", host, ntohs(sin6->sin6_port));
	}
}

int
cl_node_create(struct cl_node **out, struct uring_loop *loop,
	       struct redis_conn *redis, const struct cp_conf *conf)
{
	const struct cp_conf_cluster *cc = &conf->cluster;
	struct cl_node *n;
	int err;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->ids = calloc(CL_VIEW_MAX, sizeof(*n->ids));
	n->peers = calloc(CL_VIEW_MAX, sizeof(*n->peers));
	if (n->ids == NULL || n->peers == NULL) {
		err = -ENOMEM;
		goto out_free;
	}
	n->loop = loop;
	n->redis = redis;
	n->interval_ms = cc->heartbeat_interval_ms;
	n->ttl_ms = cc->heartbeat_ttl_ms;
	cl_view_init(&n->view);
	snprintf(n->self.id, sizeof(n->self.id), "%s",
		 cc->id[0] != '\0' ? cc->id : conf->name);
	n->self.role = conf->role;
	snprintf(n->self.sip, sizeof(n->self.sip), "%s", cc->sip);
	snprintf(n->self.http, sizeof(n->self.http), "%s", cc->http);
	if (cc->ng[0] != '\0')
		snprintf(n->self.ng, sizeof(n->self.ng), "%s", cc->ng);
	else if (conf->role == CP_ROLE_MEDIA)
		cl_node_sockaddr_str(&conf->media.ng_listen, n->self.ng,
				     sizeof(n->self.ng));
	n->self.capacity = cc->capacity;
	n->self.weight = cc->weight;
	n->self.start_s = (uint64_t)time(NULL);
	/* Tells this run from the next under the same id, even within a second. */
	while (n->self.inc == 0)
		if (getrandom(&n->self.inc, sizeof(n->self.inc), 0) !=
		    sizeof(n->self.inc))
			n->self.inc = ((uint64_t)getpid() << 32) ^
				(uint64_t)time(NULL);
	snprintf(n->prefix, sizeof(n->prefix), "%s", conf->redis.key_prefix);
	snprintf(n->key, sizeof(n->key), "%snode:%s", n->prefix, n->self.id);
	snprintf(n->set, sizeof(n->set), "%snodes", n->prefix);
	snprintf(n->ended_key, sizeof(n->ended_key), "%sended:%s", n->prefix,
		 n->self.id);
	err = redis_conn_on_state(redis, cl_node_on_state, n);
	if (err < 0)
		goto out_free;
	uring_timer_init(&n->timer, cl_node_on_timer);
	err = uring_timer_start(&loop->timers, &n->timer, 0);
	if (err < 0)
		goto out_free;
	DG_LOG(DG_LOG_INFO, "cluster.start", "id=%s role=%s key=%s interval_ms=%llu ttl_ms=%llu",
	       n->self.id, cp_role_names[n->self.role], n->key,
	       (unsigned long long)n->interval_ms, (unsigned long long)n->ttl_ms);
	*out = n;
	return 0;
out_free:
	cl_node_free(n);
	return err;
}

void
cl_node_set_load_fn(struct cl_node *n, cl_node_load_fn *fn, void *arg)
{
	n->load_fn = fn;
	n->load_arg = arg;
}

void
cl_node_set_view_fn(struct cl_node *n, cl_node_view_fn *fn, void *arg)
{
	n->view_fn = fn;
	n->view_arg = arg;
}

void
cl_node_set_ended_fn(struct cl_node *n, cl_node_ended_fn *fn, void *arg)
{
	n->ended_fn = fn;
	n->ended_arg = arg;
}

const struct cl_view *
cl_node_view(const struct cl_node *n)
{
	return &n->view;
}

const struct cl_peer *
cl_node_self(const struct cl_node *n)
{
	return &n->self;
}

bool
cl_node_redis_up(const struct cl_node *n)
{
	return redis_conn_up(n->redis);
}

struct redis_conn *
cl_node_redis(const struct cl_node *n)
{
	return n->redis;
}

void
cl_node_stats_get(const struct cl_node *n, struct cl_node_stats *st)
{
	*st = n->st;
}

void
cl_node_leave(struct cl_node *n)
{
	const char *argv[3];
	size_t lens[3];
	unsigned int i;

	if (n == NULL || n->left)
		return;
	n->left = true;
	uring_timer_cancel(&n->loop->timers, &n->timer);
	if (!redis_conn_up(n->redis))
		return;
	argv[0] = "DEL";
	argv[1] = n->key;
	lens[0] = 3;
	lens[1] = strlen(n->key);
	(void)cl_node_cmd(n, cl_node_on_write, 2, argv, lens);
	argv[0] = "SREM";
	argv[1] = n->set;
	argv[2] = n->self.id;
	lens[0] = 4;
	lens[1] = strlen(n->set);
	lens[2] = strlen(n->self.id);
	(void)cl_node_cmd(n, cl_node_on_write, 3, argv, lens);
	/* The loop has stopped: turn it until Redis has the deletion. */
	for (i = 0; i < CL_LEAVE_TURNS && n->inflight > 0; i++) {
		if (uring_loop_run_once(n->loop, false) < 0)
			break;
		usleep(1000);
	}
	DG_LOG(DG_LOG_INFO, "cluster.leave", "id=%s deleted=%s", n->self.id,
	       n->inflight == 0 ? "yes" : "unknown");
}

void
cl_node_destroy(struct cl_node *n)
{
	if (n == NULL)
		return;
	n->dead = true;
	if (n->inflight == 0)
		cl_node_free(n);
}
