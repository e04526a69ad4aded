/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's small helpers: destinations of URIs and Vias (IP literals
 * only), the received/rport rewrite of RFC 3581, our To tags, and the NAT
 * parameters of our Record-Route entries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip_proxy_util.h"
#include "sip_rr.h"

static void
sa4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* URI destinations: host literal, default port, transport parameter; names refused. */
static void
test_util_uri_dest(void **state)
{
	struct sip_txn_dest d;
	struct sip_uri u;
	static const char a[] = "sip:bob@192.0.2.1:5070;transport=tcp";
	static const char b[] = "sip:[2001:db8::1]";
	static const char c[] = "sip:gw.example.com";
	static const char e[] = "sip:192.0.2.1;transport=sctp";

	(void)state;
	assert_int_equal(sip_uri_decode(&u, a, strlen(a)), 0);
	assert_int_equal(sip_proxy_uri_dest(&u, &d), 0);
	assert_int_equal(d.transport, SIP_TP_TCP);
	assert_int_equal(port_of(&d.addr), 5070);
	assert_int_equal(sip_uri_decode(&u, b, strlen(b)), 0);
	assert_int_equal(sip_proxy_uri_dest(&u, &d), 0);
	assert_int_equal(d.addr.ss_family, AF_INET6);
	assert_int_equal(d.transport, SIP_TP_UDP);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&d.addr)->sin6_port), 5060);
	assert_int_equal(sip_uri_decode(&u, c, strlen(c)), 0);
	assert_int_equal(sip_proxy_uri_dest(&u, &d), -EHOSTUNREACH);
	assert_int_equal(sip_uri_decode(&u, e, strlen(e)), 0);
	assert_int_equal(sip_proxy_uri_dest(&u, &d), -EPROTONOSUPPORT);
}

static struct sip_msg msg;
static char buf[1024];

static const struct sip_via *
via(const char *v)
{
	struct sip_perr perr;
	int n;

	n = snprintf(buf, sizeof(buf),
		"OPTIONS sip:x@192.0.2.10 SIP/2.0\r\nVia: %s\r\n"
		"From: <sip:a@x>;tag=1\r\nTo: <sip:x@192.0.2.10>\r\n"
		"Call-ID: u1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", v);
	assert_int_equal(sip_msg_decode(&msg, buf, (size_t)n, &perr), 0);
	return &msg.vias[0];
}

/* received= when the source differs or rport is asked; rport= filled in; others kept. */
static void
test_util_via_received(void **state)
{
	struct sockaddr_storage src;
	char out[256];
	int n;

	(void)state;
	sa4(&src, "203.0.113.9", 40000);
	n = sip_proxy_via_received(via("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;rport"),
		&src, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;"
		"received=203.0.113.9;rport=40000");
	/* Same host, no rport: nothing to change. */
	sa4(&src, "10.0.0.5", 5060);
	assert_int_equal(sip_proxy_via_received(via("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-2"),
		&src, out, sizeof(out)), 0);
	/* An old received= is replaced, other parameters stay in order. */
	sa4(&src, "198.51.100.1", 5060);
	n = sip_proxy_via_received(via("SIP/2.0/UDP h.example;received=1.2.3.4;branch=z9hG4bK-3;x=y"),
		&src, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "SIP/2.0/UDP h.example;branch=z9hG4bK-3;x=y;"
		"received=198.51.100.1");
	assert_int_equal(sip_proxy_via_received(via("SIP/2.0/UDP h.example;branch=z9hG4bK-3"),
		&src, out, 10), -ENOSPC);
}

/* Via destinations: received and rport win over sent-by. */
static void
test_util_via_dest(void **state)
{
	struct sip_txn_dest d;
	char ip[32];

	(void)state;
	assert_int_equal(sip_proxy_via_dest(via("SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-1;"
		"received=203.0.113.9;rport=40000"), &d), 0);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&d.addr)->sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "203.0.113.9");
	assert_int_equal(port_of(&d.addr), 40000);
	assert_int_equal(sip_proxy_via_dest(via("SIP/2.0/TCP 10.0.0.5:5062;branch=z9hG4bK-1"), &d), 0);
	assert_int_equal(port_of(&d.addr), 5062);
	assert_int_equal(d.transport, SIP_TP_TCP);
	assert_int_equal(sip_proxy_via_dest(via("SIP/2.0/UDP host.example;branch=z9hG4bK-1"), &d),
		-EHOSTUNREACH);
}

/* To tags: stable for a request and its retransmissions, different across requests. */
static void
test_util_to_tag(void **state)
{
	char t1[24], t2[24], t3[24];

	(void)state;
	via("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-a");
	sip_proxy_to_tag(&msg, t1, sizeof(t1));
	via("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-a");
	sip_proxy_to_tag(&msg, t2, sizeof(t2));
	via("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-b");
	sip_proxy_to_tag(&msg, t3, sizeof(t3));
	assert_string_equal(t1, t2);
	assert_string_not_equal(t1, t3);
	assert_int_equal(strncmp(t1, "dg", 2), 0);
	assert_int_equal(strlen(t1), 18);
}

/* NAT parameters written into our Record-Route and read back by direction. */
static void
test_util_nat(void **state)
{
	struct sockaddr_storage caller, callee, other;
	struct sip_txn_dest d;
	struct sip_uri u;
	char rr[256];
	int n;

	(void)state;
	sa4(&caller, "198.51.100.7", 5099);
	sa4(&callee, "203.0.113.50", 6001);
	sa4(&other, "192.0.2.200", 5060);
	strcpy(rr, "<sip:192.0.2.10:5060;lr>");
	n = sip_proxy_rr_nat(rr, strlen(rr), sizeof(rr), true, &caller);
	n = sip_proxy_rr_nat(rr, (size_t)n, sizeof(rr), false, &callee);
	assert_string_equal(rr, "<sip:192.0.2.10:5060;lr;dgnatc=198.51.100.7:5099;"
		"dgnat=203.0.113.50:6001>");
	assert_int_equal(sip_rr_value_uri((struct dg_pl){ rr, (size_t)n }, &u), 0);
	/* From anyone but the callee: to the callee. */
	assert_int_equal(sip_proxy_nat_dest(&u, 1, &caller, &d), 0);
	assert_int_equal(port_of(&d.addr), 6001);
	assert_int_equal(sip_proxy_nat_dest(&u, 1, &other, &d), 0);
	assert_int_equal(port_of(&d.addr), 6001);
	/* From the callee: to the caller. */
	assert_int_equal(sip_proxy_nat_dest(&u, 1, &callee, &d), 0);
	assert_int_equal(port_of(&d.addr), 5099);
	/* Without parameters nothing applies. */
	strcpy(rr, "<sip:192.0.2.10:5060;lr>");
	assert_int_equal(sip_rr_value_uri((struct dg_pl){ rr, strlen(rr) }, &u), 0);
	assert_int_equal(sip_proxy_nat_dest(&u, 1, &caller, &d), -ENOENT);
	assert_int_equal(sip_proxy_rr_nat(rr, strlen(rr), 26, true, &caller), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_uri_dest),
		cmocka_unit_test(test_util_via_received),
		cmocka_unit_test(test_util_via_dest),
		cmocka_unit_test(test_util_to_tag),
		cmocka_unit_test(test_util_nat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
