/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-dp: start-up and shutdown. Reads the configuration (before the
 * EAL, so a bad file fails fast with file:line), starts the EAL with the
 * arguments after "--", creates the shm region (new generation), gives
 * every worker lcore its session table, port block, rings and queues,
 * starts the port (flow steering when the port takes the rules, software
 * dispatch otherwise), publishes the region, launches the workers and runs
 * the main lcore's loop until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dg_conf.h"
#include "dg_log.h"
#include "dg_shm.h"
#include "dp_main.h"
#include "dp_srtp.h"

static volatile bool dp_quit;

static void
dp_on_signal(int sig)
{
	(void)sig;
	dp_quit = true;
}

static int
dp_shm_setup(struct dg_shm_region *reg, const struct dp_config *c,
		unsigned int nworkers)
{
	struct dg_shm_params p;
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.instance = c->instance;
	p.worker_count = nworkers;
	p.port_min = c->port_min;
	p.port_max = c->port_max;
	p.sessions_per_worker = c->sessions_per_worker;
	p.addr_count = c->addr_count;
	for (i = 0; i < c->addr_count; i++) {
		p.addrs[i].family = c->addrs[i].family;
		memcpy(p.addrs[i].addr, c->addrs[i].addr, 16);
	}
	return dg_shm_create(reg, &p);
}

static int
dp_worker_setup(struct dp_main *dm, struct dg_shm_region *reg,
		unsigned int w, unsigned int lcore)
{
	const struct dp_config *c = dm->conf;
	struct dg_shm_worker_desc *d = &reg->hdr->workers[w];
	struct dp_session_conf sc;
	struct dp_lcore *lc;
	char name[32];
	int socket = (int)rte_lcore_to_socket_id(lcore), err;

	lc = rte_zmalloc_socket("dp_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				socket);
	if (lc == NULL)
		return -ENOMEM;
	dm->workers[w] = lc;
	memset(&sc, 0, sizeof(sc));
	sc.capacity = c->sessions_per_worker;
	sc.port_first = d->port_first;
	sc.port_last = d->port_last;
	sc.addr_count = c->addr_count;
	memcpy(sc.addrs, c->addrs, sizeof(sc.addrs));
	sc.latch_window_s = (uint32_t)((c->latch_window_ms + 999) / 1000);
	sc.socket_id = socket;
	if (d->port_first > d->port_last)
		return -EINVAL;
	err = dp_session_table_create(&lc->sessions, &sc);
	if (err < 0)
		return err;
	snprintf(name, sizeof(name), "dp_exc_%u", w);
	dm->exc_rings[w] = rte_ring_create(name, DP_HANDOFF_RING, socket,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "dp_rx_%u", w);
	lc->rx_ring = rte_ring_create(name, DP_HANDOFF_RING, socket,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dm->exc_rings[w] == NULL || lc->rx_ring == NULL)
		return -ENOMEM;
	lc->exc_ring = dm->exc_rings[w];
	if (c->srtp != DP_SRTP_MODE_OFF) {
		err = dp_srtp_worker_create(&lc->sessions->srtp, (uint16_t)w);
		if (err < 0)
			return err;
	}
	lc->net = &dm->net;
	lc->worker = (uint16_t)w;
	lc->rx_queue = (uint16_t)(w + 1);
	lc->rx_nb = 1;
	lc->tx_queue = (uint16_t)w;
	lc->clock = dp_clock_monotonic;
	lc->latch_quiet_ns = c->latch_quiet_ms * 1000000ull;
	lc->tx_drain_cycles = (rte_get_tsc_hz() + 9999) / 10000;	/* 100 us */
	lc->ctrl_budget_cycles = (rte_get_tsc_hz() + 4999) / 5000;	/* 200 us */
	lc->quit = &dp_quit;
	err = dg_ring_attach(&lc->cmd, reg->hdr, reg->len, d->cmd_ring_off,
			     DG_MSG_SIZE);
	if (err == 0)
		err = dg_ring_attach(&lc->evt, reg->hdr, reg->len,
				     d->evt_ring_off, DG_MSG_SIZE);
	if (err < 0)
		return err;
	lc->ctrl_on = true;
	lc->shm_stats = (struct dg_shm_worker_stats *)
		((uint8_t *)reg->hdr + d->stats_off);
	d->lcore_id = lcore;
	return 0;
}

/* The detailed drop reasons (the shm region holds them folded into the
 * ABI's coarser ones), one line per worker at exit. */
static void
dp_workers_log(const struct dp_main *dm)
{
	char line[1024];
	unsigned int w, r;
	size_t off;

	for (w = 0; w < dm->nworkers; w++) {
		const struct dp_worker_stats *st = &dm->workers[w]->st;

		off = 0;
		line[0] = '\0';
		for (r = 1; r < DP_DROP__COUNT && off < sizeof(line); r++)
			if (st->drops[r] != 0)
				off += (size_t)snprintf(line + off,
						sizeof(line) - off,
						" drop_%s=%llu", dp_drop_name(r),
						(unsigned long long)st->drops[r]);
		DG_LOG(DG_LOG_INFO, "dp.worker.stop",
		       "worker=%u rx=%llu tx=%llu exceptions=%llu "
		       "srtp_unprotected=%llu srtp_protected=%llu%s", w,
		       (unsigned long long)st->rx_pkts,
		       (unsigned long long)st->tx_pkts,
		       (unsigned long long)st->exceptions,
		       (unsigned long long)st->srtp_unprotected,
		       (unsigned long long)st->srtp_protected, line);
	}
}

static void
dp_workers_free(struct dp_main *dm)
{
	unsigned int w;

	for (w = 0; w < dm->nworkers; w++) {
		if (dm->workers[w] == NULL)
			continue;
		rte_ring_free(dm->workers[w]->rx_ring);
		rte_ring_free(dm->exc_rings[w]);
		if (dm->workers[w]->sessions != NULL) {
			/* Live sessions give back their SRTP contexts (keys
			 * wiped) before the engine goes. */
			(void)dp_session_flush(dm->workers[w]->sessions);
			if (dm->workers[w]->sessions->srtp != NULL)
				dp_srtp_worker_destroy(
					dm->workers[w]->sessions->srtp);
			dm->workers[w]->sessions->srtp = NULL;
		}
		dp_session_table_free(dm->workers[w]->sessions);
		rte_free(dm->workers[w]);
	}
}

/*
 * A dispatching main lcore busy-polls the port; on a CPU it shares with a
 * worker, each waits for the other's time slice (milliseconds) and the
 * relay runs at a small fraction of its rate (measured: perf/README.md).
 */
static void
dp_dispatch_cpu_check(void)
{
	unsigned int main_lcore = rte_get_main_lcore(), lcore;
	rte_cpuset_t main_set = rte_lcore_cpuset(main_lcore), both;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		rte_cpuset_t set = rte_lcore_cpuset(lcore);

		CPU_AND(&both, &main_set, &set);
		if (CPU_COUNT(&both) != 0)
			DG_LOG(DG_LOG_WARN, "dp.start", "lcore=%u main_lcore=%u "
			       "msg=\"the dispatching main lcore shares a CPU "
			       "with a worker: give it a CPU of its own\"",
			       lcore, main_lcore);
	}
}

