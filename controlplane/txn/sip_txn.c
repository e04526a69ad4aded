/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transaction layer itself: creation and teardown, the entry point for
 * received messages, and what client and server transactions share
 * (allocation with the request copy, references, sending with transport
 * error reporting, termination, accessors). A transaction in the table
 * holds one reference for the table; leaving the table at Terminated drops
 * it, and the memory goes with the last reference the TU held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sip_txn_priv.h"

#define SIP_TXN_MAX_DEFAULT 65536

static void
env_defaults(struct sip_txn_env *env)
{
	if (env->t1_ms == 0)
		env->t1_ms = SIP_TXN_T1_DEFAULT;
	if (env->t2_ms == 0)
		env->t2_ms = SIP_TXN_T2_DEFAULT;
	if (env->t4_ms == 0)
		env->t4_ms = SIP_TXN_T4_DEFAULT;
	if (env->timer_d_ms == 0)
		env->timer_d_ms = SIP_TXN_TIMER_D_DEFAULT;
	if (env->max_txns == 0)
		env->max_txns = SIP_TXN_MAX_DEFAULT;
}

int
sip_txn_layer_create(struct sip_txn_layer **out, const struct sip_txn_env *env,
		const struct sip_txn_tu *tu)
{
	struct sip_txn_layer *layer;
	int err;

	if (env == NULL || env->timers == NULL || env->send == NULL)
		return -EINVAL;
	layer = calloc(1, sizeof(*layer));
	if (layer == NULL)
		return -ENOMEM;
	layer->env = *env;
	env_defaults(&layer->env);
	if (layer->env.t2_ms < layer->env.t1_ms) {
		err = -EINVAL;
		goto out_free;
	}
	if (tu != NULL)
		layer->tu = *tu;
	if (getrandom(&layer->seed, sizeof(layer->seed), GRND_NONBLOCK) !=
			(ssize_t)sizeof(layer->seed))
		layer->seed = (uint64_t)(uintptr_t)layer ^ 0x9e3779b97f4a7c15ull;
	err = -ENOMEM;
	layer->scratch = malloc(sizeof(*layer->scratch));
	if (layer->scratch == NULL)
		goto out_free;
	layer->out = malloc(SIP_TXN_OUT_MAX);
	if (layer->out == NULL)
		goto out_scratch;
	err = sip_txn_table_init(layer);
	if (err < 0)
		goto out_out;
	*out = layer;
	return 0;
out_out:
	free(layer->out);
out_scratch:
	free(layer->scratch);
out_free:
	free(layer);
	return err;
}

void
sip_txn_layer_destroy(struct sip_txn_layer *layer)
{
	struct sip_txn *txn;

	if (layer == NULL)
		return;
	while ((txn = sip_txn_table_any(layer)) != NULL)
		sip_txn_terminate(txn, SIP_TXN_END_SHUTDOWN);
	sip_txn_table_fini(layer);
	free(layer->out);
	free(layer->scratch);
	free(layer);
}

int
sip_txn_layer_set_timers(struct sip_txn_layer *layer, uint32_t t1_ms,
		uint32_t t2_ms, uint32_t t4_ms, uint32_t timer_d_ms)
{
	uint32_t t1 = t1_ms != 0 ? t1_ms : layer->env.t1_ms;
	uint32_t t2 = t2_ms != 0 ? t2_ms : layer->env.t2_ms;

	if (t2 < t1)
		return -EINVAL;
	layer->env.t1_ms = t1;
	layer->env.t2_ms = t2;
	if (t4_ms != 0)
		layer->env.t4_ms = t4_ms;
	if (timer_d_ms != 0)
		layer->env.timer_d_ms = timer_d_ms;
	return 0;
}

const struct sip_txn_stats *
sip_txn_layer_stats(const struct sip_txn_layer *layer)
{
	return &layer->stats;
}

int
sip_txn_layer_recv(struct sip_txn_layer *layer, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	if (!(msg->have & SIP_HAVE_START))
		return -EINVAL;
	if (msg->is_request)
		return sip_txn_server_recv(layer, msg, src);
	if (msg->n_vias == 0 || !(msg->have & SIP_HAVE_CSEQ))
		return -EINVAL;
	sip_txn_client_recv(layer, msg, src);
	return 0;
}

bool
sip_txn_transport_unreliable(enum sip_transport tp)
{
	return tp == SIP_TP_UDP;
}

static void retrans_fire(struct uring_timer *t);
static void end_fire(struct uring_timer *t);

