/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route and Record-Route processing of a proxy as pure functions on a
 * decoded request (RFC 3261 sections 16.4, 16.6 items 4 and 6, 16.12):
 * a plan says which Request-URI and Route set to send and where the next
 * hop is, and turns into sip_msg_write() edits. Covers the loose router
 * case (our own Route entries popped, two of them after a double
 * Record-Route), a strict router before us (the Request-URI is a value we
 * placed in Record-Route: the last Route becomes the Request-URI) and a
 * strict router after us (the Request-URI goes to the end of the Route
 * set and the strict router's URI becomes the Request-URI).
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_RR_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"
#include "sip_msg.h"

/** Whether a URI (sip/sips) names this proxy: host one of ours and port one we listen on. */
typedef bool (*sip_rr_is_ours_fn)(void *arg, const struct sip_uri *uri);

/** Most Route values a plan holds: the received ones plus one appended. */
#define SIP_RR_MAX (SIP_MSG_MAX_ROUTES + 1)

/** What to send: Request-URI, Route set, next hop. */
struct sip_rr_plan {
	struct dg_pl ruri;		/* the URI to send as Request-URI */
	bool ruri_changed;
	struct dg_pl routes[SIP_RR_MAX];	/* Route values to send, in order */
	unsigned int n_routes;
	bool routes_changed;
	struct sip_uri next_hop;	/* where to send: top Route (loose) or ruri */
	bool next_is_route;		/* next_hop came from a Route value */
	bool strict_prev;		/* the previous hop was a strict router */
	bool strict_next;		/* the next hop is a strict router */
	unsigned int popped;		/* our own Route values removed */
	struct sip_uri ours[2];		/* the first two of them (their parameters) */
	char scratch[1024];		/* the appended "<uri>" of strict_next */
};

/**
 * Plan the Route processing of a request. msg needs SIP_HDR_F_ROUTE
 * parsed.
 *
 * @return 0, -EBADMSG when a Route value or the URI to move is
 *   malformed, -ENOSPC when a URI does not fit the plan's scratch space.
 */
int sip_rr_plan(const struct sip_msg *msg, sip_rr_is_ours_fn is_ours,
		void *arg, struct sip_rr_plan *plan);

/**
 * Turn a plan into edits: RURI_SET when it changed, the Route lines
 * rewritten as one line when the set changed. buf holds the new Route
 * value and must live until sip_msg_write().
 *
 * @return 0, -ENOSPC when buf or the edit list is too small.
 */
int sip_rr_plan_edits(const struct sip_msg *msg, const struct sip_rr_plan *plan,
		char *buf, size_t cap, struct sip_edits *ed);

/**
 * Write our Record-Route value "<sip:host:port;transport=tcp;lr>" for a
 * local address (transport omitted for UDP); user, when set, becomes the
 * user part (the dialog token of topology hiding).
 *
 * @return the length written, -ENOSPC, -EAFNOSUPPORT for a family other
 *   than IPv4/IPv6.
 */
int sip_rr_value(char *buf, size_t cap, const struct sockaddr_storage *local,
		enum sip_transport tp, struct dg_pl user);

/**
 * The URI inside a Route / Record-Route / Path value ("<sip:a;lr>;x=y"
 * gives "sip:a;lr").
 *
 * @return 0, -EBADMSG when the value is not a name-addr or addr-spec.
 */
int sip_rr_value_uri(struct dg_pl val, struct sip_uri *uri);

/**
 * The Max-Forwards check of RFC 3261 section 16.3 item 3 and the value to
 * forward with (section 16.6 item 3): one less, or 70 when absent.
 *
 * @return 0 with *out set, or 483 when it is already 0.
 */
int sip_rr_max_forwards(const struct sip_msg *msg, uint32_t *out);

/** Length of a loop hash in hex digits. */
#define SIP_RR_LOOP_HASH_LEN 16

/**
 * The loop hash of a request (RFC 3261 section 16.6 item 8): over the
 * fields a spiral changes and a loop does not (Request-URI, Call-ID,
 * From and To tags, CSeq, Route values as received), 16 hex digits and a
 * NUL into out.
 */
void sip_rr_loop_hash(const struct sip_msg *msg, char *out);

/**
 * Write a branch for one client transaction:
 * "z9hG4bK-dg<16 hex id>-<loop hash>".
 *
 * @return the length written, -ENOSPC.
 */
int sip_rr_branch(char *buf, size_t cap, uint64_t id, const char *loop_hash);

/**
 * Loop detection (RFC 3261 section 16.3 item 4): a Via of ours whose
 * branch carries the loop hash this request has now means the request
 * came back unchanged (482); ours with another hash is a spiral, allowed.
 *
 * @return true on a loop.
 */
bool sip_rr_loop_detect(const struct sip_msg *msg, sip_rr_is_ours_fn is_ours,
		void *arg);

#endif
