/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dialog state machine on a virtual clock: early -> confirmed ->
 * terminated by BYE, rejection, the early timeout and the max-duration
 * timer, forking (the 2xx fixes the callee tag), lookups in both
 * directions, media hooks in order, and the replication strategy's calls.
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
static char events[1024];
static struct sip_msg msgs[4];
static char bufs[4][2048];
static int n_saved, n_removed;

static void
ev(const char *s)
{
	strncat(events, s, sizeof(events) - strlen(events) - 1);
}

static void
on_offer(void *arg, struct sip_dialog *d, struct dg_pl sdp, bool from_caller)
{
	(void)arg;
	(void)d;
	ev(from_caller ? "offer(caller:" : "offer(callee:");
	strncat(events, sdp.p, sdp.len);
	ev(") ");
}

static void
on_answer(void *arg, struct sip_dialog *d, struct dg_pl sdp, bool from_caller)
{
	(void)arg;
	(void)d;
	(void)sdp;
	ev(from_caller ? "answer(caller) " : "answer(callee) ");
}

static void
on_update(void *arg, struct sip_dialog *d, struct dg_pl sdp, bool from_caller)
{
	(void)arg;
	(void)d;
	(void)sdp;
	ev(from_caller ? "update(caller) " : "update(callee) ");
}

static void
on_end(void *arg, struct sip_dialog *d, enum sip_dialog_end why)
{
	static const char *const names[] = { "bye", "rejected", "early_timeout",
		"max_duration", "shutdown" };
	char s[64];

	(void)arg;
	snprintf(s, sizeof(s), "end(%s,%s) ", names[why],
		sip_dialog_state_name(d->state));
	ev(s);
}

static const struct sip_dialog_media_ops media = {
	.on_offer = on_offer, .on_answer = on_answer, .on_update = on_update,
	.on_end = on_end,
};

static int
repl_save(void *arg, const struct sip_dialog *d)
{
	(void)arg;
	(void)d;
	n_saved++;
	return 0;
}

static int
repl_remove(void *arg, const struct sip_dialog *d)
{
	(void)arg;
	(void)d;
	n_removed++;
	return -EIO;	/* a failing strategy must not stop anything */
}

static const struct sip_dialog_repl_ops repl = {
	.name = "count", .save = repl_save, .remove = repl_remove,
};

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
	c.repl = &repl;
	events[0] = '\0';
	n_saved = n_removed = 0;
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

/* A request (method, from tag, to tag) or a response (status, to tag); slot picks the buffer. */
static const struct sip_msg *
mk(int slot, const char *first, const char *method, const char *ftag,
		const char *ttag, const char *body)
{
	struct sip_perr perr;
	int n;

	n = snprintf(bufs[slot], sizeof(bufs[slot]),
		"%s\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-d1\r\n"
		"From: <sip:alice@example.com>;tag=%s\r\n"
		"To: <sip:bob@example.com>%s%s\r\n"
		"Call-ID: dlg-1@example.com\r\n"
		"CSeq: 1 %s\r\n"
		"Content-Length: %zu\r\n\r\n%s", first, ftag,
		ttag[0] != '\0' ? ";tag=" : "", ttag, method, strlen(body), body);
	assert_int_equal(sip_msg_decode(&msgs[slot], bufs[slot], (size_t)n,
		&perr), 0);
	return &msgs[slot];
}

static struct sip_dialog *
start(void)
{
	struct sip_dialog *d = NULL;

	assert_int_equal(sip_dialog_invite(table, mk(0,
		"INVITE sip:bob@example.com SIP/2.0", "INVITE", "a1", "",
		"v=0"), &d), 0);
	assert_non_null(d);
	assert_int_equal(d->state, SIP_DIALOG_EARLY);
	return d;
}

/* early -> confirmed -> terminated by BYE, with media hooks in order. */
static void
test_dialog_lifecycle(void **state)
{
	struct sip_dialog *d = start(), *f;

	(void)state;
	assert_int_equal(sip_dialogs_count(table), 1);
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 180 Ringing", "INVITE",
		"a1", "b1", ""));
	assert_int_equal(d->state, SIP_DIALOG_EARLY);
	assert_string_equal(d->callee_tag, "b1");
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 200 OK", "INVITE", "a1",
		"b1", "v=1"));
	assert_int_equal(d->state, SIP_DIALOG_CONFIRMED);
	/* In-dialog requests from either side find it. */
	f = sip_dialog_find(table, DG_PL("dlg-1@example.com"), DG_PL("a1"), DG_PL("b1"));
	assert_ptr_equal(f, d);
	f = sip_dialog_find(table, DG_PL("dlg-1@example.com"), DG_PL("b1"), DG_PL("a1"));
	assert_ptr_equal(f, d);
	assert_null(sip_dialog_find(table, DG_PL("dlg-1@example.com"), DG_PL("b1"),
		DG_PL("zz")));
	sip_dialog_request(d, mk(2, "INVITE sip:bob@198.51.100.9 SIP/2.0",
		"INVITE", "b1", "a1", "v=2"));
	sip_dialog_request(d, mk(2, "BYE sip:bob@198.51.100.9 SIP/2.0", "BYE",
		"a1", "b1", ""));
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_int_equal(sip_dialogs_count(table), 0);
	assert_null(sip_dialog_find(table, DG_PL("dlg-1@example.com"), DG_PL("a1"),
		DG_PL("b1")));
	assert_string_equal(events, "offer(caller:v=0) answer(callee) "
		"update(callee) end(bye,terminated) ");
	assert_true(n_saved >= 3);
	assert_int_equal(n_removed, 1);
	(void)sip_dialog_put(d);
}

