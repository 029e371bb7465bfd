/*
 * store.c: stratd's database records (see store.h).
 *
 * JSON for the CLI is built by PostgreSQL itself (json_build_object), so
 * numbers and decimals leave the database as they are stored: amounts are
 * emitted as text, never through a double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"

/* ISO-8601 UTC text of a timestamptz column, NULL stays NULL. */
#define TS(col)	"to_char(" col " AT TIME ZONE 'UTC', " \
		"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char *const status_names[] = { "active", "paused", "stopped" };

int
store_status_parse(const char *s, enum strat_status *out)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum strat_status)i;
			return 0;
		}
	return -1;
}

const char *
store_status_name(enum strat_status s)
{
	return status_names[s];
}

/* Turn the last database failure into a cmd_error. */
static int
dberr(struct db *d, struct cmd_error *err)
{
	const char	*st = db_sqlstate(d);

	if (strcmp(st, "BSE01") == 0)
		return cmd_fail(err, "conflict", "%s", db_error(d));
	if (st[0] == '2' && st[1] == '3')	/* integrity violations */
		return cmd_fail(err, "conflict", "%s", db_error(d));
	if (st[0] == '2' && st[1] == '2')	/* data exceptions */
		return cmd_fail(err, "bad_args", "%s", db_error(d));
	if (!db_is_up(d) || st[0] == '\0' || (st[0] == '0' && st[1] == '8'))
		return cmd_fail(err, "unavailable", "%s", db_error(d));
	return cmd_fail(err, "internal", "%s", db_error(d));
}

/* Run a query returning one json value in one row; parse it. */
static cJSON *
query_json(struct db *d, const char *sql, int n, const char *const *p,
    struct cmd_error *err, const char *what)
{
	PGresult	*r = db_query(d, sql, n, p);
	cJSON		*j;

	if (r == NULL) {
		dberr(d, err);
		return NULL;
	}
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		cmd_fail(err, "not_found", "%s", what);
		return NULL;
	}
	j = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (j == NULL)
		cmd_fail(err, "internal", "bad JSON from the database");
	return j;
}

static void
lltoa(long long v, char buf[24])
{
	snprintf(buf, 24, "%lld", v);
}

/*
 * Begin a transaction and lock row id of table (strategies or
 * conditional_orders), reading its status into cur. Returns 1 when found,
 * 0 (rolled back, err "not_found" naming what) when absent, -1 on error
 * (rolled back, err set).
 */
static int
lock_status(struct db *d, const char *sql, const char *id, const char *what,
    char *cur, size_t cap, struct cmd_error *err)
{
	const char	*p[1] = { id };

	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return -1;
	}
	if (db_begin(d) == -1) {
		dberr(d, err);
		return -1;
	}
	switch (db_query_value(d, cur, cap, sql, 1, p)) {
	case 1:
		return 1;
	case 0:
		db_rollback(d);
		cmd_fail(err, "not_found", "no %s %s", what, id);
		return 0;
	default:
		dberr(d, err);
		db_rollback(d);
		return -1;
	}
}

#define LOCK_STRATEGY	"SELECT status FROM strategies WHERE id = $1 FOR UPDATE"
#define LOCK_COND	"SELECT status FROM conditional_orders WHERE id = $1 " \
			"FOR UPDATE"

int
store_strategy_create(struct db *d, const struct strat_new *s, long long *id,
    struct cmd_error *err)
{
	const char	*p[7] = { s->name, s->type, s->symbol, s->mode,
			    s->params, s->state ? s->state : "{}", s->wallet };
	char		 out[32];

	if (db_ensure(d) == -1)
		return cmd_fail(err, "unavailable", "%s", db_error(d));
	if (db_query_value(d, out, sizeof(out), "INSERT INTO strategies "
	    "(name, type, symbol, mode, params, state, wallet) VALUES "
	    "($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7) RETURNING id", 7,
	    p) != 1)
		return dberr(d, err);
	*id = strtoll(out, NULL, 10);
	return 0;
}

