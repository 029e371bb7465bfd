/*
 * ledger.c: the trading engine's records (see ledger.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "db.h"
#include "grid.h"
#include "ledger.h"

static void
lltoa(long long v, char buf[24])
{
	snprintf(buf, 24, "%lld", v);
}

int
ledger_insert_order(struct db *d, const struct ledger_order *o, long long *id)
{
	char		 sb[24], cb[24], lv[16], cs[24], go[24], amt[U256_DEC_MAX];
	char		 out[32];
	const char	*p[15];

	lltoa(o->strategy_id, sb);
	lltoa(o->cond_id, cb);
	snprintf(lv, sizeof(lv), "%d", o->level);
	snprintf(cs, sizeof(cs), "%llu", (unsigned long long)o->crossing_seq);
	snprintf(go, sizeof(go), "%llu", (unsigned long long)o->grid_order_id);
	p[0] = o->strategy_id > 0 ? sb : NULL;
	p[1] = o->cond_id > 0 ? cb : NULL;
	p[2] = o->symbol;
	p[3] = o->side;
	p[4] = o->kind;
	p[5] = o->mode;
	p[6] = o->level >= 0 ? lv : NULL;
	p[7] = o->level >= 0 ? cs : NULL;
	p[8] = o->grid_order_id > 0 ? go : NULL;
	p[9] = o->grid_kind;
	p[10] = u256_to_dec(&o->amount_in, amt);
	p[11] = o->price;
	p[12] = o->status;
	p[13] = o->error;
	p[14] = NULL;
	if (db_query_value(d, out, sizeof(out), "INSERT INTO orders "
	    "(strategy_id, conditional_order_id, symbol, side, kind, mode, "
	    "level, crossing_seq, grid_order_id, grid_kind, amount_in, price, "
	    "status, error) VALUES ($1, $2, $3, $4, $5, $6, $7::integer, "
	    "$8::bigint, $9::bigint, $10, $11::numeric, $12::numeric, $13, $14)"
	    " RETURNING id", 14, p) != 1)
		return -1;
	*id = strtoll(out, NULL, 10);
	return 0;
}

/* Append "x" to a '{..}' array literal being built in a cJSON-free way. */
static int
arr_add(char **buf, size_t *len, size_t *cap, const char *item, int quote)
{
	size_t	n = strlen(item) + 4;
	char	*t;

	if (*len + n + 2 > *cap) {
		size_t	nc = (*cap + n) * 2;

		if ((t = realloc(*buf, nc)) == NULL)
			return -1;
		*buf = t;
		*cap = nc;
	}
	*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s%s%s%s",
	    *len > 1 ? "," : "", quote ? "\"" : "", item, quote ? "\"" : "");
	return 0;
}

void
ledger_levels_forget(struct ledger_levels *lc)
{
	if (lc != NULL)
		lc->n = 0;
}

void
ledger_levels_free(struct ledger_levels *lc)
{
	if (lc == NULL)
		return;
	free(lc->rows);
	free(lc->next);
	memset(lc, 0, sizeof(*lc));
}

/* Level i as last written equals row? */
static int
level_same(const struct ledger_level_row *w, const struct ledger_level_row *x)
{
	return w->state == x->state && w->seq == x->seq &&
	    strcmp(w->price, x->price) == 0;
}

/*
 * The level rows of g to write, as array literals (caller frees each):
 * those that differ from what lc says was written (NULL lc: every
 * level), and the levels of the orders o[0..no) whatever they say, for
 * their rows' last_order_id. The full new picture goes to lc->next, for
 * levels_written. Returns 0 or -1.
 */
