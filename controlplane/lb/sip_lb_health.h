/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health of one edge as the balancer's OPTIONS probes see it: a
 * probe goes out every interval; a probe still unanswered when the next
 * one is due counts as failed, an answer counts as success (5xx as failed:
 * an edge that says it is unavailable is out). The edge goes down after
 * down_after failures in a row and comes back after up_after successes in
 * a row, so one lost datagram neither takes an edge out nor one answer
 * brings a flapping edge back. An edge starts up: the balancer serves at
 * once, and a dead edge is out after down_after intervals. Pure state,
 * driven by the caller's clock, so that it is tested without sleeping.
 */
#ifndef DRONGO_CONTROLPLANE_LB_SIP_LB_HEALTH_H
#define DRONGO_CONTROLPLANE_LB_SIP_LB_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

/** What a step did to the state. */
enum sip_lb_health_change {
	SIP_LB_HEALTH_SAME,
	SIP_LB_HEALTH_WENT_DOWN,
	SIP_LB_HEALTH_WENT_UP,
};

struct sip_lb_health {
	bool up;
	bool pending;		/* a probe is out and unanswered */
	uint32_t seq;		/* of the last probe sent */
	uint32_t fails;		/* in a row */
	uint32_t oks;		/* in a row */
	uint32_t down_after;
	uint32_t up_after;
	uint64_t last_change_ms;
	/* counters */
	uint64_t probes_sent;
	uint64_t probes_ok;
	uint64_t probes_failed;
	uint64_t went_down;
	uint64_t went_up;
};

/** Start up, no probe out. */
void sip_lb_health_init(struct sip_lb_health *h, uint32_t down_after,
		uint32_t up_after, uint64_t now_ms);

/**
 * A probe is due: the one still pending (if any) counts as failed, and
 * a new one is recorded as sent; send it with *seq.
 *
 * @return the change the failure made.
 */
enum sip_lb_health_change sip_lb_health_tick(struct sip_lb_health *h,
		uint64_t now_ms, uint32_t *seq);

/**
 * The answer to probe seq arrived (ok: not a 5xx). An answer to an older
 * probe, or a second answer, is ignored.
 *
 * @return the change it made.
 */
enum sip_lb_health_change sip_lb_health_reply(struct sip_lb_health *h,
		uint32_t seq, bool ok, uint64_t now_ms);

#endif
