/*
 * monitord: health of all processes, metrics, alerts, read-only API.
 *
 * main.c only wires the process together: the daemon skeleton, a
 * subscription to the other daemons' heartbeats, and the tracker
 * (heartbeat.c) behind the "processes" status field.
 */
#include <string.h>

#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "heartbeat.h"
#include "log.h"

struct monitord_ctx {
	struct daemon	 d;
	struct bus_sub	*sub;
	struct hb_table	 hb;
};

static const char *const watched[] = { "marketd", "stratd", "fundsd", NULL };

static void
on_event(struct daemon *d, void *arg)
{
	struct monitord_ctx	*m = arg;
	struct bus_event	 ev;
	const char		*topic, *body;
	size_t			 tl, bl;
	int			 budget = 256;

	while (budget-- > 0 && bus_sub_recv(m->sub, &ev, ZMQ_DONTWAIT) == 1) {
		topic = bus_event_topic(&ev, &tl);
		body = bus_event_body(&ev, &bl);
		if (hb_record(&m->hb, topic, tl, body, bl, daemon_now_ms()) == -1)
			log_debug("ignored event topic=%.*s", (int)tl, topic);
		bus_event_close(&ev);
	}
}

static void
status_hook(struct daemon *d, cJSON *o)
{
	struct monitord_ctx	*m = d->user;

	cJSON_AddItemToObject(o, "processes",
	    hb_to_json(&m->hb, daemon_now_ms()));
}

int
main(int argc, char **argv)
{
	static struct monitord_ctx	 m;
	const char *const		*w;

	daemon_init(&m.d, "monitord", argc, argv);
	m.d.user = &m;
	m.d.status_hook = status_hook;
	/* Three missed heartbeats of the slowest configured interval. */
	hb_init(&m.hb, watched, 3 * (m.d.cfg->marketd.heartbeat_ms >
	    m.d.cfg->stratd.heartbeat_ms ? m.d.cfg->marketd.heartbeat_ms :
	    m.d.cfg->stratd.heartbeat_ms) + 500);
	if ((m.sub = bus_sub_new(m.d.zctx)) == NULL)
		fatalx("cannot create subscriber");
	for (w = watched; *w != NULL; w++)
		bus_sub_connect(m.sub, config_daemon(m.d.cfg, *w)->pub,
		    "heartbeat.");
	daemon_add_io(&m.d, bus_sub_socket(m.sub), -1, on_event, &m);
	daemon_run(&m.d);
	bus_sub_free(&m.sub);
	daemon_fini(&m.d);
	return 0;
}
