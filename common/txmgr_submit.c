/*
 * txmgr_submit.c: a new intent: asking the node (txmgr_prepare), taking
 * the nonce and recording the signed row (the fast statement or the
 * locked transaction), and the first send (txmgr.h, docs/TXMGR.md).
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
#include "daemon.h"
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

/* ---- submit -------------------------------------------------------------- */

#define PREP_EXTRA_MAX	4	/* calls riding along with prepare's batch */

/* The answer of batch item it as the single call would have failed:
 * 0, or -1 with e filled (e->message prefixed by what). */
static int
item_ok(const struct rpc_batch_item *it, struct rpc_error *e)
{
	if (it->err.kind == RPC_ERR_NONE)
		return 0;
	*e = it->err;
	return -1;
}

/*
 * Fees, gas limit and the funds check: everything before signing, asked
 * of the node in one round trip (a batch: the latest block, the fee,
 * the gas estimate, the balance), with extra[0..nextra) riding along
 * (their results and errors left in them for the caller, who clears
 * them). err must not be NULL.
 */
static int
prepare(struct txmgr *tm, const struct txmgr_intent *in,
    const struct addr *from, struct rpc_batch_item *extra, size_t nextra,
    struct txmgr_prep *pp, struct txmgr_error *err)
{
	struct rpc_batch_item	 it[4 + PREP_EXTRA_MAX];
	struct rpc_error	 e;
	struct rpc_block	 b;
	struct rpc_callmsg	 m;
	const u256		*cap = &tm->opts.max_gas_price;
	u256			 base, two = u256_from_u64(2), need, gl, bal;
	u256			 price, t;
	uint64_t		 est;
	char			 a[U256_DEC_MAX], c[U256_DEC_MAX];
	cJSON			*pb = NULL, *pe = NULL, *pa = NULL;
	size_t			 n = 0, k, ifee = SIZE_MAX, iest, ibal;
	int			 rc = -1, fee_rpc_err = 0;
	char			 wa[ADDR_STR_MAX];

	memset(pp, 0, sizeof(*pp));
	memset(it, 0, sizeof(it));
	if (nextra > PREP_EXTRA_MAX)
		return txmgr_fail(err, TXMGR_E_INVALID, "too many extra calls");
	memset(&m, 0, sizeof(m));
	m.from = from->b;
	m.to = in->to.b;
	m.value = &in->value;
	m.data = in->data;
	m.datalen = in->data_len;
	if ((pb = rpc_block_params("latest")) == NULL ||
	    (pe = rpc_callmsg_params(&m, NULL)) == NULL ||
	    (pa = cJSON_CreateStringArray((const char *[]){ addr_format_lower(
	    from, wa), "pending" }, 2)) == NULL) {
		txmgr_fail(err, TXMGR_E_INTERNAL, "out of memory");
		goto out;
	}
	it[n].method = "eth_getBlockByNumber";
	it[n++].params = pb;
	if (in->type == 0 && in->gas_price == NULL) {
		ifee = n;
		it[n++].method = "eth_gasPrice";
	} else if (in->type == 2 && in->max_priority_fee == NULL) {
		ifee = n;
		it[n++].method = "eth_maxPriorityFeePerGas";
	}
	iest = n;
	it[n].method = "eth_estimateGas";
	it[n++].params = pe;
	ibal = n;
	it[n].method = "eth_getBalance";
	it[n++].params = pa;
	for (k = 0; k < nextra; k++)
		it[n + k] = extra[k];
	if (rpc_batch(tm->rpc, it, n + nextra, &e) == -1) {
		txmgr_fail(err, TXMGR_E_RPC, "node: %s", e.message);
		goto out;
	}

