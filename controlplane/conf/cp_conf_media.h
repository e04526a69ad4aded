/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "media" section of drongo's configuration (role media): where the
 * ng control server listens, which drongo-dp instance it programs, the
 * address written into SDP when the relay sits behind 1:1 NAT, and the
 * media timeouts. Parsed beside the other sections by cp_conf.c.
 */
#ifndef DRONGO_CONTROLPLANE_CONF_CP_CONF_MEDIA_H
#define DRONGO_CONTROLPLANE_CONF_CP_CONF_MEDIA_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_conf.h"

/** media.required: whether /health waits for the local data plane. */
enum cp_media_required {
	CP_MEDIA_REQUIRED_AUTO,		/* edge and media: yes; lb: no */
	CP_MEDIA_REQUIRED_TRUE,
	CP_MEDIA_REQUIRED_FALSE,
	CP_MEDIA_REQUIRED__COUNT,
};

/** media.required values in enum order, NULL-terminated. */
extern const char *const cp_media_required_names[];

struct cp_conf_media {
	struct sockaddr_storage ng_listen;	/* default 127.0.0.1:2223 */
	socklen_t ng_listen_len;
	uint32_t dp_instance;			/* default 0 */
	char advertise[INET6_ADDRSTRLEN];	/* "" : the relay's own address */
	uint32_t timeout_s;			/* default 60 */
	enum cp_media_required required;	/* default auto */
};

/** Fill the defaults (the values when the section is absent). */
void cp_conf_media_defaults(struct cp_conf_media *m);

/**
 * Read the "media" section into @p m.
 *
 * @return 0, -EINVAL with the error recorded in the node's document.
 */
int cp_conf_media_parse(const struct dg_conf_node *sec, struct cp_conf_media *m);

#endif
