/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datagram reception: one multishot IORING_OP_RECVMSG per socket into a
 * provided-buffer ring. Each completion carries one datagram with its
 * source address; the reader re-arms when the kernel ends the multishot
 * (IORING_CQE_F_MORE clear) and, when the buffer ring ran dry (-ENOBUFS),
 * as soon as a buffer is given back.
 */
#ifndef DRONGO_CONTROLPLANE_LOOP_URING_RECVMSG_H
#define DRONGO_CONTROLPLANE_LOOP_URING_RECVMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "uring_bufring.h"
#include "uring_loop.h"

struct uring_recvmsg;

/** One received datagram, valid while its buffer is held. */
struct uring_datagram {
	uint8_t *data;
	size_t len;		/* bytes in data */
	bool truncated;		/* the datagram was longer than the buffer */
	const struct sockaddr *from;
	socklen_t fromlen;
	uint16_t bid;		/* buffer to give back */
};

/**
 * Called for each datagram. Return false to give the buffer back at once,
 * true to keep it and give it back later with uring_recvmsg_release().
 */
typedef bool (*uring_recvmsg_fn)(struct uring_recvmsg *rm,
		const struct uring_datagram *dg);

struct uring_recvmsg {
	struct uring_req req;
	struct uring_loop *loop;
	struct uring_bufring *bufs;
	int fd;
	struct msghdr msg;		/* layout of each buffer: name, no cmsg */
	uring_recvmsg_fn on_datagram;
	bool armed;
	bool starved;			/* waiting for a buffer to re-arm */
	unsigned int errors_in_row;
	uint64_t datagrams;
	uint64_t truncated;
	uint64_t enobufs;
	uint64_t rearms;
	uint64_t errors;
};

/**
 * Start receiving on fd into bufs. The buffers must be larger than
 * sizeof(struct io_uring_recvmsg_out) + sizeof(struct sockaddr_storage).
 *
 * @return 0, -EBUSY when no SQE is available.
 */
int uring_recvmsg_start(struct uring_recvmsg *rm, struct uring_loop *loop,
		struct uring_bufring *bufs, int fd, uring_recvmsg_fn on_datagram);

/** Give back a buffer kept by the callback, re-arming a starved reader. */
void uring_recvmsg_release(struct uring_recvmsg *rm, uint16_t bid);

/** Payload room of each buffer once the header and address are taken. */
size_t uring_recvmsg_payload_room(const struct uring_bufring *bufs);

#endif
