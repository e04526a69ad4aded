/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A node's heartbeat record: who it is (id, role), where peers reach it
 * (SIP, ng and HTTP addresses), what it offers (capacity, weight), how
 * busy it is (load: a media node's live calls), since when it runs and
 * which run of the node it is (a random incarnation number). It
 * is stored in Redis as the value of the node's key, one "name=value"
 * line per field after a version line, so that a newer node may add
 * fields an older one skips. Decoding refuses a record without id or
 * role, with a bad number, or with a value that is not printable text.
 */
#ifndef DRONGO_CONTROLPLANE_CLUSTER_CL_HB_H
#define DRONGO_CONTROLPLANE_CLUSTER_CL_HB_H

#include <stddef.h>
#include <stdint.h>

#include "cp_conf.h"

/** Largest encoded record. */
#define CL_HB_MAX 512

/** One node as its heartbeat describes it. */
struct cl_peer {
	char id[CP_CLUSTER_ID_MAX];
	enum cp_role role;
	char sip[CP_CLUSTER_ADDR_MAX];		/* "" when not advertised */
	char ng[CP_CLUSTER_ADDR_MAX];
	char http[CP_CLUSTER_ADDR_MAX];
	uint32_t capacity;			/* calls; 0: no limit */
	uint32_t weight;
	uint64_t load;				/* media: live calls */
	uint64_t start_s;			/* CLOCK_REALTIME seconds */
	uint64_t seq;				/* heartbeats sent */
	uint64_t inc;				/* this run of the node (random at
						   start; 0: not given) */
};

/**
 * Encode @p p into @p buf.
 *
 * @return the length (no terminator written past it), -ENOSPC.
 */
int cl_hb_encode(const struct cl_peer *p, char *buf, size_t cap);

/**
 * Decode a record of @p len bytes into @p p.
 *
 * @return 0, -EBADMSG (not a record of a known version, missing id or
 *   role, a bad number, a value too long or not printable).
 */
int cl_hb_decode(const char *buf, size_t len, struct cl_peer *p);

#endif
