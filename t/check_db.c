/*
 * check_db.c: the db wrapper's statement cache (common/db.c) against a
 * real PostgreSQL started by t/run-tests: texts run twice become
 * prepared statements; a cache full of one-off texts, a DISCARD, a
 * table altered under a cached plan, an aborted transaction and a lost
 * connection all leave the wrapper answering correctly; a statement
 * sent without waiting (db_send) keeps the connection for its db_wait.
 * (Connection,
 * timeout and error basics are in check_migrate.c.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "testutil.h"

static struct db *
open_db(const char *ci, const char *app)
{
	struct db	*d = db_new(ci, 5, 10000, app);

	ck_assert_ptr_nonnull(d);
	ck_assert_msg(db_connect(d) == 0, "%s", db_error(d));
	return d;
}

/* The number of prepared statements this session holds. */
static int
nprepared(struct db *d)
{
	PGresult	*r = PQexec(db_conn(d),
	    "SELECT count(*) FROM pg_prepared_statements");
	int		 n;

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static void
discard(struct db *d)
{
	PGresult	*r = PQexec(db_conn(d), "DISCARD ALL");

	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

static long
value_of(struct db *d, const char *sql, const char *param)
{
	char	v[64];

	ck_assert_msg(db_query_value(d, v, sizeof(v), sql, param ? 1 : 0,
	    &param) == 1, "%s: %s", sql, db_error(d));
	return atol(v);
}

START_TEST(second_run_is_prepared)
{
	char		*ci;
	struct db	*d;
	char		 p[16];
	int		 i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ck_assert_ptr_nonnull(ci = tu_db_create("dbc"));
	d = open_db(ci, "check_db");
	ck_assert_int_eq(nprepared(d), 0);
	ck_assert_int_eq(value_of(d, "SELECT $1::int + 1", "1"), 2);
	ck_assert_int_eq(nprepared(d), 0);	/* once: unnamed */
	for (i = 2; i < 20; i++) {
		snprintf(p, sizeof(p), "%d", i);
		ck_assert_int_eq(value_of(d, "SELECT $1::int + 1", p), i + 1);
	}
	ck_assert_int_eq(nprepared(d), 1);
	/* the same with db_exec and a write */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(db_exec(d, "CREATE TABLE IF NOT EXISTS t "
		    "(x int)", 0, NULL), 0);
	for (i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%d", i);
		ck_assert_int_eq(db_exec(d, "INSERT INTO t VALUES ($1)", 1,
		    (const char *[]){ p }), 0);
	}
	ck_assert_int_eq(value_of(d, "SELECT sum(x) FROM t", NULL), 10);
	/* a failing statement fails every time, with its SQLSTATE */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(db_exec(d, "INSERT INTO t VALUES ('x')", 0,
		    NULL), -1);
		ck_assert_str_eq(db_sqlstate(d), "22P02");
	}
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(db_exec(d, "SELEC 1", 0, NULL), -1);
		ck_assert_str_eq(db_sqlstate(d), "42601");
	}
	db_free(&d);
	free(ci);
}
END_TEST

START_TEST(full_cache_keeps_hot_texts)
{
	char		*ci, sql[128];
	struct db	*d;
	int		 i, k;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ck_assert_ptr_nonnull(ci = tu_db_create("dbf"));
	d = open_db(ci, "check_db");
	/* a hot text, prepared */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(value_of(d, "SELECT 42", NULL), 42);
	/* 1,000 one-off texts, then 300 texts run twice each */
	for (i = 0; i < 1000; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		ck_assert_int_eq(value_of(d, sql, NULL), i);
	}
	ck_assert_int_eq(nprepared(d), 1);
	for (i = 0; i < 300; i++)
		for (k = 0; k < 2; k++) {
			snprintf(sql, sizeof(sql), "SELECT %d + 0", i);
			ck_assert_int_eq(value_of(d, sql, NULL), i);
		}
	/* bounded: the cache holds 256 texts, prepared ones are kept */
	ck_assert_int_le(nprepared(d), 256);
	ck_assert_int_ge(nprepared(d), 200);
	ck_assert_int_eq(value_of(d, "SELECT 42", NULL), 42);
	/* a full table of prepared texts: new ones still run, unnamed */
	for (i = 0; i < 50; i++)
		for (k = 0; k < 2; k++) {
			snprintf(sql, sizeof(sql), "SELECT %d + 1", i);
			ck_assert_int_eq(value_of(d, sql, NULL), i + 1);
		}
	ck_assert_int_le(nprepared(d), 256);
	db_free(&d);
	free(ci);
}
END_TEST

