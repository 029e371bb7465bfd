/*
 * check_rpc.c: the JSON-RPC client against t/httpstub (a fake node that
 * answers by method, with scripted faults), and against the local chain
 * when BSC_TEST_RPC is set.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "hex.h"
#include "httpstub.h"
#include "log.h"
#include "rpc.h"
#include "testutil.h"
#include "u256.h"

/* ---- a fake node -------------------------------------------------------- */

#define FAKE_RULES	32

/*
 * A rule answers one method: either with a result (JSON text, wrapped in
 * a proper envelope) or with a raw template in which every "$ID" becomes
 * the request's id.
 */
struct fake_rule {
	const char	*method;
	const char	*result;
	const char	*tmpl;
	int		 status;
};

struct fake {
	struct fake_rule rules[FAKE_RULES];
	int		 nrules;
	int		 batch_reverse;	/* answer a batch in reverse order */
	int		 batch_drop;	/* leave out this entry (-1: none) */
	int		 batch_dup;	/* answer this entry twice (-1: none) */
};

static void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->batch_drop = f->batch_dup = -1;
}

static void
fake_result(struct fake *f, const char *method, const char *result)
{
	ck_assert_int_lt(f->nrules, FAKE_RULES);
	f->rules[f->nrules].method = method;
	f->rules[f->nrules].result = result;
	f->nrules++;
}

static void
fake_raw(struct fake *f, const char *method, int status, const char *tmpl)
{
	ck_assert_int_lt(f->nrules, FAKE_RULES);
	f->rules[f->nrules].method = method;
	f->rules[f->nrules].tmpl = tmpl;
	f->rules[f->nrules].status = status;
	f->nrules++;
}

/* Append s to a growing string; abort on no memory (test code). */
static void
sb_add(char **b, size_t *len, const char *s)
{
	size_t	n = strlen(s);

	*b = realloc(*b, *len + n + 1);
	if (*b == NULL)
		abort();
	memcpy(*b + *len, s, n + 1);
	*len += n;
}

/* Render the answer to one request object into *b. */
static int
fake_render(struct fake *f, const cJSON *req, char **b, size_t *len)
{
	const cJSON	*id = cJSON_GetObjectItemCaseSensitive(req, "id");
	const cJSON	*m = cJSON_GetObjectItemCaseSensitive(req, "method");
	const char	*t, *p;
	char		 ids[32];
	int		 i, status = 200;

	if (cJSON_IsNumber(id))
		snprintf(ids, sizeof(ids), "%.0f", id->valuedouble);
	else
		snprintf(ids, sizeof(ids), "null");
	for (i = 0; i < f->nrules; i++)
		if (cJSON_IsString(m) &&
		    strcmp(f->rules[i].method, m->valuestring) == 0)
			break;
	if (i == f->nrules) {
		sb_add(b, len, "{\"jsonrpc\":\"2.0\",\"id\":");
		sb_add(b, len, ids);
		sb_add(b, len, ",\"error\":{\"code\":-32601,"
		    "\"message\":\"method not found\"}}");
		return 200;
	}
	if (f->rules[i].result != NULL) {
		sb_add(b, len, "{\"jsonrpc\":\"2.0\",\"id\":");
		sb_add(b, len, ids);
		sb_add(b, len, ",\"result\":");
		sb_add(b, len, f->rules[i].result);
		sb_add(b, len, "}");
		return 200;
	}
	if (f->rules[i].status != 0)
		status = f->rules[i].status;
	for (t = f->rules[i].tmpl; (p = strstr(t, "$ID")) != NULL; t = p + 3) {
		char	 tmp[1024];
		size_t	 n = (size_t)(p - t);

		ck_assert_uint_lt(n, sizeof(tmp));
		memcpy(tmp, t, n);
		tmp[n] = '\0';
		sb_add(b, len, tmp);
		sb_add(b, len, ids);
	}
	sb_add(b, len, t);
	return status;
}

static int
fake_handler(void *arg, const struct httpstub_req *q,
    struct httpstub_resp *resp)
{
	struct fake	*f = arg;
	cJSON		*req, *el;
	char		*b = NULL;
	size_t		 len = 0;
	int		 n, i, k, status = 200;

	if ((req = cJSON_Parse(q->body)) == NULL) {
		resp->status = 400;
		resp->body = "fake: request is not JSON";
		return 0;
	}
	if (cJSON_IsArray(req)) {
		n = cJSON_GetArraySize(req);
		sb_add(&b, &len, "[");
		for (k = 0, i = 0; i < n; i++) {
			int j = f->batch_reverse ? n - 1 - i : i;

			if (j == f->batch_drop)
				continue;
			el = cJSON_GetArrayItem(req, j);
			if (k++ > 0)
				sb_add(&b, &len, ",");
			(void)fake_render(f, el, &b, &len);
			if (j == f->batch_dup) {
				sb_add(&b, &len, ",");
				(void)fake_render(f, el, &b, &len);
			}
		}
		sb_add(&b, &len, "]");
	} else
		status = fake_render(f, req, &b, &len);
	cJSON_Delete(req);
	resp->status = status;
	resp->body = b;
	resp->body_free = 1;
	resp->headers = "Content-Type: application/json\r\n";
	return 0;
}

/* ---- fixtures --------------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
opts_fast(struct rpc_opts *o)
{
	rpc_opts_init(o);
	o->connect_timeout_ms = 1000;
	o->timeout_ms = 2000;
	o->retries = 0;
	o->backoff_ms = 10;
	o->backoff_max_ms = 50;
	o->budget_ms = 10000;
}

static struct rpc *
rpc1(const char *url, int retries)
{
	struct rpc_opts	o;

	opts_fast(&o);
	o.urls[0] = url;
	o.nurls = 1;
	o.retries = retries;
	return rpc_new(&o);
}

static char *
dead_url(void)
{
	static char	 buf[4][64];
	static int	 k;
	int		 port = httpstub_unused_port();

	ck_assert_int_gt(port, 0);
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "http://127.0.0.1:%d", port);
	return buf[k];
}

/* The request body of recorded request i, parsed (caller deletes). */
static cJSON *
req_json(struct httpstub *s, size_t i)
{
	const struct httpstub_req	*q = httpstub_request(s, i);
	cJSON				*j;

	ck_assert_ptr_nonnull(q);
	j = cJSON_Parse(q->body);
	ck_assert_ptr_nonnull(j);
	return j;
}

static const char *
param_str(const cJSON *req, int i)
{
	const cJSON	*p = cJSON_GetObjectItemCaseSensitive(req, "params");
	const cJSON	*v = cJSON_GetArrayItem(p, i);

	ck_assert(cJSON_IsString(v));
	return v->valuestring;
}

#define H32A "0x1111111111111111111111111111111111111111111111111111111111111111"
#define H32B "0x2222222222222222222222222222222222222222222222222222222222222222"
#define ADDR1 "0xabcdefabcdefabcdefabcdefabcdefabcdefabcd"
#define TOPIC0 "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

static const uint8_t	addr_a[20] = {
	0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef, 0xab,
	0xcd, 0xef, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef, 0xab, 0xcd };

static void
fill(uint8_t *b, int v, size_t n)
{
	memset(b, v, n);
}

/* ---- typed helpers, good answers ----------------------------------------- */

