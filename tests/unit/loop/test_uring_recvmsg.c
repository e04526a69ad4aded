/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multishot datagram reception on a real loopback UDP socket through the
 * hand-built provided-buffer ring: many datagrams arrive intact and in
 * order, a drained buffer ring (-ENOBUFS) recovers once buffers come back,
 * and signals and timers run through the same loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "uring_bufring.h"
#include "uring_loop.h"
#include "uring_recvmsg.h"
#include "uring_signal.h"

#define NBUFS 8
/* Odd on purpose: the ring must keep each buffer aligned anyway. */
#define BUF_SIZE 501

struct rx {
	struct uring_recvmsg rm;
	bool hold;
	uint16_t held[NBUFS];
	unsigned int nheld;
	unsigned int got;
	int next_seq;
	bool in_order;
	bool from_ok;
	uint16_t src_port;
};

struct fixture {
	struct uring_loop loop;
	struct uring_bufring bufs;
	struct rx rx;
	int rfd;
	int sfd;
	struct sockaddr_in addr;
};

static bool
rx_on_datagram(struct uring_recvmsg *rm, const struct uring_datagram *dg)
{
	struct rx *rx = (struct rx *)rm;
	const struct sockaddr_in *from = (const struct sockaddr_in *)dg->from;
	char text[64];
	int seq;

	snprintf(text, sizeof(text), "%.*s", (int)dg->len, (const char *)dg->data);
	if (sscanf(text, "dgram %d", &seq) != 1 || seq != rx->next_seq)
		rx->in_order = false;
	rx->next_seq = seq + 1;
	if (dg->fromlen != sizeof(*from) || from->sin_family != AF_INET ||
			from->sin_port != htons(rx->src_port))
		rx->from_ok = false;
	rx->got++;
	if (!rx->hold)
		return false;
	rx->held[rx->nheld++] = dg->bid;
	return true;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in src;
	socklen_t len = sizeof(f->addr);
	int err;

	if (f == NULL)
		return -1;
	err = uring_loop_init(&f->loop, 64);
	if (err == -ENOSYS || err == -EPERM) {
		fprintf(stderr, "io_uring unavailable (%d): skip\n", err);
		exit(77);
	}
	assert_int_equal(err, 0);
	assert_int_equal(uring_bufring_init(&f->bufs, &f->loop.ring, 1, NBUFS,
		BUF_SIZE), 0);
	assert_int_equal(f->bufs.buf_size % URING_BUFRING_ALIGN, 0);
	assert_true(f->bufs.buf_size >= BUF_SIZE);
	f->rfd = socket(AF_INET, SOCK_DGRAM, 0);
	f->sfd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->rfd >= 0 && f->sfd >= 0);
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->rfd, (struct sockaddr *)&f->addr,
		sizeof(f->addr)), 0);
	assert_int_equal(getsockname(f->rfd, (struct sockaddr *)&f->addr,
		&len), 0);
	src = f->addr;
	src.sin_port = 0;
	assert_int_equal(bind(f->sfd, (struct sockaddr *)&src, sizeof(src)), 0);
	len = sizeof(src);
	assert_int_equal(getsockname(f->sfd, (struct sockaddr *)&src, &len), 0);
	f->rx.in_order = true;
	f->rx.from_ok = true;
	f->rx.src_port = ntohs(src.sin_port);
	assert_int_equal(uring_recvmsg_start(&f->rx.rm, &f->loop, &f->bufs,
		f->rfd, rx_on_datagram), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->rfd);
	close(f->sfd);
	uring_loop_fini(&f->loop);
	uring_bufring_fini(&f->bufs);
	free(f);
	return 0;
}

static void
send_range(struct fixture *f, int from, int to)
{
	char text[64];
	int i, n;

	for (i = from; i < to; i++) {
		n = snprintf(text, sizeof(text), "dgram %d", i);
		assert_int_equal(sendto(f->sfd, text, (size_t)n, 0,
			(struct sockaddr *)&f->addr, sizeof(f->addr)), n);
	}
}

