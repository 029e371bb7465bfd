/*
 * grid.c: the grid strategy engine (see grid.h for the model).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "grid.h"

enum cell_state { C_EMPTY = 0, C_HOLDING, C_BUY_PENDING, C_SELL_PENDING };

static const char *const cell_state_names[] = {
	"empty", "holding", "buy_pending", "sell_pending"
};
static const char *const kind_names[] = { "level", "init", "close" };
static const char *const status_names[] = {
	"new", "running", "stopping", "stopped"
};

struct cell {
	enum cell_state	 state;
	int		 armed;		/* the price was on the far side */
	u256		 plan_base;	/* planned amount (a multiple of lot) */
	u256		 plan_quote;	/* what its buy spends */
	u256		 base;		/* held (HOLDING, SELL_PENDING) */
	u256		 cost;		/* quote it cost */
	u256		 gas;		/* gas of its buy */
	int64_t		 since;		/* time of its buy, -1 none */
	struct grid_order pend;		/* the pending order (id 0: none) */
};

struct level {
	double		 price;
	u256		 px;
	char		 text[GRID_DEC_MAX];
	uint64_t	 seq;
	int64_t		 last_at;	/* -1: never */
};

struct grid {
	struct grid_params	 p;
	struct grid_market	 m;
	int			 n;		/* cells */
	struct level		*lv;		/* n + 1 */
	struct cell		*c;		/* n */
	enum grid_status	 status;
	char			 reason[160];
	uint64_t		 next_id;
	int			 has_sl, has_tp;
	double			 sl, tp;
	u256			 sl_px, tp_px;
	double			 stop_price;	/* the bound that stopped it */
	u256			 stop_px;
	double			 lo, hi;	/* fast-path triggers */
	double			 last;		/* last observed price, 0 none */
	struct grid_totals	 tot;
	u256			 lot;
};

/* --- small exact helpers --- */

static u256
pow10u(unsigned k)
{
	u256	r = u256_from_u64(1), ten = u256_from_u64(10);

	while (k-- > 0)
		u256_mul(&r, &r, &ten);
	return r;
}

static int
is_zero(const u256 *a)
{
	return u256_is_zero(a);
}

/* r = a * b / d, rounded down or (up != 0) up. Returns 0 or -1. */
static int
mul_div(u256 *r, const u256 *a, const u256 *b, const u256 *d, int up)
{
	u256	q, prod, back, one = u256_from_u64(1);

	if (u256_muldiv(&q, a, b, d) == -1)
		return -1;
	if (up) {
		if (u256_mul(&prod, a, b) == -1 || u256_mul(&back, &q, d) == -1)
			return -1;
		if (u256_cmp(&back, &prod) != 0 &&
		    u256_add(&q, &q, &one) == -1)
			return -1;
	}
	*r = q;
	return 0;
}

/* Quote base units for base base units at px, floor or ceiling. */
static int
quote_for(const struct grid_market *m, const u256 *base, const u256 *px,
    u256 *quote, int up)
{
	unsigned	a = m->base_dec + GRID_PX_DEC;
	u256		d, t;

	if (a >= m->quote_dec) {
		d = pow10u(a - m->quote_dec);
		return mul_div(quote, base, px, &d, up);
	}
	d = pow10u(m->quote_dec - a);
	if (u256_mul(&t, base, px) == -1)
		return -1;
	return u256_mul(quote, &t, &d);
}

/* Base base units that quote quote base units buy at px (floor). */
static int
base_for(const struct grid_market *m, const u256 *quote, const u256 *px,
    u256 *base)
{
	unsigned	a = m->base_dec + GRID_PX_DEC;
	u256		d, one = u256_from_u64(1);

	if (is_zero(px))
		return -1;
	if (a >= m->quote_dec) {
		d = pow10u(a - m->quote_dec);
		return mul_div(base, quote, &d, px, 0);
	}
	d = pow10u(m->quote_dec - a);
	if (u256_mul(&d, &d, px) == -1)
		return -1;
	return mul_div(base, quote, &one, &d, 0);
}

/* Number of decimals px really uses (0..GRID_PX_DEC). */
static unsigned
px_decimals(const u256 *px)
{
	u256		v = *px, q, r, ten = u256_from_u64(10);
	unsigned	tz = 0;

	if (is_zero(&v))
		return 0;
	while (tz < GRID_PX_DEC) {
		u256_divmod(&q, &r, &v, &ten);
		if (!is_zero(&r))
			break;
		v = q;
		tz++;
	}
	return GRID_PX_DEC - tz;
}

static void
fmt_units(const u256 *v, unsigned dec, char *out, size_t cap)
{
	char	buf[U256_DEC_MAX + 2];

	u256_format_units(v, dec, buf);
	snprintf(out, cap, "%s", buf);
}

int
grid_px_parse(u256 *px, const char *text)
{
	if (text == NULL || *text == '\0')
		return -1;
	return u256_parse_units(px, text, GRID_PX_DEC);
}

int
grid_px_from_double(u256 *px, double v)
{
	char	buf[64];

	if (!(v > 0.0) || !isfinite(v))
		return -1;
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strchr(buf, 'e') != NULL) {
		/* Very large or small: write it out positionally. */
		snprintf(buf, sizeof(buf), "%.*f", GRID_PX_DEC, v);
		if (strlen(buf) > 60)
			return -1;
	}
	return u256_parse_units(px, buf, GRID_PX_DEC) == -1 ? -1 :
	    (is_zero(px) ? -1 : 0);
}

int
grid_quote_value(const struct grid_market *m, const u256 *base,
    const u256 *px, u256 *quote)
{
	return quote_for(m, base, px, quote, 0);
}

int
grid_sim_fill(const struct grid_market *m, enum grid_side side,
    const u256 *px, const u256 *in, struct grid_fill *f)
{
	u256	keep = u256_from_u64(10000 - (m->fee_bps < 10000 ?
		    m->fee_bps : 0)), tenk = u256_from_u64(10000);
	u256	net, feein, ideal, diff, rb;

	memset(f, 0, sizeof(*f));
	if (m->fee_bps >= 10000 || is_zero(in) || is_zero(px))
		return -1;
	f->amount_in = *in;
	f->gas = m->gas;
	if (mul_div(&net, in, &keep, &tenk, 0) == -1 ||
	    u256_sub(&feein, in, &net) == -1)
		return -1;
	if (side == GRID_BUY) {
		f->fee = feein;
		if (base_for(m, &net, px, &ideal) == -1)
			return -1;
		if (is_zero(&m->depth))
			f->amount_out = ideal;
		else {
			if (base_for(m, &m->depth, px, &rb) == -1 ||
			    is_zero(&rb) ||
			    amm_get_amount_out(&f->amount_out, in, &m->depth,
			    &rb, m->fee_bps) == -1)
				return -1;
			if (u256_cmp(&ideal, &f->amount_out) > 0) {
				u256_sub(&diff, &ideal, &f->amount_out);
				if (quote_for(m, &diff, px, &f->slippage, 0) == -1)
					return -1;
			}
		}
	} else {
		if (quote_for(m, &feein, px, &f->fee, 0) == -1 ||
		    quote_for(m, &net, px, &ideal, 0) == -1)
			return -1;
		if (is_zero(&m->depth))
			f->amount_out = ideal;
		else {
			if (base_for(m, &m->depth, px, &rb) == -1 ||
			    is_zero(&rb) ||
			    amm_get_amount_out(&f->amount_out, in, &rb,
			    &m->depth, m->fee_bps) == -1)
				return -1;
			if (u256_cmp(&ideal, &f->amount_out) > 0)
				u256_sub(&f->slippage, &ideal, &f->amount_out);
		}
	}
	return 0;
}

