/*
 * import_int.h: what the files of the candle import share (not for use
 * outside marketd/import*.c; the API is import.h).
 */
#ifndef BSC_IMPORT_INT_H
#define BSC_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "import.h"
#include "jraw.h"




/* import.c */
/* The error of the whole import into r->error; returns -1. */
int		 import_rfail(struct import_result *r, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* A bad row: its line and why, kept in r (the first IMPORT_MAX_BAD). */
void		 import_bad_row(struct import_result *r, int line,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Digits only, at most 19, into *v. 0 or -1. */
int		 import_parse_digits(const char *s, size_t len, int64_t *v);
/* The text of a scalar JSON value (number or string) for a field. 0 or
 * -1. */
int		 import_jr_text(const struct jr *v, const char **s,
    size_t *len);
/* "open", "high", "low", "close", "volume": the columns after the time. */
extern const char *const import_ohlcv_names[];
/* The file name of path (after its last '/'). */
const char	*import_base_name(const char *path);
/* The market from a file name: a configured cex_symbol in it, an
 * exchange symbol (ADABTC), or freqtrade's BASE_QUOTE-... 0 or -1. */
int		 import_symbol_from_name(const char *name,
		    const struct config *cfg, char *out, size_t cap);
/* The candle interval a file name carries ("1m"), or NULL. */
const char	*import_interval_from_name(const char *name);
/* Midnight UTC of "YYYYMMDD" at s. 0 or -1. */
int		 import_parse_day(const char *s, int64_t *ms);
/* The day a file name starts with ("20240101_..."). 0 or -1. */
int		 import_day_from_name(const char *name, int64_t *ms);

#endif
