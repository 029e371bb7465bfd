/*
 * check_rlp.c: RLP encoder and strict decoder against ethereum/tests
 * RLPTests (valid and invalid) and the ethers.js rlp cases, plus
 * canonical-form, depth and mutation tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "hex.h"
#include "rlp.h"
#include "testutil.h"

/* tu_unhex, failing the test on bad hex. */
static uint8_t *
unhex(const char *s, size_t *n)
{
	uint8_t	*b = tu_unhex(s, n);

	ck_assert_msg(b != NULL, "hex %s", s);
	return b;
}


/*
 * The raw bytes of the JSON string value of "in" in test name: cJSON
 * cuts strings at "\u0000", which rlptest.json uses. Handles the escapes
 * JSON has; code points are written as UTF-8.
 */
static size_t
raw_in_string(const char *txt, const char *name, uint8_t *out, size_t cap)
{
	char		 key[256];
	const char	*p;
	size_t		 n = 0;
	unsigned	 cp;

	snprintf(key, sizeof(key), "\"%s\"", name);
	ck_assert_ptr_nonnull(p = strstr(txt, key));
	ck_assert_ptr_nonnull(p = strstr(p, "\"in\""));
	p += 4;
	while (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')
		p++;
	ck_assert_int_eq(*p, '"');
	p++;
	while (*p != '"') {
		ck_assert_uint_lt(n + 4, cap);
		if (*p != '\\') {
			out[n++] = (uint8_t)*p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'u':
			ck_assert_int_eq(sscanf(p + 1, "%4x", &cp), 1);
			p += 4;
			if (cp < 0x80)
				out[n++] = (uint8_t)cp;
			else if (cp < 0x800) {
				out[n++] = (uint8_t)(0xc0 | cp >> 6);
				out[n++] = (uint8_t)(0x80 | (cp & 0x3f));
			} else {
				out[n++] = (uint8_t)(0xe0 | cp >> 12);
				out[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				out[n++] = (uint8_t)(0x80 | (cp & 0x3f));
			}
			break;
		default: out[n++] = (uint8_t)*p; break;
		}
		p++;
	}
	return n;
}

/* Decimal text to big-endian bytes (any size up to 64 bytes). */
static size_t
dec_to_be(const char *s, uint8_t out[64])
{
	int	i, c;

	memset(out, 0, 64);
	for (; *s; s++) {
		ck_assert(*s >= '0' && *s <= '9');
		c = *s - '0';
		for (i = 63; i >= 0; i--) {
			c += out[i] * 10;
			out[i] = (uint8_t)(c & 0xff);
			c >>= 8;
		}
		ck_assert_int_eq(c, 0);
	}
	return 64;
}

/* Big-endian bytes without leading zeros: pointer into b, length in *n. */
static const uint8_t *
strip(const uint8_t *b, size_t len, size_t *n)
{
	while (len > 0 && *b == 0) {
		b++;
		len--;
	}
	*n = len;
	return b;
}

/* rlptest.json: encode a JSON value (strings bytes, "#" big ints). */
static void
encode_json(struct rlp_buf *b, const cJSON *v)
{
	const cJSON	*c;
	uint8_t		 be[64];
	size_t		 mark;

	if (cJSON_IsArray(v)) {
		mark = rlp_list_begin(b);
		cJSON_ArrayForEach(c, v)
			encode_json(b, c);
		ck_assert_int_eq(rlp_list_end(b, mark), 0);
	} else if (cJSON_IsNumber(v)) {
		ck_assert(v->valuedouble >= 0 && v->valuedouble < 9e15);
		ck_assert_int_eq(rlp_encode_u64(b, (uint64_t)v->valuedouble), 0);
	} else if (cJSON_IsString(v) && v->valuestring[0] == '#') {
		dec_to_be(v->valuestring + 1, be);
		ck_assert_int_eq(rlp_encode_uint_be(b, be, sizeof(be)), 0);
	} else {
		ck_assert(cJSON_IsString(v));
		ck_assert_int_eq(rlp_encode_string(b, v->valuestring), 0);
	}
}

/* Check that a decoded item matches the JSON value it was made from. */
static void
match_json(const struct rlp_item *it, const cJSON *v)
{
	struct rlp_iter	 iter;
	struct rlp_item	 c;
	const cJSON	*jc;
	uint8_t		 be[64];
	const uint8_t	*s;
	uint64_t	 x;
	u256		 u, w;
	size_t		 n;

	if (cJSON_IsArray(v)) {
		ck_assert_int_eq(it->kind, RLP_LIST);
		ck_assert_int_eq(rlp_list_count(it), cJSON_GetArraySize(v));
		ck_assert_int_eq(rlp_iter_init(&iter, it), 0);
		cJSON_ArrayForEach(jc, v) {
			ck_assert_int_eq(rlp_iter_next(&iter, &c), 1);
			match_json(&c, jc);
		}
		ck_assert_int_eq(rlp_iter_next(&iter, &c), 0);
	} else if (cJSON_IsNumber(v)) {
		ck_assert_int_eq(rlp_item_u64(it, &x), 0);
		ck_assert_uint_eq(x, (uint64_t)v->valuedouble);
	} else if (v->valuestring[0] == '#') {
		dec_to_be(v->valuestring + 1, be);
		s = strip(be, sizeof(be), &n);
		ck_assert_int_eq(it->kind, RLP_BYTES);
		ck_assert_uint_eq(it->len, n);
		ck_assert_mem_eq(it->ptr, s, n);
		if (n <= 32) {
			ck_assert_int_eq(rlp_item_u256(it, &u), 0);
			ck_assert_int_eq(u256_from_be(&w, s, n), 0);
			ck_assert_int_eq(u256_cmp(&u, &w), 0);
		} else
			ck_assert_int_eq(rlp_item_u256(it, &u), -1);
	} else {
		ck_assert_int_eq(it->kind, RLP_BYTES);
		ck_assert_uint_eq(it->len, strlen(v->valuestring));
		ck_assert_mem_eq(it->ptr, v->valuestring, it->len);
	}
}

/* Re-encode a decoded tree: canonical input must come back unchanged. */
static void
reencode(struct rlp_buf *b, const struct rlp_item *it)
{
	struct rlp_iter	iter;
	struct rlp_item	c;
	size_t		mark;
	int		r;

	if (it->kind == RLP_BYTES) {
		ck_assert_int_eq(rlp_encode_bytes(b, it->ptr, it->len), 0);
		return;
	}
	mark = rlp_list_begin(b);
	ck_assert_int_eq(rlp_iter_init(&iter, it), 0);
	while ((r = rlp_iter_next(&iter, &c)) == 1)
		reencode(b, &c);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(rlp_list_end(b, mark), 0);
}

START_TEST(test_rlptest_json)
{
	const char	*p = tu_shared("vectors/ethereum-tests/RLPTests/rlptest.json");
	char		*txt;
	cJSON		*root, *tc, *in, *out;
	struct rlp_buf	 b, rb;
	struct rlp_item	 it;
	uint8_t		*want, raw[4096];
	size_t		 wlen, rawn;
	int		 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_file(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	cJSON_ArrayForEach(tc, root) {
		in = cJSON_GetObjectItem(tc, "in");
		out = cJSON_GetObjectItem(tc, "out");
		ck_assert(in != NULL && cJSON_IsString(out));
		want = unhex(out->valuestring, &wlen);
		rlp_buf_init(&b);
		if (cJSON_IsString(in) && in->valuestring[0] != '#') {
			/* Top-level strings from the raw text (\u0000). */
			rawn = raw_in_string(txt, tc->string, raw, sizeof(raw));
			ck_assert_int_eq(rlp_encode_bytes(&b, raw, rawn), 0);
		} else
			encode_json(&b, in);
		ck_assert(!rlp_buf_error(&b));
		ck_assert_msg(b.len == wlen && memcmp(b.data, want, wlen) == 0,
		    "encode %s", tc->string);
		/* Decode it back and compare with the input. */
		ck_assert_msg(rlp_decode(want, wlen, &it) == 0, "decode %s",
		    tc->string);
		ck_assert_ptr_eq(it.raw, want);
		ck_assert_uint_eq(it.rawlen, wlen);
		if (cJSON_IsString(in) && in->valuestring[0] != '#') {
			ck_assert_int_eq(it.kind, RLP_BYTES);
			ck_assert_uint_eq(it.len, rawn);
			ck_assert_mem_eq(it.ptr, raw, rawn);
		} else
			match_json(&it, in);
		rlp_buf_init(&rb);
		reencode(&rb, &it);
		ck_assert_uint_eq(rb.len, wlen);
		ck_assert_mem_eq(rb.data, want, wlen);
		rlp_buf_free(&rb);
		rlp_buf_free(&b);
		free(want);
		n++;
	}
	cJSON_Delete(root);
	free(txt);
	ck_assert_int_eq(n, 28);
	fprintf(stderr, "check_rlp: rlptest.json %d cases encoded and "
	    "decoded\n", n);
}
END_TEST

START_TEST(test_invalid_rlp_json)
{
	const char	*p = tu_shared(
	    "vectors/ethereum-tests/RLPTests/invalidRLPTest.json");
	char		*txt;
	cJSON		*root, *tc, *out;
	struct rlp_item	 it;
	uint8_t		*b;
	size_t		 n;
	int		 cases = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_file(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(tc, root) {
		out = cJSON_GetObjectItem(tc, "out");
		ck_assert(cJSON_IsString(out));
		b = unhex(out->valuestring, &n);
		ck_assert_msg(rlp_decode(b, n, &it) == -1, "accepted %s",
		    tc->string);
		free(b);
		cases++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(cases, 26);
	fprintf(stderr, "check_rlp: invalidRLPTest.json %d cases rejected\n",
	    cases);
}
END_TEST

/* ethers: "decoded" is nested arrays of hex strings. */
static void
encode_hexjson(struct rlp_buf *b, const cJSON *v)
{
	const cJSON	*c;
	uint8_t		*d;
	size_t		 n, mark;

	if (cJSON_IsArray(v)) {
		mark = rlp_list_begin(b);
		cJSON_ArrayForEach(c, v)
			encode_hexjson(b, c);
		ck_assert_int_eq(rlp_list_end(b, mark), 0);
		return;
	}
	ck_assert(cJSON_IsString(v));
	d = unhex(v->valuestring, &n);
	ck_assert_int_eq(rlp_encode_bytes(b, d, n), 0);
	free(d);
}

static void
match_hexjson(const struct rlp_item *it, const cJSON *v)
{
	struct rlp_iter	 iter;
	struct rlp_item	 c;
	const cJSON	*jc;
	uint8_t		*d;
	size_t		 n;

	if (cJSON_IsArray(v)) {
		ck_assert_int_eq(it->kind, RLP_LIST);
		ck_assert_int_eq(rlp_iter_init(&iter, it), 0);
		cJSON_ArrayForEach(jc, v) {
			ck_assert_int_eq(rlp_iter_next(&iter, &c), 1);
			match_hexjson(&c, jc);
		}
		ck_assert_int_eq(rlp_iter_next(&iter, &c), 0);
		return;
	}
	d = unhex(v->valuestring, &n);
	ck_assert_int_eq(it->kind, RLP_BYTES);
	ck_assert_uint_eq(it->len, n);
	if (n > 0)
		ck_assert_mem_eq(it->ptr, d, n);
	free(d);
}

START_TEST(test_ethers_rlp)
{
	const char	*p = tu_shared("vectors/ethers/rlp.json.gz");
	char		*txt;
	cJSON		*root, *tc, *dec, *enc;
	struct rlp_buf	 b;
	struct rlp_item	 it;
	uint8_t		*want;
	size_t		 wlen;
	int		 n = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(tc, root) {
		dec = cJSON_GetObjectItem(tc, "decoded");
		enc = cJSON_GetObjectItem(tc, "encoded");
		ck_assert(dec != NULL && cJSON_IsString(enc));
		want = unhex(enc->valuestring, &wlen);
		rlp_buf_init(&b);
		encode_hexjson(&b, dec);
		ck_assert(!rlp_buf_error(&b));
		ck_assert_uint_eq(b.len, wlen);
		ck_assert_mem_eq(b.data, want, wlen);
		ck_assert_int_eq(rlp_decode(want, wlen, &it), 0);
		match_hexjson(&it, dec);
		/* Any trailing byte is rejected. */
		ck_assert_int_eq(rlp_decode(b.data, b.len, &it), 0);
		ck_assert_int_eq(rlp_encode_raw(&b, "\x00", 1), 0);
		ck_assert_int_eq(rlp_decode(b.data, b.len, &it), -1);
		/* Any truncation is rejected. */
		ck_assert_int_eq(rlp_decode(want, wlen - 1, &it), -1);
		rlp_buf_free(&b);
		free(want);
		n++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(n, 61);
	fprintf(stderr, "check_rlp: ethers rlp.json %d cases encoded and "
	    "decoded\n", n);
}
END_TEST

static void
enc_eq(struct rlp_buf *b, const char *hex)
{
	char	*h = hex_encode_alloc(b->data, b->len, 0);

	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h, hex);
	free(h);
	rlp_buf_reset(b);
}

START_TEST(test_encode_ints)
{
	struct rlp_buf	b;
	u256		u;
	uint8_t		be[4] = { 0, 0, 0, 0 };

	rlp_buf_init(&b);
	rlp_encode_u64(&b, 0);
	enc_eq(&b, "80");
	rlp_encode_u64(&b, 0x7f);
	enc_eq(&b, "7f");
	rlp_encode_u64(&b, 0x80);
	enc_eq(&b, "8180");
	rlp_encode_u64(&b, 0x0400);
	enc_eq(&b, "820400");
	rlp_encode_u64(&b, UINT64_MAX);
	enc_eq(&b, "88ffffffffffffffff");
	u = u256_from_u64(0);
	rlp_encode_u256(&b, &u);
	enc_eq(&b, "80");
	u = u256_from_u64(1);
	rlp_encode_u256(&b, &u);
	enc_eq(&b, "01");
	ck_assert_int_eq(u256_from_hex(&u, "0x1000000000000000000000000"), 0);
	rlp_encode_u256(&b, &u);
	enc_eq(&b, "8d01000000000000000000000000");
	rlp_encode_uint_be(&b, be, sizeof(be));	/* all zeros: zero */
	enc_eq(&b, "80");
	rlp_encode_uint_be(&b, be, 0);
	enc_eq(&b, "80");
	rlp_buf_free(&b);
}
END_TEST

START_TEST(test_encode_strings_lists)
{
	struct rlp_buf	 b;
	struct rlp_item	 it, c;
	struct rlp_iter	 iter;
	uint8_t		*big;
	size_t		 m1, m2, sizes[] = { 55, 56, 255, 256, 65535, 65536,
			    1 << 20 }, i, hl;

	rlp_buf_init(&b);
	rlp_encode_bytes(&b, "", 0);
	enc_eq(&b, "80");
	rlp_encode_bytes(&b, "\x80", 1);
	enc_eq(&b, "8180");
	rlp_encode_bytes(&b, "\x00", 1);
	enc_eq(&b, "00");
	/* Nested and empty lists. */
	m1 = rlp_list_begin(&b);
	m2 = rlp_list_begin(&b);
	ck_assert_int_eq(rlp_list_end(&b, m2), 0);
	rlp_encode_string(&b, "a");
	ck_assert_int_eq(rlp_list_end(&b, m1), 0);
	enc_eq(&b, "c2c061");
	/* Long strings and lists: the length's byte count in the header. */
	ck_assert_ptr_nonnull(big = malloc(1 << 20));
	memset(big, 0xab, 1 << 20);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		rlp_encode_bytes(&b, big, sizes[i]);
		hl = sizes[i] < 56 ? 1 : sizes[i] < 256 ? 2 :
		    sizes[i] < 65536 ? 3 : 4;
		ck_assert_uint_eq(b.len, hl + sizes[i]);
		ck_assert_uint_eq(b.data[0], sizes[i] < 56 ?
		    0x80 + sizes[i] : 0xb7 + hl - 1);
		ck_assert_int_eq(rlp_decode(b.data, b.len, &it), 0);
		ck_assert_uint_eq(it.len, sizes[i]);
		ck_assert_ptr_eq(it.ptr, b.data + hl);
		/* The same payload as a list of raw single bytes. */
		rlp_buf_reset(&b);
		m1 = rlp_list_begin(&b);
		memset(big, 0x01, sizes[i]);
		rlp_encode_raw(&b, big, sizes[i]);
		ck_assert_int_eq(rlp_list_end(&b, m1), 0);
		ck_assert_uint_eq(b.data[0], sizes[i] < 56 ?
		    0xc0 + sizes[i] : 0xf7 + hl - 1);
		ck_assert_int_eq(rlp_decode(b.data, b.len, &it), 0);
		ck_assert_int_eq(rlp_list_count(&it), (int)sizes[i]);
		ck_assert_int_eq(rlp_iter_init(&iter, &it), 0);
		ck_assert_int_eq(rlp_iter_next(&iter, &c), 1);
		ck_assert(c.kind == RLP_BYTES && c.len == 1 && c.ptr[0] == 1);
		memset(big, 0xab, sizes[i]);
		rlp_buf_reset(&b);
	}
	free(big);
	/* A mark beyond the end is a caller bug: sticky error. */
	rlp_encode_u64(&b, 1);
	ck_assert_int_eq(rlp_list_end(&b, b.len + 1), -1);
	ck_assert(rlp_buf_error(&b));
	ck_assert_int_eq(rlp_encode_u64(&b, 1), -1);
	rlp_buf_reset(&b);
	ck_assert(!rlp_buf_error(&b));
	rlp_buf_free(&b);
	rlp_buf_free(&b);	/* twice is harmless */
}
END_TEST

static int
dec_hex(const char *hex, struct rlp_item *it)
{
	uint8_t	b[512];
	size_t	n;

	ck_assert_int_eq(hex_decode(hex, strlen(hex), b, sizeof(b), &n), 0);
	return rlp_decode(b, n, it);
}

START_TEST(test_decode_bad)
{
	static const char	*bad[] = {
		"",		/* nothing */
		"8100",		/* single byte < 0x80 in long form */
		"817f",
		"b800",		/* long form, zero length */
		"b83700",	/* long form for 55 */
		"b90000",	/* leading zero in length */
		"b90037" "00",	/* leading zero and short */
		"c1",		/* list overruns */
		"c2c1",		/* child list overruns parent */
		"c3830001",	/* child overruns list */
		"c180",		/* ok item... */
		"82",		/* string overruns */
		"8201",
		"0000",		/* trailing byte */
		"c0c0",		/* two top-level items */
		"f800",		/* long list, zero length */
		"f8378080",	/* long list for short payload */
		"c28100",	/* bad child inside a list */
		"c4c28100",	/* bad grandchild */
		"bf0f000000000000021111",	/* absurd length */
		"bfffffffffffffffff",		/* length 2^64 - 1 */
		NULL };
	struct rlp_item		 it;
	int			 i;

	for (i = 0; bad[i] != NULL; i++) {
		if (strcmp(bad[i], "c180") == 0) {
			ck_assert_int_eq(dec_hex(bad[i], &it), 0);
			continue;
		}
		ck_assert_msg(dec_hex(bad[i], &it) == -1, "accepted %s",
		    bad[i]);
	}
	ck_assert_int_eq(rlp_decode(NULL, 0, &it), -1);
}
END_TEST

START_TEST(test_decode_ints)
{
	struct rlp_item	it;
	uint64_t	x;
	u256		u;
	char		hex[100];

	ck_assert_int_eq(dec_hex("80", &it), 0);
	ck_assert_int_eq(rlp_item_u64(&it, &x), 0);
	ck_assert_uint_eq(x, 0);
	ck_assert_int_eq(dec_hex("00", &it), 0);	/* valid bytes ... */
	ck_assert_int_eq(rlp_item_u64(&it, &x), -1);	/* ... not an int */
	ck_assert_int_eq(rlp_item_u256(&it, &u), -1);
	ck_assert_int_eq(dec_hex("820001", &it), 0);
	ck_assert_int_eq(rlp_item_u64(&it, &x), -1);	/* leading zero */
	ck_assert_int_eq(rlp_item_u256(&it, &u), -1);
	ck_assert_int_eq(dec_hex("88ffffffffffffffff", &it), 0);
	ck_assert_int_eq(rlp_item_u64(&it, &x), 0);
	ck_assert_uint_eq(x, UINT64_MAX);
	ck_assert_int_eq(dec_hex("89010000000000000000", &it), 0);
	ck_assert_int_eq(rlp_item_u64(&it, &x), -1);	/* too big */
	ck_assert_int_eq(rlp_item_u256(&it, &u), 0);
	ck_assert(u.w[0] == 0 && u.w[1] == 1);
	snprintf(hex, sizeof(hex), "a0%064x", 0);
	hex[2] = 'f';
	ck_assert_int_eq(dec_hex(hex, &it), 0);
	ck_assert_int_eq(rlp_item_u256(&it, &u), 0);
	snprintf(hex, sizeof(hex), "a101%064x", 0);
	ck_assert_int_eq(dec_hex(hex, &it), 0);
	ck_assert_int_eq(rlp_item_u256(&it, &u), -1);	/* 33 bytes */
	ck_assert_int_eq(dec_hex("c0", &it), 0);
	ck_assert_int_eq(rlp_item_u64(&it, &x), -1);	/* a list */
	ck_assert_int_eq(rlp_list_count(&it), 0);
	ck_assert_int_eq(dec_hex("83646f67", &it), 0);
	ck_assert_int_eq(rlp_list_count(&it), -1);	/* not a list */
	{
		struct rlp_iter	iter;

		ck_assert_int_eq(rlp_iter_init(&iter, &it), -1);
	}
}
END_TEST

START_TEST(test_depth)
{
	uint8_t		b[64];
	struct rlp_item	it;
	size_t		used;
	int		i;

	/* RLP_MAX_DEPTH nested empty lists are fine, one more is not. */
	for (i = 0; i < RLP_MAX_DEPTH; i++)
		b[i] = (uint8_t)(0xc0 + RLP_MAX_DEPTH - 1 - i);
	ck_assert_int_eq(rlp_decode(b, RLP_MAX_DEPTH, &it), 0);
	for (i = 0; i < RLP_MAX_DEPTH + 1; i++)
		b[i] = (uint8_t)(0xc0 + RLP_MAX_DEPTH - i);
	ck_assert_int_eq(rlp_decode(b, RLP_MAX_DEPTH + 1, &it), -1);
	/* Prefix decoding reports the size and ignores what follows. */
	b[0] = 0x82;
	b[1] = 0xaa;
	b[2] = 0xbb;
	b[3] = 0xff;
	ck_assert_int_eq(rlp_decode_prefix(b, 4, &it, &used), 0);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(rlp_decode(b, 4, &it), -1);
	ck_assert_int_eq(rlp_decode(b, 3, &it), 0);
	ck_assert_int_eq(rlp_decode_prefix(b, 2, &it, &used), -1);
}
END_TEST

/*
 * Mutations of valid encodings: the decoder must never crash, and
 * whatever it accepts must be canonical, i.e. re-encode to the same
 * bytes.
 */
START_TEST(test_mutations)
{
	static const char	*seeds[] = { "c6827a77c10401",
	    "f840cf84617364668471776572847a786376cf8461736466847177657284"
	    "7a786376cf84617364668471776572847a786376cf846173646684717765"
	    "72847a786376",
	    "c7c0c1c0c3c0c1c0", "b8384c6f72656d20697073756d20646f6c6f72207369"
	    "7420616d65742c20636f6e7365637465747572206164697069736963696e6720"
	    "656c6974", "8f102030405060708090a0b0c0d0e0f2", NULL };
	uint64_t		 s = 88172645463325252ULL;
	uint8_t			 seed[256], m[256];
	size_t			 n, len;
	struct rlp_item		 it;
	struct rlp_buf		 b;
	int			 i, k, accepted = 0, rejected = 0;

	rlp_buf_init(&b);
	for (i = 0; seeds[i] != NULL; i++) {
		ck_assert_int_eq(hex_decode(seeds[i], strlen(seeds[i]), seed,
		    sizeof(seed), &n), 0);
		for (k = 0; k < 20000; k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			memcpy(m, seed, n);
			len = n;
			m[s % n] = (uint8_t)(s >> 16);
			if ((s >> 24) % 4 == 0)
				m[(s >> 32) % n] ^= (uint8_t)(s >> 40);
			if ((s >> 48) % 8 == 0)
				len = (s >> 52) % (n + 1);
			if (rlp_decode(m, len, &it) == -1) {
				rejected++;
				continue;
			}
			accepted++;
			rlp_buf_reset(&b);
			reencode(&b, &it);
			ck_assert_uint_eq(b.len, len);
			ck_assert_mem_eq(b.data, m, len);
		}
	}
	rlp_buf_free(&b);
	ck_assert_int_gt(accepted, 0);
	ck_assert_int_gt(rejected, 0);
}
END_TEST

static Suite *
rlp_suite(void)
{
	Suite	*s = suite_create("rlp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_rlptest_json);
	tcase_add_test(tc, test_invalid_rlp_json);
	tcase_add_test(tc, test_ethers_rlp);
	tcase_add_test(tc, test_encode_ints);
	tcase_add_test(tc, test_encode_strings_lists);
	tcase_add_test(tc, test_decode_bad);
	tcase_add_test(tc, test_decode_ints);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_mutations);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(rlp_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
