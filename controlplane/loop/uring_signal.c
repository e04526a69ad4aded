/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalfd reader: one IORING_OP_READ of a signalfd_siginfo in flight at
 * a time, re-queued after each signal is handed to the owner.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "uring_signal.h"

static int signal_arm(struct uring_signal *sig);

static void
signal_on_read(struct uring_req *req, int res, uint32_t flags)
{
	struct uring_signal *sig = (struct uring_signal *)req;

	(void)flags;
	if (sig->fd < 0)
		return;
	if (res == (int)sizeof(sig->info))
		sig->on_signal(sig, (int)sig->info.ssi_signo);
	else if (res != -EINTR && res != -EAGAIN)
		sig->errors++;
	/* The handler may have stopped the reader. */
	if (sig->fd >= 0 && signal_arm(sig) < 0)
		sig->errors++;
}

static int
signal_arm(struct uring_signal *sig)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(sig->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_read(sqe, sig->fd, &sig->info, sizeof(sig->info), 0);
	uring_sqe_set_req(sqe, &sig->req);
	return 0;
}

int
uring_signal_start(struct uring_signal *sig, struct uring_loop *loop,
		const sigset_t *mask, uring_signal_fn on_signal)
{
	int err;

	memset(sig, 0, sizeof(*sig));
	sig->req.fn = signal_on_read;
	sig->loop = loop;
	sig->mask = *mask;
	sig->on_signal = on_signal;
	if (sigprocmask(SIG_BLOCK, mask, NULL) < 0)
		return -errno;
	sig->fd = signalfd(-1, mask, SFD_CLOEXEC);
	if (sig->fd < 0) {
		err = -errno;
		goto out_unblock;
	}
	err = signal_arm(sig);
	if (err < 0)
		goto out_close;
	return 0;
out_close:
	close(sig->fd);
	sig->fd = -1;
out_unblock:
	(void)sigprocmask(SIG_UNBLOCK, mask, NULL);
	return err;
}

void
uring_signal_stop(struct uring_signal *sig)
{
	if (sig->fd < 0)
		return;
	close(sig->fd);
	sig->fd = -1;
	(void)sigprocmask(SIG_UNBLOCK, &sig->mask, NULL);
}
