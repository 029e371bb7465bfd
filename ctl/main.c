/*
 * bsc-ctl: the operator's command line for bsc-mm (also installed as
 * bsc-bot, so a runbook line works with only `npx ` removed).
 *
 * main.c only parses the global options and hands argv to the command
 * group (ctl/cmd_<group>.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "log.h"

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*help;
} groups[] = {
	{ "bot", cmd_bot, "start, stop, status and health of the daemons" },
	{ "db", cmd_db, "database migrations" },
	{ "wallet", cmd_wallet, "keystore wallets: generate, list, import" },
	{ "strategy", cmd_strategy, "grid strategies and conditional orders" },
	{ "emergency", cmd_emergency, "emergency stop-all, clear, status" },
	{ "market", cmd_market, "prices, feed status, candles: import, fetch, list" },
	{ "backtest", cmd_backtest, "grid backtests over stored candles: "
	    "quick-grid, run, list, show, sweep" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	int	i;

	fprintf(f, "usage: bsc-ctl [-c CONFIG] [--json] COMMAND [ARGS...]\n\n"
	    "commands:\n");
	for (i = 0; groups[i].name != NULL; i++)
		fprintf(f, "  %-10s %s\n", groups[i].name, groups[i].help);
	fprintf(f, "\noptions:\n"
	    "  -c, --config FILE  config (default: $BSC_CONFIG, ./bsc-mm.conf,\n"
	    "                     /etc/bsc-mm/bsc-mm.conf)\n"
	    "  --json             machine-readable output\n"
	    "  -h, --help         this help; COMMAND --help for a command's\n"
	    "\nexit codes: 0 ok, 1 error, 2 usage, 3 not running, 4 config, "
	    "5 timeout\n");
}

int
main(int argc, char **argv)
{
	struct ctl	 c;
	int		 i, j, rc;
	const char	*user;

	memset(&c, 0, sizeof(c));
	/* bsc-ctl prints its own results; library logging is for trouble. */
	log_init("bsc-ctl", LOG_LVL_WARN, 0);
	user = getenv("SUDO_USER");
	if (user == NULL)
		user = getenv("USER");
	c.actor = user ? user : "unknown";
	/* --json may appear anywhere (the runbook puts it last). */
	for (i = j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else
			argv[j++] = argv[i];
	}
	argc = j;
	argv[argc] = NULL;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) {
			if (++i == argc) {
				ctl_err("%s needs a file", argv[i - 1]);
				return CTL_EXIT_USAGE;
			}
			c.cfg_path = argv[i];
		} else if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else {
			ctl_err("unknown option '%s'", argv[i]);
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	for (j = 0; groups[j].name != NULL; j++)
		if (strcmp(groups[j].name, argv[i]) == 0)
			break;
	if (groups[j].name == NULL) {
		ctl_err("unknown command '%s' (try bsc-ctl --help)", argv[i]);
		return CTL_EXIT_USAGE;
	}
	rc = groups[j].fn(&c, argc - i, argv + i);
	db_free(&c.db);
	config_free(&c.cfg);
	bus_ctx_free(&c.zctx);
	return rc;
}
