/*
 * engine_load.c: loading a strategy into a runtime, reconciling its
 * orders in flight with the grid's state, and the periodic sync with the
 * database (engine_int.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "amm.h"
#include "bus.h"
#include "cmds.h"
#include "conditional.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "engine.h"
#include "engine_int.h"
#include "grid.h"
#include "ledger.h"
#include "live.h"
#include "log.h"
#include "paper.h"
#include "params.h"
#include "pnl.h"
#include "risk.h"
#include "store.h"
#include "ticks.h"

/* --- loading a strategy and reconciling its orders in flight --- */

/* The ids of the orders the state says are in flight. */
static int
state_pending_ids(const char *state, uint64_t *ids, int cap)
{
	cJSON		*st = cJSON_Parse(state), *cells, *c, *o, *id;
	int		 n = 0, i, dup;

	cells = cJSON_GetObjectItemCaseSensitive(st, "cells");
	cJSON_ArrayForEach(c, cells) {
		o = cJSON_GetObjectItemCaseSensitive(c, "order");
		id = cJSON_GetObjectItemCaseSensitive(o, "id");
		if (!cJSON_IsNumber(id) || id->valuedouble < 1)
			continue;
		for (dup = 0, i = 0; i < n; i++)
			dup |= ids[i] == (uint64_t)id->valuedouble;
		if (!dup && n < cap)
			ids[n++] = (uint64_t)id->valuedouble;
	}
	cJSON_Delete(st);
	return n;
}

/* Text of a quote amount in human units to base units (0 on error). */
static u256
quote_units(const char *text, unsigned dec)
{
	u256	v;

	if (u256_parse_units(&v, text, dec) == -1)
		v = u256_from_u64(0);
	return v;
}

/*
 * Reconcile the grid order goid of r (in flight in its state) with its
 * row. Returns 1 when the grid state changed, 0 otherwise, -1 when the
 * database could not tell.
 */
static int
rt_reconcile(struct engine *e, struct rt *r, uint64_t goid)
{
	struct ledger_row	 row;
	struct grid_order	 go;
	struct grid_fill	 gf;
	struct ord		*o;
	struct txmgr_tx		 tx;
	char			 intent[48];
	int			 k;

	if (grid_pending_order(r->g, goid, &go) == -1)
		return 0;
	if ((k = ledger_grid_order(e->db, r->id, goid, &row)) == -1)
		return -1;
	if (k == 0) {
		/* Decided but never recorded (cannot happen: they are
		 * written together); the cell returns. */
		log_warnx("grid order without a row strategy=%lld "
		    "grid_order=%llu: released", r->id,
		    (unsigned long long)goid);
		grid_fail(r->g, &go);
		return 1;
	}
	if (strcmp(row.status, "filled") == 0 && row.has_fill) {
		memset(&gf, 0, sizeof(gf));
		gf.amount_in = row.fill_in;
		gf.amount_out = row.fill_out;
		gf.fee = quote_units(row.fill_fee_quote, r->m->quote_dec);
		gf.gas = quote_units(row.fill_gas_quote, r->m->quote_dec);
		gf.t_ms = row.fill_ms;
		grid_fill(r->g, &go, &gf, NULL);
		return 1;
	}
	if (strcmp(row.status, "failed") == 0 ||
	    strcmp(row.status, "cancelled") == 0) {
		grid_fail(r->g, &go);
		return 1;
	}
	/* pending or submitted: in flight. */
	if ((o = engine_ord_find(e, row.id)) != NULL) {
		o->go = go;
		o->is_grid = 1;
		return 0;
	}
	if ((o = engine_ord_new(e, row.id, r->m, r->id)) == NULL)
		return 0;
	o->is_grid = 1;
	o->go = go;
	o->buy = go.side == GRID_BUY;
	o->live = strcmp(row.mode, "live") == 0;
	o->amount_in = row.amount_in;
	o->slippage_bps = row.slippage_bps;
	o->stage = row.tx_id > 0 ? O_SUBMITTED : O_WAIT;
	if (o->live && o->stage == O_WAIT && live_ready(e->live)) {
		/* Crashed between signing and linking? The intent knows. */
		engine_intent_of(row.id, intent, sizeof(intent));
		if (live_status(e->live, intent, &tx) == 1) {
			o->stage = O_SUBMITTED;
			ledger_link_tx(e->db, row.id, tx.id);
		}
	}
	log_info("order in flight recovered id=%lld strategy=%lld stage=%s",
	    row.id, r->id, o->stage == O_SUBMITTED ? "submitted" : "pending");
	return 0;
}

