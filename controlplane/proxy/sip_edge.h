/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge role's SIP service on top of the server's sockets: loads the
 * `edge` configuration section, the users (a file, or Redis through a
 * short-lived cache filled before the proxy verifies) and the digest
 * verifier, creates the location store (in memory, swept by a timer, or
 * in Redis) and the proxy,
 * and gives the proxy what it needs from the process: sending over our
 * UDP sockets, the address to write in Via and Record-Route, and whether
 * a URI names us. The SIP server hands it every decoded message
 * (sip_edge_rx()); this is the hook the server calls instead of
 * answering 501. Over TCP, a message goes back on the connection it
 * belongs to while that connection lives, else on a new connection.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_EDGE_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_EDGE_H

#include <stddef.h>

#include "cp_conf.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_transport.h"
#include "sip_transport_tcp.h"
#include "sip_transport_udp.h"
#include "uring_loop.h"

struct redis_conn;
struct sip_edge;

/**
 * Create the edge service. conf->source names the file whose `edge`
 * section is read ("<embedded>": defaults). udp[] are the server's open
 * UDP sockets and tcp its TCP side (NULL: UDP only); they must outlive
 * the edge. redis is the process's Redis connection (NULL without a redis
 * section): edge.location redis and edge.auth.credentials redis need it.
 * While it is down, what needs Redis is answered 503 with Retry-After.
 *
 * @param err receives "file:line: key: reason" or another reason
 * @return 0 (with *out NULL when the configuration has no `edge` section:
 *   the server then stays the stateless service), -EINVAL
 *   (configuration), -ENOENT... (users file), -ENOMEM.
 */
int sip_edge_create(struct sip_edge **out, struct uring_loop *loop,
		const struct cp_conf *conf, struct sip_udp_sock *udp,
		unsigned int n_udp, struct sip_tcp *tcp, struct redis_conn *redis,
		char *err, size_t errlen);

/** Destroy (NULL allowed); call before the sockets are closed. */
void sip_edge_destroy(struct sip_edge *e);

/**
 * Handle one decoded message received over UDP or TCP.
 *
 * @return 0 when handled, -EINVAL when it cannot be matched (no top Via
 *   or CSeq), -ENOMEM.
 */
int sip_edge_rx(struct sip_edge *e, const struct sip_msg *msg,
		const struct sip_rx *rx);

/**
 * Attach the media layer's dialog hooks (offer, answer, update, end) to
 * the edge's dialogs; NULL detaches.
 */
void sip_edge_set_media(struct sip_edge *e,
		const struct sip_dialog_media_ops *media, void *arg);

/** The proxy (for counters and tests). */
struct sip_proxy *sip_edge_proxy(struct sip_edge *e);

/** The location store (for its counters and /api/registrations). */
struct sip_loc *sip_edge_loc(struct sip_edge *e);

/** Write the proxy and transaction counters as one log line (event=sip.proxy.stats). */
void sip_edge_stats_log(const struct sip_edge *e);

#endif
