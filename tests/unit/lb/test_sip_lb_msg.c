/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's rewriting, byte for byte: the forwarded REGISTER (our
 * Via on top, Max-Forwards decremented, received/rport on the UA's Via,
 * our Path first), the forwarded in-dialog request (our Route popped),
 * the forwarded INVITE (Record-Route with a flow token), the forwarded
 * response (our Via popped, wherever it sits); branches that are the same
 * for a retransmission and the CANCEL, differ per transaction and per
 * secret, and are verified on the response without state; flow tokens
 * that round-trip and refuse forgery; next hops from Vias and URIs.
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

#include "sip_lb_msg.h"

static struct sip_msg msg, msg2;
static char out[8192];

static void
decode(struct sip_msg *m, const char *text)
{
	struct sip_perr perr;

	assert_int_equal(sip_msg_decode(m, text, strlen(text), &perr), 0);
	assert_int_equal(sip_msg_parse_hdrs(m, SIP_HDR_F_ROUTE | SIP_HDR_F_PATH,
		&perr), 0);
}

static void
addr4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void
self_init(struct sip_lb_self *self, const char *secret)
{
	memset(self, 0, sizeof(*self));
	assert_int_equal(sip_lb_self_init(self, "192.0.2.10:5060", secret), 0);
}

static const char reg[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-reg1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:alice@example.com>\r\n"
	"Call-ID: reg-1@10.0.0.5\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Path: <sip:p1.example.net;lr>\r\n"
	"Contact: <sip:alice@10.0.0.5:5060>\r\n"
	"Content-Length: 0\r\n\r\n";

/* REGISTER: Via pushed, MF 69, received/rport stamped, our Path first. */
static void
test_register_bytes(void **state)
{
	struct sip_lb_self self;
	struct sip_lb_req_opts o;
	struct sockaddr_storage src;
	char branch[SIP_LB_BRANCH_MAX], flow[SIP_LB_FLOW_MAX], want[2048];
	ssize_t n;

	(void)state;
	self_init(&self, "a secret of the test run");
	decode(&msg, reg);
	addr4(&src, "198.51.100.7", 40000);
	assert_int_equal(sip_lb_branch_make(&self.key, &msg, &msg.vias[0],
		branch, sizeof(branch)), 25);
	assert_memory_equal(branch, SIP_LB_BRANCH_PREFIX, 9);
	assert_int_equal(sip_lb_flow_encode(&self.key, &src, flow,
		sizeof(flow)), 3 + 12 + 16);
	assert_memory_equal(flow, "lbfc6336407" "9c40", 15);
	memset(&o, 0, sizeof(o));
	o.branch = branch;
	o.max_forwards = 69;
	o.stamp_src = &src;
	o.path_user = flow;
	n = sip_lb_request_write(&self, &msg, &o, out, sizeof(out));
	assert_true(n > 0);
	snprintf(want, sizeof(want),
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=%s\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-reg1;rport=40000;received=198.51.100.7\r\n"
		"Max-Forwards: 69\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:alice@example.com>\r\n"
		"Call-ID: reg-1@10.0.0.5\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Contact: <sip:alice@10.0.0.5:5060>\r\n"
		"Content-Length: 0\r\n"
		"Path: <sip:%s@192.0.2.10:5060;lr>, <sip:p1.example.net;lr>\r\n"
		"\r\n", branch, flow);
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(out, want, (size_t)n);
}

static const char bye[] =
	"BYE sip:bob@10.0.0.9:5062 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-bye1\r\n"
	"Route: <sip:lbf00@192.0.2.10:5060;lr>, <sip:192.0.2.21:5060;lr>\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:bob@example.com>;tag=b1\r\n"
	"Call-ID: call-1@10.0.0.5\r\n"
	"CSeq: 2 BYE\r\n"
	"Content-Length: 0\r\n\r\n";

/* In-dialog: our Route popped, Max-Forwards added (70) when absent. */
static void
test_route_pop_bytes(void **state)
{
	struct sip_lb_self self;
	struct sip_lb_req_opts o;
	struct sip_addr ra;
	char want[2048];
	ssize_t n;

	(void)state;
	self_init(&self, "a secret of the test run");
	decode(&msg, bye);
	assert_int_equal(msg.n_routes, 2);
	assert_int_equal(sip_addr_decode(&ra, msg.routes[0], NULL), 0);
	assert_true(sip_lb_uri_is_self(&self, &ra.uri));
	assert_int_equal(sip_addr_decode(&ra, msg.routes[1], NULL), 0);
	assert_false(sip_lb_uri_is_self(&self, &ra.uri));
	memset(&o, 0, sizeof(o));
	o.branch = "z9hG4bKlb0123456789abcdef";
	o.max_forwards = 70;
	o.pop_route = true;
	n = sip_lb_request_write(&self, &msg, &o, out, sizeof(out));
	assert_true(n > 0);
	snprintf(want, sizeof(want),
		"BYE sip:bob@10.0.0.9:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlb0123456789abcdef\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-bye1\r\n"
		"Route: <sip:192.0.2.21:5060;lr>\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=b1\r\n"
		"Call-ID: call-1@10.0.0.5\r\n"
		"CSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n"
		"Max-Forwards: 70\r\n"
		"\r\n");
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(out, want, (size_t)n);
}

static const char invite_fmt[] =
	"%s sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=%s;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: call-1@10.0.0.5\r\n"
	"CSeq: 1 %s\r\n"
	"Content-Length: 0\r\n\r\n";

static void
decode_invite(struct sip_msg *m, char *buf, size_t cap, const char *method,
		const char *branch)
{
	snprintf(buf, cap, invite_fmt, method, branch, method);
	decode(m, buf);
}

/* INVITE: our Record-Route (with the flow token) where none was. */
static void
test_record_route_bytes(void **state)
{
	static char text[1024];
	struct sip_lb_self self;
	struct sip_lb_req_opts o;
	char want[2048];
	ssize_t n;

	(void)state;
	self_init(&self, "a secret of the test run");
	decode_invite(&msg, text, sizeof(text), "INVITE", "z9hG4bK-i1");
	memset(&o, 0, sizeof(o));
	o.branch = "z9hG4bKlbfedcba9876543210";
	o.max_forwards = 69;
	o.rr_user = "lbftoken";
	n = sip_lb_request_write(&self, &msg, &o, out, sizeof(out));
	assert_true(n > 0);
	snprintf(want, sizeof(want),
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlbfedcba9876543210\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-i1;rport\r\n"
		"Record-Route: <sip:lbftoken@192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 69\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: call-1@10.0.0.5\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(out, want, (size_t)n);
}

/* Retransmission and CANCEL share the INVITE's branch; others differ. */
static void
test_branch_same_and_different(void **state)
{
	static char t1[1024], t2[1024];
	struct sip_lb_self self, other;
	char b1[SIP_LB_BRANCH_MAX], b2[SIP_LB_BRANCH_MAX];

	(void)state;
	self_init(&self, "a secret of the test run");
	self_init(&other, "another secret entirely");
	decode_invite(&msg, t1, sizeof(t1), "INVITE", "z9hG4bK-i1");
	decode_invite(&msg2, t2, sizeof(t2), "CANCEL", "z9hG4bK-i1");
	sip_lb_branch_make(&self.key, &msg, &msg.vias[0], b1, sizeof(b1));
	sip_lb_branch_make(&self.key, &msg2, &msg2.vias[0], b2, sizeof(b2));
	assert_string_equal(b1, b2);
	sip_lb_branch_make(&self.key, &msg, &msg.vias[0], b2, sizeof(b2));
	assert_string_equal(b1, b2);
	decode_invite(&msg2, t2, sizeof(t2), "INVITE", "z9hG4bK-i2");
	sip_lb_branch_make(&self.key, &msg2, &msg2.vias[0], b2, sizeof(b2));
	assert_string_not_equal(b1, b2);
	sip_lb_branch_make(&other.key, &msg, &msg.vias[0], b2, sizeof(b2));
	assert_string_not_equal(b1, b2);
	/* RFC 2543 branches: Call-ID, From tag and CSeq number count too. */
	decode_invite(&msg, t1, sizeof(t1), "INVITE", "old1");
	decode_invite(&msg2, t2, sizeof(t2), "CANCEL", "old1");
	sip_lb_branch_make(&self.key, &msg, &msg.vias[0], b1, sizeof(b1));
	sip_lb_branch_make(&self.key, &msg2, &msg2.vias[0], b2, sizeof(b2));
	assert_string_equal(b1, b2);
	snprintf(t2, sizeof(t2), invite_fmt, "INVITE", "old1", "INVITE");
	memcpy(strstr(t2, "call-1"), "call-2", 6);
	decode(&msg2, t2);
	sip_lb_branch_make(&self.key, &msg2, &msg2.vias[0], b2, sizeof(b2));
	assert_string_not_equal(b1, b2);
	assert_int_equal(sip_lb_branch_make(&self.key, &msg, &msg.vias[0], b1,
		20), -ENOSPC);
}

/*
 * The response to the forwarded request verifies and pops; a forged or
 * foreign top Via does not verify.
 */
static void
test_response_verify_and_pop(void **state)
{
	static char text[1024], fwd[4096], resp[4096], bad[4096];
	struct sip_lb_self self, other;
	struct sip_lb_req_opts o;
	struct sockaddr_storage dst;
	char branch[SIP_LB_BRANCH_MAX], *p;
	ssize_t n;
	int len;

	(void)state;
	self_init(&self, "a secret of the test run");
	self_init(&other, "another secret entirely");
	decode_invite(&msg, text, sizeof(text), "INVITE", "z9hG4bK-i1");
	sip_lb_branch_make(&self.key, &msg, &msg.vias[0], branch,
		sizeof(branch));
	memset(&o, 0, sizeof(o));
	o.branch = branch;
	o.max_forwards = 69;
	o.stamp_src = NULL;
	n = sip_lb_request_write(&self, &msg, &o, fwd, sizeof(fwd));
	assert_true(n > 0);
	fwd[n] = '\0';
	decode(&msg2, fwd);
	len = sip_resp_build(resp, sizeof(resp), &msg2, 180, NULL, "t1", NULL);
	assert_true(len > 0);
	resp[len] = '\0';
	decode(&msg, resp);
	assert_true(sip_lb_response_is_ours(&self, &msg));
	assert_false(sip_lb_response_is_ours(&other, &msg));
	assert_int_equal(sip_lb_via_dest(&msg.vias[1], &dst), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&dst)->sin_port), 5060);
	n = sip_lb_response_write(&msg, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal((size_t)n, (size_t)len - strlen("Via: SIP/2.0/UDP "
		"192.0.2.10:5060;branch=\r\n") - strlen(branch));
	assert_null(memmem(out, (size_t)n, "192.0.2.10", 10));
	assert_non_null(memmem(out, (size_t)n,
		"\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-i1;rport\r\n",
		57));
	/* One hex digit changed in our branch. */
	memcpy(bad, resp, (size_t)len + 1);
	p = strstr(bad, branch);
	p[12] = p[12] == '0' ? '1' : '0';
	decode(&msg, bad);
	assert_false(sip_lb_response_is_ours(&self, &msg));
	/* Our branch under another sent-by. */
	memcpy(bad, resp, (size_t)len + 1);
	p = strstr(bad, "192.0.2.10:5060;branch");
	memcpy(p, "192.0.2.11", 10);
	decode(&msg, bad);
	assert_false(sip_lb_response_is_ours(&self, &msg));
}

/* Our Via sharing a line with the next one: only our value goes. */
static void
test_response_pop_comma(void **state)
{
	static const char r[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlb00, SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-x;rport=4000;received=198.51.100.7\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=b1\r\n"
		"Call-ID: c@x\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char want[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-x;rport=4000;received=198.51.100.7\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=b1\r\n"
		"Call-ID: c@x\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sockaddr_storage dst;
	char ip[INET_ADDRSTRLEN];
	ssize_t n;

	(void)state;
	decode(&msg, r);
	n = sip_lb_response_write(&msg, out, sizeof(out));
	assert_int_equal((size_t)n, strlen(want));
	assert_memory_equal(out, want, (size_t)n);
	/* received and rport win over sent-by. */
	assert_int_equal(sip_lb_via_dest(&msg.vias[1], &dst), 0);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&dst)->sin_addr, ip,
		sizeof(ip));
	assert_string_equal(ip, "198.51.100.7");
	assert_int_equal(ntohs(((struct sockaddr_in *)&dst)->sin_port), 4000);
}

