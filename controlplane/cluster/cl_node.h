/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * This node's membership of the cluster, kept in Redis: every heartbeat
 * interval it writes its heartbeat record (cl_hb.h) under
 * "<prefix>node:<id>" (prefix: redis.key_prefix) with an expiry of
 * heartbeat_ttl (SET ... PX), adds its id to the set "<prefix>nodes",
 * and reads every member's record back
 * (SMEMBERS, then one MGET) into its peer view (cl_view.h). Ids whose key
 * has expired are removed from the set by whoever reads them. While
 * Redis is down nothing is sent, the view keeps its peers and is marked
 * stale; the next interval tries again. At a clean stop the node deletes
 * its key, so peers see it gone at their next read instead of after the
 * expiry.
 */
#ifndef DRONGO_CONTROLPLANE_CLUSTER_CL_NODE_H
#define DRONGO_CONTROLPLANE_CLUSTER_CL_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cl_view.h"
#include "cp_conf.h"
#include "redis_conn.h"
#include "uring_loop.h"

/** Counters, for /metrics. */
struct cl_node_stats {
	uint64_t heartbeats;		/* records written */
	uint64_t heartbeat_errors;	/* refused (Redis down) or failed */
	uint64_t reads;			/* successful reads of the peers */
	uint64_t read_errors;
	uint64_t malformed;		/* records that did not decode */
	uint64_t pruned;		/* expired ids removed from the set */
};

/** The load this node reports (a media node's live calls). */
typedef uint64_t cl_node_load_fn(void *arg);

/** Called after each successful read of the peers. */
typedef void cl_node_view_fn(void *arg, const struct cl_view *view);

struct cl_node;

/**
 * Start membership of this node (identity and timing from conf->cluster,
 * node.name and node.role) over @p redis; the first heartbeat goes at
 * once when Redis is up.
 *
 * @return 0 and *out, -ENOMEM.
 */
int cl_node_create(struct cl_node **out, struct uring_loop *loop,
		   struct redis_conn *redis, const struct cp_conf *conf);

/** Report @p fn's value as load (none set: 0). */
void cl_node_set_load_fn(struct cl_node *n, cl_node_load_fn *fn, void *arg);

/** Hear every new view (one listener; NULL removes it). */
void cl_node_set_view_fn(struct cl_node *n, cl_node_view_fn *fn, void *arg);

/** The current view. */
const struct cl_view *cl_node_view(const struct cl_node *n);

/** This node's own record as last written. */
const struct cl_peer *cl_node_self(const struct cl_node *n);

/** Whether Redis is up now. */
bool cl_node_redis_up(const struct cl_node *n);

/** The Redis link (for its counters). */
struct redis_conn *cl_node_redis(const struct cl_node *n);

/** Counters. */
void cl_node_stats_get(const struct cl_node *n, struct cl_node_stats *st);

/**
 * Leave: stop the heartbeat and delete this node's key, turning the loop
 * (stopped, not yet finished) until Redis has answered or 200 ms passed.
 */
void cl_node_leave(struct cl_node *n);

/**
 * Free; after uring_loop_fini() and after redis_conn_destroy() (whose
 * lost replies and state change it still hears). NULL is fine.
 */
void cl_node_destroy(struct cl_node *n);

#endif
