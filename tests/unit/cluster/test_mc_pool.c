/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of mc_pool, the edge's orchestrator over several media nodes:
 * the choice among nodes (least loaded relative to weight, capacity,
 * ties spread), and, over real UDP on loopback against two real media
 * nodes (each an ng server with mc_local on its own loop, whose data
 * plane the test serves with dgt_region.c), that a call sticks to its
 * node, that the edge's id reaches the node, and that losing a node
 * (heartbeat gone, or ng requests timing out) ends exactly its calls with
 * media events while new calls go to the other node, and that a node of
 * the configuration is pinged so its death is noticed without a call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dgt_region.h"
#include "mc_local.h"
#include "mc_pool.h"
#include "mc_remote.h"
#include "ng_server.h"

/* Least loaded wins; weights scale the load; full and down nodes are skipped. */
static void
test_choose(void **state)
{
	struct mc_pool_cand c[3];

	(void)state;
	memset(c, 0, sizeof(c));
	c[0] = (struct mc_pool_cand){ .up = true, .load = 5, .weight = 100 };
	c[1] = (struct mc_pool_cand){ .up = true, .load = 3, .weight = 100 };
	assert_int_equal(mc_pool_choose(c, 2, 0), 1);
	/* 10/200 < 6/100: the heavier-weighted node takes more calls. */
	c[0] = (struct mc_pool_cand){ .up = true, .load = 10, .weight = 200 };
	c[1] = (struct mc_pool_cand){ .up = true, .load = 6, .weight = 100 };
	assert_int_equal(mc_pool_choose(c, 2, 0), 0);
	c[1].load = 4;
	assert_int_equal(mc_pool_choose(c, 2, 0), 1);
	/* At capacity: skipped even though least loaded. */
	c[0] = (struct mc_pool_cand){ .up = true, .load = 3, .weight = 100,
		.capacity = 3 };
	c[1] = (struct mc_pool_cand){ .up = true, .load = 50, .weight = 100 };
	assert_int_equal(mc_pool_choose(c, 2, 0), 1);
	/* Down: skipped; nothing usable: -ENOSPC. */
	c[1].up = false;
	assert_int_equal(mc_pool_choose(c, 2, 0), -ENOSPC);
	assert_int_equal(mc_pool_choose(c, 0, 0), -ENOSPC);
	/* Weight 0 counts as 1, not as infinitely loaded or free. */
	c[0] = (struct mc_pool_cand){ .up = true, .load = 2, .weight = 0 };
	c[1] = (struct mc_pool_cand){ .up = true, .load = 3, .weight = 1 };
	assert_int_equal(mc_pool_choose(c, 2, 0), 0);
	/* Ties go to the first at or after start. */
	c[0] = (struct mc_pool_cand){ .up = true, .load = 0, .weight = 1 };
	c[1] = (struct mc_pool_cand){ .up = true, .load = 0, .weight = 1 };
	c[2] = (struct mc_pool_cand){ .up = true, .load = 0, .weight = 1 };
	assert_int_equal(mc_pool_choose(c, 3, 0), 0);
	assert_int_equal(mc_pool_choose(c, 3, 1), 1);
	assert_int_equal(mc_pool_choose(c, 3, 2), 2);
	assert_int_equal(mc_pool_choose(c, 3, 4), 1);
}

/* One media node: its own loop, data plane region, mc_local, ng server. */
struct media {
	struct uring_loop loop;
	struct dgt_region r;
	struct mc_orch *local;
	struct ng_server *srv;
	uint16_t next_port;
	bool on;
	char owner[64];			/* last drongo-node seen */
	unsigned int noted;
};

struct fix {
	struct uring_loop loop;		/* the edge's */
	struct media m[2];
	struct mc_orch *pool;
	struct mc_pool_node node[2];
	unsigned int n_events;
	char ev_call[8][64];
	char ev_reason[8][128];
};

struct result {
	bool done;
	int status;
	char reason[256];
};

static void
on_done(void *arg, const struct mc_result *res)
{
	struct result *r = arg;

	r->done = true;
	r->status = res->status;
	if (res->status < 0)
		snprintf(r->reason, sizeof(r->reason), "%s", res->reason);
}

