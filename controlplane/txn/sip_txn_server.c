/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server transactions (RFC 3261 section 17.2 with RFC 6026): requests are
 * matched to the transaction they belong to, whose last response answers
 * their retransmissions; new requests get a transaction before the TU
 * sees them, so a retransmission arriving while the TU thinks is absorbed.
 * INVITE: Proceeding, then Accepted after a 2xx (Timer L) or Completed
 * after a non-2xx (Timers G and H) until the ACK (Confirmed, Timer I).
 * Non-INVITE: Trying, Proceeding, Completed (Timer J).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sip_txn_priv.h"

static socklen_t
addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		sizeof(struct sockaddr_in);
}

/*
 * Where responses go: RFC 3261 section 18.2.2 with RFC 3581, or back on
 * the connection. A sent-by or maddr that is a name (RFC 3263 resolution)
 * falls back to the request's source, which reaches clients behind NAT too.
 */
static void
response_dest(struct sip_txn_dest *dst, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	bool unreliable = sip_txn_transport_unreliable(src->transport);

	*dst = *src;
	if (sip_msg_response_dest(msg, &src->addr, !unreliable,
			&dst->addr) < 0)
		dst->addr = src->addr;
	dst->addrlen = addr_len(&dst->addr);
}

static int
server_create(struct sip_txn **out, struct sip_txn_layer *layer,
		const struct sip_msg *msg, const struct sip_txn_key *key,
		const struct sip_txn_dest *src)
{
	enum sip_txn_kind kind = msg->method == SIP_METHOD_INVITE ?
		SIP_TXN_SERVER_INVITE : SIP_TXN_SERVER_NON_INVITE;
	struct sip_txn_dest dst;
	struct sip_txn *txn;

	if (layer->n >= layer->env.max_txns) {
		layer->stats.rejected_full++;
		return -ENOSPC;
	}
	response_dest(&dst, msg, src);
	txn = sip_txn_alloc(layer, kind, msg->buf.p, msg->buf.len, &dst);
	if (txn == NULL)
		return -ENOMEM;
	txn->key = *key;
	sip_txn_key_rebase(&txn->key, msg->buf.p, txn->req);
	txn->state = kind == SIP_TXN_SERVER_INVITE ? SIP_TXN_PROCEEDING :
		SIP_TXN_TRYING;
	sip_txn_table_insert(layer, txn);
	layer->stats.server_created++;
	*out = txn;
	return 0;
}

static void
resend_last(struct sip_txn *txn)
{
	txn->layer->stats.retransmits_absorbed++;
	if (txn->resp_code == 0)
		return;
	txn->layer->stats.retransmits_sent++;
	(void)sip_txn_send(txn, txn->resp, txn->resp_len);
}

/* A retransmission of the request that created txn (RFC 3261 17.2.1, 17.2.2). */
static void
server_retransmission(struct sip_txn *txn)
{
	switch (txn->state) {
	case SIP_TXN_PROCEEDING:
	case SIP_TXN_COMPLETED:
		resend_last(txn);
		break;
	default:
		/* Trying, Accepted (RFC 6026 8.7), Confirmed: absorbed. */
		txn->layer->stats.retransmits_absorbed++;
		break;
	}
}

static void
server_ack(struct sip_txn *txn, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn_layer *layer = txn->layer;

	switch (txn->state) {
	case SIP_TXN_COMPLETED:
		txn->state = SIP_TXN_CONFIRMED;
		uring_timer_cancel(layer->env.timers, &txn->t_retrans);
		uring_timer_cancel(layer->env.timers, &txn->t_end);
		(void)sip_txn_start_end(txn, txn->unreliable ? txn->t4 : 0);
		break;
	case SIP_TXN_ACCEPTED:
		/* The ACK of a 2xx is end to end (RFC 6026 section 8.7). */
		if (layer->tu.on_ack != NULL)
			layer->tu.on_ack(layer->tu.arg, msg, src);
		break;
	default:
		layer->stats.retransmits_absorbed++;
		break;
	}
}

