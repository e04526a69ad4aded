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
static uint64_t dp_clock_hz;

void
dp_clock_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dp_clock_tsc0 = rte_rdtsc();
	dp_clock_ns0 = (uint64_t)ts.tv_sec * 1000000000ull +
		(uint64_t)ts.tv_nsec;
	dp_clock_hz = rte_get_tsc_hz();
}

uint64_t
dp_clock_monotonic(void *arg)
{
	uint64_t d = rte_rdtsc() - dp_clock_tsc0;

	(void)arg;
	/* Split to keep the multiplication inside 64 bits. */
	return dp_clock_ns0 + d / dp_clock_hz * 1000000000ull +
		d % dp_clock_hz * 1000000000ull / dp_clock_hz;
}
