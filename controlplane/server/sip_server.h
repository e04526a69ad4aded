/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo's SIP service until the transaction layer lands: the UDP and TCP
 * listeners of the configuration and a stateless answer to every request.
 * OPTIONS addressed to us (or with Max-Forwards 0) gets 200 with Allow,
 * Accept and Supported, a request that fails the message-layer checks gets
 * their status with a Warning saying why, ACK gets nothing, any other
 * request gets 501, responses are dropped and counted. Responses go where
 * RFC 3261 section 18.2.2 and RFC 3581 say, or back on the connection.
 */
#ifndef DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_H
#define DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_H

#include <stddef.h>

#include "cp_conf.h"
#include "sip_msg.h"
#include "sip_server_local.h"
#include "sip_server_stats.h"
#include "sip_transport.h"
#include "sip_transport_tcp.h"
#include "sip_transport_udp.h"
#include "uring_bufring.h"
#include "uring_loop.h"

struct redis_conn;
struct sip_edge;

/*
 * Reject and drop lines per second at most: a flood of bad packets must
 * not turn into a flood of log lines. The rest are counted and summed up
 * in one event=sip.log_suppressed line per second.
 */
#define SIP_SERVER_LOG_RATE 100

/** Buffer group id of the UDP receive buffers. */
#define SIP_SERVER_UDP_BGID 1

struct sip_server {
	struct uring_loop *loop;
	struct cp_conf conf;
	struct sip_local local;
	struct uring_bufring udp_bufs;
	struct sip_udp_sock udp[CP_CONF_MAX_LISTEN];
	unsigned int n_udp;
	struct sip_tcp tcp;
	struct sip_tcp_listener tcp_l[CP_CONF_MAX_LISTEN];
	unsigned int n_tcp;
	struct sip_server_stats stats;
	struct sip_edge *edge;		/* role edge: the proxy core */
	struct redis_conn *redis;	/* set before start: the edge's Redis (or NULL) */
	uint64_t log_window_ms;		/* start of the reject-log window */
	uint32_t log_lines;		/* reject/drop lines in the window */
	uint64_t log_window_suppressed;
	char *out;			/* response being built */
	size_t out_cap;
	struct sip_msg msg;		/* message being handled (large) */
};

/**
 * Bind every listener of conf and start serving on loop. srv must be
 * zeroed (it is large: allocate it). On failure what was opened stays
 * recorded and is released by sip_server_destroy().
 *
 * @param err receives "udp:0.0.0.0:5060: Address already in use" etc.
 * @return 0, the negative errno of the failing bind/register, -ENOMEM.
 */
int sip_server_start(struct sip_server *srv, struct uring_loop *loop,
		const struct cp_conf *conf, char *err, size_t errlen);

/**
 * Apply a new configuration to a running server: log level, domains,
 * node name and the TCP idle timeout take effect at once; listeners,
 * message size, role and limits need a restart and are kept (a warning
 * line names each one that differs).
 */
void sip_server_reload(struct sip_server *srv, const struct cp_conf *conf);

/** True while responses are still being sent (for a clean shutdown). */
bool sip_server_busy(const struct sip_server *srv);

/** Write the counters as one log line (event=sip.stats). */
void sip_server_stats_log(const struct sip_server *srv);

/**
 * Handle one received message (the transports' callback; exposed so the
 * stateless logic can be driven directly).
 */
void sip_server_on_rx(void *arg, const struct sip_rx *rx);

/**
 * Close every socket and free every connection and buffer. Call after
 * uring_loop_fini(), so that no operation still writes into them.
 */
void sip_server_destroy(struct sip_server *srv);

#endif