/* --- params --- */

void
grid_params_defaults(struct grid_params *p)
{
	memset(p, 0, sizeof(*p));
	p->spacing = GRID_ARITHMETIC;
	p->size_in_base = 0;
	p->initial_buy = 1;
	p->close_on_stop = 1;
}

static int
perr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * A JSON price: a decimal string, or a number that prints positionally.
 * Canonical text (trailing zeros dropped) into out. Returns 0 or -1.
 */
static int
json_price(const cJSON *v, const char *key, char *out, char *err,
    size_t errlen)
{
	char	buf[64];
	u256	px;

	if (cJSON_IsString(v))
		snprintf(buf, sizeof(buf), "%s", v->valuestring);
	else if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.15g", v->valuedouble);
		if (strchr(buf, 'e') != NULL || strchr(buf, 'n') != NULL ||
		    strchr(buf, 'i') != NULL)
			return perr(err, errlen, "%s: give the price as a "
			    "decimal string", key);
	} else
		return perr(err, errlen, "%s: expected a decimal string",
		    key);
	if ((cJSON_IsString(v) && strlen(v->valuestring) >= 60) ||
	    grid_px_parse(&px, buf) == -1)
		return perr(err, errlen, "%s: '%s' is not a decimal price "
		    "(digits and one '.', at most %d decimals)", key,
		    cJSON_IsString(v) ? v->valuestring : buf, GRID_PX_DEC);
	if (is_zero(&px))
		return perr(err, errlen, "%s must be above zero", key);
	fmt_units(&px, GRID_PX_DEC, out, GRID_DEC_MAX);
	return 0;
}

