/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared location store: the bindings of every AoR in Redis, so a
 * REGISTER taken by one edge node is found by every other. One string key
 * per AoR ("<prefix>loc:<aor>") holds its version and its bindings in a
 * compact binary form; every operation is one Lua script run atomically
 * in Redis (sent with EVALSHA, with EVAL when the server does not have it
 * cached), so two nodes changing one AoR at once never lose a binding.
 * Versions come from one counter key ("<prefix>loc:version"): never
 * reused, even when an AoR disappears and returns. A binding expires by
 * its own time, checked on every read with this node's clock; the key
 * carries a TTL of its last binding so that AoRs nobody asks for leave
 * Redis by themselves. Semantics are those of the in-memory store,
 * except that the number of AoRs is bounded by Redis' memory, not by a
 * count. A binding's socket and connection ids come back only to the
 * node (node_id) that stored it; other nodes read 0 and reach the contact
 * at its source address. While the connection is down, operations fail
 * at submission with -EAGAIN; a reply lost with the connection completes
 * with -EIO.
 */
#ifndef DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_REDIS_H
#define DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "redis_conn.h"
#include "sip_loc.h"

/** Settings of a Redis location store. */
struct sip_loc_redis_conf {
	struct redis_conn *conn;	/* shared; must outlive the store */
	const char *key_prefix;		/* NULL: "drongo:" */
	uint32_t max_bindings;		/* per AoR; 0 means 10 */
	sip_loc_clock_fn clock;		/* NULL: CLOCK_REALTIME */
	void *clock_arg;
	uint64_t node_id;		/* 0: a random one (per process) */
};

/**
 * Create a Redis location store; free it with sip_loc_destroy() once no
 * operation is pending (destroy the connection first to flush them).
 *
 * @return 0, -EINVAL (no connection, prefix longer than 64 bytes),
 *         -ENOMEM.
 */
int sip_loc_redis_create(struct sip_loc **out,
		const struct sip_loc_redis_conf *conf);

/** Counters of a Redis store. */
struct sip_loc_redis_stats {
	uint64_t ops;			/* operations submitted */
	uint64_t noscript;		/* EVALSHA answered NOSCRIPT: sent again as EVAL */
	uint64_t failed;		/* completed with -EIO (lost or error reply) */
};

/** Whether loc is a Redis store. */
bool sip_loc_is_redis(const struct sip_loc *loc);

/** The counters (zeros for a store of another kind). */
void sip_loc_redis_stats(const struct sip_loc *loc,
		struct sip_loc_redis_stats *out);

#endif
