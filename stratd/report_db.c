/*
 * report_db.c: backtest reports in the database: a run, its trades in
 * batches, listing and loading them (report.h, report_int.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "report.h"
#include "report_int.h"

/* --- the database --- */

/* A growable text buffer for array literals. */
struct sbuf {
	char	*s;
	size_t	 n, cap;
	int	 oom;
};

static void
sb_add(struct sbuf *b, const char *s)
{
	size_t	l = strlen(s);

	if (b->oom)
		return;
	if (b->n + l + 1 > b->cap) {
		size_t	 cap = (b->n + l + 1) * 2;
		char	*v = realloc(b->s, cap);

		if (v == NULL) {
			b->oom = 1;
			return;
		}
		b->s = v;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, l + 1);
	b->n += l;
}

static int
store_trades(struct db *d, const struct report *r,
    const struct report_trades *t, char *err, size_t errlen)
{
	static const char *sql = "INSERT INTO backtest_trades (backtest_id, "
	    "seq, at, side, level, price, amount, quote_amount, fee, gas, "
	    "realized_pnl) SELECT $1::bigint, $2::int + u.ord::int - 1, u.at, "
	    "u.side, u.level, u.price, u.amount, u.quote_amount, u.fee, u.gas, "
	    "u.pnl FROM unnest($3::timestamptz[], $4::text[], $5::int[], "
	    "$6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], "
	    "$10::numeric[], $11::numeric[]) WITH ORDINALITY AS u(at, side, "
	    "level, price, amount, quote_amount, fee, gas, pnl, ord)";
	unsigned	 qd = r->market.quote_dec;
	size_t		 i, j, end;
	char		 idb[32], seqb[32], b[U256_DEC_MAX + 3];
	int		 rc = 0, c;

	snprintf(idb, sizeof(idb), "%lld", r->id);
	for (i = 0; i < t->n && rc == 0; i = end) {
		struct sbuf	 col[9];
		const char	*pv[11];

		end = i + TRADE_BATCH < t->n ? i + TRADE_BATCH : t->n;
		memset(col, 0, sizeof(col));
		for (c = 0; c < 9; c++)
			sb_add(&col[c], "{");
		for (j = i; j < end; j++) {
			const struct report_trade	*tr = &t->v[j];
			const char			*sep = j > i ? "," : "";
			char				 tb[40];

			for (c = 0; c < 9; c++)
				sb_add(&col[c], sep);
			sb_add(&col[0], report_time_text(tr->t_ms, tb));
			sb_add(&col[1], tr->side == GRID_BUY ? "buy" : "sell");
			if (tr->level >= 0) {
				snprintf(b, sizeof(b), "%d", tr->level);
				sb_add(&col[2], b);
			} else
				sb_add(&col[2], "NULL");
			sb_add(&col[3], u256_format_units(&tr->px, GRID_PX_DEC,
			    b));
			sb_add(&col[4], u256_format_units(&tr->base,
			    r->market.base_dec, b));
			sb_add(&col[5], u256_format_units(&tr->quote, qd, b));
			sb_add(&col[6], u256_format_units(&tr->fee, qd, b));
			sb_add(&col[7], u256_format_units(&tr->gas, qd, b));
			if (tr->has_pnl) {
				struct report_money m = { tr->pnl, tr->pnl_neg };

				sb_add(&col[8], report_money_text(&m, qd, b));
			} else
				sb_add(&col[8], "NULL");
		}
		for (c = 0; c < 9; c++)
			sb_add(&col[c], "}");
		snprintf(seqb, sizeof(seqb), "%zu", i);
		pv[0] = idb;
		pv[1] = seqb;
		for (c = 0; c < 9; c++)
			pv[c + 2] = col[c].s;
		for (c = 0; c < 9; c++)
			if (col[c].oom)
				rc = -1;
		if (rc == -1)
			snprintf(err, errlen, "out of memory");
		else if (db_exec(d, sql, 11, pv) == -1) {
			snprintf(err, errlen, "storing trades: %s", db_error(d));
			rc = -1;
		}
		for (c = 0; c < 9; c++)
			free(col[c].s);
	}
	return rc;
}

