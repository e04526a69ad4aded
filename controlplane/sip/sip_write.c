/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer: a new message from a decoded one plus edits (push/pop Via,
 * push Record-Route, pop Route, new Request-URI, Max-Forwards, body, added
 * and removed headers). Unchanged header lines are gathered into runs and
 * each run is copied with one memcpy, so a message forwarded with a Via
 * pushed and Max-Forwards decremented costs a handful of copies.
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "sip_msg.h"
#include "sip_parse.h"

void
sip_edits_init(struct sip_edits *ed)
{
	ed->n = 0;
}

int
sip_edits_add(struct sip_edits *ed, const struct sip_edit *e)
{
	if (ed->n >= SIP_EDITS_MAX)
		return -ENOSPC;
	ed->e[ed->n++] = *e;
	return 0;
}

struct wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static inline void
w_put(struct wbuf *w, const char *s, size_t n)
{
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
w_hdr(struct wbuf *w, struct dg_pl name, struct dg_pl val)
{
	w_put(w, name.p, name.len);
	w_put(w, ": ", 2);
	w_put(w, val.p, val.len);
	w_put(w, "\r\n", 2);
}

/* printf would cost more than the rest of a rewrite */
static void
w_num_hdr(struct wbuf *w, struct dg_pl name, unsigned long v)
{
	char num[24];
	char *p = num + sizeof(num);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	w_hdr(w, name, sip_pl(p, num + sizeof(num)));
}

/* The pushes of one kind, last one first so that it ends up on top. */
static void
w_pushes(struct wbuf *w, const struct sip_edits *ed, enum sip_edit_op op,
	 const char *name)
{
	unsigned int i;

	for (i = ed->n; i-- > 0;)
		if (ed->e[i].op == op)
			w_hdr(w, (struct dg_pl){ .p = name, .len = strlen(name) },
			      ed->e[i].val);
}

/* What is left of Route line h once its first value is gone; false when
 * the line holds no value (an empty "Route:" line is not the first). */
static bool
route_rest(const struct sip_hdr *h, struct dg_pl *rest)
{
	const char *pos = h->value.p, *end = h->value.p + h->value.len;
	struct dg_pl v;
	int r;

	while ((r = sip_list_split(&pos, end, &v)) > 0)
		if (v.len > 0) {
			*rest = sip_pl_trim(sip_pl(pos, end));
			return true;
		}
	return false;
}

static bool
deleted(const struct sip_edits *ed, const struct sip_hdr *h)
{
	unsigned int i;

	for (i = 0; i < ed->n; i++)
		if (ed->e[i].op == SIP_EDIT_HDR_DEL &&
		    (ed->e[i].hdr == h ||
		     (ed->e[i].hdr == NULL && ed->e[i].id == h->id &&
		      (h->id != SIP_HDR_OTHER ||
		       dg_pl_eq_nocase(ed->e[i].name, h->name)))))
			return true;
	return false;
}

ssize_t
sip_msg_write(const struct sip_msg *msg, const struct sip_edits *ed,
	      char *out, size_t cap)
{
	static const struct sip_edits none;
	struct wbuf w = { .p = out, .cap = cap };
	const struct sip_edit *ruri = NULL, *mf = NULL, *body = NULL;
	const struct sip_hdr *via1, *route1, *rr1, *mf1;
	const char *run = NULL, *run_end = NULL;
	struct dg_pl route_left = DG_PL_NULL;
	unsigned int i, via_pop = 0, route_pop = 0, via_push = 0, rr_push = 0;
	bool wrote_cl = false, rr_after_vias;
	uint16_t k, last_via = 0;

	if (ed == NULL)
		ed = &none;
	for (i = 0; i < ed->n; i++) {
		switch (ed->e[i].op) {
		case SIP_EDIT_VIA_PUSH: via_push++; break;
		case SIP_EDIT_VIA_POP: via_pop++; break;
		case SIP_EDIT_RR_PUSH: rr_push++; break;
		case SIP_EDIT_RURI_SET: ruri = &ed->e[i]; break;
		case SIP_EDIT_ROUTE_POP: route_pop++; break;
		case SIP_EDIT_MAX_FORWARDS_SET: mf = &ed->e[i]; break;
		case SIP_EDIT_BODY_SET: body = &ed->e[i]; break;
		case SIP_EDIT_HDR_ADD:
		case SIP_EDIT_HDR_DEL:
			break;
		default:
			return -EINVAL;
		}
	}
	via1 = sip_msg_hdr_first(msg, SIP_HDR_VIA);
	for (route1 = sip_msg_hdr_first(msg, SIP_HDR_ROUTE); route1 != NULL;
	     route1 = sip_msg_hdr_next(msg, route1))
		if (route_rest(route1, &route_left))
			break;
	rr1 = sip_msg_hdr_first(msg, SIP_HDR_RECORD_ROUTE);
	mf1 = sip_msg_hdr_first(msg, SIP_HDR_MAX_FORWARDS);
	if ((ruri != NULL && !msg->is_request) || via_pop > 1 ||
	    route_pop > 1 || (via_pop && (via1 == NULL || msg->n_vias == 0)) ||
	    (route_pop && route1 == NULL))
		return -EINVAL;

	/* start line */
	if (ruri != NULL) {
		w_put(&w, msg->method_raw.p, msg->method_raw.len);
		w_put(&w, " ", 1);
		w_put(&w, ruri->val.p, ruri->val.len);
		w_put(&w, " ", 1);
		w_put(&w, msg->version.p, msg->version.len);
		w_put(&w, "\r\n", 2);
	} else {
		const char *hs = msg->n_hdrs > 0 ? msg->hdrs[0].name.p :
			msg->hdrs_end.p;

		w_put(&w, msg->buf.p, (size_t)(hs - msg->buf.p));
	}
	/*
	 * A first Record-Route goes below the last Via line: between Via
	 * lines it would split the Via list, which peers that copy "the
	 * Vias" as a block (to build a response) get wrong.
	 */
	for (k = 0; k < msg->n_hdrs; k++)
		if (msg->hdrs[k].id == SIP_HDR_VIA)
			last_via = (uint16_t)(k + 1);
	rr_after_vias = rr_push && rr1 == NULL && last_via > 0;
	if (via_push)
		w_pushes(&w, ed, SIP_EDIT_VIA_PUSH, "Via");
	if (rr_push && rr1 == NULL && !rr_after_vias)
		w_pushes(&w, ed, SIP_EDIT_RR_PUSH, "Record-Route");

	for (k = 0; k < msg->n_hdrs; k++) {
		const struct sip_hdr *h = &msg->hdrs[k];
		bool keep = true;

		if (rr_after_vias && k == last_via) {
			if (run != NULL) {
				w_put(&w, run, (size_t)(run_end - run));
				run = NULL;
			}
			w_pushes(&w, ed, SIP_EDIT_RR_PUSH, "Record-Route");
		}
		if (h == rr1 && rr_push) {
			keep = false;
		} else if (deleted(ed, h)) {
			keep = false;
		} else if ((h == via1 && via_pop) || (h == route1 && route_pop) ||
			   (h == mf1 && mf != NULL) ||
			   (h->id == SIP_HDR_CONTENT_LENGTH && body != NULL)) {
			keep = false;
		}
		if (keep) {
			if (run == NULL)
				run = h->name.p;
			run_end = h->name.p + h->line_len;
			if (h->id == SIP_HDR_CONTENT_LENGTH)
				wrote_cl = true;
			continue;
		}
		if (run != NULL) {
			w_put(&w, run, (size_t)(run_end - run));
			run = NULL;
		}
		if (deleted(ed, h))
			continue;
		if (h == rr1 && rr_push) {
			w_pushes(&w, ed, SIP_EDIT_RR_PUSH, "Record-Route");
			w_put(&w, h->name.p, h->line_len);
		} else if (h == via1 && via_pop) {
			/* drop the first value; keep the rest of the line */
			if (msg->n_vias > 1 && msg->vias[1].hdr_idx == k)
				w_hdr(&w, h->name,
				      sip_pl(msg->vias[1].raw.p,
					     h->value.p + h->value.len));
		} else if (h == route1 && route_pop) {
			if (route_left.len > 0)
				w_hdr(&w, h->name, route_left);
		} else if (h == mf1 && mf != NULL) {
			w_num_hdr(&w, h->name, mf->num);
		} else if (h->id == SIP_HDR_CONTENT_LENGTH && !wrote_cl) {
			w_num_hdr(&w, h->name, body->val.len);
			wrote_cl = true;
		}
	}
	if (run != NULL)
		w_put(&w, run, (size_t)(run_end - run));
	if (rr_after_vias && last_via == msg->n_hdrs)
		w_pushes(&w, ed, SIP_EDIT_RR_PUSH, "Record-Route");

	if (mf != NULL && mf1 == NULL)
		w_num_hdr(&w, DG_PL("Max-Forwards"), mf->num);
	for (i = 0; i < ed->n; i++)
		if (ed->e[i].op == SIP_EDIT_HDR_ADD)
			w_hdr(&w, ed->e[i].name, ed->e[i].val);
	if (!wrote_cl)
		w_num_hdr(&w, DG_PL("Content-Length"),
			  body != NULL ? body->val.len : msg->body.len);
	if (msg->hdrs_end.p != NULL)
		w_put(&w, msg->hdrs_end.p, msg->hdrs_end.len);
	else
		w_put(&w, "\r\n", 2);
	if (body != NULL)
		w_put(&w, body->val.p, body->val.len);
	else
		w_put(&w, msg->body.p, msg->body.len);
	if (w.full)
		return -ENOSPC;
	return (ssize_t)w.len;
}
