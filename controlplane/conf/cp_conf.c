/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walks the dg_conf tree of a drongo configuration section by section,
 * filling struct cp_conf from the defaults up. The defaults below are the
 * values of the shipped config/drongo.yaml (a unit test holds them equal),
 * so a key left out means the same as the key as shipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cp_conf.h"

const char *const cp_role_names[] = { "edge", "media", "lb", NULL };
const char *const cp_transport_names[] = { "udp", "tcp", NULL };

static void
conf_defaults(struct cp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->role = CP_ROLE_EDGE;
	snprintf(conf->name, sizeof(conf->name), "drongo");
	conf->max_message_size = 16384;
	conf->tcp_idle_timeout_ms = 120000;
	conf->t1_ms = 500;
	conf->t2_ms = 4000;
	conf->t4_ms = 5000;
	conf->log_level = DG_LOG_INFO;
	conf->udp_buffers = 256;
	conf->udp_socket_buffer = 4194304;
	conf->tcp_connections = 4096;
	cp_conf_media_defaults(&conf->media);
	cp_conf_lb_defaults(&conf->lb);
	cp_conf_cluster_defaults(&conf->cluster);
	cp_conf_redis_defaults(&conf->redis);
	conf->http_enabled = true;
	conf->http_max_connections = 64;
	conf->http_idle_timeout_ms = 10000;
}

/* The default HTTP listeners: loopback only, IPv4 and IPv6, port 8080. */
static void
conf_default_http(struct cp_conf *conf)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&conf->http_listen[0];
	struct sockaddr_in6 *sin6 =
		(struct sockaddr_in6 *)&conf->http_listen[1];

	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(8080);
	sin6->sin6_addr = in6addr_loopback;
	conf->n_http_listen = 2;
}

/* The default listeners, used when sip.listen is absent. */
static void
conf_default_listen(struct cp_conf *conf)
{
	static const struct {
		enum cp_transport tp;
		int family;
	} def[] = {
		{ CP_TP_UDP, AF_INET }, { CP_TP_TCP, AF_INET },
		{ CP_TP_UDP, AF_INET6 }, { CP_TP_TCP, AF_INET6 },
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct cp_listen *l = &conf->listen[i];

		l->transport = def[i].tp;
		if (def[i].family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;

			sin->sin_family = AF_INET;
			sin->sin_port = htons(5060);
			l->addrlen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(5060);
			l->addrlen = sizeof(*sin6);
		}
	}
	conf->n_listen = 4;
}

