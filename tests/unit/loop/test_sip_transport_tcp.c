/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP transport on real loopback sockets with the real SIP framer:
 * a stream split at every byte boundary yields the same whole messages,
 * several messages in one read all come out, a bad Content-Length closes
 * the stream, an oversized message can be answered before the close, a
 * CRLF ping gets its pong and a silent connection is closed when idle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#include "sip_msg.h"
#include "sip_transport_tcp.h"
#include "uring_loop.h"

#define MAX_MSG 2048
#define MAX_SEEN 16

static const char msg1[] =
	"OPTIONS sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:a@example.com>;tag=1\r\n"
	"To: <sip:example.com>\r\n"
	"Call-ID: one@test\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";
static const char msg2[] =
	"MESSAGE sip:b@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-2\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:a@example.com>;tag=2\r\n"
	"To: <sip:b@example.com>\r\n"
	"Call-ID: two@test\r\n"
	"CSeq: 2 MESSAGE\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 11\r\n"
	"\r\n"
	"hello world";

struct fixture {
	struct uring_loop loop;
	struct sip_tcp tcp;
	struct sip_tcp_listener l;
	struct sockaddr_in addr;
	char seen[MAX_SEEN][MAX_MSG];
	size_t seen_len[MAX_SEEN];
	unsigned int n_seen;
	unsigned int n_oversize;
	bool answer_oversize;
	size_t answer_bytes;	/* answer each message with this many bytes */
	uint64_t last_conn_id;
};

static void
on_rx(void *arg, const struct sip_rx *rx)
{
	struct fixture *f = arg;

	assert_non_null(rx->conn);
	assert_null(rx->udp);
	assert_true(sip_tcp_conn_find(&f->tcp, rx->conn_id) == rx->conn);
	assert_int_equal(sip_tcp_conn_id(rx->conn), rx->conn_id);
	f->last_conn_id = rx->conn_id;
	if (rx->oversize) {
		f->n_oversize++;
		if (f->answer_oversize) {
			assert_int_equal(sip_tcp_send(rx->conn, "513 too big\r\n",
				13), 0);
			sip_tcp_close_after_send(rx->conn);
		}
		return;
	}
	if (f->answer_bytes > 0) {
		static char blob[128 * 1024];

		assert_true(f->answer_bytes <= sizeof(blob));
		(void)sip_tcp_send(rx->conn, blob, f->answer_bytes);
		return;
	}
	assert_true(f->n_seen < MAX_SEEN);
	assert_true(rx->len <= MAX_MSG);
	memcpy(f->seen[f->n_seen], rx->buf, rx->len);
	f->seen_len[f->n_seen++] = rx->len;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int err;

	assert_non_null(f);
	err = uring_loop_init(&f->loop, 64);
	if (err == -ENOSYS || err == -EPERM) {
		fprintf(stderr, "io_uring unavailable (%d): skip\n", err);
		exit(77);
	}
	assert_int_equal(err, 0);
	assert_int_equal(sip_tcp_init(&f->tcp, &f->loop, MAX_MSG, 60000, 8,
		sip_msg_frame, on_rx, f), 0);
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sip_tcp_listen(&f->tcp, &f->l,
		(struct sockaddr *)&f->addr, sizeof(f->addr)), 0);
	memcpy(&f->addr, &f->l.local, sizeof(f->addr));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	uring_loop_fini(&f->loop);
	sip_tcp_destroy(&f->tcp, &f->l, 1);
	free(f);
	return 0;
}

static void
pump(struct fixture *f)
{
	assert_true(uring_loop_run_once(&f->loop, false) >= 0);
}

static int
client_connect(struct fixture *f)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, i;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		sizeof(one)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&f->addr,
		sizeof(f->addr)), 0);
	for (i = 0; i < 2000 && f->tcp.n_conns == 0; i++) {
		pump(f);
		usleep(500);
	}
	assert_true(f->tcp.n_conns >= 1);
	return fd;
}

/* Turns the loop until the server has read want bytes in total. */
static void
pump_bytes(struct fixture *f, uint64_t want)
{
	int i;

	for (i = 0; i < 4000 && f->tcp.stats.rx_bytes < want; i++) {
		pump(f);
		if (f->tcp.stats.rx_bytes < want)
			usleep(100);
	}
	assert_int_equal(f->tcp.stats.rx_bytes, want);
}

