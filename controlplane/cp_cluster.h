/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo's cluster wiring: this node's membership in Redis (cl_node),
 * the remote media orchestrator of an edge (mc_pool over the media nodes
 * of cluster.media_nodes and of the peer view), the orphan reaping of a
 * media node (ng_media's owner check over the peer view), and what the
 * operators see of it: /metrics families (drongo_cluster_*, drongo_redis_*,
 * drongo_media_node_*, drongo_media_reaped_total), /api/cluster (this
 * node, Redis, the peers) and, on an edge with remote media, the /health
 * part "media_nodes" (down while no media node is usable). Redis being
 * down does not make /health fail: calls in progress and calls that do
 * not need Redis are still served; /api/cluster and /metrics report it.
 */
#ifndef DRONGO_CONTROLPLANE_CP_CLUSTER_H
#define DRONGO_CONTROLPLANE_CP_CLUSTER_H

#include <stddef.h>

#include "cl_node.h"
#include "cp_conf.h"
#include "http_provider.h"
#include "mc_orch.h"
#include "ng_media.h"
#include "redis_conn.h"
#include "uring_loop.h"

struct cp_cluster {
	struct uring_loop *loop;
	const struct cp_conf *conf;	/* valid during start only */
	struct redis_conn *redis;	/* NULL: no redis section */
	struct cl_node *node;		/* NULL without Redis */
	struct ng_media *media;		/* role media */
	struct mc_orch *pool;		/* edge with remote media (owned by
					   the anchoring layer) */
	uint64_t interval_ms;
	struct http_provider metrics;
	struct http_provider api;
	struct http_provider health;
};

/**
 * Start membership (when @p redis is not NULL) and, on a media node
 * (@p media not NULL), orphan reaping.
 *
 * @return 0; a negative errno with a reason in @p err.
 */
int cp_cluster_start(struct cp_cluster *c, struct uring_loop *loop,
		     const struct cp_conf *conf, struct redis_conn *redis,
		     struct ng_media *media, char *err, size_t errlen);

/**
 * The remote media orchestrator of an edge (cluster.media remote): the
 * nodes of cluster.media_nodes now, those of the peer view as they come.
 * The caller owns it (the anchoring layer destroys it); call
 * cp_cluster_stop() before destroying it.
 *
 * @return 0 and *out; a negative errno with a reason in @p err.
 */
int cp_cluster_pool_create(struct cp_cluster *c, const struct cp_conf *conf,
			   struct mc_orch **out, char *err, size_t errlen);

/** Register /metrics, /api/cluster and the "media_nodes" /health part. */
void cp_cluster_http_register(struct cp_cluster *c, struct http_registry *r);

/** Leave the cluster (delete this node's key); the loop has stopped. */
void cp_cluster_leave(struct cp_cluster *c);

/** Forget the orchestrator (before the anchoring layer destroys it). */
void cp_cluster_stop(struct cp_cluster *c);

/** Free; after redis_conn_destroy() and uring_loop_fini(). */
void cp_cluster_destroy(struct cp_cluster *c);

#endif