#define STRAT_FIELDS \
	"'id', id, 'name', name, 'type', type, 'symbol', symbol, " \
	"'mode', mode, 'status', status, 'status_reason', status_reason, " \
	"'wallet', wallet, 'created_at', " TS("created_at") ", " \
	"'updated_at', " TS("updated_at") ", 'paused_at', " TS("paused_at") \
	", 'stopped_at', " TS("stopped_at")

cJSON *
store_strategy_get(struct db *d, long long id, struct cmd_error *err)
{
	char		 ib[24];
	const char	*p[1] = { ib };
	char		 what[64];

	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return NULL;
	}
	lltoa(id, ib);
	snprintf(what, sizeof(what), "no strategy %lld", id);
	return query_json(d, "SELECT json_build_object(" STRAT_FIELDS ", "
	    "'params', params, 'state', state) FROM strategies WHERE id = $1",
	    1, p, err, what);
}

cJSON *
store_strategy_list(struct db *d, const char *status, struct cmd_error *err)
{
	const char	*p[1] = { status };

	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return NULL;
	}
	return query_json(d, "SELECT coalesce(json_agg(json_build_object("
	    STRAT_FIELDS ") ORDER BY id DESC), '[]'::json) FROM strategies "
	    "WHERE $1::text IS NULL OR status = $1", 1, p, err, "none");
}

/* Cancel what a stopped strategy leaves behind, inside the caller's
 * transaction: open conditional orders and orders never sent. */
static int
cancel_leftovers(struct db *d, const char *id, const char *reason)
{
	const char	*p[2] = { id, reason };

	if (db_exec(d, "UPDATE conditional_orders SET status = 'cancelled', "
	    "cancelled_at = now(), cancel_reason = $2 WHERE strategy_id = $1 "
	    "AND status = 'open'", 2, p) == -1)
		return -1;
	return db_exec(d, "UPDATE orders SET status = 'cancelled', error = $2 "
	    "WHERE strategy_id = $1 AND status = 'pending' AND tx_id IS NULL",
	    2, p);
}

int
store_strategy_set_status(struct db *d, long long id, enum strat_status to,
    const char *reason, struct cmd_error *err)
{
	char		 ib[24], cur[16];
	const char	*p[3] = { ib, status_names[to], reason };
	enum strat_status from;

	lltoa(id, ib);
	if (lock_status(d, LOCK_STRATEGY, ib, "strategy", cur, sizeof(cur),
	    err) != 1)
		return -1;
	if (store_status_parse(cur, &from) == -1 || from == STRAT_STOPPED ||
	    from == to) {
		db_rollback(d);
		return cmd_fail(err, "conflict", "strategy %lld is %s", id, cur);
	}
	if (db_exec(d, "UPDATE strategies SET status = $2, status_reason = $3,"
	    " paused_at = CASE WHEN $2 = 'paused' THEN now() ELSE paused_at "
	    "END, stopped_at = CASE WHEN $2 = 'stopped' THEN now() ELSE "
	    "stopped_at END WHERE id = $1", 3, p) == -1)
		goto dbfail;
	if (to == STRAT_STOPPED && cancel_leftovers(d, ib,
	    reason ? reason : "strategy stopped") == -1)
		goto dbfail;
	if (db_commit(d) == -1)
		goto dbfail;
	return 0;
dbfail:
	dberr(d, err);
	db_rollback(d);
	return -1;
}

int
store_strategy_update(struct db *d, long long id, const char *params,
    struct cmd_error *err)
{
	char		 ib[24], cur[16];
	const char	*p[2] = { ib, params };

	lltoa(id, ib);
	if (lock_status(d, LOCK_STRATEGY, ib, "strategy", cur, sizeof(cur),
	    err) != 1)
		return -1;
	if (strcmp(cur, "paused") != 0) {
		db_rollback(d);
		return cmd_fail(err, "conflict", "strategy %lld is %s: pause it "
		    "before updating its parameters", id, cur);
	}
	if (db_exec(d, "UPDATE strategies SET params = $2::jsonb WHERE id = $1",
	    2, p) == -1 || db_commit(d) == -1)
		goto dbfail;
	return 0;
dbfail:
	dberr(d, err);
	db_rollback(d);
	return -1;
}

