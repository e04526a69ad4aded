/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route and Record-Route processing (RFC 3261 sections 16.4, 16.6, 16.12):
 * loose routing, our own entries popped (two after a double Record-Route),
 * a strict router before and after us, the bytes written for each case,
 * Record-Route values, Max-Forwards and loop detection.
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

#include "sip_rr.h"

/* We are 192.0.2.10:5060 and 192.0.2.10:5070 (two sockets), or "edge.example.net". */
static bool
is_ours(void *arg, const struct sip_uri *uri)
{
	uint16_t port = uri->port != 0 ? uri->port : 5060;

	(void)arg;
	if (port != 5060 && port != 5070)
		return false;
	return dg_pl_eq_str_nocase(uri->host, "192.0.2.10") ||
		dg_pl_eq_str_nocase(uri->host, "edge.example.net");
}

static struct sip_msg msg;
static char buf[8192];
static char out[8192];

static void
decode(const char *ruri, const char *extra, uint32_t mf)
{
	struct sip_perr perr;
	int n;

	n = snprintf(buf, sizeof(buf),
		"INVITE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-a1\r\n"
		"%s"
		"Max-Forwards: %u\r\n"
		"From: <sip:alice@example.com>;tag=f1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: rr-1@example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", ruri, extra, mf);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(sip_msg_decode(&msg, buf, (size_t)n, &perr), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_ROUTE, &perr), 0);
}

static const char *
apply(const struct sip_rr_plan *plan)
{
	static char route_buf[2048];
	struct sip_edits ed;
	ssize_t n;

	sip_edits_init(&ed);
	assert_int_equal(sip_rr_plan_edits(&msg, plan, route_buf,
		sizeof(route_buf), &ed), 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static bool
pl_is(struct dg_pl pl, const char *s)
{
	return pl.len == strlen(s) && memcmp(pl.p, s, pl.len) == 0;
}

/* No Route: the next hop is the Request-URI and nothing changes. */
static void
test_rr_no_route(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:bob@198.51.100.9:5080", "", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_false(plan.ruri_changed);
	assert_false(plan.routes_changed);
	assert_false(plan.next_is_route);
	assert_true(pl_is(plan.next_hop.host, "198.51.100.9"));
	assert_int_equal(plan.next_hop.port, 5080);
	assert_non_null(strstr(apply(&plan), "INVITE sip:bob@198.51.100.9:5080 SIP/2.0\r\n"));
	assert_null(strstr(out, "Route:"));
}

/* Loose routing: our entry is removed, the next (lr) Route is the next hop. */
static void
test_rr_loose_pop_ours(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:bob@198.51.100.9",
		"Route: <sip:192.0.2.10;lr>, <sip:203.0.113.5:5090;lr;transport=tcp>\r\n", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_int_equal(plan.popped, 1);
	assert_true(plan.next_is_route);
	assert_false(plan.ruri_changed);
	assert_true(pl_is(plan.next_hop.host, "203.0.113.5"));
	assert_int_equal(plan.next_hop.port, 5090);
	apply(&plan);
	assert_non_null(strstr(out, "INVITE sip:bob@198.51.100.9 SIP/2.0\r\n"));
	assert_non_null(strstr(out, "\r\nRoute: <sip:203.0.113.5:5090;lr;transport=tcp>\r\n"));
	assert_null(strstr(out, "192.0.2.10"));
}

/* After a double Record-Route both of our entries go (two lines here). */
static void
test_rr_double_pop(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:bob@198.51.100.9",
		"Route: <sip:192.0.2.10:5070;lr>\r\n"
		"Route: <sip:edge.example.net;lr>\r\n", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_int_equal(plan.popped, 2);
	assert_int_equal(plan.n_routes, 0);
	assert_false(plan.next_is_route);
	assert_true(pl_is(plan.next_hop.host, "198.51.100.9"));
	apply(&plan);
	assert_null(strstr(out, "Route:"));
}

/* A Route that is another host on our port is not ours. */
static void
test_rr_other_host_kept(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:bob@198.51.100.9", "Route: <sip:192.0.2.11;lr>\r\n", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_int_equal(plan.popped, 0);
	assert_true(plan.next_is_route);
	assert_false(plan.routes_changed);
	assert_true(pl_is(plan.next_hop.host, "192.0.2.11"));
}

/*
 * A strict router before us put our Record-Route URI in the Request-URI:
 * the last Route becomes the Request-URI again (section 16.4).
 */
static void
test_rr_strict_previous(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:192.0.2.10;lr",
		"Route: <sip:203.0.113.5;lr>, <sip:bob@198.51.100.9:5062>\r\n", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_true(plan.strict_prev);
	assert_true(plan.ruri_changed);
	assert_true(pl_is(plan.ruri, "sip:bob@198.51.100.9:5062"));
	assert_true(plan.next_is_route);
	assert_true(pl_is(plan.next_hop.host, "203.0.113.5"));
	apply(&plan);
	assert_non_null(strstr(out, "INVITE sip:bob@198.51.100.9:5062 SIP/2.0\r\n"));
	assert_non_null(strstr(out, "\r\nRoute: <sip:203.0.113.5;lr>\r\n"));
}

/*
 * The next hop is a strict router (no lr): its URI becomes the
 * Request-URI and the Request-URI goes to the end of the Route set
 * (section 16.6 item 6).
 */
static void
test_rr_strict_next(void **state)
{
	struct sip_rr_plan plan;

	(void)state;
	decode("sip:bob@198.51.100.9",
		"Route: <sip:192.0.2.10;lr>, <sip:203.0.113.8>, <sip:203.0.113.9;lr>\r\n", 70);
	assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan), 0);
	assert_true(plan.strict_next);
	assert_false(plan.next_is_route);
	assert_true(pl_is(plan.ruri, "sip:203.0.113.8"));
	assert_true(pl_is(plan.next_hop.host, "203.0.113.8"));
	apply(&plan);
	assert_non_null(strstr(out, "INVITE sip:203.0.113.8 SIP/2.0\r\n"));
	assert_non_null(strstr(out,
		"\r\nRoute: <sip:203.0.113.9;lr>, <sip:bob@198.51.100.9>\r\n"));
}

