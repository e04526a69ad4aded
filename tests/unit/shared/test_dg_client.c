/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the control-plane client (dg_client.c) against regions the
 * test lays out and serves as drongo-dp would (dgt_region.c): refusal of
 * absent, unready, stale, foreign-ABI and already-driven regions, the
 * least-loaded worker pick, reply matching out of order, deadlines, the
 * blocking call, unsolicited events, a dead data plane and a restarted one
 * (new generation, re-attach).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dg_client.h"
#include "dgt_region.h"

#define MAX_EV 64

/* calloc of dg_client.c goes through here (linked with --wrap=calloc):
 * the fail_at-th call fails. */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static unsigned int calloc_calls;
static unsigned int calloc_fail_at;

void *
__wrap_calloc(size_t n, size_t size)
{
	if (++calloc_calls == calloc_fail_at)
		return NULL;
	return __real_calloc(n, size);
}

/* Events a test's callback received, copied. */
struct evlog {
	unsigned int n;
	struct dg_msg msg[MAX_EV];
	void *cookie[MAX_EV];
	unsigned int worker[MAX_EV];
	bool final[MAX_EV];
};

static void
evlog_fn(void *arg, const struct dg_client_event *ev)
{
	struct evlog *l = arg;

	assert_true(l->n < MAX_EV);
	l->msg[l->n] = *ev->msg;
	l->cookie[l->n] = ev->cookie;
	l->worker[l->n] = ev->worker;
	l->final[l->n] = ev->final;
	l->n++;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	(void)nanosleep(&ts, NULL);
}

static struct dg_client *
client_open(unsigned int instance, unsigned int timeout_ms)
{
	struct dg_client_opts o = {
		.instance = instance, .cmd_timeout_ms = timeout_ms,
	};
	struct dg_client *c = NULL;
	char err[256];

	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), 0);
	assert_true(dg_client_connected(c));
	return c;
}

static void
cmd_init(struct dg_msg *m, uint16_t type, uint64_t id)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.session_id = id;
}

/* No region: -ENOENT and a message naming it. */
static void
test_no_region(void **state)
{
	struct dg_client_opts o = { .instance = dgt_instance(1) };
	struct dg_client *c = NULL;
	char err[256], name[64];

	(void)state;
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), -ENOENT);
	assert_null(c);
	dg_shm_name(name, sizeof(name), o.instance);
	assert_non_null(strstr(err, name));
	assert_non_null(strstr(err, "no such region"));
}

/* Another ABI major is refused with both versions in the message. */
static void
test_abi_mismatch_rejected(void **state)
{
	struct dgt_region r;
	struct dg_client_opts o = { .instance = dgt_instance(2) };
	struct dg_client *c = NULL;
	char err[256], want[64];

	(void)state;
	dgt_region_create(&r, o.instance, 1, 0, 0);
	r.reg.hdr->abi_major = DG_SHM_ABI_MAJOR + 1;
	r.reg.hdr->abi_minor = 3;
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), -EPROTO);
	assert_null(c);
	(void)snprintf(want, sizeof(want), "ABI %u.3, this client %u.%u",
		       DG_SHM_ABI_MAJOR + 1, DG_SHM_ABI_MAJOR, DG_SHM_ABI_MINOR);
	assert_non_null(strstr(err, want));
	/* A newer minor is compatible. */
	r.reg.hdr->abi_major = DG_SHM_ABI_MAJOR;
	r.reg.hdr->abi_minor = DG_SHM_ABI_MINOR + 1;
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), 0);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A region still in INIT is "not yet"; with allow_absent the client
 * attaches by itself once it is READY. */
