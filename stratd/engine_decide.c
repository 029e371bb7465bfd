/*
 * engine_decide.c: deciding (engine_int.h): a grid observes a fresh
 * price and its orders are recorded in one statement (the node asked
 * meanwhile for the first live one), and conditional orders fire once.
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

/* --- deciding: a grid observes a fresh price --- */

static void
order_price_text(const struct grid *g, const struct grid_order *o, char *buf,
    size_t len)
{
	if (o->kind == GRID_ORDER_LEVEL)
		snprintf(buf, len, "%s", grid_level_text(g, o->level));
	else
		pnl_text(&o->px, 0, GRID_PX_DEC, buf, len);
}

/* Scratch of one order of rt_place. */
struct place_item {
	char	price[PNL_DEC_MAX];
	char	why[256];
	int	ok;
};

/*
 * While the database records the orders of rt_place (its connection is
 * busy: only the node may be asked here): ask the node what the first
 * live order will need, so that those round trips overlap the
 * database's work (live_warm). ord_live_send then finds the answers.
 */
static void
warm_first(struct engine *e, struct rt *r, const struct place_item *it, int n)
{
	const struct stratd_tick	*t;
	const struct grid_order		*g;
	struct live_swap		 s;
	u256				 exp, rb, rq;
	int				 i, slip;

	if (!r->live || e->core->halted || r->status != STRAT_ACTIVE ||
	    !r->m->has_addr || !live_ready(e->live) ||
	    (t = engine_fresh_tick(e, r->m)) == NULL)
		return;
	for (i = 0; i < n && !it[i].ok; i++)
		;
	if (i == n)
		return;
	g = &r->obuf[i];
	if (engine_swap_of(e, r->m, g->side == GRID_BUY, &g->amount_in, -1, t,
	    &s,
	    &exp, &rb, &rq, &slip) == 0 && live_warm(e->live, &s) == 0)
		e->n_warmed++;
}

static void
rt_place(struct engine *e, struct rt *r, const struct stratd_tick *t, int n)
{
	struct ledger_grid_order	*lo;
	struct place_item		*it;
	struct pnl_delta		 d;
	long long			 sid = r->id;
	int				 i, nrefused = 0, txn;
	u256				 value;

	lo = calloc((size_t)n, sizeof(*lo));
	it = calloc((size_t)n, sizeof(*it));
	if (lo == NULL || it == NULL) {
		free(lo);
		free(it);
		engine_rt_reload(e, sid);
		return;
	}
	/* The risk limits first: a refused order is a failed row and its
	 * cells are released before the state is written. */
	for (i = 0; i < n; i++) {
		const struct grid_order	*o = &r->obuf[i];

		if (o->side == GRID_BUY)
			value = o->amount_in;
		else if (pnl_value(&o->amount_in, &t->r_base, &t->r_quote,
		    &value) == -1)
			value = o->amount_in;
		it[i].ok = risk_order_ok(e->cfg, &value, r->m->quote_dec,
		    it[i].why, sizeof(it[i].why));
		if (!it[i].ok) {
			grid_fail(r->g, o);
			nrefused++;
		}
		order_price_text(r->g, o, it[i].price, sizeof(it[i].price));
		lo[i].side = o->side == GRID_BUY ? "buy" : "sell";
		lo[i].level = o->kind == GRID_ORDER_LEVEL ? o->level : -1;
		lo[i].crossing_seq = o->crossing_seq;
		lo[i].grid_order_id = o->id;
		lo[i].grid_kind = o->kind == GRID_ORDER_LEVEL ? "level" :
		    o->kind == GRID_ORDER_INIT ? "init" : "close";
		lo[i].amount_in = o->amount_in;
		lo[i].price = it[i].price;
		lo[i].status = it[i].ok ? "pending" : "failed";
		lo[i].error = it[i].ok ? NULL : it[i].why;
	}
	/*
	 * Every order of this observation and the grid's new state: one
	 * statement, all or nothing (with a refusal's error count, one
	 * transaction).
	 */
	txn = nrefused > 0;
	if (txn && db_begin(e->db) == -1)
		goto fail;
	if (ledger_place_grid_send(e->db, r->id, r->m->symbol, r->live ?
	    "live" : "paper", r->g, t->mid, &r->lv, lo, n) == -1)
		goto fail;
	warm_first(e, r, it, n);
	if (ledger_place_grid_finish(e->db, r->g, &r->lv, lo, n) == -1)
		goto fail;
	if (txn) {
		memset(&d, 0, sizeof(d));
		d.errors = nrefused;
		if (pnl_add(e->db, r->id, &d) == -1 || db_commit(e->db) == -1)
			goto fail;
	}
	r->dirty = 0;
	e->n_refused += (unsigned long)nrefused;
	for (i = 0; i < n; i++) {
		const struct grid_order	*g = &r->obuf[i];
		struct ord		*o;

		if (!it[i].ok) {
			log_warnx("order refused id=%lld strategy=%lld "
			    "reason=\"%s\"", lo[i].id, r->id, it[i].why);
			continue;
		}
		e->n_placed++;
		log_info("order placed id=%lld strategy=%lld mode=%s kind=%s "
		    "side=%s level=%d seq=%llu amount_in=%s", lo[i].id, r->id,
		    r->live ? "live" : "paper", lo[i].grid_kind, lo[i].side,
		    g->level, (unsigned long long)g->crossing_seq,
		    u256_to_dec(&g->amount_in, (char[U256_DEC_MAX]){0}));
		if ((o = engine_ord_new(e, lo[i].id, r->m, r->id)) == NULL)
			continue;	/* the sync's reload finds it */
		o->is_grid = 1;
		o->fresh = 1;
		o->go = *g;
		o->buy = g->side == GRID_BUY;
		o->live = r->live;
		o->amount_in = g->amount_in;
	}
	/* Execute in the order the grid gave them. */
	for (i = 0; i < n; i++) {
		struct ord	*o;

		if (it[i].ok && (o = engine_ord_find(e, lo[i].id)) != NULL)
			engine_ord_step(e, o, t);
	}
	free(lo);
	free(it);
	if (nrefused > 0 && (r = engine_rt_find(e, sid)) != NULL)
		engine_rt_risk(e, r);
	return;
fail:
	/*
	 * Nothing was recorded: the decision is forgotten with the memory
	 * that made it, and the next tick decides again (a crossing is not
	 * lost; the emergency stop's refusal, BSE01, is final).
	 */
	log_warnx("cannot record the orders of strategy %lld: %s", sid,
	    db_error(e->db));
	if (txn)
		db_rollback(e->db);
	ledger_levels_forget(&r->lv);
	free(lo);
	free(it);
	engine_rt_reload(e, sid);
}

