/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing decisions of the edge. A request whose Request-URI names the
 * proxy itself (no user part) is ours to answer; otherwise the configured
 * rules are tried in order: a rule matches when its user-part prefix (""
 * matches any) and its domain ("" matches any) both match, except that a
 * rule with neither (a default route) applies only to domains that are
 * not ours. A matching rule sends the request to its targets in order,
 * failing over to the next one on 408, 503 or a transport error. With no
 * rule, a request to one of our domains goes to the location service and
 * anything else is refused with the configured code (403 or 404).
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_ROUTE_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "sip_msg.h"

#define SIP_ROUTE_MAX_RULES 64
#define SIP_ROUTE_MAX_TARGETS 8
#define SIP_ROUTE_PREFIX_MAX 64
#define SIP_ROUTE_DOMAIN_MAX 256
#define SIP_ROUTE_NAME_MAX 64

/** One upstream (trunk, gateway, other proxy): an IP literal and port. */
struct sip_route_target {
	enum sip_transport tp;		/* SIP_TP_UDP or SIP_TP_TCP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/** One routing rule. */
struct sip_route_rule {
	char name[SIP_ROUTE_NAME_MAX];
	char prefix[SIP_ROUTE_PREFIX_MAX];	/* user-part prefix, "" any */
	char domain[SIP_ROUTE_DOMAIN_MAX];	/* Request-URI host, "" any */
	bool topology_hiding;
	unsigned int n_targets;
	struct sip_route_target targets[SIP_ROUTE_MAX_TARGETS];
};

/** The rules in order and what to answer when nothing matches. */
struct sip_route_table {
	unsigned int n_rules;
	struct sip_route_rule rules[SIP_ROUTE_MAX_RULES];
	int unknown_code;			/* 403 or 404 */
};

enum sip_route_kind {
	SIP_ROUTE_SELF,		/* addressed to the proxy itself */
	SIP_ROUTE_LOCAL,	/* a user of our domains: location service */
	SIP_ROUTE_RULE,		/* a configured route */
	SIP_ROUTE_REJECT,	/* refused with code */
};

struct sip_route_decision {
	enum sip_route_kind kind;
	const struct sip_route_rule *rule;	/* for SIP_ROUTE_RULE */
	int code;				/* for SIP_ROUTE_REJECT */
};

/**
 * Decide where a request goes.
 *
 * @param ruri the Request-URI (after Route processing)
 * @param ours true when its host is one of our domains or addresses
 */
void sip_route_decide(const struct sip_route_table *t,
		const struct sip_uri *ruri, bool ours,
		struct sip_route_decision *d);

/** True for the final responses after which the next target is tried: 408, 503. */
bool sip_route_failover_code(int code);

/**
 * Parse a target "udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5070" (port
 * 5060 when left out: "udp:192.0.2.1").
 *
 * @return 0, -EINVAL with *why set to a reason.
 */
int sip_route_target_parse(const char *s, struct sip_route_target *t,
		const char **why);

#endif
