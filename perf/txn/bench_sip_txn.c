/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of the transaction layer per operation, next to the cost of decoding
 * the same message measured in the same run (the baseline every received
 * message pays anyway): a new INVITE server transaction answered 100
 * Trying while N others live, a retransmission matched among N live
 * transactions and answered from the stored response, the ACK of a
 * non-2xx, and a client transaction created, answered and ended. Every
 * step's effect is checked (counters, bytes sent); a wrong result stops
 * the run. Prints ns per operation, the ratio to decode, and the bytes one
 * live transaction holds. Time is the thread's CPU time, so that other
 * processes sharing the cores do not inflate it.
 *
 * Usage: bench_sip_txn [live transactions, default 100000]
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_txn.h"

static const char invite_tpl[] =
	"INVITE sip:+14155550123@sip.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5060;branch=z9hG4bK-00000000;rport\r\n"
	"Max-Forwards: 70\r\n"
	"Contact: <sip:alice@198.51.100.23:5060;transport=udp>\r\n"
	"To: <sip:+14155550123@sip.example.net;user=phone>\r\n"
	"From: \"Alice Liddell\" <sip:alice@sip.example.net>;tag=8f1a22c0\r\n"
	"Call-ID: NDk1ZTI0YjM5ODZlZDA3ZmQ0YjA1YzQ2ZjI0NTg0Y2Q.00000000\r\n"
	"CSeq: 1 INVITE\r\n"
	"Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS\r\n"
	"Content-Type: application/sdp\r\n"
	"User-Agent: Softphone 5.2.1 (build 4123)\r\n"
	"Content-Length: 130\r\n"
	"\r\n"
	"v=0\r\n"
	"o=- 1700000000 1700000001 IN IP4 198.51.100.23\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.23\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0 8 101\r\n"
	"a=sendrecv\r\n";

static const char ack_tpl[] =
	"ACK sip:+14155550123@sip.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5060;branch=z9hG4bK-00000000;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: <sip:+14155550123@sip.example.net;user=phone>;tag=bench\r\n"
	"From: \"Alice Liddell\" <sip:alice@sip.example.net>;tag=8f1a22c0\r\n"
	"Call-ID: NDk1ZTI0YjM5ODZlZDA3ZmQ0YjA1YzQ2ZjI0NTg0Y2Q.00000000\r\n"
	"CSeq: 1 ACK\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char options_tpl[] =
	"OPTIONS sip:bob@192.0.2.9 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:edge@example.net>;tag=e1\r\n"
	"To: <sip:bob@192.0.2.9>\r\n"
	"Call-ID: probe-%u@example.net\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n\r\n";

