/*
 * dex.c: the DEX feed (see dex.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "abi.h"
#include "dex.h"
#include "hex.h"
#include "log.h"

/* Unresolved pools are retried this often once the node answers. */
#define RESOLVE_RETRY_MS	30000

size_t
dex_msg_size(const struct dex_msg *m)
{
	return offsetof(struct dex_msg, item) + (size_t)m->n *
	    sizeof(m->item[0]);
}

static void
seterr(char *dst, size_t cap, const struct rpc_error *e)
{
	if (e->kind == RPC_ERR_RPC)
		snprintf(dst, cap, "rpc error %lld: %s", e->code, e->message);
	else
		snprintf(dst, cap, "%s: %s", rpc_err_kind_name(e->kind),
		    e->message);
}

/* [{"to":to,"data":data}, tag] for eth_call. NULL on ENOMEM. */
static cJSON *
call_params(const struct addr *to, const struct abi_buf *data,
    const char *tag)
{
	cJSON	*p = cJSON_CreateArray(), *o = cJSON_CreateObject();
	char	 a[ADDR_STR_MAX], *hex = hex_encode_alloc(data->data,
		    data->len, 1);

	if (p == NULL || o == NULL || hex == NULL) {
		cJSON_Delete(p);
		cJSON_Delete(o);
		free(hex);
		return NULL;
	}
	cJSON_AddStringToObject(o, "to", addr_format_lower(to, a));
	cJSON_AddStringToObject(o, "data", hex);
	free(hex);
	cJSON_AddItemToArray(p, o);
	cJSON_AddItemToArray(p, cJSON_CreateString(tag));
	return p;
}

static void
free_params(struct rpc_batch_item *it, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cJSON_Delete((cJSON *)(void *)it[i].params);
}

/* Decode an eth_call result holding one address. */
static int
result_address(const struct rpc_batch_item *it, struct addr *out,
    char *err, size_t cap)
{
	uint8_t	*data = NULL;
	size_t	 len;
	int	 rc;

	if (it->err.kind != RPC_ERR_NONE) {
		seterr(err, cap, &it->err);
		return -1;
	}
	if (rpc_parse_data(it->result, "result", &data, &len, NULL) == -1) {
		snprintf(err, cap, "eth_call result is not hex data");
		return -1;
	}
	rc = abi_decode_address(data, len, out);
	free(data);
	if (rc == -1)
		snprintf(err, cap, "eth_call result is not an address (not a "
		    "contract?)");
	return rc;
}

