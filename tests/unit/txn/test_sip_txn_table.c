/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Matching and the table: branch + sent-by + method (RFC 3261 17.2.3),
 * CANCEL matched to its INVITE, the RFC 2543 fallback with RFC 4475's
 * badbranch message, the bound on live transactions (-ENOSPC), teardown
 * with live transactions, branch generation, and a long churn of
 * transactions on the virtual clock that must leave nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "txn_test.h"

static const char *vectors_dir;

#define BR "z9hG4bKtab1"
#define HOST "192.0.2.1"

static char *
load_vector(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir, rel);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
			fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* Same branch from another sent-by is another transaction. */
static void
test_match_needs_sent_by(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST ":5060", "1")),
			0);
	/* Port 5060 is the default: the same sent-by. */
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST ":5070", "1")),
			0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, "192.0.2.2", "1")),
			0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 3);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 3);
	/* Host names compare without case (RFC 3261 section 20.42). */
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, "Edge.Example.COM",
			"1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, "edge.example.com",
			"1")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 4);
	tt_fini(t);
}

/* A layer needs a clock and a send function, and T2 may not be below T1. */
static void
test_layer_create_checks_env(void **state)
{
	struct uring_timers timers;
	struct sip_txn_layer *layer = NULL;
	struct sip_txn_env env = { .timers = &timers, .send = tt_send };

	(void)state;
	uring_timers_init(&timers, 0);
	env.send = NULL;
	assert_int_equal(sip_txn_layer_create(&layer, &env, NULL), -EINVAL);
	env.send = tt_send;
	env.timers = NULL;
	assert_int_equal(sip_txn_layer_create(&layer, &env, NULL), -EINVAL);
	env.timers = &timers;
	env.t1_ms = 5000;
	assert_int_equal(sip_txn_layer_create(&layer, &env, NULL), -EINVAL);
	env.t1_ms = 0;
	assert_int_equal(sip_txn_layer_create(&layer, &env, NULL), 0);
	assert_non_null(layer);
	assert_int_equal(sip_txn_layer_stats(layer)->active, 0);
	sip_txn_layer_destroy(layer);
	uring_timers_fini(&timers);
}

/* Same branch and sent-by with another method is another transaction; branch case matters. */
static void
test_match_needs_method_and_branch(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("INFO", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("FOO", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("BAR", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("FOO", BR, HOST, "1")), 0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKTAB1", HOST,
			"1")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 5);
	assert_int_equal(sip_txn_layer_stats(t->layer)->retransmits_absorbed, 1);
	tt_fini(t);
}

/* A CANCEL with the INVITE's branch gets its own transaction and is matched to the INVITE server transaction; its retransmission is answered from its own transaction. */
static void
test_cancel_matches_invite(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ist;
	const struct tt_ev *e;

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	ist = sip_txn_get(t->kept);
	assert_int_equal(sip_txn_server_reply(ist, 180, NULL, "r", NULL), 0);
	assert_int_equal(tt_recv(t, TT_REQ("CANCEL", BR, HOST, "1")), 0);
	e = tt_last_ev(t, TT_EV_CANCEL);
	assert_non_null(e);
	assert_ptr_equal(e->invite, ist);
	assert_ptr_not_equal(e->txn, ist);
	assert_int_equal(sip_txn_method(e->txn), SIP_METHOD_CANCEL);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	/* The TU answers both. */
	assert_int_equal(sip_txn_server_reply(e->txn, 200, NULL, "r", NULL), 0);
	assert_int_equal(sip_txn_server_reply(ist, 487, NULL, "r", NULL), 0);
	assert_int_equal(tt_recv(t, TT_REQ("CANCEL", BR, HOST, "1")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_CANCEL), 1);
	assert_int_equal(tt_sent_status(t, t->n_sent - 1), 200);
	assert_non_null(strstr(t->sent[t->n_sent - 1].buf, "CSeq: 1 CANCEL"));
	/* The INVITE's ACK still goes to the INVITE transaction. */
	assert_int_equal(tt_recv(t, TT_ACK(BR, HOST, "r")), 0);
	assert_int_equal(sip_txn_state(ist), SIP_TXN_CONFIRMED);
	ist = sip_txn_put(ist);
	tt_fini(t);
}

