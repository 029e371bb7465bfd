/*
 * grid_lay.c: laying a grid's levels and cells, and reading them
 * (grid.h, grid_int.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "grid.h"
#include "grid_int.h"

/* --- laying the grid --- */

/* v rounded to GRID_LEVEL_SIG significant digits, as px and text. */
static int
round_level(double v, u256 *px)
{
	char	buf[128];
	int	dec;

	if (!(v > 0.0) || !isfinite(v) || v > 1e40)
		return -1;
	dec = GRID_LEVEL_SIG - 1 - (int)floor(log10(v));
	if (dec < 0)
		dec = 0;
	if (dec > GRID_PX_DEC)
		dec = GRID_PX_DEC;
	snprintf(buf, sizeof(buf), "%.*f", dec, v);
	return u256_parse_units(px, buf, GRID_PX_DEC);
}

static void
set_level(struct level *l, const u256 *px)
{
	l->px = *px;
	grid_fmt_units(px, GRID_PX_DEC, l->text, sizeof(l->text));
	l->price = strtod(l->text, NULL);
	l->seq = 0;
	l->last_at = -1;
}

void
grid_recompute_triggers(struct grid *g)
{
	int	k;

	switch (g->status) {
	case GRID_STOPPED:
		g->lo = -INFINITY;
		g->hi = INFINITY;
		return;
	case GRID_NEW:
	case GRID_STOPPING:
		/* Every observation takes the slow path. */
		g->lo = INFINITY;
		g->hi = -INFINITY;
		return;
	case GRID_RUNNING:
		break;
	}
	g->lo = -INFINITY;
	g->hi = INFINITY;
	if (g->has_sl)
		g->lo = g->sl;
	if (g->has_tp)
		g->hi = g->tp;
	for (k = 0; k < g->n; k++) {
		const struct cell	*c = &g->c[k];
		double			 lk = g->lv[k].price;
		double			 uk = g->lv[k + 1].price;

		if (c->state == C_EMPTY) {
			if (c->armed) {
				if (lk > g->lo)
					g->lo = lk;
			} else if (lk < g->hi)
				g->hi = lk;
		} else if (c->state == C_HOLDING) {
			if (c->armed) {
				if (uk < g->hi)
					g->hi = uk;
			} else if (uk > g->lo)
				g->lo = uk;
		}
	}
}

