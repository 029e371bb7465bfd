/*
 * supervise.c: runit and systemd back ends for bsc-ctl (see supervise.h).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "supervise.h"

static const char *const daemons[] = {
	"marketd", "stratd", "fundsd", "monitord", NULL
};

struct sv {
	int		 systemd;
	char		 svdir[PATH_MAX];	/* <state_dir>/service */
	char		 state_dir[PATH_MAX];
	char		 tmpl_dir[PATH_MAX];	/* etc/runit templates */
	char		 bin_dir[PATH_MAX];
	char		 conf[PATH_MAX];
	char		 log_dir[PATH_MAX];
};

static int
serr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_dir(const char *p)
{
	struct stat	st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the etc/runit templates are: in the source tree or installed. */
static int
find_templates(struct sv *s)
{
	char		 exe[PATH_MAX], *slash;
	ssize_t		 n;
	const char	*env = getenv("BSC_DATADIR");

	if (env != NULL) {
		snprintf(s->tmpl_dir, sizeof(s->tmpl_dir), "%s/etc/runit", env);
		return is_dir(s->tmpl_dir) ? 0 : -1;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		/* build/bin/bsc-ctl -> ../../etc/runit */
		snprintf(s->tmpl_dir, sizeof(s->tmpl_dir), "%s/../../etc/runit",
		    exe);
		if (is_dir(s->tmpl_dir))
			return 0;
		/* PREFIX/bin/bsc-ctl -> ../share/bsc-mm/etc/runit */
		snprintf(s->tmpl_dir, sizeof(s->tmpl_dir),
		    "%s/../share/bsc-mm/etc/runit", exe);
		if (is_dir(s->tmpl_dir))
			return 0;
	}
	snprintf(s->tmpl_dir, sizeof(s->tmpl_dir),
	    "%s/share/bsc-mm/etc/runit", BSC_PREFIX);
	return is_dir(s->tmpl_dir) ? 0 : -1;
}

struct sv *
sv_open(struct config *cfg, char *err, size_t errlen)
{
	struct sv	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		serr(err, errlen, "out of memory");
		return NULL;
	}
	s->systemd = strcmp(cfg->global.supervisor, "systemd") == 0;
	if (s->systemd)
		return s;
	if (realpath(cfg->path, s->conf) == NULL) {
		serr(err, errlen, "%s: %s", cfg->path, strerror(errno));
		free(s);
		return NULL;
	}
	snprintf(s->state_dir, sizeof(s->state_dir), "%s",
	    cfg->global.state_dir);
	snprintf(s->svdir, sizeof(s->svdir), "%s/service",
	    cfg->global.state_dir);
	snprintf(s->log_dir, sizeof(s->log_dir), "%s/logs",
	    cfg->global.state_dir);
	if (realpath(cfg->global.bin_dir, s->bin_dir) == NULL) {
		serr(err, errlen, "bin_dir %s: %s", cfg->global.bin_dir,
		    strerror(errno));
		free(s);
		return NULL;
	}
	if (find_templates(s) == -1) {
		serr(err, errlen, "cannot find the etc/runit service templates "
		    "(set BSC_DATADIR to the directory holding etc/)");
		free(s);
		return NULL;
	}
	return s;
}

void
sv_close(struct sv **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	free(*sp);
	*sp = NULL;
}

const char *
sv_kind(const struct sv *s)
{
	return s->systemd ? "systemd" : "runit";
}

/* --- systemd --- */

