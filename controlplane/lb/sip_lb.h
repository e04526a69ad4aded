/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless SIP balancer (role lb). It sits in front of the edge
 * nodes on the server's UDP sockets and keeps no per-call or
 * per-transaction state:
 *
 *  - a request from outside goes to the edge that the rendezvous hash of
 *    its Call-ID picks among the healthy edges, so every request of a call
 *    (INVITE, ACK, CANCEL, BYE, re-INVITE) reaches one node, and losing a
 *    node moves only the calls it had; an in-dialog request whose Route
 *    (after ours) names a healthy edge goes to that edge;
 *  - a request from an edge goes where its Route or Request-URI says; our
 *    own Route on top is popped, and when it carries a flow token the
 *    request goes to the address the token names (a UA behind NAT);
 *  - REGISTER gets our Path, dialog-creating requests our Record-Route,
 *    both with a flow token of the UA's side, so that an edge reaches a UA
 *    through us and the UA's in-dialog requests come back through us;
 *  - a response goes back by Via: ours is checked (branch signed with the
 *    secret), popped, and the response sent to the next Via's
 *    received/rport or sent-by;
 *  - OPTIONS to the balancer itself get 200; no healthy edge gets 503 with
 *    Retry-After; Max-Forwards 0 gets 483.
 *
 * Edges are probed with OPTIONS (sip_lb_health.h). UDP only.
 */
#ifndef DRONGO_CONTROLPLANE_LB_SIP_LB_H
#define DRONGO_CONTROLPLANE_LB_SIP_LB_H

#include <stddef.h>
#include <stdint.h>

#include "cp_conf.h"
#include "sip_lb_hash.h"
#include "sip_lb_health.h"
#include "sip_lb_msg.h"
#include "sip_server.h"
#include "sip_transport.h"
#include "uring_loop.h"
#include "uring_timer.h"

/* The balancer's counters: X(name, help). */
#define SIP_LB_STATS(X) \
	X(rx_requests, "requests received") \
	X(rx_responses, "responses received") \
	X(to_edge, "requests from outside forwarded to an edge") \
	X(from_edge, "requests from an edge forwarded outside") \
	X(responses_forwarded, "responses forwarded by Via") \
	X(options_answered, "OPTIONS to the balancer answered 200") \
	X(no_edge, "503 sent (or ACK dropped): no healthy edge") \
	X(too_many_hops, "483 sent") \
	X(drop_malformed, "messages dropped: not SIP, or not forwardable") \
	X(drop_not_ours, "responses dropped: top Via not ours or badly signed") \
	X(drop_bad_flow, "requests dropped: flow token that does not verify") \
	X(drop_unroutable, "messages dropped: next hop not an IP literal") \
	X(drop_tx_error, "messages dropped: send failed") \
	X(probe_replies, "answers to our OPTIONS probes")

struct sip_lb_stats {
#define SIP_LB_STATS_FIELD_(name, help) uint64_t name;
	SIP_LB_STATS(SIP_LB_STATS_FIELD_)
#undef SIP_LB_STATS_FIELD_
};

/** One edge node as the balancer sees it. */
struct sip_lb_edge {
	char name[CP_CONF_LB_NAME_MAX];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint32_t weight;
	struct sip_lb_health health;
	uint64_t requests;	/* requests from outside sent to it */
	uint64_t responses;	/* responses sent to it (its requests' answers) */
	uint64_t from;		/* requests it sent through us */
};

struct sip_lb;

/**
 * What role lb needs of the whole configuration beyond the lb section's
 * own checks (for --check-config and start-up): at least one edge, UDP
 * listeners only, and an address of its own (lb.advertise, or a first
 * UDP listener that is not a wildcard). Other roles pass.
 *
 * @param err receives "file: lb: reason"
 * @return 0, -EINVAL.
 */
int sip_lb_conf_check(const struct cp_conf *conf, char *err, size_t errlen);

/**
 * Start the balancer of conf on the server's UDP sockets (their on_rx is
 * taken over) and start probing. srv must have been started with conf.
 *
 * @param err receives the reason: no edges, a TCP listener, a wildcard
 *        listener without lb.advertise ...
 * @return 0, -EINVAL, -ENOMEM.
 */
int sip_lb_create(struct sip_lb **out, struct uring_loop *loop,
		struct sip_server *srv, const struct cp_conf *conf, char *err,
		size_t errlen);

/** Handle one received message (the UDP sockets' callback). */
void sip_lb_rx(void *arg, const struct sip_rx *rx);

/** The edges, in configuration order; *n gets their count. */
const struct sip_lb_edge *sip_lb_edges(const struct sip_lb *lb,
		unsigned int *n);

/** The counters. */
const struct sip_lb_stats *sip_lb_stats(const struct sip_lb *lb);

/** How the balancer names itself in Via, Path and Record-Route. */
const char *sip_lb_sent_by(const struct sip_lb *lb);

/** Write the counters and each edge's state as log lines. */
void sip_lb_stats_log(const struct sip_lb *lb);

/** Stop probing and free; NULL is fine. */
void sip_lb_destroy(struct sip_lb *lb);

#endif
