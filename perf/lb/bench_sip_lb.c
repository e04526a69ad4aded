/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's user-space cost per message, without the sockets: the
 * request path (decode, Route and Path headers, rendezvous choice over
 * three edges, branch, flow token, rewrite with our Via, Record-Route,
 * Max-Forwards and received/rport) on an INVITE with SDP, and the response
 * path (decode, branch check, Via pop) on its 200. The baseline,
 * measured in the same run over the same bytes, is the decode alone that
 * every SIP element pays. Times are this thread's CPU time. Every
 * iteration's result is checked; a wrong result stops the run.
 *
 * Usage: bench_sip_lb [seconds per measurement, default 1]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_lb_hash.h"
#include "sip_lb_msg.h"

static const char invite[] =
	"INVITE sip:+14155550123@sip.example.net;user=phone SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.23:5060;branch=z9hG4bK-524287-1---a1f6c58a37c2e0d1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"Contact: <sip:alice@198.51.100.23:5060;transport=udp>\r\n"
	"To: <sip:+14155550123@sip.example.net;user=phone>\r\n"
	"From: \"Alice Liddell\" <sip:alice@sip.example.net>;tag=8f1a22c0\r\n"
	"Call-ID: NDk1ZTI0YjM5ODZlZDA3ZmQ0YjA1YzQ2ZjI0NTg0Y2Q.\r\n"
	"CSeq: 1 INVITE\r\n"
	"Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE\r\n"
	"Content-Type: application/sdp\r\n"
	"Supported: replaces, timer, 100rel\r\n"
	"User-Agent: Softphone 5.2.1 (build 4123)\r\n"
	"Content-Length: 159\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 198.51.100.23\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.23\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n";

static struct sip_msg msg;
static char out[8192], resp[8192];
static size_t out_len, resp_len;

static double
now_s(void)
{
	struct timespec ts;

	/* CPU time of this thread: the VM is shared, wall time is not ours. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct ctx {
	struct sip_lb_self self;
	struct sip_lb_hrw_node nodes[3];
	struct sockaddr_storage src;
};

static int
run_decode(struct ctx *c, const char *buf, size_t len)
{
	struct sip_perr perr;

	(void)c;
	return sip_msg_decode(&msg, buf, len, &perr);
}

static int
run_request(struct ctx *c, const char *buf, size_t len)
{
	char branch[SIP_LB_BRANCH_MAX], flow[SIP_LB_FLOW_MAX];
	struct sip_lb_req_opts o;
	struct sip_perr perr;
	ssize_t n;
	int e;

	if (sip_msg_decode(&msg, buf, len, &perr) < 0 ||
			sip_msg_parse_hdrs(&msg, SIP_HDR_F_ROUTE | SIP_HDR_F_PATH,
				&perr) < 0)
		return -EBADMSG;
	e = sip_lb_hrw_pick(c->nodes, 3, sip_lb_siphash(&sip_lb_key_callid,
		msg.call_id.p, msg.call_id.len));
	if (e < 0 || sip_lb_branch_make(&c->self.key, &msg, &msg.vias[0],
			branch, sizeof(branch)) < 0 ||
			sip_lb_flow_encode(&c->self.key, &c->src, flow,
				sizeof(flow)) < 0)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	o.branch = branch;
	o.max_forwards = msg.max_forwards - 1;
	o.stamp_src = &c->src;
	o.rr_user = flow;
	n = sip_lb_request_write(&c->self, &msg, &o, out, sizeof(out));
	if (n <= (ssize_t)len)
		return -EINVAL;
	out_len = (size_t)n;
	return 0;
}

static int
run_response(struct ctx *c, const char *buf, size_t len)
{
	struct sip_perr perr;
	ssize_t n;

	if (sip_msg_decode(&msg, buf, len, &perr) < 0)
		return -EBADMSG;
	if (!sip_lb_response_is_ours(&c->self, &msg))
		return -EPERM;
	n = sip_lb_response_write(&msg, out, sizeof(out));
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}

static double
measure(struct ctx *c, int (*fn)(struct ctx *, const char *, size_t),
		const char *buf, size_t len, double secs)
{
	double t0 = now_s(), t;
	uint64_t n = 0;
	int i;

	do {
		for (i = 0; i < 1000; i++) {
			if (fn(c, buf, len) != 0) {
				fprintf(stderr, "bench_sip_lb: wrong result\n");
				exit(1);
			}
		}
		n += 1000;
		t = now_s() - t0;
	} while (t < secs);
	return t / (double)n * 1e9;
}

/* The 200 the edge sends back (no body): the forwarded INVITE's Vias. */
static void
make_response(struct ctx *c)
{
	struct sip_perr perr;
	int n;

	if (run_request(c, invite, sizeof(invite) - 1) != 0 ||
			sip_msg_decode(&msg, out, out_len, &perr) < 0)
		exit(1);
	n = sip_resp_build(resp, sizeof(resp), &msg, 200, NULL, "e1", NULL);
	if (n < 0)
		exit(1);
	resp_len = (size_t)n;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	static struct ctx c;
	double dec_req, req, dec_resp, rsp;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	if (sip_lb_self_init(&c.self, "192.0.2.10:5060",
			"bench-secret-0123456789") < 0)
		return 1;
	for (i = 0; i < 3; i++) {
		char name[32];
		int n = snprintf(name, sizeof(name), "10.0.0.%u:5060", i + 21);

		c.nodes[i].id = sip_lb_siphash(&sip_lb_key_callid, name,
			(size_t)n);
		c.nodes[i].weight = 1;
		c.nodes[i].eligible = true;
	}
	c.src.ss_family = AF_INET;
	((struct sockaddr_in *)&c.src)->sin_port = htons(40000);
	inet_pton(AF_INET, "203.0.113.9",
		&((struct sockaddr_in *)&c.src)->sin_addr);
	make_response(&c);
	dec_req = measure(&c, run_decode, invite, sizeof(invite) - 1, secs);
	req = measure(&c, run_request, invite, sizeof(invite) - 1, secs);
	dec_resp = measure(&c, run_decode, resp, resp_len, secs);
	rsp = measure(&c, run_response, resp, resp_len, secs);
	printf("| message | decode alone (ns) | balancer path (ns) | ratio | balancer messages/s per core |\n");
	printf("|---|---|---|---|---|\n");
	printf("| INVITE with SDP (%zu bytes) from outside | %.0f | %.0f | %.2f | %.0f |\n",
		sizeof(invite) - 1, dec_req, req, req / dec_req, 1e9 / req);
	printf("| its 200, two Vias, no body (%zu bytes) back | %.0f | %.0f | %.2f | %.0f |\n",
		resp_len, dec_resp, rsp, rsp / dec_resp, 1e9 / rsp);
	return 0;
}
