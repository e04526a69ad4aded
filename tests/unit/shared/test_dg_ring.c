/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the SPSC ring (dg_ring.h): layout checks, empty and full,
 * partial bursts, wraparound of the slot array and of the 32-bit indexes,
 * attaching to a ring already in use, and producer/consumer stress between
 * two threads and between two processes over a real POSIX shm object, with
 * every message's sequence number and payload checked.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dg_ring.h"

#define SLOT 64u
#define STRESS_MSGS 2000000u

/* A test message: sequence number and a payload derived from it. */
struct tmsg {
	uint64_t seq;
	uint64_t word[SLOT / 8 - 1];
};
_Static_assert(sizeof(struct tmsg) == SLOT, "test slot");

static void
tmsg_fill(struct tmsg *m, uint64_t seq)
{
	unsigned int i;

	m->seq = seq;
	for (i = 0; i < SLOT / 8 - 1; i++)
		m->word[i] = seq * 0x9e3779b97f4a7c15ull + i;
}

static int
tmsg_ok(const struct tmsg *m, uint64_t seq)
{
	unsigned int i;

	if (m->seq != seq)
		return 0;
	for (i = 0; i < SLOT / 8 - 1; i++)
		if (m->word[i] != seq * 0x9e3779b97f4a7c15ull + i)
			return 0;
	return 1;
}

/* A region of @p slots, returned with both ends attached. */
static void *
ring_new(uint32_t slots, struct dg_ring_ref *prod, struct dg_ring_ref *cons)
{
	size_t len = dg_ring_bytes(slots, SLOT);
	void *mem = aligned_alloc(DG_CACHE_LINE, len);

	assert_non_null(mem);
	assert_int_equal(dg_ring_init(mem, len, 0, slots, SLOT), 0);
	assert_int_equal(dg_ring_attach(prod, mem, len, 0, SLOT), 0);
	assert_int_equal(dg_ring_attach(cons, mem, len, 0, SLOT), 0);
	return mem;
}

/* Invalid sizes and placements are refused at init. */
static void
test_init_rejects_bad_layout(void **state)
{
	uint8_t *mem = aligned_alloc(DG_CACHE_LINE, 65536);

	(void)state;
	assert_int_equal(dg_ring_init(mem, 65536, 0, 6, SLOT), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 0, 1, SLOT), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 0, 8, 12), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 32, 8, SLOT), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 0, 1024, SLOT), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 65536, 8, SLOT), -EINVAL);
	assert_int_equal(dg_ring_init(mem, 65536, 0, 256, SLOT), 0);
	free(mem);
}

/* A layout that is corrupt or does not fit the region is not attached. */
static void
test_attach_rejects_corrupt_layout(void **state)
{
	size_t len = dg_ring_bytes(16, SLOT);
	uint8_t *mem = aligned_alloc(DG_CACHE_LINE, len);
	struct dg_ring *r = (struct dg_ring *)mem;
	struct dg_ring_ref ref = { .ring = NULL };

	(void)state;
	assert_int_equal(dg_ring_init(mem, len, 0, 16, SLOT), 0);
	assert_int_equal(dg_ring_attach(&ref, mem, len, 0, SLOT * 2), -EBADMSG);
	assert_int_equal(dg_ring_attach(&ref, mem, len - 1, 0, SLOT), -EBADMSG);
	assert_int_equal(dg_ring_attach(&ref, mem, len, 64, SLOT), -EBADMSG);
	r->slots = 32;
	assert_int_equal(dg_ring_attach(&ref, mem, len, 0, SLOT), -EBADMSG);
	r->slots = 12;
	assert_int_equal(dg_ring_attach(&ref, mem, len, 0, SLOT), -EBADMSG);
	r->slots = 16;
	r->magic ^= 1;
	assert_int_equal(dg_ring_attach(&ref, mem, len, 0, SLOT), -EBADMSG);
	r->magic ^= 1;
	assert_int_equal(dg_ring_attach(&ref, mem, len, 0, SLOT), 0);
	assert_int_equal(dg_ring_capacity(&ref), 16);
	free(mem);
}

