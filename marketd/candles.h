/*
 * candles.h: OHLCV candles: intervals, validation, gaps, storage in the
 * candles table, stored ranges, and the 1-minute builder that turns DEX
 * ticks into candles.
 *
 * Prices and volumes are decimal text (dec.h), never doubles: they go to
 * the numeric columns exactly as the source wrote them.
 */
#ifndef MARKETD_CANDLES_H
#define MARKETD_CANDLES_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "dec.h"

struct db;

#define CANDLE_DEC	64	/* a price or volume as text, with NUL */

struct candle {
	int64_t	 open_ms;		/* open time, Unix milliseconds */
	char	 open[CANDLE_DEC];
	char	 high[CANDLE_DEC];
	char	 low[CANDLE_DEC];
	char	 close[CANDLE_DEC];
	char	 volume[CANDLE_DEC];	/* base units (human) */
	char	 quote_volume[CANDLE_DEC]; /* "" when the source has none */
	long long trades;		/* -1 when the source has none */
	int	 line;			/* source line, 0 when none */
};

/* A gap: no candle strictly between after_ms and before_ms. */
struct candle_gap {
	int64_t	 after_ms;
	int64_t	 before_ms;
	long	 missing;		/* candles missing in between */
};

/*
 * Length of interval ("1m", "4h", "1M") in milliseconds; "1M" (a calendar
 * month) gives 30 days. 0 for a name the candles table does not know.
 */
int64_t	 candle_interval_ms(const char *interval);

/* The interval whose length is ms exactly ("1h" for 3600000), or NULL. */
const char *candle_interval_name(int64_t ms);

/* Open time of the candle after the one opening at t (calendar months
 * for "1M"). */
int64_t	 candle_next_open(const char *interval, int64_t t);

/*
 * Set one price or volume field from number text s[0..len): normalised
 * with dec_normalize. Returns 0, or -1 on bad or over-long text.
 */
int	 candle_set(char field[CANDLE_DEC], const char *s, size_t len);

/*
 * Check one candle as the table does: low > 0, low <= open, close <=
 * high, and so on; volume >= 0. Returns 0, or -1 with the reason in err.
 */
int	 candle_check(const struct candle *, char *err, size_t errlen);

/*
 * Gaps in rows[0..n) (sorted by open_ms): counts them into *ngaps and the
 * missing candles into *missing, and copies the first max of them into
 * gaps (which may be NULL when max is 0).
 */
void	 candle_gaps(const char *interval, const struct candle *rows,
	    size_t n, struct candle_gap *gaps, size_t max, size_t *ngaps,
	    long *missing);

/*
 * Insert rows[0..n) for symbol/interval from source ("csv", "cex",
 * "dex", "test") in ONE transaction: ON CONFLICT DO NOTHING, so a
 * re-import changes nothing. *inserted gets the number of new rows.
 * Returns 0, or -1 with err filled (nothing stored: rolled back).
 */
int	 candles_store(struct db *, const char *symbol, const char *interval,
	    const char *source, const struct candle *rows, size_t n,
	    size_t *inserted, char *err, size_t errlen);

/*
 * Upsert 1-minute DEX candles: a candle already stored by marketd for the
 * same minute (a restart mid-minute) is merged (high/low widened, close and
 * volume updated); one from another source is left alone. Returns 0 or -1.
 */
int	 candles_store_dex(struct db *, const char *symbol,
	    const struct candle *rows, size_t n, char *err, size_t errlen);

/*
 * Stored ranges, one object per symbol and interval (symbol NULL: all):
 * [{"symbol","interval","from","to","count","gaps","missing",
 *   "sources":[...]}], times as ISO-8601 UTC. NULL with err on failure.
 */
cJSON	*candles_ranges(struct db *, const char *symbol, char *err,
	    size_t errlen);

/* --- building 1-minute candles from ticks --- */

#define CANDLE_FILL_MAX	1440	/* flat candles filled over a quiet spell */

struct candle_builder {
	int		 open;		/* a candle is being built */
	struct candle	 cur;
	u256		 vol;		/* volume of cur, base units */
	unsigned	 vol_dec;	/* decimals of the base token */
	char		 last_close[CANDLE_DEC];	/* "" when none */
};

/* Start a builder for a market whose base token has vol_dec decimals. */
void	 candle_builder_init(struct candle_builder *, unsigned vol_dec);

/*
 * Feed one price (normalised decimal text) at time t_ms with traded base
 * volume vol (base units; NULL for none). Candles that closed are
 * appended to out (room for max; *nout counts them). A pool's price is
 * state, so a candle opens at the previous close when it follows the
 * previous candle; minutes skipped between two prices are filled with
 * flat candles (open = high = low = close, volume 0) when fill is 1 (the
 * feed was fresh all along). A price older than the current candle is
 * ignored. Returns 0, or -1 for bad text.
 */
int	 candle_builder_add(struct candle_builder *, int64_t t_ms,
	    const char *price, const u256 *vol, int fill, struct candle *out,
	    size_t max, size_t *nout);

/*
 * Close the current candle when now_ms is past its minute (the chain was
 * quiet) and append it to out; when fill is 1 a flat candle for the next
 * minute is opened from its close, otherwise the builder stops until the
 * next price. Returns the number of candles appended (0 or 1).
 */
size_t	 candle_builder_close(struct candle_builder *, int64_t now_ms,
	    int fill, struct candle *out);

/* The current (open, partial) candle into out. Returns 1, or 0 if none. */
int	 candle_builder_peek(const struct candle_builder *, struct candle *out);

#endif
