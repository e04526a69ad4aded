/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the location service over the in-memory store: AoR
 * canonicalisation, sweeping, the deferred mode's ordering and snapshots,
 * and the behaviour every store shares (loc_checks.c) run twice: with
 * completions at once and with deferred completions, as a remote store
 * delivers them.
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

#include "loc_checks.h"
#include "sip_loc.h"
#include "sip_loc_mem.h"

#define T0 LOC_CHECK_T0
#define CAP_MAX 16

static bool mem_deferred;

static int
mem_create(struct sip_loc **out, uint32_t max_aors, uint32_t max_bindings,
		sip_loc_clock_fn clock, void *clock_arg)
{
	struct sip_loc_mem_conf conf = {
		.max_aors = max_aors,
		.max_bindings = max_bindings,
		.clock = clock,
		.clock_arg = clock_arg,
		.deferred = mem_deferred,
	};

	return sip_loc_mem_create(out, &conf);
}

static void
mem_settle(struct sip_loc *loc)
{
	while (sip_loc_mem_run_pending(loc) > 0)
		;
}

static size_t
mem_aors(struct sip_loc *loc)
{
	return sip_loc_mem_aors(loc);
}

static void
mem_sweep(struct sip_loc *loc)
{
	(void)sip_loc_mem_sweep(loc, 7);
}

static const struct loc_check_backend mem_backend = {
	.create = mem_create,
	.settle = mem_settle,
	.aors = mem_aors,
	.sweep = mem_sweep,
	.limits_aors = true,
};

static uint64_t now;

static uint64_t
fake_now(void *arg)
{
	return *(const uint64_t *)arg;
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

/* What a callback saw. */
struct cap {
	int calls;
	int err;
	unsigned int n;
	char aor[SIP_LOC_AOR_MAX];
	char contact[CAP_MAX][128];
};

static void
on_done(void *arg, int err, const struct sip_loc_record *rec)
{
	struct cap *c = arg;
	unsigned int i;

	c->calls++;
	c->err = err;
	if (rec == NULL)
		return;
	snprintf(c->aor, sizeof(c->aor), "%.*s", (int)rec->aor.len, rec->aor.p);
	c->n = rec->n_bindings;
	for (i = 0; i < rec->n_bindings && i < CAP_MAX; i++)
		snprintf(c->contact[i], sizeof(c->contact[i]), "%.*s",
			(int)rec->bindings[i].contact.len,
			rec->bindings[i].contact.p);
}

static struct sip_loc_binding
mk(const char *contact, const char *call_id, uint32_t cseq)
{
	struct sip_loc_binding b;

	memset(&b, 0, sizeof(b));
	b.contact = pl(contact);
	b.call_id = pl(call_id);
	b.cseq = cseq;
	b.q = 1000;
	return b;
}

static struct sip_loc *store;

static int
setup_mem(void **state)
{
	(void)state;
	now = T0;
	return mem_create(&store, 100, 4, fake_now, &now);
}

static int
teardown_mem(void **state)
{
	(void)state;
	sip_loc_destroy(store);
	mem_deferred = false;
	return 0;
}

static int
setup_deferred(void **state)
{
	mem_deferred = true;
	return setup_mem(state);
}

static int
save(const char *aor, const struct sip_loc_binding *b, uint32_t expires,
		struct cap *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(sip_loc_save(store, pl(aor), b, expires, on_done, c),
			0);
	mem_settle(store);
	assert_int_equal(c->calls, 1);
	return c->err;
}

/* Canonical AoRs: scheme and host lower case, user kept, the rest gone. */
static void
test_canon(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} t[] = {
		{ "sip:Alice@Example.COM:5060;transport=udp?x=y",
		  "sip:Alice@example.com" },
		{ "SIPS:bob@HOST", "sips:bob@host" },
		{ "sip:%61lice@h", "sip:alice@h" },
		{ "sip:a%2fb@h", "sip:a%2Fb@h" },
		{ "sip:user:secret@h", "sip:user@h" },
		{ "sip:[2001:DB8::1]:5060", "sip:[2001:db8::1]" },
		{ "sip:Example.com", "sip:example.com" },
		{ "sip:+1234;phone-context=x@h;user=phone",
		  "sip:+1234;phone-context=x@h" },
		{ "sip:a@h?subject=x", "sip:a@h" },
	};
	static const char *const bad[] = {
		"tel:+123", "sip:", "sip:@h", "sip:a@", "sip:a b@h", "sip:a%zz@h",
		"sip:a%2@h", "sip:a@h_x", "sip:a@[::1", "sip:a@[]", "http://x",
		"<sip:a@h>",
	};
	char buf[SIP_LOC_AOR_MAX], big[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sip_loc_aor_canon(pl(t[i].in), buf, sizeof(buf)),
				(int)strlen(t[i].out));
		assert_string_equal(buf, t[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sip_loc_aor_canon(pl(bad[i]), buf, sizeof(buf)) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	memcpy(big, "sip:", 4);
	memset(big + 4, 'u', 300);
	strcpy(big + 304, "@h");
	assert_int_equal(sip_loc_aor_canon(pl(big), buf, sizeof(buf)),
			-ENAMETOOLONG);
	assert_int_equal(sip_loc_aor_canon(pl("sip:alice@h"), buf, 5),
			-ENAMETOOLONG);
}

/* The sweep frees AoRs nobody touches once all their bindings expire. */
static void
test_sweep(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "c", 1);
	unsigned int removed = 0;
	char aor[32];
	struct cap c;
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		snprintf(aor, sizeof(aor), "sip:u%d@h", i);
		assert_int_equal(save(aor, &b, i < 30 ? 10 : 100, &c), 0);
	}
	assert_int_equal(sip_loc_mem_aors(store), 50);
	now = T0 + 10;
	/* Half a table at a time, as a timer would do it. */
	removed += sip_loc_mem_sweep(store,
			(unsigned int)sip_loc_mem_buckets(store) / 2);
	removed += sip_loc_mem_sweep(store,
			(unsigned int)sip_loc_mem_buckets(store) / 2);
	assert_int_equal(removed, 30);
	assert_int_equal(sip_loc_mem_aors(store), 20);
	assert_int_equal(sip_loc_mem_sweep(store, 1000), 0);
	now = T0 + 100;
	assert_int_equal(sip_loc_mem_sweep(store, 1000), 20);
	assert_int_equal(sip_loc_mem_aors(store), 0);
}

