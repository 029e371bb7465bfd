/*
 * db.c: libpq wrapper with timeouts and reconnect backoff (see db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

#define BACKOFF_MIN_MS	250
#define BACKOFF_MAX_MS	30000

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

PGresult *
db_query(struct db *d, const char *sql, int nparams, const char *const *params)
{
	PGresult	*r;
	ExecStatusType	 st;

	if (!d->up || d->conn == NULL) {
		snprintf(d->err, sizeof(d->err), "database not connected");
		return NULL;
	}
	r = PQexecParams(d->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		d->sqlstate[0] = '\0';
		return r;
	}
	set_err(d, "query failed", r ? PQresultErrorMessage(r) :
	    PQerrorMessage(d->conn));
	{
		const char	*code = r ? PQresultErrorField(r,
				    PG_DIAG_SQLSTATE) : NULL;

		snprintf(d->sqlstate, sizeof(d->sqlstate), "%s",
		    code ? code : "");
	}
	PQclear(r);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		d->up = 0;
		d->next_try_ms = 0;	/* first reconnect is immediate */
	}
	return NULL;
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
