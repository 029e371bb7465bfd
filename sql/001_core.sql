-- 001_core: shared types, the emergency stop, the operator audit log.
--
-- Applied once, inside one transaction, by `bsc-ctl db migrate`, which
-- records it in schema_migrations (the runner owns that table). No
-- BEGIN/COMMIT here. Never edit this file once it has shipped: add a new
-- sql/NNN_*.sql instead. docs/SCHEMA.md describes every table.
--
-- Conventions for every file:
--  * on-chain amounts (wei, token base units) are uint256: exact integers,
--    never floating point, and a fraction is an error, not a rounding;
--  * decimal prices and sizes in human units are NUMERIC (no precision
--    given: exact, as many digits as written); doubles only for statistics
--    (Sharpe, drawdown, ratios) that are computed as doubles anyway;
--  * addresses are lower-case "0x" + 40 hex digits (EIP-55 checksumming
--    is for display, at the edges); a mixed-case address is refused so
--    that one wallet can never appear as two;
--  * every time is timestamptz; days (pnl_daily) are UTC dates;
--  * status and kind columns are text with a CHECK naming every value.

-- Types -------------------------------------------------------------------

-- 0 <= x < 2^256, integral. Not numeric(78,0): that would silently round
-- '1.5' to 2, and a wei amount that arrives with a fraction is a bug to
-- report, not to round.
CREATE DOMAIN uint256 AS numeric
	CONSTRAINT uint256_range CHECK (VALUE >= 0 AND
	    VALUE <= 115792089237316195423570985008687907853269984665640564039457584007913129639935)
	CONSTRAINT uint256_integral CHECK (scale(VALUE) = 0);

CREATE DOMAIN eth_address AS text
	CONSTRAINT eth_address_format CHECK (VALUE ~ '^0x[0-9a-f]{40}$');

-- Transaction and block hashes.
CREATE DOMAIN bytes32 AS bytea
	CONSTRAINT bytes32_length CHECK (octet_length(VALUE) = 32);

-- A market as named in the config's [market SYMBOL] sections: "BTC/USDT".
CREATE DOMAIN market_symbol AS text
	CONSTRAINT market_symbol_format
	    CHECK (VALUE ~ '^[A-Za-z0-9._-]{1,32}/[A-Za-z0-9._-]{1,32}$');

-- A token as named in the config's [token NAME] sections ("BTCB",
-- "USDT"); "BNB" is the chain's native coin, which has no address.
CREATE DOMAIN token_name AS text
	CONSTRAINT token_name_format CHECK (VALUE ~ '^[A-Za-z0-9._-]{1,32}$');

-- Shared trigger functions -------------------------------------------------

-- Keeps updated_at honest on every UPDATE of a table that has one.
CREATE FUNCTION bsc_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

-- Emergency stop ----------------------------------------------------------

-- Exactly one row (id = 1), inserted below and never deleted. `emergency
-- stop-all` sets active in the same transaction that stops every strategy
-- and cancels every conditional order; a restart reads it before trading.
CREATE TABLE emergency_state (
	id		smallint PRIMARY KEY DEFAULT 1 CONSTRAINT emergency_state_single_row CHECK (id = 1),
	active		boolean NOT NULL DEFAULT false,
	reason		text,
	actor		text,
	at		timestamptz,
	cleared_at	timestamptz,
	cleared_by	text,
	cleared_reason	text,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT emergency_state_active_has_reason
	    CHECK (NOT active OR (reason IS NOT NULL AND reason <> '' AND
	    actor IS NOT NULL AND at IS NOT NULL))
);

INSERT INTO emergency_state (id, active) VALUES (1, false);

CREATE TRIGGER emergency_state_touch BEFORE UPDATE ON emergency_state
	FOR EACH ROW EXECUTE FUNCTION bsc_touch_updated_at();

CREATE FUNCTION emergency_state_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'emergency_state has exactly one row; update it, never delete it';
END;
$$;

CREATE TRIGGER emergency_state_no_delete BEFORE DELETE ON emergency_state
	FOR EACH ROW EXECUTE FUNCTION emergency_state_keep();
CREATE TRIGGER emergency_state_no_truncate BEFORE TRUNCATE ON emergency_state
	FOR EACH STATEMENT EXECUTE FUNCTION emergency_state_keep();

-- 1 when an emergency stop is in force.
CREATE FUNCTION bsc_emergency_active() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT active FROM emergency_state WHERE id = 1
$$;

-- Interlock used by later files: refuses, with SQLSTATE BSE01, a row that
-- would start trading (a new order, an activated strategy, an order's
-- transaction) while the emergency stop is in force. The daemons check
-- first and say so politely; this is the database's own guarantee that
-- nothing slips through a race or a bug. TG_ARGV[0] names the thing.
-- (A backup taken during an emergency still restores: pg_dump creates
-- triggers after it has loaded the data.)
CREATE FUNCTION bsc_refuse_during_emergency() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	st emergency_state%ROWTYPE;
BEGIN
	-- FOR SHARE: a concurrent stop-all (which updates the row) and this
	-- insert serialise; whichever commits second sees the other.
	SELECT * INTO st FROM emergency_state WHERE id = 1 FOR SHARE;
	IF st.active THEN
		RAISE EXCEPTION 'emergency stop in force since % (%): refusing %',
		    st.at, st.reason, TG_ARGV[0]
		    USING ERRCODE = 'BSE01';
	END IF;
	RETURN NEW;
END;
$$;

-- Audit log ---------------------------------------------------------------

-- One row per operator command and per automatic action taken on the
-- operators' behalf (a risk pause by stratd, a kill switch by monitord).
-- Written when the command is received (ok NULL) and completed once with
-- its outcome; the guard below keeps it append-only.
CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor		text NOT NULL CONSTRAINT audit_log_actor_nonempty CHECK (actor <> ''),
	source		text NOT NULL DEFAULT 'bsc-ctl',
	target		text,
	command		text NOT NULL CONSTRAINT audit_log_command_nonempty CHECK (command <> ''),
	args		jsonb NOT NULL DEFAULT '{}'::jsonb,
	reason		text,
	ok		boolean,
	result		jsonb,
	error		text,
	finished_at	timestamptz,
	CONSTRAINT audit_log_failure_has_error CHECK (ok IS NOT FALSE OR error IS NOT NULL)
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_command_at ON audit_log (command, at);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at);

CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'audit_log is append-only';
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.ok IS NOT NULL THEN
			RAISE EXCEPTION 'audit_log row % is already complete', OLD.id;
		END IF;
		IF NEW.at IS DISTINCT FROM OLD.at OR
		    NEW.actor IS DISTINCT FROM OLD.actor OR
		    NEW.source IS DISTINCT FROM OLD.source OR
		    NEW.target IS DISTINCT FROM OLD.target OR
		    NEW.command IS DISTINCT FROM OLD.command OR
		    NEW.args IS DISTINCT FROM OLD.args OR
		    NEW.reason IS DISTINCT FROM OLD.reason THEN
			RAISE EXCEPTION 'audit_log row %: only the outcome may be filled in', OLD.id;
		END IF;
	END IF;
	IF NEW.ok IS NOT NULL AND NEW.finished_at IS NULL THEN
		NEW.finished_at := now();
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
