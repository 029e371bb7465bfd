/*
 * cex.h: a small client for a Binance-compatible REST API: the best bid
 * and ask (/api/v3/ticker/bookTicker) for the reference price, and klines
 * (/api/v3/klines) for candle fetches.
 *
 * Every request has a connect and a total timeout (libcurl). Rate limits
 * are respected: an HTTP 429 or 418 reply blocks the client for the
 * reply's Retry-After (seconds), or without one for a backoff that
 * doubles from backoff_ms up to backoff_max_ms; and when the used request
 * weight the server reports (X-MBX-USED-WEIGHT-1M) reaches 90% of
 * weight_limit, the client pauses until the minute turns. While blocked,
 * a call fails at once with CEX_ERR_RATELIMIT and retry_after_ms, without
 * touching the network; cex_fetch_klines() waits instead.
 *
 * Thread-safety: none; one struct cex per thread.
 */
#ifndef MARKETD_CEX_H
#define MARKETD_CEX_H

#include <stddef.h>
#include <stdint.h>

#include "candles.h"
#include "dec.h"

#define CEX_KLINES_LIMIT	1000	/* rows per klines request (max) */
#define CEX_MAX_SYMBOLS		128	/* symbols in one bookTicker request */

struct cex_opts {
	const char	*base_url;	/* "https://api.binance.com" */
	int		 timeout_ms;	/* one request, total; default 5000 */
	int		 connect_timeout_ms;	/* default 3000 */
	int		 weight_limit;	/* per minute; default 6000 */
	int		 backoff_ms;	/* first 429 backoff; default 1000 */
	int		 backoff_max_ms;	/* default 60000 */
	size_t		 max_response;	/* bytes; default 16 MiB */
};

enum cex_err_kind {
	CEX_ERR_NONE = 0,
	CEX_ERR_TRANSPORT,	/* connect, timeout, truncated body */
	CEX_ERR_HTTP,		/* non-2xx without an API error body */
	CEX_ERR_RATELIMIT,	/* 429/418, or blocked by an earlier one */
	CEX_ERR_API,		/* {"code":-1121,"msg":"Invalid symbol."} */
	CEX_ERR_PARSE,		/* body is not what the endpoint returns */
	CEX_ERR_USAGE		/* bad argument or out of memory */
};

struct cex_error {
	enum cex_err_kind kind;
	int		 http_status;	/* 0 if none */
	int		 timeout;	/* transport error was a timeout */
	long long	 code;		/* CEX_ERR_API: the API's code */
	long long	 retry_after_ms; /* CEX_ERR_RATELIMIT: wait this long */
	char		 message[256];
};

struct cex_stats {
	unsigned long	 requests;	/* sent */
	unsigned long	 ok;
	unsigned long	 errors;
	unsigned long	 rate_limited;	/* 429/418 replies */
	long long	 waited_ms;	/* slept by cex_fetch_klines */
	int		 used_weight;	/* last X-MBX-USED-WEIGHT-1M, -1 none */
	long long	 blocked_ms;	/* still blocked for, 0 if not */
};

/* Best bid and ask of one symbol. Prices are normalised decimals. */
struct cex_book {
	char	 symbol[24];
	char	 bid[DEC_MAX], ask[DEC_MAX];
	char	 bid_qty[DEC_MAX], ask_qty[DEC_MAX];
	double	 mid_f;		/* (bid + ask) / 2, for display/statistics */
};

struct cex;

void	 cex_opts_init(struct cex_opts *);

/* A client (copies the options). NULL on a bad URL or curl failure. */
struct cex *cex_new(const struct cex_opts *);
void	 cex_free(struct cex **);

void	 cex_stats(const struct cex *, struct cex_stats *out);

/* Static name of an error kind ("ratelimit"). */
const char *cex_err_kind_name(enum cex_err_kind);

/* 1 when s is a plausible exchange symbol ("BTCUSDT"), else 0. */
int	 cex_symbol_ok(const char *s);

/* GET bookTicker for symbol. Returns 0 or -1 with err filled. */
int	 cex_book_ticker(struct cex *, const char *symbol,
	    struct cex_book *out, struct cex_error *err);

/*
 * GET bookTicker for n (1..CEX_MAX_SYMBOLS) symbols in one request
 * (?symbols=["A","B"], weight 4 on Binance instead of 2 per symbol).
 * On success ok[i] tells whether symbols[i] was in the reply, with out[i]
 * filled. Returns 0, or -1 when the request as a whole failed.
 */
int	 cex_book_tickers(struct cex *, const char *const *symbols, int n,
	    struct cex_book *out, int *ok, struct cex_error *err);

/*
 * GET one page of klines: open times in [start_ms, end_ms], at most limit
 * rows (1..1000). On success *rows (caller frees) holds *n checked
 * candles in the order received. Returns 0 or -1.
 */
int	 cex_klines(struct cex *, const char *symbol, const char *interval,
	    int64_t start_ms, int64_t end_ms, int limit,
	    struct candle **rows, size_t *n, struct cex_error *err);

/*
 * All klines with open times in [start_ms, end_ms], page by page: each
 * page asks for [s, s + 1000 intervals] and the next starts after the
 * last row received (or after the window when the page was not full).
 * cb gets each non-empty page and returns 0 to go on, -1 to stop (the
 * call then fails with CEX_ERR_USAGE "stopped"). A rate limit is waited
 * out (Retry-After) and a transport or 5xx failure retried with backoff,
 * as long as the waits stay within max_wait_ms in all. Returns 0 or -1.
 */
int	 cex_fetch_klines(struct cex *, const char *symbol,
	    const char *interval, int64_t start_ms, int64_t end_ms,
	    int (*cb)(void *arg, const struct candle *rows, size_t n),
	    void *arg, long long max_wait_ms, struct cex_error *err);

/* Parsers, for tests: a bookTicker body (an object, or an array holding
 * symbol's object) and a klines body. Same returns as above. */
int	 cex_parse_book(const char *body, size_t len, const char *symbol,
	    struct cex_book *out, struct cex_error *err);
int	 cex_parse_klines(const char *body, size_t len, struct candle **rows,
	    size_t *n, struct cex_error *err);

#endif
