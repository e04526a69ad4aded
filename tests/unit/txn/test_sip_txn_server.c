/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server transactions on a virtual clock: what goes on the wire and when
 * (Timer G backing off to T2, Timers H, I, J, L), what is absorbed, what
 * reaches the TU, over UDP and over a reliable transport, and what happens
 * when a send fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "txn_test.h"

#define BR "z9hG4bKsrv1"
#define HOST "192.0.2.1"

/* A new INVITE reaches the TU once; its retransmission before any response is absorbed silently. */
static void
test_invite_new_then_retransmission_absorbed(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(t->ev[0].method, SIP_METHOD_INVITE);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_PROCEEDING);
	assert_int_equal(sip_txn_kind(t->kept), SIP_TXN_SERVER_INVITE);
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(t->n_sent, 0);
	assert_int_equal(sip_txn_layer_stats(t->layer)->retransmits_absorbed, 1);
	tt_fini(t);
}

/* A retransmitted INVITE in Proceeding gets the last provisional response again, byte for byte. */
static void
test_invite_retransmission_gets_last_provisional(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 100, NULL, NULL, NULL), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 180, NULL, "xy", NULL), 0);
	assert_int_equal(t->n_sent, 2);
	tt_run_to(t, 300);
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(t->n_sent, 3);
	assert_int_equal(tt_sent_status(t, 2), 180);
	assert_int_equal(t->sent[2].len, t->sent[1].len);
	assert_memory_equal(t->sent[2].buf, t->sent[1].buf, t->sent[1].len);
	assert_non_null(strstr(t->sent[2].buf, "To: <sip:bob@example.com>;tag=xy\r\n"));
	/* No timer retransmits a provisional response. */
	tt_run_to(t, 20000);
	assert_int_equal(t->n_sent, 3);
	tt_fini(t);
}

/* A non-2xx final over UDP is retransmitted by Timer G at T1, 2T1, 4T1 capped at T2 until Timer H at 64*T1. */
static void
test_invite_non2xx_timer_g_then_h(void **state)
{
	static const uint64_t want[] = {
		0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500,
		31500,
	};
	uint64_t got[32];
	struct tt *t = tt_new();
	unsigned int n, i;

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b1", NULL), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_COMPLETED);
	tt_run_to(t, 31999);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_run_to(t, 32000);
	n = tt_sent_times(t, 0, got, 32);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		assert_int_equal(got[i], want[i]);
		assert_int_equal(tt_sent_status(t, i), 486);
	}
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	assert_ptr_equal(tt_last_ev(t, TT_EV_TIMEOUT)->txn, t->kept);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_TIMEOUT);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->at, 32000);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 0);
	tt_run_to(t, 100000);
	assert_int_equal(t->n_sent, n);
	tt_fini(t);
}

/* The ACK moves Completed to Confirmed: retransmissions stop, later ACKs and INVITEs are absorbed, Timer I (T4) ends it. */
static void
test_invite_ack_confirms_then_timer_i(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b1", NULL), 0);
	tt_run_to(t, 700);
	assert_int_equal(t->n_sent, 2);		/* 0 and 500 */
	assert_int_equal(tt_recv(t, TT_ACK(BR, HOST, "b1")), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_CONFIRMED);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 0);
	assert_int_equal(tt_recv(t, TT_ACK(BR, HOST, "b1")), 0);
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	tt_run_to(t, 5699);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_CONFIRMED);
	tt_run_to(t, 5700);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_NORMAL);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_fini(t);
}

/* In Completed a retransmitted INVITE gets the final response again. */
static void
test_invite_completed_resends_final(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 100, NULL, NULL, NULL), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 603, NULL, "d", NULL), 0);
	tt_run_to(t, 100);
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(t->n_sent, 3);
	assert_int_equal(tt_sent_status(t, 2), 603);
	assert_int_equal(t->sent[2].at, 100);
	tt_fini(t);
}