static int
json_bool(const cJSON *v, const char *key, int *out, char *err,
    size_t errlen)
{
	if (!cJSON_IsBool(v))
		return perr(err, errlen, "%s: expected true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

int
grid_params_from_json(struct grid_params *p, const cJSON *o, char *err,
    size_t errlen)
{
	const cJSON	*v;
	int		 have_count = 0, have_size = 0;

	grid_params_defaults(p);
	if (!cJSON_IsObject(o))
		return perr(err, errlen, "grid parameters must be a JSON "
		    "object");
	cJSON_ArrayForEach(v, o) {
		const char	*k = v->string;

		if (k == NULL)
			return perr(err, errlen, "bad parameter object");
		if (strcmp(k, "upper_price") == 0) {
			if (json_price(v, k, p->upper_price, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "lower_price") == 0) {
			if (json_price(v, k, p->lower_price, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "stop_loss") == 0) {
			if (!cJSON_IsNull(v) && json_price(v, k, p->stop_loss,
			    err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "take_profit") == 0) {
			if (!cJSON_IsNull(v) && json_price(v, k,
			    p->take_profit, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "grid_count") == 0) {
			double	d;

			if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
				char	*end;

				d = strtod(v->valuestring, &end);
				if (*end != '\0')
					d = -1;
			} else if (cJSON_IsNumber(v))
				d = v->valuedouble;
			else
				return perr(err, errlen, "grid_count: expected "
				    "an integer");
			if (d != floor(d) || !isfinite(d))
				return perr(err, errlen, "grid_count: expected "
				    "an integer");
			if (d < 2)
				return perr(err, errlen, "grid_count must be at "
				    "least 2 (got %.0f)", d);
			if (d > GRID_MAX_COUNT)
				return perr(err, errlen, "grid_count must be at "
				    "most %d (got %.0f)", GRID_MAX_COUNT, d);
			p->grid_count = (int)d;
			have_count = 1;
		} else if (strcmp(k, "base_order_size") == 0) {
			char	 buf[64];
			u256	 s;

			if (cJSON_IsString(v) && strlen(v->valuestring) < 60)
				snprintf(buf, sizeof(buf), "%s",
				    v->valuestring);
			else if (cJSON_IsNumber(v))
				snprintf(buf, sizeof(buf), "%.15g",
				    v->valuedouble);
			else
				return perr(err, errlen, "base_order_size: "
				    "expected a decimal string");
			if (u256_parse_units(&s, buf, 30) == -1)
				return perr(err, errlen, "base_order_size: '%s' "
				    "is not a decimal amount", buf);
			if (is_zero(&s))
				return perr(err, errlen, "base_order_size must "
				    "be above zero");
			fmt_units(&s, 30, p->base_order_size, GRID_DEC_MAX);
			have_size = 1;
		} else if (strcmp(k, "spacing") == 0) {
			if (!cJSON_IsString(v))
				return perr(err, errlen, "spacing: expected "
				    "\"arithmetic\" or \"geometric\"");
			if (strcmp(v->valuestring, "arithmetic") == 0)
				p->spacing = GRID_ARITHMETIC;
			else if (strcmp(v->valuestring, "geometric") == 0)
				p->spacing = GRID_GEOMETRIC;
			else
				return perr(err, errlen, "spacing: '%s' is not "
				    "arithmetic or geometric", v->valuestring);
		} else if (strcmp(k, "size_unit") == 0) {
			if (!cJSON_IsString(v))
				return perr(err, errlen, "size_unit: expected "
				    "\"quote\" or \"base\"");
			if (strcmp(v->valuestring, "quote") == 0)
				p->size_in_base = 0;
			else if (strcmp(v->valuestring, "base") == 0)
				p->size_in_base = 1;
			else
				return perr(err, errlen, "size_unit: '%s' is not "
				    "quote or base", v->valuestring);
		} else if (strcmp(k, "initial_buy") == 0) {
			if (json_bool(v, k, &p->initial_buy, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "close_on_stop") == 0) {
			if (json_bool(v, k, &p->close_on_stop, err,
			    errlen) == -1)
				return -1;
		} else
			return perr(err, errlen, "unknown grid parameter '%s' "
			    "(known: upper_price, lower_price, grid_count, "
			    "base_order_size, spacing, size_unit, initial_buy, "
			    "stop_loss, take_profit, close_on_stop)", k);
	}
	if (!have_count)
		return perr(err, errlen, "grid_count is required");
	if (!have_size)
		return perr(err, errlen, "base_order_size is required");
	return 0;
}

/* A decimal text field, or null when unset (""). */
static void
add_dec_or_null(cJSON *o, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *
grid_params_to_json(const struct grid_params *p)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	add_dec_or_null(o, "upper_price", p->upper_price);
	add_dec_or_null(o, "lower_price", p->lower_price);
	cJSON_AddNumberToObject(o, "grid_count", p->grid_count);
	cJSON_AddStringToObject(o, "base_order_size", p->base_order_size);
	cJSON_AddStringToObject(o, "spacing", p->spacing == GRID_GEOMETRIC ?
	    "geometric" : "arithmetic");
	cJSON_AddStringToObject(o, "size_unit", p->size_in_base ? "base" :
	    "quote");
	cJSON_AddBoolToObject(o, "initial_buy", p->initial_buy);
	add_dec_or_null(o, "stop_loss", p->stop_loss);
	add_dec_or_null(o, "take_profit", p->take_profit);
	cJSON_AddBoolToObject(o, "close_on_stop", p->close_on_stop);
	return o;
}

/* --- laying the grid --- */

/* v rounded to GRID_LEVEL_SIG significant digits, as px and text. */
static int
round_level(double v, u256 *px)
{
	char	buf[128];
	int	dec;

	if (!(v > 0.0) || !isfinite(v) || v > 1e40)
		return -1;
	dec = GRID_LEVEL_SIG - 1 - (int)floor(log10(v));
	if (dec < 0)
		dec = 0;
	if (dec > GRID_PX_DEC)
		dec = GRID_PX_DEC;
	snprintf(buf, sizeof(buf), "%.*f", dec, v);
	return u256_parse_units(px, buf, GRID_PX_DEC);
}

static void
set_level(struct level *l, const u256 *px)
{
	l->px = *px;
	fmt_units(px, GRID_PX_DEC, l->text, sizeof(l->text));
	l->price = strtod(l->text, NULL);
	l->seq = 0;
	l->last_at = -1;
}

static void
recompute_triggers(struct grid *g)
{
	int	k;

	switch (g->status) {
	case GRID_STOPPED:
		g->lo = -INFINITY;
		g->hi = INFINITY;
		return;
	case GRID_NEW:
	case GRID_STOPPING:
		/* Every observation takes the slow path. */
		g->lo = INFINITY;
		g->hi = -INFINITY;
		return;
	case GRID_RUNNING:
		break;
	}
	g->lo = -INFINITY;
	g->hi = INFINITY;
	if (g->has_sl)
		g->lo = g->sl;
	if (g->has_tp)
		g->hi = g->tp;
	for (k = 0; k < g->n; k++) {
		const struct cell	*c = &g->c[k];
		double			 lk = g->lv[k].price;
		double			 uk = g->lv[k + 1].price;

		if (c->state == C_EMPTY) {
			if (c->armed) {
				if (lk > g->lo)
					g->lo = lk;
			} else if (lk < g->hi)
				g->hi = lk;
		} else if (c->state == C_HOLDING) {
			if (c->armed) {
				if (uk < g->hi)
					g->hi = uk;
			} else if (uk > g->lo)
				g->lo = uk;
		}
	}
}

struct grid *
grid_new(const struct grid_params *p, const struct grid_market *m,
    char *err, size_t errlen)
{
	struct grid	*g;
	u256		 lo, hi, size, pxk;
	unsigned	 dmax = 0, e, d;
	int		 k, n;
	double		 lod, hid;
	char		 a[GRID_DEC_MAX], b[GRID_DEC_MAX], c[GRID_DEC_MAX];

	if (m->fee_bps >= 10000)
		return perr(err, errlen, "pool fee %u bps is not below "
		    "10000", m->fee_bps), NULL;
	if (m->base_dec > 36 || m->quote_dec > 36)
		return perr(err, errlen, "token decimals above 36 are not "
		    "supported"), NULL;
	if (p->upper_price[0] == '\0' || p->lower_price[0] == '\0')
		return perr(err, errlen, "upper_price and lower_price are "
		    "required"), NULL;
	if (grid_px_parse(&lo, p->lower_price) == -1 || is_zero(&lo))
		return perr(err, errlen, "lower_price: '%s' is not a positive "
		    "decimal price", p->lower_price), NULL;
	if (grid_px_parse(&hi, p->upper_price) == -1 || is_zero(&hi))
		return perr(err, errlen, "upper_price: '%s' is not a positive "
		    "decimal price", p->upper_price), NULL;
	if (u256_cmp(&hi, &lo) <= 0)
		return perr(err, errlen, "upper_price (%s) must be above "
		    "lower_price (%s)", p->upper_price, p->lower_price), NULL;
	if (p->grid_count < 2)
		return perr(err, errlen, "grid_count must be at least 2 (got "
		    "%d)", p->grid_count), NULL;
	if (p->grid_count > GRID_MAX_COUNT)
		return perr(err, errlen, "grid_count must be at most %d (got "
		    "%d)", GRID_MAX_COUNT, p->grid_count), NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return perr(err, errlen, "out of memory"), NULL;
	g->p = *p;
	g->m = *m;
	g->n = n = p->grid_count;
	g->lv = calloc((size_t)n + 1, sizeof(*g->lv));
	g->c = calloc((size_t)n, sizeof(*g->c));
	if (g->lv == NULL || g->c == NULL) {
		grid_free(&g);
		return perr(err, errlen, "out of memory"), NULL;
	}
	g->next_id = 1;
	if (p->stop_loss[0]) {
		if (grid_px_parse(&g->sl_px, p->stop_loss) == -1 ||
		    is_zero(&g->sl_px)) {
			perr(err, errlen, "stop_loss: '%s' is not a positive "
			    "decimal price", p->stop_loss);
			goto fail;
		}
		if (u256_cmp(&g->sl_px, &lo) >= 0) {
			perr(err, errlen, "stop_loss (%s) must be below "
			    "lower_price (%s)", p->stop_loss, p->lower_price);
			goto fail;
		}
		g->has_sl = 1;
		g->sl = strtod(p->stop_loss, NULL);
	}
	if (p->take_profit[0]) {
		if (grid_px_parse(&g->tp_px, p->take_profit) == -1 ||
		    is_zero(&g->tp_px)) {
			perr(err, errlen, "take_profit: '%s' is not a positive "
			    "decimal price", p->take_profit);
			goto fail;
		}
		if (u256_cmp(&g->tp_px, &hi) <= 0) {
			perr(err, errlen, "take_profit (%s) must be above "
			    "upper_price (%s)", p->take_profit, p->upper_price);
			goto fail;
		}
		g->has_tp = 1;
		g->tp = strtod(p->take_profit, NULL);
	}

	/* Levels: the bounds exactly as given, the rest rounded. */
	set_level(&g->lv[0], &lo);
	set_level(&g->lv[n], &hi);
	lod = g->lv[0].price;
	hid = g->lv[n].price;
	for (k = 1; k < n; k++) {
		double	v;

		if (p->spacing == GRID_ARITHMETIC)
			v = lod + (hid - lod) * (double)k / (double)n;
		else
			v = lod * pow(hid / lod, (double)k / (double)n);
		if (round_level(v, &pxk) == -1) {
			perr(err, errlen, "level %d: price %g is out of range",
			    k, v);
			goto fail;
		}
		set_level(&g->lv[k], &pxk);
	}
	for (k = 0; k < n; k++)
		if (u256_cmp(&g->lv[k].px, &g->lv[k + 1].px) >= 0) {
			perr(err, errlen, "levels %d and %d collapse to the same "
			    "price (%s): grid_count %d is too large for the "
			    "range %s..%s", k, k + 1, g->lv[k].text, n,
			    p->lower_price, p->upper_price);
			goto fail;
		}
	for (k = 0; k <= n; k++)
		if ((d = px_decimals(&g->lv[k].px)) > dmax)
			dmax = d;
	/* The lot: amounts in multiples of it times a level price are
	 * whole quote base units. */
	e = dmax + m->base_dec > m->quote_dec ? dmax + m->base_dec -
	    m->quote_dec : 0;
	g->lot = pow10u(e);

	/* Each cell's planned amount and the quote its buy spends. */
	if (u256_parse_units(&size, p->base_order_size, p->size_in_base ?
	    m->base_dec : m->quote_dec) == -1 || is_zero(&size)) {
		perr(err, errlen, "base_order_size: '%s' is not a positive "
		    "amount with at most %u decimals", p->base_order_size,
		    p->size_in_base ? m->base_dec : m->quote_dec);
		goto fail;
	}
	for (k = 0; k < n; k++) {
		struct cell	*cl = &g->c[k];
		u256		 rem, two = u256_from_u64(2), gas2, need;
		struct grid_fill buy, sell;

		if (p->size_in_base)
			cl->plan_base = size;
		else if (base_for(m, &size, &g->lv[k].px, &cl->plan_base) ==
		    -1) {
			perr(err, errlen, "base_order_size: overflow");
			goto fail;
		}
		u256_divmod(NULL, &rem, &cl->plan_base, &g->lot);
		u256_sub(&cl->plan_base, &cl->plan_base, &rem);
		if (is_zero(&cl->plan_base)) {
			fmt_units(&g->lot, m->base_dec, a, sizeof(a));
			perr(err, errlen, "base_order_size %s is too small: "
			    "below one lot (%s base) at level %d (%s)",
			    p->base_order_size, a, k, g->lv[k].text);
			goto fail;
		}
		if (quote_for(m, &cl->plan_base, &g->lv[k].px,
		    &cl->plan_quote, 0) == -1) {
			perr(err, errlen, "base_order_size: overflow");
			goto fail;
		}
		cl->since = -1;
		/* The pool must pay something for the buy ... */
		if (grid_sim_fill(m, GRID_BUY, &g->lv[k].px, &cl->plan_quote,
		    &buy) == -1 || is_zero(&buy.amount_out)) {
			fmt_units(&cl->plan_quote, m->quote_dec, a, sizeof(a));
			perr(err, errlen, "base_order_size %s is too small: "
			    "the pool pays nothing for a buy of %s quote at "
			    "level %d (%s)", p->base_order_size, a, k,
			    g->lv[k].text);
			goto fail;
		}
		/* ... and the round trip must earn more than it costs. */
		if (grid_sim_fill(m, GRID_SELL, &g->lv[k + 1].px,
		    &buy.amount_out, &sell) == -1)
			memset(&sell, 0, sizeof(sell));
		u256_mul(&gas2, &m->gas, &two);
		u256_add(&need, &cl->plan_quote, &gas2);
		if (u256_cmp(&sell.amount_out, &need) <= 0) {
			fmt_units(&cl->plan_quote, m->quote_dec, a, sizeof(a));
			fmt_units(&sell.amount_out, m->quote_dec, b, sizeof(b));
			fmt_units(&gas2, m->quote_dec, c, sizeof(c));
			perr(err, errlen, "per-grid profit after two fees is not "
			    "positive: the cell %s -> %s buys for %s and sells "
			    "for %s (pool fee %u bps twice, gas %s); widen the "
			    "range, use fewer grids or a larger order size",
			    g->lv[k].text, g->lv[k + 1].text, a, b, m->fee_bps,
			    c);
			goto fail;
		}
	}
	g->status = GRID_NEW;
	recompute_triggers(g);
	return g;
fail:
	grid_free(&g);
	return NULL;
}

void
grid_free(struct grid **gp)
{
	if (gp == NULL || *gp == NULL)
		return;
	free((*gp)->lv);
	free((*gp)->c);
	free(*gp);
	*gp = NULL;
}

size_t
grid_max_orders(const struct grid *g)
{
	return (size_t)g->n + 2;
}

void
grid_triggers(const struct grid *g, double *lo, double *hi)
{
	*lo = g->lo;
	*hi = g->hi;
}

enum grid_status
grid_get_status(const struct grid *g)
{
	return g->status;
}

const char *
grid_stop_reason(const struct grid *g)
{
	return g->reason[0] ? g->reason : NULL;
}

int
grid_nlevels(const struct grid *g)
{
	return g->n + 1;
}

double
grid_level_price(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].price : 0.0;
}

const u256 *
grid_level_px(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? &g->lv[i].px : NULL;
}

const char *
grid_level_text(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].text : "";
}

uint64_t
grid_level_seq(const struct grid *g, int i)
{
	return i >= 0 && i <= g->n ? g->lv[i].seq : 0;
}

const u256 *
grid_cell_base(const struct grid *g, int k)
{
	return k >= 0 && k < g->n ? &g->c[k].plan_base : NULL;
}

const u256 *
grid_cell_quote(const struct grid *g, int k)
{
	return k >= 0 && k < g->n ? &g->c[k].plan_quote : NULL;
}

void
grid_investment(const struct grid *g, u256 *q)
{
	int	k;

	*q = u256_from_u64(0);
	for (k = 0; k < g->n; k++)
		u256_add(q, q, &g->c[k].plan_quote);
}

void
grid_get_totals(const struct grid *g, struct grid_totals *t)
{
	*t = g->tot;
}

void
grid_holdings(const struct grid *g, u256 *base, u256 *cost)
{
	int	k;

	*base = u256_from_u64(0);
	*cost = u256_from_u64(0);
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING ||
		    g->c[k].state == C_SELL_PENDING) {
			u256_add(base, base, &g->c[k].base);
			u256_add(cost, cost, &g->c[k].cost);
		}
}

/* Is a LEVEL order in flight at level i? */
static int
level_busy(const struct grid *g, int i)
{
	if (i < g->n && g->c[i].state == C_BUY_PENDING &&
	    g->c[i].pend.kind == GRID_ORDER_LEVEL)
		return 1;
	if (i > 0 && g->c[i - 1].state == C_SELL_PENDING &&
	    g->c[i - 1].pend.kind == GRID_ORDER_LEVEL)
		return 1;
	return 0;
}

const char *
grid_level_state(const struct grid *g, int i, double price)
{
	int	buy, sell;

	if (i < 0 || i > g->n)
		return "idle";
	if (i < g->n && g->c[i].state == C_BUY_PENDING &&
	    g->c[i].pend.kind == GRID_ORDER_LEVEL)
		return "buy_pending";
	if (i > 0 && g->c[i - 1].state == C_SELL_PENDING &&
	    g->c[i - 1].pend.kind == GRID_ORDER_LEVEL)
		return "sell_pending";
	if (g->status != GRID_RUNNING)
		return "idle";
	buy = i < g->n && g->c[i].state == C_EMPTY && g->c[i].armed;
	sell = i > 0 && g->c[i - 1].state == C_HOLDING && g->c[i - 1].armed;
	if (buy && sell)
		return price > g->lv[i].price ? "buy_armed" : "sell_armed";
	return buy ? "buy_armed" : sell ? "sell_armed" : "idle";
}

/* --- deciding --- */

static int
any_pending(const struct grid *g)
{
	int	k;

	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING)
			return 1;
	return 0;
}

static int
any_holding(const struct grid *g)
{
	int	k;

	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING)
			return 1;
	return 0;
}

static void
fmt_price(double v, char *out, size_t cap)
{
	snprintf(out, cap, "%.15g", v);
}

/* Enter STOPPING (or STOPPED) because a bound was hit at price. */
static void
hit_bound(struct grid *g, double price, int is_sl)
{
	char	pb[40];

	fmt_price(price, pb, sizeof(pb));
	if (is_sl) {
		snprintf(g->reason, sizeof(g->reason), "stop_loss: price %s "
		    "<= %s", pb, g->p.stop_loss);
		g->stop_price = g->sl;
		g->stop_px = g->sl_px;
	} else {
		snprintf(g->reason, sizeof(g->reason), "take_profit: price %s "
		    ">= %s", pb, g->p.take_profit);
		g->stop_price = g->tp;
		g->stop_px = g->tp_px;
	}
	g->status = GRID_STOPPING;
}

/* STOPPING: close what is held once nothing is in flight, then stop. */
static int
stopping(struct grid *g, int64_t t, struct grid_order *out)
{
	struct grid_order	*o = &out[0];
	int			 k;

	if (any_pending(g))
		return 0;
	if (!g->p.close_on_stop || !any_holding(g)) {
		g->status = GRID_STOPPED;
		return 0;
	}
	memset(o, 0, sizeof(*o));
	o->id = g->next_id++;
	o->kind = GRID_ORDER_CLOSE;
	o->side = GRID_SELL;
	o->level = o->cell = -1;
	o->price = g->stop_price;
	o->px = g->stop_px;
	o->t_ms = t;
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING)
			u256_add(&o->amount_in, &o->amount_in, &g->c[k].base);
	for (k = 0; k < g->n; k++)
		if (g->c[k].state == C_HOLDING) {
			g->c[k].state = C_SELL_PENDING;
			g->c[k].pend = *o;
		}
	return 1;
}

