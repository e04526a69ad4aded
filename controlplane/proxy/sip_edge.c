/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge service: configuration, stores and the proxy's environment
 * over the server's UDP sockets. Our addresses are the listeners' own,
 * or every interface address for a wildcard listener; the address put in
 * Via and Record-Route for a wildcard socket is the source address the
 * kernel picks towards the destination (a connected UDP probe socket).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "dg_log.h"
#include "redis_conn.h"
#include "sip_auth.h"
#include "sip_auth_cache.h"
#include "sip_auth_users.h"
#include "sip_edge.h"
#include "sip_loc_mem.h"
#include "sip_loc_redis.h"
#include "sip_proxy_conf.h"

#define EDGE_MAX_ADDRS 128
/* Sweep the location store: a whole pass every 32 ticks of a second. */
#define EDGE_SWEEP_MS 1000
#define EDGE_SWEEP_PASS 32
/* Users whose HA1s are held from Redis at once. */
#define EDGE_CREDS_CACHE_MAX 65536

/* A request held while its user's HA1s are read from Redis. */
struct edge_fetch {
	struct edge_fetch *next;
	struct edge_fetch **pprev;
	struct sip_edge *e;		/* NULL once the edge is gone */
	struct sip_txn_dest src;
	size_t user_len;
	size_t realm_len;
	char names[2 * SIP_AUTH_USERS_NAME_MAX];
	size_t len;
	char buf[];
};

struct sip_edge {
	struct uring_loop *loop;
	struct cp_conf conf;
	struct sip_edge_conf ec;
	struct sip_udp_sock *udp;
	unsigned int n_udp;
	struct sip_tcp *tcp;
	struct sockaddr_storage addrs[EDGE_MAX_ADDRS];
	unsigned int n_addrs;
	struct sip_loc *loc;
	struct uring_timer sweep;
	struct sip_auth_users *users;
	struct sip_auth_ctx *auth;
	struct sip_proxy *proxy;
	struct redis_conn *redis;
	struct sip_auth_cache *creds;	/* credentials: redis */
	struct edge_fetch *fetches;	/* requests waiting for Redis */
	uint64_t creds_fetches;
	uint64_t creds_unavailable;	/* answered 503: Redis down */
	uint32_t tag_seq;
	struct sip_msg scratch;		/* decode of a request (large) */
};

static bool
is_wildcard(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
			htonl(INADDR_ANY);
	if (a->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)a)->sin6_addr);
	return false;
}

static uint16_t
addr_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

static void
addr_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static void
edge_add_addr(struct sip_edge *e, const struct sockaddr *sa)
{
	if (e->n_addrs >= EDGE_MAX_ADDRS)
		return;
	memset(&e->addrs[e->n_addrs], 0, sizeof(e->addrs[0]));
	memcpy(&e->addrs[e->n_addrs], sa, sa->sa_family == AF_INET ?
		sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	e->n_addrs++;
}

static int
edge_collect_addrs(struct sip_edge *e)
{
	struct ifaddrs *ifs, *ifa;
	bool wild = false;
	unsigned int i;

	for (i = 0; i < e->conf.n_listen; i++) {
		if (is_wildcard(&e->conf.listen[i].addr))
			wild = true;
		else
			edge_add_addr(e, (const struct sockaddr *)&e->conf.listen[i].addr);
	}
	if (!wild)
		return 0;
	if (getifaddrs(&ifs) < 0)
		return -errno;
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next)
		if (ifa->ifa_addr != NULL && (ifa->ifa_addr->sa_family == AF_INET ||
				ifa->ifa_addr->sa_family == AF_INET6))
			edge_add_addr(e, ifa->ifa_addr);
	freeifaddrs(ifs);
	return 0;
}

/* Whether a URI host is one of our IP addresses. */
static bool
edge_host_is_ip_ours(const struct sip_edge *e, struct dg_pl h)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	struct in6_addr a6;
	struct in_addr a4;
	unsigned int i;

	if (h.len >= 2 && h.p[0] == '[') {
		h.p++;
		h.len -= 2;
	}
	if (h.len == 0 || h.len >= sizeof(tmp))
		return false;
	memcpy(tmp, h.p, h.len);
	tmp[h.len] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) == 1) {
		for (i = 0; i < e->n_addrs; i++)
			if (e->addrs[i].ss_family == AF_INET &&
					((const struct sockaddr_in *)&e->addrs[i])->sin_addr.s_addr ==
					a4.s_addr)
				return true;
		return false;
	}
	if (inet_pton(AF_INET6, tmp, &a6) == 1) {
		for (i = 0; i < e->n_addrs; i++)
			if (e->addrs[i].ss_family == AF_INET6 &&
					memcmp(&((const struct sockaddr_in6 *)&e->addrs[i])->sin6_addr,
						&a6, sizeof(a6)) == 0)
				return true;
	}
	return false;
}