int
dex_resolve(struct rpc *r, const struct addr *factory, struct dex_pool *p,
    size_t n, struct rpc_error *err)
{
	struct rpc_batch_item	*it;
	struct abi_buf		 b;
	struct abi_value	 v[2];
	size_t			 i, k, idx[DEX_MAX_POOLS];
	int			 rc = 0;

	if (n > DEX_MAX_POOLS)
		return -1;
	if ((it = calloc(2 * DEX_MAX_POOLS, sizeof(*it))) == NULL)
		return -1;
	/* 1: getPair for pools without a pair. */
	for (i = k = 0; i < n; i++) {
		if (p[i].resolved || p[i].has_pair)
			continue;
		if (factory == NULL) {
			snprintf(p[i].error, sizeof(p[i].error), "no pair "
			    "address and no [chain] factory");
			continue;
		}
		v[0] = abi_v_address(&p[i].m.base_addr);
		v[1] = abi_v_address(&p[i].m.quote_addr);
		memset(&b, 0, sizeof(b));
		if (abi_encode_call(&b, "getPair(address,address)", v, 2) ==
		    -1) {
			rc = -1;
			goto out;
		}
		it[k].method = "eth_call";
		it[k].params = call_params(factory, &b, "latest");
		abi_buf_free(&b);
		if (it[k].params == NULL) {
			free_params(it, k);
			rc = -1;
			goto out;
		}
		idx[k++] = i;
	}
	if (k > 0) {
		if (rpc_batch(r, it, k, err) == -1) {
			free_params(it, k);
			rc = -1;
			goto out;
		}
		for (i = 0; i < k; i++) {
			struct dex_pool	*q = &p[idx[i]];

			if (result_address(&it[i], &q->m.pair, q->error,
			    sizeof(q->error)) == -1)
				continue;
			if (addr_is_zero(&q->m.pair)) {
				snprintf(q->error, sizeof(q->error), "the "
				    "factory has no %s/%s pair", q->m.base,
				    q->m.quote);
				continue;
			}
			q->has_pair = 1;
		}
		rpc_batch_clear(it, k);
		free_params(it, k);
	}
	/* 2: token0() and token1() of every pair not yet resolved. */
	memset(it, 0, 2 * DEX_MAX_POOLS * sizeof(*it));
	for (i = k = 0; i < n; i++) {
		if (p[i].resolved || !p[i].has_pair)
			continue;
		memset(&b, 0, sizeof(b));
		if (abi_call_token0(&b) == -1) {
			free_params(it, 2 * k);
			rc = -1;
			goto out;
		}
		it[2 * k].method = "eth_call";
		it[2 * k].params = call_params(&p[i].m.pair, &b, "latest");
		abi_buf_free(&b);
		memset(&b, 0, sizeof(b));
		if (abi_call_token1(&b) == -1) {
			free_params(it, 2 * k + 1);
			rc = -1;
			goto out;
		}
		it[2 * k + 1].method = "eth_call";
		it[2 * k + 1].params = call_params(&p[i].m.pair, &b, "latest");
		abi_buf_free(&b);
		if (it[2 * k].params == NULL || it[2 * k + 1].params == NULL) {
			free_params(it, 2 * k + 2);
			rc = -1;
			goto out;
		}
		idx[k++] = i;
	}
	if (k > 0) {
		if (rpc_batch(r, it, 2 * k, err) == -1) {
			free_params(it, 2 * k);
			rc = -1;
			goto out;
		}
		for (i = 0; i < k; i++) {
			struct dex_pool	*q = &p[idx[i]];
			struct addr	 t0, t1;

			if (result_address(&it[2 * i], &t0, q->error,
			    sizeof(q->error)) == -1 ||
			    result_address(&it[2 * i + 1], &t1, q->error,
			    sizeof(q->error)) == -1)
				continue;
			if (addr_eq(&t0, &q->m.base_addr) &&
			    addr_eq(&t1, &q->m.quote_addr))
				q->m.base_is_token0 = 1;
			else if (addr_eq(&t1, &q->m.base_addr) &&
			    addr_eq(&t0, &q->m.quote_addr))
				q->m.base_is_token0 = 0;
			else {
				snprintf(q->error, sizeof(q->error), "the pair "
				    "does not hold %s and %s", q->m.base,
				    q->m.quote);
				continue;
			}
			q->resolved = 1;
			q->error[0] = '\0';
		}
		rpc_batch_clear(it, 2 * k);
		free_params(it, 2 * k);
	}
out:
	free(it);
	return rc;
}

int
dex_read(struct rpc *r, uint64_t block, const struct dex_pool *p, size_t n,
    struct dex_msg *msg, struct rpc_error *err)
{
	struct rpc_batch_item	*it;
	struct abi_buf		 b;
	char			 tag[RPC_TAG_MAX];
	cJSON			*bp;
	size_t			 i, k = 1, idx[DEX_MAX_POOLS];
	int			 rc = -1;

