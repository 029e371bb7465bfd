/*
 * candles.c: candle intervals, checks, gaps, storage and the 1-minute
 * builder (see candles.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candles.h"
#include "db.h"

static const struct {
	const char	*name;
	int64_t		 ms;
} intervals[] = {
	{ "1s", 1000LL }, { "1m", 60000LL }, { "3m", 180000LL },
	{ "5m", 300000LL }, { "15m", 900000LL }, { "30m", 1800000LL },
	{ "1h", 3600000LL }, { "2h", 7200000LL }, { "4h", 14400000LL },
	{ "6h", 21600000LL }, { "8h", 28800000LL }, { "12h", 43200000LL },
	{ "1d", 86400000LL }, { "3d", 259200000LL }, { "1w", 604800000LL },
	{ "1M", 2592000000LL },
	{ NULL, 0 }
};

/* Rows per INSERT statement: big enough to be fast, small enough for the
 * statement timeout and the server's parameter size. */
#define STORE_BATCH	5000

int64_t
candle_interval_ms(const char *interval)
{
	int	i;

	if (interval == NULL)
		return 0;
	for (i = 0; intervals[i].name != NULL; i++)
		if (strcmp(intervals[i].name, interval) == 0)
			return intervals[i].ms;
	return 0;
}

const char *
candle_interval_name(int64_t ms)
{
	int	i;

	/* "1M" is not a fixed length: never inferred from spacing. */
	for (i = 0; intervals[i].name != NULL; i++)
		if (intervals[i].ms == ms && strcmp(intervals[i].name, "1M"))
			return intervals[i].name;
	return NULL;
}

int64_t
candle_next_open(const char *interval, int64_t t)
{
	if (strcmp(interval, "1M") == 0) {
		time_t		s = (time_t)(t / 1000);
		struct tm	tm;

		gmtime_r(&s, &tm);
		tm.tm_mon++;
		return (int64_t)timegm(&tm) * 1000 + t % 1000;
	}
	return t + candle_interval_ms(interval);
}

int
candle_set(char field[CANDLE_DEC], const char *s, size_t len)
{
	return dec_normalize(s, len, field, CANDLE_DEC);
}

static int
cerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
candle_check(const struct candle *c, char *err, size_t errlen)
{
	if (!c->open[0] || !c->high[0] || !c->low[0] || !c->close[0] ||
	    !c->volume[0])
		return cerr(err, errlen, "a price or the volume is missing");
	if (c->open_ms < 0)
		return cerr(err, errlen, "open time before 1970");
	if (dec_is_zero(c->low))
		return cerr(err, errlen, "low is zero");
	if (dec_cmp(c->low, c->open) > 0 || dec_cmp(c->low, c->close) > 0)
		return cerr(err, errlen, "low %s is above open %s or close %s",
		    c->low, c->open, c->close);
	if (dec_cmp(c->high, c->open) < 0 || dec_cmp(c->high, c->close) < 0)
		return cerr(err, errlen, "high %s is below open %s or close %s",
		    c->high, c->open, c->close);
	if (c->trades < -1)
		return cerr(err, errlen, "negative trade count");
	return 0;
}

void
candle_gaps(const char *interval, const struct candle *rows, size_t n,
    struct candle_gap *gaps, size_t max, size_t *ngaps, long *missing)
{
	int64_t	 iv = candle_interval_ms(interval);
	size_t	 i;

	*ngaps = 0;
	*missing = 0;
	if (iv <= 0)
		return;
	for (i = 1; i < n; i++) {
		int64_t	 prev = rows[i - 1].open_ms, cur = rows[i].open_ms;
		int64_t	 exp = candle_next_open(interval, prev);
		long	 m = 0;

		if (cur <= exp)
			continue;
		if (strcmp(interval, "1M") == 0) {
			while (exp < cur && m < 100000) {
				m++;
				exp = candle_next_open(interval, exp);
			}
		} else
			m = (long)((cur - prev) / iv - 1);
		if (m <= 0)
			m = 1;	/* off-grid spacing counts as one gap */
		if (*ngaps < max) {
			gaps[*ngaps].after_ms = prev;
			gaps[*ngaps].before_ms = cur;
			gaps[*ngaps].missing = m;
		}
		(*ngaps)++;
		*missing += m;
	}
}

/* --- storage --- */

struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 oom;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char	*t;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t	cap = (b->len + n + 1) * 2;

		if ((t = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* The arrays of one batch, as PostgreSQL array literals. */
enum { A_TIME, A_OPEN, A_HIGH, A_LOW, A_CLOSE, A_VOL, A_QVOL, A_TRADES,
	A_N };

static void
build_arrays(struct sbuf a[A_N], const struct candle *rows, size_t n)
{
	size_t	i;
	int	k;
	char	num[32];

	for (k = 0; k < A_N; k++)
		sb_str(&a[k], "{");
	for (i = 0; i < n; i++) {
		const struct candle	*c = &rows[i];
		const char		*sep = i ? "," : "";

		snprintf(num, sizeof(num), "%s%" PRId64, sep, c->open_ms);
		sb_str(&a[A_TIME], num);
		sb_str(&a[A_OPEN], sep);
		sb_str(&a[A_OPEN], c->open);
		sb_str(&a[A_HIGH], sep);
		sb_str(&a[A_HIGH], c->high);
		sb_str(&a[A_LOW], sep);
		sb_str(&a[A_LOW], c->low);
		sb_str(&a[A_CLOSE], sep);
		sb_str(&a[A_CLOSE], c->close);
		sb_str(&a[A_VOL], sep);
		sb_str(&a[A_VOL], c->volume);
		sb_str(&a[A_QVOL], sep);
		sb_str(&a[A_QVOL], c->quote_volume[0] ? c->quote_volume :
		    "NULL");
		if (c->trades >= 0)
			snprintf(num, sizeof(num), "%s%lld", sep, c->trades);
		else
			snprintf(num, sizeof(num), "%sNULL", sep);
		sb_str(&a[A_TRADES], num);
	}
	for (k = 0; k < A_N; k++)
		sb_str(&a[k], "}");
}

#define INSERT_HEAD							\
	"INSERT INTO candles (symbol, interval, open_time, open, high, "	\
	"low, close, volume, quote_volume, trades, source) "		\
	"SELECT $1, $2, 'epoch'::timestamptz + t * interval '1 millisecond', " \
	"o, h, l, c, v, qv, tr, $3 FROM unnest($4::bigint[], $5::numeric[], " \
	"$6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], "	\
	"$10::numeric[], $11::integer[]) AS u(t, o, h, l, c, v, qv, tr) "

static const char sql_insert[] =
    "WITH ins AS (" INSERT_HEAD
    "ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins";

static const char sql_upsert_dex[] =
    INSERT_HEAD
    "ON CONFLICT (symbol, interval, open_time) DO UPDATE SET "
    "high = GREATEST(candles.high, EXCLUDED.high), "
    "low = LEAST(candles.low, EXCLUDED.low), "
    "close = EXCLUDED.close, volume = candles.volume + EXCLUDED.volume "
    "WHERE candles.source = 'dex'";

static int
store_batches(struct db *db, const char *sql, const char *symbol,
    const char *interval, const char *source, const struct candle *rows,
    size_t n, size_t *inserted, char *err, size_t errlen)
{
	size_t	 off, m;
	int	 k, rc = 0;

	if (inserted != NULL)
		*inserted = 0;
	if (db_begin(db) == -1)
		return cerr(err, errlen, "database: %s", db_error(db));
	for (off = 0; off < n && rc == 0; off += m) {
		struct sbuf	 a[A_N];
		const char	*p[3 + A_N];
		PGresult	*res;

		m = n - off < STORE_BATCH ? n - off : STORE_BATCH;
		memset(a, 0, sizeof(a));
		build_arrays(a, rows + off, m);
		for (k = 0; k < A_N; k++)
			if (a[k].oom)
				rc = cerr(err, errlen, "out of memory");
		if (rc == 0) {
			p[0] = symbol;
			p[1] = interval;
			p[2] = source;
			for (k = 0; k < A_N; k++)
				p[3 + k] = a[k].s;
			if ((res = db_query(db, sql, 3 + A_N, p)) == NULL)
				rc = cerr(err, errlen, "database: %s",
				    db_error(db));
			else {
				if (inserted != NULL && PQntuples(res) == 1)
					*inserted += strtoul(PQgetvalue(res, 0,
					    0), NULL, 10);
				PQclear(res);
			}
		}
		for (k = 0; k < A_N; k++)
			free(a[k].s);
	}
	if (rc == -1) {
		db_rollback(db);
		if (inserted != NULL)
			*inserted = 0;
		return -1;
	}
	if (db_commit(db) == -1) {
		db_rollback(db);
		if (inserted != NULL)
			*inserted = 0;
		return cerr(err, errlen, "database: %s", db_error(db));
	}
	return 0;
}

int
candles_store(struct db *db, const char *symbol, const char *interval,
    const char *source, const struct candle *rows, size_t n,
    size_t *inserted, char *err, size_t errlen)
{
	return store_batches(db, sql_insert, symbol, interval, source, rows,
	    n, inserted, err, errlen);
}

int
candles_store_dex(struct db *db, const char *symbol,
    const struct candle *rows, size_t n, char *err, size_t errlen)
{
	return store_batches(db, sql_upsert_dex, symbol, "1m", "dex", rows,
	    n, NULL, err, errlen);
}

/* The interval of each candle_interval value, for gap detection. */
#define STEP_SQL							\
	"CASE interval WHEN '1s' THEN interval '1 second' "		\
	"WHEN '1m' THEN interval '1 minute' WHEN '3m' THEN interval '3 minutes' " \
	"WHEN '5m' THEN interval '5 minutes' WHEN '15m' THEN interval '15 minutes' " \
	"WHEN '30m' THEN interval '30 minutes' WHEN '1h' THEN interval '1 hour' " \
	"WHEN '2h' THEN interval '2 hours' WHEN '4h' THEN interval '4 hours' " \
	"WHEN '6h' THEN interval '6 hours' WHEN '8h' THEN interval '8 hours' " \
	"WHEN '12h' THEN interval '12 hours' WHEN '1d' THEN interval '1 day' " \
	"WHEN '3d' THEN interval '3 days' WHEN '1w' THEN interval '7 days' " \
	"ELSE interval '1 month' END"

#define ISO(x)	"to_char(" x " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char sql_ranges[] =
    "SELECT symbol, interval, " ISO("min(open_time)") ", "
    ISO("max(open_time)") ", count(*), "
    "count(*) FILTER (WHERE prev IS NOT NULL AND open_time > prev + step), "
    "coalesce(sum(CASE WHEN prev IS NOT NULL AND open_time > prev + step "
    "THEN greatest(round(extract(epoch FROM open_time - prev) / "
    "extract(epoch FROM step)) - 1, 1) END), 0)::bigint, "
    "string_agg(DISTINCT source, ',' ORDER BY source), "
    "(extract(epoch FROM min(open_time)) * 1000)::bigint, "
    "(extract(epoch FROM max(open_time)) * 1000)::bigint "
    "FROM (SELECT symbol, interval, open_time, source, " STEP_SQL " AS step, "
    "lag(open_time) OVER (PARTITION BY symbol, interval ORDER BY open_time) "
    "AS prev FROM candles WHERE $1::text IS NULL OR symbol = $1) x "
    "GROUP BY symbol, interval ORDER BY symbol, interval";

cJSON *
candles_ranges(struct db *db, const char *symbol, char *err, size_t errlen)
{
	const char	*p[1] = { symbol };
	PGresult	*res;
	cJSON		*a, *o, *srcs;
	int		 i;

	if ((res = db_query(db, sql_ranges, 1, p)) == NULL) {
		cerr(err, errlen, "database: %s", db_error(db));
		return NULL;
	}
	if ((a = cJSON_CreateArray()) == NULL) {
		PQclear(res);
		cerr(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < PQntuples(res); i++) {
		char	*list, *tok, *save;

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "symbol", PQgetvalue(res, i, 0));
		cJSON_AddStringToObject(o, "interval", PQgetvalue(res, i, 1));
		cJSON_AddStringToObject(o, "from", PQgetvalue(res, i, 2));
		cJSON_AddStringToObject(o, "to", PQgetvalue(res, i, 3));
		cJSON_AddNumberToObject(o, "count",
		    strtod(PQgetvalue(res, i, 4), NULL));
		cJSON_AddNumberToObject(o, "gaps",
		    strtod(PQgetvalue(res, i, 5), NULL));
		cJSON_AddNumberToObject(o, "missing",
		    strtod(PQgetvalue(res, i, 6), NULL));
		srcs = cJSON_AddArrayToObject(o, "sources");
		if ((list = strdup(PQgetvalue(res, i, 7))) != NULL) {
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(srcs,
				    cJSON_CreateString(tok));
			free(list);
		}
		cJSON_AddNumberToObject(o, "from_ms",
		    strtod(PQgetvalue(res, i, 8), NULL));
		cJSON_AddNumberToObject(o, "to_ms",
		    strtod(PQgetvalue(res, i, 9), NULL));
		cJSON_AddItemToArray(a, o);
	}
	PQclear(res);
	return a;
}

/* --- 1-minute builder --- */

#define MINUTE_MS	60000LL

void
candle_builder_init(struct candle_builder *b, unsigned vol_dec)
{
	memset(b, 0, sizeof(*b));
	b->vol_dec = vol_dec;
}

static void
copy_dec(char dst[CANDLE_DEC], const char *src)
{
	snprintf(dst, CANDLE_DEC, "%s", src);
}

/* Open a candle at minute t from price p (open op). */
static void
start(struct candle_builder *b, int64_t t, const char *op, const char *p)
{
	memset(&b->cur, 0, sizeof(b->cur));
	b->cur.open_ms = t;
	b->cur.trades = -1;
	copy_dec(b->cur.open, op);
	copy_dec(b->cur.high, dec_cmp(op, p) >= 0 ? op : p);
	copy_dec(b->cur.low, dec_cmp(op, p) <= 0 ? op : p);
	copy_dec(b->cur.close, p);
	b->vol = u256_from_u64(0);
	b->open = 1;
}

/* Finish cur into *out (volume formatted). */
static void
finish(struct candle_builder *b, struct candle *out)
{
	char	v[U256_DEC_MAX + 2];

	*out = b->cur;
	u256_format_units(&b->vol, b->vol_dec, v);
	copy_dec(out->volume, v[0] ? v : "0");
	copy_dec(b->last_close, b->cur.close);
}

int
candle_builder_peek(const struct candle_builder *b, struct candle *out)
{
	char	v[U256_DEC_MAX + 2];

	if (!b->open)
		return 0;
	*out = b->cur;
	u256_format_units(&b->vol, b->vol_dec, v);
	copy_dec(out->volume, v[0] ? v : "0");
	return 1;
}

int
candle_builder_add(struct candle_builder *b, int64_t t_ms, const char *price,
    const u256 *vol, int fill, struct candle *out, size_t max, size_t *nout)
{
	char	 p[CANDLE_DEC];
	int64_t	 minute = t_ms - t_ms % MINUTE_MS, m;
	int	 contiguous = 0;

	*nout = 0;
	if (candle_set(p, price, strlen(price)) == -1 || dec_is_zero(p))
		return -1;
	if (b->open && minute < b->cur.open_ms)
		return 0;	/* late: that minute is closed */
	if (b->open && minute > b->cur.open_ms) {
		if (*nout < max)
			finish(b, &out[(*nout)++]);
		b->open = 0;
		m = b->cur.open_ms + MINUTE_MS;
		contiguous = m == minute;
		/* A quiet spell while the feed was fresh: flat candles. */
		if (fill && minute - m <= CANDLE_FILL_MAX * MINUTE_MS) {
			for (; m < minute && *nout < max; m += MINUTE_MS) {
				start(b, m, b->last_close, b->last_close);
				finish(b, &out[(*nout)++]);
			}
			contiguous = m == minute;
			b->open = 0;
		}
	}
	if (!b->open) {
		start(b, minute, contiguous && b->last_close[0] ?
		    b->last_close : p, p);
	} else {
		if (dec_cmp(p, b->cur.high) > 0)
			copy_dec(b->cur.high, p);
		if (dec_cmp(p, b->cur.low) < 0)
			copy_dec(b->cur.low, p);
		copy_dec(b->cur.close, p);
	}
	if (vol != NULL && u256_add(&b->vol, &b->vol, vol) == -1)
		return -1;
	return 0;
}

size_t
candle_builder_close(struct candle_builder *b, int64_t now_ms, int fill,
    struct candle *out)
{
	int64_t	next;

	if (!b->open || now_ms < b->cur.open_ms + MINUTE_MS)
		return 0;
	finish(b, out);
	next = b->cur.open_ms + MINUTE_MS;
	b->open = 0;
	if (fill)
		start(b, next, b->last_close, b->last_close);
	return 1;
}
