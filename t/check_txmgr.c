/*
 * check_txmgr.c: the transaction manager against a real PostgreSQL and
 * the local Hardhat chain (t/run-tests provides both), with crash tests
 * in real processes that SIGKILL themselves at chosen points.
 *
 * Every test uses a fresh random wallet funded with hardhat_setBalance,
 * so nonces never interfere with other tests or suites, and a fresh
 * database. Tests that pause mining put automine back before they end
 * (and the fixture does it before every test, should one fail midway).
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "abi.h"
#include "addr.h"
#include "chain.h"
#include "config.h"
#include "db.h"
#include "hex.h"
#include "httpstub.h"
#include "keystore.h"
#include "log.h"
#include "migrate.h"
#include "rlp.h"
#include "rpc.h"
#include "secp.h"
#include "testutil.h"
#include "tx.h"
#include "txmgr.h"
#include "u256.h"

#define GWEI	1000000000ULL

/* ---- helpers ------------------------------------------------------------- */

static void
msleep(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct rpc *
rpc_open(const char *url, int retries, int timeout_ms)
{
	struct rpc_opts	o;

	rpc_opts_init(&o);
	o.urls[0] = url;
	o.nurls = 1;
	o.retries = retries;
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms < 3000 ? timeout_ms : 3000;
	o.budget_ms = timeout_ms * (retries + 2);
	o.backoff_ms = 50;
	return rpc_new(&o);
}

/* Call method with params given as JSON text; returns the result. */
static cJSON *
call(struct rpc *r, const char *method, const char *params)
{
	struct rpc_error	 e;
	cJSON			*p = NULL, *res = NULL;

	if (params != NULL)
		ck_assert_ptr_nonnull(p = cJSON_Parse(params));
	ck_assert_msg(rpc_call(r, method, p, &res, &e) == 0, "%s: %s", method,
	    e.message);
	cJSON_Delete(p);
	return res;
}

static void
call0(struct rpc *r, const char *method, const char *params)
{
	cJSON_Delete(call(r, method, params));
}

static void
automine(struct rpc *r, int on)
{
	call0(r, "evm_setIntervalMining", "[0]");
	call0(r, "evm_setAutomine", on ? "[true]" : "[false]");
}

static void
mine(struct rpc *r, int n)
{
	while (n-- > 0)
		call0(r, "evm_mine", NULL);
}

static void
next_base_fee(struct rpc *r, const u256 *fee)
{
	char	h[U256_HEX_MAX], p[U256_HEX_MAX + 8];

	snprintf(p, sizeof(p), "[\"%s\"]", u256_to_hex(fee, h));
	call0(r, "hardhat_setNextBlockBaseFeePerGas", p);
}

static u256
latest_base_fee(struct rpc *r)
{
	struct rpc_block	b;
	struct rpc_error	e;

	ck_assert_msg(rpc_get_block(r, "latest", &b, &e) == 0, "%s",
	    e.message);
	ck_assert(b.has_base_fee);
	return b.base_fee;
}

static uint64_t
chain_nonce(struct rpc *r, const struct addr *a)
{
	struct rpc_error	e;
	uint64_t		n;

	ck_assert_msg(rpc_get_transaction_count(r, a->b, "latest", &n,
	    &e) == 0, "%s", e.message);
	return n;
}

/* A fresh key with 1000 BNB. */
static void
fresh_wallet(struct rpc *r, uint8_t key[32], struct addr *a)
{
	char	as[ADDR_STR_MAX], p[128];

	ck_assert_int_eq(secp_key_generate(key), 0);
	ck_assert_int_eq(secp_key_address(key, a->b), 0);
	snprintf(p, sizeof(p), "[\"%s\", \"0x3635c9adc5dea00000\"]",
	    addr_format_lower(a, as));
	call0(r, "hardhat_setBalance", p);
}

static void
random_addr(struct addr *a)
{
	ck_assert_int_eq(secp_random(a->b, sizeof(a->b)), 0);
}

/* A KEY=value of chain.env. */
static void
chain_env(const char *key, char *out, size_t cap)
{
	char	 path[1024], *text, *p, *e;
	size_t	 n = strlen(key);

	snprintf(path, sizeof(path), "%s/chain.env",
	    getenv("BSC_TEST_ENVDIR"));
	ck_assert_ptr_nonnull(text = tu_read_file(path, NULL));
	for (p = text; p != NULL && *p != '\0'; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, key, n) == 0 && p[n] == '=') {
			snprintf(out, cap, "%.*s", (int)((e ? e : p +
			    strlen(p)) - (p + n + 1)), p + n + 1);
			free(text);
			return;
		}
	}
	free(text);
	ck_abort_msg("%s not in chain.env", key);
}

static struct db *
db_open(const char *ci)
{
	struct db	*d = db_new(ci, 5, 20000, "check_txmgr");

	ck_assert_ptr_nonnull(d);
	ck_assert_msg(db_connect(d) == 0, "%s", db_error(d));
	return d;
}

static long long
qnum(struct db *d, const char *sql, const char *param)
{
	char		 v[64];
	const char	*p[1] = { param };

	ck_assert_msg(db_query_value(d, v, sizeof(v), sql, param ? 1 : 0,
	    p) == 1, "%s: %s", sql, db_error(d));
	return atoll(v);
}

/* Everything a test needs: database, node, manager, wallet. */
struct ctx {
	char			*ci;
	struct db		*db;
	struct rpc		*rpc;
	struct txmgr		*tm;
	struct txmgr_opts	 o;
	uint8_t			 key[32];
	struct addr		 a;
	char			 as[ADDR_STR_MAX];
	struct addr		 to;
};

