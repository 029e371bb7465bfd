/*
 * fundsd: wallets, gas drip, sweep and rebalance.
 *
 * main.c only wires the process together: the common daemon skeleton
 * (control and event endpoints, heartbeat, signals, config reload)
 * and this daemon's context.
 */
#include <string.h>

#include "daemon.h"

struct fundsd_ctx {
	struct daemon	d;
};

int
main(int argc, char **argv)
{
	static struct fundsd_ctx	ctx;

	daemon_init(&ctx.d, "fundsd", argc, argv);
	ctx.d.user = &ctx;
	daemon_use_db(&ctx.d);
	daemon_run(&ctx.d);
	daemon_fini(&ctx.d);
	return 0;
}