void
engine_rt_observe(struct engine *e, struct rt *r, const struct stratd_tick *t)
{
	double		lo, hi;
	int		n, outside;
	long long	id = r->id;
	unsigned	gen = e->gen;

	grid_triggers(r->g, &lo, &hi);
	outside = !(t->mid > lo && t->mid < hi);
	if (!outside && grid_get_status(r->g) == GRID_RUNNING) {
		/* The fast path: only the last price changes. */
		grid_observe(r->g, t->mid, 0, r->obuf, r->ocap);
		return;
	}
	n = grid_observe(r->g, t->mid, engine_wall_ms(), r->obuf, r->ocap);
	if (n < 0)
		return;
	if (n > 0)
		rt_place(e, r, t, n);
	else
		r->dirty = 1;	/* arming changed: saved by the poll */
	/* A reload (a failed write) replaced the runtime. */
	if (e->gen != gen && (r = engine_rt_find(e, id)) == NULL)
		return;
	engine_rt_check_stopped(e, r);
}

/* --- conditional orders --- */

void
engine_cond_check(struct engine *e, struct mkt *m, const struct stratd_tick *t)
{
	long long	*ids, now_s = engine_wall_ms() / 1000, oid;
	size_t		 i, n = 0, cnt = cond_set_count(e->conds);
	char		 why[WHY_MAX];
	int		 k;

	if (cnt == 0 || (ids = calloc(cnt, sizeof(*ids))) == NULL)
		return;
	for (i = 0; i < cnt; i++)
		if (strcmp(cond_set_at(e->conds, i)->symbol, m->symbol) == 0)
			ids[n++] = cond_set_at(e->conds, i)->id;
	for (i = 0; i < n && !e->core->halted; i++) {
		const struct cond	*cp = cond_set_find(e->conds, ids[i]);
		struct cond		 c;
		struct rt		*r;
		struct ord		*o;
		u256			 value;
		int			 refused;

		if (cp == NULL)
			continue;
		c = *cp;
		if (c.expires_at > 0 && now_s >= c.expires_at) {
			cond_expire(e->db, &c);
			cond_set_remove(e->conds, c.id);
			continue;
		}
		if (c.strategy_id > 0 && ((r = engine_rt_find(e,
		    c.strategy_id)) ==
		    NULL || r->status != STRAT_ACTIVE))
			continue;	/* its strategy is not trading */
		if (!cond_holds(c.kind, t->mid, c.trigger))
			continue;
		if (cond_is_buy(c.kind))
			value = c.amount;
		else if (pnl_value(&c.amount, &t->r_base, &t->r_quote,
		    &value) == -1)
			value = c.amount;
		refused = !risk_order_ok(e->cfg, &value, m->quote_dec, why,
		    sizeof(why));
		if ((k = cond_fire(e->db, &c, &oid)) == -1)
			continue;	/* database: the next tick tries again */
		cond_set_remove(e->conds, c.id);
		if (k != 1)
			continue;	/* cancelled meanwhile, or emergency */
		e->n_cond_fired++;
		log_info("conditional order fired id=%lld kind=%s trigger=%s "
		    "price=%.10g order=%lld", c.id, cond_kind_name(c.kind),
		    c.trigger_text, t->mid, oid);
		if ((o = engine_ord_new(e, oid, m, c.strategy_id)) == NULL)
			continue;
		o->cond_id = c.id;
		o->fresh = 1;
		o->buy = cond_is_buy(c.kind);
		o->live = c.live;
		o->amount_in = c.amount;
		o->slippage_bps = c.slippage_bps;
		if (refused)
			engine_ord_fail(e, o, "failed", why, NULL);
		else
			engine_ord_step(e, o, t);
	}
	free(ids);
}
