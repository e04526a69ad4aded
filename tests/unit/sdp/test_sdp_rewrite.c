/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of anchoring: golden outputs (exact bytes) of sdp_rewrite() for
 * plain anchoring, RTP -> SRTP with deterministic SDES keys, SRTP -> RTP,
 * ICE removal, rtcp-mux offer/answer, hold, rejected streams, mixed
 * address families and replace-origin; fixed points on re-rewrite; errors;
 * and that extraction of a rewritten body gives the relay and our keys.
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

static struct sdp_session in, offer, again;
static struct sdp_rewrite_opts opts;
static struct sdp_rewrite_result res, res2;
static char out[16384], out2[16384];
static uint8_t ctr;

static void
parse_vec(struct sdp_session *s, const char *rel, char **keep)
{
	size_t len;
	struct sdp_perr err = { 0 };

	*keep = sdp_test_load(rel, &len);
	if (*keep == NULL)
		fail_msg("vector %s missing", rel);
	if (sdp_parse(s, *keep, len, &err) != 0)
		fail_msg("%s: %s line %u", rel, err.reason, err.line);
}

/* Default options: offer, relay 203.0.113.1 ports 30000 + 2i, counter keys. */
static void
opts_reset(unsigned int n)
{
	unsigned int i;

	memset(&opts, 0, sizeof(opts));
	ctr = 0;
	opts.rnd = sdp_test_rnd;
	opts.rnd_arg = &ctr;
	opts.n_relay = (uint8_t)n;
	for (i = 0; i < n; i++) {
		opts.relay[i].addr = "203.0.113.1";
		opts.relay[i].rtp_port = (uint16_t)(30000 + 2 * i);
	}
}

/* Rewrite, compare with the golden bytes, and check re-rewriting is a fixed point. */
static void
rewrite_expect(const struct sdp_session *s, const char *golden)
{
	unsigned int i;
	int n, n2;

	n = sdp_rewrite(s, &opts, &res, out, sizeof(out));
	if (n < 0)
		fail_msg("rewrite: %d", n);
	if ((size_t)n != strlen(golden) || memcmp(out, golden, (size_t)n) != 0)
		fail_msg("got:\n%.*s\nwant:\n%s", n, out, golden);
	assert_true(res.changed);
	assert_int_equal(sdp_parse(&again, out, (size_t)n, NULL), 0);
	for (i = 0; i < res.n_media; i++) {
		opts.relay[i].n_keys = res.media[i].n_keys;
		memcpy(opts.relay[i].keys, res.media[i].keys, sizeof(res.media[i].keys));
	}
	n2 = sdp_rewrite(&again, &opts, &res2, out2, sizeof(out2));
	assert_int_equal(n2, n);
	assert_memory_equal(out2, out, (size_t)n);
	assert_false(res2.changed);
	for (i = 0; i < (unsigned int)n; i++)
		assert_int_equal(sdp_rewrite(s, &opts, &res2, out2, i), -ENOSPC);
}

/* RFC 3264 offer anchored: session c=, both m= ports, version + 1; FQDN origin kept. */
static void
test_anchor_plain(void **state)
{
	char *b;

	(void)state;
	parse_vec(&in, "sdp/rfc3264-10.1-offer.sdp", &b);
	opts_reset(2);
	rewrite_expect(&in,
		"v=0\r\n"
		"o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r\n"
		"s=\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 97\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:97 iLBC/8000\r\n"
		"m=video 30002 RTP/AVP 31 32\r\n"
		"a=rtpmap:31 H261/90000\r\n"
		"a=rtpmap:32 MPV/90000\r\n");
	free(b);
}

/* Plain RTP offer toward an SRTP side: RTP/SAVP, two fresh keys, rtcp-mux offered, replace-origin; sendonly kept. */
static void
test_rtp_to_sdes(void **state)
{
	struct sdp_stream st;
	char *b;

	(void)state;
	parse_vec(&in, "sdp/hold-sendonly.sdp", &b);
	opts_reset(1);
	opts.xport = SDP_XPORT_SDES;
	opts.mux = SDP_MUX_OFFER;
	opts.origin_addr = "192.0.2.99";
	rewrite_expect(&in,
		"v=0\r\n"
		"o=alice 2890844526 2890844528 IN IP4 192.0.2.99\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/SAVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=ptime:20\r\n"
		"a=sendonly\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7\r\n");
	assert_int_equal(res.media[0].n_keys, 2);
	assert_int_equal(res.media[0].keys[1].key[0], 30);
	/* what the other side will decode is what we announced */
	assert_int_equal(sdp_stream_get(&again, 0, &st), 0);
	assert_int_equal(st.n_crypto, 2);
	assert_memory_equal(st.crypto[0].key, res.media[0].keys[0].key, 16);
	assert_memory_equal(st.crypto[1].salt, res.media[0].keys[1].salt, 14);
	assert_int_equal(st.rtp_port, 30000);
	assert_true(st.rtcp_mux);
	assert_int_equal(st.dir, SDP_DIR_SENDONLY);
	assert_int_equal(((struct sockaddr_in *)&st.rtp)->sin_addr.s_addr,
			 inet_addr("203.0.113.1"));
	free(b);
}

