/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology hiding: the header rewrites byte for byte, the tokens, and a
 * call through a hiding route on the real proxy core (the harness of
 * proxy_test.h): each side sees only the proxy in Via, Record-Route and
 * Contact, and in-dialog requests sent to the tokens reach the other
 * side from either end.
 */
#include "proxy_test.h"
#include "sip_proxy_th.h"

static const char th_req[] =
	"INVITE sip:00123@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK-p1, SIP/2.0/UDP 10.1.1.2;branch=z9hG4bK-u1\r\n"
	"Record-Route: <sip:10.1.1.1;lr>\r\n"
	"From: <sip:alice@example.com>;tag=a1\r\n"
	"To: <sip:00123@example.com>\r\n"
	"Call-ID: th-x\r\n"
	"CSeq: 1 INVITE\r\n"
	"m: <sip:alice@10.1.1.2>\r\n"
	"Content-Length: 0\r\n\r\n";

static struct sip_msg tm;
static char out[8192];

static void
decode(const char *text)
{
	struct sip_perr perr;

	assert_int_equal(sip_msg_decode(&tm, text, strlen(text), &perr), 0);
	assert_int_equal(sip_msg_parse_hdrs(&tm, SIP_HDR_F_CONTACT |
		SIP_HDR_F_RECORD_ROUTE, &perr), 0);
}

/* A token names one side of one dialog and reads back; anything else is no token. */
static void
test_th_token(void **state)
{
	char tok[SIP_TH_TOKEN_LEN + 1];
	bool to_caller;
	uint64_t id;

	(void)state;
	assert_int_equal(sip_th_token(tok, sizeof(tok), 0x1234abcdULL, true),
		SIP_TH_TOKEN_LEN);
	assert_string_equal(tok, "dgth000000001234abcda");
	assert_int_equal(sip_th_token_parse((struct dg_pl){ tok, strlen(tok) },
		&id, &to_caller), 0);
	assert_true(id == 0x1234abcdULL);
	assert_true(to_caller);
	assert_int_equal(sip_th_token_parse(DG_PL("dgth000000001234abcdb"), &id,
		&to_caller), 0);
	assert_false(to_caller);
	assert_int_equal(sip_th_token_parse(DG_PL("dgth000000001234abcdc"), &id,
		&to_caller), -ENOENT);
	assert_int_equal(sip_th_token_parse(DG_PL("dgth000000001234ABCDa"), &id,
		&to_caller), -ENOENT);
	assert_int_equal(sip_th_token_parse(DG_PL("alice"), &id, &to_caller),
		-ENOENT);
	assert_int_equal(sip_th_token(tok, SIP_TH_TOKEN_LEN, 1, true), -ENOSPC);
}

/* The proxy's Contact: the token at a local address, transport for TCP, no ;lr. */
static void
test_th_contact(void **state)
{
	struct sockaddr_storage a;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a;
	char b[128];
	int n;

	(void)state;
	sa_set(&a, "192.0.2.10", 5060);
	n = sip_th_contact(b, sizeof(b), &a, SIP_TP_UDP, 0xffULL, false);
	assert_string_equal(b, "<sip:dgth00000000000000ffb@192.0.2.10:5060>");
	assert_int_equal(n, (int)strlen(b));
	n = sip_th_contact(b, sizeof(b), &a, SIP_TP_TCP, 0, false);
	assert_string_equal(b, "<sip:192.0.2.10:5060;transport=tcp>");
	assert_int_equal(n, (int)strlen(b));
	memset(&a, 0, sizeof(a));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5070);
	inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	sip_th_contact(b, sizeof(b), &a, SIP_TP_UDP, 1, true);
	assert_string_equal(b, "<sip:dgth0000000000000001a@[2001:db8::1]:5070>");
	assert_int_equal(sip_th_contact(b, 20, &a, SIP_TP_UDP, 1, true), -ENOSPC);
}

