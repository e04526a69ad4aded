/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "cluster" section: id, advertise (sip, ng, http), heartbeat_interval, heartbeat_ttl, orphan_grace, capacity, weight,
 * media (local|remote) and media_nodes (id, ng, weight, capacity).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_conf_cluster.h"

const char *const cp_cluster_media_names[] = { "local", "remote", NULL };

static const char cp_cluster_token[] = "abcdefghijklmnopqrstuvwxyz"
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

void
cp_conf_cluster_defaults(struct cp_conf_cluster *c)
{
	memset(c, 0, sizeof(*c));
	c->heartbeat_interval_ms = 1000;
	c->heartbeat_ttl_ms = 3000;
	c->orphan_grace_ms = 10000;
	c->weight = 100;
}

int
cp_conf_cluster_addr(const char *s, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	unsigned long port;
	size_t hl;
	char *end;

	colon = strrchr(s, ':');
	if (colon == NULL || colon[1] == '\0')
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	} else if (memchr(s, ':', hl) != NULL) {
		return -EINVAL;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

/* A node id: a SIP token, as node.name. */
static int
cluster_id(const struct dg_conf_node *n, char *dst)
{
	const char *s;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= CP_CLUSTER_ID_MAX)
		return dg_conf_error(n, "longer than %d characters",
				     CP_CLUSTER_ID_MAX - 1);
	if (s[strspn(s, cp_cluster_token)] != '\0')
		return dg_conf_error(n,
			"'%s' may hold only letters, digits, '.', '-' and '_'", s);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* An advertised address: an IP literal and a port, as peers dial it. */
static int
cluster_addr(const struct dg_conf_node *n, char *dst)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *s;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= CP_CLUSTER_ADDR_MAX ||
	    cp_conf_cluster_addr(s, &ss, &len) < 0)
		return dg_conf_error(n,
			"'%s' is not address:port (IPv6 in brackets)", s);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
cluster_advertise(const struct dg_conf_node *sec, struct cp_conf_cluster *c)
{
	static const char *const keys[] = { "sip", "ng", "http", NULL };
	char *const dst[] = { c->sip, c->ng, c->http };
	const struct dg_conf_node *n;
	unsigned int i;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	for (i = 0; keys[i] != NULL; i++) {
		n = dg_conf_map_get(sec, keys[i]);
		if (n != NULL && (err = cluster_addr(n, dst[i])) < 0)
			return err;
	}
	return 0;
}

static int
cluster_weight(const struct dg_conf_node *map, uint32_t *w, uint32_t *cap)
{
	uint64_t v = *w;
	int err;

	err = dg_conf_get_u64(map, "weight", 1, 10000, &v);
	if (err < 0)
		return err;
	*w = (uint32_t)v;
	v = *cap;
	err = dg_conf_get_u64(map, "capacity", 0, 10000000, &v);
	if (err < 0)
		return err;
	*cap = (uint32_t)v;
	return 0;
}

static int
cluster_node(const struct dg_conf_node *item, struct cp_cluster_node *cn)
{
	static const char *const keys[] = { "id", "ng", "weight", "capacity",
		NULL };
	const struct dg_conf_node *n;
	const char *s;
	int err;

	err = dg_conf_map_check_keys(item, keys);
	if (err < 0)
		return err;
	memset(cn, 0, sizeof(*cn));
	cn->weight = 100;
	n = dg_conf_map_get(item, "ng");
	if (n == NULL)
		return dg_conf_error(item, "missing ng (address:port)");
	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (cp_conf_cluster_addr(s, &cn->ng, &cn->ng_len) < 0)
		return dg_conf_error(n,
			"'%s' is not address:port (IPv6 in brackets)", s);
	n = dg_conf_map_get(item, "id");
	if (n != NULL) {
		err = cluster_id(n, cn->id);
		if (err < 0)
			return err;
	} else {
		/* The address names a node that has no id of its own. */
		snprintf(cn->id, sizeof(cn->id), "%.*s", CP_CLUSTER_ID_MAX - 1, s);
	}
	return cluster_weight(item, &cn->weight, &cn->capacity);
}

static int
cluster_nodes(const struct dg_conf_node *seq, struct cp_conf_cluster *c)
{
	const struct dg_conf_node *item;
	unsigned int i, j;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) > CP_CLUSTER_MAX_NODES)
		return dg_conf_error(seq, "more than %d media nodes",
				     CP_CLUSTER_MAX_NODES);
	c->n_nodes = 0;
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		item = dg_conf_node_at(seq, i);
		err = cluster_node(item, &c->nodes[i]);
		if (err < 0)
			return err;
		for (j = 0; j < i; j++)
			if (strcmp(c->nodes[j].id, c->nodes[i].id) == 0)
				return dg_conf_error(item,
					"duplicate media node id '%s'",
					c->nodes[i].id);
		c->n_nodes++;
	}
	return 0;
}

int
cp_conf_cluster_parse(const struct dg_conf_node *sec, struct cp_conf_cluster *c)
{
	static const char *const keys[] = { "id", "advertise",
		"heartbeat_interval", "heartbeat_ttl", "orphan_grace",
		"capacity", "weight", "media", "media_nodes", NULL };
	const struct dg_conf_node *n;
	unsigned int m;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "id");
	if (n != NULL && (err = cluster_id(n, c->id)) < 0)
		return err;
	n = dg_conf_map_get(sec, "advertise");
	if (n != NULL && (err = cluster_advertise(n, c)) < 0)
		return err;
	err = dg_conf_get_ms(sec, "heartbeat_interval", 100, 60000,
			     &c->heartbeat_interval_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "heartbeat_ttl", 300, 600000,
			     &c->heartbeat_ttl_ms);
	if (err < 0)
		return err;
	/* One late heartbeat must not make a live node look dead. */
	if (c->heartbeat_ttl_ms < 2 * c->heartbeat_interval_ms) {
		n = dg_conf_map_get(sec, "heartbeat_ttl");
		return dg_conf_error(n != NULL ? n :
			dg_conf_map_get(sec, "heartbeat_interval"),
			"heartbeat_ttl (%llums) must be at least twice heartbeat_interval (%llums)",
			(unsigned long long)c->heartbeat_ttl_ms,
			(unsigned long long)c->heartbeat_interval_ms);
	}
	err = dg_conf_get_ms(sec, "orphan_grace", 0, 86400000,
			     &c->orphan_grace_ms);
	if (err < 0)
		return err;
	err = cluster_weight(sec, &c->weight, &c->capacity);
	if (err < 0)
		return err;
	m = c->media;
	err = dg_conf_get_enum(sec, "media", cp_cluster_media_names, &m);
	if (err < 0)
		return err;
	c->media = (enum cp_cluster_media)m;
	n = dg_conf_map_get(sec, "media_nodes");
	if (n != NULL && (err = cluster_nodes(n, c)) < 0)
		return err;
	return 0;
}
