/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dialog table: a hash on Call-ID with chains, records with their own
 * timer (early timeout, then max duration), and reference counts so the
 * proxy's call contexts may keep a dialog past its termination.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_dialog.h"

#define DLG_BUCKETS 4096u

struct sip_dialogs {
	struct uring_timers *ts;
	struct sip_dialog_conf conf;
	size_t n;
	struct sip_dialog *buckets[DLG_BUCKETS];
};

static int
repl_none_save(void *arg, const struct sip_dialog *dlg)
{
	(void)arg;
	(void)dlg;
	return 0;
}

static int
repl_none_remove(void *arg, const struct sip_dialog *dlg)
{
	(void)arg;
	(void)dlg;
	return 0;
}

const struct sip_dialog_repl_ops sip_dialog_repl_none = {
	.name = "none",
	.save = repl_none_save,
	.remove = repl_none_remove,
};

static const char *const dlg_state_names[] = {
	"early", "confirmed", "terminated",
};

const char *
sip_dialog_state_name(enum sip_dialog_state st)
{
	return (unsigned int)st < 3 ? dlg_state_names[st] : "?";
}

static unsigned int
dlg_hash(struct dg_pl call_id)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < call_id.len; i++) {
		h ^= (uint8_t)call_id.p[i];
		h *= 16777619u;
	}
	return h & (DLG_BUCKETS - 1);
}

static bool
str_is(const char *s, struct dg_pl pl)
{
	return strlen(s) == pl.len && memcmp(s, pl.p, pl.len) == 0;
}

static void
dlg_repl_save(struct sip_dialog *dlg)
{
	const struct sip_dialog_conf *c = &dlg->table->conf;

	(void)c->repl->save(c->repl_arg, dlg);
}

/* Leaves the table and tells the media layer; memory goes with the last put. */
static void
dlg_terminate(struct sip_dialog *dlg, enum sip_dialog_end why)
{
	struct sip_dialogs *t = dlg->table;
	struct sip_dialog **pp;

	if (dlg->state == SIP_DIALOG_TERMINATED)
		return;
	dlg->state = SIP_DIALOG_TERMINATED;
	uring_timer_cancel(t->ts, &dlg->timer);
	for (pp = &t->buckets[dlg_hash((struct dg_pl){ dlg->call_id,
			strlen(dlg->call_id) })]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == dlg) {
			*pp = dlg->next;
			break;
		}
	}
	dlg->next = NULL;
	t->n--;
	(void)t->conf.repl->remove(t->conf.repl_arg, dlg);
	if (t->conf.media != NULL && t->conf.media->on_end != NULL)
		t->conf.media->on_end(t->conf.media_arg, dlg, why);
	dlg->table = NULL;
	(void)sip_dialog_put(dlg);
}

static void
dlg_on_timer(struct uring_timer *timer)
{
	struct sip_dialog *dlg = (struct sip_dialog *)((char *)timer -
		offsetof(struct sip_dialog, timer));

	dlg_terminate(dlg, dlg->state == SIP_DIALOG_EARLY ?
		SIP_DIALOG_END_EARLY_TIMEOUT : SIP_DIALOG_END_MAX_DURATION);
}

int
sip_dialogs_create(struct sip_dialogs **out, struct uring_timers *ts,
		const struct sip_dialog_conf *conf)
{
	struct sip_dialogs *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->ts = ts;
	t->conf = *conf;
	if (t->conf.early_timeout_ms == 0)
		t->conf.early_timeout_ms = 180000;
	if (t->conf.max_duration_ms == 0)
		t->conf.max_duration_ms = 14400000;
	if (t->conf.max_dialogs == 0)
		t->conf.max_dialogs = 100000;
	if (t->conf.repl == NULL)
		t->conf.repl = &sip_dialog_repl_none;
	*out = t;
	return 0;
}

void
sip_dialogs_set_media(struct sip_dialogs *t,
		const struct sip_dialog_media_ops *media, void *arg)
{
	t->conf.media = media;
	t->conf.media_arg = arg;
}

void
sip_dialogs_destroy(struct sip_dialogs *t)
{
	unsigned int i;

	if (t == NULL)
		return;
	for (i = 0; i < DLG_BUCKETS; i++)
		while (t->buckets[i] != NULL)
			dlg_terminate(t->buckets[i], SIP_DIALOG_END_SHUTDOWN);
	free(t);
}

size_t
sip_dialogs_count(const struct sip_dialogs *t)
{
	return t->n;
}

size_t
sip_dialogs_foreach(const struct sip_dialogs *t, sip_dialog_visit_fn fn,
		void *arg, size_t max)
{
	const struct sip_dialog *d;
	size_t n = 0;
	unsigned int b;

	for (b = 0; b < DLG_BUCKETS; b++)
		for (d = t->buckets[b]; d != NULL; d = d->next) {
			if (d->state == SIP_DIALOG_TERMINATED)
				continue;
			if (n == max)
				return n;
			fn(arg, d);
			n++;
		}
	return n;
}

struct sip_dialog *
sip_dialog_find(struct sip_dialogs *t, struct dg_pl call_id,
		struct dg_pl from_tag, struct dg_pl to_tag)
{
	struct sip_dialog *d;

	for (d = t->buckets[dlg_hash(call_id)]; d != NULL; d = d->next) {
		if (!str_is(d->call_id, call_id))
			continue;
		if (str_is(d->caller_tag, from_tag) &&
				(d->callee_tag[0] == '\0' ||
				 to_tag.len == 0 || str_is(d->callee_tag, to_tag)))
			return d;
		if (str_is(d->caller_tag, to_tag) &&
				str_is(d->callee_tag, from_tag))
			return d;
	}
	return NULL;
}

