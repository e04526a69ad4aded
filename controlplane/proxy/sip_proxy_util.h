/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small pure helpers of the proxy core: where a URI or a Via sends to
 * (IP literals only, no DNS), the received/rport rewrite of the Via a
 * request arrived with (RFC 3261 section 18.2.1, RFC 3581 section 4) and
 * the To tag of responses the proxy makes itself.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_UTIL_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_UTIL_H

#include <stddef.h>
#include <sys/socket.h>

#include "sip_msg.h"
#include "sip_txn.h"

/**
 * The destination of a next-hop URI: its host (an IP literal), port (5060
 * when absent) and transport parameter (UDP when absent).
 *
 * @return 0, -EHOSTUNREACH when the host is a name (no resolver here),
 *   -EPROTONOSUPPORT for a transport other than UDP or TCP.
 */
int sip_proxy_uri_dest(const struct sip_uri *uri, struct sip_txn_dest *dst);

/**
 * Where a response goes by a Via value (the one below ours, for a
 * stateless forward): received or sent-by host, rport value or port.
 *
 * @return 0, -EHOSTUNREACH when the host is a name.
 */
int sip_proxy_via_dest(const struct sip_via *via, struct sip_txn_dest *dst);

/**
 * Write the top Via of a request received from src with received= (when
 * the sent-by host differs from the source address) and rport=port (when
 * the client asked for it); returns 0 when nothing has to change.
 *
 * @return the length written, 0 for no change, -ENOSPC.
 */
int sip_proxy_via_received(const struct sip_via *via,
		const struct sockaddr_storage *src, char *buf, size_t cap);

/** The To tag of the proxy's own responses to msg: "dg" + 16 hex, stable across retransmissions. */
void sip_proxy_to_tag(const struct sip_msg *msg, char *tag, size_t cap);

#endif
