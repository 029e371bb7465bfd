/*
 * txmgr.h: the transaction manager. Every transaction a process signs
 * goes through it: nonce from the per-wallet nonce manager, the signed
 * bytes recorded in the database before anything is broadcast, broadcast,
 * receipts followed by a poll the daemon calls from its loop, stuck
 * transactions replaced with a higher fee, reverts recorded with their
 * reason, and a start-up recovery that reconciles every unfinished row
 * with the chain. docs/TXMGR.md has the state machine and the crash
 * matrix; sql/002_chain.sql and sql/006_txmgr.sql the tables.
 *
 * Intents. Every transaction is for an intent, "<owner>:<id>" such as
 * "order:123" (lower-case letters or '_', a colon, then no white space;
 * at most TXMGR_INTENT_MAX bytes). An intent has at most one live
 * transaction: submitting it again returns that transaction and signs
 * nothing. Only when its transaction was refused for good before
 * inclusion (status failed without a block, or dropped) may the intent be
 * submitted anew. A replacement (same nonce, higher fee) keeps the intent.
 *
 * Keys. A txmgr signs with the keys it was given (txmgr_add_key, or the
 * key of a submitted intent, which is registered the same way) and
 * manages only the wallets of those keys: txmgr_poll and txmgr_recover
 * touch no other wallet's rows. It keeps copies of the keys, because
 * replacing a stuck transaction means signing again, and wipes them with
 * explicit_bzero in txmgr_remove_key and txmgr_free. A key never reaches
 * a log, the database or an error message.
 *
 * A struct txmgr borrows its struct db and struct rpc; it is not
 * thread-safe (one per thread, like those). Several processes may manage
 * the same wallet: the nonce row lock and the schema's unique indexes keep
 * them consistent.
 */
#ifndef BSC_TXMGR_H
#define BSC_TXMGR_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "u256.h"

struct db;
struct rpc;
struct rpc_batch_item;

#define TXMGR_INTENT_MAX	200	/* bytes, without the NUL */
#define TXMGR_MSG_MAX		256
#define TXMGR_DATA_MAX		(128 * 1024)	/* call data bytes */
#define TXMGR_MAX_KEYS		64

/* The statuses of a transactions row (sql/002_chain.sql). */
enum txmgr_status {
	TXMGR_SIGNED = 0,	/* recorded, not yet known to be at a node */
	TXMGR_BROADCAST,	/* a node accepted it */
	TXMGR_MINED,		/* included, receipt status 1 */
	TXMGR_FAILED,		/* reverted (has_block), or refused for good */
	TXMGR_REPLACED,		/* superseded by a same-nonce row; may win */
	TXMGR_DROPPED		/* never mined: its nonce went to another */
};

/* Where a transaction is in its lifecycle, for the hook below. */
enum txmgr_point {
	TXMGR_AT_RECORDED = 0,	/* row committed as 'signed' (a new one or
				 * a replacement); nothing sent yet */
	TXMGR_AT_SENDING,	/* send attempt counted in the database;
				 * eth_sendRawTransaction not yet called */
	TXMGR_AT_SENT,		/* a node accepted it; not yet recorded */
	TXMGR_AT_BROADCAST,	/* 'broadcast' recorded */
	TXMGR_AT_RECEIPT,	/* receipt seen; not yet recorded */
	TXMGR_AT_FINAL		/* final status (mined, failed, dropped)
				 * recorded */
};

