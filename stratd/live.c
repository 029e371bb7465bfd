/*
 * live.c: live mode's executions on chain (see live.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "chain.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "keccak.h"
#include "keystore.h"
#include "live.h"
#include "log.h"
#include "rpc.h"

#define MAX_TOKENS	32

struct approval {
	struct addr	token;
	int		approved;	/* allowance known to be ample */
	char		intent[TXMGR_INTENT_MAX + 1];	/* the latest */
	long long	sent_ms;	/* when it was submitted */
};

#define REAPPROVE_MS	30000	/* a mined approval the node does not show
				 * yet: wait this long before another */

struct live {
	struct db	*db;
	struct rpc	*rpc;
	struct txmgr	*tm;
	struct addr	 wallet;
	struct addr	 router;
	int		 ready;
	char		 why[256];
	uint64_t	 swap_gas_min;
	struct approval	 appr[MAX_TOKENS];
	int		 nappr;
	long long	 poll_after_ms;	/* backoff of a failing node */
	int		 poll_backoff_ms;
	long long	 signed_us;
	uint64_t	 signed_wire_us;
	/* live_warm's answers for the next swap: its token balance and
	 * txmgr_prepare's for its call */
	int		 warm;
	int		 warm_has_balance;	/* not yet used */
	long long	 warm_ms;
	struct addr	 warm_token;
	u256		 warm_balance;
	struct txmgr_prep warm_prep;
};

static long long
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
hook(void *arg, enum txmgr_point p, const struct txmgr_tx *tx)
{
	struct live	*l = arg;

	if (p == TXMGR_AT_RECORDED) {
		l->signed_us = mono_us();
		l->signed_wire_us = rpc_wire_us(l->rpc);
	}
	(void)tx;
}

/* One pass over the endpoints, no retry rounds (see live.h). */
static struct rpc *
bounded_rpc(const struct config *cfg)
{
	struct rpc_opts	o;
	int		i;

	rpc_opts_init(&o);
	for (i = 0; i < cfg->chain.nrpc_urls && i < RPC_MAX_ENDPOINTS; i++)
		o.urls[i] = cfg->chain.rpc_urls[i];
	o.nurls = i;
	o.send_url = cfg->chain.rpc_send_url;
	o.timeout_ms = cfg->chain.rpc_timeout_ms;
	if (o.connect_timeout_ms > o.timeout_ms)
		o.connect_timeout_ms = o.timeout_ms;
	o.retries = 0;
	o.budget_ms = o.timeout_ms * (o.nurls + (o.send_url != NULL));
	return rpc_new(&o);
}

static int
load_key(struct live *l, const struct config *cfg)
{
	struct keystore_error	 ke;
	char			 path[1024], *pw;
	uint8_t			 key[32], a[20];
	int			 rc;

	if (cfg->wallets.password_file == NULL) {
		snprintf(l->why, sizeof(l->why), "[wallets] password_file is "
		    "not set: cannot open the trading wallet");
		return -1;
	}
	if (keystore_find(cfg->wallets.keystore_dir, cfg->strat.wallet, path,
	    sizeof(path), &ke) == -1) {
		snprintf(l->why, sizeof(l->why), "trading wallet '%s': %s",
		    cfg->strat.wallet, ke.msg);
		return -1;
	}
	if ((pw = keystore_read_password_file(cfg->wallets.password_file,
	    &ke)) == NULL) {
		snprintf(l->why, sizeof(l->why), "password file: %s", ke.msg);
		return -1;
	}
	rc = keystore_read(path, pw, key, a, &ke);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (rc == -1) {
		explicit_bzero(key, sizeof(key));
		snprintf(l->why, sizeof(l->why), "trading wallet %s: %s", path,
		    ke.msg);
		return -1;
	}
	rc = txmgr_add_key(l->tm, key, &l->wallet);
	explicit_bzero(key, sizeof(key));
	if (rc == -1) {
		snprintf(l->why, sizeof(l->why), "trading wallet: the key was "
		    "refused");
		return -1;
	}
	return 0;
}

