/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the "cluster" configuration section: its defaults, every
 * key read, the remote-media effect on media.required auto, and the
 * errors a bad value gives (file:line: key: reason).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cp_conf.h"

static struct cp_conf conf;

static int
load(const char *text, char *err, size_t errlen)
{
	return cp_conf_load_buf(&conf, "drongo.yaml", text, strlen(text), err,
				errlen);
}

/* Without the section: identity from node.name, 1 s / 3 s / 10 s, local media. */
static void
test_defaults(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(load("node:\n  name: edge-a\n", err, sizeof(err)), 0);
	assert_string_equal(conf.cluster.id, "");
	assert_int_equal(conf.cluster.heartbeat_interval_ms, 1000);
	assert_int_equal(conf.cluster.heartbeat_ttl_ms, 3000);
	assert_int_equal(conf.cluster.orphan_grace_ms, 10000);
	assert_int_equal(conf.cluster.weight, 100);
	assert_int_equal(conf.cluster.capacity, 0);
	assert_int_equal(conf.cluster.media, CP_CLUSTER_MEDIA_LOCAL);
	assert_int_equal(conf.cluster.n_nodes, 0);
	assert_true(cp_conf_media_required(&conf));
}

/* Every key is read. */
static void
test_full_section(void **state)
{
	static const char text[] =
		"node:\n  role: edge\n"
		"cluster:\n"
		"  id: edge-7\n"
		"  advertise:\n"
		"    sip: 192.0.2.1:5060\n"
		"    ng: \"[2001:db8::1]:2223\"\n"
		"    http: 192.0.2.1:8080\n"
		"  heartbeat_interval: 500ms\n"
		"  heartbeat_ttl: 2s\n"
		"  orphan_grace: 30s\n"
		"  capacity: 5000\n"
		"  weight: 3\n"
		"  media: remote\n"
		"  media_nodes:\n"
		"    - { id: m1, ng: 192.0.2.10:2223, weight: 2, capacity: 100 }\n"
		"    - ng: \"[2001:db8::11]:2224\"\n";
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;
	char err[256];

	(void)state;
	assert_int_equal(load(text, err, sizeof(err)), 0);
	assert_string_equal(conf.cluster.id, "edge-7");
	assert_string_equal(conf.cluster.sip, "192.0.2.1:5060");
	assert_string_equal(conf.cluster.ng, "[2001:db8::1]:2223");
	assert_string_equal(conf.cluster.http, "192.0.2.1:8080");
	assert_int_equal(conf.cluster.heartbeat_interval_ms, 500);
	assert_int_equal(conf.cluster.heartbeat_ttl_ms, 2000);
	assert_int_equal(conf.cluster.orphan_grace_ms, 30000);
	assert_int_equal(conf.cluster.capacity, 5000);
	assert_int_equal(conf.cluster.weight, 3);
	assert_int_equal(conf.cluster.media, CP_CLUSTER_MEDIA_REMOTE);
	assert_int_equal(conf.cluster.n_nodes, 2);
	assert_string_equal(conf.cluster.nodes[0].id, "m1");
	assert_int_equal(conf.cluster.nodes[0].weight, 2);
	assert_int_equal(conf.cluster.nodes[0].capacity, 100);
	sin = (const struct sockaddr_in *)&conf.cluster.nodes[0].ng;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 2223);
	assert_int_equal(sin->sin_addr.s_addr, htonl(0xc000020a));
	/* No id: the address names the node; weight defaults to 100. */
	assert_string_equal(conf.cluster.nodes[1].id, "[2001:db8::11]:2224");
	assert_int_equal(conf.cluster.nodes[1].weight, 100);
	sin6 = (const struct sockaddr_in6 *)&conf.cluster.nodes[1].ng;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 2224);
	/* An edge anchoring remotely needs no local data plane for /health. */
	assert_false(cp_conf_media_required(&conf));
}

/* Bad values fail with the file, the line, the key and the reason. */
static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "cluster:\n  idd: x\n", "drongo.yaml:2: idd: unknown key" },
		{ "cluster:\n  id: \"a b\"\n",
		  "drongo.yaml:2: id: 'a b' may hold only letters, digits, '.', '-' and '_'" },
		{ "cluster:\n  advertise:\n    ng: 10.0.0.1\n",
		  "drongo.yaml:3: ng: '10.0.0.1' is not address:port (IPv6 in brackets)" },
		{ "cluster:\n  advertise:\n    sip: 2001:db8::1:5060\n",
		  "drongo.yaml:3: sip: '2001:db8::1:5060' is not address:port (IPv6 in brackets)" },
		{ "cluster:\n  heartbeat_interval: 2s\n  heartbeat_ttl: 3s\n",
		  "drongo.yaml:3: heartbeat_ttl: heartbeat_ttl (3000ms) must be at least twice heartbeat_interval (2000ms)" },
		{ "cluster:\n  weight: 0\n", "drongo.yaml:2: weight: " },
		{ "cluster:\n  media: far\n",
		  "drongo.yaml:2: media: unknown value 'far' (expected local|remote)" },
		{ "cluster:\n  media_nodes:\n    - { id: m1 }\n",
		  "drongo.yaml:3: " },
		{ "cluster:\n  media_nodes:\n    - { id: m1, ng: 10.0.0.1:70000 }\n",
		  "drongo.yaml:3: ng: '10.0.0.1:70000' is not address:port (IPv6 in brackets)" },
		{ "cluster:\n  media_nodes:\n    - { id: m1, ng: 10.0.0.1:1 }\n"
		  "    - { id: m1, ng: 10.0.0.2:1 }\n",
		  "drongo.yaml:4: " },
	};
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(load(bad[i].text, err, sizeof(err)), -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %u: got \"%s\", want \"%s...\"", i, err,
				 bad[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_section),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
