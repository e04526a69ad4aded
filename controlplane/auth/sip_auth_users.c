/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loader and lookup of the users file (format in sip_auth_users.h and
 * config/users.example). Entries live in one array, indexed by an open
 * addressing hash table of (username, realm); names are kept in one
 * string arena so that the store is three allocations whatever its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "sip_auth.h"
#include "sip_auth_users.h"

/* Refuse absurd files rather than read them whole. */
#define USERS_FILE_MAX (64u << 20)

struct sip_auth_users {
	struct sip_auth_user *users;
	size_t n;
	uint32_t *slots;	/* index + 1; 0 is empty */
	size_t mask;
	char *arena;
	size_t arena_len;
};

static uint64_t
users_hash(struct dg_pl user, struct dg_pl realm)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < user.len; i++)
		h = (h ^ (uint8_t)user.p[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (i = 0; i < realm.len; i++)
		h = (h ^ (uint8_t)realm.p[i]) * 0x100000001b3ull;
	return h;
}

static int
users_err(char *err, size_t errlen, const char *name, size_t line,
		const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	n = snprintf(err, errlen, "%s:%zu: ", name, line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int
users_unhex(const char *p, size_t len, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (len != 2 * n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)p[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A name in a users file: printable, no whitespace, no '#'. */
static bool
users_name_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > SIP_AUTH_USERS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f || p[i] == '#')
			return false;
	return true;
}

static bool
users_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split a line into at most 5 whitespace-separated fields. */
static size_t
users_fields(const char *p, size_t len, struct dg_pl *f)
{
	size_t i = 0, n = 0, s;

	for (;;) {
		while (i < len && users_is_space(p[i]))
			i++;
		if (i >= len || p[i] == '#' || n == 5)
			return n;
		s = i;
		while (i < len && !users_is_space(p[i]))
			i++;
		f[n].p = p + s;
		f[n].len = i - s;
		n++;
	}
}

const struct sip_auth_user *
sip_auth_users_find(const struct sip_auth_users *users, struct dg_pl username,
		struct dg_pl realm)
{
	const struct sip_auth_user *u;
	size_t i;

	if (users->n == 0)
		return NULL;
	i = users_hash(username, realm) & users->mask;
	while (users->slots[i] != 0) {
		u = &users->users[users->slots[i] - 1];
		if (dg_pl_eq(u->username, username) && dg_pl_eq(u->realm, realm))
			return u;
		i = (i + 1) & users->mask;
	}
	return NULL;
}

void
sip_auth_users_free(struct sip_auth_users *users)
{
	if (users == NULL)
		return;
	if (users->users != NULL)
		OPENSSL_cleanse(users->users, users->n * sizeof(*users->users));
	free(users->users);
	free(users->slots);
	free(users->arena);
	free(users);
}

size_t
sip_auth_users_count(const struct sip_auth_users *users)
{
	return users->n;
}

/*
 * The most entries len bytes can hold: the shortest valid line ("u r" and
 * 32 + 64 hex digits, single spaces) is 101 bytes plus its newline, so
 * sizing by bytes rather than by lines keeps a file of short bad lines
 * from costing more memory than its own size.
 */
#define USERS_LINE_MIN 101

int
sip_auth_users_load_buf(struct sip_auth_users **out, const char *name,
		const char *buf, size_t len, char *err, size_t errlen)
{
	struct sip_auth_users *users;
	size_t lines, line = 0, pos = 0, eol, nf, slots, i;
	struct sip_auth_user *u;
	struct dg_pl f[5];
	int ret = -ENOMEM;

	users = calloc(1, sizeof(*users));
	if (users == NULL)
		goto out_free;
	lines = len / USERS_LINE_MIN + 1;
	users->users = calloc(lines, sizeof(*users->users));
	for (slots = 8; slots < 2 * lines; slots <<= 1)
		;
	users->slots = calloc(slots, sizeof(*users->slots));
	users->mask = slots - 1;
	/* Names are copied from the buffer, so it bounds the arena. */
	users->arena = malloc(len + 1);
	if (users->users == NULL || users->slots == NULL ||
	    users->arena == NULL)
		goto out_free;
	while (pos < len) {
		line++;
		for (eol = pos; eol < len && buf[eol] != '\n'; eol++)
			;
		nf = users_fields(buf + pos, eol - pos, f);
		pos = eol + 1;
		if (nf == 0)
			continue;
		if (nf != 4) {
			ret = users_err(err, errlen, name, line,
					"expected 'username realm md5_ha1 sha256_ha1'");
			goto out_free;
		}
		if (!users_name_ok(f[0].p, f[0].len)) {
			ret = users_err(err, errlen, name, line,
					"bad username (1..%d printable characters, no '#')",
					SIP_AUTH_USERS_NAME_MAX);
			goto out_free;
		}
		if (!users_name_ok(f[1].p, f[1].len)) {
			ret = users_err(err, errlen, name, line,
					"bad realm (1..%d printable characters, no '#')",
					SIP_AUTH_USERS_NAME_MAX);
			goto out_free;
		}
		u = &users->users[users->n];
		if (users_unhex(f[2].p, f[2].len, u->ha1_md5,
				sizeof(u->ha1_md5)) < 0) {
			ret = users_err(err, errlen, name, line,
					"md5 HA1 must be 32 hex digits");
			goto out_free;
		}
		if (users_unhex(f[3].p, f[3].len, u->ha1_sha256,
				sizeof(u->ha1_sha256)) < 0) {
			ret = users_err(err, errlen, name, line,
					"sha256 HA1 must be 64 hex digits");
			goto out_free;
		}
		if (sip_auth_users_find(users, f[0], f[1]) != NULL) {
			ret = users_err(err, errlen, name, line,
					"duplicate user '%.*s' in realm '%.*s'",
					(int)f[0].len, f[0].p, (int)f[1].len,
					f[1].p);
			goto out_free;
		}
		memcpy(users->arena + users->arena_len, f[0].p, f[0].len);
		u->username.p = users->arena + users->arena_len;
		u->username.len = f[0].len;
		users->arena_len += f[0].len;
		memcpy(users->arena + users->arena_len, f[1].p, f[1].len);
		u->realm.p = users->arena + users->arena_len;
		u->realm.len = f[1].len;
		users->arena_len += f[1].len;
		i = users_hash(u->username, u->realm) & users->mask;
		while (users->slots[i] != 0)
			i = (i + 1) & users->mask;
		users->n++;
		users->slots[i] = (uint32_t)users->n;
	}
	*out = users;
	return 0;
out_free:
	if (ret == -ENOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", name);
	sip_auth_users_free(users);
	return ret;
}

int
sip_auth_users_load_file(struct sip_auth_users **out, const char *path,
		char *err, size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t len = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out_msg;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > USERS_FILE_MAX) {
		ret = -EFBIG;
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			ret = got < 0 ? -errno : -EIO;
			goto out_wipe;
		}
		len += (size_t)got;
	}
	close(fd);
	ret = sip_auth_users_load_buf(out, path, buf, len, err, errlen);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return ret;
out_wipe:
	OPENSSL_cleanse(buf, len);
	free(buf);
out_close:
	close(fd);
out_msg:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

int
sip_auth_users_format_line(const char *username, const char *realm,
		struct dg_pl password, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md5[16], sha[32];
	char hex[2 * 32 + 1];
	struct dg_pl u, r;
	size_t i;
	int n, err;

	u = (struct dg_pl){ username, strlen(username) };
	r = (struct dg_pl){ realm, strlen(realm) };
	if (!users_name_ok(u.p, u.len) || !users_name_ok(r.p, r.len))
		return -EINVAL;
	err = sip_auth_ha1(SIP_AUTH_ALG_MD5, u, r, password, md5);
	if (err < 0)
		goto out;
	err = sip_auth_ha1(SIP_AUTH_ALG_SHA256, u, r, password, sha);
	if (err < 0)
		goto out;
	n = snprintf(buf, size, "%s %s ", username, realm);
	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[md5[i] >> 4];
		hex[2 * i + 1] = digits[md5[i] & 0xf];
	}
	hex[32] = '\0';
	n += snprintf(buf + ((size_t)n < size ? (size_t)n : size),
			(size_t)n < size ? size - (size_t)n : 0, "%s ", hex);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 0xf];
	}
	hex[64] = '\0';
	n += snprintf(buf + ((size_t)n < size ? (size_t)n : size),
			(size_t)n < size ? size - (size_t)n : 0, "%s\n", hex);
	err = (size_t)n < size ? n : -ENOSPC;
out:
	OPENSSL_cleanse(md5, sizeof(md5));
	OPENSSL_cleanse(sha, sizeof(sha));
	OPENSSL_cleanse(hex, sizeof(hex));
	return err;
}