/* Run argv, capture stdout into out (may be NULL). Exit status or -1. */
static int
run_capture(char *const argv[], char *out, size_t cap)
{
	int	 p[2], st;
	pid_t	 pid;
	size_t	 n = 0;
	ssize_t	 r;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int	devnull = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (devnull != -1)
			dup2(devnull, 0);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char	sink[256];

		if (out != NULL && n + 1 < cap)
			r = read(p[0], out + n, cap - 1 - n);
		else
			r = read(p[0], sink, sizeof(sink));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out != NULL && n + 1 < cap)
			n += (size_t)r;
	}
	if (out != NULL && cap > 0)
		out[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
systemctl(const char *verb, const char *name, char *err, size_t errlen)
{
	char	 unit[64];
	char	*argv[] = { "systemctl", (char *)verb, unit, NULL };

	snprintf(unit, sizeof(unit), "bsc-mm-%s.service", name);
	if (run_capture(argv, NULL, 0) != 0)
		return serr(err, errlen, "systemctl %s %s failed", verb, unit);
	return 0;
}

static int
systemd_status(const char *name, struct sv_proc *out)
{
	char	 unit[64], buf[1024], *line, *save;
	char	*argv[] = { "systemctl", "show", "-p",
		    "MainPID,ActiveState,ActiveEnterTimestampMonotonic", unit,
		    NULL };
	struct timespec	now;

	snprintf(unit, sizeof(unit), "bsc-mm-%s.service", name);
	if (run_capture(argv, buf, sizeof(buf)) != 0)
		return 0;
	out->supervised = 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "MainPID=", 8) == 0)
			out->pid = atoi(line + 8);
		else if (strcmp(line, "ActiveState=active") == 0 ||
		    strcmp(line, "ActiveState=activating") == 0)
			out->want_up = 1;
		else if (strncmp(line, "ActiveEnterTimestampMonotonic=", 30) == 0)
			out->uptime_s = now.tv_sec -
			    strtoll(line + 30, NULL, 10) / 1000000;
	}
	out->running = out->want_up && out->pid > 0;
	return 0;
}

/* --- runit --- */

static int
write_file(const char *path, const char *text, mode_t mode)
{
	char	 tmp[PATH_MAX];
	int	 fd;
	size_t	 len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) == -1 ||
	    close(fd) == -1) {
		unlink(tmp);
		return -1;
	}
	return rename(tmp, path);
}

