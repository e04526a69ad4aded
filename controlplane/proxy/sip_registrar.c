/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One REGISTER as an operation object: the request copied and decoded
 * again (the store may answer later, after the receive buffer is gone),
 * the planned contacts, and the lookup -> replace chain on the store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_registrar.h"

/*
 * Attempts of the read-modify-write before giving up with 500. Every
 * round of a compare-and-swap race has a winner, so N writers of one AoR
 * at once need at most N attempts: 16 covers far more devices of one user
 * registering in the same instant than happens (4 refused some of 5+5
 * REGISTERs in flight through two nodes).
 */
#define SIP_REG_CAS_TRIES 16

struct reg_contact {
	struct dg_pl uri;
	uint32_t expires;
	uint16_t q;
	struct dg_pl instance;
	uint32_t reg_id;
};

struct reg_op {
	struct sip_loc *loc;
	struct sip_reg_conf conf;
	struct sip_loc_source src;
	sip_reg_done_fn done;
	void *arg;
	char aor[SIP_LOC_AOR_MAX];
	size_t aor_len;
	bool star;
	bool path_ok;			/* Supported: path */
	unsigned int n_contacts;
	struct reg_contact contacts[SIP_MSG_MAX_CONTACTS];
	unsigned int n_path;
	struct dg_pl path[SIP_LOC_PATH_MAX];
	unsigned int tries;
	/* the new binding set and the copies of old strings it points to */
	struct sip_loc_binding set[SIP_MSG_MAX_CONTACTS * 2 + 16];
	char *arena;
	struct sip_msg msg;
	size_t len;
	char buf[];
};