int
sip_txn_server_recv(struct sip_txn_layer *layer, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn *txn, *inv;
	struct sip_txn_key key;
	int err;

	err = sip_txn_key_request(&key, msg, layer->seed);
	if (err < 0)
		return err;
	if (msg->method == SIP_METHOD_ACK) {
		txn = sip_txn_table_find_server(layer, &key, SIP_METHOD_INVITE,
				NULL);
		if (txn == NULL) {
			if (layer->tu.on_ack != NULL)
				layer->tu.on_ack(layer->tu.arg, msg, src);
			return 0;
		}
		if (key.rfc2543)
			layer->stats.rfc2543_matched++;
		sip_txn_get(txn);
		server_ack(txn, msg, src);
		sip_txn_put(txn);
		return 0;
	}
	txn = sip_txn_table_find_server(layer, &key, key.method,
			&key.method_raw);
	if (txn != NULL) {
		if (key.rfc2543)
			layer->stats.rfc2543_matched++;
		sip_txn_get(txn);
		server_retransmission(txn);
		sip_txn_put(txn);
		return 0;
	}
	err = server_create(&txn, layer, msg, &key, src);
	if (err < 0)
		return err;
	sip_txn_get(txn);
	inv = NULL;
	if (msg->method == SIP_METHOD_CANCEL)
		inv = sip_txn_table_find_server(layer, &key, SIP_METHOD_INVITE,
				NULL);
	if (inv != NULL) {
		if (layer->tu.on_cancel != NULL)
			layer->tu.on_cancel(layer->tu.arg, txn, inv, msg, src);
	} else if (layer->tu.on_request != NULL) {
		layer->tu.on_request(layer->tu.arg, txn, msg, src);
	}
	sip_txn_put(txn);
	return 0;
}

/* RFC 2543 ACKs carry the To tag of the response: remember it. */
static void
remember_to_tag(struct sip_txn *txn)
{
	struct sip_txn_layer *layer = txn->layer;
	struct sip_perr perr;
	struct sip_msg *m = layer->scratch;

	txn->resp_to_tag = DG_PL_NULL;
	if (sip_msg_decode(m, txn->resp, txn->resp_len, &perr) < 0 ||
			!(m->have & SIP_HAVE_TO) || m->to.tag.p == NULL)
		return;
	txn->resp_to_tag = (struct dg_pl){
		.p = txn->resp + (m->to.tag.p - txn->resp),
		.len = m->to.tag.len,
	};
}

static int
server_invite_respond(struct sip_txn *txn, int code)
{
	struct sip_txn_layer *layer = txn->layer;

	if (code >= 200 && code < 300) {
		txn->state = SIP_TXN_ACCEPTED;
		/* Timer L: RFC 6026 section 8.7, on every transport. */
		return sip_txn_start_end(txn, 64 * txn->t1);
	}
	if (code < 200)
		return 0;
	txn->state = SIP_TXN_COMPLETED;
	if (txn->key.rfc2543)
		remember_to_tag(txn);
	if (txn->unreliable) {
		txn->retrans_ms = txn->t1;
		(void)uring_timer_start(layer->env.timers, &txn->t_retrans,
				txn->retrans_ms);
	}
	return sip_txn_start_end(txn, 64 * txn->t1);
}

int
sip_txn_server_respond(struct sip_txn *st, int code, const char *buf,
		size_t len)
{
	bool invite = st->kind == SIP_TXN_SERVER_INVITE;
	int err;

	if (st->kind != SIP_TXN_SERVER_INVITE &&
			st->kind != SIP_TXN_SERVER_NON_INVITE)
		return -EINVAL;
	if (st->state == SIP_TXN_TERMINATED || st->layer == NULL)
		return -ENOENT;
	if (code < 100 || code > 699 || buf == NULL || len == 0)
		return -EINVAL;
	switch (st->state) {
	case SIP_TXN_TRYING:
	case SIP_TXN_PROCEEDING:
		break;
	case SIP_TXN_ACCEPTED:
		if (code >= 200 && code < 300)
			break;
		return -EALREADY;
	default:
		return -EALREADY;
	}
	err = sip_txn_store(&st->resp, &st->resp_cap, &st->resp_len, buf, len);
	if (err < 0)
		return err;
	st->resp_code = code;
	sip_txn_get(st);
	err = sip_txn_send(st, buf, len);
	if (err < 0)
		goto out;
	if (invite && st->state == SIP_TXN_ACCEPTED)
		goto out;
	if (invite) {
		err = server_invite_respond(st, code);
	} else if (code < 200) {
		st->state = SIP_TXN_PROCEEDING;
	} else {
		st->state = SIP_TXN_COMPLETED;
		err = sip_txn_start_end(st, st->unreliable ? 64 * st->t1 : 0);
	}
out:
	sip_txn_put(st);
	return err;
}

int
sip_txn_server_reply(struct sip_txn *st, int code, const char *reason,
		const char *to_tag, const char *extra_hdrs)
{
	struct sip_txn_layer *layer = st->layer;
	int n;

	if (st->kind != SIP_TXN_SERVER_INVITE &&
			st->kind != SIP_TXN_SERVER_NON_INVITE)
		return -EINVAL;
	if (st->state == SIP_TXN_TERMINATED || layer == NULL)
		return -ENOENT;
	if (sip_txn_decode_req(st) < 0)
		return -EINVAL;
	n = sip_resp_build(layer->out, SIP_TXN_OUT_MAX, layer->scratch, code,
			reason, to_tag, extra_hdrs);
	if (n < 0)
		return n;
	return sip_txn_server_respond(st, code, layer->out, (size_t)n);
}
