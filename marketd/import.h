/*
 * import.h: candle files into the candles table (`bsc-ctl market import`),
 * and klines fetched from the CEX REST endpoint (`market fetch`).
 *
 * Layouts (detected from the content; see docs/MARKETD.md):
 *   binance-csv    data.binance.vision klines: 12 columns, open time in
 *                  ms (or us, as the 2025+ spot files), with or without
 *                  the header line; quote volume and trade count kept
 *   csv            open_time,open,high,low,close,volume (+ anything),
 *                  with or without a header; time in s, ms or us
 *   lean-hour      QuantConnect Lean: "yyyyMMdd HH:mm,o,h,l,c,v"
 *   lean-minute    Lean: "ms since midnight,o,h,l,c,v", the day from the
 *                  file name (YYYYMMDD_...) or import_opts.date
 *   freqtrade-json [[ms,o,h,l,c,v],...] (numbers or strings; Binance
 *                  REST klines saved to a file parse the same)
 *   pandas-json    {"date":{"0":ms,...},"open":{...},...,"volume":{...}}
 *
 * An import is all or nothing: every row is parsed and checked first;
 * any bad row (named by its line) rejects the file and nothing is stored.
 * Good files go in one transaction with ON CONFLICT DO NOTHING, so a
 * re-import changes nothing and reports every row as already stored.
 */
#ifndef MARKETD_IMPORT_H
#define MARKETD_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "candles.h"

struct config;
struct db;
struct jr;
struct cex;

#define IMPORT_MAX_BAD		20	/* bad rows listed (all are counted) */
#define IMPORT_MAX_GAPS		20	/* gaps listed (all are counted) */
#define IMPORT_MAX_FILE		(256 * 1024 * 1024)

struct import_opts {
	const char		*symbol;	/* NULL: from the file name */
	const char		*interval;	/* NULL: name, then spacing */
	const char		*date;		/* "YYYYMMDD" for lean-minute */
	const struct config	*cfg;		/* maps BTCUSDT to BTC/USDT */
	int			 dry_run;	/* parse and check only */
};

struct import_bad {
	int	 line;
	char	 msg[200];
};

struct import_result {
	char		 file[256];
	char		 symbol[72];
	char		 interval[8];
	const char	*format;		/* static, "binance-csv" */
	const char	*source;		/* "csv" or "cex" */
	size_t		 rows;
	size_t		 inserted;		/* new rows stored */
	size_t		 existing;		/* rows already stored */
	struct candle	 first, last;		/* by open time */
	size_t		 ngaps;
	long		 missing;
	struct candle_gap gaps[IMPORT_MAX_GAPS];
	size_t		 nbad;
	struct import_bad bad[IMPORT_MAX_BAD];
	char		 error[512];		/* why it failed, "" if not */
};

/*
 * Parse the file `name` (used for the symbol, interval and date hints)
 * with content text[0..len). On success *rows (caller frees) holds *n
 * checked candles sorted by open time, and res has the format, symbol,
 * interval, first/last and gaps. Returns 0, or -1 with res->error (and
 * res->bad for bad rows).
 */
int	 import_parse(const char *name, const char *text, size_t len,
	    const struct import_opts *o, struct candle **rows, size_t *n,
	    struct import_result *res);

/*
 * Read, parse and store the file at path (dry_run: only parse). Returns
 * 0 or -1 with res->error; nothing is stored on failure.
 */
int	 import_file(struct db *, const char *path,
	    const struct import_opts *o, struct import_result *res);

/*
 * Fetch klines of cex_symbol from the CEX into the candles table as
 * symbol/interval (source 'cex'), for open times in [start_ms, end_ms].
 * Each page is stored in its own transaction (idempotent; a re-run after
 * a failure completes the range); res counts rows, new rows, gaps.
 * Returns 0 or -1 with res->error.
 */
int	 import_fetch(struct db *, struct cex *, const char *symbol,
	    const char *cex_symbol, const char *interval, int64_t start_ms,
	    int64_t end_ms, long long max_wait_ms, struct import_result *res);

/* The result as JSON (caller frees). */
cJSON	*import_result_json(const struct import_result *);

/*
 * One kline row as a JSON array: [open_time, open, high, low, close,
 * volume, close_time?, quote_volume?, trades?, ...], values as numbers
 * or strings. Fills out (line = the row's line). Returns 0 or -1 with err.
 */
int	 candle_from_array(const struct jr *row, struct candle *out,
	    char *err, size_t errlen);

/*
 * A Unix time given as decimal digits in seconds, milliseconds or
 * microseconds (told apart by magnitude) into milliseconds. 0 or -1.
 */
int	 import_epoch_ms(const char *s, size_t len, int64_t *ms);

/* "2020-04-30T21:00:00Z" (".123Z" with milliseconds) into buf. */
char	*import_iso(int64_t ms, char *buf, size_t cap);

/* 1 when s is a valid market symbol for the candles table, else 0. */
int	 import_symbol_ok(const char *s);

#endif
