/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redis location store. An AoR's value is its version (8 bytes) followed
 * by its bindings, each one entry, all integers big-endian:
 *
 *   len:4 (bytes after this field)  expires:8  cseq:4  reg_id:4
 *   contact_len:2  call_id_len:2  instance_len:2  flags:1
 *   contact  call_id  instance
 *   q:2  transport:1  n_path:1  socket_id:4  conn_id:8  writer:8
 *   family:2  port:2 (as in the sockaddr)  addr:16  scope_id:4
 *   user_agent_len:2  user_agent  (path_len:2  path) * n_path
 *
 * The script reads only the part before q (what matching, ordering and
 * expiry need); the rest is this file's alone. flags: 1 instance set,
 * 2 user agent set (an unset view differs from an empty one). writer is
 * the node that stored the binding: a socket id and a connection id mean
 * something only to it, so other nodes read them as 0 (they send to the
 * source address, over a new connection on TCP).
 */
#include <sys/random.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "sip_loc_redis.h"

#define LR_PREFIX_DEFAULT "drongo:"
#define LR_PREFIX_MAX 64
#define LR_BINDINGS_DEFAULT 10u
#define LR_HDR 27u		/* entry bytes up to the strings */
#define LR_TAIL_FIXED 50u	/* q .. user_agent_len */
#define LR_F_INSTANCE 1u
#define LR_F_UA 2u
/* Script status codes (first element of its reply). */
#define LR_OK 0
#define LR_EPROTO 1
#define LR_ENOSPC 2
#define LR_ESTALE 3
#define LR_ENOENT 4

/*
 * KEYS[1] the AoR's key, KEYS[2] the version counter; ARGV[1] operation
 * (L lookup, S save, R replace, D remove, A remove all), ARGV[2] the
 * caller's clock. Returns {0, value-after} or {status}.
 */
static const char lr_script[] =
	"local key, vkey = KEYS[1], KEYS[2]\n"
	"local op, now = ARGV[1], tonumber(ARGV[2])\n"
	"local function one(s, pos)\n"
	"  local len, exp, cseq, regid, cl, il, nl, fl =\n"
	"    struct.unpack('>I4I8I4I4I2I2I2B', s, pos)\n"
	"  local h = pos + 27\n"
	"  return { raw = string.sub(s, pos, pos + 3 + len), exp = exp,\n"
	"    cseq = cseq, regid = regid, iset = fl % 2 == 1,\n"
	"    contact = string.sub(s, h, h + cl - 1),\n"
	"    callid = string.sub(s, h + cl, h + cl + il - 1),\n"
	"    inst = string.sub(s, h + cl + il, h + cl + il + nl - 1) },\n"
	"    pos + 4 + len\n"
	"end\n"
	"local function load()\n"
	"  local s = redis.call('GET', key)\n"
	"  local live = {}\n"
	"  if not s then return live, 0, false end\n"
	"  local ver, pos = struct.unpack('>I8', s), 9\n"
	"  while pos <= #s do\n"
	"    local e\n"
	"    e, pos = one(s, pos)\n"
	"    if e.exp > now then live[#live + 1] = e end\n"
	"  end\n"
	"  if #live == 0 then ver = 0 end\n"
	"  return live, ver, true\n"
	"end\n"
	"local function value(ver, list)\n"
	"  if #list == 0 then return '' end\n"
	"  local t = { struct.pack('>I8', ver) }\n"
	"  for i = 1, #list do t[#t + 1] = list[i].raw end\n"
	"  return table.concat(t)\n"
	"end\n"
	"local function store(list)\n"
	"  if #list == 0 then\n"
	"    redis.call('DEL', key)\n"
	"    return { 0, '' }\n"
	"  end\n"
	"  local ver, last = redis.call('INCR', vkey), 0\n"
	"  for i = 1, #list do\n"
	"    if list[i].exp > last then last = list[i].exp end\n"
	"  end\n"
	"  local v = value(ver, list)\n"
	"  redis.call('SET', key, v, 'EX', last - now + 5)\n"
	"  return { 0, v }\n"
	"end\n"
	"if op == 'L' then\n"
	"  local live, ver, had = load()\n"
	"  if had and #live == 0 then redis.call('DEL', key) end\n"
	"  return { 0, value(ver, live) }\n"
	"elseif op == 'S' then\n"
	"  local exps, maxb = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
	"  local b = one(ARGV[5], 1)\n"
	"  local live, ver = load()\n"
	"  local idx\n"
	"  for i = 1, #live do\n"
	"    local e = live[i]\n"
	"    if b.iset and b.regid ~= 0 then\n"
	"      if e.regid == b.regid and e.inst == b.inst then idx = i break end\n"
	"    elseif e.contact == b.contact then idx = i break end\n"
	"  end\n"
	"  if idx and live[idx].callid == b.callid and b.cseq <= live[idx].cseq then\n"
	"    return { 1 }\n"
	"  end\n"
	"  if exps == 0 then\n"
	"    if not idx then return { 0, value(ver, live) } end\n"
	"    table.remove(live, idx)\n"
	"    return store(live)\n"
	"  end\n"
	"  if idx then\n"
	"    live[idx] = b\n"
	"  elseif #live >= maxb then\n"
	"    return { 2 }\n"
	"  else\n"
	"    live[#live + 1] = b\n"
	"  end\n"
	"  return store(live)\n"
	"elseif op == 'R' then\n"
	"  local expv, maxb, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"  local live, ver = load()\n"
	"  if ver ~= expv then return { 3 } end\n"
	"  if n > maxb then return { 2 } end\n"
	"  local list = {}\n"
	"  for i = 6, #ARGV do\n"
	"    local e = one(ARGV[i], 1)\n"
	"    if e.exp > now then list[#list + 1] = e end\n"
	"  end\n"
	"  return store(list)\n"
	"elseif op == 'D' then\n"
	"  local live = load()\n"
	"  for i = 1, #live do\n"
	"    if live[i].contact == ARGV[3] then\n"
	"      table.remove(live, i)\n"
	"      return store(live)\n"
	"    end\n"
	"  end\n"
	"  return { 4 }\n"
	"elseif op == 'A' then\n"
	"  redis.call('DEL', key)\n"
	"  return { 0, '' }\n"
	"end\n"
	"return redis.error_reply('drongo loc: unknown operation')\n";

