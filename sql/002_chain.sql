-- 002_chain: wallets, the nonce manager, and every transaction the bot
-- signs. See 001_core.sql for the conventions and docs/SCHEMA.md.

-- Wallets -----------------------------------------------------------------

-- The wallets the bot knows. A keystore file name is kept, never a key or
-- a password. 'external' is an address the bot holds no key for (a cold
-- wallet or an exchange deposit address) that sweeps may be sent to.
CREATE TABLE wallets (
	address		eth_address PRIMARY KEY,
	label		text,
	role		text NOT NULL CONSTRAINT wallets_role
	    CHECK (role IN ('treasury', 'trading', 'external')),
	keystore_path	text UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	retired_at	timestamptz,
	CONSTRAINT wallets_external_keyless
	    CHECK (role <> 'external' OR keystore_path IS NULL)
);

CREATE TRIGGER wallets_touch BEFORE UPDATE ON wallets
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Nonce manager -----------------------------------------------------------

-- The next nonce to hand out per wallet and chain. The signer locks the
-- row (SELECT ... FOR UPDATE), takes next_nonce, increments it and inserts
-- the transactions row in the same database transaction, so a crash
-- either loses both or neither. synced_at: last reconciliation with the
-- chain's eth_getTransactionCount(wallet, "pending").
CREATE TABLE nonces (
	wallet		eth_address NOT NULL,
	chain_id	integer NOT NULL CONSTRAINT nonces_chain_id CHECK (chain_id > 0),
	next_nonce	bigint NOT NULL CONSTRAINT nonces_next_nonce CHECK (next_nonce >= 0),
	synced_at	timestamptz,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (wallet, chain_id)
);

CREATE TRIGGER nonces_touch BEFORE UPDATE ON nonces
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

-- Transactions ------------------------------------------------------------

-- Every transaction the bot signs, written before it is broadcast, with
-- the raw signed bytes: after a crash anywhere, a 'signed' row is simply
-- broadcast again (same bytes, same hash: idempotent) and a 'broadcast'
-- one is looked up by hash. Nothing is signed twice for one intent.
--
-- status:
--   signed     written, not yet known to have reached a node
--   broadcast  accepted by at least one node
--   mined      included, receipt status 1
--   failed     included and reverted (block_number set, revert_reason), or
--              refused by the node for good before inclusion (block_number
--              NULL, error): then its nonce was not used
--   replaced   superseded by a row with the same nonce and a higher gas
--              price (replaces points back here); may still turn 'mined'
--              if it wins the race, and the replacement becomes 'dropped'
--   dropped    gone from the mempool and its nonce used by another row
--
-- intent names what the transaction is for, "<owner>:<id>" such as
-- 'order:123', 'drip:5', 'sweep:7', 'rebalance:2', 'approve:<token>:<spender>';
-- a replacement keeps its original's intent.
CREATE TABLE transactions (
	id			bigserial PRIMARY KEY,
	intent			text NOT NULL CONSTRAINT transactions_intent_format
	    CHECK (intent ~ '^[a-z_]+:[^[:space:]]+$'),
	wallet			eth_address NOT NULL,
	chain_id		integer NOT NULL CONSTRAINT transactions_chain_id CHECK (chain_id > 0),
	nonce			bigint NOT NULL CONSTRAINT transactions_nonce CHECK (nonce >= 0),
	tx_type			smallint NOT NULL CONSTRAINT transactions_tx_type CHECK (tx_type IN (0, 2)),
	to_address		eth_address NOT NULL,
	value			uint256 NOT NULL DEFAULT 0,
	data			bytea NOT NULL DEFAULT '\x'::bytea,
	gas_limit		bigint NOT NULL CONSTRAINT transactions_gas_limit CHECK (gas_limit > 0),
	gas_price		uint256,
	max_fee			uint256,
	max_priority_fee	uint256,
	raw			bytea NOT NULL CONSTRAINT transactions_raw_nonempty CHECK (octet_length(raw) > 0),
	hash			bytes32 NOT NULL UNIQUE,
	status			text NOT NULL DEFAULT 'signed' CONSTRAINT transactions_status
	    CHECK (status IN ('signed', 'broadcast', 'mined', 'failed', 'replaced', 'dropped')),
	replaces		bigint,
	broadcast_count		integer NOT NULL DEFAULT 0 CONSTRAINT transactions_broadcast_count
	    CHECK (broadcast_count >= 0),
	block_number		bigint CONSTRAINT transactions_block_number CHECK (block_number >= 0),
	block_hash		bytes32,
	receipt_status		smallint CONSTRAINT transactions_receipt_status CHECK (receipt_status IN (0, 1)),
	gas_used		bigint CONSTRAINT transactions_gas_used CHECK (gas_used >= 0),
	effective_gas_price	uint256,
	revert_reason		text,
	error			text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	broadcast_at		timestamptz,
	mined_at		timestamptz,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	-- Target of the composite key below: a replacement must share its
	-- original's wallet, chain and nonce.
	CONSTRAINT transactions_id_nonce UNIQUE (id, wallet, chain_id, nonce),
	CONSTRAINT transactions_replaces_same_nonce
	    FOREIGN KEY (replaces, wallet, chain_id, nonce)
	    REFERENCES transactions (id, wallet, chain_id, nonce),
	CONSTRAINT transactions_not_self CHECK (replaces <> id),
	CONSTRAINT transactions_fee_fields CHECK (
	    (tx_type = 0 AND gas_price IS NOT NULL AND
	     max_fee IS NULL AND max_priority_fee IS NULL) OR
	    (tx_type = 2 AND gas_price IS NULL AND max_fee IS NOT NULL AND
	     max_priority_fee IS NOT NULL AND max_priority_fee <= max_fee)),
	CONSTRAINT transactions_receipt_needs_block
	    CHECK (receipt_status IS NULL OR block_number IS NOT NULL),
	CONSTRAINT transactions_mined_succeeded
	    CHECK (status <> 'mined' OR (block_number IS NOT NULL AND receipt_status = 1)),
	CONSTRAINT transactions_revert_is_failure
	    CHECK (receipt_status IS DISTINCT FROM 0 OR status = 'failed')
);

