/*
 * params.h: a strategy's parameters as stratd stores them.
 *
 * The grid engine (grid.h) defines and checks the keys. Here they are made
 * canonical (every key present) before they are stored, and two things an
 * operator may leave out are filled in:
 *  - upper_price and lower_price: when both are absent, the grid is laid
 *    around the latest known price of the symbol, +-default_range_pct
 *    (the runbook's canary stage 1 creates a paper grid with only
 *    grid_count and base_order_size). The latest price is the price hook's
 *    (stratd: the last fresh tick) or else the newest stored candle's
 *    close; with neither, the bounds are required.
 * The result is what `strategy status` shows, so the operator sees the
 * bounds that were chosen.
 */
#ifndef STRATD_PARAMS_H
#define STRATD_PARAMS_H

#include <cJSON.h>

#include "cmd.h"

struct stratd_core;
struct grid_market;
struct config;

#define PARAMS_DEFAULT_RANGE_PCT	5.0

/*
 * Validate params for a grid on symbol and return the canonical object to
 * store (caller frees), or NULL with err ("bad_args" naming the problem).
 */
cJSON	*params_prepare(struct stratd_core *, const char *symbol,
	    const cJSON *params, struct cmd_error *err);

/* The engine's market description for symbol from the config (depth and
 * gas zero: no impact, no gas). Returns 0, or -1 for an unknown symbol. */
int	 params_market(const struct config *, const char *symbol,
	    struct grid_market *out);

#endif
