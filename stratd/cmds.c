/*
 * cmds.c: stratd's control commands (see cmds.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "params.h"
#include "store.h"
#include "u256.h"

#define REASON_MAX	500

static int
arg_id(const cJSON *args, const char *key, int required, long long *id,
    struct cmd_error *err)
{
	*id = 0;
	return cmd_arg_int(args, key, required, 1, 9007199254740991LL, id, err);
}

/* Optional reason, bounded; *out NULL when absent. */
static int
arg_reason(const cJSON *args, const char **out, struct cmd_error *err)
{
	if (cmd_arg_str(args, "reason", 0, out, err) == -1)
		return -1;
	if (*out != NULL && strlen(*out) > REASON_MAX)
		return cmd_fail(err, "bad_args", "reason longer than %d bytes",
		    REASON_MAX);
	return 0;
}

static void
changed(struct stratd_core *c, long long id)
{
	if (c->on_strategy != NULL)
		c->on_strategy(c, id);
}

static int
check_market(struct stratd_core *c, const char *symbol, struct cmd_error *err)
{
	if (config_market(c->cfg, symbol) == NULL)
		return cmd_fail(err, "bad_args", "unknown symbol '%s' (no "
		    "[market %s] in the config)", symbol, symbol);
	return 0;
}

static int
check_mode(const char *mode, struct cmd_error *err)
{
	if (strcmp(mode, "paper") != 0 && strcmp(mode, "live") != 0)
		return cmd_fail(err, "bad_args", "mode must be paper or live, "
		    "not '%s'", mode);
	return 0;
}

static int
c_create(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	struct strat_new	 n;
	const cJSON		*params;
	cJSON			*canon;
	char			*ptext;
	long long		 id;
	int			 rc;

	memset(&n, 0, sizeof(n));
	if (cmd_arg_str(args, "name", 1, &n.name, err) == -1 ||
	    cmd_arg_str(args, "type", 1, &n.type, err) == -1 ||
	    cmd_arg_str(args, "symbol", 1, &n.symbol, err) == -1 ||
	    cmd_arg_str(args, "mode", 1, &n.mode, err) == -1 ||
	    cmd_arg_str(args, "wallet", 0, &n.wallet, err) == -1)
		return -1;
	if (n.name[0] == '\0' || strlen(n.name) > 200)
		return cmd_fail(err, "bad_args", "name must be 1..200 bytes");
	if (strcmp(n.type, "grid") != 0)
		return cmd_fail(err, "bad_args", "unknown strategy type '%s' "
		    "(known: grid)", n.type);
	if (check_mode(n.mode, err) == -1 || check_market(c, n.symbol,
	    err) == -1)
		return -1;
	params = cJSON_GetObjectItemCaseSensitive(args, "params");
	if (!cJSON_IsObject(params))
		return cmd_fail(err, "bad_args", "params must be a JSON object");
	if (c->halted || store_emergency_active(c->db) == 1)
		return cmd_fail(err, "conflict", "emergency stop in force: no "
		    "new strategies until it is cleared");
	if ((canon = params_prepare(c, n.symbol, params, err)) == NULL)
		return -1;
	ptext = cJSON_PrintUnformatted(canon);
	cJSON_Delete(canon);
	if (ptext == NULL)
		return cmd_fail(err, "internal", "out of memory");
	n.params = ptext;
	rc = store_strategy_create(c->db, &n, &id, err);
	free(ptext);
	if (rc == -1)
		return -1;
	log_info("strategy created id=%lld name=\"%s\" symbol=%s mode=%s", id,
	    n.name, n.symbol, n.mode);
	changed(c, id);
	*data = cJSON_CreateObject();
	cJSON_AddNumberToObject(*data, "id", (double)id);
	return 0;
}

static int
c_list(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	const char		*status;
	enum strat_status	 st;

	if (cmd_arg_str(args, "status", 0, &status, err) == -1)
		return -1;
	if (status != NULL && store_status_parse(status, &st) == -1)
		return cmd_fail(err, "bad_args", "status must be active, paused "
		    "or stopped, not '%s'", status);
	return (*data = store_strategy_list(c->db, status, err)) ? 0 : -1;
}

