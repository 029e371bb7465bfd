/*
 * txmgr_chain.c: the transaction manager and the node: the chain-id
 * check, revert reasons, receipts, one-batch probes of a wallet, the
 * node's fees, and sending a row (txmgr_int.h).
 *
 * Decisions that a row is dead ("its nonce was taken by a transaction
 * that is not ours") are made from one JSON-RPC batch, which one node
 * answers: the account's nonce first, then the receipts of every row of
 * that nonce. A node that says the nonce is used but has no receipt for
 * any of our hashes has mined someone else's transaction there.
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

/* ---- chain --------------------------------------------------------------- */

/* Check once that the node serves our chain id. */
int
txmgr_chain_check(struct txmgr *tm, struct txmgr_error *err)
{
	struct rpc_error	e;
	uint64_t		id;

	if (tm->chain_checked)
		return 0;
	if (rpc_chain_id(tm->rpc, &id, &e) == -1)
		return txmgr_fail(err, TXMGR_E_RPC, "node: %s", e.message);
	if (id != tm->opts.chain_id)
		return txmgr_fail(err, TXMGR_E_RPC, "node serves chain %" PRIu64
		    ", configured chain_id is %" PRIu64, id,
		    tm->opts.chain_id);
	tm->chain_checked = 1;
	return 0;
}

/*
 * The revert reason in an RPC error: its data ("0x08c379a0...", or a
 * JSON object with such a "data" member, as Hardhat sends) decoded, else
 * the node's message.
 */
void
txmgr_revert_reason_of(const struct rpc_error *e, char *out, size_t cap)
{
	uint8_t			 buf[RPC_ERR_DATA_MAX / 2];
	size_t			 n;
	const char		*hx = NULL;
	const cJSON		*d;
	cJSON			*j = NULL;
	struct abi_revert	 rv;

	if (strncmp(e->data, "0x", 2) == 0)
		hx = e->data;
	else if (e->data[0] == '{' && (j = cJSON_Parse(e->data)) != NULL &&
	    cJSON_IsString(d = cJSON_GetObjectItemCaseSensitive(j, "data")) &&
	    strncmp(d->valuestring, "0x", 2) == 0)
		hx = d->valuestring;
	if (hx != NULL && hex_decode(hx, strlen(hx), buf, sizeof(buf),
	    &n) == 0 && abi_decode_revert(buf, n, &rv) == 0) {
		switch (rv.kind) {
		case ABI_REVERT_ERROR:
			snprintf(out, cap, "%s", rv.reason);
			break;
		case ABI_REVERT_PANIC:
			snprintf(out, cap, "panic: %s", rv.reason);
			break;
		case ABI_REVERT_CUSTOM:
			snprintf(out, cap, "custom error 0x%02x%02x%02x%02x",
			    rv.selector[0], rv.selector[1], rv.selector[2],
			    rv.selector[3]);
			break;
		default:
			snprintf(out, cap, "reverted without a reason");
			break;
		}
	} else
		snprintf(out, cap, "%s", e->message);
	cJSON_Delete(j);
	txmgr_sanitize(out);
}