/*
 * A malformed Route value is an error, not a guess: the header parser or
 * the plan refuses it (the proxy answers 400).
 */
static void
test_rr_bad_route(void **state)
{
	static const char *const bad[] = {
		"Route: <sip:192.0.2.10;lr\r\n",
		"Route: <>\r\n",
		"Route: sip:\r\n",
	};
	struct sip_rr_plan plan;
	struct sip_perr perr;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(buf, sizeof(buf),
			"INVITE sip:bob@198.51.100.9 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-a1\r\n"
			"%s"
			"From: <sip:alice@example.com>;tag=f1\r\n"
			"To: <sip:bob@example.com>\r\n"
			"Call-ID: rr-2@example.com\r\n"
			"CSeq: 1 INVITE\r\n"
			"Content-Length: 0\r\n\r\n", bad[i]);
		assert_int_equal(sip_msg_decode(&msg, buf, (size_t)n, &perr), 0);
		if (sip_msg_parse_hdrs(&msg, SIP_HDR_F_ROUTE, &perr) == 0)
			assert_int_equal(sip_rr_plan(&msg, is_ours, NULL, &plan),
				-EBADMSG);
	}
}

/* Record-Route values: IPv4/IPv6, transport only when not UDP, lr always. */
static void
test_rr_value(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char v[128];

	(void)state;
	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5060);
	inet_pton(AF_INET, "192.0.2.10", &sin->sin_addr);
	assert_int_equal(sip_rr_value(v, sizeof(v), &ss, SIP_TP_UDP, DG_PL_NULL),
		(int)strlen("<sip:192.0.2.10:5060;lr>"));
	assert_string_equal(v, "<sip:192.0.2.10:5060;lr>");
	sip_rr_value(v, sizeof(v), &ss, SIP_TP_TCP, DG_PL("dlg1"));
	assert_string_equal(v, "<sip:dlg1@192.0.2.10:5060;transport=tcp;lr>");
	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(5070);
	inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
	sip_rr_value(v, sizeof(v), &ss, SIP_TP_UDP, DG_PL_NULL);
	assert_string_equal(v, "<sip:[2001:db8::1]:5070;lr>");
	assert_int_equal(sip_rr_value(v, 10, &ss, SIP_TP_UDP, DG_PL_NULL), -ENOSPC);
}

/* Max-Forwards: 0 is 483, otherwise one less, 70 when absent. */
static void
test_rr_max_forwards(void **state)
{
	uint32_t mf = 0;

	(void)state;
	decode("sip:bob@198.51.100.9", "", 0);
	assert_int_equal(sip_rr_max_forwards(&msg, &mf), 483);
	decode("sip:bob@198.51.100.9", "", 1);
	assert_int_equal(sip_rr_max_forwards(&msg, &mf), 0);
	assert_int_equal(mf, 0);
	decode("sip:bob@198.51.100.9", "", 70);
	assert_int_equal(sip_rr_max_forwards(&msg, &mf), 0);
	assert_int_equal(mf, 69);
	msg.have &= ~(uint32_t)SIP_HAVE_MAX_FORWARDS;
	assert_int_equal(sip_rr_max_forwards(&msg, &mf), 0);
	assert_int_equal(mf, 70);
}

/*
 * Loop detection: our Via whose branch carries the hash the request has
 * now is a loop; after the Request-URI changed it is a spiral.
 */
static void
test_rr_loop(void **state)
{
	char hash[SIP_RR_LOOP_HASH_LEN + 1], branch[64], via[160];

	(void)state;
	decode("sip:bob@198.51.100.9", "", 70);
	sip_rr_loop_hash(&msg, hash);
	assert_int_equal(strlen(hash), SIP_RR_LOOP_HASH_LEN);
	assert_true(sip_rr_branch(branch, sizeof(branch), 7, hash) > 0);
	assert_int_equal(strncmp(branch, "z9hG4bK-dg0000000000000007-", 27), 0);
	assert_false(sip_rr_loop_detect(&msg, is_ours, NULL));

	/* The same request comes back through us. */
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=%s\r\n",
		branch);
	decode("sip:bob@198.51.100.9", via, 69);
	assert_true(sip_rr_loop_detect(&msg, is_ours, NULL));

	/* Spiral: same Via, but the Request-URI was retargeted. */
	decode("sip:bob-mobile@198.51.100.9", via, 69);
	assert_false(sip_rr_loop_detect(&msg, is_ours, NULL));

	/* The same branch in a Via that is not ours is not a loop. */
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP 192.0.2.99:5060;branch=%s\r\n",
		branch);
	decode("sip:bob@198.51.100.9", via, 69);
	assert_false(sip_rr_loop_detect(&msg, is_ours, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_no_route),
		cmocka_unit_test(test_rr_loose_pop_ours),
		cmocka_unit_test(test_rr_double_pop),
		cmocka_unit_test(test_rr_other_host_kept),
		cmocka_unit_test(test_rr_strict_previous),
		cmocka_unit_test(test_rr_strict_next),
		cmocka_unit_test(test_rr_bad_route),
		cmocka_unit_test(test_rr_value),
		cmocka_unit_test(test_rr_max_forwards),
		cmocka_unit_test(test_rr_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
