/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "media" section: ng_listen (address:port, IPv6 in brackets),
 * dp_instance, advertise (an IP literal), timeout and required (whether
 * /health waits for the local data plane).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_conf_media.h"

const char *const cp_media_required_names[] = { "auto", "true", "false",
	NULL };

void
cp_conf_media_defaults(struct cp_conf_media *m)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&m->ng_listen;

	memset(m, 0, sizeof(*m));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(2223);
	m->ng_listen_len = sizeof(*sin);
	m->timeout_s = 60;
}

static int
media_listen(const struct dg_conf_node *n, struct cp_conf_media *m)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&m->ng_listen;
	struct sockaddr_in *sin = (struct sockaddr_in *)&m->ng_listen;
	char host[INET6_ADDRSTRLEN + 2];
	const char *s, *colon;
	unsigned long port;
	size_t hl;
	char *end;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	colon = strrchr(s, ':');
	if (colon == NULL)
		return dg_conf_error(n, "'%s' is not address:port", s);
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return dg_conf_error(n, "port '%s' out of range", colon + 1);
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	} else if (memchr(s, ':', hl) != NULL) {
		return dg_conf_error(n, "IPv6 address needs brackets: [addr]:port");
	}
	if (hl == 0 || hl >= sizeof(host))
		return dg_conf_error(n, "bad address");
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(&m->ng_listen, 0, sizeof(m->ng_listen));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		m->ng_listen_len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		m->ng_listen_len = sizeof(*sin6);
		return 0;
	}
	return dg_conf_error(n, "bad address '%s' (expected an IPv4 or IPv6 literal)",
			     host);
}

int
cp_conf_media_parse(const struct dg_conf_node *sec, struct cp_conf_media *m)
{
	static const char *const keys[] = { "ng_listen", "dp_instance",
		"advertise", "timeout", "required", NULL };
	const struct dg_conf_node *n;
	struct in6_addr a;
	unsigned int r;
	const char *s;
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	n = dg_conf_map_get(sec, "ng_listen");
	if (n != NULL && (err = media_listen(n, m)) < 0)
		return err;
	v = m->dp_instance;
	err = dg_conf_get_u64(sec, "dp_instance", 0, 1000000, &v);
	if (err < 0)
		return err;
	m->dp_instance = (uint32_t)v;
	n = dg_conf_map_get(sec, "advertise");
	if (n != NULL) {
		err = dg_conf_node_string(n, &s);
		if (err < 0)
			return err;
		if (strlen(s) >= sizeof(m->advertise) ||
		    (inet_pton(AF_INET, s, &a) != 1 &&
		     inet_pton(AF_INET6, s, &a) != 1))
			return dg_conf_error(n, "'%s' is not an IP address", s);
		snprintf(m->advertise, sizeof(m->advertise), "%s", s);
	}
	v = (uint64_t)m->timeout_s * 1000;
	err = dg_conf_get_ms(sec, "timeout", 1000, 3600000, &v);
	if (err < 0)
		return err;
	m->timeout_s = (uint32_t)(v / 1000);
	r = m->required;
	err = dg_conf_get_enum(sec, "required", cp_media_required_names, &r);
	if (err < 0)
		return err;
	m->required = (enum cp_media_required)r;
	return 0;
}
