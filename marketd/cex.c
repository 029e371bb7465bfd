/*
 * cex.c: Binance-compatible REST client (see cex.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "cex.h"
#include "import.h"
#include "jraw.h"

#define CEX_URL_MAX	512

struct cex {
	struct cex_opts	 o;
	char		 base[CEX_URL_MAX];
	CURL		*curl;
	/* The reply being received. */
	char		*buf;
	size_t		 len, cap;
	int		 toobig;
	long long	 hdr_retry_after_ms;	/* -1: none */
	int		 hdr_weight;		/* -1: none */
	/* Rate limiting. */
	long long	 blocked_until;		/* monotonic ms */
	int		 consecutive_429;
	struct cex_stats st;
};

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
efail(struct cex_error *err, enum cex_err_kind k, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return -1;
	err->kind = k;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void
eclear(struct cex_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

const char *
cex_err_kind_name(enum cex_err_kind k)
{
	switch (k) {
	case CEX_ERR_NONE:	return "none";
	case CEX_ERR_TRANSPORT:	return "transport";
	case CEX_ERR_HTTP:	return "http";
	case CEX_ERR_RATELIMIT:	return "ratelimit";
	case CEX_ERR_API:	return "api";
	case CEX_ERR_PARSE:	return "parse";
	case CEX_ERR_USAGE:	return "usage";
	}
	return "unknown";
}

int
cex_symbol_ok(const char *s)
{
	size_t	n = 0;

	if (s == NULL)
		return 0;
	for (; s[n]; n++)
		if (!isupper((unsigned char)s[n]) &&
		    !isdigit((unsigned char)s[n]) && s[n] != '_' &&
		    s[n] != '-')
			return 0;
	return n >= 1 && n <= 20;
}

void
cex_opts_init(struct cex_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 5000;
	o->connect_timeout_ms = 3000;
	o->weight_limit = 6000;
	o->backoff_ms = 1000;
	o->backoff_max_ms = 60000;
	o->max_response = 16 * 1024 * 1024;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct cex	*c = arg;
	size_t		 n = size * nmemb;
	char		*t;

	if (c->len + n + 1 > c->o.max_response) {
		c->toobig = 1;
		return 0;	/* aborts the transfer */
	}
	if (c->len + n + 1 > c->cap) {
		size_t	cap = (c->len + n + 1) * 2;

		if (cap > c->o.max_response + 1)
			cap = c->o.max_response + 1;
		if ((t = realloc(c->buf, cap)) == NULL)
			return 0;
		c->buf = t;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* Header value as a non-negative integer, -1 when it is not one. */
static long long
header_int(const char *v, size_t n)
{
	long long	x = 0;
	size_t		i = 0, d = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	for (; i < n && isdigit((unsigned char)v[i]); i++, d++) {
		if (x > 1000000000LL)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
	    v[i] == '\n'))
		i++;
	return d > 0 && i == n ? x : -1;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct cex	*c = arg;
	size_t		 n = size * nmemb;
	long long	 v;

	/* A new status line (after a 100 Continue): forget what we had. */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		c->hdr_retry_after_ms = -1;
		c->hdr_weight = -1;
	} else if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		if ((v = header_int(p + 12, n - 12)) >= 0)
			c->hdr_retry_after_ms = v * 1000;
	} else if (n > 22 && strncasecmp(p, "X-MBX-USED-WEIGHT-1M:", 21) == 0) {
		if ((v = header_int(p + 21, n - 21)) >= 0 && v < 100000000)
			c->hdr_weight = (int)v;
	}
	return n;
}

struct cex *
cex_new(const struct cex_opts *o)
{
	struct cex	*c;
	size_t		 n;

	if (o->base_url == NULL || (strncmp(o->base_url, "http://", 7) != 0 &&
	    strncmp(o->base_url, "https://", 8) != 0) ||
	    strlen(o->base_url) >= CEX_URL_MAX - 128 || o->timeout_ms <= 0 ||
	    o->weight_limit <= 0 || o->max_response < 1024)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->o = *o;
	if (c->o.backoff_ms <= 0)
		c->o.backoff_ms = 1000;
	if (c->o.backoff_max_ms < c->o.backoff_ms)
		c->o.backoff_max_ms = c->o.backoff_ms;
	if (c->o.connect_timeout_ms <= 0 ||
	    c->o.connect_timeout_ms > c->o.timeout_ms)
		c->o.connect_timeout_ms = c->o.timeout_ms;
	snprintf(c->base, sizeof(c->base), "%s", o->base_url);
	n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->o.base_url = c->base;
	c->st.used_weight = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c->curl = curl_easy_init()) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
cex_free(struct cex **cp)
{
	struct cex	*c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->buf);
	free(c);
	*cp = NULL;
}

