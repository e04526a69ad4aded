/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters of the stateless SIP service, from one X-macro list so that the
 * struct, the log line and (later) the HTTP /metrics exposition cannot
 * disagree. Each entry: field name and its one-line meaning.
 */
#ifndef DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_STATS_H
#define DRONGO_CONTROLPLANE_SERVER_SIP_SERVER_STATS_H

#include <stdint.h>

#define SIP_SERVER_STATS(X) \
	X(rx, "messages received (datagrams and stream frames)") \
	X(rx_parsed, "messages that decoded") \
	X(rx_requests, "requests that decoded") \
	X(rx_acks, "ACK requests absorbed (never answered)") \
	X(tx_responses, "responses queued for sending") \
	X(tx_2xx, "2xx responses queued") \
	X(tx_4xx, "4xx responses queued") \
	X(tx_5xx, "5xx responses queued") \
	X(tx_400, "400 Bad Request responses queued") \
	X(tx_501, "501 Not Implemented responses queued") \
	X(tx_513, "513 Message Too Large responses queued") \
	X(drop_response, "responses received and dropped (no transaction layer)") \
	X(drop_malformed, "malformed messages dropped (no routable response)") \
	X(drop_oversize, "oversized messages dropped (no routable response)") \
	X(drop_unroutable, "responses not sent: destination needs DNS or another family") \
	X(drop_tx_error, "responses not sent: could not be queued") \
	X(log_suppressed, "reject/drop log lines left out by the rate limit")

/** The counters; written by the loop thread only. */
struct sip_server_stats {
#define SIP_SERVER_STATS_FIELD_(name, help) uint64_t name;
	SIP_SERVER_STATS(SIP_SERVER_STATS_FIELD_)
#undef SIP_SERVER_STATS_FIELD_
};

#endif
