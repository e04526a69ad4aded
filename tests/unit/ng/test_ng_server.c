/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the ng server and the local orchestrator together: real
 * bencoded requests go into ng_server_input, mc_local programs a region
 * that the test lays out and serves as drongo-dp would (dgt_region.c), and
 * the replies are captured. Checked: ping in rtpengine's documented form,
 * the reply cache (identical bytes, absorbed retransmission while running,
 * expiry), dropped cookie-less datagrams, error replies, the offer/answer
 * state machine (what each leg is programmed with, the SDP each side gets),
 * rollback on a refused session, query/delete/list/statistics, media
 * timeout events and re-programming after a data-plane restart.
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
#include <time.h>

#include <cmocka.h>

#include "dgt_region.h"
#include "mc_local.h"
#include "ng_server.h"

struct capture {
	unsigned int n;
	char last[8192];
	size_t last_len;
};

struct fixture {
	struct dgt_region r;
	unsigned int instance;
	struct mc_orch *orch;
	struct ng_server *srv;
	struct capture cap;
	struct sockaddr_in src;
	uint16_t next_port;
	unsigned int events;
	char event_call[128];
	int event_type;
	uint64_t now;
};

static unsigned int instance_seq;

static int
capture_send(void *arg, const struct sockaddr *dst, socklen_t dstlen,
	     const void *data, size_t len)
{
	struct capture *c = arg;

	(void)dst;
	(void)dstlen;
	assert_true(len < sizeof(c->last));
	memcpy(c->last, data, len);
	c->last[len] = '\0';
	c->last_len = len;
	c->n++;
	return 0;
}

static void
on_event(void *arg, const struct mc_event *ev)
{
	struct fixture *f = arg;

	f->events++;
	f->event_type = (int)ev->type;
	snprintf(f->event_call, sizeof(f->event_call), "%s",
		 ev->call_id != NULL ? ev->call_id : "");
}

static int
setup(void **state)
{
	struct mc_local_opts lo = { 0 };
	struct ng_server_opts so = { .cache_entries = 8, .cache_ttl_ms = 1000 };
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->instance = dgt_instance(++instance_seq);
	dgt_region_create(&f->r, f->instance, 1, 0, 0);
	lo.instance = f->instance;
	assert_int_equal(mc_local_create(&f->orch, NULL, &lo, err, sizeof(err)), 0);
	mc_orch_set_event_fn(f->orch, on_event, f);
	assert_int_equal(ng_server_create(&f->srv, f->orch, &so, capture_send,
					  &f->cap), 0);
	f->src.sin_family = AF_INET;
	f->src.sin_port = htons(5555);
	f->src.sin_addr.s_addr = htonl(0x7f000001);
	f->next_port = 32768;
	f->now = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mc_orch_destroy(f->orch);
	ng_server_destroy(f->srv);
	dgt_region_destroy(&f->r);
	free(f);
	return 0;
}

static void
input(struct fixture *f, const char *msg)
{
	ng_server_input(f->srv, msg, strlen(msg), false,
			(const struct sockaddr *)&f->src, sizeof(f->src), f->now);
}

/* What the test's data plane saw. */
struct dp_log {
	unsigned int n;
	struct dg_msg cmd[16];
};

/*
 * Play worker 0: take every command, ACK it (CREATE gets the next even
 * ports unless the command names them; @p refuse fails CREATE), then let
 * the orchestrator read the replies.
 */
static void
serve(struct fixture *f, struct dp_log *log, int refuse)
{
	struct dg_msg m, a;

	while (dgt_take(&f->r, 0, &m) == 1) {
		if (log != NULL && log->n < 16)
			log->cmd[log->n++] = m;
		memset(&a, 0, sizeof(a));
		a.hdr.type = DG_MSG_ACK;
		a.hdr.seq = m.hdr.seq;
		a.hdr.session_id = m.hdr.session_id;
		a.u.ack.cmd_type = m.hdr.type;
		if (m.hdr.type == DG_MSG_SESSION_CREATE && refuse != 0) {
			a.u.ack.status = refuse;
		} else if (m.hdr.type == DG_MSG_SESSION_CREATE ||
			   m.hdr.type == DG_MSG_SESSION_UPDATE) {
			unsigned int L;

			for (L = 0; L < 2; L++) {
				uint16_t p = m.u.session.leg[L].relay_rtp_port;

				if (p == 0) {
					p = f->next_port;
					f->next_port += 2;
				}
				a.u.ack.leg[L].rtp = p;
				a.u.ack.leg[L].rtcp = p + 1;
			}
		} else if (m.hdr.type == DG_MSG_SESSION_QUERY) {
			struct dg_msg st;

			memset(&st, 0, sizeof(st));
			st.hdr.type = DG_MSG_SESSION_STATS;
			st.hdr.seq = m.hdr.seq;
			st.hdr.session_id = m.hdr.session_id;
			st.u.stats.leg[0].rx_pkts = 50;
			st.u.stats.leg[0].rx_bytes = 8600;
			st.u.stats.leg[1].rx_pkts = 49;
			st.u.stats.leg[1].rx_bytes = 8428;
			st.u.stats.leg[1].drops[DG_LEG_DROP_SOURCE] = 2;
			assert_int_equal(dgt_put(&f->r, 0, &st), 1);
		}
		assert_int_equal(dgt_put(&f->r, 0, &a), 1);
	}
	dgt_alive(&f->r);
	(void)mc_local_poll(f->orch);
}

