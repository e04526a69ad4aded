/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loop turn. Timers are run from the monotonic clock at the end of a
 * turn, after the completions (the timeout's among them). The wait is
 * bounded by one absolute timeout operation, updated in place
 * (IORING_OP_TIMEOUT_REMOVE with the update flag) when an earlier deadline
 * appears, so there is never more than one in flight.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "uring_loop.h"

uint64_t
uring_loop_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
loop_on_timeout(struct uring_req *req, int res, uint32_t flags)
{
	struct uring_loop *loop = (struct uring_loop *)((char *)req -
		offsetof(struct uring_loop, timeout_req));

	(void)flags;
	/*
	 * -ETIME: it expired, timers run at the top of the next turn.
	 * -ECANCELED: removed. Either way nothing is armed any more.
	 */
	(void)res;
	loop->timeout_armed = false;
}

static void
loop_on_update(struct uring_req *req, int res, uint32_t flags)
{
	/*
	 * -ENOENT means the timeout had already fired; its own completion
	 * clears timeout_armed, so nothing is left to do here.
	 */
	(void)req;
	(void)res;
	(void)flags;
}

int
uring_loop_init(struct uring_loop *loop, unsigned int entries)
{
	int err;

	memset(loop, 0, sizeof(*loop));
	err = io_uring_queue_init(entries, &loop->ring, 0);
	if (err < 0)
		return err;
	loop->timeout_req.fn = loop_on_timeout;
	loop->update_req.fn = loop_on_update;
	uring_timers_init(&loop->timers, uring_loop_clock_ms());
	return 0;
}

void
uring_loop_fini(struct uring_loop *loop)
{
	uring_timers_fini(&loop->timers);
	io_uring_queue_exit(&loop->ring);
}

struct io_uring_sqe *
uring_loop_sqe(struct uring_loop *loop)
{
	struct io_uring_sqe *sqe;

	sqe = io_uring_get_sqe(&loop->ring);
	if (sqe != NULL)
		return sqe;
	(void)io_uring_submit(&loop->ring);
	return io_uring_get_sqe(&loop->ring);
}

/* Aim the single timeout operation at the earliest timer deadline. */
static void
loop_arm_timeout(struct uring_loop *loop)
{
	uint64_t next = uring_timers_next(&loop->timers);
	struct io_uring_sqe *sqe;

	if (next == UINT64_MAX)
		return;
	if (loop->timeout_armed && loop->armed_deadline <= next)
		return;
	sqe = uring_loop_sqe(loop);
	if (sqe == NULL)
		return;
	loop->timeout_ts.tv_sec = (long long)(next / 1000u);
	loop->timeout_ts.tv_nsec = (long long)(next % 1000u) * 1000000;
	if (loop->timeout_armed) {
		io_uring_prep_timeout_update(sqe, &loop->timeout_ts,
			(uint64_t)(uintptr_t)&loop->timeout_req,
			IORING_TIMEOUT_ABS);
		uring_sqe_set_req(sqe, &loop->update_req);
	} else {
		io_uring_prep_timeout(sqe, &loop->timeout_ts, 0,
			IORING_TIMEOUT_ABS);
		uring_sqe_set_req(sqe, &loop->timeout_req);
	}
	loop->timeout_armed = true;
	loop->armed_deadline = next;
}

int
uring_loop_run_once(struct uring_loop *loop, bool wait)
{
	struct io_uring_cqe *cqes[URING_LOOP_BATCH];
	struct uring_req *req;
	unsigned int i, n;
	int err;

	loop->turns++;
	/* A deadline already past makes the timeout complete at once. */
	loop_arm_timeout(loop);
	err = io_uring_submit_and_wait(&loop->ring, wait ? 1 : 0);
	if (err < 0 && err != -EINTR && err != -ETIME)
		return err;
	/*
	 * Move the clock before the completions run: a timer they start after
	 * an idle wait must count from now, not from before the wait (it would
	 * otherwise fire at once, e.g. a spurious retransmission).
	 */
	(void)uring_timers_run(&loop->timers, uring_loop_clock_ms());
	n = io_uring_peek_batch_cqe(&loop->ring, cqes, URING_LOOP_BATCH);
	for (i = 0; i < n; i++) {
		req = io_uring_cqe_get_data(cqes[i]);
		req->fn(req, cqes[i]->res, cqes[i]->flags);
	}
	io_uring_cq_advance(&loop->ring, n);
	loop->completions += n;
	(void)uring_timers_run(&loop->timers, uring_loop_clock_ms());
	return (int)n;
}

int
uring_loop_run(struct uring_loop *loop)
{
	int err;

	loop->stop = false;
	while (!loop->stop) {
		err = uring_loop_run_once(loop, true);
		if (err < 0)
			return err;
	}
	return 0;
}

void
uring_loop_stop(struct uring_loop *loop)
{
	loop->stop = true;
}
