/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge's media policy, the "media" mapping of the "edge" section:
 * which RTP profile each party of an anchored call is offered. A caller
 * that offers RTP/SAVP with SDES keys can reach a callee that only speaks
 * RTP/AVP (and the reverse): the relay decrypts on one leg and encrypts
 * with fresh keys of its own on the other. Read from the same file as the
 * rest of the edge section (and from the embedded default). A relay with
 * several addresses can also give each party its own (edge.media.relay).
 */
#ifndef DRONGO_CONTROLPLANE_EDGE_MC_DIALOG_CONF_H
#define DRONGO_CONTROLPLANE_EDGE_MC_DIALOG_CONF_H

#include <stddef.h>
#include <sys/socket.h>

#include "dg_conf.h"
#include "sdp.h"

/** The parties of a call, as the edge sees them. */
enum mc_party {
	MC_PARTY_CALLER = 0,	/* sent the initial INVITE */
	MC_PARTY_CALLEE,
	MC_PARTY__COUNT,
};

/** Values of edge.media.srtp.<party>, in enum sdp_xport order. */
extern const char *const mc_dialog_srtp_names[];

struct mc_dialog_conf {
	/*
	 * Profile of the offers drongo makes toward each party: as offered
	 * (SDP_XPORT_KEEP), plain RTP or SRTP with our SDES keys. An answer
	 * always goes back in the profile its offerer used.
	 */
	enum sdp_xport srtp[MC_PARTY__COUNT];
	/*
	 * The relay address each party is given, one of drongo-dp's own
	 * (family 0: its first of the offerer's address family).
	 */
	struct sockaddr_storage relay[MC_PARTY__COUNT];
};

/** The defaults: both parties as offered (no conversion), default relay address. */
void mc_dialog_conf_defaults(struct mc_dialog_conf *mc);

/**
 * Read the "media" mapping of an edge section (NULL: defaults).
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int mc_dialog_conf_parse(const struct dg_conf_node *media,
		struct mc_dialog_conf *mc);

/**
 * Read edge.media from a configuration file (path) or, with buf non-NULL,
 * from buf (name used in errors).
 *
 * @return 0; the loader's error or -EINVAL, with "file:line: reason" in err.
 */
int mc_dialog_conf_load(struct mc_dialog_conf *mc, const char *name,
		const char *buf, size_t len, char *err, size_t errlen);

#endif