static void
ctx_open(struct ctx *c, const char *name, int replace_after)
{
	char	err[512];
	int	n;

	memset(c, 0, sizeof(*c));
	ck_assert_ptr_nonnull(c->ci = tu_db_create(name));
	c->db = db_open(c->ci);
	ck_assert_msg(migrate_apply(c->db, &n, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_ptr_nonnull(c->rpc = rpc_open(getenv("BSC_TEST_RPC"), 2,
	    10000));
	fresh_wallet(c->rpc, c->key, &c->a);
	addr_format_lower(&c->a, c->as);
	random_addr(&c->to);
	txmgr_opts_init(&c->o);
	c->o.replace_after_blocks = replace_after;
	ck_assert_ptr_nonnull(c->tm = txmgr_new(c->db, c->rpc, &c->o));
}

static void
ctx_close(struct ctx *c)
{
	txmgr_free(&c->tm);
	ck_assert_ptr_null(c->tm);
	rpc_free(&c->rpc);
	db_free(&c->db);
	free(c->ci);
	explicit_bzero(c->key, sizeof(c->key));
}

static void
intent_pay(struct txmgr_intent *in, const char *intent, const uint8_t *key,
    const struct addr *to, uint64_t value, int type)
{
	memset(in, 0, sizeof(*in));
	in->intent = intent;
	in->key = key;
	in->to = *to;
	in->value = u256_from_u64(value);
	in->type = type;
}

/* Poll until nothing is in flight; returns what is left. */
static int
settle(struct txmgr *tm, int rounds)
{
	int	left = -1;

	while (rounds-- > 0) {
		if (txmgr_poll(tm, &left) == 0 && left == 0)
			return 0;
		msleep(50);
	}
	return left;
}

static void
submit_ok(struct txmgr *tm, const struct txmgr_intent *in,
    struct txmgr_tx *out)
{
	struct txmgr_error	e;

	ck_assert_msg(txmgr_submit(tm, in, out, &e) == 0, "%s: %s (%s)",
	    in->intent, e.msg, txmgr_code_name(e.code));
}

static void
status_of(struct txmgr *tm, const char *intent, struct txmgr_tx *t)
{
	ck_assert_int_eq(txmgr_status(tm, intent, t), 1);
}

/* The receipt of hash must exist with status 1. */
static void
assert_mined_on_chain(struct rpc *r, const uint8_t hash[32], uint64_t nonce,
    const struct addr *from)
{
	struct rpc_receipt	*rc = NULL;
	struct rpc_tx_info	 ti;
	struct rpc_error	 e;

	ck_assert_msg(rpc_get_receipt(r, hash, &rc, &e) == 0, "%s",
	    e.message);
	ck_assert_ptr_nonnull(rc);
	ck_assert_int_eq(rc->status, 1);
	rpc_receipt_free(&rc);
	ck_assert_int_eq(rpc_get_transaction(r, hash, &ti, &e), 0);
	ck_assert_int_eq(ti.found, 1);
	ck_assert_int_eq(ti.pending, 0);
	ck_assert_uint_eq(ti.nonce, nonce);
	ck_assert(memcmp(ti.from, from->b, 20) == 0);
}

static void
assert_no_receipt(struct rpc *r, const uint8_t hash[32])
{
	struct rpc_receipt	*rc = NULL;
	struct rpc_error	 e;

	ck_assert_msg(rpc_get_receipt(r, hash, &rc, &e) == 0, "%s",
	    e.message);
	ck_assert_ptr_null(rc);
}

/* Build and send a transaction behind the manager's back. */
static void
send_foreign(struct rpc *r, const uint8_t key[32], uint64_t nonce,
    const struct addr *to, uint64_t max_fee, uint64_t prio)
{
	struct tx		 t;
	struct rlp_buf		 b;
	struct rpc_error	 e;
	uint8_t			 h[32], got[32];

	memset(&t, 0, sizeof(t));
	t.type = TX_DYNAMIC_FEE;
	t.chain_id = 56;
	t.nonce = nonce;
	t.max_fee = u256_from_u64(max_fee);
	t.max_priority_fee = u256_from_u64(prio);
	t.gas_limit = 21000;
	t.has_to = 1;
	t.to = *to;
	t.value = u256_from_u64(7);
	rlp_buf_init(&b);
	ck_assert_int_eq(tx_sign_encode(&t, key, &b, h), 0);
	ck_assert_msg(rpc_send_raw_transaction(r, b.data, b.len, got,
	    &e) == 0, "%s", e.message);
	rlp_buf_free(&b);
}

/* Restore normal mining before every test (a failed one may not have). */
static void
setup_chain(void)
{
	struct rpc	*r;

	if (getenv("BSC_TEST_RPC") == NULL || *getenv("BSC_TEST_RPC") == '\0')
		return;
	if ((r = rpc_open(getenv("BSC_TEST_RPC"), 1, 5000)) == NULL)
		return;
	automine(r, 1);
	rpc_free(&r);
}

#define REQUIRE_ALL() do {						\
	TU_REQUIRE_ENV("BSC_TEST_PGURL");				\
	TU_REQUIRE_ENV("BSC_TEST_RPC");					\
	TU_REQUIRE_ENV("BSC_TEST_ENVDIR");				\
} while (0)

/* ---- 1. signing: legacy and EIP-1559 accepted, mined, ours --------------- */

START_TEST(test_sign_and_mine)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t0, t1, s;
	struct tx		 dt;
	struct addr		 from;
	struct rpc_error	 e;
	u256			 bal;
	uint8_t			 raw[1024], h[32];
	size_t			 rawlen;
	char			 hex[2200], id[24], err[128];
	const char		*p[1] = { id };
	int			 i;

	REQUIRE_ALL();
	ctx_open(&c, "sign", 5);
	intent_pay(&in, "pay:legacy", c.key, &c.to, 1000, 0);
	submit_ok(c.tm, &in, &t0);
	ck_assert_int_eq(t0.existing, 0);
	ck_assert_int_eq(t0.type, 0);
	ck_assert_uint_eq(t0.nonce, 0);
	ck_assert_int_eq(t0.status, TXMGR_BROADCAST);
	ck_assert(addr_eq(&t0.wallet, &c.a));
	/* gas limit: the estimate (21000 on Hardhat, or a little above)
	 * plus the 25% margin */
	ck_assert_uint_ge(t0.gas_limit, 26250);
	ck_assert_uint_le(t0.gas_limit, 30000 * 125 / 100);
	intent_pay(&in, "pay:dynamic", c.key, &c.to, 2000, 2);
	in.min_gas_limit = 100000;	/* the caller knows estimates run low */
	submit_ok(c.tm, &in, &t1);
	ck_assert_uint_eq(t1.gas_limit, 100000);
	ck_assert_int_eq(t1.type, 2);
	ck_assert_uint_eq(t1.nonce, 1);
	ck_assert(!u256_is_zero(&t1.max_fee));
	ck_assert_int_eq(settle(c.tm, 100), 0);

	status_of(c.tm, "pay:legacy", &s);
	ck_assert_int_eq(s.status, TXMGR_MINED);
	ck_assert_int_eq(s.has_block, 1);
	ck_assert_int_eq(s.receipt_status, 1);
	ck_assert_uint_eq(s.gas_used, 21000);
	ck_assert(!u256_is_zero(&s.effective_gas_price));
	ck_assert(memcmp(s.hash, t0.hash, 32) == 0);
	assert_mined_on_chain(c.rpc, t0.hash, 0, &c.a);
	status_of(c.tm, "pay:dynamic", &s);
	ck_assert_int_eq(s.status, TXMGR_MINED);
	assert_mined_on_chain(c.rpc, t1.hash, 1, &c.a);

	ck_assert_int_eq(rpc_get_balance(c.rpc, c.to.b, "latest", &bal, &e), 0);
	ck_assert_uint_eq(bal.w[0], 3000);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 2);

	/* the recorded bytes decode to our signature, type and hash */
	for (i = 0; i < 2; i++) {
		snprintf(id, sizeof(id), "%lld", (long long)(i ? t1.id : t0.id));
		ck_assert_int_eq(db_query_value(c.db, hex, sizeof(hex),
		    "SELECT encode(raw, 'hex') FROM transactions WHERE id = $1",
		    1, p), 1);
		ck_assert_int_eq(hex_decode(hex, strlen(hex), raw, sizeof(raw),
		    &rawlen), 0);
		ck_assert_msg(tx_decode(raw, rawlen, &dt, &from, h, err,
		    sizeof(err)) == 0, "%s", err);
		ck_assert(addr_eq(&from, &c.a));
		ck_assert_int_eq((int)dt.type, i ? 2 : 0);
		ck_assert_uint_eq(dt.chain_id, 56);
		ck_assert(memcmp(h, i ? t1.hash : t0.hash, 32) == 0);
	}
	ctx_close(&c);
}
END_TEST

/* ---- 2. twenty intents at once, four processes, one wallet --------------- */

static void
child_submit_batch(const char *ci, const uint8_t key[32],
    const struct addr *to, int who, int n)
{
	struct db		*d;
	struct rpc		*r;
	struct txmgr		*tm;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	char			 intent[64];
	int			 k, bad = 0;

	d = db_new(ci, 5, 20000, "child");
	r = rpc_open(getenv("BSC_TEST_RPC"), 2, 10000);
	if (d == NULL || r == NULL || db_connect(d) == -1 ||
	    (tm = txmgr_new(d, r, NULL)) == NULL)
		_exit(2);
	for (k = 0; k < n; k++) {
		snprintf(intent, sizeof(intent), "pay:p%d-%d", who, k);
		intent_pay(&in, intent, key, to, 1 + (uint64_t)k, k % 2 ? 2 : 0);
		if (txmgr_submit(tm, &in, &t, NULL) == -1 ||
		    t.status != TXMGR_BROADCAST)
			bad++;
	}
	txmgr_free(&tm);
	rpc_free(&r);
	db_free(&d);
	_exit(bad ? 1 : 0);
}

START_TEST(test_twenty_at_once)
{
	struct ctx	 c;
	struct txmgr	*tm;
	pid_t		 pid[4];
	int		 i, st, guard = 0;
	PGresult	*res;

	REQUIRE_ALL();
	ctx_open(&c, "twenty", 5);
	automine(c.rpc, 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_ge(pid[i] = fork(), 0);
		if (pid[i] == 0)
			child_submit_batch(c.ci, c.key, &c.to, i, 5);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "child %d failed (status %d)", i, st);
	}
	/* all twenty wait in the node's pool; one block takes them */
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " status = 'broadcast'", NULL), 20);
	while (chain_nonce(c.rpc, &c.a) < 20 && guard++ < 5)
		mine(c.rpc, 1);
	automine(c.rpc, 1);
	tm = c.tm;
	ck_assert_int_eq(txmgr_add_key(tm, c.key, NULL), 0);
	ck_assert_int_eq(settle(tm, 100), 0);

	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 20);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions",
	    NULL), 20);
	ck_assert_int_eq(qnum(c.db, "SELECT count(DISTINCT nonce) FROM"
	    " transactions WHERE status = 'mined'", NULL), 20);
	ck_assert_int_eq(qnum(c.db, "SELECT max(nonce) - min(nonce) FROM"
	    " transactions", NULL), 19);
	ck_assert_int_eq(qnum(c.db, "SELECT min(nonce) FROM transactions",
	    NULL), 0);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 20);
	/* and the chain has exactly the hashes the database recorded */
	ck_assert_ptr_nonnull(res = db_query(c.db, "SELECT encode(hash,"
	    " 'hex'), nonce FROM transactions ORDER BY nonce", 0, NULL));
	for (i = 0; i < PQntuples(res); i++) {
		uint8_t	h[32];
		size_t	n;

		ck_assert_int_eq(hex_decode(PQgetvalue(res, i, 0), 64, h, 32,
		    &n), 0);
		assert_mined_on_chain(c.rpc, h, (uint64_t)atoll(PQgetvalue(res,
		    i, 1)), &c.a);
	}
	PQclear(res);
	ctx_close(&c);
}
END_TEST