/* The first observation: lay the grid around price. */
static int
lay(struct grid *g, double price, int64_t t, struct grid_order *out)
{
	struct grid_order	*o = &out[0];
	u256			 sum = u256_from_u64(0);
	int			 k, ninit = 0;

	if ((g->has_sl && price <= g->sl) || (g->has_tp && price >= g->tp)) {
		hit_bound(g, price, g->has_sl && price <= g->sl);
		g->status = GRID_STOPPED;
		return 0;
	}
	g->status = GRID_RUNNING;
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		c->state = C_EMPTY;
		c->armed = price > g->lv[k].price;
		if (!c->armed && g->p.initial_buy) {
			u256_add(&sum, &sum, &c->plan_base);
			ninit++;
		}
	}
	if (ninit == 0)
		return 0;
	memset(o, 0, sizeof(*o));
	if (grid_px_from_double(&o->px, price) == -1 ||
	    quote_for(&g->m, &sum, &o->px, &o->amount_in, 1) == -1) {
		/* Cannot price the initial buy: start with quote only. */
		return 0;
	}
	o->id = g->next_id++;
	o->kind = GRID_ORDER_INIT;
	o->side = GRID_BUY;
	o->level = o->cell = -1;
	o->price = price;
	o->t_ms = t;
	for (k = 0; k < g->n; k++)
		if (!g->c[k].armed) {
			g->c[k].state = C_BUY_PENDING;
			g->c[k].pend = *o;
		}
	return 1;
}

