/*
 * backtest.c: the grid engine over candles (see backtest.h), and loading
 * candles from the database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"
#include "db.h"

#define YEAR_MS	(365.0 * 86400000.0)

int
bt_candle_path(const struct bt_candle *c, double pts[4])
{
	pts[0] = c->o;
	if (c->c >= c->o) {
		pts[1] = c->l;
		pts[2] = c->h;
	} else {
		pts[1] = c->h;
		pts[2] = c->l;
	}
	pts[3] = c->c;
	return 4;
}

int64_t
bt_point_time(const struct bt_candle *c, int64_t iv, int i)
{
	return c->t + (iv / 4) * i;
}

int64_t
bt_interval_ms(const char *s)
{
	static const struct { const char *n; int64_t ms; } iv[] = {
		{ "1s", 1000LL }, { "1m", 60000LL }, { "3m", 180000LL },
		{ "5m", 300000LL }, { "15m", 900000LL }, { "30m", 1800000LL },
		{ "1h", 3600000LL }, { "2h", 7200000LL }, { "4h", 14400000LL },
		{ "6h", 21600000LL }, { "8h", 28800000LL },
		{ "12h", 43200000LL }, { "1d", 86400000LL },
		{ "3d", 259200000LL }, { "1w", 604800000LL },
		{ "1M", 2592000000LL },
	};
	size_t	i;

	if (s == NULL)
		return 0;
	for (i = 0; i < sizeof(iv) / sizeof(iv[0]); i++)
		if (strcmp(iv[i].n, s) == 0)
			return iv[i].ms;
	return 0;
}

/* --- the run --- */

struct run {
	const struct grid_market *m;
	struct grid		*g;
	struct grid_order	*orders;
	size_t			 cap;
	u256			 q, b, gas;	/* exact balances */
	double			 qd, bd, gd;	/* the same in tokens */
	double			 qscale, bscale;
	struct report_trades	*trades;
	long			 failed;
	int			 oom;
};

static void
mirror(struct run *r)
{
	r->qd = u256_to_double(&r->q) / r->qscale;
	r->bd = u256_to_double(&r->b) / r->bscale;
	r->gd = u256_to_double(&r->gas) / r->qscale;
}

/* Observe one price and execute what the engine orders. */
static void
step(struct run *r, double price, int64_t t)
{
	int	n, i;

	n = grid_observe(r->g, price, t, r->orders, r->cap);
	for (i = 0; i < n; i++) {
		const struct grid_order	*o = &r->orders[i];
		struct grid_fill	 f;
		struct grid_fill_result	 res;
		struct report_trade	 tr;

		if (grid_sim_fill(r->m, o->side, &o->px, &o->amount_in,
		    &f) == -1 || u256_is_zero(&f.amount_out) ||
		    (o->side == GRID_BUY && u256_cmp(&r->q, &o->amount_in) < 0) ||
		    (o->side == GRID_SELL && u256_cmp(&r->b, &o->amount_in) < 0)) {
			grid_fail(r->g, o);
			r->failed++;
			continue;
		}
		f.t_ms = t;
		if (grid_fill(r->g, o, &f, &res) == -1) {
			r->failed++;
			continue;
		}
		if (o->side == GRID_BUY) {
			u256_sub(&r->q, &r->q, &f.amount_in);
			u256_add(&r->b, &r->b, &f.amount_out);
		} else {
			u256_sub(&r->b, &r->b, &f.amount_in);
			u256_add(&r->q, &r->q, &f.amount_out);
		}
		u256_add(&r->gas, &r->gas, &f.gas);
		mirror(r);
		if (r->trades == NULL)
			continue;
		memset(&tr, 0, sizeof(tr));
		tr.t_ms = t;
		tr.kind = (uint8_t)o->kind;
		tr.side = (uint8_t)o->side;
		tr.level = o->level;
		tr.price = o->price;
		tr.px = o->px;
		tr.base = o->side == GRID_BUY ? f.amount_out : f.amount_in;
		tr.quote = o->side == GRID_BUY ? f.amount_in : f.amount_out;
		tr.fee = f.fee;
		tr.gas = f.gas;
		tr.slippage = f.slippage;
		tr.has_pnl = (uint8_t)res.has_pnl;
		tr.pnl = res.pnl;
		tr.pnl_neg = (uint8_t)res.pnl_neg;
		if (report_trades_add(r->trades, &tr) == -1)
			r->oom = 1;
	}
}

