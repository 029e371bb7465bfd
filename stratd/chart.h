/*
 * chart.h: one SVG picture of a backtest: price (close line over the
 * high-low band), the grid levels (and stop bounds), buy and sell marks
 * at their prices, and the equity curve below, with axes, dates and the
 * headline figures. Plain SVG 1.1, no scripts or external references.
 *
 * Elements carry classes a program can find: polyline.price,
 * path.range, line.level, line.bound, path.buy, path.sell,
 * polyline.equity, line.start-equity.
 */
#ifndef STRATD_CHART_H
#define STRATD_CHART_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

#define CHART_MAX_MARKS	5000	/* trade marks drawn (the first ones) */

/* Write the SVG to f. Returns 0, or -1 on a write error. */
int	chart_svg(FILE *f, const struct report *, const struct report_trades *);

/*
 * Write the SVG to path (replaced atomically: a temporary file renamed
 * over it). Returns 0, or -1 with err.
 */
int	chart_write(const char *path, const struct report *,
	    const struct report_trades *, char *err, size_t errlen);

#endif
