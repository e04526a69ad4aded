/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions on a virtual clock: retransmission schedules (Timer
 * A doubling without a cap, Timer E capped at T2), Timers B, D, F, K, M,
 * the ACK the layer writes for a non-2xx final response, RFC 6026
 * Accepted, CANCEL per RFC 3261 section 9.1, and transport errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "txn_test.h"

#define BR "z9hG4bKcli1"

static void
assert_times(const struct tt *t, const uint64_t *want, unsigned int n)
{
	uint64_t got[TT_MAX_SENT];
	unsigned int i;

	assert_int_equal(tt_sent_times(t, 0, got, TT_MAX_SENT), n);
	for (i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

/* INVITE over UDP is sent at 0 and retransmitted at 500, 1500, 3500, ... 31500 (Timer A doubles, no cap); Timer B times out at 64*T1. */
static void
test_invite_timer_a_doubles_then_b(void **state)
{
	static const uint64_t want[] = {
		0, 500, 1500, 3500, 7500, 15500, 31500,
	};
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;
	unsigned int i;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_CALLING);
	assert_int_equal(sip_txn_kind(ct), SIP_TXN_CLIENT_INVITE);
	assert_true(dg_pl_eq(sip_txn_branch(ct), DG_PL(BR)));
	tt_run_to(t, 31999);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_run_to(t, 32000);
	assert_times(t, want, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < t->n_sent; i++) {
		assert_int_equal(t->sent[i].len, strlen(TT_OUT_INVITE(BR)));
		assert_memory_equal(t->sent[i].buf, TT_OUT_INVITE(BR),
				t->sent[i].len);
	}
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	assert_ptr_equal(tt_last_ev(t, TT_EV_TIMEOUT)->txn, ct);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_TIMEOUT);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_layer_stats(t->layer)->timeouts, 1);
	ct = sip_txn_put(ct);
	assert_null(ct);
	tt_fini(t);
}

/* Over TCP an INVITE is sent once (no Timer A) and Timer B still bounds it. */
static void
test_invite_reliable_no_timer_a(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_client(t, NULL, TT_OUT_INVITE(BR), SIP_TP_TCP), 0);
	tt_run_to(t, 32000);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(t->sent[0].dst.conn_id, 7);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TIMEOUT)->at, 32000);
	tt_fini(t);
}

/* A provisional response stops retransmissions and Timer B: Proceeding waits for the TU's Timer C. */
static void
test_invite_provisional_stops_retransmission(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	tt_run_to(t, 600);
	assert_int_equal(tt_recv(t, TT_RESP("180", BR, "INVITE", ";tag=b")), 0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_PROCEEDING);
	assert_int_equal(tt_last_ev(t, TT_EV_RESPONSE)->status, 180);
	assert_ptr_equal(tt_last_ev(t, TT_EV_RESPONSE)->txn, ct);
	tt_run_to(t, 100000);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_PROCEEDING);
	/* Every provisional goes up. */
	assert_int_equal(tt_recv(t, TT_RESP("183", BR, "INVITE", ";tag=b")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 2);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* A non-2xx final is passed up once and ACKed (RFC 3261 17.1.1.3 bytes); each retransmission of it is ACKed again, not passed up; Timer D ends it. */
static void
test_invite_non2xx_ack_and_timer_d(void **state)
{
	static const char want_ack[] =
		"ACK sip:bob@192.0.2.9 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" BR "\r\n"
		"Route: <sip:p1.example.net;lr>\r\n"
		"Route: <sip:p2.example.net;lr>\r\n"
		"From: <sip:alice@example.org>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=busy9\r\n"
		"Call-ID: call-1@example.org\r\n"
		"CSeq: 1 ACK\r\n"
		"Max-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n";
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;
	int code;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	tt_run_to(t, 100);
	assert_int_equal(tt_recv(t, TT_RESP("486", BR, "INVITE",
			";tag=busy9")), 0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_COMPLETED);
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_RESPONSE)->status, 486);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(t->sent[1].len, strlen(want_ack));
	assert_memory_equal(t->sent[1].buf, want_ack, strlen(want_ack));
	assert_int_equal(sip_txn_last_response(ct, &code).len > 0, 1);
	assert_int_equal(code, 486);
	/* No more INVITE retransmissions; the 486 again is ACKed again. */
	tt_run_to(t, 5000);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(tt_recv(t, TT_RESP("486", BR, "INVITE",
			";tag=busy9")), 0);
	assert_int_equal(t->n_sent, 3);
	assert_memory_equal(t->sent[2].buf, want_ack, strlen(want_ack));
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 1);
	tt_run_to(t, 32099);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_COMPLETED);
	tt_run_to(t, 32100);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_NORMAL);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* Over TCP Timer D is zero: the transaction ends as soon as it has ACKed the final response. */