/* A hidden request loses every Via, Record-Route and Contact of its sender. */
static void
test_th_request_edits(void **state)
{
	struct sip_edits ed;
	struct sip_edit e;
	ssize_t n;

	(void)state;
	decode(th_req);
	sip_edits_init(&ed);
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_VIA_PUSH;
	e.val = DG_PL("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg1");
	assert_int_equal(sip_edits_add(&ed, &e), 0);
	assert_int_equal(sip_th_request_edits(&tm, DG_PL("<sip:192.0.2.10:5060;lr>"),
		DG_PL("<sip:dgth0000000000000001a@192.0.2.10:5060>"), &ed), 0);
	n = sip_msg_write(&tm, &ed, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out,
		"INVITE sip:00123@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg1\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>\r\n"
		"Call-ID: th-x\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n"
		"Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Contact: <sip:dgth0000000000000001a@192.0.2.10:5060>\r\n"
		"\r\n");
	/* In a dialog: no Record-Route at all; a request without Contact gets none. */
	decode("BYE sip:x@10.1.1.9 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.1.1.2;branch=z9hG4bK-b1\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:b@example.com>;tag=b1\r\n"
		"Call-ID: th-x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	sip_edits_init(&ed);
	assert_int_equal(sip_th_request_edits(&tm, DG_PL_NULL,
		DG_PL("<sip:dgth0000000000000001a@192.0.2.10:5060>"), &ed), 0);
	n = sip_msg_write(&tm, &ed, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "BYE sip:x@10.1.1.9 SIP/2.0\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:b@example.com>;tag=b1\r\n"
		"Call-ID: th-x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
}

/* A hidden response gets the request's Vias back, our Record-Route and Contact. */
static void
test_th_response_edits(void **state)
{
	struct sockaddr_storage src;
	struct sip_edits ed;
	char vias[512];
	ssize_t n;
	int nv;

	(void)state;
	decode(th_req);
	/* The top Via as the response must carry it: received= from the source. */
	sa_set(&src, "198.51.100.7", 5060);
	nv = sip_th_vias(vias, sizeof(vias), &tm, &src);
	assert_string_equal(vias,
		"SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK-p1;received=198.51.100.7, "
		"SIP/2.0/UDP 10.1.1.2;branch=z9hG4bK-u1");
	decode("SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg1\r\n"
		"Record-Route: <sip:203.0.113.9;lr>\r\n"
		"Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>;tag=gw1\r\n"
		"Call-ID: th-x\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:gw@203.0.113.1>\r\n"
		"Content-Length: 0\r\n\r\n");
	sip_edits_init(&ed);
	assert_int_equal(sip_th_response_edits(&tm, (struct dg_pl){ vias, (size_t)nv },
		DG_PL("<sip:192.0.2.10:5060;lr>, <sip:10.1.1.1;lr>"),
		DG_PL("<sip:dgth0000000000000001b@192.0.2.10:5060>"), &ed), 0);
	n = sip_msg_write(&tm, &ed, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out,
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK-p1;received=198.51.100.7, "
		"SIP/2.0/UDP 10.1.1.2;branch=z9hG4bK-u1\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>;tag=gw1\r\n"
		"Call-ID: th-x\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n"
		"Record-Route: <sip:192.0.2.10:5060;lr>, <sip:10.1.1.1;lr>\r\n"
		"Contact: <sip:dgth0000000000000001b@192.0.2.10:5060>\r\n"
		"\r\n");
}

/* Copies the value of the first line "name: " of text into v. */
static void
line_value(const char *text, const char *name, char *v, size_t cap)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(text, key);
	assert_non_null(p);
	p += strlen(key);
	e = strstr(p, "\r\n");
	assert_non_null(e);
	assert_true((size_t)(e - p) < cap);
	memcpy(v, p, (size_t)(e - p));
	v[e - p] = '\0';
}

static unsigned int
count_lines(const char *text, const char *name)
{
	char key[64];
	unsigned int n = 0;
	const char *p = text;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	while ((p = strstr(p, key)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * A call over a hiding route: the trunk sees only the proxy, the caller
 * sees only the proxy, and BYE and ACK sent to the tokens reach the
 * other side from either end, with their Vias hidden the same way.
 */
static void
test_th_call(void **state)
{
	char b[4096], ctok_a[128], ctok_b[128], via[512], rr[256];
	const char *gw_rr = "<sip:203.0.113.9;lr>";
	int i;

	(void)state;
	pconf.routes.rules[0].topology_hiding = true;
	proxy_start(false, 0);
	snprintf(b, sizeof(b),
		"INVITE sip:00123@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th1;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>\r\n"
		"Call-ID: th-call-1\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:%d>\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT, UAC_PORT);
	assert_int_equal(rx_from(b, "198.51.100.7", UAC_PORT), 0);
	i = find_sent(5060, "INVITE sip:00123@example.com SIP/2.0", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "203.0.113.1");
	/* The trunk sees the proxy only. */
	assert_null(strstr(sent[i].text, "198.51.100.7"));
	assert_int_equal(count_lines(sent[i].text, "Via"), 1);
	assert_non_null(strstr(sent[i].text, "\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-dg"));
	assert_null(strchr(strstr(sent[i].text, "\r\nVia: ") + 7, ','));
	assert_true(has_line(sent[i].text, "Record-Route: <sip:192.0.2.10:5060;lr>"));
	assert_int_equal(count_lines(sent[i].text, "Record-Route"), 1);
	line_value(sent[i].text, "Contact", ctok_a, sizeof(ctok_a));
	assert_int_equal(strlen(ctok_a), strlen("<sip:@192.0.2.10:5060>") + SIP_TH_TOKEN_LEN);
	assert_int_equal(strncmp(ctok_a, "<sip:dgth", 9), 0);
	assert_string_equal(ctok_a + 5 + SIP_TH_TOKEN_LEN - 1, "a@192.0.2.10:5060>");

	/* The trunk answers through a proxy of its own (203.0.113.9). */
	line_value(sent[i].text, "Via", via, sizeof(via));
	snprintf(b, sizeof(b),
		"SIP/2.0 200 OK\r\n"
		"Via: %s\r\n"
		"Record-Route: %s, <sip:192.0.2.10:5060;lr>\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>;tag=gw1\r\n"
		"Call-ID: th-call-1\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:gw@203.0.113.1:5060>\r\n"
		"Content-Length: 0\r\n\r\n", via, gw_rr);
	assert_int_equal(rx_from(b, "203.0.113.1", 5060), 0);
	i = find_sent(UAC_PORT, "SIP/2.0 200 OK", 0);
	assert_true(i >= 0);
	/* The caller sees the proxy only, and its own Via back. */
	assert_null(strstr(sent[i].text, "203.0.113"));
	assert_int_equal(count_lines(sent[i].text, "Via"), 1);
	snprintf(b, sizeof(b), "Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th1;"
		"received=198.51.100.7;rport=%d", UAC_PORT, UAC_PORT);
	assert_true(has_line(sent[i].text, b));
	assert_true(has_line(sent[i].text, "Record-Route: <sip:192.0.2.10:5060;lr>"));
	line_value(sent[i].text, "Contact", ctok_b, sizeof(ctok_b));
	assert_int_equal(strncmp(ctok_b, ctok_a, 5 + SIP_TH_TOKEN_LEN - 1), 0);
	assert_string_equal(ctok_b + 5 + SIP_TH_TOKEN_LEN - 1, "b@192.0.2.10:5060>");

	/* The caller's ACK to the callee's token: through the trunk's proxy. */
	snprintf(rr, sizeof(rr), "%.*s", (int)(strlen(ctok_b) - 2), ctok_b + 1);
	snprintf(b, sizeof(b),
		"ACK %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th1ack;rport\r\n"
		"Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:00123@example.com>;tag=gw1\r\nCall-ID: th-call-1\r\n"
		"CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", rr, UAC_PORT);
	assert_int_equal(rx_from(b, "198.51.100.7", UAC_PORT), 0);
	i = find_sent(5060, "ACK sip:gw@203.0.113.1:5060 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "203.0.113.9");
	assert_true(has_line(sent[i].text, "Route: <sip:203.0.113.9;lr>"));
	assert_null(strstr(sent[i].text, "198.51.100.7"));
	assert_int_equal(count_lines(sent[i].text, "Via"), 1);

	/* The trunk's BYE to the caller's token reaches the caller's real Contact. */
	snprintf(rr, sizeof(rr), "%.*s", (int)(strlen(ctok_a) - 2), ctok_a + 1);
	snprintf(b, sizeof(b),
		"BYE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK-px9\r\n"
		"Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-gwbye\r\n"
		"Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 69\r\nFrom: <sip:00123@example.com>;tag=gw1\r\n"
		"To: <sip:alice@example.com>;tag=a1\r\nCall-ID: th-call-1\r\n"
		"CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n", rr);
	assert_int_equal(rx_from(b, "203.0.113.9", 5060), 0);
	snprintf(b, sizeof(b), "BYE sip:alice@198.51.100.7:%d SIP/2.0", UAC_PORT);
	i = find_sent(UAC_PORT, b, 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "198.51.100.7");
	assert_null(strstr(sent[i].text, "203.0.113"));
	assert_null(strstr(sent[i].text, "Route:"));
	assert_int_equal(count_lines(sent[i].text, "Via"), 1);
	/* The caller's 200 goes back with the trunk side's Vias restored. */
	answer(i, 200, NULL, NULL);
	i = find_sent(5060, "SIP/2.0 200 OK", 0);
	assert_true(i >= 0);
	assert_string_equal(sent[i].ip, "203.0.113.9");
	assert_true(has_line(sent[i].text,
		"Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK-px9, "
		"SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-gwbye"));
	assert_null(strstr(sent[i].text, "198.51.100.7"));
	assert_int_equal(sip_dialogs_count(sip_proxy_dialogs(proxy)), 0);
}

/* The caller's BYE reaches the trunk; a token of another dialog or unknown gets 481. */
static void
test_th_bye_from_caller_and_481(void **state)
{
	char b[4096], ctok_b[128], via[512], uri[128];
	int i;

	(void)state;
	pconf.routes.rules[0].topology_hiding = true;
	proxy_start(false, 0);
	snprintf(b, sizeof(b),
		"INVITE sip:00777@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th2\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a2\r\n"
		"To: <sip:00777@example.com>\r\n"
		"Call-ID: th-call-2\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:%d>\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT, UAC_PORT);
	assert_int_equal(rx_from(b, "198.51.100.7", UAC_PORT), 0);
	i = find_sent(5060, "INVITE sip:00777@example.com SIP/2.0", 0);
	assert_true(i >= 0);
	line_value(sent[i].text, "Via", via, sizeof(via));
	snprintf(b, sizeof(b),
		"SIP/2.0 200 OK\r\nVia: %s\r\n"
		"Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
		"From: <sip:alice@example.com>;tag=a2\r\n"
		"To: <sip:00777@example.com>;tag=gw2\r\n"
		"Call-ID: th-call-2\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:gw@203.0.113.1:5070>\r\n"
		"Content-Length: 0\r\n\r\n", via);
	assert_int_equal(rx_from(b, "203.0.113.1", 5060), 0);
	i = find_sent(UAC_PORT, "SIP/2.0 200 OK", 0);
	assert_true(i >= 0);
	line_value(sent[i].text, "Contact", ctok_b, sizeof(ctok_b));
	snprintf(uri, sizeof(uri), "%.*s", (int)(strlen(ctok_b) - 2), ctok_b + 1);
	snprintf(b, sizeof(b),
		"BYE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th2bye\r\n"
		"Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a2\r\n"
		"To: <sip:00777@example.com>;tag=gw2\r\nCall-ID: th-call-2\r\n"
		"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", uri, UAC_PORT);
	assert_int_equal(rx_from(b, "198.51.100.7", UAC_PORT), 0);
	i = find_sent(5070, "BYE sip:gw@203.0.113.1:5070 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_null(strstr(sent[i].text, "198.51.100.7"));
	answer(i, 200, NULL, NULL);
	i = find_sent(UAC_PORT, "SIP/2.0 200 OK", 1);
	assert_true(i >= 0);
	assert_non_null(strstr(sent[i].text, "CSeq: 2 BYE"));
	assert_null(strstr(sent[i].text, "203.0.113"));
	/* The same token with another Call-ID opens nothing. */
	snprintf(b, sizeof(b),
		"BYE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.66:5060;branch=z9hG4bK-th2evil\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:eve@example.com>;tag=e1\r\n"
		"To: <sip:00777@example.com>;tag=gw2\r\nCall-ID: other\r\n"
		"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", uri);
	assert_int_equal(rx_from(b, "198.51.100.66", 5060), 0);
	assert_true(find_sent(5060, "SIP/2.0 481", 0) >= 0);
	assert_int_equal(count_sent(5070, "BYE"), 1);
}

/* Hands the proxy an in-dialog request from ip:port (Route: ours). */
static void
in_dialog(const char *method, const char *uri, const char *from, const char *to,
		int cseq, const char *contact, const char *ip, uint16_t port)
{
	char b[2048];

	snprintf(b, sizeof(b),
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-%s-%d\r\n"
		"Route: <sip:192.0.2.10:5060;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
		"Call-ID: th-call-3\r\nCSeq: %d %s\r\n%s%s%s"
		"Content-Length: 0\r\n\r\n", method, uri, ip, port, method, cseq,
		from, to, cseq, method, contact != NULL ? "Contact: " : "",
		contact != NULL ? contact : "", contact != NULL ? "\r\n" : "");
	assert_int_equal(rx_from(b, ip, port), 0);
}

/* A re-INVITE moves both Contacts: later requests go to the new ones, still hidden. */
static void
test_th_target_refresh(void **state)
{
	char b[4096], ca[128], cb[128], via[512];
	const char *alice = "<sip:alice@example.com>;tag=a3";
	const char *gw = "<sip:00555@example.com>;tag=gw3";
	int i;

	(void)state;
	pconf.routes.rules[0].topology_hiding = true;
	proxy_start(false, 0);
	snprintf(b, sizeof(b),
		"INVITE sip:00555@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=z9hG4bK-th3\r\n"
		"Max-Forwards: 70\r\nFrom: %s\r\nTo: <sip:00555@example.com>\r\n"
		"Call-ID: th-call-3\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:%d>\r\n"
		"Content-Length: 0\r\n\r\n", UAC_PORT, alice, UAC_PORT);
	assert_int_equal(rx_from(b, "198.51.100.7", UAC_PORT), 0);
	i = find_sent(5060, "INVITE sip:00555@example.com SIP/2.0", 0);
	assert_true(i >= 0);
	line_value(sent[i].text, "Contact", b, sizeof(b));
	snprintf(ca, sizeof(ca), "%.*s", (int)(strlen(b) - 2), b + 1);
	line_value(sent[i].text, "Via", via, sizeof(via));
	snprintf(b, sizeof(b),
		"SIP/2.0 200 OK\r\nVia: %s\r\n"
		"Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
		"From: %s\r\nTo: %s\r\nCall-ID: th-call-3\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:gw@203.0.113.1:5070>\r\n"
		"Content-Length: 0\r\n\r\n", via, alice, gw);
	assert_int_equal(rx_from(b, "203.0.113.1", 5060), 0);
	i = find_sent(UAC_PORT, "SIP/2.0 200 OK", 0);
	assert_true(i >= 0);
	line_value(sent[i].text, "Contact", b, sizeof(b));
	snprintf(cb, sizeof(cb), "%.*s", (int)(strlen(b) - 2), b + 1);

	/* The caller moves to port 7000; the trunk's answer moves it to 5080. */
	in_dialog("INVITE", cb, alice, gw, 2, "<sip:alice@198.51.100.7:7000>",
		"198.51.100.7", UAC_PORT);
	i = find_sent(5070, "INVITE sip:gw@203.0.113.1:5070 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_null(strstr(sent[i].text, "7000"));
	snprintf(b, sizeof(b), "Contact: <%s>", ca);
	assert_true(has_line(sent[i].text, b));
	line_value(sent[i].text, "Via", via, sizeof(via));
	snprintf(b, sizeof(b),
		"SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\n"
		"Call-ID: th-call-3\r\nCSeq: 2 INVITE\r\n"
		"Contact: <sip:gw@203.0.113.1:5080>\r\n"
		"Content-Length: 0\r\n\r\n", via, alice, gw);
	assert_int_equal(rx_from(b, "203.0.113.1", 5070), 0);
	i = find_sent(UAC_PORT, "SIP/2.0 200 OK", 1);
	assert_true(i >= 0);
	assert_null(strstr(sent[i].text, "5080"));
	snprintf(b, sizeof(b), "Contact: <%s>", cb);
	assert_true(has_line(sent[i].text, b));

	/* The trunk's INFO reaches the caller's new Contact (at its source address). */
	in_dialog("INFO", ca, gw, alice, 3, NULL, "203.0.113.1", 5080);
	i = find_sent(UAC_PORT, "INFO sip:alice@198.51.100.7:7000 SIP/2.0", 0);
	assert_true(i >= 0);
	/* The caller's BYE reaches the trunk's new Contact. */
	in_dialog("BYE", cb, alice, gw, 3, NULL, "198.51.100.7", UAC_PORT);
	i = find_sent(5080, "BYE sip:gw@203.0.113.1:5080 SIP/2.0", 0);
	assert_true(i >= 0);
	assert_null(strstr(sent[i].text, "198.51.100.7"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_th_token),
		cmocka_unit_test(test_th_contact),
		cmocka_unit_test(test_th_request_edits),
		cmocka_unit_test(test_th_response_edits),
		cmocka_unit_test_setup_teardown(test_th_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_th_bye_from_caller_and_481,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_th_target_refresh, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
