/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless handling of one received message. Errors are explained
 * with a Warning header (RFC 3261 section 20.43, code 399, agent = node
 * name) carrying the parser's or checker's reason; the To tag of our
 * responses is a hash of Call-ID, From tag and top Via branch, so a
 * retransmitted request gets the very same response.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dg_log.h"
#include "sip_edge.h"
#include "sip_server.h"
#include "sip_server_via.h"

/* What OPTIONS reports (RFC 3261 section 11.2): only what works today. */
#define SIP_SERVER_OPTIONS_HDRS \
	"Allow: OPTIONS\r\n" \
	"Accept: application/sdp\r\n" \
	"Accept-Encoding: identity\r\n" \
	"Accept-Language: en\r\n" \
	"Supported: \r\n"

static const char *
rx_transport(const struct sip_rx *rx)
{
	return rx->conn != NULL ? "tcp" : "udp";
}

/* FNV-1a over the fields that identify a request and its retransmissions. */
static void
to_tag_make(const struct sip_msg *msg, char *tag, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const struct dg_pl parts[] = {
		msg->call_id,
		(msg->have & SIP_HAVE_FROM) ? msg->from.tag : DG_PL_NULL,
		msg->n_vias > 0 ? msg->vias[0].branch : DG_PL_NULL,
	};
	size_t i, j;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (j = 0; j < parts[i].len; j++) {
			h ^= (uint8_t)parts[i].p[j];
			h *= 0x100000001b3ull;
		}
		h ^= 0xff;
		h *= 0x100000001b3ull;
	}
	snprintf(tag, len, "dg%016llx", (unsigned long long)h);
}

