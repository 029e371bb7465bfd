/*
 * log.h: one line per event on stderr (and optionally a log file), in the
 * OpenBSD daemon style: log_warn appends strerror(errno), log_warnx does
 * not, fatal/fatalx exit(1) and are for start-up only.
 *
 * Line format:  level=warn proc=marketd msg="..." key=value ...
 * The message is a printf format; callers put their key=value fields in it:
 *   log_info("order filled strategy=%lld level=%d", id, lvl);
 * A timestamp is prepended only when log_init() is told to (a supervisor
 * such as svlogd -tt or journald adds its own).
 */
#ifndef BSC_LOG_H
#define BSC_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/*
 * Set the process name, minimum level and whether to prefix an ISO-8601
 * UTC timestamp. May be called again (SIGHUP). Never fails.
 */
void	log_init(const char *procname, enum log_level min, int timestamps);

/*
 * Also append every line to the file at path (created 0600). Returns 0, or
 * -1 with errno set; on failure stderr logging continues alone. NULL or ""
 * closes the current file.
 */
int	log_set_file(const char *path);

/* Parse "debug|info|warn|error"; returns 0 or -1. */
int	log_level_parse(const char *s, enum log_level *out);

void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_vlog(enum log_level lvl, int with_errno, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
