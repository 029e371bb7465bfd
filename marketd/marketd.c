/*
 * marketd.c: the market-data daemon's logic (see marketd.h).
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
#include "ref.h"

#define HK_MS		250	/* housekeeping period */
#define QUEUE_MAX	100000	/* candles waiting for the database */
#define CLOSE_GRACE_MS	2000	/* a minute closes this long after it ends */
#define MAX_CLOSED	(CANDLE_FILL_MAX + 2)

static long long
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- markets from the config --- */

static int
parse_addr(const char *what, const char *s, struct addr *a)
{
	if (s == NULL || addr_parse(a, s) == -1) {
		log_warnx("config: %s: '%s' is not a valid address (EIP-55 "
		    "checksum?)", what, s ? s : "");
		return -1;
	}
	return 0;
}

/* Build the market table of cfg into *out (n markets). 0 or -1. */
static int
build_markets(const struct config *cfg, struct md_market **out, int *n,
    struct addr *factory, int *has_factory)
{
	struct md_market	*a;
	int			 i, need_factory = 0;
	char			 what[128];

	*out = NULL;
	*n = 0;
	*has_factory = 0;
	if (cfg->chain.factory != NULL) {
		if (parse_addr("[chain] factory", cfg->chain.factory,
		    factory) == -1)
			return -1;
		*has_factory = 1;
	}
	if (cfg->nmarkets > DEX_MAX_POOLS) {
		log_warnx("config: more than %d markets", DEX_MAX_POOLS);
		return -1;
	}
	if ((a = calloc(cfg->nmarkets ? (size_t)cfg->nmarkets : 1,
	    sizeof(*a))) == NULL)
		return -1;
	for (i = 0; i < cfg->nmarkets; i++) {
		const struct config_market	*cm = &cfg->markets[i];
		const struct config_token	*b = config_token(cfg, cm->base);
		const struct config_token	*q = config_token(cfg, cm->quote);
		struct md_market		*m = &a[i];

		if (strlen(cm->symbol) >= sizeof(m->tm.symbol) ||
		    !import_symbol_ok(cm->symbol)) {
			log_warnx("config: [market %s]: a symbol is BASE/QUOTE "
			    "of letters, digits, '.', '_', '-'", cm->symbol);
			goto fail;
		}
		snprintf(m->tm.symbol, sizeof(m->tm.symbol), "%s", cm->symbol);
		snprintf(m->tm.base, sizeof(m->tm.base), "%s", cm->base);
		snprintf(m->tm.quote, sizeof(m->tm.quote), "%s", cm->quote);
		m->tm.base_dec = (unsigned)b->decimals;
		m->tm.quote_dec = (unsigned)q->decimals;
		m->tm.fee_bps = (unsigned)cm->fee_bps;
		snprintf(what, sizeof(what), "[token %s] address", b->name);
		if (parse_addr(what, b->address, &m->tm.base_addr) == -1)
			goto fail;
		snprintf(what, sizeof(what), "[token %s] address", q->name);
		if (parse_addr(what, q->address, &m->tm.quote_addr) == -1)
			goto fail;
		if (addr_eq(&m->tm.base_addr, &m->tm.quote_addr)) {
			log_warnx("config: [market %s]: base and quote are the "
			    "same token", cm->symbol);
			goto fail;
		}
		if (cm->fee_bps >= 10000) {
			log_warnx("config: [market %s]: fee_bps must be below "
			    "10000", cm->symbol);
			goto fail;
		}
		if (cm->pair != NULL) {
			snprintf(what, sizeof(what), "[market %s] pair",
			    cm->symbol);
			if (parse_addr(what, cm->pair, &m->tm.pair) == -1)
				goto fail;
			m->has_pair = 1;
		} else
			need_factory = 1;
		if (cm->cex_symbol != NULL) {
			if (!cex_symbol_ok(cm->cex_symbol)) {
				log_warnx("config: [market %s]: cex_symbol "
				    "'%s' is not an exchange symbol (upper "
				    "case, as BTCUSDT)", cm->symbol,
				    cm->cex_symbol);
				goto fail;
			}
			snprintf(m->cex_symbol, sizeof(m->cex_symbol), "%s",
			    cm->cex_symbol);
		}
	}
	if (need_factory && !*has_factory) {
		log_warnx("config: a [market] without pair needs [chain] "
		    "factory");
		goto fail;
	}
	*out = a;
	*n = cfg->nmarkets;
	return 0;
fail:
	free(a);
	return -1;
}

