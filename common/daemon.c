/*
 * daemon.c: the common daemon skeleton (see daemon.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "log.h"

#ifndef BSC_VERSION
#define BSC_VERSION "0.1.0"
#endif

long long
daemon_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [-dn] [-c config]\n"
	    "  -c FILE  config file (default: $BSC_CONFIG, ./bsc-mm.conf, "
	    "/etc/bsc-mm/bsc-mm.conf)\n"
	    "  -n       check the config and exit\n"
	    "  -d       debug logging\n", name);
}

static void
apply_logging(struct daemon *d, int debug)
{
	struct config_daemon	*dc = config_daemon(d->cfg, d->name);
	enum log_level		 lvl = LOG_LVL_INFO;
	const char		*ls = dc && dc->log_level ? dc->log_level :
				    d->cfg->global.log_level;

	if (ls != NULL)
		log_level_parse(ls, &lvl);
	if (debug)
		lvl = LOG_LVL_DEBUG;
	log_init(d->name, lvl, d->cfg->global.log_timestamps);
	if (d->cfg->global.log_file != NULL &&
	    log_set_file(d->cfg->global.log_file) == -1)
		log_warn("cannot open log file path=%s",
		    d->cfg->global.log_file);
}

/* --- built-in commands --- */

static int
cmd_ping(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct daemon	*d = ctx;

	*data = cJSON_CreateObject();
	cJSON_AddStringToObject(*data, "pong", d->name);
	return 0;
}

static cJSON *
status_object(struct daemon *d)
{
	cJSON	*o = cJSON_CreateObject(), *db;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	cJSON_AddNumberToObject(o, "uptime_s",
	    (double)((daemon_now_ms() - d->start_ms) / 1000));
	cJSON_AddNumberToObject(o, "started_at", (double)d->start_wall);
	cJSON_AddStringToObject(o, "version", BSC_VERSION);
	if (d->db != NULL) {
		db = cJSON_AddObjectToObject(o, "database");
		cJSON_AddBoolToObject(db, "ok", db_is_up(d->db));
		if (!db_is_up(d->db))
			cJSON_AddStringToObject(db, "error", db_error(d->db));
	}
	cJSON_AddNumberToObject(o, "requests", (double)d->requests);
	cJSON_AddNumberToObject(o, "bad_requests", (double)d->bad_requests);
	if (d->status_hook != NULL)
		d->status_hook(d, o);
	/* After the hook: it may have changed the verdict. */
	{
		int	ok = d->healthy && (d->db == NULL || db_is_up(d->db));

		cJSON_AddBoolToObject(o, "healthy", ok);
		if (!ok)
			cJSON_AddStringToObject(o, "unhealthy_reason",
			    !d->healthy ? d->unhealthy_reason :
			    "database unavailable");
	}
	return o;
}

static int
cmd_status(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	*data = status_object(ctx);
	return 0;
}

static int
cmd_stop(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct daemon	*d = ctx;

	log_info("stop requested over the control endpoint");
	d->quit = 1;
	*data = cJSON_CreateObject();
	cJSON_AddStringToObject(*data, "stopping", d->name);
	return 0;
}

static const struct cmd_def builtin_cmds[] = {
	{ "ping", cmd_ping },
	{ "status", cmd_status },
	{ "stop", cmd_stop },
	{ NULL, NULL }
};

/* --- set-up --- */