int
report_store(struct db *d, struct report *r, const struct report_trades *t,
    char *err, size_t errlen)
{
	cJSON		*j = NULL, *params = NULL;
	char		*rep = NULL, *ps = NULL;
	char		 idb[32], sw[32], cand[32], ret[40], dd[40], sh[40],
			 so[40], tr[32], rt[32], wr[40], apr[40], fb[40], tb[40];
	char		 ie[U256_DEC_MAX + 3], fe[U256_DEC_MAX + 3],
			 rp[U256_DEC_MAX + 3], fees[U256_DEC_MAX + 3],
			 gas[U256_DEC_MAX + 3];
	const char	*pv[24];
	unsigned	 qd = r->market.quote_dec;
	int		 rc = -1;

	if (db_begin(d) == -1) {
		snprintf(err, errlen, "storing backtest: %s", db_error(d));
		return -1;
	}
	if (db_query_value(d, idb, sizeof(idb), "SELECT nextval("
	    "pg_get_serial_sequence('backtests', 'id'))", 0, NULL) != 1) {
		snprintf(err, errlen, "storing backtest: %s", db_error(d));
		goto out;
	}
	r->id = strtoll(idb, NULL, 10);
	if ((j = report_to_json(r, 1)) == NULL ||
	    (params = grid_params_to_json(&r->params)) == NULL ||
	    (rep = cJSON_PrintUnformatted(j)) == NULL ||
	    (ps = cJSON_PrintUnformatted(params)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(sw, sizeof(sw), "%lld", r->sweep_id);
	snprintf(cand, sizeof(cand), "%ld", r->candles);
	snprintf(ret, sizeof(ret), "%.17g", r->total_return);
	snprintf(dd, sizeof(dd), "%.17g", r->max_drawdown);
	snprintf(sh, sizeof(sh), "%.17g", r->sharpe);
	snprintf(so, sizeof(so), "%.17g", r->sortino);
	snprintf(tr, sizeof(tr), "%ld", r->trades);
	snprintf(rt, sizeof(rt), "%ld", r->round_trips);
	snprintf(wr, sizeof(wr), "%.17g", r->win_rate);
	snprintf(apr, sizeof(apr), "%.17g", r->apr);
	pv[0] = idb;
	pv[1] = r->name[0] ? r->name : NULL;
	pv[2] = r->symbol;
	pv[3] = r->interval;
	pv[4] = ps;
	pv[5] = report_time_text(r->from_ms, fb);
	pv[6] = report_time_text(r->to_ms, tb);
	pv[7] = r->sweep_id ? sw : NULL;
	pv[8] = cand;
	pv[9] = report_money_text(&r->initial_equity, qd, ie);
	pv[10] = report_money_text(&r->final_equity, qd, fe);
	pv[11] = ret;
	pv[12] = report_money_text(&r->realized, qd, rp);
	pv[13] = u256_format_units(&r->fees, qd, fees);
	pv[14] = u256_format_units(&r->gas, qd, gas);
	pv[15] = dd;
	pv[16] = sh;
	pv[17] = so;
	pv[18] = tr;
	pv[19] = rt;
	pv[20] = wr;
	pv[21] = apr;
	pv[22] = rep;
	if (db_exec(d, "INSERT INTO backtests (id, name, symbol, interval, "
	    "params, from_time, to_time, sweep_id, status, candles, "
	    "initial_equity, final_equity, total_return, realized_profit, fees, "
	    "gas, max_drawdown, sharpe, sortino, trades, round_trips, win_rate, "
	    "apr, report, finished_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, "
	    "$7, $8, 'done', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
	    "$19, $20, $21, $22, $23::jsonb, now())", 23, pv) == -1) {
		snprintf(err, errlen, "storing backtest: %s", db_error(d));
		goto out;
	}
	if (t != NULL && store_trades(d, r, t, err, errlen) == -1)
		goto out;
	if (db_commit(d) == -1) {
		snprintf(err, errlen, "storing backtest: %s", db_error(d));
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		db_rollback(d);
		r->id = 0;
	}
	cJSON_Delete(j);
	cJSON_Delete(params);
	free(rep);
	free(ps);
	return rc;
}

int
report_load(struct db *d, long long id, struct report *r,
    struct report_trades *t, char *err, size_t errlen)
{
	PGresult	*res;
	cJSON		*j;
	char		 idb[32];
	const char	*pv[1] = { idb };
	int		 i, n;

	snprintf(idb, sizeof(idb), "%lld", id);
	if ((res = db_query(d, "SELECT report::text, sweep_id FROM backtests "
	    "WHERE id = $1 AND status = 'done'", 1, pv)) == NULL) {
		snprintf(err, errlen, "loading backtest: %s", db_error(d));
		return -1;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 1;
	}
	j = cJSON_Parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (j == NULL) {
		snprintf(err, errlen, "backtest %lld: stored report is not "
		    "JSON", id);
		return -1;
	}
	i = report_from_json(r, j, err, errlen);
	cJSON_Delete(j);
	if (i == -1)
		return -1;
	r->id = id;
	if (t == NULL)
		return 0;
	if ((res = db_query(d, "SELECT (extract(epoch FROM at) * 1000)::bigint,"
	    " side, coalesce(level, -1), price, amount, coalesce(quote_amount, "
	    "0), fee, gas, realized_pnl FROM backtest_trades WHERE "
	    "backtest_id = $1 ORDER BY seq", 1, pv)) == NULL) {
		snprintf(err, errlen, "loading trades: %s", db_error(d));
		report_clear(r);
		return -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		struct report_trade	tr;
		struct report_money	m;
		unsigned		qd = r->market.quote_dec;

		memset(&tr, 0, sizeof(tr));
		tr.t_ms = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		tr.side = strcmp(PQgetvalue(res, i, 1), "buy") == 0 ? GRID_BUY :
		    GRID_SELL;
		tr.level = atoi(PQgetvalue(res, i, 2));
		tr.kind = tr.level >= 0 ? GRID_ORDER_LEVEL : tr.side ==
		    GRID_BUY ? GRID_ORDER_INIT : GRID_ORDER_CLOSE;
		tr.price = strtod(PQgetvalue(res, i, 3), NULL);
		if (grid_px_parse(&tr.px, PQgetvalue(res, i, 3)) == -1 ||
		    u256_parse_units(&tr.base, PQgetvalue(res, i, 4),
		    r->market.base_dec) == -1 ||
		    u256_parse_units(&tr.quote, PQgetvalue(res, i, 5), qd) == -1 ||
		    u256_parse_units(&tr.fee, PQgetvalue(res, i, 6), qd) == -1 ||
		    u256_parse_units(&tr.gas, PQgetvalue(res, i, 7), qd) == -1) {
			snprintf(err, errlen, "backtest %lld: bad trade %d", id,
			    i);
			goto bad;
		}
		if (!PQgetisnull(res, i, 8)) {
			if (report_money_parse(&m, PQgetvalue(res, i, 8), qd) == -1) {
				snprintf(err, errlen, "backtest %lld: bad trade "
				    "%d", id, i);
				goto bad;
			}
			tr.has_pnl = 1;
			tr.pnl = m.v;
			tr.pnl_neg = (uint8_t)m.neg;
		}
		if (report_trades_add(t, &tr) == -1) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
	}
	PQclear(res);
	return 0;
bad:
	PQclear(res);
	report_clear(r);
	report_trades_clear(t);
	return -1;
}

cJSON *
report_list(struct db *d, const char *symbol, int limit, char *err,
    size_t errlen)
{
	PGresult	*res;
	cJSON		*a, *o;
	char		 lb[16];
	const char	*pv[2];
	int		 i, n;

	snprintf(lb, sizeof(lb), "%d", limit > 0 ? limit : 50);
	pv[0] = symbol;
	pv[1] = lb;
	res = db_query(d, "SELECT id, name, to_char(created_at AT TIME ZONE "
	    "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), symbol, interval, "
	    "to_char(from_time AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(to_time AT TIME ZONE "
	    "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), candles, "
	    "params->>'grid_count', params->>'spacing', params->>'lower_price', "
	    "params->>'upper_price', total_return, realized_profit, "
	    "max_drawdown, sharpe, trades, round_trips, win_rate, apr, "
	    "sweep_id FROM backtests WHERE status = 'done' AND ($1::text IS "
	    "NULL OR symbol = $1) ORDER BY id DESC LIMIT $2::int", 2, pv);
	if (res == NULL) {
		snprintf(err, errlen, "listing backtests: %s", db_error(d));
		return NULL;
	}
	if ((a = cJSON_CreateArray()) == NULL) {
		PQclear(res);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
#define S(k, c) (PQgetisnull(res, i, c) ? cJSON_AddNullToObject(o, k) : \
	cJSON_AddStringToObject(o, k, PQgetvalue(res, i, c)))
#define N(k, c) (PQgetisnull(res, i, c) ? cJSON_AddNullToObject(o, k) : \
	cJSON_AddNumberToObject(o, k, strtod(PQgetvalue(res, i, c), NULL)))
		o = cJSON_CreateObject();
		N("id", 0);
		S("name", 1);
		S("created_at", 2);
		S("symbol", 3);
		S("interval", 4);
		S("from", 5);
		S("to", 6);
		N("candles", 7);
		N("grid_count", 8);
		S("spacing", 9);
		S("lower_price", 10);
		S("upper_price", 11);
		N("return", 12);
		S("realized_profit", 13);
		N("max_drawdown", 14);
		N("sharpe", 15);
		N("trades", 16);
		N("round_trips", 17);
		N("win_rate", 18);
		N("apr", 19);
		N("sweep_id", 20);
#undef S
#undef N
		cJSON_AddItemToArray(a, o);
	}
	PQclear(res);
	return a;
}
