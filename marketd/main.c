/*
 * marketd: price feeds: on-chain pool state and CEX reference prices,
 * ticks, candles (docs/MARKETD.md).
 *
 * main.c only wires the process together: the common daemon skeleton
 * (control and event endpoints, heartbeat, signals, config reload) and
 * this daemon's context (marketd.c).
 */
#include "daemon.h"
#include "marketd.h"

int
main(int argc, char **argv)
{
	static struct daemon	d;
	static struct md	md;

	daemon_init(&d, "marketd", argc, argv);
	if (md_init(&md, &d) == -1) {
		md_fini(&md);
		daemon_fini(&d);
		return DAEMON_EXIT_CONFIG;
	}
	daemon_run(&d);
	md_fini(&md);
	daemon_fini(&d);
	return 0;
}