static void
dlg_media(struct sip_dialog *dlg, int what, const struct sip_msg *msg,
		bool from_caller)
{
	const struct sip_dialog_media_ops *m;

	if (dlg->table == NULL || msg->body.len == 0)
		return;
	m = dlg->table->conf.media;
	if (m == NULL)
		return;
	if (what == 0 && m->on_offer != NULL)
		m->on_offer(dlg->table->conf.media_arg, dlg, msg->body, from_caller);
	else if (what == 1 && m->on_answer != NULL)
		m->on_answer(dlg->table->conf.media_arg, dlg, msg->body, from_caller);
	else if (what == 2 && m->on_update != NULL)
		m->on_update(dlg->table->conf.media_arg, dlg, msg->body, from_caller);
}

int
sip_dialog_invite(struct sip_dialogs *t, const struct sip_msg *invite,
		struct sip_dialog **out)
{
	struct sip_dialog *dlg;
	unsigned int b;
	int err;

	if (invite->to.tag.len > 0 || invite->from.tag.len == 0 ||
			invite->from.tag.len >= SIP_DIALOG_TAG_MAX ||
			invite->call_id.len >= SIP_DIALOG_CALL_ID_MAX)
		return -EINVAL;
	dlg = sip_dialog_find(t, invite->call_id, invite->from.tag, DG_PL_NULL);
	if (dlg != NULL && dlg->invite_cseq == invite->cseq.num) {
		*out = sip_dialog_get(dlg);
		return 0;
	}
	if (t->n >= t->conf.max_dialogs)
		return -ENOSPC;
	dlg = calloc(1, sizeof(*dlg));
	if (dlg == NULL)
		return -ENOMEM;
	dlg->table = t;
	dlg->refs = 1;			/* the table's */
	dlg->state = SIP_DIALOG_EARLY;
	dlg->created_ms = uring_timers_now(t->ts);
	memcpy(dlg->call_id, invite->call_id.p, invite->call_id.len);
	memcpy(dlg->caller_tag, invite->from.tag.p, invite->from.tag.len);
	dlg->invite_cseq = invite->cseq.num;
	uring_timer_init(&dlg->timer, dlg_on_timer);
	err = uring_timer_start(t->ts, &dlg->timer, t->conf.early_timeout_ms);
	if (err < 0) {
		free(dlg);
		return err;
	}
	b = dlg_hash(invite->call_id);
	dlg->next = t->buckets[b];
	t->buckets[b] = dlg;
	t->n++;
	dlg_repl_save(dlg);
	dlg_media(dlg, 0, invite, true);
	*out = sip_dialog_get(dlg);
	return 0;
}

void
sip_dialog_invite_response(struct sip_dialog *dlg, const struct sip_msg *resp)
{
	struct sip_dialogs *t = dlg->table;
	struct dg_pl tag = resp->to.tag;

	if (t == NULL || dlg->state == SIP_DIALOG_TERMINATED)
		return;
	if (resp->status >= 300) {
		if (dlg->state == SIP_DIALOG_EARLY)
			dlg_terminate(dlg, SIP_DIALOG_END_REJECTED);
		return;
	}
	if (resp->status <= 100 || tag.len == 0 || tag.len >= SIP_DIALOG_TAG_MAX)
		return;
	if (resp->status >= 200) {
		bool was_early = dlg->state == SIP_DIALOG_EARLY;

		if (was_early) {
			memcpy(dlg->callee_tag, tag.p, tag.len);
			dlg->callee_tag[tag.len] = '\0';
			dlg->state = SIP_DIALOG_CONFIRMED;
			dlg->confirmed_ms = uring_timers_now(t->ts);
			(void)uring_timer_start(t->ts, &dlg->timer,
				t->conf.max_duration_ms);
			dlg_repl_save(dlg);
			dlg_media(dlg, 1, resp, false);
		}
		return;
	}
	if (dlg->callee_tag[0] == '\0') {
		memcpy(dlg->callee_tag, tag.p, tag.len);
		dlg->callee_tag[tag.len] = '\0';
		dlg_repl_save(dlg);
		dlg_media(dlg, 1, resp, false);
	}
}

void
sip_dialog_request(struct sip_dialog *dlg, const struct sip_msg *req)
{
	bool from_caller;

	if (dlg->table == NULL || dlg->state == SIP_DIALOG_TERMINATED)
		return;
	from_caller = str_is(dlg->caller_tag, req->from.tag);
	switch (req->method) {
	case SIP_METHOD_BYE:
		dlg_terminate(dlg, SIP_DIALOG_END_BYE);
		break;
	case SIP_METHOD_INVITE:
	case SIP_METHOD_UPDATE:
		dlg_media(dlg, 2, req, from_caller);
		break;
	default:
		break;
	}
}

void
sip_dialog_end(struct sip_dialog *dlg, enum sip_dialog_end why)
{
	if (dlg->table == NULL)
		return;
	dlg_terminate(dlg, why);
}

struct sip_dialog *
sip_dialog_get(struct sip_dialog *dlg)
{
	dlg->refs++;
	return dlg;
}

struct sip_dialog *
sip_dialog_put(struct sip_dialog *dlg)
{
	if (dlg != NULL && --dlg->refs == 0)
		free(dlg);
	return NULL;
}
