/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The top Via of stateless responses: received and rport are stamped as
 * RFC 3261 section 18.2.1 and RFC 3581 section 4 require, nothing is added
 * when the client was seen where it said, and the rest of the response is
 * left byte for byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_server_via.h"

static struct sip_msg msg;

static void
decode(const char *via)
{
	static char text[1024];
	struct sip_perr perr;
	int n;

	n = snprintf(text, sizeof(text),
		"OPTIONS sip:example.com SIP/2.0\r\n"
		"Via: %s\r\n"
		"Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-second\r\n"
		"From: <sip:a@example.com>;tag=1\r\n"
		"To: <sip:example.com>\r\n"
		"Call-ID: via@test\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", via);
	assert_int_equal(sip_msg_decode(&msg, text, (size_t)n, &perr), 0);
}

static void
src4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

/* Builds the response to msg, stamps it, returns its first Via line value. */
static const char *
stamped(const struct sockaddr_storage *src, char *out, size_t cap)
{
	static char line[512];
	ssize_t n;
	int len;
	char *v, *e;

	len = sip_resp_build(out, cap, &msg, 200, NULL, "t", NULL);
	assert_true(len > 0);
	n = sip_server_via_stamp(out, (size_t)len, cap, &msg.vias[0], src);
	assert_true(n > 0);
	out[n] = '\0';
	/* The second Via and everything else are untouched. */
	assert_non_null(strstr(out, "\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-second\r\n"));
	assert_non_null(strstr(out, "\r\nCall-ID: via@test\r\n"));
	assert_non_null(strstr(out, "\r\nContent-Length: 0\r\n\r\n"));
	v = strstr(out, "\r\nVia: ") + 7;
	e = strstr(v, "\r\n");
	snprintf(line, sizeof(line), "%.*s", (int)(e - v), v);
	return line;
}

/* An empty rport gets the source port, and received is always added. */
static void
test_rport_filled(void **state)
{
	struct sockaddr_storage src;
	char out[2048];

	(void)state;
	decode("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-1");
	src4(&src, "198.51.100.7", 40123);
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP 10.0.0.1:5060;rport=40123;branch=z9hG4bK-1"
		";received=198.51.100.7");
	decode("SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1;rport");
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1;rport=40123"
		";received=198.51.100.7");
}

/* Seen at the sent-by address without rport: the Via is left alone. */
static void
test_untouched_when_seen_as_sent(void **state)
{
	struct sockaddr_storage src;
	char out[2048];

	(void)state;
	decode("SIP/2.0/UDP 198.51.100.7:5099;branch=z9hG4bK-2");
	src4(&src, "198.51.100.7", 5099);
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP 198.51.100.7:5099;branch=z9hG4bK-2");
}

/* A sent-by that differs (a name, another address) gets received. */
static void
test_received_when_host_differs(void **state)
{
	struct sockaddr_storage src;
	char out[2048];

	(void)state;
	src4(&src, "198.51.100.7", 5060);
	decode("SIP/2.0/TCP client.example.com;branch=z9hG4bK-3");
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/TCP client.example.com;branch=z9hG4bK-3"
		";received=198.51.100.7");
	/* A received the client wrote itself is replaced, not repeated. */
	decode("SIP/2.0/UDP 10.1.1.1;received=203.0.113.1;branch=z9hG4bK-4");
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK-4;received=198.51.100.7");
}

/* IPv6 sources are written without brackets (RFC 5118 section 4.5). */
static void
test_ipv6_received(void **state)
{
	struct sockaddr_storage src;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&src;
	char out[2048];

	(void)state;
	memset(&src, 0, sizeof(src));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(5062);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::9", &sin6->sin6_addr), 1);
	decode("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-5;rport");
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-5;rport=5062"
		";received=2001:db8::9");
	decode("SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK-6");
	assert_string_equal(stamped(&src, out, sizeof(out)),
		"SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK-6");
}

/* No room for the longer Via: -ENOSPC, never a write past cap. */
static void
test_no_space(void **state)
{
	struct sockaddr_storage src;
	char out[2048];
	int len;

	(void)state;
	decode("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-7");
	src4(&src, "198.51.100.7", 40123);
	len = sip_resp_build(out, sizeof(out), &msg, 200, NULL, "t", NULL);
	assert_true(len > 0);
	assert_int_equal(sip_server_via_stamp(out, (size_t)len, (size_t)len + 5,
		&msg.vias[0], &src), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rport_filled),
		cmocka_unit_test(test_untouched_when_seen_as_sent),
		cmocka_unit_test(test_received_when_host_differs),
		cmocka_unit_test(test_ipv6_received),
		cmocka_unit_test(test_no_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
