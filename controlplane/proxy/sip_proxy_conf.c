/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walks the `edge` section of drongo.yaml: edge.routes, edge.registrar,
 * edge.auth (users from a file or from Redis), edge.dialog,
 * edge.transactions and edge.location (in memory or in Redis).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip_proxy_conf.h"

void
sip_edge_conf_defaults(struct sip_edge_conf *ec)
{
	memset(ec, 0, sizeof(*ec));
	ec->proxy.routes.unknown_code = 404;
	ec->proxy.reg.min_expires = 60;
	ec->proxy.reg.max_expires = 3600;
	ec->proxy.reg.default_expires = 3600;
	ec->proxy.dialog_early_timeout_ms = 180000;
	ec->proxy.dialog_max_duration_ms = 14400000;
	ec->proxy.max_txns = 65536;
	ec->proxy.retry_after_s = 5;
	ec->proxy.timer_c_ms = 180000;
	ec->nonce_ttl_s = 300;
	ec->credentials_cache_ms = 30000;
}

static int
copy_str(const struct dg_conf_node *n, char *dst, size_t cap)
{
	const char *s;
	int err;

	err = dg_conf_node_string(n, &s);
	if (err < 0)
		return err;
	if (strlen(s) >= cap)
		return dg_conf_error(n, "longer than %zu characters", cap - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
conf_rule(const struct dg_conf_node *node, struct sip_route_rule *r)
{
	static const char *const keys[] = { "name", "prefix", "domain",
		"targets", "topology_hiding", NULL };
	const struct dg_conf_node *n, *ts;
	const char *why;
	unsigned int i;
	int err;

	err = dg_conf_map_check_keys(node, keys);
	if (err < 0)
		return err;
	memset(r, 0, sizeof(*r));
	if ((n = dg_conf_map_get(node, "name")) != NULL &&
			(err = copy_str(n, r->name, sizeof(r->name))) < 0)
		return err;
	if ((n = dg_conf_map_get(node, "prefix")) != NULL &&
			(err = copy_str(n, r->prefix, sizeof(r->prefix))) < 0)
		return err;
	if ((n = dg_conf_map_get(node, "domain")) != NULL &&
			(err = copy_str(n, r->domain, sizeof(r->domain))) < 0)
		return err;
	err = dg_conf_get_bool(node, "topology_hiding", &r->topology_hiding);
	if (err < 0)
		return err;
	ts = dg_conf_map_get(node, "targets");
	if (ts == NULL)
		return dg_conf_error(node, "missing targets");
	err = dg_conf_node_expect(ts, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(ts) == 0 ||
			dg_conf_node_count(ts) > SIP_ROUTE_MAX_TARGETS)
		return dg_conf_error(ts, "between 1 and %d targets",
			SIP_ROUTE_MAX_TARGETS);
	for (i = 0; i < dg_conf_node_count(ts); i++) {
		const struct dg_conf_node *t = dg_conf_node_at(ts, i);
		const char *s;

		err = dg_conf_node_string(t, &s);
		if (err < 0)
			return err;
		if (sip_route_target_parse(s, &r->targets[i], &why) < 0)
			return dg_conf_error(t, "'%s': %s", s, why);
	}
	r->n_targets = i;
	return 0;
}

static int
conf_routes(const struct dg_conf_node *seq, struct sip_edge_conf *ec)
{
	unsigned int i;
	int err;

	err = dg_conf_node_expect(seq, DG_CONF_SEQ);
	if (err < 0)
		return err;
	if (dg_conf_node_count(seq) > SIP_ROUTE_MAX_RULES)
		return dg_conf_error(seq, "more than %d routes",
			SIP_ROUTE_MAX_RULES);
	for (i = 0; i < dg_conf_node_count(seq); i++) {
		err = conf_rule(dg_conf_node_at(seq, i),
			&ec->proxy.routes.rules[i]);
		if (err < 0)
			return err;
	}
	ec->proxy.routes.n_rules = i;
	return 0;
}

static int
conf_registrar(const struct dg_conf_node *sec, struct sip_edge_conf *ec)
{
	static const char *const keys[] = { "min_expires", "max_expires",
		"default_expires", NULL };
	struct sip_reg_conf *r = &ec->proxy.reg;
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	v = r->min_expires;
	if ((err = dg_conf_get_u64(sec, "min_expires", 1, 86400, &v)) < 0)
		return err;
	r->min_expires = (uint32_t)v;
	v = r->max_expires;
	if ((err = dg_conf_get_u64(sec, "max_expires", 1, 604800, &v)) < 0)
		return err;
	r->max_expires = (uint32_t)v;
	v = r->default_expires;
	if ((err = dg_conf_get_u64(sec, "default_expires", 1, 604800, &v)) < 0)
		return err;
	r->default_expires = (uint32_t)v;
	if (r->max_expires < r->min_expires)
		return dg_conf_error(sec, "max_expires (%u) is below min_expires (%u)",
			r->max_expires, r->min_expires);
	if (r->default_expires < r->min_expires ||
			r->default_expires > r->max_expires)
		return dg_conf_error(sec,
			"default_expires (%u) is outside min_expires..max_expires",
			r->default_expires);
	return 0;
}

static int
conf_auth(const struct dg_conf_node *sec, struct sip_edge_conf *ec)
{
	static const char *const keys[] = { "realm", "users_file", "secret",
		"nonce_ttl", "methods", "trusted", "algorithms", "credentials",
		"credentials_cache", NULL };
	static const char *const creds[] = { "file", "redis", NULL };
	unsigned int cr = SIP_EDGE_CREDS_FILE;
	const struct dg_conf_node *n, *l;
	uint64_t ttl = (uint64_t)ec->nonce_ttl_s * 1000;
	unsigned int i;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	if ((n = dg_conf_map_get(sec, "realm")) == NULL)
		return dg_conf_error(sec, "missing realm");
	if ((err = copy_str(n, ec->realm, sizeof(ec->realm))) < 0)
		return err;
	if ((err = dg_conf_get_enum(sec, "credentials", creds, &cr)) < 0)
		return err;
	ec->credentials = (enum sip_edge_credentials)cr;
	n = dg_conf_map_get(sec, "users_file");
	if (n == NULL && ec->credentials == SIP_EDGE_CREDS_FILE)
		return dg_conf_error(sec, "missing users_file");
	if (n != NULL && ec->credentials == SIP_EDGE_CREDS_REDIS)
		return dg_conf_error(n, "not used with credentials: redis");
	if (n != NULL && (err = copy_str(n, ec->users_file,
			sizeof(ec->users_file))) < 0)
		return err;
	if ((err = dg_conf_get_ms(sec, "credentials_cache", 0, 3600000,
			&ec->credentials_cache_ms)) < 0)
		return err;
	if ((n = dg_conf_map_get(sec, "secret")) == NULL)
		return dg_conf_error(sec, "missing secret");
	if ((err = copy_str(n, ec->secret, sizeof(ec->secret))) < 0)
		return err;
	if (strlen(ec->secret) < 16)
		return dg_conf_error(n, "at least 16 characters");
	if ((err = dg_conf_get_ms(sec, "nonce_ttl", 1000, 86400000, &ttl)) < 0)
		return err;
	ec->nonce_ttl_s = (uint32_t)(ttl / 1000);
	if (sip_auth_policy_init(&ec->policy, ec->realm) < 0)
		return dg_conf_error(dg_conf_map_get(sec, "realm"),
			"longer than %d characters", SIP_AUTH_POLICY_REALM_MAX - 1);
	l = dg_conf_map_get(sec, "methods");
	if (l == NULL) {
		(void)sip_auth_policy_add_method(&ec->policy, "REGISTER");
		(void)sip_auth_policy_add_method(&ec->policy, "INVITE");
	} else {
		if ((err = dg_conf_node_expect(l, DG_CONF_SEQ)) < 0)
			return err;
		for (i = 0; i < dg_conf_node_count(l); i++) {
			const struct dg_conf_node *m = dg_conf_node_at(l, i);
			const char *s;

			if ((err = dg_conf_node_string(m, &s)) < 0)
				return err;
			if (sip_auth_policy_add_method(&ec->policy, s) < 0)
				return dg_conf_error(m,
					"'%s' cannot be challenged (unknown, ACK or CANCEL)",
					s);
		}
	}
	l = dg_conf_map_get(sec, "trusted");
	if (l != NULL) {
		if ((err = dg_conf_node_expect(l, DG_CONF_SEQ)) < 0)
			return err;
		for (i = 0; i < dg_conf_node_count(l); i++) {
			const struct dg_conf_node *m = dg_conf_node_at(l, i);
			const char *s;

			if ((err = dg_conf_node_string(m, &s)) < 0)
				return err;
			err = sip_auth_policy_add_trusted(&ec->policy, s);
			if (err == -ENOSPC)
				return dg_conf_error(m, "more than %d trusted prefixes",
					SIP_AUTH_POLICY_TRUSTED_MAX);
			if (err < 0)
				return dg_conf_error(m,
					"'%s' is not a prefix such as 192.0.2.0/24", s);
		}
	}
	l = dg_conf_map_get(sec, "algorithms");
	if (l != NULL) {
		static const char *const algs[] = { "sha-256", "md5", NULL };

		if ((err = dg_conf_node_expect(l, DG_CONF_SEQ)) < 0)
			return err;
		if (dg_conf_node_count(l) == 0)
			return dg_conf_error(l, "at least one of sha-256, md5");
		for (i = 0; i < dg_conf_node_count(l); i++) {
			unsigned int a;

			err = dg_conf_node_enum(dg_conf_node_at(l, i), algs, &a);
			if (err < 0)
				return err;
			ec->offer |= a == 0 ? SIP_AUTH_OFFER_SHA256 :
				SIP_AUTH_OFFER_MD5;
		}
	}
	ec->auth_enabled = true;
	return 0;
}

static int
conf_dialog(const struct dg_conf_node *sec, struct sip_edge_conf *ec)
{
	static const char *const keys[] = { "early_timeout", "max_duration",
		NULL };
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	err = dg_conf_get_ms(sec, "early_timeout", 1000, 3600000,
		&ec->proxy.dialog_early_timeout_ms);
	if (err < 0)
		return err;
	return dg_conf_get_ms(sec, "max_duration", 1000, 604800000,
		&ec->proxy.dialog_max_duration_ms);
}

int
sip_edge_conf_parse(const struct dg_conf_node *sec, struct sip_edge_conf *ec)
{
	/* "media" is the anchoring policy, read by edge/mc_dialog_conf.c. */
	static const char *const keys[] = { "routes", "unknown_destination",
		"registrar", "auth", "dialog", "max_transactions",
		"retry_after", "timer_c", "media", "location", NULL };
	static const char *const locs[] = { "memory", "redis", NULL };
	const struct dg_conf_node *n;
	unsigned int loc = SIP_EDGE_LOC_MEMORY;
	uint64_t v;
	int err;

	err = dg_conf_map_check_keys(sec, keys);
	if (err < 0)
		return err;
	if ((err = dg_conf_get_enum(sec, "location", locs, &loc)) < 0)
		return err;
	ec->location = (enum sip_edge_location)loc;
	if ((n = dg_conf_map_get(sec, "routes")) != NULL &&
			(err = conf_routes(n, ec)) < 0)
		return err;
	v = (uint64_t)ec->proxy.routes.unknown_code;
	if ((n = dg_conf_map_get(sec, "unknown_destination")) != NULL) {
		if ((err = dg_conf_node_u64(n, 403, 404, &v)) < 0)
			return err;
		ec->proxy.routes.unknown_code = (int)v;
	}
	if ((n = dg_conf_map_get(sec, "registrar")) != NULL &&
			(err = conf_registrar(n, ec)) < 0)
		return err;
	if ((n = dg_conf_map_get(sec, "auth")) != NULL &&
			(err = conf_auth(n, ec)) < 0)
		return err;
	if ((n = dg_conf_map_get(sec, "dialog")) != NULL &&
			(err = conf_dialog(n, ec)) < 0)
		return err;
	v = ec->proxy.max_txns;
	if ((err = dg_conf_get_u64(sec, "max_transactions", 1, 4000000, &v)) < 0)
		return err;
	ec->proxy.max_txns = (uint32_t)v;
	v = ec->proxy.retry_after_s;
	if ((err = dg_conf_get_u64(sec, "retry_after", 1, 3600, &v)) < 0)
		return err;
	ec->proxy.retry_after_s = (uint32_t)v;
	return dg_conf_get_ms(sec, "timer_c", 1000, 3600000,
		&ec->proxy.timer_c_ms);
}

static int
edge_finish(struct sip_edge_conf *ec, struct dg_conf *doc, char *err,
		size_t errlen)
{
	const struct dg_conf_node *root = dg_conf_root(doc);
	const struct dg_conf_node *sec;
	int ret = 0;

	sec = dg_conf_node_type(root) == DG_CONF_MAP ?
		dg_conf_map_get(root, "edge") : NULL;
	ec->present = sec != NULL;
	if (sec != NULL && !(dg_conf_node_type(sec) == DG_CONF_SCALAR &&
			dg_conf_node_str(sec)[0] == '\0'))
		ret = sip_edge_conf_parse(sec, ec);
	if (ret < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", dg_conf_errmsg(doc));
	dg_conf_free(doc);
	return ret;
}

int
sip_edge_conf_load_file(struct sip_edge_conf *ec, const char *path, char *err,
		size_t errlen)
{
	struct dg_conf *doc;
	int ret;

	sip_edge_conf_defaults(ec);
	if (path == NULL)
		return 0;
	ret = dg_conf_load_file(&doc, path, err, errlen);
	if (ret < 0)
		return ret;
	return edge_finish(ec, doc, err, errlen);
}

int
sip_edge_conf_load_buf(struct sip_edge_conf *ec, const char *name,
		const char *buf, size_t len, char *err, size_t errlen)
{
	struct dg_conf *doc;
	int ret;

	sip_edge_conf_defaults(ec);
	ret = dg_conf_load_buf(&doc, name, buf, len, err, errlen);
	if (ret < 0)
		return ret;
	return edge_finish(ec, doc, err, errlen);
}