	if (item_ok(&it[0], &e) == -1 ||
	    rpc_parse_block(it[0].result, 0, &b, &e) == -1) {
		txmgr_fail(err, TXMGR_E_RPC, "node: %s", e.message);
		goto out;
	}
	if (!b.found) {
		txmgr_fail(err, TXMGR_E_RPC, "node has no latest block");
		goto out;
	}
	pp->head = b.number;
	base = b.has_base_fee ? b.base_fee : u256_from_u64(0);
	if (ifee != SIZE_MAX && (item_ok(&it[ifee], &e) == -1 ||
	    rpc_parse_u256(it[ifee].result, "result", in->type == 0 ?
	    &pp->gas_price : &pp->max_prio, &e) == -1)) {
		/* a node without eth_maxPriorityFeePerGas: its gas price */
		fee_rpc_err = in->type == 2 && e.kind == RPC_ERR_RPC;
		if (!fee_rpc_err) {
			txmgr_fail(err, TXMGR_E_RPC, "node: %s", e.message);
			goto out;
		}
	}
	if (in->type == 0) {
		if (in->gas_price != NULL)
			pp->gas_price = *in->gas_price;
		if (u256_cmp(&pp->gas_price, cap) > 0) {
			txmgr_fail(err, TXMGR_E_FEE_CAP,
			    "gas price %s wei is above"
			    " max_gas_price %s wei", u256_to_dec(&pp->gas_price,
			    a), u256_to_dec(cap, c));
			goto out;
		}
		price = pp->gas_price;
	} else {
		if (in->max_priority_fee != NULL)
			pp->max_prio = *in->max_priority_fee;
		else if (fee_rpc_err &&
		    rpc_gas_price(tm->rpc, &pp->max_prio, &e) == -1) {
			txmgr_fail(err, TXMGR_E_RPC, "node: %s", e.message);
			goto out;
		}
		if (in->max_fee != NULL)
			pp->max_fee = *in->max_fee;
		else if (u256_mul(&pp->max_fee, &base, &two) == -1 ||
		    u256_add(&pp->max_fee, &pp->max_fee, &pp->max_prio) == -1) {
			txmgr_fail(err, TXMGR_E_INVALID, "fee overflow");
			goto out;
		}
		if (u256_cmp(&pp->max_fee, cap) > 0) {
			if (in->max_fee != NULL) {
				txmgr_fail(err, TXMGR_E_FEE_CAP,
				    "max fee %s wei is"
				    " above max_gas_price %s wei",
				    u256_to_dec(&pp->max_fee, a),
				    u256_to_dec(cap, c));
				goto out;
			}
			pp->max_fee = *cap;
			if (u256_cmp(&pp->max_fee, &base) <= 0) {
				txmgr_fail(err, TXMGR_E_FEE_CAP,
				    "base fee %s wei is"
				    " above max_gas_price %s wei",
				    u256_to_dec(&base, a), u256_to_dec(cap, c));
				goto out;
			}
			/* leave the tip what the cap leaves over the base */
			if (u256_sub(&t, &pp->max_fee, &base) == 0 &&
			    u256_cmp(&pp->max_prio, &t) > 0)
				pp->max_prio = t;
		}
		if (u256_cmp(&pp->max_prio, &pp->max_fee) > 0) {
			if (in->max_priority_fee != NULL) {
				txmgr_fail(err, TXMGR_E_INVALID,
				    "max priority fee"
				    " above max fee");
				goto out;
			}
			pp->max_prio = pp->max_fee;
		}
		price = pp->max_fee;
	}

	if (item_ok(&it[iest], &e) == -1) {
		if (e.kind != RPC_ERR_RPC)
			txmgr_fail(err, TXMGR_E_RPC, "estimate: node: %s",
			    e.message);
		else if (txmgr_match_any(&e, txmgr_m_funds))
			txmgr_fail(err, TXMGR_E_FUNDS, "estimate: %s",
			    e.message);
		else {
			txmgr_revert_reason_of(&e, err->reason,
			    sizeof(err->reason));
			txmgr_fail(err, TXMGR_E_REVERTED, "estimate: execution"
			    " reverted: %s", err->reason);
		}
		goto out;
	}
	if (rpc_parse_u64(it[iest].result, "result", &est, &e) == -1) {
		txmgr_fail(err, TXMGR_E_RPC, "estimate: node: %s", e.message);
		goto out;
	}
	if (est > UINT64_MAX / 2000) {
		txmgr_fail(err, TXMGR_E_RPC,
		    "estimate: implausible gas %" PRIu64,
		    est);
		goto out;
	}
	pp->gas_limit = est * (uint64_t)(100 + tm->opts.gas_margin_pct) / 100;
	if (pp->gas_limit < in->min_gas_limit)
		pp->gas_limit = in->min_gas_limit;
	/* a node refuses such a transaction for good, and a row that can
	 * never be sent would hold its nonce and everything above it */
	if (b.gas_limit > 0 && pp->gas_limit > b.gas_limit) {
		txmgr_fail(err, TXMGR_E_INVALID,
		    "gas limit %" PRIu64 " is above the"
		    " block gas limit %" PRIu64, pp->gas_limit, b.gas_limit);
		goto out;
	}

