/*
 * check_grid.c: the grid engine (stratd/grid.c): level arithmetic for both
 * spacings, crossing logic with hand-computed cases (a jump over several
 * levels, oscillation around a level, busy levels, failures), stop-loss
 * and take-profit, exact round-trip profit, parameter validation, and the
 * JSON state surviving a restart.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../stratd/grid.h"
#include "testutil.h"

#define E18	"000000000000000000"

static struct grid_order	ord[64];

static u256
U(const char *dec)
{
	u256	v;

	ck_assert_msg(u256_from_dec(&v, dec) == 0, "bad decimal %s", dec);
	return v;
}

static void
assert_u256(const u256 *v, const char *want)
{
	char	b[U256_DEC_MAX];

	ck_assert_str_eq(u256_to_dec(v, b), want);
}

/* 18/18 decimals, no fee, unlimited depth, no gas: the ideal market. */
static struct grid_market
ideal(void)
{
	struct grid_market	m;

	memset(&m, 0, sizeof(m));
	m.base_dec = m.quote_dec = 18;
	return m;
}

static struct grid *
mk(const char *json, const struct grid_market *m)
{
	struct grid_params	 p;
	struct grid		*g;
	cJSON			*o = cJSON_Parse(json);
	char			 err[512];

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(grid_params_from_json(&p, o, err, sizeof(err)) == 0,
	    "%s", err);
	cJSON_Delete(o);
	g = grid_new(&p, m, err, sizeof(err));
	ck_assert_msg(g != NULL, "%s", err);
	return g;
}

/* The error grid_params_from_json or grid_new gives for json. */
static const char *
bad(const char *json, const struct grid_market *m)
{
	static char		 err[512];
	struct grid_params	 p;
	struct grid		*g;
	cJSON			*o = cJSON_Parse(json);

	err[0] = '\0';
	ck_assert_ptr_nonnull(o);
	if (grid_params_from_json(&p, o, err, sizeof(err)) == 0) {
		g = grid_new(&p, m, err, sizeof(err));
		ck_assert_msg(g == NULL, "accepted %s", json);
	}
	cJSON_Delete(o);
	ck_assert(err[0] != '\0');
	return err;
}

/* Fill an order as the ideal market (or m) would, at its price. */
static void
fill(struct grid *g, const struct grid_market *m, const struct grid_order *o,
    struct grid_fill_result *res)
{
	struct grid_fill	f;

	ck_assert_int_eq(grid_sim_fill(m, o->side, &o->px, &o->amount_in, &f),
	    0);
	f.t_ms = o->t_ms;
	ck_assert_int_eq(grid_fill(g, o, &f, res), 0);
}

static int
obs(struct grid *g, double p)
{
	static int64_t	t = 1000;

	return grid_observe(g, p, t += 1000, ord, sizeof(ord) / sizeof(ord[0]));
}

static void
assert_order(const struct grid_order *o, enum grid_kind kind,
    enum grid_side side, int level, uint64_t seq)
{
	ck_assert_int_eq(o->kind, kind);
	ck_assert_int_eq(o->side, side);
	ck_assert_int_eq(o->level, level);
	if (kind == GRID_ORDER_LEVEL)
		ck_assert_uint_eq(o->crossing_seq, seq);
}

static void
assert_levels(struct grid *g, const char *const *want, int n)
{
	int	i;

	ck_assert_int_eq(grid_nlevels(g), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(grid_level_text(g, i), want[i]);
}

START_TEST(levels_arithmetic)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	static const char *const four[] = { "100", "125", "150", "175", "200" };
	static const char *const three[] = { "100", "133.3333333",
	    "166.6666667", "200" };
	static const char *const small[] = { "0.08", "0.085", "0.09" };

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\"}",
	    &m);
	assert_levels(g, four, 5);
	ck_assert(grid_level_price(g, 2) == 150.0);
	assert_u256(grid_level_px(g, 3), "175" E18);
	/* size_unit base: every cell holds 1 base; its buy costs 1 * L. */
	assert_u256(grid_cell_base(g, 0), "1" E18);
	assert_u256(grid_cell_quote(g, 1), "125" E18);
	grid_free(&g);
	ck_assert_ptr_null(g);

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":3,\"base_order_size\":\"10\"}", &m);
	assert_levels(g, three, 4);
	/* size_unit quote: 10 quote / 133.3333333 = 0.07500000001875...,
	 * rounded down to the lot (10^7 wei for 7-decimal prices). */
	assert_u256(grid_cell_base(g, 1), "75000000010000000");
	/* Its buy is then exactly 0.07500000001 * 133.3333333. */
	assert_u256(grid_cell_quote(g, 1), "9999999998833333333");
	grid_free(&g);

	g = mk("{\"lower_price\":\"0.08\",\"upper_price\":\"0.09\","
	    "\"grid_count\":2,\"base_order_size\":\"1\"}", &m);
	assert_levels(g, small, 3);
	grid_free(&g);
}
END_TEST