/* A transaction as recorded (one transactions row). */
struct txmgr_tx {
	int64_t			 id;
	char			 intent[TXMGR_INTENT_MAX + 1];
	struct addr		 wallet;
	uint64_t		 nonce;
	int			 type;		/* 0 legacy, 2 EIP-1559 */
	enum txmgr_status	 status;
	uint8_t			 hash[32];
	struct addr		 to;
	u256			 value;
	uint64_t		 gas_limit;
	u256			 gas_price;	/* type 0 */
	u256			 max_fee;	/* type 2 */
	u256			 max_priority_fee; /* type 2 */
	int64_t			 replaces;	/* id of the row it replaces,
						 * 0: none */
	int			 send_attempts;
	int			 broadcast_count;
	int			 has_block;	/* included in a block */
	uint64_t		 block_number;
	int			 receipt_status; /* -1 none, 0 reverted, 1 ok */
	uint64_t		 gas_used;
	u256			 effective_gas_price;
	char			 revert_reason[TXMGR_MSG_MAX];	/* "" none */
	char			 error[TXMGR_MSG_MAX];	/* last node refusal
							 * or reason; "" */
	int			 existing;	/* txmgr_submit: 1 when this
						 * was already recorded */
};

enum txmgr_code {
	TXMGR_OK = 0,
	TXMGR_E_INVALID,	/* bad argument: intent text, key, type... */
	TXMGR_E_NOKEY,		/* no key registered for the wallet */
	TXMGR_E_REVERTED,	/* eth_estimateGas: the call would revert */
	TXMGR_E_FUNDS,		/* balance < value + gas limit * max fee */
	TXMGR_E_FEE_CAP,	/* the fee needed is above max_gas_price */
	TXMGR_E_RPC,		/* node unreachable, or an error from it */
	TXMGR_E_DB,		/* database unreachable or a query failed */
	TXMGR_E_EMERGENCY,	/* the emergency stop refuses the intent */
	TXMGR_E_INTERNAL	/* out of memory, signing failed */
};

/*
 * Why txmgr_submit failed. msg is for an operator (it never holds a key
 * or an endpoint URL); reason is the decoded revert reason for
 * TXMGR_E_REVERTED ("ds-math-sub-underflow"), else "".
 */
struct txmgr_error {
	enum txmgr_code	 code;
	char		 msg[TXMGR_MSG_MAX];
	char		 reason[TXMGR_MSG_MAX];
};

/*
 * Hook called at each point of a transaction's life, after the database
 * work of that point committed (AT_SENT and AT_RECEIPT: before it). The
 * daemon may use TXMGR_AT_FINAL to learn outcomes (a crash between the
 * commit and the call loses the call: re-read with txmgr_status at start
 * up). Tests use the hook to kill the process at a chosen point. The tx
 * is valid only during the call.
 */
typedef void	(*txmgr_hook_fn)(void *arg, enum txmgr_point,
		    const struct txmgr_tx *);

struct txmgr_opts {
	uint64_t	 chain_id;		/* default 56 */
	int		 gas_margin_pct;	/* gas limit = estimate *
						 * (100 + pct) / 100; def. 25 */
	int		 replace_after_blocks;	/* default 5 */
	int		 max_replacements;	/* per nonce; default 5 */
	int		 bump_pct;		/* fee bump of a replacement,
						 * >= 10; default 10 */
	u256		 max_gas_price;		/* wei; cap of gas_price and
						 * max_fee, never exceeded;
						 * default 100 gwei */
	txmgr_hook_fn	 hook;			/* NULL: none */
	void		*hook_arg;
};

/*
 * What txmgr_submit asks the node before it signs (fees, gas limit, the
 * funds check), asked ahead with txmgr_prepare so that those round
 * trips can overlap the caller's other work. Good for the call it was
 * made for (wallet, to, value, data, type, gas and fee arguments) for
 * TXMGR_PREP_MAX_AGE_MS: txmgr_submit checks both and asks the node
 * again when either does not hold.
 */
#define TXMGR_PREP_MAX_AGE_MS	1000
struct txmgr_prep {
	struct addr	 from;
	uint8_t		 call[32];	/* digest of the call's arguments */
	long long	 at_ms;		/* daemon_now_ms() when asked */
	uint64_t	 head;		/* the chain head then */
	uint64_t	 gas_limit;
	u256		 gas_price;	/* type 0 */
	u256		 max_fee;	/* type 2 */
	u256		 max_prio;	/* type 2 */
};

