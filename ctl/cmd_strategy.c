/*
 * cmd_strategy.c: `bsc-ctl strategy ...` and `bsc-ctl emergency ...`.
 *
 * Each command goes to stratd when it runs, or runs in-process against the
 * database when it does not (ctl/route.c). Every change is written to the
 * audit log with the operator's name and reason.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl strategy create -t grid -s SYMBOL -n NAME -m paper|live "
	    "-p JSON\n"
	    "       bsc-ctl strategy list [--status active|paused|stopped] [--json]\n"
	    "       bsc-ctl strategy status ID [--json]\n"
	    "       bsc-ctl strategy pause|resume|stop ID [--reason TEXT]\n"
	    "       bsc-ctl strategy update ID -p JSON      (paused strategies only)\n"
	    "       bsc-ctl strategy conditional list [--strategy-id ID] [--open] "
	    "[--json]\n"
	    "       bsc-ctl strategy conditional create -s SYMBOL -k KIND "
	    "--trigger PRICE\n"
	    "               --amount AMOUNT [-m paper|live] [--strategy-id ID] "
	    "[--slippage-bps N]\n"
	    "               KIND: limit_buy limit_sell stop_loss take_profit; AMOUNT "
	    "in the token\n"
	    "               spent (quote for limit_buy, base otherwise)\n"
	    "       bsc-ctl strategy conditional cancel ORDER_ID [--reason TEXT]\n");
}

static void
emergency_usage(FILE *f)
{
	fprintf(f,
	    "usage: bsc-ctl emergency stop-all --reason TEXT\n"
	    "       bsc-ctl emergency clear --reason TEXT\n"
	    "       bsc-ctl emergency status [--json]\n\n"
	    "  stop-all  stop every strategy, cancel every conditional order and\n"
	    "            every order not yet sent; nothing is sent after the\n"
	    "            acknowledgement; persists across restarts until cleared\n"
	    "  clear     lift the stop (strategies stay stopped: resume them one\n"
	    "            by one)\n");
}

/* A positive integer id; -1 when s is not one. */
static long long
parse_id(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? v : -1;
}

/* Options: a table of (flag, alias, slot). Returns 0 or a usage error. */
struct opt {
	const char	*flag;
	const char	*alias;
	const char	**val;		/* NULL: boolean flag, see on */
	int		*on;
};

static int
parse_opts(int argc, char **argv, int start, struct opt *opts,
    const char **positional, int npos)
{
	int	i, np = 0;

	for (i = start; i < argc; i++) {
		struct opt	*o;

		if (argv[i][0] != '-' || argv[i][1] == '\0' ||
		    (argv[i][1] >= '0' && argv[i][1] <= '9')) {
			if (np == npos) {
				ctl_err("unexpected argument '%s'", argv[i]);
				return -1;
			}
			positional[np++] = argv[i];
			continue;
		}
		for (o = opts; o->flag != NULL; o++)
			if (strcmp(argv[i], o->flag) == 0 || (o->alias != NULL &&
			    strcmp(argv[i], o->alias) == 0))
				break;
		if (o->flag == NULL) {
			ctl_err("unknown option '%s'", argv[i]);
			return -1;
		}
		if (o->val == NULL) {
			*o->on = 1;
			continue;
		}
		if (i + 1 == argc) {
			ctl_err("option %s needs a value", argv[i]);
			return -1;
		}
		*o->val = argv[++i];
	}
	return 0;
}

