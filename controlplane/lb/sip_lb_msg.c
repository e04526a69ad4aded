/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's message rewriting (see sip_lb_msg.h): branches, flow
 * tokens, next hops from URIs and Vias, and the two writers built on
 * sip_msg_write() with received/rport stamped by the server's Via code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sip_lb_msg.h"
#include "sip_server_via.h"

#define LB_FIELD_MAX 200
#define LB_FLOW_PREFIX "lbf"

static const char hexd[] = "0123456789abcdef";

int
sip_lb_self_init(struct sip_lb_self *self, const char *sent_by,
		const char *secret)
{
	size_t len = strlen(sent_by);
	const char *colon, *end;
	unsigned long port = 0;

	if (len == 0 || len >= sizeof(self->sent_by))
		return -EINVAL;
	memcpy(self->sent_by, sent_by, len + 1);
	end = self->sent_by + len;
	if (self->sent_by[0] == '[') {
		colon = strchr(self->sent_by, ']');
		if (colon == NULL)
			return -EINVAL;
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = strrchr(self->sent_by, ':');
	}
	if (colon != NULL) {
		const char *p;

		for (p = colon + 1; p < end; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				return -EINVAL;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port < 1 || port > 65535)
			return -EINVAL;
	}
	self->host.p = self->sent_by;
	self->host.len = colon != NULL ? (size_t)(colon - self->sent_by) : len;
	if (self->host.len == 0)
		return -EINVAL;
	self->port = port != 0 ? (uint16_t)port : 5060;
	if (secret != NULL && secret[0] != '\0') {
		self->key.k0 = sip_lb_siphash(&sip_lb_key_callid, secret,
			strlen(secret));
		self->key.k1 = sip_lb_siphash(&(struct sip_lb_key){
			self->key.k0, 0x6c622d6b6579ull }, secret, strlen(secret));
	}
	return 0;
}

/* Appends one field and a separator; a long field goes in as its hash. */
static void
feed(const struct sip_lb_key *key, char *buf, size_t *off, struct dg_pl f)
{
	if (f.len <= LB_FIELD_MAX) {
		if (f.len > 0)
			memcpy(buf + *off, f.p, f.len);
		*off += f.len;
	} else {
		uint64_t h = sip_lb_siphash(key, f.p, f.len);

		memcpy(buf + *off, &h, sizeof(h));
		*off += sizeof(h);
	}
	buf[(*off)++] = '|';
}

static void
put_hex(char *out, uint64_t v, unsigned int digits)
{
	unsigned int i;

	for (i = 0; i < digits; i++)
		out[i] = hexd[(v >> (4 * (digits - 1 - i))) & 0xf];
}

int
sip_lb_branch_make(const struct sip_lb_key *key, const struct sip_msg *msg,
		const struct sip_via *up, char *out, size_t cap)
{
	char buf[6 * (LB_FIELD_MAX + 1) + 16], num[16];
	size_t off = 0, plen = sizeof(SIP_LB_BRANCH_PREFIX) - 1;
	uint64_t h;
	int n;

	if (cap < plen + 17)
		return -ENOSPC;
	feed(key, buf, &off, up->host);
	n = snprintf(num, sizeof(num), "%u", up->port);
	feed(key, buf, &off, (struct dg_pl){ num, (size_t)n });
	feed(key, buf, &off, up->branch);
	/* RFC 2543 clients: what identifies the transaction end to end. */
	if (up->branch.len < 7 || memcmp(up->branch.p, "z9hG4bK", 7) != 0) {
		feed(key, buf, &off, msg->call_id);
		feed(key, buf, &off, (msg->have & SIP_HAVE_FROM) ?
			msg->from.tag : DG_PL_NULL);
		n = snprintf(num, sizeof(num), "%u", msg->cseq.num);
		feed(key, buf, &off, (struct dg_pl){ num, (size_t)n });
	}
	h = sip_lb_siphash(key, buf, off);
	memcpy(out, SIP_LB_BRANCH_PREFIX, plen);
	put_hex(out + plen, h, 16);
	out[plen + 16] = '\0';
	return (int)(plen + 16);
}

static bool
host_port_is(const struct sip_lb_self *self, struct dg_pl host, uint16_t port)
{
	return dg_pl_eq_nocase(host, self->host) &&
		(port != 0 ? port : 5060) == self->port;
}

