/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our own addresses and names. Interface addresses are read once at start
 * and again on reload (SIGHUP), not per request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "sip_server_local.h"

static void
local_add(struct sip_local *l, const struct sockaddr *sa)
{
	size_t len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
		sizeof(struct sockaddr_in6);

	if (l->n_addrs == SIP_LOCAL_MAX_ADDRS)
		return;
	memset(&l->addrs[l->n_addrs], 0, sizeof(l->addrs[0]));
	memcpy(&l->addrs[l->n_addrs++], sa, len);
}

static bool
addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
			htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
		&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static uint16_t
addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

int
sip_local_init(struct sip_local *l, const struct cp_conf *conf)
{
	struct ifaddrs *ifs, *ifa;
	bool any = false;
	unsigned int i, j;

	memset(l, 0, sizeof(*l));
	l->conf = conf;
	for (i = 0; i < conf->n_listen; i++) {
		const struct cp_listen *ls = &conf->listen[i];
		uint16_t port = addr_port(&ls->addr);

		if (addr_is_any(&ls->addr))
			any = true;
		else
			local_add(l, (const struct sockaddr *)&ls->addr);
		for (j = 0; j < l->n_ports && l->ports[j] != port; j++)
			;
		if (j == l->n_ports)
			l->ports[l->n_ports++] = port;
	}
	if (!any)
		return 0;
	if (getifaddrs(&ifs) < 0)
		return -errno;
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next)
		if (ifa->ifa_addr != NULL &&
				(ifa->ifa_addr->sa_family == AF_INET ||
				 ifa->ifa_addr->sa_family == AF_INET6))
			local_add(l, ifa->ifa_addr);
	freeifaddrs(ifs);
	return 0;
}

static bool
local_has_ip(const struct sip_local *l, const struct sip_uri *uri)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	struct in6_addr a6;
	struct in_addr a4;
	struct dg_pl h = uri->host;
	unsigned int i;

	if (h.len >= 2 && h.p[0] == '[' && h.p[h.len - 1] == ']') {
		h.p++;
		h.len -= 2;
	}
	if (h.len == 0 || h.len >= sizeof(tmp))
		return false;
	memcpy(tmp, h.p, h.len);
	tmp[h.len] = '\0';
	if (uri->host_type == SIP_HOST_IPV4 && inet_pton(AF_INET, tmp, &a4) == 1) {
		for (i = 0; i < l->n_addrs; i++)
			if (l->addrs[i].ss_family == AF_INET &&
					((const struct sockaddr_in *)&l->addrs[i])->sin_addr.s_addr ==
					a4.s_addr)
				return true;
		return false;
	}
	if (uri->host_type == SIP_HOST_IPV6 && inet_pton(AF_INET6, tmp, &a6) == 1) {
		for (i = 0; i < l->n_addrs; i++)
			if (l->addrs[i].ss_family == AF_INET6 &&
					IN6_ARE_ADDR_EQUAL(&((const struct sockaddr_in6 *)
						&l->addrs[i])->sin6_addr, &a6))
				return true;
	}
	return false;
}

bool
sip_local_uri_is_ours(const struct sip_local *l, const struct sip_uri *uri)
{
	uint16_t port;
	unsigned int i;
	bool host = false;

	if (uri->scheme != SIP_URI_SIP && uri->scheme != SIP_URI_SIPS)
		return false;
	port = uri->port != 0 ? uri->port :
		uri->scheme == SIP_URI_SIPS ? 5061 : 5060;
	for (i = 0; i < l->n_ports && l->ports[i] != port; i++)
		;
	if (i == l->n_ports)
		return false;
	if (uri->host_type == SIP_HOST_IPV4 || uri->host_type == SIP_HOST_IPV6)
		return local_has_ip(l, uri);
	for (i = 0; i < l->conf->n_domains && !host; i++)
		host = dg_pl_eq_str_nocase(uri->host, l->conf->domains[i]);
	return host;
}
