/*
 * log.c: stderr (and optional file) logging, one line per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char		 log_proc[32] = "bsc";
static enum log_level	 log_min = LOG_LVL_INFO;
static int		 log_ts;
static FILE		*log_file;
/* marketd's feed threads log through rpc.c while the main thread may
 * reopen the file on SIGHUP: one lock around the file and each line. */
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *procname, enum log_level min, int timestamps)
{
	if (procname != NULL)
		snprintf(log_proc, sizeof(log_proc), "%s", procname);
	log_min = min;
	log_ts = timestamps;
}

int
log_set_file(const char *path)
{
	FILE	*f = NULL;
	int	 fd, e;

	if (path != NULL && *path != '\0') {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd == -1)
			return -1;
		if ((f = fdopen(fd, "a")) == NULL) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_mtx);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_mtx);
	return 0;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_vlog(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char	 line[2048], ts[40] = "";
	int	 saved = errno, n;
	size_t	 len;

	if (lvl < log_min)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	len = strlen(line);
	if (with_errno && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, " error=\"%s\"",
		    strerror(saved));
	/* One event, one line: fold any newline a caller let slip in. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_ts || log_file != NULL) {
		struct timespec	 now;
		struct tm	 tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ ",
		    now.tv_nsec / 1000000);
	}
	pthread_mutex_lock(&log_mtx);
	fprintf(stderr, "%slevel=%s proc=%s %s\n", log_ts ? ts : "",
	    level_names[lvl], log_proc, line);
	/* The log file always carries timestamps: nobody adds them there. */
	if (log_file != NULL)
		fprintf(log_file, "%slevel=%s proc=%s %s\n", ts,
		    level_names[lvl], log_proc, line);
	pthread_mutex_unlock(&log_mtx);
	errno = saved;
}

#define LOGFN(name, lvl, err)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
	va_start(ap, fmt);				\
	log_vlog(lvl, err, fmt, ap);			\
	va_end(ap);					\
}
LOGFN(log_debug, LOG_LVL_DEBUG, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
