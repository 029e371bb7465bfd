/*
 * daemon.h: the shape every bsc-mm daemon shares.
 *
 * One struct daemon per process: config, ZeroMQ context, the control
 * endpoint (ROUTER, JSON commands), the event endpoint (PUB), an optional
 * database handle, timers, and one zmq_poll loop that also watches a
 * signalfd (SIGTERM/SIGINT stop, SIGHUP reloads the config). Runs in the
 * foreground, never forks, writes no pid file.
 *
 * Built-in commands: ping, status, stop. A daemon adds its own table with
 * daemon_set_commands() and its own status fields with a status hook.
 * A heartbeat.<name> event goes out every [<name>] heartbeat_ms.
 */
#ifndef BSC_DAEMON_H
#define BSC_DAEMON_H

#include <cJSON.h>

#include "cmd.h"

#define DAEMON_MAX_TIMERS	16
#define DAEMON_MAX_IO		16

/* Exit status for a bad config (sysexits EX_CONFIG): supervisors can
 * refuse to restart-loop on it. */
#define DAEMON_EXIT_CONFIG	78

struct config;
struct db;
struct bus_server;
struct bus_pub;
struct daemon;

typedef void	(*daemon_fn)(struct daemon *, void *arg);

struct daemon_timer {
	long long	 next_ms;
	int		 interval_ms;
	daemon_fn	 fn;
	void		*arg;
};

struct daemon_io {
	void		*sock;		/* ZeroMQ socket, or NULL */
	int		 fd;		/* plain fd when sock is NULL */
	daemon_fn	 fn;
	void		*arg;
};

struct daemon {
	const char		*name;		/* "marketd" */
	char			*cfg_path;
	struct config		*cfg;
	void			*zctx;
	struct bus_server	*ctl;
	struct bus_pub		*pub;
	struct db		*db;		/* NULL unless daemon_use_db() */
	int			 sigfd;
	int			 quit;
	long long		 start_ms;	/* monotonic */
	long long		 start_wall;	/* unix seconds */
	int			 healthy;	/* daemon's own verdict, 1 = ok */
	char			 unhealthy_reason[256];
	const struct cmd_def	*cmds;		/* daemon-specific commands */
	void			*cmds_ctx;	/* what their handlers get */
	struct cmd_cache	*replies;	/* by request id, see cmd.h */
	void			*user;		/* the daemon's own ctx */
	/* Adds daemon-specific fields to the status object. */
	void			(*status_hook)(struct daemon *, cJSON *);
	/* Called after a successful SIGHUP reload with the new config
	 * already in d->cfg; returns 0 or -1 (logged). */
	int			(*reload_hook)(struct daemon *);
	struct daemon_timer	 timers[DAEMON_MAX_TIMERS];
	int			 ntimers;
	struct daemon_io	 io[DAEMON_MAX_IO];
	int			 nio;
	unsigned long		 requests, bad_requests;
};

/*
 * Parse the command line (-c FILE, -n check config and exit, -d debug
 * logging, -h), load the config, set up logging, bind the endpoints and
 * signals. On -n prints "config ok" and exits 0; on a bad config prints the
 * error and exits DAEMON_EXIT_CONFIG; on other start-up failures exits 1.
 * Returns only when the daemon is ready to run.
 */
void	daemon_init(struct daemon *, const char *name, int argc, char **argv);

/* Open the [database] connection (not fatal when the server is down:
 * the loop reconnects with backoff and health says so). */
void	daemon_use_db(struct daemon *);

/* Commands of this daemon, searched after the built-ins; their handlers
 * get ctx. */
void	daemon_set_commands(struct daemon *, const struct cmd_def *, void *ctx);

/* Run fn every interval_ms (first run after one interval). 0 or -1. */
int	daemon_add_timer(struct daemon *, int interval_ms, daemon_fn, void *);

/* Call fn when sock (or fd, with sock NULL) is readable. 0 or -1. */
int	daemon_add_io(struct daemon *, void *sock, int fd, daemon_fn, void *);

/* Publish obj as event topic; obj is consumed. 0 or -1. */
int	daemon_publish(struct daemon *, const char *topic, cJSON *obj);

/* Mark health; reason NULL when healthy. */
void	daemon_set_health(struct daemon *, int healthy, const char *reason);

/* Run the loop until SIGTERM/SIGINT or the stop command. Returns 0. */
int	daemon_run(struct daemon *);

/* Release everything daemon_init acquired. */
void	daemon_fini(struct daemon *);

/* Monotonic milliseconds. */
long long daemon_now_ms(void);

#endif
