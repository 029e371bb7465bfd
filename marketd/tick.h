/*
 * tick.h: one market's price at one block, computed from the pool's
 * reserves with the pool's own constant-product math (common/amm.h), so
 * an executable price here equals the router's getAmountsOut to the wei.
 *
 * Executable prices are given for the configured order sizes
 * ([marketd] exec_sizes, in quote-token units) on both sides:
 *   buy:  spend `size` quote  -> amount_out base  (path quote, base);
 *   sell: sell the base worth `size` at the mid price (amount_in =
 *         size * r_base / r_quote, floored) -> amount_out quote
 *         (path base, quote).
 * Each side carries amount_in and amount_out in base units, so anyone can
 * check it against getAmountsOut(amount_in, path).
 */
#ifndef MARKETD_TICK_H
#define MARKETD_TICK_H

#include <stdint.h>

#include <cJSON.h>

#include "addr.h"
#include "dec.h"
#include "u256.h"

#define TICK_MAX_SIZES	8
#define TICK_SYMBOL_MAX	40
#define TICK_NAME_MAX	40

/* What computing a tick needs to know about a market. */
struct tick_market {
	char		 symbol[TICK_SYMBOL_MAX];	/* "BTC/USDT" */
	char		 base[TICK_NAME_MAX];	/* token names */
	char		 quote[TICK_NAME_MAX];
	unsigned	 base_dec, quote_dec;
	unsigned	 fee_bps;
	struct addr	 pair, base_addr, quote_addr;
	int		 base_is_token0;	/* pair.token0() == base */
};

/* The configured order sizes, in quote units (text as configured). */
struct tick_sizes {
	int	 n;
	char	 text[TICK_MAX_SIZES][DEC_MAX];
};

struct tick_side {
	int	 ok;		/* 0: no quote (pool too small, size too fine) */
	u256	 amount_in;	/* base units of the token spent */
	u256	 amount_out;	/* base units received */
	char	 price[DEC_MAX];	/* quote per base */
};

struct tick_exec {
	char		 size[DEC_MAX];	/* quote units */
	struct tick_side buy, sell;
};

struct tick {
	uint64_t	 block;
	uint64_t	 block_time;	/* seconds, the block's timestamp */
	int64_t		 t_reply_us;	/* wall clock when the reserves arrived */
	u256		 r_base, r_quote;
	char		 mid[DEC_MAX];	/* r_quote / r_base in human units */
	double		 mid_f;		/* the same, for display/statistics */
	int		 nexec;
	struct tick_exec exec[TICK_MAX_SIZES];
};

/*
 * Parse a list of 1..TICK_MAX_SIZES decimal sizes separated by commas or
 * blanks ("100, 1000"); NULL or "" gives none. Returns 0 or -1.
 */
int	 tick_sizes_parse(const char *list, struct tick_sizes *out);

/*
 * Fill t from the pool's reserves r0/r1 (token0/token1 order) for market
 * m and sizes sz (block fields are the caller's). Returns 0, or -1 when a
 * reserve is zero (an empty pool has no price).
 */
int	 tick_compute(struct tick *t, const struct tick_market *m,
	    const struct tick_sizes *sz, const u256 *r0, const u256 *r1);

/*
 * The tick.<SYMBOL> event body (see docs/MARKETD.md for the fields).
 * seq numbers ticks of this process; stale is the market's flag.
 * Returns a new object or NULL on allocation failure.
 */
cJSON	*tick_json(const struct tick *t, const struct tick_market *m,
	    uint64_t seq, int stale);

/* Wall clock in microseconds (for latency stamps). */
int64_t	 tick_now_us(void);

#endif
