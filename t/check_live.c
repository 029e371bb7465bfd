/*
 * check_live.c: stratd trading on a real local chain with real daemons
 * (marketd, stratd under the project-local runit), prices replayed onto
 * the pool with scripts/replay, each test on a chain of its own so it may
 * pause, fill and kill things:
 *
 *  - a live grid makes exactly one swap per crossing, the wallet's
 *    on-chain balances equal the recorded fills to the wei, and a paper
 *    grid on the same price path makes the same trades;
 *  - SIGKILL of stratd in the middle of the replay (once with its swap in
 *    the mempool, once at a random point): after the restart no crossing
 *    is traded twice or missed;
 *  - conditional orders on chain: a take-profit fires once; a stale feed
 *    (the node paused) blocks a stop-loss whose price holds, until the
 *    feed is fresh again;
 *  - emergency stop-all with ten active strategies and open conditional
 *    orders: everything stopped and cancelled, and the trading wallet's
 *    nonce does not move after the acknowledgement while the price keeps
 *    crossing levels, also after stratd restarts.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cJSON.h>

#include "abi.h"
#include "addr.h"
#include "rpc.h"
#include "testutil.h"
#include "tu_stratd.h"
#include "u256.h"

static struct tus_env	 env;
static struct rpc	*rpc;
static char		 out[1 << 16];

#define GRID4 "'{\"grid_count\":4,\"base_order_size\":\"100\"," \
	"\"upper_price\":\"21000\",\"lower_price\":\"19000\"}'"
/* The trades of the path 19999 20600 19400 20100 21100 19900 (worked out
 * in docs/STRATD.md; the same as check_stratd's paper_grid). */
#define EXPECTED "init:buy:-:-:filled level:sell:3:1:filled " \
	"level:buy:2:1:filled level:buy:1:1:filled level:sell:2:2:filled " \
	"level:sell:3:2:filled level:sell:4:1:filled level:buy:3:3:filled " \
	"level:buy:2:3:filled"

/* The trades of the path 19999 19400 20600 19900 21100 19900. */
#define KILL_EXPECTED "init:buy:-:-:filled level:buy:1:1:filled " \
	"level:sell:2:1:filled level:sell:3:1:filled level:buy:2:2:filled " \
	"level:sell:3:2:filled level:sell:4:1:filled level:buy:3:3:filled " \
	"level:buy:2:3:filled"


static void
setup(const char *prefix)
{
	struct rpc_opts	o;


	ck_assert_msg(tus_env_chain(&env, prefix) == 0, "environment");
	rpc_opts_init(&o);
	o.urls[0] = tus_chain_env(&env, "CHAIN_RPC_URL");
	o.nurls = 1;
	o.timeout_ms = 3000;
	ck_assert_ptr_nonnull(rpc = rpc_new(&o));
	ck_assert_msg(tus_ctl(&env, out, sizeof(out), "bot start --no-funds") ==
	    0, "%s", out);
}

static void
teardown(void)
{
	if (env.dir[0] == '\0')
		return;
	tus_env_stop(&env);
	rpc_free(&rpc);
	memset(&env, 0, sizeof(env));
}

static struct addr
chain_addr(const char *key)
{
	struct addr	a;

	ck_assert_int_eq(addr_parse(&a, tus_chain_env(&env, key)), 0);
	return a;
}

/* An ERC-20 balance of the trading wallet, as decimal text. */
static void
token_balance(const char *token, char *buf)
{
	struct addr		t = chain_addr(token), w = chain_addr(
				    "TRADER1_ADDRESS");
	struct abi_buf		b = { NULL, 0 };
	struct rpc_callmsg	m;
	uint8_t			*r = NULL;
	size_t			 n;
	u256			 v;

	ck_assert_int_eq(abi_call_balance_of(&b, &w), 0);
	memset(&m, 0, sizeof(m));
	m.to = t.b;
	m.data = b.data;
	m.datalen = b.len;
	ck_assert_int_eq(rpc_eth_call(rpc, &m, "latest", &r, &n, NULL), 0);
	ck_assert_int_eq(abi_decode_uint256(r, n, &v), 0);
	u256_to_dec(&v, buf);
	free(r);
	abi_buf_free(&b);
}

