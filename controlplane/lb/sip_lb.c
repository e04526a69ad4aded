/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer service (see sip_lb.h): start-up from the lb section, the
 * per-message decisions, stateless answers, sending, and the OPTIONS probe
 * timer. Everything a message needs is in the message itself, the edge
 * list and the secret.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dg_log.h"
#include "sip_lb.h"
#include "sip_server_via.h"

/* Room for a forwarded message: its bytes plus our Via, Path, Record-Route. */
#define LB_OUT_EXTRA 2048

struct sip_lb {
	struct uring_loop *loop;
	struct sip_server *srv;
	struct cp_conf_lb conf;
	struct sip_lb_self self;
	struct sip_lb_edge edges[CP_CONF_LB_MAX_EDGES];
	struct sip_lb_hrw_node nodes[CP_CONF_LB_MAX_EDGES];
	unsigned int n_edges;
	struct uring_timer probe;
	struct sip_lb_stats stats;
	char *out;
	size_t out_cap;
	struct sip_msg msg;		/* the message being handled (large) */
};

static const char *
call_id_str(const struct sip_msg *msg, char *buf, size_t len)
{
	if (!(msg->have & SIP_HAVE_CALL_ID) || msg->call_id.len == 0)
		return "-";
	return dg_log_quote(buf, len, msg->call_id.p, msg->call_id.len);
}

static bool
addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
			x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
			memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

static struct sip_lb_edge *
edge_by_addr(struct sip_lb *lb, const struct sockaddr_storage *a)
{
	unsigned int i;

	for (i = 0; i < lb->n_edges; i++)
		if (addr_eq(&lb->edges[i].addr, a))
			return &lb->edges[i];
	return NULL;
}

static socklen_t
addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		sizeof(struct sockaddr_in);
}

/* Sends from the receiving socket, or from one of dst's family. */
static int
lb_send(struct sip_lb *lb, struct sip_udp_sock *in,
		const struct sockaddr_storage *dst, const char *buf, size_t len)
{
	struct sip_udp_sock *s = NULL;
	unsigned int i;
	int err;

	if (in != NULL && in->local.ss_family == dst->ss_family)
		s = in;
	for (i = 0; s == NULL && i < lb->srv->n_udp; i++)
		if (lb->srv->udp[i].local.ss_family == dst->ss_family)
			s = &lb->srv->udp[i];
	if (s == NULL) {
		lb->stats.drop_unroutable++;
		return -EAFNOSUPPORT;
	}
	err = sip_udp_send(s, (const struct sockaddr *)dst, addr_len(dst), buf,
		len);
	if (err < 0)
		lb->stats.drop_tx_error++;
	return err;
}

/* The To tag of our own answers: the same for a retransmission. */
static void
to_tag(const struct sip_lb *lb, const struct sip_msg *msg, char *tag,
		size_t len)
{
	char buf[512];
	size_t n = 0;
	const struct dg_pl parts[] = {
		msg->call_id,
		(msg->have & SIP_HAVE_FROM) ? msg->from.tag : DG_PL_NULL,
		msg->n_vias > 0 ? msg->vias[0].branch : DG_PL_NULL,
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		size_t l = parts[i].len < 160 ? parts[i].len : 160;

		if (l > 0)
			memcpy(buf + n, parts[i].p, l);
		n += l;
		buf[n++] = '|';
	}
	snprintf(tag, len, "lb%016llx",
		(unsigned long long)sip_lb_siphash(&lb->self.key, buf, n));
}

/* A stateless answer to the request in lb->msg. */
static void
respond(struct sip_lb *lb, const struct sip_rx *rx, int code,
		const char *extra)
{
	const struct sip_msg *msg = &lb->msg;
	struct sockaddr_storage dst;
	char tag[24];
	ssize_t len;
	int n;

	if (!sip_msg_can_respond(msg))
		return;
	to_tag(lb, msg, tag, sizeof(tag));
	n = sip_resp_build(lb->out, lb->out_cap, msg, code, NULL, tag, extra);
	if (n < 0) {
		lb->stats.drop_tx_error++;
		return;
	}
	len = sip_server_via_stamp(lb->out, (size_t)n, lb->out_cap,
		&msg->vias[0], rx->src);
	if (len < 0) {
		lb->stats.drop_tx_error++;
		return;
	}
	if (sip_msg_response_dest(msg, rx->src, false, &dst) < 0) {
		lb->stats.drop_unroutable++;
		return;
	}
	(void)lb_send(lb, rx->udp, &dst, lb->out, (size_t)len);
}

