/*
 * txmgr_int.h: what the files of the transaction manager share (not for
 * use outside common/txmgr*.c; the API is txmgr.h). The manager's state,
 * a loaded row, and the helpers each file offers the others:
 *   txmgr.c         construction, keys, holds, small helpers, status
 *   txmgr_db.c      its database statements: rows, inserts, notes
 *   txmgr_chain.c   the node: chain check, receipts, probes, sending
 *   txmgr_poll.c    outcomes, replacement, the poll, recovery, nonces
 *   txmgr_submit.c  preparing, recording and submitting a new intent
 *   txmgr_stop.c    the emergency stop: drop unsent rows, cancel
 */
#ifndef BSC_TXMGR_INT_H
#define BSC_TXMGR_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "addr.h"
#include "rpc.h"
#include "txmgr.h"
#include "u256.h"

#define SQLSTATE_UNIQUE		"23505"
#define SQLSTATE_EMERGENCY	"BSE01"
#define PROBE_MAX_ROWS		64	/* receipts asked for in one batch */
#define GWEI			1000000000ULL

/* The rows that hold their nonce and intent (the unique indexes). */
#define HOLDING	"(status IN ('signed', 'broadcast', 'mined') OR " \
		"(status = 'failed' AND block_number IS NOT NULL))"
/* Those, and rows that were replaced but may still be mined. */
#define LIVE	"(status IN ('signed', 'broadcast', 'mined', 'replaced') OR " \
		"(status = 'failed' AND block_number IS NOT NULL))"

#define ROW_COLS							\
	"id, intent, wallet, nonce, tx_type, to_address, value, "	\
	"encode(data, 'hex'), gas_limit, gas_price, max_fee, "		\
	"max_priority_fee, encode(raw, 'hex'), encode(hash, 'hex'), "	\
	"status, coalesce(replaces, 0), send_attempts, broadcast_count, " \
	"sent_block, replace_due, block_number, receipt_status, gas_used, " \
	"effective_gas_price, revert_reason, error"

struct key_slot {
	struct addr	addr;
	uint8_t		key[32];
	/* The wallet's next nonce as this manager last wrote it: a guess
	 * that lets a submit sign before it touches the database. The
	 * record checks it against the nonces row in the same statement
	 * (record_fast), so a wrong guess costs a retry, never a nonce. */
	int		nonce_ok;
	uint64_t	next_nonce;
};

struct txmgr {
	struct db		*db;
	struct rpc		*rpc;
	struct txmgr_opts	 opts;
	struct key_slot		 keys[TXMGR_MAX_KEYS];
	int			 nkeys;
	char			*hold;
	int			 recovering;
	int			 chain_checked;
	char			 sqlstate[6];
	char			 constraint[64];	/* last failure's */
	char			 dberr[TXMGR_MSG_MAX];
	/* nonces seen taken by a transaction not ours, waiting for a
	 * second look at a later block before the rows are given up */
	struct seen		*seen;
	size_t			 nseen;
	/* the node's fees, fetched once per poll when a replacement needs
	 * them */
	int			 fees_ok;
	u256			 node_gas_price;
	u256			 node_prio;
	u256			 base_fee;
};

struct seen {
	struct addr	wallet;
	uint64_t	nonce;
	uint64_t	head;	/* chain head at the first sighting */
};

#define SEEN_MAX	1024

/* One transactions row as loaded. */
struct row {
	struct txmgr_tx	 t;
	uint8_t		*data;
	size_t		 data_len;
	uint8_t		*raw;
	size_t		 raw_len;
	int		 has_sent_block;
	uint64_t	 sent_block;
	int		 replace_due;
};

/* A receipt, as much of it as is recorded. */
struct rcpt {
	int		 found;
	uint64_t	 block;
	uint8_t		 block_hash[32];
	int		 status;
	uint64_t	 gas_used;
	int		 has_egp;
	u256		 egp;
};

/* One node's view of a wallet: head, nonce, receipts of some rows. */
struct probe {
	uint64_t	 head;
	uint64_t	 latest;	/* eth_getTransactionCount "latest" */
	struct rcpt	*r;		/* one per row asked about */
};

enum send_res {
	S_OK,		/* a node has it (accepted, or already known) */
	S_NONCE_LOW,	/* its nonce is used */
	S_UNDERPRICED,	/* fee too low to enter or to replace */
	S_FUNDS,	/* the wallet cannot pay */
	S_MAYBE,	/* no answer: it may have been delivered */
	S_REFUSED,	/* another refusal */
	S_SKIPPED	/* not sent: held, already final, or no database */
};

/* Failure messages of nodes, for txmgr_match_any. */
extern const char *const txmgr_m_known[];
extern const char *const txmgr_m_nonce_low[];
extern const char *const txmgr_m_underpriced[];
extern const char *const txmgr_m_funds[];

