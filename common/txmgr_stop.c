/*
 * txmgr_stop.c: the emergency stop's part of the transaction manager:
 * dropping rows never sent, and cancelling one in flight (txmgr.h).
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

/* drop_unsent for one wallet, in one database transaction. */
static int
drop_wallet(struct txmgr *tm, const struct addr *w, const char *prefix,
    int *dropped, int *kept)
{
	PGresult	*r;
	char		 wa[ADDR_STR_MAX], chain[24], nx[24], *ids = NULL, *ip;
	const char	*p[3];
	uint64_t	 top, nonce, gnonce;
	int		 n, i, j, ok, ndrop = 0, nmatch = 0;
	struct key_slot	*ks;

	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	p[0] = addr_format_lower(w, wa);
	p[1] = chain;
	if (txmgr_tx_begin(tm) == -1)
		return -1;
	if ((r = txmgr_q(tm,
	    "SELECT next_nonce FROM nonces WHERE wallet = $1 AND"
	    " chain_id = $2 FOR UPDATE", 2, p)) == NULL)
		goto rollback;
	if (PQntuples(r) == 0) {
		PQclear(r);
		txmgr_tx_rollback(tm);
		return 0;
	}
	if (txmgr_parse_u64(PQgetvalue(r, 0, 0), &top) == -1) {
		PQclear(r);
		goto rollback;
	}
	PQclear(r);
	if ((r = txmgr_q(tm,
	    "SELECT id, nonce, intent, status, send_attempts FROM"
	    " transactions WHERE wallet = $1 AND chain_id = $2 AND status IN"
	    " ('signed', 'broadcast', 'replaced') ORDER BY nonce DESC, id DESC",
	    2, p)) == NULL)
		goto rollback;
	n = PQntuples(r);
	if ((ids = malloc((size_t)n * 24 + 3)) == NULL) {
		PQclear(r);
		goto rollback;
	}
	ip = ids;
	*ip++ = '{';
	for (i = 0; i < n; i++)
		if (prefix == NULL || strncmp(PQgetvalue(r, i, 2), prefix,
		    strlen(prefix)) == 0)
			nmatch++;
	/* from the top nonce down, while each nonce is one unsent row */
	for (i = 0; i < n; i = j) {
		if (txmgr_parse_u64(PQgetvalue(r, i, 1), &gnonce) == -1)
			break;
		for (j = i; j < n && txmgr_parse_u64(PQgetvalue(r, j, 1),
		    &nonce) == 0 && nonce == gnonce; j++)
			;
		ok = gnonce + 1 == top && j - i == 1 &&
		    strcmp(PQgetvalue(r, i, 3), "signed") == 0 &&
		    strcmp(PQgetvalue(r, i, 4), "0") == 0 &&
		    (prefix == NULL || strncmp(PQgetvalue(r, i, 2), prefix,
		    strlen(prefix)) == 0);
		if (!ok)
			break;
		if (ndrop > 0)
			*ip++ = ',';
		ip += sprintf(ip, "%s", PQgetvalue(r, i, 0));
		ndrop++;
		top = gnonce;
	}
	*ip++ = '}';
	*ip = '\0';
	PQclear(r);
	if (ndrop > 0) {
		snprintf(nx, sizeof(nx), "%" PRIu64, top);
		p[0] = ids;
		if (txmgr_qx(tm,
		    "UPDATE transactions SET status = 'dropped', error ="
		    " 'dropped before it was ever sent (emergency stop)'"
		    " WHERE id = ANY($1::bigint[]) AND status = 'signed' AND"
		    " send_attempts = 0", 1, p) != ndrop)
			goto rollback;
		p[0] = wa;
		p[2] = nx;
		if (txmgr_qx(tm,
		    "UPDATE nonces SET next_nonce = $3 WHERE wallet = $1"
		    " AND chain_id = $2", 3, p) != 1)
			goto rollback;
	}
	if ((ks = txmgr_key_find(tm, w)) != NULL)
		ks->nonce_ok = 0;	/* lowered, or may be */
	if (txmgr_tx_commit(tm) == -1)
		goto fail;
	if (ndrop > 0)
		log_warnx("txmgr: dropped %d unsent transactions wallet=%s"
		    " next_nonce=%" PRIu64, ndrop, wa, top);
	free(ids);
	*dropped += ndrop;
	*kept += nmatch - ndrop;
	return 0;
rollback:
	txmgr_tx_rollback(tm);
fail:
	log_warnx("txmgr: drop unsent wallet=%s: %s", wa, tm->dberr);
	free(ids);
	return -1;
}

