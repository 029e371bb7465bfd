/*
 * report.c: backtest reports: JSON form and reading it back (report.h);
 * report_db.c stores and lists them (report_int.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "report.h"
#include "report_int.h"

void
report_clear(struct report *r)
{
	free(r->levels);
	free(r->series);
	memset(r, 0, sizeof(*r));
}

int
report_trades_add(struct report_trades *t, const struct report_trade *tr)
{
	if (t->n == t->cap) {
		size_t			 cap = t->cap ? t->cap * 2 : 256;
		struct report_trade	*v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *tr;
	return 0;
}

void
report_trades_clear(struct report_trades *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void
report_money_sub(struct report_money *r, const u256 *a, const u256 *b)
{
	if (u256_cmp(a, b) >= 0) {
		u256_sub(&r->v, a, b);
		r->neg = 0;
	} else {
		u256_sub(&r->v, b, a);
		r->neg = 1;
	}
}

char *
report_money_text(const struct report_money *m, unsigned dec, char *out)
{
	char	buf[U256_DEC_MAX + 2];

	u256_format_units(&m->v, dec, buf);
	snprintf(out, U256_DEC_MAX + 3, "%s%s", m->neg &&
	    !u256_is_zero(&m->v) ? "-" : "", buf);
	return out;
}

int
report_money_parse(struct report_money *m, const char *s, unsigned dec)
{
	m->neg = 0;
	if (s == NULL)
		return -1;
	if (*s == '-') {
		m->neg = 1;
		s++;
	}
	return u256_parse_units(&m->v, s, dec);
}

char *
report_time_text(int64_t ms, char *out)
{
	time_t		s;
	struct tm	tm;
	int64_t		frac;
	char		b[24];

	frac = ms % 1000;
	if (frac < 0)
		frac += 1000;
	s = (time_t)((ms - frac) / 1000);
	gmtime_r(&s, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(out, 32, "%s.%03dZ", b, (int)frac);
	else
		snprintf(out, 32, "%sZ", b);
	return out;
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" to ms. Returns 0 or -1. */
static int
time_parse(const char *s, int64_t *ms)
{
	struct tm	tm;
	int		y, mo, d, h, mi, sec, frac = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6)
		return -1;
	s += n;
	if (*s == '.') {
		if (sscanf(s, ".%3d%n", &frac, &n) != 1)
			return -1;
		s += n;
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

static void
add_time(cJSON *o, const char *k, int64_t ms, int valid)
{
	char	b[32];

	if (!valid)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddStringToObject(o, k, report_time_text(ms, b));
}

static void
add_units(cJSON *o, const char *k, const u256 *v, unsigned dec)
{
	char	b[U256_DEC_MAX + 2];

	cJSON_AddStringToObject(o, k, u256_format_units(v, dec, b));
}

static void
add_money(cJSON *o, const char *k, const struct report_money *m,
    unsigned dec)
{
	char	b[U256_DEC_MAX + 3];

	cJSON_AddStringToObject(o, k, report_money_text(m, dec, b));
}

/* A double as a number; NaN and infinities (never expected) as 0. */
static void
add_num(cJSON *o, const char *k, double v)
{
	cJSON_AddNumberToObject(o, k, isfinite(v) ? v : 0.0);
}

/* A quote amount computed as a double (a statistic), as text. */
static void
add_dmoney(cJSON *o, const char *k, double v, unsigned dec)
{
	char	b[64], *e;

	snprintf(b, sizeof(b), "%.*f", dec < 8 ? (int)dec : 8, isfinite(v) ?
	    v : 0.0);
	if (strchr(b, '.') != NULL) {
		e = b + strlen(b);
		while (e[-1] == '0')
			*--e = '\0';
		if (e[-1] == '.')
			e[-1] = '\0';
	}
	if (strcmp(b, "-0") == 0)
		snprintf(b, sizeof(b), "0");
	cJSON_AddStringToObject(o, k, b);
}

cJSON *
report_to_json(const struct report *r, int full)
{
	cJSON		*o = cJSON_CreateObject(), *m, *a, *s;
	unsigned	 qd = r->market.quote_dec;
	size_t		 i;
	int		 k;

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	if (r->name[0])
		cJSON_AddStringToObject(o, "name", r->name);
	else
		cJSON_AddNullToObject(o, "name");
	cJSON_AddStringToObject(o, "symbol", r->symbol);
	cJSON_AddStringToObject(o, "interval", r->interval);
	add_time(o, "from", r->from_ms, 1);
	add_time(o, "to", r->to_ms, 1);
	add_time(o, "first_candle_at", r->first_ms, 1);
	add_time(o, "last_candle_close", r->last_ms, 1);
	cJSON_AddNumberToObject(o, "candles", (double)r->candles);
	if (r->sweep_id)
		cJSON_AddNumberToObject(o, "sweep_id", (double)r->sweep_id);
	else
		cJSON_AddNullToObject(o, "sweep_id");
	cJSON_AddStringToObject(o, "status", r->status);
	if (r->stop_reason[0])
		cJSON_AddStringToObject(o, "stop_reason", r->stop_reason);
	else
		cJSON_AddNullToObject(o, "stop_reason");
	cJSON_AddItemToObject(o, "params", grid_params_to_json(&r->params));
	m = cJSON_AddObjectToObject(o, "model");
	cJSON_AddNumberToObject(m, "fee_bps", r->market.fee_bps);
	add_units(m, "pool_depth", &r->market.depth, qd);
	add_units(m, "gas_per_swap", &r->market.gas, qd);
	cJSON_AddNumberToObject(m, "base_decimals", r->market.base_dec);
	cJSON_AddNumberToObject(m, "quote_decimals", qd);
	cJSON_AddStringToObject(m, "price_path", PRICE_PATH);
	add_money(o, "initial_equity", &r->initial_equity, qd);
	add_money(o, "final_equity", &r->final_equity, qd);
	add_num(o, "return", r->total_return);
	add_money(o, "realized_profit", &r->realized, qd);
	add_money(o, "unrealized_pnl", &r->unrealized, qd);
	add_units(o, "fees", &r->fees, qd);
	add_units(o, "gas", &r->gas, qd);
	add_units(o, "slippage", &r->slippage, qd);
	add_units(o, "volume", &r->volume, qd);
	add_num(o, "max_drawdown", r->max_drawdown);
	add_dmoney(o, "max_drawdown_value", r->max_drawdown_value, qd);
	add_time(o, "max_drawdown_peak_at", r->dd_peak_ms, r->dd_peak_ms >= 0);
	add_time(o, "max_drawdown_trough_at", r->dd_trough_ms,
	    r->dd_trough_ms >= 0);
	add_num(o, "sharpe", r->sharpe);
	add_num(o, "sortino", r->sortino);
	cJSON_AddNumberToObject(o, "trades", (double)r->trades);
	cJSON_AddNumberToObject(o, "buys", (double)r->buys);
	cJSON_AddNumberToObject(o, "sells", (double)r->sells);
	cJSON_AddNumberToObject(o, "round_trips", (double)r->round_trips);
	cJSON_AddNumberToObject(o, "wins", (double)r->wins);
	add_num(o, "win_rate", r->win_rate);
	cJSON_AddNumberToObject(o, "failed_orders", (double)r->failed);
	add_num(o, "apr", r->apr);
	add_units(o, "end_base", &r->end_base, r->market.base_dec);
	add_units(o, "end_quote", &r->end_quote, qd);
	add_num(o, "first_price", r->first_price);
	add_num(o, "last_price", r->last_price);
	if (!full)
		return o;
	cJSON_AddNumberToObject(o, "interval_ms", (double)r->interval_ms);
	a = cJSON_AddArrayToObject(o, "levels");
	for (k = 0; k < r->nlevels; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->levels[k]));
	s = cJSON_AddObjectToObject(o, "series");
	{
		cJSON	*t = cJSON_AddArrayToObject(s, "t");
		cJSON	*lo = cJSON_AddArrayToObject(s, "low");
		cJSON	*hi = cJSON_AddArrayToObject(s, "high");
		cJSON	*cl = cJSON_AddArrayToObject(s, "close");
		cJSON	*eq = cJSON_AddArrayToObject(s, "equity");

		for (i = 0; i < r->nseries; i++) {
			const struct report_point *p = &r->series[i];

			cJSON_AddItemToArray(t, cJSON_CreateNumber(
			    (double)p->t_ms));
			cJSON_AddItemToArray(lo, cJSON_CreateNumber(p->low));
			cJSON_AddItemToArray(hi, cJSON_CreateNumber(p->high));
			cJSON_AddItemToArray(cl, cJSON_CreateNumber(p->close));
			cJSON_AddItemToArray(eq, cJSON_CreateNumber(
			    isfinite(p->equity) ? p->equity : 0.0));
		}
	}
	return o;
}

