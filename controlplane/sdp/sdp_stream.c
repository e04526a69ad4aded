/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extraction for the media orchestrator: what one m= line says about the
 * peer (RTP and RTCP addresses per RFC 3605 or port + 1, rtcp-mux, profile,
 * direction, decoded SDES keys), which is what the data plane's session for
 * that stream is programmed with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sdp.h"
#include "sdp_int.h"

/* Fill ss from a numeric address view of family af and a port. */
static int
sdp_sockaddr_fill(struct sockaddr_storage *ss, const struct sdp_conn *c,
		  uint16_t port)
{
	char tmp[INET6_ADDRSTRLEN];

	memset(ss, 0, sizeof(*ss));
	if (!c->numeric || c->addr.len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, c->addr.p, c->addr.len);
	tmp[c->addr.len] = '\0';
	if (c->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return inet_pton(AF_INET, tmp, &sin->sin_addr) == 1 ? 0 : -EINVAL;
	}
	if (c->af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return inet_pton(AF_INET6, tmp, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int
sdp_stream_get(const struct sdp_session *s, unsigned int idx,
	       struct sdp_stream *out)
{
	const struct sdp_media *m;
	const struct sdp_conn *c, *rc;
	unsigned int i;
	int err;

	if (idx >= s->n_media)
		return -EINVAL;
	m = &s->media[idx];
	memset(out, 0, sizeof(*out));
	out->type = m->type;
	out->rejected = m->port == 0;
	out->proto = m->proto;
	out->dir = sdp_media_dir(s, idx);
	out->rtcp_mux = m->rtcp_mux;
	out->ptime = m->ptime;
	out->ice = dg_pl_isset(m->ice_ufrag) || dg_pl_isset(s->ice_ufrag);
	out->rtp_port = m->port;
	if (m->rtcp.set)
		out->rtcp_port = m->rtcp.port;
	else if (m->rtcp_mux || m->port == 0)
		out->rtcp_port = m->port;
	else
		out->rtcp_port = m->port == 65535 ? 0 : (uint16_t)(m->port + 1);
	for (i = 0; i < m->n_crypto; i++) {
		if (m->crypto[i].suite == SDP_SUITE_UNKNOWN)
			continue;
		err = sdp_crypto_decode(&m->crypto[i], &out->crypto[out->n_crypto]);
		if (err < 0)
			return -EBADMSG;
		out->n_crypto++;
	}
	c = sdp_media_conn(s, idx);
	if (!c->set)
		return out->rejected ? 0 : -EINVAL;
	out->addr = c->addr;
	out->hold = c->hold;
	out->addr_numeric = c->numeric;
	if (!c->numeric)
		return 0;
	err = sdp_sockaddr_fill(&out->rtp, c, m->port);
	rc = m->rtcp.set && m->rtcp.addr.set ? &m->rtcp.addr : c;
	if (err == 0)
		err = sdp_sockaddr_fill(&out->rtcp, rc->numeric ? rc : c,
					out->rtcp_port);
	return err;
}
