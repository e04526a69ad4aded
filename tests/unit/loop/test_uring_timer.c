/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer heap on a virtual clock: the tests move the clock by hand, so they
 * check deadlines exactly and never sleep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "uring_timer.h"

struct probe {
	struct uring_timer timer;
	int id;
	uint64_t fired_at;
	unsigned int fired;
};

static int order[4096];
static unsigned int norder;
static struct uring_timers *cur;

static void
probe_on_expire(struct uring_timer *t)
{
	struct probe *p = (struct probe *)((char *)t -
		offsetof(struct probe, timer));

	p->fired++;
	p->fired_at = uring_timers_now(cur);
	if (norder < sizeof(order) / sizeof(order[0]))
		order[norder++] = p->id;
}

static void
setup_probes(struct uring_timers *ts, struct probe *p, size_t n)
{
	size_t i;

	uring_timers_init(ts, 1000);
	cur = ts;
	norder = 0;
	for (i = 0; i < n; i++) {
		uring_timer_init(&p[i].timer, probe_on_expire);
		p[i].id = (int)i;
		p[i].fired = 0;
	}
}

/* A timer fires exactly at its deadline and not one millisecond before. */
static void
test_fires_at_deadline_not_before(void **state)
{
	struct uring_timers ts;
	struct probe p[1];

	(void)state;
	setup_probes(&ts, p, 1);
	assert_int_equal(uring_timer_start(&ts, &p[0].timer, 500), 0);
	assert_int_equal(uring_timers_next(&ts), 1500);
	assert_int_equal(uring_timers_run(&ts, 1499), 0);
	assert_int_equal(p[0].fired, 0);
	assert_true(uring_timer_pending(&p[0].timer));
	assert_int_equal(uring_timers_run(&ts, 1500), 1);
	assert_int_equal(p[0].fired, 1);
	assert_int_equal(p[0].fired_at, 1500);
	assert_false(uring_timer_pending(&p[0].timer));
	assert_int_equal(uring_timers_next(&ts), UINT64_MAX);
	assert_int_equal(uring_timers_run(&ts, 5000), 0);
	uring_timers_fini(&ts);
}