static bool
options_is_ours(struct sip_lb *lb, const struct sip_msg *msg)
{
	if (msg->method != SIP_METHOD_OPTIONS || msg->ruri.user.len != 0)
		return false;
	return sip_lb_uri_is_self(&lb->self, &msg->ruri) ||
		sip_local_uri_is_ours(&lb->srv->local, &msg->ruri);
}

/* INVITE, SUBSCRIBE, REFER and NOTIFY outside a dialog create one. */
static bool
creates_dialog(const struct sip_msg *msg)
{
	if ((msg->have & SIP_HAVE_TO) && dg_pl_isset(msg->to.tag))
		return false;
	return msg->method == SIP_METHOD_INVITE ||
		msg->method == SIP_METHOD_SUBSCRIBE ||
		msg->method == SIP_METHOD_REFER ||
		msg->method == SIP_METHOD_NOTIFY;
}

/* The edge for a request from outside, or NULL when none is healthy. */
static struct sip_lb_edge *
pick_edge(struct sip_lb *lb, const struct sip_msg *msg, bool popped)
{
	struct sockaddr_storage a;
	struct sip_lb_edge *e;
	struct sip_addr ra;
	uint64_t h;
	int i;

	/* In a dialog: the edge that Record-Routed it, while it lives. */
	if (popped && msg->n_routes > 1 &&
			sip_addr_decode(&ra, msg->routes[1], NULL) == 0 &&
			sip_lb_uri_dest(&ra.uri, &a) == 0) {
		e = edge_by_addr(lb, &a);
		if (e != NULL && e->health.up)
			return e;
	}
	for (i = 0; i < (int)lb->n_edges; i++)
		lb->nodes[i].eligible = lb->edges[i].health.up;
	h = sip_lb_siphash(&sip_lb_key_callid, msg->call_id.p,
		msg->call_id.len);
	i = sip_lb_hrw_pick(lb->nodes, lb->n_edges, h);
	return i < 0 ? NULL : &lb->edges[i];
}

/* Whether the top Route names us (Route headers parsed). */
static bool
route_is_ours(struct sip_lb *lb, const struct sip_msg *msg,
		struct sip_addr *ra)
{
	return msg->n_routes > 0 &&
		sip_addr_decode(ra, msg->routes[0], NULL) == 0 &&
		sip_lb_uri_is_self(&lb->self, &ra->uri);
}

static void
forward_request(struct sip_lb *lb, const struct sip_rx *rx,
		struct sip_lb_edge *from)
{
	const struct sip_msg *msg = &lb->msg;
	char branch[SIP_LB_BRANCH_MAX], flow[SIP_LB_FLOW_MAX], cid[128];
	struct sip_lb_req_opts o;
	struct sockaddr_storage dst;
	struct sip_lb_edge *to = NULL;
	struct sip_addr ra;
	ssize_t len;
	int err;

