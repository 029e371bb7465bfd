/*
 * engine.h: stratd's trading engine. docs/STRATD.md describes the design;
 * in short:
 *
 *  - At start it loads every active strategy (and every one with an order
 *    in flight) from the database: grid_restore from strategies.state,
 *    then each order the state says is in flight is reconciled with its
 *    orders row and its transaction, so nothing is traded twice or missed.
 *  - It subscribes to marketd's tick.<SYMBOL> and feed.stale events. On
 *    every FRESH tick (ticks.h; never a stale one, never while the
 *    emergency stop is in force) each active grid of the symbol observes
 *    the mid price; the orders it returns are written (one transaction
 *    with the new grid state: the orders' unique keys make each crossing
 *    trade once) before anything is executed; then paper orders fill at
 *    once against the tick's reserves, live ones go through the
 *    transaction manager and fill from their receipts. Each outcome is
 *    one transaction: orders, fills, grid state and levels, paper
 *    balances, pnl_daily. Open conditional orders of the symbol are
 *    checked on the same ticks.
 *  - Risk limits (risk.h) pause a strategy with a recorded reason; a grid
 *    stop bound stops it.
 *  - The emergency stop (engine_halt, called before the command is
 *    acknowledged) holds the transaction manager after dropping what was
 *    never sent: nothing is sent after the acknowledgement.
 *
 * Single-threaded: every function runs in the daemon's loop.
 */
#ifndef STRATD_ENGINE_H
#define STRATD_ENGINE_H

#include <stddef.h>

#include <cJSON.h>

struct config;
struct stratd_core;
struct engine;
struct live;

/*
 * An engine over core (its cfg, db and halted flag are used; core->engine
 * is set to it and core's hooks are pointed at it). zctx is the
 * process's ZeroMQ context, for the subscription. Loads the trading
 * wallet (live.h) but does not start anything. Returns NULL with a
 * message in err for a bad [stratd] config.
 */
struct engine	*engine_new(struct stratd_core *core, void *zctx, char *err,
		    size_t errlen);
void		 engine_free(struct engine **);

/*
 * Start: transaction recovery, conditional orders, strategies (with the
 * reconciliation of their orders in flight), the subscription to
 * marketd. Returns 0, or -1 when the database was not reachable (the
 * periodic sync loads everything once it is).
 */
int		 engine_start(struct engine *);

/* The subscription socket, for the daemon's poll (NULL before start). */
void		*engine_socket(struct engine *);

/* Drain the subscription (the daemon's io callback). */
void		 engine_drain(struct engine *);

/* One event as received from marketd (the drain's work; tests and the
 * benchmark call it directly). */
void		 engine_event(struct engine *, const char *topic, size_t tlen,
		    const char *body, size_t blen);

/* Period of engine_poll in ms ([stratd] poll_ms or block_time_ms / 2). */
int		 engine_poll_ms(const struct engine *);

/*
 * The timer: receipts of live orders, orders waiting for an approval or
 * a fresh price, the periodic sync with the database (strategies changed
 * elsewhere, conditional orders), unrealized PnL and risk checks, the
 * emergency state. Never blocks beyond the RPC and database timeouts.
 */
void		 engine_poll(struct engine *);

/* A strategy's record changed (the on_strategy hook). */
void		 engine_strategy_changed(struct engine *, long long id);

/* A conditional order was created or cancelled (the on_conditional hook). */
void		 engine_conditional_changed(struct engine *, long long id);

/* The emergency stop: see above (the on_halt hook). */
void		 engine_halt(struct engine *);

/* The latest fresh price of symbol (the price hook). 0 or -1. */
int		 engine_price(struct engine *, const char *symbol, double *out);

/* Follow a reloaded config (limits, paper model; markets and the wallet
 * need a restart). Returns 0, or -1 when its [stratd] values are bad:
 * the daemon then keeps the old config. */
int		 engine_reload(struct engine *, struct config *);

/* The engine's part of `status` (caller frees). */
cJSON		*engine_status(struct engine *);

/* Number of orders in flight (pending or submitted) it tracks. */
int		 engine_inflight(const struct engine *);

/* Its live trading (for the benchmark's marks, live.h); never NULL
 * once engine_new succeeded. */
struct live	*engine_live(struct engine *);

#endif
