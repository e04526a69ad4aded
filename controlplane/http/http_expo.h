/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writer of the Prometheus text exposition format (version 0.0.4): one
 * HELP and one TYPE line per metric family, then its samples, with help
 * text and label values escaped as the format requires.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_EXPO_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_buf.h"

/** Content-Type of the exposition. */
#define HTTP_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/** One label of a sample. */
struct http_label {
	const char *name;
	const char *value;
};

/** Whether name is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
bool http_expo_name_ok(const char *name);

/** Whether name is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*). */
bool http_expo_label_ok(const char *name);

/** Help text escaped: backslash and newline. */
void http_expo_escape_help(struct http_buf *b, const char *s, size_t len);

/** Label value escaped: backslash, double quote and newline. */
void http_expo_escape_label(struct http_buf *b, const char *s, size_t len);

/**
 * "# HELP name help" and "# TYPE name type" (type: counter, gauge,
 * untyped). Write each family once, before its samples.
 */
void http_expo_family(struct http_buf *b, const char *name, const char *type,
		const char *help);

/** One sample line: name{l1="v1",...} value. */
void http_expo_sample(struct http_buf *b, const char *name,
		const struct http_label *labels, unsigned int n_labels,
		uint64_t value);

/** A family of one unlabelled sample. */
void http_expo_single(struct http_buf *b, const char *name, const char *type,
		const char *help, uint64_t value);

#endif
