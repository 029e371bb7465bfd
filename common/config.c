/*
 * config.c: table-driven parser for bsc-mm.conf (see config.h).
 *
 * Every key is a row in a table naming its section, type, default, range
 * and the offset of its field, so parsing, defaults, environment overrides
 * and validation all read one description. Repeatable sections ([token X],
 * [market X]) have their own tables with offsets into the element struct.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

enum key_type { KT_STR, KT_INT, KT_BOOL, KT_URLS, KT_ADDR, KT_ENUM };

struct key_def {
	const char	*section;	/* for repeatable sections: "token" */
	const char	*name;
	enum key_type	 type;
	size_t		 off;
	const char	*def;		/* default as text, NULL: none */
	long		 min, max;	/* KT_INT range */
	const char	*choices;	/* KT_ENUM: "a|b|c" */
};

#define G(f)	offsetof(struct config, f)
#define D(s, f)	offsetof(struct config, s) + offsetof(struct config_daemon, f)
#define DAEMON_KEYS(s)							\
	{ #s, "ctl", KT_STR, D(s, ctl), NULL, 0, 0, NULL },		\
	{ #s, "pub", KT_STR, D(s, pub), NULL, 0, 0, NULL },		\
	{ #s, "heartbeat_ms", KT_INT, D(s, heartbeat_ms), "1000", 50,	\
	    60000, NULL },						\
	{ #s, "log_level", KT_ENUM, D(s, log_level), NULL, 0, 0,	\
	    "debug|info|warn|error" }

static const struct key_def keys[] = {
	{ "global", "run_dir", KT_STR, G(global.run_dir), "/run/bsc-mm", 0, 0, NULL },
	{ "global", "state_dir", KT_STR, G(global.state_dir), "/var/lib/bsc-mm", 0, 0, NULL },
	{ "global", "bin_dir", KT_STR, G(global.bin_dir), BSC_PREFIX "/bin", 0, 0, NULL },
	{ "global", "log_level", KT_ENUM, G(global.log_level), "info", 0, 0,
	    "debug|info|warn|error" },
	{ "global", "log_file", KT_STR, G(global.log_file), NULL, 0, 0, NULL },
	{ "global", "log_timestamps", KT_BOOL, G(global.log_timestamps), "no", 0, 0, NULL },
	{ "global", "supervisor", KT_ENUM, G(global.supervisor), "runit", 0, 0,
	    "runit|systemd" },
	{ "global", "request_timeout_ms", KT_INT, G(global.request_timeout_ms),
	    "3000", 10, 600000, NULL },
	{ "global", "request_retries", KT_INT, G(global.request_retries), "1",
	    0, 10, NULL },

	{ "database", "url", KT_STR, G(database.url), "dbname=bsc_bot", 0, 0, NULL },
	{ "database", "connect_timeout_s", KT_INT, G(database.connect_timeout_s),
	    "5", 1, 300, NULL },
	{ "database", "statement_timeout_ms", KT_INT,
	    G(database.statement_timeout_ms), "10000", 0, 3600000, NULL },

	{ "chain", "chain_id", KT_INT, G(chain.chain_id), "56", 1, INT_MAX, NULL },
	{ "chain", "rpc_urls", KT_URLS, G(chain.rpc_urls), NULL, 0, 0, NULL },
	{ "chain", "rpc_send_url", KT_STR, G(chain.rpc_send_url), NULL, 0, 0, NULL },
	{ "chain", "rpc_timeout_ms", KT_INT, G(chain.rpc_timeout_ms), "5000",
	    100, 120000, NULL },
	{ "chain", "block_time_ms", KT_INT, G(chain.block_time_ms), "3000", 100,
	    600000, NULL },
	{ "chain", "router", KT_ADDR, G(chain.router), NULL, 0, 0, NULL },
	{ "chain", "factory", KT_ADDR, G(chain.factory), NULL, 0, 0, NULL },
	{ "chain", "wbnb", KT_ADDR, G(chain.wbnb), NULL, 0, 0, NULL },
	{ "chain", "gas_margin_pct", KT_INT, G(chain.gas_margin_pct), "25", 0,
	    500, NULL },
	{ "chain", "replace_after_blocks", KT_INT,
	    G(chain.replace_after_blocks), "5", 1, 10000, NULL },
	{ "chain", "slippage_bps", KT_INT, G(chain.slippage_bps), "50", 0,
	    5000, NULL },
	{ "chain", "deadline_s", KT_INT, G(chain.deadline_s), "120", 5, 86400,
	    NULL },

	{ "wallets", "keystore_dir", KT_STR, G(wallets.keystore_dir),
	    "/var/lib/bsc-mm/keystore", 0, 0, NULL },
	{ "wallets", "password_file", KT_STR, G(wallets.password_file), NULL,
	    0, 0, NULL },
	{ "wallets", "treasury", KT_STR, G(wallets.treasury), NULL, 0, 0, NULL },

	DAEMON_KEYS(marketd),
	{ "marketd", "poll_ms", KT_INT, G(market.poll_ms), "0", 0, 60000, NULL },
	{ "marketd", "stale_blocks", KT_INT, G(market.stale_blocks), "10", 1,
	    10000, NULL },
	{ "marketd", "max_block_age_s", KT_INT, G(market.max_block_age_s), "0",
	    0, 86400, NULL },
	{ "marketd", "exec_sizes", KT_STR, G(market.exec_sizes),
	    "100, 1000, 10000", 0, 0, NULL },
	{ "marketd", "cex_url", KT_STR, G(market.cex_url),
	    "https://api.binance.com", 0, 0, NULL },
	{ "marketd", "cex_poll_ms", KT_INT, G(market.cex_poll_ms), "2000", 100,
	    600000, NULL },
	{ "marketd", "cex_timeout_ms", KT_INT, G(market.cex_timeout_ms), "5000",
	    100, 120000, NULL },
	{ "marketd", "cex_stale_ms", KT_INT, G(market.cex_stale_ms), "10000",
	    100, 3600000, NULL },
	{ "marketd", "cex_weight_limit", KT_INT, G(market.cex_weight_limit),
	    "6000", 1, 1000000, NULL },
	{ "marketd", "uptime_window_s", KT_INT, G(market.uptime_window_s),
	    "3600", 60, 604800, NULL },
	{ "marketd", "candles", KT_BOOL, G(market.candles), "yes", 0, 0, NULL },
	DAEMON_KEYS(stratd),
	{ "stratd", "wallet", KT_STR, G(strat.wallet), NULL, 0, 0, NULL },
	{ "stratd", "max_order_quote", KT_STR, G(strat.max_order_quote),
	    "10000", 0, 0, NULL },
	{ "stratd", "daily_loss_limit", KT_STR, G(strat.daily_loss_limit),
	    "1000", 0, 0, NULL },
	{ "stratd", "error_rate_limit_pct", KT_INT,
	    G(strat.error_rate_limit_pct), "10", 0, 100, NULL },
	{ "stratd", "error_rate_min_orders", KT_INT,
	    G(strat.error_rate_min_orders), "10", 1, 1000000, NULL },
	{ "stratd", "paper_gas_price_gwei", KT_STR,
	    G(strat.paper_gas_price_gwei), "3", 0, 0, NULL },
	{ "stratd", "paper_gas_per_swap", KT_INT, G(strat.paper_gas_per_swap),
	    "150000", 21000, 10000000, NULL },
	{ "stratd", "swap_gas_min", KT_INT, G(strat.swap_gas_min), "250000", 0,
	    10000000, NULL },
	{ "stratd", "tick_max_age_ms", KT_INT, G(strat.tick_max_age_ms), "0", 0,
	    3600000, NULL },
	{ "stratd", "poll_ms", KT_INT, G(strat.poll_ms), "0", 0, 60000, NULL },
	{ "stratd", "pnl_interval_ms", KT_INT, G(strat.pnl_interval_ms),
	    "10000", 100, 3600000, NULL },
	DAEMON_KEYS(fundsd),
	DAEMON_KEYS(monitord),

	{ "backtest", "pool_depth", KT_STR, G(backtest.pool_depth), "1000000",
	    0, 0, NULL },
	{ "backtest", "gas_per_swap", KT_STR, G(backtest.gas_per_swap), "0.05",
	    0, 0, NULL },
	{ "backtest", "order_size", KT_STR, G(backtest.order_size), "100", 0,
	    0, NULL },
	{ "backtest", "jobs", KT_INT, G(backtest.jobs), "0", 0, 1024, NULL },
	{ NULL, NULL, KT_STR, 0, NULL, 0, 0, NULL }
};

#define T(f)	offsetof(struct config_token, f)
static const struct key_def token_keys[] = {
	{ "token", "address", KT_ADDR, T(address), NULL, 0, 0, NULL },
	{ "token", "decimals", KT_INT, T(decimals), "18", 0, 77, NULL },
	{ NULL, NULL, KT_STR, 0, NULL, 0, 0, NULL }
};

#define M(f)	offsetof(struct config_market, f)
static const struct key_def market_keys[] = {
	{ "market", "pair", KT_ADDR, M(pair), NULL, 0, 0, NULL },
	{ "market", "base", KT_STR, M(base), NULL, 0, 0, NULL },
	{ "market", "quote", KT_STR, M(quote), NULL, 0, 0, NULL },
	{ "market", "fee_bps", KT_INT, M(fee_bps), "25", 0, 10000, NULL },
	{ "market", "cex_symbol", KT_STR, M(cex_symbol), NULL, 0, 0, NULL },
	{ NULL, NULL, KT_STR, 0, NULL, 0, 0, NULL }
};

static const char *const daemon_names[] = {
	"marketd", "stratd", "fundsd", "monitord"
};

struct parse {
	struct config	*cfg;
	const char	*name;
	char		*err;
	size_t		 errlen;
};

static int
perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Expand ${VAR} from the environment. An unset variable is an error: a
 * silently empty database URL or key path is worse than a refusal.
 */
static char *
expand(struct parse *p, int line, const char *v)
{
	size_t	 cap = strlen(v) + 1, len = 0;
	char	*out = malloc(cap), *tmp;

	if (out == NULL)
		return NULL;
	while (*v) {
		const char	*add = v;
		size_t		 addlen = 1;
		char		 var[128];

		if (v[0] == '$' && v[1] == '{') {
			const char	*end = strchr(v + 2, '}');
			size_t		 n;

			if (end == NULL || (n = (size_t)(end - v - 2)) == 0 ||
			    n >= sizeof(var)) {
				free(out);
				perr(p, line, "bad ${VAR} reference");
				return NULL;
			}
			memcpy(var, v + 2, n);
			var[n] = '\0';
			if ((add = getenv(var)) == NULL) {
				free(out);
				perr(p, line, "environment variable %s is not set",
				    var);
				return NULL;
			}
			addlen = strlen(add);
			v = end + 1;
		} else
			v++;
		if (len + addlen + 1 > cap) {
			cap = (len + addlen + 1) * 2;
			if ((tmp = realloc(out, cap)) == NULL) {
				free(out);
				return NULL;
			}
			out = tmp;
		}
		memcpy(out + len, add, addlen);
		len += addlen;
	}
	out[len] = '\0';
	return out;
}

static int
valid_addr(const char *s)
{
	size_t	i;

	if (strncmp(s, "0x", 2) != 0 || strlen(s) != 42)
		return 0;
	for (i = 2; i < 42; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
enum_ok(const char *choices, const char *v)
{
	size_t		 n = strlen(v);
	const char	*c = choices;

	while (c != NULL && *c) {
		const char	*bar = strchr(c, '|');
		size_t		 len = bar ? (size_t)(bar - c) : strlen(c);

		if (len == n && strncmp(c, v, n) == 0)
			return 1;
		c = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Store text value v (already expanded) into field of base per k. */
static int
set_value(struct parse *p, int line, const char *secname, void *base,
    const struct key_def *k, const char *v)
{
	char	*field = (char *)base + k->off;
	char	*end, *copy, *tok, *save;
	long	 l;

	switch (k->type) {
	case KT_INT:
		errno = 0;
		l = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0)
			return perr(p, line, "%s in [%s]: '%s' is not an integer",
			    k->name, secname, v);
		if (l < k->min || l > k->max)
			return perr(p, line, "%s in [%s]: %ld is out of range "
			    "%ld..%ld", k->name, secname, l, k->min, k->max);
		*(int *)(void *)field = (int)l;
		return 0;
	case KT_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			*(int *)(void *)field = 1;
		else if (!strcmp(v, "no") || !strcmp(v, "false") ||
		    !strcmp(v, "0"))
			*(int *)(void *)field = 0;
		else
			return perr(p, line, "%s in [%s]: '%s' is not yes/no",
			    k->name, secname, v);
		return 0;
	case KT_ENUM:
		if (!enum_ok(k->choices, v))
			return perr(p, line, "%s in [%s]: '%s' is not one of %s",
			    k->name, secname, v, k->choices);
		break;
	case KT_ADDR:
		if (*v != '\0' && !valid_addr(v))
			return perr(p, line, "%s in [%s]: '%s' is not a 0x-prefixed "
			    "20-byte address", k->name, secname, v);
		break;
	case KT_URLS: {
		struct config	*c = p->cfg;
		int		 i;

		for (i = 0; i < c->chain.nrpc_urls; i++)
			free(c->chain.rpc_urls[i]);
		c->chain.nrpc_urls = 0;
		if ((copy = strdup(v)) == NULL)
			return perr(p, line, "out of memory");
		for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			if (c->chain.nrpc_urls == CONFIG_MAX_URLS) {
				free(copy);
				return perr(p, line, "rpc_urls: more than %d URLs",
				    CONFIG_MAX_URLS);
			}
			if (strncmp(tok, "http://", 7) != 0 &&
			    strncmp(tok, "https://", 8) != 0) {
				/* The message quotes tok: format, then free. */
				perr(p, line, "rpc_urls: '%s' is not an http(s) "
				    "URL", tok);
				free(copy);
				return -1;
			}
			c->chain.rpc_urls[c->chain.nrpc_urls++] = strdup(tok);
		}
		free(copy);
		return 0;
	}
	case KT_STR:
		break;
	}
	/* String-valued: KT_STR, KT_ENUM, KT_ADDR. Empty means unset. */
	free(*(char **)(void *)field);
	*(char **)(void *)field = NULL;
	if (*v != '\0' && (*(char **)(void *)field = strdup(v)) == NULL)
		return perr(p, line, "out of memory");
	return 0;
}

static int
apply_defaults(struct parse *p, const struct key_def *tab, void *base,
    const char *secname)
{
	const struct key_def	*k;

	for (k = tab; k->name != NULL; k++)
		if (k->def != NULL && set_value(p, 0, secname, base, k,
		    k->def) == -1)
			return -1;
	return 0;
}

static const struct key_def *
find_key(const struct key_def *tab, const char *section, const char *name)
{
	const struct key_def	*k;

	for (k = tab; k->name != NULL; k++)
		if (strcmp(k->section, section) == 0 &&
		    strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int
known_section(const char *s)
{
	const struct key_def	*k;

	for (k = keys; k->name != NULL; k++)
		if (strcmp(k->section, s) == 0)
			return 1;
	return 0;
}

/* Current section while parsing. */
struct cursec {
	char			 name[64];	/* "database", "token" */
	char			 label[96];	/* for messages: "token BTCB" */
	const struct key_def	*tab;
	void			*base;
	unsigned char		 seen[128];	/* duplicate key detection */
};

static int
open_section(struct parse *p, int line, char *hdr, struct cursec *cs)
{
	struct config	*c = p->cfg;
	char		*sp, *arg;
	int		 i;

	memset(cs, 0, sizeof(*cs));
	hdr = trim(hdr);
	if ((sp = strpbrk(hdr, " \t")) != NULL) {
		*sp = '\0';
		arg = trim(sp + 1);
		/* Allow [market "BTC/USDT"] as well as [market BTC/USDT]. */
		if (arg[0] == '"' && strlen(arg) >= 2 &&
		    arg[strlen(arg) - 1] == '"') {
			arg[strlen(arg) - 1] = '\0';
			arg++;
		}
	} else
		arg = NULL;
	snprintf(cs->name, sizeof(cs->name), "%s", hdr);
	snprintf(cs->label, sizeof(cs->label), "%s%s%s", hdr, arg ? " " : "",
	    arg ? arg : "");
	if (strcmp(hdr, "token") == 0 || strcmp(hdr, "market") == 0) {
		int	 istok = hdr[0] == 't';

		if (arg == NULL || *arg == '\0' || strlen(arg) > 32)
			return perr(p, line, "[%s] needs a name, as in [%s %s]",
			    hdr, hdr, istok ? "BTCB" : "BTC/USDT");
		if (istok ? config_token(c, arg) != NULL :
		    config_market(c, arg) != NULL)
			return perr(p, line, "[%s] appears twice", cs->label);
		if (istok) {
			struct config_token	*t;

			if (c->ntokens == CONFIG_MAX_TOKENS)
				return perr(p, line, "more than %d tokens",
				    CONFIG_MAX_TOKENS);
			t = &c->tokens[c->ntokens++];
			t->name = strdup(arg);
			cs->tab = token_keys;
			cs->base = t;
		} else {
			struct config_market	*m;

			if (c->nmarkets == CONFIG_MAX_MARKETS)
				return perr(p, line, "more than %d markets",
				    CONFIG_MAX_MARKETS);
			m = &c->markets[c->nmarkets++];
			m->symbol = strdup(arg);
			cs->tab = market_keys;
			cs->base = m;
		}
		return apply_defaults(p, cs->tab, cs->base, cs->label);
	}
	if (arg != NULL || !known_section(hdr))
		return perr(p, line, "unknown section [%s]", cs->label);
	cs->tab = keys;
	cs->base = c;
	(void)i;
	return 0;
}

static int
parse_text(struct parse *p, const char *text)
{
	struct cursec		 cs;
	const struct key_def	*k;
	char			*buf, *line, *next, *eq, *key, *val, *v;
	int			 lineno = 0, rc = 0;

	memset(&cs, 0, sizeof(cs));
	if ((buf = strdup(text)) == NULL)
		return perr(p, 0, "out of memory");
	for (line = buf; line != NULL && rc == 0; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char	*close = strchr(line, ']');

			if (close == NULL || trim(close + 1)[0] != '\0') {
				rc = perr(p, lineno, "malformed section header");
				break;
			}
			*close = '\0';
			rc = open_section(p, lineno, line + 1, &cs);
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			rc = perr(p, lineno, "expected 'key = value'");
			break;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if (cs.tab == NULL) {
			rc = perr(p, lineno, "key '%s' outside any section", key);
			break;
		}
		if ((k = find_key(cs.tab, cs.name, key)) == NULL) {
			rc = perr(p, lineno, "unknown key '%s' in [%s]", key,
			    cs.label);
			break;
		}
		if (cs.seen[k - cs.tab]) {
			rc = perr(p, lineno, "key '%s' set twice in [%s]", key,
			    cs.label);
			break;
		}
		cs.seen[k - cs.tab] = 1;
		/* A value may be quoted to keep leading/trailing spaces. */
		if (val[0] == '"' && strlen(val) >= 2 &&
		    val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		if ((v = expand(p, lineno, val)) == NULL) {
			rc = -1;
			break;
		}
		rc = set_value(p, lineno, cs.label, cs.base, k, v);
		free(v);
	}
	free(buf);
	return rc;
}

/* BSC_<SECTION>_<KEY> overrides, for the fixed sections. */
static int
apply_env(struct parse *p)
{
	const struct key_def	*k;
	char			 var[128], *s;
	const char		*v;

	for (k = keys; k->name != NULL; k++) {
		snprintf(var, sizeof(var), "BSC_%s_%s", k->section, k->name);
		for (s = var; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		if ((v = getenv(var)) == NULL)
			continue;
		if (set_value(p, 0, k->section, p->cfg, k, v) == -1) {
			/* Say where the bad value came from. */
			char	tmp[512];

			snprintf(tmp, sizeof(tmp), "%s", p->err);
			snprintf(p->err, p->errlen, "%s (from environment %s)",
			    tmp, var);
			return -1;
		}
	}
	return 0;
}

/*
 * [marketd] exec_sizes: unset, or 1..8 positive decimal amounts separated
 * by commas or blanks ("100, 1000.5"). Predicate: 1/0.
 */
static int
valid_sizes(const char *s)
{
	int	n = 0, digits, dot, nonzero;

	if (s == NULL)
		return 1;
	while (*s) {
		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		digits = dot = nonzero = 0;
		for (; *s && *s != ',' && *s != ' ' && *s != '\t'; s++) {
			if (*s == '.' && !dot)
				dot = 1;
			else if (isdigit((unsigned char)*s)) {
				digits++;
				nonzero |= *s != '0';
			} else
				return 0;
		}
		if (digits == 0 || !nonzero || digits > 60 || ++n > 8)
			return 0;
	}
	return n > 0;
}

/* [backtest] amounts: digits with at most one '.', no sign. 1/0. */
static int
valid_amount(const char *s)
{
	int	digits = 0, dot = 0;

	if (s == NULL)
		return 0;
	for (; *s; s++) {
		if (*s == '.' && !dot)
			dot = 1;
		else if (isdigit((unsigned char)*s))
			digits++;
		else
			return 0;
	}
	return digits > 0 && digits <= 60;
}

static int
finish(struct parse *p)
{
	struct config	*c = p->cfg;
	size_t		 i;
	int		 j;
	char		 buf[1024];

	for (i = 0; i < sizeof(daemon_names) / sizeof(daemon_names[0]); i++) {
		struct config_daemon	*d = config_daemon(c, daemon_names[i]);

		if (d->ctl == NULL) {
			snprintf(buf, sizeof(buf), "ipc://%s/%s.ctl",
			    c->global.run_dir, daemon_names[i]);
			d->ctl = strdup(buf);
		}
		if (d->pub == NULL) {
			snprintf(buf, sizeof(buf), "ipc://%s/%s.pub",
			    c->global.run_dir, daemon_names[i]);
			d->pub = strdup(buf);
		}
		if (d->ctl == NULL || d->pub == NULL)
			return perr(p, 0, "out of memory");
		if (strcmp(d->ctl, d->pub) == 0)
			return perr(p, 0, "[%s] ctl and pub endpoints are the "
			    "same", daemon_names[i]);
		if (strncmp(d->ctl, "tcp://", 6) == 0 ||
		    strncmp(d->pub, "tcp://", 6) == 0) {
			/* BRIEF §1: tcp needs CURVE, which is not built yet. */
			return perr(p, 0, "[%s] tcp:// endpoints need CURVE keys, "
			    "which this version does not support; use ipc://",
			    daemon_names[i]);
		}
	}
	if (!valid_amount(c->backtest.pool_depth) ||
	    !valid_amount(c->backtest.gas_per_swap) ||
	    !valid_amount(c->backtest.order_size))
		return perr(p, 0, "[backtest] pool_depth, gas_per_swap and "
		    "order_size must be decimal amounts such as \"1000000\" "
		    "or \"0.05\"");
	if (!valid_sizes(c->market.exec_sizes))
		return perr(p, 0, "[marketd] exec_sizes: '%s' is not 1 to 8 "
		    "positive decimal amounts, as in \"100, 1000\"",
		    c->market.exec_sizes);
	if (c->market.cex_url != NULL &&
	    strncmp(c->market.cex_url, "http://", 7) != 0 &&
	    strncmp(c->market.cex_url, "https://", 8) != 0)
		return perr(p, 0, "[marketd] cex_url: '%s' is not an http(s) URL",
		    c->market.cex_url);
	for (j = 0; j < c->ntokens; j++)
		if (c->tokens[j].address == NULL)
			return perr(p, 0, "[token %s] has no address",
			    c->tokens[j].name);
	for (j = 0; j < c->nmarkets; j++) {
		struct config_market	*m = &c->markets[j];

		if (m->base == NULL || m->quote == NULL)
			return perr(p, 0, "[market %s] needs base and quote",
			    m->symbol);
		if (config_token(c, m->base) == NULL)
			return perr(p, 0, "[market %s] base '%s' has no "
			    "[token %s] section", m->symbol, m->base, m->base);
		if (config_token(c, m->quote) == NULL)
			return perr(p, 0, "[market %s] quote '%s' has no "
			    "[token %s] section", m->symbol, m->quote, m->quote);
	}
	return 0;
}

struct config *
config_parse(const char *text, const char *name, char *err, size_t errlen)
{
	struct parse	 p;
	struct config	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	p.cfg = c;
	p.name = name;
	p.err = err;
	p.errlen = errlen;
	c->path = strdup(name);
	if (apply_defaults(&p, keys, c, "defaults") == -1 ||
	    parse_text(&p, text) == -1 || apply_env(&p) == -1 ||
	    finish(&p) == -1) {
		config_free(&c);
		return NULL;
	}
	return c;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	struct stat	 st;
	char		*text;
	struct config	*c;
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > 4 * 1024 * 1024) {
		snprintf(err, errlen, "%s: not a regular file under 4 MiB",
		    path);
		fclose(f);
		return NULL;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n) {
		free(text);
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		return NULL;
	}
	c = config_parse(text, path, err, errlen);
	free(text);
	return c;
}

static void
free_fields(const struct key_def *tab, void *base)
{
	const struct key_def	*k;

	for (k = tab; k->name != NULL; k++) {
		if (k->type == KT_STR || k->type == KT_ENUM ||
		    k->type == KT_ADDR) {
			char	**f = (char **)(void *)((char *)base + k->off);

			free(*f);
			*f = NULL;
		}
	}
}

void
config_free(struct config **cp)
{
	struct config	*c;
	int		 i;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	free_fields(keys, c);
	for (i = 0; i < c->chain.nrpc_urls; i++)
		free(c->chain.rpc_urls[i]);
	for (i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].name);
		free_fields(token_keys, &c->tokens[i]);
	}
	for (i = 0; i < c->nmarkets; i++) {
		free(c->markets[i].symbol);
		free_fields(market_keys, &c->markets[i]);
	}
	free(c->path);
	free(c);
	*cp = NULL;
}

const char *
config_default_path(void)
{
	static char	 path[1024];
	const char	*e = getenv("BSC_CONFIG");
	struct stat	 st;

	if (e != NULL && *e != '\0')
		return e;
	if (stat("bsc-mm.conf", &st) == 0)
		return "bsc-mm.conf";
	snprintf(path, sizeof(path), "%s/etc/bsc-mm/bsc-mm.conf", BSC_PREFIX);
	if (strcmp(BSC_PREFIX, "/usr") == 0 ||
	    strcmp(BSC_PREFIX, "/usr/local") == 0)
		snprintf(path, sizeof(path), "/etc/bsc-mm/bsc-mm.conf");
	return path;
}

struct config_daemon *
config_daemon(struct config *c, const char *name)
{
	if (strcmp(name, "marketd") == 0)
		return &c->marketd;
	if (strcmp(name, "stratd") == 0)
		return &c->stratd;
	if (strcmp(name, "fundsd") == 0)
		return &c->fundsd;
	if (strcmp(name, "monitord") == 0)
		return &c->monitord;
	return NULL;
}

const struct config_token *
config_token(const struct config *c, const char *name)
{
	int	i;

	for (i = 0; i < c->ntokens; i++)
		if (strcmp(c->tokens[i].name, name) == 0)
			return &c->tokens[i];
	return NULL;
}

const struct config_market *
config_market(const struct config *c, const char *symbol)
{
	int	i;

	for (i = 0; i < c->nmarkets; i++)
		if (strcmp(c->markets[i].symbol, symbol) == 0)
			return &c->markets[i];
	return NULL;
}
