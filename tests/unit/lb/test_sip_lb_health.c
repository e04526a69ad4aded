/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The probe hysteresis on a driven clock: an edge starts up, goes down
 * only after down_after unanswered probes in a row, comes back only after
 * up_after answers in a row, a single lost probe or a single answer
 * between failures changes nothing, 5xx counts as a failure, and a late
 * or repeated answer is ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_lb_health.h"

#define IV 2000

struct drive {
	struct sip_lb_health h;
	uint64_t now;
	uint32_t seq;
};

/* The next probe is due: what the failure of the pending one did. */
static enum sip_lb_health_change
tick(struct drive *d)
{
	d->now += IV;
	return sip_lb_health_tick(&d->h, d->now, &d->seq);
}

static enum sip_lb_health_change
answer(struct drive *d, bool ok)
{
	return sip_lb_health_reply(&d->h, d->seq, ok, d->now + 3);
}

/* Up at start; two lost probes in a row take it out, at the second. */
static void
test_down_after_two(void **state)
{
	struct drive d = { .now = 0 };

	(void)state;
	sip_lb_health_init(&d.h, 2, 2, 0);
	assert_true(d.h.up);
	assert_int_equal(tick(&d), SIP_LB_HEALTH_SAME);	/* first probe out */
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);
	assert_int_equal(tick(&d), SIP_LB_HEALTH_SAME);	/* lost from here */
	assert_int_equal(tick(&d), SIP_LB_HEALTH_SAME);	/* 1 failure */
	assert_true(d.h.up);
	assert_int_equal(tick(&d), SIP_LB_HEALTH_WENT_DOWN);	/* 2 failures */
	assert_false(d.h.up);
	assert_int_equal(d.h.went_down, 1);
	assert_int_equal(d.h.last_change_ms, d.now);
	assert_int_equal(tick(&d), SIP_LB_HEALTH_SAME);	/* stays down */
	assert_int_equal(d.h.went_down, 1);
}

/* One lost probe between answers never takes it out. */
static void
test_single_loss_ignored(void **state)
{
	struct drive d = { .now = 0 };
	int i;

	(void)state;
	sip_lb_health_init(&d.h, 2, 2, 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(tick(&d), SIP_LB_HEALTH_SAME);
		if (i % 2 == 0)
			assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);
	}
	assert_true(d.h.up);
	assert_int_equal(d.h.went_down, 0);
	assert_int_equal(d.h.probes_failed, 4);
}

/* Back in only after up_after answers in a row; a loss resets the run. */
static void
test_up_after_run(void **state)
{
	struct drive d = { .now = 0 };

	(void)state;
	sip_lb_health_init(&d.h, 1, 3, 0);
	tick(&d);
	assert_int_equal(tick(&d), SIP_LB_HEALTH_WENT_DOWN);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);	/* 1 */
	tick(&d);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);	/* 2 */
	tick(&d);
	tick(&d);					/* lost: run reset */
	assert_false(d.h.up);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);	/* 1 */
	tick(&d);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);	/* 2 */
	tick(&d);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_WENT_UP);	/* 3 */
	assert_true(d.h.up);
	assert_int_equal(d.h.went_up, 1);
	assert_int_equal(d.h.last_change_ms, d.now + 3);
}

/* 5xx answers count as failures. */
static void
test_5xx_is_failure(void **state)
{
	struct drive d = { .now = 0 };

	(void)state;
	sip_lb_health_init(&d.h, 2, 2, 0);
	tick(&d);
	assert_int_equal(answer(&d, false), SIP_LB_HEALTH_SAME);
	tick(&d);
	assert_int_equal(answer(&d, false), SIP_LB_HEALTH_WENT_DOWN);
}

/* An answer to an older probe, or a second answer, is ignored. */
static void
test_stale_and_duplicate(void **state)
{
	struct drive d = { .now = 0 };
	uint32_t old;

	(void)state;
	sip_lb_health_init(&d.h, 1, 1, 0);
	tick(&d);
	old = d.seq;
	assert_int_equal(tick(&d), SIP_LB_HEALTH_WENT_DOWN);
	assert_int_equal(sip_lb_health_reply(&d.h, old, true, d.now),
		SIP_LB_HEALTH_SAME);
	assert_false(d.h.up);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_WENT_UP);
	assert_int_equal(answer(&d, true), SIP_LB_HEALTH_SAME);
	assert_int_equal(d.h.probes_ok, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_after_two),
		cmocka_unit_test(test_single_loss_ignored),
		cmocka_unit_test(test_up_after_run),
		cmocka_unit_test(test_5xx_is_failure),
		cmocka_unit_test(test_stale_and_duplicate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
