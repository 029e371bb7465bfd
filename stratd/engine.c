/*
 * engine.c: stratd's trading engine (see engine.h and docs/STRATD.md):
 * markets, runtimes, and the public face (events, the poll, commands'
 * hooks, status). The other parts are engine_order.c (orders in flight
 * and their outcomes), engine_decide.c (grids and conditional orders
 * deciding on a fresh price) and engine_load.c (loading strategies,
 * reconciling, the periodic sync); engine_int.h has what they share.
 *
 * Objects: a market (struct mkt: tokens and addresses of a [market]), a
 * strategy's runtime (struct rt: its grid engine and status), an order in
 * flight (struct ord: an orders row that is pending or submitted). The
 * database is the truth; memory is rebuilt from it whenever a write
 * fails (engine_rt_reload), and the recovery that runs at start-up is the
 * same code, so a crash anywhere is just an early reload.
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

/* --- small helpers --- */

long long
engine_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct mkt *
engine_mkt_find(struct engine *e, const char *symbol)
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
void
engine_gas_to_quote(struct engine *e, struct mkt *m, const u256 *wei,
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

struct rt *
engine_rt_find(struct engine *e, long long id)
{
	size_t	i;

	for (i = 0; i < e->nrt; i++)
		if (e->rts[i]->id == id)
			return e->rts[i];
	return NULL;
}

void
engine_rt_free(struct rt **rp)
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

void
engine_rt_remove(struct engine *e, struct rt *r)
{
	size_t	i;

	for (i = 0; i < e->nrt; i++)
		if (e->rts[i] == r) {
			e->rts[i] = e->rts[--e->nrt];
			break;
		}
	e->gen++;
	engine_rt_free(&r);
}

int
engine_rt_add(struct engine *e, struct rt *r)
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

long long
engine_max_age_ms(const struct config *c)
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
	    (e->ticks = ticks_new(engine_max_age_ms(e->cfg))) == NULL ||
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
		engine_rt_free(&e->rts[i]);
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
		engine_rt_load(e, strtoll(PQgetvalue(r, k, 0), NULL, 10));
	PQclear(r);
	/* Orders in flight that no grid state names: conditional ones (or
	 * a grid's whose strategy could not load: executed without it). */
	for (i = 0; i < n; i++) {
		struct ord	*o;
		struct mkt	*m;

		if (engine_ord_find(e, rows[i].id) != NULL)
			continue;
		if (rows[i].grid_order_id > 0 && engine_rt_find(e,
		    rows[i].strategy_id) != NULL)
			continue;	/* its state says it is not in flight */
		if ((m = engine_mkt_find(e, rows[i].symbol)) == NULL ||
		    (o = engine_ord_new(e, rows[i].id, m,
		        rows[i].strategy_id)) ==
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

			engine_intent_of(o->id, intent, sizeof(intent));
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
	    engine_max_age_ms(e->cfg));
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
	long long			 age = engine_max_age_ms(e->cfg) / 2;
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
			if (e->gen != gen && snap[i] != engine_rt_find(e,
			    snap[i]->id))
				continue;
			if (snap[i]->status == STRAT_ACTIVE &&
			    snap[i]->g != NULL)
				engine_rt_observe(e, snap[i], t);
		}
		free(snap);
	}
	if ((ids = engine_ord_ids(e, 0, O_WAIT, m, &n)) != NULL) {
		for (i = 0; i < n && !e->core->halted; i++)
			if ((o = engine_ord_find(e, ids[i])) != NULL)
				engine_ord_paper(e, o, t);
		free(ids);
	}
	engine_cond_check(e, m, t);
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
		    (m = engine_mkt_find(e, t->symbol)) == NULL)
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
	if ((ids = engine_ord_ids(e, 1, -1, NULL, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if ((o = engine_ord_find(e, ids[i])) != NULL &&
			    (o->stage == O_SUBMITTED || !e->core->halted))
				engine_ord_step(e, o, NULL);
		free(ids);
	}
	if (now >= e->next_sync_ms) {
		e->next_sync_ms = now + SYNC_MS;
		engine_sync_all(e);
	}
	if (now >= e->next_pnl_ms) {
		e->next_pnl_ms = now + e->cfg->strat.pnl_interval_ms;
		engine_pnl_marks(e);
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
	if ((r = engine_rt_find(e, id)) != NULL && r->dirty && r->g != NULL)
		engine_rt_save(e, r, engine_last_mid(e, r->m));
	engine_rt_load(e, id);
	/* A stop cancels the orders never sent: forget them. */
	engine_sync_waiting(e);
	if ((r = engine_rt_find(e, id)) != NULL)
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
	    (ids = engine_ord_ids(e, 1, O_SUBMITTED, NULL, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if ((o = engine_ord_find(e, ids[i])) != NULL)
				engine_ord_live_check(e, o);
		free(ids);
	}
}

int
engine_price(struct engine *e, const char *symbol, double *out)
{
	const struct stratd_tick	*t = ticks_fresh(e->ticks, symbol,
					    daemon_now_ms());

	if (t == NULL && engine_mkt_find(e, symbol) != NULL &&
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
	ticks_set_max_age(e->ticks, engine_max_age_ms(cfg));
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
