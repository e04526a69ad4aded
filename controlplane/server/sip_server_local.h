/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether a Request-URI names this server: its host is one of our
 * addresses (an interface address when a listener is a wildcard, else a
 * listener's own address) or one of the configured sip.domains, and its
 * port (5060, or 5061 for sips, when absent) is one we listen on.
 */
#ifndef DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_LOCAL_H
#define DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cp_conf.h"
#include "sip_msg.h"

#define SIP_LOCAL_MAX_ADDRS 128

struct sip_local {
	struct sockaddr_storage addrs[SIP_LOCAL_MAX_ADDRS];
	unsigned int n_addrs;
	uint16_t ports[CP_CONF_MAX_LISTEN];
	unsigned int n_ports;
	const struct cp_conf *conf;	/* for sip.domains */
};

/**
 * Collect our addresses and ports from conf (and the interfaces, for
 * wildcard listeners). conf must outlive l.
 *
 * @return 0, or the negative errno of getifaddrs().
 */
int sip_local_init(struct sip_local *l, const struct cp_conf *conf);

/** True when uri (sip or sips) names this server. */
bool sip_local_uri_is_ours(const struct sip_local *l,
		const struct sip_uri *uri);

#endif
