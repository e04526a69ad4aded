/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_msg_decode(), sip_msg_parse_hdrs() and sip_msg_check_request() on
 * the RFC 4475 and RFC 5118 torture messages: every valid message yields
 * the values the RFC calls out, every invalid one the precise reason and
 * status, every application-layer case the answer the RFC gives. Each
 * message is decoded where it ends flush against a guard page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_test.h"

static struct sip_msg msg;

struct loaded {
	char *file;
	struct dg_test_guard g;
	size_t len;
};

static void
load(struct loaded *l, const char *rel)
{
	l->file = sip_test_load(rel, &l->len);
	assert_non_null(l->file);
	assert_int_equal(dg_test_guard_put(&l->g, l->file, l->len), 0);
}

static void
unload(struct loaded *l)
{
	dg_test_guard_free(&l->g);
	free(l->file);
}

/* Decode a vector as one datagram; returns decode's result. */
static int
decode_file(struct loaded *l, const char *rel, struct sip_perr *err)
{
	load(l, rel);
	return sip_msg_decode(&msg, l->g.p, l->len, err);
}

static void
assert_pl(struct dg_pl pl, const char *s)
{
	assert_non_null(pl.p);
	if (pl.len != strlen(s) || memcmp(pl.p, s, pl.len) != 0)
		fail_msg("view \"%.*s\" != \"%s\"", (int)pl.len, pl.p, s);
}

static void
assert_unescaped(struct dg_pl pl, const char *s, size_t n)
{
	char buf[256];
	ssize_t r = sip_pl_unescape(pl, buf, sizeof(buf));

	assert_int_equal(r, (ssize_t)n);
	assert_memory_equal(buf, s, n);
}

struct bad_vec {
	const char *file;
	int status;
	const char *reason;
	bool can_respond;
};

/* RFC 4475 section 3.1.2 (and 3.3.8, 3.3.9, RFC 5118 4.2): each invalid
 * message is rejected with its own reason; requests that carry a usable
 * top Via and CSeq can still be answered. */
static const struct bad_vec bad_vecs[] = {
	{ "rfc4475/badinv01.dat", 400, "malformed Via", false },
	{ "rfc4475/clerr.dat", 400, "Content-Length exceeds message", true },
	{ "rfc4475/ncl.dat", 400, "invalid Content-Length", true },
	{ "rfc4475/scalar02.dat", 400, "CSeq number too large", true },
	{ "rfc4475/scalarlg.dat", 400, "CSeq number too large", false },
	{ "rfc4475/quotbal.dat", 400, "unterminated quoted string in To", true },
	{ "rfc4475/ltgtruri.dat", 400, "Request-URI enclosed in <>", true },
	{ "rfc4475/lwsruri.dat", 400, "whitespace in Request-URI", true },
	{ "rfc4475/lwsstart.dat", 400, "extra whitespace in request line", true },
	{ "rfc4475/trws.dat", 400, "trailing whitespace in request line", true },
	{ "rfc4475/escruri.dat", 400, "Request-URI contains headers", true },
	{ "rfc4475/baddate.dat", 400, "Date not in GMT", true },
	{ "rfc4475/badaspec.dat", 400, "whitespace inside <> in To", true },
	{ "rfc4475/baddn.dat", 400, "invalid display name in From", true },
	{ "rfc4475/badvers.dat", 505, "unsupported SIP version", true },
	{ "rfc4475/mismatch01.dat", 400,
	  "CSeq method does not match request method", true },
	{ "rfc4475/mismatch02.dat", 400,
	  "CSeq method does not match request method", true },
	{ "rfc4475/bigcode.dat", 400, "invalid status code", false },
	{ "rfc4475/multi01.dat", 400, "multiple CSeq headers", true },
	{ "rfc4475/mcl01.dat", 400, "multiple Content-Length headers", true },
	{ "rfc4475/test.dat", 400, "missing SIP version in request line", false },
	{ "rfc5118/ipv6-bad.dat", 400, "invalid Request-URI", true },
};

/* Every invalid message gives -EBADMSG with its precise reason and status. */
static void
test_invalid_messages(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_vecs) / sizeof(bad_vecs[0]); i++) {
		const struct bad_vec *v = &bad_vecs[i];
		struct sip_perr err;
		struct loaded l;
		int r = decode_file(&l, v->file, &err);

		if (r != -EBADMSG || err.status != v->status ||
		    err.reason == NULL || strcmp(err.reason, v->reason) != 0 ||
		    sip_msg_can_respond(&msg) != v->can_respond)
			fail_msg("%s: r=%d status=%d reason=\"%s\" can_respond=%d",
				 v->file, r, err.status,
				 err.reason ? err.reason : "(null)",
				 sip_msg_can_respond(&msg));
		unload(&l);
	}
}

