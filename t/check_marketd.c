/*
 * check_marketd.c: marketd as a separate process against the local chain
 * (t/chain) and a local HTTP server with the recorded Binance replies:
 *
 *  - a swap made by another account (node t/chain/swap.js) moves the
 *    published price within one block: the tick of the swap's block has
 *    the pool's new reserves;
 *  - every published executable price equals the router's getAmountsOut
 *    for the same amount and path, to the wei, at that block;
 *  - ref.<SYMBOL> carries the recorded bookTicker; market price/status
 *    through bsc-ctl; bad command arguments get error replies;
 *  - the chain node stops (SIGSTOP of a private chain): the feed goes
 *    stale (feed.stale, a stale tick, unhealthy), marketd stays up, and
 *    it recovers by itself when the node returns (SIGCONT);
 *  - DEX candles are stored when marketd stops;
 *  - bad [marketd] config values are refused by `marketd -n`.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "abi.h"
#include "addr.h"
#include "bus.h"
#include "cmd.h"
#include "rpc.h"
#include "u256.h"
#include "httpstub.h"
#include "testutil.h"

static char	out[1 << 16];
static char	dir[256], conf[300], dburl[512], pidfile[128];

static long long
ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* KEY from ENVDIR/chain.env, in a static buffer per call slot. */
static const char *
chain_env(const char *envdir, const char *key)
{
	static char	 vals[8][256];
	static int	 slot;
	char		 path[512], *t, *p, *nl;
	char		*v = vals[slot++ % 8];
	size_t		 kl = strlen(key);

	snprintf(path, sizeof(path), "%s/chain.env", envdir);
	ck_assert_ptr_nonnull(t = tu_read_file(path, NULL));
	v[0] = '\0';
	for (p = t; p != NULL && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(v, 256, "%.*s", (int)((nl ? nl : p +
			    strlen(p)) - p - kl - 1), p + kl + 1);
			break;
		}
	}
	free(t);
	ck_assert_msg(v[0] != '\0', "%s not in %s", key, path);
	return v;
}

/* A config for the chain in envdir on a fresh, migrated database. */
static void
make_config(const char *envdir, const char *extra_marketd,
    const char *extra)
{
	char	*ci;
	FILE	*f;

	snprintf(dir, sizeof(dir), "/tmp/bsc-md-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/bsc-mm.conf", dir);
	ck_assert_ptr_nonnull(ci = tu_db_create("marketd"));
	snprintf(dburl, sizeof(dburl), "%s", ci);
	free(ci);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "[global]\nrun_dir = %s/run\nstate_dir = %s/state\n"
	    "log_file = %s/app.log\nlog_level = debug\n\n", dir, dir, dir);
	fprintf(f, "[database]\nurl = %s\n\n", dburl);
	fprintf(f, "[chain]\nrpc_urls = %s\nrouter = %s\nfactory = %s\n"
	    "wbnb = %s\n", chain_env(envdir, "CHAIN_RPC_URL"),
	    chain_env(envdir, "ROUTER"), chain_env(envdir, "FACTORY"),
	    chain_env(envdir, "WBNB"));
	fprintf(f, "block_time_ms = 1000\nrpc_timeout_ms = 1000\n\n");
	fprintf(f, "[marketd]\npoll_ms = 100\n%s\n", extra_marketd);
	fprintf(f, "[token BTCB]\naddress = %s\n[token USDT]\naddress = %s\n"
	    "[token WBNB]\naddress = %s\n\n", chain_env(envdir, "BTCB"),
	    chain_env(envdir, "USDT"), chain_env(envdir, "WBNB"));
	/* BTC/USDT from the factory (getPair), BNB/USDT by its address. */
	fprintf(f, "[market BTC/USDT]\nbase = BTCB\nquote = USDT\n"
	    "fee_bps = 30\ncex_symbol = BTCUSDT\n\n");
	fprintf(f, "[market BNB/USDT]\npair = %s\nbase = WBNB\nquote = USDT\n"
	    "fee_bps = 30\ncex_symbol = BNBUSDT\n\n",
	    chain_env(envdir, "PAIR_WBNB_USDT"));
	fprintf(f, "%s", extra);
	fclose(f);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), conf), 0);
}

