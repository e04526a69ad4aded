/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections of the HTTP server on the io_uring loop. A connection has at
 * most one operation in flight, a receive or a send: requests are answered
 * one at a time in order (pipelined requests wait in the buffer), which is
 * all an operator's scraper or probe needs and keeps the lifetime simple:
 * closing shuts the socket down, the pending operation completes, and the
 * connection is freed there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_route.h"
#include "http_server.h"

struct http_conn {
	struct uring_req req;		/* the one operation in flight */
	struct http_server *srv;
	struct http_conn *prev;
	struct http_conn *next;
	struct uring_timer idle;
	int fd;
	bool armed;
	bool closing;
	bool close_after;		/* close once the answer is out */
	bool draining;			/* answer out, write side shut */
	bool sending;
	size_t skip;			/* body bytes still to discard */
	size_t in_len;
	struct http_buf out;
	size_t out_off;
	uint8_t in[HTTP_IN_MAX];
};

const char *
http_addr_str(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	}
	return buf;
}

/* Unlinks and frees; the idle timer must be idle or its heap gone. */
static void
conn_release(struct http_conn *c)
{
	struct http_server *srv = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->stats.connections--;
	if (c->fd >= 0)
		close(c->fd);
	http_buf_fini(&c->out);
	free(c);
}

static void
conn_free(struct http_conn *c)
{
	uring_timer_cancel(&c->srv->loop->timers, &c->idle);
	conn_release(c);
}

/* Wakes the operation in flight; its completion frees the connection. */
static void
conn_close(struct http_conn *c)
{
	if (!c->closing) {
		c->closing = true;
		uring_timer_cancel(&c->srv->loop->timers, &c->idle);
		(void)shutdown(c->fd, SHUT_RDWR);
	}
	if (!c->armed)
		conn_free(c);
}

static void conn_on_io(struct uring_req *req, int res, uint32_t flags);

static int
conn_arm_recv(struct http_conn *c)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(c->srv->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_recv(sqe, c->fd, c->in + c->in_len,
		sizeof(c->in) - c->in_len, 0);
	uring_sqe_set_req(sqe, &c->req);
	c->armed = true;
	c->sending = false;
	return 0;
}

static int
conn_arm_send(struct http_conn *c)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(c->srv->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_send(sqe, c->fd, c->out.p + c->out_off,
		c->out.len - c->out_off, MSG_NOSIGNAL);
	uring_sqe_set_req(sqe, &c->req);
	c->armed = true;
	c->sending = true;
	return 0;
}

