/*
 * bench_stratd.c: stratd's trading engine (stratd/engine.c), in-process,
 * on a throwaway PostgreSQL (scripts/localenv --no-chain).
 *
 *  1. Tick-to-signed-transaction latency of a live order: from the tick
 *     event entering the engine to the transaction recorded signed by the
 *     transaction manager (the moment before it is broadcast), one order
 *     per tick: the grid's decision, the orders row and grid state
 *     written, the balance check, fees, gas estimate, nonce, signing and
 *     the transactions row. The node is a stub on loopback answering at
 *     once; the time spent inside its HTTP exchanges before the
 *     signature (rpc_wire_us, measured in place) is subtracted:
 *     "excluding RPC" is the engine's own time, its database round
 *     trips included. Target (issue 5): p99 < 1 ms.
 *  2. Ticks per second one engine sustains with 1,000 active paper grid
 *     strategies on one symbol: quiet ticks (no level crossed: the common
 *     case, every grid looks at the price), then a random walk crossing
 *     levels (paper orders filled and written as they come).
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "addr.h"
#include "bus.h"
#include "config.h"
#include "db.h"
#include "hex.h"
#include "keccak.h"
#include "keystore.h"
#include "log.h"
#include "rpc.h"
#include "u256.h"
#include "../stratd/cmds.h"
#include "../stratd/engine.h"
#include "../stratd/live.h"
#include "../stratd/store.h"

#define LAT_SAMPLES	1000
#define NSTRAT		1000
#define QUIET_TICKS	20000
#define WALK_TICKS	400

static char		 dir[256];
static int		 stub_port;
static atomic_long	 stub_requests;

static long long
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* --- a JSON-RPC node on loopback that answers at once --- */

static cJSON *
stub_answer(const cJSON *req)
{
	const cJSON	*m = cJSON_GetObjectItem(req, "method");
	const cJSON	*p = cJSON_GetObjectItem(req, "params");
	cJSON		*r = cJSON_CreateObject();
	const char	*meth = cJSON_IsString(m) ? m->valuestring : "";
	char		 buf[200];

	cJSON_AddStringToObject(r, "jsonrpc", "2.0");
	cJSON_AddItemToObject(r, "id", cJSON_Duplicate(cJSON_GetObjectItem(req,
	    "id"), 1));
	if (strcmp(meth, "eth_chainId") == 0)
		cJSON_AddStringToObject(r, "result", "0x38");
	else if (strcmp(meth, "eth_blockNumber") == 0)
		cJSON_AddStringToObject(r, "result", "0x10");
	else if (strcmp(meth, "eth_gasPrice") == 0 ||
	    strcmp(meth, "eth_maxPriorityFeePerGas") == 0)
		cJSON_AddStringToObject(r, "result", "0x3b9aca00");
	else if (strcmp(meth, "eth_estimateGas") == 0)
		cJSON_AddStringToObject(r, "result", "0x30000");
	else if (strcmp(meth, "eth_getBalance") == 0)
		cJSON_AddStringToObject(r, "result", "0x56bc75e2d63100000");
	else if (strcmp(meth, "eth_getTransactionCount") == 0)
		cJSON_AddStringToObject(r, "result", "0x0");
	else if (strcmp(meth, "eth_call") == 0)	/* allowance, balanceOf */
		cJSON_AddStringToObject(r, "result", "0x000000000000000000000000"
		    "ffffffffffffffffffffffffffffffffffffffff");
	else if (strcmp(meth, "eth_getBlockByNumber") == 0) {
		cJSON	*b = cJSON_AddObjectToObject(r, "result");

		cJSON_AddStringToObject(b, "number", "0x10");
		snprintf(buf, sizeof(buf), "0x%llx", (long long)time(NULL));
		cJSON_AddStringToObject(b, "timestamp", buf);
		cJSON_AddStringToObject(b, "hash", "0x1111111111111111111111111"
		    "111111111111111111111111111111111111111");
		cJSON_AddStringToObject(b, "gasLimit", "0x1c9c380");
		cJSON_AddStringToObject(b, "gasUsed", "0x0");
		cJSON_AddStringToObject(b, "baseFeePerGas", "0x0");
	} else if (strcmp(meth, "eth_sendRawTransaction") == 0) {
		const cJSON	*x = cJSON_GetArrayItem(p, 0);
		uint8_t		 raw[4096], h[32];
		size_t		 n = 0;

		if (cJSON_IsString(x) && hex_decode(x->valuestring,
		    strlen(x->valuestring), raw, sizeof(raw), &n) == 0) {
			keccak256(raw, n, h);
			hex_encode(h, 32, buf, 1);
			cJSON_AddStringToObject(r, "result", buf);
		} else
			cJSON_AddStringToObject(r, "result", "0x");
	} else if (strcmp(meth, "eth_getTransactionReceipt") == 0 ||
	    strcmp(meth, "eth_getTransactionByHash") == 0)
		cJSON_AddNullToObject(r, "result");
	else {
		cJSON	*e = cJSON_AddObjectToObject(r, "error");

		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "method not found");
	}
	return r;
}

