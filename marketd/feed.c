/*
 * feed.c: staleness and uptime of a price feed (see feed.h).
 */
#include <stdio.h>
#include <string.h>

#include "feed.h"

void
feed_init(struct feed *f, long long now_ms, int window_s)
{
	memset(f, 0, sizeof(*f));
	f->stale = 1;
	f->stale_since_ms = now_ms;
	f->bucket_ms = window_s * 1000 / FEED_BUCKETS;
	if (f->bucket_ms < 1000)
		f->bucket_ms = 1000;
	f->bucket_start_ms = now_ms;
}

void
feed_ok(struct feed *f, long long now_ms)
{
	f->last_ok_ms = now_ms;
	f->ok++;
}

void
feed_error(struct feed *f, long long now_ms, const char *msg)
{
	f->last_err_ms = now_ms;
	f->errors++;
	snprintf(f->last_error, sizeof(f->last_error), "%s", msg ? msg : "");
}

int
feed_check(struct feed *f, long long now_ms, long long limit_ms)
{
	int	stale = f->last_ok_ms == 0 || now_ms - f->last_ok_ms > limit_ms;

	if (stale == f->stale)
		return 0;
	f->stale = stale;
	if (stale) {
		f->stale_since_ms = now_ms;
		f->stale_events++;
	}
	return 1;
}

void
feed_sample(struct feed *f, long long now_ms)
{
	/* Rotate past every bucket whose time is over (a long stall skips
	 * at most a full window). */
	int	turns = 0;

	while (now_ms - f->bucket_start_ms >= f->bucket_ms &&
	    turns++ <= FEED_BUCKETS) {
		f->cur = (f->cur + 1) % FEED_BUCKETS;
		f->up[f->cur] = f->total[f->cur] = 0;
		f->bucket_start_ms += f->bucket_ms;
	}
	if (now_ms - f->bucket_start_ms >= f->bucket_ms)
		f->bucket_start_ms = now_ms;
	f->total[f->cur]++;
	if (!f->stale)
		f->up[f->cur]++;
}

double
feed_uptime(const struct feed *f)
{
	unsigned long	up = 0, total = 0;
	int		i;

	for (i = 0; i < FEED_BUCKETS; i++) {
		up += f->up[i];
		total += f->total[i];
	}
	return total ? (double)up / (double)total : 1.0;
}

long long
feed_age_ms(const struct feed *f, long long now_ms)
{
	return f->last_ok_ms ? now_ms - f->last_ok_ms : -1;
}
