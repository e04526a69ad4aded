/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP benchmark: per core, bursts of 32 packets of 172-byte RTP (12-byte
 * header, 160-byte G.711 payload), each packet of a random stream among S
 * streams, protect then unprotect, for each suite through the module's
 * cryptodev backend (CPU crypto with and without the key prefetch, and
 * enqueue/dequeue), its libsrtp2 backend, and libsrtp2's srtp_protect /
 * srtp_unprotect called directly (the baseline). Only the protect and
 * unprotect calls are timed (TSC); every burst's verdicts, lengths and
 * round-tripped plaintext are checked outside the timed region, and a
 * failed check aborts the run. Prints a markdown table for perf/README.md.
 *
 * Usage: bench_srtp [lcore [seconds-per-run [streams,...]]]
 *        (defaults: 1, 0.5, "1000,100000"; median of 3 runs)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <srtp2/srtp.h>

#include "dp_srtp_priv.h"

#define B_BURST 32
#define B_LEN 172
#define B_RUNS 3
/*
 * Debian's libsrtp2 imports every key into NSS, whose key import slows down
 * with the number of keys held (0.19 ms per srtp_create at 5k, 3.8 ms at
 * 20k on the reference machine): beyond this many streams the libsrtp2 rows
 * are measured at this many streams, and say so (per-packet cost grows
 * with the keys held too: 2.8 us at 1 stream, 21 us at 1000, 44 us at 5000).
 */
#define B_LIB_MAX_STREAMS 1000

enum b_path {
	B_CDEV_SYNC,
	B_CDEV_SYNC_NOPF,
	B_CDEV_ENQ,
	B_LIB_BACKEND,
	B_LIB_DIRECT,
	B_PATH__COUNT
};

static const char *const b_path_names[B_PATH__COUNT] = {
	"cryptodev, cpu-crypto", "cryptodev, cpu-crypto, no prefetch",
	"cryptodev, enqueue/dequeue", "libsrtp2 backend", "libsrtp2 direct",
};

static const char *const b_suite_names[DP_SRTP_SUITE__COUNT] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
};

struct b_result {
	double prot_ns;
	double unprot_ns;
};

static struct rte_mempool *b_pool;
static struct dp_srtp_worker *b_cdev;
static struct dp_srtp_worker *b_lib;
static uint64_t b_rng = 0x9e3779b97f4a7c15ull;

static uint32_t
b_rand(uint32_t n)
{
	b_rng ^= b_rng << 13;
	b_rng ^= b_rng >> 7;
	b_rng ^= b_rng << 17;
	return (uint32_t)(b_rng % n);
}

static void
b_fail(const char *what)
{
	fprintf(stderr, "bench_srtp: check failed: %s\n", what);
	exit(1);
}

static void
b_key(struct dp_srtp_key *k, uint8_t suite, uint32_t stream)
{
	unsigned int i;

	k->suite = (enum dp_srtp_suite)suite;
	for (i = 0; i < sizeof(k->master_key); i++)
		k->master_key[i] = (uint8_t)(stream * 31 + i);
	for (i = 0; i < sizeof(k->master_salt); i++)
		k->master_salt[i] = (uint8_t)((stream >> 8) ^ (i * 7));
}

static void
b_plain(uint8_t *p, uint32_t stream, uint16_t seq)
{
	unsigned int i;

	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	dp_srtp_put_be32(p + 4, (uint32_t)seq * 160);
	dp_srtp_put_be32(p + 8, stream + 1);
	for (i = 12; i < B_LEN; i++)
		p[i] = (uint8_t)(seq + i);
}

static int
b_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct b_streams {
	uint32_t n;
	uint16_t *seq;
	int32_t *pctx, *uctx;		/* module contexts */
	srtp_t *ps, *us;		/* libsrtp2 direct */
};

