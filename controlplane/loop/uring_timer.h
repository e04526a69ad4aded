/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers of the control plane: a binary heap of deadlines in milliseconds
 * on a clock the owner advances. The loop advances it from CLOCK_MONOTONIC
 * and sleeps in io_uring until the earliest deadline; tests advance it by
 * hand (a virtual clock), so timer behaviour is tested without sleeping.
 * A timer is embedded in its owner, which finds itself with container_of.
 */
#ifndef DRONGO_CONTROLPLANE_LOOP_URING_TIMER_H
#define DRONGO_CONTROLPLANE_LOOP_URING_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uring_timer;

/** Called once when a timer expires; the timer is no longer pending. */
typedef void (*uring_timer_fn)(struct uring_timer *timer);

/** One timer; initialise with uring_timer_init() before any other use. */
struct uring_timer {
	uint64_t deadline;	/* ms on the owning clock */
	uint64_t seq;		/* start order: ties fire first-started first */
	uint32_t idx;		/* heap slot, URING_TIMER_IDLE when not pending */
	uring_timer_fn on_expire;
};

#define URING_TIMER_IDLE UINT32_MAX

/** A clock and the timers pending on it. */
struct uring_timers {
	uint64_t now;
	uint64_t seq;
	struct uring_timer **heap;
	uint32_t n;
	uint32_t cap;
};

/** Set up an empty timer set whose clock reads now_ms. */
void uring_timers_init(struct uring_timers *ts, uint64_t now_ms);

/** Release the heap; pending timers are forgotten, not fired. */
void uring_timers_fini(struct uring_timers *ts);

/** Prepare a timer (idle) that will call on_expire. */
void uring_timer_init(struct uring_timer *t, uring_timer_fn on_expire);

/**
 * (Re)start a timer to expire delay_ms after the clock's current time; a
 * pending timer is moved.
 *
 * @return 0, -ENOMEM when the heap cannot grow (the timer is then idle).
 */
int uring_timer_start(struct uring_timers *ts, struct uring_timer *t,
		uint64_t delay_ms);

/** Stop a timer; idle timers are left alone. */
void uring_timer_cancel(struct uring_timers *ts, struct uring_timer *t);

/** True while a timer is started and has not expired or been cancelled. */
static inline bool
uring_timer_pending(const struct uring_timer *t)
{
	return t->idx != URING_TIMER_IDLE;
}

/**
 * Move the clock to now_ms (never backwards) and fire, in deadline order,
 * every timer whose deadline is at or before it. Timers started by the
 * callbacks fire in a later call, so a timer restarted with delay 0 cannot
 * spin.
 *
 * @return the number of timers fired.
 */
unsigned int uring_timers_run(struct uring_timers *ts, uint64_t now_ms);

/** The earliest pending deadline, UINT64_MAX when none. */
uint64_t uring_timers_next(const struct uring_timers *ts);

/** The clock's current time in ms. */
static inline uint64_t
uring_timers_now(const struct uring_timers *ts)
{
	return ts->now;
}

#endif
