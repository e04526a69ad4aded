/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation-failure run of the proxy core: a scenario (two REGISTERs, a
 * forked INVITE answered 180/486/200, a routed INVITE failing over from
 * 503 to 200, every timer run out) is played with the n-th allocation
 * failing, for n = 1, 2, ... until it passes without a failure. Each run
 * must end cleanly: no crash, at most one final answer per request, the
 * proxy destroyed with nothing leaked (the sanitizer build checks leaks).
 * Allocations are intercepted with the linker's --wrap.
 */
#include "proxy_test.h"

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

/*
 * Distinct final answers (>= 300) sent to the caller for a request branch
 * (Timer G retransmits the same bytes: they count once).
 */
static unsigned int
finals_for(const char *branch)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < n_sent; i++) {
		if (sent[i].port != UAC_PORT ||
				strncmp(sent[i].text, "SIP/2.0 ", 8) != 0 ||
				sent[i].text[8] < '3' ||
				strstr(sent[i].text, branch) == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(sent[j].text, sent[i].text) == 0)
				break;
		if (j == i)
			n++;
	}
	return n;
}

static void
answer_if(uint16_t port, const char *prefix, int code, const char *tag)
{
	int i = find_sent(port, prefix, 0);

	if (i >= 0)
		answer(i, code, tag, NULL);
}

static void
reg(const char *ip, uint16_t port, const char *contact, const char *cid)
{
	char b[1024];

	snprintf(b, sizeof(b),
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-reg-%s\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=r1\r\n"
		"To: <sip:bob@example.com>\r\nCall-ID: %s\r\nCSeq: 1 REGISTER\r\n"
		"Contact: <%s>\r\nContent-Length: 0\r\n\r\n", ip, port, cid, cid,
		contact);
	(void)rx_from(b, ip, port);
}

static void
scenario(void)
{
	reg("203.0.113.50", 6001, "sip:bob@10.0.0.1:6001", "r1");
	reg("203.0.113.51", 6002, "sip:bob@10.0.0.2:6002", "r2");
	(void)rx_from(invite("sip:bob@example.com", "z9hG4bK-nm1", ""),
		"198.51.100.7", UAC_PORT);
	answer_if(6001, "INVITE ", 180, "x1");
	answer_if(6002, "INVITE ", 486, "x2");
	answer_if(6001, "INVITE ", 200, "x1");
	(void)rx_from(invite("sip:0049301234@example.com", "z9hG4bK-nm2", ""),
		"198.51.100.7", UAC_PORT);
	answer_if(5060, "INVITE sip:0049", 503, "u1");
	answer_if(5070, "INVITE sip:0049", 200, "u2");
	/* Every transaction and dialog timer runs out. */
	uring_timers_run(&ts, 100000 + 3600000);
	uring_timers_run(&ts, 100000 + 7200000);
	assert_true(finals_for("z9hG4bK-nm1") <= 1);
	assert_true(finals_for("z9hG4bK-nm2") <= 1);
}

/* Each failing allocation ends in a clean answer or a clean drop. */
static void
test_proxy_nomem(void **state)
{
	unsigned long n;

	for (n = 1; n < 100000; n++) {
		setup(state);
		proxy_start(true, 0);
		alloc_count = 0;
		fail_at = n;
		scenario();
		fail_at = 0;
		teardown(state);
		if (alloc_count < n)
			break;		/* nothing failed: every point was tried */
	}
	print_message("allocation points tried: %lu\n", n - 1);
	assert_true(n > 10);
}

/* The same scenario without failures does what it should. */
static void
test_proxy_nomem_baseline(void **state)
{
	setup(state);
	proxy_start(true, 0);
	scenario();
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200", 0) >= 0);
	assert_true(find_sent(UAC_PORT, "SIP/2.0 200", 1) >= 0);
	assert_int_equal(finals_for("z9hG4bK-nm1"), 0);
	teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_nomem_baseline),
		cmocka_unit_test(test_proxy_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
