/*
 * check_candles.c: decimal text, the raw JSON parser, candle checks,
 * gaps and the 1-minute builder; candle file imports: every real file in
 * ../shared/data/candles parsed with the right row counts and first/last
 * values, then imported through `bsc-ctl market import` into a real
 * database (idempotent, gaps reported, `market candles` ranges); corrupt
 * files rejected with the line number and nothing stored; bad arguments.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "../marketd/candles.h"
#include "../marketd/dec.h"
#include "../marketd/import.h"
#include "../marketd/jraw.h"
#include "testutil.h"

static char	out[1 << 16];

/* --- decimals --- */

static const char *
norm(const char *s)
{
	static char	buf[DEC_MAX];

	if (dec_normalize(s, strlen(s), buf, sizeof(buf)) == -1)
		return NULL;
	return buf;
}

START_TEST(dec_normalize_vectors)
{
	static const char *const good[][2] = {
		{ "9.417e-05", "0.00009417" }, { "1e-08", "0.00000001" },
		{ "1.5e3", "1500" }, { "1.5E+3", "1500" }, { ".5", "0.5" },
		{ "5.", "5" }, { "007.50", "7.50" }, { "0", "0" },
		{ "0.0001e2", "0.01" }, { "7267451.9000000004",
		"7267451.9000000004" }, { "8819.15000000", "8819.15000000" },
		{ "12e0", "12" }, { "1.50e1", "15.0" }, { "000", "0" },
		{ "0.00", "0.00" }, { "2.5e-1", "0.25" },
	};
	static const char *const bad[] = { "", ".", "-1", "1e", "1.2.3",
	    "abc", "1 ", " 1", "+1", "1e999", "1e-", "0x10", "1,5", "NaN",
	    "e5", "1.5e3.0" };
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char	*n = norm(good[i][0]);

		ck_assert_msg(n != NULL && strcmp(n, good[i][1]) == 0,
		    "%s -> %s, want %s", good[i][0], n ? n : "(error)",
		    good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(norm(bad[i]) == NULL, "'%s' accepted", bad[i]);
	/* Too long for the buffer: an error, not an overflow. */
	{
		char	big[300], o[16];

		memset(big, '7', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(dec_normalize(big, strlen(big), o, sizeof(o)),
		    -1);
		ck_assert_int_eq(dec_normalize("1e-300", 6, o, sizeof(o)), -1);
	}
}
END_TEST

START_TEST(dec_compare_and_ratio)
{
	u256	a, b;
	char	r[DEC_MAX];

	ck_assert_int_eq(dec_cmp("7.50", "7.5"), 0);
	ck_assert_int_eq(dec_cmp("10", "9.99"), 1);
	ck_assert_int_eq(dec_cmp("0.00001", "0.0001"), -1);
	ck_assert_int_eq(dec_cmp("123.456", "123.4561"), -1);
	ck_assert_int_eq(dec_cmp("0", "0.000"), 0);
	ck_assert(dec_is_zero("0.000"));
	ck_assert(!dec_is_zero("0.001"));
	/* 2,000,000 USDT / 100 BTCB, both 18 decimals: 20000. */
	ck_assert_int_eq(u256_from_dec(&a, "2000000000000000000000000"), 0);
	ck_assert_int_eq(u256_from_dec(&b, "100000000000000000000"), 0);
	ck_assert_int_eq(dec_ratio(&a, 18, &b, 18, r), 0);
	ck_assert_str_eq(r, "20000");
	/* 6-decimal quote over an 18-decimal base. */
	a = u256_from_u64(1500000);		/* 1.5 */
	b = u256_from_u64(1000000000000000000ULL);	/* 1 */
	ck_assert_int_eq(dec_ratio(&a, 6, &b, 18, r), 0);
	ck_assert_str_eq(r, "1.5");
	/* Truncated at 18 fractional digits. */
	a = u256_from_u64(1);
	b = u256_from_u64(3);
	ck_assert_int_eq(dec_ratio(&a, 0, &b, 0, r), 0);
	ck_assert_str_eq(r, "0.333333333333333333");
	b = u256_from_u64(0);
	ck_assert_int_eq(dec_ratio(&a, 0, &b, 0, r), -1);
}
END_TEST

/* --- raw JSON --- */

START_TEST(jraw_good_and_bad)
{
	static const char *const bad[][2] = {
		{ "[1,\n2,\n]", "line 3" }, { "[1,2", "line 1" },
		{ "{\"a\":}", "line 1" }, { "[] x", "trailing" },
		{ "[01]", "" }, { "[-]", "" }, { "[1.]", "" }, { "[1e]", "" },
		{ "[\"a\x01\"]", "control" }, { "[\"\\q\"]", "escape" },
		{ "[\"\\u12g4\"]", "escape" }, { "", "end of input" },
		{ "[tru]", "" }, { "{\"a\" 1}", "':'" }, { "{1:2}", "name" },
		{ "[\"abc", "unterminated" }, { "\xff", "0xff" },
	};
	struct jr_doc	*d;
	const struct jr	*r, *v;
	char		 err[256], deep[300];
	size_t		 i;

	d = jr_parse("\xef\xbb\xbf [ 1.50, \"x\", true, null, {\"k\": -2e3}]",
	    strlen("\xef\xbb\xbf [ 1.50, \"x\", true, null, {\"k\": -2e3}]"),
	    err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	r = jr_root(d);
	ck_assert_int_eq(r->type, JR_ARR);
	ck_assert_int_eq((int)r->n, 5);
	ck_assert_int_eq(r->child->type, JR_NUM);
	/* Numbers keep their text: no double in between. */
	ck_assert_int_eq((int)r->child->len, 4);
	ck_assert(memcmp(r->child->s, "1.50", 4) == 0);
	ck_assert(jr_str_eq(r->child->next, "x"));
	v = jr_get(r->child->next->next->next->next, "k");
	ck_assert_ptr_nonnull(v);
	ck_assert(v->len == 4 && memcmp(v->s, "-2e3", 4) == 0);
	jr_free(&d);
	ck_assert_ptr_null(d);
	jr_free(&d);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		d = jr_parse(bad[i][0], strlen(bad[i][0]), err, sizeof(err));
		ck_assert_msg(d == NULL, "'%s' accepted", bad[i][0]);
		ck_assert_msg(strstr(err, bad[i][1]) != NULL, "'%s': %s",
		    bad[i][0], err);
	}
	/* Nesting beyond the limit is an error, not a stack overflow. */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	ck_assert_ptr_null(jr_parse(deep, strlen(deep), err, sizeof(err)));
	ck_assert_msg(strstr(err, "deeply") != NULL, "%s", err);
}
END_TEST

/* --- candles --- */

static struct candle
mk(int64_t t, const char *o, const char *h, const char *l, const char *c,
    const char *v)
{
	struct candle	x;

	memset(&x, 0, sizeof(x));
	x.open_ms = t;
	x.trades = -1;
	snprintf(x.open, sizeof(x.open), "%s", o);
	snprintf(x.high, sizeof(x.high), "%s", h);
	snprintf(x.low, sizeof(x.low), "%s", l);
	snprintf(x.close, sizeof(x.close), "%s", c);
	snprintf(x.volume, sizeof(x.volume), "%s", v);
	return x;
}

START_TEST(candle_checks_and_gaps)
{
	struct candle		 c[5];
	struct candle_gap	 g[4];
	char			 err[256];
	size_t			 ng;
	long			 miss;

	c[0] = mk(0, "10", "12", "9", "11", "1");
	ck_assert_int_eq(candle_check(&c[0], err, sizeof(err)), 0);
	c[1] = mk(0, "10", "9.5", "9", "11", "1");	/* high < close */
	ck_assert_int_eq(candle_check(&c[1], err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "high") != NULL, "%s", err);
	c[1] = mk(0, "10", "12", "10.5", "11", "1");	/* low > open */
	ck_assert_int_eq(candle_check(&c[1], err, sizeof(err)), -1);
	c[1] = mk(0, "0", "0", "0", "0", "1");		/* zero price */
	ck_assert_int_eq(candle_check(&c[1], err, sizeof(err)), -1);
	c[1] = mk(0, "1", "1", "1", "1", "");		/* no volume */
	ck_assert_int_eq(candle_check(&c[1], err, sizeof(err)), -1);

	ck_assert_int_eq((int)candle_interval_ms("1m"), 60000);
	ck_assert_int_eq((int)candle_interval_ms("4h"), 14400000);
	ck_assert_int_eq((int)candle_interval_ms("7m"), 0);
	ck_assert_str_eq(candle_interval_name(3600000), "1h");
	ck_assert_ptr_null(candle_interval_name(7000));
	/* 2020-01-31 + 1 month = 2020-03-02 by timegm's rules? No: the
	 * calendar month after 2020-01-01 is 2020-02-01. */
	ck_assert(candle_next_open("1M", 1577836800000LL) == 1580515200000LL);

	c[0] = mk(0, "1", "1", "1", "1", "0");
	c[1] = mk(60000, "1", "1", "1", "1", "0");
	c[2] = mk(240000, "1", "1", "1", "1", "0");	/* 2 missing */
	c[3] = mk(300000, "1", "1", "1", "1", "0");
	c[4] = mk(420000, "1", "1", "1", "1", "0");	/* 1 missing */
	candle_gaps("1m", c, 5, g, 4, &ng, &miss);
	ck_assert_int_eq((int)ng, 2);
	ck_assert_int_eq((int)miss, 3);
	ck_assert(g[0].after_ms == 60000 && g[0].before_ms == 240000);
	ck_assert_int_eq((int)g[0].missing, 2);
	/* No room for the list: counted all the same. */
	candle_gaps("1m", c, 5, NULL, 0, &ng, &miss);
	ck_assert_int_eq((int)ng, 2);
}
END_TEST

START_TEST(candle_builder_minutes)
{
	struct candle_builder	 b;
	struct candle		 o[CANDLE_FILL_MAX + 2], c;
	size_t			 n;
	u256			 v = u256_from_u64(1500000000000000000ULL);
	int64_t			 t0 = 1700000000000LL - 1700000000000LL % 60000;

	candle_builder_init(&b, 18);
	ck_assert_int_eq(candle_builder_add(&b, t0 + 1000, "100", &v, 1, o, 8,
	    &n), 0);
	ck_assert_int_eq((int)n, 0);
	ck_assert_int_eq(candle_builder_add(&b, t0 + 20000, "105.5", &v, 1,
	    o, 8, &n), 0);
	ck_assert_int_eq(candle_builder_add(&b, t0 + 40000, "99", NULL, 1, o,
	    8, &n), 0);
	ck_assert_int_eq(candle_builder_peek(&b, &c), 1);
	ck_assert_str_eq(c.open, "100");
	ck_assert_str_eq(c.high, "105.5");
	ck_assert_str_eq(c.low, "99");
	ck_assert_str_eq(c.close, "99");
	ck_assert_str_eq(c.volume, "3");
	/* Bad text is refused. */
	ck_assert_int_eq(candle_builder_add(&b, t0 + 50000, "x", NULL, 1, o,
	    8, &n), -1);
	/* Three minutes later: the candle closes, two flat ones fill the
	 * quiet minutes, the new one opens at the previous close. */
	ck_assert_int_eq(candle_builder_add(&b, t0 + 3 * 60000 + 5000, "101",
	    NULL, 1, o, 8, &n), 0);
	ck_assert_int_eq((int)n, 3);
	ck_assert(o[0].open_ms == t0);
	ck_assert(o[1].open_ms == t0 + 60000);
	ck_assert_str_eq(o[1].open, "99");
	ck_assert_str_eq(o[1].high, "99");
	ck_assert_str_eq(o[1].volume, "0");
	ck_assert(o[2].open_ms == t0 + 120000);
	ck_assert_int_eq(candle_builder_peek(&b, &c), 1);
	ck_assert_str_eq(c.open, "99");
	ck_assert_str_eq(c.high, "101");
	ck_assert_str_eq(c.low, "99");
	/* A late price for a closed minute is ignored. */
	ck_assert_int_eq(candle_builder_add(&b, t0 + 1000, "1", NULL, 1, o, 8,
	    &n), 0);
	ck_assert_int_eq((int)n, 0);
	/* Quiet chain: closing by the clock, with a flat successor ... */
	ck_assert_int_eq((int)candle_builder_close(&b, t0 + 3 * 60000 + 1000,
	    1, o), 0);
	ck_assert_int_eq((int)candle_builder_close(&b, t0 + 4 * 60000, 1, o),
	    1);
	ck_assert_str_eq(o[0].close, "101");
	ck_assert_int_eq(candle_builder_peek(&b, &c), 1);
	ck_assert(c.open_ms == t0 + 4 * 60000);
	/* ... or, when stale, none: the next price starts afresh. */
	ck_assert_int_eq((int)candle_builder_close(&b, t0 + 5 * 60000, 0, o),
	    1);
	ck_assert_int_eq(candle_builder_peek(&b, &c), 0);
	ck_assert_int_eq(candle_builder_add(&b, t0 + 9 * 60000, "120", NULL,
	    0, o, 8, &n), 0);
	ck_assert_int_eq((int)n, 0);
	ck_assert_int_eq(candle_builder_peek(&b, &c), 1);
	ck_assert_str_eq(c.open, "120");
}
END_TEST

/* --- parsing the real files --- */

struct expect {
	const char	*file;
	const char	*symbol;	/* given with -s, or NULL: inferred */
	const char	*want_symbol;
	const char	*interval;
	const char	*format;
	size_t		 rows;
	const char	*first_time, *first_open;
	const char	*last_time, *last_close;
	size_t		 gaps;
	long		 missing;
};

static const struct expect files[] = {
	{ "extracted_BTCUSDT-1h_2020.csv", NULL, "BTC/USDT", "1h",
	    "binance-csv", 1468, "2020-04-30T21:00:00Z", "8819.15000000",
	    "2020-07-01T03:00:00Z", "9138.59000000", 1, 3 },
	{ "extracted_BTCUSDT-1d_2019.csv", NULL, "BTC/USDT", "1d",
	    "binance-csv", 365, "2019-01-01T00:00:00Z", "3701.23000000",
	    "2019-12-31T00:00:00Z", "7195.23000000", 0, 0 },
	{ "extracted_BTCUSDT-1m_2020-05-06.csv", NULL, "BTC/USDT", "1m",
	    "binance-csv", 60, "2020-05-06T04:42:00Z", "9033.34000000",
	    "2020-05-06T05:41:00Z", "9016.01000000", 0, 0 },
	{ "binance-vision-samples/ADABTC-1m-2021-11-27.csv", NULL, "ADA/BTC",
	    "1m", "binance-csv", 10, "2021-11-27T00:00:00Z", "0.00002853",
	    "2021-11-27T00:09:00Z", "0.00002865", 0, 0 },
	{ "binance-vision-samples/ADABTC-1m-2021-11-28.csv", NULL, "ADA/BTC",
	    "1m", "binance-csv", 11, "2021-11-28T00:00:00Z", "0.00002820",
	    "2021-11-28T00:10:00Z", "0.00002814", 0, 0 },
	{ "binance_hour_btcusdt_trade.csv", NULL, "BTC/USDT", "1h",
	    "lean-hour", 120, "2018-05-01T00:00:00Z", "9246.01",
	    "2018-05-05T23:00:00Z", "9864", 0, 0 },
	{ "20221213_btcbusd_minute_trade.csv", NULL, "BTC/BUSD", "1m",
	    "lean-minute", 1440, "2022-12-13T00:00:00Z", "17212.12",
	    "2022-12-13T23:59:00Z", "17777.08", 0, 0 },
	{ "orderflow_candles_BTC_5m.csv", "BTC/USDT", "BTC/USDT", "5m", "csv",
	    10999, "2023-01-02T16:45:00Z", "16727.3", "2023-02-09T21:15:00Z",
	    "21925.7", 0, 0 },
	{ "orderflow_candles.json", "BTC/USDT", "BTC/USDT", "5m",
	    "pandas-json", 10999, "2023-01-02T16:45:00Z", "16727.3",
	    "2023-02-09T21:15:00Z", "21925.7", 0, 0 },
	{ "ETH_BTC-1m.json", NULL, "ETH/BTC", "1m", "freqtrade-json", 14397,
	    "2018-01-20T04:53:00Z", "0.08939998", "2018-01-30T04:50:00Z",
	    "0.10441057", 1, 1 },
	{ "ETH_BTC-5m.json", NULL, "ETH/BTC", "5m", "freqtrade-json", 5760,
	    "2018-01-10T04:55:00Z", "0.0984", "2018-01-30T04:50:00Z",
	    "0.10441057", 0, 0 },
	{ "UNITTEST_BTC-1m.json", NULL, "UNITTEST/BTC", "1m",
	    "freqtrade-json", 13681, "2017-11-04T23:02:00Z", "0.00162008",
	    "2017-11-14T22:59:00Z", "0.00270002", 538, 717 },
	{ "XRP_ETH-1m.json", NULL, "XRP/ETH", "1m", "freqtrade-json", 3560,
	    "2019-10-11T00:00:00Z", "0.00141342", "2019-10-13T11:19:00Z",
	    "0.00152787", 0, 0 },
	{ "XRP_ETH-5m.json", NULL, "XRP/ETH", "5m", "freqtrade-json", 712,
	    "2019-10-11T00:00:00Z", "0.00141342", "2019-10-13T11:15:00Z",
	    "0.00152787", 0, 0 },
	{ "XRP_USDT_USDT-5m-futures.json", NULL, "XRP/USDT", "5m",
	    "freqtrade-json", 1999, "2021-11-15T00:00:00Z", "1.1893",
	    "2021-11-21T22:30:00Z", "1.0713", 0, 0 },
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

static const char *
data_file(const char *name)
{
	static char	rel[512];

	snprintf(rel, sizeof(rel), "data/candles/%s", name);
	return tu_shared(rel);
}

static void
check_result(const struct expect *e, const struct import_result *r)
{
	char	t[40];

	ck_assert_str_eq(r->symbol, e->want_symbol);
	ck_assert_str_eq(r->interval, e->interval);
	ck_assert_str_eq(r->format, e->format);
	ck_assert_msg(r->rows == e->rows, "%s: %zu rows", e->file, r->rows);
	ck_assert_str_eq(import_iso(r->first.open_ms, t, sizeof(t)),
	    e->first_time);
	ck_assert_str_eq(r->first.open, e->first_open);
	ck_assert_str_eq(import_iso(r->last.open_ms, t, sizeof(t)),
	    e->last_time);
	ck_assert_str_eq(r->last.close, e->last_close);
	ck_assert_msg(r->ngaps == e->gaps && r->missing == e->missing,
	    "%s: %zu gaps, %ld missing", e->file, r->ngaps, r->missing);
}

START_TEST(parse_real_files)
{
	struct import_opts	 o;
	struct import_result	*r;
	struct candle		*rows;
	char			*text;
	size_t			 len, n, i, k;

	if (tu_shared("data/candles") == NULL)
		TU_SKIP("../shared/data/candles is absent");
	ck_assert_ptr_nonnull(r = calloc(1, sizeof(*r)));
	for (i = 0; i < NFILES; i++) {
		const struct expect	*e = &files[i];

		memset(&o, 0, sizeof(o));
		memset(r, 0, sizeof(*r));
		o.symbol = e->symbol;
		ck_assert_ptr_nonnull(text = tu_read_file(data_file(e->file),
		    &len));
		ck_assert_msg(import_parse(e->file, text, len, &o, &rows, &n,
		    r) == 0, "%s: %s", e->file, r->error);
		check_result(e, r);
		ck_assert_int_eq((int)n, (int)e->rows);
		/* Exponent notation was turned into plain decimals, as
		 * numeric would store them, without a double between. */
		for (k = 0; k < n; k++)
			ck_assert_msg(strpbrk(rows[k].open, "eE") == NULL &&
			    strpbrk(rows[k].volume, "eE") == NULL, "%s row %zu",
			    e->file, k);
		free(rows);
		free(text);
	}
	/* UNITTEST_BTC has 9.417e-05 somewhere: stored as 0.00009417. */
	memset(&o, 0, sizeof(o));
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(text = tu_read_file(data_file(
	    "UNITTEST_BTC-1m.json"), &len));
	ck_assert_int_eq(import_parse("UNITTEST_BTC-1m.json", text, len, &o,
	    &rows, &n, r), 0);
	for (k = 0; k < n; k++)
		if (strcmp(rows[k].volume, "0.00009417") == 0 ||
		    strcmp(rows[k].open, "0.00009417") == 0 ||
		    strcmp(rows[k].close, "0.00009417") == 0 ||
		    strcmp(rows[k].low, "0.00009417") == 0 ||
		    strcmp(rows[k].high, "0.00009417") == 0)
			break;
	ck_assert_msg(k < n, "9.417e-05 not found normalised");
	free(rows);
	free(text);
	free(r);
}
END_TEST

/* Parse text as file `name`; returns the result (static). */
static struct import_result *
parse_text(const char *name, const char *text, const char *sym,
    const char *iv, int *rc)
{
	static struct import_result	r;
	struct import_opts		o;
	struct candle			*rows = NULL;
	size_t				 n;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.symbol = sym;
	o.interval = iv;
	*rc = import_parse(name, text, strlen(text), &o, &rows, &n, &r);
	free(rows);
	return &r;
}

START_TEST(parse_bad_files)
{
	static const struct {
		const char	*name, *text, *sym, *want;
		int		 line;
	} bad[] = {
		{ "x.csv", "", "A/B", "empty", 0 },
		{ "x.csv", "  \n\n", "A/B", "empty", 0 },
		{ "x.csv", "open_time,open,high,low,close,volume\n", "A/B",
		    "no candles", 0 },
		{ "x.csv", "time,price\n1,2\n", "A/B", "header", 0 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588284000000,1,2,0.5\n", "A/B", "line 2", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588284000000,1,2,0.5,1.5,10,7\n", "A/B", "columns", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588284000000,1,abc,0.5,1.5,10\n", "A/B", "high 'abc'", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588284000000,1,2,0.5,3,10\n", "A/B", "high 2 is below", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588284000000,1,2,0.5,1.5,-10\n", "A/B", "volume", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "1588280400000,1,2,0.5,1.5,10\n", "A/B", "repeats line 1",
		    2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n"
		    "-5,1,2,0.5,1.5,10\n", "A/B", "open time", 2 },
		{ "x.csv", "1588280400000,1,2,0.5,1.5,10\n", "BTCUSDT",
		    "bad market symbol", 0 },
		{ "nothing.csv", "1588280400000,1,2,0.5,1.5,10\n", NULL,
		    "give -s", 0 },
		{ "x.csv", "1000,1,2,0.5,1.5,10\n", "A/B", "day is unknown", 0 },
		{ "x.csv", "20180501 25:00,1,2,0.5,1.5,10\n", "A/B",
		    "open time", 1 },
		{ "x.json", "[[1588280400000,1,2,0.5,1.5,10],\n"
		    "[1588284000000,1,2,0.5],\n[1588287600000,1,2,0.5,1.5,1]]",
		    "A/B", "line 2", 2 },
		{ "x.json", "[[1588280400000,1,2,0.5,1.5,10],\n"
		    "[1588284000000,1,2,0.5,\"x\",1]]", "A/B", "close", 2 },
		{ "x.json", "[[1588280400000,1,2,0.5,1.5,10]", "A/B",
		    "not valid JSON", 0 },
		{ "x.json", "{\"a\":1}", "A/B", "pandas", 0 },
		{ "x.json", "[]", "A/B", "no candles", 0 },
		{ "x.json", "[{\"t\":1}]", "A/B", "not an array", 1 },
		{ "x.json", "{\"date\":{\"0\":1588280400000},\"open\":{\"0\":1},"
		    "\"high\":{\"1\":2},\"low\":{\"0\":0.5},\"close\":{\"0\":1},"
		    "\"volume\":{\"0\":1}}", "A/B", "same order", 1 },
		{ "x.bin", "1588280400000,1\0,2", "A/B", "", 0 },
	};
	struct import_result	*r;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = parse_text(bad[i].name, bad[i].text, bad[i].sym, NULL, &rc);
		ck_assert_msg(rc == -1, "%zu accepted", i);
		ck_assert_msg(strstr(r->error, bad[i].want) != NULL,
		    "%zu: '%s' lacks '%s'", i, r->error, bad[i].want);
		if (bad[i].line > 0) {
			ck_assert_msg(r->nbad > 0 && r->bad[0].line ==
			    bad[i].line, "%zu: line %d, want %d", i,
			    r->nbad ? r->bad[0].line : 0, bad[i].line);
		}
	}
	/* An interval that contradicts the spacing, an unknown one. */
	r = parse_text("x.csv", "1588280400000,1,2,0.5,1.5,10\n"
	    "1588280460000,1,2,0.5,1.5,10\n", "A/B", "1h", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(r->error, "closer than") != NULL, "%s", r->error);
	r = parse_text("x.csv", "1588280400000,1,2,0.5,1.5,10\n", "A/B", "7m",
	    &rc);
	ck_assert_int_eq(rc, -1);
	/* Good: CRLF, blanks, a header, microsecond times (2025+ spot files),
	 * seconds. */
	r = parse_text("x-1h.csv", "open_time,open,high,low,close,volume\r\n"
	    "1735689600000000, 1 ,2,0.5,1.5,10\r\n\r\n", "A/B", NULL, &rc);
	ck_assert_msg(rc == 0, "%s", r->error);
	ck_assert(r->first.open_ms == 1735689600000LL);
	ck_assert_str_eq(r->interval, "1h");
	r = parse_text("x.csv", "1735689600,1,2,0.5,1.5,10\n"
	    "1735689660,1,2,0.5,1.5,10\n", "A/B", NULL, &rc);
	ck_assert_msg(rc == 0, "%s", r->error);
	ck_assert_str_eq(r->interval, "1m");
}
END_TEST

/* --- into the database, through bsc-ctl --- */

static char	dir[256], conf[300], dburl[512];

static void
setup_env(void)
{
	char	*ci;

	ck_assert_ptr_nonnull(ci = tu_db_create("candles"));
	snprintf(dburl, sizeof(dburl), "%s", ci);
	free(ci);
	ck_assert_int_eq(tu_private_conf("bsc-candles", dburl, dir,
	    sizeof(dir), conf, sizeof(conf)), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), conf), 0);
}