/* A CANCEL that matches no INVITE is a new request for the TU (which answers 481 or forwards it). */
static void
test_cancel_without_invite(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("CANCEL", BR, HOST, "1")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_CANCEL), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(tt_last_ev(t, TT_EV_REQUEST)->method,
			SIP_METHOD_CANCEL);
	tt_fini(t);
}

/* RFC 4475 badbranch (branch is the bare cookie) is matched the RFC 2543 way: its retransmission is absorbed, a change in From tag, Call-ID, CSeq, Request-URI or top Via makes a new transaction. */
static void
test_rfc2543_badbranch(void **state)
{
	static const struct { const char *from, *to; } edits[] = {
		{ "tag=33242", "tag=33243" },
		{ "badbranch.sadonfo", "badbranch.xadonfo" },
		{ "CSeq: 8", "CSeq: 9" },
		{ "OPTIONS sip:user@", "OPTIONS sip:usex@" },
		{ "192.0.2.1;branch", "192.0.2.3;branch" },
	};
	struct tt *t = tt_new();
	struct sip_txn_dest src = tt_dest(SIP_TP_UDP, "192.0.2.1", 5060);
	struct sip_perr perr;
	char *raw, *copy;
	size_t len = 0, i;

	(void)state;
	raw = load_vector("rfc4475/badbranch.dat", &len);
	assert_non_null(raw);
	assert_int_equal(sip_msg_decode(&t->msg, raw, len, &perr), 0);
	assert_int_equal(sip_txn_layer_recv(t->layer, &t->msg, &src), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(sip_txn_branch(t->kept).len, 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "bb", NULL),
			0);
	assert_int_equal(sip_txn_layer_recv(t->layer, &t->msg, &src), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 1);
	assert_int_equal(t->n_sent, 2);
	assert_int_equal(tt_sent_status(t, 1), 200);
	assert_int_equal(sip_txn_layer_stats(t->layer)->rfc2543_matched, 1);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *at;

		copy = strdup(raw);
		assert_non_null(copy);
		at = strstr(copy, edits[i].from);
		assert_non_null(at);
		memcpy(at, edits[i].to, strlen(edits[i].to));
		assert_int_equal(sip_msg_decode(&t->msg, copy, len, &perr), 0);
		assert_int_equal(sip_txn_layer_recv(t->layer, &t->msg, &src), 0);
		assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), i + 2);
		free(copy);
	}
	free(raw);
	tt_fini(t);
}

/* An RFC 2543 INVITE's ACK carries the To tag of our response and matches it: Completed becomes Confirmed. */
static void
test_rfc2543_invite_ack(void **state)
{
	struct tt *t = tt_new();

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE("old2543", HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 404, NULL, "nf", NULL),
			0);
	/* An ACK with some other To tag is not ours. */
	assert_int_equal(tt_recv(t, TT_ACK("old2543", HOST, "zz")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 1);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_COMPLETED);
	assert_int_equal(tt_recv(t, TT_ACK("old2543", HOST, "nf")), 0);
	assert_int_equal(sip_txn_state(t->kept), SIP_TXN_CONFIRMED);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 1);
	tt_fini(t);
}

/* Messages without a top Via or CSeq cannot be matched: -EINVAL, nothing called. */
static void
test_recv_needs_via_and_cseq(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn_dest src = tt_dest(SIP_TP_UDP, "192.0.2.1", 5060);
	static const char no_cseq[] =
		"OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx1\r\n"
		"From: <sip:a@example.org>;tag=1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: c\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_perr perr;

	(void)state;
	(void)sip_msg_decode(&t->msg, no_cseq, strlen(no_cseq), &perr);
	assert_int_equal(sip_txn_layer_recv(t->layer, &t->msg, &src), -EINVAL);
	assert_int_equal(t->n_ev, 0);
	tt_fini(t);
}

