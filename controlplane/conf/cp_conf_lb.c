/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "lb" section: edges (a list of addresses, or mappings with address,
 * weight and name), probe_interval, down_after, up_after, advertise,
 * secret, record_route and retry_after. Edge names and addresses must be
 * unique: the name is what the rendezvous hash is keyed by, so two
 * balancers with the same list send a call to the same edge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_conf_lb.h"

void
cp_conf_lb_defaults(struct cp_conf_lb *lb)
{
	memset(lb, 0, sizeof(*lb));
	lb->probe_interval_ms = 2000;
	lb->down_after = 2;
	lb->up_after = 2;
	lb->record_route = true;
	lb->retry_after_s = 5;
}

int
cp_conf_lb_addr(const char *s, struct sockaddr_storage *out, socklen_t *outlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *h, *end;
	unsigned long p = 5060;
	size_t hl;
	char *e;

	if (strncmp(s, "sip:", 4) == 0)
		s += 4;
	if (s[0] == '[') {
		h = s + 1;
		end = strchr(h, ']');
		if (end == NULL)
			return -EINVAL;
		hl = (size_t)(end - h);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -EINVAL;
	} else {
		h = s;
		end = strchr(s, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			return -EINVAL;	/* IPv6 without brackets */
		hl = end != NULL ? (size_t)(end - s) : strlen(s);
		if (end != NULL)
			port = end + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	if (port != NULL) {
		if (*port < '0' || *port > '9')
			return -EINVAL;
		p = strtoul(port, &e, 10);
		if (*e != '\0' || p < 1 || p > 65535)
			return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host,
			&((struct sockaddr_in *)out)->sin_addr) == 1) {
		out->ss_family = AF_INET;
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)p);
		*outlen = sizeof(struct sockaddr_in);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host,
			&((struct sockaddr_in6 *)out)->sin6_addr) == 1) {
		out->ss_family = AF_INET6;
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)p);
		*outlen = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

static int
lb_copy(const struct dg_conf_node *n, char *dst, size_t cap)
{
	const char *s;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= cap)
		return dg_conf_error(n, "longer than %zu characters", cap - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
lb_edge_addr(const struct dg_conf_node *n, struct cp_conf_lb_edge *e)
{
	const char *s;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (cp_conf_lb_addr(s, &e->addr, &e->addrlen) < 0)
		return dg_conf_error(n,
			"'%s' is not ip:port (IPv6 as [addr]:port, port 1..65535)",
			s);
	if (strncmp(s, "sip:", 4) == 0)
		s += 4;
	if (e->name[0] == '\0')
		snprintf(e->name, sizeof(e->name), "%s", s);
	return 0;
}

/* "192.0.2.1:5060" or { address: ..., weight: 2, name: e1 }. */
static int
lb_edge(const struct dg_conf_node *item, struct cp_conf_lb_edge *e)
{
	static const char *const keys[] = { "address", "weight", "name", NULL };
	const struct dg_conf_node *n;
	uint64_t w = 1;
	int err;

	memset(e, 0, sizeof(*e));
	e->weight = 1;
	e->line = dg_conf_node_line(item);
	if (dg_conf_node_type(item) == DG_CONF_SCALAR)
		return lb_edge_addr(item, e);
	if (dg_conf_node_type(item) != DG_CONF_MAP)
		return dg_conf_error(item, "expected ip:port or a mapping");
	err = dg_conf_map_check_keys(item, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(item, "name");
	if (n != NULL) {
		err = lb_copy(n, e->name, sizeof(e->name));
		if (err < 0)
			return err;
	}
	n = dg_conf_map_get(item, "address");
	if (n == NULL)
		return dg_conf_error(item, "missing address");
	err = lb_edge_addr(n, e);
	if (err < 0)
		return err;
	err = dg_conf_get_u64(item, "weight", 1, 1000, &w);
	if (err < 0)
		return err;
	e->weight = (uint32_t)w;
	return 0;
}

static int
lb_edges(const struct dg_conf_node *seq, struct cp_conf_lb *lb)
{
	const struct dg_conf_node *item;
	struct cp_conf_lb_edge *e;
	unsigned int i, j;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) > CP_CONF_LB_MAX_EDGES)
		return dg_conf_error(seq, "more than %d edges",
			CP_CONF_LB_MAX_EDGES);
	lb->n_edges = 0;
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		item = dg_conf_node_at(seq, i);
		e = &lb->edges[i];
		err = lb_edge(item, e);
		if (err < 0)
			return err;
		for (j = 0; j < i; j++) {
			if (lb->edges[j].addrlen == e->addrlen &&
					memcmp(&lb->edges[j].addr, &e->addr,
						e->addrlen) == 0)
				return dg_conf_error(item,
					"duplicate of the edge on line %u",
					lb->edges[j].line);
			if (strcmp(lb->edges[j].name, e->name) == 0)
				return dg_conf_error(item,
					"edge name '%s' already used on line %u",
					e->name, lb->edges[j].line);
		}
		lb->n_edges++;
	}
	return 0;
}

/* host or host:port, as it will be written into Via and URIs. */
static int
lb_advertise(const struct dg_conf_node *n, struct cp_conf_lb *lb)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";
	int err;

	err = lb_copy(n, lb->advertise, sizeof(lb->advertise));
	if (err < 0)
		return err;
	if (lb->advertise[strspn(lb->advertise, ok)] != '\0')
		return dg_conf_error(n, "'%s' is not host or host:port",
			lb->advertise);
	return 0;
}

int
cp_conf_lb_parse(const struct dg_conf_node *sec, struct cp_conf_lb *lb)
{
	static const char *const keys[] = { "edges", "probe_interval",
		"down_after", "up_after", "advertise", "secret",
		"record_route", "retry_after", NULL };
	const struct dg_conf_node *n;
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "edges");
	if (n != NULL && (err = lb_edges(n, lb)) < 0)
		return err;
	err = dg_conf_get_ms(sec, "probe_interval", 100, 600000,
		&lb->probe_interval_ms);
	if (err < 0)
		return err;
	v = lb->down_after;
	err = dg_conf_get_u64(sec, "down_after", 1, 100, &v);
	if (err < 0)
		return err;
	lb->down_after = (uint32_t)v;
	v = lb->up_after;
	err = dg_conf_get_u64(sec, "up_after", 1, 100, &v);
	if (err < 0)
		return err;
	lb->up_after = (uint32_t)v;
	n = dg_conf_map_get(sec, "advertise");
	if (n != NULL && (err = lb_advertise(n, lb)) < 0)
		return err;
	n = dg_conf_map_get(sec, "secret");
	if (n != NULL) {
		err = lb_copy(n, lb->secret, sizeof(lb->secret));
		if (err < 0)
			return err;
		if (strlen(lb->secret) < 16)
			return dg_conf_error(n,
				"too short: at least 16 characters");
	}
	err = dg_conf_get_bool(sec, "record_route", &lb->record_route);
	if (err < 0)
		return err;
	v = (uint64_t)lb->retry_after_s * 1000;
	err = dg_conf_get_ms(sec, "retry_after", 1000, 3600000, &v);
	if (err < 0)
		return err;
	lb->retry_after_s = (uint32_t)(v / 1000);
	return 0;
}
