/*
 * engine.c: stratd's trading engine (see engine.h and docs/STRATD.md).
 *
 * Objects: a market (struct mkt: tokens and addresses of a [market]), a
 * strategy's runtime (struct rt: its grid engine and status), an order in
 * flight (struct ord: an orders row that is pending or submitted). The
 * database is the truth; memory is rebuilt from it whenever a write
 * fails (rt_reload), and the recovery that runs at start-up is the same
 * code, so a crash anywhere is just an early reload.
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

#define SYNC_MS		2000	/* periodic sync with the database */
#define ASK_MS		1000	/* price requests to marketd, at most */
#define ASK_BACKOFF_MS	10000	/* after marketd did not answer */
#define ASK_TIMEOUT_MS	500
#define WAIT_TRIES_MAX	50	/* a live order that cannot be sent */
#define WHY_MAX		512

struct mkt {
	char		 symbol[48];
	char		 base[40], quote[40];	/* token names */
	struct addr	 base_addr, quote_addr;
	int		 has_addr;
	unsigned	 base_dec, quote_dec, fee_bps;
	int		 bnb;		/* index of the WBNB/quote market, -1 */
	/* Reserves projected past our own swaps of the current block. */
	uint64_t	 proj_block;
	u256		 proj_base, proj_quote;
};

struct rt {
	long long		 id;
	char			 name[64];
	struct mkt		*m;
	int			 live;
	enum strat_status	 status;
	struct grid		*g;
	char			*params;	/* as stored */
	char			 params_md5[40];
	struct grid_order	*obuf;
	size_t			 ocap;
	int			 dirty;		/* state changed, unsaved */
	struct ledger_levels	 lv;		/* its grid_levels rows */
	char			 unreal[PNL_DEC_MAX];	/* last written */
};

enum ord_stage { O_WAIT = 0, O_SUBMITTED };

struct ord {
	long long		 id;
	long long		 sid;		/* 0: standalone */
	long long		 cond_id;
	int			 is_grid;
	struct grid_order	 go;
	struct mkt		*m;
	int			 buy, live;
	u256			 amount_in;
	enum ord_stage		 stage;
	int			 slippage_bps;	/* -1: config */
	u256			 r_base, r_quote; /* at decision */
	int			 has_r;
	int			 tries;
	int			 fresh;		/* made by this process, not
						 * yet handed to txmgr */
	struct ord		*next;
};

struct engine {
	struct stratd_core	*core;
	struct config		*cfg;
	struct db		*db;
	void			*zctx;
	struct bus_sub		*sub;
	struct ticks		*ticks;
	struct live		*live;
	struct paper_model	 paper;
	struct mkt		 mkts[CONFIG_MAX_MARKETS];
	int			 nmkts;
	struct rt		**rts;
	size_t			 nrt, caprt;
	struct ord		*ords;
	struct cond_set		*conds;
	unsigned		 gen;		/* rts changed */
	int			 held;		/* live_halt done */
	int			 started;
	long long		 next_sync_ms, next_pnl_ms, next_ask_ms;
	long long		 ask_down_until;	/* marketd silent */
	/* counters for status */
	unsigned long		 n_ticks, n_stale, n_bad, n_placed, n_fills,
				 n_failed, n_refused, n_cond_fired, n_warmed;
};

/* --- small helpers --- */

static long long
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct mkt *
mkt_find(struct engine *e, const char *symbol)
{
	int	i;

	for (i = 0; i < e->nmkts; i++)
		if (strcmp(e->mkts[i].symbol, symbol) == 0)
			return &e->mkts[i];
	return NULL;
}

static void
mkts_build(struct engine *e)
{
	const struct config	*c = e->cfg;
	struct addr		 wbnb;
	int			 i, j, has_wbnb;

	has_wbnb = c->chain.wbnb != NULL && addr_parse(&wbnb, c->chain.wbnb) ==
	    0;
	e->nmkts = 0;
	for (i = 0; i < c->nmarkets; i++) {
		const struct config_market	*cm = &c->markets[i];
		const struct config_token	*b, *q;
		struct mkt			*m = &e->mkts[e->nmkts];

		if ((b = config_token(c, cm->base)) == NULL ||
		    (q = config_token(c, cm->quote)) == NULL)
			continue;
		memset(m, 0, sizeof(*m));
		snprintf(m->symbol, sizeof(m->symbol), "%s", cm->symbol);
		snprintf(m->base, sizeof(m->base), "%s", b->name);
		snprintf(m->quote, sizeof(m->quote), "%s", q->name);
		m->base_dec = (unsigned)b->decimals;
		m->quote_dec = (unsigned)q->decimals;
		m->fee_bps = (unsigned)cm->fee_bps;
		m->has_addr = b->address != NULL && q->address != NULL &&
		    addr_parse(&m->base_addr, b->address) == 0 &&
		    addr_parse(&m->quote_addr, q->address) == 0;
		m->bnb = -1;
		e->nmkts++;
	}
	/* The market pricing gas (BNB) in each quote token. */
	for (i = 0; i < e->nmkts; i++)
		for (j = 0; j < e->nmkts; j++)
			if (strcmp(e->mkts[j].quote, e->mkts[i].quote) == 0 &&
			    e->mkts[j].has_addr && has_wbnb &&
			    addr_eq(&e->mkts[j].base_addr, &wbnb) &&
			    e->mkts[j].base_dec == 18) {
				e->mkts[i].bnb = j;
				break;
			}
}

