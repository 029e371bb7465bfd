/*
 * ctl.c: state and helpers shared by bsc-ctl's command groups.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "ctl.h"
#include "db.h"

struct config *
ctl_config(struct ctl *c)
{
	char	err[1024];

	if (c->cfg != NULL)
		return c->cfg;
	if (c->cfg_path == NULL)
		c->cfg_path = config_default_path();
	if ((c->cfg = config_load(c->cfg_path, err, sizeof(err))) == NULL)
		ctl_err("config: %s", err);
	return c->cfg;
}

void
ctl_err(const char *fmt, ...)
{
	va_list	ap;

	fputs("bsc-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_is_help(const char *s)
{
	return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0 ||
	    strcmp(s, "help") == 0;
}

void *
ctl_zctx(struct ctl *c)
{
	if (c->zctx == NULL)
		c->zctx = bus_ctx_new();
	return c->zctx;
}

void
ctl_print_json(const cJSON *o)
{
	char	*s = cJSON_Print(o);

	if (s != NULL) {
		puts(s);
		free(s);
	}
}

struct db *
ctl_db(struct ctl *c)
{
	struct config	*cfg;

	if (c->db != NULL)
		return c->db;
	if ((cfg = ctl_config(c)) == NULL)
		return NULL;
	c->db = db_new(cfg->database.url, cfg->database.connect_timeout_s,
	    cfg->database.statement_timeout_ms, "bsc-ctl");
	if (c->db == NULL) {
		ctl_err("out of memory");
		return NULL;
	}
	if (db_connect(c->db) == -1)
		return c->db;	/* caller checks db_is_up and reports */
	return c->db;
}

int
ctl_audit(struct ctl *c, const char *command, const cJSON *args,
    const char *reason, int ok, const char *error)
{
	struct db	*d = ctl_db(c);
	char		*a = NULL;
	const char	*p[6];
	int		 rc;

	if (d == NULL || !db_is_up(d))
		return -1;
	if (args != NULL)
		a = cJSON_PrintUnformatted(args);
	p[0] = c->actor;
	p[1] = command;
	p[2] = a ? a : "{}";
	p[3] = reason;
	p[4] = ok ? "true" : "false";
	p[5] = error;
	rc = db_exec(d, "INSERT INTO audit_log (actor, command, args, reason, "
	    "ok, error, finished_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, "
	    "now())", 6, p);
	free(a);
	return rc;
}
