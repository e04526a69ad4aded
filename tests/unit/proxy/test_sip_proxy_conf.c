/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `edge` configuration section: defaults, every key read into the
 * proxy's settings, and bad values refused with file:line: key: reason.
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
#include <sys/socket.h>

#include <cmocka.h>

#include "sip_proxy_conf.h"

static struct sip_edge_conf ec;
static char err[512];

static int
load(const char *yaml)
{
	err[0] = '\0';
	return sip_edge_conf_load_buf(&ec, "edge.yaml", yaml, strlen(yaml),
		err, sizeof(err));
}

/* No edge section: defaults (no auth, 404 for unknown, 60/3600/3600). */
static void
test_conf_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("node:\n  role: edge\n"), 0);
	assert_false(ec.present);
	assert_false(ec.auth_enabled);
	assert_int_equal(ec.proxy.routes.n_rules, 0);
	assert_int_equal(ec.proxy.routes.unknown_code, 404);
	assert_int_equal(ec.proxy.reg.min_expires, 60);
	assert_int_equal(ec.proxy.reg.max_expires, 3600);
	assert_int_equal(ec.proxy.reg.default_expires, 3600);
	assert_int_equal(ec.proxy.dialog_early_timeout_ms, 180000);
	assert_int_equal(ec.proxy.dialog_max_duration_ms, 14400000);
	assert_int_equal(ec.proxy.max_txns, 65536);
	assert_int_equal(ec.proxy.retry_after_s, 5);
	assert_int_equal(ec.proxy.timer_c_ms, 180000);
	/* An empty section turns the proxy on with these defaults. */
	assert_int_equal(load("edge: {}\n"), 0);
	assert_true(ec.present);
	assert_int_equal(load("edge:\n"), 0);
	assert_true(ec.present);
	assert_int_equal(ec.proxy.reg.max_expires, 3600);
}

/* Every key lands where the proxy reads it. */
static void
test_conf_full(void **state)
{
	static const char yaml[] =
		"edge:\n"
		"  unknown_destination: 403\n"
		"  max_transactions: 5000\n"
		"  retry_after: 9\n"
		"  timer_c: 200s\n"
		"  registrar:\n"
		"    min_expires: 30\n"
		"    max_expires: 7200\n"
		"    default_expires: 900\n"
		"  dialog:\n"
		"    early_timeout: 90s\n"
		"    max_duration: 2m\n"
		"  auth:\n"
		"    realm: example.com\n"
		"    users_file: /etc/drongo/users\n"
		"    secret: \"0123456789abcdef-secret\"\n"
		"    nonce_ttl: 60s\n"
		"    methods: [REGISTER, INVITE, MESSAGE]\n"
		"    trusted: [192.0.2.0/24, \"2001:db8::/32\"]\n"
		"    algorithms: [md5]\n"
		"  routes:\n"
		"    - name: pstn\n"
		"      prefix: \"00\"\n"
		"      targets: [udp:203.0.113.1:5060, \"tcp:[2001:db8::9]:5070\"]\n"
		"    - domain: partner.example.org\n"
		"      targets: [udp:203.0.113.2]\n"
		"      topology_hiding: true\n";

	(void)state;
	assert_int_equal(load(yaml), 0);
	assert_true(ec.present);
	assert_int_equal(ec.proxy.routes.unknown_code, 403);
	assert_int_equal(ec.proxy.max_txns, 5000);
	assert_int_equal(ec.proxy.retry_after_s, 9);
	assert_int_equal(ec.proxy.timer_c_ms, 200000);
	assert_int_equal(ec.proxy.reg.min_expires, 30);
	assert_int_equal(ec.proxy.reg.max_expires, 7200);
	assert_int_equal(ec.proxy.reg.default_expires, 900);
	assert_int_equal(ec.proxy.dialog_early_timeout_ms, 90000);
	assert_int_equal(ec.proxy.dialog_max_duration_ms, 120000);
	assert_true(ec.auth_enabled);
	assert_string_equal(ec.realm, "example.com");
	assert_string_equal(ec.users_file, "/etc/drongo/users");
	assert_int_equal(ec.nonce_ttl_s, 60);
	assert_int_equal(ec.offer, SIP_AUTH_OFFER_MD5);
	{
		struct sockaddr_in out = { .sin_family = AF_INET };
		struct sockaddr_in in = { .sin_family = AF_INET };

		inet_pton(AF_INET, "198.51.100.1", &out.sin_addr);
		inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
		assert_true(sip_auth_policy_requires(&ec.policy, DG_PL("MESSAGE"),
			(const struct sockaddr *)&out));
		assert_false(sip_auth_policy_requires(&ec.policy, DG_PL("BYE"),
			(const struct sockaddr *)&out));
		assert_false(sip_auth_policy_requires(&ec.policy, DG_PL("INVITE"),
			(const struct sockaddr *)&in));
	}
	assert_int_equal(ec.policy.n_trusted, 2);
	assert_int_equal(ec.proxy.routes.n_rules, 2);
	assert_string_equal(ec.proxy.routes.rules[0].name, "pstn");
	assert_string_equal(ec.proxy.routes.rules[0].prefix, "00");
	assert_int_equal(ec.proxy.routes.rules[0].n_targets, 2);
	assert_int_equal(ec.proxy.routes.rules[0].targets[1].tp, SIP_TP_TCP);
	assert_int_equal(ec.proxy.routes.rules[0].targets[1].addr.ss_family, AF_INET6);
	assert_string_equal(ec.proxy.routes.rules[1].domain, "partner.example.org");
	assert_false(ec.proxy.routes.rules[0].topology_hiding);
	assert_true(ec.proxy.routes.rules[1].topology_hiding);
}