/* SRTP offer toward a plain side: RTP/AVP, every a=crypto removed. */
static void
test_sdes_to_rtp(void **state)
{
	char *b;

	(void)state;
	parse_vec(&in, "sdp/rfc4568-offer.sdp", &b);
	opts_reset(1);
	opts.xport = SDP_XPORT_RTP;
	rewrite_expect(&in,
		"v=0\r\n"
		"o=sam 2890844526 2890842808 IN IP4 10.47.16.5\r\n"
		"s=SRTP Discussion\r\n"
		"i=A discussion of Secure RTP\r\n"
		"u=http://www.example.com/seminars/srtp.pdf\r\n"
		"e=marge@example.com (Marge Simpson)\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=2873397496 2873404696\r\n"
		"m=audio 30000 RTP/AVP 0\r\n");
	assert_int_equal(res.media[0].n_keys, 0);
	free(b);
}

/* WebRTC-like offer toward a plain SIP phone: ICE removed, rtcp-mux demuxed, AVPF, a=rtcp to the relay. */
static void
test_webrtc_to_sip(void **state)
{
	char *b;

	(void)state;
	parse_vec(&in, "sdp/webrtc-sdes.sdp", &b);
	opts_reset(1);
	opts.xport = SDP_XPORT_RTP;
	opts.mux = SDP_MUX_DEMUX;
	opts.ice_remove = true;
	rewrite_expect(&in,
		"v=0\r\n"
		"o=- 4611731400430051336 3 IN IP4 127.0.0.1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"a=group:BUNDLE 0\r\n"
		"a=msid-semantic: WMS stream0\r\n"
		"m=audio 30000 RTP/AVPF 111 0 126\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"b=AS:64\r\n"
		"a=rtcp:30001 IN IP4 203.0.113.1\r\n"
		"a=mid:0\r\n"
		"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
		"a=sendrecv\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"a=rtcp-fb:111 transport-cc\r\n"
		"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:126 telephone-event/8000\r\n"
		"a=ssrc:3735928559 cname:x5Dw0ek2Hk0VZk1d\r\n");
	free(b);
}

/* Answer toward an SRTP offerer: the offer's tag and suite accepted with our key; rejected stream stays at port 0. */
static void
test_answer_sdes(void **state)
{
	char *b, *ob;

	(void)state;
	parse_vec(&offer, "sdp/rfc4568-offer.sdp", &ob);
	parse_vec(&in, "sdp/rfc3264-10.2-answer.sdp", &b);
	opts_reset(2);
	opts.role = SDP_ROLE_ANSWER;
	opts.offer = &offer;
	opts.xport = SDP_XPORT_SDES;
	opts.mux = SDP_MUX_OFFER;
	rewrite_expect(&in,
		"v=0\r\n"
		"o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com\r\n"
		"s=\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/SAVP 99\r\n"
		"a=rtpmap:99 iLBC/8000\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"m=video 0 RTP/SAVP 31\r\n"
		"a=rtpmap:31 H261/90000\r\n");
	assert_int_equal(res.media[0].keys[0].tag, 1);
	assert_int_equal(res.media[1].n_keys, 0);

	/* the first offered line whose suite we use wins: here tag 2 (F8) */
	opts_reset(2);
	opts.role = SDP_ROLE_ANSWER;
	opts.offer = &offer;
	opts.xport = SDP_XPORT_SDES;
	opts.n_suites = 1;
	opts.suites[0] = SDP_SUITE_F8_128_HMAC_SHA1_80;
	assert_true(sdp_rewrite(&in, &opts, &res, out, sizeof(out)) > 0);
	assert_int_equal(res.media[0].keys[0].tag, 2);
	assert_int_equal(res.media[0].keys[0].suite, SDP_SUITE_F8_128_HMAC_SHA1_80);
	/* no offered suite we use: no answer possible */
	opts.suites[0] = SDP_SUITE_AES_256_CM_HMAC_SHA1_80;
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -ENOTSUP);
	opts.offer = NULL;
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -EINVAL);
	free(b);
	free(ob);
}

