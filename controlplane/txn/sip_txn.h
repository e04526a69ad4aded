/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP transaction layer (RFC 3261 section 17 with RFC 6026): client
 * and server transactions, INVITE and non-INVITE, their timers on the
 * control plane's timer heap, retransmission and its absorption, matching
 * by branch (sections 17.1.3 and 17.2.3) with the RFC 2543 fallback,
 * CANCEL matched to its INVITE and the ACK of a non-2xx final response.
 * The layer runs in an environment (a timer set and a send function) so
 * that tests drive it on a virtual clock without sockets; the transaction
 * user (the proxy core) hears of requests, responses, timeouts and
 * transport errors through callbacks. State is node-local and bounded.
 */
#ifndef DRONGO_CONTROLPLANE_TXN_SIP_TXN_H
#define DRONGO_CONTROLPLANE_TXN_SIP_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"
#include "sip_msg.h"
#include "uring_timer.h"

struct sip_txn;
struct sip_txn_layer;

/* RFC 3261 section 17.1.1.1 defaults, in ms. */
#define SIP_TXN_T1_DEFAULT 500
#define SIP_TXN_T2_DEFAULT 4000
#define SIP_TXN_T4_DEFAULT 5000
/* Timer D over unreliable transports: "at least 32 seconds". */
#define SIP_TXN_TIMER_D_DEFAULT 32000

/* The magic cookie of RFC 3261 branches (section 8.1.1.7). */
#define SIP_TXN_BRANCH_COOKIE "z9hG4bK"
/* Room for any branch this layer generates, NUL included. */
#define SIP_TXN_BRANCH_MAX 48

/**
 * Where a message goes to or came from. For a received message: the
 * transport, the peer's address, the connection it arrived on (stream
 * transports) and the local socket. For a message to send: the send
 * function uses conn_id when it is not 0 (an existing connection) and
 * may open a connection to addr otherwise; local, when not NULL, is the
 * socket to send from.
 */
struct sip_txn_dest {
	enum sip_transport transport;	/* SIP_TP_UDP, SIP_TP_TCP, ... */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t conn_id;		/* 0: none / any */
	void *local;			/* opaque to the layer */
};

/**
 * Send one message. The bytes are valid only during the call (copy them
 * when the send is asynchronous).
 *
 * @return 0 when queued, or a negative errno: the transaction then
 *   reports a transport error to its TU (RFC 3261 sections 17.1.4 and
 *   17.2.4) and terminates.
 */
typedef int (*sip_txn_send_fn)(void *arg, const struct sip_txn_dest *dst,
		const char *buf, size_t len);

/** The environment a layer runs in. Copied by sip_txn_layer_create(). */
struct sip_txn_env {
	struct uring_timers *timers;	/* the clock every timer runs on */
	sip_txn_send_fn send;
	void *send_arg;
	uint32_t t1_ms;			/* RTT estimate; 0: 500 */
	uint32_t t2_ms;			/* non-INVITE retransmit cap; 0: 4000 */
	uint32_t t4_ms;			/* network lifetime; 0: 5000 */
	uint32_t timer_d_ms;		/* Timer D on unreliable; 0: 32000 */
	uint32_t max_txns;		/* client + server transactions; 0: 65536 */
};

/** Transaction kinds. */
enum sip_txn_kind {
	SIP_TXN_SERVER_INVITE,
	SIP_TXN_SERVER_NON_INVITE,
	SIP_TXN_CLIENT_INVITE,
	SIP_TXN_CLIENT_NON_INVITE,
};

/** States of RFC 3261 section 17 and RFC 6026 (Accepted). */
enum sip_txn_state {
	SIP_TXN_CALLING,	/* INVITE client: request sent */
	SIP_TXN_TRYING,		/* non-INVITE client and server */
	SIP_TXN_PROCEEDING,
	SIP_TXN_ACCEPTED,	/* INVITE, 2xx sent or received (RFC 6026) */
	SIP_TXN_COMPLETED,
	SIP_TXN_CONFIRMED,	/* INVITE server: ACK received */
	SIP_TXN_TERMINATED,
};

/** Why a transaction ended, as told to on_terminated. */
enum sip_txn_end {
	SIP_TXN_END_NORMAL,	/* its last timer fired, or 0 on reliable */
	SIP_TXN_END_TIMEOUT,	/* Timer B, F or H */
	SIP_TXN_END_TRANSPORT,	/* a send failed */
	SIP_TXN_END_SHUTDOWN,	/* the layer was destroyed */
};