/* What to sign. */
struct txmgr_intent {
	const char	*intent;	/* "order:123" */
	const uint8_t	*key;		/* 32-byte private key (copied and
					 * registered), or NULL: use from */
	const struct addr *from;	/* a wallet whose key was added;
					 * ignored when key is set */
	struct addr	 to;
	u256		 value;		/* wei */
	const uint8_t	*data;		/* call data, NULL when data_len 0 */
	size_t		 data_len;
	int		 type;		/* 0 legacy EIP-155, 2 EIP-1559 */
	uint64_t	 min_gas_limit;	/* 0: the margined estimate alone */
	/* 1: the caller made this intent just now and never submitted it
	 * (a new orders row's id): the look-up of an earlier transaction
	 * is skipped. Safe if wrong: the record then collides with the
	 * earlier one on the intent's unique index and that one is
	 * returned, but only after the fees and gas were asked for. */
	int		 fresh;
	/* Fee overrides (NULL: from the node). Capped like the rest. */
	const u256	*gas_price;		/* type 0 */
	const u256	*max_fee;		/* type 2 */
	const u256	*max_priority_fee;	/* type 2 */
	/* txmgr_prepare's answers for this call (NULL: ask the node) */
	const struct txmgr_prep *prep;
};

/* Fill o with the defaults. */
void		 txmgr_opts_init(struct txmgr_opts *o);

/*
 * A manager over db and rpc (borrowed: both must outlive it; the caller
 * frees them after txmgr_free). o NULL: defaults. Returns NULL on a bad
 * option or no memory. Free with txmgr_free.
 */
struct txmgr	*txmgr_new(struct db *db, struct rpc *rpc,
		    const struct txmgr_opts *o);

/* Wipe every key, free. Accepts NULL or a pointer to NULL; clears it. */
void		 txmgr_free(struct txmgr **);

/*
 * Register a signing key (copied; the caller wipes its own buffer). Its
 * address goes to *addr (may be NULL). Adding a known key again is a
 * no-op. Returns 0, or -1 for an invalid key or a full table.
 */
int		 txmgr_add_key(struct txmgr *, const uint8_t key[32],
		    struct addr *addr);

/* Forget (and wipe) the key of wallet. Returns 0, or -1 when unknown. */
int		 txmgr_remove_key(struct txmgr *, const struct addr *wallet);

/* Predicate: 1 when s is a well-formed intent, else 0. */
int		 txmgr_intent_valid(const char *s);

/*
 * Sign and send in for its intent. Returns 0 with *out the intent's
 * transaction: an existing one (out->existing = 1, nothing signed), or a
 * new one, recorded before it was broadcast; out->status says whether a
 * node accepted it (broadcast) or not yet (signed: the poll retries, and
 * out->error says why, e.g. a send that timed out and may have been
 * delivered). A send answered "nonce too low" by a nonce this manager did
 * not use records the row as failed, resynchronises the nonce and signs
 * once more. Returns -1 with err filled when nothing was signed for it
 * (estimate revert, funds, fee cap, node or database down, emergency
 * stop, bad argument). err may be NULL; out may be NULL.
 */
int		 txmgr_submit(struct txmgr *, const struct txmgr_intent *in,
		    struct txmgr_tx *out, struct txmgr_error *err);

/*
 * Ask the node what submitting in will need (fees, gas estimate, funds
 * check: the calls txmgr_submit makes before it signs, in one batch)
 * and keep the answers in *out for in->prep. The caller's own calls
 * extra[0..nextra) (at most 4; may be NULL when 0) ride in the same
 * batch: their results and errors are left in them, for the caller to
 * read and rpc_batch_clear, whatever this returns (a failed chain-id
 * check leaves them unsent, with err.kind RPC_ERR_NONE and no result:
 * the caller checks result). in->intent is not looked at (it may be
 * NULL). Touches no database. Returns 0, or -1 with err (may be NULL)
 * filled as txmgr_submit would have failed.
 */
int		 txmgr_prepare(struct txmgr *, const struct txmgr_intent *in,
		    struct rpc_batch_item *extra, size_t nextra,
		    struct txmgr_prep *out, struct txmgr_error *err);