	if (n > DEX_MAX_POOLS)
		return -1;
	if ((it = calloc(DEX_MAX_POOLS + 1, sizeof(*it))) == NULL)
		return -1;
	rpc_block_tag(block, tag);
	msg->type = DEX_MSG_BLOCK;
	msg->block = block;
	msg->block_time = 0;
	msg->n = (int)n;
	memset(msg->item, 0, n * sizeof(msg->item[0]));
	if ((bp = cJSON_CreateArray()) == NULL)
		goto out;
	cJSON_AddItemToArray(bp, cJSON_CreateString(tag));
	cJSON_AddItemToArray(bp, cJSON_CreateFalse());
	it[0].method = "eth_getBlockByNumber";
	it[0].params = bp;
	memset(&b, 0, sizeof(b));
	if (abi_call_get_reserves(&b) == -1)
		goto params;
	for (i = 0; i < n; i++) {
		msg->item[i].resolved = (uint8_t)p[i].resolved;
		msg->item[i].pair = p[i].m.pair;
		msg->item[i].base_is_token0 = (uint8_t)p[i].m.base_is_token0;
		if (!p[i].resolved) {
			snprintf(msg->item[i].err, sizeof(msg->item[i].err),
			    "%s", p[i].error[0] ? p[i].error : "not resolved");
			continue;
		}
		it[k].method = "eth_call";
		if ((it[k].params = call_params(&p[i].m.pair, &b, tag)) ==
		    NULL)
			goto params;
		idx[k++] = i;
	}
	if (rpc_batch(r, it, k, err) == -1)
		goto params;
	msg->t_reply_us = tick_now_us();
	/* The block: its timestamp (and it must exist). */
	if (it[0].err.kind != RPC_ERR_NONE) {
		seterr(msg->error, sizeof(msg->error), &it[0].err);
		if (err != NULL)
			*err = it[0].err;
		goto clear;
	}
	if (!cJSON_IsObject(it[0].result) ||
	    rpc_parse_u64(cJSON_GetObjectItemCaseSensitive(it[0].result,
	    "timestamp"), "timestamp", &msg->block_time, err) == -1) {
		snprintf(msg->error, sizeof(msg->error), "block %llu: no "
		    "such block or no timestamp", (unsigned long long)block);
		if (err != NULL) {
			err->kind = RPC_ERR_VALIDATION;
			snprintf(err->message, sizeof(err->message), "%s",
			    msg->error);
		}
		goto clear;
	}
	for (i = 1; i < k; i++) {
		struct dex_item	*x = &msg->item[idx[i]];
		uint8_t		*data = NULL;
		size_t		 len;
		uint32_t	 ts;

		if (it[i].err.kind != RPC_ERR_NONE) {
			seterr(x->err, sizeof(x->err), &it[i].err);
			continue;
		}
		if (rpc_parse_data(it[i].result, "result", &data, &len,
		    NULL) == -1 || abi_decode_reserves(data, len, &x->r0,
		    &x->r1, &ts) == -1) {
			snprintf(x->err, sizeof(x->err), "getReserves returned "
			    "malformed data");
			free(data);
			continue;
		}
		free(data);
		x->ok = 1;
	}
	rc = 0;
clear:
	rpc_batch_clear(it, k);
params:
	abi_buf_free(&b);
	free_params(it, k);
out:
	free(it);
	return rc;
}

/* --- the thread --- */

struct dex_feed {
	void			*zctx;
	void			*sock;		/* daemon's end (PAIR) */
	char			 endpoint[64];
	pthread_t		 thr;
	int			 started;
	struct dex_feed_opts	 o;
	char			*urls[RPC_MAX_ENDPOINTS];
	struct dex_pool		*pools;
	struct dex_msg		*in;		/* receive buffer */
	struct dex_msg		*out;		/* thread's send buffer */
};

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
thread_cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
stamp(struct dex_feed *f, struct rpc *r, struct dex_msg *m)
{
	struct rpc_health	h;

	m->endpoint = rpc_endpoint_in_use(r);
	if (rpc_endpoint_health(r, m->endpoint, &h) == 0)
		memcpy(m->endpoint_label, h.label, sizeof(m->endpoint_label));
	else
		m->endpoint_label[0] = '\0';
	m->cpu_us = thread_cpu_us();
	(void)f;
}

static int
send_msg(void *s, struct dex_msg *m)
{
	return zmq_send(s, m, dex_msg_size(m), 0) == -1 ? -1 : 0;
}

/* Wait up to ms (-1: for ever) for a stop message on s. Returns 1 to
 * stop. */
static int
wait_stop(void *s, long long ms)
{
	zmq_pollitem_t	pi = { s, 0, ZMQ_POLLIN, 0 };
	char		c;

	if (ms < -1)
		ms = 0;
	if (zmq_poll(&pi, 1, (long)ms) == -1)
		return 1;	/* context terminated */
	if (pi.revents & ZMQ_POLLIN) {
		zmq_recv(s, &c, 1, 0);
		return 1;
	}
	return 0;
}