static void
bnb_balance(char *buf)
{
	struct addr	w = chain_addr("TRADER1_ADDRESS");
	u256		v;

	ck_assert_int_eq(rpc_get_balance(rpc, w.b, "latest", &v, NULL), 0);
	u256_to_dec(&v, buf);
}

static uint64_t
nonce(const char *tag)
{
	struct addr	w = chain_addr("TRADER1_ADDRESS");
	uint64_t	n;

	ck_assert_int_eq(rpc_get_transaction_count(rpc, w.b, tag, &n, NULL),
	    0);
	return n;
}

static uint64_t
head(void)
{
	uint64_t	b;

	ck_assert_int_eq(rpc_block_number(rpc, &b, NULL), 0);
	return b;
}

/* One replay step (scripts/replay): the pool moved to price. */
static void
step(double price)
{
	ck_assert_msg(tu_run(out, sizeof(out), "node scripts/replay %s --prices "
	    "%.6f --interval-ms 0 --quiet 2>&1", env.chain, price) == 0,
	    "replay: %s", out);
}

static cJSON *
engine(void)
{
	cJSON	*e;
	int	 i;

	for (i = 0; i < 100; i++) {
		if ((e = tus_engine_status(&env)) != NULL)
			return e;
		usleep(100000);
	}
	ck_abort_msg("stratd does not answer");
	return NULL;
}

static double
num(cJSON *o, const char *k)
{
	cJSON	*v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* stratd has seen the chain's head and nothing is in flight (twice in a
 * row, 200 ms apart). */
static void
settle(void)
{
	long long	t0 = tus_ms();
	int		ok = 0;

	while (tus_ms() - t0 < 30000) {
		cJSON	*e = engine();
		cJSON	*p = cJSON_GetObjectItem(cJSON_GetObjectItem(e,
			    "prices"), "BTC/USDT");
		int	 good = cJSON_IsTrue(cJSON_GetObjectItem(e, "started")) &&
			    num(e, "orders_in_flight") == 0 &&
			    (uint64_t)num(p, "block") == head();

		cJSON_Delete(e);
		ok = good ? ok + 1 : 0;
		if (ok == 2)
			return;
		usleep(200000);
	}
	ck_abort_msg("stratd did not settle");
}

static long
create(const char *name, const char *mode, const char *params)
{
	int	rc = tu_run(out, sizeof(out), "%s -c %s strategy create -t grid "
		    "-s BTC/USDT -n '%s' -m %s -p %s", tu_bin("bsc-ctl"),
		    env.conf, name, mode, params);

	ck_assert_msg(rc == 0, "create: %s", out);
	return atol(out);
}

static void
orders_of(long sid, char *buf, size_t cap)
{
	tus_sql(&env, buf, cap, "SELECT coalesce(string_agg(grid_kind || ':' "
	    "|| side || ':' || coalesce(level::text, '-') || ':' || "
	    "coalesce(crossing_seq::text, '-') || ':' || status, ' ' ORDER BY "
	    "id), '') FROM orders WHERE strategy_id = %ld", sid);
}

static int
stratd_pid(void)
{
	cJSON	*j, *p;
	int	 pid = 0;

	if (tus_ctl(&env, out, sizeof(out), "--json bot status") != 0)
		return 0;
	j = cJSON_Parse(out);
	p = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "processes"), "stratd"), "pid");
	if (cJSON_IsNumber(p))
		pid = p->valueint;
	cJSON_Delete(j);
	return pid;
}

/* SIGKILL stratd; wait for runit to start a new one. */
static void
kill_stratd(void)
{
	int		 pid = stratd_pid(), npid;
	long long	 t0 = tus_ms();

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	while (tus_ms() - t0 < 20000) {
		usleep(200000);
		if ((npid = stratd_pid()) > 0 && npid != pid)
			return;
	}
	ck_abort_msg("stratd was not restarted");
}

/* The live strategy's trades against the chain: one mined transaction
 * per order, balances to the wei. */