struct grid *
grid_new(const struct grid_params *p, const struct grid_market *m,
    char *err, size_t errlen)
{
	struct grid	*g;
	u256		 lo, hi, size, pxk;
	unsigned	 dmax = 0, e, d;
	int		 k, n;
	double		 lod, hid;
	char		 a[GRID_DEC_MAX], b[GRID_DEC_MAX], c[GRID_DEC_MAX];

	if (m->fee_bps >= 10000)
		return grid_perr(err, errlen, "pool fee %u bps is not below "
		    "10000", m->fee_bps), NULL;
	if (m->base_dec > 36 || m->quote_dec > 36)
		return grid_perr(err, errlen, "token decimals above 36 are not "
		    "supported"), NULL;
	if (p->upper_price[0] == '\0' || p->lower_price[0] == '\0')
		return grid_perr(err, errlen, "upper_price and lower_price are "
		    "required"), NULL;
	if (grid_px_parse(&lo, p->lower_price) == -1 || grid_is_zero(&lo))
		return grid_perr(err, errlen,
		    "lower_price: '%s' is not a positive "
		    "decimal price", p->lower_price), NULL;
	if (grid_px_parse(&hi, p->upper_price) == -1 || grid_is_zero(&hi))
		return grid_perr(err, errlen,
		    "upper_price: '%s' is not a positive "
		    "decimal price", p->upper_price), NULL;
	if (u256_cmp(&hi, &lo) <= 0)
		return grid_perr(err, errlen, "upper_price (%s) must be above "
		    "lower_price (%s)", p->upper_price, p->lower_price), NULL;
	if (p->grid_count < 2)
		return grid_perr(err, errlen,
		    "grid_count must be at least 2 (got "
		    "%d)", p->grid_count), NULL;
	if (p->grid_count > GRID_MAX_COUNT)
		return grid_perr(err, errlen,
		    "grid_count must be at most %d (got "
		    "%d)", GRID_MAX_COUNT, p->grid_count), NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return grid_perr(err, errlen, "out of memory"), NULL;
	g->p = *p;
	g->m = *m;
	g->n = n = p->grid_count;
	g->lv = calloc((size_t)n + 1, sizeof(*g->lv));
	g->c = calloc((size_t)n, sizeof(*g->c));
	if (g->lv == NULL || g->c == NULL) {
		grid_free(&g);
		return grid_perr(err, errlen, "out of memory"), NULL;
	}
	g->next_id = 1;
	if (p->stop_loss[0]) {
		if (grid_px_parse(&g->sl_px, p->stop_loss) == -1 ||
		    grid_is_zero(&g->sl_px)) {
			grid_perr(err, errlen,
			    "stop_loss: '%s' is not a positive "
			    "decimal price", p->stop_loss);
			goto fail;
		}
		if (u256_cmp(&g->sl_px, &lo) >= 0) {
			grid_perr(err, errlen, "stop_loss (%s) must be below "
			    "lower_price (%s)", p->stop_loss, p->lower_price);
			goto fail;
		}
		g->has_sl = 1;
		g->sl = strtod(p->stop_loss, NULL);
	}
	if (p->take_profit[0]) {
		if (grid_px_parse(&g->tp_px, p->take_profit) == -1 ||
		    grid_is_zero(&g->tp_px)) {
			grid_perr(err, errlen,
			    "take_profit: '%s' is not a positive "
			    "decimal price", p->take_profit);
			goto fail;
		}
		if (u256_cmp(&g->tp_px, &hi) <= 0) {
			grid_perr(err, errlen, "take_profit (%s) must be above "
			    "upper_price (%s)", p->take_profit, p->upper_price);
			goto fail;
		}
		g->has_tp = 1;
		g->tp = strtod(p->take_profit, NULL);
	}

	/* Levels: the bounds exactly as given, the rest rounded. */
	set_level(&g->lv[0], &lo);
	set_level(&g->lv[n], &hi);
	lod = g->lv[0].price;
	hid = g->lv[n].price;
	for (k = 1; k < n; k++) {
		double	v;

		if (p->spacing == GRID_ARITHMETIC)
			v = lod + (hid - lod) * (double)k / (double)n;
		else
			v = lod * pow(hid / lod, (double)k / (double)n);
		if (round_level(v, &pxk) == -1) {
			grid_perr(err, errlen,
			    "level %d: price %g is out of range",
			    k, v);
			goto fail;
		}
		set_level(&g->lv[k], &pxk);
	}
	for (k = 0; k < n; k++)
		if (u256_cmp(&g->lv[k].px, &g->lv[k + 1].px) >= 0) {
			grid_perr(err, errlen,
			    "levels %d and %d collapse to the same "
			    "price (%s): grid_count %d is too large for the "
			    "range %s..%s", k, k + 1, g->lv[k].text, n,
			    p->lower_price, p->upper_price);
			goto fail;
		}
	for (k = 0; k <= n; k++)
		if ((d = grid_px_decimals(&g->lv[k].px)) > dmax)
			dmax = d;
	/* The lot: amounts in multiples of it times a level price are
	 * whole quote base units. */
	e = dmax + m->base_dec > m->quote_dec ? dmax + m->base_dec -
	    m->quote_dec : 0;
	g->lot = grid_pow10u(e);

	/* Each cell's planned amount and the quote its buy spends. */
	if (u256_parse_units(&size, p->base_order_size, p->size_in_base ?
	    m->base_dec : m->quote_dec) == -1 || grid_is_zero(&size)) {
		grid_perr(err, errlen,
		    "base_order_size: '%s' is not a positive "
		    "amount with at most %u decimals", p->base_order_size,
		    p->size_in_base ? m->base_dec : m->quote_dec);
		goto fail;
	}
	for (k = 0; k < n; k++) {
		struct cell	*cl = &g->c[k];
		u256		 rem, two = u256_from_u64(2), gas2, need;
		struct grid_fill buy, sell;

		if (p->size_in_base)
			cl->plan_base = size;
		else if (grid_base_for(m, &size, &g->lv[k].px,
		    &cl->plan_base) ==
		    -1) {
			grid_perr(err, errlen, "base_order_size: overflow");
			goto fail;
		}
		u256_divmod(NULL, &rem, &cl->plan_base, &g->lot);
		u256_sub(&cl->plan_base, &cl->plan_base, &rem);
		if (grid_is_zero(&cl->plan_base)) {
			grid_fmt_units(&g->lot, m->base_dec, a, sizeof(a));
			grid_perr(err, errlen,
			    "base_order_size %s is too small: "
			    "below one lot (%s base) at level %d (%s)",
			    p->base_order_size, a, k, g->lv[k].text);
			goto fail;
		}
		if (grid_quote_for(m, &cl->plan_base, &g->lv[k].px,
		    &cl->plan_quote, 0) == -1) {
			grid_perr(err, errlen, "base_order_size: overflow");
			goto fail;
		}
		cl->since = -1;
		/* The pool must pay something for the buy ... */
		if (grid_sim_fill(m, GRID_BUY, &g->lv[k].px, &cl->plan_quote,
		    &buy) == -1 || grid_is_zero(&buy.amount_out)) {
			grid_fmt_units(&cl->plan_quote, m->quote_dec, a,
			    sizeof(a));
			grid_perr(err, errlen,
			    "base_order_size %s is too small: "
			    "the pool pays nothing for a buy of %s quote at "
			    "level %d (%s)", p->base_order_size, a, k,
			    g->lv[k].text);
			goto fail;
		}
		/* ... and the round trip must earn more than it costs. */
		if (grid_sim_fill(m, GRID_SELL, &g->lv[k + 1].px,
		    &buy.amount_out, &sell) == -1)
			memset(&sell, 0, sizeof(sell));
		u256_mul(&gas2, &m->gas, &two);
		u256_add(&need, &cl->plan_quote, &gas2);
		if (u256_cmp(&sell.amount_out, &need) <= 0) {
			grid_fmt_units(&cl->plan_quote, m->quote_dec, a,
			    sizeof(a));
			grid_fmt_units(&sell.amount_out, m->quote_dec, b,
			    sizeof(b));
			grid_fmt_units(&gas2, m->quote_dec, c, sizeof(c));
			grid_perr(err, errlen,
			    "per-grid profit after two fees is not "
			    "positive: the cell %s -> %s buys for %s and sells "
			    "for %s (pool fee %u bps twice, gas %s); widen the "
			    "range, use fewer grids or a larger order size",
			    g->lv[k].text, g->lv[k + 1].text, a, b, m->fee_bps,
			    c);
			goto fail;
		}
	}
	g->status = GRID_NEW;
	grid_recompute_triggers(g);
	return g;
fail:
	grid_free(&g);
	return NULL;
}