void
cex_stats(const struct cex *c, struct cex_stats *out)
{
	long long	now = mono_ms();

	*out = c->st;
	out->blocked_ms = c->blocked_until > now ? c->blocked_until - now : 0;
}

/* An API error body {"code":-1121,"msg":"..."}: 1 when found. */
static int
api_error(const char *body, size_t len, struct cex_error *err)
{
	cJSON		*j = cJSON_ParseWithLength(body, len), *code, *msg;
	int		 found = 0;

	if (j == NULL)
		return 0;
	code = cJSON_GetObjectItemCaseSensitive(j, "code");
	msg = cJSON_GetObjectItemCaseSensitive(j, "msg");
	if (cJSON_IsNumber(code) && cJSON_IsString(msg)) {
		char	safe[160];
		size_t	i;

		snprintf(safe, sizeof(safe), "%s", msg->valuestring);
		for (i = 0; safe[i]; i++)
			if ((unsigned char)safe[i] < 0x20)
				safe[i] = '?';
		efail(err, CEX_ERR_API, "exchange error %lld: %s",
		    (long long)code->valuedouble, safe);
		if (err != NULL)
			err->code = (long long)code->valuedouble;
		found = 1;
	}
	cJSON_Delete(j);
	return found;
}

/* Milliseconds to the next wall-clock minute. */
static long long
to_next_minute_ms(void)
{
	struct timespec	ts;
	long long	ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 60000 - ms % 60000 + 50;
}

/*
 * GET base + pathq. On success the body is in c->buf/c->len (valid until
 * the next request). Returns 0 or -1.
 */
static int
get(struct cex *c, const char *pathq, struct cex_error *err)
{
	char		 url[CEX_URL_MAX + 256];
	long long	 now = mono_ms(), wait;
	long		 status = 0;
	CURLcode	 cc;
	int		 bad = 0;

	eclear(err);
	if (c->blocked_until > now) {
		wait = c->blocked_until - now;
		efail(err, CEX_ERR_RATELIMIT, "rate limited: next request "
		    "allowed in %lld ms", wait);
		if (err != NULL)
			err->retry_after_ms = wait;
		return -1;
	}
	if (snprintf(url, sizeof(url), "%s%s", c->base, pathq) >=
	    (int)sizeof(url))
		return efail(err, CEX_ERR_USAGE, "URL too long");
	c->len = 0;
	c->toobig = 0;
	c->hdr_retry_after_ms = -1;
	c->hdr_weight = -1;
	if (c->buf != NULL)
		c->buf[0] = '\0';
	curl_easy_reset(c->curl);
	bad |= curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_write) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
	    (long)c->o.timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->o.connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "bsc-mm-marketd") !=
	    CURLE_OK;
	(void)curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	if (bad)
		return efail(err, CEX_ERR_USAGE, "curl refused an option");
	c->st.requests++;
	cc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (err != NULL)
		err->http_status = (int)status;
	if (c->hdr_weight >= 0)
		c->st.used_weight = c->hdr_weight;
	if (cc != CURLE_OK) {
		c->st.errors++;
		if (c->toobig)
			return efail(err, CEX_ERR_TRANSPORT, "reply larger than "
			    "%zu bytes", c->o.max_response);
		if (err != NULL)
			err->timeout = cc == CURLE_OPERATION_TIMEDOUT;
		/* curl's text names the host, never the query. */
		return efail(err, CEX_ERR_TRANSPORT, "%s",
		    curl_easy_strerror(cc));
	}
	now = mono_ms();
	if (status == 429 || status == 418) {
		c->st.errors++;
		c->st.rate_limited++;
		if (c->hdr_retry_after_ms >= 0)
			wait = c->hdr_retry_after_ms;
		else {
			int	k = c->consecutive_429 < 16 ?
				    c->consecutive_429 : 16;

			wait = (long long)c->o.backoff_ms << k;
			if (wait > c->o.backoff_max_ms)
				wait = c->o.backoff_max_ms;
			/* An IP ban (418) lasts minutes at least. */
			if (status == 418 && wait < 120000)
				wait = 120000;
		}
		c->consecutive_429++;
		c->blocked_until = now + wait;
		efail(err, CEX_ERR_RATELIMIT, "HTTP %ld (%s): retry after %lld "
		    "ms", status, status == 418 ? "IP banned" : "too many "
		    "requests", wait);
		if (err != NULL)
			err->retry_after_ms = wait;
		return -1;
	}
	c->consecutive_429 = 0;
	if (status < 200 || status > 299) {
		c->st.errors++;
		if (api_error(c->buf ? c->buf : "", c->len, err))
			return -1;
		return efail(err, CEX_ERR_HTTP, "HTTP %ld", status);
	}
	if (c->hdr_weight >= 0 &&
	    (long long)c->hdr_weight * 10 >= (long long)c->o.weight_limit * 9)
		c->blocked_until = now + to_next_minute_ms();
	c->st.ok++;
	if (c->len == 0)
		return efail(err, CEX_ERR_PARSE, "empty reply");
	return 0;
}

