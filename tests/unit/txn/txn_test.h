/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Harness of the transaction-layer tests: a virtual clock (the real timer
 * heap advanced by hand), a send function that records every message with
 * the time it left and can be told to fail, and a TU that records every
 * callback in order. Messages are written as text with the branch, method
 * and tags the test needs and decoded with the real parser.
 */
#ifndef DRONGO_TESTS_UNIT_TXN_TXN_TEST_H
#define DRONGO_TESTS_UNIT_TXN_TXN_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_txn.h"
#include "uring_timer.h"

#define TT_MAX_SENT 256
#define TT_MAX_EV 256
#define TT_MSG_MAX 4096

struct tt_sent {
	uint64_t at;
	struct sip_txn_dest dst;
	char buf[TT_MSG_MAX];
	size_t len;
};

enum tt_ev_type {
	TT_EV_REQUEST,
	TT_EV_CANCEL,
	TT_EV_ACK,
	TT_EV_RESPONSE,
	TT_EV_STRAY,
	TT_EV_TIMEOUT,
	TT_EV_TRANSPORT,
	TT_EV_TERMINATED,
};

struct tt_ev {
	enum tt_ev_type type;
	uint64_t at;
	struct sip_txn *txn;		/* not referenced: compare only */
	struct sip_txn *invite;		/* on_cancel */
	enum sip_method method;
	int status;
	int err;
	enum sip_txn_end why;
};

/* Everything a test owns; allocate (it is large) and free with tt_fini(). */
struct tt {
	struct uring_timers timers;
	struct sip_txn_layer *layer;
	struct tt_sent sent[TT_MAX_SENT];
	unsigned int n_sent;
	int fail_send;			/* next sends return this when < 0 */
	unsigned int fail_count;	/* how many sends fail */
	struct tt_ev ev[TT_MAX_EV];
	unsigned int n_ev;
	/* what on_request / on_cancel does: answer at once with this code */
	int auto_reply;
	struct sip_txn *kept;		/* last on_request txn, referenced */
	struct sip_msg msg;
	char rx[TT_MSG_MAX];
};

static inline int
tt_send(void *arg, const struct sip_txn_dest *dst, const char *buf, size_t len)
{
	struct tt *t = arg;
	struct tt_sent *s;

	if (t->fail_count > 0) {
		t->fail_count--;
		return t->fail_send;
	}
	if (t->n_sent >= TT_MAX_SENT || len > TT_MSG_MAX)
		return -ENOBUFS;
	s = &t->sent[t->n_sent++];
	s->at = uring_timers_now(&t->timers);
	s->dst = *dst;
	memcpy(s->buf, buf, len);
	s->len = len;
	return 0;
}