int
grid_observe(struct grid *g, double price, int64_t t, struct grid_order *out,
    size_t cap)
{
	int	k, n = 0;

	if (!(price > 0.0) || !isfinite(price) || cap < grid_max_orders(g))
		return -1;
	g->last = price;
	if (price > g->lo && price < g->hi)
		return 0;
	switch (g->status) {
	case GRID_STOPPED:
		return 0;
	case GRID_NEW:
		n = lay(g, price, t, out);
		recompute_triggers(g);
		return n;
	case GRID_STOPPING:
		n = stopping(g, t, out);
		recompute_triggers(g);
		return n;
	case GRID_RUNNING:
		break;
	}
	if ((g->has_sl && price <= g->sl) || (g->has_tp && price >= g->tp)) {
		hit_bound(g, price, g->has_sl && price <= g->sl);
		n = stopping(g, t, out);
		recompute_triggers(g);
		return n;
	}
	/* A price on the far side of a level arms its cell again. */
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		if (c->armed)
			continue;
		if ((c->state == C_EMPTY && price > g->lv[k].price) ||
		    (c->state == C_HOLDING && price < g->lv[k + 1].price))
			c->armed = 1;
	}
	/* Sells, upward: cell k sells at level k + 1. */
	for (k = 0; k < g->n; k++) {
		struct cell		*c = &g->c[k];
		struct grid_order	*o;

		if (c->state != C_HOLDING || !c->armed ||
		    price < g->lv[k + 1].price || level_busy(g, k + 1))
			continue;
		o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->id = g->next_id++;
		o->kind = GRID_ORDER_LEVEL;
		o->side = GRID_SELL;
		o->level = k + 1;
		o->cell = k;
		o->crossing_seq = ++g->lv[k + 1].seq;
		g->lv[k + 1].last_at = t;
		o->price = g->lv[k + 1].price;
		o->px = g->lv[k + 1].px;
		o->amount_in = c->base;
		o->t_ms = t;
		c->state = C_SELL_PENDING;
		c->pend = *o;
	}
	/* Buys, downward: cell k buys at level k. */
	for (k = g->n - 1; k >= 0; k--) {
		struct cell		*c = &g->c[k];
		struct grid_order	*o;

		if (c->state != C_EMPTY || !c->armed ||
		    price > g->lv[k].price || level_busy(g, k))
			continue;
		o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->id = g->next_id++;
		o->kind = GRID_ORDER_LEVEL;
		o->side = GRID_BUY;
		o->level = k;
		o->cell = k;
		o->crossing_seq = ++g->lv[k].seq;
		g->lv[k].last_at = t;
		o->price = g->lv[k].price;
		o->px = g->lv[k].px;
		o->amount_in = c->plan_quote;
		o->t_ms = t;
		c->state = C_BUY_PENDING;
		c->pend = *o;
	}
	recompute_triggers(g);
	return n;
}

