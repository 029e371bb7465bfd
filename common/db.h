/*
 * db.h: PostgreSQL access through libpq.
 *
 * A struct db holds one connection. Connecting has a timeout; every
 * statement runs under statement_timeout; queries are parameterised only
 * (there is no way to pass SQL text built from input). When the server
 * goes away the connection is marked broken and db_ensure() reconnects
 * with exponential backoff (250 ms doubling to 30 s), so a daemon's poll
 * loop can call it on every tick at no cost.
 *
 * A statement text run a second time on a connection is prepared and
 * then executed by name: parsed and planned once per connection (up to
 * 256 texts; see db.c). Callers need do nothing; the text must be a
 * single statement, as PQexecParams requires anyway.
 */
#ifndef BSC_DB_H
#define BSC_DB_H

#include <libpq-fe.h>

struct db;

/*
 * A handle for conninfo (keyword string or URI). Does not connect.
 * Returns NULL on allocation failure. Free with db_free.
 */
struct db	*db_new(const char *conninfo, int connect_timeout_s,
		    int statement_timeout_ms, const char *appname);
void		 db_free(struct db **);

/* Connect now (blocking up to the connect timeout). Returns 0 or -1. */
int		 db_connect(struct db *);

/*
 * Connected: return 0. Broken or never connected: try to connect when the
 * backoff allows (else fail at once) and return 0 or -1.
 */
int		 db_ensure(struct db *);

/* 1 when the connection is up, else 0. */
int		 db_is_up(const struct db *);

/* The last error message (static per handle; never NULL). */
const char	*db_error(const struct db *);

/* SQLSTATE of the last failed query ("23505", "BSE01"), "" when the last
 * query succeeded or failed without reaching the server. */
const char	*db_sqlstate(const struct db *);

/*
 * Run sql with nparams text parameters ($1..$n; a NULL entry is SQL NULL).
 * Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK), which the
 * caller frees with PQclear, or NULL on failure (message in db_error;
 * a lost connection is marked for reconnect).
 */
PGresult	*db_query(struct db *, const char *sql, int nparams,
		    const char *const *params);

/*
 * db_query for callers that read the error fields themselves (SQLSTATE,
 * constraint name): returns libpq's result whatever its status, which
 * the caller checks and frees with PQclear; NULL when not connected or
 * out of memory. db_error and db_sqlstate are not set.
 */
PGresult	*db_query_raw(struct db *, const char *sql, int nparams,
		    const char *const *params);

/*
 * Send sql (as db_query) and return without waiting: the server runs it
 * while the caller does other work; db_wait collects the result. Until
 * then the connection takes nothing else (db_query and the rest fail,
 * "busy"). Returns 0 or -1 (db_error; nothing was sent).
 */
int		 db_send(struct db *, const char *sql, int nparams,
		    const char *const *params);

/*
 * The result of the statement db_send sent, as db_query returns it
 * (blocks until the server answers; statement_timeout bounds it).
 * The caller frees it with PQclear.
 */
PGresult	*db_wait(struct db *);

/* db_query for statements whose result is not needed. Returns 0 or -1. */
int		 db_exec(struct db *, const char *sql, int nparams,
		    const char *const *params);

/*
 * Run a query expected to return one row and column; copy the value into
 * out (cap bytes). Returns 1 when a row was found, 0 for no rows (out
 * set to ""), -1 on error or when the value is SQL NULL.
 */
int		 db_query_value(struct db *, char *out, size_t cap,
		    const char *sql, int nparams, const char *const *params);

/* Transactions. Each returns 0 or -1; rollback is safe after a failure. */
int		 db_begin(struct db *);
int		 db_commit(struct db *);
int		 db_rollback(struct db *);

/* The raw connection, for COPY and the migration runner. */
PGconn		*db_conn(struct db *);

#endif
