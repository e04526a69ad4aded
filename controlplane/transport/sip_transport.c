/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket helpers shared by the SIP transports. Listening sockets are set
 * up with plain system calls: this is start-up, not the event path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "sip_transport.h"

int
sip_socket_bind(int type, const struct sockaddr *addr, socklen_t len)
{
	int fd, one = 1, err;

	fd = socket(addr->sa_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (type == SOCK_STREAM &&
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)) < 0)
		goto out_errno;
	if (addr->sa_family == AF_INET6 &&
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				sizeof(one)) < 0)
		goto out_errno;
	if (bind(fd, addr, len) < 0)
		goto out_errno;
	return fd;
out_errno:
	err = -errno;
	close(fd);
	return err;
}

const char *
sip_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else {
		snprintf(buf, len, "family-%u", sa->sa_family);
	}
	return buf;
}
