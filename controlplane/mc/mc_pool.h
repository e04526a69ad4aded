/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote orchestrator over several media nodes (Drongo role media, or
 * rtpengine), each driven over the ng protocol. A new call goes to the
 * least loaded usable node relative to its weight (load: what the node's
 * heartbeat last reported plus the calls placed on it since, or for a
 * node known only from the configuration the calls this edge holds
 * there); a node at its capacity is skipped. The pool remembers which
 * node holds each call, so both legs and every later request of the call
 * (answers, re-INVITEs, query, delete) reach the same node. A node is
 * lost when its heartbeat is gone (mc_pool_sync no longer lists it) or
 * when one of its requests goes unanswered after every retransmission,
 * and its calls are lost when its heartbeat shows it restarted (a new
 * start time, or a heartbeat number going back: the new process holds
 * none of the old one's calls):
 * each established call on it is forgotten and reported as a media event
 * (MC_EVENT_NODE_LOST, reason "media node <id> lost"), so that the dialog
 * layer ends it with BYE both ways, and new calls go elsewhere at once. A
 * node of the configuration that no heartbeat vouches for is pinged every
 * probe interval (an unanswered ping loses it too), and a node lost by
 * timeout is pinged and used again when it answers. Offers, answers and deletes carry this edge's node id (key
 * "drongo-node") so that a media node can reap the calls of an edge that
 * died.
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_POOL_H
#define DRONGO_CONTROLPLANE_MC_MC_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mc_orch.h"
#include "uring_loop.h"

/** Longest node id. */
#define MC_POOL_ID_MAX 64
/** Longest owner text ("<edge id>/<incarnation>"). */
#define MC_POOL_OWNER_MAX 96
/** Media nodes a pool knows at once. */
#define MC_POOL_MAX_NODES 64

/** Options of mc_pool_create; zero values pick the defaults. */
struct mc_pool_opts {
	unsigned int first_rto_ms;	/**< ng retransmission; 0: 500 */
	unsigned int tries;		/**< 0: 4 */
	unsigned int bgid;		/**< provided-buffer groups bgid and
					     bgid + 1 (IPv6); 0: 3 */
	unsigned int probe_ms;		/**< ping of lost nodes; 0: 1000 */
	const char *owner;		/**< this edge as the media nodes know
					     it ("<id>/<inc>"); NULL: none sent */
};

/** A media node as configured or as its heartbeat describes it. */
struct mc_pool_node {
	char id[MC_POOL_ID_MAX];
	struct sockaddr_storage ng;
	socklen_t ng_len;
	uint32_t weight;		/* 0 counts as 1 */
	uint32_t capacity;		/* calls; 0: no limit */
	uint64_t load;			/* reported live calls */
	uint64_t seq;			/* heartbeat number (a new one resets
					   the calls counted since) */
	uint64_t start_s;		/* when the node started (0: unknown) */
};

/** A node as /metrics shows it. */
struct mc_pool_node_info {
	const char *id;
	bool up;			/* new calls may go there */
	bool configured;		/* from the configuration */
	uint64_t calls;			/* this edge's calls on it */
	uint64_t load;			/* load used for choosing */
	uint32_t weight;
	uint32_t capacity;
	uint64_t losses;		/* times it was lost */
	uint64_t ended;			/* calls ended by its losses */
};

/** Counters of the pool beyond struct mc_orch_stats. */
struct mc_pool_stats {
	uint64_t no_node;		/* offers refused: no usable node */
	uint64_t node_losses;
	uint64_t calls_ended;		/* by node losses */
	uint64_t probes;		/* pings of lost nodes */
};

/** The choice among candidates (exposed for tests). */
struct mc_pool_cand {
	bool up;
	uint64_t load;
	uint32_t weight;
	uint32_t capacity;
};

/**
 * The candidate a new call goes to: among those up and below capacity,
 * the lowest load / weight; ties go to the first at or after @p start
 * (the pool rotates it, so ties spread).
 *
 * @return its index, -ENOSPC when none fits.
 */
int mc_pool_choose(const struct mc_pool_cand *c, unsigned int n,
		   unsigned int start);

/**
 * An empty pool on @p loop.
 *
 * @return 0 and *out, -ENOMEM, -EINVAL (owner too long).
 */
int mc_pool_create(struct mc_orch **out, struct uring_loop *loop,
		   const struct mc_pool_opts *opts);

/**
 * Add a node of the configuration: always known, lost only when its
 * requests time out.
 *
 * @return 0, -EEXIST, -ENOSPC (pool full), -ENOMEM, -EINVAL (address),
 *   or the error of opening the client socket.
 */
int mc_pool_add_static(struct mc_orch *o, const struct mc_pool_node *n);

/**
 * The media nodes whose heartbeat is alive now. A node listed by the
 * previous sync and missing from this one is lost (its calls ended).
 * Nodes listed are added or updated (address, weight, capacity, load).
 */
void mc_pool_sync(struct mc_orch *o, const struct mc_pool_node *nodes,
		  unsigned int n);

/**
 * The media node ended @p call_id on its own (media timeout there):
 * forget it and, when it was established, report it as a media event
 * with @p why.
 *
 * @return 0, -ENOENT (no such call here).
 */
int mc_pool_ended(struct mc_orch *o, const char *call_id, const char *why);

/** Call @p fn for each node. */
void mc_pool_foreach(struct mc_orch *o,
		     void (*fn)(void *arg, const struct mc_pool_node_info *ni),
		     void *arg);

/** Usable nodes now. */
unsigned int mc_pool_up(struct mc_orch *o);

/** Counters. */
void mc_pool_stats_get(struct mc_orch *o, struct mc_pool_stats *st);

#endif
