/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media-control throughput over the ng protocol: CALLS calls, each an offer,
 * an answer and a delete, with WINDOW calls in flight, against any ng server
 * (Drongo role media, or rtpengine as the same-run baseline). Every reply is
 * checked (result "ok"; offer and answer carry an SDP with an m= line); a
 * request without a reply after 1 s is sent again with the same cookie.
 * Prints one line: ops, seconds, ops per second, mean and worst latency,
 * retransmissions and failures. Exit 1 if any call failed.
 *
 * Usage: bench_ng ADDR:PORT [CALLS [WINDOW]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
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

#define BENCH_MAX_WINDOW 1024
#define BENCH_RTO_NS 1000000000ull

enum bench_step { STEP_OFFER, STEP_ANSWER, STEP_DELETE, STEP_DONE };

struct bench_call {
	unsigned int id;
	enum bench_step step;
	uint64_t sent_ns;
	uint64_t first_ns;
	char msg[1024];
	size_t len;
	size_t cookie_len;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t
bench_sdp(char *out, size_t cap, unsigned int id, bool answer)
{
	unsigned int host = answer ? 2 : 1;
	int n;

	n = snprintf(out, cap,
		     "v=0\r\no=- %u 1 IN IP4 10.0.0.%u\r\ns=-\r\n"
		     "c=IN IP4 10.0.0.%u\r\nt=0 0\r\n"
		     "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
		     "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
		     "a=sendrecv\r\n",
		     id, host, host, 10000 + (id % 20000) * 2);
	return n < 0 ? 0 : (size_t)n;
}

/* The call's next request, in the words Kamailio's rtpengine module uses. */
static void
bench_build(struct bench_call *c, unsigned int run)
{
	char sdp[512], cid[64];
	size_t sl;
	int n = 0, cl;

	cl = snprintf(cid, sizeof(cid), "bench-%u-%u@perf", run, c->id);
	c->cookie_len = (size_t)snprintf(c->msg, sizeof(c->msg), "%u_%u_%d ",
					 run, c->id, (int)c->step) - 1;
	switch (c->step) {
	case STEP_OFFER:
	case STEP_ANSWER:
		sl = bench_sdp(sdp, sizeof(sdp), c->id, c->step == STEP_ANSWER);
		n = snprintf(c->msg + c->cookie_len + 1,
			     sizeof(c->msg) - c->cookie_len - 1,
			     "d7:command%s7:call-id%d:%s8:from-tag4:tagA%s"
			     "5:flagsl13:trust-addresse7:replacel6:origin"
			     "18:session-connectione3:sdp%zu:%se",
			     c->step == STEP_OFFER ? "5:offer" : "6:answer",
			     cl, cid, c->step == STEP_ANSWER ? "6:to-tag4:tagB" : "",
			     sl, sdp);
		break;
	case STEP_DELETE:
		n = snprintf(c->msg + c->cookie_len + 1,
			     sizeof(c->msg) - c->cookie_len - 1,
			     "d7:command6:delete7:call-id%d:%s8:from-tag4:tagAe",
			     cl, cid);
		break;
	default:
		break;
	}
	c->len = c->cookie_len + 1 + (size_t)n;
}

static bool
bench_reply_ok(const char *buf, size_t len, enum bench_step step)
{
	const char *d = memchr(buf, ' ', len);

	if (d == NULL || len - (size_t)(d + 1 - buf) < 13 ||
	    memmem(d, len - (size_t)(d - buf), "6:result2:ok", 12) == NULL)
		return false;
	if (step == STEP_DELETE)
		return true;
	return memmem(d, len - (size_t)(d - buf), "m=audio ", 8) != NULL;
}

int
main(int argc, char **argv)
{
	static struct bench_call calls[BENCH_MAX_WINDOW];
	unsigned int total = 3000, window = 32, started = 0, finished = 0;
	unsigned int run = (unsigned int)getpid(), i, fails = 0;
	uint64_t t0, t1, lat_sum = 0, lat_max = 0, ops = 0, rtx = 0;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char host[64], buf[65536], *colon;
	struct pollfd pfd;
	int s;

	if (argc < 2 || strlen(argv[1]) >= sizeof(host)) {
		fprintf(stderr, "usage: bench_ng ADDR:PORT [CALLS [WINDOW]]\n");
		return 2;
	}
	strcpy(host, argv[1]);
	colon = strrchr(host, ':');
	if (colon == NULL)
		return 2;
	*colon = '\0';
	dst.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &dst.sin_addr) != 1)
		return 2;
	if (argc > 2)
		total = (unsigned int)atoi(argv[2]);
	if (argc > 3)
		window = (unsigned int)atoi(argv[3]);
	if (window == 0 || window > BENCH_MAX_WINDOW)
		window = 32;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("bench_ng: socket");
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < window && started < total; i++) {
		calls[i].id = started++;
		calls[i].step = STEP_OFFER;
		bench_build(&calls[i], run);
		calls[i].sent_ns = calls[i].first_ns = now_ns();
		(void)send(s, calls[i].msg, calls[i].len, 0);
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	while (finished < total) {
		uint64_t now;
		ssize_t n;

		if (poll(&pfd, 1, 50) < 0 && errno != EINTR)
			break;
		while ((n = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			struct bench_call *c = NULL;

			for (i = 0; i < window; i++) {
				if (calls[i].step != STEP_DONE &&
				    (size_t)n > calls[i].cookie_len &&
				    memcmp(buf, calls[i].msg,
					   calls[i].cookie_len + 1) == 0) {
					c = &calls[i];
					break;
				}
			}
			if (c == NULL)
				continue;
			now = now_ns();
			ops++;
			lat_sum += now - c->first_ns;
			if (now - c->first_ns > lat_max)
				lat_max = now - c->first_ns;
			if (!bench_reply_ok(buf, (size_t)n, c->step)) {
				fails++;
				if (fails <= 3)
					fprintf(stderr, "bench_ng: bad reply: %.*s\n",
						(int)(n < 300 ? n : 300), buf);
				c->step = STEP_DELETE;
			} else {
				c->step++;
			}
			if (c->step == STEP_DONE) {
				finished++;
				if (started >= total)
					continue;
				c->id = started++;
				c->step = STEP_OFFER;
			}
			bench_build(c, run);
			c->sent_ns = c->first_ns = now_ns();
			(void)send(s, c->msg, c->len, 0);
		}
		now = now_ns();
		for (i = 0; i < window; i++) {
			if (calls[i].step == STEP_DONE ||
			    now - calls[i].sent_ns < BENCH_RTO_NS)
				continue;
			if (now - calls[i].first_ns > 10 * BENCH_RTO_NS) {
				fprintf(stderr, "bench_ng: call %u gave up\n",
					calls[i].id);
				return 1;
			}
			calls[i].sent_ns = now;
			rtx++;
			(void)send(s, calls[i].msg, calls[i].len, 0);
		}
	}
	t1 = now_ns();
	printf("ops=%" PRIu64 " calls=%u seconds=%.3f ops_per_s=%.0f"
	       " mean_latency_us=%.1f max_latency_us=%.1f retransmits=%" PRIu64
	       " failures=%u\n", ops, finished, (double)(t1 - t0) / 1e9,
	       (double)ops * 1e9 / (double)(t1 - t0),
	       ops ? (double)lat_sum / (double)ops / 1e3 : 0.0,
	       (double)lat_max / 1e3, rtx, fails);
	close(s);
	return fails == 0 ? 0 : 1;
}