START_TEST(test_typed_good)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	uint64_t		 v;
	u256			 x, want;
	char			 dec[U256_DEC_MAX];
	cJSON			*j, *o;

	ck_assert_ptr_nonnull(s);
	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	fake_result(&f, "eth_blockNumber", "\"0x1b4\"");
	fake_result(&f, "eth_getBalance", "\"0xde0b6b3a7640000\"");
	fake_result(&f, "eth_getTransactionCount", "\"0x5\"");
	fake_result(&f, "eth_gasPrice", "\"0x12a05f200\"");
	fake_result(&f, "eth_maxPriorityFeePerGas", "\"0x3b9aca00\"");
	fake_result(&f, "eth_estimateGas", "\"0x5208\"");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));

	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(v, 56);
	ck_assert_int_eq(e.kind, RPC_ERR_NONE);
	ck_assert_int_eq(rpc_block_number(r, &v, &e), 0);
	ck_assert_uint_eq(v, 436);

	ck_assert_int_eq(rpc_get_balance(r, addr_a, NULL, &x, &e), 0);
	ck_assert_str_eq(u256_to_dec(&x, dec), "1000000000000000000");
	j = req_json(s, 2);
	ck_assert_str_eq(param_str(j, 0), ADDR1);
	ck_assert_str_eq(param_str(j, 1), "latest");
	cJSON_Delete(j);

	ck_assert_int_eq(rpc_get_transaction_count(r, addr_a, "pending", &v,
	    &e), 0);
	ck_assert_uint_eq(v, 5);
	j = req_json(s, 3);
	ck_assert_str_eq(param_str(j, 1), "pending");
	cJSON_Delete(j);

	ck_assert_int_eq(rpc_gas_price(r, &x, &e), 0);
	want = u256_from_u64(5000000000ULL);
	ck_assert_int_eq(u256_cmp(&x, &want), 0);
	ck_assert_int_eq(rpc_max_priority_fee(r, &x, &e), 0);
	want = u256_from_u64(1000000000ULL);
	ck_assert_int_eq(u256_cmp(&x, &want), 0);

	{
		uint8_t			 data[4] = { 0xa9, 0x05, 0x9c, 0xbb };
		u256			 val = u256_from_u64(255);
		struct rpc_callmsg	 m = { addr_a, addr_a, &val, data, 4 };

		ck_assert_int_eq(rpc_estimate_gas(r, &m, &v, &e), 0);
		ck_assert_uint_eq(v, 21000);
		j = req_json(s, 6);
		o = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "params"), 0);
		ck_assert_str_eq(cJSON_GetObjectItem(o, "from")->valuestring,
		    ADDR1);
		ck_assert_str_eq(cJSON_GetObjectItem(o, "to")->valuestring,
		    ADDR1);
		ck_assert_str_eq(cJSON_GetObjectItem(o, "value")->valuestring,
		    "0xff");
		ck_assert_str_eq(cJSON_GetObjectItem(o, "data")->valuestring,
		    "0xa9059cbb");
		cJSON_Delete(j);
	}

	/* one keep-alive connection for everything */
	ck_assert_int_eq(httpstub_nconnections(s), 1);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 0);
	rpc_free(&r);
	ck_assert_ptr_null(r);
	rpc_free(&r);
	rpc_free(NULL);
	httpstub_free(&s);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_call_send)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	uint8_t			*out = NULL, h[32], raw[3] = { 0x02, 0xf8, 0x6c };
	size_t			 n;
	struct rpc_callmsg	 m;
	cJSON			*j;

	fake_init(&f);
	fake_result(&f, "eth_call", "\"0x00000000000000000000000000000000"
	    "00000000000000000000000000000012\"");
	fake_result(&f, "eth_sendRawTransaction", "\"" H32A "\"");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_uint_eq(rpc_wire_us(r), 0);	/* no exchange yet */

	memset(&m, 0, sizeof(m));
	m.to = addr_a;
	m.data = (const uint8_t *)"\x31\x3c\xe5\x67";
	m.datalen = 4;
	ck_assert_int_eq(rpc_eth_call(r, &m, NULL, &out, &n, &e), 0);
	ck_assert_uint_gt(rpc_wire_us(r), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(out[31], 0x12);
	free(out);
	j = req_json(s, 0);
	ck_assert_str_eq(param_str(j, 1), "latest");
	cJSON_Delete(j);

	/* eth_call needs a target and a valid block tag */
	m.to = NULL;
	ck_assert_int_eq(rpc_eth_call(r, &m, NULL, &out, &n, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	m.to = addr_a;
	ck_assert_int_eq(rpc_eth_call(r, &m, "latestt", &out, &n, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_int_eq(rpc_eth_call(r, &m, "0x01", &out, &n, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_uint_eq(httpstub_nrequests(s), 1);

	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 3, h, &e), 0);
	ck_assert_uint_eq(h[0], 0x11);
	ck_assert_uint_eq(h[31], 0x11);
	j = req_json(s, 1);
	ck_assert_str_eq(param_str(j, 0), "0x02f86c");
	cJSON_Delete(j);

	/* err may be NULL */
	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 3, h, NULL), 0);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_receipt)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_receipt	*rc = NULL;
	uint8_t			 h[32];
	char			 dec[U256_DEC_MAX];

	fake_init(&f);
	fake_result(&f, "eth_getTransactionReceipt", "{"
	    "\"transactionHash\":\"" H32A "\","
	    "\"blockHash\":\"" H32B "\","
	    "\"blockNumber\":\"0x10\",\"status\":\"0x1\","
	    "\"gasUsed\":\"0x5208\",\"cumulativeGasUsed\":\"0xa410\","
	    "\"effectiveGasPrice\":\"0xb2d05e00\",\"contractAddress\":null,"
	    "\"from\":\"" ADDR1 "\",\"to\":\"" ADDR1 "\","
	    "\"logs\":[{\"address\":\"" ADDR1 "\",\"topics\":[\"" TOPIC0
	    "\",\"" H32B "\"],\"data\":\"0x0102\",\"logIndex\":\"0x0\","
	    "\"removed\":false},"
	    "{\"address\":\"" ADDR1 "\",\"topics\":[],\"data\":\"0x\","
	    "\"logIndex\":\"0x1\"}]}");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	fill(h, 0x11, 32);
	ck_assert_int_eq(rpc_get_receipt(r, h, &rc, &e), 0);
	ck_assert_ptr_nonnull(rc);
	ck_assert_int_eq(rc->status, 1);
	ck_assert_uint_eq(rc->block_number, 16);
	ck_assert_uint_eq(rc->gas_used, 21000);
	ck_assert_uint_eq(rc->cumulative_gas_used, 42000);
	ck_assert_int_eq(rc->has_effective_gas_price, 1);
	ck_assert_str_eq(u256_to_dec(&rc->effective_gas_price, dec),
	    "3000000000");
	ck_assert_int_eq(rc->has_contract_address, 0);
	ck_assert_uint_eq(rc->block_hash[0], 0x22);
	ck_assert_uint_eq(rc->nlogs, 2);
	ck_assert_int_eq(rc->logs[0].ntopics, 2);
	ck_assert_uint_eq(rc->logs[0].topics[0][0], 0xdd);
	ck_assert_uint_eq(rc->logs[0].topics[1][31], 0x22);
	ck_assert_uint_eq(rc->logs[0].datalen, 2);
	ck_assert_uint_eq(rc->logs[0].data[1], 0x02);
	ck_assert_mem_eq(rc->logs[0].address, addr_a, 20);
	ck_assert_int_eq(rc->logs[1].ntopics, 0);
	ck_assert_uint_eq(rc->logs[1].datalen, 0);
	ck_assert_uint_eq(rc->logs[1].log_index, 1);
	rpc_receipt_free(&rc);
	ck_assert_ptr_null(rc);
	rpc_receipt_free(&rc);
	rpc_receipt_free(NULL);

	/* a receipt for another transaction is refused */
	fill(h, 0x33, 32);
	ck_assert_int_eq(rpc_get_receipt(r, h, &rc, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_VALIDATION);
	ck_assert_ptr_null(rc);
	rpc_free(&r);

	/* not found yet: 0 and NULL */
	fake_init(&f);
	fake_result(&f, "eth_getTransactionReceipt", "null");
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_get_receipt(r, h, &rc, &e), 0);
	ck_assert_ptr_null(rc);
	rpc_free(&r);

	/* bad shapes: status 0x2, topic too short, 5 topics, no logs */
	{
		static const char *const bad[] = {
			"{\"transactionHash\":\"" H32A "\",\"blockHash\":\""
			H32B "\",\"blockNumber\":\"0x10\",\"status\":\"0x2\","
			"\"gasUsed\":\"0x1\",\"cumulativeGasUsed\":\"0x1\","
			"\"logs\":[]}",
			"{\"transactionHash\":\"" H32A "\",\"blockHash\":\""
			H32B "\",\"blockNumber\":\"0x10\",\"status\":\"0x1\","
			"\"gasUsed\":\"0x1\",\"cumulativeGasUsed\":\"0x1\","
			"\"logs\":[{\"address\":\"" ADDR1 "\",\"topics\":"
			"[\"0x11\"],\"data\":\"0x\",\"logIndex\":\"0x0\"}]}",
			"{\"transactionHash\":\"" H32A "\",\"blockHash\":\""
			H32B "\",\"blockNumber\":\"0x10\",\"status\":\"0x1\","
			"\"gasUsed\":\"0x1\",\"cumulativeGasUsed\":\"0x1\","
			"\"logs\":[{\"address\":\"" ADDR1 "\",\"topics\":"
			"[\"" H32A "\",\"" H32A "\",\"" H32A "\",\"" H32A
			"\",\"" H32A "\"],\"data\":\"0x\",\"logIndex\":"
			"\"0x0\"}]}",
			"{\"transactionHash\":\"" H32A "\",\"blockHash\":\""
			H32B "\",\"blockNumber\":\"0x10\",\"status\":\"0x1\","
			"\"gasUsed\":\"0x1\",\"cumulativeGasUsed\":\"0x1\"}",
			"{\"transactionHash\":\"" H32A "\",\"blockHash\":\""
			H32B "\",\"blockNumber\":\"0x10\",\"status\":\"0x1\","
			"\"gasUsed\":\"0x1\",\"cumulativeGasUsed\":\"0x1\","
			"\"logs\":[{\"address\":\"" ADDR1 "\",\"topics\":"
			"[],\"data\":\"0x123\",\"logIndex\":\"0x0\"}]}",
			"[]",
			"\"0x1\"",
		};
		size_t	i;

		fill(h, 0x11, 32);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			fake_init(&f);
			fake_result(&f, "eth_getTransactionReceipt", bad[i]);
			ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
			ck_assert_int_eq(rpc_get_receipt(r, h, &rc, &e), -1);
			ck_assert_msg(e.kind == RPC_ERR_VALIDATION,
			    "bad[%zu]: kind %s: %s", i,
			    rpc_err_kind_name(e.kind), e.message);
			ck_assert_ptr_null(rc);
			rpc_free(&r);
		}
	}
	httpstub_free(&s);
}
END_TEST

