/*
 * pnl.h: the money of stratd's fills, exact: pool fee and price impact of
 * a swap against the pool's reserves, values at the pool's price, decimal
 * text for the database, and the daily PnL rows (pnl_daily).
 *
 * Conventions (docs/STRATD.md "PnL"): every amount is a u256 in token
 * base units; the database's money columns are decimal text in human
 * units of the quote token. realized is what the grid engine reports for
 * a round trip: proceeds minus cost, both after the pool fee (the amounts
 * a swap really gives and takes), so pool fees are inside it; fees is the
 * pool fee paid, for information; gas is separate. A day's result is
 * realized - gas + (unrealized - unrealized_start).
 */
#ifndef STRATD_PNL_H
#define STRATD_PNL_H

#include <stddef.h>

#include "u256.h"

struct db;

#define PNL_DEC_MAX	(U256_DEC_MAX + 4)	/* sign, dot, NUL */

/* The costs of one swap. */
struct pnl_costs {
	u256	fee;		/* pool fee in base units of the token spent */
	u256	fee_quote;	/* the same in quote base units */
	u256	slippage_quote;	/* price impact: what the mid price would
				 * have given beyond what came out, quote */
};

/*
 * Costs of a swap that spent in (quote for a buy, base for a sell) and
 * received out, against the reserves r_base/r_quote seen when it was
 * decided, with the pool's fee_bps. Returns 0, or -1 on zero reserves or
 * overflow.
 */
int	pnl_costs(int buy, const u256 *in, const u256 *out, const u256 *r_base,
	    const u256 *r_quote, unsigned fee_bps, struct pnl_costs *c);

/* base base units valued at the reserves' price, in quote base units
 * (floor). Returns 0 or -1. */
int	pnl_value(const u256 *base, const u256 *r_base, const u256 *r_quote,
	    u256 *quote);

/*
 * quote/base as a decimal price text in human units (quote per base),
 * with 18 decimals at most, trailing zeros removed. Returns 0, or -1 for
 * a zero base or overflow.
 */
int	pnl_price_text(const u256 *quote, unsigned quote_dec, const u256 *base,
	    unsigned base_dec, char *out, size_t cap);

/* v base units as decimal text, "-" first when neg and v is not zero. */
void	pnl_text(const u256 *v, int neg, unsigned dec, char *out, size_t cap);

/* What one event adds to a strategy's row of the day. */
struct pnl_delta {
	const char	*realized;	/* signed decimal text, NULL: 0 */
	const char	*fees;		/* decimal text, NULL: 0 */
	const char	*gas;
	const char	*volume;
	int		 trades, round_trips, wins, errors;
	const char	*unrealized;	/* signed text: replaces; NULL: kept */
};

/*
 * Add d to strategy_id's pnl_daily row of the current UTC day (creating
 * it, with unrealized_start from the latest earlier row). Runs inside the
 * caller's transaction when there is one. Returns 0 or -1.
 */
int	pnl_add(struct db *, long long strategy_id, const struct pnl_delta *d);

#endif