static int
level_arrays(const struct grid *g, double price, struct ledger_levels *lc,
    const struct ledger_grid_order *o, int no, char **lv, char **px,
    char **ss, char **sq)
{
	size_t	 l1 = 0, l2 = 0, l3 = 0, l4 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
	char	 num[32];
	int	 i, k, n = grid_nlevels(g), send;

	*lv = *px = *ss = *sq = NULL;
	if (arr_add(lv, &l1, &c1, "{", 0) == -1 ||
	    arr_add(px, &l2, &c2, "{", 0) == -1 ||
	    arr_add(ss, &l3, &c3, "{", 0) == -1 ||
	    arr_add(sq, &l4, &c4, "{", 0) == -1)
		return -1;
	if (lc != NULL && lc->ncap < n) {
		struct ledger_level_row	*a, *b;

		a = realloc(lc->rows, (size_t)n * sizeof(*a));
		if (a != NULL)
			lc->rows = a;
		b = realloc(lc->next, (size_t)n * sizeof(*b));
		if (b != NULL)
			lc->next = b;
		if (a == NULL || b == NULL)
			return -1;
		lc->ncap = n;
	}
	for (i = 0; i < n; i++) {
		struct ledger_level_row	 x;
		const char		*t = grid_level_text(g, i);

		x.state = grid_level_state(g, i, price);
		x.seq = grid_level_seq(g, i);
		/* a price text too long to keep is always sent */
		if (snprintf(x.price, sizeof(x.price), "%s", t) >=
		    (int)sizeof(x.price))
			x.price[0] = '\0';
		send = lc == NULL || i >= lc->n || x.price[0] == '\0' ||
		    !level_same(&lc->rows[i], &x);
		for (k = 0; !send && k < no; k++)
			send = o[k].level == i;
		if (lc != NULL)
			lc->next[i] = x;
		if (!send)
			continue;
		snprintf(num, sizeof(num), "%d", i);
		if (arr_add(lv, &l1, &c1, num, 0) == -1 ||
		    arr_add(px, &l2, &c2, t, 0) == -1 ||
		    arr_add(ss, &l3, &c3, x.state, 1) == -1)
			return -1;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)x.seq);
		if (arr_add(sq, &l4, &c4, num, 0) == -1)
			return -1;
	}
	strcat(*lv, "}");
	strcat(*px, "}");
	strcat(*ss, "}");
	strcat(*sq, "}");
	return 0;
}

/* The write of level_arrays' rows succeeded: lc now says so. */
static void
levels_written(struct ledger_levels *lc, const struct grid *g)
{
	struct ledger_level_row	*t;

	if (lc == NULL)
		return;
	t = lc->rows;
	lc->rows = lc->next;
	lc->next = t;
	lc->n = grid_nlevels(g);
}

int
ledger_save_grid(struct db *d, long long sid, const struct grid *g,
    double price, struct ledger_levels *lc)
{
	cJSON		*st;
	char		*text, ib[24], nb[16];
	char		*lv = NULL, *px = NULL, *ss = NULL, *sq = NULL;
	const char	*p[6];
	int		 rc = -1;

	if ((st = grid_state_to_json(g)) == NULL)
		return -1;
	text = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	if (text == NULL)
		return -1;
	lltoa(sid, ib);
	snprintf(nb, sizeof(nb), "%d", grid_nlevels(g));
	if (level_arrays(g, price, lc, NULL, 0, &lv, &px, &ss, &sq) == -1)
		goto out;
	p[0] = ib;
	p[1] = text;
	p[2] = lv;
	p[3] = px;
	p[4] = ss;
	p[5] = sq;
	/* one statement, as ledger_place_grid_send */
	if (db_exec(d, "WITH s AS (UPDATE strategies SET state = $2::jsonb "
	    "WHERE id = $1), l AS (INSERT INTO grid_levels (strategy_id, "
	    "level, price, state, crossing_seq) SELECT $1, l, p, s, q FROM "
	    "unnest($3::integer[], $4::numeric[], $5::text[], $6::bigint[]) "
	    "AS u(l, p, s, q) ON CONFLICT (strategy_id, level) DO UPDATE SET "
	    "price = EXCLUDED.price, state = EXCLUDED.state, crossing_seq = "
	    "EXCLUDED.crossing_seq WHERE grid_levels.price IS DISTINCT FROM "
	    "EXCLUDED.price OR grid_levels.state IS DISTINCT FROM "
	    "EXCLUDED.state OR grid_levels.crossing_seq IS DISTINCT FROM "
	    "EXCLUDED.crossing_seq) DELETE FROM grid_levels WHERE strategy_id "
	    "= $1 AND level >= $7::integer", 7, (const char *[]){ p[0], p[1],
	    p[2], p[3], p[4], p[5], nb }) == -1)
		goto out;
	levels_written(lc, g);
	rc = 0;
out:
	free(lv);
	free(px);
	free(ss);
	free(sq);
	free(text);
	return rc;
}

int
ledger_place_grid_send(struct db *d, long long sid, const char *symbol,
    const char *mode, const struct grid *g, double price,
    struct ledger_levels *lc, struct ledger_grid_order *o, int n)
{
	char		*a[9] = { NULL }, *lv = NULL, *px = NULL, *ss = NULL;
	char		*sq = NULL, *state = NULL, ib[24], nb[16], num[U256_DEC_MAX];
	size_t		 len[9] = { 0 }, cap[9] = { 0 };
	const char	*p[18];
	cJSON		*st;
	int		 i, k, rc = -1;

