/*
 * check_backtest.c: the grid backtest (stratd/backtest.c, report.c,
 * chart.c, sweep.c) and `bsc-ctl backtest`.
 *
 *  - hand-computed scenarios: a candle path with known crossings gives
 *    exactly the expected trades, profit, fees, gas and drawdown, with
 *    and without costs; the zero-cost run equals the ideal grid profit;
 *    arithmetic and geometric spacing; the intra-candle path;
 *  - the engine fed tick by tick (as stratd's paper mode feeds it) makes
 *    the same trades as the backtest on the same path;
 *  - the real candles of ../shared/data/candles, imported with `bsc-ctl
 *    market import`: deterministic runs, `show` reproducing the stored
 *    report byte for byte, a well-formed SVG with the expected elements,
 *    the zero-cost identity on real data, a sweep over two workers;
 *  - bad input: unknown symbol, an empty window, inverted bounds and
 *    windows, malformed parameters: clear errors, nothing stored.
 */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include "../stratd/backtest.h"
#include "../stratd/chart.h"
#include "../stratd/grid.h"
#include "../stratd/report.h"
#include "../stratd/sweep.h"
#include "testutil.h"

#define T0	1672531200000LL		/* 2023-01-01T00:00:00Z */
#define HOUR	3600000LL
#define CSV	"data/candles/orderflow_candles_BTC_5m.csv"

static char	out[1 << 20];

static struct grid_market
ideal(void)
{
	struct grid_market	m;

	memset(&m, 0, sizeof(m));
	m.base_dec = m.quote_dec = 18;
	return m;
}

static struct grid_params
params(const char *json)
{
	struct grid_params	 p;
	cJSON			*o = cJSON_Parse(json);
	char			 err[256];

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(grid_params_from_json(&p, o, err, sizeof(err)) == 0, "%s",
	    err);
	cJSON_Delete(o);
	return p;
}

static void
money_is(const struct report_money *m, const char *want)
{
	char	b[U256_DEC_MAX + 3];

	ck_assert_str_eq(report_money_text(m, 18, b), want);
}

static void
units_is(const u256 *v, const char *want)
{
	char	b[U256_DEC_MAX + 2];

	ck_assert_str_eq(u256_format_units(v, 18, b), want);
}

/*
 * Levels 100 125 150 175 200, 1 base per cell, quote only at the start:
 *  c0 160 flat         lays the grid (cells 0-2 armed, 3 not)
 *  c1 160 162 140 145  falls: buy at 150
 *  c2 145 144 180 178  rises: sell at 175 (+25); 180 arms cell 3
 *  c3 178 179 120 122  falls: buys at 175, 150, 125, in that order
 *  c4 122 121 210 205  rises: sells at 150, 175, 200
 * Equity at the closes 550 545 575 491 650: drawdown 84 from 575.
 */
static const struct bt_candle hand[] = {
	{ T0, 160, 160, 160, 160 },
	{ T0 + HOUR, 160, 162, 140, 145 },
	{ T0 + 2 * HOUR, 145, 180, 144, 178 },
	{ T0 + 3 * HOUR, 178, 179, 120, 122 },
	{ T0 + 4 * HOUR, 122, 210, 121, 205 },
};
#define HAND_N	(sizeof(hand) / sizeof(hand[0]))
#define HAND_P	"{\"lower_price\":\"100\",\"upper_price\":\"200\"," \
		"\"grid_count\":4,\"base_order_size\":\"1\"," \
		"\"size_unit\":\"base\",\"initial_buy\":false}"

static void
trade_is(const struct report_trade *t, int64_t at, int side, int level,
    double price)
{
	ck_assert_int_eq(t->t_ms, at);
	ck_assert_int_eq(t->side, side);
	ck_assert_int_eq(t->level, level);
	ck_assert(t->price == price);
}

START_TEST(path_model)
{
	double			pts[4];
	struct bt_candle	up = { 0, 10, 15, 8, 12 }, down = { 0, 10, 15,
				    8, 9 }, doji = { 0, 10, 11, 9, 10 };

	ck_assert_int_eq(bt_candle_path(&up, pts), 4);
	ck_assert(pts[0] == 10 && pts[1] == 8 && pts[2] == 15 && pts[3] == 12);
	bt_candle_path(&down, pts);
	ck_assert(pts[0] == 10 && pts[1] == 15 && pts[2] == 8 && pts[3] == 9);
	/* close == open counts as rising. */
	bt_candle_path(&doji, pts);
	ck_assert(pts[1] == 9 && pts[2] == 11);
	ck_assert_int_eq(bt_point_time(&up, HOUR, 2), HOUR / 2);
	ck_assert_int_eq(bt_interval_ms("5m"), 300000);
	ck_assert_int_eq(bt_interval_ms("1d"), 86400000);
	ck_assert_int_eq(bt_interval_ms("7m"), 0);
}
END_TEST

