/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP accept, framing and send queue. A connection lives until every
 * operation it started has completed: closing shuts the socket down, which
 * completes the pending receive, and the last completion frees it. Leading
 * CRLF keep-alives are skipped; a double CRLF ping gets the single CRLF
 * pong of RFC 5626 section 4.4.1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sip_transport_tcp.h"

/* How long a half-closed connection may take to finish before it is cut. */
#define SIP_TCP_DRAIN_MS 2000
/*
 * Bytes queued for one peer at most: a peer that sends requests but never
 * reads the responses is cut off instead of growing our memory.
 */
#define SIP_TCP_SENDQ_MAX (1024u * 1024u)
/* Pause before accepting again after an accept error (EMFILE, ENOMEM). */
#define SIP_TCP_ACCEPT_RETRY_MS 100

struct tcp_send {
	struct tcp_send *next;
	size_t len;
	size_t off;
	char data[];
};

/* One in-flight operation of a connection. */
struct tcp_op {
	struct uring_req req;
	struct sip_tcp_conn *conn;
	bool armed;
};

struct sip_tcp_conn {
	struct sip_tcp *tcp;
	struct sip_tcp_conn *prev;
	struct sip_tcp_conn *next;
	struct sip_tcp_conn *hnext;	/* next in its by_id bucket */
	uint64_t id;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct tcp_op rx;
	struct tcp_op tx;
	struct tcp_op cn;	/* outbound connect */
	struct uring_timer idle;
	struct tcp_send *sendq;
	struct tcp_send **sendq_tail;
	size_t sendq_bytes;
	bool closing;		/* released once no operation is armed */
	bool connecting;	/* outbound, not yet established */
	bool draining;		/* half-closed, reading to discard */
	bool close_after_send;
	size_t used;
	size_t cap;
	char *buf;
};

static int conn_arm_rx(struct sip_tcp_conn *conn);
static void conn_kick_tx(struct sip_tcp_conn *conn);
static void conn_on_connect(struct uring_req *req, int res, uint32_t flags);

static struct sip_tcp_conn **
conn_bucket(const struct sip_tcp *tcp, uint64_t id)
{
	/* Ids are sequential: multiplying spreads them over the buckets. */
	return &tcp->by_id[(uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) &
		tcp->by_id_mask];
}

static void
conn_unhash(struct sip_tcp_conn *conn)
{
	struct sip_tcp_conn **p = conn_bucket(conn->tcp, conn->id);

	while (*p != NULL && *p != conn)
		p = &(*p)->hnext;
	if (*p == conn)
		*p = conn->hnext;
}

uint64_t
sip_tcp_conn_id(const struct sip_tcp_conn *conn)
{
	return conn->id;
}

struct sip_tcp_conn *
sip_tcp_conn_find(const struct sip_tcp *tcp, uint64_t id)
{
	struct sip_tcp_conn *c;

	if (tcp->by_id == NULL)
		return NULL;
	for (c = *conn_bucket(tcp, id); c != NULL; c = c->hnext)
		if (c->id == id)
			return c->closing ? NULL : c;
	return NULL;
}

static void
conn_free(struct sip_tcp_conn *conn)
{
	struct sip_tcp *tcp = conn->tcp;
	struct tcp_send *s;

	while ((s = conn->sendq) != NULL) {
		conn->sendq = s->next;
		free(s);
	}
	conn_unhash(conn);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		tcp->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	tcp->n_conns--;
	tcp->stats.closed++;
	if (conn->fd >= 0)
		close(conn->fd);
	free(conn->buf);
	free(conn);
}

/* Frees the connection once closing and nothing is in flight. */
static void
conn_maybe_free(struct sip_tcp_conn *conn)
{
	if (conn->closing && !conn->rx.armed && !conn->tx.armed &&
			!conn->cn.armed)
		conn_free(conn);
}

static void
tcp_on_cancel(struct uring_req *req, int res, uint32_t flags)
{
	/* The cancelled operation reports through its own completion. */
	(void)req;
	(void)res;
	(void)flags;
}

static struct uring_req tcp_cancel_req = { .fn = tcp_on_cancel };