struct loc_redis {
	struct sip_loc loc;		/* first: the handle */
	struct redis_conn *conn;
	uint32_t max_bindings;
	sip_loc_clock_fn clock;
	void *clock_arg;
	uint64_t node_id;
	char sha[41];
	char vkey[LR_PREFIX_MAX + 16];
	size_t prefix_len;
	char prefix[LR_PREFIX_MAX + 1];
	struct sip_loc_redis_stats stats;
};

/* Arguments before the operation's own: command, script, numkeys, the two
 * keys, the operation and the clock. */
#define LR_ARGS_FIXED 7

/* One operation in flight: its command kept to be sent again as EVAL. */
struct lr_op {
	struct loc_redis *s;
	sip_loc_done_fn done;
	void *arg;
	bool eval;			/* sent with the script body */
	int argc;
	const char **argv;
	size_t *argvlen;
	char *key;
	char *entries;			/* encoded bindings */
	uint64_t now;			/* the clock when submitted */
	char num[4][24];		/* the clock and numeric arguments */
	size_t aor_len;
	char aor[SIP_LOC_AOR_MAX];
};

static uint64_t
lr_realtime(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint8_t *
lr_put(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return p + bytes;
}

static uint64_t
lr_get(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static uint8_t *
lr_put_str(uint8_t *p, struct dg_pl s)
{
	if (s.len > 0)
		memcpy(p, s.p, s.len);
	return p + s.len;
}

static size_t
lr_entry_size(const struct sip_loc_binding *b)
{
	size_t n = LR_HDR + b->contact.len + b->call_id.len + b->instance.len +
		LR_TAIL_FIXED + b->user_agent.len;
	unsigned int i;

	for (i = 0; i < b->n_path; i++)
		n += 2 + b->path[i].len;
	return n;
}

/* Encode one binding at p (lr_entry_size() bytes) with expiry expires. */
static void
lr_entry_encode(uint8_t *p, const struct sip_loc_binding *b, uint64_t expires,
		uint64_t writer)
{
	const struct sockaddr_storage *ss = &b->source.addr;
	uint8_t addr[16] = { 0 };
	uint32_t scope = 0;
	uint16_t port = 0;
	unsigned int i;

	p = lr_put(p, lr_entry_size(b) - 4, 4);
	p = lr_put(p, expires, 8);
	p = lr_put(p, b->cseq, 4);
	p = lr_put(p, b->reg_id, 4);
	p = lr_put(p, b->contact.len, 2);
	p = lr_put(p, b->call_id.len, 2);
	p = lr_put(p, b->instance.len, 2);
	*p++ = (uint8_t)((dg_pl_isset(b->instance) ? LR_F_INSTANCE : 0) |
		(dg_pl_isset(b->user_agent) ? LR_F_UA : 0));
	p = lr_put_str(p, b->contact);
	p = lr_put_str(p, b->call_id);
	p = lr_put_str(p, b->instance);
	p = lr_put(p, b->q, 2);
	*p++ = (uint8_t)b->source.transport;
	*p++ = (uint8_t)b->n_path;
	p = lr_put(p, b->source.socket_id, 4);
	p = lr_put(p, b->source.conn_id, 8);
	p = lr_put(p, writer, 8);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		memcpy(addr, &sin->sin_addr, 4);
		port = sin->sin_port;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &sin6->sin6_addr, 16);
		port = sin6->sin6_port;
		scope = sin6->sin6_scope_id;
	}
	p = lr_put(p, ss->ss_family, 2);
	memcpy(p, &port, 2);
	p += 2;
	memcpy(p, addr, 16);
	p += 16;
	p = lr_put(p, scope, 4);
	p = lr_put(p, b->user_agent.len, 2);
	p = lr_put_str(p, b->user_agent);
	for (i = 0; i < b->n_path; i++) {
		p = lr_put(p, b->path[i].len, 2);
		p = lr_put_str(p, b->path[i]);
	}
}

