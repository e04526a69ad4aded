/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The embedded location store: a hash table of AoRs in this process, for
 * a single edge node or tests. It completes every operation before
 * returning, or, in deferred mode, when the caller runs the pending
 * completions (so that callers can test the path a remote store takes). Expiry is lazy (an AoR's expired bindings go when it is next
 * touched) plus a bounded sweep the event loop calls from a timer, so
 * that AoRs nobody asks for do not hold memory forever.
 */
#ifndef DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_MEM_H
#define DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_loc.h"

/** Limits and clock of an in-memory store. */
struct sip_loc_mem_conf {
	uint32_t max_aors;		/* 0 means 100000 */
	uint32_t max_bindings;		/* per AoR; 0 means 10 */
	sip_loc_clock_fn clock;		/* NULL: CLOCK_REALTIME */
	void *clock_arg;
	bool deferred;			/* complete in sip_loc_mem_run_pending() */
};

/**
 * Create an in-memory store; free it with sip_loc_destroy().
 *
 * @return 0, -EINVAL (max_aors above 2^24), -ENOMEM.
 */
int sip_loc_mem_create(struct sip_loc **out, const struct sip_loc_mem_conf *conf);

/**
 * Drop expired bindings (and AoRs left without any) in the next `buckets`
 * hash buckets, resuming where the previous call stopped. Calling it with
 * the bucket count per sweep period bounds the work of each timer tick.
 *
 * @return number of bindings removed.
 */
unsigned int sip_loc_mem_sweep(struct sip_loc *loc, unsigned int buckets);

/**
 * Deferred mode: call the completions queued so far, in submission order,
 * each with a copy of the record as it was when its operation ran.
 * Completions queued by these callbacks wait for the next call. A store
 * destroyed with completions pending drops them uncalled. In deferred
 * mode an operation may also fail at submission with -ENOMEM, and one
 * whose record cannot be copied completes with -ENOMEM although it was
 * applied (as a remote store's lost reply would).
 *
 * @return number of completions called.
 */
unsigned int sip_loc_mem_run_pending(struct sip_loc *loc);

/** Number of hash buckets (a full sweep visits them all). */
size_t sip_loc_mem_buckets(const struct sip_loc *loc);

/** Number of AoRs held, expired bindings included until swept. */
size_t sip_loc_mem_aors(const struct sip_loc *loc);

/**
 * What sip_loc_mem_foreach() calls: an AoR's bindings (those with
 * expires <= now are expired, not yet swept) and the store's clock now.
 */
typedef void (*sip_loc_mem_visit_fn)(void *arg, const struct sip_loc_record *rec,
		uint64_t now);

/**
 * Call fn for at most max AoRs with a live binding, in table order (for
 * read-only views; fn must not change the store).
 *
 * @return the number visited.
 */
size_t sip_loc_mem_foreach(const struct sip_loc *loc, sip_loc_mem_visit_fn fn,
		void *arg, size_t max);

#endif
