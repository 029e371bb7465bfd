/*
 * grid.h: the grid strategy engine, pure and deterministic. The same code
 * decides in backtests (stratd/backtest.c), paper and live mode (stratd).
 *
 * Model. grid_count + 1 price levels L[0] < ... < L[N] (N = grid_count),
 * arithmetic or geometric, split the range into N cells; cell k spans
 * L[k]..L[k+1] and holds one unit of capital, either as quote (EMPTY:
 * it buys at L[k] when the price falls to it) or as base (HOLDING: it sells
 * what it bought at L[k+1] when the price rises to it). A crossing is a
 * price at or beyond a level after having been on the other side of it:
 * each cell carries an "armed" flag that a trade clears and only a price
 * back on the other side sets again, so each crossing trades exactly once
 * and a price oscillating around one level trades at most once per real
 * crossing. Level i serves two cells (the buy of cell i and the sell of
 * cell i-1); at most one order per level is in flight, and a crossing
 * whose level is busy waits (it is acted on at the next observation after
 * the busy order resolves, if the price is still beyond the level).
 *
 * Use (the same in every mode):
 *
 *	g = grid_new(&params, &market, err, sizeof(err));
 *	for each price observation p at time t:
 *		n = grid_observe(g, p, t, orders, grid_max_orders(g));
 *		for each orders[i] (in that order):
 *			execute the swap (backtest: grid_sim_fill; paper: the
 *			pool's reserves; live: a transaction), then
 *			grid_fill(g, &orders[i], &fill, &result) or
 *			grid_fail(g, &orders[i])
 *		persist grid_state_to_json(g)
 *
 * Orders need not be resolved before the next observation (live swaps
 * take blocks): a pending cell simply does nothing until it is resolved.
 * After a restart, grid_restore() rebuilds the engine from the JSON state;
 * a cell pending at the time names its order (id, level, crossing_seq) so
 * that the caller can find the order's outcome and apply it.
 *
 * Exact money. Prices for decisions are doubles; every amount is a u256
 * in token base units. Level prices are also kept exact as "px": quote
 * tokens per base token with GRID_PX_DEC decimals (16727.3 ->
 * 16727300000000000000000). Each cell's base amount is a multiple of a
 * lot chosen so that amount * level price is an exact number of quote
 * base units: with zero fees and no price impact, a round trip of cell k
 * earns exactly amount * (L[k+1] - L[k]).
 *
 * Nothing here allocates after grid_new (or grid_restore), reads a clock,
 * or touches the database: the caller passes time and persists state.
 */
#ifndef STRATD_GRID_H
#define STRATD_GRID_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "u256.h"

#define GRID_MAX_COUNT	1000	/* grid_count upper bound */
#define GRID_PX_DEC	18	/* decimals of exact prices (px) */
#define GRID_DEC_MAX	96	/* a decimal price or amount as text, NUL */
#define GRID_LEVEL_SIG	10	/* significant digits of computed levels */

enum grid_spacing { GRID_ARITHMETIC = 0, GRID_GEOMETRIC = 1 };
enum grid_side { GRID_BUY = 0, GRID_SELL = 1 };

/*
 * LEVEL: a cell's buy or sell at a level crossing. INIT: at the first
 * observation, one buy of the base of every cell above the price (only
 * with initial_buy). CLOSE: on a stop-loss or take-profit bound, one sell
 * of everything held (only with close_on_stop).
 */
enum grid_kind { GRID_ORDER_LEVEL = 0, GRID_ORDER_INIT = 1,
	GRID_ORDER_CLOSE = 2 };

enum grid_status {
	GRID_NEW = 0,		/* no price seen yet: the grid is not laid */
	GRID_RUNNING = 1,
	GRID_STOPPING = 2,	/* a bound was hit; closing what is held */
	GRID_STOPPED = 3	/* final: nothing more is ever ordered */
};

/*
 * The parameters (strategies.params, backtests.params), as JSON:
 *   upper_price, lower_price   decimal strings (numbers accepted), > 0
 *   grid_count                 integer 2..GRID_MAX_COUNT: cells; the grid
 *                              has grid_count + 1 levels
 *   base_order_size            decimal string: the size of each cell's
 *                              order, in the quote token (size_unit quote,
 *                              the default: "10" is 10 USDT per buy) or in
 *                              the base token (size_unit base)
 *   spacing                    "arithmetic" (default) | "geometric"
 *   size_unit                  "quote" (default) | "base"
 *   initial_buy                true (default): at start, buy the base of
 *                              every cell above the price, as spot grid
 *                              bots do; false: start with quote only
 *   stop_loss, take_profit     optional decimal prices (null: none);
 *                              stop_loss < lower_price, take_profit >
 *                              upper_price; at or beyond one the strategy
 *                              stops
 *   close_on_stop              true (default): sell everything held when
 *                              a bound stops the strategy
 * Prices are in quote per base ("98000.5" USDT per BTCB).
 */