/* bsc-ctl with this test's config; output (stdout and stderr) in out. */
#define ctl(...)	tu_ctl(conf, out, sizeof(out), __VA_ARGS__)

static cJSON *
ctl_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static cJSON *
ctl_json(const char *fmt, ...)
{
	char	args[4096];
	va_list	ap;
	cJSON	*j;
	int	 rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	rc = tu_run(out, sizeof(out), "%s -c %s --json %s", tu_bin("bsc-ctl"),
	    conf, args);
	ck_assert_msg(rc == 0, "%s: rc=%d %s", args, rc, out);
	ck_assert_msg((j = cJSON_Parse(out)) != NULL, "%s: not JSON: %s", args,
	    out);
	return j;
}

static long
sql_count(const char *query)
{
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"%s\"",
	    dburl, query), 0);
	return atol(out);
}

static double
jnum(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsNumber(v), "no number %s", k);
	return v->valuedouble;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsString(v), "no string %s", k);
	return v->valuestring;
}

START_TEST(import_into_db)
{
	cJSON	*j, *first, *last, *e;
	size_t	 i;
	int	 found = 0;
	char	 q[512];

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	if (tu_shared("data/candles") == NULL)
		TU_SKIP("../shared/data/candles is absent");
	setup_env();
	for (i = 0; i < NFILES; i++) {
		const struct expect	*x = &files[i];

		/* orderflow_candles.json and its CSV hold the same rows:
		 * keep them apart by symbol. */
		j = ctl_json("market import %s %s%s", data_file(x->file),
		    x->symbol ? "-s " : "", x->symbol ? (strstr(x->file,
		    ".json") ? "OFJ/USDT" : "OFC/USDT") : "");
		ck_assert_int_eq((int)jnum(j, "rows"), (int)x->rows);
		ck_assert_int_eq((int)jnum(j, "inserted"), (int)x->rows);
		ck_assert_int_eq((int)jnum(j, "existing"), 0);
		ck_assert_int_eq((int)jnum(j, "gaps"), (int)x->gaps);
		ck_assert_int_eq((int)jnum(j, "missing"), (int)x->missing);
		first = cJSON_GetObjectItemCaseSensitive(j, "first");
		last = cJSON_GetObjectItemCaseSensitive(j, "last");
		ck_assert_str_eq(jstr(first, "open_time"), x->first_time);
		ck_assert_str_eq(jstr(first, "open"), x->first_open);
		ck_assert_str_eq(jstr(last, "close"), x->last_close);
		cJSON_Delete(j);
	}
	/* What the database holds: exact decimals, as in the file. */
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles WHERE "
	    "symbol = 'BTC/USDT' AND interval = '1h' AND source = 'csv'"),
	    1468 + 120);
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"SELECT "
	    "open, quote_volume, trades FROM candles WHERE symbol = 'BTC/USDT' "
	    "AND interval = '1h' AND open_time = '2020-04-30T21:00:00Z'\"",
	    dburl), 0);
	ck_assert_str_eq(out, "8819.15000000|27174569.16633405|34467\n");
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"SELECT "
	    "volume FROM candles WHERE symbol = 'XRP/USDT' AND open_time = "
	    "'2021-11-15T00:05:00Z'\"", dburl), 0);
	ck_assert_str_eq(out, "7267451.9000000004\n");

	/* Re-import: nothing changes, every row is reported as stored. */
	j = ctl_json("market import %s", data_file(
	    "extracted_BTCUSDT-1h_2020.csv"));
	ck_assert_int_eq((int)jnum(j, "inserted"), 0);
	ck_assert_int_eq((int)jnum(j, "existing"), 1468);
	cJSON_Delete(j);
	ck_assert_int_eq(ctl("market import %s", data_file(
	    "UNITTEST_BTC-1m.json")), 0);
	ck_assert_msg(strstr(out, "0 new, 13681 already stored") != NULL &&
	    strstr(out, "538 gaps, 717 candles missing") != NULL, "%s", out);

	/* Stored ranges. */
	j = ctl_json("market candles");
	ck_assert(cJSON_IsArray(j));
	cJSON_ArrayForEach(e, j) {
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "symbol"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "interval"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "from"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "to"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "count"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(e, "gaps"));
		if (strcmp(jstr(e, "symbol"), "UNITTEST/BTC") == 0) {
			ck_assert_int_eq((int)jnum(e, "count"), 13681);
			ck_assert_int_eq((int)jnum(e, "gaps"), 538);
			ck_assert_int_eq((int)jnum(e, "missing"), 717);
			ck_assert_str_eq(jstr(e, "from"),
			    "2017-11-04T23:02:00Z");
			ck_assert_str_eq(jstr(e, "to"), "2017-11-14T22:59:00Z");
			found++;
		}
	}
	ck_assert_int_eq(found, 1);
	cJSON_Delete(j);
	j = ctl_json("market candles -s ETH/BTC");
	ck_assert_int_eq(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	ck_assert_int_eq(ctl("market candles -s NO/SUCH"), 0);
	ck_assert_msg(strstr(out, "no candles") != NULL, "%s", out);
	ck_assert_int_eq(ctl("market candles"), 0);
	ck_assert_msg(strstr(out, "UNITTEST/BTC") != NULL, "%s", out);

	/* Every import is in the audit log. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit_log WHERE command "
	    "= 'market import'");
	ck_assert_int_ge(sql_count(q), (long)NFILES + 2);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

/* Copy src to dst replacing line `line` (1-based) with repl. */
static void
corrupt(const char *src, const char *dst, int line, const char *repl)
{
	char	*t, *p, *nl;
	FILE	*f;
	int	 n = 1;

	ck_assert_ptr_nonnull(t = tu_read_file(src, NULL));
	ck_assert_ptr_nonnull(f = fopen(dst, "w"));
	for (p = t; *p; p = nl ? nl + 1 : p + strlen(p), n++) {
		nl = strchr(p, '\n');
		if (n == line)
			fprintf(f, "%s\n", repl);
		else
			fprintf(f, "%.*s\n", nl ? (int)(nl - p) : (int)strlen(p),
			    p);
		if (nl == NULL)
			break;
	}
	fclose(f);
	free(t);
}

START_TEST(import_corrupt_files)
{
	char	path[512];
	int	rc;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	if (tu_shared("data/candles") == NULL)
		TU_SKIP("../shared/data/candles is absent");
	setup_env();
	/* A row in the middle with a broken price: line 700. */
	snprintf(path, sizeof(path), "%s/BTCUSDT-1h-bad.csv", dir);
	corrupt(data_file("extracted_BTCUSDT-1h_2020.csv"), path, 700,
	    "1590771600000,9500.1,9600.0,9400.0,9,5x5.2,1.0,1590775199999,"
	    "1,1,1,1,0");
	rc = ctl("market import %s", path);
	ck_assert_msg(rc == 1, "rc=%d %s", rc, out);
	ck_assert_msg(strstr(out, "line 700") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "nothing stored") != NULL, "%s", out);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 0);
	/* A row whose high is below its low: line 2 of 1441. */
	snprintf(path, sizeof(path), "%s/20221213_btcbusd_minute_trade.csv",
	    dir);
	corrupt(data_file("20221213_btcbusd_minute_trade.csv"), path, 900,
	    "53880000,17200,17100,17300,17250,1.5");
	rc = ctl("market import %s", path);
	ck_assert_msg(rc == 1 && strstr(out, "line 900") != NULL, "rc=%d %s",
	    rc, out);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 0);
	/* A JSON file, one row per line, a row with a missing value. */
	snprintf(path, sizeof(path), "%s/BAD_USDT-1m.json", dir);
	{
		FILE	*f = fopen(path, "w");
		int	 i;

		ck_assert_ptr_nonnull(f);
		fprintf(f, "[\n");
		for (i = 0; i < 100; i++)
			fprintf(f, "[%lld, 1.5, 2, 1, 1.5, 3]%s\n",
			    1600000000000LL + i * 60000LL, i == 99 ? "" : ",");
		fprintf(f, "]\n");
		fclose(f);
		corrupt(path, path, 51, "[1600002940000, 1.5, 2, 1, 1.5],");
	}
	rc = ctl("market import %s", path);
	ck_assert_msg(rc == 1 && strstr(out, "line 51") != NULL, "rc=%d %s",
	    rc, out);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 0);
	/* The good file still goes in whole afterwards. */
	ck_assert_int_eq(ctl("market import %s", data_file(
	    "extracted_BTCUSDT-1h_2020.csv")), 0);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 1468);
	/* Several files: one bad one fails the command, the good ones go
	 * in (each file is its own transaction). */
	snprintf(path, sizeof(path), "%s/BTCUSDT-1h-bad.csv", dir);
	rc = ctl("market import %s %s", path, data_file(
	    "extracted_BTCUSDT-1d_2019.csv"));
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 1468 + 365);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

