/*
 * risk.h: stratd's risk limits ([stratd] in the config, docs/STRATD.md).
 *
 *  - max_order_quote: no single order (grid or conditional) worth more
 *    than this many quote tokens is sent; it fails with a reason instead.
 *  - daily_loss_limit: a strategy whose loss of the UTC day (the
 *    strategy_daily_pnl view: realized - gas + change of unrealized,
 *    negated) reaches the limit is paused.
 *  - error_rate_limit_pct / error_rate_min_orders: a strategy whose failed
 *    orders of the day exceed the rate, once it has made at least the
 *    minimum number of orders, is paused (the runbook's 10%).
 * A pause by a limit is recorded with its reason (strategies.status_reason)
 * and an audit_log row whose actor is "stratd". Stale prices are the
 * engine's concern: nothing is decided on one.
 */
#ifndef STRATD_RISK_H
#define STRATD_RISK_H

#include <stddef.h>

#include "u256.h"

struct config;
struct db;

/*
 * Check the limit values of cfg ([stratd] max_order_quote,
 * daily_loss_limit, paper_gas_price_gwei are decimal texts). Returns 0,
 * or -1 with a message in err.
 */
int	risk_check_config(const struct config *cfg, char *err, size_t errlen);

/*
 * Predicate: 1 when an order worth quote_value (quote base units, quote
 * token of quote_dec decimals) is within max_order_quote; 0 with the
 * reason in why when it is above.
 */
int	risk_order_ok(const struct config *cfg, const u256 *quote_value,
	    unsigned quote_dec, char *why, size_t whylen);

/*
 * The day's figures of strategy id against the limits. Returns 1 when it
 * must be paused (the reason in why: "daily loss limit: loss 1200.5 >=
 * 1000", "error rate 12% > 10% (3 of 25 orders failed today)"), 0 when
 * within them, -1 on a database error.
 */
int	risk_check_strategy(struct db *, const struct config *cfg, long long id,
	    char *why, size_t whylen);

/*
 * Record an automatic action on strategy id in the audit log: command
 * ("strategy pause", "strategy stop"), actor and source "stratd", reason.
 * Returns 0 or -1.
 */
int	risk_audit(struct db *, long long id, const char *command,
	    const char *reason);

#endif
