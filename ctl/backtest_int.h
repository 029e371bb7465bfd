/*
 * backtest_int.h: what the files of `bsc-ctl backtest` share (not for
 * use outside ctl/cmd_backtest.c, ctl/cmd_sweep.c, ctl/backtest_args.c).
 */
#ifndef BSC_BACKTEST_INT_H
#define BSC_BACKTEST_INT_H

#include <stdint.h>
#include <stdio.h>

#include "ctl.h"
#include "../stratd/backtest.h"
#include "../stratd/grid.h"
#include "../stratd/report.h"

struct db;

#define DAY_MS	86400000LL

/* The options of every backtest command (parse_opts). */
struct opts {
	const char	*symbol, *from, *to, *params, *interval, *fee_bps;
	const char	*depth, *gas, *name, *chart, *size, *spacing;
	const char	*gc, *range, *rank_by, *jobs, *top, *limit, *days;
	const char	*id;
	int		 trades;
};

/* backtest_args.c */
/* The group's usage text. */
void		 ctl_bt_usage(FILE *f);
/* argv[2..] into o, allowing the flags named in allowed ("-s --days
 * ..."). Returns 0, or CTL_EXIT_USAGE after a message. */
int		 ctl_bt_parse_opts(int argc, char **argv, const char *allowed,
		    int want_id, struct opts *o);
/* A whole number in [lo, hi]. Returns 0 or -1. */
int		 ctl_bt_int_arg(const char *s, long lo, long hi, long *v);
/* The database, connected, in UTC. NULL after the error (exit code in
 * *rc). */
struct db	*ctl_bt_open_db(struct ctl *c, int *rc);
/* Unix milliseconds as report_time_text writes them, into out. */
void		 ctl_bt_fmt_time(int64_t ms, char *out);
/* Load the window into s; an empty one is an error. 0 or an exit code. */
int		 ctl_bt_load_window(struct db *d, const char *sym,
		    const char *iv, int64_t from, int64_t to,
		    struct bt_series *s);
/* Lowest low and highest high of a window, as decimal price text. */
void		 ctl_bt_window_range(const struct bt_series *s, char *lo,
		    char *hi, size_t cap);
/* A report for people, on stdout. */
void		 ctl_bt_print_report(const struct report *r);
/* The SVG chart of r (trades t) into path. 0, or -1 after a message. */
int		 ctl_bt_write_chart(const char *path, const struct report *r,
		    const struct report_trades *t);
/* The audit record of a command that runs a backtest. */
void		 ctl_bt_audit(struct ctl *c, const char *cmd,
		    const struct opts *o, int ok, const char *err);
/* Run, store, chart, print. The series is the caller's. */
int		 ctl_bt_run_and_store(struct ctl *c, struct db *d,
		    const struct opts *o, const struct grid_params *p,
		    const struct grid_market *m, const struct bt_series *s,
		    int64_t from, int64_t to, const char *cmd);
/* --from/--to/--days into a window (open ends stay open) and the
 * candle interval into iv. 0 or an exit code. */
int		 ctl_bt_window_args(struct db *d, const struct opts *o,
		    char *iv, size_t ivcap, int64_t *from, int64_t *to);
/* Open window ends become the data's. */
void		 ctl_bt_close_window(const struct bt_series *s, int64_t *from,
		    int64_t *to);
/* Shared start of quick-grid, run and sweep: the database and the pool
 * model. 0 or an exit code. */
int		 ctl_bt_prepare(struct ctl *c, const struct opts *o,
		    struct db **dp, struct grid_market *m);

/* cmd_backtest.c */
/* -p JSON into params; absent bounds from the window. */
int		 ctl_bt_params_arg(const char *json, const struct bt_series *s,
		    struct grid_params *p, const char *defaults);

/* cmd_sweep.c */
/* `backtest sweep`. Returns an exit code. */
int		 ctl_bt_cmd_sweep(struct ctl *c, int argc, char **argv);

#endif
