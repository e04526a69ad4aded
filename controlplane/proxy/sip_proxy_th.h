/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology hiding of a route (config: routes[].topology_hiding): each
 * side of a call through such a route sees only the proxy. Requests
 * leave with the proxy's Via alone (the received ones stay in the server
 * transaction and are put back on the responses), with the proxy's single
 * Record-Route and none of the other side's, and with a Contact naming
 * the proxy whose user part is a dialog token ("dgth" + 16 hex digits +
 * 'a' for the caller, 'b' for the callee). The token table maps it back
 * to the real Contact, the Route set and the address of that side, so an
 * in-dialog request sent to the token, from either side, is forwarded to
 * the real party. Entries live as long as their dialog (swept a few
 * buckets at a time once the dialog has ended). The header rewrites are
 * pure functions on decoded messages so that their bytes can be tested.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_TH_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_PROXY_TH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "dg_pl.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_txn.h"

/** Length of a dialog token: "dgth" + 16 hex digits + 'a' or 'b'. */
#define SIP_TH_TOKEN_LEN 21

/** One side of a hidden dialog: how to reach it. */
struct sip_th_side {
	char *contact;			/* its real Contact URI, NULL while unknown */
	char *route;			/* Route values towards it, NULL for none */
	struct sip_txn_dest dst;	/* first Route hop, Contact, or its source */
	bool have_dst;
};

/** A hidden dialog: the two sides behind its tokens. */
struct sip_th_entry {
	struct sip_th_entry *next;	/* hash chain */
	uint64_t id;
	struct sip_dialog *dlg;		/* referenced; the entry dies with it */
	struct sip_th_side caller;
	struct sip_th_side callee;
};

struct sip_th;

/**
 * Write the token of dialog id naming the caller (to_caller) or callee,
 * with a NUL.
 *
 * @return SIP_TH_TOKEN_LEN, -ENOSPC.
 */
int sip_th_token(char *buf, size_t cap, uint64_t id, bool to_caller);

/**
 * Read a token from a URI user part.
 *
 * @return 0 with *id and *to_caller set, -ENOENT when user is no token.
 */
int sip_th_token_parse(struct dg_pl user, uint64_t *id, bool *to_caller);

/**
 * Write the proxy's Contact value "<sip:TOKEN@host:port;transport=tcp>"
 * for a local address (transport omitted for UDP).
 *
 * @return the length written, -ENOSPC, -EAFNOSUPPORT.
 */
int sip_th_contact(char *buf, size_t cap, const struct sockaddr_storage *addr,
		enum sip_transport tp, uint64_t id, bool to_caller);

/**
 * Join values with ", " (in reverse order when reverse).
 *
 * @return the length written (0 for none), -ENOSPC.
 */
int sip_th_join(char *buf, size_t cap, const struct dg_pl *vals, unsigned int n,
		bool reverse);

/**
 * The Via values of a request as a response must carry them back: the
 * top one with received/rport for source src, then the others.
 *
 * @return the length written, -ENOSPC, -EINVAL without Via.
 */
int sip_th_vias(char *buf, size_t cap, const struct sip_msg *req,
		const struct sockaddr_storage *src);

/**
 * Edits hiding the sender of a request: every Via line and Record-Route
 * line removed (the caller pushes its own Via), one "Record-Route: rr"
 * added when rr is set, the Contact lines replaced by "Contact: contact"
 * when the request has any and contact is set.
 *
 * @return 0, -ENOSPC when the edit list is full.
 */
int sip_th_request_edits(const struct sip_msg *msg, struct dg_pl rr,
		struct dg_pl contact, struct sip_edits *ed);

/**
 * Edits hiding the responder of a response: its Via lines replaced by
 * one line of vias, its Record-Route lines replaced by "Record-Route: rr"
 * (none when rr is unset), its Contact lines by "Contact: contact" when
 * it has any and contact is set.
 *
 * @return 0, -ENOSPC.
 */
int sip_th_response_edits(const struct sip_msg *rsp, struct dg_pl vias,
		struct dg_pl rr, struct dg_pl contact, struct sip_edits *ed);

/**
 * Create an empty token table.
 *
 * @return 0, -ENOMEM.
 */
int sip_th_create(struct sip_th **out);

/** Free the table and its entries; NULL allowed. */
void sip_th_destroy(struct sip_th *t);

/**
 * Add an entry for dialog dlg (referenced) with a fresh id, after
 * freeing the entries of ended dialogs in the next few buckets.
 *
 * @return 0 with *out set, -ENOMEM.
 */
int sip_th_add(struct sip_th *t, struct sip_dialog *dlg,
		struct sip_th_entry **out);

/** The entry of id, or NULL. */
struct sip_th_entry *sip_th_find(struct sip_th *t, uint64_t id);

/** Number of entries held. */
size_t sip_th_count(const struct sip_th *t);

/**
 * Set one side: its Contact URI, its Route values (in the order a
 * request towards it carries them) and, when it has no Route, fallback
 * (its source address) as where to reach it if the Contact host is not
 * an IP literal or use_fallback is set. A side already set is replaced.
 *
 * @return 0, -ENOMEM, -EBADMSG when the first Route value is not a URI.
 */
int sip_th_side_set(struct sip_th_side *s, struct dg_pl contact,
		const struct dg_pl *routes, unsigned int n_routes,
		const struct sip_txn_dest *fallback, bool use_fallback);

#endif
