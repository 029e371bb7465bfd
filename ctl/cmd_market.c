/*
 * cmd_market.c: `bsc-ctl market price|status|import|fetch|candles`.
 *
 * price and status ask marketd (exit 3 when it is not running); import,
 * fetch and candles work on the database directly, with marketd's own
 * code (marketd/import.c, marketd/cex.c), so that candles can be loaded
 * before anything is started (the runbook's backtest stage).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "../marketd/cex.h"
#include "../marketd/import.h"

#define FETCH_MAX_DAYS		3650
#define FETCH_MAX_WAIT_MS	300000	/* rate-limit waits in one fetch */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl market COMMAND [OPTIONS] [--json]\n"
	    "  price SYMBOL         latest DEX price (mid and executable at the\n"
	    "                       configured sizes) and CEX reference, from "
	    "marketd\n"
	    "  status [-s SYMBOL]   per market: last block, tick age, stale, "
	    "uptime,\n"
	    "                       RPC endpoint (from marketd)\n"
	    "  import FILE... [-s SYMBOL] [-i INTERVAL] [--date YYYYMMDD] "
	    "[--dry-run]\n"
	    "                       load candle files (Binance kline CSV, "
	    "freqtrade\n"
	    "                       JSON, ...); all or nothing per file; "
	    "idempotent\n"
	    "  fetch -s SYMBOL [--days N | --from T [--to T]] [-i INTERVAL]\n"
	    "        [--cex-symbol X]\n"
	    "                       klines from the CEX REST endpoint ([marketd]\n"
	    "                       cex_url) into the candles table; default "
	    "1m, 1 day\n"
	    "  candles [-s SYMBOL]  stored candle ranges: from, to, count, gaps\n"
	    "times T: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or Unix seconds/ms\n");
}

/* --- talking to marketd --- */

/*
 * 1 when the ipc:// endpoint has no listener (nothing to connect to): the
 * daemon is not running, as opposed to running but slow.
 */
static int
endpoint_dead(const char *ep)
{
	struct sockaddr_un	sun;
	int			s, dead = 0;

	if (strncmp(ep, "ipc://", 6) != 0 ||
	    strlen(ep + 6) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, ep + 6);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		dead = errno == ECONNREFUSED || errno == ENOENT;
	close(s);
	return dead;
}

static int
ask_marketd(struct ctl *c, const char *cmd, const cJSON *args, cJSON **data)
{
	struct cmd_error	err;
	int			rc;

	if (ctl_config(c) == NULL)
		return CTL_EXIT_CONFIG;
	if (ctl_call(c, "marketd", cmd, args, data, &err) == 0)
		return CTL_EXIT_OK;
	if (strcmp(err.code, "timeout") == 0 || strcmp(err.code,
	    "transport") == 0) {
		if (strcmp(err.code, "transport") == 0 ||
		    endpoint_dead(c->cfg->marketd.ctl)) {
			ctl_err("marketd is not running (nothing answers on "
			    "%s)", c->cfg->marketd.ctl);
			return CTL_EXIT_NOTRUNNING;
		}
		ctl_err("marketd did not answer in time: %s", err.message);
		return CTL_EXIT_TIMEOUT;
	}
	ctl_err("%s", err.message);
	if (strcmp(err.code, "not_found") == 0)
		return CTL_EXIT_USAGE;
	rc = ctl_exit_for(&err);
	return rc;
}

static double
num(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
print_side(const char *name, const cJSON *s)
{
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "ok"))) {
		printf(" %s -", name);
		return;
	}
	/* impact_bps: what the size costs against the mid, fee included. */
	printf(" %s %s (%.2f bps)", name, str(s, "price"),
	    num(s, "impact_bps"));
}

