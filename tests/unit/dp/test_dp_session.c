/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table under churn: a bounded run of random creates (given
 * and allocated ports), deletes, updates and lookups checked step by step
 * against a plain reference model; plus the port pool's limits and a
 * worker with the most relay addresses.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_test_util.h"

#define CAP 128u
#define PORT_FIRST 30000u
#define PORT_LAST 30511u
#define IDS 400u

struct model {
	bool live;
	uint16_t ports[2][2];
};

static struct model ref[IDS + 1];

static void
mk_msg(struct dg_msg_session *ms, uint16_t given)
{
	int i;

	memset(ms, 0, sizeof(*ms));
	for (i = 0; i < 2; i++) {
		ms->leg[i].relay_family = DG_AF_INET;
		inet_pton(AF_INET, "10.0.0.1", ms->leg[i].relay_addr);
	}
	ms->leg[0].relay_rtp_port = given;
	ms->leg[1].flags = DG_LEG_F_RTCP_MUX;
}

static struct dp_session_table *
mk_table(uint32_t cap)
{
	struct dp_session_table *t;
	struct dp_session_conf sc;

	memset(&sc, 0, sizeof(sc));
	sc.capacity = cap;
	sc.port_first = PORT_FIRST;
	sc.port_last = PORT_LAST;
	sc.addr_count = 1;
	sc.addrs[0].family = 4;
	inet_pton(AF_INET, "10.0.0.1", sc.addrs[0].addr);
	sc.socket_id = SOCKET_ID_ANY;
	assert_int_equal(dp_session_table_create(&t, &sc), 0);
	return t;
}

/* Every port the model holds maps to its session in the port map, and no
 * other port maps to anything. */
static void
check_ports(struct dp_session_table *t)
{
	uint32_t key, e, n = 0, id;
	uint16_t port;
	int leg, k;

	for (port = PORT_FIRST; port <= PORT_LAST; port++) {
		key = dp_session_key(0, port);
		dp_session_lookup_bulk(t, &key, 1, &e);
		if (e != 0)
			n++;
	}
	for (id = 1; id <= IDS; id++) {
		if (!ref[id].live)
			continue;
		for (leg = 0; leg < 2; leg++)
			for (k = 0; k < 2; k++) {
				key = dp_session_key(0, ref[id].ports[leg][k]);
				dp_session_lookup_bulk(t, &key, 1, &e);
				assert_int_not_equal(e, 0);
				assert_int_equal(t->rec[DP_PORTMAP_REC(e)].id,
						 id);
				assert_int_equal(DP_PORTMAP_LEG(e), leg);
			}
		n -= 3;		/* leg 0: RTP + RTCP, leg 1: mux */
	}
	assert_int_equal(n, 0);
	assert_int_equal(t->ports_in_use, t->count * 3);
}

/* Random operations agree with the reference model at every step. */
static void
test_churn(void **state)
{
	struct dp_session_table *t = mk_table(CAP);
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint32_t step, id, live = 0;
	uint16_t given;
	int err, op;

	(void)state;
	memset(ref, 0, sizeof(ref));
	srand(12345);
	for (step = 0; step < 20000; step++) {
		id = 1 + (uint32_t)rand() % IDS;
		op = rand() % 4;
		if (op <= 1) {
			given = 0;
			if (op == 1)
				given = (uint16_t)(PORT_FIRST +
					(uint32_t)rand() % 512);
			mk_msg(&ms, given);
			err = dp_session_create(t, id, &ms, 1, p);
			if (ref[id].live) {
				assert_int_equal(err, -EEXIST);
			} else if (err == 0) {
				assert_true(live < CAP);
				ref[id].live = true;
				ref[id].ports[0][0] = p[0].rtp;
				ref[id].ports[0][1] = p[0].rtcp;
				ref[id].ports[1][0] = p[1].rtp;
				ref[id].ports[1][1] = p[1].rtcp;
				assert_int_equal(p[1].rtp, p[1].rtcp);
				if (given != 0)
					assert_int_equal(p[0].rtp, given);
				live++;
			} else {
				assert_true(err == -ENOMEM || err == -ENOSPC ||
					    err == -EADDRINUSE ||
					    err == -EXDEV);
				if (err == -ENOMEM)
					assert_int_equal(live, CAP);
				if (err == -EXDEV)
					assert_int_equal(given, PORT_LAST);
			}
		} else if (op == 2) {
			err = dp_session_delete(t, id);
			assert_int_equal(err, ref[id].live ? 0 : -ENOENT);
			if (ref[id].live)
				live--;
			ref[id].live = false;
		} else {
			mk_msg(&ms, 0);
			err = dp_session_update(t, id, &ms, 2, p);
			assert_int_equal(err, ref[id].live ? 0 : -ENOENT);
			if (err == 0)
				assert_int_equal(p[0].rtp, ref[id].ports[0][0]);
		}
		assert_int_equal(t->count, live);
		assert_int_equal(dp_session_find(t, id) != NULL, ref[id].live);
		if (step % 1000 == 0)
			check_ports(t);
	}
	for (id = 1; id <= IDS; id++)
		assert_int_equal(dp_session_find(t, id) != NULL, ref[id].live);
	check_ports(t);
	assert_int_equal(dp_session_flush(t), live);
	assert_int_equal(t->ports_in_use, 0);
	dp_session_table_free(t);
}

