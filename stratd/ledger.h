/*
 * ledger.h: the trading engine's records: orders, fills, grid levels, the
 * grid state, paper balances and conditional orders' outcomes.
 *
 * Each function is one or a few statements; the engine groups them into
 * one database transaction per step of an order's life (db_begin ..
 * db_commit), so that the grid state and the rows that prove what was
 * decided and executed never disagree (docs/STRATD.md, "Order
 * lifecycle"). Functions here never begin or commit.
 */
#ifndef STRATD_LEDGER_H
#define STRATD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "u256.h"

struct db;
struct grid;

#define LEDGER_TEXT_MAX	100

/* An orders row to insert. */
struct ledger_order {
	long long	 strategy_id;	/* 0: none */
	long long	 cond_id;	/* 0: none */
	const char	*symbol;
	const char	*side;		/* "buy" | "sell" */
	const char	*kind;		/* "grid" | "conditional" */
	const char	*mode;		/* "paper" | "live" */
	int		 level;		/* -1: none */
	uint64_t	 crossing_seq;
	uint64_t	 grid_order_id;	/* 0: none */
	const char	*grid_kind;	/* "level" "init" "close", NULL */
	u256		 amount_in;
	const char	*price;		/* decimal text */
	const char	*status;	/* "pending" | "failed" */
	const char	*error;		/* NULL unless failed */
};

/* Insert; stores the new id. Returns 0 or -1 (db_sqlstate says why:
 * BSE01 emergency stop, 23505 a crossing already ordered). */
int	ledger_insert_order(struct db *, const struct ledger_order *,
	    long long *id);

/* One order of a grid observation, for ledger_place_grid_send. */
struct ledger_grid_order {
	const char	*side;		/* "buy" | "sell" */
	int		 level;		/* -1: an init/close order */
	uint64_t	 crossing_seq;
	uint64_t	 grid_order_id;
	const char	*grid_kind;	/* "level" "init" "close" */
	u256		 amount_in;
	const char	*price;		/* decimal text */
	const char	*status;	/* "pending" | "failed" */
	const char	*error;		/* NULL unless failed */
	long long	 id;		/* out: the orders row */
};

/*
 * The grid_levels rows of one strategy as this process last wrote them,
 * so that a write sends only the levels that changed (a crossing changes
 * one or two; the rest cost an index probe each). Zeroed, or after
 * ledger_levels_forget: unknown, the next write sends every level. A
 * write updates it when its statement succeeded; the caller forgets it
 * when a transaction around that statement rolled back.
 */
struct ledger_level_row {
	char		 price[64];	/* "": not kept, always sent */
	const char	*state;		/* grid_level_state's static text */
	uint64_t	 seq;
};
struct ledger_levels {
	struct ledger_level_row	*rows, *next;
	int			 n, ncap;
};

/* Unknown from now on (keeps the memory). Accepts NULL. */
void	ledger_levels_forget(struct ledger_levels *);
/* Free the rows; the struct is zeroed. Accepts NULL. */
void	ledger_levels_free(struct ledger_levels *);

/*
 * Record what one observation of a grid decided, in ONE statement (so one
 * round trip, and atomic on its own): the n orders, the grid's new state
 * (strategies.state) and its levels' rows (as ledger_save_grid, the
 * levels of the orders getting last_crossed_at and last_order_id). lc:
 * see above (NULL: write every level). In two halves, for work in
 * between while the server runs the statement (db_send): send returns 0
 * or -1 (nothing sent); finish (with the same g, lc, o, n) waits for it,
 * fills each order's id and returns 0, or -1 (nothing written;
 * db_sqlstate says why: BSE01 the emergency stop, 23505 a crossing
 * already ordered). Between the two the connection takes nothing else.
 */
int	ledger_place_grid_send(struct db *, long long strategy_id,
	    const char *symbol, const char *mode, const struct grid *,
	    double price, struct ledger_levels *lc,
	    struct ledger_grid_order *o, int n);
