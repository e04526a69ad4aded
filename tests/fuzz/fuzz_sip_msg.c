/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the SIP message layer. On any input: decode, frame, on-demand
 * headers, checks, response and writer must not crash or read outside the
 * input. Invariants: every view lies inside the input; framing agrees with
 * decode; a decoded message written back without edits decodes to the same
 * method, status, Request-URI, Call-ID, CSeq and header count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_msg msg, msg2;
static char out[65536 + 4096];
static const char *lo, *hi;

static void
in_buf(struct dg_pl pl)
{
	if (pl.p == NULL)
		return;
	if (pl.p < lo || pl.p + pl.len > hi || pl.p + pl.len < pl.p)
		abort();
}

static void
uri_in_buf(const struct sip_uri *u)
{
	in_buf(u->raw);
	in_buf(u->scheme_raw);
	in_buf(u->user);
	in_buf(u->password);
	in_buf(u->host);
	in_buf(u->port_raw);
	in_buf(u->params);
	in_buf(u->headers);
}

static void
addr_in_buf(const struct sip_addr *a)
{
	in_buf(a->raw);
	in_buf(a->dname);
	in_buf(a->tag);
	in_buf(a->params);
	uri_in_buf(&a->uri);
}

static void
views_in_buf(const struct sip_msg *m)
{
	uint16_t i;

	in_buf(m->buf);
	in_buf(m->start_line);
	in_buf(m->method_raw);
	in_buf(m->version);
	in_buf(m->reason);
	if ((m->have & SIP_HAVE_START) && m->is_request)
		uri_in_buf(&m->ruri);
	for (i = 0; i < m->n_hdrs; i++) {
		in_buf(m->hdrs[i].name);
		in_buf(m->hdrs[i].value);
		in_buf((struct dg_pl){ m->hdrs[i].name.p, m->hdrs[i].line_len });
	}
	in_buf(m->hdrs_end);
	in_buf(m->body);
	for (i = 0; i < m->n_vias; i++) {
		const struct sip_via *v = &m->vias[i];

		in_buf(v->raw);
		in_buf(v->host);
		in_buf(v->branch);
		in_buf(v->received);
		in_buf(v->maddr);
		in_buf(v->params);
	}
	if (m->have & SIP_HAVE_FROM)
		addr_in_buf(&m->from);
	if (m->have & SIP_HAVE_TO)
		addr_in_buf(&m->to);
	if (m->have & SIP_HAVE_CALL_ID)
		in_buf(m->call_id);
	if (m->have & SIP_HAVE_CSEQ)
		in_buf(m->cseq.method_raw);
	if (m->have & SIP_HAVE_CONTENT_TYPE)
		in_buf(m->content_type);
	if (m->parsed & SIP_HDR_F_CONTACT)
		for (i = 0; i < m->n_contacts; i++)
			addr_in_buf(&m->contacts[i].addr);
	if (m->parsed & SIP_HDR_F_ROUTE)
		for (i = 0; i < m->n_routes; i++)
			in_buf(m->routes[i]);
}

static void
add(struct sip_edits *ed, enum sip_edit_op op, const char *val, uint32_t num)
{
	struct sip_edit e = { .op = op, .num = num };

	if (val != NULL)
		e.val = (struct dg_pl){ val, strlen(val) };
	if (sip_edits_add(ed, &e) != 0)
		abort();
}

/* A proxy's rewrite of msg (decoded without error): what the output
 * decodes to agrees with the edits. */