static int
conf_copy_str(const struct dg_conf_node *node, char *dst, size_t cap)
{
	const char *s;
	int err;

	err = dg_conf_node_string(node, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= cap)
		return dg_conf_error(node, "longer than %zu characters",
			cap - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
conf_node(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	static const char *const keys[] = { "role", "name", NULL };
	const struct dg_conf_node *n;
	unsigned int role = conf->role;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	err = dg_conf_get_enum(sec, "role", cp_role_names, &role);
	if (err < 0)
		return err;
	conf->role = (enum cp_role)role;
	n = dg_conf_map_get(sec, "name");
	if (n == NULL)
		return 0;
	err = conf_copy_str(n, conf->name, sizeof(conf->name));
	if (err < 0)
		return err;
	/* The name is the agent of our Warning headers: a SIP token. */
	if (conf->name[strspn(conf->name, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")] != '\0')
		return dg_conf_error(n,
			"'%s' may hold only letters, digits, '.', '-' and '_'",
			conf->name);
	return 0;
}

/* Port text: decimal 1..65535, reported as "port N out of range". */
static int
conf_port(const struct dg_conf_node *node, const char *s, uint16_t *out)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0')
		return dg_conf_error(node, "missing port");
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return dg_conf_error(node, "bad port '%s'", s);
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return dg_conf_error(node, "port %s out of range", s);
	*out = (uint16_t)v;
	return 0;
}

/* Address text: IPv4 dotted quad, or IPv6 with or without brackets. */
static int
conf_addr(const struct dg_conf_node *node, const char *s, uint16_t port,
		struct cp_listen *l)
{
	char host[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return dg_conf_error(node, "bad address '%s'", s);
	memcpy(host, s, len);
	host[len] = '\0';
	memset(&l->addr, 0, sizeof(l->addr));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		l->addrlen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		l->addrlen = sizeof(*sin6);
		return 0;
	}
	return dg_conf_error(node, "bad address '%s' (expected an IPv4 or IPv6 literal)",
		host);
}

/* "udp:0.0.0.0:5060", "tcp:[::1]:5070". */
static int
conf_listen_str(const struct dg_conf_node *node, struct cp_listen *l)
{
	const char *s = dg_conf_node_str(node);
	char text[128], *addr, *port;
	unsigned int tp;
	int err;

	if (s == NULL || strlen(s) >= sizeof(text))
		return dg_conf_error(node, "expected transport:address:port");
	memcpy(text, s, strlen(s) + 1);
	addr = strchr(text, ':');
	port = strrchr(text, ':');
	if (addr == NULL || port == addr)
		return dg_conf_error(node,
			"'%s' is not transport:address:port", s);
	*addr++ = '\0';
	*port++ = '\0';
	if (strchr(addr, ':') != NULL && addr[0] != '[')
		return dg_conf_error(node,
			"IPv6 address '%s' needs brackets: [addr]:port", addr);
	for (tp = 0; tp < CP_TP__COUNT; tp++)
		if (strcmp(text, cp_transport_names[tp]) == 0)
			break;
	if (tp == CP_TP__COUNT)
		return dg_conf_error(node,
			"unknown transport '%s' (expected udp|tcp)", text);
	l->transport = (enum cp_transport)tp;
	{
		uint16_t p;

		err = conf_port(node, port, &p);
		if (err < 0)
			return err;
		return conf_addr(node, addr, p, l);
	}
}

/* { transport: udp, address: "::", port: 5060 } */
static int
conf_listen_map(const struct dg_conf_node *node, struct cp_listen *l)
{
	static const char *const keys[] = { "transport", "address", "port",
		NULL };
	const struct dg_conf_node *n;
	unsigned int tp = CP_TP_UDP;
	const char *addr = NULL;
	uint16_t port = 5060;
	int err;

	err = dg_conf_map_check_keys(node, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(node, "transport");
	if (n == NULL)
		return dg_conf_error(node, "missing transport");
	err = dg_conf_node_enum(n, cp_transport_names, &tp);
	if (err < 0)
		return err;
	l->transport = (enum cp_transport)tp;
	n = dg_conf_map_get(node, "address");
	if (n == NULL)
		return dg_conf_error(node, "missing address");
	err = dg_conf_node_string(n, &addr);
	if (err < 0)
		return err;
	n = dg_conf_map_get(node, "port");
	if (n != NULL) {
		err = dg_conf_node_expect(n, DG_CONF_SCALAR);
		if (err < 0)
			return err;
		err = conf_port(n, dg_conf_node_str(n), &port);
		if (err < 0)
			return err;
	}
	return conf_addr(dg_conf_map_get(node, "address"), addr, port, l);
}

static bool
listen_same(const struct cp_listen *a, const struct cp_listen *b)
{
	return a->transport == b->transport && a->addrlen == b->addrlen &&
		memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

static int
conf_listen(const struct dg_conf_node *seq, struct cp_conf *conf)
{
	const struct dg_conf_node *item;
	struct cp_listen *l;
	unsigned int i, j;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) == 0)
		return dg_conf_error(seq, "at least one listener is needed");
	if (dg_conf_node_count(seq) > CP_CONF_MAX_LISTEN)
		return dg_conf_error(seq, "more than %d listeners",
			CP_CONF_MAX_LISTEN);
	conf->n_listen = 0;
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		item = dg_conf_node_at(seq, i);
		l = &conf->listen[i];
		memset(l, 0, sizeof(*l));
		l->line = dg_conf_node_line(item);
		if (dg_conf_node_type(item) == DG_CONF_MAP)
			err = conf_listen_map(item, l);
		else if (dg_conf_node_type(item) == DG_CONF_SCALAR)
			err = conf_listen_str(item, l);
		else
			err = dg_conf_error(item,
				"expected transport:address:port or a mapping");
		if (err < 0)
			return err;
		for (j = 0; j < i; j++)
			if (listen_same(&conf->listen[j], l))
				return dg_conf_error(item,
					"duplicate of the listener on line %u",
					conf->listen[j].line);
		conf->n_listen++;
	}
	return 0;
}

static int
conf_domains(const struct dg_conf_node *seq, struct cp_conf *conf)
{
	const struct dg_conf_node *item;
	unsigned int i;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) > CP_CONF_MAX_DOMAINS)
		return dg_conf_error(seq, "more than %d domains",
			CP_CONF_MAX_DOMAINS);
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		item = dg_conf_node_at(seq, i);
		err = conf_copy_str(item, conf->domains[i],
			sizeof(conf->domains[i]));
		if (err < 0)
			return err;
	}
	conf->n_domains = i;
	return 0;
}

