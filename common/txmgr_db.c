/*
 * txmgr_db.c: the transaction manager's database statements: running
 * them with the SQLSTATE kept, loading rows, signing a row and inserting
 * it (txmgr_int.h).
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

/* ---- database ------------------------------------------------------------ */

/*
 * Run sql on the txmgr's connection; like db_query, but keeps the
 * SQLSTATE of a failure (unique violation, emergency stop) in
 * tm->sqlstate and the server's message in tm->dberr.
 */
PGresult *
txmgr_q(struct txmgr *tm, const char *sql, int n, const char *const *p)
{
	PGresult	*r;
	ExecStatusType	 st;
	const char	*s;
	PGconn		*c;

	tm->sqlstate[0] = '\0';
	tm->constraint[0] = '\0';
	if (!db_is_up(tm->db) || (c = db_conn(tm->db)) == NULL) {
		snprintf(tm->dberr, sizeof(tm->dberr),
		    "database not connected");
		return NULL;
	}
	r = db_query_raw(tm->db, sql, n, p);
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	if (r != NULL &&
	    (s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(tm->sqlstate, sizeof(tm->sqlstate), "%s", s);
	if (r != NULL &&
	    (s = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) != NULL)
		snprintf(tm->constraint, sizeof(tm->constraint), "%s", s);
	if (r == NULL ||
	    (s = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) == NULL)
		s = PQerrorMessage(c);
	snprintf(tm->dberr, sizeof(tm->dberr), "%s", s ? s : "error");
	txmgr_sanitize(tm->dberr);
	PQclear(r);
	return NULL;
}

/* Statement without rows wanted; returns affected rows, or -1. */
int
txmgr_qx(struct txmgr *tm, const char *sql, int n, const char *const *p)
{
	PGresult	*r;
	int		 k;

	if ((r = txmgr_q(tm, sql, n, p)) == NULL)
		return -1;
	k = atoi(PQcmdTuples(r));
	PQclear(r);
	return k;
}

int
txmgr_tx_begin(struct txmgr *tm)
{
	return txmgr_qx(tm, "BEGIN", 0, NULL) == -1 ? -1 : 0;
}

void
txmgr_tx_rollback(struct txmgr *tm)
{
	char	save[sizeof(tm->dberr)], st[6];

	/* keep the error that made us roll back */
	memcpy(save, tm->dberr, sizeof(save));
	memcpy(st, tm->sqlstate, sizeof(st));
	if (db_is_up(tm->db))
		(void)txmgr_qx(tm, "ROLLBACK", 0, NULL);
	memcpy(tm->dberr, save, sizeof(save));
	memcpy(tm->sqlstate, st, sizeof(st));
}

/* COMMIT; -1 when it failed or turned into a rollback. */
int
txmgr_tx_commit(struct txmgr *tm)
{
	PGresult	*r;
	int		 ok;

	if ((r = txmgr_q(tm, "COMMIT", 0, NULL)) == NULL)
		return -1;
	ok = strcmp(PQcmdStatus(r), "COMMIT") == 0;
	PQclear(r);
	if (!ok)
		snprintf(tm->dberr, sizeof(tm->dberr),
		    "transaction was rolled back");
	return ok ? 0 : -1;
}

static int
col_u256(PGresult *res, int i, int c, u256 *out)
{
	if (PQgetisnull(res, i, c)) {
		*out = u256_from_u64(0);
		return 0;
	}
	return u256_from_dec(out, PQgetvalue(res, i, c));
}

static int
col_hex(PGresult *res, int i, int c, uint8_t **out, size_t *len)
{
	const char	*s = PQgetvalue(res, i, c);
	size_t		 n = strlen(s);

	*out = NULL;
	*len = 0;
	if ((*out = malloc(n / 2 + 1)) == NULL)
		return -1;
	return hex_decode(s, n, *out, n / 2 + 1, len);
}

/* Load row i of a ROW_COLS result. Returns 0 or -1 (malformed). */
static int
row_load(PGresult *res, int i, struct row *r)
{
	struct txmgr_tx	*t = &r->t;
	uint64_t	 v;
	size_t		 n;
	uint8_t		*h = NULL;

	memset(r, 0, sizeof(*r));
	t->receipt_status = -1;
	if (txmgr_parse_u64(PQgetvalue(res, i, 0), &v) == -1)
		goto bad;
	t->id = (int64_t)v;
	snprintf(t->intent, sizeof(t->intent), "%s", PQgetvalue(res, i, 1));
	if (addr_parse(&t->wallet, PQgetvalue(res, i, 2)) == -1 ||
	    txmgr_parse_u64(PQgetvalue(res, i, 3), &t->nonce) == -1)
		goto bad;
	t->type = atoi(PQgetvalue(res, i, 4));
	if (addr_parse(&t->to, PQgetvalue(res, i, 5)) == -1 ||
	    col_u256(res, i, 6, &t->value) == -1 ||
	    col_hex(res, i, 7, &r->data, &r->data_len) == -1 ||
	    txmgr_parse_u64(PQgetvalue(res, i, 8), &t->gas_limit) == -1 ||
	    col_u256(res, i, 9, &t->gas_price) == -1 ||
	    col_u256(res, i, 10, &t->max_fee) == -1 ||
	    col_u256(res, i, 11, &t->max_priority_fee) == -1 ||
	    col_hex(res, i, 12, &r->raw, &r->raw_len) == -1 ||
	    col_hex(res, i, 13, &h, &n) == -1 || n != 32 ||
	    txmgr_status_parse(PQgetvalue(res, i, 14), &t->status) == -1 ||
	    txmgr_parse_u64(PQgetvalue(res, i, 15), &v) == -1)
		goto bad;
	memcpy(t->hash, h, 32);
	free(h);
	h = NULL;
	t->replaces = (int64_t)v;
	t->send_attempts = atoi(PQgetvalue(res, i, 16));
	t->broadcast_count = atoi(PQgetvalue(res, i, 17));
	if (!PQgetisnull(res, i, 18)) {
		if (txmgr_parse_u64(PQgetvalue(res, i, 18),
		    &r->sent_block) == -1)
			goto bad;
		r->has_sent_block = 1;
	}
	r->replace_due = strcmp(PQgetvalue(res, i, 19), "t") == 0;
	if (!PQgetisnull(res, i, 20)) {
		if (txmgr_parse_u64(PQgetvalue(res, i, 20),
		    &t->block_number) == -1)
			goto bad;
		t->has_block = 1;
	}
	if (!PQgetisnull(res, i, 21))
		t->receipt_status = atoi(PQgetvalue(res, i, 21));
	if (!PQgetisnull(res, i, 22) &&
	    txmgr_parse_u64(PQgetvalue(res, i, 22), &t->gas_used) == -1)
		goto bad;
	if (col_u256(res, i, 23, &t->effective_gas_price) == -1)
		goto bad;
	snprintf(t->revert_reason, sizeof(t->revert_reason), "%s",
	    PQgetvalue(res, i, 24));
	snprintf(t->error, sizeof(t->error), "%s", PQgetvalue(res, i, 25));
	return 0;
bad:
	free(h);
	txmgr_row_clear(r);
	log_warnx("txmgr: malformed transactions row");
	return -1;
}

/*
 * Load the rows of a query whose columns are ROW_COLS. Returns the count
 * (rows in *out, free with rows_free) or -1.
 */
int
txmgr_rows_query(struct txmgr *tm, const char *sql, int n, const char *const *p,
    struct row **out)
{
	PGresult	*res;
	struct row	*rows;
	int		 i, k;

	*out = NULL;
	if ((res = txmgr_q(tm, sql, n, p)) == NULL)
		return -1;
	k = PQntuples(res);
	if (k == 0) {
		PQclear(res);
		return 0;
	}
	if ((rows = calloc((size_t)k, sizeof(*rows))) == NULL) {
		PQclear(res);
		return -1;
	}
	for (i = 0; i < k; i++)
		if (row_load(res, i, &rows[i]) == -1) {
			txmgr_rows_free(rows, (size_t)i);
			PQclear(res);
			return -1;
		}
	PQclear(res);
	*out = rows;
	return k;
}

/* One row by id into *r. Returns 1, 0 (none) or -1. */
int
txmgr_row_by_id(struct txmgr *tm, int64_t id, struct row *r)
{
	struct row	*rows;
	char		 ids[24];
	const char	*p[1] = { ids };
	int		 k;

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	k = txmgr_rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
	    " WHERE id = $1", 1, p, &rows);
	if (k <= 0)
		return k;
	*r = rows[0];
	free(rows);
	return 1;
}

/* The row that best answers "what happened to intent". 1, 0 or -1. */
int
txmgr_row_by_intent(struct txmgr *tm, const char *intent, struct row *r)
{
	struct row	*rows;
	const char	*p[1] = { intent };
	int		 k;

	k = txmgr_rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
	    " WHERE intent = $1 ORDER BY CASE WHEN " HOLDING " THEN 0"
	    " WHEN status = 'replaced' THEN 1 ELSE 2 END, id DESC LIMIT 1",
	    1, p, &rows);
	if (k <= 0)
		return k;
	*r = rows[0];
	free(rows);
	return 1;
}

