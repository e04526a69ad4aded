/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless responses (RFC 3261 section 8.2.6) and where to send them
 * (section 18.2.2 with RFC 3581 rport). The response copies the request's
 * Via, From, To, Call-ID and CSeq lines byte for byte, so that the client
 * matches it whatever form (compact names, folds) the request used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_parse.h"

static const struct {
	int code;
	const char *reason;
} status_reasons[] = {
	{ 100, "Trying" },
	{ 180, "Ringing" },
	{ 181, "Call Is Being Forwarded" },
	{ 182, "Queued" },
	{ 183, "Session Progress" },
	{ 200, "OK" },
	{ 202, "Accepted" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 305, "Use Proxy" },
	{ 380, "Alternative Service" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" },
	{ 421, "Extension Required" },
	{ 423, "Interval Too Brief" },
	{ 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" },
	{ 483, "Too Many Hops" },
	{ 484, "Address Incomplete" },
	{ 485, "Ambiguous" },
	{ 486, "Busy Here" },
	{ 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" },
	{ 491, "Request Pending" },
	{ 493, "Undecipherable" },
	{ 500, "Server Internal Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Server Time-out" },
	{ 505, "Version Not Supported" },
	{ 513, "Message Too Large" },
	{ 600, "Busy Everywhere" },
	{ 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
};

const char *
sip_status_reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof(status_reasons) / sizeof(status_reasons[0]); i++)
		if (status_reasons[i].code == code)
			return status_reasons[i].reason;
	return "Unknown";
}

struct obuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
put(struct obuf *o, const char *s, size_t n)
{
	if (o->full || o->cap - o->len < n) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_str(struct obuf *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_line(struct obuf *o, const struct sip_hdr *h)
{
	put(o, h->name.p, h->line_len);
	/* a line ended by a bare LF is written with CRLF */
	if (!o->full && h->line_len >= 1 &&
	    (h->line_len < 2 || h->name.p[h->line_len - 2] != '\r')) {
		o->len--;
		put(o, "\r\n", 2);
	}
}

int
sip_resp_build(char *out, size_t cap, const struct sip_msg *req, int code,
	       const char *reason, const char *to_tag, const char *extra_hdrs)
{
	struct obuf o = { .p = out, .cap = cap };
	const struct sip_hdr *h;
	char line[48];
	int n;

	if (!sip_msg_can_respond(req) || code < 100 || code > 699)
		return -EINVAL;
	n = snprintf(line, sizeof(line), "SIP/2.0 %d ", code);
	put(&o, line, (size_t)n);
	put_str(&o, reason != NULL ? reason : sip_status_reason(code));
	put(&o, "\r\n", 2);
	for (h = sip_msg_hdr_first(req, SIP_HDR_VIA); h != NULL;
	     h = sip_msg_hdr_next(req, h))
		put_line(&o, h);
	h = sip_msg_hdr_first(req, SIP_HDR_FROM);
	if (h != NULL)
		put_line(&o, h);
	h = sip_msg_hdr_first(req, SIP_HDR_TO);
	if (h != NULL) {
		bool tagged = (req->have & SIP_HAVE_TO) && req->to.tag.p != NULL;

		if (code > 100 && to_tag != NULL && !tagged) {
			put(&o, h->name.p, h->name.len);
			put(&o, ": ", 2);
			put(&o, h->value.p, h->value.len);
			put(&o, ";tag=", 5);
			put_str(&o, to_tag);
			put(&o, "\r\n", 2);
		} else {
			put_line(&o, h);
		}
	}
	h = sip_msg_hdr_first(req, SIP_HDR_CALL_ID);
	if (h != NULL)
		put_line(&o, h);
	put_line(&o, sip_msg_hdr_first(req, SIP_HDR_CSEQ));
	if (extra_hdrs != NULL)
		put_str(&o, extra_hdrs);
	put_str(&o, "Content-Length: 0\r\n\r\n");
	if (o.full)
		return -ENOSPC;
	return (int)o.len;
}

/* An IP literal (IPv6 with or without brackets) into sa, port left 0. */
static int
ip_literal(struct dg_pl host, struct sockaddr_storage *sa)
{
	char tmp[INET6_ADDRSTRLEN + 2];

	memset(sa, 0, sizeof(*sa));
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(tmp))
		return -EHOSTUNREACH;
	memcpy(tmp, host.p, host.len);
	tmp[host.len] = '\0';
	if (inet_pton(AF_INET, tmp,
		      &((struct sockaddr_in *)sa)->sin_addr) == 1) {
		sa->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp,
		      &((struct sockaddr_in6 *)sa)->sin6_addr) == 1) {
		sa->ss_family = AF_INET6;
		return 0;
	}
	return -EHOSTUNREACH;
}

static uint16_t
sa_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

static void
sa_set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

int
sip_msg_response_dest(const struct sip_msg *req,
		      const struct sockaddr_storage *src, bool reliable,
		      struct sockaddr_storage *dst)
{
	const struct sip_via *via;
	uint16_t port;
	int r;

	if (!(req->have & SIP_HAVE_VIA) || req->n_vias == 0)
		return -EINVAL;
	via = &req->vias[0];
	if (reliable) {
		*dst = *src;
		return 0;
	}
	port = via->port != 0 ? via->port : 5060;
	if (via->maddr.p != NULL) {
		r = ip_literal(via->maddr, dst);
		if (r < 0)
			return r;
		sa_set_port(dst, port);
		return 0;
	}
	/* The request as received implicitly carries received=<source>
	 * (section 18.2.1), so without a received parameter the source
	 * address is where the response goes. */
	if (via->received.p != NULL) {
		r = ip_literal(via->received, dst);
		if (r < 0)
			return r;
	} else {
		*dst = *src;
	}
	if (via->rport)
		port = via->rport_val != 0 ? via->rport_val : sa_port(src);
	sa_set_port(dst, port);
	return 0;
}
