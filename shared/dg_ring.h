/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A single-producer single-consumer ring of fixed-size slots that lives in
 * shared memory and works across processes: the shared part (struct dg_ring)
 * holds no pointers, only a layout line written once by the creator, the
 * producer's head on its own cache lines and the consumer's tail on its own.
 * Each process reaches it through a private struct dg_ring_ref that keeps
 * the validated mask and slot size, so a peer that scribbles over the shared
 * layout cannot make this process index outside the ring. Ordering is C11
 * acquire/release loads and stores only; no read-modify-write atomics, so
 * the data plane's worker loop may use it.
 */
#ifndef DRONGO_SHARED_DG_RING_H
#define DRONGO_SHARED_DG_RING_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DG_CACHE_LINE 64u
#define DG_RING_MAGIC 0x474e495247440001ull	/* "DGRING", layout 1 */
#define DG_RING_MAX_SLOTS (1u << 24)

/*
 * The shared part. Line 0 (layout): written by the creator before the
 * region is published, read by both sides at attach. Lines 2-3 (head):
 * written by the producer only. Lines 4-5 (tail): written by the consumer
 * only. Head and tail each get two lines so the adjacent-line prefetcher
 * does not make them share. Slots follow at DG_RING_HDR_SIZE. Indexes run
 * free (mod 2^32); the slot of index i is i & (slots - 1).
 */
struct dg_ring {
	uint64_t magic;
	uint32_t slots;		/**< power of two */
	uint32_t slot_size;	/**< bytes, multiple of 8 */
	uint8_t pad0[2 * DG_CACHE_LINE - 16];
	_Atomic uint32_t head;	/**< next index the producer writes */
	uint8_t pad1[2 * DG_CACHE_LINE - 4];
	_Atomic uint32_t tail;	/**< next index the consumer reads */
	uint8_t pad2[2 * DG_CACHE_LINE - 4];
};
#define DG_RING_HDR_SIZE (6u * DG_CACHE_LINE)
_Static_assert(sizeof(struct dg_ring) == DG_RING_HDR_SIZE, "ring hdr size");
_Static_assert(offsetof(struct dg_ring, head) == 2 * DG_CACHE_LINE,
	       "ring head line");
_Static_assert(offsetof(struct dg_ring, tail) == 4 * DG_CACHE_LINE,
	       "ring tail line");

/*
 * One process's handle on a ring: private to that process and to one side
 * (producer or consumer). The cached index of the other side saves a load
 * of the other side's cache line while the cached value still allows the
 * operation.
 */
struct dg_ring_ref {
	struct dg_ring *ring;
	uint8_t *slots;
	uint32_t mask;
	uint32_t slot_size;
	uint32_t other;		/**< last seen tail (producer) or head (consumer) */
};

/**
 * Bytes a ring of @p slots slots of @p slot_size bytes occupies.
 */
static inline size_t
dg_ring_bytes(uint32_t slots, uint32_t slot_size)
{
	return DG_RING_HDR_SIZE + (size_t)slots * slot_size;
}

static inline int
dg_ring_layout_ok(uint32_t slots, uint32_t slot_size)
{
	return slots >= 2 && slots <= DG_RING_MAX_SLOTS &&
		(slots & (slots - 1)) == 0 &&
		slot_size >= 8 && slot_size <= 65536 && slot_size % 8 == 0;
}

/**
 * Lay out an empty ring at @p off inside a region of @p region_len bytes
 * (creator side, before the region is published).
 *
 * @return 0, or -EINVAL if the sizes are not valid (slots a power of two
 *   in 2..DG_RING_MAX_SLOTS, slot_size a multiple of 8) or the ring does not
 *   fit the region at a cache-line aligned offset.
 */