/* At max_txns a new request gets -ENOSPC (the caller answers 503) and the TU hears nothing; retransmissions of live ones still match; space returns when one ends. */
static void
test_bounded_table(void **state)
{
	struct tt *t = tt_new_env(0, 0, 0, 3);

	(void)state;
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKb1", HOST, "1")),
			0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKb2", HOST, "1")),
			0);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", "z9hG4bKc1"),
			SIP_TP_UDP), 0);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKb3", HOST, "1")),
			-ENOSPC);
	assert_int_equal(tt_client(t, NULL, TT_OUT_REQ("OPTIONS", "z9hG4bKc2"),
			SIP_TP_UDP), -ENOSPC);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 2);
	assert_int_equal(sip_txn_layer_stats(t->layer)->rejected_full, 2);
	/* ACKs and retransmissions need no new slot. */
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKb2", HOST, "1")),
			0);
	assert_int_equal(tt_recv(t, TT_ACK("z9hG4bKb9", HOST, "x")), 0);
	assert_int_equal(tt_count_ev(t, TT_EV_ACK), 1);
	/* b2 answered over UDP is held by Timer J; c1 by Timer F; both end at 64*T1. */
	assert_int_equal(sip_txn_server_reply(t->kept, 200, NULL, "o", NULL), 0);
	tt_run_to(t, 31999);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 3);
	tt_run_to(t, 32000);
	assert_int_equal(sip_txn_layer_stats(t->layer)->active, 1);
	assert_int_equal(tt_recv(t, TT_REQ("OPTIONS", "z9hG4bKb3", HOST, "1")),
			0);
	assert_int_equal(tt_count_ev(t, TT_EV_REQUEST), 3);
	tt_fini(t);
}

/* Destroying the layer ends every live transaction with SHUTDOWN, sends nothing, and leaves TU references readable. */
static void
test_destroy_with_live_transactions(void **state)
{
	struct tt *t = tt_new();
	struct sip_txn *ct = NULL, *st;
	unsigned int sent, i, n_term = 0;

	(void)state;
	assert_int_equal(tt_recv(t, TT_INVITE(BR, HOST)), 0);
	assert_int_equal(sip_txn_server_reply(t->kept, 486, NULL, "b", NULL), 0);
	assert_int_equal(tt_client(t, &ct, TT_OUT_INVITE("z9hG4bKd1"),
			SIP_TP_UDP), 0);
	st = t->kept;
	t->kept = NULL;
	sent = t->n_sent;
	sip_txn_layer_destroy(t->layer);
	t->layer = NULL;
	assert_int_equal(t->n_sent, sent);
	for (i = 0; i < t->n_ev; i++)
		if (t->ev[i].type == TT_EV_TERMINATED) {
			assert_int_equal(t->ev[i].why, SIP_TXN_END_SHUTDOWN);
			n_term++;
		}
	assert_int_equal(n_term, 2);
	assert_int_equal(sip_txn_state(st), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_state(ct), SIP_TXN_TERMINATED);
	assert_int_equal(sip_txn_server_reply(st, 200, NULL, "x", NULL), -ENOENT);
	assert_int_equal(sip_txn_client_cancel(NULL, ct, NULL, NULL), -EALREADY);
	assert_int_equal(uring_timers_next(&t->timers), UINT64_MAX);
	st = sip_txn_put(st);
	ct = sip_txn_put(ct);
	uring_timers_fini(&t->timers);
	free(t);
}

/* Branches start with the cookie, are unique over many draws and fit SIP_TXN_BRANCH_MAX; hashed branches are stable for the same parts and differ for others. */
static void
test_branch_generation(void **state)
{
	enum { N = 20000 };
	char (*b)[SIP_TXN_BRANCH_MAX] = calloc(N, SIP_TXN_BRANCH_MAX);
	char h1[SIP_TXN_BRANCH_MAX], h2[SIP_TXN_BRANCH_MAX];
	const struct dg_pl p1[] = { DG_PL("ab"), DG_PL("c") };
	const struct dg_pl p2[] = { DG_PL("a"), DG_PL("bc") };
	char small[8];
	int i, j, n;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < N; i++) {
		n = sip_txn_branch_new(b[i], SIP_TXN_BRANCH_MAX);
		assert_true(n > 7 && n < SIP_TXN_BRANCH_MAX);
		assert_int_equal((int)strlen(b[i]), n);
		assert_memory_equal(b[i], SIP_TXN_BRANCH_COOKIE, 7);
	}
	qsort(b, N, SIP_TXN_BRANCH_MAX,
			(int (*)(const void *, const void *))strcmp);
	for (i = 1; i < N; i++)
		assert_true(strcmp(b[i - 1], b[i]) != 0);
	free(b);
	assert_int_equal(sip_txn_branch_new(small, sizeof(small)), -ENOSPC);
	n = sip_txn_branch_hash(h1, sizeof(h1), p1, 2);
	assert_true(n > 7);
	assert_memory_equal(h1, SIP_TXN_BRANCH_COOKIE, 7);
	j = sip_txn_branch_hash(h2, sizeof(h2), p1, 2);
	assert_int_equal(j, n);
	assert_string_equal(h1, h2);
	(void)sip_txn_branch_hash(h2, sizeof(h2), p2, 2);
	assert_string_not_equal(h1, h2);
}

