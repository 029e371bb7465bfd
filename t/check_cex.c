/*
 * check_cex.c: the Binance-style REST client against a local HTTP server
 * (t/httpstub) serving the real recorded Binance responses of
 * ../shared/data/binance-rest/recorded-responses.json: reference prices
 * and klines parsed correctly, paging, 429/418 handling (Retry-After
 * honoured, backoff), the request-weight header, API errors, garbage and
 * truncated bodies; and `bsc-ctl market fetch` into a real database.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "../marketd/cex.h"
#include "../marketd/import.h"
#include "httpstub.h"
#include "testutil.h"

static char	out[1 << 16];

/* --- serving the recordings --- */

struct recorded {
	cJSON	*root;
	cJSON	*routes;
};

/* Split a query string into sorted "k=v" items; returns the count. */
static int
query_items(const char *q, char items[][256], int max)
{
	char	 buf[2048], *tok, *save;
	int	 n = 0, i, j;

	snprintf(buf, sizeof(buf), "%s", q ? q : "");
	for (tok = strtok_r(buf, "&", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, "&", &save))
		snprintf(items[n++], 256, "%s", tok);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(items[i], items[j]) > 0) {
				char	t[256];

				memcpy(t, items[i], 256);
				memcpy(items[i], items[j], 256);
				memcpy(items[j], t, 256);
			}
	return n;
}

/*
 * A recorded entry answers a request when every recorded parameter is in
 * the request with the same value and the request has no others, except
 * limit (the client always sends one).
 */
static int
query_matches(const char *rec, const char *req)
{
	char	a[32][256], b[32][256];
	int	na = query_items(rec, a, 32), nb = query_items(req, b, 32);
	int	i, j, found;

	for (i = 0; i < na; i++) {
		for (j = found = 0; j < nb; j++)
			found |= strcmp(a[i], b[j]) == 0;
		if (!found)
			return 0;
	}
	for (j = 0; j < nb; j++) {
		for (i = found = 0; i < na; i++)
			found |= strcmp(a[i], b[j]) == 0;
		if (!found && strncmp(b[j], "limit=", 6) != 0)
			return 0;
	}
	return 1;
}

static int
serve(void *arg, const struct httpstub_req *req, struct httpstub_resp *resp)
{
	struct recorded	*rec = arg;
	char		 path[512];
	const char	*q = strchr(req->target, '?');
	cJSON		*list, *e;

	snprintf(path, sizeof(path), "%.*s", q ? (int)(q - req->target) :
	    (int)strlen(req->target), req->target);
	list = cJSON_GetObjectItem(cJSON_GetObjectItem(rec->routes, path),
	    req->method);
	cJSON_ArrayForEach(e, list) {
		cJSON	*qs = cJSON_GetObjectItem(e, "queryString");

		if (query_matches(cJSON_IsString(qs) ? qs->valuestring : "",
		    q ? q + 1 : "")) {
			resp->body = cJSON_PrintUnformatted(cJSON_GetObjectItem(e,
			    "data"));
			resp->body_free = 1;
			resp->headers = "Content-Type: application/json\r\n"
			    "X-MBX-USED-WEIGHT-1M: 12\r\n";
			return 0;
		}
	}
	resp->status = 400;
	resp->body = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
	return 0;
}

static struct recorded	 rec;
static struct httpstub	*hs;

static struct cex *
client(int backoff_ms)
{
	struct cex_opts	o;
	struct cex	*c;

	cex_opts_init(&o);
	o.base_url = httpstub_url(hs);
	o.timeout_ms = 1500;
	o.backoff_ms = backoff_ms;
	ck_assert_ptr_nonnull(c = cex_new(&o));
	return c;
}

static void
start_stub(void)
{
	const char	*f = tu_shared("data/binance-rest/recorded-responses.json");
	char		*t;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(t = tu_read_file(f, NULL));
	rec.root = cJSON_Parse(t);
	rec.routes = cJSON_GetObjectItem(rec.root, "routes");
	ck_assert_ptr_nonnull(rec.routes);
	free(t);
	ck_assert_ptr_nonnull(hs = httpstub_new());
	httpstub_set_handler(hs, serve, &rec);
}