struct live *
live_new(const struct config *cfg)
{
	struct live		*l = calloc(1, sizeof(*l));
	struct txmgr_opts	 o;
	char			 a[ADDR_STR_MAX];

	if (l == NULL)
		return NULL;
	l->swap_gas_min = (uint64_t)cfg->strat.swap_gas_min;
	if (cfg->strat.wallet == NULL) {
		snprintf(l->why, sizeof(l->why), "no trading wallet: set "
		    "[stratd] wallet for live mode");
		return l;
	}
	if (cfg->chain.nrpc_urls < 1 || cfg->chain.router == NULL ||
	    addr_parse(&l->router, cfg->chain.router) == -1) {
		snprintf(l->why, sizeof(l->why), "live mode needs [chain] "
		    "rpc_urls and router");
		return l;
	}
	if ((l->rpc = bounded_rpc(cfg)) == NULL) {
		snprintf(l->why, sizeof(l->why), "[chain] rpc_urls refused");
		return l;
	}
	if ((l->db = db_new(cfg->database.url, cfg->database.connect_timeout_s,
	    cfg->database.statement_timeout_ms, "stratd-txmgr")) == NULL) {
		snprintf(l->why, sizeof(l->why), "out of memory");
		return l;
	}
	db_connect(l->db);	/* not fatal: db_ensure retries */
	chain_txmgr_opts(cfg, &o);
	o.hook = hook;
	o.hook_arg = l;
	if ((l->tm = txmgr_new(l->db, l->rpc, &o)) == NULL) {
		snprintf(l->why, sizeof(l->why), "transaction manager: bad "
		    "[chain] options");
		return l;
	}
	if (load_key(l, cfg) == -1) {
		log_warnx("live mode unavailable: %s", l->why);
		return l;
	}
	l->ready = 1;
	log_info("trading wallet loaded address=%s router=%s",
	    addr_format(&l->wallet, a), cfg->chain.router);
	return l;
}

void
live_free(struct live **lp)
{
	struct live	*l;

	if (lp == NULL || (l = *lp) == NULL)
		return;
	txmgr_free(&l->tm);
	rpc_free(&l->rpc);
	db_free(&l->db);
	free(l);
	*lp = NULL;
}

int
live_ready(const struct live *l)
{
	return l != NULL && l->ready;
}

const char *
live_why(const struct live *l)
{
	return l == NULL ? "no memory" : l->ready ? "" : l->why;
}

const struct addr *
live_wallet(const struct live *l)
{
	return &l->wallet;
}

struct txmgr *
live_txmgr(struct live *l)
{
	return l != NULL ? l->tm : NULL;
}

void
live_last_signed(const struct live *l, long long *at_us, uint64_t *wire_us)
{
	*at_us = l != NULL ? l->signed_us : 0;
	*wire_us = l != NULL ? l->signed_wire_us : 0;
}

uint64_t
live_wire_us(const struct live *l)
{
	return l != NULL && l->rpc != NULL ? rpc_wire_us(l->rpc) : 0;
}

int
live_start(struct live *l, int halted)
{
	int	dropped = 0, kept = 0;

	if (!live_ready(l))
		return 0;
	if (halted) {
		txmgr_hold(l->tm, "");
		txmgr_drop_unsent(l->tm, "order:", &dropped, &kept);
		txmgr_drop_unsent(l->tm, "approve:", NULL, NULL);
		log_warnx("emergency stop in force: sending nothing "
		    "orders_dropped=%d orders_kept=%d", dropped, kept);
	}
	if (txmgr_recover(l->tm) == -1) {
		log_warnx("transaction recovery incomplete (node or database "
		    "down): the poll carries on");
		return -1;
	}
	return 0;
}

void
live_halt(struct live *l, int *dropped, int *kept, int *cancelled)
{
	struct txmgr_tx		 tx;
	struct txmgr_error	 err;
	PGresult		*r;
	char			 wb[ADDR_STR_MAX];
	const char		*p[1];
	int			 d = 0, k = 0, c = 0, i;

	if (!live_ready(l))
		goto out;
	/* Orders first: nothing of them may leave from now on. */
	txmgr_hold(l->tm, "order:");
	txmgr_drop_unsent(l->tm, "order:", &d, &k);
	txmgr_drop_unsent(l->tm, "approve:", NULL, NULL);
	/* What may be in a node's pool: replace it by a self-transfer. */
	p[0] = addr_format_lower(&l->wallet, wb);
	if (k > 0 && db_ensure(l->db) == 0 && (r = db_query(l->db, "SELECT "
	    "DISTINCT intent FROM transactions WHERE wallet = $1 AND intent "
	    "LIKE 'order:%' AND status IN ('signed', 'broadcast')", 1,
	    p)) != NULL) {
		for (i = 0; i < PQntuples(r); i++) {
			if (txmgr_cancel(l->tm, PQgetvalue(r, i, 0), &tx,
			    &err) == 0)
				c++;
			else
				log_warnx("emergency: cannot cancel intent=%s "
				    "error=\"%s\"", PQgetvalue(r, i, 0),
				    err.msg);
		}
		PQclear(r);
	}
	/* Then nothing at all: receipts are still recorded. */
	txmgr_hold(l->tm, "");
	log_warnx("emergency: transactions held orders_dropped=%d "
	    "orders_in_flight=%d cancels_sent=%d", d, k, c);
out:
	if (dropped != NULL)
		*dropped = d;
	if (kept != NULL)
		*kept = k;
	if (cancelled != NULL)
		*cancelled = c;
}

