/*
 * txmgr.c: the transaction manager (see txmgr.h and docs/TXMGR.md):
 * construction, keys, holds, the helpers the other txmgr_*.c files
 * share (txmgr_int.h), and the status queries.
 *
 * The database is the single source of truth. Each step of a
 * transaction's life is written down before the step that depends on it
 * is taken: the signed bytes before the first send, the send attempt
 * before the call, the replacement (old row 'replaced', new row 'signed')
 * before the new bytes leave, and the outcome of a nonce in one database
 * transaction for every row that competed for it. So a crash at any
 * point leaves rows that the next poll or txmgr_recover can finish by
 * looking at the chain, and sending again only ever sends the same bytes.
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

int
txmgr_status_parse(const char *s, enum txmgr_status *out)
{
	size_t	i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum txmgr_status)i;
			return 0;
		}
	return -1;
}


int
txmgr_fail(struct txmgr_error *err, enum txmgr_code code, const char *fmt, ...)
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
void
txmgr_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"')
			*s = *s == '"' ? '\'' : '?';
}

char *
txmgr_hash_hex(const uint8_t h[32], char out[67])
{
	return hex_encode(h, 32, out, 1);
}

/* "\x..." text for a bytea parameter; NULL on no memory. */
char *
txmgr_bytea_param(const uint8_t *b, size_t n)
{
	char	*s;

	if ((s = malloc(2 * n + 3)) == NULL)
		return NULL;
	s[0] = '\\';
	s[1] = 'x';
	hex_encode(b, n, s + 2, 0);
	return s;
}

int
txmgr_parse_u64(const char *s, uint64_t *out)
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
int
txmgr_bump(const u256 *a, int pct, u256 *r)
{
	u256	f = u256_from_u64((uint64_t)(100 + pct));
	u256	h = u256_from_u64(100);
	u256	one = u256_from_u64(1);

	if (u256_muldiv(r, a, &f, &h) == -1)
		return -1;
	return u256_add(r, r, &one);
}

const u256 *
txmgr_umax(const u256 *a, const u256 *b)
{
	return u256_cmp(a, b) >= 0 ? a : b;
}

int
txmgr_match_any(const struct rpc_error *e, const char *const *needles)
{
	for (; *needles != NULL; needles++)
		if (rpc_error_match(e, *needles))
			return 1;
	return 0;
}

const char *const txmgr_m_known[] = { "already known", "known transaction",
    "already imported", "alreadyknown", NULL };
const char *const txmgr_m_nonce_low[] = { "nonce too low",
    "nonce has already been used", "oldnonce", NULL };
const char *const txmgr_m_underpriced[] = { "underpriced",
    "fee too low", "too low for the next block", "less than block base fee",
    "feecap too low", NULL };
const char *const txmgr_m_funds[] = { "insufficient funds",
    "enough funds", NULL };

int
txmgr_held(const struct txmgr *tm, const char *intent)
{
	return tm->hold != NULL &&
	    strncmp(intent, tm->hold, strlen(tm->hold)) == 0;
}

void
txmgr_hook(struct txmgr *tm, enum txmgr_point p, const struct row *r)
{
	if (tm->opts.hook != NULL)
		tm->opts.hook(tm->opts.hook_arg, p, &r->t);
}

void
txmgr_row_clear(struct row *r)
{
	free(r->data);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

void
txmgr_rows_free(struct row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		txmgr_row_clear(&rows[i]);
	free(rows);
}

/* Predicate: the row holds its intent or may still be mined. */
int
txmgr_row_live(const struct row *r)
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

struct key_slot *
txmgr_key_find(struct txmgr *tm, const struct addr *a)
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
	if ((ks = txmgr_key_find(tm, &a)) == NULL) {
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
	    (ks = txmgr_key_find(tm, wallet)) == NULL)
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
	if ((k = txmgr_row_by_intent(tm, intent, &r)) != 1)
		return k;
	*out = r.t;
	txmgr_row_clear(&r);
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
	if ((k = txmgr_row_by_id(tm, id, &r)) != 1)
		return k;
	*out = r.t;
	txmgr_row_clear(&r);
	return 1;
}
