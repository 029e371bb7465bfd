/*
 * db.c: libpq wrapper with timeouts and reconnect backoff (see db.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

#define BACKOFF_MIN_MS	250
#define BACKOFF_MAX_MS	30000
#define STMT_MAX	256	/* statements remembered per connection */

/*
 * A statement text seen on this connection. The second time a text is
 * run it is prepared (named "bsc_<slot>") and from then on executed by
 * name: the server parses and plans it once per connection instead of
 * every time, which is most of the cost of the short statements on the
 * trading path. The first run stays unnamed so that a one-off statement
 * costs no extra round trip.
 */
struct stmt {
	char		*sql;		/* NULL: free slot */
	uint64_t	 hash;
	int		 prepared;
};

struct db {
	char	*conninfo;
	char	*appname;
	int	 connect_timeout_s;
	int	 statement_timeout_ms;
	PGconn	*conn;
	int	 up;
	int	 backoff_ms;
	long long next_try_ms;
	char	 err[512];
	char	 sqlstate[6];
	struct stmt stmts[STMT_MAX];
	int	 nstmts;	/* slots in use */
	int	 sent;		/* db_send's statement: slot, -1 unnamed */
	int	 busy;		/* a db_send awaits its db_wait */
	int	 next_evict;	/* round robin over unprepared slots */
};

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_err(struct db *d, const char *what, const char *msg)
{
	size_t	n;

	snprintf(d->err, sizeof(d->err), "%s: %s", what, msg ? msg : "");
	/* libpq messages end in a newline; our log lines must not. */
	n = strlen(d->err);
	while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
	for (char *p = d->err; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* Forget every statement (a new session has none prepared). */
static void
stmts_clear(struct db *d)
{
	int	i;

	for (i = 0; i < STMT_MAX; i++) {
		free(d->stmts[i].sql);
		d->stmts[i].sql = NULL;
		d->stmts[i].prepared = 0;
	}
	d->nstmts = 0;
	d->next_evict = 0;
}

static uint64_t
stmt_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/*
 * The slot of sql, made on first sight. Returns the slot, or -1 when the
 * text is not cached (table full of prepared statements, no memory):
 * the caller runs it unnamed.
 */
static int
stmt_slot(struct db *d, const char *sql, int *seen)
{
	uint64_t	h = stmt_hash(sql);
	int		i, k;

	*seen = 0;
	for (i = 0; i < STMT_MAX; i++)
		if (d->stmts[i].sql != NULL && d->stmts[i].hash == h &&
		    strcmp(d->stmts[i].sql, sql) == 0) {
			*seen = 1;
			return i;
		}
	if (d->nstmts < STMT_MAX) {
		for (i = 0; d->stmts[i].sql != NULL; i++)
			;
		d->nstmts++;
	} else {
		/* full: reuse a slot seen once and never prepared, so
		 * one-off texts cannot crowd out the hot ones */
		for (k = 0; k < STMT_MAX; k++) {
			i = (d->next_evict + k) % STMT_MAX;
			if (!d->stmts[i].prepared)
				break;
		}
		if (k == STMT_MAX)
			return -1;
		d->next_evict = (i + 1) % STMT_MAX;
		free(d->stmts[i].sql);
		d->stmts[i].sql = NULL;
	}
	if ((d->stmts[i].sql = strdup(sql)) == NULL) {
		d->nstmts--;
		return -1;
	}
	d->stmts[i].hash = h;
	d->stmts[i].prepared = 0;
	return i;
}

/* Prepare slot i as name. Returns 0 or -1 (the caller runs unnamed). */
static int
stmt_prepare(struct db *d, int i, const char *name, const char *sql,
    int nparams)
{
	PGresult	*r = PQprepare(d->conn, name, sql, nparams, NULL);
	int		 ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	PQclear(r);
	d->stmts[i].prepared = ok;
	return ok ? 0 : -1;
}

/* The connection broke: mark it for reconnection, at once. */
static void
check_lost(struct db *d)
{
	if (PQstatus(d->conn) != CONNECTION_OK) {
		d->up = 0;
		d->next_try_ms = 0;	/* first reconnect is immediate */
	}
}

/*
 * r, the result of prepared statement i, failed because the statement
 * is stale: 0A000 "cached plan must not change result type" (a
 * migration altered a table) or 26000, gone (DISCARD ALL). Nothing ran.
 * Then mark it to be prepared afresh, deallocate it when no transaction
 * block is open, and return 1; else 0.
 */
static int
stmt_stale(struct db *d, int i, const PGresult *r)
{
	const char	*st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	char		 dealloc[32];
	PGresult	*x;

	if (st == NULL || (strcmp(st, "0A000") != 0 &&
	    strcmp(st, "26000") != 0))
		return 0;
	d->stmts[i].prepared = 0;
	if (PQtransactionStatus(d->conn) == PQTRANS_IDLE) {
		snprintf(dealloc, sizeof(dealloc), "DEALLOCATE bsc_%d", i);
		x = PQexec(d->conn, dealloc);
		PQclear(x);
	}
	return 1;
}

/*
 * Run sql: unnamed the first time, prepared from the second. Returns
 * libpq's result, failed ones included (NULL only without memory).
 */
static PGresult *
run(struct db *d, const char *sql, int nparams, const char *const *params)
{
	PGresult	*r;
	char		 name[16];
	int		 i, seen;

	if ((i = stmt_slot(d, sql, &seen)) == -1 || !seen)
		return PQexecParams(d->conn, sql, nparams, NULL, params, NULL,
		    NULL, 0);
	snprintf(name, sizeof(name), "bsc_%d", i);
	/* e.g. inside an aborted transaction the prepare fails: the
	 * unnamed run reports the error as before */
	if (!d->stmts[i].prepared &&
	    stmt_prepare(d, i, name, sql, nparams) == -1)
		return PQexecParams(d->conn, sql, nparams, NULL, params, NULL,
		    NULL, 0);
	r = PQexecPrepared(d->conn, name, nparams, params, NULL, NULL, 0);
	/* A stale statement is run again at once, prepared afresh, unless
	 * a transaction block was open (the error aborted it: the caller
	 * rolls back and retries). */
	if (!stmt_stale(d, i, r) ||
	    PQtransactionStatus(d->conn) != PQTRANS_IDLE ||
	    stmt_prepare(d, i, name, sql, nparams) == -1)
		return r;
	PQclear(r);
	return PQexecPrepared(d->conn, name, nparams, params, NULL, NULL, 0);
}

struct db *
db_new(const char *conninfo, int connect_timeout_s, int statement_timeout_ms,
    const char *appname)
{
	struct db	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->conninfo = strdup(conninfo);
	d->appname = strdup(appname ? appname : "bsc-mm");
	if (d->conninfo == NULL || d->appname == NULL) {
		db_free(&d);
		return NULL;
	}
	d->connect_timeout_s = connect_timeout_s > 0 ? connect_timeout_s : 5;
	d->statement_timeout_ms = statement_timeout_ms;
	d->backoff_ms = BACKOFF_MIN_MS;
	snprintf(d->err, sizeof(d->err), "not connected");
	return d;
}

void
db_free(struct db **dp)
{
	struct db	*d;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	if (d->conn != NULL)
		PQfinish(d->conn);
	stmts_clear(d);
	free(d->conninfo);
	free(d->appname);
	free(d);
	*dp = NULL;
}

int
db_connect(struct db *d)
{
	char		 timeout[16], options[64];
	const char	*kw[] = { "dbname", "connect_timeout", "options",
			    "application_name", NULL };
	const char	*val[5];

	if (d->conn != NULL) {
		PQfinish(d->conn);
		d->conn = NULL;
	}
	stmts_clear(d);
	d->busy = 0;
	d->up = 0;
	snprintf(timeout, sizeof(timeout), "%d", d->connect_timeout_s);
	snprintf(options, sizeof(options), "-c statement_timeout=%d",
	    d->statement_timeout_ms);
	val[0] = d->conninfo;
	val[1] = timeout;
	val[2] = options;
	val[3] = d->appname;
	val[4] = NULL;
	/* expand_dbname=1: "dbname" may hold a whole conninfo or URI. */
	d->conn = PQconnectdbParams(kw, val, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		set_err(d, "database connect failed",
		    d->conn ? PQerrorMessage(d->conn) : "out of memory");
		d->next_try_ms = mono_ms() + d->backoff_ms;
		d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : d->backoff_ms * 2;
		return -1;
	}
	/* Quiet NOTICEs (e.g. "relation already exists, skipping"). */
	PQsetNoticeProcessor(d->conn, NULL, NULL);
	{
		PGresult	*r = PQexec(d->conn,
		    "SET client_min_messages = warning");
		PQclear(r);
	}
	d->up = 1;
	d->backoff_ms = BACKOFF_MIN_MS;
	snprintf(d->err, sizeof(d->err), "ok");
	return 0;
}

int
db_ensure(struct db *d)
{
	if (d->up && PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	if (mono_ms() < d->next_try_ms)
		return -1;
	if (db_connect(d) == -1) {
		log_warnx("%s retry_in_ms=%d", d->err, d->backoff_ms);
		return -1;
	}
	log_info("database connected");
	return 0;
}

int
db_is_up(const struct db *d)
{
	return d->up && PQstatus(d->conn) == CONNECTION_OK;
}

const char *
db_error(const struct db *d)
{
	return d->err;
}

const char *
db_sqlstate(const struct db *d)
{
	return d->sqlstate;
}

/* Usable now? Else the reason in d->err. */
static int
ready(struct db *d)
{
	if (!d->up || d->conn == NULL) {
		snprintf(d->err, sizeof(d->err), "database not connected");
		return 0;
	}
	if (d->busy) {
		snprintf(d->err, sizeof(d->err), "database connection busy:"
		    " a sent statement was not waited for");
		return 0;
	}
	return 1;
}

PGresult *
db_query_raw(struct db *d, const char *sql, int nparams,
    const char *const *params)
{
	PGresult	*r;

	if (!ready(d))
		return NULL;
	r = run(d, sql, nparams, params);
	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)
		check_lost(d);
	return r;
}

/* db_query's verdict on r (which it frees when it failed). */
static PGresult *
verdict(struct db *d, PGresult *r)
{
	ExecStatusType	st = PQresultStatus(r);
	const char	*code;

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		d->sqlstate[0] = '\0';
		return r;
	}
	set_err(d, "query failed", r ? PQresultErrorMessage(r) :
	    PQerrorMessage(d->conn));
	code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", code ? code : "");
	PQclear(r);
	check_lost(d);
	return NULL;
}

PGresult *
db_query(struct db *d, const char *sql, int nparams, const char *const *params)
{
	if (!ready(d))
		return NULL;
	return verdict(d, run(d, sql, nparams, params));
}

int
db_send(struct db *d, const char *sql, int nparams, const char *const *params)
{
	char	name[16];
	int	i, seen, ok;

	if (!ready(d))
		return -1;
	d->sent = -1;
	if ((i = stmt_slot(d, sql, &seen)) != -1 && seen) {
		snprintf(name, sizeof(name), "bsc_%d", i);
		if (d->stmts[i].prepared ||
		    stmt_prepare(d, i, name, sql, nparams) == 0)
			d->sent = i;
	}
	if (d->sent >= 0)
		ok = PQsendQueryPrepared(d->conn, name, nparams, params, NULL,
		    NULL, 0);
	else
		ok = PQsendQueryParams(d->conn, sql, nparams, NULL, params,
		    NULL, NULL, 0);
	if (!ok) {
		set_err(d, "query failed", PQerrorMessage(d->conn));
		d->sqlstate[0] = '\0';
		check_lost(d);
		return -1;
	}
	d->busy = 1;
	return 0;
}

PGresult *
db_wait(struct db *d)
{
	PGresult	*r, *x;

	if (!d->busy) {
		snprintf(d->err, sizeof(d->err), "nothing was sent");
		return NULL;
	}
	d->busy = 0;
	/* one statement: one result, then NULL */
	r = PQgetResult(d->conn);
	while ((x = PQgetResult(d->conn)) != NULL)
		PQclear(x);
	/* as in run(), but no second try: the parameters are gone. The
	 * next run prepares afresh. */
	if (d->sent >= 0)
		(void)stmt_stale(d, d->sent, r);
	return verdict(d, r);
}

int
db_exec(struct db *d, const char *sql, int nparams, const char *const *params)
{
	PGresult	*r = db_query(d, sql, nparams, params);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
db_query_value(struct db *d, char *out, size_t cap, const char *sql,
    int nparams, const char *const *params)
{
	PGresult	*r = db_query(d, sql, nparams, params);
	int		 rc;

	if (cap > 0)
		out[0] = '\0';
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0)
		rc = 0;
	else if (PQnfields(r) < 1 || PQgetisnull(r, 0, 0)) {
		snprintf(d->err, sizeof(d->err), "query returned NULL");
		rc = -1;
	} else {
		snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
db_begin(struct db *d)
{
	return db_exec(d, "BEGIN", 0, NULL);
}

int
db_commit(struct db *d)
{
	return db_exec(d, "COMMIT", 0, NULL);
}

int
db_rollback(struct db *d)
{
	if (!d->up)
		return 0;
	return db_exec(d, "ROLLBACK", 0, NULL);
}

PGconn *
db_conn(struct db *d)
{
	return d->conn;
}
