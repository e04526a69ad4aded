/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge proxy on the operators' HTTP server: its counters on /metrics
 * (drongo_proxy_*: requests, forwarding, authentication, transactions
 * live, created and timed out, dialogs, registered AoRs), its live
 * dialogs as JSON on /api/dialogs and the live bindings of the location
 * store on /api/registrations. Registered by main.c when the node
 * runs the proxy and serves HTTP.
 */
#ifndef DRONGO_CONTROLPLANE_CP_EDGE_HTTP_H
#define DRONGO_CONTROLPLANE_CP_EDGE_HTTP_H

#include "http_buf.h"
#include "http_provider.h"
#include "sip_loc.h"
#include "sip_proxy.h"

/** Most dialogs /api/dialogs lists (the count is always whole). */
#define CP_EDGE_HTTP_MAX_DIALOGS 1000

/** Most AoRs /api/registrations lists. */
#define CP_EDGE_HTTP_MAX_AORS 1000

struct cp_edge_http {
	struct sip_proxy *proxy;
	struct sip_loc *loc;		/* the in-memory location store */
	struct http_provider metrics;
	struct http_provider dialogs;
	struct http_provider registrations;
};

/** Point h at a proxy and its in-memory location store. */
void cp_edge_http_init(struct cp_edge_http *h, struct sip_proxy *proxy,
		struct sip_loc *loc);

/**
 * Register the /metrics families, /api/dialogs and /api/registrations.
 *
 * @return 0, or the error of http_registry_add() (nothing left registered).
 */
int cp_edge_http_register(struct cp_edge_http *h, struct http_registry *r);

/** Remove what cp_edge_http_register() added. */
void cp_edge_http_unregister(struct cp_edge_http *h, struct http_registry *r);

/** The METRICS callback (arg: struct cp_edge_http). @return 0. */
int cp_edge_http_metrics(void *arg, struct http_buf *out);

/** The JSON callback of /api/dialogs (arg: struct cp_edge_http). @return 0. */
int cp_edge_http_dialogs(void *arg, struct http_buf *out);

/** The JSON callback of /api/registrations (arg: struct cp_edge_http). @return 0. */
int cp_edge_http_registrations(void *arg, struct http_buf *out);

#endif
