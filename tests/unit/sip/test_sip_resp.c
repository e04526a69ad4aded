/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_resp_build() writes the exact stateless response of RFC 3261 section
 * 8.2.6, also for requests that failed to decode; sip_msg_response_dest()
 * picks the address of RFC 3261 section 18.2.2 and RFC 3581.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_test.h"

static struct sip_msg msg, resp;
static char out[8192];

/* The response copies every Via line (compact names and folds included),
 * From, To with the new tag, Call-ID, CSeq, then the extra headers. */
static void
test_resp_build_exact(void **state)
{
	static const char req[] =
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
		" SIP/2.0/TCP b.example.com;branch=z9hG4bK2\r\n"
		"Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
		"Max-Forwards: 70\r\n"
		"f: <sip:alice@example.com>;tag=88\r\n"
		"t: Bob <sip:bob@example.com>\r\n"
		"i: abc@def\r\n"
		"CSeq: 7 INVITE\r\n"
		"Require: foo\r\n"
		"l: 0\r\n\r\n";
	static const char want[] =
		"SIP/2.0 420 Bad Extension\r\n"
		"v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
		" SIP/2.0/TCP b.example.com;branch=z9hG4bK2\r\n"
		"Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\r\n"
		"f: <sip:alice@example.com>;tag=88\r\n"
		"t: Bob <sip:bob@example.com>;tag=srv1\r\n"
		"i: abc@def\r\n"
		"CSeq: 7 INVITE\r\n"
		"Unsupported: foo\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_perr err;
	int n, i;

	(void)state;
	assert_int_equal(sip_msg_decode(&msg, req, sizeof(req) - 1, &err), 0);
	n = sip_resp_build(out, sizeof(out), &msg, 420, NULL, "srv1",
			   "Unsupported: foo\r\n");
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	assert_int_equal(sip_msg_decode(&resp, out, (size_t)n, &err), 0);
	assert_int_equal(resp.status, 420);
	assert_int_equal(resp.n_vias, 3);
	assert_true(dg_pl_eq(resp.vias[0].branch, msg.vias[0].branch));
	assert_true(dg_pl_eq(resp.cseq.method_raw, msg.cseq.method_raw));
	for (i = 0; i < n; i++)
		assert_int_equal(sip_resp_build(out, (size_t)i, &msg, 420, NULL,
						"srv1", "Unsupported: foo\r\n"),
				 -ENOSPC);

	/* 100 Trying never gets a To tag; a To that has one keeps it */
	n = sip_resp_build(out, sizeof(out), &msg, 100, NULL, "srv1", NULL);
	assert_true(n > 0);
	assert_non_null(memmem(out, (size_t)n, "t: Bob <sip:bob@example.com>\r\n",
			       30));
	assert_null(memmem(out, (size_t)n, "srv1", 4));
	assert_non_null(memmem(out, (size_t)n, "SIP/2.0 100 Trying\r\n", 20));
	n = sip_resp_build(out, sizeof(out), &msg, 499, "Odd Reason", NULL, NULL);
	assert_true(n > 0);
	assert_memory_equal(out, "SIP/2.0 499 Odd Reason\r\n", 24);
	assert_int_equal(sip_resp_build(out, sizeof(out), &msg, 99, NULL, NULL,
					NULL), -EINVAL);
}

/* Failed decodes that keep a top Via and CSeq are answered with 400 (RFC
 * 4475 insuf, quotbal, badvers 505); the others and ACK are not. */
static void
test_resp_after_failed_decode(void **state)
{
	static const struct {
		const char *file;
		int status;
		bool ok;
	} v[] = {
		{ "rfc4475/quotbal.dat", 400, true },
		{ "rfc4475/badvers.dat", 505, true },
		{ "rfc4475/scalar02.dat", 400, true },
		{ "rfc4475/insuf.dat", 400, true },
		{ "rfc4475/badinv01.dat", 400, false },
		{ "rfc4475/bigcode.dat", 400, false },
	};
	const struct sip_hdr *h;
	struct sip_perr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = 0;
		char *f = sip_test_load(v[i].file, &len);
		int n;

		assert_non_null(f);
		(void)sip_msg_decode(&msg, f, len, &err);
		n = sip_resp_build(out, sizeof(out), &msg, v[i].status, NULL,
				   "t1", NULL);
		if (!v[i].ok) {
			assert_int_equal(n, -EINVAL);
			free(f);
			continue;
		}
		assert_true(n > 0);
		/* the request's own faults are copied back (a quotbal To stays
		 * unbalanced), so check the routing parts byte for byte */
		(void)sip_msg_decode(&resp, out, (size_t)n, &err);
		assert_true(resp.have & SIP_HAVE_START);
		assert_int_equal(resp.status, v[i].status);
		h = sip_msg_hdr_first(&msg, SIP_HDR_VIA);
		assert_non_null(memmem(out, (size_t)n, h->name.p, h->line_len));
		h = sip_msg_hdr_first(&msg, SIP_HDR_CSEQ);
		assert_non_null(memmem(out, (size_t)n, h->name.p, h->line_len));
		free(f);
	}
}