/* --- reading it back --- */

struct rd {
	const cJSON	*o;
	const char	*bad;
};

static const cJSON *
item(struct rd *r, const char *k)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(r->o, k);

	if (j == NULL && r->bad == NULL)
		r->bad = k;
	return j;
}

static double
rd_num(struct rd *r, const char *k)
{
	const cJSON	*j = item(r, k);

	if (!cJSON_IsNumber(j)) {
		if (r->bad == NULL)
			r->bad = k;
		return 0.0;
	}
	return j->valuedouble;
}

static const char *
rd_str(struct rd *r, const char *k, int null_ok)
{
	const cJSON	*j = item(r, k);

	if (cJSON_IsString(j))
		return j->valuestring;
	if (!(null_ok && cJSON_IsNull(j)) && r->bad == NULL)
		r->bad = k;
	return NULL;
}

static void
rd_time(struct rd *r, const char *k, int64_t *ms, int null_ok)
{
	const char	*s = rd_str(r, k, null_ok);

	*ms = -1;
	if (s != NULL && time_parse(s, ms) == -1 && r->bad == NULL)
		r->bad = k;
}

static void
rd_units(struct rd *r, const char *k, u256 *v, unsigned dec)
{
	const char	*s = rd_str(r, k, 0);

	if (s != NULL && u256_parse_units(v, s, dec) == -1 && r->bad == NULL)
		r->bad = k;
}