/* rtcp-mux in answers: kept only when offered; OFFER accepts, KEEP mirrors the answerer, DEMUX drops. */
static void
test_answer_mux(void **state)
{
	static const struct {
		enum sdp_mux mode;
		bool answer_has;
		bool want;
	} tab[] = {
		{ SDP_MUX_OFFER, false, true },
		{ SDP_MUX_OFFER, true, true },
		{ SDP_MUX_KEEP, true, true },
		{ SDP_MUX_KEEP, false, false },
		{ SDP_MUX_DEMUX, true, false },
	};
	static const char *const plain =
		"v=0\r\no=b 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
		"m=audio 5000 RTP/AVP 0\r\n";
	static const char *const muxed =
		"v=0\r\no=b 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
		"m=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\n";
	static const char *const offer_mux =
		"v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n";
	static const char *const offer_nomux =
		"v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n";
	struct sdp_stream st;
	size_t i;
	int n;

	(void)state;
	assert_int_equal(sdp_parse(&offer, offer_mux, strlen(offer_mux), NULL), 0);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const char *a = tab[i].answer_has ? muxed : plain;

		assert_int_equal(sdp_parse(&in, a, strlen(a), NULL), 0);
		opts_reset(1);
		opts.role = SDP_ROLE_ANSWER;
		opts.offer = &offer;
		opts.mux = tab[i].mode;
		opts.relay[0].rtcp_port = 40001;
		n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
		assert_true(n > 0);
		assert_int_equal(sdp_parse(&again, out, (size_t)n, NULL), 0);
		assert_int_equal(again.media[0].rtcp_mux, tab[i].want);
		assert_int_equal(sdp_stream_get(&again, 0, &st), 0);
		/* muxed: RTCP on the RTP port, else the relay's RTCP port announced */
		assert_int_equal(st.rtcp_port, tab[i].want ? 30000 : 40001);
	}
	/* offer without rtcp-mux: never in the answer */
	assert_int_equal(sdp_parse(&offer, offer_nomux, strlen(offer_nomux), NULL), 0);
	assert_int_equal(sdp_parse(&in, muxed, strlen(muxed), NULL), 0);
	opts_reset(1);
	opts.role = SDP_ROLE_ANSWER;
	opts.offer = &offer;
	opts.mux = SDP_MUX_OFFER;
	n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
	assert_int_equal(sdp_parse(&again, out, (size_t)n, NULL), 0);
	assert_false(again.media[0].rtcp_mux);
}

/* RFC 2543 hold: c=0.0.0.0 and an a=rtcp address of 0.0.0.0 stay; ports move; inactive kept. */
static void
test_hold_kept(void **state)
{
	struct sdp_stream st;
	char *b;

	(void)state;
	parse_vec(&in, "sdp/hold-2543.sdp", &b);
	opts_reset(1);
	rewrite_expect(&in,
		"v=0\r\n"
		"o=alice 2890844526 2890844529 IN IP4 192.0.2.10\r\n"
		"s=-\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtcp:30001 IN IP4 0.0.0.0\r\n"
		"a=inactive\r\n");
	assert_int_equal(sdp_stream_get(&again, 0, &st), 0);
	assert_true(st.hold);
	assert_int_equal(st.dir, SDP_DIR_INACTIVE);
	free(b);
}

