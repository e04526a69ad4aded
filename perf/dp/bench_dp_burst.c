/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_dp_burst: the worker's own cost per packet, without a NIC, a
 * generator or a second process: dp_worker_burst() and the TX flush (to a
 * net_null port) are timed with the TSC on bursts of 32 ready frames, each
 * of a random session among N, in one process on one core. Modes as
 * run-srtp.sh: plain (no keys, the baseline of the same run), rtp2srtp
 * (protect), srtp2rtp (unprotect), srtp2srtp (unprotect then protect with
 * other keys); SRTP ingress is protected beforehand, outside the timed
 * region, by a second engine worker with the session's leg 0 keys. So
 * "SRTP row - plain row" is what the crypto stage costs inside the relay,
 * to compare with bench_srtp's standalone cost on the same machine. Every
 * burst is checked (all 32 relayed, the crypto counters moved by 32 each,
 * no drop) and the run stops on a failure.
 *
 *   bench_dp_burst EAL-ARGS -- [N,N,...] [SECONDS]
 *
 * Default 1000,100000 sessions, 1 s per mode and size; the EAL needs about
 * 16 KB of memory (-m) per session at the largest N (--no-huge is fine).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_lcore.h"
#include "dp_srtp.h"

#define BB_BURST 32u
#define BB_PAYLOAD 160u
#define BB_HDRS 42u
#define BB_ADDRS 64u

enum bb_mode { BB_PLAIN, BB_RTP2SRTP, BB_SRTP2RTP, BB_SRTP2SRTP, BB__COUNT };

static const char *const bb_mode_names[BB__COUNT] = {
	"plain", "rtp2srtp", "srtp2rtp", "srtp2srtp",
};

static const uint8_t bb_port_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t bb_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x50 };

struct bb {
	struct dp_net net;
	struct dp_lcore lc;
	struct dp_srtp_worker *relay;
	struct dp_srtp_worker *peer;
	struct rte_mempool *pool;
	uint16_t port;
	uint32_t n;
	uint16_t *dport;	/* leg 0 relay port per session */
	uint16_t *seq;		/* next RTP sequence number per session */
	uint32_t *pctx;		/* peer protect context per session */
	uint64_t rnd;
};

static uint32_t
bb_rand(struct bb *b)
{
	b->rnd ^= b->rnd << 13;
	b->rnd ^= b->rnd >> 7;
	b->rnd ^= b->rnd << 17;
	return (uint32_t)b->rnd;
}

static void
bb_key(uint32_t s, uint32_t leg, uint32_t dir, uint8_t *key, uint8_t *salt)
{
	uint32_t i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)(s * 7 + leg * 31 + dir * 57 + i);
	for (i = 0; i < 14; i++)
		salt[i] = (uint8_t)(s >> 8) ^ (uint8_t)(leg * 3 + dir + i);
}

static int
bb_port_open(struct bb *b)
{
	struct rte_eth_conf pc;
	int err;

	if (rte_eth_dev_get_port_by_name("net_null0", &b->port) != 0)
		return -ENODEV;
	memset(&pc, 0, sizeof(pc));
	err = rte_eth_dev_configure(b->port, 1, 1, &pc);
	if (err == 0)
		err = rte_eth_rx_queue_setup(b->port, 0, 64, SOCKET_ID_ANY, NULL,
					     b->pool);
	if (err == 0)
		err = rte_eth_tx_queue_setup(b->port, 0, 512, SOCKET_ID_ANY, NULL);
	if (err == 0)
		err = rte_eth_dev_start(b->port);
	return err;
}

/* N sessions of mode m, keys per session, leg and direction (all distinct),
 * and the peer's protect contexts for SRTP ingress. */