static int
report(struct ctl *c, const char *what, const cJSON *args, const char *reason,
    int rc, const struct cmd_error *err, int local)
{
	ctl_audit(c, what, args, reason, rc == 0, rc == 0 ? NULL :
	    err->message);
	if (rc == -1) {
		ctl_err("%s: %s", what, err->message);
		return ctl_exit_for(err);
	}
	if (local && !c->json)
		fprintf(stderr, "bsc-ctl: note: stratd is not running; applied "
		    "directly to the database\n");
	return CTL_EXIT_OK;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

/* A number member, NAN when missing (a bad reply prints "nan", never
 * crashes). */
static double
jnum(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The reply of a create: the JSON, or the new id alone. */
static void
print_created(struct ctl *c, const cJSON *data)
{
	if (c->json)
		ctl_print_json(data);
	else
		printf("%.0f\n", jnum(data, "id"));
}

static void
print_strategy_line(const cJSON *s)
{
	printf("%-6.0f %-24.24s %-5s %-10s %-6s %-8s %s\n",
	    jnum(s, "id"), jstr(s, "name"),
	    jstr(s, "type"), jstr(s, "symbol"), jstr(s, "mode"),
	    jstr(s, "status"), jstr(s, "created_at"));
}

static void
print_status(const cJSON *s)
{
	const cJSON	*pnl = cJSON_GetObjectItem(s, "pnl");
	const cJSON	*conds = cJSON_GetObjectItem(s, "conditional_orders");
	const cJSON	*wr = cJSON_GetObjectItem(pnl, "win_rate");
	const cJSON	*er = cJSON_GetObjectItem(pnl, "error_rate");
	const cJSON	*o;
	char		*params = cJSON_PrintUnformatted(cJSON_GetObjectItem(s,
			    "params"));

	printf("strategy %.0f: %s\n", jnum(s, "id"),
	    jstr(s, "name"));
	printf("  type: %s  symbol: %s  mode: %s\n", jstr(s, "type"),
	    jstr(s, "symbol"), jstr(s, "mode"));
	printf("  status: %s%s%s%s\n", jstr(s, "status"),
	    cJSON_IsString(cJSON_GetObjectItem(s, "status_reason")) ? " (" : "",
	    cJSON_IsString(cJSON_GetObjectItem(s, "status_reason")) ?
	    jstr(s, "status_reason") : "",
	    cJSON_IsString(cJSON_GetObjectItem(s, "status_reason")) ? ")" : "");
	printf("  params: %s\n", params ? params : "{}");
	free(params);
	/* The runbook greps these: PnL, trades, win_rate. */
	printf("  PnL: %s (realized %s, unrealized %s, fees %s, gas %s)\n",
	    jstr(pnl, "pnl"), jstr(pnl, "realized"), jstr(pnl, "unrealized"),
	    jstr(pnl, "fees"), jstr(pnl, "gas"));
	printf("  trades: %.0f  round_trips: %.0f  errors: %.0f\n",
	    jnum(pnl, "trades"),
	    jnum(pnl, "round_trips"),
	    jnum(pnl, "errors"));
	if (cJSON_IsNumber(wr))
		printf("  win_rate: %.2f%%\n", wr->valuedouble * 100.0);
	else
		printf("  win_rate: -\n");
	if (cJSON_IsNumber(er))
		printf("  error_rate: %.2f%%\n", er->valuedouble * 100.0);
	printf("  open conditional orders: %d\n", cJSON_GetArraySize(conds));
	cJSON_ArrayForEach(o, conds)
		printf("    %.0f %s %s trigger %s amount %s\n",
		    jnum(o, "id"), jstr(o, "kind"),
		    jstr(o, "symbol"), jstr(o, "trigger_price"),
		    jstr(o, "amount"));
}

static int
s_create(struct ctl *c, int argc, char **argv)
{
	const char	*type = NULL, *sym = NULL, *name = NULL, *mode = NULL;
	const char	*params = NULL, *wallet = NULL;
	struct opt	 opts[] = {
		{ "-t", "--type", &type, NULL }, { "-s", "--symbol", &sym, NULL },
		{ "-n", "--name", &name, NULL }, { "-m", "--mode", &mode, NULL },
		{ "-p", "--params", &params, NULL },
		{ "--wallet", NULL, &wallet, NULL }, { NULL, NULL, NULL, NULL } };
	cJSON		*args, *p, *data;
	struct cmd_error err;
	int		 rc, local;

	if (parse_opts(argc, argv, 2, opts, NULL, 0) == -1)
		return CTL_EXIT_USAGE;
	if (!type || !sym || !name || !mode || !params) {
		ctl_err("strategy create needs -t, -s, -n, -m and -p");
		return CTL_EXIT_USAGE;
	}
	if ((p = cJSON_Parse(params)) == NULL || !cJSON_IsObject(p)) {
		cJSON_Delete(p);
		ctl_err("-p must be a JSON object, such as "
		    "'{\"grid_count\":5,\"base_order_size\":\"10\"}'");
		return CTL_EXIT_USAGE;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "type", type);
	cJSON_AddStringToObject(args, "symbol", sym);
	cJSON_AddStringToObject(args, "name", name);
	cJSON_AddStringToObject(args, "mode", mode);
	if (wallet != NULL)
		cJSON_AddStringToObject(args, "wallet", wallet);
	cJSON_AddItemToObject(args, "params", p);
	rc = ctl_stratd(c, "strategy.create", args, &data, &err, &local);
	rc = report(c, "strategy create", args, NULL, rc, &err, local);
	if (rc == CTL_EXIT_OK)
		print_created(c, data);
	cJSON_Delete(data);
	cJSON_Delete(args);
	return rc;
}

static int
s_list(struct ctl *c, int argc, char **argv)
{
	const char	*status = NULL;
	struct opt	 opts[] = { { "--status", NULL, &status, NULL },
			    { NULL, NULL, NULL, NULL } };
	cJSON		*args, *data, *s;
	struct cmd_error err;
	int		 rc, local;

	if (parse_opts(argc, argv, 2, opts, NULL, 0) == -1)
		return CTL_EXIT_USAGE;
	args = cJSON_CreateObject();
	if (status != NULL)
		cJSON_AddStringToObject(args, "status", status);
	rc = ctl_stratd(c, "strategy.list", args, &data, &err, &local);
	cJSON_Delete(args);
	if (rc == -1) {
		ctl_err("strategy list: %s", err.message);
		return ctl_exit_for(&err);
	}
	if (c->json)
		ctl_print_json(data);
	else {
		printf("%-6s %-24s %-5s %-10s %-6s %-8s %s\n", "ID", "NAME",
		    "TYPE", "SYMBOL", "MODE", "STATUS", "CREATED");
		cJSON_ArrayForEach(s, data)
			print_strategy_line(s);
	}
	cJSON_Delete(data);
	return CTL_EXIT_OK;
}

static int
s_status(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1] = { NULL };
	struct opt	 opts[] = { { NULL, NULL, NULL, NULL } };
	long long	 id;
	cJSON		*args, *data;
	struct cmd_error err;
	int		 rc, local;

	if (parse_opts(argc, argv, 2, opts, pos, 1) == -1)
		return CTL_EXIT_USAGE;
	if ((id = parse_id(pos[0])) == -1) {
		ctl_err("strategy status needs a strategy id");
		return CTL_EXIT_USAGE;
	}
	args = cJSON_CreateObject();
	cJSON_AddNumberToObject(args, "id", (double)id);
	rc = ctl_stratd(c, "strategy.status", args, &data, &err, &local);
	cJSON_Delete(args);
	if (rc == -1) {
		ctl_err("strategy status: %s", err.message);
		return ctl_exit_for(&err);
	}
	if (c->json)
		ctl_print_json(data);
	else
		print_status(data);
	cJSON_Delete(data);
	return CTL_EXIT_OK;
}

/* pause, resume, stop, update */
static int
s_change(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1] = { NULL }, *reason = NULL, *params = NULL;
	struct opt	 opts[] = { { "--reason", "-r", &reason, NULL },
			    { "-p", "--params", &params, NULL },
			    { NULL, NULL, NULL, NULL } };
	char		 cmd[32], what[48];
	long long	 id;
	cJSON		*args, *data;
	struct cmd_error err;
	int		 rc, local, update = strcmp(argv[1], "update") == 0;

	if (parse_opts(argc, argv, 2, opts, pos, 1) == -1)
		return CTL_EXIT_USAGE;
	if ((id = parse_id(pos[0])) == -1) {
		ctl_err("strategy %s needs a strategy id", argv[1]);
		return CTL_EXIT_USAGE;
	}
	if (update != (params != NULL)) {
		ctl_err(update ? "strategy update needs -p JSON" :
		    "-p is only for strategy update");
		return CTL_EXIT_USAGE;
	}
	args = cJSON_CreateObject();
	cJSON_AddNumberToObject(args, "id", (double)id);
	if (reason != NULL)
		cJSON_AddStringToObject(args, "reason", reason);
	if (update) {
		cJSON	*p = cJSON_Parse(params);

		if (!cJSON_IsObject(p)) {
			cJSON_Delete(p);
			cJSON_Delete(args);
			ctl_err("-p must be a JSON object");
			return CTL_EXIT_USAGE;
		}
		cJSON_AddItemToObject(args, "params", p);
	}
	snprintf(cmd, sizeof(cmd), "strategy.%s", argv[1]);
	snprintf(what, sizeof(what), "strategy %s", argv[1]);
	rc = ctl_stratd(c, cmd, args, &data, &err, &local);
	rc = report(c, what, args, reason, rc, &err, local);
	if (rc == CTL_EXIT_OK) {
		if (c->json)
			ctl_print_json(data);
		else
			printf("strategy %lld: %s\n", id, jstr(data, "status"));
	}
	cJSON_Delete(data);
	cJSON_Delete(args);
	return rc;
}