/* Record a note (a node's refusal, why nothing was done) on a row,
 * once: nothing is written when it says that already. */
void
txmgr_row_note(struct txmgr *tm, struct row *r, const char *msg,
    int replace_due)
{
	char		 ids[24], buf[TXMGR_MSG_MAX];
	const char	*p[3] = { ids, buf, replace_due ? "t" : "f" };

	snprintf(buf, sizeof(buf), "%s", msg);
	txmgr_sanitize(buf);
	if (strcmp(buf, r->t.error) == 0 && replace_due == r->replace_due)
		return;
	snprintf(ids, sizeof(ids), "%" PRId64, r->t.id);
	if (txmgr_qx(tm, "UPDATE transactions SET error = $2, replace_due = $3"
	    " WHERE id = $1", 3, p) == -1) {
		log_warnx("txmgr: cannot record a note id=%" PRId64
		    " err=\"%s\"", r->t.id, tm->dberr);
		return;
	}
	log_warnx("txmgr: intent=%s id=%" PRId64 " nonce=%" PRIu64 ": %s",
	    r->t.intent, r->t.id, r->t.nonce, buf);
	snprintf(r->t.error, sizeof(r->t.error), "%s", buf);
	r->replace_due = replace_due;
}

/* ---- signing ------------------------------------------------------------- */

