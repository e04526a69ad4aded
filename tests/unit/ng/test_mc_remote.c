/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of mc_remote and the ng client over real UDP on loopback and a
 * real io_uring loop: an edge's remote orchestrator drives a media node
 * made of the ng server and mc_local, whose data plane the test serves
 * (dgt_region.c). Checked: an offer and an answer round trip with the SDP
 * rewritten by the node, the node's error reason reaching the caller,
 * delete, and a node that never answers (retransmissions, then
 * -ETIMEDOUT).
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
#include "mc_remote.h"
#include "ng_client.h"
#include "ng_server.h"

struct result {
	bool done;
	int status;
	char sdp[4096];
	char reason[256];
	uint64_t alloc_id;
};

struct node {
	struct uring_loop loop;
	struct dgt_region r;
	struct mc_orch *local;
	struct ng_server *srv;
	struct mc_orch *remote;
	uint16_t next_port;
};

static void
on_done(void *arg, const struct mc_result *res)
{
	struct result *r = arg;

	r->done = true;
	r->status = res->status;
	r->alloc_id = res->alloc_id;
	if (res->status == 0)
		snprintf(r->sdp, sizeof(r->sdp), "%.*s", (int)res->sdp_len,
			 res->sdp);
	else
		snprintf(r->reason, sizeof(r->reason), "%s", res->reason);
}

static void
on_info(void *arg, const struct mc_call_info *ci)
{
	struct result *r = arg;

	r->done = true;
	r->status = ci->status;
	r->alloc_id = ci->alloc_id;
}

/* Worker 0 of the test's data plane: ACK everything, ports in order. */
static void
serve_dp(struct node *n)
{
	struct dg_msg m, a;

	while (dgt_take(&n->r, 0, &m) == 1) {
		memset(&a, 0, sizeof(a));
		a.hdr.type = DG_MSG_ACK;
		a.hdr.seq = m.hdr.seq;
		a.hdr.session_id = m.hdr.session_id;
		a.u.ack.cmd_type = m.hdr.type;
		if (m.hdr.type == DG_MSG_SESSION_CREATE) {
			a.u.ack.leg[0].rtp = n->next_port;
			a.u.ack.leg[1].rtp = n->next_port + 2;
			n->next_port += 4;
		} else if (m.hdr.type == DG_MSG_SESSION_UPDATE) {
			a.u.ack.leg[0].rtp = m.u.session.leg[0].relay_rtp_port;
			a.u.ack.leg[1].rtp = m.u.session.leg[1].relay_rtp_port;
		}
		assert_int_equal(dgt_put(&n->r, 0, &a), 1);
	}
	dgt_alive(&n->r);
}

static void
run_until(struct node *n, const struct result *r)
{
	int i;

	for (i = 0; i < 2000 && !r->done; i++) {
		assert_true(uring_loop_run_once(&n->loop, false) >= 0);
		serve_dp(n);
		(void)mc_local_poll(n->local);
		usleep(1000);
	}
	assert_true(r->done);
}

static int
setup(void **state)
{
	struct node *n = calloc(1, sizeof(*n));
	struct mc_local_opts lo = { 0 };
	struct ng_server_opts so = { 0 };
	struct mc_remote_opts ro = { .first_rto_ms = 50, .tries = 3 };
	struct sockaddr_in any = { .sin_family = AF_INET };
	char err[256];

	assert_non_null(n);
	assert_int_equal(uring_loop_init(&n->loop, 256), 0);
	lo.instance = dgt_instance(40);
	dgt_region_create(&n->r, lo.instance, 1, 0, 0);
	assert_int_equal(mc_local_create(&n->local, NULL, &lo, err, sizeof(err)),
			 0);
	assert_int_equal(ng_server_create(&n->srv, n->local, &so, NULL, NULL), 0);
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(ng_server_listen(n->srv, &n->loop,
					  (struct sockaddr *)&any, sizeof(any),
					  err, sizeof(err)), 0);
	assert_int_equal(mc_remote_create(&n->remote, &n->loop,
			 (const struct sockaddr *)ng_server_local(n->srv),
			 sizeof(struct sockaddr_in), &ro), 0);
	n->next_port = 33000;
	*state = n;
	return 0;
}

static int
teardown(void **state)
{
	struct node *n = *state;

	uring_loop_fini(&n->loop);
	mc_orch_destroy(n->remote);
	mc_orch_destroy(n->local);
	ng_server_destroy(n->srv);
	dgt_region_destroy(&n->r);
	free(n);
	return 0;
}

static const char offer_sdp[] =
	"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
static const char answer_sdp[] =
	"v=0\r\no=- 2 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

