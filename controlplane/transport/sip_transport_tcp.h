/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over TCP: listeners accept with a multishot accept (and outbound
 * connections are opened with an io_uring connect); each connection
 * reads into its own buffer, a framing function cuts whole messages out of
 * the stream (SIP frames by Content-Length), and responses go back on the
 * same connection through a send queue with one send in flight. Idle
 * connections are closed by a timer; a stream that cannot be framed is
 * closed; an oversized message can be answered, then the connection is
 * half-closed and drained before it is released.
 */
#ifndef DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_TCP_H
#define DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sip_transport.h"
#include "uring_loop.h"
#include "uring_timer.h"

/**
 * Cut the first message out of a stream buffer: its length (or the length
 * of leading CRLF keep-alives when buf[0] is CR or LF), -EAGAIN for more
 * bytes, -EBADMSG when unframeable, -EMSGSIZE when longer than max_len.
 * sip_msg_frame() has this shape.
 */
typedef ssize_t (*sip_tcp_frame_fn)(const char *buf, size_t len,
		size_t max_len);

struct sip_tcp;
struct sip_tcp_conn;

/** Counters of the TCP transport. */
struct sip_tcp_stats {
	uint64_t accepted;
	uint64_t connected;	/* outbound connections established */
	uint64_t connect_errors;
	uint64_t refused;	/* over the connection limit */
	uint64_t closed;
	uint64_t idle_closed;
	uint64_t bad_framing;	/* closed: the stream could not be framed */
	uint64_t oversize;	/* closed: a message over the maximum */
	uint64_t keepalives;	/* CRLF runs skipped */
	uint64_t rx_bytes;
	uint64_t rx_msgs;
	uint64_t tx_msgs;
	uint64_t tx_errors;
	uint64_t sendq_overflow;	/* closed: peer not reading its responses */
	uint64_t accept_errors;
};

/** One listening socket. */
struct sip_tcp_listener {
	struct uring_req req;
	struct sip_tcp *tcp;
	int fd;
	bool armed;
	struct uring_timer retry;	/* re-arms after an accept error */
	struct sockaddr_storage local;
};

/** Every TCP listener and connection of one server. */
struct sip_tcp {
	struct uring_loop *loop;
	size_t max_msg;
	uint64_t idle_ms;
	uint32_t max_conns;
	uint32_t n_conns;
	sip_tcp_frame_fn frame;
	sip_rx_fn on_rx;
	void *arg;
	struct sip_tcp_conn *conns;	/* list of live connections */
	struct sip_tcp_conn **by_id;	/* hash of live connections by id */
	uint32_t by_id_mask;
	uint64_t next_id;
	struct sip_tcp_stats stats;
};

/**
 * Prepare the TCP side of a server.
 *
 * @param max_msg  largest message accepted (the connection buffer size)
 * @param idle_ms  close connections silent for this long
 * @return 0, -ENOMEM.
 */
int sip_tcp_init(struct sip_tcp *tcp, struct uring_loop *loop,
		size_t max_msg, uint64_t idle_ms, uint32_t max_conns,
		sip_tcp_frame_fn frame, sip_rx_fn on_rx, void *arg);

/**
 * Bind and listen on addr and start accepting.
 *
 * @return 0, a negative errno from socket set-up, -EBUSY when no SQE.
 */
int sip_tcp_listen(struct sip_tcp *tcp, struct sip_tcp_listener *l,
		const struct sockaddr *addr, socklen_t addrlen);

/**
 * Open a connection to addr (requests to a TCP next hop, responses whose
 * connection is gone: RFC 3261 section 18.2.2). Data may be queued with
 * sip_tcp_send() at once and leaves when the connection is up; messages
 * received on it come up through on_rx like those of accepted ones. A
 * failed or silent connect closes it (its id then finds nothing).
 *
 * @return 0 with *out set, -EMFILE at the connection limit, -ENOMEM,
 *         -EBUSY when no SQE, or the negative errno of socket().
 */
int sip_tcp_connect(struct sip_tcp *tcp, const struct sockaddr *addr,
		socklen_t addrlen, struct sip_tcp_conn **out);

/**
 * Queue data (copied) on a connection. Sends keep their order. A peer
 * with more than 1 MiB unsent is not reading: the connection is closed.
 *
 * @return 0, -ENOMEM, -EPIPE when the connection is closing, -ENOBUFS
 *         when the queue limit closed it.
 */
int sip_tcp_send(struct sip_tcp_conn *conn, const void *data, size_t len);

/**
 * Stop reading; once queued sends are out, half-close and drain the peer
 * (bounded by a timer) before releasing the connection.
 */
void sip_tcp_close_after_send(struct sip_tcp_conn *conn);

/** Close a connection now; queued data is dropped. */
void sip_tcp_close(struct sip_tcp_conn *conn);

/**
 * A connection's id: unique for the life of the process (never reused),
 * so a layer that keeps it (a transaction) can later find out whether
 * the connection still exists.
 */
uint64_t sip_tcp_conn_id(const struct sip_tcp_conn *conn);

/**
 * The live connection with this id.
 *
 * @return the connection, NULL when it is gone or closing.
 */
struct sip_tcp_conn *sip_tcp_conn_find(const struct sip_tcp *tcp,
		uint64_t id);

/** Peer address of a connection. */
const struct sockaddr_storage *sip_tcp_conn_peer(const struct sip_tcp_conn *conn);

/** True while some connection still has data queued or being sent. */
bool sip_tcp_sending(const struct sip_tcp *tcp);

/** Set the idle timeout used for connections from now on (reload). */
void sip_tcp_set_idle(struct sip_tcp *tcp, uint64_t idle_ms);

/**
 * Close every listener descriptor and free every connection and the id
 * hash. Call after
 * uring_loop_fini(), when no operation can complete any more.
 */
void sip_tcp_destroy(struct sip_tcp *tcp, struct sip_tcp_listener *ls,
		unsigned int n);

#endif