START_TEST(hand_zero_cost)
{
	struct grid_market	 m = ideal();
	struct grid_params	 p = params(HAND_P);
	struct report		 r;
	struct report_trades	 t;
	char			 err[256];
	size_t			 i;
	static const int	 lv[] = { 2, 3, 3, 2, 1, 2, 3, 4 };
	static const int	 sd[] = { 0, 1, 0, 0, 0, 1, 1, 1 };

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	ck_assert_msg(bt_run(&p, &m, hand, HAND_N, HOUR, &r, &t, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(t.n, 8);
	for (i = 0; i < t.n; i++) {
		ck_assert_int_eq(t.v[i].level, lv[i]);
		ck_assert_int_eq(t.v[i].side, sd[i]);
	}
	/* The buy at 150 happens at c1's low, the third path point. */
	trade_is(&t.v[0], T0 + HOUR + 2 * HOUR / 4, GRID_BUY, 2, 150);
	trade_is(&t.v[1], T0 + 2 * HOUR + 2 * HOUR / 4, GRID_SELL, 3, 175);
	trade_is(&t.v[2], T0 + 3 * HOUR + 2 * HOUR / 4, GRID_BUY, 3, 175);
	trade_is(&t.v[7], T0 + 4 * HOUR + 2 * HOUR / 4, GRID_SELL, 4, 200);
	units_is(&t.v[0].base, "1");
	units_is(&t.v[0].quote, "150");
	units_is(&t.v[7].quote, "200");
	ck_assert(t.v[7].has_pnl && !t.v[7].pnl_neg);
	units_is(&t.v[7].pnl, "25");

	/* The ideal grid profit: 4 round trips of 1 base over 25. */
	money_is(&r.realized, "100");
	money_is(&r.initial_equity, "550");
	money_is(&r.final_equity, "650");
	money_is(&r.unrealized, "0");
	units_is(&r.fees, "0");
	units_is(&r.gas, "0");
	units_is(&r.slippage, "0");
	ck_assert_int_eq(r.trades, 8);
	ck_assert_int_eq(r.buys, 4);
	ck_assert_int_eq(r.round_trips, 4);
	ck_assert_int_eq(r.wins, 4);
	ck_assert(r.win_rate == 1.0);
	ck_assert(r.total_return == 650.0 / 550.0 - 1.0);
	ck_assert(r.max_drawdown == 84.0 / 575.0);
	ck_assert(r.max_drawdown_value == 84.0);
	ck_assert_int_eq(r.dd_peak_ms, T0 + 3 * HOUR);
	ck_assert_int_eq(r.dd_trough_ms, T0 + 4 * HOUR);
	ck_assert_int_eq(r.first_ms, T0);
	ck_assert_int_eq(r.last_ms, T0 + 5 * HOUR);
	ck_assert_int_eq(r.candles, 5);
	ck_assert_str_eq(r.status, "running");
	/* The chart series keeps every candle here. */
	ck_assert_uint_eq(r.nseries, 5);
	ck_assert(r.series[3].equity == 491.0);
	ck_assert(r.series[3].low == 120.0);
	ck_assert_int_eq(r.nlevels, 5);
	ck_assert_str_eq(r.levels[2], "150");
	/* APR: the return over 5 hours, scaled to 365 days. */
	ck_assert(fabs(r.apr - r.total_return * 365 * 24 / 5.0) < 1e-9);
	ck_assert(r.sharpe != 0.0);
	report_clear(&r);
	report_trades_clear(&t);
}
END_TEST

/* The same path with a 0.25% fee and 0.5 quote of gas per swap. */
START_TEST(hand_costs)
{
	struct grid_market	 m = ideal();
	struct grid_params	 p = params(HAND_P);
	struct report		 r;
	struct report_trades	 t;
	char			 err[256];
	double			 dd;

	m.fee_bps = 25;
	ck_assert_int_eq(u256_parse_units(&m.gas, "0.5", 18), 0);
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	ck_assert_msg(bt_run(&p, &m, hand, HAND_N, HOUR, &r, &t, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(t.n, 8);
	/* Buy 150 quote at 150: 0.375 fee, 0.9975 base. */
	units_is(&t.v[0].base, "0.9975");
	units_is(&t.v[0].fee, "0.375");
	units_is(&t.v[0].gas, "0.5");
	/* Sell it at 175: fee 0.00249375 base = 0.43640625 quote; receives
	 * 0.99500625 * 175 = 174.12609375: +24.12609375. */
	units_is(&t.v[1].quote, "174.12609375");
	units_is(&t.v[1].fee, "0.43640625");
	units_is(&t.v[1].pnl, "24.12609375");
	/* Sells at 150, 175, 200 of 0.9975 base each. */
	units_is(&t.v[5].quote, "149.2509375");
	units_is(&t.v[7].quote, "199.00125");
	/* 24.12609375 + 24.2509375 + 24.12609375 + 24.00125 */
	money_is(&r.realized, "96.504375");
	/* Buys: 0.375 + 0.4375 + 0.375 + 0.3125; sells: 0.43640625 +
	 * 0.3740625 + 0.43640625 + 0.49875. */
	units_is(&r.fees, "3.245625");
	units_is(&r.gas, "4");
	/* 550 + 96.504375 - 4 */
	money_is(&r.final_equity, "642.504375");
	money_is(&r.unrealized, "0");
	ck_assert_int_eq(r.wins, 4);
	/* Peak 574.12609375 - 1 (gas) after c2; trough at c3's close:
	 * 124.12609375 + 2.9925 * 122 - 2.5. */
	dd = (573.12609375 - 486.71109375) / 573.12609375;
	ck_assert_msg(fabs(r.max_drawdown - dd) < 1e-12, "%.17g", r.max_drawdown);
	ck_assert(fabs(r.max_drawdown_value - 86.415) < 1e-9);
	ck_assert_int_eq(r.dd_peak_ms, T0 + 3 * HOUR);
	ck_assert_int_eq(r.dd_trough_ms, T0 + 4 * HOUR);
	ck_assert(fabs(r.total_return - (642.504375 / 550.0 - 1.0)) < 1e-15);
	report_clear(&r);
	report_trades_clear(&t);

	/* A shallow pool: the same crossings, less base per buy, and the
	 * slippage counted. */
	ck_assert_int_eq(u256_parse_units(&m.depth, "10000", 18), 0);
	ck_assert_msg(bt_run(&p, &m, hand, HAND_N, HOUR, &r, &t, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(t.n, 8);
	ck_assert(u256_cmp(&t.v[0].base, &(u256){ { 997500000000000000ULL,
	    0, 0, 0 } }) < 0);
	ck_assert(!u256_is_zero(&r.slippage));
	report_clear(&r);
	report_trades_clear(&t);
}
END_TEST

/* Geometric, quote-sized: 1000 quote per cell, levels 100 200 400. */
START_TEST(hand_geometric)
{
	static const struct bt_candle c[] = {
		{ T0, 150, 150, 150, 150 },
		{ T0 + HOUR, 150, 150, 100, 110 },
		{ T0 + 2 * HOUR, 110, 260, 110, 250 },
		{ T0 + 3 * HOUR, 250, 250, 190, 195 },
		{ T0 + 4 * HOUR, 195, 400, 195, 400 },
	};
	struct grid_market	 m = ideal();
	struct grid_params	 p = params("{\"lower_price\":\"100\","
	    "\"upper_price\":\"400\",\"grid_count\":2,\"spacing\":\"geometric\","
	    "\"base_order_size\":\"1000\",\"initial_buy\":false}");
	struct report		 r;
	struct report_trades	 t;
	char			 err[256];

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	ck_assert_msg(bt_run(&p, &m, c, 5, HOUR, &r, &t, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_uint_eq(t.n, 4);
	units_is(&t.v[0].base, "10");
	trade_is(&t.v[1], T0 + 2 * HOUR + 2 * HOUR / 4, GRID_SELL, 1, 200);
	units_is(&t.v[2].base, "5");
	trade_is(&t.v[3], T0 + 4 * HOUR + 2 * HOUR / 4, GRID_SELL, 2, 400);
	/* 10 * (200 - 100) + 5 * (400 - 200) */
	money_is(&r.realized, "2000");
	money_is(&r.initial_equity, "2000");
	money_is(&r.final_equity, "4000");
	ck_assert(r.total_return == 1.0);
	ck_assert_str_eq(r.levels[1], "200");
	report_clear(&r);
	report_trades_clear(&t);
}
END_TEST

/* Initial buy and a stop-loss inside a candle. */
START_TEST(hand_stop)
{
	static const struct bt_candle c[] = {
		{ T0, 160, 160, 160, 160 },
		{ T0 + HOUR, 160, 161, 85, 88 },
		{ T0 + 2 * HOUR, 88, 190, 88, 180 },
	};
	struct grid_market	 m = ideal();
	struct grid_params	 p = params("{\"lower_price\":\"100\","
	    "\"upper_price\":\"200\",\"grid_count\":4,\"base_order_size\":\"1\","
	    "\"size_unit\":\"base\",\"stop_loss\":\"90\"}");
	struct report		 r;
	struct report_trades	 t;
	char			 err[256];

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	ck_assert_msg(bt_run(&p, &m, c, 3, HOUR, &r, &t, err, sizeof(err)) == 0,
	    "%s", err);
	/* Init buy of cell 3 at 160; the 85 low stops the grid before any
	 * grid buy (the jump passes the levels and the bound at once); the
	 * close sells the 1 base at 90: -70; nothing after. */
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(t.v[0].kind, GRID_ORDER_INIT);
	ck_assert_int_eq(t.v[0].level, -1);
	units_is(&t.v[0].quote, "160");
	ck_assert_int_eq(t.v[1].kind, GRID_ORDER_CLOSE);
	ck_assert(t.v[1].price == 90.0);
	ck_assert(t.v[1].pnl_neg);
	units_is(&t.v[1].pnl, "70");
	money_is(&r.realized, "-70");
	/* 550 - 70 */
	money_is(&r.final_equity, "480");
	ck_assert_str_eq(r.status, "stopped");
	ck_assert_str_eq(r.stop_reason, "stop_loss: price 85 <= 90");
	ck_assert_int_eq(r.round_trips, 1);
	ck_assert_int_eq(r.wins, 0);
	ck_assert(r.win_rate == 0.0);
	report_clear(&r);
	report_trades_clear(&t);
}
END_TEST

START_TEST(bad_runs)
{
	struct grid_market	 m = ideal();
	struct grid_params	 p = params(HAND_P);
	struct report		 r;
	char			 err[256];

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(bt_run(&p, &m, hand, 0, HOUR, &r, NULL, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "no candles");
	snprintf(p.upper_price, sizeof(p.upper_price), "90");
	ck_assert_int_eq(bt_run(&p, &m, hand, HAND_N, HOUR, &r, NULL, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "upper_price (90) must be above lower_price "
	    "(100)");
	report_clear(&r);
}
END_TEST

/* Candles of the CSV (open_time_ms,open,high,low,close,volume). */
static size_t
read_csv(const char *path, struct bt_series *s)
{
	char	*text = tu_read_file(path, NULL), *line, *save;

	memset(s, 0, sizeof(*s));
	ck_assert_ptr_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct bt_candle	c;
		long long		t;

		if (sscanf(line, "%lld,%lf,%lf,%lf,%lf", &t, &c.o, &c.h, &c.l,
		    &c.c) != 5)
			continue;
		c.t = t;
		ck_assert_int_eq(bt_series_add(s, &c), 0);
	}
	free(text);
	s->interval_ms = 300000;
	return s->n;
}

#define REAL_P	"{\"lower_price\":\"16600\",\"upper_price\":\"24200\"," \
		"\"grid_count\":20,\"base_order_size\":\"100\"}"

/*
 * The engine fed every path point one by one, filled with the same pool
 * model and the same balance rule, as stratd's paper mode drives it: the
 * same trades as the backtest.
 */
START_TEST(paper_equivalence)
{
	const char		*path = tu_shared(CSV);
	struct bt_series	 s;
	struct grid_market	 m = ideal();
	struct grid_params	 p = params(REAL_P);
	struct report		 r;
	struct report_trades	 t;
	struct grid		*g;
	struct grid_order	 ord[32];
	char			 err[256];
	size_t			 i, k = 0;
	u256			 q, b;

	if (path == NULL)
		TU_SKIP("../shared is absent");
	read_csv(path, &s);
	m.fee_bps = 25;
	u256_parse_units(&m.depth, "2000000", 18);
	u256_parse_units(&m.gas, "0.05", 18);
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(bt_run(&p, &m, s.c, s.n, s.interval_ms, &r, &t, err,
	    sizeof(err)), 0);
	ck_assert_int_gt(t.n, 50);
	ck_assert_int_eq(r.failed, 0);

	g = grid_new(&p, &m, err, sizeof(err));
	ck_assert_ptr_nonnull(g);
	grid_investment(g, &q);
	b = u256_from_u64(0);
	for (i = 0; i < s.n; i++) {
		double	pts[4];
		int	j, n, x;

		bt_candle_path(&s.c[i], pts);
		for (j = 0; j < 4; j++) {
			int64_t	at = bt_point_time(&s.c[i], s.interval_ms, j);

			n = grid_observe(g, pts[j], at, ord, 32);
			ck_assert_int_ge(n, 0);
			for (x = 0; x < n; x++) {
				struct grid_fill		 f;
				const struct report_trade	*tr;

				ck_assert_int_eq(grid_sim_fill(&m, ord[x].side,
				    &ord[x].px, &ord[x].amount_in, &f), 0);
				f.t_ms = at;
				ck_assert_int_eq(grid_fill(g, &ord[x], &f, NULL),
				    0);
				if (ord[x].side == GRID_BUY) {
					u256_sub(&q, &q, &f.amount_in);
					u256_add(&b, &b, &f.amount_out);
				} else {
					u256_sub(&b, &b, &f.amount_in);
					u256_add(&q, &q, &f.amount_out);
				}
				ck_assert_uint_lt(k, t.n);
				tr = &t.v[k++];
				ck_assert_int_eq(tr->t_ms, at);
				ck_assert_int_eq(tr->side, ord[x].side);
				ck_assert_int_eq(tr->level, ord[x].level);
				ck_assert_int_eq(tr->kind, ord[x].kind);
				ck_assert_int_eq(u256_cmp(&tr->quote,
				    ord[x].side == GRID_BUY ? &f.amount_in :
				    &f.amount_out), 0);
				ck_assert_int_eq(u256_cmp(&tr->base,
				    ord[x].side == GRID_BUY ? &f.amount_out :
				    &f.amount_in), 0);
			}
		}
	}
	ck_assert_uint_eq(k, t.n);
	ck_assert_int_eq(u256_cmp(&q, &r.end_quote), 0);
	ck_assert_int_eq(u256_cmp(&b, &r.end_base), 0);
	grid_free(&g);
	report_clear(&r);
	report_trades_clear(&t);
	bt_series_clear(&s);
}
END_TEST

/* On real candles, zero costs: realized profit is exactly the sum of
 * amount * spacing over the completed round trips. */
START_TEST(real_zero_cost)
{
	const char		*path = tu_shared(CSV);
	struct bt_series	 s;
	struct grid_market	 m = ideal();
	struct grid_params	 p;
	struct report		 r;
	struct report_trades	 t;
	struct grid		*g;
	char			 err[256];
	size_t			 i;
	int			 sp;
	u256			 sum;

	if (path == NULL)
		TU_SKIP("../shared is absent");
	read_csv(path, &s);
	for (sp = 0; sp < 2; sp++) {
		p = params(sp ? "{\"lower_price\":\"16600\",\"upper_price\":"
		    "\"24200\",\"grid_count\":37,\"spacing\":\"geometric\","
		    "\"base_order_size\":\"250\",\"initial_buy\":false}" :
		    "{\"lower_price\":\"16600\",\"upper_price\":\"24200\","
		    "\"grid_count\":30,\"base_order_size\":\"0.01\","
		    "\"size_unit\":\"base\",\"initial_buy\":false}");
		memset(&r, 0, sizeof(r));
		memset(&t, 0, sizeof(t));
		ck_assert_int_eq(bt_run(&p, &m, s.c, s.n, s.interval_ms, &r, &t,
		    err, sizeof(err)), 0);
		g = grid_new(&p, &m, err, sizeof(err));
		sum = u256_from_u64(0);
		for (i = 0; i < t.n; i++) {
			u256	d, v;

			if (t.v[i].side != GRID_SELL)
				continue;
			ck_assert_int_ge(t.v[i].level, 1);
			u256_sub(&d, grid_level_px(g, t.v[i].level),
			    grid_level_px(g, t.v[i].level - 1));
			ck_assert_int_eq(grid_quote_value(&m, &t.v[i].base, &d,
			    &v), 0);
			u256_add(&sum, &sum, &v);
		}
		ck_assert_int_gt(r.round_trips, 50);
		ck_assert(!r.realized.neg);
		ck_assert_msg(u256_cmp(&sum, &r.realized.v) == 0,
		    "spacing %d: ideal differs from realized", sp);
		/* final - initial = realized + unrealized - gas, exactly. */
		{
			u256	a, bsum;

			u256_add(&a, &r.initial_equity.v, &r.realized.v);
			if (r.unrealized.neg)
				u256_sub(&bsum, &a, &r.unrealized.v);
			else
				u256_add(&bsum, &a, &r.unrealized.v);
			ck_assert_int_eq(u256_cmp(&bsum, &r.final_equity.v), 0);
		}
		grid_free(&g);
		report_clear(&r);
		report_trades_clear(&t);
	}
	bt_series_clear(&s);
}
END_TEST

/* Two runs, bit for bit; JSON round trip of a full report. */
START_TEST(deterministic)
{
	const char		*path = tu_shared(CSV);
	struct bt_series	 s;
	struct grid_market	 m = ideal();
	struct grid_params	 p = params(REAL_P);
	struct report		 a, b, c;
	struct report_trades	 ta, tb;
	cJSON			*ja, *jb, *jc;
	char			*sa, *sb, *sc, err[256];

	if (path == NULL)
		TU_SKIP("../shared is absent");
	read_csv(path, &s);
	m.fee_bps = 25;
	u256_parse_units(&m.depth, "1000000", 18);
	u256_parse_units(&m.gas, "0.05", 18);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	ck_assert_int_eq(bt_run(&p, &m, s.c, s.n, s.interval_ms, &a, &ta, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(bt_run(&p, &m, s.c, s.n, s.interval_ms, &b, &tb, err,
	    sizeof(err)), 0);
	snprintf(a.symbol, sizeof(a.symbol), "BTC/USDT");
	snprintf(b.symbol, sizeof(b.symbol), "BTC/USDT");
	ja = report_to_json(&a, 1);
	jb = report_to_json(&b, 1);
	sa = cJSON_PrintUnformatted(ja);
	sb = cJSON_PrintUnformatted(jb);
	ck_assert_str_eq(sa, sb);
	ck_assert_uint_eq(ta.n, tb.n);
	ck_assert_int_eq(memcmp(ta.v, tb.v, ta.n * sizeof(*ta.v)), 0);
	/* Reading the full JSON back gives the same report. */
	ck_assert_msg(report_from_json(&c, ja, err, sizeof(err)) == 0, "%s",
	    err);
	jc = report_to_json(&c, 1);
	sc = cJSON_PrintUnformatted(jc);
	ck_assert_str_eq(sa, sc);
	free(sa);
	free(sb);
	free(sc);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	cJSON_Delete(jc);
	report_clear(&a);
	report_clear(&b);
	report_clear(&c);
	report_trades_clear(&ta);
	report_trades_clear(&tb);
	bt_series_clear(&s);
}
END_TEST

/* --- the database and bsc-ctl --- */

static char	conf[300];
static char	*conninfo;

static int
ctl(const char *fmt, const char *arg)
{
	char	cmd[4096];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return tu_run(out, sizeof(out), "%s -c %s %s", tu_bin("bsc-ctl"), conf,
	    cmd);
}

/* A fresh database with the real candles imported; 0 when skipped. */
static int
setup_db(const char *name)
{
	struct db	*d;
	const char	*csv = tu_shared(CSV);
	char		 err[512];
	FILE		*f;
	int		 n;

	if (csv == NULL || getenv("BSC_TEST_PGURL") == NULL)
		return 0;
	conninfo = tu_db_create(name);
	ck_assert_ptr_nonnull(conninfo);
	d = db_new(conninfo, 5, 60000, "check_backtest");
	ck_assert_int_eq(db_connect(d), 0);
	ck_assert_msg(migrate_apply(d, &n, err, sizeof(err)) == 0, "%s", err);
	db_free(&d);
	snprintf(conf, sizeof(conf), "/tmp/bsc-bt-%d-%s.conf", (int)getpid(),
	    name);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[database]\nurl = %s\n\n[backtest]\npool_depth = 1000000\n"
	    "gas_per_swap = 0.05\n", conninfo);
	fclose(f);
	ck_assert_msg(ctl("market import %s -s BTC/USDT -i 5m 2>&1", csv) == 0,
	    "%s", out);
	return 1;
}

static long
count(const char *table)
{
	char	q[256];

	snprintf(q, sizeof(q), "psql '%s' -Atc \"SELECT count(*) FROM %s\"",
	    conninfo, table);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s", q), 0);
	return atol(out);
}

static cJSON *
json_out(void)
{
	cJSON	*j = cJSON_Parse(out);

	ck_assert_msg(j != NULL, "not JSON: %s", out);
	return j;
}

/* A minimal XML well-formedness check: balanced, properly nested tags,
 * quoted attributes. Returns the number of elements, -1 when broken. */
static int
xml_check(const char *s)
{
	char		 stack[64][32];
	int		 depth = 0, n = 0;
	const char	*p = s;

	while ((p = strchr(p, '<')) != NULL) {
		const char	*e;
		char		 name[32];
		size_t		 len;
		int		 close = 0, selfc;

		if (strncmp(p, "<?", 2) == 0) {
			if ((p = strstr(p, "?>")) == NULL)
				return -1;
			continue;
		}
		p++;
		if (*p == '/') {
			close = 1;
			p++;
		}
		for (len = 0; p[len] && (isalnum((unsigned char)p[len]) ||
		    p[len] == '-' || p[len] == ':'); len++)
			;
		if (len == 0 || len >= sizeof(name))
			return -1;
		memcpy(name, p, len);
		name[len] = '\0';
		/* Find the tag's end outside quoted attribute values. */
		for (e = p + len; *e && *e != '>'; e++)
			if (*e == '"' && (e = strchr(e + 1, '"')) == NULL)
				return -1;
		if (*e != '>')
			return -1;
		selfc = e[-1] == '/';
		if (close) {
			if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
				return -1;
			depth--;
		} else {
			n++;
			if (!selfc) {
				if (depth == 64)
					return -1;
				snprintf(stack[depth++], 32, "%s", name);
			}
		}
		p = e + 1;
	}
	return depth == 0 ? n : -1;
}

static int
occurrences(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

START_TEST(cli_real_candles)
{
	char	*first, *second, *shown, svg[256], *text;
	cJSON	*j, *k;
	long	 id, buys, sells;
	static const char *const keys[] = { "id", "return", "realized_profit",
	    "unrealized_pnl", "fees", "gas", "max_drawdown", "sharpe",
	    "sortino", "trades", "round_trips", "win_rate", "apr" };
	size_t	 i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	if (!setup_db("btcli"))
		TU_SKIP("../shared is absent");
	/* run, twice: the same report apart from the id. */
	ck_assert_msg(ctl("backtest run -s BTC/USDT --from 2023-01-05 --to "
	    "2023-01-25 -p '%s' --json", REAL_P) == 0, "%s", out);
	first = strdup(out);
	j = json_out();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(cJSON_GetObjectItem(j, keys[i]) != NULL, "no %s",
		    keys[i]);
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "return")));
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "win_rate")));
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "max_drawdown")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "realized_profit")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "fees")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "gas")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "unrealized_pnl")));
	ck_assert_int_gt(cJSON_GetObjectItem(j, "trades")->valueint, 20);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "from")->valuestring,
	    "2023-01-05T00:00:00Z");
	ck_assert_int_eq(cJSON_GetObjectItem(j, "candles")->valueint, 20 * 288);
	id = (long)cJSON_GetObjectItem(j, "id")->valuedouble;
	buys = cJSON_GetObjectItem(j, "buys")->valueint;
	sells = cJSON_GetObjectItem(j, "sells")->valueint;
	cJSON_Delete(j);
	ck_assert_msg(ctl("backtest run -s BTC/USDT --from 2023-01-05 --to "
	    "2023-01-25 -p '%s' --json", REAL_P) == 0, "%s", out);
	second = strdup(out);
	j = json_out();
	ck_assert_int_eq((long)cJSON_GetObjectItem(j, "id")->valuedouble,
	    id + 1);
	cJSON_Delete(j);
	/* Identical once the id line is set aside. */
	ck_assert_ptr_nonnull(strstr(first, "\"name\""));
	ck_assert_str_eq(strstr(first, "\"name\""), strstr(second,
	    "\"name\""));

	/* show reproduces the stored report, byte for byte. */
	snprintf(svg, sizeof(svg), "%ld --json", id);
	ck_assert_msg(ctl("backtest show %s", svg) == 0, "%s", out);
	shown = strdup(out);
	ck_assert_str_eq(shown, first);
	ck_assert_int_eq(count("backtest_trades WHERE backtest_id = 1") > 0, 1);

	/* The chart. */
	snprintf(svg, sizeof(svg), "/tmp/bsc-bt-%d.svg", (int)getpid());
	{
		char	args[512];

		snprintf(args, sizeof(args), "%ld --chart %s", id, svg);
		ck_assert_msg(ctl("backtest show %s", args) == 0, "%s", out);
	}
	ck_assert_ptr_nonnull(strstr(out, "max drawdown"));
	ck_assert_ptr_nonnull(strstr(out, "win_rate"));
	text = tu_read_file(svg, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(strncmp(text, "<?xml", 5), 0);
	ck_assert_ptr_nonnull(strstr(text, "<svg xmlns=\"http://www.w3.org/"
	    "2000/svg\""));
	ck_assert_int_gt(xml_check(text), 100);
	ck_assert_int_eq(occurrences(text, "<polyline class=\"price\""), 1);
	ck_assert_int_eq(occurrences(text, "<polyline class=\"equity\""), 1);
	ck_assert_int_eq(occurrences(text, "<path class=\"range\""), 1);
	ck_assert_int_eq(occurrences(text, "<line class=\"level\""), 21);
	ck_assert_int_eq(occurrences(text, "<path class=\"buy\""), buys);
	ck_assert_int_eq(occurrences(text, "<path class=\"sell\""), sells);
	ck_assert_int_gt(buys, 0);
	ck_assert_int_gt(sells, 0);
	free(text);
	unlink(svg);

	/* list */
	ck_assert_int_eq(ctl("backtest list %s", "--json"), 0);
	j = json_out();
	ck_assert_int_eq(cJSON_GetArraySize(j), 2);
	k = cJSON_GetArrayItem(j, 0);
	ck_assert_int_eq((long)cJSON_GetObjectItem(k, "id")->valuedouble, id + 1);
	ck_assert_int_eq(cJSON_GetObjectItem(k, "grid_count")->valueint, 20);
	cJSON_Delete(j);
	ck_assert_int_eq(ctl("backtest list %s", ""), 0);
	ck_assert_ptr_nonnull(strstr(out, "SHARPE"));

	/* quick-grid, the runbook's line. */
	ck_assert_msg(ctl("backtest quick-grid -s BTC/USDT --days 7 "
	    "--grid-count 5 %s", "--json") == 0, "%s", out);
	j = json_out();
	ck_assert_int_eq(cJSON_GetObjectItem(j, "candles")->valueint, 7 * 288);
	k = cJSON_GetObjectItem(j, "params");
	ck_assert_int_eq(cJSON_GetObjectItem(k, "grid_count")->valueint, 5);
	/* Bounds: the low and high of the last 7 days of the data. */
	ck_assert_str_eq(cJSON_GetObjectItem(k, "lower_price")->valuestring,
	    "21817.5");
	ck_assert_str_eq(cJSON_GetObjectItem(k, "upper_price")->valuestring,
	    "23782.3");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "last_candle_close")->valuestring,
	    "2023-02-09T21:20:00Z");
	cJSON_Delete(j);
	ck_assert_msg(ctl("backtest quick-grid -s BTC/USDT --days 7 "
	    "--grid-count 5%s", "") == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "round trips"));
	/* Every run is in the audit log. */
	ck_assert_int_eq(count("audit_log WHERE command LIKE 'backtest %%' AND "
	    "ok"), 4);

	/* Another interval of the same symbol, in another year: the window
	 * picks the interval that has candles in it. */
	ck_assert_msg(ctl("market import %s -s BTC/USDT -i 1h 2>&1",
	    tu_shared("data/candles/extracted_BTCUSDT-1h_2020.csv")) == 0, "%s",
	    out);
	ck_assert_msg(ctl("backtest run -s BTC/USDT --from 2020-05-01 --to "
	    "2020-06-01 -p '%s' --json", "{\"grid_count\":10,"
	    "\"base_order_size\":\"100\"}") == 0, "%s", out);
	j = json_out();
	ck_assert_str_eq(cJSON_GetObjectItem(j, "interval")->valuestring, "1h");
	ck_assert_int_eq(cJSON_GetObjectItem(j, "candles")->valueint, 31 * 24);
	/* Absent bounds: the window's low and high. */
	k = cJSON_GetObjectItem(j, "params");
	ck_assert_str_eq(cJSON_GetObjectItem(k, "lower_price")->valuestring,
	    "8117");
	cJSON_Delete(j);
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT --from 2020-05-01 --to "
	    "2020-06-01 --interval 5m -p '%s' 2>&1", REAL_P), 1);
	ck_assert_ptr_nonnull(strstr(out, "no BTC/USDT 5m candles"));
	/* Without a window the finest interval wins: the runbook's line
	 * still tests the last 7 days of 5m data. */
	ck_assert_msg(ctl("backtest quick-grid -s BTC/USDT --days 7 "
	    "--grid-count 5 %s", "--json") == 0, "%s", out);
	j = json_out();
	ck_assert_str_eq(cJSON_GetObjectItem(j, "interval")->valuestring, "5m");
	cJSON_Delete(j);
	free(first);
	free(second);
	free(shown);
	unlink(conf);
	free(conninfo);
}
END_TEST

