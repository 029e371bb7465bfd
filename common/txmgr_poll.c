/*
 * txmgr_poll.c: what happened to the rows in flight: receipts, nonces
 * taken by others, replacement of stuck transactions, the poll, the
 * start-up recovery and the nonce synchronisation (txmgr.h, txmgr_int.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "abi.h"
#include "addr.h"
#include "db.h"
#include "hex.h"
#include "keccak.h"
#include "log.h"
#include "rlp.h"
#include "rpc.h"
#include "secp.h"
#include "tx.h"
#include "txmgr.h"
#include "txmgr_int.h"
#include "u256.h"

/* ---- outcomes ------------------------------------------------------------ */

/*
 * The nonce of group g[0..n) was mined by w (one of them) with receipt
 * rc: in one database transaction every other unfinished row of the
 * nonce becomes 'dropped' (first: the unique index), then w 'mined' or
 * 'failed' with its revert reason. Returns 0 or -1.
 */
int
txmgr_finalize_receipt(struct txmgr *tm, struct row *g, size_t n, struct row *w,
    const struct rcpt *rc)
{
	char		 wa[ADDR_STR_MAX], chain[24], nonce[24], ids[24];
	char		 note[80], bn[24], rs[4], gu[24];
	char		 egp[U256_DEC_MAX], reason[TXMGR_MSG_MAX], h[67];
	char		*bhp;
	const char	*p[10];
	size_t		 i;
	int		 k;

	txmgr_hook(tm, TXMGR_AT_RECEIPT, w);
	reason[0] = '\0';
	if (rc->status == 0)
		txmgr_revert_replay(tm, w, rc, reason, sizeof(reason));
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, w->t.nonce);
	snprintf(ids, sizeof(ids), "%" PRId64, w->t.id);
	snprintf(note, sizeof(note), "nonce %" PRIu64 " went to transaction %"
	    PRId64, w->t.nonce, w->t.id);
	snprintf(bn, sizeof(bn), "%" PRIu64, rc->block);
	snprintf(rs, sizeof(rs), "%d", rc->status);
	snprintf(gu, sizeof(gu), "%" PRIu64, rc->gas_used);
	if ((bhp = txmgr_bytea_param(rc->block_hash, 32)) == NULL)
		return -1;
	if (txmgr_tx_begin(tm) == -1)
		goto dberr;
	p[0] = addr_format_lower(&w->t.wallet, wa);
	p[1] = chain;
	p[2] = nonce;
	p[3] = ids;
	p[4] = note;
	if (txmgr_qx(tm, "UPDATE transactions SET status = 'dropped', error ="
	    " coalesce(error || '; ', '') || $5 WHERE wallet = $1 AND"
	    " chain_id = $2 AND nonce = $3 AND id <> $4 AND status IN"
	    " ('signed', 'broadcast', 'replaced')", 5, p) == -1)
		goto rollback;
	p[0] = ids;
	p[1] = rc->status == 1 ? "mined" : "failed";
	p[2] = bn;
	p[3] = bhp;
	p[4] = rs;
	p[5] = gu;
	p[6] = rc->has_egp ? u256_to_dec(&rc->egp, egp) : NULL;
	p[7] = rc->status == 1 ? NULL : reason;
	if ((k = txmgr_qx(tm,
	    "UPDATE transactions SET status = $2, block_number ="
	    " $3, block_hash = $4, receipt_status = $5, gas_used = $6,"
	    " effective_gas_price = $7, revert_reason = $8, mined_at = now(),"
	    " error = NULL WHERE id = $1 AND status IN ('signed', 'broadcast',"
	    " 'replaced')", 8, p)) == -1)
		goto rollback;
	if (k != 1) {
		/* another process recorded it meanwhile */
		txmgr_tx_rollback(tm);
		free(bhp);
		return 0;
	}
	if (txmgr_tx_commit(tm) == -1)
		goto dberr;
	free(bhp);
	w->t.status = rc->status == 1 ? TXMGR_MINED : TXMGR_FAILED;
	w->t.has_block = 1;
	w->t.block_number = rc->block;
	w->t.receipt_status = rc->status;
	w->t.gas_used = rc->gas_used;
	w->t.effective_gas_price = rc->has_egp ? rc->egp : u256_from_u64(0);
	snprintf(w->t.revert_reason, sizeof(w->t.revert_reason), "%s",
	    reason);
	w->t.error[0] = '\0';
	if (rc->status == 1)
		log_info("tx mined intent=%s id=%" PRId64 " nonce=%" PRIu64
		    " block=%" PRIu64 " gas_used=%" PRIu64 " hash=%s",
		    w->t.intent, w->t.id, w->t.nonce, rc->block, rc->gas_used,
		    txmgr_hash_hex(w->t.hash, h));
	else
		log_warnx("tx reverted intent=%s id=%" PRId64 " nonce=%" PRIu64
		    " block=%" PRIu64 " reason=\"%s\" hash=%s", w->t.intent,
		    w->t.id, w->t.nonce, rc->block, reason,
		    txmgr_hash_hex(w->t.hash, h));
	for (i = 0; i < n; i++)
		if (&g[i] != w && g[i].t.status != TXMGR_MINED &&
		    g[i].t.status != TXMGR_FAILED) {
			g[i].t.status = TXMGR_DROPPED;
			txmgr_hook(tm, TXMGR_AT_FINAL, &g[i]);
		}
	txmgr_hook(tm, TXMGR_AT_FINAL, w);
	return 0;
