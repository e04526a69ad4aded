/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation failures in the configuration loader: the n-th allocation
 * made by dg_conf/cp_conf fails, for n = 1, 2, ... until loading succeeds;
 * every failure must come back as a clean -ENOMEM (the sanitizer build
 * checks that nothing leaks on the way out). Allocations are intercepted
 * with the linker's --wrap, so libyaml's own allocations are not counted.
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

#include "cp_conf.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long alloc_count;
static unsigned long fail_at;

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

char *
__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails() ? NULL : __real_strndup(s, n);
}

/* Every failing allocation gives -ENOMEM; then the load succeeds intact. */
static void
test_each_allocation_fails_cleanly(void **state)
{
	struct cp_conf conf;
	char err[512];
	unsigned long n;
	int ret = -ENOMEM;

	(void)state;
	for (n = 1; n < 10000 && ret == -ENOMEM; n++) {
		alloc_count = 0;
		fail_at = n;
		ret = cp_conf_load_default(&conf, err, sizeof(err));
		fail_at = 0;
		if (ret == -ENOMEM)
			assert_string_equal(err, "out of memory");
	}
	assert_int_equal(ret, 0);
	/* Far more than one allocation was exercised. */
	assert_true(n > 20);
	assert_int_equal(conf.n_listen, 4);
	assert_int_equal(conf.max_message_size, 16384);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_allocation_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
