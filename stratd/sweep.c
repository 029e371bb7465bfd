/*
 * sweep.c: parameter sweeps in forked workers (sweep.h).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "sweep.h"

static const char *const metric_names[] = {
	"sharpe", "return", "sortino", "realized_profit", "apr", "win_rate",
	"max_drawdown"
};

int
sweep_metric_parse(const char *s, enum sweep_metric *m)
{
	size_t	i;

	for (i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++)
		if (strcmp(s, metric_names[i]) == 0) {
			*m = (enum sweep_metric)i;
			return 0;
		}
	return -1;
}

const char *
sweep_metric_name(enum sweep_metric m)
{
	return metric_names[m];
}

double
sweep_metric_value(const struct report *r, enum sweep_metric m)
{
	double	v;

	switch (m) {
	case SWEEP_SHARPE:
		return r->sharpe;
	case SWEEP_RETURN:
		return r->total_return;
	case SWEEP_SORTINO:
		return r->sortino;
	case SWEEP_REALIZED:
		v = u256_to_double(&r->realized.v);
		return r->realized.neg ? -v : v;
	case SWEEP_APR:
		return r->apr;
	case SWEEP_WIN_RATE:
		return r->win_rate;
	case SWEEP_DRAWDOWN:
		return -r->max_drawdown;
	}
	return 0.0;
}

int
sweep_cores(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* A bound of a width-centred grid: 10 significant digits. */
static void
bound_text(double v, char *out, size_t cap)
{
	int	dec = 9 - (int)floor(log10(v));
	char	*e;

	if (dec < 0)
		dec = 0;
	if (dec > GRID_PX_DEC)
		dec = GRID_PX_DEC;
	snprintf(out, cap, "%.*f", dec, v);
	if (strchr(out, '.') != NULL) {
		e = out + strlen(out);
		while (e[-1] == '0')
			*--e = '\0';
		if (e[-1] == '.')
			e[-1] = '\0';
	}
}

int
sweep_expand(const struct grid_params *base, const struct sweep_space *sp,
    double ref, struct grid_params **out, size_t *np, char *err,
    size_t errlen)
{
	struct grid_params	*v;
	size_t			 n = 0, nw, ngc, ns, i;
	int			 gc, s, spac[2], nspac = 0;

	*out = NULL;
	*np = 0;
	if (sp->gc_step < 1 || sp->gc_from < 2 || sp->gc_to < sp->gc_from ||
	    sp->gc_to > GRID_MAX_COUNT) {
		snprintf(err, errlen, "grid counts: need 2 <= from <= to <= %d "
		    "and a step of at least 1", GRID_MAX_COUNT);
		return -1;
	}
	ngc = (size_t)((sp->gc_to - sp->gc_from) / sp->gc_step) + 1;
	if (sp->w_from > 0.0) {
		if (!(sp->w_step > 0.0) || sp->w_to < sp->w_from ||
		    sp->w_to >= 2.0 || !(ref > 0.0)) {
			snprintf(err, errlen, "range widths: need 0 < from <= to "
			    "< 200%% and a positive step");
			return -1;
		}
		nw = (size_t)floor((sp->w_to - sp->w_from) / sp->w_step +
		    1e-9) + 1;
	} else
		nw = 1;
	if (sp->spacings & 1)
		spac[nspac++] = GRID_ARITHMETIC;
	if (sp->spacings & 2)
		spac[nspac++] = GRID_GEOMETRIC;
	if (nspac == 0)
		spac[nspac++] = base->spacing;
	ns = (size_t)nspac;
	if (ngc * nw * ns > SWEEP_MAX_POINTS) {
		snprintf(err, errlen, "the sweep has %zu points, more than %d",
		    ngc * nw * ns, SWEEP_MAX_POINTS);
		return -1;
	}
	if ((v = calloc(ngc * nw * ns, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (s = 0; s < nspac; s++)
		for (i = 0; i < nw; i++)
			for (gc = sp->gc_from; gc <= sp->gc_to;
			    gc += sp->gc_step) {
				struct grid_params	*p = &v[n++];

				*p = *base;
				p->grid_count = gc;
				p->spacing = (enum grid_spacing)spac[s];
				if (sp->w_from > 0.0) {
					double	w = sp->w_from + sp->w_step *
					    (double)i;

					bound_text(ref * (1.0 - w / 2.0),
					    p->lower_price,
					    sizeof(p->lower_price));
					bound_text(ref * (1.0 + w / 2.0),
					    p->upper_price,
					    sizeof(p->upper_price));
				}
			}
	*out = v;
	*np = n;
	return 0;
}

/* --- workers --- */

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static cJSON *
trades_json(const struct report_trades *t)
{
	cJSON	*a = cJSON_CreateArray(), *e;
	char	 b[U256_DEC_MAX];
	size_t	 i;

	for (i = 0; a != NULL && i < t->n; i++) {
		const struct report_trade	*tr = &t->v[i];

		e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, cJSON_CreateNumber((double)tr->t_ms));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(tr->kind));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(tr->side));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(tr->level));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(&tr->px,
		    b)));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(&tr->base,
		    b)));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(
		    &tr->quote, b)));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(&tr->fee,
		    b)));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(&tr->gas,
		    b)));
		cJSON_AddItemToArray(e, cJSON_CreateString(u256_to_dec(
		    &tr->slippage, b)));
		cJSON_AddItemToArray(e, tr->has_pnl ? cJSON_CreateString(
		    u256_to_dec(&tr->pnl, b)) : cJSON_CreateNull());
		cJSON_AddItemToArray(e, cJSON_CreateNumber(tr->pnl_neg));
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

