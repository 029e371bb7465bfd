/*
 * rpc_eth.c: the typed eth_* calls, their parameter builders and the
 * parsers of their results (rpc.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hex.h"
#include "log.h"
#include "rpc.h"
#include "rpc_int.h"

/* ---- typed calls -------------------------------------------------------- */

char *
rpc_block_tag(uint64_t n, char buf[RPC_TAG_MAX])
{
	snprintf(buf, RPC_TAG_MAX, "0x%" PRIx64, n);
	return buf;
}

static int
block_ok(const char *b)
{
	size_t	n;

	if (strcmp(b, "latest") == 0 || strcmp(b, "pending") == 0 ||
	    strcmp(b, "earliest") == 0 || strcmp(b, "safe") == 0 ||
	    strcmp(b, "finalized") == 0)
		return 1;
	if (b[0] != '0' || b[1] != 'x')
		return 0;
	n = strlen(b + 2);
	return n >= 1 && n <= 16 &&
	    strspn(b + 2, "0123456789abcdef") == n &&
	    (n == 1 || b[2] != '0');
}

/* Add s to array a; returns 0 or -1. */
static int
add_str(cJSON *a, const char *s)
{
	cJSON	*v;

	if ((v = cJSON_CreateString(s)) == NULL)
		return -1;
	if (!cJSON_AddItemToArray(a, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

static int
add_addr_member(cJSON *o, const char *name, const uint8_t a[20])
{
	char	buf[43];

	hex_encode(a, 20, buf, 1);
	return cJSON_AddStringToObject(o, name, buf) == NULL ? -1 : 0;
}

/*
 * Call method with params (consumed: deleted here) and return its result
 * (caller deletes) or NULL with e filled. On an error, the message is
 * prefixed with the method for validation and usage errors.
 */
static cJSON *
call_owned(struct rpc *r, const char *method, cJSON *params, int ok,
    struct rpc_error *e)
{
	cJSON	*res = NULL;

	if (!ok || params == NULL) {
		cJSON_Delete(params);
		rpc_seterr(e, RPC_ERR_USAGE, -1, "%s: bad arguments or out of"
		    " memory", method);
		return NULL;
	}
	if (rpc_call(r, method, params, &res, e) == -1)
		res = NULL;
	cJSON_Delete(params);
	return res;
}

static int
fail_shape(const char *method, struct rpc_error *e)
{
	rpc_err_prefix(e, method);
	return -1;
}

static int
get_quantity_u64(struct rpc *r, const char *method, cJSON *params, int ok,
    uint64_t *out, struct rpc_error *e)
{
	cJSON	*res;
	int	 rc;

	if ((res = call_owned(r, method, params, ok && out != NULL, e)) ==
	    NULL)
		return -1;
	rc = rpc_parse_u64(res, "result", out, e);
	cJSON_Delete(res);
	return rc == 0 ? 0 : fail_shape(method, e);
}

static int
get_quantity_u256(struct rpc *r, const char *method, cJSON *params, int ok,
    u256 *out, struct rpc_error *e)
{
	cJSON	*res;
	int	 rc;

	if ((res = call_owned(r, method, params, ok && out != NULL, e)) ==
	    NULL)
		return -1;
	rc = rpc_parse_u256(res, "result", out, e);
	cJSON_Delete(res);
	return rc == 0 ? 0 : fail_shape(method, e);
}

int
rpc_chain_id(struct rpc *r, uint64_t *out, struct rpc_error *err)
{
	return get_quantity_u64(r, "eth_chainId", cJSON_CreateArray(), 1,
	    out, err);
}

int
rpc_block_number(struct rpc *r, uint64_t *out, struct rpc_error *err)
{
	return get_quantity_u64(r, "eth_blockNumber", cJSON_CreateArray(), 1,
	    out, err);
}

/* [address, block] params; ok reports success. */
static cJSON *
addr_block_params(const uint8_t addr[20], const char *block, int *ok)
{
	cJSON	*p;
	char	 buf[43];

	*ok = 0;
	if (block == NULL)
		block = "latest";
	if (addr == NULL || !block_ok(block))
		return cJSON_CreateArray();
	if ((p = cJSON_CreateArray()) == NULL)
		return NULL;
	hex_encode(addr, 20, buf, 1);
	*ok = add_str(p, buf) == 0 && add_str(p, block) == 0;
	return p;
}

int
rpc_get_balance(struct rpc *r, const uint8_t addr[20], const char *block,
    u256 *out, struct rpc_error *err)
{
	cJSON	*p;
	int	 ok;

	p = addr_block_params(addr, block, &ok);
	return get_quantity_u256(r, "eth_getBalance", p, ok, out, err);
}

int
rpc_get_transaction_count(struct rpc *r, const uint8_t addr[20],
    const char *block, uint64_t *out, struct rpc_error *err)
{
	cJSON	*p;
	int	 ok;

	p = addr_block_params(addr, block, &ok);
	return get_quantity_u64(r, "eth_getTransactionCount", p, ok, out,
	    err);
}

int
rpc_gas_price(struct rpc *r, u256 *out, struct rpc_error *err)
{
	return get_quantity_u256(r, "eth_gasPrice", cJSON_CreateArray(), 1,
	    out, err);
}

int
rpc_max_priority_fee(struct rpc *r, u256 *out, struct rpc_error *err)
{
	return get_quantity_u256(r, "eth_maxPriorityFeePerGas",
	    cJSON_CreateArray(), 1, out, err);
}

/* The call object for eth_call/eth_estimateGas, or NULL. */
static cJSON *
callmsg_json(const struct rpc_callmsg *m)
{
	cJSON	*o;
	char	 q[U256_HEX_MAX], *d;
	int	 ok = 1;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (m->from != NULL)
		ok &= add_addr_member(o, "from", m->from) == 0;
	if (m->to != NULL)
		ok &= add_addr_member(o, "to", m->to) == 0;
	if (m->value != NULL)
		ok &= cJSON_AddStringToObject(o, "value",
		    u256_to_hex(m->value, q)) != NULL;
	if (m->data != NULL && m->datalen > 0) {
		if ((d = hex_encode_alloc(m->data, m->datalen, 1)) == NULL)
			ok = 0;
		else {
			ok &= cJSON_AddStringToObject(o, "data", d) != NULL;
			free(d);
		}
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
rpc_callmsg_params(const struct rpc_callmsg *msg, const char *block)
{
	cJSON	*p, *o;

	if (msg == NULL || (msg->datalen > 0 && msg->data == NULL) ||
	    (block != NULL && !block_ok(block)) ||
	    (p = cJSON_CreateArray()) == NULL)
		return NULL;
	if ((o = callmsg_json(msg)) == NULL) {
		cJSON_Delete(p);
		return NULL;
	}
	if (!cJSON_AddItemToArray(p, o)) {
		cJSON_Delete(o);
		cJSON_Delete(p);
		return NULL;
	}
	if (block != NULL && add_str(p, block) == -1) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

int
rpc_estimate_gas(struct rpc *r, const struct rpc_callmsg *msg,
    uint64_t *out, struct rpc_error *err)
{
	cJSON	*p = rpc_callmsg_params(msg, NULL);

	return get_quantity_u64(r, "eth_estimateGas", p, p != NULL, out, err);
}

int
rpc_eth_call(struct rpc *r, const struct rpc_callmsg *msg, const char *block,
    uint8_t **out, size_t *outlen, struct rpc_error *err)
{
	cJSON	*p, *res;
	int	 ok = 0, rc;

	if (block == NULL)
		block = "latest";
	p = msg != NULL && msg->to != NULL ? rpc_callmsg_params(msg, block) :
	    NULL;
	ok = p != NULL;
	if ((res = call_owned(r, "eth_call", p,
	    ok && out != NULL && outlen != NULL, err)) == NULL)
		return -1;
	rc = rpc_parse_data(res, "result", out, outlen, err);
	cJSON_Delete(res);
	return rc == 0 ? 0 : fail_shape("eth_call", err);
}

int
rpc_send_raw_transaction(struct rpc *r, const uint8_t *raw, size_t rawlen,
    uint8_t hash[32], struct rpc_error *err)
{
	cJSON	*p, *res;
	char	*hex = NULL;
	int	 ok = 0, rc;

	if ((p = cJSON_CreateArray()) != NULL && raw != NULL && rawlen > 0 &&
	    (hex = hex_encode_alloc(raw, rawlen, 1)) != NULL)
		ok = add_str(p, hex) == 0;
	free(hex);
	if ((res = call_owned(r, "eth_sendRawTransaction", p,
	    ok && hash != NULL, err)) == NULL)
		return -1;
	rc = rpc_parse_hash(res, "result", hash, err);
	cJSON_Delete(res);
	return rc == 0 ? 0 : fail_shape("eth_sendRawTransaction", err);
}

/* [hash] params. */
static cJSON *
hash_params(const uint8_t hash[32], int *ok)
{
	cJSON	*p;
	char	 buf[67];

	*ok = 0;
	if ((p = cJSON_CreateArray()) == NULL || hash == NULL)
		return p;
	hex_encode(hash, 32, buf, 1);
	*ok = add_str(p, buf) == 0;
	return p;
}

void
rpc_receipt_free(struct rpc_receipt **rp)
{
	struct rpc_receipt	*rc;
	size_t			 i;

	if (rp == NULL || (rc = *rp) == NULL)
		return;
	*rp = NULL;
	for (i = 0; i < rc->nlogs; i++)
		free(rc->logs[i].data);
	free(rc->logs);
	free(rc);
}

static int
parse_log(const cJSON *o, struct rpc_log *l, struct rpc_error *e)
{
	const cJSON	*topics, *t;
	int		 i = 0;

	if (!cJSON_IsObject(o)) {
		rpc_badval(o, "log", "an object", e);
		return -1;
	}
	if (rpc_parse_address(cJSON_GetObjectItemCaseSensitive(o, "address"),
	    "log.address", l->address, e) == -1 ||
	    rpc_parse_u64(cJSON_GetObjectItemCaseSensitive(o, "logIndex"),
	    "log.logIndex", &l->log_index, e) == -1)
		return -1;
	topics = cJSON_GetObjectItemCaseSensitive(o, "topics");
	if (!cJSON_IsArray(topics) || cJSON_GetArraySize(topics) > 4) {
		rpc_badval(topics, "log.topics", "an array of at most 4 hashes",
		    e);
		return -1;
	}
	cJSON_ArrayForEach(t, topics) {
		if (rpc_parse_hash(t, "log.topics[]", l->topics[i], e) == -1)
			return -1;
		i++;
	}
	l->ntopics = i;
	return rpc_parse_data(cJSON_GetObjectItemCaseSensitive(o, "data"),
	    "log.data", &l->data, &l->datalen, e);
}

static int
parse_receipt(const cJSON *o, const uint8_t want[32], struct rpc_receipt *rc,
    struct rpc_error *e)
{
	const cJSON	*v, *logs, *l;
	uint64_t	 status;
	size_t		 n, i = 0;

	if (!cJSON_IsObject(o)) {
		rpc_badval(o, "receipt", "an object or null", e);
		return -1;
	}
#define F(name)	cJSON_GetObjectItemCaseSensitive(o, name)
	if (rpc_parse_hash(F("transactionHash"), "transactionHash",
	    rc->tx_hash, e) == -1 ||
	    rpc_parse_hash(F("blockHash"), "blockHash", rc->block_hash,
	    e) == -1 ||
	    rpc_parse_u64(F("blockNumber"), "blockNumber", &rc->block_number,
	    e) == -1 ||
	    rpc_parse_u64(F("status"), "status", &status, e) == -1 ||
	    rpc_parse_u64(F("gasUsed"), "gasUsed", &rc->gas_used, e) == -1 ||
	    rpc_parse_u64(F("cumulativeGasUsed"), "cumulativeGasUsed",
	    &rc->cumulative_gas_used, e) == -1)
		return -1;
	if (memcmp(rc->tx_hash, want, 32) != 0) {
		rpc_seterr(e, RPC_ERR_VALIDATION, -1, "receipt is for another"
		    " transaction");
		return -1;
	}
	if (status > 1) {
		rpc_seterr(e, RPC_ERR_VALIDATION, -1,
		    "status: want 0x0 or 0x1");
		return -1;
	}
	rc->status = (int)status;
	if ((v = F("effectiveGasPrice")) != NULL && !cJSON_IsNull(v)) {
		if (rpc_parse_u256(v, "effectiveGasPrice",
		    &rc->effective_gas_price, e) == -1)
			return -1;
		rc->has_effective_gas_price = 1;
	}
	if ((v = F("contractAddress")) != NULL && !cJSON_IsNull(v)) {
		if (rpc_parse_address(v, "contractAddress",
		    rc->contract_address, e) == -1)
			return -1;
		rc->has_contract_address = 1;
	}
	logs = F("logs");
#undef F
	if (!cJSON_IsArray(logs)) {
		rpc_badval(logs, "logs", "an array", e);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(logs);
	if (n > 0 && (rc->logs = calloc(n, sizeof(*rc->logs))) == NULL) {
		rpc_seterr(e, RPC_ERR_USAGE, -1, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(l, logs) {
		if (i >= n)
			break;
		rc->nlogs = i + 1;	/* so that free sees a partial log */
		if (parse_log(l, &rc->logs[i], e) == -1)
			return -1;
		i++;
	}
	return 0;
}

int
rpc_get_receipt(struct rpc *r, const uint8_t hash[32],
    struct rpc_receipt **out, struct rpc_error *err)
{
	struct rpc_receipt	*rc;
	cJSON			*p, *res;
	int			 ok;

	if (out != NULL)
		*out = NULL;
	p = hash_params(hash, &ok);
	if ((res = call_owned(r, "eth_getTransactionReceipt", p,
	    ok && out != NULL, err)) == NULL)
		return -1;
	if (cJSON_IsNull(res)) {
		cJSON_Delete(res);
		return 0;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		cJSON_Delete(res);
		rpc_seterr(err, RPC_ERR_USAGE, -1, "out of memory");
		return -1;
	}
	if (parse_receipt(res, hash, rc, err) == -1) {
		cJSON_Delete(res);
		rpc_receipt_free(&rc);
		return fail_shape("eth_getTransactionReceipt", err);
	}
	cJSON_Delete(res);
	*out = rc;
	return 0;
}

int
rpc_get_transaction(struct rpc *r, const uint8_t hash[32],
    struct rpc_tx_info *out, struct rpc_error *err)
{
	struct rpc_tx_info	 t;
	const cJSON		*bn;
	cJSON			*p, *res;
	uint8_t			 h[32];
	int			 ok;

	p = hash_params(hash, &ok);
	if ((res = call_owned(r, "eth_getTransactionByHash", p,
	    ok && out != NULL, err)) == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	if (cJSON_IsNull(res)) {
		cJSON_Delete(res);
		*out = t;
		return 0;
	}
#define F(name)	cJSON_GetObjectItemCaseSensitive(res, name)
	if (!cJSON_IsObject(res)) {
		rpc_badval(res, "transaction", "an object or null", err);
		goto bad;
	}
	if (rpc_parse_hash(F("hash"), "hash", h, err) == -1 ||
	    rpc_parse_u64(F("nonce"), "nonce", &t.nonce, err) == -1 ||
	    rpc_parse_address(F("from"), "from", t.from, err) == -1)
		goto bad;
	if (memcmp(h, hash, 32) != 0) {
		rpc_seterr(err, RPC_ERR_VALIDATION, -1, "node returned another"
		    " transaction");
		goto bad;
	}
	bn = F("blockNumber");
#undef F
	t.found = 1;
	if (bn == NULL || cJSON_IsNull(bn))
		t.pending = 1;
	else if (rpc_parse_u64(bn, "blockNumber", &t.block_number, err) == -1)
		goto bad;
	cJSON_Delete(res);
	*out = t;
	return 0;
bad:
	cJSON_Delete(res);
	return fail_shape("eth_getTransactionByHash", err);
}

int
rpc_parse_block(const cJSON *res, int pending, struct rpc_block *out,
    struct rpc_error *err)
{
	struct rpc_block	 b;
	const cJSON		*v;

	memset(&b, 0, sizeof(b));
	if (cJSON_IsNull(res)) {
		*out = b;
		return 0;
	}
#define F(name)	cJSON_GetObjectItemCaseSensitive(res, name)
	if (!cJSON_IsObject(res)) {
		rpc_badval(res, "block", "an object or null", err);
		return -1;
	}
	if (rpc_parse_u64(F("number"), "number", &b.number, err) == -1 ||
	    rpc_parse_u64(F("timestamp"), "timestamp", &b.timestamp,
	    err) == -1 ||
	    rpc_parse_u64(F("gasLimit"), "gasLimit", &b.gas_limit, err) == -1 ||
	    rpc_parse_u64(F("gasUsed"), "gasUsed", &b.gas_used, err) == -1)
		return -1;
	/* a pending block has no hash yet */
	v = F("hash");
	if (!(cJSON_IsNull(v) && pending) &&
	    rpc_parse_hash(v, "hash", b.hash, err) == -1)
		return -1;
	if ((v = F("baseFeePerGas")) != NULL && !cJSON_IsNull(v)) {
		if (rpc_parse_u256(v, "baseFeePerGas", &b.base_fee, err) == -1)
			return -1;
		b.has_base_fee = 1;
	}
#undef F
	b.found = 1;
	*out = b;
	return 0;
}

cJSON *
rpc_block_params(const char *block)
{
	cJSON	*p, *f;

	if (block == NULL)
		block = "latest";
	if (!block_ok(block) || (p = cJSON_CreateArray()) == NULL)
		return NULL;
	if (add_str(p, block) == 0 && (f = cJSON_CreateFalse()) != NULL) {
		if (cJSON_AddItemToArray(p, f))
			return p;
		cJSON_Delete(f);
	}
	cJSON_Delete(p);
	return NULL;
}

int
rpc_get_block(struct rpc *r, const char *block, struct rpc_block *out,
    struct rpc_error *err)
{
	cJSON	*res, *p;
	int	 rc;

	if (block == NULL)
		block = "latest";
	p = rpc_block_params(block);
	if ((res = call_owned(r, "eth_getBlockByNumber", p, p != NULL &&
	    out != NULL, err)) == NULL)
		return -1;
	rc = rpc_parse_block(res, strcmp(block, "pending") == 0, out, err);
	cJSON_Delete(res);
	return rc == 0 ? 0 : fail_shape("eth_getBlockByNumber", err);
}
