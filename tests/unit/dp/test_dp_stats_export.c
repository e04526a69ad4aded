/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP SSRC eviction counter from the worker's engine to the operator:
 * a real cryptodev context (crypto_aesni_mb) that takes a fifth SSRC evicts
 * one, the worker publishes its counters into a real shm region
 * (dg_shm_create), and both readers show it: the control plane's /metrics
 * (http_dp, read-only dg_client) and `drongo-dpctl stats` (the built
 * binary, given as the test's argument). A region of the older layout
 * (ABI 1.1) has no such counter, and neither reader shows one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "dg_shm.h"
#include "dp_srtp.h"
#include "dp_test_util.h"
#include "http_dp.h"

static const char *dpctl_path;
static unsigned int instance;
static struct dg_shm_region reg;
static struct dp_srtp_worker *engine;
static struct dp_lcore lc;

static int
setup(void **state)
{
	struct dp_srtp_conf conf = {
		.backend = DP_SRTP_BACKEND_CRYPTODEV,
		.nb_workers = 1,
		.nb_sessions = 16,
		.nb_ctx = 4,
		.socket_id = SOCKET_ID_ANY,
	};
	struct dg_shm_params sp;
	struct dp_session_conf sc;

	(void)state;
	if (dp_srtp_init(&conf) < 0 || dp_srtp_worker_create(&engine, 0) < 0)
		return -1;
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 4;
	sc.port_first = 20000;
	sc.port_last = 20099;
	sc.addr_count = 1;
	sc.addrs[0].family = 4;
	sc.addrs[0].prefix = 24;
	sc.addrs[0].addr[0] = 10;
	sc.addrs[0].addr[3] = 1;
	sc.socket_id = SOCKET_ID_ANY;
	if (dp_session_table_create(&lc.sessions, &sc) != 0)
		return -1;
	lc.sessions->srtp = engine;
	/* An instance no drongo-dp of the suites uses. */
	instance = 61000u + (unsigned int)getpid() % 4000u;
	memset(&sp, 0, sizeof(sp));
	sp.instance = instance;
	sp.worker_count = 1;
	sp.port_min = 20000;
	sp.port_max = 20099;
	sp.sessions_per_worker = 4;
	sp.addr_count = 1;
	sp.addrs[0].family = DG_AF_INET;
	if (dg_shm_create(&reg, &sp) != 0)
		return -1;
	lc.shm_stats = (struct dg_shm_worker_stats *)((uint8_t *)reg.hdr +
		reg.hdr->workers[0].stats_off);
	dg_shm_publish(reg.hdr);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (reg.hdr != NULL)
		dg_shm_destroy(&reg);
	if (engine != NULL)
		dp_srtp_worker_destroy(engine);
	dp_session_table_free(lc.sessions);
	dp_srtp_fini();
	return 0;
}

/* One RTP packet of ssrc protected by the peer, then unprotected by ctx. */
static uint8_t
unprotect_one(srtp_t peer, uint32_t ctx, uint32_t ssrc)
{
	struct dp_srtp_pkt pk;
	uint8_t rtp[256];
	int len;

	len = (int)dpt_rtp(rtp, 100, 160);
	rtp[8] = (uint8_t)(ssrc >> 24);
	rtp[9] = (uint8_t)(ssrc >> 16);
	rtp[10] = (uint8_t)(ssrc >> 8);
	rtp[11] = (uint8_t)ssrc;
	assert_int_equal(srtp_protect(peer, rtp, &len), srtp_err_status_ok);
	memset(&pk, 0, sizeof(pk));
	pk.m = dpt_mbuf(rtp, (uint32_t)len);
	assert_non_null(pk.m);
	pk.ctx = ctx;
	pk.len = (uint16_t)len;
	pk.op = DP_SRTP_OP_RTP;
	(void)dp_srtp_burst_process(engine, &pk, 1);
	rte_pktmbuf_free(pk.m);
	return pk.verdict;
}

/* The /metrics text of the region as the control plane serves it. */
static void
metrics_text(struct http_buf *b)
{
	struct http_dp dp;

	assert_int_equal(http_dp_init(&dp, instance, NULL), 0);
	http_buf_init(b, 1u << 20);
	assert_int_equal(dp.metrics.fn(dp.metrics.arg, b), 0);
	http_buf_add(b, "", 1);
	assert_int_equal(b->err, 0);
	http_dp_fini(&dp);
}

/* `drongo-dpctl stats` output of the region. */
static void
dpctl_text(char *out, size_t len)
{
	char cmd[512];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --instance %u stats", dpctl_path,
		 instance);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

/* A fifth SSRC under one SDES context evicts the least recently used one;
 * the count reaches /metrics and dpctl as it is, per worker. */
static void
test_ssrc_evicted_exported(void **state)
{
	struct dp_srtp_ctx_params cp = {
		.dir = DP_SRTP_DIR_UNPROTECT,
		.flags = DP_SRTP_F_SSRC_ANY,
	};
	struct dp_srtp_key k;
	srtp_policy_t pol;
	uint8_t master[30];
	struct http_buf b;
	char text[8192];
	srtp_t peer;
	uint32_t i;
	int ctx;

	(void)state;
	memset(master, 0x5a, sizeof(master));
	memset(&k, 0, sizeof(k));
	k.suite = DP_SRTP_AES_CM_128_HMAC_SHA1_80;
	memcpy(k.master_key, master, 16);
	memcpy(k.master_salt, master + 16, 14);
	ctx = dp_srtp_ctx_create(engine, &cp, &k);
	assert_true(ctx >= 0);
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_rtp_default(&pol.rtp);
	srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = master;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&peer, &pol), srtp_err_status_ok);
	for (i = 0; i < 4; i++)
		assert_int_equal(unprotect_one(peer, (uint32_t)ctx, 0x1000 + i),
				 DP_SRTP_OK);
	dp_stats_publish(&lc);
	metrics_text(&b);
	assert_non_null(strstr(b.p, "# TYPE drongo_dp_srtp_ssrc_evicted_total "
			       "counter\n"));
	assert_non_null(strstr(b.p,
		"\ndrongo_dp_srtp_ssrc_evicted_total{worker=\"0\"} 0\n"));
	http_buf_fini(&b);

	assert_int_equal(unprotect_one(peer, (uint32_t)ctx, 0x2000),
			 DP_SRTP_OK);
	assert_int_equal(unprotect_one(peer, (uint32_t)ctx, 0x2001),
			 DP_SRTP_OK);
	assert_int_equal(dp_srtp_worker_stats(engine)->ssrc_evicted, 2);
	dp_stats_publish(&lc);
	metrics_text(&b);
	assert_non_null(strstr(b.p,
		"\ndrongo_dp_srtp_ssrc_evicted_total{worker=\"0\"} 2\n"));
	http_buf_fini(&b);
	dpctl_text(text, sizeof(text));
	assert_non_null(strstr(text, "worker=0 "));
	assert_non_null(strstr(text, " srtp_ssrc_evicted=2"));
	srtp_dealloc(peer);
	dp_srtp_ctx_destroy(engine, (uint32_t)ctx);
}

/* A data plane of ABI 1.1 (no counter there) is read as before: neither
 * reader invents a zero for it. */
static void
test_old_layout_has_no_counter(void **state)
{
	struct http_buf b;
	char text[8192];

	(void)state;
	reg.hdr->abi_minor = 1;
	metrics_text(&b);
	assert_non_null(strstr(b.p, "drongo_dp_srtp_protected_total{"));
	assert_null(strstr(b.p, "ssrc_evicted"));
	http_buf_fini(&b);
	dpctl_text(text, sizeof(text));
	assert_non_null(strstr(text, " srtp_protected="));
	assert_null(strstr(text, "ssrc_evicted"));
	reg.hdr->abi_minor = DG_SHM_ABI_MINOR;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssrc_evicted_exported),
		cmocka_unit_test(test_old_layout_has_no_counter),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DRONGO_DPCTL\n", argv[0]);
		return 1;
	}
	dpctl_path = argv[1];
	if (dpt_eal_init("dgdp-unit-export") != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