void
sip_tcp_close(struct sip_tcp_conn *conn)
{
	struct io_uring_sqe *sqe;
	struct tcp_send *s;

	if (conn->closing)
		return;
	conn->closing = true;
	uring_timer_cancel(&conn->tcp->loop->timers, &conn->idle);
	/* Wakes the pending receive (and send) so their completions arrive. */
	(void)shutdown(conn->fd, SHUT_RDWR);
	/* A connect in progress ignores shutdown: cancel it. */
	if (conn->cn.armed) {
		sqe = uring_loop_sqe(conn->tcp->loop);
		if (sqe != NULL) {
			io_uring_prep_cancel(sqe, &conn->cn.req, 0);
			uring_sqe_set_req(sqe, &tcp_cancel_req);
		}
	}
	while (conn->sendq != NULL && !conn->tx.armed) {
		s = conn->sendq;
		conn->sendq = s->next;
		free(s);
	}
	conn->sendq_tail = &conn->sendq;
	if (conn->sendq != NULL)
		conn->sendq_tail = &conn->sendq->next;
}

static void
conn_on_idle(struct uring_timer *t)
{
	struct sip_tcp_conn *conn = (struct sip_tcp_conn *)((char *)t -
		offsetof(struct sip_tcp_conn, idle));

	if (!conn->draining)
		conn->tcp->stats.idle_closed++;
	sip_tcp_close(conn);
	conn_maybe_free(conn);
}

static void
conn_touch(struct sip_tcp_conn *conn)
{
	struct sip_tcp *tcp = conn->tcp;

	(void)uring_timer_start(&tcp->loop->timers, &conn->idle,
		conn->draining ? SIP_TCP_DRAIN_MS : tcp->idle_ms);
}

/* Queued data is out: half-close and read until the peer finishes. */
static void
conn_start_drain(struct sip_tcp_conn *conn)
{
	conn->draining = true;
	(void)shutdown(conn->fd, SHUT_WR);
	conn_touch(conn);
	conn->used = 0;
	if (!conn->rx.armed && conn_arm_rx(conn) < 0)
		sip_tcp_close(conn);
}

static void
conn_deliver(struct sip_tcp_conn *conn, size_t len, bool oversize)
{
	struct sip_tcp *tcp = conn->tcp;
	struct sip_rx rx;

	memset(&rx, 0, sizeof(rx));
	rx.buf = conn->buf;
	rx.len = len;
	rx.oversize = oversize;
	rx.src = &conn->peer;
	rx.srclen = conn->peerlen;
	rx.conn = conn;
	rx.conn_id = conn->id;
	tcp->stats.rx_msgs++;
	tcp->on_rx(tcp->arg, &rx);
}

/* Cuts and hands up every whole message in the buffer. */
static void
conn_frame(struct sip_tcp_conn *conn)
{
	struct sip_tcp *tcp = conn->tcp;
	ssize_t n;

	while (conn->used > 0 && !conn->closing && !conn->close_after_send) {
		n = tcp->frame(conn->buf, conn->used, tcp->max_msg);
		if (n == -EAGAIN && conn->used < conn->cap)
			return;
		if (n == -EAGAIN || n == -EMSGSIZE) {
			tcp->stats.oversize++;
			/* The layer above answers (513) or closes. */
			conn_deliver(conn, conn->used, true);
			if (!conn->close_after_send)
				sip_tcp_close(conn);
			return;
		}
		if (n <= 0 || (size_t)n > conn->used) {
			tcp->stats.bad_framing++;
			sip_tcp_close(conn);
			return;
		}
		if (conn->buf[0] == '\r' || conn->buf[0] == '\n') {
			tcp->stats.keepalives++;
			if (n >= 4 && memcmp(conn->buf, "\r\n\r\n", 4) == 0)
				(void)sip_tcp_send(conn, "\r\n", 2);
		} else {
			conn_deliver(conn, (size_t)n, false);
		}
		memmove(conn->buf, conn->buf + n, conn->used - (size_t)n);
		conn->used -= (size_t)n;
	}
}

