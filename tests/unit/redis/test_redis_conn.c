/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the Redis connection against real redis-server processes:
 * commands and binary-safe replies, AUTH and SELECT on connect, a server
 * lost with commands in flight (each completes once with NULL, new ones
 * are refused with -EAGAIN) and found again after its restart, a server
 * that stops answering given up after command_timeout, the master
 * asked of Sentinels in turn, and destruction with commands pending.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis_conn.h"
#include "redis_test_server.h"

static struct uring_loop loop;

/* What a command's completion saw. */
struct got {
	int calls;
	bool null;
	int type;
	long long integer;
	size_t len;
	char str[64];
};

static void
on_reply(void *arg, const struct redisReply *r)
{
	struct got *g = arg;

	g->calls++;
	g->null = r == NULL;
	if (r == NULL)
		return;
	g->type = r->type;
	g->integer = r->integer;
	g->len = r->len;
	if (r->str != NULL && r->len <= sizeof(g->str))
		memcpy(g->str, r->str, r->len);
}

/* State changes heard by a listener. */
struct heard {
	bool up;
	bool down_seen;
	int ups;
	int downs;
};

static void
on_state(void *arg, bool up)
{
	struct heard *h = arg;

	h->up = up;
	h->down_seen = !up;
	if (up)
		h->ups++;
	else
		h->downs++;
}

static int
setup(void **state)
{
	(void)state;
	return uring_loop_init(&loop, 256) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	/* Cancelled polls complete so that their memory goes. */
	rts_run_for(&loop, 20);
	uring_loop_fini(&loop);
	return 0;
}

static void
conf_for(struct cp_conf_redis *rc, const struct rts_server *s)
{
	cp_conf_redis_defaults(rc);
	rts_conf_server(s, &rc->server);
	rc->backoff_min_ms = 10;
	rc->backoff_max_ms = 40;
	rc->connect_timeout_ms = 500;
}

static void
wait_got(struct got *g)
{
	bool done = false;
	int i;

	for (i = 0; i < 5000 && !done; i++) {
		done = g->calls > 0;
		if (!done)
			(void)rts_run_until(&loop, &done, 1);
	}
	assert_int_equal(g->calls, 1);
}

/* Commands go out on the loop and come back binary-safe; counters add up. */
static void
test_command(void **state)
{
	static const char val[] = { 'a', '\0', '\r', '\n', (char)0xfe };
	const char *argv[3] = { "SET", "k", val };
	size_t argvlen[3] = { 3, 1, sizeof(val) };
	struct redis_conn_stats st;
	struct cp_conf_redis rc;
	struct rts_server srv;
	struct redis_conn *c;
	struct heard h = { 0 };
	struct got g = { 0 };

	(void)state;
	assert_int_equal(rts_start(&srv, false, NULL), 0);
	conf_for(&rc, &srv);
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_false(redis_conn_up(c));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "PING"), -EAGAIN);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	assert_true(redis_conn_up(c));
	assert_int_equal(redis_conn_cmdargv(c, on_reply, &g, 3, argv, argvlen), 0);
	assert_int_equal(g.calls, 0);
	wait_got(&g);
	assert_int_equal(g.type, REDIS_REPLY_STATUS);
	memset(&g, 0, sizeof(g));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "GET %s", "k"), 0);
	wait_got(&g);
	assert_int_equal(g.type, REDIS_REPLY_STRING);
	assert_int_equal(g.len, sizeof(val));
	assert_memory_equal(g.str, val, sizeof(val));
	memset(&g, 0, sizeof(g));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "NOSUCHCOMMAND"), 0);
	wait_got(&g);
	assert_int_equal(g.type, REDIS_REPLY_ERROR);
	redis_conn_stats(c, &st);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.commands, 3);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.pending, 0);
	assert_true(strncmp(redis_conn_server(c), "unix:/tmp/dgredis-", 18) == 0);
	assert_int_equal(redis_conn_cmdargv(c, on_reply, &g, 0, argv, argvlen),
		-EINVAL);
	redis_conn_off_state(c, on_state, &h);
	redis_conn_destroy(c);
	assert_int_equal(h.downs, 0);
	rts_destroy(&srv);
}