/* Why a mined transaction reverted: replay it with eth_call at its block. */
void
txmgr_revert_replay(struct txmgr *tm, const struct row *r,
    const struct rcpt *rc,
    char *out, size_t cap)
{
	struct rpc_callmsg	 m;
	struct rpc_error	 e;
	char			 tag[RPC_TAG_MAX];
	uint8_t			*ret = NULL;
	size_t			 n;

	if (rc->gas_used >= r->t.gas_limit) {
		snprintf(out, cap, "out of gas (gas used = gas limit %" PRIu64
		    ")", r->t.gas_limit);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.from = r->t.wallet.b;
	m.to = r->t.to.b;
	m.value = &r->t.value;
	m.data = r->data;
	m.datalen = r->data_len;
	if (rpc_eth_call(tm->rpc, &m, rpc_block_tag(rc->block, tag), &ret, &n,
	    &e) == 0) {
		free(ret);
		snprintf(out, cap, "reverted (its replay at block %" PRIu64
		    " does not revert)", rc->block);
		return;
	}
	if (e.kind == RPC_ERR_RPC)
		txmgr_revert_reason_of(&e, out, cap);
	else {
		snprintf(out, cap, "reverted (replay failed: %s)", e.message);
		txmgr_sanitize(out);
	}
}

static int
rcpt_parse(const cJSON *v, const uint8_t want[32], struct rcpt *out,
    struct rpc_error *e)
{
	uint8_t		 h[32];
	uint64_t	 st;
	const cJSON	*g;

	memset(out, 0, sizeof(*out));
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return -1;
#define F(name)	cJSON_GetObjectItemCaseSensitive(v, name)
	if (rpc_parse_hash(F("transactionHash"), "transactionHash", h,
	    e) == -1 ||
	    rpc_parse_hash(F("blockHash"), "blockHash", out->block_hash,
	    e) == -1 ||
	    rpc_parse_u64(F("blockNumber"), "blockNumber", &out->block,
	    e) == -1 ||
	    rpc_parse_u64(F("status"), "status", &st, e) == -1 || st > 1 ||
	    rpc_parse_u64(F("gasUsed"), "gasUsed", &out->gas_used, e) == -1 ||
	    memcmp(h, want, 32) != 0)
		return -1;
	if ((g = F("effectiveGasPrice")) != NULL && !cJSON_IsNull(g)) {
		if (rpc_parse_u256(g, "effectiveGasPrice", &out->egp, e) == -1)
			return -1;
		out->has_egp = 1;
	}
#undef F
	out->status = (int)st;
	out->found = 1;
	return 0;
}

static cJSON *
params2(const char *a, const char *b)
{
	cJSON	*p = cJSON_CreateArray();

	if (p == NULL)
		return NULL;
	if (!cJSON_AddItemToArray(p, cJSON_CreateString(a)) ||
	    (b != NULL && !cJSON_AddItemToArray(p, cJSON_CreateString(b)))) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

/*
 * Ask one node (one batch) for the head, wallet's mined nonce count and
 * the receipts of rows[0..n). Returns 0 with *pr filled (free pr->r), or
 * -1.
 */
int
txmgr_probe(struct txmgr *tm, const struct addr *wallet, struct row *rows,
    size_t n, struct probe *pr)
{
	struct rpc_batch_item	*it;
	struct rpc_error	 e;
	cJSON			**pp;
	char			 a[ADDR_STR_MAX], h[67];
	size_t			 i;
	int			 rc = -1;

	memset(pr, 0, sizeof(*pr));
	if ((it = calloc(n + 2, sizeof(*it))) == NULL ||
	    (pp = calloc(n + 2, sizeof(*pp))) == NULL ||
	    (pr->r = calloc(n ? n : 1, sizeof(*pr->r))) == NULL) {
		free(it);
		return -1;
	}
	it[0].method = "eth_blockNumber";
	it[1].method = "eth_getTransactionCount";
	pp[1] = params2(addr_format_lower(wallet, a), "latest");
	it[1].params = pp[1];
	for (i = 0; i < n; i++) {
		it[i + 2].method = "eth_getTransactionReceipt";
		pp[i + 2] = params2(txmgr_hash_hex(rows[i].t.hash, h), NULL);
		it[i + 2].params = pp[i + 2];
	}
	for (i = 1; i < n + 2; i++)
		if (pp[i] == NULL)
			goto out;
	if (rpc_batch(tm->rpc, it, n + 2, &e) == -1) {
		log_warnx("txmgr: receipts batch failed wallet=%s err=\"%s\"",
		    a, e.message);
		goto out;
	}
	for (i = 0; i < n + 2; i++)
		if (it[i].err.kind != RPC_ERR_NONE) {
			log_warnx("txmgr: %s failed wallet=%s err=\"%s\"",
			    it[i].method, a, it[i].err.message);
			goto out;
		}
	if (rpc_parse_u64(it[0].result, "blockNumber", &pr->head, &e) == -1 ||
	    rpc_parse_u64(it[1].result, "nonce", &pr->latest, &e) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (rcpt_parse(it[i + 2].result, rows[i].t.hash, &pr->r[i],
		    &e) == -1) {
			log_warnx("txmgr: bad receipt from node wallet=%s", a);
			goto out;
		}
	rc = 0;
out:
	rpc_batch_clear(it, n + 2);
	for (i = 0; i < n + 2; i++)
		cJSON_Delete(pp[i]);
	free(pp);
	free(it);
	if (rc == -1) {
		free(pr->r);
		pr->r = NULL;
	}
	return rc;
}

/* The node's current fees, once per poll. */
int
txmgr_fees_fetch(struct txmgr *tm)
{
	struct rpc_error	e;
	struct rpc_block	b;

	if (tm->fees_ok)
		return 0;
	if (rpc_get_block(tm->rpc, "latest", &b, &e) == -1 || !b.found ||
	    rpc_gas_price(tm->rpc, &tm->node_gas_price, &e) == -1) {
		log_warnx("txmgr: cannot read fees from the node err=\"%s\"",
		    e.message);
		return -1;
	}
	tm->base_fee = b.has_base_fee ? b.base_fee : u256_from_u64(0);
	if (rpc_max_priority_fee(tm->rpc, &tm->node_prio, &e) == -1)
		tm->node_prio = tm->node_gas_price;	/* pre-1559 node */
	tm->fees_ok = 1;
	return 0;
}

/* ---- sending ------------------------------------------------------------- */

/*
 * Send r's signed bytes. The attempt is counted in the database first
 * (and not made when that fails, or when the row is no longer signed or
 * broadcast: another process finished or dropped it). head is the chain
 * head: the start of the replacement clock when the node accepts (always
 * when reset_clock is set, else only the first time).
 */
enum send_res
txmgr_send_row(struct txmgr *tm, struct row *r, uint64_t head, int reset_clock)
{
	struct rpc_error	 e;
	PGresult		*res;
	char			 ids[24], hb[24], msg[TXMGR_MSG_MAX], h[67];
	const char		*p[3] = { ids, hb, reset_clock ? "t" : "f" };
	uint8_t			 got[32];
	int			 rc, accepted;

	if (txmgr_held(tm, r->t.intent))
		return S_SKIPPED;
	snprintf(ids, sizeof(ids), "%" PRId64, r->t.id);
	snprintf(hb, sizeof(hb), "%" PRIu64, head);
	if ((res = txmgr_q(tm, "UPDATE transactions SET send_attempts ="
	    " send_attempts + 1 WHERE id = $1 AND status IN ('signed',"
	    " 'broadcast') RETURNING send_attempts", 1, p)) == NULL) {
		log_warnx("txmgr: not sent, cannot count the attempt"
		    " id=%" PRId64 " err=\"%s\"", r->t.id, tm->dberr);
		return S_SKIPPED;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return S_SKIPPED;
	}
	r->t.send_attempts = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	txmgr_hook(tm, TXMGR_AT_SENDING, r);

	rc = rpc_send_raw_transaction(tm->rpc, r->raw, r->raw_len, got, &e);
	if (rc == 0 && memcmp(got, r->t.hash, 32) != 0) {
		/* a node that hashes differently: do not trust the answer */
		rc = -1;
		e.kind = RPC_ERR_VALIDATION;
		snprintf(e.message, sizeof(e.message), "node returned"
		    " another transaction hash");
	}
	accepted = rc == 0 || (e.kind == RPC_ERR_RPC && txmgr_match_any(&e,
	    txmgr_m_known));
	if (accepted) {
		txmgr_hook(tm, TXMGR_AT_SENT, r);
		if (txmgr_qx(tm, "UPDATE transactions SET status = CASE WHEN"
		    " status = 'signed' THEN 'broadcast' ELSE status END,"
		    " broadcast_count = broadcast_count + 1,"
		    " broadcast_at = coalesce(broadcast_at, now()),"
		    " sent_block = CASE WHEN $3 OR sent_block IS NULL THEN"
		    " $2::bigint ELSE sent_block END, replace_due = false,"
		    " error = NULL WHERE id = $1 AND status IN ('signed',"
		    " 'broadcast')", 3, p) == 1) {
			if (r->t.status == TXMGR_SIGNED)
				log_info("tx broadcast intent=%s id=%" PRId64
				    " nonce=%" PRIu64 " hash=%s", r->t.intent,
				    r->t.id, r->t.nonce,
				        txmgr_hash_hex(r->t.hash, h));
			r->t.status = TXMGR_BROADCAST;
			r->t.broadcast_count++;
			if (reset_clock || !r->has_sent_block) {
				r->sent_block = head;
				r->has_sent_block = 1;
			}
			r->replace_due = 0;
			r->t.error[0] = '\0';
			txmgr_hook(tm, TXMGR_AT_BROADCAST, r);
		} else
			/* still 'signed': it will be sent again, same bytes */
			log_warnx("txmgr: sent but not recorded id=%" PRId64
			    " err=\"%s\"", r->t.id, tm->dberr);
		return S_OK;
	}
	if (e.kind == RPC_ERR_RPC) {
		snprintf(msg, sizeof(msg), "node refused: %s", e.message);
		if (txmgr_match_any(&e, txmgr_m_nonce_low)) {
			txmgr_row_note(tm, r, msg, 0);
			return S_NONCE_LOW;
		}
		if (txmgr_match_any(&e, txmgr_m_underpriced)) {
			txmgr_row_note(tm, r, msg, 1);
			return S_UNDERPRICED;
		}
		txmgr_row_note(tm, r, msg, 0);
		return txmgr_match_any(&e, txmgr_m_funds) ? S_FUNDS : S_REFUSED;
	}
	snprintf(msg, sizeof(msg), "send failed, may have been delivered: %s",
	    e.message);
	txmgr_row_note(tm, r, msg, 0);
	return S_MAYBE;
}