static struct sockaddr_storage
sa(const char *ip, uint16_t port)
{
	struct sockaddr_storage s;

	memset(&s, 0, sizeof(s));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&s;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return s;
}

static void
assert_sa(const struct sockaddr_storage *got, const char *ip, uint16_t port)
{
	struct sockaddr_storage want = sa(ip, port);
	size_t n = want.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		sizeof(struct sockaddr_in6);

	assert_int_equal(got->ss_family, want.ss_family);
	assert_memory_equal(got, &want, n);
}

static int
dest(const char *via, const struct sockaddr_storage *src, bool reliable,
     struct sockaddr_storage *dst)
{
	static char m[1024];
	struct sip_perr err;
	int n = snprintf(m, sizeof(m),
			 "OPTIONS sip:a@b SIP/2.0\r\nVia: %s\r\n"
			 "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n"
			 "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n", via);

	assert_int_equal(sip_msg_decode(&msg, m, (size_t)n, &err), 0);
	return sip_msg_response_dest(&msg, src, reliable, dst);
}

/* received, rport (empty and with a value), maddr, sent-by port, IPv6,
 * reliable transports (same connection). */
static void
test_response_dest(void **state)
{
	struct sockaddr_storage src = sa("203.0.113.7", 40000), dst;
	struct sockaddr_storage src6 = sa("2001:db8::7", 40001);

	(void)state;
	/* no received/rport: the source address, the sent-by port */
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1",
			      &src, false, &dst), 0);
	assert_sa(&dst, "203.0.113.7", 5070);
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1",
			      &src, false, &dst), 0);
	assert_sa(&dst, "203.0.113.7", 5060);
	/* RFC 3581: empty rport means the source port */
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bK1",
			      &src, false, &dst), 0);
	assert_sa(&dst, "203.0.113.7", 40000);
	/* received and rport with values, as a proxy has filled them */
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1;received=198.51.100.2;"
			      "rport=6000;branch=z9hG4bK1", &src, false, &dst), 0);
	assert_sa(&dst, "198.51.100.2", 6000);
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1:5080;received=198.51.100.2;"
			      "branch=z9hG4bK1", &src, false, &dst), 0);
	assert_sa(&dst, "198.51.100.2", 5080);
	/* maddr wins, with the sent-by port */
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1:5090;maddr=239.255.255.1;"
			      "ttl=15;received=198.51.100.2;branch=z9hG4bK1",
			      &src, false, &dst), 0);
	assert_sa(&dst, "239.255.255.1", 5090);
	assert_int_equal(dest("SIP/2.0/UDP 10.0.0.1;maddr=mcast.example.com;"
			      "branch=z9hG4bK1", &src, false, &dst),
			 -EHOSTUNREACH);
	/* IPv6: received with or without brackets (RFC 5118 4.5) */
	assert_int_equal(dest("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];"
			      "rport;branch=z9hG4bK1", &src6, false, &dst), 0);
	assert_sa(&dst, "2001:db8::9:255", 40001);
	assert_int_equal(dest("SIP/2.0/UDP [2001:db8::9:1]:5062;received=2001:db8::9:255;"
			      "branch=z9hG4bK1", &src6, false, &dst), 0);
	assert_sa(&dst, "2001:db8::9:255", 5062);
	/* reliable: back where it came from */
	assert_int_equal(dest("SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK1",
			      &src, true, &dst), 0);
	assert_sa(&dst, "203.0.113.7", 40000);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resp_build_exact),
		cmocka_unit_test(test_resp_after_failed_decode),
		cmocka_unit_test(test_response_dest),
	};

	sip_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
