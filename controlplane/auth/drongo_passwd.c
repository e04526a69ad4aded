/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo-passwd USER REALM: reads a password from standard input (without
 * echo when it is a terminal) and prints the users-file line holding its
 * MD5 and SHA-256 HA1, so that plain passwords never reach a file. The
 * password buffer is wiped before exit.
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

int
main(int argc, char **argv)
{
	char pw[PASSWD_MAX], line[2 * SIP_AUTH_USERS_NAME_MAX + 128];
	ssize_t len;
	int ret = 1, n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s USER REALM < password\n", argv[0]);
		return 2;
	}
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
	if (fputs(line, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "drongo-passwd: cannot write: %s\n",
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(line, sizeof(line));
	return ret;
}