static int
bb_sessions(struct bb *b, enum bb_mode m, uint32_t n)
{
	struct dp_session_conf sc;
	struct dg_msg_session ms;
	struct dg_msg_ports p[2];
	struct dp_srtp_ctx_params cp;
	struct dp_srtp_key k;
	uint32_t s, i;
	int err;

	memset(&sc, 0, sizeof(sc));
	sc.capacity = n;
	sc.port_first = 1024;
	sc.port_last = 65535;
	sc.addr_count = BB_ADDRS;
	memcpy(sc.addrs, b->net.addrs, sizeof(b->net.addrs));
	sc.latch_window_s = 3;
	sc.socket_id = SOCKET_ID_ANY;
	err = dp_session_table_create(&b->lc.sessions, &sc);
	if (err < 0)
		return err;
	b->lc.sessions->srtp = b->relay;
	memset(&cp, 0, sizeof(cp));
	cp.dir = DP_SRTP_DIR_PROTECT;
	cp.flags = DP_SRTP_F_SSRC_ANY | DP_SRTP_F_NO_RTCP;
	for (s = 0; s < n; s++) {
		memset(&ms, 0, sizeof(ms));
		for (i = 0; i < 2; i++) {
			struct dg_msg_leg *l = &ms.leg[i];

			l->relay_family = DG_AF_INET;
			l->relay_addr[0] = 10;
			l->relay_addr[1] = 77;
			l->relay_addr[3] = (uint8_t)(1 + s % BB_ADDRS);
			l->peer_family = DG_AF_INET;
			l->peer_addr[0] = 10;
			l->peer_addr[1] = 77;
			l->peer_addr[2] = 1;
			l->peer_addr[3] = 1;
			l->peer_rtp_port = (uint16_t)(2 * (s % 30000) + 2000 + i);
			l->flags = DG_LEG_F_RTCP_MUX;
			if ((i == 0 && (m == BB_SRTP2RTP || m == BB_SRTP2SRTP)) ||
			    (i == 1 && (m == BB_RTP2SRTP || m == BB_SRTP2SRTP)))
				l->srtp_suite = DG_SRTP_AES_CM_128_HMAC_SHA1_80;
			bb_key(s, i, 0, l->srtp_in.key, l->srtp_in.salt);
			bb_key(s, i, 1, l->srtp_out.key, l->srtp_out.salt);
		}
		err = dp_session_create(b->lc.sessions, s + 1, &ms, 0, p);
		if (err < 0)
			return err;
		b->dport[s] = p[0].rtp;
		b->seq[s] = (uint16_t)(s * 13);
		if (m != BB_SRTP2RTP && m != BB_SRTP2SRTP)
			continue;
		k.suite = DP_SRTP_AES_CM_128_HMAC_SHA1_80;
		bb_key(s, 0, 0, k.master_key, k.master_salt);
		err = dp_srtp_ctx_create(b->peer, &cp, &k);
		if (err < 0)
			return err;
		b->pctx[s] = (uint32_t)err;
	}
	b->n = n;
	return 0;
}

static void
bb_sessions_free(struct bb *b, enum bb_mode m)
{
	uint32_t s;

	(void)dp_session_flush(b->lc.sessions);
	dp_session_table_free(b->lc.sessions);
	b->lc.sessions = NULL;
	if (m == BB_SRTP2RTP || m == BB_SRTP2SRTP)
		for (s = 0; s < b->n; s++)
			dp_srtp_ctx_destroy(b->peer, b->pctx[s]);
}

static void
bb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 and UDP lengths and the IPv4 header checksum of a frame of len
 * bytes (no UDP checksum, which IPv4 allows: the relay computes one when
 * it resizes). */
static void
bb_lengths(uint8_t *p, uint32_t len)
{
	bb_put16(p + 16, (uint16_t)(len - 14));
	bb_put16(p + 38, (uint16_t)(len - 34));
	p[24] = 0;
	p[25] = 0;
	bb_put16(p + 24, (uint16_t)~dp_csum_fold(dp_csum_add(0, p + 14, 20)));
}

/* One plain RTP frame of session s from its leg 0 peer. */
static struct rte_mbuf *
bb_frame(struct bb *b, uint32_t s)
{
	struct rte_mbuf *m0 = rte_pktmbuf_alloc(b->pool);
	uint32_t len = BB_HDRS + 12 + BB_PAYLOAD;
	uint8_t *p;

	if (m0 == NULL)
		return NULL;
	p = rte_pktmbuf_mtod(m0, uint8_t *);
	if (rte_pktmbuf_append(m0, (uint16_t)len) == NULL) {
		rte_pktmbuf_free(m0);
		return NULL;
	}
	memset(p, 0, len);
	memcpy(p, bb_port_mac, 6);
	memcpy(p + 6, bb_peer_mac, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[22] = 64;
	p[23] = 17;
	p[26] = 10;
	p[27] = 77;
	p[28] = 1;
	p[29] = 1;
	p[30] = 10;
	p[31] = 77;
	p[33] = (uint8_t)(1 + s % BB_ADDRS);
	bb_put16(p + 34, (uint16_t)(2 * (s % 30000) + 2000));
	bb_put16(p + 36, b->dport[s]);
	p[42] = 0x80;
	bb_put16(p + 44, b->seq[s]++);
	p[50] = (uint8_t)(s >> 24);
	p[51] = (uint8_t)(s >> 16);
	p[52] = (uint8_t)(s >> 8);
	p[53] = (uint8_t)s;
	bb_lengths(p, len);
	return m0;
}

/*
 * SRTP ingress: the burst protected by the peer engine in one call, the
 * standalone cost of the same crypto on the same sessions (timed into
 * *alone). Returns 0, or -1 when a packet is refused.
 */
static int
bb_protect(struct bb *b, struct rte_mbuf **pkts, const uint32_t *sess,
		uint64_t *alone)
{
	struct dp_srtp_pkt sp[BB_BURST];
	uint64_t t0;
	uint32_t i;

	memset(sp, 0, sizeof(sp));
	for (i = 0; i < BB_BURST; i++) {
		sp[i].m = pkts[i];
		sp[i].ctx = b->pctx[sess[i]];
		sp[i].off = BB_HDRS;
		sp[i].len = 12 + BB_PAYLOAD;
		sp[i].op = DP_SRTP_OP_RTP;
	}
	t0 = rte_rdtsc();
	if (dp_srtp_burst_process(b->peer, sp, BB_BURST) != BB_BURST)
		return -1;
	*alone += rte_rdtsc() - t0;
	for (i = 0; i < BB_BURST; i++)
		bb_lengths(rte_pktmbuf_mtod(pkts[i], uint8_t *), pkts[i]->data_len);
	return 0;
}

#define BB_SAMPLES (1u << 20)

static uint64_t bb_relay_cyc[BB_SAMPLES];
static uint64_t bb_alone_cyc[BB_SAMPLES];

static int
bb_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median burst: a burst takes tens of microseconds, so the time slices
 * other processes of a shared machine take land in a few bursts only. */
static double
bb_median(uint64_t *v, uint32_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bb_cmp);
	return (double)v[n / 2];
}

