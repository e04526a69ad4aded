/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of the drop reasons of dp_classify.h, for statistics and logs.
 * Everything else of packet classification is inline in the header.
 */
#include "dp_classify.h"

static const char *const dp_drop_names[] = {
#define DP_DROP_NAME_(up, low) #low,
	DP_DROPS(DP_DROP_NAME_)
#undef DP_DROP_NAME_
};

const char *
dp_drop_name(unsigned int reason)
{
	return reason < DP_DROP__COUNT ? dp_drop_names[reason] : "?";
}
