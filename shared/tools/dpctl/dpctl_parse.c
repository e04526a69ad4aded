/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-dpctl's input grammar (dpctl_parse.h): operator-typed leg
 * specifications become the fixed-width fields of struct dg_msg_leg, with
 * a reason naming the word when something does not parse, so a typo never
 * reaches the data plane as a half-filled session.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpctl_parse.h"

static const char *const dpctl_suites[] = {
#define DPCTL_SUITE_NAME_(up, str) str,
	DG_SRTP_SUITES(DPCTL_SUITE_NAME_)
#undef DPCTL_SUITE_NAME_
};

static int
dpctl_port_parse(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
dpctl_addr_parse(const char *s, uint8_t *family, uint8_t addr[16],
		 uint16_t *port, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *close, *p = NULL;
	size_t hl;

	memset(addr, 0, 16);
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (close == NULL)
			goto bad;
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (close[1] == ':')
			p = close + 2;
		else if (close[1] != '\0')
			goto bad;
		if (inet_pton(AF_INET6, host, addr) != 1)
			goto bad;
		*family = DG_AF_INET6;
	} else if (strchr(s, ':') != strrchr(s, ':')) {
		/* Two colons or more: a bare IPv6 address, no port. */
		if (inet_pton(AF_INET6, s, addr) != 1)
			goto bad;
		*family = DG_AF_INET6;
	} else {
		colon = strchr(s, ':');
		hl = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (colon != NULL)
			p = colon + 1;
		if (inet_pton(AF_INET, host, addr) != 1)
			goto bad;
		*family = DG_AF_INET;
	}
	if (p != NULL && dpctl_port_parse(p, port) < 0) {
		(void)snprintf(err, errlen, "'%s': bad port", s);
		return -EINVAL;
	}
	return 0;
bad:
	(void)snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address", s);
	return -EINVAL;
}

void
dpctl_addr_format(char *buf, size_t len, uint8_t family,
		  const uint8_t addr[16], uint16_t port)
{
	char host[INET6_ADDRSTRLEN];

	if (family == DG_AF_INET) {
		(void)inet_ntop(AF_INET, addr, host, sizeof(host));
		(void)snprintf(buf, len, "%s:%u", host, port);
	} else if (family == DG_AF_INET6) {
		(void)inet_ntop(AF_INET6, addr, host, sizeof(host));
		(void)snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		(void)snprintf(buf, len, "-");
	}
}

