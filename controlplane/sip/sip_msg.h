/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP message layer: a zero-copy decoder (a parsed message is the
 * caller's receive buffer plus views into it; nothing is allocated), stream
 * framing for TCP, the message-layer checks of RFC 3261 / RFC 4475 section
 * 3.3, stateless responses (RFC 3261 section 8.2.6), response routing
 * (RFC 3261 section 18.2.2 with RFC 3581) and a writer that builds a new
 * message from a parsed one plus a list of edits, copying each unchanged
 * byte once. The headers a proxy always needs are decoded by
 * sip_msg_decode(); the rest on demand with sip_msg_parse_hdrs().
 */
#ifndef DRONGO_CONTROLPLANE_SIP_SIP_MSG_H
#define DRONGO_CONTROLPLANE_SIP_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "dg_pl.h"

/* Methods known by name; anything else is SIP_METHOD_OTHER with the raw view. */
#define SIP_METHODS(X) \
	X(INVITE) X(ACK) X(BYE) X(CANCEL) X(OPTIONS) X(REGISTER) X(PRACK) \
	X(SUBSCRIBE) X(NOTIFY) X(PUBLISH) X(INFO) X(REFER) X(MESSAGE) \
	X(UPDATE)

enum sip_method {
	SIP_METHOD_NONE = 0,	/* a response, or not parsed */
#define SIP_METHOD_ENUM_(m) SIP_METHOD_##m,
	SIP_METHODS(SIP_METHOD_ENUM_)
#undef SIP_METHOD_ENUM_
	SIP_METHOD_OTHER,
	SIP_METHOD__COUNT
};

/*
 * Known headers: X(id, name, compact form or 0). The list gives the enum
 * (SIP_HDR_<id>), the canonical names and the name lookup table.
 */
#define SIP_HDRS(X) \
	X(VIA, "Via", 'v') \
	X(FROM, "From", 'f') \
	X(TO, "To", 't') \
	X(CALL_ID, "Call-ID", 'i') \
	X(CSEQ, "CSeq", 0) \
	X(MAX_FORWARDS, "Max-Forwards", 0) \
	X(CONTENT_LENGTH, "Content-Length", 'l') \
	X(CONTENT_TYPE, "Content-Type", 'c') \
	X(CONTACT, "Contact", 'm') \
	X(ROUTE, "Route", 0) \
	X(RECORD_ROUTE, "Record-Route", 0) \
	X(PATH, "Path", 0) \
	X(SERVICE_ROUTE, "Service-Route", 0) \
	X(EXPIRES, "Expires", 0) \
	X(MIN_EXPIRES, "Min-Expires", 0) \
	X(SUPPORTED, "Supported", 'k') \
	X(REQUIRE, "Require", 0) \
	X(PROXY_REQUIRE, "Proxy-Require", 0) \
	X(UNSUPPORTED, "Unsupported", 0) \
	X(USER_AGENT, "User-Agent", 0) \
	X(SERVER, "Server", 0) \
	X(AUTHORIZATION, "Authorization", 0) \
	X(PROXY_AUTHORIZATION, "Proxy-Authorization", 0) \
	X(WWW_AUTHENTICATE, "WWW-Authenticate", 0) \
	X(PROXY_AUTHENTICATE, "Proxy-Authenticate", 0) \
	X(AUTHENTICATION_INFO, "Authentication-Info", 0) \
	X(ACCEPT, "Accept", 0) \
	X(ACCEPT_ENCODING, "Accept-Encoding", 0) \
	X(ACCEPT_LANGUAGE, "Accept-Language", 0) \
	X(ALLOW, "Allow", 0) \
	X(CONTENT_ENCODING, "Content-Encoding", 'e') \
	X(CONTENT_DISPOSITION, "Content-Disposition", 0) \
	X(CONTENT_LANGUAGE, "Content-Language", 0) \
	X(MIME_VERSION, "MIME-Version", 0) \
	X(SUBJECT, "Subject", 's') \
	X(EVENT, "Event", 'o') \
	X(ALLOW_EVENTS, "Allow-Events", 'u') \
	X(SUBSCRIPTION_STATE, "Subscription-State", 0) \
	X(REFER_TO, "Refer-To", 'r') \
	X(REFERRED_BY, "Referred-By", 'b') \
	X(SESSION_EXPIRES, "Session-Expires", 'x') \
	X(MIN_SE, "Min-SE", 0) \
	X(RSEQ, "RSeq", 0) \
	X(RACK, "RAck", 0) \
	X(REASON, "Reason", 0) \
	X(DATE, "Date", 0) \
	X(TIMESTAMP, "Timestamp", 0) \
	X(RETRY_AFTER, "Retry-After", 0) \
	X(WARNING, "Warning", 0) \
	X(ORGANIZATION, "Organization", 0) \
	X(PRIORITY, "Priority", 0) \
	X(REPLY_TO, "Reply-To", 0) \
	X(IN_REPLY_TO, "In-Reply-To", 0) \
	X(ALERT_INFO, "Alert-Info", 0) \
	X(CALL_INFO, "Call-Info", 0) \
	X(ERROR_INFO, "Error-Info", 0) \
	X(P_ASSERTED_IDENTITY, "P-Asserted-Identity", 0) \
	X(P_PREFERRED_IDENTITY, "P-Preferred-Identity", 0) \
	X(PRIVACY, "Privacy", 0) \
	X(SIP_ETAG, "SIP-ETag", 0) \
	X(SIP_IF_MATCH, "SIP-If-Match", 0) \
	X(ACCEPT_CONTACT, "Accept-Contact", 'a') \
	X(REJECT_CONTACT, "Reject-Contact", 'j') \
	X(REQUEST_DISPOSITION, "Request-Disposition", 'd') \
	X(IDENTITY, "Identity", 'y')

enum sip_hdr_id {
#define SIP_HDR_ENUM_(id, name, compact) SIP_HDR_##id,
	SIP_HDRS(SIP_HDR_ENUM_)
#undef SIP_HDR_ENUM_
	SIP_HDR_OTHER,		/* any header not in SIP_HDRS */
	SIP_HDR__COUNT
};

/* Bounds of one message; past them the decoder rejects with a reason. */
#define SIP_MSG_MAX_HDRS 128		/* header lines */
#define SIP_MSG_MAX_VIAS 70		/* Via values (Max-Forwards is 70) */
#define SIP_MSG_MAX_CONTACTS 16		/* Contact values */
#define SIP_MSG_MAX_ROUTES 32		/* Route, Record-Route, Path values each */
#define SIP_MSG_MAX_TOKENS 16		/* Supported, Require, ... tokens each */
#define SIP_HDR_IDX_NONE 0xff

/* On-demand header groups for sip_msg_parse_hdrs(). */
enum sip_hdr_flag {
	SIP_HDR_F_CONTACT = 1u << 0,
	SIP_HDR_F_ROUTE = 1u << 1,
	SIP_HDR_F_RECORD_ROUTE = 1u << 2,
	SIP_HDR_F_PATH = 1u << 3,
	SIP_HDR_F_EXPIRES = 1u << 4,
	SIP_HDR_F_MIN_EXPIRES = 1u << 5,
	SIP_HDR_F_SUPPORTED = 1u << 6,
	SIP_HDR_F_REQUIRE = 1u << 7,
	SIP_HDR_F_PROXY_REQUIRE = 1u << 8,
	SIP_HDR_F_USER_AGENT = 1u << 9,
	/* Authorization, Proxy-Authorization, WWW-/Proxy-Authenticate. */
	SIP_HDR_F_AUTH = 1u << 10,
	SIP_HDR_F_ACCEPT = 1u << 11,
	SIP_HDR_F_ALLOW = 1u << 12,
	SIP_HDR_F_ALL = (1u << 13) - 1,
};

enum sip_uri_scheme {
	SIP_URI_NONE = 0,
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	SIP_URI_OTHER,		/* opaque: only raw and scheme_raw are set */
};

enum sip_host_type {
	SIP_HOST_NONE = 0,
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	SIP_HOST_IPV6,		/* host view keeps the brackets */
};

/*
 * A URI: views into the message, still escaped as on the wire (use
 * sip_pl_unescape() to compare user parts). For tel: URIs the number is
 * in user and host is empty.
 */
struct sip_uri {
	struct dg_pl raw;
	struct dg_pl scheme_raw;
	enum sip_uri_scheme scheme;
	enum sip_host_type host_type;
	struct dg_pl user;
	struct dg_pl password;
	struct dg_pl host;
	struct dg_pl port_raw;
	uint16_t port;		/* 0 when absent */
	struct dg_pl params;	/* after the first ';' up to '?' */
	struct dg_pl headers;	/* after '?' */
};

/* A name-addr or addr-spec with its header parameters (From, To, Contact, Route ...). */
struct sip_addr {
	struct dg_pl raw;	/* the whole value */
	struct dg_pl dname;	/* display name as written (quotes kept), unset if none */
	struct sip_uri uri;
	struct dg_pl tag;	/* value of ;tag=, unset when absent */
	struct dg_pl params;	/* header parameters after the first ';' */
	bool angle;		/* written as <uri> */
};

enum sip_transport {
	SIP_TP_NONE = 0,
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
	SIP_TP_SCTP,
	SIP_TP_WS,
	SIP_TP_WSS,
	SIP_TP_OTHER,
};

/* One Via value. */
struct sip_via {
	struct dg_pl raw;	/* the value, "SIP/2.0/UDP host;params" */
	struct dg_pl transport_raw;
	enum sip_transport transport;
	enum sip_host_type host_type;
	struct dg_pl host;	/* sent-by host, IPv6 with brackets */
	uint16_t port;		/* 0 when absent */
	bool rport;		/* ;rport present (with or without value) */
	uint16_t rport_val;	/* its value, 0 when empty */
	struct dg_pl params;	/* after the first ';' */
	struct dg_pl branch;
	struct dg_pl received;
	struct dg_pl maddr;
	struct dg_pl ttl;
	uint16_t hdr_idx;	/* index into msg->hdrs of its line */
};

struct sip_cseq {
	uint32_t num;
	enum sip_method method;
	struct dg_pl method_raw;
};

struct sip_contact {
	struct sip_addr addr;
	bool has_expires;
	uint32_t expires;	/* saturates at UINT32_MAX (RFC 4475 scalar02) */
	bool has_q;
	uint16_t q;		/* q-value times 1000 */
};

/* One header line (folded continuation lines included). */
struct sip_hdr {
	struct dg_pl name;	/* as written */
	struct dg_pl value;	/* trimmed of surrounding whitespace; may hold folds */
	uint32_t line_len;	/* bytes from name.p through the line's CRLF */
	uint8_t id;		/* enum sip_hdr_id */
	uint8_t next;		/* next header with the same id, SIP_HDR_IDX_NONE at end */
};

/* Why a decode or a check failed: status to answer with and a short reason. */
struct sip_perr {
	int status;		/* 400, 505, 416, 420, 415, 483 ... */
	const char *reason;	/* static string, usable as a Warning or log text */
	/* extra header lines for the response, e.g. "Unsupported: foo\r\n" */
	char hdrs[256];
	size_t hdrs_len;
};

/* Bits of sip_msg.have: which decoded fields are valid. */
enum sip_msg_have {
	SIP_HAVE_START = 1u << 0,
	SIP_HAVE_VIA = 1u << 1,		/* the top Via decoded: it is vias[0] */
	SIP_HAVE_FROM = 1u << 2,
	SIP_HAVE_TO = 1u << 3,
	SIP_HAVE_CALL_ID = 1u << 4,
	SIP_HAVE_CSEQ = 1u << 5,
	SIP_HAVE_MAX_FORWARDS = 1u << 6,
	SIP_HAVE_CONTENT_LENGTH = 1u << 7,
	SIP_HAVE_CONTENT_TYPE = 1u << 8,
	SIP_HAVE_BODY = 1u << 9,	/* framing done: body view valid */
};

/*
 * A decoded message. Caller-allocated (about 24 KiB: keep one per worker,
 * not on a small stack); every view points into the buffer given to
 * sip_msg_decode(), which must outlive the message. Fields not listed in
 * `have` (or not yet parsed on demand) are unspecified.
 */
struct sip_msg {
	struct dg_pl buf;		/* the message: start line to end of body */
	bool is_request;
	uint32_t have;			/* enum sip_msg_have */
	uint32_t parsed;		/* enum sip_hdr_flag groups parsed so far */
	struct dg_pl start_line;	/* without CRLF */

	/* request line */
	enum sip_method method;
	struct dg_pl method_raw;
	struct dg_pl ruri_raw;
	struct sip_uri ruri;
	struct dg_pl version;		/* "SIP/2.0" */

	/* status line */
	uint16_t status;
	struct dg_pl reason;

	/* headers in order */
	uint16_t n_hdrs;
	uint8_t hdr_first[SIP_HDR__COUNT];
	uint8_t hdr_last[SIP_HDR__COUNT];
	struct sip_hdr hdrs[SIP_MSG_MAX_HDRS];
	struct dg_pl hdrs_end;		/* the empty line ending the headers */
	struct dg_pl body;

	/* decoded at once */
	uint16_t n_vias;
	struct sip_via vias[SIP_MSG_MAX_VIAS];
	struct sip_addr from;
	struct sip_addr to;
	struct dg_pl call_id;
	struct sip_cseq cseq;
	uint32_t max_forwards;		/* valid with SIP_HAVE_MAX_FORWARDS */
	uint32_t content_length;	/* valid with SIP_HAVE_CONTENT_LENGTH */
	struct dg_pl content_type;	/* "type/subtype" as written, no parameters */
	struct dg_pl content_type_params;

	/* on demand (sip_msg_parse_hdrs) */
	uint16_t n_contacts;
	bool contact_star;		/* Contact: * */
	struct sip_contact contacts[SIP_MSG_MAX_CONTACTS];
	uint16_t n_routes;
	struct dg_pl routes[SIP_MSG_MAX_ROUTES];	/* values; sip_addr_decode() them */
	uint16_t n_rroutes;
	struct dg_pl rroutes[SIP_MSG_MAX_ROUTES];
	uint16_t n_paths;
	struct dg_pl paths[SIP_MSG_MAX_ROUTES];
	bool has_expires;
	uint32_t expires;		/* saturates at UINT32_MAX */
	bool has_min_expires;
	uint32_t min_expires;
	uint16_t n_supported;
	struct dg_pl supported[SIP_MSG_MAX_TOKENS];
	uint16_t n_require;
	struct dg_pl require[SIP_MSG_MAX_TOKENS];
	uint16_t n_proxy_require;
	struct dg_pl proxy_require[SIP_MSG_MAX_TOKENS];
	struct dg_pl user_agent;
	struct dg_pl authorization;	/* first of each, raw values */
	struct dg_pl proxy_authorization;
	struct dg_pl www_authenticate;
	struct dg_pl proxy_authenticate;
	uint16_t n_accept;
	struct dg_pl accept[SIP_MSG_MAX_TOKENS];	/* media ranges with params */
	uint16_t n_allow;
	struct dg_pl allow[SIP_MSG_MAX_TOKENS];
	uint32_t allow_mask;		/* 1 << enum sip_method of each Allow token */
};

/**
 * Decode one complete message (one UDP datagram, or one frame cut by
 * sip_msg_frame()). The body is Content-Length bytes; without
 * Content-Length it is the rest of the buffer (datagram rule). Bytes after
 * the body are ignored (RFC 3261 section 18.3); msg->buf ends at the body.
 * On failure msg still holds what was parsed (see sip_msg_can_respond()).
 *
 * @return 0, or -EBADMSG with err->status (400, 505 for a SIP version
 *   other than 2.0, ...) and err->reason set.
 */
int sip_msg_decode(struct sip_msg *msg, const char *buf, size_t len,
		   struct sip_perr *err);

/**
 * Find where the first message of a stream (TCP) ends. Leading CRLFs are
 * keep-alives (RFC 5626 section 3.5.1): when the buffer starts with CR or
 * LF the return value counts only those bytes (check buf[0] to tell a
 * keep-alive from a message) so the caller skips them.
 *
 * @return the length of the first message (headers and Content-Length
 *   bytes of body) or of the leading CRLF run;
 *   -EAGAIN when more bytes are needed;
 *   -EBADMSG when Content-Length is missing or invalid (mandatory on
 *   streams), or the first line is complete and has no "SIP/" (HTTP, TLS
 *   or junk on a SIP port: close the connection);
 *   -EMSGSIZE when the message is, or would be, longer than max_len.
 */
ssize_t sip_msg_frame(const char *buf, size_t len, size_t max_len);

/**
 * Parse the on-demand header groups in mask (enum sip_hdr_flag). Groups
 * already parsed are skipped, so calling again with more bits resumes.
 *
 * @return 0, or -EBADMSG with err set (a group that failed is not marked
 *   parsed).
 */
int sip_msg_parse_hdrs(struct sip_msg *msg, uint32_t mask,
		       struct sip_perr *err);

/**
 * Whether a response can be routed back for this (possibly failed) decode:
 * a request other than ACK whose top Via was decoded and that has a CSeq
 * line (RFC 3261 section 17.1.3 matches responses on these two). From,
 * To and Call-ID are copied into the response when present, so RFC 4475
 * insuf and scalar02 get their 400.
 *
 * @return true when sip_resp_build() may be called.
 */
bool sip_msg_can_respond(const struct sip_msg *msg);

/** @return the first header with this id, or NULL. */
const struct sip_hdr *sip_msg_hdr_first(const struct sip_msg *msg,
					enum sip_hdr_id id);

/** @return the next header with the same id as hdr, or NULL. */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *msg,
				       const struct sip_hdr *hdr);

