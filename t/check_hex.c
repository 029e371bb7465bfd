/*
 * check_hex.c: hex encoding and strict decoding.
 *
 * ethereum-tests BasicTests/hexencodetest.json is about the Merkle
 * Patricia trie's hex-prefix (nibble) encoding, not byte hex text, so it
 * does not apply here. The ethers hashes.json "data" fields serve as
 * round-trip vectors instead.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "hex.h"
#include "testutil.h"

static int
dec(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	return hex_decode(s, strlen(s), out, cap, n);
}

START_TEST(test_decode_ok)
{
	uint8_t	b[8];
	size_t	n = 99;

	ck_assert_int_eq(dec("", b, sizeof(b), &n), 0);
	ck_assert_uint_eq(n, 0);
	n = 99;
	ck_assert_int_eq(dec("0x", b, sizeof(b), &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(dec("0X", b, 0, &n), 0);
	ck_assert_int_eq(dec("00ff7F80", b, sizeof(b), &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(b[0] == 0x00 && b[1] == 0xff && b[2] == 0x7f && b[3] == 0x80);
	ck_assert_int_eq(dec("0xABcd", b, sizeof(b), &n), 0);
	ck_assert(n == 2 && b[0] == 0xab && b[1] == 0xcd);
	ck_assert_int_eq(dec("0Xa0", b, sizeof(b), NULL), 0);
	ck_assert_uint_eq(b[0], 0xa0);
	/* Exactly cap bytes fits. */
	ck_assert_int_eq(dec("0102030405060708", b, 8, &n), 0);
	ck_assert_uint_eq(n, 8);
	/* slen bounds the text: the rest of the string is not read. */
	ck_assert_int_eq(hex_decode("0x12zz", 4, b, sizeof(b), &n), 0);
	ck_assert(n == 1 && b[0] == 0x12);
}
END_TEST

START_TEST(test_decode_bad)
{
	static const char	*bad[] = { "0", "abc", "0x0", "0xabc", "zz",
	    "0xg0", "0x0g", " 00", "00 ", "0 0", "0x0x00", "x00", "0x-1",
	    "+0", "0x 0", "\t00", "0xff\n", "ÿÿ", "0x:0", "0x/0", "@0", "`0",
	    "G0", "0x00 ", NULL };
	uint8_t			 b[8];
	size_t			 n;
	int			 i;

	for (i = 0; bad[i] != NULL; i++) {
		memset(b, 0xee, sizeof(b));
		n = 77;
		ck_assert_msg(dec(bad[i], b, sizeof(b), &n) == -1,
		    "accepted \"%s\"", bad[i]);
		/* Nothing written on failure. */
		ck_assert_uint_eq(b[0], 0xee);
		ck_assert_uint_eq(n, 77);
	}
	/* Output longer than cap. */
	ck_assert_int_eq(dec("010203040506070809", b, 8, &n), -1);
	ck_assert_int_eq(dec("00", b, 0, &n), -1);
	/* An embedded NUL inside slen. */
	ck_assert_int_eq(hex_decode("00\0000", 4, b, sizeof(b), &n), -1);
	ck_assert_int_eq(hex_decode(NULL, 0, b, sizeof(b), &n), -1);
	/* Every byte value that is not a hex digit is rejected. */
	for (i = 1; i < 256; i++) {
		char	s[3] = { '0', (char)i, '\0' };
		int	ok = (i >= '0' && i <= '9') || (i >= 'a' && i <= 'f') ||
			    (i >= 'A' && i <= 'F') ||
			    i == 'x' || i == 'X';	/* "0x": empty */

		ck_assert_int_eq(hex_decode(s, 2, b, sizeof(b), &n),
		    (ok ? 0 : -1));
	}
}
END_TEST

START_TEST(test_encode)
{
	uint8_t	 all[256], back[256];
	char	 out[2 * 256 + 3], *a;
	size_t	 n;
	int	 i;

	ck_assert_str_eq(hex_encode(NULL, 0, out, 0), "");
	ck_assert_str_eq(hex_encode(NULL, 0, out, 1), "0x");
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	ck_assert_ptr_eq(hex_encode(all, 3, out, 1), out);
	ck_assert_str_eq(out, "0x000102");
	hex_encode(all + 250, 6, out, 0);
	ck_assert_str_eq(out, "fafbfcfdfeff");
	hex_encode(all, 256, out, 0);
	ck_assert_uint_eq(strlen(out), 512);
	ck_assert_int_eq(dec(out, back, sizeof(back), &n), 0);
	ck_assert_uint_eq(n, 256);
	ck_assert_mem_eq(all, back, 256);
	ck_assert_ptr_nonnull(a = hex_encode_alloc(all + 0xde, 2, 1));
	ck_assert_str_eq(a, "0xdedf");
	free(a);
	ck_assert_ptr_nonnull(a = hex_encode_alloc(NULL, 0, 0));
	ck_assert_str_eq(a, "");
	free(a);
	/* Absurd sizes fail cleanly instead of overflowing. */
	ck_assert_ptr_null(hex_encode_alloc(all, SIZE_MAX / 2, 0));
}
END_TEST


/* Every hex field of ethers hashes.json decodes and re-encodes exactly. */
START_TEST(test_ethers_roundtrip)
{
	static const char	*fields[] = { "data", "sha256", "sha512",
	    "ripemd160", "keccak256" };
	const char		*p = tu_shared("vectors/ethers/hashes.json.gz");
	char			*txt, *enc;
	cJSON			*root, *it, *f;
	uint8_t			*b;
	size_t			 sl, n, k;
	int			 cases = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(it, root) {
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			f = cJSON_GetObjectItem(it, fields[k]);
			ck_assert(cJSON_IsString(f));
			sl = strlen(f->valuestring);
			ck_assert_ptr_nonnull(b = malloc(sl / 2 + 1));
			ck_assert_int_eq(hex_decode(f->valuestring, sl, b,
			    sl / 2, &n), 0);
			ck_assert_uint_eq(n, (sl - 2) / 2);
			ck_assert_ptr_nonnull(enc = hex_encode_alloc(b, n, 1));
			ck_assert_str_eq(enc, f->valuestring);
			/* One byte short of room fails. */
			if (n > 0)
				ck_assert_int_eq(hex_decode(f->valuestring, sl,
				    b, n - 1, &n), -1);
			free(enc);
			free(b);
			cases++;
		}
	}
	cJSON_Delete(root);
	ck_assert_int_eq(cases, 257 * 5);
	fprintf(stderr, "check_hex: ethers hashes %d hex strings round-tripped\n",
	    cases);
}
END_TEST

static Suite *
hex_suite(void)
{
	Suite	*s = suite_create("hex");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_decode_ok);
	tcase_add_test(tc, test_decode_bad);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_ethers_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hex_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
