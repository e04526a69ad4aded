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
#include "sip_route.h"

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

int
sip_proxy_rr_nat(char *rr, size_t len, size_t cap, bool caller,
		const struct sockaddr_storage *addr)
{
	char ip[INET6_ADDRSTRLEN], tail[8];
	uint16_t port;
	int n;

	if (len < 2 || rr[len - 1] != '>')
		return -EINVAL;
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	} else if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	memcpy(tail, ">", 2);
	n = snprintf(rr + len - 1, cap - (len - 1), ";%s=%s%s%s:%u%s",
		caller ? "dgnatc" : "dgnat", addr->ss_family == AF_INET6 ? "[" : "",
		ip, addr->ss_family == AF_INET6 ? "]" : "", port, tail);
	if (n < 0 || (size_t)n >= cap - (len - 1))
		return -ENOSPC;
	return (int)(len - 1 + (size_t)n);
}

static int
nat_param_dest(const struct sip_uri *u, const char *name,
		struct sip_txn_dest *dst)
{
	struct sip_route_target t;
	struct dg_pl v;
	char text[80];
	const char *why;

	if (!sip_uri_param(u, name, &v) || v.len == 0 || v.len > 64)
		return -ENOENT;
	snprintf(text, sizeof(text), "udp:%.*s", (int)v.len, v.p);
	if (sip_route_target_parse(text, &t, &why) < 0)
		return -ENOENT;
	memset(dst, 0, sizeof(*dst));
	dst->transport = SIP_TP_UDP;
	dst->addr = t.addr;
	dst->addrlen = t.addrlen;
	return 0;
}

static bool
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
				&((const struct sockaddr_in *)b)->sin_addr, 4) == 0 &&
			((const struct sockaddr_in *)a)->sin_port ==
			((const struct sockaddr_in *)b)->sin_port;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			&((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0 &&
		((const struct sockaddr_in6 *)a)->sin6_port ==
		((const struct sockaddr_in6 *)b)->sin6_port;
}

int
sip_proxy_nat_dest(const struct sip_uri *ours, unsigned int n,
		const struct sockaddr_storage *src, struct sip_txn_dest *dst)
{
	struct sip_txn_dest callee, caller;
	bool has_callee = false, has_caller = false;
	unsigned int i;

	for (i = 0; i < n && i < 2; i++) {
		if (!has_callee && nat_param_dest(&ours[i], "dgnat", &callee) == 0)
			has_callee = true;
		if (!has_caller && nat_param_dest(&ours[i], "dgnatc", &caller) == 0)
			has_caller = true;
	}
	if (has_callee && same_addr(&callee.addr, src)) {
		if (!has_caller)
			return -ENOENT;
		*dst = caller;
		return 0;
	}
	if (has_callee) {
		*dst = callee;
		return 0;
	}
	return -ENOENT;
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
