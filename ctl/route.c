/*
 * route.c: send a command to the daemon that owns it, or, when that
 * daemon is not running, run the same handler in-process against the
 * database (see stratd/cmds.h for why that is safe for stratd).
 *
 * "Not running" is the supervisor's word, never a timeout's: a daemon that
 * is up but slow must not have its command executed a second time here.
 */
#include <string.h>

#include "bus.h"
#include "cmd.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "supervise.h"
#include "../stratd/cmds.h"

int
ctl_exit_for(const struct cmd_error *err)
{
	if (strcmp(err->code, "timeout") == 0)
		return CTL_EXIT_TIMEOUT;
	if (strcmp(err->code, "transport") == 0 ||
	    strcmp(err->code, "unavailable") == 0)
		return CTL_EXIT_NOTRUNNING;
	if (strcmp(err->code, "bad_args") == 0 ||
	    strcmp(err->code, "bad_request") == 0 ||
	    strcmp(err->code, "unknown_command") == 0)
		return CTL_EXIT_USAGE;
	return CTL_EXIT_ERROR;
}

int
ctl_daemon_running(struct ctl *c, const char *name)
{
	struct sv	*s;
	struct sv_proc	 p;
	char		 err[512];
	int		 up = 0;

	if (ctl_config(c) == NULL || (s = sv_open(c->cfg, err,
	    sizeof(err))) == NULL)
		return 0;
	if (sv_status(s, name, &p) == 0)
		up = p.running;
	sv_close(&s);
	return up;
}

int
ctl_call(struct ctl *c, const char *daemon, const char *cmd,
    const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct config_daemon	*dc;
	struct bus_client	*cl;
	int			 rc;

	*data = NULL;
	memset(err, 0, sizeof(*err));
	if (ctl_config(c) == NULL)
		return cmd_fail(err, "config", "bad config");
	dc = config_daemon(c->cfg, daemon);
	if (ctl_zctx(c) == NULL || (cl = bus_client_new(c->zctx,
	    dc->ctl)) == NULL)
		return cmd_fail(err, "internal", "cannot create a bus client");
	rc = cmd_call(cl, cmd, args, c->cfg->global.request_timeout_ms,
	    c->cfg->global.request_retries, data, err);
	bus_client_free(&cl);
	return rc;
}

int
ctl_stratd(struct ctl *c, const char *cmd, const cJSON *args, cJSON **data,
    struct cmd_error *err, int *local)
{
	*local = 0;
	if (ctl_config(c) == NULL) {
		memset(err, 0, sizeof(*err));
		return cmd_fail(err, "config", "bad config");
	}
	if (ctl_daemon_running(c, "stratd"))
		return ctl_call(c, "stratd", cmd, args, data, err);
	*local = 1;
	return ctl_stratd_local(c, cmd, args, data, err);
}

int
ctl_stratd_local(struct ctl *c, const char *cmd, const cJSON *args,
    cJSON **data, struct cmd_error *err)
{
	struct stratd_core	core;
	struct db		*d;

	*data = NULL;
	if ((d = ctl_db(c)) == NULL || !db_is_up(d)) {
		memset(err, 0, sizeof(*err));
		return cmd_fail(err, "unavailable", "stratd is not running and "
		    "the database does not answer: %s", d ? db_error(d) :
		    "no config");
	}
	memset(&core, 0, sizeof(core));
	core.cfg = c->cfg;
	core.db = d;
	core.actor = c->actor;
	return cmds_run_local(&core, cmd, args, data, err);
}
