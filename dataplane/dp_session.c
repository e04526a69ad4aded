/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's session table: creating, re-programming and deleting
 * sessions on the control plane's commands, relay port allocation in the
 * worker's block, and the id index. Runs on the worker between bursts, so
 * every operation is bounded (a port search is at most one pass over the
 * block) and allocates nothing.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "dp_session.h"
#include "dp_srtp.h"

static uint32_t
dp_id_home(const struct dp_session_table *t, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & t->id_mask;
}

static uint32_t
dp_pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void
dp_addr4_index_build(struct dp_session_table *t)
{
	uint32_t i, v, h;

	for (i = 0; i < t->addr_count; i++) {
		if (t->addrs[i].family != 4)
			continue;
		memcpy(&v, t->addrs[i].addr, sizeof(v));
		/* A repeated address keeps its first index, as a scan would. */
		for (h = dp_session_addr4_home(v); t->addr4[h].idx1 != 0 &&
		     t->addr4[h].addr != v; h = (h + 1) & (DP_ADDR4_SLOTS - 1))
			;
		if (t->addr4[h].idx1 == 0) {
			t->addr4[h].addr = v;
			t->addr4[h].idx1 = i + 1;
		}
	}
}

int
dp_session_table_create(struct dp_session_table **out,
		const struct dp_session_conf *conf)
{
	struct dp_session_table *t;
	uint32_t i, slots;
	size_t nmap;

	if (conf->capacity == 0 || conf->capacity > (1u << 28) ||
	    conf->port_first > conf->port_last || conf->addr_count == 0 ||
	    conf->addr_count > DP_ADDR_MAX)
		return -EINVAL;
	t = rte_zmalloc_socket("dp_sessions", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (t == NULL)
		return -ENOMEM;
	t->capacity = conf->capacity;
	t->port_first = conf->port_first;
	t->port_count = (uint32_t)conf->port_last - conf->port_first + 1;
	t->addr_count = conf->addr_count;
	t->latch_window_s = conf->latch_window_s;
	memcpy(t->addrs, conf->addrs, sizeof(t->addrs));
	dp_addr4_index_build(t);
	slots = dp_pow2_at_least(conf->capacity * 2);
	t->id_mask = slots - 1;
	nmap = (size_t)t->addr_count * t->port_count;
	t->pair_words = (t->port_count / 2 + 1 + 63) / 64;
	t->rec = rte_zmalloc_socket("dp_session_rec",
			sizeof(*t->rec) * t->capacity, RTE_CACHE_LINE_SIZE,
			conf->socket_id);
	t->drops = rte_zmalloc_socket("dp_session_drops",
			sizeof(*t->drops) * t->capacity, RTE_CACHE_LINE_SIZE,
			conf->socket_id);
	t->free_rec = rte_zmalloc_socket("dp_session_free",
			sizeof(*t->free_rec) * t->capacity, 0, conf->socket_id);
	t->ids = rte_zmalloc_socket("dp_session_ids", sizeof(*t->ids) * slots,
			RTE_CACHE_LINE_SIZE, conf->socket_id);
	t->portmap = rte_zmalloc_socket("dp_session_ports",
			sizeof(*t->portmap) * nmap, RTE_CACHE_LINE_SIZE,
			conf->socket_id);
	t->pairs = rte_zmalloc_socket("dp_session_pairs",
			sizeof(*t->pairs) * t->pair_words * t->addr_count,
			RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (t->rec == NULL || t->drops == NULL || t->free_rec == NULL ||
	    t->ids == NULL || t->portmap == NULL || t->pairs == NULL) {
		dp_session_table_free(t);
		return -ENOMEM;
	}
	/* Hand out low indexes first: a small table stays in few lines. */
	for (i = 0; i < t->capacity; i++)
		t->free_rec[i] = t->capacity - 1 - i;
	t->nfree = t->capacity;
	*out = t;
	return 0;
}

void
dp_session_table_free(struct dp_session_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->pairs);
	rte_free(t->portmap);
	rte_free(t->ids);
	rte_free(t->free_rec);
	rte_free(t->drops);
	rte_free(t->rec);
	rte_free(t);
}

static struct dp_id_slot *
dp_id_find(const struct dp_session_table *t, uint64_t id)
{
	uint32_t i = dp_id_home(t, id);

	while (t->ids[i].id != 0) {
		if (t->ids[i].id == id)
			return &t->ids[i];
		i = (i + 1) & t->id_mask;
	}
	return NULL;
}

struct dp_session *
dp_session_find(const struct dp_session_table *t, uint64_t id)
{
	const struct dp_id_slot *slot;

	if (id == 0)
		return NULL;
	slot = dp_id_find(t, id);
	return slot != NULL ? &t->rec[slot->rec] : NULL;
}

static void
dp_id_insert(struct dp_session_table *t, uint64_t id, uint32_t rec)
{
	uint32_t i = dp_id_home(t, id);

	/* The index has twice the records' slots: there is always a hole. */
	while (t->ids[i].id != 0)
		i = (i + 1) & t->id_mask;
	t->ids[i].id = id;
	t->ids[i].rec = rec;
}

/* Backward-shift deletion keeps every probe chain unbroken without
 * tombstones, so lookups never slow down under churn. */
static void
dp_id_remove(struct dp_session_table *t, struct dp_id_slot *slot)
{
	uint32_t i = (uint32_t)(slot - t->ids), j = i, k;

	for (;;) {
		j = (j + 1) & t->id_mask;
		if (t->ids[j].id == 0)
			break;
		k = dp_id_home(t, t->ids[j].id);
		/* Leave entry j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->ids[i] = t->ids[j];
		i = j;
	}
	t->ids[i].id = 0;
	t->ids[i].rec = 0;
}

static uint32_t *
dp_portmap_slot(struct dp_session_table *t, uint32_t addr_idx, uint16_t port)
{
	return &t->portmap[addr_idx * t->port_count + (port - t->port_first)];
}

static int
dp_addr_index(const struct dp_session_table *t, const struct dg_msg_leg *m)
{
	uint32_t i, alen;

	if (m->relay_family != DG_AF_INET && m->relay_family != DG_AF_INET6)
		return -EINVAL;
	alen = m->relay_family == DG_AF_INET ? 4 : 16;
	for (i = 0; i < t->addr_count; i++)
		if (t->addrs[i].family == m->relay_family &&
		    memcmp(t->addrs[i].addr, m->relay_addr, alen) == 0)
			return (int)i;
	return -EADDRNOTAVAIL;
}

static int
dp_leg_check(const struct dp_session_table *t, const struct dg_msg_leg *m)
{
	int idx;

	idx = dp_addr_index(t, m);
	if (idx < 0)
		return idx;
	if ((m->flags & ~DG_LEG_F__ALL) != 0 ||
	    m->srtp_suite >= DG_SRTP__COUNT)
		return -EINVAL;
	if (m->peer_family != DG_AF_NONE && m->peer_family != m->relay_family)
		return -EINVAL;
	/* Without a crypto engine, refuse keys rather than relay ciphertext
	 * as if it were plain. */
	if (m->srtp_suite != DG_SRTP_NONE && t->srtp == NULL)
		return -ENOTSUP;
	return idx;
}

/* Recompute the pair bit of the pair port belongs to from the port map. */
static void
dp_pair_update(struct dp_session_table *t, uint32_t addr_idx, uint16_t port)
{
	uint32_t first_even = t->port_first & 1, off = port - t->port_first;
	uint32_t j, even;
	uint64_t *word;
	bool busy;

	if (off < first_even)
		return;
	j = (off - first_even) / 2;
	even = first_even + 2 * j;
	busy = t->portmap[addr_idx * t->port_count + even] != 0 ||
		(even + 1 < t->port_count &&
		 t->portmap[addr_idx * t->port_count + even + 1] != 0);
	word = &t->pairs[addr_idx * t->pair_words + j / 64];
	if (busy)
		*word |= 1ull << (j % 64);
	else
		*word &= ~(1ull << (j % 64));
}

/* Claim the relay ports of one leg: the given ones, or a free even pair. */
static int
dp_ports_take(struct dp_session_table *t, uint32_t addr_idx,
		const struct dg_msg_leg *m, uint32_t entry_base,
		uint16_t ports[2])
{
	bool mux = (m->flags & DG_LEG_F_RTCP_MUX) != 0;
	uint32_t n, off, first_even, w, j;
	uint64_t *words, free_bits;
	uint16_t rtp, rtcp;

	if (m->relay_rtp_port != 0) {
		rtp = m->relay_rtp_port;
		rtcp = mux ? rtp : (m->relay_rtcp_port != 0 ?
				    m->relay_rtcp_port : (uint16_t)(rtp + 1));
		if (!mux && rtcp == rtp)
			return -EINVAL;
		if (!dp_session_port_mine(t, rtp) ||
		    !dp_session_port_mine(t, rtcp))
			return -EXDEV;
		if (*dp_portmap_slot(t, addr_idx, rtp) != 0 ||
		    *dp_portmap_slot(t, addr_idx, rtcp) != 0)
			return -EADDRINUSE;
		goto claim;
	}
	/* Pair j is the even port at offset first_even + 2j and the odd
	 * port above it; a set bit means one of them is taken. */
	first_even = t->port_first & 1;
	words = &t->pairs[addr_idx * t->pair_words];
	for (n = 0; n <= t->pair_words; n++) {
		w = t->alloc_next[addr_idx];
		free_bits = ~words[w];
		if (free_bits != 0) {
			j = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
			off = first_even + 2 * j;
			if (off + (mux ? 0 : 1) < t->port_count) {
				rtp = (uint16_t)(t->port_first + off);
				rtcp = mux ? rtp : (uint16_t)(rtp + 1);
				goto claim;
			}
		}
		t->alloc_next[addr_idx] = w + 1 < t->pair_words ? w + 1 : 0;
	}
	return -ENOSPC;
claim:
	*dp_portmap_slot(t, addr_idx, rtp) = entry_base | DP_KIND_RTP;
	t->ports_in_use++;
	dp_pair_update(t, addr_idx, rtp);
	if (!mux) {
		*dp_portmap_slot(t, addr_idx, rtcp) = entry_base | DP_KIND_RTCP;
		t->ports_in_use++;
		dp_pair_update(t, addr_idx, rtcp);
	}
	ports[0] = rtp;
	ports[1] = rtcp;
	return 0;
}

static void
dp_ports_release(struct dp_session_table *t, const struct dp_leg *l)
{
	*dp_portmap_slot(t, l->addr_idx, l->local_port[DP_KIND_RTP]) = 0;
	t->ports_in_use--;
	dp_pair_update(t, l->addr_idx, l->local_port[DP_KIND_RTP]);
	if (l->local_port[DP_KIND_RTCP] != l->local_port[DP_KIND_RTP]) {
		*dp_portmap_slot(t, l->addr_idx,
				 l->local_port[DP_KIND_RTCP]) = 0;
		t->ports_in_use--;
		dp_pair_update(t, l->addr_idx, l->local_port[DP_KIND_RTCP]);
	}
}

static bool
dp_addr_is_zero(const uint8_t *a, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (a[i] != 0)
			return false;
	return true;
}

/* Program the peer side of a leg from a command. keep: the leg existed
 * before (update), so a latched peer survives unless SDP moved. */
static void
dp_leg_program(struct dp_leg *l, const struct dg_msg_leg *m, bool keep)
{
	bool mux = (m->flags & DG_LEG_F_RTCP_MUX) != 0;
	uint32_t alen = m->relay_family == DG_AF_INET ? 4 : 16;
	uint8_t sdp_addr[16] = { 0 };
	uint16_t sdp_port[2] = { 0, 0 };
	bool sdp;

	sdp = m->peer_family != DG_AF_NONE &&
		!dp_addr_is_zero(m->peer_addr, alen);
	if (sdp) {
		memcpy(sdp_addr, m->peer_addr, alen);
		sdp_port[DP_KIND_RTP] = m->peer_rtp_port;
		if (mux)
			sdp_port[DP_KIND_RTCP] = m->peer_rtp_port;
		else if (m->peer_rtcp_port != 0)
			sdp_port[DP_KIND_RTCP] = m->peer_rtcp_port;
		else if (m->peer_rtp_port != 0)
			sdp_port[DP_KIND_RTCP] = (uint16_t)(m->peer_rtp_port + 1);
	}
	if (keep && sdp == ((l->state & DP_LEG_S_SDP) != 0) &&
	    memcmp(sdp_addr, l->sdp_addr, sizeof(sdp_addr)) == 0 &&
	    memcmp(sdp_port, l->sdp_port, sizeof(sdp_port)) == 0 &&
	    l->flags == m->flags) {
		l->srtp_suite = m->srtp_suite;
		return;
	}
	memcpy(l->sdp_addr, sdp_addr, sizeof(sdp_addr));
	memcpy(l->sdp_port, sdp_port, sizeof(sdp_port));
	l->flags = m->flags;
	l->srtp_suite = m->srtp_suite;
	l->state = sdp ? DP_LEG_S_SDP : 0;
	memset(l->peer_mac, 0, sizeof(l->peer_mac));
	if (sdp) {
		l->peer_family = l->family;
		memcpy(l->peer_addr, sdp_addr, sizeof(l->peer_addr));
		memcpy(l->peer_port, sdp_port, sizeof(l->peer_port));
	} else {
		l->peer_family = 0;
		memset(l->peer_addr, 0, sizeof(l->peer_addr));
		memset(l->peer_port, 0, sizeof(l->peer_port));
	}
}

static void
dp_session_program(const struct dp_session_table *t, struct dp_session *s,
		const struct dg_msg_session *msg, uint64_t now_ns)
{
	uint32_t window;

	s->timeout_start_s = msg->timeout_start_s;
	s->timeout_stop_s = msg->timeout_stop_s;
	s->latch_window_s = msg->latch_window_s;
	window = msg->latch_window_s != 0 ? msg->latch_window_s :
		t->latch_window_s;
	s->window_end_ns = now_ns + (uint64_t)window * 1000000000ull;
}

static void
dp_srtp_key_from(struct dp_srtp_key *k, uint8_t suite,
		const struct dg_msg_srtp_key *m)
{
	memset(k, 0, sizeof(*k));
	k->suite = (enum dp_srtp_suite)(suite - 1);
	memcpy(k->master_key, m->key, sizeof(k->master_key));
	memcpy(k->master_salt, m->salt, sizeof(k->master_salt));
}

static void
dp_session_srtp_release(struct dp_session_table *t, struct dp_session *s)
{
	int i, d;

	for (i = 0; i < 2; i++)
		for (d = 0; d < 2; d++) {
			if (s->leg[i].srtp_slot[d] != DP_SRTP_NONE)
				dp_srtp_ctx_destroy(t->srtp,
						    s->leg[i].srtp_slot[d]);
			s->leg[i].srtp_slot[d] = DP_SRTP_NONE;
		}
}

/* One context of one leg: dir 0 unprotects what the leg's peer sends with
 * srtp_in, dir 1 protects toward it with srtp_out. */
static int
dp_session_srtp_ctx(struct dp_session_table *t, struct dp_leg *l,
		const struct dg_msg_leg *m, int dir)
{
	struct dp_srtp_ctx_params p;
	struct dp_srtp_key k;
	int idx;

	memset(&p, 0, sizeof(p));
	p.dir = dir == 0 ? DP_SRTP_DIR_UNPROTECT : DP_SRTP_DIR_PROTECT;
	p.flags = DP_SRTP_F_SSRC_ANY;
	dp_srtp_key_from(&k, m->srtp_suite, dir == 0 ? &m->srtp_in :
			 &m->srtp_out);
	idx = dp_srtp_ctx_create(t->srtp, &p, &k);
	if (idx < 0)
		return idx;
	if ((uint32_t)idx >= DP_SRTP_NONE) {
		dp_srtp_ctx_destroy(t->srtp, (uint32_t)idx);
		return -ENOSPC;
	}
	l->srtp_slot[dir] = (uint32_t)idx;
	return 0;
}

/*
 * Contexts for both directions. Direction a -> b needs an unprotect
 * context on a (if a has keys) and a protect context on b (if b has keys),
 * unless a's ingress keys are b's egress keys: then SRTP passes untouched.
 */
static int
dp_session_srtp_setup(struct dp_session_table *t, struct dp_session *s,
		const struct dg_msg_session *msg)
{
	struct dp_srtp_key kin, kout;
	int a, b, err = 0;
	bool pass;

	for (a = 0; a < 2 && err == 0; a++) {
		const struct dg_msg_leg *ma = &msg->leg[a];
		const struct dg_msg_leg *mb = &msg->leg[a ^ 1];

		b = a ^ 1;
		pass = false;
		if (ma->srtp_suite != DG_SRTP_NONE &&
		    mb->srtp_suite != DG_SRTP_NONE) {
			dp_srtp_key_from(&kin, ma->srtp_suite, &ma->srtp_in);
			dp_srtp_key_from(&kout, mb->srtp_suite, &mb->srtp_out);
			pass = dp_srtp_key_passthrough(&kin, &kout);
			memset(&kin, 0, sizeof(kin));
			memset(&kout, 0, sizeof(kout));
		}
		if (pass)
			continue;
		if (ma->srtp_suite != DG_SRTP_NONE)
			err = dp_session_srtp_ctx(t, &s->leg[a], ma, 0);
		if (err == 0 && mb->srtp_suite != DG_SRTP_NONE)
			err = dp_session_srtp_ctx(t, &s->leg[b], mb, 1);
	}
	if (err < 0)
		dp_session_srtp_release(t, s);
	return err;
}

int
dp_session_create(struct dp_session_table *t, uint64_t id,
		const struct dg_msg_session *msg, uint64_t now_ns,
		struct dg_msg_ports ports[2])
{
	struct dp_session *s;
	uint16_t p[2][2];
	int idx[2], err, i;
	uint32_t rec;

	if (id == 0)
		return -EINVAL;
	if (dp_session_find(t, id) != NULL)
		return -EEXIST;
	for (i = 0; i < 2; i++) {
		idx[i] = dp_leg_check(t, &msg->leg[i]);
		if (idx[i] < 0)
			return idx[i];
	}
	if (t->nfree == 0)
		return -ENOMEM;
	rec = t->free_rec[t->nfree - 1];
	for (i = 0; i < 2; i++) {
		err = dp_ports_take(t, (uint32_t)idx[i], &msg->leg[i],
				    (rec + 1) << 2 | (uint32_t)i << 1, p[i]);
		if (err < 0)
			goto out_release;
	}
	t->nfree--;
	s = &t->rec[rec];
	memset(s, 0, sizeof(*s));
	memset(&t->drops[rec], 0, sizeof(t->drops[rec]));
	s->id = id;
	s->created_ns = now_ns;
	for (i = 0; i < 2; i++) {
		struct dp_leg *l = &s->leg[i];

		l->addr_idx = (uint8_t)idx[i];
		l->family = msg->leg[i].relay_family;
		l->local_port[DP_KIND_RTP] = p[i][0];
		l->local_port[DP_KIND_RTCP] = p[i][1];
		l->srtp_slot[0] = DP_SRTP_NONE;
		l->srtp_slot[1] = DP_SRTP_NONE;
		dp_leg_program(l, &msg->leg[i], false);
		ports[i].rtp = p[i][0];
		ports[i].rtcp = p[i][1];
	}
	if (t->srtp != NULL) {
		err = dp_session_srtp_setup(t, s, msg);
		if (err < 0) {
			i = 2;
			memset(s, 0, sizeof(*s));
			t->nfree++;
			goto out_release;
		}
	}
	dp_session_program(t, s, msg, now_ns);
	dp_id_insert(t, id, rec);
	t->count++;
	return 0;
out_release:
	while (--i >= 0) {
		struct dp_leg l = { .addr_idx = (uint8_t)idx[i] };

		l.local_port[0] = p[i][0];
		l.local_port[1] = p[i][1];
		dp_ports_release(t, &l);
	}
	return err;
}

int
dp_session_update(struct dp_session_table *t, uint64_t id,
		const struct dg_msg_session *msg, uint64_t now_ns,
		struct dg_msg_ports ports[2])
{
	struct dp_session *s;
	int idx, i;

	s = dp_session_find(t, id);
	if (s == NULL)
		return -ENOENT;
	for (i = 0; i < 2; i++) {
		const struct dg_msg_leg *m = &msg->leg[i];
		const struct dp_leg *l = &s->leg[i];
		bool mux = (m->flags & DG_LEG_F_RTCP_MUX) != 0;

		idx = dp_leg_check(t, m);
		if (idx < 0)
			return idx;
		/* Relay address and ports are in SDP already sent: fixed. */
		if ((uint32_t)idx != l->addr_idx ||
		    mux != ((l->flags & DG_LEG_F_RTCP_MUX) != 0) ||
		    (m->relay_rtp_port != 0 &&
		     m->relay_rtp_port != l->local_port[DP_KIND_RTP]) ||
		    (!mux && m->relay_rtcp_port != 0 &&
		     m->relay_rtcp_port != l->local_port[DP_KIND_RTCP]))
			return -EINVAL;
	}
	/* New keys: new contexts. On failure the session keeps running
	 * with its old contexts and peers. */
	if (t->srtp != NULL) {
		struct dp_session old = *s;
		int err;

		for (i = 0; i < 2; i++) {
			s->leg[i].srtp_slot[0] = DP_SRTP_NONE;
			s->leg[i].srtp_slot[1] = DP_SRTP_NONE;
		}
		err = dp_session_srtp_setup(t, s, msg);
		if (err < 0) {
			*s = old;
			return err;
		}
		dp_session_srtp_release(t, &old);
	}
	for (i = 0; i < 2; i++) {
		dp_leg_program(&s->leg[i], &msg->leg[i], true);
		ports[i].rtp = s->leg[i].local_port[DP_KIND_RTP];
		ports[i].rtcp = s->leg[i].local_port[DP_KIND_RTCP];
	}
	dp_session_program(t, s, msg, now_ns);
	return 0;
}

static void
dp_session_remove(struct dp_session_table *t, struct dp_session *s,
		struct dp_id_slot *slot)
{
	uint32_t rec = dp_session_index(t, s);

	if (t->srtp != NULL)
		dp_session_srtp_release(t, s);
	dp_ports_release(t, &s->leg[0]);
	dp_ports_release(t, &s->leg[1]);
	dp_id_remove(t, slot);
	memset(s, 0, sizeof(*s));
	t->free_rec[t->nfree++] = rec;
	t->count--;
}

int
dp_session_delete(struct dp_session_table *t, uint64_t id)
{
	struct dp_id_slot *slot;

	if (id == 0)
		return -ENOENT;
	slot = dp_id_find(t, id);
	if (slot == NULL)
		return -ENOENT;
	dp_session_remove(t, &t->rec[slot->rec], slot);
	return 0;
}

uint32_t
dp_session_flush(struct dp_session_table *t)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->capacity; i++) {
		if (t->rec[i].id == 0)
			continue;
		dp_session_remove(t, &t->rec[i], dp_id_find(t, t->rec[i].id));
		n++;
	}
	return n;
}