static bool
edge_port_ours(const struct sip_edge *e, const struct sip_uri *uri)
{
	uint16_t port = uri->port != 0 ? uri->port :
		uri->scheme == SIP_URI_SIPS ? 5061 : 5060;
	unsigned int i;

	for (i = 0; i < e->conf.n_listen; i++)
		if (addr_port(&e->conf.listen[i].addr) == port)
			return true;
	return false;
}

static bool
edge_is_domain(const struct sip_edge *e, struct dg_pl host)
{
	unsigned int i;

	for (i = 0; i < e->conf.n_domains; i++)
		if (dg_pl_eq_str_nocase(host, e->conf.domains[i]))
			return true;
	return false;
}

/* A Route / Via / Request-URI that names this proxy: host and port ours. */
static bool
edge_is_ours(void *arg, const struct sip_uri *uri)
{
	const struct sip_edge *e = arg;

	if (!edge_port_ours(e, uri))
		return false;
	return edge_host_is_ip_ours(e, uri->host) ||
		edge_is_domain(e, uri->host);
}

/* A Request-URI of our domain: a configured domain (any port) or us. */
static bool
edge_domain_is_ours(void *arg, const struct sip_uri *uri)
{
	const struct sip_edge *e = arg;

	if (edge_is_domain(e, uri->host))
		return true;
	return edge_host_is_ip_ours(e, uri->host) && edge_port_ours(e, uri);
}

/* The source address the kernel would use towards dst. */
static int
edge_route_src(const struct sockaddr_storage *dst, struct sockaddr_storage *out)
{
	socklen_t len = sizeof(*out);
	int fd, err = 0;

	fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)dst, dst->ss_family == AF_INET ?
			sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 ||
			getsockname(fd, (struct sockaddr *)out, &len) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Our TCP listening address of a family (what peers connect back to). */
static const struct sockaddr_storage *
edge_tcp_listen_addr(const struct sip_edge *e, sa_family_t family)
{
	unsigned int i;

	for (i = 0; i < e->conf.n_listen; i++)
		if (e->conf.listen[i].transport == CP_TP_TCP &&
				e->conf.listen[i].addr.ss_family == family)
			return &e->conf.listen[i].addr;
	return NULL;
}

/* A listening address made concrete towards peer (wildcards resolved). */
static int
edge_concrete(const struct sockaddr_storage *listen,
		const struct sockaddr_storage *peer, struct sockaddr_storage *addr)
{
	int err;

	*addr = *listen;
	if (!is_wildcard(addr))
		return 0;
	err = edge_route_src(peer, addr);
	if (err < 0)
		return err;
	addr_set_port(addr, addr_port(listen));
	return 0;
}

static int
edge_local(void *arg, const struct sip_txn_dest *dst, void **local,
		struct sockaddr_storage *addr)
{
	struct sip_edge *e = arg;
	const struct sockaddr_storage *la;
	struct sip_udp_sock *s = dst->local;
	unsigned int i;

	if (dst->transport == SIP_TP_TCP) {
		la = e->tcp != NULL ? edge_tcp_listen_addr(e,
			dst->addr.ss_family) : NULL;
		if (la == NULL)
			return -EAFNOSUPPORT;
		*local = NULL;
		return edge_concrete(la, &dst->addr, addr);
	}
	if (dst->transport != SIP_TP_UDP)
		return -EPROTONOSUPPORT;
	if (s == NULL || s->local.ss_family != dst->addr.ss_family) {
		s = NULL;
		for (i = 0; i < e->n_udp; i++)
			if (e->udp[i].local.ss_family == dst->addr.ss_family) {
				s = &e->udp[i];
				break;
			}
	}
	if (s == NULL)
		return -EAFNOSUPPORT;
	*local = s;
	return edge_concrete(&s->local, &dst->addr, addr);
}

static int
edge_inbound(void *arg, const struct sip_txn_dest *src,
		struct sockaddr_storage *addr)
{
	struct sip_edge *e = arg;
	const struct sockaddr_storage *la;
	struct sip_udp_sock *s = src->local;

