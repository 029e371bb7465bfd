/*
 * bench_bus.c: the bus between two processes over ipc://.
 *
 *  1. pub/sub throughput for a 200-byte tick message: bus_publish /
 *     bus_sub_recv (with frame validation) beside a bare libzmq PUB/SUB
 *     loop sending the same two frames without validation.
 *  2. request/reply round trip p50/p99: bus_client_request against a
 *     bus_server answering through cmd_dispatch ("ping"), beside a bare
 *     REQ/REP loop with the same payload size and no encoding.
 *
 * Each figure is measured in a forked child (the far end) and the parent.
 * Targets (issue 2): pub/sub >= 1,000,000 msg/s, req/rep p50 < 50 us.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cmd.h"

#define PUBSUB_N	2000000
#define REQREP_N	20000
#define TICK_TOPIC	"tick.BTC/USDT"
#define BENCH_HWM	100000	/* what bus.c sets on PUB and SUB */

static char	ep_pub[128], ep_ctl[128], ep_raw_pub[128], ep_raw_rep[128];
static char	tick[200];

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --- pub/sub --- */

/* Subscriber: count messages until the "end" topic; print the rate. */
static void
sub_child(int raw, int ready_fd)
{
	void		*z = bus_ctx_new();
	long		 n = 0;
	double		 t0 = 0, t1;
	char		 c = 'r';

	if (raw) {
		void	*s = zmq_socket(z, ZMQ_SUB);
		int	 hwm = BENCH_HWM;
		char	 tb[64], bb[512];

		zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
		zmq_connect(s, ep_raw_pub);
		write(ready_fd, &c, 1);
		for (;;) {
			int	tl = zmq_recv(s, tb, sizeof(tb), 0);

			zmq_recv(s, bb, sizeof(bb), 0);
			if (tl == 3 && memcmp(tb, "end", 3) == 0)
				break;
			if (tl == 5 && memcmp(tb, "hello", 5) == 0)
				continue;
			if (n++ == 0)
				t0 = now_s();
		}
		zmq_close(s);
	} else {
		struct bus_sub		*s = bus_sub_new(z);
		struct bus_event	 ev;
		size_t			 tl;
		const char		*t;

		bus_sub_connect(s, ep_pub, "");
		write(ready_fd, &c, 1);
		for (;;) {
			if (bus_sub_recv(s, &ev, 0) != 1)
				continue;
			t = bus_event_topic(&ev, &tl);
			if (tl == 3 && memcmp(t, "end", 3) == 0) {
				bus_event_close(&ev);
				break;
			}
			if (tl == 5 && memcmp(t, "hello", 5) == 0) {
				bus_event_close(&ev);
				continue;
			}
			bus_event_close(&ev);
			if (n++ == 0)
				t0 = now_s();
		}
		bus_sub_free(&s);
	}
	t1 = now_s();
	printf("  %-34s %10.0f msg/s received  (%ld of %d; the rest "
	    "dropped at the high-water mark)\n",
	    raw ? "bare libzmq PUB/SUB" : "bus_publish/bus_sub_recv",
	    n > 1 ? (n - 1) / (t1 - t0) : 0.0, n, PUBSUB_N);
	fflush(stdout);
	bus_ctx_free(&z);
	_exit(0);
}

