/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Choosing the best final response of a forked request (RFC 3261 section
 * 16.7 items 6 and 9): a 6xx wins over everything, otherwise the lowest
 * class among the final responses received (3xx before 4xx before 5xx);
 * within the 4xx class responses that let the caller resubmit (401, 407,
 * 415, 420, 484) come first, then answers that say something about the
 * callee (486 Busy Here, 603 ...), and "not here" answers (404, 408, 480)
 * last, because another branch that reached a device tells the caller
 * more. Among equals the first received is kept. A 503 chosen is sent on
 * as 500 (section 16.7 item 6); no final response at all gives 408.
 */
#ifndef DRONGO_CONTROLPLANE_PROXY_SIP_BEST_H
#define DRONGO_CONTROLPLANE_PROXY_SIP_BEST_H

#include <stdbool.h>

/** The best final response seen so far among the branches of a request. */
struct sip_best {
	int code;		/* 0 while none */
	int branch;		/* index of the branch that gave it, -1 while none */
	unsigned int rank;
};

/** Start with no response. */
void sip_best_init(struct sip_best *best);

/**
 * Offer a final (300..699) response of a branch.
 *
 * @return true when it becomes the best (the caller keeps its copy),
 *   false when an earlier one stays best or code is not final.
 */
bool sip_best_offer(struct sip_best *best, int code, int branch);

/** True for the codes whose challenges are merged into the answer (401, 407). */
bool sip_best_is_challenge(int code);

/**
 * The code the proxy sends upstream for the best response: 500 for 503,
 * 408 when no branch answered, the code itself otherwise.
 */
int sip_best_code_out(const struct sip_best *best);

#endif
