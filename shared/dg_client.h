/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's side of the shared-memory rings (dg_shm.h): attaches
 * to a drongo-dp region, writes commands into the workers' command rings
 * with sequence numbers it assigns, reads the event rings and matches each
 * reply to its command, times out commands that get no reply, notices a
 * data plane that died or was replaced and attaches to the next one. Poll
 * based, for an event loop: dg_client_send, then dg_client_poll_events from
 * a timer or idle hook (the data plane does not signal: a 1-10 ms timer
 * while commands are in flight, 50-100 ms otherwise, keeps replies prompt
 * and the liveness check running); dg_client_call is the blocking form for
 * tools.
 *
 * One client drives the rings of a region at a time (they are single
 * producer, single consumer): attaching takes an exclusive lock on the
 * region, and a second client gets -EBUSY. A read-only client (statistics)
 * takes no lock and never touches the rings. A client belongs to one
 * thread (the control plane's event loop); nothing in it is locked.
 */
#ifndef DRONGO_SHARED_DG_CLIENT_H
#define DRONGO_SHARED_DG_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_msg.h"
#include "dg_shm.h"

struct dg_client;

/** Options of dg_client_open; zero values pick the defaults. */
struct dg_client_opts {
	unsigned int instance;		/**< region DG_SHM_NAME_FMT % instance */
	const char *name;		/**< region name instead of instance */
	unsigned int cmd_timeout_ms;	/**< reply deadline; 0: 2000 */
	unsigned int dead_after_ms;	/**< alive_ns still: 0: DG_SHM_DEAD_AFTER_MS */
	unsigned int retry_ms;		/**< re-attach attempts; 0: 100 */
	unsigned int max_pending;	/**< commands in flight, rounded up to a
					     power of two; 0: 65536 */
	bool read_only;			/**< statistics only: no rings, no lock */
	bool allow_absent;		/**< open succeeds without a region; the
					     client attaches when one appears */
};

/** What dg_client_poll_events hands to its callback. */
struct dg_client_event {
	const struct dg_msg *msg;	/**< the event (ACK, SESSION_STATS,
					     MEDIA_TIMEOUT, ERROR) */
	unsigned int worker;		/**< ring it came from */
	void *cookie;			/**< of the command it answers; NULL
					     for unsolicited events */
	bool final;			/**< the command's last reply (its ACK):
					     the cookie is not seen again */
};

/**
 * Called for every event. Replies that the client itself produces carry
 * an ACK with status -ETIMEDOUT (no reply within cmd_timeout_ms; for a
 * SESSION_CREATE the caller should then send a SESSION_DELETE of the id,
 * in case the worker created it late) or -ENOTCONN (the data plane went
 * away with the command in flight).
 */
typedef void dg_client_event_fn(void *arg, const struct dg_client_event *ev);

/** Counters of the client itself. */
struct dg_client_stats {
	uint64_t sent;
	uint64_t replies;		/**< events matched to a command */
	uint64_t unsolicited;		/**< seq 0 events */
	uint64_t late;			/**< replies to no command in flight
					     (timed out, or a previous
					     client's): dropped */
	uint64_t invalid;		/**< events of a non-event type: dropped */
	uint64_t timeouts;
	uint64_t attaches;
	uint64_t detaches;
};

/**
 * Create a client and attach to the region named by @p opts. On failure a
 * user-facing reason (region name, ABI versions, lock holder's pid) is
 * written to @p err (@p errlen bytes) when it is not NULL.
 *
 * @return 0 and *out, or (nothing allocated):
 *   -ENOENT no region or drongo-dp stopped, -EAGAIN region not READY yet,
 *   -ENOTCONN region left by a data plane that is no longer alive (these
 *   three only without allow_absent), -EPROTO other ABI major, -EBADMSG
 *   not a valid region, -EBUSY another client drives the rings, -EACCES,
 *   -ENOMEM, -EINVAL bad options.
 */
int
dg_client_open(struct dg_client **out, const struct dg_client_opts *opts,
	       char *err, size_t errlen);

/** Detach and free; pending commands are dropped silently. NULL is fine. */
void
dg_client_close(struct dg_client *c);

/**
 * Text of the last attach failure or detach reason; "" if none. Valid
 * until the next call into the client.
 */
const char *
dg_client_error_text(const struct dg_client *c);

/** Whether a live region is attached now. */
bool
dg_client_connected(const struct dg_client *c);

/**
 * The attached region's header (read its layout and addresses, not its
 * rings), or NULL when detached.
 */
const struct dg_shm_hdr *
dg_client_hdr(const struct dg_client *c);

/**
 * Statistics block of @p worker in the attached region, or NULL (detached
 * or no such worker). Read its fields with dg_shm_stat_read.
 */
const struct dg_shm_worker_stats *
dg_client_worker_stats(const struct dg_client *c, unsigned int worker);

/** Main lcore statistics block, or NULL when detached. */
const struct dg_shm_main_stats *
dg_client_main_stats(const struct dg_client *c);

/** Generation of the attached region (0 when detached). */
uint64_t
dg_client_generation(const struct dg_client *c);

/**
 * Whether the client has attached to a region of another generation than
 * the one before (a data-plane restart) since the last call; clears the
 * flag. The caller then re-programs its live sessions, each with the relay
 * ports it already has, on the worker that owns them (dg_shm_port_worker).
 * The first attach of a client is not a change.
 */
bool
dg_client_generation_changed(struct dg_client *c);

/**
 * The worker a new session should go to: the one with the fewest sessions
 * (its statistics plus this client's creates still in flight), skipping
 * workers whose port pool is exhausted; ties go round-robin.
 *
 * @return the worker index, -ENOTCONN when detached, -ENOSPC if every pool
 *   is full.
 */
int
dg_client_pick_worker(struct dg_client *c);

/**
 * Write command @p msg into @p worker's command ring. The client sets
 * msg->hdr.seq (returned in *seq when @p seq is not NULL); @p cookie comes
 * back with every reply to it.
 *
 * @return 0, -ENOTCONN detached, -EINVAL bad worker or message type,
 *   -EAGAIN ring full or too many commands in flight (poll, then retry),
 *   -EPERM read-only client.
 */
int
dg_client_send(struct dg_client *c, unsigned int worker, struct dg_msg *msg,
	       void *cookie, uint32_t *seq);

/**
 * Read up to @p max events (0: all waiting) from every worker's event
 * ring, match replies, expire commands past their deadline, check that the
 * data plane is alive and re-attach when it was replaced; calls @p fn for
 * each event (@p fn may call dg_client_send; NULL drops the events).
 *
 * @return the number of events delivered, or -EPERM for a read-only client.
 */
int
dg_client_poll_events(struct dg_client *c, dg_client_event_fn *fn, void *arg,
		      unsigned int max);

/**
 * Blocking helper for tools: send @p cmd to @p worker and wait up to
 * @p timeout_ms for its ACK, copied to *ack. Other events (the command's
 * SESSION_STATS replies, unsolicited events) go to @p fn when not NULL.
 *
 * @return 0 with *ack filled (its status may be < 0, including the
 *   -ETIMEDOUT or -ENOTCONN the client writes itself), -ETIMEDOUT when
 *   @p timeout_ms passed first, or an error of dg_client_send.
 */
int
dg_client_call(struct dg_client *c, unsigned int worker, struct dg_msg *cmd,
	       struct dg_msg *ack, dg_client_event_fn *fn, void *arg,
	       unsigned int timeout_ms);

/** Counters of the client. */
void
dg_client_stats_get(const struct dg_client *c, struct dg_client_stats *st);

#endif
