/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP request/response rate of the control plane's io_uring path against
 * a plain blocking recvfrom/sendto echo server measured in the same run:
 *   baseline  recvfrom + sendto echo (two syscalls per datagram)
 *   uring     echo through the real UDP transport (multishot recvmsg into
 *             the provided-buffer ring, one io_uring sendmsg per reply)
 *   sip       the real stateless SIP service answering OPTIONS with 200
 *             (decode, checks, response build, Via stamping, send)
 * One server thread, one client thread keeping WINDOW requests in flight.
 * Every reply is checked (echo bytes equal; "SIP/2.0 200 " with our
 * Call-ID) and the run stops on a wrong one. Best of three rounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cp_conf.h"
#include "sip_server.h"
#include "sip_transport_udp.h"
#include "uring_bufring.h"
#include "uring_loop.h"

#define WINDOW 32
#define ROUNDS 3
#define STOP_MSG "stop"

enum mode { MODE_BASELINE, MODE_URING, MODE_SIP };

struct server {
	enum mode mode;
	struct sockaddr_in addr;	/* filled once bound */
	pthread_mutex_t lock;
	pthread_cond_t ready;
	int is_ready;
	int err;
	struct uring_loop loop;
};

static const char *
options_msg(uint16_t port, char *buf, size_t cap, size_t *len)
{
	int n = snprintf(buf, cap,
		"OPTIONS sip:127.0.0.1:%u SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-bench;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:bench@127.0.0.1>;tag=b1\r\n"
		"To: <sip:127.0.0.1:%u>\r\n"
		"Call-ID: bench-call-id@127.0.0.1\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", port, port);

	*len = (size_t)n;
	return buf;
}

static void
server_ready(struct server *srv, int err)
{
	pthread_mutex_lock(&srv->lock);
	srv->err = err;
	srv->is_ready = 1;
	pthread_cond_signal(&srv->ready);
	pthread_mutex_unlock(&srv->lock);
}

static int
bind_any(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
			getsockname(fd, (struct sockaddr *)addr, &len) < 0)
		return -1;
	return fd;
}

static void
baseline_serve(struct server *srv)
{
	struct sockaddr_storage from;
	char buf[2048];
	socklen_t flen;
	ssize_t n;
	int fd = bind_any(&srv->addr);

	server_ready(srv, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			&flen);
		if (n == (ssize_t)strlen(STOP_MSG) && memcmp(buf, STOP_MSG, 4) == 0)
			break;
		if (n > 0)
			(void)sendto(fd, buf, (size_t)n, 0,
				(struct sockaddr *)&from, flen);
	}
	close(fd);
}

static struct server *echo_srv;

static void
echo_on_rx(void *arg, const struct sip_rx *rx)
{
	struct sip_udp_sock *s = arg;

	if (rx->len == strlen(STOP_MSG) && memcmp(rx->buf, STOP_MSG, 4) == 0) {
		uring_loop_stop(&echo_srv->loop);
		return;
	}
	if (sip_udp_send(s, (const struct sockaddr *)rx->src, rx->srclen,
			rx->buf, rx->len) < 0)
		fprintf(stderr, "bench: send failed\n");
}

static void
uring_serve(struct server *srv)
{
	static struct sip_udp_sock sock;
	struct uring_bufring bufs;
	int err;

	echo_srv = srv;
	memset(&srv->addr, 0, sizeof(srv->addr));
	srv->addr.sin_family = AF_INET;
	srv->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = uring_loop_init(&srv->loop, 256);
	if (err == 0)
		err = uring_bufring_init(&bufs, &srv->loop.ring, 1, 256,
			(uint32_t)sip_udp_buf_size(2048));
	if (err == 0)
		err = sip_udp_open(&sock, &srv->loop, &bufs,
			(struct sockaddr *)&srv->addr, sizeof(srv->addr), 2048,
			1 << 22, echo_on_rx, &sock);
	if (err == 0)
		memcpy(&srv->addr, &sock.local, sizeof(srv->addr));
	server_ready(srv, err);
	if (err < 0)
		return;
	(void)uring_loop_run(&srv->loop);
	while (sock.tx_inflight > 0 && uring_loop_run_once(&srv->loop, true) >= 0)
		;
	uring_loop_fini(&srv->loop);
	sip_udp_close(&sock);
	uring_bufring_fini(&bufs);
}

