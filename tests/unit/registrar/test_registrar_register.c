/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registrar's REGISTER processing (RFC 3261 section 10.3, RFC 3327)
 * over the real in-memory location store on a virtual wall clock: expiry
 * from the parameter, the header or the default, 423 with Min-Expires,
 * clamping, "*" rules, Call-ID/CSeq ordering with all-or-nothing
 * application, q-values, Path, remaining expiry in the 200, expiry of
 * bindings, removal of one contact, and the authenticated-user rule.
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

#include "sip_loc_mem.h"
#include "sip_registrar.h"

#define T0 1700000000ull

static uint64_t now_s;
static struct sip_loc *loc;
static struct sip_reg_conf rconf;
static struct sip_loc_source src;

static int got_code;
static char got_reason[128];
static char got_hdrs[SIP_REG_HDRS_MAX];
static int got_calls;

static uint64_t
clock_now(void *arg)
{
	(void)arg;
	return now_s;
}

static void
on_done(void *arg, int code, const char *reason, const char *hdrs)
{
	(void)arg;
	got_calls++;
	got_code = code;
	snprintf(got_reason, sizeof(got_reason), "%s", reason != NULL ? reason : "");
	snprintf(got_hdrs, sizeof(got_hdrs), "%s", hdrs);
}

static int
setup(void **state)
{
	struct sip_loc_mem_conf mc;
	struct sockaddr_in *sin = (struct sockaddr_in *)&src.addr;

	(void)state;
	now_s = T0;
	memset(&mc, 0, sizeof(mc));
	mc.clock = clock_now;
	assert_int_equal(sip_loc_mem_create(&loc, &mc), 0);
	memset(&rconf, 0, sizeof(rconf));
	rconf.min_expires = 60;
	rconf.max_expires = 3600;
	rconf.default_expires = 600;
	rconf.clock = clock_now;
	memset(&src, 0, sizeof(src));
	src.transport = SIP_LOC_TP_UDP;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	inet_pton(AF_INET, "203.0.113.50", &sin->sin_addr);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sip_loc_destroy(loc);
	return 0;
}

/* Sends a REGISTER for bob with these extra lines; returns the status. */
static int
reg(const char *call_id, unsigned int cseq, const char *extra,
		const char *auth_user)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf),
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-r%u\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:bob@example.com>;tag=t1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u REGISTER\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n", cseq, call_id, cseq, extra);
	got_calls = 0;
	got_code = 0;
	assert_int_equal(sip_reg_handle(loc, &rconf, buf, (size_t)n, &src,
		auth_user != NULL ? (struct dg_pl){ auth_user, strlen(auth_user) } :
		DG_PL_NULL, on_done, NULL), 0);
	assert_int_equal(got_calls, 1);
	return got_code;
}

static unsigned int n_found;
static struct sip_loc_binding found[8];
static char found_strs[8][4][256];

static void
on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	unsigned int i;

	(void)arg;
	assert_int_equal(err, 0);
	n_found = rec->n_bindings;
	for (i = 0; i < rec->n_bindings && i < 8; i++) {
		found[i] = rec->bindings[i];
		snprintf(found_strs[i][0], 256, "%.*s", (int)rec->bindings[i].contact.len,
			rec->bindings[i].contact.p);
		snprintf(found_strs[i][1], 256, "%.*s",
			rec->bindings[i].n_path > 0 ? (int)rec->bindings[i].path[0].len : 0,
			rec->bindings[i].n_path > 0 ? rec->bindings[i].path[0].p : "");
	}
}

static void
lookup(void)
{
	assert_int_equal(sip_loc_lookup(loc, DG_PL("sip:bob@example.com"),
		on_lookup, NULL), 0);
}

static const char *
contact_of(const char *uri)
{
	unsigned int i;

	for (i = 0; i < n_found; i++)
		if (strcmp(found_strs[i][0], uri) == 0)
			return found_strs[i][0];
	return NULL;
}

