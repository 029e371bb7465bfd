/*
 * check_migrate.c: the migration runner and the db wrapper against a real
 * PostgreSQL started by t/run-tests.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "testutil.h"

static struct db *
open_db(const char *conninfo)
{
	struct db	*d = db_new(conninfo, 5, 10000, "check_migrate");

	ck_assert_ptr_nonnull(d);
	ck_assert_msg(db_connect(d) == 0, "%s", db_error(d));
	return d;
}

START_TEST(apply_once_and_idempotent)
{
	char		*ci;
	struct db	*d;
	char		 err[1024], v[64];
	int		 n = -1;
	cJSON		*st, *o;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ci = tu_db_create("mig");
	ck_assert_ptr_nonnull(ci);
	d = open_db(ci);
	ck_assert_int_gt((int)migration_nsrcs, 0);
	ck_assert_int_eq(migrate_pending(d), (int)migration_nsrcs);
	ck_assert_msg(migrate_apply(d, &n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(n, (int)migration_nsrcs);
	ck_assert_int_eq(migrate_pending(d), 0);
	/* Second run applies nothing and changes nothing. */
	ck_assert_int_eq(migrate_apply(d, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(db_query_value(d, v, sizeof(v),
	    "SELECT count(*) FROM schema_migrations", 0, NULL), 1);
	ck_assert_int_eq(atoi(v), (int)migration_nsrcs);
	/* The schema is there: the single emergency row, inactive. */
	ck_assert_int_eq(db_query_value(d, v, sizeof(v),
	    "SELECT active FROM emergency_state", 0, NULL), 1);
	ck_assert_str_eq(v, "f");
	st = migrate_status(d, err, sizeof(err));
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(cJSON_GetArraySize(st), (int)migration_nsrcs);
	cJSON_ArrayForEach(o, st) {
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "applied")));
		ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "modified")));
	}
	cJSON_Delete(st);
	/* A row whose text differs from ours is reported as modified. */
	ck_assert_int_eq(db_exec(d, "UPDATE schema_migrations SET sha256 = 'x'"
	    " WHERE version = (SELECT min(version) FROM schema_migrations)",
	    0, NULL), 0);
	st = migrate_status(d, err, sizeof(err));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(st, 0),
	    "modified")));
	cJSON_Delete(st);
	db_free(&d);
	ck_assert_ptr_null(d);
	free(ci);
}
END_TEST

struct runner {
	const char	*ci;
	int		 n, rc;
};

static void *
run_migrate(void *arg)
{
	struct runner	*r = arg;
	struct db	*d = db_new(r->ci, 5, 10000, "racer");
	char		 err[512];

	r->rc = db_connect(d) == 0 ? migrate_apply(d, &r->n, err, sizeof(err))
	    : -1;
	db_free(&d);
	return NULL;
}

START_TEST(concurrent_runners_apply_once)
{
	struct runner	 a = { 0 }, b = { 0 };
	pthread_t	 ta, tb;
	char		*ci;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ci = tu_db_create("race");
	ck_assert_ptr_nonnull(ci);
	a.ci = b.ci = ci;
	pthread_create(&ta, NULL, run_migrate, &a);
	pthread_create(&tb, NULL, run_migrate, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_int_eq(b.rc, 0);
	ck_assert_int_eq(a.n + b.n, (int)migration_nsrcs);
	free(ci);
}
END_TEST

START_TEST(db_wrapper_errors)
{
	struct db	*d;
	char		*ci, v[32];
	const char	*p[1] = { "1; DROP TABLE x" };

	/* Unreachable server: a clear error within the timeout. */
	d = db_new("host=/nonexistent port=1 dbname=x", 2, 1000, "t");
	ck_assert_int_eq(db_connect(d), -1);
	ck_assert_ptr_nonnull(strstr(db_error(d), "database connect failed"));
	ck_assert_int_eq(db_is_up(d), 0);
	ck_assert_ptr_null(db_query(d, "SELECT 1", 0, NULL));
	/* Backoff: an immediate retry is refused without connecting. */
	ck_assert_int_eq(db_ensure(d), -1);
	db_free(&d);
	db_free(&d);

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ci = tu_db_create("wrap");
	d = open_db(ci);
	/* Parameters are data, never SQL. */
	ck_assert_int_eq(db_query_value(d, v, sizeof(v), "SELECT $1::text", 1,
	    p), 1);
	ck_assert_str_eq(v, "1; DROP TABLE x");
	ck_assert_int_eq(db_query_value(d, v, sizeof(v),
	    "SELECT 1 WHERE false", 0, NULL), 0);
	ck_assert_int_eq(db_exec(d, "SELECT * FROM no_such_table", 0, NULL), -1);
	ck_assert_ptr_nonnull(strstr(db_error(d), "no_such_table"));
	/* Transactions: a rolled-back insert leaves nothing. */
	ck_assert_int_eq(db_exec(d, "CREATE TABLE t1 (x int)", 0, NULL), 0);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(db_exec(d, "INSERT INTO t1 VALUES (1)", 0, NULL), 0);
	ck_assert_int_eq(db_rollback(d), 0);
	ck_assert_int_eq(db_query_value(d, v, sizeof(v),
	    "SELECT count(*) FROM t1", 0, NULL), 1);
	ck_assert_str_eq(v, "0");
	/* statement_timeout applies. */
	db_free(&d);
	d = db_new(ci, 5, 200, "t");
	ck_assert_int_eq(db_connect(d), 0);
	ck_assert_int_eq(db_exec(d, "SELECT pg_sleep(2)", 0, NULL), -1);
	ck_assert_ptr_nonnull(strstr(db_error(d), "statement timeout"));
	/* Still usable afterwards. */
	ck_assert_int_eq(db_exec(d, "SELECT 1", 0, NULL), 0);
	db_free(&d);
	free(ci);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("migrate");
	TCase	*tc = tcase_create("migrate");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, apply_once_and_idempotent);
	tcase_add_test(tc, concurrent_runners_apply_once);
	tcase_add_test(tc, db_wrapper_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
