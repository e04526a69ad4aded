/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP through any relay driven by the ng protocol (drongo in role media in
 * front of drongo-dp, or rtpengine), from kernel UDP sockets in a network
 * namespace of our own. Two measurements:
 *
 *  latency: N calls one after the other; per call the time from sending the
 *  ng offer to the first RTP packet relayed to the callee (the caller sends
 *  RTP to the relay port of the answer every 100 us from the moment the
 *  answer's reply arrives), then delete. Prints median, p90, p99 and max.
 *
 *  rate: K sessions allocated through ng (offer and answer, the requests
 *  Kamailio's rtpengine module sends), then RTP both ways (2K streams,
 *  172-byte RTP: 12-byte header, 160-byte PCMU payload) paced with
 *  sendmmsg; a receiver thread reads with recvmmsg, checks every packet
 *  (length, trial, stream, that it came from the relay port the stream
 *  must leave from, on the socket it must reach) and counts per stream.
 *  Search: two trials flat out, then halving and bisection for the highest
 *  rate with loss <= 0.1 %, no wrong or duplicate packet and an offered
 *  rate within 5 % of the target; a failed trial is run once more, and with
 *  --refresh every session is made anew after it. Then a trial at
 *  --fixed-rate packets per second for the CPU the relay uses at a common
 *  load and the one-way latency. CPU is utime+stime of --cpu-pid from /proc
 *  over each trial, and each CPU's busy and softirq time from /proc/stat
 *  (much of a kernel-socket relay's work is done in softirq).
 *
 *  --direct ADDR sends straight to receiver sockets bound to ADDR in
 *  --rx-netns (no relay, no ng): the generator's own ceiling.
 *
 * Output: a line per trial on stderr, one summary line on stdout. Usage:
 * see bench_usage(); perf/relay/run.sh runs it against both relays.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_RTP_LEN 172
#define BENCH_BATCH 32
#define BENCH_MAGIC 0x64676d70u	/* "dgmp" */
#define BENCH_MAX_SESSIONS 20000
#define BENCH_HIST_FINE 20000	/* 1 us buckets up to 20 ms, */
#define BENCH_HIST_COARSE 1000	/* then 1 ms buckets up to 1.02 s, */
#define BENCH_HIST_N (BENCH_HIST_FINE + BENCH_HIST_COARSE + 1) /* + more */
#define BENCH_NG_RTO_MS 1000
#define BENCH_NG_TRIES 4

/* Payload after the RTP header: which trial, stream and packet, when sent. */
struct bench_tag {
	uint32_t magic;
	uint32_t trial;
	uint32_t stream;
	uint32_t seq;
	uint64_t sent_ns;
} __attribute__((packed));

/*
 * One direction of one session: sent from sock[dir] to dst; must arrive on
 * sock[1 - dir] (the rx socket of the other side) from src.
 */
struct bench_stream {
	struct sockaddr_in dst;
	struct sockaddr_in src;
	uint32_t seq;
	uint16_t rtp_seq;
	uint32_t sent;
	uint32_t rx;
	uint32_t rx_last;
	uint32_t dup;
	uint32_t reordered;
};

struct bench_cpu {
	uint64_t proc_ticks;
	uint64_t busy[2];
	uint64_t softirq[2];
	uint64_t all[2];
	uint64_t ns;
};

struct bench_result {
	uint64_t sent;
	uint64_t rx;
	uint64_t lost;
	uint64_t bad;
	uint64_t dup;
	uint64_t stale;
	uint64_t reordered;
	uint32_t worst_stream_lost;
	double offered_pps;
	double secs;
	double proc_cpu;	/* share of one CPU */
	double cpu_busy[2];	/* share of CPU 0 and CPU 1 */
	double cpu_softirq[2];	/* of which softirq */
	double lat_p50_us;
	double lat_p99_us;
};

struct bench {
	/* options */
	const char *ng_addr;
	const char *ng_netns;
	const char *netns;
	const char *rx_netns;
	const char *direct;
	const char *csum_if;
	const char *label;
	const char *mode;
	struct in_addr caller;
	struct in_addr callee;
	unsigned int sessions;
	unsigned int calls;
	unsigned int trial_ms;
	unsigned int drain_ms;
	double fixed_rate;
	unsigned int fixed_ms;
	bool refresh;
	double rate_max;
	double rate_min;
	int cpu_pid;
	/* state */
	int ng;
	int tx[2];		/* caller, callee (send) */
	int rx[2];		/* where stream dir d arrives: rx[1 - d] */
	struct sockaddr_in tx_addr[2];
	struct sockaddr_in rx_addr[2];
	struct bench_stream *st;
	unsigned int nstreams;
	unsigned int run;
	unsigned int gen;	/* sessions made anew: new call ids */
	unsigned int ng_seq;
	_Atomic uint32_t cur_trial;
	_Atomic uint32_t ack_trial;
	_Atomic bool quit;
	uint64_t bad;
	uint64_t stale;
	uint64_t icmp_errors;
	uint32_t hist[BENCH_HIST_N];
};

static uint64_t
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
bench_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	(void)nanosleep(&ts, NULL);
}

static int
bench_setns(const char *name)
{
	char path[256];
	int fd, err = 0;

	if (name == NULL)
		return 0;
	if (strchr(name, '/') != NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		err = -errno;
		fprintf(stderr, "bench_relay: netns %s: %s\n", name,
			strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* ethtool -K IF tx off: a veth passes UDP with only the pseudo-header sum
 * (CHECKSUM_PARTIAL), which a packet socket on the far side sees as is. */
static int
bench_tx_csum_off(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;
	int s, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ev;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || ioctl(s, SIOCETHTOOL, &ifr) < 0) {
		err = -errno;
		fprintf(stderr, "bench_relay: %s tx checksum off: %s\n",
			ifname, strerror(errno));
	}
	if (s >= 0)
		close(s);
	return err;
}

static int
bench_udp(struct in_addr addr, struct sockaddr_in *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = addr };
	socklen_t sl = sizeof(sa);
	int s, sz = 32 << 20;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	/* Root may exceed rmem_max: the receiver must not be what drops. */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sz = 4 << 20;
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s, (struct sockaddr *)bound, &sl) < 0) {
		int err = -errno;

		fprintf(stderr, "bench_relay: bind %s: %s\n", inet_ntoa(addr),
			strerror(errno));
		close(s);
		return err;
	}
	return s;
}

