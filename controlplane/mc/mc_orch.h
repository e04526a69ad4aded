/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media orchestrator: what the SIP edge and the ng server ask of media.
 * A call (Call-ID) owns two legs (the offerer's tag and the answerer's
 * tag); a leg owns one stream per m= line. An offer allocates relay ports
 * for every stream on one data-plane worker and returns the offer rewritten
 * toward the answerer; the answer completes the streams with the answerer's
 * address and keys and returns the answer rewritten toward the offerer;
 * release deletes the call. Every operation is asynchronous: it returns 0
 * and calls its completion exactly once later (never from inside the call
 * that started it), or returns a negative errno and never calls it.
 * Implementations: mc_local (this box's drongo-dp through the shared-memory
 * rings) and mc_remote (a media node over the ng protocol).
 *
 * Mapping of failures for the SIP layer: -EBADMSG, -EINVAL, -ENOTSUP,
 * -EPROTO (the SDP or the request cannot be anchored) mean 488; -ENOTCONN,
 * -ENOSPC, -ENOMEM, -ETIMEDOUT, -EBUSY (no media capacity now) mean 503;
 * -ENOENT (no such call) means 481 for in-dialog requests.
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_ORCH_H
#define DRONGO_CONTROLPLANE_MC_MC_ORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"
#include "sdp.h"

/** Longest Call-ID and tag kept by an orchestrator. */
#define MC_ID_MAX 256

/** Which side of the offer/answer exchange a request carries. */
enum mc_side {
	MC_SIDE_OFFER = 0,	/* SDP from the from-tag party, toward the other */
	MC_SIDE_ANSWER,		/* SDP from the to-tag party, toward the from-tag */
};

/* What the signalling layer asks for (rtpengine's ng flags, parsed). */
struct mc_flags {
	enum sdp_xport xport;		/* toward the side receiving the SDP */
	enum sdp_mux mux;		/* rtcp-mux toward that side */
	bool ice_remove;		/* ICE=remove (and ICE=force: no ICE here) */
	bool replace_origin;		/* o= address becomes the relay's */
	bool replace_session_conn;	/* kept for the ng reply; c= is always rewritten */
	bool strict_source;		/* asymmetric / strict-source: never latch */
	bool sip_source;		/* peer address is received_from, not SDP */
	bool have_received_from;
	struct sockaddr_storage received_from;	/* port 0 */
	bool have_media_address;
	struct sockaddr_storage media_address;	/* peer address override, port 0 */
	/*
	 * Which of the relay's own addresses each side is given, for a relay
	 * with one address toward the phones and another toward a trunk
	 * (family 0: the first of the peer's family). Read when an offer
	 * creates the call; later offers keep the call's addresses.
	 */
	struct sockaddr_storage relay_to;	/* toward the side receiving the SDP */
	struct sockaddr_storage relay_from;	/* toward the side that sent it */
};

/* One offer or answer. Views must stay valid until the call returns. */
struct mc_req {
	enum mc_side side;
	struct dg_pl call_id;
	struct dg_pl from_tag;
	struct dg_pl to_tag;		/* answers: required */
	struct dg_pl via_branch;
	struct dg_pl label;
	struct dg_pl sdp;
	struct mc_flags flags;
};

/* Outcome of an offer or answer; valid only during the completion. */
struct mc_result {
	int status;			/* 0 or a negative errno (see above) */
	const char *reason;		/* failure: text for the ng reply / logs */
	uint64_t alloc_id;		/* the call's allocation */
	const char *sdp;		/* success: the rewritten SDP */
	size_t sdp_len;
	struct sockaddr_storage endpoint;	/* first stream's relay address/port
						   toward the receiving side */
};

typedef void mc_done_fn(void *arg, const struct mc_result *res);

/* One leg of one stream, as the data plane last reported it. */
struct mc_leg_info {
	uint16_t relay_rtp;
	uint16_t relay_rtcp;
	bool rtcp_mux;
	struct sockaddr_storage peer;	/* family 0: not known yet */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t errors;		/* drops of every reason */
	uint64_t last_rx_s;		/* CLOCK_REALTIME seconds, 0: never */
	bool srtp;
};

struct mc_stream_info {
	char type[16];			/* "audio", ... */
	char proto[24];			/* profile of each leg's peer */
	char leg_proto[2][24];
	bool have_stats;
	struct mc_leg_info leg[2];	/* leg 0: the from-tag (first offerer) */
};

