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
 *
 * Calls a media node ends on its own (media timeout) are told to the edge
 * that owns them through the list "<prefix>ended:<edge id>" (RPUSH by the
 * media node, kept CL_ENDED_TTL_MS after the last push; LPOP of up to
 * CL_ENDED_BATCH ids by the edge every interval), since nothing else
 * would tell the edge that the media of a call is gone.
 */
#ifndef DRONGO_CONTROLPLANE_CLUSTER_CL_NODE_H
#define DRONGO_CONTROLPLANE_CLUSTER_CL_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cl_view.h"
#include "cp_conf.h"
#include "redis_conn.h"
#include "uring_loop.h"

/** How long the list of ended calls of an edge outlives its last push. */
#define CL_ENDED_TTL_MS 60000u
/** Ended calls an edge takes per interval. */
#define CL_ENDED_BATCH 128

/** Counters, for /metrics. */
struct cl_node_stats {
	uint64_t heartbeats;		/* records written */
	uint64_t heartbeat_errors;	/* refused (Redis down) or failed */
	uint64_t reads;			/* successful reads of the peers */
	uint64_t read_errors;
	uint64_t malformed;		/* records that did not decode */
	uint64_t pruned;		/* expired ids removed from the set */
	uint64_t ended_sent;		/* ended calls told to their edge */
	uint64_t ended_received;	/* ended calls taken from our list */
	uint64_t ended_errors;		/* pushes or pops that failed */
};

/** The load this node reports (a media node's live calls). */
typedef uint64_t cl_node_load_fn(void *arg);

/** An edge hears that a media node ended @p call_id on its own. */
typedef void cl_node_ended_fn(void *arg, const char *call_id);

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

/** Take this node's list of ended calls every interval (edge; NULL: stop). */
void cl_node_set_ended_fn(struct cl_node *n, cl_node_ended_fn *fn, void *arg);

/**
 * Tell edge @p owner that its call @p call_id ended here (media node).
 *
 * @return 0, -EAGAIN (Redis down), -ENOMEM, -EINVAL (ids too long).
 */
int cl_node_tell_ended(struct cl_node *n, const char *owner,
		       const char *call_id);

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
