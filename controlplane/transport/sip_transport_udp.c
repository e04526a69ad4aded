/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP receive and send. A buffer has room for one byte more than the
 * largest allowed message, so a datagram of exactly max_msg bytes passes
 * and anything longer shows as oversize (truncated or one byte too long).
 * Each send owns a copy of its datagram until its completion frees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sip_transport_udp.h"

struct udp_tx {
	struct uring_req req;
	struct sip_udp_sock *s;
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_storage dst;
	char data[];
};

size_t
sip_udp_buf_size(size_t max_msg)
{
	return sizeof(struct io_uring_recvmsg_out) +
		sizeof(struct sockaddr_storage) + max_msg + 1;
}

static bool
udp_on_datagram(struct uring_recvmsg *rm, const struct uring_datagram *dg)
{
	struct sip_udp_sock *s = (struct sip_udp_sock *)rm;
	struct sockaddr_storage src;
	struct sip_rx rx;

	memset(&src, 0, sizeof(src));
	memcpy(&src, dg->from, dg->fromlen < sizeof(src) ? dg->fromlen :
		sizeof(src));
	memset(&rx, 0, sizeof(rx));
	rx.buf = (const char *)dg->data;
	rx.len = dg->len;
	rx.oversize = dg->truncated || dg->len > s->max_msg;
	rx.src = &src;
	rx.srclen = dg->fromlen;
	rx.udp = s;
	s->rx++;
	s->on_rx(s->arg, &rx);
	return false;
}

int
sip_udp_open(struct sip_udp_sock *s, struct uring_loop *loop,
		struct uring_bufring *bufs, const struct sockaddr *addr,
		socklen_t addrlen, size_t max_msg, int rcvbuf, sip_rx_fn on_rx,
		void *arg)
{
	socklen_t len = sizeof(s->local);
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->loop = loop;
	s->max_msg = max_msg;
	s->on_rx = on_rx;
	s->arg = arg;
	err = sip_socket_bind(SOCK_DGRAM, addr, addrlen);
	if (err < 0)
		return err;
	s->fd = err;
	/* Without the privilege to force it, the capped size is still better. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			sizeof(rcvbuf)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			sizeof(rcvbuf));
	if (getsockname(s->fd, (struct sockaddr *)&s->local, &len) < 0) {
		err = -errno;
		goto out_close;
	}
	err = uring_recvmsg_start(&s->rm, loop, bufs, s->fd, udp_on_datagram);
	if (err < 0)
		goto out_close;
	return 0;
out_close:
	close(s->fd);
	s->fd = -1;
	return err;
}

static void
udp_on_sent(struct uring_req *req, int res, uint32_t flags)
{
	struct udp_tx *tx = (struct udp_tx *)req;

	(void)flags;
	if (res < 0)
		tx->s->tx_errors++;
	else
		tx->s->tx++;
	tx->s->tx_inflight--;
	free(tx);
}

int
sip_udp_send(struct sip_udp_sock *s, const struct sockaddr *dst,
		socklen_t dstlen, const void *data, size_t len)
{
	struct io_uring_sqe *sqe;
	struct udp_tx *tx;

	if (dst->sa_family != s->local.ss_family)
		return -EAFNOSUPPORT;
	if (dstlen > sizeof(tx->dst))
		return -EINVAL;
	tx = malloc(sizeof(*tx) + len);
	if (tx == NULL)
		return -ENOMEM;
	sqe = uring_loop_sqe(s->loop);
	if (sqe == NULL) {
		free(tx);
		return -EBUSY;
	}
	memset(tx, 0, sizeof(*tx));
	tx->req.fn = udp_on_sent;
	tx->s = s;
	memcpy(&tx->dst, dst, dstlen);
	memcpy(tx->data, data, len);
	tx->iov.iov_base = tx->data;
	tx->iov.iov_len = len;
	tx->msg.msg_name = &tx->dst;
	tx->msg.msg_namelen = dstlen;
	tx->msg.msg_iov = &tx->iov;
	tx->msg.msg_iovlen = 1;
	io_uring_prep_sendmsg(sqe, s->fd, &tx->msg, 0);
	uring_sqe_set_req(sqe, &tx->req);
	s->tx_inflight++;
	return 0;
}

void
sip_udp_close(struct sip_udp_sock *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
}