/* Template text with @BIN@ @CONF@ @LOGDIR@ replaced; caller frees. */
static char *
expand_template(const char *path, const char *bin, const char *conf,
    const char *logdir)
{
	FILE		*f;
	char		 in[8192], *out;
	size_t		 n, cap = 16384, len = 0;
	const char	*p;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(in, 1, sizeof(in) - 1, f);
	fclose(f);
	in[n] = '\0';
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (p = in; *p && len + PATH_MAX + 1 < cap;) {
		const char	*rep = NULL;
		size_t		 skip = 0;

		if (strncmp(p, "@BIN@", 5) == 0)
			rep = bin, skip = 5;
		else if (strncmp(p, "@CONF@", 6) == 0)
			rep = conf, skip = 6;
		else if (strncmp(p, "@LOGDIR@", 8) == 0)
			rep = logdir, skip = 8;
		if (rep != NULL) {
			len += (size_t)snprintf(out + len, cap - len, "%s", rep);
			p += skip;
		} else
			out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char	buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Write <svdir>/<name>/{run,log/run,down}; keep `down` if it exists. */
static int
write_service(struct sv *s, const char *name, char *err, size_t errlen)
{
	char	 dir[PATH_MAX], path[PATH_MAX + 32], tmpl[PATH_MAX + 32];
	char	 bin[PATH_MAX + 16], logdir[PATH_MAX + 16];
	char	*text;
	int	 fd;

	snprintf(dir, sizeof(dir), "%s/%s", s->svdir, name);
	snprintf(logdir, sizeof(logdir), "%s/%s", s->log_dir, name);
	snprintf(bin, sizeof(bin), "%s/%s", s->bin_dir, name);
	snprintf(path, sizeof(path), "%s/log", dir);
	if (mkdir_p(path, 0700) == -1 || mkdir_p(logdir, 0700) == -1)
		return serr(err, errlen, "%s: %s", path, strerror(errno));
	/* A fresh service directory starts down: runsv must not start it
	 * before bsc-ctl says so. */
	snprintf(path, sizeof(path), "%s/down", dir);
	if (access(path, F_OK) == -1 && access(dir, F_OK) == 0) {
		char	st[PATH_MAX + 32];

		snprintf(st, sizeof(st), "%s/supervise", dir);
		if (access(st, F_OK) == -1) {
			if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1)
				return serr(err, errlen, "%s: %s", path,
				    strerror(errno));
			close(fd);
		}
	}
	snprintf(tmpl, sizeof(tmpl), "%s/%s/run", s->tmpl_dir, name);
	if ((text = expand_template(tmpl, bin, s->conf, logdir)) == NULL)
		return serr(err, errlen, "%s: %s", tmpl, strerror(errno));
	snprintf(path, sizeof(path), "%s/run", dir);
	if (write_file(path, text, 0700) == -1) {
		free(text);
		return serr(err, errlen, "%s: %s", path, strerror(errno));
	}
	free(text);
	snprintf(tmpl, sizeof(tmpl), "%s/%s/log/run", s->tmpl_dir, name);
	if ((text = expand_template(tmpl, bin, s->conf, logdir)) == NULL)
		return serr(err, errlen, "%s: %s", tmpl, strerror(errno));
	snprintf(path, sizeof(path), "%s/log/run", dir);
	if (write_file(path, text, 0700) == -1) {
		free(text);
		return serr(err, errlen, "%s: %s", path, strerror(errno));
	}
	free(text);
	return 0;
}

/* The pid of our runsvdir, or 0 when it is not running. */
static pid_t
runsvdir_pid(struct sv *s)
{
	char	 path[PATH_MAX + 32], buf[PATH_MAX + 64];
	FILE	*f;
	int	 pid = 0;
	int	 fd;
	ssize_t	 n;

	snprintf(path, sizeof(path), "%s/runsvdir.pid", s->state_dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || kill(pid, 0) == -1)
		return 0;
	/* The pid may have been reused: check it runs runsvdir on svdir. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (strstr(buf, "runsvdir") == NULL || strstr(buf, s->svdir) == NULL)
		return 0;
	return pid;
}

static int
start_runsvdir(struct sv *s, char *err, size_t errlen)
{
	char		 pidpath[PATH_MAX + 32], logpath[PATH_MAX + 32];
	pid_t		 pid;
	int		 st;

	snprintf(pidpath, sizeof(pidpath), "%s/runsvdir.pid", s->state_dir);
	snprintf(logpath, sizeof(logpath), "%s/runsvdir.log", s->state_dir);
	if ((pid = fork()) == -1)
		return serr(err, errlen, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Double fork: runsvdir must not be our child, nor die with
		 * our session. */
		sigset_t	none;
		pid_t		gc;
		FILE		*f;
		int		 fd;

		setsid();
		if ((gc = fork()) != 0)
			_exit(gc == -1 ? 1 : 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if ((f = fopen(pidpath, "w")) != NULL) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, 0);
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600)) !=
		    -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execlp("runsvdir", "runsvdir", "-P", s->svdir, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	/* Wait (bounded) until it has taken over and each runsv is up. */
	for (int i = 0; i < 100; i++) {
		int	ready = runsvdir_pid(s) != 0;

		for (const char *const *d = daemons; ready && *d; d++) {
			char	ok[PATH_MAX + 64];
			int	fd;

			snprintf(ok, sizeof(ok), "%s/%s/supervise/ok",
			    s->svdir, *d);
			if ((fd = open(ok, O_WRONLY | O_NONBLOCK)) == -1)
				ready = 0;
			else
				close(fd);
		}
		if (ready)
			return 0;
		usleep(50000);
	}
	return serr(err, errlen, "runsvdir did not come up within 5 s "
	    "(is runit installed? see %s)", logpath);
}

int
sv_ensure(struct sv *s, char *err, size_t errlen)
{
	const char *const	*d;

	if (s->systemd)
		return 0;
	if (mkdir_p(s->svdir, 0700) == -1)
		return serr(err, errlen, "%s: %s", s->svdir, strerror(errno));
	for (d = daemons; *d; d++)
		if (write_service(s, *d, err, errlen) == -1)
			return -1;
	if (runsvdir_pid(s) != 0)
		return 0;
	return start_runsvdir(s, err, errlen);
}

