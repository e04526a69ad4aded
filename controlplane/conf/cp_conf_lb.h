/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "lb" section of drongo's configuration (role lb, the stateless
 * balancer of controlplane/lb/): the edge nodes with their weights, the
 * OPTIONS probe period and the hysteresis that takes an edge out and back
 * in, the address the balancer writes into Via, Record-Route and Path,
 * the secret its branches and flow tokens are signed with, and the
 * Retry-After of its 503. Parsed beside the other sections by cp_conf.c.
 */
#ifndef DRONGO_CONTROLPLANE_CONF_CP_CONF_LB_H
#define DRONGO_CONTROLPLANE_CONF_CP_CONF_LB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_conf.h"

#define CP_CONF_LB_MAX_EDGES 32
#define CP_CONF_LB_NAME_MAX 64
#define CP_CONF_LB_HOST_MAX 96
#define CP_CONF_LB_SECRET_MAX 128

/** One edge node behind the balancer. */
struct cp_conf_lb_edge {
	char name[CP_CONF_LB_NAME_MAX];	/* hash identity; default "ip:port" */
	struct sockaddr_storage addr;	/* where its SIP UDP listener is */
	socklen_t addrlen;
	uint32_t weight;		/* 1..1000, default 1 */
	unsigned int line;
};

struct cp_conf_lb {
	struct cp_conf_lb_edge edges[CP_CONF_LB_MAX_EDGES];
	unsigned int n_edges;
	uint64_t probe_interval_ms;	/* default 2000 */
	uint32_t down_after;		/* failed probes in a row, default 2 */
	uint32_t up_after;		/* answered probes in a row, default 2 */
	char advertise[CP_CONF_LB_HOST_MAX];	/* "" : the first UDP listener */
	char secret[CP_CONF_LB_SECRET_MAX];	/* "" : random at start */
	bool record_route;		/* default true */
	uint32_t retry_after_s;		/* default 5 */
};

/** Fill the defaults (the values when the section is absent). */
void cp_conf_lb_defaults(struct cp_conf_lb *lb);

/**
 * Read the "lb" section into @p lb.
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int cp_conf_lb_parse(const struct dg_conf_node *sec, struct cp_conf_lb *lb);

/**
 * Parse an edge address: "192.0.2.1:5060", "[2001:db8::1]:5060", with an
 * optional "sip:" in front; the port defaults to 5060.
 *
 * @return 0, -EINVAL when it is not an IP literal with a valid port.
 */
int cp_conf_lb_addr(const char *s, struct sockaddr_storage *out,
		socklen_t *outlen);

#endif