	memset(&o, 0, sizeof(o));
	o.pop_route = route_is_ours(lb, msg, &ra);
	o.max_forwards = (msg->have & SIP_HAVE_MAX_FORWARDS) ?
		msg->max_forwards - 1 : 70;
	if (from == NULL) {
		to = pick_edge(lb, msg, o.pop_route);
		if (to == NULL) {
			char ra_hdr[48];

			lb->stats.no_edge++;
			if (msg->method == SIP_METHOD_ACK)
				return;
			snprintf(ra_hdr, sizeof(ra_hdr), "Retry-After: %u\r\n",
				lb->conf.retry_after_s);
			respond(lb, rx, 503, ra_hdr);
			/* Per request: the edges' down lines say why. */
			DG_LOG(DG_LOG_DEBUG, "lb.reject", "status=503 reason=\"no healthy edge\" call_id=%s",
				call_id_str(msg, cid, sizeof(cid)));
			return;
		}
		dst = to->addr;
		o.stamp_src = rx->src;
		if (sip_lb_flow_encode(&lb->self.key, rx->src, flow,
				sizeof(flow)) < 0) {
			lb->stats.drop_unroutable++;
			return;
		}
		if (msg->method == SIP_METHOD_REGISTER)
			o.path_user = flow;
		else if (lb->conf.record_route && creates_dialog(msg))
			o.rr_user = flow;
	} else {
		err = -ENOENT;
		if (o.pop_route) {
			err = sip_lb_flow_decode(&lb->self.key, ra.uri.user,
				&dst);
			if (err == -EPERM) {
				lb->stats.drop_bad_flow++;
				DG_LOG(DG_LOG_DEBUG, "lb.drop", "reason=\"flow token does not verify\" call_id=%s",
					call_id_str(msg, cid, sizeof(cid)));
				return;
			}
		}
		if (err == -ENOENT) {
			unsigned int next = o.pop_route ? 1 : 0;

			if (msg->n_routes > next) {
				if (sip_addr_decode(&ra, msg->routes[next],
						NULL) == 0)
					err = sip_lb_uri_dest(&ra.uri, &dst);
			} else {
				err = sip_lb_uri_dest(&msg->ruri, &dst);
			}
		}
		if (err < 0 || edge_by_addr(lb, &dst) == from) {
			lb->stats.drop_unroutable++;
			return;
		}
		if (lb->conf.record_route && creates_dialog(msg) &&
				sip_lb_flow_encode(&lb->self.key, &dst, flow,
					sizeof(flow)) > 0)
			o.rr_user = flow;
	}
	if (sip_lb_branch_make(&lb->self.key, msg, &msg->vias[0], branch,
			sizeof(branch)) < 0) {
		lb->stats.drop_malformed++;
		return;
	}
	o.branch = branch;
	len = sip_lb_request_write(&lb->self, msg, &o, lb->out, lb->out_cap);
	if (len < 0) {
		lb->stats.drop_malformed++;
		return;
	}
	if (lb_send(lb, rx->udp, &dst, lb->out, (size_t)len) < 0)
		return;
	if (to != NULL) {
		to->requests++;
		lb->stats.to_edge++;
	} else {
		from->from++;
		lb->stats.from_edge++;
	}
	if (dg_log_enabled(DG_LOG_DEBUG)) {
		char d[64];

		DG_LOG(DG_LOG_DEBUG, "lb.fwd", "method=%.*s dir=%s edge=%s dst=%s call_id=%s",
			(int)msg->method_raw.len, msg->method_raw.p,
			to != NULL ? "in" : "out",
			to != NULL ? to->name : from->name,
			sip_sockaddr_str((const struct sockaddr *)&dst, d,
				sizeof(d)),
			call_id_str(msg, cid, sizeof(cid)));
	}
}

static void
handle_request(struct sip_lb *lb, const struct sip_rx *rx)
{
	struct sip_msg *msg = &lb->msg;
	struct sip_lb_edge *from = edge_by_addr(lb, rx->src);
	struct sip_perr perr;

	lb->stats.rx_requests++;
	if (msg->n_vias == 0 || !(msg->have & SIP_HAVE_CALL_ID) ||
			!(msg->have & SIP_HAVE_CSEQ)) {
		lb->stats.drop_malformed++;
		return;
	}
	if (options_is_ours(lb, msg) || (msg->method == SIP_METHOD_OPTIONS &&
			(msg->have & SIP_HAVE_MAX_FORWARDS) &&
			msg->max_forwards == 0)) {
		lb->stats.options_answered++;
		respond(lb, rx, 200, "Allow: OPTIONS\r\nAccept: application/sdp\r\n");
		return;
	}
	if ((msg->have & SIP_HAVE_MAX_FORWARDS) && msg->max_forwards == 0) {
		lb->stats.too_many_hops++;
		if (msg->method != SIP_METHOD_ACK)
			respond(lb, rx, 483, NULL);
		return;
	}
	if (sip_msg_parse_hdrs(msg, SIP_HDR_F_ROUTE | SIP_HDR_F_PATH,
			&perr) < 0) {
		lb->stats.drop_malformed++;
		if (msg->method != SIP_METHOD_ACK)
			respond(lb, rx, 400, NULL);
		return;
	}
	forward_request(lb, rx, from);
}

/* "z9hG4bKlp" + edge index (2 hex) + sequence (8 hex) + tag (16 hex). */
static int
probe_branch(const struct sip_lb *lb, unsigned int idx, uint32_t seq,
		char *out, size_t cap)
{
	uint8_t m[6];
	uint64_t tag;

	m[0] = 'p';
	m[1] = (uint8_t)idx;
	memcpy(m + 2, &seq, 4);
	tag = sip_lb_siphash(&lb->self.key, m, sizeof(m));
	return snprintf(out, cap, SIP_LB_PROBE_PREFIX "%02x%08x%016llx", idx,
		seq, (unsigned long long)tag);
}

