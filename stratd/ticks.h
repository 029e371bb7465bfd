/*
 * ticks.h: marketd's prices as stratd sees them.
 *
 * marketd publishes `tick.<SYMBOL>` (the pool's reserves at one block,
 * marketd/tick.c) and `feed.stale` (a feed turning stale or fresh) on its
 * event endpoint. This module parses those bodies strictly and keeps the
 * latest tick of every symbol with its freshness. A tick is FRESH when
 *  - marketd did not flag it stale,
 *  - no `feed.stale` event for the symbol's DEX feed said stale after it,
 *  - it arrived less than max_age_ms ago (marketd dead or the bus cut:
 *    no news is stale news).
 * Nothing is ever ordered on a price that is not fresh.
 */
#ifndef STRATD_TICKS_H
#define STRATD_TICKS_H

#include <stddef.h>
#include <stdint.h>

#include "u256.h"

#define TICKS_SYMBOL_MAX	40
#define TICKS_MAX		128

/* One tick.<SYMBOL> event. */
struct stratd_tick {
	char		symbol[TICKS_SYMBOL_MAX];
	uint64_t	block;
	uint64_t	block_time;	/* seconds */
	uint64_t	seq;		/* marketd's publication counter */
	int		stale;		/* marketd's flag */
	double		mid;		/* quote per base, for decisions */
	u256		r_base, r_quote; /* reserves, base units */
	unsigned	base_dec, quote_dec, fee_bps;
	int64_t		t_pub_us;	/* marketd's wall clock at publication */
	long long	recv_ms;	/* ours, monotonic (set by ticks_put) */
};

/*
 * Parse a tick.<SYMBOL> body (len bytes, not NUL-terminated). Strict:
 * symbol, block, reserves (decimal strings), decimals, fee_bps, mid_f and
 * stale must be present and sane (non-zero reserves, a positive finite
 * mid). Returns 0, or -1 with a message in err.
 */
int	ticks_parse(const char *body, size_t len, struct stratd_tick *out,
	    char *err, size_t errlen);

/*
 * Parse a feed.stale body: {"feed":"dex"|"cex","symbol":..,"stale":bool}.
 * Stores the symbol (cap bytes), *dex (1 for the DEX feed) and *stale.
 * Returns 0 or -1.
 */
int	ticks_parse_feed(const char *body, size_t len, char *symbol,
	    size_t cap, int *dex, int *stale);

struct ticks;

/* A cache whose ticks go stale max_age_ms after arrival. NULL: no memory. */
struct ticks	*ticks_new(long long max_age_ms);
void		 ticks_free(struct ticks **);

/* Change the age limit (config reload). */
void		 ticks_set_max_age(struct ticks *, long long max_age_ms);

/*
 * Keep t (copied; recv_ms set to now_ms) as the symbol's latest tick,
 * unless it is older (lower block) than the one kept while that one is
 * not yet stale by age. A fresh tick clears
 * a stale mark from feed.stale. Returns the cached entry, or NULL when
 * the table is full or the tick was older.
 */
const struct stratd_tick *ticks_put(struct ticks *, const struct stratd_tick *t,
		    long long now_ms);

/* A feed.stale event for the symbol's DEX feed. */
void		 ticks_mark(struct ticks *, const char *symbol, int stale);

/* The symbol's latest tick, fresh or not; NULL when none came yet. */
const struct stratd_tick *ticks_last(const struct ticks *, const char *symbol);

/* Predicate: 1 when t (an entry of this cache) is fresh at now_ms. */
int		 ticks_is_fresh(const struct ticks *, const struct stratd_tick *t,
		    long long now_ms);

/* The symbol's latest tick when fresh at now_ms, else NULL. */
const struct stratd_tick *ticks_fresh(const struct ticks *, const char *symbol,
		    long long now_ms);

/* Number of symbols kept, and the i-th tick (for status). */
int		 ticks_count(const struct ticks *);
const struct stratd_tick *ticks_at(const struct ticks *, int i);

#endif