/* Turns the loop without blocking until got reaches want or ~2 s pass. */
static void
pump_until(struct fixture *f, unsigned int want)
{
	unsigned int i;

	for (i = 0; i < 2000 && f->rx.got < want; i++) {
		assert_true(uring_loop_run_once(&f->loop, false) >= 0);
		if (f->rx.got < want)
			usleep(1000);
	}
}

/* Lets the loop settle so that no pending completion is left unseen. */
static void
pump_idle(struct fixture *f)
{
	unsigned int i;

	for (i = 0; i < 50; i++) {
		assert_true(uring_loop_run_once(&f->loop, false) >= 0);
		usleep(1000);
	}
}

/* Far more datagrams than buffers all arrive, intact and in order. */
static void
test_many_datagrams(void **state)
{
	struct fixture *f = *state;
	int sent;

	for (sent = 0; sent < 2000; sent += 100) {
		send_range(f, sent, sent + 100);
		pump_until(f, (unsigned int)sent + 100);
	}
	assert_int_equal(f->rx.got, 2000);
	assert_true(f->rx.in_order);
	assert_true(f->rx.from_ok);
	assert_int_equal(f->bufs.outstanding, 0);
	assert_int_equal(f->rx.rm.errors, 0);
}

/*
 * With every buffer held the reader stops at NBUFS datagrams and reports
 * -ENOBUFS; once the buffers come back it re-arms and the queued datagrams
 * follow, none lost.
 */
static void
test_buffer_exhaustion_recovers(void **state)
{
	struct fixture *f = *state;
	unsigned int i, round;

	f->rx.hold = true;
	send_range(f, 0, 3 * NBUFS);
	pump_until(f, NBUFS);
	pump_idle(f);
	assert_int_equal(f->rx.got, NBUFS);
	assert_int_equal(f->bufs.outstanding, NBUFS);
	assert_true(f->rx.rm.enobufs >= 1);
	assert_true(f->rx.rm.starved);
	assert_false(f->rx.rm.armed);
	for (round = 1; round < 3; round++) {
		for (i = 0; i < f->rx.nheld; i++)
			uring_recvmsg_release(&f->rx.rm, f->rx.held[i]);
		f->rx.nheld = 0;
		assert_true(f->rx.rm.armed);
		pump_until(f, (round + 1) * NBUFS);
		pump_idle(f);
		assert_int_equal(f->rx.got, (round + 1) * NBUFS);
	}
	for (i = 0; i < f->rx.nheld; i++)
		uring_recvmsg_release(&f->rx.rm, f->rx.held[i]);
	f->rx.nheld = 0;
	f->rx.hold = false;
	send_range(f, 3 * NBUFS, 3 * NBUFS + 5);
	pump_until(f, 3 * NBUFS + 5);
	assert_int_equal(f->rx.got, 3 * NBUFS + 5);
	assert_true(f->rx.in_order);
	assert_int_equal(f->bufs.outstanding, 0);
}

/* A datagram longer than a buffer is reported truncated, not dropped silently. */
static void
test_truncated(void **state)
{
	struct fixture *f = *state;
	char big[2 * BUF_SIZE];

	memset(big, 'x', sizeof(big));
	memcpy(big, "dgram 0", 7);
	assert_int_equal(sendto(f->sfd, big, sizeof(big), 0,
		(struct sockaddr *)&f->addr, sizeof(f->addr)), (ssize_t)sizeof(big));
	pump_until(f, 1);
	assert_int_equal(f->rx.got, 1);
	assert_int_equal(f->rx.rm.truncated, 1);
}

static int signals_seen;
static int last_signo;

static void
on_signal(struct uring_signal *sig, int signo)
{
	(void)sig;
	signals_seen++;
	last_signo = signo;
}

