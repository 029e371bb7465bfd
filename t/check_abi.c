/*
 * check_abi.c: ABI encoding and strict decoding against ethereum/tests
 * ABITests and the ethers.js abi cases, the call builders the bot uses,
 * return-data and revert decoding, and malformed data.
 *
 * ethers abi.json has 1,024 cases, one type each. 203 use only the types
 * abi.c implements (uint<N>, address, bool, bytes<N>, bytes, string,
 * uint<N>[], address[], alone or as a flat tuple) and are all run; the
 * other 821 (signed integers, nested tuples, fixed-size arrays, arrays of
 * other types) are skipped and counted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "abi.h"
#include "hex.h"
#include "testutil.h"

#define W	"0000000000000000000000000000000000000000000000000000000000000000"

/* tu_unhex, failing the test on bad hex. */
static uint8_t *
unhex(const char *s, size_t *n)
{
	uint8_t	*b = tu_unhex(s, n);

	ck_assert_msg(b != NULL, "hex %s", s);
	return b;
}

static void
buf_eq(const struct abi_buf *b, const char *hex)
{
	char	*h = hex_encode_alloc(b->data, b->len, 0);

	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h, hex);
	free(h);
}


/* Test-side type model, independent of abi.c's parser. */
struct ttype {
	enum abi_kind	kind;
	unsigned	size;
};

static int
parse_ttype(const char *s, size_t n, struct ttype *t)
{
	int		arr = 0, used = 0;
	unsigned	v;
	char		tmp[64];

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (n > 2 && strcmp(tmp + n - 2, "[]") == 0) {
		arr = 1;
		tmp[n - 2] = '\0';
	}
	t->size = 0;
	if (strcmp(tmp, "address") == 0)
		t->kind = arr ? ABI_ADDRESS_ARRAY : ABI_ADDRESS;
	else if (sscanf(tmp, "uint%u%n", &v, &used) == 1 &&
	    tmp[used] == '\0' && v % 8 == 0 && v >= 8 && v <= 256) {
		t->kind = arr ? ABI_UINT_ARRAY : ABI_UINT;
		t->size = v;
	} else if (arr)
		return -1;
	else if (strcmp(tmp, "bool") == 0)
		t->kind = ABI_BOOL;
	else if (strcmp(tmp, "string") == 0)
		t->kind = ABI_STRING;
	else if (strcmp(tmp, "bytes") == 0)
		t->kind = ABI_BYTES;
	else if (sscanf(tmp, "bytes%u%n", &v, &used) == 1 &&
	    tmp[used] == '\0' && v >= 1 && v <= 32) {
		t->kind = ABI_FIXED_BYTES;
		t->size = v;
	} else
		return -1;
	return 0;
}

static int
is_dyn(enum abi_kind k)
{
	return k == ABI_BYTES || k == ABI_STRING || k == ABI_UINT_ARRAY ||
	    k == ABI_ADDRESS_ARRAY;
}

/* Storage a case's values point into. */
struct hold {
	void	*p[ABI_MAX_ARGS];
	int	 n;
};

static void *
hold(struct hold *h, void *p)
{
	ck_assert_int_lt(h->n, ABI_MAX_ARGS);
	h->p[h->n++] = p;
	return p;
}

static void
hold_free(struct hold *h)
{
	while (h->n > 0)
		free(h->p[--h->n]);
}

/* Build an abi_value from an ethers JSON value. */
static struct abi_value
make_value(const struct ttype *t, const cJSON *j, struct hold *h)
{
	struct abi_value	 v;
	u256			 u, *us;
	struct addr		 a, *as;
	uint8_t			*b;
	size_t			 n, i;
	const cJSON		*e;

	switch (t->kind) {
	case ABI_UINT:
		ck_assert(cJSON_IsString(j));
		ck_assert_int_eq(u256_from_dec(&u, j->valuestring), 0);
		return abi_v_uintn(&u, t->size);
	case ABI_ADDRESS:
		ck_assert(cJSON_IsString(j));
		ck_assert_int_eq(addr_parse(&a, j->valuestring), 0);
		return abi_v_address(&a);
	case ABI_BOOL:
		ck_assert(cJSON_IsBool(j));
		return abi_v_bool(cJSON_IsTrue(j));
	case ABI_FIXED_BYTES:
		b = hold(h, unhex(j->valuestring, &n));
		ck_assert_uint_eq(n, t->size);
		return abi_v_fixed(b, n);
	case ABI_BYTES:
		b = hold(h, unhex(j->valuestring, &n));
		return abi_v_bytes(b, n);
	case ABI_STRING:
		ck_assert(cJSON_IsString(j));
		return abi_v_string(j->valuestring);
	case ABI_UINT_ARRAY:
		n = (size_t)cJSON_GetArraySize(j);
		us = hold(h, calloc(n + 1, sizeof(*us)));
		i = 0;
		cJSON_ArrayForEach(e, j)
			ck_assert_int_eq(u256_from_dec(&us[i++],
			    e->valuestring), 0);
		v = abi_v_uint_array(us, n);
		v.size = t->size;
		return v;
	case ABI_ADDRESS_ARRAY:
		n = (size_t)cJSON_GetArraySize(j);
		as = hold(h, calloc(n + 1, sizeof(*as)));
		i = 0;
		cJSON_ArrayForEach(e, j)
			ck_assert_int_eq(addr_parse(&as[i++], e->valuestring), 0);
		return abi_v_address_array(as, n);
	}
	ck_abort_msg("unreachable");
	return v;
}