/* ---- 3. stuck transactions are replaced; only one is mined --------------- */

static void
stuck_case(int type)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, old, nw;
	u256			 base0, ten = u256_from_u64(10 * GWEI);
	u256			 one = u256_from_u64(GWEI), minb;
	int			 left;

	ctx_open(&c, "stuck", 2);
	base0 = latest_base_fee(c.rpc);
	automine(c.rpc, 0);
	next_base_fee(c.rpc, &ten);
	/* a fee below the base fee: the node keeps it, blocks pass it by */
	intent_pay(&in, "pay:stuck", c.key, &c.to, 5, type);
	if (type == 0)
		in.gas_price = &one;
	else
		in.max_fee = in.max_priority_fee = &one;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_BROADCAST);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 1);
	mine(c.rpc, 1);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &old), 1);
	ck_assert_int_eq(old.status, TXMGR_BROADCAST);	/* not due yet */
	mine(c.rpc, 1);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 2);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &old), 1);
	ck_assert_int_eq(old.status, TXMGR_REPLACED);
	status_of(c.tm, "pay:stuck", &nw);
	ck_assert_int_ne(nw.id, old.id);
	ck_assert_int_eq(nw.replaces, old.id);
	ck_assert_uint_eq(nw.nonce, old.nonce);
	ck_assert_int_eq(nw.status, TXMGR_BROADCAST);
	if (type == 0) {
		u256 f = u256_from_u64(110), h = u256_from_u64(100);
		u256_muldiv(&minb, &old.gas_price, &f, &h);
		ck_assert_int_gt(u256_cmp(&nw.gas_price, &minb), 0);
	} else {
		u256 f = u256_from_u64(110), h = u256_from_u64(100);
		u256_muldiv(&minb, &old.max_fee, &f, &h);
		ck_assert_int_gt(u256_cmp(&nw.max_fee, &minb), 0);
		u256_muldiv(&minb, &old.max_priority_fee, &f, &h);
		ck_assert_int_gt(u256_cmp(&nw.max_priority_fee, &minb), 0);
	}
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	ck_assert_int_eq(txmgr_get(c.tm, old.id, &old), 1);
	ck_assert_int_eq(txmgr_get(c.tm, nw.id, &nw), 1);
	ck_assert_int_eq(nw.status, TXMGR_MINED);
	ck_assert_int_eq(old.status, TXMGR_DROPPED);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);
	assert_mined_on_chain(c.rpc, nw.hash, 0, &c.a);
	assert_no_receipt(c.rpc, old.hash);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    2);
	next_base_fee(c.rpc, &base0);
	mine(c.rpc, 1);
	ctx_close(&c);
}

START_TEST(test_stuck_replaced_1559)
{
	REQUIRE_ALL();
	stuck_case(2);
}
END_TEST

/* The fee cap is never exceeded: a replacement stops at it; and the
 * number of replacements is limited. */
START_TEST(test_replacement_capped)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, nw;
	u256			 base0, ten = u256_from_u64(10 * GWEI);
	u256			 one = u256_from_u64(GWEI);
	char			 cap[U256_DEC_MAX];
	int			 left, i;

	REQUIRE_ALL();
	ctx_open(&c, "capped", 1);
	txmgr_free(&c.tm);
	c.o.max_gas_price = u256_from_u64(5 * GWEI / 2);
	ck_assert_ptr_nonnull(c.tm = txmgr_new(c.db, c.rpc, &c.o));
	base0 = latest_base_fee(c.rpc);
	automine(c.rpc, 0);
	next_base_fee(c.rpc, &ten);
	intent_pay(&in, "pay:capped", c.key, &c.to, 5, 2);
	in.max_fee = in.max_priority_fee = &one;
	submit_ok(c.tm, &in, &t);
	for (i = 0; i < 4; i++) {
		mine(c.rpc, 1);
		ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	}
	/* the node wants about 2 * 10 gwei; the cap allows 2.5 gwei: one
	 * replacement at the cap, then none */
	status_of(c.tm, "pay:capped", &nw);
	ck_assert_int_eq(nw.status, TXMGR_BROADCAST);
	ck_assert_int_eq(nw.replaces, t.id);
	ck_assert_uint_eq(nw.max_fee.w[0], 5 * GWEI / 2);
	ck_assert_ptr_nonnull(strstr(nw.error, "max_gas_price"));
	u256_to_dec(&c.o.max_gas_price, cap);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " max_fee > $1", cap), 0);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    2);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 0);
	/* once the base fee falls, the replacement is mined, the other
	 * dropped */
	next_base_fee(c.rpc, &one);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	status_of(c.tm, "pay:capped", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	ck_assert_int_eq(t.id, nw.id);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " status NOT IN ('mined', 'dropped')", NULL), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);

	/* max_replacements = 0: stuck stays stuck, and says why */
	txmgr_free(&c.tm);
	txmgr_opts_init(&c.o);
	c.o.replace_after_blocks = 1;
	c.o.max_replacements = 0;
	ck_assert_ptr_nonnull(c.tm = txmgr_new(c.db, c.rpc, &c.o));
	automine(c.rpc, 0);
	next_base_fee(c.rpc, &ten);
	intent_pay(&in, "pay:never", c.key, &c.to, 5, 0);
	in.gas_price = &one;
	submit_ok(c.tm, &in, &t);
	mine(c.rpc, 2);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 1);
	status_of(c.tm, "pay:never", &nw);
	ck_assert_int_eq(nw.id, t.id);
	ck_assert_int_eq(nw.status, TXMGR_BROADCAST);
	ck_assert_ptr_nonnull(strstr(nw.error, "max_replacements"));
	next_base_fee(c.rpc, &one);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	status_of(c.tm, "pay:never", &nw);
	ck_assert_int_eq(nw.status, TXMGR_MINED);
	next_base_fee(c.rpc, &base0);
	mine(c.rpc, 1);
	ctx_close(&c);
}
END_TEST

START_TEST(test_stuck_replaced_legacy)
{
	REQUIRE_ALL();
	stuck_case(0);
}
END_TEST

/* ---- crash machinery ----------------------------------------------------- */

struct killer {
	enum txmgr_point	 at;
	const char		*intent;	/* NULL: any */
	int			 replacement;	/* only a replacement */
};

static void
kill_hook(void *arg, enum txmgr_point p, const struct txmgr_tx *t)
{
	const struct killer	*k = arg;

	if (p == k->at && (k->intent == NULL ||
	    strcmp(k->intent, t->intent) == 0) &&
	    (!k->replacement || t->replaces != 0))
		raise(SIGKILL);
}

/* A new process with its own connections and a manager that kills
 * itself at k; returns the manager (in the child). */
static struct txmgr *
child_txmgr(const char *ci, struct killer *k, int replace_after,
    struct db **dp, struct rpc **rp)
{
	struct txmgr_opts	 o;
	struct txmgr		*tm;

	*dp = db_new(ci, 5, 20000, "child");
	*rp = rpc_open(getenv("BSC_TEST_RPC"), 2, 10000);
	if (*dp == NULL || *rp == NULL || db_connect(*dp) == -1)
		_exit(2);
	txmgr_opts_init(&o);
	o.replace_after_blocks = replace_after;
	o.hook = kill_hook;
	o.hook_arg = k;
	if ((tm = txmgr_new(*dp, *rp, &o)) == NULL)
		_exit(2);
	return tm;
}

static void
wait_killed(pid_t pid)
{
	int	st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	    "the child was not killed at its crash point (status %d)", st);
}

/* ---- 3b. crash after a replacement was recorded; the original wins ------- */