static int
conf_sip(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	static const char *const keys[] = { "listen", "domains",
		"max_message_size", "tcp_idle_timeout", "t1", "t2", "t4", NULL };
	const struct dg_conf_node *n;
	uint64_t v = conf->max_message_size;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "listen");
	if (n != NULL && (err = conf_listen(n, conf)) < 0)
		return err;
	n = dg_conf_map_get(sec, "domains");
	if (n != NULL && (err = conf_domains(n, conf)) < 0)
		return err;
	/* Up to the largest UDP payload; below 1024 not even an INVITE fits. */
	err = dg_conf_get_u64(sec, "max_message_size", 1024, 65507, &v);
	if (err < 0)
		return err;
	conf->max_message_size = (uint32_t)v;
	err = dg_conf_get_ms(sec, "tcp_idle_timeout", 1000, 86400000,
		&conf->tcp_idle_timeout_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "t1", 50, 60000, &conf->t1_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "t2", 50, 600000, &conf->t2_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "t4", 50, 600000, &conf->t4_ms);
	if (err < 0)
		return err;
	if (conf->t2_ms < conf->t1_ms) {
		n = dg_conf_map_get(sec, "t2");
		return dg_conf_error(n != NULL ? n : dg_conf_map_get(sec, "t1"),
			"t2 (%llums) must not be below t1 (%llums)",
			(unsigned long long)conf->t2_ms,
			(unsigned long long)conf->t1_ms);
	}
	return 0;
}

static int
conf_log(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	static const char *const keys[] = { "level", NULL };
	unsigned int level = conf->log_level;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	err = dg_conf_get_enum(sec, "level", dg_log_level_names, &level);
	if (err < 0)
		return err;
	conf->log_level = (enum dg_log_level)level;
	return 0;
}

static int
conf_limits(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	static const char *const keys[] = { "udp_buffers", "udp_socket_buffer",
		"tcp_connections", NULL };
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	v = conf->udp_buffers;
	err = dg_conf_get_u64(sec, "udp_buffers", 1, 32768, &v);
	if (err < 0)
		return err;
	if ((v & (v - 1)) != 0)
		return dg_conf_error(dg_conf_map_get(sec, "udp_buffers"),
			"%llu is not a power of two", (unsigned long long)v);
	conf->udp_buffers = (uint32_t)v;
	v = conf->udp_socket_buffer;
	err = dg_conf_get_u64(sec, "udp_socket_buffer", 65536, 268435456, &v);
	if (err < 0)
		return err;
	conf->udp_socket_buffer = (uint32_t)v;
	v = conf->tcp_connections;
	err = dg_conf_get_u64(sec, "tcp_connections", 1, 1000000, &v);
	if (err < 0)
		return err;
	conf->tcp_connections = (uint32_t)v;
	return 0;
}

