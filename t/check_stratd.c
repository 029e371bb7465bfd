/*
 * check_stratd.c: stratd's trading engine in-process against a real
 * PostgreSQL, fed with marketd-shaped tick events: tick parsing and
 * freshness, fill arithmetic, a paper grid (orders, fills, levels, paper
 * balances to the wei, PnL rows), stale prices, conditional orders (fire
 * once, cancel, stale feed, owned by a paused strategy), the risk limits
 * (max order size, error rate, daily loss: paused with a reason and an
 * audit row), a restart (state restored, no crossing ordered twice), and
 * the emergency stop. The chain side is check_live.c.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "amm.h"
#include "bus.h"
#include "../stratd/cmds.h"
#include "config.h"
#include "db.h"
#include "testutil.h"
#include "tu_stratd.h"
#include "../stratd/conditional.h"
#include "../stratd/engine.h"
#include "../stratd/pnl.h"
#include "../stratd/risk.h"
#include "../stratd/store.h"
#include "../stratd/ticks.h"
#include "../stratd/backtest.h"
#include "../stratd/grid.h"

/* --- pure parts --- */

START_TEST(tick_parse)
{
	struct stratd_tick	 t;
	struct ticks		*c;
	const struct stratd_tick *k;
	char			 err[256], sym[64];
	const char		*s;
	int			 dex, stale;

	s = tus_tick("BTC/USDT", 7, 20000, 0);
	ck_assert_int_eq(ticks_parse(s, strlen(s), &t, err, sizeof(err)), 0);
	ck_assert_str_eq(t.symbol, "BTC/USDT");
	ck_assert_int_eq(t.block, 7);
	ck_assert(!t.stale);
	ck_assert(fabs(t.mid - 20000) < 1e-9);
	ck_assert_int_eq(t.fee_bps, 30);
	s = tus_tick("BTC/USDT", 8, 20000, 1);
	ck_assert_int_eq(ticks_parse(s, strlen(s), &t, err, sizeof(err)), 0);
	ck_assert(t.stale);
	/* Bad input: clear errors, never a crash. */
#define BAD(x) ck_assert_int_eq(ticks_parse(x, strlen(x), &t, err, \
	sizeof(err)), -1)
	BAD("");
	BAD("not json");
	BAD("[1,2]");
	BAD("{\"symbol\":\"B\"}");
	BAD("{\"symbol\":\"B\",\"block\":1,\"block_time\":1,\"reserve_base\":"
	    "\"0\",\"reserve_quote\":\"5\",\"base_decimals\":18,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":1,\"stale\":false}");
	BAD("{\"symbol\":\"B\",\"block\":1,\"block_time\":1,\"reserve_base\":"
	    "\"5\",\"reserve_quote\":\"5\",\"base_decimals\":18,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":-1,\"stale\":false}");
	BAD("{\"symbol\":\"B\",\"block\":1,\"block_time\":1,\"reserve_base\":"
	    "\"5\",\"reserve_quote\":\"5\",\"base_decimals\":99,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":1,\"stale\":false}");
	BAD("{\"symbol\":\"B\",\"block\":1.5,\"block_time\":1,\"reserve_base\":"
	    "\"5\",\"reserve_quote\":\"5\",\"base_decimals\":18,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":1,\"stale\":false}");
	BAD("{\"symbol\":\"B\",\"block\":1,\"block_time\":1,\"reserve_base\":"
	    "\"5x\",\"reserve_quote\":\"5\",\"base_decimals\":18,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":1,\"stale\":false}");
	BAD("{\"symbol\":\"B\",\"block\":1,\"block_time\":1,\"reserve_base\":"
	    "\"5\",\"reserve_quote\":\"5\",\"base_decimals\":18,"
	    "\"quote_decimals\":18,\"fee_bps\":30,\"mid_f\":1}");
