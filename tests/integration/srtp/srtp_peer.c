/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp-peer: one end of an SRTP call for the integration tests of
 * drongo-dp, run inside a network namespace. "send" builds numbered RTP
 * (or RTCP sender reports), protects them with libsrtp2 (the reference
 * implementation, independent of drongo-dp's engines) and sends them over
 * a plain UDP socket; "recv" receives, unprotects and prints every packet
 * in hex, so that the test script compares the bytes. --forge corrupts a
 * protected packet after protection, as an attacker who does not hold the
 * keys would send it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#define PEER_RTP_PAYLOAD 160u
#define PEER_BUF 2048u
#define PEER_KEY_MAX 64u

struct peer_opts {
	bool send;
	bool rtcp;
	bool forge;
	const char *suite;
	uint8_t key[PEER_KEY_MAX];
	size_t key_len;
	struct sockaddr_in bind;
	struct sockaddr_in to;
	uint32_t first;
	uint32_t count;
	uint32_t gap_us;
	uint32_t ssrc;
	uint32_t timeout_ms;
};

static void
peer_usage(void)
{
	fprintf(stderr,
		"usage: srtp-peer send --bind IP:PORT --to IP:PORT [--suite S --key HEX]\n"
		"                      [--rtcp] [--first N] [--count N] [--gap-us U]\n"
		"                      [--ssrc X] [--forge]\n"
		"       srtp-peer recv --bind IP:PORT [--suite S --key HEX] [--rtcp]\n"
		"                      [--count N] [--timeout-ms T]\n"
		"suites: NONE AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32\n"
		"        AEAD_AES_128_GCM; key: hex of master key + salt\n");
}

static int
peer_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

static int
peer_parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned int b;

	if (n % 2 != 0 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

/* The suite's policy for RTP and RTCP, as RFC 4568 and RFC 7714 pair
 * them (the _32 suite keeps an 80-bit tag on SRTCP). */
static int
peer_policy(const struct peer_opts *o, srtp_policy_t *p, bool inbound)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(o->suite, "AES_CM_128_HMAC_SHA1_80") == 0) {
		srtp_crypto_policy_set_rtp_default(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
	} else if (strcmp(o->suite, "AES_CM_128_HMAC_SHA1_32") == 0) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
	} else if (strcmp(o->suite, "AEAD_AES_128_GCM") == 0) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else {
		return -EINVAL;
	}
	if (o->key_len != (size_t)p->rtp.cipher_key_len)
		return -EINVAL;
	p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p->key = (unsigned char *)(uintptr_t)o->key;
	p->window_size = 1024;
	return 0;
}

static void
peer_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Packet n: RTP seq n, timestamp n * 160, payload bytes (n + i) & 0xff;
 * or an RTCP sender report whose fields are all derived from n. */
static size_t
peer_build(const struct peer_opts *o, uint32_t n, uint8_t *b)
{
	size_t i;

	if (o->rtcp) {
		b[0] = 0x80;
		b[1] = 200;
		b[2] = 0;
		b[3] = 6;
		peer_put32(b + 4, o->ssrc);
		peer_put32(b + 8, n);
		peer_put32(b + 12, n * 7u);
		peer_put32(b + 16, n * 160u);
		peer_put32(b + 20, n);
		peer_put32(b + 24, n * 160u);
		return 28;
	}
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	peer_put32(b + 4, n * 160u);
	peer_put32(b + 8, o->ssrc);
	for (i = 0; i < PEER_RTP_PAYLOAD; i++)
		b[12 + i] = (uint8_t)(n + i);
	return 12 + PEER_RTP_PAYLOAD;
}

static void
peer_print_hex(const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", b[i]);
}

static int
peer_socket(const struct peer_opts *o)
{
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&o->bind, sizeof(o->bind)) != 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	return fd;
}

static int
peer_send(const struct peer_opts *o, srtp_t ctx, int fd)
{
	uint8_t b[PEER_BUF];
	struct timespec gap = {
		.tv_sec = o->gap_us / 1000000u,
		.tv_nsec = (long)(o->gap_us % 1000000u) * 1000,
	};
	uint32_t i;
	int len;
	srtp_err_status_t st;

	for (i = 0; i < o->count; i++) {
		len = (int)peer_build(o, o->first + i, b);
		if (ctx != NULL) {
			st = o->rtcp ? srtp_protect_rtcp(ctx, b, &len) :
				srtp_protect(ctx, b, &len);
			if (st != srtp_err_status_ok) {
				fprintf(stderr, "protect: %d\n", (int)st);
				return -1;
			}
			if (o->forge)
				b[len - 1] ^= 0x5a;
		}
		if (sendto(fd, b, (size_t)len, 0, (const struct sockaddr *)&o->to,
			   sizeof(o->to)) != len) {
			perror("sendto");
			return -1;
		}
		if (o->gap_us != 0)
			(void)nanosleep(&gap, NULL);
	}
	printf("sent=%u\n", o->count);
	return 0;
}

