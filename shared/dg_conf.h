/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A YAML configuration file as a tree of nodes that remember their file and
 * line, plus typed getters that turn a bad value into the one error format
 * both binaries print: "drongo.yaml:14: listen: port 70000 out of range".
 * The loader knows nothing about Drongo's schema; drongo (cp_conf) and
 * drongo-dp walk the tree themselves and reject keys they do not know with
 * dg_conf_map_check_keys(). The first error wins and is kept in the document.
 */
#ifndef DRONGO_SHARED_DG_CONF_H
#define DRONGO_SHARED_DG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest error message kept by a document, terminator included. */
#define DG_CONF_ERR_MAX 512

/** What a node holds. */
enum dg_conf_type {
	DG_CONF_SCALAR,
	DG_CONF_MAP,
	DG_CONF_SEQ,
};

/** A loaded document: owns every node and the first error message. */
struct dg_conf;

/** One node. Nodes live as long as their document. */
struct dg_conf_node;

/**
 * Load and parse a YAML file.
 *
 * @param out    receives the document on success
 * @param path   file to read; error messages start with this string
 * @param err    receives "path:line: reason" on failure (may be NULL)
 * @param errlen size of err
 * @return 0, -ENOENT/-EACCES/... when the file cannot be read, -EINVAL on a
 *         YAML syntax error, an alias or a duplicate key, -ENOMEM.
 */
int dg_conf_load_file(struct dg_conf **out, const char *path, char *err,
		size_t errlen);

/**
 * Parse YAML held in memory (for embedded defaults and tests).
 *
 * @param name   name used in error messages in place of a file name
 * @return 0, -EINVAL on a syntax error (message in err), -ENOMEM.
 */
int dg_conf_load_buf(struct dg_conf **out, const char *name, const char *buf,
		size_t len, char *err, size_t errlen);

/** Free a document and all its nodes; NULL is allowed. */
void dg_conf_free(struct dg_conf *conf);

/**
 * The top node of the document: an empty map when the document is empty.
 */
const struct dg_conf_node *dg_conf_root(const struct dg_conf *conf);

/** The name given at load time (the path for files). */
const char *dg_conf_name(const struct dg_conf *conf);

/**
 * The first error recorded by a getter or dg_conf_error(), or "" when none.
 */
const char *dg_conf_errmsg(const struct dg_conf *conf);

/** Type of a node. */
enum dg_conf_type dg_conf_node_type(const struct dg_conf_node *node);

/** 1-based line where the node starts. */
unsigned int dg_conf_node_line(const struct dg_conf_node *node);

/**
 * The key a node is known by in messages: its own key in a map, the key of
 * the enclosing sequence for sequence items, "" for the root.
 */
const char *dg_conf_node_key(const struct dg_conf_node *node);

/** Text of a scalar node, NUL-terminated; NULL for maps and sequences. */
const char *dg_conf_node_str(const struct dg_conf_node *node);

/** Number of children of a map or sequence; 0 for scalars. */
size_t dg_conf_node_count(const struct dg_conf_node *node);

/** The i-th child of a map (in file order) or sequence; NULL past the end. */
const struct dg_conf_node *dg_conf_node_at(const struct dg_conf_node *node,
		size_t i);

/** The value stored under key in a map; NULL when absent or not a map. */
const struct dg_conf_node *dg_conf_map_get(const struct dg_conf_node *map,
		const char *key);

/**
 * Record an error located at node, formatted "name:line: key: reason", in
 * the node's document (only the first error is kept).
 *
 * @return -EINVAL, so callers can write `return dg_conf_error(n, ...);`.
 */
int dg_conf_error(const struct dg_conf_node *node, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Check that a node is a map whose keys all appear in the NULL-terminated
 * list allowed.
 *
 * @return 0, -EINVAL with "name:line: key: unknown key" (or "expected a
 *         mapping") recorded.
 */
int dg_conf_map_check_keys(const struct dg_conf_node *map,
		const char *const *allowed);

/**
 * Check that a node has the given type.
 *
 * @return 0, -EINVAL with "name:line: key: expected a mapping|a list|a
 *         scalar value" recorded.
 */
int dg_conf_node_expect(const struct dg_conf_node *node,
		enum dg_conf_type type);

/**
 * Read a scalar as an unsigned decimal integer in [min, max].
 *
 * @return 0, -EINVAL with "... not a number" or "... N out of range (min..max)".
 */
int dg_conf_node_u64(const struct dg_conf_node *node, uint64_t min,
		uint64_t max, uint64_t *out);

/**
 * Read a scalar as a boolean: true/false, yes/no, on/off.
 *
 * @return 0, -EINVAL with "... expected true or false".
 */
int dg_conf_node_bool(const struct dg_conf_node *node, bool *out);

/**
 * Read a scalar as a duration in milliseconds, in [min_ms, max_ms]. A bare
 * number is milliseconds; suffixes ms, s and m are accepted ("500ms", "4s").
 *
 * @return 0, -EINVAL with "... bad duration" or "... out of range".
 */
int dg_conf_node_ms(const struct dg_conf_node *node, uint64_t min_ms,
		uint64_t max_ms, uint64_t *out);

/**
 * Read a scalar that must equal one of the NULL-terminated names.
 *
 * @param out receives the index of the matching name
 * @return 0, -EINVAL with "... unknown value 'x' (expected a|b|c)".
 */
int dg_conf_node_enum(const struct dg_conf_node *node,
		const char *const *names, unsigned int *out);

/**
 * Read a non-empty scalar string.
 *
 * @return 0, -EINVAL with "... expected a string" or "... empty value".
 */
int dg_conf_node_string(const struct dg_conf_node *node, const char **out);

/*
 * Optional-key getters: when key is absent from map, *out is left untouched
 * (holding the caller's default) and 0 is returned; otherwise they behave as
 * the dg_conf_node_* reader of the same type.
 */

/** Optional u64 under key; see dg_conf_node_u64(). */
int dg_conf_get_u64(const struct dg_conf_node *map, const char *key,
		uint64_t min, uint64_t max, uint64_t *out);

/** Optional boolean under key; see dg_conf_node_bool(). */
int dg_conf_get_bool(const struct dg_conf_node *map, const char *key,
		bool *out);

/** Optional duration under key; see dg_conf_node_ms(). */
int dg_conf_get_ms(const struct dg_conf_node *map, const char *key,
		uint64_t min_ms, uint64_t max_ms, uint64_t *out);

/** Optional enumerated value under key; see dg_conf_node_enum(). */
int dg_conf_get_enum(const struct dg_conf_node *map, const char *key,
		const char *const *names, unsigned int *out);

/** Optional string under key; see dg_conf_node_string(). */
int dg_conf_get_string(const struct dg_conf_node *map, const char *key,
		const char **out);

#endif