static void
on_info(void *arg, const struct mc_call_info *ci)
{
	struct result *r = arg;

	r->done = true;
	r->status = ci->status;
}

static void
on_event(void *arg, const struct mc_event *ev)
{
	struct fix *f = arg;

	/* A lost node's calls are told apart from a media timeout. */
	assert_int_equal(ev->type, strstr(ev->reason, " lost") != NULL ?
		MC_EVENT_NODE_LOST : MC_EVENT_MEDIA_TIMEOUT);
	assert_true(f->n_events < 8);
	snprintf(f->ev_call[f->n_events], 64, "%s", ev->call_id);
	snprintf(f->ev_reason[f->n_events], 128, "%s", ev->reason);
	f->n_events++;
}

static void
on_call(void *arg, enum ng_cmd cmd, struct dg_pl call_id, struct dg_pl owner)
{
	struct media *m = arg;

	(void)cmd;
	(void)call_id;
	snprintf(m->owner, sizeof(m->owner), "%.*s", (int)owner.len, owner.p);
	m->noted++;
}

static void
serve_dp(struct media *m)
{
	struct dg_msg c, a;

	while (dgt_take(&m->r, 0, &c) == 1) {
		memset(&a, 0, sizeof(a));
		a.hdr.type = DG_MSG_ACK;
		a.hdr.seq = c.hdr.seq;
		a.hdr.session_id = c.hdr.session_id;
		a.u.ack.cmd_type = c.hdr.type;
		if (c.hdr.type == DG_MSG_SESSION_CREATE) {
			a.u.ack.leg[0].rtp = m->next_port;
			a.u.ack.leg[1].rtp = m->next_port + 2;
			m->next_port += 4;
		} else if (c.hdr.type == DG_MSG_SESSION_UPDATE) {
			a.u.ack.leg[0].rtp = c.u.session.leg[0].relay_rtp_port;
			a.u.ack.leg[1].rtp = c.u.session.leg[1].relay_rtp_port;
		}
		assert_int_equal(dgt_put(&m->r, 0, &a), 1);
	}
	dgt_alive(&m->r);
}

static void
turn(struct fix *f)
{
	unsigned int i;

	assert_true(uring_loop_run_once(&f->loop, false) >= 0);
	for (i = 0; i < 2; i++) {
		if (!f->m[i].on)
			continue;
		assert_true(uring_loop_run_once(&f->m[i].loop, false) >= 0);
		serve_dp(&f->m[i]);
		(void)mc_local_poll(f->m[i].local);
	}
	usleep(500);
}

static void
run_until(struct fix *f, const struct result *r)
{
	int i;

	for (i = 0; i < 8000 && !r->done; i++)
		turn(f);
	assert_true(r->done);
}

static void
media_start(struct media *m, unsigned int k, struct mc_pool_node *pn)
{
	struct mc_local_opts lo = { 0 };
	struct ng_server_opts so = { 0 };
	struct sockaddr_in any = { .sin_family = AF_INET };
	char err[256];

	assert_int_equal(uring_loop_init(&m->loop, 256), 0);
	lo.instance = dgt_instance(60 + k);
	dgt_region_create(&m->r, lo.instance, 1, 0, 0);
	assert_int_equal(mc_local_create(&m->local, NULL, &lo, err, sizeof(err)),
			 0);
	assert_int_equal(ng_server_create(&m->srv, m->local, &so, NULL, NULL), 0);
	ng_server_set_call_fn(m->srv, on_call, m);
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(ng_server_listen(m->srv, &m->loop,
					  (struct sockaddr *)&any, sizeof(any),
					  err, sizeof(err)), 0);
	m->next_port = (uint16_t)(30000 + 1000 * k);
	m->on = true;
	memset(pn, 0, sizeof(*pn));
	snprintf(pn->id, sizeof(pn->id), "m%u", k);
	memcpy(&pn->ng, ng_server_local(m->srv), sizeof(struct sockaddr_in));
	pn->ng_len = sizeof(struct sockaddr_in);
	pn->weight = 100;
	pn->seq = 1;
}

