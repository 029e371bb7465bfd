/*
 * check_u256.c: 256-bit arithmetic against a slow bit-serial reference,
 * text conversions, and the ethers.js unit conversion cases.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "u256.h"
#include "testutil.h"

#define MAXS	"115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define MAXP1	"115792089237316195423570985008687907853269984665640564039457584007913129639936"

static uint64_t	rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd64(void)
{
	uint64_t	x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A random value with a random shape: limb count, all-ones limbs, top
 * bits set or clear, the edge cases Knuth's division is sensitive to. */
static u256
rnd_u256(void)
{
	u256		r = { { 0, 0, 0, 0 } };
	int		n = (int)(rnd64() % 5), i;
	uint64_t	pick;

	for (i = 0; i < n; i++) {
		pick = rnd64() % 6;
		if (pick == 0)
			r.w[i] = ~0ULL;
		else if (pick == 1)
			r.w[i] = 1ULL << 63;
		else if (pick == 2)
			r.w[i] = rnd64() >> (rnd64() % 64);
		else
			r.w[i] = rnd64();
	}
	return r;
}

static u256
u256_max(void)
{
	u256	m = { { ~0ULL, ~0ULL, ~0ULL, ~0ULL } };

	return m;
}

/* Reference: q (8 limbs) = n (8 limbs) / d, r = n % d, bit by bit. */
static void
ref_div512(const uint64_t n[8], const u256 *d, uint64_t q[8], u256 *r)
{
	uint64_t	rem[5] = { 0, 0, 0, 0, 0 }, dd[5], t[5], borrow;
	int		i, k, ge;

	memcpy(dd, d->w, 32);
	dd[4] = 0;
	memset(q, 0, 64);
	for (i = 511; i >= 0; i--) {
		for (k = 4; k > 0; k--)
			rem[k] = rem[k] << 1 | rem[k - 1] >> 63;
		rem[0] = rem[0] << 1 | ((n[i / 64] >> (i % 64)) & 1);
		ge = 1;
		for (k = 4; k >= 0; k--) {
			if (rem[k] != dd[k]) {
				ge = rem[k] > dd[k];
				break;
			}
		}
		if (!ge)
			continue;
		borrow = 0;
		for (k = 0; k < 5; k++) {
			t[k] = rem[k] - dd[k] - borrow;
			borrow = (rem[k] < dd[k]) || (rem[k] - dd[k] < borrow);
		}
		memcpy(rem, t, sizeof(rem));
		q[i / 64] |= 1ULL << (i % 64);
	}
	memcpy(r->w, rem, 32);
}

/* Reference 256x256 -> 512 product by shift-and-add. */
static void
ref_mul512(const u256 *a, const u256 *b, uint64_t p[8])
{
	uint64_t	sh[8], c;
	int		i, k;

	memset(p, 0, 64);
	memset(sh, 0, sizeof(sh));
	memcpy(sh, a->w, 32);
	for (i = 0; i < 256; i++) {
		if ((b->w[i / 64] >> (i % 64)) & 1) {
			c = 0;
			for (k = 0; k < 8; k++) {
				uint64_t	s = p[k] + sh[k];
				uint64_t	c2 = s < p[k];

				p[k] = s + c;
				c = c2 | (p[k] < s);
			}
		}
		for (k = 7; k > 0; k--)
			sh[k] = sh[k] << 1 | sh[k - 1] >> 63;
		sh[0] <<= 1;
	}
}