	if (src->transport == SIP_TP_TCP) {
		la = edge_tcp_listen_addr(e, src->addr.ss_family);
		if (la == NULL)
			return -EAFNOSUPPORT;
		return edge_concrete(la, &src->addr, addr);
	}
	if (s == NULL)
		return -EAFNOSUPPORT;
	return edge_concrete(&s->local, &src->addr, addr);
}

static int
edge_send(void *arg, const struct sip_txn_dest *dst, const char *buf,
		size_t len)
{
	struct sip_edge *e = arg;
	struct sockaddr_storage laddr;
	void *local = dst->local;

	if (dst->transport == SIP_TP_TCP) {
		struct sip_tcp_conn *conn = NULL;
		int err;

		if (e->tcp == NULL)
			return -EPROTONOSUPPORT;
		if (dst->conn_id != 0)
			conn = sip_tcp_conn_find(e->tcp, dst->conn_id);
		if (conn == NULL) {
			err = sip_tcp_connect(e->tcp,
				(const struct sockaddr *)&dst->addr,
				dst->addr.ss_family == AF_INET ?
				sizeof(struct sockaddr_in) :
				sizeof(struct sockaddr_in6), &conn);
			if (err < 0)
				return err;
		}
		return sip_tcp_send(conn, buf, len);
	}
	if (dst->transport != SIP_TP_UDP)
		return -EPROTONOSUPPORT;
	if (local == NULL || ((struct sip_udp_sock *)local)->local.ss_family !=
			dst->addr.ss_family) {
		int err = edge_local(e, dst, &local, &laddr);

		if (err < 0)
			return err;
	}
	return sip_udp_send(local, (const struct sockaddr *)&dst->addr,
		dst->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		sizeof(struct sockaddr_in6), buf, len);
}

static void
edge_on_sweep(struct uring_timer *t)
{
	struct sip_edge *e = (struct sip_edge *)((char *)t -
		offsetof(struct sip_edge, sweep));
	size_t n = sip_loc_mem_buckets(e->loc) / EDGE_SWEEP_PASS + 1;

	(void)sip_loc_mem_sweep(e->loc, (unsigned int)n);
	(void)uring_timer_start(&e->loop->timers, &e->sweep, EDGE_SWEEP_MS);
}

static int
edge_auth_init(struct sip_edge *e, char *errbuf, size_t errlen)
{
	struct sip_auth_conf ac;
	int err;

	if (!e->ec.auth_enabled)
		return 0;
	memset(&ac, 0, sizeof(ac));
	if (e->ec.credentials == SIP_EDGE_CREDS_REDIS) {
		if (e->redis == NULL) {
			snprintf(errbuf, errlen,
				"%s: edge.auth.credentials: redis needs a redis: section",
				e->conf.source);
			return -EINVAL;
		}
		err = sip_auth_cache_create(&e->creds, EDGE_CREDS_CACHE_MAX,
			e->ec.credentials_cache_ms);
		if (err < 0) {
			snprintf(errbuf, errlen, "cannot create the credential cache: %s",
				strerror(-err));
			return err;
		}
		ac.find_user = sip_auth_cache_find;
		ac.find_arg = e->creds;
	} else {
		err = sip_auth_users_load_file(&e->users, e->ec.users_file,
			errbuf, errlen);
		if (err < 0)
			return err;
	}
	ac.realm = e->ec.realm;
	ac.secret = (const uint8_t *)e->ec.secret;
	ac.secret_len = strlen(e->ec.secret);
	ac.nonce_ttl_s = e->ec.nonce_ttl_s;
	ac.offer = e->ec.offer;
	ac.users = e->users;
	err = sip_auth_ctx_create(&e->auth, &ac);
	if (err < 0)
		snprintf(errbuf, errlen, "%s: edge.auth: cannot create the verifier: %s",
			e->conf.source, strerror(-err));
	return err;
}

/*
 * The location store edge.location names: in this process, or in Redis
 * under the redis section's key prefix.
 */
static int
edge_loc_init(struct sip_edge *e, char *errbuf, size_t errlen)
{
	struct sip_loc_redis_conf rc;
	struct sip_loc_mem_conf lc;
	int err;

	if (e->ec.location == SIP_EDGE_LOC_REDIS) {
		if (e->redis == NULL) {
			snprintf(errbuf, errlen,
				"%s: edge.location: redis needs a redis: section",
				e->conf.source);
			return -EINVAL;
		}
		memset(&rc, 0, sizeof(rc));
		rc.conn = e->redis;
		rc.key_prefix = e->conf.redis.key_prefix;
		err = sip_loc_redis_create(&e->loc, &rc);
	} else {
		memset(&lc, 0, sizeof(lc));
		err = sip_loc_mem_create(&e->loc, &lc);
	}
	if (err < 0)
		snprintf(errbuf, errlen, "cannot create the location store: %s",
			strerror(-err));
	return err;
}

