/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP server on the real io_uring loop and loopback sockets: two
 * requests on one connection, pipelined requests answered in order, a
 * request trickling in byte by byte, a body skipped, a malformed request
 * answered 400 and the connection closed while the server keeps serving,
 * the connection limit, the idle timeout (also for a request that never
 * completes), and stop closing what is open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "http_server.h"

struct fixture {
	struct uring_loop loop;
	struct http_server srv;
	struct sockaddr_in addr;
};

static int
setup_with(void **state, uint32_t max_conns, uint64_t idle_ms)
{
	struct http_server_opts o;
	struct sockaddr_in *sin = (struct sockaddr_in *)&o.addrs[0];
	struct fixture *f;
	char err[256];

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(uring_loop_init(&f->loop, 256), 0);
	http_server_init(&f->srv, &f->loop);
	memset(&o, 0, sizeof(o));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o.n_addrs = 1;
	o.max_conns = max_conns;
	o.idle_ms = idle_ms;
	o.node = "t1";
	o.role = "media";
	assert_int_equal(http_server_start(&f->srv, &o, err, sizeof(err)), 0);
	memcpy(&f->addr, &f->srv.l[0].local, sizeof(f->addr));
	assert_true(f->addr.sin_port != 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 8, 5000);
}

static int
setup_limit(void **state)
{
	return setup_with(state, 2, 5000);
}

static int
setup_idle(void **state)
{
	return setup_with(state, 8, 300);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_server_stop(&f->srv);
	uring_loop_fini(&f->loop);
	http_server_destroy(&f->srv);
	free(f);
	return 0;
}

static void
turn(struct fixture *f)
{
	assert_true(uring_loop_run_once(&f->loop, false) >= 0);
	usleep(1000);
}

static int
client(struct fixture *f)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&f->addr, sizeof(f->addr)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	turn(f);
	return fd;
}

static void
send_all(int fd, const char *s, size_t len)
{
	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Whether buf holds a complete answer; its length in *n. */
static bool
answer_complete(const char *buf, size_t len, size_t *n)
{
	const char *end, *cl;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		return false;
	cl = strstr(buf, "\r\nContent-Length: ");
	assert_non_null(cl);
	*n = (size_t)(end - buf) + 4 + (size_t)atol(cl + 18);
	return *n <= len;
}

/*
 * Turns the loop until one answer has arrived on fd; leftover bytes stay
 * in the caller's buffer. Returns the status, or 0 on EOF with nothing.
 */
static unsigned int
read_answer(struct fixture *f, int fd, char *buf, size_t cap, size_t *have,
		char *body, size_t body_cap)
{
	unsigned int status, i;
	size_t n;
	ssize_t r;
	char *b;

	for (i = 0; i < 3000; i++) {
		buf[*have] = '\0';
		if (*have > 0 && answer_complete(buf, *have, &n)) {
			status = (unsigned int)atoi(buf + 9);
			b = strstr(buf, "\r\n\r\n") + 4;
			if (body != NULL) {
				assert_true((size_t)(buf + n - b) < body_cap);
				memcpy(body, b, (size_t)(buf + n - b));
				body[buf + n - b] = '\0';
			}
			memmove(buf, buf + n, *have - n);
			*have -= n;
			return status;
		}
		r = recv(fd, buf + *have, cap - 1 - *have, 0);
		if (r == 0)
			return 0;
		if (r > 0)
			*have += (size_t)r;
		else
			turn(f);
	}
	fail_msg("no answer");
	return 0;
}

/* Turns the loop until the server closes fd (true) or 3 s pass. */
static bool
closed_by_server(struct fixture *f, int fd)
{
	char c;
	int i;

	for (i = 0; i < 3000; i++) {
		ssize_t r = recv(fd, &c, 1, 0);

		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
		turn(f);
	}
	return false;
}

/* Turns the loop until fd reads end of stream (true); a reset is false. */
static bool
eof_clean(struct fixture *f, int fd)
{
	char c;
	int i;

	for (i = 0; i < 3000; i++) {
		ssize_t r = recv(fd, &c, 1, 0);

		if (r == 0)
			return true;
		if (r < 0 && errno != EAGAIN)
			return false;
		turn(f);
	}
	return false;
}

/* Turns the loop until the connections still open number n (1 s at most). */
static uint64_t
settle(struct fixture *f, uint64_t n)
{
	int i;

	for (i = 0; i < 1000 && f->srv.stats.connections != n; i++)
		turn(f);
	return f->srv.stats.connections;
}

static unsigned int
get(struct fixture *f, int fd, const char *req, char *body, size_t cap)
{
	char buf[65536];
	size_t have = 0;

	send_all(fd, req, strlen(req));
	return read_answer(f, fd, buf, sizeof(buf), &have, body, cap);
}

/* Two requests on one connection, both answered; the server stays open. */
static void
test_keep_alive(void **state)
{
	struct fixture *f = *state;
	char body[4096];
	int fd = client(f);

	assert_int_equal(get(f, fd, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
		body, sizeof(body)), 200);
	assert_string_equal(body, "{\"status\":\"live\",\"node\":\"t1\"}\n");
	assert_int_equal(get(f, fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
		body, sizeof(body)), 200);
	assert_non_null(strstr(body, "\"role\":\"media\""));
	assert_int_equal(f->srv.stats.accepted, 1);
	assert_int_equal(f->srv.stats.requests, 2);
	assert_int_equal(f->srv.stats.connections, 1);
	/* Connection: close is honoured after the answer. */
	assert_int_equal(get(f, fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
		"Connection: close\r\n\r\n", NULL, 0), 200);
	assert_true(closed_by_server(f, fd));
	close(fd);
}

/* Pipelined requests, and a body, come back in order, one answer each. */
static void
test_pipelined_and_body(void **state)
{
	static const char reqs[] =
		"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
		"HEAD /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
	struct fixture *f = *state;
	char buf[65536], body[4096];
	size_t have = 0, i;
	int fd = client(f);

	send_all(fd, reqs, sizeof(reqs) - 1);
	assert_int_equal(read_answer(f, fd, buf, sizeof(buf), &have, body,
		sizeof(body)), 404);
	assert_int_equal(read_answer(f, fd, buf, sizeof(buf), &have, NULL, 0),
		405);
	/* HEAD: the head of the GET answer, no body (the read treats the
	 * Content-Length as a body that is not there, so read it as a head). */
	for (i = 0; i < 2000 && memmem(buf, have, "\r\n\r\n", 4) == NULL; i++) {
		ssize_t r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);

		if (r > 0)
			have += (size_t)r;
		else
			turn(f);
	}
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
	{
		char *end = memmem(buf, have, "\r\n\r\n", 4);
		size_t hl = (size_t)(end - buf) + 4;

		memmove(buf, buf + hl, have - hl);
		have -= hl;
	}
	assert_int_equal(read_answer(f, fd, buf, sizeof(buf), &have, body,
		sizeof(body)), 200);
	assert_string_equal(body, "{\"status\":\"live\",\"node\":\"t1\"}\n");
	assert_int_equal(have, 0);
	close(fd);
}