/* txmgr.c: small helpers */
/* "signed", ... to the enum; 0, or -1 for an unknown name. */
int		 txmgr_status_parse(const char *s, enum txmgr_status *out);
/* Fill err (may be NULL) with code and the message; returns -1. */
int		 txmgr_fail(struct txmgr_error *err, enum txmgr_code code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Control characters and quotes replaced: node text safe in a log. */
void		 txmgr_sanitize(char *s);
/* "0x" and 64 hex digits into out; returns out. */
char		*txmgr_hash_hex(const uint8_t h[32], char out[67]);
/* b as the text of a bytea parameter, malloc'd; NULL: no memory. */
char		*txmgr_bytea_param(const uint8_t *b, size_t n);
/* A decimal column into *out: 0, or -1 when it is not one. */
int		 txmgr_parse_u64(const char *s, uint64_t *out);
/* *r = a * (100 + pct) / 100 + 1. Returns 0, or -1 on overflow. */
int		 txmgr_bump(const u256 *a, int pct, u256 *r);
/* The larger of a and b (borrowed). */
const u256	*txmgr_umax(const u256 *a, const u256 *b);
/* 1 when e is a node's error matching one of needles (NULL ended). */
int		 txmgr_match_any(const struct rpc_error *e,
		    const char *const *needles);
/* 1 when intent is held (txmgr_hold): not to be sent or replaced. */
int		 txmgr_held(const struct txmgr *tm, const char *intent);
/* Call the options' hook, if any, at point p of row r. */
void		 txmgr_hook(struct txmgr *tm, enum txmgr_point p,
		    const struct row *r);
/* Free a row's buffers (the row itself is the caller's). */
void		 txmgr_row_clear(struct row *r);
/* txmgr_row_clear each of rows[0..n) and free the array. */
void		 txmgr_rows_free(struct row *rows, size_t n);
/* 1 when r holds its intent or may still be mined. */
int		 txmgr_row_live(const struct row *r);
/* The key slot of wallet a, or NULL. */
struct key_slot	*txmgr_key_find(struct txmgr *tm, const struct addr *a);

/* txmgr_db.c: statements, with SQLSTATE and constraint of a failure
 * kept in tm (q: the result or NULL; qx: rows affected or -1) */
PGresult	*txmgr_q(struct txmgr *tm, const char *sql, int n,
		    const char *const *p);
int		 txmgr_qx(struct txmgr *tm, const char *sql, int n,
		    const char *const *p);
int		 txmgr_tx_begin(struct txmgr *tm);
/* Roll back, keeping the error that made us. */
void		 txmgr_tx_rollback(struct txmgr *tm);
/* COMMIT: 0, or -1 when it failed or turned into a rollback. */
int		 txmgr_tx_commit(struct txmgr *tm);
/* Rows of sql (selecting ROW_COLS) into *out (txmgr_rows_free); the
 * count, or -1. */
int		 txmgr_rows_query(struct txmgr *tm, const char *sql, int n,
		    const char *const *p, struct row **out);
/* One row by id / by intent (the live one, else the latest): 1 found,
 * 0 none, -1. */
int		 txmgr_row_by_id(struct txmgr *tm, int64_t id, struct row *r);
int		 txmgr_row_by_intent(struct txmgr *tm, const char *intent,
		    struct row *r);
/* Note a node's refusal on r (and that a replacement is due). */
void		 txmgr_row_note(struct txmgr *tm, struct row *r,
		    const char *msg, int replace_due);
/* Sign r's fields with ks: r->raw, r->t.hash. 0, or -1 with why. */
int		 txmgr_row_sign(struct txmgr *tm, const struct key_slot *ks,
		    struct row *r, char *why, size_t whylen);
/* INSERT r as 'signed' in the caller's transaction; r->t.id. 0 or -1. */
int		 txmgr_row_insert(struct txmgr *tm, struct row *r);
/* The one-statement record with the remembered nonce: 0, 1 when the
 * guess was wrong (nothing written), or -1. */
int		 txmgr_row_insert_fast(struct txmgr *tm, struct row *r);

/* txmgr_chain.c: the node */
/* Once per manager: the node serves opts.chain_id. 0, or -1 (err). */
int		 txmgr_chain_check(struct txmgr *tm, struct txmgr_error *err);
/* The decoded revert reason in a node's error, else its message. */
void		 txmgr_revert_reason_of(const struct rpc_error *e, char *out,
		    size_t cap);
/* Why r reverted: its call replayed at the receipt's block. */
void		 txmgr_revert_replay(struct txmgr *tm, const struct row *r,
		    const struct rcpt *rc, char *out, size_t cap);
/* One batch to one node: head, mined nonce, receipts of rows[0..n).
 * 0 with *pr (free pr->r), or -1. */
int		 txmgr_probe(struct txmgr *tm, const struct addr *wallet,
		    struct row *rows, size_t n, struct probe *pr);
/* The node's fees, once per poll (tm->fees_ok). 0 or -1. */
int		 txmgr_fees_fetch(struct txmgr *tm);
/* Send r's bytes, the attempt counted first (see docs/TXMGR.md). */
enum send_res	 txmgr_send_row(struct txmgr *tm, struct row *r,
		    uint64_t head, int reset_clock);

/* txmgr_poll.c */
/* The nonce of rows g[0..n) was mined by w with receipt rc: record it
 * and drop the others, in one transaction. 0 or -1. */
int		 txmgr_finalize_receipt(struct txmgr *tm, struct row *g,
		    size_t n, struct row *w, const struct rcpt *rc);
/* r's send said "nonce too low": 1 when r was mined after all, 0 when
 * the nonce went to a transaction not ours (r failed, nonce resynced:
 * sign again), -1 when the node cannot tell yet. */
int		 txmgr_resolve_nonce_low(struct txmgr *tm, struct row *r);
/* Replace the live row of h[0..n) with higher fees (cancel: by a 0
 * self-transfer): 0 (the new row in *out), 1 when not (why noted on h
 * and in err), -1 on a database or node error. */
int		 txmgr_replace_with(struct txmgr *tm, struct row *h, size_t n,
		    uint64_t head, int cancel, struct txmgr_tx *out,
		    struct txmgr_error *err);

#endif