int
txmgr_drop_unsent(struct txmgr *tm, const char *prefix, int *dropped,
    int *kept)
{
	int	i, d = 0, k = 0, rc = 0;

	if (dropped != NULL)
		*dropped = 0;
	if (kept != NULL)
		*kept = 0;
	if (tm == NULL || db_ensure(tm->db) == -1)
		return -1;
	for (i = 0; i < tm->nkeys; i++)
		if (drop_wallet(tm, &tm->keys[i].addr, prefix, &d, &k) == -1)
			rc = -1;
	if (dropped != NULL)
		*dropped = d;
	if (kept != NULL)
		*kept = k;
	return rc;
}

int
txmgr_cancel(struct txmgr *tm, const char *intent, struct txmgr_tx *out,
    struct txmgr_error *err)
{
	struct txmgr_error	 e0;
	struct row		 r, *g = NULL, *h = NULL;
	struct probe		 pr;
	char			 wa[ADDR_STR_MAX], chain[24], nonce[24];
	const char		*p[3];
	int			 k, i, rc = -1;

	if (err == NULL)
		err = &e0;
	memset(err, 0, sizeof(*err));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (tm == NULL || !txmgr_intent_valid(intent))
		return txmgr_fail(err, TXMGR_E_INVALID, "invalid intent");
	if (db_ensure(tm->db) == -1)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s",
		    db_error(tm->db));
	if (txmgr_chain_check(tm, err) == -1)
		return -1;
	if ((k = txmgr_row_by_intent(tm, intent, &r)) == -1)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if (k == 0)
		return txmgr_fail(err, TXMGR_E_INVALID, "intent %s has no"
		    " transaction", intent);
	if (r.t.status != TXMGR_SIGNED && r.t.status != TXMGR_BROADCAST) {
		(void)txmgr_fail(err, TXMGR_E_INVALID,
		    "intent %s: its transaction"
		    " is %s, nothing to cancel", intent,
		    txmgr_status_name(r.t.status));
		txmgr_row_clear(&r);
		return -1;
	}
	if (txmgr_key_find(tm, &r.t.wallet) == NULL) {
		txmgr_row_clear(&r);
		return txmgr_fail(err, TXMGR_E_NOKEY, "no key for the wallet");
	}
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, r.t.nonce);
	p[0] = addr_format_lower(&r.t.wallet, wa);
	p[1] = chain;
	p[2] = nonce;
	txmgr_row_clear(&r);
	if ((k = txmgr_rows_query(tm,
	    "SELECT " ROW_COLS " FROM transactions WHERE"
	    " wallet = $1 AND chain_id = $2 AND nonce = $3 AND status IN"
	    " ('signed', 'broadcast', 'replaced') ORDER BY id", 3, p,
	    &g)) == -1)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if (txmgr_probe(tm, &g[0].t.wallet, g, (size_t)k, &pr) == -1) {
		txmgr_rows_free(g, (size_t)k);
		return txmgr_fail(err, TXMGR_E_RPC, "node: cannot look up the"
		    " transaction");
	}
	for (i = 0; i < k; i++) {
		if (pr.r[i].found) {
			/* too late: record what happened */
			(void)txmgr_finalize_receipt(tm, g, (size_t)k, &g[i],
			    &pr.r[i]);
			(void)txmgr_fail(err, TXMGR_E_INVALID,
			    "intent %s: already"
			    " mined", intent);
			goto out;
		}
		if (g[i].t.status == TXMGR_SIGNED ||
		    g[i].t.status == TXMGR_BROADCAST)
			h = &g[i];
	}
	if (h == NULL) {
		(void)txmgr_fail(err, TXMGR_E_INVALID, "finished meanwhile");
		goto out;
	}
	tm->fees_ok = 0;
	rc = txmgr_replace_with(tm, h, (size_t)k, pr.head, 1, out, err) == 0 ?
	    0 : -1;
out:
	free(pr.r);
	txmgr_rows_free(g, (size_t)k);
	return rc;
}
