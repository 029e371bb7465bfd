/*
 * check_amm.c: constant-product math against the Uniswap V2 and
 * PancakeSwap pair test tables, round trips, bounds and bad input.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "testutil.h"

static u256
U(const char *dec)
{
	u256	v;

	ck_assert_msg(u256_from_dec(&v, dec) == 0, "bad decimal %s", dec);
	return v;
}

/* Run every row of a CSV of cases; columns given by index. */
static int
run_csv(const char *rel, int c_num, int c_den, int c_in, int c_rin,
    int c_rout, int c_out)
{
	const char	*p = tu_shared(rel);
	char		*text, *line, *save, *f[16];
	int		 n = 0, nf;

	if (p == NULL)
		return -1;
	ck_assert_ptr_nonnull(text = tu_read_file(p, NULL));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char	*s = line, *tok;
		u256	 in, rin, rout, want, got;
		unsigned num, den, bps;

		if (line[0] == '#' || strncmp(line, "case_set", 8) == 0 ||
		    strncmp(line, "fee_numerator", 13) == 0)
			continue;
		for (nf = 0; nf < 16 && (tok = strsep(&s, ",")) != NULL; nf++)
			f[nf] = tok;
		ck_assert_int_gt(nf, c_out);
		num = (unsigned)atoi(f[c_num]);
		den = (unsigned)atoi(f[c_den]);
		/* 997/1000 -> 30 bps, 998/1000 -> 20, 9975/10000 -> 25. */
		ck_assert_int_eq(10000 % den, 0);
		bps = 10000 - num * (10000 / den);
		in = U(f[c_in]);
		rin = U(f[c_rin]);
		rout = U(f[c_rout]);
		want = U(f[c_out]);
		ck_assert_int_eq(amm_get_amount_out(&got, &in, &rin, &rout, bps),
		    0);
		ck_assert_msg(u256_cmp(&got, &want) == 0, "%s row %d", rel, n);
		/* getAmountIn for that output never asks for more than in,
		 * and gives at least the output back. */
		{
			u256	need, back;

			ck_assert_int_eq(amm_get_amount_in(&need, &want, &rin,
			    &rout, bps), 0);
			ck_assert_int_le(u256_cmp(&need, &in), 0);
			ck_assert_int_eq(amm_get_amount_out(&back, &need, &rin,
			    &rout, bps), 0);
			ck_assert_int_ge(u256_cmp(&back, &want), 0);
		}
		n++;
	}
	free(text);
	return n;
}

START_TEST(pair_test_tables)
{
	int	n1, n2;

	n1 = run_csv("vectors/uniswap-pancake/swap_test_cases.csv", 1, 2, 3, 4,
	    5, 6);
	if (n1 < 0)
		TU_SKIP("../shared absent");
	ck_assert_int_eq(n1, 15);
	n2 = run_csv("vectors/uniswap-pancake/"
	    "DERIVED_pancakeswap_v2_0.25pct_cases.csv", 0, 1, 2, 3, 4, 5);
	ck_assert_int_eq(n2, 7);
	fprintf(stderr, "check_amm: %d pair-table cases, %d PancakeSwap V2 "
	    "0.25%% cases\n", n1, n2);
}
END_TEST

START_TEST(hand_computed)
{
	/* 1e18 in, reserves 5e18/10e18, 0.3%: the v2-core table's first
	 * row, computed by hand: 997e18*10e18 / (5e18*1000 + 997e18). */
	u256	in = U("1000000000000000000"), rin = U("5000000000000000000");
	u256	rout = U("10000000000000000000"), out, ra, rb;

	ck_assert_int_eq(amm_get_amount_out(&out, &in, &rin, &rout, 30), 0);
	ck_assert(u256_cmp(&out, &(u256){ .w = { 1662497915624478906ULL } })
	    == 0);
	ra = rin;
	rb = rout;
	ck_assert_int_eq(amm_apply_swap(&ra, &rb, &in, &out), 0);
	{
		u256	e1 = U("6000000000000000000"), e2 = U("8337502084375521094");

		ck_assert(u256_cmp(&ra, &e1) == 0);
		ck_assert(u256_cmp(&rb, &e2) == 0);
	}
	/* Zero fee: exact constant product, floor. */
	ck_assert_int_eq(amm_get_amount_out(&out, &(u256){ .w = { 10 } },
	    &(u256){ .w = { 100 } }, &(u256){ .w = { 100 } }, 0), 0);
	ck_assert_uint_eq(out.w[0], 9);	/* 10*100/110 = 9.09 */
}
END_TEST

