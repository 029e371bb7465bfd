/*
 * rpc.h: Ethereum JSON-RPC 2.0 client over HTTP(S) (libcurl + cJSON).
 *
 * A struct rpc holds a list of endpoints in failover order, each with its
 * own keep-alive curl handle and a health record, plus an optional
 * separate endpoint that alone receives eth_sendRawTransaction (a private,
 * MEV-protected RPC).
 *
 * Failures and retries. An attempt that fails for a reason that is the
 * endpoint's fault (connection refused or reset, timeout, HTTP 5xx or
 * 429, a body that is not a valid JSON-RPC response) demotes that
 * endpoint and the same request goes at once to the next one. When every
 * endpoint failed in a round, the client sleeps (exponential backoff from
 * backoff_ms, capped at backoff_max_ms, with jitter) and starts another
 * round, up to `retries` extra rounds, and never past the call budget.
 * Another HTTP 4xx (a wrong path or API key: the endpoint's problem, but
 * not a passing one) fails over to the other endpoints in the same round
 * but starts no new round. A JSON-RPC error object (the node's answer, any
 * HTTP status but 5xx and 429), an oversized response and a bad argument
 * are not retried at all. Retrying eth_sendRawTransaction is safe:
 * the same signed bytes have the same hash ("already known" at worst),
 * but note that after a timeout the transaction may have been delivered.
 *
 * Health. Each endpoint has a score in (0, 1]: 1 / (1 + w), where w is a
 * count of failures that halves every minute. A failure also demotes the
 * endpoint for demote_ms, doubling with each consecutive failure up to
 * demote_max_ms; a success clears the demotion. Calls go to endpoints not
 * demoted first, then by score (rounded to a tenth, so that noise does not
 * flap between endpoints), then in configured order; so a demoted primary
 * is tried again once its demotion ran out and it has recovered its score.
 * Endpoint URLs may carry API keys: logs and error messages show only a
 * label (scheme, host and port).
 *
 * Thread-safety: none. Use one struct rpc per thread. rpc_new() performs
 * curl_global_init once per process (thread-safely); curl_global_cleanup
 * is never called.
 */
#ifndef BSC_RPC_H
#define BSC_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "u256.h"

#define RPC_MAX_ENDPOINTS	16
#define RPC_ERR_MSG_MAX		256
#define RPC_ERR_DATA_MAX	4096
#define RPC_LABEL_MAX		128
#define RPC_TAG_MAX		24	/* "0x" + 16 digits, or a name */

enum rpc_err_kind {
	RPC_ERR_NONE = 0,
	RPC_ERR_TRANSPORT,	/* connect, reset, timeout, truncated reply */
	RPC_ERR_HTTP,		/* non-2xx status without a JSON-RPC error */
	RPC_ERR_JSON,		/* body is not a valid JSON-RPC response */
	RPC_ERR_RPC,		/* the node returned an error object */
	RPC_ERR_VALIDATION,	/* result has the wrong shape or type */
	RPC_ERR_TOOBIG,		/* response larger than max_response */
	RPC_ERR_USAGE		/* bad argument, or out of memory */
};

/*
 * What went wrong. message is always NUL-terminated and never holds a URL
 * path or query (which may carry an API key). For RPC_ERR_RPC, code and
 * message are the node's own (message truncated to fit) and data is the
 * error's "data" member: verbatim when it is a string (revert data
 * "0x08c379a0..."), compact JSON otherwise, "" when absent.
 */
struct rpc_error {
	enum rpc_err_kind	 kind;
	int			 http_status;	/* last HTTP status, 0 if none */
	int			 timeout;	/* transport error was a timeout */
	long long		 code;		/* RPC_ERR_RPC: error code */
	int			 endpoint;	/* index (see below), -1 none */
	int			 data_truncated;
	char			 message[RPC_ERR_MSG_MAX];
	char			 data[RPC_ERR_DATA_MAX];
};

/*
 * Options. Call rpc_opts_init() first for the defaults, then set urls and
 * whatever else differs. Strings are copied by rpc_new().
 */
