/*
 * marketd_feed.c: the DEX and CEX feeds' messages, staleness, the
 * housekeeping timer, and starting and stopping the feeds
 * (marketd_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "db.h"
#include "dex.h"
#include "import.h"
#include "log.h"
#include "marketd.h"
#include "marketd_int.h"
#include "ref.h"

/* --- the DEX feed's messages --- */

static void
on_tick(struct md *md, int idx, const struct dex_msg *msg,
    const struct dex_item *it, long long now)
{
	/* Static: up to a day of flat candles, too big for the stack;
	 * only the daemon's loop calls this. */
	static struct candle	 closed[MAX_CLOSED];
	struct md_market	*m = &md->m[idx];
	struct tick		 t;
	size_t			 nclosed = 0;
	u256			 vol = u256_from_u64(0), db;
	int			 was_stale = m->dex.stale, fresh = 1;
	long long		 age_s;
	char			 why[160];

	memset(&t, 0, sizeof(t));
	t.block = msg->block;
	t.block_time = msg->block_time;
	t.t_reply_us = msg->t_reply_us;
	if (tick_compute(&t, &m->tm, &md->sizes, &it->r0, &it->r1) == -1) {
		feed_error(&m->dex, now, "the pool is empty (a reserve is "
		    "zero)");
		return;
	}
	age_s = md_wall_ms() / 1000 - (long long)msg->block_time;
	if (md->d->cfg->market.max_block_age_s > 0 &&
	    age_s > md->d->cfg->market.max_block_age_s) {
		snprintf(why, sizeof(why), "the head block %llu is %lld s old "
		    "(node stuck or syncing?)", (unsigned long long)msg->block,
		    age_s);
		feed_error(&m->dex, now, why);
		fresh = 0;
	}
	/* Traded volume: a swap moves the reserves in opposite directions;
	 * liquidity changes move them together and are not volume. */
	if (m->has_tick) {
		int	bup = u256_cmp(&t.r_base, &m->tick.r_base);
		int	qup = u256_cmp(&t.r_quote, &m->tick.r_quote);

		if (bup * qup < 0) {
			if (bup > 0)
				u256_sub(&db, &t.r_base, &m->tick.r_base);
			else
				u256_sub(&db, &m->tick.r_base, &t.r_base);
			vol = db;
		}
	}
	m->tick = t;
	m->has_tick = 1;
	m->tick_ms = now;
	m->ticks++;
	if (fresh) {
		feed_ok(&m->dex, now);
		if (feed_check(&m->dex, now, md->dex_limit_ms))
			md_announce(md, m, 0, now);
	}
	md_publish_tick(md, m, 1);
	if (md->d->cfg->market.candles &&
	    candle_builder_add(&m->cb, (int64_t)t.block_time * 1000, t.mid,
	    &vol, !was_stale, closed, MAX_CLOSED, &nclosed) == 0 && nclosed)
		md_enqueue(md, idx, closed, nclosed);
}

static void
on_dex(struct daemon *d, void *arg)
{
	struct md		*md = arg;
	const struct dex_msg	*msg;
	long long		 now;
	int			 i, budget = 64;

	while (budget-- > 0 && md->dex != NULL &&
	    dex_feed_recv(md->dex, &msg) == 1) {
		now = daemon_now_ms();
		if (msg->endpoint_label[0]) {
			snprintf(md->endpoint, sizeof(md->endpoint), "%s",
			    msg->endpoint_label);
			md->endpoint_idx = msg->endpoint;
		}
		md->feed_cpu_us = msg->cpu_us;
		switch (msg->type) {
		case DEX_MSG_ERROR:
			md->rpc_errors++;
			if (md->chain.last_err_ms <= md->chain.last_ok_ms)
				log_warnx("chain node not answering "
				    "endpoint=%s error=\"%s\"", md->endpoint,
				    msg->error);
			feed_error(&md->chain, now, msg->error);
			for (i = 0; i < md->n; i++)
				feed_error(&md->m[i].dex, now, msg->error);
			break;
		case DEX_MSG_RESOLVED:
			for (i = 0; i < md->n && i < msg->n; i++) {
				struct md_market	*m = &md->m[i];
				const struct dex_item	*it = &msg->item[i];
				char			 a[ADDR_STR_MAX];

				if (it->resolved && !m->resolved)
					log_info("pool resolved symbol=%s "
					    "pair=%s base_is_token0=%d",
					    m->tm.symbol, addr_format(&it->pair,
					    a), it->base_is_token0);
				else if (!it->resolved && strcmp(m->error,
				    it->err) != 0)
					log_warnx("pool not usable symbol=%s "
					    "error=\"%s\"", m->tm.symbol,
					    it->err);
				m->resolved = it->resolved;
				if (it->resolved) {
					m->tm.pair = it->pair;
					m->tm.base_is_token0 =
					    it->base_is_token0;
				}
				snprintf(m->error, sizeof(m->error), "%s",
				    it->err);
				if (!it->resolved)
					feed_error(&m->dex, now, it->err);
			}
			break;
		case DEX_MSG_ALIVE:
		case DEX_MSG_BLOCK:
			if (md->chain.last_err_ms > md->chain.last_ok_ms)
				log_info("chain node answering again "
				    "endpoint=%s block=%llu", md->endpoint,
				    (unsigned long long)msg->block);
			feed_ok(&md->chain, now);
			if (msg->type == DEX_MSG_BLOCK) {
				md->blocks++;
				md->head = msg->block;
				md->head_time = msg->block_time;
			}
			for (i = 0; i < md->n; i++) {
				struct md_market	*m = &md->m[i];

				if (msg->type == DEX_MSG_ALIVE) {
					/* Same head: a tick read at it is
					 * still the pool's state. */
					if (m->has_tick && m->tick.block ==
					    msg->block && m->dex.last_ok_ms >=
					    m->dex.last_err_ms) {
						feed_ok(&m->dex, now);
						if (feed_check(&m->dex, now,
						    md->dex_limit_ms))
							md_announce(md, m, 0,
							    now);
					}
					continue;
				}
				if (i >= msg->n)
					continue;
				if (msg->item[i].ok)
					on_tick(md, i, msg, &msg->item[i], now);
				else
					feed_error(&m->dex, now,
					    msg->item[i].err);
			}
			break;
		}
	}
}