/*
 * Answer a request statelessly (RFC 3261 section 8.2.6), for what cannot
 * reach the proxy: the request is not kept, its retransmissions get the
 * same answer.
 */
static void
edge_reply_stateless(struct sip_edge *e, const struct sip_msg *req,
		const struct sip_txn_dest *src, int code, const char *hdrs)
{
	struct sip_txn_dest dst = *src;
	char buf[4096], tag[16];
	int n;

	if (!sip_msg_can_respond(req))
		return;
	snprintf(tag, sizeof(tag), "dg%08x", ++e->tag_seq);
	n = sip_resp_build(buf, sizeof(buf), req, code, NULL, tag, hdrs);
	if (n < 0)
		return;
	if (src->transport == SIP_TP_UDP) {
		if (sip_msg_response_dest(req, &src->addr, false, &dst.addr) < 0)
			return;
		dst.addrlen = dst.addr.ss_family == AF_INET ?
			sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	(void)edge_send(e, &dst, buf, (size_t)n);
}

static void
edge_reply_unavailable(struct sip_edge *e, const struct sip_msg *req,
		const struct sip_txn_dest *src)
{
	char hdrs[32];

	e->creds_unavailable++;
	snprintf(hdrs, sizeof(hdrs), "Retry-After: %u\r\n",
		e->ec.proxy.retry_after_s);
	edge_reply_stateless(e, req, src, 503, hdrs);
}

static int
edge_unhex(const struct redisReply *r, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (r->type != REDIS_REPLY_STRING || r->len != 2 * n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)r->str[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)r->str[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
edge_fetch_unlink(struct edge_fetch *f)
{
	*f->pprev = f->next;
	if (f->next != NULL)
		f->next->pprev = f->pprev;
}

/* The user's HA1s from Redis: cache them, then hand the request on. */
static void
edge_on_creds(void *arg, const struct redisReply *reply)
{
	struct edge_fetch *f = arg;
	struct sip_edge *e = f->e;
	struct dg_pl user = { f->names, f->user_len };
	struct dg_pl realm = { f->names + f->user_len, f->realm_len };
	uint8_t md5[16], sha[32];
	struct sip_perr perr;
	char u[160];

	if (e == NULL) {
		free(f);
		return;
	}
	edge_fetch_unlink(f);
	if (sip_msg_decode(&e->scratch, f->buf, f->len, &perr) < 0) {
		free(f);
		return;
	}
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
			reply->elements != 2) {
		edge_reply_unavailable(e, &e->scratch, &f->src);
		free(f);
		return;
	}
	if (reply->element[0]->type == REDIS_REPLY_NIL &&
			reply->element[1]->type == REDIS_REPLY_NIL) {
		(void)sip_auth_cache_put(e->creds, user, realm, NULL, NULL,
			uring_loop_clock_ms());
	} else if (edge_unhex(reply->element[0], md5, sizeof(md5)) == 0 &&
			edge_unhex(reply->element[1], sha, sizeof(sha)) == 0) {
		(void)sip_auth_cache_put(e->creds, user, realm, md5, sha,
			uring_loop_clock_ms());
	} else {
		DG_LOG(DG_LOG_WARN, "sip.auth.redis", "status=error user=%s error=\"HA1s are not 32 and 64 hex digits\"",
			dg_log_quote(u, sizeof(u), user.p, user.len));
		(void)sip_auth_cache_put(e->creds, user, realm, NULL, NULL,
			uring_loop_clock_ms());
	}
	explicit_bzero(md5, sizeof(md5));
	explicit_bzero(sha, sizeof(sha));
	(void)sip_proxy_recv(e->proxy, &e->scratch, &f->src);
	free(f);
}

/*
 * With credentials in Redis: a request whose credentials name a user the
 * cache does not know fresh waits for that user's HA1s. Returns 0 to go
 * on, 1 when the request is held (or answered 503: Redis down).
 */
static int
edge_creds_check(struct sip_edge *e, const struct sip_msg *msg,
		const struct sip_txn_dest *src)
{
	struct sip_msg *m = &e->scratch;
	struct sip_auth_creds creds;
	struct edge_fetch *f;
	struct sip_perr perr;
	struct dg_pl val;
	char key[CP_CONF_REDIS_PREFIX_MAX + 2 * SIP_AUTH_USERS_NAME_MAX + 8];
	int n, err;

	if (!msg->is_request || msg->method == SIP_METHOD_ACK ||
			msg->method == SIP_METHOD_CANCEL ||
			(msg->method != SIP_METHOD_REGISTER && msg->to.tag.len > 0) ||
			!sip_auth_policy_requires(&e->ec.policy, msg->method_raw,
				(const struct sockaddr *)&src->addr))
		return 0;
	/* Malformed requests go on: the proxy answers them. */
	if (sip_msg_decode(m, msg->buf.p, msg->buf.len, &perr) < 0 ||
			sip_msg_parse_hdrs(m, SIP_HDR_F_AUTH, &perr) < 0)
		return 0;
	val = m->method == SIP_METHOD_REGISTER ? m->authorization :
		m->proxy_authorization;
	if (!dg_pl_isset(val) || sip_auth_parse_credentials(val, &creds) != 0 ||
			!dg_pl_eq(creds.realm, sip_auth_ctx_realm(e->auth)) ||
			creds.username.len == 0 ||
			creds.username.len > SIP_AUTH_USERS_NAME_MAX ||
			creds.realm.len > SIP_AUTH_USERS_NAME_MAX)
		return 0;
	if (sip_auth_cache_get(e->creds, creds.username, creds.realm,
			uring_loop_clock_ms(), NULL) != SIP_AUTH_CACHE_MISS)
		return 0;
	f = malloc(sizeof(*f) + msg->buf.len);
	if (f == NULL)
		return 0;
	f->e = e;
	f->src = *src;
	f->len = msg->buf.len;
	memcpy(f->buf, msg->buf.p, msg->buf.len);
	f->user_len = creds.username.len;
	f->realm_len = creds.realm.len;
	memcpy(f->names, creds.username.p, creds.username.len);
	memcpy(f->names + f->user_len, creds.realm.p, creds.realm.len);
	n = snprintf(key, sizeof(key), "%sauth:%.*s@%.*s",
		e->conf.redis.key_prefix, (int)creds.username.len,
		creds.username.p, (int)creds.realm.len, creds.realm.p);
	err = redis_conn_cmd(e->redis, edge_on_creds, f, "HMGET %b md5 sha256",
		key, (size_t)n);
	if (err < 0) {
		free(f);
		edge_reply_unavailable(e, msg, src);
		return 1;
	}
	e->creds_fetches++;
	f->next = e->fetches;
	if (f->next != NULL)
		f->next->pprev = &f->next;
	f->pprev = &e->fetches;
	e->fetches = f;
	return 1;
}

int
sip_edge_create(struct sip_edge **out, struct uring_loop *loop,
		const struct cp_conf *conf, struct sip_udp_sock *udp,
		unsigned int n_udp, struct sip_tcp *tcp, struct redis_conn *redis,
		char *errbuf, size_t errlen)
{
	struct sip_proxy_env env;
	struct sip_edge *e;
	int err;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->loop = loop;
	e->redis = redis;
	e->conf = *conf;
	e->udp = udp;
	e->n_udp = n_udp;
	e->tcp = tcp;
	uring_timer_init(&e->sweep, edge_on_sweep);
	/* The embedded default is a file too: its edge section counts. */
	if (strcmp(conf->source, "<embedded>") == 0)
		err = sip_edge_conf_load_buf(&e->ec, conf->source,
			cp_conf_default_yaml, cp_conf_default_len, errbuf,
			errlen);
	else
		err = sip_edge_conf_load_file(&e->ec, conf->source, errbuf,
			errlen);
	if (err < 0)
		goto out_free;
	if (!e->ec.present) {
		free(e);
		*out = NULL;
		return 0;
	}
	e->ec.proxy.t1_ms = (uint32_t)conf->t1_ms;
	e->ec.proxy.t2_ms = (uint32_t)conf->t2_ms;
	e->ec.proxy.t4_ms = (uint32_t)conf->t4_ms;
	err = edge_collect_addrs(e);
	if (err < 0) {
		snprintf(errbuf, errlen, "cannot list interface addresses: %s",
			strerror(-err));
		goto out_free;
	}
	err = edge_auth_init(e, errbuf, errlen);
	if (err < 0)
		goto out_auth;
	err = edge_loc_init(e, errbuf, errlen);
	if (err < 0)
		goto out_auth;
	memset(&env, 0, sizeof(env));
	env.timers = &loop->timers;
	env.send = edge_send;
	env.send_arg = e;
	env.local = edge_local;
	env.inbound = edge_inbound;
	env.is_ours = edge_is_ours;
	env.domain_is_ours = edge_domain_is_ours;
	env.arg = e;
	env.loc = e->loc;
	env.auth = e->auth;
	env.policy = e->ec.auth_enabled ? &e->ec.policy : NULL;
	env.users = e->users;
	env.name = e->conf.name;
	err = sip_proxy_create(&e->proxy, &env, &e->ec.proxy);
	if (err < 0) {
		snprintf(errbuf, errlen, "cannot create the proxy: %s",
			strerror(-err));
		goto out_loc;
	}
	/* Redis expires bindings by itself. */
	if (e->ec.location == SIP_EDGE_LOC_MEMORY)
		(void)uring_timer_start(&loop->timers, &e->sweep, EDGE_SWEEP_MS);
	*out = e;
	return 0;
out_loc:
	sip_loc_destroy(e->loc);
out_auth:
	sip_auth_ctx_destroy(e->auth);
	sip_auth_users_free(e->users);
	sip_auth_cache_destroy(e->creds);
out_free:
	free(e);
	return err;
}

void
sip_edge_destroy(struct sip_edge *e)
{
	if (e == NULL)
		return;
	uring_timer_cancel(&e->loop->timers, &e->sweep);
	/* Fetches still waiting for Redis complete later, on nothing. */
	while (e->fetches != NULL) {
		e->fetches->e = NULL;
		e->fetches = e->fetches->next;
	}
	sip_proxy_destroy(e->proxy);
	sip_loc_destroy(e->loc);
	sip_auth_ctx_destroy(e->auth);
	sip_auth_users_free(e->users);
	sip_auth_cache_destroy(e->creds);
	free(e);
}

int
sip_edge_rx(struct sip_edge *e, const struct sip_msg *msg,
		const struct sip_rx *rx)
{
	struct sip_txn_dest src;

	memset(&src, 0, sizeof(src));
	src.transport = rx->conn != NULL ? SIP_TP_TCP : SIP_TP_UDP;
	memcpy(&src.addr, rx->src, rx->srclen);
	src.addrlen = rx->srclen;
	src.local = rx->udp;
	src.conn_id = rx->conn_id;
	if (e->creds != NULL && edge_creds_check(e, msg, &src) != 0)
		return 0;
	return sip_proxy_recv(e->proxy, msg, &src);
}

void
sip_edge_set_media(struct sip_edge *e, const struct sip_dialog_media_ops *media,
		void *arg)
{
	sip_dialogs_set_media(sip_proxy_dialogs(e->proxy), media, arg);
}

struct sip_proxy *
sip_edge_proxy(struct sip_edge *e)
{
	return e->proxy;
}

struct sip_loc *
sip_edge_loc(struct sip_edge *e)
{
	return e->loc;
}

#define EDGE_STATS_FMT_(name, help) #name "=%llu "
#define EDGE_STATS_ARG_(name, help) (unsigned long long)s->name,

void
sip_edge_stats_log(const struct sip_edge *e)
{
	const struct sip_proxy_stats *s = sip_proxy_stats(e->proxy);
	const struct sip_txn_stats *t = sip_txn_layer_stats(
		sip_proxy_txn_layer(e->proxy));

	/* Asked for with SIGUSR1: written whatever the log level, as sip.stats is. */
	dg_log_write(DG_LOG_INFO, "sip.proxy.stats",
		SIP_PROXY_STATS(EDGE_STATS_FMT_)
		"txn_active=%llu txn_timeouts=%llu txn_retransmits_sent=%llu "
		"txn_retransmits_absorbed=%llu dialogs=%zu creds_fetches=%llu "
		"creds_unavailable=%llu",
		SIP_PROXY_STATS(EDGE_STATS_ARG_)
		(unsigned long long)t->active, (unsigned long long)t->timeouts,
		(unsigned long long)t->retransmits_sent,
		(unsigned long long)t->retransmits_absorbed,
		sip_dialogs_count(sip_proxy_dialogs(e->proxy)),
		(unsigned long long)e->creds_fetches,
		(unsigned long long)e->creds_unavailable);
}