void
live_release(struct live *l)
{
	if (live_ready(l)) {
		txmgr_hold(l->tm, NULL);
		log_info("emergency stop cleared: transactions may be sent");
	}
}

int
live_poll(struct live *l, int *inflight)
{
	struct timespec	ts;
	long long	now;

	if (inflight != NULL)
		*inflight = 0;
	if (!live_ready(l))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now < l->poll_after_ms)
		return -1;
	if (txmgr_poll(l->tm, inflight) == -1) {
		l->poll_backoff_ms = l->poll_backoff_ms ?
		    l->poll_backoff_ms * 2 : 500;
		if (l->poll_backoff_ms > 30000)
			l->poll_backoff_ms = 30000;
		l->poll_after_ms = now + l->poll_backoff_ms;
		return -1;
	}
	l->poll_backoff_ms = 0;
	l->poll_after_ms = 0;
	return 0;
}

/* The read-only call of data to to, from the wallet (borrows both). */
static void
callmsg_of(const struct live *l, const struct addr *to,
    const struct abi_buf *data, struct rpc_callmsg *m)
{
	memset(m, 0, sizeof(*m));
	m->from = l->wallet.b;
	m->to = to->b;
	m->data = data->data;
	m->datalen = data->len;
}

/* eth_call to on the latest block; *out malloc'd. */
static int
call(struct live *l, const struct addr *to, const struct abi_buf *data,
    uint8_t **out, size_t *outlen)
{
	struct rpc_callmsg	m;

	callmsg_of(l, to, data, &m);
	return rpc_eth_call(l->rpc, &m, "latest", out, outlen, NULL);
}

static int
read_uint(struct live *l, const struct addr *to, struct abi_buf *data,
    u256 *v)
{
	uint8_t	*out = NULL;
	size_t	 n;
	int	 rc = -1;

	if (call(l, to, data, &out, &n) == 0 &&
	    abi_decode_uint256(out, n, v) == 0)
		rc = 0;
	free(out);
	abi_buf_free(data);
	return rc;
}

/* live_warm's answers, if any, are young enough for this swap's
 * submission (txmgr_prepare's limit). */
static int
warm_fresh(const struct live *l)
{
	long long	age;

	if (!l->warm)
		return 0;
	age = daemon_now_ms() - l->warm_ms;
	return age >= 0 && age <= TXMGR_PREP_MAX_AGE_MS;
}

int
live_balance(struct live *l, const struct addr *token, u256 *v)
{
	struct abi_buf	b = { NULL, 0 };

	if (!live_ready(l))
		return -1;
	if (warm_fresh(l) && l->warm_has_balance &&
	    addr_eq(&l->warm_token, token)) {
		l->warm_has_balance = 0;	/* once: for the warmed swap */
		*v = l->warm_balance;
		return 0;
	}
	if (abi_call_balance_of(&b, &l->wallet) == -1)
		return -1;
	return read_uint(l, token, &b, v);
}

static struct approval *
approval_of(struct live *l, const struct addr *token)
{
	int	i;

	for (i = 0; i < l->nappr; i++)
		if (addr_eq(&l->appr[i].token, token))
			return &l->appr[i];
	if (l->nappr == MAX_TOKENS)
		return NULL;
	memset(&l->appr[l->nappr], 0, sizeof(l->appr[0]));
	l->appr[l->nappr].token = *token;
	return &l->appr[l->nappr++];
}

