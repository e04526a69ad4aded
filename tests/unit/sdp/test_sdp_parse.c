/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the SDP parser and writer: RFC 3264 section 10 offer/answer
 * bodies, RFC 4475 and RFC 5118 message bodies, RFC 4568 a=crypto, hold,
 * ICE-laden WebRTC-like bodies, the rejections and their reasons, and
 * round trips through the writer. Inputs sit flush against a guard page.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "sdp.h"
#include "sdp_test.h"

static struct sdp_session sess, sess2;
static char wbuf[16384];

/* Parse bytes placed against a guard page; the guard stays mapped until free. */
static int
parse_guarded(struct dg_test_guard *g, const char *data, size_t len,
	      struct sdp_session *s, struct sdp_perr *err)
{
	assert_int_equal(dg_test_guard_put(g, data, len), 0);
	return sdp_parse(s, g->p, len, err);
}

static char *
load(const char *rel, size_t *len)
{
	char *b = sdp_test_load(rel, len);

	if (b == NULL)
		fail_msg("vector %s missing", rel);
	return b;
}

static bool
pl_is(struct dg_pl pl, const char *s)
{
	return pl.p != NULL && pl.len == strlen(s) && memcmp(pl.p, s, pl.len) == 0;
}

/* RFC 3264 section 10.1 offer: two streams on a session c= with an FQDN. */
static void
test_rfc3264_offer(void **state)
{
	struct dg_test_guard g;
	struct sdp_stream st;
	size_t len;
	char *b = load("sdp/rfc3264-10.1-offer.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_int_equal(sess.n_lines, 12);
	assert_int_equal(sess.n_media, 2);
	assert_true(pl_is(sess.origin.user, "alice"));
	assert_true(sess.origin.version == 2890844526ull);
	assert_true(pl_is(sess.name, ""));
	assert_true(sess.conn.set);
	assert_true(pl_is(sess.conn.addr, "host.atlanta.example.com"));
	assert_int_equal(sess.conn.af, AF_INET);
	assert_false(sess.conn.numeric);
	assert_true(pl_is(sess.media[0].type, "audio"));
	assert_int_equal(sess.media[0].port, 49170);
	assert_int_equal(sess.media[0].proto, SDP_PROTO_RTP_AVP);
	assert_true(pl_is(sess.media[0].fmts, "0 8 97"));
	assert_int_equal(sess.media[0].line, 5);
	assert_int_equal(sess.media[0].end, 9);
	assert_int_equal(sess.media[1].port, 51372);
	assert_int_equal(sess.media[1].end, 12);
	assert_int_equal(sess.lines[6].attr, SDP_ATTR_RTPMAP);
	assert_true(pl_is(sess.lines[6].aval, "0 PCMU/8000"));
	assert_int_equal(sdp_media_dir(&sess, 0), SDP_DIR_SENDRECV);
	assert_int_equal(sdp_stream_get(&sess, 1, &st), 0);
	assert_false(st.addr_numeric);
	assert_true(pl_is(st.addr, "host.atlanta.example.com"));
	assert_int_equal(st.rtp_port, 51372);
	assert_int_equal(st.rtcp_port, 51373);
	assert_int_equal(sdp_stream_get(&sess, 2, &st), -EINVAL);
	dg_test_guard_free(&g);
	free(b);
}

/* RFC 3264 section 10.2 answer: a rejected stream has port 0 and stays parseable. */
static void
test_rfc3264_rejected(void **state)
{
	struct dg_test_guard g;
	struct sdp_stream st;
	size_t len;
	char *b = load("sdp/rfc3264-10.2-answer.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_int_equal(sess.media[0].port, 49172);
	assert_int_equal(sess.media[1].port, 0);
	assert_int_equal(sdp_stream_get(&sess, 1, &st), 0);
	assert_true(st.rejected);
	assert_false(st.rejected && st.rtp_port != 0);
	dg_test_guard_free(&g);
	free(b);
}

/* The SDP bodies of RFC 4475's messages (sdp01 and the rest) parse; wsinv's c= differs from o=. */
static void
test_rfc4475_bodies(void **state)
{
	static const struct {
		const char *file;
		const char *conn;
		uint16_t port0;
		unsigned int n_media;
	} tab[] = {
		{ "rfc4475/sdp01.dat", "192.0.2.5", 49217, 2 },
		{ "rfc4475/wsinv.dat", "192.0.2.4", 49217, 2 },
		{ "rfc4475/esc01.dat", "192.0.2.1", 49217, 2 },
		{ "rfc4475/multi01.dat", "192.0.2.25", 49217, 2 },
		{ "rfc4475/inv2543.dat", "192.0.2.5", 49217, 1 },
		{ "rfc4475/ltgtruri.dat", "192.0.2.5", 49217, 2 },
		{ "rfc5118/ipv6-in-sdp.dat", "2001:db8::20", 6000, 2 },
		{ "rfc5118/ipv4-mapped-ipv6.dat", "::ffff:192.0.2.2", 6000, 2 },
	};
	struct sdp_stream st;
	struct dg_test_guard g;
	size_t i, len, blen;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		char *b = load(tab[i].file, &len);
		const char *body = sdp_test_sip_body(b, len, &blen);
		struct sdp_perr err = { 0 };
		int rc;

		assert_non_null(body);
		rc = parse_guarded(&g, body, blen, &sess, &err);
		if (rc != 0)
			fail_msg("%s: %s (line %u)", tab[i].file, err.reason, err.line);
		assert_true(pl_is(sess.conn.addr, tab[i].conn));
		assert_true(sess.conn.numeric);
		assert_int_equal(sess.n_media, tab[i].n_media);
		assert_int_equal(sess.media[0].port, tab[i].port0);
		assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
		assert_int_equal(st.rtp.ss_family, sess.conn.af);
		assert_int_equal(ntohs(((struct sockaddr_in *)&st.rtp)->sin_port),
				 tab[i].port0);
		dg_test_guard_free(&g);
		free(b);
	}
}

/* RFC 5118 mult-ip-in-sdp: media-level c= of different families, none at session level. */
static void
test_rfc5118_media_conn(void **state)
{
	struct sdp_stream st;
	struct dg_test_guard g;
	size_t len, blen;
	char *b = load("rfc5118/mult-ip-in-sdp.dat", &len);
	const char *body = sdp_test_sip_body(b, len, &blen);
	char txt[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(parse_guarded(&g, body, blen, &sess, NULL), 0);
	assert_false(sess.conn.set);
	assert_int_equal(sess.media[0].conn.af, AF_INET);
	assert_int_equal(sess.media[1].conn.af, AF_INET6);
	assert_int_equal(sdp_stream_get(&sess, 1, &st), 0);
	assert_int_equal(st.rtp.ss_family, AF_INET6);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&st.rtp)->sin6_addr, txt,
		  sizeof(txt));
	assert_string_equal(txt, "2001:db8::1");
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&st.rtcp)->sin6_port), 6025);
	dg_test_guard_free(&g);
	free(b);
}