/* Bounded reader over a value from Redis. */
struct lr_rd {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static uint64_t
lr_rd_int(struct lr_rd *r, unsigned int bytes)
{
	uint64_t v;

	if (r->bad || (size_t)(r->end - r->p) < bytes) {
		r->bad = true;
		return 0;
	}
	v = lr_get(r->p, bytes);
	r->p += bytes;
	return v;
}

static struct dg_pl
lr_rd_str(struct lr_rd *r, size_t len, bool set)
{
	struct dg_pl s;

	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = true;
		return DG_PL_NULL;
	}
	s = (struct dg_pl){ (const char *)r->p, len };
	r->p += len;
	return set ? s : DG_PL_NULL;
}

static int
lr_entry_decode(struct lr_rd *r, struct sip_loc_binding *b, uint64_t node_id)
{
	struct sockaddr_storage *ss = &b->source.addr;
	size_t el, cl, il, nl, ul;
	unsigned int flags, i, fam;
	const uint8_t *end, *port, *addr;
	uint32_t scope;

	memset(b, 0, sizeof(*b));
	el = lr_rd_int(r, 4);
	if (r->bad || el > (size_t)(r->end - r->p))
		return -EIO;
	end = r->p + el;
	b->expires = lr_rd_int(r, 8);
	b->cseq = (uint32_t)lr_rd_int(r, 4);
	b->reg_id = (uint32_t)lr_rd_int(r, 4);
	cl = lr_rd_int(r, 2);
	il = lr_rd_int(r, 2);
	nl = lr_rd_int(r, 2);
	flags = (unsigned int)lr_rd_int(r, 1);
	b->contact = lr_rd_str(r, cl, true);
	b->call_id = lr_rd_str(r, il, true);
	b->instance = lr_rd_str(r, nl, flags & LR_F_INSTANCE);
	b->q = (uint16_t)lr_rd_int(r, 2);
	b->source.transport = (enum sip_loc_transport)lr_rd_int(r, 1);
	b->n_path = (unsigned int)lr_rd_int(r, 1);
	b->source.socket_id = (uint32_t)lr_rd_int(r, 4);
	b->source.conn_id = lr_rd_int(r, 8);
	if (lr_rd_int(r, 8) != node_id) {
		b->source.socket_id = 0;
		b->source.conn_id = 0;
	}
	fam = (unsigned int)lr_rd_int(r, 2);
	port = r->p;
	(void)lr_rd_str(r, 2, false);
	addr = r->p;
	(void)lr_rd_str(r, 16, false);
	scope = (uint32_t)lr_rd_int(r, 4);
	ul = lr_rd_int(r, 2);
	b->user_agent = lr_rd_str(r, ul, flags & LR_F_UA);
	if (r->bad || b->n_path > SIP_LOC_PATH_MAX ||
			b->source.transport >= SIP_LOC_TP__COUNT)
		return -EIO;
	for (i = 0; i < b->n_path; i++)
		b->path[i] = lr_rd_str(r, lr_rd_int(r, 2), true);
	if (r->bad || r->p != end)
		return -EIO;
	if (fam == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_port, port, 2);
		memcpy(&sin->sin_addr, addr, 4);
	} else if (fam == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_port, port, 2);
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_scope_id = scope;
	}
	return 0;
}