struct rpc_opts {
	const char	*urls[RPC_MAX_ENDPOINTS]; /* failover order */
	int		 nurls;			/* 1..RPC_MAX_ENDPOINTS */
	const char	*send_url;	/* NULL: raw txs go to urls */
	int		 connect_timeout_ms;	/* default 3000 */
	int		 timeout_ms;	/* per attempt, total; default 10000 */
	int		 retries;	/* extra rounds; default 2 */
	int		 backoff_ms;	/* first backoff; default 200 */
	int		 backoff_max_ms;	/* cap; default 5000 */
	int		 budget_ms;	/* whole call incl. retries; 0: none;
					 * default 30000 */
	size_t		 max_response;	/* bytes; default 32 MiB */
	int		 demote_ms;	/* first demotion; default 2000 */
	int		 demote_max_ms;	/* cap; default 60000 */
};

/* Per-endpoint health, for status and metrics. */
struct rpc_health {
	char		 label[RPC_LABEL_MAX];	/* "https://host:port" */
	int		 is_send;	/* the send-only endpoint */
	double		 score;		/* (0, 1], 1 = no recent failures */
	int		 demoted;	/* 1 while demoted */
	int64_t		 demoted_left_ms;
	unsigned	 consecutive_failures;
	uint64_t	 ok;		/* successful attempts, lifetime */
	uint64_t	 failed;	/* failed attempts, lifetime */
	double		 latency_ms;	/* EWMA of successful attempts */
	int64_t		 last_ok_ago_ms;	/* -1: never */
	int64_t		 last_error_ago_ms;	/* -1: never */
	char		 last_error[RPC_ERR_MSG_MAX];	/* "" if none */
};

struct rpc;

/* Fill o with the defaults (no URLs). */
void	rpc_opts_init(struct rpc_opts *o);

/*
 * Create a client. URLs must be http:// or https://. Returns NULL (and
 * logs why) on a bad option or when curl cannot be set up. Free with
 * rpc_free.
 */
struct rpc	*rpc_new(const struct rpc_opts *o);

/* Free the client and its curl handles. Accepts NULL or a pointer to
 * NULL; clears the pointer. */
void	rpc_free(struct rpc **);

/*
 * Endpoints are numbered 0..nurls-1 in configured order; the send
 * endpoint, when configured, is number nurls. Returns that count
 * (nurls, plus one with a send endpoint).
 */
int	rpc_endpoint_count(const struct rpc *);

/*
 * The endpoint the next ordinary call would try first (the healthiest).
 * Returns its index.
 */
int	rpc_endpoint_in_use(const struct rpc *);

/*
 * Microseconds spent in HTTP exchanges with the nodes since rpc_new
 * (curl's transfers: connect, send, the node's work, receive; not the
 * JSON work around them). For metrics, and for the benchmarks' "own
 * time excluding the node" accounting.
 */
uint64_t rpc_wire_us(const struct rpc *);

/* Fill out with endpoint i's health. Returns 0, or -1 if i is out of
 * range. */
int	rpc_endpoint_health(const struct rpc *, int i, struct rpc_health *out);

/* Clear an error (kind RPC_ERR_NONE, endpoint -1, strings empty). */
void	rpc_error_clear(struct rpc_error *);

/* Static name of a kind: "transport", "http", "json", "rpc", ... */
const char	*rpc_err_kind_name(enum rpc_err_kind);

/*
 * Predicate: 1 when err is an RPC_ERR_RPC whose message contains needle,
 * ASCII case-insensitively ("nonce too low", "already known",
 * "replacement transaction underpriced", "execution reverted"), else 0.
 */
int	rpc_error_match(const struct rpc_error *err, const char *needle);

/*
 * Call method with params (a JSON array, borrowed and not modified; NULL
 * means []). Returns 0 and stores the "result" member in *result (never
 * NULL on success; a JSON null for a null result; the caller frees it
 * with cJSON_Delete), or -1 with *result NULL and err filled. err may be
 * NULL. eth_sendRawTransaction goes only to the send endpoint when one is
 * configured.
 */
