/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing of edge.media (see mc_dialog_conf.h): a missing section, an
 * empty one and every missing key mean "as offered".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "mc_dialog_conf.h"

const char *const mc_dialog_srtp_names[] = {
	[SDP_XPORT_KEEP] = "as-offered",
	[SDP_XPORT_RTP] = "rtp",
	[SDP_XPORT_SDES] = "sdes",
	NULL,
};

void
mc_dialog_conf_defaults(struct mc_dialog_conf *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->srtp[MC_PARTY_CALLER] = SDP_XPORT_KEEP;
	mc->srtp[MC_PARTY_CALLEE] = SDP_XPORT_KEEP;
}

/* An IPv4 or IPv6 literal under key, if there is one. */
static int
conf_addr(const struct dg_conf_node *map, const char *key,
		struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *s = NULL;
	int err;

	err = dg_conf_get_string(map, key, &s);
	if (err < 0 || s == NULL)
		return err;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		return dg_conf_error(dg_conf_map_get(map, key),
			"'%s' is not an IP address", s);
	return 0;
}

static bool
conf_empty(const struct dg_conf_node *n)
{
	return dg_conf_node_type(n) == DG_CONF_SCALAR &&
		dg_conf_node_str(n)[0] == '\0';
}

int
mc_dialog_conf_parse(const struct dg_conf_node *media,
		struct mc_dialog_conf *mc)
{
	static const char *const keys[] = { "srtp", "relay", NULL };
	static const char *const parties[] = { "caller", "callee", NULL };
	const struct dg_conf_node *srtp, *relay;
	struct mc_dialog_conf tmp;
	unsigned int i, v;
	int err;

	/* A bad key leaves the defaults: never half a policy. */
	mc_dialog_conf_defaults(mc);
	mc_dialog_conf_defaults(&tmp);
	if (media == NULL || conf_empty(media))
		return 0;
	err = dg_conf_map_check_keys(media, keys);
	if (err < 0)
		return err;
	relay = dg_conf_map_get(media, "relay");
	if (relay != NULL && !conf_empty(relay)) {
		err = dg_conf_map_check_keys(relay, parties);
		for (i = 0; err == 0 && i < MC_PARTY__COUNT; i++)
			err = conf_addr(relay, parties[i], &tmp.relay[i]);
		if (err < 0)
			return err;
	}
	srtp = dg_conf_map_get(media, "srtp");
	if (srtp != NULL && !conf_empty(srtp)) {
		err = dg_conf_map_check_keys(srtp, parties);
		if (err < 0)
			return err;
		for (i = 0; i < MC_PARTY__COUNT; i++) {
			v = (unsigned int)tmp.srtp[i];
			err = dg_conf_get_enum(srtp, parties[i],
				mc_dialog_srtp_names, &v);
			if (err < 0)
				return err;
			tmp.srtp[i] = (enum sdp_xport)v;
		}
	}
	*mc = tmp;
	return 0;
}

int
mc_dialog_conf_load(struct mc_dialog_conf *mc, const char *name,
		const char *buf, size_t len, char *err, size_t errlen)
{
	const struct dg_conf_node *root, *edge, *media = NULL;
	struct dg_conf *doc;
	int ret;

	mc_dialog_conf_defaults(mc);
	ret = buf != NULL ? dg_conf_load_buf(&doc, name, buf, len, err, errlen) :
		dg_conf_load_file(&doc, name, err, errlen);
	if (ret < 0)
		return ret;
	root = dg_conf_root(doc);
	edge = dg_conf_node_type(root) == DG_CONF_MAP ?
		dg_conf_map_get(root, "edge") : NULL;
	if (edge != NULL && dg_conf_node_type(edge) == DG_CONF_MAP)
		media = dg_conf_map_get(edge, "media");
	ret = mc_dialog_conf_parse(media, mc);
	if (ret < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", dg_conf_errmsg(doc));
	dg_conf_free(doc);
	return ret;
}