START_TEST(cached_plan_invalidated)
{
	char		*ci;
	struct db	*d;
	PGresult	*r;
	int		 i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ck_assert_ptr_nonnull(ci = tu_db_create("dbi"));
	d = open_db(ci, "check_db");
	ck_assert_int_eq(db_exec(d, "CREATE TABLE t (x int)", 0, NULL), 0);
	ck_assert_int_eq(db_exec(d, "INSERT INTO t VALUES (7)", 0, NULL), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(r = db_query(d, "SELECT * FROM t", 0,
		    NULL));
		ck_assert_str_eq(PQgetvalue(r, 0, 0), "7");
		PQclear(r);
	}
	/* the result type changes under the cached plan (a migration) */
	ck_assert_int_eq(db_exec(d, "ALTER TABLE t ALTER COLUMN x TYPE text",
	    0, NULL), 0);
	ck_assert_int_eq(db_exec(d, "ALTER TABLE t ADD COLUMN y int DEFAULT 1",
	    0, NULL), 0);
	ck_assert_ptr_nonnull(r = db_query(d, "SELECT * FROM t", 0, NULL));
	ck_assert_int_eq(PQnfields(r), 2);
	ck_assert_str_eq(PQgetvalue(r, 0, 1), "1");
	PQclear(r);

	/* DISCARD ALL (as a pooler would send it) drops the session's
	 * statements behind the wrapper's back */
	discard(d);
	ck_assert_int_eq(nprepared(d), 0);
	ck_assert_ptr_nonnull(r = db_query(d, "SELECT * FROM t", 0, NULL));
	ck_assert_int_eq(PQntuples(r), 1);
	PQclear(r);

	/* inside a transaction block the error aborts the block: the
	 * caller rolls back and the next run prepares afresh */
	discard(d);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_ptr_null(db_query(d, "SELECT * FROM t", 0, NULL));
	ck_assert_str_eq(db_sqlstate(d), "26000");
	ck_assert_int_eq(db_rollback(d), 0);
	ck_assert_ptr_nonnull(r = db_query(d, "SELECT * FROM t", 0, NULL));
	ck_assert_int_eq(PQntuples(r), 1);
	PQclear(r);

	/* a text seen once, run again in an aborted block: the error is
	 * the block's, and the text works after the rollback */
	ck_assert_int_eq(value_of(d, "SELECT count(*) FROM t", NULL), 1);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_exec(d, "SELECT 1/0", 0, NULL), -1);
	ck_assert_ptr_null(db_query(d, "SELECT count(*) FROM t", 0, NULL));
	ck_assert_str_eq(db_sqlstate(d), "25P02");
	ck_assert_int_eq(db_rollback(d), 0);
	ck_assert_int_eq(value_of(d, "SELECT count(*) FROM t", NULL), 1);
	db_free(&d);
	free(ci);
}
END_TEST

START_TEST(reconnect_forgets_statements)
{
	char		*ci, pid[16];
	struct db	*d, *k;
	int		 i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ck_assert_ptr_nonnull(ci = tu_db_create("dbr"));
	d = open_db(ci, "check_db");
	k = open_db(ci, "check_db_killer");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(value_of(d, "SELECT $1::int * 2", "21"), 42);
	ck_assert_int_eq(nprepared(d), 1);
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(db_conn(d)));
	ck_assert_int_eq(db_exec(k, "SELECT pg_terminate_backend($1::int)", 1,
	    (const char *[]){ pid }), 0);
	/* the first query finds the connection gone */
	ck_assert_ptr_null(db_query(d, "SELECT $1::int * 2", 1,
	    (const char *[]){ "21" }));
	ck_assert_int_eq(db_is_up(d), 0);
	ck_assert_int_eq(db_ensure(d), 0);
	/* the new session has no statements: the text is prepared again */
	ck_assert_int_eq(nprepared(d), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(value_of(d, "SELECT $1::int * 2", "4"), 8);
	ck_assert_int_eq(nprepared(d), 1);
	db_free(&k);
	db_free(&d);
	ck_assert_ptr_null(d);
	free(ci);
}
END_TEST

