-- 005_funds_monitor: balance snapshots, gas drips, sweeps, rebalances
-- (written by fundsd) and alerts (written by monitord). See 001_core.sql
-- for the conventions and docs/SCHEMA.md.
--
-- Assets are named as in the config ([token NAME]), 'BNB' for the native
-- coin; asset_address is the token contract, NULL for BNB. Amounts are
-- in base units (wei).
--
-- A funds operation goes pending -> submitted (its transaction signed and
-- linked, intent '<drip|sweep|rebalance>:<id>') -> confirmed | failed.
-- 'cancelled' is only possible before a transaction exists: the runbook's
-- "cancel pending tasks by hand" is
--	UPDATE sweeps SET status = 'cancelled', error = 'by hand: <why>'
--	    WHERE status = 'pending';
-- and the database refuses it for anything already signed.

-- Balance snapshots -------------------------------------------------------

CREATE TABLE balance_snapshots (
	wallet		eth_address NOT NULL,
	token		token_name NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	token_address	eth_address,
	amount		uint256 NOT NULL,
	block_number	bigint CONSTRAINT balance_snapshots_block CHECK (block_number >= 0),
	-- Latest per wallet and token: DISTINCT ON (wallet, token) ... ORDER
	-- BY wallet, token, at DESC walks this key.
	PRIMARY KEY (wallet, token, at)
);

CREATE INDEX balance_snapshots_at ON balance_snapshots (at);

-- Gas drips ---------------------------------------------------------------

-- BNB sent from the treasury to a trading wallet whose balance fell below
-- the threshold (balance_before), or by hand.
CREATE TABLE gas_drips (
	id		bigserial PRIMARY KEY,
	from_address	eth_address NOT NULL,
	to_address	eth_address NOT NULL,
	amount		uint256 NOT NULL CONSTRAINT gas_drips_amount CHECK (amount > 0),
	balance_before	uint256,
	tx_id		bigint REFERENCES transactions (id),
	status		text NOT NULL DEFAULT 'pending' CONSTRAINT gas_drips_status
	    CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed', 'cancelled')),
	reason		text,
	actor		text NOT NULL DEFAULT 'fundsd',
	error		text,
	at		timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	confirmed_at	timestamptz,
	CONSTRAINT gas_drips_distinct CHECK (from_address <> to_address),
	CONSTRAINT gas_drips_cancel_unsigned CHECK (status <> 'cancelled' OR tx_id IS NULL),
	CONSTRAINT gas_drips_sent_has_tx
	    CHECK (status NOT IN ('submitted', 'confirmed') OR tx_id IS NOT NULL)
);

CREATE INDEX gas_drips_at ON gas_drips (at);
CREATE INDEX gas_drips_to_at ON gas_drips (to_address, at);
CREATE INDEX gas_drips_open ON gas_drips (status) WHERE status IN ('pending', 'submitted');

CREATE TRIGGER gas_drips_touch BEFORE UPDATE ON gas_drips
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Sweeps ------------------------------------------------------------------

-- An asset moved to the treasury, a cold wallet or a new address (key
-- rotation), automatically above a threshold or by `funds sweep execute`.
CREATE TABLE sweeps (
	id		bigserial PRIMARY KEY,
	from_address	eth_address NOT NULL,
	to_address	eth_address NOT NULL,
	asset		token_name NOT NULL,
	asset_address	eth_address,
	amount		uint256 NOT NULL CONSTRAINT sweeps_amount CHECK (amount > 0),
	tx_id		bigint REFERENCES transactions (id),
	status		text NOT NULL DEFAULT 'pending' CONSTRAINT sweeps_status
	    CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed', 'cancelled')),
	reason		text,
	actor		text NOT NULL,
	error		text,
	at		timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	confirmed_at	timestamptz,
	CONSTRAINT sweeps_distinct CHECK (from_address <> to_address),
	CONSTRAINT sweeps_native_no_address CHECK ((asset = 'BNB') = (asset_address IS NULL)),
	CONSTRAINT sweeps_cancel_unsigned CHECK (status <> 'cancelled' OR tx_id IS NULL),
	CONSTRAINT sweeps_sent_has_tx
	    CHECK (status NOT IN ('submitted', 'confirmed') OR tx_id IS NOT NULL)
);