START_TEST(test_basic)
{
	u256		a, b, r, max = u256_max(), one = u256_from_u64(1);
	uint64_t	x;

	a = u256_from_u64(0);
	ck_assert_int_eq(u256_is_zero(&a), 1);
	ck_assert_int_eq(u256_is_zero(&one), 0);
	ck_assert_int_eq(u256_cmp(&a, &one), -1);
	ck_assert_int_eq(u256_cmp(&one, &a), 1);
	ck_assert_int_eq(u256_cmp(&max, &max), 0);
	/* Overflow leaves r unchanged. */
	r = u256_from_u64(77);
	ck_assert_int_eq(u256_add(&r, &max, &one), -1);
	ck_assert_uint_eq(r.w[0], 77);
	ck_assert_int_eq(u256_sub(&r, &a, &one), -1);
	ck_assert_uint_eq(r.w[0], 77);
	ck_assert_int_eq(u256_sub(&r, &max, &max), 0);
	ck_assert_int_eq(u256_is_zero(&r), 1);
	/* Carry through every limb. */
	a = u256_from_u64(~0ULL);
	a.w[1] = a.w[2] = ~0ULL;
	ck_assert_int_eq(u256_add(&r, &a, &one), 0);
	ck_assert(r.w[0] == 0 && r.w[1] == 0 && r.w[2] == 0 && r.w[3] == 1);
	ck_assert_int_eq(u256_sub(&r, &r, &one), 0);
	ck_assert_int_eq(u256_cmp(&r, &a), 0);
	/* 2^128 * 2^128 overflows, (2^128 - 1)^2 fits. */
	memset(&a, 0, sizeof(a));
	a.w[2] = 1;
	r = one;
	ck_assert_int_eq(u256_mul(&r, &a, &a), -1);
	ck_assert_uint_eq(r.w[0], 1);
	b.w[0] = b.w[1] = ~0ULL;
	b.w[2] = b.w[3] = 0;
	ck_assert_int_eq(u256_mul(&r, &b, &b), 0);
	ck_assert(r.w[0] == 1 && r.w[1] == 0 && r.w[2] == ~0ULL - 1 &&
	    r.w[3] == ~0ULL);
	ck_assert_int_eq(u256_mul(&r, &max, &one), 0);
	ck_assert_int_eq(u256_cmp(&r, &max), 0);
	ck_assert_int_eq(u256_mul(&r, &max, &a), -1);
	/* to_u64 */
	ck_assert_int_eq(u256_to_u64(&one, &x), 0);
	ck_assert_uint_eq(x, 1);
	ck_assert_int_eq(u256_to_u64(&a, &x), -1);
	/* to_double */
	a = u256_from_u64(0);
	a.w[1] = 1;
	ck_assert(u256_to_double(&a) == 18446744073709551616.0);
	ck_assert(u256_to_double(&max) > 1.15792089237316e77 &&
	    u256_to_double(&max) < 1.15792089237317e77);
}
END_TEST

START_TEST(test_divmod)
{
	u256		a, b, q, m, rq, rm, max = u256_max(), zero;
	uint64_t	n8[8], q8[8];
	int		i;

	zero = u256_from_u64(0);
	a = u256_from_u64(7);
	ck_assert_int_eq(u256_divmod(&q, &m, &a, &zero), -1);
	ck_assert_int_eq(u256_divmod(NULL, NULL, &a, &zero), -1);
	b = u256_from_u64(2);
	ck_assert_int_eq(u256_divmod(&q, NULL, &a, &b), 0);
	ck_assert_uint_eq(q.w[0], 3);
	ck_assert_int_eq(u256_divmod(NULL, &m, &a, &b), 0);
	ck_assert_uint_eq(m.w[0], 1);
	ck_assert_int_eq(u256_divmod(&q, &m, &max, &max), 0);
	ck_assert(q.w[0] == 1 && q.w[1] == 0 && u256_is_zero(&m));
	ck_assert_int_eq(u256_divmod(&q, &m, &zero, &max), 0);
	ck_assert(u256_is_zero(&q) && u256_is_zero(&m));
	/* Aliasing: the quotient overwrites a. */
	a = u256_from_u64(100);
	b = u256_from_u64(7);
	ck_assert_int_eq(u256_divmod(&a, &m, &a, &b), 0);
	ck_assert(a.w[0] == 14 && m.w[0] == 2);
	for (i = 0; i < 20000; i++) {
		a = rnd_u256();
		b = rnd_u256();
		if (u256_is_zero(&b))
			continue;
		ck_assert_int_eq(u256_divmod(&q, &m, &a, &b), 0);
		memset(n8, 0, sizeof(n8));
		memcpy(n8, a.w, 32);
		ref_div512(n8, &b, q8, &rm);
		memcpy(rq.w, q8, 32);
		ck_assert_int_eq(u256_cmp(&q, &rq), 0);
		ck_assert_int_eq(u256_cmp(&m, &rm), 0);
	}
}
END_TEST

