/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng protocol's client side, for mc_remote and for edge nodes driving
 * remote media nodes: each request gets a fresh cookie, is retransmitted
 * with exponential backoff (the server answers a retransmission from its
 * reply cache, so it is never executed twice) and is matched to its reply
 * by cookie. One UDP socket on the io_uring loop per client.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_CLIENT_H
#define DRONGO_CONTROLPLANE_NG_NG_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ng_bencode.h"
#include "uring_loop.h"

/** Options of ng_client_create; zero values pick the defaults. */
struct ng_client_opts {
	unsigned int first_rto_ms;	/**< first retransmission; 0: 500 */
	unsigned int tries;		/**< sends before giving up; 0: 4 */
	unsigned int bgid;		/**< provided-buffer group; 0: 3 */
	unsigned int max_pending;	/**< requests in flight (power of two); 0: 4096 */
};

/** Counters of a client. */
struct ng_client_stats {
	uint64_t sent;
	uint64_t retransmits;
	uint64_t replies;
	uint64_t timeouts;
	uint64_t stray;			/**< replies to no request in flight */
	uint64_t malformed;		/**< replies that do not decode */
};

/**
 * A reply (@p status 0, @p dict its dictionary, views valid during the
 * call) or a failure (-ETIMEDOUT after the last try, -EBADMSG when the
 * reply did not decode, -ECANCELED when the client is destroyed).
 */
typedef void ng_client_reply_fn(void *arg, int status,
				const struct ng_ben_doc *doc,
				const struct ng_ben_node *dict);

struct ng_client;

/**
 * Open a client socket toward @p server on @p loop.
 *
 * @return 0 and *out; -ENOMEM, -EINVAL, or the error of socket set-up.
 */
int ng_client_create(struct ng_client **out, struct uring_loop *loop,
		     const struct sockaddr *server, socklen_t len,
		     const struct ng_client_opts *opts);

/**
 * Send the bencoded dictionary @p dict (@p len bytes) and call @p fn once
 * with its outcome (never from inside this call).
 *
 * @return 0; -ENOMEM; -EBUSY too many requests in flight; -EMSGSIZE.
 */
int ng_client_send(struct ng_client *c, const char *dict, size_t len,
		   ng_client_reply_fn *fn, void *arg);

/**
 * As ng_client_send, to the server at @p dst (same address family as the
 * client's server) instead of the client's own: one socket drives several
 * media nodes.
 *
 * @return as ng_client_send; -EINVAL for another address family.
 */
int ng_client_send_to(struct ng_client *c, const struct sockaddr *dst,
		      socklen_t dst_len, const char *dict, size_t len,
		      ng_client_reply_fn *fn, void *arg);

/** Counters. */
void ng_client_stats_get(const struct ng_client *c, struct ng_client_stats *st);

/**
 * Close; requests in flight complete with -ECANCELED. Call after
 * uring_loop_fini() (the socket's buffers may be in use until then).
 */
void ng_client_destroy(struct ng_client *c);

#endif