static pid_t
start_marketd(void)
{
	char	log[400];
	pid_t	pid;
	FILE	*f;

	snprintf(log, sizeof(log), "%s/marketd.stderr", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (freopen(log, "a", stderr) == NULL)
			_exit(127);
		execl(tu_bin("marketd"), "marketd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* For main() to clean up after a failed test. */
	if ((f = fopen(pidfile, "a")) != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	return pid;
}

static int
stop_marketd(pid_t pid)
{
	int		 st;
	long long	 end = ms() + 15000;

	kill(pid, SIGTERM);
	while (ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
			    WTERMSIG(st);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static const char *
log_tail(void)
{
	static char	buf[8192];

	tu_run(buf, sizeof(buf), "tail -n 30 %s/marketd.stderr", dir);
	return buf;
}

/* --- events --- */

typedef int	(*ev_pred)(const char *topic, cJSON *j, void *arg);

/* The first event matching pred within timeout_ms (caller frees), or
 * NULL. Every event seen goes through `seen` first when not NULL. */
static cJSON *
wait_event(struct bus_sub *s, int timeout_ms, ev_pred pred, void *arg,
    ev_pred seen, void *seen_arg)
{
	long long	 end = ms() + timeout_ms;
	struct bus_event ev;
	zmq_pollitem_t	 pi;
	char		 topic[BUS_MAX_TOPIC + 1];
	const char	*t, *b;
	size_t		 tl, bl;
	cJSON		*j;

	while (ms() < end) {
		pi = (zmq_pollitem_t){ bus_sub_socket(s), 0, ZMQ_POLLIN, 0 };
		if (zmq_poll(&pi, 1, (long)(end - ms())) <= 0)
			continue;
		while (bus_sub_recv(s, &ev, ZMQ_DONTWAIT) == 1) {
			t = bus_event_topic(&ev, &tl);
			b = bus_event_body(&ev, &bl);
			snprintf(topic, sizeof(topic), "%.*s", (int)tl, t);
			j = cJSON_ParseWithLength(b, bl);
			bus_event_close(&ev);
			if (j == NULL)
				continue;
			if (seen != NULL)
				seen(topic, j, seen_arg);
			if (pred(topic, j, arg))
				return j;
			cJSON_Delete(j);
		}
	}
	return NULL;
}

struct tick_want {
	const char	*topic;
	double		 min_block;
	int		 stale;		/* -1 any */
};

static int
is_tick(const char *topic, cJSON *j, void *arg)
{
	struct tick_want	*w = arg;
	cJSON			*st = cJSON_GetObjectItem(j, "stale");

	return strcmp(topic, w->topic) == 0 &&
	    cJSON_GetObjectItem(j, "block")->valuedouble >= w->min_block &&
	    (w->stale < 0 || cJSON_IsTrue(st) == w->stale);
}

struct stale_want {
	const char	*symbol;
	int		 stale;
};

static int
is_stale_event(const char *topic, cJSON *j, void *arg)
{
	struct stale_want	*w = arg;

	return strcmp(topic, "feed.stale") == 0 &&
	    strcmp(cJSON_GetObjectItem(j, "feed")->valuestring, "dex") == 0 &&
	    strcmp(cJSON_GetObjectItem(j, "symbol")->valuestring,
	    w->symbol) == 0 && cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")) ==
	    w->stale;
}

static int
is_ref(const char *topic, cJSON *j, void *arg)
{
	return strcmp(topic, "ref.BTC/USDT") == 0;
}

/* Records whether a stale tick of BTC/USDT went by. */
static int
saw_stale_tick(const char *topic, cJSON *j, void *arg)
{
	if (strcmp(topic, "tick.BTC/USDT") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")))
		*(int *)arg = 1;
	return 0;
}

static struct bus_sub *
subscribe(void *z)
{
	struct bus_sub	*s;
	char		 ep[400];

	snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.pub", dir);
	ck_assert_ptr_nonnull(s = bus_sub_new(z));
	ck_assert_int_eq(bus_sub_connect(s, ep, ""), 0);
	return s;
}

static cJSON *
call(void *z, const char *cmd, const char *args_json, struct cmd_error *err)
{
	struct bus_client	*c;
	char			 ep[400];
	cJSON			*args = args_json ? cJSON_Parse(args_json) : NULL;
	cJSON			*data = NULL;
	int			 rc;

	snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.ctl", dir);
	ck_assert_ptr_nonnull(c = bus_client_new(z, ep));
	memset(err, 0, sizeof(*err));
	rc = cmd_call(c, cmd, args, 3000, 0, &data, err);
	bus_client_free(&c);
	cJSON_Delete(args);
	if (rc == -1) {
		cJSON_Delete(data);
		return NULL;
	}
	return data ? data : cJSON_CreateNull();
}

/* --- the router's own quote --- */

static struct rpc *
rpc_for(const char *url)
{
	struct rpc_opts	o;
	struct rpc	*r;

	rpc_opts_init(&o);
	o.urls[0] = url;
	o.nurls = 1;
	ck_assert_ptr_nonnull(r = rpc_new(&o));
	return r;
}

/* getAmountsOut(in, [from, to])[1] at block, via eth_call. */
static void
amounts_out(struct rpc *r, const char *router, const char *from,
    const char *to, const char *in_dec, uint64_t block, u256 *out_amt)
{
	struct abi_buf		 b;
	struct addr		 path[2], ra;
	struct rpc_callmsg	 m;
	struct rpc_error	 e;
	u256			 in, vals[4];
	uint8_t			*res;
	size_t			 len, n;
	char			 tag[RPC_TAG_MAX];

	ck_assert_int_eq(u256_from_dec(&in, in_dec), 0);
	ck_assert_int_eq(addr_parse(&path[0], from), 0);
	ck_assert_int_eq(addr_parse(&path[1], to), 0);
	ck_assert_int_eq(addr_parse(&ra, router), 0);
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(abi_call_get_amounts_out(&b, &in, path, 2), 0);
	memset(&m, 0, sizeof(m));
	m.to = ra.b;
	m.data = b.data;
	m.datalen = b.len;
	ck_assert_msg(rpc_eth_call(r, &m, rpc_block_tag(block, tag), &res,
	    &len, &e) == 0, "getAmountsOut: %s", e.message);
	abi_buf_free(&b);
	ck_assert_int_eq(abi_decode_uint256_array(res, len, vals, 4, &n), 0);
	free(res);
	ck_assert_int_eq((int)n, 2);
	ck_assert(u256_cmp(&vals[0], &in) == 0);
	*out_amt = vals[1];
}

/* Every exec entry of tick t equals the router's quote at its block. */
static int
check_exec(struct rpc *r, const char *router, cJSON *t, const char *base,
    const char *quote)
{
	cJSON		*e;
	uint64_t	 block = (uint64_t)cJSON_GetObjectItem(t,
			    "block")->valuedouble;
	int		 checked = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(t, "exec")) {
		static const char *const sides[] = { "buy", "sell" };
		int		 k;

		for (k = 0; k < 2; k++) {
			cJSON	*s = cJSON_GetObjectItem(e, sides[k]);
			u256	 want, got;
			char	 a[U256_DEC_MAX], b[U256_DEC_MAX];

			ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(s, "ok")),
			    "size %s %s: no quote",
			    cJSON_GetObjectItem(e, "size")->valuestring,
			    sides[k]);
			amounts_out(r, router, k == 0 ? quote : base,
			    k == 0 ? base : quote, cJSON_GetObjectItem(s,
			    "amount_in")->valuestring, block, &want);
			ck_assert_int_eq(u256_from_dec(&got, cJSON_GetObjectItem(s,
			    "amount_out")->valuestring), 0);
			ck_assert_msg(u256_cmp(&want, &got) == 0, "size %s %s: "
			    "router %s, published %s",
			    cJSON_GetObjectItem(e, "size")->valuestring, sides[k],
			    u256_to_dec(&want, a), u256_to_dec(&got, b));
			checked++;
		}
	}
	return checked;
}

/* --- recorded Binance replies for the reference price --- */

static cJSON	*routes, *recorded;

static int
serve(void *arg, const struct httpstub_req *req, struct httpstub_resp *resp)
{
	cJSON	*e, *a;

	/* What marketd asks: bookTicker?symbols=["A",...] for three markets
	 * or more, answered from the recorded single-symbol replies ... */
	if (strncmp(req->target, "/api/v3/ticker/bookTicker?symbols=", 34) ==
	    0) {
		a = cJSON_CreateArray();
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(
		    routes, "/api/v3/ticker/bookTicker"), "GET")) {
			const char	*q = cJSON_GetObjectItem(e,
					    "queryString")->valuestring;
			char		 want[64];

			snprintf(want, sizeof(want), "%%22%s%%22", q + 7);
			if (strncmp(q, "symbol=", 7) == 0 &&
			    strstr(req->target, want) != NULL)
				cJSON_AddItemToArray(a, cJSON_Duplicate(
				    cJSON_GetObjectItem(e, "data"), 1));
		}
		resp->body = cJSON_PrintUnformatted(a);
		resp->body_free = 1;
		cJSON_Delete(a);
		return 0;
	}
	/* ... else bookTicker?symbol=X. */
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(routes,
	    "/api/v3/ticker/bookTicker"), "GET")) {
		char	want[300];

		snprintf(want, sizeof(want), "/api/v3/ticker/bookTicker?%s",
		    cJSON_GetObjectItem(e, "queryString")->valuestring);
		if (strcmp(req->target, want) == 0) {
			resp->body = cJSON_PrintUnformatted(cJSON_GetObjectItem(e,
			    "data"));
			resp->body_free = 1;
			return 0;
		}
	}
	resp->status = 400;
	resp->body = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
	return 0;
}