/* A decoded value equals the value it was encoded from. */
static void
value_eq(const struct abi_value *d, const struct abi_value *v)
{
	size_t		i;
	u256		u;
	struct addr	a;

	ck_assert_int_eq(d->kind, v->kind);
	ck_assert_uint_eq(d->size, v->size);
	switch (v->kind) {
	case ABI_UINT:
	case ABI_BOOL:
		ck_assert_int_eq(u256_cmp(&d->u, &v->u), 0);
		break;
	case ABI_ADDRESS:
		ck_assert(addr_eq(&d->a, &v->a));
		break;
	case ABI_FIXED_BYTES:
		ck_assert_mem_eq(d->fixed, v->fixed, v->size);
		break;
	case ABI_BYTES:
	case ABI_STRING:
		ck_assert_uint_eq(d->len, v->len);
		if (v->len > 0)
			ck_assert_mem_eq(d->ptr, v->ptr, v->len);
		break;
	case ABI_UINT_ARRAY:
		ck_assert_uint_eq(d->len, v->len);
		for (i = 0; i < v->len; i++) {
			abi_array_uint(d, i, &u);
			ck_assert_int_eq(u256_cmp(&u, &v->uints[i]), 0);
		}
		break;
	case ABI_ADDRESS_ARRAY:
		ck_assert_uint_eq(d->len, v->len);
		for (i = 0; i < v->len; i++) {
			abi_array_address(d, i, &a);
			ck_assert(addr_eq(&a, &v->addrs[i]));
		}
		break;
	}
}