START_TEST(test_crash_in_replacement_original_wins)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, old, nw;
	struct killer		 k = { TXMGR_AT_RECORDED, "pay:race", 1 };
	struct txmgr		*tm;
	struct db		*d;
	struct rpc		*r;
	u256			 base0, ten = u256_from_u64(10 * GWEI);
	u256			 one = u256_from_u64(GWEI);
	u256			 half = u256_from_u64(GWEI / 2);
	pid_t			 pid;

	REQUIRE_ALL();
	ctx_open(&c, "crashrepl", 2);
	base0 = latest_base_fee(c.rpc);
	automine(c.rpc, 0);
	next_base_fee(c.rpc, &ten);
	intent_pay(&in, "pay:race", c.key, &c.to, 5, 2);
	in.max_fee = in.max_priority_fee = &one;
	submit_ok(c.tm, &in, &t);
	mine(c.rpc, 2);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		tm = child_txmgr(c.ci, &k, 2, &d, &r);
		txmgr_add_key(tm, c.key, NULL);
		txmgr_poll(tm, NULL);
		_exit(0);
	}
	wait_killed(pid);
	/* the replacement is recorded, never sent */
	status_of(c.tm, "pay:race", &nw);
	ck_assert_int_eq(nw.status, TXMGR_SIGNED);
	ck_assert_int_eq(nw.send_attempts, 0);
	ck_assert_int_eq(nw.replaces, t.id);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &old), 1);
	ck_assert_int_eq(old.status, TXMGR_REPLACED);
	/* the base fee falls under the original's fee: it is mined */
	next_base_fee(c.rpc, &half);
	mine(c.rpc, 1);
	assert_mined_on_chain(c.rpc, t.hash, 0, &c.a);
	automine(c.rpc, 1);

	/* a restarted process reconciles: original mined, replacement
	 * dropped, nothing else sent */
	txmgr_free(&c.tm);
	ck_assert_ptr_nonnull(c.tm = txmgr_new(c.db, c.rpc, &c.o));
	ck_assert_int_eq(txmgr_add_key(c.tm, c.key, NULL), 0);
	ck_assert_int_eq(txmgr_recover(c.tm), 0);
	ck_assert_int_eq(settle(c.tm, 20), 0);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &old), 1);
	ck_assert_int_eq(txmgr_get(c.tm, nw.id, &nw), 1);
	ck_assert_int_eq(old.status, TXMGR_MINED);
	ck_assert_int_eq(nw.status, TXMGR_DROPPED);
	status_of(c.tm, "pay:race", &t);
	ck_assert_int_eq(t.id, old.id);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);
	assert_no_receipt(c.rpc, nw.hash);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 1);
	next_base_fee(c.rpc, &base0);
	mine(c.rpc, 1);
	ctx_close(&c);
}
END_TEST

/* ---- 4. crashes at each point of the lifecycle --------------------------- */

static void
crash_case(enum txmgr_point at)
{
	static const char	*intents[] = { "pay:1", "pay:2", "pay:3" };
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct killer		 k = { at, "pay:2", 0 };
	struct txmgr		*tm;
	struct db		*d;
	struct rpc		*r;
	pid_t			 pid;
	int			 i, existing;

	ctx_open(&c, "crash", 5);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		tm = child_txmgr(c.ci, &k, 5, &d, &r);
		for (i = 0; i < 3; i++) {
			intent_pay(&in, intents[i], c.key, &c.to, 10 +
			    (uint64_t)i, i % 2 ? 0 : 2);
			txmgr_submit(tm, &in, NULL, NULL);
			if (i == 1)
				txmgr_poll(tm, NULL);	/* for AT_RECEIPT */
		}
		_exit(0);
	}
	wait_killed(pid);

	/* restart: recover, then the owner submits every intent again */
	ck_assert_int_eq(txmgr_add_key(c.tm, c.key, NULL), 0);
	ck_assert_int_eq(txmgr_recover(c.tm), 0);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	for (i = 0; i < 3; i++) {
		intent_pay(&in, intents[i], c.key, &c.to, 10 + (uint64_t)i,
		    i % 2 ? 0 : 2);
		submit_ok(c.tm, &in, &t);
		existing = i < 2;
		ck_assert_msg(t.existing == existing, "%s existing=%d",
		    intents[i], t.existing);
	}
	ck_assert_int_eq(settle(c.tm, 100), 0);

	/* exactly one transaction per intent, on chain and in the database */
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 3);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    3);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 3);
	for (i = 0; i < 3; i++) {
		status_of(c.tm, intents[i], &t);
		ck_assert_msg(t.status == TXMGR_MINED, "%s is %s", intents[i],
		    txmgr_status_name(t.status));
		ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions"
		    " WHERE intent = $1", intents[i]), 1);
		assert_mined_on_chain(c.rpc, t.hash, t.nonce, &c.a);
	}
	ctx_close(&c);
}

START_TEST(test_crash_after_record)
{
	REQUIRE_ALL();
	crash_case(TXMGR_AT_RECORDED);
}
END_TEST

START_TEST(test_crash_before_send)
{
	REQUIRE_ALL();
	crash_case(TXMGR_AT_SENDING);
}
END_TEST

START_TEST(test_crash_after_send_unrecorded)
{
	REQUIRE_ALL();
	crash_case(TXMGR_AT_SENT);
}
END_TEST

START_TEST(test_crash_after_broadcast)
{
	REQUIRE_ALL();
	crash_case(TXMGR_AT_BROADCAST);
}
END_TEST

START_TEST(test_crash_before_receipt_recorded)
{
	REQUIRE_ALL();
	crash_case(TXMGR_AT_RECEIPT);
}
END_TEST

/* ---- 5. idempotency, reverts, nonce taken behind our back ---------------- */

START_TEST(test_idempotent)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, t2;
	pid_t			 pid[3];
	int			 i, st;

	REQUIRE_ALL();
	ctx_open(&c, "idem", 5);
	intent_pay(&in, "order:123", c.key, &c.to, 1, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.existing, 0);
	/* again, even with other parameters: the same transaction */
	intent_pay(&in, "order:123", c.key, &c.to, 999, 0);
	submit_ok(c.tm, &in, &t2);
	ck_assert_int_eq(t2.existing, 1);
	ck_assert_int_eq(t2.id, t.id);
	ck_assert(memcmp(t2.hash, t.hash, 32) == 0);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	submit_ok(c.tm, &in, &t2);
	ck_assert_int_eq(t2.existing, 1);
	ck_assert_int_eq(t2.status, TXMGR_MINED);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    1);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);

	/* three processes race for one new intent: one transaction */
	for (i = 0; i < 3; i++) {
		ck_assert_int_ge(pid[i] = fork(), 0);
		if (pid[i] == 0) {
			struct db	*d = db_new(c.ci, 5, 20000, "child");
			struct rpc	*r = rpc_open(getenv("BSC_TEST_RPC"), 2,
			    10000);
			struct txmgr	*tm;

			if (d == NULL || r == NULL || db_connect(d) == -1 ||
			    (tm = txmgr_new(d, r, NULL)) == NULL)
				_exit(2);
			intent_pay(&in, "order:124", c.key, &c.to, 2, 2);
			_exit(txmgr_submit(tm, &in, NULL, NULL) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " intent = 'order:124'", NULL), 1);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 2);
	ctx_close(&c);
}
END_TEST

START_TEST(test_revert_recorded)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct txmgr_error	 e;
	struct keystore_error	 ke;
	struct abi_buf		 ab = { NULL, 0 }, ab2 = { NULL, 0 };
	struct addr		 btcb, dep;
	uint8_t			 dkey[32];
	char			 path[1024], s[128];
	u256			 amt;

	REQUIRE_ALL();
	ctx_open(&c, "revert", 5);
	chain_env("DEPLOYER_KEY_FILE", path, sizeof(path));
	ck_assert_msg(keystore_read_key_file(path, dkey, &ke) == 0, "%s",
	    ke.msg);
	chain_env("BTCB", s, sizeof(s));
	ck_assert_int_eq(addr_parse(&btcb, s), 0);

	/* the deployer gives our wallet 1000 base units of the token */
	amt = u256_from_u64(1000);
	ck_assert_int_eq(abi_call_transfer(&ab, &c.a, &amt), 0);
	memset(&in, 0, sizeof(in));
	in.intent = "fund:btcb";
	in.key = dkey;
	in.to = btcb;
	in.data = ab.data;
	in.data_len = ab.len;
	in.type = 2;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	status_of(c.tm, "fund:btcb", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	ck_assert_int_eq(secp_key_address(dkey, dep.b), 0);
	explicit_bzero(dkey, sizeof(dkey));
	abi_buf_free(&ab);

	/* two transfers of 600 each: both estimate fine while held (the
	 * node sees neither); sent in nonce order, the second reverts */
	ck_assert_int_eq(txmgr_hold(c.tm, "pay:"), 0);
	amt = u256_from_u64(600);
	ck_assert_int_eq(abi_call_transfer(&ab, &c.to, &amt), 0);
	memset(&in, 0, sizeof(in));
	in.intent = "pay:a";
	in.key = c.key;
	in.to = btcb;
	in.data = ab.data;
	in.data_len = ab.len;
	in.type = 2;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	in.intent = "pay:b";
	in.type = 0;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	ck_assert_int_eq(txmgr_hold(c.tm, NULL), 0);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	status_of(c.tm, "pay:a", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	status_of(c.tm, "pay:b", &t);
	ck_assert_int_eq(t.status, TXMGR_FAILED);
	ck_assert_int_eq(t.has_block, 1);
	ck_assert_int_eq(t.receipt_status, 0);
	ck_assert_str_eq(t.revert_reason, "ds-math-sub-underflow");
	/* a reverted intent stays taken: no second try behind its back */
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.existing, 1);
	ck_assert_int_eq(t.status, TXMGR_FAILED);

	/* a revert at estimate time: refused before signing */
	amt = u256_from_u64(1000000);
	ck_assert_int_eq(abi_call_transfer(&ab2, &c.to, &amt), 0);
	in.intent = "pay:c";
	in.data = ab2.data;
	in.data_len = ab2.len;
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_REVERTED);
	ck_assert_str_eq(e.reason, "ds-math-sub-underflow");
	ck_assert_ptr_nonnull(strstr(e.msg, "ds-math-sub-underflow"));
	ck_assert_int_eq(txmgr_status(c.tm, "pay:c", &t), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces WHERE"
	    " wallet = $1", c.as), 2);
	abi_buf_free(&ab);
	abi_buf_free(&ab2);
	ctx_close(&c);
}
END_TEST