START_TEST(test_tx_and_block)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_tx_info	 t;
	struct rpc_block	 b;
	uint8_t			 h[32];
	char			 tag[RPC_TAG_MAX], dec[U256_DEC_MAX];
	cJSON			*j;

	fill(h, 0x11, 32);
	fake_init(&f);
	fake_result(&f, "eth_getTransactionByHash", "{\"hash\":\"" H32A
	    "\",\"nonce\":\"0x7\",\"from\":\"" ADDR1 "\",\"blockNumber\":"
	    "\"0x20\"}");
	fake_result(&f, "eth_getBlockByNumber", "{\"number\":\"0x20\","
	    "\"timestamp\":\"0x65000000\",\"hash\":\"" H32B "\","
	    "\"gasLimit\":\"0x8000000\",\"gasUsed\":\"0x0\","
	    "\"baseFeePerGas\":\"0x0\",\"transactions\":[]}");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_get_transaction(r, h, &t, &e), 0);
	ck_assert_int_eq(t.found, 1);
	ck_assert_int_eq(t.pending, 0);
	ck_assert_uint_eq(t.block_number, 32);
	ck_assert_uint_eq(t.nonce, 7);
	ck_assert_mem_eq(t.from, addr_a, 20);
	ck_assert_int_eq(rpc_get_block(r, rpc_block_tag(32, tag), &b, &e), 0);
	ck_assert_str_eq(tag, "0x20");
	ck_assert_int_eq(b.found, 1);
	ck_assert_uint_eq(b.number, 32);
	ck_assert_uint_eq(b.timestamp, 0x65000000);
	ck_assert_uint_eq(b.gas_limit, 0x8000000);
	ck_assert_int_eq(b.has_base_fee, 1);
	ck_assert(u256_is_zero(&b.base_fee));
	ck_assert_uint_eq(b.hash[0], 0x22);
	j = req_json(s, 1);
	ck_assert_str_eq(param_str(j, 0), "0x20");
	ck_assert(cJSON_IsFalse(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "params"), 1)));
	cJSON_Delete(j);
	rpc_free(&r);

	/* pending transaction, pre-London block, unknown both */
	fake_init(&f);
	fake_result(&f, "eth_getTransactionByHash", "{\"hash\":\"" H32A
	    "\",\"nonce\":\"0x7\",\"from\":\"" ADDR1 "\",\"blockNumber\":null}");
	fake_result(&f, "eth_getBlockByNumber", "{\"number\":\"0x1\","
	    "\"timestamp\":\"0x1\",\"hash\":\"" H32B "\","
	    "\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\"}");
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_get_transaction(r, h, &t, &e), 0);
	ck_assert_int_eq(t.found, 1);
	ck_assert_int_eq(t.pending, 1);
	ck_assert_int_eq(rpc_get_block(r, NULL, &b, &e), 0);
	ck_assert_int_eq(b.has_base_fee, 0);
	rpc_free(&r);

	fake_init(&f);
	fake_result(&f, "eth_getTransactionByHash", "null");
	fake_result(&f, "eth_getBlockByNumber", "null");
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_get_transaction(r, h, &t, &e), 0);
	ck_assert_int_eq(t.found, 0);
	ck_assert_int_eq(rpc_get_block(r, "0xffff", &b, &e), 0);
	ck_assert_int_eq(b.found, 0);
	rpc_free(&r);

	/* a big base fee still parses as u256 */
	fake_init(&f);
	fake_result(&f, "eth_getBlockByNumber", "{\"number\":\"0x1\","
	    "\"timestamp\":\"0x1\",\"hash\":\"" H32B "\",\"gasLimit\":"
	    "\"0x1\",\"gasUsed\":\"0x0\",\"baseFeePerGas\":"
	    "\"0x10000000000000000\"}");
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_get_block(r, "latest", &b, &e), 0);
	ck_assert_str_eq(u256_to_dec(&b.base_fee, dec),
	    "18446744073709551616");
	/* ... but not as a block number */
	fake_init(&f);
	fake_result(&f, "eth_getBlockByNumber", "{\"number\":"
	    "\"0x10000000000000000\",\"timestamp\":\"0x1\",\"hash\":\"" H32B
	    "\",\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\"}");
	ck_assert_int_eq(rpc_get_block(r, "latest", &b, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_VALIDATION);
	ck_assert_ptr_nonnull(strstr(e.message, "number"));
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

/* ---- malformed responses --------------------------------------------------- */

/* One call of eth_chainId against a stub answering with tmpl. */
static void
expect_bad(const char *tmpl, int status, enum rpc_err_kind kind,
    const char *needle)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	uint64_t		 v = 12345;

	ck_assert_ptr_nonnull(s);
	fake_init(&f);
	fake_raw(&f, "eth_chainId", status, tmpl);
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_msg(e.kind == kind, "%s: want %s, got %s: %s", tmpl,
	    rpc_err_kind_name(kind), rpc_err_kind_name(e.kind), e.message);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_ne(e.message[0], '\0');
	if (needle != NULL)
		ck_assert_msg(strstr(e.message, needle) != NULL,
		    "\"%s\" not in \"%s\"", needle, e.message);
	rpc_free(&r);
	httpstub_free(&s);
}