static const char offer_sdp[] =
	"v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\ns=-\r\n"
	"c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";
static const char answer_sdp[] =
	"v=0\r\no=bob 2808844564 2808844564 IN IP4 10.0.0.2\r\ns=-\r\n"
	"c=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static void
send_media(struct fixture *f, const char *cookie, const char *cmd,
	   const char *to_tag, const char *sdp, const char *extra)
{
	char msg[2048];

	snprintf(msg, sizeof(msg),
		 "%s d7:command%zu:%s7:call-id10:call1@test8:from-tag4:tagA%s%s"
		 "3:sdp%zu:%s%se", cookie, strlen(cmd), cmd,
		 to_tag != NULL ? "6:to-tag4:" : "",
		 to_tag != NULL ? to_tag : "", strlen(sdp), sdp, extra);
	input(f, msg);
}

/* rtpengine's documented ping, byte for byte; a retransmission is served
 * from the cache, identically, without running the command again. */
static void
test_ping_and_cache(void **state)
{
	struct fixture *f = *state;
	struct ng_server_stats st;

	input(f, "5323_1 d7:command4:pinge");
	assert_int_equal(f->cap.n, 1);
	assert_string_equal(f->cap.last, "5323_1 d6:result4:ponge");
	input(f, "5323_1 d7:command4:pinge");
	assert_int_equal(f->cap.n, 2);
	assert_string_equal(f->cap.last, "5323_1 d6:result4:ponge");
	ng_server_stats_get(f->srv, &st);
	assert_int_equal(st.retransmits, 1);
	assert_int_equal(st.cmds[NG_CMD_PING], 1);
	/* Past the TTL the cookie is new again. */
	f->now += 5000;
	input(f, "5323_1 d7:command4:pinge");
	ng_server_stats_get(f->srv, &st);
	assert_int_equal(st.retransmits, 1);
	assert_int_equal(st.cmds[NG_CMD_PING], 2);
}

/* The cache is bounded: the oldest reply makes room for new ones. */
static void
test_cache_bounded(void **state)
{
	struct fixture *f = *state;
	struct ng_server_stats st;
	char msg[64];
	int i;

	for (i = 0; i < 9; i++) {
		snprintf(msg, sizeof(msg), "c%d d7:command4:pinge", i);
		input(f, msg);
	}
	input(f, "c8 d7:command4:pinge");
	input(f, "c0 d7:command4:pinge");
	ng_server_stats_get(f->srv, &st);
	assert_int_equal(st.retransmits, 1);
	assert_int_equal(st.cmds[NG_CMD_PING], 10);
}

/* No readable cookie: dropped and counted, no reply; bad requests with a
 * cookie get an error reply with a reason. */