START_TEST(test_ethers_abi)
{
	const char		*p = tu_shared("vectors/ethers/abi.json.gz");
	char			*txt, types[512], *tl;
	cJSON			*root, *it, *ty, *val, *enc, *e;
	struct ttype		 t[ABI_MAX_ARGS];
	struct abi_value	 v[ABI_MAX_ARGS], d[ABI_MAX_ARGS];
	struct abi_buf		 b;
	struct hold		 h = { { NULL }, 0 };
	uint8_t			*want;
	size_t			 wlen, n, i, start, off;
	int			 run = 0, skipped = 0, tuple, dyn, ok;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(it, root) {
		ty = cJSON_GetObjectItem(it, "type");
		val = cJSON_GetObjectItem(it, "value");
		enc = cJSON_GetObjectItem(it, "encoded");
		ck_assert(cJSON_IsString(ty) && val && cJSON_IsString(enc));
		tl = ty->valuestring;
		tuple = tl[0] == '(';
		if (tuple) {
			snprintf(types, sizeof(types), "%s", tl + 1);
			types[strlen(types) - 1] = '\0';
		} else
			snprintf(types, sizeof(types), "%s", tl);
		/* Split and check every component is one we implement
		 * ("(bytes11)[1]" and nested tuples are not). */
		ok = strchr(types, '(') == NULL && strchr(types, ')') == NULL &&
		    types[0] != '\0';
		n = 0;
		for (i = start = 0; ok; i++) {
			if (types[i] != ',' && types[i] != '\0')
				continue;
			if (n == ABI_MAX_ARGS ||
			    parse_ttype(types + start, i - start, &t[n]) == -1)
				ok = 0;
			n++;
			if (types[i] == '\0')
				break;
			start = i + 1;
		}
		if (!ok) {
			skipped++;
			continue;
		}
		dyn = 0;
		i = 0;
		if (tuple) {
			ck_assert_uint_eq((size_t)cJSON_GetArraySize(val), n);
			cJSON_ArrayForEach(e, val) {
				v[i] = make_value(&t[i], e, &h);
				dyn |= is_dyn(t[i].kind);
				i++;
			}
		} else {
			ck_assert_uint_eq(n, 1);
			v[0] = make_value(&t[0], val, &h);
		}
		want = unhex(enc->valuestring, &wlen);
		ck_assert_int_eq(abi_encode(&b, NULL, v, n), 0);
		/* A dynamic struct is itself behind one offset word. */
		off = tuple && dyn ? 32 : 0;
		if (off) {
			static const uint8_t	zero[31];

			ck_assert_uint_ge(wlen, 32);
			ck_assert_mem_eq(want, zero, 31);
			ck_assert_uint_eq(want[31], 0x20);
		}
		ck_assert_msg(b.len == wlen - off &&
		    memcmp(b.data, want + off, b.len) == 0, "encode %s", tl);
		ck_assert_msg(abi_decode(want + off, wlen - off, types, d,
		    ABI_MAX_ARGS) == 0, "decode %s", tl);
		for (i = 0; i < n; i++)
			value_eq(&d[i], &v[i]);
		/* Truncation by one word must fail. */
		ck_assert_int_eq(abi_decode(want + off, wlen - off - 32, types,
		    d, ABI_MAX_ARGS), -1);
		abi_buf_free(&b);
		free(want);
		hold_free(&h);
		run++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(run, 203);
	ck_assert_int_eq(skipped, 821);
	fprintf(stderr, "check_abi: ethers abi %d cases passed, %d skipped "
	    "(unsupported types)\n", run, skipped);
}
END_TEST

START_TEST(test_basic_abi_tests)
{
	const char		*p = tu_shared(
	    "vectors/ethereum-tests/ABITests/basic_abi_tests.json");
	char			*txt, types[256];
	cJSON			*root, *tc, *args, *tys, *res, *e, *a;
	struct ttype		 t[ABI_MAX_ARGS];
	struct abi_value	 v[ABI_MAX_ARGS], d[ABI_MAX_ARGS];
	struct abi_buf		 b;
	struct addr		 ad;
	u256			 us[ABI_MAX_ARGS][8];
	uint8_t			 fb[32], *want;
	size_t			 n, i, k, wlen;
	int			 cases = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_file(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(tc, root) {
		args = cJSON_GetObjectItem(tc, "args");
		tys = cJSON_GetObjectItem(tc, "types");
		res = cJSON_GetObjectItem(tc, "result");
		types[0] = '\0';
		n = 0;
		cJSON_ArrayForEach(e, tys) {
			ck_assert_int_eq(parse_ttype(e->valuestring,
			    strlen(e->valuestring), &t[n]), 0);
			if (n > 0)
				strcat(types, ",");
			strcat(types, e->valuestring);
			a = cJSON_GetArrayItem(args, (int)n);
			switch (t[n].kind) {
			case ABI_UINT:
				us[n][0] = u256_from_u64(
				    (uint64_t)a->valuedouble);
				v[n] = abi_v_uintn(&us[n][0], t[n].size);
				break;
			case ABI_UINT_ARRAY:
				ck_assert_int_le(cJSON_GetArraySize(a), 8);
				for (k = 0; k < (size_t)cJSON_GetArraySize(a);
				    k++)
					us[n][k] = u256_from_u64((uint64_t)
					    cJSON_GetArrayItem(a,
					    (int)k)->valuedouble);
				v[n] = abi_v_uint_array(us[n], k);
				v[n].size = t[n].size;
				break;
			case ABI_ADDRESS:
				ck_assert_int_eq(addr_parse(&ad, a->valuestring),
				    0);
				v[n] = abi_v_address(&ad);
				break;
			case ABI_FIXED_BYTES:
				/* Given as text, as many bytes as the size. */
				ck_assert_uint_eq(strlen(a->valuestring),
				    t[n].size);
				memcpy(fb, a->valuestring, t[n].size);
				v[n] = abi_v_fixed(fb, t[n].size);
				break;
			case ABI_BYTES:
				v[n] = abi_v_bytes(a->valuestring,
				    strlen(a->valuestring));
				break;
			default:
				ck_abort_msg("unexpected type");
			}
			n++;
		}
		want = unhex(res->valuestring, &wlen);
		ck_assert_int_eq(abi_encode(&b, NULL, v, n), 0);
		ck_assert_uint_eq(b.len, wlen);
		ck_assert_mem_eq(b.data, want, wlen);
		ck_assert_int_eq(abi_decode(want, wlen, types, d, ABI_MAX_ARGS),
		    0);
		for (i = 0; i < n; i++)
			value_eq(&d[i], &v[i]);
		abi_buf_free(&b);
		free(want);
		cases++;
	}
	cJSON_Delete(root);
	ck_assert_int_eq(cases, 3);
}
END_TEST

START_TEST(test_selectors)
{
	static const struct { const char *sig, *sel; } s[] = {
		{ "transfer(address,uint256)", "a9059cbb" },
		{ "balanceOf(address)", "70a08231" },
		{ "approve(address,uint256)", "095ea7b3" },
		{ "allowance(address,address)", "dd62ed3e" },
		{ "decimals()", "313ce567" },
		{ "getAmountsOut(uint256,address[])", "d06ca61f" },
		{ "swapExactTokensForTokens(uint256,uint256,address[],address,"
		    "uint256)", "38ed1739" },
		{ "swapExactETHForTokens(uint256,address[],address,uint256)",
		    "7ff36ab5" },
		{ "swapExactTokensForETH(uint256,uint256,address[],address,"
		    "uint256)", "18cbafe5" },
		{ "getReserves()", "0902f1ac" },
		{ "token0()", "0dfe1681" },
		{ "token1()", "d21220a7" },
		{ "Error(string)", "08c379a0" },
		{ "Panic(uint256)", "4e487b71" },
	};
	uint8_t	sel[4];
	char	h[9];
	size_t	i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		abi_selector(s[i].sig, sel);
		ck_assert_str_eq(hex_encode(sel, 4, h, 0), s[i].sel);
	}
}
END_TEST

#define A1	"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
#define A2	"fb6916095ca1df60bb79ce92ce3ea74c37c5d359"
#define A3	"dbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"
#define PAD	"000000000000000000000000"

START_TEST(test_builders)
{
	struct abi_buf	b;
	struct addr	a1, a2, a3, path[3];
	u256		amt, min;

	ck_assert_int_eq(addr_parse(&a1, "0x" A1), 0);
	ck_assert_int_eq(addr_parse(&a2, "0x" A2), 0);
	ck_assert_int_eq(addr_parse(&a3, "0x" A3), 0);
	path[0] = a1;
	path[1] = a2;
	path[2] = a3;
	ck_assert_int_eq(u256_from_dec(&amt, "1000000000000000000"), 0);
	min = u256_from_u64(0x1234);

	ck_assert_int_eq(abi_call_transfer(&b, &a1, &amt), 0);
	buf_eq(&b, "a9059cbb" PAD A1
	    "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_approve(&b, &a2, &amt), 0);
	buf_eq(&b, "095ea7b3" PAD A2
	    "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_balance_of(&b, &a3), 0);
	buf_eq(&b, "70a08231" PAD A3);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_allowance(&b, &a1, &a2), 0);
	buf_eq(&b, "dd62ed3e" PAD A1 PAD A2);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_decimals(&b), 0);
	buf_eq(&b, "313ce567");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_get_reserves(&b), 0);
	buf_eq(&b, "0902f1ac");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_token0(&b), 0);
	buf_eq(&b, "0dfe1681");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_token1(&b), 0);
	buf_eq(&b, "d21220a7");
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_get_amounts_out(&b, &amt, path, 2), 0);
	buf_eq(&b, "d06ca61f"
	    "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
	    "0000000000000000000000000000000000000000000000000000000000000040"
	    "0000000000000000000000000000000000000000000000000000000000000002"
	    PAD A1 PAD A2);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_swap_exact_tokens_for_tokens(&b, &amt, &min,
	    path, 3, &a3, 1700000000), 0);
	buf_eq(&b, "38ed1739"
	    "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
	    "0000000000000000000000000000000000000000000000000000000000001234"
	    "00000000000000000000000000000000000000000000000000000000000000a0"
	    PAD A3
	    "000000000000000000000000000000000000000000000000000000006553f100"
	    "0000000000000000000000000000000000000000000000000000000000000003"
	    PAD A1 PAD A2 PAD A3);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_swap_exact_eth_for_tokens(&b, &min, path, 2,
	    &a3, 1700000000), 0);
	buf_eq(&b, "7ff36ab5"
	    "0000000000000000000000000000000000000000000000000000000000001234"
	    "0000000000000000000000000000000000000000000000000000000000000080"
	    PAD A3
	    "000000000000000000000000000000000000000000000000000000006553f100"
	    "0000000000000000000000000000000000000000000000000000000000000002"
	    PAD A1 PAD A2);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_call_swap_exact_tokens_for_eth(&b, &amt, &min,
	    path + 1, 2, &a1, 1), 0);
	buf_eq(&b, "18cbafe5"
	    "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
	    "0000000000000000000000000000000000000000000000000000000000001234"
	    "00000000000000000000000000000000000000000000000000000000000000a0"
	    PAD A1
	    "0000000000000000000000000000000000000000000000000000000000000001"
	    "0000000000000000000000000000000000000000000000000000000000000002"
	    PAD A2 PAD A3);
	abi_buf_free(&b);
	/* An empty path is still well-formed call data. */
	ck_assert_int_eq(abi_call_get_amounts_out(&b, &amt, NULL, 0), 0);
	ck_assert_uint_eq(b.len, 4 + 3 * 32);
	abi_buf_free(&b);
	abi_buf_free(&b);	/* twice is harmless */
}
END_TEST

