/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the proxy core, shared by its files: sip_proxy.c (requests:
 * checks, authentication, registrar, routing decisions, CANCEL, ACK and
 * stray responses, the layer's lifetime) and sip_proxy_branch.c (call
 * contexts, branches and the responses they bring back), and
 * sip_proxy_th.c (topology hiding). Not a public header: only those
 * include it.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_PRIV_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sip_best.h"
#include "sip_proxy.h"
#include "sip_proxy_th.h"

#define SIP_PX_MAX_TARGETS 16
#define SIP_PX_MAX_BRANCHES 24
#define SIP_PX_OUT_MAX 65536
#define SIP_PX_CHAL_MAX 4096

struct sip_px_call;

/* Where one branch goes: a binding of a local user, or a route upstream. */
struct sip_px_target {
	char *ruri;			/* NULL: keep the Request-URI */
	char *route;			/* Route values to push (from Path), or NULL */
	struct sip_txn_dest dst;
	uint16_t q;
	bool th;			/* hide the sender (topology hiding) */
	bool th_to_caller;		/* the request goes to the caller */
	uint64_t th_id;			/* its dialog token, 0 for none */
};

/* One branch: a client transaction of the call. */
struct sip_px_branch {
	struct sip_px_call *call;
	struct sip_txn *ct;
	struct uring_timer timer_c;	/* RFC 3261 section 16.6 item 11 */
	bool done;
	bool got_prov;
	bool cancel_wanted;
	bool terminated;
};

/* A forwarded request: its server transaction, targets, branches, best answer. */
struct sip_px_call {
	struct sip_proxy *p;
	struct sip_txn *st;
	enum sip_method method;
	unsigned int live;		/* st, client transactions, callers in flight */
	bool final_sent;
	bool cancelled;
	bool starting;
	bool failover;			/* a route: one target at a time */
	bool loose;			/* next hop taken from Route */
	bool strip_pauth;		/* our realm's Proxy-Authorization was used */
	bool overload;			/* a branch found the transaction table full */
	unsigned int n_targets;
	unsigned int next_target;
	struct sip_px_target targets[SIP_PX_MAX_TARGETS];
	unsigned int n_branches;
	unsigned int n_pending;
	struct sip_px_branch branches[SIP_PX_MAX_BRANCHES];
	struct sip_best best;
	char *best_buf;
	size_t best_len;
	char *chal;
	size_t chal_len;
	struct sip_dialog *dlg;
	char to_tag[24];
	bool th;			/* taken by a topology-hiding route */
	bool th_to_caller;		/* its request went to the caller */
	uint64_t th_id;			/* dialog token, 0 for none */
};

/* The proxy: environment, settings, layer, dialogs, scratch buffers. */
struct sip_proxy {
	struct sip_proxy_env env;
	struct sip_proxy_conf conf;
	struct sip_txn_layer *layer;
	struct sip_dialogs *dialogs;
	struct sip_th *th;		/* tokens of hidden dialogs */
	struct sip_proxy_stats stats;
	uint64_t branch_seq;
	struct sip_msg req;		/* a request decoded again (large) */
	struct sip_msg tmp;		/* a stored response decoded again */
	struct sip_msg lreq;		/* request of a response we make */
	struct sip_msg lrsp;		/* that response, to stamp its Via */
	char out_local[SIP_PX_OUT_MAX];
	char out_local2[SIP_PX_OUT_MAX];
	char out_req[SIP_PX_OUT_MAX];
	char out_rsp[SIP_PX_OUT_MAX];
	char route_buf[8192];
};

/* Reference counting of call contexts (server + client transactions + callers). */
struct sip_px_call *sip_px_call_ref(struct sip_px_call *call);

void sip_px_call_unref(struct sip_px_call *call);

/*
 * Send a response the proxy makes itself through server transaction st,
 * with received= and rport= in its top Via (RFC 3581 section 4).
 */
