/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the stateless balancer does to the bytes of a message (RFC 3261
 * section 16.11), as pure functions on decoded messages so that every
 * byte is tested:
 *
 *  - its Via branch: "z9hG4bKlb" + 16 hex digits, a keyed hash of the
 *    upstream Via (sent-by and branch; with Call-ID, From tag and CSeq
 *    number when that branch lacks the RFC 3261 cookie). A retransmission,
 *    the non-2xx ACK and the CANCEL of an INVITE carry the upstream's very
 *    Via, so they get the very branch; a response carries the upstream Via
 *    right below ours, so the branch is checked without any state;
 *  - flow tokens: the user part of the balancer's Path and Record-Route
 *    URIs, "lbf" + the address and port of the UA's side in hex + a keyed
 *    64-bit tag, so that a request an edge sends back through the balancer
 *    reaches a UA behind NAT at the address its REGISTER or INVITE came
 *    from, and nobody else can make the balancer send anywhere;
 *  - the forwarded request (Via pushed, Max-Forwards set, our Route popped,
 *    received/rport stamped on the UA's Via, Path and Record-Route added)
 *    and the forwarded response (our Via popped, next hop from the Via
 *    now on top).
 */
#ifndef DRONGO_CONTROLPLANE_LB_SIP_LB_MSG_H
#define DRONGO_CONTROLPLANE_LB_SIP_LB_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sip_lb_hash.h"
#include "sip_msg.h"

/** Prefix of the branches of forwarded requests. */
#define SIP_LB_BRANCH_PREFIX "z9hG4bKlb"
/** Prefix of the branches of our OPTIONS probes. */
#define SIP_LB_PROBE_PREFIX "z9hG4bKlp"
/** Room for a branch with its NUL. */
#define SIP_LB_BRANCH_MAX 40
/** Room for a flow token with its NUL (IPv6). */
#define SIP_LB_FLOW_MAX 64

/** Who the balancer is on the wire. */
struct sip_lb_self {
	char sent_by[96];		/* "192.0.2.9:5060": Via and URIs */
	struct dg_pl host;		/* into sent_by */
	uint16_t port;			/* 5060 when sent_by has none */
	struct sip_lb_key key;		/* from lb.secret */
};

/**
 * Set self from host or host:port text and a secret (any bytes; NULL or
 * empty: the key is left as set by the caller).
 *
 * @return 0, -EINVAL when the text is empty or too long.
 */
int sip_lb_self_init(struct sip_lb_self *self, const char *sent_by,
		const char *secret);

/**
 * The branch for a message forwarded with our Via above up (the request's
 * top Via, or a response's second).
 *
 * @return the length written (without NUL), -ENOSPC.
 */
int sip_lb_branch_make(const struct sip_lb_key *key, const struct sip_msg *msg,
		const struct sip_via *up, char *out, size_t cap);

/**
 * Whether a response's top Via is ours: our sent-by, and a branch that
 * sip_lb_branch_make() gives for the Via below it.
 */
bool sip_lb_response_is_ours(const struct sip_lb_self *self,
		const struct sip_msg *msg);

/**
 * A flow token for addr.
 *
 * @return the length written (without NUL), -EAFNOSUPPORT, -ENOSPC.
 */
int sip_lb_flow_encode(const struct sip_lb_key *key,
		const struct sockaddr_storage *addr, char *out, size_t cap);

/**
 * The address in a flow token (a URI user part).
 *
 * @return 0, -ENOENT when user is not a flow token, -EPERM when its tag
 *         does not verify.
 */
int sip_lb_flow_decode(const struct sip_lb_key *key, struct dg_pl user,
		struct sockaddr_storage *addr);

/** Whether uri names the balancer (its host and port). */
bool sip_lb_uri_is_self(const struct sip_lb_self *self,
		const struct sip_uri *uri);

/**
 * Where a URI leads: its host (an IP literal) and port, 5060 when absent.
 *
 * @return 0, -EHOSTUNREACH when the host is a name (not resolved here).
 */
int sip_lb_uri_dest(const struct sip_uri *uri, struct sockaddr_storage *dst);

/**
 * Where a response goes by a Via (RFC 3261 section 18.2.2, RFC 3581):
 * received (else the sent-by host) with the rport value (else the sent-by
 * port, else 5060).
 *
 * @return 0, -EHOSTUNREACH when the address is a name.
 */
int sip_lb_via_dest(const struct sip_via *via, struct sockaddr_storage *dst);

/** How to forward one request. */
struct sip_lb_req_opts {
	const char *branch;		/* our Via's branch */
	uint32_t max_forwards;		/* the value to write */
	bool pop_route;			/* the top Route is ours: remove it */
	/* stamp received/rport from this source on the top Via, or NULL */
	const struct sockaddr_storage *stamp_src;
	const char *path_user;		/* REGISTER: Path with this user, or NULL */
	const char *rr_user;		/* Record-Route with this user, or NULL */
};

/**
 * Write the forwarded request into out. For path_user the message's Path
 * headers must be parsed (SIP_HDR_F_PATH): ours goes first, before those
 * the request already has.
 *
 * @return the length, -ENOSPC, -EINVAL (an edit that does not fit).
 */
ssize_t sip_lb_request_write(const struct sip_lb_self *self,
		const struct sip_msg *msg, const struct sip_lb_req_opts *o,
		char *out, size_t cap);

/**
 * Write the response without its top Via into out.
 *
 * @return the length, -ENOSPC, -EINVAL when it has no Via to pop.
 */
ssize_t sip_lb_response_write(const struct sip_msg *msg, char *out,
		size_t cap);

#endif
