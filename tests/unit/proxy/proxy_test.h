/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Harness of the proxy-core tests: a virtual clock, the real transaction
 * layer, location store and digest verifier, and a network that is a list
 * of the datagrams the proxy sends (a chosen port can be made to fail).
 * Downstream answers are built from the captured requests with
 * sip_resp_build(), as a UAS would.
 */
#ifndef DRONGO_TESTS_UNIT_PROXY_PROXY_TEST_H
#define DRONGO_TESTS_UNIT_PROXY_PROXY_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip_loc_mem.h"
#include "sip_proxy.h"
#include "sip_proxy_util.h"

#define MAX_SENT 128
#define UAC_PORT 5099

struct sent {
	char ip[64];
	uint16_t port;
	char text[8192];
};

static struct uring_timers ts;
static struct sip_loc *loc;
static struct sip_proxy *proxy;
static struct sip_proxy_conf pconf;
static struct sent sent[MAX_SENT];
static unsigned int n_sent;
static uint16_t fail_port;
static struct sip_msg msg;
static char rxbuf[8192];
static struct sip_auth_users *users;
static struct sip_auth_ctx *auth;
static struct sip_auth_policy policy;

static inline void
sa_set(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

static inline int
net_send(void *arg, const struct sip_txn_dest *dst, const char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&dst->addr;
	struct sent *s;

	(void)arg;
	if (ntohs(sin->sin_port) == fail_port)
		return -ECONNREFUSED;
	assert_true(n_sent < MAX_SENT);
	s = &sent[n_sent++];
	inet_ntop(AF_INET, &sin->sin_addr, s->ip, sizeof(s->ip));
	s->port = ntohs(sin->sin_port);
	assert_true(len < sizeof(s->text));
	memcpy(s->text, buf, len);
	s->text[len] = '\0';
	return 0;
}

static inline int
net_local(void *arg, const struct sip_txn_dest *dst, void **local,
		struct sockaddr_storage *addr)
{
	(void)arg;
	(void)dst;
	*local = NULL;
	sa_set(addr, "192.0.2.10", 5060);
	return 0;
}

static inline int
net_inbound(void *arg, const struct sip_txn_dest *src, struct sockaddr_storage *addr)
{
	(void)arg;
	(void)src;
	sa_set(addr, "192.0.2.10", 5060);
	return 0;
}

static inline bool
is_ours(void *arg, const struct sip_uri *uri)
{
	(void)arg;
	if ((uri->port != 0 ? uri->port : 5060) != 5060)
		return false;
	return dg_pl_eq_str_nocase(uri->host, "192.0.2.10") ||
		dg_pl_eq_str_nocase(uri->host, "example.com");
}

static inline bool
domain_is_ours(void *arg, const struct sip_uri *uri)
{
	if (dg_pl_eq_str_nocase(uri->host, "example.com"))
		return true;
	return is_ours(arg, uri);
}

static inline uint64_t
clock_s(void *arg)
{
	(void)arg;
	return 1700000000ull + uring_timers_now(&ts) / 1000;
}

static inline void
proxy_start(bool with_auth, uint32_t max_txns)
{
	struct sip_proxy_env env;
	struct sip_loc_mem_conf mc;

	memset(&mc, 0, sizeof(mc));
	mc.clock = clock_s;
	assert_int_equal(sip_loc_mem_create(&loc, &mc), 0);
	memset(&env, 0, sizeof(env));
	env.timers = &ts;
	env.send = net_send;
	env.local = net_local;
	env.inbound = net_inbound;
	env.is_ours = is_ours;
	env.domain_is_ours = domain_is_ours;
	env.loc = loc;
	env.name = "test";
	if (with_auth) {
		static const char users_txt[] =
			"frank example.com 00000000000000000000000000000000 "
			"0000000000000000000000000000000000000000000000000000000000000000\n";
		struct sip_auth_conf ac;
		char err[128];

		assert_int_equal(sip_auth_users_load_buf(&users, "users", users_txt,
			strlen(users_txt), err, sizeof(err)), 0);
		memset(&ac, 0, sizeof(ac));
		ac.realm = "example.com";
		ac.secret = (const uint8_t *)"0123456789abcdef0123";
		ac.secret_len = 20;
		ac.users = users;
		ac.clock = clock_s;
		assert_int_equal(sip_auth_ctx_create(&auth, &ac), 0);
		assert_int_equal(sip_auth_policy_init(&policy, "example.com"), 0);
		assert_int_equal(sip_auth_policy_add_method(&policy, "INVITE"), 0);
		assert_int_equal(sip_auth_policy_add_trusted(&policy, "198.51.100.0/24"), 0);
		env.auth = auth;
		env.policy = &policy;
		env.users = users;
	}
	pconf.max_txns = max_txns;
	assert_int_equal(sip_proxy_create(&proxy, &env, &pconf), 0);
}

static inline int
setup(void **state)
{
	const char *why;
	struct sip_route_rule *r;

	(void)state;
	uring_timers_init(&ts, 100000);
	n_sent = 0;
	fail_port = 0;
	memset(&pconf, 0, sizeof(pconf));
	pconf.t1_ms = 500;
	pconf.reg.min_expires = 60;
	pconf.reg.max_expires = 3600;
	pconf.reg.default_expires = 600;
	pconf.reg.clock = clock_s;
	pconf.routes.unknown_code = 404;
	r = &pconf.routes.rules[pconf.routes.n_rules++];
	snprintf(r->name, sizeof(r->name), "pstn");
	snprintf(r->prefix, sizeof(r->prefix), "00");
	assert_int_equal(sip_route_target_parse("udp:203.0.113.1:5060", &r->targets[0], &why), 0);
	assert_int_equal(sip_route_target_parse("udp:203.0.113.2:5070", &r->targets[1], &why), 0);
	r->n_targets = 2;
	users = NULL;
	auth = NULL;
	return 0;
}

static inline int
teardown(void **state)
{
	(void)state;
	sip_proxy_destroy(proxy);
	proxy = NULL;
	sip_loc_destroy(loc);
	sip_auth_ctx_destroy(auth);
	sip_auth_users_free(users);
	uring_timers_fini(&ts);
	return 0;
}

/* Hands text to the proxy as if it arrived from ip:port over UDP. */
static inline int
rx_from(const char *text, const char *ip, uint16_t port)
{
	struct sip_txn_dest src;
	struct sip_perr perr;
	size_t len = strlen(text);

	memcpy(rxbuf, text, len);
	assert_int_equal(sip_msg_decode(&msg, rxbuf, len, &perr), 0);
	memset(&src, 0, sizeof(src));
	src.transport = SIP_TP_UDP;
	sa_set(&src.addr, ip, port);
	src.addrlen = sizeof(struct sockaddr_in);
	return sip_proxy_recv(proxy, &msg, &src);
}

static inline const char *
invite(const char *ruri, const char *branch, const char *extra)
{
	static char b[4096];

	snprintf(b, sizeof(b),
		"INVITE %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.7:%d;branch=%s;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <%s>\r\n"
		"Call-ID: %s@198.51.100.7\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@198.51.100.7:%d>\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n", ruri, UAC_PORT, branch, ruri, branch,
		UAC_PORT, extra);
	return b;
}

/* Index of the n-th (from 0) sent message to port whose first line starts with prefix. */
static inline int
find_sent(uint16_t port, const char *prefix, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < n_sent; i++)
		if (sent[i].port == port && strncmp(sent[i].text, prefix,
				strlen(prefix)) == 0 && nth-- == 0)
			return (int)i;
	return -1;
}