/* --- ng --------------------------------------------------------------- */

static int
bench_ng_open(struct bench *b)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char host[64], *colon;
	int s;

	if (strlen(b->ng_addr) >= sizeof(host))
		return -EINVAL;
	strcpy(host, b->ng_addr);
	colon = strrchr(host, ':');
	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	dst.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &dst.sin_addr) != 1)
		return -EINVAL;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		close(s);
		return -errno;
	}
	b->ng = s;
	return 0;
}

/*
 * Send one request (cookie + bencoded dictionary) and wait for the reply
 * with its cookie, sending it again after BENCH_NG_RTO_MS. Returns the
 * reply's length, or a negative errno.
 */
static int
bench_ng_request(struct bench *b, const char *dict, char *reply, size_t cap)
{
	char msg[2048], cookie[32];
	struct pollfd pfd = { .fd = b->ng, .events = POLLIN };
	int cl, n, tries;
	ssize_t r;

	cl = snprintf(cookie, sizeof(cookie), "%u_%u ", b->run, ++b->ng_seq);
	n = snprintf(msg, sizeof(msg), "%s%s", cookie, dict);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EMSGSIZE;
	for (tries = 0; tries < BENCH_NG_TRIES; tries++) {
		uint64_t end = bench_now() + BENCH_NG_RTO_MS * 1000000ull;

		if (send(b->ng, msg, (size_t)n, 0) < 0)
			return -errno;
		while (bench_now() < end) {
			if (poll(&pfd, 1, 50) <= 0)
				continue;
			r = recv(b->ng, reply, cap - 1, 0);
			if (r > cl && memcmp(reply, cookie, (size_t)cl) == 0) {
				reply[r] = '\0';
				return (int)r;
			}
		}
	}
	return -ETIMEDOUT;
}

static size_t
bench_sdp(char *out, size_t cap, unsigned int id, struct in_addr a,
	  uint16_t port)
{
	char ip[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	n = snprintf(out, cap,
		     "v=0\r\no=- %u 1 IN IP4 %s\r\ns=-\r\n"
		     "c=IN IP4 %s\r\nt=0 0\r\n"
		     "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
		     "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
		     "a=ptime:20\r\na=sendrecv\r\n",
		     id, ip, ip, port);
	return n < 0 ? 0 : (size_t)n;
}

/* The relay's address and port from the SDP of an ok reply. */
static int
bench_ng_endpoint(const char *reply, struct sockaddr_in *out)
{
	const char *c, *m;
	char ip[INET_ADDRSTRLEN];
	unsigned int port;

	if (strstr(reply, "6:result2:ok") == NULL) {
		fprintf(stderr, "bench_relay: ng error: %.300s\n", reply);
		return -EPROTO;
	}
	c = strstr(reply, "c=IN IP4 ");
	m = strstr(reply, "m=audio ");
	if (c == NULL || m == NULL ||
	    sscanf(c + 9, "%15[0-9.]", ip) != 1 ||
	    sscanf(m + 8, "%u", &port) != 1 || port == 0 || port > 65535)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &out->sin_addr) != 1)
		return -EBADMSG;
	return 0;
}

static int
bench_callid(const struct bench *b, unsigned int id, char *out, size_t cap)
{
	return snprintf(out, cap, "dgmp-%u-%u-%u", b->run, b->gen, id);
}

/*
 * Offer (the caller's SDP) then answer (the callee's), as Kamailio's
 * rtpengine module sends them. @to_callee: where the callee sends (the
 * offer's reply), @to_caller: where the caller sends (the answer's reply).
 */
static int
bench_ng_call(struct bench *b, unsigned int id, struct sockaddr_in *to_callee,
	      struct sockaddr_in *to_caller)
{
	static const char flags[] = "5:flagsl13:trust-addresse7:replacel6:origin"
				    "18:session-connectione";
	char sdp[512], req[1024], reply[8192], cid[48];
	size_t sl;
	int n, cl;

