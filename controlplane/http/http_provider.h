/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How modules plug into the HTTP server without the server knowing them:
 * a module embeds a struct http_provider in its own state, fills in the
 * kind, name and callback, and registers it. Three kinds:
 *
 *   JSON     serves GET <name> (a path such as "/api/dialogs"): the
 *            callback writes one whole JSON document (http_json.h).
 *   METRICS  adds families to /metrics: the callback appends exposition
 *            text (http_expo.h); names start with "drongo_".
 *   HEALTH   a part /health depends on, named <name> ("dataplane",
 *            "redis"): the callback returns 0 when the part is up, or a
 *            negative errno with a one-line reason written to the buffer.
 *
 * Callbacks run on the loop thread, between completions, so they read the
 * module's state directly; they must not block. A path nobody registered
 * answers 404 with a JSON error.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_PROVIDER_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_PROVIDER_H

#include <stdbool.h>

#include "dg_pl.h"
#include "http_buf.h"

enum http_provider_kind {
	HTTP_PROVIDER_JSON,
	HTTP_PROVIDER_METRICS,
	HTTP_PROVIDER_HEALTH,
	HTTP_PROVIDER__COUNT,
};

/**
 * Write the provider's part into out.
 *
 * @return 0, or a negative errno: JSON and METRICS callbacks fail the part
 *         (500, or the family left out and counted); HEALTH means down.
 */
typedef int (*http_provider_fn)(void *arg, struct http_buf *out);

struct http_provider {
	enum http_provider_kind kind;
	const char *name;		/* path (JSON) or part name */
	http_provider_fn fn;
	void *arg;
	struct http_provider *next;	/* the registry's link */
	bool registered;
};

/** Providers by kind, each list in registration order. */
struct http_registry {
	struct http_provider *head[HTTP_PROVIDER__COUNT];
};

/** An empty registry. */
void http_registry_init(struct http_registry *r);

/**
 * Register p (it must stay valid until removed).
 *
 * @return 0, -EINVAL (bad kind, no name or callback, a JSON name that is
 *         not a path), -EEXIST (that kind already has that name), -EBUSY
 *         (p is already registered).
 */
int http_registry_add(struct http_registry *r, struct http_provider *p);

/** Remove p; a provider not registered is left alone. */
void http_registry_remove(struct http_registry *r, struct http_provider *p);

/** The provider of kind named name, or NULL. */
struct http_provider *http_registry_find(const struct http_registry *r,
		enum http_provider_kind kind, struct dg_pl name);

#endif