static inline int
dg_ring_init(void *region, size_t region_len, uint64_t off, uint32_t slots,
	     uint32_t slot_size)
{
	struct dg_ring *r;

	if (!dg_ring_layout_ok(slots, slot_size) || off % DG_CACHE_LINE != 0 ||
	    off > region_len ||
	    region_len - off < dg_ring_bytes(slots, slot_size))
		return -EINVAL;
	r = (struct dg_ring *)((uint8_t *)region + off);
	memset(r, 0, sizeof(*r));
	r->slots = slots;
	r->slot_size = slot_size;
	atomic_store_explicit(&r->head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
	r->magic = DG_RING_MAGIC;
	return 0;
}

/**
 * Attach @p ref to the ring laid out at @p off in a mapped region of
 * @p region_len bytes, checking the layout against the region and the
 * expected slot size.
 *
 * @return 0, or -EBADMSG if the layout is invalid, does not fit the region
 *   or has another slot size than @p slot_size.
 */
static inline int
dg_ring_attach(struct dg_ring_ref *ref, void *region, size_t region_len,
	       uint64_t off, uint32_t slot_size)
{
	struct dg_ring *r;
	uint32_t slots;

	if (off % DG_CACHE_LINE != 0 || off > region_len ||
	    region_len - off < DG_RING_HDR_SIZE)
		return -EBADMSG;
	r = (struct dg_ring *)((uint8_t *)region + off);
	slots = r->slots;
	if (r->magic != DG_RING_MAGIC || r->slot_size != slot_size ||
	    !dg_ring_layout_ok(slots, slot_size) ||
	    region_len - off < dg_ring_bytes(slots, slot_size))
		return -EBADMSG;
	ref->ring = r;
	ref->slots = (uint8_t *)r + DG_RING_HDR_SIZE;
	ref->mask = slots - 1;
	ref->slot_size = slot_size;
	ref->other = 0;
	return 0;
}

/** Number of slots of the ring. */
static inline uint32_t
dg_ring_capacity(const struct dg_ring_ref *ref)
{
	return ref->mask + 1;
}

/**
 * Messages waiting in the ring, as seen now (either side; exact for the
 * consumer, a lower bound of free space for the producer).
 */
static inline uint32_t
dg_ring_count(const struct dg_ring_ref *ref)
{
	uint32_t head, tail, n;

	head = atomic_load_explicit(&ref->ring->head, memory_order_acquire);
	tail = atomic_load_explicit(&ref->ring->tail, memory_order_acquire);
	n = head - tail;
	/* A corrupt index from the peer must not look like a huge count. */
	return n <= ref->mask + 1 ? n : ref->mask + 1;
}

/** Free slots, as seen by the producer. */
static inline uint32_t
dg_ring_free_count(const struct dg_ring_ref *ref)
{
	return ref->mask + 1 - dg_ring_count(ref);
}

/**
 * Producer: copy up to @p n messages of slot_size bytes each from the
 * contiguous array @p msgs into the ring.
 *
 * @return the number enqueued (0..n): fewer when the ring fills up.
 */
static inline unsigned int
dg_ring_enqueue_burst(struct dg_ring_ref *ref, const void *msgs,
		      unsigned int n)
{
	struct dg_ring *r = ref->ring;
	const uint8_t *src = (const uint8_t *)msgs;
	uint32_t head, room, idx, first;

	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	room = ref->mask + 1 - (head - ref->other);
	/* A stale cached tail only understates the room, unless it is the
	 * 0 of a fresh attach behind a ring already in use: then the
	 * subtraction wraps and the range check forces a reload. */
	if (room < n || room > ref->mask + 1) {
		ref->other = atomic_load_explicit(&r->tail,
						  memory_order_acquire);
		room = ref->mask + 1 - (head - ref->other);
		if (room > ref->mask + 1)
			room = 0;
		if (n > room)
			n = room;
	}
	if (n == 0)
		return 0;
	idx = head & ref->mask;
	first = ref->mask + 1 - idx;
	if (first >= n) {
		memcpy(ref->slots + (size_t)idx * ref->slot_size, src,
		       (size_t)n * ref->slot_size);
	} else {
		memcpy(ref->slots + (size_t)idx * ref->slot_size, src,
		       (size_t)first * ref->slot_size);
		memcpy(ref->slots, src + (size_t)first * ref->slot_size,
		       (size_t)(n - first) * ref->slot_size);
	}
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

/**
 * Consumer: copy up to @p n messages out of the ring into the contiguous
 * array @p msgs (room for n slots of slot_size bytes).
 *
 * @return the number dequeued (0..n).
 */
static inline unsigned int
dg_ring_dequeue_burst(struct dg_ring_ref *ref, void *msgs, unsigned int n)
{
	struct dg_ring *r = ref->ring;
	uint8_t *dst = (uint8_t *)msgs;
	uint32_t tail, avail, idx, first;

	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	avail = ref->other - tail;
	if (avail < n || avail > ref->mask + 1) {
		ref->other = atomic_load_explicit(&r->head,
						  memory_order_acquire);
		avail = ref->other - tail;
		if (avail > ref->mask + 1)
			avail = 0;
		if (n > avail)
			n = avail;
	}
	if (n == 0)
		return 0;
	idx = tail & ref->mask;
	first = ref->mask + 1 - idx;
	if (first >= n) {
		memcpy(dst, ref->slots + (size_t)idx * ref->slot_size,
		       (size_t)n * ref->slot_size);
	} else {
		memcpy(dst, ref->slots + (size_t)idx * ref->slot_size,
		       (size_t)first * ref->slot_size);
		memcpy(dst + (size_t)first * ref->slot_size, ref->slots,
		       (size_t)(n - first) * ref->slot_size);
	}
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

#endif
