/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the configuration of the Redis parts: the redis section
 * (every key, its defaults, file:line: key: reason on each bad value)
 * and the edge keys that use it (edge.location, edge.auth.credentials,
 * edge.auth.credentials_cache); and of the HA1 cache the edge fills from
 * Redis (freshness, absence, bound, replacement).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cp_conf.h"
#include "sip_auth_cache.h"
#include "sip_proxy_conf.h"

static int
load(struct cp_conf *conf, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return cp_conf_load_buf(conf, "drongo.yaml", text, strlen(text), err,
		errlen);
}

static void
expect_error(const char *text, const char *message)
{
	struct cp_conf conf;
	char err[512];

	assert_int_equal(load(&conf, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, message);
}

/* No section: Redis off; "redis:" alone: on with every default. */
static void
test_defaults(void **state)
{
	struct cp_conf conf;
	char err[512];

	(void)state;
	assert_int_equal(load(&conf, "log:\n  level: info\n", err, sizeof(err)), 0);
	assert_false(conf.redis.enabled);
	assert_int_equal(load(&conf, "redis:\n", err, sizeof(err)), 0);
	assert_true(conf.redis.enabled);
	assert_string_equal(conf.redis.server.host, "127.0.0.1");
	assert_int_equal(conf.redis.server.port, 6379);
	assert_string_equal(conf.redis.password, "");
	assert_int_equal(conf.redis.db, 0);
	assert_int_equal(conf.redis.n_sentinels, 0);
	assert_int_equal(conf.redis.connect_timeout_ms, 2000);
	assert_int_equal(conf.redis.command_timeout_ms, 2000);
	assert_int_equal(conf.redis.backoff_min_ms, 100);
	assert_int_equal(conf.redis.backoff_max_ms, 5000);
	assert_string_equal(conf.redis.key_prefix, "drongo:");
	assert_int_equal(load(&conf, "redis: {}\n", err, sizeof(err)), 0);
	assert_true(conf.redis.enabled);
}

/* Every key read as written. */
static void
test_all_keys(void **state)
{
	struct cp_conf conf;
	char err[512];

	(void)state;
	assert_int_equal(load(&conf,
		"redis:\n"
		"  address: \"[::1]:6380\"\n"
		"  password: \"p w\"\n"
		"  db: 3\n"
		"  sentinels: [\"10.0.0.1:26379\", \"sentinel-2:26379\", \"unix:/run/s.sock\"]\n"
		"  master: mymaster\n"
		"  connect_timeout: 500ms\n"
		"  command_timeout: 3s\n"
		"  backoff_min: 50ms\n"
		"  backoff_max: 2s\n"
		"  key_prefix: \"site1:\"\n", err, sizeof(err)), 0);
	assert_string_equal(conf.redis.server.host, "::1");
	assert_int_equal(conf.redis.server.port, 6380);
	assert_string_equal(conf.redis.password, "p w");
	assert_int_equal(conf.redis.db, 3);
	assert_int_equal(conf.redis.n_sentinels, 3);
	assert_string_equal(conf.redis.sentinels[1].host, "sentinel-2");
	assert_int_equal(conf.redis.sentinels[1].port, 26379);
	assert_string_equal(conf.redis.sentinels[2].host, "/run/s.sock");
	assert_int_equal(conf.redis.sentinels[2].port, 0);
	assert_string_equal(conf.redis.master, "mymaster");
	assert_int_equal(conf.redis.connect_timeout_ms, 500);
	assert_int_equal(conf.redis.command_timeout_ms, 3000);
	assert_int_equal(conf.redis.backoff_min_ms, 50);
	assert_int_equal(conf.redis.backoff_max_ms, 2000);
	assert_string_equal(conf.redis.key_prefix, "site1:");
	assert_int_equal(load(&conf, "redis:\n  address: unix:/tmp/r.sock\n",
		err, sizeof(err)), 0);
	assert_string_equal(conf.redis.server.host, "/tmp/r.sock");
	assert_int_equal(conf.redis.server.port, 0);
}

/* Bad values fail with file:line: key: reason. */
static void
test_errors(void **state)
{
	(void)state;
	expect_error("redis:\n  address: localhost\n",
		"drongo.yaml:2: address: 'localhost': expected host:port or unix:/path");
	expect_error("redis:\n  address: h:0\n",
		"drongo.yaml:2: address: 'h:0': port out of range");
	expect_error("redis:\n  address: h:70000\n",
		"drongo.yaml:2: address: 'h:70000': port out of range");
	expect_error("redis:\n  address: \"::1:6379\"\n",
		"drongo.yaml:2: address: '::1:6379': IPv6 address needs brackets: [addr]:port");
	expect_error("redis:\n  address: unix:r.sock\n",
		"drongo.yaml:2: address: 'unix:r.sock': unix socket path must be absolute (unix:/path)");
	expect_error("redis:\n  db: 70000\n",
		"drongo.yaml:2: db: 70000 out of range (0..65535)");
	expect_error("redis:\n  sentinels: [\"a:1\"]\n",
		"drongo.yaml:2: sentinels: sentinels need master (the name the Sentinels monitor)");
	expect_error("redis:\n  master: m\n",
		"drongo.yaml:2: master: master needs sentinels");
	expect_error("redis:\n  sentinels: []\n  master: m\n",
		"drongo.yaml:2: sentinels: at least one sentinel is needed");
	expect_error("redis:\n  sentinels: [\"a\"]\n  master: m\n",
		"drongo.yaml:2: sentinels: 'a': expected host:port or unix:/path");
	expect_error("redis:\n  master: \"m x\"\n  sentinels: [\"a:1\"]\n",
		"drongo.yaml:2: master: holds a space or a control character");
	expect_error("redis:\n  backoff_min: 2s\n  backoff_max: 1s\n",
		"drongo.yaml:3: backoff_max: backoff_max (1000ms) must not be below backoff_min (2000ms)");
	expect_error("redis:\n  connect_timeout: 1ms\n",
		"drongo.yaml:2: connect_timeout: 1ms out of range (10ms..60000ms)");
	expect_error("redis:\n  command_timeout: 0\n",
		"drongo.yaml:2: command_timeout: 0 out of range (10ms..600000ms)");
	expect_error("redis:\n  key_prefix: \"a b\"\n",
		"drongo.yaml:2: key_prefix: holds a space or a control character");
	expect_error("redis:\n  hostname: x\n",
		"drongo.yaml:2: hostname: unknown key");
}

static int
edge_load(struct sip_edge_conf *ec, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return sip_edge_conf_load_buf(ec, "drongo.yaml", text, strlen(text), err,
		errlen);
}

/* edge.location and edge.auth.credentials: defaults, values, errors. */
static void
test_edge_keys(void **state)
{
	static const char auth_redis[] =
		"edge:\n"
		"  location: redis\n"
		"  auth:\n"
		"    realm: example.com\n"
		"    credentials: redis\n"
		"    credentials_cache: 5s\n"
		"    secret: \"0123456789abcdef\"\n";
	struct sip_edge_conf ec;
	char err[512];

	(void)state;
	assert_int_equal(edge_load(&ec, "edge:\n  auth:\n    realm: r\n"
		"    users_file: /u\n    secret: \"0123456789abcdef\"\n", err,
		sizeof(err)), 0);
	assert_int_equal(ec.location, SIP_EDGE_LOC_MEMORY);
	assert_int_equal(ec.credentials, SIP_EDGE_CREDS_FILE);
	assert_int_equal(ec.credentials_cache_ms, 30000);
	assert_int_equal(edge_load(&ec, auth_redis, err, sizeof(err)), 0);
	assert_int_equal(ec.location, SIP_EDGE_LOC_REDIS);
	assert_int_equal(ec.credentials, SIP_EDGE_CREDS_REDIS);
	assert_int_equal(ec.credentials_cache_ms, 5000);
	assert_int_equal(edge_load(&ec, "edge:\n  location: disk\n", err,
		sizeof(err)), -EINVAL);
	assert_string_equal(err,
		"drongo.yaml:2: location: unknown value 'disk' (expected memory|redis)");
	assert_int_equal(edge_load(&ec, "edge:\n  auth:\n    realm: r\n"
		"    secret: \"0123456789abcdef\"\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "drongo.yaml:2: auth: missing users_file");
	assert_int_equal(edge_load(&ec, "edge:\n  auth:\n    realm: r\n"
		"    credentials: redis\n    users_file: /u\n"
		"    secret: \"0123456789abcdef\"\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
		"drongo.yaml:5: users_file: not used with credentials: redis");
	assert_int_equal(edge_load(&ec, "edge:\n  auth:\n    realm: r\n"
		"    credentials: ldap\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
		"drongo.yaml:4: credentials: unknown value 'ldap' (expected file|redis)");
}

/* The HA1 cache: fresh for its TTL, absence remembered, bounded. */
static void
test_auth_cache(void **state)
{
	struct sip_auth_cache *c;
	const struct sip_auth_user *u = NULL;
	uint8_t md5[16], sha[32];
	struct dg_pl r = { "realm", 5 };
	char name[32];
	int i;

	(void)state;
	memset(md5, 0xab, sizeof(md5));
	memset(sha, 0xcd, sizeof(sha));
	assert_int_equal(sip_auth_cache_create(&c, 0, 1000), -EINVAL);
	assert_int_equal(sip_auth_cache_create(&c, 4, 1000), 0);
	assert_int_equal(sip_auth_cache_get(c, (struct dg_pl){ "alice", 5 }, r,
		100, &u), SIP_AUTH_CACHE_MISS);
	assert_int_equal(sip_auth_cache_put(c, (struct dg_pl){ "alice", 5 }, r,
		md5, sha, 100), 0);
	assert_int_equal(sip_auth_cache_get(c, (struct dg_pl){ "alice", 5 }, r,
		1099, &u), SIP_AUTH_CACHE_FOUND);
	assert_memory_equal(u->ha1_md5, md5, sizeof(md5));
	assert_memory_equal(u->ha1_sha256, sha, sizeof(sha));
	assert_int_equal(u->username.len, 5);
	/* Stale at the TTL, but still what the verifier finds. */
	assert_int_equal(sip_auth_cache_get(c, (struct dg_pl){ "alice", 5 }, r,
		1100, &u), SIP_AUTH_CACHE_MISS);
	assert_non_null(sip_auth_cache_find(c, (struct dg_pl){ "alice", 5 }, r));
	assert_null(sip_auth_cache_find(c, (struct dg_pl){ "Alice", 5 }, r));
	/* Absence is remembered and never verifies. */
	assert_int_equal(sip_auth_cache_put(c, (struct dg_pl){ "bob", 3 }, r,
		NULL, NULL, 100), 0);
	assert_int_equal(sip_auth_cache_get(c, (struct dg_pl){ "bob", 3 }, r, 200,
		&u), SIP_AUTH_CACHE_ABSENT);
	assert_null(sip_auth_cache_find(c, (struct dg_pl){ "bob", 3 }, r));
	/* A user that goes away in the store goes away here. */
	assert_int_equal(sip_auth_cache_put(c, (struct dg_pl){ "alice", 5 }, r,
		NULL, NULL, 2000), 0);
	assert_null(sip_auth_cache_find(c, (struct dg_pl){ "alice", 5 }, r));
	assert_int_equal(sip_auth_cache_count(c), 2);
	/* Bounded: stale entries go first, then all. */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		assert_int_equal(sip_auth_cache_put(c,
			(struct dg_pl){ name, strlen(name) }, r, md5, sha,
			5000 + (uint64_t)i), 0);
		assert_true(sip_auth_cache_count(c) <= 4);
	}
	assert_int_equal(sip_auth_cache_put(c, (struct dg_pl){ "", 0 }, r, md5,
		sha, 0), -EINVAL);
	sip_auth_cache_destroy(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_edge_keys),
		cmocka_unit_test(test_auth_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
