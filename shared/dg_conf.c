/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML to a tree of dg_conf nodes, built from libyaml's event stream so that
 * every node keeps the line it came from, and the typed readers that report
 * a bad value as "name:line: key: reason". Aliases, complex keys, duplicate
 * keys and multi-document streams are refused: a configuration file is
 * read by operators, and each of those hides what a value really is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "dg_conf.h"

/* Deep enough for any sane file, shallow enough to keep the stack small. */
#define DG_CONF_MAX_DEPTH 32

struct dg_conf_node {
	struct dg_conf *conf;
	enum dg_conf_type type;
	unsigned int line;
	char *key;
	char *str;
	struct dg_conf_node **kids;
	size_t n;
	size_t cap;
};

struct dg_conf {
	char *name;
	struct dg_conf_node *root;
	char err[DG_CONF_ERR_MAX];
};

static void
node_free(struct dg_conf_node *node)
{
	size_t i;

	if (node == NULL)
		return;
	for (i = 0; i < node->n; i++)
		node_free(node->kids[i]);
	free(node->kids);
	free(node->key);
	free(node->str);
	free(node);
}

void
dg_conf_free(struct dg_conf *conf)
{
	if (conf == NULL)
		return;
	node_free(conf->root);
	free(conf->name);
	free(conf);
}

