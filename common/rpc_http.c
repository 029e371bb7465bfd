/*
 * rpc_http.c: the wire (rpc_int.h): rpc_ep_perform() does one HTTP
 * exchange on one endpoint; rpc_roundtrip() runs the rounds of attempts
 * over the endpoints and hands each HTTP reply to a parser (single call
 * or batch) that says whether it was good, a final error, or the
 * endpoint's fault.
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

/* ---- one HTTP exchange ---------------------------------------------- */

/*
 * POST body to ep with the given total timeout. Returns 0 when a complete
 * HTTP reply arrived (*status set, body in ep->buf), -1 with e filled
 * (RPC_ERR_TRANSPORT or RPC_ERR_TOOBIG) otherwise.
 */
static int
ep_perform(struct rpc *r, struct rpc_ep *ep, const char *body, size_t blen,
    long timeout_ms, long *status, struct rpc_error *e)
{
	CURLcode	rc;
	long		ct = r->o.connect_timeout_ms, code = 0;
	int		bad = 0;
	int64_t		t0;

	if (ct > timeout_ms)
		ct = timeout_ms;
	ep->buf.len = 0;
	ep->buf.too_big = 0;
	ep->errbuf[0] = '\0';
	bad |= curl_easy_setopt(ep->curl, CURLOPT_POSTFIELDS, body) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(ep->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)blen) != CURLE_OK;
	bad |= curl_easy_setopt(ep->curl, CURLOPT_TIMEOUT_MS, timeout_ms) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(ep->curl, CURLOPT_CONNECTTIMEOUT_MS, ct) !=
	    CURLE_OK;
	if (bad) {
		rpc_seterr(e, RPC_ERR_USAGE, ep->index,
		    "%s: curl option refused",
		    ep->label);
		return -1;
	}
	t0 = rpc_now_us();
	rc = curl_easy_perform(ep->curl);
	r->wire_us += (uint64_t)(rpc_now_us() - t0);
	if (rc == CURLE_OK) {
		(void)curl_easy_getinfo(ep->curl, CURLINFO_RESPONSE_CODE,
		    &code);
		*status = code;
		return 0;
	}
	if ((rc == CURLE_WRITE_ERROR && ep->buf.too_big) ||
	    rc == CURLE_FILESIZE_EXCEEDED) {
		rpc_seterr(e, RPC_ERR_TOOBIG, ep->index,
		    "%s: response larger than %zu bytes", ep->label,
		    r->o.max_response);
		return -1;
	}
	/* curl's error buffer has the detail (host, port, errno text) */
	rpc_seterr(e, RPC_ERR_TRANSPORT, ep->index, "%s: %s%s", ep->label,
	    rc == CURLE_OPERATION_TIMEDOUT ? "timeout: " : "",
	    ep->errbuf[0] != '\0' ? ep->errbuf : curl_easy_strerror(rc));
	e->timeout = rc == CURLE_OPERATION_TIMEDOUT;
	return -1;
}

/*
 * Parse buf[0..len) as one JSON value with nothing but white space after
 * it. Returns the value (caller deletes) or NULL with e (RPC_ERR_JSON).
 */
static cJSON *
parse_body(const char *buf, size_t len, struct rpc_error *e)
{
	const char	*end = NULL;
	char		 ex[64];
	cJSON		*root;
	size_t		 i;

	if (len == 0) {
		rpc_seterr(e, RPC_ERR_JSON, -1, "empty response body");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		rpc_excerpt(buf, len < 40 ? len : 40, ex, sizeof(ex));
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "response is not valid JSON (error at byte %zu of %zu;"
		    " starts '%s')", end != NULL && end >= buf ?
		    (size_t)(end - buf) : 0, len, ex);
		return NULL;
	}
	for (i = (size_t)(end - buf); i < len; i++)
		if (!isspace((unsigned char)buf[i])) {
			cJSON_Delete(root);
			rpc_seterr(e, RPC_ERR_JSON, -1,
			    "trailing data after the JSON response at byte %zu",
			    i);
			return NULL;
		}
	return root;
}

/*
 * Validate a JSON-RPC 2.0 response object whose id must lie in
 * [lo, hi) (a null id is accepted with an error object: the server could
 * not read our id). Returns 0 with the result detached into *result, 1
 * with an RPC_ERR_RPC error in e, -1 with an RPC_ERR_JSON error in e.
 * *gotid is set to the id, or UINT64_MAX for null.
 */