CREATE INDEX sweeps_at ON sweeps (at);
CREATE INDEX sweeps_open ON sweeps (status) WHERE status IN ('pending', 'submitted');

CREATE TRIGGER sweeps_touch BEFORE UPDATE ON sweeps
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Rebalances --------------------------------------------------------------

-- An asset moved between the bot's own wallets to bring each back to its
-- target holding.
CREATE TABLE rebalances (
	id		bigserial PRIMARY KEY,
	from_address	eth_address NOT NULL,
	to_address	eth_address NOT NULL,
	asset		token_name NOT NULL,
	asset_address	eth_address,
	amount		uint256 NOT NULL CONSTRAINT rebalances_amount CHECK (amount > 0),
	tx_id		bigint REFERENCES transactions (id),
	status		text NOT NULL DEFAULT 'pending' CONSTRAINT rebalances_status
	    CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed', 'cancelled')),
	reason		text,
	actor		text NOT NULL DEFAULT 'fundsd',
	error		text,
	at		timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	confirmed_at	timestamptz,
	CONSTRAINT rebalances_distinct CHECK (from_address <> to_address),
	CONSTRAINT rebalances_native_no_address CHECK ((asset = 'BNB') = (asset_address IS NULL)),
	CONSTRAINT rebalances_cancel_unsigned CHECK (status <> 'cancelled' OR tx_id IS NULL),
	CONSTRAINT rebalances_sent_has_tx
	    CHECK (status NOT IN ('submitted', 'confirmed') OR tx_id IS NOT NULL)
);

CREATE INDEX rebalances_at ON rebalances (at);
CREATE INDEX rebalances_open ON rebalances (status) WHERE status IN ('pending', 'submitted');

CREATE TRIGGER rebalances_touch BEFORE UPDATE ON rebalances
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Every funds movement that has left, or may yet leave, a wallet: the
-- per-operation and daily outflow limits and the funds_hourly_outflow
-- metric sum this over a time window (valuing each asset at its price).
CREATE VIEW funds_outflows AS
	SELECT 'gas_drip'::text AS kind, id, from_address, to_address,
	    'BNB'::text AS asset, NULL::text AS asset_address, amount::numeric AS amount,
	    status, at
	FROM gas_drips WHERE status IN ('pending', 'submitted', 'confirmed')
	UNION ALL
	SELECT 'sweep', id, from_address, to_address, asset::text, asset_address::text,
	    amount::numeric, status, at
	FROM sweeps WHERE status IN ('pending', 'submitted', 'confirmed')
	UNION ALL
	SELECT 'rebalance', id, from_address, to_address, asset::text, asset_address::text,
	    amount::numeric, status, at
	FROM rebalances WHERE status IN ('pending', 'submitted', 'confirmed');

-- Alerts ------------------------------------------------------------------

-- Alert instances evaluated by monitord (the rules of
-- etc/prometheus rules file, P1 and P2). One row from the moment a rule's
-- condition has held for its 'for' duration until it resolves; at most one
-- firing row per rule and label set. action records what monitord did
-- about it beyond notifying (e.g. 'emergency_stop' for the kill switch).
CREATE TABLE alerts (
	id		bigserial PRIMARY KEY,
	rule		text NOT NULL CONSTRAINT alerts_rule_nonempty CHECK (rule <> ''),
	severity	text NOT NULL CONSTRAINT alerts_severity CHECK (severity IN ('P1', 'P2')),
	state		text NOT NULL DEFAULT 'firing' CONSTRAINT alerts_state
	    CHECK (state IN ('firing', 'resolved')),
	labels		jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT alerts_labels_object
	    CHECK (jsonb_typeof(labels) = 'object'),
	value		double precision,
	message		text NOT NULL,
	action		text,
	started_at	timestamptz NOT NULL DEFAULT now(),
	resolved_at	timestamptz,
	notified_at	timestamptz,
	notify_error	text,
	CONSTRAINT alerts_resolved_at CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
);

CREATE UNIQUE INDEX alerts_one_firing ON alerts (rule, labels) WHERE state = 'firing';
CREATE INDEX alerts_started_at ON alerts (started_at);
