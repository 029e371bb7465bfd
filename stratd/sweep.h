/*
 * sweep.h: parameter sweeps of the grid backtest over every core.
 *
 * A sweep expands a space (grid counts, range widths, spacings) around
 * fixed parameters into points, then runs them in worker processes forked
 * after the candles are loaded (they share the candle array copy-on-write
 * and touch no database): worker w runs points w, w + jobs, ...; each
 * result travels back to the parent through a pipe as JSON, where the
 * caller stores it. Ranking is the caller's (sweep_rank).
 */
#ifndef STRATD_SWEEP_H
#define STRATD_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "backtest.h"
#include "grid.h"
#include "report.h"

enum sweep_metric {
	SWEEP_SHARPE = 0, SWEEP_RETURN, SWEEP_SORTINO, SWEEP_REALIZED,
	SWEEP_APR, SWEEP_WIN_RATE, SWEEP_DRAWDOWN
};

/* "sharpe", "return", "sortino", "realized_profit", "apr", "win_rate",
 * "max_drawdown". Returns 0, or -1 for another name. */
int		 sweep_metric_parse(const char *, enum sweep_metric *);
const char	*sweep_metric_name(enum sweep_metric);
/* The metric of a report, oriented so that larger is better (drawdown
 * is negated). */
double		 sweep_metric_value(const struct report *, enum sweep_metric);

/*
 * The space: grid counts from..to by step; range widths (fractions of
 * the reference price, the grid centred on it) from..to by step, or none
 * (w_from 0: the bounds of the fixed parameters); spacings as a bit set
 * (1 arithmetic, 2 geometric; 0: that of the fixed parameters).
 */
struct sweep_space {
	int	gc_from, gc_to, gc_step;
	double	w_from, w_to, w_step;
	int	spacings;
};

#define SWEEP_MAX_POINTS	100000

/*
 * Points of the space around base (ref: the price the widths centre on).
 * *out is a new array (caller frees) of *n points. Returns 0, or -1 with
 * err (an empty or too large space, bad steps).
 */
int	sweep_expand(const struct grid_params *base, const struct sweep_space *,
	    double ref, struct grid_params **out, size_t *n, char *err,
	    size_t errlen);

/*
 * Called in the parent for each point as its result arrives: rep and
 * trades (trades only when asked for) belong to the callee for the call;
 * error is set instead when the point's parameters are invalid (rep is
 * then NULL). Returns 0, or -1 to abort the sweep.
 */
typedef int	(*sweep_result_fn)(void *arg, size_t idx,
		    const struct grid_params *, struct report *rep,
		    struct report_trades *trades, const char *error);

/*
 * Run pts[0..npts) over candles in `jobs` forked workers (jobs < 1: one
 * per online core; never more than npts). tmpl gives each report its
 * symbol, interval, window and sweep id. With progress_fd >= 0 a progress
 * bar is drawn there. Returns 0, or -1 with err (fork or pipe failure, a
 * worker that died, fn aborting). Workers are always reaped.
 */
int	sweep_run(const struct bt_candle *, size_t n, int64_t interval_ms,
	    const struct grid_market *, const struct report *tmpl,
	    const struct grid_params *pts, size_t npts, int jobs,
	    int want_trades, int progress_fd, sweep_result_fn fn, void *arg,
	    char *err, size_t errlen);

/* Number of online cores (at least 1). */
int	sweep_cores(void);

#endif
