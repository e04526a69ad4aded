/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the region layout (dg_shm.c): port blocks and the port ->
 * worker rule, offsets inside the region, validation of a region a client
 * finds (not ready, foreign, other ABI major, offsets outside), and a new
 * generation on every creation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dg_shm.h"

static void *
layout(const struct dg_shm_params *p, size_t *len)
{
	void *mem;

	*len = dg_shm_region_size(p);
	assert_true(*len > 0);
	mem = aligned_alloc(4096, *len);
	assert_non_null(mem);
	memset(mem, 0, *len);
	assert_int_equal(dg_shm_layout(mem, *len, p), 0);
	return mem;
}

/* Aligned blocks cover the configured range; each port maps to the worker
 * whose block holds it, and ports outside the range to no worker. */
static void
test_port_blocks(void **state)
{
	struct dg_shm_params p = {
		.worker_count = 2, .port_min = 30000, .port_max = 39999,
	};
	struct dg_shm_hdr *h;
	unsigned int port, w;
	size_t len;

	(void)state;
	h = layout(&p, &len);
	assert_int_equal(h->port_base, 24576);
	assert_int_equal(h->port_shift, 13);
	assert_int_equal(h->workers[0].port_first, 30000);
	assert_int_equal(h->workers[0].port_last, 32767);
	assert_int_equal(h->workers[1].port_first, 32768);
	assert_int_equal(h->workers[1].port_last, 39999);
	assert_int_equal(dg_shm_port_worker(h, 29999), -1);
	assert_int_equal(dg_shm_port_worker(h, 40000), -1);
	for (port = 30000; port <= 39999; port++) {
		w = port <= 32767 ? 0 : 1;
		assert_int_equal(dg_shm_port_worker(h, (uint16_t)port), (int)w);
	}
	free(h);

	/* An aligned range splits evenly. */
	p.worker_count = 4;
	p.port_min = 32768;
	p.port_max = 49151;
	h = layout(&p, &len);
	assert_int_equal(h->port_shift, 12);
	for (w = 0; w < 4; w++) {
		assert_int_equal(h->workers[w].port_first, 32768 + w * 4096);
		assert_int_equal(h->workers[w].port_last, 32768 + w * 4096 + 4095);
	}
	assert_int_equal(dg_shm_port_worker(h, 45056), 3);
	free(h);

	/* Three workers on a range two blocks of 4096 would cover: blocks of
	 * 2048 so the third worker has ports too; the top stays unused. */
	p.worker_count = 3;
	p.port_min = 32768;
	p.port_max = 40959;
	h = layout(&p, &len);
	assert_int_equal(h->port_shift, 11);
	assert_int_equal(h->workers[2].port_first, 36864);
	assert_int_equal(h->workers[2].port_last, 38911);
	assert_int_equal(dg_shm_port_worker(h, 38911), 2);
	assert_int_equal(dg_shm_port_worker(h, 38912), -1);
	free(h);
}

/* Every ring and statistics block lies inside the region, cache-line
 * aligned, without overlapping the next one. */
static void
test_offsets_inside(void **state)
{
	struct dg_shm_params p = {
		.worker_count = 3, .port_min = 10000, .port_max = 20000,
		.cmd_ring_slots = 64, .evt_ring_slots = 256,
	};
	struct dg_shm_hdr *h;
	struct dg_ring_ref ref = { .ring = NULL };
	uint64_t prev_end = sizeof(*h);
	unsigned int w;
	size_t len;

	(void)state;
	h = layout(&p, &len);
	assert_int_equal(h->region_size, len);
	assert_int_equal(h->cmd_ring_slots, 64);
	assert_int_equal(h->evt_ring_slots, 256);
	for (w = 0; w < 3; w++) {
		const struct dg_shm_worker_desc *d = &h->workers[w];

		assert_true(d->cmd_ring_off >= prev_end);
		assert_true(d->evt_ring_off >= d->cmd_ring_off +
			    dg_ring_bytes(64, DG_MSG_SIZE));
		assert_true(d->stats_off >= d->evt_ring_off +
			    dg_ring_bytes(256, DG_MSG_SIZE));
		assert_int_equal(d->stats_off % DG_CACHE_LINE, 0);
		prev_end = d->stats_off + sizeof(struct dg_shm_worker_stats);
		assert_int_equal(dg_ring_attach(&ref, h, len, d->cmd_ring_off,
						DG_MSG_SIZE), 0);
		assert_int_equal(dg_ring_capacity(&ref), 64);
		assert_int_equal(dg_ring_attach(&ref, h, len, d->evt_ring_off,
						DG_MSG_SIZE), 0);
		assert_int_equal(dg_ring_capacity(&ref), 256);
	}
	assert_true(h->main_stats_off >= prev_end);
	assert_true(h->main_stats_off + sizeof(struct dg_shm_main_stats) <= len);
	free(h);
}