START_TEST(cli_bad_input)
{
	long	nb, nt;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	if (!setup_db("btbad"))
		TU_SKIP("../shared is absent");
	nb = count("backtests");
	nt = count("backtest_trades");
	ck_assert_int_eq(ctl("backtest run -s NOPE/USDT -p '%s' 2>&1", REAL_P),
	    1);
	ck_assert_msg(strstr(out, "unknown symbol 'NOPE/USDT'") != NULL, "%s",
	    out);
	ck_assert_int_eq(ctl("backtest quick-grid -s %s 2>&1", "ETH/USDT"), 1);
	ck_assert_ptr_nonnull(strstr(out, "unknown symbol"));
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT --from 2030-01-01 --to "
	    "2030-02-01 -p '%s' 2>&1", REAL_P), 1);
	ck_assert_msg(strstr(out, "no BTC/USDT 5m candles between "
	    "2030-01-01T00:00:00Z and 2030-02-01T00:00:00Z") != NULL, "%s", out);
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '%s' 2>&1",
	    "{\"lower_price\":\"24000\",\"upper_price\":\"17000\","
	    "\"grid_count\":10,\"base_order_size\":\"100\"}"), 1);
	ck_assert_msg(strstr(out, "upper_price (17000) must be above "
	    "lower_price (24000)") != NULL, "%s", out);
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT --from 2023-01-20 --to "
	    "2023-01-10 -p '%s' 2>&1", REAL_P), 2);
	ck_assert_ptr_nonnull(strstr(out, "--from must be before --to"));
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '%s' 2>&1",
	    "{\"grid_count\":"), 2);
	ck_assert_ptr_nonnull(strstr(out, "not valid JSON"));
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '%s' 2>&1",
	    "{\"grid_count\":5,\"base_order_size\":\"10\",\"levels\":3}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "unknown grid parameter 'levels'"));
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '%s' 2>&1",
	    "{\"grid_count\":1,\"base_order_size\":\"10\"}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "grid_count must be at least 2"));
	/* 200 grids over the range are too narrow for two 0.25% fees. */
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '%s' 2>&1",
	    "{\"grid_count\":200,\"base_order_size\":\"10\"}"), 1);
	ck_assert_ptr_nonnull(strstr(out, "per-grid profit after two fees"));
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT --from yesterday-ish -p "
	    "'%s' 2>&1", REAL_P), 2);
	ck_assert_ptr_nonnull(strstr(out, "is not a time"));
	ck_assert_int_eq(ctl("backtest run -s BTCUSDT -p '%s' 2>&1", REAL_P), 2);
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT %s 2>&1", ""), 2);
	ck_assert_int_eq(ctl("backtest run %s 2>&1", "-p {}"), 2);
	ck_assert_int_eq(ctl("backtest run -s BTC/USDT -p '{}' %s 2>&1",
	    "--bogus"), 2);
	ck_assert_int_eq(ctl("backtest show %s 2>&1", "424242"), 1);
	ck_assert_ptr_nonnull(strstr(out, "no backtest 424242"));
	ck_assert_int_eq(ctl("backtest show %s 2>&1", "x1"), 2);
	ck_assert_int_eq(ctl("backtest frobnicate %s 2>&1", ""), 2);
	ck_assert_int_eq(ctl("backtest quick-grid -s BTC/USDT --grid-count %s "
	    "2>&1", "1"), 2);
	ck_assert_int_eq(ctl("backtest quick-grid -s BTC/USDT --days 7 --depth "
	    "%s 2>&1", "lots"), 2);
	ck_assert_int_eq(ctl("backtest sweep -s BTC/USDT %s 2>&1",
	    "--grid-count 9..3"), 2);
	ck_assert_int_eq(ctl("backtest sweep -s BTC/USDT --grid-count 3..5 "
	    "--range %s 2>&1", "wide"), 2);
	/* Nothing was stored. */
	ck_assert_int_eq(count("backtests"), nb);
	ck_assert_int_eq(count("backtest_trades"), nt);
	ck_assert_int_eq(count("backtest_sweeps"), 0);
	unlink(conf);
	free(conninfo);
}
END_TEST

