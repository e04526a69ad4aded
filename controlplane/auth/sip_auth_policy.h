/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which requests the edge challenges. The routing layer fills one policy
 * per realm: the methods that need credentials (for example REGISTER and
 * INVITE from users) and the source prefixes of trusted peers (trunks,
 * other edges) whose requests are never challenged. IPv4 prefixes also
 * match IPv4-mapped IPv6 sources, as a dual-stack socket reports them.
 */
#ifndef DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_POLICY_H
#define DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"

/** Most trusted prefixes per policy. */
#define SIP_AUTH_POLICY_TRUSTED_MAX 64

/** Longest realm a policy holds, terminator included. */
#define SIP_AUTH_POLICY_REALM_MAX 128

/** One trusted prefix. */
struct sip_auth_prefix {
	sa_family_t family;	/* AF_INET or AF_INET6 */
	uint8_t bits;		/* prefix length */
	uint8_t addr[16];	/* network byte order, host bits zero */
};

/** What needs authentication in one realm. */
struct sip_auth_policy {
	char realm[SIP_AUTH_POLICY_REALM_MAX];
	uint32_t methods;	/* bit per method, see sip_auth_policy_add_method() */
	unsigned int n_trusted;
	struct sip_auth_prefix trusted[SIP_AUTH_POLICY_TRUSTED_MAX];
};

/**
 * Start an empty policy (nothing challenged, nothing trusted).
 *
 * @return 0, -EINVAL when realm is empty or too long.
 */
int sip_auth_policy_init(struct sip_auth_policy *policy, const char *realm);

/**
 * Require credentials for a method (REGISTER, INVITE, MESSAGE, SUBSCRIBE,
 * NOTIFY, OPTIONS, REFER, PUBLISH, INFO, UPDATE, PRACK, BYE; upper case).
 * ACK and CANCEL cannot be challenged (RFC 3261 §22.1) and are refused.
 *
 * @return 0, -EINVAL for an unknown method, ACK or CANCEL.
 */
int sip_auth_policy_add_method(struct sip_auth_policy *policy,
		const char *method);

/**
 * Trust a source prefix: "192.0.2.0/24", "2001:db8::/32", or an address
 * alone (a /32 or /128). Host bits set beyond the prefix are refused so
 * that a typo is not silently widened.
 *
 * @return 0, -EINVAL for a malformed prefix, -ENOSPC when full.
 */
int sip_auth_policy_add_trusted(struct sip_auth_policy *policy,
		const char *cidr);

/** True when src falls in a trusted prefix. */
bool sip_auth_policy_trusted(const struct sip_auth_policy *policy,
		const struct sockaddr *src);

/**
 * True when a request of this method from src must carry valid
 * credentials: the method is listed and the source is not trusted.
 */
bool sip_auth_policy_requires(const struct sip_auth_policy *policy,
		struct dg_pl method, const struct sockaddr *src);

#endif