/**
 * Find a header by name (case-insensitive, compact forms and unknown
 * names too).
 *
 * @return the first header so named, or NULL.
 */
const struct sip_hdr *sip_msg_hdr_find(const struct sip_msg *msg,
				       const char *name);

/* Iterates the comma-separated values of every header of one id, in order. */
struct sip_hdr_iter {
	const struct sip_msg *msg;
	const struct sip_hdr *hdr;
	const char *pos;
};

/** Start iterating the values of header id. */
void sip_hdr_iter_init(struct sip_hdr_iter *it, const struct sip_msg *msg,
		       enum sip_hdr_id id);

/**
 * Next value across lines; commas inside quotes, <> or comments do not
 * split. Values are trimmed; empty values are skipped.
 *
 * @return 1 with *val set, 0 at the end, -EBADMSG on an unterminated
 *   quote or '<'.
 */
int sip_hdr_list_next(struct sip_hdr_iter *it, struct dg_pl *val);

/**
 * Header name (a token) to id, case-insensitive, compact forms included.
 *
 * @return the id, SIP_HDR_OTHER if unknown.
 */
enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len);

/** @return the canonical name of a header id ("Via"), "" for SIP_HDR_OTHER. */
const char *sip_hdr_name(enum sip_hdr_id id);

/** @return the method of a token (case-sensitive, RFC 3261), SIP_METHOD_OTHER if unknown. */
enum sip_method sip_method_lookup(const char *p, size_t len);

