/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading an ng request into a media request: the string keys, the
 * "flags", "replace", "direction" and "rtcp-mux" lists, "transport-protocol",
 * "ICE", "DTLS", "received-from" and "media-address". Unknown keys and
 * flags are ignored (rtpengine does the same, and the SIP-proxy modules
 * send many that concern features a relay without transcoding has no use
 * for); a known key with a value of the wrong type is an error.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ng_cmd.h"

const char *const ng_cmd_names[NG_CMD__COUNT] = {
#define NG_CMD_NAME_(id, name) #name,
	NG_COMMANDS(NG_CMD_NAME_)
#undef NG_CMD_NAME_
};

static int
ng_norm(int c)
{
	if (c == '_' || c == ' ')
		return '-';
	return tolower(c);
}

bool
ng_key_eq(struct dg_pl a, const char *b)
{
	size_t i, n = strlen(b);

	if (a.len != n)
		return false;
	for (i = 0; i < n; i++)
		if (ng_norm((unsigned char)a.p[i]) != ng_norm((unsigned char)b[i]))
			return false;
	return true;
}

enum ng_cmd
ng_cmd_lookup(struct dg_pl name)
{
	unsigned int i;

	for (i = 0; i < NG_CMD__COUNT; i++)
		if (ng_key_eq(name, ng_cmd_names[i]))
			return (enum ng_cmd)i;
	return NG_CMD__COUNT;
}

const struct ng_ben_node *
ng_dict_get(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
	    const char *key)
{
	const struct ng_ben_node *k;

	if (dict == NULL || dict->type != NG_BEN_DICT)
		return NULL;
	for (k = ng_ben_first(doc, dict); k != NULL;
	     k = ng_ben_next(doc, ng_ben_next(doc, k)))
		if (ng_key_eq(k->str, key))
			return ng_ben_next(doc, k);
	return NULL;
}

/* A string key; absent leaves *out unset. */
static int
ng_get_str(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
	   const char *key, struct dg_pl *out, const char **reason)
{
	const struct ng_ben_node *v = ng_dict_get(doc, dict, key);

	*out = DG_PL_NULL;
	if (v == NULL)
		return 0;
	if (v->type != NG_BEN_STR) {
		*reason = "a key that must be a string is not";
		return -EINVAL;
	}
	*out = v->str;
	return 0;
}

