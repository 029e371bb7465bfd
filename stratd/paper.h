/*
 * paper.h: paper mode's executions. A paper order fills whole against the
 * pool's reserves of the tick it was decided on, with the pool's own
 * constant-product math and fee (common/amm.h: exact to the wei, what the
 * router would have paid), and costs an estimated gas: [stratd]
 * paper_gas_per_swap at paper_gas_price_gwei. Paper swaps do not move the
 * pool. Balances are per strategy (paper_balances, ledger.h).
 */
#ifndef STRATD_PAPER_H
#define STRATD_PAPER_H

#include <stdint.h>

#include "u256.h"

struct config;

struct paper_model {
	u256		gas_price;	/* wei */
	uint64_t	gas_per_swap;
};

/* The model from cfg ([stratd] paper_*). Returns 0 or -1 (bad text). */
int	paper_model_init(struct paper_model *, const struct config *cfg);

/*
 * A buy spends in quote and a sell in base against r_base/r_quote with
 * fee_bps; *out gets what the pool pays. Returns 0, or -1 when the pool
 * pays nothing (dust, empty pool, overflow).
 */
int	paper_swap(int buy, const u256 *in, const u256 *r_base,
	    const u256 *r_quote, unsigned fee_bps, u256 *out);

/* The gas of one paper swap: units and wei. */
void	paper_gas(const struct paper_model *, uint64_t *gas_used, u256 *wei);

#endif