/*
 * One pass over every unfinished row (signed, broadcast, replaced) of the
 * managed wallets: records receipts (mined, or failed with the revert
 * reason), resolves replaced/replacement pairs, detects nonces taken by
 * transactions not recorded here, sends again what no node holds, and
 * replaces what has waited replace_after_blocks blocks. Never blocks
 * beyond the RPC and database timeouts. *inflight (may be NULL) gets the
 * number of unfinished rows left. Returns 0, or -1 when the database or
 * the node could not be reached (rows it could not look at stay as they
 * are and are looked at next time).
 */
int		 txmgr_poll(struct txmgr *, int *inflight);

/*
 * Start-up reconciliation, after the keys were added: resynchronises the
 * managed wallets' nonces with the chain, then runs a poll in which
 * 'signed' rows are sent again (the same bytes: the same hash) and
 * broadcast rows the node has forgotten are sent again at once. Returns
 * 0 or -1 (as txmgr_poll).
 */
int		 txmgr_recover(struct txmgr *);

/*
 * Set next_nonce of wallet to the largest of: what the database has, the
 * chain's pending transaction count, and one above the highest nonce a
 * recorded transaction holds. A gap above every live row and above the
 * chain (nonces handed out to rows that will never be sent) is closed by
 * lowering it. Stores the result in *next (may be NULL). Returns 0 or -1.
 */
int		 txmgr_sync_nonce(struct txmgr *, const struct addr *wallet,
		    uint64_t *next);

/*
 * The transaction of intent: the one that holds the intent (signed,
 * broadcast, mined or failed in a block), else the latest row. Returns 1
 * with *out filled, 0 when the intent has no transaction, -1 on error.
 */
int		 txmgr_status(struct txmgr *, const char *intent,
		    struct txmgr_tx *out);

/* The row with this id. Returns 1, 0 when there is none, or -1. */
int		 txmgr_get(struct txmgr *, int64_t id, struct txmgr_tx *out);

/*
 * Emergency stop: in each managed wallet, mark dropped the rows that
 * were never handed to a node (status signed, send_attempts 0) and whose
 * intent starts with prefix (NULL: every intent), from the top nonce down
 * as long as every nonce is such a row, and give their nonces back
 * (next_nonce lowered), so no gap is left. A row with a send attempt may
 * be at a node and is kept; so is an unsent row below a kept one (its
 * nonce is needed for the rows above it to be mined). *dropped and *kept
 * (may be NULL) get the counts; kept counts the prefix's unfinished rows
 * that remain. Use txmgr_hold to stop sending the kept ones. Returns 0 or
 * -1.
 */
int		 txmgr_drop_unsent(struct txmgr *, const char *prefix,
		    int *dropped, int *kept);

/*
 * Cancel intent's transaction while it is still in flight: replace it
 * (same nonce, fees bumped as for a stuck one, never above the cap) with
 * a transfer of 0 from the wallet to itself, recorded under its own
 * intent "cancel:<id>". Whichever of the two is mined, the other becomes
 * 'dropped'; no nonce gap is left. Allowed during an emergency stop
 * (only order intents are refused), which makes it the way to stop an
 * order transaction that may already be in a node's pool. Returns 0 with
 * the cancelling transaction in *out (may be NULL), or -1 with err
 * (may be NULL) filled: nothing in flight, already mined, no key, the
 * fee cap, or a node or database error.
 */
int		 txmgr_cancel(struct txmgr *, const char *intent,
		    struct txmgr_tx *out, struct txmgr_error *err);

/*
 * Hold intents starting with prefix (NULL: release): from now on this
 * manager neither sends nor replaces their rows (receipts are still
 * recorded). For the emergency stop. Returns 0 or -1 (no memory).
 */
int		 txmgr_hold(struct txmgr *, const char *prefix);

/* Static names: "signed", "broadcast", ...; "invalid", "rpc", .... */
const char	*txmgr_status_name(enum txmgr_status);
const char	*txmgr_code_name(enum txmgr_code);

#endif