static struct httpstub *
cex_stub(void)
{
	const char	*f = tu_shared("data/binance-rest/recorded-responses.json");
	struct httpstub	*hs;
	char		*t;

	if (f == NULL)
		return NULL;
	ck_assert_ptr_nonnull(t = tu_read_file(f, NULL));
	recorded = cJSON_Parse(t);
	ck_assert_ptr_nonnull(routes = cJSON_GetObjectItem(recorded,
	    "routes"));
	free(t);
	ck_assert_ptr_nonnull(hs = httpstub_new());
	httpstub_set_handler(hs, serve, NULL);
	return hs;
}

/* --- tests --- */

START_TEST(swap_moves_price)
{
	const char		*envdir = getenv("BSC_TEST_ENVDIR");
	struct httpstub		*hs;
	struct bus_sub		*sub;
	struct tick_want	 tw;
	struct cmd_error	 err;
	struct rpc		*r;
	char			 extra[512], cmd[1024], mid0[128];
	cJSON			*t, *j, *m, *sw;
	void			*z;
	pid_t			 pid;
	double			 target, b0, mid_now;
	uint64_t		 swap_block;
	int			 rc, n;

	TU_REQUIRE_ENV("BSC_TEST_RPC");
	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	TU_REQUIRE_ENV("BSC_TEST_ENVDIR");
	hs = cex_stub();
	snprintf(extra, sizeof(extra), "exec_sizes = 100, 1000, 25000.5\n"
	    "stale_blocks = 30\ncex_url = %s\ncex_poll_ms = 300\n",
	    hs ? httpstub_url(hs) : "http://127.0.0.1:9");
	make_config(envdir, extra,
	    /* A pool that is not a contract: reported, never fatal. */
	    "[market BAD/USDT]\npair = 0x0000000000000000000000000000000000000"
	    "0ff\nbase = BTCB\nquote = USDT\nfee_bps = 30\ncex_symbol = "
	    "ETHUSDT\n");
	ck_assert_ptr_nonnull(z = bus_ctx_new());
	sub = subscribe(z);
	pid = start_marketd();

	tw.topic = "tick.BTC/USDT";
	tw.min_block = 0;
	tw.stale = 0;
	t = wait_event(sub, 20000, is_tick, &tw, NULL, NULL);
	ck_assert_msg(t != NULL, "no tick: %s", log_tail());
	b0 = cJSON_GetObjectItem(t, "block")->valuedouble;
	snprintf(mid0, sizeof(mid0), "%s",
	    cJSON_GetObjectItem(t, "mid")->valuestring);
	target = cJSON_GetObjectItem(t, "mid_f")->valuedouble * 1.02;
	ck_assert_str_eq(cJSON_GetObjectItem(t, "pair")->valuestring,
	    chain_env(envdir, "PAIR_BTCB_USDT"));
	cJSON_Delete(t);

	/* Another account swaps: the price moves. */
	snprintf(cmd, sizeof(cmd), "node t/chain/swap.js %s --to-price %.6f",
	    envdir, target);
	rc = tu_run(out, sizeof(out), "%s", cmd);
	ck_assert_msg(rc == 0, "swap.js rc=%d %s", rc, out);
	ck_assert_ptr_nonnull(sw = cJSON_Parse(out));
	swap_block = (uint64_t)cJSON_GetObjectItem(sw, "block")->valuedouble;
	ck_assert((double)swap_block > b0);
	/* The first tick at or after the swap's block is that block's, and
	 * it has the pool's new reserves: the price moved within one block. */
	tw.min_block = (double)swap_block;
	t = wait_event(sub, 15000, is_tick, &tw, NULL, NULL);
	ck_assert_msg(t != NULL, "no tick for block %llu: %s",
	    (unsigned long long)swap_block, log_tail());
	ck_assert_int_eq((int)cJSON_GetObjectItem(t, "block")->valuedouble,
	    (int)swap_block);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "reserve_base")->valuestring,
	    cJSON_GetObjectItem(sw, "reserve_btcb_wei")->valuestring);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "reserve_quote")->valuestring,
	    cJSON_GetObjectItem(sw, "reserve_usdt_wei")->valuestring);
	ck_assert_str_ne(cJSON_GetObjectItem(t, "mid")->valuestring, mid0);
	ck_assert_msg(cJSON_GetObjectItem(t, "mid_f")->valuedouble > target *
	    0.999999 && cJSON_GetObjectItem(t, "mid_f")->valuedouble < target *
	    1.000001, "mid %s, want %f", cJSON_GetObjectItem(t,
	    "mid")->valuestring, target);
	ck_assert(cJSON_GetObjectItem(t, "block_time")->valuedouble > 0);
	ck_assert(cJSON_GetObjectItem(t, "t_reply_us")->valuedouble > 0);
	mid_now = cJSON_GetObjectItem(t, "mid_f")->valuedouble;

	/* Executable prices equal the router's getAmountsOut, to the wei. */
	r = rpc_for(getenv("BSC_TEST_RPC"));
	n = check_exec(r, chain_env(envdir, "ROUTER"), t,
	    chain_env(envdir, "BTCB"), chain_env(envdir, "USDT"));
	ck_assert_int_eq(n, 6);
	cJSON_Delete(t);
	tw.topic = "tick.BNB/USDT";
	tw.min_block = (double)swap_block;
	ck_assert_ptr_nonnull(t = wait_event(sub, 15000, is_tick, &tw, NULL,
	    NULL));
	ck_assert_int_eq(check_exec(r, chain_env(envdir, "ROUTER"), t,
	    chain_env(envdir, "WBNB"), chain_env(envdir, "USDT")), 6);
	cJSON_Delete(t);

	/* The reference price from the recorded bookTicker. */
	if (hs != NULL) {
		t = wait_event(sub, 10000, is_ref, NULL, NULL, NULL);
		ck_assert_msg(t != NULL, "no ref: %s", log_tail());
		ck_assert_str_eq(cJSON_GetObjectItem(t, "bid")->valuestring,
		    "6621.55000000");
		ck_assert_str_eq(cJSON_GetObjectItem(t, "ask")->valuestring,
		    "6622.10000000");
		ck_assert_str_eq(cJSON_GetObjectItem(t, "cex_symbol")->valuestring,
		    "BTCUSDT");
		ck_assert(!cJSON_IsTrue(cJSON_GetObjectItem(t, "stale")));
		/* DEX against the 2020 reference: (mid / 6621.825 - 1) in
		 * basis points. */
		ck_assert_msg(cJSON_IsNumber(cJSON_GetObjectItem(t,
		    "divergence_bps")) && fabs(cJSON_GetObjectItem(t,
		    "divergence_bps")->valuedouble - (mid_now / 6621.825 - 1) *
		    10000) < 1, "divergence %s, mid %f", cJSON_Print(
		    cJSON_GetObjectItem(t, "divergence_bps")), mid_now);
		cJSON_Delete(t);
	}

	/* bsc-ctl market price / status. */
	rc = tu_run(out, sizeof(out), "%s -c %s market price BTC/USDT --json",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	ck_assert(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "dex"),
	    "block")->valuedouble >= (double)swap_block);
	ck_assert(!cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")));
	if (hs != NULL)
		ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
		    "ref"), "bid")->valuestring, "6621.55000000");
	cJSON_Delete(j);
	rc = tu_run(out, sizeof(out), "%s -c %s market price BTC/USDT",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0 && strstr(out, "BTC/USDT  mid") != NULL &&
	    strstr(out, "buy") != NULL, "rc=%d %s", rc, out);
	rc = tu_run(out, sizeof(out), "%s -c %s market status --json",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	n = 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "markets")) {
		const char	*sym = cJSON_GetObjectItem(m,
				    "symbol")->valuestring;

		ck_assert_ptr_nonnull(cJSON_GetObjectItem(m, "last_block"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(m, "last_tick_age_ms"));
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(m, "stale"));
		ck_assert_str_eq(cJSON_GetObjectItem(m,
		    "rpc_endpoint")->valuestring, getenv("BSC_TEST_RPC"));
		if (strcmp(sym, "BAD/USDT") == 0) {
			ck_assert(!cJSON_IsTrue(cJSON_GetObjectItem(m,
			    "resolved")));
			ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(m, "stale")));
			ck_assert_msg(strstr(cJSON_GetObjectItem(m,
			    "error")->valuestring, "contract") != NULL, "%s",
			    cJSON_GetObjectItem(m, "error")->valuestring);
		} else {
			ck_assert(!cJSON_IsTrue(cJSON_GetObjectItem(m,
			    "stale")));
			ck_assert(cJSON_GetObjectItem(m,
			    "last_block")->valuedouble >= (double)swap_block);
		}
		n++;
	}
	ck_assert_int_eq(n, 3);
	cJSON_Delete(j);
	rc = tu_run(out, sizeof(out), "%s -c %s market status",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0 && strstr(out, "BNB/USDT") != NULL, "%s", out);

	/* The status command carries the same per market. */
	ck_assert_ptr_nonnull(j = call(z, "status", NULL, &err));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "markets")),
	    3);
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "feeds"), "dex"), "uptime"));
	cJSON_Delete(j);

	/* Bad command arguments: error replies, marketd unharmed. */
	ck_assert_ptr_null(call(z, "market.price", NULL, &err));
	ck_assert_str_eq(err.code, "bad_args");
	ck_assert_ptr_null(call(z, "market.price", "{\"symbol\":5}", &err));
	ck_assert_str_eq(err.code, "bad_args");
	ck_assert_ptr_null(call(z, "market.price", "{\"symbol\":\"NO/PE\"}",
	    &err));
	ck_assert_str_eq(err.code, "not_found");
	ck_assert_ptr_null(call(z, "market.status", "{\"symbol\":[]}", &err));
	ck_assert_str_eq(err.code, "bad_args");
	ck_assert_ptr_null(call(z, "market.status", "{\"symbol\":\"X/Y\"}",
	    &err));
	ck_assert_str_eq(err.code, "not_found");
	ck_assert_ptr_null(call(z, "market.nope", "{}", &err));
	ck_assert_str_eq(err.code, "unknown_command");
	{
		char	ep[400], *rep = NULL;

		snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.ctl", dir);
		ck_assert_int_eq(bus_request(z, ep, "{not json", 9, 3000, 0,
		    &rep, NULL), 0);
		ck_assert_msg(strstr(rep, "bad_request") != NULL, "%s", rep);
		free(rep);
		ck_assert_int_eq(bus_request(z, ep, "[1,2]", 5, 3000, 0, &rep,
		    NULL), 0);
		ck_assert_msg(strstr(rep, "bad_request") != NULL, "%s", rep);
		free(rep);
	}
	ck_assert_ptr_nonnull(j = call(z, "market.price",
	    "{\"symbol\":\"BNB/USDT\"}", &err));
	cJSON_Delete(j);

	/* SIGHUP: config reloaded, feeds restarted, prices go on. */
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	usleep(500000);
	snprintf(cmd, sizeof(cmd), "node t/chain/swap.js %s --to-price %.6f",
	    envdir, target / 1.02);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s", cmd), 0);
	cJSON_Delete(sw);
	ck_assert_ptr_nonnull(sw = cJSON_Parse(out));
	tw.topic = "tick.BTC/USDT";
	tw.min_block = cJSON_GetObjectItem(sw, "block")->valuedouble;
	t = wait_event(sub, 15000, is_tick, &tw, NULL, NULL);
	ck_assert_msg(t != NULL, "no tick after SIGHUP: %s", log_tail());
	ck_assert_str_eq(cJSON_GetObjectItem(t, "reserve_base")->valuestring,
	    cJSON_GetObjectItem(sw, "reserve_btcb_wei")->valuestring);
	snprintf(mid0, sizeof(mid0), "%s",
	    cJSON_GetObjectItem(t, "mid")->valuestring);
	cJSON_Delete(t);
	cJSON_Delete(sw);

	/* Stopping stores the minute's DEX candle, closing at the last
	 * price. */
	ck_assert_int_eq(stop_marketd(pid), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"SELECT "
	    "close FROM candles WHERE symbol = 'BTC/USDT' AND source = 'dex' "
	    "AND interval = '1m' ORDER BY open_time DESC LIMIT 1\"", dburl), 0);
	ck_assert_msg(strncmp(out, mid0, strlen(mid0)) == 0, "candle close %s, "
	    "last mid %s", out, mid0);
	rpc_free(&r);
	bus_sub_free(&sub);
	bus_ctx_free(&z);
	httpstub_free(&hs);
	cJSON_Delete(recorded);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

