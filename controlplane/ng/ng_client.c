/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ng client: cookies are "<client id>_<sequence>", so a reply finds its
 * request by the sequence (a slot of a power-of-two table) and the whole
 * cookie is compared before it is accepted. Each request owns a timer that
 * retransmits the same bytes at 1x, 2x, 4x ... the first timeout.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ng_client.h"
#include "sip_transport_udp.h"
#include "uring_bufring.h"
#include "uring_timer.h"

#define NG_CLIENT_MAX_MSG 65000u
#define NG_CLIENT_NODES 2048u

struct ng_creq {
	struct uring_timer timer;	/* first: the timer finds the request */
	struct ng_client *c;
	uint32_t seq;
	unsigned int tries_left;
	unsigned int rto_ms;
	ng_client_reply_fn *fn;
	void *arg;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	size_t cookie_len;
	size_t len;
	char data[];			/* "<cookie> <dict>" */
};

struct ng_client {
	struct sip_udp_sock udp;	/* first: its receive path is ours */
	struct uring_loop *loop;
	struct uring_bufring bufs;
	struct ng_client_opts opts;
	struct sockaddr_storage server;
	socklen_t server_len;
	uint32_t id;
	uint32_t seq;
	struct ng_creq **pend;
	uint32_t mask;
	struct ng_client_stats st;
	struct ng_ben_node nodes[NG_CLIENT_NODES];
};

static void
ng_creq_done(struct ng_creq *r, int status, const struct ng_ben_doc *doc,
	     const struct ng_ben_node *dict)
{
	struct ng_client *c = r->c;

	uring_timer_cancel(&c->loop->timers, &r->timer);
	c->pend[r->seq & c->mask] = NULL;
	r->fn(r->arg, status, doc, dict);
	free(r);
}

static void
ng_creq_send(struct ng_creq *r)
{
	struct ng_client *c = r->c;

	(void)sip_udp_send(&c->udp, (const struct sockaddr *)&r->dst,
			   r->dst_len, r->data, r->len);
	r->tries_left--;
	(void)uring_timer_start(&c->loop->timers, &r->timer, r->rto_ms);
}

static void
ng_creq_on_timer(struct uring_timer *t)
{
	struct ng_creq *r = (struct ng_creq *)t;

	if (r->tries_left == 0) {
		r->c->st.timeouts++;
		ng_creq_done(r, -ETIMEDOUT, NULL, NULL);
		return;
	}
	/* Zero delay: the first send, deferred out of ng_client_send. */
	if (r->tries_left < r->c->opts.tries) {
		r->c->st.retransmits++;
		r->rto_ms *= 2;
	}
	ng_creq_send(r);
}

static void
ng_client_on_rx(void *arg, const struct sip_rx *rx)
{
	struct ng_client *c = arg;
	struct ng_ben_doc doc;
	const char *sp, *us;
	struct ng_creq *r;
	unsigned long seq;
	char *end;
	int n;

	sp = memchr(rx->buf, ' ', rx->len);
	us = sp != NULL ? memchr(rx->buf, '_', (size_t)(sp - rx->buf)) : NULL;
	if (us == NULL) {
		c->st.stray++;
		return;
	}
	seq = strtoul(us + 1, &end, 10);
	r = c->pend[seq & c->mask];
	if (end != sp || r == NULL || r->cookie_len != (size_t)(sp - rx->buf) ||
	    memcmp(r->data, rx->buf, r->cookie_len) != 0) {
		c->st.stray++;
		return;
	}
	ng_ben_doc_init(&doc, c->nodes, NG_CLIENT_NODES);
	n = ng_ben_decode(&doc, sp + 1, rx->len - (size_t)(sp + 1 - rx->buf));
	if (n < 0 || doc.nodes[0].type != NG_BEN_DICT || rx->oversize) {
		c->st.malformed++;
		ng_creq_done(r, -EBADMSG, NULL, NULL);
		return;
	}
	c->st.replies++;
	ng_creq_done(r, 0, &doc, &doc.nodes[0]);
}

