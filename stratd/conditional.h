/*
 * conditional.h: limit buy/sell, stop-loss and take-profit orders on a
 * symbol, standalone or owned by a strategy (conditional_orders).
 *
 * The open ones are kept in memory, per symbol, and checked against every
 * FRESH tick of their symbol (never a stale one): a limit buy and a
 * stop-loss hold at or below the trigger price, a limit sell and a
 * take-profit at or above it. One that holds fires ONCE: in one database
 * transaction it goes open -> triggered (only if it still is open: a
 * cancel, an emergency stop or another process wins otherwise) and its
 * orders row is inserted, which the schema makes unique per conditional
 * order. The engine then executes that order like any other.
 *
 * One owned by a strategy fires only while the strategy is active; it
 * trades from that strategy's wallet (live) or paper balances (paper),
 * beside the grid's own cells. An expired one is cancelled.
 */
#ifndef STRATD_CONDITIONAL_H
#define STRATD_CONDITIONAL_H

#include <stddef.h>
#include <stdint.h>

#include "u256.h"

struct db;

enum cond_kind { COND_LIMIT_BUY, COND_LIMIT_SELL, COND_STOP_LOSS,
	COND_TAKE_PROFIT };

struct cond {
	long long	 id;
	long long	 strategy_id;	/* 0: standalone */
	char		 symbol[48];
	enum cond_kind	 kind;
	int		 live;
	double		 trigger;	/* for the comparison */
	char		 trigger_text[100];	/* as stored */
	u256		 amount;	/* base units of the token spent */
	int		 slippage_bps;	/* -1: the config's */
	long long	 expires_at;	/* unix seconds, 0: never */
};

/* Parse a kind name; -1 when unknown. */
int		 cond_kind_parse(const char *, enum cond_kind *);
const char	*cond_kind_name(enum cond_kind);

/* Predicate: 1 when kind's condition holds at price. */
int		 cond_holds(enum cond_kind, double price, double trigger);

/* Predicate: 1 when kind buys (spends the quote token). */
int		 cond_is_buy(enum cond_kind);

struct cond_set;

struct cond_set	*cond_set_new(void);
void		 cond_set_free(struct cond_set **);

/*
 * Replace the set with every open conditional order in the database.
 * Returns the number loaded, or -1 (the set is then unchanged).
 */
int		 cond_set_load(struct cond_set *, struct db *);

/* Load (or drop, when no longer open) one order by id. 0 or -1. */
int		 cond_set_refresh(struct cond_set *, struct db *, long long id);

/* Forget every order (an emergency stop cancelled them), or those of one
 * strategy (strategy_id > 0). */
void		 cond_set_clear(struct cond_set *, long long strategy_id);

/* Forget one. */
void		 cond_set_remove(struct cond_set *, long long id);

/* The order with this id, or NULL (valid until the set changes). */
const struct cond *cond_set_find(const struct cond_set *, long long id);

/* Number kept; the i-th (valid until the set changes). */
size_t		 cond_set_count(const struct cond_set *);
const struct cond *cond_set_at(const struct cond_set *, size_t i);

/*
 * Fire c: open -> triggered and its order inserted (side, amount_in =
 * c->amount, price = the trigger), in one transaction. Returns 1 with the
 * new order's id, 0 when it was no longer open (nothing written), -2 when
 * the emergency stop refused it, -1 on another database error (rolled
 * back).
 */
int		 cond_fire(struct db *, const struct cond *c, long long *order_id);

/* Cancel an expired order. 0 or -1. */
int		 cond_expire(struct db *, const struct cond *c);

#endif
