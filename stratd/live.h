/*
 * live.h: live mode's executions on chain, through the transaction
 * manager (common/txmgr.h, docs/TXMGR.md).
 *
 * The trading wallet is [stratd] wallet: a keystore file name in
 * [wallets] keystore_dir (or a path, or its 0x address), decrypted with
 * [wallets] password_file at start-up; the key lives only in the
 * transaction manager, which wipes it when freed. Without a wallet, live
 * strategies cannot trade (the engine pauses them with that reason).
 *
 * A swap is router.swapExactTokensForTokens(amount_in, amount_out_min,
 * [token_in, token_out], wallet, deadline) under the intent
 * "order:<orders.id>", so that one order can never be executed twice
 * (txmgr: an intent has at most one live transaction). Before it: the
 * token's allowance for the router, approved once (to the maximum) under
 * the intent "approve:<token>:<router>" when short; the balance of the
 * token spent. Gas limits come from eth_estimateGas with [chain]
 * gas_margin_pct, at least [stratd] swap_gas_min. The fill is read from
 * the receipt's logs (the ERC-20 Transfer events of the two tokens from
 * and to the wallet), never from an estimate.
 *
 * The JSON-RPC client here does not retry beyond one pass over the
 * endpoints, so that a dead node costs the daemon's loop at most
 * [chain] rpc_timeout_ms per endpoint, never a long stall of the control
 * endpoint (an emergency stop must be answered).
 */
#ifndef STRATD_LIVE_H
#define STRATD_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "txmgr.h"
#include "u256.h"

struct config;

struct live;

/*
 * Set up from cfg: the chain client, a database connection of its own for
 * the transaction manager, the wallet's key. Never NULL but on no memory:
 * when something is missing (no [chain] rpc_urls or router, no [stratd]
 * wallet, a key that does not decrypt) the result is not ready and
 * live_why() says why. Logs what it loaded (never the key).
 */
struct live	*live_new(const struct config *cfg);
void		 live_free(struct live **);

/* Predicate: 1 when live orders can be executed. */
int		 live_ready(const struct live *);
/* Why not ready ("" when ready). */
const char	*live_why(const struct live *);
/* The trading wallet (valid when ready). */
const struct addr *live_wallet(const struct live *);

/*
 * Start-up: when halted (emergency stop in force), hold every intent and
 * drop the order transactions that never left the process first; then
 * txmgr_recover. Returns 0, or -1 when the node or the database could
 * not be reached (the poll carries on later).
 */
int		 live_start(struct live *, int halted);

/*
 * The emergency stop, before it is acknowledged: drop every order and
 * approval transaction never handed to a node, cancel (same-nonce
 * self-transfer) order transactions that may be in a node's pool, then
 * hold everything: from here this manager sends nothing, only records
 * receipts. Counts go to the pointers (may be NULL).
 */
void		 live_halt(struct live *, int *dropped, int *kept,
		    int *cancelled);

/* The emergency stop was cleared: sending is allowed again. */
void		 live_release(struct live *);

/*
 * One txmgr_poll pass (receipts, resends, replacements), skipped while a
 * failing node is backed off. *inflight gets the unfinished rows (may be
 * NULL). Returns 0 or -1.
 */
int		 live_poll(struct live *, int *inflight);

enum live_approval { LIVE_APPROVED = 0, LIVE_APPROVING, LIVE_APPROVE_FAILED };

/*
 * Is the router allowed to spend amount of token? Checks (and caches) the
 * allowance; when it is short and no approval is in flight, submits one.
 * The caller must not call it during an emergency stop. why gets the
 * reason of a failure. Returns the state, or -1 when the node could not
 * be asked (try again later).
 */
int		 live_approval(struct live *, const struct addr *token,
		    const u256 *amount, char *why, size_t whylen);

/* The wallet's balance of token. Returns 0 or -1. */
int		 live_balance(struct live *, const struct addr *token, u256 *out);

struct live_swap {
	const char	*intent;	/* "order:<id>" */
	struct addr	 token_in, token_out;
	u256		 amount_in, amount_out_min;
	uint64_t	 deadline;	/* unix seconds */
	int		 fresh;		/* never submitted (txmgr_intent) */
};

/*
 * Ask the node now what submitting s will need, in one round trip: the
 * wallet's balance of the token it spends (for live_balance) and
 * txmgr_prepare's fees, gas and funds check for its call (for
 * live_submit of the same swap). Kept
 * for one submission within TXMGR_PREP_MAX_AGE_MS; a different swap asks
 * again. The engine calls it while the database records the order, so
 * that the node's round trips overlap that work. Does nothing (-1) when
 * the token's approval is not known to be ample; else returns 0, or -1
 * when the node could not answer (nothing kept).
 */
int		 live_warm(struct live *, const struct live_swap *s);

/* Build the call and txmgr_submit it (an existing transaction of the
 * intent is returned instead). Returns 0 or -1 with err (as txmgr). */
int		 live_submit(struct live *, const struct live_swap *,
		    struct txmgr_tx *tx, struct txmgr_error *err);

/* txmgr_status of intent: 1 found, 0 none, -1. */
int		 live_status(struct live *, const char *intent,
		    struct txmgr_tx *tx);

/*
 * What a mined swap moved, from its receipt's Transfer logs: *in of
 * token_in from the wallet, *out of token_out to it. Returns 0, -1 when
 * the node could not be asked (try again), -2 when the receipt shows no
 * transfer out to the wallet (not a swap of ours).
 */
int		 live_receipt(struct live *, const struct txmgr_tx *tx,
		    const struct addr *token_in, const struct addr *token_out,
		    u256 *in, u256 *out);

/*
 * The benchmark's end mark: *at_us the monotonic microseconds when the
 * last transaction was recorded signed (0 before any), *wire_us the time
 * spent in node exchanges (rpc_wire_us) at that moment.
 */
void		 live_last_signed(const struct live *, long long *at_us,
		    uint64_t *wire_us);

/* rpc_wire_us of its node connection now (0 without one). */
uint64_t	 live_wire_us(const struct live *);

/* The underlying manager (status and tests); NULL when not ready. */
struct txmgr	*live_txmgr(struct live *);

#endif