/* A request trickling in one byte per loop turn is answered once whole. */
static void
test_trickle(void **state)
{
	static const char req[] = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
	struct fixture *f = *state;
	char buf[4096];
	size_t have = 0, i;
	int fd = client(f);

	for (i = 0; i < sizeof(req) - 1; i++) {
		send_all(fd, req + i, 1);
		turn(f);
		assert_true(recv(fd, buf, sizeof(buf), 0) < 0);
	}
	assert_int_equal(read_answer(f, fd, buf, sizeof(buf), &have, NULL, 0),
		200);
	close(fd);
}

/* A malformed request gets 400 and a close; the server keeps serving. */
static void
test_malformed(void **state)
{
	struct fixture *f = *state;
	char body[4096];
	int fd = client(f), fd2;

	assert_int_equal(get(f, fd, "GET / HTTP/1.1\r\nHost: x\r\n bad\r\n\r\n",
		body, sizeof(body)), 400);
	assert_string_equal(body, "{\"error\":\"folded header field (obs-fold)\","
		"\"status\":400}\n");
	/*
	 * What the client still sends is read and dropped: it sees a clean
	 * end of stream (no reset that could destroy the answer), and the
	 * connection goes when the client closes.
	 */
	send_all(fd, "more bytes after the bad request", 32);
	assert_true(eof_clean(f, fd));
	close(fd);
	assert_int_equal(settle(f, 0), 0);
	fd = client(f);
	assert_int_equal(get(f, fd, "GET / HTTP/3.0\r\n\r\n", NULL, 0), 505);
	assert_true(closed_by_server(f, fd));
	close(fd);
	fd2 = client(f);
	assert_int_equal(get(f, fd2, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
		NULL, 0), 200);
	close(fd2);
	assert_int_equal(f->srv.stats.bad_requests, 2);
}

/* Past max_connections a connection is closed at once and counted. */
static void
test_connection_limit(void **state)
{
	struct fixture *f = *state;
	int a = client(f), b = client(f), c = client(f);

	assert_true(closed_by_server(f, c));
	assert_int_equal(f->srv.stats.refused, 1);
	assert_int_equal(f->srv.stats.connections, 2);
	assert_int_equal(get(f, a, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
		NULL, 0), 200);
	close(c);
	close(b);
	close(a);
}

/* Silent connections and requests that never complete are closed. */
static void
test_idle_timeout(void **state)
{
	struct fixture *f = *state;
	int a = client(f), b = client(f);

	send_all(b, "GET /health/live HTTP/1.1\r\n", 27);
	assert_true(closed_by_server(f, a));
	assert_true(closed_by_server(f, b));
	assert_int_equal(f->srv.stats.idle_closed, 2);
	assert_int_equal(settle(f, 0), 0);
	close(a);
	close(b);
}

/* Stop closes open connections and no new ones are served. */
static void
test_stop(void **state)
{
	struct fixture *f = *state;
	int a = client(f);

	http_server_stop(&f->srv);
	assert_true(closed_by_server(f, a));
	close(a);
	assert_int_equal(settle(f, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_and_body, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_trickle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit,
			setup_limit, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup_idle,
			teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