static void
print_price(const cJSON *d)
{
	const cJSON	*dex = cJSON_GetObjectItemCaseSensitive(d, "dex");
	const cJSON	*ref = cJSON_GetObjectItemCaseSensitive(d, "ref");
	const cJSON	*div = cJSON_GetObjectItemCaseSensitive(d,
			    "divergence_bps");
	const cJSON	*e;

	printf("%s", str(d, "symbol"));
	if (cJSON_IsObject(dex)) {
		printf("  mid %s %s/%s  block %.0f (%.1f s ago)%s\n",
		    str(dex, "mid"), str(dex, "quote"), str(dex, "base"),
		    num(dex, "block"), num(dex, "age_ms") / 1000.0,
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "stale")) ?
		    "  STALE" : "");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(dex,
		    "exec")) {
			printf("  %s %s:", str(e, "size"), str(dex, "quote"));
			print_side("buy", cJSON_GetObjectItemCaseSensitive(e,
			    "buy"));
			print_side("sell", cJSON_GetObjectItemCaseSensitive(e,
			    "sell"));
			printf("\n");
		}
	} else
		printf("  no DEX price yet%s\n", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(d, "stale")) ? " (STALE)" :
		    "");
	if (*str(d, "stale_reason"))
		printf("  stale: %s\n", str(d, "stale_reason"));
	if (cJSON_IsObject(ref)) {
		printf("  reference %s: bid %s ask %s (%.1f s ago)%s",
		    str(ref, "cex_symbol"), str(ref, "bid"), str(ref, "ask"),
		    num(ref, "age_ms") / 1000.0, cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(ref, "stale")) ?
		    "  STALE" : "");
		if (cJSON_IsNumber(div))
			printf("  divergence %+.2f bps", div->valuedouble);
		printf("\n");
	}
}

static int
market_price(struct ctl *c, int argc, char **argv)
{
	const char	*sym = NULL;
	cJSON		*args, *data = NULL;
	int		 i, rc;

	for (i = 2; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "-s") == 0 ||
		    strcmp(argv[i], "--symbol") == 0) {
			if (++i == argc) {
				ctl_err("market price: %s needs a symbol",
				    argv[i - 1]);
				return CTL_EXIT_USAGE;
			}
			sym = argv[i];
		} else if (argv[i][0] == '-' || sym != NULL) {
			ctl_err("market price: unexpected argument '%s'",
			    argv[i]);
			return CTL_EXIT_USAGE;
		} else
			sym = argv[i];
	}
	if (sym == NULL) {
		ctl_err("market price: which market? (market price BTC/USDT)");
		return CTL_EXIT_USAGE;
	}
	if (ctl_config(c) == NULL)
		return CTL_EXIT_CONFIG;
	if (config_market(c->cfg, sym) == NULL) {
		ctl_err("market price: no market '%s' in the config", sym);
		return CTL_EXIT_USAGE;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "symbol", sym);
	rc = ask_marketd(c, "market.price", args, &data);
	cJSON_Delete(args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (c->json)
		ctl_print_json(data);
	else
		print_price(data);
	cJSON_Delete(data);
	return CTL_EXIT_OK;
}

static int
market_status(struct ctl *c, int argc, char **argv)
{
	const char	*sym = NULL;
	cJSON		*args, *data = NULL, *m, *feeds;
	int		 i, rc;

	for (i = 2; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else if ((strcmp(argv[i], "-s") == 0 ||
		    strcmp(argv[i], "--symbol") == 0) && i + 1 < argc)
			sym = argv[++i];
		else {
			ctl_err("market status: unexpected argument '%s'",
			    argv[i]);
			return CTL_EXIT_USAGE;
		}
	}
	args = cJSON_CreateObject();
	if (sym != NULL)
		cJSON_AddStringToObject(args, "symbol", sym);
	rc = ask_marketd(c, "market.status", args, &data);
	cJSON_Delete(args);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (c->json) {
		ctl_print_json(data);
		cJSON_Delete(data);
		return CTL_EXIT_OK;
	}
	feeds = cJSON_GetObjectItemCaseSensitive(data, "feeds");
	m = cJSON_GetObjectItemCaseSensitive(feeds, "dex");
	printf("chain: head %.0f via %s, %s, uptime %.2f%% over %.0f s\n",
	    num(m, "head"), str(m, "rpc_endpoint"), cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(m, "stale")) ? "STALE" : "fresh",
	    num(m, "uptime") * 100, num(m, "window_s"));
	printf("%-12s %-10s %-9s %-6s %-8s %-22s %s\n", "SYMBOL", "BLOCK",
	    "AGE", "STALE", "UPTIME", "MID", "REFERENCE");
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(data,
	    "markets")) {
		const cJSON	*ref = cJSON_GetObjectItemCaseSensitive(m, "ref");
		char		 age[32], refs[64] = "-";

		if (num(m, "last_tick_age_ms") < 0)
			snprintf(age, sizeof(age), "-");
		else
			snprintf(age, sizeof(age), "%.1fs",
			    num(m, "last_tick_age_ms") / 1000.0);
		if (cJSON_IsObject(ref))
			snprintf(refs, sizeof(refs), "%s %s", str(ref,
			    "cex_symbol"), cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(ref, "stale")) ?
			    "stale" : "fresh");
		printf("%-12s %-10.0f %-9s %-6s %-8.2f %-22s %s\n",
		    str(m, "symbol"), num(m, "last_block"), age,
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "stale")) ?
		    "yes" : "no", num(m, "uptime") * 100,
		    *str(m, "mid") ? str(m, "mid") : "-", refs);
		if (*str(m, "error"))
			printf("  %s\n", str(m, "error"));
	}
	cJSON_Delete(data);
	return CTL_EXIT_OK;
}