	/* the node checks this too, but only after we signed */
	gl = u256_from_u64(pp->gas_limit);
	if (u256_mul(&need, &gl, &price) == -1 ||
	    u256_add(&need, &need, &in->value) == -1) {
		txmgr_fail(err, TXMGR_E_FUNDS, "value + fees overflow");
		goto out;
	}
	if (item_ok(&it[ibal], &e) == -1 ||
	    rpc_parse_u256(it[ibal].result, "result", &bal, &e) == -1) {
		txmgr_fail(err, TXMGR_E_RPC, "balance: node: %s", e.message);
		goto out;
	}
	if (u256_cmp(&bal, &need) < 0) {
		txmgr_fail(err, TXMGR_E_FUNDS,
		    "insufficient funds: balance %s wei,"
		    " value + gas limit * max fee needs %s wei",
		    u256_to_dec(&bal, a), u256_to_dec(&need, c));
		goto out;
	}
	rc = 0;
out:
	/* the extras' answers go back to the caller */
	for (k = 0; k < nextra; k++) {
		extra[k] = it[n + k];
		it[n + k].result = NULL;
	}
	rpc_batch_clear(it, n);
	cJSON_Delete(pb);
	cJSON_Delete(pe);
	cJSON_Delete(pa);
	return rc;
}

/*
 * r: a new row of in at nonce, signed. Returns 0, or -1 with err filled
 * (r cleared).
 */
static int
row_make(struct txmgr *tm, const struct txmgr_intent *in,
    const struct key_slot *ks, const struct txmgr_prep *pp, uint64_t nonce,
    struct row *r, struct txmgr_error *err)
{
	char	why[TXMGR_MSG_MAX];

	memset(r, 0, sizeof(*r));
	snprintf(r->t.intent, sizeof(r->t.intent), "%s", in->intent);
	r->t.wallet = ks->addr;
	r->t.nonce = nonce;
	r->t.type = in->type;
	r->t.to = in->to;
	r->t.value = in->value;
	r->t.gas_limit = pp->gas_limit;
	r->t.gas_price = pp->gas_price;
	r->t.max_fee = pp->max_fee;
	r->t.max_priority_fee = pp->max_prio;
	r->t.receipt_status = -1;
	if (in->data_len > 0) {
		if ((r->data = malloc(in->data_len)) == NULL)
			return txmgr_fail(err, TXMGR_E_INTERNAL,
			    "out of memory");
		memcpy(r->data, in->data, in->data_len);
		r->data_len = in->data_len;
	}
	if (txmgr_row_sign(tm, ks, r, why, sizeof(why)) == -1) {
		txmgr_row_clear(r);
		return txmgr_fail(err, TXMGR_E_INVALID, "cannot sign: %s", why);
	}
	return 0;
}

/* The failure of a row insert: 1 for the intent's unique index (another
 * row holds the intent: nothing written), else -1 with err filled. */
static int
insert_failed(struct txmgr *tm, struct txmgr_error *err)
{
	if (strcmp(tm->sqlstate, SQLSTATE_UNIQUE) == 0 &&
	    strcmp(tm->constraint, "transactions_one_per_intent") == 0)
		return 1;
	if (strcmp(tm->sqlstate, SQLSTATE_EMERGENCY) == 0)
		return txmgr_fail(err, TXMGR_E_EMERGENCY, "%s", tm->dberr);
	return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
}