	cl = bench_callid(b, id, cid, sizeof(cid));
	sl = bench_sdp(sdp, sizeof(sdp), id, b->tx_addr[0].sin_addr,
		       ntohs(b->tx_addr[0].sin_port));
	snprintf(req, sizeof(req),
		 "d7:command5:offer7:call-id%d:%s8:from-tag4:tagA%s3:sdp%zu:%se",
		 cl, cid, flags, sl, sdp);
	n = bench_ng_request(b, req, reply, sizeof(reply));
	if (n < 0)
		return n;
	n = bench_ng_endpoint(reply, to_callee);
	if (n < 0)
		return n;
	sl = bench_sdp(sdp, sizeof(sdp), id, b->tx_addr[1].sin_addr,
		       ntohs(b->tx_addr[1].sin_port));
	snprintf(req, sizeof(req),
		 "d7:command6:answer7:call-id%d:%s8:from-tag4:tagA"
		 "6:to-tag4:tagB%s3:sdp%zu:%se",
		 cl, cid, flags, sl, sdp);
	n = bench_ng_request(b, req, reply, sizeof(reply));
	if (n < 0)
		return n;
	return bench_ng_endpoint(reply, to_caller);
}

static int
bench_ng_delete(struct bench *b, unsigned int id)
{
	char req[256], reply[4096], cid[48];
	int n, cl;

	cl = bench_callid(b, id, cid, sizeof(cid));
	snprintf(req, sizeof(req),
		 "d7:command6:delete7:call-id%d:%s8:from-tag4:tagAe", cl, cid);
	n = bench_ng_request(b, req, reply, sizeof(reply));
	if (n < 0)
		return n;
	return strstr(reply, "6:result2:ok") != NULL ? 0 : -EPROTO;
}

/* --- packets ---------------------------------------------------------- */

static void
bench_rtp_fill(uint8_t *p, struct bench_stream *s, unsigned int stream,
	       uint32_t trial, uint64_t now)
{
	struct bench_tag tag = {
		.magic = BENCH_MAGIC, .trial = trial, .stream = stream,
		.seq = s->seq++, .sent_ns = now,
	};
	uint16_t seq = htons(s->rtp_seq++);
	uint32_t ts = htonl((uint32_t)s->rtp_seq * 160u);
	uint32_t ssrc = htonl(0x10000000u + stream);

	p[0] = 0x80;
	p[1] = 0;
	memcpy(p + 2, &seq, 2);
	memcpy(p + 4, &ts, 4);
	memcpy(p + 8, &ssrc, 4);
	memcpy(p + 12, &tag, sizeof(tag));
}

static void
bench_hist_add(struct bench *b, uint64_t ns)
{
	uint64_t us = ns / 1000, i;

	if (us < BENCH_HIST_FINE)
		i = us;
	else
		i = BENCH_HIST_FINE + (us - BENCH_HIST_FINE) / 1000;
	b->hist[i < BENCH_HIST_N ? i : BENCH_HIST_N - 1]++;
}

/* The PCT percentile in microseconds (the middle of its bucket). */
static double
bench_hist_pct(const uint32_t *hist, double pct)
{
	uint64_t total = 0, acc = 0, want;
	unsigned int i;

	for (i = 0; i < BENCH_HIST_N; i++)
		total += hist[i];
	if (total == 0)
		return 0;
	want = (uint64_t)((double)total * pct / 100.0 + 0.5);
	if (want == 0)
		want = 1;
	for (i = 0; i < BENCH_HIST_N; i++) {
		acc += hist[i];
		if (acc < want)
			continue;
		if (i < BENCH_HIST_FINE)
			return i + 0.5;
		return BENCH_HIST_FINE + (i - BENCH_HIST_FINE) * 1000.0 + 500;
	}
	return 0;
}

static void
bench_rx_one(struct bench *b, unsigned int side, const uint8_t *p, size_t len,
	     const struct sockaddr_in *from, uint32_t trial, uint64_t now)
{
	struct bench_stream *s;
	struct bench_tag tag;

	if (len != BENCH_RTP_LEN) {
		b->bad++;
		return;
	}
	memcpy(&tag, p + 12, sizeof(tag));
	if (tag.magic != BENCH_MAGIC || tag.stream >= b->nstreams) {
		b->bad++;
		return;
	}
	if (tag.trial != trial) {
		b->stale++;
		return;
	}
	s = &b->st[tag.stream];
	/* Stream 2i is caller -> callee: it must reach the callee's side. */
	if (side != 1 - (tag.stream & 1) ||
	    from->sin_addr.s_addr != s->src.sin_addr.s_addr ||
	    from->sin_port != s->src.sin_port) {
		b->bad++;
		return;
	}
	if (s->rx > 0 && tag.seq <= s->rx_last) {
		if (tag.seq == s->rx_last)
			s->dup++;
		else
			s->reordered++;
	}
	if (s->rx == 0 || tag.seq > s->rx_last)
		s->rx_last = tag.seq;
	s->rx++;
	bench_hist_add(b, now - tag.sent_ns);
}

