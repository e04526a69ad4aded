/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtpengine-compatible "ng" control server of role media. A request is
 * one UDP datagram "<cookie> <bencoded dictionary>"; the reply is
 * "<cookie> <bencoded dictionary>" to the sender. Replies are kept by
 * cookie for a bounded time and number, so a retransmitted request gets
 * the very same bytes without being executed again (and a retransmission
 * that arrives while the first is still being served is absorbed). A
 * request whose cookie cannot be read is dropped and counted; every other
 * bad request gets {"result":"error","error-reason":"..."}. Commands come
 * from NG_COMMANDS (ng_cmd.h) and run against a media orchestrator.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_SERVER_H
#define DRONGO_CONTROLPLANE_NG_NG_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mc_orch.h"
#include "ng_cmd.h"
#include "uring_loop.h"

/** Provided-buffer group of the ng server's socket (SIP uses 1). */
#define NG_SERVER_BGID 2
/** Longest cookie accepted (rtpengine's modules send 10-30 characters). */
#define NG_COOKIE_MAX 64

/** Options of ng_server_create; zero values pick the defaults. */
struct ng_server_opts {
	unsigned int cache_entries;	/**< replies kept; power of two; 0: 4096 */
	unsigned int cache_ttl_ms;	/**< how long a reply is kept; 0: 30000 */
	unsigned int max_msg;		/**< largest request; 0: 65000 */
	unsigned int udp_buffers;	/**< receive buffers; 0: 64 */
};

/** Counters of the server. */
struct ng_server_stats {
	uint64_t rx;			/**< datagrams received */
	uint64_t tx;			/**< replies sent (retransmissions included) */
	uint64_t dropped_cookie;	/**< no readable cookie: dropped */
	uint64_t dropped_nomem;		/**< no memory for the request: dropped
					     (the client retransmits) */
	uint64_t errors;		/**< error replies */
	uint64_t retransmits;		/**< answered from the reply cache */
	uint64_t in_progress;		/**< retransmissions of a request still running */
	uint64_t send_errors;
	uint64_t cmds[NG_CMD__COUNT];	/**< requests by command */
};

/** Where replies go: the socket, or a test's capture. */
typedef int ng_send_fn(void *arg, const struct sockaddr *dst, socklen_t dstlen,
		       const void *data, size_t len);

/**
 * A call's life as the server sees it, for whoever tracks calls: an offer
 * or answer served (NG_CMD_OFFER/ANSWER) or a delete asked (NG_CMD_DELETE),
 * with the request's call-id and its "drongo-node" (empty when absent).
 */
typedef void ng_call_fn(void *arg, enum ng_cmd cmd, struct dg_pl call_id,
			struct dg_pl owner);

struct ng_server;

/**
 * Create a server that runs commands against @p orch and sends replies
 * with @p send (NULL: the socket opened by ng_server_listen).
 *
 * @return 0 and *out, -ENOMEM, -EINVAL on bad options.
 */
int ng_server_create(struct ng_server **out, struct mc_orch *orch,
		     const struct ng_server_opts *opts, ng_send_fn *send,
		     void *send_arg);

/**
 * Bind a UDP socket to @p addr and serve requests from @p loop.
 *
 * @return 0; a negative errno with a reason in @p err.
 */
int ng_server_listen(struct ng_server *s, struct uring_loop *loop,
		     const struct sockaddr *addr, socklen_t addrlen, char *err,
		     size_t errlen);

/**
 * Handle one datagram (the socket's receive path, and tests). @p oversize:
 * the datagram was longer than max_msg and @p buf holds its start.
 * @p now_ms is CLOCK_MONOTONIC in milliseconds (reply cache ages).
 */
void ng_server_input(struct ng_server *s, const char *buf, size_t len,
		     bool oversize, const struct sockaddr *src,
		     socklen_t srclen, uint64_t now_ms);

/** Hear the calls served (one listener; NULL removes it). */
void ng_server_set_call_fn(struct ng_server *s, ng_call_fn *fn, void *arg);

/** The address the socket is bound to (port 0 asked for: the one chosen). */
const struct sockaddr_storage *ng_server_local(const struct ng_server *s);

/** Counters. */
void ng_server_stats_get(const struct ng_server *s, struct ng_server_stats *st);

/** Log the counters (SIGUSR1). */
void ng_server_stats_log(const struct ng_server *s);

/** Whether replies are still being sent (shutdown drains them). */
bool ng_server_busy(const struct ng_server *s);

/** Stop serving and free; requests still running are dropped. NULL is fine. */
void ng_server_destroy(struct ng_server *s);

#endif
