/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timer heap: O(log n) start, cancel and expiry, ordered by deadline
 * then by start sequence so that timers with one deadline fire in the order
 * they were started. Each timer records its heap slot, so cancelling does
 * not search.
 */
#include <errno.h>
#include <stdlib.h>

#include "uring_timer.h"

static bool
timer_before(const struct uring_timer *a, const struct uring_timer *b)
{
	return a->deadline < b->deadline ||
		(a->deadline == b->deadline && a->seq < b->seq);
}

static void
heap_set(struct uring_timers *ts, uint32_t i, struct uring_timer *t)
{
	ts->heap[i] = t;
	t->idx = i;
}

static void
heap_up(struct uring_timers *ts, uint32_t i)
{
	struct uring_timer *t = ts->heap[i];
	uint32_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!timer_before(t, ts->heap[parent]))
			break;
		heap_set(ts, i, ts->heap[parent]);
		i = parent;
	}
	heap_set(ts, i, t);
}

static void
heap_down(struct uring_timers *ts, uint32_t i)
{
	struct uring_timer *t = ts->heap[i];
	uint32_t kid;

	for (;;) {
		kid = 2 * i + 1;
		if (kid >= ts->n)
			break;
		if (kid + 1 < ts->n && timer_before(ts->heap[kid + 1],
				ts->heap[kid]))
			kid++;
		if (!timer_before(ts->heap[kid], t))
			break;
		heap_set(ts, i, ts->heap[kid]);
		i = kid;
	}
	heap_set(ts, i, t);
}

void
uring_timers_init(struct uring_timers *ts, uint64_t now_ms)
{
	ts->now = now_ms;
	ts->seq = 0;
	ts->heap = NULL;
	ts->n = 0;
	ts->cap = 0;
}

void
uring_timers_fini(struct uring_timers *ts)
{
	uint32_t i;

	for (i = 0; i < ts->n; i++)
		ts->heap[i]->idx = URING_TIMER_IDLE;
	free(ts->heap);
	ts->heap = NULL;
	ts->n = 0;
	ts->cap = 0;
}

void
uring_timer_init(struct uring_timer *t, uring_timer_fn on_expire)
{
	t->deadline = 0;
	t->seq = 0;
	t->idx = URING_TIMER_IDLE;
	t->on_expire = on_expire;
}

void
uring_timer_cancel(struct uring_timers *ts, struct uring_timer *t)
{
	struct uring_timer *last;
	uint32_t i = t->idx;

	if (i == URING_TIMER_IDLE)
		return;
	t->idx = URING_TIMER_IDLE;
	last = ts->heap[--ts->n];
	if (i == ts->n)
		return;
	heap_set(ts, i, last);
	if (i > 0 && timer_before(last, ts->heap[(i - 1) / 2]))
		heap_up(ts, i);
	else
		heap_down(ts, i);
}

int
uring_timer_start(struct uring_timers *ts, struct uring_timer *t,
		uint64_t delay_ms)
{
	struct uring_timer **heap;
	uint32_t cap;

	uring_timer_cancel(ts, t);
	if (ts->n == ts->cap) {
		cap = ts->cap ? ts->cap * 2 : 64;
		heap = realloc(ts->heap, (size_t)cap * sizeof(*heap));
		if (heap == NULL)
			return -ENOMEM;
		ts->heap = heap;
		ts->cap = cap;
	}
	t->deadline = delay_ms > UINT64_MAX - ts->now ? UINT64_MAX :
		ts->now + delay_ms;
	t->seq = ts->seq++;
	ts->heap[ts->n] = t;
	t->idx = ts->n++;
	heap_up(ts, t->idx);
	return 0;
}

unsigned int
uring_timers_run(struct uring_timers *ts, uint64_t now_ms)
{
	uint64_t limit = ts->seq;
	struct uring_timer *t;
	unsigned int fired = 0;

	if (now_ms > ts->now)
		ts->now = now_ms;
	while (ts->n > 0) {
		t = ts->heap[0];
		if (t->deadline > ts->now || t->seq >= limit)
			break;
		uring_timer_cancel(ts, t);
		fired++;
		t->on_expire(t);
	}
	return fired;
}

uint64_t
uring_timers_next(const struct uring_timers *ts)
{
	return ts->n > 0 ? ts->heap[0]->deadline : UINT64_MAX;
}