/* Keep what an old market knew when the same market is reloaded. */
static void
carry_state(struct md_market *nm, const struct md_market *om)
{
	if (strcmp(nm->tm.symbol, om->tm.symbol) != 0 ||
	    !addr_eq(&nm->tm.base_addr, &om->tm.base_addr) ||
	    !addr_eq(&nm->tm.quote_addr, &om->tm.quote_addr) ||
	    nm->tm.base_dec != om->tm.base_dec ||
	    (nm->has_pair && !addr_eq(&nm->tm.pair, &om->tm.pair)))
		return;
	nm->dex = om->dex;
	nm->cb = om->cb;
	if (strcmp(nm->cex_symbol, om->cex_symbol) == 0) {
		nm->ref = om->ref;
		nm->has_book = om->has_book;
		nm->book = om->book;
		nm->book_us = om->book_us;
		nm->book_ms = om->book_ms;
	}
	if (nm->tm.fee_bps == om->tm.fee_bps) {
		nm->has_tick = om->has_tick;
		nm->tick = om->tick;
		nm->tick_ms = om->tick_ms;
		nm->ticks = om->ticks;
	}
}

/* --- publishing --- */

static void
publish(struct md *md, const char *prefix, const char *symbol, cJSON *o)
{
	char	topic[96];

	if (o == NULL) {
		md->pub_errors++;
		return;
	}
	snprintf(topic, sizeof(topic), "%s%s", prefix, symbol);
	if (daemon_publish(md->d, topic, o) == -1)
		md->pub_errors++;
}

static double
divergence_bps(const struct md_market *m)
{
	if (!m->has_tick || !m->has_book || m->book.mid_f <= 0)
		return 0;
	return (m->tick.mid_f / m->book.mid_f - 1) * 10000;
}

static int
has_divergence(const struct md_market *m)
{
	return m->has_tick && m->has_book && !m->dex.stale && !m->ref.stale &&
	    m->book.mid_f > 0;
}

static cJSON *
ref_json(const struct md_market *m, long long now)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "symbol", m->tm.symbol);
	cJSON_AddStringToObject(o, "cex_symbol", m->cex_symbol);
	cJSON_AddStringToObject(o, "bid", m->book.bid);
	cJSON_AddStringToObject(o, "ask", m->book.ask);
	cJSON_AddStringToObject(o, "bid_qty", m->book.bid_qty);
	cJSON_AddStringToObject(o, "ask_qty", m->book.ask_qty);
	cJSON_AddNumberToObject(o, "mid", m->book.mid_f);
	cJSON_AddNumberToObject(o, "t_us", (double)m->book_us);
	cJSON_AddNumberToObject(o, "age_ms", (double)(now - m->book_ms));
	cJSON_AddBoolToObject(o, "stale", m->ref.stale);
	if (has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(divergence_bps(m) * 100) / 100.0);
	else
		cJSON_AddNullToObject(o, "divergence_bps");
	return o;
}

/* tick.<SYMBOL>; first is 0 for a repeat of an earlier tick. */
static void
publish_tick(struct md *md, struct md_market *m, int first)
{
	long long	t0 = tick_now_us();
	cJSON		*o = tick_json(&m->tick, &m->tm, ++md->seq, m->dex.stale);
	double		 lat;

	publish(md, "tick.", m->tm.symbol, o);
	m->pub_ms = daemon_now_ms();
	if (!first)
		return;
	lat = (double)(t0 - m->tick.t_reply_us);
	md->pub_lat_us = md->pub_lat_us == 0 ? lat :
	    md->pub_lat_us * 0.9 + lat * 0.1;
}

/* A feed changed state: feed.stale, a log line, and for a feed going
 * stale its last price again, flagged stale. */