/* The node dies: its socket closes, nothing answers any more. */
static void
media_stop(struct media *m)
{
	if (!m->on)
		return;
	m->on = false;
	uring_loop_fini(&m->loop);
	ng_server_destroy(m->srv);
	mc_orch_destroy(m->local);
	dgt_region_destroy(&m->r);
}

static int
setup(void **state)
{
	struct mc_pool_opts po = { .first_rto_ms = 30, .tries = 3,
		.probe_ms = 50, .owner = "edge-t" };
	struct fix *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	assert_int_equal(uring_loop_init(&f->loop, 256), 0);
	for (i = 0; i < 2; i++)
		media_start(&f->m[i], i, &f->node[i]);
	assert_int_equal(mc_pool_create(&f->pool, &f->loop, &po), 0);
	mc_orch_set_event_fn(f->pool, on_event, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	uring_loop_fini(&f->loop);
	mc_orch_destroy(f->pool);
	media_stop(&f->m[0]);
	media_stop(&f->m[1]);
	free(f);
	return 0;
}

static const char offer_sdp[] =
	"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
static const char answer_sdp[] =
	"v=0\r\no=- 2 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

static int
call(struct fix *f, const char *call_id, enum mc_side side)
{
	struct result r = { 0 };
	struct mc_req req;
	int err;

	memset(&req, 0, sizeof(req));
	req.side = side;
	req.call_id = (struct dg_pl){ call_id, strlen(call_id) };
	req.from_tag = DG_PL("ta");
	if (side == MC_SIDE_ANSWER)
		req.to_tag = DG_PL("tb");
	req.sdp = side == MC_SIDE_OFFER ?
		(struct dg_pl){ offer_sdp, strlen(offer_sdp) } :
		(struct dg_pl){ answer_sdp, strlen(answer_sdp) };
	err = mc_orch_allocate(f->pool, &req, on_done, &r);
	if (err < 0)
		return err;
	assert_false(r.done);
	run_until(f, &r);
	return r.status;
}

/* An offer then an answer: 0 when both succeeded. */
static int
full_call(struct fix *f, const char *call_id)
{
	int err = call(f, call_id, MC_SIDE_OFFER);

	return err < 0 ? err : call(f, call_id, MC_SIDE_ANSWER);
}

static void
count_one(void *arg, const char *call_id)
{
	(void)call_id;
	(*(unsigned int *)arg)++;
}

/* Live calls of media node k, as its own orchestrator holds them. */
static uint64_t
calls_on(struct fix *f, unsigned int k)
{
	struct mc_orch_stats st;

	mc_orch_stats(f->m[k].local, &st);
	return st.calls;
}

/* A new call goes to the less loaded node, and all of it stays there. */
static void
test_least_loaded_and_sticky(void **state)
{
	struct fix *f = *state;

	f->node[0].load = 5;
	f->node[1].load = 0;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(mc_pool_up(f->pool), 2);
	/* The answer reaching the other node would fail: "Unknown call-id". */
	assert_int_equal(full_call(f, "c-1@t"), 0);
	assert_int_equal(calls_on(f, 1), 1);
	assert_int_equal(calls_on(f, 0), 0);
	assert_string_equal(f->m[1].owner, "edge-t");
	/* A re-offer of the same call goes to its node whatever the loads. */
	f->node[0].load = 0;
	f->node[1].load = 50;
	f->node[0].seq = f->node[1].seq = 2;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(call(f, "c-1@t", MC_SIDE_OFFER), 0);
	assert_int_equal(calls_on(f, 1), 1);
	assert_int_equal(calls_on(f, 0), 0);
	/* A new call now goes to node 0. */
	assert_int_equal(full_call(f, "c-2@t"), 0);
	assert_int_equal(calls_on(f, 0), 1);
	assert_string_equal(f->m[0].owner, "edge-t");
	/* Weights: 40/400 < 20/100, so node 0 although more loaded. */
	f->node[0].load = 40;
	f->node[0].weight = 400;
	f->node[1].load = 20;
	f->node[0].seq = f->node[1].seq = 3;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(full_call(f, "c-3@t"), 0);
	assert_int_equal(calls_on(f, 0), 2);
	/* An answer for a call this edge never offered is refused here. */
	assert_int_equal(call(f, "never@t", MC_SIDE_ANSWER), -ENOENT);
}

/* Losing a node ends exactly its calls, with events; new calls go elsewhere. */
static void
test_node_loss_ends_its_calls(void **state)
{
	struct fix *f = *state;
	struct mc_orch_stats st;
	struct result r = { 0 };
	unsigned int n = 0;

	f->node[0].load = 0;
	f->node[1].load = 100;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(full_call(f, "a-1@t"), 0);
	f->node[0].load = 100;
	f->node[1].load = 0;
	f->node[0].seq = f->node[1].seq = 2;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(full_call(f, "b-1@t"), 0);
	assert_int_equal(full_call(f, "b-2@t"), 0);
	assert_int_equal(calls_on(f, 0), 1);
	assert_int_equal(calls_on(f, 1), 2);
	assert_int_equal(f->n_events, 0);
	/* Node 1's heartbeat is gone: only node 0 is listed. */
	mc_pool_sync(f->pool, f->node, 1);
	assert_int_equal(f->n_events, 2);
	assert_true((strcmp(f->ev_call[0], "b-1@t") == 0 &&
		     strcmp(f->ev_call[1], "b-2@t") == 0) ||
		    (strcmp(f->ev_call[0], "b-2@t") == 0 &&
		     strcmp(f->ev_call[1], "b-1@t") == 0));
	assert_non_null(strstr(f->ev_reason[0], "media node m1 lost"));
	assert_int_equal(mc_orch_list(f->pool, 100, count_one, &n), 1);
	assert_int_equal(n, 1);
	mc_orch_stats(f->pool, &st);
	assert_int_equal(st.calls, 1);
	/* Forgotten: a later release is "no such call", no request sent. */
	assert_int_equal(mc_orch_release(f->pool, DG_PL("b-1@t"), on_info, &r),
			 -ENOENT);
	assert_int_equal(mc_pool_up(f->pool), 1);
	/* Node 0 is more loaded by its report, yet the only one left. */
	assert_int_equal(full_call(f, "c-1@t"), 0);
	assert_int_equal(calls_on(f, 0), 2);
	/* Release reaches node 0 and the call is gone there. */
	assert_int_equal(mc_orch_release(f->pool, DG_PL("a-1@t"), on_info, &r),
			 0);
	run_until(f, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(calls_on(f, 0), 1);
	/* Node 0 gone too: no node, the offer is refused (503). */
	mc_pool_sync(f->pool, NULL, 0);
	assert_int_equal(f->n_events, 3);
	assert_string_equal(f->ev_call[2], "c-1@t");
	assert_int_equal(call(f, "d-1@t", MC_SIDE_OFFER), -ENOTCONN);
	/* Its heartbeat is back: usable again. */
	f->node[1].seq = 9;
	mc_pool_sync(f->pool, &f->node[1], 1);
	assert_int_equal(full_call(f, "d-1@t"), 0);
}

/* A node that stops answering is lost when a request times out. */
static void
test_timeout_loses_node(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	int i;

	assert_int_equal(mc_pool_add_static(f->pool, &f->node[0]), 0);
	assert_int_equal(mc_pool_add_static(f->pool, &f->node[0]), -EEXIST);
	assert_int_equal(full_call(f, "s-1@t"), 0);
	assert_int_equal(full_call(f, "s-2@t"), 0);
	assert_int_equal(calls_on(f, 0), 2);
	media_stop(&f->m[0]);
	/* The query of s-1 goes unanswered: the node and both calls are lost. */
	assert_int_equal(mc_orch_query(f->pool, DG_PL("s-1@t"), on_info, &r), 0);
	run_until(f, &r);
	assert_int_equal(r.status, -ETIMEDOUT);
	assert_int_equal(f->n_events, 2);
	assert_int_equal(mc_pool_up(f->pool), 0);
	assert_int_equal(call(f, "s-3@t", MC_SIDE_OFFER), -ENOTCONN);
	/* Probes of the dead node find nobody: it stays down. */
	for (i = 0; i < 400; i++)
		turn(f);
	assert_int_equal(mc_pool_up(f->pool), 0);
}

/* A node lost by timeout answers pings again: it is used again. */
static void
test_probe_brings_node_back(void **state)
{
	struct fix *f = *state;
	int i;

	assert_int_equal(mc_pool_add_static(f->pool, &f->node[1]), 0);
	/* Freeze node 1 (its loop does not turn): an offer times out. */
	f->m[1].on = false;
	assert_int_equal(call(f, "p-1@t", MC_SIDE_OFFER), -ETIMEDOUT);
	assert_int_equal(mc_pool_up(f->pool), 0);
	assert_int_equal(f->n_events, 0);
	/* Thawed, it answers the next ping. */
	f->m[1].on = true;
	for (i = 0; i < 2000 && mc_pool_up(f->pool) == 0; i++)
		turn(f);
	assert_int_equal(mc_pool_up(f->pool), 1);
	assert_int_equal(full_call(f, "p-2@t"), 0);
}

/* A call its media node ended on its own is forgotten and reported. */
static void
test_ended_by_node(void **state)
{
	struct fix *f = *state;
	struct mc_orch_stats st;

	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(full_call(f, "t-1@t"), 0);
	assert_int_equal(full_call(f, "t-2@t"), 0);
	assert_int_equal(mc_pool_ended(f->pool, "t-1@t", "media timeout there"), 0);
	assert_int_equal(f->n_events, 1);
	assert_string_equal(f->ev_call[0], "t-1@t");
	assert_string_equal(f->ev_reason[0], "media timeout there");
	assert_int_equal(mc_pool_ended(f->pool, "t-1@t", "again"), -ENOENT);
	assert_int_equal(mc_pool_ended(f->pool, "nope@t", "x"), -ENOENT);
	assert_int_equal(f->n_events, 1);
	mc_orch_stats(f->pool, &st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.timeouts, 1);
}

/* A restarted node (new start time, heartbeat count back) lost its calls. */
static void
test_restarted_node(void **state)
{
	struct fix *f = *state;

	f->node[0].start_s = 1000;
	f->node[0].seq = 50;
	f->node[1].load = 100;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(full_call(f, "r-1@t"), 0);
	f->node[0].seq = 51;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(f->n_events, 0);
	/* Same second, but the count starts again: a new process. */
	f->node[0].seq = 1;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(f->n_events, 1);
	assert_string_equal(f->ev_call[0], "r-1@t");
	assert_int_equal(mc_pool_up(f->pool), 2);
	assert_int_equal(full_call(f, "r-2@t"), 0);
	f->node[0].start_s = 1007;
	f->node[0].seq = 2;
	mc_pool_sync(f->pool, f->node, 2);
	assert_int_equal(f->n_events, 2);
	assert_string_equal(f->ev_call[1], "r-2@t");
}

static void
count_losses(void *arg, const struct mc_pool_node_info *ni)
{
	*(uint64_t *)arg += ni->losses;
}

/* A configured node is pinged: its death is noticed before any call. */
static void
test_static_node_pinged(void **state)
{
	struct fix *f = *state;
	struct mc_pool_stats ps;
	uint64_t losses = 0;
	int i;

	assert_int_equal(mc_pool_add_static(f->pool, &f->node[0]), 0);
	for (i = 0; i < 200; i++)
		turn(f);
	assert_int_equal(mc_pool_up(f->pool), 1);
	media_stop(&f->m[0]);
	for (i = 0; i < 4000 && mc_pool_up(f->pool) == 1; i++)
		turn(f);
	assert_int_equal(mc_pool_up(f->pool), 0);
	assert_int_equal(f->n_events, 0);
	mc_pool_foreach(f->pool, count_losses, &losses);
	assert_int_equal(losses, 1);
	mc_pool_stats_get(f->pool, &ps);
	assert_true(ps.probes > 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test_setup_teardown(test_least_loaded_and_sticky,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_loss_ends_its_calls,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_loses_node, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_probe_brings_node_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_node_pinged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ended_by_node, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restarted_node, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
