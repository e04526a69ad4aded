/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration of drongo: the schema (node, sip, log, limits, http,
 * media), its defaults, and loading from a file or from the embedded copy
 * of config/drongo.yaml. A bad value fails with "file:line: key: reason";
 * unknown keys are errors. Sections are parsed one function each, so new
 * sections (registrar ...) are added beside the others.
 */
#ifndef DRONGO_CONTROLPLANE_CONF_CP_CONF_H
#define DRONGO_CONTROLPLANE_CONF_CP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cp_conf_cluster.h"
#include "cp_conf_lb.h"
#include "cp_conf_media.h"
#include "cp_conf_redis.h"
#include "dg_conf.h"
#include "dg_log.h"

#define CP_CONF_MAX_LISTEN 16
#define CP_CONF_MAX_DOMAINS 16
#define CP_CONF_NAME_MAX 64
#define CP_CONF_DOMAIN_MAX 256
#define CP_CONF_MAX_HTTP_LISTEN 8

/** The bytes of config/drongo.yaml, NUL-terminated (generated at build). */
extern const char cp_conf_default_yaml[];
/** Length of cp_conf_default_yaml without the terminator. */
extern const size_t cp_conf_default_len;

/** What this node does (one binary, three roles). */
enum cp_role {
	CP_ROLE_EDGE,
	CP_ROLE_MEDIA,
	CP_ROLE_LB,
	CP_ROLE__COUNT,
};

/** Transport of a SIP listener. */
enum cp_transport {
	CP_TP_UDP,
	CP_TP_TCP,
	CP_TP__COUNT,
};

/** One SIP listening socket. */
struct cp_listen {
	enum cp_transport transport;
	struct sockaddr_storage addr;	/* family, address and port */
	socklen_t addrlen;
	unsigned int line;		/* where it was configured */
};

/** The whole configuration of drongo, every field set (defaults filled in). */
struct cp_conf {
	char source[256];		/* file name, or "<embedded>" */
	/* node */
	enum cp_role role;
	char name[CP_CONF_NAME_MAX];
	/* sip */
	struct cp_listen listen[CP_CONF_MAX_LISTEN];
	unsigned int n_listen;
	char domains[CP_CONF_MAX_DOMAINS][CP_CONF_DOMAIN_MAX];
	unsigned int n_domains;
	uint32_t max_message_size;
	uint64_t tcp_idle_timeout_ms;
	uint64_t t1_ms;
	uint64_t t2_ms;
	uint64_t t4_ms;
	/* log */
	enum dg_log_level log_level;
	/* limits */
	uint32_t udp_buffers;
	uint32_t udp_socket_buffer;
	uint32_t tcp_connections;
	/* media (role media: cp_conf_media.h) */
	struct cp_conf_media media;
	/* lb (role lb: cp_conf_lb.h) */
	struct cp_conf_lb lb;
	/* http */
	bool http_enabled;
	struct sockaddr_storage http_listen[CP_CONF_MAX_HTTP_LISTEN];
	unsigned int n_http_listen;
	uint32_t http_max_connections;
	uint64_t http_idle_timeout_ms;
	/* redis (shared state of a cluster: cp_conf_redis.h) */
	struct cp_conf_redis redis;
	/* cluster (identity, heartbeat, remote media: cp_conf_cluster.h) */
	struct cp_conf_cluster cluster;
};

/** Role names in enum order, NULL-terminated. */
extern const char *const cp_role_names[];

/**
 * Whether /health needs the local data plane: media.required, where auto
 * means yes for the edge and media roles and no for lb.
 */
bool cp_conf_media_required(const struct cp_conf *conf);

/** Transport names in enum order, NULL-terminated. */
extern const char *const cp_transport_names[];

/**
 * Load and validate a configuration file.
 *
 * @param err receives "file:line: key: reason" on failure
 * @return 0, -EINVAL on any bad value, -ENOENT/... when the file cannot be
 *         read, -ENOMEM.
 */
int cp_conf_load_file(struct cp_conf *conf, const char *path, char *err,
		size_t errlen);

/**
 * Load and validate YAML held in memory; name stands for the file name in
 * messages.
 *
 * @return as cp_conf_load_file().
 */
int cp_conf_load_buf(struct cp_conf *conf, const char *name, const char *buf,
		size_t len, char *err, size_t errlen);

/**
 * Load the embedded default (the bytes of config/drongo.yaml).
 *
 * @return as cp_conf_load_file().
 */
int cp_conf_load_default(struct cp_conf *conf, char *err, size_t errlen);

/**
 * Render a listener as "udp:[::]:5060" for logs.
 *
 * @return buf.
 */
const char *cp_listen_str(const struct cp_listen *l, char *buf, size_t len);

#endif