int
live_approval(struct live *l, const struct addr *token, const u256 *amount,
    char *why, size_t whylen)
{
	struct approval		*a;
	struct abi_buf		 b = { NULL, 0 };
	struct txmgr_intent	 in;
	struct txmgr_tx		 tx;
	struct txmgr_error	 err;
	struct timespec		 ts;
	char			 intent[TXMGR_INTENT_MAX + 1], ta[ADDR_STR_MAX];
	char			 ra[ADDR_STR_MAX];
	u256			 allowance, ample, max;
	long long		 now;
	int			 k, rc;

	if (!live_ready(l) || (a = approval_of(l, token)) == NULL)
		return -1;
	if (a->approved)
		return LIVE_APPROVED;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	addr_format_lower(token, ta);
	addr_format_lower(&l->router, ra);
	if (a->intent[0] != '\0')
		snprintf(intent, sizeof(intent), "%s", a->intent);
	else
		snprintf(intent, sizeof(intent), "approve:%s:%s", ta, ra);
	if ((k = txmgr_status(l->tm, intent, &tx)) == -1)
		return -1;
	if (k == 1 && (tx.status == TXMGR_SIGNED ||
	    tx.status == TXMGR_BROADCAST || tx.status == TXMGR_REPLACED))
		return LIVE_APPROVING;
	if (k == 1 && tx.status == TXMGR_FAILED && tx.has_block) {
		snprintf(why, whylen, "approval %s reverted: %s", intent,
		    tx.revert_reason[0] ? tx.revert_reason : "no reason");
		return LIVE_APPROVE_FAILED;
	}
	if (abi_call_allowance(&b, &l->wallet, &l->router) == -1 ||
	    read_uint(l, token, &b, &allowance) == -1)
		return -1;
	/* 2^128: an allowance nobody spends down in practice. */
	ample.w[0] = ample.w[1] = 0;
	ample.w[2] = 1;
	ample.w[3] = 0;
	if (u256_cmp(&allowance, &ample) >= 0)
		a->approved = 1;
	if (u256_cmp(&allowance, amount) >= 0)
		return LIVE_APPROVED;
	if (k == 1) {
		/*
		 * An approval of this intent exists and the allowance is
		 * short all the same: mined and the node not showing it
		 * yet (wait a little), revoked, or from another chain's
		 * history. Approving again is harmless (approve sets the
		 * allowance); it takes a new intent.
		 */
		if (a->sent_ms > 0 && now - a->sent_ms < REAPPROVE_MS)
			return LIVE_APPROVING;
		snprintf(intent, sizeof(intent), "approve:%s:%s:%lld", ta, ra,
		    (long long)time(NULL));
	}
	max.w[0] = max.w[1] = max.w[2] = max.w[3] = UINT64_MAX;
	if (abi_call_approve(&b, &l->router, &max) == -1)
		return -1;
	memset(&in, 0, sizeof(in));
	in.intent = intent;
	in.from = &l->wallet;
	in.to = *token;
	in.data = b.data;
	in.data_len = b.len;
	in.type = 0;
	rc = txmgr_submit(l->tm, &in, &tx, &err);
	abi_buf_free(&b);
	if (rc == -1) {
		if (err.code == TXMGR_E_RPC || err.code == TXMGR_E_DB)
			return -1;
		snprintf(why, whylen, "approval of %s refused: %s%s%s", ta,
		    err.msg, err.reason[0] ? ": " : "", err.reason);
		return LIVE_APPROVE_FAILED;
	}
	snprintf(a->intent, sizeof(a->intent), "%s", intent);
	a->sent_ms = now;
	log_info("approval submitted intent=%s tx_id=%lld", intent,
	    (long long)tx.id);
	return LIVE_APPROVING;
}

/* The transaction of swap s (its call data in *b, freed by the caller).
 * Returns 0, or -1 out of memory. */
static int
swap_intent(struct live *l, const struct live_swap *s, struct abi_buf *b,
    struct txmgr_intent *in)
{
	struct addr	path[2];

	path[0] = s->token_in;
	path[1] = s->token_out;
	if (abi_call_swap_exact_tokens_for_tokens(b, &s->amount_in,
	    &s->amount_out_min, path, 2, &l->wallet, s->deadline) == -1)
		return -1;
	memset(in, 0, sizeof(*in));
	in->intent = s->intent;
	in->from = &l->wallet;
	in->to = l->router;
	in->data = b->data;
	in->data_len = b->len;
	in->type = 0;
	in->min_gas_limit = l->swap_gas_min;
	in->fresh = s->fresh;
	return 0;
}