bool
sip_lb_response_is_ours(const struct sip_lb_self *self,
		const struct sip_msg *msg)
{
	char b[SIP_LB_BRANCH_MAX];
	int n;

	if (msg->is_request || msg->n_vias < 2 ||
			!host_port_is(self, msg->vias[0].host, msg->vias[0].port))
		return false;
	n = sip_lb_branch_make(&self->key, msg, &msg->vias[1], b, sizeof(b));
	return n > 0 && msg->vias[0].branch.len == (size_t)n &&
		memcmp(msg->vias[0].branch.p, b, (size_t)n) == 0;
}

/* The bytes a token covers: family, address, port. */
static size_t
flow_bytes(const struct sockaddr_storage *a, uint8_t *out)
{
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;

		memcpy(out, &s->sin_addr, 4);
		memcpy(out + 4, &s->sin_port, 2);
		return 6;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;

		memcpy(out, &s->sin6_addr, 16);
		memcpy(out + 16, &s->sin6_port, 2);
		return 18;
	}
	return 0;
}

static uint64_t
flow_tag(const struct sip_lb_key *key, const uint8_t *b, size_t n)
{
	uint8_t m[24];

	m[0] = 'f';
	memcpy(m + 1, b, n);
	return sip_lb_siphash(key, m, n + 1);
}

int
sip_lb_flow_encode(const struct sip_lb_key *key,
		const struct sockaddr_storage *addr, char *out, size_t cap)
{
	size_t plen = sizeof(LB_FLOW_PREFIX) - 1, n, i, o;
	uint8_t b[18];

	n = flow_bytes(addr, b);
	if (n == 0)
		return -EAFNOSUPPORT;
	if (cap < plen + 2 * n + 17)
		return -ENOSPC;
	memcpy(out, LB_FLOW_PREFIX, plen);
	o = plen;
	for (i = 0; i < n; i++) {
		out[o++] = hexd[b[i] >> 4];
		out[o++] = hexd[b[i] & 0xf];
	}
	put_hex(out + o, flow_tag(key, b, n), 16);
	o += 16;
	out[o] = '\0';
	return (int)o;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sip_lb_flow_decode(const struct sip_lb_key *key, struct dg_pl user,
		struct sockaddr_storage *addr)
{
	size_t plen = sizeof(LB_FLOW_PREFIX) - 1, n, i;
	uint64_t tag = 0;
	uint8_t b[18];
	int hi, lo;

	if (user.len < plen || memcmp(user.p, LB_FLOW_PREFIX, plen) != 0)
		return -ENOENT;
	if (user.len == plen + 12 + 16)
		n = 6;
	else if (user.len == plen + 36 + 16)
		n = 18;
	else
		return -ENOENT;
	for (i = 0; i < n; i++) {
		hi = unhex(user.p[plen + 2 * i]);
		lo = unhex(user.p[plen + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -ENOENT;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	for (i = plen + 2 * n; i < user.len; i++) {
		hi = unhex(user.p[i]);
		if (hi < 0)
			return -ENOENT;
		tag = tag << 4 | (uint64_t)hi;
	}
	if (tag != flow_tag(key, b, n))
		return -EPERM;
	memset(addr, 0, sizeof(*addr));
	if (n == 6) {
		struct sockaddr_in *s = (struct sockaddr_in *)addr;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, b, 4);
		memcpy(&s->sin_port, b + 4, 2);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)addr;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, b, 16);
		memcpy(&s->sin6_port, b + 16, 2);
	}
	return 0;
}

bool
sip_lb_uri_is_self(const struct sip_lb_self *self, const struct sip_uri *uri)
{
	return (uri->scheme == SIP_URI_SIP || uri->scheme == SIP_URI_SIPS) &&
		host_port_is(self, uri->host, uri->port);
}

/* An IP literal (IPv6 in brackets) and a port into dst. */
static int
ip_dest(struct dg_pl host, uint16_t port, struct sockaddr_storage *dst)
{
	char ip[48];

	if (host.len >= 2 && host.p[0] == '[') {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(ip))
		return -EHOSTUNREACH;
	memcpy(ip, host.p, host.len);
	ip[host.len] = '\0';
	memset(dst, 0, sizeof(*dst));
	if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)dst)->sin_addr) == 1) {
		dst->ss_family = AF_INET;
		((struct sockaddr_in *)dst)->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, ip,
			&((struct sockaddr_in6 *)dst)->sin6_addr) == 1) {
		dst->ss_family = AF_INET6;
		((struct sockaddr_in6 *)dst)->sin6_port = htons(port);
		return 0;
	}
	return -EHOSTUNREACH;
}

