/*
 * check_addr.c: addresses and EIP-55 checksums against the ethers.js
 * accounts cases, ethereum/tests keyaddrtest.json and the examples in
 * EIP-55. The public keys for addr_from_pubkey come from libsecp256k1
 * directly (the project's own wrapper is tested in check_secp).
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <secp256k1.h>

#include "addr.h"
#include "hex.h"
#include "testutil.h"


/* Public key X || Y of a 32-byte private key (hex), via libsecp256k1. */
static void
pubkey_of(secp256k1_context *ctx, const char *keyhex, uint8_t xy[64])
{
	uint8_t			key[32], ser[65];
	size_t			n, sl = 65;
	secp256k1_pubkey	pk;

	ck_assert_int_eq(hex_decode(keyhex, strlen(keyhex), key, 32, &n), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_int_eq(secp256k1_ec_pubkey_create(ctx, &pk, key), 1);
	ck_assert_int_eq(secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pk,
	    SECP256K1_EC_UNCOMPRESSED), 1);
	ck_assert_uint_eq(sl, 65);
	ck_assert_uint_eq(ser[0], 0x04);
	memcpy(xy, ser + 1, 64);
}

/* Parse checks for one checksummed address text. */
static void
check_checksummed(const char *cs)
{
	char		s[ADDR_STR_MAX], out[ADDR_STR_MAX];
	struct addr	a, b;
	int		i, lower, upper;

	ck_assert_uint_eq(strlen(cs), 42);
	ck_assert_msg(addr_parse(&a, cs) == 0, "rejected %s", cs);
	ck_assert_str_eq(addr_format(&a, out), cs);
	/* All lower and all upper case carry no checksum: accepted. */
	for (i = 0; i < 43; i++)
		s[i] = (char)(i < 2 ? cs[i] : tolower((unsigned char)cs[i]));
	ck_assert_int_eq(addr_parse(&b, s), 0);
	ck_assert(addr_eq(&a, &b));
	ck_assert_str_eq(addr_format_lower(&a, out), s);
	for (i = 2; i < 42; i++)
		s[i] = (char)toupper((unsigned char)cs[i]);
	ck_assert_int_eq(addr_parse(&b, s), 0);
	ck_assert(addr_eq(&a, &b));
	/* Flip the case of each letter in turn: a mixed-case result must
	 * fail the checksum. */
	for (i = 2; i < 42; i++) {
		if (!isalpha((unsigned char)cs[i]))
			continue;
		memcpy(s, cs, 43);
		s[i] = (char)(islower((unsigned char)s[i]) ?
		    toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
		lower = strpbrk(s + 2, "abcdef") != NULL;
		upper = strpbrk(s + 2, "ABCDEF") != NULL;
		b.b[0] = 0x5a;
		if (lower && upper) {
			ck_assert_msg(addr_parse(&b, s) == -1, "accepted %s", s);
			ck_assert_uint_eq(b.b[0], 0x5a);
		} else
			ck_assert_int_eq(addr_parse(&b, s), 0);
	}
}

START_TEST(test_ethers_accounts)
{
	const char		*p = tu_shared("vectors/ethers/accounts.json.gz");
	char			*txt, out[ADDR_STR_MAX];
	cJSON			*root, *it, *ad, *pk;
	secp256k1_context	*ctx;
	uint8_t			 xy[64];
	struct addr		 a, b;
	int			 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	ck_assert_ptr_nonnull(ctx = secp256k1_context_create(
	    SECP256K1_CONTEXT_NONE));
	cJSON_ArrayForEach(it, root) {
		ad = cJSON_GetObjectItem(it, "address");
		pk = cJSON_GetObjectItem(it, "privateKey");
		ck_assert(cJSON_IsString(ad) && cJSON_IsString(pk));
		check_checksummed(ad->valuestring);
		ck_assert_int_eq(addr_parse(&a, ad->valuestring), 0);
		pubkey_of(ctx, pk->valuestring, xy);
		addr_from_pubkey(&b, xy);
		ck_assert(addr_eq(&a, &b));
		ck_assert_str_eq(addr_format(&b, out), ad->valuestring);
		n++;
	}
	secp256k1_context_destroy(ctx);
	cJSON_Delete(root);
	ck_assert_int_eq(n, 259);
	fprintf(stderr, "check_addr: ethers accounts %d cases (checksum and "
	    "key to address)\n", n);
}
END_TEST

START_TEST(test_keyaddrtest)
{
	const char		*p = tu_shared(
	    "vectors/ethereum-tests/BasicTests/keyaddrtest.json");
	char			*txt, s[ADDR_STR_MAX], out[ADDR_STR_MAX];
	cJSON			*root, *it, *ad, *key;
	secp256k1_context	*ctx;
	uint8_t			 xy[64];
	struct addr		 a, b;
	int			 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_file(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	ck_assert_ptr_nonnull(ctx = secp256k1_context_create(
	    SECP256K1_CONTEXT_NONE));
	cJSON_ArrayForEach(it, root) {
		ad = cJSON_GetObjectItem(it, "addr");
		key = cJSON_GetObjectItem(it, "key");
		ck_assert(cJSON_IsString(ad) && cJSON_IsString(key));
		/* Bare hex there: not an address text without "0x". */
		ck_assert_int_eq(addr_parse(&a, ad->valuestring), -1);
		snprintf(s, sizeof(s), "0x%s", ad->valuestring);
		ck_assert_int_eq(addr_parse(&a, s), 0);
		ck_assert_str_eq(addr_format_lower(&a, out), s);
		pubkey_of(ctx, key->valuestring, xy);
		addr_from_pubkey(&b, xy);
		ck_assert(addr_eq(&a, &b));
		check_checksummed(addr_format(&a, out));
		n++;
	}
	secp256k1_context_destroy(ctx);
	cJSON_Delete(root);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* The examples given in EIP-55 itself. */
START_TEST(test_eip55_examples)
{
	static const char	*ex[] = {
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
		NULL };
	int			 i;

	for (i = 0; ex[i] != NULL; i++)
		check_checksummed(ex[i]);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char	*bad[] = {
		"",
		"0x",
		"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",	/* no 0x */
		"0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",	/* 0X */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",	/* 39 */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",	/* 41 */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",	/* g */
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae ",
		" 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\n",
		"0x0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea",
		"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",	/* checksum */
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",	/* checksum */
		"0x" "000000000000000000000000000000000000000000",	/* 42 */
		NULL };
	struct addr		 a;
	int			 i;

	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(addr_parse(&a, bad[i]) == -1, "accepted \"%s\"",
		    bad[i]);
	ck_assert_int_eq(addr_parse(&a, NULL), -1);
	ck_assert_int_eq(addr_parse_n(&a, NULL, 42), -1);
	/* addr_parse_n takes exactly slen bytes. */
	ck_assert_int_eq(addr_parse_n(&a,
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedXYZ", 42), 0);
	ck_assert_int_eq(addr_parse_n(&a,
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 41), -1);
}
END_TEST

START_TEST(test_misc)
{
	struct addr	a, b;
	char		out[ADDR_STR_MAX];

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(addr_is_zero(&a), 1);
	ck_assert_str_eq(addr_format(&a, out),
	    "0x0000000000000000000000000000000000000000");
	ck_assert_int_eq(addr_parse(&b, out), 0);
	ck_assert(addr_eq(&a, &b));
	b.b[19] = 1;
	ck_assert_int_eq(addr_is_zero(&b), 0);
	ck_assert_int_eq(addr_eq(&a, &b), 0);
	ck_assert_int_eq(addr_cmp(&a, &b), -1);
	ck_assert_int_eq(addr_cmp(&b, &a), 1);
	ck_assert_int_eq(addr_cmp(&b, &b), 0);
	a.b[0] = 1;
	ck_assert_int_eq(addr_cmp(&a, &b), 1);	/* byte order, not value */
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_ethers_accounts);
	tcase_add_test(tc, test_keyaddrtest);
	tcase_add_test(tc, test_eip55_examples);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_misc);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(addr_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