static int
dpctl_b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int
dpctl_base64_decode(const char *s, uint8_t *out, size_t want)
{
	size_t i, n = 0, len = strlen(s);
	uint32_t acc = 0;
	int bits = 0, v;

	while (len > 0 && s[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		v = dpctl_b64_value(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == want)
				return -EINVAL;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Left-over bits must be the zero padding of the last group. */
	if (n != want || bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -EINVAL;
	return 0;
}

int
dpctl_suite_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < DG_SRTP__COUNT; i++)
		if (strcasecmp(s, dpctl_suites[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
dpctl_suite_name(unsigned int suite)
{
	return suite < DG_SRTP__COUNT ? dpctl_suites[suite] : "?";
}

/* "SUITE:INKEY:OUTKEY" into the leg's SRTP fields. */
static int
dpctl_srtp_parse(const char *v, struct dg_msg_leg *leg, char *err,
		 size_t errlen)
{
	uint8_t buf[DG_SRTP_KEY_LEN + DG_SRTP_SALT_LEN];
	struct dg_msg_srtp_key *k[2] = { &leg->srtp_in, &leg->srtp_out };
	char copy[256], *part[3], *save = NULL;
	size_t salt;
	int suite, i;

	if (strlen(v) >= sizeof(copy))
		goto bad;
	(void)snprintf(copy, sizeof(copy), "%s", v);
	part[0] = strtok_r(copy, ":", &save);
	part[1] = strtok_r(NULL, ":", &save);
	part[2] = strtok_r(NULL, ":", &save);
	if (part[0] == NULL || strtok_r(NULL, ":", &save) != NULL)
		goto bad;
	suite = dpctl_suite_parse(part[0]);
	if (suite < 0) {
		(void)snprintf(err, errlen, "srtp: unknown suite '%s'", part[0]);
		return -EINVAL;
	}
	leg->srtp_suite = (uint8_t)suite;
	if (suite == DG_SRTP_NONE)
		return part[1] == NULL ? 0 : -EINVAL;
	if (part[1] == NULL || part[2] == NULL)
		goto bad;
	salt = suite == DG_SRTP_AEAD_AES_128_GCM ? DG_SRTP_GCM_SALT_LEN :
		DG_SRTP_SALT_LEN;
	for (i = 0; i < 2; i++) {
		if (dpctl_base64_decode(part[1 + i], buf,
					DG_SRTP_KEY_LEN + salt) < 0) {
			(void)snprintf(err, errlen,
				       "srtp: %s key is not base64 of %zu bytes (key + salt)",
				       i == 0 ? "in" : "out", DG_SRTP_KEY_LEN + salt);
			return -EINVAL;
		}
		memcpy(k[i]->key, buf, DG_SRTP_KEY_LEN);
		memcpy(k[i]->salt, buf + DG_SRTP_KEY_LEN, salt);
	}
	return 0;
bad:
	(void)snprintf(err, errlen, "srtp: want SUITE:INKEY:OUTKEY");
	return -EINVAL;
}

int
dpctl_leg_parse(char *const *words, int n, struct dg_msg_leg *leg,
		int relay_optional, char *err, size_t errlen)
{
	bool have_relay = false, have_peer_rtcp = false;
	uint16_t port;
	const char *w;
	int i;

	for (i = 0; i < n; i++) {
		w = words[i];
		if (strncmp(w, "relay=", 6) == 0) {
			if (dpctl_addr_parse(w + 6, &leg->relay_family,
					     leg->relay_addr, &leg->relay_rtp_port,
					     err, errlen) < 0)
				return -EINVAL;
			have_relay = true;
		} else if (strncmp(w, "peer=", 5) == 0) {
			if (dpctl_addr_parse(w + 5, &leg->peer_family,
					     leg->peer_addr, &leg->peer_rtp_port,
					     err, errlen) < 0)
				return -EINVAL;
		} else if (strncmp(w, "rtcp=", 5) == 0) {
			if (dpctl_port_parse(w + 5, &leg->relay_rtcp_port) < 0)
				goto bad_port;
		} else if (strncmp(w, "peer_rtcp=", 10) == 0) {
			if (dpctl_port_parse(w + 10, &port) < 0)
				goto bad_port;
			leg->peer_rtcp_port = port;
			have_peer_rtcp = true;
		} else if (strcmp(w, "mux") == 0) {
			leg->flags |= DG_LEG_F_RTCP_MUX;
		} else if (strcmp(w, "strict") == 0) {
			leg->flags |= DG_LEG_F_STRICT_SOURCE;
		} else if (strcmp(w, "latch") == 0) {
			leg->flags |= DG_LEG_F_LATCH_WINDOW;
		} else if (strncmp(w, "srtp=", 5) == 0) {
			if (dpctl_srtp_parse(w + 5, leg, err, errlen) < 0)
				return -EINVAL;
		} else {
			(void)snprintf(err, errlen, "'%s': unknown leg option", w);
			return -EINVAL;
		}
	}
	if (!have_relay && !relay_optional) {
		(void)snprintf(err, errlen, "relay=IP[:PORT] missing");
		return -EINVAL;
	}
	/* SDP's RTCP port is RTP + 1 unless said otherwise (RFC 3605). */
	if (!have_peer_rtcp && leg->peer_rtp_port != 0)
		leg->peer_rtcp_port = (leg->flags & DG_LEG_F_RTCP_MUX) ?
			leg->peer_rtp_port : (uint16_t)(leg->peer_rtp_port + 1);
	if (leg->relay_rtp_port != 0 && leg->relay_rtcp_port == 0)
		leg->relay_rtcp_port = (leg->flags & DG_LEG_F_RTCP_MUX) ?
			leg->relay_rtp_port :
			(uint16_t)(leg->relay_rtp_port + 1);
	return 0;
bad_port:
	(void)snprintf(err, errlen, "'%s': bad port", w);
	return -EINVAL;
}
