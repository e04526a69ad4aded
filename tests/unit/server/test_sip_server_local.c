/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which Request-URIs name this server: our listener addresses (every
 * interface address for a wildcard listener) and configured domains, on a
 * port we listen on (5060 / 5061 when absent); never another host, another
 * port or a non-SIP scheme.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cp_conf.h"
#include "sip_msg.h"
#include "sip_server_local.h"

static bool
ours(const struct sip_local *l, const char *uri_text)
{
	struct sip_uri uri;

	assert_int_equal(sip_uri_decode(&uri, uri_text, strlen(uri_text)), 0);
	return sip_local_uri_is_ours(l, &uri);
}

static void
load(struct cp_conf *conf, const char *text)
{
	char err[256];

	assert_int_equal(cp_conf_load_buf(conf, "t.yaml", text, strlen(text),
		err, sizeof(err)), 0);
}

/* Explicit listeners: exactly their addresses and ports, plus domains. */
static void
test_explicit_listeners(void **state)
{
	static struct cp_conf conf;
	struct sip_local l;

	(void)state;
	load(&conf, "sip:\n  listen: [\"udp:127.0.0.1:5070\", \"tcp:[::1]:5071\"]\n"
		"  domains: [sip.example.com]\n");
	assert_int_equal(sip_local_init(&l, &conf), 0);
	assert_true(ours(&l, "sip:127.0.0.1:5070"));
	assert_true(ours(&l, "sip:127.0.0.1:5071"));
	assert_true(ours(&l, "sip:[::1]:5070"));
	assert_true(ours(&l, "sip:SIP.Example.COM:5070"));
	assert_true(ours(&l, "sip:alice@127.0.0.1:5070;transport=udp"));
	assert_false(ours(&l, "sip:127.0.0.1"));
	assert_false(ours(&l, "sip:127.0.0.2:5070"));
	assert_false(ours(&l, "sip:[::2]:5071"));
	assert_false(ours(&l, "sip:other.example.com:5070"));
	assert_false(ours(&l, "sips:127.0.0.1"));
	assert_false(ours(&l, "tel:+15551234567"));
}

/* Wildcard listeners: every interface address (loopback included). */
static void
test_wildcard_listeners(void **state)
{
	static struct cp_conf conf;
	struct sip_local l;

	(void)state;
	load(&conf, "");
	assert_int_equal(sip_local_init(&l, &conf), 0);
	assert_true(l.n_addrs >= 1);
	assert_true(ours(&l, "sip:127.0.0.1"));
	assert_true(ours(&l, "sip:127.0.0.1:5060"));
	assert_false(ours(&l, "sip:127.0.0.1:5080"));
	assert_false(ours(&l, "sip:192.0.2.200"));
	assert_false(ours(&l, "sip:example.com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explicit_listeners),
		cmocka_unit_test(test_wildcard_listeners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
