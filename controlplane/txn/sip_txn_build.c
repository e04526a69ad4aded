/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests the transaction layer writes itself: the ACK of a non-2xx final
 * response (RFC 3261 section 17.1.1.3) and the CANCEL of an INVITE
 * (section 9.1). Both copy the INVITE's Request-URI, top Via value (so the
 * branch matches), Route lines, From, Call-ID and CSeq number byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip_txn_priv.h"

struct wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
put(struct wbuf *w, const char *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void
put_str(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
put_pl(struct wbuf *w, struct dg_pl pl)
{
	put(w, pl.p, pl.len);
}

static void
put_hdr(struct wbuf *w, const char *name, struct dg_pl val)
{
	put_str(w, name);
	put(w, ": ", 2);
	put_pl(w, val);
	put(w, "\r\n", 2);
}

/* Everything of ACK and CANCEL up to the To line. */
static void
put_common(struct wbuf *w, const struct sip_msg *req, const char *method)
{
	const struct sip_hdr *h;

	put_str(w, method);
	put(w, " ", 1);
	put_pl(w, req->ruri_raw);
	put_str(w, " SIP/2.0\r\n");
	put_hdr(w, "Via", req->vias[0].raw);
	for (h = sip_msg_hdr_first(req, SIP_HDR_ROUTE); h != NULL;
			h = sip_msg_hdr_next(req, h))
		put_hdr(w, "Route", h->value);
	put_hdr(w, "From", req->from.raw);
}

static void
put_tail(struct wbuf *w, const struct sip_msg *req, const char *method,
		const char *extra_hdrs)
{
	char line[64];
	int n;

	put_hdr(w, "Call-ID", req->call_id);
	n = snprintf(line, sizeof(line), "CSeq: %u %s\r\n", req->cseq.num,
			method);
	put(w, line, (size_t)n);
	put_str(w, "Max-Forwards: 70\r\n");
	if (extra_hdrs != NULL)
		put_str(w, extra_hdrs);
	put_str(w, "Content-Length: 0\r\n\r\n");
}

static bool
invite_ok(const struct sip_msg *req)
{
	const uint32_t need = SIP_HAVE_FROM | SIP_HAVE_TO | SIP_HAVE_CALL_ID |
		SIP_HAVE_CSEQ;

	return req->is_request && req->method == SIP_METHOD_INVITE &&
		req->n_vias > 0 && (req->have & need) == need;
}

int
sip_txn_ack_build(char *out, size_t cap, const struct sip_msg *req,
		const struct sip_msg *resp)
{
	struct wbuf w = { .p = out, .cap = cap };

	if (!invite_ok(req) || resp->is_request || !(resp->have & SIP_HAVE_TO))
		return -EINVAL;
	put_common(&w, req, "ACK");
	put_hdr(&w, "To", resp->to.raw);
	put_tail(&w, req, "ACK", NULL);
	if (w.full)
		return -ENOSPC;
	return (int)w.len;
}

int
sip_txn_cancel_build(char *out, size_t cap, const struct sip_msg *req,
		const char *extra_hdrs)
{
	struct wbuf w = { .p = out, .cap = cap };

	if (!invite_ok(req))
		return -EINVAL;
	put_common(&w, req, "CANCEL");
	put_hdr(&w, "To", req->to.raw);
	put_tail(&w, req, "CANCEL", extra_hdrs);
	if (w.full)
		return -ENOSPC;
	return (int)w.len;
}
