/*
 * import_parse.c: candle files as CSV (a header row names the columns)
 * and as JSON (Binance klines arrays or objects), every bad row named by
 * its line (import.h, import_int.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "cex.h"
#include "config.h"
#include "db.h"
#include "import.h"
#include "import_int.h"
#include "jraw.h"

/* --- CSV --- */

enum tfmt { T_EPOCH, T_LEAN_HOUR, T_LEAN_MINUTE };

#define MAX_FIELDS	32

/* Split line (modified in place) at commas; trims blanks. */
static int
split_csv(char *line, char **f, size_t *flen)
{
	int	 n = 0;
	char	*p = line, *e;

	for (;;) {
		char	*comma = strchr(p, ',');

		if (n == MAX_FIELDS)
			return -1;
		e = comma ? comma : p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		f[n] = p;
		flen[n] = (size_t)(e - p);
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return n;
}

/* "yyyyMMdd HH:mm" (or HH:mm:ss) into ms. 0 or -1. */
static int
parse_lean_hour(const char *s, size_t len, int64_t *ms)
{
	int64_t	day, h, mi, sec = 0;

	if ((len != 14 && len != 17) || s[8] != ' ' || s[11] != ':' ||
	    import_parse_day(s, &day) == -1 || import_parse_digits(s + 9, 2,
	        &h) == -1 ||
	    import_parse_digits(s + 12, 2, &mi) == -1 || h > 23 || mi > 59)
		return -1;
	if (len == 17 && (s[14] != ':' || import_parse_digits(s + 15, 2,
	    &sec) == -1 ||
	    sec > 59))
		return -1;
	*ms = day + (h * 3600 + mi * 60 + sec) * 1000;
	return 0;
}

static int
is_digits(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

static int
parse_csv(const char *name, char *text, const struct import_opts *o,
    struct candle **rowsp, size_t *np, struct import_result *r)
{
	char		*line, *next, *f[MAX_FIELDS];
	size_t		 flen[MAX_FIELDS], n = 0, cap = 0;
	struct candle	*rows = NULL, *t;
	int		 lineno = 0, ncols = 0, nf, first = 1, i;
	enum tfmt	 tf = T_EPOCH;
	int64_t		 day = 0;
	char		 e[200];

	for (line = text; line != NULL; line = next) {
		struct candle	c;
		char		*fl[5];

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (lineno == 1 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			line += 3;
		if (line[strspn(line, " \t")] == '\0')
			continue;	/* blank lines, as at the end */
		if ((nf = split_csv(line, f, flen)) == -1) {
			import_bad_row(r, lineno, "more than %d columns",
			    MAX_FIELDS);
			continue;
		}
		/* A header names the columns: the first line, whose first
		 * field is not a time. */
		if (first == 1 && (flen[0] == 0 ||
		    !isdigit((unsigned char)f[0][0]))) {
			first = 2;
			if (nf < 6) {
				free(rows);
				return import_rfail(r,
				    "line %d: a header with %d "
				    "columns; want at least 6 (time, open, "
				    "high, low, close, volume)", lineno, nf);
			}
			continue;
		}
		if (first) {
			first = 0;
			ncols = nf;
			if (parse_lean_hour(f[0], flen[0], &day) == 0) {
				tf = T_LEAN_HOUR;
				r->format = "lean-hour";
			} else if (is_digits(f[0], flen[0]) && flen[0] <= 9) {
				/* Under 10^9: not a Unix time in seconds
				 * or finer, so Lean's ms since midnight. */
				{
					int	bad;

					tf = T_LEAN_MINUTE;
					r->format = "lean-minute";
					bad = o->date != NULL ?
					    import_parse_day(o->date, &day) ||
					    strlen(o->date) != 8 :
					    import_day_from_name(name, &day);
					if (bad) {
						free(rows);
						return import_rfail(r,
						    "line %d: times "
						    "are milliseconds since "
						    "midnight, but the day is "
						    "unknown: name the file "
						    "YYYYMMDD_... or give "
						    "--date YYYYMMDD", lineno);
					}
				}
			}
			if (tf == T_EPOCH)
				r->format = ncols >= 12 ? "binance-csv" : "csv";
		}
		if (nf < 6) {
			import_bad_row(r, lineno,
			    "expected at least 6 columns, got %d",
			    nf);
			continue;
		}
		if (nf != ncols) {
			import_bad_row(r, lineno,
			    "%d columns, but the first row has "
			    "%d", nf, ncols);
			continue;
		}
		memset(&c, 0, sizeof(c));
		c.trades = -1;
		c.line = lineno;
		switch (tf) {
		case T_LEAN_HOUR:
			if (parse_lean_hour(f[0], flen[0], &c.open_ms) == -1) {
				import_bad_row(r, lineno,
				    "time '%.*s' is not yyyyMMdd "
				    "HH:mm", (int)(flen[0] > 40 ? 40 : flen[0]),
				    f[0]);
				continue;
			}
			break;
		case T_LEAN_MINUTE: {
			int64_t	v;

			if (import_parse_digits(f[0], flen[0], &v) == -1 ||
			    v >= 86400000) {
				import_bad_row(r, lineno, "time '%.*s' is not "
				    "milliseconds since midnight",
				    (int)(flen[0] > 40 ? 40 : flen[0]), f[0]);
				continue;
			}
			c.open_ms = day + v;
			break;
		}
		case T_EPOCH:
			if (import_epoch_ms(f[0], flen[0], &c.open_ms) == -1) {
				import_bad_row(r, lineno,
				    "open time '%.*s' is not a "
				    "Unix time in s, ms or us",
				    (int)(flen[0] > 40 ? 40 : flen[0]), f[0]);
				continue;
			}
			break;
		}
		fl[0] = c.open;
		fl[1] = c.high;
		fl[2] = c.low;
		fl[3] = c.close;
		fl[4] = c.volume;
		for (i = 0; i < 5; i++)
			if (candle_set(fl[i], f[i + 1], flen[i + 1]) == -1)
				break;
		if (i < 5) {
			import_bad_row(r, lineno,
			    "%s '%.*s' is not a non-negative "
			    "decimal", import_ohlcv_names[i],
			        (int)(flen[i + 1] > 40 ?
			    40 : flen[i + 1]), f[i + 1]);
			continue;
		}
		if (tf == T_EPOCH && ncols >= 12) {
			int64_t	v;

			if (flen[7] > 0 && candle_set(c.quote_volume, f[7],
			    flen[7]) == -1) {
				import_bad_row(r, lineno,
				    "quote volume '%.*s' is not "
				    "a non-negative decimal",
				        (int)(flen[7] > 40 ?
				    40 : flen[7]), f[7]);
				continue;
			}
			if (flen[8] > 0) {
				if (import_parse_digits(f[8], flen[8],
				    &v) == -1 ||
				    v > 2147483647) {
					import_bad_row(r, lineno,
					    "trade count '%.*s' "
					    "is not a non-negative integer",
					    (int)(flen[8] > 40 ? 40 : flen[8]),
					    f[8]);
					continue;
				}
				c.trades = v;
			}
		}
		if (candle_check(&c, e, sizeof(e)) == -1) {
			import_bad_row(r, lineno, "%s", e);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((t = realloc(rows, cap * sizeof(*rows))) == NULL) {
				free(rows);
				return import_rfail(r, "out of memory");
			}
			rows = t;
		}
		rows[n++] = c;
	}
	*rowsp = rows;
	*np = n;
	return 0;
}

/* --- JSON --- */

static int
parse_json(const char *text, size_t len, struct candle **rowsp, size_t *np,
    struct import_result *r)
{
	struct jr_doc	*d;
	const struct jr	*root, *row, *col[6];
	struct candle	*rows;
	size_t		 n = 0, i;
	char		 e[200];

	if ((d = jr_parse(text, len, e, sizeof(e))) == NULL)
		return import_rfail(r, "not valid JSON: %s", e);
	root = jr_root(d);
	if (root->type == JR_ARR) {
		r->format = "freqtrade-json";
		if ((rows = calloc(root->n ? root->n : 1, sizeof(*rows))) ==
		    NULL) {
			jr_free(&d);
			return import_rfail(r, "out of memory");
		}
		for (row = root->child, i = 0; row != NULL; row = row->next,
		    i++) {
			struct candle	*c = &rows[n];

			if (candle_from_array(row, c, e, sizeof(e)) == -1 ||
			    candle_check(c, e, sizeof(e)) == -1) {
				import_bad_row(r, row->line, "row %zu: %s",
				    i + 1, e);
				continue;
			}
			n++;
		}
	} else if (root->type == JR_OBJ) {
		static const char *const names[6] = { "date", "open", "high",
		    "low", "close", "volume" };
		const struct jr	*m[6];
		int		 k;

		r->format = "pandas-json";
		for (k = 0; k < 6; k++) {
			col[k] = jr_get(root, names[k]);
			if (col[k] == NULL || col[k]->type != JR_OBJ) {
				jr_free(&d);
				return import_rfail(r,
				    "a JSON object, but not pandas "
				    "columns: no \"%s\" object", names[k]);
			}
			if (col[k]->n != col[0]->n) {
				jr_free(&d);
				return import_rfail(r,
				    "pandas columns: \"%s\" has "
				    "%zu rows, \"date\" %zu", names[k],
				    col[k]->n, col[0]->n);
			}
			m[k] = col[k]->child;
		}
		if ((rows = calloc(col[0]->n ? col[0]->n : 1,
		    sizeof(*rows))) == NULL) {
			jr_free(&d);
			return import_rfail(r, "out of memory");
		}
		for (; m[0] != NULL; ) {
			struct candle	*c = &rows[n];
			char		*f[5] = { c->open, c->high, c->low,
					    c->close, c->volume };
			int		 ok = 1, line = m[0]->line;
			const char	*s;
			size_t		 sl;

			memset(c, 0, sizeof(*c));
			c->trades = -1;
			c->line = line;
			for (k = 1; k < 6; k++)
				if (m[k]->keylen != m[0]->keylen ||
				    memcmp(m[k]->key, m[0]->key,
				    m[0]->keylen) != 0)
					ok = 0;
			if (!ok)
				import_bad_row(r, line,
				    "row \"%.*s\": the columns "
				    "are not in the same order",
				    (int)(m[0]->keylen > 20 ? 20 :
				    m[0]->keylen), m[0]->key);
			else if (import_jr_text(m[0], &s, &sl) == -1 ||
			    import_epoch_ms(s, sl, &c->open_ms) == -1)
				import_bad_row(r, line,
				    "date is not a Unix time");
			else {
				for (k = 0; k < 5 && ok; k++)
					if (import_jr_text(m[k + 1], &s,
					    &sl) == -1 ||
					    candle_set(f[k], s, sl) == -1) {
						import_bad_row(r,
						    m[k + 1]->line, "%s "
						    "is not a non-negative "
						    "decimal", names[k + 1]);
						ok = 0;
					}
				if (ok && candle_check(c, e, sizeof(e)) == -1) {
					import_bad_row(r, line, "%s", e);
					ok = 0;
				}
				if (ok)
					n++;
			}
			for (k = 0; k < 6; k++)
				m[k] = m[k]->next;
		}
	} else {
		jr_free(&d);
		return import_rfail(r,
		    "JSON, but neither an array of candles nor "
		    "pandas columns");
	}
	jr_free(&d);
	*rowsp = rows;
	*np = n;
	return 0;
}

static int
cmp_open(const void *a, const void *b)
{
	const struct candle	*x = a, *y = b;

	if (x->open_ms != y->open_ms)
		return x->open_ms < y->open_ms ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int
import_parse(const char *name, const char *text, size_t len,
    const struct import_opts *o, struct candle **rowsp, size_t *np,
    struct import_result *r)
{
	struct candle	*rows = NULL;
	size_t		 n = 0, i, p;
	const char	*iv;
	int64_t		 ivms, mind = 0;
	char		*copy;

	*rowsp = NULL;
	*np = 0;
	snprintf(r->file, sizeof(r->file), "%s", import_base_name(name));
	r->source = "csv";
	if (memchr(text, '\0', len) != NULL)
		return import_rfail(r, "binary file (contains NUL bytes)");
	for (p = 0; p < len && isspace((unsigned char)text[p]); p++)
		;
	if (p == len)
		return import_rfail(r, "empty file");
	if (o->symbol != NULL) {
		if (!import_symbol_ok(o->symbol))
			return import_rfail(r,
			    "bad market symbol '%s' (want BASE/QUOTE"
			    ", as BTC/USDT)", o->symbol);
		snprintf(r->symbol, sizeof(r->symbol), "%s", o->symbol);
	} else if (import_symbol_from_name(name, o->cfg, r->symbol,
	    sizeof(r->symbol)) == -1 || !import_symbol_ok(r->symbol))
		return import_rfail(r,
		    "cannot tell the market from the file name; "
		    "give -s SYMBOL");
	if (text[p] == '[' || text[p] == '{' ||
	    (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 &&
	    (text[3] == '[' || text[3] == '{'))) {
		if (parse_json(text, len, &rows, &n, r) == -1)
			return -1;
	} else {
		if ((copy = malloc(len + 1)) == NULL)
			return import_rfail(r, "out of memory");
		memcpy(copy, text, len);
		copy[len] = '\0';
		if (parse_csv(name, copy, o, &rows, &n, r) == -1) {
			free(copy);
			return -1;
		}
		free(copy);
	}
	if (r->nbad > 0) {
		free(rows);
		return import_rfail(r,
		    "%zu bad row%s, first at line %d: %s; nothing "
		    "stored", r->nbad, r->nbad == 1 ? "" : "s", r->bad[0].line,
		    r->bad[0].msg);
	}
	if (n == 0) {
		free(rows);
		return import_rfail(r, "no candles in the file");
	}
	qsort(rows, n, sizeof(*rows), cmp_open);
	for (i = 1; i < n; i++) {
		int64_t	d = rows[i].open_ms - rows[i - 1].open_ms;

		if (d == 0)
			import_bad_row(r, rows[i].line, "open time %" PRId64 " "
			    "repeats line %d", rows[i].open_ms,
			    rows[i - 1].line);
		else if (mind == 0 || d < mind)
			mind = d;
	}
	if (r->nbad > 0) {
		free(rows);
		return import_rfail(r,
		    "%zu bad row%s, first at line %d: %s; nothing "
		    "stored", r->nbad, r->nbad == 1 ? "" : "s", r->bad[0].line,
		    r->bad[0].msg);
	}
	if (o->interval != NULL) {
		if (candle_interval_ms(o->interval) == 0) {
			free(rows);
			return import_rfail(r, "unknown interval '%s'",
			    o->interval);
		}
		iv = o->interval;
	} else if ((iv = import_interval_from_name(name)) == NULL &&
	    (iv = candle_interval_name(mind)) == NULL) {
		free(rows);
		return import_rfail(r, "cannot tell the interval (rows %" PRId64
		    " ms apart); give --interval", mind);
	}
	ivms = candle_interval_ms(iv);
	if (n > 1 && strcmp(iv, "1M") != 0 && mind < ivms) {
		free(rows);
		return import_rfail(r,
		    "rows are %" PRId64 " ms apart, closer than the "
		    "interval %s", mind, iv);
	}
	snprintf(r->interval, sizeof(r->interval), "%s", iv);
	r->rows = n;
	r->first = rows[0];
	r->last = rows[n - 1];
	candle_gaps(iv, rows, n, r->gaps, IMPORT_MAX_GAPS, &r->ngaps,
	    &r->missing);
	*rowsp = rows;
	*np = n;
	return 0;
}

int
import_file(struct db *db, const char *path, const struct import_opts *o,
    struct import_result *r)
{
	FILE		*f;
	struct stat	 st;
	char		*text, err[512];
	size_t		 len, n;
	struct candle	*rows;
	int		 rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", import_base_name(path));
	if ((f = fopen(path, "r")) == NULL)
		return import_rfail(r, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return import_rfail(r, "%s: not a regular file", path);
	}
	if (st.st_size > IMPORT_MAX_FILE) {
		fclose(f);
		return import_rfail(r, "%s: larger than %d MiB", path,
		    IMPORT_MAX_FILE >> 20);
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return import_rfail(r, "out of memory");
	}
	len = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[len] = '\0';
	rc = import_parse(path, text, len, o, &rows, &n, r);
	free(text);
	if (rc == -1)
		return -1;
	if (!o->dry_run) {
		if (candles_store(db, r->symbol, r->interval, "csv", rows, n,
		    &r->inserted, err, sizeof(err)) == -1) {
			free(rows);
			return import_rfail(r, "%s; nothing stored", err);
		}
		r->existing = n - r->inserted;
	}
	free(rows);
	return 0;
}
