/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-dp's configuration (config/drongo-dp.yaml, documented key by key
 * in config/README.md) and its command line: drongo-dp [-c FILE] [--check]
 * -- EAL arguments. Loading goes through dg_conf so that every bad value
 * reads "file:line: key: reason".
 */
#ifndef DRONGO_DATAPLANE_DP_CONFIG_H
#define DRONGO_DATAPLANE_DP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_session.h"

/** How packets reach the worker that owns their port. */
enum dp_steering {
	DP_STEER_AUTO,		/**< flow rules if the port validates them */
	DP_STEER_FLOW,		/**< flow rules or fail */
	DP_STEER_SOFTWARE,	/**< main lcore reads, hands to worker rings */
	DP_STEER_DISPATCH,	/**< software, even with one worker */
};

/** The SRTP engine. */
enum dp_srtp_mode {
	DP_SRTP_MODE_CRYPTODEV,	/**< DPDK cryptodev (crypto_aesni_mb default) */
	DP_SRTP_MODE_LIBSRTP,	/**< libsrtp2 */
	DP_SRTP_MODE_OFF,	/**< refuse sessions with keys */
};

struct dp_config {
	unsigned int instance;
	unsigned int log_level;			/**< enum dg_log_level */
	char port[64];				/**< DPDK device name */
	uint32_t addr_count;
	struct dp_addr addrs[DP_ADDR_MAX];
	bool has_gw4;
	bool has_gw6;
	uint8_t gw4[4];
	uint8_t gw6[16];
	uint32_t sessions_per_worker;
	uint16_t port_min;
	uint16_t port_max;
	uint64_t latch_window_ms;
	uint64_t latch_quiet_ms;
	uint64_t arp_refresh_ms;
	uint32_t mbufs;
	unsigned int steering;			/**< enum dp_steering */
	char tap[16];				/**< exception TAP; "" = none */
	unsigned int srtp;			/**< enum dp_srtp_mode */
	char srtp_device[64];			/**< cryptodev; "" = aesni_mb */
	uint32_t srtp_contexts;			/**< per worker */
};

/** Command line of drongo-dp before the EAL's "--". */
struct dp_args {
	const char *config;	/**< -c FILE (default /etc/drongo/drongo-dp.yaml) */
	bool check;		/**< --check: load the configuration and exit */
	int eal_argc;		/**< argv from "--" on, with argv[0] in front */
	char **eal_argv;
};

/**
 * Split argv at "--" and read drongo-dp's own options.
 *
 * @return 0, 1 after printing help (-h), -EINVAL with a message on stderr.
 */
int dp_args_parse(struct dp_args *a, int argc, char **argv);

/**
 * Load and check a configuration file.
 *
 * @param err receives "file:line: key: reason" on failure
 * @return 0, -EINVAL (bad value), or the errno of reading the file.
 */
int dp_config_load(struct dp_config *c, const char *path, char *err,
		size_t errlen);

/** Parse "10.0.0.1/24" or "fd00::1/64" (prefix optional: full length). */
int dp_config_parse_addr(const char *s, struct dp_addr *out);

#endif
