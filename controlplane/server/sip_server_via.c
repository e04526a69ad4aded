/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stamping received/rport into the top Via of a stateless response. The
 * value is rebuilt parameter by parameter (an old received is replaced, an
 * empty rport gets the port) and spliced over the copy sip_resp_build()
 * made of the request's Via.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip_server_via.h"

/* Appends with bounds; *off grows past cap on overflow. */
static void
put(char *buf, size_t cap, size_t *off, const char *p, size_t n)
{
	if (*off + n <= cap)
		memcpy(buf + *off, p, n);
	*off += n;
}

static bool
via_host_is(const struct sip_via *via, const char *ip)
{
	struct dg_pl h = via->host;

	if (h.len >= 2 && h.p[0] == '[') {
		h.p++;
		h.len -= 2;
	}
	return dg_pl_eq_str_nocase(h, ip);
}

static uint16_t
src_ip(const struct sockaddr_storage *src, char *ip, size_t len)
{
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)src;

		inet_ntop(AF_INET, &sin->sin_addr, ip, (socklen_t)len);
		return ntohs(sin->sin_port);
	}
	inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)src)->sin6_addr, ip,
		(socklen_t)len);
	return ntohs(((const struct sockaddr_in6 *)src)->sin6_port);
}

/* The new Via value into val; returns its length or -ENOSPC. */
static ssize_t
via_build(const struct sip_via *via, const char *ip, uint16_t port,
		char *val, size_t cap)
{
	const char *p = via->raw.p, *end = via->raw.p + via->raw.len, *semi;
	char num[16];
	size_t off = 0, n;

	semi = memchr(p, ';', (size_t)(end - p));
	if (semi == NULL)
		semi = end;
	put(val, cap, &off, p, (size_t)(semi - p));
	for (p = semi; p < end; p = semi) {
		const char *name = p + 1;

		semi = memchr(name, ';', (size_t)(end - name));
		if (semi == NULL)
			semi = end;
		n = (size_t)(semi - name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
			n--;
		if (n >= 8 && strncasecmp(name, "received", 8) == 0 &&
				(n == 8 || name[8] == '=' || name[8] == ' '))
			continue;
		if (n == 5 && strncasecmp(name, "rport", 5) == 0) {
			put(val, cap, &off, ";rport=", 7);
			snprintf(num, sizeof(num), "%u", port);
			put(val, cap, &off, num, strlen(num));
			continue;
		}
		put(val, cap, &off, p, (size_t)(semi - p));
	}
	put(val, cap, &off, ";received=", 10);
	put(val, cap, &off, ip, strlen(ip));
	return off > cap ? -ENOSPC : (ssize_t)off;
}

ssize_t
sip_server_via_stamp(char *out, size_t len, size_t cap,
		const struct sip_via *via, const struct sockaddr_storage *src)
{
	char val[1024], ip[INET6_ADDRSTRLEN];
	uint16_t port;
	char *at;
	ssize_t n;

	port = src_ip(src, ip, sizeof(ip));
	/* Nothing to say when the client was seen where it said it was. */
	if (!via->rport && via->received.p == NULL && via_host_is(via, ip))
		return (ssize_t)len;
	n = via_build(via, ip, port, val, sizeof(val));
	if (n < 0)
		return n;
	at = memmem(out, len, via->raw.p, via->raw.len);
	if (at == NULL)
		return -ENOENT;
	if (len - via->raw.len + (size_t)n > cap)
		return -ENOSPC;
	memmove(at + n, at + via->raw.len,
		len - (size_t)(at - out) - via->raw.len);
	memcpy(at, val, (size_t)n);
	return (ssize_t)(len - via->raw.len + (size_t)n);
}