START_TEST(test_malformed)
{
	/* envelope */
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":\"0x1\"}", 0,
	    RPC_ERR_JSON, "id does not match");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":\"$ID\",\"result\":\"0x1\"}",
	    0, RPC_ERR_JSON, "id");
	expect_bad("{\"jsonrpc\":\"2.0\",\"result\":\"0x1\"}", 0,
	    RPC_ERR_JSON, "no \"id\"");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID}", 0, RPC_ERR_JSON,
	    "neither");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\","
	    "\"error\":{\"code\":1,\"message\":\"x\"}}", 0, RPC_ERR_JSON,
	    "both");
	expect_bad("{\"id\":$ID,\"result\":\"0x1\"}", 0, RPC_ERR_JSON,
	    "jsonrpc");
	expect_bad("{\"jsonrpc\":\"1.0\",\"id\":$ID,\"result\":\"0x1\"}", 0,
	    RPC_ERR_JSON, "jsonrpc");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":\"boom\"}", 0,
	    RPC_ERR_JSON, "malformed error");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":1.5,"
	    "\"message\":\"x\"}}", 0, RPC_ERR_JSON, "malformed error");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":1}}",
	    0, RPC_ERR_JSON, "malformed error");
	expect_bad("[{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\"}]", 0,
	    RPC_ERR_JSON, "not a JSON object");
	/* truncated, garbage, trailing junk, empty */
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x", 0,
	    RPC_ERR_JSON, "not valid JSON");
	expect_bad("<html><body>502 Bad Gateway</body></html>", 0,
	    RPC_ERR_JSON, "<html>");
	expect_bad("\x01\x02\xff\xfe garbage", 0, RPC_ERR_JSON, "not valid");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\"} x", 0,
	    RPC_ERR_JSON, "trailing");
	expect_bad("", 0, RPC_ERR_JSON, "empty");
	{
		/* nesting far past any sane depth: refused, no stack blow-up */
		char	*deep = malloc(200001);

		ck_assert_ptr_nonnull(deep);
		memset(deep, '[', 200000);
		deep[200000] = '\0';
		expect_bad(deep, 0, RPC_ERR_JSON, "not valid JSON");
		free(deep);
	}
	/* result shapes */
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0xzz\"}", 0,
	    RPC_ERR_VALIDATION, "eth_chainId: result: want a hex quantity");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x\"}", 0,
	    RPC_ERR_VALIDATION, "hex quantity");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"38\"}", 0,
	    RPC_ERR_VALIDATION, "hex quantity");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":56}", 0,
	    RPC_ERR_VALIDATION, "got a number");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":null}", 0,
	    RPC_ERR_VALIDATION, "got null");
	expect_bad("{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":"
	    "\"0x10000000000000000\"}", 0, RPC_ERR_VALIDATION, "2^64");
	/* HTTP errors */
	expect_bad("not found", 404, RPC_ERR_HTTP, "HTTP 404");
	expect_bad("upstream down", 502, RPC_ERR_HTTP, "HTTP 502");
}
END_TEST