static void
announce(struct md *md, struct md_market *m, int cex, long long now)
{
	struct feed	*f = cex ? &m->ref : &m->dex;
	cJSON		*o = cJSON_CreateObject();
	char		 reason[FEED_ERR_MAX + 64];
	long long	 age = feed_age_ms(f, now);

	if (f->stale) {
		if (f->last_err_ms != 0 && f->last_err_ms >= f->last_ok_ms)
			snprintf(reason, sizeof(reason), "%s", f->last_error);
		else
			snprintf(reason, sizeof(reason), "no fresh data for %lld "
			    "ms", age);
		log_warnx("feed stale feed=%s symbol=%s age_ms=%lld "
		    "reason=\"%s\"", cex ? "cex" : "dex", m->tm.symbol, age,
		    reason);
	} else {
		snprintf(reason, sizeof(reason), "fresh data");
		log_info("feed fresh feed=%s symbol=%s stale_ms=%lld",
		    cex ? "cex" : "dex", m->tm.symbol, now - f->stale_since_ms);
	}
	if (o != NULL) {
		cJSON_AddStringToObject(o, "feed", cex ? "cex" : "dex");
		cJSON_AddStringToObject(o, "symbol", m->tm.symbol);
		cJSON_AddBoolToObject(o, "stale", f->stale);
		cJSON_AddStringToObject(o, "reason", reason);
		cJSON_AddNumberToObject(o, "age_ms", (double)age);
		cJSON_AddNumberToObject(o, "at", (double)(wall_ms() / 1000));
		cJSON_AddNumberToObject(o, "uptime", feed_uptime(f));
	}
	publish(md, "feed.stale", "", o);
	if (f->stale && !cex && m->has_tick)
		publish_tick(md, m, 0);
	if (f->stale && cex && m->has_book)
		publish(md, "ref.", m->tm.symbol, ref_json(m, now));
}

/* --- candles --- */

static void
enqueue(struct md *md, int idx, const struct candle *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (md->nq == QUEUE_MAX) {
			/* The database has been away for days: keep the
			 * newest. */
			memmove(md->q, md->q + 1, (md->nq - 1) *
			    sizeof(*md->q));
			md->nq--;
			md->candles_dropped++;
		}
		if (md->nq == md->capq) {
			size_t			 cap = md->capq ? md->capq * 2 :
						    64;
			struct md_queued	*t;

			if (cap > QUEUE_MAX)
				cap = QUEUE_MAX;
			if ((t = realloc(md->q, cap * sizeof(*t))) == NULL) {
				md->candles_dropped++;
				continue;
			}
			md->q = t;
			md->capq = cap;
		}
		md->q[md->nq].idx = idx;
		md->q[md->nq].c = c[i];
		md->nq++;
	}
}

