/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "redis" section: address (host:port, [IPv6]:port or unix:/path),
 * password, db, sentinels and master, connect_timeout, command_timeout,
 * backoff_min and backoff_max, key_prefix. Sentinels and master come together; the
 * backoff's minimum may not exceed its maximum.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_conf_redis.h"

void
cp_conf_redis_defaults(struct cp_conf_redis *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->server.host, sizeof(r->server.host), "127.0.0.1");
	r->server.port = 6379;
	r->connect_timeout_ms = 2000;
	r->command_timeout_ms = 2000;
	r->backoff_min_ms = 100;
	r->backoff_max_ms = 5000;
	snprintf(r->key_prefix, sizeof(r->key_prefix), "drongo:");
}

int
cp_conf_redis_server_parse(const char *text, struct cp_conf_redis_server *s,
		const char **why)
{
	const char *colon, *h = text;
	unsigned long port = 0;
	size_t hl;
	const char *p;

	memset(s, 0, sizeof(*s));
	if (strncmp(text, "unix:", 5) == 0) {
		if (text[5] != '/') {
			*why = "unix socket path must be absolute (unix:/path)";
			return -EINVAL;
		}
		/* sun_path holds 108 bytes with the terminator. */
		if (strlen(text + 5) >= 108) {
			*why = "unix socket path too long";
			return -EINVAL;
		}
		snprintf(s->host, sizeof(s->host), "%s", text + 5);
		return 0;
	}
	colon = strrchr(text, ':');
	if (colon == NULL || colon[1] == '\0') {
		*why = "expected host:port or unix:/path";
		return -EINVAL;
	}
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535) {
			*why = "bad port";
			return -EINVAL;
		}
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535) {
		*why = "port out of range";
		return -EINVAL;
	}
	hl = (size_t)(colon - text);
	if (hl >= 2 && text[0] == '[' && text[hl - 1] == ']') {
		h++;
		hl -= 2;
	} else if (memchr(text, ':', hl) != NULL) {
		*why = "IPv6 address needs brackets: [addr]:port";
		return -EINVAL;
	}
	if (hl == 0 || hl >= sizeof(s->host)) {
		*why = "bad host";
		return -EINVAL;
	}
	for (p = h; p < h + hl; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '/') {
			*why = "bad host";
			return -EINVAL;
		}
	}
	memcpy(s->host, h, hl);
	s->host[hl] = '\0';
	s->port = (uint16_t)port;
	return 0;
}

static int
redis_server_node(const struct dg_conf_node *n, struct cp_conf_redis_server *s)
{
	const char *text, *why = NULL;
	int err;

	err = dg_conf_node_string(n, &text);
	if (err < 0)
		return err;
	if (cp_conf_redis_server_parse(text, s, &why) < 0)
		return dg_conf_error(n, "'%s': %s", text, why);
	return 0;
}

static int
redis_str(const struct dg_conf_node *sec, const char *key, char *dst,
		size_t cap, bool token)
{
	const struct dg_conf_node *n = dg_conf_map_get(sec, key);
	const char *s, *p;
	int err;

	if (n == NULL)
		return 0;
	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= cap)
		return dg_conf_error(n, "longer than %zu characters", cap - 1);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
				(token && *p == ' '))
			return dg_conf_error(n, "holds a space or a control character");
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
redis_sentinels(const struct dg_conf_node *seq, struct cp_conf_redis *r)
{
	const struct dg_conf_node *item;
	unsigned int i;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) == 0)
		return dg_conf_error(seq, "at least one sentinel is needed");
	if (dg_conf_node_count(seq) > CP_CONF_REDIS_SENTINELS_MAX)
		return dg_conf_error(seq, "more than %d sentinels",
			CP_CONF_REDIS_SENTINELS_MAX);
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		item = dg_conf_node_at(seq, i);
		err = redis_server_node(item, &r->sentinels[i]);
		if (err < 0)
			return err;
	}
	r->n_sentinels = i;
	return 0;
}

int
cp_conf_redis_parse(const struct dg_conf_node *sec, struct cp_conf_redis *r)
{
	static const char *const keys[] = { "address", "password", "db",
		"sentinels", "master", "connect_timeout", "command_timeout",
		"backoff_min",
		"backoff_max", "key_prefix", NULL };
	const struct dg_conf_node *n;
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "address");
	if (n != NULL && (err = redis_server_node(n, &r->server)) < 0)
		return err;
	err = redis_str(sec, "password", r->password, sizeof(r->password), false);
	if (err < 0)
		return err;
	v = r->db;
	/* Redis' default build has 16 databases; larger ones are configured. */
	err = dg_conf_get_u64(sec, "db", 0, 65535, &v);
	if (err < 0)
		return err;
	r->db = (uint32_t)v;
	n = dg_conf_map_get(sec, "sentinels");
	if (n != NULL && (err = redis_sentinels(n, r)) < 0)
		return err;
	err = redis_str(sec, "master", r->master, sizeof(r->master), true);
	if (err < 0)
		return err;
	if (r->n_sentinels > 0 && r->master[0] == '\0')
		return dg_conf_error(dg_conf_map_get(sec, "sentinels"),
			"sentinels need master (the name the Sentinels monitor)");
	if (r->n_sentinels == 0 && r->master[0] != '\0')
		return dg_conf_error(dg_conf_map_get(sec, "master"),
			"master needs sentinels");
	err = dg_conf_get_ms(sec, "connect_timeout", 10, 60000,
		&r->connect_timeout_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "command_timeout", 10, 600000,
		&r->command_timeout_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "backoff_min", 10, 60000, &r->backoff_min_ms);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "backoff_max", 10, 600000, &r->backoff_max_ms);
	if (err < 0)
		return err;
	if (r->backoff_max_ms < r->backoff_min_ms) {
		n = dg_conf_map_get(sec, "backoff_max");
		return dg_conf_error(n != NULL ? n : dg_conf_map_get(sec, "backoff_min"),
			"backoff_max (%llums) must not be below backoff_min (%llums)",
			(unsigned long long)r->backoff_max_ms,
			(unsigned long long)r->backoff_min_ms);
	}
	err = redis_str(sec, "key_prefix", r->key_prefix, sizeof(r->key_prefix),
		true);
	if (err < 0)
		return err;
	r->enabled = true;
	return 0;
}