/* One contact, no expiry given: the default; the source is stored for NAT. */
static void
test_reg_default_expiry(void **state)
{
	const struct sockaddr_in *sin;

	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5:5060>\r\n", NULL), 200);
	assert_non_null(strstr(got_hdrs, "Contact: <sip:bob@10.0.0.5:5060>;expires=600\r\n"));
	lookup();
	assert_int_equal(n_found, 1);
	assert_int_equal(found[0].expires, T0 + 600);
	sin = (const struct sockaddr_in *)&found[0].source.addr;
	assert_int_equal(ntohs(sin->sin_port), 40000);
	assert_int_equal(found[0].cseq, 1);
	assert_int_equal(found[0].q, 1000);
}

/* Per-contact parameter beats the header; q-values are stored and listed. */
static void
test_reg_multi_contacts(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1,
		"Contact: <sip:bob@10.0.0.5:5060>;expires=120;q=0.5, <sip:bob@10.0.0.6:5060>\r\n"
		"Expires: 900\r\n", NULL), 200);
	assert_non_null(strstr(got_hdrs, "Contact: <sip:bob@10.0.0.5:5060>;expires=120;q=0.500\r\n"));
	assert_non_null(strstr(got_hdrs, "Contact: <sip:bob@10.0.0.6:5060>;expires=900\r\n"));
	lookup();
	assert_int_equal(n_found, 2);
}

/* Below the minimum: 423 with Min-Expires, nothing stored; 0 is allowed. */
static void
test_reg_423(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>;expires=30\r\n", NULL), 423);
	assert_string_equal(got_hdrs, "Min-Expires: 60\r\n");
	lookup();
	assert_int_equal(n_found, 0);
	assert_int_equal(reg("c1", 2, "Contact: <sip:bob@10.0.0.5>\r\nExpires: 59\r\n", NULL), 423);
	assert_int_equal(reg("c1", 3, "Contact: <sip:bob@10.0.0.5>\r\nExpires: 0\r\n", NULL), 200);
}

/* Above the maximum: clamped, and the 200 says so. */
static void
test_reg_clamp(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>;expires=86400\r\n", NULL), 200);
	assert_non_null(strstr(got_hdrs, ";expires=3600\r\n"));
	lookup();
	assert_int_equal(found[0].expires, T0 + 3600);
}

/* "*" removes everything, only alone and only with Expires: 0. */
static void
test_reg_star(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>, <sip:bob@10.0.0.6>\r\n", NULL), 200);
	assert_int_equal(reg("c2", 1, "Contact: *\r\n", NULL), 400);
	assert_int_equal(reg("c2", 2, "Contact: *\r\nExpires: 10\r\n", NULL), 400);
	assert_int_equal(reg("c2", 3, "Contact: *, <sip:bob@10.0.0.7>\r\nExpires: 0\r\n", NULL), 400);
	lookup();
	assert_int_equal(n_found, 2);
	/* The same Call-ID with an older CSeq may not wipe them (step 6). */
	assert_int_equal(reg("c1", 1, "Contact: *\r\nExpires: 0\r\n", NULL), 500);
	lookup();
	assert_int_equal(n_found, 2);
	assert_int_equal(reg("c2", 4, "Contact: *\r\nExpires: 0\r\n", NULL), 200);
	assert_null(strstr(got_hdrs, "Contact:"));
	lookup();
	assert_int_equal(n_found, 0);
}

/* Call-ID/CSeq ordering (step 7), and all contacts of a REGISTER or none. */
static void
test_reg_ordering(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 5, "Contact: <sip:bob@10.0.0.5>;expires=100\r\n", NULL), 200);
	assert_int_equal(reg("c1", 5, "Contact: <sip:bob@10.0.0.5>;expires=200\r\n", NULL), 500);
	assert_int_equal(reg("c1", 4, "Contact: <sip:bob@10.0.0.5>;expires=200\r\n", NULL), 500);
	lookup();
	assert_int_equal(found[0].expires, T0 + 100);
	/* One new contact plus one out of order: neither applies. */
	assert_int_equal(reg("c1", 3, "Contact: <sip:bob@10.0.0.9>, <sip:bob@10.0.0.5>\r\n", NULL), 500);
	lookup();
	assert_int_equal(n_found, 1);
	assert_null(contact_of("sip:bob@10.0.0.9"));
	/* A higher CSeq refreshes; another Call-ID may replace whatever its CSeq. */
	assert_int_equal(reg("c1", 6, "Contact: <sip:bob@10.0.0.5>;expires=300\r\n", NULL), 200);
	lookup();
	assert_int_equal(found[0].expires, T0 + 300);
	assert_int_equal(reg("other", 1, "Contact: <sip:bob@10.0.0.5>;expires=400\r\n", NULL), 200);
	lookup();
	assert_int_equal(found[0].expires, T0 + 400);
}

