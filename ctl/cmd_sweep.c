/*
 * cmd_sweep.c: `bsc-ctl backtest sweep`: many grid runs over one window,
 * every core, ranked, each stored (stratd/sweep.c; backtest_int.h).
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

int
ctl_bt_cmd_sweep(struct ctl *c, int argc, char **argv)
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
	if ((rc = ctl_bt_parse_opts(argc, argv, "-s --from --to --days -p "
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
	if (o.top && ctl_bt_int_arg(o.top, 1, 100000, &top) == -1) {
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
	if ((rc = ctl_bt_prepare(c, &o, &d, &m)) != 0)
		return rc;
	jobs = c->cfg->backtest.jobs;
	if (o.jobs && ctl_bt_int_arg(o.jobs, 1, 1024, &jobs) == -1) {
		ctl_err("--jobs '%s' is not 1..1024", o.jobs);
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_bt_window_args(d, &o, iv, sizeof(iv), &from, &to)) != 0)
		return rc;
	if ((rc = ctl_bt_load_window(d, o.symbol, iv, from, to, &s)) != 0)
		return rc;
	ctl_bt_close_window(&s, &from, &to);
	snprintf(defs, sizeof(defs), "{\"grid_count\":2,\"base_order_size\":"
	    "\"%s\"}", o.size ? o.size : c->cfg->backtest.order_size);
	if ((rc = ctl_bt_params_arg(o.params ? o.params : "{}", &s, &base,
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
		ctl_bt_audit(c, "backtest sweep", &o, 0, err);
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
	ctl_bt_audit(c, "backtest sweep", &o, 1, NULL);
	if (c->json) {
		cJSON	*out = cJSON_CreateObject();

		cJSON_AddNumberToObject(out, "sweep_id", (double)tmpl.sweep_id);
		cJSON_AddStringToObject(out, "symbol", o.symbol);
		cJSON_AddStringToObject(out, "interval", s.interval);
		cJSON_AddStringToObject(out, "rank_by",
		    sweep_metric_name(x.rank));
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
			    cJSON_GetObjectItem(r,
			        "max_drawdown")->valuedouble *
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