static void *
stub_conn(void *arg)
{
	int	 fd = (int)(long)arg;
	char	*buf = malloc(1 << 20);
	size_t	 len = 0;

	for (;;) {
		char	*end, *cl, *body, *out;
		ssize_t	 k;
		size_t	 need, blen;
		cJSON	*req, *rep, *it;
		char	 hdr[256];

		while ((end = len ? strstr(buf, "\r\n\r\n") : NULL) == NULL) {
			if ((k = read(fd, buf + len, (1 << 20) - 1 - len)) <= 0)
				goto done;
			len += (size_t)k;
			buf[len] = '\0';
		}
		if ((cl = strstr(buf, "Content-Length:")) == NULL)
			cl = strstr(buf, "content-length:");
		blen = cl != NULL && cl < end ? (size_t)atol(cl + 15) : 0;
		need = (size_t)(end + 4 - buf) + blen;
		while (len < need) {
			if ((k = read(fd, buf + len, (1 << 20) - 1 - len)) <= 0)
				goto done;
			len += (size_t)k;
			buf[len] = '\0';
		}
		atomic_fetch_add(&stub_requests, 1);
		body = end + 4;
		req = cJSON_ParseWithLength(body, blen);
		if (cJSON_IsArray(req)) {
			rep = cJSON_CreateArray();
			cJSON_ArrayForEach(it, req)
				cJSON_AddItemToArray(rep, stub_answer(it));
		} else
			rep = stub_answer(req);
		out = cJSON_PrintUnformatted(rep);
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n",
		    strlen(out));
		/* One write: header and body in one segment. */
		if (writev(fd, (struct iovec[2]){ { hdr, strlen(hdr) },
		    { out, strlen(out) } }, 2) < 0) {
			free(out);
			cJSON_Delete(req);
			cJSON_Delete(rep);
			goto done;
		}
		free(out);
		cJSON_Delete(req);
		cJSON_Delete(rep);
		memmove(buf, buf + need, len - need);
		len -= need;
		buf[len] = '\0';
	}
done:
	free(buf);
	close(fd);
	return NULL;
}

static void *
stub_main(void *arg)
{
	int		ls = (int)(long)arg, fd;
	pthread_t	t;

	while ((fd = accept(ls, NULL, NULL)) >= 0) {
		int	one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_create(&t, NULL, stub_conn, (void *)(long)fd);
		pthread_detach(t);
	}
	return NULL;
}

static int
stub_start(void)
{
	struct sockaddr_in	a;
	socklen_t		al = sizeof(a);
	pthread_t		t;
	int			ls, one = 1;

	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(ls, 16) == -1 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) == -1)
		return -1;
	stub_port = ntohs(a.sin_port);
	return pthread_create(&t, NULL, stub_main, (void *)(long)ls);
}

/* --- the environment --- */

