/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the Redis location store against a real redis-server: the
 * behaviour every store shares (tests/unit/registrar/loc_checks.c), then
 * what only a shared store has: two nodes doing compare-and-swap on one
 * AoR lose nothing, a script flushed from the server is sent again,
 * bindings come back byte for byte (IPv6 source, NUL in a string) with
 * socket and connection ids only to the node that stored them, keys
 * leave Redis by TTL, and a lost connection fails operations cleanly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "loc_checks.h"
#include "redis_conn.h"
#include "redis_test_server.h"
#include "sip_loc_redis.h"

static struct uring_loop loop;
static struct rts_server srv;
static struct redis_conn *conn;
static redisContext *cli;

static void
on_state(void *arg, bool up)
{
	*(bool *)arg = up;
}

static struct redis_conn *
conn_open(bool *up)
{
	struct cp_conf_redis rc;
	struct redis_conn *c;

	cp_conf_redis_defaults(&rc);
	rts_conf_server(&srv, &rc.server);
	rc.backoff_min_ms = 10;
	rc.backoff_max_ms = 50;
	*up = false;
	if (redis_conn_create(&c, &loop, &rc) != 0)
		return NULL;
	if (redis_conn_on_state(c, on_state, up) != 0 ||
			!rts_run_until(&loop, up, 5000)) {
		redis_conn_destroy(c);
		return NULL;
	}
	return c;
}

static bool conn_up;

static int
group_setup(void **state)
{
	(void)state;
	if (rts_start(&srv, false, NULL) != 0)
		return -1;
	if (uring_loop_init(&loop, 256) != 0)
		return -1;
	conn = conn_open(&conn_up);
	cli = rts_client(&srv);
	return conn != NULL && cli != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	redis_conn_destroy(conn);
	/* Let the cancelled polls complete so their memory goes. */
	rts_run_for(&loop, 20);
	uring_loop_fini(&loop);
	redisFree(cli);
	rts_destroy(&srv);
	return 0;
}

static void
cli_cmd(const char *cmd)
{
	redisReply *r = redisCommand(cli, cmd);

	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
}

static int
redis_create(struct sip_loc **out, uint32_t max_aors, uint32_t max_bindings,
		sip_loc_clock_fn clock, void *clock_arg)
{
	struct sip_loc_redis_conf conf = {
		.conn = conn,
		.max_bindings = max_bindings,
		.clock = clock,
		.clock_arg = clock_arg,
	};

	(void)max_aors;
	cli_cmd("FLUSHALL");
	return sip_loc_redis_create(out, &conf);
}

struct settle_wait {
	struct uring_timer t;
	bool expired;
};

static void
on_settle_timeout(struct uring_timer *t)
{
	((struct settle_wait *)t)->expired = true;
}

static void
redis_settle(struct sip_loc *loc)
{
	struct settle_wait w = { .expired = false };
	struct redis_conn_stats st;

	(void)loc;
	uring_timer_init(&w.t, on_settle_timeout);
	assert_int_equal(uring_timer_start(&loop.timers, &w.t, 5000), 0);
	for (;;) {
		redis_conn_stats(conn, &st);
		if (st.pending == 0 || w.expired)
			break;
		assert_true(uring_loop_run_once(&loop, true) >= 0);
	}
	uring_timer_cancel(&loop.timers, &w.t);
	assert_int_equal(st.pending, 0);
}

static size_t
redis_aors(struct sip_loc *loc)
{
	redisReply *r;
	size_t n;

	(void)loc;
	r = redisCommand(cli, "KEYS drongo:loc:sip*");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	n = r->elements;
	freeReplyObject(r);
	return n;
}

static const struct loc_check_backend redis_backend = {
	.create = redis_create,
	.settle = redis_settle,
	.aors = redis_aors,
	.limits_aors = false,
};

/* What a completion saw. */
struct seen {
	int calls;
	int err;
	uint64_t version;
	unsigned int n;
	struct sip_loc_binding first;
	char ua[64];
	size_t ua_len;
	char contacts[64][48];
};

