/*
 * grid.c: the grid strategy engine (see grid.h for the model): exact
 * helpers and the parameters. The rest: grid_lay.c (laying the grid,
 * accessors), grid_decide.c (deciding on a price, applying outcomes),
 * grid_state.c (the state as JSON); grid_int.h has what they share.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "grid.h"
#include "grid_int.h"

/* --- small exact helpers --- */

u256
grid_pow10u(unsigned k)
{
	u256	r = u256_from_u64(1), ten = u256_from_u64(10);

	while (k-- > 0)
		u256_mul(&r, &r, &ten);
	return r;
}

int
grid_is_zero(const u256 *a)
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
int
grid_quote_for(const struct grid_market *m, const u256 *base, const u256 *px,
    u256 *quote, int up)
{
	unsigned	a = m->base_dec + GRID_PX_DEC;
	u256		d, t;

	if (a >= m->quote_dec) {
		d = grid_pow10u(a - m->quote_dec);
		return mul_div(quote, base, px, &d, up);
	}
	d = grid_pow10u(m->quote_dec - a);
	if (u256_mul(&t, base, px) == -1)
		return -1;
	return u256_mul(quote, &t, &d);
}

/* Base base units that quote quote base units buy at px (floor). */
int
grid_base_for(const struct grid_market *m, const u256 *quote, const u256 *px,
    u256 *base)
{
	unsigned	a = m->base_dec + GRID_PX_DEC;
	u256		d, one = u256_from_u64(1);

	if (grid_is_zero(px))
		return -1;
	if (a >= m->quote_dec) {
		d = grid_pow10u(a - m->quote_dec);
		return mul_div(base, quote, &d, px, 0);
	}
	d = grid_pow10u(m->quote_dec - a);
	if (u256_mul(&d, &d, px) == -1)
		return -1;
	return mul_div(base, quote, &one, &d, 0);
}

/* Number of decimals px really uses (0..GRID_PX_DEC). */
unsigned
grid_px_decimals(const u256 *px)
{
	u256		v = *px, q, r, ten = u256_from_u64(10);
	unsigned	tz = 0;

	if (grid_is_zero(&v))
		return 0;
	while (tz < GRID_PX_DEC) {
		u256_divmod(&q, &r, &v, &ten);
		if (!grid_is_zero(&r))
			break;
		v = q;
		tz++;
	}
	return GRID_PX_DEC - tz;
}

void
grid_fmt_units(const u256 *v, unsigned dec, char *out, size_t cap)
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
	    (grid_is_zero(px) ? -1 : 0);
}

int
grid_quote_value(const struct grid_market *m, const u256 *base,
    const u256 *px, u256 *quote)
{
	return grid_quote_for(m, base, px, quote, 0);
}

