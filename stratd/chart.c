/*
 * chart.c: the SVG chart of a backtest (chart.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chart.h"

#define W	1200.0
#define H	800.0
#define L	80.0		/* left margin */
#define R	110.0		/* right margin: level labels */
#define PT	78.0		/* price panel top */
#define PB	520.0		/* price panel bottom */
#define ET	570.0		/* equity panel top */
#define EB	740.0		/* equity panel bottom */

struct frame {
	double	t0, t1;		/* time range, ms */
	double	p0, p1;		/* price range */
	double	e0, e1;		/* equity range */
};

static double
xt(const struct frame *f, double t)
{
	return L + (t - f->t0) / (f->t1 - f->t0) * (W - L - R);
}

static double
yp(const struct frame *f, double p)
{
	return PB - (p - f->p0) / (f->p1 - f->p0) * (PB - PT);
}

static double
ye(const struct frame *f, double e)
{
	return EB - (e - f->e0) / (f->e1 - f->e0) * (EB - ET);
}

/* XML text escaping. */
static void
esc(FILE *o, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		default: fputc(*s, o); break;
		}
}

/* A "nice" tick step for a range: 1, 2 or 5 times a power of ten. */
static double
nice_step(double range, int n)
{
	double	raw = range / n, mag, f;

	if (!(raw > 0.0))
		return 1.0;
	mag = pow(10.0, floor(log10(raw)));
	f = raw / mag;
	return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* A number for an axis label: as few digits as the step needs. */
static void
num_label(double v, double step, char *out, size_t cap)
{
	int	dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (dec > 10)
		dec = 10;
	snprintf(out, cap, "%.*f", dec, v);
}

static void
date_label(double ms, double span, char *out, size_t cap)
{
	time_t		s = (time_t)(ms / 1000.0);
	struct tm	tm;

	gmtime_r(&s, &tm);
	strftime(out, cap, span > 3 * 86400000.0 ? "%Y-%m-%d" :
	    "%m-%d %H:%M", &tm);
}

static void
axes(FILE *o, const struct frame *f)
{
	double	step, v, span = f->t1 - f->t0;
	char	b[64];
	int	i;

	fprintf(o, "<g class=\"axes\" font-size=\"11\" fill=\"#555\">\n");
	fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "fill=\"none\" stroke=\"#bbb\"/>\n", L, PT, W - L - R, PB - PT);
	fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "fill=\"none\" stroke=\"#bbb\"/>\n", L, ET, W - L - R, EB - ET);
	step = nice_step(f->p1 - f->p0, 6);
	for (v = ceil(f->p0 / step) * step; v <= f->p1; v += step) {
		num_label(v, step, b, sizeof(b));
		fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", L, yp(f, v), W - R,
		    yp(f, v), L - 6, yp(f, v) + 4, b);
	}
	step = nice_step(f->e1 - f->e0, 3);
	for (v = ceil(f->e0 / step) * step; v <= f->e1; v += step) {
		num_label(v, step, b, sizeof(b));
		fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", L, ye(f, v), W - R,
		    ye(f, v), L - 6, ye(f, v) + 4, b);
	}
	for (i = 0; i <= 6; i++) {
		double	t = f->t0 + span * i / 6.0;

		date_label(t, span, b, sizeof(b));
		fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
		    "%s</text>\n", xt(f, t), EB + 18, b);
	}
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
	    "fill=\"#333\">price</text>\n", L + 6, PT + 14);
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
	    "fill=\"#333\">equity</text>\n", L + 6, ET + 14);
	fprintf(o, "</g>\n");
}

/* Money for the picture: at most 4 decimals, cut in place. */
static char *
short_money(char *s)
{
	char	*dot = strchr(s, '.');

	if (dot != NULL && strlen(dot + 1) > 4)
		dot[5] = '\0';
	return s;
}

