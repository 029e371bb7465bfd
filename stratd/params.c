/*
 * params.c: canonical strategy parameters (see params.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "config.h"
#include "db.h"
#include "grid.h"
#include "params.h"

int
params_market(const struct config *cfg, const char *symbol,
    struct grid_market *out)
{
	const struct config_market	*m = config_market(cfg, symbol);
	const struct config_token	*b, *q;

	memset(out, 0, sizeof(*out));
	if (m == NULL || (b = config_token(cfg, m->base)) == NULL ||
	    (q = config_token(cfg, m->quote)) == NULL)
		return -1;
	out->base_dec = (unsigned)b->decimals;
	out->quote_dec = (unsigned)q->decimals;
	out->fee_bps = (unsigned)m->fee_bps;
	return 0;
}

/* The latest price of symbol: the hook's, else the newest candle. */
static int
latest_price(struct stratd_core *c, const char *symbol, double *out)
{
	const char	*p[1] = { symbol };
	char		 v[64];

	if (c->price != NULL && c->price(c, symbol, out) == 0)
		return 0;
	if (c->db == NULL || db_query_value(c->db, v, sizeof(v),
	    "SELECT close::text FROM candles WHERE symbol = $1 "
	    "ORDER BY open_time DESC LIMIT 1", 1, p) != 1)
		return -1;
	*out = strtod(v, NULL);
	return *out > 0.0 && isfinite(*out) ? 0 : -1;
}

/* A price as a decimal string with 8 significant digits. */
static void
price_text(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.8g", v);
	/* %g may choose an exponent for very small or large prices. */
	if (strchr(buf, 'e') != NULL)
		snprintf(buf, len, "%.10f", v);
}

cJSON *
params_prepare(struct stratd_core *c, const char *symbol,
    const cJSON *params, struct cmd_error *err)
{
	struct grid_params	 gp;
	struct grid_market	 gm;
	struct grid		*g;
	cJSON			*work, *out;
	char			 msg[512], lo[64], hi[64];
	int			 has_up, has_lo;
	double			 px;

	if (params_market(c->cfg, symbol, &gm) == -1) {
		cmd_fail(err, "bad_args", "unknown symbol '%s'", symbol);
		return NULL;
	}
	work = cJSON_Duplicate(params, 1);
	has_up = cJSON_GetObjectItem(work, "upper_price") != NULL;
	has_lo = cJSON_GetObjectItem(work, "lower_price") != NULL;
	if (has_up != has_lo) {
		cJSON_Delete(work);
		cmd_fail(err, "bad_args", "give both upper_price and "
		    "lower_price, or neither (then the grid is laid +-%.0f%% "
		    "around the latest price)", PARAMS_DEFAULT_RANGE_PCT);
		return NULL;
	}
	if (!has_up) {
		if (latest_price(c, symbol, &px) == -1) {
			cJSON_Delete(work);
			cmd_fail(err, "bad_args", "no price known for %s: give "
			    "upper_price and lower_price", symbol);
			return NULL;
		}
		price_text(px * (1.0 + PARAMS_DEFAULT_RANGE_PCT / 100.0), hi,
		    sizeof(hi));
		price_text(px * (1.0 - PARAMS_DEFAULT_RANGE_PCT / 100.0), lo,
		    sizeof(lo));
		cJSON_AddStringToObject(work, "upper_price", hi);
		cJSON_AddStringToObject(work, "lower_price", lo);
	}
	if (grid_params_from_json(&gp, work, msg, sizeof(msg)) == -1) {
		cJSON_Delete(work);
		cmd_fail(err, "bad_args", "%s", msg);
		return NULL;
	}
	cJSON_Delete(work);
	if ((g = grid_new(&gp, &gm, msg, sizeof(msg))) == NULL) {
		cmd_fail(err, "bad_args", "%s", msg);
		return NULL;
	}
	grid_free(&g);
	if ((out = grid_params_to_json(&gp)) == NULL)
		cmd_fail(err, "internal", "out of memory");
	return out;
}
