/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_msg_write(): without edits it reproduces the message byte for byte;
 * with edits it writes exactly the expected bytes, and decoding what it
 * wrote gives back the edited values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_test.h"

static struct sip_msg msg, msg2;
static char out[65536];

static const char invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
	"Max-Forwards: 70\r\n"
	"Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

static void
edit(struct sip_edits *ed, enum sip_edit_op op, const char *val, uint32_t num)
{
	struct sip_edit e = { .op = op, .num = num };

	if (val != NULL)
		e.val = (struct dg_pl){ .p = val, .len = strlen(val) };
	assert_int_equal(sip_edits_add(ed, &e), 0);
}

static void
decode(struct sip_msg *m, const char *p, size_t len)
{
	struct sip_perr err;

	if (sip_msg_decode(m, p, len, &err) != 0)
		fail_msg("decode: %s", err.reason);
}

static const char *const files[] = {
	"rfc4475/wsinv.dat", "rfc4475/intmeth.dat", "rfc4475/esc01.dat",
	"rfc4475/escnull.dat", "rfc4475/esc02.dat", "rfc4475/lwsdisp.dat",
	"rfc4475/longreq.dat", "rfc4475/semiuri.dat", "rfc4475/transports.dat",
	"rfc4475/mpart01.dat", "rfc4475/unreason.dat", "rfc4475/noreason.dat",
	"rfc4475/bcast.dat", "rfc4475/regescrt.dat", "rfc4475/sdp01.dat",
	"rfc5118/mult-ip-in-header.dat", "rfc5118/ipv4-mapped-ipv6.dat",
};

/* No edits: the output is the message, byte for byte. */
static void
test_write_identity(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len = 0;
		char *f = sip_test_load(files[i], &len);
		ssize_t n;

		assert_non_null(f);
		decode(&msg, f, len);
		n = sip_msg_write(&msg, NULL, out, sizeof(out));
		if (n != (ssize_t)len || memcmp(out, f, len) != 0)
			fail_msg("%s: wrote %zd of %zu", files[i], n, len);
		free(f);
	}
}

/* A proxy's edits give exactly these bytes (a first Record-Route below the Vias). */
static void
test_write_proxy_edits(void **state)
{
	static const char want[] =
		"INVITE sip:bob@192.0.2.4:5062 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKedge1;rport\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
		"Record-Route: <sip:192.0.2.1;lr>\r\n"
		"Max-Forwards: 69\r\n"
		"Route: <sip:p2.example.com;lr>\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 4\r\n"
		"\r\n"
		"v=0\n";
	struct sip_edits ed;
	ssize_t n;

	(void)state;
	decode(&msg, invite, sizeof(invite) - 1);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_VIA_PUSH,
	     "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKedge1;rport", 0);
	edit(&ed, SIP_EDIT_RR_PUSH, "<sip:192.0.2.1;lr>", 0);
	edit(&ed, SIP_EDIT_MAX_FORWARDS_SET, NULL, 69);
	edit(&ed, SIP_EDIT_ROUTE_POP, NULL, 0);
	edit(&ed, SIP_EDIT_RURI_SET, "sip:bob@192.0.2.4:5062", 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);

	/* decoding the output agrees with the edits */
	decode(&msg2, out, (size_t)n);
	assert_int_equal(msg2.n_vias, 2);
	assert_int_equal(msg2.vias[0].host.len, 9);
	assert_memory_equal(msg2.vias[0].host.p, "192.0.2.1", 9);
	assert_int_equal(msg2.vias[0].port, 5060);
	assert_true(msg2.vias[0].rport);
	assert_int_equal(msg2.max_forwards, 69);
	assert_int_equal(msg2.ruri.port, 5062);
	assert_int_equal(msg2.cseq.num, 314159);
	assert_true(dg_pl_eq(msg2.call_id, msg.call_id));
	assert_true(dg_pl_eq(msg2.body, msg.body));
	assert_int_equal(sip_msg_parse_hdrs(&msg2, SIP_HDR_F_ROUTE |
					    SIP_HDR_F_RECORD_ROUTE,
					    &(struct sip_perr){ 0 }), 0);
	assert_int_equal(msg2.n_routes, 1);
	assert_int_equal(msg2.n_rroutes, 1);
	assert_int_equal(msg2.n_hdrs, msg.n_hdrs + 2);
}

/* Two Record-Route pushes (a proxy changing transport): the second is on
 * top, and both sit above an existing Record-Route. */