/* "127.0.0.1:8080", "[::1]:8080". */
static int
conf_http_addr(const struct dg_conf_node *node, struct sockaddr_storage *ss)
{
	const char *s = dg_conf_node_str(node);
	char text[128], *port;
	struct cp_listen l;
	uint16_t p;
	int err;

	if (s == NULL || strlen(s) >= sizeof(text))
		return dg_conf_error(node, "expected address:port");
	memcpy(text, s, strlen(s) + 1);
	port = strrchr(text, ':');
	if (port == NULL)
		return dg_conf_error(node, "'%s' is not address:port", s);
	*port++ = '\0';
	if (strchr(text, ':') != NULL && text[0] != '[')
		return dg_conf_error(node,
			"IPv6 address '%s' needs brackets: [addr]:port", text);
	err = conf_port(node, port, &p);
	if (err < 0)
		return err;
	memset(&l, 0, sizeof(l));
	err = conf_addr(node, text, p, &l);
	if (err < 0)
		return err;
	*ss = l.addr;
	return 0;
}

static int
conf_http(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	static const char *const keys[] = { "enabled", "listen",
		"max_connections", "idle_timeout", NULL };
	const struct dg_conf_node *n, *item;
	uint64_t v = conf->http_max_connections;
	unsigned int i, j;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	err = dg_conf_get_bool(sec, "enabled", &conf->http_enabled);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "listen");
	if (n != NULL) {
		err = dg_conf_node_expect(n, DG_CONF_SEQ);
		if (err < 0)
			return err;
		if (dg_conf_node_count(n) == 0)
			return dg_conf_error(n, "at least one address is needed");
		if (dg_conf_node_count(n) > CP_CONF_MAX_HTTP_LISTEN)
			return dg_conf_error(n, "more than %d addresses",
				CP_CONF_MAX_HTTP_LISTEN);
		memset(conf->http_listen, 0, sizeof(conf->http_listen));
		for (i = 0; i < dg_conf_node_count(n); i++) {
			item = dg_conf_node_at(n, i);
			err = conf_http_addr(item, &conf->http_listen[i]);
			if (err < 0)
				return err;
			for (j = 0; j < i; j++)
				if (memcmp(&conf->http_listen[j],
						&conf->http_listen[i],
						sizeof(conf->http_listen[i])) == 0)
					return dg_conf_error(item,
						"duplicate address");
		}
		conf->n_http_listen = i;
	}
	err = dg_conf_get_u64(sec, "max_connections", 1, 65536, &v);
	if (err < 0)
		return err;
	conf->http_max_connections = (uint32_t)v;
	return dg_conf_get_ms(sec, "idle_timeout", 100, 3600000,
		&conf->http_idle_timeout_ms);
}

bool
cp_conf_media_required(const struct cp_conf *conf)
{
	/* An edge anchoring in remote media nodes has no local data plane. */
	if (conf->media.required == CP_MEDIA_REQUIRED_AUTO)
		return conf->role == CP_ROLE_MEDIA ||
			(conf->role == CP_ROLE_EDGE &&
			 conf->cluster.media != CP_CLUSTER_MEDIA_REMOTE);
	return conf->media.required == CP_MEDIA_REQUIRED_TRUE;
}

/*
 * The edge section belongs to the proxy (controlplane/proxy/
 * sip_proxy_conf.c), which parses it from the same file when the edge
 * starts; here it only has to be a mapping.
 */
static int
conf_edge(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	(void)conf;
	return dg_conf_node_expect(sec, DG_CONF_MAP);
}