struct grid_params {
	char			upper_price[GRID_DEC_MAX];
	char			lower_price[GRID_DEC_MAX];
	int			grid_count;
	char			base_order_size[GRID_DEC_MAX];
	enum grid_spacing	spacing;
	int			size_in_base;	/* size_unit "base" */
	int			initial_buy;
	char			stop_loss[GRID_DEC_MAX];	/* "" unset */
	char			take_profit[GRID_DEC_MAX];	/* "" unset */
	int			close_on_stop;
};

/*
 * What the engine needs to know of the market: token decimals, the pool
 * fee, the pool's depth (its quote-token reserve in base units; zero means
 * unlimited: no price impact) for validation and simulated fills, and the
 * gas cost of one swap in quote base units.
 */
struct grid_market {
	unsigned	base_dec;
	unsigned	quote_dec;
	unsigned	fee_bps;
	u256		depth;
	u256		gas;
};

/* An order the engine asks for. The caller keeps it until it resolves. */
struct grid_order {
	uint64_t	 id;		/* 1, 2, ... per engine, never reused */
	enum grid_kind	 kind;
	enum grid_side	 side;
	int		 level;		/* LEVEL: the level crossed; else -1 */
	int		 cell;		/* LEVEL: the cell trading; else -1 */
	uint64_t	 crossing_seq;	/* LEVEL: 1, 2, ... per level (the
					 * orders table's key); else 0 */
	double		 price;		/* where a continuous price path
					 * triggers it: the level, the stop
					 * bound, or (INIT) the observed price */
	u256		 px;		/* the same, exact (GRID_PX_DEC) */
	u256		 amount_in;	/* BUY: quote base units to spend;
					 * SELL: base base units to sell */
	int64_t		 t_ms;		/* time of the observation */
};

/* The outcome of an order: an AMM swap fills whole. */
struct grid_fill {
	u256		amount_in;	/* spent (normally the order's) */
	u256		amount_out;	/* received */
	u256		fee;		/* pool fee, valued in quote base units */
	u256		gas;		/* gas cost in quote base units */
	u256		slippage;	/* price impact cost in quote units */
	int64_t		t_ms;
};

/* What applying a fill did. */
struct grid_fill_result {
	int	round_trips;	/* cells whose buy and sell completed */
	int	wins;		/* of them, profitable after fees and gas */
	int	has_pnl;	/* a sell: pnl is set */
	u256	pnl;		/* realized: proceeds - cost of what was sold */
	int	pnl_neg;	/* pnl is a loss */
};

/* Running totals since the grid was laid (all quote base units). */
struct grid_totals {
	u256	realized_gain;	/* sum of profitable round trips */
	u256	realized_loss;	/* sum of losing round trips */
	u256	fees;
	u256	gas;
	u256	slippage;
	u256	volume;		/* quote value of every fill */
	long	trades;		/* fills */
	long	buys, sells;
	long	round_trips;
	long	wins;
	long	failed;		/* orders that failed */
};

struct grid;

/*
 * Parse a params object (strategies.params or `-p JSON`). Unknown keys,
 * wrong types and missing required keys are errors. Only the format is
 * checked here; grid_new checks the values against the market. Returns 0,
 * or -1 with a message in err.
 */
int	grid_params_from_json(struct grid_params *, const cJSON *obj,
	    char *err, size_t errlen);

/* Defaults for the optional keys, every required one empty. */
void	grid_params_defaults(struct grid_params *);

/*
 * The canonical params object, every key present (null for unset bounds).
 * Returns a new object (caller frees with cJSON_Delete), or NULL.
 */
cJSON	*grid_params_to_json(const struct grid_params *);

/*
 * Check params against the market and lay the levels: upper above lower,
 * 2 <= grid_count <= GRID_MAX_COUNT, bounds outside the range, levels that
 * stay distinct, an order size the pool pays something for, and a round
 * trip of every cell that nets a profit after two pool fees, price impact
 * at the market's depth, and two swaps' gas. Returns a new engine in state
 * GRID_NEW (free with grid_free), or NULL with a message in err.
 */
struct grid	*grid_new(const struct grid_params *, const struct grid_market *,
		    char *err, size_t errlen);

/* Free an engine and clear the pointer; accepts NULL. */
void		 grid_free(struct grid **);

/* Capacity the orders array of grid_observe needs (grid_count + 2). */
size_t		 grid_max_orders(const struct grid *);

/*
 * One price observation at t_ms. The first one lays the grid (cells at or
 * above the price hold base: an INIT order when initial_buy). Writes the
 * orders to place into out, in the order a continuous price path crosses
 * their levels (sells upward, buys downward), and marks them pending.
 * Returns their number (0 when nothing happens), or -1 when price is not a
 * positive finite number or cap is below grid_max_orders. A price at or
 * beyond a stop bound stops the strategy: no grid orders, and a CLOSE of
 * what is held (when close_on_stop).
 */
