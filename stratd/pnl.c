/*
 * pnl.c: the money of stratd's fills (see pnl.h).
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "pnl.h"

static u256
pow10u(unsigned k)
{
	u256	r = u256_from_u64(1), ten = u256_from_u64(10);

	while (k-- > 0)
		u256_mul(&r, &r, &ten);
	return r;
}

int
pnl_value(const u256 *base, const u256 *r_base, const u256 *r_quote,
    u256 *quote)
{
	if (u256_is_zero(r_base))
		return -1;
	return u256_muldiv(quote, base, r_quote, r_base);
}

int
pnl_costs(int buy, const u256 *in, const u256 *out, const u256 *r_base,
    const u256 *r_quote, unsigned fee_bps, struct pnl_costs *c)
{
	u256	fb = u256_from_u64(fee_bps), tenk = u256_from_u64(10000);
	u256	net, ideal, diff;

	memset(c, 0, sizeof(*c));
	if (u256_is_zero(r_base) || u256_is_zero(r_quote) ||
	    u256_muldiv(&c->fee, in, &fb, &tenk) == -1 ||
	    u256_sub(&net, in, &c->fee) == -1)
		return -1;
	if (buy) {
		/* Spent quote: the fee is quote already. What the rest
		 * would have bought at the mid price, less what came. */
		c->fee_quote = c->fee;
		if (u256_muldiv(&ideal, &net, r_base, r_quote) == -1)
			return -1;
		if (u256_cmp(&ideal, out) > 0) {
			u256_sub(&diff, &ideal, out);
			if (pnl_value(&diff, r_base, r_quote,
			    &c->slippage_quote) == -1)
				return -1;
		}
		return 0;
	}
	if (pnl_value(&c->fee, r_base, r_quote, &c->fee_quote) == -1 ||
	    pnl_value(&net, r_base, r_quote, &ideal) == -1)
		return -1;
	if (u256_cmp(&ideal, out) > 0)
		u256_sub(&c->slippage_quote, &ideal, out);
	return 0;
}

int
pnl_price_text(const u256 *quote, unsigned quote_dec, const u256 *base,
    unsigned base_dec, char *out, size_t cap)
{
	char	buf[U256_DEC_MAX + 2];
	u256	q, k, d;

	if (u256_is_zero(base))
		return -1;
	if (base_dec + 18 >= quote_dec) {
		k = pow10u(base_dec + 18 - quote_dec);
		if (u256_muldiv(&q, quote, &k, base) == -1)
			return -1;
	} else {
		k = pow10u(quote_dec - base_dec - 18);
		if (u256_mul(&d, base, &k) == -1 ||
		    u256_divmod(&q, NULL, quote, &d) == -1)
			return -1;
	}
	u256_format_units(&q, 18, buf);
	snprintf(out, cap, "%s", buf);
	return 0;
}

void
pnl_text(const u256 *v, int neg, unsigned dec, char *out, size_t cap)
{
	char	buf[U256_DEC_MAX + 2];

	u256_format_units(v, dec, buf);
	snprintf(out, cap, "%s%s", neg && !u256_is_zero(v) ? "-" : "", buf);
}

int
pnl_add(struct db *d, long long sid, const struct pnl_delta *x)
{
	char		 ib[24], tr[16], rt[16], wn[16], er[16];
	const char	*p[10];

	snprintf(ib, sizeof(ib), "%lld", sid);
	snprintf(tr, sizeof(tr), "%d", x->trades);
	snprintf(rt, sizeof(rt), "%d", x->round_trips);
	snprintf(wn, sizeof(wn), "%d", x->wins);
	snprintf(er, sizeof(er), "%d", x->errors);
	p[0] = ib;
	p[1] = x->realized ? x->realized : "0";
	p[2] = x->fees ? x->fees : "0";
	p[3] = x->gas ? x->gas : "0";
	p[4] = x->volume ? x->volume : "0";
	p[5] = tr;
	p[6] = rt;
	p[7] = wn;
	p[8] = er;
	p[9] = x->unrealized;
	/*
	 * A new day starts from the latest earlier row's unrealized: that is
	 * both its unrealized_start and, until a new mark, its unrealized.
	 */
	return db_exec(d, "WITH prev AS (SELECT coalesce((SELECT unrealized "
	    "FROM pnl_daily WHERE strategy_id = $1 AND day < "
	    "(now() AT TIME ZONE 'UTC')::date ORDER BY day DESC LIMIT 1), 0) "
	    "AS u) "
	    "INSERT INTO pnl_daily (strategy_id, day, realized, fees, gas, "
	    "volume, trades, round_trips, wins, errors, unrealized, "
	    "unrealized_start) SELECT $1, (now() AT TIME ZONE 'UTC')::date, "
	    "$2::numeric, $3::numeric, $4::numeric, $5::numeric, $6::integer, "
	    "$7::integer, $8::integer, $9::integer, "
	    "coalesce($10::numeric, prev.u), prev.u FROM prev "
	    "ON CONFLICT (strategy_id, day) DO UPDATE SET "
	    "realized = pnl_daily.realized + EXCLUDED.realized, "
	    "fees = pnl_daily.fees + EXCLUDED.fees, "
	    "gas = pnl_daily.gas + EXCLUDED.gas, "
	    "volume = pnl_daily.volume + EXCLUDED.volume, "
	    "trades = pnl_daily.trades + EXCLUDED.trades, "
	    "round_trips = pnl_daily.round_trips + EXCLUDED.round_trips, "
	    "wins = pnl_daily.wins + EXCLUDED.wins, "
	    "errors = pnl_daily.errors + EXCLUDED.errors, "
	    "unrealized = CASE WHEN $10::numeric IS NULL THEN "
	    "pnl_daily.unrealized ELSE EXCLUDED.unrealized END", 10, p);
}
