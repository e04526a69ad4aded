/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading drongo-dp.yaml into struct dp_config with dg_conf's typed
 * getters, so that an unknown key or a bad value stops start-up with
 * "file:line: key: reason", and the command line before the EAL's "--".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_conf.h"
#include "dg_log.h"
#include "dp_config.h"

static const char *const dp_top_keys[] = {
	"instance", "log_level", "port", "addresses", "gateway4", "gateway6",
	"sessions_per_worker", "port_min", "port_max", "latch_window",
	"latch_quiet", "arp_refresh", "mbufs", "steering", "exception_tap",
	"srtp", "srtp_device", "srtp_contexts", NULL,
};

static const char *const dp_srtp_names[] = {
	"cryptodev", "libsrtp", "off", NULL,
};

static const char *const dp_steering_names[] = {
	"auto", "flow", "software", "dispatch", NULL,
};

int
dp_config_parse_addr(const char *s, struct dp_addr *out)
{
	char buf[64], *slash, *end;
	unsigned long prefix;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = 6;
	else
		return -EINVAL;
	prefix = out->family == 4 ? 32 : 128;
	if (slash != NULL) {
		errno = 0;
		prefix = strtoul(slash, &end, 10);
		if (errno != 0 || end == slash || *end != '\0' ||
		    prefix > (out->family == 4 ? 32u : 128u))
			return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	return 0;
}

static int
dp_config_gateway(const struct dg_conf_node *root, const char *key,
		int af, uint8_t *out, bool *has)
{
	const char *s;
	int err;

	s = NULL;
	err = dg_conf_get_string(root, key, &s);
	if (err < 0 || s == NULL)
		return err;
	if (inet_pton(af, s, out) != 1)
		return dg_conf_error(dg_conf_map_get(root, key),
				     "not an IPv%d address", af == AF_INET ? 4 : 6);
	*has = true;
	return 0;
}

static int
dp_config_walk(struct dp_config *c, const struct dg_conf_node *root)
{
	const struct dg_conf_node *n, *item;
	const char *s;
	uint64_t v;
	size_t i;
	int err;

	err = dg_conf_map_check_keys(root, dp_top_keys);
	if (err < 0)
		return err;
	v = c->instance;
	if ((err = dg_conf_get_u64(root, "instance", 0, 1000, &v)) < 0)
		return err;
	c->instance = (unsigned int)v;
	if ((err = dg_conf_get_enum(root, "log_level", dg_log_level_names,
				    &c->log_level)) < 0)
		return err;
	n = dg_conf_map_get(root, "port");
	if (n == NULL)
		return dg_conf_error(root, "port: missing (the DPDK device name)");
	if ((err = dg_conf_node_string(n, &s)) < 0)
		return err;
	if (strlen(s) >= sizeof(c->port))
		return dg_conf_error(n, "name too long");
	strcpy(c->port, s);
	n = dg_conf_map_get(root, "addresses");
	if (n == NULL)
		return dg_conf_error(root, "addresses: missing");
	if ((err = dg_conf_node_expect(n, DG_CONF_SEQ)) < 0)
		return err;
	if (dg_conf_node_count(n) == 0 || dg_conf_node_count(n) > DP_ADDR_MAX)
		return dg_conf_error(n, "between 1 and %u addresses",
				     DP_ADDR_MAX);
	for (i = 0; i < dg_conf_node_count(n); i++) {
		item = dg_conf_node_at(n, i);
		if ((err = dg_conf_node_string(item, &s)) < 0)
			return err;
		if (dp_config_parse_addr(s, &c->addrs[i]) < 0)
			return dg_conf_error(item, "'%s' is not ADDRESS/PREFIX",
					     s);
	}
	c->addr_count = (uint32_t)dg_conf_node_count(n);
	if ((err = dp_config_gateway(root, "gateway4", AF_INET, c->gw4,
				     &c->has_gw4)) < 0 ||
	    (err = dp_config_gateway(root, "gateway6", AF_INET6, c->gw6,
				     &c->has_gw6)) < 0)
		return err;
	v = c->sessions_per_worker;
	if ((err = dg_conf_get_u64(root, "sessions_per_worker", 1, 1u << 22,
				   &v)) < 0)
		return err;
	c->sessions_per_worker = (uint32_t)v;
	v = c->port_min;
	if ((err = dg_conf_get_u64(root, "port_min", 1024, 65534, &v)) < 0)
		return err;
	c->port_min = (uint16_t)v;
	v = c->port_max;
	if ((err = dg_conf_get_u64(root, "port_max", 1025, 65535, &v)) < 0)
		return err;
	c->port_max = (uint16_t)v;
	if (c->port_max <= c->port_min)
		return dg_conf_error(dg_conf_map_get(root, "port_max") != NULL ?
				     dg_conf_map_get(root, "port_max") : root,
				     "port_max must be above port_min");
	if ((err = dg_conf_get_ms(root, "latch_window", 0, 600000,
				  &c->latch_window_ms)) < 0 ||
	    (err = dg_conf_get_ms(root, "latch_quiet", 0, 60000,
				  &c->latch_quiet_ms)) < 0 ||
	    (err = dg_conf_get_ms(root, "arp_refresh", 1000, 3600000,
				  &c->arp_refresh_ms)) < 0)
		return err;
	v = c->mbufs;
	if ((err = dg_conf_get_u64(root, "mbufs", 1023, 1u << 24, &v)) < 0)
		return err;
	c->mbufs = (uint32_t)v;
	if ((err = dg_conf_get_enum(root, "steering", dp_steering_names,
				    &c->steering)) < 0)
		return err;
	s = NULL;
	if ((err = dg_conf_get_string(root, "exception_tap", &s)) < 0)
		return err;
	if (s != NULL) {
		if (strlen(s) >= sizeof(c->tap))
			return dg_conf_error(dg_conf_map_get(root,
					     "exception_tap"),
					     "interface name longer than 15");
		strcpy(c->tap, s);
	}
	if ((err = dg_conf_get_enum(root, "srtp", dp_srtp_names,
				    &c->srtp)) < 0)
		return err;
	s = NULL;
	if ((err = dg_conf_get_string(root, "srtp_device", &s)) < 0)
		return err;
	if (s != NULL) {
		if (strlen(s) >= sizeof(c->srtp_device))
			return dg_conf_error(dg_conf_map_get(root,
					     "srtp_device"), "name too long");
		strcpy(c->srtp_device, s);
	}
	v = c->srtp_contexts;
	/* Four contexts per re-keyed session: a million sessions per worker
	 * is the bound, memory (about 4 KB per context with cryptodev) the
	 * real limit. */
	if ((err = dg_conf_get_u64(root, "srtp_contexts", 4, 4000000, &v)) < 0)
		return err;
	c->srtp_contexts = (uint32_t)v;
	return 0;
}

int
dp_config_load(struct dp_config *c, const char *path, char *err,
		size_t errlen)
{
	struct dg_conf *conf;
	int rc;

	memset(c, 0, sizeof(*c));
	c->log_level = DG_LOG_INFO;
	c->sessions_per_worker = 16384;
	c->port_min = 30000;
	c->port_max = 39999;
	c->latch_window_ms = 3000;
	c->latch_quiet_ms = 500;
	c->arp_refresh_ms = 30000;
	c->mbufs = 16383;
	c->steering = DP_STEER_AUTO;
	c->srtp = DP_SRTP_MODE_CRYPTODEV;
	c->srtp_contexts = 8192;
	rc = dg_conf_load_file(&conf, path, err, errlen);
	if (rc < 0)
		return rc;
	rc = dp_config_walk(c, dg_conf_root(conf));
	if (rc < 0)
		snprintf(err, errlen, "%s", dg_conf_errmsg(conf));
	dg_conf_free(conf);
	return rc;
}

static void
dp_args_usage(FILE *f)
{
	fprintf(f,
		"usage: drongo-dp [-c FILE] [--check] -- EAL-ARGS\n"
		"  -c, --config FILE  configuration (default "
		"/etc/drongo/drongo-dp.yaml)\n"
		"      --check        load the configuration and exit\n"
		"  EAL-ARGS           passed to rte_eal_init unchanged\n");
}

int
dp_args_parse(struct dp_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int i, own = argc, o;

	memset(a, 0, sizeof(*a));
	a->config = "/etc/drongo/drongo-dp.yaml";
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			own = i;
			break;
		}
	/* The EAL sees argv[0] followed by what came after "--". */
	a->eal_argc = argc - own;
	a->eal_argv = argv + own;
	if (own < argc) {
		argv[own] = argv[0];
	} else {
		a->eal_argc = 1;
		a->eal_argv = argv;
	}
	optind = 1;
	while ((o = getopt_long(own, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			a->config = optarg;
			break;
		case 'C':
			a->check = true;
			break;
		case 'h':
			dp_args_usage(stdout);
			return 1;
		default:
			dp_args_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != own) {
		fprintf(stderr, "drongo-dp: unexpected argument '%s'\n",
			argv[optind]);
		dp_args_usage(stderr);
		return -EINVAL;
	}
	return 0;
}