static void
test_write_two_rr(void **state)
{
	static const char resp[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
		"Via: SIP/2.0/UDP c;branch=z9hG4bK3\r\n"
		"Record-Route: <sip:old;lr>\r\n"
		"To: <sip:x@y>;tag=2\r\nFrom: <sip:z@y>;tag=1\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char want[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
		"Via: SIP/2.0/UDP c;branch=z9hG4bK3\r\n"
		"Record-Route: <sip:rr2;lr>\r\n"
		"Record-Route: <sip:rr1;lr>\r\n"
		"Record-Route: <sip:old;lr>\r\n"
		"To: <sip:x@y>;tag=2\r\nFrom: <sip:z@y>;tag=1\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct sip_edits ed;
	ssize_t n;

	(void)state;
	decode(&msg, resp, sizeof(resp) - 1);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_VIA_POP, NULL, 0);
	edit(&ed, SIP_EDIT_RR_PUSH, "<sip:rr1;lr>", 0);
	edit(&ed, SIP_EDIT_RR_PUSH, "<sip:rr2;lr>", 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	decode(&msg2, out, (size_t)n);
	assert_int_equal(msg2.n_vias, 2);
	assert_int_equal(msg2.status, 200);

	/* popping the single-value top Via line drops the line */
	decode(&msg, out, (size_t)n);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_VIA_POP, NULL, 0);
	n = sip_msg_write(&msg, &ed, out + 4096, sizeof(out) - 4096);
	assert_true(n > 0);
	decode(&msg2, out + 4096, (size_t)n);
	assert_int_equal(msg2.n_vias, 1);
	assert_int_equal(msg2.vias[0].host.p[0], 'c');
}

/* Body replacement rewrites Content-Length; headers are added and removed;
 * a message without Content-Length gets one. */
static void
test_write_body_and_headers(void **state)
{
	static const char want[] =
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
		"Max-Forwards: 70\r\n"
		"Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 12\r\n"
		"X-Media: relayed\r\n"
		"\r\n"
		"v=0\r\no=- 1\r\n";
	struct sip_edits ed;
	struct sip_edit e = { .op = SIP_EDIT_HDR_ADD,
		.name = DG_PL("X-Media"), .val = DG_PL("relayed") };
	size_t len = 0;
	char *f;
	ssize_t n, i;

	(void)state;
	decode(&msg, invite, sizeof(invite) - 1);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_BODY_SET, "v=0\r\no=- 1\r\n", 0);
	assert_int_equal(sip_edits_add(&ed, &e), 0);
	e = (struct sip_edit){ .op = SIP_EDIT_HDR_DEL, .id = SIP_HDR_CONTACT };
	assert_int_equal(sip_edits_add(&ed, &e), 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
	decode(&msg2, out, (size_t)n);
	assert_int_equal(msg2.content_length, 12);

	/* every buffer too small by any amount is -ENOSPC, never a write past it */
	for (i = 0; i < n; i++)
		assert_int_equal(sip_msg_write(&msg, &ed, out, (size_t)i), -ENOSPC);

	f = sip_test_load("rfc4475/inv2543.dat", &len);
	assert_non_null(f);
	decode(&msg, f, len);
	n = sip_msg_write(&msg, NULL, out, sizeof(out));
	assert_true(n > (ssize_t)len);
	decode(&msg2, out, (size_t)n);
	assert_true(msg2.have & SIP_HAVE_CONTENT_LENGTH);
	assert_int_equal(msg2.content_length, msg.body.len);
	assert_int_equal(sip_msg_frame(out, (size_t)n, sizeof(out)), n);
	free(f);
}

/* Route pop removes the first Route value, past empty Route lines and
 * empty list elements (found by fuzzing). */
static void
test_write_route_pop_skips_empty(void **state)
{
	static const char req[] =
		"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"Route:\r\nRoute: , <sip:r1;lr>, <sip:r2;lr>\r\n"
		"To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n"
		"Call-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
	static const char want[] =
		"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"Route:\r\nRoute: <sip:r2;lr>\r\n"
		"To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n"
		"Call-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
	struct sip_edits ed;
	ssize_t n;

	(void)state;
	decode(&msg, req, sizeof(req) - 1);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_ROUTE_POP, NULL, 0);
	n = sip_msg_write(&msg, &ed, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
}

/* Edits that do not fit the message are refused. */
static void
test_write_bad_edits(void **state)
{
	static const char resp[] =
		"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
		"To: <sip:x@y>;tag=2\r\nFrom: <sip:z@y>;tag=1\r\n"
		"Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct sip_edits ed;
	unsigned int i;

	(void)state;
	decode(&msg, resp, sizeof(resp) - 1);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_RURI_SET, "sip:a@b", 0);
	assert_int_equal(sip_msg_write(&msg, &ed, out, sizeof(out)), -EINVAL);
	sip_edits_init(&ed);
	edit(&ed, SIP_EDIT_ROUTE_POP, NULL, 0);
	assert_int_equal(sip_msg_write(&msg, &ed, out, sizeof(out)), -EINVAL);
	sip_edits_init(&ed);
	for (i = 0; i < SIP_EDITS_MAX; i++)
		edit(&ed, SIP_EDIT_HDR_ADD, "x", 0);
	assert_int_equal(sip_edits_add(&ed, &ed.e[0]), -ENOSPC);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_identity),
		cmocka_unit_test(test_write_proxy_edits),
		cmocka_unit_test(test_write_two_rr),
		cmocka_unit_test(test_write_body_and_headers),
		cmocka_unit_test(test_write_route_pop_skips_empty),
		cmocka_unit_test(test_write_bad_edits),
	};

	sip_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
