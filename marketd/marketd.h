/*
 * marketd.h: the market-data daemon's context, wired into the common
 * daemon skeleton by main.c.
 *
 * marketd runs the DEX feed (dex.h) and the CEX reference feed (ref.h) in
 * threads of their own and, in the daemon's loop: turns pool reserves into
 * ticks (tick.h) and publishes tick.<SYMBOL>; publishes ref.<SYMBOL> for
 * the reference price; tracks staleness and uptime per feed (feed.h) and
 * publishes feed.stale on every change; builds 1-minute candles from the
 * ticks and stores them (candles.h); answers market.price and
 * market.status; reports per market in `status`. docs/MARKETD.md has the
 * event and command shapes.
 */
#ifndef MARKETD_MARKETD_H
#define MARKETD_MARKETD_H

#include <stdint.h>

#include "candles.h"
#include "cex.h"
#include "feed.h"
#include "tick.h"

struct daemon;
struct config;
struct dex_feed;
struct ref_feed;

struct md_market {
	struct tick_market	 tm;
	char			 cex_symbol[24];	/* "" none */
	int			 has_pair;	/* pair configured */
	int			 resolved;
	char			 error[160];	/* why unresolved */
	/* The latest tick. */
	int			 has_tick;
	struct tick		 tick;
	long long		 tick_ms;	/* monotonic receipt */
	long long		 pub_ms;	/* last tick.<SYMBOL> sent */
	unsigned long		 ticks;
	/* The latest reference quote. */
	int			 has_book;
	struct cex_book		 book;
	int64_t			 book_us;
	long long		 book_ms;
	struct feed		 dex, ref;
	struct candle_builder	 cb;
};

struct md_queued {
	int		 idx;		/* market */
	struct candle	 c;
};

struct md {
	struct daemon		*d;
	struct md_market	*m;
	int			 n;
	struct tick_sizes	 sizes;
	int			 has_factory;
	struct addr		 factory;
	/* Feeds. */
	struct dex_feed		*dex;
	struct ref_feed		*ref;
	int			 dex_io, ref_io;	/* d->io slots, -1 none */
	/* The chain node, as the DEX feed sees it. */
	struct feed		 chain;
	uint64_t		 head, head_time;
	char			 endpoint[128];
	int			 endpoint_idx;
	int64_t			 feed_cpu_us;	/* DEX thread CPU time */
	/* CEX. */
	int			 cex_on;
	int			 used_weight;
	unsigned long		 rate_limited;
	/* Limits. */
	long long		 dex_limit_ms, cex_limit_ms;
	long long		 start_ms;
	/* Counters. */
	uint64_t		 seq;		/* ticks published */
	unsigned long		 blocks, rpc_errors, pub_errors;
	unsigned long		 candles_stored, candles_dropped, db_errors;
	double			 pub_lat_us;	/* EWMA reply -> publish */
	/* Candles waiting for the database. */
	struct md_queued	*q;
	size_t			 nq, capq;
	int			 db_failing;
	int			 ticks_hk;	/* housekeeping calls */
};

/*
 * Set marketd up on d (after daemon_init): markets from the config,
 * feeds started, commands, status and reload hooks, timers. Returns 0, or
 * -1 after logging a configuration problem (exit DAEMON_EXIT_CONFIG).
 */
int	md_init(struct md *, struct daemon *d);

/* Stop the feeds and store the candles built so far. */
void	md_fini(struct md *);

#endif
