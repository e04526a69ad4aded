/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The messages that cross the shared-memory rings between the control plane
 * (drongo, drongo-dpctl: writes commands, reads events) and the data plane
 * (drongo-dp: reads commands, writes events). Every message is one fixed-size
 * slot of DG_MSG_SIZE bytes: a header with the type, the session id and the
 * client's sequence number, then a body chosen by the type. Only fixed-width
 * values cross: addresses are bytes in network order, ports and counters are
 * host-order integers (both processes run on one host). Enum values are never
 * renumbered; a retired one is renamed ..._UNUSED_n.
 *
 * Protocol:
 * - The control plane picks the worker (ring) and the session id (non-zero,
 *   unique per region). The session lives on that worker; both legs' relay
 *   ports come from that worker's port pool (dg_shm.h).
 * - Every command is answered by exactly one DG_MSG_ACK with the command's
 *   seq, possibly preceded by DG_MSG_SESSION_STATS events with the same seq
 *   (SESSION_QUERY, or STATS_REQUEST with a session id: one; STATS_REQUEST
 *   with session id 0: one per session of the worker, ACK count = how
 *   many). A worker takes a command only when its event ring has room for
 *   the ACK, so replies are never lost; a walk over the whole table (FLUSH,
 *   STATS_REQUEST 0) spreads over loop iterations and holds back the
 *   commands behind it until it ends.
 * - Unsolicited events (MEDIA_TIMEOUT, ERROR) carry seq 0; the client never
 *   uses seq 0 for a command.
 * - SRTP keys appear only in commands, never in events or statistics.
 */
#ifndef DRONGO_SHARED_DG_MSG_H
#define DRONGO_SHARED_DG_MSG_H

#include <stddef.h>
#include <stdint.h>

/** Size of every ring slot (command or event). */
#define DG_MSG_SIZE 256u
/** Size of struct dg_msg_hdr. */
#define DG_MSG_HDR_SIZE 16u
/** Bytes left for the body. */
#define DG_MSG_BODY_SIZE (DG_MSG_SIZE - DG_MSG_HDR_SIZE)

/*
 * Message types: X(NAME, name). Commands (control plane -> worker) and
 * events (worker -> control plane) share one numbering so a slot is
 * self-describing. Append only.
 */
#define DG_MSGS(X) \
	X(NONE, none) \
	X(SESSION_CREATE, session_create) \
	X(SESSION_UPDATE, session_update) \
	X(SESSION_DELETE, session_delete) \
	X(SESSION_QUERY, session_query) \
	X(FLUSH, flush) \
	X(STATS_REQUEST, stats_request) \
	X(ACK, ack) \
	X(MEDIA_TIMEOUT, media_timeout) \
	X(SESSION_STATS, session_stats) \
	X(ERROR, error)

enum dg_msg_type {
#define DG_MSG_ENUM_(up, low) DG_MSG_##up,
	DG_MSGS(DG_MSG_ENUM_)
#undef DG_MSG_ENUM_
	DG_MSG__COUNT
};

/** Address families on the ABI (not the libc AF_* values). */
enum dg_af {
	DG_AF_NONE = 0,		/**< unknown: learn from the first packet */
	DG_AF_INET = 4,
	DG_AF_INET6 = 6,
};

/*
 * SRTP crypto suites (RFC 4568 names). NONE means the leg's packets pass
 * untouched (plain RTP, or SRTP relayed end to end with the same keys).
 * Append only.
 */
#define DG_SRTP_SUITES(X) \
	X(NONE, "NONE") \
	X(AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80") \
	X(AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32") \
	X(AEAD_AES_128_GCM, "AEAD_AES_128_GCM")

enum dg_srtp_suite {
#define DG_SRTP_ENUM_(up, str) DG_SRTP_##up,
	DG_SRTP_SUITES(DG_SRTP_ENUM_)
#undef DG_SRTP_ENUM_
	DG_SRTP__COUNT
};

/** Master key and salt sizes of the suites above. */
#define DG_SRTP_KEY_LEN 16u
#define DG_SRTP_SALT_LEN 14u		/* AES-CM suites */
#define DG_SRTP_GCM_SALT_LEN 12u	/* AEAD_AES_128_GCM: first 12 bytes */

/*
 * Per-leg drop reasons, counted in the session (events) as well as in the
 * worker's totals (dg_shm.h DG_DROPS). Append only, at most
 * DG_LEG_DROP_SLOTS.
 */
#define DG_LEG_DROPS(X) \
	X(SOURCE, source)		/* not from the expected/latched peer */ \
	X(MALFORMED, malformed)		/* bad RTP/RTCP version or length */ \
	X(SRTP_AUTH, srtp_auth)		/* SRTP/SRTCP authentication failed */ \
	X(SRTP_REPLAY, srtp_replay)	/* replayed or too old SRTP index */ \
	X(SRTP_ERROR, srtp_error)	/* other crypto failure */ \
	X(NO_PEER, no_peer)		/* other leg's peer not known yet */ \
	X(TX, tx)			/* TX queue full on the way out */