static double
pow10d(unsigned k)
{
	double	v = 1.0;

	while (k-- > 0)
		v *= 10.0;
	return v;
}

int
bt_run(const struct grid_params *p, const struct grid_market *m,
    const struct bt_candle *cs, size_t n, int64_t iv,
    struct report *rep, struct report_trades *trades, char *err,
    size_t errlen)
{
	struct run		 r;
	struct grid_totals	 tot;
	double			 lo, hi, eq, eq_prev, peak, s1 = 0, s2 = 0, sd = 0;
	double			 maxdd = 0, maxdd_val = 0, ppy, mean, sdev;
	double			 blo = 0, bhi = 0;
	int64_t			 peak_t, dd_peak = -1, dd_trough = -1;
	size_t			 i, nr = 0, nb, b = 0, bstart = 0, bend;
	u256			 inv, pxc, hb, hc, v;
	int			 k;

	memset(&r, 0, sizeof(r));
	if (n == 0) {
		snprintf(err, errlen, "no candles");
		return -1;
	}
	if ((r.g = grid_new(p, m, err, errlen)) == NULL)
		return -1;
	r.m = m;
	r.cap = grid_max_orders(r.g);
	r.trades = trades;
	r.qscale = pow10d(m->quote_dec);
	r.bscale = pow10d(m->base_dec);
	if ((r.orders = calloc(r.cap, sizeof(*r.orders))) == NULL)
		goto oom;
	/* The starting capital: enough quote for every cell's buy. */
	grid_investment(r.g, &inv);
	r.q = inv;
	mirror(&r);

	/* Report skeleton: levels and series storage. */
	rep->params = *p;
	rep->market = *m;
	rep->interval_ms = iv;
	rep->candles = (long)n;
	rep->first_ms = cs[0].t;
	rep->last_ms = cs[n - 1].t + iv;
	rep->first_price = cs[0].o;
	rep->last_price = cs[n - 1].c;
	free(rep->levels);
	free(rep->series);
	rep->series = NULL;
	rep->nlevels = grid_nlevels(r.g);
	if ((rep->levels = calloc((size_t)rep->nlevels,
	    sizeof(*rep->levels))) == NULL)
		goto oom;
	for (k = 0; k < rep->nlevels; k++)
		snprintf(rep->levels[k], GRID_DEC_MAX, "%s",
		    grid_level_text(r.g, k));
	nb = n < BT_SERIES_POINTS ? n : BT_SERIES_POINTS;
	if ((rep->series = calloc(nb, sizeof(*rep->series))) == NULL)
		goto oom;
	rep->nseries = nb;
	bend = n / nb;	/* bucket b covers [b*n/nb, (b+1)*n/nb) */

	eq_prev = peak = r.qd;
	peak_t = cs[0].t;
	grid_triggers(r.g, &lo, &hi);
	for (i = 0; i < n; i++) {
		const struct bt_candle	*c = &cs[i];
		double			 pts[4], dd, ret;
		int			 j;

		bt_candle_path(c, pts);
		for (j = 0; j < 4; j++) {
			if (pts[j] > lo && pts[j] < hi)
				continue;
			step(&r, pts[j], bt_point_time(c, iv, j));
			grid_triggers(r.g, &lo, &hi);
		}
		/* Equity at the close; its return; drawdown from the peak. */
		eq = r.qd + r.bd * c->c - r.gd;
		if (eq_prev > 0.0) {
			ret = eq / eq_prev - 1.0;
			s1 += ret;
			s2 += ret * ret;
			if (ret < 0.0)
				sd += ret * ret;
			nr++;
		}
		eq_prev = eq;
		if (eq > peak) {
			peak = eq;
			peak_t = c->t + iv;
		} else if ((dd = peak - eq) > maxdd * peak) {
			maxdd = peak > 0.0 ? dd / peak : 1.0;
			maxdd_val = dd;
			dd_peak = peak_t;
			dd_trough = c->t + iv;
		}
		/* Chart series: one point per bucket of candles. */
		if (i == bstart) {
			blo = c->l;
			bhi = c->h;
		} else {
			if (c->l < blo)
				blo = c->l;
			if (c->h > bhi)
				bhi = c->h;
		}
		if (i + 1 == bend) {
			struct report_point	*pt = &rep->series[b];

			pt->t_ms = cs[bstart].t;
			pt->low = blo;
			pt->high = bhi;
			pt->close = c->c;
			pt->equity = eq;
			b++;
			bstart = i + 1;
			bend = (b + 1) * n / nb;
		}
	}
	if (r.oom)
		goto oom;

	/* Final figures, exact where they are money. */
	grid_get_totals(r.g, &tot);
	if (grid_px_from_double(&pxc, cs[n - 1].c) == -1) {
		snprintf(err, errlen, "bad last close %g", cs[n - 1].c);
		goto fail;
	}
	rep->initial_equity.v = inv;
	rep->initial_equity.neg = 0;
	grid_quote_value(m, &r.b, &pxc, &v);
	u256_add(&v, &v, &r.q);
	report_money_sub(&rep->final_equity, &v, &r.gas);
	report_money_sub(&rep->realized, &tot.realized_gain,
	    &tot.realized_loss);
	grid_holdings(r.g, &hb, &hc);
	grid_quote_value(m, &hb, &pxc, &v);
	report_money_sub(&rep->unrealized, &v, &hc);
	rep->fees = tot.fees;
	rep->gas = tot.gas;
	rep->slippage = tot.slippage;
	rep->volume = tot.volume;
	rep->end_base = r.b;
	rep->end_quote = r.q;
	rep->trades = tot.trades;
	rep->buys = tot.buys;
	rep->sells = tot.sells;
	rep->round_trips = tot.round_trips;
	rep->wins = tot.wins;
	rep->failed = r.failed;
	rep->win_rate = tot.round_trips > 0 ? (double)tot.wins /
	    (double)tot.round_trips : 0.0;
	{
		double	i0 = u256_to_double(&inv), f0 =
		    u256_to_double(&rep->final_equity.v);

		if (rep->final_equity.neg)
			f0 = -f0;
		rep->total_return = i0 > 0.0 ? f0 / i0 - 1.0 : 0.0;
	}
	rep->max_drawdown = maxdd > 1.0 ? 1.0 : maxdd;
	rep->max_drawdown_value = maxdd_val;
	rep->dd_peak_ms = dd_peak;
	rep->dd_trough_ms = dd_trough;
	ppy = iv > 0 ? YEAR_MS / (double)iv : 0.0;
	rep->sharpe = rep->sortino = 0.0;
	if (nr >= 2) {
		mean = s1 / (double)nr;
		sdev = (s2 - s1 * s1 / (double)nr) / (double)(nr - 1);
		sdev = sdev > 0.0 ? sqrt(sdev) : 0.0;
		if (sdev > 0.0)
			rep->sharpe = mean / sdev * sqrt(ppy);
		sdev = sqrt(sd / (double)nr);
		if (sdev > 0.0)
			rep->sortino = mean / sdev * sqrt(ppy);
	}
	{
		double	span = (double)(rep->last_ms - rep->first_ms);

		rep->apr = span > 0.0 ? rep->total_return * YEAR_MS / span :
		    0.0;
	}
	switch (grid_get_status(r.g)) {
	case GRID_STOPPED:
	case GRID_STOPPING:
		snprintf(rep->status, sizeof(rep->status), "stopped");
		break;
	default:
		snprintf(rep->status, sizeof(rep->status), "running");
		break;
	}
	snprintf(rep->stop_reason, sizeof(rep->stop_reason), "%s",
	    grid_stop_reason(r.g) ? grid_stop_reason(r.g) : "");
	free(r.orders);
	grid_free(&r.g);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(r.orders);
	grid_free(&r.g);
	return -1;
}

