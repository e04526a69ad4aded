/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rank of a final response for best-response selection: lower wins.
 * Classes are ranked 6xx, 3xx, 4xx, 5xx; inside 4xx a small table orders
 * the codes as the header of sip_best.h explains.
 */
#include "sip_best.h"

/* Rank inside the 4xx class: 0 best. */
static unsigned int
rank_4xx(int code)
{
	switch (code) {
	case 401:
	case 407:
		return 0;
	case 415:
	case 420:
	case 484:
		return 1;
	case 404:
	case 408:
	case 480:
		return 3;
	default:
		return 2;
	}
}

static unsigned int
rank_of(int code)
{
	switch (code / 100) {
	case 6:
		return 0;
	case 3:
		return 10;
	case 4:
		return 20 + rank_4xx(code);
	default:
		return 30;
	}
}

void
sip_best_init(struct sip_best *best)
{
	best->code = 0;
	best->branch = -1;
	best->rank = ~0u;
}

bool
sip_best_offer(struct sip_best *best, int code, int branch)
{
	unsigned int r;

	if (code < 300 || code > 699)
		return false;
	r = rank_of(code);
	if (best->code != 0 && r >= best->rank)
		return false;
	best->code = code;
	best->branch = branch;
	best->rank = r;
	return true;
}

bool
sip_best_is_challenge(int code)
{
	return code == 401 || code == 407;
}

int
sip_best_code_out(const struct sip_best *best)
{
	if (best->code == 0)
		return 408;
	if (best->code == 503)
		return 500;
	return best->code;
}