int	rpc_call(struct rpc *, const char *method, const cJSON *params,
	    cJSON **result, struct rpc_error *err);

/* One call of a batch: method and params in, result and err out. */
struct rpc_batch_item {
	const char	*method;	/* in */
	const cJSON	*params;	/* in, borrowed; NULL means [] */
	cJSON		*result;	/* out: caller frees (rpc_batch_clear) */
	struct rpc_error err;		/* out: RPC_ERR_NONE on success */
};

/*
 * Send the n calls in one HTTP request (retried and failed over as a
 * whole). Responses are matched by id in any order; a call whose id is
 * missing from the reply, or appears twice, gets an RPC_ERR_JSON error of
 * its own. Returns 0 when the round trip succeeded (then look at each
 * item's err.kind), -1 when the whole batch failed (err and every item's
 * err filled, no results). A batch with eth_sendRawTransaction and other
 * methods mixed is refused when a send endpoint is configured. n == 0
 * returns 0 at once.
 */
int	rpc_batch(struct rpc *, struct rpc_batch_item *items, size_t n,
	    struct rpc_error *err);

/* cJSON_Delete every item's result and set it to NULL. */
void	rpc_batch_clear(struct rpc_batch_item *items, size_t n);

/*
 * Strict parsers of result values; what names the field in the error
 * message ("blockNumber"). Each returns 0, or -1 with an
 * RPC_ERR_VALIDATION error in err (which may be NULL).
 *  quantity: "0x" then 1..64 hex digits (u64: the value must fit);
 *  data:     "0x" then an even number of hex digits; *out is malloc'd
 *            (also for zero bytes) and the caller frees it;
 *  hash:     exactly 32 bytes of data; address: exactly 20.
 */
int	rpc_parse_u64(const cJSON *v, const char *what, uint64_t *out,
	    struct rpc_error *err);
int	rpc_parse_u256(const cJSON *v, const char *what, u256 *out,
	    struct rpc_error *err);
int	rpc_parse_data(const cJSON *v, const char *what, uint8_t **out,
	    size_t *outlen, struct rpc_error *err);
int	rpc_parse_hash(const cJSON *v, const char *what, uint8_t out[32],
	    struct rpc_error *err);
int	rpc_parse_address(const cJSON *v, const char *what, uint8_t out[20],
	    struct rpc_error *err);

/*
 * Block tags. block arguments below are "latest", "pending", "earliest",
 * "safe", "finalized" or a quantity ("0x1b4"); NULL means "latest".
 * rpc_block_tag writes the quantity tag of block n into buf and returns
 * buf.
 */
char	*rpc_block_tag(uint64_t n, char buf[RPC_TAG_MAX]);

/*
 * Typed calls. Each returns 0 with its outputs set, or -1 with err filled
 * (err may be NULL) and its outputs untouched unless said otherwise.
 */
int	rpc_chain_id(struct rpc *, uint64_t *out, struct rpc_error *err);
int	rpc_block_number(struct rpc *, uint64_t *out, struct rpc_error *err);
int	rpc_get_balance(struct rpc *, const uint8_t addr[20],
	    const char *block, u256 *out, struct rpc_error *err);
/* block: "latest" or "pending" for the next nonce to use. */
int	rpc_get_transaction_count(struct rpc *, const uint8_t addr[20],
	    const char *block, uint64_t *out, struct rpc_error *err);
int	rpc_gas_price(struct rpc *, u256 *out, struct rpc_error *err);
/* Nodes without EIP-1559 support answer with an RPC_ERR_RPC error. */
int	rpc_max_priority_fee(struct rpc *, u256 *out, struct rpc_error *err);

/* A message call for eth_call and eth_estimateGas. NULL fields are left
 * out (to NULL: contract creation, for estimateGas only). */
struct rpc_callmsg {
	const uint8_t	*from;		/* 20 bytes or NULL */
	const uint8_t	*to;		/* 20 bytes or NULL */
	const u256	*value;		/* NULL: none */
	const uint8_t	*data;		/* NULL or datalen bytes */
	size_t		 datalen;
};