void
daemon_init(struct daemon *d, const char *name, int argc, char **argv)
{
	struct config_daemon	*dc;
	char			 err[1024];
	int			 ch, check = 0, debug = 0;
	sigset_t		 mask;
	const char		*path = NULL;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->sigfd = -1;
	d->healthy = 1;
	log_init(name, LOG_LVL_INFO, 0);
	while ((ch = getopt(argc, argv, "c:dnh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(name);
			exit(0);
		default:
			usage(name);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(name);
		exit(2);
	}
	if (path == NULL)
		path = config_default_path();
	if ((d->cfg_path = strdup(path)) == NULL)
		fatal("strdup");
	if ((d->cfg = config_load(d->cfg_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(DAEMON_EXIT_CONFIG);
	}
	if (check) {
		printf("config ok: %s\n", d->cfg_path);
		exit(0);
	}
	apply_logging(d, debug);
	dc = config_daemon(d->cfg, name);
	if (dc == NULL)
		fatalx("no config section for daemon name=%s", name);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	if ((d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	if ((d->zctx = bus_ctx_new()) == NULL)
		fatal("zmq_ctx_new");
	if ((d->ctl = bus_server_new(d->zctx, dc->ctl)) == NULL)
		fatalx("cannot bind control endpoint=%s", dc->ctl);
	if ((d->pub = bus_pub_new(d->zctx, dc->pub)) == NULL)
		fatalx("cannot bind event endpoint=%s", dc->pub);
	/* Replies kept for 5 minutes: longer than any client retries. */
	if ((d->replies = cmd_cache_new(256, 300000)) == NULL)
		fatal("cmd_cache_new");
	d->start_ms = daemon_now_ms();
	d->start_wall = (long long)time(NULL);
}

void
daemon_use_db(struct daemon *d)
{
	d->db = db_new(d->cfg->database.url, d->cfg->database.connect_timeout_s,
	    d->cfg->database.statement_timeout_ms, d->name);
	if (d->db == NULL)
		fatal("db_new");
	if (db_connect(d->db) == -1)
		log_warnx("%s (will retry)", db_error(d->db));
}

void
daemon_set_commands(struct daemon *d, const struct cmd_def *cmds, void *ctx)
{
	d->cmds = cmds;
	d->cmds_ctx = ctx;
}

int
daemon_add_timer(struct daemon *d, int interval_ms, daemon_fn fn, void *arg)
{
	struct daemon_timer	*t;

	if (d->ntimers == DAEMON_MAX_TIMERS || interval_ms <= 0)
		return -1;
	t = &d->timers[d->ntimers++];
	t->interval_ms = interval_ms;
	t->next_ms = daemon_now_ms() + interval_ms;
	t->fn = fn;
	t->arg = arg;
	return 0;
}

int
daemon_add_io(struct daemon *d, void *sock, int fd, daemon_fn fn, void *arg)
{
	struct daemon_io	*io;

	if (d->nio == DAEMON_MAX_IO)
		return -1;
	io = &d->io[d->nio++];
	io->sock = sock;
	io->fd = fd;
	io->fn = fn;
	io->arg = arg;
	return 0;
}

int
daemon_publish(struct daemon *d, const char *topic, cJSON *obj)
{
	char	*s = cJSON_PrintUnformatted(obj);
	int	 rc;

	cJSON_Delete(obj);
	if (s == NULL)
		return -1;
	rc = bus_publish(d->pub, topic, s, strlen(s));
	free(s);
	return rc;
}

void
daemon_set_health(struct daemon *d, int healthy, const char *reason)
{
	if (d->healthy != healthy)
		log_info("health changed healthy=%s reason=\"%s\"",
		    healthy ? "yes" : "no", reason ? reason : "");
	d->healthy = healthy;
	snprintf(d->unhealthy_reason, sizeof(d->unhealthy_reason), "%s",
	    reason ? reason : "");
}

/* --- the loop --- */

static void
heartbeat(struct daemon *d, void *arg)
{
	cJSON	*o = status_object(d);
	char	 topic[64];

	snprintf(topic, sizeof(topic), "heartbeat.%s", d->name);
	daemon_publish(d, topic, o);
	if (d->db != NULL)
		db_ensure(d->db);
}

static void
reload(struct daemon *d)
{
	struct config	*nc, *old;
	char		 err[1024];

	if ((nc = config_load(d->cfg_path, err, sizeof(err))) == NULL) {
		log_warnx("config reload failed, keeping the old one: %s", err);
		return;
	}
	old = d->cfg;
	d->cfg = nc;
	if (strcmp(config_daemon(old, d->name)->ctl,
	    config_daemon(nc, d->name)->ctl) != 0 ||
	    strcmp(config_daemon(old, d->name)->pub,
	    config_daemon(nc, d->name)->pub) != 0)
		log_warnx("endpoint changes take effect only after a restart");
	apply_logging(d, 0);
	if (d->reload_hook != NULL && d->reload_hook(d) == -1) {
		log_warnx("config reload rejected by %s, keeping the old one",
		    d->name);
		d->cfg = old;
		config_free(&nc);
		apply_logging(d, 0);
		return;
	}
	config_free(&old);
	log_info("config reloaded path=%s", d->cfg_path);
}

static void
handle_signals(struct daemon *d)
{
	struct signalfd_siginfo	si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal=%s stopping", si.ssi_signo == SIGTERM ?
			    "TERM" : "INT");
			d->quit = 1;
			break;
		case SIGHUP:
			reload(d);
			break;
		}
	}
}

static void
handle_requests(struct daemon *d)
{
	const struct cmd_table	 tables[3] = { { builtin_cmds, d },
				    { d->cmds, d->cmds_ctx }, { NULL, NULL } };
	struct bus_request	 r;
	char			*rep;
	size_t			 n;
	int			 rc, budget = 64;

	/* Bounded per wake-up so one flood cannot starve the timers. */
	while (budget-- > 0 && (rc = bus_server_recv(d->ctl, &r)) == 1) {
		d->requests++;
		if (!r.valid) {
			d->bad_requests++;
			log_warnx("bad request on control endpoint: %s", r.why);
			rep = cmd_error_reply("bad_request", r.why, &n);
		} else {
			rep = cmd_dispatch(tables,
			    d->replies, r.body, r.len, &n);
			if (rep != NULL && strncmp(rep, "{\"ok\":false", 11) == 0)
				d->bad_requests++;
		}
		if (rep == NULL) {
			free(r.body);
			zmq_msg_close(&r.id);
			continue;
		}
		if (bus_server_reply(d->ctl, &r, rep, n) == -1)
			log_warnx("cannot send reply error=\"%s\"",
			    zmq_strerror(errno));
		free(rep);
	}
}

int
daemon_run(struct daemon *d)
{
	zmq_pollitem_t	 items[2 + DAEMON_MAX_IO];
	struct config_daemon *dc = config_daemon(d->cfg, d->name);
	int		 i, n, rc;
	long long	 now, next;

	daemon_add_timer(d, dc->heartbeat_ms, heartbeat, NULL);
	log_info("started pid=%d ctl=%s pub=%s", (int)getpid(), dc->ctl,
	    dc->pub);
	heartbeat(d, NULL);
	while (!d->quit) {
		n = 0;
		items[n++] = (zmq_pollitem_t){ bus_server_socket(d->ctl), 0,
		    ZMQ_POLLIN, 0 };
		items[n++] = (zmq_pollitem_t){ NULL, d->sigfd, ZMQ_POLLIN, 0 };
		for (i = 0; i < d->nio; i++)
			items[n++] = (zmq_pollitem_t){ d->io[i].sock,
			    d->io[i].fd, ZMQ_POLLIN, 0 };
		now = daemon_now_ms();
		next = now + 1000;
		for (i = 0; i < d->ntimers; i++)
			if (d->timers[i].next_ms < next)
				next = d->timers[i].next_ms;
		rc = zmq_poll(items, n, next > now ? (long)(next - now) : 0);
		if (rc == -1 && errno != EINTR) {
			log_warnx("zmq_poll error=\"%s\"", zmq_strerror(errno));
			break;
		}
		if (rc > 0) {
			if (items[1].revents & ZMQ_POLLIN)
				handle_signals(d);
			if (items[0].revents & ZMQ_POLLIN)
				handle_requests(d);
			for (i = 0; i < d->nio && !d->quit; i++)
				if (items[2 + i].revents & ZMQ_POLLIN)
					d->io[i].fn(d, d->io[i].arg);
		}
		now = daemon_now_ms();
		for (i = 0; i < d->ntimers && !d->quit; i++) {
			struct daemon_timer	*t = &d->timers[i];

			if (t->next_ms > now)
				continue;
			t->next_ms += t->interval_ms;
			/* After a long stall, skip missed ticks, don't burst. */
			if (t->next_ms <= now)
				t->next_ms = now + t->interval_ms;
			t->fn(d, t->arg);
		}
	}
	log_info("stopped");
	return 0;
}

void
daemon_fini(struct daemon *d)
{
	bus_server_free(&d->ctl);
	cmd_cache_free(&d->replies);
	bus_pub_free(&d->pub);
	bus_ctx_free(&d->zctx);
	db_free(&d->db);
	if (d->sigfd != -1)
		close(d->sigfd);
	d->sigfd = -1;
	config_free(&d->cfg);
	free(d->cfg_path);
	d->cfg_path = NULL;
	log_set_file(NULL);
}
