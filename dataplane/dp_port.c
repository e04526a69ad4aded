/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slow path: the relay port and the exception TAP. The relay port gets one
 * TX queue per worker plus one for the main lcore, and either one RX queue
 * per worker plus queue 0 for the main lcore (flow steering: rte_flow
 * rules send worker w's port block to queue w + 1, the rest lands in
 * queue 0) or a single RX queue read by the main lcore (software
 * dispatch). The TAP is a
 * net_tap vdev created here, given the relay port's MAC so the kernel's
 * frames can go out of the relay port unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_flow.h>

#include "dg_log.h"
#include "dp_main.h"

#define DP_RX_DESC 1024u
#define DP_TX_DESC 1024u

static int
dp_port_start(uint16_t port, uint16_t nrx, uint16_t ntx,
		struct rte_mempool *pool, uint64_t tx_offloads)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txc;
	uint16_t q, nb_rx = DP_RX_DESC, nb_tx = DP_TX_DESC;
	int err;

	memset(&conf, 0, sizeof(conf));
	err = rte_eth_dev_info_get(port, &info);
	if (err < 0)
		return err;
	if (nrx > info.max_rx_queues || ntx > info.max_tx_queues) {
		DG_LOG(DG_LOG_ERROR, "dp.port",
		       "port=%u want_rx=%u want_tx=%u max_rx=%u max_tx=%u "
		       "msg=\"not enough queues (net_af_packet: qpairs=N)\"",
		       port, nrx, ntx, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	conf.txmode.offloads = tx_offloads & info.tx_offload_capa;
	err = rte_eth_dev_configure(port, nrx, ntx, &conf);
	if (err < 0)
		return err;
	err = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
	if (err < 0)
		return err;
	for (q = 0; q < nrx; q++) {
		err = rte_eth_rx_queue_setup(port, q, nb_rx,
				rte_eth_dev_socket_id(port), NULL, pool);
		if (err < 0)
			return err;
	}
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (q = 0; q < ntx; q++) {
		err = rte_eth_tx_queue_setup(port, q, nb_tx,
				rte_eth_dev_socket_id(port), &txc);
		if (err < 0)
			return err;
	}
	return rte_eth_dev_start(port);
}

static int
dp_tap_setup(struct dp_main *dm)
{
	char args[64];
	struct rte_ether_addr mac;
	uint16_t id;
	int err;

	snprintf(args, sizeof(args), "iface=%s", dm->conf->tap);
	err = rte_vdev_init("net_tap_dgdp", args);
	if (err < 0)
		return err;
	err = rte_eth_dev_get_port_by_name("net_tap_dgdp", &id);
	if (err < 0)
		return err;
	memcpy(mac.addr_bytes, dm->net.port_mac, 6);
	err = dp_port_start(id, 1, 1, dm->pool, 0);
	if (err < 0)
		return err;
	err = rte_eth_dev_default_mac_addr_set(id, &mac);
	if (err < 0)
		return err;
	dm->tap_id = id;
	return 0;
}

int
dp_port_setup(struct dp_main *dm)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint64_t offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint16_t nrx, w;
	int err;

	err = rte_eth_dev_get_port_by_name(dm->conf->port, &dm->port_id);
	if (err < 0) {
		DG_LOG(DG_LOG_ERROR, "dp.port", "port=%s msg=\"no such DPDK "
		       "device (give it to the EAL: --vdev or -a)\"",
		       dm->conf->port);
		return -ENODEV;
	}
	err = rte_eth_dev_info_get(dm->port_id, &info);
	if (err < 0)
		return err;
	dm->main_txq = (uint16_t)dm->nworkers;
	/* One RX queue per lcore when the port has them (flow steering
	 * needs them; software dispatch reads them all), else one. */
	nrx = (uint16_t)(dm->nworkers + 1);
	if (nrx > info.max_rx_queues) {
		if (dm->conf->steering == DP_STEER_FLOW) {
			DG_LOG(DG_LOG_ERROR, "dp.port", "port=%s max_rx=%u "
			       "msg=\"flow steering needs workers + 1 RX "
			       "queues\"", dm->conf->port, info.max_rx_queues);
			return -EINVAL;
		}
		nrx = 1;
		dm->software = true;
	}
	dm->nrxq = nrx;
	err = dp_port_start(dm->port_id, nrx, (uint16_t)(dm->nworkers + 1),
			    dm->pool, offloads);
	if (err < 0) {
		DG_LOG(DG_LOG_ERROR, "dp.port", "port=%s err=%d msg=\"%s\"",
		       dm->conf->port, err, rte_strerror(-err));
		return err;
	}
	(void)rte_eth_promiscuous_enable(dm->port_id);
	err = rte_eth_macaddr_get(dm->port_id, &mac);
	if (err < 0)
		return err;
	memcpy(dm->net.port_mac, mac.addr_bytes, 6);
	for (w = 0; w < dm->nworkers; w++) {
		dm->workers[w]->tx_ip_csum = (info.tx_offload_capa &
				RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
		dm->workers[w]->tx_udp_csum = (info.tx_offload_capa &
				RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	}
	dm->tap_id = UINT16_MAX;
	if (dm->conf->tap[0] != '\0') {
		err = dp_tap_setup(dm);
		if (err < 0) {
			DG_LOG(DG_LOG_ERROR, "dp.tap", "iface=%s err=%d",
			       dm->conf->tap, err);
			return err;
		}
	}
	return 0;
}

/* One rule: UDP to a port block of one worker, for one IP family. */
static int
dp_flow_rule(struct dp_main *dm, unsigned int w, bool v6, bool create)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_udp spec, mask;
	struct rte_flow_item pattern[4];
	struct rte_flow_action_queue queue = { .index = (uint16_t)(w + 1) };
	struct rte_flow_action actions[2];
	struct rte_flow_error error;
	uint16_t base;

	memset(pattern, 0, sizeof(pattern));
	memset(actions, 0, sizeof(actions));
	memset(&spec, 0, sizeof(spec));
	memset(&mask, 0, sizeof(mask));
	base = (uint16_t)(dm->port_base + (w << dm->port_shift));
	spec.hdr.dst_port = rte_cpu_to_be_16(base);
	mask.hdr.dst_port = rte_cpu_to_be_16(
		(uint16_t)~((1u << dm->port_shift) - 1));
	pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	pattern[1].type = v6 ? RTE_FLOW_ITEM_TYPE_IPV6 : RTE_FLOW_ITEM_TYPE_IPV4;
	pattern[2].type = RTE_FLOW_ITEM_TYPE_UDP;
	pattern[2].spec = &spec;
	pattern[2].mask = &mask;
	pattern[3].type = RTE_FLOW_ITEM_TYPE_END;
	actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	actions[0].conf = &queue;
	actions[1].type = RTE_FLOW_ACTION_TYPE_END;
	if (!create)
		return rte_flow_validate(dm->port_id, &attr, pattern, actions,
					 &error);
	return rte_flow_create(dm->port_id, &attr, pattern, actions,
			       &error) != NULL ? 0 : -ENOTSUP;
}

int
dp_port_flow_setup(struct dp_main *dm)
{
	struct rte_flow_error error;
	unsigned int w;
	int pass, fam;

	/* Validate every rule before creating any. */
	for (pass = 0; pass < 2; pass++)
		for (w = 0; w < dm->nworkers; w++)
			for (fam = 0; fam < 2; fam++)
				if (dp_flow_rule(dm, w, fam == 1,
						 pass == 1) != 0)
					goto refused;
	return 0;
refused:
	(void)rte_flow_flush(dm->port_id, &error);
	return -ENOTSUP;
}

void
dp_port_close(struct dp_main *dm)
{
	(void)rte_eth_dev_stop(dm->port_id);
	(void)rte_eth_dev_close(dm->port_id);
	if (dm->tap_id != UINT16_MAX) {
		(void)rte_eth_dev_stop(dm->tap_id);
		(void)rte_eth_dev_close(dm->tap_id);
	}
}
