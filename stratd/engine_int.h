/*
 * engine_int.h: what the files of stratd's engine share (not for use
 * outside stratd/engine*.c; the API is engine.h): its state, markets,
 * runtimes, orders in flight, and the helpers each file offers the
 * others. See engine.c for the map.
 */
#ifndef BSC_ENGINE_INT_H
#define BSC_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "cmds.h"
#include "config.h"
#include "grid.h"
#include "ledger.h"
#include "live.h"
#include "paper.h"
#include "pnl.h"
#include "store.h"
#include "ticks.h"
#include "u256.h"

struct stratd_tick;

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

/* engine.c: markets and runtimes */
/* Wall-clock milliseconds (deadlines). */
long long	 engine_wall_ms(void);
/* The market of symbol, or NULL. */
struct mkt	*engine_mkt_find(struct engine *e, const char *symbol);
/* gas_wei in quote base units at the BNB market's latest price. */
void		 engine_gas_to_quote(struct engine *e, struct mkt *m,
		    const u256 *wei, u256 *quote);
/* The runtime of strategy id, or NULL. */
struct rt	*engine_rt_find(struct engine *e, long long id);
/* Free a runtime; accepts NULL and clears the pointer. */
void		 engine_rt_free(struct rt **rp);
/* Take r out of the engine and free it. */
void		 engine_rt_remove(struct engine *e, struct rt *r);
/* Add r (the engine owns it then). 0, or -1 without memory. */
int		 engine_rt_add(struct engine *e, struct rt *r);
/* The configured tick_max_age_ms (a price older is stale). */
long long	 engine_max_age_ms(const struct config *c);

/* engine_order.c: orders in flight and their outcomes */
struct ord	*engine_ord_find(struct engine *e, long long id);
/* Take x off the list and free it. */
void		 engine_ord_unlink(struct engine *e, struct ord *x);
/* 1 when strategy sid has orders in flight here. */
int		 engine_rt_has_orders(struct engine *e, long long sid);
/* "order:<id>", the intent of order id's transaction. */
void		 engine_intent_of(long long id, char *buf, size_t len);
/* The ids of the orders in flight that match (live: 1, 0 paper, -1
 * both; stage -1 any; m NULL any market), a new array (caller frees;
 * NULL when none), count in *n. */
long long	*engine_ord_ids(struct engine *e, int live, int stage,
		    const struct mkt *m, size_t *n);
/* The latest mid price of m (any freshness), 0 when none. */
double		 engine_last_mid(struct engine *e, const struct mkt *m);
/* Save the grid's state outside any transaction (arming changes). */
void		 engine_rt_save(struct engine *e, struct rt *r, double price);
/* The risk limits of r: pause it with the reason when one is hit. */
void		 engine_rt_risk(struct engine *e, struct rt *r);
/* A grid that a stop bound stopped: the strategy stops too. */
void		 engine_rt_check_stopped(struct engine *e, struct rt *r);
/* o failed or was cancelled (status): its grid cell returns, one
 * transaction records it; gas_wei what a reverted transaction cost. */
void		 engine_ord_fail(struct engine *e, struct ord *o,
		    const char *status, const char *why, const u256 *gas_wei);
/* The latest tick of m if fresh, else NULL. */
const struct stratd_tick *engine_fresh_tick(struct engine *e,
		    const struct mkt *m);
/* A paper order filled at tick t with the pool's own math. */
void		 engine_ord_paper(struct engine *e, struct ord *o,
		    const struct stratd_tick *t);
/* The swap of a live order at tick t (unnamed): 0, or -1 when the pool
 * pays nothing for the amount. See engine_order.c. */
int		 engine_swap_of(struct engine *e, struct mkt *m, int buy,
		    const u256 *amount_in, int slippage_bps,
		    const struct stratd_tick *t, struct live_swap *s,
		    u256 *exp, u256 *rb, u256 *rq, int *slip);
/* A submitted live order: its transaction's outcome. */
void		 engine_ord_live_check(struct engine *e, struct ord *o);
/* Move order o on: send, check, or fill on paper. */
void		 engine_ord_step(struct engine *e, struct ord *o,
		    const struct stratd_tick *t);
/* A new order in flight (listed; the caller fills it), or NULL. */
struct ord	*engine_ord_new(struct engine *e, long long id, struct mkt *m,
		    long long sid);

/* engine_decide.c */
/* Grid r looks at fresh tick t: orders decided, recorded, executed. */
void		 engine_rt_observe(struct engine *e, struct rt *r,
		    const struct stratd_tick *t);
/* The open conditional orders of m whose condition t meets fire. */
void		 engine_cond_check(struct engine *e, struct mkt *m,
		    const struct stratd_tick *t);

/* engine_load.c */
/* (Re)load strategy id: the runtime, or NULL when it is stopped with
 * nothing in flight, gone, or cannot load. */
struct rt	*engine_rt_load(struct engine *e, long long id);
/* Memory follows the database again for strategy sid. */
void		 engine_rt_reload(struct engine *e, long long sid);
/* Orders waiting to be sent that the database finished meanwhile. */
void		 engine_sync_waiting(struct engine *e);
/* The periodic sync: strategies and orders changed by others. */
void		 engine_sync_all(struct engine *e);
/* Unrealized PnL of every strategy holding something, and the limits. */
void		 engine_pnl_marks(struct engine *e);

#endif