/* --- the database side --- */

static struct db *
need_db(struct ctl *c, int *rc)
{
	struct db	*d;

	if ((d = ctl_db(c)) == NULL) {
		*rc = CTL_EXIT_CONFIG;
		return NULL;
	}
	if (!db_is_up(d)) {
		ctl_err("database: %s", db_error(d));
		*rc = CTL_EXIT_NOTRUNNING;
		return NULL;
	}
	return d;
}

static void
print_result(const struct import_result *r, const char *verb)
{
	char	a[40], b[40];
	size_t	i;

	printf("%s %s: %s %s %s, %zu rows (%zu new, %zu already stored)\n",
	    verb, r->file, r->symbol, r->interval, r->format ? r->format : "",
	    r->rows, r->inserted, r->existing);
	if (r->rows > 0)
		printf("  %s open %s .. %s close %s\n",
		    import_iso(r->first.open_ms, a, sizeof(a)), r->first.open,
		    import_iso(r->last.open_ms, b, sizeof(b)), r->last.close);
	if (r->ngaps == 0)
		printf("  no gaps\n");
	else {
		printf("  %zu gap%s, %ld candle%s missing\n", r->ngaps,
		    r->ngaps == 1 ? "" : "s", r->missing,
		    r->missing == 1 ? "" : "s");
		for (i = 0; i < r->ngaps && i < IMPORT_MAX_GAPS; i++)
			printf("    after %s, before %s: %ld missing\n",
			    import_iso(r->gaps[i].after_ms, a, sizeof(a)),
			    import_iso(r->gaps[i].before_ms, b, sizeof(b)),
			    r->gaps[i].missing);
		if (r->ngaps > IMPORT_MAX_GAPS)
			printf("    ... and %zu more\n", r->ngaps -
			    IMPORT_MAX_GAPS);
	}
}