static void
stop_stub(void)
{
	httpstub_free(&hs);
	cJSON_Delete(rec.root);
	rec.root = rec.routes = NULL;
}

#define NEED_SHARED() do {						\
	if (tu_shared("data/binance-rest/recorded-responses.json") == NULL) \
		TU_SKIP("../shared/data/binance-rest is absent");	\
	start_stub();							\
} while (0)

START_TEST(book_ticker)
{
	struct cex		*c;
	struct cex_book		 b;
	struct cex_error	 e;
	struct cex_stats	 st;
	char			 hdr[64];

	NEED_SHARED();
	c = client(100);
	ck_assert_msg(cex_book_ticker(c, "BTCUSDT", &b, &e) == 0, "%s",
	    e.message);
	ck_assert_str_eq(b.bid, "6621.55000000");
	ck_assert_str_eq(b.ask, "6622.10000000");
	ck_assert_str_eq(b.bid_qty, "0.16356700");
	ck_assert_str_eq(b.ask_qty, "0.18635000");
	ck_assert(b.mid_f > 6621.82 && b.mid_f < 6621.83);
	ck_assert_str_eq(httpstub_request(hs, 0)->target,
	    "/api/v3/ticker/bookTicker?symbol=BTCUSDT");
	ck_assert_int_eq(httpstub_req_header(httpstub_request(hs, 0),
	    "User-Agent", hdr, sizeof(hdr)), 0);
	cex_stats(c, &st);
	ck_assert_int_eq(st.used_weight, 12);
	ck_assert_int_eq((int)st.ok, 1);
	/* The exchange's own error. */
	ck_assert_int_eq(cex_book_ticker(c, "NOPEUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_API);
	ck_assert_int_eq((int)e.code, -1121);
	ck_assert_int_eq(e.http_status, 400);
	ck_assert_msg(strstr(e.message, "Invalid symbol") != NULL, "%s",
	    e.message);
	/* Bad symbols never reach the network. */
	ck_assert_int_eq(cex_book_ticker(c, "btc&x=1", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_USAGE);
	ck_assert_int_eq((int)httpstub_nrequests(hs), 2);
	cex_free(&c);
	ck_assert_ptr_null(c);
	cex_free(&c);
	stop_stub();
}
END_TEST

struct acc {
	struct candle	rows[2000];
	size_t		n;
	int		pages;
	int		stop_after;	/* pages; 0: never */
};

static int
accumulate(void *arg, const struct candle *rows, size_t n)
{
	struct acc	*a = arg;

	if (a->n + n > sizeof(a->rows) / sizeof(a->rows[0]))
		return -1;
	memcpy(a->rows + a->n, rows, n * sizeof(*rows));
	a->n += n;
	a->pages++;
	return a->stop_after && a->pages >= a->stop_after ? -1 : 0;
}

START_TEST(klines_and_paging)
{
	struct cex		*c;
	struct candle		*rows, *file;
	struct cex_error	 e;
	struct import_opts	 o;
	struct import_result	*r;
	struct acc		*acc;
	size_t			 n, nf, i;
	char			*text;

	NEED_SHARED();
	c = client(100);
	/* One page, as recorded (no limit in the recording). */
	ck_assert_msg(cex_klines(c, "BTCUSDT", "1m", 1588740088000LL,
	    1588743688000LL, 1000, &rows, &n, &e) == 0, "%s", e.message);
	ck_assert_int_eq((int)n, 60);
	ck_assert(rows[0].open_ms == 1588740120000LL);
	ck_assert_str_eq(rows[0].open, "9033.34000000");
	ck_assert_str_eq(rows[0].high, "9039.99000000");
	ck_assert_str_eq(rows[0].low, "9032.75000000");
	ck_assert_str_eq(rows[0].close, "9033.15000000");
	ck_assert_str_eq(rows[0].volume, "31.19296800");
	ck_assert_str_eq(rows[0].quote_volume, "281893.08800082");
	ck_assert_int_eq((int)rows[0].trades, 282);
	ck_assert(rows[59].open_ms == 1588743660000LL);
	free(rows);
	/* Bad arguments never reach the network. */
	n = httpstub_nrequests(hs);
	ck_assert_int_eq(cex_klines(c, "BTCUSDT", "7m", 0, 1, 10, &rows, &n,
	    &e), -1);
	ck_assert_int_eq(cex_klines(c, "BTCUSDT", "1m", 10, 1, 10, &rows, &n,
	    &e), -1);
	ck_assert_int_eq(cex_klines(c, "BTCUSDT", "1m", 0, 1, 1001, &rows, &n,
	    &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_USAGE);

	/* Paging: 1h from 2020-04-30 21:00 to 2020-07-01 03:00 takes the two
	 * recorded pages (1000 + 468 rows) and gives exactly the rows of
	 * extracted_BTCUSDT-1h_2020.csv, which was built from them. */
	ck_assert_ptr_nonnull(acc = calloc(1, sizeof(*acc)));
	httpstub_clear_requests(hs);
	ck_assert_msg(cex_fetch_klines(c, "BTCUSDT", "1h", 1588280400000LL,
	    1593572400000LL, accumulate, acc, 0, &e) == 0, "%s", e.message);
	ck_assert_int_eq(acc->pages, 2);
	ck_assert_int_eq((int)acc->n, 1468);
	ck_assert_int_eq((int)httpstub_nrequests(hs), 2);
	ck_assert_ptr_nonnull(text = tu_read_file(tu_shared(
	    "data/candles/extracted_BTCUSDT-1h_2020.csv"), &nf));
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(r = calloc(1, sizeof(*r)));
	ck_assert_int_eq(import_parse("extracted_BTCUSDT-1h_2020.csv", text,
	    nf, &o, &file, &nf, r), 0);
	ck_assert_int_eq((int)nf, 1468);
	for (i = 0; i < nf; i++) {
		ck_assert(file[i].open_ms == acc->rows[i].open_ms);
		ck_assert_str_eq(file[i].open, acc->rows[i].open);
		ck_assert_str_eq(file[i].high, acc->rows[i].high);
		ck_assert_str_eq(file[i].low, acc->rows[i].low);
		ck_assert_str_eq(file[i].close, acc->rows[i].close);
		ck_assert_str_eq(file[i].volume, acc->rows[i].volume);
		ck_assert_str_eq(file[i].quote_volume,
		    acc->rows[i].quote_volume);
		ck_assert(file[i].trades == acc->rows[i].trades);
	}
	free(file);
	free(text);
	free(r);
	/* The callback can stop it. */
	memset(acc, 0, sizeof(*acc));
	acc->stop_after = 1;
	ck_assert_int_eq(cex_fetch_klines(c, "BTCUSDT", "1h", 1588280400000LL,
	    1593572400000LL, accumulate, acc, 0, &e), -1);
	ck_assert_int_eq(acc->pages, 1);
	/* A page the server does not have: an API error, no retry. */
	ck_assert_int_eq(cex_fetch_klines(c, "BTCUSDT", "1h", 1000000000000LL,
	    1000003600000LL, accumulate, acc, 5000, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_API);
	free(acc);
	cex_free(&c);
	stop_stub();
}
END_TEST

START_TEST(rate_limits)
{
	struct httpstub_resp	 rs;
	struct cex		*c;
	struct cex_book		 b;
	struct cex_error	 e;
	struct cex_stats	 st;
	struct acc		*acc;
	size_t			 n0;
	struct timespec		 t0, t1;

	NEED_SHARED();
	c = client(100);
	/* 429 with Retry-After: 1 blocks the client for a second. */
	memset(&rs, 0, sizeof(rs));
	rs.status = 429;
	rs.headers = "Retry-After: 1\r\n";
	rs.body = "{\"code\":-1003,\"msg\":\"Too many requests.\"}";
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_RATELIMIT);
	ck_assert_int_eq(e.http_status, 429);
	ck_assert_int_eq((int)e.retry_after_ms, 1000);
	/* While blocked, nothing is sent. */
	n0 = httpstub_nrequests(hs);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_RATELIMIT);
	ck_assert(e.retry_after_ms > 0 && e.retry_after_ms <= 1000);
	ck_assert_int_eq((int)httpstub_nrequests(hs), (int)n0);
	usleep(1100000);
	ck_assert_msg(cex_book_ticker(c, "BTCUSDT", &b, &e) == 0, "%s",
	    e.message);
	cex_stats(c, &st);
	ck_assert_int_eq((int)st.rate_limited, 1);

	/* Without Retry-After: backoff doubling from backoff_ms. */
	rs.headers = NULL;
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq((int)e.retry_after_ms, 100);
	usleep(150000);
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq((int)e.retry_after_ms, 200);
	usleep(250000);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), 0);
	/* ... and a success resets it. */
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq((int)e.retry_after_ms, 100);
	usleep(150000);

	/* A fetch waits a 429 out (Retry-After honoured) and goes on. */
	rs.headers = "Retry-After: 1\r\n";
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_ptr_nonnull(acc = calloc(1, sizeof(*acc)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(cex_fetch_klines(c, "BTCUSDT", "1h", 1588280400000LL,
	    1593572400000LL, accumulate, acc, 10000, &e) == 0, "%s",
	    e.message);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq((int)acc->n, 1468);
	cex_stats(c, &st);
	ck_assert_int_ge((int)st.waited_ms, 1000);
	ck_assert_int_ge((int)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000), 1000);
	/* ... but not beyond its budget. */
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	memset(acc, 0, sizeof(*acc));
	ck_assert_int_eq(cex_fetch_klines(c, "BTCUSDT", "1h", 1588280400000LL,
	    1593572400000LL, accumulate, acc, 500, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_RATELIMIT);
	usleep(1100000);
	free(acc);

	/* 418 (banned): at least two minutes, whatever else. */
	rs.status = 418;
	rs.headers = NULL;
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_RATELIMIT);
	ck_assert_int_ge((int)e.retry_after_ms, 120000);
	cex_free(&c);

	/* The used request weight near the limit: pause to the next minute
	 * before another request. */
	c = client(100);
	memset(&rs, 0, sizeof(rs));
	rs.headers = "X-MBX-USED-WEIGHT-1M: 5950\r\n";
	rs.body = "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"1.0\",\"bidQty\":\"1\","
	    "\"askPrice\":\"1.1\",\"askQty\":\"1\"}";
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), 0);
	n0 = httpstub_nrequests(hs);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_RATELIMIT);
	ck_assert(e.retry_after_ms > 0 && e.retry_after_ms <= 60100);
	ck_assert_int_eq((int)httpstub_nrequests(hs), (int)n0);
	cex_stats(c, &st);
	ck_assert_int_eq(st.used_weight, 5950);
	ck_assert(st.blocked_ms > 0);
	cex_free(&c);
	stop_stub();
}
END_TEST

