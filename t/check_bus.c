/*
 * check_bus.c: the ZeroMQ bus and the JSON command protocol, over inproc://
 * with real sockets: round trips, timeouts against a silent peer, malformed
 * and oversized frames.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cmd.h"
#include "testutil.h"

static void	*zctx;

static long long
ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
cmd_echo(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	const char	*s;

	if (cmd_arg_str(args, "text", 1, &s, err) == -1)
		return -1;
	*data = cJSON_CreateString(s);
	return 0;
}

static int	incr_count;

static int
cmd_incr(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	*data = cJSON_CreateNumber(++incr_count);
	return 0;
}

static int
cmd_boom(void *ctx, const cJSON *args, cJSON **data, struct cmd_error *err)
{
	return cmd_fail(err, "conflict", "not now");
}

static const struct cmd_def test_cmds[] = {
	{ "echo", cmd_echo },
	{ "boom", cmd_boom },
	{ "incr", cmd_incr },
	{ NULL, NULL }
};

/* A server thread answering requests until it has served `n`. */
struct srv {
	struct bus_server	*s;
	struct cmd_cache	*cache;
	int			 n;
	int			 served, invalid;
};

static void *
serve(void *arg)
{
	struct srv		*sv = arg;
	const struct cmd_table	 tabs[] = { { test_cmds, NULL }, { NULL, NULL } };
	zmq_pollitem_t		 it;
	struct bus_request	 r;
	long long		 end = ms() + 10000;

	it.socket = bus_server_socket(sv->s);
	it.events = ZMQ_POLLIN;
	while (sv->served < sv->n && ms() < end) {
		if (zmq_poll(&it, 1, 100) <= 0)
			continue;
		while (bus_server_recv(sv->s, &r) == 1) {
			char	*rep;
			size_t	 len;

			if (r.valid)
				rep = cmd_dispatch(tabs, sv->cache, r.body,
				    r.len, &len);
			else {
				sv->invalid++;
				rep = cmd_error_reply("bad_request", r.why, &len);
			}
			bus_server_reply(sv->s, &r, rep, len);
			free(rep);
			sv->served++;
		}
	}
	return NULL;
}

static void
setup(void)
{
	zctx = bus_ctx_new();
	ck_assert_ptr_nonnull(zctx);
}

static void
teardown(void)
{
	bus_ctx_free(&zctx);
}

START_TEST(round_trip)
{
	struct srv		 sv = { 0 };
	struct bus_client	*c;
	struct cmd_error	 err;
	cJSON			*args, *data;
	pthread_t		 th;
	char			*rep;
	size_t			 len;

	sv.s = bus_server_new(zctx, "inproc://rt");
	ck_assert_ptr_nonnull(sv.s);
	sv.n = 6;
	pthread_create(&th, NULL, serve, &sv);
	c = bus_client_new(zctx, "inproc://rt");

	args = cJSON_CreateObject();
	cJSON_AddStringToObject(args, "text", "hello");
	ck_assert_int_eq(cmd_call(c, "echo", args, 2000, 0, &data, &err), 0);
	ck_assert_str_eq(data->valuestring, "hello");
	cJSON_Delete(data);
	cJSON_Delete(args);

	/* Handler error keeps its code and message. */
	ck_assert_int_eq(cmd_call(c, "boom", NULL, 2000, 0, &data, &err), -1);
	ck_assert_str_eq(err.code, "conflict");
	ck_assert_str_eq(err.message, "not now");

	ck_assert_int_eq(cmd_call(c, "nosuch", NULL, 2000, 0, &data, &err), -1);
	ck_assert_str_eq(err.code, "unknown_command");

	ck_assert_int_eq(cmd_call(c, "echo", NULL, 2000, 0, &data, &err), -1);
	ck_assert_str_eq(err.code, "bad_args");

	/* Garbage bodies get an error reply, not silence. */
	ck_assert_int_eq(bus_client_request(c, "}{garbage", 9, 2000, 0, &rep,
	    &len), 0);
	ck_assert_ptr_nonnull(strstr(rep, "\"code\":\"bad_request\""));
	free(rep);
	ck_assert_int_eq(bus_client_request(c, "{\"cmd\":42}", 10, 2000, 0,
	    &rep, &len), 0);
	ck_assert_ptr_nonnull(strstr(rep, "bad_request"));
	free(rep);

	pthread_join(th, NULL);
	ck_assert_int_eq(sv.served, 6);
	bus_client_free(&c);
	ck_assert_ptr_null(c);
	bus_server_free(&sv.s);
}
END_TEST

