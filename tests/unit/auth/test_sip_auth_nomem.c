/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure run of the verifier and the users loader: the n-th
 * allocation fails for n = 1, 2, ... until creation succeeds. Every failure
 * must be a clean -ENOMEM (with a message for the loader) and, in the
 * sanitizer build, leak nothing. Allocations are intercepted with the
 * linker's --wrap, so only this code's own calls are counted.
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

#include "sip_auth.h"
#include "sip_auth_users.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
char *__wrap_strdup(const char *s);

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

char *
__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

#define MD5_A "3d78807defe7de2157e2b0b6573a855f"
#define SHA_A "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"

/* Each allocation of sip_auth_ctx_create can fail cleanly. */
static void
test_ctx_create(void **state)
{
	static const uint8_t secret[16] = "0123456789abcdef";
	struct sip_auth_conf conf = {
		.realm = "example.com",
		.secret = secret,
		.secret_len = sizeof(secret),
		.opaque = "op",
		.nc_track_slots = 8,
	};
	struct sip_auth_ctx *ctx;
	unsigned long n;
	int err;

	(void)state;
	for (n = 1; n < 100; n++) {
		fail_at = n;
		alloc_count = 0;
		err = sip_auth_ctx_create(&ctx, &conf);
		if (err == 0)
			break;
		assert_int_equal(err, -ENOMEM);
	}
	fail_at = 0;
	assert_true(n > 4);
	sip_auth_ctx_destroy(ctx);
}

/* Each allocation of the users loader can fail cleanly, with a message. */
static void
test_users_load(void **state)
{
	static const char text[] = "a r " MD5_A " " SHA_A "\n"
		"b r " MD5_A " " SHA_A "\n";
	struct sip_auth_users *users;
	char err[128];
	unsigned long n;
	int ret;

	(void)state;
	for (n = 1; n < 100; n++) {
		fail_at = n;
		alloc_count = 0;
		err[0] = '\0';
		ret = sip_auth_users_load_buf(&users, "u", text, strlen(text),
				err, sizeof(err));
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_string_equal(err, "u: out of memory");
	}
	fail_at = 0;
	assert_true(n > 3);
	assert_int_equal(sip_auth_users_count(users), 2);
	sip_auth_users_free(users);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_create),
		cmocka_unit_test(test_users_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