int	ledger_place_grid_finish(struct db *, const struct grid *,
	    struct ledger_levels *lc, struct ledger_grid_order *o, int n);

/*
 * Persist the grid's state (strategies.state) and its levels' rows in
 * grid_levels (price, state at price, crossing_seq; rows above the grid
 * removed), in one statement. lc as for ledger_place_grid_send. Returns 0 or
 * -1.
 */
int	ledger_save_grid(struct db *, long long strategy_id,
	    const struct grid *, double price, struct ledger_levels *lc);

/* A live order's transaction was recorded: status submitted. 0 or -1. */
int	ledger_submitted(struct db *, long long order_id, int64_t tx_id,
	    const u256 *amount_out_min, int slippage_bps, uint64_t deadline);

/* Link a transaction found by its intent after a crash (status
 * submitted). 0 or -1. */
int	ledger_link_tx(struct db *, long long order_id, int64_t tx_id);

/* The execution of an order. */
struct ledger_fill {
	u256		 amount_in, amount_out;
	u256		 fee;		/* token spent, base units */
	u256		 gas_wei;
	uint64_t	 gas_used;	/* 0: unknown */
	uint64_t	 block;		/* 0: none (paper) */
	const char	*exec_price;	/* decimal text or NULL */
	const char	*fee_quote;	/* decimal text */
	const char	*gas_quote;
	const char	*realized;	/* signed decimal text or NULL */
};

/*
 * Mark order_id filled (only from pending/submitted) and insert its fill.
 * Returns 1, 0 when the order was already final (nothing written), -1.
 */
int	ledger_fill(struct db *, long long order_id, const struct ledger_fill *);

/* Mark order_id failed or cancelled (status) with error, only from
 * pending/submitted. Returns 1, 0 when already final, or -1. */
int	ledger_fail(struct db *, long long order_id, const char *status,
	    const char *error);

/* A conditional order's outcome: filled, or failed with error. 0 or -1. */
int	ledger_cond_final(struct db *, long long cond_id, int ok,
	    const char *error);

/* Seed a paper strategy's balances (when it has none). 0 or -1. */
int	ledger_paper_seed(struct db *, long long strategy_id,
	    const char *base, const char *quote, const u256 *quote_amount);

/* A paper strategy's balance of token (0 when none). 0 or -1. */
int	ledger_paper_balance(struct db *, long long strategy_id,
	    const char *token, u256 *out);

/* Move paper funds: token_in -= in (refused below zero), token_out +=
 * out. Returns 1, 0 when the balance is short (nothing changed), -1. */
int	ledger_paper_move(struct db *, long long strategy_id,
	    const char *token_in, const u256 *in, const char *token_out,
	    const u256 *out);

/* An order row as recovery reads it. */
struct ledger_row {
	long long	 id;
	long long	 strategy_id;	/* 0: none */
	long long	 cond_id;	/* 0: none */
	uint64_t	 grid_order_id;	/* 0: none */
	char		 status[16];
	char		 side[8];
	char		 mode[8];
	char		 symbol[48];
	char		 price[LEDGER_TEXT_MAX];
	int64_t		 tx_id;		/* 0: none */
	u256		 amount_in;
	int		 slippage_bps;	/* -1: none */
	/* the fill, when filled */
	int		 has_fill;
	u256		 fill_in, fill_out, fill_gas_wei;
	char		 fill_fee_quote[LEDGER_TEXT_MAX];
	char		 fill_gas_quote[LEDGER_TEXT_MAX];
	long long	 fill_ms;	/* unix ms */
};

/*
 * The order of strategy_id with grid_order_id. Returns 1 with *out, 0
 * when there is none, -1.
 */
int	ledger_grid_order(struct db *, long long strategy_id,
	    uint64_t grid_order_id, struct ledger_row *out);

/*
 * Every order still pending or submitted, oldest first. Stores a new
 * array (caller frees) and its length. Returns 0 or -1.
 */
int	ledger_open_orders(struct db *, struct ledger_row **rows, size_t *n);

#endif