/* AUTH and SELECT are sent on connect; a wrong password never comes up. */
static void
test_auth_select(void **state)
{
	struct redis_conn_stats st;
	struct cp_conf_redis rc;
	struct rts_server srv;
	struct redis_conn *c;
	struct heard h = { 0 };
	struct got g = { 0 };
	redisContext *cli;
	redisReply *r;

	(void)state;
	assert_int_equal(rts_start(&srv, false, "requirepass s3cret\n"), 0);
	conf_for(&rc, &srv);
	snprintf(rc.password, sizeof(rc.password), "s3cret");
	rc.db = 5;
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "SET %s %s", "k", "in5"), 0);
	wait_got(&g);
	redis_conn_destroy(c);
	cli = rts_client(&srv);
	assert_non_null(cli);
	r = redisCommand(cli, "AUTH s3cret");
	freeReplyObject(r);
	r = redisCommand(cli, "SELECT 5");
	freeReplyObject(r);
	r = redisCommand(cli, "GET k");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "in5");
	freeReplyObject(r);
	redisFree(cli);
	/* The wrong password: refused at every attempt, never up. */
	snprintf(rc.password, sizeof(rc.password), "wrong");
	memset(&h, 0, sizeof(h));
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	rts_run_for(&loop, 200);
	assert_int_equal(h.ups, 0);
	assert_false(redis_conn_up(c));
	redis_conn_stats(c, &st);
	assert_true(st.connect_failures >= 2);
	assert_int_equal(st.connects, 0);
	redis_conn_destroy(c);
	rts_destroy(&srv);
}

/* The server is killed with commands in flight: each completes once with
 * NULL, listeners hear "down", new commands are refused with -EAGAIN;
 * once the server is back the connection is made again by itself. */
static void
test_loss_and_reconnect(void **state)
{
	struct redis_conn_stats st;
	struct cp_conf_redis rc;
	struct rts_server srv;
	struct redis_conn *c;
	struct heard h = { 0 };
	struct got g[2] = { { 0 } };

	(void)state;
	assert_int_equal(rts_start(&srv, false, NULL), 0);
	conf_for(&rc, &srv);
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	/* BLPOP holds the reply back until the server dies. */
	assert_int_equal(redis_conn_cmd(c, on_reply, &g[0], "BLPOP %s 0", "q"), 0);
	assert_int_equal(redis_conn_cmd(c, on_reply, &g[1], "PING"), 0);
	rts_run_for(&loop, 20);
	assert_int_equal(g[0].calls, 0);
	rts_stop(&srv);
	assert_true(rts_run_until(&loop, &h.down_seen, 5000));
	assert_int_equal(g[0].calls, 1);
	assert_true(g[0].null);
	assert_int_equal(g[1].calls, 1);
	assert_true(g[1].null);
	assert_false(redis_conn_up(c));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g[0], "PING"), -EAGAIN);
	/* Attempts go on (and fail) while the server is away. */
	rts_run_for(&loop, 100);
	redis_conn_stats(c, &st);
	assert_true(st.connect_failures >= 1);
	assert_int_equal(st.disconnects, 1);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.pending, 0);
	assert_int_equal(rts_restart(&srv), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	memset(g, 0, sizeof(g));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g[0], "PING"), 0);
	wait_got(&g[0]);
	assert_false(g[0].null);
	assert_string_equal(g[0].str, "PONG");
	redis_conn_stats(c, &st);
	assert_int_equal(st.connects, 2);
	assert_int_equal(h.ups, 2);
	assert_int_equal(h.downs, 1);
	assert_true(st.refused >= 1);
	redis_conn_destroy(c);
	rts_destroy(&srv);
}

/* A server that stops answering (frozen, its socket open) is given up
 * after command_timeout: the command completes with NULL, the link is
 * down; once it answers again the connection is made again. */