START_TEST(test_encode_bad)
{
	struct abi_buf		b;
	struct abi_value	v[ABI_MAX_ARGS + 1];
	struct addr		a;
	u256			u, max;
	uint8_t			big[40];
	int			i;

	memset(&a, 0, sizeof(a));
	memset(big, 0, sizeof(big));
	u = u256_from_u64(256);
	v[0] = abi_v_uintn(&u, 8);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);	/* > uint8 */
	ck_assert_ptr_null(b.data);
	u = u256_from_u64(255);
	v[0] = abi_v_uintn(&u, 8);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), 0);
	abi_buf_free(&b);
	ck_assert_int_eq(u256_from_hex(&max, "0x10000000000000000000000000000"),
	    0);
	v[0] = abi_v_uintn(&max, 112);				/* 2^112 */
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_uintn(&u, 7);				/* bad width */
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_uintn(&u, 264);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_bool(1);
	v[0].u = u256_from_u64(2);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_fixed(big, 33);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_fixed(big, 0);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	v[0] = abi_v_bytes(NULL, 5);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 1), -1);
	for (i = 0; i < ABI_MAX_ARGS + 1; i++)
		v[i] = abi_v_u64(1);
	ck_assert_int_eq(abi_encode(&b, NULL, v, ABI_MAX_ARGS + 1), -1);
	ck_assert_int_eq(abi_encode(&b, NULL, v, ABI_MAX_ARGS), 0);
	abi_buf_free(&b);
	/* Signatures must match the values. */
	v[0] = abi_v_address(&a);
	v[1] = abi_v_u64(1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address,uint256)", v,
	    2), 0);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(uint256,address)", v,
	    2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address,uint128)", v,
	    2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address)", v, 2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address,uint256", v,
	    2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "(address,uint256)", v, 2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address,,uint256)", v,
	    2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer(address, uint256)", v,
	    2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "transfer", v, 2), -1);
	ck_assert_int_eq(abi_encode_call(&b, NULL, v, 2), -1);
	ck_assert_int_eq(abi_encode_call(&b, "f(int256)", v, 1), -1);
	ck_assert_int_eq(abi_encode_call(&b, "f(bool[])", v, 1), -1);
	ck_assert_int_eq(abi_encode_call(&b, "f(uint08)", v, 1), -1);
	ck_assert_int_eq(abi_encode_call(&b, "f(bytes33)", v, 1), -1);
	ck_assert_int_eq(abi_encode_call(&b, "f(bytes0)", v, 1), -1);
}
END_TEST

