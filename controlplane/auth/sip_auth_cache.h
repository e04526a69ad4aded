/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Users' HA1s read from a shared store (Redis), kept for a short time so
 * that a phone's every REGISTER does not cost a round trip, and so that
 * the verifier (sip_auth_verify(), through its find_user hook) finds them
 * synchronously. An entry also records that a user is absent. Bounded:
 * when full, stale entries go, and if none is stale, all of them.
 * Hashes are wiped when entries go.
 */
#ifndef DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_CACHE_H
#define DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"
#include "sip_auth_users.h"

struct sip_auth_cache;

/** What the cache knows of a user now. */
enum sip_auth_cache_state {
	SIP_AUTH_CACHE_MISS,		/* unknown or stale: read the store */
	SIP_AUTH_CACHE_FOUND,
	SIP_AUTH_CACHE_ABSENT,		/* the store has no such user */
};

/**
 * Create a cache of at most max_entries users, each fresh for ttl_ms.
 *
 * @return 0, -EINVAL (max_entries 0), -ENOMEM.
 */
int sip_auth_cache_create(struct sip_auth_cache **out, uint32_t max_entries,
		uint64_t ttl_ms);

/** Free a cache, wiping its hashes; NULL is allowed. */
void sip_auth_cache_destroy(struct sip_auth_cache *c);

/**
 * What the cache knows of username@realm at now_ms.
 *
 * @param user receives the entry when FOUND (may be NULL)
 */
enum sip_auth_cache_state sip_auth_cache_get(struct sip_auth_cache *c,
		struct dg_pl username, struct dg_pl realm, uint64_t now_ms,
		const struct sip_auth_user **user);

/**
 * Record what the store said at now_ms: the two HA1s, or both NULL when
 * the user is absent.
 *
 * @return 0, -EINVAL (a name empty or longer than
 *         SIP_AUTH_USERS_NAME_MAX), -ENOMEM.
 */
int sip_auth_cache_put(struct sip_auth_cache *c, struct dg_pl username,
		struct dg_pl realm, const uint8_t *ha1_md5,
		const uint8_t *ha1_sha256, uint64_t now_ms);

/**
 * The find_user hook of struct sip_auth_conf (arg: the cache): the entry
 * whatever its age (the caller refreshed it before verifying), NULL when
 * absent or unknown.
 */
const struct sip_auth_user *sip_auth_cache_find(void *arg,
		struct dg_pl username, struct dg_pl realm);

/** Number of entries held. */
size_t sip_auth_cache_count(const struct sip_auth_cache *c);

#endif
