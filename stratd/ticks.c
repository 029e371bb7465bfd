/*
 * ticks.c: marketd's ticks as stratd sees them (see ticks.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ticks.h"

struct entry {
	struct stratd_tick	t;
	int			marked;	/* feed.stale said stale since */
};

struct ticks {
	long long	max_age_ms;
	int		n;
	struct entry	e[TICKS_MAX];
};

static int
perr(char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
get_uint(const cJSON *o, const char *k, double max, uint64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > max || v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int
get_u256(const cJSON *o, const char *k, u256 *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? u256_from_dec(out, v->valuestring) : -1;
}

int
ticks_parse(const char *body, size_t len, struct stratd_tick *t, char *err,
    size_t errlen)
{
	cJSON		*o;
	const cJSON	*v;
	uint64_t	 u;
	int		 rc = -1;

	memset(t, 0, sizeof(*t));
	if ((o = cJSON_ParseWithLength(body, len)) == NULL)
		return perr(err, errlen, "tick: not JSON");
	if (!cJSON_IsObject(o)) {
		perr(err, errlen, "tick: not an object");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "symbol");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    strlen(v->valuestring) >= sizeof(t->symbol)) {
		perr(err, errlen, "tick: bad symbol");
		goto out;
	}
	snprintf(t->symbol, sizeof(t->symbol), "%s", v->valuestring);
	if (get_uint(o, "block", 9007199254740991.0, &t->block) == -1 ||
	    get_uint(o, "block_time", 9007199254740991.0, &t->block_time) ==
	    -1) {
		perr(err, errlen, "tick %s: bad block", t->symbol);
		goto out;
	}
	if (get_u256(o, "reserve_base", &t->r_base) == -1 ||
	    get_u256(o, "reserve_quote", &t->r_quote) == -1 ||
	    u256_is_zero(&t->r_base) || u256_is_zero(&t->r_quote)) {
		perr(err, errlen, "tick %s: bad reserves", t->symbol);
		goto out;
	}
	if (get_uint(o, "base_decimals", 77, &u) == -1) {
		perr(err, errlen, "tick %s: bad base_decimals", t->symbol);
		goto out;
	}
	t->base_dec = (unsigned)u;
	if (get_uint(o, "quote_decimals", 77, &u) == -1) {
		perr(err, errlen, "tick %s: bad quote_decimals", t->symbol);
		goto out;
	}
	t->quote_dec = (unsigned)u;
	if (get_uint(o, "fee_bps", 9999, &u) == -1) {
		perr(err, errlen, "tick %s: bad fee_bps", t->symbol);
		goto out;
	}
	t->fee_bps = (unsigned)u;
	v = cJSON_GetObjectItemCaseSensitive(o, "mid_f");
	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
	    !isfinite(v->valuedouble)) {
		perr(err, errlen, "tick %s: bad mid_f", t->symbol);
		goto out;
	}
	t->mid = v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(o, "stale");
	if (!cJSON_IsBool(v)) {
		perr(err, errlen, "tick %s: bad stale flag", t->symbol);
		goto out;
	}
	t->stale = cJSON_IsTrue(v);
	/* Optional. */
	if (get_uint(o, "seq", 9007199254740991.0, &t->seq) == -1)
		t->seq = 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "t_pub_us");
	t->t_pub_us = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
ticks_parse_feed(const char *body, size_t len, char *symbol, size_t cap,
    int *dex, int *stale)
{
	cJSON		*o;
	const cJSON	*f, *s, *st;
	int		 rc = -1;

	if ((o = cJSON_ParseWithLength(body, len)) == NULL)
		return -1;
	f = cJSON_GetObjectItemCaseSensitive(o, "feed");
	s = cJSON_GetObjectItemCaseSensitive(o, "symbol");
	st = cJSON_GetObjectItemCaseSensitive(o, "stale");
	if (cJSON_IsString(f) && cJSON_IsString(s) && cJSON_IsBool(st) &&
	    strlen(s->valuestring) < cap) {
		snprintf(symbol, cap, "%s", s->valuestring);
		*dex = strcmp(f->valuestring, "dex") == 0;
		*stale = cJSON_IsTrue(st);
		rc = 0;
	}
	cJSON_Delete(o);
	return rc;
}

struct ticks *
ticks_new(long long max_age_ms)
{
	struct ticks	*t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->max_age_ms = max_age_ms;
	return t;
}

void
ticks_free(struct ticks **t)
{
	if (t == NULL || *t == NULL)
		return;
	free(*t);
	*t = NULL;
}

void
ticks_set_max_age(struct ticks *t, long long max_age_ms)
{
	t->max_age_ms = max_age_ms;
}

static struct entry *
find(const struct ticks *t, const char *symbol)
{
	int	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].t.symbol, symbol) == 0)
			return (struct entry *)&t->e[i];
	return NULL;
}

const struct stratd_tick *
ticks_put(struct ticks *t, const struct stratd_tick *tk, long long now_ms)
{
	struct entry	*e = find(t, tk->symbol);

	if (e == NULL) {
		if (t->n == TICKS_MAX)
			return NULL;
		e = &t->e[t->n++];
	} else if (tk->block < e->t.block &&
	    now_ms - e->t.recv_ms <= t->max_age_ms)
		return NULL;	/* out of order; an older block is taken only
				 * once the kept one is stale (a new chain) */
	e->t = *tk;
	e->t.recv_ms = now_ms;
	if (!tk->stale)
		e->marked = 0;
	return &e->t;
}

void
ticks_mark(struct ticks *t, const char *symbol, int stale)
{
	struct entry	*e = find(t, symbol);

	if (e != NULL)
		e->marked = stale;
}

const struct stratd_tick *
ticks_last(const struct ticks *t, const char *symbol)
{
	struct entry	*e = find(t, symbol);

	return e != NULL ? &e->t : NULL;
}

int
ticks_is_fresh(const struct ticks *t, const struct stratd_tick *tk,
    long long now_ms)
{
	const struct entry	*e = (const struct entry *)tk;

	if (tk == NULL || tk->stale || e->marked)
		return 0;
	return now_ms - tk->recv_ms <= t->max_age_ms;
}

const struct stratd_tick *
ticks_fresh(const struct ticks *t, const char *symbol, long long now_ms)
{
	const struct stratd_tick	*tk = ticks_last(t, symbol);

	return tk != NULL && ticks_is_fresh(t, tk, now_ms) ? tk : NULL;
}

int
ticks_count(const struct ticks *t)
{
	return t->n;
}

const struct stratd_tick *
ticks_at(const struct ticks *t, int i)
{
	return i >= 0 && i < t->n ? &t->e[i].t : NULL;
}