static void
b_streams_create(struct b_streams *s, enum b_path path, uint8_t suite, uint32_t n)
{
	struct dp_srtp_ctx_params pp = { .dir = DP_SRTP_DIR_PROTECT,
		.flags = DP_SRTP_F_SSRC_ANY | DP_SRTP_F_NO_RTCP };
	struct dp_srtp_ctx_params up = pp;
	struct dp_srtp_worker *w = path == B_LIB_BACKEND ? b_lib : b_cdev;
	struct dp_srtp_key k;
	srtp_policy_t pol;
	uint8_t mk[30];
	uint32_t i;

	up.dir = DP_SRTP_DIR_UNPROTECT;
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->seq = calloc(n, sizeof(*s->seq));
	s->pctx = calloc(n, sizeof(*s->pctx));
	s->uctx = calloc(n, sizeof(*s->uctx));
	s->ps = calloc(n, sizeof(*s->ps));
	s->us = calloc(n, sizeof(*s->us));
	if (!s->seq || !s->pctx || !s->uctx || !s->ps || !s->us)
		b_fail("stream arrays");
	for (i = 0; i < n; i++) {
		s->seq[i] = (uint16_t)(65000 + i);
		if (path != B_LIB_DIRECT) {
			b_key(&k, suite, i);
			s->pctx[i] = dp_srtp_ctx_create(w, &pp, &k);
			b_key(&k, suite, i);
			s->uctx[i] = dp_srtp_ctx_create(w, &up, &k);
			if (s->pctx[i] < 0 || s->uctx[i] < 0)
				b_fail("context create");
			continue;
		}
		b_key(&k, suite, i);
		memset(&pol, 0, sizeof(pol));
		if (suite == DP_SRTP_AES_CM_128_HMAC_SHA1_80)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		else if (suite == DP_SRTP_AES_CM_128_HMAC_SHA1_32)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		pol.rtcp = pol.rtp;
		memcpy(mk, k.master_key, 16);
		memcpy(mk + 16, k.master_salt, 14);
		pol.key = mk;
		pol.window_size = 128;
		pol.ssrc.type = ssrc_any_outbound;
		if (srtp_create(&s->ps[i], &pol) != srtp_err_status_ok)
			b_fail("srtp_create");
		pol.ssrc.type = ssrc_any_inbound;
		if (srtp_create(&s->us[i], &pol) != srtp_err_status_ok)
			b_fail("srtp_create");
	}
}

static void
b_streams_destroy(struct b_streams *s, enum b_path path)
{
	struct dp_srtp_worker *w = path == B_LIB_BACKEND ? b_lib : b_cdev;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		if (path == B_LIB_DIRECT) {
			(void)srtp_dealloc(s->ps[i]);
			(void)srtp_dealloc(s->us[i]);
		} else {
			dp_srtp_ctx_destroy(w, (uint32_t)s->pctx[i]);
			dp_srtp_ctx_destroy(w, (uint32_t)s->uctx[i]);
		}
	}
	free(s->seq);
	free(s->pctx);
	free(s->uctx);
	free(s->ps);
	free(s->us);
}

