/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The anchoring layer on the real local orchestrator, against a region the
 * test serves as drongo-dp would (tests/unit/shared/dgt_region.c), with
 * the real dialog table behind a "proxy" that records what it is handed:
 * the edge.media.srtp policy turns an SRTP offer into RTP toward the
 * callee and the RTP answer into SRTP with the relay's keys toward the
 * caller; mc_dialog_sessions lists the call with its parties and relay
 * addresses, and its query's answer on the next listing; a re-INVITE that
 * arrives while that query runs waits for it and is then anchored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dgt_region.h"
#include "mc_dialog.h"
#include "mc_local.h"
#include "sip_msg.h"
#include "sip_transport_udp.h"

#define CALLER_PORT 5061
#define CALLEE_PORT 5062

static struct uring_loop loop;
static struct dgt_region region;
static struct mc_orch *orch;
static struct sip_dialogs *dialogs;
static struct mc_dialog *md;
static struct sip_udp_sock udp;
static struct sip_msg pmsg;
static char fwd[8][4096];		/* what the "proxy" was handed */
static unsigned int n_fwd;
static uint16_t next_port = 30000;
static struct dg_msg last_create;	/* the last SESSION_CREATE served */

/* The proxy's part: keep the dialog of an initial INVITE, record all. */
static void
proxy_rx(void *arg, const struct sip_rx *rx)
{
	struct sip_perr perr;
	struct sip_dialog *d;

	(void)arg;
	assert_true(n_fwd < 8);
	assert_true(rx->len < sizeof(fwd[0]));
	memcpy(fwd[n_fwd], rx->buf, rx->len);
	fwd[n_fwd][rx->len] = '\0';
	n_fwd++;
	assert_int_equal(sip_msg_decode(&pmsg, rx->buf, rx->len, &perr), 0);
	if (pmsg.is_request && pmsg.method == SIP_METHOD_INVITE &&
			pmsg.to.tag.len == 0) {
		assert_int_equal(sip_dialog_invite(dialogs, &pmsg, &d), 0);
		d = sip_dialog_put(d);
	} else if (!pmsg.is_request) {
		d = sip_dialog_find(dialogs, pmsg.call_id, pmsg.from.tag,
			DG_PL_NULL);
		if (d != NULL)
			sip_dialog_invite_response(d, &pmsg);
	}
}

/* drongo-dp's part: acknowledge every command, with ports on creation. */
static unsigned int
serve(void)
{
	struct dg_msg m, a;
	unsigned int n = 0;

	while (dgt_take(&region, 0, &m) == 1) {
		memset(&a, 0, sizeof(a));
		a.hdr.type = DG_MSG_ACK;
		a.hdr.seq = m.hdr.seq;
		a.hdr.session_id = m.hdr.session_id;
		a.u.ack.cmd_type = m.hdr.type;
		if (m.hdr.type == DG_MSG_SESSION_CREATE) {
			last_create = m;
			a.u.ack.leg[0].rtp = next_port;
			a.u.ack.leg[1].rtp = next_port + 2;
			next_port += 4;
		} else if (m.hdr.type == DG_MSG_SESSION_UPDATE) {
			a.u.ack.leg[0].rtp = m.u.session.leg[0].relay_rtp_port;
			a.u.ack.leg[1].rtp = m.u.session.leg[1].relay_rtp_port;
		}
		assert_int_equal(dgt_put(&region, 0, &a), 1);
		n++;
	}
	dgt_alive(&region);
	(void)mc_local_poll(orch);
	(void)mc_local_poll(orch);
	return n;
}

static void
rx_from(uint16_t port, const char *text)
{
	struct sockaddr_storage src;
	struct sockaddr_in *sin = (struct sockaddr_in *)&src;
	struct sip_rx rx;

	memset(&src, 0, sizeof(src));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	memset(&rx, 0, sizeof(rx));
	rx.buf = text;
	rx.len = strlen(text);
	rx.src = &src;
	rx.srclen = sizeof(struct sockaddr_in);
	rx.udp = &udp;
	mc_dialog_rx(md, &rx);
}