int
live_warm(struct live *l, const struct live_swap *s)
{
	struct abi_buf		 b = { NULL, 0 }, bc = { NULL, 0 };
	struct txmgr_intent	 in;
	struct approval		*a;
	struct rpc_batch_item	 bo;
	struct rpc_callmsg	 m;
	cJSON			*p = NULL;
	uint8_t			*out = NULL;
	size_t			 n = 0;
	int			 rc = -1;

	l->warm = 0;
	if (!live_ready(l) || (a = approval_of(l, &s->token_in)) == NULL ||
	    !a->approved)
		return -1;	/* an approval may be due: the submit's path */
	/* the token balance rides in txmgr's batch: one round trip */
	memset(&bo, 0, sizeof(bo));
	if (abi_call_balance_of(&bc, &l->wallet) == -1 ||
	    swap_intent(l, s, &b, &in) == -1)
		goto out;
	callmsg_of(l, &s->token_in, &bc, &m);
	if ((bo.params = p = rpc_callmsg_params(&m, "latest")) == NULL)
		goto out;
	bo.method = "eth_call";
	if (txmgr_prepare(l->tm, &in, &bo, 1, &l->warm_prep, NULL) == -1 ||
	    bo.result == NULL || bo.err.kind != RPC_ERR_NONE ||
	    rpc_parse_data(bo.result, "result", &out, &n, NULL) == -1)
		goto out;
	if (abi_decode_uint256(out, n, &l->warm_balance) == 0) {
		l->warm_token = s->token_in;
		l->warm_ms = daemon_now_ms();
		l->warm = 1;
		l->warm_has_balance = 1;
		rc = 0;
	}
out:
	free(out);
	rpc_batch_clear(&bo, 1);
	cJSON_Delete(p);
	abi_buf_free(&bc);
	abi_buf_free(&b);
	return rc;
}

int
live_submit(struct live *l, const struct live_swap *s, struct txmgr_tx *tx,
    struct txmgr_error *err)
{
	struct abi_buf		 b = { NULL, 0 };
	struct txmgr_intent	 in;
	int			 rc;

	memset(err, 0, sizeof(*err));
	if (!live_ready(l)) {
		err->code = TXMGR_E_NOKEY;
		snprintf(err->msg, sizeof(err->msg), "%s", l->why);
		return -1;
	}
	if (swap_intent(l, s, &b, &in) == -1) {
		l->warm = 0;
		err->code = TXMGR_E_INTERNAL;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	/* txmgr uses the answers only for this very call */
	if (warm_fresh(l))
		in.prep = &l->warm_prep;
	rc = txmgr_submit(l->tm, &in, tx, err);
	l->warm = 0;
	abi_buf_free(&b);
	return rc;
}

int
live_status(struct live *l, const char *intent, struct txmgr_tx *tx)
{
	if (!live_ready(l))
		return -1;
	return txmgr_status(l->tm, intent, tx);
}

/* keccak256("Transfer(address,address,uint256)") */
static const uint8_t transfer_topic[32] = {
	0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68,
	0xfc, 0x37, 0x8d, 0xaa, 0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16,
	0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef
};

/* Is the 32-byte topic the address a (left-padded)? */
static int
topic_is(const uint8_t t[32], const struct addr *a)
{
	static const uint8_t	zero[12];

	return memcmp(t, zero, 12) == 0 && memcmp(t + 12, a->b, 20) == 0;
}

int
live_receipt(struct live *l, const struct txmgr_tx *tx,
    const struct addr *tin, const struct addr *tout, u256 *in, u256 *out)
{
	struct rpc_receipt	*rc = NULL;
	size_t			 i;
	u256			 v;

	*in = *out = u256_from_u64(0);
	if (!live_ready(l) || rpc_get_receipt(l->rpc, tx->hash, &rc,
	    NULL) == -1 || rc == NULL)
		return -1;
	for (i = 0; i < rc->nlogs; i++) {
		const struct rpc_log	*g = &rc->logs[i];

		if (g->ntopics != 3 || memcmp(g->topics[0], transfer_topic,
		    32) != 0 || u256_from_be(&v, g->data, g->datalen) == -1)
			continue;
		if (memcmp(g->address, tin->b, 20) == 0 &&
		    topic_is(g->topics[1], &l->wallet))
			u256_add(in, in, &v);
		if (memcmp(g->address, tout->b, 20) == 0 &&
		    topic_is(g->topics[2], &l->wallet))
			u256_add(out, out, &v);
	}
	rpc_receipt_free(&rc);
	return u256_is_zero(out) ? -2 : 0;
}
