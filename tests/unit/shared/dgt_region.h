/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's side of the region, as the unit tests play it: create a
 * region with the shared layout code, publish it, and act as worker w
 * (read its command ring, write its event ring, set its statistics) using
 * nothing but the ABI headers, as drongo-dp does.
 */
#ifndef DRONGO_TESTS_UNIT_SHARED_DGT_REGION_H
#define DRONGO_TESTS_UNIT_SHARED_DGT_REGION_H

#include <stdint.h>

#include "dg_shm.h"

struct dgt_region {
	struct dg_shm_region reg;
	struct dg_ring_ref cmd[DG_SHM_MAX_WORKERS];	/* consumer side */
	struct dg_ring_ref evt[DG_SHM_MAX_WORKERS];	/* producer side */
	unsigned int instance;
};

/** An instance number no other test process uses. */
unsigned int
dgt_instance(unsigned int n);

/** Create and publish a region of @p workers workers; asserts success. */
void
dgt_region_create(struct dgt_region *r, unsigned int instance,
		  unsigned int workers, uint32_t cmd_slots, uint32_t evt_slots);

/** Remove the region (state STOPPED, unlink). */
void
dgt_region_destroy(struct dgt_region *r);

/** Worker w's statistics block. */
struct dg_shm_worker_stats *
dgt_worker_stats(struct dgt_region *r, unsigned int w);

/** Stamp alive_ns as the main lcore does. */
void
dgt_alive(struct dgt_region *r);

/** Take one command from worker w's ring; returns 1 or 0. */
unsigned int
dgt_take(struct dgt_region *r, unsigned int w, struct dg_msg *m);

/** Write an event to worker w's ring; returns 1 or 0 (full). */
unsigned int
dgt_put(struct dgt_region *r, unsigned int w, const struct dg_msg *m);

/** Write the ACK of command @p cmd with @p status to worker w's ring. */
void
dgt_ack(struct dgt_region *r, unsigned int w, const struct dg_msg *cmd,
	int status);

#endif