static char	chaindir[256];

START_TEST(node_stops_and_returns)
{
	struct bus_sub		*sub;
	struct tick_want	 tw;
	struct stale_want	 sw;
	struct cmd_error	 err;
	cJSON			*t, *j;
	void			*z;
	pid_t			 pid, cpid;
	int			 rc, stale_tick = 0;
	long long		 end;
	char			 cmd[512];

	TU_REQUIRE_ENV("BSC_TEST_RPC");
	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	/* A chain of our own: stopping the shared one would break the
	 * other suites. */
	mkdir(chaindir, 0700);
	rc = tu_run(out, sizeof(out), "sh t/chain/chain start %s 2>&1",
	    chaindir);
	ck_assert_msg(rc == 0, "chain start: %s", out);
	cpid = atoi(chain_env(chaindir, "CHAIN_PID"));
	ck_assert_int_gt(cpid, 0);
	make_config(chaindir, "stale_blocks = 2\ncex_url =\n", "");
	ck_assert_ptr_nonnull(z = bus_ctx_new());
	sub = subscribe(z);
	pid = start_marketd();
	tw.topic = "tick.BTC/USDT";
	tw.min_block = 0;
	tw.stale = 0;
	t = wait_event(sub, 20000, is_tick, &tw, NULL, NULL);
	ck_assert_msg(t != NULL, "no tick: %s", log_tail());
	cJSON_Delete(t);
	end = ms() + 10000;
	do {
		ck_assert_ptr_nonnull(j = call(z, "status", NULL, &err));
		rc = cJSON_IsTrue(cJSON_GetObjectItem(j, "healthy"));
		cJSON_Delete(j);
	} while (!rc && ms() < end && usleep(200000) == 0);
	ck_assert_msg(rc, "not healthy: %s", log_tail());

	/* The node stops answering. */
	ck_assert_int_eq(kill(cpid, SIGSTOP), 0);
	sw.symbol = "BTC/USDT";
	sw.stale = 1;
	t = wait_event(sub, 20000, is_stale_event, &sw, saw_stale_tick,
	    &stale_tick);
	ck_assert_msg(t != NULL, "no feed.stale: %s", log_tail());
	ck_assert_msg(strlen(cJSON_GetObjectItem(t, "reason")->valuestring) >
	    0, "no reason");
	cJSON_Delete(t);
	/* The last price went out again, flagged stale. */
	if (!stale_tick) {
		tw.stale = 1;
		t = wait_event(sub, 3000, is_tick, &tw, NULL, NULL);
		ck_assert_msg(t != NULL, "no stale tick");
		cJSON_Delete(t);
	}
	/* marketd stays up and says so. */
	ck_assert_ptr_nonnull(j = call(z, "ping", NULL, &err));
	cJSON_Delete(j);
	end = ms() + 5000;
	do {
		ck_assert_ptr_nonnull(j = call(z, "status", NULL, &err));
		rc = cJSON_IsTrue(cJSON_GetObjectItem(j, "healthy"));
		if (!rc)
			break;
		cJSON_Delete(j);
	} while (ms() < end && usleep(200000) == 0);
	ck_assert_msg(!rc, "still healthy with the node stopped");
	ck_assert_msg(strstr(cJSON_GetObjectItem(j,
	    "unhealthy_reason")->valuestring, "stale") != NULL, "%s",
	    cJSON_GetObjectItem(j, "unhealthy_reason")->valuestring);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "feeds"), "dex"), "stale")));
	cJSON_Delete(j);
	rc = tu_run(out, sizeof(out), "%s -c %s --json market price BTC/USDT",
	    tu_bin("bsc-ctl"), conf);
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")));
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "dex"), "stale")));
	cJSON_Delete(j);

	/* The node returns: the feed recovers by itself. */
	ck_assert_int_eq(kill(cpid, SIGCONT), 0);
	sw.stale = 0;
	t = wait_event(sub, 20000, is_stale_event, &sw, NULL, NULL);
	ck_assert_msg(t != NULL, "no recovery: %s", log_tail());
	cJSON_Delete(t);
	snprintf(cmd, sizeof(cmd), "node t/chain/swap.js %s --swap USDT 1000",
	    chaindir);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s", cmd), 0);
	ck_assert_ptr_nonnull(j = cJSON_Parse(out));
	tw.min_block = cJSON_GetObjectItem(j, "block")->valuedouble;
	tw.stale = 0;
	cJSON_Delete(j);
	t = wait_event(sub, 15000, is_tick, &tw, NULL, NULL);
	ck_assert_msg(t != NULL, "no fresh tick after recovery: %s",
	    log_tail());
	cJSON_Delete(t);
	end = ms() + 5000;
	do {
		ck_assert_ptr_nonnull(j = call(z, "status", NULL, &err));
		rc = cJSON_IsTrue(cJSON_GetObjectItem(j, "healthy"));
		cJSON_Delete(j);
	} while (!rc && ms() < end && usleep(200000) == 0);
	ck_assert_msg(rc, "not healthy again");
	ck_assert_int_eq(stop_marketd(pid), 0);
	bus_sub_free(&sub);
	bus_ctx_free(&z);
	tu_run(NULL, 0, "sh t/chain/chain stop %s >/dev/null 2>&1", chaindir);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

