/*
 * grid_decide.c: a grid deciding on a fresh price (orders to place),
 * and the outcomes of its orders applied (grid.h, grid_int.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "grid.h"
#include "grid_int.h"

/* --- deciding --- */

static int
any_pending(const struct grid *g)
{
	int	k;

	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING)
			return 1;
	return 0;
}

static int
any_holding(const struct grid *g)
{
	int	k;

	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING)
			return 1;
	return 0;
}

static void
fmt_price(double v, char *out, size_t cap)
{
	snprintf(out, cap, "%.15g", v);
}

/* Enter STOPPING (or STOPPED) because a bound was hit at price. */
static void
hit_bound(struct grid *g, double price, int is_sl)
{
	char	pb[40];

	fmt_price(price, pb, sizeof(pb));
	if (is_sl) {
		snprintf(g->reason, sizeof(g->reason), "stop_loss: price %s "
		    "<= %s", pb, g->p.stop_loss);
		g->stop_price = g->sl;
		g->stop_px = g->sl_px;
	} else {
		snprintf(g->reason, sizeof(g->reason), "take_profit: price %s "
		    ">= %s", pb, g->p.take_profit);
		g->stop_price = g->tp;
		g->stop_px = g->tp_px;
	}
	g->status = GRID_STOPPING;
}

/* STOPPING: close what is held once nothing is in flight, then stop. */
static int
stopping(struct grid *g, int64_t t, struct grid_order *out)
{
	struct grid_order	*o = &out[0];
	int			 k;

	if (any_pending(g))
		return 0;
	if (!g->p.close_on_stop || !any_holding(g)) {
		g->status = GRID_STOPPED;
		return 0;
	}
	memset(o, 0, sizeof(*o));
	o->id = g->next_id++;
	o->kind = GRID_ORDER_CLOSE;
	o->side = GRID_SELL;
	o->level = o->cell = -1;
	o->price = g->stop_price;
	o->px = g->stop_px;
	o->t_ms = t;
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING)
			u256_add(&o->amount_in, &o->amount_in, &g->c[k].base);
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING) {
			g->c[k].state = C_SELL_PENDING;
			g->c[k].pend = *o;
		}
	return 1;
}

/* The first observation: lay the grid around price. */
static int
lay(struct grid *g, double price, int64_t t, struct grid_order *out)
{
	struct grid_order	*o = &out[0];
	u256			 sum = u256_from_u64(0);
	int			 k, ninit = 0;

	if ((g->has_sl && price <= g->sl) || (g->has_tp && price >= g->tp)) {
		hit_bound(g, price, g->has_sl && price <= g->sl);
		g->status = GRID_STOPPED;
		return 0;
	}
	g->status = GRID_RUNNING;
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		c->state = C_EMPTY;
		c->armed = price > g->lv[k].price;
		if (!c->armed && g->p.initial_buy) {
			u256_add(&sum, &sum, &c->plan_base);
			ninit++;
		}
	}
	if (ninit == 0)
		return 0;
	memset(o, 0, sizeof(*o));
	if (grid_px_from_double(&o->px, price) == -1 ||
	    grid_quote_for(&g->m, &sum, &o->px, &o->amount_in, 1) == -1) {
		/* Cannot price the initial buy: start with quote only. */
		return 0;
	}
	o->id = g->next_id++;
	o->kind = GRID_ORDER_INIT;
	o->side = GRID_BUY;
	o->level = o->cell = -1;
	o->price = price;
	o->t_ms = t;
	for (k = 0; k < g->n; k++)
		if (!g->c[k].armed) {
			g->c[k].state = C_BUY_PENDING;
			g->c[k].pend = *o;
		}
	return 1;
}