START_TEST(repeated_id_runs_once)
{
	struct srv		 sv = { 0 };
	struct bus_client	*c;
	pthread_t		 th;
	char			*rep1, *rep2, *rep3, *rep4;
	const char		*req = "{\"cmd\":\"incr\",\"id\":\"abc123\"}";
	const char		*other = "{\"cmd\":\"incr\",\"id\":\"abc124\"}";
	const char		*badid = "{\"cmd\":\"incr\",\"id\":\"a b\"}";

	incr_count = 0;
	sv.s = bus_server_new(zctx, "inproc://once");
	sv.cache = cmd_cache_new(4, 60000);
	sv.n = 4;
	pthread_create(&th, NULL, serve, &sv);
	c = bus_client_new(zctx, "inproc://once");
	/* A retried request (same id) gets the first reply, runs once. */
	ck_assert_int_eq(bus_client_request(c, req, strlen(req), 2000, 0,
	    &rep1, NULL), 0);
	ck_assert_int_eq(bus_client_request(c, req, strlen(req), 2000, 0,
	    &rep2, NULL), 0);
	ck_assert_str_eq(rep1, rep2);
	ck_assert_int_eq(incr_count, 1);
	/* A new id runs again. */
	ck_assert_int_eq(bus_client_request(c, other, strlen(other), 2000, 0,
	    &rep3, NULL), 0);
	ck_assert_int_eq(incr_count, 2);
	ck_assert_str_ne(rep1, rep3);
	ck_assert_int_eq(bus_client_request(c, badid, strlen(badid), 2000, 0,
	    &rep4, NULL), 0);
	ck_assert_ptr_nonnull(strstr(rep4, "bad_request"));
	ck_assert_int_eq(incr_count, 2);
	free(rep1);
	free(rep2);
	free(rep3);
	free(rep4);
	pthread_join(th, NULL);
	bus_client_free(&c);
	bus_server_free(&sv.s);
	cmd_cache_free(&sv.cache);
	ck_assert_ptr_null(sv.cache);
}
END_TEST