START_TEST(import_bad_arguments)
{
	static const char *const usage2[] = {
		"market", "market frobnicate", "market import",
		"market import x.csv -s BTCUSDT", "market import x.csv -i 7m",
		"market import x.csv --date 2020-01-01", "market import -s",
		"market import x.csv --bogus", "market fetch",
		"market fetch -s BTC/USDT --days 0",
		"market fetch -s BTC/USDT --days abc",
		"market fetch -s BTC/USDT --days 99999",
		"market fetch -s BTC/USDT -i 7m",
		"market fetch -s BTC/USDT --from yesterday",
		"market fetch -s BTC/USDT --from 2020-01-02 --to 2020-01-01",
		"market fetch -s BTC/USDT --days 1 --from 2020-01-01",
		"market fetch -s NO/SUCH --days 1", "market fetch -s BTC/USDT "
		"--cex-symbol btc-usdt!", "market candles -s BTCUSDT",
		"market candles --bogus", "market price",
		"market price NO/SUCH", "market price BTC/USDT extra",
		"market status --bogus", NULL
	};
	char	path[512];
	int	i, rc;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	setup_env();
	for (i = 0; usage2[i] != NULL; i++) {
		rc = ctl("%s", usage2[i]);
		ck_assert_msg(rc == 2, "'%s': rc=%d %s", usage2[i], rc, out);
		ck_assert_msg(strstr(out, "bsc-ctl") != NULL ||
		    strstr(out, "usage") != NULL, "'%s': %s", usage2[i], out);
	}
	ck_assert_int_eq(ctl("market --help"), 0);
	ck_assert_int_eq(ctl("market import --help"), 0);
	/* Files that are not there, not files, empty, binary. */
	rc = ctl("market import %s/nope.csv -s A/B", dir);
	ck_assert_msg(rc == 1 && strstr(out, "No such file") != NULL, "%s",
	    out);
	rc = ctl("market import %s -s A/B", dir);
	ck_assert_msg(rc == 1 && strstr(out, "regular file") != NULL, "%s",
	    out);
	snprintf(path, sizeof(path), "%s/empty.csv", dir);
	fclose(fopen(path, "w"));
	rc = ctl("market import %s -s A/B", path);
	ck_assert_msg(rc == 1 && strstr(out, "empty") != NULL, "%s", out);
	rc = ctl("market import %s -s A/B", tu_bin("bsc-ctl"));
	ck_assert_msg(rc == 1, "binary: rc=%d %s", rc, out);
	/* A dry run stores nothing. */
	if (tu_shared("data/candles") != NULL) {
		ck_assert_int_eq(ctl("market import --dry-run %s", data_file(
		    "extracted_BTCUSDT-1d_2019.csv")), 0);
		ck_assert_msg(strstr(out, "checked") != NULL, "%s", out);
		ck_assert_int_eq(sql_count("SELECT count(*) FROM candles"), 0);
	}
	/* marketd is not running: price and status say so with exit 3. */
	rc = ctl("market price BTC/USDT");
	ck_assert_msg(rc == 3, "rc=%d %s", rc, out);
	ck_assert_msg(strstr(out, "not running") != NULL, "%s", out);
	rc = ctl("market status --json");
	ck_assert_msg(rc == 3, "rc=%d %s", rc, out);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("candles");
	TCase	*tc = tcase_create("units"), *tdb = tcase_create("db");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, dec_normalize_vectors);
	tcase_add_test(tc, dec_compare_and_ratio);
	tcase_add_test(tc, jraw_good_and_bad);
	tcase_add_test(tc, candle_checks_and_gaps);
	tcase_add_test(tc, candle_builder_minutes);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_real_files);
	tcase_add_test(tc, parse_bad_files);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tdb, 240);
	tcase_add_test(tdb, import_into_db);
	tcase_add_test(tdb, import_corrupt_files);
	tcase_add_test(tdb, import_bad_arguments);
	suite_add_tcase(s, tdb);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