static int
market_import(struct ctl *c, int argc, char **argv)
{
	struct import_opts	 o;
	struct import_result	*r;
	struct db		*d = NULL;
	const char		*files[256];
	int			 nfiles = 0, i, rc = CTL_EXIT_OK, failed = 0;
	cJSON			*out = NULL, *args;

	memset(&o, 0, sizeof(o));
	for (i = 2; i < argc; i++) {
		const char	*a = argv[i];

		if (ctl_is_help(a)) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else if (strcmp(a, "--dry-run") == 0 ||
		    strcmp(a, "-n") == 0)
			o.dry_run = 1;
		else if (strcmp(a, "-s") == 0 || strcmp(a, "--symbol") == 0 ||
		    strcmp(a, "-i") == 0 || strcmp(a, "--interval") == 0 ||
		    strcmp(a, "--date") == 0) {
			if (i + 1 == argc) {
				ctl_err("market import: %s needs a value", a);
				return CTL_EXIT_USAGE;
			}
			if (a[1] == 's' || a[2] == 's')
				o.symbol = argv[++i];
			else if (a[1] == 'i' || a[2] == 'i')
				o.interval = argv[++i];
			else
				o.date = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			ctl_err("market import: unknown option '%s'", a);
			return CTL_EXIT_USAGE;
		} else if (nfiles == (int)(sizeof(files) / sizeof(files[0]))) {
			ctl_err("market import: too many files");
			return CTL_EXIT_USAGE;
		} else
			files[nfiles++] = a;
	}
	if (nfiles == 0) {
		ctl_err("market import: which file? (market import FILE "
		    "[-s SYMBOL])");
		return CTL_EXIT_USAGE;
	}
	if (o.symbol != NULL && !import_symbol_ok(o.symbol)) {
		ctl_err("market import: bad symbol '%s' (want BASE/QUOTE, as "
		    "BTC/USDT)", o.symbol);
		return CTL_EXIT_USAGE;
	}
	if (o.interval != NULL && candle_interval_ms(o.interval) == 0) {
		ctl_err("market import: unknown interval '%s' (1m, 5m, 1h, "
		    "1d, ...)", o.interval);
		return CTL_EXIT_USAGE;
	}
	if (o.date != NULL && (strlen(o.date) != 8 ||
	    strspn(o.date, "0123456789") != 8)) {
		ctl_err("market import: --date wants YYYYMMDD");
		return CTL_EXIT_USAGE;
	}
	if (ctl_config(c) == NULL)
		return CTL_EXIT_CONFIG;
	o.cfg = c->cfg;
	if (!o.dry_run && (d = need_db(c, &rc)) == NULL)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return CTL_EXIT_ERROR;
	if (c->json)
		out = cJSON_CreateArray();
	for (i = 0; i < nfiles; i++) {
		int	ok = import_file(d, files[i], &o, r) == 0;
		size_t	k;

		if (!ok) {
			failed++;
			ctl_err("%s: %s", files[i], r->error);
			for (k = 0; k < r->nbad && k < IMPORT_MAX_BAD; k++)
				fprintf(stderr, "  line %d: %s\n",
				    r->bad[k].line, r->bad[k].msg);
			if (r->nbad > IMPORT_MAX_BAD)
				fprintf(stderr, "  ... and %zu more bad rows\n",
				    r->nbad - IMPORT_MAX_BAD);
		} else if (!c->json)
			print_result(r, o.dry_run ? "checked" : "imported");
		if (out != NULL)
			cJSON_AddItemToArray(out, import_result_json(r));
		if (!o.dry_run) {
			args = import_result_json(r);
			cJSON_AddBoolToObject(args, "dry_run", 0);
			ctl_audit(c, "market import", args, NULL, ok,
			    ok ? NULL : r->error);
			cJSON_Delete(args);
		}
	}
	if (out != NULL) {
		ctl_print_json(nfiles == 1 ? cJSON_GetArrayItem(out, 0) : out);
		cJSON_Delete(out);
	}
	free(r);
	return failed ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

/* T: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z], or Unix seconds/ms. 0/-1. */
static int
parse_time(const char *s, int64_t *ms)
{
	struct tm	tm;
	char		*end;
	int		 y, mo, d, h = 0, mi = 0, se = 0, n;
	size_t		 len = strlen(s);

	if (len > 0 && strspn(s, "0123456789") == len)
		return import_epoch_ms(s, len, ms);
	n = sscanf(s, "%4d-%2d-%2d", &y, &mo, &d);
	if (n != 3 || len < 10)
		return -1;
	end = (char *)s + 10;
	if (*end == 'T' || *end == ' ') {
		if (sscanf(end + 1, "%2d:%2d", &h, &mi) != 2)
			return -1;
		end += 6;
		if (*end == ':') {
			if (sscanf(end + 1, "%2d", &se) != 1)
				return -1;
			end += 3;
		}
		if (*end == 'Z')
			end++;
	}
	if (*end != '\0' || y < 1970 || y > 2200 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 || h < 0 ||
	    mi < 0 || se < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int
market_fetch(struct ctl *c, int argc, char **argv)
{
	const char		*sym = NULL, *iv = "1m", *xsym = NULL;
	const char		*from = NULL, *to = NULL;
	const struct config_market *cm;
	struct cex_opts		 co;
	struct cex		*cx;
	struct db		*d;
	struct import_result	*r;
	int64_t			 start, end, ivms;
	long			 days = 0;
	int			 i, rc = CTL_EXIT_OK, ok;
	char			*e;
	struct timespec		 now;
	cJSON			*j;

	for (i = 2; i < argc; i++) {
		const char	*a = argv[i];

		if (ctl_is_help(a)) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		if (i + 1 == argc) {
			ctl_err("market fetch: %s", a[0] == '-' ?
			    "option needs a value" : "unexpected argument");
			return CTL_EXIT_USAGE;
		}
		if (strcmp(a, "-s") == 0 || strcmp(a, "--symbol") == 0)
			sym = argv[++i];
		else if (strcmp(a, "-i") == 0 || strcmp(a, "--interval") == 0)
			iv = argv[++i];
		else if (strcmp(a, "--cex-symbol") == 0)
			xsym = argv[++i];
		else if (strcmp(a, "--from") == 0)
			from = argv[++i];
		else if (strcmp(a, "--to") == 0)
			to = argv[++i];
		else if (strcmp(a, "--days") == 0 || strcmp(a, "-d") == 0) {
			errno = 0;
			days = strtol(argv[++i], &e, 10);
			if (*argv[i] == '\0' || *e != '\0' || errno != 0 ||
			    days < 1 || days > FETCH_MAX_DAYS) {
				ctl_err("market fetch: --days wants 1 to %d",
				    FETCH_MAX_DAYS);
				return CTL_EXIT_USAGE;
			}
		} else {
			ctl_err("market fetch: unknown argument '%s'", a);
			return CTL_EXIT_USAGE;
		}
	}
	if (sym == NULL) {
		ctl_err("market fetch: which market? (-s BTC/USDT)");
		return CTL_EXIT_USAGE;
	}
	if (!import_symbol_ok(sym)) {
		ctl_err("market fetch: bad symbol '%s'", sym);
		return CTL_EXIT_USAGE;
	}
	if ((ivms = candle_interval_ms(iv)) == 0) {
		ctl_err("market fetch: unknown interval '%s'", iv);
		return CTL_EXIT_USAGE;
	}
	if (days && from != NULL) {
		ctl_err("market fetch: --days or --from, not both");
		return CTL_EXIT_USAGE;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	/* By default up to the last closed candle: the one still open
	 * would be stored half-made and never updated. */
	end = (int64_t)now.tv_sec * 1000;
	end -= end % ivms + 1;
	if (to != NULL && parse_time(to, &end) == -1) {
		ctl_err("market fetch: bad --to '%s'", to);
		return CTL_EXIT_USAGE;
	}
	if (from != NULL) {
		if (parse_time(from, &start) == -1) {
			ctl_err("market fetch: bad --from '%s'", from);
			return CTL_EXIT_USAGE;
		}
	} else
		start = end - (days ? days : 1) * 86400000LL;
	if (start > end) {
		ctl_err("market fetch: --from is after --to");
		return CTL_EXIT_USAGE;
	}
	if ((end - start) / ivms > FETCH_MAX_DAYS * 1440LL) {
		ctl_err("market fetch: more than %lld candles; split the range",
		    FETCH_MAX_DAYS * 1440LL);
		return CTL_EXIT_USAGE;
	}
	if (ctl_config(c) == NULL)
		return CTL_EXIT_CONFIG;
	cm = config_market(c->cfg, sym);
	if (xsym == NULL && (cm == NULL || cm->cex_symbol == NULL)) {
		ctl_err("market fetch: %s has no cex_symbol in the config; give "
		    "--cex-symbol", sym);
		return CTL_EXIT_USAGE;
	}
	if (xsym == NULL)
		xsym = cm->cex_symbol;
	if (!cex_symbol_ok(xsym)) {
		ctl_err("market fetch: bad exchange symbol '%s'", xsym);
		return CTL_EXIT_USAGE;
	}
	if (c->cfg->market.cex_url == NULL) {
		ctl_err("market fetch: [marketd] cex_url is not set");
		return CTL_EXIT_CONFIG;
	}
	if ((d = need_db(c, &rc)) == NULL)
		return rc;
	cex_opts_init(&co);
	co.base_url = c->cfg->market.cex_url;
	co.timeout_ms = c->cfg->market.cex_timeout_ms;
	co.weight_limit = c->cfg->market.cex_weight_limit;
	if ((cx = cex_new(&co)) == NULL) {
		ctl_err("market fetch: cannot set up the REST client");
		return CTL_EXIT_ERROR;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cex_free(&cx);
		return CTL_EXIT_ERROR;
	}
	ok = import_fetch(d, cx, sym, xsym, iv, start, end, FETCH_MAX_WAIT_MS,
	    r) == 0;
	cex_free(&cx);
	j = import_result_json(r);
	cJSON_AddNumberToObject(j, "from_ms", (double)start);
	cJSON_AddNumberToObject(j, "to_ms", (double)end);
	ctl_audit(c, "market fetch", j, NULL, ok, ok ? NULL : r->error);
	if (!ok) {
		ctl_err("market fetch: %s", r->error);
		rc = CTL_EXIT_ERROR;
	} else if (c->json)
		ctl_print_json(j);
	else
		print_result(r, "fetched");
	cJSON_Delete(j);
	free(r);
	return rc;
}

static int
market_candles(struct ctl *c, int argc, char **argv)
{
	const char	*sym = NULL;
	struct db	*d;
	char		 err[512];
	cJSON		*a, *o;
	int		 i, rc = CTL_EXIT_OK;

	for (i = 2; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else if ((strcmp(argv[i], "-s") == 0 ||
		    strcmp(argv[i], "--symbol") == 0) && i + 1 < argc)
			sym = argv[++i];
		else {
			ctl_err("market candles: unexpected argument '%s'",
			    argv[i]);
			return CTL_EXIT_USAGE;
		}
	}
	if (sym != NULL && !import_symbol_ok(sym)) {
		ctl_err("market candles: bad symbol '%s'", sym);
		return CTL_EXIT_USAGE;
	}
	if ((d = need_db(c, &rc)) == NULL)
		return rc;
	if ((a = candles_ranges(d, sym, err, sizeof(err))) == NULL) {
		ctl_err("%s", err);
		return CTL_EXIT_ERROR;
	}
	if (c->json)
		ctl_print_json(a);
	else if (cJSON_GetArraySize(a) == 0)
		printf("no candles stored%s%s\n", sym ? " for " : "",
		    sym ? sym : "");
	else {
		printf("%-12s %-8s %-20s %-20s %8s %6s %8s %s\n", "SYMBOL",
		    "INTERVAL", "FROM", "TO", "COUNT", "GAPS", "MISSING",
		    "SOURCES");
		cJSON_ArrayForEach(o, a) {
			char	 srcs[64] = "";
			cJSON	*s;

			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o,
			    "sources"))
				if (cJSON_IsString(s))
					snprintf(srcs + strlen(srcs),
					    sizeof(srcs) - strlen(srcs), "%s%s",
					    srcs[0] ? "," : "", s->valuestring);
			printf("%-12s %-8s %-20s %-20s %8.0f %6.0f %8.0f %s\n",
			    str(o, "symbol"), str(o, "interval"), str(o, "from"),
			    str(o, "to"), num(o, "count"), num(o, "gaps"),
			    num(o, "missing"), srcs);
		}
	}
	cJSON_Delete(a);
	return CTL_EXIT_OK;
}

int
cmd_market(struct ctl *c, int argc, char **argv)
{
	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "price") == 0)
		return market_price(c, argc, argv);
	if (strcmp(argv[1], "status") == 0)
		return market_status(c, argc, argv);
	if (strcmp(argv[1], "import") == 0)
		return market_import(c, argc, argv);
	if (strcmp(argv[1], "fetch") == 0)
		return market_fetch(c, argc, argv);
	if (strcmp(argv[1], "candles") == 0)
		return market_candles(c, argc, argv);
	ctl_err("unknown market command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