static int
peer_recv(const struct peer_opts *o, srtp_t ctx, int fd)
{
	struct sockaddr_in from;
	socklen_t flen;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t1;
	uint8_t b[PEER_BUF];
	uint32_t got = 0;
	long left;
	ssize_t r;
	int len;
	srtp_err_status_t st;
	char addr[INET_ADDRSTRLEN];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < o->count) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = (long)o->timeout_ms -
			((t1.tv_sec - t0.tv_sec) * 1000 +
			 (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		flen = sizeof(from);
		r = recvfrom(fd, b, sizeof(b) - SRTP_MAX_TRAILER_LEN, 0,
			     (struct sockaddr *)&from, &flen);
		if (r < 0) {
			perror("recvfrom");
			return -1;
		}
		len = (int)r;
		st = srtp_err_status_ok;
		if (ctx != NULL)
			st = o->rtcp ? srtp_unprotect_rtcp(ctx, b, &len) :
				srtp_unprotect(ctx, b, &len);
		inet_ntop(AF_INET, &from.sin_addr, addr, sizeof(addr));
		printf("pkt src=%s:%u wire_len=%zd status=%d hex=", addr,
		       ntohs(from.sin_port), r, (int)st);
		peer_print_hex(b, st == srtp_err_status_ok ? (size_t)len :
			       (size_t)r);
		printf("\n");
		got++;
	}
	printf("received=%u\n", got);
	return 0;
}

static int
peer_args(int argc, char **argv, struct peer_opts *o)
{
	static const struct option lo[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "to", required_argument, NULL, 't' },
		{ "suite", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "rtcp", no_argument, NULL, 'r' },
		{ "first", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "ssrc", required_argument, NULL, 'x' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "forge", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_bind = false, have_to = false;
	int c;

	if (argc < 2)
		return -EINVAL;
	if (strcmp(argv[1], "send") == 0)
		o->send = true;
	else if (strcmp(argv[1], "recv") != 0)
		return -EINVAL;
	o->suite = "NONE";
	o->count = 1;
	o->ssrc = 0x1234;
	o->timeout_ms = 3000;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (peer_parse_addr(optarg, &o->bind) != 0)
				return -EINVAL;
			have_bind = true;
			break;
		case 't':
			if (peer_parse_addr(optarg, &o->to) != 0)
				return -EINVAL;
			have_to = true;
			break;
		case 's':
			o->suite = optarg;
			break;
		case 'k':
			if (peer_parse_hex(optarg, o->key, sizeof(o->key),
					   &o->key_len) != 0)
				return -EINVAL;
			break;
		case 'r':
			o->rtcp = true;
			break;
		case 'f':
			o->first = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->count = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'g':
			o->gap_us = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'x':
			o->ssrc = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'T':
			o->timeout_ms = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'F':
			o->forge = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!have_bind || (o->send && !have_to) || optind != argc ||
	    o->count > 100000 || o->timeout_ms > 60000)
		return -EINVAL;
	return 0;
}

int
main(int argc, char **argv)
{
	struct peer_opts o;
	srtp_policy_t pol;
	srtp_t ctx = NULL;
	int fd, rc = 1;

	memset(&o, 0, sizeof(o));
	if (peer_args(argc, argv, &o) != 0) {
		peer_usage();
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp_init failed\n");
		return 1;
	}
	if (strcmp(o.suite, "NONE") != 0) {
		if (peer_policy(&o, &pol, !o.send) != 0) {
			fprintf(stderr, "bad suite %s or key length %zu\n",
				o.suite, o.key_len);
			peer_usage();
			goto out_shutdown;
		}
		if (srtp_create(&ctx, &pol) != srtp_err_status_ok) {
			fprintf(stderr, "srtp_create failed\n");
			goto out_shutdown;
		}
	}
	fd = peer_socket(&o);
	if (fd < 0)
		goto out_dealloc;
	/* The test waits for this line before it starts the sender. */
	printf("ready\n");
	fflush(stdout);
	rc = (o.send ? peer_send(&o, ctx, fd) : peer_recv(&o, ctx, fd)) == 0 ?
		0 : 1;
	fflush(stdout);
	close(fd);
out_dealloc:
	if (ctx != NULL)
		(void)srtp_dealloc(ctx);
out_shutdown:
	(void)srtp_shutdown();
	return rc;
}