int
sip_lb_uri_dest(const struct sip_uri *uri, struct sockaddr_storage *dst)
{
	if (uri->scheme != SIP_URI_SIP && uri->scheme != SIP_URI_SIPS)
		return -EHOSTUNREACH;
	return ip_dest(uri->host, uri->port != 0 ? uri->port : 5060, dst);
}

int
sip_lb_via_dest(const struct sip_via *via, struct sockaddr_storage *dst)
{
	uint16_t port = via->rport && via->rport_val != 0 ? via->rport_val :
		via->port != 0 ? via->port : 5060;

	return ip_dest(dg_pl_isset(via->received) ? via->received : via->host,
		port, dst);
}

static int
add(struct sip_edits *ed, enum sip_edit_op op, struct dg_pl name,
		struct dg_pl val, uint32_t num)
{
	struct sip_edit e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.name = name;
	e.val = val;
	e.num = num;
	if (op == SIP_EDIT_HDR_DEL)
		e.id = SIP_HDR_PATH;
	return sip_edits_add(ed, &e);
}

ssize_t
sip_lb_request_write(const struct sip_lb_self *self,
		const struct sip_msg *msg, const struct sip_lb_req_opts *o,
		char *out, size_t cap)
{
	char via[160], rr[200], path[2048];
	struct sip_edits ed;
	size_t off;
	unsigned int i;
	ssize_t len;
	int n;

	sip_edits_init(&ed);
	n = snprintf(via, sizeof(via), "SIP/2.0/UDP %s;branch=%s",
		self->sent_by, o->branch);
	if (n < 0 || (size_t)n >= sizeof(via))
		return -ENOSPC;
	(void)add(&ed, SIP_EDIT_VIA_PUSH, DG_PL_NULL,
		(struct dg_pl){ via, (size_t)n }, 0);
	(void)add(&ed, SIP_EDIT_MAX_FORWARDS_SET, DG_PL_NULL, DG_PL_NULL,
		o->max_forwards);
	if (o->pop_route)
		(void)add(&ed, SIP_EDIT_ROUTE_POP, DG_PL_NULL, DG_PL_NULL, 0);
	if (o->rr_user != NULL) {
		n = snprintf(rr, sizeof(rr), "<sip:%s%s%s;lr>", o->rr_user,
			o->rr_user[0] != '\0' ? "@" : "", self->sent_by);
		if (n < 0 || (size_t)n >= sizeof(rr))
			return -ENOSPC;
		(void)add(&ed, SIP_EDIT_RR_PUSH, DG_PL_NULL,
			(struct dg_pl){ rr, (size_t)n }, 0);
	}
	if (o->path_user != NULL) {
		/* Ours is the hop nearest the registrar: first of the list. */
		n = snprintf(path, sizeof(path), "<sip:%s%s%s;lr>",
			o->path_user, o->path_user[0] != '\0' ? "@" : "",
			self->sent_by);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENOSPC;
		off = (size_t)n;
		for (i = 0; i < msg->n_paths; i++) {
			if (off + 2 + msg->paths[i].len >= sizeof(path))
				return -ENOSPC;
			memcpy(path + off, ", ", 2);
			memcpy(path + off + 2, msg->paths[i].p, msg->paths[i].len);
			off += 2 + msg->paths[i].len;
		}
		if (msg->n_paths > 0)
			(void)add(&ed, SIP_EDIT_HDR_DEL, DG_PL_NULL, DG_PL_NULL, 0);
		(void)add(&ed, SIP_EDIT_HDR_ADD, DG_PL("Path"),
			(struct dg_pl){ path, off }, 0);
	}
	len = sip_msg_write(msg, &ed, out, cap);
	if (len < 0 || o->stamp_src == NULL || msg->n_vias == 0)
		return len;
	return sip_server_via_stamp(out, (size_t)len, cap, &msg->vias[0],
		o->stamp_src);
}

ssize_t
sip_lb_response_write(const struct sip_msg *msg, char *out, size_t cap)
{
	struct sip_edits ed;

	sip_edits_init(&ed);
	(void)add(&ed, SIP_EDIT_VIA_POP, DG_PL_NULL, DG_PL_NULL, 0);
	return sip_msg_write(msg, &ed, out, cap);
}
