/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy core on the real transaction layer, the real location store
 * and the real digest verifier, on a virtual clock. The network is a list
 * of the datagrams the proxy sends; downstream answers are built from the
 * captured requests with sip_resp_build(), as a UAS would. Covers route
 * failover (503, timeout, transport error), parallel forking with
 * best-response selection, q-value groups, CANCEL to every branch,
 * challenges merged from branches, the table-full 503, 483, 482, OPTIONS
 * to the proxy, 404/480, and ACK for 2xx forwarded along Record-Route.
 */
#include "proxy_test.h"

/* 503 from the first upstream: the INVITE goes to the next; its 200 comes back. */
static void
test_proxy_failover_503(void **state)
{
	int i1, i2, ok;

	(void)state;
	proxy_start(false, 0);
	assert_int_equal(rx_from(invite("sip:0049301234@example.com", "z9hG4bK-f1", ""),
		"198.51.100.7", UAC_PORT), 0);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 100 Trying", 0) >= 0);
	i1 = find_sent(5060, "INVITE sip:0049301234@example.com SIP/2.0", 0);
	assert_true(i1 >= 0);
	assert_string_equal(sent[i1].ip, "203.0.113.1");
	/* The caller's UDP source rides in our Record-Route (NAT inside dialogs). */
	assert_true(has_line(sent[i1].text,
		"Record-Route: <sip:192.0.2.10:5060;lr;dgnatc=198.51.100.7:5099>"));
	assert_true(has_line(sent[i1].text, "Max-Forwards: 69"));
	assert_non_null(strstr(sent[i1].text, "\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg"));
	assert_non_null(strstr(sent[i1].text,
		"Via: SIP/2.0/UDP 198.51.100.7:5099;branch=z9hG4bK-f1;received=198.51.100.7;rport=5099\r\n"));
	answer(i1, 503, "u1", NULL);
	/* The transaction layer ACKs the 503; the next target gets the INVITE. */
	assert_true(find_sent(5060, "ACK ", 0) >= 0);
	i2 = find_sent(5070, "INVITE ", 0);
	assert_true(i2 >= 0);
	assert_string_equal(sent[i2].ip, "203.0.113.2");
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 503"), 0);
	answer(i2, 200, "u2", "Record-Route: <sip:192.0.2.10:5060;lr>\r\n");
	ok = find_sent(UAC_PORT, "SIP/2.0 200 OK", 0);
	assert_true(ok >= 0);
	assert_null(strstr(sent[ok].text, "192.0.2.10:5060;branch"));
	assert_non_null(strstr(sent[ok].text, "branch=z9hG4bK-f1"));
	assert_true(has_line(sent[ok].text, "To: <sip:0049301234@example.com>;tag=u2"));
}

/* No answer from the first upstream: Timer B, then the second; its 486 goes up. */
static void
test_proxy_failover_timeout(void **state)
{
	int i2;

	(void)state;
	proxy_start(false, 0);
	rx_from(invite("sip:0049301234@example.com", "z9hG4bK-f2", ""),
		"198.51.100.7", UAC_PORT);
	uring_timers_run(&ts, 100000 + 64 * 500 - 1);
	assert_int_equal(count_sent(5070, "INVITE "), 0);
	assert_true(count_sent(5060, "INVITE ") > 1);	/* Timer A retransmits */
	uring_timers_run(&ts, 100000 + 64 * 500);
	i2 = find_sent(5070, "INVITE ", 0);
	assert_true(i2 >= 0);
	answer(i2, 486, "u2", NULL);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 486", 0) >= 0);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 408"), 0);
}

/* A send that fails at once counts as 503 from that target. */
static void
test_proxy_failover_transport(void **state)
{
	(void)state;
	proxy_start(false, 0);
	fail_port = 5060;
	rx_from(invite("sip:0049301234@example.com", "z9hG4bK-f3", ""),
		"198.51.100.7", UAC_PORT);
	assert_true(find_sent(5070, "INVITE ", 0) >= 0);
	answer(find_sent(5070, "INVITE ", 0), 404, "u2", NULL);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 404", 0) >= 0);
}

