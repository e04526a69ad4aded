/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions (RFC 3261 section 17.1 with RFC 6026). INVITE:
 * Calling (Timer A over unreliable transports, doubling without a cap,
 * and Timer B), Proceeding, then Accepted after a 2xx (Timer M; further
 * 2xx go to the TU) or Completed after a non-2xx (the layer ACKs it, and
 * ACKs its retransmissions until Timer D). Non-INVITE: Trying and
 * Proceeding (Timer E capped at T2, Timer F), Completed (Timer K). Once an
 * INVITE is Proceeding no timer of the transaction bounds it: RFC 3261
 * gives that to the proxy's Timer C (section 16.8).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_txn_priv.h"

int
sip_txn_client_create(struct sip_txn **out, struct sip_txn_layer *layer,
		const char *buf, size_t len, const struct sip_txn_dest *dst,
		void *owner)
{
	struct sip_msg *m = layer->scratch;
	enum sip_txn_kind kind;
	struct sip_txn_key key;
	struct sip_perr perr;
	struct sip_txn *txn;
	int err;

	if (buf == NULL || len == 0 || dst == NULL)
		return -EINVAL;
	if (sip_msg_decode(m, buf, len, &perr) < 0 || !m->is_request ||
			m->method == SIP_METHOD_ACK)
		return -EINVAL;
	/* Responses are matched on the branch and the CSeq method (17.1.3). */
	err = sip_txn_key_request(&key, m, layer->seed);
	if (err < 0 || key.rfc2543 || m->cseq.method != m->method ||
			(m->method == SIP_METHOD_OTHER &&
			 !dg_pl_eq(m->cseq.method_raw, m->method_raw)))
		return -EINVAL;
	if (sip_txn_table_find_client(layer, &key) != NULL)
		return -EEXIST;
	if (layer->n >= layer->env.max_txns) {
		layer->stats.rejected_full++;
		return -ENOSPC;
	}
	kind = m->method == SIP_METHOD_INVITE ? SIP_TXN_CLIENT_INVITE :
		SIP_TXN_CLIENT_NON_INVITE;
	txn = sip_txn_alloc(layer, kind, m->buf.p, m->buf.len, dst);
	if (txn == NULL)
		return -ENOMEM;
	txn->key = key;
	sip_txn_key_rebase(&txn->key, m->buf.p, txn->req);
	txn->owner = owner;
	txn->state = kind == SIP_TXN_CLIENT_INVITE ? SIP_TXN_CALLING :
		SIP_TXN_TRYING;
	txn->retrans_ms = txn->t1;
	/* Timer B or F, then A or E when the transport does not retransmit. */
	err = uring_timer_start(layer->env.timers, &txn->t_end, 64 * txn->t1);
	if (err == 0 && txn->unreliable)
		err = uring_timer_start(layer->env.timers, &txn->t_retrans,
				txn->retrans_ms);
	if (err < 0) {
		uring_timer_cancel(layer->env.timers, &txn->t_end);
		sip_txn_put(txn);
		return err;
	}
	sip_txn_table_insert(layer, txn);
	layer->stats.client_created++;
	if (out != NULL)
		*out = sip_txn_get(txn);
	sip_txn_get(txn);
	(void)sip_txn_send(txn, txn->req, txn->req_len);
	sip_txn_put(txn);
	return 0;
}

int
sip_txn_client_cancel(struct sip_txn **out, struct sip_txn *ict,
		const char *extra_hdrs, void *owner)
{
	struct sip_txn_layer *layer = ict->layer;
	int n, err;

	if (ict->kind != SIP_TXN_CLIENT_INVITE)
		return -EINVAL;
	if (ict->state == SIP_TXN_CALLING)
		return -EAGAIN;
	if (ict->state != SIP_TXN_PROCEEDING || ict->cancelled ||
			layer == NULL)
		return -EALREADY;
	if (sip_txn_decode_req(ict) < 0)
		return -EINVAL;
	n = sip_txn_cancel_build(layer->out, SIP_TXN_OUT_MAX, layer->scratch,
			extra_hdrs);
	if (n < 0)
		return n;
	err = sip_txn_client_create(out, layer, layer->out, (size_t)n,
			&ict->dest, owner);
	if (err == 0)
		ict->cancelled = true;
	return err;
}

static void
report(struct sip_txn *txn, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn_layer *layer = txn->layer;

	if (layer->tu.on_response != NULL)
		layer->tu.on_response(layer->tu.arg, txn, msg, src);
}

static int
keep_final(struct sip_txn *txn, const struct sip_msg *msg)
{
	txn->resp_code = msg->status;
	return sip_txn_store(&txn->resp, &txn->resp_cap, &txn->resp_len,
			msg->buf.p, msg->buf.len);
}