START_TEST(levels_geometric)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	static const char *const pow2[] = { "100", "200", "400", "800", "1600" };
	static const char *const sqrt2[] = { "100", "141.4213562", "200" };
	static const char *const cube[] = { "1", "1.25992105", "1.587401052",
	    "2" };

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"1600\","
	    "\"grid_count\":4,\"spacing\":\"geometric\","
	    "\"base_order_size\":\"100\"}", &m);
	assert_levels(g, pow2, 5);
	/* Quote size: 100 quote buys 1, 0.5, 0.25, 0.125 base. */
	assert_u256(grid_cell_base(g, 0), "1" E18);
	assert_u256(grid_cell_base(g, 3), "125000000000000000");
	grid_free(&g);
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":2,\"spacing\":\"geometric\","
	    "\"base_order_size\":\"1\"}", &m);
	assert_levels(g, sqrt2, 3);
	grid_free(&g);
	g = mk("{\"lower_price\":\"1\",\"upper_price\":\"2\","
	    "\"grid_count\":3,\"spacing\":\"geometric\","
	    "\"base_order_size\":\"1\"}", &m);
	assert_levels(g, cube, 4);
	grid_free(&g);
}
END_TEST

/*
 * The main hand-computed path. Levels 100 125 150 175 200, 1 base per
 * cell, initial buy, no costs. Start at 160: cell 3 (175..200) is bought
 * at 160, cells 0..2 wait to buy.
 */
