/*
 * bench_marketd.c: marketd's DEX feed, end to end, for 1, 10 and 100
 * markets:
 *
 *  1. block-to-subscriber latency of tick.<SYMBOL>: from the moment the
 *     batched reserves reply has arrived in marketd (the tick's
 *     t_reply_us, stamped when the reply is parsed) to receipt of the
 *     event by a subscriber in another process (this one), p50/p99/max;
 *  2. marketd's CPU time per block per market: the CPU time of all of
 *     marketd's threads (/proc/PID/task/STAR/schedstat, nanoseconds) over
 *     the measuring window, divided by blocks and markets. It includes
 *     everything marketd does for a block: the eth_blockNumber polls
 *     (every block_time/4), the batched getReserves round trip (curl and
 *     JSON), the exact AMM math for 3 order sizes on both sides, the tick
 *     JSON and the publish.
 *
 * The chain is a stub JSON-RPC server in this process (t/httpstub) that
 * makes a new block every BLOCK_MS and answers
 * eth_blockNumber, eth_getBlockByNumber and eth_call (token0, token1,
 * getReserves, with reserves that change every block) in batches: the
 * local Hardhat chain cannot hold 100 pools cheaply, and a stub keeps the
 * node's own cost out of the figures. marketd is the real binary, run as
 * a separate process with candles off (no database needed).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bus.h"

#include "httpstub.h"

#define BLOCK_MS	100	/* the stub chain's block time */
#define WARMUP_MS	2500
#define MEASURE_MS	8000
#define MAX_SAMPLES	200000

static long long	t0_ms;

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
wall_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static unsigned long long
head(void)
{
	return 1000 + (unsigned long long)((mono_ms() - t0_ms) / BLOCK_MS);
}

/* 32-byte word of v as 64 hex digits appended at p. */
static char *
word(char *p, unsigned long long v)
{
	sprintf(p, "%064llx", v);
	return p + 64;
}

static cJSON *
answer(cJSON *req)
{
	cJSON		*id = cJSON_GetObjectItem(req, "id");
	cJSON		*m = cJSON_GetObjectItem(req, "method");
	cJSON		*params = cJSON_GetObjectItem(req, "params");
	cJSON		*r = cJSON_CreateObject(), *o;
	char		 buf[512], *p;
	const char	*data, *to;

	cJSON_AddStringToObject(r, "jsonrpc", "2.0");
	cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
	if (!cJSON_IsString(m)) {
		cJSON_AddStringToObject(r, "result", "0x0");
		return r;
	}
	if (strcmp(m->valuestring, "eth_blockNumber") == 0) {
		snprintf(buf, sizeof(buf), "0x%llx", head());
		cJSON_AddStringToObject(r, "result", buf);
	} else if (strcmp(m->valuestring, "eth_chainId") == 0) {
		cJSON_AddStringToObject(r, "result", "0x38");
	} else if (strcmp(m->valuestring, "eth_getBlockByNumber") == 0) {
		o = cJSON_AddObjectToObject(r, "result");
		cJSON_AddStringToObject(o, "number", cJSON_GetArrayItem(params,
		    0)->valuestring);
		snprintf(buf, sizeof(buf), "0x%llx",
		    (unsigned long long)time(NULL));
		cJSON_AddStringToObject(o, "timestamp", buf);
	} else if (strcmp(m->valuestring, "eth_call") == 0) {
		o = cJSON_GetArrayItem(params, 0);
		data = cJSON_GetObjectItem(o, "data")->valuestring;
		to = cJSON_GetObjectItem(o, "to")->valuestring;
		p = buf;
		*p++ = '0';
		*p++ = 'x';
		if (strncmp(data, "0x0dfe1681", 10) == 0)	/* token0() */
			word(p, 0x1);
		else if (strncmp(data, "0xd21220a7", 10) == 0)	/* token1() */
			word(p, 0x2);
		else {					/* getReserves() */
			unsigned long long	b = head();
			unsigned long long	pair = strtoull(to + 30, NULL, 16);

			/* ~1000 base at ~20000 quote, moving every block;
			 * whole tokens of 18 decimals need more than 64
			 * bits, so the reserves are in units of 1e9. */
			p = word(p, (1000000000000ULL + b * 7 + pair) *
			    1000ULL);
			p = word(p, (20000000000000000ULL - b * 1111 + pair) *
			    1000ULL);
			word(p, (unsigned long long)time(NULL));
		}
		cJSON_AddStringToObject(r, "result", buf);
	} else {
		o = cJSON_AddObjectToObject(r, "error");
		cJSON_AddNumberToObject(o, "code", -32601);
		cJSON_AddStringToObject(o, "message", "method not found");
	}
	return r;
}