/* Reads what the server sends until EOF (or ~2 s): returns the byte count. */
static size_t
read_to_eof(struct fixture *f, int fd, char *buf, size_t cap, bool *eof)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int i;

	*eof = false;
	for (i = 0; i < 2000; i++) {
		pump(f);
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		n = read(fd, buf + got, cap - got);
		if (n <= 0) {
			*eof = true;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

/* A closed connection is released once its last operation completes. */
static void
pump_conns_gone(struct fixture *f)
{
	int i;

	for (i = 0; i < 1000 && f->tcp.n_conns > 0; i++) {
		pump(f);
		usleep(1000);
	}
	assert_int_equal(f->tcp.n_conns, 0);
	assert_int_equal(f->tcp.stats.closed, f->tcp.stats.accepted +
		f->tcp.stats.connected + f->tcp.stats.connect_errors);
}

/*
 * Two messages sent as two writes split at every byte boundary always come
 * out as exactly those two messages, byte for byte.
 */
static void
test_split_every_boundary(void **state)
{
	struct fixture *f = *state;
	char stream[sizeof(msg1) + sizeof(msg2)];
	size_t len = strlen(msg1) + strlen(msg2), k;
	uint64_t base = 0;
	int fd;

	memcpy(stream, msg1, strlen(msg1));
	memcpy(stream + strlen(msg1), msg2, strlen(msg2));
	fd = client_connect(f);
	for (k = 1; k < len; k++) {
		f->n_seen = 0;
		assert_int_equal(write(fd, stream, k), (ssize_t)k);
		pump_bytes(f, base + k);
		assert_int_equal(f->n_seen, k >= strlen(msg1) ? 1 : 0);
		assert_int_equal(write(fd, stream + k, len - k),
			(ssize_t)(len - k));
		base += len;
		pump_bytes(f, base);
		assert_int_equal(f->n_seen, 2);
		assert_int_equal(f->seen_len[0], strlen(msg1));
		assert_memory_equal(f->seen[0], msg1, strlen(msg1));
		assert_int_equal(f->seen_len[1], strlen(msg2));
		assert_memory_equal(f->seen[1], msg2, strlen(msg2));
	}
	assert_int_equal(f->tcp.stats.bad_framing, 0);
	assert_int_equal(f->tcp.n_conns, 1);
	close(fd);
}

/* Several messages and CRLF keep-alives in one write: all messages, a pong. */
static void
test_several_in_one_read(void **state)
{
	struct fixture *f = *state;
	char stream[4096], reply[16];
	size_t off = 0;
	ssize_t n;
	int fd, i;

	off += (size_t)sprintf(stream + off, "%s", msg1);
	off += (size_t)sprintf(stream + off, "\r\n\r\n");
	off += (size_t)sprintf(stream + off, "%s", msg2);
	off += (size_t)sprintf(stream + off, "%s", msg1);
	fd = client_connect(f);
	assert_int_equal(write(fd, stream, off), (ssize_t)off);
	pump_bytes(f, off);
	assert_int_equal(f->n_seen, 3);
	assert_memory_equal(f->seen[0], msg1, strlen(msg1));
	assert_memory_equal(f->seen[1], msg2, strlen(msg2));
	assert_memory_equal(f->seen[2], msg1, strlen(msg1));
	assert_int_equal(f->tcp.stats.keepalives, 1);
	assert_int_equal(f->last_conn_id, 1);
	for (i = 0; i < 100; i++)
		pump(f);
	n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_int_equal(n, 2);
	assert_memory_equal(reply, "\r\n", 2);
	close(fd);
}

/* A bad Content-Length closes the stream; nothing is handed up. */
static void
test_bad_content_length_closes(void **state)
{
	struct fixture *f = *state;
	static const char bad[] =
		"OPTIONS sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-3\r\n"
		"Call-ID: bad@test\r\n"
		"Content-Length: twelve\r\n"
		"\r\n";
	char buf[64];
	bool eof;
	int fd;

	fd = client_connect(f);
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	assert_int_equal(read_to_eof(f, fd, buf, sizeof(buf), &eof), 0);
	assert_true(eof);
	assert_int_equal(f->n_seen, 0);
	assert_int_equal(f->tcp.stats.bad_framing, 1);
	pump_conns_gone(f);
	/* The closed connection's id finds nothing, and is never reused. */
	assert_null(sip_tcp_conn_find(&f->tcp, 1));
	assert_int_equal(f->tcp.next_id, 1);
	close(fd);
}

/* An oversized message is handed up flagged; the answer arrives, then EOF. */
static void
test_oversize_answered_then_closed(void **state)
{
	struct fixture *f = *state;
	char big[MAX_MSG + 512], buf[64];
	size_t got;
	bool eof;
	int fd, n;

	f->answer_oversize = true;
	n = sprintf(big, "MESSAGE sip:b@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-4\r\n"
		"Call-ID: big@test\r\n"
		"Content-Length: %d\r\n\r\n", MAX_MSG);
	memset(big + n, 'x', sizeof(big) - (size_t)n);
	fd = client_connect(f);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	got = read_to_eof(f, fd, buf, sizeof(buf), &eof);
	assert_true(eof);
	assert_int_equal(got, 13);
	assert_memory_equal(buf, "513 too big\r\n", 13);
	assert_int_equal(f->n_oversize, 1);
	assert_int_equal(f->n_seen, 0);
	assert_int_equal(f->tcp.stats.oversize, 1);
	close(fd);
	pump_conns_gone(f);
}

static int
plain_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

/*
 * An outbound connection: data queued while connecting goes out once it
 * is up, and what the peer sends comes up with the connection's id.
 */
static void
test_connect_out(void **state)
{
	struct fixture *f = *state;
	struct sip_tcp_conn *conn;
	struct sockaddr_in addr;
	char buf[sizeof(msg1)];
	size_t got = 0;
	ssize_t n;
	int lfd, fd = -1, i;

	lfd = plain_listener(&addr);
	assert_int_equal(sip_tcp_connect(&f->tcp, (struct sockaddr *)&addr,
		sizeof(addr), &conn), 0);
	assert_int_equal(sip_tcp_send(conn, msg1, strlen(msg1)), 0);
	for (i = 0; i < 2000 && got < strlen(msg1); i++) {
		pump(f);
		if (fd < 0)
			fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			n = recv(fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
			if (n > 0)
				got += (size_t)n;
		}
		usleep(500);
	}
	assert_true(fd >= 0);
	assert_int_equal(got, strlen(msg1));
	assert_memory_equal(buf, msg1, got);
	assert_int_equal(f->tcp.stats.connected, 1);
	assert_int_equal(write(fd, msg2, strlen(msg2)), (ssize_t)strlen(msg2));
	pump_bytes(f, strlen(msg2));
	assert_int_equal(f->n_seen, 1);
	assert_memory_equal(f->seen[0], msg2, strlen(msg2));
	assert_int_equal(f->last_conn_id, sip_tcp_conn_id(conn));
	close(fd);
	pump_conns_gone(f);
	close(lfd);
}

/* A refused connect closes the connection; its id then finds nothing. */
static void
test_connect_refused(void **state)
{
	struct fixture *f = *state;
	struct sip_tcp_conn *conn;
	struct sockaddr_in addr;
	uint64_t id;
	int lfd;

	lfd = plain_listener(&addr);
	close(lfd);
	assert_int_equal(sip_tcp_connect(&f->tcp, (struct sockaddr *)&addr,
		sizeof(addr), &conn), 0);
	id = sip_tcp_conn_id(conn);
	assert_int_equal(sip_tcp_send(conn, msg1, strlen(msg1)), 0);
	pump_conns_gone(f);
	assert_int_equal(f->tcp.stats.connect_errors, 1);
	assert_null(sip_tcp_conn_find(&f->tcp, id));
}

/* Closing while the connect is in flight releases the connection. */
static void
test_connect_then_close(void **state)
{
	struct fixture *f = *state;
	struct sip_tcp_conn *conn;
	struct sockaddr_in addr;
	int lfd;

	lfd = plain_listener(&addr);
	assert_int_equal(sip_tcp_connect(&f->tcp, (struct sockaddr *)&addr,
		sizeof(addr), &conn), 0);
	sip_tcp_close(conn);
	pump_conns_gone(f);
	assert_int_equal(f->tcp.stats.connect_errors + f->tcp.stats.connected, 1);
	close(lfd);
}

/* A peer that never reads its responses is cut off at the queue limit. */
static void
test_send_queue_limit(void **state)
{
	struct fixture *f = *state;
	int fd, small = 4096, i;

	f->answer_bytes = 100 * 1024;
	fd = client_connect(f);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
		sizeof(small)), 0);
	for (i = 0; i < 200 && f->tcp.stats.sendq_overflow == 0; i++) {
		if (write(fd, msg1, strlen(msg1)) < 0)
			break;
		pump_bytes(f, (uint64_t)(i + 1) * strlen(msg1));
	}
	assert_int_equal(f->tcp.stats.sendq_overflow, 1);
	pump_conns_gone(f);
	close(fd);
}

/* A connection that stays silent past the idle timeout is closed. */
static void
test_idle_timeout(void **state)
{
	struct fixture *f = *state;
	char buf[16];
	bool eof;
	int fd;

	sip_tcp_set_idle(&f->tcp, 50);
	fd = client_connect(f);
	assert_int_equal(read_to_eof(f, fd, buf, sizeof(buf), &eof), 0);
	assert_true(eof);
	assert_int_equal(f->tcp.stats.idle_closed, 1);
	pump_conns_gone(f);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_every_boundary,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_in_one_read,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_content_length_closes,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_answered_then_closed,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_queue_limit, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_connect_out, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_connect_then_close, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