static int
s_conditional(struct ctl *c, int argc, char **argv)
{
	const char	*sid = NULL, *sym = NULL, *kind = NULL, *trig = NULL;
	const char	*amount = NULL, *mode = NULL, *slip = NULL;
	const char	*reason = NULL, *pos[1] = { NULL };
	int		 open_only = 0, rc, local;
	struct opt	 opts[] = {
		{ "--strategy-id", NULL, &sid, NULL },
		{ "-s", "--symbol", &sym, NULL }, { "-k", "--kind", &kind, NULL },
		{ "--trigger", "--trigger-price", &trig, NULL },
		{ "--amount", "-a", &amount, NULL }, { "-m", "--mode", &mode, NULL },
		{ "--slippage-bps", NULL, &slip, NULL },
		{ "--reason", "-r", &reason, NULL },
		{ "--open", NULL, NULL, &open_only },
		{ NULL, NULL, NULL, NULL } };
	const char	*sub = argc > 2 ? argv[2] : NULL;
	cJSON		*args, *data = NULL, *o;
	struct cmd_error err;
	long long	 id;

	if (sub == NULL || ctl_is_help(sub)) {
		usage(sub == NULL ? stderr : stdout);
		return sub == NULL ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (parse_opts(argc, argv, 3, opts, pos, 1) == -1)
		return CTL_EXIT_USAGE;
	args = cJSON_CreateObject();
	if (sid != NULL) {
		if ((id = parse_id(sid)) == -1) {
			cJSON_Delete(args);
			ctl_err("--strategy-id must be a positive integer");
			return CTL_EXIT_USAGE;
		}
		cJSON_AddNumberToObject(args, "strategy_id", (double)id);
	}
	if (strcmp(sub, "list") == 0) {
		if (open_only)
			cJSON_AddTrueToObject(args, "open_only");
		rc = ctl_stratd(c, "conditional.list", args, &data, &err,
		    &local);
		cJSON_Delete(args);
		if (rc == -1) {
			ctl_err("conditional list: %s", err.message);
			return ctl_exit_for(&err);
		}
		if (c->json)
			ctl_print_json(data);
		else {
			printf("%-6s %-8s %-10s %-12s %-14s %-26s %s\n", "ID",
			    "STRATEGY", "SYMBOL", "KIND", "TRIGGER", "AMOUNT",
			    "STATUS");
			cJSON_ArrayForEach(o, data) {
				const cJSON	*st = cJSON_GetObjectItem(o,
						    "strategy_id");
				char		 sb[24] = "-";

				if (cJSON_IsNumber(st))
					snprintf(sb, sizeof(sb), "%.0f",
					    st->valuedouble);
				printf("%-6.0f %-8s %-10s %-12s %-14s %-26s %s\n",
				    jnum(o, "id"),
				    sb, jstr(o, "symbol"), jstr(o, "kind"),
				    jstr(o, "trigger_price"), jstr(o, "amount"),
				    jstr(o, "status"));
			}
		}
		cJSON_Delete(data);
		return CTL_EXIT_OK;
	}
	if (strcmp(sub, "create") == 0) {
		if (!sym || !kind || !trig || !amount) {
			cJSON_Delete(args);
			ctl_err("conditional create needs -s, -k, --trigger and "
			    "--amount");
			return CTL_EXIT_USAGE;
		}
		cJSON_AddStringToObject(args, "symbol", sym);
		cJSON_AddStringToObject(args, "kind", kind);
		cJSON_AddStringToObject(args, "trigger_price", trig);
		cJSON_AddStringToObject(args, "amount", amount);
		if (mode != NULL)
			cJSON_AddStringToObject(args, "mode", mode);
		if (slip != NULL) {
			long long	v = parse_id(slip);

			if (strcmp(slip, "0") == 0)
				v = 0;
			if (v < 0) {
				cJSON_Delete(args);
				ctl_err("--slippage-bps must be an integer");
				return CTL_EXIT_USAGE;
			}
			cJSON_AddNumberToObject(args, "slippage_bps", (double)v);
		}
		rc = ctl_stratd(c, "conditional.create", args, &data, &err,
		    &local);
		rc = report(c, "strategy conditional create", args, NULL, rc,
		    &err, local);
		if (rc == CTL_EXIT_OK)
			print_created(c, data);
		cJSON_Delete(data);
		cJSON_Delete(args);
		return rc;
	}
	if (strcmp(sub, "cancel") == 0) {
		if ((id = parse_id(pos[0])) == -1) {
			cJSON_Delete(args);
			ctl_err("conditional cancel needs an order id");
			return CTL_EXIT_USAGE;
		}
		cJSON_AddNumberToObject(args, "id", (double)id);
		if (reason != NULL)
			cJSON_AddStringToObject(args, "reason", reason);
		rc = ctl_stratd(c, "conditional.cancel", args, &data, &err,
		    &local);
		rc = report(c, "strategy conditional cancel", args, reason, rc,
		    &err, local);
		if (rc == CTL_EXIT_OK && !c->json)
			printf("conditional order %lld: cancelled\n", id);
		else if (rc == CTL_EXIT_OK)
			ctl_print_json(data);
		cJSON_Delete(data);
		cJSON_Delete(args);
		return rc;
	}
	cJSON_Delete(args);
	ctl_err("unknown conditional command '%s'", sub);
	return CTL_EXIT_USAGE;
}

int
cmd_strategy(struct ctl *c, int argc, char **argv)
{
	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]) && strcmp(argv[1], "conditional")) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
	if (strcmp(argv[1], "create") == 0)
		return s_create(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return s_list(c, argc, argv);
	if (strcmp(argv[1], "status") == 0)
		return s_status(c, argc, argv);
	if (strcmp(argv[1], "pause") == 0 || strcmp(argv[1], "resume") == 0 ||
	    strcmp(argv[1], "stop") == 0 || strcmp(argv[1], "update") == 0)
		return s_change(c, argc, argv);
	if (strcmp(argv[1], "conditional") == 0)
		return s_conditional(c, argc, argv);
	ctl_err("unknown strategy command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}

int
cmd_emergency(struct ctl *c, int argc, char **argv)
{
	const char	*reason = NULL;
	struct opt	 opts[] = { { "--reason", "-r", &reason, NULL },
			    { NULL, NULL, NULL, NULL } };
	cJSON		*args, *data = NULL;
	struct cmd_error err;
	int		 rc, local, i;

	if (argc < 2 || ctl_is_help(argv[1])) {
		emergency_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	for (i = 2; i < argc; i++)
		if (ctl_is_help(argv[i])) {
			emergency_usage(stdout);
			return CTL_EXIT_OK;
		}
	if (parse_opts(argc, argv, 2, opts, NULL, 0) == -1)
		return CTL_EXIT_USAGE;
	if (strcmp(argv[1], "status") == 0) {
		rc = ctl_stratd(c, "emergency.status", NULL, &data, &err,
		    &local);
		if (rc == -1) {
			ctl_err("emergency status: %s", err.message);
			return ctl_exit_for(&err);
		}
		if (c->json)
			ctl_print_json(data);
		else if (cJSON_IsTrue(cJSON_GetObjectItem(data, "active")))
			printf("emergency stop ACTIVE since %s by %s: %s\n",
			    jstr(data, "at"), jstr(data, "actor"),
			    jstr(data, "reason"));
		else
			printf("no emergency stop in force\n");
		cJSON_Delete(data);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "stop-all") != 0 && strcmp(argv[1], "clear") != 0) {
		ctl_err("unknown emergency command '%s'", argv[1]);
		emergency_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (reason == NULL || reason[0] == '\0') {
		ctl_err("emergency %s needs --reason TEXT", argv[1]);
		return CTL_EXIT_USAGE;
	}
	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "reason", reason);
	cJSON_AddStringToObject(args, "actor", c->actor);
	if (strcmp(argv[1], "clear") == 0) {
		rc = ctl_stratd(c, "emergency.clear", args, &data, &err,
		    &local);
		rc = report(c, "emergency clear", args, reason, rc, &err,
		    local);
		if (rc == CTL_EXIT_OK)
			printf(c->json ? "{\"cleared\":true}\n" :
			    "emergency stop cleared; strategies stay stopped\n");
		cJSON_Delete(data);
		cJSON_Delete(args);
		return rc;
	}
	rc = ctl_stratd(c, "emergency.stop_all", args, &data, &err, &local);
	if (rc == -1 && !local) {
		/*
		 * stratd runs but did not acknowledge: record the stop in the
		 * database anyway, where the interlock refuses every new order
		 * and transaction, and tell the operator to stop the bot.
		 */
		struct cmd_error	err2;
		int			rc2;

		rc2 = ctl_stratd_local(c, "emergency.stop_all", args, &data,
		    &err2);
		ctl_err("stratd did not acknowledge (%s); the stop is %s in the "
		    "database. Run `bsc-ctl bot stop` to be sure nothing runs.",
		    err.message, rc2 == 0 ? "recorded" : "NOT recorded");
		ctl_audit(c, "emergency stop-all", args, reason, 0,
		    err.message);
		cJSON_Delete(data);
		cJSON_Delete(args);
		return ctl_exit_for(&err);
	}
	rc = report(c, "emergency stop-all", args, reason, rc, &err, local);
	if (rc == CTL_EXIT_OK) {
		if (c->json)
			ctl_print_json(data);
		else
			printf("EMERGENCY STOP in force: %.0f strategies stopped, "
			    "%.0f conditional orders and %.0f unsent orders "
			    "cancelled; %.0f orders already sent are in flight\n",
			    jnum(data, "strategies_stopped"),
			    jnum(data, "conditional_cancelled"),
			    jnum(data, "orders_cancelled"),
			    jnum(data, "in_flight"));
	}
	cJSON_Delete(data);
	cJSON_Delete(args);
	return rc;
}
