/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local data plane as /health and /metrics see it: a read-only view
 * of drongo-dp's shared-memory region (dg_client with read_only, so it
 * never competes with media control for the rings). The HEALTH part is up
 * while a region is attached, READY and its liveness stamp fresh; the
 * METRICS part exposes the workers' and the main lcore's counters
 * (sessions, packets, bytes, drops by reason, SRTP, media timeouts). A
 * data plane that stops or is replaced is noticed at the next look, and
 * the next region is attached then.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_DP_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "dg_client.h"
#include "http_provider.h"

/** Attach attempts at most this often while no region is attached. */
#define HTTP_DP_RETRY_MS 100

struct http_dp {
	struct dg_client *c;		/* NULL while detached */
	unsigned int instance;
	char name[DG_SHM_NAME_MAX];	/* region name; "" for the instance */
	char reason[256];		/* why it is down */
	uint64_t next_try_ns;
	struct http_provider health;
	struct http_provider metrics;
};

/**
 * Prepare the view of drongo-dp instance (or of the region named name when
 * not NULL); it attaches lazily, at the first look.
 *
 * @return 0, -EINVAL when name is too long.
 */
int http_dp_init(struct http_dp *dp, unsigned int instance, const char *name);

/** Detach. */
void http_dp_fini(struct http_dp *dp);

/**
 * Register the METRICS part, and the HEALTH part "dataplane" when
 * required is true.
 *
 * @return 0 or the error of http_registry_add().
 */
int http_dp_register(struct http_dp *dp, struct http_registry *reg,
		bool required);

/** Remove what http_dp_register() added. */
void http_dp_unregister(struct http_dp *dp, struct http_registry *reg);

/**
 * Whether a live, READY region is attached now (attaching or detaching as
 * needed); dp->reason says why not.
 */
bool http_dp_up(struct http_dp *dp);

#endif