START_TEST(crossings)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	struct grid_fill_result	 r;
	struct grid_totals	 t;
	struct grid_order	 keep;
	int			 n, i;

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\"}",
	    &m);
	ck_assert_int_eq(grid_get_status(g), GRID_NEW);
	ck_assert_int_eq(obs(g, 160), 1);
	assert_order(&ord[0], GRID_ORDER_INIT, GRID_BUY, -1, 0);
	assert_u256(&ord[0].amount_in, "160" E18);
	ck_assert(ord[0].price == 160.0);
	fill(g, &m, &ord[0], &r);
	ck_assert_int_eq(r.has_pnl, 0);
	ck_assert_int_eq(grid_get_status(g), GRID_RUNNING);

	/* 151: nothing. 150: cell 2 buys at level 2. */
	ck_assert_int_eq(obs(g, 151), 0);
	ck_assert_int_eq(obs(g, 150), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 2, 1);
	assert_u256(&ord[0].amount_in, "150" E18);
	fill(g, &m, &ord[0], NULL);

	/* Oscillating around 150 does not trade again. */
	ck_assert_int_eq(obs(g, 149), 0);
	ck_assert_int_eq(obs(g, 151), 0);
	ck_assert_int_eq(obs(g, 149.5), 0);
	ck_assert_int_eq(obs(g, 150), 0);
	ck_assert_int_eq(obs(g, 151), 0);

	/* 176: cell 2 sells at 175: +25. */
	ck_assert_int_eq(obs(g, 176), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 3, 1);
	assert_u256(&ord[0].amount_in, "1" E18);
	fill(g, &m, &ord[0], &r);
	ck_assert_int_eq(r.has_pnl, 1);
	ck_assert_int_eq(r.pnl_neg, 0);
	assert_u256(&r.pnl, "25" E18);
	ck_assert_int_eq(r.round_trips, 1);
	ck_assert_int_eq(r.wins, 1);

	/* Oscillating around 175: nothing. */
	ck_assert_int_eq(obs(g, 174), 0);
	ck_assert_int_eq(obs(g, 176), 0);
	ck_assert_int_eq(obs(g, 174.9), 0);

	/* 110 in one step: 150 and 125 are crossed, top first. */
	n = obs(g, 110);
	ck_assert_int_eq(n, 2);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 2, 2);
	assert_order(&ord[1], GRID_ORDER_LEVEL, GRID_BUY, 1, 1);
	ck_assert(ord[0].id < ord[1].id);
	ck_assert_str_eq(grid_level_state(g, 2, 110), "buy_pending");
	for (i = 0; i < n; i++)
		fill(g, &m, &ord[i], NULL);
	/* A duplicate fill is refused, not counted twice. */
	keep = ord[1];
	ck_assert_int_eq(grid_fill(g, &keep, &(struct grid_fill){
	    .amount_in = keep.amount_in, .amount_out = U("1" E18) }, NULL), -1);
	ck_assert_int_eq(grid_fail(g, &keep), -1);
	ck_assert_str_eq(grid_level_state(g, 2, 110), "sell_armed");
	ck_assert_str_eq(grid_level_state(g, 0, 110), "buy_armed");

	/* 201 in one step: three sells, bottom first. */
	n = obs(g, 201);
	ck_assert_int_eq(n, 3);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 2, 3);
	assert_order(&ord[1], GRID_ORDER_LEVEL, GRID_SELL, 3, 2);
	assert_order(&ord[2], GRID_ORDER_LEVEL, GRID_SELL, 4, 1);
	for (i = 0; i < n; i++)
		fill(g, &m, &ord[i], &r);
	/* The last one is the cell bought at 160: +40. */
	assert_u256(&r.pnl, "40" E18);

	grid_get_totals(g, &t);
	/* 25 + 25 + 25 + 40 */
	assert_u256(&t.realized_gain, "115" E18);
	assert_u256(&t.realized_loss, "0");
	ck_assert_int_eq(t.trades, 8);
	ck_assert_int_eq(t.buys, 4);
	ck_assert_int_eq(t.sells, 4);
	ck_assert_int_eq(t.round_trips, 4);
	ck_assert_int_eq(t.wins, 4);
	ck_assert_uint_eq(grid_level_seq(g, 2), 3);
	ck_assert_str_eq(grid_level_state(g, 0, 201), "buy_armed");
	ck_assert_str_eq(grid_level_state(g, 4, 201), "idle");
	grid_free(&g);
}
END_TEST

/* Pending orders across observations, a busy level, failures. */
START_TEST(pending_and_failures)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	struct grid_order	 b150, b125, b175;
	int			 n;

	/* Quote only: cell 3 (175) is not armed until the price is above
	 * 175. */
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\","
	    "\"initial_buy\":false}", &m);
	ck_assert_int_eq(obs(g, 160), 0);
	ck_assert_str_eq(grid_level_state(g, 3, 160), "idle");

	/* 120: cells 2 and 1 buy; only the 125 buy fills for now. */
	ck_assert_int_eq(obs(g, 120), 2);
	b150 = ord[0];
	b125 = ord[1];
	assert_order(&b150, GRID_ORDER_LEVEL, GRID_BUY, 2, 1);
	assert_order(&b125, GRID_ORDER_LEVEL, GRID_BUY, 1, 1);
	fill(g, &m, &b125, NULL);
	/* 155: cell 1 would sell at 150, but level 150 has a buy in flight:
	 * the crossing waits. */
	ck_assert_int_eq(obs(g, 155), 0);
	ck_assert_str_eq(grid_level_state(g, 2, 155), "buy_pending");
	fill(g, &m, &b150, NULL);
	/* Now it goes. */
	ck_assert_int_eq(obs(g, 156), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 2, 2);
	fill(g, &m, &ord[0], NULL);

	/* 176: cell 2 (bought at 150) sells at 175, and the price above 175
	 * arms cell 3; 170 buys cell 3 at 175; that buy fails while the price
	 * is still below 175: no retry on the next observations ... */
	ck_assert_int_eq(obs(g, 176), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 3, 1);
	fill(g, &m, &ord[0], NULL);
	ck_assert_str_eq(grid_level_state(g, 3, 176), "buy_armed");
	ck_assert_int_eq(obs(g, 170), 1);
	b175 = ord[0];
	assert_order(&b175, GRID_ORDER_LEVEL, GRID_BUY, 3, 2);
	ck_assert_int_eq(grid_fail(g, &b175), 0);
	ck_assert_int_eq(obs(g, 169), 0);
	ck_assert_int_eq(obs(g, 171), 0);
	/* ... until a fresh crossing: above 175, then back down. */
	ck_assert_int_eq(obs(g, 175.5), 0);
	n = obs(g, 174);
	ck_assert_int_eq(n, 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 3, 3);
	/* It fails after the price went back above 175: that is a fresh
	 * crossing already, so the next fall through 175 buys again. */
	ck_assert_int_eq(obs(g, 180), 0);
	ck_assert_int_eq(grid_fail(g, &ord[0]), 0);
	ck_assert_int_eq(obs(g, 174), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 3, 4);
	fill(g, &m, &ord[0], NULL);
	{
		struct grid_totals	t;

		grid_get_totals(g, &t);
		ck_assert_int_eq(t.failed, 2);
		ck_assert_int_eq(t.round_trips, 2);
		assert_u256(&t.realized_gain, "50" E18);
	}
	grid_free(&g);
}
END_TEST