static const char *
body_of(const char *msg)
{
	const char *b = strstr(msg, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

static const char invite_fmt[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5061;branch=z9hG4bK-%s\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:bob@example.com>%s\r\n"
	"Call-ID: %s\r\nCSeq: %u INVITE\r\n"
	"Contact: <sip:alice@198.51.100.1:5061>\r\n"
	"Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s";

static const char ok_fmt[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5061;branch=z9hG4bK-mcd-1-%s\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:bob@example.com>;tag=b1\r\n"
	"Call-ID: mcd-1\r\nCSeq: %u INVITE\r\n"
	"Contact: <sip:bob@198.51.100.2:5062>\r\n"
	"Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s";

static const char srtp_offer[] =
	"v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n";
static const char rtp_answer[] =
	"v=0\r\no=- 2 1 IN IP4 10.2.2.2\r\ns=-\r\nc=IN IP4 10.2.2.2\r\n"
	"t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
static const char srtp_reoffer[] =
	"v=0\r\no=- 1 2 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\n"
	"t=0 0\r\nm=audio 4010 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\r\n";

static void
send_invite_cid(unsigned int cseq, const char *cid, const char *sdp)
{
	char text[2048], branch[32];

	snprintf(branch, sizeof(branch), "%s-i%u", cid, cseq);
	snprintf(text, sizeof(text), invite_fmt, branch,
		cseq > 1 ? ";tag=b1" : "", cid, cseq, strlen(sdp), sdp);
	rx_from(CALLER_PORT, text);
}

static void
send_invite(unsigned int cseq, const char *to_tag, const char *sdp)
{
	assert_true((cseq > 1) == (to_tag[0] != '\0'));
	send_invite_cid(cseq, "mcd-1", sdp);
}

static void
send_ok(unsigned int cseq, const char *sdp)
{
	char text[2048], branch[16];

	snprintf(branch, sizeof(branch), "i%u", cseq);
	snprintf(text, sizeof(text), ok_fmt, branch, cseq, strlen(sdp), sdp);
	rx_from(CALLEE_PORT, text);
}

static int
setup(void **state)
{
	struct mc_local_opts lo;
	struct sip_dialog_conf dc;
	struct mc_dialog_conf conf;
	char err[256];

	(void)state;
	assert_int_equal(uring_loop_init(&loop, 64), 0);
	memset(&lo, 0, sizeof(lo));
	lo.instance = dgt_instance(71);
	dgt_region_create(&region, lo.instance, 1, 0, 0);
	assert_int_equal(mc_local_create(&orch, NULL, &lo, err, sizeof(err)),
		0);
	memset(&dc, 0, sizeof(dc));
	assert_int_equal(sip_dialogs_create(&dialogs, &loop.timers, &dc), 0);
	assert_int_equal(mc_dialog_create(&md, &loop, orch, dialogs, proxy_rx,
		NULL), 0);
	sip_dialogs_set_media(dialogs, &mc_dialog_media_ops, md);
	mc_dialog_conf_defaults(&conf);
	conf.srtp[MC_PARTY_CALLEE] = SDP_XPORT_RTP;
	mc_dialog_set_conf(md, &conf);
	memset(&udp, 0, sizeof(udp));
	udp.loop = &loop;
	n_fwd = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sip_dialogs_set_media(dialogs, NULL, NULL);
	mc_dialog_destroy(md);
	sip_dialogs_destroy(dialogs);
	dgt_region_destroy(&region);
	uring_loop_fini(&loop);
	return 0;
}

struct seen {
	unsigned int n;
	struct mc_dialog_session s;
	char relay[2][64];
	bool have_info;
	unsigned int n_streams;
	bool srtp[2];
	uint16_t peer_port[2];
};

static void
addr_txt(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char host[INET_ADDRSTRLEN] = "";

	if (ss->ss_family != AF_INET) {
		snprintf(buf, cap, "none");
		return;
	}
	inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	snprintf(buf, cap, "%s:%u", host, ntohs(sin->sin_port));
}

static void
on_session(void *arg, const struct mc_dialog_session *s)
{
	struct seen *v = arg;
	unsigned int p;

	v->n++;
	v->s = *s;
	addr_txt(s->relay[MC_PARTY_CALLER], v->relay[0], sizeof(v->relay[0]));
	addr_txt(s->relay[MC_PARTY_CALLEE], v->relay[1], sizeof(v->relay[1]));
	v->have_info = s->info != NULL;
	if (s->info == NULL)
		return;
	v->n_streams = s->info->n_streams;
	for (p = 0; p < MC_PARTY__COUNT; p++) {
		const struct mc_leg_info *li =
			&s->info->streams[0].leg[s->leg[p]];

		v->srtp[p] = li->srtp;
		v->peer_port[p] = ntohs(((const struct sockaddr_in *)
			&li->peer)->sin_port);
	}
}

/* The policy converts profiles both ways; the listing shows the call. */
static void
test_policy_and_sessions(void **state)
{
	struct mc_dialog_stats st;
	struct seen v;
	char m[160];

	(void)state;
	send_invite(1, "", srtp_offer);
	assert_int_equal(n_fwd, 0);		/* held for the orchestrator */
	assert_true(serve() > 0);
	assert_int_equal(n_fwd, 1);
	/* The callee is offered plain RTP at the relay, no keys. */
	assert_non_null(strstr(body_of(fwd[0]), "c=IN IP4 192.0.2.1\r\n"));
	assert_non_null(strstr(body_of(fwd[0]), " RTP/AVP 0\r\n"));
	assert_null(strstr(body_of(fwd[0]), "a=crypto"));
	send_ok(1, rtp_answer);
	assert_true(serve() > 0);
	assert_int_equal(n_fwd, 2);
	/* The caller gets SRTP back, with keys of the relay's own. */
	assert_non_null(strstr(body_of(fwd[1]), " RTP/SAVP 0\r\n"));
	assert_non_null(strstr(body_of(fwd[1]),
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_null(strstr(body_of(fwd[1]),
		"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"));

	memset(&v, 0, sizeof(v));
	assert_int_equal(mc_dialog_sessions(md, 10, on_session, &v), 1);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.s.call_id, "mcd-1");
	assert_string_equal(v.s.tag[MC_PARTY_CALLER], "a1");
	assert_string_equal(v.s.tag[MC_PARTY_CALLEE], "b1");
	assert_true(v.s.confirmed);
	/* The callee was given the offer's relay port, the caller the answer's. */
	snprintf(m, sizeof(m), "m=audio %s RTP/AVP 0\r\n",
		v.relay[1] + strlen("192.0.2.1:"));
	assert_non_null(strstr(body_of(fwd[0]), m));
	snprintf(m, sizeof(m), "m=audio %s RTP/SAVP 0\r\n",
		v.relay[0] + strlen("192.0.2.1:"));
	assert_non_null(strstr(body_of(fwd[1]), m));
	assert_memory_equal(v.relay[0], "192.0.2.1:", 10);
	assert_memory_equal(v.relay[1], "192.0.2.1:", 10);
	assert_false(v.have_info);		/* the query is in flight */
	/* Nothing listed past max, the count stays whole. */
	assert_int_equal(mc_dialog_sessions(md, 0, on_session, &v), 1);
	assert_int_equal(v.n, 1);
	(void)serve();
	memset(&v, 0, sizeof(v));
	assert_int_equal(mc_dialog_sessions(md, 10, on_session, &v), 1);
	assert_true(v.have_info);
	assert_int_equal(v.n_streams, 1);
	assert_true(v.srtp[MC_PARTY_CALLER]);
	assert_false(v.srtp[MC_PARTY_CALLEE]);
	assert_int_equal(v.peer_port[MC_PARTY_CALLER], 4000);
	assert_int_equal(v.peer_port[MC_PARTY_CALLEE], 5000);
	mc_dialog_stats_get(md, &st);
	assert_int_equal(st.held, 2);
	assert_int_equal(st.rewritten, 2);
}

/*
 * edge.media.relay: on a relay with two addresses each party is given its
 * own, in its SDP and in the session programmed into the data plane; an
 * address the data plane does not have refuses the call (503).
 */
static void
test_relay_per_party(void **state)
{
	struct mc_dialog_conf conf;
	struct sockaddr_in *sin;
	struct mc_dialog_stats st;
	char err[256];

	(void)state;
	/* A second relay address, as drongo-dp publishes them. */
	mc_dialog_destroy(md);
	region.reg.hdr->addrs[1] = region.reg.hdr->addrs[0];
	region.reg.hdr->addrs[1].addr[0] = 198;
	region.reg.hdr->addrs[1].addr[1] = 51;
	region.reg.hdr->addrs[1].addr[2] = 100;
	region.reg.hdr->addrs[1].addr[3] = 9;
	region.reg.hdr->addr_count = 2;
	assert_int_equal(mc_local_create(&orch, NULL,
		&(struct mc_local_opts){ .instance = region.instance }, err,
		sizeof(err)), 0);
	assert_int_equal(mc_dialog_create(&md, &loop, orch, dialogs, proxy_rx,
		NULL), 0);
	sip_dialogs_set_media(dialogs, &mc_dialog_media_ops, md);
	mc_dialog_conf_defaults(&conf);
	sin = (struct sockaddr_in *)&conf.relay[MC_PARTY_CALLEE];
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xc6336409);	/* 198.51.100.9 */
	mc_dialog_set_conf(md, &conf);

	memset(&last_create, 0, sizeof(last_create));
	send_invite(1, "", rtp_answer);
	(void)serve();
	/* Leg 0 is the caller's (the first offerer), leg 1 the callee's. */
	assert_int_equal(last_create.hdr.type, DG_MSG_SESSION_CREATE);
	assert_int_equal(last_create.u.session.leg[0].relay_addr[0], 192);
	assert_int_equal(last_create.u.session.leg[1].relay_addr[0], 198);
	assert_int_equal(last_create.u.session.leg[1].relay_addr[3], 9);
	assert_int_equal(n_fwd, 1);
	assert_non_null(strstr(body_of(fwd[0]), "c=IN IP4 198.51.100.9\r\n"));
	send_ok(1, rtp_answer);
	(void)serve();
	assert_int_equal(n_fwd, 2);
	assert_non_null(strstr(body_of(fwd[1]), "c=IN IP4 192.0.2.1\r\n"));

	/* An address drongo-dp does not have: no call, 503. */
	sin->sin_addr.s_addr = htonl(0xcb00710a);	/* 203.0.113.10 */
	mc_dialog_set_conf(md, &conf);
	memset(&last_create, 0, sizeof(last_create));
	send_invite_cid(1, "mcd-2", rtp_answer);
	(void)serve();
	assert_int_equal(n_fwd, 2);
	assert_int_equal(last_create.hdr.type, 0);
	mc_dialog_stats_get(md, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(mc_dialog_sip_code(-EADDRNOTAVAIL), 503);
}

/* A re-INVITE that arrives while a listing's query runs waits for it. */
static void
test_reinvite_waits_for_query(void **state)
{
	struct mc_dialog_stats st;
	struct seen v;

	(void)state;
	send_invite(1, "", srtp_offer);
	(void)serve();
	send_ok(1, rtp_answer);
	(void)serve();
	assert_int_equal(n_fwd, 2);
	memset(&v, 0, sizeof(v));
	assert_int_equal(mc_dialog_sessions(md, 10, on_session, &v), 1);
	/* The query's commands sit in the ring, unanswered. */
	send_invite(2, ";tag=b1", srtp_reoffer);
	assert_int_equal(n_fwd, 2);
	mc_dialog_stats_get(md, &st);
	assert_int_equal(st.held, 3);
	assert_int_equal(st.refused, 0);
	/* The query completes, the re-offer goes to the orchestrator ... */
	(void)serve();
	assert_int_equal(n_fwd, 2);
	/* ... and once it is programmed, to the callee: RTP at the relay. */
	(void)serve();
	assert_int_equal(n_fwd, 3);
	assert_non_null(strstr(fwd[2], "CSeq: 2 INVITE"));
	assert_non_null(strstr(body_of(fwd[2]), "c=IN IP4 192.0.2.1\r\n"));
	assert_non_null(strstr(body_of(fwd[2]), " RTP/AVP 0\r\n"));
	assert_null(strstr(body_of(fwd[2]), "a=crypto"));
	assert_null(strstr(body_of(fwd[2]), "m=audio 4010 "));
	mc_dialog_stats_get(md, &st);
	assert_int_equal(st.rewritten, 3);
	assert_int_equal(st.refused, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_policy_and_sessions, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_reinvite_waits_for_query,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_per_party, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
