/* crypt - AES-128-CBC segment decryption (HLS METHOD=AES-128), streaming */
#ifndef M3U8NAS_CRYPT_H
#define M3U8NAS_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * HLS AES-128 (RFC 8216 5.2): the whole segment is AES-128-CBC with PKCS7
 * padding, 16-byte key, IV from the EXT-X-KEY tag or, when it has none, the
 * segment's media sequence number as a big-endian 128-bit integer.
 *
 * Decryption streams: crypt_update takes any chunk size (not only multiples
 * of 16) and writes at most inlen + CRYPT_BLOCK bytes; crypt_final checks
 * and strips the padding. OpenSSL EVP does the cryptography.
 */
#define CRYPT_KEY_LEN 16
#define CRYPT_BLOCK 16

struct crypt;

/* NULL with err set if keylen is not 16. */
struct crypt *crypt_new(const unsigned char *key, size_t keylen,
    const unsigned char iv[CRYPT_BLOCK], struct err *err);
void crypt_free(struct crypt *c);
/* Starts over with the same key and IV (before a retried download). */
int crypt_reset(struct crypt *c, struct err *err);
/* out must hold inlen + CRYPT_BLOCK bytes; *outlen gets what was written. */
int crypt_update(struct crypt *c, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t *outlen, struct err *err);
/* out must hold CRYPT_BLOCK bytes. Bad padding or a partial block fails. */
int crypt_final(struct crypt *c, unsigned char *out, size_t *outlen,
    struct err *err);
/*
 * A piece of a segment (tail splitting): plain CBC over whole blocks, no
 * padding, iv = the cipher block just before the piece (the segment's IV
 * for the first). Only the segment's last block is padded:
 * crypt_last_block_len decrypts it alone (prev = the cipher block before
 * it), checks its PKCS7 padding and gives how many of its 16 bytes are
 * data (0..15); the raw piece wrote all 16.
 */
struct crypt *crypt_new_raw(const unsigned char *key, size_t keylen,
    const unsigned char iv[CRYPT_BLOCK], struct err *err);
int crypt_last_block_len(const unsigned char *key,
    const unsigned char prev[CRYPT_BLOCK],
    const unsigned char last[CRYPT_BLOCK], size_t *len, struct err *err);
/* The IV RFC 8216 derives from a media sequence number. */
void crypt_iv_from_sequence(int64_t seq, unsigned char iv[CRYPT_BLOCK]);

#endif