static void
rd_money(struct rd *r, const char *k, struct report_money *m, unsigned dec)
{
	const char	*s = rd_str(r, k, 0);

	if (s != NULL && report_money_parse(m, s, dec) == -1 && r->bad == NULL)
		r->bad = k;
}

int
report_from_json(struct report *rep, const cJSON *o, char *err,
    size_t errlen)
{
	struct rd	 r = { o, NULL }, rm;
	const cJSON	*a, *e, *s;
	const char	*v;
	unsigned	 qd;
	char		 perr[256];
	size_t		 i, n;

	memset(rep, 0, sizeof(*rep));
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "stored report is not an object");
		return -1;
	}
	rep->id = (long long)rd_num(&r, "id");
	if ((v = rd_str(&r, "name", 1)) != NULL)
		snprintf(rep->name, sizeof(rep->name), "%s", v);
	if ((v = rd_str(&r, "symbol", 0)) != NULL)
		snprintf(rep->symbol, sizeof(rep->symbol), "%s", v);
	if ((v = rd_str(&r, "interval", 0)) != NULL)
		snprintf(rep->interval, sizeof(rep->interval), "%s", v);
	rd_time(&r, "from", &rep->from_ms, 0);
	rd_time(&r, "to", &rep->to_ms, 0);
	rd_time(&r, "first_candle_at", &rep->first_ms, 0);
	rd_time(&r, "last_candle_close", &rep->last_ms, 0);
	rep->candles = (long)rd_num(&r, "candles");
	if (cJSON_IsNumber(item(&r, "sweep_id")))
		rep->sweep_id = (long long)rd_num(&r, "sweep_id");
	if ((v = rd_str(&r, "status", 0)) != NULL)
		snprintf(rep->status, sizeof(rep->status), "%s", v);
	if ((v = rd_str(&r, "stop_reason", 1)) != NULL)
		snprintf(rep->stop_reason, sizeof(rep->stop_reason), "%s", v);
	if (grid_params_from_json(&rep->params, item(&r, "params"), perr,
	    sizeof(perr)) == -1) {
		snprintf(err, errlen, "stored report: params: %s", perr);
		return -1;
	}
	rm.o = item(&r, "model");
	rm.bad = NULL;
	if (!cJSON_IsObject(rm.o)) {
		snprintf(err, errlen, "stored report: no model");
		return -1;
	}
	rep->market.fee_bps = (unsigned)rd_num(&rm, "fee_bps");
	rep->market.base_dec = (unsigned)rd_num(&rm, "base_decimals");
	rep->market.quote_dec = qd = (unsigned)rd_num(&rm, "quote_decimals");
	if (qd > 36 || rep->market.base_dec > 36) {
		snprintf(err, errlen, "stored report: bad decimals");
		return -1;
	}
	rd_units(&rm, "pool_depth", &rep->market.depth, qd);
	rd_units(&rm, "gas_per_swap", &rep->market.gas, qd);
	if (rm.bad != NULL) {
		snprintf(err, errlen, "stored report: bad model.%s", rm.bad);
		return -1;
	}
	rd_money(&r, "initial_equity", &rep->initial_equity, qd);
	rd_money(&r, "final_equity", &rep->final_equity, qd);
	rep->total_return = rd_num(&r, "return");
	rd_money(&r, "realized_profit", &rep->realized, qd);
	rd_money(&r, "unrealized_pnl", &rep->unrealized, qd);
	rd_units(&r, "fees", &rep->fees, qd);
	rd_units(&r, "gas", &rep->gas, qd);
	rd_units(&r, "slippage", &rep->slippage, qd);
	rd_units(&r, "volume", &rep->volume, qd);
	rep->max_drawdown = rd_num(&r, "max_drawdown");
	if ((v = rd_str(&r, "max_drawdown_value", 0)) != NULL)
		rep->max_drawdown_value = strtod(v, NULL);
	rd_time(&r, "max_drawdown_peak_at", &rep->dd_peak_ms, 1);
	rd_time(&r, "max_drawdown_trough_at", &rep->dd_trough_ms, 1);
	rep->sharpe = rd_num(&r, "sharpe");
	rep->sortino = rd_num(&r, "sortino");
	rep->trades = (long)rd_num(&r, "trades");
	rep->buys = (long)rd_num(&r, "buys");
	rep->sells = (long)rd_num(&r, "sells");
	rep->round_trips = (long)rd_num(&r, "round_trips");
	rep->wins = (long)rd_num(&r, "wins");
	rep->win_rate = rd_num(&r, "win_rate");
	rep->failed = (long)rd_num(&r, "failed_orders");
	rep->apr = rd_num(&r, "apr");
	rd_units(&r, "end_base", &rep->end_base, rep->market.base_dec);
	rd_units(&r, "end_quote", &rep->end_quote, qd);
	rep->first_price = rd_num(&r, "first_price");
	rep->last_price = rd_num(&r, "last_price");
	rep->interval_ms = (int64_t)rd_num(&r, "interval_ms");
	if (r.bad != NULL) {
		snprintf(err, errlen, "stored report: bad or missing '%s'",
		    r.bad);
		return -1;
	}
	a = item(&r, "levels");
	if (!cJSON_IsArray(a) || (n = (size_t)cJSON_GetArraySize(a)) < 3 ||
	    n > GRID_MAX_COUNT + 1) {
		snprintf(err, errlen, "stored report: bad levels");
		return -1;
	}
	if ((rep->levels = calloc(n, sizeof(*rep->levels))) == NULL)
		goto oom;
	rep->nlevels = (int)n;
	i = 0;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e)) {
			snprintf(err, errlen, "stored report: bad level");
			report_clear(rep);
			return -1;
		}
		snprintf(rep->levels[i++], GRID_DEC_MAX, "%s", e->valuestring);
	}
	s = item(&r, "series");
	{
		const char	*names[] = { "t", "low", "high", "close",
				    "equity" };
		const cJSON	*col[5];
		int		 c;

		for (c = 0; c < 5; c++) {
			col[c] = cJSON_GetObjectItemCaseSensitive(s, names[c]);
			if (!cJSON_IsArray(col[c]) || (c > 0 &&
			    cJSON_GetArraySize(col[c]) !=
			    cJSON_GetArraySize(col[0]))) {
				snprintf(err, errlen, "stored report: bad "
				    "series");
				report_clear(rep);
				return -1;
			}
		}
		n = (size_t)cJSON_GetArraySize(col[0]);
		if (n > 0 && (rep->series = calloc(n,
		    sizeof(*rep->series))) == NULL)
			goto oom;
		rep->nseries = n;
		for (c = 0; c < 5; c++) {
			i = 0;
			cJSON_ArrayForEach(e, col[c]) {
				struct report_point	*p = &rep->series[i++];
				double			 d = cJSON_IsNumber(e) ?
				    e->valuedouble : 0.0;

				switch (c) {
				case 0: p->t_ms = (int64_t)d; break;
				case 1: p->low = d; break;
				case 2: p->high = d; break;
				case 3: p->close = d; break;
				default: p->equity = d; break;
				}
			}
		}
	}
	return 0;