/* Every upstream failing: the best of them, 503 sent on as 500. */
static void
test_proxy_failover_exhausted(void **state)
{
	(void)state;
	proxy_start(false, 0);
	rx_from(invite("sip:0049301234@example.com", "z9hG4bK-f4", ""),
		"198.51.100.7", UAC_PORT);
	answer(find_sent(5060, "INVITE ", 0), 503, "u1", NULL);
	answer(find_sent(5070, "INVITE ", 0), 503, "u2", NULL);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 500", 0) >= 0);
}

/*
 * Two bindings with equal q are rung in parallel; 486 beats 404. The
 * first branch's 404 does not end the call's early dialog (the other
 * branch still rings); the final answer relayed to the caller does.
 */
static void
test_proxy_fork_best(void **state)
{
	int a, b, busy;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-p1", ""), "198.51.100.7", UAC_PORT);
	/* Each goes to the address the REGISTER came from (NAT), with its contact as R-URI. */
	a = find_sent(6001, "INVITE sip:bob@10.0.0.1:6001 SIP/2.0", 0);
	b = find_sent(6002, "INVITE sip:bob@10.0.0.2:6002 SIP/2.0", 0);
	assert_true(a >= 0 && b >= 0);
	assert_string_equal(sent[a].ip, "203.0.113.50");
	answer(a, 404, "x1", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 404"), 0);
	assert_int_equal(sip_dialogs_count(sip_proxy_dialogs(proxy)), 1);
	answer(b, 486, "x2", NULL);
	busy = find_sent(UAC_PORT, "SIP/2.0 486", 0);
	assert_true(busy >= 0);
	assert_int_equal(sip_dialogs_count(sip_proxy_dialogs(proxy)), 0);
	assert_non_null(strstr(sent[busy].text, "tag=x2"));
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 404"), 0);
}

/* A 200 on one branch is relayed at once and the other branch is cancelled. */
static void
test_proxy_fork_answer_cancels(void **state)
{
	int a, b;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-p2", ""), "198.51.100.7", UAC_PORT);
	a = find_sent(6001, "INVITE ", 0);
	b = find_sent(6002, "INVITE ", 0);
	answer(a, 180, "x1", NULL);
	answer(b, 180, "x2", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 180"), 2);
	answer(a, 200, "x1", NULL);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200", 0) >= 0);
	assert_true(find_sent(6002, "CANCEL sip:bob@10.0.0.2:6002 SIP/2.0", 0) >= 0);
	assert_int_equal(count_sent(6001, "CANCEL "), 0);
	/* The cancelled branch's 487 is not sent upstream. */
	answer(b, 487, "x2", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 0);
}

/* Higher q first; the lower-q binding is tried only after the first group fails. */
static void
test_proxy_q_groups(void **state)
{
	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", ";q=0.4");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", ";q=0.9");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-q1", ""), "198.51.100.7", UAC_PORT);
	assert_int_equal(count_sent(6001, "INVITE "), 0);
	answer(find_sent(6002, "INVITE ", 0), 480, "x2", NULL);
	assert_true(find_sent(6001, "INVITE ", 0) >= 0);
	answer(find_sent(6001, "INVITE ", 0), 200, "x1", NULL);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200", 0) >= 0);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 480"), 0);
}

/* CANCEL: 200 to it, CANCEL to every ringing branch, the 487 goes up. */
static void
test_proxy_cancel(void **state)
{
	char cancel[1024];
	int a, b;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-c1", ""), "198.51.100.7", UAC_PORT);
	a = find_sent(6001, "INVITE ", 0);
	b = find_sent(6002, "INVITE ", 0);
	answer(a, 180, "x1", NULL);
	answer(b, 180, "x2", NULL);
	snprintf(cancel, sizeof(cancel),
		"CANCEL sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-c1;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: z9hG4bK-c1@198.51.100.7\r\n"
		"CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(cancel, "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200 OK", 0) >= 0);
	assert_non_null(strstr(sent[find_sent(UAC_PORT, "SIP/2.0 200 OK", 0)].text,
		"CSeq: 1 CANCEL"));
	assert_true(find_sent(6001, "CANCEL ", 0) >= 0);
	assert_true(find_sent(6002, "CANCEL ", 0) >= 0);
	answer(a, 487, "x1", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 0);
	answer(b, 487, "x2", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 1);
}

/*
 * CANCEL before any provisional answer: the CANCEL waits for the branch's
 * first 1xx; a branch that never answers still ends the INVITE with 487.
 */
static void
test_proxy_cancel_early(void **state)
{
	char cancel[1024];
	int a;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-c2", ""), "198.51.100.7", UAC_PORT);
	snprintf(cancel, sizeof(cancel),
		"CANCEL sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-c2;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: z9hG4bK-c2@198.51.100.7\r\n"
		"CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(cancel, "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200 OK", 0) >= 0);
	assert_int_equal(count_sent(6001, "CANCEL "), 0);
	a = find_sent(6001, "INVITE ", 0);
	answer(a, 180, "x1", NULL);
	assert_true(find_sent(6001, "CANCEL ", 0) >= 0);
	/*
	 * Neither branch ever sends a final answer: 6002 ends by Timer B,
	 * 6001 (past its 180) by Timer C. The caller gets 487, not 408.
	 */
	uring_timers_run(&ts, 100000 + 64 * 500);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 0);
	uring_timers_run(&ts, 100000 + 180000);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 1);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 408"), 0);
}