int
grid_observe(struct grid *g, double price, int64_t t, struct grid_order *out,
    size_t cap)
{
	int	k, n = 0;

	if (!(price > 0.0) || !isfinite(price) || cap < grid_max_orders(g))
		return -1;
	g->last = price;
	if (price > g->lo && price < g->hi)
		return 0;
	switch (g->status) {
	case GRID_STOPPED:
		return 0;
	case GRID_NEW:
		n = lay(g, price, t, out);
		grid_recompute_triggers(g);
		return n;
	case GRID_STOPPING:
		n = stopping(g, t, out);
		grid_recompute_triggers(g);
		return n;
	case GRID_RUNNING:
		break;
	}
	if ((g->has_sl && price <= g->sl) || (g->has_tp && price >= g->tp)) {
		hit_bound(g, price, g->has_sl && price <= g->sl);
		n = stopping(g, t, out);
		grid_recompute_triggers(g);
		return n;
	}
	/* A price on the far side of a level arms its cell again. */
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		if (c->armed)
			continue;
		if ((c->state == C_EMPTY && price > g->lv[k].price) ||
		    (c->state == C_HOLDING && price < g->lv[k + 1].price))
			c->armed = 1;
	}
	/* Sells, upward: cell k sells at level k + 1. */
	for (k = 0; k < g->n; k++) {
		struct cell		*c = &g->c[k];
		struct grid_order	*o;

		if (c->state != C_HOLDING || !c->armed ||
		    price < g->lv[k + 1].price || grid_level_busy(g, k + 1))
			continue;
		o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->id = g->next_id++;
		o->kind = GRID_ORDER_LEVEL;
		o->side = GRID_SELL;
		o->level = k + 1;
		o->cell = k;
		o->crossing_seq = ++g->lv[k + 1].seq;
		g->lv[k + 1].last_at = t;
		o->price = g->lv[k + 1].price;
		o->px = g->lv[k + 1].px;
		o->amount_in = c->base;
		o->t_ms = t;
		c->state = C_SELL_PENDING;
		c->pend = *o;
	}
	/* Buys, downward: cell k buys at level k. */
	for (k = g->n - 1; k >= 0; k--) {
		struct cell		*c = &g->c[k];
		struct grid_order	*o;

		if (c->state != C_EMPTY || !c->armed ||
		    price > g->lv[k].price || grid_level_busy(g, k))
			continue;
		o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->id = g->next_id++;
		o->kind = GRID_ORDER_LEVEL;
		o->side = GRID_BUY;
		o->level = k;
		o->cell = k;
		o->crossing_seq = ++g->lv[k].seq;
		g->lv[k].last_at = t;
		o->price = g->lv[k].price;
		o->px = g->lv[k].px;
		o->amount_in = c->plan_quote;
		o->t_ms = t;
		c->state = C_BUY_PENDING;
		c->pend = *o;
	}
	grid_recompute_triggers(g);
	return n;
}

/* --- applying outcomes --- */

static void
add_pnl(struct grid *g, struct grid_fill_result *r, const u256 *proceeds,
    const u256 *cost, const u256 *gas_total)
{
	u256	d, net;

	if (u256_cmp(proceeds, cost) >= 0) {
		u256_sub(&d, proceeds, cost);
		u256_add(&g->tot.realized_gain, &g->tot.realized_gain, &d);
		if (r->pnl_neg) {
			if (u256_cmp(&d, &r->pnl) >= 0) {
				u256_sub(&r->pnl, &d, &r->pnl);
				r->pnl_neg = 0;
			} else
				u256_sub(&r->pnl, &r->pnl, &d);
		} else
			u256_add(&r->pnl, &r->pnl, &d);
	} else {
		u256_sub(&d, cost, proceeds);
		u256_add(&g->tot.realized_loss, &g->tot.realized_loss, &d);
		if (!r->pnl_neg) {
			if (u256_cmp(&r->pnl, &d) >= 0)
				u256_sub(&r->pnl, &r->pnl, &d);
			else {
				u256_sub(&r->pnl, &d, &r->pnl);
				r->pnl_neg = 1;
			}
		} else
			u256_add(&r->pnl, &r->pnl, &d);
	}
	r->has_pnl = 1;
	r->round_trips++;
	g->tot.round_trips++;
	/* A win: the round trip gained more than its two swaps' gas. */
	if (u256_add(&net, cost, gas_total) == 0 &&
	    u256_cmp(proceeds, &net) > 0) {
		r->wins++;
		g->tot.wins++;
	}
	if (grid_is_zero(&r->pnl))
		r->pnl_neg = 0;
}

/* share = total * part / whole (floor); the caller gives the last cell
 * the remainder. */
static void
share_of(u256 *share, const u256 *total, const u256 *part,
    const u256 *whole)
{
	if (grid_is_zero(whole) || u256_muldiv(share, total, part, whole) == -1)
		*share = u256_from_u64(0);
}

static void
count_fill(struct grid *g, const struct grid_order *o,
    const struct grid_fill *f)
{
	g->tot.trades++;
	if (o->side == GRID_BUY) {
		g->tot.buys++;
		u256_add(&g->tot.volume, &g->tot.volume, &f->amount_in);
	} else {
		g->tot.sells++;
		u256_add(&g->tot.volume, &g->tot.volume, &f->amount_out);
	}
	u256_add(&g->tot.fees, &g->tot.fees, &f->fee);
	u256_add(&g->tot.gas, &g->tot.gas, &f->gas);
	u256_add(&g->tot.slippage, &g->tot.slippage, &f->slippage);
}

static void
finish_stop(struct grid *g)
{
	if (g->status == GRID_STOPPING && !any_pending(g) &&
	    (!g->p.close_on_stop || !any_holding(g)))
		g->status = GRID_STOPPED;
}