START_TEST(test_muldiv)
{
	u256		a, b, d, r, rq, rm, max = u256_max(), zero, one;
	uint64_t	p[8], q8[8];
	int		i, fits, checked = 0, over = 0;

	zero = u256_from_u64(0);
	one = u256_from_u64(1);
	ck_assert_int_eq(u256_muldiv(&r, &max, &max, &zero), -1);
	/* (2^256-1)^2 / (2^256-1) needs the 512-bit intermediate. */
	ck_assert_int_eq(u256_muldiv(&r, &max, &max, &max), 0);
	ck_assert_int_eq(u256_cmp(&r, &max), 0);
	ck_assert_int_eq(u256_muldiv(&r, &max, &max, &one), -1);
	d = u256_from_u64(2);
	ck_assert_int_eq(u256_muldiv(&r, &max, &d, &d), 0);
	ck_assert_int_eq(u256_cmp(&r, &max), 0);
	ck_assert_int_eq(u256_muldiv(&r, &zero, &max, &one), 0);
	ck_assert_int_eq(u256_is_zero(&r), 1);
	/* A Uniswap-style quote: 997 * x * R / (1000 R + 997 x). */
	a = u256_from_u64(1000000);
	b = u256_from_u64(997);
	d = u256_from_u64(3);
	ck_assert_int_eq(u256_muldiv(&r, &a, &b, &d), 0);
	ck_assert_uint_eq(r.w[0], 332333333);
	for (i = 0; i < 20000; i++) {
		a = rnd_u256();
		b = rnd_u256();
		d = rnd_u256();
		if (u256_is_zero(&d))
			continue;
		ref_mul512(&a, &b, p);
		ref_div512(p, &d, q8, &rm);
		fits = (q8[4] | q8[5] | q8[6] | q8[7]) == 0;
		memcpy(rq.w, q8, 32);
		r = u256_from_u64(12345);
		if (fits) {
			ck_assert_int_eq(u256_muldiv(&r, &a, &b, &d), 0);
			ck_assert_int_eq(u256_cmp(&r, &rq), 0);
			checked++;
		} else {
			ck_assert_int_eq(u256_muldiv(&r, &a, &b, &d), -1);
			over++;
		}
		/* mul agrees with the reference product. */
		if ((p[4] | p[5] | p[6] | p[7]) == 0) {
			ck_assert_int_eq(u256_mul(&r, &a, &b), 0);
			ck_assert_mem_eq(r.w, p, 32);
		} else
			ck_assert_int_eq(u256_mul(&r, &a, &b), -1);
	}
	ck_assert_int_gt(checked, 1000);
	ck_assert_int_gt(over, 100);
}
END_TEST

START_TEST(test_be)
{
	uint8_t	b[40], out[32];
	u256	a, c;
	int	i;

	memset(b, 0, sizeof(b));
	ck_assert_int_eq(u256_from_be(&a, b, 0), 0);
	ck_assert_int_eq(u256_is_zero(&a), 1);
	b[39] = 0x01;
	b[38] = 0x02;
	ck_assert_int_eq(u256_from_be(&a, b, 40), 0);	/* excess zeros */
	ck_assert_uint_eq(a.w[0], 0x0201);
	b[7] = 1;					/* 33rd byte from end */
	ck_assert_int_eq(u256_from_be(&a, b, 40), -1);
	ck_assert_int_eq(u256_from_be(&a, b + 8, 32), 0);
	for (i = 0; i < 1000; i++) {
		a = rnd_u256();
		u256_to_be(&a, out);
		ck_assert_int_eq(u256_from_be(&c, out, 32), 0);
		ck_assert_int_eq(u256_cmp(&a, &c), 0);
	}
	a = u256_from_u64(0x0102030405060708ULL);
	u256_to_be(&a, out);
	ck_assert_uint_eq(out[31], 0x08);
	ck_assert_uint_eq(out[24], 0x01);
	ck_assert_uint_eq(out[23], 0x00);
}
END_TEST

