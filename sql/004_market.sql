-- 004_market: candles, backtests, backtest trades, parameter sweeps.
-- See 001_core.sql for the conventions and docs/SCHEMA.md.

-- Candles -----------------------------------------------------------------

-- Binance kline intervals.
CREATE DOMAIN candle_interval AS text
	CONSTRAINT candle_interval_known CHECK (VALUE IN ('1s', '1m', '3m', '5m',
	    '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'));

-- OHLCV bars per market (the config's market symbol, "BTC/USDT", not the
-- CEX's "BTCUSDT"), from a Binance kline CSV import ('csv'), a
-- Binance-style REST endpoint ('cex'), built from on-chain pool prices
-- ('dex'), or made up by a test ('test'). Ticks are not stored. Re-imports
-- upsert on the primary key. Prices in quote per base, volume in base.
CREATE TABLE candles (
	symbol		market_symbol NOT NULL,
	interval	candle_interval NOT NULL,
	open_time	timestamptz NOT NULL,
	open		numeric NOT NULL,
	high		numeric NOT NULL,
	low		numeric NOT NULL,
	close		numeric NOT NULL,
	volume		numeric NOT NULL CONSTRAINT candles_volume CHECK (volume >= 0),
	quote_volume	numeric CONSTRAINT candles_quote_volume CHECK (quote_volume >= 0),
	trades		integer CONSTRAINT candles_trades CHECK (trades >= 0),
	source		text NOT NULL CONSTRAINT candles_source
	    CHECK (source IN ('csv', 'cex', 'dex', 'test')),
	imported_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (symbol, interval, open_time),
	CONSTRAINT candles_ohlc CHECK (low > 0 AND low <= open AND low <= close AND
	    high >= open AND high >= close)
);

-- Backtest parameter sweeps -----------------------------------------------

-- A grid search over strategy parameters: space holds the ranges, results
-- the runs ranked by rank_by (best first), each naming its backtests.id.
CREATE TABLE backtest_sweeps (
	id		bigserial PRIMARY KEY,
	symbol		market_symbol NOT NULL,
	interval	candle_interval NOT NULL,
	from_time	timestamptz NOT NULL,
	to_time		timestamptz NOT NULL,
	params		jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT backtest_sweeps_params_object
	    CHECK (jsonb_typeof(params) = 'object'),
	space		jsonb NOT NULL CONSTRAINT backtest_sweeps_space_object
	    CHECK (jsonb_typeof(space) = 'object'),
	rank_by		text NOT NULL DEFAULT 'sharpe',
	status		text NOT NULL DEFAULT 'running' CONSTRAINT backtest_sweeps_status
	    CHECK (status IN ('running', 'done', 'failed')),
	results		jsonb CONSTRAINT backtest_sweeps_results_array
	    CHECK (results IS NULL OR jsonb_typeof(results) = 'array'),
	error		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	finished_at	timestamptz,
	CONSTRAINT backtest_sweeps_range CHECK (to_time > from_time),
	CONSTRAINT backtest_sweeps_finished
	    CHECK (status = 'running' OR finished_at IS NOT NULL)
);

CREATE INDEX backtest_sweeps_created_at ON backtest_sweeps (created_at);

-- Backtests ---------------------------------------------------------------

-- One simulated run over stored candles. The metric columns are what
-- `backtest list` shows; report holds everything else (equity curve,
-- per-level statistics, the model's fee/slippage/gas settings) and is
-- what `backtest show` and the chart are drawn from. Ratios are doubles
-- (fractions: 0.05 is 5%); money is quote-token units, exact.
CREATE TABLE backtests (
	id		bigserial PRIMARY KEY,
	name		text,
	symbol		market_symbol NOT NULL,
	strategy_type	text NOT NULL DEFAULT 'grid' CONSTRAINT backtests_strategy_type
	    CHECK (strategy_type IN ('grid')),
	interval	candle_interval NOT NULL,
	params		jsonb NOT NULL CONSTRAINT backtests_params_object
	    CHECK (jsonb_typeof(params) = 'object'),
	from_time	timestamptz NOT NULL,
	to_time		timestamptz NOT NULL,
	sweep_id	bigint REFERENCES backtest_sweeps (id) ON DELETE CASCADE,
	status		text NOT NULL DEFAULT 'running' CONSTRAINT backtests_status
	    CHECK (status IN ('running', 'done', 'failed')),
	candles		integer CONSTRAINT backtests_candles CHECK (candles >= 0),
	initial_equity	numeric,
	final_equity	numeric,
	total_return	double precision,
	realized_profit	numeric,
	fees		numeric,
	gas		numeric,
	max_drawdown	double precision CONSTRAINT backtests_max_drawdown
	    CHECK (max_drawdown >= 0 AND max_drawdown <= 1),
	sharpe		double precision,
	sortino		double precision,
	trades		integer CONSTRAINT backtests_trades CHECK (trades >= 0),
	round_trips	integer CONSTRAINT backtests_round_trips CHECK (round_trips >= 0),
	win_rate	double precision CONSTRAINT backtests_win_rate
	    CHECK (win_rate >= 0 AND win_rate <= 1),
	apr		double precision,
	report		jsonb,
	error		text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	finished_at	timestamptz,
	CONSTRAINT backtests_range CHECK (to_time > from_time),
	CONSTRAINT backtests_finished CHECK (status = 'running' OR finished_at IS NOT NULL),
	CONSTRAINT backtests_failed_error CHECK (status <> 'failed' OR error IS NOT NULL)
);

CREATE INDEX backtests_created_at ON backtests (created_at);
CREATE INDEX backtests_symbol_created ON backtests (symbol, created_at);
CREATE INDEX backtests_sweep ON backtests (sweep_id) WHERE sweep_id IS NOT NULL;

-- Simulated trades of a backtest, in order. Amounts are decimal (human
-- units): nothing here is on chain. amount is in base, fee and gas in
-- quote.
CREATE TABLE backtest_trades (
	backtest_id	bigint NOT NULL REFERENCES backtests (id) ON DELETE CASCADE,
	seq		integer NOT NULL CONSTRAINT backtest_trades_seq CHECK (seq >= 0),
	at		timestamptz NOT NULL,
	side		text NOT NULL CONSTRAINT backtest_trades_side CHECK (side IN ('buy', 'sell')),
	level		integer CONSTRAINT backtest_trades_level CHECK (level >= 0),
	price		numeric NOT NULL CONSTRAINT backtest_trades_price CHECK (price > 0),
	amount		numeric NOT NULL CONSTRAINT backtest_trades_amount CHECK (amount > 0),
	quote_amount	numeric CONSTRAINT backtest_trades_quote_amount CHECK (quote_amount >= 0),
	fee		numeric NOT NULL DEFAULT 0 CONSTRAINT backtest_trades_fee CHECK (fee >= 0),
	gas		numeric NOT NULL DEFAULT 0 CONSTRAINT backtest_trades_gas CHECK (gas >= 0),
	realized_pnl	numeric,
	PRIMARY KEY (backtest_id, seq)
);