static void
req_init(struct mc_req *req, enum mc_side side, const char *sdp)
{
	memset(req, 0, sizeof(*req));
	req->side = side;
	req->call_id = DG_PL("remote-1@edge");
	req->from_tag = DG_PL("ta");
	if (side == MC_SIDE_ANSWER)
		req->to_tag = DG_PL("tb");
	req->sdp = (struct dg_pl){ sdp, strlen(sdp) };
	req->flags.replace_origin = true;
	req->flags.ice_remove = true;
}

/* Offer and answer through the ng protocol: the node's rewritten SDP comes
 * back, each side pointing at its own relay port; delete ends the call. */
static void
test_offer_answer_delete(void **state)
{
	struct node *n = *state;
	struct mc_orch_stats st;
	struct result r = { 0 };
	struct mc_req req;

	req_init(&req, MC_SIDE_OFFER, offer_sdp);
	assert_int_equal(mc_orch_allocate(n->remote, &req, on_done, &r), 0);
	run_until(n, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.alloc_id, mc_remote_alloc_id(req.call_id));
	assert_non_null(strstr(r.sdp, "c=IN IP4 192.0.2.1\r\n"));
	assert_non_null(strstr(r.sdp, "m=audio 33002 RTP/AVP 0\r\n"));
	assert_non_null(strstr(r.sdp, "o=- 1 2 IN IP4 192.0.2.1\r\n"));
	memset(&r, 0, sizeof(r));
	req_init(&req, MC_SIDE_ANSWER, answer_sdp);
	assert_int_equal(mc_orch_update(n->remote, mc_remote_alloc_id(req.call_id),
					&req, on_done, &r), 0);
	run_until(n, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.sdp, "m=audio 33000 RTP/AVP 0\r\n"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(mc_orch_release(n->remote, req.call_id, on_info, &r), 0);
	run_until(n, &r);
	assert_int_equal(r.status, 0);
	mc_orch_stats(n->local, &st);
	assert_int_equal(st.calls, 0);
	/* Deleting again: the node's "not found" becomes -ENOENT. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(mc_orch_release(n->remote, req.call_id, on_info, &r), 0);
	run_until(n, &r);
	assert_int_equal(r.status, -ENOENT);
}

/* The node refuses: its error-reason reaches the caller with -EPROTO. */
static void
test_node_error_reason(void **state)
{
	struct node *n = *state;
	struct result r = { 0 };
	struct mc_req req;

	req_init(&req, MC_SIDE_ANSWER, answer_sdp);
	assert_int_equal(mc_orch_allocate(n->remote, &req, on_done, &r), 0);
	run_until(n, &r);
	assert_int_equal(r.status, -EPROTO);
	assert_string_equal(r.reason, "Unknown call-id");
}

static void
on_reply(void *arg, int status, const struct ng_ben_doc *doc,
	 const struct ng_ben_node *dict)
{
	struct result *r = arg;

	(void)doc;
	(void)dict;
	r->done = true;
	r->status = status;
}

/* A node that never answers: the request is sent `tries` times with
 * doubling gaps, then fails with -ETIMEDOUT. */
static void
test_no_answer_times_out(void **state)
{
	struct ng_client_opts co = { .first_rto_ms = 20, .tries = 3, .bgid = 5 };
	struct sockaddr_in dead = { .sin_family = AF_INET };
	socklen_t dl = sizeof(dead);
	struct ng_client_stats st;
	struct uring_loop loop;
	struct ng_client *c;
	struct result r = { 0 };
	int i, s;

	(void)state;
	/* A loop of its own, so the client can go after it (as documented). */
	assert_int_equal(uring_loop_init(&loop, 64), 0);

	/* A bound socket that nobody reads: no reply ever comes. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	dead.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&dead, sizeof(dead)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&dead, &dl), 0);
	assert_int_equal(ng_client_create(&c, &loop, (struct sockaddr *)&dead,
					  sizeof(dead), &co), 0);
	assert_int_equal(ng_client_send(c, "d7:command4:pinge", 17, on_reply,
					&r), 0);
	/* Never from inside the send. */
	assert_false(r.done);
	for (i = 0; i < 2000 && !r.done; i++) {
		assert_true(uring_loop_run_once(&loop, false) >= 0);
		usleep(1000);
	}
	assert_true(r.done);
	assert_int_equal(r.status, -ETIMEDOUT);
	ng_client_stats_get(c, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.retransmits, 2);
	assert_int_equal(st.timeouts, 1);
	/* Destroying with a request in flight completes it (-ECANCELED). */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ng_client_send(c, "d7:command4:pinge", 17, on_reply,
					&r), 0);
	uring_loop_fini(&loop);
	ng_client_destroy(c);
	assert_true(r.done);
	assert_int_equal(r.status, -ECANCELED);
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offer_answer_delete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_node_error_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_answer_times_out, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