static void
conf_set_err(struct dg_conf *conf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
conf_set_err(struct dg_conf *conf, const char *fmt, ...)
{
	va_list ap;

	if (conf->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(conf->err, sizeof(conf->err), fmt, ap);
	va_end(ap);
}

static struct dg_conf_node *
node_new(struct dg_conf *conf, enum dg_conf_type type, unsigned int line,
		const char *key)
{
	struct dg_conf_node *node;

	node = calloc(1, sizeof(*node));
	if (node == NULL)
		return NULL;
	node->key = strdup(key);
	if (node->key == NULL) {
		free(node);
		return NULL;
	}
	node->conf = conf;
	node->type = type;
	node->line = line;
	return node;
}

static int
node_add(struct dg_conf_node *parent, struct dg_conf_node *kid)
{
	struct dg_conf_node **kids;
	size_t cap;

	if (parent->n == parent->cap) {
		cap = parent->cap ? parent->cap * 2 : 4;
		kids = realloc(parent->kids, cap * sizeof(*kids));
		if (kids == NULL)
			return -ENOMEM;
		parent->kids = kids;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static int
parser_next(struct dg_conf *conf, yaml_parser_t *parser, yaml_event_t *ev)
{
	if (yaml_parser_parse(parser, ev))
		return 0;
	if (parser->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	conf_set_err(conf, "%s:%zu: %s", conf->name,
		parser->problem_mark.line + 1,
		parser->problem ? parser->problem : "syntax error");
	return -EINVAL;
}

static int parse_node(struct dg_conf *conf, yaml_parser_t *parser,
		yaml_event_t *ev, const char *key, unsigned int line, int depth,
		struct dg_conf_node **out);

static int
parse_map(struct dg_conf *conf, yaml_parser_t *parser,
		struct dg_conf_node *map, int depth)
{
	struct dg_conf_node *kid;
	unsigned int line;
	yaml_event_t ev;
	char *key;
	int err;

	for (;;) {
		err = parser_next(conf, parser, &ev);
		if (err < 0)
			return err;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			conf_set_err(conf, "%s:%zu: %s: keys must be plain strings",
				conf->name, ev.start_mark.line + 1, map->key);
			yaml_event_delete(&ev);
			return -EINVAL;
		}
		key = strndup((const char *)ev.data.scalar.value,
			ev.data.scalar.length);
		if (key == NULL) {
			yaml_event_delete(&ev);
			return -ENOMEM;
		}
		if (dg_conf_map_get(map, key) != NULL) {
			conf_set_err(conf, "%s:%zu: %s: duplicate key",
				conf->name, ev.start_mark.line + 1, key);
			yaml_event_delete(&ev);
			free(key);
			return -EINVAL;
		}
		/* A value is reported on its key's line, where people look. */
		line = (unsigned int)ev.start_mark.line + 1;
		yaml_event_delete(&ev);
		err = parser_next(conf, parser, &ev);
		if (err < 0) {
			free(key);
			return err;
		}
		err = parse_node(conf, parser, &ev, key, line, depth + 1, &kid);
		free(key);
		if (err < 0)
			return err;
		err = node_add(map, kid);
		if (err < 0) {
			node_free(kid);
			return err;
		}
	}
}

static int
parse_seq(struct dg_conf *conf, yaml_parser_t *parser,
		struct dg_conf_node *seq, int depth)
{
	struct dg_conf_node *kid;
	yaml_event_t ev;
	int err;

	for (;;) {
		err = parser_next(conf, parser, &ev);
		if (err < 0)
			return err;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		err = parse_node(conf, parser, &ev, seq->key,
			(unsigned int)ev.start_mark.line + 1, depth + 1, &kid);
		if (err < 0)
			return err;
		err = node_add(seq, kid);
		if (err < 0) {
			node_free(kid);
			return err;
		}
	}
}

/*
 * Builds the node that starts with *ev (consumed) and everything under it;
 * line is where messages about it point.
 */
static int
parse_node(struct dg_conf *conf, yaml_parser_t *parser, yaml_event_t *ev,
		const char *key, unsigned int line, int depth,
		struct dg_conf_node **out)
{
	struct dg_conf_node *node = NULL;
	int err = -EINVAL;

	if (depth > DG_CONF_MAX_DEPTH) {
		conf_set_err(conf, "%s:%u: %s: nested too deeply", conf->name,
			line, key);
		goto out_event;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		node = node_new(conf, DG_CONF_SCALAR, line, key);
		if (node == NULL)
			goto out_nomem;
		node->str = strndup((const char *)ev->data.scalar.value,
			ev->data.scalar.length);
		if (node->str == NULL)
			goto out_nomem;
		yaml_event_delete(ev);
		*out = node;
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		node = node_new(conf, ev->type == YAML_MAPPING_START_EVENT ?
			DG_CONF_MAP : DG_CONF_SEQ, line, key);
		if (node == NULL)
			goto out_nomem;
		yaml_event_delete(ev);
		err = node->type == DG_CONF_MAP ?
			parse_map(conf, parser, node, depth) :
			parse_seq(conf, parser, node, depth);
		if (err < 0)
			goto out_node;
		*out = node;
		return 0;
	case YAML_ALIAS_EVENT:
		conf_set_err(conf, "%s:%u: %s: aliases are not supported",
			conf->name, line, key);
		goto out_event;
	default:
		conf_set_err(conf, "%s:%u: %s: unexpected YAML construct",
			conf->name, line, key);
		goto out_event;
	}
out_nomem:
	err = -ENOMEM;
out_event:
	yaml_event_delete(ev);
out_node:
	node_free(node);
	return err;
}

/* Reads the stream: at most one document, whose top node becomes the root. */
static int
parse_stream(struct dg_conf *conf, yaml_parser_t *parser)
{
	yaml_event_t ev;
	bool seen_doc = false;
	int err;

	for (;;) {
		err = parser_next(conf, parser, &ev);
		if (err < 0)
			return err;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return 0;
		case YAML_DOCUMENT_START_EVENT:
			if (seen_doc) {
				conf_set_err(conf, "%s:%zu: only one document is allowed",
					conf->name, ev.start_mark.line + 1);
				yaml_event_delete(&ev);
				return -EINVAL;
			}
			seen_doc = true;
			yaml_event_delete(&ev);
			err = parser_next(conf, parser, &ev);
			if (err < 0)
				return err;
			if (ev.type == YAML_DOCUMENT_END_EVENT) {
				yaml_event_delete(&ev);
				break;
			}
			node_free(conf->root);
			conf->root = NULL;
			err = parse_node(conf, parser, &ev, "",
				(unsigned int)ev.start_mark.line + 1, 0,
				&conf->root);
			if (err < 0)
				return err;
			break;
		default:
			yaml_event_delete(&ev);
			break;
		}
	}
}

static int
conf_load(struct dg_conf **out, const char *name, FILE *file, const char *buf,
		size_t len, char *errbuf, size_t errlen)
{
	yaml_parser_t parser;
	struct dg_conf *conf;
	int err;

	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	conf->name = strdup(name);
	if (conf->name == NULL) {
		err = -ENOMEM;
		goto out_conf;
	}
	conf->root = node_new(conf, DG_CONF_MAP, 1, "");
	if (conf->root == NULL) {
		err = -ENOMEM;
		goto out_conf;
	}
	if (!yaml_parser_initialize(&parser)) {
		err = -ENOMEM;
		goto out_conf;
	}
	if (file != NULL)
		yaml_parser_set_input_file(&parser, file);
	else
		yaml_parser_set_input_string(&parser,
			(const unsigned char *)buf, len);
	err = parse_stream(conf, &parser);
	yaml_parser_delete(&parser);
	if (err < 0)
		goto out_conf;
	*out = conf;
	return 0;
out_conf:
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", conf->err[0] ? conf->err :
			err == -ENOMEM ? "out of memory" : "cannot parse");
	dg_conf_free(conf);
	return err;
}

int
dg_conf_load_buf(struct dg_conf **out, const char *name, const char *buf,
		size_t len, char *err, size_t errlen)
{
	return conf_load(out, name, NULL, buf, len, err, errlen);
}

int
dg_conf_load_file(struct dg_conf **out, const char *path, char *err,
		size_t errlen)
{
	FILE *file;
	int ret;

	file = fopen(path, "rb");
	if (file == NULL) {
		ret = -errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = conf_load(out, path, file, NULL, 0, err, errlen);
	fclose(file);
	return ret;
}

const struct dg_conf_node *
dg_conf_root(const struct dg_conf *conf)
{
	return conf->root;
}

const char *
dg_conf_name(const struct dg_conf *conf)
{
	return conf->name;
}

const char *
dg_conf_errmsg(const struct dg_conf *conf)
{
	return conf->err;
}

enum dg_conf_type
dg_conf_node_type(const struct dg_conf_node *node)
{
	return node->type;
}

unsigned int
dg_conf_node_line(const struct dg_conf_node *node)
{
	return node->line;
}

const char *
dg_conf_node_key(const struct dg_conf_node *node)
{
	return node->key;
}

const char *
dg_conf_node_str(const struct dg_conf_node *node)
{
	return node->type == DG_CONF_SCALAR ? node->str : NULL;
}

size_t
dg_conf_node_count(const struct dg_conf_node *node)
{
	return node->n;
}

const struct dg_conf_node *
dg_conf_node_at(const struct dg_conf_node *node, size_t i)
{
	return i < node->n ? node->kids[i] : NULL;
}

const struct dg_conf_node *
dg_conf_map_get(const struct dg_conf_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != DG_CONF_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->kids[i]->key, key) == 0)
			return map->kids[i];
	return NULL;
}

int
dg_conf_error(const struct dg_conf_node *node, const char *fmt, ...)
{
	struct dg_conf *conf = node->conf;
	char reason[DG_CONF_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (node->key[0] != '\0')
		conf_set_err(conf, "%s:%u: %s: %s", conf->name, node->line,
			node->key, reason);
	else
		conf_set_err(conf, "%s:%u: %s", conf->name, node->line, reason);
	return -EINVAL;
}

int
dg_conf_node_expect(const struct dg_conf_node *node, enum dg_conf_type type)
{
	static const char *const what[] = {
		[DG_CONF_SCALAR] = "a scalar value",
		[DG_CONF_MAP] = "a mapping",
		[DG_CONF_SEQ] = "a list",
	};

	if (node->type == type)
		return 0;
	return dg_conf_error(node, "expected %s", what[type]);
}

int
dg_conf_map_check_keys(const struct dg_conf_node *map,
		const char *const *allowed)
{
	const char *const *a;
	size_t i;
	int err;

	err = dg_conf_node_expect(map, DG_CONF_MAP);
	if (err < 0)
		return err;
	for (i = 0; i < map->n; i++) {
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, map->kids[i]->key) == 0)
				break;
		if (*a == NULL)
			return dg_conf_error(map->kids[i], "unknown key");
	}
	return 0;
}

