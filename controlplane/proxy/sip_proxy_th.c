/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology hiding of a route: the header rewrites (pure functions), the
 * token table that maps the proxy's Contact back to each side, and the
 * proxy's hooks that apply them to the requests and responses of a call
 * taken by a topology-hiding rule and to the in-dialog requests sent to
 * a token (see sip_proxy_th.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sip_proxy_priv.h"
#include "sip_proxy_th.h"
#include "sip_proxy_util.h"

#define SIP_TH_BUCKETS 1024u
#define SIP_TH_SWEEP 2u

struct sip_th {
	struct sip_th_entry *buckets[SIP_TH_BUCKETS];
	uint64_t next_id;
	unsigned int sweep;
	size_t count;
};

int
sip_th_token(char *buf, size_t cap, uint64_t id, bool to_caller)
{
	int n = snprintf(buf, cap, "dgth%016" PRIx64 "%c", id,
		to_caller ? 'a' : 'b');

	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
sip_th_token_parse(struct dg_pl user, uint64_t *id, bool *to_caller)
{
	uint64_t v = 0;
	size_t i;
	char c;

	if (user.len != SIP_TH_TOKEN_LEN || memcmp(user.p, "dgth", 4) != 0)
		return -ENOENT;
	for (i = 4; i < 20; i++) {
		c = user.p[i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -ENOENT;
	}
	c = user.p[20];
	if (c != 'a' && c != 'b')
		return -ENOENT;
	*id = v;
	*to_caller = c == 'a';
	return 0;
}

int
sip_th_contact(char *buf, size_t cap, const struct sockaddr_storage *addr,
		enum sip_transport tp, uint64_t id, bool to_caller)
{
	char tok[SIP_TH_TOKEN_LEN + 1];
	struct dg_pl user = DG_PL_NULL;
	int n;

	if (id != 0) {
		n = sip_th_token(tok, sizeof(tok), id, to_caller);
		if (n < 0)
			return n;
		user = (struct dg_pl){ tok, (size_t)n };
	}
	/* Our Record-Route value is the same URI with ";lr", which a Contact does not take. */
	n = sip_rr_value(buf, cap, addr, tp, user);
	if (n < 0)
		return n;
	n -= 4;
	memcpy(buf + n, ">", 2);
	return n + 1;
}

int
sip_th_join(char *buf, size_t cap, const struct dg_pl *vals, unsigned int n,
		bool reverse)
{
	size_t off = 0;
	unsigned int i;
	int w;

	if (cap > 0)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct dg_pl *v = &vals[reverse ? n - 1 - i : i];

		w = snprintf(buf + off, cap - off, "%s%.*s", i > 0 ? ", " : "",
			(int)v->len, v->p);
		if (w < 0 || (size_t)w >= cap - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return (int)off;
}

int
sip_th_vias(char *buf, size_t cap, const struct sip_msg *req,
		const struct sockaddr_storage *src)
{
	struct dg_pl vals[SIP_MSG_MAX_VIAS];
	char top[1024];
	unsigned int i;
	int n;

	if (req->n_vias == 0)
		return -EINVAL;
	for (i = 0; i < req->n_vias && i < SIP_MSG_MAX_VIAS; i++)
		vals[i] = req->vias[i].raw;
	n = sip_proxy_via_received(&req->vias[0], src, top, sizeof(top));
	if (n < 0)
		return n;
	if (n > 0)
		vals[0] = (struct dg_pl){ top, (size_t)n };
	return sip_th_join(buf, cap, vals, i, false);
}

static int
sip_th_edit(struct sip_edits *ed, enum sip_edit_op op, enum sip_hdr_id id,
		struct dg_pl name, struct dg_pl val)
{
	struct sip_edit e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.id = id;
	e.name = name;
	e.val = val;
	return sip_edits_add(ed, &e);
}

/* Record-Route and Contact: the part both directions share. */
static int
sip_th_rr_contact_edits(const struct sip_msg *msg, struct dg_pl rr,
		struct dg_pl contact, struct sip_edits *ed)
{
	int err;

	/* Every line of the id goes; the one we add comes after the last header. */
	err = sip_th_edit(ed, SIP_EDIT_HDR_DEL, SIP_HDR_RECORD_ROUTE, DG_PL_NULL,
		DG_PL_NULL);
	if (err == 0 && dg_pl_isset(rr))
		err = sip_th_edit(ed, SIP_EDIT_HDR_ADD, SIP_HDR_OTHER,
			DG_PL("Record-Route"), rr);
	if (err == 0 && dg_pl_isset(contact) &&
			sip_msg_hdr_first(msg, SIP_HDR_CONTACT) != NULL) {
		err = sip_th_edit(ed, SIP_EDIT_HDR_DEL, SIP_HDR_CONTACT,
			DG_PL_NULL, DG_PL_NULL);
		if (err == 0)
			err = sip_th_edit(ed, SIP_EDIT_HDR_ADD, SIP_HDR_OTHER,
				DG_PL("Contact"), contact);
	}
	return err;
}

int
sip_th_request_edits(const struct sip_msg *msg, struct dg_pl rr,
		struct dg_pl contact, struct sip_edits *ed)
{
	int err;

	err = sip_th_edit(ed, SIP_EDIT_HDR_DEL, SIP_HDR_VIA, DG_PL_NULL,
		DG_PL_NULL);
	if (err < 0)
		return err;
	return sip_th_rr_contact_edits(msg, rr, contact, ed);
}

int
sip_th_response_edits(const struct sip_msg *rsp, struct dg_pl vias,
		struct dg_pl rr, struct dg_pl contact, struct sip_edits *ed)
{
	int err;

	err = sip_th_edit(ed, SIP_EDIT_HDR_DEL, SIP_HDR_VIA, DG_PL_NULL,
		DG_PL_NULL);
	if (err == 0)
		err = sip_th_edit(ed, SIP_EDIT_VIA_PUSH, SIP_HDR_VIA, DG_PL_NULL,
			vias);
	if (err < 0)
		return err;
	return sip_th_rr_contact_edits(rsp, rr, contact, ed);
}

static void
sip_th_side_clear(struct sip_th_side *s)
{
	free(s->contact);
	free(s->route);
	memset(s, 0, sizeof(*s));
}

int
sip_th_side_set(struct sip_th_side *s, struct dg_pl contact,
		const struct dg_pl *routes, unsigned int n_routes,
		const struct sip_txn_dest *fallback, bool use_fallback)
{
	struct sip_th_side ns;
	struct sip_uri uri;
	char buf[4096];
	int n;

	memset(&ns, 0, sizeof(ns));
	ns.contact = strndup(contact.p, contact.len);
	if (ns.contact == NULL)
		return -ENOMEM;
	if (n_routes > 0) {
		n = sip_th_join(buf, sizeof(buf), routes, n_routes, false);
		if (n < 0 || sip_rr_value_uri(routes[0], &uri) < 0) {
			sip_th_side_clear(&ns);
			return -EBADMSG;
		}
		ns.route = strndup(buf, (size_t)n);
		if (ns.route == NULL) {
			sip_th_side_clear(&ns);
			return -ENOMEM;
		}
		ns.have_dst = sip_proxy_uri_dest(&uri, &ns.dst) == 0;
	} else if (!use_fallback && sip_uri_decode(&uri, contact.p, contact.len) == 0 &&
			sip_proxy_uri_dest(&uri, &ns.dst) == 0) {
		ns.have_dst = true;
	}
	if (!ns.have_dst && fallback != NULL) {
		ns.dst = *fallback;
		ns.have_dst = true;
	}
	sip_th_side_clear(s);
	*s = ns;
	return 0;
}

int
sip_th_create(struct sip_th **out)
{
	struct sip_th *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	/* Tokens are not guessable from one call to the next. */
	if (getrandom(&t->next_id, sizeof(t->next_id), GRND_NONBLOCK) !=
			(ssize_t)sizeof(t->next_id))
		t->next_id = (uint64_t)(uintptr_t)t;
	*out = t;
	return 0;
}

static void
sip_th_entry_free(struct sip_th_entry *e)
{
	sip_th_side_clear(&e->caller);
	sip_th_side_clear(&e->callee);
	(void)sip_dialog_put(e->dlg);
	free(e);
}

void
sip_th_destroy(struct sip_th *t)
{
	struct sip_th_entry *e, *n;
	unsigned int i;

	if (t == NULL)
		return;
	for (i = 0; i < SIP_TH_BUCKETS; i++)
		for (e = t->buckets[i]; e != NULL; e = n) {
			n = e->next;
			sip_th_entry_free(e);
		}
	free(t);
}

static void
sip_th_sweep(struct sip_th *t)
{
	struct sip_th_entry **pp, *e;
	unsigned int k;

	for (k = 0; k < SIP_TH_SWEEP; k++) {
		pp = &t->buckets[t->sweep++ % SIP_TH_BUCKETS];
		while ((e = *pp) != NULL) {
			if (e->dlg->state == SIP_DIALOG_TERMINATED) {
				*pp = e->next;
				sip_th_entry_free(e);
				t->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

int
sip_th_add(struct sip_th *t, struct sip_dialog *dlg, struct sip_th_entry **out)
{
	struct sip_th_entry *e;
	unsigned int b;

	sip_th_sweep(t);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	do
		e->id = ++t->next_id;
	while (e->id == 0);
	e->dlg = sip_dialog_get(dlg);
	b = (unsigned int)(e->id % SIP_TH_BUCKETS);
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	*out = e;
	return 0;
}

struct sip_th_entry *
sip_th_find(struct sip_th *t, uint64_t id)
{
	struct sip_th_entry *e;

	for (e = t->buckets[id % SIP_TH_BUCKETS]; e != NULL; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

size_t
sip_th_count(const struct sip_th *t)
{
	return t->count;
}

int
sip_px_th_begin(struct sip_px_call *call, struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_proxy *p = call->p;
	struct sip_perr perr;
	struct sip_th_entry *e;
	unsigned int i;
	int err;

	call->th = true;
	call->th_to_caller = false;
	call->th_id = 0;
	if (sip_px_dialog_creating(msg) && msg->method == SIP_METHOD_INVITE) {
		if (call->dlg == NULL)
			return -ENOSPC;
		if (sip_msg_parse_hdrs(msg, SIP_HDR_F_CONTACT |
				SIP_HDR_F_RECORD_ROUTE, &perr) < 0 ||
				msg->n_contacts == 0)
			return -EBADMSG;
		err = sip_th_add(p->th, call->dlg, &e);
		if (err < 0)
			return err;
		/* Without a Route set the caller is reached where it sends from (NAT). */
		err = sip_th_side_set(&e->caller, msg->contacts[0].addr.uri.raw,
			msg->rroutes, msg->n_rroutes, src, true);
		if (err < 0)
			return err;
		call->th_id = e->id;
	}
	for (i = 0; i < call->n_targets; i++) {
		call->targets[i].th = true;
		call->targets[i].th_id = call->th_id;
		call->targets[i].th_to_caller = false;
	}
	return 0;
}

/* The target of a request to one of our tokens: 1 taken, 0 not a token, -ENOENT unknown. */
static int
sip_px_th_target(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_rr_plan *plan, struct sip_px_target *t)
{
	const struct sip_th_side *side;
	struct sip_th_entry *e;
	struct sip_uri ruri;
	bool to_caller;
	uint64_t id;

	if (plan->next_is_route || plan->strict_next ||
			sip_uri_decode(&ruri, plan->ruri.p, plan->ruri.len) < 0 ||
			sip_th_token_parse(ruri.user, &id, &to_caller) < 0 ||
			!p->env.is_ours(p->env.arg, &ruri))
		return 0;
	e = sip_th_find(p->th, id);
	/* The token alone opens nothing: the request must be of that dialog. */
	if (e == NULL || !dg_pl_eq(msg->call_id, (struct dg_pl){ e->dlg->call_id,
			strlen(e->dlg->call_id) }))
		return -ENOENT;
	side = to_caller ? &e->caller : &e->callee;
	if (side->contact == NULL || !side->have_dst)
		return -ENOENT;
	memset(t, 0, sizeof(*t));
	t->ruri = strdup(side->contact);
	t->route = side->route != NULL ? strdup(side->route) : NULL;
	if (t->ruri == NULL || (side->route != NULL && t->route == NULL)) {
		free(t->ruri);
		free(t->route);
		t->ruri = t->route = NULL;
		return -ENOMEM;
	}
	t->dst = side->dst;
	t->th = true;
	t->th_id = id;
	t->th_to_caller = to_caller;
	return 1;
}

/*
 * A target refresh (RFC 3261 section 12.2): the side's new Contact. The
 * Route set stays; a callee without one is reached at its Contact, a
 * caller without one where it sends from.
 */
static void
sip_px_th_refresh(struct sip_proxy *p, uint64_t id, bool caller,
		const struct sip_msg *msg)
{
	struct sip_th_entry *e = sip_th_find(p->th, id);
	struct sip_th_side *s;
	struct sip_txn_dest d;
	struct sip_uri uri;
	struct dg_pl c;
	char *nc;

	if (e == NULL || msg->n_contacts == 0)
		return;
	s = caller ? &e->caller : &e->callee;
	c = msg->contacts[0].addr.uri.raw;
	if (s->contact != NULL && strlen(s->contact) == c.len &&
			memcmp(s->contact, c.p, c.len) == 0)
		return;
	nc = strndup(c.p, c.len);
	if (nc == NULL)
		return;
	free(s->contact);
	s->contact = nc;
	if (!caller && s->route == NULL && sip_uri_decode(&uri, c.p, c.len) == 0 &&
			sip_proxy_uri_dest(&uri, &d) == 0) {
		s->dst = d;
		s->have_dst = true;
	}
}

static bool
sip_px_th_refreshing(enum sip_method m)
{
	return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE;
}

int
sip_px_th_route(struct sip_px_call *call, struct sip_msg *msg,
		const struct sip_rr_plan *plan)
{
	struct sip_perr perr;
	int r = sip_px_th_target(call->p, msg, plan, &call->targets[0]);

	if (r == 0)
		return 0;
	if (r < 0) {
		sip_px_call_reply(call, r == -ENOMEM ? 500 : 481, NULL, NULL);
		return 1;
	}
	call->n_targets = 1;
	call->failover = true;
	call->th = true;
	call->th_id = call->targets[0].th_id;
	call->th_to_caller = call->targets[0].th_to_caller;
	/* The sender is the side the token does not name. */
	if (sip_px_th_refreshing(msg->method) &&
			sip_msg_parse_hdrs(msg, SIP_HDR_F_CONTACT, &perr) == 0)
		sip_px_th_refresh(call->p, call->th_id, !call->th_to_caller, msg);
	sip_px_maybe_final(call);
	return 1;
}

int
sip_px_th_ack_target(struct sip_proxy *p, const struct sip_msg *msg,
		const struct sip_rr_plan *plan, struct sip_px_target *t)
{
	return sip_px_th_target(p, msg, plan, t);
}

int
sip_px_th_request_edits(const struct sip_msg *msg, const struct sip_px_target *t,
		const struct sockaddr_storage *laddr, enum sip_transport ltp,
		struct dg_pl rr, char *cbuf, size_t ccap, struct sip_edits *ed)
{
	int n;

	/* The Contact names the proxy with the token of the sender's side. */
	n = sip_th_contact(cbuf, ccap, laddr, ltp, t->th_id, !t->th_to_caller);
	if (n < 0)
		return n;
	return sip_th_request_edits(msg, rr,
		(struct dg_pl){ cbuf, (size_t)n }, ed);
}

/* The first 1xx (with a tag) or 2xx of a hidden INVITE tells us the callee. */
static void
sip_px_th_learn_callee(struct sip_proxy *p, uint64_t id, const struct sip_msg *rsp,
		const struct sip_txn_dest *from)
{
	struct dg_pl routes[SIP_MSG_MAX_ROUTES];
	struct sip_th_entry *e = sip_th_find(p->th, id);
	unsigned int i, n;

	if (e == NULL || rsp->n_contacts == 0 || rsp->to.tag.len == 0 ||
			(rsp->status < 200 && e->callee.contact != NULL))
		return;
	/* Ours is the last entry; those above it, nearest first, lead to the callee. */
	n = rsp->n_rroutes > 0 ? rsp->n_rroutes - 1u : 0;
	for (i = 0; i < n; i++)
		routes[i] = rsp->rroutes[n - 1 - i];
	(void)sip_th_side_set(&e->callee, rsp->contacts[0].addr.uri.raw, routes,
		n, from, false);
}

ssize_t
sip_px_relay_response(struct sip_px_call *call, const struct sip_msg *msg,
		const struct sip_txn_dest *from)
{
	struct sip_proxy *p = call->p;
	char vias[4096], rr[4096], contact[320];
	struct dg_pl rrv = DG_PL_NULL;
	const struct sip_txn_dest *src;
	struct sockaddr_storage inaddr;
	struct sip_perr perr;
	struct sip_edits ed;
	struct dg_pl raw;
	int nv, n, c;

	if (!call->th)
		return sip_px_strip_via(p, msg);
	if (call->st == NULL)
		return -ENOENT;
	raw = sip_txn_request(call->st);
	src = sip_txn_dest(call->st);
	if (sip_msg_decode(&p->lreq, raw.p, raw.len, &perr) < 0 ||
			sip_msg_parse_hdrs(&p->lreq, SIP_HDR_F_RECORD_ROUTE, &perr) < 0 ||
			sip_msg_decode(&p->tmp, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(&p->tmp, SIP_HDR_F_CONTACT |
				SIP_HDR_F_RECORD_ROUTE, &perr) < 0)
		return -EBADMSG;
	if (p->env.inbound(p->env.arg, src, &inaddr) < 0)
		return -EAFNOSUPPORT;
	nv = sip_th_vias(vias, sizeof(vias), &p->lreq, &src->addr);
	if (nv < 0)
		return nv;
	if (sip_px_dialog_creating(&p->lreq) && msg->status > 100 &&
			msg->status < 300) {
		if (call->th_id != 0 && call->method == SIP_METHOD_INVITE)
			sip_px_th_learn_callee(p, call->th_id, &p->tmp, from);
		/* The caller's route set: us, then the proxies on its side. */
		n = sip_rr_value(rr, sizeof(rr), &inaddr, src->transport, DG_PL_NULL);
		if (n < 0)
			return n;
		if (p->lreq.n_rroutes > 0) {
			if ((size_t)n + 2 >= sizeof(rr))
				return -ENOSPC;
			memcpy(rr + n, ", ", 3);
			c = sip_th_join(rr + n + 2, sizeof(rr) - (size_t)n - 2,
				p->lreq.rroutes, p->lreq.n_rroutes, false);
			if (c < 0)
				return c;
			n += 2 + c;
		}
		rrv = (struct dg_pl){ rr, (size_t)n };
	} else if (call->th_id != 0 && sip_px_th_refreshing(p->lreq.method) &&
			msg->status >= 200 && msg->status < 300) {
		/* The responder is the side the request went to. */
		sip_px_th_refresh(p, call->th_id, call->th_to_caller, &p->tmp);
	}
	c = sip_th_contact(contact, sizeof(contact), &inaddr, src->transport,
		call->th_id, call->th_to_caller);
	if (c < 0)
		return c;
	sip_edits_init(&ed);
	n = sip_th_response_edits(&p->tmp, (struct dg_pl){ vias, (size_t)nv }, rrv,
		(struct dg_pl){ contact, (size_t)c }, &ed);
	if (n < 0)
		return n;
	return sip_msg_write(&p->tmp, &ed, p->out_rsp, sizeof(p->out_rsp));
}
