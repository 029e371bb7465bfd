/*
 * grid_int.h: what the files of the grid engine share (not for use
 * outside stratd/grid*.c; the API is grid.h): the grid, its levels and
 * cells, and the helpers each file offers the others.
 */
#ifndef BSC_GRID_INT_H
#define BSC_GRID_INT_H

#include <stdint.h>

#include "grid.h"
#include "u256.h"

enum cell_state { C_EMPTY = 0, C_HOLDING, C_BUY_PENDING, C_SELL_PENDING };

struct cell {
	enum cell_state	 state;
	int		 armed;		/* the price was on the far side */
	u256		 plan_base;	/* planned amount (a multiple of lot) */
	u256		 plan_quote;	/* what its buy spends */
	u256		 base;		/* held (HOLDING, SELL_PENDING) */
	u256		 cost;		/* quote it cost */
	u256		 gas;		/* gas of its buy */
	int64_t		 since;		/* time of its buy, -1 none */
	struct grid_order pend;		/* the pending order (id 0: none) */
};

struct level {
	double		 price;
	u256		 px;
	char		 text[GRID_DEC_MAX];
	uint64_t	 seq;
	int64_t		 last_at;	/* -1: never */
};

struct grid {
	struct grid_params	 p;
	struct grid_market	 m;
	int			 n;		/* cells */
	struct level		*lv;		/* n + 1 */
	struct cell		*c;		/* n */
	enum grid_status	 status;
	char			 reason[160];
	uint64_t		 next_id;
	int			 has_sl, has_tp;
	double			 sl, tp;
	u256			 sl_px, tp_px;
	double			 stop_price;	/* the bound that stopped it */
	u256			 stop_px;
	double			 lo, hi;	/* fast-path triggers */
	double			 last;		/* last observed price,
	    0 none */
	struct grid_totals	 tot;
	u256			 lot;
};

/* grid.c: exact helpers */
/* 10^k as a u256 (k at most 77: above, the product stops growing). */
u256		 grid_pow10u(unsigned k);
/* 1 when *a is zero. */
int		 grid_is_zero(const u256 *a);
/* Quote base units for base base units at px, floor (up 0) or ceiling
 * (up 1). Returns 0, or -1 on overflow. */
int		 grid_quote_for(const struct grid_market *m, const u256 *base,
		    const u256 *px, u256 *quote, int up);
/* Base base units that quote quote base units buy at px (floor). 0 or
 * -1. */
int		 grid_base_for(const struct grid_market *m, const u256 *quote,
		    const u256 *px, u256 *base);
/* Number of decimals px really uses (0..GRID_PX_DEC). */
unsigned	 grid_px_decimals(const u256 *px);
/* v (dec decimals) as human decimal text in out. */
void		 grid_fmt_units(const u256 *v, unsigned dec, char *out,
		    size_t cap);
/* A parameter error in err; returns -1. */
int		 grid_perr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* grid_lay.c */
/* The fast path's bounds from the levels and the cells: a price
 * strictly inside (lo, hi) changes nothing. */
void		 grid_recompute_triggers(struct grid *g);
/* 1 when a LEVEL order is in flight at level i. */
int		 grid_level_busy(const struct grid *g, int i);

#endif