	for (k = 0; k < 9; k++) {
		if (arr_add(&a[k], &len[k], &cap[k], "{", 0) == -1)
			goto out;
	}
	for (i = 0; i < n; i++) {
		const char	*err = o[i].error != NULL ? o[i].error : "";
		char		 esc[1024];
		size_t		 j, e = 0;

		/* An array element in double quotes: escape \ and ". */
		for (j = 0; err[j] != '\0' && e + 2 < sizeof(esc); j++) {
			if (err[j] == '"' || err[j] == '\\')
				esc[e++] = '\\';
			esc[e++] = err[j];
		}
		esc[e] = '\0';
		if (arr_add(&a[0], &len[0], &cap[0], o[i].side, 1) == -1)
			goto out;
		snprintf(num, sizeof(num), "%d", o[i].level);
		if (arr_add(&a[1], &len[1], &cap[1], o[i].level >= 0 ? num :
		    "NULL", 0) == -1)
			goto out;
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)o[i].crossing_seq);
		if (arr_add(&a[2], &len[2], &cap[2], o[i].level >= 0 ? num :
		    "NULL", 0) == -1)
			goto out;
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)o[i].grid_order_id);
		if (arr_add(&a[3], &len[3], &cap[3], num, 0) == -1 ||
		    arr_add(&a[4], &len[4], &cap[4], o[i].grid_kind, 1) == -1 ||
		    arr_add(&a[5], &len[5], &cap[5], u256_to_dec(&o[i].amount_in,
		    num), 0) == -1 ||
		    arr_add(&a[6], &len[6], &cap[6], o[i].price, 0) == -1 ||
		    arr_add(&a[7], &len[7], &cap[7], o[i].status, 1) == -1 ||
		    arr_add(&a[8], &len[8], &cap[8], o[i].error != NULL ? esc :
		    "NULL", o[i].error != NULL) == -1)
			goto out;
	}
	for (k = 0; k < 9; k++)
		strcat(a[k], "}");
	if (level_arrays(g, price, lc, o, n, &lv, &px, &ss, &sq) == -1 ||
	    (st = grid_state_to_json(g)) == NULL)
		goto out;
	state = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	if (state == NULL)
		goto out;
	lltoa(sid, ib);
	snprintf(nb, sizeof(nb), "%d", grid_nlevels(g));
	p[0] = ib;
	p[1] = symbol;
	p[2] = mode;
	for (k = 0; k < 9; k++)
		p[3 + k] = a[k];
	p[12] = state;
	p[13] = lv;
	p[14] = px;
	p[15] = ss;
	p[16] = sq;
	p[17] = nb;
	/*
	 * One statement: data-modifying CTEs run together and commit or fail
	 * together; the foreign key of last_order_id is checked at its end,
	 * when the orders exist. (libpq has copied the parameters once it
	 * returns: they are freed below.)
	 */
	if (db_send(d, "WITH o AS (INSERT INTO orders (strategy_id, symbol, "
	    "side, kind, mode, level, crossing_seq, grid_order_id, grid_kind, "
	    "amount_in, price, status, error) SELECT $1, $2, u.side, 'grid', $3,"
	    " u.lv, u.seq, u.goid, u.gk, u.amt, u.px, u.st, u.err FROM unnest("
	    "$4::text[], $5::integer[], $6::bigint[], $7::bigint[], $8::text[], "
	    "$9::numeric[], $10::numeric[], $11::text[], $12::text[]) AS u(side, "
	    "lv, seq, goid, gk, amt, px, st, err) RETURNING id, grid_order_id, "
	    "level, status), "
	    "s AS (UPDATE strategies SET state = $13::jsonb WHERE id = $1), "
	    "l AS (INSERT INTO grid_levels (strategy_id, level, price, state, "
	    "crossing_seq, last_crossed_at, last_order_id) SELECT $1, v.l, v.p, "
	    "v.s, v.q, CASE WHEN o.id IS NOT NULL THEN now() END, o.id FROM "
	    "unnest($14::integer[], $15::numeric[], $16::text[], $17::bigint[]) "
	    "AS v(l, p, s, q) LEFT JOIN o ON o.level = v.l AND o.status = "
	    "'pending' ON CONFLICT (strategy_id, level) DO UPDATE SET price = "
	    "EXCLUDED.price, state = EXCLUDED.state, crossing_seq = "
	    "EXCLUDED.crossing_seq, last_crossed_at = coalesce("
	    "EXCLUDED.last_crossed_at, grid_levels.last_crossed_at), "
	    "last_order_id = coalesce(EXCLUDED.last_order_id, "
	    "grid_levels.last_order_id) WHERE grid_levels.price IS DISTINCT "
	    "FROM EXCLUDED.price OR grid_levels.state IS DISTINCT FROM "
	    "EXCLUDED.state OR grid_levels.crossing_seq IS DISTINCT FROM "
	    "EXCLUDED.crossing_seq OR EXCLUDED.last_order_id IS NOT NULL), "
	    "x AS (DELETE FROM grid_levels WHERE strategy_id = $1 AND level >= "
	    "$18::integer) SELECT id, grid_order_id FROM o", 18, p) == 0)
		rc = 0;