static int
book_field(const cJSON *o, const char *k, char out[DEC_MAX], int positive,
    struct cex_error *err)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v) || dec_normalize(v->valuestring,
	    strlen(v->valuestring), out, DEC_MAX) == -1)
		return efail(err, CEX_ERR_PARSE, "bookTicker: %s is not a "
		    "decimal string", k);
	if (positive && dec_is_zero(out))
		return efail(err, CEX_ERR_PARSE, "bookTicker: %s is zero", k);
	return 0;
}

int
cex_parse_book(const char *body, size_t len, const char *symbol,
    struct cex_book *out, struct cex_error *err)
{
	cJSON		*j, *o = NULL, *e, *sym;
	int		 rc = -1;

	eclear(err);
	memset(out, 0, sizeof(*out));
	if ((j = cJSON_ParseWithLength(body, len)) == NULL)
		return efail(err, CEX_ERR_PARSE, "bookTicker: reply is not "
		    "JSON");
	if (cJSON_IsObject(j))
		o = j;
	else if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j) {
			sym = cJSON_GetObjectItemCaseSensitive(e, "symbol");
			if (cJSON_IsString(sym) &&
			    strcmp(sym->valuestring, symbol) == 0) {
				o = e;
				break;
			}
		}
	}
	if (o == NULL) {
		efail(err, CEX_ERR_PARSE, "bookTicker: no entry for %s",
		    symbol);
		goto done;
	}
	sym = cJSON_GetObjectItemCaseSensitive(o, "symbol");
	if (cJSON_IsString(sym) && strcmp(sym->valuestring, symbol) != 0) {
		efail(err, CEX_ERR_PARSE, "bookTicker: reply is for another "
		    "symbol");
		goto done;
	}
	if (book_field(o, "bidPrice", out->bid, 1, err) == -1 ||
	    book_field(o, "askPrice", out->ask, 1, err) == -1 ||
	    book_field(o, "bidQty", out->bid_qty, 0, err) == -1 ||
	    book_field(o, "askQty", out->ask_qty, 0, err) == -1)
		goto done;
	if (dec_cmp(out->bid, out->ask) > 0) {
		efail(err, CEX_ERR_PARSE, "bookTicker: crossed book (bid %s > "
		    "ask %s)", out->bid, out->ask);
		goto done;
	}
	snprintf(out->symbol, sizeof(out->symbol), "%s", symbol);
	out->mid_f = (strtod(out->bid, NULL) + strtod(out->ask, NULL)) / 2;
	rc = 0;
done:
	cJSON_Delete(j);
	return rc;
}

int
cex_parse_klines(const char *body, size_t len, struct candle **rows,
    size_t *n, struct cex_error *err)
{
	struct jr_doc	*d;
	const struct jr	*a, *r;
	char		 e[256];
	size_t		 i = 0;

	eclear(err);
	*rows = NULL;
	*n = 0;
	if ((d = jr_parse(body, len, e, sizeof(e))) == NULL)
		return efail(err, CEX_ERR_PARSE, "klines: not JSON (%s)", e);
	a = jr_root(d);
	if (a->type != JR_ARR) {
		jr_free(&d);
		return efail(err, CEX_ERR_PARSE, "klines: reply is not an "
		    "array");
	}
	if (a->n > 0 && (*rows = calloc(a->n, sizeof(**rows))) == NULL) {
		jr_free(&d);
		return efail(err, CEX_ERR_USAGE, "out of memory");
	}
	for (r = a->child; r != NULL; r = r->next, i++) {
		if (candle_from_array(r, &(*rows)[i], e, sizeof(e)) == -1 ||
		    candle_check(&(*rows)[i], e, sizeof(e)) == -1) {
			free(*rows);
			*rows = NULL;
			jr_free(&d);
			return efail(err, CEX_ERR_PARSE, "klines: row %zu: %s",
			    i + 1, e);
		}
		(*rows)[i].line = 0;
	}
	*n = i;
	jr_free(&d);
	return 0;
}

int
cex_book_ticker(struct cex *c, const char *symbol, struct cex_book *out,
    struct cex_error *err)
{
	char	pq[128];

	if (!cex_symbol_ok(symbol))
		return efail(err, CEX_ERR_USAGE, "bad exchange symbol");
	snprintf(pq, sizeof(pq), "/api/v3/ticker/bookTicker?symbol=%s", symbol);
	if (get(c, pq, err) == -1)
		return -1;
	return cex_parse_book(c->buf, c->len, symbol, out, err);
}