/* --- applying outcomes --- */

static void
add_pnl(struct grid *g, struct grid_fill_result *r, const u256 *proceeds,
    const u256 *cost, const u256 *gas_total)
{
	u256	d, net;

	if (u256_cmp(proceeds, cost) >= 0) {
		u256_sub(&d, proceeds, cost);
		u256_add(&g->tot.realized_gain, &g->tot.realized_gain, &d);
		if (r->pnl_neg) {
			if (u256_cmp(&d, &r->pnl) >= 0) {
				u256_sub(&r->pnl, &d, &r->pnl);
				r->pnl_neg = 0;
			} else
				u256_sub(&r->pnl, &r->pnl, &d);
		} else
			u256_add(&r->pnl, &r->pnl, &d);
	} else {
		u256_sub(&d, cost, proceeds);
		u256_add(&g->tot.realized_loss, &g->tot.realized_loss, &d);
		if (!r->pnl_neg) {
			if (u256_cmp(&r->pnl, &d) >= 0)
				u256_sub(&r->pnl, &r->pnl, &d);
			else {
				u256_sub(&r->pnl, &d, &r->pnl);
				r->pnl_neg = 1;
			}
		} else
			u256_add(&r->pnl, &r->pnl, &d);
	}
	r->has_pnl = 1;
	r->round_trips++;
	g->tot.round_trips++;
	/* A win: the round trip gained more than its two swaps' gas. */
	if (u256_add(&net, cost, gas_total) == 0 &&
	    u256_cmp(proceeds, &net) > 0) {
		r->wins++;
		g->tot.wins++;
	}
	if (is_zero(&r->pnl))
		r->pnl_neg = 0;
}

/* share = total * part / whole (floor); the caller gives the last cell
 * the remainder. */
static void
share_of(u256 *share, const u256 *total, const u256 *part,
    const u256 *whole)
{
	if (is_zero(whole) || u256_muldiv(share, total, part, whole) == -1)
		*share = u256_from_u64(0);
}

static void
count_fill(struct grid *g, const struct grid_order *o,
    const struct grid_fill *f)
{
	g->tot.trades++;
	if (o->side == GRID_BUY) {
		g->tot.buys++;
		u256_add(&g->tot.volume, &g->tot.volume, &f->amount_in);
	} else {
		g->tot.sells++;
		u256_add(&g->tot.volume, &g->tot.volume, &f->amount_out);
	}
	u256_add(&g->tot.fees, &g->tot.fees, &f->fee);
	u256_add(&g->tot.gas, &g->tot.gas, &f->gas);
	u256_add(&g->tot.slippage, &g->tot.slippage, &f->slippage);
}

static void
finish_stop(struct grid *g)
{
	if (g->status == GRID_STOPPING && !any_pending(g) &&
	    (!g->p.close_on_stop || !any_holding(g)))
		g->status = GRID_STOPPED;
}

int
grid_fill(struct grid *g, const struct grid_order *o,
    const struct grid_fill *f, struct grid_fill_result *res)
{
	struct grid_fill_result	 dummy;
	int			 k, last = -1;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (o == NULL || f == NULL || o->id == 0 || is_zero(&f->amount_out))
		return -1;
	if (o->kind == GRID_ORDER_LEVEL) {
		struct cell	*c;
		u256		 gas2;

		if (o->cell < 0 || o->cell >= g->n)
			return -1;
		c = &g->c[o->cell];
		if (c->pend.id != o->id || (o->side == GRID_BUY ?
		    c->state != C_BUY_PENDING : c->state != C_SELL_PENDING))
			return -1;
		count_fill(g, o, f);
		if (o->side == GRID_BUY) {
			c->state = C_HOLDING;
			c->armed = 1;
			c->base = f->amount_out;
			c->cost = f->amount_in;
			c->gas = f->gas;
			c->since = f->t_ms;
		} else {
			u256_add(&gas2, &c->gas, &f->gas);
			add_pnl(g, res, &f->amount_out, &c->cost, &gas2);
			c->state = C_EMPTY;
			c->armed = 1;
			c->base = c->cost = c->gas = u256_from_u64(0);
			c->since = -1;
		}
		memset(&c->pend, 0, sizeof(c->pend));
		finish_stop(g);
		recompute_triggers(g);
		return 0;
	}
	/* INIT and CLOSE: the cells sharing the order split the fill. */
	for (k = 0; k < g->n; k++)
		if (g->c[k].pend.id == o->id && g->c[k].pend.kind == o->kind &&
		    (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING))
			last = k;
	if (last < 0)
		return -1;
	count_fill(g, o, f);
	if (o->kind == GRID_ORDER_INIT) {
		u256	whole = u256_from_u64(0), got = u256_from_u64(0);
		u256	spent = u256_from_u64(0), gas = u256_from_u64(0);

		for (k = 0; k <= last; k++)
			if (g->c[k].pend.id == o->id)
				u256_add(&whole, &whole, &g->c[k].plan_base);
		for (k = 0; k <= last; k++) {
			struct cell	*c = &g->c[k];

			if (c->pend.id != o->id)
				continue;
			if (k == last) {
				u256_sub(&c->base, &f->amount_out, &got);
				u256_sub(&c->cost, &f->amount_in, &spent);
				u256_sub(&c->gas, &f->gas, &gas);
			} else {
				share_of(&c->base, &f->amount_out,
				    &c->plan_base, &whole);
				share_of(&c->cost, &f->amount_in, &c->plan_base,
				    &whole);
				share_of(&c->gas, &f->gas, &c->plan_base,
				    &whole);
				u256_add(&got, &got, &c->base);
				u256_add(&spent, &spent, &c->cost);
				u256_add(&gas, &gas, &c->gas);
			}
			c->state = C_HOLDING;
			c->armed = 1;
			c->since = f->t_ms;
			memset(&c->pend, 0, sizeof(c->pend));
		}
	} else {
		u256	whole = u256_from_u64(0), got = u256_from_u64(0);
		u256	gas = u256_from_u64(0), share, gshare, gas2;

		for (k = 0; k <= last; k++)
			if (g->c[k].pend.id == o->id)
				u256_add(&whole, &whole, &g->c[k].base);
		for (k = 0; k <= last; k++) {
			struct cell	*c = &g->c[k];

			if (c->pend.id != o->id)
				continue;
			if (k == last) {
				u256_sub(&share, &f->amount_out, &got);
				u256_sub(&gshare, &f->gas, &gas);
			} else {
				share_of(&share, &f->amount_out, &c->base,
				    &whole);
				share_of(&gshare, &f->gas, &c->base, &whole);
				u256_add(&got, &got, &share);
				u256_add(&gas, &gas, &gshare);
			}
			u256_add(&gas2, &c->gas, &gshare);
			add_pnl(g, res, &share, &c->cost, &gas2);
			c->state = C_EMPTY;
			c->armed = 0;
			c->base = c->cost = c->gas = u256_from_u64(0);
			c->since = -1;
			memset(&c->pend, 0, sizeof(c->pend));
		}
	}
	finish_stop(g);
	recompute_triggers(g);
	return 0;
}

