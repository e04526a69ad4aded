/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registrar (RFC 3261 section 10.3, RFC 3327 Path) over the location
 * service interface only, so an in-memory or a Redis store serve alike.
 * One REGISTER is one read-modify-write of its AoR: look the bindings up,
 * apply every Contact of the request (steps 6 to 8: "*" only alone and
 * with Expires 0, expiry from the contact parameter, the Expires header
 * or the default, 423 with Min-Expires below the minimum, clamped to the
 * maximum, Call-ID/CSeq ordering with 500 on an out-of-order request),
 * then replace the AoR's bindings atomically if nobody changed them in
 * between (compare-and-swap on the record version, retried a few times).
 * Either every contact of a REGISTER applies or none does. The 200 lists
 * the current bindings with their remaining expiry and echoes Path when
 * the UA supports it. Authentication (step 3) and the domain check (step
 * 1) are the caller's; step 4's rule is applied here: an authenticated
 * user may only register (From and To) its own AoR.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_REGISTRAR_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_REGISTRAR_H

#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"
#include "sip_loc.h"
#include "sip_msg.h"

/** Expiry policy. */
struct sip_reg_conf {
	uint32_t min_expires;		/* below it: 423 (0 expires always allowed) */
	uint32_t max_expires;		/* above it: clamped */
	uint32_t default_expires;	/* no parameter and no header */
	sip_loc_clock_fn clock;		/* wall-clock seconds; NULL: CLOCK_REALTIME */
	void *clock_arg;
};

/** Most header bytes a registrar answer carries (Contact lines, Path ...). */
#define SIP_REG_HDRS_MAX 8192

/**
 * The outcome: a status code and the extra header lines of the response
 * (complete lines with CRLF), valid during the call only.
 */
typedef void (*sip_reg_done_fn)(void *arg, int code, const char *reason,
		const char *hdrs);

/**
 * Process a REGISTER. The request bytes are copied, so req and buf may go
 * once this returns; done is called exactly once, possibly before this
 * returns, unless this returns a negative errno.
 *
 * @param buf the request as received (decoded again into the operation)
 * @param src where it came from: stored with each binding (NAT traversal)
 * @param auth_user the authenticated user name, unset when the request
 *   was not authenticated (trusted source)
 * @return 0, -ENOMEM, -EBADMSG when buf does not decode.
 */
int sip_reg_handle(struct sip_loc *loc, const struct sip_reg_conf *conf,
		const char *buf, size_t len, const struct sip_loc_source *src,
		struct dg_pl auth_user, sip_reg_done_fn done, void *arg);

/** The transport of a binding from a Via transport. */
enum sip_loc_transport sip_reg_loc_transport(enum sip_transport tp);

#endif