struct sip_txn *
sip_txn_alloc(struct sip_txn_layer *layer, enum sip_txn_kind kind,
		const char *req, size_t len, const struct sip_txn_dest *dest)
{
	struct sip_txn *txn;

	txn = calloc(1, sizeof(*txn) + len);
	if (txn == NULL)
		return NULL;
	txn->layer = layer;
	txn->refs = 1;
	txn->kind = kind;
	txn->dest = *dest;
	txn->unreliable = sip_txn_transport_unreliable(dest->transport);
	txn->t1 = layer->env.t1_ms;
	txn->t2 = layer->env.t2_ms;
	txn->t4 = layer->env.t4_ms;
	txn->td = layer->env.timer_d_ms;
	uring_timer_init(&txn->t_retrans, retrans_fire);
	uring_timer_init(&txn->t_end, end_fire);
	memcpy(txn->req, req, len);
	txn->req_len = len;
	return txn;
}

struct sip_txn *
sip_txn_get(struct sip_txn *txn)
{
	txn->refs++;
	return txn;
}

struct sip_txn *
sip_txn_put(struct sip_txn *txn)
{
	if (txn == NULL || --txn->refs > 0)
		return NULL;
	free(txn->resp);
	free(txn->ack);
	free(txn);
	return NULL;
}

void
sip_txn_terminate(struct sip_txn *txn, enum sip_txn_end why)
{
	struct sip_txn_layer *layer = txn->layer;

	if (txn->state == SIP_TXN_TERMINATED || layer == NULL)
		return;
	txn->state = SIP_TXN_TERMINATED;
	uring_timer_cancel(layer->env.timers, &txn->t_retrans);
	uring_timer_cancel(layer->env.timers, &txn->t_end);
	sip_txn_table_remove(layer, txn);
	/* The TU may still hold the transaction: keep it alive through the call. */
	sip_txn_get(txn);
	if (layer->tu.on_terminated != NULL)
		layer->tu.on_terminated(layer->tu.arg, txn, why);
	txn->layer = NULL;
	sip_txn_put(txn);	/* the table's reference */
	sip_txn_put(txn);
}

void
sip_txn_timeout(struct sip_txn *txn)
{
	struct sip_txn_layer *layer = txn->layer;

	layer->stats.timeouts++;
	sip_txn_get(txn);
	if (layer->tu.on_timeout != NULL)
		layer->tu.on_timeout(layer->tu.arg, txn);
	sip_txn_terminate(txn, SIP_TXN_END_TIMEOUT);
	sip_txn_put(txn);
}

int
sip_txn_send(struct sip_txn *txn, const char *buf, size_t len)
{
	struct sip_txn_layer *layer = txn->layer;
	int err;

	err = layer->env.send(layer->env.send_arg, &txn->dest, buf, len);
	if (err >= 0)
		return 0;
	/* The send function may have ended the transaction (layer destroyed). */
	if (txn->state == SIP_TXN_TERMINATED)
		return err;
	layer->stats.transport_errors++;
	sip_txn_get(txn);
	if (layer->tu.on_transport_error != NULL)
		layer->tu.on_transport_error(layer->tu.arg, txn, err);
	sip_txn_terminate(txn, SIP_TXN_END_TRANSPORT);
	sip_txn_put(txn);
	return err;
}

/*
 * Start the timer that ends the current state. Zero (D, I, J, K over a
 * reliable transport) ends the transaction now. A timer that cannot be
 * started ends it too: a transaction with no end would hold its slot
 * forever.
 */
int
sip_txn_start_end(struct sip_txn *txn, uint32_t ms)
{
	int err;

	if (ms == 0) {
		sip_txn_terminate(txn, SIP_TXN_END_NORMAL);
		return 0;
	}
	err = uring_timer_start(txn->layer->env.timers, &txn->t_end, ms);
	if (err < 0)
		sip_txn_terminate(txn, SIP_TXN_END_NORMAL);
	return err;
}

int
sip_txn_store(char **buf, size_t *cap, size_t *len, const char *p, size_t n)
{
	char *nb;

	if (n > *cap) {
		nb = realloc(*buf, n);
		if (nb == NULL)
			return -ENOMEM;
		*buf = nb;
		*cap = n;
	}
	memcpy(*buf, p, n);
	*len = n;
	return 0;
}

int
sip_txn_decode_req(struct sip_txn *txn)
{
	struct sip_perr perr;

	return sip_msg_decode(txn->layer->scratch, txn->req, txn->req_len,
			&perr);
}

