/*
 * check_keccak.c: Keccak-256 against the Keccak team's known answers,
 * the ethers.js keccak256 cases, and a proof that it is not FIPS-202
 * SHA3-256 (OpenSSL's SHA3-256 and go-ethereum's SHA3 answers).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/evp.h>

#include <zlib.h>

#include "hex.h"
#include "keccak.h"
#include "testutil.h"

static void
sha3_256_openssl(const uint8_t *p, size_t n, uint8_t out[32])
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	unsigned	 olen = 0;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_DigestInit_ex(c, EVP_sha3_256(), NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(c, p, n), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(c, out, &olen), 1);
	ck_assert_uint_eq(olen, 32);
	EVP_MD_CTX_free(c);
}

/* Hash p[0..n) again through the incremental interface in pieces of
 * step bytes and compare with want. */
static void
check_chunked(const uint8_t *p, size_t n, size_t step, const uint8_t *want)
{
	struct keccak_ctx	c;
	uint8_t			got[32];
	size_t			off = 0, k;

	keccak256_init(&c);
	while (off < n) {
		k = n - off < step ? n - off : step;
		keccak256_update(&c, p + off, k);
		off += k;
	}
	keccak256_final(&c, got);
	ck_assert_mem_eq(got, want, 32);
}

/*
 * Run every byte-aligned case of a Keccak team KAT file; returns the
 * number checked.
 */
static int
run_kat(const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0, mlen = 0, dlen;
	long	 bits = -1;
	uint8_t	*msg = NULL, *md;
	uint8_t	 got[32];
	int	 n = 0;
	ssize_t	 r;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while ((r = getline(&line, &cap, f)) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "Len = ", 6) == 0)
			bits = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "Msg = ", 6) == 0) {
			free(msg);
			ck_assert_ptr_nonnull(msg = tu_unhex(line + 6, &mlen));
		} else if (strncmp(line, "MD = ", 5) == 0) {
			ck_assert_int_ge(bits, 0);
			/* Bit-granular lengths do not apply to a byte API. */
			if (bits % 8 != 0)
				continue;
			ck_assert_ptr_nonnull(md = tu_unhex(line + 5, &dlen));
			ck_assert_uint_eq(dlen, 32);
			ck_assert_uint_ge(mlen, (size_t)bits / 8);
			keccak256(msg, (size_t)bits / 8, got);
			ck_assert_mem_eq(got, md, 32);
			check_chunked(msg, (size_t)bits / 8, 1, md);
			check_chunked(msg, (size_t)bits / 8, 7, md);
			check_chunked(msg, (size_t)bits / 8, 136, md);
			check_chunked(msg, (size_t)bits / 8, 137, md);
			free(md);
			n++;
		}
	}
	free(line);
	free(msg);
	fclose(f);
	return n;
}

START_TEST(test_short_kat)
{
	const char	*p = tu_shared("vectors/pycryptodome/ShortMsgKAT_256.txt");
	int		 n;

	if (p == NULL)
		TU_SKIP("../shared absent");
	n = run_kat(p);
	/* 256 byte-aligned lengths 0..2040 bits out of 2048 cases. */
	ck_assert_int_eq(n, 256);
	fprintf(stderr, "check_keccak: ShortMsgKAT_256 %d cases passed\n", n);
}
END_TEST

START_TEST(test_long_kat)
{
	const char	*p = tu_shared("vectors/pycryptodome/LongMsgKAT_256.txt");
	int		 n;

	if (p == NULL)
		TU_SKIP("../shared absent");
	n = run_kat(p);
	ck_assert_int_gt(n, 0);
	fprintf(stderr, "check_keccak: LongMsgKAT_256 %d cases passed\n", n);
}
END_TEST