/* Make a live strategy's wallet ours, or say why it cannot trade. */
static int
rt_wallet(struct engine *e, struct rt *r, const char *wallet, char *why,
    size_t len)
{
	char		 ib[24], wb[ADDR_STR_MAX];
	const char	*p[2] = { ib, wb };
	struct addr	 a;

	if (!live_ready(e->live)) {
		snprintf(why, len, "live mode unavailable: %s",
		    live_why(e->live));
		return -1;
	}
	addr_format_lower(live_wallet(e->live), wb);
	if (wallet != NULL && wallet[0] != '\0') {
		if (addr_parse(&a, wallet) == -1 ||
		    !addr_eq(&a, live_wallet(e->live))) {
			snprintf(why, len, "its wallet %s is not the trading "
			    "wallet %s loaded here", wallet, wb);
			return -1;
		}
		return 0;
	}
	snprintf(ib, sizeof(ib), "%lld", r->id);
	db_exec(e->db, "UPDATE strategies SET wallet = $2 WHERE id = $1 AND "
	    "wallet IS NULL", 2, p);
	return 0;
}

/*
 * (Re)load strategy id from the database. Returns the runtime, or NULL
 * when it is stopped without anything in flight, gone, or cannot load.
 */
struct rt *
engine_rt_load(struct engine *e, long long id)
{
	char			 ib[24], err[WHY_MAX], why[WHY_MAX];
	const char		*p[1] = { ib };
	struct grid_params	 gp;
	struct grid_market	 gm;
	struct rt		*r = NULL, *old;
	PGresult		*res;
	cJSON			*pj = NULL, *sj = NULL;
	uint64_t		 pend[GRID_MAX_COUNT + 2];
	int			 i, k, np, changed = 0, fresh = 0;
	enum strat_status	 st;
	const char		*state;

	snprintf(ib, sizeof(ib), "%lld", id);
	if ((res = db_query(e->db, "SELECT name, symbol, mode, status, "
	    "params::text, state::text, coalesce(wallet, ''), md5(params::text),"
	    " EXISTS (SELECT 1 FROM orders o WHERE o.strategy_id = s.id AND "
	    "o.status IN ('pending', 'submitted')) FROM strategies s WHERE "
	    "id = $1 AND type = 'grid'", 1, p)) == NULL)
		return engine_rt_find(e,
		    id);	/* database down: keep what we have */
	old = engine_rt_find(e, id);
	if (PQntuples(res) != 1 || store_status_parse(PQgetvalue(res, 0, 3),
	    &st) == -1) {
		PQclear(res);
		if (old != NULL && !engine_rt_has_orders(e, id))
			engine_rt_remove(e, old);
		return NULL;
	}
	if (st == STRAT_STOPPED && strcmp(PQgetvalue(res, 0, 8), "t") != 0 &&
	    !engine_rt_has_orders(e, id)) {
		PQclear(res);
		if (old != NULL)
			engine_rt_remove(e, old);
		cond_set_clear(e->conds, id);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->id = id;
	r->status = st;
	snprintf(r->name, sizeof(r->name), "%s", PQgetvalue(res, 0, 0));
	r->live = strcmp(PQgetvalue(res, 0, 2), "live") == 0;
	snprintf(r->params_md5, sizeof(r->params_md5), "%s",
	    PQgetvalue(res, 0, 7));
	if ((r->params = strdup(PQgetvalue(res, 0, 4))) == NULL)
		goto fail;
	if ((r->m = engine_mkt_find(e, PQgetvalue(res, 0, 1))) == NULL ||
	    params_market(e->cfg, r->m->symbol, &gm) == -1) {
		snprintf(why, sizeof(why), "unknown market %s (not in the "
		    "config)", PQgetvalue(res, 0, 1));
		goto unusable;
	}
	if ((pj = cJSON_Parse(r->params)) == NULL ||
	    grid_params_from_json(&gp, pj, err, sizeof(err)) == -1) {
		snprintf(why, sizeof(why), "bad parameters: %s", pj ? err :
		    "not JSON");
		goto unusable;
	}
	state = PQgetvalue(res, 0, 5);
	sj = cJSON_Parse(state);
	if (cJSON_GetArraySize(sj) == 0) {
		r->g = grid_new(&gp, &gm, err, sizeof(err));
		fresh = 1;
	} else if ((r->g = grid_restore(&gp, &gm, sj, err, sizeof(err))) ==
	    NULL) {
		/*
		 * An update moved the levels (bounds, count, spacing): a
		 * running grid cannot move its levels (what its cells hold
		 * was bought at the old ones, and a new grid would buy
		 * again). It stays paused; the operator restores the old
		 * levels or stops it and creates a new one.
		 */
		snprintf(why, sizeof(why), "the parameters do not fit the "
		    "grid's state (%s): restore the old levels, or stop this "
		    "strategy and create a new one", err);
		goto unusable;
	}
	if (r->g == NULL) {
		snprintf(why, sizeof(why), "grid: %s", err);
		goto unusable;
	}
	r->ocap = grid_max_orders(r->g);
	if ((r->obuf = calloc(r->ocap, sizeof(*r->obuf))) == NULL)
		goto fail;
	if (r->live && st == STRAT_ACTIVE && rt_wallet(e, r,
	    PQgetvalue(res, 0, 6), why, sizeof(why)) == -1)
		goto unusable;
	if (!r->live) {
		u256	inv;

		grid_investment(r->g, &inv);
		if (ledger_paper_seed(e->db, id, r->m->base, r->m->quote,
		    &inv) == -1)
			log_warnx("strategy %lld: paper balances not seeded: %s",
			    id, db_error(e->db));
	}
	/* Replace the old runtime before reconciling (orders refer to
	 * their strategy by id). */
	if (old != NULL)
		engine_rt_remove(e, old);
	if (engine_rt_add(e, r) == -1)
		goto fail;
	np = state_pending_ids(state, pend, GRID_MAX_COUNT + 2);
	for (i = 0; i < np; i++) {
		if ((k = rt_reconcile(e, r, pend[i])) == -1) {
			/* Not loaded: the sync tries again. */
			log_warnx("strategy %lld not loaded: %s", id,
			    db_error(e->db));
			PQclear(res);
			cJSON_Delete(pj);
			cJSON_Delete(sj);
			engine_rt_remove(e, r);
			return NULL;
		}
		changed |= k;
	}
	if (changed || fresh)
		engine_rt_save(e, r, engine_last_mid(e, r->m));
	PQclear(res);
	cJSON_Delete(pj);
	cJSON_Delete(sj);
	return r;
unusable:
	log_warnx("strategy cannot trade id=%lld reason=\"%s\"", id, why);
	/* A runtime kept for its orders in flight keeps the old grid; the
	 * sync must not try these parameters again and again. */
	if (old != NULL)
		snprintf(old->params_md5, sizeof(old->params_md5), "%s",
		    r->params_md5);
	if (st == STRAT_ACTIVE) {
		struct cmd_error	ce;

		if (store_strategy_set_status(e->db, id, STRAT_PAUSED, why,
		    &ce) == 0) {
			risk_audit(e->db, id, "strategy pause", why);
			if (old != NULL)
				old->status = STRAT_PAUSED;
		}
	}
fail:
	PQclear(res);
	cJSON_Delete(pj);
	cJSON_Delete(sj);
	engine_rt_free(&r);
	if (old != NULL && !engine_rt_has_orders(e, id))
		engine_rt_remove(e, old);
	return engine_rt_find(e, id);
}

/* Memory follows the database again for strategy sid. */
void
engine_rt_reload(struct engine *e, long long sid)
{
	struct ord	*o, *next;

	if (sid <= 0)
		return;
	/* Orders of the strategy are re-read from the state. */
	for (o = e->ords; o != NULL; o = next) {
		next = o->next;
		if (o->sid == sid && o->is_grid)
			engine_ord_unlink(e, o);
	}
	engine_rt_load(e, sid);
}

/* --- the periodic sync --- */

/* Orders waiting to be sent that the database finished meanwhile
 * (cancelled by a stop or the emergency stop). */
void
engine_sync_waiting(struct engine *e)
{
	struct ord	*o;
	long long	*ids, sid;
	size_t		 i, n;
	char		 ib[24], st[16];
	const char	*p[1] = { ib };

	if ((ids = engine_ord_ids(e, -1, O_WAIT, NULL, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((o = engine_ord_find(e, ids[i])) == NULL)
			continue;
		snprintf(ib, sizeof(ib), "%lld", o->id);
		if (db_query_value(e->db, st, sizeof(st), "SELECT status FROM "
		    "orders WHERE id = $1", 1, p) != 1)
			continue;
		if (strcmp(st, "pending") == 0 || strcmp(st, "submitted") == 0)
			continue;
		log_info("order finished elsewhere id=%lld status=%s", o->id,
		    st);
		sid = o->is_grid ? o->sid : 0;
		engine_ord_unlink(e, o);
		if (sid > 0)
			engine_rt_reload(e, sid);
	}
	free(ids);
}

void
engine_sync_all(struct engine *e)
{
	PGresult	*r;
	size_t		 i;
	int		 k, n;
	long long	*seen = NULL;

	if (db_ensure(e->db) == -1)
		return;
	if ((r = db_query(e->db, "SELECT id, status, md5(params::text) FROM "
	    "strategies WHERE status IN ('active', 'paused') AND type = 'grid'",
	    0, NULL)) == NULL)
		return;
	n = PQntuples(r);
	seen = calloc((size_t)n + 1, sizeof(*seen));
	for (k = 0; k < n; k++) {
		long long		 id = strtoll(PQgetvalue(r, k, 0), NULL,
					    10);
		struct rt		*x = engine_rt_find(e, id);
		enum strat_status	 st;

		if (seen != NULL)
			seen[k] = id;
		store_status_parse(PQgetvalue(r, k, 1), &st);
		/* A paused strategy without a runtime has nothing to do
		 * (one with orders in flight was loaded at start). */
		if ((x == NULL && st == STRAT_ACTIVE) || (x != NULL &&
		    (x->status != st || strcmp(x->params_md5,
		    PQgetvalue(r, k, 2)) != 0)))
			engine_strategy_changed(e, id);
	}
	PQclear(r);
	/* Runtimes whose strategy is no longer active or paused. */
	for (i = 0; i < e->nrt; ) {
		struct rt	*x = e->rts[i];
		int		 found = 0;

		for (k = 0; seen != NULL && k < n; k++)
			found |= seen[k] == x->id;
		if (!found && x->status != STRAT_STOPPED) {
			engine_strategy_changed(e, x->id);
			i = 0;	/* the table may have changed */
			continue;
		}
		if (!found && !engine_rt_has_orders(e, x->id)) {
			engine_rt_remove(e, x);
			continue;
		}
		i++;
	}
	free(seen);
	engine_sync_waiting(e);
	if (!e->core->halted)
		cond_set_load(e->conds, e->db);
	else
		cond_set_clear(e->conds, 0);
}

/* Unrealized PnL of every strategy holding something, and the limits. */
void
engine_pnl_marks(struct engine *e)
{
	struct pnl_delta	 d;
	size_t			 i;

	for (i = 0; i < e->nrt; i++) {
		struct rt			*r = e->rts[i];
		const struct stratd_tick	*t;
		u256				 base, cost, value, u;
		char				 txt[PNL_DEC_MAX];
		int				 neg;

		if (r->g == NULL || (t = ticks_last(e->ticks,
		    r->m->symbol)) == NULL)
			continue;
		grid_holdings(r->g, &base, &cost);
		if (pnl_value(&base, &t->r_base, &t->r_quote, &value) == -1)
			continue;
		neg = u256_cmp(&value, &cost) < 0;
		if (neg)
			u256_sub(&u, &cost, &value);
		else
			u256_sub(&u, &value, &cost);
		pnl_text(&u, neg, r->m->quote_dec, txt, sizeof(txt));
		if (strcmp(txt, r->unreal) != 0) {
			memset(&d, 0, sizeof(d));
			d.unrealized = txt;
			if (pnl_add(e->db, r->id, &d) == 0)
				snprintf(r->unreal, sizeof(r->unreal), "%s",
				    txt);
		}
		if (r->dirty)
			engine_rt_save(e, r, t->mid);
		engine_rt_risk(e, r);
	}
}