static void
test_hung_server(void **state)
{
	struct redis_conn_stats st;
	struct cp_conf_redis rc;
	struct rts_server srv;
	struct redis_conn *c;
	struct heard h = { 0 };
	struct got g = { 0 };

	(void)state;
	assert_int_equal(rts_start(&srv, false, NULL), 0);
	conf_for(&rc, &srv);
	rc.command_timeout_ms = 100;
	rc.connect_timeout_ms = 100;
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	rts_pause(&srv);
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "PING"), 0);
	rts_run_for(&loop, 50);
	assert_int_equal(g.calls, 0);
	assert_true(rts_run_until(&loop, &h.down_seen, 5000));
	assert_int_equal(g.calls, 1);
	assert_true(g.null);
	assert_false(redis_conn_up(c));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "PING"), -EAGAIN);
	rts_resume(&srv);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	memset(&g, 0, sizeof(g));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "PING"), 0);
	wait_got(&g);
	assert_string_equal(g.str, "PONG");
	redis_conn_stats(c, &st);
	assert_int_equal(st.disconnects, 1);
	assert_int_equal(st.pending, 0);
	redis_conn_destroy(c);
	rts_destroy(&srv);
}

/* The master's address comes from the Sentinels, asked in turn: the first
 * is dead, the second answers. */
static void
test_sentinel(void **state)
{
	struct rts_server master, sentinel, dead;
	struct cp_conf_redis rc;
	struct redis_conn *c;
	struct heard h = { 0 };
	char want[64];

	(void)state;
	assert_int_equal(rts_start(&master, true, NULL), 0);
	assert_int_equal(rts_start_sentinel(&sentinel, "dgm", &master), 0);
	assert_int_equal(rts_start(&dead, true, NULL), 0);
	rts_stop(&dead);
	cp_conf_redis_defaults(&rc);
	rc.backoff_min_ms = 10;
	rc.backoff_max_ms = 40;
	rc.connect_timeout_ms = 500;
	/* The configured address is wrong on purpose: only Sentinels count. */
	rc.server.port = 1;
	rts_conf_server(&dead, &rc.sentinels[0]);
	rts_conf_server(&sentinel, &rc.sentinels[1]);
	rc.n_sentinels = 2;
	snprintf(rc.master, sizeof(rc.master), "dgm");
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	snprintf(want, sizeof(want), "127.0.0.1:%u", master.port);
	assert_string_equal(redis_conn_server(c), want);
	redis_conn_destroy(c);
	/* An unknown master name: never up. */
	snprintf(rc.master, sizeof(rc.master), "nosuch");
	memset(&h, 0, sizeof(h));
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	rts_run_for(&loop, 150);
	assert_int_equal(h.ups, 0);
	redis_conn_destroy(c);
	rts_destroy(&dead);
	rts_destroy(&sentinel);
	rts_destroy(&master);
}

/* Destroyed with a command pending: it completes once, with NULL. */
static void
test_destroy_pending(void **state)
{
	struct cp_conf_redis rc;
	struct rts_server srv;
	struct redis_conn *c;
	struct heard h = { 0 };
	struct got g = { 0 };

	(void)state;
	assert_int_equal(rts_start(&srv, false, NULL), 0);
	conf_for(&rc, &srv);
	assert_int_equal(redis_conn_create(&c, &loop, &rc), 0);
	assert_int_equal(redis_conn_on_state(c, on_state, &h), 0);
	assert_true(rts_run_until(&loop, &h.up, 5000));
	assert_int_equal(redis_conn_cmd(c, on_reply, &g, "BLPOP %s 0", "q"), 0);
	rts_run_for(&loop, 10);
	redis_conn_destroy(c);
	assert_int_equal(g.calls, 1);
	assert_true(g.null);
	rts_destroy(&srv);
}

/* Bad settings are refused at create. */
static void
test_bad_conf(void **state)
{
	struct cp_conf_redis rc;
	struct redis_conn *c;

	(void)state;
	cp_conf_redis_defaults(&rc);
	rc.backoff_max_ms = 5;
	assert_int_equal(redis_conn_create(&c, &loop, &rc), -EINVAL);
	cp_conf_redis_defaults(&rc);
	rc.n_sentinels = 1;
	assert_int_equal(redis_conn_create(&c, &loop, &rc), -EINVAL);
	cp_conf_redis_defaults(&rc);
	rc.command_timeout_ms = 0;
	assert_int_equal(redis_conn_create(&c, &loop, &rc), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_and_reconnect, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_hung_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sentinel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_pending, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_bad_conf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
