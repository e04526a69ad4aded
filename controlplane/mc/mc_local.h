/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local orchestrator: this box's drongo-dp, programmed through the
 * shared-memory rings with dg_client. One data-plane session per m= line;
 * all streams of a call on one worker. The orchestrator keeps what each
 * session was programmed with, so that when drongo-dp restarts (a new
 * region generation) every live session is created again with the relay
 * ports already advertised in SDP. dg_client is polled from a loop timer
 * (every millisecond while commands are in flight, every 20 ms otherwise).
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_LOCAL_H
#define DRONGO_CONTROLPLANE_MC_MC_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "mc_orch.h"
#include "sdp.h"
#include "uring_loop.h"

/** Options of mc_local_create; zero values pick the defaults. */
struct mc_local_opts {
	unsigned int instance;		/**< drongo-dp instance (region /drongo-dp.N) */
	const char *shm_name;		/**< region name instead of the instance */
	const char *advertise;		/**< address written into SDP instead of the
					     relay's own (1:1 NAT); NULL: the relay's */
	uint16_t timeout_start_s;	/**< answered call without any packet: end;
					     0: 60 */
	uint16_t timeout_stop_s;	/**< media stopped this long: end; 0: 60 */
	unsigned int cmd_timeout_ms;	/**< data-plane reply deadline; 0: 2000 */
	sdp_random_fn *rnd;		/**< SDES key source; NULL: OpenSSL */
	void *rnd_arg;
};

/**
 * Create the local orchestrator. The data plane need not be running: the
 * client attaches when it appears, and operations fail with -ENOTCONN
 * until then. With @p loop NULL nothing polls by itself: the owner calls
 * mc_local_poll (unit tests do).
 *
 * @return 0 and *out; -ENOMEM; -EINVAL bad options; the error of
 *   dg_client_open (reason in @p err) other than an absent region.
 */
int mc_local_create(struct mc_orch **out, struct uring_loop *loop,
		    const struct mc_local_opts *opts, char *err, size_t errlen);

/**
 * Read the data plane's replies and events, complete the operations they
 * finish, and re-program sessions after a data-plane restart.
 *
 * @return the number of events handled.
 */
int mc_local_poll(struct mc_orch *o);

/** Whether the data plane is attached now. */
bool mc_local_connected(struct mc_orch *o);

#endif
