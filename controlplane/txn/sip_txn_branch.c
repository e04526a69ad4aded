/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Via branches (RFC 3261 section 8.1.1.7): the magic cookie followed by a
 * part unique in space and time. The random part comes from a generator
 * seeded once per process from the kernel; a counter beside it keeps every
 * branch of one process distinct even if the generator repeated. Hashed
 * branches (a stateless proxy's, the same for a retransmitted request) key
 * their hash with the same per-process secret so peers cannot predict them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sip_txn.h"

static struct {
	bool seeded;
	uint64_t state;
	uint64_t key[2];
	uint32_t counter;
} branch_rng;

static void
branch_seed(void)
{
	uint64_t s[3];
	struct timespec ts;

	if (branch_rng.seeded)
		return;
	if (getrandom(s, sizeof(s), 0) != (ssize_t)sizeof(s)) {
		/* Only uniqueness matters when the kernel has no entropy yet. */
		clock_gettime(CLOCK_REALTIME, &ts);
		s[0] = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		s[1] = s[0] ^ 0x6a09e667f3bcc909ull ^ (uint64_t)(uintptr_t)&ts;
		s[2] = s[1] * 0x9e3779b97f4a7c15ull;
	}
	branch_rng.state = s[0];
	branch_rng.key[0] = s[1];
	branch_rng.key[1] = s[2];
	branch_rng.seeded = true;
}

/* splitmix64: a full-period generator with well-mixed output. */
static uint64_t
branch_next(void)
{
	uint64_t z;

	branch_rng.state += 0x9e3779b97f4a7c15ull;
	z = branch_rng.state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int
sip_txn_branch_new(char *buf, size_t cap)
{
	uint64_t r;

	if (cap < SIP_TXN_BRANCH_MAX)
		return -ENOSPC;
	branch_seed();
	r = branch_next();
	return snprintf(buf, cap, SIP_TXN_BRANCH_COOKIE "%016llx%08x",
			(unsigned long long)r, branch_rng.counter++);
}

static uint64_t
keyed_hash(uint64_t key, const struct dg_pl *parts, unsigned int n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ key;
	unsigned int i;
	size_t j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < parts[i].len; j++) {
			h ^= (uint8_t)parts[i].p[j];
			h *= 0x100000001b3ull;
		}
		/* A separator, so ("ab","c") and ("a","bc") differ. */
		h ^= 0x100 + i;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

int
sip_txn_branch_hash(char *buf, size_t cap, const struct dg_pl *parts,
		unsigned int n)
{
	if (cap < SIP_TXN_BRANCH_MAX)
		return -ENOSPC;
	branch_seed();
	return snprintf(buf, cap, SIP_TXN_BRANCH_COOKIE "h%016llx%016llx",
			(unsigned long long)keyed_hash(branch_rng.key[0],
				parts, n),
			(unsigned long long)keyed_hash(branch_rng.key[1],
				parts, n));
}
