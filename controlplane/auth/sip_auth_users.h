/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The credential store read from a users file: one line per user,
 * "username realm md5_ha1 sha256_ha1" (hex), '#' comments and blank lines
 * allowed. Only HA1 hashes are stored, never passwords; the memory holding
 * them is wiped when the store is freed. A bad line fails the whole load
 * with "file:line: reason", so a typo never silently locks a user out.
 */
#ifndef DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_USERS_H
#define DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"

/** Longest username or realm accepted in a users file. */
#define SIP_AUTH_USERS_NAME_MAX 128

/** One user of one realm. */
struct sip_auth_user {
	struct dg_pl username;
	struct dg_pl realm;
	uint8_t ha1_md5[16];
	uint8_t ha1_sha256[32];
};

/** A loaded users file. */
struct sip_auth_users;

/**
 * Load a users file.
 *
 * @param err receives "path:line: reason" (or "path: reason") on failure
 * @return 0, -ENOENT/-EACCES/... when the file cannot be read, -EINVAL on a
 *         bad line, -ENOMEM.
 */
int sip_auth_users_load_file(struct sip_auth_users **out, const char *path,
		char *err, size_t errlen);

/**
 * Load users from memory; name stands for the file name in messages.
 *
 * @return 0, -EINVAL on a bad line, -ENOMEM.
 */
int sip_auth_users_load_buf(struct sip_auth_users **out, const char *name,
		const char *buf, size_t len, char *err, size_t errlen);

/** Free a store and wipe its hashes; NULL is allowed. */
void sip_auth_users_free(struct sip_auth_users *users);

/** Number of users loaded. */
size_t sip_auth_users_count(const struct sip_auth_users *users);

/**
 * Find a user by exact username and realm.
 *
 * @return the entry, valid until the store is freed, or NULL.
 */
const struct sip_auth_user *sip_auth_users_find(
		const struct sip_auth_users *users, struct dg_pl username,
		struct dg_pl realm);

/**
 * Format one users-file line ("user realm md5hex sha256hex\n") for a
 * password, as drongo-passwd prints it.
 *
 * @return length written (a NUL follows), -EINVAL when user or realm are
 *         empty, too long or hold whitespace, control characters or '#',
 *         -ENOSPC, -ENOMEM.
 */
int sip_auth_users_format_line(const char *username, const char *realm,
		struct dg_pl password, char *buf, size_t size);

#endif
