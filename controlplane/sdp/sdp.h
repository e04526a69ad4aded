/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP for media anchoring: a zero-copy parser of session descriptions
 * (RFC 8866 with RFC 3264 offer/answer, RFC 3605 a=rtcp, RFC 5761
 * a=rtcp-mux, RFC 4568 a=crypto, RFC 8839 ICE attributes), a writer, the
 * rewriter the media orchestrator runs to anchor a stream on the relay
 * (addresses, ports, RTP/SAVP conversion with fresh SDES keys, ICE removal,
 * rtcp-mux negotiation) and an extraction API giving per m= line what the
 * data plane is programmed with. A parsed description is the caller's
 * buffer plus views into it; every line, known or not, is kept in order so
 * that writing it back loses nothing.
 */
#ifndef DRONGO_CONTROLPLANE_SDP_SDP_H
#define DRONGO_CONTROLPLANE_SDP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"

/* Bounds of one description; past them the parser rejects with a reason. */
#define SDP_MAX_LINES 256	/* lines of the whole description */
#define SDP_MAX_MEDIA 16	/* m= sections */
#define SDP_MAX_CRYPTO 8	/* a=crypto lines per m= section */
#define SDP_MAX_BW 4		/* b= lines per level */
#define SDP_SESSION_LEVEL 0xff	/* sdp_line.media of a session-level line */

/* SDES key material bounds (AES-256 key, 14-byte SRTP salt). */
#define SDP_KEY_MAX 32
#define SDP_SALT_MAX 14

/* a= attributes the parser understands: X(id, name). Others are SDP_ATTR_OTHER. */
#define SDP_ATTRS(X) \
	X(RTCP, "rtcp") \
	X(RTCP_MUX, "rtcp-mux") \
	X(SENDRECV, "sendrecv") \
	X(SENDONLY, "sendonly") \
	X(RECVONLY, "recvonly") \
	X(INACTIVE, "inactive") \
	X(CRYPTO, "crypto") \
	X(PTIME, "ptime") \
	X(RTPMAP, "rtpmap") \
	X(FMTP, "fmtp") \
	X(ICE_UFRAG, "ice-ufrag") \
	X(ICE_PWD, "ice-pwd") \
	X(ICE_OPTIONS, "ice-options") \
	X(ICE_LITE, "ice-lite") \
	X(ICE_MISMATCH, "ice-mismatch") \
	X(CANDIDATE, "candidate") \
	X(REMOTE_CANDIDATES, "remote-candidates") \
	X(END_OF_CANDIDATES, "end-of-candidates")

enum sdp_attr_id {
	SDP_ATTR_NONE = 0,	/* not an a= line */
#define SDP_ATTR_ENUM_(id, name) SDP_ATTR_##id,
	SDP_ATTRS(SDP_ATTR_ENUM_)
#undef SDP_ATTR_ENUM_
	SDP_ATTR_OTHER,
	SDP_ATTR__COUNT
};

