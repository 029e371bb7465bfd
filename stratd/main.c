/*
 * stratd: grid strategies and conditional orders, paper and live.
 *
 * main.c only wires the process together: the common daemon skeleton
 * (control and event endpoints, heartbeat, signals, config reload)
 * and this daemon's context.
 */
#include <string.h>

#include "daemon.h"

struct stratd_ctx {
	struct daemon	d;
};

int
main(int argc, char **argv)
{
	static struct stratd_ctx	ctx;

	daemon_init(&ctx.d, "stratd", argc, argv);
	ctx.d.user = &ctx;
	daemon_use_db(&ctx.d);
	daemon_run(&ctx.d);
	daemon_fini(&ctx.d);
	return 0;
}