oom:
	report_clear(rep);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static const char *
kind_name(int kind)
{
	return kind == GRID_ORDER_INIT ? "init" : kind == GRID_ORDER_CLOSE ?
	    "close" : "level";
}

cJSON *
report_trade_to_json(const struct report *r, const struct report_trade *t)
{
	cJSON		*o = cJSON_CreateObject();
	unsigned	 qd = r->market.quote_dec;
	char		 b[U256_DEC_MAX + 3];

	if (o == NULL)
		return NULL;
	add_time(o, "at", t->t_ms, 1);
	cJSON_AddStringToObject(o, "kind", kind_name(t->kind));
	cJSON_AddStringToObject(o, "side", t->side == GRID_BUY ? "buy" :
	    "sell");
	if (t->level >= 0)
		cJSON_AddNumberToObject(o, "level", t->level);
	else
		cJSON_AddNullToObject(o, "level");
	add_units(o, "price", &t->px, GRID_PX_DEC);
	add_units(o, "amount", &t->base, r->market.base_dec);
	add_units(o, "quote_amount", &t->quote, qd);
	add_units(o, "fee", &t->fee, qd);
	add_units(o, "gas", &t->gas, qd);
	add_units(o, "slippage", &t->slippage, qd);
	if (t->has_pnl) {
		struct report_money	m = { t->pnl, t->pnl_neg };

		cJSON_AddStringToObject(o, "realized_pnl",
		    report_money_text(&m, qd, b));
	} else
		cJSON_AddNullToObject(o, "realized_pnl");
	return o;
}
