/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HA1 cache: a chained hash table of entries, each one allocation
 * holding the user record and its two names.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sip_auth_cache.h"

struct cache_entry {
	struct cache_entry *next;
	uint64_t hash;
	uint64_t fetched_ms;
	bool present;
	struct sip_auth_user user;	/* names point into names[] */
	size_t size;
	char names[];
};

struct sip_auth_cache {
	struct cache_entry **buckets;
	size_t mask;
	size_t n;
	uint32_t max;
	uint64_t ttl_ms;
};

static uint64_t
cache_hash(struct dg_pl user, struct dg_pl realm)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < user.len; i++)
		h = (h ^ (uint8_t)user.p[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (i = 0; i < realm.len; i++)
		h = (h ^ (uint8_t)realm.p[i]) * 0x100000001b3ull;
	return h;
}

int
sip_auth_cache_create(struct sip_auth_cache **out, uint32_t max_entries,
		uint64_t ttl_ms)
{
	struct sip_auth_cache *c;
	size_t nb;

	if (max_entries == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	for (nb = 16; nb < max_entries && nb < (1u << 20); nb <<= 1)
		;
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->mask = nb - 1;
	c->max = max_entries;
	c->ttl_ms = ttl_ms;
	*out = c;
	return 0;
}

static void
cache_entry_free(struct cache_entry *e)
{
	explicit_bzero(e, e->size);
	free(e);
}

/* Drop entries: the stale ones, or all when all is true. */
static void
cache_prune(struct sip_auth_cache *c, uint64_t now_ms, bool all)
{
	struct cache_entry **pp, *e;
	size_t i;

	for (i = 0; i <= c->mask; i++) {
		pp = &c->buckets[i];
		while ((e = *pp) != NULL) {
			if (all || now_ms - e->fetched_ms >= c->ttl_ms) {
				*pp = e->next;
				cache_entry_free(e);
				c->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}

void
sip_auth_cache_destroy(struct sip_auth_cache *c)
{
	if (c == NULL)
		return;
	cache_prune(c, 0, true);
	free(c->buckets);
	free(c);
}

static struct cache_entry **
cache_link(struct sip_auth_cache *c, struct dg_pl user, struct dg_pl realm,
		uint64_t hash)
{
	struct cache_entry **pp, *e;

	for (pp = &c->buckets[hash & c->mask]; (e = *pp) != NULL; pp = &e->next)
		if (e->hash == hash && dg_pl_eq(e->user.username, user) &&
				dg_pl_eq(e->user.realm, realm))
			return pp;
	return pp;
}

enum sip_auth_cache_state
sip_auth_cache_get(struct sip_auth_cache *c, struct dg_pl username,
		struct dg_pl realm, uint64_t now_ms, const struct sip_auth_user **user)
{
	struct cache_entry *e;

	e = *cache_link(c, username, realm, cache_hash(username, realm));
	if (e == NULL || now_ms - e->fetched_ms >= c->ttl_ms)
		return SIP_AUTH_CACHE_MISS;
	if (!e->present)
		return SIP_AUTH_CACHE_ABSENT;
	if (user != NULL)
		*user = &e->user;
	return SIP_AUTH_CACHE_FOUND;
}

int
sip_auth_cache_put(struct sip_auth_cache *c, struct dg_pl username,
		struct dg_pl realm, const uint8_t *ha1_md5,
		const uint8_t *ha1_sha256, uint64_t now_ms)
{
	uint64_t hash = cache_hash(username, realm);
	struct cache_entry **pp, *e, *old;
	size_t size;

	if (username.len == 0 || realm.len == 0 ||
			username.len > SIP_AUTH_USERS_NAME_MAX ||
			realm.len > SIP_AUTH_USERS_NAME_MAX)
		return -EINVAL;
	size = sizeof(*e) + username.len + realm.len;
	e = calloc(1, size);
	if (e == NULL)
		return -ENOMEM;
	e->size = size;
	e->hash = hash;
	e->fetched_ms = now_ms;
	e->present = ha1_md5 != NULL && ha1_sha256 != NULL;
	memcpy(e->names, username.p, username.len);
	memcpy(e->names + username.len, realm.p, realm.len);
	e->user.username = (struct dg_pl){ e->names, username.len };
	e->user.realm = (struct dg_pl){ e->names + username.len, realm.len };
	if (e->present) {
		memcpy(e->user.ha1_md5, ha1_md5, sizeof(e->user.ha1_md5));
		memcpy(e->user.ha1_sha256, ha1_sha256,
			sizeof(e->user.ha1_sha256));
	}
	pp = cache_link(c, username, realm, hash);
	old = *pp;
	if (old != NULL) {
		e->next = old->next;
		*pp = e;
		cache_entry_free(old);
		return 0;
	}
	if (c->n >= c->max) {
		cache_prune(c, now_ms, false);
		if (c->n >= c->max)
			cache_prune(c, now_ms, true);
		pp = cache_link(c, username, realm, hash);
	}
	*pp = e;
	c->n++;
	return 0;
}

const struct sip_auth_user *
sip_auth_cache_find(void *arg, struct dg_pl username, struct dg_pl realm)
{
	struct sip_auth_cache *c = arg;
	struct cache_entry *e;

	e = *cache_link(c, username, realm, cache_hash(username, realm));
	return e != NULL && e->present ? &e->user : NULL;
}

size_t
sip_auth_cache_count(const struct sip_auth_cache *c)
{
	return c->n;
}