static void
conn_on_rx(struct uring_req *req, int res, uint32_t flags)
{
	struct tcp_op *op = (struct tcp_op *)req;
	struct sip_tcp_conn *conn = op->conn;

	(void)flags;
	op->armed = false;
	if (res <= 0 || conn->closing) {
		sip_tcp_close(conn);
		conn_maybe_free(conn);
		return;
	}
	if (conn->draining) {
		conn_touch(conn);
		if (conn_arm_rx(conn) < 0)
			sip_tcp_close(conn);
		conn_maybe_free(conn);
		return;
	}
	conn->used += (size_t)res;
	conn->tcp->stats.rx_bytes += (uint64_t)res;
	conn_touch(conn);
	conn_frame(conn);
	if (!conn->closing && !conn->close_after_send &&
			conn_arm_rx(conn) < 0)
		sip_tcp_close(conn);
	if (conn->close_after_send && !conn->closing && !conn->draining &&
			!conn->tx.armed && conn->sendq == NULL)
		conn_start_drain(conn);
	conn_maybe_free(conn);
}

static int
conn_arm_rx(struct sip_tcp_conn *conn)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(conn->tcp->loop);
	if (sqe == NULL)
		return -EBUSY;
	/* While draining the bytes are discarded: read over the buffer. */
	io_uring_prep_recv(sqe, conn->fd, conn->buf + conn->used,
		conn->cap - conn->used, 0);
	uring_sqe_set_req(sqe, &conn->rx.req);
	conn->rx.armed = true;
	return 0;
}

static void
conn_on_tx(struct uring_req *req, int res, uint32_t flags)
{
	struct tcp_op *op = (struct tcp_op *)req;
	struct sip_tcp_conn *conn = op->conn;
	struct tcp_send *s = conn->sendq;

	(void)flags;
	op->armed = false;
	if (res <= 0) {
		conn->tcp->stats.tx_errors++;
		sip_tcp_close(conn);
	} else {
		s->off += (size_t)res;
		conn->sendq_bytes -= (size_t)res;
		if (s->off == s->len) {
			conn->sendq = s->next;
			if (conn->sendq == NULL)
				conn->sendq_tail = &conn->sendq;
			free(s);
			conn->tcp->stats.tx_msgs++;
		}
	}
	if (conn->closing) {
		while ((s = conn->sendq) != NULL) {
			conn->sendq = s->next;
			free(s);
		}
		conn->sendq_tail = &conn->sendq;
		conn_maybe_free(conn);
		return;
	}
	conn_kick_tx(conn);
	if (conn->close_after_send && !conn->tx.armed && !conn->draining)
		conn_start_drain(conn);
	conn_maybe_free(conn);
}

/* Starts the send at the head of the queue unless one is in flight. */
static void
conn_kick_tx(struct sip_tcp_conn *conn)
{
	struct tcp_send *s = conn->sendq;
	struct io_uring_sqe *sqe;

	if (conn->tx.armed || s == NULL || conn->closing || conn->connecting)
		return;
	sqe = uring_loop_sqe(conn->tcp->loop);
	if (sqe == NULL) {
		conn->tcp->stats.tx_errors++;
		sip_tcp_close(conn);
		return;
	}
	io_uring_prep_send(sqe, conn->fd, s->data + s->off, s->len - s->off,
		MSG_NOSIGNAL);
	uring_sqe_set_req(sqe, &conn->tx.req);
	conn->tx.armed = true;
}

int
sip_tcp_send(struct sip_tcp_conn *conn, const void *data, size_t len)
{
	struct tcp_send *s;

	if (conn->closing || conn->draining)
		return -EPIPE;
	if (conn->sendq_bytes + len > SIP_TCP_SENDQ_MAX) {
		conn->tcp->stats.sendq_overflow++;
		sip_tcp_close(conn);
		return -ENOBUFS;
	}
	s = malloc(sizeof(*s) + len);
	if (s == NULL)
		return -ENOMEM;
	s->next = NULL;
	s->len = len;
	s->off = 0;
	memcpy(s->data, data, len);
	conn->sendq_bytes += len;
	*conn->sendq_tail = s;
	conn->sendq_tail = &s->next;
	conn_kick_tx(conn);
	return 0;
}

void
sip_tcp_close_after_send(struct sip_tcp_conn *conn)
{
	conn->close_after_send = true;
}

const struct sockaddr_storage *
sip_tcp_conn_peer(const struct sip_tcp_conn *conn)
{
	return &conn->peer;
}

