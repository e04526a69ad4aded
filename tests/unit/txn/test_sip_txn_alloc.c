/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure runs of the transaction layer: malloc, calloc and
 * realloc are wrapped at link time (-Wl,--wrap) so that the n-th
 * allocation fails, for n = 1, 2, ... until a whole scenario passes. Every
 * failure must surface as -ENOMEM (or as the documented quiet end of the
 * transaction) and leave nothing allocated, which the sanitizer build
 * checks at exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "txn_test.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

/* 0: never fail; otherwise the allocation number that fails. */
static unsigned long fail_at;
static unsigned long n_alloc;
static bool armed;

static bool
should_fail(void)
{
	if (!armed)
		return false;
	return ++n_alloc == fail_at;
}

void *
__wrap_malloc(size_t size)
{
	return should_fail() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __real_realloc(p, size);
}

#define BR "z9hG4bKal1"
#define HOST "192.0.2.1"

static void
check(int err, bool *failed)
{
	if (err == -ENOMEM) {
		*failed = true;
		return;
	}
	assert_int_equal(err, 0);
}

/*
 * One run of a scenario touching every allocation: layer, server and
 * client transactions, stored responses, the ACK, the CANCEL, timers.
 * Returns true when the allocation chosen to fail was reached (some
 * failures end a transaction quietly instead of returning -ENOMEM).
 */
static bool
scenario(void)
{
	struct tt *t = calloc(1, sizeof(*t));
	struct sip_txn_env env = { 0 };
	struct sip_txn_tu tu = {
		.on_request = tt_on_request,
		.on_response = tt_on_response,
		.on_terminated = tt_on_terminated,
	};
	struct sip_txn *ct = NULL, *cc = NULL;
	bool failed = false;
	int err;

	assert_non_null(t);
	uring_timers_init(&t->timers, 0);
	env.timers = &t->timers;
	env.send = tt_send;
	env.send_arg = t;
	tu.arg = t;
	armed = true;
	err = sip_txn_layer_create(&t->layer, &env, &tu);
	if (err != 0) {
		assert_int_equal(err, -ENOMEM);
		armed = false;
		uring_timers_fini(&t->timers);
		free(t);
		assert_true(n_alloc >= fail_at);
		return true;
	}
	check(tt_recv(t, TT_INVITE(BR, HOST)), &failed);
	if (t->kept != NULL) {
		err = sip_txn_server_reply(t->kept, 180, NULL, "a", NULL);
		check(err, &failed);
		err = sip_txn_server_reply(t->kept, 486, NULL, "a", NULL);
		check(err, &failed);
		/* A reply that could not start Timer H ended the transaction. */
		check(tt_recv(t, TT_ACK(BR, HOST, "a")), &failed);
	}
	check(tt_client(t, &ct, TT_OUT_INVITE("z9hG4bKal2"), SIP_TP_UDP),
			&failed);
	if (ct != NULL) {
		check(tt_recv(t, TT_RESP("180", "z9hG4bKal2", "INVITE",
				";tag=q")), &failed);
		err = sip_txn_client_cancel(&cc, ct, NULL, NULL);
		if (err != -EAGAIN && err != -EALREADY)
			check(err, &failed);
		check(tt_recv(t, TT_RESP("487", "z9hG4bKal2", "INVITE",
				";tag=q")), &failed);
	}
	tt_run_to(t, 40000);
	armed = false;
	cc = sip_txn_put(cc);
	ct = sip_txn_put(ct);
	tt_fini(t);
	assert_true(!failed || n_alloc >= fail_at);
	return n_alloc >= fail_at;
}

/* Failing each allocation in turn gives -ENOMEM or a quiet end and no leak, until the scenario runs without reaching the failing one. */
static void
test_every_allocation_failure_is_clean(void **state)
{
	unsigned long n;
	bool failed = true;

	(void)state;
	for (n = 1; n < 1000 && failed; n++) {
		fail_at = n;
		n_alloc = 0;
		failed = scenario();
	}
	assert_false(failed);
	/* layer, scratch, out, buckets, two transactions, responses, ACK, heap */
	assert_true(n > 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_failure_is_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