rollback:
	txmgr_tx_rollback(tm);
dberr:
	log_warnx("txmgr: cannot record the receipt id=%" PRId64 " err=\"%s\"",
	    w->t.id, tm->dberr);
	free(bhp);
	return -1;
}

/*
 * The nonce of group g[0..n) was used by a transaction that is not one
 * of ours: the live row failed (without a block: the intent is free to
 * be submitted again), replaced ones are dropped. Returns 0 or -1.
 */
static int
finalize_foreign(struct txmgr *tm, struct row *g, size_t n)
{
	char		 wa[ADDR_STR_MAX], chain[24], nonce[24], msg[128];
	const char	*p[4];
	size_t		 i;

	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, g[0].t.nonce);
	snprintf(msg, sizeof(msg), "nonce %" PRIu64 " was used by a"
	    " transaction not recorded here; this one was never mined",
	    g[0].t.nonce);
	p[0] = addr_format_lower(&g[0].t.wallet, wa);
	p[1] = chain;
	p[2] = nonce;
	p[3] = msg;
	if (txmgr_tx_begin(tm) == -1)
		goto dberr;
	if (txmgr_qx(tm,
	    "UPDATE transactions SET status = 'dropped', error = $4"
	    " WHERE wallet = $1 AND chain_id = $2 AND nonce = $3 AND status ="
	    " 'replaced'", 4, p) == -1 ||
	    txmgr_qx(tm, "UPDATE transactions SET status = 'failed', error = $4"
	    " WHERE wallet = $1 AND chain_id = $2 AND nonce = $3 AND status IN"
	    " ('signed', 'broadcast')", 4, p) == -1) {
		txmgr_tx_rollback(tm);
		goto dberr;
	}
	if (txmgr_tx_commit(tm) == -1)
		goto dberr;
	log_warnx("txmgr: wallet=%s nonce=%" PRIu64 " used by a transaction"
	    " not recorded here; intent=%s failed", wa, g[0].t.nonce,
	    g[0].t.intent);
	for (i = 0; i < n; i++) {
		g[i].t.status = g[i].t.status == TXMGR_REPLACED ?
		    TXMGR_DROPPED : TXMGR_FAILED;
		snprintf(g[i].t.error, sizeof(g[i].t.error), "%s", msg);
		txmgr_hook(tm, TXMGR_AT_FINAL, &g[i]);
	}
	(void)txmgr_sync_nonce(tm, &g[0].t.wallet, NULL);
	return 0;
dberr:
	log_warnx("txmgr: cannot record a lost nonce wallet=%s err=\"%s\"", wa,
	    tm->dberr);
	return -1;
}

/*
 * Predicate: none of g[0..n) is known to the node as mined. A node whose
 * receipts lag its state (or a load balancer that split our batch) must
 * not make us give up a transaction that was mined.
 */
static int
none_mined(struct txmgr *tm, const struct row *g, size_t n)
{
	struct rpc_tx_info	ti;
	struct rpc_error	e;
	size_t			i;

	for (i = 0; i < n; i++) {
		if (rpc_get_transaction(tm->rpc, g[i].t.hash, &ti, &e) == -1)
			return 0;
		if (ti.found && !ti.pending) {
			log_warnx("txmgr: id=%" PRId64 " mined but its receipt"
			    " is not there yet", g[i].t.id);
			return 0;
		}
	}
	return 1;
}