START_TEST(test_dec)
{
	static const char	*bad[] = { "", "-1", "+1", " 1", "1 ", "1a",
	    "0x10", "1.0", "1e3", MAXP1,
	    "999999999999999999999999999999999999999999999999999999999999999999999999999999",
	    NULL };
	char			 buf[U256_DEC_MAX];
	u256			 a, c, max = u256_max();
	int			 i;

	ck_assert_int_eq(u256_from_dec(&a, MAXS), 0);
	ck_assert_int_eq(u256_cmp(&a, &max), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), MAXS);
	ck_assert_int_eq(u256_from_dec(&a, "0"), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "0");
	ck_assert_int_eq(u256_from_dec(&a, "007"), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "7");
	ck_assert_int_eq(u256_from_dec(&a, "10000000000000000000"), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "10000000000000000000");
	ck_assert_int_eq(u256_from_dec(&a, "1000000000000000000000000000000000000000"), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf),
	    "1000000000000000000000000000000000000000");
	for (i = 0; bad[i] != NULL; i++) {
		c = u256_from_u64(5);
		ck_assert_msg(u256_from_dec(&c, bad[i]) == -1, "accepted %s",
		    bad[i]);
		ck_assert_uint_eq(c.w[0], 5);
	}
	ck_assert_int_eq(u256_from_dec(&a, NULL), -1);
	for (i = 0; i < 2000; i++) {
		a = rnd_u256();
		u256_to_dec(&a, buf);
		ck_assert_int_eq(u256_from_dec(&c, buf), 0);
		ck_assert_int_eq(u256_cmp(&a, &c), 0);
		ck_assert(buf[0] != '0' || buf[1] == '\0');
	}
}
END_TEST

