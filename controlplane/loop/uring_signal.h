/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signals as loop events: the chosen signals are blocked and read from a
 * signalfd through io_uring, so a handler runs between completions like any
 * other callback and may do anything (log, reload, stop the loop).
 */
#ifndef DRONGO_CONTROLPLANE_LOOP_URING_SIGNAL_H
#define DRONGO_CONTROLPLANE_LOOP_URING_SIGNAL_H

#include <signal.h>
#include <sys/signalfd.h>

#include "uring_loop.h"

struct uring_signal;

/** Called for each signal delivered, with its number. */
typedef void (*uring_signal_fn)(struct uring_signal *sig, int signo);

struct uring_signal {
	struct uring_req req;
	struct uring_loop *loop;
	int fd;
	sigset_t mask;
	uring_signal_fn on_signal;
	struct signalfd_siginfo info;
	uint64_t errors;
};

/**
 * Block the signals of mask in the calling thread, open a signalfd for them
 * and queue the first read.
 *
 * @return 0, the negative errno of sigprocmask/signalfd, -EBUSY when no SQE.
 */
int uring_signal_start(struct uring_signal *sig, struct uring_loop *loop,
		const sigset_t *mask, uring_signal_fn on_signal);

/**
 * Close the signalfd and unblock the signals. Call after the loop stopped
 * turning and before uring_loop_fini().
 */
void uring_signal_stop(struct uring_signal *sig);

#endif