/**
 * What the TU hears. Every callback may be NULL (ignored). Transactions
 * passed to callbacks are borrowed: take sip_txn_get() to keep one past
 * the callback. Callbacks may call back into the layer (respond, create,
 * cancel); a transaction they terminate stays valid until they return.
 */
struct sip_txn_tu {
	void *arg;

	/**
	 * A new request (not ACK) for which a server transaction st was just
	 * created; retransmissions of it are absorbed from now on. The TU
	 * answers with sip_txn_server_respond() / sip_txn_server_reply(),
	 * now or later. msg and src are valid during the call only. A CANCEL
	 * that matches no INVITE server transaction arrives here too. The
	 * layer sends no 100 Trying by itself: for an INVITE the TU sends one
	 * (RFC 3261 section 17.2.1) unless it answers within 200 ms. Nothing
	 * in the layer bounds an unanswered server transaction: a proxy's
	 * client transaction timeouts (and Timer C) make it answer.
	 */
	void (*on_request)(void *arg, struct sip_txn *st,
			const struct sip_msg *msg,
			const struct sip_txn_dest *src);

	/**
	 * A new CANCEL (with its own server transaction cancel_st, to be
	 * answered 200 by the TU) matched INVITE server transaction
	 * invite_st (RFC 3261 section 9.2).
	 */
	void (*on_cancel)(void *arg, struct sip_txn *cancel_st,
			struct sip_txn *invite_st, const struct sip_msg *msg,
			const struct sip_txn_dest *src);

	/**
	 * An ACK that is not part of a transaction: no INVITE server
	 * transaction matched it, or the one that matched had sent a 2xx
	 * (Accepted). The ACK of a 2xx is end to end; the TU forwards it.
	 */
	void (*on_ack)(void *arg, const struct sip_msg *msg,
			const struct sip_txn_dest *src);

	/**
	 * A response for client transaction ct: provisional, final, and in
	 * the Accepted state every further 2xx (RFC 6026 section 8.4), which
	 * a proxy forwards. Retransmissions of a non-2xx final response are
	 * absorbed (and ACKed again for INVITE) and not reported.
	 */
	void (*on_response)(void *arg, struct sip_txn *ct,
			const struct sip_msg *msg,
			const struct sip_txn_dest *src);

	/**
	 * A response that matched no client transaction. A stateful proxy
	 * forwards a stray 2xx to INVITE statelessly (RFC 3261 section
	 * 16.7 step 1 and RFC 6026) and drops the rest.
	 */
	void (*on_stray_response)(void *arg, const struct sip_msg *msg,
			const struct sip_txn_dest *src);

	/**
	 * Timer B or F fired at client transaction txn (the TU acts as if a
	 * 408 had been received), or Timer H fired at INVITE server
	 * transaction txn (no ACK for its non-2xx final response). The
	 * transaction terminates right after.
	 */
	void (*on_timeout)(void *arg, struct sip_txn *txn);

	/**
	 * Sending on behalf of txn failed with err (negative errno; RFC 3261
	 * sections 17.1.4 and 17.2.4). A client transaction is reported as
	 * if a 503 had been received. The transaction terminates right after.
	 */
	void (*on_transport_error)(void *arg, struct sip_txn *txn, int err);

	/**
	 * txn reached Terminated and left the table: the TU drops what it
	 * keeps about it (and its references).
	 */
	void (*on_terminated)(void *arg, struct sip_txn *txn,
			enum sip_txn_end why);
};

/** Counters of one layer. */
struct sip_txn_stats {
	uint64_t server_created;
	uint64_t client_created;
	uint64_t active;		/* transactions in the table now */
	uint64_t rfc2543_matched;	/* requests matched without a cookie branch */
	uint64_t retransmits_absorbed;	/* requests / responses absorbed */
	uint64_t retransmits_sent;	/* requests and responses sent again */
	uint64_t acks_sent;		/* ACKs of non-2xx final responses */
	uint64_t timeouts;		/* Timers B, F, H */
	uint64_t transport_errors;
	uint64_t stray_responses;
	uint64_t rejected_full;		/* -ENOSPC at max_txns */
};

/**
 * Create a layer. env and tu are copied; env->timers must outlive it.
 *
 * @return 0, -EINVAL when env has no timers or send function or T2 < T1,
 *   -ENOMEM.
 */
int sip_txn_layer_create(struct sip_txn_layer **out,
		const struct sip_txn_env *env, const struct sip_txn_tu *tu);

/**
 * Terminate every transaction (on_terminated with SIP_TXN_END_SHUTDOWN,
 * nothing sent), then free the layer. Transactions the TU still holds
 * references to stay readable (state Terminated) until put.
 */
