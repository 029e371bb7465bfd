/*
 * store.h: stratd's records in PostgreSQL: strategies and their lifecycle,
 * conditional orders, the emergency stop, and the counts `bot status`
 * shows. Every change is one database transaction; the schema's own
 * checks and emergency interlock (sql/001_core.sql, 003_strategies.sql)
 * back up the checks made here.
 *
 * Errors are reported as a cmd_error (code and message) so that the
 * control-endpoint handlers pass them through unchanged.
 */
#ifndef STRATD_STORE_H
#define STRATD_STORE_H

#include <cJSON.h>

#include "cmd.h"

struct db;

/* Lifecycle: active <-> paused, active|paused -> stopped (final). */
enum strat_status { STRAT_ACTIVE, STRAT_PAUSED, STRAT_STOPPED };

/* Parse "active"/"paused"/"stopped"; -1 when unknown. */
int		 store_status_parse(const char *, enum strat_status *);
const char	*store_status_name(enum strat_status);

struct strat_new {
	const char	*name;
	const char	*type;		/* "grid" */
	const char	*symbol;
	const char	*mode;		/* "paper" | "live" */
	const char	*params;	/* JSON object text, already validated */
	const char	*state;		/* JSON object text or NULL */
	const char	*wallet;	/* lower-case address or NULL */
};

/* Insert a strategy (status active). Stores its id. 0 or -1 with err
 * ("conflict" during an emergency stop). */
int	store_strategy_create(struct db *, const struct strat_new *,
	    long long *id, struct cmd_error *);

/*
 * One strategy as a JSON object (id, name, type, symbol, mode, status,
 * status_reason, params, state, wallet, created_at, updated_at,
 * paused_at, stopped_at). Returns it (caller frees) or NULL with err
 * ("not_found" or "unavailable").
 */
cJSON	*store_strategy_get(struct db *, long long id, struct cmd_error *);

/* All strategies, optionally of one status (NULL: all), newest first, as
 * a JSON array of the objects above without params/state. */
cJSON	*store_strategy_list(struct db *, const char *status,
	    struct cmd_error *);

/*
 * Move strategy id to `to` with a reason. Allowed: active->paused,
 * paused->active, active|paused->stopped; anything else is "conflict"
 * (naming the current status). Stopping also cancels the strategy's open
 * conditional orders and its orders not yet sent. Returns 0 or -1.
 */
int	store_strategy_set_status(struct db *, long long id,
	    enum strat_status to, const char *reason, struct cmd_error *);

/* Replace params (validated JSON text) of a paused strategy; "conflict"
 * unless paused. 0 or -1. */
int	store_strategy_update(struct db *, long long id, const char *params,
	    struct cmd_error *);

/* Persist an engine state (JSON object text). 0 or -1. */
int	store_strategy_save_state(struct db *, long long id, const char *state,
	    struct cmd_error *);

struct cond_new {
	long long	 strategy_id;	/* 0: standalone */
	const char	*symbol;
	const char	*kind;		/* limit_buy limit_sell stop_loss take_profit */
	const char	*mode;
	const char	*trigger_price;	/* decimal text */
	const char	*amount;	/* base units of the token spent */
	int		 slippage_bps;	/* -1: default */
	const char	*actor;
};

/* Insert an open conditional order; stores its id. 0 or -1. */
int	store_cond_create(struct db *, const struct cond_new *, long long *id,
	    struct cmd_error *);

/* Conditional orders (of one strategy when strategy_id > 0; open only
 * when open_only), as a JSON array. NULL with err. */
cJSON	*store_cond_list(struct db *, long long strategy_id, int open_only,
	    struct cmd_error *);

/* Cancel an open conditional order. "not_found", or "conflict" when it is
 * no longer open. 0 or -1. */
int	store_cond_cancel(struct db *, long long id, const char *reason,
	    struct cmd_error *);

/*
 * The emergency stop: in ONE transaction, first set emergency_state
 * active (from then on the database refuses new orders, activations and
 * order transactions), then stop every strategy, cancel every open
 * conditional order and every order not yet sent. Returns a summary
 * object {"strategies_stopped":n,"conditional_cancelled":n,
 * "orders_cancelled":n,"in_flight":n,"already_active":bool} (caller frees),
 * or NULL with err. Idempotent: a second call stops whatever slipped in
 * and keeps the first reason.
 */
cJSON	*store_emergency_stop(struct db *, const char *actor,
	    const char *reason, struct cmd_error *);

/* Clear the emergency stop (who and why recorded). Strategies stay
 * stopped. "conflict" when none is active. 0 or -1. */
int	store_emergency_clear(struct db *, const char *actor,
	    const char *reason, struct cmd_error *);

/* {"active":bool,"reason":..,"actor":..,"at":..} or NULL with err. */
cJSON	*store_emergency_get(struct db *, struct cmd_error *);

/* 1 active, 0 not, -1 unknown (database down): callers treat -1 as
 * active, since trading blind is the worse error. */
int	store_emergency_active(struct db *);

/*
 * Add "strategies" ({"active":n,"paused":n,"stopped":n}) and
 * "pending_orders" (orders pending or submitted, plus open conditional
 * orders under "open_conditional_orders") to obj. 0 or -1.
 */
int	store_counts(struct db *, cJSON *obj, struct cmd_error *);

/*
 * Performance summary of strategy id from pnl_daily: {"realized",
 * "unrealized","fees","gas","pnl" (decimal text, quote token), "trades",
 * "round_trips","wins","errors" (integers), "win_rate","error_rate"
 * (fractions or null), "today":{same money fields for the UTC day}}.
 * Returns it (caller frees) or NULL with err.
 */
cJSON	*store_strategy_pnl(struct db *, long long id, struct cmd_error *);

#endif