START_TEST(garbage_replies)
{
	static const char *const books[][2] = {
		{ "<html>oops</html>", "not JSON" },
		{ "{", "not JSON" },
		{ "", "empty" },
		{ "[]", "no entry" },
		{ "{\"symbol\":\"ETHUSDT\",\"bidPrice\":\"1\",\"bidQty\":\"1\","
		    "\"askPrice\":\"2\",\"askQty\":\"1\"}", "another symbol" },
		{ "{\"symbol\":\"BTCUSDT\",\"bidPrice\":1,\"bidQty\":\"1\","
		    "\"askPrice\":\"2\",\"askQty\":\"1\"}", "bidPrice" },
		{ "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"-1\",\"bidQty\":\"1\","
		    "\"askPrice\":\"2\",\"askQty\":\"1\"}", "bidPrice" },
		{ "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"0\",\"bidQty\":\"1\","
		    "\"askPrice\":\"2\",\"askQty\":\"1\"}", "zero" },
		{ "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"3\",\"bidQty\":\"1\","
		    "\"askPrice\":\"2\",\"askQty\":\"1\"}", "crossed" },
		{ "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"1\",\"bidQty\":\"1\"}",
		    "askPrice" },
	};
	static const char *const klines[][2] = {
		{ "{}", "not an array" }, { "[[1,2]]", "row 1" },
		{ "[[1588740120000,\"1\",\"2\",\"0.5\",\"1\",\"x\"]]", "volume" },
		{ "[[1588740120000,\"1\",\"2\",\"3\",\"1\",\"1\"]]", "row 1" },
		{ "[[\"abc\",\"1\",\"2\",\"0.5\",\"1\",\"1\"]]", "open time" },
		{ "[[1588740120000,\"1\",\"2\",\"0.5\",\"1\",\"1\",0,\"x\",1]]",
		    "quote volume" },
		{ "[[1588740120000,\"1\",\"2\",\"0.5\",\"1\",\"1\",0,\"1\",-1]]",
		    "trade count" },
		{ "[[1588740120000,\"1\",\"2\",\"0.5\",\"1\",\"1\"]", "not JSON" },
		{ "\x01\x02\x03", "not JSON" },
	};
	struct httpstub_resp	 rs;
	struct cex		*c;
	struct cex_book		 b;
	struct cex_error	 e;
	struct candle		*rows;
	size_t			 n, i;
	struct cex_opts		 o;

	ck_assert_ptr_nonnull(hs = httpstub_new());
	c = client(100);
	for (i = 0; i < sizeof(books) / sizeof(books[0]); i++) {
		ck_assert_int_eq(httpstub_push_body(hs, 200, books[i][0]), 0);
		ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
		ck_assert_int_eq(e.kind, CEX_ERR_PARSE);
		ck_assert_msg(strstr(e.message, books[i][1]) != NULL,
		    "%zu: %s", i, e.message);
	}
	for (i = 0; i < sizeof(klines) / sizeof(klines[0]); i++) {
		ck_assert_int_eq(httpstub_push_body(hs, 200, klines[i][0]), 0);
		ck_assert_int_eq(cex_klines(c, "BTCUSDT", "1m", 0, 1, 10, &rows,
		    &n, &e), -1);
		ck_assert_int_eq(e.kind, CEX_ERR_PARSE);
		ck_assert_ptr_null(rows);
		ck_assert_msg(strstr(e.message, klines[i][1]) != NULL,
		    "%zu: %s", i, e.message);
	}
	/* Truncated: fewer bytes than Content-Length, then close. */
	memset(&rs, 0, sizeof(rs));
	rs.body = "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"1\",\"bidQty\":\"1\","
	    "\"askPrice\":\"2\",\"askQty\":\"1\"}";
	rs.truncate = 1;
	rs.truncate_len = 20;
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_TRANSPORT);
	/* Closed without a reply. */
	memset(&rs, 0, sizeof(rs));
	rs.close_no_reply = 1;
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_TRANSPORT);
	/* Malformed HTTP. */
	memset(&rs, 0, sizeof(rs));
	rs.raw = "HTTP/1.1 abc\r\n\r\n";
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert(e.kind == CEX_ERR_TRANSPORT || e.kind == CEX_ERR_HTTP);
	/* A 500 page. */
	ck_assert_int_eq(httpstub_push_body(hs, 500, "<h1>down</h1>"), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_HTTP);
	ck_assert_int_eq(e.http_status, 500);
	/* Too slow: the timeout (1.5 s) fires. */
	memset(&rs, 0, sizeof(rs));
	rs.body = "{}";
	rs.delay_ms = 3000;
	ck_assert_int_eq(httpstub_push(hs, &rs), 0);
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_TRANSPORT);
	ck_assert_int_eq(e.timeout, 1);
	cex_free(&c);
	/* Larger than max_response. */
	cex_opts_init(&o);
	o.base_url = httpstub_url(hs);
	o.max_response = 4096;
	ck_assert_ptr_nonnull(c = cex_new(&o));
	{
		char	*big = malloc(100000);

		memset(big, ' ', 99999);
		big[0] = '[';
		big[99997] = ']';
		big[99999] = '\0';
		ck_assert_int_eq(httpstub_push_body(hs, 200, big), 0);
		free(big);
	}
	ck_assert_int_eq(cex_klines(c, "BTCUSDT", "1m", 0, 1, 10, &rows, &n,
	    &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_TRANSPORT);
	ck_assert_msg(strstr(e.message, "larger") != NULL, "%s", e.message);
	cex_free(&c);
	/* Nothing listening. */
	cex_opts_init(&o);
	snprintf(out, sizeof(out), "http://127.0.0.1:%d",
	    httpstub_unused_port());
	o.base_url = out;
	ck_assert_ptr_nonnull(c = cex_new(&o));
	ck_assert_int_eq(cex_book_ticker(c, "BTCUSDT", &b, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_TRANSPORT);
	cex_free(&c);
	/* Bad options. */
	cex_opts_init(&o);
	ck_assert_ptr_null(cex_new(&o));
	o.base_url = "ftp://x";
	ck_assert_ptr_null(cex_new(&o));
	stop_stub();
}
END_TEST

START_TEST(book_tickers_batch)
{
	static const char *const syms[] = { "BTCUSDT", "ETHUSDT", "BNBUSDT" };
	struct cex		*c;
	struct cex_book		 b[3];
	struct cex_error	 e;
	int			 ok[3];

	ck_assert_ptr_nonnull(hs = httpstub_new());
	c = client(100);
	ck_assert_int_eq(httpstub_push_body(hs, 200, "[{\"symbol\":\"BTCUSDT\","
	    "\"bidPrice\":\"6621.55\",\"bidQty\":\"1\",\"askPrice\":"
	    "\"6622.1\",\"askQty\":\"2\"},{\"symbol\":\"ETHUSDT\","
	    "\"bidPrice\":\"377.63\",\"bidQty\":\"0.28\",\"askPrice\":"
	    "\"377.64\",\"askQty\":\"4.246\"}]"), 0);
	ck_assert_msg(cex_book_tickers(c, syms, 3, b, ok, &e) == 0, "%s",
	    e.message);
	ck_assert_str_eq(httpstub_request(hs, 0)->target,
	    "/api/v3/ticker/bookTicker?symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT"
	    "%22%2C%22BNBUSDT%22%5D");
	ck_assert(ok[0] && ok[1] && !ok[2]);
	ck_assert_str_eq(b[0].bid, "6621.55");
	ck_assert_str_eq(b[1].ask, "377.64");
	/* Not an array, an error, bad arguments. */
	ck_assert_int_eq(httpstub_push_body(hs, 200, "{\"symbol\":\"BTCUSDT\"}"),
	    0);
	ck_assert_int_eq(cex_book_tickers(c, syms, 3, b, ok, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_PARSE);
	ck_assert_int_eq(httpstub_push_body(hs, 400, "{\"code\":-1100,"
	    "\"msg\":\"Illegal characters found in parameter 'symbols'\"}"), 0);
	ck_assert_int_eq(cex_book_tickers(c, syms, 3, b, ok, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_API);
	ck_assert_int_eq(cex_book_tickers(c, syms, 0, b, ok, &e), -1);
	ck_assert_int_eq(e.kind, CEX_ERR_USAGE);
	{
		const char	*bad[] = { "BTCUSDT", "x\"]" };

		ck_assert_int_eq(cex_book_tickers(c, bad, 2, b, ok, &e), -1);
		ck_assert_int_eq(e.kind, CEX_ERR_USAGE);
	}
	ck_assert_int_eq((int)httpstub_nrequests(hs), 3);
	cex_free(&c);
	stop_stub();
}
END_TEST

/* --- bsc-ctl market fetch into a database --- */

static char	dir[256], conf[300], dburl[512];

static void
setup_env(const char *cex_url)
{
	char	*ci;
	FILE	*f;

	ck_assert_ptr_nonnull(ci = tu_db_create("cex"));
	snprintf(dburl, sizeof(dburl), "%s", ci);
	free(ci);
	ck_assert_int_eq(tu_private_conf("bsc-cex", dburl, dir, sizeof(dir),
	    conf, sizeof(conf)), 0);
	ck_assert_ptr_nonnull(f = fopen(conf, "a"));
	fprintf(f, "\n[marketd]\ncex_url = %s\ncex_timeout_ms = 2000\n",
	    cex_url);
	/* A market of our own, for when the environment has no chain. */
	fprintf(f, "\n[token TA]\naddress = 0x00000000000000000000000000000000"
	    "0000000a\n[token TB]\naddress = 0x0000000000000000000000000000000"
	    "00000000b\n[market ETH/BTC]\npair = 0x00000000000000000000000000"
	    "0000000000000c\nbase = TA\nquote = TB\ncex_symbol = ETHBTC\n");
	fclose(f);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), conf), 0);
}