/* Over TCP there is no Timer G, Timer H still runs, and the ACK ends the transaction at once (Timer I = 0). */
static void
test_invite_reliable_no_g_and_zero_i(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP,
			TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b1", NULL), 0);
	assert_int_equal(sip_txn_dest(t->kept)->conn_id, 7);
	assert_int_equal(sip_txn_dest(t->kept)->transport, SIP_TP_TCP);
	tt_run_to(t, 20000);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP, TT_ACK(BR, HOST, "b1")), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->at, 20000);
	tt_fini(t);

	/* Without an ACK Timer H fires at 64*T1 on TCP too. */
	t = tt_new();
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b1", NULL), 0);
	tt_run_to(t, 32000);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TIMEOUT)->at, 32000);
	assert_int_equal(t->n_sent, 1);
	tt_fini(t);
}

/* RFC 6026: a 2xx moves the INVITE server transaction to Accepted; INVITE retransmissions are absorbed, more 2xx pass, the ACK goes to the TU, Timer L ends it. */
static void
test_invite_2xx_accepted_timer_l(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "ok", NULL), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_ACCEPTED);
	tt_run_to(t, 1000);
	assert_int_equal(t->n_sent, 1);		/* no Timer G for a 2xx */
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	/* The TU (a proxy forwarding a 2xx retransmission) may send more. */
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "ok", NULL), 0);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "ok", NULL),
			-EALREADY);
	assert_int_equal(sip_txn_server_reply(t->kept, 180, NULL, "ok", NULL),
			-EALREADY);
	/* An ACK that matches (same branch) is still end to end. */
	assert_int_equal(tt_recv(t, TT_ACK(BR, HOST, "ok")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 1);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_ACCEPTED);
	tt_run_to(t, 31999);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_ACCEPTED);
	tt_run_to(t, 32000);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_fini(t);
}

/* The ACK of a 2xx carries a new branch: it matches nothing and goes to the TU. */
static void
test_ack_for_2xx_goes_to_tu(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "ok", NULL), 0);
	assert_int_equal(tt_recv(t, TT_ACK("z9hG4bKack2", HOST, "ok")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_ACK)->method, SIP_METHOD_ACK);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 1);
	tt_fini(t);
}

/* Non-INVITE over UDP: Trying absorbs, Proceeding resends the provisional, Completed resends the final until Timer J (64*T1). */
static void
test_non_invite_states_and_timer_j(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "5")), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TRYING);
	assert_int_equal(sip_txn_kind(t->kept), SIP_TXN_SERVER_NON_INVITE);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "5")), 0);
	assert_int_equal(t->n_sent, 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 100, NULL, NULL, NULL), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_PROCEEDING);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "5")), 0);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(tt_sent_status(t, 1), 100);
	tt_run_to(t, 1000);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "o", NULL), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_COMPLETED);
	tt_run_to(t, 2000);
	assert_int_equal(t->n_sent, 3);		/* no timer resends a non-INVITE final */
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "5")), 0);
	assert_int_equal(t->n_sent, 4);
	assert_int_equal(tt_sent_status(t, 3), 200);
	assert_int_equal(sip_txn_server_reply(t->kept, 404, NULL, "o", NULL),
			-EALREADY);
	tt_run_to(t, 32999);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_COMPLETED);
	tt_run_to(t, 33000);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "o", NULL),
			-ENOENT);
	/* Now a retransmission is a new request again. */
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "5")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 2);
	tt_fini(t);
}

/* Non-INVITE over TCP: Timer J is zero, the final response ends the transaction as it is sent. */
static void
test_non_invite_reliable_zero_j(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP,
			TT_REQ("REGISTER", BR, HOST, "2")), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "r", NULL), 0);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(tt_sent_status(t, 0), 200);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 0);
	/* The response still readable through the TU's reference. */
	{
		int code;
		struct dg_pl r = sip_txn_last_response(t->kept, &code);

		assert_int_equal(code, 200);
		assert_int_equal(r.len, t->sent[0].len);
	}
	assert_null(sip_txn_layer_of(t->kept));
	tt_fini(t);
}

