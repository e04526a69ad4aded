/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge proxy's HTTP parts on the real proxy core (harness of
 * proxy_test.h): /api/dialogs lists a confirmed dialog and forgets it
 * after BYE; /api/registrations lists the live bindings; /metrics carries the proxy, transaction, dialog and
 * registration figures; registration into a registry and removal.
 */
#include "proxy_test.h"
#include "cp_edge_http.h"

static struct cp_edge_http eh;

static void
render(int (*fn)(void *, struct http_buf *), struct http_buf *b)
{
	http_buf_init(b, 1 << 20);
	assert_int_equal(fn(&eh, b), 0);
	assert_int_equal(b->err, 0);
	http_buf_add(b, "", 1);
}

/* A confirmed dialog appears with its ids and state; after BYE the list is empty. */
static void
test_dialogs_json(void **state)
{
	struct http_buf b;
	char bye[1024];
	int i;

	(void)state;
	proxy_start(false, 0);
	cp_edge_http_init(&eh, proxy, loc);
	rx_from(invite("sip:00123@example.com", "z9hG4bK-h1", ""), "198.51.100.7",
		UAC_PORT);
	i = find_sent(5060, "INVITE sip:00123@example.com", 0);
	answer(i, 200, "t1", "Contact: <sip:gw@203.0.113.1>\r\n");
	render(cp_edge_http_dialogs, &b);
	assert_string_equal(b.p, "{\"count\":1,\"dialogs\":[{\"call_id\":"
		"\"z9hG4bK-h1@198.51.100.7\",\"caller_tag\":\"a1\",\"callee_tag\":\"t1\","
		"\"state\":\"confirmed\",\"invite_cseq\":1,\"media\":false}],"
		"\"truncated\":false}");
	http_buf_fini(&b);
	snprintf(bye, sizeof(bye),
		"BYE sip:gw@203.0.113.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-h1bye\r\n"
		"Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>;tag=t1\r\n"
		"Call-ID: z9hG4bK-h1@198.51.100.7\r\nCSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT);
	rx_from(bye, "198.51.100.7", UAC_PORT);
	render(cp_edge_http_dialogs, &b);
	assert_string_equal(b.p, "{\"count\":0,\"dialogs\":[],\"truncated\":false}");
	http_buf_fini(&b);
}

/* Registrations: each AoR with its live bindings, time left and source. */
static void
test_registrations_json(void **state)
{
	struct http_buf b;

	(void)state;
	proxy_start(false, 0);
	cp_edge_http_init(&eh, proxy, loc);
	render(cp_edge_http_registrations, &b);
	assert_string_equal(b.p, "{\"registrations\":[],\"truncated\":false}");
	http_buf_fini(&b);
	register_contact("bob", "sip:bob@10.0.0.1:5060", "203.0.113.50", 6001,
		"j1", ";q=0.5");
	render(cp_edge_http_registrations, &b);
	assert_string_equal(b.p, "{\"registrations\":[{\"aor\":\"sip:bob@example.com\","
		"\"bindings\":[{\"contact\":\"sip:bob@10.0.0.1:5060\",\"expires_in\":600,"
		"\"q\":0.500,\"source\":\"udp:203.0.113.50:6001\"}]}],\"truncated\":false}");
	http_buf_fini(&b);
	/* Past its expiry (the sweep has not run) a binding is no longer listed. */
	uring_timers_run(&ts, 100000 + 601000);
	render(cp_edge_http_registrations, &b);
	assert_string_equal(b.p, "{\"registrations\":[],\"truncated\":false}");
	http_buf_fini(&b);
}

/* /metrics: the counters and gauges a call and a registration move. */
static void
test_metrics(void **state)
{
	struct http_buf b;
	int i;

	(void)state;
	proxy_start(false, 0);
	cp_edge_http_init(&eh, proxy, loc);
	register_contact("bob", "sip:bob@203.0.113.50:6001", "203.0.113.50", 6001,
		"m1", "");
	rx_from(invite("sip:00123@example.com", "z9hG4bK-m1", ""), "198.51.100.7",
		UAC_PORT);
	i = find_sent(5060, "INVITE sip:00123@example.com", 0);
	answer(i, 180, "t1", "Contact: <sip:gw@203.0.113.1>\r\n");
	render(cp_edge_http_metrics, &b);
	assert_non_null(strstr(b.p, "# TYPE drongo_proxy_forwarded_total counter\n"
		"drongo_proxy_forwarded_total 1\n"));
	assert_non_null(strstr(b.p, "\ndrongo_proxy_registers_total 1\n"));
	assert_non_null(strstr(b.p, "\ndrongo_proxy_auth_failures_total 0\n"));
	/* The REGISTER's server transaction, the INVITE's server and client ones. */
	assert_non_null(strstr(b.p, "\ndrongo_proxy_transactions_created_total 3\n"));
	assert_non_null(strstr(b.p, "# TYPE drongo_proxy_dialogs gauge\n"
		"drongo_proxy_dialogs 1\n"));
	assert_non_null(strstr(b.p, "\ndrongo_proxy_registered_aors 1\n"));
	assert_non_null(strstr(b.p, "\ndrongo_proxy_transaction_timeouts_total 0\n"));
	http_buf_fini(&b);
}

/* Both parts register once; a second registration is refused and removal frees the names. */
static void
test_register(void **state)
{
	struct http_registry r;

	(void)state;
	proxy_start(false, 0);
	cp_edge_http_init(&eh, proxy, loc);
	http_registry_init(&r);
	assert_int_equal(cp_edge_http_register(&eh, &r), 0);
	assert_ptr_equal(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/dialogs")), &eh.dialogs);
	assert_ptr_equal(http_registry_find(&r, HTTP_PROVIDER_METRICS,
		DG_PL("proxy")), &eh.metrics);
	assert_ptr_equal(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/registrations")), &eh.registrations);
	assert_int_equal(cp_edge_http_register(&eh, &r), -EBUSY);
	cp_edge_http_unregister(&eh, &r);
	assert_null(http_registry_find(&r, HTTP_PROVIDER_JSON, DG_PL("/api/dialogs")));
	assert_null(http_registry_find(&r, HTTP_PROVIDER_METRICS, DG_PL("proxy")));
	assert_null(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/registrations")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dialogs_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registrations_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