static void
test_not_ready_then_ready(void **state)
{
	struct dgt_region r;
	struct dg_client_opts o = {
		.instance = dgt_instance(3), .retry_ms = 10,
	};
	struct dg_client *c = NULL;
	struct evlog l = { 0 };
	char err[256];
	unsigned int i;

	(void)state;
	dgt_region_create(&r, o.instance, 2, 0, 0);
	atomic_store(&r.reg.hdr->state, DG_SHM_STATE_INIT);
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), -EAGAIN);
	o.allow_absent = true;
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), 0);
	assert_false(dg_client_connected(c));
	assert_int_equal(dg_client_pick_worker(c), -ENOTCONN);
	dg_shm_publish(r.reg.hdr);
	for (i = 0; i < 100 && !dg_client_connected(c); i++) {
		sleep_ms(5);
		(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	}
	assert_true(dg_client_connected(c));
	assert_int_equal(dg_client_generation(c), r.reg.hdr->generation);
	/* The first attach is not a generation change. */
	assert_false(dg_client_generation_changed(c));
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A region whose data plane stopped stamping alive_ns is refused, and so
 * is a stopped one. */
static void
test_stale_region_refused(void **state)
{
	struct dgt_region r;
	struct dg_client_opts o = { .instance = dgt_instance(4) };
	struct dg_client *c = NULL;
	char err[256];

	(void)state;
	dgt_region_create(&r, o.instance, 1, 0, 0);
	atomic_store(&r.reg.hdr->alive_ns, dg_shm_now_ns() -
		     (DG_SHM_DEAD_AFTER_MS + 1000) * 1000000ull);
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), -ENOTCONN);
	assert_non_null(strstr(err, "not alive"));
	dgt_alive(&r);
	atomic_store(&r.reg.hdr->state, DG_SHM_STATE_STOPPED);
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "stopped"));
	dgt_region_destroy(&r);
}

/* Only one client drives the rings; a read-only client still reads
 * statistics, and cannot send. */
static void
test_second_client_busy(void **state)
{
	struct dgt_region r;
	struct dg_client_opts o = { .instance = dgt_instance(5) };
	struct dg_client *c1, *c2 = NULL, *ro = NULL;
	struct dg_msg m;
	char err[256], want[64];

	(void)state;
	dgt_region_create(&r, o.instance, 1, 0, 0);
	c1 = client_open(o.instance, 0);
	assert_int_equal(atomic_load(&r.reg.hdr->client_pid), (uint32_t)getpid());
	assert_int_equal(dg_client_open(&c2, &o, err, sizeof(err)), -EBUSY);
	(void)snprintf(want, sizeof(want), "pid %d", (int)getpid());
	assert_non_null(strstr(err, want));
	o.read_only = true;
	assert_int_equal(dg_client_open(&ro, &o, err, sizeof(err)), 0);
	dgt_worker_stats(&r, 0)->sessions_in_use = 42;
	assert_int_equal(dg_shm_stat_read(&dg_client_worker_stats(ro, 0)->
					  sessions_in_use), 42);
	assert_null(dg_client_worker_stats(ro, 1));
	cmd_init(&m, DG_MSG_FLUSH, 0);
	assert_int_equal(dg_client_send(ro, 0, &m, NULL, NULL), -EPERM);
	dg_client_close(ro);
	/* The lock goes with the client. */
	dg_client_close(c1);
	o.read_only = false;
	assert_int_equal(dg_client_open(&c2, &o, err, sizeof(err)), 0);
	dg_client_close(c2);
	dgt_region_destroy(&r);
}

/* The pick is the worker with the fewest sessions counting creates in
 * flight, skipping a worker whose pool is full. */
