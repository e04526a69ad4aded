/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the ng request reader (ng_params.c): the flags, lists and
 * keys Kamailio's and OpenSIPS's rtpengine modules send, read into an
 * orchestrator request; spelling variants; unknown flags ignored; required
 * keys and ill-typed or unusable values refused with a reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ng_bencode.h"
#include "ng_cmd.h"

static struct ng_ben_node nodes[256];

static int
parse(const char *msg, enum mc_side side, struct mc_req *req,
      struct ng_params_note *note, const char **reason)
{
	static struct ng_ben_doc doc;

	ng_ben_doc_init(&doc, nodes, 256);
	assert_int_equal(ng_ben_decode(&doc, msg, strlen(msg)), (int)strlen(msg));
	*reason = NULL;
	return ng_params_parse(&doc, &doc.nodes[0], side, req, note, reason);
}

#define BASE "7:call-id3:c@h8:from-tag2:ft3:sdp3:v=0"

/* A Kamailio-style offer: every flag lands where the orchestrator reads it. */
static void
test_kamailio_offer(void **state)
{
	static const char msg[] = "d7:command5:offer" BASE
		"10:via-branch5:z9hG45:label6:caller"
		"5:flagsl13:trust-address10:asymmetric12:loop-protecte"
		"7:replacel6:origin18:session-connectione"
		"9:directionl8:external8:internale"
		"18:transport-protocol8:RTP/SAVP3:ICE6:remove"
		"8:rtcp-muxl5:demuxe4:DTLS3:off"
		"13:received-froml3:IP410:192.0.2.55e"
		"13:media-address12:198.51.100.9e";
	struct ng_params_note note;
	const char *reason;
	struct mc_req req;
	char txt[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(parse(msg, MC_SIDE_OFFER, &req, &note, &reason), 0);
	assert_true(dg_pl_eq(req.call_id, DG_PL("c@h")));
	assert_true(dg_pl_eq(req.from_tag, DG_PL("ft")));
	assert_true(dg_pl_eq(req.via_branch, DG_PL("z9hG4")));
	assert_true(dg_pl_eq(req.label, DG_PL("caller")));
	assert_true(dg_pl_eq(req.sdp, DG_PL("v=0")));
	assert_false(req.flags.sip_source);
	assert_true(req.flags.strict_source);
	assert_true(req.flags.replace_origin);
	assert_true(req.flags.replace_session_conn);
	assert_int_equal(req.flags.xport, SDP_XPORT_SDES);
	assert_true(req.flags.ice_remove);
	assert_int_equal(req.flags.mux, SDP_MUX_DEMUX);
	assert_true(req.flags.have_received_from);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&req.flags.received_from)->sin_addr,
		  txt, sizeof(txt));
	assert_string_equal(txt, "192.0.2.55");
	assert_true(req.flags.have_media_address);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&req.flags.media_address)->sin_addr,
		  txt, sizeof(txt));
	assert_string_equal(txt, "198.51.100.9");
	assert_null(note.warning);
}

/* Spellings: spaces, underscores and case do not matter; a single flag may
 * come as a string; SIP-source-address, rtcp-mux offer, ICE force. */
static void
test_variants(void **state)
{
	static const char msg[] = "d7:command5:offer"
		"7:Call ID3:c@h8:from_tag2:ft3:SDP3:v=0"
		"5:flags18:sip source address"
		"7:replace18:session connection"
		"8:rtcp-muxl5:OFFERe3:ICE5:force"
		"18:transport protocol7:RTP/AVPe";
	struct ng_params_note note;
	const char *reason;
	struct mc_req req;

	(void)state;
	assert_int_equal(parse(msg, MC_SIDE_OFFER, &req, &note, &reason), 0);
	assert_true(dg_pl_eq(req.call_id, DG_PL("c@h")));
	assert_true(req.flags.sip_source);
	assert_false(req.flags.replace_origin);
	assert_true(req.flags.replace_session_conn);
	assert_int_equal(req.flags.mux, SDP_MUX_OFFER);
	assert_true(req.flags.ice_remove);
	assert_non_null(note.warning);
	assert_int_equal(req.flags.xport, SDP_XPORT_RTP);
}

struct bad_case {
	const char *msg;
	enum mc_side side;
	const char *reason;
};

/* Missing required keys and unusable values are refused with a reason. */
static void
test_refusals(void **state)
{
	static const struct bad_case cases[] = {
		{ "d3:sdp3:v=08:from-tag1:ae", MC_SIDE_OFFER,
		  "No call-id in message" },
		{ "d7:call-id1:c3:sdp3:v=0e", MC_SIDE_OFFER,
		  "No from-tag in message" },
		{ "d7:call-id1:c8:from-tag1:ae", MC_SIDE_OFFER,
		  "No SDP body in message" },
		{ "d" BASE "e", MC_SIDE_ANSWER, "No to-tag in message" },
		{ "d7:call-idi5e8:from-tag1:a3:sdp3:v=0e", MC_SIDE_OFFER,
		  "a key that must be a string is not" },
		{ "d" BASE "5:flagsi1ee", MC_SIDE_OFFER,
		  "a key that must be a list is not" },
		{ "d" BASE "18:transport-protocol16:UDP/TLS/RTP/SAVPe",
		  MC_SIDE_OFFER, "DTLS-SRTP transport is not supported" },
		{ "d" BASE "18:transport-protocol3:TCPe", MC_SIDE_OFFER,
		  "unknown transport-protocol" },
		{ "d" BASE "13:received-froml3:IP44:nopeee", MC_SIDE_OFFER,
		  "received-from is not [family, address]" },
		{ "d" BASE "13:media-address4:1.2.e", MC_SIDE_OFFER,
		  "media-address is not an IP address" },
	};
	struct ng_params_note note;
	const char *reason;
	struct mc_req req;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].msg, cases[i].side, &req, &note,
				       &reason), -EINVAL);
		assert_string_equal(reason, cases[i].reason);
	}
}

/* The command table: every name maps to its id, spelling-insensitively. */
static void
test_command_lookup(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < NG_CMD__COUNT; i++)
		assert_int_equal(ng_cmd_lookup((struct dg_pl){ ng_cmd_names[i],
				 strlen(ng_cmd_names[i]) }), i);
	assert_int_equal(ng_cmd_lookup(DG_PL("OFFER")), NG_CMD_OFFER);
	assert_int_equal(ng_cmd_lookup(DG_PL("start recording")), NG_CMD__COUNT);
	assert_string_equal(ng_cmd_names[NG_CMD_STATISTICS], "statistics");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kamailio_offer),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_command_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
