/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_msg_frame() on stream transports: a valid message frames to its
 * exact length and every proper prefix asks for more (each prefix placed
 * flush against a guard page); a missing or bad Content-Length is an error
 * on a stream even where the datagram rule accepts it; keep-alive CRLFs
 * are consumed; the size limit holds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_test.h"

#define MAX_MSG 65536

static struct sip_msg msg;

static ssize_t
frame_guarded(const char *data, size_t len, size_t max)
{
	struct dg_test_guard g = { 0 };
	ssize_t r;

	assert_int_equal(dg_test_guard_put(&g, data, len), 0);
	r = sip_msg_frame(g.p, len, max);
	dg_test_guard_free(&g);
	return r;
}

struct frame_vec {
	const char *file;
	ssize_t expect;		/* 0: the whole file */
};

/* Stream results where they differ from the datagram rule: RFC 4475 notes
 * that without a (valid) Content-Length a stream cannot be framed. */
static const struct frame_vec frame_vecs[] = {
	{ "rfc4475/wsinv.dat", 0 }, { "rfc4475/intmeth.dat", 0 },
	{ "rfc4475/esc01.dat", 0 }, { "rfc4475/escnull.dat", 0 },
	{ "rfc4475/esc02.dat", 0 }, { "rfc4475/lwsdisp.dat", 0 },
	{ "rfc4475/longreq.dat", 0 }, { "rfc4475/semiuri.dat", 0 },
	{ "rfc4475/transports.dat", 0 }, { "rfc4475/mpart01.dat", 0 },
	{ "rfc4475/unreason.dat", 0 }, { "rfc4475/noreason.dat", 0 },
	{ "rfc4475/badbranch.dat", 0 }, { "rfc4475/insuf.dat", 0 },
	{ "rfc4475/unkscm.dat", 0 }, { "rfc4475/novelsc.dat", 0 },
	{ "rfc4475/unksm2.dat", 0 }, { "rfc4475/bext01.dat", 0 },
	{ "rfc4475/invut.dat", 0 }, { "rfc4475/regaut01.dat", 0 },
	{ "rfc4475/bcast.dat", 0 }, { "rfc4475/zeromf.dat", 0 },
	{ "rfc4475/cparam01.dat", 0 }, { "rfc4475/cparam02.dat", 0 },
	{ "rfc4475/regescrt.dat", 0 }, { "rfc4475/sdp01.dat", 0 },
	{ "rfc4475/multi01.dat", 0 },
	{ "rfc5118/ipv6-good.dat", 0 }, { "rfc5118/ipv6-in-sdp.dat", 0 },
	{ "rfc5118/mult-ip-in-header.dat", 0 },
	{ "rfc5118/mult-ip-in-sdp.dat", 0 },
	{ "rfc5118/ipv4-mapped-ipv6.dat", 0 },
	/* no Content-Length: fine in a datagram, unframeable on a stream */
	{ "rfc4475/inv2543.dat", -EBADMSG },
	{ "rfc4475/ncl.dat", -EBADMSG },
	/* two different Content-Lengths */
	{ "rfc4475/mcl01.dat", -EBADMSG },
	/* Content-Length 9999: a stream waits for the rest */
	{ "rfc4475/clerr.dat", -EAGAIN },
};

/* Each vector frames as the table says, and framing agrees with decode. */
static void
test_frame_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(frame_vecs) / sizeof(frame_vecs[0]); i++) {
		const struct frame_vec *v = &frame_vecs[i];
		size_t len = 0;
		char *f = sip_test_load(v->file, &len);
		ssize_t want = v->expect == 0 ? (ssize_t)len : v->expect;
		ssize_t r;

		assert_non_null(f);
		r = frame_guarded(f, len, MAX_MSG);
		if (r != want)
			fail_msg("%s: frame %zd, want %zd", v->file, r, want);
		if (r > 0) {
			struct sip_perr err;

			(void)sip_msg_decode(&msg, f, (size_t)r, &err);
			assert_int_equal(msg.buf.len, (size_t)r);
		}
		free(f);
	}
}

/* Every proper prefix of a valid stream message reports -EAGAIN. */
static void
test_every_prefix_needs_more(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(frame_vecs) / sizeof(frame_vecs[0]); i++) {
		size_t len = 0;
		char *f;

		if (frame_vecs[i].expect != 0)
			continue;
		f = sip_test_load(frame_vecs[i].file, &len);
		assert_non_null(f);
		for (n = 1; n < len; n++) {
			ssize_t r = frame_guarded(f, n, MAX_MSG);

			if (r != -EAGAIN)
				fail_msg("%s: prefix %zu of %zu gave %zd",
					 frame_vecs[i].file, n, len, r);
		}
		free(f);
	}
}

