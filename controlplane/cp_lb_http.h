/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer on the operators' HTTP server: its counters and each
 * edge's state and counters on /metrics (drongo_lb_*), the edges as JSON
 * on /api/lb/edges, and a /health part "edges" that is down while no edge
 * is in the rotation (a balancer that can only answer 503 should be taken
 * out of DNS or the load balancer in front). Registered by main.c when the
 * node runs role lb and serves HTTP.
 */
#ifndef DRONGO_CONTROLPLANE_CP_LB_HTTP_H
#define DRONGO_CONTROLPLANE_CP_LB_HTTP_H

#include "http_buf.h"
#include "http_provider.h"
#include "sip_lb.h"

struct cp_lb_http {
	const struct sip_lb *lb;
	struct http_provider metrics;
	struct http_provider edges;
	struct http_provider health;
};

/** Point h at a balancer. */
void cp_lb_http_init(struct cp_lb_http *h, const struct sip_lb *lb);

/**
 * Register the /metrics families, /api/lb/edges and the /health part.
 *
 * @return 0, or the error of http_registry_add() (nothing left registered).
 */
int cp_lb_http_register(struct cp_lb_http *h, struct http_registry *r);

/**
 * The HEALTH callback "edges" (arg: struct cp_lb_http).
 *
 * @return 0 while at least one edge is up, -EHOSTDOWN with the reason.
 */
int cp_lb_http_health(void *arg, struct http_buf *out);

/** Remove what cp_lb_http_register() added. */
void cp_lb_http_unregister(struct cp_lb_http *h, struct http_registry *r);

/** The METRICS callback (arg: struct cp_lb_http). @return 0. */
int cp_lb_http_metrics(void *arg, struct http_buf *out);

/** The JSON callback of /api/lb/edges (arg: struct cp_lb_http). @return 0. */
int cp_lb_http_edges(void *arg, struct http_buf *out);

#endif