/*
 * A send of fresh row r was answered "nonce too low". Returns 1 when it
 * was ours after all (recorded as mined or failed), 0 when the nonce
 * went to someone else (r recorded as failed, nonce resynchronised), -1
 * when the node cannot tell yet (r stays signed; the poll decides).
 */
int
txmgr_resolve_nonce_low(struct txmgr *tm, struct row *r)
{
	struct probe	pr;
	int		rc = -1;

	if (txmgr_probe(tm, &r->t.wallet, r, 1, &pr) == -1)
		return -1;
	if (pr.r[0].found)
		rc = txmgr_finalize_receipt(tm, r, 1, r,
		    &pr.r[0]) == 0 ? 1 : -1;
	else if (pr.latest > r->t.nonce && none_mined(tm, r, 1))
		rc = finalize_foreign(tm, r, 1) == 0 ? 0 : -1;
	free(pr.r);
	return rc;
}

/* ---- replacing ----------------------------------------------------------- */

/*
 * The fees of a replacement for h: at least bump_pct above h's (both
 * fees for EIP-1559, as nodes require) and at least what the node asks
 * now, never above max_gas_price. Returns 0, or -1 with why.
 */
static int
replacement_fees(struct txmgr *tm, const struct row *h, struct row *n,
    char *why, size_t whylen)
{
	const u256	*cap = &tm->opts.max_gas_price;
	u256		 minf, minp, want, two = u256_from_u64(2);
	char		 a[U256_DEC_MAX], b[U256_DEC_MAX];

	if (h->t.type == 0) {
		if (txmgr_bump(&h->t.gas_price, tm->opts.bump_pct, &minf) == -1)
			goto overflow;
		n->t.gas_price = *txmgr_umax(&minf, &tm->node_gas_price);
		if (u256_cmp(&n->t.gas_price, cap) > 0)
			n->t.gas_price = *cap;
		if (u256_cmp(&n->t.gas_price, &minf) < 0)
			goto capped;
		return 0;
	}
	if (txmgr_bump(&h->t.max_fee, tm->opts.bump_pct, &minf) == -1 ||
	    txmgr_bump(&h->t.max_priority_fee, tm->opts.bump_pct, &minp) == -1)
		goto overflow;
	n->t.max_priority_fee = *txmgr_umax(&minp, &tm->node_prio);
	if (u256_mul(&want, &tm->base_fee, &two) == -1 ||
	    u256_add(&want, &want, &n->t.max_priority_fee) == -1)
		goto overflow;
	n->t.max_fee = *txmgr_umax(&minf, &want);
	if (u256_cmp(&n->t.max_fee, cap) > 0)
		n->t.max_fee = *cap;
	if (u256_cmp(&n->t.max_priority_fee, &n->t.max_fee) > 0)
		n->t.max_priority_fee = n->t.max_fee;
	if (u256_cmp(&n->t.max_fee, &minf) < 0 ||
	    u256_cmp(&n->t.max_priority_fee, &minp) < 0)
		goto capped;
	return 0;
overflow:
	snprintf(why, whylen, "fee arithmetic overflow");
	return -1;
capped:
	snprintf(why, whylen, "not replaced: the fee it needs (%s wei) is"
	    " above max_gas_price %s wei", u256_to_dec(&minf, a),
	    u256_to_dec(cap, b));
	return -1;
}

/*
 * Replace stuck row h (the live row of its nonce; the group has n rows):
 * same nonce, same call, higher fees. With cancel set, the replacement
 * is instead a transfer of 0 to the wallet itself under its own intent
 * "cancel:<id of h>", so that h's call is never executed. The old row
 * becomes 'replaced' and the new one is inserted in one database
 * transaction before it is sent. Returns 0 when replaced (the new row in
 * *out when not NULL), 1 when not (why is noted on h and, when err is
 * not NULL, in err), or -1 on a database or node error.
 */