int
store_strategy_save_state(struct db *d, long long id, const char *state,
    struct cmd_error *err)
{
	char		 ib[24];
	const char	*p[2] = { ib, state };

	lltoa(id, ib);
	if (db_exec(d, "UPDATE strategies SET state = $2::jsonb WHERE id = $1",
	    2, p) == -1)
		return dberr(d, err);
	return 0;
}

int
store_cond_create(struct db *d, const struct cond_new *c, long long *id,
    struct cmd_error *err)
{
	char		 sb[24], slip[16], out[32];
	const char	*p[8];

	if (db_ensure(d) == -1)
		return cmd_fail(err, "unavailable", "%s", db_error(d));
	lltoa(c->strategy_id, sb);
	snprintf(slip, sizeof(slip), "%d", c->slippage_bps);
	p[0] = c->strategy_id > 0 ? sb : NULL;
	p[1] = c->symbol;
	p[2] = c->kind;
	p[3] = c->mode;
	p[4] = c->trigger_price;
	p[5] = c->amount;
	p[6] = c->slippage_bps >= 0 ? slip : NULL;
	p[7] = c->actor;
	if (db_query_value(d, out, sizeof(out), "INSERT INTO conditional_orders"
	    " (strategy_id, symbol, kind, mode, trigger_price, amount, "
	    "slippage_bps, actor) VALUES ($1, $2, $3, $4, $5::numeric, "
	    "$6::numeric, $7::integer, $8) RETURNING id", 8, p) != 1)
		return dberr(d, err);
	*id = strtoll(out, NULL, 10);
	return 0;
}

cJSON *
store_cond_list(struct db *d, long long strategy_id, int open_only,
    struct cmd_error *err)
{
	char		 sb[24];
	const char	*p[2] = { strategy_id > 0 ? sb : NULL,
			    open_only ? "t" : "f" };

	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return NULL;
	}
	lltoa(strategy_id, sb);
	return query_json(d, "SELECT coalesce(json_agg(json_build_object("
	    "'id', id, 'strategy_id', strategy_id, 'symbol', symbol, "
	    "'kind', kind, 'mode', mode, 'trigger_price', trigger_price::text, "
	    "'amount', amount::text, 'slippage_bps', slippage_bps, "
	    "'status', status, 'created_at', " TS("created_at") ", "
	    "'triggered_at', " TS("triggered_at") ", 'cancelled_at', "
	    TS("cancelled_at") ", 'cancel_reason', cancel_reason, "
	    "'error', error) ORDER BY id), '[]'::json) FROM conditional_orders "
	    "WHERE ($1::bigint IS NULL OR strategy_id = $1) AND "
	    "(NOT $2::boolean OR status = 'open')", 2, p, err, "none");
}

int
store_cond_cancel(struct db *d, long long id, const char *reason,
    struct cmd_error *err)
{
	char		 ib[24], cur[16];
	const char	*p[2] = { ib, reason };

	lltoa(id, ib);
	if (lock_status(d, LOCK_COND, ib, "conditional order", cur,
	    sizeof(cur), err) != 1)
		return -1;
	if (strcmp(cur, "open") != 0) {
		db_rollback(d);
		return cmd_fail(err, "conflict", "conditional order %lld is %s",
		    id, cur);
	}
	if (db_exec(d, "UPDATE conditional_orders SET status = 'cancelled', "
	    "cancelled_at = now(), cancel_reason = $2 WHERE id = $1", 2,
	    p) == -1 || db_commit(d) == -1)
		goto dbfail;
	return 0;
dbfail:
	dberr(d, err);
	db_rollback(d);
	return -1;
}