static const char *const good_files[] = {
	"rfc4475/wsinv.dat", "rfc4475/intmeth.dat", "rfc4475/esc01.dat",
	"rfc4475/escnull.dat", "rfc4475/esc02.dat", "rfc4475/lwsdisp.dat",
	"rfc4475/longreq.dat", "rfc4475/dblreq.dat", "rfc4475/semiuri.dat",
	"rfc4475/transports.dat", "rfc4475/mpart01.dat",
	"rfc4475/unreason.dat", "rfc4475/noreason.dat",
	"rfc4475/badbranch.dat", "rfc4475/insuf.dat", "rfc4475/unkscm.dat",
	"rfc4475/novelsc.dat", "rfc4475/unksm2.dat", "rfc4475/bext01.dat",
	"rfc4475/invut.dat", "rfc4475/regaut01.dat", "rfc4475/bcast.dat",
	"rfc4475/zeromf.dat", "rfc4475/cparam01.dat", "rfc4475/cparam02.dat",
	"rfc4475/regescrt.dat", "rfc4475/sdp01.dat", "rfc4475/inv2543.dat",
	"rfc4475/regbadct.dat",
	"rfc5118/ipv6-good.dat", "rfc5118/port-ambiguous.dat",
	"rfc5118/port-unambiguous.dat",
	"rfc5118/via-received-param-with-delim.dat",
	"rfc5118/via-received-param-no-delim.dat", "rfc5118/ipv6-in-sdp.dat",
	"rfc5118/mult-ip-in-header.dat", "rfc5118/mult-ip-in-sdp.dat",
	"rfc5118/ipv4-mapped-ipv6.dat", "rfc5118/ipv6-bug-abnf-3-colons.dat",
	"rfc5118/ipv6-correct-abnf-2-colons.dat",
};

/* Every well-formed message decodes, and every on-demand group parses. */
static void
test_valid_messages_decode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_files) / sizeof(good_files[0]); i++) {
		struct sip_perr err;
		struct loaded l;
		int r = decode_file(&l, good_files[i], &err);
		uint32_t mask = SIP_HDR_F_ALL;

		if (r != 0)
			fail_msg("%s: %s", good_files[i], err.reason);
		/* regbadct's Contact is the one malformed part (checked below) */
		if (strstr(good_files[i], "regbadct") != NULL)
			mask &= ~SIP_HDR_F_CONTACT;
		r = sip_msg_parse_hdrs(&msg, mask, &err);
		if (r != 0)
			fail_msg("%s: parse_hdrs: %s", good_files[i], err.reason);
		assert_int_equal(msg.parsed, mask);
		unload(&l);
	}
}

