/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the bencode codec (ng_bencode.c): a table of valid inputs
 * with their decoded shape, a table of invalid ones with the reason and
 * offset reported, nesting and node limits, prefixes of valid input, the
 * round trip, inputs flush against a guard page, and the encoder's
 * overflow handling.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "ng_bencode.h"
#include "ng_cmd.h"

#define NODES 256

static struct ng_ben_node nodes[NODES];

/* Copy s to the end of a page followed by an unmapped page. */
static const char *
flush(const char *s, size_t n, void **map)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	memcpy(m + pg - n, s, n);
	*map = m;
	return m + pg - n;
}

static void
unflush(void *map)
{
	munmap(map, (size_t)sysconf(_SC_PAGESIZE) * 2);
}

struct valid_case {
	const char *in;
	int consumed;
	uint8_t type;
	uint32_t n_nodes;
};

/* Valid values decode to the expected type, size and node count. */
static void
test_valid_table(void **state)
{
	static const struct valid_case cases[] = {
		{ "i0e", 3, NG_BEN_INT, 1 },
		{ "i-42e", 5, NG_BEN_INT, 1 },
		{ "i9223372036854775807e", 21, NG_BEN_INT, 1 },
		{ "i-9223372036854775808e", 22, NG_BEN_INT, 1 },
		{ "0:", 2, NG_BEN_STR, 1 },
		{ "4:spam", 6, NG_BEN_STR, 1 },
		{ "le", 2, NG_BEN_LIST, 1 },
		{ "de", 2, NG_BEN_DICT, 1 },
		{ "l4:spami7ee", 11, NG_BEN_LIST, 3 },
		{ "d3:cow3:moo4:spam4:eggse", 24, NG_BEN_DICT, 5 },
		/* unsorted keys, as rtpengine's peers send them */
		{ "d7:command4:ping3:abc1:xe", 25, NG_BEN_DICT, 5 },
		{ "d1:ld1:ali1ei2eeee", 18, NG_BEN_DICT, 7 },
		/* trailing bytes are the caller's business */
		{ "i1etrailing", 3, NG_BEN_INT, 1 },
	};
	struct ng_ben_doc doc;
	unsigned int i;
	void *map;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = flush(cases[i].in, strlen(cases[i].in), &map);

		ng_ben_doc_init(&doc, nodes, NODES);
		assert_int_equal(ng_ben_decode(&doc, in, strlen(cases[i].in)),
				 cases[i].consumed);
		assert_int_equal(doc.nodes[0].type, cases[i].type);
		assert_int_equal(doc.n, cases[i].n_nodes);
		unflush(map);
	}
}

struct invalid_case {
	const char *in;
	const char *reason;
	size_t off;
};

/* Invalid input is refused with a precise reason and offset. */
static void
test_invalid_table(void **state)
{
	static const struct invalid_case cases[] = {
		{ "", "empty input", 0 },
		{ "x", "unexpected character", 0 },
		{ "i", "truncated number", 1 },
		{ "ie", "expected a digit", 1 },
		{ "i-e", "expected a digit", 2 },
		{ "i-0e", "negative zero", 2 },
		{ "i03e", "leading zero", 1 },
		{ "i1x", "integer not ended by 'e'", 2 },
		{ "i9223372036854775808e", "number out of range", 19 },
		{ "i12345678901234567890e", "number too long", 20 },
		{ "5:abc", "truncated: string longer than the input", 0 },
		{ "05:abcde", "leading zero", 0 },
		{ "3abc", "string length not followed by ':'", 1 },
		{ "-1:a", "unexpected character", 0 },
		{ "l", "truncated: container not closed", 1 },
		{ "li1e", "truncated: container not closed", 4 },
		{ "di1e1:ae", "dictionary key is not a string", 1 },
		{ "d1:ae", "dictionary key without a value", 4 },
		{ "d1:a", "truncated: container not closed", 4 },
		{ "e", "unexpected character", 0 },
	};
	struct ng_ben_doc doc;
	unsigned int i;
	void *map;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].in);
		const char *in = flush(cases[i].in, n, &map);

		ng_ben_doc_init(&doc, nodes, NODES);
		assert_int_equal(ng_ben_decode(&doc, in, n), -EBADMSG);
		assert_string_equal(doc.reason, cases[i].reason);
		assert_int_equal(doc.err_off, cases[i].off);
		unflush(map);
	}
}

/* Nesting is bounded: NG_BEN_MAX_DEPTH levels pass, one more does not. */
static void
test_depth_limit(void **state)
{
	char in[2 * NG_BEN_MAX_DEPTH + 4];
	struct ng_ben_doc doc;
	int d;

	(void)state;
	for (d = 0; d < NG_BEN_MAX_DEPTH; d++) {
		in[d] = 'l';
		in[NG_BEN_MAX_DEPTH + d] = 'e';
	}
	ng_ben_doc_init(&doc, nodes, NODES);
	assert_int_equal(ng_ben_decode(&doc, in, 2 * NG_BEN_MAX_DEPTH),
			 2 * NG_BEN_MAX_DEPTH);
	memset(in, 'l', NG_BEN_MAX_DEPTH + 1);
	assert_int_equal(ng_ben_decode(&doc, in, NG_BEN_MAX_DEPTH + 1),
			 -EBADMSG);
	assert_string_equal(doc.reason, "nested too deeply");
	assert_int_equal(doc.err_off, NG_BEN_MAX_DEPTH);
}