START_TEST(cli_sweep)
{
	cJSON	*j, *a, *e;
	double	 prev = HUGE_VAL;
	int	 runs, skipped, n = 0;
	char	 q[512];

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	if (!setup_db("btsweep"))
		TU_SKIP("../shared is absent");
	/* 4 grid counts x 3 widths around the first price x 2 spacings. */
	ck_assert_msg(ctl("backtest sweep -s BTC/USDT --days 10 --grid-count "
	    "3..9:2 --range 4%%..12%%:4%% --spacing arithmetic,geometric "
	    "--rank-by %s --jobs 2 --json", "return") == 0, "%s", out);
	j = json_out();
	runs = cJSON_GetObjectItem(j, "runs")->valueint;
	skipped = cJSON_GetObjectItem(j, "skipped")->valueint;
	ck_assert_int_eq(runs + skipped, 24);
	ck_assert_int_gt(runs, 10);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "rank_by")->valuestring,
	    "return");
	a = cJSON_GetObjectItem(j, "results");
	ck_assert_int_eq(cJSON_GetArraySize(a), runs);
	cJSON_ArrayForEach(e, a) {
		double	v = cJSON_GetObjectItem(e, "return")->valuedouble;

		ck_assert(v <= prev);
		prev = v;
		ck_assert_int_eq(cJSON_GetObjectItem(e, "rank")->valueint, ++n);
	}
	/* Stored: the sweep row with the ranking, and every run. */
	snprintf(q, sizeof(q), "backtest_sweeps WHERE status = 'done' AND "
	    "jsonb_array_length(results) = %d AND rank_by = 'return'", runs);
	ck_assert_int_eq(count(q), 1);
	snprintf(q, sizeof(q), "backtests WHERE sweep_id = %d",
	    cJSON_GetObjectItem(j, "sweep_id")->valueint);
	ck_assert_int_eq(count(q), runs);
	e = cJSON_GetArrayItem(a, 0);
	snprintf(q, sizeof(q), "%.0f --json",
	    cJSON_GetObjectItem(e, "backtest_id")->valuedouble);
	cJSON_Delete(j);
	/* The best run can be shown like any other. */
	ck_assert_int_eq(ctl("backtest show %s", q), 0);
	j = json_out();
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "sweep_id")));
	cJSON_Delete(j);
	/* The table form. */
	ck_assert_msg(ctl("backtest sweep -s BTC/USDT --days 3 --grid-count "
	    "%s", "4..5 --jobs 1") == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "RANK"));
	unlink(conf);
	free(conninfo);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("backtest");
	TCase	*tc = tcase_create("model");
	TCase	*tdb = tcase_create("cli");
	SRunner	*sr;
	int	 nf;

	log_init("check_backtest", LOG_LVL_WARN, 0);
	tcase_add_test(tc, path_model);
	tcase_add_test(tc, hand_zero_cost);
	tcase_add_test(tc, hand_costs);
	tcase_add_test(tc, hand_geometric);
	tcase_add_test(tc, hand_stop);
	tcase_add_test(tc, bad_runs);
	tcase_add_test(tc, paper_equivalence);
	tcase_add_test(tc, real_zero_cost);
	tcase_add_test(tc, deterministic);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(tdb, cli_real_candles);
	tcase_add_test(tdb, cli_bad_input);
	tcase_add_test(tdb, cli_sweep);
	tcase_set_timeout(tdb, 300);
	suite_add_tcase(s, tdb);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
