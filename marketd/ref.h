/*
 * ref.h: the CEX reference feed: a thread that polls the best bid and ask
 * of every market with a cex_symbol (cex.h) every poll_ms (one request per
 * symbol, or one for all of them when there are three or more) and hands
 * each result to the daemon as a struct ref_msg over an inproc PAIR
 * socket.
 * While the exchange rate-limits us (429/418 with Retry-After, or the
 * request weight nearly used up) the thread sends nothing to it and
 * reports the wait instead.
 */
#ifndef MARKETD_REF_H
#define MARKETD_REF_H

#include <stdint.h>

#include "cex.h"

#define REF_MAX_SYMBOLS	128

struct ref_msg {
	int		 idx;		/* the market's index in the opts */
	int		 ok;
	struct cex_book	 book;
	int64_t		 t_us;		/* wall clock of the reply */
	enum cex_err_kind kind;		/* when not ok */
	long long	 retry_after_ms;
	int		 used_weight;	/* -1 unknown */
	char		 error[256];
};

struct ref_feed_opts {
	struct cex_opts	 cex;
	int		 poll_ms;
	int		 n;
	int		 idx[REF_MAX_SYMBOLS];		/* market index */
	char		 symbol[REF_MAX_SYMBOLS][24];	/* "BTCUSDT" */
};

struct ref_feed;

/* Start the thread; NULL on failure (logged). */
struct ref_feed	*ref_feed_start(void *zctx, const struct ref_feed_opts *);

/* Stop it (waits for a request in flight) and free. Accepts NULL. */
void		 ref_feed_stop(struct ref_feed **);

void		*ref_feed_socket(struct ref_feed *);

/* One message without blocking: 1 with *msg (valid until the next call),
 * 0 when none, -1 on error. */
int		 ref_feed_recv(struct ref_feed *, const struct ref_msg **msg);

#endif