START_TEST(test_nonce_too_low_on_submit)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	PGresult		*res;

	REQUIRE_ALL();
	ctx_open(&c, "noncelow", 5);
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	/* someone uses nonce 1 behind the manager's back */
	send_foreign(c.rpc, c.key, 1, &c.to, 50 * GWEI, GWEI);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	intent_pay(&in, "pay:2", c.key, &c.to, 2, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.existing, 0);
	ck_assert_uint_eq(t.nonce, 2);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	status_of(c.tm, "pay:2", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	assert_mined_on_chain(c.rpc, t.hash, 2, &c.a);
	/* the first try is recorded, failed without a block */
	ck_assert_ptr_nonnull(res = db_query(c.db, "SELECT status, nonce,"
	    " block_number IS NULL, error FROM transactions WHERE intent ="
	    " 'pay:2' ORDER BY id", 0, NULL));
	ck_assert_int_eq(PQntuples(res), 2);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "failed");
	ck_assert_str_eq(PQgetvalue(res, 0, 1), "1");
	ck_assert_str_eq(PQgetvalue(res, 0, 2), "t");
	ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 3), "nonce 1"));
	ck_assert_str_eq(PQgetvalue(res, 1, 0), "mined");
	PQclear(res);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 3);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 3);
	ctx_close(&c);
}
END_TEST

START_TEST(test_nonce_taken_while_pending)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, t2;
	int			 left;

	REQUIRE_ALL();
	ctx_open(&c, "noncetaken", 5);
	automine(c.rpc, 0);
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_BROADCAST);
	/* an outsider replaces it in the pool with a higher fee */
	send_foreign(c.rpc, c.key, 0, &c.to, 200 * GWEI, 50 * GWEI);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	/* seen once: not given up yet (the node may lag its receipts) */
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 1);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 1);
	/* still so a block later: it was someone else's */
	mine(c.rpc, 1);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 0);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &t2), 1);
	ck_assert_int_eq(t2.status, TXMGR_FAILED);
	ck_assert_int_eq(t2.has_block, 0);
	ck_assert_ptr_nonnull(strstr(t2.error, "not recorded here"));
	assert_no_receipt(c.rpc, t.hash);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 1);
	/* the intent is free again: its owner may submit it anew */
	submit_ok(c.tm, &in, &t2);
	ck_assert_int_eq(t2.existing, 0);
	ck_assert_uint_eq(t2.nonce, 1);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	assert_mined_on_chain(c.rpc, t2.hash, 1, &c.a);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	ctx_close(&c);
}
END_TEST

/* A transaction of the wallet's, not ours, waits in the pool on our
 * nonce with a higher fee: ours is refused as underpriced, and the poll
 * bumps again and again until it replaces the other. */
START_TEST(test_underpriced_bumps)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	u256			 base0, tenth = u256_from_u64(GWEI / 10);
	u256			 one = u256_from_u64(GWEI);
	int			 i, left;

	REQUIRE_ALL();
	ctx_open(&c, "underpriced", 5);
	base0 = latest_base_fee(c.rpc);
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	next_base_fee(c.rpc, &tenth);
	mine(c.rpc, 1);
	automine(c.rpc, 0);
	send_foreign(c.rpc, c.key, 1, &c.to, GWEI * 5 / 4, GWEI * 5 / 4);
	intent_pay(&in, "pay:2", c.key, &c.to, 2, 2);
	in.max_fee = in.max_priority_fee = &one;
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.nonce, 1);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	ck_assert_ptr_nonnull(strstr(t.error, "nderpriced"));
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
		status_of(c.tm, "pay:2", &t);
		if (t.status == TXMGR_BROADCAST)
			break;
	}
	ck_assert_int_eq(t.status, TXMGR_BROADCAST);
	ck_assert_int_ge(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " intent = 'pay:2'", NULL), 3);	/* bumped more than once */
	ck_assert_uint_gt(t.max_priority_fee.w[0], GWEI * 5 / 4 * 11 / 10);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	status_of(c.tm, "pay:2", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	assert_mined_on_chain(c.rpc, t.hash, 1, &c.a);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " intent = 'pay:2' AND status <> 'dropped'", NULL), 1);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	next_base_fee(c.rpc, &base0);
	mine(c.rpc, 1);
	ctx_close(&c);
}
END_TEST

/* ---- 6. bad input -------------------------------------------------------- */

START_TEST(test_rpc_down)
{
	struct ctx		 c;
	struct rpc		*down;
	struct txmgr		*tm;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct txmgr_error	 e;
	char			 url[64];
	int			 left;

	REQUIRE_ALL();
	ctx_open(&c, "rpcdown", 5);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d",
	    httpstub_unused_port());
	ck_assert_ptr_nonnull(down = rpc_open(url, 0, 1000));
	ck_assert_ptr_nonnull(tm = txmgr_new(c.db, down, NULL));
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_submit(tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_RPC);
	ck_assert(e.msg[0] != '\0');
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    0);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM nonces", NULL), 0);
	ck_assert_int_eq(txmgr_poll(tm, &left), -1);
	ck_assert_int_eq(txmgr_recover(tm), -1);
	txmgr_free(&tm);
	rpc_free(&down);

	/* a row recorded while the node was up, then the node goes away:
	 * the poll fails cleanly and changes nothing */
	submit_ok(c.tm, &in, &t);
	ck_assert_ptr_nonnull(down = rpc_open(url, 0, 1000));
	ck_assert_ptr_nonnull(tm = txmgr_new(c.db, down, NULL));
	ck_assert_int_eq(txmgr_add_key(tm, c.key, NULL), 0);
	ck_assert_int_eq(txmgr_poll(tm, &left), -1);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " status = 'broadcast'", NULL), 1);
	txmgr_free(&tm);
	rpc_free(&down);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	ctx_close(&c);
}
END_TEST