START_TEST(test_parsers)
{
	struct rpc_error	 e;
	uint8_t			 h[32], a[20], *d = NULL;
	size_t			 n;
	uint64_t		 v;
	u256			 x;
	cJSON			*j;
	size_t			 i;
	static const char *const badq[] = {
		"\"\"", "\"0x\"", "\"0X1\"", "\"x1\"", "\"0x-1\"", "\"0x 1\"",
		"\"0x1g\"", "1", "null", "true", "[]", "{}",
		"\"0x10000000000000000000000000000000000000000000000000000000"
		"000000000\"",
	};
	static const char *const badd[] = {
		"\"0x1\"", "\"12\"", "\"0xgg\"", "1", "null", "\"0x 1\"",
	};

	for (i = 0; i < sizeof(badq) / sizeof(badq[0]); i++) {
		j = cJSON_Parse(badq[i]);
		ck_assert_ptr_nonnull(j);
		ck_assert_int_eq(rpc_parse_u64(j, "q", &v, &e), -1);
		ck_assert_int_eq(e.kind, RPC_ERR_VALIDATION);
		ck_assert_int_eq(rpc_parse_u256(j, "q", &x, &e), -1);
		ck_assert_int_eq(rpc_parse_u64(j, "q", &v, NULL), -1);
		cJSON_Delete(j);
	}
	for (i = 0; i < sizeof(badd) / sizeof(badd[0]); i++) {
		j = cJSON_Parse(badd[i]);
		ck_assert_ptr_nonnull(j);
		ck_assert_int_eq(rpc_parse_data(j, "d", &d, &n, &e), -1);
		ck_assert_ptr_null(d);
		ck_assert_int_eq(rpc_parse_hash(j, "h", h, &e), -1);
		ck_assert_int_eq(rpc_parse_address(j, "a", a, &e), -1);
		cJSON_Delete(j);
	}
	ck_assert_int_eq(rpc_parse_u64(NULL, "q", &v, &e), -1);
	ck_assert_int_eq(rpc_parse_data(NULL, "d", &d, &n, &e), -1);

	/* good edge cases */
	j = cJSON_CreateString("0x0");
	ck_assert_int_eq(rpc_parse_u64(j, "q", &v, &e), 0);
	ck_assert_uint_eq(v, 0);
	cJSON_Delete(j);
	j = cJSON_CreateString("0xffffffffffffffff");
	ck_assert_int_eq(rpc_parse_u64(j, "q", &v, &e), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	cJSON_Delete(j);
	j = cJSON_CreateString("0x00000000000000000000001");	/* leading 0s */
	ck_assert_int_eq(rpc_parse_u64(j, "q", &v, &e), 0);
	ck_assert_uint_eq(v, 1);
	cJSON_Delete(j);
	j = cJSON_CreateString("0xffffffffffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffff");
	ck_assert_int_eq(rpc_parse_u256(j, "q", &x, &e), 0);
	ck_assert_uint_eq(x.w[3], UINT64_MAX);
	cJSON_Delete(j);
	j = cJSON_CreateString("0x");
	ck_assert_int_eq(rpc_parse_data(j, "d", &d, &n, &e), 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 0);
	free(d);
	cJSON_Delete(j);
	j = cJSON_CreateString("0xABCDEFabcdefabcdefabcdefabcdefabcdefabcd");
	ck_assert_int_eq(rpc_parse_address(j, "a", a, &e), 0);
	ck_assert_mem_eq(a, addr_a, 20);
	ck_assert_int_eq(rpc_parse_hash(j, "h", h, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.message, "32-byte"));
	cJSON_Delete(j);

	/* blocks: good, null, and each malformed field refused */
	{
		static const char *const badb[] = {
			"[]", "1", "\"0x1\"",
			"{\"timestamp\":\"0x1\",\"gasLimit\":\"0x1\","
			"\"gasUsed\":\"0x0\",\"hash\":null}",
			"{\"number\":\"0x1\",\"timestamp\":\"0x1\","
			"\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\","
			"\"hash\":\"0x12\"}",
			"{\"number\":\"0x1\",\"timestamp\":\"0x1\","
			"\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\","
			"\"hash\":null}",
			"{\"number\":\"0x1\",\"timestamp\":\"1\","
			"\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\"}",
		};
		struct rpc_block	b;
		char			good[512];
		cJSON			*p;
		struct rpc_callmsg	m;

		snprintf(good, sizeof(good), "{\"number\":\"0x20\","
		    "\"timestamp\":\"0x5\",\"gasLimit\":\"0x1c9c380\","
		    "\"gasUsed\":\"0x0\",\"hash\":\"0x%064x\","
		    "\"baseFeePerGas\":\"0x7\"}", 1);
		ck_assert_ptr_nonnull(j = cJSON_Parse(good));
		ck_assert_int_eq(rpc_parse_block(j, 0, &b, &e), 0);
		ck_assert_int_eq(b.found, 1);
		ck_assert_uint_eq(b.number, 32);
		ck_assert_uint_eq(b.gas_limit, 30000000);
		ck_assert_int_eq(b.has_base_fee, 1);
		ck_assert_uint_eq(b.base_fee.w[0], 7);
		cJSON_Delete(j);
		j = cJSON_CreateNull();
		ck_assert_int_eq(rpc_parse_block(j, 0, &b, &e), 0);
		ck_assert_int_eq(b.found, 0);
		cJSON_Delete(j);
		for (i = 0; i < sizeof(badb) / sizeof(badb[0]); i++) {
			ck_assert_ptr_nonnull(j = cJSON_Parse(badb[i]));
			ck_assert_msg(rpc_parse_block(j, 0, &b, &e) == -1,
			    "%s", badb[i]);
			ck_assert_int_eq(e.kind, RPC_ERR_VALIDATION);
			cJSON_Delete(j);
		}
		/* a pending block has no hash */
		ck_assert_ptr_nonnull(j = cJSON_Parse(badb[5]));
		ck_assert_int_eq(rpc_parse_block(j, 1, &b, &e), 0);
		ck_assert_int_eq(b.found, 1);
		cJSON_Delete(j);

		/* the params builders refuse bad arguments */
		ck_assert_ptr_null(rpc_block_params("bogus"));
		ck_assert_ptr_nonnull(p = rpc_block_params(NULL));
		ck_assert_int_eq(cJSON_GetArraySize(p), 2);
		cJSON_Delete(p);
		memset(&m, 0, sizeof(m));
		m.to = addr_a;
		ck_assert_ptr_null(rpc_callmsg_params(NULL, NULL));
		ck_assert_ptr_null(rpc_callmsg_params(&m, "0xzz"));
		m.datalen = 4;		/* no data behind the length */
		ck_assert_ptr_null(rpc_callmsg_params(&m, NULL));
		m.datalen = 0;
		ck_assert_ptr_nonnull(p = rpc_callmsg_params(&m, NULL));
		ck_assert_int_eq(cJSON_GetArraySize(p), 1);
		cJSON_Delete(p);
		ck_assert_ptr_nonnull(p = rpc_callmsg_params(&m, "latest"));
		ck_assert_int_eq(cJSON_GetArraySize(p), 2);
		cJSON_Delete(p);
	}

	/* error helpers */
	rpc_error_clear(&e);
	ck_assert_int_eq(e.kind, RPC_ERR_NONE);
	ck_assert_int_eq(e.endpoint, -1);
	ck_assert_int_eq(rpc_error_match(&e, "nonce"), 0);
	e.kind = RPC_ERR_RPC;
	snprintf(e.message, sizeof(e.message), "Nonce Too Low: next 5");
	ck_assert_int_eq(rpc_error_match(&e, "nonce too low"), 1);
	ck_assert_int_eq(rpc_error_match(&e, "already known"), 0);
	ck_assert_int_eq(rpc_error_match(NULL, "x"), 0);
	ck_assert_str_eq(rpc_err_kind_name(RPC_ERR_TOOBIG), "toobig");
}
END_TEST

START_TEST(test_rpc_error_object)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	uint8_t			 h[32], raw[1] = { 0x01 }, *out = NULL;
	size_t			 n;
	struct rpc_callmsg	 m;
	uint64_t		 v;
	static const char	 revert[] = "0x08c379a0"
	    "0000000000000000000000000000000000000000000000000000000000000020"
	    "000000000000000000000000000000000000000000000000000000000000000d"
	    "696e73756666696369656e742100000000000000000000000000000000000000";

	fake_init(&f);
	fake_raw(&f, "eth_sendRawTransaction", 0, "{\"jsonrpc\":\"2.0\","
	    "\"id\":$ID,\"error\":{\"code\":-32000,\"message\":"
	    "\"nonce too low\"}}");
	fake_raw(&f, "eth_call", 0, "{\"jsonrpc\":\"2.0\",\"id\":$ID,"
	    "\"error\":{\"code\":3,\"message\":\"execution reverted: "
	    "insufficient!\",\"data\":\"0x08c379a0"
	    "0000000000000000000000000000000000000000000000000000000000000020"
	    "000000000000000000000000000000000000000000000000000000000000000d"
	    "696e73756666696369656e742100000000000000000000000000000000000000"
	    "\"}}");
	fake_raw(&f, "eth_estimateGas", 0, "{\"jsonrpc\":\"2.0\",\"id\":$ID,"
	    "\"error\":{\"code\":-32000,\"message\":\"gas required exceeds"
	    " allowance\",\"data\":{\"x\":[1,2]}}}");
	/* an error object under HTTP 400 is still the node's answer */
	fake_raw(&f, "eth_gasPrice", 400, "{\"jsonrpc\":\"2.0\",\"id\":$ID,"
	    "\"error\":{\"code\":-32602,\"message\":\"invalid params\"}}");
	/* and under HTTP 200 with a null id (could not read ours) */
	fake_raw(&f, "eth_blockNumber", 0, "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"error\":{\"code\":-32700,\"message\":\"parse error\"}}");
	httpstub_set_handler(s, fake_handler, &f);
	/* retries: an RPC error must not be retried */
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 3));

	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 1, h, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_RPC);
	ck_assert_int_eq(e.code, -32000);
	ck_assert_str_eq(e.message, "nonce too low");
	ck_assert_str_eq(e.data, "");
	ck_assert_int_eq(e.endpoint, 0);
	ck_assert_int_eq(rpc_error_match(&e, "nonce too low"), 1);
	ck_assert_uint_eq(httpstub_nrequests(s), 1);

	memset(&m, 0, sizeof(m));
	m.to = addr_a;
	ck_assert_int_eq(rpc_eth_call(r, &m, "pending", &out, &n, &e), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(e.kind, RPC_ERR_RPC);
	ck_assert_int_eq(e.code, 3);
	ck_assert_int_eq(rpc_error_match(&e, "execution reverted"), 1);
	ck_assert_str_eq(e.data, revert);
	ck_assert_int_eq(e.data_truncated, 0);

	ck_assert_int_eq(rpc_estimate_gas(r, &m, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_RPC);
	ck_assert_str_eq(e.data, "{\"x\":[1,2]}");

	{
		u256	x;

		ck_assert_int_eq(rpc_gas_price(r, &x, &e), -1);
		ck_assert_int_eq(e.kind, RPC_ERR_RPC);
		ck_assert_int_eq(e.code, -32602);
		ck_assert_int_eq(e.http_status, 400);
		ck_assert_str_eq(e.message, "invalid params");
	}
	ck_assert_int_eq(rpc_block_number(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_RPC);
	ck_assert_int_eq(e.code, -32700);
	/* unknown method: the fake's "method not found" */
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.code, -32601);
	ck_assert_uint_eq(httpstub_nrequests(s), 6);

	/* the endpoint stays healthy: RPC errors are answers */
	{
		struct rpc_health	hl;

		ck_assert_int_eq(rpc_endpoint_health(r, 0, &hl), 0);
		ck_assert_uint_eq(hl.ok, 6);
		ck_assert_uint_eq(hl.failed, 0);
		ck_assert_int_eq(hl.demoted, 0);
	}
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_rpc_call_generic)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	cJSON			*res = NULL, *p, *j;

	fake_init(&f);
	fake_result(&f, "net_version", "\"56\"");
	fake_result(&f, "eth_getLogs", "[{\"a\":1},{\"b\":2}]");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));

	ck_assert_int_eq(rpc_call(r, "net_version", NULL, &res, &e), 0);
	ck_assert(cJSON_IsString(res));
	ck_assert_str_eq(res->valuestring, "56");
	cJSON_Delete(res);
	j = req_json(s, 0);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(j, "params")));
	ck_assert_str_eq(cJSON_GetObjectItem(j, "jsonrpc")->valuestring,
	    "2.0");
	cJSON_Delete(j);

	p = cJSON_CreateArray();
	cJSON_AddItemToArray(p, cJSON_CreateString("x"));
	ck_assert_int_eq(rpc_call(r, "eth_getLogs", p, &res, &e), 0);
	ck_assert_int_eq(cJSON_GetArraySize(res), 2);
	cJSON_Delete(res);
	/* params are borrowed, intact */
	ck_assert_int_eq(cJSON_GetArraySize(p), 1);
	j = req_json(s, 1);
	ck_assert_str_eq(param_str(j, 0), "x");
	cJSON_Delete(j);

	/* bad arguments: no request goes out */
	ck_assert_int_eq(rpc_call(r, "bad method", NULL, &res, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(rpc_call(r, "", NULL, &res, &e), -1);
	ck_assert_int_eq(rpc_call(r, NULL, NULL, &res, &e), -1);
	ck_assert_int_eq(rpc_call(r, "x", NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_call(NULL, "x", NULL, &res, &e), -1);
	cJSON_Delete(p);
	p = cJSON_CreateString("not an array");
	ck_assert_int_eq(rpc_call(r, "x", p, &res, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	cJSON_Delete(p);
	ck_assert_int_eq(rpc_get_balance(r, addr_a, "bogus", NULL, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	/* NULL outputs are refused before anything is sent */
	ck_assert_int_eq(rpc_chain_id(r, NULL, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_int_eq(rpc_get_balance(r, addr_a, NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_get_balance(r, NULL, NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_send_raw_transaction(r, (const uint8_t *)"x", 1,
	    NULL, &e), -1);
	ck_assert_int_eq(rpc_send_raw_transaction(r, NULL, 0, NULL, &e), -1);
	ck_assert_int_eq(rpc_get_receipt(r, NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_get_transaction(r, NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_get_block(r, "latest", NULL, &e), -1);
	ck_assert_int_eq(rpc_estimate_gas(r, NULL, NULL, &e), -1);
	ck_assert_int_eq(rpc_eth_call(r, NULL, NULL, NULL, NULL, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_uint_eq(httpstub_nrequests(s), 2);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

/* ---- transport faults, retries, failover -------------------------------- */

START_TEST(test_truncated_body)
{
	struct httpstub		*s = httpstub_new();
	struct httpstub_resp	 resp;
	struct rpc		*r;
	struct rpc_error	 e;
	uint64_t		 v;

	memset(&resp, 0, sizeof(resp));
	resp.body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x38\"}";
	resp.truncate = 1;
	resp.truncate_len = 10;
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	ck_assert_int_eq(e.timeout, 0);
	ck_assert_ptr_nonnull(strstr(e.message, "endpoint failed after 1"));
	rpc_free(&r);

	/* closed without a reply */
	memset(&resp, 0, sizeof(resp));
	resp.close_no_reply = 1;
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	rpc_free(&r);

	/* garbage instead of HTTP */
	memset(&resp, 0, sizeof(resp));
	resp.raw = "SSH-2.0-OpenSSH_9.2\r\n";
	httpstub_clear_requests(s);
	ck_assert_int_eq(httpstub_set_default(s, &resp), 0);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_oversized)
{
	struct httpstub		*s = httpstub_new();
	struct httpstub_resp	 resp;
	struct rpc_opts		 o;
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	uint64_t		 v;
	char			*big;
	size_t			 n = 100000;

	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[n] = '\0';
	opts_fast(&o);
	o.urls[0] = httpstub_url(s);
	o.nurls = 1;
	o.retries = 2;
	o.max_response = 4096;
	ck_assert_ptr_nonnull(r = rpc_new(&o));

	/* with Content-Length: refused up front */
	memset(&resp, 0, sizeof(resp));
	resp.body = big;
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TOOBIG);
	ck_assert_ptr_nonnull(strstr(e.message, "larger than 4096"));
	/* chunked: stopped by the write callback */
	resp.chunked = 1;
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TOOBIG);
	/* not retried */
	ck_assert_uint_eq(httpstub_nrequests(s), 2);
	/* and the client still works */
	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(v, 56);
	/* a chunked good answer */
	memset(&resp, 0, sizeof(resp));
	resp.body = "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":\"0x61\"}";
	resp.chunked = 1;
	ck_assert_int_eq(httpstub_push(s, &resp), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(v, 97);
	rpc_free(&r);
	httpstub_free(&s);
	free(big);
}
END_TEST

START_TEST(test_retry_500)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_health	 h;
	uint64_t		 v;

	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_int_eq(httpstub_push_body(s, 500, "oops"), 0);
	ck_assert_int_eq(httpstub_push_body(s, 429, "slow down"), 0);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 2));
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(v, 56);
	ck_assert_uint_eq(httpstub_nrequests(s), 3);
	ck_assert_int_eq(rpc_endpoint_health(r, 0, &h), 0);
	ck_assert_uint_eq(h.ok, 1);
	ck_assert_uint_eq(h.failed, 2);
	ck_assert_int_eq(h.demoted, 0);
	ck_assert_uint_eq(h.consecutive_failures, 0);
	ck_assert(h.score < 1.0);
	ck_assert_ptr_nonnull(strstr(h.last_error, "HTTP 429"));
	ck_assert_int_ge(h.last_ok_ago_ms, 0);
	ck_assert_int_ge(h.last_error_ago_ms, 0);
	ck_assert_str_eq(h.label, httpstub_url(s));
	ck_assert_int_eq(rpc_endpoint_health(r, 1, &h), -1);
	ck_assert_int_eq(rpc_endpoint_health(r, -1, &h), -1);

	/* retries exhausted: the last error, HTTP kind, status kept */
	ck_assert_int_eq(httpstub_push_body(s, 503, "a"), 0);
	ck_assert_int_eq(httpstub_push_body(s, 503, "b"), 0);
	ck_assert_int_eq(httpstub_push_body(s, 503, "c"), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_HTTP);
	ck_assert_int_eq(e.http_status, 503);
	ck_assert_ptr_nonnull(strstr(e.message, "after 3 attempts"));
	ck_assert_uint_eq(httpstub_nrequests(s), 6);

	/* a plain 404 is not retried in later rounds */
	ck_assert_int_eq(httpstub_push_body(s, 404, "no"), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_HTTP);
	ck_assert_int_eq(e.http_status, 404);
	ck_assert_uint_eq(httpstub_nrequests(s), 7);

	/* garbage is the endpoint's fault: retried */
	ck_assert_int_eq(httpstub_push_body(s, 200, "<html>"), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(httpstub_nrequests(s), 9);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_failover)
{
	struct httpstub		*s = httpstub_new(), *s2 = httpstub_new();
	struct fake		 f, f2;
	struct rpc_opts		 o;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_health	 h;
	uint64_t		 v;
	int			 i;

	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	httpstub_set_handler(s, fake_handler, &f);
	fake_init(&f2);
	fake_result(&f2, "eth_chainId", "\"0x38\"");
	httpstub_set_handler(s2, fake_handler, &f2);
	opts_fast(&o);
	o.urls[0] = dead_url();
	o.urls[1] = httpstub_url(s);
	o.urls[2] = httpstub_url(s2);
	o.nurls = 3;
	o.demote_ms = 60000;
	o.demote_max_ms = 60000;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	ck_assert_int_eq(rpc_endpoint_count(r), 3);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(v, 56);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 1);
	ck_assert_int_eq(rpc_endpoint_health(r, 0, &h), 0);
	ck_assert_int_eq(h.demoted, 1);
	ck_assert_int_gt(h.demoted_left_ms, 0);
	ck_assert_uint_eq(h.failed, 1);
	ck_assert_uint_eq(h.consecutive_failures, 1);
	ck_assert_int_ne(h.last_error[0], '\0');
	ck_assert_int_eq(h.last_ok_ago_ms, -1);
	/* the demoted endpoint is not tried again for a while */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_int_eq(rpc_endpoint_health(r, 0, &h), 0);
	ck_assert_uint_eq(h.failed, 1);
	ck_assert_uint_eq(httpstub_nrequests(s), 4);
	ck_assert_uint_eq(httpstub_nrequests(s2), 0);

	/* the second fails too (HTTP 500): the third takes over */
	ck_assert_int_eq(httpstub_push_body(s, 500, "x"), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_uint_eq(httpstub_nrequests(s2), 1);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 2);
	rpc_free(&r);
	httpstub_free(&s);
	httpstub_free(&s2);
}
END_TEST

START_TEST(test_demotion_expires)
{
	struct httpstub		*s = httpstub_new(), *s2 = httpstub_new();
	struct fake		 f;
	struct rpc_opts		 o;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_health	 h;
	uint64_t		 v;

	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	httpstub_set_handler(s, fake_handler, &f);
	httpstub_set_handler(s2, fake_handler, &f);
	opts_fast(&o);
	o.urls[0] = httpstub_url(s);
	o.urls[1] = httpstub_url(s2);
	o.nurls = 2;
	o.demote_ms = 50;
	o.demote_max_ms = 50;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	ck_assert_int_eq(httpstub_push_body(s, 502, "x"), 0);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 1);
	/* after the demotion the primary is eligible again, but with its
	 * score down it stays behind the healthy secondary */
	{
		struct timespec	ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(rpc_endpoint_health(r, 0, &h), 0);
	ck_assert_int_eq(h.demoted, 0);
	ck_assert(h.score < 0.95);
	ck_assert_int_eq(rpc_endpoint_in_use(r), 1);
	rpc_free(&r);
	httpstub_free(&s);
	httpstub_free(&s2);
}
END_TEST

START_TEST(test_all_down)
{
	struct rpc_opts		 o;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_health	 h;
	uint64_t		 v;
	int64_t			 t0;
	int			 i;

	opts_fast(&o);
	o.urls[0] = dead_url();
	o.urls[1] = dead_url();
	o.urls[2] = dead_url();
	o.nurls = 3;
	o.retries = 2;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	t0 = mono_ms();
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_lt(mono_ms() - t0, 5000);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	ck_assert_ptr_nonnull(strstr(e.message,
	    "all endpoints failed after 9 attempts"));
	ck_assert_int_ge(e.endpoint, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(rpc_endpoint_health(r, i, &h), 0);
		ck_assert_uint_eq(h.failed, 3);
		ck_assert_int_eq(h.demoted, 1);
	}
	rpc_free(&r);
}
END_TEST

START_TEST(test_timeout)
{
	struct httpstub		*s = httpstub_new(), *s2 = httpstub_new();
	struct httpstub_resp	 resp;
	struct rpc_opts		 o;
	struct rpc		*r;
	struct rpc_error	 e;
	uint64_t		 v;
	int64_t			 t0;

	memset(&resp, 0, sizeof(resp));
	resp.delay_ms = 20000;
	resp.body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x38\"}";
	ck_assert_int_eq(httpstub_set_default(s, &resp), 0);
	ck_assert_int_eq(httpstub_set_default(s2, &resp), 0);

	opts_fast(&o);
	o.urls[0] = httpstub_url(s);
	o.nurls = 1;
	o.timeout_ms = 300;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	t0 = mono_ms();
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_lt(mono_ms() - t0, 5000);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	ck_assert_int_eq(e.timeout, 1);
	ck_assert_ptr_nonnull(strstr(e.message, "timeout"));
	rpc_free(&r);

	/* the call budget bounds retries over slow endpoints */
	opts_fast(&o);
	o.urls[0] = httpstub_url(s);
	o.urls[1] = httpstub_url(s2);
	o.nurls = 2;
	o.timeout_ms = 10000;
	o.retries = 10;
	o.budget_ms = 500;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	t0 = mono_ms();
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), -1);
	ck_assert_int_lt(mono_ms() - t0, 5000);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	ck_assert_int_eq(e.timeout, 1);
	rpc_free(&r);
	httpstub_free(&s);
	httpstub_free(&s2);
}
END_TEST

/* ---- batches --------------------------------------------------------------- */

START_TEST(test_batch)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_batch_item	 it[3];
	uint64_t		 v;
	cJSON			*j;

	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	fake_result(&f, "eth_blockNumber", "\"0x1b4\"");
	fake_result(&f, "eth_gasPrice", "\"0x3b9aca00\"");
	f.batch_reverse = 1;
	httpstub_set_handler(s, fake_handler, &f);
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));
	memset(it, 0, sizeof(it));
	it[0].method = "eth_chainId";
	it[1].method = "eth_blockNumber";
	it[2].method = "eth_gasPrice";
	ck_assert_int_eq(rpc_batch(r, it, 3, &e), 0);
	ck_assert_uint_eq(httpstub_nrequests(s), 1);
	j = req_json(s, 0);
	ck_assert(cJSON_IsArray(j));
	ck_assert_int_eq(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	ck_assert_int_eq(it[0].err.kind, RPC_ERR_NONE);
	ck_assert_int_eq(rpc_parse_u64(it[0].result, "r", &v, &e), 0);
	ck_assert_uint_eq(v, 56);
	ck_assert_int_eq(rpc_parse_u64(it[1].result, "r", &v, &e), 0);
	ck_assert_uint_eq(v, 436);
	ck_assert_int_eq(rpc_parse_u64(it[2].result, "r", &v, &e), 0);
	ck_assert_uint_eq(v, 1000000000);
	rpc_batch_clear(it, 3);
	ck_assert_ptr_null(it[0].result);

	/* one answer missing, one duplicated, one an error object */
	f.batch_reverse = 0;
	f.batch_drop = 1;
	f.batch_dup = 2;
	it[0].method = "eth_unknown";
	ck_assert_int_eq(rpc_batch(r, it, 3, &e), 0);
	ck_assert_int_eq(it[0].err.kind, RPC_ERR_RPC);
	ck_assert_int_eq(it[0].err.code, -32601);
	ck_assert_ptr_null(it[0].result);
	ck_assert_int_eq(it[1].err.kind, RPC_ERR_JSON);
	ck_assert_ptr_nonnull(strstr(it[1].err.message, "no entry"));
	ck_assert_ptr_null(it[1].result);
	ck_assert_int_eq(it[2].err.kind, RPC_ERR_JSON);
	ck_assert_ptr_nonnull(strstr(it[2].err.message, "twice"));
	ck_assert_ptr_null(it[2].result);
	rpc_batch_clear(it, 3);

	/* empty batch: nothing sent */
	ck_assert_int_eq(rpc_batch(r, it, 0, &e), 0);
	ck_assert_uint_eq(httpstub_nrequests(s), 2);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_batch_faults)
{
	struct httpstub		*s = httpstub_new();
	struct fake		 f;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_batch_item	 it[2];

	memset(it, 0, sizeof(it));
	it[0].method = "eth_chainId";
	it[1].method = "eth_blockNumber";
	ck_assert_ptr_nonnull(r = rpc1(httpstub_url(s), 0));

	/* a single error object answers the whole batch */
	ck_assert_int_eq(httpstub_push_body(s, 200, "{\"jsonrpc\":\"2.0\","
	    "\"id\":null,\"error\":{\"code\":-32600,\"message\":"
	    "\"batch not supported\"}}"), 0);
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_RPC);
	ck_assert_str_eq(e.message, "batch not supported");
	ck_assert_int_eq(it[1].err.kind, RPC_ERR_RPC);
	ck_assert_ptr_null(it[0].result);

	/* garbage, object without error, truncated */
	ck_assert_int_eq(httpstub_push_body(s, 200, "[{\"jsonrpc\":"), 0);
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_JSON);
	ck_assert_int_eq(it[0].err.kind, RPC_ERR_JSON);
	ck_assert_int_eq(httpstub_push_body(s, 200, "{\"a\":1}"), 0);
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_JSON);

	/* junk entries are ignored; their calls count as missing */
	ck_assert_int_eq(httpstub_push_body(s, 200, "[1,\"x\",null,{},"
	    "{\"jsonrpc\":\"2.0\",\"id\":12345,\"result\":1}]"), 0);
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), 0);
	ck_assert_int_eq(it[0].err.kind, RPC_ERR_JSON);
	ck_assert_int_eq(it[1].err.kind, RPC_ERR_JSON);
	rpc_batch_clear(it, 2);

	/* bad item: nothing sent */
	it[1].method = "no such method!";
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);
	ck_assert_uint_eq(httpstub_nrequests(s), 4);

	/* an entry whose result has no envelope is blamed on its id */
	fake_init(&f);
	fake_raw(&f, "eth_chainId", 0, "{\"jsonrpc\":\"2.0\",\"id\":$ID}");
	fake_result(&f, "eth_blockNumber", "\"0x1\"");
	httpstub_set_handler(s, fake_handler, &f);
	it[1].method = "eth_blockNumber";
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), 0);
	ck_assert_int_eq(it[0].err.kind, RPC_ERR_JSON);
	ck_assert_ptr_nonnull(strstr(it[0].err.message, "neither"));
	ck_assert_int_eq(it[1].err.kind, RPC_ERR_NONE);
	rpc_batch_clear(it, 2);
	rpc_free(&r);
	httpstub_free(&s);
}
END_TEST

