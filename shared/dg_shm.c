/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creation, layout and validation of the shared-memory region (dg_shm.h).
 * drongo-dp lays the region out with these functions and clients check it
 * with dg_shm_check before trusting a single offset, so both sides agree on
 * the layout by construction and a corrupt or foreign region is refused
 * instead of followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dg_shm.h"

#define DG_SHM_PAGE 4096u

static uint64_t
dg_shm_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

uint64_t
dg_shm_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t
dg_shm_slots(uint32_t v, uint32_t def)
{
	return v != 0 ? v : def;
}

static int
dg_shm_params_ok(const struct dg_shm_params *p)
{
	return p->worker_count >= 1 && p->worker_count <= DG_SHM_MAX_WORKERS &&
		p->port_min != 0 && p->port_min < p->port_max &&
		p->addr_count <= DG_SHM_MAX_ADDRS_ALL &&
		dg_ring_layout_ok(dg_shm_slots(p->cmd_ring_slots,
					       DG_SHM_CMD_SLOTS_DEFAULT),
				  DG_MSG_SIZE) &&
		dg_ring_layout_ok(dg_shm_slots(p->evt_ring_slots,
					       DG_SHM_EVT_SLOTS_DEFAULT),
				  DG_MSG_SIZE);
}

/* Bytes of one worker's part: command ring, event ring, statistics. */
static uint64_t
dg_shm_worker_bytes(uint32_t cmd_slots, uint32_t evt_slots)
{
	return dg_shm_align(dg_ring_bytes(cmd_slots, DG_MSG_SIZE), DG_SHM_PAGE) +
		dg_shm_align(dg_ring_bytes(evt_slots, DG_MSG_SIZE), DG_SHM_PAGE) +
		dg_shm_align(sizeof(struct dg_shm_worker_stats), DG_SHM_PAGE);
}

size_t
dg_shm_region_size(const struct dg_shm_params *p)
{
	uint32_t cmd, evt;

	if (!dg_shm_params_ok(p))
		return 0;
	cmd = dg_shm_slots(p->cmd_ring_slots, DG_SHM_CMD_SLOTS_DEFAULT);
	evt = dg_shm_slots(p->evt_ring_slots, DG_SHM_EVT_SLOTS_DEFAULT);
	return dg_shm_align(sizeof(struct dg_shm_hdr), DG_SHM_PAGE) +
		p->worker_count * dg_shm_worker_bytes(cmd, evt) +
		dg_shm_align(sizeof(struct dg_shm_main_stats), DG_SHM_PAGE);
}

/* Whether every worker's block of 2^s ports from @p base holds a pair. */
static bool
dg_shm_blocks_ok(const struct dg_shm_params *p, uint32_t base, uint32_t s)
{
	uint32_t first = base + ((p->worker_count - 1) << s);

	if (first < p->port_min)
		first = p->port_min;
	return first + 1 <= p->port_max;
}

/*
 * Block size: the smallest aligned one whose worker_count blocks, from
 * port_min rounded down to it, reach port_max while each worker still gets
 * a port pair; when covering would leave the last worker empty (a worker
 * count that is not a power of two), the largest that gives every worker a
 * pair, leaving the top of the range unused.
 */
static int
dg_shm_port_blocks(const struct dg_shm_params *p, uint16_t *base,
		   uint8_t *shift)
{
	uint32_t s, b;
	int best = -1;

	for (s = 1; s <= 16; s++) {
		b = p->port_min & ~((1u << s) - 1);
		if (!dg_shm_blocks_ok(p, b, s))
			continue;
		best = (int)s;
		if (b + ((uint64_t)p->worker_count << s) - 1 >= p->port_max)
			break;
	}
	if (best < 0)
		return -EINVAL;
	*base = (uint16_t)(p->port_min & ~((1u << best) - 1));
	*shift = (uint8_t)best;
	return 0;
}