/** @return the name of a method ("INVITE"), "" for NONE and OTHER. */
const char *sip_method_name(enum sip_method m);

/**
 * Decode a URI (sip, sips, tel, or any other scheme as opaque).
 *
 * @return 0, or -EBADMSG when malformed.
 */
int sip_uri_decode(struct sip_uri *uri, const char *p, size_t len);

/**
 * Find a parameter in a ';'-separated list such as uri->params or
 * addr->params (names case-insensitive).
 *
 * @return true when present; *val gets the value (empty, p set, when the
 *   parameter has no value). val may be NULL.
 */
bool sip_param_find(struct dg_pl params, const char *name, struct dg_pl *val);

/** @return sip_param_find() on a URI's parameters. */
bool sip_uri_param(const struct sip_uri *uri, const char *name,
		   struct dg_pl *val);

/**
 * Decode a name-addr / addr-spec with parameters (a From, To, Contact,
 * Route or Record-Route value).
 *
 * @return 0, or -EBADMSG with *reason set when reason is not NULL.
 */
int sip_addr_decode(struct sip_addr *addr, struct dg_pl val,
		    const char **reason);

/**
 * Undo %HH escapes into out.
 *
 * @return the length written, -EINVAL on a bad escape, -ENOSPC when cap
 *   is too small.
 */