/* One timed run: returns ns per packet for protect and unprotect. */
static struct b_result
b_run(struct b_streams *s, enum b_path path, uint8_t suite, double seconds)
{
	struct dp_srtp_worker *w = path == B_LIB_BACKEND ? b_lib : b_cdev;
	uint16_t tag = dp_srtp_suite_rtp_tag(suite);
	struct rte_mbuf *m[B_BURST];
	struct dp_srtp_pkt pk[B_BURST];
	uint8_t plain[B_BURST][B_LEN];
	uint8_t buf[B_BURST][256] __rte_aligned(64);
	uint32_t stream[B_BURST];
	uint64_t hz = rte_get_tsc_hz(), end, t0, tp = 0, tu = 0, pkts = 0;
	struct b_result r;
	int len;
	unsigned int i;

	for (i = 0; i < B_BURST; i++) {
		m[i] = rte_pktmbuf_alloc(b_pool);
		if (m[i] == NULL)
			b_fail("mbuf");
	}
	end = rte_get_tsc_cycles() + (uint64_t)(seconds * (double)hz);
	while (rte_get_tsc_cycles() < end) {
		for (i = 0; i < B_BURST; i++) {
			stream[i] = b_rand(s->n);
			b_plain(plain[i], stream[i], s->seq[stream[i]]++);
			if (path == B_LIB_DIRECT) {
				memcpy(buf[i], plain[i], B_LEN);
				continue;
			}
			rte_pktmbuf_reset(m[i]);
			memcpy(rte_pktmbuf_append(m[i], B_LEN), plain[i], B_LEN);
			pk[i].m = m[i];
			pk[i].off = 0;
			pk[i].len = B_LEN;
			pk[i].ctx = (uint32_t)s->pctx[stream[i]];
			pk[i].op = DP_SRTP_OP_RTP;
		}
		if (path == B_LIB_DIRECT) {
			t0 = rte_rdtsc_precise();
			for (i = 0; i < B_BURST; i++) {
				len = B_LEN;
				if (srtp_protect(s->ps[stream[i]], buf[i], &len) != srtp_err_status_ok)
					b_fail("srtp_protect");
			}
			tp += rte_rdtsc_precise() - t0;
			t0 = rte_rdtsc_precise();
			for (i = 0; i < B_BURST; i++) {
				len = B_LEN + tag;
				if (srtp_unprotect(s->us[stream[i]], buf[i], &len) != srtp_err_status_ok)
					b_fail("srtp_unprotect");
			}
			tu += rte_rdtsc_precise() - t0;
			for (i = 0; i < B_BURST; i++)
				if (memcmp(buf[i], plain[i], B_LEN) != 0)
					b_fail("libsrtp round trip");
		} else {
			t0 = rte_rdtsc_precise();
			if (dp_srtp_burst_process(w, pk, B_BURST) != B_BURST)
				b_fail("protect verdicts");
			tp += rte_rdtsc_precise() - t0;
			for (i = 0; i < B_BURST; i++) {
				if (m[i]->data_len != B_LEN + tag)
					b_fail("protected length");
				pk[i].ctx = (uint32_t)s->uctx[stream[i]];
				pk[i].len = m[i]->data_len;
			}
			t0 = rte_rdtsc_precise();
			if (dp_srtp_burst_process(w, pk, B_BURST) != B_BURST)
				b_fail("unprotect verdicts");
			tu += rte_rdtsc_precise() - t0;
			for (i = 0; i < B_BURST; i++)
				if (m[i]->data_len != B_LEN ||
				    memcmp(rte_pktmbuf_mtod(m[i], uint8_t *), plain[i], B_LEN) != 0)
					b_fail("round trip");
		}
		pkts += B_BURST;
	}
	for (i = 0; i < B_BURST; i++)
		rte_pktmbuf_free(m[i]);
	r.prot_ns = (double)tp * 1e9 / (double)hz / (double)pkts;
	r.unprot_ns = (double)tu * 1e9 / (double)hz / (double)pkts;
	return r;
}

static struct b_result
b_measure(enum b_path path, uint8_t suite, uint32_t n, double seconds)
{
	double p[B_RUNS], u[B_RUNS];
	struct b_streams s;
	struct b_result r;
	unsigned int i;

	if (path == B_CDEV_SYNC || path == B_CDEV_SYNC_NOPF)
		(void)dp_srtp_worker_use_cpu_crypto(b_cdev, true);
	else if (path == B_CDEV_ENQ)
		(void)dp_srtp_worker_use_cpu_crypto(b_cdev, false);
	b_cdev->no_prefetch = path == B_CDEV_SYNC_NOPF;
	if ((path == B_LIB_BACKEND || path == B_LIB_DIRECT) && n > B_LIB_MAX_STREAMS)
		n = B_LIB_MAX_STREAMS;
	b_streams_create(&s, path, suite, n);
	(void)b_run(&s, path, suite, seconds / 4);	/* warm-up */
	for (i = 0; i < B_RUNS; i++) {
		r = b_run(&s, path, suite, seconds);
		p[i] = r.prot_ns;
		u[i] = r.unprot_ns;
	}
	b_streams_destroy(&s, path);
	qsort(p, B_RUNS, sizeof(p[0]), b_cmp_double);
	qsort(u, B_RUNS, sizeof(u[0]), b_cmp_double);
	r.prot_ns = p[B_RUNS / 2];
	r.unprot_ns = u[B_RUNS / 2];
	return r;
}