START_TEST(test_bad_input)
{
	static const char	*bad[] = { "", "order", "order:", ":1",
	    "Order:1", "order :1", "order: 1", "order:1 2", "order:1\n",
	    "or-der:1", "order:\x01", "order:\xc3\xa9", NULL };
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct txmgr_error	 e;
	struct txmgr_opts	 o;
	struct txmgr		*tm;
	struct db		*d;
	struct addr		 other;
	uint8_t			 zero[32];
	char			 longi[TXMGR_INTENT_MAX + 8];
	u256			 big;
	int			 i;

	REQUIRE_ALL();
	ctx_open(&c, "badin", 5);
	for (i = 0; bad[i] != NULL; i++) {
		intent_pay(&in, bad[i], c.key, &c.to, 1, 2);
		ck_assert_msg(txmgr_submit(c.tm, &in, &t, &e) == -1, "%s",
		    bad[i]);
		ck_assert_int_eq(e.code, TXMGR_E_INVALID);
		ck_assert_int_eq(txmgr_intent_valid(bad[i]), 0);
	}
	memset(longi, 'a', sizeof(longi) - 1);
	longi[sizeof(longi) - 1] = '\0';
	longi[3] = ':';
	ck_assert_int_eq(txmgr_intent_valid(longi), 0);
	longi[TXMGR_INTENT_MAX] = '\0';
	ck_assert_int_eq(txmgr_intent_valid(longi), 1);
	ck_assert_int_eq(txmgr_intent_valid("approve:0xabc:0xdef"), 1);
	intent_pay(&in, NULL, c.key, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(txmgr_submit(c.tm, NULL, &t, &e), -1);
	ck_assert_int_eq(txmgr_submit(NULL, &in, &t, NULL), -1);

	memset(zero, 0, sizeof(zero));
	intent_pay(&in, "pay:1", zero, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	ck_assert_ptr_null(strstr(e.msg, "0000000000"));
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 1);
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	in.data_len = 3;
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	random_addr(&other);
	intent_pay(&in, "pay:1", NULL, &c.to, 1, 2);
	in.from = &other;
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_NOKEY);

	/* a minimum gas limit no block can hold */
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	in.min_gas_limit = 1ULL << 40;
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	ck_assert_ptr_nonnull(strstr(e.msg, "block gas limit"));

	/* more than the wallet has: refused before signing */
	ck_assert_int_eq(u256_from_dec(&big, "1000000000000000000000000"), 0);
	intent_pay(&in, "pay:1", c.key, &c.to, 0, 2);
	in.value = big;
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_FUNDS);

	/* a fee above the cap: refused before signing */
	txmgr_opts_init(&o);
	o.max_gas_price = u256_from_u64(1000);
	ck_assert_ptr_nonnull(tm = txmgr_new(c.db, c.rpc, &o));
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 0);
	ck_assert_int_eq(txmgr_submit(tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_FEE_CAP);
	txmgr_free(&tm);
	o.max_gas_price = u256_from_u64(0);
	ck_assert_ptr_null(txmgr_new(c.db, c.rpc, &o));
	txmgr_opts_init(&o);
	o.bump_pct = 5;
	ck_assert_ptr_null(txmgr_new(c.db, c.rpc, &o));
	ck_assert_ptr_null(txmgr_new(NULL, c.rpc, NULL));

	/* the database is unreachable: nothing is signed or sent */
	ck_assert_ptr_nonnull(d = db_new("host=/nonexistent-dir dbname=x", 1,
	    1000, "t"));
	ck_assert_ptr_nonnull(tm = txmgr_new(d, c.rpc, NULL));
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_submit(tm, &in, &t, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_DB);
	ck_assert_int_eq(txmgr_poll(tm, NULL), -1);
	txmgr_free(&tm);
	db_free(&d);

	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 0);
	ck_assert_int_eq(txmgr_status(c.tm, "pay:1", &t), 0);
	ck_assert_int_eq(txmgr_status(c.tm, "bad intent", &t), -1);
	ck_assert_int_eq(txmgr_remove_key(c.tm, &other), -1);
	ck_assert_int_eq(txmgr_remove_key(c.tm, &c.a), 0);
	ck_assert_int_eq(txmgr_add_key(c.tm, zero, NULL), -1);
	ctx_close(&c);
}
END_TEST

/* ---- the emergency stop: drop what was never sent ------------------------ */

START_TEST(test_drop_unsent)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct killer		 k1 = { TXMGR_AT_RECORDED, "pay:2", 0 };
	struct killer		 k2 = { TXMGR_AT_SENDING, "pay:4", 0 };
	struct txmgr		*tm;
	struct db		*d;
	struct rpc		*r;
	pid_t			 pid;
	int			 dropped, kept;

	REQUIRE_ALL();
	ctx_open(&c, "drop", 5);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		tm = child_txmgr(c.ci, &k1, 5, &d, &r);
		intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
		txmgr_submit(tm, &in, NULL, NULL);
		intent_pay(&in, "pay:2", c.key, &c.to, 2, 2);
		txmgr_submit(tm, &in, NULL, NULL);
		_exit(0);
	}
	wait_killed(pid);
	ck_assert_int_eq(txmgr_add_key(c.tm, c.key, NULL), 0);
	/* a prefix that does not match drops nothing */
	ck_assert_int_eq(txmgr_drop_unsent(c.tm, "order:", &dropped, &kept), 0);
	ck_assert_int_eq(dropped, 0);
	ck_assert_int_eq(kept, 0);
	ck_assert_int_eq(txmgr_drop_unsent(c.tm, NULL, &dropped, &kept), 0);
	ck_assert_int_eq(dropped, 1);
	ck_assert_int_eq(kept, 1);	/* pay:1: broadcast, not yet polled */
	status_of(c.tm, "pay:2", &t);
	ck_assert_int_eq(t.status, TXMGR_DROPPED);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 1);
	/* the nonce is reused: no gap */
	intent_pay(&in, "pay:3", c.key, &c.to, 3, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.nonce, 1);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);

	/* a row whose send was attempted may be at a node: kept */
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		tm = child_txmgr(c.ci, &k2, 5, &d, &r);
		intent_pay(&in, "pay:4", c.key, &c.to, 4, 2);
		txmgr_submit(tm, &in, NULL, NULL);
		_exit(0);
	}
	wait_killed(pid);
	ck_assert_int_eq(txmgr_drop_unsent(c.tm, NULL, &dropped, &kept), 0);
	ck_assert_int_eq(dropped, 0);
	ck_assert_int_eq(kept, 1);
	ck_assert_int_eq(txmgr_recover(c.tm), 0);
	ck_assert_int_eq(settle(c.tm, 100), 0);
	status_of(c.tm, "pay:4", &t);
	ck_assert_int_eq(t.status, TXMGR_MINED);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 3);

	/* held intents are recorded but never sent, then dropped */
	ck_assert_int_eq(txmgr_hold(c.tm, "order:"), 0);
	intent_pay(&in, "order:9", c.key, &c.to, 9, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	ck_assert_int_eq(t.send_attempts, 0);
	ck_assert_int_eq(txmgr_poll(c.tm, NULL), 0);
	ck_assert_int_eq(txmgr_get(c.tm, t.id, &t), 1);
	ck_assert_int_eq(t.send_attempts, 0);
	ck_assert_int_eq(txmgr_drop_unsent(c.tm, "order:", &dropped, &kept), 0);
	ck_assert_int_eq(dropped, 1);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 3);
	ck_assert_int_eq(txmgr_hold(c.tm, NULL), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 3);
	ctx_close(&c);
}
END_TEST

/*
 * The fast record signs with the nonce this manager wrote last. Another
 * manager on the same wallet (a second process) moves the nonce on, or
 * an emergency drop moves it back: the guess is then wrong, the record
 * notices in the same statement, and the locked path signs again with
 * the right nonce. No gap, no duplicate, every hash the one mined.
 */
START_TEST(test_nonce_guess_stale)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t;
	struct txmgr		*tm2;
	struct db		*d2;
	int			 dropped, kept;

	REQUIRE_ALL();
	ctx_open(&c, "guess", 5);
	d2 = db_open(c.ci);
	ck_assert_ptr_nonnull(tm2 = txmgr_new(d2, c.rpc, &c.o));
	ck_assert_int_eq(txmgr_add_key(tm2, c.key, NULL), 0);

	intent_pay(&in, "pay:a", c.key, &c.to, 1, 2);
	submit_ok(c.tm, &in, &t);		/* locked path: first use */
	ck_assert_uint_eq(t.nonce, 0);
	intent_pay(&in, "pay:b", c.key, &c.to, 2, 0);
	submit_ok(c.tm, &in, &t);		/* fast path */
	ck_assert_uint_eq(t.nonce, 1);
	intent_pay(&in, "pay:c", c.key, &c.to, 3, 2);
	submit_ok(tm2, &in, &t);		/* the other manager */
	ck_assert_uint_eq(t.nonce, 2);
	intent_pay(&in, "pay:d", c.key, &c.to, 4, 2);
	submit_ok(c.tm, &in, &t);		/* guess 2 is stale */
	ck_assert_uint_eq(t.nonce, 3);
	ck_assert_int_eq(t.existing, 0);

	/* an unsent order of this manager is dropped by the other one
	 * (an emergency stop): the nonce goes back below the guess */
	ck_assert_int_eq(txmgr_hold(c.tm, "order:"), 0);
	intent_pay(&in, "order:1", c.key, &c.to, 5, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.nonce, 4);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	ck_assert_int_eq(txmgr_drop_unsent(tm2, "order:", &dropped, &kept), 0);
	ck_assert_int_eq(dropped, 1);
	ck_assert_int_eq(txmgr_hold(c.tm, NULL), 0);
	intent_pay(&in, "pay:e", c.key, &c.to, 6, 2);
	submit_ok(c.tm, &in, &t);		/* guess 5 is too high */
	ck_assert_uint_eq(t.nonce, 4);
	intent_pay(&in, "pay:f", c.key, &c.to, 7, 2);
	submit_ok(c.tm, &in, &t);		/* fast again */
	ck_assert_uint_eq(t.nonce, 5);

	/* an intent recorded by the other manager, submitted here as
	 * fresh (wrongly): the record collides, the existing one is
	 * returned, nothing is signed */
	intent_pay(&in, "pay:g", c.key, &c.to, 8, 2);
	submit_ok(tm2, &in, &t);
	ck_assert_uint_eq(t.nonce, 6);
	in.fresh = 1;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.existing, 1);
	ck_assert_uint_eq(t.nonce, 6);
	/* the same with a right guess: the intent's unique index refuses
	 * the fast record */
	intent_pay(&in, "pay:h", c.key, &c.to, 9, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.nonce, 7);
	in.fresh = 1;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.existing, 1);
	ck_assert_uint_eq(t.nonce, 7);

	ck_assert_int_eq(settle(c.tm, 100), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 8);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " status = 'mined'", NULL), 8);
	ck_assert_int_eq(qnum(c.db, "SELECT count(DISTINCT nonce) FROM"
	    " transactions WHERE status = 'mined'", NULL), 8);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    9);
	ck_assert_int_eq(qnum(c.db, "SELECT next_nonce FROM nonces", NULL), 8);
	txmgr_free(&tm2);
	db_free(&d2);
	ctx_close(&c);
}
END_TEST

