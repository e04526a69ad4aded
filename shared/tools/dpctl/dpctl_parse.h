/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing and printing for drongo-dpctl: leg specifications
 * ("relay=IP[:PORT] peer=IP:PORT mux strict srtp=SUITE:IN:OUT"), addresses
 * with optional ports (IPv6 in brackets when a port follows), SRTP suite
 * names and inline keys in base64 (as SDES a=crypto inline: carries them).
 */
#ifndef DRONGO_SHARED_TOOLS_DPCTL_DPCTL_PARSE_H
#define DRONGO_SHARED_TOOLS_DPCTL_DPCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "dg_msg.h"

/** Longest text dpctl_addr_format writes, NUL included. */
#define DPCTL_ADDR_STR 56u

/**
 * Parse "IP", "IP:PORT", "[IPv6]" or "[IPv6]:PORT" (a bare IPv6 address
 * takes no port). *port is left alone when no port is given.
 *
 * @return 0, or -EINVAL with a reason in @p err.
 */
int
dpctl_addr_parse(const char *s, uint8_t *family, uint8_t addr[16],
		 uint16_t *port, char *err, size_t errlen);

/** Write "IP:PORT" ("[IPv6]:PORT"; "-" for family NONE) into @p buf. */
void
dpctl_addr_format(char *buf, size_t len, uint8_t family,
		  const uint8_t addr[16], uint16_t port);

/**
 * Decode standard base64 (padding optional) of exactly @p want bytes.
 *
 * @return 0, or -EINVAL on a bad character or another length.
 */
int
dpctl_base64_decode(const char *s, uint8_t *out, size_t want);

/** The suite named @p s (RFC 4568 name, case-insensitive), or -EINVAL. */
int
dpctl_suite_parse(const char *s);

/** Name of suite @p suite, "?" when unknown. */
const char *
dpctl_suite_name(unsigned int suite);

/**
 * Parse the words of one leg ("relay=..." "peer=..." "rtcp=PORT"
 * "peer_rtcp=PORT" "mux" "strict" "latch" "srtp=SUITE:INKEY:OUTKEY") into
 * @p leg, which the caller zeroed. A relay address is required unless
 * @p relay_optional.
 *
 * @return 0, or -EINVAL with the offending word and reason in @p err.
 */
int
dpctl_leg_parse(char *const *words, int n, struct dg_msg_leg *leg,
		int relay_optional, char *err, size_t errlen);

#endif