#undef BAD
	s = "{\"feed\":\"dex\",\"symbol\":\"BTC/USDT\",\"stale\":true}";
	ck_assert_int_eq(ticks_parse_feed(s, strlen(s), sym, sizeof(sym), &dex,
	    &stale), 0);
	ck_assert(dex && stale);
	ck_assert_int_eq(ticks_parse_feed("{}", 2, sym, sizeof(sym), &dex,
	    &stale), -1);

	/* Freshness: the flag, a feed.stale mark, the age, the order. */
	ck_assert_ptr_nonnull(c = ticks_new(1000));
	s = tus_tick("BTC/USDT", 10, 20000, 0);
	ticks_parse(s, strlen(s), &t, err, sizeof(err));
	ck_assert_ptr_nonnull(k = ticks_put(c, &t, 5000));
	ck_assert(ticks_is_fresh(c, k, 5000));
	ck_assert(ticks_is_fresh(c, k, 6000));
	ck_assert(!ticks_is_fresh(c, k, 6001));
	ck_assert_ptr_null(ticks_fresh(c, "BTC/USDT", 6001));
	ck_assert_ptr_null(ticks_fresh(c, "ETH/USDT", 5000));
	ticks_mark(c, "BTC/USDT", 1);
	ck_assert(!ticks_is_fresh(c, k, 5000));
	t.block = 11;
	ck_assert_ptr_nonnull(ticks_put(c, &t, 5100));	/* fresh clears it */
	ck_assert(ticks_is_fresh(c, k, 5100));
	t.block = 9;
	ck_assert_ptr_null(ticks_put(c, &t, 5200));	/* older block */
	ck_assert_ptr_nonnull(ticks_put(c, &t, 7000));	/* kept one stale */
	t.stale = 1;
	t.block = 12;
	ck_assert_ptr_nonnull(k = ticks_put(c, &t, 7100));
	ck_assert(!ticks_is_fresh(c, k, 7100));
	ticks_free(&c);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(fill_math)
{
	struct pnl_costs	c;
	u256			rb, rq, in, out, fee, net, ideal;
	char			buf[PNL_DEC_MAX];

	u256_parse_units(&rb, "100", 18);
	u256_parse_units(&rq, "2000000", 18);
	/* A buy of 1000 quote: the pool's own output, its fee in quote. */
	u256_parse_units(&in, "1000", 18);
	ck_assert_int_eq(amm_get_amount_out(&out, &in, &rq, &rb, 30), 0);
	ck_assert_int_eq(pnl_costs(1, &in, &out, &rb, &rq, 30, &c), 0);
	u256_parse_units(&fee, "3", 18);
	ck_assert_int_eq(u256_cmp(&c.fee, &fee), 0);
	ck_assert_int_eq(u256_cmp(&c.fee_quote, &fee), 0);
	/* impact = (997/2000 ideal base - out) * 20000 > 0 */
	u256_sub(&net, &in, &fee);
	u256_muldiv(&ideal, &net, &rb, &rq);
	ck_assert_int_gt(u256_cmp(&ideal, &out), 0);
	ck_assert(!u256_is_zero(&c.slippage_quote));
	/* A sell of 0.05 base. */
	u256_parse_units(&in, "0.05", 18);
	ck_assert_int_eq(amm_get_amount_out(&out, &in, &rb, &rq, 30), 0);
	ck_assert_int_eq(pnl_costs(0, &in, &out, &rb, &rq, 30, &c), 0);
	u256_parse_units(&fee, "0.00015", 18);
	ck_assert_int_eq(u256_cmp(&c.fee, &fee), 0);
	u256_parse_units(&fee, "3", 18);	/* 0.00015 * 20000 */
	ck_assert_int_eq(u256_cmp(&c.fee_quote, &fee), 0);
	/* Prices and signed text. */
	u256_parse_units(&in, "20100", 18);
	u256_parse_units(&out, "1", 18);
	ck_assert_int_eq(pnl_price_text(&in, 18, &out, 18, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "20100");
	u256_parse_units(&in, "20100", 6);
	u256_parse_units(&out, "0.5", 8);
	ck_assert_int_eq(pnl_price_text(&in, 6, &out, 8, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "40200");
	out = u256_from_u64(0);
	ck_assert_int_eq(pnl_price_text(&in, 6, &out, 8, buf, sizeof(buf)), -1);
	u256_parse_units(&in, "1.25", 18);
	pnl_text(&in, 1, 18, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-1.25");
	pnl_text(&out, 1, 18, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
	/* Conditions. */
	ck_assert(cond_holds(COND_STOP_LOSS, 99, 100));
	ck_assert(cond_holds(COND_STOP_LOSS, 100, 100));
	ck_assert(!cond_holds(COND_STOP_LOSS, 101, 100));
	ck_assert(cond_holds(COND_LIMIT_BUY, 100, 100));
	ck_assert(cond_holds(COND_TAKE_PROFIT, 101, 100));
	ck_assert(!cond_holds(COND_TAKE_PROFIT, 99, 100));
	ck_assert(cond_holds(COND_LIMIT_SELL, 100, 100));
	ck_assert(cond_is_buy(COND_LIMIT_BUY) && !cond_is_buy(COND_STOP_LOSS));
}
END_TEST

START_TEST(risk_limits)
{
	struct config	*cfg;
	char		 err[256], why[256];
	u256		 v;

	cfg = config_parse("[stratd]\nmax_order_quote = 150\n", "t", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(risk_check_config(cfg, err, sizeof(err)), 0);
	u256_parse_units(&v, "150", 18);
	ck_assert(risk_order_ok(cfg, &v, 18, why, sizeof(why)));
	u256_parse_units(&v, "150.000001", 18);
	ck_assert(!risk_order_ok(cfg, &v, 18, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "max_order_quote 150"));
	u256_parse_units(&v, "151", 6);
	ck_assert(!risk_order_ok(cfg, &v, 6, why, sizeof(why)));
	config_free(&cfg);
	cfg = config_parse("[stratd]\nmax_order_quote = 0\n", "t", err,
	    sizeof(err));
	u256_parse_units(&v, "1000000000", 18);
	ck_assert(risk_order_ok(cfg, &v, 18, why, sizeof(why)));
	config_free(&cfg);
	cfg = config_parse("[stratd]\ndaily_loss_limit = lots\n", "t", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(risk_check_config(cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "daily_loss_limit"));
	config_free(&cfg);
	cfg = config_parse("[stratd]\nerror_rate_limit_pct = 101\n", "t", err,
	    sizeof(err));
	ck_assert_ptr_null(cfg);
}
END_TEST

/* --- the engine in-process --- */

struct rig {
	struct tus_env		 env;
	struct config		*cfg;
	struct db		*db;
	struct stratd_core	 core;
	struct engine		*e;
	void			*zctx;
	unsigned long long	 block;
};

static void
rig_engine(struct rig *r)
{
	char	err[512];

	memset(&r->core, 0, sizeof(r->core));
	r->core.cfg = r->cfg;
	r->core.db = r->db;
	r->core.actor = "test";
	r->core.halted = store_emergency_active(r->db) != 0;
	r->e = engine_new(&r->core, r->zctx, err, sizeof(err));
	ck_assert_msg(r->e != NULL, "%s", err);
	ck_assert_int_eq(engine_start(r->e), 0);
}

/* kv: section, key, value triples, NULL-terminated. */
static void
rig_open(struct rig *r, const char *prefix, const char *const *kv)
{
	char	err[512];

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(tus_env_new(&r->env, prefix), 0);
	tus_conf_set(r->env.conf, "marketd", "stale_blocks", "10");
	tus_conf_set(r->env.conf, "chain", "block_time_ms", "1000");
	for (; kv != NULL && kv[0] != NULL; kv += 3)
		ck_assert_int_eq(tus_conf_set(r->env.conf, kv[0], kv[1], kv[2]),
		    0);
	r->cfg = config_load(r->env.conf, err, sizeof(err));
	ck_assert_msg(r->cfg != NULL, "%s", err);
	ck_assert_ptr_nonnull(r->db = db_new(r->env.dburl, 5, 10000, "test"));
	ck_assert_int_eq(db_connect(r->db), 0);
	ck_assert_ptr_nonnull(r->zctx = bus_ctx_new());
	r->block = 100;
	rig_engine(r);
}

/* A restart: the engine goes (as after a crash: nothing is flushed), a
 * new one loads everything from the database. */
static void
rig_restart(struct rig *r)
{
	engine_free(&r->e);
	rig_engine(r);
}

static void
rig_close(struct rig *r)
{
	engine_free(&r->e);
	db_free(&r->db);
	config_free(&r->cfg);
	bus_ctx_free(&r->zctx);
	tus_env_remove(&r->env);
}

static void
tick_at(struct rig *r, const char *sym, double price, int stale)
{
	char		 topic[64];
	const char	*b = tus_tick(sym, ++r->block, price, stale);

	snprintf(topic, sizeof(topic), "tick.%s", sym);
	engine_event(r->e, topic, strlen(topic), b, strlen(b));
}

static void
tick(struct rig *r, double price)
{
	tick_at(r, "BNB/USDT", 300, 0);
	tick_at(r, "BTC/USDT", price, 0);
}

static void
feed_stale(struct rig *r, int stale)
{
	char	b[200];

	snprintf(b, sizeof(b), "{\"feed\":\"dex\",\"symbol\":\"BTC/USDT\","
	    "\"stale\":%s,\"reason\":\"test\"}", stale ? "true" : "false");
	engine_event(r->e, "feed.stale", 10, b, strlen(b));
}

/* Run a command as bsc-ctl or the control endpoint would; returns the
 * "id" of the answer, 0 when it has none, -1 on an error. */
static long
cmd(struct rig *r, const char *name, const char *args)
{
	cJSON			*a = cJSON_Parse(args), *d = NULL, *id;
	struct cmd_error	 err;
	long			 rc;

	ck_assert_ptr_nonnull(a);
	rc = cmds_run_local(&r->core, name, a, &d, &err);
	cJSON_Delete(a);
	if (rc == -1) {
		fprintf(stderr, "%s: %s: %s\n", name, err.code, err.message);
		return -1;
	}
	id = cJSON_GetObjectItem(d, "id");
	rc = cJSON_IsNumber(id) ? (long)id->valuedouble : 0;
	cJSON_Delete(d);
	return rc;
}

#define GRID4 "{\"grid_count\":4,\"base_order_size\":\"100\"," \
	"\"upper_price\":\"21000\",\"lower_price\":\"19000\"}"

static long
create_grid(struct rig *r, const char *name, const char *params)
{
	char	args[1024];

	snprintf(args, sizeof(args), "{\"name\":\"%s\",\"type\":\"grid\","
	    "\"symbol\":\"BTC/USDT\",\"mode\":\"paper\",\"params\":%s}", name,
	    params);
	return cmd(r, "strategy.create", args);
}

/* The strategy's orders as "kind:side:level:seq:status" lines. */
static void
orders_of(struct rig *r, long sid, char *out, size_t cap)
{
	tus_sql(&r->env, out, cap, "SELECT coalesce(string_agg(grid_kind || ':' "
	    "|| side || ':' || coalesce(level::text, '-') || ':' || "
	    "coalesce(crossing_seq::text, '-') || ':' || status, ' ' ORDER BY "
	    "id), '') FROM orders WHERE strategy_id = %ld", sid);
}

START_TEST(paper_grid)
{
	struct rig	r;
	char		s[4096], q[256], seedq[100];
	long		id;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");	/* markets come with the chain */
	rig_open(&r, "stratd-paper", NULL);
	ck_assert_int_gt(id = create_grid(&r, "paper", GRID4), 0);
	/* Seeded with the grid's investment: 4 cells of 100 (a little less:
	 * each cell buys a whole number of lots). */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT round(amount / 1e18) FROM "
	    "paper_balances WHERE strategy_id = %ld AND token = 'USDT'", id),
	    400);
	tus_sql(&r.env, seedq, sizeof(seedq), "SELECT amount FROM "
	    "paper_balances WHERE strategy_id = %ld AND token = 'USDT'", id);
	/* Nothing on a stale price, nothing before a price. */
	tick_at(&r, "BTC/USDT", 20000, 1);
	orders_of(&r, id, s, sizeof(s));
	ck_assert_str_eq(s, "");
	/* The path of the hand-computed case (see docs/STRATD.md). */
	tick(&r, 20000);
	tick(&r, 20000);	/* the same price again: nothing new */
	tick(&r, 20600);
	tick(&r, 19400);
	tick(&r, 20100);
	tick(&r, 20150);
	tick(&r, 21100);
	tick(&r, 19900);
	orders_of(&r, id, s, sizeof(s));
	ck_assert_str_eq(s, "init:buy:-:-:filled level:sell:3:1:filled "
	    "level:buy:2:1:filled level:buy:1:1:filled level:sell:2:2:filled "
	    "level:sell:3:2:filled level:sell:4:1:filled level:buy:3:3:filled "
	    "level:buy:2:3:filled");
	/* One fill per order; paper balances equal seed - spent + received
	 * to the wei. */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM fills f "
	    "JOIN orders o ON o.id = f.order_id WHERE o.strategy_id = %ld", id),
	    9);
	tus_sql(&r.env, s, sizeof(s), "SELECT (SELECT amount FROM "
	    "paper_balances WHERE strategy_id = %ld AND token = 'USDT') = "
	    "%s - sum(CASE WHEN o.side = 'buy' THEN f.amount_in ELSE "
	    "-f.amount_out END) AND (SELECT amount FROM paper_balances WHERE "
	    "strategy_id = %ld AND token = 'BTCB') = sum(CASE WHEN o.side = "
	    "'buy' THEN f.amount_out ELSE -f.amount_in END) FROM fills f JOIN "
	    "orders o ON o.id = f.order_id WHERE o.strategy_id = %ld", id,
	    seedq, id, id);
	ck_assert_str_eq(s, "t");
	/* PnL of the day: 9 trades, 4 round trips (realized on sells). */
	tus_sql(&r.env, s, sizeof(s), "SELECT trades || '/' || round_trips || "
	    "'/' || errors FROM pnl_daily WHERE strategy_id = %ld", id);
	ck_assert_str_eq(s, "9/4/0");
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM fills f "
	    "JOIN orders o ON o.id = f.order_id WHERE o.strategy_id = %ld AND "
	    "o.side = 'sell' AND o.grid_kind = 'level' AND f.realized_pnl IS "
	    "NOT NULL", id), 4);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM fills f "
	    "JOIN orders o ON o.id = f.order_id WHERE o.strategy_id = %ld AND "
	    "f.gas_cost_quote = 0.135", id), 9);	/* 150000 x 3 gwei x 300 */
	/* Levels: rows with the crossing counters of the state. */
	tus_sql(&r.env, s, sizeof(s), "SELECT string_agg(level || '=' || "
	    "crossing_seq, ',' ORDER BY level) FROM grid_levels WHERE "
	    "strategy_id = %ld", id);
	ck_assert_str_eq(s, "0=0,1=1,2=3,3=3,4=1");
	/* ... each crossed level linked to the order of its last crossing
	 * (rows written only when they change: these must not lag) */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM grid_levels "
	    "l LEFT JOIN orders o ON o.strategy_id = l.strategy_id AND o.level "
	    "= l.level AND o.crossing_seq = l.crossing_seq WHERE l.strategy_id "
	    "= %ld AND l.crossing_seq > 0 AND (o.id IS NULL OR "
	    "l.last_order_id IS DISTINCT FROM o.id)", id), 0);
	tus_sql(&r.env, s, sizeof(s), "SELECT state->'levels'->2->>"
	    "'crossing_seq' FROM strategies WHERE id = %ld", id);
	ck_assert_str_eq(s, "3");
	/* A stale feed (marketd's event) blocks the next crossing... */
	feed_stale(&r, 1);
	tick_at(&r, "BTC/USDT", 19400, 1);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld", id), 9);
	/* ... until a fresh price comes. */
	feed_stale(&r, 0);
	tick(&r, 19400);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld", id), 10);

	/* A restart resumes where it was: no crossing ordered twice. */
	rig_restart(&r);
	tick(&r, 19400);
	tick(&r, 20100);	/* cell 1 sells at level 2: crossing 4 */
	orders_of(&r, id, s, sizeof(s));
	ck_assert_ptr_nonnull(strstr(s, "level:buy:1:2:filled "
	    "level:sell:2:4:filled"));
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld AND grid_kind = 'init'", id), 1);
	/* `strategy status` shows the numbers the runbook greps. */
	snprintf(q, sizeof(q), "strategy status %ld", id);
	ck_assert_int_eq(tus_ctl(&r.env, s, sizeof(s), "%s", q), 0);
	ck_assert_ptr_nonnull(strstr(s, "trades: 11"));
	ck_assert_ptr_nonnull(strstr(s, "win_rate:"));
	/* Pause, update (same levels, bigger orders), resume: the next
	 * crossing uses the new size; a stop ends it. */
	snprintf(q, sizeof(q), "{\"id\":%ld}", id);
	ck_assert_int_ge(cmd(&r, "strategy.pause", q), 0);
	tick(&r, 19400);	/* paused: nothing */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld", id), 11);
	snprintf(s, sizeof(s), "{\"id\":%ld,\"params\":{\"grid_count\":4,"
	    "\"base_order_size\":\"150\",\"upper_price\":\"21000\","
	    "\"lower_price\":\"19000\"}}", id);
	ck_assert_int_ge(cmd(&r, "strategy.update", s), 0);
	ck_assert_int_ge(cmd(&r, "strategy.resume", q), 0);
	tick(&r, 19400);	/* cell 1 buys again at level 1 */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld", id), 12);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT round(amount_in / 1e18) FROM "
	    "orders WHERE strategy_id = %ld ORDER BY id DESC LIMIT 1", id),
	    150);
	/* Moving the levels of a running grid is refused at resume (its
	 * cells hold what they bought at the old ones): paused, with the
	 * reason; the old levels back, it trades again. */
	ck_assert_int_ge(cmd(&r, "strategy.pause", q), 0);
	snprintf(s, sizeof(s), "{\"id\":%ld,\"params\":{\"grid_count\":4,"
	    "\"base_order_size\":\"150\",\"upper_price\":\"22000\","
	    "\"lower_price\":\"19000\"}}", id);
	ck_assert_int_ge(cmd(&r, "strategy.update", s), 0);
	ck_assert_int_ge(cmd(&r, "strategy.resume", q), 0);
	tus_sql(&r.env, s, sizeof(s), "SELECT status || ':' || status_reason "
	    "FROM strategies WHERE id = %ld", id);
	ck_assert_msg(strstr(s, "paused:the parameters do not fit") == s, "%s",
	    s);
	snprintf(s, sizeof(s), "{\"id\":%ld,\"params\":{\"grid_count\":4,"
	    "\"base_order_size\":\"150\",\"upper_price\":\"21000\","
	    "\"lower_price\":\"19000\"}}", id);
	ck_assert_int_ge(cmd(&r, "strategy.update", s), 0);
	ck_assert_int_ge(cmd(&r, "strategy.resume", q), 0);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM strategies WHERE id = "
	    "%ld", id);
	ck_assert_str_eq(s, "active");
	ck_assert_int_ge(cmd(&r, "strategy.stop", q), 0);
	tick(&r, 21100);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE strategy_id = %ld", id), 12);
	rig_close(&r);
}
END_TEST

