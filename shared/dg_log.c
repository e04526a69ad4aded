/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one place that formats log lines: RFC 3339 UTC timestamp with
 * milliseconds, level, program, event, then the caller's key=value pairs.
 * A line is assembled in a stack buffer and written with one write(2).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dg_log.h"

/* Longer lines are cut; an event line never needs more. */
#define DG_LOG_LINE_MAX 2048

const char *const dg_log_level_names[] = {
	[DG_LOG_ERROR] = "error",
	[DG_LOG_WARN] = "warn",
	[DG_LOG_INFO] = "info",
	[DG_LOG_DEBUG] = "debug",
	[DG_LOG__COUNT] = NULL,
};

static enum dg_log_level log_level = DG_LOG_INFO;
static const char *log_prog = "drongo";

void
dg_log_init(const char *prog)
{
	log_prog = prog;
}

void
dg_log_set_level(enum dg_log_level level)
{
	log_level = level;
}

enum dg_log_level
dg_log_get_level(void)
{
	return log_level;
}

bool
dg_log_enabled(enum dg_log_level level)
{
	return level <= log_level;
}

void
dg_log_write(enum dg_log_level level, const char *event, const char *fmt, ...)
{
	char line[DG_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t off;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	off = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + off, sizeof(line) - off,
		".%03ldZ level=%s prog=%s event=%s ", ts.tv_nsec / 1000000L,
		dg_log_level_names[level], log_prog, event);
	if (n > 0)
		off += (size_t)n;
	if (off < sizeof(line)) {
		va_start(ap, fmt);
		n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
		va_end(ap);
		if (n > 0)
			off += (size_t)n;
	}
	if (off > sizeof(line) - 2)
		off = sizeof(line) - 2;
	while (off > 0 && line[off - 1] == ' ')
		off--;
	line[off++] = '\n';
	while (write(STDERR_FILENO, line, off) < 0 && errno == EINTR)
		;
}

static bool
log_plain(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

const char *
dg_log_quote(char *buf, size_t buflen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	bool plain = len > 0;

	for (i = 0; i < len && plain; i++)
		plain = log_plain((unsigned char)s[i]);
	if (plain) {
		if (len > buflen - 1)
			len = buflen - 1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c == '"' || c == '\\') ? 2 :
			(c < ' ' || c >= 0x7f) ? 4 : 1;

		/* Room for this byte, the closing quote and NUL. */
		if (o + need + 2 > buflen)
			break;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < ' ' || c >= 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