int
main(int argc, char **argv)
{
	char lcore[16];
	char *eal[] = {
		"bench_srtp", "-l", lcore, "--no-huge", "-m", "3072", "--no-pci",
		"--no-shconf", "--file-prefix", "dgsrtp-bench", "--log-level", "lib.*:error",
		NULL,
	};
	struct dp_srtp_conf conf = {
		.backend = DP_SRTP_BACKEND_CRYPTODEV,
		.nb_workers = 1,
		.replay_window = 128,
		.socket_id = SOCKET_ID_ANY,
	};
	uint32_t streams[4], nb_streams = 0, max_streams = 0, si;
	struct b_result res[B_PATH__COUNT];
	double seconds = argc > 2 ? atof(argv[2]) : 0.5;
	char list[64], *tok, *save = NULL;
	unsigned int su, pa;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(lcore, sizeof(lcore), "%s", argc > 1 ? argv[1] : "1");
	snprintf(list, sizeof(list), "%s", argc > 3 ? argv[3] : "1000,100000");
	for (tok = strtok_r(list, ",", &save); tok != NULL && nb_streams < 4;
	     tok = strtok_r(NULL, ",", &save)) {
		streams[nb_streams] = (uint32_t)strtoul(tok, NULL, 10);
		if (streams[nb_streams] > max_streams)
			max_streams = streams[nb_streams];
		nb_streams++;
	}
	if (nb_streams == 0 || max_streams == 0 || seconds <= 0) {
		fprintf(stderr, "usage: bench_srtp [lcore [seconds [streams,...]]]\n");
		return 2;
	}
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "bench_srtp: EAL init failed\n");
		return 1;
	}
	conf.nb_ctx = 2 * max_streams;
	conf.nb_sessions = 2 * max_streams + 64;
	b_pool = rte_pktmbuf_pool_create("b_mbuf", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			SOCKET_ID_ANY);
	if (b_pool == NULL || dp_srtp_init(&conf) < 0 ||
	    dp_srtp_worker_create(&b_cdev, 0) < 0 ||
	    dp_srtp_worker_create_as(&b_lib, 0, DP_SRTP_BACKEND_LIBSRTP) < 0) {
		fprintf(stderr, "bench_srtp: set-up failed\n");
		return 1;
	}
	printf("| suite | streams | path | protect Mpps | ns/pkt | unprotect Mpps | ns/pkt | "
		"protect x libsrtp | unprotect x libsrtp |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	for (su = 0; su < DP_SRTP_SUITE__COUNT; su++) {
		for (si = 0; si < nb_streams; si++) {
			for (pa = 0; pa < B_PATH__COUNT; pa++)
				res[pa] = b_measure((enum b_path)pa, (uint8_t)su, streams[si], seconds);
			for (pa = 0; pa < B_PATH__COUNT; pa++)
				printf("| %s | %u | %s | %.2f | %.1f | %.2f | %.1f | %.2f | %.2f |\n",
					b_suite_names[su],
					pa >= B_LIB_BACKEND && streams[si] > B_LIB_MAX_STREAMS ?
					B_LIB_MAX_STREAMS : streams[si], b_path_names[pa],
					1e3 / res[pa].prot_ns, res[pa].prot_ns,
					1e3 / res[pa].unprot_ns, res[pa].unprot_ns,
					res[B_LIB_DIRECT].prot_ns / res[pa].prot_ns,
					res[B_LIB_DIRECT].unprot_ns / res[pa].unprot_ns);
			fflush(stdout);
		}
	}
	dp_srtp_worker_destroy(b_cdev);
	dp_srtp_worker_destroy(b_lib);
	dp_srtp_fini();
	rte_mempool_free(b_pool);
	(void)rte_eal_cleanup();
	return 0;
}
