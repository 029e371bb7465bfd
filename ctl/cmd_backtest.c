/*
 * cmd_backtest.c: `bsc-ctl backtest quick-grid|run|list|show|sweep`: the
 * grid strategy (stratd/grid.c) over stored candles, in this process,
 * against the database. docs/BACKTEST.md describes the model and metrics.
 * This file: the commands but sweep (cmd_sweep.c) and the dispatcher;
 * backtest_args.c has the options, windows and reports they share
 * (backtest_int.h).
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

	if ((rc = ctl_bt_parse_opts(argc, argv, "-s --days --grid-count --size "
	    "--spacing --interval --fee-bps --depth --gas --name --chart ", 0,
	    &o)) != 0)
		return rc;
	if (o.days == NULL)
		o.days = "7";
	if (o.gc != NULL && ctl_bt_int_arg(o.gc, 2, GRID_MAX_COUNT, &k) == -1) {
		ctl_err("--grid-count '%s' is not 2..%d", o.gc, GRID_MAX_COUNT);
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_bt_prepare(c, &o, &d, &m)) != 0)
		return rc;
	if ((rc = ctl_bt_window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = ctl_bt_load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	grid_params_defaults(&p);
	p.grid_count = (int)k;
	ctl_bt_window_range(&s, p.lower_price, p.upper_price,
	    sizeof(p.lower_price));
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
		ctl_bt_audit(c, "backtest quick-grid", &o, 0, err);
		bt_series_clear(&s);
		return CTL_EXIT_ERROR;
	}
	rc = ctl_bt_run_and_store(c, d, &o, &p, &m, &s, from, to,
	    "backtest quick-grid");
	bt_series_clear(&s);
	return rc;
}

/* -p JSON into params; absent bounds from the window. */
int
ctl_bt_params_arg(const char *json, const struct bt_series *s,
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
		ctl_bt_window_range(s, p->lower_price, p->upper_price,
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

	if ((rc = ctl_bt_parse_opts(argc, argv, "-s --from --to -p --interval "
	    "--fee-bps --depth --gas --name --chart ", 0, &o)) != 0)
		return rc;
	if (o.params == NULL) {
		ctl_err("backtest run: -p JSON is required (the grid "
		    "parameters)");
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_bt_prepare(c, &o, &d, &m)) != 0)
		return rc;
	if ((rc = ctl_bt_window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = ctl_bt_load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	if ((rc = ctl_bt_params_arg(o.params, &s, &p, NULL)) != 0) {
		ctl_bt_audit(c, "backtest run", &o, 0, "bad parameters");
		bt_series_clear(&s);
		return rc;
	}
	ctl_bt_close_window(&s, &from, &to);
	rc = ctl_bt_run_and_store(c, d, &o, &p, &m, &s, from, to,
	    "backtest run");
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

	if ((rc = ctl_bt_parse_opts(argc, argv, "-s --limit ", 0, &o)) != 0)
		return rc;
	if (o.limit && ctl_bt_int_arg(o.limit, 1, 100000, &lim) == -1) {
		ctl_err("--limit '%s' is not 1..100000", o.limit);
		return CTL_EXIT_USAGE;
	}
	if ((d = ctl_bt_open_db(c, &rc)) == NULL)
		return rc;
	if ((a = report_list(d, o.symbol, (int)lim, err,
	    sizeof(err))) == NULL) {
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

	if ((rc = ctl_bt_parse_opts(argc, argv, "--chart --trades ", 1,
	    &o)) != 0)
		return rc;
	if (ctl_bt_int_arg(o.id, 1, LONG_MAX, &id) == -1) {
		ctl_err("backtest show: '%s' is not a backtest id", o.id);
		return CTL_EXIT_USAGE;
	}
	if ((d = ctl_bt_open_db(c, &rc)) == NULL)
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
	if (o.chart != NULL && ctl_bt_write_chart(o.chart, &rep, &tr) == -1)
		rc = CTL_EXIT_ERROR;
	if (c->json) {
		cJSON	*j = report_to_json(&rep, 0), *a;

		if (j != NULL && o.trades) {
			a = cJSON_AddArrayToObject(j, "trade_list");
			for (i = 0; i < tr.n; i++)
				cJSON_AddItemToArray(a,
				    report_trade_to_json(&rep,
				    &tr.v[i]));
		}
		if (j != NULL)
			ctl_print_json(j);
		cJSON_Delete(j);
	} else {
		ctl_bt_print_report(&rep);
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
					b2[U256_DEC_MAX + 3],
					    b3[U256_DEC_MAX + 3],
					b4[U256_DEC_MAX + 3];
				struct report_money pm = { t->pnl, t->pnl_neg };

				ctl_bt_fmt_time(t->t_ms, at);
				printf("%-24s %-5s %-5s %5d %16s %22s %22s %22s\n",
				    at, t->kind == GRID_ORDER_INIT ? "init" :
				    t->kind == GRID_ORDER_CLOSE ? "close" :
				    "level", t->side == GRID_BUY ? "buy" : "sell",
				    t->level, u256_format_units(&t->px,
				    GRID_PX_DEC, b1),
				        u256_format_units(&t->base,
				    rep.market.base_dec, b2),
				    u256_format_units(&t->quote, qd, b3),
				    t->has_pnl ? report_money_text(&pm, qd,
				        b4) :
				    "-");
			}
		}
	}
	report_clear(&rep);
	report_trades_clear(&tr);
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
		{ "sweep", ctl_bt_cmd_sweep },
	};
	size_t	i;
	int	j;

	if (argc < 2 || ctl_is_help(argv[1])) {
		ctl_bt_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (j = 2; j < argc; j++)
		if (ctl_is_help(argv[j])) {
			ctl_bt_usage(stdout);
			return CTL_EXIT_OK;
		}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].fn(c, argc, argv);
	ctl_err("unknown backtest command '%s'", argv[1]);
	ctl_bt_usage(stderr);
	return CTL_EXIT_USAGE;
}