static void
check_edits(size_t seed)
{
	static const char via[] = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKfz;rport";
	struct sip_edits ed;
	struct sip_perr err;
	bool pop = (seed & 2) != 0 && msg.n_vias > 1;
	bool routes = (msg.parsed & (SIP_HDR_F_ROUTE | SIP_HDR_F_RECORD_ROUTE)) ==
		(SIP_HDR_F_ROUTE | SIP_HDR_F_RECORD_ROUTE);
	int vias;
	ssize_t n;

	if (msg.n_hdrs > SIP_MSG_MAX_HDRS - 4 || msg.n_vias >= SIP_MSG_MAX_VIAS)
		return;
	sip_edits_init(&ed);
	if (pop)
		add(&ed, SIP_EDIT_VIA_POP, NULL, 0);
	add(&ed, SIP_EDIT_VIA_PUSH, via, 0);
	add(&ed, SIP_EDIT_MAX_FORWARDS_SET, NULL, 42);
	add(&ed, SIP_EDIT_RR_PUSH, "<sip:192.0.2.10;lr>", 0);
	if (msg.is_request && (seed & 4))
		add(&ed, SIP_EDIT_RURI_SET, "sip:x@192.0.2.99:5080", 0);
	if (routes && msg.n_routes > 0 && (seed & 8))
		add(&ed, SIP_EDIT_ROUTE_POP, NULL, 0);
	if (seed & 16)
		add(&ed, SIP_EDIT_BODY_SET, "v=0\r\n", 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out));
	if (n < 0)
		return;
	lo = out;
	hi = out + n;
	if (sip_msg_decode(&msg2, out, (size_t)n, &err) != 0)
		abort();
	views_in_buf(&msg2);
	vias = msg.n_vias + 1 - (pop ? 1 : 0);
	if (msg2.n_vias != vias || msg2.vias[0].port != 5070 ||
	    msg2.max_forwards != 42 || msg2.method != msg.method ||
	    ((msg.have & SIP_HAVE_CALL_ID) &&
	     !dg_pl_eq(msg2.call_id, msg.call_id)) ||
	    ((msg.have & SIP_HAVE_CSEQ) && msg2.cseq.num != msg.cseq.num) ||
	    (msg.is_request && (seed & 4) && msg2.ruri.port != 5080) ||
	    ((seed & 16) ? msg2.body.len != 5 : !dg_pl_eq(msg2.body, msg.body)))
		abort();
	if (routes &&
	    sip_msg_parse_hdrs(&msg2, SIP_HDR_F_ROUTE | SIP_HDR_F_RECORD_ROUTE,
			       &err) == 0 &&
	    (msg2.n_rroutes != msg.n_rroutes + 1 ||
	     msg2.n_routes != msg.n_routes - ((msg.n_routes > 0 && (seed & 8)) ? 1 : 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sip_check_conf conf = { .uas = (size & 1) != 0 };
	struct sip_perr err;
	struct sip_hdr_iter it;
	struct dg_pl v;
	ssize_t fr, n;
	int r;

	lo = buf;
	hi = buf + size;
	fr = sip_msg_frame(buf, size, 65536);
	r = sip_msg_decode(&msg, buf, size, &err);
	views_in_buf(&msg);
	if (r != 0 && (err.reason == NULL || err.status < 400))
		abort();

	if (fr > 0 && size > 0 && buf[0] != '\r' && buf[0] != '\n') {
		/* the frame decodes to exactly the frame */
		if ((size_t)fr > size)
			abort();
		if (sip_msg_decode(&msg2, buf, (size_t)fr, &err) == 0 &&
		    msg2.buf.len != (size_t)fr)
			abort();
		if (r == 0 && (msg.have & SIP_HAVE_CONTENT_LENGTH) &&
		    msg.buf.len != (size_t)fr)
			abort();
	}
	if (r != 0) {
		if (sip_msg_can_respond(&msg)) {
			n = sip_resp_build(out, sizeof(out), &msg, err.status,
					   err.reason, "fz", err.hdrs);
			if (n <= 0 || memcmp(out, "SIP/2.0 ", 8) != 0)
				abort();
		}
		return 0;
	}

	(void)sip_msg_parse_hdrs(&msg, SIP_HDR_F_ALL, &err);
	views_in_buf(&msg);
	sip_hdr_iter_init(&it, &msg, SIP_HDR_SUPPORTED);
	while (sip_hdr_list_next(&it, &v) > 0)
		in_buf(v);
	if (msg.is_request)
		(void)sip_msg_check_request(&msg, &conf, &err);

	/* the writer adds Content-Length when it is missing: one line past
	 * the decoder's bound cannot be read back */
	if (!(msg.have & SIP_HAVE_CONTENT_LENGTH) &&
	    msg.n_hdrs == SIP_MSG_MAX_HDRS)
		return 0;
	n = sip_msg_write(&msg, NULL, out, sizeof(out));
	if (n < 0)
		return 0;
	lo = out;
	hi = out + n;
	if (sip_msg_decode(&msg2, out, (size_t)n, &err) != 0)
		abort();
	views_in_buf(&msg2);
	if (msg2.is_request != msg.is_request || msg2.method != msg.method ||
	    msg2.status != msg.status ||
	    (msg2.have & ~SIP_HAVE_CONTENT_LENGTH) !=
		    (msg.have & ~SIP_HAVE_CONTENT_LENGTH) ||
	    !dg_pl_eq(msg2.ruri_raw, msg.ruri_raw) ||
	    ((msg.have & SIP_HAVE_CALL_ID) &&
	     !dg_pl_eq(msg2.call_id, msg.call_id)) ||
	    ((msg.have & SIP_HAVE_CSEQ) && msg2.cseq.num != msg.cseq.num) ||
	    msg2.n_hdrs != msg.n_hdrs +
		    ((msg.have & SIP_HAVE_CONTENT_LENGTH) ? 0 : 1) ||
	    !dg_pl_eq(msg2.body, msg.body))
		abort();
	if (sip_msg_frame(out, (size_t)n, sizeof(out)) != n)
		abort();
	check_edits(size);
	return 0;
}
