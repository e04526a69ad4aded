/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media anchoring bound to the edge's dialogs. It sits in front of the
 * SIP server on the UDP sockets: a message that carries SDP (an INVITE,
 * re-INVITE, UPDATE, PRACK or ACK; a 1xx/2xx to an INVITE or UPDATE) is held
 * while the media orchestrator allocates or updates the call, then handed
 * on with its body rewritten toward the relay; retransmissions that arrive
 * meanwhile are absorbed, and later ones get the same rewrite. A request
 * the orchestrator refuses is answered 488 or 503 (mc_orch.h mapping) and
 * never forwarded, so a call is anchored whole or not at all. The proxy's
 * dialog hooks release the call when its dialog ends (BYE, rejection,
 * CANCEL, timers), and an initial INVITE the proxy did not turn into a
 * dialog (a digest challenge) is released at once. A media timeout from
 * the orchestrator ends the call with a BYE to each party, carrying
 * Reason: SIP;cause=200;text="media timeout"; that call's proxy dialog,
 * like the dialog of an answer that could not be anchored, is ended at
 * once (sip_dialog_end) rather than by its timers. An edge.media policy
 * (mc_dialog_conf.h) picks the RTP profile offered to each party.
 * Messages over TCP pass untouched (this version anchors UDP signalling
 * only).
 */
#ifndef DRONGO_CONTROLPLANE_EDGE_MC_DIALOG_H
#define DRONGO_CONTROLPLANE_EDGE_MC_DIALOG_H

#include <stdint.h>

#include "mc_dialog_conf.h"
#include "mc_orch.h"
#include "sip_dialog.h"
#include "sip_transport.h"
#include "uring_loop.h"

struct mc_dialog;

/** Counters of the anchoring layer. */
struct mc_dialog_stats {
	uint64_t held;			/* messages held for the orchestrator */
	uint64_t rewritten;		/* messages forwarded with relay SDP */
	uint64_t absorbed;		/* retransmissions dropped while held */
	uint64_t refused;		/* requests answered 488/503 */
	uint64_t answer_failed;		/* answers that could not be anchored */
	uint64_t released;
	uint64_t media_timeouts;	/* calls ended with BYE both ways */
};

/**
 * Create the layer. It takes @p orch over (destroyed with it) and
 * registers itself as its event hook; what it forwards goes to
 * next(next_arg, rx) (the SIP server's receive function); @p dialogs is
 * the proxy's table, asked whether an INVITE became a dialog.
 *
 * @return 0, -ENOMEM.
 */
int mc_dialog_create(struct mc_dialog **out, struct uring_loop *loop,
		struct mc_orch *orch, struct sip_dialogs *dialogs, sip_rx_fn next,
		void *next_arg);

/** The receive function to install on the UDP sockets (arg: the layer). */
void mc_dialog_rx(void *arg, const struct sip_rx *rx);

/** The dialog hooks to attach to the edge (arg: the layer). */
extern const struct sip_dialog_media_ops mc_dialog_media_ops;

/**
 * The SIP status for an orchestrator error: 488 for SDP that cannot be
 * anchored, 481 for an unknown call, 503 otherwise.
 */
int mc_dialog_sip_code(int err);

/** Apply the media policy of edge.media (defaults until called). */
void mc_dialog_set_conf(struct mc_dialog *md,
		const struct mc_dialog_conf *conf);

/** One anchored call, as mc_dialog_sessions() shows it. */
struct mc_dialog_session {
	const char *call_id;
	const char *tag[MC_PARTY__COUNT];	/* "": not known yet */
	bool confirmed;				/* a 2xx to the INVITE passed */
	/* where each party signals from (family 0: not yet) */
	const struct sockaddr_storage *sip[MC_PARTY__COUNT];
	/* relay address and first RTP port in the SDP each party was sent */
	const struct sockaddr_storage *relay[MC_PARTY__COUNT];
	unsigned int leg[MC_PARTY__COUNT];	/* each party's leg in info */
	const struct mc_call_info *info;	/* last query, NULL before */
	uint64_t info_s;			/* its CLOCK_REALTIME seconds */
};

typedef void mc_dialog_session_fn(void *arg,
		const struct mc_dialog_session *s);

/**
 * Call fn for up to max anchored calls (allocated, not ended) and ask the
 * orchestrator for fresh statistics of each (at most once a second per
 * call, never while an offer or answer runs), so the next listing shows
 * them: a query is asynchronous, a listing is not.
 *
 * @return the number of anchored calls (all, not only those listed).
 */
unsigned int mc_dialog_sessions(struct mc_dialog *md, unsigned int max,
		mc_dialog_session_fn *fn, void *arg);

/** Read the counters. */
void mc_dialog_stats_get(const struct mc_dialog *md,
		struct mc_dialog_stats *st);

/** Write the counters as one log line (event=mc.dialog.stats). */
void mc_dialog_stats_log(const struct mc_dialog *md);

/** Destroy the layer and its orchestrator (NULL allowed). */
void mc_dialog_destroy(struct mc_dialog *md);

#endif
