/*
 * chain.h: glue between the configuration's [chain] section and the
 * chain clients: a struct rpc over rpc_urls / rpc_send_url /
 * rpc_timeout_ms, and transaction manager options from chain_id,
 * gas_margin_pct and replace_after_blocks.
 */
#ifndef BSC_CHAIN_H
#define BSC_CHAIN_H

struct config;
struct rpc;
struct txmgr_opts;

/*
 * A JSON-RPC client for cfg's [chain] endpoints (failover in the order
 * given; raw transactions to rpc_send_url when set), each request timing
 * out after rpc_timeout_ms. Returns NULL (and logs why) when no URL is
 * configured or a URL is refused. Free with rpc_free.
 */
struct rpc	*chain_rpc_new(const struct config *cfg);

/*
 * Fill o with txmgr_opts_init's defaults, then cfg's chain_id,
 * gas_margin_pct and replace_after_blocks.
 */
void		 chain_txmgr_opts(const struct config *cfg,
		    struct txmgr_opts *o);

#endif
