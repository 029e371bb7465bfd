/*
 * ref.c: the CEX reference feed thread (see ref.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "log.h"
#include "ref.h"
#include "tick.h"

struct ref_feed {
	void			*zctx;
	void			*sock;
	char			 endpoint[64];
	char			 url[512];
	pthread_t		 thr;
	int			 started;
	struct ref_feed_opts	 o;
	struct ref_msg		 in;
	struct cex_book		 books[REF_MAX_SYMBOLS];	/* thread's */
	int			 ok[REF_MAX_SYMBOLS];
};

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to ms for the stop message. 1: stop. */
static int
wait_stop(void *s, long long ms)
{
	zmq_pollitem_t	pi = { s, 0, ZMQ_POLLIN, 0 };
	char		c;

	if (ms < -1)
		ms = 0;
	if (zmq_poll(&pi, 1, (long)ms) == -1)
		return 1;
	if (pi.revents & ZMQ_POLLIN) {
		zmq_recv(s, &c, 1, 0);
		return 1;
	}
	return 0;
}

static void *
feed_main(void *arg)
{
	struct ref_feed		*f = arg;
	struct cex		*c;
	struct cex_error	 e;
	struct cex_stats	 st;
	struct ref_msg		 m;
	void			*s;
	long long		 t0, delay = 0;
	int			 i, linger = 0, sndtimeo = 2000;

	if ((s = zmq_socket(f->zctx, ZMQ_PAIR)) == NULL)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	/* Never block for ever on a daemon that stopped reading. */
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &sndtimeo, sizeof(sndtimeo));
	if (zmq_connect(s, f->endpoint) == -1) {
		zmq_close(s);
		return NULL;
	}
	c = cex_new(&f->o.cex);
	for (;;) {
		if (wait_stop(s, delay))
			break;
		t0 = now_ms();
		/* Three symbols or more: one request for all. */
		if (c != NULL && f->o.n >= 3) {
			const char	*syms[REF_MAX_SYMBOLS];
			struct cex_book	*books = f->books;
			int		*ok = f->ok, rc;

			for (i = 0; i < f->o.n; i++)
				syms[i] = f->o.symbol[i];
			rc = cex_book_tickers(c, syms, f->o.n, books, ok, &e);
			cex_stats(c, &st);
			for (i = 0; i < f->o.n; i++) {
				memset(&m, 0, sizeof(m));
				m.idx = f->o.idx[i];
				m.used_weight = st.used_weight;
				if (rc == 0 && ok[i]) {
					m.ok = 1;
					m.book = books[i];
					m.t_us = tick_now_us();
				} else if (rc == 0) {
					m.kind = CEX_ERR_PARSE;
					snprintf(m.error, sizeof(m.error),
					    "parse: %s not in the bookTicker "
					    "reply", f->o.symbol[i]);
				} else {
					m.kind = e.kind;
					m.retry_after_ms = e.retry_after_ms;
					snprintf(m.error, sizeof(m.error),
					    "%s: %s", cex_err_kind_name(e.kind),
					    e.message);
				}
				zmq_send(s, &m, sizeof(m), 0);
			}
			i = f->o.n;
		} else
			i = 0;
		for (; i < f->o.n; i++) {
			memset(&m, 0, sizeof(m));
			m.idx = f->o.idx[i];
			if (c == NULL) {
				m.kind = CEX_ERR_USAGE;
				snprintf(m.error, sizeof(m.error), "cannot set "
				    "up the REST client");
			} else if (cex_book_ticker(c, f->o.symbol[i], &m.book,
			    &e) == 0) {
				m.ok = 1;
				m.t_us = tick_now_us();
			} else {
				m.kind = e.kind;
				m.retry_after_ms = e.retry_after_ms;
				snprintf(m.error, sizeof(m.error), "%s: %s",
				    cex_err_kind_name(e.kind), e.message);
			}
			if (c != NULL) {
				cex_stats(c, &st);
				m.used_weight = st.used_weight;
			} else
				m.used_weight = -1;
			zmq_send(s, &m, sizeof(m), 0);
			/* Blocked: the rest would fail the same way. */
			if (!m.ok && m.kind == CEX_ERR_RATELIMIT)
				break;
			if (wait_stop(s, 0))
				goto done;
		}
		delay = f->o.poll_ms - (now_ms() - t0);
		if (c != NULL) {
			cex_stats(c, &st);
			if (st.blocked_ms > delay)
				delay = st.blocked_ms;
		}
		if (delay < 0)
			delay = 0;
	}
done:
	cex_free(&c);
	zmq_close(s);
	return NULL;
}

struct ref_feed *
ref_feed_start(void *zctx, const struct ref_feed_opts *o)
{
	static unsigned	 seq;
	struct ref_feed	*f;
	int		 linger = 0;

	if (o->n < 0 || o->n > REF_MAX_SYMBOLS || o->poll_ms <= 0 ||
	    o->cex.base_url == NULL) {
		log_warnx("ref feed: bad options");
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->zctx = zctx;
	f->o = *o;
	snprintf(f->url, sizeof(f->url), "%s", o->cex.base_url);
	f->o.cex.base_url = f->url;
	snprintf(f->endpoint, sizeof(f->endpoint), "inproc://marketd-ref-%u",
	    seq++);
	if ((f->sock = zmq_socket(zctx, ZMQ_PAIR)) == NULL)
		goto fail;
	zmq_setsockopt(f->sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(f->sock, f->endpoint) == -1 ||
	    pthread_create(&f->thr, NULL, feed_main, f) != 0)
		goto fail;
	f->started = 1;
	return f;
fail:
	log_warnx("ref feed: cannot start");
	ref_feed_stop(&f);
	return NULL;
}

void
ref_feed_stop(struct ref_feed **fp)
{
	struct ref_feed	*f;

	if (fp == NULL || (f = *fp) == NULL)
		return;
	if (f->started) {
		zmq_send(f->sock, "q", 1, 0);
		pthread_join(f->thr, NULL);
	}
	if (f->sock != NULL)
		zmq_close(f->sock);
	free(f);
	*fp = NULL;
}

void *
ref_feed_socket(struct ref_feed *f)
{
	return f->sock;
}

int
ref_feed_recv(struct ref_feed *f, const struct ref_msg **msg)
{
	int	n = zmq_recv(f->sock, &f->in, sizeof(f->in), ZMQ_DONTWAIT);

	if (n == -1)
		return zmq_errno() == EAGAIN ? 0 : -1;
	if (n != (int)sizeof(f->in))
		return 0;
	*msg = &f->in;
	return 1;
}
