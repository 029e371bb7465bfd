/*
 * report_int.h: what the files of the backtest reports share (not for
 * use outside stratd/report*.c; the API is report.h).
 */
#ifndef BSC_REPORT_INT_H
#define BSC_REPORT_INT_H

#include "report.h"

#define PRICE_PATH	"open-low-high-close when close >= open, else " \
			"open-high-low-close; levels fill at their price"
#define TRADE_BATCH	2000	/* trades per INSERT */

/* report.c */
/* Signed decimal text with dec decimals into *m. 0, or -1 (NULL too). */
int		 report_money_parse(struct report_money *m, const char *s,
		    unsigned dec);

#endif