static inline struct tt_ev *
tt_ev_add(struct tt *t, enum tt_ev_type type, struct sip_txn *txn)
{
	struct tt_ev *e;

	if (t->n_ev >= TT_MAX_EV)
		return NULL;
	e = &t->ev[t->n_ev++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->at = uring_timers_now(&t->timers);
	e->txn = txn;
	return e;
}

static inline void
tt_on_request(void *arg, struct sip_txn *st, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct tt *t = arg;
	struct tt_ev *e = tt_ev_add(t, TT_EV_REQUEST, st);

	(void)src;
	if (e != NULL)
		e->method = msg->method;
	sip_txn_put(t->kept);
	t->kept = sip_txn_get(st);
	if (t->auto_reply != 0)
		(void)sip_txn_server_reply(st, t->auto_reply, NULL, "tt1",
				NULL);
}

static inline void
tt_on_cancel(void *arg, struct sip_txn *cst, struct sip_txn *ist,
		const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct tt *t = arg;
	struct tt_ev *e = tt_ev_add(t, TT_EV_CANCEL, cst);

	(void)msg;
	(void)src;
	if (e != NULL)
		e->invite = ist;
}

static inline void
tt_on_ack(void *arg, const struct sip_msg *msg, const struct sip_txn_dest *src)
{
	struct tt *t = arg;
	struct tt_ev *e = tt_ev_add(t, TT_EV_ACK, NULL);

	(void)src;
	if (e != NULL)
		e->method = msg->method;
}

static inline void
tt_on_response(void *arg, struct sip_txn *ct, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct tt *t = arg;
	struct tt_ev *e = tt_ev_add(t, TT_EV_RESPONSE, ct);

	(void)src;
	if (e != NULL) {
		e->status = msg->status;
		e->method = msg->cseq.method;
	}
}

static inline void
tt_on_stray(void *arg, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct tt *t = arg;
	struct tt_ev *e = tt_ev_add(t, TT_EV_STRAY, NULL);

	(void)src;
	if (e != NULL)
		e->status = msg->status;
}

static inline void
tt_on_timeout(void *arg, struct sip_txn *txn)
{
	(void)tt_ev_add(arg, TT_EV_TIMEOUT, txn);
}

static inline void
tt_on_transport_error(void *arg, struct sip_txn *txn, int err)
{
	struct tt_ev *e = tt_ev_add(arg, TT_EV_TRANSPORT, txn);

	if (e != NULL)
		e->err = err;
}

static inline void
tt_on_terminated(void *arg, struct sip_txn *txn, enum sip_txn_end why)
{
	struct tt_ev *e = tt_ev_add(arg, TT_EV_TERMINATED, txn);

	if (e != NULL)
		e->why = why;
}

/* A layer with T1 500, T2 4000, T4 5000 unless the test says otherwise. */
static inline struct tt *
tt_new_env(uint32_t t1, uint32_t t2, uint32_t t4, uint32_t max_txns)
{
	struct tt *t = calloc(1, sizeof(*t));
	struct sip_txn_env env = { 0 };
	struct sip_txn_tu tu = {
		.on_request = tt_on_request,
		.on_cancel = tt_on_cancel,
		.on_ack = tt_on_ack,
		.on_response = tt_on_response,
		.on_stray_response = tt_on_stray,
		.on_timeout = tt_on_timeout,
		.on_transport_error = tt_on_transport_error,
		.on_terminated = tt_on_terminated,
	};

	if (t == NULL)
		return NULL;
	uring_timers_init(&t->timers, 0);
	env.timers = &t->timers;
	env.send = tt_send;
	env.send_arg = t;
	env.t1_ms = t1;
	env.t2_ms = t2;
	env.t4_ms = t4;
	env.max_txns = max_txns;
	tu.arg = t;
	if (sip_txn_layer_create(&t->layer, &env, &tu) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static inline struct tt *
tt_new(void)
{
	return tt_new_env(0, 0, 0, 0);
}

static inline void
tt_fini(struct tt *t)
{
	t->kept = sip_txn_put(t->kept);
	sip_txn_layer_destroy(t->layer);
	uring_timers_fini(&t->timers);
	free(t);
}

/* Advance the virtual clock to ms, firing what is due on the way, in order. */
static inline void
tt_run_to(struct tt *t, uint64_t ms)
{
	uint64_t next;

	while ((next = uring_timers_next(&t->timers)) <= ms)
		(void)uring_timers_run(&t->timers, next);
	(void)uring_timers_run(&t->timers, ms);
}

static inline struct sip_txn_dest
tt_dest(enum sip_transport tp, const char *ip, uint16_t port)
{
	struct sip_txn_dest d;
	struct sockaddr_in *sin = (struct sockaddr_in *)&d.addr;

	memset(&d, 0, sizeof(d));
	d.transport = tp;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	(void)inet_pton(AF_INET, ip, &sin->sin_addr);
	d.addrlen = sizeof(*sin);
	if (tp != SIP_TP_UDP)
		d.conn_id = 7;
	return d;
}

/* Decode text (a printf format) into t->msg and hand it to the layer. */
static inline int
tt_recv_tp(struct tt *t, enum sip_transport tp, const char *fmt, ...)
{
	struct sip_txn_dest src = tt_dest(tp, "192.0.2.1", 5060);
	struct sip_perr perr;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->rx, sizeof(t->rx), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->rx))
		return -EMSGSIZE;
	if (sip_msg_decode(&t->msg, t->rx, (size_t)n, &perr) != 0)
		return -EBADMSG;
	return sip_txn_layer_recv(t->layer, &t->msg, &src);
}

#define tt_recv(t, ...) tt_recv_tp((t), SIP_TP_UDP, __VA_ARGS__)

/* Send times of messages [from, n_sent) into out; returns how many. */
static inline unsigned int
tt_sent_times(const struct tt *t, unsigned int from, uint64_t *out,
		unsigned int cap)
{
	unsigned int i, n = 0;

	for (i = from; i < t->n_sent && n < cap; i++)
		out[n++] = t->sent[i].at;
	return n;
}

static inline unsigned int
tt_count_ev(const struct tt *t, enum tt_ev_type type)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->n_ev; i++)
		n += t->ev[i].type == type;
	return n;
}

