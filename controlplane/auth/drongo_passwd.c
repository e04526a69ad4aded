/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-passwd USER REALM: reads a password from standard input (without
 * echo when it is a terminal) and prints the users-file line holding its
 * MD5 and SHA-256 HA1, so that plain passwords never reach a file. With
 * --redis it prints instead the Redis command that stores them for
 * edge.auth.credentials: redis ("HSET <prefix>auth:USER@REALM md5 ...
 * sha256 ..."), to pipe into redis-cli. The password buffer is wiped
 * before exit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sip_auth_users.h"

#define PASSWD_MAX 1024

/* Read one line; returns its length without the newline, or -1. */
static ssize_t
passwd_read(char *buf, size_t size)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t n = 0;
	ssize_t got;
	char c;

	if (tty) {
		if (tcgetattr(STDIN_FILENO, &old) < 0)
			return -1;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
			return -1;
		fputs("Password: ", stderr);
	}
	for (;;) {
		got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			n = size;
			break;
		}
		buf[n++] = c;
	}
	c = 0;
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (n >= size || got < 0)
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	return (ssize_t)n;
}

/* "user realm md5 sha256\n" as the Redis command storing the two HA1s. */
static int
passwd_redis(const char *line, const char *prefix, char *out, size_t size)
{
	char user[SIP_AUTH_USERS_NAME_MAX + 1], realm[SIP_AUTH_USERS_NAME_MAX + 1];
	char md5[65], sha[65];
	int n;

	if (sscanf(line, "%128s %128s %64s %64s", user, realm, md5, sha) != 4)
		return -EINVAL;
	n = snprintf(out, size, "HSET %sauth:%s@%s md5 %s sha256 %s\n", prefix,
		user, realm, md5, sha);
	explicit_bzero(md5, sizeof(md5));
	explicit_bzero(sha, sizeof(sha));
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--redis [--prefix PREFIX]] USER REALM < password\n"
		"  --redis          print the redis-cli command storing the HA1s\n"
		"                   (edge.auth.credentials: redis)\n"
		"  --prefix PREFIX  the redis.key_prefix of the cluster (default drongo:)\n",
		prog);
	return 2;
}

int
main(int argc, char **argv)
{
	char pw[PASSWD_MAX], line[2 * SIP_AUTH_USERS_NAME_MAX + 128];
	char cmd[2 * SIP_AUTH_USERS_NAME_MAX + 256];
	const char *prefix = "drongo:";
	bool redis = false;
	ssize_t len;
	int ret = 1, n, i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--redis") == 0) {
			redis = true;
		} else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
			prefix = argv[++i];
		} else {
			return usage(argv[0]);
		}
	}
	if (argc - i != 2 || strlen(prefix) > 64 || strpbrk(prefix, " \t\r\n") != NULL)
		return usage(argv[0]);
	argv += i - 1;
	len = passwd_read(pw, sizeof(pw));
	if (len < 0) {
		fprintf(stderr, "drongo-passwd: cannot read the password (at most %d bytes)\n",
			PASSWD_MAX - 1);
		goto out;
	}
	if (len == 0) {
		fprintf(stderr, "drongo-passwd: empty password\n");
		goto out;
	}
	n = sip_auth_users_format_line(argv[1], argv[2],
			(struct dg_pl){ pw, (size_t)len }, line, sizeof(line));
	if (n == -EINVAL) {
		fprintf(stderr, "drongo-passwd: USER and REALM must be 1..%d printable characters without spaces or '#'\n",
			SIP_AUTH_USERS_NAME_MAX);
		goto out;
	}
	if (n < 0) {
		fprintf(stderr, "drongo-passwd: %s\n", strerror(-n));
		goto out;
	}
	if (redis && passwd_redis(line, prefix, cmd, sizeof(cmd)) < 0) {
		fprintf(stderr, "drongo-passwd: cannot format the Redis command\n");
		goto out;
	}
	if (fputs(redis ? cmd : line, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "drongo-passwd: cannot write: %s\n",
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(line, sizeof(line));
	explicit_bzero(cmd, sizeof(cmd));
	return ret;
}