out:
	for (k = 0; k < 9; k++)
		free(a[k]);
	free(lv);
	free(px);
	free(ss);
	free(sq);
	free(state);
	return rc;
}

int
ledger_place_grid_finish(struct db *d, const struct grid *g,
    struct ledger_levels *lc, struct ledger_grid_order *o, int n)
{
	PGresult	*r;
	int		 i, k, rc = -1;

	if ((r = db_wait(d)) == NULL)
		return -1;
	if (PQntuples(r) == n) {
		for (k = 0; k < n; k++) {
			uint64_t	goid = strtoull(PQgetvalue(r, k, 1),
					    NULL, 10);

			for (i = 0; i < n; i++)
				if (o[i].grid_order_id == goid)
					o[i].id = strtoll(PQgetvalue(r, k, 0),
					    NULL, 10);
		}
		levels_written(lc, g);
		rc = 0;
	}
	PQclear(r);
	return rc;
}

int
ledger_submitted(struct db *d, long long oid, int64_t tx_id,
    const u256 *min_out, int slippage_bps, uint64_t deadline)
{
	char		 ob[24], tb[24], mb[U256_DEC_MAX], sb[16], db_[24];
	const char	*p[5] = { ob, tb, u256_to_dec(min_out, mb), sb, db_ };

	lltoa(oid, ob);
	lltoa((long long)tx_id, tb);
	snprintf(sb, sizeof(sb), "%d", slippage_bps);
	snprintf(db_, sizeof(db_), "%llu", (unsigned long long)deadline);
	return db_exec(d, "UPDATE orders SET status = 'submitted', tx_id = $2, "
	    "submitted_at = coalesce(submitted_at, now()), amount_out_min = "
	    "$3::numeric, slippage_bps = $4::integer, deadline = "
	    "to_timestamp($5::bigint) WHERE id = $1 AND status IN ('pending', "
	    "'submitted')", 5, p);
}

int
ledger_link_tx(struct db *d, long long oid, int64_t tx_id)
{
	char		 ob[24], tb[24];
	const char	*p[2] = { ob, tb };

	lltoa(oid, ob);
	lltoa((long long)tx_id, tb);
	return db_exec(d, "UPDATE orders SET status = 'submitted', tx_id = $2, "
	    "submitted_at = coalesce(submitted_at, now()) WHERE id = $1 AND "
	    "status IN ('pending', 'submitted')", 2, p);
}

/* Run sql and return the number of rows it touched, -1 on error. */
static int
touched(struct db *d, const char *sql, int n, const char *const *p)
{
	PGresult	*r = db_query(d, sql, n, p);
	int		 c;

	if (r == NULL)
		return -1;
	c = atoi(PQcmdTuples(r));
	PQclear(r);
	return c;
}