static uint64_t
reg_now(const struct reg_op *op)
{
	struct timespec ts;

	if (op->conf.clock != NULL)
		return op->conf.clock(op->conf.clock_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

enum sip_loc_transport
sip_reg_loc_transport(enum sip_transport tp)
{
	switch (tp) {
	case SIP_TP_TCP:
		return SIP_LOC_TP_TCP;
	case SIP_TP_TLS:
		return SIP_LOC_TP_TLS;
	case SIP_TP_SCTP:
		return SIP_LOC_TP_SCTP;
	case SIP_TP_WS:
		return SIP_LOC_TP_WS;
	case SIP_TP_WSS:
		return SIP_LOC_TP_WSS;
	default:
		return SIP_LOC_TP_UDP;
	}
}

static void
reg_finish(struct reg_op *op, int code, const char *reason, const char *hdrs)
{
	op->done(op->arg, code, reason, hdrs != NULL ? hdrs : "");
	free(op->arena);
	free(op);
}

/* The 200: every current binding with its remaining expiry, Path echoed. */
static void
reg_reply_ok(struct reg_op *op, const struct sip_loc_record *rec)
{
	char *h;
	size_t off = 0, cap = SIP_REG_HDRS_MAX;
	uint64_t now = reg_now(op);
	unsigned int i;
	int n;

	h = malloc(cap);
	if (h == NULL) {
		reg_finish(op, 500, "Server Internal Error", NULL);
		return;
	}
	h[0] = '\0';
	for (i = 0; rec != NULL && i < rec->n_bindings; i++) {
		const struct sip_loc_binding *b = &rec->bindings[i];
		uint64_t left = b->expires > now ? b->expires - now : 0;

		n = snprintf(h + off, cap - off, "Contact: <%.*s>;expires=%" PRIu64,
			(int)b->contact.len, b->contact.p, left);
		if (n < 0 || (size_t)n >= cap - off)
			break;
		off += (size_t)n;
		if (b->q != 1000) {
			n = snprintf(h + off, cap - off, ";q=%u.%03u",
				b->q / 1000, b->q % 1000);
			if (n < 0 || (size_t)n >= cap - off)
				break;
			off += (size_t)n;
		}
		if (cap - off < 3)
			break;
		memcpy(h + off, "\r\n", 3);
		off += 2;
	}
	if (op->path_ok && op->n_path > 0) {
		for (i = 0; i < op->n_path; i++) {
			n = snprintf(h + off, cap - off, "Path: <%.*s>\r\n",
				(int)op->path[i].len, op->path[i].p);
			if (n < 0 || (size_t)n >= cap - off)
				break;
			off += (size_t)n;
		}
	}
	if (cap - off > 20)
		off += (size_t)snprintf(h + off, cap - off, "Supported: path\r\n");
	reg_finish(op, 200, NULL, h);
	free(h);
}

static void reg_on_lookup(void *arg, int err, const struct sip_loc_record *rec);

static void
reg_on_replace(void *arg, int err, const struct sip_loc_record *rec)
{
	struct reg_op *op = arg;
	int ret;

	if (err == -ESTALE && ++op->tries < SIP_REG_CAS_TRIES) {
		free(op->arena);
		op->arena = NULL;
		ret = sip_loc_lookup(op->loc, (struct dg_pl){ op->aor, op->aor_len },
			reg_on_lookup, op);
		if (ret < 0)
			reg_finish(op, 503, "Location Service Unavailable",
				"Retry-After: 5\r\n");
		return;
	}
	if (err == -ENOSPC) {
		reg_finish(op, 403, "Too Many Registrations", NULL);
		return;
	}
	if (err < 0) {
		reg_finish(op, err == -ESTALE || err == -ENOMEM ? 500 : 503,
			err == -ESTALE ? "Concurrent Registrations" : NULL,
			err == -ESTALE ? "Retry-After: 1\r\n" :
			err == -ENOMEM ? NULL : "Retry-After: 5\r\n");
		return;
	}
	reg_reply_ok(op, rec);
}

/* Copies a view into the arena. */
static struct dg_pl
arena_put(char **pos, struct dg_pl pl)
{
	struct dg_pl out = { *pos, pl.len };

	if (pl.p == NULL)
		return DG_PL_NULL;
	if (pl.len > 0)
		memcpy(*pos, pl.p, pl.len);
	*pos += pl.len;
	return out;
}

static size_t
binding_bytes(const struct sip_loc_binding *b)
{
	size_t n = b->contact.len + b->call_id.len + b->instance.len +
		b->user_agent.len;
	unsigned int i;

	for (i = 0; i < b->n_path; i++)
		n += b->path[i].len;
	return n;
}

static int
reg_copy_old(struct reg_op *op, const struct sip_loc_record *rec,
		unsigned int *n_out)
{
	size_t bytes = 1;
	unsigned int i, j;
	char *pos;

	if (rec->n_bindings > SIP_MSG_MAX_CONTACTS + 16)
		return -ENOSPC;
	for (i = 0; i < rec->n_bindings; i++)
		bytes += binding_bytes(&rec->bindings[i]);
	op->arena = malloc(bytes);
	if (op->arena == NULL)
		return -ENOMEM;
	pos = op->arena;
	for (i = 0; i < rec->n_bindings; i++) {
		const struct sip_loc_binding *b = &rec->bindings[i];
		struct sip_loc_binding *c = &op->set[i];

		*c = *b;
		c->contact = arena_put(&pos, b->contact);
		c->call_id = arena_put(&pos, b->call_id);
		c->instance = arena_put(&pos, b->instance);
		c->user_agent = arena_put(&pos, b->user_agent);
		for (j = 0; j < b->n_path; j++)
			c->path[j] = arena_put(&pos, b->path[j]);
	}
	*n_out = rec->n_bindings;
	return 0;
}

static void
set_remove(struct reg_op *op, unsigned int *n, unsigned int i)
{
	memmove(&op->set[i], &op->set[i + 1], (*n - i - 1) * sizeof(op->set[0]));
	(*n)--;
}

static void
reg_on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	struct reg_op *op = arg;
	const struct sip_msg *msg = &op->msg;
	uint64_t now, version;
	unsigned int n = 0, i, j;
	int ret;

	if (err < 0) {
		reg_finish(op, 503, "Location Service Unavailable",
			"Retry-After: 5\r\n");
		return;
	}
	if (op->n_contacts == 0 && !op->star) {
		reg_reply_ok(op, rec);
		return;
	}
	ret = reg_copy_old(op, rec, &n);
	if (ret < 0) {
		reg_finish(op, 500, NULL, NULL);
		return;
	}
	version = rec->version;
	now = reg_now(op);
	/* Step 6/7 for "*": only bindings of another call or an older CSeq go. */
	if (op->star) {
		for (i = 0; i < n; i++) {
			if (dg_pl_eq(op->set[i].call_id, msg->call_id) &&
					msg->cseq.num <= op->set[i].cseq) {
				reg_finish(op, 500, "Out Of Order Request", NULL);
				return;
			}
		}
		n = 0;
	}
	for (j = 0; j < op->n_contacts; j++) {
		const struct reg_contact *c = &op->contacts[j];
		struct sip_loc_binding *b = NULL;

		for (i = 0; i < n; i++) {
			bool same_inst = dg_pl_isset(c->instance) && c->reg_id != 0 &&
				dg_pl_eq(op->set[i].instance, c->instance) &&
				op->set[i].reg_id == c->reg_id;

			if (same_inst || dg_pl_eq(op->set[i].contact, c->uri)) {
				b = &op->set[i];
				break;
			}
		}
		if (b != NULL && dg_pl_eq(b->call_id, msg->call_id) &&
				msg->cseq.num <= b->cseq) {
			reg_finish(op, 500, "Out Of Order Request", NULL);
			return;
		}
		if (c->expires == 0) {
			if (b != NULL)
				set_remove(op, &n, (unsigned int)(b - op->set));
			continue;
		}
		if (b == NULL) {
			if (n >= sizeof(op->set) / sizeof(op->set[0])) {
				reg_finish(op, 403, "Too Many Registrations", NULL);
				return;
			}
			b = &op->set[n++];
		}
		memset(b, 0, sizeof(*b));
		b->contact = c->uri;
		b->source = op->src;
		b->n_path = op->n_path;
		for (i = 0; i < op->n_path; i++)
			b->path[i] = op->path[i];
		b->q = c->q;
		b->expires = now + c->expires;
		b->call_id = msg->call_id;
		b->cseq = msg->cseq.num;
		b->instance = c->instance;
		b->reg_id = c->reg_id;
		if (msg->parsed & SIP_HDR_F_USER_AGENT)
			b->user_agent = msg->user_agent;
	}
	ret = sip_loc_replace(op->loc, (struct dg_pl){ op->aor, op->aor_len },
		op->set, n, version, reg_on_replace, op);
	if (ret == -EINVAL) {
		reg_finish(op, 400, "Invalid Contact", NULL);
		return;
	}
	if (ret < 0)
		reg_finish(op, 503, "Location Service Unavailable",
			"Retry-After: 5\r\n");
}

/* The user part of a URI, unescaped, for the step 4 comparison. */
static bool
user_is(const struct sip_uri *uri, struct dg_pl user)
{
	char tmp[256];
	ssize_t n;

	n = sip_pl_unescape(uri->user, tmp, sizeof(tmp));
	return n >= 0 && (size_t)n == user.len &&
		memcmp(tmp, user.p, user.len) == 0;
}

/* Parses and checks the request; returns 0 or a status for the answer. */
static int
reg_prepare(struct reg_op *op, struct dg_pl auth_user, const char **reason,
		char *hdrs, size_t hcap)
{
	struct sip_msg *msg = &op->msg;
	struct sip_perr perr;
	struct sip_addr pa;
	unsigned int i;
	int n;

	if (sip_msg_parse_hdrs(msg, SIP_HDR_F_CONTACT | SIP_HDR_F_EXPIRES |
			SIP_HDR_F_PATH | SIP_HDR_F_SUPPORTED |
			SIP_HDR_F_USER_AGENT, &perr) < 0) {
		*reason = perr.reason;
		return 400;
	}
	n = sip_loc_aor_canon(msg->to.uri.raw, op->aor, sizeof(op->aor));
	if (n < 0) {
		*reason = "To is not a SIP address-of-record";
		return n == -ENAMETOOLONG ? 400 : 404;
	}
	op->aor_len = (size_t)n;
	if (dg_pl_isset(auth_user) && (!user_is(&msg->to.uri, auth_user) ||
			!user_is(&msg->from.uri, auth_user))) {
		*reason = "Not Allowed To Register This AoR";
		return 403;
	}
	for (i = 0; i < msg->n_supported; i++)
		if (dg_pl_eq_str_nocase(msg->supported[i], "path"))
			op->path_ok = true;
	if (msg->n_paths > SIP_LOC_PATH_MAX) {
		*reason = "Too Many Path Entries";
		return 400;
	}
	for (i = 0; i < msg->n_paths; i++) {
		if (sip_addr_decode(&pa, msg->paths[i], NULL) < 0) {
			*reason = "Malformed Path";
			return 400;
		}
		op->path[op->n_path++] = pa.uri.raw;
	}
	if (msg->contact_star) {
		if (msg->n_contacts > 0 || !msg->has_expires ||
				msg->expires != 0) {
			*reason = "Contact: * needs Expires: 0 and no other contact";
			return 400;
		}
		op->star = true;
		return 0;
	}
	for (i = 0; i < msg->n_contacts; i++) {
		const struct sip_contact *c = &msg->contacts[i];
		struct reg_contact *rc = &op->contacts[i];
		uint32_t exp;
		struct dg_pl v;

		exp = c->has_expires ? c->expires :
			msg->has_expires ? msg->expires :
			op->conf.default_expires;
		if (exp != 0 && exp < op->conf.min_expires) {
			snprintf(hdrs, hcap, "Min-Expires: %u\r\n",
				op->conf.min_expires);
			*reason = NULL;
			return 423;
		}
		if (exp > op->conf.max_expires)
			exp = op->conf.max_expires;
		rc->uri = c->addr.uri.raw;
		rc->expires = exp;
		rc->q = c->has_q ? c->q : 1000;
		if (sip_param_find(c->addr.params, "+sip.instance", &v))
			rc->instance = v;
		if (sip_param_find(c->addr.params, "reg-id", &v)) {
			unsigned long id = 0;
			size_t k;

			for (k = 0; k < v.len && v.p[k] >= '0' && v.p[k] <= '9' &&
					id < 100000000; k++)
				id = id * 10 + (unsigned long)(v.p[k] - '0');
			rc->reg_id = (uint32_t)id;
		}
	}
	op->n_contacts = msg->n_contacts;
	return 0;
}

int
sip_reg_handle(struct sip_loc *loc, const struct sip_reg_conf *conf,
		const char *buf, size_t len, const struct sip_loc_source *src,
		struct dg_pl auth_user, sip_reg_done_fn done, void *arg)
{
	struct sip_perr perr;
	const char *reason = NULL;
	struct reg_op *op;
	char hdrs[64] = "";
	int code, err;

	op = calloc(1, sizeof(*op) + len + 1);
	if (op == NULL)
		return -ENOMEM;
	memcpy(op->buf, buf, len);
	op->len = len;
	if (sip_msg_decode(&op->msg, op->buf, len, &perr) < 0 ||
			!op->msg.is_request) {
		free(op);
		return -EBADMSG;
	}
	op->loc = loc;
	op->conf = *conf;
	op->src = *src;
	op->done = done;
	op->arg = arg;
	code = reg_prepare(op, auth_user, &reason, hdrs, sizeof(hdrs));
	if (code != 0) {
		reg_finish(op, code, reason, hdrs);
		return 0;
	}
	err = sip_loc_lookup(loc, (struct dg_pl){ op->aor, op->aor_len },
		reg_on_lookup, op);
	if (err == -EINVAL) {
		reg_finish(op, 404, "Not A Local Address-Of-Record", NULL);
		return 0;
	}
	if (err < 0)
		reg_finish(op, 503, "Location Service Unavailable",
			"Retry-After: 5\r\n");
	return 0;
}