/* Flow tokens round-trip (IPv4 and IPv6) and refuse forgery. */
static void
test_flow_tokens(void **state)
{
	struct sip_lb_self self, other;
	struct sockaddr_storage a, b;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a;
	char tok[SIP_LB_FLOW_MAX];
	int n;

	(void)state;
	self_init(&self, "a secret of the test run");
	self_init(&other, "another secret entirely");
	addr4(&a, "203.0.113.5", 5062);
	n = sip_lb_flow_encode(&self.key, &a, tok, sizeof(tok));
	assert_int_equal(n, 31);
	assert_int_equal(sip_lb_flow_decode(&self.key,
		(struct dg_pl){ tok, (size_t)n }, &b), 0);
	assert_int_equal(memcmp(&a, &b, sizeof(struct sockaddr_in)), 0);
	assert_int_equal(sip_lb_flow_decode(&other.key,
		(struct dg_pl){ tok, (size_t)n }, &b), -EPERM);
	tok[5] = tok[5] == '0' ? '1' : '0';	/* another address, same tag */
	assert_int_equal(sip_lb_flow_decode(&self.key,
		(struct dg_pl){ tok, (size_t)n }, &b), -EPERM);
	assert_int_equal(sip_lb_flow_decode(&self.key, DG_PL("alice"), &b),
		-ENOENT);
	assert_int_equal(sip_lb_flow_decode(&self.key, DG_PL("lbfzz"), &b),
		-ENOENT);
	memset(&a, 0, sizeof(a));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5060);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &s6->sin6_addr), 1);
	n = sip_lb_flow_encode(&self.key, &a, tok, sizeof(tok));
	assert_int_equal(n, 3 + 36 + 16);
	assert_int_equal(sip_lb_flow_decode(&self.key,
		(struct dg_pl){ tok, (size_t)n }, &b), 0);
	assert_int_equal(memcmp(&a, &b, sizeof(struct sockaddr_in6)), 0);
	assert_int_equal(sip_lb_flow_encode(&self.key, &a, tok, 20), -ENOSPC);
}

