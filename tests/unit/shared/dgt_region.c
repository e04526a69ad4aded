/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test stand-in for drongo-dp's handling of the region (see dgt_region.h):
 * it uses the same layout code and ring functions drongo-dp uses, so the
 * client is tested against the real ABI, not an imitation of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dgt_region.h"

unsigned int
dgt_instance(unsigned int n)
{
	/* Far above any real instance number, distinct per test process. */
	return 1000000u + ((unsigned int)getpid() % 100000u) * 16u + n;
}

void
dgt_region_create(struct dgt_region *r, unsigned int instance,
		  unsigned int workers, uint32_t cmd_slots, uint32_t evt_slots)
{
	struct dg_shm_params p;
	unsigned int w;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	p.instance = instance;
	p.worker_count = workers;
	p.cmd_ring_slots = cmd_slots;
	p.evt_ring_slots = evt_slots;
	p.port_min = 32768;
	p.port_max = 40959;
	p.sessions_per_worker = 1000;
	p.addr_count = 1;
	p.addrs[0].family = DG_AF_INET;
	p.addrs[0].addr[0] = 192;
	p.addrs[0].addr[1] = 0;
	p.addrs[0].addr[2] = 2;
	p.addrs[0].addr[3] = 1;
	assert_int_equal(dg_shm_create(&r->reg, &p), 0);
	r->instance = instance;
	for (w = 0; w < workers; w++) {
		assert_int_equal(dg_ring_attach(&r->cmd[w], r->reg.hdr,
						r->reg.len,
						r->reg.hdr->workers[w].cmd_ring_off,
						DG_MSG_SIZE), 0);
		assert_int_equal(dg_ring_attach(&r->evt[w], r->reg.hdr,
						r->reg.len,
						r->reg.hdr->workers[w].evt_ring_off,
						DG_MSG_SIZE), 0);
	}
	dg_shm_publish(r->reg.hdr);
}

void
dgt_region_destroy(struct dgt_region *r)
{
	dg_shm_destroy(&r->reg);
}

struct dg_shm_worker_stats *
dgt_worker_stats(struct dgt_region *r, unsigned int w)
{
	return (struct dg_shm_worker_stats *)((uint8_t *)r->reg.hdr +
			r->reg.hdr->workers[w].stats_off);
}

void
dgt_alive(struct dgt_region *r)
{
	atomic_store_explicit(&r->reg.hdr->alive_ns, dg_shm_now_ns(),
			      memory_order_relaxed);
}

unsigned int
dgt_take(struct dgt_region *r, unsigned int w, struct dg_msg *m)
{
	return dg_ring_dequeue_burst(&r->cmd[w], m, 1);
}

unsigned int
dgt_put(struct dgt_region *r, unsigned int w, const struct dg_msg *m)
{
	return dg_ring_enqueue_burst(&r->evt[w], m, 1);
}

void
dgt_ack(struct dgt_region *r, unsigned int w, const struct dg_msg *cmd,
	int status)
{
	struct dg_msg a;

	memset(&a, 0, sizeof(a));
	a.hdr.type = DG_MSG_ACK;
	a.hdr.seq = cmd->hdr.seq;
	a.hdr.session_id = cmd->hdr.session_id;
	a.u.ack.status = status;
	a.u.ack.cmd_type = cmd->hdr.type;
	assert_int_equal(dgt_put(r, w, &a), 1);
}