static void
on_seen(void *arg, int err, const struct sip_loc_record *rec)
{
	struct seen *s = arg;
	unsigned int i;

	s->calls++;
	s->err = err;
	if (rec == NULL)
		return;
	s->version = rec->version;
	s->n = rec->n_bindings;
	for (i = 0; i < rec->n_bindings && i < 64; i++)
		snprintf(s->contacts[i], sizeof(s->contacts[i]), "%.*s",
			(int)rec->bindings[i].contact.len,
			rec->bindings[i].contact.p);
	if (rec->n_bindings > 0) {
		s->first = rec->bindings[0];
		s->ua_len = rec->bindings[0].user_agent.len;
		if (s->ua_len > 0 && s->ua_len <= sizeof(s->ua))
			memcpy(s->ua, rec->bindings[0].user_agent.p, s->ua_len);
	}
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

static struct sip_loc_binding
mk(const char *contact, const char *call_id, uint32_t cseq)
{
	struct sip_loc_binding b;

	memset(&b, 0, sizeof(b));
	b.contact = pl(contact);
	b.call_id = pl(call_id);
	b.cseq = cseq;
	b.q = 1000;
	return b;
}

static struct sip_loc *
store_new(struct redis_conn *c, uint32_t max_bindings)
{
	struct sip_loc_redis_conf conf = { .conn = c, .max_bindings = max_bindings };
	struct sip_loc *loc;

	assert_int_equal(sip_loc_redis_create(&loc, &conf), 0);
	return loc;
}

/* Wait for one completion. */
static void
wait_seen(struct seen *s)
{
	bool done = false;
	int i;

	for (i = 0; i < 5000 && !done; i++) {
		done = s->calls > 0;
		if (!done)
			(void)rts_run_until(&loop, &done, 1);
	}
	assert_int_equal(s->calls, 1);
}

/* Strings come back byte for byte (a NUL inside), with an IPv6 source. */
static void
test_binary_fields(void **state)
{
	struct sip_loc_binding b = mk("sip:a@[2001:db8::1]:5062", "c\r\n1", 3);
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&b.source.addr;
	static const char ua[] = { 'P', '\0', 'x', (char)0xff };
	struct sip_loc *loc;
	struct seen s = { 0 };
	unsigned int i;

	(void)state;
	cli_cmd("FLUSHALL");
	loc = store_new(conn, 10);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(5062);
	sin6->sin6_scope_id = 7;
	inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
	b.user_agent = (struct dg_pl){ ua, sizeof(ua) };
	b.n_path = SIP_LOC_PATH_MAX;
	for (i = 0; i < SIP_LOC_PATH_MAX; i++)
		b.path[i] = pl("<sip:p.example.com;lr>");
	b.source.transport = SIP_LOC_TP_WSS;
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &b, 60, on_seen, &s), 0);
	assert_int_equal(s.calls, 0);
	wait_seen(&s);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.ua_len, sizeof(ua));
	assert_memory_equal(s.ua, ua, sizeof(ua));
	assert_int_equal(s.first.n_path, SIP_LOC_PATH_MAX);
	assert_int_equal(s.first.source.transport, SIP_LOC_TP_WSS);
	assert_memory_equal(&s.first.source.addr, &b.source.addr,
			sizeof(b.source.addr));
	assert_false(dg_pl_isset(s.first.instance));
	sip_loc_destroy(loc);
}

/* A binding's socket and connection ids mean something only to the node
 * that stored it: another node reads them as 0, the rest alike. */