static void
stop_timers(struct sip_txn *txn)
{
	uring_timer_cancel(txn->layer->env.timers, &txn->t_retrans);
	uring_timer_cancel(txn->layer->env.timers, &txn->t_end);
}

/* Build and keep the ACK of a non-2xx final response, for its retransmissions too. */
static int
ack_prepare(struct sip_txn *txn, const struct sip_msg *resp)
{
	struct sip_txn_layer *layer = txn->layer;
	int n;

	if (sip_txn_decode_req(txn) < 0)
		return -EINVAL;
	n = sip_txn_ack_build(layer->out, SIP_TXN_OUT_MAX, layer->scratch,
			resp);
	if (n < 0)
		return n;
	free(txn->ack);
	txn->ack = malloc((size_t)n);
	if (txn->ack == NULL)
		return -ENOMEM;
	memcpy(txn->ack, layer->out, (size_t)n);
	txn->ack_len = (size_t)n;
	return 0;
}

static void
invite_final(struct sip_txn *txn, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn_layer *layer = txn->layer;
	int err;

	stop_timers(txn);
	(void)keep_final(txn, msg);
	if (msg->status < 300) {
		txn->state = SIP_TXN_ACCEPTED;
		report(txn, msg, src);
		if (txn->state == SIP_TXN_ACCEPTED)
			(void)sip_txn_start_end(txn, 64 * txn->t1);
		return;
	}
	txn->state = SIP_TXN_COMPLETED;
	err = ack_prepare(txn, msg);
	report(txn, msg, src);
	if (txn->state != SIP_TXN_COMPLETED)
		return;
	if (err < 0) {
		/* Without an ACK the far end retransmits until its Timer H. */
		sip_txn_terminate(txn, SIP_TXN_END_NORMAL);
		return;
	}
	layer->stats.acks_sent++;
	if (sip_txn_send(txn, txn->ack, txn->ack_len) < 0)
		return;
	(void)sip_txn_start_end(txn, txn->unreliable ? txn->td : 0);
}

static void
invite_response(struct sip_txn *txn, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn_layer *layer = txn->layer;

	switch (txn->state) {
	case SIP_TXN_CALLING:
	case SIP_TXN_PROCEEDING:
		if (msg->status >= 200) {
			invite_final(txn, msg, src);
			break;
		}
		if (txn->state == SIP_TXN_CALLING) {
			txn->state = SIP_TXN_PROCEEDING;
			stop_timers(txn);
		}
		report(txn, msg, src);
		break;
	case SIP_TXN_ACCEPTED:
		/* RFC 6026 section 8.4: every 2xx goes up, the rest is absorbed. */
		if (msg->status >= 200 && msg->status < 300) {
			(void)keep_final(txn, msg);
			report(txn, msg, src);
		} else {
			layer->stats.retransmits_absorbed++;
		}
		break;
	case SIP_TXN_COMPLETED:
		layer->stats.retransmits_absorbed++;
		if (msg->status >= 300 && txn->ack != NULL) {
			layer->stats.acks_sent++;
			layer->stats.retransmits_sent++;
			(void)sip_txn_send(txn, txn->ack, txn->ack_len);
		}
		break;
	default:
		break;
	}
}

static void
non_invite_response(struct sip_txn *txn, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	if (txn->state == SIP_TXN_COMPLETED) {
		txn->layer->stats.retransmits_absorbed++;
		return;
	}
	if (msg->status < 200) {
		/* Timer E keeps running; its next expiry switches to T2. */
		txn->state = SIP_TXN_PROCEEDING;
		report(txn, msg, src);
		return;
	}
	stop_timers(txn);
	(void)keep_final(txn, msg);
	txn->state = SIP_TXN_COMPLETED;
	report(txn, msg, src);
	if (txn->state == SIP_TXN_COMPLETED)
		(void)sip_txn_start_end(txn, txn->unreliable ? txn->t4 : 0);
}

void
sip_txn_client_recv(struct sip_txn_layer *layer, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_txn_key key;
	struct sip_txn *txn = NULL;

	if (sip_txn_key_response(&key, msg, layer->seed) == 0)
		txn = sip_txn_table_find_client(layer, &key);
	if (txn == NULL || msg->status < 100 || msg->status > 699) {
		layer->stats.stray_responses++;
		if (layer->tu.on_stray_response != NULL)
			layer->tu.on_stray_response(layer->tu.arg, msg, src);
		return;
	}
	sip_txn_get(txn);
	if (txn->kind == SIP_TXN_CLIENT_INVITE)
		invite_response(txn, msg, src);
	else
		non_invite_response(txn, msg, src);
	sip_txn_put(txn);
}