static void
test_invite_reliable_zero_d(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_TCP), 0);
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP, TT_RESP("404", BR, "INVITE",
			";tag=nf")), 0);
	assert_int_equal(t->n_sent, 2);
	assert_true(tt_sent_starts(t, 1, "ACK sip:bob@192.0.2.9 SIP/2.0\r\n"));
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	/* A late retransmission no longer matches. */
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP, TT_RESP("404", BR, "INVITE",
			";tag=nf")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_STRAY), 1);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* RFC 6026: a 2xx moves the INVITE client transaction to Accepted; every further 2xx (other forks too) goes to the TU, nothing is ACKed by the layer, Timer M ends it. */
static void
test_invite_2xx_accepted_timer_m(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	tt_run_to(t, 1000);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "INVITE", ";tag=f1")), 0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_ACCEPTED);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "INVITE", ";tag=f1")), 0);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "INVITE", ";tag=f2")), 0);
	assert_int_equal(tt_recv(t, TT_RESP("180", BR, "INVITE", ";tag=f3")), 0);
	assert_int_equal(tt_recv(t, TT_RESP("486", BR, "INVITE", ";tag=f4")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 3);
	assert_int_equal(tt_last_ev(t, TT_EV_RESPONSE)->status, 200);
	assert_int_equal(t->n_sent, 2);		/* INVITE at 0 and 500, no ACK */
	tt_run_to(t, 32999);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_ACCEPTED);
	tt_run_to(t, 33000);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	/* A 2xx after that is stray: a proxy forwards it statelessly. */
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "INVITE", ";tag=f1")), 0);
	assert_int_equal(tt_last_ev(t, TT_EV_STRAY)->status, 200);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* Non-INVITE over UDP: Timer E doubles up to T2 (0, 500, 1500, 3500, 7500, 11500 ...), Timer F times out at 64*T1. */
static void
test_non_invite_timer_e_caps_at_t2_then_f(void **state)
{
	static const uint64_t want[] = {
		0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500,
		31500,
	};
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", BR),
			SIP_TP_UDP), 0);
	tt_run_to(t, 32000);
	assert_times(t, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TIMEOUT)->at, 32000);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 0);
	tt_fini(t);
}

/* In Proceeding Timer E retransmits every T2. */
static void
test_non_invite_proceeding_retransmits_at_t2(void **state)
{
	static const uint64_t want[] = {
		0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500,
	};
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("BYE", BR), SIP_TP_UDP),
			0);
	tt_run_to(t, 600);
	assert_int_equal(tt_recv(t, TT_RESP("100", BR, "BYE", "")), 0);
	assert_int_equal(tt_last_ev(t, TT_EV_RESPONSE)->status, 100);
	tt_run_to(t, 32000);
	assert_times(t, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 1);
	tt_fini(t);
}