/*
 * Issue 6: the backtest and stratd's paper mode, fed the same price path,
 * make the same trades. The paper side is the real engine on real ticks
 * (orders rows); the backtest side is bt_run over candles that sit at each
 * price of the path (open = high = low = close), so its path points are
 * exactly the path. Compared: kind, side and level of every trade, in
 * order, over a path that crosses levels up, down, several at once and
 * back and forth.
 */
START_TEST(paper_equals_backtest)
{
	static const double	 path[] = { 20000, 20600, 19400, 20100, 20150,
				    21100, 19900, 20480, 19020, 20990, 19500,
				    20550, 19450, 20000 };
	const size_t		 n = sizeof(path) / sizeof(path[0]);
	struct rig		 r;
	struct grid_params	 gp;
	struct grid_market	 gm;
	struct bt_candle	 c[sizeof(path) / sizeof(path[0])];
	struct report		 rep;
	struct report_trades	 tr;
	char			 paper[4096], bt[4096] = "", err[256];
	cJSON			*pj;
	size_t			 i;
	long			 id;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	rig_open(&r, "stratd-pvb", NULL);
	ck_assert_int_gt(id = create_grid(&r, "paper", GRID4), 0);
	for (i = 0; i < n; i++)
		tick(&r, path[i]);
	tus_sql(&r.env, paper, sizeof(paper), "SELECT coalesce(string_agg("
	    "grid_kind || ':' || side || ':' || coalesce(level::text, '-'), "
	    "' ' ORDER BY id), '') FROM orders WHERE strategy_id = %ld AND "
	    "status = 'filled'", id);

	ck_assert_ptr_nonnull(pj = cJSON_Parse(GRID4));
	ck_assert_int_eq(grid_params_from_json(&gp, pj, err, sizeof(err)), 0);
	cJSON_Delete(pj);
	memset(&gm, 0, sizeof(gm));
	gm.base_dec = 18;
	gm.quote_dec = 18;
	gm.fee_bps = 30;	/* the local pool's */
	for (i = 0; i < n; i++) {
		c[i].t = (int64_t)i * 60000;
		c[i].o = c[i].h = c[i].l = c[i].c = path[i];
	}
	memset(&rep, 0, sizeof(rep));
	memset(&tr, 0, sizeof(tr));
	ck_assert_msg(bt_run(&gp, &gm, c, n, 60000, &rep, &tr, err,
	    sizeof(err)) == 0, "%s", err);
	for (i = 0; i < tr.n; i++) {
		const struct report_trade	*t = &tr.v[i];
		char				 one[64];

		snprintf(one, sizeof(one), "%s%s:%s:", i ? " " : "",
		    t->kind == GRID_ORDER_INIT ? "init" : t->kind ==
		    GRID_ORDER_CLOSE ? "close" : "level", t->side == GRID_BUY ?
		    "buy" : "sell");
		strcat(bt, one);
		if (t->level < 0)
			strcat(bt, "-");
		else {
			snprintf(one, sizeof(one), "%d", t->level);
			strcat(bt, one);
		}
	}
	report_trades_clear(&tr);
	report_clear(&rep);
	ck_assert_int_gt(strlen(paper), 0);
	ck_assert_msg(strcmp(paper, bt) == 0, "paper:    %s\nbacktest: %s",
	    paper, bt);
	fprintf(stderr, "check_stratd: paper mode and backtest made the same "
	    "trades on a %zu-price path: %s\n", n, paper);
	rig_close(&r);
}
END_TEST