int
grid_fill(struct grid *g, const struct grid_order *o,
    const struct grid_fill *f, struct grid_fill_result *res)
{
	struct grid_fill_result	 dummy;
	int			 k, last = -1;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (o == NULL || f == NULL || o->id == 0 ||
	    grid_is_zero(&f->amount_out))
		return -1;
	if (o->kind == GRID_ORDER_LEVEL) {
		struct cell	*c;
		u256		 gas2;

		if (o->cell < 0 || o->cell >= g->n)
			return -1;
		c = &g->c[o->cell];
		if (c->pend.id != o->id || (o->side == GRID_BUY ?
		    c->state != C_BUY_PENDING : c->state != C_SELL_PENDING))
			return -1;
		count_fill(g, o, f);
		if (o->side == GRID_BUY) {
			c->state = C_HOLDING;
			c->armed = 1;
			c->base = f->amount_out;
			c->cost = f->amount_in;
			c->gas = f->gas;
			c->since = f->t_ms;
		} else {
			u256_add(&gas2, &c->gas, &f->gas);
			add_pnl(g, res, &f->amount_out, &c->cost, &gas2);
			c->state = C_EMPTY;
			c->armed = 1;
			c->base = c->cost = c->gas = u256_from_u64(0);
			c->since = -1;
		}
		memset(&c->pend, 0, sizeof(c->pend));
		finish_stop(g);
		grid_recompute_triggers(g);
		return 0;
	}
	/* INIT and CLOSE: the cells sharing the order split the fill. */
	for (k = 0; k < g->n; k++)
		if (g->c[k].pend.id == o->id && g->c[k].pend.kind == o->kind &&
		    (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING))
			last = k;
	if (last < 0)
		return -1;
	count_fill(g, o, f);
	if (o->kind == GRID_ORDER_INIT) {
		u256	whole = u256_from_u64(0), got = u256_from_u64(0);
		u256	spent = u256_from_u64(0), gas = u256_from_u64(0);

		for (k = 0; k <= last; k++)
			if (g->c[k].pend.id == o->id)
				u256_add(&whole, &whole, &g->c[k].plan_base);
		for (k = 0; k <= last; k++) {
			struct cell	*c = &g->c[k];

			if (c->pend.id != o->id)
				continue;
			if (k == last) {
				u256_sub(&c->base, &f->amount_out, &got);
				u256_sub(&c->cost, &f->amount_in, &spent);
				u256_sub(&c->gas, &f->gas, &gas);
			} else {
				share_of(&c->base, &f->amount_out,
				    &c->plan_base, &whole);
				share_of(&c->cost, &f->amount_in, &c->plan_base,
				    &whole);
				share_of(&c->gas, &f->gas, &c->plan_base,
				    &whole);
				u256_add(&got, &got, &c->base);
				u256_add(&spent, &spent, &c->cost);
				u256_add(&gas, &gas, &c->gas);
			}
			c->state = C_HOLDING;
			c->armed = 1;
			c->since = f->t_ms;
			memset(&c->pend, 0, sizeof(c->pend));
		}
	} else {
		u256	whole = u256_from_u64(0), got = u256_from_u64(0);
		u256	gas = u256_from_u64(0), share, gshare, gas2;

		for (k = 0; k <= last; k++)
			if (g->c[k].pend.id == o->id)
				u256_add(&whole, &whole, &g->c[k].base);
		for (k = 0; k <= last; k++) {
			struct cell	*c = &g->c[k];

			if (c->pend.id != o->id)
				continue;
			if (k == last) {
				u256_sub(&share, &f->amount_out, &got);
				u256_sub(&gshare, &f->gas, &gas);
			} else {
				share_of(&share, &f->amount_out, &c->base,
				    &whole);
				share_of(&gshare, &f->gas, &c->base, &whole);
				u256_add(&got, &got, &share);
				u256_add(&gas, &gas, &gshare);
			}
			u256_add(&gas2, &c->gas, &gshare);
			add_pnl(g, res, &share, &c->cost, &gas2);
			c->state = C_EMPTY;
			c->armed = 0;
			c->base = c->cost = c->gas = u256_from_u64(0);
			c->since = -1;
			memset(&c->pend, 0, sizeof(c->pend));
		}
	}
	finish_stop(g);
	grid_recompute_triggers(g);
	return 0;
}

int
grid_fail(struct grid *g, const struct grid_order *o)
{
	int	k, found = 0;

	if (o == NULL || o->id == 0)
		return -1;
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		if (c->pend.id != o->id || (c->state != C_BUY_PENDING &&
		    c->state != C_SELL_PENDING))
			continue;
		found = 1;
		/*
		 * Back to what it was, armed only if the last price is back
		 * on the far side of the level: the crossing that failed is
		 * not retried in a loop, a fresh one trades again.
		 */
		if (c->state == C_BUY_PENDING) {
			c->state = C_EMPTY;
			c->armed = g->last > g->lv[k].price;
		} else {
			c->state = C_HOLDING;
			c->armed = g->last > 0.0 &&
			    g->last < g->lv[k + 1].price;
		}
		memset(&c->pend, 0, sizeof(c->pend));
	}
	if (!found)
		return -1;
	g->tot.failed++;
	/* A failed CLOSE is retried at the next observation (STOPPING). */
	grid_recompute_triggers(g);
	return 0;
}

int
grid_pending_order(const struct grid *g, uint64_t id, struct grid_order *out)
{
	int	k;

	if (id == 0)
		return -1;
	for (k = 0; k < g->n; k++)
		if (g->c[k].pend.id == id && (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING)) {
			*out = g->c[k].pend;
			return 0;
		}
	return -1;
}