static int
ng_get_list(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
	    const char *key, const struct ng_ben_node **out,
	    const char **reason)
{
	const struct ng_ben_node *v = ng_dict_get(doc, dict, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	/* Some clients send a single flag as a plain string. */
	if (v->type != NG_BEN_LIST && v->type != NG_BEN_STR) {
		*reason = "a key that must be a list is not";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Items of a list key (or the one string), each a string. */
static const struct ng_ben_node *
ng_items_first(const struct ng_ben_doc *doc, const struct ng_ben_node *v)
{
	if (v == NULL)
		return NULL;
	return v->type == NG_BEN_STR ? v : ng_ben_first(doc, v);
}

static const struct ng_ben_node *
ng_items_next(const struct ng_ben_doc *doc, const struct ng_ben_node *v,
	      const struct ng_ben_node *it)
{
	return v->type == NG_BEN_STR ? NULL : ng_ben_next(doc, it);
}

static int
ng_addr_parse(struct dg_pl txt, struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (txt.len == 0 || txt.len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, txt.p, txt.len);
	buf[txt.len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void
ng_flags_apply(const struct ng_ben_doc *doc, const struct ng_ben_node *list,
	       struct mc_flags *f)
{
	const struct ng_ben_node *it;

	for (it = ng_items_first(doc, list); it != NULL;
	     it = ng_items_next(doc, list, it)) {
		if (it->type != NG_BEN_STR)
			continue;
		if (ng_key_eq(it->str, "trust-address"))
			f->sip_source = false;
		else if (ng_key_eq(it->str, "SIP-source-address"))
			f->sip_source = true;
		else if (ng_key_eq(it->str, "asymmetric") ||
			 ng_key_eq(it->str, "strict-source"))
			f->strict_source = true;
		else if (ng_key_eq(it->str, "symmetric"))
			f->strict_source = false;
	}
}

static int
ng_xport_parse(struct dg_pl p, struct mc_flags *f, const char **reason)
{
	if (ng_key_eq(p, "RTP/AVP") || ng_key_eq(p, "RTP/AVPF")) {
		f->xport = SDP_XPORT_RTP;
		return 0;
	}
	if (ng_key_eq(p, "RTP/SAVP") || ng_key_eq(p, "RTP/SAVPF")) {
		f->xport = SDP_XPORT_SDES;
		return 0;
	}
	*reason = ng_key_eq(p, "UDP/TLS/RTP/SAVP") ||
		ng_key_eq(p, "UDP/TLS/RTP/SAVPF") ?
		"DTLS-SRTP transport is not supported" :
		"unknown transport-protocol";
	return -EINVAL;
}

int
ng_params_parse(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
		enum mc_side side, struct mc_req *req,
		struct ng_params_note *note, const char **reason)
{
	const struct ng_ben_node *v, *it;
	struct dg_pl s;
	int err;

	memset(req, 0, sizeof(*req));
	note->warning = NULL;
	req->side = side;
	if ((err = ng_get_str(doc, dict, "call-id", &req->call_id, reason)) < 0 ||
	    (err = ng_get_str(doc, dict, "from-tag", &req->from_tag, reason)) < 0 ||
	    (err = ng_get_str(doc, dict, "to-tag", &req->to_tag, reason)) < 0 ||
	    (err = ng_get_str(doc, dict, "via-branch", &req->via_branch, reason)) < 0 ||
	    (err = ng_get_str(doc, dict, "label", &req->label, reason)) < 0 ||
	    (err = ng_get_str(doc, dict, "sdp", &req->sdp, reason)) < 0)
		return err;
	if (req->call_id.len == 0) {
		*reason = "No call-id in message";
		return -EINVAL;
	}
	if (req->from_tag.len == 0) {
		*reason = "No from-tag in message";
		return -EINVAL;
	}
	if (req->sdp.len == 0) {
		*reason = "No SDP body in message";
		return -EINVAL;
	}
	if (side == MC_SIDE_ANSWER && req->to_tag.len == 0) {
		*reason = "No to-tag in message";
		return -EINVAL;
	}
	if ((err = ng_get_list(doc, dict, "flags", &v, reason)) < 0)
		return err;
	ng_flags_apply(doc, v, &req->flags);
	if ((err = ng_get_list(doc, dict, "replace", &v, reason)) < 0)
		return err;
	for (it = ng_items_first(doc, v); it != NULL;
	     it = ng_items_next(doc, v, it)) {
		if (ng_key_eq(it->str, "origin"))
			req->flags.replace_origin = true;
		else if (ng_key_eq(it->str, "session-connection"))
			req->flags.replace_session_conn = true;
	}
	/* One interface here: direction names are accepted and not used. */
	if ((err = ng_get_list(doc, dict, "direction", &v, reason)) < 0)
		return err;
	if ((err = ng_get_list(doc, dict, "rtcp-mux", &v, reason)) < 0)
		return err;
	for (it = ng_items_first(doc, v); it != NULL;
	     it = ng_items_next(doc, v, it)) {
		if (ng_key_eq(it->str, "offer") || ng_key_eq(it->str, "require") ||
		    ng_key_eq(it->str, "accept"))
			req->flags.mux = SDP_MUX_OFFER;
		else if (ng_key_eq(it->str, "demux") ||
			 ng_key_eq(it->str, "reject"))
			req->flags.mux = SDP_MUX_DEMUX;
	}
	if ((err = ng_get_str(doc, dict, "transport-protocol", &s, reason)) < 0)
		return err;
	if (dg_pl_isset(s) && (err = ng_xport_parse(s, &req->flags, reason)) < 0)
		return err;
	if ((err = ng_get_str(doc, dict, "ICE", &s, reason)) < 0)
		return err;
	if (ng_key_eq(s, "remove"))
		req->flags.ice_remove = true;
	else if (ng_key_eq(s, "force") || ng_key_eq(s, "force-relay")) {
		req->flags.ice_remove = true;
		note->warning = "ICE is not supported by this media node: ICE attributes removed";
	}
	if ((err = ng_get_list(doc, dict, "received-from", &v, reason)) < 0)
		return err;
	if (v != NULL && v->type == NG_BEN_LIST) {
		const struct ng_ben_node *fam = ng_ben_first(doc, v);
		const struct ng_ben_node *addr = ng_ben_next(doc, fam);

		if (addr == NULL || addr->type != NG_BEN_STR ||
		    ng_addr_parse(addr->str, &req->flags.received_from) < 0) {
			*reason = "received-from is not [family, address]";
			return -EINVAL;
		}
		req->flags.have_received_from = true;
	}
	if ((err = ng_get_str(doc, dict, "media-address", &s, reason)) < 0)
		return err;
	if (dg_pl_isset(s)) {
		if (ng_addr_parse(s, &req->flags.media_address) < 0) {
			*reason = "media-address is not an IP address";
			return -EINVAL;
		}
		req->flags.have_media_address = true;
	}
	return 0;
}
