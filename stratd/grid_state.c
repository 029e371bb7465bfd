/*
 * grid_state.c: a grid's state as JSON and back, for the database and
 * restarts (grid.h, grid_int.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amm.h"
#include "grid.h"
#include "grid_int.h"

static const char *const cell_state_names[] = {
	"empty", "holding", "buy_pending", "sell_pending"
};
static const char *const kind_names[] = { "level", "init", "close" };
static const char *const status_names[] = {
	"new", "running", "stopping", "stopped"
};
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
	grid_fmt_units(&o->px, GRID_PX_DEC, buf, sizeof(buf));
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
		cJSON_AddNumberToObject(e, "crossing_seq",
		    (double)g->lv[k].seq);
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
			cJSON_AddItemToObject(e, "order",
			    order_to_json(&c->pend));
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
		grid_perr(err, errlen, "grid state: not an object");
		goto fail;
	}
	if (get_num(st, "version", &d) == -1 || d != 1) {
		grid_perr(err, errlen, "grid state: unknown version");
		goto fail;
	}
	if ((i = name_index(status_names, 4, cJSON_GetObjectItemCaseSensitive(
	    st, "status"))) < 0) {
		grid_perr(err, errlen, "grid state: bad status");
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
		grid_perr(err, errlen, "grid state: bad next_order_id");
		goto fail;
	}
	g->next_id = (uint64_t)d;
	if (get_num(st, "last_price", &g->last) == -1 || g->last < 0) {
		grid_perr(err, errlen, "grid state: bad last_price");
		goto fail;
	}
	a = cJSON_GetObjectItemCaseSensitive(st, "levels");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != g->n + 1) {
		grid_perr(err, errlen, "grid state: %d levels expected (the "
		    "parameters changed?)", g->n + 1);
		goto fail;
	}
	k = 0;
	cJSON_ArrayForEach(e, a) {
		j = cJSON_GetObjectItemCaseSensitive(e, "price");
		if (!cJSON_IsString(j) || strcmp(j->valuestring,
		    g->lv[k].text) != 0) {
			grid_perr(err, errlen,
			    "grid state: level %d is not at %s "
			    "(the parameters changed?)", k, g->lv[k].text);
			goto fail;
		}
		if (get_num(e, "crossing_seq", &d) == -1 || d < 0 ||
		    get_time(e, "last_crossed_at", &g->lv[k].last_at) == -1) {
			grid_perr(err, errlen, "grid state: bad level %d", k);
			goto fail;
		}
		g->lv[k].seq = (uint64_t)d;
		k++;
	}
	a = cJSON_GetObjectItemCaseSensitive(st, "cells");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != g->n) {
		grid_perr(err, errlen, "grid state: %d cells expected", g->n);
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
			grid_perr(err, errlen, "grid state: bad cell %d", k);
			goto fail;
		}
		c->state = (enum cell_state)i;
		c->armed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
		    "armed"));
		j = cJSON_GetObjectItemCaseSensitive(e, "order");
		memset(&c->pend, 0, sizeof(c->pend));
		if (c->state == C_BUY_PENDING || c->state == C_SELL_PENDING) {
			if (order_from_json(g, j, &c->pend) == -1) {
				grid_perr(err, errlen, "grid state: cell %d is "
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
		grid_perr(err, errlen, "grid state: bad totals");
		goto fail;
	}
#define CNT(f) do {							\
	if (get_num(t, #f, &d) == -1 || d < 0) {			\
		grid_perr(err, errlen, "grid state: bad totals." #f);	\
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
	grid_recompute_triggers(g);
	return g;
fail:
	grid_free(&g);
	return NULL;
}