/* RFC 4568 section 8.1 example: tags, suites, lifetime, MKI, two keys, session parameters. */
static void
test_rfc4568_crypto(void **state)
{
	static const uint8_t key[16] = "YS___semctl () {";
	static const uint8_t salt[14] = "\t220;}\n}\nunles";
	struct sdp_srtp_key k;
	struct sdp_stream st;
	struct dg_test_guard g;
	const struct sdp_crypto *c;
	size_t len;
	char *b = load("sdp/rfc4568-offer.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_int_equal(sess.media[0].proto, SDP_PROTO_RTP_SAVP);
	assert_int_equal(sess.media[0].n_crypto, 2);
	c = &sess.media[0].crypto[0];
	assert_int_equal(c->tag, 1);
	assert_int_equal(c->suite, SDP_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c->n_keys, 1);
	assert_true(pl_is(c->lifetime, "2^20"));
	assert_true(pl_is(c->mki, "1:4"));
	assert_true(pl_is(c->session_params, "FEC_ORDER=FEC_SRTP"));
	assert_int_equal(sdp_crypto_decode(c, &k), 0);
	assert_memory_equal(k.key, key, 16);
	assert_memory_equal(k.salt, salt, 14);
	assert_int_equal(k.key_len, 16);
	assert_int_equal(k.salt_len, 14);
	assert_true(k.lifetime == 1048576);
	assert_int_equal(k.mki, 1);
	assert_int_equal(k.mki_len, 4);
	c = &sess.media[0].crypto[1];
	assert_int_equal(c->tag, 2);
	assert_int_equal(c->suite, SDP_SUITE_F8_128_HMAC_SHA1_80);
	assert_int_equal(c->n_keys, 2);
	assert_true(pl_is(c->key_b64, "MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm"));
	assert_int_equal(sdp_crypto_decode(c, &k), 0);
	assert_memory_equal(k.key, "123456789ABCDE01", 16);
	assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
	assert_int_equal(st.n_crypto, 2);
	assert_int_equal(st.crypto[1].suite, SDP_SUITE_F8_128_HMAC_SHA1_80);
	assert_true(pl_is(sess.lines[3].val, "A discussion of Secure RTP"));
	assert_int_equal(sess.lines[4].type, 'u');
	dg_test_guard_free(&g);
	free(b);
}

/* Hold: a=sendonly and RFC 2543 c=0.0.0.0 with an a=rtcp address of 0.0.0.0. */
static void
test_hold(void **state)
{
	struct sdp_stream st;
	struct dg_test_guard g;
	size_t len;
	char *b = load("sdp/hold-sendonly.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_int_equal(sess.media[0].dir, SDP_DIR_SENDONLY);
	assert_int_equal(sess.media[0].ptime, 20);
	assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
	assert_int_equal(st.dir, SDP_DIR_SENDONLY);
	assert_false(st.hold);
	dg_test_guard_free(&g);
	free(b);

	b = load("sdp/hold-2543.sdp", &len);
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_true(sess.conn.hold);
	assert_true(sess.media[0].rtcp.set);
	assert_int_equal(sess.media[0].rtcp.port, 49171);
	assert_true(sess.media[0].rtcp.addr.hold);
	assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
	assert_true(st.hold);
	assert_int_equal(st.dir, SDP_DIR_INACTIVE);
	assert_int_equal(st.rtcp_port, 49171);
	dg_test_guard_free(&g);
	free(b);
}

/* WebRTC-like SDES body: ICE attributes, a=rtcp with address, rtcp-mux, b=, unknown attributes kept. */
static void
test_webrtc_sdes(void **state)
{
	struct sdp_stream st;
	struct dg_test_guard g;
	const struct sdp_media *m;
	size_t len, i, other = 0;
	char *b = load("sdp/webrtc-sdes.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_true(pl_is(sess.ice_options, "trickle"));
	m = &sess.media[0];
	assert_int_equal(m->proto, SDP_PROTO_RTP_SAVPF);
	assert_int_equal(m->n_candidates, 3);
	assert_true(m->end_of_candidates);
	assert_true(pl_is(m->ice_ufrag, "F7gI"));
	assert_true(pl_is(m->ice_pwd, "x9cml/YzichV2+XlhiMu8g"));
	assert_true(m->rtcp_mux);
	assert_true(m->rtcp.addr.set);
	assert_int_equal(m->n_bw, 1);
	assert_true(pl_is(m->bw[0].type, "AS"));
	assert_true(m->bw[0].value == 64);
	for (i = 0; i < sess.n_lines; i++)
		if (sess.lines[i].attr == SDP_ATTR_OTHER)
			other++;
	assert_int_equal(other, 6);
	assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
	assert_true(st.rtcp_mux);
	assert_true(st.ice);
	assert_int_equal(st.rtcp_port, 54321);
	assert_int_equal(st.n_crypto, 1);
	assert_int_equal(st.crypto[0].key[0], 0x77);
	assert_int_equal(st.crypto[0].salt[13], 0x23);
	dg_test_guard_free(&g);
	free(b);
}

/* DTLS body: ice-lite at session level, IPv6, recvonly. */
static void
test_webrtc_dtls(void **state)
{
	struct sdp_stream st;
	struct dg_test_guard g;
	size_t len;
	char *b = load("sdp/webrtc-dtls.sdp", &len);

	(void)state;
	assert_int_equal(parse_guarded(&g, b, len, &sess, NULL), 0);
	assert_true(sess.ice_lite);
	assert_int_equal(sess.media[0].proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	assert_int_equal(sess.origin.addr.af, AF_INET6);
	assert_int_equal(sdp_stream_get(&sess, 0, &st), 0);
	assert_int_equal(st.dir, SDP_DIR_RECVONLY);
	assert_int_equal(st.rtp.ss_family, AF_INET6);
	assert_int_equal(st.rtcp_port, 9);
	dg_test_guard_free(&g);
	free(b);
}

/* LF line ends, port counts, multicast TTL, session b= and direction; written back with CRLF. */
static void
test_lf_only(void **state)
{
	struct dg_test_guard g;
	size_t len, i, o = 0;
	char *b = load("sdp/lf-only.sdp", &len);
	struct sdp_perr err = { 0 };
	char crlf[2048];
	int n;

	(void)state;
	if (parse_guarded(&g, b, len, &sess, &err) != 0)
		fail_msg("%s line %u", err.reason, err.line);
	assert_int_equal(sess.media[0].nports, 2);
	assert_int_equal(sess.media[0].port, 20000);
	assert_int_equal(sess.media[0].n_bw, 2);
	assert_int_equal(sess.n_bw, 1);
	assert_true(sess.bw[0].value == 384);
	assert_int_equal(sess.dir, SDP_DIR_RECVONLY);
	assert_int_equal(sdp_media_dir(&sess, 0), SDP_DIR_RECVONLY);
	assert_int_equal(sdp_media_dir(&sess, 1), SDP_DIR_SENDRECV);
	assert_true(pl_is(sess.media[1].conn.addr, "203.0.113.6"));
	assert_int_equal(sess.media[1].proto, SDP_PROTO_RTP_AVPF);
	assert_true(pl_is(sess.lines[10].aval, "opaque value"));
	assert_true(pl_is(sess.lines[10].name, "x-vendor-thing"));
	for (i = 0; i < len; i++) {
		if (b[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = b[i];
	}
	n = sdp_write(&sess, wbuf, sizeof(wbuf));
	assert_int_equal(n, (int)o);
	assert_memory_equal(wbuf, crlf, o);
	dg_test_guard_free(&g);
	free(b);
}

/* Every vector written back is byte-identical (CRLF vectors), and parses to the same lines. */
static void
test_round_trip(void **state)
{
	static const char *const files[] = {
		"sdp/rfc3264-10.1-offer.sdp", "sdp/rfc3264-10.1-answer.sdp",
		"sdp/rfc3264-10.2-answer.sdp", "sdp/rfc4568-offer.sdp",
		"sdp/hold-sendonly.sdp", "sdp/hold-2543.sdp",
		"sdp/webrtc-sdes.sdp", "sdp/webrtc-dtls.sdp", "sdp/webrtc-trickle.sdp",
	};
	size_t i, j, len;
	int n;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *b = load(files[i], &len);

		assert_int_equal(sdp_parse(&sess, b, len, NULL), 0);
		n = sdp_write(&sess, wbuf, sizeof(wbuf));
		assert_int_equal(n, (int)len);
		assert_memory_equal(wbuf, b, len);
		assert_int_equal(sdp_parse(&sess2, wbuf, (size_t)n, NULL), 0);
		assert_int_equal(sess2.n_lines, sess.n_lines);
		for (j = 0; j < sess.n_lines; j++) {
			assert_int_equal(sess2.lines[j].type, sess.lines[j].type);
			assert_int_equal(sess2.lines[j].attr, sess.lines[j].attr);
			assert_int_equal(sess2.lines[j].val.len, sess.lines[j].val.len);
		}
		assert_int_equal(sdp_write(&sess, wbuf, len - 1), -ENOSPC);
		free(b);
	}
}

/* Every prefix of a vector, against the guard page: parsed or rejected with a reason, never read past. */
static void
test_prefixes(void **state)
{
	struct sdp_perr err;
	struct dg_test_guard g;
	size_t len, i;
	char *b = load("sdp/webrtc-sdes.sdp", &len);
	int rc;

	(void)state;
	for (i = 0; i <= len; i++) {
		err.reason = NULL;
		rc = parse_guarded(&g, b, i, &sess, &err);
		assert_true(rc == 0 || (rc == -EBADMSG && err.reason != NULL));
		dg_test_guard_free(&g);
	}
	free(b);
}

/* Malformed descriptions: -EBADMSG with the reason and the line. */
static void
test_errors(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
		unsigned int line;
	} tab[] = {
		{ "", "empty description", 0 },
		{ "o=a 1 1 IN IP4 1.2.3.4\r\n", "v= must be the first line", 1 },
		{ "v=1\r\n", "v=: version is not 0", 1 },
		{ "v=0\r\ns=-\r\n", "o= must follow v=", 2 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n", "s= must follow o=", 3 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", "t= missing", 0 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n", "t= missing", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nc=IN IP4 1.2.3.4\r\n",
		  "line out of order (RFC 8866 section 5)", 5 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n",
		  "line type repeated at session level", 5 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nx=1\r\n", "unknown line type", 5 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n",
		  "line type not allowed in a media section", 6 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=x\r\nc=IN IP4 1.2.3.4\r\n",
		  "line out of order (RFC 8866 section 5)", 8 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n",
		  "no c= for a media section", 5 },
		{ "v=0\r\no=a 1 IN IP4 1.2.3.4\r\n", "o=: expected six fields", 2 },
		{ "v=0\r\no=a x 1 IN IP4 1.2.3.4\r\n", "o=: session id is not a number", 2 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.400\r\n", "bad IPv4 address", 2 },
		{ "v=0\r\no=a 1 1 IN IP6 1.2.3.4\r\n", "IPv4 address with address type IP6", 2 },
		{ "v=0\r\no=a 1 1 IN IP4 ::1\r\n", "IPv6 address with address type IP4", 2 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4/x\r\n", "c=: bad multicast TTL or count", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN  IP4 1.2.3.4\r\n",
		  "c=: expected <nettype> <addrtype> <address>", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nb=AS\r\n", "b=: expected <bwtype>:<bandwidth>", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0\r\n", "t=: expected <start-time> <stop-time>", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n",
		  "m=: bad port", 6 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n",
		  "m=: expected <media> <port> <proto> <fmt> ...", 6 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n",
		  "more than one direction attribute", 8 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly:x\r\n",
		  "direction attribute with a value", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:x\r\n",
		  "a=rtcp: bad port", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:5 IN IP4\r\n",
		  "a=rtcp: expected <port> <nettype> <addrtype> <address>", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n",
		  "a=crypto: key||salt does not match the suite", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\na=crypto:x AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n",
		  "a=crypto: bad tag", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n",
		  "a=crypto: expected <tag> <suite> <key-params>", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\n"
		  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4|2^20\r\n",
		  "a=crypto: bad key parameter (inline:key||salt[|lifetime][|MKI:length])", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n",
		  "a=rtpmap: expected <pt> <encoding>/<clock rate>", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=ptime:x\r\n",
		  "a=ptime: not a number", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=candidate:1 1 udp 5 1.2.3.4 5 host\r\n",
		  "a=candidate: malformed", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=ice-ufrag:\r\n",
		  "ICE attribute without a value", 7 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=b c\r\n", "a=: bad attribute name", 5 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\n\r\nt=0 0\r\n", "empty line", 4 },
		{ "v=0\r\no=a 1 1 IN IP4 1.2.3.4\rs=-\r\n", "CR not followed by LF", 2 },
		{ "v=0\r\nv\r\n", "line is not <type>=<value>", 2 },
		{ "v=0\r\nV=0\r\n", "unknown line type", 2 },
	};
	struct sdp_perr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct dg_test_guard g;
		int rc;

		err.reason = NULL;
		err.line = 99;
		rc = parse_guarded(&g, tab[i].body, strlen(tab[i].body), &sess, &err);
		if (rc != -EBADMSG || err.reason == NULL ||
		    strcmp(err.reason, tab[i].reason) != 0 || err.line != tab[i].line)
			fail_msg("case %zu: rc %d reason \"%s\" line %u, want \"%s\" line %u",
				 i, rc, err.reason ? err.reason : "(null)", err.line,
				 tab[i].reason, tab[i].line);
		dg_test_guard_free(&g);
	}
}

/* Accepted oddities: missing final line end, trailing empty lines, a NUL-free LF body, ptime with a fraction. */
static void
test_lenient(void **state)
{
	static const char *const ok[] = {
		"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0",
		"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n\r\n\r\n",
		"v=0\no=a 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nr=604800 3600 0 90000\nz=2882844526 -1h\nt=0 0\nk=prompt\n",
		"v=0\r\no=a 1 1 IN IP4 h.example\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\na=ptime:20.5\r\na=rtpmap:31 LPC\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sdp_perr err = { 0 };
		struct dg_test_guard g;

		if (parse_guarded(&g, ok[i], strlen(ok[i]), &sess, &err) != 0)
			fail_msg("case %zu: %s line %u", i, err.reason, err.line);
		dg_test_guard_free(&g);
	}
	assert_int_equal(sess.media[0].ptime, 20);
}

/* base64 of RFC 4648 section 10 and its rejections. */
static void
test_base64(void **state)
{
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	uint8_t out[16];
	char txt[16];
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(sdp_base64_encode((const uint8_t *)"foobar", i, txt),
				 strlen(enc[i]));
		assert_memory_equal(txt, enc[i], strlen(enc[i]));
		assert_int_equal(sdp_base64_decode((struct dg_pl){ enc[i], strlen(enc[i]) },
						   out, sizeof(out)), (int)i);
		assert_memory_equal(out, "foobar", i);
	}
	assert_int_equal(sdp_base64_decode(DG_PL("Zm8"), out, sizeof(out)), 2);
	assert_int_equal(sdp_base64_decode(DG_PL("Zm9"), out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode(DG_PL("Zg"), out, sizeof(out)), 1);
	assert_int_equal(sdp_base64_decode(DG_PL("Z"), out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode(DG_PL("Zm9=="), out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode(DG_PL("Zh=="), out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode(DG_PL("Zm!v"), out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode(DG_PL("Zm9vYmFy"), out, 5), -ENOSPC);
}

static bool
pl_unset(struct dg_pl pl)
{
	return pl.p == NULL;
}

/* rtpmap/fmtp per payload type: encoding, clock, channels, fmtp; static types without lines; absent types. */
static void
test_rtpmap(void **state)
{
	static const char *const lpc =
		"v=0\r\no=m 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
		"m=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n";
	struct sdp_rtpmap r;
	size_t len;
	char *b = load("sdp/webrtc-sdes.sdp", &len);

	(void)state;
	assert_int_equal(sdp_parse(&sess, b, len, NULL), 0);
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 111, &r), 0);
	assert_true(pl_is(r.encoding, "opus"));
	assert_int_equal(r.clock, 48000);
	assert_true(pl_is(r.enc_params, "2"));
	assert_true(pl_is(r.fmtp, "minptime=10;useinbandfec=1"));
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 126, &r), 0);
	assert_true(pl_is(r.encoding, "telephone-event"));
	assert_true(pl_unset(r.enc_params));
	assert_true(pl_unset(r.fmtp));
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 8, &r), -ENOENT);
	assert_int_equal(sdp_media_rtpmap(&sess, 1, 0, &r), -EINVAL);
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 128, &r), -EINVAL);
	free(b);
	b = load("sdp/hold-sendonly.sdp", &len);
	assert_int_equal(sdp_parse(&sess, b, len, NULL), 0);
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 101, &r), 0);
	assert_true(pl_is(r.fmtp, "0-15"));
	assert_int_equal(r.clock, 8000);
	free(b);
	b = load("sdp/rfc3264-10.1-offer.sdp", &len);
	assert_int_equal(sdp_parse(&sess, b, len, NULL), 0);
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 97, &r), 0);
	assert_true(pl_is(r.encoding, "iLBC"));
	free(b);
	assert_int_equal(sdp_parse(&sess, lpc, strlen(lpc), NULL), 0);
	assert_int_equal(sdp_media_rtpmap(&sess, 0, 31, &r), 0);
	assert_true(pl_is(r.encoding, "LPC"));
	assert_int_equal(r.clock, 0);
}

