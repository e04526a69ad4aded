/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the ng protocol's bencode decoder and of the request parameter
 * reader behind it. Invariants on success: every view lies inside the
 * input, a node's encoding is exactly its input bytes, encoding the
 * decoded value again gives back the consumed bytes (round trip), and
 * decoding that gives the same number of values. A dictionary is also read
 * as an offer: the parameter views must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ng_bencode.h"
#include "ng_cmd.h"

#define FUZZ_NODES 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_inside(struct dg_pl pl, const char *buf, size_t len)
{
	if (pl.p == NULL)
		return;
	if (pl.p < buf || pl.len > len || pl.p + pl.len > buf + len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ng_ben_node nodes[FUZZ_NODES], again[FUZZ_NODES];
	const char *buf = (const char *)data;
	struct ng_ben_doc doc, doc2;
	struct ng_params_note note;
	const char *reason = NULL;
	struct ng_benc e;
	struct mc_req req;
	char *out;
	uint32_t i;
	int n, m;

	ng_ben_doc_init(&doc, nodes, FUZZ_NODES);
	n = ng_ben_decode(&doc, buf, size);
	if (n < 0) {
		if (doc.reason == NULL || doc.err_off > size)
			abort();
		return 0;
	}
	if ((size_t)n > size || doc.n == 0)
		abort();
	for (i = 0; i < doc.n; i++)
		fuzz_inside(doc.nodes[i].str, buf, (size_t)n);
	if (doc.nodes[0].type != NG_BEN_STR &&
	    (doc.nodes[0].str.p != buf || doc.nodes[0].str.len != (size_t)n))
		abort();
	out = malloc((size_t)n + 1);
	if (out == NULL)
		return 0;
	ng_benc_init(&e, out, (size_t)n);
	ng_benc_node(&e, &doc, 0);
	m = ng_benc_finish(&e);
	if (m != n || memcmp(out, buf, (size_t)n) != 0)
		abort();
	ng_ben_doc_init(&doc2, again, FUZZ_NODES);
	if (ng_ben_decode(&doc2, out, (size_t)m) != m || doc2.n != doc.n)
		abort();
	free(out);
	if (doc.nodes[0].type == NG_BEN_DICT &&
	    ng_params_parse(&doc, &doc.nodes[0], MC_SIDE_OFFER, &req, &note,
			    &reason) == 0) {
		fuzz_inside(req.call_id, buf, (size_t)n);
		fuzz_inside(req.from_tag, buf, (size_t)n);
		fuzz_inside(req.to_tag, buf, (size_t)n);
		fuzz_inside(req.sdp, buf, (size_t)n);
		if (req.call_id.len == 0 || req.sdp.len == 0)
			abort();
	}
	return 0;
}
