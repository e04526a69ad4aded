/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which Drongo edge node owns each call of a media node: offers and
 * answers from Drongo edges name their node (key "drongo-node"), calls
 * from other SIP proxies have no owner. A sweep reaps the calls whose
 * owner's heartbeat has been gone for longer than a grace period, so a
 * dead edge leaves no media behind; calls without an owner are left to
 * the data plane's media timeout. A call offered but never answered has
 * no media timeout in the data plane: it is reaped when no offer came for
 * an idle time (a dropped INVITE whose proxy never sent the delete). Time
 * and liveness come from the caller (the peer view and the loop's clock),
 * so tests drive both.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_OWNER_H
#define DRONGO_CONTROLPLANE_NG_NG_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"

/** Longest owner kept ("<id>/<inc>"; longer ones are cut). */
#define NG_OWNER_ID_MAX 96

/** How long @p owner's heartbeat has been gone at @p now_ms (0: alive). */
typedef uint64_t ng_owner_gone_fn(void *arg, const char *owner,
				  uint64_t now_ms);

/** A call reaped: release it. */
typedef void ng_owner_reap_fn(void *arg, const char *call_id,
			      const char *owner);

struct ng_owner;

/**
 * An empty table.
 *
 * @return 0 and *out, -ENOMEM.
 */
int ng_owner_create(struct ng_owner **out);

/**
 * Record that @p call_id was served at @p now_ms (an answer when
 * @p answered), owned by @p owner (empty: no owner given, which keeps an
 * owner named before).
 *
 * @return 0, -ENOMEM, -EINVAL (empty Call-ID).
 */
int ng_owner_note(struct ng_owner *o, struct dg_pl call_id, struct dg_pl owner,
		  bool answered, uint64_t now_ms);

/** The owner of @p call_id ("" without one), NULL when not recorded;
 *  valid until the table changes. */
const char *ng_owner_of(struct ng_owner *o, struct dg_pl call_id);

/** The call is gone (deleted, timed out). */
void ng_owner_forget(struct ng_owner *o, struct dg_pl call_id);

/**
 * Reap every owned call whose owner has been gone for at least
 * @p grace_ms: each is removed, then passed to @p reap.
 *
 * @return the number reaped.
 */
unsigned int ng_owner_sweep(struct ng_owner *o, uint64_t now_ms,
			    uint64_t grace_ms, ng_owner_gone_fn *gone,
			    void *gone_arg, ng_owner_reap_fn *reap,
			    void *reap_arg);

/**
 * Reap every call never answered whose last offer is at least
 * @p idle_ms old, owner or not: each is removed, then passed to @p reap.
 *
 * @return the number reaped.
 */
unsigned int ng_owner_sweep_idle(struct ng_owner *o, uint64_t now_ms,
				 uint64_t idle_ms, ng_owner_reap_fn *reap,
				 void *reap_arg);

/** Calls recorded, and of them those with an owner. */
void ng_owner_count(const struct ng_owner *o, uint64_t *calls,
		    uint64_t *owned);

/** Free (NULL is fine). */
void ng_owner_destroy(struct ng_owner *o);

#endif