/* wsinv: folded and spaced-out values read as the RFC spells them out. */
static void
test_wsinv_values(void **state)
{
	const struct sip_hdr *h;
	struct sip_perr err;
	struct dg_pl v;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/wsinv.dat", &err), 0);
	assert_true(msg.is_request);
	assert_int_equal(msg.method, SIP_METHOD_INVITE);
	assert_pl(msg.ruri.user, "vivekg");
	assert_pl(msg.ruri.host, "chair-dnrc.example.com");
	assert_pl(msg.ruri.params, "unknownparam");
	assert_true(sip_uri_param(&msg.ruri, "unknownparam", &v));
	assert_int_equal(v.len, 0);
	assert_pl(msg.to.uri.raw, "sip:vivekg@chair-dnrc.example.com");
	assert_pl(msg.to.tag, "1918181833n");
	assert_pl(msg.from.dname, "\"J Rosenberg \\\\\\\"\"");
	assert_pl(msg.from.uri.user, "jdrosen");
	assert_pl(msg.from.tag, "98asjd8");
	assert_int_equal(msg.max_forwards, 68);
	assert_pl(msg.call_id, "wsinv.ndaksdj@192.0.2.1");
	assert_int_equal(msg.content_length, 150);
	assert_int_equal(msg.body.len, 150);
	assert_int_equal(msg.cseq.num, 9);
	assert_int_equal(msg.cseq.method, SIP_METHOD_INVITE);
	assert_int_equal(msg.n_vias, 3);
	assert_int_equal(msg.vias[0].transport, SIP_TP_UDP);
	assert_pl(msg.vias[0].host, "192.0.2.2");
	assert_int_equal(msg.vias[0].host_type, SIP_HOST_IPV4);
	assert_pl(msg.vias[0].branch, "390skdjuw");
	assert_int_equal(msg.vias[1].transport, SIP_TP_TCP);
	assert_pl(msg.vias[1].host, "spindle.example.com");
	assert_pl(msg.vias[1].branch, "z9hG4bK9ikj8");
	assert_int_equal(msg.vias[2].transport, SIP_TP_UDP);
	assert_pl(msg.vias[2].host, "192.168.255.111");
	assert_pl(msg.vias[2].branch, "z9hG4bK30239");
	assert_int_equal(msg.vias[1].hdr_idx, msg.vias[2].hdr_idx);
	h = sip_msg_hdr_first(&msg, SIP_HDR_SUBJECT);
	assert_non_null(h);
	assert_int_equal(h->value.len, 0);
	h = sip_msg_hdr_find(&msg, "newfangledheader");
	assert_non_null(h);
	assert_pl(h->value, "newfangled value\r\n continued newfangled value");
	h = sip_msg_hdr_find(&msg, "UnknownHeaderWithUnusualValue");
	assert_non_null(h);
	assert_pl(h->value, ";;,,;;,;");
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT |
					    SIP_HDR_F_ROUTE, &err), 0);
	assert_int_equal(msg.n_contacts, 1);
	assert_pl(msg.contacts[0].addr.dname, "\"Quoted string \\\"\\\"\"");
	assert_true(msg.contacts[0].has_q);
	assert_int_equal(msg.contacts[0].q, 330);
	assert_true(sip_param_find(msg.contacts[0].addr.params, "newparam", &v));
	assert_pl(v, "newvalue");
	assert_true(sip_param_find(msg.contacts[0].addr.params, "secondparam",
				   NULL));
	assert_int_equal(msg.n_routes, 1);
	assert_pl(msg.routes[0], "<sip:services.example.com;lr;unknownwith=value;"
		  "unknown-no-value>");
	unload(&l);
}

/* intmeth: an unknown method with every token character, a user part full
 * of reserved characters and a password, matched by CSeq. */