int
cex_book_tickers(struct cex *c, const char *const *symbols, int n,
    struct cex_book *out, int *ok, struct cex_error *err)
{
	char			*pq;
	size_t			 len = 0, cap;
	int			 i;
	struct cex_error	 e;

	if (n < 1 || n > CEX_MAX_SYMBOLS)
		return efail(err, CEX_ERR_USAGE, "bad symbol count");
	for (i = 0; i < n; i++)
		if (!cex_symbol_ok(symbols[i]))
			return efail(err, CEX_ERR_USAGE, "bad exchange symbol");
	/* ["A","B"] URL-encoded: %5B %22A%22 %2C ... %5D. */
	cap = 64 + (size_t)n * 32;
	if ((pq = malloc(cap)) == NULL)
		return efail(err, CEX_ERR_USAGE, "out of memory");
	len = (size_t)snprintf(pq, cap, "/api/v3/ticker/bookTicker?symbols=%%5B");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(pq + len, cap - len, "%s%%22%s%%22",
		    i ? "%2C" : "", symbols[i]);
	snprintf(pq + len, cap - len, "%%5D");
	if (get(c, pq, err) == -1) {
		free(pq);
		return -1;
	}
	free(pq);
	for (i = 0; i < n; i++)
		ok[i] = cex_parse_book(c->buf, c->len, symbols[i], &out[i],
		    &e) == 0;
	/* Not an array at all: the reply is garbage, not a missing symbol. */
	if (c->len == 0 || c->buf[strspn(c->buf, " \t\r\n")] != '[')
		return efail(err, CEX_ERR_PARSE, "bookTicker: reply is not an "
		    "array");
	return 0;
}

int
cex_klines(struct cex *c, const char *symbol, const char *interval,
    int64_t start_ms, int64_t end_ms, int limit, struct candle **rows,
    size_t *n, struct cex_error *err)
{
	char	pq[256];

	*rows = NULL;
	*n = 0;
	if (!cex_symbol_ok(symbol))
		return efail(err, CEX_ERR_USAGE, "bad exchange symbol");
	if (candle_interval_ms(interval) == 0)
		return efail(err, CEX_ERR_USAGE, "bad interval");
	if (limit < 1 || limit > CEX_KLINES_LIMIT || start_ms < 0 ||
	    end_ms < start_ms)
		return efail(err, CEX_ERR_USAGE, "bad klines range or limit");
	snprintf(pq, sizeof(pq), "/api/v3/klines?symbol=%s&interval=%s"
	    "&startTime=%" PRId64 "&endTime=%" PRId64 "&limit=%d", symbol,
	    interval, start_ms, end_ms, limit);
	if (get(c, pq, err) == -1)
		return -1;
	return cex_parse_klines(c->buf, c->len, rows, n, err);
}

static void
sleep_ms(long long ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1)
		;
}

int
cex_fetch_klines(struct cex *c, const char *symbol, const char *interval,
    int64_t start_ms, int64_t end_ms,
    int (*cb)(void *arg, const struct candle *rows, size_t n), void *arg,
    long long max_wait_ms, struct cex_error *err)
{
	int64_t		 iv = candle_interval_ms(interval), s = start_ms, we;
	long long	 waited = 0, wait;
	int		 failures = 0;

	eclear(err);
	if (iv == 0)
		return efail(err, CEX_ERR_USAGE, "bad interval");
	while (s <= end_ms) {
		struct candle	*rows;
		size_t		 n;

		we = s + iv * CEX_KLINES_LIMIT;
		if (we > end_ms)
			we = end_ms;
		if (cex_klines(c, symbol, interval, s, we, CEX_KLINES_LIMIT,
		    &rows, &n, err) == -1) {
			if (err->kind == CEX_ERR_RATELIMIT)
				wait = err->retry_after_ms;
			else if ((err->kind == CEX_ERR_TRANSPORT ||
			    (err->kind == CEX_ERR_HTTP &&
			    err->http_status >= 500)) && failures < 4)
				wait = (long long)c->o.backoff_ms << failures;
			else
				return -1;
			if (waited + wait > max_wait_ms)
				return -1;
			failures += err->kind != CEX_ERR_RATELIMIT;
			sleep_ms(wait);
			waited += wait;
			c->st.waited_ms += wait;
			continue;
		}
		failures = 0;
		if (n > 0 && cb(arg, rows, n) == -1) {
			free(rows);
			return efail(err, CEX_ERR_USAGE, "stopped");
		}
		if (n == CEX_KLINES_LIMIT && rows[n - 1].open_ms >= s)
			s = rows[n - 1].open_ms + iv;
		else
			s = we + 1;
		free(rows);
	}
	return 0;
}