void
dp_session_stats_fill(const struct dp_session_table *t,
		const struct dp_session *s, struct dg_msg_stats *st)
{
	uint32_t rec = dp_session_index(t, s);
	int i;

	memset(st, 0, sizeof(*st));
	st->timeout_start_s = s->timeout_start_s;
	st->timeout_stop_s = s->timeout_stop_s;
	st->created_ns = s->created_ns;
	for (i = 0; i < 2; i++) {
		const struct dp_leg *l = &s->leg[i];
		struct dg_msg_leg_stats *ls = &st->leg[i];

		ls->rx_pkts = l->rx_pkts;
		ls->rx_bytes = l->rx_bytes;
		ls->tx_pkts = l->tx_pkts;
		ls->tx_bytes = l->tx_bytes;
		ls->last_rx_ns = l->last_rx_ns;
		memcpy(ls->drops, t->drops[rec].leg[i], sizeof(ls->drops));
		ls->peer_family = l->peer_family;
		ls->srtp_suite = l->srtp_suite;
		ls->peer_port = l->peer_port[DP_KIND_RTP];
		memcpy(ls->peer_addr, l->peer_addr, sizeof(ls->peer_addr));
		ls->relay.rtp = l->local_port[DP_KIND_RTP];
		ls->relay.rtcp = l->local_port[DP_KIND_RTCP];
		ls->flags = l->flags;
	}
}
