/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the peer view on a driven clock, and of the orphan sweep
 * of a media node (ng_owner) reading it as drongo wires them: a call is
 * reaped only once its owning edge has been missing from the heartbeats
 * for the grace period, calls of live edges and calls without an owner
 * stay, and a deleted call is not reaped; an offer never answered is
 * reaped once idle, an answered call never by that rule.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cl_view.h"
#include "ng_owner.h"

static struct cl_peer
peer(const char *id, enum cp_role role, uint64_t load)
{
	struct cl_peer p;

	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "%s", id);
	p.role = role;
	p.load = load;
	return p;
}

/* Alive peers by role; a peer missing from a read is gone since then. */
static void
test_alive_and_gone(void **state)
{
	struct cl_peer ps[3] = { peer("e1", CP_ROLE_EDGE, 0),
		peer("m1", CP_ROLE_MEDIA, 5), peer("m2", CP_ROLE_MEDIA, 7) };
	struct cl_view v;
	const struct cl_view_peer *vp;

	(void)state;
	cl_view_init(&v);
	assert_false(v.fresh);
	cl_view_update(&v, ps, 3, 1000);
	assert_true(v.fresh);
	assert_int_equal(cl_view_alive(&v, CP_ROLE_MEDIA), 2);
	assert_int_equal(cl_view_alive(&v, CP_ROLE_EDGE), 1);
	assert_int_equal(cl_view_alive(&v, CP_ROLE_LB), 0);
	vp = cl_view_find(&v, "m2");
	assert_non_null(vp);
	assert_int_equal(vp->p.load, 7);
	/* m2's heartbeat is gone at t=2000; m1 reports a new load. */
	ps[1].load = 9;
	cl_view_update(&v, ps, 2, 2000);
	assert_int_equal(cl_view_alive(&v, CP_ROLE_MEDIA), 1);
	vp = cl_view_find(&v, "m2");
	assert_non_null(vp);
	assert_false(vp->alive);
	assert_int_equal(vp->gone_since_ms, 2000);
	assert_int_equal(cl_view_find(&v, "m1")->p.load, 9);
	assert_int_equal(cl_view_gone_ms(&v, "m2", 5500), 3500);
	assert_int_equal(cl_view_gone_ms(&v, "m1", 5500), 0);
	/* Still missing at the next read: the first miss is kept. */
	cl_view_update(&v, ps, 2, 3000);
	assert_int_equal(cl_view_find(&v, "m2")->gone_since_ms, 2000);
	/* Back: alive again, no longer gone. */
	cl_view_update(&v, ps, 3, 4000);
	assert_true(cl_view_find(&v, "m2")->alive);
	assert_int_equal(cl_view_gone_ms(&v, "m2", 4000), 0);
}

/* An id never seen counts as gone since the first read; stale keeps peers. */
static void
test_unknown_and_stale(void **state)
{
	struct cl_peer ps[1] = { peer("e1", CP_ROLE_EDGE, 0) };
	struct cl_view v;

	(void)state;
	cl_view_init(&v);
	/* Before any read nothing can be said. */
	assert_int_equal(cl_view_gone_ms(&v, "ghost", 10000), 0);
	cl_view_update(&v, ps, 1, 0);
	assert_int_equal(cl_view_gone_ms(&v, "ghost", 10000), 10000);
	cl_view_stale(&v);
	assert_false(v.fresh);
	assert_true(cl_view_find(&v, "e1")->alive);
	assert_int_equal(cl_view_alive(&v, CP_ROLE_EDGE), 1);
}

/* A gone peer is forgotten after CL_VIEW_FORGET_MS; a full view counts overflow. */
static void
test_forget_and_overflow(void **state)
{
	static struct cl_peer many[CL_VIEW_MAX + 3];
	struct cl_view v;
	unsigned int i;
	char id[16];

	(void)state;
	cl_view_init(&v);
	for (i = 0; i < CL_VIEW_MAX + 3; i++) {
		snprintf(id, sizeof(id), "n%u", i);
		many[i] = peer(id, CP_ROLE_MEDIA, i);
	}
	cl_view_update(&v, many, CL_VIEW_MAX + 3, 1);
	assert_int_equal(v.n, CL_VIEW_MAX);
	assert_int_equal(v.overflow, 3);
	cl_view_update(&v, many, 1, 2);
	assert_int_equal(v.n, CL_VIEW_MAX);
	cl_view_update(&v, many, 1, 2 + CL_VIEW_FORGET_MS);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.peers[0].p.id, "n0");
}