/* A call: what query and release report. */
struct mc_call_info {
	int status;			/* 0 or a negative errno */
	const char *reason;
	uint64_t alloc_id;
	char call_id[MC_ID_MAX];
	char tag[2][MC_ID_MAX];		/* tag[1] "" before the answer */
	uint64_t created_s;		/* CLOCK_REALTIME seconds */
	uint64_t last_signal_s;
	unsigned int n_streams;
	struct mc_stream_info streams[SDP_MAX_MEDIA];
};

typedef void mc_info_fn(void *arg, const struct mc_call_info *info);

/** Counters of an orchestrator (the ng "statistics" command). */
struct mc_orch_stats {
	uint64_t calls;			/* live calls */
	uint64_t streams;		/* live data-plane sessions */
	uint64_t offers;
	uint64_t answers;
	uint64_t deletes;
	uint64_t errors;		/* operations that failed */
	uint64_t timeouts;		/* calls ended by media timeout */
	uint64_t reprograms;		/* sessions re-created after a restart */
	uint64_t rx_pkts;		/* data plane totals */
	uint64_t rx_bytes;
	uint64_t dropped;
	uint64_t uptime_s;
};

/* Media events for the dialog layer. */
enum mc_event_type {
	MC_EVENT_MEDIA_TIMEOUT = 0,	/* the call's media stopped: end the dialog */
	MC_EVENT_DP_LOST,		/* the data plane is gone; calls are kept and
					   re-programmed if it returns */
	MC_EVENT_DP_RESTARTED,		/* a new data plane took over; calls re-programmed */
	MC_EVENT_NODE_LOST,		/* the call's media node is gone: end the dialog */
};

struct mc_event {
	enum mc_event_type type;
	uint64_t alloc_id;		/* MEDIA_TIMEOUT: the call */
	const char *call_id;		/* MEDIA_TIMEOUT: NUL-terminated */
	const char *reason;		/* text for logs */
};

/**
 * Media events. The dialog layer registers one with mc_orch_set_event_fn
 * and ends the dialog whose media the event names (BYE both ways); by the
 * time MEDIA_TIMEOUT or NODE_LOST is delivered the orchestrator has
 * already forgotten the call, so no release is needed.
 */
typedef void mc_event_fn(void *arg, const struct mc_event *ev);

struct mc_orch;

/* The interface every orchestrator implements. */
struct mc_orch_ops {
	/* Offer or answer of a call, new or known (re-INVITE, forked answer). */
	int (*allocate)(struct mc_orch *o, const struct mc_req *req,
			mc_done_fn *done, void *arg);
	/* Offer or answer of a known allocation only: -ENOENT otherwise. */
	int (*update)(struct mc_orch *o, uint64_t alloc_id,
		      const struct mc_req *req, mc_done_fn *done, void *arg);
	/* Delete the call; done gets its final statistics. */
	int (*release)(struct mc_orch *o, struct dg_pl call_id,
		       mc_info_fn *done, void *arg);
	/* Current state and statistics of a call. */
	int (*query)(struct mc_orch *o, struct dg_pl call_id,
		     mc_info_fn *done, void *arg);
	/* Call-IDs of up to max live calls, synchronously; returns the count. */
	unsigned int (*list)(struct mc_orch *o, unsigned int max,
			     void (*fn)(void *arg, const char *call_id),
			     void *arg);
	void (*stats)(struct mc_orch *o, struct mc_orch_stats *st);
	void (*destroy)(struct mc_orch *o);
};

/* Base of every orchestrator (embedded first in the implementation). */
struct mc_orch {
	const struct mc_orch_ops *ops;
	mc_event_fn *on_event;
	void *event_arg;
};

/** Register the media-event hook (NULL: events are only logged). */
void mc_orch_set_event_fn(struct mc_orch *o, mc_event_fn *fn, void *arg);

/** Deliver an event to the registered hook (for implementations). */
void mc_orch_event(struct mc_orch *o, const struct mc_event *ev);

/** Wrappers of the ops. */
int mc_orch_allocate(struct mc_orch *o, const struct mc_req *req,
		     mc_done_fn *done, void *arg);
int mc_orch_update(struct mc_orch *o, uint64_t alloc_id,
		   const struct mc_req *req, mc_done_fn *done, void *arg);
int mc_orch_release(struct mc_orch *o, struct dg_pl call_id,
		    mc_info_fn *done, void *arg);
int mc_orch_query(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
		  void *arg);
unsigned int mc_orch_list(struct mc_orch *o, unsigned int max,
			  void (*fn)(void *arg, const char *call_id), void *arg);
void mc_orch_stats(struct mc_orch *o, struct mc_orch_stats *st);

/** Destroy an orchestrator; operations in flight are dropped. NULL is fine. */
void mc_orch_destroy(struct mc_orch *o);

#endif