static int
trades_from_json(const cJSON *a, struct report_trades *t)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, a) {
		struct report_trade	 tr;
		const cJSON		*f[12];
		int			 i;

		if (cJSON_GetArraySize(e) != 12)
			return -1;
		for (i = 0; i < 12; i++)
			f[i] = cJSON_GetArrayItem(e, i);
		memset(&tr, 0, sizeof(tr));
		if (!cJSON_IsNumber(f[0]) || !cJSON_IsNumber(f[1]) ||
		    !cJSON_IsNumber(f[2]) || !cJSON_IsNumber(f[3]))
			return -1;
		tr.t_ms = (int64_t)f[0]->valuedouble;
		tr.kind = (uint8_t)f[1]->valueint;
		tr.side = (uint8_t)f[2]->valueint;
		tr.level = f[3]->valueint;
		if (!cJSON_IsString(f[4]) || u256_from_dec(&tr.px,
		    f[4]->valuestring) == -1)
			return -1;
		tr.price = u256_to_double(&tr.px) / 1e18;
		if (!cJSON_IsString(f[5]) || !cJSON_IsString(f[6]) ||
		    !cJSON_IsString(f[7]) || !cJSON_IsString(f[8]) ||
		    !cJSON_IsString(f[9]) ||
		    u256_from_dec(&tr.base, f[5]->valuestring) == -1 ||
		    u256_from_dec(&tr.quote, f[6]->valuestring) == -1 ||
		    u256_from_dec(&tr.fee, f[7]->valuestring) == -1 ||
		    u256_from_dec(&tr.gas, f[8]->valuestring) == -1 ||
		    u256_from_dec(&tr.slippage, f[9]->valuestring) == -1)
			return -1;
		if (cJSON_IsString(f[10])) {
			if (u256_from_dec(&tr.pnl, f[10]->valuestring) == -1)
				return -1;
			tr.has_pnl = 1;
			tr.pnl_neg = (uint8_t)(cJSON_IsNumber(f[11]) &&
			    f[11]->valueint);
		}
		if (report_trades_add(t, &tr) == -1)
			return -1;
	}
	return 0;
}