/*
 * A connection object for fd with its buffer, linked and hashed. The
 * caller starts its first operation (receive, or connect).
 */
static struct sip_tcp_conn *
conn_new(struct sip_tcp *tcp, int fd, const struct sockaddr_storage *peer,
		socklen_t peerlen)
{
	struct sip_tcp_conn *conn;

	conn = calloc(1, sizeof(*conn));
	if (conn == NULL)
		return NULL;
	conn->cap = tcp->max_msg;
	conn->buf = malloc(conn->cap);
	if (conn->buf == NULL) {
		free(conn);
		return NULL;
	}
	memcpy(&conn->peer, peer, peerlen);
	conn->peerlen = peerlen;
	conn->tcp = tcp;
	conn->fd = fd;
	conn->rx.req.fn = conn_on_rx;
	conn->rx.conn = conn;
	conn->tx.req.fn = conn_on_tx;
	conn->tx.conn = conn;
	conn->cn.req.fn = conn_on_connect;
	conn->cn.conn = conn;
	conn->sendq_tail = &conn->sendq;
	uring_timer_init(&conn->idle, conn_on_idle);
	conn->id = ++tcp->next_id;
	conn->hnext = *conn_bucket(tcp, conn->id);
	*conn_bucket(tcp, conn->id) = conn;
	conn->next = tcp->conns;
	if (tcp->conns != NULL)
		tcp->conns->prev = conn;
	tcp->conns = conn;
	tcp->n_conns++;
	return conn;
}

static int
conn_accepted(struct sip_tcp *tcp, int fd)
{
	struct sockaddr_storage peer;
	socklen_t peerlen = sizeof(peer);
	struct sip_tcp_conn *conn;

	if (getpeername(fd, (struct sockaddr *)&peer, &peerlen) < 0)
		return -errno;
	conn = conn_new(tcp, fd, &peer, peerlen);
	if (conn == NULL)
		return -ENOMEM;
	if (conn_arm_rx(conn) < 0) {
		/* The caller closes fd; the object must not close it too. */
		conn->fd = -1;
		conn->closing = true;
		conn_maybe_free(conn);
		return -EBUSY;
	}
	conn_touch(conn);
	return 0;
}

static void
conn_on_connect(struct uring_req *req, int res, uint32_t flags)
{
	struct tcp_op *op = (struct tcp_op *)req;
	struct sip_tcp_conn *conn = op->conn;

	(void)flags;
	op->armed = false;
	conn->connecting = false;
	if (res < 0)
		conn->tcp->stats.connect_errors++;
	else
		conn->tcp->stats.connected++;
	if (res < 0 || conn->closing || conn_arm_rx(conn) < 0) {
		sip_tcp_close(conn);
		conn_maybe_free(conn);
		return;
	}
	conn_touch(conn);
	conn_kick_tx(conn);
}

int
sip_tcp_connect(struct sip_tcp *tcp, const struct sockaddr *addr,
		socklen_t addrlen, struct sip_tcp_conn **out)
{
	struct sockaddr_storage peer;
	struct sip_tcp_conn *conn;
	struct io_uring_sqe *sqe;
	int fd;

	if (addrlen > sizeof(peer))
		return -EINVAL;
	if (tcp->n_conns >= tcp->max_conns)
		return -EMFILE;
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC |
		SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer, addr, addrlen);
	conn = conn_new(tcp, fd, &peer, addrlen);
	if (conn == NULL) {
		close(fd);
		return -ENOMEM;
	}
	sqe = uring_loop_sqe(tcp->loop);
	if (sqe == NULL) {
		conn->closing = true;
		conn_maybe_free(conn);
		return -EBUSY;
	}
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&conn->peer,
		conn->peerlen);
	uring_sqe_set_req(sqe, &conn->cn.req);
	conn->cn.armed = true;
	conn->connecting = true;
	/* Bounds the connect too: a silent peer is given up at idle time. */
	conn_touch(conn);
	*out = conn;
	return 0;
}

static int listener_arm(struct sip_tcp_listener *l);

