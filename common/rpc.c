/*
 * rpc.c: Ethereum JSON-RPC client; see rpc.h for the retry and health
 * rules. Structure: ep_perform() does one HTTP exchange on one endpoint;
 * rpc_roundtrip() runs the rounds of attempts over the endpoints and
 * hands each HTTP reply to a parser (single call or batch) that says
 * whether it was good, a final error, or the endpoint's fault.
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

#define HEALTH_HALFLIFE_MS	60000.0
#define LATENCY_ALPHA		0.2
#define BUF_KEEP_MAX		(1024 * 1024)	/* keep smaller buffers */
#define METHOD_MAX		64

struct rpc_buf {
	char	*p;
	size_t	 len, cap, max;
	int	 too_big;
};

struct rpc_ep {
	char			*url;
	char			 label[RPC_LABEL_MAX];
	int			 index;
	int			 is_send;
	CURL			*curl;
	struct curl_slist	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	struct rpc_buf		 buf;
	/* health */
	double			 fail_w;
	int64_t			 fail_w_at;
	int64_t			 demoted_until;
	unsigned		 consec;
	uint64_t		 ok, failed;
	double			 latency;
	int			 have_latency;
	int64_t			 last_ok_at;	/* -1 never */
	int64_t			 last_err_at;	/* -1 never */
	char			 last_error[RPC_ERR_MSG_MAX];
};

struct rpc {
	struct rpc_opts	 o;		/* strings not kept: see ep[] */
	struct rpc_ep	 ep[RPC_MAX_ENDPOINTS + 1];
	int		 nurls;
	int		 has_send;
	uint64_t	 next_id;
	uint64_t	 rng;
	uint64_t	 wire_us;	/* inside curl_easy_perform, lifetime */
};

/* What a reply parser concluded. */
enum rpc_outcome {
	OUT_OK,		/* good reply; the endpoint is healthy */
	OUT_FINAL,	/* an answer that is an error (rpc error object) */
	OUT_RETRY	/* the endpoint's fault: try the next one */
};

typedef enum rpc_outcome (*rpc_parse_fn)(void *ctx, cJSON *root,
    struct rpc_error *e);

static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static int		curl_ok;