ssize_t sip_pl_unescape(struct dg_pl in, char *out, size_t cap);

/**
 * Build a stateless response to req (RFC 3261 section 8.2.6): status line,
 * every Via line, From, To (";tag=to_tag" added when To has no tag, code
 * is above 100 and to_tag is not NULL), Call-ID, CSeq, then extra_hdrs
 * (complete lines with CRLF, may be NULL) and "Content-Length: 0".
 * reason NULL uses the standard phrase of code.
 *
 * @return the length written, -EINVAL when req cannot be answered
 *   (sip_msg_can_respond() false) or code is out of range, -ENOSPC when
 *   cap is too small.
 */
int sip_resp_build(char *out, size_t cap, const struct sip_msg *req, int code,
		   const char *reason, const char *to_tag,
		   const char *extra_hdrs);

/** @return the standard reason phrase of a status code, "Unknown" if none. */
const char *sip_status_reason(int code);

/* What the server supports, for sip_msg_check_request(). */
struct sip_check_conf {
	/* option tags we support (Require / Proxy-Require), NULL-terminated or NULL */
	const char *const *supported;
	/* media types accepted in bodies, NULL-terminated; NULL means "application/sdp" */
	const char *const *accept_types;
	/* true when acting as a UAS / registrar (bodies checked, Proxy-Require ignored) */
	bool uas;
	/* the Request-URI is addressed to us: Max-Forwards 0 is then not 483 */
	bool ruri_is_local;
};