/* Media direction (RFC 3264 section 6.1); NONE: no attribute at that level. */
enum sdp_dir {
	SDP_DIR_NONE = 0,
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

/* Transport protocol of an m= line. */
enum sdp_proto {
	SDP_PROTO_OTHER = 0,	/* anything else, kept as written */
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDP_TLS_RTP_SAVP,	/* DTLS-SRTP (RFC 5764) */
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
};

/* SRTP crypto suites of RFC 4568, RFC 6188 and RFC 7714. */
#define SDP_SUITES(X) \
	X(AES_CM_128_HMAC_SHA1_80, 16, 14) \
	X(AES_CM_128_HMAC_SHA1_32, 16, 14) \
	X(F8_128_HMAC_SHA1_80, 16, 14) \
	X(AES_192_CM_HMAC_SHA1_80, 24, 14) \
	X(AES_192_CM_HMAC_SHA1_32, 24, 14) \
	X(AES_256_CM_HMAC_SHA1_80, 32, 14) \
	X(AES_256_CM_HMAC_SHA1_32, 32, 14) \
	X(AEAD_AES_128_GCM, 16, 12) \
	X(AEAD_AES_256_GCM, 32, 12)

enum sdp_suite {
	SDP_SUITE_UNKNOWN = 0,	/* not in SDP_SUITES: kept, never decoded */
#define SDP_SUITE_ENUM_(name, key, salt) SDP_SUITE_##name,
	SDP_SUITES(SDP_SUITE_ENUM_)
#undef SDP_SUITE_ENUM_
	SDP_SUITE__COUNT
};

/* Why a parse failed: a static reason and the 1-based line it was found on. */
struct sdp_perr {
	const char *reason;
	unsigned int line;	/* 0 when not tied to a line */
};

/* One line as written: "<type>=<val>". */
struct sdp_line {
	char type;		/* 'v', 'o', 's', ... */
	uint8_t media;		/* m= section index, SDP_SESSION_LEVEL before the first m= */
	uint8_t attr;		/* enum sdp_attr_id for a= lines */
	struct dg_pl val;	/* after "x=", without the line end */
	struct dg_pl name;	/* a= lines: attribute name */
	struct dg_pl aval;	/* a= lines: value after ':', unset when no ':' */
};

/* A connection address (c= line or the address part of a=rtcp). */
struct sdp_conn {
	bool set;
	struct dg_pl nettype;	/* "IN" */
	struct dg_pl addrtype;	/* "IP4", "IP6" */
	struct dg_pl addr;	/* without /ttl and /count */
	int af;			/* AF_INET, AF_INET6, AF_UNSPEC when not IN IP4/IP6 */
	bool numeric;		/* addr is a numeric address of af */
	bool hold;		/* 0.0.0.0 (RFC 2543 hold) or :: */
	uint16_t line;		/* index in sdp_session.lines */
};

/* o= line (RFC 8866 section 5.2). */
struct sdp_origin {
	struct dg_pl user;
	struct dg_pl sess_id;
	struct dg_pl sess_version;
	uint64_t version;
	struct sdp_conn addr;	/* nettype, addrtype, unicast address */
};

/* b=<bwtype>:<bandwidth> */
struct sdp_bw {
	struct dg_pl type;
	uint64_t value;
};

/*
 * a=crypto:<tag> <suite> <key-params> [<session-params>] (RFC 4568 section
 * 9.1). Views; the first key's parts are split out, decode them with
 * sdp_crypto_decode().
 */
struct sdp_crypto {
	uint32_t tag;
	struct dg_pl suite_raw;
	enum sdp_suite suite;
	struct dg_pl key_params;	/* every key parameter as written */
	uint8_t n_keys;			/* ';'-separated key parameters */
	struct dg_pl key_b64;		/* first key: key||salt in base64 */
	struct dg_pl lifetime;		/* first key: unset when absent */
	struct dg_pl mki;		/* first key: "<value>:<length>", unset when absent */
	struct dg_pl session_params;	/* the rest, unset when none */
	uint16_t line;
};

/* a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605). */
struct sdp_rtcp {
	bool set;
	uint16_t port;
	struct sdp_conn addr;	/* addr.set when the address is given */
	uint16_t line;
};

/* One m= section. Unset views/fields mean the line was absent. */
struct sdp_media {
	uint16_t line;			/* index of the m= line */
	uint16_t end;			/* one past the last line of the section */
	struct dg_pl type;		/* "audio", "video", ... */
	struct dg_pl port_raw;
	uint16_t port;			/* 0: rejected or disabled (RFC 3264 section 6) */
	uint16_t nports;		/* from "<port>/<n>", 1 when absent */
	struct dg_pl proto_raw;
	enum sdp_proto proto;
	struct dg_pl fmts;		/* formats as written, space separated */
	struct sdp_conn conn;		/* media-level c= */
	enum sdp_dir dir;		/* media-level direction attribute */
	bool rtcp_mux;
	struct sdp_rtcp rtcp;
	uint32_t ptime;			/* ms, 0 when absent */
	uint8_t n_crypto;
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
	struct dg_pl ice_ufrag;
	struct dg_pl ice_pwd;
	struct dg_pl ice_options;
	uint16_t n_candidates;
	bool end_of_candidates;
	uint8_t n_bw;
	struct sdp_bw bw[SDP_MAX_BW];
};

/*
 * A parsed description. Caller-allocated (about 37 KiB); every view points
 * into the buffer given to sdp_parse(), which must outlive it.
 */
struct sdp_session {
	struct dg_pl buf;
	uint16_t n_lines;
	struct sdp_line lines[SDP_MAX_LINES];
	struct sdp_origin origin;
	struct dg_pl name;		/* s= */
	struct sdp_conn conn;		/* session-level c= */
	enum sdp_dir dir;		/* session-level direction attribute */
	bool ice_lite;
	struct dg_pl ice_ufrag;
	struct dg_pl ice_pwd;
	struct dg_pl ice_options;
	uint8_t n_bw;
	struct sdp_bw bw[SDP_MAX_BW];
	uint8_t n_media;
	struct sdp_media media[SDP_MAX_MEDIA];
};

/**
 * Parse a session description (an SDP body). Lines end in CRLF or LF (the
 * last one may lack it; empty lines at the very end are ignored). The
 * order of RFC 8866 section 5 is enforced: v=0 first, then o=, s=, i=,
 * u=, e=*, p=*, c=, b=*, one or more t= each with r=* and z=, k=, a=*,
 * then m= sections of m=, i=, c=*, b=*, k=, a=*. Line types outside that
 * grammar are rejected (RFC 8866 section 5: such a description is not
 * understood); unknown attributes are kept as SDP_ATTR_OTHER lines.
 *
 * @return 0, or -EBADMSG with err->reason and err->line set (err may be NULL).
 */
int sdp_parse(struct sdp_session *s, const char *buf, size_t len,
	      struct sdp_perr *err);

/**
 * Write a parsed description back: every line in order as "x=value" with
 * CRLF. Parsing the result gives the same lines and fields.
 *
 * @return the length written, -ENOSPC when cap is too small.
 */
int sdp_write(const struct sdp_session *s, char *out, size_t cap);

/** @return the direction that applies to m= section idx: its own, else the session's, else sendrecv. */
enum sdp_dir sdp_media_dir(const struct sdp_session *s, unsigned int idx);

/** @return the c= that applies to m= section idx (its own, else the session's); .set false when none. */
const struct sdp_conn *sdp_media_conn(const struct sdp_session *s,
				      unsigned int idx);

/** @return the name of a suite ("AES_CM_128_HMAC_SHA1_80"), NULL for SDP_SUITE_UNKNOWN. */
const char *sdp_suite_name(enum sdp_suite suite);

/** @return the suite named by name (exact match), SDP_SUITE_UNKNOWN when none. */
enum sdp_suite sdp_suite_from_name(struct dg_pl name);

/** @return the master key and salt lengths of a known suite (0 for UNKNOWN). */
unsigned int sdp_suite_key_len(enum sdp_suite suite);
unsigned int sdp_suite_salt_len(enum sdp_suite suite);

/* Decoded SDES key: what the data plane's SRTP context is keyed with. */
struct sdp_srtp_key {
	uint32_t tag;
	enum sdp_suite suite;
	uint8_t key[SDP_KEY_MAX];
	uint8_t key_len;
	uint8_t salt[SDP_SALT_MAX];
	uint8_t salt_len;
	uint64_t lifetime;	/* packets, 0 when absent */
	uint32_t mki;		/* MKI value */
	uint8_t mki_len;	/* MKI length in bytes, 0 when no MKI */
};

/**
 * Decode the first key of an a=crypto attribute: base64 key||salt, the
 * lifetime ("2^n" or decimal) and the MKI.
 *
 * @return 0; -ENOTSUP for an unknown suite; -EBADMSG when the key does not
 *   decode to the suite's length, or the lifetime or MKI is malformed.
 */
int sdp_crypto_decode(const struct sdp_crypto *c, struct sdp_srtp_key *out);

/**
 * Standard base64 (RFC 4648) with padding. out must hold 4 * ((len + 2) / 3).
 *
 * @return the number of characters written.
 */
size_t sdp_base64_encode(const uint8_t *in, size_t len, char *out);

/**
 * Decode base64; trailing '=' padding is optional.
 *
 * @return the number of bytes written, -EBADMSG on a bad character or
 *   length, -ENOSPC when cap is too small.
 */
int sdp_base64_decode(struct dg_pl in, uint8_t *out, size_t cap);

/**
 * Source of random bytes for fresh SDES keys: fill buf with len bytes.
 * @return 0, or a negative errno.
 */
typedef int sdp_random_fn(void *arg, uint8_t *buf, size_t len);

/** The default random source: OpenSSL RAND_bytes. @return 0, -EIO on failure. */
int sdp_random_openssl(void *arg, uint8_t *buf, size_t len);

/**
 * Fill key with fresh key and salt for suite from rnd (tag set, no
 * lifetime, no MKI).
 *
 * @return 0; -ENOTSUP for an unknown suite; the error of rnd.
 */
int sdp_srtp_key_generate(struct sdp_srtp_key *key, enum sdp_suite suite,
			  uint32_t tag, sdp_random_fn *rnd, void *rnd_arg);

/* What one m= line says about the peer: the data plane's view of a stream. */
struct sdp_stream {
	struct dg_pl type;		/* "audio", ... */
	bool rejected;			/* port 0 */
	bool hold;			/* address 0.0.0.0 or :: in a stream without ICE */
	enum sdp_proto proto;
	enum sdp_dir dir;		/* effective direction */
	struct dg_pl addr;		/* effective c= address */
	struct sockaddr_storage rtp;	/* valid when addr_numeric */
	struct sockaddr_storage rtcp;	/* a=rtcp's address if given, else the RTP address; rtcp_port */
	bool addr_numeric;
	uint16_t rtp_port;
	/*
	 * a=rtcp's port when present (with rtcp_mux, the fallback an offer
	 * names), else rtp_port when muxed, else rtp_port + 1
	 */
	uint16_t rtcp_port;
	bool rtcp_mux;
	uint32_t ptime;
	uint8_t n_crypto;		/* keys of known suites, in order of the lines */
	struct sdp_srtp_key crypto[SDP_MAX_CRYPTO];
	bool ice;			/* has ICE ufrag at media or session level */
};

/**
 * Extract what the orchestrator programs for m= section idx. a=crypto lines
 * with an unknown suite are skipped.
 *
 * @return 0; -EINVAL when idx is out of range or no c= applies to a
 *   stream that is not rejected; -EBADMSG when a known-suite key does not
 *   decode.
 */
int sdp_stream_get(const struct sdp_session *s, unsigned int idx,
		   struct sdp_stream *out);

/* a=rtpmap and a=fmtp of one payload type (views into the description). */
struct sdp_rtpmap {
	uint8_t pt;
	struct dg_pl encoding;		/* "PCMU", "opus"; unset when no a=rtpmap */
	uint32_t clock;			/* Hz, 0 when absent */
	struct dg_pl enc_params;	/* "2" of "opus/48000/2", unset when absent */
	struct dg_pl fmtp;		/* parameters of a=fmtp, unset when absent */
};

/**
 * The a=rtpmap and a=fmtp of payload type pt in m= section idx.
 *
 * @return 0 (a static payload type with neither line gives unset views);
 *   -EINVAL when idx is out of range or pt > 127; -ENOENT when pt is not
 *   among the section's formats.
 */
int sdp_media_rtpmap(const struct sdp_session *s, unsigned int idx,
		     unsigned int pt, struct sdp_rtpmap *out);

/* Which transport the side receiving the rewritten SDP uses. */
enum sdp_xport {
	SDP_XPORT_KEEP = 0,	/* profile and a=crypto as received */
	SDP_XPORT_RTP,		/* plain RTP: RTP/AVP(F), a=crypto removed */
	SDP_XPORT_SDES,		/* SRTP with our SDES keys: RTP/SAVP(F) */
};

/* rtcp-mux toward the side receiving the rewritten SDP (RFC 5761). */
enum sdp_mux {
	SDP_MUX_KEEP = 0,	/* offer: as received; answer: when received and offered */
	SDP_MUX_OFFER,		/* offer: add a=rtcp-mux; answer: accept when offered */
	SDP_MUX_DEMUX,		/* never: a=rtcp-mux removed */
};

enum sdp_role {
	SDP_ROLE_OFFER = 0,
	SDP_ROLE_ANSWER,
};

/* The relay's side of one m= section. */
struct sdp_relay {
	const char *addr;	/* numeric IPv4 or IPv6 address, NULL: leave this stream's addresses */
	uint16_t rtp_port;
	uint16_t rtcp_port;	/* 0: rtp_port + 1 (rtp_port when muxed) */
	/* keys to announce (re-offers keep theirs), n_keys 0: generate */
	uint8_t n_keys;
	struct sdp_srtp_key keys[SDP_MAX_CRYPTO];
};

/* Options of sdp_rewrite() (about 9 KiB with the keys: not for a small stack). */
struct sdp_rewrite_opts {
	enum sdp_role role;
	/*
	 * Answers: the offer this answer responds to, as its receiver sent it
	 * (for rtcp-mux and the a=crypto tag and suite to accept).
	 */
	const struct sdp_session *offer;
	enum sdp_xport xport;
	enum sdp_mux mux;
	bool ice_remove;		/* drop ICE attributes (side without ICE) */
	const char *origin_addr;	/* non-NULL: replace o= address ("replace-origin") */
	/* suites to offer with SDP_XPORT_SDES; n_suites 0: AES_CM_128_HMAC_SHA1_80 then _32 */
	uint8_t n_suites;
	enum sdp_suite suites[SDP_MAX_CRYPTO];
	sdp_random_fn *rnd;		/* NULL: sdp_random_openssl */
	void *rnd_arg;
	uint8_t n_relay;		/* entries in relay; m= sections past it are left alone */
	struct sdp_relay relay[SDP_MAX_MEDIA];
};

/* Keys sdp_rewrite() announced for one m= section (keep them for re-offers). */
struct sdp_rewrite_keys {
	uint8_t n_keys;
	struct sdp_srtp_key keys[SDP_MAX_CRYPTO];
};

/* What sdp_rewrite() did. */
struct sdp_rewrite_result {
	bool changed;			/* output differs from input: o= version bumped */
	uint8_t n_media;
	struct sdp_rewrite_keys media[SDP_MAX_MEDIA];
};

/**
 * Rewrite a description for anchoring on the relay, into out.
 *
 * For each m= section with a relay address: the m= port becomes the
 * relay's RTP port, c= lines that apply to it the relay's address (a
 * media-level c= is added when sections need different addresses), a=rtcp
 * the relay's RTCP port (and address when it had one); a=rtcp is added
 * when the relay's RTCP port is not RTP + 1 and RTCP is not muxed.
 * Held streams keep their meaning: direction attributes pass unchanged and
 * a c= of 0.0.0.0 (or ::) stays as it is, unless the stream uses ICE, where
 * 0.0.0.0 is trickle ICE's placeholder and moves to the relay. Rejected streams (port 0) keep
 * port 0 and their addresses. Profile and keys follow opts->xport, ICE
 * attributes go when opts->ice_remove, a=rtcp-mux follows opts->mux and the
 * role. Every other line is copied as it was, in order. When anything
 * differs from the input, o= version is incremented, so rewriting the
 * output again with the same options (and keys) gives the same bytes.
 *
 * @return the length written; -ENOSPC when cap is too small; -EINVAL on a
 *   bad relay address, a supplied key whose lengths do not match its
 *   suite, or an answer without opts->offer where one is needed; -ENOTSUP when an SDES answer finds no offered suite it can use,
 *   or a c= is not IN IP4/IP6; the error of the random source.
 */
int sdp_rewrite(const struct sdp_session *in,
		const struct sdp_rewrite_opts *opts,
		struct sdp_rewrite_result *res, char *out, size_t cap);

#endif