static void
curl_init_once(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec	ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

static uint64_t
rng_next(struct rpc *r)
{
	/* xorshift64*: jitter only, not security */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1DULL;
}

static void
seterr(struct rpc_error *e, enum rpc_err_kind kind, int endpoint,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
seterr(struct rpc_error *e, enum rpc_err_kind kind, int endpoint,
    const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return;
	rpc_error_clear(e);
	e->kind = kind;
	e->endpoint = endpoint;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Prefix e->message with "prefix: " (keeps everything else). */
static void
err_prefix(struct rpc_error *e, const char *prefix)
{
	char	tmp[RPC_ERR_MSG_MAX];

	if (e == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s: %s", prefix, e->message);
	memcpy(e->message, tmp, sizeof(tmp));
}

/*
 * Printable excerpt of untrusted text for messages, without quotes or
 * backslashes (messages end up inside err="..." log fields).
 */
static void
excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t	i, o = 0;

	for (i = 0; i < n && o + 4 < cap; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\'' ||
		    c == '\\')
			c = '?';
		out[o++] = (char)c;
	}
	if (i < n && o + 4 <= cap) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}

void
rpc_error_clear(struct rpc_error *e)
{
	if (e == NULL)
		return;
	e->kind = RPC_ERR_NONE;
	e->http_status = 0;
	e->timeout = 0;
	e->code = 0;
	e->endpoint = -1;
	e->data_truncated = 0;
	e->message[0] = '\0';
	e->data[0] = '\0';
}

const char *
rpc_err_kind_name(enum rpc_err_kind k)
{
	switch (k) {
	case RPC_ERR_NONE: return "none";
	case RPC_ERR_TRANSPORT: return "transport";
	case RPC_ERR_HTTP: return "http";
	case RPC_ERR_JSON: return "json";
	case RPC_ERR_RPC: return "rpc";
	case RPC_ERR_VALIDATION: return "validation";
	case RPC_ERR_TOOBIG: return "toobig";
	case RPC_ERR_USAGE: return "usage";
	}
	return "unknown";
}

int
rpc_error_match(const struct rpc_error *e, const char *needle)
{
	size_t	n, i;

	if (e == NULL || needle == NULL || e->kind != RPC_ERR_RPC)
		return 0;
	n = strlen(needle);
	for (i = 0; e->message[i] != '\0'; i++)
		if (strncasecmp(e->message + i, needle, n) == 0)
			return 1;
	return n == 0;
}

/* ---- options, construction ---------------------------------------- */

void
rpc_opts_init(struct rpc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 3000;
	o->timeout_ms = 10000;
	o->retries = 2;
	o->backoff_ms = 200;
	o->backoff_max_ms = 5000;
	o->budget_ms = 30000;
	o->max_response = 32 * 1024 * 1024;
	o->demote_ms = 2000;
	o->demote_max_ms = 60000;
}

/*
 * Check that url is http(s)://host... with no blanks or control
 * characters, and write its label (scheme://host:port, no userinfo, no
 * path) into label. Returns 0 or -1.
 */
static int
url_label(const char *url, char *label, size_t cap)
{
	const char	*a, *e, *at, *p;
	size_t		 slen;

	if (strncasecmp(url, "http://", 7) == 0)
		slen = 4;
	else if (strncasecmp(url, "https://", 8) == 0)
		slen = 5;
	else
		return -1;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return -1;
	a = url + slen + 3;
	e = a + strcspn(a, "/?#");
	for (at = e; at > a; at--)
		if (at[-1] == '@')
			break;
	if (at > a)
		a = at;
	if (e == a)
		return -1;
	snprintf(label, cap, "%.*s://%.*s", (int)slen, url, (int)(e - a), a);
	return 0;
}

static size_t
on_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rpc_buf	*b = arg;
	size_t		 n = size * nmemb, ncap;
	char		*np;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if (ncap > b->max + 1)
			ncap = b->max + 1;
		if ((np = realloc(b->p, ncap)) == NULL)
			return 0;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static int
ep_init(struct rpc *r, struct rpc_ep *ep, const char *url, int index,
    int is_send)
{
	CURL	*c;
	int	 bad = 0;

	if (url_label(url, ep->label, sizeof(ep->label)) == -1) {
		log_warnx("rpc: bad endpoint URL (want http:// or https://)"
		    " endpoint=%d", index);
		return -1;
	}
	ep->index = index;
	ep->is_send = is_send;
	ep->last_ok_at = ep->last_err_at = -1;
	ep->buf.max = r->o.max_response;
	if ((ep->url = strdup(url)) == NULL)
		return -1;
	if ((ep->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL)
		return -1;
	if ((ep->hdrs = curl_slist_append(ep->hdrs,
	    "Accept: application/json")) == NULL)
		return -1;
	/* no "Expect: 100-continue" round trip for large batches */
	if ((ep->hdrs = curl_slist_append(ep->hdrs, "Expect:")) == NULL)
		return -1;
	if ((ep->curl = c = curl_easy_init()) == NULL)
		return -1;
	bad |= curl_easy_setopt(c, CURLOPT_URL, ep->url) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, ep->hdrs) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &ep->buf) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ep->errbuf) !=
	    CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)r->o.max_response) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
	/* "" offers every encoding curl decodes; the size cap applies to the
	 * decoded bytes, so a compression bomb is stopped too */
	(void)curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK;
#endif
	if (bad) {
		log_warnx("rpc: curl option refused endpoint=%d url=%s",
		    index, ep->label);
		return -1;
	}
	return 0;
}

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
ep_cleanup(struct rpc_ep *ep)
{
	if (ep->curl != NULL)
		curl_easy_cleanup(ep->curl);
	curl_slist_free_all(ep->hdrs);
	free(ep->buf.p);
	free(ep->url);
	memset(ep, 0, sizeof(*ep));
}