START_TEST(stop_loss)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	struct grid_fill_result	 r;
	struct grid_totals	 t;
	int			 n, i;

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\","
	    "\"stop_loss\":\"90\",\"take_profit\":\"210\"}", &m);
	ck_assert_int_eq(obs(g, 160), 1);
	fill(g, &m, &ord[0], NULL);
	n = obs(g, 110);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++)
		fill(g, &m, &ord[i], NULL);
	/* 89: the stop-loss: no grid buys at 100, one close of the 3 base
	 * held, at the bound. */
	ck_assert_int_eq(obs(g, 89), 1);
	assert_order(&ord[0], GRID_ORDER_CLOSE, GRID_SELL, -1, 0);
	assert_u256(&ord[0].amount_in, "3" E18);
	ck_assert(ord[0].price == 90.0);
	ck_assert_int_eq(grid_get_status(g), GRID_STOPPING);
	fill(g, &m, &ord[0], &r);
	/* (90-125) + (90-150) + (90-160) = -165 */
	ck_assert_int_eq(r.pnl_neg, 1);
	assert_u256(&r.pnl, "165" E18);
	ck_assert_int_eq(r.round_trips, 3);
	ck_assert_int_eq(r.wins, 0);
	ck_assert_int_eq(grid_get_status(g), GRID_STOPPED);
	ck_assert_str_eq(grid_stop_reason(g), "stop_loss: price 89 <= 90");
	/* Stopped for good. */
	ck_assert_int_eq(obs(g, 150), 0);
	ck_assert_int_eq(obs(g, 80), 0);
	ck_assert_int_eq(obs(g, 300), 0);
	grid_get_totals(g, &t);
	assert_u256(&t.realized_loss, "165" E18);
	grid_free(&g);

	/* Take-profit: 215 jumps past 200 and 210: the grid's own sell at
	 * 200 is not made, the close sells at 210: 210 - 160 = +50. */
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\","
	    "\"stop_loss\":\"90\",\"take_profit\":\"210\"}", &m);
	ck_assert_int_eq(obs(g, 160), 1);
	fill(g, &m, &ord[0], NULL);
	ck_assert_int_eq(obs(g, 215), 1);
	assert_order(&ord[0], GRID_ORDER_CLOSE, GRID_SELL, -1, 0);
	fill(g, &m, &ord[0], &r);
	assert_u256(&r.pnl, "50" E18);
	ck_assert_int_eq(grid_get_status(g), GRID_STOPPED);
	ck_assert_ptr_nonnull(strstr(grid_stop_reason(g), "take_profit"));
	grid_free(&g);

	/* Without close_on_stop the holdings stay; a start beyond a bound
	 * stops at once. */
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"size_unit\":\"base\","
	    "\"stop_loss\":\"90\",\"close_on_stop\":false}", &m);
	ck_assert_int_eq(obs(g, 160), 1);
	fill(g, &m, &ord[0], NULL);
	ck_assert_int_eq(obs(g, 85), 0);
	ck_assert_int_eq(grid_get_status(g), GRID_STOPPED);
	{
		u256	b, c;

		grid_holdings(g, &b, &c);
		assert_u256(&b, "1" E18);
		assert_u256(&c, "160" E18);
	}
	grid_free(&g);
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"stop_loss\":\"90\"}",
	    &m);
	ck_assert_int_eq(obs(g, 80), 0);
	ck_assert_int_eq(grid_get_status(g), GRID_STOPPED);
	grid_free(&g);
}
END_TEST