static int
c_status(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	long long		 id;
	cJSON			*s, *pnl, *conds;

	if (arg_id(args, "id", 1, &id, err) == -1)
		return -1;
	if ((s = store_strategy_get(c->db, id, err)) == NULL)
		return -1;
	if ((pnl = store_strategy_pnl(c->db, id, err)) == NULL ||
	    (conds = store_cond_list(c->db, id, 1, err)) == NULL) {
		cJSON_Delete(pnl);
		cJSON_Delete(s);
		return -1;
	}
	cJSON_AddItemToObject(s, "pnl", pnl);
	cJSON_AddItemToObject(s, "conditional_orders", conds);
	*data = s;
	return 0;
}

static int
set_status(struct stratd_core *c, const cJSON *args, enum strat_status to,
    cJSON **data, struct cmd_error *err)
{
	long long	 id;
	const char	*reason;

	if (arg_id(args, "id", 1, &id, err) == -1 ||
	    arg_reason(args, &reason, err) == -1)
		return -1;
	if (to == STRAT_ACTIVE && (c->halted ||
	    store_emergency_active(c->db) == 1))
		return cmd_fail(err, "conflict", "emergency stop in force: "
		    "clear it before resuming strategy %lld", id);
	if (store_strategy_set_status(c->db, id, to, reason, err) == -1)
		return -1;
	log_info("strategy %s id=%lld reason=\"%s\"", to == STRAT_ACTIVE ?
	    "resumed" : to == STRAT_PAUSED ? "paused" : "stopped", id,
	    reason ? reason : "");
	changed(c, id);
	return (*data = store_strategy_get(c->db, id, err)) ? 0 : -1;
}

static int
c_pause(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	return set_status(ctx, args, STRAT_PAUSED, data, err);
}

static int
c_resume(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	return set_status(ctx, args, STRAT_ACTIVE, data, err);
}

static int
c_stop(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	return set_status(ctx, args, STRAT_STOPPED, data, err);
}

static int
c_update(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	const cJSON		*params;
	cJSON			*cur, *sym, *canon;
	char			*ptext;
	long long		 id;
	int			 rc;

	if (arg_id(args, "id", 1, &id, err) == -1)
		return -1;
	params = cJSON_GetObjectItemCaseSensitive(args, "params");
	if (!cJSON_IsObject(params))
		return cmd_fail(err, "bad_args", "params must be a JSON object");
	if ((cur = store_strategy_get(c->db, id, err)) == NULL)
		return -1;
	sym = cJSON_GetObjectItemCaseSensitive(cur, "symbol");
	canon = params_prepare(c, sym->valuestring, params, err);
	cJSON_Delete(cur);
	if (canon == NULL)
		return -1;
	ptext = cJSON_PrintUnformatted(canon);
	cJSON_Delete(canon);
	if (ptext == NULL)
		return cmd_fail(err, "internal", "out of memory");
	rc = store_strategy_update(c->db, id, ptext, err);
	free(ptext);
	if (rc == -1)
		return -1;
	log_info("strategy updated id=%lld", id);
	changed(c, id);
	return (*data = store_strategy_get(c->db, id, err)) ? 0 : -1;
}

static int
c_cond_list(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	long long		 sid;
	const cJSON		*open = cJSON_GetObjectItem(args, "open_only");

	if (arg_id(args, "strategy_id", 0, &sid, err) == -1)
		return -1;
	if (open != NULL && !cJSON_IsBool(open))
		return cmd_fail(err, "bad_args", "open_only must be a boolean");
	return (*data = store_cond_list(c->db, sid, cJSON_IsTrue(open), err)) ?
	    0 : -1;
}

/* A positive decimal price without exponent or sign. */
static int
valid_price(const char *s)
{
	int	dots = 0, digits = 0;

	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s >= '0' && *s <= '9')
			digits += *s != '0' || digits > 0 ? 1 : 0;
		else
			return 0;
	}
	return dots <= 1 && digits > 0;
}