START_TEST(bad_input)
{
	u256	z = u256_from_u64(0), one = u256_from_u64(1), r = U("1000");
	u256	big, out;

	ck_assert_int_eq(amm_get_amount_out(&out, &z, &r, &r, 30), -1);
	ck_assert_int_eq(amm_get_amount_out(&out, &one, &z, &r, 30), -1);
	ck_assert_int_eq(amm_get_amount_out(&out, &one, &r, &z, 30), -1);
	ck_assert_int_eq(amm_get_amount_out(&out, &one, &r, &r, 10000), -1);
	/* Output at or beyond the reserve cannot be bought. */
	ck_assert_int_eq(amm_get_amount_in(&out, &r, &r, &r, 30), -1);
	ck_assert_int_eq(amm_get_amount_in(&out, &z, &r, &r, 30), -1);
	/* Overflow is refused, as the contract reverts. */
	memset(&big, 0xff, sizeof(big));
	ck_assert_int_eq(amm_get_amount_out(&out, &big, &r, &r, 30), -1);
	ck_assert_int_eq(amm_apply_swap(&r, &one, &one, &r), -1);
}
END_TEST

START_TEST(move_to_price)
{
	/* 100 BTCB / 2,000,000 USDT (18 decimals each): price 20,000. */
	u256	rb = U("100000000000000000000");
	u256	rq = U("2000000000000000000000000");
	const double targets[] = { 18000.0, 23456.78, 20000.0, 100000.0,
	    16726.1, 20000.5 };
	size_t	i;

	ck_assert(fabs(amm_mid_price(&rb, &rq, 18, 18) - 20000.0) < 1e-9);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		u256	in, out, b = rb, q = rq;
		int	base_in;
		double	p;

		ck_assert_int_eq(amm_amount_to_price(&in, &base_in, &b, &q, 18,
		    18, targets[i], 30), 0);
		if (u256_is_zero(&in))
			continue;
		if (base_in) {
			ck_assert_int_eq(amm_get_amount_out(&out, &in, &b, &q,
			    30), 0);
			ck_assert_int_eq(amm_apply_swap(&b, &q, &in, &out), 0);
		} else {
			ck_assert_int_eq(amm_get_amount_out(&out, &in, &q, &b,
			    30), 0);
			ck_assert_int_eq(amm_apply_swap(&q, &b, &in, &out), 0);
		}
		p = amm_mid_price(&b, &q, 18, 18);
		ck_assert_msg(fabs(p - targets[i]) / targets[i] < 1e-9,
		    "target %f reached %f", targets[i], p);
	}
	/* Different decimals (USDT with 6 on some chains). */
	{
		u256	b = U("100000000000000000000"), q = U("2000000000000");
		u256	in;
		int	base_in;

		ck_assert(fabs(amm_mid_price(&b, &q, 18, 6) - 20000.0) < 1e-6);
		ck_assert_int_eq(amm_amount_to_price(&in, &base_in, &b, &q, 18,
		    6, 21000.0, 25), 0);
		ck_assert_int_eq(base_in, 0);
		ck_assert(!u256_is_zero(&in));
	}
	ck_assert_int_eq(amm_amount_to_price(&(u256){ 0 }, &(int){ 0 }, &rb,
	    &rq, 18, 18, -1.0, 30), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("amm");
	TCase	*tc = tcase_create("amm");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, pair_test_tables);
	tcase_add_test(tc, hand_computed);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, move_to_price);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