static uint64_t churn_rng = 88172645463325252ull;

static uint32_t
churn_rand(void)
{
	churn_rng ^= churn_rng << 13;
	churn_rng ^= churn_rng >> 7;
	churn_rng ^= churn_rng << 17;
	return (uint32_t)churn_rng;
}

/* TU that answers some requests at once and leaves others to time out. */
static void
churn_on_request(void *arg, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	static const int codes[] = { 0, 100, 180, 200, 404, 486, 503 };
	int code = codes[churn_rand() % 7];

	(void)arg;
	(void)msg;
	(void)src;
	if (code != 0)
		(void)sip_txn_server_reply(st, code, NULL, "ch", NULL);
	if (code == 100 || code == 180)
		(void)sip_txn_server_reply(st, 200 + (int)(churn_rand() % 2) * 300,
				NULL, "ch", NULL);
}

static int
churn_send(void *arg, const struct sip_txn_dest *dst, const char *buf,
		size_t len)
{
	unsigned int *n = arg;

	(void)dst;
	(void)buf;
	(void)len;
	(*n)++;
	/* One send in 50 fails, exercising the transport-error path. */
	return churn_rand() % 50 == 0 ? -ENOBUFS : 0;
}

/* Thousands of client and server transactions of every kind, with retransmissions, ACKs, CANCELs, responses and failures, all end: the table is empty, every timer is idle, nothing leaks (ASan). */
static void
test_churn_leaves_nothing(void **state)
{
	struct uring_timers timers;
	struct sip_txn_layer *layer;
	unsigned int n_sent = 0, i, live_max = 0;
	struct sip_txn_env env = {
		.timers = &timers, .send = churn_send, .send_arg = &n_sent,
		.max_txns = 512,
	};
	struct sip_txn_tu tu = { .on_request = churn_on_request };
	struct sip_txn_dest src = tt_dest(SIP_TP_UDP, "192.0.2.1", 5060);
	struct sip_txn_dest tcp = tt_dest(SIP_TP_TCP, "192.0.2.1", 5060);
	struct sip_msg *msg = malloc(sizeof(*msg));
	struct sip_perr perr;
	char buf[2048], br[SIP_TXN_BRANCH_MAX];
	uint64_t now = 0;
	int n, err, enospc = 0;

	(void)state;
	assert_non_null(msg);
	uring_timers_init(&timers, 0);
	assert_int_equal(sip_txn_layer_create(&layer, &env, &tu), 0);
	for (i = 0; i < 20000; i++) {
		uint32_t r = churn_rand();
		const struct sip_txn_dest *from = (r & 16) ? &tcp : &src;
		static const char *const methods[] = {
			"INVITE", "OPTIONS", "BYE", "CANCEL", "ACK", "MESSAGE",
		};
		const char *m = methods[(r >> 8) % 6];

		/* Reuse a small branch space so retransmissions and CANCELs match. */
		n = snprintf(buf, sizeof(buf),
			"%s sip:bob@example.com SIP/2.0\r\n"
			"Via: SIP/2.0/%s 192.0.2.1;branch=z9hG4bKch%u\r\n"
			"From: <sip:a@example.org>;tag=f\r\n"
			"To: <sip:bob@example.com>%s\r\n"
			"Call-ID: churn%u\r\n"
			"CSeq: 1 %s\r\n"
			"Content-Length: 0\r\n\r\n",
			m, from == &tcp ? "TCP" : "UDP", (r >> 12) % 700,
			strcmp(m, "ACK") == 0 ? ";tag=ch" : "",
			(r >> 12) % 700, m);
		assert_int_equal(sip_msg_decode(msg, buf, (size_t)n, &perr), 0);
		err = sip_txn_layer_recv(layer, msg, from);
		assert_true(err == 0 || err == -ENOSPC);
		enospc += err == -ENOSPC;
		/* Our own requests, some answered. */
		if ((r & 7) == 0) {
			struct sip_txn *ct = NULL;

			(void)sip_txn_branch_new(br, sizeof(br));
			n = snprintf(buf, sizeof(buf),
				"%s sip:bob@192.0.2.9 SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 198.51.100.1;branch=%s\r\n"
				"From: <sip:a@example.org>;tag=f\r\n"
				"To: <sip:bob@example.com>\r\n"
				"Call-ID: out%u\r\nCSeq: 2 %s\r\n"
				"Content-Length: 0\r\n\r\n",
				(r & 32) ? "INVITE" : "OPTIONS", br, i,
				(r & 32) ? "INVITE" : "OPTIONS");
			err = sip_txn_client_create(&ct, layer, buf, (size_t)n,
					(r & 64) ? &tcp : &src, NULL);
			assert_true(err == 0 || err == -ENOSPC);
			if (err == 0 && (r & 128)) {
				char resp[1024];
				int code = (r & 256) ? 180 : ((r & 512) ? 200 : 486);
				int rn = snprintf(resp, sizeof(resp),
					"SIP/2.0 %d X\r\n"
					"Via: SIP/2.0/UDP 198.51.100.1;branch=%s\r\n"
					"From: <sip:a@example.org>;tag=f\r\n"
					"To: <sip:bob@example.com>;tag=t\r\n"
					"Call-ID: out%u\r\nCSeq: 2 %s\r\n"
					"Content-Length: 0\r\n\r\n",
					code, br, i,
					(r & 32) ? "INVITE" : "OPTIONS");

				assert_int_equal(sip_msg_decode(msg, resp,
						(size_t)rn, &perr), 0);
				assert_int_equal(sip_txn_layer_recv(layer, msg,
						&src), 0);
				if (code == 180)
					(void)sip_txn_client_cancel(NULL, ct,
							NULL, NULL);
			}
			ct = sip_txn_put(ct);
		}
		if (sip_txn_layer_stats(layer)->active > live_max)
			live_max = (unsigned int)
				sip_txn_layer_stats(layer)->active;
		now += churn_rand() % 40;
		(void)uring_timers_run(&timers, now);
	}
	assert_true(live_max <= 512);
	assert_true(enospc > 0);
	assert_true(sip_txn_layer_stats(layer)->transport_errors > 0);
	assert_true(sip_txn_layer_stats(layer)->retransmits_absorbed > 0);
	/*
	 * Let everything run out. INVITE server transactions left in
	 * Proceeding and client INVITEs in Proceeding have no timer of their
	 * own (the TU's Timer C): teardown ends those.
	 */
	while (uring_timers_next(&timers) != UINT64_MAX)
		(void)uring_timers_run(&timers, uring_timers_next(&timers));
	sip_txn_layer_destroy(layer);
	assert_int_equal(uring_timers_next(&timers), UINT64_MAX);
	uring_timers_fini(&timers);
	free(msg);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_needs_sent_by),
		cmocka_unit_test(test_match_needs_method_and_branch),
		cmocka_unit_test(test_layer_create_checks_env),
		cmocka_unit_test(test_cancel_matches_invite),
		cmocka_unit_test(test_cancel_without_invite),
		cmocka_unit_test(test_rfc2543_badbranch),
		cmocka_unit_test(test_rfc2543_invite_ack),
		cmocka_unit_test(test_recv_needs_via_and_cseq),
		cmocka_unit_test(test_bounded_table),
		cmocka_unit_test(test_destroy_with_live_transactions),
		cmocka_unit_test(test_branch_generation),
		cmocka_unit_test(test_churn_leaves_nothing),
	};

	vectors_dir = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
