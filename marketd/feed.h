/*
 * feed.h: freshness of one price feed (a market's DEX pool, or its CEX
 * reference): when it last had fresh data, whether it is stale, and its
 * uptime over a sliding window (the feed-stability figure the runbook
 * watches: "connection stability > 99%").
 *
 * A feed is stale when it had no fresh data for longer than its limit
 * (marketd: [marketd] stale_blocks x [chain] block_time_ms for the DEX,
 * cex_stale_ms for the CEX). It starts stale: there is no price before
 * the first data.
 */
#ifndef MARKETD_FEED_H
#define MARKETD_FEED_H

#define FEED_BUCKETS	60	/* uptime window resolution */
#define FEED_ERR_MAX	256

struct feed {
	long long	 last_ok_ms;	/* monotonic; 0 = never */
	long long	 last_err_ms;	/* 0 = never */
	int		 stale;
	long long	 stale_since_ms; /* when it went stale (or started) */
	unsigned long	 ok, errors;	/* data and failures, lifetime */
	unsigned long	 stale_events;	/* fresh -> stale transitions */
	char		 last_error[FEED_ERR_MAX];
	/* Uptime: per bucket, seconds sampled and seconds fresh. */
	int		 bucket_ms;
	long long	 bucket_start_ms;
	int		 cur;
	unsigned	 up[FEED_BUCKETS], total[FEED_BUCKETS];
};

/* Start a feed (stale) at now_ms with an uptime window of window_s. */
void	feed_init(struct feed *, long long now_ms, int window_s);

/* Fresh data arrived. */
void	feed_ok(struct feed *, long long now_ms);

/* An attempt failed (the message is kept for status). */
void	feed_error(struct feed *, long long now_ms, const char *msg);

/*
 * Re-evaluate the stale flag against limit_ms. Returns 1 when it changed
 * (the caller announces it), else 0.
 */
int	feed_check(struct feed *, long long now_ms, long long limit_ms);

/* Account one sample (call once a second) for the uptime figure. */
void	feed_sample(struct feed *, long long now_ms);

/* Fraction of sampled time fresh in the window, 0..1 (1 before any). */
double	feed_uptime(const struct feed *);

/* Milliseconds since the last fresh data, -1 when never. */
long long feed_age_ms(const struct feed *, long long now_ms);

#endif