/* Responses go where RFC 3261 18.2.2 / RFC 3581 say: rport gets the source port, received the source address. */
static void
test_response_dest_follows_via(void **state)
{
	struct tt *t = tt_new();
	const struct sockaddr_in *sin;

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR,
			"203.0.113.5:5080;rport", "5")), 0);
	sin = (const struct sockaddr_in *)&sip_txn_dest(t->kept)->addr;
	/* tt_recv's source is 192.0.2.1:5060. */
	assert_int_equal(ntohs(sin->sin_port), 5060);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc0000201);
	tt_fini(t);

	t = tt_new();
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, "192.0.2.1:5090",
			"5")), 0);
	sin = (const struct sockaddr_in *)&sip_txn_dest(t->kept)->addr;
	assert_int_equal(ntohs(sin->sin_port), 5090);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "o", NULL), 0);
	sin = (const struct sockaddr_in *)&t->sent[0].dst.addr;
	assert_int_equal(ntohs(sin->sin_port), 5090);
	tt_fini(t);
}

/* A failed send of a response is reported to the TU, ends the transaction and is returned. */
static void
test_respond_transport_error(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	t->fail_send = -ENETUNREACH;
	t->fail_count = 1;
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b", NULL),
			-ENETUNREACH);
	assert_int_equal(tt_count_ev(t, TT_EV_TRANSPORT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TRANSPORT)->err, -ENETUNREACH);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_TRANSPORT);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_layer_stats(t->layer)->transport_errors, 1);
	tt_fini(t);
}

/* A Timer G retransmission that cannot be sent is a transport error too. */
static void
test_timer_g_transport_error(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b", NULL), 0);
	t->fail_send = -EPIPE;
	t->fail_count = 1;
	tt_run_to(t, 500);
	assert_int_equal(tt_count_ev(t, TT_EV_TRANSPORT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TRANSPORT)->at, 500);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_TERMINATED);
	tt_run_to(t, 40000);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_fini(t);
}

/* Bad arguments to respond are refused without a state change. */
static void
test_respond_rejects_bad_codes(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_respond(t->kept, 99, "x", 1), -EINVAL);
	assert_int_equal(sip_txn_server_respond(t->kept, 700, "x", 1), -EINVAL);
	assert_int_equal(sip_txn_server_respond(t->kept, 200, "x", 0), -EINVAL);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_PROCEEDING);
	assert_int_equal(t->n_sent, 0);
	tt_fini(t);
}

/* T1, T2 and T4 come from the environment: T1 100 and T2 400 give G at 100, 300, 700, 1100 and H at 6400. */
static void
test_configured_timers(void **state)
{
	static const uint64_t want[] = { 0, 100, 300, 700, 1100, 1500 };
	struct tt *t = tt_new_env(100, 400, 1000, 0);
	uint64_t got[64];
	unsigned int i;

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b", NULL), 0);
	tt_run_to(t, 1500);
	assert_int_equal(tt_sent_times(t, 0, got, 64), 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(got[i], want[i]);
	tt_run_to(t, 6400);
	assert_int_equal(tt_last_ev(t, TT_EV_TIMEOUT)->at, 6400);
	tt_fini(t);

	/* A reload changes the timers of new transactions only. */
	t = tt_new();
	assert_int_equal(sip_txn_layer_set_timers(t->layer, 1000, 500, 0, 0),
			-EINVAL);
	assert_int_equal(sip_txn_layer_set_timers(t->layer, 200, 0, 0, 0), 0);
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b", NULL), 0);
	tt_run_to(t, 200);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(t->sent[1].at, 200);
	tt_fini(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_new_then_retransmission_absorbed),
		cmocka_unit_test(test_invite_retransmission_gets_last_provisional),
		cmocka_unit_test(test_invite_non2xx_timer_g_then_h),
		cmocka_unit_test(test_invite_ack_confirms_then_timer_i),
		cmocka_unit_test(test_invite_completed_resends_final),
		cmocka_unit_test(test_invite_reliable_no_g_and_zero_i),
		cmocka_unit_test(test_invite_2xx_accepted_timer_l),
		cmocka_unit_test(test_ack_for_2xx_goes_to_tu),
		cmocka_unit_test(test_non_invite_states_and_timer_j),
		cmocka_unit_test(test_non_invite_reliable_zero_j),
		cmocka_unit_test(test_response_dest_follows_via),
		cmocka_unit_test(test_respond_transport_error),
		cmocka_unit_test(test_timer_g_transport_error),
		cmocka_unit_test(test_respond_rejects_bad_codes),
		cmocka_unit_test(test_configured_timers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