/* An answer to a probe: 1 when it was one (handled), 0 when not. */
static int
handle_probe_reply(struct sip_lb *lb, const struct sip_msg *msg)
{
	const struct sip_via *v = &msg->vias[0];
	size_t plen = sizeof(SIP_LB_PROBE_PREFIX) - 1;
	char b[SIP_LB_BRANCH_MAX + 8];
	unsigned int idx, seq;
	struct sip_lb_edge *e;
	enum sip_lb_health_change c;
	int n;

	if (v->branch.len != plen + 26 ||
			memcmp(v->branch.p, SIP_LB_PROBE_PREFIX, plen) != 0)
		return 0;
	memcpy(b, v->branch.p, v->branch.len);
	b[v->branch.len] = '\0';
	if (sscanf(b + plen, "%2x%8x", &idx, &seq) != 2 || idx >= lb->n_edges)
		return 0;
	n = probe_branch(lb, idx, seq, b + 0, sizeof(b));
	if (n < 0 || (size_t)n != v->branch.len ||
			memcmp(b, v->branch.p, v->branch.len) != 0)
		return 0;
	lb->stats.probe_replies++;
	if (msg->status < 200)
		return 1;
	e = &lb->edges[idx];
	c = sip_lb_health_reply(&e->health, seq, msg->status < 500,
		uring_loop_clock_ms());
	if (c == SIP_LB_HEALTH_WENT_UP)
		DG_LOG(DG_LOG_INFO, "lb.edge", "edge=%s state=up after=%u",
			e->name, e->health.up_after);
	return 1;
}

static void
handle_response(struct sip_lb *lb, const struct sip_rx *rx)
{
	const struct sip_msg *msg = &lb->msg;
	struct sockaddr_storage dst;
	struct sip_lb_edge *e;
	ssize_t len;

	lb->stats.rx_responses++;
	if (msg->n_vias == 0) {
		lb->stats.drop_malformed++;
		return;
	}
	if (handle_probe_reply(lb, msg))
		return;
	if (!sip_lb_response_is_ours(&lb->self, msg)) {
		lb->stats.drop_not_ours++;
		return;
	}
	if (sip_lb_via_dest(&msg->vias[1], &dst) < 0) {
		lb->stats.drop_unroutable++;
		return;
	}
	len = sip_lb_response_write(msg, lb->out, lb->out_cap);
	if (len < 0) {
		lb->stats.drop_malformed++;
		return;
	}
	if (lb_send(lb, rx->udp, &dst, lb->out, (size_t)len) < 0)
		return;
	lb->stats.responses_forwarded++;
	e = edge_by_addr(lb, &dst);
	if (e != NULL)
		e->responses++;
}

void
sip_lb_rx(void *arg, const struct sip_rx *rx)
{
	struct sip_lb *lb = arg;
	struct sip_perr perr;

	if (rx->oversize || rx->conn != NULL) {
		lb->stats.drop_malformed++;
		return;
	}
	if (sip_msg_decode(&lb->msg, rx->buf, rx->len, &perr) < 0) {
		lb->stats.drop_malformed++;
		if (lb->msg.is_request && lb->msg.method != SIP_METHOD_ACK)
			respond(lb, rx, perr.status, NULL);
		return;
	}
	if (lb->msg.is_request)
		handle_request(lb, rx);
	else
		handle_response(lb, rx);
}

static void
probe_send(struct sip_lb *lb, unsigned int idx, uint32_t seq)
{
	struct sip_lb_edge *e = &lb->edges[idx];
	char branch[SIP_LB_BRANCH_MAX + 8], host[64];
	int n;

	if (probe_branch(lb, idx, seq, branch, sizeof(branch)) < 0)
		return;
	sip_sockaddr_str((const struct sockaddr *)&e->addr, host, sizeof(host));
	n = snprintf(lb->out, lb->out_cap,
		"OPTIONS sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s;branch=%s\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:lb@%s>;tag=lbprobe\r\n"
		"To: <sip:%s>\r\n"
		"Call-ID: lbprobe-%u-%u@%s\r\n"
		"CSeq: %u OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n",
		host, lb->self.sent_by, branch, lb->self.sent_by, host, idx,
		seq, lb->self.sent_by, seq);
	if (n < 0 || (size_t)n >= lb->out_cap)
		return;
	(void)lb_send(lb, NULL, &e->addr, lb->out, (size_t)n);
}

