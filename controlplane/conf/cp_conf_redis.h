/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "redis" section of drongo's configuration: where the shared state
 * of a cluster lives (the location store, credentials, node membership).
 * Either one server (address, host:port or unix:/path) or Sentinels that
 * name the master; password and database applied on every connect;
 * connect and command timeouts and the reconnect backoff; the prefix of every key
 * drongo writes, so several clusters can share one Redis. Parsed beside
 * the other sections by cp_conf.c.
 */
#ifndef DRONGO_CONTROLPLANE_CONF_CP_CONF_REDIS_H
#define DRONGO_CONTROLPLANE_CONF_CP_CONF_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "dg_conf.h"

#define CP_CONF_REDIS_HOST_MAX 256
#define CP_CONF_REDIS_SENTINELS_MAX 8
#define CP_CONF_REDIS_PASSWORD_MAX 256
#define CP_CONF_REDIS_MASTER_MAX 128
#define CP_CONF_REDIS_PREFIX_MAX 64

/** One server: host and port, or a unix socket path (port 0). */
struct cp_conf_redis_server {
	char host[CP_CONF_REDIS_HOST_MAX];	/* name, IP literal or socket path */
	uint16_t port;				/* 0: host is a unix socket path */
};

struct cp_conf_redis {
	bool enabled;				/* the file has a redis section */
	struct cp_conf_redis_server server;	/* default 127.0.0.1:6379 */
	char password[CP_CONF_REDIS_PASSWORD_MAX];	/* "": no AUTH */
	uint32_t db;				/* default 0 */
	struct cp_conf_redis_server sentinels[CP_CONF_REDIS_SENTINELS_MAX];
	unsigned int n_sentinels;		/* 0: connect to server directly */
	char master[CP_CONF_REDIS_MASTER_MAX];	/* Sentinel master name */
	uint64_t connect_timeout_ms;		/* default 2000 */
	uint64_t command_timeout_ms;		/* default 2000: no reply, link lost */
	uint64_t backoff_min_ms;		/* default 100 */
	uint64_t backoff_max_ms;		/* default 5000 */
	char key_prefix[CP_CONF_REDIS_PREFIX_MAX];	/* default "drongo:" */
};

/** Fill the defaults (the values of a present but empty section). */
void cp_conf_redis_defaults(struct cp_conf_redis *r);

/**
 * Parse "host:port", "[v6]:port" or "unix:/path" into s.
 *
 * @return 0, -EINVAL with a reason in why (static text).
 */
int cp_conf_redis_server_parse(const char *text, struct cp_conf_redis_server *s,
		const char **why);

/**
 * Read the "redis" section into @p r (which holds the defaults) and mark
 * it enabled.
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int cp_conf_redis_parse(const struct dg_conf_node *sec, struct cp_conf_redis *r);

#endif
