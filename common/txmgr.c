/*
 * txmgr.c: the transaction manager (see txmgr.h and docs/TXMGR.md).
 *
 * The database is the single source of truth. Each step of a
 * transaction's life is written down before the step that depends on it
 * is taken: the signed bytes before the first send, the send attempt
 * before the call, the replacement (old row 'replaced', new row 'signed')
 * before the new bytes leave, and the outcome of a nonce in one database
 * transaction for every row that competed for it. So a crash at any
 * point leaves rows that the next poll or txmgr_recover can finish by
 * looking at the chain, and sending again only ever sends the same bytes.
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
	char			 constraint[64];	/* of the last failure */
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

static const char *const status_names[] = {
	"signed", "broadcast", "mined", "failed", "replaced", "dropped"
};

static const char *const code_names[] = {
	"ok", "invalid", "nokey", "reverted", "funds", "fee_cap", "rpc", "db",
	"emergency", "internal"
};

/* ---- small helpers ------------------------------------------------------- */

const char *
txmgr_status_name(enum txmgr_status s)
{
	if ((unsigned)s < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[s];
	return "unknown";
}

const char *
txmgr_code_name(enum txmgr_code c)
{
	if ((unsigned)c < sizeof(code_names) / sizeof(code_names[0]))
		return code_names[c];
	return "unknown";
}

static int
status_parse(const char *s, enum txmgr_status *out)
{
	size_t	i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum txmgr_status)i;
			return 0;
		}
	return -1;
}

static int
fail(struct txmgr_error *err, enum txmgr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct txmgr_error *err, enum txmgr_code code, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Replace control characters so that node text is safe in a log line. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"')
			*s = *s == '"' ? '\'' : '?';
}

static char *
hash_hex(const uint8_t h[32], char out[67])
{
	return hex_encode(h, 32, out, 1);
}