/* Parameters that cannot make a region are refused. */
static void
test_bad_params(void **state)
{
	struct dg_shm_params p = {
		.worker_count = 0, .port_min = 30000, .port_max = 39999,
	};
	uint8_t mem[8192];
	size_t len;
	void *big;

	(void)state;
	assert_int_equal(dg_shm_region_size(&p), 0);
	p.worker_count = DG_SHM_MAX_WORKERS + 1;
	assert_int_equal(dg_shm_region_size(&p), 0);
	p.worker_count = 2;
	p.port_min = 40000;
	assert_int_equal(dg_shm_region_size(&p), 0);
	p.port_min = 30000;
	p.cmd_ring_slots = 1000;
	assert_int_equal(dg_shm_region_size(&p), 0);
	p.cmd_ring_slots = 0;
	assert_int_equal(dg_shm_layout(mem, sizeof(mem), &p), -ENOSPC);
	/* Three ports for four workers: some worker would have no pair. */
	p.worker_count = 4;
	p.port_min = 30000;
	p.port_max = 30002;
	len = dg_shm_region_size(&p);
	big = calloc(1, len);
	assert_non_null(big);
	assert_int_equal(dg_shm_layout(big, len, &p), -EINVAL);
	free(big);
}

/* What a client checks: INIT and zero are "not yet", other magic and
 * offsets outside the mapping are refused, another ABI major is named. */
static void
test_check(void **state)
{
	struct dg_shm_params p = {
		.worker_count = 2, .port_min = 30000, .port_max = 39999,
	};
	struct dg_shm_hdr *h;
	size_t len;

	(void)state;
	h = layout(&p, &len);
	assert_int_equal(dg_shm_check(h, len), -EAGAIN);
	dg_shm_publish(h);
	assert_int_equal(dg_shm_check(h, len), 0);
	assert_int_equal(dg_shm_check(h, len - 4096), -EBADMSG);
	h->abi_major = DG_SHM_ABI_MAJOR + 1;
	assert_int_equal(dg_shm_check(h, len), -EPROTO);
	h->abi_major = DG_SHM_ABI_MAJOR;
	h->abi_minor = DG_SHM_ABI_MINOR + 7;
	assert_int_equal(dg_shm_check(h, len), 0);
	h->workers[1].evt_ring_off = len - 64;
	assert_int_equal(dg_shm_check(h, len), -EBADMSG);
	h->workers[1].evt_ring_off = h->workers[1].cmd_ring_off;
	h->worker_count = DG_SHM_MAX_WORKERS + 1;
	assert_int_equal(dg_shm_check(h, len), -EBADMSG);
	h->worker_count = 2;
	h->magic = 0x1234;
	assert_int_equal(dg_shm_check(h, len), -EBADMSG);
	h->magic = 0;
	assert_int_equal(dg_shm_check(h, len), -EAGAIN);
	free(h);
}

/* All DG_SHM_MAX_ADDRS_ALL relay addresses reach a client in order (the
 * ones past DG_SHM_MAX_ADDRS in addrs_more); one more is refused. */
static void
test_many_addresses(void **state)
{
	struct dg_shm_params p = {
		.worker_count = 1, .port_min = 1024, .port_max = 65535,
	};
	struct dg_shm_hdr *h;
	size_t len;
	uint32_t i;

	(void)state;
	p.addr_count = DG_SHM_MAX_ADDRS_ALL;
	for (i = 0; i < DG_SHM_MAX_ADDRS_ALL; i++) {
		p.addrs[i].family = DG_AF_INET;
		p.addrs[i].addr[0] = 10;
		p.addrs[i].addr[3] = (uint8_t)(i + 1);
	}
	h = layout(&p, &len);
	dg_shm_publish(h);
	assert_int_equal(dg_shm_check(h, len), 0);
	assert_int_equal(h->addr_count, DG_SHM_MAX_ADDRS_ALL);
	for (i = 0; i < DG_SHM_MAX_ADDRS_ALL; i++) {
		assert_int_equal(dg_shm_addr_at(h, i)->family, DG_AF_INET);
		assert_int_equal(dg_shm_addr_at(h, i)->addr[3], i + 1);
	}
	h->addr_count = DG_SHM_MAX_ADDRS_ALL + 1;
	assert_int_equal(dg_shm_check(h, len), -EBADMSG);
	free(h);
	p.addr_count = DG_SHM_MAX_ADDRS_ALL + 1;
	assert_int_equal(dg_shm_region_size(&p), 0);
}

/* Each creation of an instance's region has a new generation. */
static void
test_generation_changes(void **state)
{
	struct dg_shm_params p = {
		.instance = 1000000u + (unsigned int)getpid() % 100000u,
		.worker_count = 1, .port_min = 30000, .port_max = 30999,
	};
	struct dg_shm_region r1, r2;
	uint64_t g1;

	(void)state;
	assert_int_equal(dg_shm_create(&r1, &p), 0);
	g1 = r1.hdr->generation;
	assert_true(g1 != 0);
	/* Restart after a crash: the old region is still there. */
	assert_int_equal(dg_shm_create(&r2, &p), 0);
	assert_true(r2.hdr->generation != g1);
	(void)munmap(r1.hdr, r1.len);
	g1 = r2.hdr->generation;
	/* Restart after a clean exit: the old region is gone. */
	dg_shm_destroy(&r2);
	assert_int_equal(dg_shm_create(&r1, &p), 0);
	assert_true(r1.hdr->generation != g1);
	dg_shm_destroy(&r1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_blocks),
		cmocka_unit_test(test_offsets_inside),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_many_addresses),
		cmocka_unit_test(test_generation_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