static void
check_books(long sid, const char *btcb0, const char *usdt0, const char *bnb0)
{
	char		b[128], q[128], n[128], w[ADDR_STR_MAX];
	struct addr	a = chain_addr("TRADER1_ADDRESS");

	addr_format_lower(&a, w);
	/* Exactly one swap per order, the one holding its intent. */
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM orders o "
	    "WHERE o.strategy_id = %ld AND (o.status <> 'filled' OR (SELECT "
	    "count(*) FROM transactions t WHERE t.intent = 'order:' || o.id) "
	    "<> 1 OR (SELECT count(*) FROM transactions t WHERE t.intent = "
	    "'order:' || o.id AND t.status = 'mined' AND t.id = o.tx_id) <> 1)",
	    sid), 0);
	/* Every transaction of the wallet was mined, one per nonce. */
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM transactions "
	    "WHERE wallet = '%s' AND status = 'mined'", w), (long)nonce(
	    "latest"));
	/* Tokens: initial + received - spent, to the wei. */
	token_balance("BTCB", b);
	token_balance("USDT", q);
	tus_sql(&env, n, sizeof(n), "SELECT (%s + coalesce(sum(CASE WHEN "
	    "o.side = 'buy' THEN f.amount_out ELSE -f.amount_in END), 0))::text "
	    "FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.mode = "
	    "'live'", btcb0);
	ck_assert_str_eq(n, b);
	tus_sql(&env, n, sizeof(n), "SELECT (%s + coalesce(sum(CASE WHEN "
	    "o.side = 'sell' THEN f.amount_out ELSE -f.amount_in END), 0))::text "
	    "FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.mode = "
	    "'live'", usdt0);
	ck_assert_str_eq(n, q);
	/* BNB: initial - the gas of every transaction (swaps' in fills). */
	bnb_balance(b);
	tus_sql(&env, n, sizeof(n), "SELECT (%s - coalesce(sum(gas_used * "
	    "effective_gas_price), 0))::text FROM transactions WHERE wallet = "
	    "'%s' AND block_number IS NOT NULL", bnb0, w);
	ck_assert_str_eq(n, b);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM fills f JOIN "
	    "orders o ON o.id = f.order_id JOIN transactions t ON t.id = "
	    "o.tx_id WHERE o.mode = 'live' AND (f.gas_wei <> t.gas_used * "
	    "t.effective_gas_price OR f.block_number <> t.block_number)"), 0);
}

START_TEST(live_grid_replay)
{
	char	b0[128], q0[128], n0[128], sl[4096], sp[4096];
	long	live, paper;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	setup("live-grid");
	token_balance("BTCB", b0);
	token_balance("USDT", q0);
	bnb_balance(n0);
	/* Paper first: a paper grid never moves the pool, so both lay the
	 * grid at the same price whenever the first tick comes. */
	paper = create("paper grid", "paper", GRID4);
	live = create("live grid", "live", GRID4);
	step(19999);
	settle();
	step(20600);
	settle();
	step(19400);
	settle();
	step(20100);
	settle();
	step(21100);
	settle();
	step(19900);
	settle();
	orders_of(live, sl, sizeof(sl));
	orders_of(paper, sp, sizeof(sp));
	ck_assert_str_eq(sl, EXPECTED);
	ck_assert_str_eq(sp, EXPECTED);
	check_books(live, b0, q0, n0);
	/* Once the approvals were in, orders asked the node while the
	 * database recorded them. */
	{
		cJSON	*e = engine();

		ck_assert_int_gt((int)num(e, "orders_prepared_ahead"), 0);
		cJSON_Delete(e);
	}
	/* One approval of each token spent, made once. */
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM transactions "
	    "WHERE intent LIKE 'approve:%%'"), 2);
	/* The runbook's greps. */
	ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "strategy status %ld",
	    live), 0);
	ck_assert_ptr_nonnull(strstr(out, "trades: 9"));
	ck_assert_ptr_nonnull(strstr(out, "round_trips: 4"));
	ck_assert_ptr_nonnull(strstr(out, "win_rate:"));
}
END_TEST