static void *
bench_rx_main(void *arg)
{
	struct bench *b = arg;
	static uint8_t bufs[64][256];
	struct sockaddr_in from[64];
	struct mmsghdr mm[64];
	struct iovec iov[64];
	struct pollfd pfd[2];
	uint32_t seen = 0;
	unsigned int i, k;

	for (i = 0; i < 64; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
	}
	for (k = 0; k < 2; k++) {
		pfd[k].fd = b->rx[k];
		pfd[k].events = POLLIN;
	}
	while (!atomic_load(&b->quit)) {
		uint32_t trial = atomic_load(&b->cur_trial);

		if (trial != seen) {
			/* The main thread waits for this before it sends, and
			 * reads the counters only after trial 0 is seen. */
			if (trial != 0) {
				for (i = 0; i < b->nstreams; i++) {
					b->st[i].rx = 0;
					b->st[i].rx_last = 0;
					b->st[i].dup = 0;
					b->st[i].reordered = 0;
				}
				memset(b->hist, 0, sizeof(b->hist));
				b->bad = 0;
				b->stale = 0;
			}
			seen = trial;
			atomic_store(&b->ack_trial, trial);
		}
		if (poll(pfd, 2, 5) <= 0)
			continue;
		for (k = 0; k < 2; k++) {
			int n;

			if (pfd[k].revents & POLLERR) {
				int e;
				socklen_t el = sizeof(e);

				/* An ICMP error (a relay port closed): read
				 * it, or poll() keeps returning at once. */
				(void)getsockopt(b->rx[k], SOL_SOCKET, SO_ERROR,
						 &e, &el);
				b->icmp_errors++;
			}
			if (!(pfd[k].revents & POLLIN))
				continue;
			do {
				uint64_t now;

				for (i = 0; i < 64; i++) {
					memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
					mm[i].msg_hdr.msg_iov = &iov[i];
					mm[i].msg_hdr.msg_iovlen = 1;
					mm[i].msg_hdr.msg_name = &from[i];
					mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
				}
				n = recvmmsg(b->rx[k], mm, 64, MSG_DONTWAIT, NULL);
				if (n <= 0)
					break;
				now = bench_now();
				for (i = 0; i < (unsigned int)n; i++) {
					if (seen == 0) {
						b->stale++;
						continue;
					}
					bench_rx_one(b, k, bufs[i], mm[i].msg_len,
						     &from[i], seen, now);
				}
			} while (n == 64);
		}
	}
	return NULL;
}

static void
bench_trial_set(struct bench *b, uint32_t trial)
{
	atomic_store(&b->cur_trial, trial);
	while (atomic_load(&b->ack_trial) != trial)
		bench_sleep_ns(200000);
}

/* --- CPU -------------------------------------------------------------- */

static void
bench_cpu_read(struct bench *b, struct bench_cpu *c)
{
	char buf[4096], path[64], *p;
	unsigned long long ut, st;
	FILE *f;
	int fd;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->ns = bench_now();
	if (b->cpu_pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/stat", b->cpu_pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			/* Fields 14 and 15 (utime, stime), counted after the
			 * command name, which may hold spaces. */
			p = strrchr(buf, ')');
			if (p != NULL &&
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				   &ut, &st) == 2)
				c->proc_ticks = ut + st;
		}
	}
	f = fopen("/proc/stat", "re");
	if (f == NULL)
		return;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		unsigned long long v[8] = { 0 };
		unsigned int cpu;

		if (sscanf(buf, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu",
			   &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) != 9 || cpu > 1)
			continue;
		/* user nice system idle iowait irq softirq steal */
		c->busy[cpu] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		c->softirq[cpu] = v[6];
		c->all[cpu] = c->busy[cpu] + v[3] + v[4];
	}
	fclose(f);
}

static void
bench_cpu_diff(const struct bench_cpu *a, const struct bench_cpu *z,
	       struct bench_result *r)
{
	double secs = (double)(z->ns - a->ns) / 1e9;
	long hz = sysconf(_SC_CLK_TCK);
	unsigned int i;

	r->proc_cpu = secs > 0 ?
		(double)(z->proc_ticks - a->proc_ticks) / (double)hz / secs : 0;
	for (i = 0; i < 2; i++) {
		double all = (double)(z->all[i] - a->all[i]);

		if (z->all[i] <= a->all[i])
			continue;
		r->cpu_busy[i] = (double)(z->busy[i] - a->busy[i]) / all;
		r->cpu_softirq[i] = (double)(z->softirq[i] - a->softirq[i]) / all;
	}
}

/* --- load ------------------------------------------------------------- */

static int bench_sessions(struct bench *b);
static bool bench_pass(const struct bench_result *r, double rate);
static void bench_sessions_delete(struct bench *b);

/*
 * After a failed trial, with --refresh: every session deleted and made
 * anew. rtpengine stops reading a socket for good once it has found more
 * than 50 packets queued on it five times (its overload guard), so an
 * overloaded trial leaves it with dead streams; both relays get the same.
 */
static int
bench_refresh(struct bench *b, const struct bench_result *r, double rate)
{
	uint64_t t0 = bench_now();
	int err;

	if (!b->refresh || b->direct != NULL || bench_pass(r, rate))
		return 0;
	bench_sessions_delete(b);
	b->gen++;
	err = bench_sessions(b);
	fprintf(stderr, "%s sessions made anew in %.2f s%s\n", b->label,
		(double)(bench_now() - t0) / 1e9, err < 0 ? ": FAILED" : "");
	return err;
}

/*
 * One trial: RATE packets per second over all streams for trial_ms (in
 * stream order: session i's caller packet, then its callee packet), then
 * drain_ms for the last ones.
 */