static int
c_cond_create(void *ctx, const cJSON *args, cJSON **data,
    struct cmd_error *err)
{
	struct stratd_core		*c = ctx;
	struct cond_new			 n;
	const struct config_market	*m;
	const struct config_token	*t;
	const char			*amount;
	char				 units[U256_DEC_MAX];
	long long			 id, slip = -1;
	u256				 v;
	cJSON				*s;

	memset(&n, 0, sizeof(n));
	n.mode = "paper";
	if (cmd_arg_str(args, "symbol", 1, &n.symbol, err) == -1 ||
	    cmd_arg_str(args, "kind", 1, &n.kind, err) == -1 ||
	    cmd_arg_str(args, "trigger_price", 1, &n.trigger_price, err) == -1 ||
	    cmd_arg_str(args, "amount", 1, &amount, err) == -1 ||
	    (cJSON_GetObjectItem(args, "mode") != NULL &&
	    cmd_arg_str(args, "mode", 1, &n.mode, err) == -1) ||
	    arg_id(args, "strategy_id", 0, &n.strategy_id, err) == -1 ||
	    cmd_arg_int(args, "slippage_bps", 0, 0, 5000, &slip, err) == -1)
		return -1;
	n.slippage_bps = cJSON_GetObjectItem(args, "slippage_bps") ?
	    (int)slip : -1;
	if (strcmp(n.kind, "limit_buy") && strcmp(n.kind, "limit_sell") &&
	    strcmp(n.kind, "stop_loss") && strcmp(n.kind, "take_profit"))
		return cmd_fail(err, "bad_args", "kind must be limit_buy, "
		    "limit_sell, stop_loss or take_profit, not '%s'", n.kind);
	if (check_mode(n.mode, err) == -1 || check_market(c, n.symbol,
	    err) == -1)
		return -1;
	if (!valid_price(n.trigger_price))
		return cmd_fail(err, "bad_args", "trigger_price must be a "
		    "positive decimal such as \"95000.5\"");
	/* amount is in human units of the token spent: quote for a limit
	 * buy, base for the rest; stored exactly in base units. */
	m = config_market(c->cfg, n.symbol);
	t = config_token(c->cfg, strcmp(n.kind, "limit_buy") == 0 ? m->quote :
	    m->base);
	if (u256_parse_units(&v, amount, (unsigned)t->decimals) == -1 ||
	    u256_is_zero(&v))
		return cmd_fail(err, "bad_args", "amount '%s' is not a positive "
		    "amount of %s with at most %d decimals", amount, t->name,
		    t->decimals);
	n.amount = u256_to_dec(&v, units);
	if (n.strategy_id > 0) {
		if ((s = store_strategy_get(c->db, n.strategy_id, err)) == NULL)
			return -1;
		cJSON_Delete(s);
	}
	if (c->halted || store_emergency_active(c->db) == 1)
		return cmd_fail(err, "conflict", "emergency stop in force: no "
		    "new conditional orders until it is cleared");
	n.actor = c->actor;
	if (store_cond_create(c->db, &n, &id, err) == -1)
		return -1;
	log_info("conditional order created id=%lld symbol=%s kind=%s "
	    "trigger=%s", id, n.symbol, n.kind, n.trigger_price);
	if (c->on_conditional != NULL)
		c->on_conditional(c, id);
	*data = cJSON_CreateObject();
	cJSON_AddNumberToObject(*data, "id", (double)id);
	return 0;
}

static int
c_cond_cancel(void *ctx, const cJSON *args, cJSON **data,
    struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	long long		 id;
	const char		*reason;

	if (arg_id(args, "id", 1, &id, err) == -1 ||
	    arg_reason(args, &reason, err) == -1)
		return -1;
	if (store_cond_cancel(c->db, id, reason ? reason : "cancelled by "
	    "operator", err) == -1)
		return -1;
	log_info("conditional order cancelled id=%lld", id);
	if (c->on_conditional != NULL)
		c->on_conditional(c, id);
	*data = cJSON_CreateObject();
	cJSON_AddNumberToObject(*data, "id", (double)id);
	cJSON_AddStringToObject(*data, "status", "cancelled");
	return 0;
}