/* Empty gives nothing; the ring holds exactly its capacity, then refuses. */
static void
test_empty_and_full(void **state)
{
	struct dg_ring_ref p, c;
	struct tmsg m[20], out[20];
	void *mem = ring_new(16, &p, &c);
	unsigned int i;

	(void)state;
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 4), 0);
	assert_int_equal(dg_ring_count(&c), 0);
	assert_int_equal(dg_ring_free_count(&p), 16);
	for (i = 0; i < 20; i++)
		tmsg_fill(&m[i], i);
	for (i = 0; i < 16; i++)
		assert_int_equal(dg_ring_enqueue_burst(&p, &m[i], 1), 1);
	assert_int_equal(dg_ring_enqueue_burst(&p, &m[16], 1), 0);
	assert_int_equal(dg_ring_count(&c), 16);
	assert_int_equal(dg_ring_free_count(&p), 0);
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 20), 16);
	for (i = 0; i < 16; i++)
		assert_true(tmsg_ok(&out[i], i));
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 1), 0);
	assert_int_equal(dg_ring_free_count(&p), 16);
	free(mem);
}

/* A burst larger than the room is cut to the room, in order. */
static void
test_burst_partial(void **state)
{
	struct dg_ring_ref p, c;
	struct tmsg m[8], out[8];
	void *mem = ring_new(8, &p, &c);
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++)
		tmsg_fill(&m[i], 100 + i);
	assert_int_equal(dg_ring_enqueue_burst(&p, m, 5), 5);
	assert_int_equal(dg_ring_enqueue_burst(&p, &m[5], 3), 3);
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 2), 2);
	assert_true(tmsg_ok(&out[0], 100));
	assert_true(tmsg_ok(&out[1], 101));
	/* Two free: a burst of five puts two. */
	tmsg_fill(&m[0], 200);
	tmsg_fill(&m[1], 201);
	tmsg_fill(&m[2], 202);
	assert_int_equal(dg_ring_enqueue_burst(&p, m, 5), 2);
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 8), 8);
	for (i = 0; i < 6; i++)
		assert_true(tmsg_ok(&out[i], 102 + i));
	assert_true(tmsg_ok(&out[6], 200));
	assert_true(tmsg_ok(&out[7], 201));
	free(mem);
}

/* Bursts that straddle the end of the slot array come out whole. */
static void
test_wraparound(void **state)
{
	struct dg_ring_ref p, c;
	struct tmsg m[5], out[5];
	void *mem = ring_new(8, &p, &c);
	uint64_t next_in = 0, next_out = 0;
	unsigned int round, i, n;

	(void)state;
	for (round = 0; round < 1000; round++) {
		for (i = 0; i < 5; i++)
			tmsg_fill(&m[i], next_in + i);
		assert_int_equal(dg_ring_enqueue_burst(&p, m, 5), 5);
		next_in += 5;
		n = dg_ring_dequeue_burst(&c, out, 5);
		assert_int_equal(n, 5);
		for (i = 0; i < n; i++)
			assert_true(tmsg_ok(&out[i], next_out + i));
		next_out += n;
	}
	free(mem);
}

/* The free-running 32-bit indexes wrap without losing a message. */
static void
test_index_wrap(void **state)
{
	struct dg_ring_ref p, c;
	struct tmsg m[4], out[4];
	void *mem = ring_new(8, &p, &c);
	struct dg_ring *r = mem;
	unsigned int round, i;
	uint64_t seq = 0;

	(void)state;
	atomic_store(&r->head, UINT32_MAX - 9);
	atomic_store(&r->tail, UINT32_MAX - 9);
	assert_int_equal(dg_ring_count(&c), 0);
	for (round = 0; round < 10; round++) {
		for (i = 0; i < 4; i++)
			tmsg_fill(&m[i], seq + i);
		assert_int_equal(dg_ring_enqueue_burst(&p, m, 4), 4);
		assert_int_equal(dg_ring_count(&c), 4);
		assert_int_equal(dg_ring_dequeue_burst(&c, out, 4), 4);
		for (i = 0; i < 4; i++)
			assert_true(tmsg_ok(&out[i], seq + i));
		seq += 4;
	}
	assert_true(atomic_load(&r->head) < 64);
	free(mem);
}

/* A producer that attaches to a ring in use (a restarted control plane)
 * does not overwrite what the consumer has not read. */