/* Suite table: names both ways and key/salt lengths. */
static void
test_suites(void **state)
{
	(void)state;
	assert_int_equal(sdp_suite_from_name(DG_PL("AES_256_CM_HMAC_SHA1_32")),
			 SDP_SUITE_AES_256_CM_HMAC_SHA1_32);
	assert_int_equal(sdp_suite_from_name(DG_PL("aes_cm_128_hmac_sha1_80")),
			 SDP_SUITE_UNKNOWN);
	assert_string_equal(sdp_suite_name(SDP_SUITE_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
	assert_null(sdp_suite_name(SDP_SUITE_UNKNOWN));
	assert_int_equal(sdp_suite_key_len(SDP_SUITE_AES_192_CM_HMAC_SHA1_80), 24);
	assert_int_equal(sdp_suite_salt_len(SDP_SUITE_AEAD_AES_256_GCM), 12);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3264_offer),
		cmocka_unit_test(test_rfc3264_rejected),
		cmocka_unit_test(test_rfc4475_bodies),
		cmocka_unit_test(test_rfc5118_media_conn),
		cmocka_unit_test(test_rfc4568_crypto),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_webrtc_sdes),
		cmocka_unit_test(test_webrtc_dtls),
		cmocka_unit_test(test_lf_only),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_suites),
		cmocka_unit_test(test_rtpmap),
	};

	sdp_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