static int ask_price(struct engine *, const char *, int);

/* gas_wei in quote base units at the BNB market's latest price. */
static void
gas_to_quote(struct engine *e, struct mkt *m, const u256 *wei,
    u256 *quote)
{
	const struct stratd_tick	*t;

	*quote = u256_from_u64(0);
	if (m->bnb < 0 || u256_is_zero(wei))
		return;
	if ((t = ticks_last(e->ticks, e->mkts[m->bnb].symbol)) == NULL &&
	    daemon_now_ms() >= e->ask_down_until) {
		/* No BNB tick yet (the first trade after a start). */
		if (ask_price(e, e->mkts[m->bnb].symbol, 0) == -1)
			e->ask_down_until = daemon_now_ms() + ASK_BACKOFF_MS;
		t = ticks_last(e->ticks, e->mkts[m->bnb].symbol);
	}
	if (t == NULL)
		return;
	if (pnl_value(wei, &t->r_base, &t->r_quote, quote) == -1)
		*quote = u256_from_u64(0);
}

/* --- runtimes --- */

static struct rt *
rt_find(struct engine *e, long long id)
{
	size_t	i;

	for (i = 0; i < e->nrt; i++)
		if (e->rts[i]->id == id)
			return e->rts[i];
	return NULL;
}

static void
rt_free(struct rt **rp)
{
	struct rt	*r = *rp;

	if (r == NULL)
		return;
	grid_free(&r->g);
	ledger_levels_free(&r->lv);
	free(r->params);
	free(r->obuf);
	free(r);
	*rp = NULL;
}

static void
rt_remove(struct engine *e, struct rt *r)
{
	size_t	i;

	for (i = 0; i < e->nrt; i++)
		if (e->rts[i] == r) {
			e->rts[i] = e->rts[--e->nrt];
			break;
		}
	e->gen++;
	rt_free(&r);
}

static int
rt_add(struct engine *e, struct rt *r)
{
	if (e->nrt == e->caprt) {
		size_t		 cap = e->caprt ? e->caprt * 2 : 64;
		struct rt	**t = realloc(e->rts, cap * sizeof(*t));

		if (t == NULL)
			return -1;
		e->rts = t;
		e->caprt = cap;
	}
	e->rts[e->nrt++] = r;
	e->gen++;
	return 0;
}

/* --- orders in flight --- */

