/*
 * risk.c: stratd's risk limits (see risk.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "risk.h"

/* A limit text: NULL/"" and "0" mean off. Valid: a decimal amount. */
static int
limit_on(const char *s)
{
	u256	v;

	return s != NULL && *s != '\0' && u256_parse_units(&v, s, 30) == 0 &&
	    !u256_is_zero(&v);
}

static int
valid_dec(const char *s, unsigned dec)
{
	u256	v;

	return s == NULL || *s == '\0' || u256_parse_units(&v, s, dec) == 0;
}

int
risk_check_config(const struct config *cfg, char *err, size_t errlen)
{
	if (!valid_dec(cfg->strat.max_order_quote, 30)) {
		snprintf(err, errlen, "[stratd] max_order_quote '%s' is not a "
		    "decimal amount", cfg->strat.max_order_quote);
		return -1;
	}
	if (!valid_dec(cfg->strat.daily_loss_limit, 30)) {
		snprintf(err, errlen, "[stratd] daily_loss_limit '%s' is not a "
		    "decimal amount", cfg->strat.daily_loss_limit);
		return -1;
	}
	if (!valid_dec(cfg->strat.paper_gas_price_gwei, 9)) {
		snprintf(err, errlen, "[stratd] paper_gas_price_gwei '%s' is not "
		    "a decimal amount with at most 9 decimals",
		    cfg->strat.paper_gas_price_gwei);
		return -1;
	}
	return 0;
}

int
risk_order_ok(const struct config *cfg, const u256 *value, unsigned qdec,
    char *why, size_t whylen)
{
	const char	*s = cfg->strat.max_order_quote;
	char		 vb[U256_DEC_MAX + 2];
	u256		 max;

	if (!limit_on(s))
		return 1;
	/* A limit finer than the token's decimals: compare at the token's
	 * precision, rounding the limit down. */
	if (u256_parse_units(&max, s, qdec) == -1) {
		char	t[128], *dot;

		snprintf(t, sizeof(t), "%s", s);
		if ((dot = strchr(t, '.')) != NULL && strlen(dot + 1) > qdec)
			dot[qdec + (qdec > 0)] = '\0';
		if (u256_parse_units(&max, t, qdec) == -1)
			return 1;
	}
	if (u256_cmp(value, &max) <= 0)
		return 1;
	u256_format_units(value, qdec, vb);
	snprintf(why, whylen, "order worth %s is above max_order_quote %s", vb,
	    s);
	return 0;
}

int
risk_check_strategy(struct db *d, const struct config *cfg, long long id,
    char *why, size_t whylen)
{
	char		 ib[24];
	const char	*lim = cfg->strat.daily_loss_limit;
	const char	*p[2] = { ib, limit_on(lim) ? lim : NULL };
	PGresult	*r;
	long		 trades, errors;
	int		 pct = cfg->strat.error_rate_limit_pct, rc = 0;

	snprintf(ib, sizeof(ib), "%lld", id);
	if ((r = db_query(d, "SELECT coalesce(loss >= $2::numeric, false), "
	    "loss::text, trades, errors FROM strategy_daily_pnl WHERE "
	    "strategy_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date", 2,
	    p)) == NULL)
		return -1;
	if (PQntuples(r) != 1)
		goto out;
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		snprintf(why, whylen, "daily loss limit: loss %s >= %s today",
		    PQgetvalue(r, 0, 1), lim);
		rc = 1;
		goto out;
	}
	trades = atol(PQgetvalue(r, 0, 2));
	errors = atol(PQgetvalue(r, 0, 3));
	if (pct > 0 && trades + errors >= cfg->strat.error_rate_min_orders &&
	    errors * 100 > (long)pct * (trades + errors)) {
		snprintf(why, whylen, "error rate %ld%% > %d%% (%ld of %ld "
		    "orders failed today)", errors * 100 / (trades + errors),
		    pct, errors, trades + errors);
		rc = 1;
	}
out:
	PQclear(r);
	return rc;
}

int
risk_audit(struct db *d, long long id, const char *command, const char *reason)
{
	char		 args[64];
	const char	*p[3] = { command, args, reason };

	snprintf(args, sizeof(args), "{\"id\":%lld,\"automatic\":true}", id);
	return db_exec(d, "INSERT INTO audit_log (actor, source, target, "
	    "command, args, reason, ok, finished_at) VALUES ('stratd', "
	    "'stratd', 'stratd', $1, $2::jsonb, $3, true, now())", 3, p);
}
