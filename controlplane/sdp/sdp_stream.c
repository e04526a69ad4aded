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
	out->ice = sdp_media_uses_ice(s, idx);
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
	out->hold = c->hold && !out->ice;
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

/* Is pt one of the space-separated formats of fmts? */
static bool
sdp_fmts_have(struct dg_pl fmts, unsigned int pt)
{
	struct dg_pl rest = fmts, t;
	uint64_t v;

	while (sdp_tok_next(&rest, &t))
		if (sdp_pl_u64(t, 127, &v) && v == pt)
			return true;
	return false;
}

/* <encoding>[/<clock>[/<params>]], a shape the parser checked. */
static void
sdp_rtpmap_split(struct dg_pl enc, struct sdp_rtpmap *out)
{
	const char *end = enc.p + enc.len;
	const char *s1 = memchr(enc.p, '/', enc.len), *s2;
	uint64_t v;

	out->encoding = sdp_pl(enc.p, s1 != NULL ? s1 : end);
	if (s1 == NULL)
		return;
	s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1));
	if (sdp_pl_u64(sdp_pl(s1 + 1, s2 != NULL ? s2 : end), UINT32_MAX, &v))
		out->clock = (uint32_t)v;
	if (s2 != NULL)
		out->enc_params = sdp_pl(s2 + 1, end);
}

int
sdp_media_rtpmap(const struct sdp_session *s, unsigned int idx,
		 unsigned int pt, struct sdp_rtpmap *out)
{
	const struct sdp_media *m;
	unsigned int j;
	uint64_t v;

	if (idx >= s->n_media || pt > 127)
		return -EINVAL;
	m = &s->media[idx];
	if (!sdp_fmts_have(m->fmts, pt))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->pt = (uint8_t)pt;
	for (j = m->line; j < m->end; j++) {
		const struct sdp_line *l = &s->lines[j];
		struct dg_pl rest = l->aval, t;

		if ((l->attr != SDP_ATTR_RTPMAP && l->attr != SDP_ATTR_FMTP) ||
		    !sdp_tok_next(&rest, &t) || !sdp_pl_u64(t, 127, &v) || v != pt)
			continue;
		if (l->attr == SDP_ATTR_FMTP) {
			if (!dg_pl_isset(out->fmtp))
				out->fmtp = rest;
			continue;
		}
		if (dg_pl_isset(out->encoding))
			continue;
		sdp_rtpmap_split(rest, out);
	}
	return 0;
}