/* A Warning line with the reason made safe for a quoted-string. */
static void
warning_make(const struct sip_server *srv, const char *reason, char *out,
		size_t len)
{
	char text[200];
	size_t i, o = 0;

	for (i = 0; reason[i] != '\0' && o < sizeof(text) - 1; i++) {
		unsigned char c = (unsigned char)reason[i];

		text[o++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ?
			'\'' : (char)c;
	}
	text[o] = '\0';
	snprintf(out, len, "Warning: 399 %s \"%s\"\r\n", srv->conf.name, text);
}

static const char *
log_call_id(const struct sip_msg *msg, char *buf, size_t len)
{
	if (!(msg->have & SIP_HAVE_CALL_ID) || msg->call_id.len == 0)
		return "-";
	return dg_log_quote(buf, len, msg->call_id.p, msg->call_id.len);
}

/* Picks the UDP socket to answer from: the receiving one, or one of dst's family. */
static struct sip_udp_sock *
udp_for(struct sip_server *srv, struct sip_udp_sock *in,
		const struct sockaddr_storage *dst)
{
	unsigned int i;

	if (in->local.ss_family == dst->ss_family)
		return in;
	for (i = 0; i < srv->n_udp; i++)
		if (srv->udp[i].local.ss_family == dst->ss_family)
			return &srv->udp[i];
	return NULL;
}

static void
count_status(struct sip_server *srv, int code)
{
	struct sip_server_stats *s = &srv->stats;

	s->tx_responses++;
	if (code >= 200 && code < 300)
		s->tx_2xx++;
	else if (code >= 400 && code < 500)
		s->tx_4xx++;
	else if (code >= 500 && code < 600)
		s->tx_5xx++;
	if (code == 400)
		s->tx_400++;
	else if (code == 501)
		s->tx_501++;
	else if (code == 513)
		s->tx_513++;
}

/*
 * Builds and sends a stateless response to srv->msg.
 *
 * @return 0 when queued, negative errno when dropped (and counted).
 */
static int
respond(struct sip_server *srv, const struct sip_rx *rx, int code,
		const char *warning, const char *extra)
{
	const struct sip_msg *msg = &srv->msg;
	char hdrs[1024], warn[320], tag[24], cid[128], dst_s[64];
	struct sockaddr_storage dst;
	struct sip_udp_sock *udp;
	ssize_t slen;
	int len, err;

	hdrs[0] = '\0';
	if (warning != NULL)
		warning_make(srv, warning, warn, sizeof(warn));
	snprintf(hdrs, sizeof(hdrs), "%s%s", extra != NULL ? extra : "",
		warning != NULL ? warn : "");
	to_tag_make(msg, tag, sizeof(tag));
	len = sip_resp_build(srv->out, srv->out_cap, msg, code, NULL, tag,
		hdrs);
	if (len < 0) {
		srv->stats.drop_tx_error++;
		return len;
	}
	slen = sip_server_via_stamp(srv->out, (size_t)len, srv->out_cap,
		&msg->vias[0], rx->src);
	if (slen < 0) {
		srv->stats.drop_tx_error++;
		return (int)slen;
	}
	len = (int)slen;
	if (rx->conn != NULL) {
		err = sip_tcp_send(rx->conn, srv->out, (size_t)len);
		dst = *rx->src;
	} else {
		err = sip_msg_response_dest(msg, rx->src, false, &dst);
		if (err == 0) {
			udp = udp_for(srv, rx->udp, &dst);
			err = udp == NULL ? -EAFNOSUPPORT :
				sip_udp_send(udp, (const struct sockaddr *)&dst,
					dst.ss_family == AF_INET ?
					sizeof(struct sockaddr_in) :
					sizeof(struct sockaddr_in6),
					srv->out, (size_t)len);
		}
		if (err == -EHOSTUNREACH || err == -EAFNOSUPPORT ||
				err == -EINVAL) {
			srv->stats.drop_unroutable++;
			DG_LOG(DG_LOG_INFO, "sip.drop",
				"reason=unroutable status=%d call_id=%s", code,
				log_call_id(msg, cid, sizeof(cid)));
			return err;
		}
	}
	if (err < 0) {
		srv->stats.drop_tx_error++;
		return err;
	}
	count_status(srv, code);
	DG_LOG(DG_LOG_DEBUG, "sip.tx", "status=%d transport=%s dst=%s call_id=%s",
		code, rx_transport(rx),
		sip_sockaddr_str((const struct sockaddr *)&dst, dst_s,
			sizeof(dst_s)),
		log_call_id(msg, cid, sizeof(cid)));
	return 0;
}

/* True when one more reject/drop line fits this second's budget. */
static bool
log_budget(struct sip_server *srv)
{
	uint64_t now = uring_loop_clock_ms();

	if (now - srv->log_window_ms >= 1000) {
		if (srv->log_window_suppressed > 0)
			DG_LOG(DG_LOG_INFO, "sip.log_suppressed",
				"lines=%llu window_ms=1000",
				(unsigned long long)srv->log_window_suppressed);
		srv->log_window_ms = now;
		srv->log_lines = 0;
		srv->log_window_suppressed = 0;
	}
	if (srv->log_lines >= SIP_SERVER_LOG_RATE) {
		srv->log_window_suppressed++;
		srv->stats.log_suppressed++;
		return false;
	}
	srv->log_lines++;
	return true;
}

static void
log_reject(struct sip_server *srv, const struct sip_rx *rx,
		const char *what, int status, const char *reason)
{
	char src[64], cid[128], why[256];

	if (!dg_log_enabled(DG_LOG_INFO) || !log_budget(srv))
		return;
	if (reason == NULL)
		reason = "-";
	DG_LOG(DG_LOG_INFO, what, "status=%d reason=%s transport=%s src=%s call_id=%s",
		status, dg_log_quote(why, sizeof(why), reason, strlen(reason)),
		rx_transport(rx),
		sip_sockaddr_str((const struct sockaddr *)rx->src, src,
			sizeof(src)),
		log_call_id(&srv->msg, cid, sizeof(cid)));
}

/* Oversized: 513 when the first bytes still tell where to answer. */
static void
handle_oversize(struct sip_server *srv, const struct sip_rx *rx)
{
	struct sip_perr perr;

	(void)sip_msg_decode(&srv->msg, rx->buf, rx->len, &perr);
	if (!sip_msg_can_respond(&srv->msg) ||
			respond(srv, rx, 513, "message larger than the maximum",
				NULL) < 0) {
		srv->stats.drop_oversize++;
		log_reject(srv, rx, "sip.drop", 513, "oversized, no routable response");
		if (rx->conn != NULL)
			sip_tcp_close(rx->conn);
		return;
	}
	log_reject(srv, rx, "sip.reject", 513, "message larger than the maximum");
	if (rx->conn != NULL)
		sip_tcp_close_after_send(rx->conn);
}

/*
 * Whether an OPTIONS is ours to answer: addressed to this server with no
 * user part, or Max-Forwards 0 (RFC 3261 section 16.3 lets the last hop
 * answer an OPTIONS itself, which is what hop-by-hop pings rely on).
 */
static bool
options_is_ours(const struct sip_server *srv, const struct sip_msg *msg)
{
	if ((msg->have & SIP_HAVE_MAX_FORWARDS) && msg->max_forwards == 0)
		return true;
	return msg->ruri.user.len == 0 &&
		sip_local_uri_is_ours(&srv->local, &msg->ruri);
}

void
sip_server_on_rx(void *arg, const struct sip_rx *rx)
{
	struct sip_server *srv = arg;
	struct sip_msg *msg = &srv->msg;
	struct sip_check_conf check;
	struct sip_perr perr;
	char src[64], cid[128];
	bool ours;

	srv->stats.rx++;
	if (rx->oversize) {
		handle_oversize(srv, rx);
		return;
	}
	if (sip_msg_decode(msg, rx->buf, rx->len, &perr) < 0) {
		if (!msg->is_request || !sip_msg_can_respond(msg) ||
				respond(srv, rx, perr.status, perr.reason,
					NULL) < 0) {
			srv->stats.drop_malformed++;
			log_reject(srv, rx, "sip.drop", perr.status,
				perr.reason != NULL ? perr.reason : "malformed");
			return;
		}
		log_reject(srv, rx, "sip.reject", perr.status, perr.reason);
		return;
	}
	srv->stats.rx_parsed++;
	if (srv->edge != NULL) {
		if (sip_edge_rx(srv->edge, msg, rx) < 0)
			srv->stats.drop_malformed++;
		return;
	}
	if (!msg->is_request) {
		srv->stats.drop_response++;
		DG_LOG(DG_LOG_DEBUG, "sip.drop", "reason=response status=%u call_id=%s",
			msg->status, log_call_id(msg, cid, sizeof(cid)));
		return;
	}
	srv->stats.rx_requests++;
	DG_LOG(DG_LOG_DEBUG, "sip.rx", "method=%.*s transport=%s src=%s call_id=%s",
		(int)msg->method_raw.len, msg->method_raw.p, rx_transport(rx),
		sip_sockaddr_str((const struct sockaddr *)rx->src, src,
			sizeof(src)),
		log_call_id(msg, cid, sizeof(cid)));
	if (msg->method == SIP_METHOD_ACK) {
		srv->stats.rx_acks++;
		return;
	}
	ours = msg->method == SIP_METHOD_OPTIONS && options_is_ours(srv, msg);
	memset(&check, 0, sizeof(check));
	check.uas = ours;
	check.ruri_is_local = ours;
	if (sip_msg_check_request(msg, &check, &perr) < 0) {
		if (!sip_msg_can_respond(msg)) {
			srv->stats.drop_malformed++;
			log_reject(srv, rx, "sip.drop", perr.status, perr.reason);
			return;
		}
		if (respond(srv, rx, perr.status, perr.reason,
				perr.hdrs_len > 0 ? perr.hdrs : NULL) == 0)
			log_reject(srv, rx, "sip.reject", perr.status,
				perr.reason);
		return;
	}
	if (ours)
		(void)respond(srv, rx, 200, NULL, SIP_SERVER_OPTIONS_HDRS);
	else
		(void)respond(srv, rx, 501, NULL, NULL);
}