int
txmgr_replace_with(struct txmgr *tm, struct row *h, size_t n, uint64_t head,
    int cancel, struct txmgr_tx *out, struct txmgr_error *err)
{
	struct key_slot	*ks;
	struct row	 nr;
	char		 why[TXMGR_MSG_MAX], ids[24], ho[67], hn[67];
	const char	*p[1] = { ids };
	enum txmgr_code	 code = TXMGR_E_INVALID;
	int		 k;

	why[0] = '\0';
	if (!cancel && txmgr_held(tm, h->t.intent))
		return 1;
	if (!cancel && (int)n - 1 >= tm->opts.max_replacements) {
		snprintf(why, sizeof(why), "not replaced: %d replacements"
		    " already (max_replacements)", (int)n - 1);
		goto noted;
	}
	if ((ks = txmgr_key_find(tm, &h->t.wallet)) == NULL) {
		snprintf(why, sizeof(why), "not replaced: no key for the"
		    " wallet");
		code = TXMGR_E_NOKEY;
		goto noted;
	}
	if (txmgr_fees_fetch(tm) == -1) {
		(void)txmgr_fail(err, TXMGR_E_RPC, "node: cannot read fees");
		return -1;
	}
	memset(&nr, 0, sizeof(nr));
	nr.t = h->t;
	nr.t.id = 0;
	nr.t.replaces = h->t.id;
	nr.t.send_attempts = nr.t.broadcast_count = 0;
	nr.t.error[0] = '\0';
	if (replacement_fees(tm, h, &nr, why, sizeof(why)) == -1) {
		code = TXMGR_E_FEE_CAP;
		goto noted;
	}
	if (cancel) {
		snprintf(nr.t.intent, sizeof(nr.t.intent), "cancel:%" PRId64,
		    h->t.id);
		nr.t.to = h->t.wallet;
		nr.t.value = u256_from_u64(0);
		nr.t.gas_limit = 21000;
	} else if (h->data_len > 0) {
		if ((nr.data = malloc(h->data_len)) == NULL)
			return -1;
		memcpy(nr.data, h->data, h->data_len);
		nr.data_len = h->data_len;
	}
	if (txmgr_row_sign(tm, ks, &nr, why, sizeof(why)) == -1) {
		txmgr_row_clear(&nr);
		code = TXMGR_E_INTERNAL;
		goto noted;
	}
	snprintf(ids, sizeof(ids), "%" PRId64, h->t.id);
	if (txmgr_tx_begin(tm) == -1)
		goto dberr;
	if ((k = txmgr_qx(tm,
	    "UPDATE transactions SET status = 'replaced' WHERE"
	    " id = $1 AND status IN ('signed', 'broadcast')", 1, p)) != 1) {
		txmgr_tx_rollback(tm);
		txmgr_row_clear(&nr);
		if (k == -1)
			goto dberr2;
		(void)txmgr_fail(err, TXMGR_E_INVALID, "finished meanwhile");
		return 1;
	}
	if (txmgr_row_insert(tm, &nr) == -1) {
		txmgr_tx_rollback(tm);
		txmgr_row_clear(&nr);
		if (strcmp(tm->sqlstate, SQLSTATE_EMERGENCY) == 0) {
			snprintf(why, sizeof(why), "not replaced: emergency"
			    " stop in force");
			code = TXMGR_E_EMERGENCY;
			goto noted;
		}
		goto dberr2;
	}
	if (txmgr_tx_commit(tm) == -1)
		goto dberr;
	h->t.status = TXMGR_REPLACED;
	log_info("tx %s intent=%s nonce=%" PRIu64 " old_id=%" PRId64
	    " old_hash=%s new_id=%" PRId64 " new_hash=%s",
	    cancel ? "cancelled" : "replaced", h->t.intent, h->t.nonce,
	    h->t.id, txmgr_hash_hex(h->t.hash, ho), nr.t.id,
	        txmgr_hash_hex(nr.t.hash, hn));
	txmgr_hook(tm, TXMGR_AT_RECORDED, &nr);
	(void)txmgr_send_row(tm, &nr, head, 1);
	if (out != NULL)
		*out = nr.t;
	txmgr_row_clear(&nr);
	return 0;
noted:
	txmgr_row_note(tm, h, why, h->replace_due);
	(void)txmgr_fail(err, code, "%s", why);
	return 1;
dberr:
	txmgr_row_clear(&nr);
dberr2:
	log_warnx("txmgr: cannot record a replacement id=%" PRId64
	    " err=\"%s\"", h->t.id, tm->dberr);
	(void)txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	return -1;
}