static void
bench_pubsub(int raw)
{
	void	*z = bus_ctx_new();
	int	 p[2], i, st;
	pid_t	 pid;
	char	 c;
	void	*rawsock = NULL;
	struct bus_pub *pub = NULL;
	int	 hwm = BENCH_HWM;

	if (raw) {
		rawsock = zmq_socket(z, ZMQ_PUB);
		zmq_setsockopt(rawsock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
		zmq_bind(rawsock, ep_raw_pub);
	} else
		pub = bus_pub_new(z, ep_pub);
	pipe(p);
	if ((pid = fork()) == 0) {
		close(p[0]);
		sub_child(raw, p[1]);
	}
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	/* Slow joiner: keep saying hello until the subscription lands. */
	for (i = 0; i < 50; i++) {
		if (raw) {
			zmq_send(rawsock, "hello", 5, ZMQ_SNDMORE);
			zmq_send(rawsock, "{}", 2, 0);
		} else
			bus_publish(pub, "hello", "{}", 2);
		usleep(10000);
	}
	for (i = 0; i < PUBSUB_N; i++) {
		if (raw) {
			/* Same high-water marks as the bus: overflow drops. */
			zmq_send(rawsock, TICK_TOPIC, sizeof(TICK_TOPIC) - 1,
			    ZMQ_SNDMORE);
			zmq_send(rawsock, tick, sizeof(tick), 0);
		} else {
			while (bus_publish(pub, TICK_TOPIC, tick,
			    sizeof(tick)) == -1 && errno == EAGAIN)
				;
		}
	}
	for (i = 0; i < 20; i++) {
		if (raw) {
			zmq_send(rawsock, "end", 3, ZMQ_SNDMORE);
			zmq_send(rawsock, "{}", 2, 0);
		} else
			bus_publish(pub, "end", "{}", 2);
		usleep(1000);
	}
	waitpid(pid, &st, 0);
	if (raw)
		zmq_close(rawsock);
	bus_pub_free(&pub);
	bus_ctx_free(&z);
}

/* --- request/reply --- */

static int
cmd_ping(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	*data = cJSON_CreateObject();
	cJSON_AddStringToObject(*data, "pong", "bench");
	return 0;
}

static const struct cmd_def cmds[] = { { "ping", cmd_ping }, { NULL, NULL } };

static void
server_child(int raw, int ready_fd)
{
	void	*z = bus_ctx_new();
	char	 c = 'r';
	int	 served = 0;

	if (raw) {
		void	*s = zmq_socket(z, ZMQ_REP);
		char	 buf[512];
		int	 n;

		zmq_bind(s, ep_raw_rep);
		write(ready_fd, &c, 1);
		while (served < REQREP_N + 100) {
			n = zmq_recv(s, buf, sizeof(buf), 0);
			if (n < 0)
				continue;
			zmq_send(s, buf, n > (int)sizeof(buf) ? sizeof(buf) :
			    (size_t)n, 0);
			served++;
		}
		zmq_close(s);
	} else {
		struct bus_server	*s = bus_server_new(z, ep_ctl);
		const struct cmd_table	 tabs[] = { { cmds, NULL },
					    { NULL, NULL } };
		zmq_pollitem_t		 it = { bus_server_socket(s), 0,
					    ZMQ_POLLIN, 0 };
		struct bus_request	 r;
		/* As a daemon runs it: replies cached by request id. */
		struct cmd_cache	*cache = cmd_cache_new(256, 300000);

		write(ready_fd, &c, 1);
		while (served < REQREP_N + 100) {
			zmq_poll(&it, 1, 1000);
			while (bus_server_recv(s, &r) == 1) {
				size_t	 len;
				char	*rep = cmd_dispatch(tabs, cache,
				    r.body, r.len, &len);

				bus_server_reply(s, &r, rep, len);
				free(rep);
				served++;
			}
		}
		bus_server_free(&s);
		cmd_cache_free(&cache);
	}
	bus_ctx_free(&z);
	_exit(0);
}

static void
bench_reqrep(int raw)
{
	void			*z = bus_ctx_new();
	struct bus_client	*cl = NULL;
	void			*req = NULL;
	int			 p[2], i, st;
	pid_t			 pid;
	char			 c, buf[512];
	static double		 lat[REQREP_N];
	const char		*msg = "{\"cmd\":\"ping\",\"args\":{}}";
	size_t			 mlen = strlen(msg);

	pipe(p);
	if ((pid = fork()) == 0) {
		close(p[0]);
		server_child(raw, p[1]);
	}
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	if (raw) {
		int	linger = 0;

		req = zmq_socket(z, ZMQ_REQ);
		zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof(linger));
		zmq_connect(req, ep_raw_rep);
	} else
		cl = bus_client_new(z, ep_ctl);
	for (i = 0; i < REQREP_N + 100; i++) {
		double	t0 = now_s();

		if (raw) {
			zmq_send(req, msg, mlen, 0);
			zmq_recv(req, buf, sizeof(buf), 0);
		} else {
			struct cmd_error	 err;
			cJSON			*data;

			if (cmd_call(cl, "ping", NULL, 2000, 0, &data,
			    &err) == 0)
				cJSON_Delete(data);
		}
		if (i >= 100)	/* warm-up excluded */
			lat[i - 100] = (now_s() - t0) * 1e6;
	}
	qsort(lat, REQREP_N, sizeof(lat[0]), cmp_double);
	printf("  %-34s p50 %7.1f us   p99 %7.1f us   (%d round trips)\n",
	    raw ? "bare libzmq REQ/REP" : "cmd_call -> bus_server+dispatch",
	    lat[REQREP_N / 2], lat[REQREP_N * 99 / 100], REQREP_N);
	waitpid(pid, &st, 0);
	if (raw)
		zmq_close(req);
	bus_client_free(&cl);
	bus_ctx_free(&z);
}

int
main(void)
{
	char	dir[] = "/tmp/bsc-bench-XXXXXX";
	int	i;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(ep_pub, sizeof(ep_pub), "ipc://%s/pub", dir);
	snprintf(ep_ctl, sizeof(ep_ctl), "ipc://%s/ctl", dir);
	snprintf(ep_raw_pub, sizeof(ep_raw_pub), "ipc://%s/rawpub", dir);
	snprintf(ep_raw_rep, sizeof(ep_raw_rep), "ipc://%s/rawrep", dir);
	/* A realistic 200-byte tick body. */
	snprintf(tick, sizeof(tick), "{\"symbol\":\"BTC/USDT\",\"block\":"
	    "41234567,\"mid\":\"67012.3456\",\"r0\":\"123456789012345678901"
	    "2\",\"r1\":\"8273645512345678901234567\",\"ts\":1700000000}");
	for (i = (int)strlen(tick); i < (int)sizeof(tick); i++)
		tick[i] = ' ';
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bus over ipc:// between two processes, 200-byte tick body\n");
	printf("pub/sub (%d messages):\n", PUBSUB_N);
	bench_pubsub(1);
	bench_pubsub(0);
	printf("request/reply:\n");
	bench_reqrep(1);
	bench_reqrep(0);
	printf("targets: pub/sub >= 1000000 msg/s, req/rep p50 < 50 us\n");
	rmdir(dir);
	return 0;
}
