-- 003_strategies: strategies, grid levels, conditional orders, orders,
-- fills, daily PnL, paper balances. Written by stratd; see 001_core.sql
-- for the conventions and docs/SCHEMA.md.
--
-- Amounts of an order are in base units of the token it spends and
-- receives: a buy on BTC/USDT spends the quote token (USDT) and receives
-- the base token (BTCB); a sell the other way round. Prices are quote per
-- base in human units ("98000.5").

-- Strategies --------------------------------------------------------------

CREATE TABLE strategies (
	id		bigserial PRIMARY KEY,
	name		text NOT NULL CONSTRAINT strategies_name_nonempty CHECK (name <> ''),
	type		text NOT NULL CONSTRAINT strategies_type CHECK (type IN ('grid')),
	symbol		market_symbol NOT NULL,
	mode		text NOT NULL CONSTRAINT strategies_mode CHECK (mode IN ('paper', 'live')),
	status		text NOT NULL DEFAULT 'active' CONSTRAINT strategies_status
	    CHECK (status IN ('active', 'paused', 'stopped')),
	params		jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT strategies_params_object
	    CHECK (jsonb_typeof(params) = 'object'),
	state		jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT strategies_state_object
	    CHECK (jsonb_typeof(state) = 'object'),
	status_reason	text,
	wallet		eth_address,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	paused_at	timestamptz,
	stopped_at	timestamptz,
	CONSTRAINT strategies_stopped_at CHECK (status <> 'stopped' OR stopped_at IS NOT NULL)
);

CREATE INDEX strategies_status ON strategies (status);
CREATE INDEX strategies_symbol_status ON strategies (symbol, status);

CREATE TRIGGER strategies_touch BEFORE UPDATE ON strategies
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

CREATE TRIGGER strategies_emergency_insert BEFORE INSERT ON strategies
	FOR EACH ROW WHEN (NEW.status = 'active')
	EXECUTE FUNCTION bsc_refuse_during_emergency('an active strategy');
CREATE TRIGGER strategies_emergency_update BEFORE UPDATE OF status ON strategies
	FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status <> 'active')
	EXECUTE FUNCTION bsc_refuse_during_emergency('resuming a strategy');

-- Grid levels -------------------------------------------------------------

-- Per-level state of a grid, so that each crossing trades once and the
-- grid survives restarts. crossing_seq counts the crossings of this level
-- that were acted on; an order for a crossing carries (strategy_id, level,
-- crossing_seq), which orders makes unique.
--
-- state:
--   idle          no order armed here (the level nearest the price when
--                 the grid was laid, or out of use)
--   buy_armed     buys when the price falls through it
--   sell_armed    sells when the price rises through it
--   buy_pending   a buy for this level is in flight (orders row)
--   sell_pending  a sell for this level is in flight
--   disabled      outside the current bounds after an update
CREATE TABLE grid_levels (
	strategy_id	bigint NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
	level		integer NOT NULL CONSTRAINT grid_levels_level CHECK (level >= 0),
	price		numeric NOT NULL CONSTRAINT grid_levels_price CHECK (price > 0),
	state		text NOT NULL DEFAULT 'idle' CONSTRAINT grid_levels_state
	    CHECK (state IN ('idle', 'buy_armed', 'sell_armed', 'buy_pending',
	    'sell_pending', 'disabled')),
	crossing_seq	bigint NOT NULL DEFAULT 0 CONSTRAINT grid_levels_crossing_seq
	    CHECK (crossing_seq >= 0),
	last_crossed_at	timestamptz,
	last_order_id	bigint,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (strategy_id, level)
);

CREATE TRIGGER grid_levels_touch BEFORE UPDATE ON grid_levels
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Conditional orders ------------------------------------------------------