/* --- candles --- */

int
bt_series_add(struct bt_series *s, const struct bt_candle *c)
{
	if (s->n == s->cap) {
		size_t			 cap = s->cap ? s->cap * 2 : 1024;
		struct bt_candle	*v = realloc(s->c, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->c = v;
		s->cap = cap;
	}
	s->c[s->n++] = *c;
	return 0;
}

void
bt_series_clear(struct bt_series *s)
{
	free(s->c);
	memset(s, 0, sizeof(*s));
}

/* Milliseconds as the text of a timestamptz parameter. */
static const char *
ms_param(int64_t ms, char *buf, size_t cap, const char *open)
{
	if (ms == INT64_MIN || ms == INT64_MAX)
		return open;
	snprintf(buf, cap, "%lld", (long long)ms);
	return buf;
}

int
bt_best_interval(struct db *d, const char *symbol, int64_t from_ms,
    int64_t to_ms, int64_t recent_ms, char *out, size_t cap, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*pv[4];
	char		 fb[32], tb[32], rb[32];
	int64_t		 best_ms = 0;
	double		 best_cover = 0.0;
	int		 i;

	out[0] = '\0';
	pv[0] = symbol;
	pv[1] = ms_param(from_ms, fb, sizeof(fb), NULL);
	pv[2] = ms_param(to_ms, tb, sizeof(tb), NULL);
	snprintf(rb, sizeof(rb), "%lld", (long long)recent_ms);
	pv[3] = recent_ms > 0 ? rb : NULL;
	res = db_query(d, "SELECT interval, count(*) FROM (SELECT interval, "
	    "open_time, max(open_time) OVER (PARTITION BY interval) AS newest "
	    "FROM candles WHERE symbol = $1 AND ($2::bigint IS NULL OR "
	    "open_time >= to_timestamp($2::bigint / 1000.0)) AND ($3::bigint "
	    "IS NULL OR open_time < to_timestamp($3::bigint / 1000.0))) c "
	    "WHERE $4::bigint IS NULL OR open_time > newest - "
	    "make_interval(secs => $4::bigint / 1000.0) GROUP BY interval", 4,
	    pv);
	if (res == NULL) {
		snprintf(err, errlen, "loading candles: %s", db_error(d));
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		int64_t	ms = bt_interval_ms(PQgetvalue(res, i, 0));
		double	cover = (double)ms * strtod(PQgetvalue(res, i, 1), NULL);

		if (ms <= 0)
			continue;
		if (best_ms == 0 || cover > best_cover ||
		    (cover == best_cover && ms < best_ms)) {
			best_ms = ms;
			best_cover = cover;
			snprintf(out, cap, "%s", PQgetvalue(res, i, 0));
		}
	}
	PQclear(res);
	return 0;
}

int
bt_series_load(struct db *d, const char *symbol, const char *interval,
    int64_t from_ms, int64_t to_ms, struct bt_series *s, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*pv[4];
	char		 fb[32], tb[32], iv[16];
	int		 i, nrows;

	memset(s, 0, sizeof(*s));
	snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
	pv[0] = symbol;
	pv[1] = ms_param(from_ms, fb, sizeof(fb), NULL);
	pv[2] = ms_param(to_ms, tb, sizeof(tb), NULL);
	if (interval == NULL || *interval == '\0') {
		if (bt_best_interval(d, symbol, from_ms, to_ms, 0, iv,
		    sizeof(iv), err, errlen) == -1)
			return -1;
		if (iv[0] == '\0')
			return 0;	/* no candles at all */
		interval = iv;
	}
	snprintf(s->interval, sizeof(s->interval), "%s", interval);
	if ((s->interval_ms = bt_interval_ms(interval)) == 0) {
		snprintf(err, errlen, "unknown candle interval '%s'", interval);
		return -1;
	}
	pv[3] = interval;
	res = db_query(d, "SELECT (extract(epoch FROM open_time) * 1000)::bigint,"
	    " open, high, low, close "
	    "FROM candles WHERE symbol = $1 AND interval = $4 AND "
	    "($2::bigint IS NULL OR open_time >= to_timestamp($2::bigint / "
	    "1000.0)) AND ($3::bigint IS NULL OR open_time < "
	    "to_timestamp($3::bigint / 1000.0)) ORDER BY open_time", 4, pv);
	if (res == NULL) {
		snprintf(err, errlen, "loading candles: %s", db_error(d));
		return -1;
	}
	nrows = PQntuples(res);
	for (i = 0; i < nrows; i++) {
		struct bt_candle	c;

		c.t = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		c.o = strtod(PQgetvalue(res, i, 1), NULL);
		c.h = strtod(PQgetvalue(res, i, 2), NULL);
		c.l = strtod(PQgetvalue(res, i, 3), NULL);
		c.c = strtod(PQgetvalue(res, i, 4), NULL);
		if (bt_series_add(s, &c) == -1) {
			PQclear(res);
			bt_series_clear(s);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	PQclear(res);
	return 0;
}