static void
test_ids_per_node(void **state)
{
	struct sip_loc_binding b = mk("sip:a@192.0.2.1", "c", 1);
	struct sip_loc_redis_conf ca = { .conn = conn, .node_id = 1 };
	struct sip_loc_redis_conf cb = { .conn = conn, .node_id = 2 };
	struct sip_loc *la, *lb;
	struct seen s = { 0 };

	(void)state;
	cli_cmd("FLUSHALL");
	assert_int_equal(sip_loc_redis_create(&la, &ca), 0);
	assert_int_equal(sip_loc_redis_create(&lb, &cb), 0);
	b.source.transport = SIP_LOC_TP_TCP;
	b.source.socket_id = 5;
	b.source.conn_id = 77;
	assert_int_equal(sip_loc_save(la, pl("sip:u@h"), &b, 60, on_seen, &s), 0);
	wait_seen(&s);
	assert_int_equal(s.first.source.conn_id, 77);
	assert_int_equal(s.first.source.socket_id, 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(sip_loc_lookup(lb, pl("sip:u@h"), on_seen, &s), 0);
	wait_seen(&s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.first.source.conn_id, 0);
	assert_int_equal(s.first.source.socket_id, 0);
	assert_int_equal(s.first.source.transport, SIP_LOC_TP_TCP);
	assert_string_equal(s.contacts[0], "sip:a@192.0.2.1");
	sip_loc_destroy(la);
	sip_loc_destroy(lb);
}

/* An AoR's key carries the TTL of its last binding (plus a little). */
static void
test_key_ttl(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1), b = mk("sip:b@h", "c", 1);
	struct sip_loc *loc;
	struct seen s = { 0 };
	redisReply *r;

	(void)state;
	cli_cmd("FLUSHALL");
	loc = store_new(conn, 10);
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &a, 60, on_seen, &s), 0);
	wait_seen(&s);
	memset(&s, 0, sizeof(s));
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &b, 600, on_seen, &s), 0);
	wait_seen(&s);
	r = redisCommand(cli, "TTL drongo:loc:sip:u@h");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_in_range(r->integer, 595, 606);
	freeReplyObject(r);
	sip_loc_destroy(loc);
}

/* A script flushed from the server's cache is sent again with EVAL. */
static void
test_noscript_fallback(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1);
	struct sip_loc_redis_stats st;
	struct sip_loc *loc;
	struct seen s = { 0 };

	(void)state;
	cli_cmd("FLUSHALL");
	cli_cmd("SCRIPT FLUSH");
	loc = store_new(conn, 10);
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &a, 60, on_seen, &s), 0);
	wait_seen(&s);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.n, 1);
	sip_loc_redis_stats(loc, &st);
	assert_int_equal(st.noscript, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(sip_loc_lookup(loc, pl("sip:u@h"), on_seen, &s), 0);
	wait_seen(&s);
	assert_int_equal(s.n, 1);
	sip_loc_redis_stats(loc, &st);
	assert_int_equal(st.noscript, 1);
	assert_int_equal(st.ops, 2);
	sip_loc_destroy(loc);
}

/* One node's read-modify-write loop adding its contacts one by one. */
struct node {
	struct sip_loc *loc;
	const char *name;
	unsigned int next;		/* next contact to add */
	unsigned int total;
	unsigned int stale;		/* CAS lost to the other node */
	char contact[48];
	char call_id[48];
	bool done;
	int err;
};

static void node_step(struct node *nd);

static void
node_on_replace(void *arg, int err, const struct sip_loc_record *rec)
{
	struct node *nd = arg;

	(void)rec;
	if (err == -ESTALE) {
		nd->stale++;
	} else if (err < 0) {
		nd->err = err;
		nd->done = true;
		return;
	} else {
		nd->next++;
	}
	node_step(nd);
}

static void
node_on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	struct sip_loc_binding set[64];
	struct node *nd = arg;
	unsigned int i;

	if (err < 0 || rec->n_bindings >= 63) {
		nd->err = err < 0 ? err : -ENOSPC;
		nd->done = true;
		return;
	}
	for (i = 0; i < rec->n_bindings; i++)
		set[i] = rec->bindings[i];
	snprintf(nd->contact, sizeof(nd->contact), "sip:%s-%u@h", nd->name,
		nd->next);
	snprintf(nd->call_id, sizeof(nd->call_id), "%s-%u", nd->name, nd->next);
	set[i] = mk(nd->contact, nd->call_id, 1);
	set[i].expires = LOC_CHECK_T0 + 4000000000ull;
	/* The record's views stay valid during this call: replace copies. */
	err = sip_loc_replace(nd->loc, pl("sip:shared@h"), set, i + 1,
		rec->version, node_on_replace, nd);
	if (err < 0) {
		nd->err = err;
		nd->done = true;
	}
}

