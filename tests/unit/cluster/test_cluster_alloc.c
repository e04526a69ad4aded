/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure runs of the cluster's allocating paths: creating the
 * pool of media nodes, adding a node to it from the peer view, placing a
 * new call on a node, and recording a call's owner on a media node. The
 * n-th malloc/calloc/realloc of the code under test fails, for n = 1, 2,
 * ... until a run passes without reaching the failure: every failure must
 * be a clean -ENOMEM (or the node left out, to be added at the next
 * read) with the state unchanged, and nothing may leak (the sanitizer
 * build checks at exit).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mc_pool.h"
#include "ng_owner.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool counting;
static unsigned int calls, fail_at;

static bool
alloc_fails(void)
{
	return counting && ++calls == fail_at;
}

void *
__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

static void
arm(unsigned int n)
{
	calls = 0;
	fail_at = n;
	counting = true;
}

/* Whether the armed run reached its failure. */
static bool
disarm(void)
{
	counting = false;
	return calls >= fail_at;
}

/* A media node that never answers: a bound socket nobody reads. */
static void
silent_node(struct mc_pool_node *pn, int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	*fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(*fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &al), 0);
	memset(pn, 0, sizeof(*pn));
	snprintf(pn->id, sizeof(pn->id), "m-silent");
	memcpy(&pn->ng, &a, sizeof(a));
	pn->ng_len = sizeof(a);
	pn->weight = 100;
	pn->seq = 1;
}

static void
on_done(void *arg, const struct mc_result *res)
{
	*(int *)arg = res->status;
}

static uint64_t
pool_calls(struct mc_orch *pool)
{
	struct mc_orch_stats st;

	mc_orch_stats(pool, &st);
	return st.calls;
}

enum step { STEP_CREATE, STEP_SYNC, STEP_CALL };

/*
 * Create a pool, add a node from the view, place a call, with the n-th
 * allocation of @p armed failing. Returns whether that failure was hit.
 */
static bool
pool_run(enum step armed, unsigned int n, const struct mc_pool_node *pn)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
		"c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
	struct mc_pool_opts po = { .first_rto_ms = 1000, .owner = "e1" };
	struct uring_loop loop;
	struct mc_orch *pool;
	struct mc_req req;
	int err, status = 1;
	bool hit = false;

	memset(&req, 0, sizeof(req));
	req.side = MC_SIDE_OFFER;
	req.call_id = DG_PL("alloc-1@t");
	req.from_tag = DG_PL("ta");
	req.sdp = (struct dg_pl){ sdp, strlen(sdp) };
	assert_int_equal(uring_loop_init(&loop, 64), 0);
	if (armed == STEP_CREATE)
		arm(n);
	err = mc_pool_create(&pool, &loop, &po);
	if (armed == STEP_CREATE)
		hit = disarm();
	if (err < 0) {
		assert_true(hit);
		assert_int_equal(err, -ENOMEM);
		uring_loop_fini(&loop);
		return true;
	}
	if (armed == STEP_SYNC)
		arm(n);
	mc_pool_sync(pool, pn, 1);
	if (armed == STEP_SYNC)
		hit = disarm();
	if (mc_pool_up(pool) == 0) {
		/* Left out this time: the next read adds it. */
		assert_true(hit);
		mc_pool_sync(pool, pn, 1);
	}
	assert_int_equal(mc_pool_up(pool), 1);
	if (armed == STEP_CALL)
		arm(n);
	err = mc_orch_allocate(pool, &req, on_done, &status);
	if (armed == STEP_CALL)
		hit = disarm();
	if (err < 0) {
		assert_true(hit);
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(pool_calls(pool), 0);
	} else {
		assert_int_equal(pool_calls(pool), 1);
	}
	/* A request in flight is cancelled with the pool. */
	uring_loop_fini(&loop);
	mc_orch_destroy(pool);
	if (err == 0)
		assert_int_equal(status, -ECANCELED);
	return hit;
}

/* Each allocating step of the pool fails cleanly at each allocation. */
static void
test_pool_alloc_failures(void **state)
{
	struct mc_pool_node pn;
	unsigned int n, step, tried = 0;
	int fd;

	(void)state;
	silent_node(&pn, &fd);
	for (step = STEP_CREATE; step <= STEP_CALL; step++) {
		for (n = 1; pool_run((enum step)step, n, &pn); n++)
			tried++;
		/* Every step allocates at least once. */
		assert_true(n > 1);
	}
	assert_true(tried >= 3);
	close(fd);
}

static void
on_info(void *arg, const struct mc_call_info *ci)
{
	int *got = arg;

	got[0]++;
	got[1] = ci->status;
}

/* A delete whose completion finds no memory still completes, once. */
static void
test_info_completion_nomem(void **state)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
		"c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
	struct mc_pool_opts po = { .first_rto_ms = 1000, .owner = "e1" };
	struct mc_pool_node pn;
	struct uring_loop loop;
	struct mc_orch *pool;
	struct mc_req req;
	int fd, status = 1, got[2] = { 0, 0 };

	(void)state;
	silent_node(&pn, &fd);
	memset(&req, 0, sizeof(req));
	req.side = MC_SIDE_OFFER;
	req.call_id = DG_PL("nomem-1@t");
	req.from_tag = DG_PL("ta");
	req.sdp = (struct dg_pl){ sdp, strlen(sdp) };
	assert_int_equal(uring_loop_init(&loop, 64), 0);
	assert_int_equal(mc_pool_create(&pool, &loop, &po), 0);
	mc_pool_sync(pool, &pn, 1);
	assert_int_equal(mc_orch_allocate(pool, &req, on_done, &status), 0);
	assert_int_equal(mc_orch_release(pool, req.call_id, on_info, got), 0);
	uring_loop_fini(&loop);
	/* The cancelled delete's completion cannot allocate its details. */
	arm(1);
	mc_orch_destroy(pool);
	assert_true(disarm());
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], -ENOMEM);
	assert_int_equal(status, -ECANCELED);
	close(fd);
}

/* Recording an owner: -ENOMEM leaves the table as it was. */
static void
test_owner_alloc_failures(void **state)
{
	struct ng_owner *o;
	uint64_t c, w;
	unsigned int n;
	bool hit;
	int err;

	(void)state;
	for (n = 1;; n++) {
		o = NULL;
		arm(n);
		err = ng_owner_create(&o);
		if (err == 0)
			err = ng_owner_note(o, DG_PL("c1"), DG_PL("e1"), false, 0);
		hit = disarm();
		if (o == NULL || err < 0) {
			assert_true(hit);
			assert_int_equal(err, -ENOMEM);
		}
		if (o != NULL) {
			ng_owner_count(o, &c, &w);
			assert_int_equal(c, err == 0 ? 1 : 0);
			assert_int_equal(w, err == 0 ? 1 : 0);
			ng_owner_destroy(o);
		}
		if (!hit)
			break;
	}
	assert_true(n >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc_failures),
		cmocka_unit_test(test_owner_alloc_failures),
		cmocka_unit_test(test_info_completion_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
