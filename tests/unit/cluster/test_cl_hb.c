/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the heartbeat record: every field survives a round trip,
 * the bytes are the documented "name=value" lines, unknown fields are
 * skipped, and every kind of damage is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cl_hb.h"

static void
peer_fill(struct cl_peer *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "media-2.dc1");
	p->role = CP_ROLE_MEDIA;
	snprintf(p->sip, sizeof(p->sip), "192.0.2.7:5060");
	snprintf(p->ng, sizeof(p->ng), "[2001:db8::7]:2223");
	snprintf(p->http, sizeof(p->http), "192.0.2.7:8080");
	p->capacity = 20000;
	p->weight = 150;
	p->load = 1234;
	p->start_s = 1795600000;
	p->seq = 42;
	p->inc = 9876543210123456789ull;
}

/* A record decodes to exactly the peer it was encoded from. */
static void
test_roundtrip(void **state)
{
	struct cl_peer p, q;
	char buf[CL_HB_MAX];
	int n;

	(void)state;
	peer_fill(&p);
	n = cl_hb_encode(&p, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(cl_hb_decode(buf, (size_t)n, &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
}

/* The bytes on the wire are the version line and one line per field. */
static void
test_wire_format(void **state)
{
	static const char want[] = "v=1\nid=media-2.dc1\nrole=media\n"
		"sip=192.0.2.7:5060\nng=[2001:db8::7]:2223\nhttp=192.0.2.7:8080\n"
		"capacity=20000\nweight=150\nload=1234\nstart=1795600000\nseq=42\n"
		"inc=9876543210123456789\n";
	struct cl_peer p;
	char buf[CL_HB_MAX];
	int n;

	(void)state;
	peer_fill(&p);
	n = cl_hb_encode(&p, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	/* Too small a buffer is refused, not cut. */
	assert_int_equal(cl_hb_encode(&p, buf, 20), -ENOSPC);
}

/* A newer node's extra fields are skipped; absent addresses stay empty. */
static void
test_unknown_fields(void **state)
{
	static const char rec[] = "v=1\nzone=eu-west\nid=e1\nrole=edge\n"
		"future=1\nload=3\n";
	struct cl_peer p;

	(void)state;
	assert_int_equal(cl_hb_decode(rec, strlen(rec), &p), 0);
	assert_string_equal(p.id, "e1");
	assert_int_equal(p.role, CP_ROLE_EDGE);
	assert_int_equal(p.load, 3);
	assert_string_equal(p.ng, "");
	assert_int_equal(p.weight, 0);
}

/* Damaged records are refused with -EBADMSG. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",					/* nothing */
		"v=2\nid=a\nrole=edge\n",		/* unknown version */
		"id=a\nrole=edge\n",			/* no version */
		"v=1\nrole=edge\n",			/* no id */
		"v=1\nid=a\n",				/* no role */
		"v=1\nid=a\nrole=proxy\n",		/* unknown role */
		"v=1\nid=a\nrole=edge",			/* last line unended */
		"v=1\nid=a\nrole=edge\nload=12x\n",	/* bad number */
		"v=1\nid=a\nrole=edge\nload=\n",	/* empty number */
		"v=1\nid=a\nrole=edge\nweight=4294967296\n", /* over 32 bits */
		"v=1\nid=a\nrole=edge\nload=99999999999999999999\n", /* overflow */
		"v=1\nid=a b\nrole=edge\n",		/* space in a value */
		"v=1\nid=a\x01\nrole=edge\n",		/* control character */
		"v=1\nid=\nrole=edge\n",		/* empty id */
		"v=1\n=x\nid=a\nrole=edge\n",		/* empty name */
		"v=1\nnoequals\nid=a\nrole=edge\n",	/* no '=' */
		"v=1\nid=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nrole=edge\n",
	};
	struct cl_peer p;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cl_hb_decode(bad[i], strlen(bad[i]), &p) != -EBADMSG)
			fail_msg("record %u was accepted: %s", i, bad[i]);
	}
}

/* Every prefix of a record is either refused or decodes consistently. */
static void
test_prefixes(void **state)
{
	struct cl_peer p, q;
	char buf[CL_HB_MAX];
	size_t i;
	int n, err;

	(void)state;
	peer_fill(&p);
	n = cl_hb_encode(&p, buf, sizeof(buf));
	for (i = 0; i < (size_t)n; i++) {
		err = cl_hb_decode(buf, i, &q);
		assert_true(err == 0 || err == -EBADMSG);
		if (err == 0)
			assert_string_equal(q.id, p.id);
	}
}

/* A repeated field keeps its last value whole (found by fuzz_cl_hb). */
static void
test_repeated_field(void **state)
{
	static const char twice[] = "v=1\nid=a\nrole=edge\n"
		"sip=192.0.2.100:5060\nsip=1.2.3.4:5\n";
	static const char once[] = "v=1\nid=a\nrole=edge\nsip=1.2.3.4:5\n";
	struct cl_peer p, q;

	(void)state;
	assert_int_equal(cl_hb_decode(twice, strlen(twice), &p), 0);
	assert_int_equal(cl_hb_decode(once, strlen(once), &q), 0);
	assert_string_equal(p.sip, "1.2.3.4:5");
	assert_memory_equal(&p, &q, sizeof(p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_wire_format),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_repeated_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