/*
 * The common case: this manager wrote the wallet's nonce last, so it
 * knows the next one. Sign with it and record in one statement (no
 * BEGIN, lock, COMMIT round trips). Returns 0 (r filled), 1 when another
 * row holds the intent, 2 when the guess was stale or a nonce conflict
 * says the database knows better (nothing written: take the locked
 * path), or -1.
 */
static int
record_fast(struct txmgr *tm, const struct txmgr_intent *in,
    struct key_slot *ks, const struct txmgr_prep *pp, struct row *r,
    struct txmgr_error *err)
{
	int	k;

	if (row_make(tm, in, ks, pp, ks->next_nonce, r, err) == -1)
		return -1;
	if ((k = txmgr_row_insert_fast(tm, r)) == 0) {
		ks->next_nonce = r->t.nonce + 1;
		return 0;
	}
	txmgr_row_clear(r);
	ks->nonce_ok = 0;
	if (k == 1 || (strcmp(tm->sqlstate, SQLSTATE_UNIQUE) == 0 &&
	    strcmp(tm->constraint, "transactions_one_per_nonce") == 0))
		return 2;
	return insert_failed(tm, err);
}

/*
 * Take the next nonce of the wallet, sign, and insert the row as
 * 'signed', all in one database transaction. Returns 0 (r filled), 1
 * when another row holds the intent already (nothing written), or -1.
 */
static int
record_new(struct txmgr *tm, const struct txmgr_intent *in,
    struct key_slot *ks, const struct txmgr_prep *pp, struct row *r,
    struct txmgr_error *err)
{
	struct rpc_error	 e;
	PGresult		*res;
	char			 wa[ADDR_STR_MAX], chain[24], nx[24], pend[24];
	const char		*p[3];
	uint64_t		 cur, held_next, pending;
	int			 k;

	memset(r, 0, sizeof(*r));
	if (ks->nonce_ok && (k = record_fast(tm, in, ks, pp, r, err)) != 2)
		return k;
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	p[0] = addr_format_lower(&ks->addr, wa);
	p[1] = chain;

	/* first use: start from the chain's pending nonce */
	if ((res = txmgr_q(tm, "SELECT 1 FROM nonces WHERE wallet = $1 AND"
	    " chain_id = $2", 2, p)) == NULL)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	k = PQntuples(res);
	PQclear(res);
	if (k == 0) {
		if (rpc_get_transaction_count(tm->rpc, ks->addr.b, "pending",
		    &pending, &e) == -1)
			return txmgr_fail(err, TXMGR_E_RPC, "nonce: node: %s",
			    e.message);
		snprintf(pend, sizeof(pend), "%" PRIu64, pending);
		p[2] = pend;
		if (txmgr_qx(tm,
		    "INSERT INTO nonces (wallet, chain_id, next_nonce,"
		    " synced_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO"
		    " NOTHING", 3, p) == -1)
			return txmgr_fail(err, TXMGR_E_DB, "database: %s",
			    tm->dberr);
	}

