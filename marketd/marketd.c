/*
 * marketd.c: the market-data daemon's logic (see marketd.h): markets
 * from the config, publishing, candles, set-up, reload and shutdown.
 * marketd_feed.c handles the feeds' messages and the housekeeping,
 * marketd_cmds.c the control commands; marketd_int.h has what they
 * share.
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

long long
md_wall_ms(void)
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
		const struct config_token	*b = config_token(cfg,
		    cm->base);
		const struct config_token	*q = config_token(cfg,
		    cm->quote);
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

void
md_publish(struct md *md, const char *prefix, const char *symbol, cJSON *o)
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

double
md_divergence_bps(const struct md_market *m)
{
	if (!m->has_tick || !m->has_book || m->book.mid_f <= 0)
		return 0;
	return (m->tick.mid_f / m->book.mid_f - 1) * 10000;
}

int
md_has_divergence(const struct md_market *m)
{
	return m->has_tick && m->has_book && !m->dex.stale && !m->ref.stale &&
	    m->book.mid_f > 0;
}

cJSON *
md_ref_json(const struct md_market *m, long long now)
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
	if (md_has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(md_divergence_bps(m) * 100) / 100.0);
	else
		cJSON_AddNullToObject(o, "divergence_bps");
	return o;
}

/* tick.<SYMBOL>; first is 0 for a repeat of an earlier tick. */
void
md_publish_tick(struct md *md, struct md_market *m, int first)
{
	long long	t0 = tick_now_us();
	cJSON		*o = tick_json(&m->tick, &m->tm, ++md->seq,
	    m->dex.stale);
	double		 lat;

	md_publish(md, "tick.", m->tm.symbol, o);
	m->pub_ms = daemon_now_ms();
	if (!first)
		return;
	lat = (double)(t0 - m->tick.t_reply_us);
	md->pub_lat_us = md->pub_lat_us == 0 ? lat :
	    md->pub_lat_us * 0.9 + lat * 0.1;
}

/* A feed changed state: feed.stale, a log line, and for a feed going
 * stale its last price again, flagged stale. */
void
md_announce(struct md *md, struct md_market *m, int cex, long long now)
{
	struct feed	*f = cex ? &m->ref : &m->dex;
	cJSON		*o = cJSON_CreateObject();
	char		 reason[FEED_ERR_MAX + 64];
	long long	 age = feed_age_ms(f, now);

	if (f->stale) {
		if (f->last_err_ms != 0 && f->last_err_ms >= f->last_ok_ms)
			snprintf(reason, sizeof(reason), "%s", f->last_error);
		else
			snprintf(reason, sizeof(reason),
			    "no fresh data for %lld "
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
		cJSON_AddNumberToObject(o, "at", (double)(md_wall_ms() / 1000));
		cJSON_AddNumberToObject(o, "uptime", feed_uptime(f));
	}
	md_publish(md, "feed.stale", "", o);
	if (f->stale && !cex && m->has_tick)
		md_publish_tick(md, m, 0);
	if (f->stale && cex && m->has_book)
		md_publish(md, "ref.", m->tm.symbol, md_ref_json(m, now));
}

/* --- candles --- */

void
md_enqueue(struct md *md, int idx, const struct candle *c, size_t n)
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

void
md_flush_candles(struct md *md)
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
	md_stop_feeds(md);
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
	md_set_limits(md);
	if (d->cfg->market.candles && n > 0 && d->db == NULL)
		daemon_use_db(d);
	if (md_start_feeds(md) == -1)
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
	md_set_limits(md);
	feed_init(&md->chain, now, cfg->market.uptime_window_s);
	for (i = 0; i < md->n; i++)
		init_market_state(md, &md->m[i], now);
	if (cfg->market.candles && md->n > 0)
		daemon_use_db(d);
	daemon_set_commands(d, md_cmds, d);
	d->status_hook = md_status_hook;
	d->reload_hook = reload_hook;
	if (daemon_add_timer(d, HK_MS, md_housekeeping, md) == -1)
		return -1;
	if (md_start_feeds(md) == -1)
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

	md_stop_feeds(md);
	/* The minute in progress: stored now, merged with the rest of it
	 * by the next run (candles_store_dex). */
	if (md->d->cfg->market.candles)
		for (i = 0; i < md->n; i++)
			if (candle_builder_peek(&md->m[i].cb, &c))
				md_enqueue(md, i, &c, 1);
	md_flush_candles(md);
	if (md->nq > 0)
		log_warnx("candles not stored count=%zu", md->nq);
	free(md->q);
	md->q = NULL;
	md->nq = md->capq = 0;
	free(md->m);
	md->m = NULL;
	md->n = 0;
}
