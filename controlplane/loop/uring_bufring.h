/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING) set up by hand, since
 * Debian's liburing 2.3 has no io_uring_setup_buf_ring(): the ring of
 * buffer descriptors and the buffers themselves are one anonymous mapping
 * each; the kernel picks a buffer per multishot completion and reports its
 * id in the CQE flags; the owner returns it with uring_bufring_recycle().
 */
#ifndef DRONGO_CONTROLPLANE_LOOP_URING_BUFRING_H
#define DRONGO_CONTROLPLANE_LOOP_URING_BUFRING_H

#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

/** Every buffer size is rounded up to a multiple of this. */
#define URING_BUFRING_ALIGN 64u

struct uring_bufring {
	struct io_uring *ring;
	struct io_uring_buf_ring *br;
	size_t br_size;
	uint8_t *bufs;
	size_t bufs_size;
	uint32_t nbufs;
	uint32_t buf_size;
	uint16_t bgid;
	uint32_t outstanding;	/* buffers handed out and not yet recycled */
};

/**
 * Map, fill and register a ring of nbufs buffers of buf_size bytes each
 * (rounded up to URING_BUFRING_ALIGN) as buffer group bgid of ring.
 *
 * @param nbufs a power of two, 1..32768
 * @return 0, -EINVAL on a bad size, -ENOMEM, or the negative errno of
 *         io_uring_register_buf_ring().
 */
int uring_bufring_init(struct uring_bufring *b, struct io_uring *ring,
		uint16_t bgid, uint32_t nbufs, uint32_t buf_size);

/**
 * Unmap the buffers. Call after uring_loop_fini(): the ring's exit waits
 * for every operation that could still write into a buffer and drops the
 * registration with it.
 */
void uring_bufring_fini(struct uring_bufring *b);

/** The memory of buffer bid. */
static inline uint8_t *
uring_bufring_buf(const struct uring_bufring *b, uint16_t bid)
{
	return b->bufs + (size_t)bid * b->buf_size;
}

/** The buffer id carried by the flags of a completion that used one. */
static inline uint16_t
uring_bufring_bid(uint32_t cqe_flags)
{
	return (uint16_t)(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
}

/** Note that the kernel handed buffer out (called for each F_BUFFER CQE). */
static inline void
uring_bufring_taken(struct uring_bufring *b)
{
	b->outstanding++;
}

/** Give buffer bid back to the kernel. */
void uring_bufring_recycle(struct uring_bufring *b, uint16_t bid);

#endif