static void
test_intmeth_values(void **state)
{
	static const char meth[] = "!interesting-Method0123456789_*+`.%indeed'~";
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/intmeth.dat", &err), 0);
	assert_int_equal(msg.method, SIP_METHOD_OTHER);
	assert_pl(msg.method_raw, meth);
	assert_pl(msg.cseq.method_raw, meth);
	assert_int_equal(msg.cseq.num, 139122385);
	assert_pl(msg.ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	assert_pl(msg.ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	assert_pl(msg.ruri.host, "example.com");
	/* quoted-pairs escape BEL, NUL and DEL */
	assert_int_equal(msg.to.dname.len, 22);
	assert_memory_equal(msg.to.dname.p, "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\"", 22);
	assert_pl(msg.from.dname, "token1~` token2'+_ token3*%!.-");
	assert_pl(msg.from.tag, "_token~1'+`*%!-.");
	assert_pl(msg.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	assert_int_equal(msg.max_forwards, 255);
	assert_non_null(sip_msg_hdr_find(&msg, "extensionHeader-!.%*+_`'~"));
	assert_pl(msg.vias[0].branch, "z9hG4bK-.!%66*_+`'~");
	unload(&l);
}

/* esc01, escnull, esc02: escaped URIs compare by their unescaped form;
 * a '%' in a method or header name is just a token character. */
static void
test_escaped_uris(void **state)
{
	struct sip_perr err;
	struct loaded l;
	struct dg_pl v;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/esc01.dat", &err), 0);
	assert_pl(msg.ruri.user, "sips%3Auser%40example.com");
	assert_unescaped(msg.ruri.user, "sips:user@example.com", 21);
	assert_pl(msg.ruri.host, "example.net");
	assert_unescaped(msg.to.uri.user, "user", 4);
	assert_unescaped(msg.from.uri.user, "I have spaces", 13);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_unescaped(msg.contacts[0].addr.uri.user, "caller", 6);
	assert_true(sip_uri_param(&msg.contacts[0].addr.uri, "n%61me", &v));
	assert_unescaped(v, "value%41", 8);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/escnull.dat", &err), 0);
	assert_unescaped(msg.to.uri.user, "null-\0-null", 11);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_int_equal(msg.n_contacts, 2);
	assert_unescaped(msg.contacts[0].addr.uri.user, "\0", 1);
	assert_unescaped(msg.contacts[1].addr.uri.user, "\0\0", 2);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/esc02.dat", &err), 0);
	assert_int_equal(msg.method, SIP_METHOD_OTHER);
	assert_pl(msg.method_raw, "RE%47IST%45R");
	assert_pl(msg.to.dname, "\"%Z%45\"");
	assert_pl(msg.vias[0].branch, "z9hG4bK209%fzsnel234");
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	/* "C%6Fntact" is not Contact */
	assert_int_equal(msg.n_contacts, 2);
	assert_non_null(sip_msg_hdr_find(&msg, "C%6Fntact"));
	assert_int_equal(sip_pl_unescape(DG_PL("%Z1"), (char[4]){ 0 }, 4), -EINVAL);
	unload(&l);
}

/* lwsdisp, semiuri, transports, badbranch, noreason, unreason, mpart01. */
static void
test_valid_message_values(void **state)
{
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/lwsdisp.dat", &err), 0);
	assert_pl(msg.from.dname, "caller");
	assert_pl(msg.from.tag, "323");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/semiuri.dat", &err), 0);
	assert_pl(msg.ruri.user, "user;par=u%40example.net");
	assert_pl(msg.ruri.host, "example.com");
	assert_null(msg.ruri.params.p);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_ACCEPT, &err), 0);
	assert_int_equal(msg.n_accept, 6);
	assert_pl(msg.accept[2], "multipart/mixed");
	assert_pl(msg.accept[5], "message/sipfrag");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/transports.dat", &err), 0);
	assert_int_equal(msg.n_vias, 5);
	assert_int_equal(msg.vias[0].transport, SIP_TP_UDP);
	assert_int_equal(msg.vias[1].transport, SIP_TP_SCTP);
	assert_int_equal(msg.vias[2].transport, SIP_TP_TLS);
	assert_int_equal(msg.vias[3].transport, SIP_TP_OTHER);
	assert_pl(msg.vias[3].transport_raw, "UNKNOWN");
	assert_int_equal(msg.vias[4].transport, SIP_TP_TCP);
	assert_pl(msg.vias[4].host, "t5.example.com");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/badbranch.dat", &err), 0);
	assert_pl(msg.vias[0].branch, "z9hG4bK");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/noreason.dat", &err), 0);
	assert_false(msg.is_request);
	assert_int_equal(msg.status, 100);
	assert_non_null(msg.reason.p);
	assert_int_equal(msg.reason.len, 0);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/unreason.dat", &err), 0);
	assert_int_equal(msg.status, 200);
	assert_true(msg.reason.len > 60);
	assert_memory_equal(msg.reason.p, "= 2**3 * 5**2 ", 14);
	assert_int_equal(msg.body.len, 154);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/mpart01.dat", &err), 0);
	assert_pl(msg.content_type, "multipart/mixed");
	assert_true(msg.body.len == msg.content_length && msg.body.len > 500);
	unload(&l);
}

/* longreq: 34 Via values across compact and odd-case names, long values. */
static void
test_longreq_values(void **state)
{
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/longreq.dat", &err), 0);
	assert_int_equal(msg.n_vias, 34);
	assert_pl(msg.vias[0].host, "sip33.example.com");
	assert_pl(msg.vias[11].host, "sip22.example.com");
	assert_pl(msg.vias[33].host, "host.example.com");
	assert_pl(msg.vias[33].received, "192.0.2.5");
	assert_int_equal(msg.vias[33].branch.len, 215);
	assert_memory_equal(msg.vias[33].branch.p, "verylonglong", 12);
	assert_memory_equal(msg.vias[33].branch.p + 200, "longbranchvalue", 15);
	assert_int_equal(msg.to.uri.port, 6000);
	assert_true(msg.to.dname.len > 90);
	assert_true(msg.from.tag.len > 150);
	assert_true(msg.call_id.len > 120);
	assert_int_equal(msg.cseq.num, 3882340);
	assert_int_equal(msg.body.len, msg.content_length);
	assert_int_equal(msg.buf.len, l.len);
	unload(&l);
}

/* dblreq: only the first message of the datagram counts (RFC 3261 18.3). */
static void
test_dblreq_extra_bytes_ignored(void **state)
{
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/dblreq.dat", &err), 0);
	assert_int_equal(msg.method, SIP_METHOD_REGISTER);
	assert_int_equal(msg.body.len, 0);
	assert_true(msg.buf.len < l.len);
	assert_memory_equal(msg.buf.p + msg.buf.len - 4, "\r\n\r\n", 4);
	assert_null(sip_msg_hdr_find(&msg, "Content-Type"));
	unload(&l);
}

/* inv2543: RFC 2543 syntax (no branch, no Max-Forwards, no Content-Length
 * in a datagram: the body is the rest). */
static void
test_inv2543_accepted(void **state)
{
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/inv2543.dat", &err), 0);
	assert_null(msg.vias[0].branch.p);
	assert_false(msg.have & SIP_HAVE_MAX_FORWARDS);
	assert_false(msg.have & SIP_HAVE_CONTENT_LENGTH);
	assert_true(msg.body.len > 0);
	assert_int_equal(msg.body.p + msg.body.len, l.g.p + l.len);
	assert_memory_equal(msg.body.p, "v=0\r\n", 5);
	assert_true(sip_msg_can_respond(&msg));
	unload(&l);
}

/* RFC 5118: IPv6 references in URIs and Vias keep their brackets; the
 * port is outside them. */
static void
test_rfc5118_ipv6(void **state)
{
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc5118/ipv6-good.dat", &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8::10]");
	assert_int_equal(msg.ruri.host_type, SIP_HOST_IPV6);
	assert_int_equal(msg.ruri.port, 0);
	assert_pl(msg.vias[0].host, "[2001:db8::9:1]");
	assert_int_equal(msg.vias[0].host_type, SIP_HOST_IPV6);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_pl(msg.contacts[0].addr.uri.host, "[2001:db8::1]");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/port-ambiguous.dat", &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8::10:5070]");
	assert_int_equal(msg.ruri.port, 0);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/port-unambiguous.dat", &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8::10]");
	assert_int_equal(msg.ruri.port, 5070);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/via-received-param-with-delim.dat",
				     &err), 0);
	assert_pl(msg.vias[0].received, "[2001:db8::9:255]");
	unload(&l);
	assert_int_equal(decode_file(&l, "rfc5118/via-received-param-no-delim.dat",
				     &err), 0);
	assert_pl(msg.vias[0].received, "2001:db8::9:255");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/mult-ip-in-header.dat", &err), 0);
	assert_int_equal(msg.n_vias, 3);
	assert_pl(msg.vias[0].host, "[2001:db8::9:1]");
	assert_int_equal(msg.vias[0].port, 6050);
	assert_pl(msg.vias[1].host, "192.0.2.1");
	assert_int_equal(msg.vias[1].host_type, SIP_HOST_IPV4);
	assert_int_equal(msg.vias[2].transport, SIP_TP_TCP);
	assert_pl(msg.vias[2].received, "192.0.2.200");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/ipv4-mapped-ipv6.dat", &err), 0);
	assert_pl(msg.vias[0].host, "[::ffff:192.0.2.10]");
	assert_int_equal(msg.vias[0].port, 19823);
	assert_pl(msg.vias[1].host, "[::ffff:192.0.2.2]");
	assert_int_equal(msg.body.len, 245);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/ipv6-in-sdp.dat", &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8::10]");
	assert_pl(msg.to.uri.host, "[2001:db8::10]");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc5118/ipv6-correct-abnf-2-colons.dat",
				     &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8::192.0.2.1]");
	unload(&l);
	assert_int_equal(decode_file(&l, "rfc5118/ipv6-bug-abnf-3-colons.dat",
				     &err), 0);
	assert_pl(msg.ruri.host, "[2001:db8:::192.0.2.1]");
	unload(&l);
}