static struct ord *
ord_find(struct engine *e, long long id)
{
	struct ord	*o;

	for (o = e->ords; o != NULL; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

static void
ord_unlink(struct engine *e, struct ord *x)
{
	struct ord	**pp;

	for (pp = &e->ords; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			free(x);
			return;
		}
}

static int
rt_has_orders(struct engine *e, long long sid)
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

static void
intent_of(long long id, char *buf, size_t len)
{
	snprintf(buf, len, "order:%lld", id);
}

/*
 * The ids of the orders in flight that match (live: 1 live, 0 paper, -1
 * both; stage -1: any; m NULL: any market), in a new array (caller
 * frees; NULL when none), count in *n. Steps that may change the list
 * iterate over such a snapshot.
 */
static long long *
ord_ids(struct engine *e, int live, int stage, const struct mkt *m, size_t *n)
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
static double
last_mid(struct engine *e, const struct mkt *m)
{
	const struct stratd_tick	*t = ticks_last(e->ticks, m->symbol);

	return t != NULL ? t->mid : 0.0;
}

/* --- persisting a runtime --- */

/* Save the grid's state outside any transaction (arming changes). */
static void
rt_save(struct engine *e, struct rt *r, double price)
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

static void
rt_risk(struct engine *e, struct rt *r)
{
	char	why[WHY_MAX];

	if (r->status != STRAT_ACTIVE)
		return;
	if (risk_check_strategy(e->db, e->cfg, r->id, why, sizeof(why)) == 1)
		rt_set_status(e, r, STRAT_PAUSED, why);
}

/* A grid that a stop bound stopped: the strategy stops too. */
static void
rt_check_stopped(struct engine *e, struct rt *r)
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
	return o->sid > 0 ? rt_find(e, o->sid) : NULL;
}

static void rt_reload(struct engine *, long long);
static long long max_age_ms(const struct config *);

/*
 * o failed (status "failed") or was cancelled: its grid cell returns,
 * one transaction records it. gas_wei: what a reverted transaction cost.
 */
static void
ord_fail(struct engine *e, struct ord *o, const char *status,
    const char *why, const u256 *gas_wei)
{
	struct rt		*r = ord_rt(e, o);
	struct pnl_delta	 d;
	char			 gq[PNL_DEC_MAX];
	u256			 g = u256_from_u64(0);
	long long		 id = o->id, sid = o->sid;
	int			 k, is_grid = o->is_grid;

	if (gas_wei != NULL)
		gas_to_quote(e, o->m, gas_wei, &g);
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
		ord_unlink(e, o);
		if (is_grid)
			rt_reload(e, sid);
		return;
	}
	if (o->cond_id > 0 && ledger_cond_final(e->db, o->cond_id, 0, why) ==
	    -1)
		goto dbfail;
	if (is_grid && r != NULL && r->g != NULL &&
	    ledger_save_grid(e->db, r->id, r->g, last_mid(e, o->m),
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
	ord_unlink(e, o);
	if (r != NULL) {
		r->dirty = 0;
		rt_risk(e, r);
	}
	return;
dbfail:
	log_warnx("cannot record the failure of order %lld: %s", id,
	    db_error(e->db));
	db_rollback(e->db);
	if ((r = rt_find(e, sid)) != NULL)
		ledger_levels_forget(&r->lv);
reload:
	/* The order stays as the database has it; memory follows. */
	if (is_grid)
		rt_reload(e, sid);
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
	char			 gq[PNL_DEC_MAX], rl[PNL_DEC_MAX], vol[PNL_DEC_MAX];
	u256			 gasq, volume;
	long long		 id = o->id, sid = o->sid;
	int			 k, is_grid = o->is_grid;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	if (o->has_r)
		pnl_costs(o->buy, in, out, &o->r_base, &o->r_quote, m->fee_bps,
		    &c);
	gas_to_quote(e, m, gas_wei, &gasq);
	volume = o->buy ? *in : *out;
	if (is_grid && r != NULL && r->g != NULL) {
		memset(&gf, 0, sizeof(gf));
		gf.amount_in = *in;
		gf.amount_out = *out;
		gf.fee = c.fee_quote;
		gf.gas = gasq;
		gf.slippage = c.slippage_quote;
		gf.t_ms = wall_ms();
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
		ord_unlink(e, o);
		if (is_grid)
			rt_reload(e, sid);
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
	    ledger_save_grid(e->db, r->id, r->g, last_mid(e, m),
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
	ord_unlink(e, o);
	if (r != NULL) {
		r->dirty = 0;
		rt_risk(e, r);
		rt_check_stopped(e, r);
	}
	return;
dbfail:
	log_warnx("cannot record the fill of order %lld%s: %s", id,
	    k == 0 ? " (paper balance short)" : "", db_error(e->db));
	db_rollback(e->db);
	if ((r = rt_find(e, sid)) != NULL)
		ledger_levels_forget(&r->lv);
reload:
	if (is_grid)
		rt_reload(e, sid);
}

/* --- executing --- */

static const struct stratd_tick *
fresh_tick(struct engine *e, const struct mkt *m)
{
	return ticks_fresh(e->ticks, m->symbol, daemon_now_ms());
}

static void
ord_paper(struct engine *e, struct ord *o, const struct stratd_tick *t)
{
	struct mkt	*m = o->m;
	struct rt	*r;
	u256		 out, bal, gas;
	uint64_t	 gu;
	char		 why[WHY_MAX], a[U256_DEC_MAX + 2], b[U256_DEC_MAX + 2];

	if (t == NULL)
		return;		/* waits for a fresh price */
	if (o->sid > 0 && (r = rt_find(e, o->sid)) != NULL &&
	    r->status != STRAT_ACTIVE)
		return;		/* paused: waits; stopped: cancelled */
	o->r_base = t->r_base;
	o->r_quote = t->r_quote;
	o->has_r = 1;
	if (paper_swap(o->buy, &o->amount_in, &t->r_base, &t->r_quote,
	    m->fee_bps, &out) == -1) {
		ord_fail(e, o, "failed", "the pool pays nothing for this amount",
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
			snprintf(why, sizeof(why), "insufficient paper balance: "
			    "%s %s, order needs %s", a, o->buy ? m->quote :
			    m->base, b);
			ord_fail(e, o, "failed", why, NULL);
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
static int
swap_of(struct engine *e, struct mkt *m, int buy, const u256 *amount_in,
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
	s->deadline = (uint64_t)(wall_ms() / 1000) +
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
	char				 a[U256_DEC_MAX + 2], b[U256_DEC_MAX + 2];
	const struct addr		*tin;
	u256				 bal, exp, rb, rq;
	int				 st, slip;

	if (e->core->halted)
		return;		/* the emergency stop cancels it */
	if (o->sid > 0 && (r = rt_find(e, o->sid)) != NULL &&
	    r->status != STRAT_ACTIVE)
		return;		/* paused: waits; stopped: cancelled */
	if (!live_ready(e->live)) {
		snprintf(why, sizeof(why), "live mode unavailable: %s",
		    live_why(e->live));
		ord_fail(e, o, "failed", why, NULL);
		return;
	}
	if (!m->has_addr) {
		ord_fail(e, o, "failed", "token addresses of the market are "
		    "not configured", NULL);
		return;
	}
	if (o->tries > WAIT_TRIES_MAX) {
		ord_fail(e, o, "failed", "could not be sent (node or database "
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
		ord_fail(e, o, "failed", why, NULL);
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
		    "wallet, order needs %s", a, o->buy ? m->quote : m->base, b);
		ord_fail(e, o, "failed", why, NULL);
		return;
	}
	if ((t = fresh_tick(e, m)) == NULL)
		return;		/* no order on a stale price */
	if (swap_of(e, m, o->buy, &o->amount_in, o->slippage_bps, t, &s, &exp,
	    &rb, &rq, &slip) == -1) {
		ord_fail(e, o, "failed", "the pool pays nothing for this "
		    "amount", NULL);
		return;
	}
	intent_of(o->id, intent, sizeof(intent));
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
			ord_fail(e, o, "failed", why, NULL);
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
static void
ord_live_check(struct engine *e, struct ord *o)
{
	struct txmgr_tx	 tx;
	struct mkt	*m = o->m;
	char		 intent[48], why[WHY_MAX];
	u256		 in, out, gw, gu;
	int		 k;

	intent_of(o->id, intent, sizeof(intent));
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
			ord_fail(e, o, "failed", "mined, but the receipt shows "
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
			ord_fail(e, o, "failed", why, &gw);
		} else {
			snprintf(why, sizeof(why), "not mined: %s", tx.error);
			ord_fail(e, o, "failed", why, NULL);
		}
		return;
	case TXMGR_DROPPED:
		if (e->held)
			ord_fail(e, o, "cancelled", "emergency stop: its "
			    "transaction was dropped or cancelled", NULL);
		else
			ord_fail(e, o, "failed", "transaction dropped", NULL);
		return;
	default:
		return;		/* still in flight */
	}
}

static void
ord_step(struct engine *e, struct ord *o, const struct stratd_tick *t)
{
	if (o->live) {
		if (o->stage == O_SUBMITTED)
			ord_live_check(e, o);
		else
			ord_live_send(e, o);
	} else if (!e->core->halted)
		ord_paper(e, o, t);
}

static struct ord *
ord_new(struct engine *e, long long id, struct mkt *m, long long sid)
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
	    (t = fresh_tick(e, r->m)) == NULL)
		return;
	for (i = 0; i < n && !it[i].ok; i++)
		;
	if (i == n)
		return;
	g = &r->obuf[i];
	if (swap_of(e, r->m, g->side == GRID_BUY, &g->amount_in, -1, t, &s,
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
		rt_reload(e, sid);
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
		if ((o = ord_new(e, lo[i].id, r->m, r->id)) == NULL)
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

		if (it[i].ok && (o = ord_find(e, lo[i].id)) != NULL)
			ord_step(e, o, t);
	}
	free(lo);
	free(it);
	if (nrefused > 0 && (r = rt_find(e, sid)) != NULL)
		rt_risk(e, r);
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
	rt_reload(e, sid);
}

static void
rt_observe(struct engine *e, struct rt *r, const struct stratd_tick *t)
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
	n = grid_observe(r->g, t->mid, wall_ms(), r->obuf, r->ocap);
	if (n < 0)
		return;
	if (n > 0)
		rt_place(e, r, t, n);
	else
		r->dirty = 1;	/* arming changed: saved by the poll */
	/* A reload (a failed write) replaced the runtime. */
	if (e->gen != gen && (r = rt_find(e, id)) == NULL)
		return;
	rt_check_stopped(e, r);
}

/* --- conditional orders --- */

static void
cond_check(struct engine *e, struct mkt *m, const struct stratd_tick *t)
{
	long long	*ids, now_s = wall_ms() / 1000, oid;
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
		if (c.strategy_id > 0 && ((r = rt_find(e, c.strategy_id)) ==
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
		if ((o = ord_new(e, oid, m, c.strategy_id)) == NULL)
			continue;
		o->cond_id = c.id;
		o->fresh = 1;
		o->buy = cond_is_buy(c.kind);
		o->live = c.live;
		o->amount_in = c.amount;
		o->slippage_bps = c.slippage_bps;
		if (refused)
			ord_fail(e, o, "failed", why, NULL);
		else
			ord_step(e, o, t);
	}
	free(ids);
}

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
	if ((o = ord_find(e, row.id)) != NULL) {
		o->go = go;
		o->is_grid = 1;
		return 0;
	}
	if ((o = ord_new(e, row.id, r->m, r->id)) == NULL)
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
		intent_of(row.id, intent, sizeof(intent));
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
static struct rt *
rt_load(struct engine *e, long long id)
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
		return rt_find(e, id);	/* database down: keep what we have */
	old = rt_find(e, id);
	if (PQntuples(res) != 1 || store_status_parse(PQgetvalue(res, 0, 3),
	    &st) == -1) {
		PQclear(res);
		if (old != NULL && !rt_has_orders(e, id))
			rt_remove(e, old);
		return NULL;
	}
	if (st == STRAT_STOPPED && strcmp(PQgetvalue(res, 0, 8), "t") != 0 &&
	    !rt_has_orders(e, id)) {
		PQclear(res);
		if (old != NULL)
			rt_remove(e, old);
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
	if ((r->m = mkt_find(e, PQgetvalue(res, 0, 1))) == NULL ||
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
		rt_remove(e, old);
	if (rt_add(e, r) == -1)
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
			rt_remove(e, r);
			return NULL;
		}
		changed |= k;
	}
	if (changed || fresh)
		rt_save(e, r, last_mid(e, r->m));
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
	rt_free(&r);
	if (old != NULL && !rt_has_orders(e, id))
		rt_remove(e, old);
	return rt_find(e, id);
}

/* Memory follows the database again for strategy sid. */
static void
rt_reload(struct engine *e, long long sid)
{
	struct ord	*o, *next;

	if (sid <= 0)
		return;
	/* Orders of the strategy are re-read from the state. */
	for (o = e->ords; o != NULL; o = next) {
		next = o->next;
		if (o->sid == sid && o->is_grid)
			ord_unlink(e, o);
	}
	rt_load(e, sid);
}

/* --- the periodic sync --- */

/* Orders waiting to be sent that the database finished meanwhile
 * (cancelled by a stop or the emergency stop). */
static void
sync_waiting(struct engine *e)
{
	struct ord	*o;
	long long	*ids, sid;
	size_t		 i, n;
	char		 ib[24], st[16];
	const char	*p[1] = { ib };

	if ((ids = ord_ids(e, -1, O_WAIT, NULL, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((o = ord_find(e, ids[i])) == NULL)
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
		ord_unlink(e, o);
		if (sid > 0)
			rt_reload(e, sid);
	}
	free(ids);
}

static void
sync_all(struct engine *e)
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
		struct rt		*x = rt_find(e, id);
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
		if (!found && !rt_has_orders(e, x->id)) {
			rt_remove(e, x);
			continue;
		}
		i++;
	}
	free(seen);
	sync_waiting(e);
	if (!e->core->halted)
		cond_set_load(e->conds, e->db);
	else
		cond_set_clear(e->conds, 0);
}

/* Unrealized PnL of every strategy holding something, and the limits. */
static void
pnl_marks(struct engine *e)
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
			rt_save(e, r, t->mid);
		rt_risk(e, r);
	}
}

/* --- the public face --- */

static void
hook_strategy(struct stratd_core *c, long long id)
{
	engine_strategy_changed(c->engine, id);
}

static void
hook_conditional(struct stratd_core *c, long long id)
{
	engine_conditional_changed(c->engine, id);
}

static void
hook_halt(struct stratd_core *c)
{
	engine_halt(c->engine);
}

static int
hook_price(struct stratd_core *c, const char *symbol, double *out)
{
	return engine_price(c->engine, symbol, out);
}

static long long
max_age_ms(const struct config *c)
{
	if (c->strat.tick_max_age_ms > 0)
		return c->strat.tick_max_age_ms;
	return (long long)c->market.stale_blocks * c->chain.block_time_ms;
}

struct engine *
engine_new(struct stratd_core *core, void *zctx, char *err, size_t errlen)
{
	struct engine	*e;

	if (risk_check_config(core->cfg, err, errlen) == -1)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->core = core;
	e->cfg = core->cfg;
	e->db = core->db;
	e->zctx = zctx;
	if (paper_model_init(&e->paper, e->cfg) == -1 ||
	    (e->ticks = ticks_new(max_age_ms(e->cfg))) == NULL ||
	    (e->conds = cond_set_new()) == NULL ||
	    (e->live = live_new(e->cfg)) == NULL) {
		snprintf(err, errlen, "stratd engine: out of memory or bad "
		    "[stratd] paper_gas_price_gwei");
		engine_free(&e);
		return NULL;
	}
	mkts_build(e);
	core->engine = e;
	core->on_strategy = hook_strategy;
	core->on_conditional = hook_conditional;
	core->on_halt = hook_halt;
	core->price = hook_price;
	return e;
}

void
engine_free(struct engine **ep)
{
	struct engine	*e;
	struct ord	*o, *n;
	size_t		 i;

	if (ep == NULL || (e = *ep) == NULL)
		return;
	for (i = 0; i < e->nrt; i++)
		rt_free(&e->rts[i]);
	free(e->rts);
	for (o = e->ords; o != NULL; o = n) {
		n = o->next;
		free(o);
	}
	bus_sub_free(&e->sub);
	ticks_free(&e->ticks);
	cond_set_free(&e->conds);
	live_free(&e->live);
	if (e->core != NULL && e->core->engine == e) {
		e->core->engine = NULL;
		e->core->on_strategy = NULL;
		e->core->on_conditional = NULL;
		e->core->on_halt = NULL;
		e->core->price = NULL;
	}
	free(e);
	*ep = NULL;
}

/* Load everything from the database (start-up, or when it came back). */
static int
load_all(struct engine *e)
{
	struct ledger_row	*rows = NULL;
	size_t			 n = 0, i;
	PGresult		*r;
	int			 k;

	if (db_ensure(e->db) == -1)
		return -1;
	if (cond_set_load(e->conds, e->db) == -1 ||
	    ledger_open_orders(e->db, &rows, &n) == -1)
		goto fail;
	if ((r = db_query(e->db, "SELECT id FROM strategies WHERE type = "
	    "'grid' AND (status IN ('active', 'paused') OR id IN (SELECT "
	    "strategy_id FROM orders WHERE status IN ('pending', 'submitted') "
	    "AND strategy_id IS NOT NULL)) ORDER BY id", 0, NULL)) == NULL)
		goto fail;
	for (k = 0; k < PQntuples(r); k++)
		rt_load(e, strtoll(PQgetvalue(r, k, 0), NULL, 10));
	PQclear(r);
	/* Orders in flight that no grid state names: conditional ones (or
	 * a grid's whose strategy could not load: executed without it). */
	for (i = 0; i < n; i++) {
		struct ord	*o;
		struct mkt	*m;

		if (ord_find(e, rows[i].id) != NULL)
			continue;
		if (rows[i].grid_order_id > 0 && rt_find(e,
		    rows[i].strategy_id) != NULL)
			continue;	/* its state says it is not in flight */
		if ((m = mkt_find(e, rows[i].symbol)) == NULL ||
		    (o = ord_new(e, rows[i].id, m, rows[i].strategy_id)) ==
		    NULL)
			continue;
		o->cond_id = rows[i].cond_id;
		o->buy = strcmp(rows[i].side, "buy") == 0;
		o->live = strcmp(rows[i].mode, "live") == 0;
		o->amount_in = rows[i].amount_in;
		o->slippage_bps = rows[i].slippage_bps;
		o->stage = rows[i].tx_id > 0 ? O_SUBMITTED : O_WAIT;
		if (o->live && o->stage == O_WAIT && live_ready(e->live)) {
			struct txmgr_tx	tx;
			char		intent[48];

			intent_of(o->id, intent, sizeof(intent));
			if (live_status(e->live, intent, &tx) == 1) {
				o->stage = O_SUBMITTED;
				ledger_link_tx(e->db, o->id, tx.id);
			}
		}
		log_info("order in flight recovered id=%lld strategy=%lld "
		    "conditional=%lld", o->id, o->sid, o->cond_id);
	}
	free(rows);
	e->started = 1;
	log_info("engine loaded strategies=%zu orders_in_flight=%d "
	    "conditional_open=%zu live=%s", e->nrt, engine_inflight(e),
	    cond_set_count(e->conds), live_ready(e->live) ? "ready" :
	    live_why(e->live));
	return 0;
fail:
	free(rows);
	log_warnx("engine: cannot load from the database: %s",
	    db_error(e->db));
	return -1;
}

int
engine_start(struct engine *e)
{
	const struct config_daemon	*md = config_daemon(e->cfg, "marketd");
	int				 rc;

	if (e->core->halted) {
		e->held = 1;
		live_start(e->live, 1);
	} else
		live_start(e->live, 0);
	rc = load_all(e);
	if ((e->sub = bus_sub_new(e->zctx)) == NULL ||
	    bus_sub_connect(e->sub, md->pub, "tick.") == -1 ||
	    zmq_setsockopt(bus_sub_socket(e->sub), ZMQ_SUBSCRIBE, "feed.stale",
	    10) == -1) {
		log_warnx("cannot subscribe to marketd at %s", md->pub);
		return -1;
	}
	log_info("subscribed to marketd pub=%s tick_max_age_ms=%lld", md->pub,
	    max_age_ms(e->cfg));
	e->next_sync_ms = daemon_now_ms() + SYNC_MS;
	e->next_pnl_ms = daemon_now_ms() + e->cfg->strat.pnl_interval_ms;
	return rc;
}

void *
engine_socket(struct engine *e)
{
	return e->sub != NULL ? bus_sub_socket(e->sub) : NULL;
}

void
engine_drain(struct engine *e)
{
	struct bus_event	ev;
	const char		*t, *b;
	size_t			 tl, bl;
	int			 budget = 1024;

	while (budget-- > 0 && e->sub != NULL &&
	    bus_sub_recv(e->sub, &ev, ZMQ_DONTWAIT) == 1) {
		t = bus_event_topic(&ev, &tl);
		b = bus_event_body(&ev, &bl);
		engine_event(e, t, tl, b, bl);
		bus_event_close(&ev);
	}
}

/*
 * Ask marketd for symbol's latest tick (market.price) and take it as if it
 * had been published: after a restart, or when no block came for a while
 * (ticks come with blocks), the grids observe the pool's current state at
 * once instead of at the next block. marketd's stale flag is kept, so a
 * stale pool still decides nothing. act 0: only keep the price (no
 * decision: the caller is in the middle of one). Returns 0 or -1 (no
 * answer).
 */
static int
ask_price(struct engine *e, const char *symbol, int act)
{
	const struct config_daemon	*md = config_daemon(e->cfg, "marketd");
	cJSON				*req, *rep, *dex;
	char				*body, *reply = NULL, topic[64];
	int				 rc = -1;

	if ((req = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(req, "cmd", "market.price");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "args"), "symbol",
	    symbol);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (body == NULL)
		return -1;
	if (bus_request(e->zctx, md->ctl, body, strlen(body), ASK_TIMEOUT_MS,
	    0, &reply, NULL) == 0) {
		rep = cJSON_Parse(reply);
		dex = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "data"),
		    "dex");
		if (cJSON_IsTrue(cJSON_GetObjectItem(rep, "ok")))
			rc = 0;
		if (cJSON_IsObject(dex)) {
			char			*t = cJSON_PrintUnformatted(dex);
			struct stratd_tick	 tk;
			char			 err[128];

			snprintf(topic, sizeof(topic), "tick.%s", symbol);
			if (t != NULL && act)
				engine_event(e, topic, strlen(topic), t,
				    strlen(t));
			else if (t != NULL && ticks_parse(t, strlen(t), &tk,
			    err, sizeof(err)) == 0 &&
			    strcmp(tk.symbol, symbol) == 0)
				ticks_put(e->ticks, &tk, daemon_now_ms());
			free(t);
		}
		cJSON_Delete(rep);
	}
	free(reply);
	free(body);
	return rc;
}

/* Markets someone trades on whose price is missing or getting old (the
 * BNB markets first: they price the gas of the others' fills). */
static void
ask_prices(struct engine *e)
{
	const struct stratd_tick	*t;
	long long			 now = daemon_now_ms();
	long long			 age = max_age_ms(e->cfg) / 2;
	size_t				 i;
	int				 k, j, want, pass;

	if (now < e->ask_down_until)
		return;
	for (j = 0; j < 2 * e->nmkts; j++) {
		pass = j / e->nmkts;
		k = j % e->nmkts;
		want = 0;
		for (i = 0; i < (size_t)e->nmkts && !want; i++)
			want = e->mkts[i].bnb == k;
		if (want != (pass == 0))
			continue;
		t = ticks_last(e->ticks, e->mkts[k].symbol);
		if (t != NULL && now - t->recv_ms < age)
			continue;
		want = 0;
		for (i = 0; i < e->nrt && !want; i++)
			want = e->rts[i]->m == &e->mkts[k] &&
			    e->rts[i]->status == STRAT_ACTIVE;
		for (i = 0; i < cond_set_count(e->conds) && !want; i++)
			want = strcmp(cond_set_at(e->conds, i)->symbol,
			    e->mkts[k].symbol) == 0;
		/* Gas is priced in BNB: its market too. */
		for (i = 0; i < e->nrt && !want; i++)
			want = e->rts[i]->m->bnb == k;
		if (want && ask_price(e, e->mkts[k].symbol, 1) == -1) {
			e->ask_down_until = now + ASK_BACKOFF_MS;
			return;
		}
	}
}

/* A fresh price of m: every active grid of m observes it, paper orders
 * waiting for a price fill, conditional orders are checked. */
static void
on_price(struct engine *e, struct mkt *m, const struct stratd_tick *t)
{
	struct rt	**snap;
	struct ord	*o;
	long long	*ids;
	size_t		 i, n = 0;
	unsigned	 gen = e->gen;

	if (e->nrt > 0 && (snap = calloc(e->nrt, sizeof(*snap))) != NULL) {
		for (i = 0; i < e->nrt; i++)
			if (e->rts[i]->m == m)
				snap[n++] = e->rts[i];
		for (i = 0; i < n && !e->core->halted; i++) {
			/* A reload during this loop frees runtimes. */
			if (e->gen != gen && snap[i] != rt_find(e,
			    snap[i]->id))
				continue;
			if (snap[i]->status == STRAT_ACTIVE &&
			    snap[i]->g != NULL)
				rt_observe(e, snap[i], t);
		}
		free(snap);
	}
	if ((ids = ord_ids(e, 0, O_WAIT, m, &n)) != NULL) {
		for (i = 0; i < n && !e->core->halted; i++)
			if ((o = ord_find(e, ids[i])) != NULL)
				ord_paper(e, o, t);
		free(ids);
	}
	cond_check(e, m, t);
}

void
engine_event(struct engine *e, const char *topic, size_t tl, const char *body,
    size_t bl)
{
	struct stratd_tick		 tk;
	const struct stratd_tick	*t;
	struct mkt			*m;
	char				 err[256], sym[64];
	long long			 now = daemon_now_ms();
	int				 dex, stale;

	if (tl > 5 && memcmp(topic, "tick.", 5) == 0) {
		if (ticks_parse(body, bl, &tk, err, sizeof(err)) == -1 ||
		    tl - 5 != strlen(tk.symbol) || memcmp(topic + 5, tk.symbol,
		    tl - 5) != 0) {
			if (e->n_bad++ % 100 == 0)
				log_warnx("bad tick event: %s", err);
			return;
		}
		e->n_ticks++;
		if ((t = ticks_put(e->ticks, &tk, now)) == NULL)
			return;
		if (!ticks_is_fresh(e->ticks, t, now)) {
			e->n_stale++;
			return;		/* never decide on a stale price */
		}
		if (e->core->halted || !e->started ||
		    (m = mkt_find(e, t->symbol)) == NULL)
			return;
		on_price(e, m, t);
		return;
	}
	if (tl == 10 && memcmp(topic, "feed.stale", 10) == 0) {
		if (ticks_parse_feed(body, bl, sym, sizeof(sym), &dex,
		    &stale) == 0 && dex) {
			ticks_mark(e->ticks, sym, stale);
			log_info("price feed %s symbol=%s", stale ? "STALE: no "
			    "orders" : "fresh", sym);
		}
	}
}

int
engine_poll_ms(const struct engine *e)
{
	int	ms = e->cfg->strat.poll_ms;

	if (ms <= 0)
		ms = e->cfg->chain.block_time_ms / 2;
	return ms < 50 ? 50 : ms;
}

void
engine_poll(struct engine *e)
{
	struct ord	*o;
	long long	 now = daemon_now_ms(), *ids;
	size_t		 i, n;
	int		 inflight;

	if (db_ensure(e->db) == -1)
		return;
	if (!e->started) {
		load_all(e);
		return;
	}
	/* The emergency stop was cleared (by a command or in the
	 * database): sending is allowed again. */
	if (e->held && !e->core->halted) {
		e->held = 0;
		live_release(e->live);
	}
	if (live_ready(e->live))
		live_poll(e->live, &inflight);
	/* Live orders: outcomes, and sends that waited (an approval, the
	 * node, a fresh price). */
	if ((ids = ord_ids(e, 1, -1, NULL, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if ((o = ord_find(e, ids[i])) != NULL &&
			    (o->stage == O_SUBMITTED || !e->core->halted))
				ord_step(e, o, NULL);
		free(ids);
	}
	if (now >= e->next_sync_ms) {
		e->next_sync_ms = now + SYNC_MS;
		sync_all(e);
	}
	if (now >= e->next_pnl_ms) {
		e->next_pnl_ms = now + e->cfg->strat.pnl_interval_ms;
		pnl_marks(e);
	}
	if (now >= e->next_ask_ms && !e->core->halted) {
		e->next_ask_ms = now + ASK_MS;
		ask_prices(e);
	}
}

void
engine_strategy_changed(struct engine *e, long long id)
{
	struct rt	*r;

	if (!e->started)
		return;
	if ((r = rt_find(e, id)) != NULL && r->dirty && r->g != NULL)
		rt_save(e, r, last_mid(e, r->m));
	rt_load(e, id);
	/* A stop cancels the orders never sent: forget them. */
	sync_waiting(e);
	if ((r = rt_find(e, id)) != NULL)
		log_info("strategy loaded id=%lld status=%s mode=%s symbol=%s",
		    id, store_status_name(r->status), r->live ? "live" :
		    "paper", r->m->symbol);
}

void
engine_conditional_changed(struct engine *e, long long id)
{
	if (e->started)
		cond_set_refresh(e->conds, e->db, id);
}

void
engine_halt(struct engine *e)
{
	int	dropped, kept, cancelled;

	struct ord	*o;
	long long	*ids;
	size_t		 i, n;

	/* core->halted is already set: nothing new is decided or sent. */
	if (!e->held) {
		live_halt(e->live, &dropped, &kept, &cancelled);
		e->held = 1;
	}
	cond_set_clear(e->conds, 0);
	/*
	 * Swaps already mined are recorded before the stop is acknowledged,
	 * so that its summary and `bot status` count only what is really
	 * still in flight.
	 */
	if (live_ready(e->live) && live_poll(e->live, NULL) == 0 &&
	    (ids = ord_ids(e, 1, O_SUBMITTED, NULL, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if ((o = ord_find(e, ids[i])) != NULL)
				ord_live_check(e, o);
		free(ids);
	}
}

int
engine_price(struct engine *e, const char *symbol, double *out)
{
	const struct stratd_tick	*t = ticks_fresh(e->ticks, symbol,
					    daemon_now_ms());

	if (t == NULL && mkt_find(e, symbol) != NULL &&
	    ask_price(e, symbol, 0) == 0)
		t = ticks_fresh(e->ticks, symbol, daemon_now_ms());
	if (t == NULL)
		return -1;
	*out = t->mid;
	return 0;
}

int
engine_reload(struct engine *e, struct config *cfg)
{
	char	err[256];

	if (risk_check_config(cfg, err, sizeof(err)) == -1) {
		log_warnx("config reload: %s", err);
		return -1;
	}
	e->cfg = cfg;
	paper_model_init(&e->paper, cfg);
	ticks_set_max_age(e->ticks, max_age_ms(cfg));
	/* Markets point into our own table, filled from the old config;
	 * token and market changes need a restart. */
	return 0;
}

cJSON *
engine_status(struct engine *e)
{
	cJSON		*o = cJSON_CreateObject(), *t, *x;
	long long	 now = daemon_now_ms();
	char		 a[ADDR_STR_MAX];
	size_t		 i;
	int		 k, nact = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < e->nrt; i++)
		nact += e->rts[i]->status == STRAT_ACTIVE;
	cJSON_AddBoolToObject(o, "started", e->started);
	cJSON_AddBoolToObject(o, "held", e->held);
	cJSON_AddNumberToObject(o, "strategies_loaded", (double)e->nrt);
	cJSON_AddNumberToObject(o, "strategies_trading", nact);
	cJSON_AddNumberToObject(o, "orders_in_flight", engine_inflight(e));
	cJSON_AddNumberToObject(o, "conditional_watched",
	    (double)cond_set_count(e->conds));
	cJSON_AddBoolToObject(o, "live_ready", live_ready(e->live));
	if (live_ready(e->live))
		cJSON_AddStringToObject(o, "wallet",
		    addr_format(live_wallet(e->live), a));
	else
		cJSON_AddStringToObject(o, "live_unavailable",
		    live_why(e->live));
	cJSON_AddNumberToObject(o, "ticks", (double)e->n_ticks);
	cJSON_AddNumberToObject(o, "ticks_stale", (double)e->n_stale);
	cJSON_AddNumberToObject(o, "events_bad", (double)e->n_bad);
	cJSON_AddNumberToObject(o, "orders_placed", (double)e->n_placed);
	cJSON_AddNumberToObject(o, "orders_refused", (double)e->n_refused);
	cJSON_AddNumberToObject(o, "orders_prepared_ahead",
	    (double)e->n_warmed);
	cJSON_AddNumberToObject(o, "fills", (double)e->n_fills);
	cJSON_AddNumberToObject(o, "orders_failed", (double)e->n_failed);
	cJSON_AddNumberToObject(o, "conditional_fired",
	    (double)e->n_cond_fired);
	t = cJSON_AddObjectToObject(o, "prices");
	for (k = 0; k < ticks_count(e->ticks); k++) {
		const struct stratd_tick	*tk = ticks_at(e->ticks, k);

		x = cJSON_AddObjectToObject(t, tk->symbol);
		cJSON_AddNumberToObject(x, "block", (double)tk->block);
		cJSON_AddNumberToObject(x, "mid", tk->mid);
		cJSON_AddBoolToObject(x, "fresh", ticks_is_fresh(e->ticks, tk,
		    now));
		cJSON_AddNumberToObject(x, "age_ms", (double)(now -
		    tk->recv_ms));
	}
	return o;
}
