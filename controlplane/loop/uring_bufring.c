/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Provided-buffer ring set-up and recycling. The descriptor ring must be
 * page aligned for the kernel, hence mmap rather than malloc; the buffers
 * get their own mapping so their addresses are stable for the ring's life.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "uring_bufring.h"

int
uring_bufring_init(struct uring_bufring *b, struct io_uring *ring,
		uint16_t bgid, uint32_t nbufs, uint32_t buf_size)
{
	struct io_uring_buf_reg reg;
	uint32_t i;
	int err;

	memset(b, 0, sizeof(*b));
	if (nbufs == 0 || nbufs > 32768 || (nbufs & (nbufs - 1)) != 0 ||
			buf_size == 0 || buf_size > UINT32_MAX - URING_BUFRING_ALIGN)
		return -EINVAL;
	b->ring = ring;
	b->bgid = bgid;
	b->nbufs = nbufs;
	/* Each buffer starts with the kernel's recvmsg header: keep it aligned. */
	b->buf_size = (buf_size + URING_BUFRING_ALIGN - 1) &
		~(uint32_t)(URING_BUFRING_ALIGN - 1);
	buf_size = b->buf_size;
	b->br_size = (size_t)nbufs * sizeof(struct io_uring_buf);
	b->br = mmap(NULL, b->br_size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->br == MAP_FAILED)
		return -ENOMEM;
	b->bufs_size = (size_t)nbufs * buf_size;
	b->bufs = mmap(NULL, b->bufs_size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->bufs == MAP_FAILED) {
		err = -ENOMEM;
		goto out_unmap_ring;
	}
	io_uring_buf_ring_init(b->br);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)b->br;
	reg.ring_entries = nbufs;
	reg.bgid = bgid;
	err = io_uring_register_buf_ring(ring, &reg, 0);
	if (err < 0)
		goto out_unmap_bufs;
	for (i = 0; i < nbufs; i++)
		io_uring_buf_ring_add(b->br, uring_bufring_buf(b, (uint16_t)i),
			buf_size, (unsigned short)i,
			io_uring_buf_ring_mask(nbufs), (int)i);
	io_uring_buf_ring_advance(b->br, (int)nbufs);
	return 0;
out_unmap_bufs:
	munmap(b->bufs, b->bufs_size);
out_unmap_ring:
	munmap(b->br, b->br_size);
	b->br = NULL;
	return err;
}

void
uring_bufring_fini(struct uring_bufring *b)
{
	if (b->br == NULL)
		return;
	munmap(b->bufs, b->bufs_size);
	munmap(b->br, b->br_size);
	b->br = NULL;
}

void
uring_bufring_recycle(struct uring_bufring *b, uint16_t bid)
{
	io_uring_buf_ring_add(b->br, uring_bufring_buf(b, bid), b->buf_size,
		bid, io_uring_buf_ring_mask(b->nbufs), 0);
	io_uring_buf_ring_advance(b->br, 1);
	b->outstanding--;
}