static void
conn_consume(struct http_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/*
 * Answers the first complete request in the buffer, if any.
 *
 * @return 1 when an answer is queued in c->out, 0 when more input is
 *         needed.
 */
static int
conn_process(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	struct http_req req;
	size_t n;
	int ret;

	if (c->skip > 0) {
		n = c->skip < c->in_len ? c->skip : c->in_len;
		conn_consume(c, n);
		c->skip -= n;
		if (c->skip > 0)
			return 0;
	}
	if (c->in_len == 0)
		return 0;
	ret = http_req_parse(c->in, c->in_len, &req);
	if (ret == -EAGAIN)
		return 0;
	http_buf_reset(&c->out);
	c->out_off = 0;
	if (ret < 0) {
		srv->stats.requests++;
		srv->stats.bad_requests++;
		/* The framing is lost: answer and close. */
		http_route_error(srv, req.status, req.reason, false, false,
			&c->out);
		c->close_after = true;
		c->in_len = 0;
		return 1;
	}
	/* The views die with the consume below: answer first. */
	c->close_after = !http_server_respond(srv, &req, &c->out) ||
		srv->stopping;
	n = (size_t)ret + req.content_length;
	if (n <= c->in_len) {
		conn_consume(c, n);
	} else {
		c->skip = n - c->in_len;
		c->in_len = 0;
	}
	return 1;
}

/* After input or a finished answer: answer the next request or read. */
static void
conn_next(struct http_conn *c)
{
	int ret;

	if (conn_process(c) == 1) {
		if (c->out.err != 0) {
			conn_close(c);
			return;
		}
		ret = conn_arm_send(c);
	} else {
		ret = conn_arm_recv(c);
	}
	if (ret < 0)
		conn_close(c);
}

/*
 * The answer is out and the connection is to close. Closing with unread
 * input would make the kernel send RST, which can destroy the answer
 * before the client reads it: shut the write side instead and read (and
 * drop) until the client closes, for HTTP_DRAIN_MS at most.
 */
static void
conn_drain(struct http_conn *c)
{
	(void)shutdown(c->fd, SHUT_WR);
	c->draining = true;
	c->in_len = 0;
	c->skip = 0;
	(void)uring_timer_start(&c->srv->loop->timers, &c->idle,
		HTTP_DRAIN_MS);
	if (conn_arm_recv(c) < 0)
		conn_close(c);
}

static void
conn_on_io(struct uring_req *req, int res, uint32_t flags)
{
	struct http_conn *c = (struct http_conn *)req;

	(void)flags;
	c->armed = false;
	if (c->closing || res <= 0) {
		/* EOF, a reset, or the shutdown of conn_close(). */
		conn_close(c);
		return;
	}
	if (c->sending) {
		c->out_off += (size_t)res;
		if (c->out_off < c->out.len) {
			if (conn_arm_send(c) < 0)
				conn_close(c);
			return;
		}
		if (c->close_after) {
			conn_drain(c);
			return;
		}
		(void)uring_timer_start(&c->srv->loop->timers, &c->idle,
			c->srv->idle_ms);
		conn_next(c);
		return;
	}
	if (c->draining) {
		if (conn_arm_recv(c) < 0)
			conn_close(c);
		return;
	}
	c->in_len += (size_t)res;
	conn_next(c);
}

static void
conn_on_idle(struct uring_timer *t)
{
	struct http_conn *c = (struct http_conn *)((char *)t -
		offsetof(struct http_conn, idle));

	if (!c->draining)
		c->srv->stats.idle_closed++;
	conn_close(c);
}

static int
conn_accepted(struct http_server *srv, int fd)
{
	struct http_conn *c;

	c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	memset(c, 0, offsetof(struct http_conn, in));
	c->req.fn = conn_on_io;
	c->srv = srv;
	c->fd = fd;
	http_buf_init(&c->out, HTTP_BODY_OUT_MAX + 1024);
	uring_timer_init(&c->idle, conn_on_idle);
	if (conn_arm_recv(c) < 0) {
		free(c);
		return -EBUSY;
	}
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->stats.connections++;
	(void)uring_timer_start(&srv->loop->timers, &c->idle, srv->idle_ms);
	return 0;
}

static int listener_arm(struct http_listener *l);

static void
listener_on_accept(struct uring_req *req, int res, uint32_t flags)
{
	struct http_listener *l = (struct http_listener *)req;
	struct http_server *srv = l->srv;

	if (res >= 0) {
		if (srv->stopping || srv->stats.connections >= srv->max_conns) {
			srv->stats.refused++;
			close(res);
		} else if (conn_accepted(srv, res) < 0) {
			srv->stats.refused++;
			close(res);
		} else {
			srv->stats.accepted++;
		}
	}
	if (flags & IORING_CQE_F_MORE)
		return;
	l->armed = false;
	if (srv->stopping || res == -ECANCELED || res == -EBADF ||
			res == -EINVAL)
		return;
	/* Out of descriptors or memory: re-arming at once would spin. */
	if (res < 0 || listener_arm(l) < 0)
		(void)uring_timer_start(&srv->loop->timers, &l->retry,
			HTTP_ACCEPT_RETRY_MS);
}

static void
listener_on_retry(struct uring_timer *t)
{
	struct http_listener *l = (struct http_listener *)((char *)t -
		offsetof(struct http_listener, retry));

	if (!l->armed && !l->srv->stopping && listener_arm(l) < 0)
		(void)uring_timer_start(&l->srv->loop->timers, &l->retry,
			HTTP_ACCEPT_RETRY_MS);
}

static int
listener_arm(struct http_listener *l)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(l->srv->loop);
	if (sqe == NULL)
		return -EBUSY;
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL,
		SOCK_CLOEXEC | SOCK_NONBLOCK);
	uring_sqe_set_req(sqe, &l->req);
	l->armed = true;
	return 0;
}

