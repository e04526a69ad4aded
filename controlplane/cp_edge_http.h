/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge proxy on the operators' HTTP server: its counters on /metrics
 * (drongo_proxy_*: requests, forwarding, authentication, transactions
 * live, created and timed out, dialogs, registered AoRs), its live
 * dialogs as JSON on /api/dialogs, the live bindings of the location
 * store on /api/registrations and the calls anchored in the media relay
 * on /api/media/sessions. Registered by main.c when the node runs the
 * proxy and serves HTTP.
 */
#ifndef DRONGO_CONTROLPLANE_CP_EDGE_HTTP_H
#define DRONGO_CONTROLPLANE_CP_EDGE_HTTP_H

#include "http_buf.h"
#include "http_provider.h"
#include "mc_dialog.h"
#include "sip_loc.h"
#include "sip_proxy.h"

/** Most dialogs /api/dialogs lists (the count is always whole). */
#define CP_EDGE_HTTP_MAX_DIALOGS 1000

/** Most AoRs /api/registrations lists. */
#define CP_EDGE_HTTP_MAX_AORS 1000

/** Most calls /api/media/sessions lists (the count is always whole). */
#define CP_EDGE_HTTP_MAX_SESSIONS 1000

struct cp_edge_http {
	struct sip_proxy *proxy;
	struct sip_loc *loc;		/* the in-memory location store */
	struct mc_dialog *anchor;	/* NULL: media not anchored here */
	struct http_provider metrics;
	struct http_provider dialogs;
	struct http_provider registrations;
	struct http_provider sessions;
};

/** Point h at a proxy and its in-memory location store. */
void cp_edge_http_init(struct cp_edge_http *h, struct sip_proxy *proxy,
		struct sip_loc *loc);

/** The media anchoring layer whose calls /api/media/sessions lists. */
void cp_edge_http_set_anchor(struct cp_edge_http *h, struct mc_dialog *anchor);

/**
 * Register the /metrics families, /api/dialogs, /api/registrations and
 * /api/media/sessions.
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

/**
 * The JSON callback of /api/media/sessions (arg: struct cp_edge_http):
 * each anchored call with its parties (tags, SIP source, the relay
 * address and port each was given) and, once the orchestrator has
 * answered a query, its streams with both legs' peers, relay ports,
 * profile and counters. Each listing asks for fresh counters, so they
 * are those of the previous listing (stats_at says when).
 *
 * @return 0.
 */
int cp_edge_http_media_sessions(void *arg, struct http_buf *out);

#endif
