/*
 * ctl.h: shared state and conventions of bsc-ctl's command groups.
 *
 * Each group lives in ctl/cmd_<group>.c and exports
 *	int cmd_<group>(struct ctl *, int argc, char **argv);
 * where argv[0] is the group name ("wallet") and argv[1] the subcommand.
 * It returns one of the CTL_EXIT_* codes below, prints results on stdout
 * (one JSON document with --json) and errors on stderr as
 * "bsc-ctl: <what went wrong>".
 */
#ifndef BSC_CTL_H
#define BSC_CTL_H

#include <stdio.h>

#include <cJSON.h>

struct config;
struct db;

/* Stable, documented exit codes (docs/CLI.md). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,	/* the operation failed */
	CTL_EXIT_USAGE = 2,	/* bad command line */
	CTL_EXIT_NOTRUNNING = 3,/* a daemon that should answer does not */
	CTL_EXIT_CONFIG = 4,	/* config missing or invalid */
	CTL_EXIT_TIMEOUT = 5,	/* a request or wait timed out */
};

struct ctl {
	const char	*cfg_path;	/* -c FILE or BSC_CONFIG or default */
	struct config	*cfg;		/* loaded lazily by ctl_config() */
	void		*zctx;		/* ZeroMQ context, lazily */
	int		 json;		/* global --json */
	const char	*actor;		/* who, for the audit log ($USER) */
	struct db	*db;		/* lazily, by ctl_db() */
};

/*
 * Load the config on first use. Returns it, or NULL after printing the
 * error (the caller returns CTL_EXIT_CONFIG).
 */
struct config	*ctl_config(struct ctl *);

/* Print "bsc-ctl: <msg>" on stderr. */
void		 ctl_err(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* 1 when s is "-h", "--help" or "help". */
int		 ctl_is_help(const char *s);

/* The ZeroMQ context, created on first use (NULL on failure). */
void		*ctl_zctx(struct ctl *);

/*
 * The database handle, connected on first use. Returns NULL only when the
 * config is bad (error printed); otherwise the caller checks db_is_up()
 * and reports db_error().
 */
struct db	*ctl_db(struct ctl *);

/*
 * Record an operator command in audit_log (who, what, args, reason,
 * outcome). Returns 0, or -1 when the database is unreachable (the caller
 * decides whether that is fatal for the command).
 */
int		 ctl_audit(struct ctl *, const char *command, const cJSON *args,
		    const char *reason, int ok, const char *error);

struct cmd_error;

/* The exit code for a command error code (timeout 5, unavailable 3,
 * bad_args 2, ...). */
int		 ctl_exit_for(const struct cmd_error *);

/* 1 when the supervisor reports daemon `name` running, else 0. */
int		 ctl_daemon_running(struct ctl *, const char *name);

/* Send cmd to daemon over its control endpoint (config timeout and
 * retries). 0 with *data (caller frees), or -1 with err. */
int		 ctl_call(struct ctl *, const char *daemon, const char *cmd,
		    const cJSON *args, cJSON **data, struct cmd_error *err);

/*
 * Run a stratd command: over the bus when stratd runs, else in-process
 * against the database (*local set to 1). Same contract as ctl_call.
 */
int		 ctl_stratd(struct ctl *, const char *cmd, const cJSON *args,
		    cJSON **data, struct cmd_error *err, int *local);

/* Run a stratd command in-process against the database, whether or not
 * stratd runs (the emergency stop's fallback). Same contract. */
int		 ctl_stratd_local(struct ctl *, const char *cmd,
		    const cJSON *args, cJSON **data, struct cmd_error *err);

/* Pretty-print a JSON value on stdout followed by a newline. */
void		 ctl_print_json(const cJSON *);

int	cmd_bot(struct ctl *, int, char **);
int	cmd_db(struct ctl *, int, char **);
int	cmd_wallet(struct ctl *, int, char **);
int	cmd_strategy(struct ctl *, int, char **);
int	cmd_emergency(struct ctl *, int, char **);
int	cmd_market(struct ctl *, int, char **);
int	cmd_backtest(struct ctl *, int, char **);

#endif