/* Deferred mode: nothing completes until run; each completion then sees
 * the record as it was when its operation ran, in submission order. */
static void
test_deferred_order_and_snapshot(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "c", 1);
	struct cap c1, c2, c3;

	(void)state;
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	memset(&c3, 0, sizeof(c3));
	assert_int_equal(sip_loc_save(store, pl("sip:u@H;x=y"), &b, 60,
			on_done, &c1), 0);
	assert_int_equal(sip_loc_remove_all(store, pl("sip:u@h"), on_done,
			&c2), 0);
	assert_int_equal(sip_loc_remove(store, pl("sip:u@h"), pl("sip:a@h"),
			on_done, &c3), 0);
	assert_int_equal(c1.calls + c2.calls + c3.calls, 0);
	assert_int_equal(sip_loc_mem_run_pending(store), 3);
	assert_int_equal(c1.calls, 1);
	assert_int_equal(c1.err, 0);
	assert_int_equal(c1.n, 1);
	assert_string_equal(c1.aor, "sip:u@h");
	assert_string_equal(c1.contact[0], "sip:a@h");
	assert_int_equal(c2.calls, 1);
	assert_int_equal(c2.n, 0);
	assert_int_equal(c3.calls, 1);
	assert_int_equal(c3.err, -ENOENT);
	assert_int_equal(sip_loc_mem_run_pending(store), 0);
}

/* A completion that submits another operation: it waits for the next run. */
static void
on_done_then_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	struct cap *c = arg;

	on_done(arg, err, rec);
	assert_int_equal(sip_loc_lookup(store, pl("sip:u@h"), on_done, c + 1),
			0);
}

static void
test_deferred_nested(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "c", 1);
	struct cap c[2];

	(void)state;
	memset(c, 0, sizeof(c));
	assert_int_equal(sip_loc_save(store, pl("sip:u@h"), &b, 60,
			on_done_then_lookup, c), 0);
	assert_int_equal(sip_loc_mem_run_pending(store), 1);
	assert_int_equal(c[0].calls, 1);
	assert_int_equal(c[1].calls, 0);
	assert_int_equal(sip_loc_mem_run_pending(store), 1);
	assert_int_equal(c[1].calls, 1);
	assert_int_equal(c[1].n, 1);
	/* Left pending at destroy: dropped without a call or a leak. */
	assert_int_equal(sip_loc_lookup(store, pl("sip:u@h"), on_done, &c[0]),
			0);
	assert_int_equal(c[0].calls, 1);
}

int
main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_canon),
		cmocka_unit_test_setup_teardown(test_sweep, setup_mem, teardown_mem),
		cmocka_unit_test_setup_teardown(test_deferred_order_and_snapshot,
				setup_deferred, teardown_mem),
		cmocka_unit_test_setup_teardown(test_deferred_nested,
				setup_deferred, teardown_mem),
	};
	const struct CMUnitTest *shared;
	size_t n;
	int fails;

	fails = cmocka_run_group_tests_name("mem", own, NULL, NULL);
	loc_check_be = &mem_backend;
	shared = loc_checks_tests(&n);
	fails += _cmocka_run_group_tests("mem_checks", shared, n, NULL, NULL);
	mem_deferred = true;
	fails += _cmocka_run_group_tests("mem_deferred_checks", shared, n, NULL,
			NULL);
	mem_deferred = false;
	return fails;
}