/* Trickle ICE's c=0.0.0.0 / a=rtcp 0.0.0.0 is a placeholder, not a hold: both move to the relay. */
static void
test_ice_placeholder_not_hold(void **state)
{
	struct sdp_stream st;
	char *b;

	(void)state;
	parse_vec(&in, "sdp/webrtc-trickle.sdp", &b);
	assert_int_equal(sdp_stream_get(&in, 0, &st), 0);
	assert_true(st.ice);
	assert_false(st.hold);
	opts_reset(1);
	opts.xport = SDP_XPORT_RTP;
	opts.mux = SDP_MUX_DEMUX;
	opts.ice_remove = true;
	rewrite_expect(&in,
		"v=0\r\n"
		"o=- 7982678511223061894 3 IN IP4 127.0.0.1\r\n"
		"s=-\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVPF 111 0\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"a=rtcp:30001 IN IP4 203.0.113.1\r\n"
		"a=mid:0\r\n"
		"a=sendrecv\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"a=rtpmap:0 PCMU/8000\r\n");
	assert_int_equal(sdp_stream_get(&again, 0, &st), 0);
	assert_false(st.hold);
	assert_false(st.ice);
	free(b);
}

/* Streams needing different relay addresses: session c= for the first, a media c= added for the other. */
static void
test_mixed_families(void **state)
{
	char *b;

	(void)state;
	parse_vec(&in, "sdp/rfc3264-10.1-offer.sdp", &b);
	opts_reset(2);
	opts.relay[1].addr = "2001:db8::1";
	opts.relay[1].rtcp_port = 31000;
	rewrite_expect(&in,
		"v=0\r\n"
		"o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r\n"
		"s=\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 97\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:97 iLBC/8000\r\n"
		"m=video 30002 RTP/AVP 31 32\r\n"
		"c=IN IP6 2001:db8::1\r\n"
		"a=rtpmap:31 H261/90000\r\n"
		"a=rtpmap:32 MPV/90000\r\n"
		"a=rtcp:31000\r\n");
	free(b);
}

/* A section without a relay entry keeps its address even when the session c= moves. */
static void
test_unrelayed_section(void **state)
{
	char *b;

	(void)state;
	parse_vec(&in, "sdp/rfc3264-10.1-offer.sdp", &b);
	opts_reset(1);
	rewrite_expect(&in,
		"v=0\r\n"
		"o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r\n"
		"s=\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 97\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:97 iLBC/8000\r\n"
		"m=video 51372 RTP/AVP 31 32\r\n"
		"c=IN IP4 host.atlanta.example.com\r\n"
		"a=rtpmap:31 H261/90000\r\n"
		"a=rtpmap:32 MPV/90000\r\n");
	free(b);
}

/* Re-offer: a rewrite that changes nothing keeps the version; LF input gives CRLF, not a change. */
static void
test_unchanged_keeps_version(void **state)
{
	static const char *const lf =
		"v=0\no=a 1 7 IN IP4 192.0.2.1\ns=-\nc=IN IP4 203.0.113.1\nt=0 0\n"
		"m=audio 30000 RTP/AVP 0\n";
	int n;

	(void)state;
	assert_int_equal(sdp_parse(&in, lf, strlen(lf), NULL), 0);
	opts_reset(1);
	n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
	assert_false(res.changed);
	assert_int_equal(n, (int)strlen(lf) + 6);
	assert_memory_equal(out, "v=0\r\no=a 1 7 IN IP4 192.0.2.1\r\n", 29);
	opts.relay[0].rtp_port = 30002;
	n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
	assert_true(res.changed);
	assert_memory_equal(out, "v=0\r\no=a 1 8 IN IP4 192.0.2.1\r\n", 29);
}

/*
 * Re-offers in one dialog: hold then resume each give a new version, a
 * session refresh that repeats an earlier body gives the bytes sent before,
 * and the relay's addresses and keys stay those of the stream.
 */
static void
test_reoffers(void **state)
{
	static const char *const bodies[] = {
		"v=0\r\no=a 9 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n",
		"v=0\r\no=a 9 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n",
		"v=0\r\no=a 9 3 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4002 RTP/AVP 0\r\na=sendrecv\r\n",
	};
	static const char *const want_o[] = {
		"o=a 9 2 IN IP4 192.0.2.1\r\n", "o=a 9 3 IN IP4 192.0.2.1\r\n",
		"o=a 9 4 IN IP4 192.0.2.1\r\n",
	};
	static char first[4096];
	struct sdp_rewrite_keys keys;
	struct sdp_stream st;
	int n, n_first = 0;
	size_t i;

	(void)state;
	opts_reset(1);
	opts.xport = SDP_XPORT_SDES;
	opts.n_suites = 1;
	opts.suites[0] = SDP_SUITE_AES_CM_128_HMAC_SHA1_80;
	for (i = 0; i < 3; i++) {
		assert_int_equal(sdp_parse(&in, bodies[i], strlen(bodies[i]), NULL), 0);
		n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
		assert_true(n > 0);
		assert_non_null(memmem(out, (size_t)n, want_o[i], strlen(want_o[i])));
		assert_int_equal(sdp_parse(&again, out, (size_t)n, NULL), 0);
		assert_int_equal(sdp_stream_get(&again, 0, &st), 0);
		assert_int_equal(st.rtp_port, 30000);
		assert_int_equal(st.dir, i == 1 ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV);
		if (i == 0) {
			/* the orchestrator keeps the keys of the stream for re-offers */
			keys = res.media[0];
			opts.relay[0].n_keys = keys.n_keys;
			memcpy(opts.relay[0].keys, keys.keys, sizeof(keys.keys));
			memcpy(first, out, (size_t)n);
			n_first = n;
		}
		assert_memory_equal(st.crypto[0].key, keys.keys[0].key, 16);
	}
	/* a refresh repeating the first body: what was sent the first time */
	assert_int_equal(sdp_parse(&in, bodies[0], strlen(bodies[0]), NULL), 0);
	n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
	assert_int_equal(n, n_first);
	assert_memory_equal(out, first, (size_t)n);
}

/* Bad options: relay address not numeric, replace-origin not numeric, c= of another network type. */
static void
test_bad_options(void **state)
{
	static const char *const atm =
		"v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\nc=ATM NSAP 47.0091.8100.0000.0060.3e64.fd01.0060.3e64.fd01.00\r\n";
	char *b;

	(void)state;
	parse_vec(&in, "sdp/rfc3264-10.1-offer.sdp", &b);
	opts_reset(2);
	opts.relay[0].addr = "relay.example.com";
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -EINVAL);
	opts_reset(2);
	opts.origin_addr = "nope";
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -EINVAL);
	assert_int_equal(sdp_parse(&in, atm, strlen(atm), NULL), 0);
	opts_reset(1);
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -ENOTSUP);
	free(b);
}