/* Sign r's fields with ks; sets r->raw and the hash. Returns 0 or -1. */
int
txmgr_row_sign(struct txmgr *tm, const struct key_slot *ks, struct row *r,
    char *why, size_t whylen)
{
	struct tx	 t;
	struct rlp_buf	 b;

	memset(&t, 0, sizeof(t));
	t.type = r->t.type == 2 ? TX_DYNAMIC_FEE : TX_LEGACY;
	t.chain_id = tm->opts.chain_id;
	t.nonce = r->t.nonce;
	t.gas_price = r->t.gas_price;
	t.max_fee = r->t.max_fee;
	t.max_priority_fee = r->t.max_priority_fee;
	t.gas_limit = r->t.gas_limit;
	t.has_to = 1;
	t.to = r->t.to;
	t.value = r->t.value;
	t.data = r->data;
	t.data_len = r->data_len;
	if (tx_validate(&t, tm->opts.chain_id, why, whylen) == -1)
		return -1;
	rlp_buf_init(&b);
	if (tx_sign_encode(&t, ks->key, &b, r->t.hash) == -1 ||
	    rlp_buf_error(&b) || (r->raw = malloc(b.len)) == NULL) {
		rlp_buf_free(&b);
		snprintf(why, whylen, "signing failed");
		return -1;
	}
	memcpy(r->raw, b.data, b.len);
	r->raw_len = b.len;
	rlp_buf_free(&b);
	return 0;
}

/*
 * INSERT r (signed fields, raw, hash) as 'signed', in the caller's
 * database transaction. Sets r->t.id. Returns 0 or -1 (tm->sqlstate).
 */
static int	row_insert_sql(struct txmgr *, struct row *, const char *);

int
txmgr_row_insert(struct txmgr *tm, struct row *r)
{
	if (row_insert_sql(tm, r, "INSERT INTO transactions (intent, wallet,"
	    " chain_id, nonce, tx_type, to_address, value, data, gas_limit,"
	    " gas_price, max_fee, max_priority_fee, raw, hash, replaces,"
	    " status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
	    " $12, $13, $14, $15, 'signed') RETURNING id") == -1)
		return -1;
	if (r->t.id == 0) {
		snprintf(tm->dberr, sizeof(tm->dberr), "insert returned no id");
		return -1;
	}
	return 0;
}