/* Bad values fail with the file, the key's line and a reason. */
static void
test_conf_errors(void **state)
{
	static const struct {
		const char *yaml;
		const char *want;
	} cases[] = {
		{ "edge:\n  colour: red\n", "edge.yaml:2: colour: unknown key" },
		{ "edge:\n  unknown_destination: 500\n", "edge.yaml:2: unknown_destination:" },
		{ "edge:\n  registrar:\n    min_expires: 600\n    max_expires: 60\n",
		  "max_expires (60) is below min_expires (600)" },
		{ "edge:\n  registrar:\n    default_expires: 10\n",
		  "default_expires (10) is outside" },
		{ "edge:\n  auth:\n    realm: r\n    users_file: u\n    secret: short\n",
		  "edge.yaml:5: secret: at least 16 characters" },
		{ "edge:\n  auth:\n    users_file: u\n    secret: 0123456789abcdef\n",
		  "missing realm" },
		{ "edge:\n  auth:\n    realm: r\n    users_file: u\n    secret: 0123456789abcdef\n    methods: [ACK]\n",
		  "edge.yaml:6: methods: 'ACK' cannot be challenged" },
		{ "edge:\n  auth:\n    realm: r\n    users_file: u\n    secret: 0123456789abcdef\n    trusted: [10.0.0.1/8]\n",
		  "'10.0.0.1/8' is not a prefix" },
		{ "edge:\n  auth:\n    realm: r\n    users_file: u\n    secret: 0123456789abcdef\n    algorithms: [sha-1]\n",
		  "unknown value 'sha-1'" },
		{ "edge:\n  routes:\n    - prefix: \"1\"\n", "edge.yaml:3: " },
		{ "edge:\n  routes:\n    - prefix: \"1\"\n      targets: [udp:gw.example.com]\n",
		  "names are not resolved" },
		{ "edge:\n  routes:\n    - targets: [udp:192.0.2.1]\n      topology_hiding: maybe\n",
		  "topology_hiding:" },
		{ "edge:\n  dialog:\n    early_timeout: 10ms\n", "early_timeout:" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = load(cases[i].yaml);

		if (r != -EINVAL || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: rc %d, error '%s', want '%s'", i, r,
				err, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_full),
		cmocka_unit_test(test_conf_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
