/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer for the data plane's packet checks (dataplane/dp_classify.h): the
 * input is a whole Ethernet frame. Invariants: offsets reported by the
 * L2-L4 parse stay inside the frame; an RTP or RTCP packet that passes its
 * check really has the header, extension and padding it claims; the mux
 * demultiplexer and the checks agree on what RTCP is.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dp_classify.h"

static void
fuzz_check_rtp(const uint8_t *p, uint32_t len)
{
	uint32_t hdr;

	if (dp_rtp_check(p, len) != DP_DROP_NONE)
		return;
	hdr = 12 + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10)
		hdr += 4 + 4u * dp_load_be16(p + hdr + 2);
	if (hdr > len || (p[0] >> 6) != 2)
		abort();
	if ((p[0] & 0x20) && (p[len - 1] == 0 || p[len - 1] > len - hdr))
		abort();
}

static void
fuzz_check_rtcp(const uint8_t *p, uint32_t len)
{
	uint32_t off = 0;

	if (dp_rtcp_check(p, len) != DP_DROP_NONE)
		return;
	if (!dp_rtcp_mux_is_rtcp(p, len))
		abort();
	while (off < len) {
		if (len - off < 4 || p[off + 1] < 192 || p[off + 1] > 223)
			abort();
		off += 4u * ((uint32_t)dp_load_be16(p + off + 2) + 1);
	}
	if (off != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_pkt_info pi;
	uint32_t len = size > 65535 ? 65535 : (uint32_t)size;

	if (dp_pkt_parse(data, len, true, &pi) == DP_CLASS_UDP) {
		if ((uint32_t)pi.payload + pi.payload_len > len ||
		    pi.l4 < pi.l3 || pi.payload != pi.l4 + 8)
			abort();
		fuzz_check_rtp(data + pi.payload, pi.payload_len);
		fuzz_check_rtcp(data + pi.payload, pi.payload_len);
	}
	/* The checks on the raw bytes too, so the fuzzer reaches them fast. */
	fuzz_check_rtp(data, len);
	fuzz_check_rtcp(data, len);
	return 0;
}
