-- 006_txmgr: bookkeeping the transaction manager (common/txmgr.c) needs
-- beyond 002_chain.sql. docs/TXMGR.md describes the state machine.

-- send_attempts: eth_sendRawTransaction calls started for this row. The
--   counter is incremented and committed BEFORE each call, so 0 proves
--   that the signed bytes never left the process (the emergency stop may
--   drop such a row); >= 1 means a node may have it, even if every call
--   failed or timed out.
-- broadcast_count (002) counts the calls a node answered with acceptance
--   ("ok" or "already known").
-- sent_block: the chain head when a node first accepted the row (reset
--   when it had to be broadcast again because the node had forgotten it):
--   the start of the replace_after_blocks clock.
-- replace_due: a node refused the row as underpriced (or below the base
--   fee); the next poll replaces it without waiting for the clock.
ALTER TABLE transactions
	ADD COLUMN send_attempts integer NOT NULL DEFAULT 0
	    CONSTRAINT transactions_send_attempts CHECK (send_attempts >= 0),
	ADD COLUMN sent_block bigint
	    CONSTRAINT transactions_sent_block CHECK (sent_block >= 0),
	ADD COLUMN replace_due boolean NOT NULL DEFAULT false;

-- A row a node accepted was attempted.
ALTER TABLE transactions ADD CONSTRAINT transactions_accepted_was_sent
	CHECK (broadcast_count <= send_attempts);