/* A section present but empty ("log:") is null in YAML: treat as {}. */
static bool
section_empty(const struct dg_conf_node *sec)
{
	const char *s = dg_conf_node_str(sec);

	return s != NULL && s[0] == '\0';
}

static int
conf_media(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	return cp_conf_media_parse(sec, &conf->media);
}

static int
conf_cluster(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	return cp_conf_cluster_parse(sec, &conf->cluster);
}

static int
conf_redis(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	return cp_conf_redis_parse(sec, &conf->redis);
}

static int
conf_lb(const struct dg_conf_node *sec, struct cp_conf *conf)
{
	return cp_conf_lb_parse(sec, &conf->lb);
}

static int
conf_walk(const struct dg_conf *doc, struct cp_conf *conf)
{
	static const char *const keys[] = { "node", "sip", "log", "limits",
		"media", "http", "edge", "cluster", "redis", "lb", NULL };
	static int (*const parse[])(const struct dg_conf_node *,
		struct cp_conf *) = { conf_node, conf_sip, conf_log, conf_limits,
		conf_media, conf_http, conf_edge, conf_cluster, conf_redis,
		conf_lb };
	const struct dg_conf_node *root = dg_conf_root(doc);
	const struct dg_conf_node *sec;
	unsigned int i;
	int err;

	if (dg_conf_node_type(root) == DG_CONF_SCALAR &&
			dg_conf_node_str(root)[0] == '\0')
		return 0;
	err = dg_conf_map_check_keys(root, keys);
	if (err < 0)
		return err;
	for (i = 0; keys[i] != NULL; i++) {
		sec = dg_conf_map_get(root, keys[i]);
		if (sec == NULL)
			continue;
		/* "redis:" alone asks for Redis with every default. */
		if (section_empty(sec)) {
			if (parse[i] == conf_redis)
				conf->redis.enabled = true;
			continue;
		}
		err = parse[i](sec, conf);
		if (err < 0)
			return err;
	}
	return 0;
}

static int
conf_finish(struct cp_conf *conf, struct dg_conf *doc, int err, char *errbuf,
		size_t errlen)
{
	if (err == 0)
		err = conf_walk(doc, conf);
	if (err < 0 && errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", dg_conf_errmsg(doc));
	dg_conf_free(doc);
	return err;
}

static void
conf_begin(struct cp_conf *conf, const char *name)
{
	conf_defaults(conf);
	conf_default_listen(conf);
	conf_default_http(conf);
	snprintf(conf->source, sizeof(conf->source), "%s", name);
}

int
cp_conf_load_file(struct cp_conf *conf, const char *path, char *err,
		size_t errlen)
{
	struct dg_conf *doc;
	int ret;

	conf_begin(conf, path);
	ret = dg_conf_load_file(&doc, path, err, errlen);
	if (ret < 0)
		return ret;
	return conf_finish(conf, doc, 0, err, errlen);
}

int
cp_conf_load_buf(struct cp_conf *conf, const char *name, const char *buf,
		size_t len, char *err, size_t errlen)
{
	struct dg_conf *doc;
	int ret;

	conf_begin(conf, name);
	ret = dg_conf_load_buf(&doc, name, buf, len, err, errlen);
	if (ret < 0)
		return ret;
	return conf_finish(conf, doc, 0, err, errlen);
}

int
cp_conf_load_default(struct cp_conf *conf, char *err, size_t errlen)
{
	return cp_conf_load_buf(conf, "<embedded>", cp_conf_default_yaml,
		cp_conf_default_len, err, errlen);
}

const char *
cp_listen_str(const struct cp_listen *l, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port;

	if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)&l->addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(buf, len, "%s:[%s]:%u",
			cp_transport_names[l->transport], host, port);
	} else {
		const struct sockaddr_in *sin =
			(const struct sockaddr_in *)&l->addr;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(buf, len, "%s:%s:%u",
			cp_transport_names[l->transport], host, port);
	}
	return buf;
}