START_TEST(timeout_on_silent_peer)
{
	/* A ROUTER that reads but never answers. */
	void			*silent = zmq_socket(zctx, ZMQ_ROUTER);
	int			 linger = 0;
	struct bus_client	*c;
	char			*rep = NULL;
	long long		 t0;
	struct cmd_error	 err;

	zmq_setsockopt(silent, ZMQ_LINGER, &linger, sizeof(linger));
	ck_assert_int_eq(zmq_bind(silent, "inproc://silent"), 0);
	c = bus_client_new(zctx, "inproc://silent");
	t0 = ms();
	ck_assert_int_eq(bus_client_request(c, "{}", 2, 200, 2, &rep, NULL), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_ptr_null(rep);
	/* Three tries of 200 ms; generous upper bound, no hang. */
	ck_assert_int_lt(ms() - t0, 3000);
	/* The client is usable again after a timeout (socket rebuilt). */
	ck_assert_int_eq(cmd_call(c, "ping", NULL, 100, 0, NULL, &err), -1);
	ck_assert_str_eq(err.code, "timeout");
	bus_client_free(&c);
	zmq_close(silent);
}
END_TEST

START_TEST(timeout_on_absent_peer)
{
	struct bus_client	*c = bus_client_new(zctx, "ipc:///tmp/bsc-no-such-peer.sock");
	struct cmd_error	 err;

	ck_assert_int_eq(cmd_call(c, "ping", NULL, 150, 1, NULL, &err), -1);
	ck_assert_str_eq(err.code, "timeout");
	bus_client_free(&c);
}
END_TEST

START_TEST(malformed_envelopes)
{
	struct srv	 sv = { 0 };
	void		*raw;
	int		 linger = 0, more;
	pthread_t	 th;
	char		 buf[4096];
	char		*big;
	size_t		 bigsz = BUS_MAX_BODY + 10;

	sv.s = bus_server_new(zctx, "inproc://mal");
	sv.n = 2;
	pthread_create(&th, NULL, serve, &sv);

	/* A REQ sending a two-frame request gets an error reply. */
	raw = zmq_socket(zctx, ZMQ_REQ);
	zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof(linger));
	ck_assert_int_eq(zmq_connect(raw, "inproc://mal"), 0);
	zmq_send(raw, "{\"cmd\":", 7, ZMQ_SNDMORE);
	zmq_send(raw, "\"ping\"}", 7, 0);
	ck_assert_int_gt(zmq_recv(raw, buf, sizeof(buf) - 1, 0), 0);
	ck_assert_ptr_nonnull(strstr(buf, "exactly one frame"));
	more = 0;

	/* An oversized body is refused with an error too (inproc does not
	 * enforce ZMQ_MAXMSGSIZE, so the server's own check must). */
	big = malloc(bigsz);
	memset(big, 'x', bigsz);
	zmq_send(raw, big, bigsz, 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_gt(zmq_recv(raw, buf, sizeof(buf) - 1, 0), 0);
	ck_assert_ptr_nonnull(strstr(buf, "too large"));
	free(big);
	(void)more;

	pthread_join(th, NULL);
	ck_assert_int_eq(sv.invalid, 2);
	zmq_close(raw);
	bus_server_free(&sv.s);
}
END_TEST

START_TEST(pub_sub)
{
	struct bus_pub		*p = bus_pub_new(zctx, "inproc://ev");
	struct bus_sub		*s = bus_sub_new(zctx);
	struct bus_event	 ev;
	void			*raw;
	const char		*t, *b;
	size_t			 tl, bl;
	int			 i, got = 0, linger = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(bus_sub_connect(s, "inproc://ev", "tick."), 0);
	/* Slow joiner: publish until the subscription has arrived. */
	for (i = 0; i < 200 && !got; i++) {
		ck_assert_int_eq(bus_publish(p, "heartbeat.x", "{}", 2), 0);
		ck_assert_int_eq(bus_publish(p, "tick.BTC/USDT", "{\"p\":1}", 7), 0);
		zmq_pollitem_t it = { bus_sub_socket(s), 0, ZMQ_POLLIN, 0 };
		if (zmq_poll(&it, 1, 10) > 0 &&
		    bus_sub_recv(s, &ev, ZMQ_DONTWAIT) == 1) {
			t = bus_event_topic(&ev, &tl);
			b = bus_event_body(&ev, &bl);
			ck_assert_int_eq(tl, 13);
			ck_assert_int_eq(memcmp(t, "tick.BTC/USDT", tl), 0);
			ck_assert_int_eq(bl, 7);
			ck_assert_int_eq(memcmp(b, "{\"p\":1}", bl), 0);
			bus_event_close(&ev);
			got = 1;
		}
	}
	ck_assert_int_eq(got, 1);

	/* Publishing refuses empty and oversized topics. */
	ck_assert_int_eq(bus_publish(p, "", "{}", 2), -1);
	{
		char	topic[BUS_MAX_TOPIC + 2];

		memset(topic, 'a', sizeof(topic) - 1);
		topic[sizeof(topic) - 1] = '\0';
		ck_assert_int_eq(bus_publish(p, topic, "{}", 2), -1);
		ck_assert_int_eq(errno, EINVAL);
	}

	/* A raw PUB sending 1 and 3 frames: dropped and counted. */
	raw = zmq_socket(zctx, ZMQ_PUB);
	zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_bind(raw, "inproc://raw");
	bus_sub_connect(s, "inproc://raw", "");
	got = 0;
	for (i = 0; i < 200 && bus_sub_dropped(s) < 2; i++) {
		zmq_send(raw, "tick.one", 8, 0);
		zmq_send(raw, "tick.three", 10, ZMQ_SNDMORE);
		zmq_send(raw, "{}", 2, ZMQ_SNDMORE);
		zmq_send(raw, "{}", 2, 0);
		zmq_pollitem_t it = { bus_sub_socket(s), 0, ZMQ_POLLIN, 0 };
		while (zmq_poll(&it, 1, 10) > 0) {
			int r = bus_sub_recv(s, &ev, ZMQ_DONTWAIT);
			if (r == 1) {
				/* only valid 2-frame events from p arrive */
				t = bus_event_topic(&ev, &tl);
				ck_assert_int_eq(memcmp(t, "tick.", 5), 0);
				bus_event_close(&ev);
			}
			if (r <= 0 && bus_sub_dropped(s) >= 2)
				break;
		}
	}
	ck_assert_uint_ge(bus_sub_dropped(s), 2);
	zmq_close(raw);
	bus_sub_free(&s);
	bus_pub_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(ipc_dir_permissions)
{
	char	dir[] = "/tmp/bsc-bus-XXXXXX", ep[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(ep, sizeof(ep), "ipc://%s/x.ctl", dir);
	/* A group/world-accessible run directory is refused. */
	ck_assert_int_eq(bus_prepare_endpoint(ep), -1);
	ck_assert_ptr_null(bus_server_new(zctx, ep));
	chmod(dir, 0700);
	ck_assert_int_eq(bus_prepare_endpoint(ep), 0);
	snprintf(ep, sizeof(ep), "ipc://%s/sub/x.ctl", dir);
	ck_assert_int_eq(bus_prepare_endpoint(ep), 0);	/* created 0700 */
	{
		struct stat	st;
		char		sub[300];

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		ck_assert_int_eq(stat(sub, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0700);
		rmdir(sub);
	}
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bus");
	TCase	*tc = tcase_create("bus");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, repeated_id_runs_once);
	tcase_add_test(tc, timeout_on_silent_peer);
	tcase_add_test(tc, timeout_on_absent_peer);
	tcase_add_test(tc, malformed_envelopes);
	tcase_add_test(tc, pub_sub);
	tcase_add_test(tc, ipc_dir_permissions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