/* Geometric, quote-sized cells: 1000 quote buys 10 base at 100 and 5 at
 * 200; each round trip doubles its quote. */
START_TEST(geometric_round_trips)
{
	struct grid_market	 m = ideal();
	struct grid		*g;
	struct grid_fill_result	 r;
	struct grid_totals	 t;

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"400\","
	    "\"grid_count\":2,\"spacing\":\"geometric\","
	    "\"base_order_size\":\"1000\",\"initial_buy\":false}", &m);
	ck_assert_int_eq(obs(g, 150), 0);
	ck_assert_int_eq(obs(g, 100), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 0, 1);
	assert_u256(&ord[0].amount_in, "1000" E18);
	fill(g, &m, &ord[0], NULL);
	ck_assert_int_eq(obs(g, 200), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 1, 1);
	assert_u256(&ord[0].amount_in, "10" E18);
	fill(g, &m, &ord[0], &r);
	assert_u256(&r.pnl, "1000" E18);
	/* 200 did not arm cell 1 (200..400): 250 does, 190 buys it. */
	ck_assert_int_eq(obs(g, 250), 0);
	ck_assert_int_eq(obs(g, 190), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_BUY, 1, 2);
	fill(g, &m, &ord[0], NULL);
	ck_assert_int_eq(obs(g, 400), 1);
	assert_order(&ord[0], GRID_ORDER_LEVEL, GRID_SELL, 2, 1);
	fill(g, &m, &ord[0], &r);
	assert_u256(&r.pnl, "1000" E18);
	grid_get_totals(g, &t);
	assert_u256(&t.realized_gain, "2000" E18);
	grid_free(&g);
}
END_TEST

/* With a fee and a finite pool: amm.h's exact numbers. */
START_TEST(costs)
{
	struct grid_market	 m = ideal();
	struct grid_fill	 f;
	u256			 px = U("100" E18), in = U("1000" E18);
	struct grid		*g;

	m.fee_bps = 25;
	/* No depth: only the fee. 1000 quote -> 997.5 after the fee -> 9.975
	 * base at 100. */
	ck_assert_int_eq(grid_sim_fill(&m, GRID_BUY, &px, &in, &f), 0);
	assert_u256(&f.amount_out, "9975000000000000000");
	assert_u256(&f.fee, "2500000000000000000");
	assert_u256(&f.slippage, "0");
	/* Depth 100000 quote (1000 base at 100): x*9975*1000/(100000*10000 +
	 * x*9975) with x = 1000: 9.876... base. */
	m.depth = U("100000" E18);
	ck_assert_int_eq(grid_sim_fill(&m, GRID_BUY, &px, &in, &f), 0);
	assert_u256(&f.amount_out, "9876482091140869823");
	/* Slippage: 9.975 - 9.8762... base at 100. */
	assert_u256(&f.slippage, "9851790885913017700");
	/* Sell 10 base into the same pool. */
	in = U("10" E18);
	ck_assert_int_eq(grid_sim_fill(&m, GRID_SELL, &px, &in, &f), 0);
	assert_u256(&f.amount_out, "987648209114086982351");
	assert_u256(&f.fee, "2500000000000000000");

	/* A grid whose cells clear two 0.25% fees. */
	m.depth = u256_from_u64(0);
	m.gas = U("100000000000000000");	/* 0.1 quote per swap */
	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"110\","
	    "\"grid_count\":2,\"base_order_size\":\"100\"}", &m);
	grid_free(&g);
}
END_TEST