struct check_vec {
	const char *file;
	bool uas;
	int status;		/* 0: passes */
	const char *reason;
	const char *hdrs;
};

/* RFC 4475 section 3.3: what a server answers after parsing. */
static const struct check_vec check_vecs[] = {
	{ "rfc4475/insuf.dat", true, 400, "missing From header", "" },
	{ "rfc4475/unkscm.dat", false, 416,
	  "unsupported URI scheme in Request-URI", "" },
	{ "rfc4475/novelsc.dat", false, 416,
	  "unsupported URI scheme in Request-URI", "" },
	{ "rfc4475/unksm2.dat", true, 416, "unsupported URI scheme in To", "" },
	{ "rfc4475/bext01.dat", true, 420, "unsupported option in Require",
	  "Unsupported: nothingSupportsThis, nothingSupportsThisEither\r\n" },
	{ "rfc4475/bext01.dat", false, 420,
	  "unsupported option in Proxy-Require",
	  "Unsupported: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n" },
	{ "rfc4475/invut.dat", true, 415, "unsupported Content-Type",
	  "Accept: application/sdp\r\n" },
	{ "rfc4475/regaut01.dat", true, 0, NULL, "" },
	{ "rfc4475/zeromf.dat", false, 483, "Max-Forwards is zero", "" },
	{ "rfc4475/cparam01.dat", true, 0, NULL, "" },
	{ "rfc4475/cparam02.dat", true, 0, NULL, "" },
	{ "rfc4475/regescrt.dat", true, 0, NULL, "" },
	{ "rfc4475/sdp01.dat", true, 406,
	  "Accept does not allow application/sdp", "" },
	{ "rfc4475/regbadct.dat", true, 400,
	  "URI with headers or parameters not enclosed in <> in Contact", "" },
	{ "rfc4475/wsinv.dat", true, 0, NULL, "" },
	{ "rfc4475/wsinv.dat", false, 0, NULL, "" },
	{ "rfc4475/esc01.dat", true, 0, NULL, "" },
	{ "rfc4475/inv2543.dat", true, 0, NULL, "" },
};

