/*
 * backtest.h: the grid strategy over stored candles.
 *
 * Within a candle the price takes an explicit path of four points:
 * open -> low -> high -> close when the candle closes at or above its
 * open, open -> high -> low -> close when it closes below. Between points
 * (and from one candle's close to the next one's open) the price is taken
 * to move continuously, so every level between two points is crossed, in
 * order, and an order fills at the price that triggered it (the level, or
 * the stop bound) against a constant-product pool of the configured depth
 * centred there (grid_sim_fill: pool fee, price impact; gas per swap).
 * The engine is grid.c, fed the path points one by one exactly as stratd
 * feeds it prices in paper and live mode.
 *
 * The inner loop allocates nothing, reads no database and writes no JSON:
 * a candle that crosses no trigger costs a few comparisons and the
 * equity statistics.
 */
#ifndef STRATD_BACKTEST_H
#define STRATD_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include "grid.h"
#include "report.h"

struct db;

struct bt_candle {
	int64_t	t;		/* open time, Unix ms */
	double	o, h, l, c;
};

/* Candles of one symbol and interval, in time order. */
struct bt_series {
	struct bt_candle	*c;
	size_t			 n, cap;
	int64_t			 interval_ms;
	char			 symbol[72];
	char			 interval[8];
};

#define BT_SERIES_POINTS	1000	/* chart points kept per run */

/*
 * The path points of one candle (see above) into pts[4]. Returns 4.
 */
int	bt_candle_path(const struct bt_candle *, double pts[4]);

/* Time of path point i (0..3) of a candle: open + i * interval / 4. */
int64_t	bt_point_time(const struct bt_candle *, int64_t interval_ms, int i);

/*
 * Run params over candles[0..n) with the market's costs. Fills rep (its
 * metrics, levels and equity series; the caller sets name, symbol,
 * interval and window first or after) and appends the trades to trades
 * (NULL: only counted). Returns 0, or -1 with err: invalid params (as
 * grid_new says), no candles, out of memory. Deterministic: the same input
 * gives the same report, bit for bit.
 */
int	bt_run(const struct grid_params *, const struct grid_market *,
	    const struct bt_candle *candles, size_t n, int64_t interval_ms,
	    struct report *rep, struct report_trades *trades, char *err,
	    size_t errlen);

/* Append a candle. Returns 0 or -1 (out of memory). */
int	bt_series_add(struct bt_series *, const struct bt_candle *);
/* Free the candles and zero the series. */
void	bt_series_clear(struct bt_series *);

/*
 * Load candles of symbol from the candles table, open_time in
 * [from_ms, to_ms) (either may be INT64_MIN/INT64_MAX: open). interval
 * NULL or "" picks the finest interval stored for the symbol in that
 * window. Returns 0 (s filled, possibly with no candles), or -1 with err.
 */
int	bt_series_load(struct db *, const char *symbol, const char *interval,
	    int64_t from_ms, int64_t to_ms, struct bt_series *s, char *err,
	    size_t errlen);

/*
 * The candle interval of symbol that covers the most time (candles x
 * interval; the finest on a tie) into out ("" when there is none), so a
 * few minutes of 1m candles do not hide weeks of 5m ones. The candles
 * counted are those with an open time in [from_ms, to_ms) or, with
 * recent_ms > 0, those within recent_ms of each interval's own newest
 * candle (quick-grid's "last N days of the data"). Returns 0, or -1 with
 * err.
 */
int	bt_best_interval(struct db *, const char *symbol, int64_t from_ms,
	    int64_t to_ms, int64_t recent_ms, char *out, size_t cap, char *err,
	    size_t errlen);

/*
 * Length of a candle interval ("5m" -> 300000), 0 when unknown.
 */
int64_t	bt_interval_ms(const char *interval);

#endif
