/*
 * stratd: grid strategies and conditional orders, paper and live.
 *
 * main.c only wires the process together: the daemon skeleton, the
 * command handlers (cmds.c) over the database records (store.c), the
 * emergency state read before anything else, the trading engine
 * (engine.c: marketd's events, its timer, its hooks into the commands),
 * and the status fields `bot status` shows.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "engine.h"
#include "log.h"
#include "store.h"
#include "stratd.h"

static void
status_hook(struct daemon *d, cJSON *o)
{
	struct stratd_ctx	*s = d->user;
	struct cmd_error	 err;
	cJSON			*cnt = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "halted", s->core.halted);
	if (store_counts(d->db, cnt, &err) == 0)
		cJSON_AddItemToObject(o, "counts", cnt);
	else
		cJSON_Delete(cnt);
	if (s->core.engine != NULL)
		cJSON_AddItemToObject(o, "engine",
		    engine_status(s->core.engine));
}

static void
on_events(struct daemon *d, void *arg)
{
	engine_drain(arg);
}

static void
on_poll(struct daemon *d, void *arg)
{
	engine_poll(arg);
}

/* Re-read the emergency state on every heartbeat tick: a stop recorded
 * by bsc-ctl while we were unreachable, or a database restore, halts us. */
static void
check_emergency(struct daemon *d, void *arg)
{
	struct stratd_ctx	*s = arg;
	int			 e = store_emergency_active(d->db);

	if (e == 1 && !s->core.halted) {
		log_warnx("emergency stop found in the database: halting");
		s->core.halted = 1;
		if (s->core.on_halt != NULL)
			s->core.on_halt(&s->core);
	} else if (e == 0 && s->core.halted && !s->core.halt_pinned) {
		log_info("emergency stop cleared in the database");
		s->core.halted = 0;
	} else if (e == 0 && s->core.halt_pinned && !s->pin_warned) {
		/* Asked for here but not (or no longer) in the database: keep
		 * halting, and say so once, until `emergency clear`. */
		log_warnx("emergency stop requested here is not recorded in the "
		    "database: staying halted until `bsc-ctl emergency clear`");
		s->pin_warned = 1;
	}
	if (!s->core.halt_pinned)
		s->pin_warned = 0;
}

/* The handlers hold the config pointer: follow a reload. */
static int
reload_hook(struct daemon *d)
{
	struct stratd_ctx	*s = d->user;

	if (s->core.engine != NULL && engine_reload(s->core.engine,
	    d->cfg) == -1)
		return -1;
	s->core.cfg = d->cfg;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct stratd_ctx	s;
	struct engine			*e;
	char				 err[512];

	daemon_init(&s.d, "stratd", argc, argv);
	s.d.user = &s;
	daemon_use_db(&s.d);
	s.core.cfg = s.d.cfg;
	s.core.db = s.d.db;
	s.core.actor = "stratd";
	/* Until the database says otherwise, assume the worst. */
	s.core.halted = store_emergency_active(s.d.db) != 0;
	if (s.core.halted)
		log_warnx("starting halted: emergency stop in force or "
		    "database unreachable");
	if ((e = engine_new(&s.core, s.d.zctx, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		daemon_fini(&s.d);
		exit(DAEMON_EXIT_CONFIG);
	}
	daemon_set_commands(&s.d, stratd_cmds, &s.core);
	s.d.status_hook = status_hook;
	s.d.reload_hook = reload_hook;
	daemon_add_timer(&s.d, 1000, check_emergency, &s);
	engine_start(e);
	if (engine_socket(e) != NULL)
		daemon_add_io(&s.d, engine_socket(e), -1, on_events, e);
	daemon_add_timer(&s.d, engine_poll_ms(e), on_poll, e);
	daemon_run(&s.d);
	engine_free(&e);
	daemon_fini(&s.d);
	return 0;
}