/*
 * The fast record of a new row: one statement that moves the wallet's
 * next_nonce from r's nonce to the one above, if and only if that is
 * what it is and no live row holds that nonce or a higher one, and
 * inserts r in the same breath. Row lock, check, insert and nonce update
 * are atomic without BEGIN/COMMIT round trips. Returns 0 (r->t.id set),
 * 1 when the guess was wrong (nothing written), or -1 (tm->sqlstate).
 */
int
txmgr_row_insert_fast(struct txmgr *tm, struct row *r)
{
	int	k;

	k = row_insert_sql(tm, r, "WITH n AS (UPDATE nonces SET next_nonce ="
	    " $4::bigint + 1 WHERE wallet = $2::eth_address AND chain_id ="
	    " $3::integer AND next_nonce = $4::bigint AND NOT EXISTS (SELECT 1"
	    " FROM transactions WHERE wallet = $2::eth_address AND chain_id ="
	    " $3::integer AND nonce >= $4::bigint AND " LIVE ") RETURNING 1)"
	    " INSERT INTO transactions (intent, wallet, chain_id, nonce,"
	    " tx_type, to_address, value, data, gas_limit, gas_price, max_fee,"
	    " max_priority_fee, raw, hash, replaces, status) SELECT $1::text,"
	    " $2::eth_address, $3::integer, $4::bigint, $5::smallint,"
	    " $6::eth_address, $7::uint256, $8::bytea, $9::bigint,"
	    " $10::uint256, $11::uint256, $12::uint256, $13::bytea,"
	    " $14::bytes32, $15::bigint, 'signed' FROM n RETURNING id");
	if (k == 0 && r->t.id == 0)
		return 1;
	return k;
}

/* row_insert with the statement sql ($1..$15 as below, RETURNING id).
 * No row returned leaves r->t.id 0 and returns 0. */
static int
row_insert_sql(struct txmgr *tm, struct row *r, const char *sql)
{
	char		 w[ADDR_STR_MAX], to[ADDR_STR_MAX], chain[24],
	    nonce[24];
	char		 type[4], value[U256_DEC_MAX], gl[24], gp[U256_DEC_MAX];
	char		 mf[U256_DEC_MAX], mp[U256_DEC_MAX], rep[24];
	char		*data, *raw, *hash;
	const char	*p[15];
	PGresult	*res;
	uint64_t	 id;
	int		 rc = -1;

	data = txmgr_bytea_param(r->data, r->data_len);
	raw = txmgr_bytea_param(r->raw, r->raw_len);
	hash = txmgr_bytea_param(r->t.hash, 32);
	if (data == NULL || raw == NULL || hash == NULL) {
		snprintf(tm->dberr, sizeof(tm->dberr), "out of memory");
		goto out;
	}
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, r->t.nonce);
	snprintf(type, sizeof(type), "%d", r->t.type);
	snprintf(gl, sizeof(gl), "%" PRIu64, r->t.gas_limit);
	snprintf(rep, sizeof(rep), "%" PRId64, r->t.replaces);
	p[0] = r->t.intent;
	p[1] = addr_format_lower(&r->t.wallet, w);
	p[2] = chain;
	p[3] = nonce;
	p[4] = type;
	p[5] = addr_format_lower(&r->t.to, to);
	p[6] = u256_to_dec(&r->t.value, value);
	p[7] = data;
	p[8] = gl;
	p[9] = r->t.type == 0 ? u256_to_dec(&r->t.gas_price, gp) : NULL;
	p[10] = r->t.type == 2 ? u256_to_dec(&r->t.max_fee, mf) : NULL;
	p[11] = r->t.type == 2 ? u256_to_dec(&r->t.max_priority_fee, mp) :
	    NULL;
	p[12] = raw;
	p[13] = hash;
	p[14] = r->t.replaces != 0 ? rep : NULL;
	r->t.id = 0;
	if ((res = txmgr_q(tm, sql, 15, p)) == NULL)
		goto out;
	if (PQntuples(res) == 0)
		rc = 0;
	else if (PQntuples(res) == 1 &&
	    txmgr_parse_u64(PQgetvalue(res, 0, 0), &id) == 0) {
		r->t.id = (int64_t)id;
		r->t.status = TXMGR_SIGNED;
		rc = 0;
	}
	PQclear(res);
out:
	free(data);
	free(raw);
	free(hash);
	return rc;
}
