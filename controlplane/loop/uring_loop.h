/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's single-threaded io_uring event loop. Every in-flight
 * operation embeds struct uring_req as its first member and is submitted
 * with user_data set to that address; one loop turn submits and waits,
 * peeks a batch of completions, calls req->fn(req, res, flags) for each and
 * advances the completion queue once. Timers sleep in the same wait
 * through one absolute IORING_OP_TIMEOUT aimed at the earliest deadline.
 */
#ifndef DRONGO_CONTROLPLANE_LOOP_URING_LOOP_H
#define DRONGO_CONTROLPLANE_LOOP_URING_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include <liburing.h>

#include "uring_timer.h"

struct uring_req;

/**
 * Completion of an operation: res is cqe->res (a negative errno on
 * failure), flags is cqe->flags (IORING_CQE_F_MORE, IORING_CQE_F_BUFFER).
 */
typedef void (*uring_req_fn)(struct uring_req *req, int res, uint32_t flags);

/** First member of every in-flight operation. */
struct uring_req {
	uring_req_fn fn;
};

/** Completions handled per loop turn. */
#define URING_LOOP_BATCH 64

struct uring_loop {
	struct io_uring ring;
	struct uring_timers timers;
	struct uring_req timeout_req;	/* the armed absolute timeout */
	struct uring_req update_req;	/* completions of timeout updates */
	struct __kernel_timespec timeout_ts;
	uint64_t armed_deadline;
	bool timeout_armed;
	bool stop;
	uint64_t turns;
	uint64_t completions;
};

/**
 * Create the ring (entries submission slots) and an empty timer set.
 *
 * @return 0, or the negative errno of io_uring_queue_init().
 */
int uring_loop_init(struct uring_loop *loop, unsigned int entries);

/** Tear the ring down; operations still in flight are abandoned. */
void uring_loop_fini(struct uring_loop *loop);

/**
 * A submission slot, submitting what is queued when the ring is full.
 *
 * @return the SQE, or NULL when none can be had (the caller fails the
 *         operation with -EBUSY).
 */
struct io_uring_sqe *uring_loop_sqe(struct uring_loop *loop);

/** Set the completion target of an SQE to req. */
static inline void
uring_sqe_set_req(struct io_uring_sqe *sqe, struct uring_req *req)
{
	io_uring_sqe_set_data(sqe, req);
}

/** Milliseconds of CLOCK_MONOTONIC: the clock the loop drives timers with. */
uint64_t uring_loop_clock_ms(void);

/**
 * One loop turn: arm the timeout for the next timer deadline, submit, wait
 * for at least one completion when wait is true, dispatch the completions
 * that are ready, then fire the timers that are due.
 *
 * @return the number of completions dispatched, or a negative errno from
 *         io_uring_submit_and_wait() other than -EINTR.
 */
int uring_loop_run_once(struct uring_loop *loop, bool wait);

/**
 * Turn the loop until uring_loop_stop() is called.
 *
 * @return 0, or the negative errno that ended it.
 */
int uring_loop_run(struct uring_loop *loop);

/** Make uring_loop_run() return after the current turn. */
void uring_loop_stop(struct uring_loop *loop);

#endif
