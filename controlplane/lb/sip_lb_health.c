/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The probe hysteresis of one edge (see sip_lb_health.h): runs of
 * successes and failures, and the transitions they cause.
 */
#include <string.h>

#include "sip_lb_health.h"

void
sip_lb_health_init(struct sip_lb_health *h, uint32_t down_after,
		uint32_t up_after, uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->up = true;
	h->down_after = down_after > 0 ? down_after : 1;
	h->up_after = up_after > 0 ? up_after : 1;
	h->last_change_ms = now_ms;
}

static enum sip_lb_health_change
health_result(struct sip_lb_health *h, bool ok, uint64_t now_ms)
{
	if (ok) {
		h->probes_ok++;
		h->fails = 0;
		h->oks++;
		if (!h->up && h->oks >= h->up_after) {
			h->up = true;
			h->went_up++;
			h->last_change_ms = now_ms;
			return SIP_LB_HEALTH_WENT_UP;
		}
		return SIP_LB_HEALTH_SAME;
	}
	h->probes_failed++;
	h->oks = 0;
	h->fails++;
	if (h->up && h->fails >= h->down_after) {
		h->up = false;
		h->went_down++;
		h->last_change_ms = now_ms;
		return SIP_LB_HEALTH_WENT_DOWN;
	}
	return SIP_LB_HEALTH_SAME;
}

enum sip_lb_health_change
sip_lb_health_tick(struct sip_lb_health *h, uint64_t now_ms, uint32_t *seq)
{
	enum sip_lb_health_change c = SIP_LB_HEALTH_SAME;

	if (h->pending)
		c = health_result(h, false, now_ms);
	h->seq++;
	h->pending = true;
	h->probes_sent++;
	*seq = h->seq;
	return c;
}

enum sip_lb_health_change
sip_lb_health_reply(struct sip_lb_health *h, uint32_t seq, bool ok,
		uint64_t now_ms)
{
	if (!h->pending || seq != h->seq)
		return SIP_LB_HEALTH_SAME;
	h->pending = false;
	return health_result(h, ok, now_ms);
}
