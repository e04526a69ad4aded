/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition writer (see http_expo.h).
 */
#include <string.h>

#include "http_expo.h"

static bool
expo_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
expo_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
http_expo_name_ok(const char *name)
{
	size_t i;

	if (name[0] == '\0' || !(expo_alpha(name[0]) || name[0] == ':'))
		return false;
	for (i = 1; name[i] != '\0'; i++)
		if (!expo_alpha(name[i]) && !expo_digit(name[i]) &&
				name[i] != ':')
			return false;
	return true;
}

bool
http_expo_label_ok(const char *name)
{
	size_t i;

	if (name[0] == '\0' || !expo_alpha(name[0]))
		return false;
	for (i = 1; name[i] != '\0'; i++)
		if (!expo_alpha(name[i]) && !expo_digit(name[i]))
			return false;
	/* Names starting with __ are reserved for Prometheus itself. */
	return !(name[0] == '_' && name[1] == '_');
}

static void
expo_escape(struct http_buf *b, const char *s, size_t len, bool quote)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *esc = NULL;

		if (s[i] == '\\')
			esc = "\\\\";
		else if (s[i] == '\n')
			esc = "\\n";
		else if (quote && s[i] == '"')
			esc = "\\\"";
		if (esc == NULL)
			continue;
		http_buf_add(b, s + run, i - run);
		http_buf_str(b, esc);
		run = i + 1;
	}
	http_buf_add(b, s + run, len - run);
}

void
http_expo_escape_help(struct http_buf *b, const char *s, size_t len)
{
	expo_escape(b, s, len, false);
}

void
http_expo_escape_label(struct http_buf *b, const char *s, size_t len)
{
	expo_escape(b, s, len, true);
}

void
http_expo_family(struct http_buf *b, const char *name, const char *type,
		const char *help)
{
	http_buf_str(b, "# HELP ");
	http_buf_str(b, name);
	http_buf_str(b, " ");
	http_expo_escape_help(b, help, strlen(help));
	http_buf_str(b, "\n# TYPE ");
	http_buf_str(b, name);
	http_buf_str(b, " ");
	http_buf_str(b, type);
	http_buf_str(b, "\n");
}

void
http_expo_sample(struct http_buf *b, const char *name,
		const struct http_label *labels, unsigned int n_labels,
		uint64_t value)
{
	unsigned int i;

	http_buf_str(b, name);
	if (n_labels > 0) {
		http_buf_str(b, "{");
		for (i = 0; i < n_labels; i++) {
			if (i > 0)
				http_buf_str(b, ",");
			http_buf_str(b, labels[i].name);
			http_buf_str(b, "=\"");
			http_expo_escape_label(b, labels[i].value,
				strlen(labels[i].value));
			http_buf_str(b, "\"");
		}
		http_buf_str(b, "}");
	}
	http_buf_str(b, " ");
	http_buf_u64(b, value);
	http_buf_str(b, "\n");
}

void
http_expo_single(struct http_buf *b, const char *name, const char *type,
		const char *help, uint64_t value)
{
	http_expo_family(b, name, type, help);
	http_expo_sample(b, name, NULL, 0, value);
}