/* bsc-ctl with this test's config; output (stdout and stderr) in out. */
#define ctl(...)	tu_ctl(conf, out, sizeof(out), __VA_ARGS__)

static long
sql_count(const char *query)
{
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"%s\"",
	    dburl, query), 0);
	return atol(out);
}

START_TEST(fetch_into_db)
{
	cJSON	*j;
	int	 rc;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	NEED_SHARED();
	setup_env(httpstub_url(hs));
	rc = tu_run(out, sizeof(out), "%s -c %s --json market fetch -s ETH/BTC "
	    "-i 1d --from 2019-01-01 --to 1577836800000 2>&1",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	ck_assert_int_eq(cJSON_GetObjectItem(j, "rows")->valueint, 366);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "inserted")->valueint, 366);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "gaps")->valueint, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "first"),
	    "open")->valuestring, "0.03553400");
	cJSON_Delete(j);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles WHERE symbol "
	    "= 'ETH/BTC' AND interval = '1d' AND source = 'cex'"), 366);
	/* The 1h range in two pages, with the gap reported; BTC/USDT maps to
	 * BTCUSDT through the config when the environment has the chain's
	 * markets, else by --cex-symbol. */
	rc = ctl("market fetch -s BTC/USDT --cex-symbol BTCUSDT -i 1h --from "
	    "1588280400000 --to 2020-07-01T03:00:00Z");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	ck_assert_msg(strstr(out, "1468 rows (1468 new") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "1 gap, 3 candles missing") != NULL, "%s",
	    out);
	/* Again: nothing new. */
	rc = ctl("market fetch -s BTC/USDT --cex-symbol BTCUSDT -i 1h --from "
	    "1588280400000 --to 2020-07-01T03:00:00Z");
	ck_assert_msg(rc == 0 && strstr(out, "0 new, 1468 already") != NULL,
	    "rc=%d %s", rc, out);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM candles WHERE symbol "
	    "= 'BTC/USDT' AND interval = '1h'"), 1468);
	/* A range the exchange does not have: the API error, exit 1. */
	rc = ctl("market fetch -s BTC/USDT --cex-symbol BTCUSDT -i 1h --days 2");
	ck_assert_msg(rc == 1 && strstr(out, "Invalid symbol") != NULL,
	    "rc=%d %s", rc, out);
	ck_assert_int_eq(sql_count("SELECT count(*) FROM audit_log WHERE "
	    "command = 'market fetch'"), 4);
	stop_stub();
	/* The exchange is down: exit 1, a clear error. */
	rc = ctl("market fetch -s ETH/BTC -i 1d --from 2019-01-01 --to "
	    "2019-01-05");
	ck_assert_msg(rc == 1 && strstr(out, "transport") != NULL, "rc=%d %s",
	    rc, out);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cex");
	TCase	*tc = tcase_create("cex");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, book_ticker);
	tcase_add_test(tc, klines_and_paging);
	tcase_add_test(tc, rate_limits);
	tcase_add_test(tc, garbage_replies);
	tcase_add_test(tc, book_tickers_batch);
	tcase_add_test(tc, fetch_into_db);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
