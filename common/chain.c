/*
 * chain.c: [chain] configuration to chain clients (see chain.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "config.h"
#include "log.h"
#include "rpc.h"
#include "txmgr.h"

struct rpc *
chain_rpc_new(const struct config *cfg)
{
	struct rpc_opts	o;
	int		i;

	if (cfg == NULL || cfg->chain.nrpc_urls < 1) {
		log_warnx("[chain] rpc_urls is not set");
		return NULL;
	}
	rpc_opts_init(&o);
	for (i = 0; i < cfg->chain.nrpc_urls && i < RPC_MAX_ENDPOINTS; i++)
		o.urls[i] = cfg->chain.rpc_urls[i];
	o.nurls = i;
	o.send_url = cfg->chain.rpc_send_url;
	if (cfg->chain.rpc_timeout_ms > 0) {
		o.timeout_ms = cfg->chain.rpc_timeout_ms;
		/* a connection that takes longer than a whole request is
		 * as dead as one that is refused */
		if (o.connect_timeout_ms > o.timeout_ms)
			o.connect_timeout_ms = o.timeout_ms;
		/* room for every endpoint to time out once, and a retry */
		if (o.budget_ms < o.timeout_ms * 2)
			o.budget_ms = o.timeout_ms * 2;
	}
	return rpc_new(&o);
}

void
chain_txmgr_opts(const struct config *cfg, struct txmgr_opts *o)
{
	txmgr_opts_init(o);
	if (cfg == NULL)
		return;
	if (cfg->chain.chain_id > 0)
		o->chain_id = (uint64_t)cfg->chain.chain_id;
	o->gas_margin_pct = cfg->chain.gas_margin_pct;
	o->replace_after_blocks = cfg->chain.replace_after_blocks;
}
