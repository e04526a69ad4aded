/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng commands: one X-macro list gives the enum, the names and the
 * dispatch table; the request parameters (rtpengine's keys and flags, as
 * Kamailio's and OpenSIPS's rtpengine modules send them) are read into an
 * orchestrator request by ng_params_parse. Keys and flags compare without
 * case and with '-', '_' and ' ' taken as the same character, as rtpengine
 * does; unknown keys and flags are ignored.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_CMD_H
#define DRONGO_CONTROLPLANE_NG_NG_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_orch.h"
#include "ng_bencode.h"

/* X(ID, name): the commands the server serves; ng_cmd_<name> handles each. */
#define NG_COMMANDS(X) \
	X(PING, ping) \
	X(OFFER, offer) \
	X(ANSWER, answer) \
	X(DELETE, delete) \
	X(QUERY, query) \
	X(LIST, list) \
	X(STATISTICS, statistics)

enum ng_cmd {
#define NG_CMD_ENUM_(id, name) NG_CMD_##id,
	NG_COMMANDS(NG_CMD_ENUM_)
#undef NG_CMD_ENUM_
	NG_CMD__COUNT
};

/** Command names in enum order. */
extern const char *const ng_cmd_names[NG_CMD__COUNT];

/**
 * The command named by @p name (case-insensitive, '-'/'_'/' ' alike).
 *
 * @return the command, or NG_CMD__COUNT when unknown.
 */
enum ng_cmd ng_cmd_lookup(struct dg_pl name);

/** Whether @p a and @p b are the same ng key or flag (see above). */
bool ng_key_eq(struct dg_pl a, const char *b);

/** Value under @p key of dictionary @p dict, matched with ng_key_eq. */
const struct ng_ben_node *ng_dict_get(const struct ng_ben_doc *doc,
				      const struct ng_ben_node *dict,
				      const char *key);

/** What ng_params_parse noticed but did not refuse (for a "warning"). */
struct ng_params_note {
	const char *warning;
};

/**
 * Read an offer's or answer's parameters from request dictionary @p dict
 * into @p req (views into the request). Required: call-id, from-tag, sdp;
 * to-tag for answers.
 *
 * @return 0; -EINVAL with *reason for a missing or ill-typed key or an
 *   unusable value (transport-protocol, received-from, media-address).
 */
int ng_params_parse(const struct ng_ben_doc *doc,
		    const struct ng_ben_node *dict, enum mc_side side,
		    struct mc_req *req, struct ng_params_note *note,
		    const char **reason);

#endif