/* Run an UPDATE and return the number of rows it touched, -1 on error. */
static long long
exec_count(struct db *d, const char *sql, int n, const char *const *p)
{
	PGresult	*r = db_query(d, sql, n, p);
	long long	 c;

	if (r == NULL)
		return -1;
	c = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return c;
}

cJSON *
store_emergency_stop(struct db *d, const char *actor, const char *reason,
    struct cmd_error *err)
{
	const char	*p[2] = { actor, reason };
	char		 was[8], why[600], inflight[32];
	long long	 ns, nc, no;
	cJSON		*o;

	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return NULL;
	}
	if (db_begin(d) == -1)
		goto dbfail;
	/*
	 * The emergency row first: from its update on, concurrent inserts of
	 * orders or activations wait on it (FOR SHARE in the interlock) and
	 * then fail; nothing slips in between our steps.
	 */
	if (db_query_value(d, was, sizeof(was), "SELECT active FROM "
	    "emergency_state WHERE id = 1 FOR UPDATE", 0, NULL) != 1)
		goto dbfail;
	if (strcmp(was, "t") != 0 && db_exec(d, "UPDATE emergency_state SET "
	    "active = true, reason = $2, actor = $1, at = now(), "
	    "cleared_at = NULL, cleared_by = NULL, cleared_reason = NULL "
	    "WHERE id = 1", 2, p) == -1)
		goto dbfail;
	snprintf(why, sizeof(why), "emergency stop-all: %s", reason);
	p[0] = why;
	if ((ns = exec_count(d, "UPDATE strategies SET status = 'stopped', "
	    "status_reason = $1, stopped_at = now() WHERE status <> 'stopped'",
	    1, p)) == -1 ||
	    (nc = exec_count(d, "UPDATE conditional_orders SET status = "
	    "'cancelled', cancelled_at = now(), cancel_reason = $1 WHERE "
	    "status = 'open'", 1, p)) == -1 ||
	    (no = exec_count(d, "UPDATE orders SET status = 'cancelled', "
	    "error = $1 WHERE status = 'pending' AND tx_id IS NULL", 1,
	    p)) == -1 ||
	    db_query_value(d, inflight, sizeof(inflight), "SELECT count(*) "
	    "FROM orders WHERE status IN ('pending', 'submitted')", 0,
	    NULL) != 1)
		goto dbfail;
	if (db_commit(d) == -1)
		goto dbfail;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "already_active", strcmp(was, "t") == 0);
	cJSON_AddNumberToObject(o, "strategies_stopped", (double)ns);
	cJSON_AddNumberToObject(o, "conditional_cancelled", (double)nc);
	cJSON_AddNumberToObject(o, "orders_cancelled", (double)no);
	/* Orders whose transaction was already broadcast cannot be called
	 * back; they are reported so the operator can watch them land. */
	cJSON_AddNumberToObject(o, "in_flight", (double)strtoll(inflight, NULL,
	    10));
	return o;
dbfail:
	dberr(d, err);
	db_rollback(d);
	return NULL;
}

int
store_emergency_clear(struct db *d, const char *actor, const char *reason,
    struct cmd_error *err)
{
	const char	*p[2] = { actor, reason };
	long long	 n;

	if (db_ensure(d) == -1)
		return cmd_fail(err, "unavailable", "%s", db_error(d));
	n = exec_count(d, "UPDATE emergency_state SET active = false, "
	    "cleared_at = now(), cleared_by = $1, cleared_reason = $2 "
	    "WHERE id = 1 AND active", 2, p);
	if (n == -1)
		return dberr(d, err);
	if (n == 0)
		return cmd_fail(err, "conflict", "no emergency stop is in force");
	return 0;
}

cJSON *
store_emergency_get(struct db *d, struct cmd_error *err)
{
	if (db_ensure(d) == -1) {
		cmd_fail(err, "unavailable", "%s", db_error(d));
		return NULL;
	}
	return query_json(d, "SELECT json_build_object('active', active, "
	    "'reason', reason, 'actor', actor, 'at', " TS("at") ", "
	    "'cleared_at', " TS("cleared_at") ", 'cleared_by', cleared_by, "
	    "'cleared_reason', cleared_reason) FROM emergency_state "
	    "WHERE id = 1", 0, NULL, err, "emergency_state row missing");
}