static void
probe_tick(struct uring_timer *t)
{
	struct sip_lb *lb = (struct sip_lb *)((char *)t -
		offsetof(struct sip_lb, probe));
	uint64_t now = uring_loop_clock_ms();
	enum sip_lb_health_change c;
	unsigned int i;
	uint32_t seq;

	for (i = 0; i < lb->n_edges; i++) {
		struct sip_lb_edge *e = &lb->edges[i];

		c = sip_lb_health_tick(&e->health, now, &seq);
		if (c == SIP_LB_HEALTH_WENT_DOWN)
			DG_LOG(DG_LOG_WARN, "lb.edge", "edge=%s state=down after=%u",
				e->name, e->health.down_after);
		probe_send(lb, i, seq);
	}
	if (uring_timer_start(&lb->loop->timers, &lb->probe,
			lb->conf.probe_interval_ms) < 0)
		DG_LOG(DG_LOG_ERROR, "lb.probe", "status=error error=\"timer: out of memory\"");
}

/* The first UDP listener, or NULL. */
static const struct cp_listen *
first_udp(const struct cp_conf *conf)
{
	unsigned int i;

	for (i = 0; i < conf->n_listen; i++)
		if (conf->listen[i].transport == CP_TP_UDP)
			return &conf->listen[i];
	return NULL;
}