/* Parse hex call data for the decoders. */
static size_t
dh(const char *hex, uint8_t *out, size_t cap)
{
	size_t	n;

	ck_assert_int_eq(hex_decode(hex, strlen(hex), out, cap, &n), 0);
	return n;
}

START_TEST(test_decode_returns)
{
	uint8_t		d[1024];
	size_t		n, cnt;
	u256		u, r0, r1, arr[4];
	struct addr	a;
	uint32_t	ts;
	unsigned	dec;
	int		bv;
	char		s[16], h[U256_DEC_MAX], as[ADDR_STR_MAX];

	n = dh("0000000000000000000000000000000000000000000000000de0b6b3a7640000",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_uint256(d, n, &u), 0);
	ck_assert_str_eq(u256_to_dec(&u, h), "1000000000000000000");
	ck_assert_int_eq(abi_decode_uint256(d, n - 1, &u), -1);
	ck_assert_int_eq(abi_decode_uint256(d, 0, &u), -1);
	ck_assert_int_eq(abi_decode_uint256(NULL, 0, &u), -1);
	ck_assert_int_eq(abi_decode_address(d, n, &a), 0);	/* 20 bytes */
	ck_assert_int_eq(abi_decode_bool(d, n, &bv), -1);
	ck_assert_int_eq(abi_decode_decimals(d, n, &dec), -1);

	n = dh(PAD A1, d, sizeof(d));
	ck_assert_int_eq(abi_decode_address(d, n, &a), 0);
	ck_assert_str_eq(addr_format(&a, as),
	    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	d[11] = 1;
	ck_assert_int_eq(abi_decode_address(d, n, &a), -1);

	n = dh(W, d, sizeof(d));
	d[31] = 1;
	ck_assert_int_eq(abi_decode_bool(d, n, &bv), 0);
	ck_assert_int_eq(bv, 1);
	d[31] = 2;
	ck_assert_int_eq(abi_decode_bool(d, n, &bv), -1);
	d[31] = 18;
	ck_assert_int_eq(abi_decode_decimals(d, n, &dec), 0);
	ck_assert_uint_eq(dec, 18);
	d[30] = 1;					/* 274: not a uint8 */
	ck_assert_int_eq(abi_decode_decimals(d, n, &dec), -1);

	/* getReserves: uint112, uint112, uint32 */
	n = dh("000000000000000000000000000000000000ffffffffffffffffffffffffffff"
	    "0000000000000000000000000000000000000000000000000000000000000005"
	    "0000000000000000000000000000000000000000000000000000000065f00000",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_reserves(d, n, &r0, &r1, &ts), 0);
	ck_assert(r0.w[0] == ~0ULL && r0.w[1] == 0xffffffffffffULL);
	ck_assert_uint_eq(r1.w[0], 5);
	ck_assert_uint_eq(ts, 0x65f00000);
	d[17] = 1;					/* bit 112 */
	ck_assert_int_eq(abi_decode_reserves(d, n, &r0, &r1, &ts), -1);
	d[17] = 0;
	d[64 + 27] = 1;					/* bit 32 */
	ck_assert_int_eq(abi_decode_reserves(d, n, &r0, &r1, &ts), -1);
	d[64 + 27] = 0;
	ck_assert_int_eq(abi_decode_reserves(d, n - 1, &r0, &r1, &ts), -1);
	/* Trailing data is allowed. */
	ck_assert_int_eq(abi_decode_reserves(d, n, &r0, &r1, &ts), 0);

	/* getAmountsOut result */
	n = dh("0000000000000000000000000000000000000000000000000000000000000020"
	    "0000000000000000000000000000000000000000000000000000000000000003"
	    "0000000000000000000000000000000000000000000000000000000000000064"
	    "0000000000000000000000000000000000000000000000000000000000000032"
	    "0000000000000000000000000000000000000000000000000000000000000019",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_uint256_array(d, n, arr, 4, &cnt), 0);
	ck_assert_uint_eq(cnt, 3);
	ck_assert(arr[0].w[0] == 100 && arr[1].w[0] == 50 &&
	    arr[2].w[0] == 25);
	ck_assert_int_eq(abi_decode_uint256_array(d, n, arr, 2, &cnt), -1);
	ck_assert_int_eq(abi_decode_uint256_array(d, n - 32, arr, 4, &cnt),
	    -1);					/* count overruns */
	d[63] = 0;					/* empty array */
	ck_assert_int_eq(abi_decode_uint256_array(d, 64, arr, 4, &cnt), 0);
	ck_assert_uint_eq(cnt, 0);

	/* string (symbol()) */
	n = dh("0000000000000000000000000000000000000000000000000000000000000020"
	    "0000000000000000000000000000000000000000000000000000000000000004"
	    "5742544300000000000000000000000000000000000000000000000000000000",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_string(d, n, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "WBTC");
	ck_assert_int_eq(abi_decode_string(d, n, s, 4), -1);	/* no room */
	d[64 + 1] = 0;						/* NUL */
	ck_assert_int_eq(abi_decode_string(d, n, s, sizeof(s)), -1);
	d[64 + 1] = 'B';
	d[64 + 4] = 'x';				/* dirty padding */
	ck_assert_int_eq(abi_decode_string(d, n, s, sizeof(s)), -1);
	d[64 + 4] = 0;
	ck_assert_int_eq(abi_decode_string(d, n - 1, s, sizeof(s)), -1);
}
END_TEST

/* Offsets and lengths that lie. */
START_TEST(test_decode_bad_offsets)
{
	static const struct { const char *types, *hex; } bad[] = {
		/* offset past the end */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000040"
		    W },
		/* offset not a multiple of 32 */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000021"
		    W W },
		/* offset into the head */
		{ "uint256,bytes", W
		    "0000000000000000000000000000000000000000000000000000000000000000"
		    W },
		/* huge offset (2^255) */
		{ "string", "8000000000000000000000000000000000000000000000000000000000000020"
		    W },
		/* offset of 2^64 + 32 (wraps in 64 bits) */
		{ "string", "0000000000000000000000000000000000000000000000010000000000000020"
		    W },
		/* length past the end */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000000000000000021"
		    W },
		/* huge length */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000020"
		    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		    W },
		/* length 2^64 - 1 */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000020"
		    "000000000000000000000000000000000000000000000000ffffffffffffffff"
		    W },
		/* data without its padding */
		{ "bytes", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000000000000000001"
		    "ff" },
		/* array count past the end */
		{ "address[]", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000000000000000002"
		    PAD A1 },
		/* array count that overflows count * 32 */
		{ "uint256[]", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0800000000000000000000000000000000000000000000000000000000000001"
		    W },
		{ "uint256[]", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000800000000000001"
		    W },
		/* dirty address in an array */
		{ "address[]", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000000000000000001"
		    "000000000000000000000001" A1 },
		/* uint8[] element out of range */
		{ "uint8[]", "0000000000000000000000000000000000000000000000000000000000000020"
		    "0000000000000000000000000000000000000000000000000000000000000001"
		    "0000000000000000000000000000000000000000000000000000000000000100" },
		/* bytes4 with bytes after the fourth */
		{ "bytes4", "1234567800000000000000000000000000000000000000000000000000000001" },
		/* bad type lists */
		{ "uint256,", W W },
		{ ",uint256", W W },
		{ "int256", W },
		{ "(uint256)", W },
		{ "uint256[2]", W W },
		{ "bool[]", W W },
		{ "uint256 ", W },
		{ "UINT256", W },
		{ NULL, NULL } };
	struct abi_value	v[ABI_MAX_ARGS];
	uint8_t			d[512];
	size_t			n;
	int			i;

	for (i = 0; bad[i].types != NULL; i++) {
		n = dh(bad[i].hex, d, sizeof(d));
		ck_assert_msg(abi_decode(d, n, bad[i].types, v, ABI_MAX_ARGS) ==
		    -1, "case %d accepted", i);
	}
	/* More values than room. */
	n = dh(W W W, d, sizeof(d));
	ck_assert_int_eq(abi_decode(d, n, "uint256,uint256", v, 1), -1);
	ck_assert_int_eq(abi_decode(d, n, "uint256,uint256", v, 2), 0);
	ck_assert_int_eq(abi_decode(d, n, "", v, 0), 0);
	ck_assert_int_eq(abi_decode(d, n, NULL, v, 2), -1);
	/* The good version of the padded-bytes case. */
	n = dh("0000000000000000000000000000000000000000000000000000000000000020"
	    "0000000000000000000000000000000000000000000000000000000000000001"
	    "ff00000000000000000000000000000000000000000000000000000000000000",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode(d, n, "bytes", v, 1), 0);
	ck_assert(v[0].len == 1 && v[0].ptr == d + 64 && v[0].ptr[0] == 0xff);
}
END_TEST