struct rpc *
rpc_new(const struct rpc_opts *o)
{
	struct rpc	*r;
	int		 i;

	if (o == NULL || o->nurls < 1 || o->nurls > RPC_MAX_ENDPOINTS ||
	    o->connect_timeout_ms < 1 || o->timeout_ms < 1 ||
	    o->retries < 0 || o->retries > 100 || o->backoff_ms < 0 ||
	    o->backoff_max_ms < o->backoff_ms || o->budget_ms < 0 ||
	    o->max_response < 64 || o->demote_ms < 0 ||
	    o->demote_max_ms < o->demote_ms) {
		log_warnx("rpc: bad options");
		return NULL;
	}
	for (i = 0; i < o->nurls; i++)
		if (o->urls[i] == NULL) {
			log_warnx("rpc: missing endpoint URL endpoint=%d", i);
			return NULL;
		}
	pthread_once(&curl_once, curl_init_once);
	if (!curl_ok) {
		log_warnx("rpc: curl_global_init failed");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("rpc: calloc");
		return NULL;
	}
	r->o = *o;
	memset(r->o.urls, 0, sizeof(r->o.urls));
	r->o.send_url = NULL;
	r->nurls = o->nurls;
	r->next_id = 1;
	r->rng = (uint64_t)now_ms() * 0x9E3779B97F4A7C15ULL ^
	    (uint64_t)(uintptr_t)r ^ ((uint64_t)getpid() << 32);
	if (r->rng == 0)
		r->rng = 0x853c49e6748fea9bULL;
	for (i = 0; i < o->nurls; i++)
		if (ep_init(r, &r->ep[i], o->urls[i], i, 0) == -1)
			goto fail;
	if (o->send_url != NULL && *o->send_url != '\0') {
		if (ep_init(r, &r->ep[r->nurls], o->send_url, r->nurls,
		    1) == -1)
			goto fail;
		r->has_send = 1;
	}
	return r;
fail:
	rpc_free(&r);
	return NULL;
}

void
rpc_free(struct rpc **rp)
{
	struct rpc	*r;
	int		 i;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	for (i = 0; i <= RPC_MAX_ENDPOINTS; i++)
		ep_cleanup(&r->ep[i]);
	free(r);
}

/* ---- health ----------------------------------------------------------- */

static double
ep_fail_weight(const struct rpc_ep *ep, int64_t now)
{
	if (ep->fail_w <= 0.0)
		return 0.0;
	return ep->fail_w * exp2(-(double)(now - ep->fail_w_at) /
	    HEALTH_HALFLIFE_MS);
}

static double
ep_score(const struct rpc_ep *ep, int64_t now)
{
	return 1.0 / (1.0 + ep_fail_weight(ep, now));
}

static void
ep_failed(struct rpc *r, struct rpc_ep *ep, const struct rpc_error *e)
{
	int64_t	now = now_ms(), d;
	unsigned i;

	ep->fail_w = ep_fail_weight(ep, now) + 1.0;
	ep->fail_w_at = now;
	ep->failed++;
	ep->consec++;
	d = r->o.demote_ms;
	for (i = 1; i < ep->consec && d < r->o.demote_max_ms; i++)
		d *= 2;
	if (d > r->o.demote_max_ms)
		d = r->o.demote_max_ms;
	ep->demoted_until = now + d;
	ep->last_err_at = now;
	snprintf(ep->last_error, sizeof(ep->last_error), "%s", e->message);
	if (ep->consec == 1)
		log_warnx("rpc endpoint failing endpoint=%d url=%s"
		    " demoted_ms=%" PRId64 " err=\"%s\"", ep->index, ep->label,
		    d, e->message);
	else
		log_debug("rpc endpoint failed again endpoint=%d url=%s"
		    " consecutive=%u err=\"%s\"", ep->index, ep->label,
		    ep->consec, e->message);
}

static void
ep_succeeded(struct rpc_ep *ep, int64_t latency)
{
	if (ep->consec > 0)
		log_info("rpc endpoint recovered endpoint=%d url=%s"
		    " after_failures=%u", ep->index, ep->label, ep->consec);
	ep->ok++;
	ep->consec = 0;
	ep->demoted_until = 0;
	ep->last_ok_at = now_ms();
	if (!ep->have_latency) {
		ep->latency = (double)latency;
		ep->have_latency = 1;
	} else
		ep->latency += LATENCY_ALPHA * ((double)latency - ep->latency);
}