static int
need_reason_actor(const cJSON *args, const char **reason, const char **actor,
    struct cmd_error *err)
{
	if (cmd_arg_str(args, "reason", 1, reason, err) == -1 ||
	    cmd_arg_str(args, "actor", 1, actor, err) == -1)
		return -1;
	if ((*reason)[0] == '\0' || strlen(*reason) > REASON_MAX)
		return cmd_fail(err, "bad_args", "reason must be 1..%d bytes",
		    REASON_MAX);
	if ((*actor)[0] == '\0' || strlen(*actor) > 100)
		return cmd_fail(err, "bad_args", "actor must be 1..100 bytes");
	return 0;
}

static int
c_emergency(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	const char		*reason, *actor;

	if (need_reason_actor(args, &reason, &actor, err) == -1)
		return -1;
	/*
	 * Halt in memory first: from here on this process sends nothing,
	 * whatever the database answers. The reply (the acknowledgement)
	 * goes out only after the engine has dropped its unsent work.
	 */
	c->halted = 1;
	c->halt_pinned = 1;
	if (c->on_halt != NULL)
		c->on_halt(c);
	log_warnx("EMERGENCY STOP-ALL actor=%s reason=\"%s\"", actor, reason);
	return (*data = store_emergency_stop(c->db, actor, reason, err)) ?
	    0 : -1;
}

static int
c_emergency_clear(void *ctx, const cJSON *args, cJSON **data,
    struct cmd_error *err)
{
	struct stratd_core	*c = ctx;
	const char		*reason, *actor;

	if (need_reason_actor(args, &reason, &actor, err) == -1)
		return -1;
	if (store_emergency_clear(c->db, actor, reason, err) == -1)
		return -1;
	c->halted = 0;
	c->halt_pinned = 0;
	log_warnx("emergency stop cleared actor=%s reason=\"%s\"", actor,
	    reason);
	return (*data = store_emergency_get(c->db, err)) ? 0 : -1;
}

static int
c_emergency_status(void *ctx, const cJSON *args, cJSON **data,
    struct cmd_error *err)
{
	struct stratd_core	*c = ctx;

	return (*data = store_emergency_get(c->db, err)) ? 0 : -1;
}

static int
c_counts(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	struct stratd_core	*c = ctx;

	*data = cJSON_CreateObject();
	return store_counts(c->db, *data, err);
}

const struct cmd_def stratd_cmds[] = {
	{ "strategy.create", c_create },
	{ "strategy.list", c_list },
	{ "strategy.status", c_status },
	{ "strategy.pause", c_pause },
	{ "strategy.resume", c_resume },
	{ "strategy.stop", c_stop },
	{ "strategy.update", c_update },
	{ "conditional.list", c_cond_list },
	{ "conditional.create", c_cond_create },
	{ "conditional.cancel", c_cond_cancel },
	{ "emergency.stop_all", c_emergency },
	{ "emergency.clear", c_emergency_clear },
	{ "emergency.status", c_emergency_status },
	{ "stratd.counts", c_counts },
	{ NULL, NULL }
};

int
cmds_run_local(struct stratd_core *c, const char *cmd, const cJSON *args,
    cJSON **data, struct cmd_error *err)
{
	const struct cmd_def	*d;
	cJSON			*empty = NULL;
	int			 rc;

	*data = NULL;
	memset(err, 0, sizeof(*err));
	for (d = stratd_cmds; d->name != NULL; d++)
		if (strcmp(d->name, cmd) == 0)
			break;
	if (d->name == NULL)
		return cmd_fail(err, "unknown_command", "unknown command '%s'",
		    cmd);
	if (args == NULL)
		args = empty = cJSON_CreateObject();
	rc = d->fn(c, args, data, err);
	cJSON_Delete(empty);
	if (rc == -1) {
		cJSON_Delete(*data);
		*data = NULL;
		if (err->code[0] == '\0')
			cmd_fail(err, "internal", "command failed");
	}
	return rc;
}