/*
 * txmgr_prepare asks the node ahead; submit uses the answers only for
 * the very call they were asked for, from the same wallet, while young.
 */
START_TEST(test_prepare_ahead)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_prep	 p, q;
	struct txmgr_tx		 t;
	struct txmgr_error	 e;
	struct addr		 other;
	uint8_t			 okey[32];

	REQUIRE_ALL();
	ctx_open(&c, "prep", 5);
	intent_pay(&in, NULL, c.key, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &p, &e), 0);
	ck_assert(p.gas_limit >= 21000);
	ck_assert(addr_eq(&p.from, &c.a));
	/* a marked answer shows whether submit used it */
	p.gas_limit = 77777;
	in.intent = "pay:1";
	in.prep = &p;
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.gas_limit, 77777);
	/* another call (the value differs): asked again */
	intent_pay(&in, NULL, c.key, &c.to, 1, 2);
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, NULL), 0);
	q.gas_limit = 77777;
	intent_pay(&in, "pay:2", c.key, &c.to, 2, 2);
	in.prep = &q;
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_ne(t.gas_limit, 77777);
	/* too old: asked again */
	intent_pay(&in, NULL, c.key, &c.to, 3, 2);
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, NULL), 0);
	q.gas_limit = 77777;
	q.at_ms -= TXMGR_PREP_MAX_AGE_MS + 1;
	in.intent = "pay:3";
	in.prep = &q;
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_ne(t.gas_limit, 77777);
	/* another wallet's answer: asked again */
	fresh_wallet(c.rpc, okey, &other);
	intent_pay(&in, NULL, okey, &c.to, 4, 2);
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, NULL), 0);
	q.gas_limit = 77777;
	intent_pay(&in, "pay:4", c.key, &c.to, 4, 2);
	in.prep = &q;
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_ne(t.gas_limit, 77777);
	explicit_bzero(okey, sizeof(okey));

	/* the caller's calls ride in the same batch, each with its own
	 * answer or error */
	{
		struct rpc_batch_item	x[5];
		cJSON			*pp;
		u256			 v;
		char			 as[ADDR_STR_MAX];

		memset(x, 0, sizeof(x));
		pp = cJSON_CreateStringArray((const char *[]){
		    addr_format_lower(&c.a, as), "latest" }, 2);
		x[0].method = "eth_getBalance";
		x[0].params = pp;
		x[1].method = "eth_noSuchMethod";
		intent_pay(&in, NULL, c.key, &c.to, 5, 2);
		ck_assert_int_eq(txmgr_prepare(c.tm, &in, x, 2, &q, &e), 0);
		ck_assert_int_eq(x[0].err.kind, RPC_ERR_NONE);
		ck_assert_int_eq(rpc_parse_u256(x[0].result, "balance", &v,
		    NULL), 0);
		ck_assert(!u256_is_zero(&v));
		ck_assert_int_eq(x[1].err.kind, RPC_ERR_RPC);
		ck_assert_ptr_null(x[1].result);
		rpc_batch_clear(x, 2);
		/* and are answered when the preparation is refused */
		ck_assert_int_eq(u256_parse_units(&in.value, "2000", 18), 0);
		ck_assert_int_eq(txmgr_prepare(c.tm, &in, x, 1, &q, &e), -1);
		ck_assert_int_eq(e.code, TXMGR_E_FUNDS);
		ck_assert_int_eq(x[0].err.kind, RPC_ERR_NONE);
		ck_assert_ptr_nonnull(x[0].result);
		rpc_batch_clear(x, 2);
		ck_assert_int_eq(txmgr_prepare(c.tm, &in, x, 5, &q, &e), -1);
		ck_assert_int_eq(e.code, TXMGR_E_INVALID);
		cJSON_Delete(pp);
	}

	/* bad input and refusals, as submit reports them */
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, NULL, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	ck_assert_int_eq(txmgr_prepare(NULL, &in, NULL, 0, &q, &e), -1);
	ck_assert_int_eq(txmgr_prepare(c.tm, NULL, NULL, 0, &q, NULL), -1);
	in.type = 1;
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	random_addr(&other);
	intent_pay(&in, NULL, NULL, &c.to, 1, 2);
	in.from = &other;
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_NOKEY);
	intent_pay(&in, NULL, c.key, &c.to, 0, 2);
	ck_assert_int_eq(u256_parse_units(&in.value, "2000", 18), 0);
	/* 2,000 BNB: more than it has */
	ck_assert_int_eq(txmgr_prepare(c.tm, &in, NULL, 0, &q, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_FUNDS);

	ck_assert_int_eq(settle(c.tm, 100), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 4);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions WHERE"
	    " status = 'mined'", NULL), 4);
	ctx_close(&c);
}
END_TEST

/* During an emergency stop: no new order transaction, no replacement
 * of one; an in-flight one can be cancelled; funds operations go on. */
START_TEST(test_emergency_cancel)
{
	struct ctx		 c;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, cx, o;
	struct txmgr_error	 e;
	struct rpc_error	 re;
	u256			 base0, ten = u256_from_u64(10 * GWEI);
	u256			 one = u256_from_u64(GWEI), bal;
	int			 left;

	REQUIRE_ALL();
	ctx_open(&c, "emerg", 2);
	base0 = latest_base_fee(c.rpc);
	automine(c.rpc, 0);
	next_base_fee(c.rpc, &ten);
	intent_pay(&in, "order:1", c.key, &c.to, 5, 2);
	in.max_fee = in.max_priority_fee = &one;
	submit_ok(c.tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_BROADCAST);
	ck_assert_int_eq(db_exec(c.db, "UPDATE emergency_state SET active ="
	    " true, reason = 'drill', actor = 'check_txmgr', at = now()", 0,
	    NULL), 0);

	intent_pay(&in, "order:2", c.key, &c.to, 5, 2);
	ck_assert_int_eq(txmgr_submit(c.tm, &in, &o, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_EMERGENCY);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    1);
	/* stuck, but an order may not be replaced now */
	mine(c.rpc, 2);
	ck_assert_int_eq(txmgr_poll(c.tm, &left), 0);
	ck_assert_int_eq(left, 1);
	status_of(c.tm, "order:1", &o);
	ck_assert_int_eq(o.status, TXMGR_BROADCAST);
	ck_assert_ptr_nonnull(strstr(o.error, "emergency"));
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    1);

	/* cancel it: a 0-value self-transfer on the same nonce */
	ck_assert_msg(txmgr_cancel(c.tm, "order:1", &cx, &e) == 0, "%s",
	    e.msg);
	ck_assert_str_eq(cx.intent, "cancel:1");
	ck_assert_int_eq(cx.replaces, t.id);
	ck_assert_uint_eq(cx.nonce, t.nonce);
	ck_assert(addr_eq(&cx.to, &c.a));
	ck_assert_int_eq(cx.status, TXMGR_BROADCAST);
	ck_assert_int_eq(txmgr_cancel(c.tm, "order:1", NULL, &e), -1);
	ck_assert_int_eq(e.code, TXMGR_E_INVALID);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	ck_assert_int_eq(txmgr_get(c.tm, cx.id, &cx), 1);
	ck_assert_int_eq(cx.status, TXMGR_MINED);
	status_of(c.tm, "order:1", &o);
	ck_assert_int_eq(o.status, TXMGR_DROPPED);
	assert_no_receipt(c.rpc, t.hash);
	ck_assert_int_eq(rpc_get_balance(c.rpc, c.to.b, "latest", &bal, &re),
	    0);
	ck_assert(u256_is_zero(&bal));	/* the order never paid */
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);

	/* funds operations still work, on the next nonce */
	intent_pay(&in, "sweep:1", c.key, &c.to, 77, 2);
	submit_ok(c.tm, &in, &t);
	ck_assert_uint_eq(t.nonce, 1);
	ck_assert_int_eq(settle(c.tm, 50), 0);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	ck_assert_int_eq(txmgr_cancel(c.tm, "sweep:1", NULL, &e), -1);
	next_base_fee(c.rpc, &base0);
	mine(c.rpc, 1);
	ctx_close(&c);
}
END_TEST