int		 grid_observe(struct grid *, double price, int64_t t_ms,
		    struct grid_order *out, size_t cap);

/*
 * Apply the fill of a pending order. res (may be NULL) gets what it
 * realized. Returns 0, or -1 when the order is not pending here (unknown,
 * already applied: a duplicate is refused, never double counted) or the
 * amounts are impossible (zero output).
 */
int		 grid_fill(struct grid *, const struct grid_order *,
		    const struct grid_fill *, struct grid_fill_result *res);

/*
 * The order failed (reverted, refused, no balance): its cells return to
 * what they were, armed again only if the last observed price is already
 * back on the far side of the level, so the crossing that failed is not
 * retried in a loop while a fresh crossing trades again. Returns 0, or -1
 * when the order is not pending here.
 */
int		 grid_fail(struct grid *, const struct grid_order *);

/*
 * The fast-path bounds: while lo < price < hi, grid_observe orders nothing
 * and changes nothing but the last observed price, which matters only to
 * grid_fail of an order pending across observations; a caller that
 * resolves every order before the next observation (the backtest) may
 * skip the call. Valid until the next grid_observe, grid_fill or
 * grid_fail.
 */
void		 grid_triggers(const struct grid *, double *lo, double *hi);

enum grid_status grid_get_status(const struct grid *);
/* Why the strategy stopped ("stop_loss: 95 <= 96"), or NULL. Static per
 * engine. */
const char	*grid_stop_reason(const struct grid *);

/* Levels: count (grid_count + 1), price, exact price, text. */
int		 grid_nlevels(const struct grid *);
double		 grid_level_price(const struct grid *, int level);
const u256	*grid_level_px(const struct grid *, int level);
const char	*grid_level_text(const struct grid *, int level);
/* Crossings acted on at a level (its crossing_seq). */
uint64_t	 grid_level_seq(const struct grid *, int level);

/*
 * A level's state in the grid_levels table's words, given the current
 * price: "buy_armed", "sell_armed", "buy_pending", "sell_pending" or
 * "idle". Static string.
 */
const char	*grid_level_state(const struct grid *, int level, double price);

/* The base amount planned for cell k and the quote its buy spends. */
const u256	*grid_cell_base(const struct grid *, int cell);
const u256	*grid_cell_quote(const struct grid *, int cell);

/* Quote the whole grid needs: the sum of every cell's buy. */
void		 grid_investment(const struct grid *, u256 *quote);

void		 grid_get_totals(const struct grid *, struct grid_totals *);

/*
 * What is held now (cells holding, including those selling): base and
 * the quote it cost. Pending buys are not included.
 */
void		 grid_holdings(const struct grid *, u256 *base, u256 *cost);

/*
 * The state as JSON for strategies.state: status, per-level crossing
 * counters, per-cell state, holdings and cost, totals, pending orders.
 * Returns a new object (caller frees) or NULL.
 */
cJSON		*grid_state_to_json(const struct grid *);

/*
 * grid_new, then load a state written by grid_state_to_json for the same
 * params and market (level prices must match). Returns the engine or NULL
 * with err.
 */
struct grid	*grid_restore(const struct grid_params *,
		    const struct grid_market *, const cJSON *state, char *err,
		    size_t errlen);

/*
 * A pending order as it was issued, reconstructed from the state (for the
 * caller's recovery after a restart): fills *out for the order with that
 * id. Returns 0, or -1 when no such order is pending.
 */
int		 grid_pending_order(const struct grid *, uint64_t id,
		    struct grid_order *out);

/* --- exact price and pool arithmetic, shared with the backtester --- */

/* Decimal price text to px (GRID_PX_DEC decimals). Returns 0 or -1. */
int		 grid_px_parse(u256 *px, const char *text);

/* A positive finite double to px through its 15-significant-digit text
 * ("%.15g": the decimal a database numeric gave). Returns 0 or -1. */
int		 grid_px_from_double(u256 *px, double v);

/* Quote base units worth base base units at px (floor). 0 or -1. */
int		 grid_quote_value(const struct grid_market *, const u256 *base,
		    const u256 *px, u256 *quote);

/*
 * A simulated swap against a constant-product pool of the market's depth
 * whose mid price is px (reserves depth quote and depth/px base), with
 * the market's fee (amm.h, exact to the wei); depth zero means no price
 * impact. A BUY spends amount_in quote; a SELL sells amount_in base.
 * Fills out with amount_in, amount_out, fee and slippage (in quote units;
 * gas is set to the market's). Returns 0, or -1 on overflow or a zero
 * amount.
 */
int		 grid_sim_fill(const struct grid_market *, enum grid_side,
		    const u256 *px, const u256 *amount_in,
		    struct grid_fill *out);

#endif