/* ---- the private send endpoint ------------------------------------------ */

START_TEST(test_send_endpoint)
{
	struct httpstub		*pub = httpstub_new(), *priv = httpstub_new();
	struct fake		 f, fp;
	struct rpc_opts		 o;
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_health	 h;
	struct rpc_batch_item	 it[2];
	uint8_t			 hash[32], raw[2] = { 0xf8, 0x01 };
	uint64_t		 v;

	fake_init(&f);
	fake_result(&f, "eth_chainId", "\"0x38\"");
	fake_result(&f, "eth_sendRawTransaction", "\"" H32B "\"");
	httpstub_set_handler(pub, fake_handler, &f);
	fake_init(&fp);
	fake_result(&fp, "eth_sendRawTransaction", "\"" H32A "\"");
	httpstub_set_handler(priv, fake_handler, &fp);

	opts_fast(&o);
	o.urls[0] = httpstub_url(pub);
	o.nurls = 1;
	o.send_url = httpstub_url(priv);
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	ck_assert_int_eq(rpc_endpoint_count(r), 2);
	ck_assert_int_eq(rpc_chain_id(r, &v, &e), 0);
	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 2, hash, &e), 0);
	ck_assert_uint_eq(hash[0], 0x11);
	ck_assert_int_eq(e.kind, RPC_ERR_NONE);
	ck_assert_uint_eq(httpstub_nrequests(pub), 1);
	ck_assert_uint_eq(httpstub_nrequests(priv), 1);
	ck_assert_int_eq(rpc_endpoint_health(r, 1, &h), 0);
	ck_assert_int_eq(h.is_send, 1);
	ck_assert_uint_eq(h.ok, 1);

	/* batches of raw transactions go there too; mixing is refused */
	memset(it, 0, sizeof(it));
	it[0].method = "eth_sendRawTransaction";
	it[1].method = "eth_sendRawTransaction";
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), 0);
	ck_assert_uint_eq(httpstub_nrequests(priv), 2);
	rpc_batch_clear(it, 2);
	it[1].method = "eth_chainId";
	ck_assert_int_eq(rpc_batch(r, it, 2, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_USAGE);

	/* the send endpoint down: no fallback to the public one */
	httpstub_free(&priv);
	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 2, hash, &e), -1);
	ck_assert_int_eq(e.kind, RPC_ERR_TRANSPORT);
	ck_assert_int_eq(e.endpoint, 1);
	ck_assert_ptr_nonnull(strstr(e.message, "send endpoint failed"));
	ck_assert_uint_eq(httpstub_nrequests(pub), 1);
	rpc_free(&r);

	/* without a send endpoint raw transactions use the ordinary ones */
	opts_fast(&o);
	o.urls[0] = httpstub_url(pub);
	o.nurls = 1;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	ck_assert_int_eq(rpc_endpoint_count(r), 1);
	ck_assert_int_eq(rpc_send_raw_transaction(r, raw, 2, hash, &e), 0);
	ck_assert_uint_eq(hash[0], 0x22);
	rpc_free(&r);
	httpstub_free(&pub);
}
END_TEST