/* Parses decimal digits only; *end is left after the last digit. */
static int
parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	*end = p;
	return 0;
}

int
dg_conf_node_u64(const struct dg_conf_node *node, uint64_t min, uint64_t max,
		uint64_t *out)
{
	const char *end;
	uint64_t v;
	int err;

	err = dg_conf_node_expect(node, DG_CONF_SCALAR);
	if (err < 0)
		return err;
	err = parse_u64(node->str, &v, &end);
	if (err == -ERANGE || (err == 0 && *end == '\0' && (v < min || v > max)))
		return dg_conf_error(node, "%s out of range (%llu..%llu)",
			node->str, (unsigned long long)min,
			(unsigned long long)max);
	if (err < 0 || *end != '\0')
		return dg_conf_error(node, "'%s' is not a number", node->str);
	*out = v;
	return 0;
}

int
dg_conf_node_bool(const struct dg_conf_node *node, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;
	int err;

	err = dg_conf_node_expect(node, DG_CONF_SCALAR);
	if (err < 0)
		return err;
	for (i = 0; i < 3; i++) {
		if (strcasecmp(node->str, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(node->str, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return dg_conf_error(node, "'%s' is not a boolean (expected true or false)",
		node->str);
}

int
dg_conf_node_ms(const struct dg_conf_node *node, uint64_t min_ms,
		uint64_t max_ms, uint64_t *out)
{
	const char *end;
	uint64_t v, mul;
	int err;

	err = dg_conf_node_expect(node, DG_CONF_SCALAR);
	if (err < 0)
		return err;
	err = parse_u64(node->str, &v, &end);
	if (err == -EINVAL)
		return dg_conf_error(node, "'%s' is not a duration", node->str);
	if (err == 0) {
		if (*end == '\0' || strcmp(end, "ms") == 0)
			mul = 1;
		else if (strcmp(end, "s") == 0)
			mul = 1000;
		else if (strcmp(end, "m") == 0)
			mul = 60000;
		else
			return dg_conf_error(node,
				"'%s' is not a duration (use ms, s or m)",
				node->str);
		if (v > UINT64_MAX / mul)
			err = -ERANGE;
		else
			v *= mul;
	}
	if (err == -ERANGE || v < min_ms || v > max_ms)
		return dg_conf_error(node, "%s out of range (%llums..%llums)",
			node->str, (unsigned long long)min_ms,
			(unsigned long long)max_ms);
	*out = v;
	return 0;
}

int
dg_conf_node_enum(const struct dg_conf_node *node, const char *const *names,
		unsigned int *out)
{
	char expected[256];
	size_t off = 0;
	unsigned int i;
	int err;

	err = dg_conf_node_expect(node, DG_CONF_SCALAR);
	if (err < 0)
		return err;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(node->str, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	expected[0] = '\0';
	for (i = 0; names[i] != NULL && off < sizeof(expected); i++)
		off += (size_t)snprintf(expected + off, sizeof(expected) - off,
			"%s%s", i ? "|" : "", names[i]);
	return dg_conf_error(node, "unknown value '%s' (expected %s)",
		node->str, expected);
}

int
dg_conf_node_string(const struct dg_conf_node *node, const char **out)
{
	int err;

	err = dg_conf_node_expect(node, DG_CONF_SCALAR);
	if (err < 0)
		return err;
	if (node->str[0] == '\0')
		return dg_conf_error(node, "empty value");
	*out = node->str;
	return 0;
}

int
dg_conf_get_u64(const struct dg_conf_node *map, const char *key, uint64_t min,
		uint64_t max, uint64_t *out)
{
	const struct dg_conf_node *node = dg_conf_map_get(map, key);

	return node == NULL ? 0 : dg_conf_node_u64(node, min, max, out);
}

int
dg_conf_get_bool(const struct dg_conf_node *map, const char *key, bool *out)
{
	const struct dg_conf_node *node = dg_conf_map_get(map, key);

	return node == NULL ? 0 : dg_conf_node_bool(node, out);
}

int
dg_conf_get_ms(const struct dg_conf_node *map, const char *key,
		uint64_t min_ms, uint64_t max_ms, uint64_t *out)
{
	const struct dg_conf_node *node = dg_conf_map_get(map, key);

	return node == NULL ? 0 : dg_conf_node_ms(node, min_ms, max_ms, out);
}

int
dg_conf_get_enum(const struct dg_conf_node *map, const char *key,
		const char *const *names, unsigned int *out)
{
	const struct dg_conf_node *node = dg_conf_map_get(map, key);

	return node == NULL ? 0 : dg_conf_node_enum(node, names, out);
}

int
dg_conf_get_string(const struct dg_conf_node *map, const char *key,
		const char **out)
{
	const struct dg_conf_node *node = dg_conf_map_get(map, key);

	return node == NULL ? 0 : dg_conf_node_string(node, out);
}