/*
 * Random corruption of valid encodings: the decoder must never read out
 * of bounds (ASan in the sanitizer build) and what it accepts must lie
 * inside the data.
 */
START_TEST(test_decode_mutations)
{
	static const char	*types = "uint256,address[],string,bool,bytes";
	struct abi_value	 v[5], d[5];
	struct abi_buf		 b;
	struct addr		 path[3];
	u256			 u = u256_from_u64(12345);
	uint8_t			*m;
	uint64_t		 s = 0x243f6a8885a308d3ULL;
	size_t			 len, i;
	int			 k, accepted = 0, rejected = 0;

	memset(path, 0x11, sizeof(path));
	v[0] = abi_v_uint(&u);
	v[1] = abi_v_address_array(path, 3);
	v[2] = abi_v_string("hello, abi");
	v[3] = abi_v_bool(1);
	v[4] = abi_v_bytes("\x01\x02\x03", 3);
	ck_assert_int_eq(abi_encode(&b, NULL, v, 5), 0);
	ck_assert_int_eq(abi_decode(b.data, b.len, types, d, 5), 0);
	for (i = 0; i < 5; i++)
		value_eq(&d[i], &v[i]);
	for (k = 0; k < 50000; k++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		len = b.len;
		/* An exact-size copy so that ASan sees any overrun. */
		ck_assert_ptr_nonnull(m = malloc(len));
		memcpy(m, b.data, len);
		m[s % len] = (uint8_t)(s >> 8);
		if ((s >> 20) % 3 == 0)
			m[(s >> 24) % len] ^= (uint8_t)(1u << ((s >> 40) % 8));
		if ((s >> 44) % 5 == 0)
			len = (s >> 48) % (len + 1);
		if (abi_decode(m, len, types, d, 5) == 0) {
			accepted++;
			for (i = 1; i < 5; i++) {
				if (i == 3)
					continue;
				ck_assert(d[i].ptr >= m && d[i].ptr <= m + len);
				ck_assert_uint_le(d[i].len * (i == 1 ? 32 : 1),
				    (size_t)(m + len - d[i].ptr));
			}
		} else
			rejected++;
		free(m);
	}
	abi_buf_free(&b);
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_gt(rejected, 100);
}
END_TEST