void sip_txn_layer_destroy(struct sip_txn_layer *layer);

/**
 * Hand one received, decoded message to the layer (RFC 3261 section 17).
 * A request that matches a server transaction is absorbed or answered
 * from it; a new request gets a server transaction and goes to
 * on_request (or on_cancel); an ACK goes to the INVITE server transaction
 * it matches or to on_ack. A response goes to the client transaction it
 * matches or to on_stray_response.
 *
 * @return 0 when handled;
 *   -ENOSPC when a new request needs a transaction and max_txns are
 *   live: nothing was called, the caller answers 503 statelessly;
 *   -ENOMEM likewise when memory ran out;
 *   -EINVAL when msg lacks a top Via or CSeq (nothing can be matched;
 *   the caller drops it or answers 400).
 */
int sip_txn_layer_recv(struct sip_txn_layer *layer, const struct sip_msg *msg,
		const struct sip_txn_dest *src);

/**
 * Change T1, T2, T4 and Timer D (0 keeps the current value) for
 * transactions created from now on (configuration reload).
 *
 * @return 0, -EINVAL when T2 would be below T1.
 */
int sip_txn_layer_set_timers(struct sip_txn_layer *layer, uint32_t t1_ms,
		uint32_t t2_ms, uint32_t t4_ms, uint32_t timer_d_ms);

/** The layer's counters. */
const struct sip_txn_stats *sip_txn_layer_stats(
		const struct sip_txn_layer *layer);

/**
 * Send a response through server transaction st (RFC 3261 sections
 * 17.2.1 and 17.2.2, RFC 6026 section 8.5). buf holds the whole response
 * with status code code; it is copied and kept as the last response, sent
 * again when the request is retransmitted (and by Timer G). A 2xx to
 * INVITE moves st to Accepted (Timer L = 64*T1), where further 2xx are
 * sent too; a final response to INVITE otherwise moves it to Completed
 * (Timers G and H), to a non-INVITE to Completed (Timer J).
 *
 * @return 0 (a send failure is reported through on_transport_error and
 *   also returned as its negative errno);
 *   -EINVAL when code is out of 100..699 or buf is empty;
 *   -EALREADY when st is past the point where this response may be sent
 *   (a final response already sent; only 2xx in Accepted pass);
 *   -ENOENT when st has terminated; -ENOMEM.
 */
int sip_txn_server_respond(struct sip_txn *st, int code, const char *buf,
		size_t len);

/**
 * Build a response to st's request with sip_resp_build() (Vias, From, To
 * with to_tag added when it has none and code > 100, Call-ID, CSeq,
 * extra_hdrs lines, Content-Length: 0) and send it with
 * sip_txn_server_respond(). reason NULL gives the standard phrase.
 *
 * @return as sip_txn_server_respond(), or -ENOSPC when the response does
 *   not fit the layer's buffer.
 */
int sip_txn_server_reply(struct sip_txn *st, int code, const char *reason,
		const char *to_tag, const char *extra_hdrs);

/**
 * Start a client transaction sending request buf (copied once; RFC 3261
 * section 17.1) to dst. The request must carry our top Via with a branch
 * from sip_txn_branch_new() (or sip_txn_branch_hash()); the transaction is
 * matched on that branch and the CSeq method. INVITE starts Timers A
 * (unreliable only) and B, others E (unreliable only) and F. ACK cannot
 * be a transaction: send an ACK for 2xx with env->send directly.
 * owner is the TU's pointer, readable with sip_txn_owner().
 *
 * @param out  receives a reference for the caller (sip_txn_put() it), may
 *   be NULL when the TU only follows the transaction through callbacks.
 * @return 0 (a failure of the first send is reported through
 *   on_transport_error, and the transaction is terminated when this
 *   returns);
 *   -EINVAL when buf does not decode as a request, is an ACK, or has no
 *   top Via with a cookie branch;
 *   -EEXIST when a client transaction with that branch and method lives;
 *   -ENOSPC at max_txns (the TU answers 503 upstream); -ENOMEM.
 */
int sip_txn_client_create(struct sip_txn **out, struct sip_txn_layer *layer,
		const char *buf, size_t len, const struct sip_txn_dest *dst,
		void *owner);

