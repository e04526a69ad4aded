/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured logging for both binaries: one line per event on stderr,
 * "ts=... level=info prog=drongo event=sip.rx key=value ...", written with
 * one write(2) so that lines from concurrent writers never interleave.
 * Values that may hold spaces or quotes go through dg_log_quote(). Keys,
 * secrets and message bodies are never logged.
 */
#ifndef DRONGO_SHARED_DG_LOG_H
#define DRONGO_SHARED_DG_LOG_H

#include <stdbool.h>
#include <stddef.h>

/** Severity, most severe first. */
enum dg_log_level {
	DG_LOG_ERROR,
	DG_LOG_WARN,
	DG_LOG_INFO,
	DG_LOG_DEBUG,
	DG_LOG__COUNT,
};

/** Level names in enum order, NULL-terminated (for dg_conf_node_enum()). */
extern const char *const dg_log_level_names[];

/** Name the program in every line ("drongo", "drongo-dp"). */
void dg_log_init(const char *prog);

/** Set the most verbose level that is written (default DG_LOG_INFO). */
void dg_log_set_level(enum dg_log_level level);

/** The current level. */
enum dg_log_level dg_log_get_level(void);

/** True when a line of this level would be written. */
bool dg_log_enabled(enum dg_log_level level);

/**
 * Write one event line: the timestamp, level, program and event name, then
 * the caller's "key=value key=value" text. Use DG_LOG() instead, which skips
 * the formatting when the level is off.
 */
void dg_log_write(enum dg_log_level level, const char *event,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * Render s (len bytes, need not be terminated) as a log value into buf:
 * unchanged when it is a plain token, otherwise in double quotes with
 * '"', '\\' and control bytes escaped. Truncates to fit.
 *
 * @return buf, always NUL-terminated (buflen must be at least 3).
 */
const char *dg_log_quote(char *buf, size_t buflen, const char *s, size_t len);

/** Log an event when its level is enabled. */
#define DG_LOG(level, event, ...) do { \
	if (dg_log_enabled(level)) \
		dg_log_write((level), (event), __VA_ARGS__); \
} while (0)

#endif
