/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text formats of the HTTP server: Prometheus exposition (help and
 * label escaping, name rules, family and sample lines) and JSON (string
 * escaping of quotes, backslashes, control bytes and bytes that are not
 * UTF-8; commas placed by the writer), and the output buffer's ceiling.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http_buf.h"
#include "http_expo.h"
#include "http_json.h"

static void
assert_buf(const struct http_buf *b, const char *want)
{
	assert_int_equal(b->err, 0);
	if (b->len != strlen(want) || memcmp(b->p, want, b->len) != 0)
		fail_msg("got [%.*s], want [%s]", (int)b->len,
			b->p != NULL ? b->p : "", want);
}

/* HELP escapes backslash and newline; label values also escape quotes. */
static void
test_expo_escaping(void **state)
{
	struct http_buf b;
	struct http_label l[2] = {
		{ "reason", "a\"b\\c\nd" },
		{ "worker", "0" },
	};

	(void)state;
	http_buf_init(&b, 4096);
	http_expo_family(&b, "drongo_x_total", "counter",
		"line one\nback\\slash \"quoted\"");
	assert_buf(&b, "# HELP drongo_x_total line one\\nback\\\\slash \"quoted\"\n"
		"# TYPE drongo_x_total counter\n");
	http_buf_reset(&b);
	http_expo_sample(&b, "drongo_x_total", l, 2, 18446744073709551615ull);
	assert_buf(&b, "drongo_x_total{reason=\"a\\\"b\\\\c\\nd\",worker=\"0\"} "
		"18446744073709551615\n");
	http_buf_reset(&b);
	http_expo_single(&b, "up", "gauge", "", 0);
	assert_buf(&b, "# HELP up \n# TYPE up gauge\nup 0\n");
	http_buf_fini(&b);
}

/* Metric and label names follow the format's character rules. */
static void
test_expo_names(void **state)
{
	(void)state;
	assert_true(http_expo_name_ok("drongo_sip_rx_total"));
	assert_true(http_expo_name_ok(":recorded:rule"));
	assert_true(http_expo_name_ok("_x9"));
	assert_false(http_expo_name_ok(""));
	assert_false(http_expo_name_ok("9lives"));
	assert_false(http_expo_name_ok("a-b"));
	assert_false(http_expo_name_ok("a b"));
	assert_true(http_expo_label_ok("worker"));
	assert_false(http_expo_label_ok("__name__"));
	assert_false(http_expo_label_ok("a:b"));
	assert_false(http_expo_label_ok("1a"));
}

static void
json_escaped(const char *in, size_t len, const char *want)
{
	struct http_buf b;

	http_buf_init(&b, 4096);
	http_json_escape(&b, in, len);
	assert_buf(&b, want);
	http_buf_fini(&b);
}

/* JSON strings: RFC 8259 escapes; invalid UTF-8 becomes U+FFFD. */
static void
test_json_escaping(void **state)
{
	(void)state;
	json_escaped("plain", 5, "plain");
	json_escaped("q\"b\\s/", 6, "q\\\"b\\\\s/");
	json_escaped("\n\r\t\x01\x1f\x7f", 6, "\\n\\r\\t\\u0001\\u001f\\u007f");
	json_escaped("nul\0x", 5, "nul\\u0000x");
	/* Valid UTF-8 of 2, 3 and 4 bytes passes as it is. */
	json_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa6", 14,
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa6");
	/* Lone continuation, truncated, overlong, surrogate, past U+10FFFF. */
	json_escaped("a\x80z", 3, "a\\ufffdz");
	json_escaped("a\xc3", 2, "a\\ufffd");
	json_escaped("\xc0\xaf", 2, "\\ufffd\\ufffd");
	json_escaped("\xe0\x80\xaf", 3, "\\ufffd\\ufffd\\ufffd");
	json_escaped("\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd");
	json_escaped("\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd");
}

/* The writer puts commas between members and elements, never elsewhere. */
static void
test_json_writer(void **state)
{
	struct http_buf b;
	struct http_json j;

	(void)state;
	http_buf_init(&b, 4096);
	http_json_init(&j, &b);
	http_json_obj_begin(&j);
	http_json_key(&j, "a");
	http_json_u64(&j, 1);
	http_json_key(&j, "list");
	http_json_arr_begin(&j);
	http_json_i64(&j, -5);
	http_json_bool(&j, true);
	http_json_obj_begin(&j);
	http_json_obj_end(&j);
	http_json_arr_begin(&j);
	http_json_arr_end(&j);
	http_json_str(&j, "x\"");
	http_json_arr_end(&j);
	http_json_key(&j, "k\n");
	http_json_raw(&j, "null", 4);
	http_json_obj_end(&j);
	assert_buf(&b, "{\"a\":1,\"list\":[-5,true,{},[],\"x\\\"\"],\"k\\n\":null}");
	http_buf_reset(&b);
	http_json_init(&j, &b);
	http_json_i64(&j, INT64_MIN);
	assert_buf(&b, "-9223372036854775808");
	http_buf_fini(&b);
}

/* A buffer refuses to pass its ceiling and remembers it (sticky error). */
static void
test_buf_ceiling(void **state)
{
	struct http_buf b;

	(void)state;
	http_buf_init(&b, 8);
	http_buf_str(&b, "12345");
	http_buf_printf(&b, "%d", 678);
	assert_buf(&b, "12345678");
	http_buf_str(&b, "9");
	assert_int_equal(b.err, -EMSGSIZE);
	assert_int_equal(b.len, 8);
	http_buf_str(&b, "");
	assert_int_equal(b.err, -EMSGSIZE);
	http_buf_reset(&b);
	http_buf_u64(&b, 0);
	assert_buf(&b, "0");
	http_buf_fini(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expo_escaping),
		cmocka_unit_test(test_expo_names),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_buf_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
