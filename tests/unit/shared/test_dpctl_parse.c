/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of drongo-dpctl's input grammar (dpctl_parse.c): addresses
 * with and without ports in both families, base64 keys (RFC 4648 vectors,
 * RFC 4568's inline key), suite names, and leg specifications down to the
 * bytes that go into struct dg_msg_leg, with the reason on bad input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dpctl_parse.h"

/* IPv4 with and without port, IPv6 bracketed with port and bare. */
static void
test_addr_parse(void **state)
{
	static const uint8_t v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	uint8_t fam = 0, addr[16];
	uint16_t port = 7;
	char err[128];

	(void)state;
	assert_int_equal(dpctl_addr_parse("192.0.2.10", &fam, addr, &port, err,
					  sizeof(err)), 0);
	assert_int_equal(fam, DG_AF_INET);
	assert_memory_equal(addr, ((uint8_t[]){ 192, 0, 2, 10 }), 4);
	assert_int_equal(port, 7);
	assert_int_equal(dpctl_addr_parse("192.0.2.10:30000", &fam, addr, &port,
					  err, sizeof(err)), 0);
	assert_int_equal(port, 30000);
	assert_int_equal(dpctl_addr_parse("[2001:db8::1]:40002", &fam, addr,
					  &port, err, sizeof(err)), 0);
	assert_int_equal(fam, DG_AF_INET6);
	assert_memory_equal(addr, v6, 16);
	assert_int_equal(port, 40002);
	port = 9;
	assert_int_equal(dpctl_addr_parse("2001:db8::1", &fam, addr, &port, err,
					  sizeof(err)), 0);
	assert_memory_equal(addr, v6, 16);
	assert_int_equal(port, 9);
}

/* Bad addresses and ports are refused with the word in the reason. */
static void
test_addr_parse_errors(void **state)
{
	static const char *const bad[] = {
		"192.0.2", "192.0.2.10:", "192.0.2.10:70000", "192.0.2.10:x",
		"[2001:db8::1", "[2001:db8::1]x", "[192.0.2.1]:5", "host:5060",
		"", "1.2.3.4:-1",
	};
	uint8_t fam, addr[16];
	uint16_t port;
	char err[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(dpctl_addr_parse(bad[i], &fam, addr, &port, err,
						  sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* Formatting round-trips what parsing read. */
static void
test_addr_format(void **state)
{
	uint8_t fam, addr[16];
	uint16_t port = 0;
	char err[128], buf[DPCTL_ADDR_STR];

	(void)state;
	assert_int_equal(dpctl_addr_parse("[2001:db8::5]:1234", &fam, addr,
					  &port, err, sizeof(err)), 0);
	dpctl_addr_format(buf, sizeof(buf), fam, addr, port);
	assert_string_equal(buf, "[2001:db8::5]:1234");
	assert_int_equal(dpctl_addr_parse("10.1.2.3:5", &fam, addr, &port, err,
					  sizeof(err)), 0);
	dpctl_addr_format(buf, sizeof(buf), fam, addr, port);
	assert_string_equal(buf, "10.1.2.3:5");
	dpctl_addr_format(buf, sizeof(buf), DG_AF_NONE, addr, port);
	assert_string_equal(buf, "-");
}

/* RFC 4648 section 10 vectors, with and without padding; wrong lengths,
 * bad characters and non-zero pad bits are refused. */
static void
test_base64(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(dpctl_base64_decode("Zg==", out, 1), 0);
	assert_memory_equal(out, "f", 1);
	assert_int_equal(dpctl_base64_decode("Zm8", out, 2), 0);
	assert_memory_equal(out, "fo", 2);
	assert_int_equal(dpctl_base64_decode("Zm9v", out, 3), 0);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(dpctl_base64_decode("Zm9vYmFy", out, 6), 0);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(dpctl_base64_decode("Zm9vYmFy", out, 5), -EINVAL);
	assert_int_equal(dpctl_base64_decode("Zm9vYmFy", out, 7), -EINVAL);
	assert_int_equal(dpctl_base64_decode("Zm9v!mFy", out, 6), -EINVAL);
	assert_int_equal(dpctl_base64_decode("Zh==", out, 1), -EINVAL);
}

/* A leg with every option lands in the right fields; RTCP ports default
 * to RTP + 1, or RTP with mux. */
static void
test_leg_parse(void **state)
{
	/* RFC 4568 section 4's inline key: 30 bytes of key and salt. */
	static const char key[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	char in[] = "srtp=AES_CM_128_HMAC_SHA1_80:"
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd";
	char *words[] = {
		"relay=192.0.2.1:30000", "peer=198.51.100.7:4000", "strict",
		"latch", in,
	};
	char *mux_words[] = { "relay=[2001:db8::1]", "mux", "peer=[2001:db8::9]:5000" };
	struct dg_msg_leg leg;
	uint8_t raw[30];
	char err[128];
	unsigned int i;

	(void)state;
	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(words, 5, &leg, 0, err, sizeof(err)),
			 0);
	assert_int_equal(leg.relay_family, DG_AF_INET);
	assert_int_equal(leg.relay_rtp_port, 30000);
	assert_int_equal(leg.relay_rtcp_port, 30001);
	assert_int_equal(leg.peer_family, DG_AF_INET);
	assert_memory_equal(leg.peer_addr, ((uint8_t[]){ 198, 51, 100, 7 }), 4);
	assert_int_equal(leg.peer_rtp_port, 4000);
	assert_int_equal(leg.peer_rtcp_port, 4001);
	assert_int_equal(leg.flags, DG_LEG_F_STRICT_SOURCE | DG_LEG_F_LATCH_WINDOW);
	assert_int_equal(leg.srtp_suite, DG_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(dpctl_base64_decode(key, raw, 30), 0);
	assert_memory_equal(leg.srtp_in.key, raw, 16);
	assert_memory_equal(leg.srtp_in.salt, raw + 16, 14);
	for (i = 0; i < 16; i++)
		assert_int_equal(leg.srtp_out.key[i], i);
	for (i = 0; i < 14; i++)
		assert_int_equal(leg.srtp_out.salt[i], 16 + i);

	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(mux_words, 3, &leg, 0, err,
					 sizeof(err)), 0);
	assert_int_equal(leg.relay_family, DG_AF_INET6);
	assert_int_equal(leg.relay_rtp_port, 0);
	assert_int_equal(leg.relay_rtcp_port, 0);
	assert_int_equal(leg.flags, DG_LEG_F_RTCP_MUX);
	assert_int_equal(leg.peer_rtp_port, 5000);
	assert_int_equal(leg.peer_rtcp_port, 5000);
	assert_int_equal(leg.srtp_suite, DG_SRTP_NONE);
}

/* GCM keys are 16 + 12 bytes; a 30-byte key for GCM or a 28-byte one for
 * AES-CM is refused. */
static void
test_leg_parse_gcm(void **state)
{
	char ok[] = "srtp=aead_aes_128_gcm:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==";
	char bad[] = "srtp=AES_CM_128_HMAC_SHA1_32:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==";
	char *w_ok[] = { "relay=192.0.2.1", ok };
	char *w_bad[] = { "relay=192.0.2.1", bad };
	struct dg_msg_leg leg;
	char err[128];

	(void)state;
	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(w_ok, 2, &leg, 0, err, sizeof(err)), 0);
	assert_int_equal(leg.srtp_suite, DG_SRTP_AEAD_AES_128_GCM);
	assert_int_equal(leg.srtp_in.salt[11], 27);
	assert_int_equal(leg.srtp_in.salt[12], 0);
	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(w_bad, 2, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "30 bytes"));
}

/* Unknown words, suites, missing relay and malformed srtp= are refused
 * with a reason. */
static void
test_leg_parse_errors(void **state)
{
	char *unknown[] = { "relay=192.0.2.1", "fast" };
	char *suite[] = { "relay=192.0.2.1", "srtp=AES_256:AAAA:AAAA" };
	char *parts[] = { "relay=192.0.2.1", "srtp=AES_CM_128_HMAC_SHA1_80:AAAA" };
	char *norelay[] = { "peer=192.0.2.9:4000" };
	char *port[] = { "relay=192.0.2.1", "rtcp=65536" };
	struct dg_msg_leg leg;
	char err[128];

	(void)state;
	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(unknown, 2, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'fast'"));
	assert_int_equal(dpctl_leg_parse(suite, 2, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown suite"));
	assert_int_equal(dpctl_leg_parse(parts, 2, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "SUITE:INKEY:OUTKEY"));
	assert_int_equal(dpctl_leg_parse(norelay, 1, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "relay="));
	memset(&leg, 0, sizeof(leg));
	assert_int_equal(dpctl_leg_parse(norelay, 1, &leg, 1, err, sizeof(err)),
			 0);
	assert_int_equal(leg.relay_family, DG_AF_NONE);
	assert_int_equal(dpctl_leg_parse(port, 2, &leg, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "rtcp=65536"));
	assert_int_equal(dpctl_suite_parse("aes_cm_128_hmac_sha1_32"),
			 DG_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_string_equal(dpctl_suite_name(DG_SRTP_AEAD_AES_128_GCM),
			    "AEAD_AES_128_GCM");
	assert_string_equal(dpctl_suite_name(200), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_parse_errors),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_leg_parse),
		cmocka_unit_test(test_leg_parse_gcm),
		cmocka_unit_test(test_leg_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