/* dblreq on a stream: the REGISTER, then its stray CRLF as a keep-alive,
 * then the INVITE, each framed on its own. */
static void
test_dblreq_stream(void **state)
{
	struct sip_perr err;
	size_t len = 0, off = 0;
	char *f = sip_test_load("rfc4475/dblreq.dat", &len);
	ssize_t r;

	(void)state;
	assert_non_null(f);
	r = frame_guarded(f, len, MAX_MSG);
	assert_true(r > 0);
	assert_int_equal(sip_msg_decode(&msg, f, (size_t)r, &err), 0);
	assert_int_equal(msg.method, SIP_METHOD_REGISTER);
	off = (size_t)r;
	r = frame_guarded(f + off, len - off, MAX_MSG);
	assert_int_equal(r, 2);
	assert_memory_equal(f + off, "\r\n", 2);
	off += 2;
	r = frame_guarded(f + off, len - off, MAX_MSG);
	assert_true(r > 0);
	assert_int_equal(sip_msg_decode(&msg, f + off, (size_t)r, &err), 0);
	assert_int_equal(msg.method, SIP_METHOD_INVITE);
	assert_int_equal(msg.body.len, 150);
	assert_int_equal(msg.buf.len, (size_t)r);
	/* the INVITE's body runs 5 bytes past its Content-Length: on a
	 * stream those bytes start a message that is not SIP */
	off += (size_t)r;
	assert_int_equal(len - off, 5);
	assert_int_equal(frame_guarded(f + off, len - off, MAX_MSG), -EBADMSG);
	free(f);
}

/* A stream that is not SIP is refused once its first line is in. */
static void
test_not_sip(void **state)
{
	static const char tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, '\n' };

	(void)state;
	assert_int_equal(frame_guarded("GET / HTTP/1.1\r\n", 16, MAX_MSG),
			 -EBADMSG);
	assert_int_equal(frame_guarded("GET / HTTP/1.1", 14, MAX_MSG), -EAGAIN);
	assert_int_equal(frame_guarded(tls, sizeof(tls), MAX_MSG), -EBADMSG);
	assert_int_equal(frame_guarded("options sip:a sip/2.0\r\n", 24,
				       MAX_MSG), -EAGAIN);
}

/* Keep-alives (RFC 5626 section 3.5.1) are consumed as a run of CR/LF. */
static void
test_keepalive(void **state)
{
	(void)state;
	assert_int_equal(frame_guarded("\r\n\r\n", 4, MAX_MSG), 4);
	assert_int_equal(frame_guarded("\r\n", 2, MAX_MSG), 2);
	assert_int_equal(frame_guarded("\r\nOPTIONS", 9, MAX_MSG), 2);
	assert_int_equal(frame_guarded("", 0, MAX_MSG), -EAGAIN);
}

/* The size limit is enforced before the whole message has arrived. */
static void
test_max_len(void **state)
{
	size_t len = 0;
	char *f = sip_test_load("rfc4475/wsinv.dat", &len);
	char *c = sip_test_load("rfc4475/clerr.dat", &len);

	(void)state;
	assert_non_null(f);
	assert_non_null(c);
	/* header block longer than the limit and not finished */
	assert_int_equal(frame_guarded(f, 200, 150), -EMSGSIZE);
	/* finished message, too long */
	assert_int_equal(frame_guarded(f, 1001, 1000), -EMSGSIZE);
	assert_int_equal(frame_guarded(f, 1001, 1001), 1001);
	/* Content-Length 9999 announces more than the limit */
	assert_int_equal(frame_guarded(c, 300, 4096), -EAGAIN);
	assert_int_equal(frame_guarded(c, len, 4096), -EMSGSIZE);
	free(f);
	free(c);
}

/* Bare LF line ends frame and decode the same way as CRLF. */
static void
test_bare_lf(void **state)
{
	static const char m[] =
		"OPTIONS sip:a@b SIP/2.0\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
		"To: <sip:a@b>\nFrom: <sip:c@d>;tag=1\nCall-ID: x\n"
		"CSeq: 1 OPTIONS\nContent-Length: 3\n\nabcEXTRA";
	struct sip_perr err;

	(void)state;
	assert_int_equal(frame_guarded(m, sizeof(m) - 1, MAX_MSG),
			 (ssize_t)(sizeof(m) - 1 - 5));
	assert_int_equal(sip_msg_decode(&msg, m, sizeof(m) - 1, &err), 0);
	assert_int_equal(msg.body.len, 3);
	assert_memory_equal(msg.body.p, "abc", 3);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_vectors),
		cmocka_unit_test(test_every_prefix_needs_more),
		cmocka_unit_test(test_dblreq_stream),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_not_sip),
		cmocka_unit_test(test_max_len),
		cmocka_unit_test(test_bare_lf),
	};

	sip_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