START_TEST(conditional)
{
	struct rig	r;
	char		s[4096], a[512];
	long		sl, tp, tp2, own, sid;
	double		px;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	rig_open(&r, "stratd-cond", NULL);
	sl = cmd(&r, "conditional.create", "{\"symbol\":\"BTC/USDT\",\"kind\":"
	    "\"stop_loss\",\"trigger_price\":\"19000\",\"amount\":\"0.01\"}");
	tp = cmd(&r, "conditional.create", "{\"symbol\":\"BTC/USDT\",\"kind\":"
	    "\"take_profit\",\"trigger_price\":\"21000\",\"amount\":\"0.01\"}");
	ck_assert(sl > 0 && tp > 0);
	tick(&r, 20000);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 0);
	/* The price hook: the latest fresh price. */
	ck_assert_int_eq(r.core.price(&r.core, "BTC/USDT", &px), 0);
	ck_assert(fabs(px - 20000) < 1e-6);
	ck_assert_int_eq(r.core.price(&r.core, "ETH/USDT", &px), -1);
	/* A stale feed blocks the stop-loss although its price holds. */
	tick_at(&r, "BTC/USDT", 18900, 1);
	feed_stale(&r, 1);
	tick_at(&r, "BTC/USDT", 18800, 1);
	ck_assert_int_eq(r.core.price(&r.core, "BTC/USDT", &px), -1);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", sl);
	ck_assert_str_eq(s, "open");
	/* Fresh again: it fires, once. */
	feed_stale(&r, 0);
	tick(&r, 18900);
	tick(&r, 18800);
	tick(&r, 18700);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", sl);
	ck_assert_str_eq(s, "filled");
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE conditional_order_id = %ld AND status = 'filled' AND side = "
	    "'sell' AND amount_in = 10000000000000000", sl), 1);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 1);
	/* The database's guard: firing it again inserts nothing. */
	{
		struct cond	c;
		long long	oid;

		memset(&c, 0, sizeof(c));
		c.id = sl;
		snprintf(c.symbol, sizeof(c.symbol), "BTC/USDT");
		c.kind = COND_STOP_LOSS;
		snprintf(c.trigger_text, sizeof(c.trigger_text), "19000");
		c.amount = u256_from_u64(1);
		ck_assert_int_eq(cond_fire(r.db, &c, &oid), 0);
	}
	/* Cancel works: a cancelled take-profit never fires. */
	snprintf(a, sizeof(a), "{\"id\":%ld}", tp);
	ck_assert_int_ge(cmd(&r, "conditional.cancel", a), 0);
	tick(&r, 21500);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", tp);
	ck_assert_str_eq(s, "cancelled");
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 1);
	/* A take-profit fires at or above, once. */
	tp2 = cmd(&r, "conditional.create", "{\"symbol\":\"BTC/USDT\",\"kind\":"
	    "\"take_profit\",\"trigger_price\":\"21000\",\"amount\":\"0.02\"}");
	tick(&r, 20999);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 1);
	tick(&r, 21000);
	tick(&r, 21200);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE conditional_order_id = %ld", tp2), 1);
	/* A limit buy spends quote. */
	ck_assert_int_gt(cmd(&r, "conditional.create", "{\"symbol\":"
	    "\"BTC/USDT\",\"kind\":\"limit_buy\",\"trigger_price\":\"20000\","
	    "\"amount\":\"50\"}"), 0);
	tick(&r, 19999);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders "
	    "WHERE side = 'buy' AND kind = 'conditional' AND status = "
	    "'filled'"), 1);
	/* Owned by a strategy: only while the strategy is active, from its
	 * paper balances. */
	ck_assert_int_gt(sid = create_grid(&r, "owner", "{\"grid_count\":4,"
	    "\"base_order_size\":\"100\",\"upper_price\":\"21000\","
	    "\"lower_price\":\"19000\",\"initial_buy\":false}"), 0);
	snprintf(a, sizeof(a), "{\"symbol\":\"BTC/USDT\",\"kind\":\"limit_buy\","
	    "\"trigger_price\":\"18000\",\"amount\":\"10\",\"strategy_id\":%ld}",
	    sid);
	ck_assert_int_gt(own = cmd(&r, "conditional.create", a), 0);
	snprintf(a, sizeof(a), "{\"id\":%ld}", sid);
	ck_assert_int_ge(cmd(&r, "strategy.pause", a), 0);
	tick(&r, 17900);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", own);
	ck_assert_str_eq(s, "open");
	ck_assert_int_ge(cmd(&r, "strategy.resume", a), 0);
	tick(&r, 17900);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", own);
	ck_assert_str_eq(s, "filled");
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT round(amount / 1e18) FROM "
	    "paper_balances WHERE strategy_id = %ld AND token = 'USDT'", sid),
	    390);
	rig_close(&r);
}
END_TEST

