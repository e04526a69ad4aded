/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction matching (RFC 3261 sections 17.1.3 and 17.2.3): a chained
 * hash table keyed by the top Via branch when it carries the magic cookie
 * and a unique part, otherwise by Call-ID and CSeq number for the RFC 2543
 * fallback. The hash is seeded per layer so that peers cannot choose
 * branches that pile into one chain; the chain compares every field the
 * RFC names, so a collision never matches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_txn_priv.h"

/* Buckets are a power of two near max_txns, within these bounds. */
#define TABLE_MIN_BUCKETS 64u
#define TABLE_MAX_BUCKETS (1u << 20)

static uint64_t
hash_bytes(uint64_t h, struct dg_pl pl)
{
	size_t i;

	for (i = 0; i < pl.len; i++) {
		h ^= (uint8_t)pl.p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Final mix so that the low bits used as bucket index depend on all input. */
static uint64_t
hash_fin(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

int
sip_txn_table_init(struct sip_txn_layer *layer)
{
	uint64_t n = TABLE_MIN_BUCKETS;

	while (n < layer->env.max_txns && n < TABLE_MAX_BUCKETS)
		n <<= 1;
	layer->buckets = calloc(n, sizeof(*layer->buckets));
	if (layer->buckets == NULL)
		return -ENOMEM;
	layer->mask = n - 1;
	return 0;
}

void
sip_txn_table_fini(struct sip_txn_layer *layer)
{
	free(layer->buckets);
	layer->buckets = NULL;
}

static bool
branch_is_rfc3261(struct dg_pl branch)
{
	static const struct dg_pl cookie = DG_PL(SIP_TXN_BRANCH_COOKIE);

	/* RFC 4475 badbranch: the cookie alone is no unique identifier. */
	return branch.len > cookie.len &&
		memcmp(branch.p, cookie.p, cookie.len) == 0;
}

static uint16_t
default_port(enum sip_transport tp)
{
	return (tp == SIP_TP_TLS || tp == SIP_TP_WSS) ? 5061 : 5060;
}

int
sip_txn_key_request(struct sip_txn_key *key, const struct sip_msg *msg,
		uint64_t seed)
{
	const struct sip_via *via;

	if (!msg->is_request || msg->n_vias == 0 ||
			!(msg->have & SIP_HAVE_CSEQ))
		return -EINVAL;
	via = &msg->vias[0];
	memset(key, 0, sizeof(*key));
	key->branch = via->branch;
	key->sent_by_host = via->host;
	key->sent_by_port = via->port != 0 ? via->port :
		default_port(via->transport);
	key->method = msg->method;
	key->method_raw = msg->method_raw;
	key->rfc2543 = !branch_is_rfc3261(via->branch);
	key->ruri = msg->ruri_raw;
	if (msg->have & SIP_HAVE_TO)
		key->to_tag = msg->to.tag;
	if (msg->have & SIP_HAVE_FROM)
		key->from_tag = msg->from.tag;
	if (msg->have & SIP_HAVE_CALL_ID)
		key->call_id = msg->call_id;
	key->cseq = msg->cseq.num;
	key->top_via = via->raw;
	if (key->rfc2543)
		key->hash = hash_fin(hash_bytes(seed ^ key->cseq,
				key->call_id));
	else
		key->hash = hash_fin(hash_bytes(seed, key->branch));
	return 0;
}

int
sip_txn_key_response(struct sip_txn_key *key, const struct sip_msg *msg,
		uint64_t seed)
{
	if (msg->is_request || msg->n_vias == 0 ||
			!(msg->have & SIP_HAVE_CSEQ))
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	key->branch = msg->vias[0].branch;
	key->rfc2543 = !branch_is_rfc3261(key->branch);
	key->method = msg->cseq.method;
	key->method_raw = msg->cseq.method_raw;
	key->hash = hash_fin(hash_bytes(seed, key->branch));
	return 0;
}

static struct dg_pl
rebase(struct dg_pl v, const char *from, const char *to)
{
	if (v.p == NULL)
		return v;
	return (struct dg_pl){ .p = to + (v.p - from), .len = v.len };
}

void
sip_txn_key_rebase(struct sip_txn_key *key, const char *from, const char *to)
{
	key->branch = rebase(key->branch, from, to);
	key->sent_by_host = rebase(key->sent_by_host, from, to);
	key->method_raw = rebase(key->method_raw, from, to);
	key->ruri = rebase(key->ruri, from, to);
	key->to_tag = rebase(key->to_tag, from, to);
	key->from_tag = rebase(key->from_tag, from, to);
	key->call_id = rebase(key->call_id, from, to);
	key->top_via = rebase(key->top_via, from, to);
}

void
sip_txn_table_insert(struct sip_txn_layer *layer, struct sip_txn *txn)
{
	struct sip_txn **b = &layer->buckets[txn->key.hash & layer->mask];

	txn->hnext = *b;
	*b = txn;
	txn->in_table = true;
	layer->n++;
	layer->stats.active = layer->n;
}

void
sip_txn_table_remove(struct sip_txn_layer *layer, struct sip_txn *txn)
{
	struct sip_txn **pp = &layer->buckets[txn->key.hash & layer->mask];

	if (!txn->in_table)
		return;
	while (*pp != NULL && *pp != txn)
		pp = &(*pp)->hnext;
	if (*pp == txn)
		*pp = txn->hnext;
	txn->hnext = NULL;
	txn->in_table = false;
	layer->n--;
	layer->stats.active = layer->n;
}

static bool
method_eq(enum sip_method m, const struct dg_pl *raw, enum sip_method want,
		const struct dg_pl *want_raw)
{
	if (m != want)
		return false;
	return m != SIP_METHOD_OTHER || want_raw == NULL ||
		dg_pl_eq(*raw, *want_raw);
}

static bool
server_match(const struct sip_txn *txn, const struct sip_txn_key *in,
		enum sip_method want, const struct dg_pl *want_raw)
{
	const struct sip_txn_key *k = &txn->key;

	if (txn->kind != SIP_TXN_SERVER_INVITE &&
			txn->kind != SIP_TXN_SERVER_NON_INVITE)
		return false;
	if (k->rfc2543 != in->rfc2543 || k->hash != in->hash)
		return false;
	if (!method_eq(k->method, &k->method_raw, want, want_raw))
		return false;
	if (!in->rfc2543)
		return dg_pl_eq(k->branch, in->branch) &&
			dg_pl_eq_nocase(k->sent_by_host, in->sent_by_host) &&
			k->sent_by_port == in->sent_by_port;
	if (!dg_pl_eq(k->ruri, in->ruri) ||
			!dg_pl_eq(k->from_tag, in->from_tag) ||
			!dg_pl_eq(k->call_id, in->call_id) ||
			k->cseq != in->cseq ||
			!dg_pl_eq(k->top_via, in->top_via))
		return false;
	/*
	 * The ACK of a non-2xx response carries the To tag of that response;
	 * any other request of the transaction carries the request's.
	 */
	if (in->method == SIP_METHOD_ACK && txn->kind == SIP_TXN_SERVER_INVITE)
		return dg_pl_eq(txn->resp_to_tag, in->to_tag) ||
			dg_pl_eq(k->to_tag, in->to_tag);
	return dg_pl_eq(k->to_tag, in->to_tag);
}

struct sip_txn *
sip_txn_table_find_server(struct sip_txn_layer *layer,
		const struct sip_txn_key *key, enum sip_method want,
		const struct dg_pl *want_raw)
{
	struct sip_txn *t;

	for (t = layer->buckets[key->hash & layer->mask]; t != NULL;
			t = t->hnext)
		if (server_match(t, key, want, want_raw))
			return t;
	return NULL;
}

struct sip_txn *
sip_txn_table_find_client(struct sip_txn_layer *layer,
		const struct sip_txn_key *key)
{
	struct sip_txn *t;

	if (key->rfc2543)
		return NULL;
	for (t = layer->buckets[key->hash & layer->mask]; t != NULL;
			t = t->hnext) {
		if (t->kind != SIP_TXN_CLIENT_INVITE &&
				t->kind != SIP_TXN_CLIENT_NON_INVITE)
			continue;
		if (t->key.hash == key->hash &&
				dg_pl_eq(t->key.branch, key->branch) &&
				method_eq(t->key.method, &t->key.method_raw,
					key->method, &key->method_raw))
			return t;
	}
	return NULL;
}

struct sip_txn *
sip_txn_table_any(struct sip_txn_layer *layer)
{
	uint64_t i;

	if (layer->n == 0)
		return NULL;
	for (i = 0; i <= layer->mask; i++)
		if (layer->buckets[i] != NULL)
			return layer->buckets[i];
	return NULL;
}