static int
parse_envelope(cJSON *o, uint64_t lo, uint64_t hi, uint64_t *gotid,
    cJSON **result, struct rpc_error *e)
{
	cJSON	*v, *id, *res, *er, *code, *msg, *data;
	double	 d;
	char	*txt;
	size_t	 n;

	*result = NULL;
	*gotid = UINT64_MAX;
	if (!cJSON_IsObject(o)) {
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "response is not a JSON object");
		return -1;
	}
	res = cJSON_GetObjectItemCaseSensitive(o, "result");
	er = cJSON_GetObjectItemCaseSensitive(o, "error");
	/* the id first, so that a batch can blame the right entry */
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (id == NULL) {
		rpc_seterr(e, RPC_ERR_JSON, -1, "response has no \"id\"");
		return -1;
	}
	if (cJSON_IsNull(id) && er != NULL && res == NULL)
		;	/* server could not read our request's id */
	else if (!cJSON_IsNumber(id) || (d = id->valuedouble) < (double)lo ||
	    d >= (double)hi || d != floor(d)) {
		rpc_seterr(e, RPC_ERR_JSON, -1, "response id does not match the"
		    " request (expected %s%" PRIu64 ")",
		    hi - lo > 1 ? "from " : "", lo);
		return -1;
	} else
		*gotid = (uint64_t)d;
	v = cJSON_GetObjectItemCaseSensitive(o, "jsonrpc");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0) {
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "response lacks \"jsonrpc\": \"2.0\"");
		return -1;
	}
	if (res != NULL && er != NULL) {
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "response has both \"result\" and \"error\"");
		return -1;
	}
	if (res == NULL && er == NULL) {
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "response has neither \"result\" nor \"error\"");
		return -1;
	}
	if (res != NULL) {
		*result = cJSON_DetachItemViaPointer(o, res);
		return 0;
	}
	code = cJSON_GetObjectItemCaseSensitive(er, "code");
	msg = cJSON_GetObjectItemCaseSensitive(er, "message");
	if (!cJSON_IsObject(er) || !cJSON_IsNumber(code) ||
	    code->valuedouble != floor(code->valuedouble) ||
	    fabs(code->valuedouble) > 9007199254740992.0 ||
	    !cJSON_IsString(msg)) {
		rpc_seterr(e, RPC_ERR_JSON, -1, "malformed error object in"
		    " response (want integer \"code\" and string"
		    " \"message\")");
		return -1;
	}
	rpc_seterr(e, RPC_ERR_RPC, -1, "%s", msg->valuestring);
	if (e == NULL)
		return 1;
	e->code = (long long)code->valuedouble;
	data = cJSON_GetObjectItemCaseSensitive(er, "data");
	if (data != NULL && !cJSON_IsNull(data)) {
		if (cJSON_IsString(data))
			txt = data->valuestring;
		else
			txt = cJSON_PrintUnformatted(data);
		if (txt != NULL) {
			n = strlen(txt);
			if (n >= sizeof(e->data)) {
				n = sizeof(e->data) - 1;
				e->data_truncated = 1;
			}
			memcpy(e->data, txt, n);
			e->data[n] = '\0';
			if (txt != data->valuestring)
				cJSON_free(txt);
		}
	}
	return 1;
}

/* ---- rounds of attempts ------------------------------------------------ */

static int64_t
backoff_delay(struct rpc *r, int round)
{
	int64_t	d = r->o.backoff_ms;
	int	i;

	for (i = 1; i < round && d < r->o.backoff_max_ms; i++)
		d *= 2;
	if (d > r->o.backoff_max_ms)
		d = r->o.backoff_max_ms;
	if (d <= 1)
		return d;
	/* "equal jitter": half fixed, half random, so that many clients
	 * that failed together do not come back together */
	return d / 2 + (int64_t)(rpc_rng_next(r) % (uint64_t)(d / 2 + 1));
}

/*
 * Handle one complete HTTP reply (status, ep->buf) with fn. Returns the
 * outcome; e is filled unless OUT_OK. *no_rounds is set when retrying in
 * later rounds would not help (a plain 4xx).
 */
