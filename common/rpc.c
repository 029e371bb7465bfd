/*
 * rpc.c: Ethereum JSON-RPC client; see rpc.h for the retry and health
 * rules. This file: errors, construction, endpoints' health. The rest:
 * rpc_http.c (one HTTP exchange, rounds of attempts, single calls and
 * batches), rpc_parse.c (strict parsers of result values), rpc_eth.c
 * (the typed eth_* calls); rpc_int.h has what they share.
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

static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static int		curl_ok;

static void
curl_init_once(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int64_t
rpc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
rpc_sleep_ms(int64_t ms)
{
	struct timespec	ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

uint64_t
rpc_rng_next(struct rpc *r)
{
	/* xorshift64*: jitter only, not security */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1DULL;
}

void
rpc_seterr(struct rpc_error *e, enum rpc_err_kind kind, int endpoint,
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
void
rpc_err_prefix(struct rpc_error *e, const char *prefix)
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
void
rpc_excerpt(const char *s, size_t n, char *out, size_t cap)
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

int64_t
rpc_now_us(void)
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
	r->rng = (uint64_t)rpc_now_ms() * 0x9E3779B97F4A7C15ULL ^
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

void
rpc_ep_failed(struct rpc *r, struct rpc_ep *ep, const struct rpc_error *e)
{
	int64_t	now = rpc_now_ms(), d;
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

void
rpc_ep_succeeded(struct rpc_ep *ep, int64_t latency)
{
	if (ep->consec > 0)
		log_info("rpc endpoint recovered endpoint=%d url=%s"
		    " after_failures=%u", ep->index, ep->label, ep->consec);
	ep->ok++;
	ep->consec = 0;
	ep->demoted_until = 0;
	ep->last_ok_at = rpc_now_ms();
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
int
rpc_ep_order(const struct rpc *r, int to_send, int idx[RPC_MAX_ENDPOINTS])
{
	int64_t	now = rpc_now_ms();
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

	(void)rpc_ep_order(r, 0, idx);
	return idx[0];
}

int
rpc_endpoint_health(const struct rpc *r, int i, struct rpc_health *h)
{
	const struct rpc_ep	*ep;
	int64_t			 now = rpc_now_ms();

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