int	rpc_estimate_gas(struct rpc *, const struct rpc_callmsg *msg,
	    uint64_t *out, struct rpc_error *err);
/*
 * eth_call at block. On success *out is malloc'd (even for an empty
 * return) and the caller frees it. A revert is an RPC_ERR_RPC error
 * ("execution reverted") with the revert data in err->data.
 */
int	rpc_eth_call(struct rpc *, const struct rpc_callmsg *msg,
	    const char *block, uint8_t **out, size_t *outlen,
	    struct rpc_error *err);
/* Broadcast signed bytes; stores the node's transaction hash. */
int	rpc_send_raw_transaction(struct rpc *, const uint8_t *raw,
	    size_t rawlen, uint8_t hash[32], struct rpc_error *err);

struct rpc_log {
	uint8_t		 address[20];
	uint8_t		 topics[4][32];
	int		 ntopics;	/* 0..4 */
	uint8_t		*data;		/* malloc'd (freed with receipt) */
	size_t		 datalen;
	uint64_t	 log_index;
};

struct rpc_receipt {
	uint8_t		 tx_hash[32];
	uint8_t		 block_hash[32];
	uint64_t	 block_number;
	int		 status;	/* 1 success, 0 reverted */
	uint64_t	 gas_used;
	uint64_t	 cumulative_gas_used;
	int		 has_effective_gas_price;
	u256		 effective_gas_price;
	int		 has_contract_address;
	uint8_t		 contract_address[20];
	struct rpc_log	*logs;
	size_t		 nlogs;
};

/*
 * eth_getTransactionReceipt. Returns 0 with *out NULL when the node has
 * no receipt (unknown or still pending), 0 with *out a new receipt (free
 * it with rpc_receipt_free), or -1.
 */
int	rpc_get_receipt(struct rpc *, const uint8_t hash[32],
	    struct rpc_receipt **out, struct rpc_error *err);
/* Accepts NULL or a pointer to NULL; clears the pointer. */
void	rpc_receipt_free(struct rpc_receipt **);

struct rpc_tx_info {
	int		 found;		/* 0: node does not know it */
	int		 pending;	/* found, not yet in a block */
	uint64_t	 block_number;	/* when mined */
	uint64_t	 nonce;
	uint8_t		 from[20];
};

/* eth_getTransactionByHash. Returns 0 (check out->found) or -1. */
int	rpc_get_transaction(struct rpc *, const uint8_t hash[32],
	    struct rpc_tx_info *out, struct rpc_error *err);

struct rpc_block {
	int		 found;		/* 0: no such block yet */
	uint64_t	 number;
	uint64_t	 timestamp;	/* seconds */
	uint8_t		 hash[32];
	uint64_t	 gas_limit;
	uint64_t	 gas_used;
	int		 has_base_fee;	/* pre-London blocks have none */
	u256		 base_fee;	/* baseFeePerGas, wei */
};

/*
 * For rpc_batch: the params of eth_getBlockByNumber(block, false), and
 * of eth_call / eth_estimateGas (block NULL: no block argument, as
 * eth_estimateGas takes it). Each returns a new array (the caller
 * deletes it), or NULL for a bad argument or no memory.
 */
cJSON	*rpc_block_params(const char *block);
cJSON	*rpc_callmsg_params(const struct rpc_callmsg *msg, const char *block);

/*
 * The result of eth_getBlockByNumber: a JSON null is no block (found 0);
 * pending: the block asked for was "pending" (no hash yet). Returns 0,
 * or -1 with an RPC_ERR_VALIDATION error in err (may be NULL).
 */
int	rpc_parse_block(const cJSON *v, int pending, struct rpc_block *out,
	    struct rpc_error *err);

/* eth_getBlockByNumber(block, false). Returns 0 (check out->found) or -1. */
int	rpc_get_block(struct rpc *, const char *block, struct rpc_block *out,
	    struct rpc_error *err);

#endif