static int
replace_row(struct txmgr *tm, struct row *h, size_t n, uint64_t head)
{
	return txmgr_replace_with(tm, h, n, head, 0, NULL, NULL) == -1 ? -1 : 0;
}

/* ---- the poll ------------------------------------------------------------ */

static struct seen *
seen_find(struct txmgr *tm, const struct addr *w, uint64_t nonce)
{
	size_t	i;

	for (i = 0; i < tm->nseen; i++)
		if (tm->seen[i].nonce == nonce &&
		    addr_eq(&tm->seen[i].wallet, w))
			return &tm->seen[i];
	return NULL;
}

static void
seen_forget(struct txmgr *tm, const struct addr *w, uint64_t nonce)
{
	struct seen	*sn;

	if ((sn = seen_find(tm, w, nonce)) != NULL)
		*sn = tm->seen[--tm->nseen];
}

/*
 * The node says the nonce of g is used and has no receipt for any of
 * g's rows. Give them up only when that still holds at a later block
 * than the first sighting, and no lookup by hash finds one mined.
 * Returns 0 (waiting or done) or -1.
 */
static int
nonce_taken(struct txmgr *tm, struct row *g, size_t n, uint64_t head)
{
	struct seen	*sn, *ns;

	if ((sn = seen_find(tm, &g[0].t.wallet, g[0].t.nonce)) == NULL) {
		if (tm->nseen == SEEN_MAX)
			tm->nseen--;	/* forget one; it is seen again */
		if (tm->nseen % 16 == 0) {
			ns = realloc(tm->seen, (tm->nseen + 16) *
			    sizeof(*ns));
			if (ns == NULL)
				return -1;
			tm->seen = ns;
		}
		sn = &tm->seen[tm->nseen++];
		sn->wallet = g[0].t.wallet;
		sn->nonce = g[0].t.nonce;
		sn->head = head;
		log_info("txmgr: nonce used, no receipt of ours yet; looking"
		    " again at the next block intent=%s nonce=%" PRIu64,
		    g[0].t.intent, g[0].t.nonce);
		return 0;
	}
	if (head <= sn->head || !none_mined(tm, g, n))
		return 0;
	seen_forget(tm, &g[0].t.wallet, g[0].t.nonce);
	return finalize_foreign(tm, g, n);
}

/*
 * One nonce: rows g[0..n) (unfinished, same wallet and nonce), their
 * receipts in rc, as one node sees it at head with `latest` mined nonces.
 */
static int
handle_group(struct txmgr *tm, struct row *g, size_t n,
    const struct rcpt *rc, uint64_t head, uint64_t latest)
{
	struct rpc_tx_info	 ti;
	struct rpc_error	 e;
	struct row		*h = NULL, *w = NULL;
	size_t			 i;
	int			 due;

	for (i = 0; i < n; i++) {
		if (rc[i].found) {
			if (w != NULL)
				log_warnx("txmgr: two receipts for nonce %"
				    PRIu64 " ids %" PRId64 " %" PRId64,
				    g[i].t.nonce, w->t.id, g[i].t.id);
			else
				w = &g[i];
		}
		if (g[i].t.status == TXMGR_SIGNED ||
		    g[i].t.status == TXMGR_BROADCAST)
			h = &g[i];
	}
	if (w != NULL) {
		seen_forget(tm, &g[0].t.wallet, g[0].t.nonce);
		return txmgr_finalize_receipt(tm, g, n, w, &rc[w - g]);
	}
	if (latest > g[0].t.nonce)
		return nonce_taken(tm, g, n, head);
	seen_forget(tm, &g[0].t.wallet, g[0].t.nonce);
	if (h == NULL) {
		/* only replaced rows: their replacement finished elsewhere
		 * (e.g. refused for good); keep watching them */
		return 0;
	}
	if (txmgr_held(tm, h->t.intent))
		return 0;
	if (h->replace_due)
		return replace_row(tm, h, n, head);
	if (h->t.status == TXMGR_SIGNED) {
		/* never accepted (not sent, or no answer): same bytes again */
		(void)txmgr_send_row(tm, h, head, 0);
		return 0;
	}
	if (!h->has_sent_block) {
		/* broadcast by someone who did not start the clock */
		char		 ids[24], hb[24];
		const char	*p[2] = { ids, hb };

		snprintf(ids, sizeof(ids), "%" PRId64, h->t.id);
		snprintf(hb, sizeof(hb), "%" PRIu64, head);
		(void)txmgr_qx(tm, "UPDATE transactions SET sent_block = $2"
		    " WHERE id = $1 AND sent_block IS NULL", 2, p);
		return 0;
	}
	due = head >= h->sent_block + (uint64_t)tm->opts.replace_after_blocks;
	if (!due && !tm->recovering)
		return 0;
	if (rpc_get_transaction(tm->rpc, h->t.hash, &ti, &e) == -1)
		return -1;
	if (!ti.found) {
		/* the node forgot it (restart, mempool eviction): send the
		 * same bytes again and give it a fresh wait */
		(void)txmgr_send_row(tm, h, head, 1);
		return 0;
	}
	if (ti.pending && due)
		return replace_row(tm, h, n, head);
	return 0;
}

