/*
 * marketd: price feeds: on-chain pool state and CEX reference prices.
 *
 * main.c only wires the process together: the common daemon skeleton
 * (control and event endpoints, heartbeat, signals, config reload)
 * and this daemon's context.
 */
#include <string.h>

#include "daemon.h"

struct marketd_ctx {
	struct daemon	d;
};

int
main(int argc, char **argv)
{
	static struct marketd_ctx	ctx;

	daemon_init(&ctx.d, "marketd", argc, argv);
	ctx.d.user = &ctx;
	daemon_run(&ctx.d);
	daemon_fini(&ctx.d);
	return 0;
}
