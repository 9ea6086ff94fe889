/* check_crypt - AES-128-CBC streaming decryption against `openssl enc` */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypt.h"
#include "check-main.h"

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f";
static const char iv_hex[] = "f0e0d0c0b0a090807060504030201000";

static void
unhex(const char *hex, unsigned char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

/* Encrypts n pseudo-random bytes with the openssl tool; returns both. */
static void
make_case(size_t n, unsigned char **plain, unsigned char **enc,
    size_t *enclen)
{
	char dir[] = "/tmp/check_crypt.XXXXXX", cmd[512], p[600], e[600];
	FILE *fp;
	size_t i;
	uint32_t x = 2463534242u + (uint32_t)n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/plain", dir);
	snprintf(e, sizeof(e), "%s/enc", dir);
	*plain = malloc(n + 1);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		(*plain)[i] = x & 0xff;
	}
	fp = fopen(p, "wb");
	ck_assert_uint_eq(fwrite(*plain, 1, n, fp), n);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "openssl enc -aes-128-cbc -K %s -iv %s "
	    "-in %s -out %s", key_hex, iv_hex, p, e);
	ck_assert_int_eq(system(cmd), 0);
	fp = fopen(e, "rb");
	ck_assert_ptr_nonnull(fp);
	*enc = malloc(n + 32);
	*enclen = fread(*enc, 1, n + 32, fp);
	fclose(fp);
	ck_assert_uint_eq(*enclen, (n / 16 + 1) * 16);
	unlink(p);
	unlink(e);
	rmdir(dir);
}

/* Decrypts in chunks of `chunk` bytes; returns 0/-1 and the plaintext. */
static int
decrypt(const unsigned char *key, const unsigned char *enc, size_t len,
    size_t chunk, unsigned char *out, size_t *outlen, struct err *err)
{
	unsigned char iv[16];
	struct crypt *c;
	size_t off = 0, n;
	int rc = -1;

	unhex(iv_hex, iv);
	c = crypt_new(key, 16, iv, err);
	ck_assert_ptr_nonnull(c);
	*outlen = 0;
	while (off < len) {
		size_t take = len - off < chunk ? len - off : chunk;

		if (crypt_update(c, enc + off, take, out + *outlen, &n,
		    err) < 0)
			goto out;
		*outlen += n;
		off += take;
	}
	if (crypt_final(c, out + *outlen, &n, err) < 0)
		goto out;
	*outlen += n;
	rc = 0;
out:
	crypt_free(c);
	return rc;
}

static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 1000, 65541 };
static const size_t chunks[] = { 1, 7, 16, 17, 4096, 1 << 20 };

START_TEST(matches_openssl_at_any_chunking)
{
	unsigned char key[16], *plain, *enc, *out;
	size_t enclen, outlen, c;
	struct err err;

	unhex(key_hex, key);
	make_case(sizes[_i], &plain, &enc, &enclen);
	out = malloc(enclen + 16);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		ck_assert_int_eq(decrypt(key, enc, enclen, chunks[c], out,
		    &outlen, &err), 0);
		ck_assert_uint_eq(outlen, sizes[_i]);
		ck_assert(memcmp(out, plain, outlen) == 0);
	}
	free(out);
	free(plain);
	free(enc);
}
END_TEST

