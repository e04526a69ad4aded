/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multishot recvmsg completion handling. A buffer holds the kernel's
 * io_uring_recvmsg_out header, the source address, then the payload; the
 * payload length and MSG_TRUNC come from that header. Errors other than
 * -ENOBUFS re-arm a bounded number of times in a row so that a broken
 * socket cannot spin the loop.
 */
#include <errno.h>
#include <string.h>

#include "uring_recvmsg.h"

/* Consecutive failures after which a reader gives up re-arming. */
#define URING_RECVMSG_MAX_ERRORS 16

static int
recvmsg_arm(struct uring_recvmsg *rm)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(rm->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_recvmsg_multishot(sqe, rm->fd, &rm->msg, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = rm->bufs->bgid;
	uring_sqe_set_req(sqe, &rm->req);
	rm->armed = true;
	rm->starved = false;
	return 0;
}

static void
recvmsg_deliver(struct uring_recvmsg *rm, int res, uint32_t flags)
{
	struct uring_bufring *b = rm->bufs;
	struct io_uring_recvmsg_out *out;
	struct uring_datagram dg;
	uint16_t bid = uring_bufring_bid(flags);
	uint8_t *buf = uring_bufring_buf(b, bid);

	uring_bufring_taken(b);
	out = io_uring_recvmsg_validate(buf, res, &rm->msg);
	if (out == NULL) {
		rm->errors++;
		uring_bufring_recycle(b, bid);
		return;
	}
	memset(&dg, 0, sizeof(dg));
	dg.data = io_uring_recvmsg_payload(out, &rm->msg);
	dg.len = io_uring_recvmsg_payload_length(out, res, &rm->msg);
	dg.truncated = (out->flags & MSG_TRUNC) != 0;
	dg.from = io_uring_recvmsg_name(out);
	dg.fromlen = out->namelen < rm->msg.msg_namelen ? out->namelen :
		rm->msg.msg_namelen;
	dg.bid = bid;
	rm->datagrams++;
	if (dg.truncated)
		rm->truncated++;
	if (!rm->on_datagram(rm, &dg))
		uring_bufring_recycle(b, bid);
}

static void
recvmsg_on_cqe(struct uring_req *req, int res, uint32_t flags)
{
	struct uring_recvmsg *rm = (struct uring_recvmsg *)req;

	if (res >= 0 && (flags & IORING_CQE_F_BUFFER)) {
		rm->errors_in_row = 0;
		recvmsg_deliver(rm, res, flags);
	} else if (res == -ENOBUFS) {
		rm->enobufs++;
	} else if (res < 0) {
		rm->errors++;
		rm->errors_in_row++;
	}
	if (flags & IORING_CQE_F_MORE)
		return;
	rm->armed = false;
	if (res == -ECANCELED || rm->errors_in_row >= URING_RECVMSG_MAX_ERRORS)
		return;
	/* With every buffer handed out, wait until one comes back. */
	if (rm->bufs->outstanding >= rm->bufs->nbufs) {
		rm->starved = true;
		return;
	}
	rm->rearms++;
	if (recvmsg_arm(rm) < 0)
		rm->starved = true;
}

int
uring_recvmsg_start(struct uring_recvmsg *rm, struct uring_loop *loop,
		struct uring_bufring *bufs, int fd, uring_recvmsg_fn on_datagram)
{
	memset(rm, 0, sizeof(*rm));
	rm->req.fn = recvmsg_on_cqe;
	rm->loop = loop;
	rm->bufs = bufs;
	rm->fd = fd;
	rm->msg.msg_namelen = sizeof(struct sockaddr_storage);
	rm->on_datagram = on_datagram;
	return recvmsg_arm(rm);
}

void
uring_recvmsg_release(struct uring_recvmsg *rm, uint16_t bid)
{
	uring_bufring_recycle(rm->bufs, bid);
	if (rm->starved && !rm->armed) {
		rm->rearms++;
		if (recvmsg_arm(rm) < 0)
			rm->starved = true;
	}
}

size_t
uring_recvmsg_payload_room(const struct uring_bufring *bufs)
{
	size_t hdr = sizeof(struct io_uring_recvmsg_out) +
		sizeof(struct sockaddr_storage);

	return bufs->buf_size > hdr ? bufs->buf_size - hdr : 0;
}