static int
rpc_stub(void *arg, const struct httpstub_req *req, struct httpstub_resp *resp)
{
	cJSON	*in = cJSON_ParseWithLength(req->body, req->bodylen), *outj, *e;

	if (in == NULL) {
		resp->status = 400;
		resp->body = "bad json";
		return 0;
	}
	if (cJSON_IsArray(in)) {
		outj = cJSON_CreateArray();
		cJSON_ArrayForEach(e, in)
			cJSON_AddItemToArray(outj, answer(e));
	} else
		outj = answer(in);
	resp->body = cJSON_PrintUnformatted(outj);
	resp->body_free = 1;
	resp->headers = "Content-Type: application/json\r\n";
	cJSON_Delete(outj);
	cJSON_Delete(in);
	return 0;
}

/* CPU time of every thread of pid, nanoseconds. */
static unsigned long long
cpu_ns(pid_t pid)
{
	char			 path[128], buf[256];
	DIR			*d;
	struct dirent		*e;
	unsigned long long	 sum = 0, v;
	FILE			*f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
		    (int)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    sscanf(buf, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
run(const char *bin, int nmarkets)
{
	struct httpstub		*hs;
	char			 dir[] = "/tmp/bsc-bench-md-XXXXXX", conf[256];
	char			 ep[300], topic[BUS_MAX_TOPIC + 1];
	FILE			*f;
	pid_t			 pid;
	void			*z;
	struct bus_sub		*s;
	struct bus_event	 ev;
	long long		*lat, end, start_ms = 0;
	unsigned long long	*last_block, cpu0 = 0, cpu1, b0 = 0, b1 = 0;
	size_t			 nlat = 0;
	int			 i, measuring = 0, st;

	if (mkdtemp(dir) == NULL || (hs = httpstub_new()) == NULL)
		return -1;
	httpstub_set_handler(hs, rpc_stub, NULL);
	snprintf(conf, sizeof(conf), "%s/bsc-mm.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f, "[global]\nrun_dir = %s/run\nstate_dir = %s\nlog_level = "
	    "warn\n[chain]\nrpc_urls = %s\nblock_time_ms = %d\nrpc_timeout_ms "
	    "= 2000\n[marketd]\npoll_ms = %d\nstale_blocks = 20\ncandles = no\n"
	    "cex_url =\nexec_sizes = 100, 1000, 10000\n"
	    "[token BASE]\naddress = 0x0000000000000000000000000000000000000001\n"
	    "[token USDT]\naddress = 0x0000000000000000000000000000000000000002\n",
	    dir, dir, httpstub_url(hs), BLOCK_MS, BLOCK_MS / 4);
	for (i = 0; i < nmarkets; i++)
		fprintf(f, "[market M%03d/USDT]\npair = 0x%040x\nbase = BASE\n"
		    "quote = USDT\nfee_bps = 25\n", i, 0x1000 + i);
	fclose(f);
	lat = calloc(MAX_SAMPLES, sizeof(*lat));
	last_block = calloc((size_t)nmarkets, sizeof(*last_block));
	if (lat == NULL || last_block == NULL)
		return -1;

	z = bus_ctx_new();
	s = bus_sub_new(z);
	snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.pub", dir);
	bus_sub_connect(s, ep, "tick.");
	if ((pid = fork()) == 0) {
		execl(bin, "marketd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	end = mono_ms() + WARMUP_MS + MEASURE_MS;
	while (mono_ms() < end) {
		zmq_pollitem_t	pi = { bus_sub_socket(s), 0, ZMQ_POLLIN, 0 };
		long long	now = mono_ms();

		if (!measuring && now >= end - MEASURE_MS) {
			measuring = 1;
			start_ms = now;
			cpu0 = cpu_ns(pid);
			b0 = head();
		}
		if (zmq_poll(&pi, 1, 50) <= 0)
			continue;
		while (bus_sub_recv(s, &ev, ZMQ_DONTWAIT) == 1) {
			long long	 rx = wall_us();
			size_t		 tl, bl;
			const char	*t = bus_event_topic(&ev, &tl);
			const char	*b = bus_event_body(&ev, &bl);
			cJSON		*j;
			int		 idx;
			unsigned long long blk;

			snprintf(topic, sizeof(topic), "%.*s", (int)tl, t);
			j = cJSON_ParseWithLength(b, bl);
			bus_event_close(&ev);
			if (j == NULL || sscanf(topic, "tick.M%d/", &idx) != 1 ||
			    idx < 0 || idx >= nmarkets) {
				cJSON_Delete(j);
				continue;
			}
			blk = (unsigned long long)cJSON_GetObjectItem(j,
			    "block")->valuedouble;
			/* The first tick of each block (not a repeat). */
			if (measuring && blk != last_block[idx] &&
			    nlat < MAX_SAMPLES)
				lat[nlat++] = rx - (long long)cJSON_GetObjectItem(
				    j, "t_reply_us")->valuedouble;
			last_block[idx] = blk;
			cJSON_Delete(j);
		}
	}
	cpu1 = cpu_ns(pid);
	b1 = head();
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	bus_sub_free(&s);
	bus_ctx_free(&z);
	httpstub_free(&hs);
	if (nlat == 0 || b1 <= b0) {
		printf("markets=%d: no ticks received (is %s built?)\n",
		    nmarkets, bin);
		free(lat);
		free(last_block);
		return -1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_ll);
	printf("markets=%-3d blocks=%llu ticks=%zu  tick latency p50=%lld us "
	    "p99=%lld us max=%lld us  cpu=%.1f us/block/market "
	    "(%.0f us/block)\n", nmarkets, b1 - b0, nlat, lat[nlat / 2],
	    lat[nlat * 99 / 100], lat[nlat - 1],
	    (double)(cpu1 - cpu0) / 1000.0 / (double)(b1 - b0) / nmarkets,
	    (double)(cpu1 - cpu0) / 1000.0 / (double)(b1 - b0));
	(void)start_ms;
	free(lat);
	free(last_block);
	snprintf(ep, sizeof(ep), "rm -rf %s", dir);
	if (system(ep) != 0)
		return 0;
	return 0;
}

int
main(int argc, char **argv)
{
	static const int	 sizes[] = { 1, 10, 100 };
	char			 bin[512];
	const char		*b = getenv("BSC_BUILD");
	size_t			 i;
	int			 rc = 0;

	signal(SIGPIPE, SIG_IGN);
	snprintf(bin, sizeof(bin), "%s/bin/marketd", b ? b : "build");
	if (argc > 1)
		snprintf(bin, sizeof(bin), "%s", argv[1]);
	t0_ms = mono_ms();
	printf("marketd DEX feed: stub chain, a block every %d ms, polled every "
	    "%d ms, 3 order sizes x 2 sides per market\n", BLOCK_MS,
	    BLOCK_MS / 4);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (run(bin, sizes[i]) == -1)
			rc = 1;
	return rc;
}
