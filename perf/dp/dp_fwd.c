/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_fwd: the baseline the relay is measured against. It receives bursts
 * on port 0 and transmits them back out of the same port untouched: no
 * parsing, no lookup, no rewrite, so what the generator measures through
 * it is the cost of the link and the generator itself. Same burst size,
 * same single-queue loop shape as a drongo-dp worker.
 *
 *   dp_fwd EAL-ARGS -- [--seconds S]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define FWD_BURST 32u
#define FWD_RING 1024u
#define FWD_MBUFS 8191u

static volatile sig_atomic_t fwd_quit;

static void
fwd_on_signal(int sig)
{
	(void)sig;
	fwd_quit = 1;
}

static int
fwd_port_init(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int err;

	memset(&conf, 0, sizeof(conf));
	err = rte_eth_dev_configure(port, 1, 1, &conf);
	if (err == 0)
		err = rte_eth_rx_queue_setup(port, 0, FWD_RING,
					     rte_eth_dev_socket_id(port), NULL, mp);
	if (err == 0)
		err = rte_eth_tx_queue_setup(port, 0, FWD_RING,
					     rte_eth_dev_socket_id(port), NULL);
	if (err == 0)
		err = rte_eth_dev_start(port);
	return err;
}

int
main(int argc, char **argv)
{
	struct rte_mbuf *pkts[FWD_BURST];
	uint64_t rx = 0, tx = 0, dropped = 0, end_tsc = 0;
	struct rte_mempool *mp;
	unsigned long seconds = 0;
	uint16_t n, sent, i;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "dp_fwd: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
		seconds = strtoul(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: dp_fwd EAL-ARGS -- [--seconds S]\n");
		return 2;
	}
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "dp_fwd: no port (give a --vdev)\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("fwd_mbufs", FWD_MBUFS, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL || fwd_port_init(0, mp) != 0) {
		fprintf(stderr, "dp_fwd: port 0 setup failed\n");
		return 1;
	}
	signal(SIGINT, fwd_on_signal);
	signal(SIGTERM, fwd_on_signal);
	if (seconds != 0)
		end_tsc = rte_rdtsc() + seconds * rte_get_tsc_hz();
	printf("dp_fwd: ready\n");
	(void)fflush(stdout);
	while (!fwd_quit && (end_tsc == 0 || rte_rdtsc() < end_tsc)) {
		n = rte_eth_rx_burst(0, 0, pkts, FWD_BURST);
		if (n == 0)
			continue;
		rx += n;
		sent = rte_eth_tx_burst(0, 0, pkts, n);
		tx += sent;
		for (i = sent; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		dropped += n - sent;
	}
	printf("dp_fwd rx=%" PRIu64 " tx=%" PRIu64 " tx_dropped=%" PRIu64 "\n",
	       rx, tx, dropped);
	(void)rte_eth_dev_stop(0);
	(void)rte_eth_dev_close(0);
	(void)rte_eal_cleanup();
	return 0;
}
