/*
 * config.h: the bsc-mm configuration file.
 *
 * One file for all processes, `key = value` lines in sections:
 *
 *	[global]            run_dir, state_dir, log_level, log_file, ...
 *	[database]          url, connect_timeout_s, statement_timeout_ms
 *	[chain]             chain_id, rpc_urls, router, factory, wbnb, ...
 *	[wallets]           keystore_dir, password_file, treasury
 *	[marketd] [stratd] [fundsd] [monitord]   ctl, pub, heartbeat_ms
 *	[marketd]           also poll_ms, stale_blocks, exec_sizes, cex_url, ...
 *	[stratd]            also wallet, max_order_quote, daily_loss_limit, ...
 *	[backtest]          pool_depth, gas_per_swap, order_size, jobs
 *	[token NAME]        address, decimals              (repeatable)
 *	[market SYMBOL]     pair, base, quote, fee_bps, cex_symbol (repeatable)
 *
 * The keys are a table (config.c); an unknown section or key, or a value
 * that does not parse or is out of range, is an error naming the file and
 * line. Every key may be overridden from the environment as
 * BSC_<SECTION>_<KEY> (upper case; "BSC_DATABASE_URL"), applied after the
 * file, and "${VAR}" in a value expands to that environment variable.
 * docs/CONFIG.md documents every key.
 */
#ifndef BSC_CONFIG_H
#define BSC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_TOKENS	32
#define CONFIG_MAX_MARKETS	128
#define CONFIG_MAX_URLS		8

/* Per-daemon section. Endpoints default to ipc://<run_dir>/<name>.{ctl,pub}. */
struct config_daemon {
	char	*ctl;		/* control (request/reply) endpoint */
	char	*pub;		/* event (pub/sub) endpoint */
	int	 heartbeat_ms;
	char	*log_level;	/* overrides [global] log_level when set */
};

struct config_token {
	char	*name;		/* "BTCB" */
	char	*address;	/* 0x-prefixed, 40 hex digits */
	int	 decimals;
};

struct config_market {
	char	*symbol;	/* "BTC/USDT" */
	char	*pair;		/* pair contract address, or NULL: from factory */
	char	*base;		/* token name ([token NAME]) */
	char	*quote;		/* token name */
	int	 fee_bps;	/* 25 PancakeSwap V2, 30 Uniswap V2 */
	char	*cex_symbol;	/* "BTCUSDT" or NULL */
};

struct config {
	char	*path;			/* file this was read from */
	struct {
		char	*run_dir;	/* ipc sockets; created 0700 */
		char	*state_dir;	/* runit service dir and other state */
		char	*bin_dir;	/* where the daemons are installed */
		char	*log_level;
		char	*log_file;	/* optional, e.g. logs/app.log */
		int	 log_timestamps;
		char	*supervisor;	/* "runit" or "systemd" */
		int	 request_timeout_ms;
		int	 request_retries;
	} global;
	struct {
		char	*url;		/* libpq conninfo or URI */
		int	 connect_timeout_s;
		int	 statement_timeout_ms;
	} database;
	struct {
		int	 chain_id;
		char	*rpc_urls[CONFIG_MAX_URLS];
		int	 nrpc_urls;
		char	*rpc_send_url;	/* optional private tx endpoint */
		int	 rpc_timeout_ms;
		int	 block_time_ms;
		char	*router;
		char	*factory;
		char	*wbnb;
		int	 gas_margin_pct;
		int	 replace_after_blocks;
		int	 slippage_bps;
		int	 deadline_s;
	} chain;
	struct {
		char	*keystore_dir;
		char	*password_file;
		char	*treasury;	/* keystore file name or address */
	} wallets;
	struct {			/* [marketd] feed keys (docs/MARKETD.md) */
		int	 poll_ms;	/* 0: block_time_ms / 4 */
		int	 stale_blocks;	/* stale after this many block times */
		int	 max_block_age_s; /* 0: off */
		char	*exec_sizes;	/* "100, 1000": quote units */
		char	*cex_url;	/* Binance-style REST base, NULL: off */
		int	 cex_poll_ms;
		int	 cex_timeout_ms;
		int	 cex_stale_ms;
		int	 cex_weight_limit; /* request weight per minute */
		int	 uptime_window_s;
		int	 candles;	/* build and store 1m DEX candles */
	} market;
	struct {			/* [stratd] trading (docs/STRATD.md) */
		char	*wallet;	/* keystore file name or address of the
					 * trading wallet; NULL: no live mode */
		char	*max_order_quote; /* quote units per order, "0": none */
		char	*daily_loss_limit; /* quote units per strategy and
					    * UTC day, "0": off */
		int	 error_rate_limit_pct; /* 0: off */
		int	 error_rate_min_orders;
		char	*paper_gas_price_gwei;
		int	 paper_gas_per_swap;
		int	 swap_gas_min;	/* gas limit floor of a live swap */
		int	 tick_max_age_ms; /* 0: stale_blocks x block_time_ms */
		int	 poll_ms;	/* receipts; 0: block_time_ms / 2 */
		int	 pnl_interval_ms; /* unrealized PnL and risk checks */
	} strat;
	struct {			/* [backtest] (docs/BACKTEST.md) */
		char	*pool_depth;	/* quote reserve of the pool, "0": none */
		char	*gas_per_swap;	/* quote tokens per swap */
		char	*order_size;	/* quick-grid's base_order_size */
		int	 jobs;		/* sweep workers, 0: one per core */
	} backtest;
	struct config_daemon	marketd, stratd, fundsd, monitord;
	struct config_token	tokens[CONFIG_MAX_TOKENS];
	int			ntokens;
	struct config_market	markets[CONFIG_MAX_MARKETS];
	int			nmarkets;
};

/*
 * Read and validate the file at path, then apply environment overrides.
 * Returns a new config (free with config_free), or NULL after writing a
 * message such as "bsc-mm.conf:12: unknown key 'foo' in [database]" into
 * err (errlen bytes).
 */
struct config	*config_load(const char *path, char *err, size_t errlen);

/* Same, from a string; name is used in error messages. */
struct config	*config_parse(const char *text, const char *name, char *err,
		    size_t errlen);

/* Free a config and clear the pointer; accepts NULL. */
void		 config_free(struct config **);

/*
 * The default config path: $BSC_CONFIG, else ./bsc-mm.conf when it
 * exists, else BSC_PREFIX/etc/bsc-mm/bsc-mm.conf. Static storage.
 */
const char	*config_default_path(void);

/* The section of a daemon by name ("stratd"), or NULL. */
struct config_daemon *config_daemon(struct config *, const char *name);

/* Look up a token or market by name; NULL when absent. */
const struct config_token  *config_token(const struct config *, const char *);
const struct config_market *config_market(const struct config *,
		    const char *symbol);

#endif
