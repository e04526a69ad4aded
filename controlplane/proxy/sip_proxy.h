/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateful proxy of the edge (RFC 3261 section 16, RFC 3581, RFC
 * 3327) on top of the transaction layer: request checks (Max-Forwards
 * 483, loop 482, message-layer checks), Route processing and loose
 * routing, digest authentication by policy (401 for REGISTER, 407
 * otherwise, 403 on wrong credentials), the registrar, routing to the
 * bindings of a local user (parallel forking within a q-value, the next
 * q-value group when a group fails) or to configured routes with
 * failover, Record-Route (two entries when the request leaves on another
 * socket or transport), CANCEL to every branch, best-response selection
 * with challenges merged, stateless forwarding of ACK for 2xx and of
 * stray 2xx, and the dialog table. It owns its transaction layer; the
 * server hands it every decoded message with sip_proxy_recv().
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sip_auth.h"
#include "sip_auth_policy.h"
#include "sip_auth_users.h"
#include "sip_dialog.h"
#include "sip_loc.h"
#include "sip_msg.h"
#include "sip_registrar.h"
#include "sip_route.h"
#include "sip_rr.h"
#include "sip_txn.h"
#include "uring_timer.h"

/**
 * The local socket to send to dst from (same family and transport), with
 * its address as written in Via and Record-Route (never a wildcard).
 *
 * @return 0, -EAFNOSUPPORT when no socket of ours can reach dst.
 */
typedef int (*sip_proxy_local_fn)(void *arg, const struct sip_txn_dest *dst,
		void **local, struct sockaddr_storage *addr);

/**
 * The address a message was received on (the socket given in
 * src->local), for Record-Route; never a wildcard.
 *
 * @return 0, -EAFNOSUPPORT.
 */
typedef int (*sip_proxy_inbound_fn)(void *arg, const struct sip_txn_dest *src,
		struct sockaddr_storage *addr);

/** True when a URI's host is one of our domains or addresses (any port). */
typedef bool (*sip_proxy_domain_fn)(void *arg, const struct sip_uri *uri);

/** Counters of the proxy; written by the loop thread only. */
#define SIP_PROXY_STATS(X) \
	X(requests, "requests given a server transaction") \
	X(forwarded, "requests forwarded on a branch") \
	X(branches_failed_over, "branches replaced by the next target") \
	X(responses_relayed, "responses sent upstream") \
	X(acks_forwarded, "ACKs for 2xx forwarded statelessly") \
	X(stray_2xx_forwarded, "stray 2xx forwarded statelessly") \
	X(cancels, "CANCELs received for a pending INVITE") \
	X(registers, "REGISTER requests handled as registrar") \
	X(auth_challenges, "401/407 sent") \
	X(auth_failures, "403 sent after wrong credentials") \
	X(loops, "482 sent") \
	X(too_many_hops, "483 sent") \
	X(not_found, "404 sent") \
	X(unavailable, "480 sent") \
	X(txn_full, "503 sent because the transaction table is full") \
	X(drop_unroutable, "messages not forwarded: next hop not an IP literal")

struct sip_proxy_stats {
#define SIP_PROXY_STATS_FIELD_(name, help) uint64_t name;
	SIP_PROXY_STATS(SIP_PROXY_STATS_FIELD_)
#undef SIP_PROXY_STATS_FIELD_
};

/** What the proxy runs with (pointers must outlive it). */
struct sip_proxy_env {
	struct uring_timers *timers;
	sip_txn_send_fn send;		/* every message out goes through it */
	void *send_arg;
	sip_proxy_local_fn local;	/* socket and address towards a destination */
	sip_proxy_inbound_fn inbound;
	sip_rr_is_ours_fn is_ours;	/* host and port ours (Route, Via checks) */
	sip_proxy_domain_fn domain_is_ours;	/* host ours (routing) */
	void *arg;			/* for local, inbound, is_ours, domain_is_ours */
	struct sip_loc *loc;		/* the location service */
	struct sip_auth_ctx *auth;	/* NULL: no authentication */
	const struct sip_auth_policy *policy;	/* with auth */
	const struct sip_auth_users *users;	/* 404 vs 480; may be NULL */
	const struct sip_dialog_media_ops *media;	/* may be NULL */
	void *media_arg;
	const char *name;		/* agent of Warning headers, Server */
};

/** Behaviour (copied at creation). */
struct sip_proxy_conf {
	struct sip_route_table routes;
	struct sip_reg_conf reg;
	uint64_t dialog_early_timeout_ms;
	uint64_t dialog_max_duration_ms;
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t max_txns;		/* 0: 65536 */
	uint32_t retry_after_s;		/* of the 503 when full; 0: 5 */
	uint64_t timer_c_ms;		/* INVITE branch without a final answer; 0: 180000 */
};

struct sip_proxy;

/**
 * Create a proxy and its transaction layer and dialog table.
 *
 * @return 0, -EINVAL (env lacks timers, send, local, inbound, is_ours,
 *   domain_is_ours or loc), -ENOMEM.
 */
int sip_proxy_create(struct sip_proxy **out, const struct sip_proxy_env *env,
		const struct sip_proxy_conf *conf);

/** Destroy (transactions terminated, dialogs ended); NULL allowed. */
void sip_proxy_destroy(struct sip_proxy *p);

/**
 * Hand a decoded message to the proxy. A new request when the
 * transaction table is full is answered 503 with Retry-After here.
 *
 * @return 0 when handled, -EINVAL when msg cannot be matched (no top Via
 *   or CSeq: the caller drops it), -ENOMEM.
 */
int sip_proxy_recv(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_txn_dest *src);

/** The proxy's counters. */
const struct sip_proxy_stats *sip_proxy_stats(const struct sip_proxy *p);

/** The transaction layer (for its counters). */
struct sip_txn_layer *sip_proxy_txn_layer(struct sip_proxy *p);

/** The dialog table (for its counters). */
struct sip_dialogs *sip_proxy_dialogs(struct sip_proxy *p);

/** What OPTIONS to the proxy itself reports (complete header lines). */
#define SIP_PROXY_OPTIONS_HDRS \
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO, PRACK, SUBSCRIBE, NOTIFY, REFER, MESSAGE\r\n" \
	"Accept: application/sdp\r\n" \
	"Supported: path\r\n"

#endif