/*
 * Fill idx with the endpoints to try, best first: the send endpoint alone
 * when to_send, else the ordinary ones. Returns their count.
 */
static int
ep_order(const struct rpc *r, int to_send, int idx[RPC_MAX_ENDPOINTS])
{
	int64_t	now = now_ms();
	long	key[RPC_MAX_ENDPOINTS], k;
	int	i, j, n, t;

	if (to_send) {
		idx[0] = r->nurls;
		return 1;
	}
	n = r->nurls;
	for (i = 0; i < n; i++) {
		const struct rpc_ep *ep = &r->ep[i];
		/* demoted last, then higher score (tenths), then order */
		key[i] = (ep->demoted_until > now ? 1000L : 0L) +
		    (10L - lround(ep_score(ep, now) * 10.0)) * 20L + i;
		idx[i] = i;
	}
	for (i = 1; i < n; i++) {	/* insertion sort; n is tiny */
		t = idx[i];
		k = key[t];
		for (j = i; j > 0 && key[idx[j - 1]] > k; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
	return n;
}

uint64_t
rpc_wire_us(const struct rpc *r)
{
	return r->wire_us;
}

int
rpc_endpoint_count(const struct rpc *r)
{
	return r->nurls + r->has_send;
}

int
rpc_endpoint_in_use(const struct rpc *r)
{
	int	idx[RPC_MAX_ENDPOINTS];

	(void)ep_order(r, 0, idx);
	return idx[0];
}

int
rpc_endpoint_health(const struct rpc *r, int i, struct rpc_health *h)
{
	const struct rpc_ep	*ep;
	int64_t			 now = now_ms();

	if (i < 0 || i >= rpc_endpoint_count(r))
		return -1;
	ep = &r->ep[i];
	memset(h, 0, sizeof(*h));
	snprintf(h->label, sizeof(h->label), "%s", ep->label);
	h->is_send = ep->is_send;
	h->score = ep_score(ep, now);
	h->demoted = ep->demoted_until > now;
	h->demoted_left_ms = h->demoted ? ep->demoted_until - now : 0;
	h->consecutive_failures = ep->consec;
	h->ok = ep->ok;
	h->failed = ep->failed;
	h->latency_ms = ep->have_latency ? ep->latency : 0.0;
	h->last_ok_ago_ms = ep->last_ok_at < 0 ? -1 : now - ep->last_ok_at;
	h->last_error_ago_ms = ep->last_err_at < 0 ? -1 :
	    now - ep->last_err_at;
	snprintf(h->last_error, sizeof(h->last_error), "%s", ep->last_error);
	return 0;
}

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
		seterr(e, RPC_ERR_USAGE, ep->index, "%s: curl option refused",
		    ep->label);
		return -1;
	}
	t0 = now_us();
	rc = curl_easy_perform(ep->curl);
	r->wire_us += (uint64_t)(now_us() - t0);
	if (rc == CURLE_OK) {
		(void)curl_easy_getinfo(ep->curl, CURLINFO_RESPONSE_CODE,
		    &code);
		*status = code;
		return 0;
	}
	if ((rc == CURLE_WRITE_ERROR && ep->buf.too_big) ||
	    rc == CURLE_FILESIZE_EXCEEDED) {
		seterr(e, RPC_ERR_TOOBIG, ep->index,
		    "%s: response larger than %zu bytes", ep->label,
		    r->o.max_response);
		return -1;
	}
	/* curl's error buffer has the detail (host, port, errno text) */
	seterr(e, RPC_ERR_TRANSPORT, ep->index, "%s: %s%s", ep->label,
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
		seterr(e, RPC_ERR_JSON, -1, "empty response body");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		excerpt(buf, len < 40 ? len : 40, ex, sizeof(ex));
		seterr(e, RPC_ERR_JSON, -1,
		    "response is not valid JSON (error at byte %zu of %zu;"
		    " starts '%s')", end != NULL && end >= buf ?
		    (size_t)(end - buf) : 0, len, ex);
		return NULL;
	}
	for (i = (size_t)(end - buf); i < len; i++)
		if (!isspace((unsigned char)buf[i])) {
			cJSON_Delete(root);
			seterr(e, RPC_ERR_JSON, -1,
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
		seterr(e, RPC_ERR_JSON, -1, "response is not a JSON object");
		return -1;
	}
	res = cJSON_GetObjectItemCaseSensitive(o, "result");
	er = cJSON_GetObjectItemCaseSensitive(o, "error");
	/* the id first, so that a batch can blame the right entry */
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (id == NULL) {
		seterr(e, RPC_ERR_JSON, -1, "response has no \"id\"");
		return -1;
	}
	if (cJSON_IsNull(id) && er != NULL && res == NULL)
		;	/* server could not read our request's id */
	else if (!cJSON_IsNumber(id) || (d = id->valuedouble) < (double)lo ||
	    d >= (double)hi || d != floor(d)) {
		seterr(e, RPC_ERR_JSON, -1, "response id does not match the"
		    " request (expected %s%" PRIu64 ")",
		    hi - lo > 1 ? "from " : "", lo);
		return -1;
	} else
		*gotid = (uint64_t)d;
	v = cJSON_GetObjectItemCaseSensitive(o, "jsonrpc");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0) {
		seterr(e, RPC_ERR_JSON, -1,
		    "response lacks \"jsonrpc\": \"2.0\"");
		return -1;
	}
	if (res != NULL && er != NULL) {
		seterr(e, RPC_ERR_JSON, -1,
		    "response has both \"result\" and \"error\"");
		return -1;
	}
	if (res == NULL && er == NULL) {
		seterr(e, RPC_ERR_JSON, -1,
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
		seterr(e, RPC_ERR_JSON, -1, "malformed error object in"
		    " response (want integer \"code\" and string"
		    " \"message\")");
		return -1;
	}
	seterr(e, RPC_ERR_RPC, -1, "%s", msg->valuestring);
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
	return d / 2 + (int64_t)(rng_next(r) % (uint64_t)(d / 2 + 1));
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
				err_prefix(e, ep->label);
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
		seterr(e, RPC_ERR_HTTP, ep->index, "%s: HTTP %ld (rpc error"
		    " %lld: %s)", ep->label, status, rpcerr.code,
		    rpcerr.message);
	else
		seterr(e, RPC_ERR_HTTP, ep->index, "%s: HTTP %ld", ep->label,
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
	int64_t			 t0 = now_ms(), deadline, t1, left, delay;
	long			 status = 0, tmo;
	int			 idx[RPC_MAX_ENDPOINTS], n, k, round;
	int			 attempts = 0, no_rounds = 0, why_budget = 0;

	rpc_error_clear(&last);
	deadline = r->o.budget_ms > 0 ? t0 + r->o.budget_ms : INT64_MAX;
	for (round = 0; round <= r->o.retries && !no_rounds; round++) {
		if (round > 0) {
			delay = backoff_delay(r, round);
			if (deadline != INT64_MAX &&
			    now_ms() + delay >= deadline) {
				why_budget = 1;
				break;
			}
			log_debug("rpc retry round=%d delay_ms=%" PRId64,
			    round, delay);
			sleep_ms(delay);
		}
		n = ep_order(r, to_send, idx);
		for (k = 0; k < n; k++) {
			ep = &r->ep[idx[k]];
			t1 = now_ms();
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
				ep_failed(r, ep, &last);
				continue;
			}
			out = handle_reply(ep, status, fn, ctx, &no_rounds,
			    &last);
			if (out == OUT_RETRY) {
				buf_trim(ep);
				ep_failed(r, ep, &last);
				continue;
			}
			ep_succeeded(ep, now_ms() - t1);
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
		seterr(e, RPC_ERR_TRANSPORT, -1, "call budget of %d ms spent"
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
		seterr(err, RPC_ERR_USAGE, -1, "rpc_call: bad arguments");
		return -1;
	}
	c.id = r->next_id++;
	c.result = NULL;
	if ((req = build_request(c.id, method, params)) == NULL ||
	    (body = cJSON_PrintUnformatted(req)) == NULL) {
		cJSON_Delete(req);
		seterr(err, RPC_ERR_USAGE, -1, "%s: out of memory", method);
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
		seterr(e, RPC_ERR_JSON, -1, "batch response is not an array");
		return OUT_RETRY;
	}
	if ((seen = calloc(c->n, 1)) == NULL) {
		seterr(e, RPC_ERR_USAGE, -1, "out of memory");
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
			seterr(&c->items[i].err, RPC_ERR_JSON, -1,
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
			seterr(&c->items[i].err, RPC_ERR_JSON, -1,
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
		seterr(err, RPC_ERR_USAGE, -1, "rpc_batch: bad arguments");
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
			seterr(&e, RPC_ERR_USAGE, -1, "rpc_batch: bad method"
			    " or params in item %zu", i);
			goto fail;
		}
		if (strcmp(items[i].method, "eth_sendRawTransaction") == 0)
			nsend++;
	}
	if (r->has_send && nsend > 0) {
		if (nsend != n) {
			seterr(&e, RPC_ERR_USAGE, -1, "rpc_batch: cannot mix"
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
	seterr(&e, RPC_ERR_USAGE, -1, "rpc_batch: out of memory");
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

/* ---- value parsers ------------------------------------------------------ */

/* Describe a bad value for an error message. */
static void
badval(const cJSON *v, const char *what, const char *want,
    struct rpc_error *e)
{
	char	ex[48];

	if (cJSON_IsString(v)) {
		excerpt(v->valuestring, strlen(v->valuestring), ex,
		    sizeof(ex));
		seterr(e, RPC_ERR_VALIDATION, -1, "%s: want %s, got '%s'",
		    what, want, ex);
	} else
		seterr(e, RPC_ERR_VALIDATION, -1, "%s: want %s, got %s",
		    what, want, v == NULL ? "nothing" : cJSON_IsNull(v) ?
		    "null" : cJSON_IsNumber(v) ? "a number" :
		    cJSON_IsBool(v) ? "a boolean" : cJSON_IsArray(v) ?
		    "an array" : cJSON_IsObject(v) ? "an object" :
		    "something else");
}

/*
 * Common check of a quantity: "0x" and 1..64 hex digits. Returns a
 * pointer to the first significant digit (the last digit for zero), or
 * NULL.
 */
static const char *
quantity_digits(const cJSON *v, const char *what, struct rpc_error *e)
{
	const char	*s, *p;
	size_t		 n;

	if (!cJSON_IsString(v) || (s = v->valuestring) == NULL ||
	    s[0] != '0' || s[1] != 'x') {
		badval(v, what, "a hex quantity", e);
		return NULL;
	}
	n = strlen(s + 2);
	if (n == 0 || n > 64 || strspn(s + 2, "0123456789abcdefABCDEF") !=
	    n) {
		badval(v, what, "a hex quantity", e);
		return NULL;
	}
	for (p = s + 2; *p == '0' && p[1] != '\0'; p++)
		;
	return p;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

int
rpc_parse_u64(const cJSON *v, const char *what, uint64_t *out,
    struct rpc_error *e)
{
	const char	*p;
	uint64_t	 x = 0;

	if ((p = quantity_digits(v, what, e)) == NULL)
		return -1;
	if (strlen(p) > 16) {
		badval(v, what, "a quantity below 2^64", e);
		return -1;
	}
	for (; *p != '\0'; p++)
		x = x << 4 | (uint64_t)hexval(*p);
	*out = x;
	return 0;
}

int
rpc_parse_u256(const cJSON *v, const char *what, u256 *out,
    struct rpc_error *e)
{
	if (quantity_digits(v, what, e) == NULL)
		return -1;
	if (u256_from_hex(out, v->valuestring) == -1) {
		badval(v, what, "a 256-bit hex quantity", e);
		return -1;
	}
	return 0;
}

/* Check "0x" + even hex digits; returns the number of bytes or -1. */
static long
data_len(const cJSON *v, const char *what, struct rpc_error *e)
{
	const char	*s;
	size_t		 n;

	if (!cJSON_IsString(v) || (s = v->valuestring) == NULL ||
	    s[0] != '0' || s[1] != 'x') {
		badval(v, what, "hex data", e);
		return -1;
	}
	n = strlen(s + 2);
	if (n % 2 != 0 || n / 2 > (size_t)LONG_MAX / 2 ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != n) {
		badval(v, what, "hex data (even number of hex digits)", e);
		return -1;
	}
	return (long)(n / 2);
}

int
rpc_parse_data(const cJSON *v, const char *what, uint8_t **out,
    size_t *outlen, struct rpc_error *e)
{
	uint8_t	*b;
	long	 n;
	size_t	 got;

	if ((n = data_len(v, what, e)) < 0)
		return -1;
	if ((b = malloc((size_t)n + 1)) == NULL) {
		seterr(e, RPC_ERR_USAGE, -1, "%s: out of memory", what);
		return -1;
	}
	if (hex_decode(v->valuestring + 2, (size_t)n * 2, b, (size_t)n,
	    &got) == -1 || got != (size_t)n) {
		free(b);
		badval(v, what, "hex data", e);
		return -1;
	}
	*out = b;
	*outlen = got;
	return 0;
}

static int
parse_fixed(const cJSON *v, const char *what, uint8_t *out, size_t want,
    const char *desc, struct rpc_error *e)
{
	size_t	got;
	long	n;

	if ((n = data_len(v, what, e)) < 0)
		return -1;
	if ((size_t)n != want || hex_decode(v->valuestring + 2, want * 2, out,
	    want, &got) == -1 || got != want) {
		badval(v, what, desc, e);
		return -1;
	}
	return 0;
}

int
rpc_parse_hash(const cJSON *v, const char *what, uint8_t out[32],
    struct rpc_error *e)
{
	return parse_fixed(v, what, out, 32, "a 32-byte hash", e);
}

int
rpc_parse_address(const cJSON *v, const char *what, uint8_t out[20],
    struct rpc_error *e)
{
	return parse_fixed(v, what, out, 20, "a 20-byte address", e);
}

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
		seterr(e, RPC_ERR_USAGE, -1, "%s: bad arguments or out of"
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
	err_prefix(e, method);
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
		badval(o, "log", "an object", e);
		return -1;
	}
	if (rpc_parse_address(cJSON_GetObjectItemCaseSensitive(o, "address"),
	    "log.address", l->address, e) == -1 ||
	    rpc_parse_u64(cJSON_GetObjectItemCaseSensitive(o, "logIndex"),
	    "log.logIndex", &l->log_index, e) == -1)
		return -1;
	topics = cJSON_GetObjectItemCaseSensitive(o, "topics");
	if (!cJSON_IsArray(topics) || cJSON_GetArraySize(topics) > 4) {
		badval(topics, "log.topics", "an array of at most 4 hashes",
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
		badval(o, "receipt", "an object or null", e);
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
		seterr(e, RPC_ERR_VALIDATION, -1, "receipt is for another"
		    " transaction");
		return -1;
	}
	if (status > 1) {
		seterr(e, RPC_ERR_VALIDATION, -1, "status: want 0x0 or 0x1");
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
		badval(logs, "logs", "an array", e);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(logs);
	if (n > 0 && (rc->logs = calloc(n, sizeof(*rc->logs))) == NULL) {
		seterr(e, RPC_ERR_USAGE, -1, "out of memory");
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
		seterr(err, RPC_ERR_USAGE, -1, "out of memory");
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
		badval(res, "transaction", "an object or null", err);
		goto bad;
	}
	if (rpc_parse_hash(F("hash"), "hash", h, err) == -1 ||
	    rpc_parse_u64(F("nonce"), "nonce", &t.nonce, err) == -1 ||
	    rpc_parse_address(F("from"), "from", t.from, err) == -1)
		goto bad;
	if (memcmp(h, hash, 32) != 0) {
		seterr(err, RPC_ERR_VALIDATION, -1, "node returned another"
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
		badval(res, "block", "an object or null", err);
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