static void
test_pick_least_loaded(void **state)
{
	struct dgt_region r;
	struct dg_client *c;
	struct dg_msg m, got;
	unsigned int w;

	(void)state;
	dgt_region_create(&r, dgt_instance(6), 3, 0, 0);
	c = client_open(r.instance, 0);
	for (w = 0; w < 3; w++)
		dgt_worker_stats(&r, w)->ports_total = 4096;
	dgt_worker_stats(&r, 0)->sessions_in_use = 5;
	dgt_worker_stats(&r, 1)->sessions_in_use = 2;
	dgt_worker_stats(&r, 2)->sessions_in_use = 9;
	assert_int_equal(dg_client_pick_worker(c), 1);
	/* Four creates in flight on worker 1 make it 6: worker 0 wins. */
	for (w = 0; w < 4; w++) {
		cmd_init(&m, DG_MSG_SESSION_CREATE, 100 + w);
		assert_int_equal(dg_client_send(c, 1, &m, NULL, NULL), 0);
	}
	assert_int_equal(dg_client_pick_worker(c), 0);
	/* Worker 0's pool is full: worker 1 (6) beats worker 2 (9). */
	dgt_worker_stats(&r, 0)->ports_in_use = 4094;
	assert_int_equal(dg_client_pick_worker(c), 1);
	/* Once acknowledged, the creates count through the statistics. */
	for (w = 0; w < 4; w++) {
		assert_int_equal(dgt_take(&r, 1, &got), 1);
		dgt_ack(&r, 1, &got, 0);
	}
	(void)dg_client_poll_events(c, evlog_fn, &(struct evlog){ 0 }, 0);
	dgt_worker_stats(&r, 1)->sessions_in_use = 6;
	dgt_worker_stats(&r, 2)->sessions_in_use = 6;
	dgt_worker_stats(&r, 0)->ports_in_use = 0;
	dgt_worker_stats(&r, 0)->sessions_in_use = 6;
	/* A tie goes round-robin over all three. */
	assert_int_equal(dg_client_pick_worker(c), 2);
	assert_int_equal(dg_client_pick_worker(c), 0);
	assert_int_equal(dg_client_pick_worker(c), 1);
	for (w = 0; w < 3; w++)
		dgt_worker_stats(&r, w)->ports_in_use = 4096;
	assert_int_equal(dg_client_pick_worker(c), -ENOSPC);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* Replies answered out of order reach the cookie of their own command;
 * SESSION_STATS before the ACK is not final, the ACK is; the CREATE's
 * allocated ports come through. */
static void
test_ack_out_of_order(void **state)
{
	struct dgt_region r;
	struct dg_client_stats s;
	struct dg_client *c;
	struct dg_msg m, cmd[3], st;
	struct evlog l = { 0 };
	int cookie[3];
	uint32_t seq[3];

	(void)state;
	dgt_region_create(&r, dgt_instance(7), 2, 0, 0);
	c = client_open(r.instance, 0);
	cmd_init(&m, DG_MSG_SESSION_CREATE, 11);
	assert_int_equal(dg_client_send(c, 0, &m, &cookie[0], &seq[0]), 0);
	cmd_init(&m, DG_MSG_SESSION_QUERY, 12);
	assert_int_equal(dg_client_send(c, 1, &m, &cookie[1], &seq[1]), 0);
	cmd_init(&m, DG_MSG_SESSION_DELETE, 13);
	assert_int_equal(dg_client_send(c, 0, &m, &cookie[2], &seq[2]), 0);
	assert_true(seq[0] != 0 && seq[1] != seq[0] && seq[2] != seq[1]);
	assert_int_equal(dgt_take(&r, 0, &cmd[0]), 1);
	assert_int_equal(dgt_take(&r, 1, &cmd[1]), 1);
	assert_int_equal(dgt_take(&r, 0, &cmd[2]), 1);
	assert_int_equal(cmd[0].hdr.seq, seq[0]);
	assert_int_equal(cmd[2].hdr.seq, seq[2]);
	assert_int_equal(cmd[2].hdr.session_id, 13);

	/* Worker 0 answers the DELETE first, then worker 1 the QUERY (stats
	 * then ACK), then worker 0 the CREATE. */
	dgt_ack(&r, 0, &cmd[2], -ENOENT);
	memset(&st, 0, sizeof(st));
	st.hdr.type = DG_MSG_SESSION_STATS;
	st.hdr.seq = cmd[1].hdr.seq;
	st.hdr.session_id = 12;
	st.u.stats.leg[0].rx_pkts = 77;
	assert_int_equal(dgt_put(&r, 1, &st), 1);
	dgt_ack(&r, 1, &cmd[1], 0);
	assert_int_equal(dg_client_poll_events(c, evlog_fn, &l, 0), 3);
	memset(&m, 0, sizeof(m));
	m.hdr.type = DG_MSG_ACK;
	m.hdr.seq = cmd[0].hdr.seq;
	m.hdr.session_id = 11;
	m.u.ack.cmd_type = DG_MSG_SESSION_CREATE;
	m.u.ack.leg[0].rtp = 32770;
	m.u.ack.leg[0].rtcp = 32771;
	m.u.ack.leg[1].rtp = 32772;
	m.u.ack.leg[1].rtcp = 32772;
	assert_int_equal(dgt_put(&r, 0, &m), 1);
	assert_int_equal(dg_client_poll_events(c, evlog_fn, &l, 0), 1);

	assert_int_equal(l.n, 4);
	/* Worker 0's ring is read first: the DELETE's ACK. */
	assert_ptr_equal(l.cookie[0], &cookie[2]);
	assert_true(l.final[0]);
	assert_int_equal(l.msg[0].u.ack.status, -ENOENT);
	assert_ptr_equal(l.cookie[1], &cookie[1]);
	assert_false(l.final[1]);
	assert_int_equal(l.msg[1].hdr.type, DG_MSG_SESSION_STATS);
	assert_int_equal(l.msg[1].u.stats.leg[0].rx_pkts, 77);
	assert_ptr_equal(l.cookie[2], &cookie[1]);
	assert_true(l.final[2]);
	assert_int_equal(l.worker[2], 1);
	assert_ptr_equal(l.cookie[3], &cookie[0]);
	assert_true(l.final[3]);
	assert_int_equal(l.msg[3].u.ack.status, 0);
	assert_int_equal(l.msg[3].u.ack.leg[0].rtp, 32770);
	assert_int_equal(l.msg[3].u.ack.leg[1].rtcp, 32772);

	/* A second ACK for a finished command is late, not delivered. */
	dgt_ack(&r, 0, &cmd[0], 0);
	assert_int_equal(dg_client_poll_events(c, evlog_fn, &l, 0), 1);
	assert_int_equal(l.n, 4);
	dg_client_stats_get(c, &s);
	assert_int_equal(s.late, 1);
	assert_int_equal(s.replies, 4);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A command without reply gets an -ETIMEDOUT ACK with its cookie after the
 * deadline and not before; its real reply, later, is dropped. */
static void
test_timeout(void **state)
{
	struct dgt_region r;
	struct dg_client *c;
	struct dg_client_stats s;
	struct dg_msg m, got;
	struct evlog l = { 0 };
	int cookie;

	(void)state;
	dgt_region_create(&r, dgt_instance(8), 1, 0, 0);
	c = client_open(r.instance, 100);
	cmd_init(&m, DG_MSG_SESSION_CREATE, 21);
	assert_int_equal(dg_client_send(c, 0, &m, &cookie, NULL), 0);
	assert_int_equal(dg_client_poll_events(c, evlog_fn, &l, 0), 0);
	assert_int_equal(l.n, 0);
	sleep_ms(150);
	(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.cookie[0], &cookie);
	assert_true(l.final[0]);
	assert_int_equal(l.msg[0].hdr.type, DG_MSG_ACK);
	assert_int_equal(l.msg[0].u.ack.status, -ETIMEDOUT);
	assert_int_equal(l.msg[0].u.ack.cmd_type, DG_MSG_SESSION_CREATE);
	assert_int_equal(l.msg[0].hdr.session_id, 21);
	assert_int_equal(dgt_take(&r, 0, &got), 1);
	dgt_ack(&r, 0, &got, 0);
	(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	assert_int_equal(l.n, 1);
	dg_client_stats_get(c, &s);
	assert_int_equal(s.timeouts, 1);
	assert_int_equal(s.late, 1);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* Unsolicited events reach the callback with no cookie; non-event types
 * written into an event ring are dropped. */
static void
test_unsolicited(void **state)
{
	struct dgt_region r;
	struct dg_client *c;
	struct dg_client_stats s;
	struct dg_msg m;
	struct evlog l = { 0 };

	(void)state;
	dgt_region_create(&r, dgt_instance(9), 2, 0, 0);
	c = client_open(r.instance, 0);
	memset(&m, 0, sizeof(m));
	m.hdr.type = DG_MSG_MEDIA_TIMEOUT;
	m.hdr.session_id = 31;
	m.u.stats.reason = DG_TIMEOUT_STOPPED;
	assert_int_equal(dgt_put(&r, 1, &m), 1);
	m.hdr.type = DG_MSG_SESSION_CREATE;
	assert_int_equal(dgt_put(&r, 1, &m), 1);
	(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	assert_int_equal(l.n, 1);
	assert_null(l.cookie[0]);
	assert_false(l.final[0]);
	assert_int_equal(l.worker[0], 1);
	assert_int_equal(l.msg[0].hdr.session_id, 31);
	assert_int_equal(l.msg[0].u.stats.reason, DG_TIMEOUT_STOPPED);
	dg_client_stats_get(c, &s);
	assert_int_equal(s.unsolicited, 1);
	assert_int_equal(s.invalid, 1);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A full command ring refuses with -EAGAIN; bad worker and event types as
 * commands are -EINVAL. */
static void
test_send_errors(void **state)
{
	struct dgt_region r;
	struct dg_client *c;
	struct dg_msg m;
	unsigned int i;

	(void)state;
	dgt_region_create(&r, dgt_instance(10), 1, 4, 0);
	c = client_open(r.instance, 0);
	cmd_init(&m, DG_MSG_SESSION_DELETE, 1);
	assert_int_equal(dg_client_send(c, 1, &m, NULL, NULL), -EINVAL);
	cmd_init(&m, DG_MSG_ACK, 1);
	assert_int_equal(dg_client_send(c, 0, &m, NULL, NULL), -EINVAL);
	cmd_init(&m, DG_MSG_SESSION_DELETE, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(dg_client_send(c, 0, &m, NULL, NULL), 0);
	assert_int_equal(dg_client_send(c, 0, &m, NULL, NULL), -EAGAIN);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

struct worker_thread {
	struct dgt_region *r;
	int status;
};

/* Plays worker 0 for the blocking call: answers one QUERY with a stats
 * event and an ACK. */
static void *
worker_thread_main(void *arg)
{
	struct worker_thread *wt = arg;
	struct dg_msg cmd, st;
	unsigned int i;

	for (i = 0; i < 5000; i++) {
		if (dgt_take(wt->r, 0, &cmd) == 1)
			break;
		sleep_ms(1);
	}
	if (i == 5000)
		return NULL;
	memset(&st, 0, sizeof(st));
	st.hdr.type = DG_MSG_SESSION_STATS;
	st.hdr.seq = cmd.hdr.seq;
	st.hdr.session_id = cmd.hdr.session_id;
	st.u.stats.leg[1].tx_pkts = 5;
	(void)dgt_put(wt->r, 0, &st);
	dgt_ack(wt->r, 0, &cmd, wt->status);
	return NULL;
}

/* The blocking call returns the ACK of its command, passing the stats
 * reply to the callback; with nobody answering it returns -ETIMEDOUT. */
static void
test_call(void **state)
{
	struct dgt_region r;
	struct worker_thread wt;
	struct dg_client *c;
	struct dg_msg m, ack;
	struct evlog l = { 0 };
	pthread_t t;

	(void)state;
	dgt_region_create(&r, dgt_instance(11), 1, 0, 0);
	c = client_open(r.instance, 0);
	wt.r = &r;
	wt.status = -ENOENT;
	assert_int_equal(pthread_create(&t, NULL, worker_thread_main, &wt), 0);
	cmd_init(&m, DG_MSG_SESSION_QUERY, 41);
	assert_int_equal(dg_client_call(c, 0, &m, &ack, evlog_fn, &l, 5000), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ack.hdr.type, DG_MSG_ACK);
	assert_int_equal(ack.hdr.session_id, 41);
	assert_int_equal(ack.u.ack.status, -ENOENT);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.msg[0].u.stats.leg[1].tx_pkts, 5);
	assert_int_equal(dg_client_call(c, 0, &m, &ack, NULL, NULL, 50),
			 -ETIMEDOUT);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A data plane that stops stamping alive_ns is declared dead: commands in
 * flight fail with -ENOTCONN and the client detaches. */
static void
test_dead_dataplane(void **state)
{
	struct dg_client_opts o = {
		.instance = dgt_instance(12), .dead_after_ms = 200,
	};
	struct dgt_region r;
	struct dg_client *c;
	struct dg_msg m;
	struct evlog l = { 0 };
	char err[256];
	int cookie, i;

	(void)state;
	dgt_region_create(&r, o.instance, 1, 0, 0);
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), 0);
	cmd_init(&m, DG_MSG_FLUSH, 0);
	assert_int_equal(dg_client_send(c, 0, &m, &cookie, NULL), 0);
	/* Alive for a while: still connected. */
	for (i = 0; i < 6; i++) {
		dgt_alive(&r);
		sleep_ms(60);
		(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	}
	assert_true(dg_client_connected(c));
	assert_int_equal(l.n, 0);
	for (i = 0; i < 10 && dg_client_connected(c); i++) {
		sleep_ms(60);
		(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	}
	assert_false(dg_client_connected(c));
	assert_non_null(strstr(dg_client_error_text(c), "not alive"));
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.cookie[0], &cookie);
	assert_int_equal(l.msg[0].u.ack.status, -ENOTCONN);
	assert_int_equal(dg_client_send(c, 0, &m, NULL, NULL), -ENOTCONN);
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A restarted data plane (new region, new generation) is noticed: the old
 * one's commands fail, the client attaches to the new one, and
 * dg_client_generation_changed says so exactly once. */
static void
test_generation_change(void **state)
{
	struct dgt_region r1, r2;
	struct dg_client_opts o = {
		.instance = dgt_instance(13), .retry_ms = 10,
	};
	struct dg_client *c;
	struct dg_msg m, got;
	struct evlog l = { 0 };
	char err[256];
	uint64_t g1;
	int cookie, i;

	(void)state;
	dgt_region_create(&r1, o.instance, 2, 0, 0);
	assert_int_equal(dg_client_open(&c, &o, err, sizeof(err)), 0);
	g1 = dg_client_generation(c);
	assert_int_equal(g1, r1.reg.hdr->generation);
	assert_false(dg_client_generation_changed(c));
	cmd_init(&m, DG_MSG_SESSION_DELETE, 5);
	assert_int_equal(dg_client_send(c, 1, &m, &cookie, NULL), 0);

	/* drongo-dp crashes and restarts: the old mapping stays with the
	 * client, the name leads to a new region. */
	dgt_region_create(&r2, o.instance, 3, 0, 0);
	assert_true(r2.reg.hdr->generation != g1);
	for (i = 0; i < 100 && dg_client_generation(c) != r2.reg.hdr->generation;
	     i++) {
		dgt_alive(&r2);
		sleep_ms(20);
		(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	}
	assert_true(dg_client_connected(c));
	assert_int_equal(dg_client_generation(c), r2.reg.hdr->generation);
	assert_true(dg_client_generation_changed(c));
	assert_false(dg_client_generation_changed(c));
	assert_int_equal(dg_client_hdr(c)->worker_count, 3);
	assert_int_equal(l.n, 1);
	assert_ptr_equal(l.cookie[0], &cookie);
	assert_int_equal(l.msg[0].u.ack.status, -ENOTCONN);

	/* The new region's rings work. */
	cmd_init(&m, DG_MSG_FLUSH, 0);
	assert_int_equal(dg_client_send(c, 2, &m, &cookie, NULL), 0);
	assert_int_equal(dgt_take(&r2, 2, &got), 1);
	dgt_ack(&r2, 2, &got, 0);
	assert_int_equal(dg_client_poll_events(c, evlog_fn, &l, 0), 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.msg[1].u.ack.status, 0);
	dg_client_close(c);
	(void)munmap(r1.reg.hdr, r1.reg.len);
	dgt_region_destroy(&r2);
}

/* Every allocation failure of dg_client_open is a clean -ENOMEM with
 * nothing left behind (the sanitizer build checks for leaks), the region
 * lock included: the open after the failures succeeds. */
static void
test_open_alloc_failure(void **state)
{
	struct dg_client_opts o = { .instance = dgt_instance(15) };
	struct dgt_region r;
	struct dg_client *c = NULL;
	char err[256];
	unsigned int n;
	int ret = -ENOMEM;

	(void)state;
	dgt_region_create(&r, o.instance, 2, 0, 0);
	for (n = 1; n < 10 && ret == -ENOMEM; n++) {
		calloc_calls = 0;
		calloc_fail_at = n;
		ret = dg_client_open(&c, &o, err, sizeof(err));
		if (ret == -ENOMEM)
			assert_null(c);
	}
	calloc_fail_at = 0;
	assert_int_equal(ret, 0);
	assert_true(n > 2);
	assert_true(dg_client_connected(c));
	dg_client_close(c);
	dgt_region_destroy(&r);
}

/* A clean stop (STOPPED) is noticed at once, not after the dead timer. */
static void
test_clean_stop(void **state)
{
	struct dgt_region r;
	struct dg_client *c;
	struct evlog l = { 0 };
	int i;

	(void)state;
	dgt_region_create(&r, dgt_instance(14), 1, 0, 0);
	c = client_open(r.instance, 0);
	atomic_store(&r.reg.hdr->state, DG_SHM_STATE_STOPPED);
	for (i = 0; i < 20 && dg_client_connected(c); i++) {
		sleep_ms(20);
		(void)dg_client_poll_events(c, evlog_fn, &l, 0);
	}
	assert_false(dg_client_connected(c));
	assert_non_null(strstr(dg_client_error_text(c), "stopped"));
	dg_client_close(c);
	dgt_region_destroy(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_region),
		cmocka_unit_test(test_abi_mismatch_rejected),
		cmocka_unit_test(test_not_ready_then_ready),
		cmocka_unit_test(test_stale_region_refused),
		cmocka_unit_test(test_second_client_busy),
		cmocka_unit_test(test_pick_least_loaded),
		cmocka_unit_test(test_ack_out_of_order),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_unsolicited),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_dead_dataplane),
		cmocka_unit_test(test_generation_change),
		cmocka_unit_test(test_clean_stop),
		cmocka_unit_test(test_open_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