/*
 * Relay bursts for about sec seconds; returns TSC cycles per packet of the
 * median burst (and of the median standalone protect in *alone_out), or a
 * negative value on a failed check.
 */
static double
bb_run(struct bb *b, enum bb_mode m, double sec, double *alone_out)
{
	struct rte_mbuf *pkts[BB_BURST];
	uint32_t sess[BB_BURST];
	uint64_t alone = 0, untimed = 0;
	const struct dp_worker_stats *st = &b->lc.st;
	uint64_t hz = rte_get_tsc_hz(), start, t0, pk = 0;
	uint64_t tx0, pr0, un0, drops0 = 0, drops = 0;
	bool warm = false;
	uint32_t i, s;

	for (i = 0; i < DP_DROP__COUNT; i++)
		drops0 += st->drops[i];
	start = rte_rdtsc();
	/* One packet per session first (latching, SSRC slots), untimed. */
	for (s = 0;;) {
		for (i = 0; i < BB_BURST; i++) {
			sess[i] = warm ? bb_rand(b) % b->n : (s + i) % b->n;
			pkts[i] = bb_frame(b, sess[i]);
			if (pkts[i] == NULL)
				return -1;
		}
		if ((m == BB_SRTP2RTP || m == BB_SRTP2SRTP) &&
		    bb_protect(b, pkts, sess, warm ? &alone : &untimed) < 0)
			return -1;
		tx0 = st->tx_pkts;
		pr0 = st->srtp_protected;
		un0 = st->srtp_unprotected;
		t0 = rte_rdtsc();
		dp_worker_burst(&b->lc, pkts, BB_BURST);
		dp_worker_tx_flush(&b->lc);
		if (warm && pk < BB_SAMPLES) {
			bb_relay_cyc[pk] = rte_rdtsc() - t0;
			bb_alone_cyc[pk] = alone;
			alone = 0;
			pk++;
		}
		if (st->tx_pkts - tx0 != BB_BURST ||
		    st->srtp_protected - pr0 != ((m == BB_RTP2SRTP ||
			    m == BB_SRTP2SRTP) ? BB_BURST : 0) ||
		    st->srtp_unprotected - un0 != ((m == BB_SRTP2RTP ||
			    m == BB_SRTP2SRTP) ? BB_BURST : 0))
			return -1;
		if (!warm) {
			s += BB_BURST;
			warm = s >= b->n;
			start = rte_rdtsc();
		} else if (rte_rdtsc() - start > (uint64_t)(sec * (double)hz)) {
			break;
		}
	}
	for (i = 0; i < DP_DROP__COUNT; i++)
		drops += st->drops[i];
	if (drops != drops0)
		return -1;
	*alone_out = bb_median(bb_alone_cyc, (uint32_t)pk) / BB_BURST;
	return bb_median(bb_relay_cyc, (uint32_t)pk) / BB_BURST;
}