static void
listener_on_accept(struct uring_req *req, int res, uint32_t flags)
{
	struct sip_tcp_listener *l = (struct sip_tcp_listener *)req;
	struct sip_tcp *tcp = l->tcp;

	if (res >= 0) {
		if (tcp->n_conns >= tcp->max_conns) {
			tcp->stats.refused++;
			close(res);
		} else if (conn_accepted(tcp, res) < 0) {
			tcp->stats.accept_errors++;
			close(res);
		} else {
			tcp->stats.accepted++;
		}
	} else if (res != -ECANCELED) {
		tcp->stats.accept_errors++;
	}
	if (flags & IORING_CQE_F_MORE)
		return;
	l->armed = false;
	if (res == -ECANCELED || res == -EBADF || res == -EINVAL)
		return;
	/*
	 * Out of descriptors or memory, re-arming at once would spin: wait a
	 * little, the condition usually clears as connections close.
	 */
	if (res < 0 || listener_arm(l) < 0)
		(void)uring_timer_start(&tcp->loop->timers, &l->retry,
			SIP_TCP_ACCEPT_RETRY_MS);
}

static void
listener_on_retry(struct uring_timer *t)
{
	struct sip_tcp_listener *l = (struct sip_tcp_listener *)((char *)t -
		offsetof(struct sip_tcp_listener, retry));

	if (!l->armed && listener_arm(l) < 0)
		(void)uring_timer_start(&l->tcp->loop->timers, &l->retry,
			SIP_TCP_ACCEPT_RETRY_MS);
}

static int
listener_arm(struct sip_tcp_listener *l)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(l->tcp->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL,
		SOCK_CLOEXEC | SOCK_NONBLOCK);
	uring_sqe_set_req(sqe, &l->req);
	l->armed = true;
	return 0;
}

int
sip_tcp_init(struct sip_tcp *tcp, struct uring_loop *loop, size_t max_msg,
		uint64_t idle_ms, uint32_t max_conns, sip_tcp_frame_fn frame,
		sip_rx_fn on_rx, void *arg)
{
	uint32_t buckets = 64;

	memset(tcp, 0, sizeof(*tcp));
	/* About one connection per bucket at the limit. */
	while (buckets < max_conns && buckets < (1u << 20))
		buckets <<= 1;
	tcp->by_id = calloc(buckets, sizeof(*tcp->by_id));
	if (tcp->by_id == NULL)
		return -ENOMEM;
	tcp->by_id_mask = buckets - 1;
	tcp->loop = loop;
	tcp->max_msg = max_msg;
	tcp->idle_ms = idle_ms;
	tcp->max_conns = max_conns;
	tcp->frame = frame;
	tcp->on_rx = on_rx;
	tcp->arg = arg;
	return 0;
}

bool
sip_tcp_sending(const struct sip_tcp *tcp)
{
	const struct sip_tcp_conn *c;

	for (c = tcp->conns; c != NULL; c = c->next)
		if (!c->closing && c->sendq != NULL)
			return true;
	return false;
}

void
sip_tcp_set_idle(struct sip_tcp *tcp, uint64_t idle_ms)
{
	tcp->idle_ms = idle_ms;
}

int
sip_tcp_listen(struct sip_tcp *tcp, struct sip_tcp_listener *l,
		const struct sockaddr *addr, socklen_t addrlen)
{
	socklen_t len = sizeof(l->local);
	int err;

	memset(l, 0, sizeof(*l));
	l->req.fn = listener_on_accept;
	l->tcp = tcp;
	uring_timer_init(&l->retry, listener_on_retry);
	err = sip_socket_bind(SOCK_STREAM, addr, addrlen);
	if (err < 0)
		return err;
	l->fd = err;
	if (listen(l->fd, 1024) < 0 ||
			getsockname(l->fd, (struct sockaddr *)&l->local,
				&len) < 0) {
		err = -errno;
		goto out_close;
	}
	err = listener_arm(l);
	if (err < 0)
		goto out_close;
	return 0;
out_close:
	close(l->fd);
	l->fd = -1;
	return err;
}

void
sip_tcp_destroy(struct sip_tcp *tcp, struct sip_tcp_listener *ls,
		unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (ls[i].fd >= 0)
			close(ls[i].fd);
		ls[i].fd = -1;
	}
	while (tcp->conns != NULL)
		conn_free(tcp->conns);
	free(tcp->by_id);
	tcp->by_id = NULL;
}
