/*
 * supervise.h: bsc-ctl's view of the supervisor that runs the daemons.
 *
 * runit (default): a project-local runsvdir over <state_dir>/service,
 * one service directory per daemon generated from etc/runit templates,
 * each with a `down` file so nothing starts until asked. bsc-ctl starts
 * runsvdir when it is not running, sends 'u'/'d' to each runsv's control
 * fifo (what `sv up/down` does) and reads supervise/status for pid and
 * uptime. A daemon killed by any signal is restarted by its runsv.
 *
 * systemd (supervisor = systemd): systemctl start/stop/show on the units
 * bsc-mm-<daemon>.service shipped in etc/systemd.
 */
#ifndef CTL_SUPERVISE_H
#define CTL_SUPERVISE_H

struct config;
struct sv;

struct sv_proc {
	int		 supervised;	/* the supervisor knows this service */
	int		 want_up;	/* it is meant to run */
	int		 running;	/* a process is up */
	int		 pid;
	long long	 uptime_s;	/* since the last start/stop */
};

/*
 * Open the supervisor the config names. Does not start anything. Returns
 * NULL with a message in err on a bad setup (missing templates, state
 * directory not writable).
 */
struct sv	*sv_open(struct config *, char *err, size_t errlen);
void		 sv_close(struct sv **);

/* "runit" or "systemd". */
const char	*sv_kind(const struct sv *);

/*
 * Make sure the supervisor runs and knows every daemon (runit: write the
 * service directories and start runsvdir when needed). 0 or -1 with err.
 */
int		 sv_ensure(struct sv *, char *err, size_t errlen);

/* Ask the supervisor to start or stop name. 0 or -1 with err. */
int		 sv_up(struct sv *, const char *name, char *err, size_t errlen);
int		 sv_down(struct sv *, const char *name, char *err, size_t errlen);

/* Kill name at once (runit 'k': SIGKILL; systemd: systemctl kill -s KILL),
 * for a daemon that ignored TERM past its grace period. 0 or -1 with err. */
int		 sv_kill(struct sv *, const char *name, char *err, size_t errlen);

/* Current state of name. Returns 0 (out filled) or -1. A supervisor that
 * is not running yields supervised=0 and running=0, not an error. */
int		 sv_status(struct sv *, const char *name, struct sv_proc *out);

/*
 * runit: stop runsvdir and every runsv under it (after the daemons are
 * down). systemd: nothing. 0 or -1 with err.
 */
int		 sv_shutdown(struct sv *, char *err, size_t errlen);

#endif
