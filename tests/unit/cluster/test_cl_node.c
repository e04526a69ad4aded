/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of cluster membership against a real redis-server (skipped, exit
 * 77, when it is not installed): two nodes on one loop and one Redis link
 * see each other with their records (role, ng address, load); the keys
 * and the set are the documented ones; a node that stops heartbeating
 * (a record written by hand, as a crashed node leaves it) is gone after
 * its expiry and pruned from the set; a node that leaves is gone at the
 * next read; a media node's ended call reaches its edge; with Redis down
 * the view goes stale but keeps its peers, and both nodes are back when
 * it returns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "cl_node.h"
#include "redis_test_server.h"

struct fix {
	struct rts_server srv;
	struct uring_loop loop;
	struct redis_conn *redis;
	struct cp_conf edge;
	struct cp_conf media;
	struct cl_node *e;
	struct cl_node *m;
	unsigned int views;
	char ended[4][64];
	unsigned int n_ended;
};

static uint64_t
media_load(void *arg)
{
	(void)arg;
	return 7;
}

static void
on_view(void *arg, const struct cl_view *v)
{
	(void)v;
	((struct fix *)arg)->views++;
}

static void
on_ended(void *arg, const char *call_id)
{
	struct fix *f = arg;

	assert_true(f->n_ended < 4);
	snprintf(f->ended[f->n_ended++], 64, "%s", call_id);
}

static void
node_conf(struct cp_conf *c, enum cp_role role, const char *name,
	  const struct rts_server *srv)
{
	char err[256];

	assert_int_equal(cp_conf_load_buf(c, "t.yaml", "", 0, err, sizeof(err)), 0);
	c->role = role;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->redis.enabled = true;
	rts_conf_server(srv, &c->redis.server);
	c->cluster.heartbeat_interval_ms = 100;
	c->cluster.heartbeat_ttl_ms = 400;
	c->cluster.weight = 30;
	c->cluster.capacity = 500;
	snprintf(c->cluster.ng, sizeof(c->cluster.ng), "192.0.2.9:2223");
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (rts_start(&f->srv, true, NULL) < 0)
		fail_msg("redis-server did not start");
	assert_int_equal(uring_loop_init(&f->loop, 256), 0);
	node_conf(&f->edge, CP_ROLE_EDGE, "e1", &f->srv);
	node_conf(&f->media, CP_ROLE_MEDIA, "m1", &f->srv);
	assert_int_equal(redis_conn_create(&f->redis, &f->loop, &f->edge.redis), 0);
	assert_int_equal(cl_node_create(&f->e, &f->loop, f->redis, &f->edge), 0);
	assert_int_equal(cl_node_create(&f->m, &f->loop, f->redis, &f->media), 0);
	cl_node_set_load_fn(f->m, media_load, NULL);
	cl_node_set_view_fn(f->e, on_view, f);
	cl_node_set_ended_fn(f->e, on_ended, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	/* Timers stopped first: nothing may use the link once it is gone. */
	cl_node_leave(f->e);
	cl_node_leave(f->m);
	redis_conn_destroy(f->redis);
	/* The link's socket polls are cancelled on the loop: let them end. */
	rts_run_for(&f->loop, 20);
	uring_loop_fini(&f->loop);
	cl_node_destroy(f->e);
	cl_node_destroy(f->m);
	rts_destroy(&f->srv);
	free(f);
	return 0;
}

static bool
alive(const struct cl_node *n, const char *id)
{
	const struct cl_view_peer *vp = cl_view_find(cl_node_view(n), id);

	return vp != NULL && vp->alive;
}

/* Turn the loop until cond(f) or ms pass. */
static bool
run_until(struct fix *f, bool (*cond)(struct fix *), unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 10 && !cond(f); i++)
		rts_run_for(&f->loop, 10);
	return cond(f);
}

static bool
both_seen(struct fix *f)
{
	return alive(f->e, "m1") && alive(f->e, "e1") && alive(f->m, "e1");
}

static bool
ghost_alive(struct fix *f)
{
	return alive(f->e, "ghost");
}

static bool
ghost_gone(struct fix *f)
{
	const struct cl_view_peer *vp = cl_view_find(cl_node_view(f->e), "ghost");

	return vp != NULL && !vp->alive;
}

static bool
m1_gone(struct fix *f)
{
	return !alive(f->e, "m1");
}

static bool
got_ended(struct fix *f)
{
	return f->n_ended > 0;
}

static bool
stale(struct fix *f)
{
	return !cl_node_view(f->e)->fresh;
}

static bool
fresh(struct fix *f)
{
	return cl_node_view(f->e)->fresh && both_seen(f);
}