static void
header(FILE *o, const struct report *r)
{
	char		 a[40], b[40], m[U256_DEC_MAX + 3];
	unsigned	 qd = r->market.quote_dec;

	report_time_text(r->first_ms, a);
	report_time_text(r->last_ms, b);
	fprintf(o, "<text x=\"%.1f\" y=\"28\" font-size=\"17\" "
	    "font-weight=\"bold\" fill=\"#222\">", L);
	if (r->id)
		fprintf(o, "Backtest %lld: ", r->id);
	esc(o, r->symbol);
	fprintf(o, " %s, grid of %d %s cells, ", r->interval,
	    r->params.grid_count,
	    r->params.spacing == GRID_GEOMETRIC ? "geometric" : "arithmetic");
	esc(o, r->params.lower_price);
	fputs(" .. ", o);
	esc(o, r->params.upper_price);
	fprintf(o, "</text>\n<text x=\"%.1f\" y=\"48\" font-size=\"12\" "
	    "fill=\"#555\">%s to %s, %ld candles; fee %u bps, gas ", L, a, b,
	    r->candles, r->market.fee_bps);
	fputs(u256_format_units(&r->market.gas, qd, m), o);
	fputs(" per swap, pool depth ", o);
	fputs(u256_is_zero(&r->market.depth) ? "unlimited" :
	    u256_format_units(&r->market.depth, qd, m), o);
	fprintf(o, "</text>\n<text x=\"%.1f\" y=\"66\" font-size=\"13\" "
	    "fill=\"#222\">return %.2f%%, realized ", L,
	    r->total_return * 100.0);
	esc(o, short_money(report_money_text(&r->realized, qd, m)));
	fputs(", unrealized ", o);
	esc(o, short_money(report_money_text(&r->unrealized, qd, m)));
	fprintf(o, ", max drawdown %.2f%%, Sharpe %.2f, %ld trades, %ld round "
	    "trips, win rate %.0f%%", r->max_drawdown * 100.0, r->sharpe,
	    r->trades, r->round_trips, r->win_rate * 100.0);
	if (r->stop_reason[0]) {
		fputs(", stopped (", o);
		esc(o, r->stop_reason);
		fputs(")", o);
	}
	fputs("</text>\n", o);
}

static void
legend(FILE *o)
{
	double	x = L + (W - L - R) / 2 - 150, y = (PB + ET) / 2 + 8;

	fprintf(o, "<g class=\"legend\" font-size=\"11\" fill=\"#333\">"
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#1f5fbf\" stroke-width=\"1.5\"/>"
	    "<text x=\"%.1f\" y=\"%.1f\">close</text>"
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
	    "<text x=\"%.1f\" y=\"%.1f\">grid level</text>"
	    "<path d=\"M %.1f %.1f l -5 9 h 10 z\" fill=\"#1a9641\"/>"
	    "<text x=\"%.1f\" y=\"%.1f\">buy</text>"
	    "<path d=\"M %.1f %.1f l -5 -9 h 10 z\" fill=\"#d7191c\"/>"
	    "<text x=\"%.1f\" y=\"%.1f\">sell</text>"
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#7b3294\" stroke-width=\"1.5\"/>"
	    "<text x=\"%.1f\" y=\"%.1f\">equity</text></g>\n",
	    x, y - 4, x + 18, y - 4, x + 22, y,
	    x + 60, y - 4, x + 78, y - 4, x + 82, y,
	    x + 150, y - 9, x + 158, y,
	    x + 190, y, x + 198, y,
	    x + 235, y - 4, x + 253, y - 4, x + 257, y);
}