/* Decode a stored value into bindings (views into the value). */
static int
lr_value_decode(const char *v, size_t len, uint64_t node_id, uint64_t *version,
		struct sip_loc_binding **out, unsigned int *n_out)
{
	struct lr_rd r = { (const uint8_t *)v, (const uint8_t *)v + len, false };
	struct sip_loc_binding *b;
	unsigned int n = 0, cap = 0;
	struct lr_rd scan;
	int err;

	*out = NULL;
	*n_out = 0;
	*version = 0;
	if (len == 0)
		return 0;
	*version = lr_rd_int(&r, 8);
	scan = r;
	while (scan.p < scan.end && !scan.bad) {
		size_t el = lr_rd_int(&scan, 4);

		if (scan.bad || el > (size_t)(scan.end - scan.p))
			return -EIO;
		scan.p += el;
		cap++;
	}
	if (r.bad || cap == 0)
		return -EIO;
	b = calloc(cap, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	while (n < cap) {
		err = lr_entry_decode(&r, &b[n], node_id);
		if (err < 0) {
			free(b);
			return err;
		}
		n++;
	}
	*out = b;
	*n_out = n;
	return 0;
}

static void
lr_op_free(struct lr_op *op)
{
	free(op->entries);
	free(op->key);
	free(op->argv);
	free(op->argvlen);
	free(op);
}

static void lr_on_reply(void *arg, const struct redisReply *reply);

static int
lr_send(struct lr_op *op)
{
	struct loc_redis *s = op->s;

	op->argv[0] = op->eval ? "EVAL" : "EVALSHA";
	op->argvlen[0] = strlen(op->argv[0]);
	op->argv[1] = op->eval ? lr_script : s->sha;
	op->argvlen[1] = op->eval ? sizeof(lr_script) - 1 : 40;
	return redis_conn_cmdargv(s->conn, lr_on_reply, op, op->argc,
		op->argv, op->argvlen);
}

static int
lr_status(long long code)
{
	switch (code) {
	case LR_OK:
		return 0;
	case LR_EPROTO:
		return -EPROTO;
	case LR_ENOSPC:
		return -ENOSPC;
	case LR_ESTALE:
		return -ESTALE;
	case LR_ENOENT:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static void
lr_on_reply(void *arg, const struct redisReply *reply)
{
	struct lr_op *op = arg;
	struct loc_redis *s = op->s;
	struct sip_loc_binding *bindings = NULL;
	struct sip_loc_record rec;
	int err = -EIO;

	if (reply != NULL && reply->type == REDIS_REPLY_ERROR && !op->eval &&
			strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		/* Not cached (a restart, SCRIPT FLUSH): EVAL caches it again. */
		s->stats.noscript++;
		op->eval = true;
		if (lr_send(op) == 0)
			return;
	} else if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
			reply->elements >= 1 &&
			reply->element[0]->type == REDIS_REPLY_INTEGER) {
		err = lr_status(reply->element[0]->integer);
	}
	if (err == 0 && (reply->elements != 2 ||
			reply->element[1]->type != REDIS_REPLY_STRING))
		err = -EIO;
	memset(&rec, 0, sizeof(rec));
	rec.aor = (struct dg_pl){ op->aor, op->aor_len };
	if (err == 0)
		err = lr_value_decode(reply->element[1]->str,
			reply->element[1]->len, s->node_id, &rec.version,
			&bindings, &rec.n_bindings);
	if (err == -EIO)
		s->stats.failed++;
	rec.bindings = bindings;
	op->done(op->arg, err, err < 0 ? NULL : &rec);
	free(bindings);
	lr_op_free(op);
}

static void
lr_arg(struct lr_op *op, int i, const char *p, size_t len)
{
	op->argv[i] = p;
	op->argvlen[i] = len;
}

/* Number argument i held in the operation (slot k of num). */
static void
lr_arg_u64(struct lr_op *op, int i, unsigned int k, uint64_t v)
{
	snprintf(op->num[k], sizeof(op->num[k]), "%llu", (unsigned long long)v);
	lr_arg(op, i, op->num[k], strlen(op->num[k]));
}

/* An operation with the fixed arguments in place and extra more to set. */
static struct lr_op *
lr_op_new(struct loc_redis *s, struct dg_pl aor, sip_loc_done_fn done,
		void *arg, const char *code, int extra)
{
	size_t klen = s->prefix_len + 4 + aor.len;
	struct lr_op *op;

	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return NULL;
	op->s = s;
	op->done = done;
	op->arg = arg;
	memcpy(op->aor, aor.p, aor.len);
	op->aor_len = aor.len;
	op->argc = LR_ARGS_FIXED + extra;
	op->argv = calloc((size_t)op->argc, sizeof(*op->argv));
	op->argvlen = calloc((size_t)op->argc, sizeof(*op->argvlen));
	op->key = malloc(klen);
	if (op->argv == NULL || op->argvlen == NULL || op->key == NULL) {
		lr_op_free(op);
		return NULL;
	}
	memcpy(op->key, s->prefix, s->prefix_len);
	memcpy(op->key + s->prefix_len, "loc:", 4);
	memcpy(op->key + s->prefix_len + 4, aor.p, aor.len);
	lr_arg(op, 2, "2", 1);
	lr_arg(op, 3, op->key, klen);
	lr_arg(op, 4, s->vkey, strlen(s->vkey));
	lr_arg(op, 5, code, 1);
	op->now = s->clock(s->clock_arg);
	lr_arg_u64(op, 6, 0, op->now);
	return op;
}

static int
lr_start(struct lr_op *op)
{
	int err;

	err = lr_send(op);
	if (err < 0) {
		lr_op_free(op);
		return err;
	}
	op->s->stats.ops++;
	return 0;
}

static int
lr_lookup(struct sip_loc *loc, struct dg_pl aor, sip_loc_done_fn done,
		void *arg)
{
	struct lr_op *op;

	op = lr_op_new((struct loc_redis *)loc, aor, done, arg, "L", 0);
	if (op == NULL)
		return -ENOMEM;
	return lr_start(op);
}

static int
lr_save(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *binding, uint32_t expires_s,
		sip_loc_done_fn done, void *arg)
{
	struct loc_redis *s = (struct loc_redis *)loc;
	size_t size = lr_entry_size(binding);
	struct lr_op *op;

	op = lr_op_new(s, aor, done, arg, "S", 3);
	if (op == NULL)
		return -ENOMEM;
	op->entries = malloc(size);
	if (op->entries == NULL) {
		lr_op_free(op);
		return -ENOMEM;
	}
	/* The script reads the expiry from the entry: the same clock reading. */
	lr_entry_encode((uint8_t *)op->entries, binding,
		op->now + expires_s, s->node_id);
	lr_arg_u64(op, 7, 1, expires_s);
	lr_arg_u64(op, 8, 2, s->max_bindings);
	lr_arg(op, 9, op->entries, size);
	return lr_start(op);
}

static int
lr_replace(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *bindings, unsigned int n,
		uint64_t expected_version, sip_loc_done_fn done, void *arg)
{
	struct loc_redis *s = (struct loc_redis *)loc;
	size_t total = 0, off = 0, size;
	struct lr_op *op;
	unsigned int i;

	/* The script decides -ENOSPC on the count, before expired bindings
	 * are dropped, as the in-memory store does. */
	op = lr_op_new(s, aor, done, arg, "R", 3 + (int)n);
	if (op == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		total += lr_entry_size(&bindings[i]);
	op->entries = malloc(total + 1);
	if (op->entries == NULL) {
		lr_op_free(op);
		return -ENOMEM;
	}
	lr_arg_u64(op, 7, 1, expected_version);
	lr_arg_u64(op, 8, 2, s->max_bindings);
	lr_arg_u64(op, 9, 3, n);
	for (i = 0; i < n; i++) {
		size = lr_entry_size(&bindings[i]);
		lr_entry_encode((uint8_t *)op->entries + off, &bindings[i],
			bindings[i].expires, s->node_id);
		lr_arg(op, 10 + (int)i, op->entries + off, size);
		off += size;
	}
	return lr_start(op);
}

static int
lr_remove(struct sip_loc *loc, struct dg_pl aor, struct dg_pl contact,
		sip_loc_done_fn done, void *arg)
{
	struct lr_op *op;

	op = lr_op_new((struct loc_redis *)loc, aor, done, arg, "D", 1);
	if (op == NULL)
		return -ENOMEM;
	op->entries = malloc(contact.len);
	if (op->entries == NULL) {
		lr_op_free(op);
		return -ENOMEM;
	}
	memcpy(op->entries, contact.p, contact.len);
	lr_arg(op, 7, op->entries, contact.len);
	return lr_start(op);
}

static int
lr_remove_all(struct sip_loc *loc, struct dg_pl aor, sip_loc_done_fn done,
		void *arg)
{
	struct lr_op *op;

	op = lr_op_new((struct loc_redis *)loc, aor, done, arg, "A", 0);
	if (op == NULL)
		return -ENOMEM;
	return lr_start(op);
}

static void
lr_destroy(struct sip_loc *loc)
{
	free(loc);
}

static const struct sip_loc_ops lr_ops = {
	.lookup = lr_lookup,
	.save = lr_save,
	.replace = lr_replace,
	.remove = lr_remove,
	.remove_all = lr_remove_all,
	.destroy = lr_destroy,
};

int
sip_loc_redis_create(struct sip_loc **out, const struct sip_loc_redis_conf *conf)
{
	static const char hex[] = "0123456789abcdef";
	const char *prefix = conf->key_prefix != NULL ? conf->key_prefix :
		LR_PREFIX_DEFAULT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	struct loc_redis *s;

	if (conf->conn == NULL || strlen(prefix) > LR_PREFIX_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	if (EVP_Digest(lr_script, sizeof(lr_script) - 1, md, &mdlen, EVP_sha1(),
			NULL) != 1 || mdlen != 20) {
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < 20; i++) {
		s->sha[2 * i] = hex[md[i] >> 4];
		s->sha[2 * i + 1] = hex[md[i] & 15];
	}
	s->loc.ops = &lr_ops;
	s->conn = conf->conn;
	s->max_bindings = conf->max_bindings != 0 ? conf->max_bindings :
		LR_BINDINGS_DEFAULT;
	s->clock = conf->clock != NULL ? conf->clock : lr_realtime;
	s->clock_arg = conf->clock_arg;
	s->node_id = conf->node_id;
	/* A node id unique to this process: its connections die with it. */
	while (s->node_id == 0)
		if (getrandom(&s->node_id, sizeof(s->node_id), 0) !=
				sizeof(s->node_id))
			s->node_id = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s;
	s->prefix_len = strlen(prefix);
	memcpy(s->prefix, prefix, s->prefix_len + 1);
	snprintf(s->vkey, sizeof(s->vkey), "%sloc:version", prefix);
	*out = &s->loc;
	return 0;
}

bool
sip_loc_is_redis(const struct sip_loc *loc)
{
	return loc->ops == &lr_ops;
}

void
sip_loc_redis_stats(const struct sip_loc *loc, struct sip_loc_redis_stats *out)
{
	if (loc->ops != &lr_ops) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ((const struct loc_redis *)loc)->stats;
}