int
dg_shm_layout(void *mem, size_t len, const struct dg_shm_params *p)
{
	struct dg_shm_hdr *hdr = mem;
	uint32_t cmd, evt, w, first, last;
	struct timespec ts;
	uint64_t off;
	size_t need;
	int err;

	need = dg_shm_region_size(p);
	if (need == 0)
		return -EINVAL;
	if (len < need)
		return -ENOSPC;
	cmd = dg_shm_slots(p->cmd_ring_slots, DG_SHM_CMD_SLOTS_DEFAULT);
	evt = dg_shm_slots(p->evt_ring_slots, DG_SHM_EVT_SLOTS_DEFAULT);

	atomic_store_explicit(&hdr->state, DG_SHM_STATE_INIT,
			      memory_order_relaxed);
	hdr->abi_major = DG_SHM_ABI_MAJOR;
	hdr->abi_minor = DG_SHM_ABI_MINOR;
	hdr->hdr_size = sizeof(*hdr);
	hdr->region_size = need;
	hdr->generation = p->generation;
	hdr->instance = p->instance;
	hdr->dp_pid = (uint32_t)getpid();
	hdr->worker_count = p->worker_count;
	hdr->cmd_ring_slots = cmd;
	hdr->evt_ring_slots = evt;
	hdr->msg_size = DG_MSG_SIZE;
	hdr->port_min = p->port_min;
	hdr->port_max = p->port_max;
	err = dg_shm_port_blocks(p, &hdr->port_base, &hdr->port_shift);
	if (err < 0)
		return err;
	hdr->sessions_per_worker = p->sessions_per_worker;
	hdr->worker_stats_size = sizeof(struct dg_shm_worker_stats);
	hdr->addr_count = (uint8_t)p->addr_count;
	memcpy(hdr->addrs, p->addrs, sizeof(hdr->addrs));
	memcpy(hdr->addrs_more, p->addrs + DG_SHM_MAX_ADDRS,
	       sizeof(hdr->addrs_more));

	off = dg_shm_align(sizeof(*hdr), DG_SHM_PAGE);
	for (w = 0; w < p->worker_count; w++) {
		struct dg_shm_worker_desc *d = &hdr->workers[w];

		first = hdr->port_base + (w << hdr->port_shift);
		last = first + (1u << hdr->port_shift) - 1;
		if (first < p->port_min)
			first = p->port_min;
		if (last > p->port_max)
			last = p->port_max;
		/* Every worker needs at least one RTP/RTCP pair. */
		if (first + 1 > last)
			return -EINVAL;
		d->port_first = (uint16_t)first;
		d->port_last = (uint16_t)last;
		d->lcore_id = w;
		d->cmd_ring_off = off;
		err = dg_ring_init(mem, len, off, cmd, DG_MSG_SIZE);
		if (err < 0)
			return err;
		off += dg_shm_align(dg_ring_bytes(cmd, DG_MSG_SIZE), DG_SHM_PAGE);
		d->evt_ring_off = off;
		err = dg_ring_init(mem, len, off, evt, DG_MSG_SIZE);
		if (err < 0)
			return err;
		off += dg_shm_align(dg_ring_bytes(evt, DG_MSG_SIZE), DG_SHM_PAGE);
		d->stats_off = off;
		off += dg_shm_align(sizeof(struct dg_shm_worker_stats),
				    DG_SHM_PAGE);
	}
	hdr->main_stats_off = off;
	atomic_store_explicit(&hdr->alive_ns, dg_shm_now_ns(),
			      memory_order_relaxed);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	hdr->start_realtime_ns = (uint64_t)ts.tv_sec * 1000000000ull +
		(uint64_t)ts.tv_nsec;
	hdr->magic = DG_SHM_MAGIC;
	return 0;
}

void
dg_shm_publish(struct dg_shm_hdr *hdr)
{
	atomic_store_explicit(&hdr->alive_ns, dg_shm_now_ns(),
			      memory_order_relaxed);
	atomic_store_explicit(&hdr->state, DG_SHM_STATE_READY,
			      memory_order_release);
}

static int
dg_shm_fits(uint64_t off, uint64_t bytes, size_t len)
{
	return off % DG_CACHE_LINE == 0 && off <= len && len - off >= bytes;
}