-- "Holds its nonce": a row that is or may yet be the one transaction
-- mined with this nonce. At most one per (wallet, chain, nonce), and at
-- most one per intent: this is the database's guarantee that an intent is
-- never executed twice, whatever a restarted process believes. Replacing
-- is: UPDATE the old row to 'replaced', then INSERT the new one; when the
-- old one wins after all: UPDATE the new to 'dropped', then the old to
-- 'mined'.
CREATE UNIQUE INDEX transactions_one_per_nonce
	ON transactions (wallet, chain_id, nonce)
	WHERE status IN ('signed', 'broadcast', 'mined') OR
	    (status = 'failed' AND block_number IS NOT NULL);
CREATE UNIQUE INDEX transactions_one_per_intent
	ON transactions (intent)
	WHERE status IN ('signed', 'broadcast', 'mined') OR
	    (status = 'failed' AND block_number IS NOT NULL);

-- Start-up recovery and the receipt poller: everything that may still
-- change on chain.
CREATE INDEX transactions_in_flight ON transactions (wallet, chain_id, nonce)
	WHERE status IN ('signed', 'broadcast', 'replaced');
CREATE INDEX transactions_intent ON transactions (intent);
CREATE INDEX transactions_replaces ON transactions (replaces) WHERE replaces IS NOT NULL;
CREATE INDEX transactions_created_at ON transactions (created_at);

-- What was signed never changes, and nothing goes back to 'signed'.
CREATE FUNCTION transactions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.intent IS DISTINCT FROM OLD.intent OR
	    NEW.wallet IS DISTINCT FROM OLD.wallet OR
	    NEW.chain_id IS DISTINCT FROM OLD.chain_id OR
	    NEW.nonce IS DISTINCT FROM OLD.nonce OR
	    NEW.tx_type IS DISTINCT FROM OLD.tx_type OR
	    NEW.to_address IS DISTINCT FROM OLD.to_address OR
	    NEW.value IS DISTINCT FROM OLD.value OR
	    NEW.data IS DISTINCT FROM OLD.data OR
	    NEW.gas_limit IS DISTINCT FROM OLD.gas_limit OR
	    NEW.gas_price IS DISTINCT FROM OLD.gas_price OR
	    NEW.max_fee IS DISTINCT FROM OLD.max_fee OR
	    NEW.max_priority_fee IS DISTINCT FROM OLD.max_priority_fee OR
	    NEW.raw IS DISTINCT FROM OLD.raw OR
	    NEW.hash IS DISTINCT FROM OLD.hash OR
	    NEW.replaces IS DISTINCT FROM OLD.replaces THEN
		RAISE EXCEPTION 'transaction %: the signed content is immutable', OLD.id;
	END IF;
	IF NEW.status = 'signed' AND OLD.status <> 'signed' THEN
		RAISE EXCEPTION 'transaction %: % -> signed is not a transition',
		    OLD.id, OLD.status;
	END IF;
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_guard BEFORE UPDATE ON transactions
	FOR EACH ROW EXECUTE FUNCTION transactions_guard();

-- Emergency stop: no new transaction for an order once it is in force
-- (replacements of in-flight order transactions included: "sends nothing
-- after it is acknowledged"). Funds operations stay possible, so that an
-- operator can still move assets to safety.
CREATE TRIGGER transactions_emergency BEFORE INSERT ON transactions
	FOR EACH ROW WHEN (NEW.intent LIKE 'order:%')
	EXECUTE FUNCTION bsc_refuse_during_emergency('a transaction for an order');
