/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of AoR canonicalisation (its input is the To URI of a REGISTER):
 * whatever it accepts must come out as a canonical key, that is
 * canonicalising the result again gives the same bytes, the result starts
 * with "sip:" or "sips:", holds no upper-case letter after its last '@',
 * and fits its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_loc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char once[SIP_LOC_AOR_MAX], twice[SIP_LOC_AOR_MAX];
	const char *host;
	int n, m;

	n = sip_loc_aor_canon((struct dg_pl){ (const char *)data, size }, once,
			sizeof(once));
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(once) || once[n] != '\0' ||
	    strlen(once) != (size_t)n)
		abort();
	if (strncmp(once, "sip:", 4) != 0 && strncmp(once, "sips:", 5) != 0)
		abort();
	host = strrchr(once, '@');
	for (host = host != NULL ? host + 1 : strchr(once, ':') + 1;
	     *host != '\0'; host++)
		if (*host >= 'A' && *host <= 'Z')
			abort();
	m = sip_loc_aor_canon((struct dg_pl){ once, (size_t)n }, twice,
			sizeof(twice));
	if (m != n || memcmp(once, twice, (size_t)n) != 0)
		abort();
	return 0;
}