START_TEST(sigkill_mid_replay)
{
	char		b0[128], q0[128], n0[128], sl[4096], sp[4096];
	long		live, paper;
	long long	t0;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	setup("live-kill");
	token_balance("BTCB", b0);
	token_balance("USDT", q0);
	bnb_balance(n0);
	paper = create("paper grid", "paper", GRID4);
	live = create("live grid", "live", GRID4);
	step(19999);
	settle();
	/* The crossing's swap in the mempool when stratd dies (a buy: the
	 * initial buy made the approval). */
	ck_assert_int_eq(tu_run(out, sizeof(out), "sh t/chain/chain mine %s "
	    "manual 2>&1", env.chain), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "node t/chain/swap.js %s "
	    "--to-price 19400 --no-wait 2>&1", env.chain), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "sh t/chain/chain mine %s "
	    "block 2>&1", env.chain), 0);
	t0 = tus_ms();
	while (tus_sql_long(&env, "SELECT count(*) FROM orders WHERE "
	    "strategy_id = %ld AND status = 'submitted'", live) != 1) {
		ck_assert_msg(tus_ms() - t0 < 20000, "no order submitted");
		usleep(100000);
	}
	kill_stratd();
	/* Mined while stratd is down (or restarting). */
	ck_assert_int_eq(tu_run(out, sizeof(out), "sh t/chain/chain mine %s "
	    "block 2>&1", env.chain), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "sh t/chain/chain mine %s "
	    "auto 2>&1", env.chain), 0);
	settle();
	orders_of(live, sl, sizeof(sl));
	ck_assert_str_eq(sl, "init:buy:-:-:filled level:buy:1:1:filled");
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM transactions "
	    "WHERE intent LIKE 'order:%%'"), 2);
	step(20600);
	settle();
	/* A kill at whatever point stratd is in: right after a crossing. */
	step(19900);
	kill_stratd();
	settle();
	step(21100);
	settle();
	kill_stratd();		/* and once while idle */
	step(19900);
	settle();
	orders_of(live, sl, sizeof(sl));
	orders_of(paper, sp, sizeof(sp));
	ck_assert_str_eq(sp, KILL_EXPECTED);
	ck_assert_str_eq(sl, KILL_EXPECTED);
	check_books(live, b0, q0, n0);
}
END_TEST

START_TEST(conditional_on_chain)
{
	char		s[256];
	long		tp, sl;
	long long	t0;
	int		chain_pid;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	setup("live-cond");
	step(20100);
	settle();
	ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "strategy conditional "
	    "create -s BTC/USDT -k take_profit --trigger 20500 --amount 0.001 "
	    "-m live"), 0);
	tp = atol(out);
	step(20400);
	settle();
	tus_sql(&env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", tp);
	ck_assert_str_eq(s, "open");
	step(20600);
	settle();
	step(20700);
	settle();
	tus_sql(&env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", tp);
	ck_assert_str_eq(s, "filled");
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM orders o JOIN "
	    "transactions t ON t.id = o.tx_id WHERE o.conditional_order_id = %ld "
	    "AND o.status = 'filled' AND t.status = 'mined' AND o.amount_in = "
	    "1000000000000000", tp), 1);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM transactions "
	    "WHERE intent LIKE 'order:%%'"), 1);

	/* The node stops answering: marketd's feed goes stale. */
	chain_pid = atoi(tus_chain_env(&env, "CHAIN_PID"));
	ck_assert_int_gt(chain_pid, 0);
	ck_assert_int_eq(kill(chain_pid, SIGSTOP), 0);
	t0 = tus_ms();
	for (;;) {
		cJSON	*e = engine();
		cJSON	*p = cJSON_GetObjectItem(cJSON_GetObjectItem(e,
			    "prices"), "BTC/USDT");
		int	 stale = cJSON_IsFalse(cJSON_GetObjectItem(p, "fresh"));

		cJSON_Delete(e);
		if (stale)
			break;
		if (tus_ms() - t0 > 30000) {
			kill(chain_pid, SIGCONT);
			ck_abort_msg("the price never went stale");
		}
		usleep(200000);
	}
	/* A stop-loss whose price holds already: blocked while stale. */
	if (tus_ctl(&env, out, sizeof(out), "strategy conditional create -s "
	    "BTC/USDT -k stop_loss --trigger 30000 --amount 0.001 -m live") !=
	    0) {
		kill(chain_pid, SIGCONT);
		ck_abort_msg("create: %s", out);
	}
	sl = atol(out);
	sleep(3);
	tus_sql(&env, s, sizeof(s), "SELECT status FROM conditional_orders "
	    "WHERE id = %ld", sl);
	kill(chain_pid, SIGCONT);
	ck_assert_str_eq(s, "open");
	/* Fresh again: it fires, once. */
	step(20750);
	settle();
	t0 = tus_ms();
	do {
		tus_sql(&env, s, sizeof(s), "SELECT status FROM "
		    "conditional_orders WHERE id = %ld", sl);
		if (strcmp(s, "filled") == 0)
			break;
		usleep(200000);
	} while (tus_ms() - t0 < 20000);
	ck_assert_str_eq(s, "filled");
	step(20800);
	settle();
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM orders WHERE "
	    "conditional_order_id = %ld", sl), 1);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM transactions "
	    "WHERE intent LIKE 'order:%%' AND status = 'mined'"), 2);
}
END_TEST