/* --- the CEX feed's messages --- */

static void
on_ref(struct daemon *d, void *arg)
{
	struct md		*md = arg;
	const struct ref_msg	*msg;
	struct md_market	*m;
	long long		 now;
	int			 budget = 256;

	while (budget-- > 0 && md->ref != NULL &&
	    ref_feed_recv(md->ref, &msg) == 1) {
		now = daemon_now_ms();
		if (msg->idx < 0 || msg->idx >= md->n)
			continue;
		m = &md->m[msg->idx];
		if (msg->used_weight >= 0)
			md->used_weight = msg->used_weight;
		if (!msg->ok) {
			if (m->ref.last_err_ms <= m->ref.last_ok_ms ||
			    strcmp(m->ref.last_error, msg->error) != 0)
				log_warnx("reference price failed symbol=%s "
				    "cex_symbol=%s error=\"%s\"", m->tm.symbol,
				    m->cex_symbol, msg->error);
			if (msg->kind == CEX_ERR_RATELIMIT &&
			    msg->retry_after_ms > 0)
				md->rate_limited++;
			feed_error(&m->ref, now, msg->error);
			continue;
		}
		m->book = msg->book;
		m->book_us = msg->t_us;
		m->book_ms = now;
		m->has_book = 1;
		feed_ok(&m->ref, now);
		if (feed_check(&m->ref, now, md->cex_limit_ms))
			md_announce(md, m, 1, now);
		md_publish(md, "ref.", m->tm.symbol, md_ref_json(m, now));
	}
}

/* --- housekeeping --- */

static void
update_health(struct md *md, long long now)
{
	char	reason[256] = "";
	int	i, bad = 0;

	/* Before the first stale limit has passed, nothing is late. */
	if (now - md->start_ms > md->dex_limit_ms)
		for (i = 0; i < md->n; i++)
			if (md->m[i].dex.stale) {
				if (bad++ == 0)
					snprintf(reason, sizeof(reason),
					    "price "
					    "feed stale: %s (%s)",
					    md->m[i].tm.symbol,
					    md->m[i].dex.last_error[0] ?
					    md->m[i].dex.last_error :
					    "no fresh data");
			}
	if (bad > 1) {
		size_t	l = strlen(reason);

		snprintf(reason + l, sizeof(reason) - l, " and %d more",
		    bad - 1);
	}
	daemon_set_health(md->d, bad == 0, bad ? reason : NULL);
}

