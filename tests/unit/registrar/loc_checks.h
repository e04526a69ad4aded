/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour every location store must show (sip_loc.h), written once
 * and run over each backend: the in-memory store (test_sip_loc_mem.c)
 * and the Redis store (tests/unit/redis/test_sip_loc_redis.c). A backend
 * says how to create a store on the checks' clock, how to wait for its
 * completions, and what it can report.
 */
#ifndef DRONGO_TESTS_UNIT_REGISTRAR_LOC_CHECKS_H
#define DRONGO_TESTS_UNIT_REGISTRAR_LOC_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_loc.h"

/** The checks' clock starts here (wall-clock seconds). */
#define LOC_CHECK_T0 1700000000ull

struct CMUnitTest;

/** How the checks drive one kind of store. */
struct loc_check_backend {
	/** Create a store with these limits reading clock(clock_arg). */
	int (*create)(struct sip_loc **out, uint32_t max_aors,
			uint32_t max_bindings, sip_loc_clock_fn clock,
			void *clock_arg);
	/** Return once every operation submitted so far has completed. */
	void (*settle)(struct sip_loc *loc);
	/** AoRs held with a live binding; NULL when the backend cannot say. */
	size_t (*aors)(struct sip_loc *loc);
	/** Drop expired bindings now and then; NULL when expiry is passive. */
	void (*sweep)(struct sip_loc *loc);
	/** The backend enforces a maximum number of AoRs. */
	bool limits_aors;
};

/** The backend the checks run over; set before cmocka runs them. */
extern const struct loc_check_backend *loc_check_be;

/**
 * The shared checks as cmocka tests (each with its own setup and
 * teardown).
 *
 * @return the tests; *n receives their count.
 */
const struct CMUnitTest *loc_checks_tests(size_t *n);

#endif
