/*
 * bench_backtest.c: the grid backtest (stratd/backtest.c).
 *
 *  1. Candles per second on one core: a 20-grid backtest (grid_count 20,
 *     bounds the series' low and high, fee 25 bps, pool depth 1,000,000,
 *     gas 0.05) over the longest real series, ../shared/data/candles/
 *     orderflow_candles_BTC_5m.csv (10,999 BTC 5m candles; a synthetic
 *     random walk of the same length when ../shared is absent), run again
 *     and again until at least 10,000,000 candles went through. Target
 *     (issue 6): >= 10,000,000 candles/s.
 *  2. Peak memory (maximum resident set) of a backtest over a year of
 *     1-minute candles (525,600, synthetic), trades recorded, measured in
 *     a forked child beside an idle child.
 *  3. The speed-up of a sweep (16 points) over that year on two worker
 *     processes against one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../stratd/backtest.h"
#include "../stratd/sweep.h"

#define TARGET_CANDLES	10000000UL
#define YEAR_1M		525600

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct grid_market
market(void)
{
	struct grid_market	m;

	memset(&m, 0, sizeof(m));
	m.base_dec = m.quote_dec = 18;
	m.fee_bps = 25;
	u256_parse_units(&m.depth, "1000000", 18);
	u256_parse_units(&m.gas, "0.05", 18);
	return m;
}

/* A random walk of n candles from p0 (xorshift: the same every run). */
static struct bt_candle *
synthetic(size_t n, int64_t iv, double p0, double vol)
{
	struct bt_candle	*c = calloc(n, sizeof(*c));
	uint64_t		 x = 0x9E3779B97F4A7C15ULL;
	double			 p = p0;
	size_t			 i;
	int			 k;

	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		double	o = p, h = p, l = p;

		for (k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p *= 1.0 + vol * (((double)(x % 20001) - 10000.0) /
			    10000.0);
			if (p > h)
				h = p;
			if (p < l)
				l = p;
		}
		c[i].t = 1672531200000LL + (int64_t)i * iv;
		c[i].o = round(o * 100) / 100;
		c[i].c = round(p * 100) / 100;
		c[i].h = ceil(h * 100) / 100;
		c[i].l = floor(l * 100) / 100;
	}
	return c;
}

static struct bt_candle *
load_csv(const char *path, size_t *n)
{
	FILE			*f = fopen(path, "r");
	struct bt_candle	*c = NULL;
	size_t			 cap = 0;
	char			 line[512];

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct bt_candle	k;
		long long		t;

		if (sscanf(line, "%lld,%lf,%lf,%lf,%lf", &t, &k.o, &k.h, &k.l,
		    &k.c) != 5)
			continue;	/* the header */
		k.t = t;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16384;
			c = realloc(c, cap * sizeof(*c));
			if (c == NULL) {
				fclose(f);
				return NULL;
			}
		}
		c[(*n)++] = k;
	}
	fclose(f);
	return c;
}

static void
bounds(const struct bt_candle *c, size_t n, struct grid_params *p, int gc)
{
	double	lo = c[0].l, hi = c[0].h;
	size_t	i;

	for (i = 1; i < n; i++) {
		lo = fmin(lo, c[i].l);
		hi = fmax(hi, c[i].h);
	}
	grid_params_defaults(p);
	p->grid_count = gc;
	snprintf(p->lower_price, sizeof(p->lower_price), "%.2f", lo);
	snprintf(p->upper_price, sizeof(p->upper_price), "%.2f", hi);
	snprintf(p->base_order_size, sizeof(p->base_order_size), "1000");
}