/* The managed wallets as a text[] literal. */
static char *
wallets_param(struct txmgr *tm)
{
	char	*s, *p;
	int	 i;

	if ((s = malloc((size_t)tm->nkeys * 43 + 3)) == NULL)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < tm->nkeys; i++) {
		if (i > 0)
			*p++ = ',';
		addr_format_lower(&tm->keys[i].addr, p);
		p += strlen(p);
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

static int
count_inflight(struct txmgr *tm, const char *wl, int *out)
{
	char		 chain[24], v[24];
	const char	*p[2] = { chain, wl };
	PGresult	*r;

	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	if ((r = txmgr_q(tm,
	    "SELECT count(*) FROM transactions WHERE chain_id = $1"
	    " AND wallet = ANY($2::text[]) AND status IN ('signed',"
	    " 'broadcast', 'replaced')", 2, p)) == NULL)
		return -1;
	snprintf(v, sizeof(v), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	*out = atoi(v);
	return 0;
}

static int
poll_pass(struct txmgr *tm, int *inflight)
{
	struct row	*rows = NULL;
	struct probe	 pr;
	char		 chain[24], *wl;
	const char	*p[2];
	size_t		 i, wend, c, cend, gend, g;
	int		 k, rc = 0, left = 0;

	if (inflight != NULL)
		*inflight = 0;
	if (db_ensure(tm->db) == -1)
		return -1;
	tm->fees_ok = 0;
	if (tm->nkeys == 0)
		return 0;
	if (txmgr_chain_check(tm, NULL) == -1) {
		log_warnx("txmgr: poll: the node is not usable");
		return -1;
	}
	if ((wl = wallets_param(tm)) == NULL)
		return -1;
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	p[0] = chain;
	p[1] = wl;
	k = txmgr_rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
	    " WHERE chain_id = $1 AND wallet = ANY($2::text[]) AND status IN"
	    " ('signed', 'broadcast', 'replaced') ORDER BY wallet, nonce, id",
	    2, p, &rows);
	if (k == -1) {
		log_warnx("txmgr: poll: %s", tm->dberr);
		free(wl);
		return -1;
	}
	for (i = 0; i < (size_t)k; i = wend) {
		for (wend = i; wend < (size_t)k &&
		    addr_eq(&rows[wend].t.wallet, &rows[i].t.wallet); wend++)
			;
		for (c = i; c < wend; c = cend) {
			/* whole nonces only: a decision needs all of them */
			for (cend = c; cend < wend; cend = gend) {
				for (gend = cend; gend < wend &&
				    rows[gend].t.nonce == rows[cend].t.nonce;
				    gend++)
					;
				if (cend > c && gend - c > PROBE_MAX_ROWS)
					break;
			}
			if (txmgr_probe(tm, &rows[c].t.wallet, &rows[c],
			    cend - c,
			    &pr) == -1) {
				rc = -1;
				continue;
			}
			for (g = c; g < cend; g = gend) {
				for (gend = g; gend < cend &&
				    rows[gend].t.nonce == rows[g].t.nonce;
				    gend++)
					;
				if (handle_group(tm, &rows[g], gend - g,
				    &pr.r[g - c], pr.head, pr.latest) == -1)
					rc = -1;
			}
			free(pr.r);
		}
	}
	txmgr_rows_free(rows, (size_t)k);
	if (count_inflight(tm, wl, &left) == -1)
		rc = -1;
	free(wl);
	if (inflight != NULL)
		*inflight = left;
	return rc;
}

int
txmgr_poll(struct txmgr *tm, int *inflight)
{
	if (tm == NULL)
		return -1;
	return poll_pass(tm, inflight);
}

int
txmgr_recover(struct txmgr *tm)
{
	struct txmgr_error	e;
	int			i, rc = 0;

	if (tm == NULL)
		return -1;
	if (db_ensure(tm->db) == -1) {
		log_warnx("txmgr: recover: %s", db_error(tm->db));
		return -1;
	}
	if (txmgr_chain_check(tm, &e) == -1) {
		log_warnx("txmgr: recover: %s", e.msg);
		return -1;
	}
	for (i = 0; i < tm->nkeys; i++)
		if (txmgr_sync_nonce(tm, &tm->keys[i].addr, NULL) == -1)
			rc = -1;
	tm->recovering = 1;
	if (poll_pass(tm, NULL) == -1)
		rc = -1;
	tm->recovering = 0;
	return rc;
}

/* ---- nonces -------------------------------------------------------------- */

int
txmgr_sync_nonce(struct txmgr *tm, const struct addr *wallet, uint64_t *next)
{
	struct rpc_error	 e;
	PGresult		*r;
	char			 wa[ADDR_STR_MAX], chain[24], pend[24], nx[24];
	const char		*p[3];
	uint64_t		 pending, cur, held_next, want;
	struct key_slot		*ks;

	if (tm == NULL || wallet == NULL)
		return -1;
	if (rpc_get_transaction_count(tm->rpc, wallet->b, "pending", &pending,
	    &e) == -1) {
		log_warnx("txmgr: nonce sync: node: %s", e.message);
		return -1;
	}
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(pend, sizeof(pend), "%" PRIu64, pending);
	p[0] = addr_format_lower(wallet, wa);
	p[1] = chain;
	p[2] = pend;
	if (txmgr_tx_begin(tm) == -1)
		goto dberr;
	if (txmgr_qx(tm, "INSERT INTO nonces (wallet, chain_id, next_nonce)"
	    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", 3, p) == -1 ||
	    (r = txmgr_q(tm,
	        "SELECT next_nonce, (SELECT coalesce(max(nonce) + 1, 0)"
	    " FROM transactions WHERE wallet = $1 AND chain_id = $2 AND "
	    LIVE ") FROM nonces WHERE wallet = $1 AND chain_id = $2"
	    " FOR UPDATE", 2, p)) == NULL)
		goto rollback;
	if (PQntuples(r) != 1 || txmgr_parse_u64(PQgetvalue(r, 0, 0),
	    &cur) == -1 ||
	    txmgr_parse_u64(PQgetvalue(r, 0, 1), &held_next) == -1) {
		PQclear(r);
		snprintf(tm->dberr, sizeof(tm->dberr), "bad nonces row");
		goto rollback;
	}
	PQclear(r);
	want = pending > held_next ? pending : held_next;
	if (cur > want)
		/* nonces [want, cur) were handed out to rows that are dead
		 * and unknown to the chain: reuse them, or nothing above
		 * them could ever be mined */
		log_warnx("txmgr: nonce gap closed wallet=%s from=%" PRIu64
		    " to=%" PRIu64, wa, cur, want);
	else if (cur < want)
		log_info("txmgr: nonce synced wallet=%s from=%" PRIu64 " to=%"
		    PRIu64, wa, cur, want);
	snprintf(nx, sizeof(nx), "%" PRIu64, want);
	p[2] = nx;
	if (txmgr_qx(tm, "UPDATE nonces SET next_nonce = $3, synced_at = now()"
	    " WHERE wallet = $1 AND chain_id = $2", 3, p) != 1)
		goto rollback;
	if (txmgr_tx_commit(tm) == -1)
		goto dberr;
	if ((ks = txmgr_key_find(tm, wallet)) != NULL)
		ks->nonce_ok = 0;
	if (next != NULL)
		*next = want;
	return 0;
rollback:
	txmgr_tx_rollback(tm);
dberr:
	log_warnx("txmgr: nonce sync wallet=%s: %s", wa, tm->dberr);
	return -1;
}