/* A final non-2xx ends an early dialog. */
static void
test_dialog_rejected(void **state)
{
	struct sip_dialog *d = start();

	(void)state;
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 486 Busy Here", "INVITE",
		"a1", "b1", ""));
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_int_equal(sip_dialogs_count(table), 0);
	assert_non_null(strstr(events, "end(rejected,terminated)"));
	(void)sip_dialog_put(d);
}

/* A dialog that never confirms ends at the early timeout, not before. */
static void
test_dialog_early_timeout(void **state)
{
	struct sip_dialog *d = start();

	(void)state;
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 183 Progress", "INVITE",
		"a1", "b1", ""));
	uring_timers_run(&ts, 1000 + 29999);
	assert_int_equal(d->state, SIP_DIALOG_EARLY);
	uring_timers_run(&ts, 1000 + 30000);
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_non_null(strstr(events, "end(early_timeout,terminated)"));
	(void)sip_dialog_put(d);
}

/* A confirmed dialog whose BYE is lost ends at max_duration after the 2xx. */
static void
test_dialog_max_duration(void **state)
{
	struct sip_dialog *d = start();

	(void)state;
	uring_timers_run(&ts, 21000);
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 200 OK", "INVITE", "a1",
		"b1", ""));
	assert_int_equal(d->state, SIP_DIALOG_CONFIRMED);
	/* The early timer is gone: 30 s after the INVITE nothing happens. */
	uring_timers_run(&ts, 31001);
	assert_int_equal(d->state, SIP_DIALOG_CONFIRMED);
	uring_timers_run(&ts, 21000 + 3600000 - 1);
	assert_int_equal(d->state, SIP_DIALOG_CONFIRMED);
	uring_timers_run(&ts, 21000 + 3600000);
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_non_null(strstr(events, "end(max_duration,terminated)"));
	(void)sip_dialog_put(d);
}

/* Forking: a 180 from one branch, the 200 from another fixes the tag. */
static void
test_dialog_fork(void **state)
{
	struct sip_dialog *d = start();

	(void)state;
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 180 Ringing", "INVITE",
		"a1", "fork1", ""));
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 200 OK", "INVITE", "a1",
		"fork2", ""));
	assert_string_equal(d->callee_tag, "fork2");
	/* A later 200 from the first fork does not move it. */
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 200 OK", "INVITE", "a1",
		"fork1", ""));
	assert_string_equal(d->callee_tag, "fork2");
	assert_non_null(sip_dialog_find(table, DG_PL("dlg-1@example.com"),
		DG_PL("a1"), DG_PL("fork2")));
	(void)sip_dialog_put(d);
}

/* A retransmitted INVITE finds the same record; a To tag is refused. */
static void
test_dialog_invite_again(void **state)
{
	struct sip_dialog *d = start(), *d2 = NULL;

	(void)state;
	assert_int_equal(sip_dialog_invite(table, mk(0,
		"INVITE sip:bob@example.com SIP/2.0", "INVITE", "a1", "", "v=0"),
		&d2), 0);
	assert_ptr_equal(d, d2);
	assert_int_equal(sip_dialogs_count(table), 1);
	assert_int_equal(sip_dialog_invite(table, mk(0,
		"INVITE sip:bob@example.com SIP/2.0", "INVITE", "a1", "x", ""),
		&d2), -EINVAL);
	(void)sip_dialog_put(d);
	(void)sip_dialog_put(d);
}

/* Destroying the table ends live dialogs (shutdown) and keeps held ones readable. */
static void
test_dialog_shutdown(void **state)
{
	struct sip_dialog *d = start();

	(void)state;
	sip_dialogs_destroy(table);
	table = NULL;
	assert_int_equal(d->state, SIP_DIALOG_TERMINATED);
	assert_non_null(strstr(events, "end(shutdown,terminated)"));
	(void)sip_dialog_put(d);
	{
		struct sip_dialog_conf c;

		memset(&c, 0, sizeof(c));
		assert_int_equal(sip_dialogs_create(&table, &ts, &c), 0);
	}
}

/* Media hooks attached later reach live dialogs; detached, nothing is called. */
static void
test_dialog_set_media(void **state)
{
	struct sip_dialog *d;

	(void)state;
	sip_dialogs_set_media(table, NULL, NULL);
	d = start();
	assert_string_equal(events, "");
	sip_dialogs_set_media(table, &media, NULL);
	sip_dialog_invite_response(d, mk(1, "SIP/2.0 200 OK", "INVITE", "a1",
		"b1", "v=1"));
	assert_string_equal(events, "answer(callee) ");
	(void)sip_dialog_put(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dialog_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_early_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_max_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_invite_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialog_set_media, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
