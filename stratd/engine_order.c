/*
 * engine_order.c: orders in flight (engine_int.h): their list, saving a
 * runtime, the outcome of an order (failed, filled) recorded with its
 * grid's state and PnL in one transaction, and executing: paper fills
 * and live swaps through the transaction manager.
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

/* --- orders in flight --- */

struct ord *
engine_ord_find(struct engine *e, long long id)
{
	struct ord	*o;

	for (o = e->ords; o != NULL; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

void
engine_ord_unlink(struct engine *e, struct ord *x)
{
	struct ord	**pp;

	for (pp = &e->ords; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			free(x);
			return;
		}
}

int
engine_rt_has_orders(struct engine *e, long long sid)
{
	struct ord	*o;

	for (o = e->ords; o != NULL; o = o->next)
		if (o->sid == sid)
			return 1;
	return 0;
}

struct live *
engine_live(struct engine *e)
{
	return e->live;
}

int
engine_inflight(const struct engine *e)
{
	const struct ord	*o;
	int			 n = 0;

	for (o = e->ords; o != NULL; o = o->next)
		n++;
	return n;
}

void
engine_intent_of(long long id, char *buf, size_t len)
{
	snprintf(buf, len, "order:%lld", id);
}

/*
 * The ids of the orders in flight that match (live: 1 live, 0 paper, -1
 * both; stage -1: any; m NULL: any market), in a new array (caller
 * frees; NULL when none), count in *n. Steps that may change the list
 * iterate over such a snapshot.
 */
long long *
engine_ord_ids(struct engine *e, int live, int stage, const struct mkt *m,
    size_t *n)
{
	struct ord	*o;
	long long	*v;
	size_t		 k = 0;

	*n = 0;
	for (o = e->ords; o != NULL; o = o->next)
		k++;
	if (k == 0 || (v = calloc(k, sizeof(*v))) == NULL)
		return NULL;
	for (o = e->ords; o != NULL; o = o->next)
		if ((live < 0 || o->live == live) && (stage < 0 ||
		    (int)o->stage == stage) && (m == NULL || o->m == m))
			v[(*n)++] = o->id;
	return v;
}

/* The latest mid price of m (any freshness), 0 when none. */
double
engine_last_mid(struct engine *e, const struct mkt *m)
{
	const struct stratd_tick	*t = ticks_last(e->ticks, m->symbol);

	return t != NULL ? t->mid : 0.0;
}

/* --- persisting a runtime --- */

/* Save the grid's state outside any transaction (arming changes). */
void
engine_rt_save(struct engine *e, struct rt *r, double price)
{
	if (r->g == NULL || db_begin(e->db) == -1)
		return;
	if (ledger_save_grid(e->db, r->id, r->g, price, &r->lv) == -1 ||
	    db_commit(e->db) == -1) {
		db_rollback(e->db);
		ledger_levels_forget(&r->lv);
		return;
	}
	r->dirty = 0;
}

/* Record an automatic status change (risk limit, stop bound). */
static void
rt_set_status(struct engine *e, struct rt *r, enum strat_status to,
    const char *why)
{
	struct cmd_error	err;

	if (store_strategy_set_status(e->db, r->id, to, why, &err) == -1) {
		log_warnx("strategy %s failed id=%lld reason=\"%s\" error=\"%s\"",
		    store_status_name(to), r->id, why, err.message);
		return;
	}
	risk_audit(e->db, r->id, to == STRAT_PAUSED ? "strategy pause" :
	    "strategy stop", why);
	log_warnx("strategy %s automatically id=%lld name=\"%s\" "
	    "reason=\"%s\"", to == STRAT_PAUSED ? "paused" : "stopped", r->id,
	    r->name, why);
	r->status = to;
	if (to == STRAT_STOPPED)
		cond_set_clear(e->conds, r->id);
}

void
engine_rt_risk(struct engine *e, struct rt *r)
{
	char	why[WHY_MAX];

	if (r->status != STRAT_ACTIVE)
		return;
	if (risk_check_strategy(e->db, e->cfg, r->id, why, sizeof(why)) == 1)
		rt_set_status(e, r, STRAT_PAUSED, why);
}

/* A grid that a stop bound stopped: the strategy stops too. */
void
engine_rt_check_stopped(struct engine *e, struct rt *r)
{
	const char	*why;

	if (r->g == NULL || grid_get_status(r->g) != GRID_STOPPED ||
	    r->status == STRAT_STOPPED)
		return;
	why = grid_stop_reason(r->g);
	rt_set_status(e, r, STRAT_STOPPED, why ? why : "grid stopped");
}

/* --- the outcome of an order --- */

static struct rt *
ord_rt(struct engine *e, const struct ord *o)
{
	return o->sid > 0 ? engine_rt_find(e, o->sid) : NULL;
}


/*
 * o failed (status "failed") or was cancelled: its grid cell returns,
 * one transaction records it. gas_wei: what a reverted transaction cost.
 */
void
engine_ord_fail(struct engine *e, struct ord *o, const char *status,
    const char *why, const u256 *gas_wei)
{
	struct rt		*r = ord_rt(e, o);
	struct pnl_delta	 d;
	char			 gq[PNL_DEC_MAX];
	u256			 g = u256_from_u64(0);
	long long		 id = o->id, sid = o->sid;
	int			 k, is_grid = o->is_grid;

	if (gas_wei != NULL)
		engine_gas_to_quote(e, o->m, gas_wei, &g);
	if (is_grid && r != NULL && r->g != NULL &&
	    grid_fail(r->g, &o->go) == -1)
		log_warnx("order not pending in its grid id=%lld", o->id);
	if (db_begin(e->db) == -1)
		goto reload;
	if ((k = ledger_fail(e->db, o->id, status, why)) == -1)
		goto dbfail;
	if (k == 0) {
		/* Final already (another process, or the stop): the grid
		 * follows the database. */
		db_rollback(e->db);
		engine_ord_unlink(e, o);
		if (is_grid)
			engine_rt_reload(e, sid);
		return;
	}
	if (o->cond_id > 0 && ledger_cond_final(e->db, o->cond_id, 0, why) ==
	    -1)
		goto dbfail;
	if (is_grid && r != NULL && r->g != NULL &&
	    ledger_save_grid(e->db, r->id, r->g, engine_last_mid(e, o->m),
	    &r->lv) == -1)
		goto dbfail;
	if (sid > 0) {
		memset(&d, 0, sizeof(d));
		d.errors = strcmp(status, "failed") == 0;
		pnl_text(&g, 0, o->m->quote_dec, gq, sizeof(gq));
		d.gas = gq;
		if (pnl_add(e->db, sid, &d) == -1)
			goto dbfail;
	}
	if (db_commit(e->db) == -1)
		goto dbfail;
	if (strcmp(status, "failed") == 0) {
		e->n_failed++;
		log_warnx("order failed id=%lld strategy=%lld error=\"%s\"", id,
		    sid, why);
	} else
		log_info("order cancelled id=%lld strategy=%lld reason=\"%s\"",
		    id, sid, why);
	engine_ord_unlink(e, o);
	if (r != NULL) {
		r->dirty = 0;
		engine_rt_risk(e, r);
	}
	return;
dbfail:
	log_warnx("cannot record the failure of order %lld: %s", id,
	    db_error(e->db));
	db_rollback(e->db);
	if ((r = engine_rt_find(e, sid)) != NULL)
		ledger_levels_forget(&r->lv);
reload:
	/* The order stays as the database has it; memory follows. */
	if (is_grid)
		engine_rt_reload(e, sid);
}

/*
 * o filled: in spent, out received, gas. One transaction: the order, its
 * fill, paper balances, the grid's state and levels, the conditional
 * order, the day's PnL.
 */
static void
ord_fill(struct engine *e, struct ord *o, const u256 *in, const u256 *out,
    uint64_t gas_used, const u256 *gas_wei, uint64_t block)
{
	struct rt		*r = ord_rt(e, o);
	struct mkt		*m = o->m;
	struct grid_fill	 gf;
	struct grid_fill_result	 res;
	struct pnl_costs	 c;
	struct ledger_fill	 lf;
	struct pnl_delta	 d;
	char			 px[PNL_DEC_MAX], fq[PNL_DEC_MAX];
	char			 gq[PNL_DEC_MAX], rl[PNL_DEC_MAX],
	    vol[PNL_DEC_MAX];
	u256			 gasq, volume;
	long long		 id = o->id, sid = o->sid;
	int			 k, is_grid = o->is_grid;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	if (o->has_r)
		pnl_costs(o->buy, in, out, &o->r_base, &o->r_quote, m->fee_bps,
		    &c);
	engine_gas_to_quote(e, m, gas_wei, &gasq);
	volume = o->buy ? *in : *out;
	if (is_grid && r != NULL && r->g != NULL) {
		memset(&gf, 0, sizeof(gf));
		gf.amount_in = *in;
		gf.amount_out = *out;
		gf.fee = c.fee_quote;
		gf.gas = gasq;
		gf.slippage = c.slippage_quote;
		gf.t_ms = engine_wall_ms();
		if (grid_fill(r->g, &o->go, &gf, &res) == -1)
			log_warnx("fill not applicable to its grid order=%lld "
			    "(recorded anyway)", id);
	}
	memset(&lf, 0, sizeof(lf));
	lf.amount_in = *in;
	lf.amount_out = *out;
	lf.fee = c.fee;
	lf.gas_wei = *gas_wei;
	lf.gas_used = gas_used;
	lf.block = block;
	if ((o->buy ? pnl_price_text(in, m->quote_dec, out, m->base_dec, px,
	    sizeof(px)) : pnl_price_text(out, m->quote_dec, in, m->base_dec, px,
	    sizeof(px))) == 0 && strspn(px, "0.") != strlen(px))
		lf.exec_price = px;
	pnl_text(&c.fee_quote, 0, m->quote_dec, fq, sizeof(fq));
	pnl_text(&gasq, 0, m->quote_dec, gq, sizeof(gq));
	lf.fee_quote = fq;
	lf.gas_quote = gq;
	if (res.has_pnl) {
		pnl_text(&res.pnl, res.pnl_neg, m->quote_dec, rl, sizeof(rl));
		lf.realized = rl;
	}
	if (db_begin(e->db) == -1)
		goto reload;
	if ((k = ledger_fill(e->db, id, &lf)) == -1)
		goto dbfail;
	if (k == 0) {
		db_rollback(e->db);
		log_warnx("order already final, fill not recorded again "
		    "id=%lld", id);
		engine_ord_unlink(e, o);
		if (is_grid)
			engine_rt_reload(e, sid);
		return;
	}
	if (!o->live && sid > 0 && (k = ledger_paper_move(e->db, sid,
	    o->buy ? m->quote : m->base, in, o->buy ? m->base : m->quote,
	    out)) != 1)
		goto dbfail;
	if (o->cond_id > 0 && ledger_cond_final(e->db, o->cond_id, 1, NULL) ==
	    -1)
		goto dbfail;
	if (is_grid && r != NULL && r->g != NULL &&
	    ledger_save_grid(e->db, r->id, r->g, engine_last_mid(e, m),
	    &r->lv) == -1)
		goto dbfail;
	if (sid > 0) {
		memset(&d, 0, sizeof(d));
		d.realized = res.has_pnl ? rl : NULL;
		d.fees = fq;
		d.gas = gq;
		pnl_text(&volume, 0, m->quote_dec, vol, sizeof(vol));
		d.volume = vol;
		d.trades = 1;
		d.round_trips = res.round_trips;
		d.wins = res.wins;
		if (pnl_add(e->db, sid, &d) == -1)
			goto dbfail;
	}
	if (db_commit(e->db) == -1)
		goto dbfail;
	e->n_fills++;
	log_info("order filled id=%lld strategy=%lld mode=%s side=%s "
	    "amount_in=%s amount_out=%s price=%s%s%s", id, sid,
	    o->live ? "live" : "paper", o->buy ? "buy" : "sell",
	    u256_to_dec(in, (char[U256_DEC_MAX]){0}),
	    u256_to_dec(out, (char[U256_DEC_MAX]){0}), lf.exec_price ?
	    lf.exec_price : "-", res.has_pnl ? " realized=" : "",
	    res.has_pnl ? rl : "");
	engine_ord_unlink(e, o);
	if (r != NULL) {
		r->dirty = 0;
		engine_rt_risk(e, r);
		engine_rt_check_stopped(e, r);
	}
	return;
dbfail:
	log_warnx("cannot record the fill of order %lld%s: %s", id,
	    k == 0 ? " (paper balance short)" : "", db_error(e->db));
	db_rollback(e->db);
	if ((r = engine_rt_find(e, sid)) != NULL)
		ledger_levels_forget(&r->lv);
reload:
	if (is_grid)
		engine_rt_reload(e, sid);
}

/* --- executing --- */

const struct stratd_tick *
engine_fresh_tick(struct engine *e, const struct mkt *m)
{
	return ticks_fresh(e->ticks, m->symbol, daemon_now_ms());
}

void
engine_ord_paper(struct engine *e, struct ord *o, const struct stratd_tick *t)
{
	struct mkt	*m = o->m;
	struct rt	*r;
	u256		 out, bal, gas;
	uint64_t	 gu;
	char		 why[WHY_MAX], a[U256_DEC_MAX + 2], b[U256_DEC_MAX + 2];

	if (t == NULL)
		return;		/* waits for a fresh price */
	if (o->sid > 0 && (r = engine_rt_find(e, o->sid)) != NULL &&
	    r->status != STRAT_ACTIVE)
		return;		/* paused: waits; stopped: cancelled */
	o->r_base = t->r_base;
	o->r_quote = t->r_quote;
	o->has_r = 1;
	if (paper_swap(o->buy, &o->amount_in, &t->r_base, &t->r_quote,
	    m->fee_bps, &out) == -1) {
		engine_ord_fail(e, o, "failed",
		    "the pool pays nothing for this amount",
		    NULL);
		return;
	}
	if (o->sid > 0) {
		if (ledger_paper_balance(e->db, o->sid, o->buy ? m->quote :
		    m->base, &bal) == -1)
			return;		/* database: next tick */
		if (u256_cmp(&bal, &o->amount_in) < 0) {
			u256_format_units(&bal, o->buy ? m->quote_dec :
			    m->base_dec, a);
			u256_format_units(&o->amount_in, o->buy ? m->quote_dec :
			    m->base_dec, b);
			snprintf(why, sizeof(why),
			    "insufficient paper balance: "
			    "%s %s, order needs %s", a, o->buy ? m->quote :
			    m->base, b);
			engine_ord_fail(e, o, "failed", why, NULL);
			return;
		}
	}
	paper_gas(&e->paper, &gu, &gas);
	ord_fill(e, o, &o->amount_in, &out, gu, &gas, 0);
}

/* The reserves to price a live order on: the tick's, past our own swaps
 * already sent in this block. */
static void
projected(struct mkt *m, const struct stratd_tick *t, u256 *rb, u256 *rq)
{
	if (m->proj_block != t->block) {
		m->proj_block = t->block;
		m->proj_base = t->r_base;
		m->proj_quote = t->r_quote;
	}
	*rb = m->proj_base;
	*rq = m->proj_quote;
}

/*
 * The swap of a live order on m (buy: quote for base) of amount_in at
 * tick t, unnamed (s->intent NULL): amountOutMin from the expected
 * output on the projected pool less the slippage (slippage_bps < 0: the
 * configured one), and the deadline. *exp, *rb, *rq get the expected
 * output and the reserves it was computed on, *slip the slippage used.
 * Returns 0, or -1 when the pool pays nothing for the amount.
 */
int
engine_swap_of(struct engine *e, struct mkt *m, int buy, const u256 *amount_in,
    int slippage_bps, const struct stratd_tick *t, struct live_swap *s,
    u256 *exp, u256 *rb, u256 *rq, int *slip)
{
	u256	f, tenk = u256_from_u64(10000);

	projected(m, t, rb, rq);
	if (amm_get_amount_out(exp, amount_in, buy ? rq : rb, buy ? rb : rq,
	    m->fee_bps) == -1 || u256_is_zero(exp))
		return -1;
	*slip = slippage_bps >= 0 ? slippage_bps : e->cfg->chain.slippage_bps;
	f = u256_from_u64((uint64_t)(10000 - *slip));
	memset(s, 0, sizeof(*s));
	s->token_in = buy ? m->quote_addr : m->base_addr;
	s->token_out = buy ? m->base_addr : m->quote_addr;
	s->amount_in = *amount_in;
	u256_muldiv(&s->amount_out_min, exp, &f, &tenk);
	s->deadline = (uint64_t)(engine_wall_ms() / 1000) +
	    (uint64_t)e->cfg->chain.deadline_s;
	if (t->block_time > 0 && t->block_time + (uint64_t)e->cfg->chain.
	    deadline_s > s->deadline)
		s->deadline = t->block_time +
		    (uint64_t)e->cfg->chain.deadline_s;
	return 0;
}

static void
ord_live_send(struct engine *e, struct ord *o)
{
	const struct stratd_tick	*t;
	struct mkt			*m = o->m;
	struct rt			*r;
	struct live_swap		 s;
	struct txmgr_tx			 tx;
	struct txmgr_error		 err;
	char				 why[WHY_MAX], intent[48];
	char				 a[U256_DEC_MAX + 2],
	    b[U256_DEC_MAX + 2];
	const struct addr		*tin;
	u256				 bal, exp, rb, rq;
	int				 st, slip;

	if (e->core->halted)
		return;		/* the emergency stop cancels it */
	if (o->sid > 0 && (r = engine_rt_find(e, o->sid)) != NULL &&
	    r->status != STRAT_ACTIVE)
		return;		/* paused: waits; stopped: cancelled */
	if (!live_ready(e->live)) {
		snprintf(why, sizeof(why), "live mode unavailable: %s",
		    live_why(e->live));
		engine_ord_fail(e, o, "failed", why, NULL);
		return;
	}
	if (!m->has_addr) {
		engine_ord_fail(e, o, "failed",
		    "token addresses of the market are "
		    "not configured", NULL);
		return;
	}
	if (o->tries > WAIT_TRIES_MAX) {
		engine_ord_fail(e, o, "failed",
		    "could not be sent (node or database "
		    "unavailable)", NULL);
		return;
	}
	tin = o->buy ? &m->quote_addr : &m->base_addr;
	why[0] = '\0';
	if ((st = live_approval(e->live, tin, &o->amount_in, why,
	    sizeof(why))) == -1) {
		o->tries++;	/* the node: again at the next poll */
		return;
	}
	if (st == LIVE_APPROVING)
		return;		/* again at the next poll */
	if (st == LIVE_APPROVE_FAILED) {
		engine_ord_fail(e, o, "failed", why, NULL);
		return;
	}
	if (live_balance(e->live, tin, &bal) == -1) {
		o->tries++;
		return;
	}
	if (u256_cmp(&bal, &o->amount_in) < 0) {
		u256_format_units(&bal, o->buy ? m->quote_dec : m->base_dec, a);
		u256_format_units(&o->amount_in, o->buy ? m->quote_dec :
		    m->base_dec, b);
		snprintf(why, sizeof(why), "insufficient balance: %s %s in the "
		    "wallet, order needs %s", a, o->buy ? m->quote : m->base,
		        b);
		engine_ord_fail(e, o, "failed", why, NULL);
		return;
	}
	if ((t = engine_fresh_tick(e, m)) == NULL)
		return;		/* no order on a stale price */
	if (engine_swap_of(e, m, o->buy, &o->amount_in, o->slippage_bps, t, &s,
	    &exp,
	    &rb, &rq, &slip) == -1) {
		engine_ord_fail(e, o, "failed",
		    "the pool pays nothing for this "
		    "amount", NULL);
		return;
	}
	engine_intent_of(o->id, intent, sizeof(intent));
	s.intent = intent;
	o->r_base = rb;
	o->r_quote = rq;
	o->has_r = 1;
	s.fresh = o->fresh;
	o->fresh = 0;
	if (live_submit(e->live, &s, &tx, &err) == -1) {
		switch (err.code) {
		case TXMGR_E_RPC:
		case TXMGR_E_DB:
		case TXMGR_E_EMERGENCY:
			o->tries++;
			log_warnx("order not sent yet id=%lld error=\"%s\"",
			    o->id, err.msg);
			return;
		default:
			snprintf(why, sizeof(why), "%s%s%s", err.msg,
			    err.reason[0] ? ": " : "", err.reason);
			engine_ord_fail(e, o, "failed", why, NULL);
			return;
		}
	}
	/* Projected: the pool after this swap, for the next one. */
	{
		u256	pi = o->buy ? rq : rb, po = o->buy ? rb : rq;

		if (amm_apply_swap(&pi, &po, &o->amount_in, &exp) == 0) {
			m->proj_quote = o->buy ? pi : po;
			m->proj_base = o->buy ? po : pi;
		}
	}
	o->stage = O_SUBMITTED;
	o->tries = 0;
	if (ledger_submitted(e->db, o->id, tx.id, &s.amount_out_min, slip,
	    s.deadline) == -1)
		log_warnx("order %lld: transaction %lld not linked yet: %s",
		    o->id, (long long)tx.id, db_error(e->db));
	log_info("order submitted id=%lld strategy=%lld side=%s tx_id=%lld "
	    "nonce=%llu status=%s", o->id, o->sid, o->buy ? "buy" : "sell",
	    (long long)tx.id, (unsigned long long)tx.nonce,
	    txmgr_status_name(tx.status));
}

/* A submitted live order: its transaction's outcome. */
void
engine_ord_live_check(struct engine *e, struct ord *o)
{
	struct txmgr_tx	 tx;
	struct mkt	*m = o->m;
	char		 intent[48], why[WHY_MAX];
	u256		 in, out, gw, gu;
	int		 k;

	engine_intent_of(o->id, intent, sizeof(intent));
	if ((k = live_status(e->live, intent, &tx)) != 1)
		return;
	switch (tx.status) {
	case TXMGR_MINED:
		k = live_receipt(e->live, &tx, o->buy ? &m->quote_addr :
		    &m->base_addr, o->buy ? &m->base_addr : &m->quote_addr, &in,
		    &out);
		if (k == -1)
			return;
		gu = u256_from_u64(tx.gas_used);
		if (u256_mul(&gw, &gu, &tx.effective_gas_price) == -1)
			gw = u256_from_u64(0);
		if (k == -2) {
			log_warnx("order %lld: mined transaction %lld moved no "
			    "token to the wallet", o->id, (long long)tx.id);
			engine_ord_fail(e, o, "failed",
			    "mined, but the receipt shows "
			    "no swap output", &gw);
			return;
		}
		ord_fill(e, o, &in, &out, tx.gas_used, &gw, tx.block_number);
		return;
	case TXMGR_FAILED:
		if (tx.has_block) {
			gu = u256_from_u64(tx.gas_used);
			if (u256_mul(&gw, &gu, &tx.effective_gas_price) == -1)
				gw = u256_from_u64(0);
			snprintf(why, sizeof(why), "reverted: %s",
			    tx.revert_reason[0] ? tx.revert_reason :
			    "no reason");
			engine_ord_fail(e, o, "failed", why, &gw);
		} else {
			snprintf(why, sizeof(why), "not mined: %s", tx.error);
			engine_ord_fail(e, o, "failed", why, NULL);
		}
		return;
	case TXMGR_DROPPED:
		if (e->held)
			engine_ord_fail(e, o, "cancelled",
			    "emergency stop: its "
			    "transaction was dropped or cancelled", NULL);
		else
			engine_ord_fail(e, o, "failed", "transaction dropped",
			    NULL);
		return;
	default:
		return;		/* still in flight */
	}
}

void
engine_ord_step(struct engine *e, struct ord *o, const struct stratd_tick *t)
{
	if (o->live) {
		if (o->stage == O_SUBMITTED)
			engine_ord_live_check(e, o);
		else
			ord_live_send(e, o);
	} else if (!e->core->halted)
		engine_ord_paper(e, o, t);
}

struct ord *
engine_ord_new(struct engine *e, long long id, struct mkt *m, long long sid)
{
	struct ord	*o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->id = id;
	o->m = m;
	o->sid = sid;
	o->slippage_bps = -1;
	o->next = e->ords;
	e->ords = o;
	return o;
}