START_TEST(validation)
{
	struct grid_market	 m = ideal();
	const char		*e;

	e = bad("{\"lower_price\":\"200\",\"upper_price\":\"100\","
	    "\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_str_eq(e, "upper_price (100) must be above lower_price (200)");
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"100\","
	    "\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "must be above"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":1,\"base_order_size\":\"1\"}", &m);
	ck_assert_str_eq(e, "grid_count must be at least 2 (got 1)");
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":2.5,\"base_order_size\":\"1\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "integer"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"grids\":3}", &m);
	ck_assert_ptr_nonnull(strstr(e, "unknown grid parameter 'grids'"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"base_order_size\":\"1\"}", &m);
	ck_assert_str_eq(e, "grid_count is required");
	e = bad("{\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_str_eq(e, "upper_price and lower_price are required");
	e = bad("{\"lower_price\":\"-1\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "lower_price"));
	e = bad("{\"lower_price\":\"1e2\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "not a decimal price"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"0\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "above zero"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"spacing\":\"log\"}",
	    &m);
	ck_assert_ptr_nonnull(strstr(e, "spacing"));
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\",\"stop_loss\":\"100\"}",
	    &m);
	ck_assert_str_eq(e, "stop_loss (100) must be below lower_price (100)");
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\","
	    "\"take_profit\":\"150\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "take_profit (150) must be above"));
	e = bad("[1,2]", &m);
	ck_assert_ptr_nonnull(strstr(e, "object"));
	/* Levels that collapse when rounded. */
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"100.00000001\","
	    "\"grid_count\":1000,\"base_order_size\":\"1\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "collapse"));
	/* Below one lot: 1 wei of quote buys nothing at 100. */
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"0.000000000000000001\"}",
	    &m);
	ck_assert_ptr_nonnull(strstr(e, "too small"));
	/* The per-grid profit after two 0.25% fees: 0.25% spacing loses. */
	m.fee_bps = 25;
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"101\","
	    "\"grid_count\":4,\"base_order_size\":\"100\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "per-grid profit after two fees is "
	    "not positive"));
	/* 1% spacing clears the fees, but not 1 quote of gas per swap on a
	 * 10-quote order (profit 0.05). */
	m.gas = U("1" E18);
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"104\","
	    "\"grid_count\":4,\"base_order_size\":\"10\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "per-grid profit"));
	/* A pool too shallow for the size: the price impact eats it. */
	m.gas = u256_from_u64(0);
	m.depth = U("1000" E18);
	e = bad("{\"lower_price\":\"100\",\"upper_price\":\"104\","
	    "\"grid_count\":4,\"base_order_size\":\"100\"}", &m);
	ck_assert_ptr_nonnull(strstr(e, "per-grid profit"));
}
END_TEST

/* The state survives a restart, pending order included, and the restored
 * engine decides exactly as the original. */
START_TEST(state_json)
{
	struct grid_market	 m = ideal();
	struct grid_params	 p;
	struct grid		*g, *h;
	struct grid_order	 pend, got, a[16];
	cJSON			*o, *st;
	char			*s1, *s2, err[256];
	int			 n, nb, i;
	static const double	 path[] = { 171, 126, 199, 101, 160, 130, 188 };

	o = cJSON_Parse("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"3\","
	    "\"stop_loss\":\"50\"}");
	ck_assert_int_eq(grid_params_from_json(&p, o, err, sizeof(err)), 0);
	cJSON_Delete(o);
	g = grid_new(&p, &m, err, sizeof(err));
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(obs(g, 160), 1);
	fill(g, &m, &ord[0], NULL);
	ck_assert_int_eq(obs(g, 120), 2);
	fill(g, &m, &ord[0], NULL);
	pend = ord[1];			/* the 125 buy, still in flight */

	st = grid_state_to_json(g);
	s1 = cJSON_PrintUnformatted(st);
	h = grid_restore(&p, &m, st, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	cJSON_Delete(st);
	st = grid_state_to_json(h);
	s2 = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	/* The caller recovers the pending order by id and applies it. */
	ck_assert_int_eq(grid_pending_order(h, pend.id, &got), 0);
	ck_assert_int_eq(got.level, 1);
	ck_assert_uint_eq(got.crossing_seq, pend.crossing_seq);
	ck_assert_int_eq(u256_cmp(&got.amount_in, &pend.amount_in), 0);
	fill(g, &m, &pend, NULL);
	fill(h, &m, &got, NULL);
	/* Same decisions from here on. */
	for (i = 0; i < (int)(sizeof(path) / sizeof(path[0])); i++) {
		n = grid_observe(g, path[i], 50000 + i, ord, 64);
		nb = grid_observe(h, path[i], 50000 + i, a, 16);
		ck_assert_int_eq(n, nb);
		while (n-- > 0) {
			ck_assert_uint_eq(ord[n].id, a[n].id);
			ck_assert_int_eq(ord[n].level, a[n].level);
			ck_assert_int_eq(ord[n].side, a[n].side);
			fill(g, &m, &ord[n], NULL);
			fill(h, &m, &a[n], NULL);
		}
	}
	st = grid_state_to_json(g);
	s1 = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	st = grid_state_to_json(h);
	s2 = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);

	/* A state for other params is refused. */
	st = grid_state_to_json(g);
	snprintf(p.upper_price, sizeof(p.upper_price), "210");
	ck_assert_ptr_null(grid_restore(&p, &m, st, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "parameters changed"));
	cJSON_Delete(st);
	st = cJSON_Parse("{\"version\":2}");
	snprintf(p.upper_price, sizeof(p.upper_price), "200");
	ck_assert_ptr_null(grid_restore(&p, &m, st, err, sizeof(err)));
	cJSON_Delete(st);
	grid_free(&g);
	grid_free(&h);
}
END_TEST

