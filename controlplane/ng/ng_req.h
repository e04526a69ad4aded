/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ng request being served, between the server (ng_server.c: cookie,
 * reply cache, socket) and the command handlers (ng_cmd.c). A handler
 * finishes the request exactly once, at once or from an orchestrator
 * completion, with ng_req_reply or ng_req_error.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_REQ_H
#define DRONGO_CONTROLPLANE_NG_NG_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mc_orch.h"
#include "ng_bencode.h"
#include "ng_cmd.h"

/** Values a request may hold (a large offer has a few hundred). */
#define NG_REQ_MAX_NODES 1024

struct ng_server;

struct ng_req {
	struct ng_req *prev;		/* the server's requests in flight */
	struct ng_req *next;
	struct ng_server *srv;
	struct mc_orch *orch;
	enum ng_cmd cmd;
	uint32_t cache_slot;		/* its entry in the reply cache */
	uint64_t cache_gen;		/* entry still ours when equal */
	struct sockaddr_storage src;
	socklen_t srclen;
	size_t cookie_len;
	char *buf;			/* the datagram (the document's views) */
	size_t len;
	struct ng_ben_doc doc;
	const struct ng_ben_node *dict;	/* the request dictionary */
	/* last: only the part decoding fills is written */
	struct ng_ben_node nodes[NG_REQ_MAX_NODES];
};

/**
 * Finish @p req with the bencoded dictionary @p dict (@p len bytes): send
 * "<cookie> <dict>", keep it for retransmissions and free the request.
 */
void ng_req_reply(struct ng_req *req, const char *dict, size_t len);

/** Finish @p req with {"result":"error","error-reason":reason}. */
void ng_req_error(struct ng_req *req, const char *reason);

/** Tell the server's call listener about @p req (its command, call-id, owner). */
void ng_req_note_call(struct ng_req *req);

/** Run the command of @p req (ng_cmd.c). */
void ng_cmd_run(struct ng_req *req);

#endif