/* Next hops: URIs with and without port; names are not resolved. */
static void
test_uri_and_via_dest(void **state)
{
	struct sip_lb_self self;
	struct sockaddr_storage dst;
	struct sip_uri u;

	(void)state;
	self_init(&self, NULL);
	assert_int_equal(sip_uri_decode(&u, "sip:bob@192.0.2.30", 18), 0);
	assert_int_equal(sip_lb_uri_dest(&u, &dst), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&dst)->sin_port), 5060);
	assert_int_equal(sip_uri_decode(&u, "sip:[2001:db8::1]:5070;lr", 25), 0);
	assert_int_equal(sip_lb_uri_dest(&u, &dst), 0);
	assert_int_equal(dst.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&dst)->sin6_port), 5070);
	assert_int_equal(sip_uri_decode(&u, "sip:bob@example.com", 19), 0);
	assert_int_equal(sip_lb_uri_dest(&u, &dst), -EHOSTUNREACH);
	assert_false(sip_lb_uri_is_self(&self, &u));
	assert_int_equal(sip_uri_decode(&u, "sip:192.0.2.10;lr", 17), 0);
	assert_true(sip_lb_uri_is_self(&self, &u));	/* no port: 5060 */
	assert_int_equal(sip_uri_decode(&u, "sip:192.0.2.10:5061;lr", 22), 0);
	assert_false(sip_lb_uri_is_self(&self, &u));
}

/* sent-by text: host[:port], IPv6 in brackets; bad text refused. */
static void
test_self_init(void **state)
{
	struct sip_lb_self s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(sip_lb_self_init(&s, "[2001:db8::1]:5080", NULL), 0);
	assert_int_equal(s.host.len, 13);
	assert_int_equal(s.port, 5080);
	assert_int_equal(sip_lb_self_init(&s, "lb.example.com", NULL), 0);
	assert_int_equal(s.port, 5060);
	assert_int_equal(sip_lb_self_init(&s, "", NULL), -EINVAL);
	assert_int_equal(sip_lb_self_init(&s, "host:70000", NULL), -EINVAL);
	assert_int_equal(sip_lb_self_init(&s, "host:5x", NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_bytes),
		cmocka_unit_test(test_route_pop_bytes),
		cmocka_unit_test(test_record_route_bytes),
		cmocka_unit_test(test_branch_same_and_different),
		cmocka_unit_test(test_response_verify_and_pop),
		cmocka_unit_test(test_response_pop_comma),
		cmocka_unit_test(test_flow_tokens),
		cmocka_unit_test(test_uri_and_via_dest),
		cmocka_unit_test(test_self_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
