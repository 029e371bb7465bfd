/*
 * paper.c: paper mode's executions (see paper.h).
 */
#include <string.h>

#include "amm.h"
#include "config.h"
#include "paper.h"

int
paper_model_init(struct paper_model *m, const struct config *cfg)
{
	const char	*g = cfg->strat.paper_gas_price_gwei;

	memset(m, 0, sizeof(*m));
	m->gas_per_swap = (uint64_t)cfg->strat.paper_gas_per_swap;
	if (g == NULL || *g == '\0')
		return 0;
	return u256_parse_units(&m->gas_price, g, 9);
}

int
paper_swap(int buy, const u256 *in, const u256 *r_base, const u256 *r_quote,
    unsigned fee_bps, u256 *out)
{
	if (amm_get_amount_out(out, in, buy ? r_quote : r_base,
	    buy ? r_base : r_quote, fee_bps) == -1)
		return -1;
	return u256_is_zero(out) ? -1 : 0;
}

void
paper_gas(const struct paper_model *m, uint64_t *gas_used, u256 *wei)
{
	u256	g = u256_from_u64(m->gas_per_swap);

	*gas_used = m->gas_per_swap;
	if (u256_mul(wei, &g, &m->gas_price) == -1)
		*wei = u256_from_u64(0);
}
