/*
 * amm.c: constant-product pool math, exact to the wei (see amm.h).
 */
#include <math.h>

#include "amm.h"

#define FEE_DENOM	10000

int
amm_get_amount_out(u256 *out, const u256 *in, const u256 *r_in,
    const u256 *r_out, unsigned fee_bps)
{
	u256	fee_keep, denom10k, in_fee, num, den;

	if (fee_bps >= FEE_DENOM || u256_is_zero(in) || u256_is_zero(r_in) ||
	    u256_is_zero(r_out))
		return -1;
	fee_keep = u256_from_u64(FEE_DENOM - fee_bps);
	denom10k = u256_from_u64(FEE_DENOM);
	/* The pair does this in uint256 and reverts on overflow: so do we. */
	if (u256_mul(&in_fee, in, &fee_keep) == -1 ||
	    u256_mul(&num, &in_fee, r_out) == -1 ||
	    u256_mul(&den, r_in, &denom10k) == -1 ||
	    u256_add(&den, &den, &in_fee) == -1)
		return -1;
	return u256_divmod(out, NULL, &num, &den);
}

int
amm_get_amount_in(u256 *in, const u256 *out, const u256 *r_in,
    const u256 *r_out, unsigned fee_bps)
{
	u256	fee_keep, denom10k, num, den, diff, one = u256_from_u64(1);

	if (fee_bps >= FEE_DENOM || u256_is_zero(out) || u256_is_zero(r_in) ||
	    u256_is_zero(r_out) || u256_cmp(out, r_out) >= 0)
		return -1;
	fee_keep = u256_from_u64(FEE_DENOM - fee_bps);
	denom10k = u256_from_u64(FEE_DENOM);
	if (u256_mul(&num, r_in, out) == -1 ||
	    u256_mul(&num, &num, &denom10k) == -1 ||
	    u256_sub(&diff, r_out, out) == -1 ||
	    u256_mul(&den, &diff, &fee_keep) == -1 ||
	    u256_divmod(in, NULL, &num, &den) == -1)
		return -1;
	return u256_add(in, in, &one);
}

int
amm_apply_swap(u256 *r_in, u256 *r_out, const u256 *in, const u256 *out)
{
	u256	a, b;

	if (u256_add(&a, r_in, in) == -1 || u256_sub(&b, r_out, out) == -1)
		return -1;
	*r_in = a;
	*r_out = b;
	return 0;
}

double
amm_mid_price(const u256 *r_base, const u256 *r_quote, unsigned base_dec,
    unsigned quote_dec)
{
	double	b = u256_to_double(r_base), q = u256_to_double(r_quote);

	if (b <= 0.0 || q <= 0.0)
		return 0.0;
	return (q / pow(10.0, quote_dec)) / (b / pow(10.0, base_dec));
}

/* Non-negative double (integral part) to u256. -1 when it does not fit. */
static int
from_double(u256 *r, double v)
{
	int	i;

	if (!(v >= 0.0) || v >= 0x1p256)
		return -1;
	v = floor(v);
	for (i = 3; i >= 0; i--) {
		double	limb = floor(ldexp(v, -64 * i));

		r->w[i] = (uint64_t)fmod(limb, 0x1p64);
		v -= ldexp((double)r->w[i], 64 * i);
		if (v < 0.0)
			v = 0.0;
	}
	return 0;
}

/*
 * Input x that brings the pool to the target after the fee is kept in the
 * pool: with g = 1 - fee and r the input-side reserve, the swap leaves
 * (r + x)(r + g x) = C, C = r_base*r_quote/P when selling base and
 * P*r_base*r_quote when selling quote (P in quote units per base unit).
 * Solve g x^2 + r(1+g) x + r^2 - C = 0 for the positive root.
 */
static double
input_for(double r, double c, double g)
{
	double	b = r * (1.0 + g), disc = b * b - 4.0 * g * (r * r - c);

	if (disc < 0.0)
		return 0.0;
	/* Stable form of (-b + sqrt(disc)) / 2g for small x. */
	return 2.0 * (c - r * r) / (b + sqrt(disc));
}

int
amm_amount_to_price(u256 *in, int *base_in, const u256 *r_base,
    const u256 *r_quote, unsigned base_dec, unsigned quote_dec,
    double target, unsigned fee_bps)
{
	double	rb = u256_to_double(r_base), rq = u256_to_double(r_quote);
	double	p0, p, g, x;

	*in = u256_from_u64(0);
	*base_in = 0;
	if (!(target > 0.0) || rb <= 0.0 || rq <= 0.0 || fee_bps >= FEE_DENOM)
		return -1;
	p0 = amm_mid_price(r_base, r_quote, base_dec, quote_dec);
	/* The target in quote base-units per base base-unit. */
	p = target * pow(10.0, (double)quote_dec - (double)base_dec);
	g = 1.0 - fee_bps / (double)FEE_DENOM;
	if (target < p0) {
		*base_in = 1;
		x = input_for(rb, rb * rq / p, g);
	} else if (target > p0)
		x = input_for(rq, p * rb * rq, g);
	else
		return 0;
	if (x < 1.0)
		return 0;
	return from_double(in, x);
}