/* A non-INVITE final goes up once; its retransmissions are absorbed until Timer K (T4), zero over TCP. */
static void
test_non_invite_final_timer_k(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_REQ("REGISTER", BR),
			SIP_TP_UDP), 0);
	tt_run_to(t, 200);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "REGISTER", ";tag=r")),
			0);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_COMPLETED);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "REGISTER", ";tag=r")),
			0);
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 1);
	tt_run_to(t, 5199);
	assert_int_equal(t->n_sent, 1);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_COMPLETED);
	tt_run_to(t, 5200);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	ct = sip_txn_put(ct);
	tt_fini(t);

	t = tt_new();
	assert_int_equal(tt_client(t, &ct, TT_OUT_REQ("REGISTER", BR),
			SIP_TP_TCP), 0);
	assert_int_equal(tt_recv_tp(t, SIP_TP_TCP,
			TT_RESP("401", BR, "REGISTER", ";tag=r")), 0);
	assert_int_equal(tt_last_ev(t, TT_EV_RESPONSE)->status, 401);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* Responses match on branch and CSeq method: a 200 to CANCEL with the INVITE's branch does not touch the INVITE. */
static void
test_response_matches_branch_and_method(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "CANCEL", ";tag=c")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_STRAY), 1);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_CALLING);
	assert_int_equal(tt_recv(t, TT_RESP("200", "z9hG4bKother", "INVITE",
			";tag=c")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_STRAY), 2);
	/* A branch without the cookie never matches a client transaction. */
	assert_int_equal(tt_recv(t, TT_RESP("200", "cli1", "INVITE", "")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_STRAY), 3);
	assert_int_equal(tt_count_ev(t, TT_EV_RESPONSE), 0);
	assert_int_equal(sip_txn_layer_stats(t->layer)->stray_responses, 3);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* CANCEL waits for a provisional response, then copies the INVITE per RFC 3261 9.1 and runs as its own transaction. */
static void
test_cancel_after_provisional(void **state)
{
	static const char want[] =
		"CANCEL sip:bob@192.0.2.9 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" BR "\r\n"
		"Route: <sip:p1.example.net;lr>\r\n"
		"Route: <sip:p2.example.net;lr>\r\n"
		"From: <sip:alice@example.org>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: call-1@example.org\r\n"
		"CSeq: 1 CANCEL\r\n"
		"Max-Forwards: 70\r\n"
		"Reason: SIP;cause=487\r\n"
		"Content-Length: 0\r\n\r\n";
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL, *cc = NULL;

	(void)state;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_UDP), 0);
	assert_int_equal(sip_txn_client_cancel(&cc, ct, NULL, NULL), -EAGAIN);
	assert_int_equal(tt_recv(t, TT_RESP("180", BR, "INVITE", ";tag=x")), 0);
	assert_int_equal(sip_txn_client_cancel(&cc, ct,
			"Reason: SIP;cause=487\r\n", NULL), 0);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(t->sent[1].len, strlen(want));
	assert_memory_equal(t->sent[1].buf, want, strlen(want));
	assert_int_equal(sip_txn_kind(cc), SIP_TXN_CLIENT_NON_INVITE);
	assert_int_equal(sip_txn_method(cc), SIP_METHOD_CANCEL);
	assert_int_equal(sip_txn_client_cancel(NULL, ct, NULL, NULL),
			-EALREADY);
	assert_int_equal(sip_txn_client_cancel(NULL, cc, NULL, NULL), -EINVAL);
	/* 200 CANCEL goes to the CANCEL, 487 INVITE to the INVITE. */
	assert_int_equal(tt_recv(t, TT_RESP("200", BR, "CANCEL", ";tag=x")), 0);
	assert_ptr_equal(tt_last_ev(t, TT_EV_RESPONSE)->txn, cc);
	assert_int_equal(tt_recv(t, TT_RESP("487", BR, "INVITE", ";tag=x")), 0);
	assert_ptr_equal(tt_last_ev(t, TT_EV_RESPONSE)->txn, ct);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_COMPLETED);
	assert_true(tt_sent_starts(t, 2, "ACK "));
	cc = sip_txn_put(cc);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* A first send that fails is reported to the TU as a transport error and ends the transaction. */