/**
 * The message-layer checks of RFC 3261 section 8.2 / 16.3 and RFC 4475
 * section 3.3 on a decoded request: mandatory headers, URI schemes (416),
 * Require / Proxy-Require option tags (420 with an Unsupported header in
 * err->hdrs), Max-Forwards 0 (483, unless ruri_is_local), Content-Type
 * the server cannot handle (415 with Accept in err->hdrs), Content-Length
 * versus body. Reads the headers it needs itself (no parse_hdrs needed).
 *
 * @return 0 when the request may proceed, -EBADMSG with err->status,
 *   err->reason and err->hdrs set otherwise.
 */
int sip_msg_check_request(const struct sip_msg *msg,
			  const struct sip_check_conf *conf,
			  struct sip_perr *err);

/**
 * Where to send a response to req received from src (RFC 3261 section
 * 18.2.2, RFC 3581): over a reliable transport the caller replies on the
 * same connection and dst gets src; otherwise maddr (port from Via or
 * 5060), else received (or src address) with rport value (or src port
 * when rport is empty), else the sent-by port or 5060. Names are not
 * resolved: a maddr or sent-by that is not an IP literal gives -EHOSTUNREACH
 * and the caller resolves the top Via per RFC 3263.
 *
 * @return 0, -EINVAL without a top Via, -EHOSTUNREACH as above.
 */