/* The SIP service stops when its drop counter moves (the stop datagram). */
static void
sip_serve(struct server *srv)
{
	struct sip_server *sip = calloc(1, sizeof(*sip));
	struct sockaddr_in probe;
	struct cp_conf conf;
	char text[256], err[256];
	int fd, ret;

	/* Find a free port, then let the server bind it. */
	fd = bind_any(&probe);
	close(fd);
	snprintf(text, sizeof(text), "sip:\n  listen: [\"udp:127.0.0.1:%u\"]\n"
		"log:\n  level: error\n", ntohs(probe.sin_port));
	ret = sip == NULL ? -ENOMEM : cp_conf_load_buf(&conf, "bench", text,
		strlen(text), err, sizeof(err));
	if (ret == 0)
		ret = uring_loop_init(&srv->loop, 256);
	if (ret == 0)
		ret = sip_server_start(sip, &srv->loop, &conf, err, sizeof(err));
	srv->addr = probe;
	server_ready(srv, ret);
	if (ret < 0) {
		fprintf(stderr, "bench: sip server: %s\n", err);
		free(sip);
		return;
	}
	while (sip->stats.drop_malformed == 0)
		if (uring_loop_run_once(&srv->loop, true) < 0)
			break;
	uring_loop_fini(&srv->loop);
	sip_server_destroy(sip);
	free(sip);
}

static void *
server_main(void *arg)
{
	struct server *srv = arg;

	if (srv->mode == MODE_BASELINE)
		baseline_serve(srv);
	else if (srv->mode == MODE_URING)
		uring_serve(srv);
	else
		sip_serve(srv);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
check_reply(enum mode mode, const char *req, size_t req_len,
		const char *buf, ssize_t n)
{
	if (mode != MODE_SIP)
		return n == (ssize_t)req_len && memcmp(buf, req, req_len) == 0;
	return n > 12 && memcmp(buf, "SIP/2.0 200 ", 12) == 0 &&
		memmem(buf, (size_t)n, "bench-call-id@127.0.0.1", 23) != NULL;
}

/* Round trips per second for count requests with WINDOW in flight. */
static double
client_run(enum mode mode, const struct sockaddr_in *dst, long count)
{
	char req[512], buf[4096];
	struct timeval tv = { .tv_sec = 2 };
	long sent = 0, got = 0;
	size_t len;
	ssize_t n;
	double t0;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	options_msg(ntohs(dst->sin_port), req, sizeof(req), &len);
	t0 = now_s();
	for (; sent < WINDOW; sent++)
		(void)send(fd, req, len, 0);
	while (got < count) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			/* A lost datagram: top the window up again. */
			(void)send(fd, req, len, 0);
			continue;
		}
		if (!check_reply(mode, req, len, buf, n)) {
			fprintf(stderr, "bench: wrong reply\n");
			exit(1);
		}
		got++;
		if (sent < count) {
			(void)send(fd, req, len, 0);
			sent++;
		}
	}
	t0 = now_s() - t0;
	/* Drain what is still in flight so the next round starts clean. */
	tv.tv_sec = 0;
	tv.tv_usec = 100000;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	return (double)count / t0;
}

static double
bench(enum mode mode, long count)
{
	struct server srv;
	pthread_t th;
	double best = 0, r;
	int fd, i;

	memset(&srv, 0, sizeof(srv));
	srv.mode = mode;
	pthread_mutex_init(&srv.lock, NULL);
	pthread_cond_init(&srv.ready, NULL);
	pthread_create(&th, NULL, server_main, &srv);
	pthread_mutex_lock(&srv.lock);
	while (!srv.is_ready)
		pthread_cond_wait(&srv.ready, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
	if (srv.err < 0) {
		fprintf(stderr, "bench: server start: %s\n", strerror(-srv.err));
		exit(1);
	}
	for (i = 0; i < ROUNDS; i++) {
		r = client_run(mode, &srv.addr, count);
		if (r > best)
			best = r;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	(void)sendto(fd, STOP_MSG, strlen(STOP_MSG), 0,
		(struct sockaddr *)&srv.addr, sizeof(srv.addr));
	close(fd);
	pthread_join(th, NULL);
	return best;
}

int
main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 200000;
	double base, uring, sip;

	dg_log_set_level(DG_LOG_ERROR);
	base = bench(MODE_BASELINE, count);
	uring = bench(MODE_URING, count);
	sip = bench(MODE_SIP, count);
	printf("requests per round: %ld, window %d, best of %d\n", count,
		WINDOW, ROUNDS);
	printf("%-32s %10.0f /s  %6.2f us/req  1.00x\n",
		"baseline recvfrom+sendto echo", base, 1e6 / base);
	printf("%-32s %10.0f /s  %6.2f us/req  %.2fx\n",
		"io_uring UDP transport echo", uring, 1e6 / uring, uring / base);
	printf("%-32s %10.0f /s  %6.2f us/req  %.2fx\n",
		"SIP OPTIONS -> 200 (stateless)", sip, 1e6 / sip, sip / base);
	return 0;
}
