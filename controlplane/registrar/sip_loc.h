/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The location service (RFC 3261 §10, RFC 3327 Path, RFC 5626 fields): an
 * interface over a store of bindings keyed by address-of-record, so that
 * the registrar and the proxy work the same over the embedded in-memory
 * store (sip_loc_mem.h) and a shared Redis store.
 *
 * Every operation is asynchronous. When it returns 0, its done callback is
 * called exactly once: possibly before the call returns (the in-memory
 * store completes at once) or later from the event loop (Redis completes
 * on its socket's events). Callers must handle both. When it returns a
 * negative errno, done is never called. Outcomes of the operation itself
 * (-ENOSPC, -ESTALE, -EPROTO, -ENOENT, -ENOMEM, -EIO) arrive in done.
 *
 * A record passed to done is valid only until done returns, and only
 * until done itself issues another operation on the same store: copy what
 * must outlive it. Expired bindings are never returned.
 */
#ifndef DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_H
#define DRONGO_CONTROLPLANE_REGISTRAR_SIP_LOC_H

#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"

/** Longest canonical AoR, terminator included. */
#define SIP_LOC_AOR_MAX 256

/** Most Path entries kept per binding (RFC 3327). */
#define SIP_LOC_PATH_MAX 8

/** Longest string field of a binding (contact, Call-ID, a Path URI...). */
#define SIP_LOC_STR_MAX 2048

/** Transport a REGISTER arrived on. */
enum sip_loc_transport {
	SIP_LOC_TP_UDP,
	SIP_LOC_TP_TCP,
	SIP_LOC_TP_TLS,
	SIP_LOC_TP_SCTP,
	SIP_LOC_TP_WS,
	SIP_LOC_TP_WSS,
	SIP_LOC_TP__COUNT,
};

/**
 * Where a REGISTER came from: requests for the binding are sent back
 * there (the NAT-facing address), over that local socket or connection.
 */
struct sip_loc_source {
	enum sip_loc_transport transport;
	struct sockaddr_storage addr;	/* remote address and port */
	uint32_t socket_id;		/* local socket that received it */
	uint64_t conn_id;		/* stream connection, 0 for UDP */
};

/** One binding of an AoR to a contact. */
struct sip_loc_binding {
	struct dg_pl contact;		/* Contact URI, compared byte for byte */
	struct sip_loc_source source;
	struct dg_pl path[SIP_LOC_PATH_MAX];	/* Path header URIs in order */
	unsigned int n_path;
	uint16_t q;			/* q-value times 1000 (0..1000) */
	uint64_t expires;		/* absolute wall-clock seconds */
	struct dg_pl call_id;
	uint32_t cseq;
	struct dg_pl instance;		/* +sip.instance (RFC 5626), may be unset */
	uint32_t reg_id;		/* reg-id (RFC 5626), 0 when absent */
	struct dg_pl user_agent;	/* may be unset */
};

/** The bindings of one AoR at one point in time. */
struct sip_loc_record {
	struct dg_pl aor;		/* canonical form */
	uint64_t version;		/* 0 when the AoR has no binding */
	unsigned int n_bindings;
	const struct sip_loc_binding *bindings;
};

/**
 * Completion of an operation.
 *
 * @param err 0 or a negative errno (see each operation)
 * @param rec the AoR after the operation (NULL when err < 0)
 */
typedef void (*sip_loc_done_fn)(void *arg, int err,
		const struct sip_loc_record *rec);

/** Wall-clock seconds; injectable so that tests control time. */
typedef uint64_t (*sip_loc_clock_fn)(void *arg);

struct sip_loc;

/**
 * A backend. AoRs reach it canonical and every argument checked by the
 * sip_loc_* wrappers below; see them for the meaning of each operation.
 * The aor view and the bindings passed in are valid only during the call:
 * a backend that completes later copies what it needs before returning.
 */
struct sip_loc_ops {
	int (*lookup)(struct sip_loc *loc, struct dg_pl aor,
			sip_loc_done_fn done, void *arg);
	int (*save)(struct sip_loc *loc, struct dg_pl aor,
			const struct sip_loc_binding *binding,
			uint32_t expires_s, sip_loc_done_fn done, void *arg);
	int (*replace)(struct sip_loc *loc, struct dg_pl aor,
			const struct sip_loc_binding *bindings, unsigned int n,
			uint64_t expected_version, sip_loc_done_fn done,
			void *arg);
	int (*remove)(struct sip_loc *loc, struct dg_pl aor,
			struct dg_pl contact, sip_loc_done_fn done, void *arg);
	int (*remove_all)(struct sip_loc *loc, struct dg_pl aor,
			sip_loc_done_fn done, void *arg);
	void (*destroy)(struct sip_loc *loc);
};

/** A store handle; backends embed it as their first member. */
struct sip_loc {
	const struct sip_loc_ops *ops;
};

/**
 * Canonical form of an AoR: "scheme:user@host" with scheme and host in
 * lower case, the user part kept as written (it is case-sensitive, RFC
 * 3261 §19.1.4) except that escapes of unreserved characters are decoded
 * and other escapes use upper-case hex; password, port, parameters and
 * headers dropped. Only sip: and sips: URIs are AoRs.
 *
 * @return length written (a NUL follows), -EINVAL for a malformed or
 *         non-SIP URI, -ENAMETOOLONG when it does not fit in size.
 */
int sip_loc_aor_canon(struct dg_pl uri, char *buf, size_t size);

/**
 * The bindings of an AoR; an unknown AoR gives an empty record (version 0).
 *
 * @return 0, -EINVAL (bad AoR), or a backend's submission error
 *         (-EAGAIN: not connected, -ENOMEM).
 */
int sip_loc_lookup(struct sip_loc *loc, struct dg_pl aor,
		sip_loc_done_fn done, void *arg);

/**
 * Add or refresh one binding, matched by (instance, reg-id) when both are
 * set and by contact URI otherwise; binding->expires is ignored and set to
 * now + expires_s. expires_s 0 removes the matched binding (nothing to
 * remove is not an error). Completes with:
 * -EPROTO when a matched binding has the same Call-ID and a CSeq not lower
 * than this one (RFC 3261 §10.3 step 7: the registrar answers 500),
 * -ENOSPC when the AoR has max bindings or the store max AoRs, -ENOMEM.
 *
 * @return 0, -EINVAL (bad AoR, empty contact or Call-ID, q > 1000,
 *         n_path > SIP_LOC_PATH_MAX, a string longer than SIP_LOC_STR_MAX),
 *         or a submission error.
 */
int sip_loc_save(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *binding, uint32_t expires_s,
		sip_loc_done_fn done, void *arg);

/**
 * Atomically replace all bindings of an AoR if its version still equals
 * expected_version (0: the AoR must have no binding). Bindings carry
 * absolute expiry; those already expired are dropped; n = 0 removes the
 * AoR. Completes with -ESTALE on a version mismatch, -ENOSPC, -ENOMEM.
 *
 * @return 0, -EINVAL (as for save, or two bindings with one contact),
 *         or a submission error.
 */
int sip_loc_replace(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *bindings, unsigned int n,
		uint64_t expected_version, sip_loc_done_fn done, void *arg);

/**
 * Remove the binding with this contact URI. Completes with -ENOENT when
 * there is none.
 *
 * @return 0, -EINVAL, or a submission error.
 */
int sip_loc_remove(struct sip_loc *loc, struct dg_pl aor,
		struct dg_pl contact, sip_loc_done_fn done, void *arg);

/**
 * Remove every binding of an AoR ("Contact: *"); an AoR with no binding
 * completes with 0 as well.
 *
 * @return 0, -EINVAL, or a submission error.
 */
int sip_loc_remove_all(struct sip_loc *loc, struct dg_pl aor,
		sip_loc_done_fn done, void *arg);

/** Destroy a store; NULL is allowed. No operation may be pending. */
void sip_loc_destroy(struct sip_loc *loc);

#endif