START_TEST(test_revert)
{
	struct abi_revert	r;
	uint8_t			d[512];
	size_t			n;
	char			h[U256_HEX_MAX];

	ck_assert_int_eq(abi_decode_revert(NULL, 0, &r), 0);
	ck_assert_int_eq(r.kind, ABI_REVERT_EMPTY);
	ck_assert_str_eq(r.reason, "");
	/* require(false, "Not enough Ether provided.") */
	n = dh("08c379a0"
	    "0000000000000000000000000000000000000000000000000000000000000020"
	    "000000000000000000000000000000000000000000000000000000000000001a"
	    "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_int_eq(r.kind, ABI_REVERT_ERROR);
	ck_assert_str_eq(r.reason, "Not enough Ether provided.");
	ck_assert_int_eq(abi_decode_revert(d, n - 1, &r), -1);	/* truncated */
	d[4 + 63] = 0x80;				/* length past the end */
	ck_assert_int_eq(abi_decode_revert(d, n, &r), -1);
	d[4 + 63] = 0x1a;
	d[4 + 64] = '\n';				/* control characters */
	d[4 + 65] = 0x1b;
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_str_eq(r.reason, "??t enough Ether provided.");
	/* Panic(0x11) */
	n = dh("4e487b71"
	    "0000000000000000000000000000000000000000000000000000000000000011",
	    d, sizeof(d));
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_int_eq(r.kind, ABI_REVERT_PANIC);
	ck_assert_str_eq(u256_to_hex(&r.code, h), "0x11");
	ck_assert_ptr_nonnull(strstr(r.reason, "overflow"));
	ck_assert_ptr_nonnull(strstr(r.reason, "0x11"));
	d[4 + 31] = 0x12;
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_ptr_nonnull(strstr(r.reason, "division"));
	d[4 + 31] = 0x99;
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_ptr_nonnull(strstr(r.reason, "unknown"));
	ck_assert_int_eq(abi_decode_revert(d, n - 1, &r), -1);
	ck_assert_int_eq(abi_decode_revert(d, 4, &r), -1);
	/* A custom error: classified, selector kept. */
	n = dh("e450d38c" W W, d, sizeof(d));
	ck_assert_int_eq(abi_decode_revert(d, n, &r), 0);
	ck_assert_int_eq(r.kind, ABI_REVERT_CUSTOM);
	ck_assert_mem_eq(r.selector, d, 4);
	ck_assert_int_eq(abi_decode_revert(d, 3, &r), -1);
	/* A long reason is truncated, NUL-terminated. */
	{
		struct abi_buf		b;
		struct abi_value	v;
		char			longs[600];
		uint8_t			sel[4] = { 0x08, 0xc3, 0x79, 0xa0 };

		memset(longs, 'x', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = '\0';
		v = abi_v_string(longs);
		ck_assert_int_eq(abi_encode(&b, sel, &v, 1), 0);
		ck_assert_int_eq(abi_decode_revert(b.data, b.len, &r), 0);
		ck_assert_uint_eq(strlen(r.reason), sizeof(r.reason) - 1);
		abi_buf_free(&b);
	}
}
END_TEST

static Suite *
abi_suite(void)
{
	Suite	*s = suite_create("abi");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_ethers_abi);
	tcase_add_test(tc, test_basic_abi_tests);
	tcase_add_test(tc, test_selectors);
	tcase_add_test(tc, test_builders);
	tcase_add_test(tc, test_encode_bad);
	tcase_add_test(tc, test_decode_returns);
	tcase_add_test(tc, test_decode_bad_offsets);
	tcase_add_test(tc, test_decode_mutations);
	tcase_add_test(tc, test_revert);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(abi_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
