/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small pure helpers of the proxy core: where a URI or a Via sends to
 * (IP literals only, no DNS), the received/rport rewrite of the Via a
 * request arrived with (RFC 3261 section 18.2.1, RFC 3581 section 4) and
 * the To tag of responses the proxy makes itself.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_UTIL_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_UTIL_H

#include <stdbool.h>
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

/*
 * NAT traversal inside dialogs: our Record-Route entry carries the
 * address a UDP party sent from (dgnat= for the callee reached through a
 * binding, dgnatc= for the caller), so that in-dialog requests reach a
 * party behind NAT at that address rather than at its private Contact.
 */

/**
 * Append ";dgnat=ip:port" (callee) or ";dgnatc=ip:port" (caller) for addr
 * to a Record-Route value "<...>", before its '>'.
 *
 * @return the new length, -ENOSPC.
 */
int sip_proxy_rr_nat(char *rr, size_t len, size_t cap, bool caller,
		const struct sockaddr_storage *addr);

/**
 * Where an in-dialog request goes when our popped Route entries carry NAT
 * addresses: to the caller's when it came from the callee's address, else
 * to the callee's.
 *
 * @return 0 with *dst set (UDP), -ENOENT when no parameter applies.
 */
int sip_proxy_nat_dest(const struct sip_uri *ours, unsigned int n,
		const struct sockaddr_storage *src, struct sip_txn_dest *dst);

/** The To tag of the proxy's own responses to msg: "dg" + 16 hex, stable across retransmissions. */
void sip_proxy_to_tag(const struct sip_msg *msg, char *tag, size_t cap);

#endif