static enum rpc_outcome
handle_reply(struct rpc_ep *ep, long status, rpc_parse_fn fn, void *ctx,
    int *no_rounds, struct rpc_error *e)
{
	enum rpc_outcome	 out;
	struct rpc_error	 rpcerr;
	cJSON			*root, *res;
	uint64_t		 gid;
	int			 rc;

	if (status >= 200 && status < 300) {
		if ((root = parse_body(ep->buf.p, ep->buf.len, e)) == NULL)
			out = OUT_RETRY;
		else {
			out = fn(ctx, root, e);
			cJSON_Delete(root);
		}
		if (out != OUT_OK) {
			e->endpoint = ep->index;
			e->http_status = (int)status;
			if (out == OUT_RETRY)
				rpc_err_prefix(e, ep->label);
		}
		return out;
	}

	/* Not 2xx: is there a JSON-RPC error object in the body? */
	rc = -1;
	rpc_error_clear(&rpcerr);
	if (ep->buf.len > 0 && (root = parse_body(ep->buf.p, ep->buf.len,
	    &rpcerr)) != NULL) {
		if (cJSON_IsObject(root)) {
			rc = parse_envelope(root, 0, UINT64_MAX, &gid, &res,
			    &rpcerr);
			cJSON_Delete(res);
		}
		cJSON_Delete(root);
	}
	if (rc == 1 && status != 429 && status < 500) {
		*e = rpcerr;
		e->endpoint = ep->index;
		e->http_status = (int)status;
		return OUT_FINAL;
	}
	if (rc == 1)
		rpc_seterr(e, RPC_ERR_HTTP, ep->index, "%s: HTTP %ld (rpc error"
		    " %lld: %s)", ep->label, status, rpcerr.code,
		    rpcerr.message);
	else
		rpc_seterr(e, RPC_ERR_HTTP, ep->index, "%s: HTTP %ld",
		    ep->label,
		    status);
	e->http_status = (int)status;
	if (status != 429 && status < 500)
		*no_rounds = 1;
	return OUT_RETRY;
}

/* Do not keep a large reply buffer between calls. */
static void
buf_trim(struct rpc_ep *ep)
{
	if (ep->buf.cap > BUF_KEEP_MAX) {
		free(ep->buf.p);
		ep->buf.p = NULL;
		ep->buf.cap = 0;
	}
	ep->buf.len = 0;
}

/*
 * Send body to the endpoints (the send endpoint alone when to_send) in
 * rounds until fn accepts a reply or gives a final error. Returns 0 (fn
 * returned OUT_OK) or -1 with e filled.
 */
static int
rpc_roundtrip(struct rpc *r, int to_send, const char *body, size_t blen,
    rpc_parse_fn fn, void *ctx, struct rpc_error *e)
{
	struct rpc_error	 last;
	struct rpc_ep		*ep;
	enum rpc_outcome	 out;
	int64_t			 t0 = rpc_now_ms(), deadline, t1, left, delay;
	long			 status = 0, tmo;
	int			 idx[RPC_MAX_ENDPOINTS], n, k, round;
	int			 attempts = 0, no_rounds = 0, why_budget = 0;

	rpc_error_clear(&last);
	deadline = r->o.budget_ms > 0 ? t0 + r->o.budget_ms : INT64_MAX;
	for (round = 0; round <= r->o.retries && !no_rounds; round++) {
		if (round > 0) {
			delay = backoff_delay(r, round);
			if (deadline != INT64_MAX &&
			    rpc_now_ms() + delay >= deadline) {
				why_budget = 1;
				break;
			}
			log_debug("rpc retry round=%d delay_ms=%" PRId64,
			    round, delay);
			rpc_sleep_ms(delay);
		}
		n = rpc_ep_order(r, to_send, idx);
		for (k = 0; k < n; k++) {
			ep = &r->ep[idx[k]];
			t1 = rpc_now_ms();
			left = deadline == INT64_MAX ? r->o.timeout_ms :
			    deadline - t1;
			if (left < 1) {
				why_budget = 1;
				goto fail;
			}
			tmo = left < r->o.timeout_ms ? (long)left :
			    r->o.timeout_ms;
			attempts++;
			if (ep_perform(r, ep, body, blen, tmo, &status,
			    &last) == -1) {
				buf_trim(ep);
				if (last.kind == RPC_ERR_TOOBIG ||
				    last.kind == RPC_ERR_USAGE) {
					*e = last;
					return -1;
				}
				rpc_ep_failed(r, ep, &last);
				continue;
			}
			out = handle_reply(ep, status, fn, ctx, &no_rounds,
			    &last);
			if (out == OUT_RETRY) {
				buf_trim(ep);
				rpc_ep_failed(r, ep, &last);
				continue;
			}
			rpc_ep_succeeded(ep, rpc_now_ms() - t1);
			buf_trim(ep);
			if (out == OUT_FINAL) {
				*e = last;
				return -1;
			}
			return 0;
		}
	}
fail:
	*e = last;
	if (e->kind == RPC_ERR_NONE) {
		rpc_seterr(e, RPC_ERR_TRANSPORT, -1,
		    "call budget of %d ms spent"
		    " before any attempt", r->o.budget_ms);
		e->timeout = 1;
		return -1;
	}
	{
		char	tmp[RPC_ERR_MSG_MAX];

		snprintf(tmp, sizeof(tmp), "%s after %d attempt%s%s; last: %s",
		    to_send ? "send endpoint failed" :
		    (r->nurls > 1 ? "all endpoints failed" :
		    "endpoint failed"), attempts, attempts == 1 ? "" : "s",
		    why_budget ? " (call budget spent)" : "", last.message);
		memcpy(e->message, tmp, sizeof(tmp));
	}
	if (why_budget && e->kind == RPC_ERR_TRANSPORT)
		e->timeout = 1;
	return -1;
}