START_TEST(test_options)
{
	struct rpc_opts	 o;
	struct rpc	*r;
	struct rpc_health h;

	rpc_opts_init(&o);
	ck_assert_ptr_null(rpc_new(&o));		/* no URL */
	ck_assert_ptr_null(rpc_new(NULL));
	o.urls[0] = "ftp://example.com/";
	o.nurls = 1;
	ck_assert_ptr_null(rpc_new(&o));
	o.urls[0] = "http://";
	ck_assert_ptr_null(rpc_new(&o));
	o.urls[0] = "http://exa mple.com/";
	ck_assert_ptr_null(rpc_new(&o));
	o.urls[0] = "https://user:secret@node.example.com:8545/v1/APIKEY?x=1";
	o.timeout_ms = 0;
	ck_assert_ptr_null(rpc_new(&o));
	o.timeout_ms = 1000;
	o.retries = -1;
	ck_assert_ptr_null(rpc_new(&o));
	o.retries = 1;
	o.send_url = "gopher://x";
	ck_assert_ptr_null(rpc_new(&o));
	o.send_url = "";
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	ck_assert_int_eq(rpc_endpoint_count(r), 1);
	/* the label hides the path and the credentials */
	ck_assert_int_eq(rpc_endpoint_health(r, 0, &h), 0);
	ck_assert_str_eq(h.label, "https://node.example.com:8545");
	ck_assert(h.score == 1.0);
	ck_assert_int_eq(h.last_error_ago_ms, -1);
	rpc_free(&r);
}
END_TEST