int
ledger_fill(struct db *d, long long oid, const struct ledger_fill *f)
{
	char		 ob[24], in[U256_DEC_MAX], out[U256_DEC_MAX];
	char		 fee[U256_DEC_MAX], gw[U256_DEC_MAX], gu[24], bn[24];
	const char	*p[11];
	int		 n;

	lltoa(oid, ob);
	p[0] = ob;
	p[1] = u256_to_dec(&f->amount_out, out);
	p[2] = f->exec_price;
	if ((n = touched(d, "UPDATE orders SET status = 'filled', amount_out ="
	    " $2::numeric, exec_price = $3::numeric, filled_at = now(), error "
	    "= NULL WHERE id = $1 AND status IN ('pending', 'submitted')", 3,
	    p)) <= 0)
		return n;
	snprintf(gu, sizeof(gu), "%llu", (unsigned long long)f->gas_used);
	snprintf(bn, sizeof(bn), "%llu", (unsigned long long)f->block);
	p[1] = u256_to_dec(&f->amount_in, in);
	p[2] = out;
	p[3] = f->exec_price != NULL ? f->exec_price : NULL;
	p[4] = u256_to_dec(&f->fee, fee);
	p[5] = f->fee_quote != NULL ? f->fee_quote : "0";
	p[6] = f->gas_used > 0 ? gu : NULL;
	p[7] = u256_to_dec(&f->gas_wei, gw);
	p[8] = f->gas_quote != NULL ? f->gas_quote : "0";
	p[9] = f->realized;
	p[10] = f->block > 0 ? bn : NULL;
	/* fills.price is NOT NULL: the order's price when the swap's own
	 * ratio is not expressible (dust). */
	if (db_exec(d, "INSERT INTO fills (order_id, amount_in, amount_out, "
	    "price, fee, fee_quote, gas_used, gas_wei, gas_cost_quote, "
	    "realized_pnl, block_number) SELECT $1, $2::numeric, $3::numeric, "
	    "coalesce($4::numeric, o.price), $5::numeric, $6::numeric, "
	    "$7::bigint, $8::numeric, $9::numeric, $10::numeric, $11::bigint "
	    "FROM orders o WHERE o.id = $1", 11, p) == -1)
		return -1;
	return 1;
}

int
ledger_fail(struct db *d, long long oid, const char *status, const char *error)
{
	char		 ob[24];
	const char	*p[3] = { ob, status, error };

	lltoa(oid, ob);
	return touched(d, "UPDATE orders SET status = $2, error = left($3, "
	    "500) WHERE id = $1 AND status IN ('pending', 'submitted')", 3, p);
}

int
ledger_cond_final(struct db *d, long long cid, int ok, const char *error)
{
	char		 cb[24];
	const char	*p[2] = { cb, error };

	lltoa(cid, cb);
	if (ok)
		return db_exec(d, "UPDATE conditional_orders SET status = "
		    "'filled', filled_at = now(), error = NULL WHERE id = $1 "
		    "AND status = 'triggered'", 1, p);
	return db_exec(d, "UPDATE conditional_orders SET status = 'failed', "
	    "error = left($2, 500) WHERE id = $1 AND status = 'triggered'", 2,
	    p);
}

int
ledger_paper_seed(struct db *d, long long sid, const char *base,
    const char *quote, const u256 *qamt)
{
	char		 ib[24], qb[U256_DEC_MAX];
	const char	*p[4] = { ib, base, quote, u256_to_dec(qamt, qb) };

	lltoa(sid, ib);
	/* Only a strategy without any paper balance is seeded. */
	return db_exec(d, "INSERT INTO paper_balances (strategy_id, token, "
	    "amount) SELECT $1, t, a FROM (VALUES ($2::text, 0::numeric), "
	    "($3::text, $4::numeric)) AS v(t, a) WHERE NOT EXISTS (SELECT 1 "
	    "FROM paper_balances WHERE strategy_id = $1) ON CONFLICT DO "
	    "NOTHING", 4, p);
}

int
ledger_paper_balance(struct db *d, long long sid, const char *token, u256 *out)
{
	char		 ib[24], v[U256_DEC_MAX + 8];
	const char	*p[2] = { ib, token };
	int		 rc;

	lltoa(sid, ib);
	rc = db_query_value(d, v, sizeof(v), "SELECT amount::text FROM "
	    "paper_balances WHERE strategy_id = $1 AND token = $2", 2, p);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		*out = u256_from_u64(0);
		return 0;
	}
	return u256_from_dec(out, v);
}

int
ledger_paper_move(struct db *d, long long sid, const char *tin,
    const u256 *in, const char *tout, const u256 *out)
{
	char		 ib[24], ab[U256_DEC_MAX], bb[U256_DEC_MAX];
	const char	*p[3] = { ib, tin, u256_to_dec(in, ab) };
	int		 n;

	lltoa(sid, ib);
	if ((n = touched(d, "UPDATE paper_balances SET amount = amount - "
	    "$3::numeric WHERE strategy_id = $1 AND token = $2 AND amount >= "
	    "$3::numeric", 3, p)) <= 0)
		return n;
	p[1] = tout;
	p[2] = u256_to_dec(out, bb);
	if (db_exec(d, "INSERT INTO paper_balances (strategy_id, token, amount)"
	    " VALUES ($1, $2, $3::numeric) ON CONFLICT (strategy_id, token) DO "
	    "UPDATE SET amount = paper_balances.amount + EXCLUDED.amount", 3,
	    p) == -1)
		return -1;
	return 1;
}