/* The pool runs dry with -ENOSPC and refills after a delete; a port of
 * another block is -EXDEV; a taken port is -EADDRINUSE. */
static void
test_port_pool(void **state)
{
	struct dp_session_table *t = mk_table(1000);
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint64_t id;
	int err = 0;

	(void)state;
	/* Each session takes 3 ports of 512: 170 fit by pairs, at most. */
	for (id = 1; id < 1000; id++) {
		mk_msg(&ms, 0);
		err = dp_session_create(t, id, &ms, 1, p);
		if (err != 0)
			break;
	}
	assert_int_equal(err, -ENOSPC);
	assert_true(id > 100);
	assert_int_equal(dp_session_delete(t, 1), 0);
	mk_msg(&ms, 0);
	assert_int_equal(dp_session_create(t, 5000, &ms, 1, p), 0);
	mk_msg(&ms, 40000);
	assert_int_equal(dp_session_create(t, 5001, &ms, 1, p), -EXDEV);
	mk_msg(&ms, p[0].rtp);
	assert_int_equal(dp_session_create(t, 5001, &ms, 1, p), -EADDRINUSE);
	dp_session_table_free(t);
}

/* With DP_ADDR_MAX relay addresses (IPv4, an IPv6 one among them) every
 * address is found at its own index through the per-packet hash, others
 * are not, and a session on the last address gets ports there. */
static void
test_many_addresses(void **state)
{
	struct dp_session_table *t;
	struct dp_session_conf sc;
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	uint8_t a[4];
	uint32_t i, key, e;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 16;
	sc.port_first = PORT_FIRST;
	sc.port_last = PORT_LAST;
	sc.addr_count = DP_ADDR_MAX;
	for (i = 0; i < DP_ADDR_MAX; i++) {
		sc.addrs[i].family = 4;
		sc.addrs[i].addr[0] = 10;
		sc.addrs[i].addr[1] = 99;
		sc.addrs[i].addr[2] = (uint8_t)(i / 8);
		sc.addrs[i].addr[3] = (uint8_t)(1 + i % 8);
	}
	sc.addrs[5].family = 6;
	inet_pton(AF_INET6, "fd00::5", sc.addrs[5].addr);
	sc.socket_id = SOCKET_ID_ANY;
	assert_int_equal(dp_session_table_create(&t, &sc), 0);
	for (i = 0; i < DP_ADDR_MAX; i++)
		assert_int_equal(dp_session_addr4_index(t, sc.addrs[i].addr),
				 i == 5 ? -1 : (int)i);
	for (i = 0; i < 256; i++) {
		a[0] = 10;
		a[1] = 99;
		a[2] = (uint8_t)(DP_ADDR_MAX / 8 + i / 8);
		a[3] = (uint8_t)i;
		assert_int_equal(dp_session_addr4_index(t, a), -1);
	}
	memset(&ms, 0, sizeof(ms));
	for (i = 0; i < 2; i++) {
		ms.leg[i].relay_family = DG_AF_INET;
		memcpy(ms.leg[i].relay_addr, sc.addrs[DP_ADDR_MAX - 1].addr, 4);
		ms.leg[i].flags = DG_LEG_F_RTCP_MUX;
	}
	assert_int_equal(dp_session_create(t, 7, &ms, 1, p), 0);
	for (i = 0; i < 2; i++) {
		key = dp_session_key(DP_ADDR_MAX - 1, p[i].rtp);
		dp_session_lookup_bulk(t, &key, 1, &e);
		assert_int_equal(t->rec[DP_PORTMAP_REC(e)].id, 7);
		assert_int_equal(DP_PORTMAP_LEG(e), i);
		key = dp_session_key(0, p[i].rtp);
		dp_session_lookup_bulk(t, &key, 1, &e);
		assert_int_equal(e, 0);
	}
	dp_session_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_port_pool),
		cmocka_unit_test(test_many_addresses),
	};

	if (dpt_eal_init("dgdp-unit-session") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