-- Limit buy/sell, stop-loss and take-profit: fire once as a swap when the
-- price condition holds. amount is in base units of the token spent: the
-- quote token for limit_buy, the base token for the others. The trigger
-- condition: limit_buy price <= trigger_price; limit_sell and take_profit
-- price >= trigger_price; stop_loss price <= trigger_price.
CREATE TABLE conditional_orders (
	id		bigserial PRIMARY KEY,
	strategy_id	bigint REFERENCES strategies (id),
	symbol		market_symbol NOT NULL,
	kind		text NOT NULL CONSTRAINT conditional_orders_kind
	    CHECK (kind IN ('limit_buy', 'limit_sell', 'stop_loss', 'take_profit')),
	mode		text NOT NULL CONSTRAINT conditional_orders_mode
	    CHECK (mode IN ('paper', 'live')),
	trigger_price	numeric NOT NULL CONSTRAINT conditional_orders_trigger_price
	    CHECK (trigger_price > 0),
	amount		uint256 NOT NULL CONSTRAINT conditional_orders_amount CHECK (amount > 0),
	slippage_bps	integer CONSTRAINT conditional_orders_slippage
	    CHECK (slippage_bps BETWEEN 0 AND 10000),
	status		text NOT NULL DEFAULT 'open' CONSTRAINT conditional_orders_status
	    CHECK (status IN ('open', 'triggered', 'filled', 'cancelled', 'failed')),
	actor		text,
	expires_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	triggered_at	timestamptz,
	filled_at	timestamptz,
	cancelled_at	timestamptz,
	cancel_reason	text,
	error		text,
	CONSTRAINT conditional_orders_triggered_at
	    CHECK (status NOT IN ('triggered', 'filled') OR triggered_at IS NOT NULL),
	CONSTRAINT conditional_orders_cancelled_at
	    CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);

CREATE INDEX conditional_orders_strategy_status ON conditional_orders (strategy_id, status);
-- The trigger scan on every tick: open orders of a market.
CREATE INDEX conditional_orders_open ON conditional_orders (symbol) WHERE status = 'open';
CREATE INDEX conditional_orders_created_at ON conditional_orders (created_at);

CREATE TRIGGER conditional_orders_touch BEFORE UPDATE ON conditional_orders
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();
CREATE TRIGGER conditional_orders_emergency BEFORE INSERT ON conditional_orders
	FOR EACH ROW WHEN (NEW.status = 'open')
	EXECUTE FUNCTION bsc_refuse_during_emergency('a new conditional order');

-- Orders ------------------------------------------------------------------

