/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP key derivation (RFC 3711 §4.3, AES-CM PRF, key derivation rate 0),
 * used by RFC 7714 unchanged with the 96-bit master salt zero-padded to 112
 * bits. Runs on the slow path when a context is created; the master key and
 * every intermediate buffer are wiped before returning.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "dp_srtp_priv.h"

enum {
	DP_SRTP_LABEL_RTP_KEY,
	DP_SRTP_LABEL_RTP_AUTH,
	DP_SRTP_LABEL_RTP_SALT,
	DP_SRTP_LABEL_RTCP_KEY,
	DP_SRTP_LABEL_RTCP_AUTH,
	DP_SRTP_LABEL_RTCP_SALT,
};

void
dp_srtp_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

int
dp_srtp_kdf(const uint8_t master_key[16], const uint8_t master_salt[14],
		uint8_t label, uint8_t *out, size_t n)
{
	uint8_t ctr[32], ks[32];
	EVP_CIPHER_CTX *c;
	size_t blocks, b;
	int ol, err = -EIO;

	if (n > sizeof(ks))
		return -EINVAL;
	blocks = (n + 15) / 16;
	/* x = key_id XOR master_salt, key_id = label || 48 zero bits (r = 0). */
	for (b = 0; b < blocks; b++) {
		memcpy(ctr + 16 * b, master_salt, 14);
		ctr[16 * b + 7] ^= label;
		ctr[16 * b + 14] = 0;
		ctr[16 * b + 15] = (uint8_t)b;
	}
	c = EVP_CIPHER_CTX_new();
	if (c == NULL)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, master_key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_EncryptUpdate(c, ks, &ol, ctr, (int)(16 * blocks)) != 1 ||
	    ol != (int)(16 * blocks))
		goto out;
	memcpy(out, ks, n);
	err = 0;
out:
	EVP_CIPHER_CTX_free(c);
	dp_srtp_wipe(ks, sizeof(ks));
	dp_srtp_wipe(ctr, sizeof(ctr));
	return err;
}

int
dp_srtp_kdf_session_keys(const struct dp_srtp_key *key, struct dp_srtp_session_keys *sk)
{
	uint8_t salt[14];
	size_t salt_len;
	int err;

	memset(sk, 0, sizeof(*sk));
	memcpy(salt, key->master_salt, sizeof(salt));
	salt_len = 14;
	if (key->suite == DP_SRTP_AEAD_AES_128_GCM) {
		salt[12] = 0;
		salt[13] = 0;
		salt_len = 12;
	}
	err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTP_KEY, sk->rtp_key, 16);
	if (err == 0)
		err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTP_SALT,
				sk->rtp_salt, salt_len);
	if (err == 0)
		err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTCP_KEY,
				sk->rtcp_key, 16);
	if (err == 0)
		err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTCP_SALT,
				sk->rtcp_salt, salt_len);
	if (err == 0 && key->suite != DP_SRTP_AEAD_AES_128_GCM) {
		err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTP_AUTH,
				sk->rtp_auth, 20);
		if (err == 0)
			err = dp_srtp_kdf(key->master_key, salt, DP_SRTP_LABEL_RTCP_AUTH,
					sk->rtcp_auth, 20);
	}
	dp_srtp_wipe(salt, sizeof(salt));
	if (err < 0)
		dp_srtp_wipe(sk, sizeof(*sk));
	return err;
}