/* A signal sent to the process arrives as a loop callback, repeatedly. */
static void
test_signal(void **state)
{
	struct fixture *f = *state;
	struct uring_signal sig;
	sigset_t mask;
	int i, round;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	assert_int_equal(uring_signal_start(&sig, &f->loop, &mask, on_signal), 0);
	for (round = 1; round <= 3; round++) {
		assert_int_equal(kill(getpid(), SIGUSR1), 0);
		for (i = 0; i < 2000 && signals_seen < round; i++) {
			assert_true(uring_loop_run_once(&f->loop, false) >= 0);
			usleep(1000);
		}
		assert_int_equal(signals_seen, round);
		assert_int_equal(last_signo, SIGUSR1);
	}
	uring_signal_stop(&sig);
}

static unsigned int loop_timer_fired;

static void
loop_timer_on_expire(struct uring_timer *t)
{
	(void)t;
	loop_timer_fired++;
}

/* A loop blocked in its wait wakes up for a timer (the io_uring timeout). */
static void
test_loop_timer_wakes_wait(void **state)
{
	struct fixture *f = *state;
	struct uring_timer t, late;
	uint64_t start = uring_loop_clock_ms();
	int i;

	uring_timer_init(&t, loop_timer_on_expire);
	uring_timer_init(&late, loop_timer_on_expire);
	f->loop.timers.now = start;
	assert_int_equal(uring_timer_start(&f->loop.timers, &late, 5000), 0);
	assert_int_equal(uring_loop_run_once(&f->loop, false), 0);
	/* An earlier deadline must move the armed timeout forward. */
	assert_int_equal(uring_timer_start(&f->loop.timers, &t, 30), 0);
	for (i = 0; i < 10 && loop_timer_fired == 0; i++)
		assert_true(uring_loop_run_once(&f->loop, true) >= 0);
	assert_int_equal(loop_timer_fired, 1);
	assert_true(uring_loop_clock_ms() - start >= 30);
	assert_true(uring_timer_pending(&late));
	uring_timer_cancel(&f->loop.timers, &late);
}

static struct fixture *idle_fixture;
static struct uring_timer idle_timer;
static uint64_t idle_started_at;
static uint64_t idle_fired_at;

static void
idle_timer_on_expire(struct uring_timer *t)
{
	(void)t;
	idle_fired_at = uring_loop_clock_ms();
}

static void
idle_on_signal(struct uring_signal *sig, int signo)
{
	(void)sig;
	(void)signo;
	idle_started_at = uring_loop_clock_ms();
	assert_int_equal(uring_timer_start(&idle_fixture->loop.timers,
		&idle_timer, 100), 0);
}

/*
 * A timer started by a completion that ends a long idle wait counts from
 * the moment of that completion, not from before the wait (a stale clock
 * would make it fire at once: a spurious SIP retransmission).
 */
static void
test_timer_after_idle_wait_counts_from_now(void **state)
{
	struct fixture *f = *state;
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };
	struct uring_signal sig;
	sigset_t mask;
	int i;

	idle_fixture = f;
	idle_fired_at = 0;
	uring_timer_init(&idle_timer, idle_timer_on_expire);
	sigemptyset(&mask);
	sigaddset(&mask, SIGALRM);
	assert_int_equal(uring_signal_start(&sig, &f->loop, &mask,
		idle_on_signal), 0);
	/* Bring the loop's clock up to date, then sleep in the wait. */
	assert_true(uring_loop_run_once(&f->loop, false) >= 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	for (i = 0; i < 50 && idle_fired_at == 0; i++)
		assert_true(uring_loop_run_once(&f->loop, true) >= 0);
	assert_true(idle_fired_at != 0);
	assert_true(idle_fired_at - idle_started_at >= 100);
	uring_signal_stop(&sig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_datagrams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_exhaustion_recovers,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_timer_wakes_wait,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_timer_after_idle_wait_counts_from_now,
			setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