static int
listener_open(struct http_listener *l, const struct sockaddr_storage *addr)
{
	socklen_t alen = addr->ss_family == AF_INET6 ?
		sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	socklen_t len = sizeof(l->local);
	int one = 1, fd, err;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:8080 must not also take 0.0.0.0:8080 from another entry. */
	if (addr->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, alen) < 0 ||
			listen(fd, 128) < 0 ||
			getsockname(fd, (struct sockaddr *)&l->local, &len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	l->fd = fd;
	return 0;
}

void
http_server_init(struct http_server *srv, struct uring_loop *loop)
{
	unsigned int i;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	http_registry_init(&srv->reg);
	for (i = 0; i < HTTP_MAX_LISTEN; i++)
		srv->l[i].fd = -1;
	snprintf(srv->node, sizeof(srv->node), "drongo");
	snprintf(srv->role, sizeof(srv->role), "edge");
}

int
http_server_start(struct http_server *srv,
		const struct http_server_opts *opts, char *err, size_t errlen)
{
	struct http_listener *l;
	char a[INET6_ADDRSTRLEN + 8];
	unsigned int i;
	int ret;

	if (opts->n_addrs == 0 || opts->n_addrs > HTTP_MAX_LISTEN ||
			opts->max_conns == 0) {
		snprintf(err, errlen, "http: bad options");
		return -EINVAL;
	}
	srv->max_conns = opts->max_conns;
	srv->idle_ms = opts->idle_ms;
	if (opts->node != NULL)
		snprintf(srv->node, sizeof(srv->node), "%s", opts->node);
	if (opts->role != NULL)
		snprintf(srv->role, sizeof(srv->role), "%s", opts->role);
	for (i = 0; i < opts->n_addrs; i++) {
		l = &srv->l[i];
		l->srv = srv;
		l->req.fn = listener_on_accept;
		uring_timer_init(&l->retry, listener_on_retry);
		ret = listener_open(l, &opts->addrs[i]);
		if (ret == 0) {
			srv->n_l = i + 1;
			ret = listener_arm(l);
		}
		if (ret < 0) {
			snprintf(err, errlen, "http %s: %s",
				http_addr_str(&opts->addrs[i], a, sizeof(a)),
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void
http_server_set_idle(struct http_server *srv, uint64_t idle_ms)
{
	srv->idle_ms = idle_ms;
}

struct http_registry *
http_server_registry(struct http_server *srv)
{
	return &srv->reg;
}

void
http_server_stop(struct http_server *srv)
{
	struct http_conn *c, *next;
	unsigned int i;

	srv->stopping = true;
	for (i = 0; i < srv->n_l; i++) {
		uring_timer_cancel(&srv->loop->timers, &srv->l[i].retry);
		if (srv->l[i].fd >= 0)
			(void)shutdown(srv->l[i].fd, SHUT_RDWR);
	}
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
}

void
http_server_destroy(struct http_server *srv)
{
	unsigned int i;

	/* The loop (and its timer heap) is gone: no timer is touched. */
	for (i = 0; i < srv->n_l; i++) {
		if (srv->l[i].fd >= 0)
			close(srv->l[i].fd);
		srv->l[i].fd = -1;
	}
	srv->n_l = 0;
	while (srv->conns != NULL)
		conn_release(srv->conns);
}