START_TEST(risk_pause)
{
	static const char *const lim[] = {
		"stratd", "max_order_quote", "150",
		"stratd", "error_rate_min_orders", "1",
		NULL
	};
	static const char *const loss[] = {
		"stratd", "daily_loss_limit", "1",
		"stratd", "pnl_interval_ms", "100",
		NULL
	};
	struct rig	r;
	char		s[1024];
	long		id;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	/* The initial buy (2 cells: 200) is above max_order_quote: refused,
	 * recorded as failed; 1 error of 1 order > 10%: paused. */
	rig_open(&r, "stratd-risk", lim);
	ck_assert_int_gt(id = create_grid(&r, "risky", GRID4), 0);
	tick(&r, 20000);
	tus_sql(&r.env, s, sizeof(s), "SELECT status || ':' || error FROM "
	    "orders WHERE strategy_id = %ld", id);
	ck_assert_ptr_nonnull(strstr(s, "failed:order worth 197.56"));
	ck_assert_ptr_nonnull(strstr(s, "above max_order_quote 150"));
	tus_sql(&r.env, s, sizeof(s), "SELECT status || ':' || status_reason "
	    "FROM strategies WHERE id = %ld", id);
	ck_assert_str_eq(s, "paused:error rate 100% > 10% (1 of 1 orders "
	    "failed today)");
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM audit_log "
	    "WHERE actor = 'stratd' AND command = 'strategy pause' AND reason "
	    "LIKE 'error rate%%' AND ok"), 1);
	tick(&r, 19000);	/* paused: nothing more */
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 1);
	rig_close(&r);

	/* The daily loss: a price drop below what the grid bought at. */
	rig_open(&r, "stratd-loss", loss);
	ck_assert_int_gt(id = create_grid(&r, "lossy", GRID4), 0);
	tick(&r, 20000);
	tick(&r, 19990);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 1);
	tus_sql(&r.env, s, sizeof(s), "SELECT status FROM strategies WHERE id = "
	    "%ld", id);
	ck_assert_str_eq(s, "active");
	tick(&r, 19600);
	/* The marks run from the poll; the limit is checked after them. */
	{
		long long	t0 = tus_ms();

		while (tus_ms() - t0 < 15000) {
			engine_poll(r.e);
			tus_sql(&r.env, s, sizeof(s), "SELECT status FROM "
			    "strategies WHERE id = %ld", id);
			if (strcmp(s, "paused") == 0)
				break;
			usleep(100000);
		}
	}
	tus_sql(&r.env, s, sizeof(s), "SELECT status || ':' || status_reason "
	    "FROM strategies WHERE id = %ld", id);
	ck_assert_msg(strncmp(s, "paused:daily loss limit: loss ", 30) == 0,
	    "%s", s);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM "
	    "strategy_daily_pnl WHERE strategy_id = %ld AND loss >= 1", id),
	    1);
	rig_close(&r);
}
END_TEST

