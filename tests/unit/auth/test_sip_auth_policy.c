/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the authentication policy: which methods are challenged, and
 * which source addresses (IPv4, IPv6, IPv4-mapped) skip it as trusted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sip_auth_policy.h"

static struct sockaddr_storage addr_buf;

static const struct sockaddr *
addr(const char *ip)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&addr_buf;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&addr_buf;

	memset(&addr_buf, 0, sizeof(addr_buf));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(5060);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)&addr_buf;
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

/* Only listed methods need auth; method names are case-sensitive. */
static void
test_methods(void **state)
{
	struct sip_auth_policy p;

	(void)state;
	assert_int_equal(sip_auth_policy_init(&p, "example.com"), 0);
	assert_string_equal(p.realm, "example.com");
	assert_false(sip_auth_policy_requires(&p, pl("REGISTER"),
			addr("192.0.2.1")));
	assert_int_equal(sip_auth_policy_add_method(&p, "REGISTER"), 0);
	assert_int_equal(sip_auth_policy_add_method(&p, "INVITE"), 0);
	assert_true(sip_auth_policy_requires(&p, pl("REGISTER"),
			addr("192.0.2.1")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("2001:db8::1")));
	assert_false(sip_auth_policy_requires(&p, pl("invite"),
			addr("192.0.2.1")));
	assert_false(sip_auth_policy_requires(&p, pl("OPTIONS"),
			addr("192.0.2.1")));
	assert_false(sip_auth_policy_requires(&p, pl("FOO"), addr("192.0.2.1")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"), NULL));
	assert_int_equal(sip_auth_policy_add_method(&p, "ACK"), -EINVAL);
	assert_int_equal(sip_auth_policy_add_method(&p, "CANCEL"), -EINVAL);
	assert_int_equal(sip_auth_policy_add_method(&p, "invite"), -EINVAL);
	assert_int_equal(sip_auth_policy_init(&p, ""), -EINVAL);
}

/* Sources inside a trusted prefix skip auth, at both ends of the range. */
static void
test_trusted_prefixes(void **state)
{
	struct sip_auth_policy p;

	(void)state;
	assert_int_equal(sip_auth_policy_init(&p, "example.com"), 0);
	assert_int_equal(sip_auth_policy_add_method(&p, "INVITE"), 0);
	assert_int_equal(sip_auth_policy_add_trusted(&p, "198.51.100.0/24"), 0);
	assert_int_equal(sip_auth_policy_add_trusted(&p, "203.0.113.7"), 0);
	assert_int_equal(sip_auth_policy_add_trusted(&p, "10.0.0.0/9"), 0);
	assert_int_equal(sip_auth_policy_add_trusted(&p, "2001:db8:1::/48"), 0);
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("198.51.100.0")));
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("198.51.100.255")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("198.51.101.0")));
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("203.0.113.7")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("203.0.113.8")));
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("10.127.255.255")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("10.128.0.0")));
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("2001:db8:1:ffff::1")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("2001:db8:2::1")));
	/* A dual-stack socket reports IPv4 peers as mapped addresses. */
	assert_false(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("::ffff:198.51.100.9")));
	assert_true(sip_auth_policy_requires(&p, pl("INVITE"),
			addr("::ffff:198.51.101.9")));
	assert_true(sip_auth_policy_trusted(&p, addr("198.51.100.1")));
	assert_false(sip_auth_policy_trusted(&p, NULL));
}

/* /0 trusts a whole family, and only that family. */
static void
test_trusted_default_route(void **state)
{
	struct sip_auth_policy p;

	(void)state;
	assert_int_equal(sip_auth_policy_init(&p, "r"), 0);
	assert_int_equal(sip_auth_policy_add_trusted(&p, "0.0.0.0/0"), 0);
	assert_true(sip_auth_policy_trusted(&p, addr("255.1.2.3")));
	assert_false(sip_auth_policy_trusted(&p, addr("2001:db8::1")));
}

/* Malformed prefixes and host bits beyond the length are refused. */
static void
test_bad_prefixes(void **state)
{
	static const char *const bad[] = {
		"", "/24", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/24x",
		"192.0.2.1/24", "192.0.2", "2001:db8::/129", "2001:db8::1/64",
		"host.example.com", "192.0.2.0/-1", "192.0.2.0/+8",
	};
	struct sip_auth_policy p;
	size_t i;

	(void)state;
	assert_int_equal(sip_auth_policy_init(&p, "r"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sip_auth_policy_add_trusted(&p, bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(p.n_trusted, 0);
}

/* The table is bounded: one more than the maximum is -ENOSPC. */
static void
test_trusted_full(void **state)
{
	struct sip_auth_policy p;
	char cidr[32];
	int i;

	(void)state;
	assert_int_equal(sip_auth_policy_init(&p, "r"), 0);
	for (i = 0; i < SIP_AUTH_POLICY_TRUSTED_MAX; i++) {
		snprintf(cidr, sizeof(cidr), "10.0.%d.0/24", i);
		assert_int_equal(sip_auth_policy_add_trusted(&p, cidr), 0);
	}
	assert_int_equal(sip_auth_policy_add_trusted(&p, "10.1.0.0/24"),
			-ENOSPC);
	assert_true(sip_auth_policy_trusted(&p, addr("10.0.63.1")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_trusted_prefixes),
		cmocka_unit_test(test_trusted_default_route),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_trusted_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
