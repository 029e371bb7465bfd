/*
 * backtest_args.c: what the backtest commands share (backtest_int.h):
 * usage, options, the candle window, the pool model, printing a report,
 * storing a run.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "backtest_int.h"
#include "../stratd/backtest.h"
#include "../stratd/chart.h"
#include "../stratd/grid.h"
#include "../stratd/report.h"
#include "../stratd/sweep.h"

void
ctl_bt_usage(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl backtest COMMAND [OPTIONS] [--json]\n"
	    "  quick-grid -s SYMBOL [--days N] [--grid-count K] [--size X]\n"
	    "             [--spacing arithmetic|geometric]\n"
	    "      a grid over the last N days of stored candles (default 7),\n"
	    "      bounds from that window's low and high, K cells (default 10)\n"
	    "  run -s SYMBOL [--from T] [--to T] -p JSON\n"
	    "      any grid parameters (upper_price, lower_price, grid_count,\n"
	    "      base_order_size, spacing, size_unit, initial_buy, stop_loss,\n"
	    "      take_profit, close_on_stop); absent bounds: the window's range\n"
	    "  list [-s SYMBOL] [--limit N]\n"
	    "  show ID [--chart FILE.svg] [--trades]\n"
	    "  sweep -s SYMBOL [--from T] [--to T | --days N] [-p JSON]\n"
	    "        --grid-count A..B[:STEP] [--range W1%%..W2%%[:STEP%%] |\n"
	    "        --range LOW..HIGH] [--spacing arithmetic,geometric]\n"
	    "        [--rank-by sharpe|return|sortino|realized_profit|apr|\n"
	    "        win_rate|max_drawdown] [--jobs N] [--top N]\n"
	    "      many runs over every core, ranked, each stored\n"
	    "options of quick-grid, run and sweep:\n"
	    "  --interval I    candle interval (default: the one covering the most time)\n"
	    "  --fee-bps N     pool fee (default: the market's fee_bps, else 25)\n"
	    "  --depth X       pool depth in quote tokens, 0 = no price impact\n"
	    "                  (default: [backtest] pool_depth)\n"
	    "  --gas X         gas per swap in quote tokens ([backtest] "
	    "gas_per_swap)\n"
	    "  --name NAME     a label stored with the run\n"
	    "  --chart FILE    also write the SVG chart (quick-grid, run, show)\n"
	    "times T: 2023-01-02, 2023-01-02T16:45:00Z, or Unix milliseconds\n");
}

/* Parse argv[2..] into o, allowing the flags named in allowed
 * ("-s --days ..."). Returns 0, or CTL_EXIT_USAGE after a message. */
int
ctl_bt_parse_opts(int argc, char **argv, const char *allowed, int want_id,
    struct opts *o)
{
	static const struct {
		const char	*flag, *alt;
		size_t		 off;
	} tab[] = {
#define O(f) offsetof(struct opts, f)
		{ "-s", "--symbol", O(symbol) },
		{ "--from", NULL, O(from) },
		{ "--to", NULL, O(to) },
		{ "-p", "--params", O(params) },
		{ "--interval", NULL, O(interval) },
		{ "--fee-bps", NULL, O(fee_bps) },
		{ "--depth", NULL, O(depth) },
		{ "--gas", NULL, O(gas) },
		{ "--name", NULL, O(name) },
		{ "--chart", NULL, O(chart) },
		{ "--size", NULL, O(size) },
		{ "--spacing", NULL, O(spacing) },
		{ "--grid-count", NULL, O(gc) },
		{ "--range", NULL, O(range) },
		{ "--rank-by", NULL, O(rank_by) },
		{ "--jobs", NULL, O(jobs) },
		{ "--top", NULL, O(top) },
		{ "--limit", NULL, O(limit) },
		{ "--days", NULL, O(days) },
#undef O
	};
	int	i;
	size_t	k;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		const char	*a = argv[i];
		char		 pat[64];