/* Our sent-by: lb.advertise, or the first UDP listener's own address. */
static int
self_text(const struct cp_conf *conf, char *out, size_t cap)
{
	const struct cp_listen *l = first_udp(conf);
	char ip[INET6_ADDRSTRLEN];

	if (conf->lb.advertise[0] != '\0') {
		snprintf(out, cap, "%s", conf->lb.advertise);
		return 0;
	}
	if (l == NULL)
		return -EINVAL;
	if (l->addr.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&l->addr;

		if (s->sin_addr.s_addr == htonl(INADDR_ANY))
			return -EINVAL;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		snprintf(out, cap, "%s:%u", ip, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s =
			(const struct sockaddr_in6 *)&l->addr;

		if (IN6_IS_ADDR_UNSPECIFIED(&s->sin6_addr))
			return -EINVAL;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		snprintf(out, cap, "[%s]:%u", ip, ntohs(s->sin6_port));
	}
	return 0;
}

int
sip_lb_conf_check(const struct cp_conf *conf, char *err, size_t errlen)
{
	char sent_by[CP_CONF_LB_HOST_MAX];
	unsigned int i;

	if (conf->role != CP_ROLE_LB)
		return 0;
	if (conf->lb.n_edges == 0) {
		snprintf(err, errlen, "%s: lb: lb.edges lists no edge node",
			conf->source);
		return -EINVAL;
	}
	for (i = 0; i < conf->n_listen; i++) {
		if (conf->listen[i].transport != CP_TP_UDP) {
			snprintf(err, errlen,
				"%s: lb: the balancer serves SIP over UDP only: sip.listen must list udp listeners alone",
				conf->source);
			return -EINVAL;
		}
	}
	if (self_text(conf, sent_by, sizeof(sent_by)) < 0) {
		snprintf(err, errlen,
			"%s: lb: the first UDP listener is a wildcard: set lb.advertise",
			conf->source);
		return -EINVAL;
	}
	return 0;
}

int
sip_lb_create(struct sip_lb **out, struct uring_loop *loop,
		struct sip_server *srv, const struct cp_conf *conf, char *err,
		size_t errlen)
{
	char sent_by[CP_CONF_LB_HOST_MAX];
	struct sip_lb *lb;
	unsigned int i;
	int ret;

	ret = sip_lb_conf_check(conf, err, errlen);
	if (ret < 0)
		return ret;
	if (self_text(conf, sent_by, sizeof(sent_by)) < 0 || srv->n_udp == 0) {
		snprintf(err, errlen, "lb: no UDP listener");
		return -EINVAL;
	}
	lb = calloc(1, sizeof(*lb));
	if (lb == NULL)
		goto out_nomem;
	lb->out_cap = conf->max_message_size + LB_OUT_EXTRA;
	lb->out = malloc(lb->out_cap);
	if (lb->out == NULL)
		goto out_free;
	lb->loop = loop;
	lb->srv = srv;
	lb->conf = conf->lb;
	if (lb->conf.secret[0] == '\0' &&
			getrandom(&lb->self.key, sizeof(lb->self.key), 0) !=
			(ssize_t)sizeof(lb->self.key)) {
		snprintf(err, errlen, "lb: no random bytes for the secret");
		ret = -EIO;
		goto out_err;
	}
	if (sip_lb_self_init(&lb->self, sent_by, lb->conf.secret) < 0) {
		snprintf(err, errlen, "lb: bad advertise '%s'", sent_by);
		ret = -EINVAL;
		goto out_err;
	}
	lb->n_edges = conf->lb.n_edges;
	for (i = 0; i < lb->n_edges; i++) {
		const struct cp_conf_lb_edge *ce = &conf->lb.edges[i];
		struct sip_lb_edge *e = &lb->edges[i];

		snprintf(e->name, sizeof(e->name), "%s", ce->name);
		e->addr = ce->addr;
		e->addrlen = ce->addrlen;
		e->weight = ce->weight;
		sip_lb_health_init(&e->health, lb->conf.down_after,
			lb->conf.up_after, uring_loop_clock_ms());
		lb->nodes[i].id = sip_lb_siphash(&sip_lb_key_callid, e->name,
			strlen(e->name));
		lb->nodes[i].weight = e->weight;
	}
	uring_timer_init(&lb->probe, probe_tick);
	if (uring_timer_start(&loop->timers, &lb->probe, 0) < 0)
		goto out_nomem_lb;
	for (i = 0; i < srv->n_udp; i++) {
		srv->udp[i].on_rx = sip_lb_rx;
		srv->udp[i].arg = lb;
	}
	DG_LOG(DG_LOG_INFO, "lb.start", "sent_by=%s edges=%u probe_interval_ms=%llu down_after=%u up_after=%u record_route=%s",
		lb->self.sent_by, lb->n_edges,
		(unsigned long long)lb->conf.probe_interval_ms,
		lb->conf.down_after, lb->conf.up_after,
		lb->conf.record_route ? "true" : "false");
	*out = lb;
	return 0;
out_nomem_lb:
	ret = -ENOMEM;
	snprintf(err, errlen, "out of memory");
out_err:
	free(lb->out);
	free(lb);
	return ret;
out_free:
	free(lb);
out_nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

const struct sip_lb_edge *
sip_lb_edges(const struct sip_lb *lb, unsigned int *n)
{
	*n = lb->n_edges;
	return lb->edges;
}

const struct sip_lb_stats *
sip_lb_stats(const struct sip_lb *lb)
{
	return &lb->stats;
}

const char *
sip_lb_sent_by(const struct sip_lb *lb)
{
	return lb->self.sent_by;
}

void
sip_lb_stats_log(const struct sip_lb *lb)
{
	const struct sip_lb_stats *s = &lb->stats;
	unsigned int i;

	dg_log_write(DG_LOG_INFO, "lb.stats",
#define SIP_LB_STATS_FMT_(name, help) #name "=%llu "
		SIP_LB_STATS(SIP_LB_STATS_FMT_)
#undef SIP_LB_STATS_FMT_
		"edges=%u",
#define SIP_LB_STATS_ARG_(name, help) (unsigned long long)s->name,
		SIP_LB_STATS(SIP_LB_STATS_ARG_)
#undef SIP_LB_STATS_ARG_
		lb->n_edges);
	for (i = 0; i < lb->n_edges; i++) {
		const struct sip_lb_edge *e = &lb->edges[i];

		dg_log_write(DG_LOG_INFO, "lb.edge_stats",
			"edge=%s state=%s requests=%llu responses=%llu from=%llu probes_sent=%llu probes_ok=%llu probes_failed=%llu went_down=%llu went_up=%llu",
			e->name, e->health.up ? "up" : "down",
			(unsigned long long)e->requests,
			(unsigned long long)e->responses,
			(unsigned long long)e->from,
			(unsigned long long)e->health.probes_sent,
			(unsigned long long)e->health.probes_ok,
			(unsigned long long)e->health.probes_failed,
			(unsigned long long)e->health.went_down,
			(unsigned long long)e->health.went_up);
	}
}

void
sip_lb_destroy(struct sip_lb *lb)
{
	if (lb == NULL)
		return;
	uring_timer_cancel(&lb->loop->timers, &lb->probe);
	free(lb->out);
	free(lb);
}