int
main(int argc, char **argv)
{
	struct dp_srtp_conf conf;
	uint32_t sizes[8], nsz = 0, nmax = 0, i, gw;
	double sec = 1.0, cyc, base = 0, ns, alone;
	const char *list = "1000,100000";
	struct bb b;
	char *end;
	int ret, m;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bench_dp_burst: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (argc > 1)
		list = argv[1];
	if (argc > 2)
		sec = strtod(argv[2], NULL);
	while (*list != '\0' && nsz < 8) {
		sizes[nsz] = (uint32_t)strtoul(list, &end, 10);
		if (end == list || sizes[nsz] == 0)
			break;
		if (sizes[nsz] > nmax)
			nmax = sizes[nsz];
		nsz++;
		list = *end == ',' ? end + 1 : end;
	}
	if (nsz == 0 || sec <= 0) {
		fprintf(stderr, "usage: bench_dp_burst EAL-ARGS -- [N,N,...] [SECONDS]\n");
		return 1;
	}
	memset(&b, 0, sizeof(b));
	b.rnd = 0x9e3779b97f4a7c15ull;
	b.pool = rte_pktmbuf_pool_create("bb_mbufs", 8191, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	b.dport = calloc(nmax, sizeof(*b.dport));
	b.seq = calloc(nmax, sizeof(*b.seq));
	b.pctx = calloc(nmax, sizeof(*b.pctx));
	if (b.pool == NULL || b.dport == NULL || b.seq == NULL || b.pctx == NULL ||
	    bb_port_open(&b) != 0) {
		fprintf(stderr, "bench_dp_burst: set-up failed (a net_null0 vdev "
			"and memory are needed)\n");
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	conf.backend = DP_SRTP_BACKEND_CRYPTODEV;
	conf.nb_workers = 2;
	conf.nb_ctx = 4 * nmax + 16;
	/* The relay's contexts hold two sessions each, the peer's one. */
	conf.nb_sessions = 2 * (4 * nmax + 16) + nmax + 16;
	conf.socket_id = SOCKET_ID_ANY;
	ret = dp_srtp_init(&conf);
	if (ret == 0)
		ret = dp_srtp_worker_create(&b.relay, 0);
	if (ret == 0)
		ret = dp_srtp_worker_create(&b.peer, 1);
	if (ret < 0) {
		fprintf(stderr, "bench_dp_burst: SRTP engine: %s\n", strerror(-ret));
		return 1;
	}
	memcpy(b.net.port_mac, bb_port_mac, 6);
	b.net.addr_count = BB_ADDRS;
	for (i = 0; i < BB_ADDRS; i++) {
		b.net.addrs[i].family = 4;
		b.net.addrs[i].prefix = 16;
		b.net.addrs[i].addr[0] = 10;
		b.net.addrs[i].addr[1] = 77;
		b.net.addrs[i].addr[3] = (uint8_t)(1 + i);
	}
	for (gw = 0; gw < 6; gw++)
		b.net.gw_mac4 |= (uint64_t)bb_peer_mac[gw] << (8 * gw);
	b.lc.net = &b.net;
	b.lc.port_id = b.port;
	b.lc.exc_ring = rte_ring_create("bb_exc", 64, SOCKET_ID_ANY,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	b.lc.latch_quiet_ns = 500000000ull;
	b.lc.now_ns = 1000000000ull;
	if (b.lc.exc_ring == NULL)
		return 1;
	printf("%-10s %8s %10s %8s %10s %10s %12s\n", "mode", "sessions",
	       "ns/pkt", "Mpps", "vs plain", "stage ns", "alone ns");
	for (i = 0; i < nsz; i++) {
		for (m = 0; m < BB__COUNT; m++) {
			ret = bb_sessions(&b, (enum bb_mode)m, sizes[i]);
			if (ret < 0) {
				fprintf(stderr, "bench_dp_burst: %s, %u sessions: %s\n",
					bb_mode_names[m], sizes[i], strerror(-ret));
				return 1;
			}
			cyc = bb_run(&b, (enum bb_mode)m, sec, &alone);
			bb_sessions_free(&b, (enum bb_mode)m);
			if (cyc < 0) {
				fprintf(stderr, "bench_dp_burst: %s, %u sessions: "
					"a burst failed its check\n",
					bb_mode_names[m], sizes[i]);
				return 1;
			}
			ns = cyc * 1e9 / (double)rte_get_tsc_hz();
			if (m == BB_PLAIN)
				base = ns;
			printf("%-10s %8u %10.1f %8.2f %10.3f %10.1f %12.1f\n",
			       bb_mode_names[m], sizes[i], ns, 1e3 / ns, base / ns,
			       ns - base, alone * 1e9 / (double)rte_get_tsc_hz());
			fflush(stdout);
		}
	}
	dp_srtp_worker_destroy(b.peer);
	dp_srtp_worker_destroy(b.relay);
	dp_srtp_fini();
	rte_ring_free(b.lc.exc_ring);
	(void)rte_eth_dev_stop(b.port);
	return 0;
}
