/*
 * migrate.c: apply embedded SQL migrations once each (see migrate.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "db.h"
#include "log.h"
#include "migrate.h"

/* Arbitrary constant naming our advisory lock. */
#define MIGRATE_LOCK_KEY	"7358290412"

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static void
sha256_hex(const char *s, char out[65])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	int		i;

	SHA256((const unsigned char *)s, strlen(s), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int
version_of(const char *name)
{
	int	v = 0;

	while (*name >= '0' && *name <= '9')
		v = v * 10 + (*name++ - '0');
	return *name == '_' ? v : -1;
}

static int
is_applied(struct db *d, int version, int *applied)
{
	char		 vbuf[16], out[16];
	const char	*p[1] = { vbuf };
	int		 rc;

	snprintf(vbuf, sizeof(vbuf), "%d", version);
	rc = db_query_value(d, out, sizeof(out),
	    "SELECT 1 FROM schema_migrations WHERE version = $1", 1, p);
	if (rc == -1)
		return -1;
	*applied = rc == 1;
	return 0;
}

static int
apply_one(struct db *d, const struct migration_src *m, int version,
    char *err, size_t errlen)
{
	PGconn		*c = db_conn(d);
	PGresult	*r;
	char		 vbuf[16], sum[65];
	const char	*p[3];

	if (db_begin(d) == -1)
		goto fail;
	/*
	 * A migration file may hold many statements: send it as a simple
	 * query (no parameters possible, none needed: it is our own text).
	 */
	r = PQexec(c, m->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "migration %s failed: %s", m->name,
		    PQresultErrorMessage(r));
		PQclear(r);
		db_rollback(d);
		return -1;
	}
	PQclear(r);
	snprintf(vbuf, sizeof(vbuf), "%d", version);
	sha256_hex(m->sql, sum);
	p[0] = vbuf;
	p[1] = m->name;
	p[2] = sum;
	if (db_exec(d, "INSERT INTO schema_migrations (version, name, sha256)"
	    " VALUES ($1, $2, $3)", 3, p) == -1 || db_commit(d) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "migration %s failed: %s", m->name, db_error(d));
	db_rollback(d);
	return -1;
}

int
migrate_apply(struct db *d, int *napplied, char *err, size_t errlen)
{
	size_t	i;
	int	applied, rc = -1;

	*napplied = 0;
	if (db_ensure(d) == -1) {
		snprintf(err, errlen, "%s", db_error(d));
		return -1;
	}
	if (db_exec(d, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0,
	    NULL) == -1) {
		snprintf(err, errlen, "%s", db_error(d));
		return -1;
	}
	if (db_exec(d, create_table, 0, NULL) == -1) {
		snprintf(err, errlen, "%s", db_error(d));
		goto out;
	}
	for (i = 0; i < migration_nsrcs; i++) {
		const struct migration_src	*m = &migration_srcs[i];
		int				 v = version_of(m->name);

		if (v < 0) {
			snprintf(err, errlen, "migration %s: name must start "
			    "with digits and '_'", m->name);
			goto out;
		}
		/* Two files with one number: the second would be taken for
		 * applied and silently never run. Refuse the build's set. */
		if (i > 0 && v <= version_of(migration_srcs[i - 1].name)) {
			snprintf(err, errlen, "migrations %s and %s share "
			    "version %d: renumber the newer one",
			    migration_srcs[i - 1].name, m->name, v);
			goto out;
		}
		if (is_applied(d, v, &applied) == -1) {
			snprintf(err, errlen, "%s", db_error(d));
			goto out;
		}
		if (applied)
			continue;
		if (apply_one(d, m, v, err, errlen) == -1)
			goto out;
		log_info("migration applied name=%s", m->name);
		(*napplied)++;
	}
	rc = 0;
out:
	db_exec(d, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL);
	return rc;
}

cJSON *
migrate_status(struct db *d, char *err, size_t errlen)
{
	PGresult	*r;
	cJSON		*arr;
	size_t		 i;
	int		 row, n;
	char		*seen;

	if (db_ensure(d) == -1 || db_exec(d, create_table, 0, NULL) == -1 ||
	    (r = db_query(d, "SELECT version, name, sha256, "
	    "to_char(applied_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations "
	    "ORDER BY version", 0, NULL)) == NULL) {
		snprintf(err, errlen, "%s", db_error(d));
		return NULL;
	}
	n = PQntuples(r);
	if ((arr = cJSON_CreateArray()) == NULL ||
	    (seen = calloc((size_t)n + 1, 1)) == NULL) {
		cJSON_Delete(arr);
		PQclear(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < migration_nsrcs; i++) {
		const struct migration_src	*m = &migration_srcs[i];
		int				 v = version_of(m->name);
		cJSON				*o = cJSON_CreateObject();
		char				 sum[65];

		cJSON_AddNumberToObject(o, "version", v);
		cJSON_AddStringToObject(o, "name", m->name);
		for (row = 0; row < n; row++)
			if (atoi(PQgetvalue(r, row, 0)) == v)
				break;
		if (row < n) {
			seen[row] = 1;
			sha256_hex(m->sql, sum);
			cJSON_AddTrueToObject(o, "applied");
			cJSON_AddStringToObject(o, "applied_at",
			    PQgetvalue(r, row, 3));
			cJSON_AddBoolToObject(o, "modified",
			    strcmp(sum, PQgetvalue(r, row, 2)) != 0);
		} else {
			cJSON_AddFalseToObject(o, "applied");
			cJSON_AddNullToObject(o, "applied_at");
			cJSON_AddFalseToObject(o, "modified");
		}
		cJSON_AddItemToArray(arr, o);
	}
	for (row = 0; row < n; row++) {
		cJSON	*o;

		if (seen[row])
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "version",
		    atoi(PQgetvalue(r, row, 0)));
		cJSON_AddStringToObject(o, "name", PQgetvalue(r, row, 1));
		cJSON_AddTrueToObject(o, "applied");
		cJSON_AddStringToObject(o, "applied_at", PQgetvalue(r, row, 3));
		cJSON_AddTrueToObject(o, "unknown");
		cJSON_AddItemToArray(arr, o);
	}
	free(seen);
	PQclear(r);
	return arr;
}

int
migrate_pending(struct db *d)
{
	char	 err[256];
	cJSON	*a = migrate_status(d, err, sizeof(err)), *o;
	int	 n = 0;

	if (a == NULL)
		return -1;
	cJSON_ArrayForEach(o, a)
		if (cJSON_IsFalse(cJSON_GetObjectItem(o, "applied")))
			n++;
	cJSON_Delete(a);
	return n;
}
