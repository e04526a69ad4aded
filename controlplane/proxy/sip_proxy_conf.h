/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `edge` section of drongo.yaml: routing rules, registrar expiry,
 * digest authentication policy, dialog timers and transaction limits of
 * the proxy (documented key by key in config/README.md). Parsed from the
 * same YAML document as the rest of the configuration; a bad value fails
 * with "file:line: key: reason".
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_CONF_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_conf.h"
#include "sip_auth_policy.h"
#include "sip_proxy.h"

#define SIP_PROXY_CONF_PATH_MAX 1024
#define SIP_PROXY_CONF_SECRET_MAX 256

/** edge.location: the location store. */
enum sip_edge_location {
	SIP_EDGE_LOC_MEMORY,		/* this process (one edge node) */
	SIP_EDGE_LOC_REDIS,		/* shared by every node (redis section) */
};

/** edge.auth.credentials: where users' HA1s are read. */
enum sip_edge_credentials {
	SIP_EDGE_CREDS_FILE,		/* auth.users_file, loaded at start */
	SIP_EDGE_CREDS_REDIS,		/* one hash per user@realm in Redis */
};

/** The edge section, defaults filled in. */
struct sip_edge_conf {
	bool present;				/* the file has an edge section */
	struct sip_proxy_conf proxy;
	enum sip_edge_location location;	/* where bindings live */
	bool auth_enabled;			/* auth.realm given */
	enum sip_edge_credentials credentials;	/* where HA1s come from */
	uint64_t credentials_cache_ms;		/* reuse of an HA1 read from Redis */
	char realm[SIP_AUTH_POLICY_REALM_MAX];
	char users_file[SIP_PROXY_CONF_PATH_MAX];
	char secret[SIP_PROXY_CONF_SECRET_MAX];
	uint32_t nonce_ttl_s;
	unsigned int offer;			/* SIP_AUTH_OFFER_* bits, 0: both */
	struct sip_auth_policy policy;
};

/** Fill in the defaults (no auth, no routes, unknown destinations 404). */
void sip_edge_conf_defaults(struct sip_edge_conf *ec);

/**
 * Parse the `edge` mapping of a configuration document into ec (which
 * holds the defaults first).
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int sip_edge_conf_parse(const struct dg_conf_node *sec,
		struct sip_edge_conf *ec);

/**
 * Load a configuration file and parse its `edge` section (defaults when
 * absent or when path is NULL).
 *
 * @param err receives "file:line: key: reason"
 * @return 0, -EINVAL, -ENOENT/..., -ENOMEM.
 */
int sip_edge_conf_load_file(struct sip_edge_conf *ec, const char *path,
		char *err, size_t errlen);

/**
 * The same from YAML in memory; name stands for the file name.
 *
 * @return as sip_edge_conf_load_file().
 */
int sip_edge_conf_load_buf(struct sip_edge_conf *ec, const char *name,
		const char *buf, size_t len, char *err, size_t errlen);

#endif
