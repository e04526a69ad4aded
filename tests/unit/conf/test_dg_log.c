/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured log lines: one line per event with ts, level, prog and event
 * first, the level filter, and values quoted so that a Call-ID with spaces
 * or quotes can never split or forge a key=value pair.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dg_log.h"

/* Runs the logging calls of fn with stderr captured into buf. */
static size_t
capture(void (*fn)(void), char *buf, size_t cap)
{
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, cap - 1);
	close(fds[0]);
	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

static void
log_two(void)
{
	dg_log_init("drongo-test");
	dg_log_set_level(DG_LOG_INFO);
	DG_LOG(DG_LOG_INFO, "sip.rx", "method=%s call_id=%s", "OPTIONS", "a@b");
	DG_LOG(DG_LOG_DEBUG, "sip.tx", "status=%d", 200);
	DG_LOG(DG_LOG_ERROR, "start", "status=error");
}

/* Lines carry the fixed prefix, the caller's pairs, and honour the level. */
static void
test_line_format_and_level(void **state)
{
	char buf[1024], *second;

	(void)state;
	capture(log_two, buf, sizeof(buf));
	assert_memory_equal(buf, "ts=", 3);
	assert_non_null(strstr(buf, "Z level=info prog=drongo-test event=sip.rx "
		"method=OPTIONS call_id=a@b\n"));
	assert_null(strstr(buf, "sip.tx"));
	second = strchr(buf, '\n') + 1;
	assert_memory_equal(second, "ts=", 3);
	assert_non_null(strstr(second, " level=error prog=drongo-test event=start "
		"status=error\n"));
	assert_string_equal(strchr(second, '\n'), "\n");
	assert_true(dg_log_enabled(DG_LOG_WARN));
	assert_false(dg_log_enabled(DG_LOG_DEBUG));
	assert_int_equal(dg_log_get_level(), DG_LOG_INFO);
}

/* Plain tokens stay as they are; anything else is quoted and escaped. */
static void
test_quote(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "abc@host", 8),
		"abc@host");
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "a b", 3), "\"a b\"");
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "x=1", 3), "\"x=1\"");
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "q\"\\", 3),
		"\"q\\\"\\\\\"");
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "a\r\nb", 4),
		"\"a\\x0d\\x0ab\"");
	assert_string_equal(dg_log_quote(buf, sizeof(buf), "", 0), "\"\"");
	/* Cut to fit, still closed and terminated. */
	assert_string_equal(dg_log_quote(buf, 8, "a b c d e f", 11), "\"a b c\"");
	assert_string_equal(dg_log_quote(buf, 8, "\x01\x02", 2), "\"\\x01\"");
	assert_string_equal(dg_log_quote(buf, 4, "abcdef", 6), "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format_and_level),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
