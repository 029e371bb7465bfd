/*
 * amm.h: constant-product (Uniswap V2 / PancakeSwap V2) pool math, exact
 * to the wei, as the pair and router contracts compute it:
 *
 *   amountOut = in * (10000 - fee_bps) * rOut / (rIn * 10000 + in * (10000 - fee_bps))
 *   amountIn  = rIn * out * 10000 / ((rOut - out) * (10000 - fee_bps)) + 1
 *
 * fee_bps 30 is Uniswap V2's 997/1000, 25 PancakeSwap V2's 9975/10000.
 * The same functions serve marketd's executable prices, stratd's paper
 * fills and the backtester's price impact.
 */
#ifndef BSC_AMM_H
#define BSC_AMM_H

#include "u256.h"

/*
 * Output for `in` sold into a pool with reserves r_in/r_out. Returns 0, or
 * -1 for zero input or reserves, fee_bps outside 0..9999, or overflow
 * (as the contract would revert).
 */
int	amm_get_amount_out(u256 *out, const u256 *in, const u256 *r_in,
	    const u256 *r_out, unsigned fee_bps);

/*
 * Input needed to receive exactly `out`. Returns 0, or -1 when out is zero
 * or not below r_out, for zero reserves, a bad fee, or overflow.
 */
int	amm_get_amount_in(u256 *in, const u256 *out, const u256 *r_in,
	    const u256 *r_out, unsigned fee_bps);

/*
 * Reserves after a swap of `in` for `out` (r_in + in, r_out - out), as the
 * pair holds them. Returns 0 or -1 on overflow/underflow.
 */
int	amm_apply_swap(u256 *r_in, u256 *r_out, const u256 *in,
	    const u256 *out);

/*
 * Mid price of base in quote units: (r_quote / 10^quote_dec) /
 * (r_base / 10^base_dec), as a double for display, statistics and
 * level comparisons (never for amounts). Returns 0.0 for empty reserves.
 */
double	amm_mid_price(const u256 *r_base, const u256 *r_quote,
	    unsigned base_dec, unsigned quote_dec);

/*
 * The input that moves the mid price to `target` (quote per base, human
 * units) in one swap, the fee staying in the pool: what a price-replay
 * account swaps. Sets *base_in to 1 when base must be sold (price falls),
 * 0 when quote must be sold (price rises); *in is zero when the pool is
 * already there. Solved in double precision (the price lands within about
 * 1e-12 relative of target), then truncated to an integer. Returns 0, or
 * -1 when target is not positive, the pool is empty or the fee is bad.
 */
int	amm_amount_to_price(u256 *in, int *base_in, const u256 *r_base,
	    const u256 *r_quote, unsigned base_dec, unsigned quote_dec,
	    double target, unsigned fee_bps);

#endif