/* 1 GiB of a 64-byte text: exercises the block loop for a long run. */
START_TEST(test_extremely_long_kat)
{
	const char		*p = tu_shared(
	    "vectors/pycryptodome/ExtremelyLongMsgKAT_256.txt");
	char			*txt, *s, text[128] = "", mdhex[80] = "";
	long			 repeat = 0, i;
	struct keccak_ctx	 c;
	uint8_t			 got[32], want[32], *blk;
	size_t			 tl, n, reps;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_file(p, NULL));
	ck_assert_ptr_nonnull(s = strstr(txt, "Repeat = "));
	repeat = strtol(s + 9, NULL, 10);
	ck_assert_ptr_nonnull(s = strstr(txt, "Text = "));
	ck_assert_int_eq(sscanf(s + 7, "%127s", text), 1);
	ck_assert_ptr_nonnull(s = strstr(txt, "MD = "));
	ck_assert_int_eq(sscanf(s + 5, "%79s", mdhex), 1);
	free(txt);
	ck_assert_int_eq(hex_decode(mdhex, strlen(mdhex), want, 32, &n), 0);
	ck_assert_uint_eq(n, 32);
	tl = strlen(text);
	ck_assert_uint_eq(tl, 64);
	ck_assert_int_gt(repeat, 0);
	/* Feed 64 KiB at a time (1024 repetitions), then the rest. */
	reps = 1024;
	ck_assert_ptr_nonnull(blk = malloc(tl * reps));
	for (n = 0; n < reps; n++)
		memcpy(blk + n * tl, text, tl);
	keccak256_init(&c);
	for (i = 0; i + (long)reps <= repeat; i += (long)reps)
		keccak256_update(&c, blk, tl * reps);
	for (; i < repeat; i++)
		keccak256_update(&c, text, tl);
	keccak256_final(&c, got);
	free(blk);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST


START_TEST(test_ethers_hashes)
{
	const char	*p = tu_shared("vectors/ethers/hashes.json.gz");
	char		*txt;
	cJSON		*root, *it, *data, *kh;
	uint8_t		*msg, *md, got[32];
	size_t		 mlen, dlen;
	int		 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(it, root) {
		data = cJSON_GetObjectItem(it, "data");
		kh = cJSON_GetObjectItem(it, "keccak256");
		ck_assert(cJSON_IsString(data) && cJSON_IsString(kh));
		ck_assert_ptr_nonnull(msg = tu_unhex(data->valuestring, &mlen));
		ck_assert_ptr_nonnull(md = tu_unhex(kh->valuestring, &dlen));
		ck_assert_uint_eq(dlen, 32);
		keccak256(msg, mlen, got);
		ck_assert_mem_eq(got, md, 32);
		check_chunked(msg, mlen, 5, md);
		free(msg);
		free(md);
		n++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(n, 257);
	fprintf(stderr, "check_keccak: ethers hashes %d cases passed\n", n);
}
END_TEST

/* Known values: the empty string and "abc" under both paddings. */
START_TEST(test_not_sha3)
{
	static const char	*k_empty =
	    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
	static const char	*s_empty =
	    "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a";
	uint8_t			 k[32], s[32];
	char			 h[65];

	keccak256("", 0, k);
	sha3_256_openssl((const uint8_t *)"", 0, s);
	ck_assert_str_eq(hex_encode(k, 32, h, 0), k_empty);
	ck_assert_str_eq(hex_encode(s, 32, h, 0), s_empty);
	ck_assert_mem_ne(k, s, 32);
	keccak256("abc", 3, k);
	sha3_256_openssl((const uint8_t *)"abc", 3, s);
	ck_assert_str_eq(hex_encode(k, 32, h, 0),
	    "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	ck_assert_mem_ne(k, s, 32);
	/* A well-known Ethereum selector: transfer(address,uint256). */
	keccak256("transfer(address,uint256)", 25, k);
	ck_assert_str_eq(hex_encode(k, 4, h, 0), "a9059cbb");
}
END_TEST

/* The final call wipes the context (it may have absorbed a key). */
START_TEST(test_final_wipes)
{
	struct keccak_ctx	c;
	uint8_t			out[32], zero[sizeof(c)];

	keccak256_init(&c);
	keccak256_update(&c, "secret", 6);
	keccak256_final(&c, out);
	memset(zero, 0, sizeof(zero));
	ck_assert_mem_eq(&c, zero, sizeof(c));
	/* Zero-length updates change nothing. */
	keccak256_init(&c);
	keccak256_update(&c, NULL, 0);
	keccak256_update(&c, "abc", 3);
	keccak256_update(&c, NULL, 0);
	keccak256_final(&c, out);
	keccak256("abc", 3, zero);
	ck_assert_mem_eq(out, zero, 32);
}
END_TEST

/*
 * Inflate raw deflate data (zlib, linked for the tests). Returns a
 * NUL-terminated buffer (caller frees), or NULL with *why set.
 */
static char *
inflate_raw(const uint8_t *in, size_t inlen, const char **why)
{
	z_stream	 zs;
	char		*out = NULL;
	size_t		 cap = 0;
	int		 r;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK) {
		*why = "inflateInit2 failed";
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	do {
		if (cap - zs.total_out < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			ck_assert_ptr_nonnull(out = realloc(out, cap + 1));
		}
		zs.next_out = (Bytef *)out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		r = inflate(&zs, Z_NO_FLUSH);
	} while (r == Z_OK);
	if (r != Z_STREAM_END) {
		*why = "inflate failed";
		free(out);
		out = NULL;
	} else
		out[zs.total_out] = '\0';
	inflateEnd(&zs);
	return out;
}

/*
 * go-ethereum's FIPS answers: every byte-aligned SHA3-256 case must match
 * OpenSSL's SHA3-256 and must differ from our Keccak-256.
 */
START_TEST(test_geth_sha3_kats)
{
	const char	*p = tu_shared(
	    "vectors/go-ethereum/crypto/keccak/testdata/keccakKats.json.deflate");
	const char	*why = NULL;
	char		*raw, *txt;
	size_t		 rawlen, mlen, dlen;
	cJSON		*root, *arr, *it, *len, *m, *d;
	uint8_t		*msg, *md, k[32], s[32];
	int		 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(raw = tu_read_file(p, &rawlen));
	txt = inflate_raw((const uint8_t *)raw, rawlen, &why);
	free(raw);
	if (txt == NULL)
		TU_SKIP(why);
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	arr = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "kats"),
	    "SHA3-256");
	ck_assert(cJSON_IsArray(arr));
	cJSON_ArrayForEach(it, arr) {
		len = cJSON_GetObjectItem(it, "length");
		m = cJSON_GetObjectItem(it, "message");
		d = cJSON_GetObjectItem(it, "digest");
		ck_assert(cJSON_IsNumber(len) && cJSON_IsString(m) &&
		    cJSON_IsString(d));
		if (len->valueint % 8 != 0)
			continue;
		ck_assert_ptr_nonnull(msg = tu_unhex(m->valuestring, &mlen));
		ck_assert_ptr_nonnull(md = tu_unhex(d->valuestring, &dlen));
		ck_assert_uint_eq(dlen, 32);
		mlen = (size_t)len->valueint / 8;
		sha3_256_openssl(msg, mlen, s);
		ck_assert_mem_eq(s, md, 32);
		keccak256(msg, mlen, k);
		ck_assert_mem_ne(k, md, 32);
		free(msg);
		free(md);
		n++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(n, 256);
	fprintf(stderr, "check_keccak: geth SHA3-256 %d cases differ from "
	    "Keccak-256 and match OpenSSL\n", n);
}
END_TEST

static Suite *
keccak_suite(void)
{
	Suite	*s = suite_create("keccak");
	TCase	*tc = tcase_create("core");
	TCase	*tl = tcase_create("long");

	tcase_add_test(tc, test_short_kat);
	tcase_add_test(tc, test_long_kat);
	tcase_add_test(tc, test_ethers_hashes);
	tcase_add_test(tc, test_not_sha3);
	tcase_add_test(tc, test_final_wipes);
	tcase_add_test(tc, test_geth_sha3_kats);
	tcase_set_timeout(tc, 60);
	/* 1 GiB through the permutation; slow under the sanitizers. */
	tcase_add_test(tl, test_extremely_long_kat);
	tcase_set_timeout(tl, 300);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(keccak_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