START_TEST(bad_config)
{
	static const char *const bad[][2] = {
		{ "exec_sizes = abc", "exec_sizes" },
		{ "exec_sizes = 1, 2, 3, 4, 5, 6, 7, 8, 9", "exec_sizes" },
		{ "exec_sizes = 0", "exec_sizes" },
		{ "exec_sizes = -5", "exec_sizes" },
		{ "cex_url = ftp://x", "cex_url" },
		{ "stale_blocks = 0", "stale_blocks" },
		{ "poll_ms = -1", "poll_ms" },
		{ "cex_poll_ms = 10", "cex_poll_ms" },
		{ "uptime_window_s = abc", "uptime_window_s" },
		{ "candles = maybe", "candles" },
		{ "nonsense = 1", "unknown key" },
	};
	char	path[300];
	size_t	i;
	FILE	*f;
	int	rc;

	snprintf(dir, sizeof(dir), "/tmp/bsc-mdconf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		fprintf(f, "[global]\nrun_dir = %s/run\n[marketd]\n%s\n", dir,
		    bad[i][0]);
		fclose(f);
		rc = tu_run(out, sizeof(out), "%s -n -c %s 2>&1",
		    tu_bin("marketd"), path);
		ck_assert_msg(rc == 78, "'%s': rc=%d %s", bad[i][0], rc, out);
		ck_assert_msg(strstr(out, bad[i][1]) != NULL, "'%s': %s",
		    bad[i][0], out);
	}
	/* Markets that cannot work are refused at start. */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "[global]\nrun_dir = %s/run\n[token A]\naddress = 0x00000000"
	    "0000000000000000000000000000000a\n[token B]\naddress = 0x000000000"
	    "000000000000000000000000000000b\n[market A/B]\nbase = A\nquote = "
	    "B\n", dir);
	fclose(f);
	rc = tu_run(out, sizeof(out), "%s -c %s 2>&1", tu_bin("marketd"), path);
	ck_assert_msg(rc == 78 && strstr(out, "factory") != NULL, "rc=%d %s",
	    rc, out);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "[global]\nrun_dir = %s/run\n[chain]\nrpc_urls = "
	    "http://127.0.0.1:9\n[token A]\naddress = 0x0000000000000000000000"
	    "00000000000000000a\n[token B]\naddress = 0x0000000000000000000000"
	    "00000000000000000b\n[market A/B]\nbase = A\nquote = B\npair = "
	    "0x000000000000000000000000000000000000000c\ncex_symbol = a-b\n",
	    dir);
	fclose(f);
	rc = tu_run(out, sizeof(out), "%s -c %s 2>&1", tu_bin("marketd"), path);
	ck_assert_msg(rc == 78 && strstr(out, "cex_symbol") != NULL, "rc=%d %s",
	    rc, out);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "[global]\nrun_dir = %s/run\n[token A]\naddress = 0x00000000"
	    "0000000000000000000000000000000a\n[token B]\naddress = 0x000000000"
	    "000000000000000000000000000000b\n[market A/B]\nbase = A\nquote = "
	    "B\npair = 0x000000000000000000000000000000000000000c\n", dir);
	fclose(f);
	rc = tu_run(out, sizeof(out), "%s -c %s 2>&1", tu_bin("marketd"), path);
	ck_assert_msg(rc == 78 && strstr(out, "rpc_urls") != NULL, "rc=%d %s",
	    rc, out);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("marketd");
	TCase	*tc = tcase_create("marketd");
	SRunner	*sr;
	char	*pids, *p;
	int	 nf;

	snprintf(pidfile, sizeof(pidfile), "/tmp/bsc-md-%d.pids", (int)getpid());
	snprintf(chaindir, sizeof(chaindir), "/tmp/bsc-mdchain-%d",
	    (int)getpid());
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, bad_config);
	tcase_add_test(tc, swap_moves_price);
	tcase_add_test(tc, node_stops_and_returns);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* Whatever a failed test left running. */
	if ((pids = tu_read_file(pidfile, NULL)) != NULL) {
		for (p = strtok(pids, "\n"); p != NULL; p = strtok(NULL,
		    "\n")) {
			char	path[64], *cl;
			size_t	len, i;

			/* Only a marketd of ours, never a recycled pid. */
			snprintf(path, sizeof(path), "/proc/%d/cmdline", atoi(p));
			if (atoi(p) <= 0 || (cl = tu_read_file(path, &len)) ==
			    NULL)
				continue;
			for (i = 0; i < len; i++)
				if (cl[i] == '\0')
					cl[i] = ' ';
			if (strstr(cl, "marketd -c /tmp/bsc-md-") != NULL)
				kill(atoi(p), SIGKILL);
			free(cl);
		}
		free(pids);
		unlink(pidfile);
	}
	tu_run(NULL, 0, "test -f %s/chain.pid && { kill -CONT $(cat "
	    "%s/chain.pid) 2>/dev/null; sh t/chain/chain stop %s; } "
	    ">/dev/null 2>&1; rm -rf %s", chaindir, chaindir, chaindir,
	    chaindir);
	return nf == 0 ? 0 : 1;
}
