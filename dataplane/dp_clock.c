/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcores' clock: CLOCK_MONOTONIC nanoseconds computed from the TSC, so
 * reading it in the worker loop costs no syscall, anchored once at start-up
 * so that times in events compare with the control plane's clock_gettime.
 * Each worker reaches it through a function pointer in its dp_lcore, which
 * tests replace to drive time themselves.
 */
#include <time.h>

#include <rte_cycles.h>

#include "dp_lcore.h"

static uint64_t dp_clock_tsc0;
static uint64_t dp_clock_ns0;
/* Nanoseconds per TSC tick in fixed point with 40 fraction bits (rounding
 * drift below 1e-11, a third of a millisecond a year, for TSCs up to
 * 10 GHz): a multiplication and a shift instead of two 64-bit divisions
 * per read. */
#define DP_CLOCK_SHIFT 40u
static uint64_t dp_clock_mult;

void
dp_clock_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dp_clock_tsc0 = rte_rdtsc();
	dp_clock_ns0 = (uint64_t)ts.tv_sec * 1000000000ull +
		(uint64_t)ts.tv_nsec;
	dp_clock_mult = (uint64_t)(((unsigned __int128)1000000000u <<
				    DP_CLOCK_SHIFT) / rte_get_tsc_hz());
}

uint64_t
dp_clock_monotonic(void *arg)
{
	uint64_t d = rte_rdtsc() - dp_clock_tsc0;

	(void)arg;
	return dp_clock_ns0 + (uint64_t)(((unsigned __int128)d *
					   dp_clock_mult) >> DP_CLOCK_SHIFT);
}
