/*
 * import.c: candle files and CEX klines into the candles table (see
 * import.h). This file: checks of a candle, file names, storing, and
 * fetching from the CEX; import_parse.c reads CSV and JSON files
 * (import_int.h).
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

int
import_rfail(struct import_result *r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return -1;
}

void
import_bad_row(struct import_result *r, int line, const char *fmt, ...)
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
int
import_parse_digits(const char *s, size_t len, int64_t *v)
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

	if (import_parse_digits(s, len, &v) == -1)
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
int
import_jr_text(const struct jr *v, const char **s, size_t *len)
{
	if (v == NULL || (v->type != JR_NUM && v->type != JR_STR))
		return -1;
	*s = v->s;
	*len = v->len;
	return 0;
}

const char *const import_ohlcv_names[] = { "open", "high", "low", "close",
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
	if (import_jr_text(v, &s, &len) == -1 || import_epoch_ms(s, len,
	    &t) == -1) {
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
		if (import_jr_text(v, &s, &len) == -1 || candle_set(f[i], s,
		    len)) {
			snprintf(err, errlen,
			    "%s is not a non-negative decimal",
			    import_ohlcv_names[i]);
			return -1;
		}
	}
	if (row->n >= 9) {
		v = v->next->next;	/* skip close time */
		if (v->type != JR_NULL && (import_jr_text(v, &s, &len) == -1 ||
		    candle_set(out->quote_volume, s, len) == -1)) {
			snprintf(err, errlen, "quote volume is not a "
			    "non-negative decimal");
			return -1;
		}
		v = v->next;
		if (v->type != JR_NULL) {
			int64_t	n;

			if (import_jr_text(v, &s, &len) == -1 ||
			    import_parse_digits(s, len, &n) == -1 ||
			        n > 2147483647) {
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

const char *
import_base_name(const char *path)
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
	const char	*b = import_base_name(name), *p = b;
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
int
import_symbol_from_name(const char *name, const struct config *cfg, char *out,
    size_t cap)
{
	const char	*b = import_base_name(name);
	size_t		 i, j;
	int		 k;

	if (cfg != NULL)
		for (k = 0; k < cfg->nmarkets; k++)
			if (cfg->markets[k].cex_symbol != NULL &&
			    has_token(b, cfg->markets[k].cex_symbol)) {
				snprintf(out, cap, "%s",
				    cfg->markets[k].symbol);
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

const char *
import_interval_from_name(const char *name)
{
	static const char *const names[] = { "1s", "1m", "3m", "5m", "15m",
	    "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
	    "1M", NULL };
	const char	*b = import_base_name(name);
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
int
import_parse_day(const char *s, int64_t *ms)
{
	struct tm	tm;
	int64_t		v;
	int		y, m, d;

	if (import_parse_digits(s, 8, &v) == -1)
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

int
import_day_from_name(const char *name, int64_t *ms)
{
	const char	*b = import_base_name(name);

	if (strlen(b) >= 9 && (b[8] == '_' || b[8] == '-' || b[8] == '.'))
		return import_parse_day(b, ms);
	return -1;
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
			snprintf(fc->err, sizeof(fc->err),
			    "klines out of order "
			    "at %" PRId64, rows[i].open_ms);
			return -1;
		}
	if (fc->have_last && rows[0].open_ms <= r->last.open_ms) {
		snprintf(fc->err, sizeof(fc->err),
		    "klines overlap the previous "
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
		return import_rfail(r, "bad market symbol '%s'", symbol);
	if (candle_interval_ms(interval) == 0)
		return import_rfail(r, "unknown interval '%s'", interval);
	snprintf(r->symbol, sizeof(r->symbol), "%s", symbol);
	snprintf(r->interval, sizeof(r->interval), "%s", interval);
	memset(&fc, 0, sizeof(fc));
	fc.db = db;
	fc.r = r;
	if (cex_fetch_klines(c, cex_symbol, interval, start_ms, end_ms,
	    fetch_page, &fc, max_wait_ms, &ce) == -1) {
		if (fc.err[0])
			return import_rfail(r, "%s (after %zu rows stored)",
			    fc.err,
			    r->rows);
		return import_rfail(r, "%s: %s (after %zu rows stored)",
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
		cJSON_AddNumberToObject(g, "missing",
		    (double)r->gaps[i].missing);
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