static int
sh(const char *fmt, const char *arg)
{
	char	cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

static void
cleanup(void)
{
	if (dir[0] != '\0' && getenv("BENCH_KEEP") == NULL)
		sh("sh scripts/localenv stop %s --purge >/dev/null 2>&1", dir);
	else if (dir[0] != '\0')
		printf("kept %s\n", dir);
}

static struct config *
write_config(void)
{
	static const uint8_t	 key[32] = { 0x42, 0x42, 0x42, 0x42, 1, 2, 3,
				    4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
				    27, 28 };
	struct keystore_params	 kp = { 1024, 8, 1 };
	struct keystore_error	 ke;
	struct config		*cfg;
	char			 path[512], ks[512], err[512];
	FILE			*f;

	snprintf(path, sizeof(path), "%s/bench-ks", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/bench-ks/password", dir);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(f, "bench\n");
	fclose(f);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/bench-ks", dir);
	if (keystore_write(path, key, "bench", &kp, ks, sizeof(ks), &ke) == -1) {
		fprintf(stderr, "keystore: %s\n", ke.msg);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/bench.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(f, "[global]\nrun_dir = %s/run\nstate_dir = %s/state\n\n"
	    "[database]\nurl = host=%s/pg port=5432 user=bsc dbname=bsc_bot\n\n"
	    "[wallets]\nkeystore_dir = %s/bench-ks\npassword_file = "
	    "%s/bench-ks/password\n\n", dir, dir, dir, dir, dir);
	fprintf(f, "[chain]\nchain_id = 56\nrpc_urls = http://127.0.0.1:%d\n"
	    "router = 0x10ED43C718714eb63d5aA57B78B54704E256024E\n"
	    "wbnb = 0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c\n\n", stub_port);
	fprintf(f, "[stratd]\nwallet = %s\nmax_order_quote = 0\n"
	    "daily_loss_limit = 0\nerror_rate_limit_pct = 0\n"
	    "tick_max_age_ms = 3600000\n\n", strrchr(ks, '/') + 1);
	fprintf(f, "[token BTCB]\naddress = "
	    "0x7130d2A12B9BCbFAe4f2634d864A1Ee1Ce3Ead9c\ndecimals = 18\n\n"
	    "[token USDT]\naddress = 0x55d398326f99059fF775485246999027B3197955"
	    "\ndecimals = 18\n\n[token WBNB]\naddress = "
	    "0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c\ndecimals = 18\n\n"
	    "[market BTC/USDT]\nbase = BTCB\nquote = USDT\nfee_bps = 25\n\n"
	    "[market BNB/USDT]\nbase = WBNB\nquote = USDT\nfee_bps = 25\n");
	fclose(f);
	if ((cfg = config_load(path, err, sizeof(err))) == NULL)
		fprintf(stderr, "config: %s\n", err);
	return cfg;
}

/* --- the engine --- */

static struct stratd_core	 core;
static struct engine		*eng;
static unsigned long long	 blk = 100;

static void
tick_at(const char *sym, double price)
{
	char	body[1024], topic[64], rq[U256_DEC_MAX], pt[64];
	u256	q, h = u256_from_u64(100);

	unsigned long long	b = ++blk;

	snprintf(pt, sizeof(pt), "%.6f", price);
	u256_parse_units(&q, pt, 18);
	u256_mul(&q, &q, &h);
	snprintf(body, sizeof(body), "{\"symbol\":\"%s\",\"block\":%llu,"
	    "\"block_time\":%lld,\"base_decimals\":18,\"quote_decimals\":18,"
	    "\"fee_bps\":25,\"reserve_base\":\"100000000000000000000\","
	    "\"reserve_quote\":\"%s\",\"mid_f\":%.10g,\"stale\":false,"
	    "\"seq\":%llu}", sym, b, (long long)time(NULL),
	    u256_to_dec(&q, rq), price, b);
	snprintf(topic, sizeof(topic), "tick.%s", sym);
	engine_event(eng, topic, strlen(topic), body, strlen(body));
}

static long
command(const char *name, const char *args)
{
	cJSON			*a = cJSON_Parse(args), *d = NULL, *id;
	struct cmd_error	 err;
	long			 rc;

	rc = cmds_run_local(&core, name, a, &d, &err);
	cJSON_Delete(a);
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", name, err.message);
		return -1;
	}
	id = cJSON_GetObjectItem(d, "id");
	rc = cJSON_IsNumber(id) ? (long)id->valuedouble : 0;
	cJSON_Delete(d);
	return rc;
}

static void
bench_latency(void)
{
	long long	*tot = calloc(LAT_SAMPLES, sizeof(*tot));
	long long	*own = calloc(LAT_SAMPLES, sizeof(*own));
	long long	*cpu = calloc(LAT_SAMPLES, sizeof(*cpu));
	long long	*txm = calloc(LAT_SAMPLES, sizeof(*txm));
	double		 nrt = 0, wire = 0;
	char		 args[512];
	int		 i, n = 0, miss = 0;
	long		 id;

	for (i = 0; i < LAT_SAMPLES + 20; i++) {
		long long	t0, t1, c0, c1, before, rts;
		uint64_t	w0, w1;

		snprintf(args, sizeof(args), "{\"name\":\"lat%d\",\"type\":"
		    "\"grid\",\"symbol\":\"BTC/USDT\",\"mode\":\"live\","
		    "\"params\":{\"grid_count\":10,\"base_order_size\":\"100\","
		    "\"upper_price\":\"21000\",\"lower_price\":\"19000\","
		    "\"initial_buy\":false}}", i);
		if ((id = command("strategy.create", args)) <= 0)
			break;
		tick_at("BTC/USDT", 20100);	/* lays it: no order */
		live_last_signed(engine_live(eng), &before, &w1);
		rts = atomic_load(&stub_requests);
		w0 = live_wire_us(engine_live(eng));
		t0 = now_us();
		c0 = cpu_us();
		tick_at("BTC/USDT", 19990);	/* crosses 20000: one buy */
		c1 = cpu_us();
		live_last_signed(engine_live(eng), &t1, &w1);
		/* round trips before the signature: all but the send */
		rts = atomic_load(&stub_requests) - rts - 1;
		snprintf(args, sizeof(args), "{\"id\":%ld}", id);
		command("strategy.stop", args);
		if (t1 == before || t1 < t0) {
			miss++;
			continue;
		}
		if (i < 20)
			continue;	/* warm-up */
		tot[n] = t1 - t0;
		own[n] = t1 - t0 - (long long)(w1 - w0);
		cpu[n] = c1 - c0;	/* includes the broadcast after */
		nrt += (double)rts;
		wire += (double)(w1 - w0);
		n++;
	}
	{
		char	v[64];

		db_query_value(core.db, v, sizeof(v), "SELECT count(*) FROM "
		    "transactions WHERE intent LIKE 'order:%'", 0, NULL);
		if (atol(v) < n || miss > 0)
			printf("  warning: %s order transactions for %d samples, "
			    "%d misses\n", v, n, miss);
	}
	if (n == 0) {
		printf("tick-to-signed-transaction: no transaction was signed "
		    "(%d misses)\n", miss);
		return;
	}
	qsort(tot, (size_t)n, sizeof(*tot), cmp_ll);
	qsort(own, (size_t)n, sizeof(*own), cmp_ll);
	qsort(cpu, (size_t)n, sizeof(*cpu), cmp_ll);
	printf("tick-to-signed-transaction, live grid, one order per tick "
	    "(%d samples):\n", n);
	printf("  with the stub node's round trips: p50 %lld us  p99 %lld us"
	    "\n", tot[n / 2], tot[n * 99 / 100]);
	printf("  node round trips before signing: %.1f per order, %.0f us "
	    "each (time inside the HTTP exchanges)\n", nrt / n,
	    nrt > 0 ? wire / nrt : 0);
	printf("  excluding the RPC round trips:    p50 %lld us  p99 %lld us"
	    "   (target p99 < 1000 us)\n", own[n / 2], own[n * 99 / 100]);
	printf("  stratd's CPU time for the tick (decide, encode, sign, its "
	    "side of the database and RPC calls): p50 %lld us  p99 %lld us\n",
	    cpu[n / 2], cpu[n * 99 / 100]);
	/* The transaction manager alone (its own connection and key): the
	 * share of the figure above that is common/txmgr.c's record. */
	{
		struct live		*l = live_new(core.cfg);
		struct live_swap	 sw;
		struct txmgr_tx		 tx;
		struct txmgr_error	 te;
		char			 intent[64];
		int			 k, m = 0;

		memset(&sw, 0, sizeof(sw));
		addr_parse(&sw.token_in, core.cfg->tokens[1].address);
		addr_parse(&sw.token_out, core.cfg->tokens[0].address);
		sw.amount_in = u256_from_u64(1000);
		sw.deadline = (uint64_t)time(NULL) + 600;
		for (k = 0; l != NULL && live_ready(l) && k < n; k++) {
			long long	a, b;
			uint64_t	wa, wb;

			snprintf(intent, sizeof(intent), "order:bench%d", k);
			sw.intent = intent;
			sw.fresh = 1;
			wa = live_wire_us(l);
			a = now_us();
			if (live_submit(l, &sw, &tx, &te) == -1)
				continue;
			live_last_signed(l, &b, &wb);
			txm[m++] = b - a - (long long)(wb - wa);
		}
		live_free(&l);
		qsort(txm, (size_t)m, sizeof(*txm), cmp_ll);
		if (m > 0)
			printf("  of which the transaction manager's record "
			    "(txmgr_submit alone, excluding RPC): p50 %lld us  "
			    "p99 %lld us\n", txm[m / 2], txm[m * 99 / 100]);
	}
	free(tot);
	free(own);
	free(cpu);
	free(txm);
}

/* xorshift: the same walk every run. */
static double
rnd(void)
{
	static uint64_t	x = 0x9E3779B97F4A7C15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (double)(x >> 11) / 9007199254740992.0;
}

static long
count_fills(void)
{
	char	v[32];

	if (db_query_value(core.db, v, sizeof(v), "SELECT count(*) FROM fills "
	    "f JOIN orders o ON o.id = f.order_id WHERE o.mode = 'paper'", 0,
	    NULL) != 1)
		return 0;
	return atol(v);
}

static void
bench_ticks(void)
{
	char		 args[512];
	long long	 t0, t1;
	long		 f0, f1;
	double		 p = 20050;
	int		 i;

	/* 1,000 grids of 20 levels, their ranges spread so that crossings
	 * come a few at a time, as they do with real bounds. */
	for (i = 0; i < NSTRAT; i++) {
		snprintf(args, sizeof(args), "{\"name\":\"tps%d\",\"type\":"
		    "\"grid\",\"symbol\":\"BTC/USDT\",\"mode\":\"paper\","
		    "\"params\":{\"grid_count\":20,\"base_order_size\":\"50\","
		    "\"upper_price\":\"%d\",\"lower_price\":\"%d\","
		    "\"initial_buy\":false}}", i, 22000 + (i % 97) * 7,
		    18000 + (i % 89) * 11);
		if (command("strategy.create", args) <= 0)
			return;
	}
	tick_at("BNB/USDT", 600);
	tick_at("BTC/USDT", p);		/* every grid laid */
	/* Quiet: within every grid's current cell. */
	t0 = now_us();
	for (i = 0; i < QUIET_TICKS; i++)
		tick_at("BTC/USDT", p + (i & 1 ? 0.5 : -0.5));
	t1 = now_us();
	printf("ticks per second, %d active paper grids on one symbol:\n",
	    NSTRAT);
	printf("  quiet ticks (no level crossed): %.0f ticks/s (%.1f us per "
	    "tick, %.1f ns per grid)\n", QUIET_TICKS * 1e6 / (double)(t1 - t0),
	    (double)(t1 - t0) / QUIET_TICKS, (double)(t1 - t0) * 1000.0 /
	    QUIET_TICKS / NSTRAT);
	/* A random walk: levels are crossed, paper orders fill. */
	f0 = count_fills();
	t0 = now_us();
	for (i = 0; i < WALK_TICKS; i++) {
		p *= 1 + (rnd() - 0.5) * 0.002;
		tick_at("BTC/USDT", p);
	}
	t1 = now_us();
	f1 = count_fills();
	printf("  random walk (+-0.1%% a tick): %.0f ticks/s, %ld paper "
	    "orders filled (%.0f orders/s; each one database transaction to "
	    "record, one to fill)\n", WALK_TICKS * 1e6 / (double)(t1 - t0),
	    f1 - f0, (double)(f1 - f0) * 1e6 / (double)(t1 - t0));
}

int
main(void)
{
	struct config	*cfg;
	struct db	*db;
	void		*zctx;
	char		 err[512];

	snprintf(dir, sizeof(dir), "/tmp/bench-stratd-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	atexit(cleanup);
	if (sh("sh scripts/localenv start %s --no-chain >/dev/null 2>&1",
	    dir) != 0) {
		printf("skipped: no PostgreSQL for the benchmark (make deps)\n");
		return 0;
	}
	if (stub_start() == -1 || (cfg = write_config()) == NULL)
		return 1;
	if (getenv("BENCH_PGLOG") != NULL &&
	    (db = db_new(cfg->database.url, 5, 30000, "bench")) != NULL &&
	    db_connect(db) == 0) {
		db_exec(db, "ALTER DATABASE bsc_bot SET log_min_duration_statement"
		    " = 0", 0, NULL);
		db_free(&db);
	}
	if ((db = db_new(cfg->database.url, 5, 30000, "bench")) == NULL ||
	    db_connect(db) == -1 || (zctx = bus_ctx_new()) == NULL)
		return 1;
	memset(&core, 0, sizeof(core));
	core.cfg = cfg;
	core.db = db;
	core.actor = "bench";
	if ((eng = engine_new(&core, zctx, err, sizeof(err))) == NULL) {
		fprintf(stderr, "engine: %s\n", err);
		return 1;
	}
	if (engine_start(eng) == -1)
		return 1;
	log_init("bench", LOG_LVL_WARN, 0);
	tick_at("BNB/USDT", 600);
	bench_latency();
	/* Free the engine of the latency strategies (stopped, their orders
	 * never settle on the stub), then the throughput. */
	engine_free(&eng);
	db_exec(db, "DELETE FROM fills", 0, NULL);
	db_exec(db, "UPDATE grid_levels SET last_order_id = NULL", 0, NULL);
	db_exec(db, "DELETE FROM orders", 0, NULL);
	if ((eng = engine_new(&core, zctx, err, sizeof(err))) == NULL ||
	    engine_start(eng) == -1)
		return 1;
	bench_ticks();
	engine_free(&eng);
	db_free(&db);
	config_free(&cfg);
	bus_ctx_free(&zctx);
	return 0;
}
