/* crypt - AES-128-CBC segment decryption (HLS METHOD=AES-128), streaming */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypt.h"
#include "xmalloc.h"

struct crypt {
	EVP_CIPHER_CTX *ctx;
	unsigned char key[CRYPT_KEY_LEN];
	unsigned char iv[CRYPT_BLOCK];
	bool raw;			/* no padding: a piece */
};

static int
ssl_err(struct err *err, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return err_set(err, "AES-128 %s failed", what);
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_set(err, "AES-128 %s failed: %s", what, buf);
}

struct crypt *
crypt_new(const unsigned char *key, size_t keylen,
    const unsigned char iv[CRYPT_BLOCK], struct err *err)
{
	struct crypt *c;

	if (keylen != CRYPT_KEY_LEN) {
		err_set(err, "AES-128 key must be 16 bytes, got %zu", keylen);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	memcpy(c->key, key, CRYPT_KEY_LEN);
	memcpy(c->iv, iv, CRYPT_BLOCK);
	c->ctx = EVP_CIPHER_CTX_new();
	if (c->ctx == NULL || crypt_reset(c, err) < 0) {
		if (c->ctx == NULL)
			err_set(err, "AES-128: out of memory");
		crypt_free(c);
		return NULL;
	}
	return c;
}

void
crypt_free(struct crypt *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->ctx);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	free(c);
}

int
crypt_reset(struct crypt *c, struct err *err)
{
	if (EVP_DecryptInit_ex(c->ctx, EVP_aes_128_cbc(), NULL, c->key,
	    c->iv) != 1)
		return ssl_err(err, "init");
	EVP_CIPHER_CTX_set_padding(c->ctx, c->raw ? 0 : 1);
	return 0;
}

struct crypt *
crypt_new_raw(const unsigned char *key, size_t keylen,
    const unsigned char iv[CRYPT_BLOCK], struct err *err)
{
	struct crypt *c = crypt_new(key, keylen, iv, err);

	if (c != NULL) {
		c->raw = true;
		EVP_CIPHER_CTX_set_padding(c->ctx, 0);
	}
	return c;
}

int
crypt_last_block_len(const unsigned char *key,
    const unsigned char prev[CRYPT_BLOCK],
    const unsigned char last[CRYPT_BLOCK], size_t *len, struct err *err)
{
	unsigned char out[2 * CRYPT_BLOCK];
	size_t n = 0, m = 0;
	struct crypt *c;
	int rc;

	if ((c = crypt_new(key, CRYPT_KEY_LEN, prev, err)) == NULL)
		return -1;
	rc = crypt_update(c, last, CRYPT_BLOCK, out, &n, err);
	if (rc == 0)
		rc = crypt_final(c, out + n, &m, err);
	crypt_free(c);
	OPENSSL_cleanse(out, sizeof(out));
	*len = n + m;
	return rc;
}

int
crypt_update(struct crypt *c, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t *outlen, struct err *err)
{
	size_t done = 0;
	int n;

	*outlen = 0;
	while (done < inlen) {
		size_t chunk = inlen - done;

		if (chunk > INT_MAX / 2)
			chunk = INT_MAX / 2;
		if (EVP_DecryptUpdate(c->ctx, out + *outlen, &n, in + done,
		    (int)chunk) != 1)
			return ssl_err(err, "decryption");
		*outlen += n;
		done += chunk;
	}
	return 0;
}

int
crypt_final(struct crypt *c, unsigned char *out, size_t *outlen,
    struct err *err)
{
	int n = 0;

	*outlen = 0;
	if (EVP_DecryptFinal_ex(c->ctx, out, &n) != 1) {
		ERR_clear_error();
		return err_set(err, "AES-128 decryption failed: bad padding "
		    "or truncated segment (wrong key?)");
	}
	*outlen = n;
	return 0;
}

void
crypt_iv_from_sequence(int64_t seq, unsigned char iv[CRYPT_BLOCK])
{
	uint64_t s = (uint64_t)seq;
	int i;

	memset(iv, 0, CRYPT_BLOCK);
	for (i = 15; i >= 8; i--) {
		iv[i] = s & 0xff;
		s >>= 8;
	}
}
