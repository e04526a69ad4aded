/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing decisions: the proxy itself, local users, prefix and domain
 * rules in order, default routes only for foreign domains, the refusal
 * code, failover codes and target parsing.
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

#include "sip_route.h"

static struct sip_route_table table;

static void
add_rule(const char *name, const char *prefix, const char *domain,
		const char *target)
{
	struct sip_route_rule *r = &table.rules[table.n_rules++];
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	assert_int_equal(sip_route_target_parse(target, &r->targets[0], &why), 0);
	r->n_targets = 1;
}

static int
setup(void **state)
{
	(void)state;
	memset(&table, 0, sizeof(table));
	table.unknown_code = 403;
	add_rule("intl", "00", "", "udp:203.0.113.1:5060");
	add_rule("partner", "", "partner.example.org", "tcp:203.0.113.2:5070");
	add_rule("default", "", "", "udp:[2001:db8::5]");
	return 0;
}

static const char *
decide(const char *uri_s, bool ours, int *code)
{
	struct sip_route_decision d;
	struct sip_uri uri;

	assert_int_equal(sip_uri_decode(&uri, uri_s, strlen(uri_s)), 0);
	sip_route_decide(&table, &uri, ours, &d);
	*code = d.code;
	switch (d.kind) {
	case SIP_ROUTE_SELF:
		return "self";
	case SIP_ROUTE_LOCAL:
		return "local";
	case SIP_ROUTE_REJECT:
		return "reject";
	default:
		return d.rule->name;
	}
}

/* Each request goes where the table says, first matching rule first. */
static void
test_route_decisions(void **state)
{
	static const struct {
		const char *uri;
		bool ours;
		const char *want;
	} cases[] = {
		{ "sip:edge.example.net", true, "self" },
		{ "sip:bob@edge.example.net", true, "local" },
		{ "sip:0049301234@edge.example.net", true, "intl" },
		{ "sip:0049301234@elsewhere.example.com", false, "intl" },
		{ "sip:carol@partner.example.org", false, "partner" },
		{ "sip:carol@PARTNER.example.org", false, "partner" },
		{ "sip:dave@elsewhere.example.com", false, "default" },
		/* a default route never takes our own users */
		{ "sip:0@edge.example.net", true, "local" },
	};
	size_t i;
	int code;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = decide(cases[i].uri, cases[i].ours, &code);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].uri, got,
				cases[i].want);
	}
}

/* Without a default route a foreign destination gets the configured code. */
static void
test_route_reject_code(void **state)
{
	int code = 0;

	(void)state;
	table.n_rules = 2;
	assert_string_equal(decide("sip:dave@elsewhere.example.com", false, &code),
		"reject");
	assert_int_equal(code, 403);
	table.unknown_code = 0;
	decide("sip:dave@elsewhere.example.com", false, &code);
	assert_int_equal(code, 404);
}

/* Failover happens on 408 and 503 only. */
static void
test_route_failover_codes(void **state)
{
	(void)state;
	assert_true(sip_route_failover_code(408));
	assert_true(sip_route_failover_code(503));
	assert_false(sip_route_failover_code(500));
	assert_false(sip_route_failover_code(486));
	assert_false(sip_route_failover_code(404));
}

/* Targets: transport, IPv4/IPv6, default port, and clear refusals. */
static void
test_route_target_parse(void **state)
{
	struct sip_route_target t;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&t.addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&t.addr;
	const char *why = NULL;
	static const char *const bad[] = {
		"sctp:192.0.2.1:5060", "udp:", "udp:192.0.2.1:0",
		"udp:192.0.2.1:70000", "udp:gw.example.com", "tcp:[2001:db8::1",
		"udp:[2001:db8::1]x", "udp:192.0.2.1:50a",
	};
	size_t i;

	(void)state;
	assert_int_equal(sip_route_target_parse("tcp:192.0.2.1:5070", &t, &why), 0);
	assert_int_equal(t.tp, SIP_TP_TCP);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 5070);
	assert_int_equal(sip_route_target_parse("udp:192.0.2.1", &t, &why), 0);
	assert_int_equal(ntohs(sin->sin_port), 5060);
	assert_int_equal(t.tp, SIP_TP_UDP);
	assert_int_equal(sip_route_target_parse("udp:[2001:db8::1]:5080", &t, &why), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 5080);
	assert_int_equal(t.addrlen, sizeof(struct sockaddr_in6));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (sip_route_target_parse(bad[i], &t, &why) != -EINVAL || why == NULL)
			fail_msg("%s accepted", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_route_decisions, setup),
		cmocka_unit_test_setup(test_route_reject_code, setup),
		cmocka_unit_test(test_route_failover_codes),
		cmocka_unit_test(test_route_target_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