int
grid_fail(struct grid *g, const struct grid_order *o)
{
	int	k, found = 0;

	if (o == NULL || o->id == 0)
		return -1;
	for (k = 0; k < g->n; k++) {
		struct cell	*c = &g->c[k];

		if (c->pend.id != o->id || (c->state != C_BUY_PENDING &&
		    c->state != C_SELL_PENDING))
			continue;
		found = 1;
		/*
		 * Back to what it was, armed only if the last price is back
		 * on the far side of the level: the crossing that failed is
		 * not retried in a loop, a fresh one trades again.
		 */
		if (c->state == C_BUY_PENDING) {
			c->state = C_EMPTY;
			c->armed = g->last > g->lv[k].price;
		} else {
			c->state = C_HOLDING;
			c->armed = g->last > 0.0 && g->last < g->lv[k + 1].price;
		}
		memset(&c->pend, 0, sizeof(c->pend));
	}
	if (!found)
		return -1;
	g->tot.failed++;
	/* A failed CLOSE is retried at the next observation (STOPPING). */
	recompute_triggers(g);
	return 0;
}

int
grid_pending_order(const struct grid *g, uint64_t id, struct grid_order *out)
{
	int	k;

	if (id == 0)
		return -1;
	for (k = 0; k < g->n; k++)
		if (g->c[k].pend.id == id && (g->c[k].state == C_BUY_PENDING ||
		    g->c[k].state == C_SELL_PENDING)) {
			*out = g->c[k].pend;
			return 0;
		}
	return -1;
}

/* --- state as JSON --- */

static void
add_u256(cJSON *o, const char *k, const u256 *v)
{
	char	buf[U256_DEC_MAX];

	cJSON_AddStringToObject(o, k, u256_to_dec(v, buf));
}

static void
add_time(cJSON *o, const char *k, int64_t t)
{
	if (t < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)t);
}

static cJSON *
order_to_json(const struct grid_order *o)
{
	cJSON	*j = cJSON_CreateObject();
	char	 buf[GRID_DEC_MAX];

	if (j == NULL)
		return NULL;
	cJSON_AddNumberToObject(j, "id", (double)o->id);
	cJSON_AddStringToObject(j, "kind", kind_names[o->kind]);
	cJSON_AddStringToObject(j, "side", o->side == GRID_BUY ? "buy" :
	    "sell");
	cJSON_AddNumberToObject(j, "level", o->level);
	cJSON_AddNumberToObject(j, "cell", o->cell);
	cJSON_AddNumberToObject(j, "crossing_seq", (double)o->crossing_seq);
	fmt_units(&o->px, GRID_PX_DEC, buf, sizeof(buf));
	cJSON_AddStringToObject(j, "price", buf);
	add_u256(j, "amount_in", &o->amount_in);
	cJSON_AddNumberToObject(j, "t_ms", (double)o->t_ms);
	return j;
}

cJSON *
grid_state_to_json(const struct grid *g)
{
	cJSON	*o = cJSON_CreateObject(), *a, *e, *t;
	int	 k;

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "status", status_names[g->status]);
	if (g->reason[0])
		cJSON_AddStringToObject(o, "stop_reason", g->reason);
	else
		cJSON_AddNullToObject(o, "stop_reason");
	cJSON_AddNumberToObject(o, "next_order_id", (double)g->next_id);
	cJSON_AddNumberToObject(o, "last_price", g->last);
	a = cJSON_AddArrayToObject(o, "levels");
	for (k = 0; k <= g->n; k++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "price", g->lv[k].text);
		cJSON_AddNumberToObject(e, "crossing_seq", (double)g->lv[k].seq);
		add_time(e, "last_crossed_at", g->lv[k].last_at);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "cells");
	for (k = 0; k < g->n; k++) {
		const struct cell	*c = &g->c[k];

		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "state", cell_state_names[c->state]);
		cJSON_AddBoolToObject(e, "armed", c->armed);
		add_u256(e, "base", &c->base);
		add_u256(e, "cost", &c->cost);
		add_u256(e, "gas", &c->gas);
		add_time(e, "since", c->since);
		if (c->pend.id != 0)
			cJSON_AddItemToObject(e, "order", order_to_json(&c->pend));
		else
			cJSON_AddNullToObject(e, "order");
		cJSON_AddItemToArray(a, e);
	}
	t = cJSON_AddObjectToObject(o, "totals");
	add_u256(t, "realized_gain", &g->tot.realized_gain);
	add_u256(t, "realized_loss", &g->tot.realized_loss);
	add_u256(t, "fees", &g->tot.fees);
	add_u256(t, "gas", &g->tot.gas);
	add_u256(t, "slippage", &g->tot.slippage);
	add_u256(t, "volume", &g->tot.volume);
	cJSON_AddNumberToObject(t, "trades", g->tot.trades);
	cJSON_AddNumberToObject(t, "buys", g->tot.buys);
	cJSON_AddNumberToObject(t, "sells", g->tot.sells);
	cJSON_AddNumberToObject(t, "round_trips", g->tot.round_trips);
	cJSON_AddNumberToObject(t, "wins", g->tot.wins);
	cJSON_AddNumberToObject(t, "failed", g->tot.failed);
	return o;
}

static int
get_u256(const cJSON *o, const char *k, u256 *v)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(j) ? u256_from_dec(v, j->valuestring) : -1;
}

static int
get_num(const cJSON *o, const char *k, double *v)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(j))
		return -1;
	*v = j->valuedouble;
	return 0;
}

static int
get_time(const cJSON *o, const char *k, int64_t *t)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsNull(j)) {
		*t = -1;
		return 0;
	}
	if (!cJSON_IsNumber(j))
		return -1;
	*t = (int64_t)j->valuedouble;
	return 0;
}

static int
name_index(const char *const *names, int n, const cJSON *j)
{
	int	i;

	if (!cJSON_IsString(j))
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], j->valuestring) == 0)
			return i;
	return -1;
}

