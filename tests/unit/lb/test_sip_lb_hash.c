/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's hashing: SipHash-2-4 gives the reference vectors of its
 * paper, and the rendezvous choice spreads Call-IDs evenly, follows the
 * weights, and when one of N edges goes away moves only the Call-IDs that
 * edge had (about 1/N of them) while every other Call-ID stays put.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sip_lb_hash.h"

#define N_KEYS 20000

static uint64_t
callid_hash(unsigned int i)
{
	char cid[64];
	int n;

	n = snprintf(cid, sizeof(cid), "%u-%u@192.0.2.%u", i * 7919u, i,
		i % 250);
	return sip_lb_siphash(&sip_lb_key_callid, cid, (size_t)n);
}

static void
nodes_init(struct sip_lb_hrw_node *nodes, unsigned int n)
{
	char name[32];
	unsigned int i;
	int len;

	for (i = 0; i < n; i++) {
		len = snprintf(name, sizeof(name), "10.0.0.%u:5060", i + 1);
		nodes[i].id = sip_lb_siphash(&sip_lb_key_callid, name,
			(size_t)len);
		nodes[i].weight = 1;
		nodes[i].eligible = true;
	}
}

/* SipHash-2-4, key 00..0f, messages 00..(len-1): the paper's vectors. */
static void
test_siphash_vectors(void **state)
{
	struct sip_lb_key key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint8_t msg[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(sip_lb_siphash(&key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(sip_lb_siphash(&key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(sip_lb_siphash(&key, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(sip_lb_siphash(&key, msg, 15) == 0xa129ca6149be45e5ull);
}

/* Removing one of N edges moves exactly its keys, about 1/N of all. */
static void
test_hrw_remove_moves_only_its_keys(void **state)
{
	static int before[N_KEYS];
	struct sip_lb_hrw_node nodes[5];
	unsigned int n, gone, i, moved;

	(void)state;
	for (n = 2; n <= 5; n++) {
		for (gone = 0; gone < n; gone++) {
			nodes_init(nodes, n);
			for (i = 0; i < N_KEYS; i++)
				before[i] = sip_lb_hrw_pick(nodes, n,
					callid_hash(i));
			nodes[gone].eligible = false;
			moved = 0;
			for (i = 0; i < N_KEYS; i++) {
				int after = sip_lb_hrw_pick(nodes, n,
					callid_hash(i));

				assert_true(after >= 0 && after != (int)gone);
				if (before[i] == (int)gone) {
					moved++;
					continue;
				}
				assert_int_equal(after, before[i]);
			}
			/* 1/N of the keys within 15 %. */
			assert_true(moved * n * 100 > N_KEYS * 85u);
			assert_true(moved * n * 100 < N_KEYS * 115u);
		}
	}
}

/* An edge coming back takes back exactly the keys it had. */
static void
test_hrw_return_restores(void **state)
{
	struct sip_lb_hrw_node nodes[3];
	unsigned int i;

	(void)state;
	nodes_init(nodes, 3);
	for (i = 0; i < N_KEYS; i += 7) {
		int a = sip_lb_hrw_pick(nodes, 3, callid_hash(i)), b;

		nodes[1].eligible = false;
		(void)sip_lb_hrw_pick(nodes, 3, callid_hash(i));
		nodes[1].eligible = true;
		b = sip_lb_hrw_pick(nodes, 3, callid_hash(i));
		assert_int_equal(a, b);
	}
}

/* Equal weights share evenly; weight 3 takes about three shares. */
static void
test_hrw_weights(void **state)
{
	struct sip_lb_hrw_node nodes[3];
	unsigned int count[3] = { 0 }, i;

	(void)state;
	nodes_init(nodes, 3);
	for (i = 0; i < N_KEYS; i++)
		count[sip_lb_hrw_pick(nodes, 3, callid_hash(i))]++;
	for (i = 0; i < 3; i++)
		assert_true(count[i] > N_KEYS / 3 * 90 / 100 &&
			count[i] < N_KEYS / 3 * 110 / 100);
	nodes[2].weight = 3;
	memset(count, 0, sizeof(count));
	for (i = 0; i < N_KEYS; i++)
		count[sip_lb_hrw_pick(nodes, 3, callid_hash(i))]++;
	/* Shares 1:1:3 of 5. */
	assert_true(count[2] > N_KEYS * 3 / 5 * 90 / 100 &&
		count[2] < N_KEYS * 3 / 5 * 110 / 100);
	assert_true(count[0] > N_KEYS / 5 * 85 / 100 &&
		count[0] < N_KEYS / 5 * 115 / 100);
}

/* No eligible node: -ENOENT; the pick is a pure function of its input. */
static void
test_hrw_none_and_stable(void **state)
{
	struct sip_lb_hrw_node nodes[3];
	uint64_t k = callid_hash(42);

	(void)state;
	nodes_init(nodes, 3);
	assert_int_equal(sip_lb_hrw_pick(nodes, 3, k),
		sip_lb_hrw_pick(nodes, 3, k));
	nodes[0].eligible = nodes[1].eligible = nodes[2].eligible = false;
	assert_int_equal(sip_lb_hrw_pick(nodes, 3, k), -ENOENT);
	assert_int_equal(sip_lb_hrw_pick(nodes, 0, k), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_hrw_remove_moves_only_its_keys),
		cmocka_unit_test(test_hrw_return_restores),
		cmocka_unit_test(test_hrw_weights),
		cmocka_unit_test(test_hrw_none_and_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
