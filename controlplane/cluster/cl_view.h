/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The peers a node sees: the result of the last successful read of the
 * heartbeats in Redis. A peer whose heartbeat is missing from a read is
 * kept, marked gone and stamped with the time it was first missed, so
 * that a media node can wait out the orphan grace period and /metrics
 * still names it; it is dropped after CL_VIEW_FORGET_MS. While Redis
 * cannot be read the view keeps what it last knew and says it is stale.
 * All times are milliseconds of one monotonic clock given by the caller
 * (the loop's), so tests drive it.
 */
#ifndef DRONGO_CONTROLPLANE_CLUSTER_CL_VIEW_H
#define DRONGO_CONTROLPLANE_CLUSTER_CL_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cl_hb.h"

/** Peers kept (alive or recently gone). */
#define CL_VIEW_MAX 256
/** A gone peer is forgotten after this long. */
#define CL_VIEW_FORGET_MS (3600u * 1000u)

struct cl_view_peer {
	struct cl_peer p;
	bool alive;
	uint64_t last_seen_ms;		/* last read that had its heartbeat */
	uint64_t gone_since_ms;		/* first read without it (alive: 0) */
	uint64_t since_ms;		/* first read of this run (inc) */
};

struct cl_view {
	struct cl_view_peer peers[CL_VIEW_MAX];
	unsigned int n;
	bool fresh;			/* the last read succeeded */
	bool have_read;			/* a read has succeeded */
	uint64_t first_read_ms;		/* the first successful read */
	uint64_t last_read_ms;
	uint64_t overflow;		/* peers left out: the view was full */
};

/** An empty view (stale until the first read). */
void cl_view_init(struct cl_view *v);

/**
 * Apply a successful read holding the heartbeats @p peers at @p now_ms:
 * those listed are alive (with their new records), the others gone.
 */
void cl_view_update(struct cl_view *v, const struct cl_peer *peers,
		    unsigned int n, uint64_t now_ms);

/** A read failed (Redis down): keep the peers, mark the view stale. */
void cl_view_stale(struct cl_view *v);

/** The peer @p id, or NULL. */
const struct cl_view_peer *cl_view_find(const struct cl_view *v,
					const char *id);

/** Alive peers of @p role. */
unsigned int cl_view_alive(const struct cl_view *v, enum cp_role role);

/**
 * How long the heartbeat of @p id has been missing at @p now_ms: 0 while
 * it is alive; for an id never seen, the time since the first read (it
 * was already gone then). Meaningful only while the view is fresh.
 */
uint64_t cl_view_gone_ms(const struct cl_view *v, const char *id,
			 uint64_t now_ms);

/**
 * As cl_view_gone_ms for one run of a node, @p owner being "<id>/<inc>"
 * (or a bare id: any run): a node alive under another incarnation number
 * restarted, and the old run counts as gone since the new one was first
 * read.
 */
uint64_t cl_view_owner_gone_ms(const struct cl_view *v, const char *owner,
			       uint64_t now_ms);

#endif
