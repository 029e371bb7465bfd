/*
 * marketd_cmds.c: marketd's control commands: market.price and
 * market.status (marketd_int.h, docs/MARKETD.md).
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
	if (md_has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(md_divergence_bps(m) * 100) / 100.0);
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

void
md_status_hook(struct daemon *d, cJSON *o)
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
		cJSON_AddNumberToObject(t, "age_ms",
		    (double)(now - m->tick_ms));
		cJSON_AddItemToObject(o, "dex", t);
	} else
		cJSON_AddNullToObject(o, "dex");
	if (m->has_book)
		cJSON_AddItemToObject(o, "ref", md_ref_json(m, now));
	else
		cJSON_AddNullToObject(o, "ref");
	if (md_has_divergence(m))
		cJSON_AddNumberToObject(o, "divergence_bps",
		    (double)(long long)(md_divergence_bps(m) * 100) / 100.0);
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

const struct cmd_def md_cmds[] = {
	{ "market.price", cmd_price },
	{ "market.status", cmd_status },
	{ NULL, NULL }
};
