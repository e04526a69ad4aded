/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Best-response selection (RFC 3261 section 16.7): a table of branch
 * outcomes in arrival order and the response the proxy must send on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sip_best.h"

struct best_case {
	const char *name;
	int codes[6];		/* 0-terminated, in arrival order */
	int want_code;		/* what goes upstream */
	int want_branch;	/* which branch's response, -1 none */
};

static const struct best_case cases[] = {
	{ "none", { 0 }, 408, -1 },
	{ "one 404", { 404, 0 }, 404, 0 },
	{ "486 beats 404", { 404, 486, 0 }, 486, 1 },
	{ "486 beats 404 in either order", { 486, 404, 0 }, 486, 0 },
	{ "6xx wins over everything", { 486, 302, 603, 404, 0 }, 603, 2 },
	{ "first 6xx kept", { 600, 603, 0 }, 600, 0 },
	{ "3xx before 4xx", { 404, 302, 0 }, 302, 1 },
	{ "4xx before 5xx", { 500, 486, 0 }, 486, 1 },
	{ "503 goes up as 500", { 503, 0 }, 500, 0 },
	{ "407 preferred in 4xx", { 486, 407, 404, 0 }, 407, 1 },
	{ "401 preferred over 415", { 415, 401, 0 }, 401, 1 },
	{ "484 before 486", { 486, 484, 0 }, 484, 1 },
	{ "408 and 480 are last in 4xx", { 408, 480, 403, 0 }, 403, 2 },
	{ "equal rank keeps the first", { 486, 403, 0 }, 486, 0 },
	{ "5xx only: first", { 502, 500, 0 }, 502, 0 },
	{ "provisional ignored", { 180, 404, 0 }, 404, 1 },
	{ "2xx is not a final for selection", { 200, 0 }, 408, -1 },
};

/* Each table row picks the response RFC 3261 section 16.7 asks for. */
static void
test_best_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_best b;

		sip_best_init(&b);
		for (j = 0; cases[i].codes[j] != 0; j++)
			(void)sip_best_offer(&b, cases[i].codes[j], (int)j);
		if (sip_best_code_out(&b) != cases[i].want_code ||
				b.branch != cases[i].want_branch)
			fail_msg("%s: got %d from branch %d, want %d from %d",
				cases[i].name, sip_best_code_out(&b), b.branch,
				cases[i].want_code, cases[i].want_branch);
	}
}

/* sip_best_offer() says whether the caller must keep this response. */
static void
test_best_offer_result(void **state)
{
	struct sip_best b;

	(void)state;
	sip_best_init(&b);
	assert_true(sip_best_offer(&b, 404, 0));
	assert_true(sip_best_offer(&b, 486, 1));
	assert_false(sip_best_offer(&b, 404, 2));
	assert_false(sip_best_offer(&b, 180, 3));
	assert_true(sip_best_offer(&b, 600, 4));
	assert_false(sip_best_offer(&b, 302, 5));
	assert_int_equal(b.code, 600);
}

/* Only 401 and 407 carry challenges to merge. */
static void
test_best_challenge(void **state)
{
	(void)state;
	assert_true(sip_best_is_challenge(401));
	assert_true(sip_best_is_challenge(407));
	assert_false(sip_best_is_challenge(403));
	assert_false(sip_best_is_challenge(200));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_best_table),
		cmocka_unit_test(test_best_offer_result),
		cmocka_unit_test(test_best_challenge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
