/*
 * check_strategy.c: the strategy lifecycle, conditional orders and the
 * emergency stop through bsc-ctl, with stratd running (commands over the
 * bus) and with it stopped (the same handlers in-process), against a real
 * PostgreSQL and real daemons under the project-local runit.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "testutil.h"

static char	dir[256], conf[300], dburl[512];
static char	out[1 << 16];

/* A private config (own run/state dirs) on a fresh, migrated database. */
static void
setup_env(void)
{
	char	*ci;

	ck_assert_ptr_nonnull(ci = tu_db_create("strat"));
	snprintf(dburl, sizeof(dburl), "%s", ci);
	free(ci);
	ck_assert_int_eq(tu_private_conf("bsc-strat", dburl, dir, sizeof(dir),
	    conf, sizeof(conf)), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), conf), 0);
}

/* bsc-ctl with this test's config; output (stdout and stderr) in out. */
#define ctl(...)	tu_ctl(conf, out, sizeof(out), __VA_ARGS__)

static cJSON *
ctl_json(const char *args)
{
	cJSON	*j;
	int	 rc = tu_run(out, sizeof(out), "%s -c %s --json %s",
		    tu_bin("bsc-ctl"), conf, args);

	ck_assert_msg(rc == 0, "%s: rc=%d %s", args, rc, out);
	ck_assert_msg((j = cJSON_Parse(out)) != NULL, "%s: not JSON: %s", args,
	    out);
	return j;
}

static long
sql_count(const char *query)
{
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"%s\"",
	    dburl, query), 0);
	return atol(out);
}

#define GRID_P	"'{\"grid_count\":4,\"base_order_size\":\"10\"," \
		"\"upper_price\":\"22000\",\"lower_price\":\"18000\"}'"

static long
create(const char *name, const char *mode)
{
	/* stdout only: the id (a note may go to stderr). */
	int	rc = tu_run(out, sizeof(out), "%s -c %s strategy create -t grid "
		    "-s BTC/USDT -n '%s' -m %s -p " GRID_P, tu_bin("bsc-ctl"),
		    conf, name, mode);

	ck_assert_msg(rc == 0, "create: rc=%d %s", rc, out);
	return atol(out);
}

static const char *
jstr(cJSON *o, const char *k)
{
	cJSON	*v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsString(v), "no string %s", k);
	return v->valuestring;
}

/* The lifecycle, run once with stratd down and once with it up. */
static void
lifecycle(void)
{
	long	 id, id2;
	cJSON	*j, *o;
	int	 n;

	id = create("Canary Grid V2", "paper");
	ck_assert_int_gt(id, 0);
	j = ctl_json("strategy list --status active");
	n = 0;
	cJSON_ArrayForEach(o, j)
		if (cJSON_GetObjectItem(o, "id")->valueint == id)
			n++;
	ck_assert_int_eq(n, 1);
	cJSON_Delete(j);
	/* The runbook greps PnL, trades and win_rate. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s strategy status %ld"
	    " | grep -cE '(PnL|trades|win_rate)'", tu_bin("bsc-ctl"), conf,
	    id), 0);
	ck_assert_int_eq(atoi(out), 3);
	/* Canonical params were stored: every key, spacing defaulted. */
	{
		char	q[64];

		snprintf(q, sizeof(q), "strategy status %ld", id);
		j = ctl_json(q);
		ck_assert_str_eq(jstr(cJSON_GetObjectItem(j, "params"),
		    "spacing"), "arithmetic");
		ck_assert_str_eq(jstr(j, "status"), "active");
		ck_assert(cJSON_IsObject(cJSON_GetObjectItem(j, "pnl")));
		cJSON_Delete(j);
	}

	/* Canary stage 3: update refused while active; pause, update,
	 * resume. */
	ck_assert_int_eq(ctl("strategy update %ld -p '{\"grid_count\":4,"
	    "\"base_order_size\":\"20\",\"upper_price\":\"22000\","
	    "\"lower_price\":\"18000\"}'", id), 1);
	ck_assert_ptr_nonnull(strstr(out, "pause it"));
	ck_assert_int_eq(ctl("strategy pause %ld", id), 0);
	ck_assert_int_eq(ctl("strategy pause %ld", id), 1);	/* already */
	ck_assert_int_eq(ctl("strategy update %ld -p '{\"grid_count\":4,"
	    "\"base_order_size\":\"20\",\"upper_price\":\"22000\","
	    "\"lower_price\":\"18000\"}'", id), 0);
	ck_assert_int_eq(ctl("strategy resume %ld", id), 0);
	{
		char	q[64];

		snprintf(q, sizeof(q), "strategy status %ld", id);
		j = ctl_json(q);
		ck_assert_str_eq(jstr(cJSON_GetObjectItem(j, "params"),
		    "base_order_size"), "20");
		ck_assert_str_eq(jstr(j, "status"), "active");
		cJSON_Delete(j);
	}

	/* Conditional orders: create, list, cancel, cancel again fails. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s strategy conditional "
	    "create -s BTC/USDT -k stop_loss --trigger 17500 --amount 0.01 "
	    "--strategy-id %ld", tu_bin("bsc-ctl"), conf, id), 0);
	id2 = atol(out);
	ck_assert_int_gt(id2, 0);
	ck_assert_int_eq(ctl("strategy conditional list --strategy-id %ld", id),
	    0);
	ck_assert_ptr_nonnull(strstr(out, "stop_loss"));
	ck_assert_ptr_nonnull(strstr(out, "10000000000000000"));	/* 0.01e18 */
	ck_assert_int_eq(ctl("strategy conditional cancel %ld", id2), 0);
	ck_assert_int_eq(ctl("strategy conditional cancel %ld", id2), 1);

	/* Stop is final. */
	ck_assert_int_eq(ctl("strategy stop %ld --reason 'test done'", id), 0);
	ck_assert_int_eq(ctl("strategy resume %ld", id), 1);
	ck_assert_ptr_nonnull(strstr(out, "stopped"));
}

