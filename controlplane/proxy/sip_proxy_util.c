/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Destinations from URIs and Vias, the received/rport Via rewrite and
 * our To tags.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sip_proxy_util.h"

static int
host_addr(struct dg_pl host, uint16_t port, struct sip_txn_dest *dst)
{
	char h[INET6_ADDRSTRLEN + 2];
	struct sockaddr_in *sin = (struct sockaddr_in *)&dst->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst->addr;

	if (host.len >= 2 && host.p[0] == '[') {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(h))
		return -EHOSTUNREACH;
	memcpy(h, host.p, host.len);
	h[host.len] = '\0';
	memset(&dst->addr, 0, sizeof(dst->addr));
	if (inet_pton(AF_INET, h, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		dst->addrlen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, h, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		dst->addrlen = sizeof(*sin6);
		return 0;
	}
	return -EHOSTUNREACH;
}

int
sip_proxy_uri_dest(const struct sip_uri *uri, struct sip_txn_dest *dst)
{
	struct dg_pl tp;

	memset(dst, 0, sizeof(*dst));
	dst->transport = SIP_TP_UDP;
	if (sip_uri_param(uri, "transport", &tp)) {
		if (dg_pl_eq_str_nocase(tp, "tcp"))
			dst->transport = SIP_TP_TCP;
		else if (!dg_pl_eq_str_nocase(tp, "udp"))
			return -EPROTONOSUPPORT;
	}
	return host_addr(uri->host, uri->port != 0 ? uri->port : 5060, dst);
}

int
sip_proxy_via_dest(const struct sip_via *via, struct sip_txn_dest *dst)
{
	uint16_t port;

	memset(dst, 0, sizeof(*dst));
	dst->transport = via->transport == SIP_TP_TCP ? SIP_TP_TCP : SIP_TP_UDP;
	port = via->rport_val != 0 ? via->rport_val :
		via->port != 0 ? via->port : 5060;
	if (via->received.len > 0)
		return host_addr(via->received, port, dst);
	return host_addr(via->host, port, dst);
}

int
sip_proxy_via_received(const struct sip_via *via,
		const struct sockaddr_storage *src, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN], hostbuf[INET6_ADDRSTRLEN + 2];
	struct dg_pl host = via->host, rest, param;
	const char *pos, *end;
	uint16_t port;
	size_t off;
	int n;

	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)src;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	} else if (src->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)src;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	} else {
		return 0;
	}
	if (host.len >= 2 && host.p[0] == '[') {
		host.p++;
		host.len -= 2;
	}
	snprintf(hostbuf, sizeof(hostbuf), "%.*s", (int)host.len, host.p);
	if (strcmp(hostbuf, ip) == 0 && !via->rport)
		return 0;
	/* The value up to its parameters, then every parameter but these two. */
	end = via->raw.p + via->raw.len;
	rest = via->params;
	off = (size_t)((rest.len > 0 ? rest.p - 1 : end) - via->raw.p);
	if (off >= cap)
		return -ENOSPC;
	memcpy(buf, via->raw.p, off);
	pos = rest.p;
	while (rest.len > 0 && pos < rest.p + rest.len) {
		const char *semi = memchr(pos, ';',
			(size_t)(rest.p + rest.len - pos));
		const char *pe = semi != NULL ? semi : rest.p + rest.len;
		size_t nlen = 0;

		param = (struct dg_pl){ pos, (size_t)(pe - pos) };
		while (nlen < param.len && param.p[nlen] != '=')
			nlen++;
		if (!(nlen == 5 && strncasecmp(param.p, "rport", 5) == 0) &&
				!(nlen == 8 && strncasecmp(param.p, "received", 8) == 0) &&
				param.len > 0) {
			if (off + param.len + 1 >= cap)
				return -ENOSPC;
			buf[off++] = ';';
			memcpy(buf + off, param.p, param.len);
			off += param.len;
		}
		pos = pe + 1;
	}
	n = snprintf(buf + off, cap - off, ";received=%s", ip);
	if (n < 0 || (size_t)n >= cap - off)
		return -ENOSPC;
	off += (size_t)n;
	if (via->rport) {
		n = snprintf(buf + off, cap - off, ";rport=%u", port);
		if (n < 0 || (size_t)n >= cap - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return (int)off;
}

void
sip_proxy_to_tag(const struct sip_msg *msg, char *tag, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const struct dg_pl parts[] = {
		msg->call_id, msg->from.tag,
		msg->n_vias > 0 ? msg->vias[0].branch : DG_PL_NULL,
	};
	size_t i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < parts[i].len; j++) {
			h ^= (uint8_t)parts[i].p[j];
			h *= 0x100000001b3ull;
		}
		h ^= 0xff;
		h *= 0x100000001b3ull;
	}
	snprintf(tag, cap, "dg%016" PRIx64, h);
}
