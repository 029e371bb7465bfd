/*
 * import.c: candle files and CEX klines into the candles table (see
 * import.h).
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
#include "jraw.h"

static int
rfail(struct import_result *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return -1;
}

static void
bad_row(struct import_result *r, int line, const char *fmt, ...)
{
	va_list	ap;

	if (r->nbad < IMPORT_MAX_BAD) {
		r->bad[r->nbad].line = line;
		va_start(ap, fmt);
		vsnprintf(r->bad[r->nbad].msg, sizeof(r->bad[r->nbad].msg),
		    fmt, ap);
		va_end(ap);
	}
	r->nbad++;
}

char *
import_iso(int64_t ms, char *buf, size_t cap)
{
	time_t		s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm	tm;
	int		frac = (int)(ms - (int64_t)s * 1000);

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, cap, "?");
		return buf;
	}
	if (frac)
		snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, frac);
	else
		snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	return buf;
}

int
import_symbol_ok(const char *s)
{
	const char	*slash;
	size_t		 i, a, b;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return 0;
	a = (size_t)(slash - s);
	b = strlen(slash + 1);
	if (a < 1 || a > 32 || b < 1 || b > 32)
		return 0;
	for (i = 0; s[i]; i++) {
		if (i == a)
			continue;
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Digits only, at most 19, into *v. 0 or -1. */
static int
parse_digits(const char *s, size_t len, int64_t *v)
{
	int64_t	x = 0;
	size_t	i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int
import_epoch_ms(const char *s, size_t len, int64_t *ms)
{
	int64_t	v;

	if (parse_digits(s, len, &v) == -1)
		return -1;
	if (v >= 100000000000000LL)		/* microseconds */
		*ms = v / 1000;
	else if (v >= 100000000000LL)		/* milliseconds */
		*ms = v;
	else if (v >= 1000000000LL)		/* seconds */
		*ms = v * 1000;
	else
		return -1;
	return 0;
}

/* The text of a scalar JSON value (number or string) for a field. */
static int
jr_text(const struct jr *v, const char **s, size_t *len)
{
	if (v == NULL || (v->type != JR_NUM && v->type != JR_STR))
		return -1;
	*s = v->s;
	*len = v->len;
	return 0;
}

static const char *const ohlcv_names[] = { "open", "high", "low", "close",
	"volume" };

int
candle_from_array(const struct jr *row, struct candle *out, char *err,
    size_t errlen)
{
	const struct jr	*v;
	const char	*s;
	size_t		 len, i;
	char		*f[5];
	int64_t		 t;

	memset(out, 0, sizeof(*out));
	out->trades = -1;
	if (row == NULL || row->type != JR_ARR) {
		snprintf(err, errlen, "not an array");
		return -1;
	}
	out->line = row->line;
	if (row->n < 6) {
		snprintf(err, errlen, "expected at least 6 values, got %zu",
		    row->n);
		return -1;
	}
	v = row->child;
	if (jr_text(v, &s, &len) == -1 || import_epoch_ms(s, len, &t) == -1) {
		snprintf(err, errlen, "open time is not a Unix time in s, ms "
		    "or us");
		return -1;
	}
	out->open_ms = t;
	f[0] = out->open;
	f[1] = out->high;
	f[2] = out->low;
	f[3] = out->close;
	f[4] = out->volume;
	for (i = 0; i < 5; i++) {
		v = v->next;
		if (jr_text(v, &s, &len) == -1 || candle_set(f[i], s, len)) {
			snprintf(err, errlen, "%s is not a non-negative decimal",
			    ohlcv_names[i]);
			return -1;
		}
	}
	if (row->n >= 9) {
		v = v->next->next;	/* skip close time */
		if (v->type != JR_NULL && (jr_text(v, &s, &len) == -1 ||
		    candle_set(out->quote_volume, s, len) == -1)) {
			snprintf(err, errlen, "quote volume is not a "
			    "non-negative decimal");
			return -1;
		}
		v = v->next;
		if (v->type != JR_NULL) {
			int64_t	n;

			if (jr_text(v, &s, &len) == -1 ||
			    parse_digits(s, len, &n) == -1 || n > 2147483647) {
				snprintf(err, errlen, "trade count is not a "
				    "non-negative integer");
				return -1;
			}
			out->trades = n;
		}
	}
	return 0;
}

/* --- file names: symbol, interval, day --- */

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* 1 when needle occurs in hay, ignoring case, as a whole token (bounded
 * by non-alphanumerics). */
static int
has_token(const char *hay, const char *needle)
{
	size_t		 n = strlen(needle);
	const char	*p;

	if (n == 0)
		return 0;
	for (p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0 &&
		    (p == hay || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return 1;
	return 0;
}

/* An exchange symbol in the name ("ADABTC-1m-...", "..._btcbusd_...")
 * split at a well-known quote asset. 0 or -1. */
static int
symbol_from_pair_token(const char *name, char *out, size_t cap)
{
	static const char *const quotes[] = { "USDT", "BUSD", "USDC", "FDUSD",
	    "TUSD", "BTC", "ETH", "BNB", NULL };
	const char	*b = base_name(name), *p = b;
	char		 tok[40];
	size_t		 n, i, q;

	while (*p) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		for (n = 0; isalnum((unsigned char)p[n]); n++)
			;
		if (n >= 5 && n < sizeof(tok)) {
			for (i = 0; i < n; i++)
				tok[i] = (char)toupper((unsigned char)p[i]);
			tok[n] = '\0';
			for (q = 0; quotes[q] != NULL; q++) {
				size_t	ql = strlen(quotes[q]);

				if (n > ql + 1 && strcmp(tok + n - ql,
				    quotes[q]) == 0 && strspn(tok,
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n &&
				    !isdigit((unsigned char)tok[0])) {
					snprintf(out, cap, "%.*s/%s",
					    (int)(n - ql), tok, quotes[q]);
					return 0;
				}
			}
		}
		p += n;
	}
	return -1;
}

/* The market from a file name: a configured cex_symbol in it, an
 * exchange symbol (ADABTC), or freqtrade's BASE_QUOTE-... 0 or -1. */
static int
symbol_from_name(const char *name, const struct config *cfg, char *out,
    size_t cap)
{
	const char	*b = base_name(name);
	size_t		 i, j;
	int		 k;

	if (cfg != NULL)
		for (k = 0; k < cfg->nmarkets; k++)
			if (cfg->markets[k].cex_symbol != NULL &&
			    has_token(b, cfg->markets[k].cex_symbol)) {
				snprintf(out, cap, "%s", cfg->markets[k].symbol);
				return 0;
			}
	if (symbol_from_pair_token(name, out, cap) == 0)
		return 0;
	/* freqtrade: BASE_QUOTE-1m.json, BASE_QUOTE_SETTLE-5m-futures.json */
	for (i = 0; isalnum((unsigned char)b[i]); i++)
		;
	if (i == 0 || b[i] != '_')
		return -1;
	for (j = i + 1; isalnum((unsigned char)b[j]); j++)
		;
	if (j == i + 1 || (b[j] != '-' && b[j] != '_'))
		return -1;
	if (b[j] == '_') {
		size_t	m = j + 1;

		while (isalnum((unsigned char)b[m]))
			m++;
		if (b[m] != '-')
			return -1;
	}
	if (i > 32 || j - i - 1 > 32)
		return -1;
	snprintf(out, cap, "%.*s/%.*s", (int)i, b, (int)(j - i - 1), b + i + 1);
	return 0;
}

static const char *
interval_from_name(const char *name)
{
	static const char *const names[] = { "1s", "1m", "3m", "5m", "15m",
	    "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
	    "1M", NULL };
	const char	*b = base_name(name);
	int		 i;

	for (i = 0; names[i] != NULL; i++) {
		size_t		 n = strlen(names[i]);
		const char	*p;

		/* Case matters: 1m is a minute, 1M a month. */
		for (p = b; (p = strstr(p, names[i])) != NULL; p++)
			if ((p == b || p[-1] == '-' || p[-1] == '_' ||
			    p[-1] == '.') && (p[n] == '-' || p[n] == '_' ||
			    p[n] == '.' || p[n] == '\0'))
				return names[i];
	}
	if (has_token(b, "minute"))
		return "1m";
	if (has_token(b, "hour"))
		return "1h";
	if (has_token(b, "daily") || has_token(b, "day"))
		return "1d";
	return NULL;
}

/* Midnight UTC of "YYYYMMDD" at s. 0 or -1. */
static int
parse_day(const char *s, int64_t *ms)
{
	struct tm	tm;
	int64_t		v;
	int		y, m, d;

	if (parse_digits(s, 8, &v) == -1)
		return -1;
	y = (int)(v / 10000);
	m = (int)(v / 100 % 100);
	d = (int)(v % 100);
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*ms = (int64_t)timegm(&tm) * 1000;
	/* timegm normalises 31 February: refuse it. */
	{
		time_t		 t = (time_t)(*ms / 1000);
		struct tm	 back;

		gmtime_r(&t, &back);
		if (back.tm_mday != d)
			return -1;
	}
	return 0;
}

static int
day_from_name(const char *name, int64_t *ms)
{
	const char	*b = base_name(name);

	if (strlen(b) >= 9 && (b[8] == '_' || b[8] == '-' || b[8] == '.'))
		return parse_day(b, ms);
	return -1;
}

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
	    parse_day(s, &day) == -1 || parse_digits(s + 9, 2, &h) == -1 ||
	    parse_digits(s + 12, 2, &mi) == -1 || h > 23 || mi > 59)
		return -1;
	if (len == 17 && (s[14] != ':' || parse_digits(s + 15, 2, &sec) == -1 ||
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
			bad_row(r, lineno, "more than %d columns", MAX_FIELDS);
			continue;
		}
		/* A header names the columns: the first line, whose first
		 * field is not a time. */
		if (first == 1 && (flen[0] == 0 ||
		    !isdigit((unsigned char)f[0][0]))) {
			first = 2;
			if (nf < 6) {
				free(rows);
				return rfail(r, "line %d: a header with %d "
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
					tf = T_LEAN_MINUTE;
					r->format = "lean-minute";
					if ((o->date != NULL ? parse_day(o->date,
					    &day) : day_from_name(name, &day)) ||
					    (o->date != NULL &&
					    strlen(o->date) != 8)) {
						free(rows);
						return rfail(r, "line %d: times "
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
			bad_row(r, lineno, "expected at least 6 columns, got %d",
			    nf);
			continue;
		}
		if (nf != ncols) {
			bad_row(r, lineno, "%d columns, but the first row has "
			    "%d", nf, ncols);
			continue;
		}
		memset(&c, 0, sizeof(c));
		c.trades = -1;
		c.line = lineno;
		switch (tf) {
		case T_LEAN_HOUR:
			if (parse_lean_hour(f[0], flen[0], &c.open_ms) == -1) {
				bad_row(r, lineno, "time '%.*s' is not yyyyMMdd "
				    "HH:mm", (int)(flen[0] > 40 ? 40 : flen[0]),
				    f[0]);
				continue;
			}
			break;
		case T_LEAN_MINUTE: {
			int64_t	v;

			if (parse_digits(f[0], flen[0], &v) == -1 ||
			    v >= 86400000) {
				bad_row(r, lineno, "time '%.*s' is not "
				    "milliseconds since midnight",
				    (int)(flen[0] > 40 ? 40 : flen[0]), f[0]);
				continue;
			}
			c.open_ms = day + v;
			break;
		}
		case T_EPOCH:
			if (import_epoch_ms(f[0], flen[0], &c.open_ms) == -1) {
				bad_row(r, lineno, "open time '%.*s' is not a "
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
			bad_row(r, lineno, "%s '%.*s' is not a non-negative "
			    "decimal", ohlcv_names[i], (int)(flen[i + 1] > 40 ?
			    40 : flen[i + 1]), f[i + 1]);
			continue;
		}
		if (tf == T_EPOCH && ncols >= 12) {
			int64_t	v;

			if (flen[7] > 0 && candle_set(c.quote_volume, f[7],
			    flen[7]) == -1) {
				bad_row(r, lineno, "quote volume '%.*s' is not "
				    "a non-negative decimal", (int)(flen[7] > 40 ?
				    40 : flen[7]), f[7]);
				continue;
			}
			if (flen[8] > 0) {
				if (parse_digits(f[8], flen[8], &v) == -1 ||
				    v > 2147483647) {
					bad_row(r, lineno, "trade count '%.*s' "
					    "is not a non-negative integer",
					    (int)(flen[8] > 40 ? 40 : flen[8]),
					    f[8]);
					continue;
				}
				c.trades = v;
			}
		}
		if (candle_check(&c, e, sizeof(e)) == -1) {
			bad_row(r, lineno, "%s", e);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((t = realloc(rows, cap * sizeof(*rows))) == NULL) {
				free(rows);
				return rfail(r, "out of memory");
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
		return rfail(r, "not valid JSON: %s", e);
	root = jr_root(d);
	if (root->type == JR_ARR) {
		r->format = "freqtrade-json";
		if ((rows = calloc(root->n ? root->n : 1, sizeof(*rows))) ==
		    NULL) {
			jr_free(&d);
			return rfail(r, "out of memory");
		}
		for (row = root->child, i = 0; row != NULL; row = row->next,
		    i++) {
			struct candle	*c = &rows[n];

			if (candle_from_array(row, c, e, sizeof(e)) == -1 ||
			    candle_check(c, e, sizeof(e)) == -1) {
				bad_row(r, row->line, "row %zu: %s", i + 1, e);
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
				return rfail(r, "a JSON object, but not pandas "
				    "columns: no \"%s\" object", names[k]);
			}
			if (col[k]->n != col[0]->n) {
				jr_free(&d);
				return rfail(r, "pandas columns: \"%s\" has "
				    "%zu rows, \"date\" %zu", names[k],
				    col[k]->n, col[0]->n);
			}
			m[k] = col[k]->child;
		}
		if ((rows = calloc(col[0]->n ? col[0]->n : 1,
		    sizeof(*rows))) == NULL) {
			jr_free(&d);
			return rfail(r, "out of memory");
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
				bad_row(r, line, "row \"%.*s\": the columns "
				    "are not in the same order",
				    (int)(m[0]->keylen > 20 ? 20 :
				    m[0]->keylen), m[0]->key);
			else if (jr_text(m[0], &s, &sl) == -1 ||
			    import_epoch_ms(s, sl, &c->open_ms) == -1)
				bad_row(r, line, "date is not a Unix time");
			else {
				for (k = 0; k < 5 && ok; k++)
					if (jr_text(m[k + 1], &s, &sl) == -1 ||
					    candle_set(f[k], s, sl) == -1) {
						bad_row(r, m[k + 1]->line, "%s "
						    "is not a non-negative "
						    "decimal", names[k + 1]);
						ok = 0;
					}
				if (ok && candle_check(c, e, sizeof(e)) == -1) {
					bad_row(r, line, "%s", e);
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
		return rfail(r, "JSON, but neither an array of candles nor "
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
	snprintf(r->file, sizeof(r->file), "%s", base_name(name));
	r->source = "csv";
	if (memchr(text, '\0', len) != NULL)
		return rfail(r, "binary file (contains NUL bytes)");
	for (p = 0; p < len && isspace((unsigned char)text[p]); p++)
		;
	if (p == len)
		return rfail(r, "empty file");
	if (o->symbol != NULL) {
		if (!import_symbol_ok(o->symbol))
			return rfail(r, "bad market symbol '%s' (want BASE/QUOTE"
			    ", as BTC/USDT)", o->symbol);
		snprintf(r->symbol, sizeof(r->symbol), "%s", o->symbol);
	} else if (symbol_from_name(name, o->cfg, r->symbol,
	    sizeof(r->symbol)) == -1 || !import_symbol_ok(r->symbol))
		return rfail(r, "cannot tell the market from the file name; "
		    "give -s SYMBOL");
	if (text[p] == '[' || text[p] == '{' ||
	    (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 &&
	    (text[3] == '[' || text[3] == '{'))) {
		if (parse_json(text, len, &rows, &n, r) == -1)
			return -1;
	} else {
		if ((copy = malloc(len + 1)) == NULL)
			return rfail(r, "out of memory");
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
		return rfail(r, "%zu bad row%s, first at line %d: %s; nothing "
		    "stored", r->nbad, r->nbad == 1 ? "" : "s", r->bad[0].line,
		    r->bad[0].msg);
	}
	if (n == 0) {
		free(rows);
		return rfail(r, "no candles in the file");
	}
	qsort(rows, n, sizeof(*rows), cmp_open);
	for (i = 1; i < n; i++) {
		int64_t	d = rows[i].open_ms - rows[i - 1].open_ms;

		if (d == 0)
			bad_row(r, rows[i].line, "open time %" PRId64 " "
			    "repeats line %d", rows[i].open_ms,
			    rows[i - 1].line);
		else if (mind == 0 || d < mind)
			mind = d;
	}
	if (r->nbad > 0) {
		free(rows);
		return rfail(r, "%zu bad row%s, first at line %d: %s; nothing "
		    "stored", r->nbad, r->nbad == 1 ? "" : "s", r->bad[0].line,
		    r->bad[0].msg);
	}
	if (o->interval != NULL) {
		if (candle_interval_ms(o->interval) == 0) {
			free(rows);
			return rfail(r, "unknown interval '%s'", o->interval);
		}
		iv = o->interval;
	} else if ((iv = interval_from_name(name)) == NULL &&
	    (iv = candle_interval_name(mind)) == NULL) {
		free(rows);
		return rfail(r, "cannot tell the interval (rows %" PRId64
		    " ms apart); give --interval", mind);
	}
	ivms = candle_interval_ms(iv);
	if (n > 1 && strcmp(iv, "1M") != 0 && mind < ivms) {
		free(rows);
		return rfail(r, "rows are %" PRId64 " ms apart, closer than the "
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
	snprintf(r->file, sizeof(r->file), "%s", base_name(path));
	if ((f = fopen(path, "r")) == NULL)
		return rfail(r, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return rfail(r, "%s: not a regular file", path);
	}
	if (st.st_size > IMPORT_MAX_FILE) {
		fclose(f);
		return rfail(r, "%s: larger than %d MiB", path,
		    IMPORT_MAX_FILE >> 20);
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return rfail(r, "out of memory");
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
			return rfail(r, "%s; nothing stored", err);
		}
		r->existing = n - r->inserted;
	}
	free(rows);
	return 0;
}

/* --- fetch --- */

struct fetch_ctx {
	struct db		*db;
	struct import_result	*r;
	int			 have_last;
	char			 err[512];
};

static int
fetch_page(void *arg, const struct candle *rows, size_t n)
{
	struct fetch_ctx	*fc = arg;
	struct import_result	*r = fc->r;
	size_t			 ins = 0, ng, i;
	long			 miss;
	struct candle		 two[2];

	for (i = 1; i < n; i++)
		if (rows[i].open_ms <= rows[i - 1].open_ms) {
			snprintf(fc->err, sizeof(fc->err), "klines out of order "
			    "at %" PRId64, rows[i].open_ms);
			return -1;
		}
	if (fc->have_last && rows[0].open_ms <= r->last.open_ms) {
		snprintf(fc->err, sizeof(fc->err), "klines overlap the previous "
		    "page at %" PRId64, rows[0].open_ms);
		return -1;
	}
	if (candles_store(fc->db, r->symbol, r->interval, "cex", rows, n, &ins,
	    fc->err, sizeof(fc->err)) == -1)
		return -1;
	r->inserted += ins;
	r->existing += n - ins;
	if (!fc->have_last)
		r->first = rows[0];
	else {
		/* A gap across the page boundary. */
		two[0] = r->last;
		two[1] = rows[0];
		candle_gaps(r->interval, two, 2, r->ngaps < IMPORT_MAX_GAPS ?
		    &r->gaps[r->ngaps] : NULL, r->ngaps < IMPORT_MAX_GAPS,
		    &ng, &miss);
		r->ngaps += ng;
		r->missing += miss;
	}
	{
		struct candle_gap	g[IMPORT_MAX_GAPS];
		size_t			k;

		candle_gaps(r->interval, rows, n, g, IMPORT_MAX_GAPS, &ng,
		    &miss);
		for (k = 0; k < ng && k < IMPORT_MAX_GAPS; k++)
			if (r->ngaps + k < IMPORT_MAX_GAPS)
				r->gaps[r->ngaps + k] = g[k];
		r->ngaps += ng;
		r->missing += miss;
	}
	r->last = rows[n - 1];
	r->rows += n;
	fc->have_last = 1;
	return 0;
}

int
import_fetch(struct db *db, struct cex *c, const char *symbol,
    const char *cex_symbol, const char *interval, int64_t start_ms,
    int64_t end_ms, long long max_wait_ms, struct import_result *r)
{
	struct fetch_ctx	fc;
	struct cex_error	ce;

	memset(r, 0, sizeof(*r));
	r->format = "binance-rest";
	r->source = "cex";
	snprintf(r->file, sizeof(r->file), "%s", cex_symbol);
	if (!import_symbol_ok(symbol))
		return rfail(r, "bad market symbol '%s'", symbol);
	if (candle_interval_ms(interval) == 0)
		return rfail(r, "unknown interval '%s'", interval);
	snprintf(r->symbol, sizeof(r->symbol), "%s", symbol);
	snprintf(r->interval, sizeof(r->interval), "%s", interval);
	memset(&fc, 0, sizeof(fc));
	fc.db = db;
	fc.r = r;
	if (cex_fetch_klines(c, cex_symbol, interval, start_ms, end_ms,
	    fetch_page, &fc, max_wait_ms, &ce) == -1) {
		if (fc.err[0])
			return rfail(r, "%s (after %zu rows stored)", fc.err,
			    r->rows);
		return rfail(r, "%s: %s (after %zu rows stored)",
		    cex_err_kind_name(ce.kind), ce.message, r->rows);
	}
	return 0;
}

static cJSON *
candle_json(const struct candle *c)
{
	cJSON	*o = cJSON_CreateObject();
	char	 t[40];

	cJSON_AddStringToObject(o, "open_time", import_iso(c->open_ms, t,
	    sizeof(t)));
	cJSON_AddNumberToObject(o, "open_ms", (double)c->open_ms);
	cJSON_AddStringToObject(o, "open", c->open);
	cJSON_AddStringToObject(o, "high", c->high);
	cJSON_AddStringToObject(o, "low", c->low);
	cJSON_AddStringToObject(o, "close", c->close);
	cJSON_AddStringToObject(o, "volume", c->volume);
	return o;
}

cJSON *
import_result_json(const struct import_result *r)
{
	cJSON	*o = cJSON_CreateObject(), *a, *g;
	char	 t[40];
	size_t	 i;

	cJSON_AddBoolToObject(o, "ok", r->error[0] == '\0');
	cJSON_AddStringToObject(o, "file", r->file);
	cJSON_AddStringToObject(o, "symbol", r->symbol);
	cJSON_AddStringToObject(o, "interval", r->interval);
	cJSON_AddStringToObject(o, "format", r->format ? r->format : "");
	cJSON_AddStringToObject(o, "source", r->source ? r->source : "");
	cJSON_AddNumberToObject(o, "rows", (double)r->rows);
	cJSON_AddNumberToObject(o, "inserted", (double)r->inserted);
	cJSON_AddNumberToObject(o, "existing", (double)r->existing);
	if (r->rows > 0) {
		cJSON_AddItemToObject(o, "first", candle_json(&r->first));
		cJSON_AddItemToObject(o, "last", candle_json(&r->last));
	}
	cJSON_AddNumberToObject(o, "gaps", (double)r->ngaps);
	cJSON_AddNumberToObject(o, "missing", (double)r->missing);
	a = cJSON_AddArrayToObject(o, "gap_list");
	for (i = 0; i < r->ngaps && i < IMPORT_MAX_GAPS; i++) {
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "after", import_iso(
		    r->gaps[i].after_ms, t, sizeof(t)));
		cJSON_AddStringToObject(g, "before", import_iso(
		    r->gaps[i].before_ms, t, sizeof(t)));
		cJSON_AddNumberToObject(g, "missing", (double)r->gaps[i].missing);
		cJSON_AddItemToArray(a, g);
	}
	cJSON_AddNumberToObject(o, "bad_rows", (double)r->nbad);
	a = cJSON_AddArrayToObject(o, "bad");
	for (i = 0; i < r->nbad && i < IMPORT_MAX_BAD; i++) {
		g = cJSON_CreateObject();
		cJSON_AddNumberToObject(g, "line", r->bad[i].line);
		cJSON_AddStringToObject(g, "error", r->bad[i].msg);
		cJSON_AddItemToArray(a, g);
	}
	if (r->error[0])
		cJSON_AddStringToObject(o, "error", r->error);
	return o;
}