#define ROW_COLS "o.id, coalesce(o.strategy_id, 0), " \
	"coalesce(o.conditional_order_id, 0), coalesce(o.grid_order_id, 0), " \
	"o.status, o.side, o.mode, o.symbol, o.price::text, " \
	"coalesce(o.tx_id, 0), o.amount_in::text, " \
	"coalesce(o.slippage_bps, -1), f.id IS NOT NULL, " \
	"coalesce(f.amount_in, 0)::text, coalesce(f.amount_out, 0)::text, " \
	"coalesce(f.gas_wei, 0)::text, coalesce(f.fee_quote, 0)::text, " \
	"coalesce(f.gas_cost_quote, 0)::text, " \
	"coalesce((extract(epoch FROM f.at) * 1000)::bigint, 0) " \
	"FROM orders o LEFT JOIN fills f ON f.order_id = o.id "

static int
read_row(PGresult *r, int i, struct ledger_row *o)
{
	memset(o, 0, sizeof(*o));
	o->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	o->strategy_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	o->cond_id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
	o->grid_order_id = strtoull(PQgetvalue(r, i, 3), NULL, 10);
	snprintf(o->status, sizeof(o->status), "%s", PQgetvalue(r, i, 4));
	snprintf(o->side, sizeof(o->side), "%s", PQgetvalue(r, i, 5));
	snprintf(o->mode, sizeof(o->mode), "%s", PQgetvalue(r, i, 6));
	snprintf(o->symbol, sizeof(o->symbol), "%s", PQgetvalue(r, i, 7));
	snprintf(o->price, sizeof(o->price), "%s", PQgetvalue(r, i, 8));
	o->tx_id = strtoll(PQgetvalue(r, i, 9), NULL, 10);
	o->slippage_bps = atoi(PQgetvalue(r, i, 11));
	o->has_fill = strcmp(PQgetvalue(r, i, 12), "t") == 0;
	snprintf(o->fill_fee_quote, sizeof(o->fill_fee_quote), "%s",
	    PQgetvalue(r, i, 16));
	snprintf(o->fill_gas_quote, sizeof(o->fill_gas_quote), "%s",
	    PQgetvalue(r, i, 17));
	o->fill_ms = strtoll(PQgetvalue(r, i, 18), NULL, 10);
	if (u256_from_dec(&o->amount_in, PQgetvalue(r, i, 10)) == -1 ||
	    u256_from_dec(&o->fill_in, PQgetvalue(r, i, 13)) == -1 ||
	    u256_from_dec(&o->fill_out, PQgetvalue(r, i, 14)) == -1 ||
	    u256_from_dec(&o->fill_gas_wei, PQgetvalue(r, i, 15)) == -1)
		return -1;
	return 0;
}

int
ledger_grid_order(struct db *d, long long sid, uint64_t goid,
    struct ledger_row *out)
{
	char		 ib[24], gb[24];
	const char	*p[2] = { ib, gb };
	PGresult	*r;
	int		 rc;

	lltoa(sid, ib);
	snprintf(gb, sizeof(gb), "%llu", (unsigned long long)goid);
	if ((r = db_query(d, "SELECT " ROW_COLS "WHERE o.strategy_id = $1 AND "
	    "o.grid_order_id = $2::bigint", 2, p)) == NULL)
		return -1;
	rc = PQntuples(r) == 1 ? (read_row(r, 0, out) == 0 ? 1 : -1) : 0;
	PQclear(r);
	return rc;
}

int
ledger_open_orders(struct db *d, struct ledger_row **rows, size_t *n)
{
	PGresult	*r;
	int		 i, k;

	*rows = NULL;
	*n = 0;
	if ((r = db_query(d, "SELECT " ROW_COLS "WHERE o.status IN "
	    "('pending', 'submitted') ORDER BY o.id", 0, NULL)) == NULL)
		return -1;
	k = PQntuples(r);
	if (k > 0 && (*rows = calloc((size_t)k, sizeof(**rows))) == NULL) {
		PQclear(r);
		return -1;
	}
	for (i = 0; i < k; i++)
		if (read_row(r, i, &(*rows)[i]) == -1) {
			free(*rows);
			*rows = NULL;
			PQclear(r);
			return -1;
		}
	*n = (size_t)k;
	PQclear(r);
	return 0;
}