static void *
feed_main(void *arg)
{
	struct dex_feed		*f = arg;
	struct rpc_opts		 ro;
	struct rpc		*r;
	struct rpc_error	 e;
	struct dex_msg		*m = f->out;
	void			*s;
	uint64_t		 head = 0, last = 0;
	int			 have_last = 0, delay, all, i, fails = 0;
	int			 behind = 0;
	long long		 next_resolve = 0, t0;

	if ((s = zmq_socket(f->zctx, ZMQ_PAIR)) == NULL)
		return NULL;
	{
		int	linger = 0, sndtimeo = 2000;

		zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
		/* Never block for ever on a daemon that stopped reading. */
		zmq_setsockopt(s, ZMQ_SNDTIMEO, &sndtimeo, sizeof(sndtimeo));
	}
	if (zmq_connect(s, f->endpoint) == -1) {
		zmq_close(s);
		return NULL;
	}
	rpc_opts_init(&ro);
	for (i = 0; i < f->o.nurls; i++)
		ro.urls[i] = f->urls[i];
	ro.nurls = f->o.nurls;
	ro.timeout_ms = f->o.timeout_ms;
	ro.connect_timeout_ms = f->o.timeout_ms;
	/* The feed's own loop is the retry: fail over within one round,
	 * never sleep inside the client. */
	ro.retries = 0;
	ro.budget_ms = f->o.timeout_ms * f->o.nurls + 1000;
	if ((r = rpc_new(&ro)) == NULL) {
		memset(m, 0, offsetof(struct dex_msg, item));
		m->type = DEX_MSG_ERROR;
		snprintf(m->error, sizeof(m->error), "cannot set up the "
		    "JSON-RPC client");
		send_msg(s, m);
		wait_stop(s, -1);
		zmq_close(s);
		return NULL;
	}
	delay = 0;
	for (;;) {
		if (wait_stop(s, delay))
			break;
		t0 = now_ms();
		/* Resolve pools at start and, for failures, now and then. */
		all = 1;
		for (i = 0; i < (int)f->o.npools; i++)
			all &= f->pools[i].resolved;
		if (!all && t0 >= next_resolve) {
			memset(m, 0, offsetof(struct dex_msg, item));
			if (dex_resolve(r, f->o.has_factory ? &f->o.factory :
			    NULL, f->pools, f->o.npools, &e) == -1) {
				m->type = DEX_MSG_ERROR;
				seterr(m->error, sizeof(m->error), &e);
				stamp(f, r, m);
				send_msg(s, m);
				fails++;
				delay = f->o.poll_ms << (fails < 5 ? fails : 5);
				if (delay > f->o.backoff_max_ms)
					delay = f->o.backoff_max_ms;
				continue;
			}
			m->type = DEX_MSG_RESOLVED;
			m->n = (int)f->o.npools;
			for (i = 0; i < m->n; i++) {
				struct dex_item	*x = &m->item[i];

				memset(x, 0, sizeof(*x));
				x->resolved = (uint8_t)f->pools[i].resolved;
				x->ok = x->resolved;
				x->pair = f->pools[i].m.pair;
				x->base_is_token0 =
				    (uint8_t)f->pools[i].m.base_is_token0;
				snprintf(x->err, sizeof(x->err), "%s",
				    f->pools[i].error);
			}
			stamp(f, r, m);
			send_msg(s, m);
			next_resolve = t0 + RESOLVE_RETRY_MS;
			have_last = 0;	/* read the new pools at once */
		}
		memset(m, 0, offsetof(struct dex_msg, item));
		if (rpc_block_number(r, &head, &e) == -1) {
			m->type = DEX_MSG_ERROR;
			seterr(m->error, sizeof(m->error), &e);
			stamp(f, r, m);
			send_msg(s, m);
			fails++;
			delay = f->o.poll_ms << (fails < 5 ? fails : 5);
			if (delay > f->o.backoff_max_ms)
				delay = f->o.backoff_max_ms;
			continue;
		}
		/* After failures, read the pools again even on the same
		 * head: what the daemon has is marked as not fresh. */
		if (fails > 0)
			have_last = 0;
		if (have_last && head < last && ++behind < 3) {
			/* A lagging endpoint (after a failover): its state
			 * is older than what we published, so not fresh.
			 * Three polls in a row: the chain went back (a reorg,
			 * a test chain's revert), read it as it is. */
			delay = f->o.poll_ms;
			continue;
		}
		if (head >= last || behind >= 3) {
			if (behind >= 3)
				have_last = 0;
			behind = 0;
		}
		if (have_last && head == last) {
			m->type = DEX_MSG_ALIVE;
			m->block = head;
			m->t_reply_us = tick_now_us();
			stamp(f, r, m);
			send_msg(s, m);
		} else if (dex_read(r, head, f->pools, f->o.npools, m,
		    &e) == -1) {
			memset(m, 0, offsetof(struct dex_msg, item));
			m->type = DEX_MSG_ERROR;
			seterr(m->error, sizeof(m->error), &e);
			stamp(f, r, m);
			send_msg(s, m);
			fails++;
			delay = f->o.poll_ms << (fails < 5 ? fails : 5);
			if (delay > f->o.backoff_max_ms)
				delay = f->o.backoff_max_ms;
			continue;
		} else {
			stamp(f, r, m);
			send_msg(s, m);
			last = head;
			have_last = 1;
		}
		fails = 0;
		/* Poll on a fixed period, whatever the round trips took. */
		delay = f->o.poll_ms - (int)(now_ms() - t0);
		if (delay < 0)
			delay = 0;
	}
	rpc_free(&r);
	zmq_close(s);
	return NULL;
}

