/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the SIP transports hand to the layer above: one received message
 * (a datagram, or a frame cut from a stream) with where it came from and
 * the handle to answer through. Also the socket set-up shared by UDP and
 * TCP listeners.
 */
#ifndef DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_H
#define DRONGO_CONTROLPLANE_TRANSPORT_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sip_udp_sock;
struct sip_tcp_conn;

/** One received message, valid only during the callback. */
struct sip_rx {
	const char *buf;
	size_t len;
	/*
	 * Larger than the configured maximum: buf holds only what was read
	 * (the datagram's first bytes, or the stream's buffered bytes).
	 */
	bool oversize;
	const struct sockaddr_storage *src;
	socklen_t srclen;
	struct sip_udp_sock *udp;	/* set when it came over UDP */
	struct sip_tcp_conn *conn;	/* set when it came over TCP */
	uint64_t conn_id;		/* its sip_tcp_conn_id(), 0 for UDP */
};

/** Called for each received message. */
typedef void (*sip_rx_fn)(void *arg, const struct sip_rx *rx);

/**
 * Open a socket of type (SOCK_DGRAM, SOCK_STREAM) bound to addr:
 * close-on-exec, non-blocking, SO_REUSEADDR for streams, IPV6_V6ONLY on
 * IPv6 so that "0.0.0.0" and "::" bind side by side on one port.
 *
 * @return the descriptor, or the negative errno of the failing call.
 */
int sip_socket_bind(int type, const struct sockaddr *addr, socklen_t len);

/** Render an address as "1.2.3.4:5060" or "[::1]:5060" into buf. */
const char *sip_sockaddr_str(const struct sockaddr *sa, char *buf,
		size_t len);

#endif