START_TEST(emergency_ten)
{
	char		w[ADDR_STR_MAX], s[256];
	struct addr	a;
	long		ids[10], ntx;
	uint64_t	n0, l0;
	cJSON		*j;
	int		i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_RPC");
	setup("live-em");
	a = chain_addr("TRADER1_ADDRESS");
	addr_format_lower(&a, w);
	for (i = 0; i < 10; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "s%d", i);
		ids[i] = create(name, i % 2 ? "live" : "paper", GRID4);
		ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "strategy "
		    "conditional create -s BTC/USDT -k take_profit --trigger "
		    "21050 --amount 0.001 --strategy-id %ld -m %s", ids[i],
		    i % 2 ? "live" : "paper"), 0);
	}
	ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "strategy conditional "
	    "create -s BTC/USDT -k stop_loss --trigger 19100 --amount 0.001 -m "
	    "live"), 0);
	step(19999);
	settle();
	/* The five live grids traded. */
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(DISTINCT "
	    "strategy_id) FROM orders WHERE mode = 'live' AND status = "
	    "'filled'"), 5);
	ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "emergency stop-all "
	    "--reason DRILL"), 0);
	/* After the acknowledgement: nothing leaves the wallet. */
	n0 = nonce("pending");
	l0 = nonce("latest");
	ntx = tus_sql_long(&env, "SELECT count(*) FROM transactions");
	ck_assert_int_eq(n0, l0);
	step(20600);
	step(19400);
	step(21100);	/* the take-profits' price too */
	step(19000);	/* and the stop-loss's */
	sleep(2);
	ck_assert_int_eq(nonce("pending"), n0);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM "
	    "transactions"), ntx);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM strategies "
	    "WHERE status <> 'stopped'"), 0);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM "
	    "conditional_orders WHERE status = 'open'"), 0);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM orders WHERE "
	    "status IN ('pending', 'submitted')"), 0);
	ck_assert_int_eq(tus_ctl(&env, out, sizeof(out), "--json bot status"),
	    0);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "emergency"), "active")));
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "strategies"), "active")->valueint, 0);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "pending_orders")->valueint,
	    0);
	cJSON_Delete(j);
	j = engine();
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "halted")));
	cJSON_Delete(j);
	/* A restart does not resume trading. */
	kill_stratd();
	j = engine();
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "halted")));
	cJSON_Delete(j);
	step(20600);
	step(19400);
	sleep(2);
	ck_assert_int_eq(nonce("pending"), n0);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM "
	    "transactions"), ntx);
	ck_assert_int_eq(tus_sql_long(&env, "SELECT count(*) FROM strategies "
	    "WHERE status <> 'stopped'"), 0);
	tus_sql(&env, s, sizeof(s), "SELECT count(*) FROM audit_log WHERE "
	    "command = 'emergency stop-all' AND reason = 'DRILL' AND ok");
	ck_assert_str_eq(s, "1");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("live");
	TCase	*tc = tcase_create("live");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, teardown);
	/* LIVE_ONLY=name runs one test (debugging). */
#define ADD(t) if (getenv("LIVE_ONLY") == NULL || \
	strcmp(getenv("LIVE_ONLY"), #t) == 0) tcase_add_test(tc, t)
	ADD(live_grid_replay);
	ADD(sigkill_mid_replay);
	ADD(conditional_on_chain);
	ADD(emergency_ten);
#undef ADD
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	tus_registry_open();
	srunner_run_all(sr, CK_NORMAL);
	tus_registry_cleanup();
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
