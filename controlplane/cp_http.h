/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo's HTTP wiring: starts the operators' HTTP server of the
 * configuration and plugs in the parts this binary runs (the SIP
 * service's counters, the local data plane's health and counters). Other
 * modules register their own providers through cp_http_registry().
 */
#ifndef DRONGO_CONTROLPLANE_CP_HTTP_H
#define DRONGO_CONTROLPLANE_CP_HTTP_H

#include <stddef.h>

#include "cp_conf.h"
#include "http_dp.h"
#include "http_server.h"
#include "sip_server.h"
#include "uring_loop.h"

struct cp_http {
	struct http_server srv;
	struct http_dp dp;
	struct http_provider sip_metrics;
	const struct sip_server *sip;
	bool dp_on;			/* dp initialised */
	/* What a reload cannot change, as started. */
	struct sockaddr_storage listen[CP_CONF_MAX_HTTP_LISTEN];
	unsigned int n_listen;
	uint32_t max_conns;
	bool media_required;
};

/**
 * Start HTTP as conf says (nothing when http.enabled is false). A
 * listener that cannot bind is logged and leaves drongo running without
 * HTTP: SIP must not stop for want of a metrics port.
 *
 * @return 0 and *out (NULL when disabled), -ENOMEM.
 */
int cp_http_start(struct cp_http **out, struct uring_loop *loop,
		const struct cp_conf *conf, const struct sip_server *sip);

/** The registry of a running server, NULL when HTTP is off. */
struct http_registry *cp_http_registry(struct cp_http *h);

/**
 * Apply what a reload can change (node name, idle timeout); log a warning
 * naming each key that needs a restart (http.enabled, http.listen,
 * http.max_connections, media.required). h is NULL when HTTP is off.
 */
void cp_http_reload(struct cp_http *h, const struct cp_conf *conf);

/** Stop accepting and close the connections (before the loop ends). */
void cp_http_stop(struct cp_http *h);

/** Free everything; after uring_loop_fini(). NULL is fine. */
void cp_http_destroy(struct cp_http *h);

#endif
