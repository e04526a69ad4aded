/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "cluster" section of drongo's configuration: this node's identity
 * as its peers see it (id and the addresses it advertises), the heartbeat
 * it keeps in Redis (interval and expiry), how long a media node waits
 * before reaping the calls of an edge whose heartbeat is gone, what a
 * media node offers (capacity, weight), and for an edge where calls are
 * anchored (the local drongo-dp, or remote media nodes discovered through
 * Redis and/or listed here). Parsed beside the other sections by cp_conf.c.
 */
#ifndef DRONGO_CONTROLPLANE_CONF_CP_CONF_CLUSTER_H
#define DRONGO_CONTROLPLANE_CONF_CP_CONF_CLUSTER_H

#include <stdint.h>
#include <sys/socket.h>

#include "dg_conf.h"

/** Longest node id (a SIP token, as node.name). */
#define CP_CLUSTER_ID_MAX 64
/** Longest advertised "address:port". */
#define CP_CLUSTER_ADDR_MAX 64
/** Media nodes listed in the configuration. */
#define CP_CLUSTER_MAX_NODES 32

/** cluster.media: where an edge anchors its calls. */
enum cp_cluster_media {
	CP_CLUSTER_MEDIA_LOCAL,		/* this box's drongo-dp */
	CP_CLUSTER_MEDIA_REMOTE,	/* media nodes over ng */
	CP_CLUSTER_MEDIA__COUNT,
};

/** cluster.media values in enum order, NULL-terminated. */
extern const char *const cp_cluster_media_names[];

/** One media node of cluster.media_nodes. */
struct cp_cluster_node {
	char id[CP_CLUSTER_ID_MAX];
	struct sockaddr_storage ng;	/* its ng control address */
	socklen_t ng_len;
	uint32_t weight;
	uint32_t capacity;		/* calls; 0: no limit */
};

struct cp_conf_cluster {
	char id[CP_CLUSTER_ID_MAX];		/* "": node.name */
	char sip[CP_CLUSTER_ADDR_MAX];		/* advertised; "": none */
	char ng[CP_CLUSTER_ADDR_MAX];		/* "": media.ng_listen */
	char http[CP_CLUSTER_ADDR_MAX];		/* "": none */
	uint64_t heartbeat_interval_ms;		/* default 1000 */
	uint64_t heartbeat_ttl_ms;		/* default 3000 */
	uint64_t orphan_grace_ms;		/* default 10000 */
	uint32_t capacity;			/* media: calls; 0: no limit */
	uint32_t weight;			/* media: default 100 */
	enum cp_cluster_media media;		/* edge: default local */
	struct cp_cluster_node nodes[CP_CLUSTER_MAX_NODES];
	unsigned int n_nodes;
};

/** Fill the defaults (the values when the section is absent). */
void cp_conf_cluster_defaults(struct cp_conf_cluster *c);

/**
 * Read the "cluster" section into @p c.
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int cp_conf_cluster_parse(const struct dg_conf_node *sec,
			  struct cp_conf_cluster *c);

/**
 * Parse "192.0.2.1:2223" or "[2001:db8::1]:2223" into @p ss.
 *
 * @return 0, -EINVAL.
 */
int cp_conf_cluster_addr(const char *s, struct sockaddr_storage *ss,
			 socklen_t *len);

#endif