/* Each RFC 4475 section 3.3 message gets the answer the RFC gives. */
static void
test_application_checks(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(check_vecs) / sizeof(check_vecs[0]); i++) {
		const struct check_vec *v = &check_vecs[i];
		struct sip_check_conf conf = { .uas = v->uas };
		struct sip_perr err;
		struct loaded l;
		int r;

		assert_int_equal(decode_file(&l, v->file, &err), 0);
		r = sip_msg_check_request(&msg, &conf, &err);
		if (v->status == 0) {
			if (r != 0)
				fail_msg("%s: %d %s", v->file, err.status, err.reason);
		} else if (r != -EBADMSG || err.status != v->status ||
			   strcmp(err.reason, v->reason) != 0 ||
			   strcmp(err.hdrs, v->hdrs) != 0 ||
			   err.hdrs_len != strlen(v->hdrs)) {
			fail_msg("%s: r=%d %d \"%s\" \"%s\"", v->file, r,
				 err.status, err.reason, err.hdrs);
		}
		unload(&l);
	}
}

/* Options the server supports, a local Request-URI and an accepted body
 * type turn the 420, 483 and 415 of section 3.3 into a pass. */
static void
test_application_checks_configured(void **state)
{
	static const char *const sup[] = { "nothingSupportsThis",
		"nothingSupportsThisEither", "noProxiesSupportThis",
		"norDoAnyProxiesSupportThis", NULL };
	static const char *const types[] = { "application/sdp",
		"application/unknownformat", NULL };
	struct sip_check_conf conf = { .supported = sup, .uas = true };
	struct sip_perr err;
	struct loaded l;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/bext01.dat", &err), 0);
	assert_int_equal(sip_msg_check_request(&msg, &conf, &err), 0);
	conf.uas = false;
	assert_int_equal(sip_msg_check_request(&msg, &conf, &err), 0);
	unload(&l);

	conf = (struct sip_check_conf){ .ruri_is_local = true };
	assert_int_equal(decode_file(&l, "rfc4475/zeromf.dat", &err), 0);
	assert_int_equal(msg.max_forwards, 0);
	assert_int_equal(sip_msg_check_request(&msg, &conf, &err), 0);
	unload(&l);

	conf = (struct sip_check_conf){ .uas = true, .accept_types = types };
	assert_int_equal(decode_file(&l, "rfc4475/invut.dat", &err), 0);
	assert_int_equal(sip_msg_check_request(&msg, &conf, &err), 0);
	unload(&l);
}

/* Unknown schemes and URI parameters versus header parameters are kept
 * apart (unksm2, cparam01, cparam02, regescrt, regaut01, bcast). */
