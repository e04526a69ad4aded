/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure run of the in-memory location store: the n-th
 * allocation fails for n = 1, 2, ... until a whole scenario passes. Each
 * failure must surface as -ENOMEM (from create, or in the callback) and
 * leave the store exactly as before the operation; the sanitizer build
 * checks that nothing leaks. Allocations are intercepted with the linker's
 * --wrap, so only the store's own calls are counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip_loc.h"
#include "sip_loc_mem.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned long alloc_count;
static unsigned long fail_at;	/* 0: never fail */

static bool
alloc_fails(void)
{
	return fail_at != 0 && ++alloc_count == fail_at;
}

void *
__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

static uint64_t
fake_now(void *arg)
{
	(void)arg;
	return 1700000000;
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

/* A record reduced to a comparable string: version and contacts. */
struct snap {
	int calls;
	int err;
	char text[512];
};

static void
on_done(void *arg, int err, const struct sip_loc_record *rec)
{
	struct snap *s = arg;
	size_t n = 0;
	unsigned int i;

	s->calls++;
	s->err = err;
	s->text[0] = '\0';
	if (rec == NULL)
		return;
	n += (size_t)snprintf(s->text + n, sizeof(s->text) - n, "v%llu",
			(unsigned long long)rec->version);
	for (i = 0; i < rec->n_bindings; i++)
		n += (size_t)snprintf(s->text + n, sizeof(s->text) - n, " %.*s",
				(int)rec->bindings[i].contact.len,
				rec->bindings[i].contact.p);
}

static void
snapshot(struct sip_loc *loc, const char *aor, struct snap *s)
{
	unsigned long saved = fail_at;

	fail_at = 0;
	memset(s, 0, sizeof(*s));
	assert_int_equal(sip_loc_lookup(loc, pl(aor), on_done, s), 0);
	assert_int_equal(s->err, 0);
	fail_at = saved;
}

/* Check one operation's outcome: done or a clean -ENOMEM. Returns true
 * when the allocation failure hit this operation. */
static bool
check_op(struct sip_loc *loc, const char *aor, const struct snap *before,
		const struct snap *op)
{
	struct snap after;

	assert_int_equal(op->calls, 1);
	if (op->err == 0)
		return false;
	assert_int_equal(op->err, -ENOMEM);
	snapshot(loc, aor, &after);
	assert_string_equal(after.text, before->text);
	return true;
}

/* Runs the scenario; returns true when it completed with no failure. */
static bool
scenario(void)
{
	struct sip_loc_mem_conf conf = { .max_aors = 8, .max_bindings = 4,
		.clock = fake_now };
	struct sip_loc_binding b, set[2];
	struct snap before, op;
	struct sip_loc *loc;
	bool failed = false;
	int err;

	err = sip_loc_mem_create(&loc, &conf);
	if (err < 0) {
		assert_int_equal(err, -ENOMEM);
		return false;
	}
	memset(&b, 0, sizeof(b));
	b.contact = pl("sip:a@192.0.2.1");
	b.call_id = pl("c1");
	b.cseq = 1;
	b.n_path = 1;
	b.path[0] = pl("<sip:p1;lr>");
	b.user_agent = pl("UA/1");
	snapshot(loc, "sip:u@h", &before);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &b, 60, on_done, &op),
			0);
	failed |= check_op(loc, "sip:u@h", &before, &op);
	b.contact = pl("sip:b@192.0.2.2");
	b.cseq = 2;
	snapshot(loc, "sip:u@h", &before);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &b, 60, on_done, &op),
			0);
	failed |= check_op(loc, "sip:u@h", &before, &op);
	b.contact = pl("sip:c@192.0.2.3");
	b.cseq = 3;
	snapshot(loc, "sip:u@h", &before);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sip_loc_save(loc, pl("sip:u@h"), &b, 60, on_done, &op),
			0);
	failed |= check_op(loc, "sip:u@h", &before, &op);
	set[0] = b;
	set[0].contact = pl("sip:x@192.0.2.9");
	set[0].expires = 1700000100;
	set[1] = set[0];
	set[1].contact = pl("sip:y@192.0.2.9");
	snapshot(loc, "sip:u@h", &before);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sip_loc_replace(loc, pl("sip:u@h"), set, 2,
			strtoull(before.text + 1, NULL, 10), on_done, &op), 0);
	failed |= check_op(loc, "sip:u@h", &before, &op);
	snapshot(loc, "sip:v@h", &before);
	memset(&op, 0, sizeof(op));
	assert_int_equal(sip_loc_replace(loc, pl("sip:v@h"), set, 2, 0, on_done,
			&op), 0);
	failed |= check_op(loc, "sip:v@h", &before, &op);
	sip_loc_destroy(loc);
	return !failed;
}

/* Every allocation of the scenario can fail cleanly. */
static void
test_alloc_failures(void **state)
{
	unsigned long n;

	(void)state;
	for (n = 1; n < 1000; n++) {
		fail_at = n;
		alloc_count = 0;
		if (scenario() && alloc_count < n)
			break;
	}
	fail_at = 0;
	assert_true(n > 5 && n < 1000);
}

/* Deferred mode: an allocation failure is -ENOMEM at submission (no
 * call) or in the completion; every submitted operation completes once. */
static bool
scenario_deferred(void)
{
	struct sip_loc_mem_conf conf = { .max_aors = 8, .max_bindings = 4,
		.clock = fake_now, .deferred = true };
	struct sip_loc_binding b;
	struct snap op[3];
	struct sip_loc *loc;
	unsigned int submitted = 0, i;
	bool failed = false;
	int err;

	err = sip_loc_mem_create(&loc, &conf);
	if (err < 0) {
		assert_int_equal(err, -ENOMEM);
		return false;
	}
	memset(op, 0, sizeof(op));
	memset(&b, 0, sizeof(b));
	b.contact = pl("sip:a@192.0.2.1");
	b.call_id = pl("c1");
	b.cseq = 1;
	b.user_agent = pl("UA/1");
	for (i = 0; i < 3; i++) {
		b.cseq = i + 1;
		err = i < 2 ? sip_loc_save(loc, pl("sip:u@h"), &b, 60, on_done,
				&op[i]) :
			sip_loc_lookup(loc, pl("sip:u@h"), on_done, &op[i]);
		if (err < 0) {
			assert_int_equal(err, -ENOMEM);
			failed = true;
			continue;
		}
		submitted |= 1u << i;
	}
	(void)sip_loc_mem_run_pending(loc);
	for (i = 0; i < 3; i++) {
		if (!(submitted & (1u << i))) {
			assert_int_equal(op[i].calls, 0);
			continue;
		}
		assert_int_equal(op[i].calls, 1);
		if (op[i].err != 0) {
			assert_int_equal(op[i].err, -ENOMEM);
			failed = true;
		}
	}
	sip_loc_destroy(loc);
	return !failed;
}

/* Every allocation of the deferred scenario can fail cleanly. */
static void
test_alloc_failures_deferred(void **state)
{
	unsigned long n;

	(void)state;
	for (n = 1; n < 1000; n++) {
		fail_at = n;
		alloc_count = 0;
		if (scenario_deferred() && alloc_count < n)
			break;
	}
	fail_at = 0;
	assert_true(n > 5 && n < 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_alloc_failures_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