static const char ok_tpl[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n"
	"From: <sip:edge@example.net>;tag=e1\r\n"
	"To: <sip:bob@192.0.2.9>;tag=b9\r\n"
	"Call-ID: probe-%u@example.net\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n\r\n";

struct bench {
	struct uring_timers timers;
	struct sip_txn_layer *layer;
	struct sip_txn **kept;
	uint32_t n_kept;
	uint64_t sent;
	uint64_t sent_bytes;
	struct sip_msg msg;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
bench_send(void *arg, const struct sip_txn_dest *dst, const char *buf,
		size_t len)
{
	struct bench *b = arg;

	(void)dst;
	(void)buf;
	b->sent++;
	b->sent_bytes += len;
	return 0;
}

static void
on_request(void *arg, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct bench *b = arg;

	(void)msg;
	(void)src;
	b->kept[b->n_kept++] = sip_txn_get(st);
	if (sip_txn_server_reply(st, 100, NULL, NULL, NULL) != 0) {
		fprintf(stderr, "100 Trying failed\n");
		exit(1);
	}
}

/* Write i as 8 hex digits where the template has its two "00000000". */
static void
number(char *msg, const char *tpl, uint32_t i)
{
	char hex[9];
	const char *p = tpl;

	snprintf(hex, sizeof(hex), "%08x", i);
	while ((p = strstr(p, "00000000")) != NULL) {
		memcpy(msg + (p - tpl), hex, 8);
		p += 8;
	}
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_sip_txn: %s\n", what);
	exit(1);
}

static void
decode(struct bench *b, const char *buf, size_t len)
{
	struct sip_perr perr;

	if (sip_msg_decode(&b->msg, buf, len, &perr) != 0)
		die("decode failed");
}

static void
report(const char *name, uint64_t ns, uint32_t n, double base)
{
	double per = (double)ns / n;

	if (base > 0)
		printf("%-44s %9.1f ns/op  %5.2fx decode\n", name, per,
				per / base);
	else
		printf("%-44s %9.1f ns/op\n", name, per);
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	struct bench *b = calloc(1, sizeof(*b));
	struct sip_txn_env env = { 0 };
	struct sip_txn_tu tu = { .on_request = on_request };
	struct sip_txn_dest src = { .transport = SIP_TP_UDP };
	char inv[sizeof(invite_tpl)], ack[sizeof(ack_tpl)];
	char buf[1024], br[SIP_TXN_BRANCH_MAX];
	uint64_t t0, dec_ns, sent0;
	double base;
	uint32_t i;
	int len;

	if (b == NULL || n == 0)
		die("bad arguments or no memory");
	b->kept = calloc(n, sizeof(*b->kept));
	if (b->kept == NULL)
		die("no memory");
	src.addr.ss_family = AF_INET;
	src.addrlen = sizeof(struct sockaddr_in);
	uring_timers_init(&b->timers, 0);
	env.timers = &b->timers;
	env.send = bench_send;
	env.send_arg = b;
	env.max_txns = n + 16;
	tu.arg = b;
	if (sip_txn_layer_create(&b->layer, &env, &tu) != 0)
		die("layer");

	/* Baseline: decoding the INVITE. */
	memcpy(inv, invite_tpl, sizeof(inv));
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		number(inv, invite_tpl, i);
		decode(b, inv, sizeof(inv) - 1);
	}
	dec_ns = now_ns() - t0;
	base = (double)dec_ns / n;
	report("decode INVITE (baseline)", dec_ns, n, 0);

	/* New server transactions, each answered 100, up to n live. */
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		number(inv, invite_tpl, i);
		decode(b, inv, sizeof(inv) - 1);
		if (sip_txn_layer_recv(b->layer, &b->msg, &src) != 0)
			die("recv new INVITE");
	}
	report("decode + new INVITE txn + 100 Trying", now_ns() - t0, n, base);
	if (b->n_kept != n || sip_txn_layer_stats(b->layer)->active != n ||
			b->sent != n)
		die("new transactions miscounted");

	/* Retransmissions matched among n live, answered from the stored 100. */
	sent0 = b->sent;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		number(inv, invite_tpl, (i * 2654435761u) % n);
		decode(b, inv, sizeof(inv) - 1);
		if (sip_txn_layer_recv(b->layer, &b->msg, &src) != 0)
			die("recv retransmission");
	}
	report("decode + match retransmission + resend 100", now_ns() - t0,
			n, base);
	if (b->sent - sent0 != n || b->n_kept != n)
		die("retransmissions not answered");

	/* Final responses: 486 built from the stored request, Timers G/H. */
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (sip_txn_server_reply(b->kept[i], 486, NULL, "bench",
				NULL) != 0)
			die("486");
	report("build + send 486 (start G, H)", now_ns() - t0, n, base);

	/* ACKs: matched, Confirmed, Timer I. */
	memcpy(ack, ack_tpl, sizeof(ack));
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		number(ack, ack_tpl, i);
		decode(b, ack, sizeof(ack) - 1);
		if (sip_txn_layer_recv(b->layer, &b->msg, &src) != 0)
			die("recv ACK");
	}
	report("decode + match ACK (Completed->Confirmed)", now_ns() - t0, n,
			base);
	for (i = 0; i < n; i++)
		if (sip_txn_state(b->kept[i]) != SIP_TXN_CONFIRMED)
			die("not confirmed");

	/* Timer I ends them all. */
	t0 = now_ns();
	(void)uring_timers_run(&b->timers, 1000000);
	report("Timer I expiry (terminate, free)", now_ns() - t0, n, 0);
	if (sip_txn_layer_stats(b->layer)->active != 0)
		die("transactions left");
	for (i = 0; i < n; i++)
		b->kept[i] = sip_txn_put(b->kept[i]);

	/* Client transactions: create (send), 200 matched, Timer K. */
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		(void)sip_txn_branch_new(br, sizeof(br));
		len = snprintf(buf, sizeof(buf), options_tpl, br, i);
		if (sip_txn_client_create(NULL, b->layer, buf, (size_t)len,
				&src, NULL) != 0)
			die("client create");
		len = snprintf(buf, sizeof(buf), ok_tpl, br, i);
		decode(b, buf, (size_t)len);
		if (sip_txn_layer_recv(b->layer, &b->msg, &src) != 0)
			die("recv 200");
	}
	(void)uring_timers_run(&b->timers, 2000000);
	report("branch + client OPTIONS + 200 + Timer K", now_ns() - t0, n,
			base);
	if (sip_txn_layer_stats(b->layer)->client_created != n ||
			sip_txn_layer_stats(b->layer)->active != 0 ||
			sip_txn_layer_stats(b->layer)->stray_responses != 0)
		die("client transactions miscounted");

	printf("memory per live INVITE server transaction: about %zu bytes "
			"(record and request copy) + last response\n",
			sip_txn_record_size() + sizeof(invite_tpl) - 1);
	sip_txn_layer_destroy(b->layer);
	uring_timers_fini(&b->timers);
	free(b->kept);
	free(b);
	return 0;
}