-- One swap the bot decided to make, paper or live. The row is written
-- (status 'pending') before anything is signed; a live order's transaction
-- carries intent 'order:<id>'.
--
-- kind: 'grid' (a level crossing: strategy_id, level and crossing_seq
-- set), 'conditional' (conditional_order_id set), 'manual' (an operator's).
-- price: the level or trigger price that caused it; exec_price: what the
-- swap achieved (amount_out / amount_in, in human units).
CREATE TABLE orders (
	id			bigserial PRIMARY KEY,
	strategy_id		bigint REFERENCES strategies (id),
	conditional_order_id	bigint REFERENCES conditional_orders (id),
	symbol			market_symbol NOT NULL,
	side			text NOT NULL CONSTRAINT orders_side CHECK (side IN ('buy', 'sell')),
	kind			text NOT NULL CONSTRAINT orders_kind
	    CHECK (kind IN ('grid', 'conditional', 'manual')),
	mode			text NOT NULL CONSTRAINT orders_mode CHECK (mode IN ('paper', 'live')),
	level			integer CONSTRAINT orders_level CHECK (level >= 0),
	crossing_seq		bigint CONSTRAINT orders_crossing_seq CHECK (crossing_seq >= 0),
	amount_in		uint256 NOT NULL CONSTRAINT orders_amount_in CHECK (amount_in > 0),
	amount_out_min		uint256,
	amount_out		uint256,
	price			numeric NOT NULL CONSTRAINT orders_price CHECK (price > 0),
	exec_price		numeric CONSTRAINT orders_exec_price CHECK (exec_price > 0),
	slippage_bps		integer CONSTRAINT orders_slippage CHECK (slippage_bps BETWEEN 0 AND 10000),
	deadline		timestamptz,
	status			text NOT NULL DEFAULT 'pending' CONSTRAINT orders_status
	    CHECK (status IN ('pending', 'submitted', 'filled', 'failed', 'cancelled')),
	tx_id			bigint REFERENCES transactions (id),
	error			text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	submitted_at		timestamptz,
	filled_at		timestamptz,
	-- Each crossing of a grid level trades once.
	CONSTRAINT orders_one_per_crossing UNIQUE (strategy_id, level, crossing_seq),
	-- A conditional order fires once.
	CONSTRAINT orders_one_per_conditional UNIQUE (conditional_order_id),
	CONSTRAINT orders_grid_fields CHECK (kind <> 'grid' OR
	    (strategy_id IS NOT NULL AND level IS NOT NULL AND crossing_seq IS NOT NULL)),
	CONSTRAINT orders_conditional_fields
	    CHECK ((kind = 'conditional') = (conditional_order_id IS NOT NULL)),
	CONSTRAINT orders_paper_no_tx CHECK (mode = 'live' OR tx_id IS NULL),
	CONSTRAINT orders_filled_amount CHECK (status <> 'filled' OR amount_out IS NOT NULL),
	CONSTRAINT orders_submitted_tx
	    CHECK (status <> 'submitted' OR tx_id IS NOT NULL)
);

-- At most one order in flight per grid level.
CREATE UNIQUE INDEX orders_one_in_flight_per_level ON orders (strategy_id, level)
	WHERE status IN ('pending', 'submitted') AND level IS NOT NULL;
-- "No pending orders" (the emergency checklist) and start-up recovery.
CREATE INDEX orders_open ON orders (strategy_id) WHERE status IN ('pending', 'submitted');
-- Per-strategy history, error rate over a window, daily counts.
CREATE INDEX orders_strategy_created ON orders (strategy_id, created_at);
CREATE INDEX orders_created_at ON orders (created_at);
CREATE INDEX orders_tx_id ON orders (tx_id) WHERE tx_id IS NOT NULL;

CREATE TRIGGER orders_touch BEFORE UPDATE ON orders
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();
CREATE TRIGGER orders_emergency BEFORE INSERT ON orders
	FOR EACH ROW EXECUTE FUNCTION bsc_refuse_during_emergency('a new order');

ALTER TABLE grid_levels ADD CONSTRAINT grid_levels_last_order
	FOREIGN KEY (last_order_id) REFERENCES orders (id);

-- Fills -------------------------------------------------------------------

-- The execution of an order: an AMM swap fills whole, so one fill per
-- order. fee is the pool fee in base units of the token spent; gas_wei
-- what the transaction cost in BNB (estimated for paper); the *_quote
-- columns are the same in quote-token units (human), for PnL. realized_pnl
-- is set on a sell that closes a grid round trip.
CREATE TABLE fills (
	id		bigserial PRIMARY KEY,
	order_id	bigint NOT NULL UNIQUE REFERENCES orders (id),
	amount_in	uint256 NOT NULL,
	amount_out	uint256 NOT NULL,
	price		numeric NOT NULL CONSTRAINT fills_price CHECK (price > 0),
	fee		uint256 NOT NULL DEFAULT 0,
	fee_quote	numeric NOT NULL DEFAULT 0 CONSTRAINT fills_fee_quote CHECK (fee_quote >= 0),
	gas_used	bigint CONSTRAINT fills_gas_used CHECK (gas_used >= 0),
	gas_wei		uint256 NOT NULL DEFAULT 0,
	gas_cost_quote	numeric NOT NULL DEFAULT 0 CONSTRAINT fills_gas_cost_quote
	    CHECK (gas_cost_quote >= 0),
	realized_pnl	numeric,
	block_number	bigint,
	at		timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fills_at ON fills (at);

-- Daily PnL ---------------------------------------------------------------

-- One row per strategy and UTC day, upserted by stratd as fills land and
-- on a timer for unrealized PnL. All money columns in quote-token units.
-- trades: filled orders; round_trips: completed buy+sell pairs; wins:
-- round trips with positive net profit; errors: failed orders (the error
-- rate is errors / (trades + errors)).
CREATE TABLE pnl_daily (
	strategy_id	bigint NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
	day		date NOT NULL,
	realized	numeric NOT NULL DEFAULT 0,
	unrealized	numeric NOT NULL DEFAULT 0,
	fees		numeric NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_fees CHECK (fees >= 0),
	gas		numeric NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_gas CHECK (gas >= 0),
	volume		numeric NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_volume CHECK (volume >= 0),
	trades		integer NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_trades CHECK (trades >= 0),
	round_trips	integer NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_round_trips
	    CHECK (round_trips >= 0),
	wins		integer NOT NULL DEFAULT 0,
	errors		integer NOT NULL DEFAULT 0 CONSTRAINT pnl_daily_errors CHECK (errors >= 0),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (strategy_id, day),
	CONSTRAINT pnl_daily_wins CHECK (wins >= 0 AND wins <= round_trips)
);

CREATE INDEX pnl_daily_day ON pnl_daily (day);

CREATE TRIGGER pnl_daily_touch BEFORE UPDATE ON pnl_daily
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Paper balances ----------------------------------------------------------

-- What a paper strategy holds, in base units, per token.
CREATE TABLE paper_balances (
	strategy_id	bigint NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
	token		token_name NOT NULL,
	amount		uint256 NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (strategy_id, token)
);

CREATE TRIGGER paper_balances_touch BEFORE UPDATE ON paper_balances
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();