int
dg_shm_check(const struct dg_shm_hdr *hdr, size_t len)
{
	uint32_t state, w;

	if (len < sizeof(*hdr))
		return -EBADMSG;
	state = atomic_load_explicit(&hdr->state, memory_order_acquire);
	/* Between ftruncate and the end of the layout the header is zero. */
	if (hdr->magic == 0 || state == DG_SHM_STATE_INIT)
		return -EAGAIN;
	if (hdr->magic != DG_SHM_MAGIC)
		return -EBADMSG;
	if (hdr->abi_major != DG_SHM_ABI_MAJOR)
		return -EPROTO;
	if (state != DG_SHM_STATE_READY && state != DG_SHM_STATE_STOPPED)
		return -EBADMSG;
	if (hdr->hdr_size != sizeof(*hdr) || hdr->region_size > len ||
	    hdr->msg_size != DG_MSG_SIZE || hdr->worker_count == 0 ||
	    hdr->worker_count > DG_SHM_MAX_WORKERS ||
	    hdr->addr_count > DG_SHM_MAX_ADDRS_ALL || hdr->port_shift > 16 ||
	    hdr->worker_stats_size != sizeof(struct dg_shm_worker_stats) ||
	    !dg_ring_layout_ok(hdr->cmd_ring_slots, DG_MSG_SIZE) ||
	    !dg_ring_layout_ok(hdr->evt_ring_slots, DG_MSG_SIZE) ||
	    !dg_shm_fits(hdr->main_stats_off, sizeof(struct dg_shm_main_stats),
			 len))
		return -EBADMSG;
	for (w = 0; w < hdr->worker_count; w++) {
		const struct dg_shm_worker_desc *d = &hdr->workers[w];

		if (!dg_shm_fits(d->cmd_ring_off,
				 dg_ring_bytes(hdr->cmd_ring_slots, DG_MSG_SIZE),
				 len) ||
		    !dg_shm_fits(d->evt_ring_off,
				 dg_ring_bytes(hdr->evt_ring_slots, DG_MSG_SIZE),
				 len) ||
		    !dg_shm_fits(d->stats_off,
				 sizeof(struct dg_shm_worker_stats), len))
			return -EBADMSG;
	}
	return 0;
}

/* Generation of the instance's current region, 0 if none is readable. */
static uint64_t
dg_shm_old_generation(const char *name)
{
	const struct dg_shm_hdr *old;
	struct stat st;
	uint64_t gen = 0;
	int fd;

	fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(*old)) {
		old = mmap(NULL, sizeof(*old), PROT_READ, MAP_SHARED, fd, 0);
		if (old != MAP_FAILED) {
			if (old->magic == DG_SHM_MAGIC)
				gen = old->generation;
			(void)munmap((void *)(uintptr_t)old, sizeof(*old));
		}
	}
	(void)close(fd);
	return gen;
}

int
dg_shm_create(struct dg_shm_region *reg, const struct dg_shm_params *p)
{
	struct dg_shm_params params = *p;
	struct timespec ts;
	uint64_t old;
	void *mem;
	size_t len;
	int fd, err;

	len = dg_shm_region_size(p);
	if (len == 0)
		return -EINVAL;
	dg_shm_name(reg->name, sizeof(reg->name), p->instance);
	if (params.generation == 0) {
		/* Realtime nanoseconds differ between two starts even when
		 * a clean exit removed the old region; the old value + 1
		 * covers a clock stepped backwards. */
		old = dg_shm_old_generation(reg->name);
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		params.generation = (uint64_t)ts.tv_sec * 1000000000ull +
			(uint64_t)ts.tv_nsec;
		if (old >= params.generation)
			params.generation = old + 1;
	}
	/* A client still mapping the old region keeps its pages and sees
	 * alive_ns stop; it finds this one by name. */
	(void)shm_unlink(reg->name);
	fd = shm_open(reg->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0) {
		err = -errno;
		goto out_unlink;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out_unlink;
	}
	err = dg_shm_layout(mem, len, &params);
	if (err < 0)
		goto out_unmap;
	(void)close(fd);
	reg->hdr = mem;
	reg->len = len;
	return 0;
out_unmap:
	(void)munmap(mem, len);
out_unlink:
	(void)close(fd);
	(void)shm_unlink(reg->name);
	return err;
}

void
dg_shm_destroy(struct dg_shm_region *reg)
{
	if (reg->hdr == NULL)
		return;
	atomic_store_explicit(&reg->hdr->state, DG_SHM_STATE_STOPPED,
			      memory_order_release);
	(void)munmap(reg->hdr, reg->len);
	(void)shm_unlink(reg->name);
	reg->hdr = NULL;
}