static void
bench_trial(struct bench *b, uint32_t trial, double rate, unsigned int ms,
	    struct bench_result *r)
{
	static uint8_t bufs[2][BENCH_BATCH][BENCH_RTP_LEN];
	struct mmsghdr mm[2][BENCH_BATCH];
	struct iovec iov[2][BENCH_BATCH];
	struct bench_cpu c0, c1;
	uint64_t t0, now, dur = (uint64_t)ms * 1000000ull, sent = 0;
	unsigned int next = 0, i, d;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < b->nstreams; i++) {
		b->st[i].sent = 0;
		b->st[i].seq = 0;
	}
	for (d = 0; d < 2; d++)
		for (i = 0; i < BENCH_BATCH; i++) {
			iov[d][i].iov_base = bufs[d][i];
			iov[d][i].iov_len = BENCH_RTP_LEN;
			memset(&mm[d][i], 0, sizeof(mm[d][i]));
			mm[d][i].msg_hdr.msg_iov = &iov[d][i];
			mm[d][i].msg_hdr.msg_iovlen = 1;
			mm[d][i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
		}
	bench_trial_set(b, trial);
	bench_cpu_read(b, &c0);
	t0 = bench_now();
	for (;;) {
		uint64_t due;
		unsigned int n, cnt[2] = { 0, 0 };

		now = bench_now();
		if (now - t0 >= dur)
			break;
		due = (uint64_t)(rate * (double)(now - t0) / 1e9) + 1;
		if (due <= sent) {
			uint64_t gap = (uint64_t)((double)(sent + 1) * 1e9 / rate) -
				       (now - t0);

			bench_sleep_ns(gap < 1000000 ? gap : 1000000);
			continue;
		}
		n = due - sent > 2 * BENCH_BATCH ? 2 * BENCH_BATCH :
			(unsigned int)(due - sent);
		for (i = 0; i < n; i++) {
			struct bench_stream *s = &b->st[next];

			d = next & 1;
			if (cnt[d] == BENCH_BATCH)
				break;
			bench_rtp_fill(bufs[d][cnt[d]], s, next, trial, now);
			mm[d][cnt[d]].msg_hdr.msg_name = &s->dst;
			cnt[d]++;
			s->sent++;
			if (++next == b->nstreams)
				next = 0;
		}
		for (d = 0; d < 2; d++) {
			unsigned int off = 0;

			while (off < cnt[d]) {
				int k = sendmmsg(b->tx[d], &mm[d][off],
						 cnt[d] - off, 0);

				if (k <= 0) {
					if (k < 0 && errno != EAGAIN &&
					    errno != ENOBUFS && errno != EINTR) {
						fprintf(stderr, "bench_relay: sendmmsg: %s\n",
							strerror(errno));
						exit(1);
					}
					continue;
				}
				off += (unsigned int)k;
			}
		}
		sent += cnt[0] + cnt[1];
	}
	bench_cpu_read(b, &c1);
	r->secs = (double)(now - t0) / 1e9;
	bench_sleep_ns((uint64_t)b->drain_ms * 1000000ull);
	bench_trial_set(b, 0);
	bench_cpu_diff(&c0, &c1, r);
	r->offered_pps = (double)sent / r->secs;
	for (i = 0; i < b->nstreams; i++) {
		struct bench_stream *s = &b->st[i];
		uint32_t lost = s->sent > s->rx ? s->sent - s->rx : 0;

		r->sent += s->sent;
		r->rx += s->rx;
		r->lost += lost;
		r->dup += s->dup + (s->rx > s->sent ? s->rx - s->sent : 0);
		r->reordered += s->reordered;
		if (lost > r->worst_stream_lost)
			r->worst_stream_lost = lost;
	}
	r->bad = b->bad;
	r->stale = b->stale;
	r->lat_p50_us = bench_hist_pct(b->hist, 50);
	r->lat_p99_us = bench_hist_pct(b->hist, 99);
}

static bool
bench_pass(const struct bench_result *r, double rate)
{
	return r->sent > 0 && (double)r->lost <= (double)r->sent * 0.001 &&
	       r->bad == 0 && r->dup == 0 && r->offered_pps >= 0.95 * rate;
}

static void
bench_log(const struct bench *b, const char *what, double rate,
	  const struct bench_result *r, bool pass)
{
	fprintf(stderr,
		"%s %s target=%.0f offered=%.0f sent=%" PRIu64 " rx=%" PRIu64
		" lost=%" PRIu64 " (%.4f%%) worst_stream_lost=%u bad=%" PRIu64
		" dup=%" PRIu64 " reordered=%" PRIu64 " stale=%" PRIu64
		" lat_p50_us=%.1f lat_p99_us=%.1f relay_cpu=%.2f cpu0=%.2f"
		" cpu1=%.2f cpu0_si=%.2f cpu1_si=%.2f %s\n",
		b->label, what, rate, r->offered_pps, r->sent, r->rx, r->lost,
		r->sent ? 100.0 * (double)r->lost / (double)r->sent : 0.0,
		r->worst_stream_lost, r->bad, r->dup, r->reordered, r->stale,
		r->lat_p50_us, r->lat_p99_us, r->proc_cpu, r->cpu_busy[0],
		r->cpu_busy[1], r->cpu_softirq[0], r->cpu_softirq[1],
		pass ? "pass" : "FAIL");
}

/* Run a trial at RATE; a failure is run once more (the machine is shared). */
static bool
bench_try(struct bench *b, uint32_t *trial, double rate, struct bench_result *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		bool ok;

		bench_trial(b, ++*trial, rate, b->trial_ms, r);
		ok = bench_pass(r, rate);
		bench_log(b, "search", rate, r, ok);
		if (ok)
			return true;
		if (bench_refresh(b, r, rate) < 0)
			return false;
		/* The generator could not send that fast: no second try. */
		if (r->offered_pps < 0.95 * rate && r->lost == 0)
			return false;
	}
	return false;
}

