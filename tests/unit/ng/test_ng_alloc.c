/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure run of the media path: an offer, an answer and a
 * delete go through the ng server and mc_local (data plane served by the
 * test, dgt_region.c) while the n-th malloc/calloc/realloc of the code
 * under test fails, for n = 1, 2, ... until a run passes without reaching
 * the failure. Every request must end in a reply (ok, or an error with a
 * reason) or a counted drop, the process must keep serving, and nothing
 * may leak (the sanitizer build checks at exit).
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

#include <cmocka.h>

#include "dgt_region.h"
#include "mc_local.h"
#include "ng_server.h"

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

struct capture {
	unsigned int n;
	char last[8192];
};

static int
capture_send(void *arg, const struct sockaddr *dst, socklen_t dstlen,
	     const void *data, size_t len)
{
	struct capture *c = arg;

	(void)dst;
	(void)dstlen;
	if (len >= sizeof(c->last))
		len = sizeof(c->last) - 1;
	memcpy(c->last, data, len);
	c->last[len] = '\0';
	c->n++;
	return 0;
}

static void
serve(struct dgt_region *r, struct mc_orch *orch)
{
	static uint16_t port = 32768;
	struct dg_msg m, a;

	while (dgt_take(r, 0, &m) == 1) {
		memset(&a, 0, sizeof(a));
		a.hdr.type = DG_MSG_ACK;
		a.hdr.seq = m.hdr.seq;
		a.hdr.session_id = m.hdr.session_id;
		a.u.ack.cmd_type = m.hdr.type;
		if (m.hdr.type == DG_MSG_SESSION_CREATE) {
			a.u.ack.leg[0].rtp = port;
			a.u.ack.leg[1].rtp = port + 2;
			port = port < 40000 ? port + 4 : 32768;
		} else if (m.hdr.type == DG_MSG_SESSION_UPDATE) {
			a.u.ack.leg[0].rtp = m.u.session.leg[0].relay_rtp_port;
			a.u.ack.leg[1].rtp = m.u.session.leg[1].relay_rtp_port;
		}
		assert_int_equal(dgt_put(r, 0, &a), 1);
	}
	dgt_alive(r);
	(void)mc_local_poll(orch);
	(void)mc_local_poll(orch);
}

static const char offer_fmt[] =
	"o d7:command5:offer7:call-id1:c8:from-tag1:a3:sdp%zu:%s"
	"18:transport-protocol8:RTP/SAVPe";
static const char offer_sdp[] =
	"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
static const char answer_fmt[] =
	"a d7:command6:answer7:call-id1:c8:from-tag1:a6:to-tag1:b3:sdp%zu:%se";
static const char answer_sdp[] =
	"v=0\r\no=- 2 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
	"t=0 0\r\nm=audio 5000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
static const char del[] = "d d7:command6:delete7:call-id1:ce";

/* One request: a reply that is ok or an error with a reason, or a drop
 * for want of memory. Returns whether the reply was ok. */
static bool
step(struct ng_server *srv, struct dgt_region *r, struct mc_orch *orch,
     struct capture *cap, const char *msg, char cookie)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct ng_server_stats before, after;
	unsigned int n = cap->n;

	ng_server_stats_get(srv, &before);
	ng_server_input(srv, msg, strlen(msg), false,
			(const struct sockaddr *)&src, sizeof(src), 1000);
	serve(r, orch);
	serve(r, orch);
	ng_server_stats_get(srv, &after);
	if (cap->n == n) {
		/* Dropped for memory, or the reply itself could not be made. */
		assert_true(after.dropped_nomem + after.send_errors >
			    before.dropped_nomem + before.send_errors);
		return false;
	}
	assert_int_equal(cap->last[0], cookie);
	if (strstr(cap->last, "6:result2:ok") != NULL)
		return true;
	assert_non_null(strstr(cap->last, "6:result5:error12:error-reason"));
	return false;
}

/* Every allocation failure on the path is clean; past the last one the
 * whole call succeeds. */
static void
test_allocation_failures(void **state)
{
	struct ng_server_opts so = { .cache_entries = 16 };
	struct mc_local_opts lo = { 0 };
	char offer[1024], answer[1024], err[256];
	unsigned int n;
	bool all_ok = false;

	(void)state;
	snprintf(offer, sizeof(offer), offer_fmt, sizeof(offer_sdp) - 1,
		 offer_sdp);
	snprintf(answer, sizeof(answer), answer_fmt, sizeof(answer_sdp) - 1,
		 answer_sdp);
	lo.instance = dgt_instance(60);
	for (n = 1; n < 500 && !all_ok; n++) {
		struct dgt_region r;
		struct mc_orch *orch;
		struct ng_server *srv;
		struct capture cap = { 0 };
		bool ok_o, ok_a, ok_d;

		dgt_region_create(&r, lo.instance, 1, 0, 0);
		assert_int_equal(mc_local_create(&orch, NULL, &lo, err,
						 sizeof(err)), 0);
		assert_int_equal(ng_server_create(&srv, orch, &so, capture_send,
						  &cap), 0);
		calls = 0;
		fail_at = n;
		counting = true;
		ok_o = step(srv, &r, orch, &cap, offer, 'o');
		ok_a = step(srv, &r, orch, &cap, answer, 'a');
		ok_d = step(srv, &r, orch, &cap, del, 'd');
		counting = false;
		/* Still serving. */
		ng_server_input(srv, "p d7:command4:pinge", 19, false,
				(const struct sockaddr *)&(struct sockaddr_in){
					.sin_family = AF_INET },
				sizeof(struct sockaddr_in), 1000);
		assert_string_equal(cap.last, "p d6:result4:ponge");
		all_ok = calls < fail_at;
		if (all_ok)
			assert_true(ok_o && ok_a && ok_d);
		mc_orch_destroy(orch);
		ng_server_destroy(srv);
		dgt_region_destroy(&r);
	}
	assert_true(all_ok);
	assert_true(n > 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