/* Caller-supplied keys are announced as given (re-offers keep their keys); the OpenSSL source fills keys. */
static void
test_supplied_keys(void **state)
{
	struct sdp_srtp_key k1, k2;
	char *b;
	int n;

	(void)state;
	assert_int_equal(sdp_srtp_key_generate(&k1, SDP_SUITE_AES_256_CM_HMAC_SHA1_80, 7,
					       sdp_random_openssl, NULL), 0);
	assert_int_equal(sdp_srtp_key_generate(&k2, SDP_SUITE_AES_256_CM_HMAC_SHA1_80, 7,
					       sdp_random_openssl, NULL), 0);
	assert_int_equal(k1.key_len, 32);
	assert_memory_not_equal(k1.key, k2.key, 32);
	assert_int_equal(sdp_srtp_key_generate(&k1, SDP_SUITE_UNKNOWN, 1,
					       sdp_random_openssl, NULL), -ENOTSUP);
	parse_vec(&in, "sdp/rfc3264-10.1-answer.sdp", &b);
	opts_reset(2);
	opts.xport = SDP_XPORT_SDES;
	opts.rnd = NULL;
	opts.relay[0].n_keys = 1;
	opts.relay[0].keys[0] = k2;
	n = sdp_rewrite(&in, &opts, &res, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(sdp_parse(&again, out, (size_t)n, NULL), 0);
	assert_int_equal(again.media[0].n_crypto, 1);
	assert_int_equal(again.media[0].crypto[0].tag, 7);
	assert_int_equal(again.media[0].crypto[0].suite, SDP_SUITE_AES_256_CM_HMAC_SHA1_80);
	assert_int_equal(again.media[1].n_crypto, 2);
	assert_memory_equal(res.media[0].keys[0].key, k2.key, 32);
	/* a supplied key that does not match its suite is refused, not written */
	opts.relay[0].keys[0].key_len = 16;
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -EINVAL);
	opts.relay[0].keys[0] = k2;
	opts.relay[0].keys[0].suite = SDP_SUITE_UNKNOWN;
	assert_int_equal(sdp_rewrite(&in, &opts, &res, out, sizeof(out)), -EINVAL);
	free(b);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_plain),
		cmocka_unit_test(test_rtp_to_sdes),
		cmocka_unit_test(test_sdes_to_rtp),
		cmocka_unit_test(test_webrtc_to_sip),
		cmocka_unit_test(test_answer_sdes),
		cmocka_unit_test(test_answer_mux),
		cmocka_unit_test(test_hold_kept),
		cmocka_unit_test(test_ice_placeholder_not_hold),
		cmocka_unit_test(test_mixed_families),
		cmocka_unit_test(test_unrelayed_section),
		cmocka_unit_test(test_unchanged_keeps_version),
		cmocka_unit_test(test_reoffers),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_supplied_keys),
	};

	sdp_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