static inline unsigned int
count_sent(uint16_t port, const char *prefix)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_sent; i++)
		if (sent[i].port == port && strncmp(sent[i].text, prefix,
				strlen(prefix)) == 0)
			n++;
	return n;
}

/* A downstream UAS answers the request captured at sent[idx]. */
static inline void
answer(int idx, int code, const char *to_tag, const char *extra)
{
	static struct sip_msg req;
	static char out[8192];
	struct sip_perr perr;
	int n;

	assert_true(idx >= 0);
	assert_int_equal(sip_msg_decode(&req, sent[idx].text,
		strlen(sent[idx].text), &perr), 0);
	n = sip_resp_build(out, sizeof(out), &req, code, NULL, to_tag, extra);
	assert_true(n > 0);
	out[n] = '\0';
	assert_int_equal(rx_from(out, sent[idx].ip, sent[idx].port), 0);
}

static inline void
register_contact(const char *user, const char *contact, const char *ip,
		uint16_t port, const char *callid, const char *params)
{
	char b[2048];

	snprintf(b, sizeof(b),
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-reg-%s\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@example.com>;tag=r1\r\n"
		"To: <sip:%s@example.com>\r\n"
		"Call-ID: %s\r\nCSeq: 1 REGISTER\r\n"
		"Contact: <%s>%s\r\nContent-Length: 0\r\n\r\n", ip, port, callid,
		user, user, callid, contact, params);
	assert_int_equal(rx_from(b, ip, port), 0);
	assert_true(find_sent(port, "SIP/2.0 200 OK", 0) >= 0);
}

static inline bool
has_line(const char *text, const char *line)
{
	char l[512];

	snprintf(l, sizeof(l), "\r\n%s\r\n", line);
	return strstr(text, l) != NULL;
}

#endif