struct reaped {
	unsigned int n;
	char call[8][64];
	char owner[8][64];
};

static uint64_t
view_gone(void *arg, const char *owner, uint64_t now_ms)
{
	return cl_view_gone_ms(arg, owner, now_ms);
}

static void
on_reap(void *arg, const char *call_id, const char *owner)
{
	struct reaped *r = arg;

	assert_true(r->n < 8);
	snprintf(r->call[r->n], sizeof(r->call[0]), "%s", call_id);
	snprintf(r->owner[r->n], sizeof(r->owner[0]), "%s", owner);
	r->n++;
}

static void
note_at(struct ng_owner *o, const char *call, const char *owner,
	bool answered, uint64_t now_ms)
{
	assert_int_equal(ng_owner_note(o, (struct dg_pl){ call, strlen(call) },
		(struct dg_pl){ owner, strlen(owner) }, answered, now_ms), 0);
}

static void
note(struct ng_owner *o, const char *call, const char *owner)
{
	note_at(o, call, owner, true, 0);
}

/* Orphans are reaped after the grace period, and only they. */
static void
test_orphan_sweep(void **state)
{
	struct cl_peer ps[2] = { peer("e1", CP_ROLE_EDGE, 0),
		peer("e2", CP_ROLE_EDGE, 0) };
	struct ng_owner *o;
	struct reaped r = { 0 };
	struct cl_view v;
	uint64_t calls, owned;

	(void)state;
	cl_view_init(&v);
	assert_int_equal(ng_owner_create(&o), 0);
	note(o, "c1", "e1");
	note(o, "c2", "e2");
	note(o, "c3", "e2");
	note(o, "k1", "");		/* Kamailio: no owner */
	note(o, "c4", "e2");
	note(o, "c3", "");		/* a later request without owner keeps it */
	ng_owner_forget(o, (struct dg_pl){ "c4", 2 });	/* deleted */
	ng_owner_count(o, &calls, &owned);
	assert_int_equal(calls, 4);
	assert_int_equal(owned, 3);
	cl_view_update(&v, ps, 2, 1000);
	assert_int_equal(ng_owner_sweep(o, 1000, 10000, view_gone, &v, on_reap,
					&r), 0);
	/* e2 dies: its heartbeat is missing from the read at t=4000. */
	cl_view_update(&v, ps, 1, 4000);
	assert_int_equal(ng_owner_sweep(o, 4000, 10000, view_gone, &v, on_reap,
					&r), 0);
	assert_int_equal(ng_owner_sweep(o, 13999, 10000, view_gone, &v, on_reap,
					&r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(ng_owner_sweep(o, 14000, 10000, view_gone, &v, on_reap,
					&r), 2);
	assert_int_equal(r.n, 2);
	assert_true((strcmp(r.call[0], "c2") == 0 && strcmp(r.call[1], "c3") == 0) ||
		    (strcmp(r.call[0], "c3") == 0 && strcmp(r.call[1], "c2") == 0));
	assert_string_equal(r.owner[0], "e2");
	assert_string_equal(r.owner[1], "e2");
	ng_owner_count(o, &calls, &owned);
	assert_int_equal(calls, 2);
	assert_int_equal(owned, 1);
	/* Much later the unowned call and e1's call are still there. */
	cl_view_update(&v, ps, 1, 100000);
	assert_int_equal(ng_owner_sweep(o, 100000, 10000, view_gone, &v, on_reap,
					&r), 0);
	ng_owner_destroy(o);
}

/* A call of an edge that died before this media node ever saw it alive. */
static void
test_orphan_owner_never_seen(void **state)
{
	struct cl_peer ps[1] = { peer("e1", CP_ROLE_EDGE, 0) };
	struct ng_owner *o;
	struct reaped r = { 0 };
	struct cl_view v;

	(void)state;
	cl_view_init(&v);
	assert_int_equal(ng_owner_create(&o), 0);
	note(o, "c9", "e-dead");
	cl_view_update(&v, ps, 1, 500);
	assert_int_equal(ng_owner_sweep(o, 5000, 10000, view_gone, &v, on_reap,
					&r), 0);
	assert_int_equal(ng_owner_sweep(o, 10500, 10000, view_gone, &v, on_reap,
					&r), 1);
	assert_string_equal(r.call[0], "c9");
	ng_owner_destroy(o);
}

static uint64_t
owner_gone(void *arg, const char *owner, uint64_t now_ms)
{
	return cl_view_owner_gone_ms(arg, owner, now_ms);
}

/* An edge restarted under the same id: the old run's calls are orphans. */
static void
test_orphan_after_restart(void **state)
{
	struct cl_peer ps[1] = { peer("e1", CP_ROLE_EDGE, 0) };
	struct ng_owner *o;
	struct reaped r = { 0 };
	struct cl_view v;

	(void)state;
	cl_view_init(&v);
	assert_int_equal(ng_owner_create(&o), 0);
	ps[0].inc = 111;
	cl_view_update(&v, ps, 1, 1000);
	note(o, "old-1", "e1/111");
	note(o, "any-1", "e1");
	assert_int_equal(cl_view_owner_gone_ms(&v, "e1/111", 2000), 0);
	/* Crashed and back within the heartbeat expiry: a new run. */
	ps[0].inc = 222;
	cl_view_update(&v, ps, 1, 3000);
	note(o, "new-1", "e1/222");
	assert_int_equal(cl_view_owner_gone_ms(&v, "e1/111", 3500), 500);
	assert_int_equal(cl_view_owner_gone_ms(&v, "e1/222", 3500), 0);
	/* A malformed run number counts as the bare id. */
	assert_int_equal(cl_view_owner_gone_ms(&v, "e1/22x", 3500), 0);
	assert_int_equal(ng_owner_sweep(o, 12999, 10000, owner_gone, &v, on_reap,
					&r), 0);
	cl_view_update(&v, ps, 1, 13000);
	assert_int_equal(ng_owner_sweep(o, 13000, 10000, owner_gone, &v, on_reap,
					&r), 1);
	assert_string_equal(r.call[0], "old-1");
	assert_string_equal(r.owner[0], "e1/111");
	ng_owner_destroy(o);
}

/* Offers left unanswered are reaped when idle; answers and new offers keep calls. */
static void
test_idle_unanswered(void **state)
{
	struct ng_owner *o;
	struct reaped r = { 0 };

	(void)state;
	assert_int_equal(ng_owner_create(&o), 0);
	note_at(o, "ringing", "", false, 1000);
	note_at(o, "answered", "e1", false, 1000);
	note_at(o, "answered", "", true, 2000);
	note_at(o, "reoffered", "", false, 1000);
	note_at(o, "reoffered", "", false, 50000);
	assert_int_equal(ng_owner_sweep_idle(o, 180999, 180000, on_reap, &r), 0);
	assert_int_equal(ng_owner_sweep_idle(o, 181000, 180000, on_reap, &r), 1);
	assert_string_equal(r.call[0], "ringing");
	assert_int_equal(ng_owner_sweep_idle(o, 229999, 180000, on_reap, &r), 0);
	assert_int_equal(ng_owner_sweep_idle(o, 230000, 180000, on_reap, &r), 1);
	assert_string_equal(r.call[1], "reoffered");
	/* The answered call stays whatever the time (media timeout's business). */
	assert_int_equal(ng_owner_sweep_idle(o, 100000000, 180000, on_reap, &r), 0);
	assert_int_equal(r.n, 2);
	ng_owner_destroy(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive_and_gone),
		cmocka_unit_test(test_unknown_and_stale),
		cmocka_unit_test(test_forget_and_overflow),
		cmocka_unit_test(test_orphan_sweep),
		cmocka_unit_test(test_orphan_owner_never_seen),
		cmocka_unit_test(test_idle_unanswered),
		cmocka_unit_test(test_orphan_after_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
