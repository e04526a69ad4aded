/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule matching and target parsing for the edge's routing decisions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_route.h"

static bool
rule_matches(const struct sip_route_rule *r, const struct sip_uri *ruri,
		bool ours)
{
	size_t plen = strlen(r->prefix);

	if (plen == 0 && r->domain[0] == '\0')
		return !ours;
	if (plen > 0 && (ruri->user.len < plen ||
			memcmp(ruri->user.p, r->prefix, plen) != 0))
		return false;
	if (r->domain[0] != '\0' && !dg_pl_eq_str_nocase(ruri->host, r->domain))
		return false;
	return true;
}

void
sip_route_decide(const struct sip_route_table *t, const struct sip_uri *ruri,
		bool ours, struct sip_route_decision *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	if (ours && ruri->user.len == 0) {
		d->kind = SIP_ROUTE_SELF;
		return;
	}
	for (i = 0; i < t->n_rules; i++) {
		if (rule_matches(&t->rules[i], ruri, ours)) {
			d->kind = SIP_ROUTE_RULE;
			d->rule = &t->rules[i];
			return;
		}
	}
	if (ours) {
		d->kind = SIP_ROUTE_LOCAL;
		return;
	}
	d->kind = SIP_ROUTE_REJECT;
	d->code = t->unknown_code != 0 ? t->unknown_code : 404;
}

bool
sip_route_failover_code(int code)
{
	return code == 408 || code == 503;
}

int
sip_route_target_parse(const char *s, struct sip_route_target *t,
		const char **why)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *h, *end, *port_s = NULL;
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->addr;
	unsigned long port = 5060;
	size_t hlen;
	char *pe;

	memset(t, 0, sizeof(*t));
	if (strncasecmp(s, "udp:", 4) == 0) {
		t->tp = SIP_TP_UDP;
	} else if (strncasecmp(s, "tcp:", 4) == 0) {
		t->tp = SIP_TP_TCP;
	} else {
		*why = "expected udp:address[:port] or tcp:address[:port]";
		return -EINVAL;
	}
	h = s + 4;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL) {
			*why = "unterminated '[' in IPv6 address";
			return -EINVAL;
		}
		h++;
		hlen = (size_t)(end - h);
		if (end[1] == ':')
			port_s = end + 2;
		else if (end[1] != '\0') {
			*why = "expected ':port' after ']'";
			return -EINVAL;
		}
	} else {
		end = strchr(h, ':');
		hlen = end != NULL ? (size_t)(end - h) : strlen(h);
		if (end != NULL)
			port_s = end + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "bad address";
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (port_s != NULL) {
		port = strtoul(port_s, &pe, 10);
		if (*port_s == '\0' || *pe != '\0' || port < 1 || port > 65535) {
			*why = "port out of range (1..65535)";
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		t->addrlen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		t->addrlen = sizeof(*sin6);
		return 0;
	}
	*why = "address is not an IPv4 or IPv6 literal (names are not resolved)";
	return -EINVAL;
}