/* "\x..." text for a bytea parameter; NULL on no memory. */
static char *
bytea_param(const uint8_t *b, size_t n)
{
	char	*s;

	if ((s = malloc(2 * n + 3)) == NULL)
		return NULL;
	s[0] = '\\';
	s[1] = 'x';
	hex_encode(b, n, s + 2, 0);
	return s;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* *r = a * (100 + pct) / 100 + 1: strictly above a by at least pct %. */
static int
bump(const u256 *a, int pct, u256 *r)
{
	u256	f = u256_from_u64((uint64_t)(100 + pct));
	u256	h = u256_from_u64(100);
	u256	one = u256_from_u64(1);

	if (u256_muldiv(r, a, &f, &h) == -1)
		return -1;
	return u256_add(r, r, &one);
}

static const u256 *
umax(const u256 *a, const u256 *b)
{
	return u256_cmp(a, b) >= 0 ? a : b;
}

static int
match_any(const struct rpc_error *e, const char *const *needles)
{
	for (; *needles != NULL; needles++)
		if (rpc_error_match(e, *needles))
			return 1;
	return 0;
}

static const char *const m_known[] = { "already known", "known transaction",
    "already imported", "alreadyknown", NULL };
static const char *const m_nonce_low[] = { "nonce too low",
    "nonce has already been used", "oldnonce", NULL };
static const char *const m_underpriced[] = { "underpriced",
    "fee too low", "too low for the next block", "less than block base fee",
    "feecap too low", NULL };
static const char *const m_funds[] = { "insufficient funds",
    "enough funds", NULL };

static int
held(const struct txmgr *tm, const char *intent)
{
	return tm->hold != NULL &&
	    strncmp(intent, tm->hold, strlen(tm->hold)) == 0;
}

static void
hook(struct txmgr *tm, enum txmgr_point p, const struct row *r)
{
	if (tm->opts.hook != NULL)
		tm->opts.hook(tm->opts.hook_arg, p, &r->t);
}

static void
row_clear(struct row *r)
{
	free(r->data);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

static void
rows_free(struct row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		row_clear(&rows[i]);
	free(rows);
}

/* Predicate: the row holds its intent or may still be mined. */
static int
row_live(const struct row *r)
{
	switch (r->t.status) {
	case TXMGR_SIGNED:
	case TXMGR_BROADCAST:
	case TXMGR_MINED:
	case TXMGR_REPLACED:
		return 1;
	case TXMGR_FAILED:
		return r->t.has_block;
	default:
		return 0;
	}
}

/* ---- keys ---------------------------------------------------------------- */

static struct key_slot *
key_find(struct txmgr *tm, const struct addr *a)
{
	int	i;

	for (i = 0; i < tm->nkeys; i++)
		if (addr_eq(&tm->keys[i].addr, a))
			return &tm->keys[i];
	return NULL;
}

int
txmgr_add_key(struct txmgr *tm, const uint8_t key[32], struct addr *addr)
{
	struct addr	 a;
	struct key_slot	*ks;

	if (tm == NULL || key == NULL || !secp_key_is_valid(key) ||
	    secp_key_address(key, a.b) == -1)
		return -1;
	if ((ks = key_find(tm, &a)) == NULL) {
		if (tm->nkeys == TXMGR_MAX_KEYS) {
			log_warnx("txmgr: key table full (%d keys)",
			    TXMGR_MAX_KEYS);
			return -1;
		}
		ks = &tm->keys[tm->nkeys++];
		ks->addr = a;
		memcpy(ks->key, key, 32);
	}
	if (addr != NULL)
		*addr = a;
	return 0;
}

int
txmgr_remove_key(struct txmgr *tm, const struct addr *wallet)
{
	struct key_slot	*ks;
	int		 last;

	if (tm == NULL || wallet == NULL ||
	    (ks = key_find(tm, wallet)) == NULL)
		return -1;
	last = tm->nkeys - 1;
	if (ks != &tm->keys[last])
		*ks = tm->keys[last];
	explicit_bzero(&tm->keys[last], sizeof(tm->keys[last]));
	tm->nkeys--;
	return 0;
}

/* ---- construction -------------------------------------------------------- */

void
txmgr_opts_init(struct txmgr_opts *o)
{
	u256	g = u256_from_u64(GWEI), h = u256_from_u64(100);

	memset(o, 0, sizeof(*o));
	o->chain_id = 56;
	o->gas_margin_pct = 25;
	o->replace_after_blocks = 5;
	o->max_replacements = 5;
	o->bump_pct = 10;
	u256_mul(&o->max_gas_price, &g, &h);
}

struct txmgr *
txmgr_new(struct db *db, struct rpc *rpc, const struct txmgr_opts *o)
{
	struct txmgr	*tm;
	struct txmgr_opts def;

	if (o == NULL) {
		txmgr_opts_init(&def);
		o = &def;
	}
	if (db == NULL || rpc == NULL || o->chain_id == 0 ||
	    o->chain_id > INT32_MAX || o->gas_margin_pct < 0 ||
	    o->gas_margin_pct > 1000 || o->replace_after_blocks < 1 ||
	    o->max_replacements < 0 || o->bump_pct < 10 ||
	    o->bump_pct > 1000 || u256_is_zero(&o->max_gas_price)) {
		log_warnx("txmgr: bad options");
		return NULL;
	}
	if ((tm = calloc(1, sizeof(*tm))) == NULL)
		return NULL;
	tm->db = db;
	tm->rpc = rpc;
	tm->opts = *o;
	return tm;
}

void
txmgr_free(struct txmgr **tmp)
{
	struct txmgr	*tm;

	if (tmp == NULL || (tm = *tmp) == NULL)
		return;
	*tmp = NULL;
	explicit_bzero(tm->keys, sizeof(tm->keys));
	free(tm->seen);
	free(tm->hold);
	free(tm);
}

int
txmgr_hold(struct txmgr *tm, const char *prefix)
{
	char	*p = NULL;

	if (tm == NULL)
		return -1;
	if (prefix != NULL && (p = strdup(prefix)) == NULL)
		return -1;
	free(tm->hold);
	tm->hold = p;
	return 0;
}

int
txmgr_intent_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > TXMGR_INTENT_MAX)
		return 0;
	for (i = 0; s[i] != ':'; i++)
		if (s[i] == '\0' || !((s[i] >= 'a' && s[i] <= 'z') ||
		    s[i] == '_'))
			return 0;
	if (i == 0 || s[i + 1] == '\0')
		return 0;
	/* The schema allows any non-space; we also keep to printable
	 * ASCII so an intent is always safe in a log line. */
	for (i++; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* ---- database ------------------------------------------------------------ */

/*
 * Run sql on the txmgr's connection; like db_query, but keeps the
 * SQLSTATE of a failure (unique violation, emergency stop) in
 * tm->sqlstate and the server's message in tm->dberr.
 */
static PGresult *
q(struct txmgr *tm, const char *sql, int n, const char *const *p)
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
	sanitize(tm->dberr);
	PQclear(r);
	return NULL;
}

/* Statement without rows wanted; returns affected rows, or -1. */
static int
qx(struct txmgr *tm, const char *sql, int n, const char *const *p)
{
	PGresult	*r;
	int		 k;

	if ((r = q(tm, sql, n, p)) == NULL)
		return -1;
	k = atoi(PQcmdTuples(r));
	PQclear(r);
	return k;
}

static int
tx_begin(struct txmgr *tm)
{
	return qx(tm, "BEGIN", 0, NULL) == -1 ? -1 : 0;
}

static void
tx_rollback(struct txmgr *tm)
{
	char	save[sizeof(tm->dberr)], st[6];

	/* keep the error that made us roll back */
	memcpy(save, tm->dberr, sizeof(save));
	memcpy(st, tm->sqlstate, sizeof(st));
	if (db_is_up(tm->db))
		(void)qx(tm, "ROLLBACK", 0, NULL);
	memcpy(tm->dberr, save, sizeof(save));
	memcpy(tm->sqlstate, st, sizeof(st));
}

/* COMMIT; -1 when it failed or turned into a rollback. */
static int
tx_commit(struct txmgr *tm)
{
	PGresult	*r;
	int		 ok;

	if ((r = q(tm, "COMMIT", 0, NULL)) == NULL)
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
	if (parse_u64(PQgetvalue(res, i, 0), &v) == -1)
		goto bad;
	t->id = (int64_t)v;
	snprintf(t->intent, sizeof(t->intent), "%s", PQgetvalue(res, i, 1));
	if (addr_parse(&t->wallet, PQgetvalue(res, i, 2)) == -1 ||
	    parse_u64(PQgetvalue(res, i, 3), &t->nonce) == -1)
		goto bad;
	t->type = atoi(PQgetvalue(res, i, 4));
	if (addr_parse(&t->to, PQgetvalue(res, i, 5)) == -1 ||
	    col_u256(res, i, 6, &t->value) == -1 ||
	    col_hex(res, i, 7, &r->data, &r->data_len) == -1 ||
	    parse_u64(PQgetvalue(res, i, 8), &t->gas_limit) == -1 ||
	    col_u256(res, i, 9, &t->gas_price) == -1 ||
	    col_u256(res, i, 10, &t->max_fee) == -1 ||
	    col_u256(res, i, 11, &t->max_priority_fee) == -1 ||
	    col_hex(res, i, 12, &r->raw, &r->raw_len) == -1 ||
	    col_hex(res, i, 13, &h, &n) == -1 || n != 32 ||
	    status_parse(PQgetvalue(res, i, 14), &t->status) == -1 ||
	    parse_u64(PQgetvalue(res, i, 15), &v) == -1)
		goto bad;
	memcpy(t->hash, h, 32);
	free(h);
	h = NULL;
	t->replaces = (int64_t)v;
	t->send_attempts = atoi(PQgetvalue(res, i, 16));
	t->broadcast_count = atoi(PQgetvalue(res, i, 17));
	if (!PQgetisnull(res, i, 18)) {
		if (parse_u64(PQgetvalue(res, i, 18), &r->sent_block) == -1)
			goto bad;
		r->has_sent_block = 1;
	}
	r->replace_due = strcmp(PQgetvalue(res, i, 19), "t") == 0;
	if (!PQgetisnull(res, i, 20)) {
		if (parse_u64(PQgetvalue(res, i, 20), &t->block_number) == -1)
			goto bad;
		t->has_block = 1;
	}
	if (!PQgetisnull(res, i, 21))
		t->receipt_status = atoi(PQgetvalue(res, i, 21));
	if (!PQgetisnull(res, i, 22) &&
	    parse_u64(PQgetvalue(res, i, 22), &t->gas_used) == -1)
		goto bad;
	if (col_u256(res, i, 23, &t->effective_gas_price) == -1)
		goto bad;
	snprintf(t->revert_reason, sizeof(t->revert_reason), "%s",
	    PQgetvalue(res, i, 24));
	snprintf(t->error, sizeof(t->error), "%s", PQgetvalue(res, i, 25));
	return 0;
bad:
	free(h);
	row_clear(r);
	log_warnx("txmgr: malformed transactions row");
	return -1;
}

/*
 * Load the rows of a query whose columns are ROW_COLS. Returns the count
 * (rows in *out, free with rows_free) or -1.
 */
static int
rows_query(struct txmgr *tm, const char *sql, int n, const char *const *p,
    struct row **out)
{
	PGresult	*res;
	struct row	*rows;
	int		 i, k;

	*out = NULL;
	if ((res = q(tm, sql, n, p)) == NULL)
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
			rows_free(rows, (size_t)i);
			PQclear(res);
			return -1;
		}
	PQclear(res);
	*out = rows;
	return k;
}