/* The nodes see each other with their records; the keys are as documented. */
static void
test_membership(void **state)
{
	struct fix *f = *state;
	const struct cl_view_peer *vp;
	redisContext *rc;
	redisReply *r;

	assert_true(run_until(f, both_seen, 5000));
	assert_true(f->views > 0);
	vp = cl_view_find(cl_node_view(f->e), "m1");
	assert_int_equal(vp->p.role, CP_ROLE_MEDIA);
	assert_string_equal(vp->p.ng, "192.0.2.9:2223");
	assert_int_equal(vp->p.load, 7);
	assert_int_equal(vp->p.weight, 30);
	assert_int_equal(vp->p.capacity, 500);
	assert_int_equal(cl_view_alive(cl_node_view(f->e), CP_ROLE_MEDIA), 1);
	assert_int_equal(cl_view_alive(cl_node_view(f->e), CP_ROLE_EDGE), 1);
	rc = rts_client(&f->srv);
	assert_non_null(rc);
	r = redisCommand(rc, "PTTL drongo:node:m1");
	assert_true(r->integer > 0 && r->integer <= 400);
	freeReplyObject(r);
	r = redisCommand(rc, "SISMEMBER drongo:nodes e1");
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = redisCommand(rc, "GET drongo:node:e1");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(strstr(r->str, "\nrole=edge\n"));
	freeReplyObject(r);

	/* A crashed node's last record: alive until it expires, then pruned. */
	r = redisCommand(rc, "SET drongo:node:ghost %s PX 300",
			 "v=1\nid=ghost\nrole=media\nng=192.0.2.50:2223\n");
	freeReplyObject(r);
	r = redisCommand(rc, "SADD drongo:nodes ghost");
	freeReplyObject(r);
	/* A record that does not decode is counted and left out. */
	r = redisCommand(rc, "SET drongo:node:junk %s PX 5000", "garbage");
	freeReplyObject(r);
	r = redisCommand(rc, "SADD drongo:nodes junk");
	freeReplyObject(r);
	assert_true(run_until(f, ghost_alive, 2000));
	assert_true(run_until(f, ghost_gone, 2000));
	rts_run_for(&f->loop, 300);
	r = redisCommand(rc, "SISMEMBER drongo:nodes ghost");
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	assert_null(cl_view_find(cl_node_view(f->e), "junk"));
	{
		struct cl_node_stats st;

		cl_node_stats_get(f->e, &st);
		assert_true(st.malformed > 0);
		assert_true(st.pruned > 0);
		assert_true(st.heartbeats > 0);
		assert_true(st.reads > 0);
	}
	redisFree(rc);
}

/* A media node's ended call reaches its edge through Redis. */
static void
test_ended_call(void **state)
{
	struct fix *f = *state;

	assert_true(run_until(f, both_seen, 5000));
	assert_int_equal(cl_node_tell_ended(f->m, "e1", "call-9@x"), 0);
	assert_int_equal(cl_node_tell_ended(f->m, "e-other", "call-10@x"), 0);
	assert_true(run_until(f, got_ended, 2000));
	rts_run_for(&f->loop, 300);
	assert_int_equal(f->n_ended, 1);
	assert_string_equal(f->ended[0], "call-9@x");
}

/* Leaving deletes the key: peers see the node gone at their next read. */
static void
test_leave(void **state)
{
	struct fix *f = *state;
	const struct cl_view_peer *vp;
	redisContext *rc;
	redisReply *r;

	assert_true(run_until(f, both_seen, 5000));
	cl_node_leave(f->m);
	rc = rts_client(&f->srv);
	r = redisCommand(rc, "EXISTS drongo:node:m1");
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	redisFree(rc);
	/* Well before the 400 ms expiry would have said so. */
	assert_true(run_until(f, m1_gone, 250));
	vp = cl_view_find(cl_node_view(f->e), "m1");
	assert_non_null(vp);
	assert_false(vp->alive);
}

/* Redis down: the view is stale and keeps its peers; back when Redis is. */
static void
test_redis_down(void **state)
{
	struct fix *f = *state;
	struct cl_node_stats st;

	assert_true(run_until(f, both_seen, 5000));
	rts_stop(&f->srv);
	assert_true(run_until(f, stale, 3000));
	assert_true(alive(f->e, "m1"));
	cl_node_stats_get(f->e, &st);
	rts_run_for(&f->loop, 300);
	{
		struct cl_node_stats st2;

		cl_node_stats_get(f->e, &st2);
		assert_true(st2.heartbeat_errors > st.heartbeat_errors);
	}
	assert_int_equal(rts_restart(&f->srv), 0);
	assert_true(run_until(f, fresh, 10000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redis_down, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