START_TEST(test_hex)
{
	static const char	*bad[] = { "", "0x", "ff", "x1", "0x-1", "0xg",
	    "0x 1", "0x1 ", " 0x1", "00x1", "0x1.0",
	    "0x10000000000000000000000000000000000000000000000000000000000000000",
	    NULL };
	char			 buf[U256_HEX_MAX];
	u256			 a, c;
	int			 i;

	ck_assert_int_eq(u256_from_hex(&a, "0x0"), 0);
	ck_assert_int_eq(u256_is_zero(&a), 1);
	ck_assert_str_eq(u256_to_hex(&a, buf), "0x0");
	ck_assert_int_eq(u256_from_hex(&a, "0x00ff"), 0);
	ck_assert_str_eq(u256_to_hex(&a, buf), "0xff");
	ck_assert_int_eq(u256_from_hex(&a, "0XAbC"), 0);
	ck_assert_uint_eq(a.w[0], 0xabc);
	ck_assert_int_eq(u256_from_hex(&a,
	    "0x0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), 0);
	ck_assert_str_eq(u256_to_hex(&a, buf),
	    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	ck_assert_int_eq(u256_from_hex(&a, "0x10000000000000000"), 0);
	ck_assert(a.w[0] == 0 && a.w[1] == 1);
	for (i = 0; bad[i] != NULL; i++) {
		c = u256_from_u64(5);
		ck_assert_msg(u256_from_hex(&c, bad[i]) == -1, "accepted %s",
		    bad[i]);
		ck_assert_uint_eq(c.w[0], 5);
	}
	ck_assert_int_eq(u256_from_hex(&a, NULL), -1);
	for (i = 0; i < 2000; i++) {
		a = rnd_u256();
		u256_to_hex(&a, buf);
		ck_assert_int_eq(u256_from_hex(&c, buf), 0);
		ck_assert_int_eq(u256_cmp(&a, &c), 0);
	}
}
END_TEST

START_TEST(test_units)
{
	static const char	*bad[] = { "", ".", "-1", "+1", " 1", "1 ",
	    "1,5", "1.5.", "1..2", "1e18", "0x10", "1.0000000000000000001",
	    "abc", "1.-5", MAXP1, NULL };
	char			 buf[U256_DEC_MAX + 2];
	u256			 a, c, max = u256_max();
	unsigned		 d;
	int			 i;

	ck_assert_int_eq(u256_parse_units(&a, "1.5", 18), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "1500000000000000000");
	ck_assert_int_eq(u256_parse_units(&a, "0.000001", 6), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "1");
	ck_assert_int_eq(u256_parse_units(&a, "0.0000001", 6), -1);
	ck_assert_int_eq(u256_parse_units(&a, "10", 0), 0);
	ck_assert_str_eq(u256_to_dec(&a, buf), "10");
	ck_assert_int_eq(u256_parse_units(&a, "10.0", 0), 0);
	ck_assert_int_eq(u256_parse_units(&a, "10.5", 0), -1);
	ck_assert_int_eq(u256_parse_units(&a, ".5", 1), 0);
	ck_assert_uint_eq(a.w[0], 5);
	ck_assert_int_eq(u256_parse_units(&a, "5.", 1), 0);
	ck_assert_uint_eq(a.w[0], 50);
	ck_assert_int_eq(u256_parse_units(&a, MAXS, 0), 0);
	ck_assert_int_eq(u256_cmp(&a, &max), 0);
	ck_assert_int_eq(u256_parse_units(&a, "1", 77), 0);
	ck_assert_int_eq(u256_parse_units(&a, "1.15", 77), 0);
	ck_assert_int_eq(u256_parse_units(&a, "1.16", 77), -1);	/* > max */
	ck_assert_int_eq(u256_parse_units(&a, "11", 76), 0);
	ck_assert_int_eq(u256_parse_units(&a, "12", 76), -1);	/* 1.2e77 */
	ck_assert_int_eq(u256_parse_units(&a, "1", 78), -1);
	ck_assert_int_eq(u256_parse_units(&a, "0", 78), -1);
	ck_assert_int_eq(u256_parse_units(&a,
	    "1.15792089237316195423570985008687907853269984665640564039457584007913129639935",
	    77), 0);
	ck_assert_int_eq(u256_cmp(&a, &max), 0);
	ck_assert_int_eq(u256_parse_units(&a,
	    "1.15792089237316195423570985008687907853269984665640564039457584007913129639936",
	    77), -1);
	for (i = 0; bad[i] != NULL; i++) {
		c = u256_from_u64(5);
		ck_assert_msg(u256_parse_units(&c, bad[i], 18) == -1,
		    "accepted %s", bad[i]);
		ck_assert_uint_eq(c.w[0], 5);
	}
	ck_assert_int_eq(u256_parse_units(&a, NULL, 18), -1);

	/* Formatting */
	a = u256_from_u64(0);
	ck_assert_str_eq(u256_format_units(&a, 18, buf), "0");
	ck_assert_str_eq(u256_format_units(&a, 0, buf), "0");
	a = u256_from_u64(1);
	ck_assert_str_eq(u256_format_units(&a, 6, buf), "0.000001");
	a = u256_from_u64(1500000);
	ck_assert_str_eq(u256_format_units(&a, 6, buf), "1.5");
	a = u256_from_u64(10000000);
	ck_assert_str_eq(u256_format_units(&a, 6, buf), "10");
	ck_assert_str_eq(u256_format_units(&max, 0, buf), MAXS);
	ck_assert_str_eq(u256_format_units(&max, 77, buf),
	    "1.15792089237316195423570985008687907853269984665640564039457584007913129639935");
	ck_assert_str_eq(u256_format_units(&max, 78, buf), "");
	a = u256_from_u64(1);
	u256_format_units(&a, 77, buf);
	ck_assert_uint_eq(strlen(buf), 79);
	ck_assert_str_eq(buf + 77, "01");
	/* Round trips for every decimals value. */
	for (i = 0; i < 4000; i++) {
		a = rnd_u256();
		d = (unsigned)(rnd64() % 78);
		u256_format_units(&a, d, buf);
		ck_assert_uint_lt(strlen(buf), U256_DEC_MAX + 2);
		ck_assert_msg(u256_parse_units(&c, buf, d) == 0, "%s", buf);
		ck_assert_int_eq(u256_cmp(&a, &c), 0);
	}
}
END_TEST


/*
 * ethers units.json: parse every "<unit>" text and format to every
 * "<unit>_format" text. ethers formats whole numbers as "1.0" where we
 * write "1"; negative amounts do not exist in u256 and must be rejected.
 */
START_TEST(test_ethers_units)
{
	static const struct { const char *name; unsigned dec; } units[] = {
		{ "kwei", 3 }, { "mwei", 6 }, { "gwei", 9 }, { "szabo", 12 },
		{ "finney", 15 }, { "ether", 18 }, { "satoshi", 8 },
	};
	const char	*p = tu_shared("vectors/ethers/units.json.gz");
	char		*txt, key[32], buf[U256_DEC_MAX + 2], want[128];
	cJSON		*root, *it, *wei, *v;
	u256		 w, got;
	size_t		 k, l;
	int		 parsed = 0, formatted = 0, negative = 0, neg;

	if (p == NULL)
		TU_SKIP("../shared absent");
	ck_assert_ptr_nonnull(txt = tu_read_gz(p, NULL));
	ck_assert_ptr_nonnull(root = cJSON_Parse(txt));
	free(txt);
	cJSON_ArrayForEach(it, root) {
		wei = cJSON_GetObjectItem(it, "wei");
		ck_assert(cJSON_IsString(wei));
		neg = wei->valuestring[0] == '-';
		if (!neg)
			ck_assert_int_eq(u256_from_dec(&w, wei->valuestring), 0);
		else
			ck_assert_int_eq(u256_from_dec(&w, wei->valuestring), -1);
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
			v = cJSON_GetObjectItem(it, units[k].name);
			if (cJSON_IsString(v)) {
				if (neg) {
					ck_assert_int_eq(u256_parse_units(&got,
					    v->valuestring, units[k].dec), -1);
					negative++;
				} else {
					ck_assert_msg(u256_parse_units(&got,
					    v->valuestring, units[k].dec) == 0,
					    "%s", v->valuestring);
					ck_assert_int_eq(u256_cmp(&got, &w), 0);
					parsed++;
				}
			}
			snprintf(key, sizeof(key), "%s_format", units[k].name);
			v = cJSON_GetObjectItem(it, key);
			if (!cJSON_IsString(v) || neg)
				continue;
			snprintf(want, sizeof(want), "%s", v->valuestring);
			l = strlen(want);
			if (l > 2 && strcmp(want + l - 2, ".0") == 0)
				want[l - 2] = '\0';
			ck_assert_str_eq(u256_format_units(&w, units[k].dec,
			    buf), want);
			formatted++;
		}
	}
	cJSON_Delete(root);
	ck_assert_int_eq(parsed, 18);
	ck_assert_int_eq(formatted, 18);
	ck_assert_int_eq(negative, 10);
	fprintf(stderr, "check_u256: ethers units %d parsed, %d formatted, "
	    "%d negative rejected\n", parsed, formatted, negative);
}
END_TEST

static Suite *
u256_suite(void)
{
	Suite	*s = suite_create("u256");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_divmod);
	tcase_add_test(tc, test_muldiv);
	tcase_add_test(tc, test_be);
	tcase_add_test(tc, test_dec);
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_ethers_units);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(u256_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