struct dex_feed *
dex_feed_start(void *zctx, const struct dex_feed_opts *o)
{
	static unsigned	 seq;
	struct dex_feed	*f;
	int		 i, linger = 0;

	if (o->nurls < 1 || o->nurls > RPC_MAX_ENDPOINTS ||
	    o->npools > DEX_MAX_POOLS || o->poll_ms <= 0) {
		log_warnx("dex feed: bad options");
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->in = calloc(1, sizeof(*f->in))) == NULL ||
	    (f->out = calloc(1, sizeof(*f->out))) == NULL ||
	    (f->pools = calloc(o->npools ? o->npools : 1,
	    sizeof(*f->pools))) == NULL)
		goto fail;
	f->zctx = zctx;
	f->o = *o;
	if (f->o.backoff_max_ms < f->o.poll_ms)
		f->o.backoff_max_ms = f->o.poll_ms;
	memcpy(f->pools, o->pools, o->npools * sizeof(*f->pools));
	f->o.pools = f->pools;
	for (i = 0; i < o->nurls; i++)
		if ((f->urls[i] = strdup(o->urls[i])) == NULL)
			goto fail;
	snprintf(f->endpoint, sizeof(f->endpoint), "inproc://marketd-dex-%u",
	    seq++);
	if ((f->sock = zmq_socket(zctx, ZMQ_PAIR)) == NULL)
		goto fail;
	zmq_setsockopt(f->sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(f->sock, f->endpoint) == -1)
		goto fail;
	if (pthread_create(&f->thr, NULL, feed_main, f) != 0)
		goto fail;
	f->started = 1;
	return f;
fail:
	log_warnx("dex feed: cannot start");
	dex_feed_stop(&f);
	return NULL;
}

void
dex_feed_stop(struct dex_feed **fp)
{
	struct dex_feed	*f;
	int		 i;

	if (fp == NULL || (f = *fp) == NULL)
		return;
	if (f->started) {
		zmq_send(f->sock, "q", 1, 0);
		pthread_join(f->thr, NULL);
	}
	if (f->sock != NULL)
		zmq_close(f->sock);
	for (i = 0; i < RPC_MAX_ENDPOINTS; i++)
		free(f->urls[i]);
	free(f->pools);
	free(f->in);
	free(f->out);
	free(f);
	*fp = NULL;
}

void *
dex_feed_socket(struct dex_feed *f)
{
	return f->sock;
}

int
dex_feed_recv(struct dex_feed *f, const struct dex_msg **msg)
{
	int	n;

	n = zmq_recv(f->sock, f->in, sizeof(*f->in), ZMQ_DONTWAIT);
	if (n == -1)
		return zmq_errno() == EAGAIN ? 0 : -1;
	if ((size_t)n < offsetof(struct dex_msg, item) ||
	    (size_t)n > sizeof(*f->in) || f->in->n < 0 ||
	    f->in->n > DEX_MAX_POOLS || dex_msg_size(f->in) != (size_t)n)
		return 0;	/* cannot happen: same process */
	*msg = f->in;
	return 1;
}
