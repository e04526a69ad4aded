/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The top Via of a response as the server must return it: "received" set
 * to the request's source address (RFC 3261 section 18.2.1, and always
 * when the client asked for rport) and an empty "rport" filled with the
 * source port (RFC 3581 section 4), so a client behind NAT learns the
 * address it was seen from.
 */
#ifndef DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_VIA_H
#define DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_VIA_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sip_msg.h"

/**
 * Rewrite, inside a response built by sip_resp_build() into out (len
 * bytes of cap), the first copy of via->raw with received/rport stamped
 * from src.
 *
 * @return the new length, len unchanged when nothing needed stamping,
 *         -ENOSPC when cap is too small, -ENOENT when the Via is not found.
 */
ssize_t sip_server_via_stamp(char *out, size_t len, size_t cap,
		const struct sip_via *via, const struct sockaddr_storage *src);

#endif
