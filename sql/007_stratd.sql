-- 007_stratd: what stratd's trading engine (stratd/engine.c, docs/STRATD.md)
-- needs beyond 003_strategies.sql.

-- Orders of the grid engine --------------------------------------------------

-- The grid engine (stratd/grid.h) numbers every order it issues (1, 2, ...
-- per strategy, never reused) and names that number in its persisted
-- state while the order is in flight: the key that ties the state to the
-- orders row after a crash. Besides level crossings it issues orders that
-- belong to no level: the initial buy ('init') and the closing sell of a
-- stop bound ('close'); grid_kind says which.
ALTER TABLE orders
	ADD COLUMN grid_order_id bigint CONSTRAINT orders_grid_order_id
	    CHECK (grid_order_id > 0),
	ADD COLUMN grid_kind text CONSTRAINT orders_grid_kind
	    CHECK (grid_kind IN ('level', 'init', 'close'));

-- Every order of the grid engine is written once, crossings or not.
ALTER TABLE orders ADD CONSTRAINT orders_one_per_grid_order
	UNIQUE (strategy_id, grid_order_id);

-- A grid order is a level crossing (level and crossing_seq set: the
-- orders_one_per_crossing key of 003) or an init/close order (neither).
ALTER TABLE orders DROP CONSTRAINT orders_grid_fields;
ALTER TABLE orders ADD CONSTRAINT orders_grid_fields CHECK (kind <> 'grid' OR
	(strategy_id IS NOT NULL AND
	 ((level IS NOT NULL AND crossing_seq IS NOT NULL AND
	   grid_kind IS DISTINCT FROM 'init' AND
	   grid_kind IS DISTINCT FROM 'close') OR
	  (level IS NULL AND crossing_seq IS NULL AND
	   grid_kind IN ('init', 'close')))));

-- Daily PnL: the mark-to-market day ---------------------------------------

-- unrealized_start: the unrealized PnL at the start of the UTC day (the
-- previous row's last value), so that a day's result is
--   realized - gas + (unrealized - unrealized_start)
-- (pool fees are inside realized and unrealized: the amounts are after
-- fees). That result, negated when it is a loss, is the figure behind the
-- daily loss limit and the strategy_daily_loss metric.
ALTER TABLE pnl_daily
	ADD COLUMN unrealized_start numeric NOT NULL DEFAULT 0;

CREATE VIEW strategy_daily_pnl AS
	SELECT strategy_id, day, realized, unrealized, unrealized_start, fees,
	    gas, volume, trades, round_trips, wins, errors,
	    realized - gas + unrealized - unrealized_start AS net,
	    greatest(0, unrealized_start + gas - realized - unrealized) AS loss,
	    CASE WHEN trades + errors > 0
		THEN errors::float8 / (trades + errors) END AS error_rate
	FROM pnl_daily;