static void
test_create_send_failure(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL;

	(void)state;
	t->fail_send = -ECONNREFUSED;
	t->fail_count = 1;
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE(BR), SIP_TP_TCP), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_TRANSPORT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TRANSPORT)->err, -ECONNREFUSED);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 0);
	tt_run_to(t, 64000);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	ct = sip_txn_put(ct);
	tt_fini(t);
}

/* A retransmission (Timer E) that fails is a transport error at that moment. */
static void
test_retransmission_send_failure(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", BR),
			SIP_TP_UDP), 0);
	tt_run_to(t, 1000);
	t->fail_send = -EHOSTUNREACH;
	t->fail_count = 1;
	tt_run_to(t, 1500);
	assert_int_equal(tt_count_ev(t, TT_EV_TRANSPORT), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_TRANSPORT)->at, 1500);
	assert_int_equal(tt_last_ev(t, TT_EV_TERMINATED)->why,
			SIP_TXN_END_TRANSPORT);
	tt_run_to(t, 64000);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(tt_count_ev(t, TT_EV_TIMEOUT), 0);
	tt_fini(t);
}

/* Client transactions refuse what cannot be one: ACK, no cookie branch, an unparsable request, a duplicate branch. */
static void
test_create_rejects(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("ACK", BR), SIP_TP_UDP),
			-EINVAL);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", "abc"),
			SIP_TP_UDP), -EINVAL);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS",
			SIP_TXN_BRANCH_COOKIE), SIP_TP_UDP), -EINVAL);
	assert_int_equal(tt_client(t, NULL, "garbage\r\n\r\n", SIP_TP_UDP),
			-EINVAL);
	assert_int_equal(tt_client(t, NULL, TT_RESP("200", BR, "INVITE", ""),
			SIP_TP_UDP), -EINVAL);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", BR),
			SIP_TP_UDP), 0);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", BR),
			SIP_TP_UDP), -EEXIST);
	/* Same branch, other method: a different transaction. */
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("INFO", BR),
			SIP_TP_UDP), 0);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 2);
	assert_int_equal(t->n_sent, 2);
	tt_fini(t);
}

/* The ACK builder refuses a request that is not an INVITE. */
static void
test_ack_build_needs_invite(void **state)
{
	static const char req[] = TT_OUT_REQ("OPTIONS", BR);
	static const char resp[] = TT_RESP("404", BR, "OPTIONS", ";tag=z");
	struct sip_msg *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct sip_perr perr;
	char out[1024];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(sip_msg_decode(a, req, strlen(req), &perr), 0);
	assert_int_equal(sip_msg_decode(b, resp, strlen(resp), &perr), 0);
	assert_int_equal(sip_txn_ack_build(out, sizeof(out), a, b), -EINVAL);
	assert_int_equal(sip_txn_cancel_build(out, sizeof(out), a, NULL),
			-EINVAL);
	assert_int_equal(sip_msg_decode(a, TT_OUT_INVITE(BR),
			strlen(TT_OUT_INVITE(BR)), &perr), 0);
	assert_int_equal(sip_txn_ack_build(out, 40, a, b), -ENOSPC);
	assert_true(sip_txn_ack_build(out, sizeof(out), a, b) > 0);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_timer_a_doubles_then_b),
		cmocka_unit_test(test_invite_reliable_no_timer_a),
		cmocka_unit_test(test_invite_provisional_stops_retransmission),
		cmocka_unit_test(test_invite_non2xx_ack_and_timer_d),
		cmocka_unit_test(test_invite_reliable_zero_d),
		cmocka_unit_test(test_invite_2xx_accepted_timer_m),
		cmocka_unit_test(test_non_invite_timer_e_caps_at_t2_then_f),
		cmocka_unit_test(test_non_invite_proceeding_retransmits_at_t2),
		cmocka_unit_test(test_non_invite_final_timer_k),
		cmocka_unit_test(test_response_matches_branch_and_method),
		cmocka_unit_test(test_cancel_after_provisional),
		cmocka_unit_test(test_create_send_failure),
		cmocka_unit_test(test_retransmission_send_failure),
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_ack_build_needs_invite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