void
md_housekeeping(struct daemon *d, void *arg)
{
	struct md	*md = arg;
	long long	 now = daemon_now_ms(), wnow = md_wall_ms();
	struct candle	 c;
	int		 i, second = ++md->ticks_hk % (1000 / HK_MS) == 0;

	feed_check(&md->chain, now, md->dex_limit_ms);
	for (i = 0; i < md->n; i++) {
		struct md_market	*m = &md->m[i];

		if (feed_check(&m->dex, now, md->dex_limit_ms))
			md_announce(md, m, 0, now);
		/* A quiet chain (no new block): the price again, for
		 * subscribers that joined since. */
		if (m->has_tick && !m->dex.stale && now - m->pub_ms >=
		    d->cfg->chain.block_time_ms)
			md_publish_tick(md, m, 0);
		if (m->cex_symbol[0] && md->cex_on &&
		    feed_check(&m->ref, now, md->cex_limit_ms))
			md_announce(md, m, 1, now);
		if (!second)
			continue;
		feed_sample(&m->dex, now);
		if (m->cex_symbol[0] && md->cex_on)
			feed_sample(&m->ref, now);
		if (d->cfg->market.candles &&
		    candle_builder_close(&m->cb, wnow - CLOSE_GRACE_MS,
		    !m->dex.stale, &c) == 1)
			md_enqueue(md, i, &c, 1);
	}
	if (second) {
		feed_sample(&md->chain, now);
		md_flush_candles(md);
		update_health(md, now);
	}
}

/* --- feeds --- */

static void
set_io(struct md *md, int *slot, void *sock, daemon_fn fn)
{
	struct daemon	*d = md->d;

	if (*slot >= 0) {
		d->io[*slot].sock = sock;
		d->io[*slot].fd = -1;
		return;
	}
	if (sock == NULL)
		return;
	if (daemon_add_io(d, sock, -1, fn, md) == 0)
		*slot = d->nio - 1;
	else
		log_warnx("no room for another io handler");
}

void
md_stop_feeds(struct md *md)
{
	dex_feed_stop(&md->dex);
	ref_feed_stop(&md->ref);
	set_io(md, &md->dex_io, NULL, on_dex);
	set_io(md, &md->ref_io, NULL, on_ref);
}

int
md_start_feeds(struct md *md)
{
	struct config		*cfg = md->d->cfg;
	struct dex_feed_opts	 o;
	struct ref_feed_opts	 ro;
	struct dex_pool		*pools;
	int			 i, poll;

	if (md->n == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	for (i = 0; i < cfg->chain.nrpc_urls && i < RPC_MAX_ENDPOINTS; i++)
		o.urls[i] = cfg->chain.rpc_urls[i];
	o.nurls = i;
	o.timeout_ms = cfg->chain.rpc_timeout_ms;
	poll = cfg->market.poll_ms ? cfg->market.poll_ms :
	    cfg->chain.block_time_ms / 4;
	o.poll_ms = poll < 50 ? 50 : poll;
	o.backoff_max_ms = cfg->chain.block_time_ms < 2000 ? 2000 :
	    cfg->chain.block_time_ms;
	o.has_factory = md->has_factory;
	o.factory = md->factory;
	if ((pools = calloc((size_t)md->n, sizeof(*pools))) == NULL)
		return -1;
	for (i = 0; i < md->n; i++) {
		pools[i].m = md->m[i].tm;
		pools[i].has_pair = md->m[i].has_pair;
	}
	o.pools = pools;
	o.npools = (size_t)md->n;
	md->dex = dex_feed_start(md->d->zctx, &o);
	free(pools);
	if (md->dex == NULL)
		return -1;
	set_io(md, &md->dex_io, dex_feed_socket(md->dex), on_dex);
	log_info("dex feed started markets=%d endpoints=%d poll_ms=%d "
	    "stale_after_ms=%lld", md->n, o.nurls, o.poll_ms,
	    md->dex_limit_ms);

	memset(&ro, 0, sizeof(ro));
	for (i = 0; i < md->n && ro.n < REF_MAX_SYMBOLS; i++)
		if (md->m[i].cex_symbol[0]) {
			ro.idx[ro.n] = i;
			snprintf(ro.symbol[ro.n], sizeof(ro.symbol[0]), "%s",
			    md->m[i].cex_symbol);
			ro.n++;
		}
	md->cex_on = cfg->market.cex_url != NULL && ro.n > 0;
	if (!md->cex_on)
		return 0;
	cex_opts_init(&ro.cex);
	ro.cex.base_url = cfg->market.cex_url;
	ro.cex.timeout_ms = cfg->market.cex_timeout_ms;
	ro.cex.weight_limit = cfg->market.cex_weight_limit;
	ro.poll_ms = cfg->market.cex_poll_ms;
	if ((md->ref = ref_feed_start(md->d->zctx, &ro)) == NULL)
		return -1;
	set_io(md, &md->ref_io, ref_feed_socket(md->ref), on_ref);
	log_info("cex feed started symbols=%d poll_ms=%d", ro.n, ro.poll_ms);
	return 0;
}

void
md_set_limits(struct md *md)
{
	const struct config	*cfg = md->d->cfg;

	md->dex_limit_ms = (long long)cfg->market.stale_blocks *
	    cfg->chain.block_time_ms;
	md->cex_limit_ms = cfg->market.cex_stale_ms;
}