/* Timers fire in deadline order; equal deadlines in start order. */
static void
test_order(void **state)
{
	static const uint64_t delay[] = { 30, 10, 20, 10, 0, 30 };
	static const int want[] = { 4, 1, 3, 2, 0, 5 };
	struct uring_timers ts;
	struct probe p[6];
	size_t i;

	(void)state;
	setup_probes(&ts, p, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(uring_timer_start(&ts, &p[i].timer, delay[i]), 0);
	assert_int_equal(uring_timers_run(&ts, 2000), 6);
	assert_int_equal(norder, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(order[i], want[i]);
	uring_timers_fini(&ts);
}

/* A cancelled timer never fires and the others still do, in order. */
static void
test_cancel(void **state)
{
	struct uring_timers ts;
	struct probe p[5];
	size_t i;

	(void)state;
	setup_probes(&ts, p, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(uring_timer_start(&ts, &p[i].timer,
			10 * (i + 1)), 0);
	uring_timer_cancel(&ts, &p[0].timer);
	uring_timer_cancel(&ts, &p[3].timer);
	uring_timer_cancel(&ts, &p[3].timer);
	assert_false(uring_timer_pending(&p[3].timer));
	assert_int_equal(uring_timers_next(&ts), 1020);
	assert_int_equal(uring_timers_run(&ts, 1100), 3);
	assert_int_equal(p[0].fired + p[3].fired, 0);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 4);
	uring_timers_fini(&ts);
}

/* Restarting a pending timer moves its deadline (earlier or later). */
static void
test_rearm_moves(void **state)
{
	struct uring_timers ts;
	struct probe p[2];

	(void)state;
	setup_probes(&ts, p, 2);
	assert_int_equal(uring_timer_start(&ts, &p[0].timer, 100), 0);
	assert_int_equal(uring_timer_start(&ts, &p[1].timer, 50), 0);
	assert_int_equal(uring_timer_start(&ts, &p[0].timer, 10), 0);
	assert_int_equal(uring_timers_next(&ts), 1010);
	assert_int_equal(uring_timer_start(&ts, &p[1].timer, 200), 0);
	assert_int_equal(uring_timers_run(&ts, 1100), 1);
	assert_int_equal(p[0].fired_at, 1100);
	assert_int_equal(p[1].fired, 0);
	assert_int_equal(uring_timers_run(&ts, 1200), 1);
	assert_int_equal(p[1].fired, 1);
	uring_timers_fini(&ts);
}

static struct probe *rearm_self;

static void
rearm_on_expire(struct uring_timer *t)
{
	probe_on_expire(t);
	assert_int_equal(uring_timer_start(cur, t, 0), 0);
}

/* A timer restarted from its own callback with delay 0 fires once per run. */
static void
test_rearm_from_callback(void **state)
{
	struct uring_timers ts;
	struct probe p[1];

	(void)state;
	setup_probes(&ts, p, 1);
	rearm_self = &p[0];
	uring_timer_init(&p[0].timer, rearm_on_expire);
	assert_int_equal(uring_timer_start(&ts, &p[0].timer, 5), 0);
	assert_int_equal(uring_timers_run(&ts, 1005), 1);
	assert_int_equal(uring_timers_run(&ts, 1005), 1);
	assert_int_equal(uring_timers_run(&ts, 1006), 1);
	assert_int_equal(p[0].fired, 3);
	assert_true(uring_timer_pending(&p[0].timer));
	uring_timers_fini(&ts);
	assert_false(uring_timer_pending(&p[0].timer));
}

/* The clock never goes backwards: an older time fires nothing new. */
static void
test_clock_monotonic(void **state)
{
	struct uring_timers ts;
	struct probe p[1];

	(void)state;
	setup_probes(&ts, p, 1);
	assert_int_equal(uring_timers_run(&ts, 2000), 0);
	assert_int_equal(uring_timers_run(&ts, 1500), 0);
	assert_int_equal(uring_timers_now(&ts), 2000);
	assert_int_equal(uring_timer_start(&ts, &p[0].timer, 1), 0);
	assert_int_equal(uring_timers_next(&ts), 2001);
	uring_timers_fini(&ts);
}

/*
 * Many timers with pseudo-random deadlines and cancellations: every live
 * one fires exactly once, none early, in non-decreasing deadline order.
 */
static void
test_many(void **state)
{
	enum { N = 3000 };
	struct uring_timers ts;
	struct probe *p;
	uint64_t last = 0, now;
	unsigned int seed = 12345, live = 0, fired = 0;
	size_t i;

	(void)state;
	p = calloc(N, sizeof(*p));
	assert_non_null(p);
	setup_probes(&ts, p, N);
	for (i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		assert_int_equal(uring_timer_start(&ts, &p[i].timer,
			(seed >> 8) % 5000), 0);
	}
	for (i = 0; i < N; i += 3)
		uring_timer_cancel(&ts, &p[i].timer);
	for (i = 0; i < N; i++)
		live += uring_timer_pending(&p[i].timer);
	for (now = 1000; now <= 6010; now += 7) {
		norder = 0;
		fired += uring_timers_run(&ts, now);
		for (i = 0; i < norder; i++) {
			struct probe *q = &p[order[i]];

			assert_true(q->timer.deadline <= now);
			assert_true(q->timer.deadline >= last);
			last = q->timer.deadline;
		}
	}
	assert_int_equal(fired, live);
	for (i = 0; i < N; i++)
		assert_int_equal(p[i].fired, i % 3 == 0 ? 0 : 1);
	assert_int_equal(uring_timers_next(&ts), UINT64_MAX);
	uring_timers_fini(&ts);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_at_deadline_not_before),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_rearm_moves),
		cmocka_unit_test(test_rearm_from_callback),
		cmocka_unit_test(test_clock_monotonic),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
