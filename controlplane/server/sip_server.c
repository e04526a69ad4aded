/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up, reload, statistics and teardown of the SIP service: one
 * provided-buffer ring shared by every UDP socket (a datagram is handled
 * and its buffer returned inside one completion, so the ring is sized by
 * burst, not by socket count), one TCP transport for every TCP listener.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "sip_edge.h"
#include "sip_server.h"

/* Room for a response: every Via of the largest request plus our lines. */
#define SIP_SERVER_OUT_EXTRA 2048

int
sip_server_start(struct sip_server *srv, struct uring_loop *loop,
		const struct cp_conf *conf, char *errbuf, size_t errlen)
{
	const struct cp_listen *l;
	char name[80];
	unsigned int i;
	int err;

	srv->loop = loop;
	srv->conf = *conf;
	err = sip_local_init(&srv->local, &srv->conf);
	if (err < 0) {
		snprintf(errbuf, errlen, "cannot list interface addresses: %s",
			strerror(-err));
		return err;
	}
	srv->out_cap = srv->conf.max_message_size + SIP_SERVER_OUT_EXTRA;
	srv->out = malloc(srv->out_cap);
	if (srv->out == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	err = uring_bufring_init(&srv->udp_bufs, &loop->ring,
		SIP_SERVER_UDP_BGID, srv->conf.udp_buffers,
		(uint32_t)sip_udp_buf_size(srv->conf.max_message_size));
	if (err < 0) {
		snprintf(errbuf, errlen, "cannot register UDP buffers: %s",
			strerror(-err));
		return err;
	}
	err = sip_tcp_init(&srv->tcp, loop, srv->conf.max_message_size,
		srv->conf.tcp_idle_timeout_ms, srv->conf.tcp_connections,
		sip_msg_frame, sip_server_on_rx, srv);
	if (err < 0) {
		snprintf(errbuf, errlen, "out of memory");
		return err;
	}
	for (i = 0; i < srv->conf.n_listen; i++) {
		l = &srv->conf.listen[i];
		if (l->transport == CP_TP_UDP) {
			err = sip_udp_open(&srv->udp[srv->n_udp], loop,
				&srv->udp_bufs, (const struct sockaddr *)&l->addr,
				l->addrlen, srv->conf.max_message_size,
				(int)srv->conf.udp_socket_buffer,
				sip_server_on_rx, srv);
			if (err == 0)
				srv->n_udp++;
		} else {
			err = sip_tcp_listen(&srv->tcp, &srv->tcp_l[srv->n_tcp],
				(const struct sockaddr *)&l->addr, l->addrlen);
			if (err == 0)
				srv->n_tcp++;
		}
		if (err < 0) {
			snprintf(errbuf, errlen, "%s: %s",
				cp_listen_str(l, name, sizeof(name)),
				strerror(-err));
			return err;
		}
		DG_LOG(DG_LOG_INFO, "sip.listen", "listen=%s",
			cp_listen_str(l, name, sizeof(name)));
	}
	if (srv->conf.role == CP_ROLE_EDGE)
		return sip_edge_create(&srv->edge, loop, &srv->conf, srv->udp,
			srv->n_udp, &srv->tcp, srv->redis, errbuf, errlen);
	return 0;
}

static bool
listen_equal(const struct cp_conf *a, const struct cp_conf *b)
{
	unsigned int i;

	if (a->n_listen != b->n_listen)
		return false;
	for (i = 0; i < a->n_listen; i++)
		if (a->listen[i].transport != b->listen[i].transport ||
				a->listen[i].addrlen != b->listen[i].addrlen ||
				memcmp(&a->listen[i].addr, &b->listen[i].addr,
					a->listen[i].addrlen) != 0)
			return false;
	return true;
}

static void
reload_kept(const char *key)
{
	DG_LOG(DG_LOG_WARN, "conf.reload",
		"key=%s applied=no reason=\"needs a restart\"", key);
}

void
sip_server_reload(struct sip_server *srv, const struct cp_conf *conf)
{
	struct cp_conf next = *conf;
	const struct cp_conf *cur = &srv->conf;

	/* What needs a restart keeps its running value. */
	if (!listen_equal(cur, conf))
		reload_kept("sip.listen");
	if (cur->max_message_size != conf->max_message_size)
		reload_kept("sip.max_message_size");
	if (cur->role != conf->role)
		reload_kept("node.role");
	if (cur->udp_buffers != conf->udp_buffers ||
			cur->udp_socket_buffer != conf->udp_socket_buffer ||
			cur->tcp_connections != conf->tcp_connections)
		reload_kept("limits");
	memcpy(next.listen, cur->listen, sizeof(next.listen));
	next.n_listen = cur->n_listen;
	next.max_message_size = cur->max_message_size;
	next.role = cur->role;
	next.udp_buffers = cur->udp_buffers;
	next.udp_socket_buffer = cur->udp_socket_buffer;
	next.tcp_connections = cur->tcp_connections;
	srv->conf = next;
	dg_log_set_level(srv->conf.log_level);
	sip_tcp_set_idle(&srv->tcp, srv->conf.tcp_idle_timeout_ms);
	if (sip_local_init(&srv->local, &srv->conf) < 0)
		DG_LOG(DG_LOG_WARN, "conf.reload",
			"key=interfaces applied=no reason=\"getifaddrs failed\"");
}

bool
sip_server_busy(const struct sip_server *srv)
{
	unsigned int i;

	for (i = 0; i < srv->n_udp; i++)
		if (srv->udp[i].tx_inflight > 0)
			return true;
	return sip_tcp_sending(&srv->tcp);
}

void
sip_server_stats_log(const struct sip_server *srv)
{
	const struct sip_server_stats *s = &srv->stats;
	const struct sip_tcp_stats *t = &srv->tcp.stats;

	dg_log_write(DG_LOG_INFO, "sip.stats",
#define SIP_SERVER_STATS_FMT_(name, help) #name "=%llu "
		SIP_SERVER_STATS(SIP_SERVER_STATS_FMT_)
#undef SIP_SERVER_STATS_FMT_
		"tcp_accepted=%llu tcp_refused=%llu tcp_closed=%llu "
		"tcp_idle_closed=%llu tcp_bad_framing=%llu tcp_oversize=%llu "
		"tcp_sendq_overflow=%llu tcp_conns=%u",
#define SIP_SERVER_STATS_ARG_(name, help) (unsigned long long)s->name,
		SIP_SERVER_STATS(SIP_SERVER_STATS_ARG_)
#undef SIP_SERVER_STATS_ARG_
		(unsigned long long)t->accepted, (unsigned long long)t->refused,
		(unsigned long long)t->closed,
		(unsigned long long)t->idle_closed,
		(unsigned long long)t->bad_framing,
		(unsigned long long)t->oversize,
		(unsigned long long)t->sendq_overflow, srv->tcp.n_conns);
	if (srv->edge != NULL)
		sip_edge_stats_log(srv->edge);
}

void
sip_server_destroy(struct sip_server *srv)
{
	unsigned int i;

	sip_edge_destroy(srv->edge);
	srv->edge = NULL;
	sip_tcp_destroy(&srv->tcp, srv->tcp_l, srv->n_tcp);
	for (i = 0; i < srv->n_udp; i++)
		sip_udp_close(&srv->udp[i]);
	uring_bufring_fini(&srv->udp_bufs);
	free(srv->out);
	srv->out = NULL;
}