/* ---- a send that times out but was delivered ----------------------------- */

struct proxy {
	char	url[256];
	int	cut_sends;	/* answer eth_sendRawTransaction by hanging up */
};

static size_t
proxy_write(char *p, size_t sz, size_t n, void *arg)
{
	char	**b = arg;
	size_t	  old = *b ? strlen(*b) : 0, add = sz * n;
	char	 *nb = realloc(*b, old + add + 1);

	if (nb == NULL)
		return 0;
	memcpy(nb + old, p, add);
	nb[old + add] = '\0';
	*b = nb;
	return add;
}

/* Forward every request to the chain; hang up on sends after
 * forwarding them: "delivered, but no answer". */
static int
proxy_handler(void *arg, const struct httpstub_req *req,
    struct httpstub_resp *resp)
{
	struct proxy		*px = arg;
	CURL			*cu;
	struct curl_slist	*h = NULL;
	char			*body = NULL;

	if ((cu = curl_easy_init()) == NULL)
		return -1;
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(cu, CURLOPT_URL, px->url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)req->bodylen);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, proxy_write);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, 10000L);
	if (curl_easy_perform(cu) != CURLE_OK) {
		free(body);
		body = NULL;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	if (px->cut_sends && strstr(req->body, "eth_sendRawTransaction")) {
		free(body);
		resp->close_no_reply = 1;
		return 0;
	}
	if (body == NULL)
		return -1;
	resp->headers = "Content-Type: application/json\r\n";
	resp->body = body;
	resp->body_free = 1;
	return 0;
}

START_TEST(test_send_maybe_delivered)
{
	struct ctx		 c;
	struct proxy		 px;
	struct httpstub		*hs;
	struct rpc		*r;
	struct txmgr		*tm;
	struct txmgr_intent	 in;
	struct txmgr_tx		 t, t2;
	int			 left;

	REQUIRE_ALL();
	ctx_open(&c, "maybe", 5);
	memset(&px, 0, sizeof(px));
	snprintf(px.url, sizeof(px.url), "%s", getenv("BSC_TEST_RPC"));
	px.cut_sends = 1;
	ck_assert_ptr_nonnull(hs = httpstub_new());
	httpstub_set_handler(hs, proxy_handler, &px);
	ck_assert_ptr_nonnull(r = rpc_open(httpstub_url(hs), 0, 5000));
	ck_assert_ptr_nonnull(tm = txmgr_new(c.db, r, NULL));
	intent_pay(&in, "pay:1", c.key, &c.to, 1, 2);
	submit_ok(tm, &in, &t);
	ck_assert_int_eq(t.existing, 0);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);	/* no answer */
	ck_assert_int_eq(t.send_attempts, 1);
	ck_assert_ptr_nonnull(strstr(t.error, "may have been delivered"));
	/* it was delivered (and mined, automine) */
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);
	/* submitting again signs nothing */
	submit_ok(tm, &in, &t2);
	ck_assert_int_eq(t2.existing, 1);
	ck_assert_int_eq(t2.id, t.id);
	/* the poll finds the receipt */
	ck_assert_int_eq(txmgr_poll(tm, &left), 0);
	ck_assert_int_eq(left, 0);
	ck_assert_int_eq(txmgr_get(tm, t.id, &t2), 1);
	ck_assert_int_eq(t2.status, TXMGR_MINED);
	ck_assert_int_eq(qnum(c.db, "SELECT count(*) FROM transactions", NULL),
	    1);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 1);

	/* the same when mining is paused: the poll sends the same bytes
	 * again ("already known") and it is mined once */
	automine(c.rpc, 0);
	intent_pay(&in, "pay:2", c.key, &c.to, 2, 0);
	submit_ok(tm, &in, &t);
	ck_assert_int_eq(t.status, TXMGR_SIGNED);
	px.cut_sends = 0;
	ck_assert_int_eq(txmgr_poll(tm, &left), 0);
	ck_assert_int_eq(txmgr_get(tm, t.id, &t2), 1);
	ck_assert_int_eq(t2.status, TXMGR_BROADCAST);
	ck_assert_int_eq(t2.send_attempts, 2);
	mine(c.rpc, 1);
	automine(c.rpc, 1);
	ck_assert_int_eq(settle(tm, 100), 0);
	assert_mined_on_chain(c.rpc, t.hash, 1, &c.a);
	ck_assert_uint_eq(chain_nonce(c.rpc, &c.a), 2);
	txmgr_free(&tm);
	rpc_free(&r);
	httpstub_free(&hs);
	ctx_close(&c);
}
END_TEST

/* ---- config glue --------------------------------------------------------- */

START_TEST(test_chain_glue)
{
	struct config		*cfg;
	struct rpc		*r;
	struct txmgr_opts	 o;
	char			 err[256];

	cfg = config_parse("[chain]\nchain_id = 97\n"
	    "rpc_urls = http://127.0.0.1:1, http://127.0.0.1:2\n"
	    "rpc_timeout_ms = 700\ngas_margin_pct = 40\n"
	    "replace_after_blocks = 9\n", "t.conf", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_ptr_nonnull(r = chain_rpc_new(cfg));
	ck_assert_int_eq(rpc_endpoint_count(r), 2);
	rpc_free(&r);
	chain_txmgr_opts(cfg, &o);
	ck_assert_uint_eq(o.chain_id, 97);
	ck_assert_int_eq(o.gas_margin_pct, 40);
	ck_assert_int_eq(o.replace_after_blocks, 9);
	ck_assert_int_eq(o.max_replacements, 5);
	config_free(&cfg);
	cfg = config_parse("[chain]\nchain_id = 56\n", "t.conf", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_null(chain_rpc_new(cfg));
	config_free(&cfg);
}
END_TEST

static Suite *
txmgr_suite(void)
{
	Suite	*s = suite_create("txmgr");
	TCase	*tc;

	tc = tcase_create("unit");
	tcase_add_test(tc, test_chain_glue);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_chain, NULL);
	tcase_add_unchecked_fixture(tc, NULL, setup_chain);
	tcase_add_test(tc, test_sign_and_mine);
	tcase_add_test(tc, test_twenty_at_once);
	tcase_add_test(tc, test_stuck_replaced_1559);
	tcase_add_test(tc, test_stuck_replaced_legacy);
	tcase_add_test(tc, test_replacement_capped);
	tcase_add_test(tc, test_crash_in_replacement_original_wins);
	tcase_add_test(tc, test_crash_after_record);
	tcase_add_test(tc, test_crash_before_send);
	tcase_add_test(tc, test_crash_after_send_unrecorded);
	tcase_add_test(tc, test_crash_after_broadcast);
	tcase_add_test(tc, test_crash_before_receipt_recorded);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_revert_recorded);
	tcase_add_test(tc, test_nonce_too_low_on_submit);
	tcase_add_test(tc, test_nonce_taken_while_pending);
	tcase_add_test(tc, test_underpriced_bumps);
	tcase_add_test(tc, test_rpc_down);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_drop_unsent);
	tcase_add_test(tc, test_nonce_guess_stale);
	tcase_add_test(tc, test_prepare_ahead);
	tcase_add_test(tc, test_emergency_cancel);
	tcase_add_test(tc, test_send_maybe_delivered);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* TXMGR_VERBOSE=1 shows the manager's own log lines */
	log_init("check_txmgr", getenv("TXMGR_VERBOSE") != NULL ?
	    LOG_LVL_DEBUG : LOG_LVL_ERROR, 0);
	sr = srunner_create(txmgr_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