/* A value with more nodes than the document holds: -E2BIG, not a crash. */
static void
test_node_limit(void **state)
{
	struct ng_ben_node few[3];
	struct ng_ben_doc doc;

	(void)state;
	ng_ben_doc_init(&doc, few, 3);
	assert_int_equal(ng_ben_decode(&doc, "li1ei2ee", 8), 8);
	assert_int_equal(ng_ben_decode(&doc, "li1ei2ei3ee", 11), -E2BIG);
	assert_string_equal(doc.reason, "too many values");
}

/* Every proper prefix of a valid message is refused (UDP has no "more"). */
static void
test_prefixes_refused(void **state)
{
	static const char msg[] =
		"d7:command5:offer7:call-id3:abc5:flagsl13:trust-addresseee";
	struct ng_ben_doc doc;
	size_t n;
	void *map;

	(void)state;
	ng_ben_doc_init(&doc, nodes, NODES);
	assert_int_equal(ng_ben_decode(&doc, msg, sizeof(msg) - 2),
			 (int)sizeof(msg) - 2);
	for (n = 0; n < sizeof(msg) - 2; n++) {
		const char *in = flush(msg, n, &map);

		assert_int_equal(ng_ben_decode(&doc, in, n), -EBADMSG);
		unflush(map);
	}
}

/* Views point into the input; lookups find values by key; the encoding
 * of a decoded value is its input. */
static void
test_views_and_round_trip(void **state)
{
	static const char msg[] =
		"d7:command4:ping4:listl1:ai-3ee5:empty0:e";
	const struct ng_ben_node *v, *it;
	struct ng_ben_doc doc;
	struct ng_benc e;
	char out[128];

	(void)state;
	ng_ben_doc_init(&doc, nodes, NODES);
	assert_int_equal(ng_ben_decode(&doc, msg, sizeof(msg) - 1),
			 (int)sizeof(msg) - 1);
	assert_int_equal(doc.nodes[0].count, 3);
	v = ng_ben_dict_get(&doc, &doc.nodes[0], "command");
	assert_true(ng_ben_str_eq(v, "ping"));
	assert_ptr_equal(v->str.p, msg + 12);
	v = ng_ben_dict_get(&doc, &doc.nodes[0], "list");
	assert_int_equal(v->type, NG_BEN_LIST);
	assert_int_equal(v->count, 2);
	it = ng_ben_first(&doc, v);
	assert_true(ng_ben_str_eq(it, "a"));
	it = ng_ben_next(&doc, it);
	assert_int_equal(it->ival, -3);
	assert_null(ng_ben_next(&doc, it));
	v = ng_ben_dict_get(&doc, &doc.nodes[0], "empty");
	assert_int_equal(v->str.len, 0);
	assert_null(ng_ben_dict_get(&doc, &doc.nodes[0], "absent"));
	/* ng keys match without case and with '-', '_', ' ' alike. */
	assert_true(ng_key_eq(DG_PL("Call_ID"), "call-id"));
	assert_true(ng_key_eq(DG_PL("from tag"), "from-tag"));
	assert_false(ng_key_eq(DG_PL("from-tags"), "from-tag"));
	ng_benc_init(&e, out, sizeof(out));
	ng_benc_node(&e, &doc, 0);
	assert_int_equal(ng_benc_finish(&e), (int)sizeof(msg) - 1);
	assert_memory_equal(out, msg, sizeof(msg) - 1);
}

/* The encoder writes canonical bencode and reports overflow once. */
static void
test_encoder(void **state)
{
	struct ng_benc e;
	char out[64];

	(void)state;
	ng_benc_init(&e, out, sizeof(out));
	ng_benc_dict(&e);
	ng_benc_kv_cstr(&e, "result", "ok");
	ng_benc_kv_int(&e, "n", -7);
	ng_benc_cstr(&e, "l");
	ng_benc_list(&e);
	ng_benc_str(&e, "", 0);
	ng_benc_end(&e);
	ng_benc_end(&e);
	assert_int_equal(ng_benc_finish(&e), 28);
	assert_memory_equal(out, "d6:result2:ok1:ni-7e1:ll0:eee", 28);
	ng_benc_init(&e, out, 10);
	ng_benc_kv_cstr(&e, "result", "ok");
	assert_int_equal(ng_benc_finish(&e), -ENOSPC);
	ng_benc_int(&e, 1);
	assert_int_equal(ng_benc_finish(&e), -ENOSPC);
	assert_true(e.len <= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_table),
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_prefixes_refused),
		cmocka_unit_test(test_views_and_round_trip),
		cmocka_unit_test(test_encoder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
