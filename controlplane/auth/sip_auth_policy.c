/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-realm decision "must this request be authenticated": a method
 * bit set and a short list of trusted prefixes, checked linearly (a list
 * of trunks is short; a longest-prefix structure would buy nothing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sip_auth_policy.h"

static const char *const policy_methods[] = {
	"REGISTER", "INVITE", "MESSAGE", "SUBSCRIBE", "NOTIFY", "OPTIONS",
	"REFER", "PUBLISH", "INFO", "UPDATE", "PRACK", "BYE",
};

#define POLICY_N_METHODS (sizeof(policy_methods) / sizeof(policy_methods[0]))

int
sip_auth_policy_init(struct sip_auth_policy *policy, const char *realm)
{
	size_t len = realm != NULL ? strlen(realm) : 0;

	if (len == 0 || len >= sizeof(policy->realm))
		return -EINVAL;
	memset(policy, 0, sizeof(*policy));
	memcpy(policy->realm, realm, len + 1);
	return 0;
}

/* Methods are case-sensitive tokens (RFC 3261 §7.1). */
static int
policy_method_bit(struct dg_pl method)
{
	size_t i;

	for (i = 0; i < POLICY_N_METHODS; i++)
		if (dg_pl_eq(method, (struct dg_pl){ policy_methods[i],
				strlen(policy_methods[i]) }))
			return (int)i;
	return -1;
}

int
sip_auth_policy_add_method(struct sip_auth_policy *policy, const char *method)
{
	int bit;

	bit = policy_method_bit((struct dg_pl){ method, strlen(method) });
	if (bit < 0)
		return -EINVAL;
	policy->methods |= 1u << bit;
	return 0;
}

int
sip_auth_policy_add_trusted(struct sip_auth_policy *policy, const char *cidr)
{
	struct sip_auth_prefix pfx = { 0 };
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *end;
	unsigned long bits;
	size_t alen, max, i;

	slash = strchr(cidr, '/');
	alen = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, cidr, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, pfx.addr) == 1) {
		pfx.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, pfx.addr) == 1) {
		pfx.family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	bits = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		bits = strtoul(slash + 1, (char **)&end, 10);
		if (*end != '\0' || bits > max)
			return -EINVAL;
	}
	pfx.bits = (uint8_t)bits;
	for (i = bits; i < max; i++)
		if (pfx.addr[i / 8] & (0x80u >> (i % 8)))
			return -EINVAL;
	if (policy->n_trusted >= SIP_AUTH_POLICY_TRUSTED_MAX)
		return -ENOSPC;
	policy->trusted[policy->n_trusted++] = pfx;
	return 0;
}

static bool
policy_prefix_match(const struct sip_auth_prefix *pfx, const uint8_t *addr)
{
	unsigned int full = pfx->bits / 8, rest = pfx->bits % 8;
	uint8_t mask;

	if (memcmp(pfx->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xffu << (8 - rest));
	return (pfx->addr[full] & mask) == (addr[full] & mask);
}

bool
sip_auth_policy_trusted(const struct sip_auth_policy *policy,
		const struct sockaddr *src)
{
	const struct sockaddr_in6 *s6;
	const uint8_t *addr;
	sa_family_t family;
	unsigned int i;

	if (src == NULL)
		return false;
	if (src->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const uint8_t *)&((const struct sockaddr_in *)src)->sin_addr;
	} else if (src->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)src;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			family = AF_INET;
			addr = &s6->sin6_addr.s6_addr[12];
		} else {
			family = AF_INET6;
			addr = s6->sin6_addr.s6_addr;
		}
	} else {
		return false;
	}
	for (i = 0; i < policy->n_trusted; i++)
		if (policy->trusted[i].family == family &&
		    policy_prefix_match(&policy->trusted[i], addr))
			return true;
	return false;
}

bool
sip_auth_policy_requires(const struct sip_auth_policy *policy,
		struct dg_pl method, const struct sockaddr *src)
{
	int bit = policy_method_bit(method);

	if (bit < 0 || !(policy->methods & (1u << bit)))
		return false;
	return !sip_auth_policy_trusted(policy, src);
}