void sip_px_respond_local(struct sip_proxy *p, struct sip_txn *st, int code,
		const char *reason, const char *to_tag, const char *hdrs);

/* A response the proxy makes itself, to request msg of st. */
void sip_px_reply(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg,
		int code, const char *reason, const char *hdrs);

/* The same on a call (once: a call answers one final response). */
void sip_px_call_reply(struct sip_px_call *call, int code, const char *reason,
		const char *hdrs);

/* INVITE, SUBSCRIBE or REFER outside a dialog: gets Record-Route. */
bool sip_px_dialog_creating(const struct sip_msg *msg);

/* The request for one branch, written into p->out_req. */
ssize_t sip_px_build_request(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_txn_dest *src, const struct sip_px_target *t,
		const struct sip_rr_plan *plan_in, void *local,
		const struct sockaddr_storage *laddr, enum sip_transport ltp,
		const char *branch, bool strip_pauth);

/* Start a branch to target ti, or to the Route next hop when ti < 0. */
int sip_px_branch_start(struct sip_px_call *call, int ti);

/* Start the next targets, or answer when no branch is left. */
void sip_px_maybe_final(struct sip_px_call *call);

/* CANCEL a branch now, or once it has sent a provisional response. */
void sip_px_cancel_branch(struct sip_px_branch *br);

/* A response without our top Via, written into p->out_rsp. */
ssize_t sip_px_strip_via(struct sip_proxy *p, const struct sip_msg *msg);

/* Transaction-user callbacks of the client side (struct sip_txn_tu). */
void sip_px_on_response(void *arg, struct sip_txn *ct, const struct sip_msg *msg,
		const struct sip_txn_dest *src);

void sip_px_on_timeout(void *arg, struct sip_txn *txn);

void sip_px_on_transport_error(void *arg, struct sip_txn *txn, int err);

void sip_px_on_terminated(void *arg, struct sip_txn *txn, enum sip_txn_end why);

/* A call context for server transaction st, owned by it. */
struct sip_px_call *sip_px_call_new(struct sip_proxy *p, struct sip_txn *st, const struct sip_msg *msg);

/* Completion of the location lookup of a local user: targets, then branches. */
void sip_px_on_lookup(void *arg, int err, const struct sip_loc_record *rec);

/*
 * Topology hiding (sip_proxy_th.c). An initial request taken by a
 * hiding rule: marks the call and its targets, and for an INVITE records
 * the caller behind a new token.
 *
 * @return 0, -ENOSPC (no dialog record), -EBADMSG (INVITE without
 *   Contact), -ENOMEM.
 */
int sip_px_th_begin(struct sip_px_call *call, struct sip_msg *msg,
		const struct sip_txn_dest *src);

/*
 * A request whose Request-URI (after our Route) is one of our tokens:
 * sent on to that side (1), or answered 481 when the token is unknown or
 * of another dialog (1); 0 when it is no token. A re-INVITE or UPDATE
 * with a Contact refreshes the sender's side.
 */
int sip_px_th_route(struct sip_px_call *call, struct sip_msg *msg,
		const struct sip_rr_plan *plan);

/* The same for an ACK for 2xx: 1 with *t filled (ruri, route to free), 0, -ENOENT, -ENOMEM. */
int sip_px_th_ack_target(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_rr_plan *plan, struct sip_px_target *t);

/* Edits hiding the sender of a request on hidden target t; cbuf holds the Contact. */
int sip_px_th_request_edits(const struct sip_msg *msg, const struct sip_px_target *t,
		const struct sockaddr_storage *laddr, enum sip_transport ltp,
		struct dg_pl rr, char *cbuf, size_t ccap, struct sip_edits *ed);

/*
 * The response to relay upstream, into p->out_rsp: our Via popped, or on
 * a hidden call the Vias of the request put back and the responder's
 * Record-Route and Contact replaced by ours. from is where it came from.
 */
ssize_t sip_px_relay_response(struct sip_px_call *call, const struct sip_msg *msg,
		const struct sip_txn_dest *from);

#endif