static void
test_errors(void **state)
{
	static const struct {
		const char *in;
		const char *reply;
	} cases[] = {
		{ "e1 d7:command", "e1 d6:result5:error12:error-reason70:"
		  "Failed to decode bencode: truncated: container not closed"
		  " at offset 10e" },
		{ "e2 l4:pinge", "e2 d6:result5:error12:error-reason27:"
		  "Could not decode dictionarye" },
		{ "e3 d4:ping4:pinge", "e3 d6:result5:error12:error-reason21:"
		  "No command in messagee" },
		{ "e4 d7:command5:dancee", "e4 d6:result5:error12:error-reason20:"
		  "Unrecognized commande" },
		{ "e5 d7:command5:offer7:call-id1:ae",
		  "e5 d6:result5:error12:error-reason22:No from-tag in messagee" },
		{ "e6 d7:command6:delete7:call-id2:nxe",
		  "e6 d6:result5:error12:error-reason38:"
		  "Call-ID not found or tags didn't matche" },
		{ "e7 i1e ", "e7 d6:result5:error12:error-reason51:"
		  "Failed to decode bencode: trailing data at offset 3e" },
	};
	struct fixture *f = *state;
	struct ng_server_stats st;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		input(f, cases[i].in);
		assert_int_equal(f->cap.n, i + 1);
		assert_string_equal(f->cap.last, cases[i].reply);
	}
	input(f, "nospace");
	input(f, " d7:command4:pinge");
	input(f, "bad\001cookie d7:command4:pinge");
	assert_int_equal(f->cap.n, i);
	ng_server_stats_get(f->srv, &st);
	assert_int_equal(st.dropped_cookie, 3);
	assert_int_equal(st.errors, i);
}

/* Offer then answer: the legs are programmed with each side's address, each
 * side's SDP points at the relay port of its own leg, retransmissions are
 * absorbed while the data plane works, delete removes the session. */
static void
test_offer_answer_delete(void **state)
{
	struct fixture *f = *state;
	struct ng_server_stats st;
	struct dp_log log = { 0 };
	const struct dg_msg_leg *l0, *l1;
	char *p;

	send_media(f, "o1", "offer", NULL, offer_sdp,
		   "5:flagsl13:trust-address12:unknown-flage"
		   "7:replacel6:origin18:session-connectione3:ICE6:remove");
	assert_int_equal(f->cap.n, 0);
	/* The same offer again while the data plane has not answered. */
	send_media(f, "o1", "offer", NULL, offer_sdp, "");
	ng_server_stats_get(f->srv, &st);
	assert_int_equal(st.in_progress, 1);
	serve(f, &log, 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.cmd[0].hdr.type, DG_MSG_SESSION_CREATE);
	l0 = &log.cmd[0].u.session.leg[0];
	l1 = &log.cmd[0].u.session.leg[1];
	assert_int_equal(l0->peer_family, DG_AF_INET);
	assert_memory_equal(l0->peer_addr, "\x0a\x00\x00\x01", 4);
	assert_int_equal(l0->peer_rtp_port, 49170);
	assert_int_equal(l1->peer_family, DG_AF_NONE);
	assert_memory_equal(l0->relay_addr, "\xc0\x00\x02\x01", 4);
	assert_int_equal(f->cap.n, 1);
	assert_non_null(strstr(f->cap.last, "o1 d6:result2:ok3:sdp"));
	/* Toward the answerer: leg 1's port (32770), the relay address. */
	assert_non_null(strstr(f->cap.last, "c=IN IP4 192.0.2.1\r\n"));
	assert_non_null(strstr(f->cap.last, "m=audio 32770 RTP/AVP 0\r\n"));
	assert_non_null(strstr(f->cap.last,
			       "o=alice 2890844526 2890844527 IN IP4 192.0.2.1\r\n"));

	send_media(f, "a1", "answer", "tagB", answer_sdp, "");
	log.n = 0;
	serve(f, &log, 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.cmd[0].hdr.type, DG_MSG_SESSION_UPDATE);
	l0 = &log.cmd[0].u.session.leg[0];
	l1 = &log.cmd[0].u.session.leg[1];
	assert_int_equal(l0->relay_rtp_port, 32768);
	assert_int_equal(l1->relay_rtp_port, 32770);
	assert_int_equal(l1->peer_family, DG_AF_INET);
	assert_memory_equal(l1->peer_addr, "\x0a\x00\x00\x02", 4);
	assert_int_equal(l1->peer_rtp_port, 49172);
	assert_int_equal(l0->srtp_suite, DG_SRTP_NONE);
	assert_int_equal(log.cmd[0].u.session.timeout_stop_s, 60);
	assert_int_equal(f->cap.n, 2);
	/* Toward the offerer: leg 0's port. */
	assert_non_null(strstr(f->cap.last, "a1 d6:result2:ok3:sdp"));
	assert_non_null(strstr(f->cap.last, "m=audio 32768 RTP/AVP 0\r\n"));
	assert_non_null(strstr(f->cap.last, "c=IN IP4 192.0.2.1\r\n"));

	input(f, "q1 d7:command5:query7:call-id10:call1@teste");
	serve(f, NULL, 0);
	assert_int_equal(f->cap.n, 3);
	p = f->cap.last;
	assert_non_null(strstr(p, "4:tagsd4:tagAd3:tag4:tagA"));
	assert_non_null(strstr(p, "16:in dialogue with4:tagB"));
	assert_non_null(strstr(p, "10:local porti32768e"));
	assert_non_null(strstr(p, "5:statsd7:packetsi50e5:bytesi8600e6:errorsi0ee"));
	assert_non_null(strstr(p, "5:statsd7:packetsi49e5:bytesi8428e6:errorsi2ee"));
	assert_non_null(strstr(p, "6:totalsd3:RTPd7:packetsi99e"));

	input(f, "l1 d7:command4:liste");
	assert_string_equal(f->cap.last,
			    "l1 d6:result2:ok5:callsl10:call1@testee");
	/* "limit" as a string is read within its own bytes only. */
	input(f, "l3 d7:command4:list5:limit1:01:9i1ee");
	assert_string_equal(f->cap.last, "l3 d6:result2:ok5:callslee");
	input(f, "l4 d7:command4:list5:limit2:-1e");
	assert_string_equal(f->cap.last,
			    "l4 d6:result5:error12:error-reason13:Invalid limite");
	input(f, "d1 d7:command6:delete7:call-id10:call1@test8:from-tag4:tagAe");
	log.n = 0;
	serve(f, &log, 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.cmd[0].hdr.type, DG_MSG_SESSION_QUERY);
	assert_int_equal(log.cmd[1].hdr.type, DG_MSG_SESSION_DELETE);
	assert_non_null(strstr(f->cap.last, "d1 d6:result2:ok7:created"));
	input(f, "l2 d7:command4:liste");
	assert_string_equal(f->cap.last, "l2 d6:result2:ok5:callslee");
}

