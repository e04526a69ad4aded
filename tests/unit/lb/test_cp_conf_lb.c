/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lb section of the configuration: defaults when absent, every key
 * read, edges as strings or mappings, and each bad value refused with
 * file:line and the reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_conf.h"

static struct cp_conf conf;

static int
load(const char *yaml, char *err, size_t errlen)
{
	return cp_conf_load_buf(&conf, "lb.yaml", yaml, strlen(yaml), err,
		errlen);
}

/* Absent: no edges, 2 s probes, 2/2 hysteresis, Record-Route on. */
static void
test_defaults(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(load("node:\n  role: lb\n", err, sizeof(err)), 0);
	assert_int_equal(conf.role, CP_ROLE_LB);
	assert_int_equal(conf.lb.n_edges, 0);
	assert_int_equal(conf.lb.probe_interval_ms, 2000);
	assert_int_equal(conf.lb.down_after, 2);
	assert_int_equal(conf.lb.up_after, 2);
	assert_true(conf.lb.record_route);
	assert_int_equal(conf.lb.retry_after_s, 5);
	assert_string_equal(conf.lb.advertise, "");
	assert_string_equal(conf.lb.secret, "");
}

/* Every key, edges in both forms, IPv6 and a sip: prefix. */
static void
test_all_keys(void **state)
{
	static const char y[] =
		"node: {role: lb}\n"
		"lb:\n"
		"  edges:\n"
		"    - 192.0.2.21:5070\n"
		"    - {address: \"sip:[2001:db8::22]\", weight: 3, name: e2}\n"
		"    - 192.0.2.23\n"
		"  probe_interval: 500ms\n"
		"  down_after: 3\n"
		"  up_after: 4\n"
		"  advertise: lb.example.com:5080\n"
		"  secret: 0123456789abcdef0123\n"
		"  record_route: false\n"
		"  retry_after: 30s\n";
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	char err[256], ip[64];

	(void)state;
	assert_int_equal(load(y, err, sizeof(err)), 0);
	assert_int_equal(conf.lb.n_edges, 3);
	assert_string_equal(conf.lb.edges[0].name, "192.0.2.21:5070");
	s4 = (const struct sockaddr_in *)&conf.lb.edges[0].addr;
	assert_int_equal(ntohs(s4->sin_port), 5070);
	assert_int_equal(conf.lb.edges[0].weight, 1);
	assert_string_equal(conf.lb.edges[1].name, "e2");
	assert_int_equal(conf.lb.edges[1].weight, 3);
	s6 = (const struct sockaddr_in6 *)&conf.lb.edges[1].addr;
	assert_int_equal(s6->sin6_family, AF_INET6);
	inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::22");
	assert_int_equal(ntohs(s6->sin6_port), 5060);
	s4 = (const struct sockaddr_in *)&conf.lb.edges[2].addr;
	assert_int_equal(ntohs(s4->sin_port), 5060);
	assert_int_equal(conf.lb.probe_interval_ms, 500);
	assert_int_equal(conf.lb.down_after, 3);
	assert_int_equal(conf.lb.up_after, 4);
	assert_string_equal(conf.lb.advertise, "lb.example.com:5080");
	assert_string_equal(conf.lb.secret, "0123456789abcdef0123");
	assert_false(conf.lb.record_route);
	assert_int_equal(conf.lb.retry_after_s, 30);
}

static void
refused(const char *lb_section, const char *reason)
{
	char yaml[1024], err[256];

	snprintf(yaml, sizeof(yaml), "node: {role: lb}\nlb:\n%s", lb_section);
	assert_int_equal(load(yaml, err, sizeof(err)), -EINVAL);
	if (strstr(err, reason) == NULL || strncmp(err, "lb.yaml:", 8) != 0)
		fail_msg("'%s' gave '%s', expected '%s'", lb_section, err,
			reason);
}

/* Each bad value: -EINVAL with file:line and why. */
static void
test_refused(void **state)
{
	(void)state;
	refused("  edges: [example.com:5060]\n", "is not ip:port");
	refused("  edges: [\"2001:db8::1:5060\"]\n", "is not ip:port");
	refused("  edges: [192.0.2.1:0]\n", "is not ip:port");
	refused("  edges: [192.0.2.1:5060, 192.0.2.1:5060]\n", "duplicate");
	refused("  edges: [{address: 192.0.2.1, name: a}, {address: 192.0.2.2, name: a}]\n",
		"already used");
	refused("  edges: [{address: 192.0.2.1, weight: 0}]\n", "");
	refused("  edges: [{weight: 2}]\n", "missing address");
	refused("  edges: [{address: 192.0.2.1, port: 5}]\n", "port");
	refused("  probe_interval: 10ms\n", "");
	refused("  down_after: 0\n", "");
	refused("  secret: short\n", "at least 16");
	refused("  advertise: \"a b\"\n", "not host or host:port");
	refused("  retries: 3\n", "retries");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