static void
retransmit(struct sip_txn *txn, const char *buf, size_t len, uint32_t next)
{
	struct sip_txn_layer *layer = txn->layer;

	layer->stats.retransmits_sent++;
	if (sip_txn_send(txn, buf, len) < 0)
		return;
	txn->retrans_ms = next;
	/*
	 * A heap that cannot grow only costs further retransmissions; the
	 * timer ending the state still runs.
	 */
	(void)uring_timer_start(layer->env.timers, &txn->t_retrans, next);
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Timers A, E and G: retransmit and back off (RFC 3261 section 17). */
static void
retrans_fire(struct uring_timer *t)
{
	struct sip_txn *txn = SIP_TXN_CONTAINER_OF(t, struct sip_txn,
			t_retrans);

	if (txn->layer == NULL)
		return;
	sip_txn_get(txn);
	switch (txn->kind) {
	case SIP_TXN_CLIENT_INVITE:
		/* Timer A doubles without a cap; Timer B bounds it. */
		if (txn->state == SIP_TXN_CALLING)
			retransmit(txn, txn->req, txn->req_len,
					txn->retrans_ms * 2);
		break;
	case SIP_TXN_CLIENT_NON_INVITE:
		if (txn->state == SIP_TXN_TRYING)
			retransmit(txn, txn->req, txn->req_len,
					min_u32(txn->retrans_ms * 2, txn->t2));
		else if (txn->state == SIP_TXN_PROCEEDING)
			retransmit(txn, txn->req, txn->req_len, txn->t2);
		break;
	case SIP_TXN_SERVER_INVITE:
		if (txn->state == SIP_TXN_COMPLETED)
			retransmit(txn, txn->resp, txn->resp_len,
					min_u32(txn->retrans_ms * 2, txn->t2));
		break;
	case SIP_TXN_SERVER_NON_INVITE:
		break;
	}
	sip_txn_put(txn);
}

/* Timers B, F, H end with a timeout; D, I, J, K, L, M quietly. */
static void
end_fire(struct uring_timer *t)
{
	struct sip_txn *txn = SIP_TXN_CONTAINER_OF(t, struct sip_txn, t_end);
	bool timeout;

	if (txn->layer == NULL)
		return;
	switch (txn->kind) {
	case SIP_TXN_CLIENT_INVITE:
		timeout = txn->state == SIP_TXN_CALLING;
		break;
	case SIP_TXN_CLIENT_NON_INVITE:
		timeout = txn->state == SIP_TXN_TRYING ||
			txn->state == SIP_TXN_PROCEEDING;
		break;
	case SIP_TXN_SERVER_INVITE:
		timeout = txn->state == SIP_TXN_COMPLETED;
		break;
	default:
		timeout = false;
		break;
	}
	if (timeout)
		sip_txn_timeout(txn);
	else
		sip_txn_terminate(txn, SIP_TXN_END_NORMAL);
}

enum sip_txn_kind
sip_txn_kind(const struct sip_txn *txn)
{
	return txn->kind;
}

enum sip_txn_state
sip_txn_state(const struct sip_txn *txn)
{
	return txn->state;
}

enum sip_method
sip_txn_method(const struct sip_txn *txn)
{
	return txn->key.method;
}

struct dg_pl
sip_txn_branch(const struct sip_txn *txn)
{
	if (txn->key.rfc2543)
		return (struct dg_pl){ .p = txn->req, .len = 0 };
	return txn->key.branch;
}

struct dg_pl
sip_txn_request(const struct sip_txn *txn)
{
	return (struct dg_pl){ .p = txn->req, .len = txn->req_len };
}

struct dg_pl
sip_txn_last_response(const struct sip_txn *txn, int *code)
{
	if (code != NULL)
		*code = txn->resp_code;
	if (txn->resp_code == 0)
		return DG_PL_NULL;
	return (struct dg_pl){ .p = txn->resp, .len = txn->resp_len };
}

const struct sip_txn_dest *
sip_txn_dest(const struct sip_txn *txn)
{
	return &txn->dest;
}

void *
sip_txn_owner(const struct sip_txn *txn)
{
	return txn->owner;
}

void
sip_txn_set_owner(struct sip_txn *txn, void *owner)
{
	txn->owner = owner;
}

struct sip_txn_layer *
sip_txn_layer_of(const struct sip_txn *txn)
{
	return txn->layer;
}

size_t
sip_txn_record_size(void)
{
	return sizeof(struct sip_txn);
}

const char *
sip_txn_state_name(enum sip_txn_state state)
{
	switch (state) {
	case SIP_TXN_CALLING: return "Calling";
	case SIP_TXN_TRYING: return "Trying";
	case SIP_TXN_PROCEEDING: return "Proceeding";
	case SIP_TXN_ACCEPTED: return "Accepted";
	case SIP_TXN_COMPLETED: return "Completed";
	case SIP_TXN_CONFIRMED: return "Confirmed";
	case SIP_TXN_TERMINATED: return "Terminated";
	}
	return "?";
}
