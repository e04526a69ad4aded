/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over UDP: one bound socket read by a multishot recvmsg into the
 * shared provided-buffer ring, each datagram handed up as one message, and
 * responses sent back from the same socket (so they leave from the port
 * the request reached, as RFC 3581 clients expect).
 */
#ifndef DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_UDP_H
#define DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sip_transport.h"
#include "uring_bufring.h"
#include "uring_loop.h"
#include "uring_recvmsg.h"

struct sip_udp_sock {
	struct uring_recvmsg rm;	/* first: its completions are ours */
	struct uring_loop *loop;
	int fd;
	struct sockaddr_storage local;
	size_t max_msg;
	sip_rx_fn on_rx;
	void *arg;
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_errors;
	unsigned int tx_inflight;
};

/**
 * Bind a UDP socket to addr and start receiving into bufs. Datagrams
 * longer than max_msg are handed up with rx->oversize set. The kernel
 * receive buffer is set to rcvbuf bytes (beyond net.core.rmem_max when the
 * process may, as root can), so bursts wait there instead of being lost.
 *
 * @return 0, a negative errno from socket set-up, -EBUSY when no SQE.
 */
int sip_udp_open(struct sip_udp_sock *s, struct uring_loop *loop,
		struct uring_bufring *bufs, const struct sockaddr *addr,
		socklen_t addrlen, size_t max_msg, int rcvbuf, sip_rx_fn on_rx,
		void *arg);

/**
 * Send one datagram from this socket to dst (copied; the caller's buffer
 * may be reused at once).
 *
 * @return 0 when queued, -ENOMEM, -EBUSY when no SQE, -EAFNOSUPPORT when
 *         dst is of another address family than the socket.
 */
int sip_udp_send(struct sip_udp_sock *s, const struct sockaddr *dst,
		socklen_t dstlen, const void *data, size_t len);

/** Close the socket; call after uring_loop_fini(). */
void sip_udp_close(struct sip_udp_sock *s);

/** Bytes each buffer of a ring needs so that max_msg + 1 payload bytes fit. */
size_t sip_udp_buf_size(size_t max_msg);

#endif