/* One row by id into *r. Returns 1, 0 (none) or -1. */
static int
row_by_id(struct txmgr *tm, int64_t id, struct row *r)
{
	struct row	*rows;
	char		 ids[24];
	const char	*p[1] = { ids };
	int		 k;

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	k = rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
	    " WHERE id = $1", 1, p, &rows);
	if (k <= 0)
		return k;
	*r = rows[0];
	free(rows);
	return 1;
}

/* The row that best answers "what happened to intent". 1, 0 or -1. */
static int
row_by_intent(struct txmgr *tm, const char *intent, struct row *r)
{
	struct row	*rows;
	const char	*p[1] = { intent };
	int		 k;

	k = rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
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
static void
row_note(struct txmgr *tm, struct row *r, const char *msg, int replace_due)
{
	char		 ids[24], buf[TXMGR_MSG_MAX];
	const char	*p[3] = { ids, buf, replace_due ? "t" : "f" };

	snprintf(buf, sizeof(buf), "%s", msg);
	sanitize(buf);
	if (strcmp(buf, r->t.error) == 0 && replace_due == r->replace_due)
		return;
	snprintf(ids, sizeof(ids), "%" PRId64, r->t.id);
	if (qx(tm, "UPDATE transactions SET error = $2, replace_due = $3"
	    " WHERE id = $1", 3, p) == -1) {
		log_warnx("txmgr: cannot record a note id=%" PRId64 " err=\"%s\"",
		    r->t.id, tm->dberr);
		return;
	}
	log_warnx("txmgr: intent=%s id=%" PRId64 " nonce=%" PRIu64 ": %s",
	    r->t.intent, r->t.id, r->t.nonce, buf);
	snprintf(r->t.error, sizeof(r->t.error), "%s", buf);
	r->replace_due = replace_due;
}

/* ---- chain --------------------------------------------------------------- */

/* Check once that the node serves our chain id. */
static int
chain_check(struct txmgr *tm, struct txmgr_error *err)
{
	struct rpc_error	e;
	uint64_t		id;

	if (tm->chain_checked)
		return 0;
	if (rpc_chain_id(tm->rpc, &id, &e) == -1)
		return fail(err, TXMGR_E_RPC, "node: %s", e.message);
	if (id != tm->opts.chain_id)
		return fail(err, TXMGR_E_RPC, "node serves chain %" PRIu64
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
static void
revert_reason_of(const struct rpc_error *e, char *out, size_t cap)
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
	sanitize(out);
}

/* Why a mined transaction reverted: replay it with eth_call at its block. */
static void
revert_replay(struct txmgr *tm, const struct row *r, const struct rcpt *rc,
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
		revert_reason_of(&e, out, cap);
	else {
		snprintf(out, cap, "reverted (replay failed: %s)", e.message);
		sanitize(out);
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
static int
probe(struct txmgr *tm, const struct addr *wallet, struct row *rows,
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
		pp[i + 2] = params2(hash_hex(rows[i].t.hash, h), NULL);
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
static int
fees_fetch(struct txmgr *tm)
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

/* ---- signing ------------------------------------------------------------- */

/* Sign r's fields with ks; sets r->raw and the hash. Returns 0 or -1. */
static int
row_sign(struct txmgr *tm, const struct key_slot *ks, struct row *r,
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

static int
row_insert(struct txmgr *tm, struct row *r)
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
static int
row_insert_fast(struct txmgr *tm, struct row *r)
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
	char		 w[ADDR_STR_MAX], to[ADDR_STR_MAX], chain[24], nonce[24];
	char		 type[4], value[U256_DEC_MAX], gl[24], gp[U256_DEC_MAX];
	char		 mf[U256_DEC_MAX], mp[U256_DEC_MAX], rep[24];
	char		*data, *raw, *hash;
	const char	*p[15];
	PGresult	*res;
	uint64_t	 id;
	int		 rc = -1;

	data = bytea_param(r->data, r->data_len);
	raw = bytea_param(r->raw, r->raw_len);
	hash = bytea_param(r->t.hash, 32);
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
	if ((res = q(tm, sql, 15, p)) == NULL)
		goto out;
	if (PQntuples(res) == 0)
		rc = 0;
	else if (PQntuples(res) == 1 &&
	    parse_u64(PQgetvalue(res, 0, 0), &id) == 0) {
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

/* ---- sending ------------------------------------------------------------- */

/*
 * Send r's signed bytes. The attempt is counted in the database first
 * (and not made when that fails, or when the row is no longer signed or
 * broadcast: another process finished or dropped it). head is the chain
 * head: the start of the replacement clock when the node accepts (always
 * when reset_clock is set, else only the first time).
 */
static enum send_res
send_row(struct txmgr *tm, struct row *r, uint64_t head, int reset_clock)
{
	struct rpc_error	 e;
	PGresult		*res;
	char			 ids[24], hb[24], msg[TXMGR_MSG_MAX], h[67];
	const char		*p[3] = { ids, hb, reset_clock ? "t" : "f" };
	uint8_t			 got[32];
	int			 rc, accepted;

	if (held(tm, r->t.intent))
		return S_SKIPPED;
	snprintf(ids, sizeof(ids), "%" PRId64, r->t.id);
	snprintf(hb, sizeof(hb), "%" PRIu64, head);
	if ((res = q(tm, "UPDATE transactions SET send_attempts ="
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
	hook(tm, TXMGR_AT_SENDING, r);

	rc = rpc_send_raw_transaction(tm->rpc, r->raw, r->raw_len, got, &e);
	if (rc == 0 && memcmp(got, r->t.hash, 32) != 0) {
		/* a node that hashes differently: do not trust the answer */
		rc = -1;
		e.kind = RPC_ERR_VALIDATION;
		snprintf(e.message, sizeof(e.message), "node returned"
		    " another transaction hash");
	}
	accepted = rc == 0 || (e.kind == RPC_ERR_RPC && match_any(&e, m_known));
	if (accepted) {
		hook(tm, TXMGR_AT_SENT, r);
		if (qx(tm, "UPDATE transactions SET status = CASE WHEN"
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
				    r->t.id, r->t.nonce, hash_hex(r->t.hash, h));
			r->t.status = TXMGR_BROADCAST;
			r->t.broadcast_count++;
			if (reset_clock || !r->has_sent_block) {
				r->sent_block = head;
				r->has_sent_block = 1;
			}
			r->replace_due = 0;
			r->t.error[0] = '\0';
			hook(tm, TXMGR_AT_BROADCAST, r);
		} else
			/* still 'signed': it will be sent again, same bytes */
			log_warnx("txmgr: sent but not recorded id=%" PRId64
			    " err=\"%s\"", r->t.id, tm->dberr);
		return S_OK;
	}
	if (e.kind == RPC_ERR_RPC) {
		snprintf(msg, sizeof(msg), "node refused: %s", e.message);
		if (match_any(&e, m_nonce_low)) {
			row_note(tm, r, msg, 0);
			return S_NONCE_LOW;
		}
		if (match_any(&e, m_underpriced)) {
			row_note(tm, r, msg, 1);
			return S_UNDERPRICED;
		}
		row_note(tm, r, msg, 0);
		return match_any(&e, m_funds) ? S_FUNDS : S_REFUSED;
	}
	snprintf(msg, sizeof(msg), "send failed, may have been delivered: %s",
	    e.message);
	row_note(tm, r, msg, 0);
	return S_MAYBE;
}

/* ---- outcomes ------------------------------------------------------------ */

/*
 * The nonce of group g[0..n) was mined by w (one of them) with receipt
 * rc: in one database transaction every other unfinished row of the
 * nonce becomes 'dropped' (first: the unique index), then w 'mined' or
 * 'failed' with its revert reason. Returns 0 or -1.
 */
static int
finalize_receipt(struct txmgr *tm, struct row *g, size_t n, struct row *w,
    const struct rcpt *rc)
{
	char		 wa[ADDR_STR_MAX], chain[24], nonce[24], ids[24];
	char		 note[80], bn[24], rs[4], gu[24];
	char		 egp[U256_DEC_MAX], reason[TXMGR_MSG_MAX], h[67];
	char		*bhp;
	const char	*p[10];
	size_t		 i;
	int		 k;

	hook(tm, TXMGR_AT_RECEIPT, w);
	reason[0] = '\0';
	if (rc->status == 0)
		revert_replay(tm, w, rc, reason, sizeof(reason));
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, w->t.nonce);
	snprintf(ids, sizeof(ids), "%" PRId64, w->t.id);
	snprintf(note, sizeof(note), "nonce %" PRIu64 " went to transaction %"
	    PRId64, w->t.nonce, w->t.id);
	snprintf(bn, sizeof(bn), "%" PRIu64, rc->block);
	snprintf(rs, sizeof(rs), "%d", rc->status);
	snprintf(gu, sizeof(gu), "%" PRIu64, rc->gas_used);
	if ((bhp = bytea_param(rc->block_hash, 32)) == NULL)
		return -1;
	if (tx_begin(tm) == -1)
		goto dberr;
	p[0] = addr_format_lower(&w->t.wallet, wa);
	p[1] = chain;
	p[2] = nonce;
	p[3] = ids;
	p[4] = note;
	if (qx(tm, "UPDATE transactions SET status = 'dropped', error ="
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
	if ((k = qx(tm, "UPDATE transactions SET status = $2, block_number ="
	    " $3, block_hash = $4, receipt_status = $5, gas_used = $6,"
	    " effective_gas_price = $7, revert_reason = $8, mined_at = now(),"
	    " error = NULL WHERE id = $1 AND status IN ('signed', 'broadcast',"
	    " 'replaced')", 8, p)) == -1)
		goto rollback;
	if (k != 1) {
		/* another process recorded it meanwhile */
		tx_rollback(tm);
		free(bhp);
		return 0;
	}
	if (tx_commit(tm) == -1)
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
		    hash_hex(w->t.hash, h));
	else
		log_warnx("tx reverted intent=%s id=%" PRId64 " nonce=%" PRIu64
		    " block=%" PRIu64 " reason=\"%s\" hash=%s", w->t.intent,
		    w->t.id, w->t.nonce, rc->block, reason,
		    hash_hex(w->t.hash, h));
	for (i = 0; i < n; i++)
		if (&g[i] != w && g[i].t.status != TXMGR_MINED &&
		    g[i].t.status != TXMGR_FAILED) {
			g[i].t.status = TXMGR_DROPPED;
			hook(tm, TXMGR_AT_FINAL, &g[i]);
		}
	hook(tm, TXMGR_AT_FINAL, w);
	return 0;
rollback:
	tx_rollback(tm);
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
	if (tx_begin(tm) == -1)
		goto dberr;
	if (qx(tm, "UPDATE transactions SET status = 'dropped', error = $4"
	    " WHERE wallet = $1 AND chain_id = $2 AND nonce = $3 AND status ="
	    " 'replaced'", 4, p) == -1 ||
	    qx(tm, "UPDATE transactions SET status = 'failed', error = $4"
	    " WHERE wallet = $1 AND chain_id = $2 AND nonce = $3 AND status IN"
	    " ('signed', 'broadcast')", 4, p) == -1) {
		tx_rollback(tm);
		goto dberr;
	}
	if (tx_commit(tm) == -1)
		goto dberr;
	log_warnx("txmgr: wallet=%s nonce=%" PRIu64 " used by a transaction"
	    " not recorded here; intent=%s failed", wa, g[0].t.nonce,
	    g[0].t.intent);
	for (i = 0; i < n; i++) {
		g[i].t.status = g[i].t.status == TXMGR_REPLACED ?
		    TXMGR_DROPPED : TXMGR_FAILED;
		snprintf(g[i].t.error, sizeof(g[i].t.error), "%s", msg);
		hook(tm, TXMGR_AT_FINAL, &g[i]);
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
static int
resolve_nonce_low(struct txmgr *tm, struct row *r)
{
	struct probe	pr;
	int		rc = -1;

	if (probe(tm, &r->t.wallet, r, 1, &pr) == -1)
		return -1;
	if (pr.r[0].found)
		rc = finalize_receipt(tm, r, 1, r, &pr.r[0]) == 0 ? 1 : -1;
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
		if (bump(&h->t.gas_price, tm->opts.bump_pct, &minf) == -1)
			goto overflow;
		n->t.gas_price = *umax(&minf, &tm->node_gas_price);
		if (u256_cmp(&n->t.gas_price, cap) > 0)
			n->t.gas_price = *cap;
		if (u256_cmp(&n->t.gas_price, &minf) < 0)
			goto capped;
		return 0;
	}
	if (bump(&h->t.max_fee, tm->opts.bump_pct, &minf) == -1 ||
	    bump(&h->t.max_priority_fee, tm->opts.bump_pct, &minp) == -1)
		goto overflow;
	n->t.max_priority_fee = *umax(&minp, &tm->node_prio);
	if (u256_mul(&want, &tm->base_fee, &two) == -1 ||
	    u256_add(&want, &want, &n->t.max_priority_fee) == -1)
		goto overflow;
	n->t.max_fee = *umax(&minf, &want);
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
static int
replace_with(struct txmgr *tm, struct row *h, size_t n, uint64_t head,
    int cancel, struct txmgr_tx *out, struct txmgr_error *err)
{
	struct key_slot	*ks;
	struct row	 nr;
	char		 why[TXMGR_MSG_MAX], ids[24], ho[67], hn[67];
	const char	*p[1] = { ids };
	enum txmgr_code	 code = TXMGR_E_INVALID;
	int		 k;

	why[0] = '\0';
	if (!cancel && held(tm, h->t.intent))
		return 1;
	if (!cancel && (int)n - 1 >= tm->opts.max_replacements) {
		snprintf(why, sizeof(why), "not replaced: %d replacements"
		    " already (max_replacements)", (int)n - 1);
		goto noted;
	}
	if ((ks = key_find(tm, &h->t.wallet)) == NULL) {
		snprintf(why, sizeof(why), "not replaced: no key for the"
		    " wallet");
		code = TXMGR_E_NOKEY;
		goto noted;
	}
	if (fees_fetch(tm) == -1) {
		(void)fail(err, TXMGR_E_RPC, "node: cannot read fees");
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
	if (row_sign(tm, ks, &nr, why, sizeof(why)) == -1) {
		row_clear(&nr);
		code = TXMGR_E_INTERNAL;
		goto noted;
	}
	snprintf(ids, sizeof(ids), "%" PRId64, h->t.id);
	if (tx_begin(tm) == -1)
		goto dberr;
	if ((k = qx(tm, "UPDATE transactions SET status = 'replaced' WHERE"
	    " id = $1 AND status IN ('signed', 'broadcast')", 1, p)) != 1) {
		tx_rollback(tm);
		row_clear(&nr);
		if (k == -1)
			goto dberr2;
		(void)fail(err, TXMGR_E_INVALID, "finished meanwhile");
		return 1;
	}
	if (row_insert(tm, &nr) == -1) {
		tx_rollback(tm);
		row_clear(&nr);
		if (strcmp(tm->sqlstate, SQLSTATE_EMERGENCY) == 0) {
			snprintf(why, sizeof(why), "not replaced: emergency"
			    " stop in force");
			code = TXMGR_E_EMERGENCY;
			goto noted;
		}
		goto dberr2;
	}
	if (tx_commit(tm) == -1)
		goto dberr;
	h->t.status = TXMGR_REPLACED;
	log_info("tx %s intent=%s nonce=%" PRIu64 " old_id=%" PRId64
	    " old_hash=%s new_id=%" PRId64 " new_hash=%s",
	    cancel ? "cancelled" : "replaced", h->t.intent, h->t.nonce,
	    h->t.id, hash_hex(h->t.hash, ho), nr.t.id, hash_hex(nr.t.hash, hn));
	hook(tm, TXMGR_AT_RECORDED, &nr);
	(void)send_row(tm, &nr, head, 1);
	if (out != NULL)
		*out = nr.t;
	row_clear(&nr);
	return 0;
noted:
	row_note(tm, h, why, h->replace_due);
	(void)fail(err, code, "%s", why);
	return 1;
dberr:
	row_clear(&nr);
dberr2:
	log_warnx("txmgr: cannot record a replacement id=%" PRId64
	    " err=\"%s\"", h->t.id, tm->dberr);
	(void)fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	return -1;
}

static int
replace_row(struct txmgr *tm, struct row *h, size_t n, uint64_t head)
{
	return replace_with(tm, h, n, head, 0, NULL, NULL) == -1 ? -1 : 0;
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
		return finalize_receipt(tm, g, n, w, &rc[w - g]);
	}
	if (latest > g[0].t.nonce)
		return nonce_taken(tm, g, n, head);
	seen_forget(tm, &g[0].t.wallet, g[0].t.nonce);
	if (h == NULL) {
		/* only replaced rows: their replacement finished elsewhere
		 * (e.g. refused for good); keep watching them */
		return 0;
	}
	if (held(tm, h->t.intent))
		return 0;
	if (h->replace_due)
		return replace_row(tm, h, n, head);
	if (h->t.status == TXMGR_SIGNED) {
		/* never accepted (not sent, or no answer): same bytes again */
		(void)send_row(tm, h, head, 0);
		return 0;
	}
	if (!h->has_sent_block) {
		/* broadcast by someone who did not start the clock */
		char		 ids[24], hb[24];
		const char	*p[2] = { ids, hb };

		snprintf(ids, sizeof(ids), "%" PRId64, h->t.id);
		snprintf(hb, sizeof(hb), "%" PRIu64, head);
		(void)qx(tm, "UPDATE transactions SET sent_block = $2"
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
		(void)send_row(tm, h, head, 1);
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
	if ((r = q(tm, "SELECT count(*) FROM transactions WHERE chain_id = $1"
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
	if (chain_check(tm, NULL) == -1) {
		log_warnx("txmgr: poll: the node is not usable");
		return -1;
	}
	if ((wl = wallets_param(tm)) == NULL)
		return -1;
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	p[0] = chain;
	p[1] = wl;
	k = rows_query(tm, "SELECT " ROW_COLS " FROM transactions"
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
			if (probe(tm, &rows[c].t.wallet, &rows[c], cend - c,
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
	rows_free(rows, (size_t)k);
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
	if (chain_check(tm, &e) == -1) {
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
	if (tx_begin(tm) == -1)
		goto dberr;
	if (qx(tm, "INSERT INTO nonces (wallet, chain_id, next_nonce)"
	    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", 3, p) == -1 ||
	    (r = q(tm, "SELECT next_nonce, (SELECT coalesce(max(nonce) + 1, 0)"
	    " FROM transactions WHERE wallet = $1 AND chain_id = $2 AND "
	    LIVE ") FROM nonces WHERE wallet = $1 AND chain_id = $2"
	    " FOR UPDATE", 2, p)) == NULL)
		goto rollback;
	if (PQntuples(r) != 1 || parse_u64(PQgetvalue(r, 0, 0), &cur) == -1 ||
	    parse_u64(PQgetvalue(r, 0, 1), &held_next) == -1) {
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
	if (qx(tm, "UPDATE nonces SET next_nonce = $3, synced_at = now()"
	    " WHERE wallet = $1 AND chain_id = $2", 3, p) != 1)
		goto rollback;
	if (tx_commit(tm) == -1)
		goto dberr;
	if ((ks = key_find(tm, wallet)) != NULL)
		ks->nonce_ok = 0;
	if (next != NULL)
		*next = want;
	return 0;
rollback:
	tx_rollback(tm);
dberr:
	log_warnx("txmgr: nonce sync wallet=%s: %s", wa, tm->dberr);
	return -1;
}

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
		return fail(err, TXMGR_E_INVALID, "too many extra calls");
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
		fail(err, TXMGR_E_INTERNAL, "out of memory");
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
		fail(err, TXMGR_E_RPC, "node: %s", e.message);
		goto out;
	}

	if (item_ok(&it[0], &e) == -1 ||
	    rpc_parse_block(it[0].result, 0, &b, &e) == -1) {
		fail(err, TXMGR_E_RPC, "node: %s", e.message);
		goto out;
	}
	if (!b.found) {
		fail(err, TXMGR_E_RPC, "node has no latest block");
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
			fail(err, TXMGR_E_RPC, "node: %s", e.message);
			goto out;
		}
	}
	if (in->type == 0) {
		if (in->gas_price != NULL)
			pp->gas_price = *in->gas_price;
		if (u256_cmp(&pp->gas_price, cap) > 0) {
			fail(err, TXMGR_E_FEE_CAP, "gas price %s wei is above"
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
			fail(err, TXMGR_E_RPC, "node: %s", e.message);
			goto out;
		}
		if (in->max_fee != NULL)
			pp->max_fee = *in->max_fee;
		else if (u256_mul(&pp->max_fee, &base, &two) == -1 ||
		    u256_add(&pp->max_fee, &pp->max_fee, &pp->max_prio) == -1) {
			fail(err, TXMGR_E_INVALID, "fee overflow");
			goto out;
		}
		if (u256_cmp(&pp->max_fee, cap) > 0) {
			if (in->max_fee != NULL) {
				fail(err, TXMGR_E_FEE_CAP, "max fee %s wei is"
				    " above max_gas_price %s wei",
				    u256_to_dec(&pp->max_fee, a),
				    u256_to_dec(cap, c));
				goto out;
			}
			pp->max_fee = *cap;
			if (u256_cmp(&pp->max_fee, &base) <= 0) {
				fail(err, TXMGR_E_FEE_CAP, "base fee %s wei is"
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
				fail(err, TXMGR_E_INVALID, "max priority fee"
				    " above max fee");
				goto out;
			}
			pp->max_prio = pp->max_fee;
		}
		price = pp->max_fee;
	}

	if (item_ok(&it[iest], &e) == -1) {
		if (e.kind != RPC_ERR_RPC)
			fail(err, TXMGR_E_RPC, "estimate: node: %s", e.message);
		else if (match_any(&e, m_funds))
			fail(err, TXMGR_E_FUNDS, "estimate: %s", e.message);
		else {
			revert_reason_of(&e, err->reason, sizeof(err->reason));
			fail(err, TXMGR_E_REVERTED, "estimate: execution"
			    " reverted: %s", err->reason);
		}
		goto out;
	}
	if (rpc_parse_u64(it[iest].result, "result", &est, &e) == -1) {
		fail(err, TXMGR_E_RPC, "estimate: node: %s", e.message);
		goto out;
	}
	if (est > UINT64_MAX / 2000) {
		fail(err, TXMGR_E_RPC, "estimate: implausible gas %" PRIu64,
		    est);
		goto out;
	}
	pp->gas_limit = est * (uint64_t)(100 + tm->opts.gas_margin_pct) / 100;
	if (pp->gas_limit < in->min_gas_limit)
		pp->gas_limit = in->min_gas_limit;
	/* a node refuses such a transaction for good, and a row that can
	 * never be sent would hold its nonce and everything above it */
	if (b.gas_limit > 0 && pp->gas_limit > b.gas_limit) {
		fail(err, TXMGR_E_INVALID, "gas limit %" PRIu64 " is above the"
		    " block gas limit %" PRIu64, pp->gas_limit, b.gas_limit);
		goto out;
	}

	/* the node checks this too, but only after we signed */
	gl = u256_from_u64(pp->gas_limit);
	if (u256_mul(&need, &gl, &price) == -1 ||
	    u256_add(&need, &need, &in->value) == -1) {
		fail(err, TXMGR_E_FUNDS, "value + fees overflow");
		goto out;
	}
	if (item_ok(&it[ibal], &e) == -1 ||
	    rpc_parse_u256(it[ibal].result, "result", &bal, &e) == -1) {
		fail(err, TXMGR_E_RPC, "balance: node: %s", e.message);
		goto out;
	}
	if (u256_cmp(&bal, &need) < 0) {
		fail(err, TXMGR_E_FUNDS, "insufficient funds: balance %s wei,"
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
			return fail(err, TXMGR_E_INTERNAL, "out of memory");
		memcpy(r->data, in->data, in->data_len);
		r->data_len = in->data_len;
	}
	if (row_sign(tm, ks, r, why, sizeof(why)) == -1) {
		row_clear(r);
		return fail(err, TXMGR_E_INVALID, "cannot sign: %s", why);
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
		return fail(err, TXMGR_E_EMERGENCY, "%s", tm->dberr);
	return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
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
	if ((k = row_insert_fast(tm, r)) == 0) {
		ks->next_nonce = r->t.nonce + 1;
		return 0;
	}
	row_clear(r);
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
	if ((res = q(tm, "SELECT 1 FROM nonces WHERE wallet = $1 AND"
	    " chain_id = $2", 2, p)) == NULL)
		return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	k = PQntuples(res);
	PQclear(res);
	if (k == 0) {
		if (rpc_get_transaction_count(tm->rpc, ks->addr.b, "pending",
		    &pending, &e) == -1)
			return fail(err, TXMGR_E_RPC, "nonce: node: %s",
			    e.message);
		snprintf(pend, sizeof(pend), "%" PRIu64, pending);
		p[2] = pend;
		if (qx(tm, "INSERT INTO nonces (wallet, chain_id, next_nonce,"
		    " synced_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO"
		    " NOTHING", 3, p) == -1)
			return fail(err, TXMGR_E_DB, "database: %s",
			    tm->dberr);
	}

	if (tx_begin(tm) == -1)
		return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if ((res = q(tm, "SELECT next_nonce, (SELECT coalesce(max(nonce) + 1,"
	    " 0) FROM transactions WHERE wallet = $1 AND chain_id = $2 AND "
	    LIVE ") FROM nonces WHERE wallet = $1 AND chain_id = $2"
	    " FOR UPDATE", 2, p)) == NULL)
		goto dberr;
	if (PQntuples(res) != 1 ||
	    parse_u64(PQgetvalue(res, 0, 0), &cur) == -1 ||
	    parse_u64(PQgetvalue(res, 0, 1), &held_next) == -1) {
		PQclear(res);
		snprintf(tm->dberr, sizeof(tm->dberr), "no nonces row");
		goto dberr;
	}
	PQclear(res);
	/* under the wallet's lock: a concurrent submit of the same intent
	 * from this wallet has committed by now, and we sign nothing */
	if ((res = q(tm, "SELECT 1 FROM transactions WHERE intent = $1 AND "
	    LIVE, 1, &in->intent)) == NULL)
		goto dberr;
	k = PQntuples(res);
	PQclear(res);
	if (k > 0) {
		tx_rollback(tm);
		return 1;
	}
	if (row_make(tm, in, ks, pp, cur > held_next ? cur : held_next, r,
	    err) == -1) {
		tx_rollback(tm);
		return -1;
	}
	if (row_insert(tm, r) == -1) {
		tx_rollback(tm);
		row_clear(r);
		return insert_failed(tm, err);
	}
	snprintf(nx, sizeof(nx), "%" PRIu64, r->t.nonce + 1);
	p[2] = nx;
	if (qx(tm, "UPDATE nonces SET next_nonce = $3 WHERE wallet = $1 AND"
	    " chain_id = $2", 3, p) != 1)
		goto dberr;
	if (tx_commit(tm) == -1) {
		/* if the COMMIT reached the server, the row exists and the
		 * poll or recovery will send it; submitting again finds it */
		row_clear(r);
		return fail(err, TXMGR_E_DB, "database: commit failed, the"
		    " intent may have been recorded (nothing was sent): %s",
		    tm->dberr);
	}
	ks->nonce_ok = 1;
	ks->next_nonce = r->t.nonce + 1;
	return 0;
dberr:
	tx_rollback(tm);
	row_clear(r);
	return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
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
		fail(err, TXMGR_E_INVALID, "no transaction manager or intent");
		return NULL;
	}
	if (in->type != 0 && in->type != 2) {
		fail(err, TXMGR_E_INVALID, "transaction type %d: want 0"
		    " (legacy) or 2 (EIP-1559)", in->type);
		return NULL;
	}
	if ((in->data == NULL && in->data_len > 0) ||
	    in->data_len > TXMGR_DATA_MAX) {
		fail(err, TXMGR_E_INVALID, "bad call data");
		return NULL;
	}
	if (in->key != NULL) {
		if (txmgr_add_key(tm, in->key, &a) == -1) {
			fail(err, TXMGR_E_INVALID, "invalid private key");
			return NULL;
		}
	} else if (in->from != NULL)
		a = *in->from;
	else {
		fail(err, TXMGR_E_INVALID, "no key and no wallet");
		return NULL;
	}
	if ((ks = key_find(tm, &a)) == NULL)
		fail(err, TXMGR_E_NOKEY, "no key for the wallet");
	return ks;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	age = mono_ms() - p->at_ms;
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
		return fail(err, TXMGR_E_INVALID, "no place for the answers");
	if (chain_check(tm, err) == -1 ||
	    prepare(tm, in, &ks->addr, extra, nextra, out, err) == -1)
		return -1;
	out->from = ks->addr;
	out->at_ms = mono_ms();
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
		return fail(err, TXMGR_E_INVALID, "invalid intent: want"
		    " <owner>:<id> (owner a-z and _, id printable, no spaces,"
		    " at most %d bytes)", TXMGR_INTENT_MAX);
	if ((ks = intent_key(tm, in, err)) == NULL)
		return -1;
	if (db_ensure(tm->db) == -1)
		return fail(err, TXMGR_E_DB, "database: %s", db_error(tm->db));
	if (chain_check(tm, err) == -1)
		return -1;

	for (tries = 0; tries < 3; tries++) {
		if (tries == 0 && in->fresh)
			k = 0;
		else if ((k = row_by_intent(tm, in->intent, &r)) == -1)
			return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
		if (k == 1 && row_live(&r)) {
			if (out != NULL) {
				*out = r.t;
				out->existing = 1;
			}
			row_clear(&r);
			return 0;
		}
		if (k == 1)
			row_clear(&r);
		if (tries == 0 && prep_usable(in, ks, in->prep))
			pp = *in->prep;
		else if (prepare(tm, in, &ks->addr, NULL, 0, &pp, err) == -1)
			return -1;
		if ((k = record_new(tm, in, ks, &pp, &r, err)) == -1)
			return -1;
		if (k == 1)
			continue;	/* raced: the loop returns the winner */
		hook(tm, TXMGR_AT_RECORDED, &r);
		s = send_row(tm, &r, pp.head, 1);
		if (s == S_NONCE_LOW && resolve_nonce_low(tm, &r) == 0) {
			/* the nonce went to a transaction that is not ours;
			 * ours can never be mined: sign again, new nonce */
			row_clear(&r);
			continue;
		}
		if (s == S_SKIPPED && r.t.error[0] == '\0')
			snprintf(r.t.error, sizeof(r.t.error), "%s",
			    held(tm, r.t.intent) ? "held: not sent" :
			    "not sent yet (database): the poll sends it");
		if (out != NULL)
			*out = r.t;
		row_clear(&r);
		return 0;
	}
	return fail(err, TXMGR_E_DB, "intent %s: could not get a nonce after"
	    " %d tries", in->intent, tries);
}

/* ---- queries and the emergency stop -------------------------------------- */

int
txmgr_status(struct txmgr *tm, const char *intent, struct txmgr_tx *out)
{
	struct row	r;
	int		k;

	if (tm == NULL || out == NULL || !txmgr_intent_valid(intent))
		return -1;
	if (db_ensure(tm->db) == -1)
		return -1;
	if ((k = row_by_intent(tm, intent, &r)) != 1)
		return k;
	*out = r.t;
	row_clear(&r);
	return 1;
}

int
txmgr_get(struct txmgr *tm, int64_t id, struct txmgr_tx *out)
{
	struct row	r;
	int		k;

	if (tm == NULL || out == NULL)
		return -1;
	if (db_ensure(tm->db) == -1)
		return -1;
	if ((k = row_by_id(tm, id, &r)) != 1)
		return k;
	*out = r.t;
	row_clear(&r);
	return 1;
}

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
	if (tx_begin(tm) == -1)
		return -1;
	if ((r = q(tm, "SELECT next_nonce FROM nonces WHERE wallet = $1 AND"
	    " chain_id = $2 FOR UPDATE", 2, p)) == NULL)
		goto rollback;
	if (PQntuples(r) == 0) {
		PQclear(r);
		tx_rollback(tm);
		return 0;
	}
	if (parse_u64(PQgetvalue(r, 0, 0), &top) == -1) {
		PQclear(r);
		goto rollback;
	}
	PQclear(r);
	if ((r = q(tm, "SELECT id, nonce, intent, status, send_attempts FROM"
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
		if (parse_u64(PQgetvalue(r, i, 1), &gnonce) == -1)
			break;
		for (j = i; j < n && parse_u64(PQgetvalue(r, j, 1),
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
		if (qx(tm, "UPDATE transactions SET status = 'dropped', error ="
		    " 'dropped before it was ever sent (emergency stop)'"
		    " WHERE id = ANY($1::bigint[]) AND status = 'signed' AND"
		    " send_attempts = 0", 1, p) != ndrop)
			goto rollback;
		p[0] = wa;
		p[2] = nx;
		if (qx(tm, "UPDATE nonces SET next_nonce = $3 WHERE wallet = $1"
		    " AND chain_id = $2", 3, p) != 1)
			goto rollback;
	}
	if ((ks = key_find(tm, w)) != NULL)
		ks->nonce_ok = 0;	/* lowered, or may be */
	if (tx_commit(tm) == -1)
		goto fail;
	if (ndrop > 0)
		log_warnx("txmgr: dropped %d unsent transactions wallet=%s"
		    " next_nonce=%" PRIu64, ndrop, wa, top);
	free(ids);
	*dropped += ndrop;
	*kept += nmatch - ndrop;
	return 0;
rollback:
	tx_rollback(tm);
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
		return fail(err, TXMGR_E_INVALID, "invalid intent");
	if (db_ensure(tm->db) == -1)
		return fail(err, TXMGR_E_DB, "database: %s", db_error(tm->db));
	if (chain_check(tm, err) == -1)
		return -1;
	if ((k = row_by_intent(tm, intent, &r)) == -1)
		return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if (k == 0)
		return fail(err, TXMGR_E_INVALID, "intent %s has no"
		    " transaction", intent);
	if (r.t.status != TXMGR_SIGNED && r.t.status != TXMGR_BROADCAST) {
		(void)fail(err, TXMGR_E_INVALID, "intent %s: its transaction"
		    " is %s, nothing to cancel", intent,
		    txmgr_status_name(r.t.status));
		row_clear(&r);
		return -1;
	}
	if (key_find(tm, &r.t.wallet) == NULL) {
		row_clear(&r);
		return fail(err, TXMGR_E_NOKEY, "no key for the wallet");
	}
	snprintf(chain, sizeof(chain), "%" PRIu64, tm->opts.chain_id);
	snprintf(nonce, sizeof(nonce), "%" PRIu64, r.t.nonce);
	p[0] = addr_format_lower(&r.t.wallet, wa);
	p[1] = chain;
	p[2] = nonce;
	row_clear(&r);
	if ((k = rows_query(tm, "SELECT " ROW_COLS " FROM transactions WHERE"
	    " wallet = $1 AND chain_id = $2 AND nonce = $3 AND status IN"
	    " ('signed', 'broadcast', 'replaced') ORDER BY id", 3, p,
	    &g)) == -1)
		return fail(err, TXMGR_E_DB, "database: %s", tm->dberr);
	if (probe(tm, &g[0].t.wallet, g, (size_t)k, &pr) == -1) {
		rows_free(g, (size_t)k);
		return fail(err, TXMGR_E_RPC, "node: cannot look up the"
		    " transaction");
	}
	for (i = 0; i < k; i++) {
		if (pr.r[i].found) {
			/* too late: record what happened */
			(void)finalize_receipt(tm, g, (size_t)k, &g[i],
			    &pr.r[i]);
			(void)fail(err, TXMGR_E_INVALID, "intent %s: already"
			    " mined", intent);
			goto out;
		}
		if (g[i].t.status == TXMGR_SIGNED ||
		    g[i].t.status == TXMGR_BROADCAST)
			h = &g[i];
	}
	if (h == NULL) {
		(void)fail(err, TXMGR_E_INVALID, "finished meanwhile");
		goto out;
	}
	tm->fees_ok = 0;
	rc = replace_with(tm, h, (size_t)k, pr.head, 1, out, err) == 0 ?
	    0 : -1;
out:
	free(pr.r);
	rows_free(g, (size_t)k);
	return rc;
}
