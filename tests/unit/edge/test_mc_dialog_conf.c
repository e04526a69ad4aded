/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edge.media, the edge's media policy: defaults when the section or its
 * keys are absent, every value of edge.media.srtp.caller/callee, and
 * errors that name the file, the line and what was wrong.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "mc_dialog_conf.h"

static const char *shipped;	/* config/drongo.yaml */

static int
load(const char *yaml, struct mc_dialog_conf *mc, char *err, size_t errlen)
{
	err[0] = '\0';
	return mc_dialog_conf_load(mc, "t.yaml", yaml, strlen(yaml), err,
		errlen);
}

/* No edge section, no media mapping, an empty one: both parties as offered. */
static void
test_absent_means_as_offered(void **state)
{
	static const char *const docs[] = {
		"node:\n  role: edge\n",
		"edge:\n  timer_c: 180s\n",
		"edge:\n  media:\n",
		"edge:\n  media:\n    srtp:\n",
		"edge:\n  media:\n    srtp:\n      callee: rtp\n",
	};
	struct mc_dialog_conf mc;
	char err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		memset(&mc, 0xff, sizeof(mc));
		assert_int_equal(load(docs[i], &mc, err, sizeof(err)), 0);
		assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_KEEP);
		assert_int_equal(mc.srtp[MC_PARTY_CALLEE], i == 4 ?
			SDP_XPORT_RTP : SDP_XPORT_KEEP);
	}
}

/* Each value maps to the profile offered toward that party. */
static void
test_values(void **state)
{
	struct mc_dialog_conf mc;
	char err[256];

	(void)state;
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      caller: sdes\n      callee: rtp\n", &mc, err,
		sizeof(err)), 0);
	assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_SDES);
	assert_int_equal(mc.srtp[MC_PARTY_CALLEE], SDP_XPORT_RTP);
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      caller: rtp\n      callee: sdes\n", &mc, err,
		sizeof(err)), 0);
	assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_RTP);
	assert_int_equal(mc.srtp[MC_PARTY_CALLEE], SDP_XPORT_SDES);
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      caller: as-offered\n      callee: as-offered\n", &mc, err,
		sizeof(err)), 0);
	assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_KEEP);
	assert_int_equal(mc.srtp[MC_PARTY_CALLEE], SDP_XPORT_KEEP);
	assert_string_equal(mc_dialog_srtp_names[SDP_XPORT_SDES], "sdes");
}

/* edge.media.relay: an address per party, IPv4 or IPv6, or none. */
static void
test_relay(void **state)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	struct mc_dialog_conf mc;
	char err[256];

	(void)state;
	assert_int_equal(load("edge:\n  media:\n    relay:\n"
		"      caller: 10.0.0.2\n      callee: \"2001:db8::7\"\n", &mc, err,
		sizeof(err)), 0);
	sin = (const struct sockaddr_in *)&mc.relay[MC_PARTY_CALLER];
	sin6 = (const struct sockaddr_in6 *)&mc.relay[MC_PARTY_CALLEE];
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a000002);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(sin6->sin6_addr.s6_addr[0], 0x20);
	assert_int_equal(sin6->sin6_addr.s6_addr[15], 0x07);
	assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_KEEP);
	assert_int_equal(load("edge:\n  media:\n    relay:\n"
		"      callee: 10.0.0.3\n", &mc, err, sizeof(err)), 0);
	assert_int_equal(mc.relay[MC_PARTY_CALLER].ss_family, 0);
	assert_int_equal(mc.relay[MC_PARTY_CALLEE].ss_family, AF_INET);
	assert_int_equal(load("edge:\n  media:\n    relay:\n"
		"      caller: relay.example.com\n", &mc, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "t.yaml:4:"));
	assert_non_null(strstr(err, "not an IP address"));
	assert_int_equal(mc.relay[MC_PARTY_CALLER].ss_family, 0);
}

/* A bad value, an unknown key or a wrong shape fails with file:line. */
static void
test_errors(void **state)
{
	struct mc_dialog_conf mc;
	char err[256];

	(void)state;
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      caller: srtp\n", &mc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:4:"));
	assert_non_null(strstr(err, "srtp"));
	assert_non_null(strstr(err, "as-offered|rtp|sdes"));
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      calee: rtp\n", &mc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:4:"));
	assert_non_null(strstr(err, "calee"));
	assert_int_equal(load("edge:\n  media:\n    transport: rtp\n", &mc,
		err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:3:"));
	assert_non_null(strstr(err, "transport"));
	assert_int_equal(load("edge:\n  media:\n    srtp: [rtp]\n", &mc,
		err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:3:"));
	/* A failed load leaves the defaults, never half a policy. */
	assert_int_equal(load("edge:\n  media:\n    srtp:\n"
		"      caller: sdes\n      callee: bogus\n", &mc, err,
		sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:5:"));
	assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_KEEP);
	assert_int_equal(mc.srtp[MC_PARTY_CALLEE], SDP_XPORT_KEEP);
}

/* The shipped configuration file loads, and a missing file is an error. */
static void
test_files(void **state)
{
	struct mc_dialog_conf mc;
	char err[256];

	(void)state;
	if (shipped != NULL) {
		assert_int_equal(mc_dialog_conf_load(&mc, shipped, NULL, 0, err,
			sizeof(err)), 0);
		assert_int_equal(mc.srtp[MC_PARTY_CALLER], SDP_XPORT_KEEP);
	}
	assert_true(mc_dialog_conf_load(&mc, "/nonexistent/drongo.yaml", NULL,
		0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/drongo.yaml"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_means_as_offered),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_files),
	};

	shipped = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