static void
test_attach_to_ring_in_use(void **state)
{
	struct dg_ring_ref p, c, p2;
	struct tmsg m[8], out[8];
	void *mem = ring_new(8, &p, &c);
	struct dg_ring *r = mem;
	unsigned int i;
	int err;

	(void)state;
	atomic_store(&r->head, 5000);
	atomic_store(&r->tail, 5000);
	for (i = 0; i < 8; i++)
		tmsg_fill(&m[i], i);
	assert_int_equal(dg_ring_enqueue_burst(&p, m, 6), 6);
	err = dg_ring_attach(&p2, mem, dg_ring_bytes(8, SLOT), 0, SLOT);
	assert_int_equal(err, 0);
	if (err != 0)
		return;
	assert_int_equal(dg_ring_enqueue_burst(&p2, &m[6], 2), 2);
	assert_int_equal(dg_ring_enqueue_burst(&p2, m, 1), 0);
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 8), 8);
	for (i = 0; i < 8; i++)
		assert_true(tmsg_ok(&out[i], i));
	free(mem);
}

/* A peer index that is off by more than the ring size does not let the
 * consumer read slots that were never written. */
static void
test_corrupt_index_reads_nothing(void **state)
{
	struct dg_ring_ref p, c;
	struct tmsg out[8];
	void *mem = ring_new(8, &p, &c);
	struct dg_ring *r = mem;

	(void)state;
	atomic_store(&r->head, 1000);
	assert_int_equal(dg_ring_count(&c), 8);
	assert_int_equal(dg_ring_dequeue_burst(&c, out, 8), 0);
	free(mem);
}

/* Producer side of the stress runs: bursts of varying size until all are
 * in. */
static void
stress_produce(struct dg_ring_ref *p, uint64_t count)
{
	struct tmsg m[32];
	uint64_t seq = 0;
	unsigned int i, n, burst = 1;

	while (seq < count) {
		n = burst;
		if (count - seq < n)
			n = (unsigned int)(count - seq);
		for (i = 0; i < n; i++)
			tmsg_fill(&m[i], seq + i);
		n = dg_ring_enqueue_burst(p, m, n);
		if (n == 0)
			sched_yield();
		seq += n;
		burst = burst % 32 + 1;
	}
}

/* Consumer side: returns the number of messages that came in order and
 * intact (== count on success). */
static uint64_t
stress_consume(struct dg_ring_ref *c, uint64_t count)
{
	struct tmsg m[32];
	uint64_t seq = 0;
	unsigned int i, n, burst = 7;

	while (seq < count) {
		n = dg_ring_dequeue_burst(c, m, burst);
		if (n == 0)
			sched_yield();
		for (i = 0; i < n; i++) {
			if (!tmsg_ok(&m[i], seq))
				return seq;
			seq++;
		}
		burst = burst % 32 + 1;
	}
	return seq;
}

static void *
stress_thread(void *arg)
{
	stress_produce(arg, STRESS_MSGS);
	return NULL;
}

/* Two threads: every message arrives once, in order, intact. */
static void
test_stress_threads(void **state)
{
	struct dg_ring_ref p, c;
	void *mem = ring_new(64, &p, &c);
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, stress_thread, &p), 0);
	assert_int_equal(stress_consume(&c, STRESS_MSGS), STRESS_MSGS);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(dg_ring_count(&c), 0);
	free(mem);
}

/* Two processes over a POSIX shm object, each with its own mapping (at
 * different addresses): every message arrives once, in order, intact. */
static void
test_stress_processes(void **state)
{
	size_t len = dg_ring_bytes(128, SLOT);
	struct dg_ring_ref p, c;
	char name[64];
	void *mem;
	pid_t pid;
	int fd, status;

	(void)state;
	(void)snprintf(name, sizeof(name), "/dgtest-ring.%d", (int)getpid());
	(void)shm_unlink(name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(dg_ring_init(mem, len, 0, 128, SLOT), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *own;
		int cfd = shm_open(name, O_RDWR, 0);

		if (cfd < 0)
			_exit(2);
		own = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (own == MAP_FAILED ||
		    dg_ring_attach(&p, own, len, 0, SLOT) != 0)
			_exit(3);
		stress_produce(&p, STRESS_MSGS);
		_exit(0);
	}
	assert_int_equal(dg_ring_attach(&c, mem, len, 0, SLOT), 0);
	assert_int_equal(stress_consume(&c, STRESS_MSGS), STRESS_MSGS);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	(void)munmap(mem, len);
	(void)close(fd);
	(void)shm_unlink(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_layout),
		cmocka_unit_test(test_attach_rejects_corrupt_layout),
		cmocka_unit_test(test_empty_and_full),
		cmocka_unit_test(test_burst_partial),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_index_wrap),
		cmocka_unit_test(test_attach_to_ring_in_use),
		cmocka_unit_test(test_corrupt_index_reads_nothing),
		cmocka_unit_test(test_stress_threads),
		cmocka_unit_test(test_stress_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