/* ---- single calls ------------------------------------------------------ */

struct single_ctx {
	uint64_t	 id;
	cJSON		*result;
};

static enum rpc_outcome
single_parse(void *arg, cJSON *root, struct rpc_error *e)
{
	struct single_ctx	*c = arg;
	uint64_t		 gid;
	int			 rc;

	rc = parse_envelope(root, c->id, c->id + 1, &gid, &c->result, e);
	if (rc == 0)
		return OUT_OK;
	return rc == 1 ? OUT_FINAL : OUT_RETRY;
}

static int
method_ok(const char *m)
{
	size_t	i;

	if (m == NULL || *m == '\0' || strlen(m) > METHOD_MAX)
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if (!isalnum((unsigned char)m[i]) && m[i] != '_')
			return 0;
	return 1;
}

/*
 * Build one request object {"jsonrpc","id","method","params"}; params is
 * referenced, not copied. Returns NULL on bad params or no memory.
 */
static cJSON *
build_request(uint64_t id, const char *method, const cJSON *params)
{
	cJSON	*o;
	int	 ok;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	ok = cJSON_AddStringToObject(o, "jsonrpc", "2.0") != NULL &&
	    cJSON_AddNumberToObject(o, "id", (double)id) != NULL &&
	    cJSON_AddStringToObject(o, "method", method) != NULL;
	if (ok && params == NULL)
		ok = cJSON_AddArrayToObject(o, "params") != NULL;
	else if (ok)
		/* cJSON's API is not const-correct; the reference is only
		 * printed, never changed or freed */
		ok = cJSON_AddItemReferenceToObject(o, "params",
		    (cJSON *)(uintptr_t)params);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int
rpc_call(struct rpc *r, const char *method, const cJSON *params,
    cJSON **result, struct rpc_error *err)
{
	struct rpc_error	 e;
	struct single_ctx	 c;
	cJSON			*req;
	char			*body;
	int			 rc, to_send;

	if (result != NULL)
		*result = NULL;
	if (r == NULL || result == NULL || !method_ok(method) ||
	    (params != NULL && !cJSON_IsArray(params) &&
	    !cJSON_IsObject(params))) {
		rpc_seterr(err, RPC_ERR_USAGE, -1, "rpc_call: bad arguments");
		return -1;
	}
	c.id = r->next_id++;
	c.result = NULL;
	if ((req = build_request(c.id, method, params)) == NULL ||
	    (body = cJSON_PrintUnformatted(req)) == NULL) {
		cJSON_Delete(req);
		rpc_seterr(err, RPC_ERR_USAGE, -1, "%s: out of memory", method);
		return -1;
	}
	cJSON_Delete(req);
	to_send = r->has_send &&
	    strcmp(method, "eth_sendRawTransaction") == 0;
	rc = rpc_roundtrip(r, to_send, body, strlen(body), single_parse, &c,
	    &e);
	cJSON_free(body);
	if (rc == -1) {
		if (e.kind != RPC_ERR_RPC)
			log_debug("rpc call failed method=%s err=\"%s\"",
			    method, e.message);
		if (err != NULL)
			*err = e;
		return -1;
	}
	*result = c.result;
	rpc_error_clear(err);
	return 0;
}

/* ---- batches ------------------------------------------------------------ */

struct batch_ctx {
	struct rpc_batch_item	*items;
	size_t			 n;
	uint64_t		 base;
};

static enum rpc_outcome
batch_parse(void *arg, cJSON *root, struct rpc_error *e)
{
	struct batch_ctx	*c = arg;
	struct rpc_error	 ie;
	cJSON			*el, *res;
	uint64_t		 gid;
	unsigned char		*seen;
	size_t			 i;
	int			 rc;

	if (!cJSON_IsArray(root)) {
		/* a single error object answers a whole refused batch */
		rc = parse_envelope(root, c->base, c->base + c->n, &gid, &res,
		    e);
		cJSON_Delete(res);
		if (rc == 1)
			return OUT_FINAL;
		rpc_seterr(e, RPC_ERR_JSON, -1,
		    "batch response is not an array");
		return OUT_RETRY;
	}
	if ((seen = calloc(c->n, 1)) == NULL) {
		rpc_seterr(e, RPC_ERR_USAGE, -1, "out of memory");
		return OUT_FINAL;
	}
	for (i = 0; i < c->n; i++) {
		cJSON_Delete(c->items[i].result);
		c->items[i].result = NULL;
		rpc_error_clear(&c->items[i].err);
	}
	cJSON_ArrayForEach(el, root) {
		rc = parse_envelope(el, c->base, c->base + c->n, &gid, &res,
		    &ie);
		if (gid == UINT64_MAX)
			continue;	/* cannot tell whose it is */
		i = (size_t)(gid - c->base);
		if (seen[i]) {
			cJSON_Delete(res);
			cJSON_Delete(c->items[i].result);
			c->items[i].result = NULL;
			rpc_seterr(&c->items[i].err, RPC_ERR_JSON, -1,
			    "batch response has id %" PRIu64 " twice", gid);
			continue;
		}
		seen[i] = 1;
		c->items[i].result = res;
		if (rc != 0)
			c->items[i].err = ie;
	}
	for (i = 0; i < c->n; i++)
		if (!seen[i])
			rpc_seterr(&c->items[i].err, RPC_ERR_JSON, -1,
			    "batch response has no entry for id %" PRIu64,
			    c->base + i);
	free(seen);
	return OUT_OK;
}

int
rpc_batch(struct rpc *r, struct rpc_batch_item *items, size_t n,
    struct rpc_error *err)
{
	struct rpc_error	 e;
	struct batch_ctx	 c;
	cJSON			*arr = NULL, *req;
	char			*body = NULL;
	size_t			 i, nsend = 0;
	int			 rc, to_send = 0;

	rpc_error_clear(&e);
	if (r == NULL || (n > 0 && items == NULL)) {
		rpc_seterr(err, RPC_ERR_USAGE, -1, "rpc_batch: bad arguments");
		return -1;
	}
	for (i = 0; i < n; i++) {
		items[i].result = NULL;
		rpc_error_clear(&items[i].err);
	}
	if (n == 0) {
		rpc_error_clear(err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!method_ok(items[i].method) || (items[i].params != NULL &&
		    !cJSON_IsArray(items[i].params) &&
		    !cJSON_IsObject(items[i].params))) {
			rpc_seterr(&e, RPC_ERR_USAGE, -1,
			    "rpc_batch: bad method"
			    " or params in item %zu", i);
			goto fail;
		}
		if (strcmp(items[i].method, "eth_sendRawTransaction") == 0)
			nsend++;
	}
	if (r->has_send && nsend > 0) {
		if (nsend != n) {
			rpc_seterr(&e, RPC_ERR_USAGE, -1,
			    "rpc_batch: cannot mix"
			    " eth_sendRawTransaction with other calls when"
			    " a send endpoint is configured");
			goto fail;
		}
		to_send = 1;
	}
	c.items = items;
	c.n = n;
	c.base = r->next_id;
	r->next_id += n;
	if ((arr = cJSON_CreateArray()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((req = build_request(c.base + i, items[i].method,
		    items[i].params)) == NULL)
			goto nomem;
		if (!cJSON_AddItemToArray(arr, req)) {
			cJSON_Delete(req);
			goto nomem;
		}
	}
	if ((body = cJSON_PrintUnformatted(arr)) == NULL)
		goto nomem;
	cJSON_Delete(arr);
	arr = NULL;
	rc = rpc_roundtrip(r, to_send, body, strlen(body), batch_parse, &c,
	    &e);
	cJSON_free(body);
	if (rc == 0) {
		rpc_error_clear(err);
		return 0;
	}
	goto fail;
nomem:
	cJSON_Delete(arr);
	rpc_seterr(&e, RPC_ERR_USAGE, -1, "rpc_batch: out of memory");
fail:
	for (i = 0; i < n; i++) {
		cJSON_Delete(items[i].result);
		items[i].result = NULL;
		items[i].err = e;
	}
	if (err != NULL)
		*err = e;
	return -1;
}

void
rpc_batch_clear(struct rpc_batch_item *items, size_t n)
{
	size_t	i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++) {
		cJSON_Delete(items[i].result);
		items[i].result = NULL;
	}
}