int
grid_sim_fill(const struct grid_market *m, enum grid_side side,
    const u256 *px, const u256 *in, struct grid_fill *f)
{
	u256	keep = u256_from_u64(10000 - (m->fee_bps < 10000 ?
		    m->fee_bps : 0)), tenk = u256_from_u64(10000);
	u256	net, feein, ideal, diff, rb;

	memset(f, 0, sizeof(*f));
	if (m->fee_bps >= 10000 || grid_is_zero(in) || grid_is_zero(px))
		return -1;
	f->amount_in = *in;
	f->gas = m->gas;
	if (mul_div(&net, in, &keep, &tenk, 0) == -1 ||
	    u256_sub(&feein, in, &net) == -1)
		return -1;
	if (side == GRID_BUY) {
		f->fee = feein;
		if (grid_base_for(m, &net, px, &ideal) == -1)
			return -1;
		if (grid_is_zero(&m->depth))
			f->amount_out = ideal;
		else {
			if (grid_base_for(m, &m->depth, px, &rb) == -1 ||
			    grid_is_zero(&rb) ||
			    amm_get_amount_out(&f->amount_out, in, &m->depth,
			    &rb, m->fee_bps) == -1)
				return -1;
			if (u256_cmp(&ideal, &f->amount_out) > 0) {
				u256_sub(&diff, &ideal, &f->amount_out);
				if (grid_quote_for(m, &diff, px, &f->slippage,
				    0) == -1)
					return -1;
			}
		}
	} else {
		if (grid_quote_for(m, &feein, px, &f->fee, 0) == -1 ||
		    grid_quote_for(m, &net, px, &ideal, 0) == -1)
			return -1;
		if (grid_is_zero(&m->depth))
			f->amount_out = ideal;
		else {
			if (grid_base_for(m, &m->depth, px, &rb) == -1 ||
			    grid_is_zero(&rb) ||
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

int
grid_perr(char *err, size_t errlen, const char *fmt, ...)
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
			return grid_perr(err, errlen, "%s: give the price as a "
			    "decimal string", key);
	} else
		return grid_perr(err, errlen, "%s: expected a decimal string",
		    key);
	if ((cJSON_IsString(v) && strlen(v->valuestring) >= 60) ||
	    grid_px_parse(&px, buf) == -1)
		return grid_perr(err, errlen, "%s: '%s' is not a decimal price "
		    "(digits and one '.', at most %d decimals)", key,
		    cJSON_IsString(v) ? v->valuestring : buf, GRID_PX_DEC);
	if (grid_is_zero(&px))
		return grid_perr(err, errlen, "%s must be above zero", key);
	grid_fmt_units(&px, GRID_PX_DEC, out, GRID_DEC_MAX);
	return 0;
}

static int
json_bool(const cJSON *v, const char *key, int *out, char *err,
    size_t errlen)
{
	if (!cJSON_IsBool(v))
		return grid_perr(err, errlen, "%s: expected true or false",
		    key);
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
		return grid_perr(err, errlen, "grid parameters must be a JSON "
		    "object");
	cJSON_ArrayForEach(v, o) {
		const char	*k = v->string;

		if (k == NULL)
			return grid_perr(err, errlen, "bad parameter object");
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
				return grid_perr(err, errlen,
				    "grid_count: expected "
				    "an integer");
			if (d != floor(d) || !isfinite(d))
				return grid_perr(err, errlen,
				    "grid_count: expected "
				    "an integer");
			if (d < 2)
				return grid_perr(err, errlen,
				    "grid_count must be at "
				    "least 2 (got %.0f)", d);
			if (d > GRID_MAX_COUNT)
				return grid_perr(err, errlen,
				    "grid_count must be at "
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
				return grid_perr(err, errlen,
				    "base_order_size: "
				    "expected a decimal string");
			if (u256_parse_units(&s, buf, 30) == -1)
				return grid_perr(err, errlen,
				    "base_order_size: '%s' "
				    "is not a decimal amount", buf);
			if (grid_is_zero(&s))
				return grid_perr(err, errlen,
				    "base_order_size must "
				    "be above zero");
			grid_fmt_units(&s, 30, p->base_order_size,
			    GRID_DEC_MAX);
			have_size = 1;
		} else if (strcmp(k, "spacing") == 0) {
			if (!cJSON_IsString(v))
				return grid_perr(err, errlen,
				    "spacing: expected "
				    "\"arithmetic\" or \"geometric\"");
			if (strcmp(v->valuestring, "arithmetic") == 0)
				p->spacing = GRID_ARITHMETIC;
			else if (strcmp(v->valuestring, "geometric") == 0)
				p->spacing = GRID_GEOMETRIC;
			else
				return grid_perr(err, errlen,
				    "spacing: '%s' is not "
				    "arithmetic or geometric", v->valuestring);
		} else if (strcmp(k, "size_unit") == 0) {
			if (!cJSON_IsString(v))
				return grid_perr(err, errlen,
				    "size_unit: expected "
				    "\"quote\" or \"base\"");
			if (strcmp(v->valuestring, "quote") == 0)
				p->size_in_base = 0;
			else if (strcmp(v->valuestring, "base") == 0)
				p->size_in_base = 1;
			else
				return grid_perr(err, errlen,
				    "size_unit: '%s' is not "
				    "quote or base", v->valuestring);
		} else if (strcmp(k, "initial_buy") == 0) {
			if (json_bool(v, k, &p->initial_buy, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "close_on_stop") == 0) {
			if (json_bool(v, k, &p->close_on_stop, err,
			    errlen) == -1)
				return -1;
		} else
			return grid_perr(err, errlen,
			    "unknown grid parameter '%s' "
			    "(known: upper_price, lower_price, grid_count, "
			    "base_order_size, spacing, size_unit, initial_buy, "
			    "stop_loss, take_profit, close_on_stop)", k);
	}
	if (!have_count)
		return grid_perr(err, errlen, "grid_count is required");
	if (!have_size)
		return grid_perr(err, errlen, "base_order_size is required");
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