static void
node_step(struct node *nd)
{
	int err;

	if (nd->next == nd->total) {
		nd->done = true;
		return;
	}
	err = sip_loc_lookup(nd->loc, pl("sip:shared@h"), node_on_lookup, nd);
	if (err < 0) {
		nd->err = err;
		nd->done = true;
	}
}

/* Two nodes (two connections) adding contacts to one AoR at once by
 * compare-and-swap: every contact of both ends up stored, and the nodes
 * really raced (some swaps lost and were retried). */
static void
test_two_nodes_cas(void **state)
{
	struct node a = { .name = "a", .total = 25 }, b = { .name = "b", .total = 25 };
	struct redis_conn *conn2;
	struct seen s = { 0 };
	char want[48];
	bool up2 = false, both = false;
	unsigned int i, j, found;

	(void)state;
	cli_cmd("FLUSHALL");
	conn2 = conn_open(&up2);
	assert_non_null(conn2);
	a.loc = store_new(conn, 64);
	b.loc = store_new(conn2, 64);
	node_step(&a);
	node_step(&b);
	while (!both) {
		(void)rts_run_until(&loop, &a.done, 5000);
		(void)rts_run_until(&loop, &b.done, 5000);
		both = a.done && b.done;
	}
	assert_int_equal(a.err, 0);
	assert_int_equal(b.err, 0);
	assert_true(a.stale + b.stale > 0);
	assert_int_equal(sip_loc_lookup(a.loc, pl("sip:shared@h"), on_seen, &s), 0);
	wait_seen(&s);
	assert_int_equal(s.n, 50);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 25; j++) {
			snprintf(want, sizeof(want), "sip:%s-%u@h", i ? "b" : "a", j);
			for (found = 0; found < s.n; found++)
				if (strcmp(s.contacts[found], want) == 0)
					break;
			if (found == s.n)
				fail_msg("%s lost", want);
		}
	}
	sip_loc_destroy(a.loc);
	sip_loc_destroy(b.loc);
	redis_conn_destroy(conn2);
	rts_run_for(&loop, 10);
}

/* The server dies with an operation in flight: it completes once with
 * -EIO; the next is refused at once with -EAGAIN; after the restart the
 * store works again (its script is loaded again by itself). */
static void
test_server_lost(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1);
	struct sip_loc *loc;
	struct seen s = { 0 };
	int i;

	(void)state;
	cli_cmd("FLUSHALL");
	loc = store_new(conn, 10);
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &a, 60, on_seen, &s), 0);
	rts_stop(&srv);
	wait_seen(&s);
	assert_int_equal(s.err, -EIO);
	(void)rts_run_until(&loop, &(bool){ false }, 20);
	assert_false(redis_conn_up(conn));
	assert_int_equal(sip_loc_lookup(loc, pl("sip:u@h"), on_seen, &s), -EAGAIN);
	assert_int_equal(s.calls, 1);
	assert_int_equal(rts_restart(&srv), 0);
	assert_true(rts_run_until(&loop, &conn_up, 5000));
	redisFree(cli);
	cli = rts_client(&srv);
	assert_non_null(cli);
	for (i = 0; i < 2; i++) {
		memset(&s, 0, sizeof(s));
		a.cseq = (uint32_t)(2 + i);
		assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &a, 60, on_seen,
				&s), 0);
		wait_seen(&s);
		assert_int_equal(s.err, 0);
		assert_int_equal(s.n, 1);
	}
	sip_loc_destroy(loc);
}

int
main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_binary_fields),
		cmocka_unit_test(test_ids_per_node),
		cmocka_unit_test(test_key_ttl),
		cmocka_unit_test(test_noscript_fallback),
		cmocka_unit_test(test_two_nodes_cas),
		cmocka_unit_test(test_server_lost),
	};
	const struct CMUnitTest *shared;
	size_t n;
	int fails;

	loc_check_be = &redis_backend;
	shared = loc_checks_tests(&n);
	fails = _cmocka_run_group_tests("redis_checks", shared, n, group_setup,
			group_teardown);
	fails += cmocka_run_group_tests_name("redis", own, group_setup,
			group_teardown);
	return fails;
}