static void
test_application_values(void **state)
{
	struct sip_perr err;
	struct loaded l;
	struct dg_pl v;

	(void)state;
	assert_int_equal(decode_file(&l, "rfc4475/unksm2.dat", &err), 0);
	assert_int_equal(msg.to.uri.scheme, SIP_URI_OTHER);
	assert_pl(msg.to.uri.scheme_raw, "isbn");
	assert_pl(msg.from.uri.raw, "http://www.example.com");
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_pl(msg.contacts[0].addr.uri.scheme_raw, "name");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/cparam01.dat", &err), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_null(msg.contacts[0].addr.uri.params.p);
	assert_true(sip_param_find(msg.contacts[0].addr.params, "unknownparam",
				   NULL));
	assert_pl(msg.contacts[0].addr.uri.user, "+19725552222");
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/cparam02.dat", &err), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_true(sip_uri_param(&msg.contacts[0].addr.uri, "unknownparam", NULL));
	assert_null(msg.contacts[0].addr.params.p);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/regescrt.dat", &err), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_pl(msg.contacts[0].addr.uri.headers, "Route=%3Csip:sip.example.com%3E");
	assert_int_equal(msg.content_length, 0);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/regaut01.dat", &err), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_AUTH, &err), 0);
	assert_pl(msg.authorization, "NoOneKnowsThisScheme opaque-data=here");
	assert_null(msg.proxy_authorization.p);
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/bcast.dat", &err), 0);
	assert_false(msg.is_request);
	assert_pl(msg.vias[1].host, "255.255.255.255");
	assert_false(sip_msg_can_respond(&msg));
	unload(&l);

	assert_int_equal(decode_file(&l, "rfc4475/scalar02.dat", &err), -EBADMSG);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_EXPIRES |
					    SIP_HDR_F_CONTACT, &err), 0);
	/* overlarge expiries saturate rather than fail */
	assert_true(msg.has_expires);
	assert_int_equal(msg.expires, UINT32_MAX);
	assert_int_equal(msg.contacts[0].expires, UINT32_MAX);
	assert_false(sip_param_find(msg.contacts[0].addr.params, "tag", &v));
	unload(&l);
}

/* Lists iterate value by value across lines, respecting quotes and <>. */
static void
test_hdr_list_iteration(void **state)
{
	static const char m[] =
		"OPTIONS sip:a@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
		"Via: SIP/2.0/TCP h3:5070;branch=z9hG4bK3;rport=7000;received=10.0.0.1\r\n"
		"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\n"
		"Call-ID: x\r\nCSeq: 1 OPTIONS\r\n"
		"Supported: path, outbound\r\nk: timer\r\n"
		"Require: 100rel\r\nProxy-Require: sec-agree\r\n"
		"Contact: \"a, b\" <sip:x@h;p=1,2>;expires=60, <sip:y@h>;q=0.5\r\n"
		"m: sip:z@h\r\n"
		"Route: <sip:r1;lr>, <sip:r2;lr>\r\nRoute: <sip:r3;lr>\r\n"
		"Record-Route: <sip:rr1;lr>\r\nPath: <sip:p1;lr>\r\n"
		"Expires: 300\r\nMin-Expires: 60\r\nUser-Agent: t/1.0\r\n"
		"Allow: INVITE, ACK, BYE, FOO\r\n"
		"l: 0\r\n\r\n";
	struct sip_hdr_iter it;
	struct sip_perr err;
	struct dg_pl v;
	struct dg_test_guard g = { 0 };

	(void)state;
	assert_int_equal(dg_test_guard_put(&g, m, sizeof(m) - 1), 0);
	assert_int_equal(sip_msg_decode(&msg, g.p, sizeof(m) - 1, &err), 0);
	assert_int_equal(msg.n_vias, 3);
	assert_true(msg.vias[2].rport);
	assert_int_equal(msg.vias[2].rport_val, 7000);
	assert_int_equal(msg.vias[2].port, 5070);
	sip_hdr_iter_init(&it, &msg, SIP_HDR_SUPPORTED);
	assert_int_equal(sip_hdr_list_next(&it, &v), 1);
	assert_pl(v, "path");
	assert_int_equal(sip_hdr_list_next(&it, &v), 1);
	assert_pl(v, "outbound");
	assert_int_equal(sip_hdr_list_next(&it, &v), 1);
	assert_pl(v, "timer");
	assert_int_equal(sip_hdr_list_next(&it, &v), 0);
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_CONTACT, &err), 0);
	assert_int_equal(msg.parsed, SIP_HDR_F_CONTACT);
	/* resumes: Contact is not parsed again, the rest is */
	assert_int_equal(sip_msg_parse_hdrs(&msg, SIP_HDR_F_ALL, &err), 0);
	assert_int_equal(msg.parsed, SIP_HDR_F_ALL);
	assert_int_equal(msg.n_contacts, 3);
	assert_pl(msg.contacts[0].addr.dname, "\"a, b\"");
	assert_pl(msg.contacts[0].addr.uri.params, "p=1,2");
	assert_int_equal(msg.contacts[0].expires, 60);
	assert_int_equal(msg.contacts[1].q, 500);
	assert_pl(msg.contacts[2].addr.uri.user, "z");
	assert_int_equal(msg.n_routes, 3);
	assert_pl(msg.routes[2], "<sip:r3;lr>");
	assert_int_equal(msg.n_rroutes, 1);
	assert_int_equal(msg.n_paths, 1);
	assert_int_equal(msg.n_supported, 3);
	assert_int_equal(msg.n_require, 1);
	assert_pl(msg.proxy_require[0], "sec-agree");
	assert_int_equal(msg.expires, 300);
	assert_int_equal(msg.min_expires, 60);
	assert_pl(msg.user_agent, "t/1.0");
	assert_int_equal(msg.n_allow, 4);
	assert_int_equal(msg.allow_mask, (1u << SIP_METHOD_INVITE) |
			 (1u << SIP_METHOD_ACK) | (1u << SIP_METHOD_BYE) |
			 (1u << SIP_METHOD_OTHER));
	dg_test_guard_free(&g);
}