/**
 * Build the CANCEL of INVITE client transaction ict (RFC 3261 section
 * 9.1: same Request-URI, top Via, Route, From, To, Call-ID and CSeq number
 * as the INVITE, method CANCEL, Max-Forwards 70, extra_hdrs lines such as
 * a Reason header, may be NULL) and start a non-INVITE client
 * transaction sending it to the INVITE's destination.
 *
 * @return as sip_txn_client_create(), and
 *   -EAGAIN when ict is still Calling (no provisional response yet: the
 *   CANCEL must wait for one; try again from on_response);
 *   -EALREADY when ict has a final response or was already cancelled;
 *   -EINVAL when ict is not an INVITE client transaction.
 */
int sip_txn_client_cancel(struct sip_txn **out, struct sip_txn *ict,
		const char *extra_hdrs, void *owner);

/**
 * Build the ACK of a non-2xx final response resp to INVITE request req
 * (RFC 3261 section 17.1.1.3: Request-URI, top Via, Route, From, Call-ID
 * of the request, To of the response, CSeq number with method ACK,
 * Max-Forwards 70, Content-Length 0). INVITE client transactions do this
 * themselves; exposed for the TU and tests.
 *
 * @return the length written, -EINVAL when req is not an INVITE or has no
 *   top Via, -ENOSPC when cap is too small.
 */
int sip_txn_ack_build(char *out, size_t cap, const struct sip_msg *req,
		const struct sip_msg *resp);

/**
 * Build a CANCEL for request req as sip_txn_client_cancel() does.
 *
 * @return the length written, -EINVAL when req is not an INVITE or has no
 *   top Via, -ENOSPC when cap is too small.
 */
int sip_txn_cancel_build(char *out, size_t cap, const struct sip_msg *req,
		const char *extra_hdrs);

/** Take a reference. @return txn. */
struct sip_txn *sip_txn_get(struct sip_txn *txn);

/** Drop a reference (txn may be NULL). @return NULL, to clear the caller's pointer. */
struct sip_txn *sip_txn_put(struct sip_txn *txn);

/** @return the transaction's kind. */
enum sip_txn_kind sip_txn_kind(const struct sip_txn *txn);

/** @return the current state. */
enum sip_txn_state sip_txn_state(const struct sip_txn *txn);

/** @return the method of the transaction's request. */
enum sip_method sip_txn_method(const struct sip_txn *txn);

/** @return the branch of the request's top Via (empty for RFC 2543 ones). */
struct dg_pl sip_txn_branch(const struct sip_txn *txn);

/**
 * The request that created the transaction, as received (server) or as
 * sent (client): the layer's own copy, valid while txn is referenced.
 */
struct dg_pl sip_txn_request(const struct sip_txn *txn);

/**
 * The last response sent (server) or the last final response received
 * (client), DG_PL_NULL when none; with its code in *code when not NULL.
 */
struct dg_pl sip_txn_last_response(const struct sip_txn *txn, int *code);

/**
 * Where the transaction sends: the response destination (server: RFC 3261
 * section 18.2.2 with RFC 3581, or back on the connection) or the
 * request's destination (client).
 */
const struct sip_txn_dest *sip_txn_dest(const struct sip_txn *txn);

/** @return the TU's pointer given at creation or set later. */
void *sip_txn_owner(const struct sip_txn *txn);

/** Set the TU's pointer. */
void sip_txn_set_owner(struct sip_txn *txn, void *owner);

/** @return the layer txn belongs to, NULL once txn has terminated. */
struct sip_txn_layer *sip_txn_layer_of(const struct sip_txn *txn);

/** @return true for transports without retransmission of their own (UDP). */
bool sip_txn_transport_unreliable(enum sip_transport tp);

/**
 * Write a new branch: the magic cookie and a unique random part
 * (RFC 3261 section 8.1.1.7), NUL-terminated.
 *
 * @return the length written (without NUL), -ENOSPC when cap is below
 *   SIP_TXN_BRANCH_MAX.
 */
int sip_txn_branch_new(char *buf, size_t cap);

/**
 * Write a branch that is a function of parts (for a stateless proxy,
 * whose retransmitted requests must carry the same branch, and for loop
 * detection, RFC 3261 section 16.6 step 8): the magic cookie and a
 * keyed hash of the parts, the same for the same parts within one process
 * start, NUL-terminated.
 *
 * @return the length written (without NUL), -ENOSPC when cap is below
 *   SIP_TXN_BRANCH_MAX.
 */
int sip_txn_branch_hash(char *buf, size_t cap, const struct dg_pl *parts,
		unsigned int n);

/**
 * @return the bytes of one transaction record without its request copy
 *   and stored responses (for sizing max_txns).
 */
size_t sip_txn_record_size(void);

/** @return the name of a state ("Proceeding"). */
const char *sip_txn_state_name(enum sip_txn_state state);

#endif
