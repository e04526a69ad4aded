/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode as the rtpengine "ng" control protocol uses it: a decoder that
 * turns one message into a flat array of nodes whose strings are views
 * into the caller's buffer (zero-copy), bounded in nesting depth and node
 * count, with a precise reason and offset on failure; and an encoder that
 * appends to a caller's buffer. Dictionary keys keep the order they arrive
 * in (rtpengine and its SIP-proxy modules do not sort them) and the
 * decoder accepts only canonical integers and lengths (no leading zeros,
 * no "-0"), so encoding a decoded message gives back its exact bytes.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_BENCODE_H
#define DRONGO_CONTROLPLANE_NG_NG_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"

/** Deepest nesting of lists and dictionaries accepted. */
#define NG_BEN_MAX_DEPTH 32
/** Longest decimal length or integer accepted (digits, sign included). */
#define NG_BEN_MAX_DIGITS 19
/** No node index: end of a sibling chain, or an absent child. */
#define NG_BEN_NONE UINT32_MAX

enum ng_ben_type {
	NG_BEN_INT = 1,
	NG_BEN_STR,
	NG_BEN_LIST,
	NG_BEN_DICT,
};

/*
 * One decoded value. Children of a list or dictionary are chained through
 * next; a dictionary's children alternate key (a string) and value.
 */
struct ng_ben_node {
	uint8_t type;		/* enum ng_ben_type */
	uint32_t first;		/* LIST/DICT: first child, or NG_BEN_NONE */
	uint32_t next;		/* next sibling, or NG_BEN_NONE */
	uint32_t count;		/* LIST: items; DICT: key/value pairs */
	int64_t ival;		/* INT */
	struct dg_pl str;	/* STR: the bytes; every type: its encoding */
};

/* A decoded message: node 0 is the top value. */
struct ng_ben_doc {
	struct ng_ben_node *nodes;
	uint32_t cap;
	uint32_t n;
	const char *reason;	/* failure: static text */
	size_t err_off;		/* failure: byte offset of the problem */
};

/** Prepare @p doc to decode into @p nodes (@p cap entries, caller-owned). */
void ng_ben_doc_init(struct ng_ben_doc *doc, struct ng_ben_node *nodes,
		     uint32_t cap);

/**
 * Decode one value from the start of @p buf. Strings point into @p buf,
 * which must outlive the document.
 *
 * @return bytes consumed; -EBADMSG with doc->reason and doc->err_off set
 *   (truncated input, bad syntax, non-canonical number, a dictionary key
 *   that is not a string, nesting deeper than NG_BEN_MAX_DEPTH); -E2BIG
 *   when the value has more nodes than the document holds.
 */
int ng_ben_decode(struct ng_ben_doc *doc, const char *buf, size_t len);

/** The node at @p idx, or NULL for NG_BEN_NONE or an index out of range. */
const struct ng_ben_node *ng_ben_at(const struct ng_ben_doc *doc,
				    uint32_t idx);

/** The value under string key @p key of dictionary @p dict (first match), or NULL. */
const struct ng_ben_node *ng_ben_dict_get(const struct ng_ben_doc *doc,
					  const struct ng_ben_node *dict,
					  const char *key);

/** The child after @p node in its list or dictionary, or NULL. */
const struct ng_ben_node *ng_ben_next(const struct ng_ben_doc *doc,
				      const struct ng_ben_node *node);

/** The first child of a list or dictionary, or NULL. */
const struct ng_ben_node *ng_ben_first(const struct ng_ben_doc *doc,
				       const struct ng_ben_node *node);

/** Whether @p node is a string equal to @p s (case-sensitive). */
bool ng_ben_str_eq(const struct ng_ben_node *node, const char *s);

/*
 * Encoder: appends to buf. The first overflow is remembered in err and
 * everything after it is skipped, so a caller checks once at the end.
 */
struct ng_benc {
	char *buf;
	size_t cap;
	size_t len;
	int err;		/* 0 or -ENOSPC */
};

/** Start encoding into @p buf of @p cap bytes. */
void ng_benc_init(struct ng_benc *e, char *buf, size_t cap);

/** Append raw bytes (a cookie and its space, an already encoded value). */
void ng_benc_raw(struct ng_benc *e, const void *p, size_t n);

/** A string of @p n bytes. */
void ng_benc_str(struct ng_benc *e, const void *p, size_t n);

/** A NUL-terminated string. */
void ng_benc_cstr(struct ng_benc *e, const char *s);

/** An integer. */
void ng_benc_int(struct ng_benc *e, int64_t v);

/** Open a list ('l') or a dictionary ('d'); close either with ng_benc_end. */
void ng_benc_list(struct ng_benc *e);
void ng_benc_dict(struct ng_benc *e);
void ng_benc_end(struct ng_benc *e);

/** Dictionary entries: a key and its value. */
void ng_benc_kv_cstr(struct ng_benc *e, const char *key, const char *val);
void ng_benc_kv_str(struct ng_benc *e, const char *key, const void *p,
		    size_t n);
void ng_benc_kv_int(struct ng_benc *e, const char *key, int64_t v);

/**
 * Encode node @p idx of @p doc (and everything under it) again.
 */
void ng_benc_node(struct ng_benc *e, const struct ng_ben_doc *doc,
		  uint32_t idx);

/**
 * @return the bytes written, or -ENOSPC when the buffer was too small.
 */
int ng_benc_finish(const struct ng_benc *e);

#endif