int sip_msg_response_dest(const struct sip_msg *req,
			  const struct sockaddr_storage *src, bool reliable,
			  struct sockaddr_storage *dst);

/* Edits for sip_msg_write(). */
enum sip_edit_op {
	SIP_EDIT_VIA_PUSH,	/* new top Via line; val = value */
	SIP_EDIT_VIA_POP,	/* remove the top Via value */
	SIP_EDIT_RR_PUSH,	/* new Record-Route line above the others; val = value */
	SIP_EDIT_RURI_SET,	/* replace the Request-URI; val = URI */
	SIP_EDIT_ROUTE_POP,	/* remove the first Route value */
	SIP_EDIT_MAX_FORWARDS_SET, /* set Max-Forwards to num (added if absent) */
	SIP_EDIT_BODY_SET,	/* replace the body (val) and Content-Length */
	SIP_EDIT_HDR_ADD,	/* add "name: val" after the last header */
	SIP_EDIT_HDR_DEL,	/* remove the header line hdr, or every line of id when hdr is NULL */
};

struct sip_edit {
	enum sip_edit_op op;
	enum sip_hdr_id id;
	const struct sip_hdr *hdr;
	struct dg_pl name;
	struct dg_pl val;
	uint32_t num;
};

#define SIP_EDITS_MAX 32

struct sip_edits {
	unsigned int n;
	struct sip_edit e[SIP_EDITS_MAX];
};

/** Empty an edit list. */
void sip_edits_init(struct sip_edits *ed);

/**
 * Append an edit (the caller fills the fields the op needs in *e).
 *
 * @return 0, -ENOSPC when SIP_EDITS_MAX edits are already there.
 */
int sip_edits_add(struct sip_edits *ed, const struct sip_edit *e);

/**
 * Write msg with edits applied into out. Unchanged bytes are copied once,
 * in order; a message without Content-Length gets one (the output may go
 * out over a stream); bytes after the body are not written. Edits of the
 * same kind apply in list order (two RR_PUSH: the second ends up on top).
 * New lines (Via, Record-Route, Max-Forwards when absent, HDR_ADD) may
 * take the output past SIP_MSG_MAX_HDRS lines: callers that decode their
 * own output again must leave room.
 *
 * @return the length written, -ENOSPC when cap is too small, -EINVAL on an
 *   edit that does not fit the message (RURI_SET on a response, pop with
 *   nothing to pop).
 */
ssize_t sip_msg_write(const struct sip_msg *msg, const struct sip_edits *edits,
		      char *out, size_t cap);

#endif
