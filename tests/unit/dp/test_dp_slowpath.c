/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's side: ARP replies and requests byte for byte, gateway
 * MAC learning, ICMP and ICMPv6 echo replies, IPv6 neighbour advertisements,
 * software dispatch to the owning worker's ring, the worker's TX flush on
 * a real ethdev (net_ring) with unsent packets freed and counted, and the
 * configuration file's values and errors.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp_main.h"
#include "dp_test_util.h"

static const uint8_t port_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t host_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };

static struct dp_net net;

static void
net_init(void)
{
	memset(&net, 0, sizeof(net));
	memcpy(net.port_mac, port_mac, 6);
	net.addr_count = 2;
	net.addrs[0].family = 4;
	net.addrs[0].prefix = 24;
	inet_pton(AF_INET, "10.0.0.1", net.addrs[0].addr);
	net.addrs[1].family = 6;
	net.addrs[1].prefix = 64;
	inet_pton(AF_INET6, "fd00::1", net.addrs[1].addr);
	inet_pton(AF_INET, "10.0.0.254", net.gw4);
	inet_pton(AF_INET6, "fd00::fe", net.gw6);
}

static uint32_t
arp_frame(uint8_t *f, uint16_t op, const uint8_t *sha, const char *spa,
		const uint8_t *tha, const char *tpa)
{
	uint8_t *a = f + 14;

	memset(f, 0xff, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(a, "\x00\x01\x08\x00\x06\x04", 6);
	a[6] = 0;
	a[7] = (uint8_t)op;
	memcpy(a + 8, sha, 6);
	inet_pton(AF_INET, spa, a + 14);
	memcpy(a + 18, tha, 6);
	inet_pton(AF_INET, tpa, a + 24);
	return 42;
}

/* An ARP request for a relay address becomes exactly the RFC 826 reply. */
static void
test_arp_reply_bytes(void **state)
{
	static const uint8_t zero[6];
	uint8_t f[64], want[64];

	(void)state;
	net_init();
	arp_frame(f, 1, host_mac, "10.0.0.77", zero, "10.0.0.1");
	assert_int_equal(dp_arp_input(&net, f, 42), 1);
	arp_frame(want, 2, port_mac, "10.0.0.1", host_mac, "10.0.0.77");
	memcpy(want, host_mac, 6);
	assert_memory_equal(f, want, 42);
	/* Not ours: left for the kernel, untouched. */
	arp_frame(f, 1, host_mac, "10.0.0.77", zero, "10.0.0.9");
	memcpy(want, f, 42);
	assert_int_equal(dp_arp_input(&net, f, 42), 0);
	assert_memory_equal(f, want, 42);
	assert_int_equal(dp_arp_input(&net, f, 20), -EBADMSG);
	assert_int_equal(net.gw_mac4, 0);
}

/* The gateway's MAC is learnt from its reply (and its requests); the
 * request the relay sends for it is a well-formed broadcast. */
static void
test_arp_gateway(void **state)
{
	uint8_t f[64], want[64];
	uint64_t mac = 0;
	int i;

	(void)state;
	net_init();
	assert_int_equal(dp_arp_request(&net, f), 42);
	arp_frame(want, 1, port_mac, "10.0.0.1", (const uint8_t[6]){ 0 },
		  "10.0.0.254");
	assert_memory_equal(f, want, 42);
	arp_frame(f, 2, gw_mac, "10.0.0.254", port_mac, "10.0.0.1");
	assert_int_equal(dp_arp_input(&net, f, 42), 0);
	for (i = 0; i < 6; i++)
		mac |= (uint64_t)gw_mac[i] << (8 * i);
	assert_int_equal(net.gw_mac4, mac);
	/* A stranger claiming nothing about the gateway changes nothing. */
	arp_frame(f, 2, host_mac, "10.0.0.77", port_mac, "10.0.0.1");
	assert_int_equal(dp_arp_input(&net, f, 42), 0);
	assert_int_equal(net.gw_mac4, mac);
}

static uint16_t
sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t
icmp_echo(uint8_t *f, const char *src, const char *dst, uint8_t type)
{
	uint8_t *ip = f + 14, *icmp = ip + 20;
	uint16_t ck;
	int i;

	memcpy(f, port_mac, 6);
	memcpy(f + 6, host_mac, 6);
	f[12] = 0x08;
	f[13] = 0;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 32;
	ip[8] = 64;
	ip[9] = 1;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	ck = (uint16_t)~sum16(ip, 20, 0);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[4] = 0x12;
	icmp[5] = 0x34;
	icmp[7] = 1;
	for (i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)i;
	ck = (uint16_t)~sum16(icmp, 40, 0);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	return 14 + 20 + 40;
}

/* An echo request to a relay address becomes the reply the host expects:
 * addresses and MACs swapped, type 0, same id/seq/data, valid sums. */
static void
test_icmp_echo_reply_bytes(void **state)
{
	uint8_t f[128], want[128];
	uint32_t len;

	(void)state;
	net_init();
	len = icmp_echo(f, "192.0.2.5", "10.0.0.1", 8);
	assert_int_equal(dp_icmp_input(&net, f, len), 1);
	icmp_echo(want, "10.0.0.1", "192.0.2.5", 0);
	memcpy(want, host_mac, 6);
	memcpy(want + 6, port_mac, 6);
	assert_memory_equal(f, want, len);
	/* Not to us, or not a request: the kernel's. */
	len = icmp_echo(f, "192.0.2.5", "10.0.0.2", 8);
	assert_int_equal(dp_icmp_input(&net, f, len), 0);
	len = icmp_echo(f, "192.0.2.5", "10.0.0.1", 3);
	assert_int_equal(dp_icmp_input(&net, f, len), 0);
	/* A bad ICMP checksum is not answered. */
	len = icmp_echo(f, "192.0.2.5", "10.0.0.1", 8);
	f[14 + 20 + 9] ^= 1;
	assert_int_equal(dp_icmp_input(&net, f, len), -EBADMSG);
}

static void
icmp6_csum(uint8_t *ip, uint32_t plen)
{
	uint8_t *icmp = ip + 40;
	uint32_t sum = 0;
	uint16_t ck;

	icmp[2] = 0;
	icmp[3] = 0;
	sum = sum16(ip + 8, 32, 0);
	sum = sum16(icmp, plen, sum + plen + 58);
	ck = (uint16_t)~sum;
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
}

static uint32_t
nd_frame(uint8_t *f, uint8_t type, const uint8_t *smac, const char *src,
		const char *dst, const char *target, uint8_t opt,
		const uint8_t *lla)
{
	uint8_t *ip = f + 14, *icmp = ip + 40;
	uint32_t plen = 24 + 8;

	memcpy(f, port_mac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40 + plen);
	ip[0] = 0x60;
	ip[5] = (uint8_t)plen;
	ip[6] = 58;
	ip[7] = 255;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	icmp[0] = type;
	if (type == 136)
		icmp[4] = 0x60;
	inet_pton(AF_INET6, target, icmp + 8);
	icmp[24] = opt;
	icmp[25] = 1;
	memcpy(icmp + 26, lla, 6);
	icmp6_csum(ip, plen);
	return 14 + 40 + plen;
}

/* A neighbour solicitation for a relay address is answered with the NA
 * RFC 4861 asks for (solicited, override, our MAC); the gateway's NA
 * teaches its MAC; an echo request gets its reply. */
static void
test_nd_and_echo6(void **state)
{
	uint8_t f[128], want[128];
	uint32_t len, out;
	uint64_t mac = 0;
	int i;

	(void)state;
	net_init();
	len = nd_frame(f, 135, host_mac, "fd00::77", "ff02::1:ff00:1",
		       "fd00::1", 1, host_mac);
	assert_int_equal(dp_nd_input(&net, f, len, sizeof(f), &out), 1);
	nd_frame(want, 136, port_mac, "fd00::1", "fd00::77", "fd00::1", 2,
		 port_mac);
	memcpy(want, host_mac, 6);
	assert_int_equal(out, len);
	assert_memory_equal(f, want, out);
	len = nd_frame(f, 136, gw_mac, "fd00::fe", "fd00::1", "fd00::fe", 2,
		       gw_mac);
	assert_int_equal(dp_nd_input(&net, f, len, sizeof(f), &out), 0);
	for (i = 0; i < 6; i++)
		mac |= (uint64_t)gw_mac[i] << (8 * i);
	assert_int_equal(net.gw_mac6, mac);
	/* Our own NS for the gateway passes our own checks. */
	len = dp_nd_solicit(&net, f);
	assert_int_equal(len, 86);
	assert_int_equal(f[0], 0x33);
	assert_int_equal(f[2], 0xff);
	assert_int_equal(f[5], 0xfe);
	assert_int_equal(dp_nd_input(&net, f, len, sizeof(f), &out), 0);
	/* Hop limit other than 255 is refused. */
	len = nd_frame(f, 135, host_mac, "fd00::77", "ff02::1:ff00:1",
		       "fd00::1", 1, host_mac);
	f[14 + 7] = 64;
	assert_int_equal(dp_nd_input(&net, f, len, sizeof(f), &out),
			 -EBADMSG);
	/* Echo. */
	len = nd_frame(f, 128, host_mac, "fd00::77", "fd00::1", "::", 0,
		       host_mac);
	assert_int_equal(dp_nd_input(&net, f, len, sizeof(f), &out), 1);
	assert_int_equal(f[14 + 40], 129);
	memcpy(want, f, out);
	icmp6_csum(want + 14, 32);
	assert_memory_equal(f, want, out);
	inet_pton(AF_INET6, "fd00::77", want);
	assert_memory_equal(f + 14 + 24, want, 16);
}

/* Software dispatch: a relay port goes to the ring of the worker whose
 * block holds it, anything else to the slow path, our own looped-back
 * frames nowhere. */
static void
test_dispatch(void **state)
{
	static struct dp_main dm;
	static struct dp_lcore w0, w1;
	static struct dp_config conf;
	struct rte_mbuf *m[4], *got;
	uint8_t f[256], pl[20] = { 0x80 };
	uint32_t len;

	(void)state;
	net_init();
	memset(&dm, 0, sizeof(dm));
	dm.conf = &conf;
	dm.net = net;
	dm.stats = &dm.local_stats;
	dm.tap_id = UINT16_MAX;
	dm.nworkers = 2;
	dm.port_min = 32768;
	dm.port_max = 40959;
	dm.port_base = 32768;
	dm.port_shift = 12;
	dm.workers[0] = &w0;
	dm.workers[1] = &w1;
	w0.rx_ring = rte_ring_create("dpt_w0", 16, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	w1.rx_ring = rte_ring_create("dpt_w1", 16, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(w0.rx_ring);
	assert_non_null(w1.rx_ring);
	len = dpt_udp4(f, host_mac, port_mac, "192.0.2.1", 4000, "10.0.0.1",
		       32768 + 4095, pl, sizeof(pl));
	m[0] = dpt_mbuf(f, len);
	len = dpt_udp4(f, host_mac, port_mac, "192.0.2.1", 4000, "10.0.0.1",
		       32768 + 4096, pl, sizeof(pl));
	m[1] = dpt_mbuf(f, len);
	len = dpt_udp4(f, host_mac, port_mac, "192.0.2.1", 5060, "10.0.0.1",
		       5060, pl, sizeof(pl));
	m[2] = dpt_mbuf(f, len);
	len = dpt_udp4(f, port_mac, gw_mac, "10.0.0.1", 32768, "192.0.2.1",
		       32768, pl, sizeof(pl));
	m[3] = dpt_mbuf(f, len);
	dp_dispatch_burst(&dm, m, 4);
	assert_int_equal(rte_ring_count(w0.rx_ring), 1);
	assert_int_equal(rte_ring_count(w1.rx_ring), 1);
	assert_int_equal(rte_ring_dequeue(w0.rx_ring, (void **)&got), 0);
	assert_ptr_equal(got, m[0]);
	rte_pktmbuf_free(got);
	assert_int_equal(rte_ring_dequeue(w1.rx_ring, (void **)&got), 0);
	assert_ptr_equal(got, m[1]);
	rte_pktmbuf_free(got);
	/* SIP without a TAP: dropped and counted as exception_full. */
	assert_int_equal(dm.local_stats.drops[DG_DROP_EXCEPTION_FULL], 1);
	rte_ring_free(w0.rx_ring);
	rte_ring_free(w1.rx_ring);
}

/* The worker's TX flush on a real ethdev: what the queue takes is counted
 * sent, the rest is freed and counted per worker and per session leg; the
 * same port refuses flow steering rules. */
static void
test_tx_flush_counts(void **state)
{
	struct rte_ring *txr, *rxr;
	struct rte_eth_conf ec;
	struct dp_session_conf sc;
	struct dp_lcore *lc;
	struct rte_mbuf *m;
	uint8_t f[128], pl[20] = { 0x80 };
	uint32_t len, i;
	int port;

	(void)state;
	net_init();
	rxr = rte_ring_create("dpt_ethrx", 16, SOCKET_ID_ANY,
			      RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("dpt_ethtx", 4, SOCKET_ID_ANY,
			      RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rxr);
	assert_non_null(txr);
	port = rte_eth_from_rings("dpt_eth", &rxr, 1, &txr, 1, SOCKET_ID_ANY);
	assert_true(port >= 0);
	memset(&ec, 0, sizeof(ec));
	assert_int_equal(rte_eth_dev_configure((uint16_t)port, 1, 1, &ec), 0);
	assert_int_equal(rte_eth_rx_queue_setup((uint16_t)port, 0, 16,
			 SOCKET_ID_ANY, NULL, dpt_pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup((uint16_t)port, 0, 16,
			 SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start((uint16_t)port), 0);
	lc = calloc(1, sizeof(*lc));
	assert_non_null(lc);
	memset(&sc, 0, sizeof(sc));
	sc.capacity = 4;
	sc.port_first = 20000;
	sc.port_last = 20099;
	sc.addr_count = 1;
	sc.addrs[0] = net.addrs[0];
	sc.socket_id = SOCKET_ID_ANY;
	assert_int_equal(dp_session_table_create(&lc->sessions, &sc), 0);
	lc->net = &net;
	lc->port_id = (uint16_t)port;
	len = dpt_udp4(f, host_mac, port_mac, "10.0.0.1", 20000, "192.0.2.1",
		       4000, pl, sizeof(pl));
	/* The ring holds 3 (capacity 4 - 1): 5 buffered, 3 sent. */
	for (i = 0; i < 5; i++) {
		lc->tx[i] = dpt_mbuf(f, len);
		lc->tx_leg[i] = 0 << 1 | 1;
		lc->sessions->rec[0].leg[1].tx_pkts++;
	}
	lc->tx_n = 5;
	dp_worker_tx_flush(lc);
	assert_int_equal(lc->tx_n, 0);
	assert_int_equal(lc->st.tx_pkts, 3);
	assert_int_equal(lc->st.tx_bytes, 3 * len);
	assert_int_equal(lc->st.drops[DP_DROP_TX_FULL], 2);
	assert_int_equal(lc->sessions->rec[0].leg[1].tx_pkts, 3);
	assert_int_equal(lc->sessions->drops[0].leg[0][DG_LEG_DROP_TX], 2);
	while (rte_ring_dequeue(txr, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	/* A port without rte_flow refuses the steering rules cleanly, which
	 * is what makes steering: auto fall back to software dispatch. */
	{
		static struct dp_main dm;

		memset(&dm, 0, sizeof(dm));
		dm.port_id = (uint16_t)port;
		dm.nworkers = 2;
		dm.port_base = 32768;
		dm.port_shift = 12;
		assert_int_equal(dp_port_flow_setup(&dm), -ENOTSUP);
	}
	dp_session_table_free(lc->sessions);
	free(lc);
	(void)rte_eth_dev_stop((uint16_t)port);
	(void)rte_eth_dev_close((uint16_t)port);
	rte_ring_free(rxr);
	rte_ring_free(txr);
}

static int
write_conf(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/dgdp-conf-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The configuration: values land where they belong; a bad value names
 * its file, line and key. */
static void
test_config(void **state)
{
	struct dp_config c;
	char path[64], err[512];

	(void)state;
	assert_int_equal(write_conf(path,
		"port: net_tap0\n"
		"addresses:\n"
		"  - 10.0.0.1/24\n"
		"  - fd00::1/64\n"
		"gateway4: 10.0.0.254\n"
		"port_min: 32768\n"
		"port_max: 40959\n"
		"latch_window: 2s\n"
		"steering: software\n"
		"exception_tap: dgdp-x\n"), 0);
	assert_int_equal(dp_config_load(&c, path, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(c.port, "net_tap0");
	assert_int_equal(c.addr_count, 2);
	assert_int_equal(c.addrs[1].family, 6);
	assert_int_equal(c.addrs[1].prefix, 64);
	assert_true(c.has_gw4);
	assert_false(c.has_gw6);
	assert_int_equal(c.port_min, 32768);
	assert_int_equal(c.latch_window_ms, 2000);
	assert_int_equal(c.latch_quiet_ms, 500);
	assert_int_equal(c.steering, DP_STEER_SOFTWARE);
	assert_string_equal(c.tap, "dgdp-x");

	assert_int_equal(write_conf(path,
		"port: p\n"
		"addresses: [10.0.0.1/24]\n"
		"port_min: 40000\n"
		"port_max: 30000\n"), 0);
	assert_int_equal(dp_config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":4: port_max: "));
	unlink(path);
	assert_int_equal(write_conf(path,
		"port: p\n"
		"addresses: [10.0.0.1/24]\n"
		"gateway4: fd00::1\n"), 0);
	assert_int_equal(dp_config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: gateway4: not an IPv4 address"));
	unlink(path);
	assert_int_equal(write_conf(path,
		"port: p\n"
		"adresses: [10.0.0.1/24]\n"), 0);
	assert_int_equal(dp_config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: adresses: unknown key"));
	unlink(path);
	assert_int_equal(write_conf(path,
		"port: p\n"
		"addresses: [10.0.0.1/24]\n"
		"steering: dispatch\n"), 0);
	assert_int_equal(dp_config_load(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.steering, DP_STEER_DISPATCH);
	unlink(path);
}

/* The command line: drongo-dp's options before "--", the EAL's after. */
static void
test_args(void **state)
{
	char a0[] = "drongo-dp", a1[] = "-c", a2[] = "x.yaml", a3[] = "--",
	     a4[] = "-l", a5[] = "0-1";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	char b0[] = "drongo-dp", b1[] = "--check", b2[] = "stray";
	char *argv2[] = { b0, b1, b2, NULL };
	struct dp_args a;

	(void)state;
	assert_int_equal(dp_args_parse(&a, 6, argv), 0);
	assert_string_equal(a.config, "x.yaml");
	assert_false(a.check);
	assert_int_equal(a.eal_argc, 3);
	assert_string_equal(a.eal_argv[0], "drongo-dp");
	assert_string_equal(a.eal_argv[1], "-l");
	assert_int_equal(dp_args_parse(&a, 3, argv2), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_reply_bytes),
		cmocka_unit_test(test_arp_gateway),
		cmocka_unit_test(test_icmp_echo_reply_bytes),
		cmocka_unit_test(test_nd_and_echo6),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_tx_flush_counts),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_args),
	};

	if (dpt_eal_init("dgdp-unit-slow") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