static int
runit_control(struct sv *s, const char *name, char c, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX + 64];
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s/supervise/control", s->svdir, name);
	if ((fd = open(path, O_WRONLY | O_NONBLOCK)) == -1)
		return serr(err, errlen, "runsv for %s is not running (%s)",
		    name, strerror(errno));
	if (write(fd, &c, 1) != 1) {
		close(fd);
		return serr(err, errlen, "cannot control %s: %s", name,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

int
sv_up(struct sv *s, const char *name, char *err, size_t errlen)
{
	char	path[PATH_MAX + 64];

	if (s->systemd)
		return systemctl("start", name, err, errlen);
	/* Remove `down` so a restarted runsvdir brings it back up too. */
	snprintf(path, sizeof(path), "%s/%s/down", s->svdir, name);
	unlink(path);
	return runit_control(s, name, 'u', err, errlen);
}

int
sv_down(struct sv *s, const char *name, char *err, size_t errlen)
{
	char	path[PATH_MAX + 64];
	int	fd;

	if (s->systemd)
		return systemctl("stop", name, err, errlen);
	snprintf(path, sizeof(path), "%s/%s/down", s->svdir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1)
		close(fd);
	if (runsvdir_pid(s) == 0)
		return 0;	/* nothing runs without runsvdir's runsv */
	return runit_control(s, name, 'd', err, errlen);
}

int
sv_kill(struct sv *s, const char *name, char *err, size_t errlen)
{
	char	 unit[64];
	char	*argv[] = { "systemctl", "kill", "-s", "KILL", unit, NULL };

	if (!s->systemd)
		return runit_control(s, name, 'k', err, errlen);
	snprintf(unit, sizeof(unit), "bsc-mm-%s.service", name);
	if (run_capture(argv, NULL, 0) != 0)
		return serr(err, errlen, "systemctl kill %s failed", unit);
	return 0;
}

int
sv_status(struct sv *s, const char *name, struct sv_proc *out)
{
	char		 path[PATH_MAX + 64];
	unsigned char	 st[20];
	int		 fd;
	uint64_t	 tai = 0;
	int		 i;

	memset(out, 0, sizeof(*out));
	if (s->systemd)
		return systemd_status(name, out);
	if (runsvdir_pid(s) == 0)
		return 0;
	/* Is runsv there at all? Its ok fifo has a reader only then. */
	snprintf(path, sizeof(path), "%s/%s/supervise/ok", s->svdir, name);
	if ((fd = open(path, O_WRONLY | O_NONBLOCK)) == -1)
		return 0;
	close(fd);
	out->supervised = 1;
	snprintf(path, sizeof(path), "%s/%s/supervise/status", s->svdir, name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	if (read(fd, st, sizeof(st)) != (ssize_t)sizeof(st)) {
		close(fd);
		return 0;
	}
	close(fd);
	/* runit's status record: TAI64N stamp (12), pid LE (4), paused,
	 * want ('u'/'d'), term flag, state (0 down, 1 run, 2 finish). */
	for (i = 0; i < 8; i++)
		tai = (tai << 8) | st[i];
	out->pid = st[12] | st[13] << 8 | st[14] << 16 | st[15] << 24;
	out->want_up = st[17] == 'u';
	out->running = st[19] == 1 && out->pid > 0;
	if (!out->running)
		out->pid = 0;
	/* TAI64 label = 2^62 + 10 + unix seconds, as runit writes it. */
	if (tai > 4611686018427387914ULL)
		out->uptime_s = (long long)time(NULL) -
		    (long long)(tai - 4611686018427387914ULL);
	if (out->uptime_s < 0)
		out->uptime_s = 0;
	/* No `want` byte set yet: the down file decides. */
	if (st[17] == 0) {
		snprintf(path, sizeof(path), "%s/%s/down", s->svdir, name);
		out->want_up = access(path, F_OK) == -1;
	}
	return 0;
}

int
sv_shutdown(struct sv *s, char *err, size_t errlen)
{
	pid_t	pid;
	int	i;

	if (s->systemd || (pid = runsvdir_pid(s)) == 0)
		return 0;
	/* HUP: runsvdir sends TERM to every runsv and exits. */
	if (kill(pid, SIGHUP) == -1)
		return serr(err, errlen, "kill runsvdir: %s", strerror(errno));
	for (i = 0; i < 100; i++) {
		int	alive = kill(pid, 0) == 0;

		for (const char *const *d = daemons; !alive && *d; d++) {
			char	ok[PATH_MAX + 64];
			int	fd;

			snprintf(ok, sizeof(ok), "%s/%s/supervise/ok",
			    s->svdir, *d);
			if ((fd = open(ok, O_WRONLY | O_NONBLOCK)) != -1) {
				alive = 1;
				close(fd);
			}
		}
		if (!alive) {
			char	pidpath[PATH_MAX + 32];

			snprintf(pidpath, sizeof(pidpath), "%s/runsvdir.pid",
			    s->state_dir);
			unlink(pidpath);
			return 0;
		}
		usleep(50000);
	}
	return serr(err, errlen, "runsvdir or a runsv did not exit within 5 s");
}