/* One worker: run its share of the points, one message each. */
static void
worker(int fd, int w, int jobs, const struct bt_candle *cs, size_t n,
    int64_t iv, const struct grid_market *m, const struct report *tmpl,
    const struct grid_params *pts, size_t npts, int want_trades)
{
	size_t	i;

	for (i = (size_t)w; i < npts; i += (size_t)jobs) {
		struct report		 rep;
		struct report_trades	 tr;
		char			 err[512], *txt;
		cJSON			*o = cJSON_CreateObject();
		uint32_t		 hdr[2];

		memset(&rep, 0, sizeof(rep));
		memset(&tr, 0, sizeof(tr));
		snprintf(rep.symbol, sizeof(rep.symbol), "%s", tmpl->symbol);
		snprintf(rep.interval, sizeof(rep.interval), "%s",
		    tmpl->interval);
		snprintf(rep.name, sizeof(rep.name), "%s", tmpl->name);
		rep.from_ms = tmpl->from_ms;
		rep.to_ms = tmpl->to_ms;
		rep.sweep_id = tmpl->sweep_id;
		if (bt_run(&pts[i], m, cs, n, iv, &rep, want_trades ? &tr :
		    NULL, err, sizeof(err)) == -1) {
			cJSON_AddFalseToObject(o, "ok");
			cJSON_AddStringToObject(o, "error", err);
		} else {
			cJSON_AddTrueToObject(o, "ok");
			cJSON_AddItemToObject(o, "report", report_to_json(&rep,
			    1));
			if (want_trades)
				cJSON_AddItemToObject(o, "trades",
				    trades_json(&tr));
		}
		report_clear(&rep);
		report_trades_clear(&tr);
		if ((txt = cJSON_PrintUnformatted(o)) == NULL)
			_exit(3);
		cJSON_Delete(o);
		hdr[0] = (uint32_t)i;
		hdr[1] = (uint32_t)strlen(txt);
		if (write_all(fd, hdr, sizeof(hdr)) == -1 ||
		    write_all(fd, txt, hdr[1]) == -1)
			_exit(4);
		free(txt);
	}
	_exit(0);
}

/* The parent's view of one worker. */
struct wk {
	pid_t	 pid;
	int	 fd;		/* -1 once closed */
	char	*buf;
	size_t	 len, cap;
	size_t	 expect;	/* results it owes */
	size_t	 got;
};