int
main(int argc, char **argv)
{
	static struct dp_main dm;
	struct dg_shm_region reg;
	struct dp_config conf;
	struct dp_args args;
	char err_text[DG_CONF_ERR_MAX];
	unsigned int lcore, w;
	int err;

	dg_log_init("drongo-dp");
	err = dp_args_parse(&args, argc, argv);
	if (err != 0)
		return err > 0 ? 0 : 2;
	err = dp_config_load(&conf, args.config, err_text, sizeof(err_text));
	if (err < 0) {
		fprintf(stderr, "drongo-dp: %s\n", err_text);
		return 1;
	}
	dg_log_set_level(conf.log_level);
	if (args.check)
		return 0;
	if (rte_eal_init(args.eal_argc, args.eal_argv) < 0) {
		fprintf(stderr, "drongo-dp: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	dm.conf = &conf;
	dm.quit = &dp_quit;
	dm.nworkers = rte_lcore_count() - 1;
	if (dm.nworkers == 0 || dm.nworkers > DP_MAX_WORKERS) {
		fprintf(stderr, "drongo-dp: need 1..%u worker lcores besides "
			"the main one (EAL -l)\n", DP_MAX_WORKERS);
		goto out_eal;
	}
	dp_clock_init();
	signal(SIGINT, dp_on_signal);
	signal(SIGTERM, dp_on_signal);
	memcpy(dm.net.addrs, conf.addrs, sizeof(dm.net.addrs));
	dm.net.addr_count = conf.addr_count;
	memcpy(dm.net.gw4, conf.gw4, 4);
	memcpy(dm.net.gw6, conf.gw6, 16);
	err = dp_shm_setup(&reg, &conf, dm.nworkers);
	if (err < 0) {
		fprintf(stderr, "drongo-dp: shm region: %s\n", strerror(-err));
		goto out_eal;
	}
	dm.shm = reg.hdr;
	dm.stats = (struct dg_shm_main_stats *)
		((uint8_t *)reg.hdr + reg.hdr->main_stats_off);
	dm.port_base = reg.hdr->port_base;
	dm.port_shift = reg.hdr->port_shift;
	dm.port_min = reg.hdr->port_min;
	dm.port_max = reg.hdr->port_max;
	dm.pool = rte_pktmbuf_pool_create("dp_mbufs", conf.mbufs, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dm.pool == NULL) {
		fprintf(stderr, "drongo-dp: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		goto out_shm;
	}
	if (conf.srtp != DP_SRTP_MODE_OFF) {
		struct dp_srtp_conf sc = {
			.backend = conf.srtp == DP_SRTP_MODE_LIBSRTP ?
				DP_SRTP_BACKEND_LIBSRTP :
				DP_SRTP_BACKEND_CRYPTODEV,
			.cryptodev = conf.srtp_device[0] ? conf.srtp_device :
				NULL,
			.nb_workers = (uint16_t)dm.nworkers,
			.nb_sessions = 2 * conf.srtp_contexts * dm.nworkers,
			.nb_ctx = conf.srtp_contexts,
			.socket_id = (int)rte_socket_id(),
		};

		err = dp_srtp_init(&sc);
		if (err < 0) {
			fprintf(stderr, "drongo-dp: SRTP engine: %s (srtp: "
				"libsrtp or off in the configuration avoid "
				"the cryptodev)\n", strerror(-err));
			goto out_pool;
		}
		DG_LOG(DG_LOG_INFO, "dp.srtp", "backend=%s contexts_per_worker=%u "
		       "bytes_per_context=%zu", conf.srtp == DP_SRTP_MODE_LIBSRTP ?
		       "libsrtp" : "cryptodev", conf.srtp_contexts,
		       dp_srtp_ctx_bytes());
	}
	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		err = dp_worker_setup(&dm, &reg, w, lcore);
		if (err < 0) {
			fprintf(stderr, "drongo-dp: worker %u: %s\n", w,
				strerror(-err));
			goto out_workers;
		}
		w++;
	}
	dm.software = conf.steering == DP_STEER_SOFTWARE ||
		conf.steering == DP_STEER_DISPATCH;
	err = dp_port_setup(&dm);
	if (err < 0)
		goto out_workers;
	if (!dm.software && dp_port_flow_setup(&dm) < 0) {
		if (conf.steering == DP_STEER_FLOW) {
			fprintf(stderr, "drongo-dp: port %s refuses the flow "
				"rules (steering: flow)\n", conf.port);
			goto out_port;
		}
		dm.software = true;
	}
	/* With one worker and no flow rules nothing needs dispatching: the
	 * worker reads every RX queue itself and hands the rest to the main
	 * lcore, which then only serves the slow path ('dispatch' keeps the
	 * hop: the main lcore on a core of its own takes RX off the worker). */
	dm.direct = dm.software && dm.nworkers == 1 &&
		conf.steering != DP_STEER_DISPATCH;
	for (w = 0; w < dm.nworkers; w++) {
		dm.workers[w]->port_id = dm.port_id;
		if (!dm.software || dm.direct)
			dm.workers[w]->rx_ring = NULL;
		if (dm.direct) {
			dm.workers[w]->rx_queue = 0;
			dm.workers[w]->rx_nb = dm.nrxq;
		}
	}
	dg_shm_publish(reg.hdr);
	DG_LOG(DG_LOG_INFO, "dp.start",
	       "port=%s workers=%u steering=%s generation=%llu tap=%s "
	       "ports=%u-%u", conf.port, dm.nworkers,
	       dm.direct ? "direct" : dm.software ? "software" : "flow",
	       (unsigned long long)reg.hdr->generation,
	       conf.tap[0] ? conf.tap : "none", conf.port_min, conf.port_max);
	if (dm.software && !dm.direct)
		dp_dispatch_cpu_check();
	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(dp_worker_main, dm.workers[w++], lcore);
	dp_main_loop(&dm);
	rte_eal_mp_wait_lcore();
	dp_workers_log(&dm);
	DG_LOG(DG_LOG_INFO, "dp.stop", "arp_replies=%llu icmp_replies=%llu "
	       "to_kernel=%llu from_kernel=%llu",
	       (unsigned long long)dm.stats->arp_replies,
	       (unsigned long long)dm.stats->icmp_echo_replies,
	       (unsigned long long)dm.stats->to_kernel,
	       (unsigned long long)dm.stats->from_kernel);
	dp_port_close(&dm);
	dp_workers_free(&dm);
	if (conf.srtp != DP_SRTP_MODE_OFF)
		dp_srtp_fini();
	dg_shm_destroy(&reg);
	rte_eal_cleanup();
	return 0;
out_port:
	dp_port_close(&dm);
out_workers:
	dp_workers_free(&dm);
	if (conf.srtp != DP_SRTP_MODE_OFF)
		dp_srtp_fini();
out_pool:
	rte_mempool_free(dm.pool);
out_shm:
	dg_shm_destroy(&reg);
out_eal:
	rte_eal_cleanup();
	return 1;
}
