/*
 * marketd_int.h: what the files of marketd's logic share (not for use
 * outside marketd/marketd*.c; the API is marketd.h).
 */
#ifndef BSC_MARKETD_INT_H
#define BSC_MARKETD_INT_H

#include "cmd.h"
#include "marketd.h"

#define HK_MS		250	/* housekeeping period */
#define QUEUE_MAX	100000	/* candles waiting for the database */
#define CLOSE_GRACE_MS	2000	/* a minute closes this long after it ends */
#define MAX_CLOSED	(CANDLE_FILL_MAX + 2)

/* marketd.c */
/* Wall-clock milliseconds. */
long long	 md_wall_ms(void);
/* Publish o on topic prefix + symbol (a NULL o counts as an error). */
void		 md_publish(struct md *md, const char *prefix,
		    const char *symbol, cJSON *o);
/* How far the DEX mid is from the reference's, in basis points (0
 * without both), and whether both are fresh enough to compare. */
double		 md_divergence_bps(const struct md_market *m);
int		 md_has_divergence(const struct md_market *m);
/* The reference book of m as JSON (caller deletes), or NULL. */
cJSON		*md_ref_json(const struct md_market *m, long long now);
/* tick.<SYMBOL>; first is 0 for a repeat of an earlier tick. */
void		 md_publish_tick(struct md *md, struct md_market *m,
		    int first);
/* A feed of m (cex: the reference) changed state: feed.stale, a log
 * line, and for a feed going stale its last price again, flagged. */
void		 md_announce(struct md *md, struct md_market *m, int cex,
		    long long now);
/* Queue n closed candles of market idx for the database. */
void		 md_enqueue(struct md *md, int idx, const struct candle *c,
		    size_t n);
/* Write the queued candles (one transaction). */
void		 md_flush_candles(struct md *md);

/* marketd_feed.c */
/* Stop / start the DEX and CEX feed threads. start: 0 or -1. */
void		 md_stop_feeds(struct md *md);
int		 md_start_feeds(struct md *md);
/* The staleness limits of the feeds from the config. */
void		 md_set_limits(struct md *md);
/* The housekeeping timer (HK_MS): staleness, repeats, candles. */
void		 md_housekeeping(struct daemon *d, void *arg);

/* marketd_cmds.c */
/* market.price, market.status, and the status hook. */
extern const struct cmd_def md_cmds[];
void		 md_status_hook(struct daemon *d, cJSON *o);

#endif
