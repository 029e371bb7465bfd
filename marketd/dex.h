/*
 * dex.h: the DEX feed: Uniswap-V2-style pools read over JSON-RPC.
 *
 * Start-up (once, retried while the node is unreachable): a pool without a
 * configured pair address gets it from factory.getPair(base, quote); then
 * every pair's token0()/token1() decide which reserve is the base. All
 * pools go in one batch per step.
 *
 * Every poll_ms (a fraction of the block time) the feed asks for
 * eth_blockNumber; on a new head it reads the head block's timestamp and
 * every pool's getReserves() AT THAT BLOCK in one batched JSON-RPC round
 * trip, so all markets are consistent with one block.
 *
 * dex_start() runs this in a thread of its own (with its own struct rpc)
 * so that a slow or dead node never blocks the daemon's loop; results
 * come back as struct dex_msg over an inproc ZeroMQ PAIR socket that the
 * daemon polls. dex_resolve() and dex_read() are the same steps for
 * callers with their own rpc (tests, benchmarks).
 */
#ifndef MARKETD_DEX_H
#define MARKETD_DEX_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rpc.h"
#include "tick.h"
#include "u256.h"

#define DEX_MAX_POOLS	128
#define DEX_ERR_MAX	160

struct dex_pool {
	struct tick_market	 m;	/* pair, tokens, decimals, fee */
	int			 has_pair;	/* m.pair configured or found */
	int			 resolved;	/* base_is_token0 known */
	char			 error[DEX_ERR_MAX];	/* why not resolved */
};

enum dex_msg_type {
	DEX_MSG_RESOLVED = 1,	/* item[i]: pair, base_is_token0, or err */
	DEX_MSG_BLOCK,		/* a new head: item[i]: reserves or err */
	DEX_MSG_ALIVE,		/* the node answered, same head */
	DEX_MSG_ERROR		/* the node did not answer: error */
};

struct dex_item {
	uint8_t		 ok;
	uint8_t		 resolved;
	uint8_t		 base_is_token0;
	struct addr	 pair;
	u256		 r0, r1;	/* token0/token1 order */
	char		 err[DEX_ERR_MAX];
};

struct dex_msg {
	int		 type;
	uint64_t	 block;		/* head */
	uint64_t	 block_time;	/* its timestamp, seconds */
	int64_t		 t_reply_us;	/* wall clock the reply arrived */
	int64_t		 cpu_us;	/* thread CPU time spent so far */
	int		 endpoint;	/* index of the endpoint in use */
	char		 endpoint_label[RPC_LABEL_MAX];
	char		 error[256];
	int		 n;		/* items (BLOCK, RESOLVED) */
	struct dex_item	 item[DEX_MAX_POOLS];
};

/* Bytes of msg worth sending: the header plus n items. */
size_t	dex_msg_size(const struct dex_msg *);

/*
 * Resolve the unresolved pools of p[0..n) with factory (NULL: pools must
 * have a pair). Returns 0 when the round trips succeeded (look at each
 * pool's resolved/error), -1 when the node could not be asked (err).
 */
int	dex_resolve(struct rpc *, const struct addr *factory,
	    struct dex_pool *p, size_t n, struct rpc_error *err);

/*
 * Read block `block`'s timestamp and the reserves of the resolved pools
 * of p[0..n) at that block, in one batch. Fills msg (type DEX_MSG_BLOCK,
 * item[i] per pool). Returns 0, or -1 when the batch failed as a whole.
 */
int	dex_read(struct rpc *, uint64_t block, const struct dex_pool *p,
	    size_t n, struct dex_msg *msg, struct rpc_error *err);

struct dex_feed_opts {
	const char	*urls[RPC_MAX_ENDPOINTS];
	int		 nurls;
	int		 timeout_ms;	/* one JSON-RPC request */
	int		 poll_ms;	/* eth_blockNumber period */
	int		 backoff_max_ms;	/* polling after failures */
	int		 has_factory;
	struct addr	 factory;
	const struct dex_pool *pools;	/* copied */
	size_t		 npools;
};

struct dex_feed;

/*
 * Start the feed thread. The daemon polls dex_feed_socket() for messages
 * and reads them with dex_feed_recv(). NULL on failure (logged).
 */
struct dex_feed	*dex_feed_start(void *zctx, const struct dex_feed_opts *);

/* Stop the thread (waits for an RPC call in flight to time out) and free
 * everything. Accepts NULL or a pointer to NULL. */
void	 dex_feed_stop(struct dex_feed **);

void	*dex_feed_socket(struct dex_feed *);

/*
 * Receive one message without blocking. Returns 1 with *msg pointing at
 * the feed's buffer (valid until the next call), 0 when none is waiting,
 * -1 on error.
 */
int	 dex_feed_recv(struct dex_feed *, const struct dex_msg **msg);

#endif