START_TEST(send_then_wait)
{
	char		*ci, v[16];
	struct db	*d;
	PGresult	*r;
	int		 i;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ck_assert_ptr_nonnull(ci = tu_db_create("dbs"));
	d = open_db(ci, "check_db");
	/* nothing sent: nothing to wait for */
	ck_assert_ptr_null(db_wait(d));
	for (i = 0; i < 4; i++) {	/* unnamed, then prepared */
		snprintf(v, sizeof(v), "%d", i);
		ck_assert_int_eq(db_send(d, "SELECT $1::int * 3, pg_sleep(0.01)",
		    1, (const char *[]){ v }), 0);
		/* busy until waited for: everything else is refused */
		ck_assert_ptr_null(db_query(d, "SELECT 1", 0, NULL));
		ck_assert_ptr_nonnull(strstr(db_error(d), "busy"));
		ck_assert_int_eq(db_exec(d, "SELECT 1", 0, NULL), -1);
		ck_assert_int_eq(db_send(d, "SELECT 1", 0, NULL), -1);
		ck_assert_ptr_null(db_query_raw(d, "SELECT 1", 0, NULL));
		ck_assert_ptr_nonnull(r = db_wait(d));
		ck_assert_int_eq(atoi(PQgetvalue(r, 0, 0)), 3 * i);
		PQclear(r);
		ck_assert_ptr_null(db_wait(d));
	}
	ck_assert_int_eq(nprepared(d), 1);
	/* a failure comes back from the wait, with its SQLSTATE */
	ck_assert_int_eq(db_send(d, "SELECT 1/0", 0, NULL), 0);
	ck_assert_ptr_null(db_wait(d));
	ck_assert_str_eq(db_sqlstate(d), "22012");
	ck_assert_int_eq(value_of(d, "SELECT 5", NULL), 5);
	/* inside a transaction block, with what the wait found rolled back */
	ck_assert_int_eq(db_exec(d, "CREATE TABLE t (x int UNIQUE)", 0, NULL),
	    0);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_send(d, "INSERT INTO t VALUES (1) RETURNING x", 0,
	    NULL), 0);
	ck_assert_ptr_nonnull(r = db_wait(d));
	PQclear(r);
	ck_assert_int_eq(db_rollback(d), 0);
	ck_assert_int_eq(value_of(d, "SELECT count(*) FROM t", NULL), 0);
	/* a statement sent and waited for after the server went away */
	{
		struct db	*k = open_db(ci, "check_db_killer");
		char		 pid[16];

		snprintf(pid, sizeof(pid), "%d", PQbackendPID(db_conn(d)));
		ck_assert_int_eq(db_send(d, "SELECT pg_sleep(5)", 0, NULL), 0);
		ck_assert_int_eq(db_exec(k, "SELECT pg_terminate_backend("
		    "$1::int)", 1, (const char *[]){ pid }), 0);
		ck_assert_ptr_null(db_wait(d));
		ck_assert_int_eq(db_is_up(d), 0);
		ck_assert_int_eq(db_ensure(d), 0);
		ck_assert_int_eq(value_of(d, "SELECT 6", NULL), 6);
		db_free(&k);
	}
	db_free(&d);
	free(ci);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("db");
	TCase	*tc = tcase_create("db");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, second_run_is_prepared);
	tcase_add_test(tc, full_cache_keeps_hot_texts);
	tcase_add_test(tc, cached_plan_invalidated);
	tcase_add_test(tc, reconnect_forgets_statements);
	tcase_add_test(tc, send_then_wait);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
