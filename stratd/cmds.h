/*
 * cmds.h: stratd's control commands. The same handlers run inside stratd
 * (on its control endpoint) and inside bsc-ctl when stratd is not running
 * (cmds_run_local), so an operator can list, stop or emergency-stop
 * strategies with the daemon down; stratd reads the database when it
 * starts, so both paths end in the same state.
 *
 *   strategy.create   {name,type,symbol,mode,params:{..},wallet?} -> {id}
 *   strategy.list     {status?}                     -> [strategy...]
 *   strategy.status   {id}  -> strategy + "pnl" + "conditional_orders"
 *   strategy.pause|resume|stop {id,reason?}         -> strategy
 *   strategy.update   {id,params:{..}}  (paused only) -> strategy
 *   conditional.list  {strategy_id?,open_only?}     -> [order...]
 *   conditional.create {symbol,kind,trigger_price,amount,mode?,
 *                      strategy_id?,slippage_bps?}   -> {id}
 *   conditional.cancel {id,reason?}
 *   emergency.stop_all {reason,actor}  -> summary (see store.h)
 *   emergency.clear    {reason,actor}
 *   emergency.status   {}
 *   stratd.counts      {}   -> {"strategies":{..},"pending_orders":n,..}
 */
#ifndef STRATD_CMDS_H
#define STRATD_CMDS_H

#include <cJSON.h>

#include "cmd.h"

struct config;
struct db;
struct stratd_ctx;

/* What the handlers need; the daemon's context embeds one. */
struct stratd_core {
	struct config	*cfg;
	struct db	*db;
	const char	*actor;		/* default actor ("stratd") */
	int		 halted;	/* emergency stop acknowledged */
	/* An operator asked for the stop here: stay halted until an
	 * explicit clear, whatever the database says (a stop-all that could
	 * not be recorded, a restore of an older backup). */
	int		 halt_pinned;
	/* The trading engine's hooks (NULL in bsc-ctl): told after a
	 * strategy's record changed, and on an emergency stop before the
	 * reply goes out. */
	void		(*on_strategy)(struct stratd_core *, long long id);
	void		(*on_halt)(struct stratd_core *);
	/* A conditional order was created or cancelled (NULL in bsc-ctl). */
	void		(*on_conditional)(struct stratd_core *, long long id);
	/* The latest fresh price of a symbol (stratd: from marketd's ticks);
	 * NULL or -1: unknown. Used to lay a grid created without bounds. */
	int		(*price)(struct stratd_core *, const char *symbol,
			    double *out);
	void		*engine;
};

/* The command table, NULL-name terminated; ctx is a struct stratd_core. */
extern const struct cmd_def	stratd_cmds[];

/*
 * Run one command in-process against the database (bsc-ctl's path when
 * stratd is down). Same contract as cmd_call: 0 with *data, or -1 with err.
 */
int	cmds_run_local(struct stratd_core *, const char *cmd, const cJSON *args,
	    cJSON **data, struct cmd_error *err);

#endif