START_TEST(emergency)
{
	struct rig	r;
	long		id[3], c;
	int		i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	rig_open(&r, "stratd-em", NULL);
	for (i = 0; i < 3; i++) {
		char	n[16];

		snprintf(n, sizeof(n), "g%d", i);
		ck_assert_int_gt(id[i] = create_grid(&r, n, GRID4), 0);
	}
	c = cmd(&r, "conditional.create", "{\"symbol\":\"BTC/USDT\",\"kind\":"
	    "\"stop_loss\",\"trigger_price\":\"19000\",\"amount\":\"0.01\"}");
	ck_assert_int_gt(c, 0);
	tick(&r, 20000);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 3);
	ck_assert_int_ge(cmd(&r, "emergency.stop_all", "{\"reason\":\"test\","
	    "\"actor\":\"tester\"}"), 0);
	ck_assert(r.core.halted);
	/* Crossings and triggers after the stop: nothing at all. */
	tick(&r, 18000);
	tick(&r, 22000);
	tick(&r, 18000);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 3);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM strategies "
	    "WHERE status <> 'stopped'"), 0);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM "
	    "conditional_orders WHERE status = 'open'"), 0);
	/* A restart stays halted. */
	rig_restart(&r);
	ck_assert(r.core.halted);
	tick(&r, 22000);
	ck_assert_int_eq(tus_sql_long(&r.env, "SELECT count(*) FROM orders"), 3);
	engine_poll(r.e);
	rig_close(&r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("stratd");
	TCase	*u = tcase_create("units"), *e = tcase_create("engine");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(u, tick_parse);
	tcase_add_test(u, fill_math);
	tcase_add_test(u, risk_limits);
	tcase_set_timeout(e, 120);
	tcase_add_test(e, paper_grid);
	tcase_add_test(e, paper_equals_backtest);
	tcase_add_test(e, conditional);
	tcase_add_test(e, risk_pause);
	tcase_add_test(e, emergency);
	suite_add_tcase(s, u);
	suite_add_tcase(s, e);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
