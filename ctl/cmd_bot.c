/*
 * cmd_bot.c: `bsc-ctl bot start|stop|status|health`.
 *
 * start converges the running set to the one the flags choose (BRIEF §1):
 *   --monitoring-only   monitord
 *   --market-only       monitord marketd
 *   --no-strategies     everything but stratd
 *   --no-funds          everything but fundsd
 *   (none)              monitord marketd stratd fundsd
 * A daemon left out of the set is stopped, so `bot start --no-funds` from
 * the full set stops only fundsd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cmd.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "migrate.h"
#include "supervise.h"
#include "../stratd/store.h"

enum { D_MONITORD, D_MARKETD, D_STRATD, D_FUNDSD, ND };

/* Start order; stop order is the reverse (trading stops first). */
static const char *const names[ND] = { "monitord", "marketd", "stratd",
	"fundsd" };

#define START_WAIT_MS	15000
#define STOP_GRACE_MS	5000	/* TERM, then SIGKILL: as TimeoutStopSec=5 */
#define STOP_WAIT_MS	10000
#define PING_MS		1000

static void
usage(FILE *f)
{
	fprintf(f, "usage: bsc-ctl bot start [--monitoring-only | "
	    "--market-only | --no-strategies | --no-funds]\n"
	    "       bsc-ctl bot stop\n"
	    "       bsc-ctl bot status [--json]\n"
	    "       bsc-ctl bot health [--json]\n\n"
	    "  start   converge the running daemons to the chosen set and wait\n"
	    "          until each answers (exit 5 when one does not in %d s)\n"
	    "  stop    stop every daemon and the project-local supervisor\n"
	    "  status  processes, database and emergency state\n"
	    "  health  exit 0 only when every daemon that should run is up and\n"
	    "          healthy and the database answers; 3 otherwise\n",
	    START_WAIT_MS / 1000);
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ask a daemon for its status; returns the data object or NULL. */
static cJSON *
daemon_status(struct ctl *c, const char *name, int timeout_ms)
{
	struct config_daemon	*dc = config_daemon(c->cfg, name);
	struct bus_client	*cl;
	struct cmd_error	 err;
	cJSON			*data = NULL;

	if (ctl_zctx(c) == NULL ||
	    (cl = bus_client_new(c->zctx, dc->ctl)) == NULL)
		return NULL;
	if (cmd_call(cl, "status", NULL, timeout_ms, 0, &data, &err) == -1)
		data = NULL;
	bus_client_free(&cl);
	return data;
}

static struct sv *
open_sv(struct ctl *c, int *rc)
{
	struct sv	*s;
	char		 err[1024];

	if (ctl_config(c) == NULL) {
		*rc = CTL_EXIT_CONFIG;
		return NULL;
	}
	if ((s = sv_open(c->cfg, err, sizeof(err))) == NULL) {
		ctl_err("%s", err);
		*rc = CTL_EXIT_CONFIG;
	}
	return s;
}

/* Wait until name is down under the supervisor. 0 or -1 on timeout. */
static int
wait_down(struct sv *s, const char *name, int timeout_ms)
{
	struct sv_proc	 p;
	long long	 end = mono_ms() + timeout_ms;

	do {
		if (sv_status(s, name, &p) == 0 && !p.running)
			return 0;
		usleep(50000);
	} while (mono_ms() < end);
	return -1;
}

/*
 * After sv_down: wait for name to exit; past the grace period kill it, so
 * that "stopped" is true even for a daemon stuck in a blocking call.
 * Returns 0, or -1 when even SIGKILL did not bring it down in time.
 */
static int
stop_wait(struct sv *s, const char *name)
{
	char	err[512];

	if (wait_down(s, name, STOP_GRACE_MS) == 0)
		return 0;
	ctl_err("%s did not exit within %d s of TERM: killing it", name,
	    STOP_GRACE_MS / 1000);
	if (sv_kill(s, name, err, sizeof(err)) == -1)
		ctl_err("%s", err);
	return wait_down(s, name, STOP_WAIT_MS);
}

static int
bot_start(struct ctl *c, int argc, char **argv)
{
	int		 want[ND] = { 1, 1, 1, 1 }, i, rc = CTL_EXIT_OK;
	struct sv	*s;
	char		 err[1024];
	cJSON		*args;
	long long	 end;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--monitoring-only") == 0)
			want[D_MARKETD] = want[D_STRATD] = want[D_FUNDSD] = 0;
		else if (strcmp(argv[i], "--market-only") == 0)
			want[D_STRATD] = want[D_FUNDSD] = 0;
		else if (strcmp(argv[i], "--no-strategies") == 0)
			want[D_STRATD] = 0;
		else if (strcmp(argv[i], "--no-funds") == 0)
			want[D_FUNDSD] = 0;
		else if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else {
			ctl_err("bot start: unknown argument '%s'", argv[i]);
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if ((s = open_sv(c, &rc)) == NULL)
		return rc;
	args = cJSON_CreateObject();
	for (i = 0; i < ND; i++)
		cJSON_AddBoolToObject(args, names[i], want[i]);
	if (sv_ensure(s, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	/* Stop first what leaves the set: trading before feeds. */
	for (i = ND - 1; i >= 0; i--) {
		if (want[i])
			continue;
		if (sv_down(s, names[i], err, sizeof(err)) == -1) {
			ctl_err("%s", err);
			rc = CTL_EXIT_ERROR;
		} else if (stop_wait(s, names[i]) == -1) {
			ctl_err("%s did not stop, even killed", names[i]);
			rc = CTL_EXIT_TIMEOUT;
		}
	}
	for (i = 0; i < ND; i++) {
		if (want[i] && sv_up(s, names[i], err, sizeof(err)) == -1) {
			ctl_err("%s", err);
			rc = CTL_EXIT_ERROR;
		}
	}
	/* Started means answering on the control endpoint. */
	end = mono_ms() + START_WAIT_MS;
	for (i = 0; i < ND && rc == CTL_EXIT_OK; i++) {
		cJSON	*st = NULL;

		if (!want[i])
			continue;
		while ((st = daemon_status(c, names[i], PING_MS)) == NULL &&
		    mono_ms() < end)
			usleep(100000);
		if (st == NULL) {
			ctl_err("%s did not answer within %d s (see its log "
			    "under %s/logs/%s)", names[i], START_WAIT_MS / 1000,
			    c->cfg->global.state_dir, names[i]);
			rc = CTL_EXIT_TIMEOUT;
		}
		cJSON_Delete(st);
	}
	if (rc == CTL_EXIT_OK && !c->json) {
		printf("running:");
		for (i = 0; i < ND; i++)
			if (want[i])
				printf(" %s", names[i]);
		printf("\n");
	}
out:
	ctl_audit(c, "bot start", args, NULL, rc == CTL_EXIT_OK,
	    rc == CTL_EXIT_OK ? NULL : "see bsc-ctl output");
	cJSON_Delete(args);
	sv_close(&s);
	return rc;
}

static int
bot_stop(struct ctl *c, int argc, char **argv)
{
	struct sv	*s;
	char		 err[1024];
	int		 i, rc = CTL_EXIT_OK;

	if (argc > 2) {
		if (ctl_is_help(argv[2])) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		ctl_err("bot stop: unknown argument '%s'", argv[2]);
		return CTL_EXIT_USAGE;
	}
	if ((s = open_sv(c, &rc)) == NULL)
		return rc;
	for (i = ND - 1; i >= 0; i--)
		if (sv_down(s, names[i], err, sizeof(err)) == -1) {
			ctl_err("%s", err);
			rc = CTL_EXIT_ERROR;
		}
	for (i = ND - 1; i >= 0; i--)
		if (stop_wait(s, names[i]) == -1) {
			ctl_err("%s did not stop, even killed", names[i]);
			rc = CTL_EXIT_TIMEOUT;
		}
	if (rc == CTL_EXIT_OK && sv_shutdown(s, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		rc = CTL_EXIT_ERROR;
	}
	ctl_audit(c, "bot stop", NULL, NULL, rc == CTL_EXIT_OK, NULL);
	if (rc == CTL_EXIT_OK && !c->json)
		printf("stopped\n");
	sv_close(&s);
	return rc;
}

/* The database part of status: {"ok":..,"error":..,"pending_migrations":n}
 * and the emergency object from the emergency_state row. */
static void
db_status(struct ctl *c, cJSON *root)
{
	struct db	*d = ctl_db(c);
	cJSON		*dbo = cJSON_AddObjectToObject(root, "database");
	cJSON		*em = cJSON_AddObjectToObject(root, "emergency");
	PGresult	*r;
	int		 pending;

	cJSON_AddBoolToObject(em, "active", 0);
	cJSON_AddNullToObject(em, "reason");
	cJSON_AddNullToObject(em, "at");
	if (d == NULL || !db_is_up(d) ||
	    db_exec(d, "SELECT 1", 0, NULL) == -1) {
		cJSON_AddBoolToObject(dbo, "ok", 0);
		cJSON_AddStringToObject(dbo, "error", d ? db_error(d) :
		    "no config");
		return;
	}
	cJSON_AddBoolToObject(dbo, "ok", 1);
	pending = migrate_pending(d);
	cJSON_AddNumberToObject(dbo, "pending_migrations", pending);
	r = db_query(d, "SELECT active, reason, to_char(at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM emergency_state "
	    "WHERE id = 1", 0, NULL);
	/* BRIEF §4: the emergency checklist reads these (zero after stop-all). */
	{
		struct cmd_error	err;

		if (store_counts(d, root, &err) == -1)
			cJSON_AddStringToObject(dbo, "counts_error",
			    err.message);
	}
	if (r != NULL && PQntuples(r) == 1) {
		int	active = strcmp(PQgetvalue(r, 0, 0), "t") == 0;

		cJSON_ReplaceItemInObject(em, "active",
		    cJSON_CreateBool(active));
		if (!PQgetisnull(r, 0, 1))
			cJSON_ReplaceItemInObject(em, "reason",
			    cJSON_CreateString(PQgetvalue(r, 0, 1)));
		if (!PQgetisnull(r, 0, 2))
			cJSON_ReplaceItemInObject(em, "at",
			    cJSON_CreateString(PQgetvalue(r, 0, 2)));
	}
	PQclear(r);
}

/*
 * The status object of `bot status --json`:
 * {"supervisor":"runit","processes":{"marketd":{"running":true,"pid":1,
 *  "uptime_s":5,"healthy":true,"want":"up"},...},"database":{"ok":true},
 *  "emergency":{"active":false,"reason":null,"at":null}}
 */
static cJSON *
collect_status(struct ctl *c, struct sv *s)
{
	cJSON		*root = cJSON_CreateObject(), *procs;
	int		 i;

	cJSON_AddStringToObject(root, "supervisor", sv_kind(s));
	procs = cJSON_AddObjectToObject(root, "processes");
	for (i = 0; i < ND; i++) {
		struct sv_proc	 p;
		cJSON		*o = cJSON_AddObjectToObject(procs, names[i]);
		cJSON		*st = NULL, *h;

		sv_status(s, names[i], &p);
		cJSON_AddBoolToObject(o, "running", p.running);
		if (p.running) {
			cJSON_AddNumberToObject(o, "pid", p.pid);
			cJSON_AddNumberToObject(o, "uptime_s",
			    (double)p.uptime_s);
			st = daemon_status(c, names[i], PING_MS);
		} else {
			cJSON_AddNullToObject(o, "pid");
			cJSON_AddNullToObject(o, "uptime_s");
		}
		h = st ? cJSON_GetObjectItem(st, "healthy") : NULL;
		cJSON_AddBoolToObject(o, "healthy", cJSON_IsTrue(h));
		cJSON_AddBoolToObject(o, "responding", st != NULL);
		cJSON_AddStringToObject(o, "want", p.want_up ? "up" : "down");
		if (st != NULL && !cJSON_IsTrue(h)) {
			cJSON	*why = cJSON_GetObjectItem(st,
			    "unhealthy_reason");

			if (cJSON_IsString(why))
				cJSON_AddStringToObject(o, "reason",
				    why->valuestring);
		}
		cJSON_Delete(st);
	}
	db_status(c, root);
	return root;
}

static int
bot_status(struct ctl *c, int argc, char **argv, int health)
{
	struct sv	*s;
	cJSON		*root, *procs, *p;
	int		 rc = CTL_EXIT_OK, i, any = 0;

	if (argc > 2) {
		if (ctl_is_help(argv[2])) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		ctl_err("bot %s: unknown argument '%s'", argv[1], argv[2]);
		return CTL_EXIT_USAGE;
	}
	if ((s = open_sv(c, &rc)) == NULL)
		return rc;
	root = collect_status(c, s);
	procs = cJSON_GetObjectItem(root, "processes");
	if (health) {
		cJSON	*problems = cJSON_AddArrayToObject(root, "problems");
		char	 msg[256];

		for (i = 0; i < ND; i++) {
			p = cJSON_GetObjectItem(procs, names[i]);
			if (strcmp(cJSON_GetObjectItem(p, "want")->valuestring,
			    "up") != 0)
				continue;
			any = 1;
			if (!cJSON_IsTrue(cJSON_GetObjectItem(p, "running")))
				snprintf(msg, sizeof(msg), "%s is not running",
				    names[i]);
			else if (!cJSON_IsTrue(cJSON_GetObjectItem(p,
			    "healthy")))
				snprintf(msg, sizeof(msg), "%s is not healthy",
				    names[i]);
			else
				continue;
			cJSON_AddItemToArray(problems, cJSON_CreateString(msg));
		}
		if (!any)
			cJSON_AddItemToArray(problems,
			    cJSON_CreateString("no daemon is meant to run "
			    "(bot stopped)"));
		if (!cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
		    "database"), "ok")))
			cJSON_AddItemToArray(problems,
			    cJSON_CreateString("database does not answer"));
		cJSON_AddBoolToObject(root, "healthy",
		    cJSON_GetArraySize(problems) == 0);
		if (cJSON_GetArraySize(problems) != 0)
			rc = CTL_EXIT_NOTRUNNING;
		if (c->json)
			ctl_print_json(root);
		else if (rc == CTL_EXIT_OK)
			printf("healthy\n");
		else {
			cJSON_ArrayForEach(p, problems)
				printf("unhealthy: %s\n", p->valuestring);
		}
	} else if (c->json)
		ctl_print_json(root);
	else {
		cJSON	*dbo = cJSON_GetObjectItem(root, "database");
		cJSON	*em = cJSON_GetObjectItem(root, "emergency");

		printf("supervisor: %s\n", sv_kind(s));
		printf("%-10s %-8s %-8s %-8s %-10s %s\n", "PROCESS", "WANT",
		    "STATE", "PID", "UPTIME", "HEALTH");
		for (i = 0; i < ND; i++) {
			p = cJSON_GetObjectItem(procs, names[i]);
			int	run = cJSON_IsTrue(cJSON_GetObjectItem(p,
				    "running"));

			printf("%-10s %-8s %-8s %-8d %-10.0f %s\n", names[i],
			    cJSON_GetObjectItem(p, "want")->valuestring,
			    run ? "running" : "down",
			    run ? cJSON_GetObjectItem(p, "pid")->valueint : 0,
			    run ? cJSON_GetObjectItem(p, "uptime_s")->valuedouble
			    : 0.0, !run ? "-" : cJSON_IsTrue(
			    cJSON_GetObjectItem(p, "healthy")) ? "healthy" :
			    "UNHEALTHY");
		}
		if (cJSON_IsTrue(cJSON_GetObjectItem(dbo, "ok")))
			printf("database: ok (pending migrations: %d)\n",
			    cJSON_GetObjectItem(dbo,
			    "pending_migrations")->valueint);
		else
			printf("database: DOWN (%s)\n", cJSON_GetObjectItem(dbo,
			    "error")->valuestring);
		if (cJSON_IsObject(cJSON_GetObjectItem(root, "strategies"))) {
			cJSON	*st = cJSON_GetObjectItem(root, "strategies");

			printf("strategies: %d active, %d paused, %d stopped; "
			    "pending orders: %d; open conditional orders: %d\n",
			    cJSON_GetObjectItem(st, "active")->valueint,
			    cJSON_GetObjectItem(st, "paused")->valueint,
			    cJSON_GetObjectItem(st, "stopped")->valueint,
			    cJSON_GetObjectItem(root,
			    "pending_orders")->valueint,
			    cJSON_GetObjectItem(root,
			    "open_conditional_orders")->valueint);
		}
		if (cJSON_IsTrue(cJSON_GetObjectItem(em, "active")))
			printf("emergency: ACTIVE since %s: %s\n",
			    cJSON_GetObjectItem(em, "at")->valuestring,
			    cJSON_GetObjectItem(em, "reason")->valuestring);
		else
			printf("emergency: none\n");
	}
	cJSON_Delete(root);
	sv_close(&s);
	return rc;
}

int
cmd_bot(struct ctl *c, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (ctl_is_help(argv[1])) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "start") == 0)
		return bot_start(c, argc, argv);
	if (strcmp(argv[1], "stop") == 0)
		return bot_stop(c, argc, argv);
	if (strcmp(argv[1], "status") == 0)
		return bot_status(c, argc, argv, 0);
	if (strcmp(argv[1], "health") == 0)
		return bot_status(c, argc, argv, 1);
	ctl_err("unknown bot command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