int
chart_svg(FILE *o, const struct report *r, const struct report_trades *t)
{
	struct frame	 f;
	double		 e0 = u256_to_double(&r->initial_equity.v), scale = 1.0;
	size_t		 i;
	unsigned	 k;
	int		 j;

	for (k = 0; k < r->market.quote_dec; k++)
		scale *= 10.0;
	e0 /= scale;
	memset(&f, 0, sizeof(f));
	f.t0 = (double)r->first_ms;
	f.t1 = (double)r->last_ms;
	if (!(f.t1 > f.t0))
		f.t1 = f.t0 + 1.0;
	f.p0 = HUGE_VAL;
	f.p1 = -HUGE_VAL;
	f.e0 = f.e1 = e0;
	for (i = 0; i < r->nseries; i++) {
		const struct report_point *p = &r->series[i];

		f.p0 = fmin(f.p0, p->low);
		f.p1 = fmax(f.p1, p->high);
		f.e0 = fmin(f.e0, p->equity);
		f.e1 = fmax(f.e1, p->equity);
	}
	for (j = 0; j < r->nlevels; j++) {
		double	v = strtod(r->levels[j], NULL);

		f.p0 = fmin(f.p0, v);
		f.p1 = fmax(f.p1, v);
	}
	if (!(f.p1 > f.p0)) {
		f.p0 = f.p0 > 0 ? f.p0 * 0.99 : 0.0;
		f.p1 = f.p1 > 0 ? f.p1 * 1.01 : 1.0;
	}
	{
		double	pad = (f.p1 - f.p0) * 0.04, epad;

		f.p0 -= pad;
		f.p1 += pad;
		if (!(f.e1 > f.e0))
			f.e1 = f.e0 + (f.e0 != 0.0 ? fabs(f.e0) * 0.01 : 1.0);
		epad = (f.e1 - f.e0) * 0.08;
		f.e0 -= epad;
		f.e1 += epad;
	}

	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"Helvetica, Arial, sans-serif\">\n", W, H, W, H);
	fprintf(o, "<title>");
	esc(o, r->symbol);
	fprintf(o, " grid backtest %lld</title>\n", r->id);
	fprintf(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	header(o, r);
	axes(o, &f);
	legend(o);

	/* Grid levels and stop bounds, labelled on the right. */
	fprintf(o, "<g class=\"levels\" font-size=\"10\" fill=\"#777\">\n");
	for (j = 0; j < r->nlevels; j++) {
		double	y = yp(&f, strtod(r->levels[j], NULL));

		fprintf(o, "<line class=\"level\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
		    "stroke-dasharray=\"4 3\"/>", L, y, W - R, y);
		if (r->nlevels <= 60 || j % ((r->nlevels + 59) / 60) == 0) {
			fprintf(o, "<text x=\"%.1f\" y=\"%.1f\">", W - R + 4,
			    y + 3);
			esc(o, r->levels[j]);
			fputs("</text>", o);
		}
		fputc('\n', o);
	}
	if (r->params.stop_loss[0] || r->params.take_profit[0]) {
		const char	*b[2] = { r->params.stop_loss,
				    r->params.take_profit };

		for (j = 0; j < 2; j++) {
			double	v;

			if (!b[j][0] || (v = strtod(b[j], NULL)) < f.p0 ||
			    v > f.p1)
				continue;
			fprintf(o, "<line class=\"bound\" x1=\"%.1f\" y1=\"%.1f\" "
			    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e66101\" "
			    "stroke-dasharray=\"8 4\"/>\n", L, yp(&f, v), W - R,
			    yp(&f, v));
		}
	}
	fprintf(o, "</g>\n");

	/* The high-low band and the close line. */
	if (r->nseries > 0) {
		fprintf(o, "<path class=\"range\" fill=\"#c6dbef\" "
		    "fill-opacity=\"0.6\" stroke=\"none\" d=\"M");
		for (i = 0; i < r->nseries; i++)
			fprintf(o, " %.1f %.1f", xt(&f,
			    (double)r->series[i].t_ms), yp(&f,
			    r->series[i].high));
		for (i = r->nseries; i-- > 0;)
			fprintf(o, " %.1f %.1f", xt(&f,
			    (double)r->series[i].t_ms), yp(&f,
			    r->series[i].low));
		fprintf(o, " Z\"/>\n<polyline class=\"price\" fill=\"none\" "
		    "stroke=\"#1f5fbf\" stroke-width=\"1.2\" points=\"");
		for (i = 0; i < r->nseries; i++)
			fprintf(o, "%s%.1f,%.1f", i ? " " : "", xt(&f,
			    (double)r->series[i].t_ms), yp(&f,
			    r->series[i].close));
		fprintf(o, "\"/>\n");
	}

	/* Trades: green triangles up for buys, red down for sells. */
	fprintf(o, "<g class=\"trades\">\n");
	for (i = 0; t != NULL && i < t->n && i < CHART_MAX_MARKS; i++) {
		const struct report_trade	*tr = &t->v[i];
		double				 x = xt(&f, (double)tr->t_ms);
		double				 y = yp(&f, tr->price);

		if (tr->side == GRID_BUY)
			fprintf(o, "<path class=\"buy\" d=\"M %.1f %.1f l -5 9 "
			    "h 10 z\" fill=\"#1a9641\"/>\n", x, y);
		else
			fprintf(o, "<path class=\"sell\" d=\"M %.1f %.1f l -5 "
			    "-9 h 10 z\" fill=\"#d7191c\"/>\n", x, y);
	}
	fprintf(o, "</g>\n");

	/* Equity, with the starting capital for reference. */
	fprintf(o, "<line class=\"start-equity\" x1=\"%.1f\" y1=\"%.1f\" "
	    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#7b3294\" stroke-opacity=\"0.4\" "
	    "stroke-dasharray=\"3 3\"/>\n", L, ye(&f, e0), W - R, ye(&f, e0));
	fprintf(o, "<polyline class=\"equity\" fill=\"none\" stroke=\"#7b3294\" "
	    "stroke-width=\"1.5\" points=\"%.1f,%.1f", L, ye(&f, e0));
	for (i = 0; i < r->nseries; i++)
		fprintf(o, " %.1f,%.1f", xt(&f, (double)r->series[i].t_ms +
		    0.0), ye(&f, r->series[i].equity));
	fprintf(o, "\"/>\n</svg>\n");
	return ferror(o) ? -1 : 0;
}

int
chart_write(const char *path, const struct report *r,
    const struct report_trades *t, char *err, size_t errlen)
{
	char	tmp[4096];
	FILE	*o;
	int	 rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((o = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = chart_svg(o, r, t);
	if (fclose(o) != 0)
		rc = -1;
	if (rc == -1) {
		snprintf(err, errlen, "%s: write error", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
