/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_dialog_end(), the media layer's way to end a dialog the proxy still
 * keeps (its answer refused, or BYE sent both ways after a media
 * timeout): early and confirmed dialogs leave the table at once, the
 * media hook hears the reason once, the dialog's timer no longer fires,
 * a held reference stays usable, and a terminated dialog is left alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip_dialog.h"

static struct uring_timers ts;
static struct sip_dialogs *table;
static struct sip_msg msgs[2];
static char bufs[2][1024];
static int n_end;
static enum sip_dialog_end last_why;

static void
on_end(void *arg, struct sip_dialog *d, enum sip_dialog_end why)
{
	(void)arg;
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	n_end++;
	last_why = why;
}

static const struct sip_dialog_media_ops media = { .on_end = on_end };

static int
setup(void **state)
{
	struct sip_dialog_conf c;

	(void)state;
	uring_timers_init(&ts, 1000);
	memset(&c, 0, sizeof(c));
	c.early_timeout_ms = 30000;
	c.max_duration_ms = 3600000;
	c.media = &media;
	n_end = 0;
	assert_int_equal(sip_dialogs_create(&table, &ts, &c), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sip_dialogs_destroy(table);
	uring_timers_fini(&ts);
	return 0;
}

static const struct sip_msg *
decode(int slot, const char *text)
{
	struct sip_perr perr;

	snprintf(bufs[slot], sizeof(bufs[slot]), "%s", text);
	assert_int_equal(sip_msg_decode(&msgs[slot], bufs[slot],
		strlen(bufs[slot]), &perr), 0);
	return &msgs[slot];
}

static struct sip_dialog *
invite(const char *cid)
{
	char text[512];
	struct sip_dialog *d;

	snprintf(text, sizeof(text),
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-%s\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n", cid, cid);
	assert_int_equal(sip_dialog_invite(table, decode(0, text), &d), 0);
	return d;
}

static void
ok(struct sip_dialog *d, const char *cid)
{
	char text[512];

	snprintf(text, sizeof(text),
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-%s\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>;tag=b1\r\n"
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		cid, cid);
	sip_dialog_invite_response(d, decode(1, text));
}

static struct sip_dialog *
find(const char *cid)
{
	return sip_dialog_find(table, (struct dg_pl){ cid, strlen(cid) },
		(struct dg_pl){ "a1", 2 }, DG_PL_NULL);
}

/* A confirmed dialog ends at once: gone from the table, hook told once. */
static void
test_end_confirmed(void **state)
{
	struct sip_dialog *d;

	(void)state;
	d = invite("c1");
	ok(d, "c1");
	d = sip_dialog_put(d);
	assert_int_equal(sip_dialogs_count(table), 1);
	sip_dialog_end(find("c1"), SIP_DIALOG_END_MEDIA);
	assert_int_equal(n_end, 1);
	assert_int_equal(last_why, SIP_DIALOG_END_MEDIA);
	assert_int_equal(sip_dialogs_count(table), 0);
	assert_null(find("c1"));
	/* Its max-duration timer is gone with it. */
	uring_timers_run(&ts, 1000 + 3600000 + 1);
	assert_int_equal(n_end, 1);
}

/* An early dialog ends too, and its early timer no longer fires. */
static void
test_end_early(void **state)
{
	struct sip_dialog *d;

	(void)state;
	d = invite("c2");
	assert_int_equal(d->state, SIP_DIALOG_EARLY);
	sip_dialog_end(d, SIP_DIALOG_END_MEDIA);
	/* The caller's reference is still good after the table let go. */
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_null(d->table);
	assert_int_equal(n_end, 1);
	assert_int_equal(sip_dialogs_count(table), 0);
	uring_timers_run(&ts, 1000 + 30000 + 1);
	assert_int_equal(n_end, 1);
	d = sip_dialog_put(d);
}

/* Ending twice, or after a BYE, changes nothing and tells nobody again. */
static void
test_end_terminated(void **state)
{
	struct sip_dialog *d;

	(void)state;
	d = invite("c3");
	ok(d, "c3");
	sip_dialog_end(d, SIP_DIALOG_END_MEDIA);
	sip_dialog_end(d, SIP_DIALOG_END_MEDIA);
	assert_int_equal(n_end, 1);
	d = sip_dialog_put(d);
	/* Another call stays untouched by all of this. */
	d = invite("c4");
	ok(d, "c4");
	assert_int_equal(sip_dialogs_count(table), 1);
	assert_ptr_equal(find("c4"), d);
	d = sip_dialog_put(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_end_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_terminated, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
