/*
 * report.h: the result of a backtest: its metrics, equity curve and
 * trades; their JSON form (what `backtest run|show --json` print and what
 * backtests.report stores) and their rows in the database.
 *
 * Money is exact (u256 quote base units, printed as decimal strings in
 * quote tokens); ratios and statistics are doubles. docs/BACKTEST.md
 * defines every metric.
 */
#ifndef STRATD_REPORT_H
#define STRATD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "grid.h"
#include "u256.h"

struct db;

/* A signed exact amount: magnitude and sign. */
struct report_money {
	u256	v;
	int	neg;
};

/* One simulated trade (a filled order). */
struct report_trade {
	int64_t		t_ms;
	uint8_t		kind;		/* enum grid_kind */
	uint8_t		side;		/* enum grid_side */
	uint8_t		has_pnl;
	uint8_t		pnl_neg;
	int		level;		/* -1 for INIT and CLOSE */
	double		price;		/* the order's price (level, bound) */
	u256		px;		/* the same, exact */
	u256		base;		/* base bought or sold */
	u256		quote;		/* quote spent or received */
	u256		fee;		/* quote units */
	u256		gas;		/* quote units */
	u256		slippage;	/* quote units */
	u256		pnl;		/* realized on a sell */
};

/* A growable list of trades. */
struct report_trades {
	struct report_trade	*v;
	size_t			 n, cap;
};

/* One point of the downsampled price and equity series (the chart). */
struct report_point {
	int64_t	t_ms;		/* open time of the first candle in it */
	double	low, high;	/* range of the candles in it */
	double	close;		/* close of the last candle in it */
	double	equity;		/* equity at that close */
};

struct report {
	long long		 id;		/* backtests.id, 0 before stored */
	long long		 sweep_id;	/* 0: none */
	char			 name[128];
	char			 symbol[72];
	char			 interval[8];
	int64_t			 from_ms, to_ms;	/* requested window */
	int64_t			 first_ms;	/* first candle's open */
	int64_t			 last_ms;	/* last candle's close */
	int64_t			 interval_ms;
	long			 candles;
	struct grid_params	 params;
	struct grid_market	 market;	/* the cost model */

	struct report_money	 initial_equity;
	struct report_money	 final_equity;
	struct report_money	 realized;
	struct report_money	 unrealized;
	u256			 fees, gas, slippage, volume;
	u256			 end_base;	/* base held at the end */
	u256			 end_quote;	/* quote held at the end */
	double			 total_return;
	double			 max_drawdown;	/* fraction of the peak */
	double			 max_drawdown_value;	/* quote tokens */
	int64_t			 dd_peak_ms, dd_trough_ms;	/* -1: none */
	double			 sharpe, sortino, win_rate, apr;
	long			 trades, buys, sells, round_trips, wins;
	long			 failed;	/* orders refused (no balance) */
	char			 status[16];	/* "running" | "stopped" */
	char			 stop_reason[160];	/* "" none */
	double			 first_price, last_price;

	char			(*levels)[GRID_DEC_MAX];
	int			 nlevels;
	struct report_point	*series;
	size_t			 nseries;
};

/* Free what a report owns (levels, series) and zero it. */
void	report_clear(struct report *);

/* Append a trade. Returns 0, or -1 when out of memory. */
int	report_trades_add(struct report_trades *, const struct report_trade *);
/* Free a trade list and zero it. */
void	report_trades_clear(struct report_trades *);

/* Signed money: a - b into r. */
void	report_money_sub(struct report_money *r, const u256 *a, const u256 *b);

/* "-12.5" style text of a signed amount with dec decimals into out
 * (U256_DEC_MAX + 3 bytes). Returns out. */
char	*report_money_text(const struct report_money *, unsigned dec,
	    char *out);

/* ISO-8601 UTC text of Unix milliseconds ("2023-01-02T16:45:00Z", with
 * ".123" when there are milliseconds) into out (32 bytes). Returns out. */
char	*report_time_text(int64_t ms, char *out);

/*
 * The report as JSON: the summary (what --json prints: id, return,
 * realized_profit, ... in a fixed order), plus "levels" and "series" when
 * full is 1 (what backtests.report stores). Returns a new object (caller
 * frees) or NULL.
 */
cJSON	*report_to_json(const struct report *, int full);

/*
 * Read a report written by report_to_json(full = 1). Returns 0, or -1
 * with err. The report owns new levels and series (report_clear).
 */
int	report_from_json(struct report *, const cJSON *, char *err,
	    size_t errlen);

/* A trade as JSON (for --json listings), new object or NULL. */
cJSON	*report_trade_to_json(const struct report *, const struct report_trade *);

/*
 * Store a finished report and its trades in one transaction (backtests
 * row with status done, backtest_trades rows). Sets rep->id. Returns 0,
 * or -1 with err (nothing stored).
 */
int	report_store(struct db *, struct report *, const struct report_trades *,
	    char *err, size_t errlen);

/*
 * Load backtest id: the report (from backtests.report) and, when trades
 * is not NULL, its trades. Returns 0, 1 when there is no such backtest,
 * or -1 with err.
 */
int	report_load(struct db *, long long id, struct report *,
	    struct report_trades *trades, char *err, size_t errlen);

/*
 * Recent backtests as a JSON array of summaries without series (newest
 * first; symbol NULL: all; limit > 0). NULL with err on failure.
 */
cJSON	*report_list(struct db *, const char *symbol, int limit, char *err,
	    size_t errlen);

#endif