int
ng_client_create(struct ng_client **out, struct uring_loop *loop,
		 const struct sockaddr *server, socklen_t len,
		 const struct ng_client_opts *opts)
{
	struct sockaddr_storage any;
	struct ng_client *c;
	int err;

	if (len > sizeof(c->server) ||
	    (server->sa_family != AF_INET && server->sa_family != AF_INET6))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->opts = *opts;
	if (c->opts.first_rto_ms == 0)
		c->opts.first_rto_ms = 500;
	if (c->opts.tries == 0)
		c->opts.tries = 4;
	if (c->opts.bgid == 0)
		c->opts.bgid = 3;
	if (c->opts.max_pending == 0)
		c->opts.max_pending = 4096;
	if ((c->opts.max_pending & (c->opts.max_pending - 1)) != 0) {
		err = -EINVAL;
		goto out_free;
	}
	c->pend = calloc(c->opts.max_pending, sizeof(*c->pend));
	if (c->pend == NULL) {
		err = -ENOMEM;
		goto out_free;
	}
	c->mask = c->opts.max_pending - 1;
	memcpy(&c->server, server, len);
	c->server_len = len;
	c->loop = loop;
	if (getrandom(&c->id, sizeof(c->id), 0) != sizeof(c->id))
		c->id = (uint32_t)getpid();
	err = uring_bufring_init(&c->bufs, &loop->ring, (uint16_t)c->opts.bgid,
				 16, (uint32_t)sip_udp_buf_size(NG_CLIENT_MAX_MSG));
	if (err < 0)
		goto out_pend;
	memset(&any, 0, sizeof(any));
	any.ss_family = server->sa_family;
	err = sip_udp_open(&c->udp, loop, &c->bufs, (struct sockaddr *)&any,
			   server->sa_family == AF_INET ?
			   sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
			   NG_CLIENT_MAX_MSG, 1 << 20, ng_client_on_rx, c);
	if (err < 0)
		goto out_bufs;
	*out = c;
	return 0;
out_bufs:
	uring_bufring_fini(&c->bufs);
out_pend:
	free(c->pend);
out_free:
	free(c);
	return err;
}

int
ng_client_send_to(struct ng_client *c, const struct sockaddr *dst,
		  socklen_t dst_len, const char *dict, size_t len,
		  ng_client_reply_fn *fn, void *arg)
{
	char cookie[32];
	struct ng_creq *r;
	uint32_t seq;
	int cl;

	if (dst_len > sizeof(r->dst) || dst->sa_family != c->server.ss_family)
		return -EINVAL;
	seq = ++c->seq;
	if (c->pend[seq & c->mask] != NULL) {
		c->seq--;
		return -EBUSY;
	}
	cl = snprintf(cookie, sizeof(cookie), "%08x_%u", c->id, seq);
	if ((size_t)cl + 1 + len > NG_CLIENT_MAX_MSG)
		return -EMSGSIZE;
	r = calloc(1, sizeof(*r) + (size_t)cl + 1 + len);
	if (r == NULL)
		return -ENOMEM;
	r->c = c;
	r->seq = seq;
	r->fn = fn;
	r->arg = arg;
	memcpy(&r->dst, dst, dst_len);
	r->dst_len = dst_len;
	r->tries_left = c->opts.tries;
	r->rto_ms = c->opts.first_rto_ms;
	r->cookie_len = (size_t)cl;
	memcpy(r->data, cookie, (size_t)cl);
	r->data[cl] = ' ';
	memcpy(r->data + cl + 1, dict, len);
	r->len = (size_t)cl + 1 + len;
	uring_timer_init(&r->timer, ng_creq_on_timer);
	if (uring_timer_start(&c->loop->timers, &r->timer, 0) < 0) {
		free(r);
		return -ENOMEM;
	}
	c->pend[seq & c->mask] = r;
	c->st.sent++;
	return 0;
}

int
ng_client_send(struct ng_client *c, const char *dict, size_t len,
	       ng_client_reply_fn *fn, void *arg)
{
	return ng_client_send_to(c, (const struct sockaddr *)&c->server,
				 c->server_len, dict, len, fn, arg);
}

void
ng_client_stats_get(const struct ng_client *c, struct ng_client_stats *st)
{
	*st = c->st;
}

void
ng_client_destroy(struct ng_client *c)
{
	uint32_t i;

	if (c == NULL)
		return;
	for (i = 0; i <= c->mask; i++)
		if (c->pend[i] != NULL)
			ng_creq_done(c->pend[i], -ECANCELED, NULL, NULL);
	sip_udp_close(&c->udp);
	uring_bufring_fini(&c->bufs);
	free(c->pend);
	free(c);
}
