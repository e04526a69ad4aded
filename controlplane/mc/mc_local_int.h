/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the local orchestrator: its call, stream and operation
 * records and the functions mc_local.c and mc_local_sdp.c share.
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_LOCAL_INT_H
#define DRONGO_CONTROLPLANE_MC_MC_LOCAL_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_client.h"
#include "mc_local.h"
#include "sdp.h"
#include "uring_loop.h"
#include "uring_timer.h"

#define MC_BUCKETS 4096u		/* call and session hash chains */
#define MC_POLL_BUSY_MS 1u
#define MC_POLL_IDLE_MS 20u
/*
 * The data plane takes commands on its drain tick (100 us), so an ACK is
 * there a few hundred microseconds after the command: while commands are
 * in flight the rings are also looked at every MC_SOON_US, up to
 * MC_SOON_MAX times in a row, rather than only on the 1 ms timer.
 */
#define MC_SOON_US 150u
#define MC_SOON_MAX 8u

struct mc_local;

/* A short relative ring timeout; outlives its mc_local while in flight. */
struct mc_soon {
	struct uring_req req;		/* first: the ring's user_data */
	struct __kernel_timespec ts;
	struct mc_local *l;		/* NULL: orphaned by destroy */
	unsigned int left;		/* looks left in this run */
	bool armed;
};

struct mc_keys {
	uint8_t n;
	struct sdp_srtp_key k[SDP_MAX_CRYPTO];
};

struct mc_call;

struct mc_stream {
	struct mc_call *call;
	struct mc_stream *sid_next;	/* session hash chain */
	uint64_t sid;
	bool live;			/* the data plane has the session */
	bool hashed;
	struct dg_msg_session prog;	/* as last acknowledged */
	struct dg_msg_session staged;	/* sent, not acknowledged yet */
	enum sdp_proto proto[2];	/* what each leg's peer speaks */
	struct mc_keys peer_keys[2];	/* announced by each leg's peer */
	struct mc_keys ours[2];		/* announced by us toward each leg */
	char type[16];
	bool have_stats;
	struct dg_msg_stats stats;
};

struct mc_op;

struct mc_call {
	struct mc_call *next;		/* call hash chain */
	char call_id[MC_ID_MAX];
	size_t call_id_len;
	char tag[2][MC_ID_MAX];		/* leg 0: first offerer */
	uint64_t alloc_id;
	unsigned int worker;
	unsigned int n_streams;
	struct mc_stream *streams;
	unsigned int offerer;		/* leg of the last offer */
	char *offer_sdp;		/* that offer as its sender wrote it */
	size_t offer_len;
	enum sdp_xport offer_xport;	/* what the offer asked toward the other */
	/* relay address of each leg (family DG_AF_NONE: not chosen yet) */
	struct dg_shm_addr relay[2];
	char relay_txt[2][INET6_ADDRSTRLEN];
	struct mc_op *op;		/* operation in flight */
	struct mc_op *deferred;		/* release asked for while op ran */
	bool linked;			/* in the call hash */
	uint64_t created_s;
	uint64_t last_signal_s;
};

enum mc_op_kind {
	MC_OP_OFFER,
	MC_OP_ANSWER,
	MC_OP_RELEASE,
	MC_OP_QUERY,
};

struct mc_local;

struct mc_op {
	enum mc_op_kind kind;
	struct mc_local *l;
	struct mc_call *call;
	struct mc_op *ready_next;	/* finished without the data plane */
	unsigned int pending;		/* commands without their ACK yet */
	int status;
	const char *reason;
	bool new_call;			/* the offer created the call */
	mc_done_fn *done;
	mc_info_fn *info_done;
	void *arg;
	struct mc_flags flags;
	char *sdp_in;			/* offer: copy of the request's SDP */
	size_t sdp_in_len;
	char *out;			/* answer: the rewritten SDP */
	size_t out_len;
	struct sockaddr_storage endpoint;
};

struct mc_local {
	struct mc_orch base;		/* first: struct mc_orch * is ours */
	struct mc_local_opts opts;
	char advertise[INET6_ADDRSTRLEN];
	struct dg_client *c;
	struct uring_loop *loop;
	struct uring_timer timer;
	struct mc_soon *soon;		/* NULL without a loop */
	struct mc_call *calls[MC_BUCKETS];
	struct mc_stream *sids[MC_BUCKETS];
	struct mc_op *ready;
	uint64_t next_sid;
	uint64_t next_alloc;
	bool was_connected;
	unsigned int ops;		/* operations not finished */
	struct mc_orch_stats st;
	uint64_t started_s;
	int rollback_cookie;		/* address marks fire-and-forget commands */
	int reprogram_cookie;
};

/* Shared by mc_local.c (state, data-plane replies) and mc_local_sdp.c
 * (what an offer or answer programs and how its SDP is rewritten). */
int mc_send(struct mc_local *l, unsigned int worker, uint16_t type,
	    uint64_t sid, const struct dg_msg_session *s, void *cookie);
void mc_sid_add(struct mc_local *l, struct mc_stream *s);
void mc_sid_del(struct mc_local *l, struct mc_stream *s);
uint64_t mc_sid_next(struct mc_local *l);
void mc_op_fail(struct mc_op *op, int status, const char *reason);
const char *mc_proto_name(enum sdp_proto p);
void mc_sockaddr_from_dg(struct sockaddr_storage *ss, uint8_t family,
			 const uint8_t *addr, uint16_t port);
struct sdp_session *mc_parse(const char *buf, size_t len, int *err,
			     const char **reason);
void mc_offer_rewrite(struct mc_op *op);
int mc_offer_start(struct mc_local *l, struct mc_call *call, struct mc_op *op,
		   const struct sdp_session *sdp, const struct mc_req *req);
int mc_answer_start(struct mc_local *l, struct mc_call *call, struct mc_op *op,
		    const struct sdp_session *ans, const struct mc_req *req);

#endif