START_TEST(truncated_or_wrong_key_fails_clearly)
{
	unsigned char key[16], *plain, *enc, *out;
	size_t enclen, outlen;
	struct err err;

	unhex(key_hex, key);
	make_case(1000, &plain, &enc, &enclen);
	out = malloc(enclen + 16);
	/* Not a whole number of blocks. */
	ck_assert_int_eq(decrypt(key, enc, enclen - 5, 64, out, &outlen,
	    &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad padding"));
	/* A wrong key gives garbage whose padding does not check. */
	key[0] ^= 0x55;
	ck_assert_int_eq(decrypt(key, enc, enclen, 64, out, &outlen, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "AES-128"));
	free(out);
	free(plain);
	free(enc);
}
END_TEST

START_TEST(key_must_be_16_bytes)
{
	unsigned char key[32] = { 0 }, iv[16] = { 0 };
	struct err err;

	ck_assert_ptr_null(crypt_new(key, 15, iv, &err));
	ck_assert_str_eq(err.msg, "AES-128 key must be 16 bytes, got 15");
	ck_assert_ptr_null(crypt_new(key, 32, iv, &err));
	ck_assert_ptr_null(crypt_new(key, 0, iv, &err));
}
END_TEST

/* RFC 8216 5.2: the sequence number, big-endian, in a 128-bit IV. */
static const struct {
	int64_t seq;
	const char *iv;
} iv_cases[] = {
	{ 0, "00000000000000000000000000000000" },
	{ 1, "00000000000000000000000000000001" },
	{ 255, "000000000000000000000000000000ff" },
	{ 256, "00000000000000000000000000000100" },
	{ 0x0102030405060708LL, "00000000000000000102030405060708" },
	{ 4294967296LL, "00000000000000000000000100000000" },
};

START_TEST(iv_from_sequence)
{
	unsigned char iv[16], want[16];

	crypt_iv_from_sequence(iv_cases[_i].seq, iv);
	unhex(iv_cases[_i].iv, want);
	ck_assert(memcmp(iv, want, 16) == 0);
}
END_TEST

START_TEST(reset_starts_over)
{
	unsigned char key[16], iv[16], *plain, *enc, out[2048];
	size_t enclen, n, m;
	struct crypt *c;
	struct err err;

	unhex(key_hex, key);
	unhex(iv_hex, iv);
	make_case(100, &plain, &enc, &enclen);
	c = crypt_new(key, 16, iv, &err);
	ck_assert_int_eq(crypt_update(c, enc, 40, out, &n, &err), 0);
	ck_assert_int_eq(crypt_reset(c, &err), 0);
	ck_assert_int_eq(crypt_update(c, enc, enclen, out, &n, &err), 0);
	ck_assert_int_eq(crypt_final(c, out + n, &m, &err), 0);
	ck_assert_uint_eq(n + m, 100);
	ck_assert(memcmp(out, plain, 100) == 0);
	crypt_free(c);
	free(plain);
	free(enc);
}
END_TEST

/*
 * Tail splitting: a segment cut in pieces at 16-byte boundaries, each
 * decrypted raw with the cipher block before it as IV, the last block
 * checked and unpadded alone, gives the plaintext back, whatever the cuts.
 */
static const size_t cuts[][3] = {
	{ 16, 0, 0 }, { 16, 32, 0 }, { 512, 1024, 4080 }, { 4096, 0, 0 },
};

START_TEST(pieces_match_whole)
{
	unsigned char key[16], iv[16], *plain, *enc, *out;
	size_t enclen, at = 0, n, last, i;
	struct crypt *c;
	struct err err;

	unhex(key_hex, key);
	unhex(iv_hex, iv);
	make_case(4100, &plain, &enc, &enclen);
	out = malloc(enclen);
	for (i = 0; i <= 3; i++) {
		size_t end = i < 3 && cuts[_i][i] != 0 ? cuts[_i][i] : enclen;

		c = crypt_new_raw(key, 16, at == 0 ? iv : enc + at - 16, &err);
		ck_assert_ptr_nonnull(c);
		/* odd chunks: the cipher buffers partial blocks */
		ck_assert_int_eq(crypt_update(c, enc + at, 7, out + at, &n,
		    &err), 0);
		ck_assert_int_eq(crypt_update(c, enc + at + 7, end - at - 7,
		    out + at + n, &n, &err), 0);
		crypt_free(c);
		at = end;
		if (end == enclen)
			break;
	}
	ck_assert_int_eq(crypt_last_block_len(key, enc + enclen - 32,
	    enc + enclen - 16, &last, &err), 0);
	ck_assert_uint_eq(enclen - 16 + last, 4100);
	ck_assert(memcmp(out, plain, 4100) == 0);
	/* another key: the padding check of the last block fails */
	key[0] ^= 1;
	ck_assert_int_eq(crypt_last_block_len(key, enc + enclen - 32,
	    enc + enclen - 16, &last, &err), -1);
	ck_assert(strstr(err.msg, "bad padding") != NULL);
	free(out);
	free(plain);
	free(enc);
}
END_TEST

static Suite *
crypt_suite(void)
{
	Suite *s = suite_create("crypt");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, matches_openssl_at_any_chunking, 0,
	    sizeof(sizes) / sizeof(sizes[0]));
	tcase_add_test(tc, truncated_or_wrong_key_fails_clearly);
	tcase_add_test(tc, key_must_be_16_bytes);
	tcase_add_loop_test(tc, iv_from_sequence, 0,
	    sizeof(iv_cases) / sizeof(iv_cases[0]));
	tcase_add_test(tc, reset_starts_over);
	tcase_add_loop_test(tc, pieces_match_whole, 0,
	    sizeof(cuts) / sizeof(cuts[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(crypt_suite())