/* A data plane that refuses the session: an error reply and no call kept. */
static void
test_refused_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct mc_orch_stats st;

	send_media(f, "r1", "offer", NULL, offer_sdp, "");
	serve(f, NULL, -ENOSPC);
	assert_string_equal(f->cap.last,
			    "r1 d6:result5:error12:error-reason35:"
			    "no relay capacity in the data planee");
	mc_orch_stats(f->orch, &st);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.streams, 0);
	/* An answer for a call that does not exist. */
	send_media(f, "r2", "answer", "tagB", answer_sdp, "");
	assert_string_equal(f->cap.last,
			    "r2 d6:result5:error12:error-reason15:Unknown call-ide");
	/* Unusable SDP: 488 material, with the parser's reason. */
	send_media(f, "r3", "offer", NULL, "v=0\r\nx=1\r\n", "");
	assert_non_null(strstr(f->cap.last, "r3 d6:result5:error"));
}

/* SDES toward the answerer, plain RTP toward the offerer: the answerer's
 * leg is programmed with its key in and ours out. */
static void
test_sdes_toward_answerer(void **state)
{
	static const char key_b64[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	struct fixture *f = *state;
	struct dp_log log = { 0 };
	char ans[1024], *k;
	const struct dg_msg_leg *l0, *l1;

	send_media(f, "s1", "offer", NULL, offer_sdp,
		   "18:transport-protocol8:RTP/SAVP");
	serve(f, NULL, 0);
	assert_non_null(strstr(f->cap.last, "m=audio 32770 RTP/SAVP 0\r\n"));
	k = strstr(f->cap.last, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	assert_non_null(k);
	snprintf(ans, sizeof(ans),
		 "v=0\r\no=bob 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
		 "t=0 0\r\nm=audio 49172 RTP/SAVP 0\r\n"
		 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", key_b64);
	send_media(f, "s2", "answer", "tagB", ans, "");
	serve(f, &log, 0);
	assert_int_equal(log.n, 1);
	l0 = &log.cmd[0].u.session.leg[0];
	l1 = &log.cmd[0].u.session.leg[1];
	assert_int_equal(l0->srtp_suite, DG_SRTP_NONE);
	assert_int_equal(l1->srtp_suite, DG_SRTP_AES_CM_128_HMAC_SHA1_80);
	/* "WVNf..." decodes to key "YS__semctl () {" ... */
	assert_memory_equal(l1->srtp_in.key, "YS___semctl () {", 16);
	assert_non_null(strstr(f->cap.last, "m=audio 32768 RTP/AVP 0\r\n"));
	assert_null(strstr(f->cap.last, "a=crypto"));
}

/* A media timeout from the data plane ends the call and reaches the hook. */
static void
test_media_timeout_event(void **state)
{
	struct fixture *f = *state;
	struct dp_log log = { 0 };
	struct mc_orch_stats st;
	struct dg_msg ev;

	send_media(f, "t1", "offer", NULL, offer_sdp, "");
	serve(f, &log, 0);
	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = DG_MSG_MEDIA_TIMEOUT;
	ev.hdr.session_id = log.cmd[0].hdr.session_id;
	ev.u.stats.reason = DG_TIMEOUT_STOPPED;
	assert_int_equal(dgt_put(&f->r, 0, &ev), 1);
	serve(f, NULL, 0);
	assert_int_equal(f->events, 1);
	assert_int_equal(f->event_type, MC_EVENT_MEDIA_TIMEOUT);
	assert_string_equal(f->event_call, "call1@test");
	mc_orch_stats(f->orch, &st);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.timeouts, 1);
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* drongo-dp restarts (new generation): the live session is created again
 * on the new region with the relay ports the SDP already announced. */
static void
test_restart_reprograms(void **state)
{
	struct fixture *f = *state;
	struct dp_log log = { 0 };
	unsigned int i;

	send_media(f, "p1", "offer", NULL, offer_sdp, "");
	serve(f, NULL, 0);
	send_media(f, "p2", "answer", "tagB", answer_sdp, "");
	serve(f, NULL, 0);
	dgt_region_destroy(&f->r);
	dgt_region_create(&f->r, f->instance, 1, 0, 0);
	for (i = 0; i < 200 && log.n == 0; i++) {
		sleep_ms(10);
		serve(f, &log, 0);
	}
	assert_int_equal(log.n, 1);
	assert_int_equal(log.cmd[0].hdr.type, DG_MSG_SESSION_CREATE);
	assert_int_equal(log.cmd[0].u.session.leg[0].relay_rtp_port, 32768);
	assert_int_equal(log.cmd[0].u.session.leg[1].relay_rtp_port, 32770);
	assert_int_equal(log.cmd[0].u.session.leg[1].peer_rtp_port, 49172);
	assert_int_equal(f->event_type, MC_EVENT_DP_RESTARTED);
}

/* A delete racing the offer (CANCEL): it waits for the offer, then the
 * session that offer created is deleted; a query meanwhile is refused. */
static void
test_delete_waits_for_offer(void **state)
{
	struct fixture *f = *state;
	struct dp_log log = { 0 };
	struct mc_orch_stats st;

	send_media(f, "w1", "offer", NULL, offer_sdp, "");
	input(f, "w2 d7:command6:delete7:call-id10:call1@teste");
	input(f, "w3 d7:command5:query7:call-id10:call1@teste");
	assert_int_equal(f->cap.n, 1);
	assert_string_equal(f->cap.last, "w3 d6:result5:error12:error-reason32:"
			    "Call busy with another operatione");
	serve(f, &log, 0);
	serve(f, &log, 0);
	assert_int_equal(f->cap.n, 3);
	assert_non_null(strstr(f->cap.last, "w2 d6:result2:ok"));
	assert_int_equal(log.n, 3);
	assert_int_equal(log.cmd[0].hdr.type, DG_MSG_SESSION_CREATE);
	assert_int_equal(log.cmd[1].hdr.type, DG_MSG_SESSION_QUERY);
	assert_int_equal(log.cmd[2].hdr.type, DG_MSG_SESSION_DELETE);
	assert_int_equal(log.cmd[2].hdr.session_id, log.cmd[0].hdr.session_id);
	mc_orch_stats(f->orch, &st);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.streams, 0);
	/* Racing a refused offer: the delete still answers, nothing left. */
	send_media(f, "w4", "offer", NULL, offer_sdp, "");
	input(f, "w5 d7:command6:delete7:call-id10:call1@teste");
	serve(f, NULL, -ENOSPC);
	serve(f, NULL, 0);
	assert_non_null(strstr(f->cap.last, "w5 d6:result2:ok"));
	mc_orch_stats(f->orch, &st);
	assert_int_equal(st.calls, 0);
}

/* statistics reports the orchestrator's counters. */
static void
test_statistics(void **state)
{
	struct fixture *f = *state;

	send_media(f, "x1", "offer", NULL, offer_sdp, "");
	serve(f, NULL, 0);
	input(f, "x2 d7:command10:statisticse");
	assert_non_null(strstr(f->cap.last,
			       "17:currentstatisticsd11:sessionsowni1e"));
	assert_non_null(strstr(f->cap.last, "15:managedsessionsi1e"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ping_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_answer_delete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_rolls_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sdes_toward_answerer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_media_timeout_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_reprograms, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_waits_for_offer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_statistics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