static int
order_from_json(const struct grid *g, const cJSON *j, struct grid_order *o)
{
	double	d;
	int	kind;
	const cJSON *s;

	memset(o, 0, sizeof(*o));
	if (!cJSON_IsObject(j))
		return -1;
	if ((kind = name_index(kind_names, 3, cJSON_GetObjectItemCaseSensitive(
	    j, "kind"))) < 0)
		return -1;
	o->kind = (enum grid_kind)kind;
	s = cJSON_GetObjectItemCaseSensitive(j, "side");
	if (!cJSON_IsString(s) || (strcmp(s->valuestring, "buy") != 0 &&
	    strcmp(s->valuestring, "sell") != 0))
		return -1;
	o->side = s->valuestring[0] == 'b' ? GRID_BUY : GRID_SELL;
	if (get_num(j, "id", &d) == -1 || d < 1)
		return -1;
	o->id = (uint64_t)d;
	if (get_num(j, "level", &d) == -1 || d < -1 || d > g->n)
		return -1;
	o->level = (int)d;
	if (get_num(j, "cell", &d) == -1 || d < -1 || d >= g->n)
		return -1;
	o->cell = (int)d;
	if (get_num(j, "crossing_seq", &d) == -1 || d < 0)
		return -1;
	o->crossing_seq = (uint64_t)d;
	s = cJSON_GetObjectItemCaseSensitive(j, "price");
	if (!cJSON_IsString(s) || grid_px_parse(&o->px, s->valuestring) == -1)
		return -1;
	o->price = strtod(s->valuestring, NULL);
	if (get_u256(j, "amount_in", &o->amount_in) == -1 ||
	    get_num(j, "t_ms", &d) == -1)
		return -1;
	o->t_ms = (int64_t)d;
	if (o->kind == GRID_ORDER_LEVEL && (o->cell < 0 || o->level < 0))
		return -1;
	return 0;
}

struct grid *
grid_restore(const struct grid_params *p, const struct grid_market *m,
    const cJSON *st, char *err, size_t errlen)
{
	struct grid	*g;
	const cJSON	*a, *e, *t, *j;
	double		 d;
	int		 k, i;

	if ((g = grid_new(p, m, err, errlen)) == NULL)
		return NULL;
	if (!cJSON_IsObject(st)) {
		perr(err, errlen, "grid state: not an object");
		goto fail;
	}
	if (get_num(st, "version", &d) == -1 || d != 1) {
		perr(err, errlen, "grid state: unknown version");
		goto fail;
	}
	if ((i = name_index(status_names, 4, cJSON_GetObjectItemCaseSensitive(
	    st, "status"))) < 0) {
		perr(err, errlen, "grid state: bad status");
		goto fail;
	}
	g->status = (enum grid_status)i;
	j = cJSON_GetObjectItemCaseSensitive(st, "stop_reason");
	if (cJSON_IsString(j)) {
		snprintf(g->reason, sizeof(g->reason), "%s", j->valuestring);
		if (strncmp(g->reason, "stop_loss", 9) == 0) {
			g->stop_price = g->sl;
			g->stop_px = g->sl_px;
		} else {
			g->stop_price = g->tp;
			g->stop_px = g->tp_px;
		}
	}
	if (get_num(st, "next_order_id", &d) == -1 || d < 1) {
		perr(err, errlen, "grid state: bad next_order_id");
		goto fail;
	}
	g->next_id = (uint64_t)d;
	if (get_num(st, "last_price", &g->last) == -1 || g->last < 0) {
		perr(err, errlen, "grid state: bad last_price");
		goto fail;
	}
	a = cJSON_GetObjectItemCaseSensitive(st, "levels");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != g->n + 1) {
		perr(err, errlen, "grid state: %d levels expected (the "
		    "parameters changed?)", g->n + 1);
		goto fail;
	}
	k = 0;
	cJSON_ArrayForEach(e, a) {
		j = cJSON_GetObjectItemCaseSensitive(e, "price");
		if (!cJSON_IsString(j) || strcmp(j->valuestring,
		    g->lv[k].text) != 0) {
			perr(err, errlen, "grid state: level %d is not at %s "
			    "(the parameters changed?)", k, g->lv[k].text);
			goto fail;
		}
		if (get_num(e, "crossing_seq", &d) == -1 || d < 0 ||
		    get_time(e, "last_crossed_at", &g->lv[k].last_at) == -1) {
			perr(err, errlen, "grid state: bad level %d", k);
			goto fail;
		}
		g->lv[k].seq = (uint64_t)d;
		k++;
	}
	a = cJSON_GetObjectItemCaseSensitive(st, "cells");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != g->n) {
		perr(err, errlen, "grid state: %d cells expected", g->n);
		goto fail;
	}
	k = 0;
	cJSON_ArrayForEach(e, a) {
		struct cell	*c = &g->c[k];

		if ((i = name_index(cell_state_names, 4,
		    cJSON_GetObjectItemCaseSensitive(e, "state"))) < 0 ||
		    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(e,
		    "armed")) || get_u256(e, "base", &c->base) == -1 ||
		    get_u256(e, "cost", &c->cost) == -1 ||
		    get_u256(e, "gas", &c->gas) == -1 ||
		    get_time(e, "since", &c->since) == -1) {
			perr(err, errlen, "grid state: bad cell %d", k);
			goto fail;
		}
		c->state = (enum cell_state)i;
		c->armed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
		    "armed"));
		j = cJSON_GetObjectItemCaseSensitive(e, "order");
		memset(&c->pend, 0, sizeof(c->pend));
		if (c->state == C_BUY_PENDING || c->state == C_SELL_PENDING) {
			if (order_from_json(g, j, &c->pend) == -1) {
				perr(err, errlen, "grid state: cell %d is "
				    "pending without a valid order", k);
				goto fail;
			}
		}
		k++;
	}
	t = cJSON_GetObjectItemCaseSensitive(st, "totals");
	if (!cJSON_IsObject(t) ||
	    get_u256(t, "realized_gain", &g->tot.realized_gain) == -1 ||
	    get_u256(t, "realized_loss", &g->tot.realized_loss) == -1 ||
	    get_u256(t, "fees", &g->tot.fees) == -1 ||
	    get_u256(t, "gas", &g->tot.gas) == -1 ||
	    get_u256(t, "slippage", &g->tot.slippage) == -1 ||
	    get_u256(t, "volume", &g->tot.volume) == -1) {
		perr(err, errlen, "grid state: bad totals");
		goto fail;
	}
#define CNT(f) do {							\
	if (get_num(t, #f, &d) == -1 || d < 0) {			\
		perr(err, errlen, "grid state: bad totals." #f);	\
		goto fail;						\
	}								\
	g->tot.f = (long)d;						\
} while (0)
	CNT(trades);
	CNT(buys);
	CNT(sells);
	CNT(round_trips);
	CNT(wins);
	CNT(failed);
#undef CNT
	recompute_triggers(g);
	return g;
fail:
	grid_free(&g);
	return NULL;
}