/* Timer C: a branch that rang but never answered is cancelled; 408 goes up. */
static void
test_proxy_timer_c(void **state)
{
	int a;

	(void)state;
	pconf.timer_c_ms = 60000;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-tc", ""), "198.51.100.7", UAC_PORT);
	a = find_sent(6001, "INVITE ", 0);
	uring_timers_run(&ts, 100000 + 30000);
	answer(a, 180, "x1", NULL);		/* restarts Timer C */
	uring_timers_run(&ts, 100000 + 60000);
	assert_int_equal(count_sent(6001, "CANCEL "), 0);
	uring_timers_run(&ts, 100000 + 30000 + 60000);
	assert_true(find_sent(6001, "CANCEL ", 0) >= 0);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 408", 0) >= 0);
	/* The 487 that follows the CANCEL does not go up again. */
	answer(a, 487, "x1", NULL);
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 487"), 0);
}

/* 407 from two branches: one 407 upstream carrying both challenges. */
static void
test_proxy_challenges_merged(void **state)
{
	int i;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:6001", "203.0.113.50", 6001, "r1", "");
	register_contact("bob", "sip:bob@10.0.0.2:6002", "203.0.113.51", 6002, "r2", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-m1", ""), "198.51.100.7", UAC_PORT);
	answer(find_sent(6001, "INVITE ", 0), 407, "x1",
		"Proxy-Authenticate: Digest realm=\"one\", nonce=\"n1\"\r\n");
	answer(find_sent(6002, "INVITE ", 0), 407, "x2",
		"Proxy-Authenticate: Digest realm=\"two\", nonce=\"n2\"\r\n");
	i = find_sent(UAC_PORT, "SIP/2.0 407", 0);
	assert_true(i >= 0);
	assert_non_null(strstr(sent[i].text, "Proxy-Authenticate: Digest realm=\"one\", nonce=\"n1\"\r\n"));
	assert_non_null(strstr(sent[i].text, "Proxy-Authenticate: Digest realm=\"two\", nonce=\"n2\"\r\n"));
	assert_int_equal(count_sent(UAC_PORT, "SIP/2.0 407"), 1);
}

/* A full transaction table: 503 with Retry-After, statelessly. */
static void
test_proxy_table_full(void **state)
{
	int i;

	(void)state;
	pconf.retry_after_s = 7;
	proxy_start(false, 1);
	/* The server transaction takes the only slot: no client transaction. */
	rx_from(invite("sip:0049301234@example.com", "z9hG4bK-t1", ""), "198.51.100.7", UAC_PORT);
	assert_int_equal(count_sent(5060, "INVITE "), 0);
	i = find_sent(UAC_PORT, "SIP/2.0 503", 0);
	assert_true(i >= 0);
	assert_true(has_line(sent[i].text, "Retry-After: 7"));
	assert_non_null(strstr(sent[i].text, "branch=z9hG4bK-t1"));
	/* No slot for a server transaction either: answered statelessly. */
	rx_from(invite("sip:0049301234@example.com", "z9hG4bK-t2", ""), "198.51.100.7", UAC_PORT);
	i = find_sent(UAC_PORT, "SIP/2.0 503", 1);
	assert_true(i >= 0);
	assert_true(has_line(sent[i].text, "Retry-After: 7"));
	assert_non_null(strstr(sent[i].text, "branch=z9hG4bK-t2"));
	assert_int_equal(sip_proxy_stats(proxy)->txn_full, 2);
}

/* 483 on Max-Forwards 0, 482 on a loop, 200 to OPTIONS for the proxy itself. */
static void
test_proxy_checks(void **state)
{
	char hash[SIP_RR_LOOP_HASH_LEN + 1], via[256], b[2048];
	int i;

	(void)state;
	proxy_start(false, 0);
	snprintf(b, sizeof(b),
		"INVITE sip:0049301234@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-k2\r\n"
		"Max-Forwards: 0\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:0049301234@example.com>\r\nCall-ID: k2\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(b, "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 483", 0) >= 0);
	assert_int_equal(count_sent(5060, "INVITE "), 0);

	/* A request that already went through us unchanged. */
	snprintf(b, sizeof(b),
		"INVITE sip:0049301234@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-k3\r\n"
		"Max-Forwards: 60\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:0049301234@example.com>\r\nCall-ID: k3\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT);
	{
		struct sip_perr perr;
		static struct sip_msg m2;
		static char c2[2048];

		memcpy(c2, b, strlen(b) + 1);
		assert_int_equal(sip_msg_decode(&m2, c2, strlen(c2), &perr), 0);
		assert_int_equal(sip_msg_parse_hdrs(&m2, SIP_HDR_F_ROUTE, &perr), 0);
		sip_rr_loop_hash(&m2, hash);
	}
	snprintf(via, sizeof(via), "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg00000000000000aa-%s\r\n", hash);
	snprintf(b, sizeof(b),
		"INVITE sip:0049301234@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-k3\r\n%s"
		"Max-Forwards: 60\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:0049301234@example.com>\r\nCall-ID: k3\r\nCSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT, via);
	rx_from(b, "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 482", 0) >= 0);

	snprintf(b, sizeof(b),
		"OPTIONS sip:192.0.2.10 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-k4\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:192.0.2.10>\r\nCall-ID: k4\r\nCSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(b, "198.51.100.7", UAC_PORT);
	i = find_sent(UAC_PORT, "SIP/2.0 200", 0);
	assert_true(i >= 0);
	assert_non_null(strstr(sent[i].text, "Allow: INVITE"));
}

/*
 * Local users: 404 unknown, 480 known (users file) without bindings. The
 * early dialog of a refused INVITE ends with the refusal (its media with
 * it), not at the early timeout.
 */
static void
test_proxy_not_found(void **state)
{
	(void)state;
	proxy_start(true, 0);
	/* Trusted source: no challenge. */
	rx_from(invite("sip:nobody@example.com", "z9hG4bK-n1", ""), "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 404", 0) >= 0);
	assert_int_equal(sip_dialogs_count(sip_proxy_dialogs(proxy)), 0);
	rx_from(invite("sip:frank@example.com", "z9hG4bK-n2", ""), "198.51.100.7", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 480", 0) >= 0);
	assert_int_equal(sip_dialogs_count(sip_proxy_dialogs(proxy)), 0);
	/* An untrusted source is challenged with 407 first. */
	rx_from(invite("sip:frank@example.com", "z9hG4bK-n3", ""), "192.0.2.77", UAC_PORT);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 407", 0) >= 0);
	assert_non_null(strstr(sent[find_sent(UAC_PORT, "SIP/2.0 407", 0)].text,
		"Proxy-Authenticate: Digest realm=\"example.com\""));
	/* Our own responses say where the request came from (RFC 3581). */
	assert_non_null(strstr(sent[find_sent(UAC_PORT, "SIP/2.0 407", 0)].text,
		"\r\nVia: SIP/2.0/UDP 198.51.100.7:5099;branch=z9hG4bK-n3;"
		"received=192.0.2.77;rport=5099\r\n"));
}

/* ACK for a 2xx follows the Record-Route set, statelessly, with our Route popped. */
static void
test_proxy_ack_2xx(void **state)
{
	char ack[1024];
	int i;

	(void)state;
	proxy_start(false, 0);
	snprintf(ack, sizeof(ack),
		"ACK sip:bob@203.0.113.60:6010 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-ack1\r\n"
		"Route: <sip:192.0.2.10;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=x1\r\nCall-ID: ack1\r\nCSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(ack, "198.51.100.7", UAC_PORT);
	i = find_sent(6010, "ACK sip:bob@203.0.113.60:6010 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_null(strstr(sent[i].text, "Route:"));
	assert_true(has_line(sent[i].text, "Max-Forwards: 69"));
	assert_non_null(strstr(sent[i].text, "\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK"));
	assert_int_equal(sip_proxy_stats(proxy)->acks_forwarded, 1);
}

/*
 * NAT inside a dialog: both parties' private Contacts are unreachable; our
 * Record-Route remembers where each sends from, and in-dialog requests go
 * there, whichever side sends them.
 */
static void
test_proxy_nat_in_dialog(void **state)
{
	char b[2048], rr[256];
	int i;

	(void)state;
	proxy_start(false, 0);
	register_contact("bob", "sip:bob@10.0.0.1:5060", "203.0.113.50", 6001, "r1", "");
	rx_from(invite("sip:bob@example.com", "z9hG4bK-nat", ""), "198.51.100.7", UAC_PORT);
	i = find_sent(6001, "INVITE sip:bob@10.0.0.1:5060 SIP/2.0", 0);
	assert_true(i >= 0);
	snprintf(rr, sizeof(rr), "<sip:192.0.2.10:5060;lr;dgnatc=198.51.100.7:%d;"
		"dgnat=203.0.113.50:6001>", UAC_PORT);
	{
		char line[300];

		snprintf(line, sizeof(line), "Record-Route: %s", rr);
		assert_true(has_line(sent[i].text, line));
	}
	/* The caller's BYE: to the callee's NAT address, not 10.0.0.1. */
	snprintf(b, sizeof(b),
		"BYE sip:bob@10.0.0.1:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bK-nat-bye1;rport\r\n"
		"Route: %s\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=x1\r\nCall-ID: nat1\r\nCSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n", rr);
	rx_from(b, "198.51.100.7", UAC_PORT);
	i = find_sent(6001, "BYE sip:bob@10.0.0.1:5060 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "203.0.113.50");
	assert_null(strstr(sent[i].text, "Route:"));
	/* The callee's BYE towards the caller's private Contact: to the caller's source. */
	snprintf(b, sizeof(b),
		"BYE sip:alice@192.168.1.5:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-nat-bye2;rport\r\n"
		"Route: %s\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=x1\r\n"
		"To: <sip:alice@example.com>;tag=a1\r\nCall-ID: nat2\r\nCSeq: 1 BYE\r\n"
		"Content-Length: 0\r\n\r\n", rr);
	rx_from(b, "203.0.113.50", 6001);
	i = find_sent(UAC_PORT, "BYE sip:alice@192.168.1.5:5060 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "198.51.100.7");
	/* An ACK for a 2xx takes the same way, statelessly. */
	snprintf(b, sizeof(b),
		"ACK sip:bob@10.0.0.1:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bK-nat-ack;rport\r\n"
		"Route: %s\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=x1\r\nCall-ID: nat3\r\nCSeq: 1 ACK\r\n"
		"Content-Length: 0\r\n\r\n", rr);
	rx_from(b, "198.51.100.7", UAC_PORT);
	i = find_sent(6001, "ACK sip:bob@10.0.0.1:5060 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "203.0.113.50");
}

/* An in-dialog request that did not come through our Record-Route is not relayed. */
static void
test_proxy_no_open_relay(void **state)
{
	char b[1024];

	(void)state;
	proxy_start(false, 0);
	snprintf(b, sizeof(b),
		"BYE sip:victim@203.0.113.99:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-relay\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:x@example.org>;tag=a1\r\n"
		"To: <sip:victim@example.net>;tag=v1\r\nCall-ID: relay1\r\n"
		"CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(b, "198.51.100.7", UAC_PORT);
	assert_int_equal(count_sent(5060, "BYE "), 0);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 404", 0) >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proxy_failover_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_failover_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_failover_transport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_failover_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_fork_best, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_fork_answer_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_q_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_cancel_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_timer_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_challenges_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_ack_2xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_nat_in_dialog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_no_open_relay, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