enum dg_leg_drop {
#define DG_LEG_DROP_ENUM_(up, low) DG_LEG_DROP_##up,
	DG_LEG_DROPS(DG_LEG_DROP_ENUM_)
#undef DG_LEG_DROP_ENUM_
	DG_LEG_DROP__COUNT
};
#define DG_LEG_DROP_SLOTS 8u
_Static_assert(DG_LEG_DROP__COUNT <= DG_LEG_DROP_SLOTS, "leg drop slots");

/** Why the data plane ended a session on its own (MEDIA_TIMEOUT). */
enum dg_timeout_reason {
	DG_TIMEOUT_NONE = 0,
	DG_TIMEOUT_NEVER_STARTED = 1,	/**< no packet on either leg */
	DG_TIMEOUT_STOPPED = 2,		/**< media started, then stopped */
	DG_TIMEOUT__COUNT
};

/* Leg flags (struct dg_msg_leg.flags). */
/** RTCP shares the RTP port (RFC 5761); relay_rtcp_port is ignored. */
#define DG_LEG_F_RTCP_MUX (1u << 0)
/** Accept only packets from the SDP peer address (and port when non-zero);
 *  never latch. */
#define DG_LEG_F_STRICT_SOURCE (1u << 1)
/** Latch/re-latch the peer only within latch_window_s of create/update;
 *  afterwards packets from another source are dropped (SOURCE). Without it
 *  the peer follows the latest valid source (NAT rebinding). */
#define DG_LEG_F_LATCH_WINDOW (1u << 2)
#define DG_LEG_F__ALL (DG_LEG_F_RTCP_MUX | DG_LEG_F_STRICT_SOURCE | \
		       DG_LEG_F_LATCH_WINDOW)

/*
 * Common header. Written by the sender of the message, read by its receiver.
 */
struct dg_msg_hdr {
	uint16_t type;		/**< enum dg_msg_type */
	uint16_t flags;		/**< none defined yet: senders write 0 */
	uint32_t seq;		/**< command: client's number (never 0);
				     event: the command's seq, or 0 */
	uint64_t session_id;	/**< 0 only for FLUSH, STATS_REQUEST (all)
				     and unsolicited ERROR */
};
_Static_assert(sizeof(struct dg_msg_hdr) == DG_MSG_HDR_SIZE, "hdr size");
_Static_assert(offsetof(struct dg_msg_hdr, session_id) == 8, "hdr id");

/* One master key and salt (GCM uses the first 12 salt bytes). */
struct dg_msg_srtp_key {
	uint8_t key[DG_SRTP_KEY_LEN];
	uint8_t salt[DG_SRTP_SALT_LEN];
	uint8_t pad[2];
};
_Static_assert(sizeof(struct dg_msg_srtp_key) == 32, "srtp key size");

/*
 * One leg of a session, in SESSION_CREATE/SESSION_UPDATE. Written by the
 * control plane, read by the owning worker.
 * - relay: one of the data plane's configured relay addresses
 *   (dg_shm_hdr.addrs), else -EADDRNOTAVAIL.
 * - relay ports 0: the worker allocates an even RTP port (and RTP+1 for
 *   RTCP unless RTCP_MUX) and returns them in the ACK. Non-zero: that exact
 *   port is taken (re-programming after a data-plane restart keeps the ports
 *   already sent in SDP); it must belong to this worker (-EXDEV) and be free
 *   (-EADDRINUSE).
 * - peer: from SDP; family NONE, an all-zero address or port 0 mean learn
 *   from the first valid packet (symmetric RTP).
 * - SRTP: srtp_in holds the keys the peer protects with (we unprotect what
 *   it sends), srtp_out the keys we protect with toward it. Both legs NONE:
 *   packets pass untouched.
 * On SESSION_UPDATE relay address and ports must equal the session's (or be
 * 0 for the ports); everything else is replaced.
 */
struct dg_msg_leg {
	uint8_t relay_family;	/**< enum dg_af: INET or INET6 */
	uint8_t peer_family;	/**< enum dg_af */
	uint8_t srtp_suite;	/**< enum dg_srtp_suite */
	uint8_t pad0;
	uint32_t flags;		/**< DG_LEG_F_* */
	uint8_t relay_addr[16];	/**< IPv4 in the first 4 bytes */
	uint8_t peer_addr[16];
	uint16_t relay_rtp_port;
	uint16_t relay_rtcp_port;
	uint16_t peer_rtp_port;
	uint16_t peer_rtcp_port;
	struct dg_msg_srtp_key srtp_in;
	struct dg_msg_srtp_key srtp_out;
};
_Static_assert(sizeof(struct dg_msg_leg) == 112, "leg size");
_Static_assert(offsetof(struct dg_msg_leg, srtp_in) == 48, "leg srtp");