/* ---- the local chain ---------------------------------------------------- */

START_TEST(test_local_chain)
{
	struct rpc		*r;
	struct rpc_error	 e;
	struct rpc_block	 b;
	uint64_t		 v, n;
	uint8_t			 a[20];
	u256			 bal;
	cJSON			*acc = NULL;

	TU_REQUIRE_ENV("BSC_TEST_RPC");
	ck_assert_ptr_nonnull(r = rpc1(getenv("BSC_TEST_RPC"), 2));
	ck_assert_msg(rpc_chain_id(r, &v, &e) == 0, "%s", e.message);
	ck_assert_uint_eq(v, 56);
	ck_assert_msg(rpc_block_number(r, &n, &e) == 0, "%s", e.message);
	ck_assert_msg(rpc_get_block(r, "latest", &b, &e) == 0, "%s",
	    e.message);
	ck_assert_int_eq(b.found, 1);
	ck_assert_uint_ge(b.number, n);
	ck_assert_msg(rpc_call(r, "eth_accounts", NULL, &acc, &e) == 0, "%s",
	    e.message);
	ck_assert_int_gt(cJSON_GetArraySize(acc), 0);
	ck_assert_int_eq(rpc_parse_address(cJSON_GetArrayItem(acc, 0), "acc",
	    a, &e), 0);
	cJSON_Delete(acc);
	ck_assert_msg(rpc_get_balance(r, a, NULL, &bal, &e) == 0, "%s",
	    e.message);
	ck_assert(!u256_is_zero(&bal));
	ck_assert_msg(rpc_get_transaction_count(r, a, "pending", &v, &e) == 0,
	    "%s", e.message);
	ck_assert_msg(rpc_gas_price(r, &bal, &e) == 0, "%s", e.message);
	ck_assert(!u256_is_zero(&bal));
	ck_assert_msg(rpc_max_priority_fee(r, &bal, &e) == 0, "%s",
	    e.message);
	{
		struct rpc_callmsg	 m = { a, a, NULL, NULL, 0 };
		uint8_t			*out = NULL;
		size_t			 olen = 99;

		ck_assert_msg(rpc_estimate_gas(r, &m, &v, &e) == 0, "%s",
		    e.message);
		/* Hardhat's estimate search may land a little above */
		ck_assert_uint_ge(v, 21000);
		ck_assert_uint_le(v, 30000);
		/* a call to an account without code returns nothing */
		ck_assert_msg(rpc_eth_call(r, &m, "latest", &out, &olen,
		    &e) == 0, "%s", e.message);
		ck_assert_uint_eq(olen, 0);
		free(out);
	}

	/* the deployment left transactions in block 1: read them back */
	{
		struct rpc_receipt	*rc = NULL;
		struct rpc_tx_info	 t;
		struct rpc_batch_item	 it[2];
		cJSON			*p, *blk = NULL, *txs;
		uint8_t			 h[32];

		p = cJSON_CreateArray();
		cJSON_AddItemToArray(p, cJSON_CreateString("0x1"));
		cJSON_AddItemToArray(p, cJSON_CreateFalse());
		ck_assert_msg(rpc_call(r, "eth_getBlockByNumber", p, &blk,
		    &e) == 0, "%s", e.message);
		txs = cJSON_GetObjectItem(blk, "transactions");
		if (cJSON_GetArraySize(txs) > 0) {
			ck_assert_int_eq(rpc_parse_hash(cJSON_GetArrayItem(txs,
			    0), "tx", h, &e), 0);
			ck_assert_msg(rpc_get_receipt(r, h, &rc, &e) == 0,
			    "%s", e.message);
			ck_assert_ptr_nonnull(rc);
			ck_assert_uint_eq(rc->block_number, 1);
			ck_assert_int_eq(rc->has_effective_gas_price, 1);
			rpc_receipt_free(&rc);
			ck_assert_msg(rpc_get_transaction(r, h, &t, &e) == 0,
			    "%s", e.message);
			ck_assert_int_eq(t.found, 1);
			ck_assert_int_eq(t.pending, 0);
			ck_assert_uint_eq(t.block_number, 1);
		}
		cJSON_Delete(blk);

		memset(it, 0, sizeof(it));
		it[0].method = "eth_chainId";
		it[1].method = "eth_getBlockByNumber";
		it[1].params = p;
		ck_assert_msg(rpc_batch(r, it, 2, &e) == 0, "%s", e.message);
		ck_assert_int_eq(it[0].err.kind, RPC_ERR_NONE);
		ck_assert_int_eq(it[1].err.kind, RPC_ERR_NONE);
		ck_assert(cJSON_IsObject(it[1].result));
		rpc_batch_clear(it, 2);
		cJSON_Delete(p);
	}
	ck_assert_int_eq(b.has_base_fee, 1);
	rpc_free(&r);
}
END_TEST

static Suite *
rpc_suite(void)
{
	Suite	*s = suite_create("rpc");
	TCase	*tc = tcase_create("stub");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_typed_good);
	tcase_add_test(tc, test_call_send);
	tcase_add_test(tc, test_receipt);
	tcase_add_test(tc, test_tx_and_block);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_parsers);
	tcase_add_test(tc, test_rpc_error_object);
	tcase_add_test(tc, test_rpc_call_generic);
	tcase_add_test(tc, test_truncated_body);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_retry_500);
	tcase_add_test(tc, test_failover);
	tcase_add_test(tc, test_demotion_expires);
	tcase_add_test(tc, test_all_down);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_batch_faults);
	tcase_add_test(tc, test_send_endpoint);
	tcase_add_test(tc, test_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_local_chain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init("check_rpc", LOG_LVL_ERROR, 0);
	sr = srunner_create(rpc_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