/* The fast path never hides a decision: observing every price equals
 * observing only those outside the triggers. */
START_TEST(fast_path)
{
	struct grid_market	 m = ideal();
	struct grid		*g, *h;
	double			 lo, hi, p = 150;
	uint64_t		 x = 88172645463325252ULL;
	int			 i, n, k, skipped = 0;

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":10,\"base_order_size\":\"1\","
	    "\"stop_loss\":\"60\",\"take_profit\":\"260\"}", &m);
	h = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":10,\"base_order_size\":\"1\","
	    "\"stop_loss\":\"60\",\"take_profit\":\"260\"}", &m);
	for (i = 0; i < 20000; i++) {
		struct grid_order	a[16];

		/* xorshift random walk, bounded away from the stops */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p += ((double)(x % 2001) - 1000.0) / 400.0;
		if (p < 80)
			p = 80;
		if (p > 220)
			p = 220;
		n = grid_observe(g, p, i, ord, 64);
		grid_triggers(h, &lo, &hi);
		if (p > lo && p < hi) {
			ck_assert_int_eq(n, 0);
			skipped++;
			continue;
		}
		ck_assert_int_eq(grid_observe(h, p, i, a, 16), n);
		for (k = 0; k < n; k++) {
			ck_assert_uint_eq(ord[k].id, a[k].id);
			fill(g, &m, &ord[k], NULL);
			fill(h, &m, &a[k], NULL);
		}
	}
	ck_assert_int_gt(skipped, 1000);
	{
		struct grid_totals	ta, tb;

		grid_get_totals(g, &ta);
		grid_get_totals(h, &tb);
		ck_assert_int_gt(ta.trades, 100);
		ck_assert_int_eq(ta.trades, tb.trades);
		ck_assert_int_eq(u256_cmp(&ta.realized_gain, &tb.realized_gain),
		    0);
	}
	grid_free(&g);
	grid_free(&h);
}
END_TEST

START_TEST(bad_observations)
{
	struct grid_market	 m = ideal();
	struct grid		*g;

	g = mk("{\"lower_price\":\"100\",\"upper_price\":\"200\","
	    "\"grid_count\":4,\"base_order_size\":\"1\"}", &m);
	ck_assert_int_eq(grid_observe(g, 0, 1, ord, 64), -1);
	ck_assert_int_eq(grid_observe(g, -5, 1, ord, 64), -1);
	ck_assert_int_eq(grid_observe(g, NAN, 1, ord, 64), -1);
	ck_assert_int_eq(grid_observe(g, INFINITY, 1, ord, 64), -1);
	ck_assert_int_eq(grid_observe(g, 150, 1, ord, 2), -1);
	ck_assert_int_eq(grid_get_status(g), GRID_NEW);
	grid_free(&g);
	grid_free(&g);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("grid");
	TCase	*tc = tcase_create("engine");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, levels_arithmetic);
	tcase_add_test(tc, levels_geometric);
	tcase_add_test(tc, crossings);
	tcase_add_test(tc, pending_and_failures);
	tcase_add_test(tc, stop_loss);
	tcase_add_test(tc, geometric_round_trips);
	tcase_add_test(tc, costs);
	tcase_add_test(tc, validation);
	tcase_add_test(tc, state_json);
	tcase_add_test(tc, fast_path);
	tcase_add_test(tc, bad_observations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