void
grid_free(struct grid **gp)
{
	if (gp == NULL || *gp == NULL)
		return;
	free((*gp)->lv);
	free((*gp)->c);
	free(*gp);
	*gp = NULL;
}

size_t
grid_max_orders(const struct grid *g)
{
	return (size_t)g->n + 2;
}

void
grid_triggers(const struct grid *g, double *lo, double *hi)
{
	*lo = g->lo;
	*hi = g->hi;
}

enum grid_status
grid_get_status(const struct grid *g)
{
	return g->status;
}

const char *
grid_stop_reason(const struct grid *g)
{
	return g->reason[0] ? g->reason : NULL;
}

int
grid_nlevels(const struct grid *g)
{
	return g->n + 1;
}

double
grid_level_price(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].price : 0.0;
}

const u256 *
grid_level_px(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? &g->lv[i].px : NULL;
}

const char *
grid_level_text(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].text : "";
}

uint64_t
grid_level_seq(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].seq : 0;
}

const u256 *
grid_cell_base(const struct grid *g, int k)
{
	return k >= 0 && k < g->n ? &g->c[k].plan_base : NULL;
}

const u256 *
grid_cell_quote(const struct grid *g, int k)
{
	return k >= 0 && k < g->n ? &g->c[k].plan_quote : NULL;
}

void
grid_investment(const struct grid *g, u256 *q)
{
	int	k;

	*q = u256_from_u64(0);
	for (k = 0; k < g->n; k++)
		u256_add(q, q, &g->c[k].plan_quote);
}

void
grid_get_totals(const struct grid *g, struct grid_totals *t)
{
	*t = g->tot;
}

void
grid_holdings(const struct grid *g, u256 *base, u256 *cost)
{
	int	k;

	*base = u256_from_u64(0);
	*cost = u256_from_u64(0);
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING ||
		    g->c[k].state == C_SELL_PENDING) {
			u256_add(base, base, &g->c[k].base);
			u256_add(cost, cost, &g->c[k].cost);
		}
}

/* Is a LEVEL order in flight at level i? */
int
grid_level_busy(const struct grid *g, int i)
{
	if (i < g->n && g->c[i].state == C_BUY_PENDING &&
	    g->c[i].pend.kind == GRID_ORDER_LEVEL)
		return 1;
	if (i > 0 && g->c[i - 1].state == C_SELL_PENDING &&
	    g->c[i - 1].pend.kind == GRID_ORDER_LEVEL)
		return 1;
	return 0;
}

const char *
grid_level_state(const struct grid *g, int i, double price)
{
	int	buy, sell;

	if (i < 0 || i > g->n)
		return "idle";
	if (i < g->n && g->c[i].state == C_BUY_PENDING &&
	    g->c[i].pend.kind == GRID_ORDER_LEVEL)
		return "buy_pending";
	if (i > 0 && g->c[i - 1].state == C_SELL_PENDING &&
	    g->c[i - 1].pend.kind == GRID_ORDER_LEVEL)
		return "sell_pending";
	if (g->status != GRID_RUNNING)
		return "idle";
	buy = i < g->n && g->c[i].state == C_EMPTY && g->c[i].armed;
	sell = i > 0 && g->c[i - 1].state == C_HOLDING && g->c[i - 1].armed;
	if (buy && sell)
		return price > g->lv[i].price ? "buy_armed" : "sell_armed";
	return buy ? "buy_armed" : sell ? "sell_armed" : "idle";
}