/* Header names map to ids case-insensitively, compact forms included. */
static void
test_hdr_lookup(void **state)
{
	int id;

	(void)state;
	assert_int_equal(sip_hdr_lookup("VIA", 3), SIP_HDR_VIA);
	assert_int_equal(sip_hdr_lookup("v", 1), SIP_HDR_VIA);
	assert_int_equal(sip_hdr_lookup("I", 1), SIP_HDR_CALL_ID);
	assert_int_equal(sip_hdr_lookup("call-id", 7), SIP_HDR_CALL_ID);
	assert_int_equal(sip_hdr_lookup("l", 1), SIP_HDR_CONTENT_LENGTH);
	assert_int_equal(sip_hdr_lookup("Record-route", 12), SIP_HDR_RECORD_ROUTE);
	assert_int_equal(sip_hdr_lookup("x", 1), SIP_HDR_SESSION_EXPIRES);
	assert_int_equal(sip_hdr_lookup("q", 1), SIP_HDR_OTHER);
	assert_int_equal(sip_hdr_lookup("Viax", 4), SIP_HDR_OTHER);
	assert_int_equal(sip_hdr_lookup("1", 1), SIP_HDR_OTHER);
	assert_string_equal(sip_hdr_name(SIP_HDR_WWW_AUTHENTICATE),
			    "WWW-Authenticate");
	/* every name of the table finds its own id (no slot overflowed) */
	for (id = 0; id < SIP_HDR_OTHER; id++)
		assert_int_equal(sip_hdr_lookup(sip_hdr_name(id),
						strlen(sip_hdr_name(id))), id);
	assert_int_equal(sip_method_lookup("INVITE", 6), SIP_METHOD_INVITE);
	assert_int_equal(sip_method_lookup("invite", 6), SIP_METHOD_OTHER);
	assert_string_equal(sip_method_name(SIP_METHOD_UPDATE), "UPDATE");
}

/* Bounded storage: too many header lines is a clear rejection. */
static void
test_too_many_headers(void **state)
{
	static char m[16384];
	struct sip_perr err;
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(m, sizeof(m), "OPTIONS sip:a@b SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n");
	for (i = 0; i < SIP_MSG_MAX_HDRS; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "X-%d: y\r\n", i);
	n += (size_t)snprintf(m + n, sizeof(m) - n, "\r\n");
	assert_int_equal(sip_msg_decode(&msg, m, n, &err), -EBADMSG);
	assert_string_equal(err.reason, "too many headers");
	assert_true(sip_msg_can_respond(&msg));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_messages),
		cmocka_unit_test(test_valid_messages_decode),
		cmocka_unit_test(test_wsinv_values),
		cmocka_unit_test(test_intmeth_values),
		cmocka_unit_test(test_escaped_uris),
		cmocka_unit_test(test_valid_message_values),
		cmocka_unit_test(test_longreq_values),
		cmocka_unit_test(test_dblreq_extra_bytes_ignored),
		cmocka_unit_test(test_inv2543_accepted),
		cmocka_unit_test(test_rfc5118_ipv6),
		cmocka_unit_test(test_application_checks),
		cmocka_unit_test(test_application_checks_configured),
		cmocka_unit_test(test_application_values),
		cmocka_unit_test(test_hdr_list_iteration),
		cmocka_unit_test(test_hdr_lookup),
		cmocka_unit_test(test_too_many_headers),
	};

	sip_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