static void
bad_input(void)
{
	long	before = sql_count("SELECT count(*) FROM strategies");

	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x -m paper "
	    "-p '{not json'"), 2);
	ck_assert_ptr_nonnull(strstr(out, "-p must be a JSON object"));
	ck_assert_int_eq(ctl("strategy create -t martingale -s BTC/USDT -n x "
	    "-m paper -p " GRID_P), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown strategy type"));
	ck_assert_int_eq(ctl("strategy create -t grid -s DOGE/USDT -n x "
	    "-m paper -p " GRID_P), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown symbol"));
	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x "
	    "-m yolo -p " GRID_P), 2);
	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x -m paper"
	    " -p '{\"grid_count\":1,\"base_order_size\":\"10\",\"upper_price\":"
	    "\"22000\",\"lower_price\":\"18000\"}'"), 2);
	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x -m paper"
	    " -p '{\"grid_count\":4,\"base_order_size\":\"10\",\"upper_price\":"
	    "\"18000\",\"lower_price\":\"22000\"}'"), 2);
	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x -m paper"
	    " -p '{\"grid_count\":4,\"base_order_size\":\"10\",\"upper_price\":"
	    "\"22000\",\"lower_price\":\"18000\",\"leverage\":10}'"), 2);
	ck_assert_int_eq(ctl("strategy create -t grid -s BTC/USDT -n x -m paper"
	    " -p '{\"grid_count\":4,\"base_order_size\":\"10\",\"upper_price\":"
	    "\"22000\"}'"), 2);
	ck_assert_int_eq(ctl("strategy create -s BTC/USDT"), 2);
	ck_assert_int_eq(ctl("strategy status 999999"), 1);
	ck_assert_ptr_nonnull(strstr(out, "no strategy 999999"));
	ck_assert_int_eq(ctl("strategy status abc"), 2);
	ck_assert_int_eq(ctl("strategy pause"), 2);
	ck_assert_int_eq(ctl("strategy frob 1"), 2);
	ck_assert_int_eq(ctl("strategy list --status sleeping"), 2);
	ck_assert_int_eq(ctl("strategy conditional create -s BTC/USDT -k "
	    "moon --trigger 1 --amount 1"), 2);
	ck_assert_int_eq(ctl("strategy conditional create -s BTC/USDT -k "
	    "stop_loss --trigger -5 --amount 1"), 2);
	ck_assert_int_eq(ctl("strategy conditional create -s BTC/USDT -k "
	    "stop_loss --trigger 5 --amount 0.0000000000000000001"), 2);
	ck_assert_int_eq(ctl("emergency stop-all"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--reason"));
	/* Nothing of the above was stored. */
	ck_assert_int_eq(sql_count("SELECT count(*) FROM strategies"), before);
}

static void
emergency(int daemon_up)
{
	long	ids[10];
	cJSON	*st;
	int	i;

	for (i = 0; i < 10; i++) {
		char	name[32];

		snprintf(name, sizeof(name), "e%d", i);
		/* Paper: live trading and its chain-side guarantees are
		 * t/check_live.c's. */
		ids[i] = create(name, "paper");
		ck_assert_int_eq(ctl("strategy conditional create -s BTC/USDT "
		    "-k take_profit --trigger 30000 --amount 0.5 "
		    "--strategy-id %ld", ids[i]), 0);
	}
	ck_assert_int_eq(ctl("strategy pause %ld", ids[3]), 0);
	ck_assert_int_eq(ctl("emergency stop-all --reason "
	    "EMERGENCY_SHUTDOWN"), 0);
	ck_assert_ptr_nonnull(strstr(out, "EMERGENCY STOP in force"));
	ck_assert_int_eq(sql_count("SELECT count(*) FROM strategies WHERE "
	    "status <> 'stopped'"), 0);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM conditional_orders "
	    "WHERE status = 'open'"), 0);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM audit_log WHERE "
	    "command = 'emergency stop-all' AND reason = 'EMERGENCY_SHUTDOWN' "
	    "AND ok"), 1);
	/*
	 * bot status --json shows it: zero active strategies at once; zero
	 * pending orders once the transactions already broadcast before the
	 * stop (live strategies trade from their first tick) have landed:
	 * the runbook's checklist, within a bound.
	 */
	{
		int	tries, pending = -1;

		for (tries = 0; tries < 60; tries++) {
			st = ctl_json("bot status");
			ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(st, "emergency"), "active")));
			ck_assert_str_eq(jstr(cJSON_GetObjectItem(st,
			    "emergency"), "reason"), "EMERGENCY_SHUTDOWN");
			ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
			    st, "strategies"), "active")->valueint, 0);
			pending = cJSON_GetObjectItem(st,
			    "pending_orders")->valueint;
			cJSON_Delete(st);
			if (pending == 0)
				break;
			usleep(250000);
		}
		ck_assert_msg(pending == 0, "%d orders still pending 15 s after "
		    "the emergency stop", pending);
	}
	/* Nothing new while it is in force: not even through the database. */
	ck_assert_int_ne(ctl("strategy create -t grid -s BTC/USDT -n late -m "
	    "paper -p " GRID_P), 0);
	ck_assert_int_ne(ctl("strategy resume %ld", ids[0]), 0);
	ck_assert_int_ne(ctl("strategy conditional create -s BTC/USDT -k "
	    "stop_loss --trigger 1 --amount 1"), 0);
	ck_assert_int_ne(tu_run(out, sizeof(out), "psql '%s' -v ON_ERROR_STOP=1"
	    " -Atc \"INSERT INTO strategies (name, type, symbol, mode) VALUES "
	    "('sneaky', 'grid', 'BTC/USDT', 'paper')\" 2>&1", dburl), 0);
	ck_assert_ptr_nonnull(strstr(out, "emergency stop in force"));
	if (daemon_up) {
		/* A restart of stratd does not resume anything. */
		ck_assert_int_eq(ctl("bot start --monitoring-only"), 0);
		ck_assert_int_eq(ctl("bot start --no-funds"), 0);
		ck_assert_int_eq(ctl("emergency status"), 0);
		ck_assert_ptr_nonnull(strstr(out, "ACTIVE"));
		st = ctl_json("bot status");
		ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(st,
		    "strategies"), "active")->valueint, 0);
		cJSON_Delete(st);
	}
	/* Clearing needs a reason; strategies stay stopped. */
	ck_assert_int_eq(ctl("emergency clear"), 2);
	ck_assert_int_eq(ctl("emergency clear --reason 'incident closed'"), 0);
	ck_assert_int_eq(ctl("emergency clear --reason again"), 1);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM strategies WHERE "
	    "status <> 'stopped'"), 0);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM audit_log WHERE "
	    "command = 'emergency clear' AND ok"), 1);
}

START_TEST(daemon_down)
{
	TU_REQUIRE_ENV("BSC_TEST_CONF");
	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	setup_env();
	lifecycle();
	bad_input();
	emergency(0);
}
END_TEST

START_TEST(daemon_up)
{
	TU_REQUIRE_ENV("BSC_TEST_CONF");
	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	setup_env();
	ck_assert_msg(ctl("bot start --no-funds") == 0, "%s", out);
	lifecycle();
	bad_input();
	emergency(1);
	/* Audit: every change went through the log with the actor. */
	ck_assert_int_gt(sql_count("SELECT count(*) FROM audit_log WHERE "
	    "command LIKE 'strategy %'"), 10);
}
END_TEST

static void
teardown(void)
{
	if (conf[0] != '\0')
		ctl("bot stop");
}

int
main(void)
{
	Suite	*s = suite_create("strategy");
	TCase	*tc = tcase_create("strategy");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, daemon_down);
	tcase_add_test(tc, daemon_up);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
