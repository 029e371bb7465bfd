/*
 * cmd_backtest.c: `bsc-ctl backtest quick-grid|run|list|show|sweep`: the
 * grid strategy (stratd/grid.c) over stored candles, in this process,
 * against the database. docs/BACKTEST.md describes the model and metrics.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "../stratd/backtest.h"
#include "../stratd/chart.h"
#include "../stratd/grid.h"
#include "../stratd/report.h"
#include "../stratd/sweep.h"

#define DAY_MS	86400000LL

static void
usage(FILE *f)
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

struct opts {
	const char	*symbol, *from, *to, *params, *interval, *fee_bps;
	const char	*depth, *gas, *name, *chart, *size, *spacing;
	const char	*gc, *range, *rank_by, *jobs, *top, *limit, *days;
	const char	*id;
	int		 trades;
};

/* Parse argv[2..] into o, allowing the flags named in allowed
 * ("-s --days ..."). Returns 0, or CTL_EXIT_USAGE after a message. */
static int
parse_opts(int argc, char **argv, const char *allowed, int want_id,
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
			ctl_err("backtest %s: unexpected argument '%s'", argv[1],
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
static int
int_arg(const char *s, long lo, long hi, long *v)
{
	char	*end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' || errno != 0 || *v < lo || *v > hi ?
	    -1 : 0;
}

/* The database, connected, in UTC. NULL after the error (exit code in
 * *rc). */
static struct db *
open_db(struct ctl *c, int *rc)
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
		if (int_arg(o->fee_bps, 0, 9999, &v) == -1) {
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

static void
fmt_time(int64_t ms, char *out)
{
	report_time_text(ms, out);
}

/* Load the window; an empty one is an error. */
static int
load_window(struct db *d, const char *sym, const char *iv, int64_t from,
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
			fmt_time(from, a);
		if (to == INT64_MAX)
			snprintf(b, sizeof(b), "the end");
		else
			fmt_time(to, b);
		ctl_err("no %s %s candles between %s and %s", sym, iv, a, b);
		bt_series_clear(s);
		return CTL_EXIT_ERROR;
	}
	return 0;
}

/* Lowest low and highest high of a window, as decimal price text. */
static void
window_range(const struct bt_series *s, char *lo, char *hi, size_t cap)
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

static void
print_report(const struct report *r)
{
	unsigned	qd = r->market.quote_dec;
	char		a[40], b[40], m1[U256_DEC_MAX + 3], m2[U256_DEC_MAX + 3];
	char		s1[96], s2[96], s3[96];

	fmt_time(r->first_ms, a);
	fmt_time(r->last_ms, b);
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
		fmt_time(r->dd_peak_ms, a);
		fmt_time(r->dd_trough_ms, b);
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

static int
write_chart(const char *path, const struct report *r,
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
static void
audit(struct ctl *c, const char *cmd, const struct opts *o, int ok,
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
static int
run_and_store(struct ctl *c, struct db *d, const struct opts *o,
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
		audit(c, cmd, o, 0, err);
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
		audit(c, cmd, o, 0, err);
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	audit(c, cmd, o, 1, NULL);
	if (o->chart != NULL && write_chart(o->chart, &rep, &tr) == -1)
		rc = CTL_EXIT_ERROR;
	if (c->json)
		print_json_report(&rep);
	else {
		print_report(&rep);
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
static int
window_args(struct db *d, const struct opts *o, char *iv, size_t ivcap,
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
		if (int_arg(o->days, 1, 36500, &days) == -1) {
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
static void
close_window(const struct bt_series *s, int64_t *from, int64_t *to)
{
	if (*from == INT64_MIN)
		*from = s->c[0].t;
	if (*to == INT64_MAX)
		*to = s->c[s->n - 1].t + s->interval_ms;
}

/* Shared start of quick-grid, run and sweep. */
static int
prepare(struct ctl *c, const struct opts *o, struct db **dp,
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
	if ((*dp = open_db(c, &rc)) == NULL)
		return rc;
	if (o->interval != NULL && bt_interval_ms(o->interval) == 0) {
		ctl_err("--interval '%s' is not a candle interval (1m, 5m, 1h, "
		    "1d, ...)", o->interval);
		return CTL_EXIT_USAGE;
	}
	return check_symbol(*dp, o->symbol);
}

static int
cmd_quick(struct ctl *c, int argc, char **argv)
{
	struct opts		 o;
	struct db		*d;
	struct grid_market	 m;
	struct grid_params	 p;
	struct bt_series	 s;
	char			 iv[16], err[512];
	int64_t			 from, to;
	long			 k = 10;
	int			 rc;
	u256			 size;

	if ((rc = parse_opts(argc, argv, "-s --days --grid-count --size "
	    "--spacing --interval --fee-bps --depth --gas --name --chart ", 0,
	    &o)) != 0)
		return rc;
	if (o.days == NULL)
		o.days = "7";
	if (o.gc != NULL && int_arg(o.gc, 2, GRID_MAX_COUNT, &k) == -1) {
		ctl_err("--grid-count '%s' is not 2..%d", o.gc, GRID_MAX_COUNT);
		return CTL_EXIT_USAGE;
	}
	if ((rc = prepare(c, &o, &d, &m)) != 0)
		return rc;
	if ((rc = window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	grid_params_defaults(&p);
	p.grid_count = (int)k;
	window_range(&s, p.lower_price, p.upper_price, sizeof(p.lower_price));
	snprintf(p.base_order_size, sizeof(p.base_order_size), "%s",
	    o.size ? o.size : c->cfg->backtest.order_size);
	if (u256_parse_units(&size, p.base_order_size, m.quote_dec) == -1 ||
	    u256_is_zero(&size)) {
		ctl_err("order size '%s' is not a positive amount of the quote "
		    "token", p.base_order_size);
		bt_series_clear(&s);
		return o.size ? CTL_EXIT_USAGE : CTL_EXIT_CONFIG;
	}
	if (o.spacing != NULL) {
		if (strcmp(o.spacing, "geometric") == 0)
			p.spacing = GRID_GEOMETRIC;
		else if (strcmp(o.spacing, "arithmetic") != 0) {
			ctl_err("--spacing '%s' is not arithmetic or geometric",
			    o.spacing);
			bt_series_clear(&s);
			return CTL_EXIT_USAGE;
		}
	}
	if (strcmp(p.lower_price, p.upper_price) == 0) {
		snprintf(err, sizeof(err), "the price did not move in the "
		    "window (%s): no range for a grid", p.lower_price);
		ctl_err("%s", err);
		audit(c, "backtest quick-grid", &o, 0, err);
		bt_series_clear(&s);
		return CTL_EXIT_ERROR;
	}
	rc = run_and_store(c, d, &o, &p, &m, &s, from, to,
	    "backtest quick-grid");
	bt_series_clear(&s);
	return rc;
}

/* -p JSON into params; absent bounds from the window. */
static int
params_arg(const char *json, const struct bt_series *s,
    struct grid_params *p, const char *defaults)
{
	cJSON	*o, *d, *e;
	char	 err[512];
	int	 rc;

	if ((o = cJSON_Parse(json)) == NULL) {
		ctl_err("-p: not valid JSON");
		return CTL_EXIT_USAGE;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		ctl_err("-p: grid parameters must be a JSON object");
		return CTL_EXIT_USAGE;
	}
	/* Defaults for the keys a sweep supplies itself. */
	if (defaults != NULL && (d = cJSON_Parse(defaults)) != NULL) {
		cJSON_ArrayForEach(e, d)
			if (cJSON_GetObjectItemCaseSensitive(o, e->string) ==
			    NULL)
				cJSON_AddItemToObject(o, e->string,
				    cJSON_Duplicate(e, 1));
		cJSON_Delete(d);
	}
	rc = grid_params_from_json(p, o, err, sizeof(err));
	cJSON_Delete(o);
	if (rc == -1) {
		ctl_err("-p: %s", err);
		return CTL_EXIT_ERROR;
	}
	if (s != NULL && p->lower_price[0] == '\0' &&
	    p->upper_price[0] == '\0')
		window_range(s, p->lower_price, p->upper_price,
		    sizeof(p->lower_price));
	return 0;
}

static int
cmd_run(struct ctl *c, int argc, char **argv)
{
	struct opts		 o;
	struct db		*d;
	struct grid_market	 m;
	struct grid_params	 p;
	struct bt_series	 s;
	char			 iv[16];
	int64_t			 from, to;
	int			 rc;

	if ((rc = parse_opts(argc, argv, "-s --from --to -p --interval "
	    "--fee-bps --depth --gas --name --chart ", 0, &o)) != 0)
		return rc;
	if (o.params == NULL) {
		ctl_err("backtest run: -p JSON is required (the grid "
		    "parameters)");
		return CTL_EXIT_USAGE;
	}
	if ((rc = prepare(c, &o, &d, &m)) != 0)
		return rc;
	if ((rc = window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	if ((rc = params_arg(o.params, &s, &p, NULL)) != 0) {
		audit(c, "backtest run", &o, 0, "bad parameters");
		bt_series_clear(&s);
		return rc;
	}
	close_window(&s, &from, &to);
	rc = run_and_store(c, d, &o, &p, &m, &s, from, to, "backtest run");
	bt_series_clear(&s);
	return rc;
}

static int
cmd_list(struct ctl *c, int argc, char **argv)
{
	struct opts	 o;
	struct db	*d;
	cJSON		*a, *e;
	char		 err[512];
	long		 lim = 50;
	int		 rc;

	if ((rc = parse_opts(argc, argv, "-s --limit ", 0, &o)) != 0)
		return rc;
	if (o.limit && int_arg(o.limit, 1, 100000, &lim) == -1) {
		ctl_err("--limit '%s' is not 1..100000", o.limit);
		return CTL_EXIT_USAGE;
	}
	if ((d = open_db(c, &rc)) == NULL)
		return rc;
	if ((a = report_list(d, o.symbol, (int)lim, err, sizeof(err))) == NULL) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	if (c->json)
		ctl_print_json(a);
	else if (cJSON_GetArraySize(a) == 0)
		printf("no backtests\n");
	else {
		printf("%-6s %-20s %-12s %-4s %5s %-10s %10s %9s %8s %7s %7s\n",
		    "ID", "CREATED", "SYMBOL", "INT", "GRIDS", "SPACING",
		    "RETURN", "MAX_DD", "SHARPE", "TRADES", "WIN");
		cJSON_ArrayForEach(e, a) {
#define G(k) cJSON_GetObjectItem(e, k)
#define NUM(k) (cJSON_IsNumber(G(k)) ? G(k)->valuedouble : 0.0)
#define STR(k) (cJSON_IsString(G(k)) ? G(k)->valuestring : "-")
			printf("%-6.0f %-20s %-12s %-4s %5.0f %-10s %9.3f%% "
			    "%8.3f%% %8.3f %7.0f %6.1f%%\n", NUM("id"),
			    STR("created_at"), STR("symbol"), STR("interval"),
			    NUM("grid_count"), STR("spacing"),
			    NUM("return") * 100.0, NUM("max_drawdown") * 100.0,
			    NUM("sharpe"), NUM("trades"),
			    NUM("win_rate") * 100.0);
#undef G
#undef NUM
#undef STR
		}
	}
	cJSON_Delete(a);
	return CTL_EXIT_OK;
}

static int
cmd_show(struct ctl *c, int argc, char **argv)
{
	struct opts		 o;
	struct db		*d;
	struct report		 rep;
	struct report_trades	 tr;
	char			 err[512];
	long			 id;
	int			 rc;
	size_t			 i;

	if ((rc = parse_opts(argc, argv, "--chart --trades ", 1, &o)) != 0)
		return rc;
	if (int_arg(o.id, 1, LONG_MAX, &id) == -1) {
		ctl_err("backtest show: '%s' is not a backtest id", o.id);
		return CTL_EXIT_USAGE;
	}
	if ((d = open_db(c, &rc)) == NULL)
		return rc;
	memset(&tr, 0, sizeof(tr));
	rc = report_load(d, id, &rep, o.chart || o.trades ? &tr : NULL, err,
	    sizeof(err));
	if (rc == 1) {
		ctl_err("no backtest %ld", id);
		return CTL_EXIT_ERROR;
	}
	if (rc == -1) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	rc = CTL_EXIT_OK;
	if (o.chart != NULL && write_chart(o.chart, &rep, &tr) == -1)
		rc = CTL_EXIT_ERROR;
	if (c->json) {
		cJSON	*j = report_to_json(&rep, 0), *a;

		if (j != NULL && o.trades) {
			a = cJSON_AddArrayToObject(j, "trade_list");
			for (i = 0; i < tr.n; i++)
				cJSON_AddItemToArray(a, report_trade_to_json(&rep,
				    &tr.v[i]));
		}
		if (j != NULL)
			ctl_print_json(j);
		cJSON_Delete(j);
	} else {
		print_report(&rep);
		if (o.chart != NULL && rc == CTL_EXIT_OK)
			printf("chart         %s\n", o.chart);
		if (o.trades) {
			unsigned	qd = rep.market.quote_dec;

			printf("\n%-24s %-5s %-5s %5s %16s %22s %22s %22s\n",
			    "AT", "KIND", "SIDE", "LEVEL", "PRICE", "AMOUNT",
			    "QUOTE", "PNL");
			for (i = 0; i < tr.n; i++) {
				const struct report_trade *t = &tr.v[i];
				char	at[40], b1[U256_DEC_MAX + 3],
					b2[U256_DEC_MAX + 3], b3[U256_DEC_MAX + 3],
					b4[U256_DEC_MAX + 3];
				struct report_money pm = { t->pnl, t->pnl_neg };

				fmt_time(t->t_ms, at);
				printf("%-24s %-5s %-5s %5d %16s %22s %22s %22s\n",
				    at, t->kind == GRID_ORDER_INIT ? "init" :
				    t->kind == GRID_ORDER_CLOSE ? "close" :
				    "level", t->side == GRID_BUY ? "buy" : "sell",
				    t->level, u256_format_units(&t->px,
				    GRID_PX_DEC, b1), u256_format_units(&t->base,
				    rep.market.base_dec, b2),
				    u256_format_units(&t->quote, qd, b3),
				    t->has_pnl ? report_money_text(&pm, qd, b4) :
				    "-");
			}
		}
	}
	report_clear(&rep);
	report_trades_clear(&tr);
	return rc;
}

/* --- sweep --- */

/* "A..B[:S]" integers. */
static int
int_range(const char *s, int *a, int *b, int *step)
{
	char	*e1, *e2, *e3;
	long	 x, y, z = 1;

	x = strtol(s, &e1, 10);
	if (e1 == s)
		return -1;
	if (*e1 == '\0') {
		*a = *b = (int)x;
		*step = 1;
		return x >= 0 && x <= INT_MAX ? 0 : -1;
	}
	if (strncmp(e1, "..", 2) != 0)
		return -1;
	y = strtol(e1 + 2, &e2, 10);
	if (e2 == e1 + 2)
		return -1;
	if (*e2 == ':') {
		z = strtol(e2 + 1, &e3, 10);
		if (e3 == e2 + 1 || *e3 != '\0')
			return -1;
	} else if (*e2 != '\0')
		return -1;
	if (x < 0 || y < x || z < 1 || y > INT_MAX)
		return -1;
	*a = (int)x;
	*b = (int)y;
	*step = (int)z;
	return 0;
}

/* "4%" to 0.04; pct 1 when it had the '%'. */
static int
pct_num(const char *s, char **end, double *v)
{
	*v = strtod(s, end);
	if (*end == s || !isfinite(*v))
		return -1;
	if (**end == '%') {
		*v /= 100.0;
		(*end)++;
		return 1;
	}
	return 0;
}

/*
 * --range: "W1%..W2%[:S%]" (widths around the first open), "W%" (one
 * width) or "LOW..HIGH" (fixed bounds). Returns 0 or -1.
 */
static int
range_arg(const char *s, struct sweep_space *sp, struct grid_params *base)
{
	char	*e, *e2, *e3;
	double	 a, b, st;
	int	 pa, pb, ps;

	if ((pa = pct_num(s, &e, &a)) == -1)
		return -1;
	if (*e == '\0') {
		if (pa != 1 || !(a > 0))
			return -1;
		sp->w_from = sp->w_to = a;
		sp->w_step = 1.0;
		return 0;
	}
	if (strncmp(e, "..", 2) != 0 || (pb = pct_num(e + 2, &e2, &b)) == -1)
		return -1;
	if (pa != pb)
		return -1;
	if (pa == 0) {
		/* Fixed bounds: take the text as it is. */
		size_t	n = (size_t)(e - s);

		if (*e2 != '\0' || !(a > 0) || !(b > a) || n >= 60 ||
		    strlen(e + 2) >= 60)
			return -1;
		snprintf(base->lower_price, sizeof(base->lower_price), "%.*s",
		    (int)n, s);
		snprintf(base->upper_price, sizeof(base->upper_price), "%s",
		    e + 2);
		return 0;
	}
	st = a > 0 ? (b - a) / 4.0 : 0.0;
	if (*e2 == ':') {
		if ((ps = pct_num(e2 + 1, &e3, &st)) != 1 || *e3 != '\0')
			return -1;
	} else if (*e2 != '\0')
		return -1;
	if (!(a > 0) || b < a || !(st > 0) || b >= 2.0)
		return -1;
	if (b == a)
		st = 1.0;
	sp->w_from = a;
	sp->w_to = b;
	sp->w_step = st;
	return 0;
}

struct sweep_ctx {
	struct ctl		*c;
	struct db		*d;
	enum sweep_metric	 rank;
	struct sw_res {
		size_t		 idx;
		long long	 id;
		double		 metric;
		cJSON		*row;
	}			*res;
	size_t			 nres;
	size_t			 skipped;
	char			 first_error[512];
	char			 store_error[512];
};

static int
sweep_store(void *arg, size_t idx, const struct grid_params *p,
    struct report *rep, struct report_trades *tr, const char *error)
{
	struct sweep_ctx	*x = arg;
	struct sw_res		*r;
	cJSON			*row;
	char			 b[U256_DEC_MAX + 3];

	if (rep == NULL) {
		if (x->skipped++ == 0)
			snprintf(x->first_error, sizeof(x->first_error),
			    "grid_count %d, %s..%s: %s", p->grid_count,
			    p->lower_price, p->upper_price, error);
		return 0;
	}
	if (report_store(x->d, rep, tr, x->store_error,
	    sizeof(x->store_error)) == -1)
		return -1;
	r = &x->res[x->nres++];
	r->idx = idx;
	r->id = rep->id;
	r->metric = sweep_metric_value(rep, x->rank);
	if ((row = r->row = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddNumberToObject(row, "backtest_id", (double)rep->id);
	cJSON_AddNumberToObject(row, "grid_count", p->grid_count);
	cJSON_AddStringToObject(row, "spacing", p->spacing == GRID_GEOMETRIC ?
	    "geometric" : "arithmetic");
	cJSON_AddStringToObject(row, "lower_price", p->lower_price);
	cJSON_AddStringToObject(row, "upper_price", p->upper_price);
	cJSON_AddNumberToObject(row, "return", rep->total_return);
	cJSON_AddStringToObject(row, "realized_profit", report_money_text(
	    &rep->realized, rep->market.quote_dec, b));
	cJSON_AddNumberToObject(row, "max_drawdown", rep->max_drawdown);
	cJSON_AddNumberToObject(row, "sharpe", rep->sharpe);
	cJSON_AddNumberToObject(row, "sortino", rep->sortino);
	cJSON_AddNumberToObject(row, "trades", (double)rep->trades);
	cJSON_AddNumberToObject(row, "round_trips", (double)rep->round_trips);
	cJSON_AddNumberToObject(row, "win_rate", rep->win_rate);
	cJSON_AddNumberToObject(row, "apr", rep->apr);
	return 0;
}

static int
res_cmp(const void *a, const void *b)
{
	const struct sw_res	*x = a, *y = b;

	if (x->metric > y->metric)
		return -1;
	if (x->metric < y->metric)
		return 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
cmd_sweep(struct ctl *c, int argc, char **argv)
{
	struct opts		 o;
	struct db		*d;
	struct grid_market	 m;
	struct grid_params	 base, *pts = NULL;
	struct sweep_space	 sp;
	struct bt_series	 s;
	struct sweep_ctx	 x;
	struct report		 tmpl;
	char			 iv[16], err[1024], defs[256], idb[32], fb[40],
				 tb[40], *ps = NULL, *spc = NULL, *res = NULL;
	int64_t			 from, to;
	size_t			 npts, i;
	long			 jobs, top = 10;
	int			 rc;
	cJSON			*space, *results, *j;

	memset(&x, 0, sizeof(x));
	memset(&s, 0, sizeof(s));
	memset(&sp, 0, sizeof(sp));
	if ((rc = parse_opts(argc, argv, "-s --from --to --days -p "
	    "--grid-count --range --spacing --rank-by --jobs --top --interval "
	    "--fee-bps --depth --gas --name --size ", 0, &o)) != 0)
		return rc;
	if (o.gc == NULL || int_range(o.gc, &sp.gc_from, &sp.gc_to,
	    &sp.gc_step) == -1 || sp.gc_from < 2 || sp.gc_to > GRID_MAX_COUNT) {
		ctl_err("backtest sweep: --grid-count A..B[:STEP] is required "
		    "(2 <= A <= B <= %d)", GRID_MAX_COUNT);
		return CTL_EXIT_USAGE;
	}
	x.rank = SWEEP_SHARPE;
	if (o.rank_by && sweep_metric_parse(o.rank_by, &x.rank) == -1) {
		ctl_err("--rank-by '%s': one of sharpe, return, sortino, "
		    "realized_profit, apr, win_rate, max_drawdown", o.rank_by);
		return CTL_EXIT_USAGE;
	}
	if (o.top && int_arg(o.top, 1, 100000, &top) == -1) {
		ctl_err("--top '%s' is not 1..100000", o.top);
		return CTL_EXIT_USAGE;
	}
	if (o.spacing != NULL) {
		if (strstr(o.spacing, "arithmetic") != NULL)
			sp.spacings |= 1;
		if (strstr(o.spacing, "geometric") != NULL)
			sp.spacings |= 2;
		if (strcmp(o.spacing, "both") == 0)
			sp.spacings = 3;
		if (sp.spacings == 0) {
			ctl_err("--spacing '%s': arithmetic, geometric or both",
			    o.spacing);
			return CTL_EXIT_USAGE;
		}
	}
	if ((rc = prepare(c, &o, &d, &m)) != 0)
		return rc;
	jobs = c->cfg->backtest.jobs;
	if (o.jobs && int_arg(o.jobs, 1, 1024, &jobs) == -1) {
		ctl_err("--jobs '%s' is not 1..1024", o.jobs);
		return CTL_EXIT_USAGE;
	}
	if ((rc = window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	close_window(&s, &from, &to);
	snprintf(defs, sizeof(defs), "{\"grid_count\":2,\"base_order_size\":"
	    "\"%s\"}", o.size ? o.size : c->cfg->backtest.order_size);
	if ((rc = params_arg(o.params ? o.params : "{}", &s, &base,
	    defs)) != 0)
		goto out;
	if (o.range != NULL && range_arg(o.range, &sp, &base) == -1) {
		ctl_err("--range '%s': W1%%..W2%%[:STEP%%] (widths around the "
		    "first price), W%% or LOW..HIGH", o.range);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (sweep_expand(&base, &sp, s.c[0].o, &pts, &npts, err,
	    sizeof(err)) == -1) {
		ctl_err("%s", err);
		rc = CTL_EXIT_USAGE;
		goto out;
	}

	/* The sweep row, then the runs (each stored), then the ranking. */
	space = cJSON_CreateObject();
	j = cJSON_AddObjectToObject(space, "grid_count");
	cJSON_AddNumberToObject(j, "from", sp.gc_from);
	cJSON_AddNumberToObject(j, "to", sp.gc_to);
	cJSON_AddNumberToObject(j, "step", sp.gc_step);
	if (sp.w_from > 0) {
		j = cJSON_AddObjectToObject(space, "range_width");
		cJSON_AddNumberToObject(j, "from", sp.w_from);
		cJSON_AddNumberToObject(j, "to", sp.w_to);
		cJSON_AddNumberToObject(j, "step", sp.w_step);
		cJSON_AddNumberToObject(j, "centre", s.c[0].o);
	}
	j = cJSON_AddArrayToObject(space, "spacing");
	if (sp.spacings == 0 || (sp.spacings & 1))
		cJSON_AddItemToArray(j, cJSON_CreateString(sp.spacings == 0 &&
		    base.spacing == GRID_GEOMETRIC ? "geometric" :
		    "arithmetic"));
	if (sp.spacings & 2)
		cJSON_AddItemToArray(j, cJSON_CreateString("geometric"));
	cJSON_AddNumberToObject(space, "points", (double)npts);
	spc = cJSON_PrintUnformatted(space);
	cJSON_Delete(space);
	j = grid_params_to_json(&base);
	ps = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	{
		const char	*pv[7] = { o.symbol, s.interval,
				    report_time_text(from, fb),
				    report_time_text(to, tb), ps, spc,
				    sweep_metric_name(x.rank) };

		if (db_query_value(d, idb, sizeof(idb), "INSERT INTO "
		    "backtest_sweeps (symbol, interval, from_time, to_time, "
		    "params, space, rank_by) VALUES ($1, $2, $3, $4, $5::jsonb, "
		    "$6::jsonb, $7) RETURNING id", 7, pv) != 1) {
			ctl_err("storing the sweep: %s", db_error(d));
			rc = CTL_EXIT_ERROR;
			goto out;
		}
	}
	memset(&tmpl, 0, sizeof(tmpl));
	snprintf(tmpl.symbol, sizeof(tmpl.symbol), "%s", o.symbol);
	snprintf(tmpl.interval, sizeof(tmpl.interval), "%s", s.interval);
	if (o.name)
		snprintf(tmpl.name, sizeof(tmpl.name), "%s", o.name);
	tmpl.from_ms = from;
	tmpl.to_ms = to;
	tmpl.sweep_id = strtoll(idb, NULL, 10);
	x.c = c;
	x.d = d;
	if ((x.res = calloc(npts, sizeof(*x.res))) == NULL) {
		ctl_err("out of memory");
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	rc = sweep_run(s.c, s.n, s.interval_ms, &m, &tmpl, pts, npts,
	    (int)jobs, 1, isatty(STDERR_FILENO) ? STDERR_FILENO : -1,
	    sweep_store, &x, err, sizeof(err));
	if (rc == -1 || x.nres == 0) {
		const char	*pv[2] = { idb, NULL };

		if (rc == -1 && x.store_error[0])
			snprintf(err, sizeof(err), "%s", x.store_error);
		else if (rc == 0)
			snprintf(err, sizeof(err), "no valid point in the "
			    "sweep; the first: %s", x.first_error);
		pv[1] = err;
		db_exec(d, "UPDATE backtest_sweeps SET status = 'failed', "
		    "error = $2, finished_at = now() WHERE id = $1", 2, pv);
		ctl_err("%s", err);
		audit(c, "backtest sweep", &o, 0, err);
		rc = CTL_EXIT_ERROR;
		goto out;
	}
	qsort(x.res, x.nres, sizeof(*x.res), res_cmp);
	results = cJSON_CreateArray();
	for (i = 0; i < x.nres; i++) {
		cJSON_AddNumberToObject(x.res[i].row, "rank", (double)(i + 1));
		cJSON_AddItemToArray(results, cJSON_Duplicate(x.res[i].row, 1));
	}
	res = cJSON_PrintUnformatted(results);
	{
		const char	*pv[2] = { idb, res };

		if (db_exec(d, "UPDATE backtest_sweeps SET status = 'done', "
		    "results = $2::jsonb, finished_at = now() WHERE id = $1", 2,
		    pv) == -1) {
			ctl_err("storing the sweep: %s", db_error(d));
			cJSON_Delete(results);
			rc = CTL_EXIT_ERROR;
			goto out;
		}
	}
	audit(c, "backtest sweep", &o, 1, NULL);
	if (c->json) {
		cJSON	*out = cJSON_CreateObject();

		cJSON_AddNumberToObject(out, "sweep_id", (double)tmpl.sweep_id);
		cJSON_AddStringToObject(out, "symbol", o.symbol);
		cJSON_AddStringToObject(out, "interval", s.interval);
		cJSON_AddStringToObject(out, "rank_by", sweep_metric_name(x.rank));
		cJSON_AddNumberToObject(out, "runs", (double)x.nres);
		cJSON_AddNumberToObject(out, "skipped", (double)x.skipped);
		if (x.skipped)
			cJSON_AddStringToObject(out, "first_skip_reason",
			    x.first_error);
		cJSON_AddItemToObject(out, "results", results);
		ctl_print_json(out);
		cJSON_Delete(out);
	} else {
		printf("sweep %lld: %s %s, %zu runs%s, ranked by %s\n",
		    tmpl.sweep_id, o.symbol, s.interval, x.nres, x.skipped ?
		    " (some points skipped)" : "", sweep_metric_name(x.rank));
		if (x.skipped)
			printf("skipped %zu points, e.g. %s\n", x.skipped,
			    x.first_error);
		printf("%-5s %-8s %6s %-10s %-24s %10s %8s %9s %7s %7s\n",
		    "RANK", "ID", "GRIDS", "SPACING", "RANGE", "RETURN",
		    "SHARPE", "MAX_DD", "TRADES", "WIN");
		for (i = 0; i < x.nres && i < (size_t)top; i++) {
			cJSON	*r = x.res[i].row;
			char	 rng[64];

			snprintf(rng, sizeof(rng), "%s..%s",
			    cJSON_GetObjectItem(r, "lower_price")->valuestring,
			    cJSON_GetObjectItem(r, "upper_price")->valuestring);
			printf("%-5zu %-8lld %6d %-10s %-24s %9.3f%% %8.3f %8.3f%% "
			    "%7.0f %6.1f%%\n", i + 1, x.res[i].id,
			    cJSON_GetObjectItem(r, "grid_count")->valueint,
			    cJSON_GetObjectItem(r, "spacing")->valuestring, rng,
			    cJSON_GetObjectItem(r, "return")->valuedouble * 100,
			    cJSON_GetObjectItem(r, "sharpe")->valuedouble,
			    cJSON_GetObjectItem(r, "max_drawdown")->valuedouble *
			    100, cJSON_GetObjectItem(r, "trades")->valuedouble,
			    cJSON_GetObjectItem(r, "win_rate")->valuedouble *
			    100);
		}
		cJSON_Delete(results);
	}
	rc = CTL_EXIT_OK;
out:
	if (x.res != NULL)
		for (i = 0; i < x.nres; i++)
			cJSON_Delete(x.res[i].row);
	free(x.res);
	free(pts);
	free(ps);
	free(spc);
	free(res);
	bt_series_clear(&s);
	return rc;
}

int
cmd_backtest(struct ctl *c, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct ctl *, int, char **);
	} sub[] = {
		{ "quick-grid", cmd_quick },
		{ "run", cmd_run },
		{ "list", cmd_list },
		{ "show", cmd_show },
		{ "sweep", cmd_sweep },
	};
	size_t	i;
	int	j;

	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (j = 2; j < argc; j++)
		if (ctl_is_help(argv[j])) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].fn(c, argc, argv);
	ctl_err("unknown backtest command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