int
store_emergency_active(struct db *d)
{
	char	v[8];

	if (db_ensure(d) == -1 || db_query_value(d, v, sizeof(v),
	    "SELECT active FROM emergency_state WHERE id = 1", 0, NULL) != 1)
		return -1;
	return strcmp(v, "t") == 0;
}

int
store_counts(struct db *d, cJSON *obj, struct cmd_error *err)
{
	cJSON	*j;

	if (db_ensure(d) == -1)
		return cmd_fail(err, "unavailable", "%s", db_error(d));
	j = query_json(d, "SELECT json_build_object("
	    "'strategies', json_build_object("
	    "'active', count(*) FILTER (WHERE status = 'active'), "
	    "'paused', count(*) FILTER (WHERE status = 'paused'), "
	    "'stopped', count(*) FILTER (WHERE status = 'stopped')), "
	    "'pending_orders', (SELECT count(*) FROM orders WHERE status IN "
	    "('pending', 'submitted')), "
	    "'open_conditional_orders', (SELECT count(*) FROM "
	    "conditional_orders WHERE status = 'open')) FROM strategies",
	    0, NULL, err, "no counts");
	if (j == NULL)
		return -1;
	cJSON_AddItemToObject(obj, "strategies",
	    cJSON_DetachItemFromObject(j, "strategies"));
	cJSON_AddItemToObject(obj, "pending_orders",
	    cJSON_DetachItemFromObject(j, "pending_orders"));
	cJSON_AddItemToObject(obj, "open_conditional_orders",
	    cJSON_DetachItemFromObject(j, "open_conditional_orders"));
	cJSON_Delete(j);
	return 0;
}

cJSON *
store_strategy_pnl(struct db *d, long long id, struct cmd_error *err)
{
	char		 ib[24];
	const char	*p[1] = { ib };

	lltoa(id, ib);
	return query_json(d, "SELECT json_build_object("
	    "'realized', coalesce(sum(realized), 0)::text, "
	    "'unrealized', coalesce(max(unrealized) FILTER (WHERE day = "
	    "(SELECT max(day) FROM pnl_daily WHERE strategy_id = $1)), 0)::text, "
	    "'fees', coalesce(sum(fees), 0)::text, "
	    "'gas', coalesce(sum(gas), 0)::text, "
	    /* realized is after pool fees (the swaps' real amounts,
	     * docs/STRATD.md): fees are shown, not subtracted again. */
	    "'pnl', (coalesce(sum(realized), 0) - "
	    "coalesce(sum(gas), 0))::text, "
	    "'trades', coalesce(sum(trades), 0), "
	    "'round_trips', coalesce(sum(round_trips), 0), "
	    "'wins', coalesce(sum(wins), 0), "
	    "'errors', coalesce(sum(errors), 0), "
	    "'win_rate', CASE WHEN sum(round_trips) > 0 THEN "
	    "sum(wins)::float8 / sum(round_trips) END, "
	    "'error_rate', CASE WHEN sum(trades) + sum(errors) > 0 THEN "
	    "sum(errors)::float8 / (sum(trades) + sum(errors)) END, "
	    "'today', json_build_object("
	    "'realized', coalesce(sum(realized) FILTER (WHERE day = "
	    "(now() AT TIME ZONE 'UTC')::date), 0)::text, "
	    "'fees', coalesce(sum(fees) FILTER (WHERE day = "
	    "(now() AT TIME ZONE 'UTC')::date), 0)::text, "
	    "'gas', coalesce(sum(gas) FILTER (WHERE day = "
	    "(now() AT TIME ZONE 'UTC')::date), 0)::text)) "
	    "FROM pnl_daily WHERE strategy_id = $1", 1, p, err, "no pnl");
}