static void
progress(int fd, size_t done, size_t total)
{
	char	bar[41], line[128];
	size_t	i, fill = total ? done * 40 / total : 40;
	int	len;

	if (fd < 0)
		return;
	for (i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	len = snprintf(line, sizeof(line), "\rsweep [%s] %zu/%zu runs%s", bar,
	    done, total, done == total ? "\n" : "");
	if (len > 0)
		(void)write_all(fd, line, (size_t)len);
}

/* Handle the complete messages in a worker's buffer. */
static int
drain(struct wk *k, const struct grid_params *pts, size_t npts,
    int want_trades, sweep_result_fn fn, void *arg, size_t *done,
    int progress_fd, size_t total, char *err, size_t errlen)
{
	for (;;) {
		uint32_t		 hdr[2];
		cJSON			*o;
		char			*txt;
		int			 rc;

		if (k->len < sizeof(hdr))
			return 0;
		memcpy(hdr, k->buf, sizeof(hdr));
		if (k->len < sizeof(hdr) + hdr[1])
			return 0;
		if (hdr[0] >= npts) {
			snprintf(err, errlen, "sweep: bad message from a worker");
			return -1;
		}
		if ((txt = malloc((size_t)hdr[1] + 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(txt, k->buf + sizeof(hdr), hdr[1]);
		txt[hdr[1]] = '\0';
		memmove(k->buf, k->buf + sizeof(hdr) + hdr[1], k->len -
		    sizeof(hdr) - hdr[1]);
		k->len -= sizeof(hdr) + hdr[1];
		o = cJSON_Parse(txt);
		free(txt);
		if (o == NULL) {
			snprintf(err, errlen, "sweep: bad message from a worker");
			return -1;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItem(o, "ok"))) {
			struct report		 rep;
			struct report_trades	 tr;
			char			 e2[512];

			memset(&tr, 0, sizeof(tr));
			if (report_from_json(&rep, cJSON_GetObjectItem(o,
			    "report"), e2, sizeof(e2)) == -1) {
				cJSON_Delete(o);
				snprintf(err, errlen, "sweep: %s", e2);
				return -1;
			}
			if (want_trades && trades_from_json(cJSON_GetObjectItem(
			    o, "trades"), &tr) == -1) {
				report_clear(&rep);
				report_trades_clear(&tr);
				cJSON_Delete(o);
				snprintf(err, errlen, "sweep: bad trades from a "
				    "worker");
				return -1;
			}
			rc = fn(arg, hdr[0], &pts[hdr[0]], &rep, want_trades ?
			    &tr : NULL, NULL);
			report_clear(&rep);
			report_trades_clear(&tr);
		} else {
			const cJSON	*e = cJSON_GetObjectItem(o, "error");

			rc = fn(arg, hdr[0], &pts[hdr[0]], NULL, NULL,
			    cJSON_IsString(e) ? e->valuestring : "failed");
		}
		cJSON_Delete(o);
		if (rc == -1) {
			snprintf(err, errlen, "sweep aborted");
			return -1;
		}
		k->got++;
		progress(progress_fd, ++*done, total);
	}
}

int
sweep_run(const struct bt_candle *cs, size_t n, int64_t iv,
    const struct grid_market *m, const struct report *tmpl,
    const struct grid_params *pts, size_t npts, int jobs, int want_trades,
    int progress_fd, sweep_result_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct wk	*wk;
	struct pollfd	*pfd;
	size_t		 done = 0;
	int		 i, open, rc = 0, st;

	if (npts == 0) {
		snprintf(err, errlen, "nothing to sweep");
		return -1;
	}
	if (jobs < 1)
		jobs = sweep_cores();
	if ((size_t)jobs > npts)
		jobs = (int)npts;
	wk = calloc((size_t)jobs, sizeof(*wk));
	pfd = calloc((size_t)jobs, sizeof(*pfd));
	if (wk == NULL || pfd == NULL) {
		free(wk);
		free(pfd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < jobs; i++) {
		int	p[2];

		wk[i].fd = -1;
		wk[i].expect = (npts - (size_t)i + (size_t)jobs - 1) /
		    (size_t)jobs;
		if (pipe(p) == -1) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			rc = -1;
			break;
		}
		if ((wk[i].pid = fork()) == -1) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			close(p[0]);
			close(p[1]);
			rc = -1;
			break;
		}
		if (wk[i].pid == 0) {
			int	j;

			close(p[0]);
			for (j = 0; j < i; j++)
				if (wk[j].fd >= 0)
					close(wk[j].fd);
			signal(SIGPIPE, SIG_DFL);
			worker(p[1], i, jobs, cs, n, iv, m, tmpl, pts, npts,
			    want_trades);
		}
		close(p[1]);
		wk[i].fd = p[0];
	}
	progress(progress_fd, 0, npts);
	for (open = 0, i = 0; i < jobs; i++)
		open += wk[i].fd >= 0;
	while (rc == 0 && open > 0) {
		int	np = 0;

		for (i = 0; i < jobs; i++)
			if (wk[i].fd >= 0) {
				pfd[np].fd = wk[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				np++;
			}
		if (poll(pfd, (nfds_t)np, -1) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (i = 0; i < jobs && rc == 0; i++) {
			struct wk	*k = &wk[i];
			int		 j, ready = 0;
			ssize_t		 r;

			for (j = 0; j < np; j++)
				if (pfd[j].fd == k->fd && pfd[j].revents)
					ready = 1;
			if (k->fd < 0 || !ready)
				continue;
			if (k->len + 65536 > k->cap) {
				size_t	 cap = (k->len + 65536) * 2;
				char	*b = realloc(k->buf, cap);

				if (b == NULL) {
					snprintf(err, errlen, "out of memory");
					rc = -1;
					break;
				}
				k->buf = b;
				k->cap = cap;
			}
			r = read(k->fd, k->buf + k->len, k->cap - k->len);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(k->fd);
				k->fd = -1;
				open--;
				if (k->got != k->expect) {
					snprintf(err, errlen, "sweep: a worker "
					    "ended after %zu of %zu runs", k->got,
					    k->expect);
					rc = -1;
				}
				continue;
			}
			k->len += (size_t)r;
			rc = drain(k, pts, npts, want_trades, fn, arg, &done,
			    progress_fd, npts, err, errlen);
		}
	}
	for (i = 0; i < jobs; i++) {
		if (wk[i].fd >= 0)
			close(wk[i].fd);
		if (wk[i].pid > 0) {
			if (rc == -1)
				kill(wk[i].pid, SIGTERM);
			while (waitpid(wk[i].pid, &st, 0) == -1 && errno == EINTR)
				;
			if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
				snprintf(err, errlen, "sweep: a worker failed");
				rc = -1;
			}
		}
		free(wk[i].buf);
	}
	free(wk);
	free(pfd);
	return rc;
}
