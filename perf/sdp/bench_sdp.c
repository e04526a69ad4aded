/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost per operation of the SDP module on two realistic bodies (a SIP
 * phone's offer and a WebRTC-like offer with ICE and SDES): parse, write,
 * extraction of every stream, and the anchoring rewrite (plain; toward an
 * SRTP side with a deterministic key source; the same with OpenSSL's
 * RAND_bytes). Next to them, measured in the same run over the same bytes,
 * two baselines: a memchr scan for the line ends and a memcpy of the body.
 * Every iteration's result is checked; a wrong result stops the run.
 *
 * Usage: bench_sdp [seconds per measurement, default 1]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdp.h"

static const char phone[] =
	"v=0\r\n"
	"o=- 1700000000 1700000001 IN IP4 198.51.100.23\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.23\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0 8 9 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n"
	"a=rtcp:40001 IN IP4 198.51.100.23\r\n"
	"a=ssrc:2864434397 cname:a1b2c3d4e5f6\r\n";

static const char webrtc[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0 1\r\n"
	"a=msid-semantic: WMS stream0\r\n"
	"a=ice-options:trickle\r\n"
	"m=audio 54321 RTP/SAVPF 111 0 126\r\n"
	"c=IN IP4 198.51.100.7\r\n"
	"a=rtcp:54321 IN IP4 198.51.100.7\r\n"
	"a=candidate:842163049 1 udp 1677729535 198.51.100.7 54321 typ srflx raddr 10.0.0.5 rport 54321 generation 0\r\n"
	"a=candidate:3442447574 1 udp 2122260223 10.0.0.5 54321 typ host generation 0\r\n"
	"a=ice-ufrag:F7gI\r\n"
	"a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
	"a=mid:0\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:126 telephone-event/8000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
	"m=video 54323 RTP/SAVPF 96 97\r\n"
	"c=IN IP4 198.51.100.7\r\n"
	"a=rtcp:54323 IN IP4 198.51.100.7\r\n"
	"a=candidate:842163049 1 udp 1677729535 198.51.100.7 54323 typ srflx raddr 10.0.0.5 rport 54323 generation 0\r\n"
	"a=ice-ufrag:F7gI\r\n"
	"a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
	"a=mid:1\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=rtpmap:97 rtx/90000\r\n"
	"a=fmtp:97 apt=96\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n";

static struct sdp_session sess;
static struct sdp_rewrite_opts opts;
static struct sdp_rewrite_result res;
static char out[8192];
static volatile size_t sink;

enum op { OP_SCAN, OP_COPY, OP_PARSE, OP_WRITE, OP_STREAMS, OP_ANCHOR, OP_SDES, OP_SDES_SSL };

static const char *const op_names[] = {
	"baseline: memchr line scan", "baseline: memcpy", "sdp_parse", "sdp_write",
	"sdp_stream_get (all m=)", "sdp_rewrite plain", "sdp_rewrite to SDES (det. keys)",
	"sdp_rewrite to SDES (RAND_bytes)",
};

static int
det_rnd(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	memset(buf, 0x5a, len);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One operation on body; returns false when its result is wrong. */
static bool
run_op(enum op op, const char *body, size_t len)
{
	struct sdp_stream st;
	unsigned int i;
	const char *p;
	int n;

	switch (op) {
	case OP_SCAN:
		for (n = 0, p = body; (p = memchr(p, '\n', (size_t)(body + len - p))) != NULL; p++)
			n++;
		sink += (size_t)n;
		return n > 10;
	case OP_COPY:
		memcpy(out, body, len);
		sink += (size_t)out[len / 2];
		return out[0] == 'v';
	case OP_PARSE:
		return sdp_parse(&sess, body, len, NULL) == 0 && sess.n_media >= 1;
	case OP_WRITE:
		return sdp_write(&sess, out, sizeof(out)) == (int)len;
	case OP_STREAMS:
		for (i = 0; i < sess.n_media; i++)
			if (sdp_stream_get(&sess, i, &st) != 0 || st.rtp_port == 0)
				return false;
		return true;
	case OP_ANCHOR:
	case OP_SDES:
	case OP_SDES_SSL:
		opts.xport = op == OP_ANCHOR ? SDP_XPORT_KEEP : SDP_XPORT_SDES;
		opts.rnd = op == OP_SDES ? det_rnd : NULL;
		n = sdp_rewrite(&sess, &opts, &res, out, sizeof(out));
		return n > 0 && res.changed && memcmp(out, "v=0\r\n", 5) == 0;
	}
	return false;
}

static void
bench(const char *name, const char *body, double secs)
{
	double base = 0, scan = 0;
	unsigned int op, i;

	if (sdp_parse(&sess, body, strlen(body), NULL) != 0) {
		fprintf(stderr, "bench_sdp: %s does not parse\n", name);
		exit(1);
	}
	memset(&opts, 0, sizeof(opts));
	opts.n_relay = sess.n_media;
	opts.ice_remove = true;
	for (i = 0; i < sess.n_media; i++) {
		opts.relay[i].addr = "203.0.113.1";
		opts.relay[i].rtp_port = (uint16_t)(30000 + 2 * i);
	}
	printf("%s (%zu bytes, %u lines, %u m=)\n", name, strlen(body),
	       sess.n_lines, sess.n_media);
	for (op = OP_SCAN; op <= OP_SDES_SSL; op++) {
		uint64_t n = 0;
		double t0 = now(), t;

		do {
			for (i = 0; i < 1000; i++)
				if (!run_op((enum op)op, body, strlen(body))) {
					fprintf(stderr, "bench_sdp: %s: wrong result\n",
						op_names[op]);
					exit(1);
				}
			n += 1000;
			t = now() - t0;
		} while (t < secs);
		t = t * 1e9 / (double)n;
		if (op == OP_COPY)
			base = t;
		if (op == OP_SCAN)
			scan = t;
		if (op == OP_PARSE && sdp_parse(&sess, body, strlen(body), NULL) != 0)
			exit(1);
		printf("  %-34s %9.1f ns/op  %7.1f x scan", op_names[op], t, t / scan);
		if (base > 0)
			printf("  %7.1f x memcpy", t / base);
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (secs <= 0)
		secs = 1.0;
	bench("SIP phone offer", phone, secs);
	bench("WebRTC-like offer (ICE, SDES, 2 m=)", webrtc, secs);
	return 0;
}