static int
bench_rate(struct bench *b)
{
	struct bench_result r, best, fixed, flat, flat2;
	double lo = 0, hi, rate;
	uint32_t trial = 0;
	bool gen_bound = false;
	int step;

	memset(&best, 0, sizeof(best));
	/* Warm-up: first packets resolve ARP and latch peers. */
	bench_trial(b, ++trial, 2000, 300, &r);
	bench_log(b, "warmup", 2000, &r, bench_pass(&r, 2000));
	/* Flat out twice: the higher offered rate is the ceiling. */
	bench_trial(b, ++trial, b->rate_max, b->trial_ms, &flat);
	bench_log(b, "flat", b->rate_max, &flat, bench_pass(&flat, 0));
	if (bench_refresh(b, &flat, 0) < 0)
		return 1;
	bench_trial(b, ++trial, b->rate_max, b->trial_ms, &flat2);
	bench_log(b, "flat", b->rate_max, &flat2, bench_pass(&flat2, 0));
	if (bench_refresh(b, &flat2, 0) < 0)
		return 1;
	if (flat2.offered_pps > flat.offered_pps)
		flat = flat2;
	hi = flat.offered_pps;
	if (bench_pass(&flat, 0)) {
		best = flat;
		lo = hi;
		gen_bound = true;
	} else {
		/* Halve until a rate passes, then bisect. */
		rate = hi / 2;
		while (rate >= b->rate_min) {
			if (bench_try(b, &trial, rate, &r)) {
				lo = rate;
				best = r;
				break;
			}
			hi = rate;
			rate /= 2;
		}
		for (step = 0; lo > 0 && step < 6 && (hi - lo) > 0.03 * hi;
		     step++) {
			rate = (lo + hi) / 2;
			if (bench_try(b, &trial, rate, &r)) {
				lo = rate;
				best = r;
			} else {
				hi = rate;
			}
		}
	}
	rate = b->fixed_rate;
	bench_trial(b, ++trial, rate, b->fixed_ms, &fixed);
	bench_log(b, "fixed", rate, &fixed, bench_pass(&fixed, rate));
	printf("label=%s sessions=%u max_pps=%.0f bound=%s loss_pct=%.4f"
	       " relay_cpu_at_max=%.2f cpu0_at_max=%.2f cpu1_at_max=%.2f"
	       " flat_offered=%.0f flat_loss_pct=%.2f"
	       " fixed_pps=%.0f fixed_loss_pct=%.4f relay_cpu_at_fixed=%.3f"
	       " cpu0_at_fixed=%.3f cpu1_at_fixed=%.3f cpu1_si_at_fixed=%.3f"
	       " fixed_lat_p50_us=%.1f"
	       " fixed_lat_p99_us=%.1f max_lat_p50_us=%.1f max_lat_p99_us=%.1f\n",
	       b->label, b->sessions, lo, gen_bound ? "generator" : "relay",
	       best.sent ? 100.0 * (double)best.lost / (double)best.sent : 0,
	       best.proc_cpu, best.cpu_busy[0], best.cpu_busy[1],
	       flat.offered_pps,
	       flat.sent ? 100.0 * (double)flat.lost / (double)flat.sent : 0,
	       fixed.offered_pps,
	       fixed.sent ? 100.0 * (double)fixed.lost / (double)fixed.sent : 0,
	       fixed.proc_cpu, fixed.cpu_busy[0], fixed.cpu_busy[1],
	       fixed.cpu_softirq[1], fixed.lat_p50_us, fixed.lat_p99_us, best.lat_p50_us,
	       best.lat_p99_us);
	return lo > 0 ? 0 : 1;
}

/* --- set-up latency ---------------------------------------------------- */

static int
bench_cmp_u64(const void *a, const void *c)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)c;

	return x < y ? -1 : x > y;
}

static double
bench_pct_sorted(const uint64_t *v, unsigned int n, double pct)
{
	unsigned int i = (unsigned int)((double)n * pct / 100.0 + 0.5);

	if (n == 0)
		return 0;
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1e3;
}

/*
 * One call: offer, answer, then RTP from the caller to the answer's relay
 * port every 100 us until one arrives at the callee (up to 2 s), then
 * delete. @total: offer sent -> first packet at the callee; @media: the
 * answer's reply -> that packet; @first: the index of that packet among
 * those sent (0: the first packet after the answer was relayed).
 */