/* Path is stored with the binding; echoed only when the UA supports it. */
static void
test_reg_path(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1,
		"Contact: <sip:bob@10.0.0.5>\r\n"
		"Path: <sip:edge1.example.net;lr>\r\n", NULL), 200);
	assert_null(strstr(got_hdrs, "Path:"));
	lookup();
	assert_int_equal(found[0].n_path, 1);
	assert_string_equal(found_strs[0][1], "sip:edge1.example.net;lr");
	assert_int_equal(reg("c1", 2,
		"Contact: <sip:bob@10.0.0.5>\r\n"
		"Supported: path\r\n"
		"Path: <sip:edge1.example.net;lr>, <sip:edge2.example.net;lr>\r\n", NULL), 200);
	assert_non_null(strstr(got_hdrs, "Path: <sip:edge1.example.net;lr>\r\n"
		"Path: <sip:edge2.example.net;lr>\r\n"));
	assert_non_null(strstr(got_hdrs, "Supported: path\r\n"));
	lookup();
	assert_int_equal(found[0].n_path, 2);
}

/* The 200 shows the remaining expiry; expired bindings are gone. */
static void
test_reg_expiry(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>;expires=120\r\n"
		"Contact: <sip:bob@10.0.0.6>;expires=600\r\n", NULL), 200);
	now_s = T0 + 100;
	assert_int_equal(reg("c1", 2, "", NULL), 200);	/* a query */
	assert_non_null(strstr(got_hdrs, "<sip:bob@10.0.0.5>;expires=20\r\n"));
	assert_non_null(strstr(got_hdrs, "<sip:bob@10.0.0.6>;expires=500\r\n"));
	now_s = T0 + 120;
	assert_int_equal(reg("c1", 3, "", NULL), 200);
	assert_null(strstr(got_hdrs, "10.0.0.5"));
	assert_non_null(strstr(got_hdrs, "<sip:bob@10.0.0.6>;expires=480\r\n"));
	lookup();
	assert_int_equal(n_found, 1);
}

/* expires=0 on one contact removes only that one. */
static void
test_reg_remove_one(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>, <sip:bob@10.0.0.6>\r\n", NULL), 200);
	assert_int_equal(reg("c1", 2, "Contact: <sip:bob@10.0.0.5>;expires=0\r\n", NULL), 200);
	lookup();
	assert_int_equal(n_found, 1);
	assert_non_null(contact_of("sip:bob@10.0.0.6"));
	/* Removing what is not there is fine. */
	assert_int_equal(reg("c1", 3, "Contact: <sip:bob@10.0.0.99>;expires=0\r\n", NULL), 200);
}

/* An authenticated user registers only its own AoR (403 otherwise). */
static void
test_reg_auth_user(void **state)
{
	(void)state;
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5>\r\n", "alice"), 403);
	lookup();
	assert_int_equal(n_found, 0);
	assert_int_equal(reg("c1", 2, "Contact: <sip:bob@10.0.0.5>\r\n", "bob"), 200);
}

/* A To that is not a SIP AoR is refused; a malformed Contact is 400. */
static void
test_reg_bad(void **state)
{
	char buf[1024];
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf),
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-rt\r\n"
		"From: <tel:+15551234>;tag=t1\r\nTo: <tel:+15551234>\r\n"
		"Call-ID: t1\r\nCSeq: 1 REGISTER\r\n"
		"Contact: <sip:x@10.0.0.5>\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_reg_handle(loc, &rconf, buf, (size_t)n, &src,
		DG_PL_NULL, on_done, NULL), 0);
	assert_int_equal(got_code, 404);
	assert_int_equal(reg("c1", 1, "Contact: <sip:bob@10.0.0.5\r\n", NULL), 400);
	assert_int_equal(sip_reg_handle(loc, &rconf, "garbage", 7, &src,
		DG_PL_NULL, on_done, NULL), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reg_default_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_multi_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_423, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_clamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_star, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_remove_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_auth_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reg_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