static inline const struct tt_ev *
tt_last_ev(const struct tt *t, enum tt_ev_type type)
{
	unsigned int i;

	for (i = t->n_ev; i > 0; i--)
		if (t->ev[i - 1].type == type)
			return &t->ev[i - 1];
	return NULL;
}

/* The status code of a sent response, 0 for a request. */
static inline int
tt_sent_status(const struct tt *t, unsigned int i)
{
	int code;

	if (strncmp(t->sent[i].buf, "SIP/2.0 ", 8) != 0)
		return 0;
	code = atoi(t->sent[i].buf + 8);
	return code;
}

/* True when sent message i starts with prefix. */
static inline int
tt_sent_starts(const struct tt *t, unsigned int i, const char *prefix)
{
	return i < t->n_sent &&
		strncmp(t->sent[i].buf, prefix, strlen(prefix)) == 0;
}

/* Requests as a UAC would send them. */
#define TT_INVITE(branch, sentby) \
	"INVITE sip:bob@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP " sentby ";branch=" branch "\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: 1 INVITE\r\n" \
	"Contact: <sip:alice@192.0.2.1>\r\n" \
	"Content-Length: 0\r\n\r\n"

#define TT_REQ(method, branch, sentby, cseq) \
	method " sip:bob@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP " sentby ";branch=" branch "\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: " cseq " " method "\r\n" \
	"Content-Length: 0\r\n\r\n"

#define TT_ACK(branch, sentby, totag) \
	"ACK sip:bob@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP " sentby ";branch=" branch "\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>;tag=" totag "\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: 1 ACK\r\n" \
	"Content-Length: 0\r\n\r\n"

/* A response to a request we sent (client side), top Via is ours. */
#define TT_RESP(code, branch, cseq_method, totag) \
	"SIP/2.0 " code " Whatever\r\n" \
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" branch "\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>" totag "\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: 1 " cseq_method "\r\n" \
	"Content-Length: 0\r\n\r\n"

/* The request we send as a client: its top Via is ours. */
#define TT_OUT_INVITE(branch) \
	"INVITE sip:bob@192.0.2.9 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" branch "\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKup1\r\n" \
	"Route: <sip:p1.example.net;lr>\r\n" \
	"Route: <sip:p2.example.net;lr>\r\n" \
	"Max-Forwards: 69\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: 1 INVITE\r\n" \
	"Contact: <sip:alice@192.0.2.1>\r\n" \
	"Content-Type: application/sdp\r\n" \
	"Content-Length: 4\r\n\r\n" \
	"v=0\n"

#define TT_OUT_REQ(method, branch) \
	method " sip:bob@192.0.2.9 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=" branch "\r\n" \
	"Max-Forwards: 69\r\n" \
	"From: <sip:alice@example.org>;tag=a1\r\n" \
	"To: <sip:bob@example.com>\r\n" \
	"Call-ID: call-1@example.org\r\n" \
	"CSeq: 1 " method "\r\n" \
	"Content-Length: 0\r\n\r\n"

/* Start a client transaction from text. */
static inline int
tt_client(struct tt *t, struct sip_txn **out, const char *text,
		enum sip_transport tp)
{
	struct sip_txn_dest dst = tt_dest(tp, "192.0.2.9", 5060);

	return sip_txn_client_create(out, t->layer, text, strlen(text), &dst,
			NULL);
}

#endif