	if (txmgr_tx_begin(tm) == -1)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if ((res = txmgr_q(tm,
	    "SELECT next_nonce, (SELECT coalesce(max(nonce) + 1,"
	    " 0) FROM transactions WHERE wallet = $1 AND chain_id = $2 AND "
	    LIVE ") FROM nonces WHERE wallet = $1 AND chain_id = $2"
	    " FOR UPDATE", 2, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1 ||
	    txmgr_parse_u64(PQgetvalue(res, 0, 0), &cur) == -1 ||
	    txmgr_parse_u64(PQgetvalue(res, 0, 1), &held_next) == -1) {
		PQclear(res);
		snprintf(tm->dberr, sizeof(tm->dberr), "no nonces row");
		goto dberr;
	}
	PQclear(res);
	/* under the wallet's lock: a concurrent submit of the same intent
	 * from this wallet has committed by now, and we sign nothing */
	if ((res = txmgr_q(tm,
	    "SELECT 1 FROM transactions WHERE intent = $1 AND "
	    LIVE, 1, &in->intent)) == NULL)
		goto dberr;
	k = PQntuples(res);
	PQclear(res);
	if (k > 0) {
		txmgr_tx_rollback(tm);
		return 1;
	}
	if (row_make(tm, in, ks, pp, cur > held_next ? cur : held_next, r,
	    err) == -1) {
		txmgr_tx_rollback(tm);
		return -1;
	}
	if (txmgr_row_insert(tm, r) == -1) {
		txmgr_tx_rollback(tm);
		txmgr_row_clear(r);
		return insert_failed(tm, err);
	}
	snprintf(nx, sizeof(nx), "%" PRIu64, r->t.nonce + 1);
	p[2] = nx;
	if (txmgr_qx(tm,
	    "UPDATE nonces SET next_nonce = $3 WHERE wallet = $1 AND"
	    " chain_id = $2", 3, p) != 1)
		goto dberr;
	if (txmgr_tx_commit(tm) == -1) {
		/* if the COMMIT reached the server, the row exists and the
		 * poll or recovery will send it; submitting again finds it */
		txmgr_row_clear(r);
		return txmgr_fail(err, TXMGR_E_DB,
		    "database: commit failed, the"
		    " intent may have been recorded (nothing was sent): %s",
		    tm->dberr);
	}
	ks->nonce_ok = 1;
	ks->next_nonce = r->t.nonce + 1;
	return 0;
dberr:
	txmgr_tx_rollback(tm);
	txmgr_row_clear(r);
	return txmgr_fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
}

/*
 * The checks every intent passes (but its text: txmgr_prepare has none)
 * and its wallet's key. Returns the key, or NULL with err filled.
 */
static struct key_slot *
intent_key(struct txmgr *tm, const struct txmgr_intent *in,
    struct txmgr_error *err)
{
	struct key_slot	*ks;
	struct addr	 a;

	if (tm == NULL || in == NULL) {
		txmgr_fail(err, TXMGR_E_INVALID,
		    "no transaction manager or intent");
		return NULL;
	}
	if (in->type != 0 && in->type != 2) {
		txmgr_fail(err, TXMGR_E_INVALID, "transaction type %d: want 0"
		    " (legacy) or 2 (EIP-1559)", in->type);
		return NULL;
	}
	if ((in->data == NULL && in->data_len > 0) ||
	    in->data_len > TXMGR_DATA_MAX) {
		txmgr_fail(err, TXMGR_E_INVALID, "bad call data");
		return NULL;
	}
	if (in->key != NULL) {
		if (txmgr_add_key(tm, in->key, &a) == -1) {
			txmgr_fail(err, TXMGR_E_INVALID, "invalid private key");
			return NULL;
		}
	} else if (in->from != NULL)
		a = *in->from;
	else {
		txmgr_fail(err, TXMGR_E_INVALID, "no key and no wallet");
		return NULL;
	}
	if ((ks = txmgr_key_find(tm, &a)) == NULL)
		txmgr_fail(err, TXMGR_E_NOKEY, "no key for the wallet");
	return ks;
}

/* The digest of what prepare's answers depend on: the call and its
 * gas and fee arguments. */
static void
call_digest(const struct txmgr_intent *in, uint8_t out[32])
{
	struct keccak_ctx	k;
	uint8_t			b[32];
	const u256		*fees[3] = { in->gas_price, in->max_fee,
				    in->max_priority_fee };
	int			i;

	keccak256_init(&k);
	b[0] = (uint8_t)in->type;
	keccak256_update(&k, b, 1);
	keccak256_update(&k, in->to.b, 20);
	u256_to_be(&in->value, b);
	keccak256_update(&k, b, 32);
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(in->min_gas_limit >> (56 - 8 * i));
	keccak256_update(&k, b, 8);
	for (i = 0; i < 3; i++) {
		b[0] = fees[i] != NULL;
		keccak256_update(&k, b, 1);
		if (fees[i] != NULL) {
			u256_to_be(fees[i], b);
			keccak256_update(&k, b, 32);
		}
	}
	if (in->data_len > 0)
		keccak256_update(&k, in->data, in->data_len);
	keccak256_final(&k, out);
}

/* p is txmgr_prepare's answer for this very call, young enough. */
static int
prep_usable(const struct txmgr_intent *in, const struct key_slot *ks,
    const struct txmgr_prep *p)
{
	uint8_t		d[32];
	long long	age;

	if (p == NULL || !addr_eq(&p->from, &ks->addr))
		return 0;
	age = daemon_now_ms() - p->at_ms;
	if (age < 0 || age > TXMGR_PREP_MAX_AGE_MS)
		return 0;
	call_digest(in, d);
	return memcmp(d, p->call, 32) == 0;
}

int
txmgr_prepare(struct txmgr *tm, const struct txmgr_intent *in,
    struct rpc_batch_item *extra, size_t nextra, struct txmgr_prep *out,
    struct txmgr_error *err)
{
	struct txmgr_error	 e0;
	struct key_slot		*ks;

	if (err == NULL)
		err = &e0;
	memset(err, 0, sizeof(*err));
	if ((ks = intent_key(tm, in, err)) == NULL)
		return -1;
	if (out == NULL)
		return txmgr_fail(err, TXMGR_E_INVALID,
		    "no place for the answers");
	if (txmgr_chain_check(tm, err) == -1 ||
	    prepare(tm, in, &ks->addr, extra, nextra, out, err) == -1)
		return -1;
	out->from = ks->addr;
	out->at_ms = daemon_now_ms();
	call_digest(in, out->call);
	return 0;
}

int
txmgr_submit(struct txmgr *tm, const struct txmgr_intent *in,
    struct txmgr_tx *out, struct txmgr_error *err)
{
	struct txmgr_error	 e0;
	struct key_slot		*ks;
	struct row		 r;
	struct txmgr_prep	 pp;
	enum send_res		 s;
	int			 tries, k;

	if (err == NULL)
		err = &e0;
	memset(err, 0, sizeof(*err));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (tm != NULL && in != NULL && !txmgr_intent_valid(in->intent))
		return txmgr_fail(err, TXMGR_E_INVALID, "invalid intent: want"
		    " <owner>:<id> (owner a-z and _, id printable, no spaces,"
		    " at most %d bytes)", TXMGR_INTENT_MAX);
	if ((ks = intent_key(tm, in, err)) == NULL)
		return -1;
	if (db_ensure(tm->db) == -1)
		return txmgr_fail(err, TXMGR_E_DB, "database: %s",
		    db_error(tm->db));
	if (txmgr_chain_check(tm, err) == -1)
		return -1;

	for (tries = 0; tries < 3; tries++) {
		if (tries == 0 && in->fresh)
			k = 0;
		else if ((k = txmgr_row_by_intent(tm, in->intent, &r)) == -1)
			return txmgr_fail(err, TXMGR_E_DB, "database: %s",
			    tm->dberr);
		if (k == 1 && txmgr_row_live(&r)) {
			if (out != NULL) {
				*out = r.t;
				out->existing = 1;
			}
			txmgr_row_clear(&r);
			return 0;
		}
		if (k == 1)
			txmgr_row_clear(&r);
		if (tries == 0 && prep_usable(in, ks, in->prep))
			pp = *in->prep;
		else if (prepare(tm, in, &ks->addr, NULL, 0, &pp, err) == -1)
			return -1;
		if ((k = record_new(tm, in, ks, &pp, &r, err)) == -1)
			return -1;
		if (k == 1)
			continue;	/* raced: the loop returns the winner */
		txmgr_hook(tm, TXMGR_AT_RECORDED, &r);
		s = txmgr_send_row(tm, &r, pp.head, 1);
		if (s == S_NONCE_LOW && txmgr_resolve_nonce_low(tm, &r) == 0) {
			/* the nonce went to a transaction that is not ours;
			 * ours can never be mined: sign again, new nonce */
			txmgr_row_clear(&r);
			continue;
		}
		if (s == S_SKIPPED && r.t.error[0] == '\0')
			snprintf(r.t.error, sizeof(r.t.error), "%s",
			    txmgr_held(tm, r.t.intent) ? "held: not sent" :
			    "not sent yet (database): the poll sends it");
		if (out != NULL)
			*out = r.t;
		txmgr_row_clear(&r);
		return 0;
	}
	return txmgr_fail(err, TXMGR_E_DB,
	    "intent %s: could not get a nonce after"
	    " %d tries", in->intent, tries);
}