static long
maxrss_kb(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Peak RSS of a child that does the year-long run (run != 0) or not. */
static long
child_rss(int run)
{
	int	 fd[2], st;
	long	 kb = -1;
	pid_t	 pid;

	if (pipe(fd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		close(fd[0]);
		if (run) {
			struct grid_market	 m = market();
			struct grid_params	 p;
			struct report		 rep;
			struct report_trades	 tr;
			struct bt_candle	*c = synthetic(YEAR_1M, 60000,
			    20000, 0.0004);
			char			 err[512];

			memset(&rep, 0, sizeof(rep));
			memset(&tr, 0, sizeof(tr));
			bounds(c, YEAR_1M, &p, 20);
			if (bt_run(&p, &m, c, YEAR_1M, 60000, &rep, &tr, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "year run: %s\n", err);
				_exit(1);
			}
		}
		kb = maxrss_kb();
		(void)write(fd[1], &kb, sizeof(kb));
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &kb, sizeof(kb)) != sizeof(kb))
		kb = -1;
	close(fd[0]);
	waitpid(pid, &st, 0);
	return kb;
}

static int
nop(void *arg, size_t idx, const struct grid_params *p, struct report *rep,
    struct report_trades *tr, const char *error)
{
	if (error != NULL)
		fprintf(stderr, "  sweep point %zu: %s\n", idx, error);
	return 0;
}

static double
sweep_time(const struct bt_candle *c, size_t n, int jobs)
{
	struct grid_market	 m = market();
	struct grid_params	 base, *pts;
	struct sweep_space	 sp;
	struct report		 tmpl;
	size_t			 np;
	char			 err[512];
	double			 t0;

	memset(&sp, 0, sizeof(sp));
	memset(&tmpl, 0, sizeof(tmpl));
	snprintf(tmpl.symbol, sizeof(tmpl.symbol), "SYN/USD");
	snprintf(tmpl.interval, sizeof(tmpl.interval), "1m");
	tmpl.from_ms = c[0].t;
	tmpl.to_ms = c[n - 1].t + 60000;
	sp.gc_from = 5;
	sp.gc_to = 20;
	sp.gc_step = 1;
	bounds(c, n, &base, 5);
	if (sweep_expand(&base, &sp, c[0].o, &pts, &np, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	t0 = now_s();
	if (sweep_run(c, n, 60000, &m, &tmpl, pts, np, jobs, 0, -1, nop,
	    NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "sweep: %s\n", err);
		free(pts);
		return -1;
	}
	t0 = now_s() - t0;
	free(pts);
	return t0;
}

int
main(void)
{
	const char		*path = "../shared/data/candles/"
				    "orderflow_candles_BTC_5m.csv";
	struct grid_market	 m = market();
	struct grid_params	 p;
	struct bt_candle	*c, *year;
	struct report		 rep;
	size_t			 n, total = 0;
	long			 runs = 0, trades = 0, idle, used;
	double			 t0, t, t1, t2;
	char			 err[512];

	if ((c = load_csv(path, &n)) == NULL || n == 0) {
		n = 10999;
		c = synthetic(n, 300000, 20000, 0.001);
		printf("series: synthetic random walk, %zu 5m candles (%s "
		    "absent)\n", n, path);
	} else
		printf("series: %s, %zu candles\n", path, n);
	bounds(c, n, &p, 20);
	memset(&rep, 0, sizeof(rep));
	/* Warm up, then the timed runs. */
	if (bt_run(&p, &m, c, n, 300000, &rep, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_backtest: %s\n", err);
		return 1;
	}
	t0 = now_s();
	while (total < TARGET_CANDLES) {
		bt_run(&p, &m, c, n, 300000, &rep, NULL, err, sizeof(err));
		total += n;
		runs++;
		trades += rep.trades;
	}
	t = now_s() - t0;
	printf("backtest, 20-grid %s..%s, one core: %zu candles in %ld runs "
	    "(%ld trades each) in %.3f s: %.0f candles/s (target "
	    ">= 10,000,000)\n", p.lower_price, p.upper_price, total, runs,
	    trades / runs, t, (double)total / t);
	report_clear(&rep);
	free(c);

	idle = child_rss(0);
	used = child_rss(1);
	printf("peak memory, a year of 1m candles (%d), trades kept: %ld KiB "
	    "max RSS (an idle child: %ld KiB; candles alone: %zu KiB)\n",
	    YEAR_1M, used, idle, (size_t)YEAR_1M * sizeof(struct bt_candle) /
	    1024);

	if ((year = synthetic(YEAR_1M, 60000, 20000, 0.0004)) == NULL)
		return 1;
	t1 = sweep_time(year, YEAR_1M, 1);
	t2 = sweep_time(year, YEAR_1M, 2);
	if (t1 < 0 || t2 < 0)
		return 1;
	printf("sweep of 16 runs over a year of 1m candles: 1 worker %.3f s, "
	    "2 workers %.3f s: speed-up %.2fx (%d cores online)\n", t1, t2,
	    t1 / t2, sweep_cores());
	free(year);
	return 0;
}
