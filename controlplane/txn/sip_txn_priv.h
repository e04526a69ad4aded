/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the transaction layer: the transaction record, the layer with its
 * hash table, and the functions the client, server and table files share.
 * A transaction is one allocation holding its record and a copy of the
 * request that created it; the matching key is a set of views into that
 * copy, so matching never touches the receive buffer after creation.
 */
#ifndef DRONGO_CONTROLPLANE_TXN_SIP_TXN_PRIV_H
#define DRONGO_CONTROLPLANE_TXN_SIP_TXN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_txn.h"

#define SIP_TXN_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Scratch buffer of the layer: local responses, ACKs and CANCELs. */
#define SIP_TXN_OUT_MAX 65536

/*
 * What a transaction is matched on (RFC 3261 sections 17.1.3 and 17.2.3).
 * Built from an incoming message (views into it) to look up, and stored in
 * a transaction (views into its own request copy).
 */
struct sip_txn_key {
	bool rfc2543;			/* no usable cookie branch */
	struct dg_pl branch;
	struct dg_pl sent_by_host;
	uint16_t sent_by_port;		/* default port filled in */
	enum sip_method method;		/* request line (server), CSeq (client) */
	struct dg_pl method_raw;
	/* RFC 2543 fallback: section 17.2.3, second half */
	struct dg_pl ruri;
	struct dg_pl to_tag;
	struct dg_pl from_tag;
	struct dg_pl call_id;
	uint32_t cseq;
	struct dg_pl top_via;
	uint64_t hash;
};

struct sip_txn {
	struct sip_txn_layer *layer;	/* NULL once terminated */
	struct sip_txn *hnext;		/* hash chain */
	unsigned int refs;
	enum sip_txn_kind kind;
	enum sip_txn_state state;
	bool unreliable;
	bool in_table;
	bool cancelled;			/* INVITE client: CANCEL started */
	void *owner;
	struct sip_txn_dest dest;
	/* timer values fixed at creation (a reload does not move them) */
	uint32_t t1, t2, t4, td;
	uint32_t retrans_ms;		/* current interval of A, E or G */
	struct uring_timer t_retrans;	/* A, E, G */
	struct uring_timer t_end;	/* B, D, F, H, I, J, K, L, M */
	struct sip_txn_key key;
	/* server: last response sent; client: last final response received */
	char *resp;
	size_t resp_len;
	size_t resp_cap;
	int resp_code;
	struct dg_pl resp_to_tag;	/* server, RFC 2543: To tag sent */
	/* INVITE client: the ACK of the non-2xx final response */
	char *ack;
	size_t ack_len;
	size_t req_len;
	char req[];
};

struct sip_txn_layer {
	struct sip_txn_env env;
	struct sip_txn_tu tu;
	struct sip_txn **buckets;
	uint64_t mask;			/* buckets - 1 */
	uint64_t seed;			/* of the bucket hash */
	uint32_t n;			/* transactions in the table */
	struct sip_txn_stats stats;
	struct sip_msg *scratch;	/* decodes stored requests and responses */
	char *out;			/* SIP_TXN_OUT_MAX bytes */
};

/* sip_txn_table.c */
int sip_txn_table_init(struct sip_txn_layer *layer);
void sip_txn_table_fini(struct sip_txn_layer *layer);
int sip_txn_key_request(struct sip_txn_key *key, const struct sip_msg *msg,
		uint64_t seed);
int sip_txn_key_response(struct sip_txn_key *key, const struct sip_msg *msg,
		uint64_t seed);
void sip_txn_key_rebase(struct sip_txn_key *key, const char *from,
		const char *to);
void sip_txn_table_insert(struct sip_txn_layer *layer, struct sip_txn *txn);
void sip_txn_table_remove(struct sip_txn_layer *layer, struct sip_txn *txn);
struct sip_txn *sip_txn_table_find_server(struct sip_txn_layer *layer,
		const struct sip_txn_key *key, enum sip_method want,
		const struct dg_pl *want_raw);
struct sip_txn *sip_txn_table_find_client(struct sip_txn_layer *layer,
		const struct sip_txn_key *key);
struct sip_txn *sip_txn_table_any(struct sip_txn_layer *layer);

/* sip_txn.c */
struct sip_txn *sip_txn_alloc(struct sip_txn_layer *layer,
		enum sip_txn_kind kind, const char *req, size_t len,
		const struct sip_txn_dest *dest);
int sip_txn_send(struct sip_txn *txn, const char *buf, size_t len);
void sip_txn_terminate(struct sip_txn *txn, enum sip_txn_end why);
void sip_txn_timeout(struct sip_txn *txn);
int sip_txn_start_end(struct sip_txn *txn, uint32_t ms);
int sip_txn_store(char **buf, size_t *cap, size_t *len, const char *p,
		size_t n);
int sip_txn_decode_req(struct sip_txn *txn);

/* sip_txn_server.c */
int sip_txn_server_recv(struct sip_txn_layer *layer, const struct sip_msg *msg,
		const struct sip_txn_dest *src);

/* sip_txn_client.c */
void sip_txn_client_recv(struct sip_txn_layer *layer,
		const struct sip_msg *msg, const struct sip_txn_dest *src);

#endif
