/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INVITE dialogs as a record-routing proxy sees them (RFC 3261 section
 * 12): created early when an INVITE outside a dialog is forwarded, given
 * the callee's tag by the first 1xx/2xx with a To tag, confirmed by a
 * 2xx, terminated by a BYE, a final non-2xx answer, or a timer: one for
 * dialogs that never confirm (early_timeout) and one for confirmed
 * dialogs whose BYE was lost (max_duration). Forking keeps one record per
 * call: the 2xx that confirms it fixes the callee tag. In-dialog requests
 * themselves are routed by their Route set (our Record-Route brought them
 * here); the table only follows the state. The media layer hears offers,
 * answers, updates and the end through per-table callbacks, and a
 * replication strategy is told of every change (the only one today:
 * none, dialogs stay node-local; see DESIGN.md section 5).
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_DIALOG_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"
#include "sip_msg.h"
#include "uring_timer.h"

#define SIP_DIALOG_CALL_ID_MAX 256
#define SIP_DIALOG_TAG_MAX 128

enum sip_dialog_state {
	SIP_DIALOG_EARLY,
	SIP_DIALOG_CONFIRMED,
	SIP_DIALOG_TERMINATED,
};

/** Why a dialog ended, as told to the media layer. */
enum sip_dialog_end {
	SIP_DIALOG_END_BYE,
	SIP_DIALOG_END_REJECTED,	/* the INVITE got a final non-2xx */
	SIP_DIALOG_END_EARLY_TIMEOUT,	/* never confirmed in time */
	SIP_DIALOG_END_MAX_DURATION,	/* no BYE seen in time */
	SIP_DIALOG_END_SHUTDOWN,
	SIP_DIALOG_END_MEDIA,		/* the media layer ended the call */
};

/** One dialog. Read-only for users of the table. */
struct sip_dialog {
	struct sip_dialogs *table;
	struct sip_dialog *next;	/* hash chain */
	unsigned int refs;
	enum sip_dialog_state state;
	struct uring_timer timer;
	uint64_t created_ms;
	uint64_t confirmed_ms;
	void *media;			/* the media layer's handle */
	char call_id[SIP_DIALOG_CALL_ID_MAX];
	char caller_tag[SIP_DIALOG_TAG_MAX];
	char callee_tag[SIP_DIALOG_TAG_MAX];	/* "" while none */
	uint32_t invite_cseq;
};

/** The media layer's hooks; any may be NULL. sdp is the message body. */
struct sip_dialog_media_ops {
	void (*on_offer)(void *arg, struct sip_dialog *dlg, struct dg_pl sdp,
			bool from_caller);
	void (*on_answer)(void *arg, struct sip_dialog *dlg, struct dg_pl sdp,
			bool from_caller);
	void (*on_update)(void *arg, struct sip_dialog *dlg, struct dg_pl sdp,
			bool from_caller);
	void (*on_end)(void *arg, struct sip_dialog *dlg,
			enum sip_dialog_end why);
};

/**
 * A dialog replication strategy: told of each change so that another
 * node could take a dialog over. Returning an error never stops the call.
 */
struct sip_dialog_repl_ops {
	const char *name;
	int (*save)(void *arg, const struct sip_dialog *dlg);
	int (*remove)(void *arg, const struct sip_dialog *dlg);
};

/** The only strategy today: dialogs stay on their node. */
extern const struct sip_dialog_repl_ops sip_dialog_repl_none;

struct sip_dialog_conf {
	uint64_t early_timeout_ms;	/* 0: 180000 */
	uint64_t max_duration_ms;	/* 0: 14400000 (4 h) */
	uint32_t max_dialogs;		/* 0: 100000 */
	const struct sip_dialog_media_ops *media;
	void *media_arg;
	const struct sip_dialog_repl_ops *repl;	/* NULL: none */
	void *repl_arg;
};

struct sip_dialogs;

/**
 * Create a table whose timers run on ts.
 *
 * @return 0, -ENOMEM.
 */
int sip_dialogs_create(struct sip_dialogs **out, struct uring_timers *ts,
		const struct sip_dialog_conf *conf);

/**
 * Attach the media layer (or detach it with NULL): dialogs created from
 * now on, and events of live ones, go to these hooks.
 */
void sip_dialogs_set_media(struct sip_dialogs *t,
		const struct sip_dialog_media_ops *media, void *arg);

/** End every dialog (SIP_DIALOG_END_SHUTDOWN) and free the table; NULL allowed. */
void sip_dialogs_destroy(struct sip_dialogs *t);

/** Number of live (not terminated) dialogs. */
size_t sip_dialogs_count(const struct sip_dialogs *t);

/** What sip_dialogs_foreach() calls for each live dialog. */
typedef void (*sip_dialog_visit_fn)(void *arg, const struct sip_dialog *dlg);

/**
 * Call fn for at most max live dialogs, in table order (for read-only
 * views; fn must not change the table).
 *
 * @return the number visited.
 */
size_t sip_dialogs_foreach(const struct sip_dialogs *t, sip_dialog_visit_fn fn,
		void *arg, size_t max);

/**
 * Track the dialog an initial INVITE (no To tag) may create; a
 * retransmitted or spiralled INVITE finds the existing record. The
 * INVITE's body is an offer for the media layer.
 *
 * @return 0 with *out referenced (sip_dialog_put() it), -EINVAL when the
 *   INVITE has a To tag, no From tag or overlong ids, -ENOSPC at
 *   max_dialogs, -ENOMEM.
 */
int sip_dialog_invite(struct sip_dialogs *t, const struct sip_msg *invite,
		struct sip_dialog **out);

/**
 * A response to the dialog's initial INVITE: a 101-199 or 2xx with a To
 * tag gives the callee tag (a 2xx fixes it), a 2xx confirms, a final
 * non-2xx terminates an early dialog. Bodies go to the media layer.
 */
void sip_dialog_invite_response(struct sip_dialog *dlg,
		const struct sip_msg *resp);

/**
 * Find the dialog of an in-dialog request or its response (either party
 * may send: tags are matched in both orders).
 *
 * @return the dialog (borrowed), or NULL.
 */
struct sip_dialog *sip_dialog_find(struct sip_dialogs *t, struct dg_pl call_id,
		struct dg_pl from_tag, struct dg_pl to_tag);

/**
 * An in-dialog request passing through: BYE terminates, a re-INVITE or
 * UPDATE with a body is an update for the media layer.
 */
void sip_dialog_request(struct sip_dialog *dlg, const struct sip_msg *req);

/**
 * End a dialog now, for a reason the proxy cannot see: the media layer
 * refused the answer, or sent BYE both ways after a media timeout. The
 * dialog leaves the table, its timer is cancelled and the media layer's
 * on_end hook runs with @p why (as for every end). A dialog already
 * terminated is left alone. The caller's reference, if any, stays valid.
 */
void sip_dialog_end(struct sip_dialog *dlg, enum sip_dialog_end why);

/** Take a reference. @return dlg. */
struct sip_dialog *sip_dialog_get(struct sip_dialog *dlg);

/** Drop a reference (NULL allowed). @return NULL. */
struct sip_dialog *sip_dialog_put(struct sip_dialog *dlg);

/** The name of a state ("confirmed"). */
const char *sip_dialog_state_name(enum sip_dialog_state st);

#endif