static int
bench_one_call(struct bench *b, unsigned int id, uint64_t *total,
	       uint64_t *media, unsigned int *first)
{
	struct sockaddr_in to_callee, to_caller, from;
	struct bench_stream s = { .seq = 0 };
	uint8_t pkt[BENCH_RTP_LEN], buf[256];
	struct pollfd pfd = { .fd = b->rx[1], .events = POLLIN };
	uint64_t t0, ta, next, end;
	socklen_t fl;
	int err;

	/* Anything left from the last call is not this call's. */
	while (recv(b->rx[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	t0 = bench_now();
	err = bench_ng_call(b, id, &to_callee, &to_caller);
	if (err < 0)
		return err;
	ta = bench_now();
	next = ta;
	end = ta + 2000000000ull;
	*first = 0;
	for (;;) {
		uint64_t now = bench_now();
		struct bench_tag tag;
		struct timespec wait;
		ssize_t n;

		if (now >= end)
			break;
		if (now >= next) {
			bench_rtp_fill(pkt, &s, id, 0xffffffffu, now);
			(void)sendto(b->tx[0], pkt, sizeof(pkt), 0,
				     (struct sockaddr *)&to_caller,
				     sizeof(to_caller));
			next = now + 100000;
		}
		wait.tv_sec = 0;
		wait.tv_nsec = (long)(next > now ? next - now : 0);
		if (ppoll(&pfd, 1, &wait, NULL) <= 0)
			continue;
		fl = sizeof(from);
		n = recvfrom(b->rx[1], buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n != BENCH_RTP_LEN)
			continue;
		memcpy(&tag, buf + 12, sizeof(tag));
		if (tag.magic != BENCH_MAGIC || tag.stream != id ||
		    tag.trial != 0xffffffffu)
			continue;
		now = bench_now();
		if (from.sin_addr.s_addr != to_callee.sin_addr.s_addr ||
		    from.sin_port != to_callee.sin_port) {
			fprintf(stderr, "bench_relay: call %u: RTP from %s:%u,"
				" not the callee-side relay port %u\n", id,
				inet_ntoa(from.sin_addr), ntohs(from.sin_port),
				ntohs(to_callee.sin_port));
			(void)bench_ng_delete(b, id);
			return -EPROTO;
		}
		*total = now - t0;
		*media = now - ta;
		*first = tag.seq;
		return bench_ng_delete(b, id);
	}
	fprintf(stderr, "bench_relay: call %u: no RTP relayed in 2 s\n", id);
	(void)bench_ng_delete(b, id);
	return -ETIMEDOUT;
}

static int
bench_latency(struct bench *b)
{
	uint64_t *tot, *med;
	unsigned int i, ok = 0, fails = 0, first, late = 0, warm = 20;
	int err;

	tot = calloc(b->calls, sizeof(*tot));
	med = calloc(b->calls, sizeof(*med));
	if (tot == NULL || med == NULL)
		return 2;
	for (i = 0; i < warm + b->calls; i++) {
		uint64_t t, m;

		err = bench_one_call(b, i, &t, &m, &first);
		if (err < 0) {
			if (++fails > 5) {
				fprintf(stderr, "bench_relay: too many failed calls\n");
				break;
			}
			continue;
		}
		if (i < warm)
			continue;
		tot[ok] = t;
		med[ok] = m;
		ok++;
		if (first > 0)
			late++;
	}
	qsort(tot, ok, sizeof(*tot), bench_cmp_u64);
	qsort(med, ok, sizeof(*med), bench_cmp_u64);
	printf("label=%s calls=%u failed=%u setup_p50_us=%.1f setup_p90_us=%.1f"
	       " setup_p99_us=%.1f setup_max_us=%.1f media_p50_us=%.1f"
	       " media_p99_us=%.1f first_not_relayed=%u\n",
	       b->label, ok, fails, bench_pct_sorted(tot, ok, 50),
	       bench_pct_sorted(tot, ok, 90), bench_pct_sorted(tot, ok, 99),
	       ok ? (double)tot[ok - 1] / 1e3 : 0, bench_pct_sorted(med, ok, 50),
	       bench_pct_sorted(med, ok, 99), late);
	free(tot);
	free(med);
	return fails == 0 && ok > 0 ? 0 : 1;
}

/* --- set-up ------------------------------------------------------------ */

static int
bench_sessions(struct bench *b)
{
	unsigned int i;
	int err;

	if (b->st == NULL) {
		b->nstreams = 2 * b->sessions;
		b->st = calloc(b->nstreams, sizeof(*b->st));
		if (b->st == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < b->sessions; i++) {
		struct bench_stream *up = &b->st[2 * i], *down = &b->st[2 * i + 1];

		if (b->direct != NULL) {
			up->dst = b->rx_addr[1];
			down->dst = b->rx_addr[0];
			up->src = b->tx_addr[0];
			down->src = b->tx_addr[1];
			continue;
		}
		/* Caller -> relay (the answer's port) -> callee: it leaves
		 * the relay from the port the callee sends to, and back. */
		err = bench_ng_call(b, i, &down->dst, &up->dst);
		if (err < 0) {
			fprintf(stderr, "bench_relay: session %u: %s\n", i,
				strerror(-err));
			return err;
		}
		up->src = down->dst;
		down->src = up->dst;
	}
	return 0;
}

static void
bench_sessions_delete(struct bench *b)
{
	unsigned int i, fails = 0;

	if (b->direct != NULL)
		return;
	for (i = 0; i < b->sessions; i++)
		if (bench_ng_delete(b, i) < 0)
			fails++;
	if (fails > 0)
		fprintf(stderr, "bench_relay: %u deletes failed\n", fails);
}

static void
bench_usage(void)
{
	fprintf(stderr,
		"usage: bench_relay --mode rate|latency --netns NS --caller IP --callee IP\n"
		"         (--ng ADDR:PORT [--ng-netns NS] | --direct IP --rx-netns NS)\n"
		"         [--sessions K] [--calls N] [--trial-ms MS] [--drain-ms MS]\n"
		"         [--fixed-rate PPS] [--fixed-ms MS] [--rate-max PPS] [--refresh]\n"
		"         [--rate-min PPS] [--cpu-pid PID] [--label L] [--tx-csum-off IF]\n");
}

static int
bench_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ng", required_argument, NULL, 'n' },
		{ "ng-netns", required_argument, NULL, 'N' },
		{ "netns", required_argument, NULL, 's' },
		{ "rx-netns", required_argument, NULL, 'R' },
		{ "direct", required_argument, NULL, 'D' },
		{ "caller", required_argument, NULL, 'a' },
		{ "callee", required_argument, NULL, 'b' },
		{ "sessions", required_argument, NULL, 'k' },
		{ "calls", required_argument, NULL, 'c' },
		{ "trial-ms", required_argument, NULL, 't' },
		{ "drain-ms", required_argument, NULL, 'd' },
		{ "fixed-rate", required_argument, NULL, 'f' },
		{ "refresh", no_argument, NULL, 'r' },
		{ "fixed-ms", required_argument, NULL, 'F' },
		{ "rate-max", required_argument, NULL, 'x' },
		{ "rate-min", required_argument, NULL, 'y' },
		{ "cpu-pid", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "tx-csum-off", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': b->mode = optarg; break;
		case 'n': b->ng_addr = optarg; break;
		case 'N': b->ng_netns = optarg; break;
		case 's': b->netns = optarg; break;
		case 'R': b->rx_netns = optarg; break;
		case 'D': b->direct = optarg; break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &b->caller) != 1)
				return -EINVAL;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &b->callee) != 1)
				return -EINVAL;
			break;
		case 'k': b->sessions = (unsigned int)atoi(optarg); break;
		case 'c': b->calls = (unsigned int)atoi(optarg); break;
		case 't': b->trial_ms = (unsigned int)atoi(optarg); break;
		case 'd': b->drain_ms = (unsigned int)atoi(optarg); break;
		case 'f': b->fixed_rate = atof(optarg); break;
		case 'r': b->refresh = true; break;
		case 'F': b->fixed_ms = (unsigned int)atoi(optarg); break;
		case 'x': b->rate_max = atof(optarg); break;
		case 'y': b->rate_min = atof(optarg); break;
		case 'p': b->cpu_pid = atoi(optarg); break;
		case 'l': b->label = optarg; break;
		case 'C': b->csum_if = optarg; break;
		default: return -EINVAL;
		}
	}
	if (b->mode == NULL || b->caller.s_addr == 0 || b->callee.s_addr == 0 ||
	    (b->ng_addr == NULL) == (b->direct == NULL) ||
	    (b->direct != NULL && strcmp(b->mode, "rate") != 0) ||
	    b->sessions == 0 || b->sessions > BENCH_MAX_SESSIONS ||
	    b->calls == 0 || b->trial_ms == 0 || b->fixed_rate <= 0 ||
	    b->rate_max <= 0 || b->rate_min <= 0)
		return -EINVAL;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct bench b = {
		.label = "relay", .sessions = 500, .calls = 500,
		.trial_ms = 1000, .drain_ms = 200, .fixed_rate = 50000,
		.fixed_ms = 3000, .rate_max = 5e6, .rate_min = 2000,
		.ng = -1, .tx = { -1, -1 }, .rx = { -1, -1 },
	};
	pthread_t rx;
	int orig, err, ret = 1, k;

	if (bench_args(&b, argc, argv) < 0) {
		bench_usage();
		return 2;
	}
	b.run = (unsigned int)getpid();
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return 1;
	/* The ng socket lives where the server listens (rtpengine: in the
	 * relay's namespace), the RTP sockets in the generator's. */
	if (b.ng_addr != NULL) {
		if (bench_setns(b.ng_netns) < 0 || bench_ng_open(&b) < 0 ||
		    setns(orig, CLONE_NEWNET) < 0) {
			fprintf(stderr, "bench_relay: ng socket to %s failed\n",
				b.ng_addr);
			return 1;
		}
	}
	if (bench_setns(b.netns) < 0)
		return 1;
	if (b.csum_if != NULL && bench_tx_csum_off(b.csum_if) < 0)
		return 1;
	for (k = 0; k < 2; k++) {
		b.tx[k] = bench_udp(k == 0 ? b.caller : b.callee, &b.tx_addr[k]);
		if (b.tx[k] < 0)
			return 1;
		b.rx[k] = b.tx[k];
		b.rx_addr[k] = b.tx_addr[k];
	}
	if (b.direct != NULL) {
		struct in_addr da;

		if (inet_pton(AF_INET, b.direct, &da) != 1 ||
		    bench_setns(b.rx_netns) < 0)
			return 1;
		for (k = 0; k < 2; k++) {
			b.rx[k] = bench_udp(da, &b.rx_addr[k]);
			if (b.rx[k] < 0)
				return 1;
		}
		if (bench_setns(b.netns) < 0)
			return 1;
	}
	close(orig);
	if (strcmp(b.mode, "latency") == 0)
		return bench_latency(&b);
	if (strcmp(b.mode, "rate") != 0) {
		bench_usage();
		return 2;
	}
	err = bench_sessions(&b);
	if (err < 0)
		goto out;
	err = pthread_create(&rx, NULL, bench_rx_main, &b);
	if (err != 0)
		goto out;
	ret = bench_rate(&b);
	atomic_store(&b.quit, true);
	pthread_join(rx, NULL);
out:
	bench_sessions_delete(&b);
	free(b.st);
	return ret;
}
