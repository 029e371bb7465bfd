/*
 * tick.c: prices from pool reserves (see tick.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amm.h"
#include "tick.h"

int64_t
tick_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
tick_sizes_parse(const char *list, struct tick_sizes *out)
{
	char	 buf[1024], *tok, *save, norm[DEC_MAX];

	memset(out, 0, sizeof(*out));
	if (list == NULL || *list == '\0')
		return 0;
	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (out->n == TICK_MAX_SIZES || strpbrk(tok, "eE") != NULL ||
		    dec_normalize(tok, strlen(tok), norm, sizeof(norm)) == -1 ||
		    dec_is_zero(norm))
			return -1;
		memcpy(out->text[out->n++], norm, sizeof(norm));
	}
	return 0;
}

static void
side(struct tick_side *s, const u256 *in, const u256 *r_in,
    const u256 *r_out, unsigned fee, int buy, const struct tick_market *m)
{
	memset(s, 0, sizeof(*s));
	s->amount_in = *in;
	if (u256_is_zero(in) ||
	    amm_get_amount_out(&s->amount_out, in, r_in, r_out, fee) == -1 ||
	    u256_is_zero(&s->amount_out))
		return;
	/* Quote per base either way. */
	if (buy ? dec_ratio(in, m->quote_dec, &s->amount_out, m->base_dec,
	    s->price) : dec_ratio(&s->amount_out, m->quote_dec, in,
	    m->base_dec, s->price))
		return;
	s->ok = 1;
}

int
tick_compute(struct tick *t, const struct tick_market *m,
    const struct tick_sizes *sz, const u256 *r0, const u256 *r1)
{
	int	i;

	t->r_base = m->base_is_token0 ? *r0 : *r1;
	t->r_quote = m->base_is_token0 ? *r1 : *r0;
	t->nexec = 0;
	if (u256_is_zero(&t->r_base) || u256_is_zero(&t->r_quote))
		return -1;
	if (dec_ratio(&t->r_quote, m->quote_dec, &t->r_base, m->base_dec,
	    t->mid) == -1)
		return -1;
	t->mid_f = amm_mid_price(&t->r_base, &t->r_quote, m->base_dec,
	    m->quote_dec);
	for (i = 0; i < sz->n; i++) {
		struct tick_exec	*e = &t->exec[t->nexec++];
		u256			 qin, bin;

		memset(e, 0, sizeof(*e));
		memcpy(e->size, sz->text[i], sizeof(e->size));
		if (u256_parse_units(&qin, sz->text[i], m->quote_dec) == -1)
			continue;	/* finer than the token's decimals */
		side(&e->buy, &qin, &t->r_quote, &t->r_base, m->fee_bps, 1, m);
		if (u256_muldiv(&bin, &qin, &t->r_base, &t->r_quote) == 0)
			side(&e->sell, &bin, &t->r_base, &t->r_quote,
			    m->fee_bps, 0, m);
	}
	return 0;
}

static void
add_u256(cJSON *o, const char *k, const u256 *v)
{
	char	buf[U256_DEC_MAX];

	cJSON_AddStringToObject(o, k, u256_to_dec(v, buf));
}

static cJSON *
side_json(const struct tick_side *s, double mid, int buy)
{
	cJSON	*o = cJSON_CreateObject();
	double	 p;

	if (o == NULL)
		return NULL;
	cJSON_AddBoolToObject(o, "ok", s->ok);
	add_u256(o, "amount_in", &s->amount_in);
	add_u256(o, "amount_out", &s->amount_out);
	if (s->ok) {
		cJSON_AddStringToObject(o, "price", s->price);
		p = strtod(s->price, NULL);
		/* What the size costs against the mid, fee included. */
		if (mid > 0)
			cJSON_AddNumberToObject(o, "impact_bps",
			    (double)(long long)((buy ? p / mid - 1 :
			    1 - p / mid) * 1e6) / 100.0);
	}
	return o;
}

cJSON *
tick_json(const struct tick *t, const struct tick_market *m, uint64_t seq,
    int stale)
{
	cJSON	*o = cJSON_CreateObject(), *a, *e;
	char	 buf[ADDR_STR_MAX];
	int	 i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "symbol", m->symbol);
	cJSON_AddNumberToObject(o, "block", (double)t->block);
	cJSON_AddNumberToObject(o, "block_time", (double)t->block_time);
	cJSON_AddStringToObject(o, "pair", addr_format(&m->pair, buf));
	cJSON_AddStringToObject(o, "base", m->base);
	cJSON_AddStringToObject(o, "quote", m->quote);
	cJSON_AddNumberToObject(o, "base_decimals", m->base_dec);
	cJSON_AddNumberToObject(o, "quote_decimals", m->quote_dec);
	cJSON_AddNumberToObject(o, "fee_bps", m->fee_bps);
	add_u256(o, "reserve_base", &t->r_base);
	add_u256(o, "reserve_quote", &t->r_quote);
	cJSON_AddStringToObject(o, "mid", t->mid);
	cJSON_AddNumberToObject(o, "mid_f", t->mid_f);
	a = cJSON_AddArrayToObject(o, "exec");
	for (i = 0; a != NULL && i < t->nexec; i++) {
		if ((e = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(e, "size", t->exec[i].size);
		cJSON_AddItemToObject(e, "buy", side_json(&t->exec[i].buy,
		    t->mid_f, 1));
		cJSON_AddItemToObject(e, "sell", side_json(&t->exec[i].sell,
		    t->mid_f, 0));
		cJSON_AddItemToArray(a, e);
	}
	cJSON_AddBoolToObject(o, "stale", stale);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddNumberToObject(o, "t_reply_us", (double)t->t_reply_us);
	cJSON_AddNumberToObject(o, "t_pub_us", (double)tick_now_us());
	return o;
}