/*
 * Body of SESSION_CREATE and SESSION_UPDATE. Written by the control plane,
 * read by the owning worker. Packets arriving on leg 0's relay ports go out
 * of leg 1's toward leg 1's peer, and the other way round.
 */
struct dg_msg_session {
	struct dg_msg_leg leg[2];
	uint16_t timeout_start_s;	/**< no packet at all this long after
					     create: end (NEVER_STARTED); 0 = off */
	uint16_t timeout_stop_s;	/**< no packet this long once started:
					     end (STOPPED); 0 = off */
	uint16_t latch_window_s;	/**< see DG_LEG_F_LATCH_WINDOW */
	uint16_t pad0;
};
_Static_assert(sizeof(struct dg_msg_session) == 232, "session size");

/* Relay ports of one leg, as allocated. */
struct dg_msg_ports {
	uint16_t rtp;
	uint16_t rtcp;		/**< equals rtp with RTCP_MUX */
};

/*
 * Body of ACK. Written by the worker, read by the control plane. Status is 0
 * or a negative errno:
 *   -EINVAL bad field, -ENOTSUP unknown command or suite, -EEXIST session id
 *   in use, -ENOENT unknown session, -EADDRNOTAVAIL relay address not
 *   configured, -EXDEV port owned by another worker, -EADDRINUSE port taken,
 *   -ENOSPC port pool empty, -ENOMEM session table full.
 */
struct dg_msg_ack {
	int32_t status;
	uint16_t cmd_type;		/**< the command acknowledged */
	uint16_t pad0;
	struct dg_msg_ports leg[2];	/**< CREATE/UPDATE: relay ports */
	uint32_t count;			/**< FLUSH: sessions deleted;
					     STATS_REQUEST: sessions reported */
	uint32_t pad1;
};
_Static_assert(sizeof(struct dg_msg_ack) == 24, "ack size");

/* One leg's counters and current state, in SESSION_STATS / MEDIA_TIMEOUT. */
struct dg_msg_leg_stats {
	uint64_t rx_pkts;	/**< received from this leg's peer, accepted */
	uint64_t rx_bytes;	/**< UDP payload bytes */
	uint64_t tx_pkts;	/**< sent toward this leg's peer */
	uint64_t tx_bytes;
	uint64_t last_rx_ns;	/**< CLOCK_MONOTONIC (as dg_shm_hdr.alive_ns)
				     of the last accepted packet; 0 = never */
	uint32_t drops[DG_LEG_DROP_SLOTS];	/**< by enum dg_leg_drop */
	uint8_t peer_family;	/**< current (latched or SDP) peer */
	uint8_t srtp_suite;
	uint16_t peer_port;
	uint8_t peer_addr[16];
	struct dg_msg_ports relay;
	uint32_t flags;		/**< DG_LEG_F_* as programmed */
};
_Static_assert(sizeof(struct dg_msg_leg_stats) == 104, "leg stats size");
_Static_assert(offsetof(struct dg_msg_leg_stats, drops) == 40, "leg drops");

/*
 * Body of SESSION_STATS and MEDIA_TIMEOUT. Written by the worker, read by
 * the control plane. A MEDIA_TIMEOUT means the worker has already deleted
 * the session and released its ports; the counters are final.
 */
struct dg_msg_stats {
	uint32_t reason;		/**< MEDIA_TIMEOUT: enum dg_timeout_reason */
	uint16_t timeout_start_s;
	uint16_t timeout_stop_s;
	uint64_t created_ns;		/**< CLOCK_MONOTONIC */
	struct dg_msg_leg_stats leg[2];
};
_Static_assert(sizeof(struct dg_msg_stats) == 224, "stats size");

/* Body of ERROR: a condition not tied to one command. Worker -> client. */
#define DG_MSG_ERROR_TEXT 200u
struct dg_msg_error {
	int32_t status;			/**< negative errno */
	uint32_t lost;			/**< events dropped on a full ring */
	char text[DG_MSG_ERROR_TEXT];	/**< NUL-terminated, for logs */
};
_Static_assert(sizeof(struct dg_msg_error) == 208, "error size");

/* One ring slot. */
struct dg_msg {
	struct dg_msg_hdr hdr;
	union {
		struct dg_msg_session session;	/* SESSION_CREATE/UPDATE */
		struct dg_msg_ack ack;		/* ACK */
		struct dg_msg_stats stats;	/* SESSION_STATS/MEDIA_TIMEOUT */
		struct dg_msg_error error;	/* ERROR */
		uint8_t raw[DG_MSG_BODY_SIZE];
	} u;
};
_Static_assert(sizeof(struct dg_msg) == DG_MSG_SIZE, "msg size");
_Static_assert(offsetof(struct dg_msg, u) == DG_MSG_HDR_SIZE, "msg body");
_Static_assert(DG_MSG_SIZE % 64 == 0, "msg is whole cache lines");

#endif