static void
flush_candles(struct md *md)
{
	struct candle	*rows;
	char		 err[512];
	size_t		 i, k, done = 0;
	int		 idx, failed = 0;

	if (md->nq == 0 || md->d->db == NULL)
		return;
	if (db_ensure(md->d->db) == -1) {
		if (!md->db_failing)
			log_warnx("candles wait for the database queued=%zu "
			    "error=\"%s\"", md->nq, db_error(md->d->db));
		md->db_failing = 1;
		return;
	}
	if ((rows = calloc(md->nq, sizeof(*rows))) == NULL)
		return;
	/* One market at a time, oldest first. */
	for (idx = 0; idx < md->n && !failed; idx++) {
		for (i = k = 0; i < md->nq; i++)
			if (md->q[i].idx == idx)
				rows[k++] = md->q[i].c;
		if (k == 0)
			continue;
		if (candles_store_dex(md->d->db, md->m[idx].tm.symbol, rows, k,
		    err, sizeof(err)) == -1) {
			md->db_errors++;
			if (!md->db_failing)
				log_warnx("cannot store candles symbol=%s "
				    "error=\"%s\"", md->m[idx].tm.symbol, err);
			md->db_failing = 1;
			failed = 1;
			break;
		}
		md->candles_stored += k;
		for (i = k = 0; i < md->nq; i++)
			if (md->q[i].idx != idx)
				md->q[k++] = md->q[i];
		done += md->nq - k;
		md->nq = k;
	}
	free(rows);
	if (!failed && md->db_failing) {
		log_info("candles stored again count=%zu", done);
		md->db_failing = 0;
	}
}

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
	age_s = wall_ms() / 1000 - (long long)msg->block_time;
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
			announce(md, m, 0, now);
	}
	publish_tick(md, m, 1);
	if (md->d->cfg->market.candles &&
	    candle_builder_add(&m->cb, (int64_t)t.block_time * 1000, t.mid,
	    &vol, !was_stale, closed, MAX_CLOSED, &nclosed) == 0 && nclosed)
		enqueue(md, idx, closed, nclosed);
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
							announce(md, m, 0, now);
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
			announce(md, m, 1, now);
		publish(md, "ref.", m->tm.symbol, ref_json(m, now));
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
					snprintf(reason, sizeof(reason), "price "
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

static void
housekeeping(struct daemon *d, void *arg)
{
	struct md	*md = arg;
	long long	 now = daemon_now_ms(), wnow = wall_ms();
	struct candle	 c;
	int		 i, second = ++md->ticks_hk % (1000 / HK_MS) == 0;

	feed_check(&md->chain, now, md->dex_limit_ms);
	for (i = 0; i < md->n; i++) {
		struct md_market	*m = &md->m[i];

		if (feed_check(&m->dex, now, md->dex_limit_ms))
			announce(md, m, 0, now);
		/* A quiet chain (no new block): the price again, for
		 * subscribers that joined since. */
		if (m->has_tick && !m->dex.stale && now - m->pub_ms >=
		    d->cfg->chain.block_time_ms)
			publish_tick(md, m, 0);
		if (m->cex_symbol[0] && md->cex_on &&
		    feed_check(&m->ref, now, md->cex_limit_ms))
			announce(md, m, 1, now);
		if (!second)
			continue;
		feed_sample(&m->dex, now);
		if (m->cex_symbol[0] && md->cex_on)
			feed_sample(&m->ref, now);
		if (d->cfg->market.candles &&
		    candle_builder_close(&m->cb, wnow - CLOSE_GRACE_MS,
		    !m->dex.stale, &c) == 1)
			enqueue(md, i, &c, 1);
	}
	if (second) {
		feed_sample(&md->chain, now);
		flush_candles(md);
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

static void
stop_feeds(struct md *md)
{
	dex_feed_stop(&md->dex);
	ref_feed_stop(&md->ref);
	set_io(md, &md->dex_io, NULL, on_dex);
	set_io(md, &md->ref_io, NULL, on_ref);
}

static int
start_feeds(struct md *md)
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

static void
set_limits(struct md *md)
{
	const struct config	*cfg = md->d->cfg;

	md->dex_limit_ms = (long long)cfg->market.stale_blocks *
	    cfg->chain.block_time_ms;
	md->cex_limit_ms = cfg->market.cex_stale_ms;
}

/* --- commands --- */

static struct md_market *
find_market(struct md *md, const char *symbol)
{
	int	i;

	for (i = 0; i < md->n; i++)
		if (strcmp(md->m[i].tm.symbol, symbol) == 0)
			return &md->m[i];
	return NULL;
}

static cJSON *
market_status(struct md *md, struct md_market *m, long long now)
{
	cJSON	*o = cJSON_CreateObject(), *r;
	char	 a[ADDR_STR_MAX];

	cJSON_AddStringToObject(o, "symbol", m->tm.symbol);
	cJSON_AddStringToObject(o, "pair", m->resolved || m->has_pair ?
	    addr_format(&m->tm.pair, a) : "");
	cJSON_AddBoolToObject(o, "resolved", m->resolved);
	if (m->error[0])
		cJSON_AddStringToObject(o, "error", m->error);
	cJSON_AddNumberToObject(o, "last_block", m->has_tick ?
	    (double)m->tick.block : 0);
	cJSON_AddNumberToObject(o, "block_time", m->has_tick ?
	    (double)m->tick.block_time : 0);
	cJSON_AddNumberToObject(o, "last_tick_age_ms", m->has_tick ?
	    (double)(now - m->tick_ms) : -1);
	cJSON_AddNumberToObject(o, "fresh_age_ms",
	    (double)feed_age_ms(&m->dex, now));
	cJSON_AddBoolToObject(o, "stale", m->dex.stale);
	if (m->dex.stale && m->dex.last_error[0])
		cJSON_AddStringToObject(o, "stale_reason", m->dex.last_error);
	cJSON_AddStringToObject(o, "rpc_endpoint", md->endpoint);
	cJSON_AddNumberToObject(o, "ticks", (double)m->ticks);
	cJSON_AddNumberToObject(o, "stale_events", (double)m->dex.stale_events);
	cJSON_AddNumberToObject(o, "errors", (double)m->dex.errors);
	cJSON_AddNumberToObject(o, "uptime", feed_uptime(&m->dex));
	if (m->has_tick) {
		cJSON_AddStringToObject(o, "mid", m->tick.mid);
		cJSON_AddNumberToObject(o, "mid_f", m->tick.mid_f);
	}
	if (m->cex_symbol[0]) {
		r = cJSON_AddObjectToObject(o, "ref");
		cJSON_AddStringToObject(r, "cex_symbol", m->cex_symbol);
		cJSON_AddBoolToObject(r, "enabled", md->cex_on);
		cJSON_AddBoolToObject(r, "stale", m->ref.stale);
		cJSON_AddNumberToObject(r, "age_ms", m->has_book ?
		    (double)(now - m->book_ms) : -1);
		cJSON_AddNumberToObject(r, "uptime", feed_uptime(&m->ref));
		cJSON_AddNumberToObject(r, "errors", (double)m->ref.errors);
		if (m->ref.last_error[0] && m->ref.stale)
			cJSON_AddStringToObject(r, "error", m->ref.last_error);
		if (m->has_book)
			cJSON_AddNumberToObject(r, "mid", m->book.mid_f);
	}
	if (has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(divergence_bps(m) * 100) / 100.0);
	else
		cJSON_AddNullToObject(o, "divergence_bps");
	return o;
}

static cJSON *
feeds_status(struct md *md, long long now)
{
	cJSON	*o = cJSON_CreateObject(), *x;
	double	 up = 1, rup = 1;
	int	 i, nref = 0, stale = 0;

	x = cJSON_AddObjectToObject(o, "dex");
	cJSON_AddBoolToObject(x, "stale", md->n > 0 && md->chain.stale);
	cJSON_AddNumberToObject(x, "head", (double)md->head);
	cJSON_AddNumberToObject(x, "head_time", (double)md->head_time);
	cJSON_AddStringToObject(x, "rpc_endpoint", md->endpoint);
	cJSON_AddNumberToObject(x, "uptime", feed_uptime(&md->chain));
	cJSON_AddNumberToObject(x, "window_s",
	    md->d->cfg->market.uptime_window_s);
	cJSON_AddNumberToObject(x, "stale_after_ms", (double)md->dex_limit_ms);
	cJSON_AddNumberToObject(x, "blocks", (double)md->blocks);
	cJSON_AddNumberToObject(x, "ticks", (double)md->seq);
	cJSON_AddNumberToObject(x, "rpc_errors", (double)md->rpc_errors);
	cJSON_AddNumberToObject(x, "cpu_us", (double)md->feed_cpu_us);
	cJSON_AddNumberToObject(x, "publish_latency_us", md->pub_lat_us);
	if (md->chain.stale && md->chain.last_error[0])
		cJSON_AddStringToObject(x, "error", md->chain.last_error);
	for (i = 0; i < md->n; i++) {
		if (feed_uptime(&md->m[i].dex) < up)
			up = feed_uptime(&md->m[i].dex);
		stale += md->m[i].dex.stale;
		if (md->m[i].cex_symbol[0] && md->cex_on) {
			nref++;
			if (feed_uptime(&md->m[i].ref) < rup)
				rup = feed_uptime(&md->m[i].ref);
		}
	}
	cJSON_AddNumberToObject(x, "markets_stale", stale);
	cJSON_AddNumberToObject(x, "min_market_uptime", up);
	x = cJSON_AddObjectToObject(o, "cex");
	cJSON_AddBoolToObject(x, "enabled", md->cex_on);
	cJSON_AddNumberToObject(x, "symbols", nref);
	cJSON_AddNumberToObject(x, "min_uptime", rup);
	cJSON_AddNumberToObject(x, "used_weight", md->used_weight);
	cJSON_AddNumberToObject(x, "rate_limited", (double)md->rate_limited);
	cJSON_AddNumberToObject(x, "stale_after_ms", (double)md->cex_limit_ms);
	x = cJSON_AddObjectToObject(o, "candles");
	cJSON_AddBoolToObject(x, "enabled", md->d->cfg->market.candles);
	cJSON_AddNumberToObject(x, "stored", (double)md->candles_stored);
	cJSON_AddNumberToObject(x, "queued", (double)md->nq);
	cJSON_AddNumberToObject(x, "dropped", (double)md->candles_dropped);
	cJSON_AddNumberToObject(x, "db_errors", (double)md->db_errors);
	(void)now;
	return o;
}

static void
status_hook(struct daemon *d, cJSON *o)
{
	struct md	*md = d->user;
	long long	 now = daemon_now_ms();
	cJSON		*a;
	int		 i;

	cJSON_AddItemToObject(o, "feeds", feeds_status(md, now));
	a = cJSON_AddArrayToObject(o, "markets");
	for (i = 0; i < md->n; i++)
		cJSON_AddItemToArray(a, market_status(md, &md->m[i], now));
}

static int
cmd_price(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct daemon		*d = ctx;
	struct md		*md = d->user;
	struct md_market	*m;
	const char		*sym;
	long long		 now = daemon_now_ms();
	cJSON			*o, *t;

	if (cmd_arg_str(args, "symbol", 1, &sym, err) == -1)
		return -1;
	if ((m = find_market(md, sym)) == NULL)
		return cmd_fail(err, "not_found", "no market %s in the config",
		    sym);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "symbol", m->tm.symbol);
	cJSON_AddBoolToObject(o, "stale", m->dex.stale);
	if (m->has_tick) {
		t = tick_json(&m->tick, &m->tm, md->seq, m->dex.stale);
		cJSON_AddNumberToObject(t, "age_ms", (double)(now - m->tick_ms));
		cJSON_AddItemToObject(o, "dex", t);
	} else
		cJSON_AddNullToObject(o, "dex");
	if (m->has_book)
		cJSON_AddItemToObject(o, "ref", ref_json(m, now));
	else
		cJSON_AddNullToObject(o, "ref");
	if (has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(divergence_bps(m) * 100) / 100.0);
	else
		cJSON_AddNullToObject(o, "divergence_bps");
	if (m->dex.stale && m->dex.last_error[0])
		cJSON_AddStringToObject(o, "stale_reason", m->dex.last_error);
	*data = o;
	return 0;
}

static int
cmd_status(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct daemon		*d = ctx;
	struct md		*md = d->user;
	struct md_market	*m;
	const char		*sym = NULL;
	long long		 now = daemon_now_ms();
	cJSON			*o, *a;
	int			 i;

	if (cmd_arg_str(args, "symbol", 0, &sym, err) == -1)
		return -1;
	if (sym != NULL && (m = find_market(md, sym)) == NULL)
		return cmd_fail(err, "not_found", "no market %s in the config",
		    sym);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "feeds", feeds_status(md, now));
	a = cJSON_AddArrayToObject(o, "markets");
	for (i = 0; i < md->n; i++)
		if (sym == NULL || strcmp(sym, md->m[i].tm.symbol) == 0)
			cJSON_AddItemToArray(a, market_status(md, &md->m[i],
			    now));
	*data = o;
	return 0;
}

static const struct cmd_def md_cmds[] = {
	{ "market.price", cmd_price },
	{ "market.status", cmd_status },
	{ NULL, NULL }
};

/* --- set-up, reload, shutdown --- */

static void
init_market_state(struct md *md, struct md_market *m, long long now)
{
	int	w = md->d->cfg->market.uptime_window_s;

	feed_init(&m->dex, now, w);
	feed_init(&m->ref, now, w);
	candle_builder_init(&m->cb, m->tm.base_dec);
}

static int
reload_hook(struct daemon *d)
{
	struct md		*md = d->user;
	struct md_market	*nm;
	struct tick_sizes	 sz;
	struct addr		 factory;
	int			 n, hf, i, j;
	long long		 now = daemon_now_ms();

	if (tick_sizes_parse(d->cfg->market.exec_sizes, &sz) == -1) {
		log_warnx("config: [marketd] exec_sizes is not a list of "
		    "sizes");
		return -1;
	}
	if (build_markets(d->cfg, &nm, &n, &factory, &hf) == -1)
		return -1;
	stop_feeds(md);
	for (i = 0; i < n; i++) {
		init_market_state(md, &nm[i], now);
		for (j = 0; j < md->n; j++)
			carry_state(&nm[i], &md->m[j]);
	}
	/* Candles queued for markets that went away are dropped. */
	for (i = j = 0; (size_t)i < md->nq; i++) {
		int	k, idx = -1;

		for (k = 0; k < n; k++)
			if (strcmp(nm[k].tm.symbol,
			    md->m[md->q[i].idx].tm.symbol) == 0)
				idx = k;
		if (idx >= 0) {
			md->q[j] = md->q[i];
			md->q[j++].idx = idx;
		}
	}
	md->nq = (size_t)j;
	free(md->m);
	md->m = nm;
	md->n = n;
	md->sizes = sz;
	md->factory = factory;
	md->has_factory = hf;
	set_limits(md);
	if (d->cfg->market.candles && n > 0 && d->db == NULL)
		daemon_use_db(d);
	if (start_feeds(md) == -1)
		log_warnx("feeds did not restart after the reload");
	log_info("markets reloaded markets=%d", n);
	return 0;
}

int
md_init(struct md *md, struct daemon *d)
{
	struct config	*cfg = d->cfg;
	long long	 now = daemon_now_ms();
	int		 i;

	memset(md, 0, sizeof(*md));
	md->d = d;
	md->dex_io = md->ref_io = -1;
	md->start_ms = now;
	md->used_weight = -1;
	d->user = md;
	if (tick_sizes_parse(cfg->market.exec_sizes, &md->sizes) == -1) {
		log_warnx("config: [marketd] exec_sizes is not a list of "
		    "sizes");
		return -1;
	}
	if (build_markets(cfg, &md->m, &md->n, &md->factory,
	    &md->has_factory) == -1)
		return -1;
	if (md->n > 0 && cfg->chain.nrpc_urls == 0) {
		log_warnx("config: markets are configured but [chain] rpc_urls "
		    "is not");
		return -1;
	}
	set_limits(md);
	feed_init(&md->chain, now, cfg->market.uptime_window_s);
	for (i = 0; i < md->n; i++)
		init_market_state(md, &md->m[i], now);
	if (cfg->market.candles && md->n > 0)
		daemon_use_db(d);
	daemon_set_commands(d, md_cmds, d);
	d->status_hook = status_hook;
	d->reload_hook = reload_hook;
	if (daemon_add_timer(d, HK_MS, housekeeping, md) == -1)
		return -1;
	if (start_feeds(md) == -1)
		return -1;
	if (md->n == 0)
		log_info("no [market] sections: nothing to watch");
	return 0;
}

void
md_fini(struct md *md)
{
	struct candle	c;
	int		i;

	stop_feeds(md);
	/* The minute in progress: stored now, merged with the rest of it
	 * by the next run (candles_store_dex). */
	if (md->d->cfg->market.candles)
		for (i = 0; i < md->n; i++)
			if (candle_builder_peek(&md->m[i].cb, &c))
				enqueue(md, i, &c, 1);
	flush_candles(md);
	if (md->nq > 0)
		log_warnx("candles not stored count=%zu", md->nq);
	free(md->q);
	md->q = NULL;
	md->nq = md->capq = 0;
	free(md->m);
	md->m = NULL;
	md->n = 0;
}