		if (strcmp(a, "--trades") == 0 && strstr(allowed, "--trades")) {
			o->trades = 1;
			continue;
		}
		if (a[0] != '-') {
			if (want_id && o->id == NULL) {
				o->id = a;
				continue;
			}
			ctl_err("backtest %s: unexpected argument '%s'",
			    argv[1],
			    a);
			return CTL_EXIT_USAGE;
		}
		for (k = 0; k < sizeof(tab) / sizeof(tab[0]); k++)
			if (strcmp(a, tab[k].flag) == 0 || (tab[k].alt &&
			    strcmp(a, tab[k].alt) == 0))
				break;
		snprintf(pat, sizeof(pat), "%s ", k < sizeof(tab) /
		    sizeof(tab[0]) ? tab[k].flag : "?");
		if (k == sizeof(tab) / sizeof(tab[0]) || strstr(allowed,
		    pat) == NULL) {
			ctl_err("backtest %s: unknown option '%s'", argv[1], a);
			return CTL_EXIT_USAGE;
		}
		if (i + 1 == argc) {
			ctl_err("backtest %s: %s needs a value", argv[1], a);
			return CTL_EXIT_USAGE;
		}
		*(const char **)(void *)((char *)o + tab[k].off) = argv[++i];
	}
	if (want_id && o->id == NULL) {
		ctl_err("backtest %s: which backtest? (an ID)", argv[1]);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

/* A whole number in [lo, hi]. Returns 0 or -1. */
int
ctl_bt_int_arg(const char *s, long lo, long hi, long *v)
{
	char	*end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' || errno != 0 || *v < lo || *v > hi ?
	    -1 : 0;
}

/* The database, connected, in UTC. NULL after the error (exit code in
 * *rc). */
struct db *
ctl_bt_open_db(struct ctl *c, int *rc)
{
	struct db	*d;

	if ((d = ctl_db(c)) == NULL) {
		*rc = CTL_EXIT_CONFIG;
		return NULL;
	}
	if (!db_is_up(d)) {
		ctl_err("%s", db_error(d));
		*rc = CTL_EXIT_NOTRUNNING;
		return NULL;
	}
	if (db_exec(d, "SET TIME ZONE 'UTC'", 0, NULL) == -1) {
		ctl_err("%s", db_error(d));
		*rc = CTL_EXIT_ERROR;
		return NULL;
	}
	return d;
}

/* A time argument to Unix ms. Returns 0, or -1 after a message. */
static int
time_arg(struct db *d, const char *flag, const char *s, int64_t *ms)
{
	const char	*p[1] = { s };
	char		 v[32];
	size_t		 i;

	for (i = 0; s[i] && isdigit((unsigned char)s[i]); i++)
		;
	if (i > 0 && s[i] == '\0' && i < 16) {
		*ms = strtoll(s, NULL, 10);
		return 0;
	}
	if (db_query_value(d, v, sizeof(v), "SELECT (extract(epoch FROM "
	    "$1::timestamptz) * 1000)::bigint", 1, p) != 1) {
		ctl_err("%s '%s' is not a time (2023-01-02, "
		    "2023-01-02T16:45:00Z or Unix milliseconds)", flag, s);
		return -1;
	}
	*ms = strtoll(v, NULL, 10);
	return 0;
}

/*
 * The cost model: the market's decimals and fee from the config (18/18,
 * 25 bps for a market it does not name), overridden by the flags.
 * Returns 0, or an exit code after a message.
 */
static int
market_model(struct ctl *c, const struct opts *o, struct grid_market *m)
{
	struct config			*cfg = c->cfg;
	const struct config_market	*mk = config_market(cfg, o->symbol);
	const char			*depth = cfg->backtest.pool_depth;
	const char			*gas = cfg->backtest.gas_per_swap;
	long				 v;

	memset(m, 0, sizeof(*m));
	m->base_dec = m->quote_dec = 18;
	m->fee_bps = 25;
	if (mk != NULL) {
		const struct config_token *b = config_token(cfg, mk->base);
		const struct config_token *q = config_token(cfg, mk->quote);

		if (b != NULL)
			m->base_dec = (unsigned)b->decimals;
		if (q != NULL)
			m->quote_dec = (unsigned)q->decimals;
		m->fee_bps = (unsigned)mk->fee_bps;
	}
	if (o->fee_bps != NULL) {
		if (ctl_bt_int_arg(o->fee_bps, 0, 9999, &v) == -1) {
			ctl_err("--fee-bps '%s' is not 0..9999", o->fee_bps);
			return CTL_EXIT_USAGE;
		}
		m->fee_bps = (unsigned)v;
	}
	if (m->fee_bps >= 10000) {
		ctl_err("market %s: fee_bps %u is not below 10000", o->symbol,
		    m->fee_bps);
		return CTL_EXIT_CONFIG;
	}
	if (o->depth != NULL)
		depth = o->depth;
	if (o->gas != NULL)
		gas = o->gas;
	if (u256_parse_units(&m->depth, depth, m->quote_dec) == -1) {
		ctl_err("pool depth '%s' is not an amount in the quote token "
		    "(at most %u decimals)", depth, m->quote_dec);
		return o->depth ? CTL_EXIT_USAGE : CTL_EXIT_CONFIG;
	}
	if (u256_parse_units(&m->gas, gas, m->quote_dec) == -1) {
		ctl_err("gas per swap '%s' is not an amount in the quote token "
		    "(at most %u decimals)", gas, m->quote_dec);
		return o->gas ? CTL_EXIT_USAGE : CTL_EXIT_CONFIG;
	}
	return 0;
}

/* "BTC/USDT" as the candles table spells markets. 1/0. */
static int
symbol_ok(const char *s)
{
	const char	*slash = strchr(s, '/');
	size_t		 i, n = strlen(s);

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL || n > 65)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != '/' && !isalnum((unsigned char)s[i]) &&
		    s[i] != '.' && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* The symbol has candles at all. Returns 0, or an exit code. */
static int
check_symbol(struct db *d, const char *sym)
{
	const char	*p[1] = { sym };
	char		 v[8];
	int		 r;

	if (!symbol_ok(sym)) {
		ctl_err("bad symbol '%s' (expected BASE/QUOTE, as BTC/USDT)",
		    sym);
		return CTL_EXIT_USAGE;
	}
	r = db_query_value(d, v, sizeof(v), "SELECT 1 FROM candles WHERE "
	    "symbol = $1 LIMIT 1", 1, p);
	if (r == -1) {
		ctl_err("%s", db_error(d));
		return CTL_EXIT_ERROR;
	}
	if (r == 0) {
		ctl_err("unknown symbol '%s': no candles are stored for it "
		    "(import some with bsc-ctl market import FILE -s %s)", sym,
		    sym);
		return CTL_EXIT_ERROR;
	}
	return 0;
}

/*
 * The interval: --interval, else the one covering the most of the window
 * (bt_best_interval), else (an empty window: the error comes when
 * loading) the one covering the most of all that is stored.
 */
static int
pick_interval(struct db *d, const struct opts *o, int64_t from, int64_t to,
    int64_t recent_ms, char *iv, size_t cap)
{
	char	err[256];

	if (o->interval != NULL) {
		snprintf(iv, cap, "%s", o->interval);
		return 0;
	}
	if (bt_best_interval(d, o->symbol, from, to, recent_ms, iv, cap, err,
	    sizeof(err)) == -1 || (iv[0] == '\0' && bt_best_interval(d,
	    o->symbol, INT64_MIN, INT64_MAX, 0, iv, cap, err,
	    sizeof(err)) == -1)) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	return 0;
}

void
ctl_bt_fmt_time(int64_t ms, char *out)
{
	report_time_text(ms, out);
}

/* Load the window; an empty one is an error. */
int
ctl_bt_load_window(struct db *d, const char *sym, const char *iv, int64_t from,
    int64_t to, struct bt_series *s)
{
	char	err[512], a[32], b[32];

	if (bt_series_load(d, sym, iv, from, to, s, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	if (s->n == 0) {
		if (from == INT64_MIN)
			snprintf(a, sizeof(a), "the start");
		else
			ctl_bt_fmt_time(from, a);
		if (to == INT64_MAX)
			snprintf(b, sizeof(b), "the end");
		else
			ctl_bt_fmt_time(to, b);
		ctl_err("no %s %s candles between %s and %s", sym, iv, a, b);
		bt_series_clear(s);
		return CTL_EXIT_ERROR;
	}
	return 0;
}

/* Lowest low and highest high of a window, as decimal price text. */
void
ctl_bt_window_range(const struct bt_series *s, char *lo, char *hi, size_t cap)
{
	double	l = s->c[0].l, h = s->c[0].h;
	size_t	i;

	for (i = 1; i < s->n; i++) {
		if (s->c[i].l < l)
			l = s->c[i].l;
		if (s->c[i].h > h)
			h = s->c[i].h;
	}
	/* The stored decimals: %.15g gives back the numeric's digits. */
	snprintf(lo, cap, "%.15g", l);
	snprintf(hi, cap, "%.15g", h);
	if (strchr(lo, 'e') != NULL)
		snprintf(lo, cap, "%.18f", l);
	if (strchr(hi, 'e') != NULL)
		snprintf(hi, cap, "%.18f", h);
}

/* Money for people: at most 6 decimals (the JSON has them all). */
static const char *
short_money(const char *exact, char *out, size_t cap)
{
	const char	*dot = strchr(exact, '.');

	if (dot == NULL || strlen(dot + 1) <= 6)
		snprintf(out, cap, "%s", exact);
	else
		snprintf(out, cap, "%.*s", (int)(dot - exact) + 7, exact);
	return out;
}

void
ctl_bt_print_report(const struct report *r)
{
	unsigned	qd = r->market.quote_dec;
	char		a[40], b[40], m1[U256_DEC_MAX + 3],
	    m2[U256_DEC_MAX + 3];
	char		s1[96], s2[96], s3[96];

	ctl_bt_fmt_time(r->first_ms, a);
	ctl_bt_fmt_time(r->last_ms, b);
	printf("backtest %lld: %s %s, %s .. %s (%ld candles)\n", r->id,
	    r->symbol, r->interval, a, b, r->candles);
	if (r->name[0])
		printf("name          %s\n", r->name);
	printf("grid          %d %s cells, %s .. %s, %s %s per order%s%s%s%s%s\n",
	    r->params.grid_count, r->params.spacing == GRID_GEOMETRIC ?
	    "geometric" : "arithmetic", r->params.lower_price,
	    r->params.upper_price, r->params.base_order_size,
	    r->params.size_in_base ? "base" : "quote", r->params.initial_buy ?
	    ", initial buy" : ", quote only at start",
	    r->params.stop_loss[0] ? ", stop-loss " : "", r->params.stop_loss,
	    r->params.take_profit[0] ? ", take-profit " : "",
	    r->params.take_profit);
	printf("costs         fee %u bps, pool depth %s, gas %s per swap\n",
	    r->market.fee_bps, u256_is_zero(&r->market.depth) ? "unlimited" :
	    u256_format_units(&r->market.depth, qd, m1),
	    u256_format_units(&r->market.gas, qd, m2));
	printf("status        %s%s%s%s\n", r->status, r->stop_reason[0] ?
	    " (" : "", r->stop_reason, r->stop_reason[0] ? ")" : "");
	printf("equity        %s -> %s\n", short_money(report_money_text(
	    &r->initial_equity, qd, m1), s1, sizeof(s1)),
	    short_money(report_money_text(&r->final_equity, qd, m2), s2,
	    sizeof(s2)));
	printf("return        %.4f%% (APR %.2f%%)\n", r->total_return * 100.0,
	    r->apr * 100.0);
	printf("realized      %s (grid profit)\n", short_money(
	    report_money_text(&r->realized, qd, m1), s1, sizeof(s1)));
	printf("unrealized    %s\n", short_money(report_money_text(
	    &r->unrealized, qd, m1), s1, sizeof(s1)));
	printf("fees          %s, gas %s, slippage %s\n",
	    short_money(u256_format_units(&r->fees, qd, m1), s1, sizeof(s1)),
	    short_money(u256_format_units(&r->gas, qd, m2), s2, sizeof(s2)),
	    short_money(u256_format_units(&r->slippage, qd, m2), s3,
	    sizeof(s3)));
	if (r->dd_peak_ms >= 0) {
		ctl_bt_fmt_time(r->dd_peak_ms, a);
		ctl_bt_fmt_time(r->dd_trough_ms, b);
		printf("max drawdown  %.4f%% (%.6g) from %s to %s\n",
		    r->max_drawdown * 100.0, r->max_drawdown_value, a, b);
	} else
		printf("max drawdown  0%%\n");
	printf("sharpe        %.4f, sortino %.4f\n", r->sharpe, r->sortino);
	printf("trades        %ld (%ld buys, %ld sells), %ld round trips, "
	    "win_rate %.2f%%%s\n", r->trades, r->buys, r->sells, r->round_trips,
	    r->win_rate * 100.0, r->failed ? "" : "");
	if (r->failed)
		printf("failed        %ld orders (no balance)\n", r->failed);
}

static void
print_json_report(const struct report *r)
{
	cJSON	*j = report_to_json(r, 0);

	if (j != NULL) {
		ctl_print_json(j);
		cJSON_Delete(j);
	}
}

int
ctl_bt_write_chart(const char *path, const struct report *r,
    const struct report_trades *t)
{
	char	err[512];

	if (chart_write(path, r, t, err, sizeof(err)) == -1) {
		ctl_err("chart: %s", err);
		return -1;
	}
	return 0;
}

/* The audit record of a command that runs a backtest. */
void
ctl_bt_audit(struct ctl *c, const char *cmd, const struct opts *o, int ok,
    const char *err)
{
	cJSON	*a = cJSON_CreateObject();

	if (a == NULL)
		return;
	if (o->symbol)
		cJSON_AddStringToObject(a, "symbol", o->symbol);
	if (o->params)
		cJSON_AddStringToObject(a, "params", o->params);
	if (o->from)
		cJSON_AddStringToObject(a, "from", o->from);
	if (o->to)
		cJSON_AddStringToObject(a, "to", o->to);
	if (o->days)
		cJSON_AddStringToObject(a, "days", o->days);
	if (o->gc)
		cJSON_AddStringToObject(a, "grid_count", o->gc);
	if (o->range)
		cJSON_AddStringToObject(a, "range", o->range);
	ctl_audit(c, cmd, a, NULL, ok, err);
	cJSON_Delete(a);
}

/* Run, store, chart, print. The series is the caller's. */
int
ctl_bt_run_and_store(struct ctl *c, struct db *d, const struct opts *o,
    const struct grid_params *p, const struct grid_market *m,
    const struct bt_series *s, int64_t from, int64_t to, const char *cmd)
{
	struct report		 rep;
	struct report_trades	 tr;
	char			 err[1024];
	int			 rc = CTL_EXIT_OK;

	memset(&rep, 0, sizeof(rep));
	memset(&tr, 0, sizeof(tr));
	if (bt_run(p, m, s->c, s->n, s->interval_ms, &rep, &tr, err,
	    sizeof(err)) == -1) {
		ctl_err("%s", err);
		ctl_bt_audit(c, cmd, o, 0, err);
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	snprintf(rep.symbol, sizeof(rep.symbol), "%s", o->symbol);
	snprintf(rep.interval, sizeof(rep.interval), "%s", s->interval);
	if (o->name)
		snprintf(rep.name, sizeof(rep.name), "%s", o->name);
	rep.from_ms = from;
	rep.to_ms = to;
	if (report_store(d, &rep, &tr, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		ctl_bt_audit(c, cmd, o, 0, err);
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	ctl_bt_audit(c, cmd, o, 1, NULL);
	if (o->chart != NULL && ctl_bt_write_chart(o->chart, &rep, &tr) == -1)
		rc = CTL_EXIT_ERROR;
	if (c->json)
		print_json_report(&rep);
	else {
		ctl_bt_print_report(&rep);
		if (o->chart != NULL && rc == CTL_EXIT_OK)
			printf("chart         %s\n", o->chart);
	}
out:
	report_clear(&rep);
	report_trades_clear(&tr);
	return rc;
}

/*
 * --from/--to/--days into a window (open ends stay open) and the candle
 * interval into iv.
 */
int
ctl_bt_window_args(struct db *d, const struct opts *o, char *iv, size_t ivcap,
    int64_t *from, int64_t *to)
{
	long	days = 0;
	int	rc;

	*from = INT64_MIN;
	*to = INT64_MAX;
	if (o->from && time_arg(d, "--from", o->from, from) == -1)
		return CTL_EXIT_USAGE;
	if (o->to && time_arg(d, "--to", o->to, to) == -1)
		return CTL_EXIT_USAGE;
	if (o->days != NULL) {
		if (ctl_bt_int_arg(o->days, 1, 36500, &days) == -1) {
			ctl_err("--days '%s' is not 1..36500", o->days);
			return CTL_EXIT_USAGE;
		}
		if (o->from != NULL) {
			ctl_err("give --from or --days, not both");
			return CTL_EXIT_USAGE;
		}
	}
	if (*from != INT64_MIN && *to != INT64_MAX && *from >= *to) {
		ctl_err("--from must be before --to");
		return CTL_EXIT_USAGE;
	}
	/* --days with an open end: each interval's own last N days. */
	if ((rc = pick_interval(d, o, *from, *to, days > 0 && *to == INT64_MAX ?
	    days * DAY_MS : 0, iv, ivcap)) != 0)
		return rc;
	if (days > 0) {
		if (*to == INT64_MAX) {
			/* The last N days of the data. */
			const char	*p[2] = { o->symbol, iv };
			char		 v[32];

			if (db_query_value(d, v, sizeof(v), "SELECT (extract("
			    "epoch FROM max(open_time)) * 1000)::bigint FROM "
			    "candles WHERE symbol = $1 AND interval = $2", 2,
			    p) != 1) {
				ctl_err("no %s %s candles", o->symbol, iv);
				return CTL_EXIT_ERROR;
			}
			*to = strtoll(v, NULL, 10) + bt_interval_ms(iv);
		}
		*from = *to - days * DAY_MS;
	}
	return 0;
}

/* Open window ends become the data's. */
void
ctl_bt_close_window(const struct bt_series *s, int64_t *from, int64_t *to)
{
	if (*from == INT64_MIN)
		*from = s->c[0].t;
	if (*to == INT64_MAX)
		*to = s->c[s->n - 1].t + s->interval_ms;
}

/* Shared start of quick-grid, run and sweep. */
int
ctl_bt_prepare(struct ctl *c, const struct opts *o, struct db **dp,
    struct grid_market *m)
{
	int	rc;

	if (o->symbol == NULL) {
		ctl_err("-s SYMBOL is required");
		return CTL_EXIT_USAGE;
	}
	if (ctl_config(c) == NULL)
		return CTL_EXIT_CONFIG;
	if ((rc = market_model(c, o, m)) != 0)
		return rc;
	if ((*dp = ctl_bt_open_db(c, &rc)) == NULL)
		return rc;
	if (o->interval != NULL && bt_interval_ms(o->interval) == 0) {
		ctl_err("--interval '%s' is not a candle interval (1m, 5m, 1h, "
		    "1d, ...)", o->interval);
		return CTL_EXIT_USAGE;
	}
	return check_symbol(*dp, o->symbol);
}
