/*
 * tu_stratd.c: test support for stratd's trading suites (tu_stratd.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "bus.h"
#include "testutil.h"
#include "tu_stratd.h"
#include "u256.h"

long long
tus_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
tus_conf_set(const char *path, const char *section, const char *key,
    const char *value)
{
	char	*text, *line, *save, hdr[128];
	FILE	*f;
	size_t	 klen = strlen(key);
	int	 in = 0, done = 0, found_sec = 0;
	char	 tmp[512];

	if ((text = tu_read_file(path, NULL)) == NULL)
		return -1;
	snprintf(hdr, sizeof(hdr), "[%s]", section);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[') {
			if (in && !done && value != NULL) {
				fprintf(f, "%s = %s\n", key, value);
				done = 1;
			}
			in = strcmp(line, hdr) == 0;
			found_sec |= in;
			fprintf(f, "%s\n", line);
			continue;
		}
		if (in && strncmp(line, key, klen) == 0 &&
		    (line[klen] == ' ' || line[klen] == '=')) {
			if (value != NULL && !done)
				fprintf(f, "%s = %s\n", key, value);
			done = 1;
			continue;
		}
		fprintf(f, "%s\n", line);
	}
	if (in && !done && value != NULL) {
		fprintf(f, "%s = %s\n", key, value);
		done = 1;
	}
	if (!found_sec && value != NULL)
		fprintf(f, "\n%s\n%s = %s\n", hdr, key, value);
	free(text);
	if (fclose(f) != 0)
		return -1;
	chmod(tmp, 0600);
	return rename(tmp, path);
}

/* A database for prefix: tu_db_create wants an identifier. */
static char *
db_for(const char *prefix)
{
	char	p[64], *c;

	snprintf(p, sizeof(p), "%s", prefix);
	for (c = p; *c; c++)
		if (*c == '-')
			*c = '_';
	return tu_db_create(p);
}

static int
migrate(struct tus_env *e)
{
	char	out[4096];

	return tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), e->conf) == 0 ? 0 : -1;
}

int
tus_env_new(struct tus_env *e, const char *prefix)
{
	char	*ci;

	memset(e, 0, sizeof(*e));
	if ((ci = db_for(prefix)) == NULL)
		return -1;
	snprintf(e->dburl, sizeof(e->dburl), "%s", ci);
	free(ci);
	if (tu_private_conf(prefix, e->dburl, e->dir, sizeof(e->dir), e->conf,
	    sizeof(e->conf)) == -1)
		return -1;
	/* No live trading unless a test asks for it. */
	if (tus_conf_set(e->conf, "stratd", "wallet", NULL) == -1)
		return -1;
	return migrate(e);
}

static char	chain_val[512];

const char *
tus_chain_env(const struct tus_env *e, const char *key)
{
	char	 path[400], *text, *line, *save;
	size_t	 k = strlen(key);

	chain_val[0] = '\0';
	snprintf(path, sizeof(path), "%s/chain.env", e->chain);
	if ((text = tu_read_file(path, NULL)) == NULL)
		return chain_val;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, k) == 0 && line[k] == '=') {
			snprintf(chain_val, sizeof(chain_val), "%s", line + k + 1);
			break;
		}
	free(text);
	return chain_val;
}

int
tus_env_chain(struct tus_env *e, const char *prefix)
{
	char	*ci, out[8192], bindir[300], *sl;
	FILE	*f;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/%s-XXXXXX", prefix);
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->chain, sizeof(e->chain), "%s/chain", e->dir);
	mkdir(e->chain, 0700);
	if (getenv("TUS_REGISTRY") != NULL &&
	    (f = fopen(getenv("TUS_REGISTRY"), "a")) != NULL) {
		fprintf(f, "%s\n", e->dir);
		fclose(f);
	}
	if (tu_run(out, sizeof(out), "sh t/chain/chain start %s 2>&1",
	    e->chain) != 0) {
		fprintf(stderr, "chain start failed: %s\n", out);
		return -1;
	}
	if ((ci = db_for(prefix)) == NULL)
		return -1;
	snprintf(e->dburl, sizeof(e->dburl), "%s", ci);
	free(ci);
	snprintf(bindir, sizeof(bindir), "%s", tu_bin("bsc-ctl"));
	if ((sl = strrchr(bindir, '/')) != NULL)
		*sl = '\0';
	if (bindir[0] != '/') {
		char	cwd[200];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		snprintf(out, sizeof(out), "%s/%s", cwd, bindir);
		snprintf(bindir, sizeof(bindir), "%s", out);
	}
	snprintf(e->conf, sizeof(e->conf), "%s/bsc-mm.conf", e->dir);
	snprintf(out, sizeof(out), "%s/keystore", e->dir);
	mkdir(out, 0700);
	snprintf(out, sizeof(out), "%s/keystore/password", e->dir);
	if ((f = fopen(out, "w")) == NULL)
		return -1;
	fprintf(f, "test-password-%d\n", (int)getpid());
	fclose(f);
	chmod(out, 0600);
	if ((f = fopen(e->conf, "w")) == NULL)
		return -1;
	fprintf(f, "[global]\nrun_dir = %s/run\nstate_dir = %s/state\n"
	    "bin_dir = %s\nlog_file = %s/app.log\nlog_level = info\n\n",
	    e->dir, e->dir, bindir, e->dir);
	fprintf(f, "[database]\nurl = %s\n\n", e->dburl);
	fprintf(f, "[wallets]\nkeystore_dir = %s/keystore\npassword_file = "
	    "%s/keystore/password\n\n", e->dir, e->dir);
	fprintf(f, "[chain]\nchain_id = %s\n", tus_chain_env(e, "CHAIN_ID"));
	fprintf(f, "rpc_urls = %s\n", tus_chain_env(e, "CHAIN_RPC_URL"));
	fprintf(f, "rpc_timeout_ms = 1500\nblock_time_ms = 1000\n");
	fprintf(f, "router = %s\n", tus_chain_env(e, "ROUTER"));
	fprintf(f, "factory = %s\n", tus_chain_env(e, "FACTORY"));
	fprintf(f, "wbnb = %s\n\n", tus_chain_env(e, "WBNB"));
	fprintf(f, "[marketd]\npoll_ms = 100\nstale_blocks = 3\ncex_url =\n\n");
	fprintf(f, "[stratd]\nwallet = %s\npoll_ms = 200\n"
	    "pnl_interval_ms = 1000\n\n", tus_chain_env(e, "TRADER1_ADDRESS"));
	fprintf(f, "[token BTCB]\naddress = %s\ndecimals = 18\n\n",
	    tus_chain_env(e, "BTCB"));
	fprintf(f, "[token USDT]\naddress = %s\ndecimals = 18\n\n",
	    tus_chain_env(e, "USDT"));
	fprintf(f, "[token WBNB]\naddress = %s\ndecimals = 18\n\n",
	    tus_chain_env(e, "WBNB"));
	fprintf(f, "[market BTC/USDT]\npair = %s\nbase = BTCB\nquote = USDT\n"
	    "fee_bps = 30\n\n", tus_chain_env(e, "PAIR_BTCB_USDT"));
	fprintf(f, "[market BNB/USDT]\npair = %s\nbase = WBNB\nquote = USDT\n"
	    "fee_bps = 30\n", tus_chain_env(e, "PAIR_WBNB_USDT"));
	fclose(f);
	chmod(e->conf, 0600);
	if (migrate(e) == -1)
		return -1;
	if (tu_run(out, sizeof(out), "%s -c %s wallet import "
	    "--private-key-file %s --out %s/keystore --password-file "
	    "%s/keystore/password --scrypt-n 1024 2>&1", tu_bin("bsc-ctl"),
	    e->conf, tus_chain_env(e, "TRADER1_KEY_FILE"), e->dir,
	    e->dir) != 0) {
		fprintf(stderr, "wallet import failed: %s\n", out);
		return -1;
	}
	return 0;
}

void
tus_env_remove(struct tus_env *e)
{
	char	out[256];

	if (getenv("TUS_KEEP") == NULL && strncmp(e->dir, "/tmp/", 5) == 0 &&
	    strstr(e->dir, "..") == NULL)
		tu_run(out, sizeof(out), "rm -rf '%s'", e->dir);
}

void
tus_registry_open(void)
{
	char	path[128];

	snprintf(path, sizeof(path), "/tmp/tus-envs-%d", (int)getpid());
	setenv("TUS_REGISTRY", path, 1);
}

void
tus_registry_cleanup(void)
{
	const char	*path = getenv("TUS_REGISTRY");
	char		*text, *line, *save;
	struct tus_env	 e;

	if (path == NULL || (text = tu_read_file(path, NULL)) == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		memset(&e, 0, sizeof(e));
		snprintf(e.dir, sizeof(e.dir), "%s", line);
		snprintf(e.conf, sizeof(e.conf), "%s/bsc-mm.conf", line);
		snprintf(e.chain, sizeof(e.chain), "%s/chain", line);
		tus_env_stop(&e);
	}
	free(text);
	unlink(path);
}

void
tus_env_stop(struct tus_env *e)
{
	char	out[4096];

	if (getenv("TUS_KEEP") != NULL) {	/* debugging: keep it */
		fprintf(stderr, "kept: %s\n", e->dir);
		return;
	}
	if (e->conf[0] != '\0' && access(e->conf, R_OK) == 0)
		tu_run(out, sizeof(out), "%s -c %s bot stop 2>&1",
		    tu_bin("bsc-ctl"), e->conf);
	if (e->chain[0] != '\0' && access(e->chain, R_OK) == 0)
		tu_run(out, sizeof(out), "sh t/chain/chain stop %s 2>&1",
		    e->chain);
	tus_env_remove(e);
}

static int
vsql(const struct tus_env *e, char *out, size_t cap, const char *fmt,
    va_list ap)
{
	char		 q[8192];
	PGconn		*c;
	PGresult	*r;
	int		 rc = -1;

	vsnprintf(q, sizeof(q), fmt, ap);
	out[0] = '\0';
	c = PQconnectdb(e->dburl);
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, q);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		if (PQntuples(r) > 0 && PQnfields(r) > 0)
			snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
		rc = 0;
	} else if (PQresultStatus(r) == PGRES_COMMAND_OK)
		rc = 0;
	else
		fprintf(stderr, "sql: %s: %s", q, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

int
tus_sql(const struct tus_env *e, char *out, size_t cap, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = vsql(e, out, cap, fmt, ap);
	va_end(ap);
	return rc;
}

long
tus_sql_long(const struct tus_env *e, const char *fmt, ...)
{
	va_list	ap;
	char	out[128];
	int	rc;

	va_start(ap, fmt);
	rc = vsql(e, out, sizeof(out), fmt, ap);
	va_end(ap);
	return rc == 0 ? atol(out) : -1;
}

int
tus_ctl(const struct tus_env *e, char *out, size_t cap, const char *fmt, ...)
{
	char	args[4096];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return tu_run(out, cap, "%s -c %s %s 2>&1", tu_bin("bsc-ctl"), e->conf,
	    args);
}

cJSON *
tus_engine_status(const struct tus_env *e)
{
	static void	*zctx;
	char		 ep[400], *rep = NULL;
	const char	*req = "{\"cmd\":\"status\"}";
	cJSON		*j, *d, *en = NULL;

	if (zctx == NULL && (zctx = bus_ctx_new()) == NULL)
		return NULL;
	snprintf(ep, sizeof(ep), "ipc://%s/run/stratd.ctl", e->dir);
	if (bus_request(zctx, ep, req, strlen(req), 2000, 0, &rep, NULL) == -1)
		return NULL;
	j = cJSON_Parse(rep);
	free(rep);
	d = cJSON_GetObjectItem(j, "data");
	if (d != NULL && (en = cJSON_DetachItemFromObject(d, "engine")) !=
	    NULL)
		cJSON_AddItemToObject(en, "halted", cJSON_Duplicate(
		    cJSON_GetObjectItem(d, "halted"), 1));
	cJSON_Delete(j);
	return en;
}

const char *
tus_tick(const char *symbol, unsigned long long block, double price,
    int stale)
{
	static char	buf[1024];
	char		pt[64], rq[U256_DEC_MAX], rb[U256_DEC_MAX];
	u256		q, hundred = u256_from_u64(100);

	snprintf(pt, sizeof(pt), "%.6f", price);
	u256_parse_units(&q, pt, 18);
	u256_mul(&q, &q, &hundred);
	u256_parse_units(&hundred, "100", 18);
	snprintf(buf, sizeof(buf), "{\"symbol\":\"%s\",\"block\":%llu,"
	    "\"block_time\":%lld,\"pair\":\"0x0\",\"base\":\"B\",\"quote\":\"Q\","
	    "\"base_decimals\":18,\"quote_decimals\":18,\"fee_bps\":30,"
	    "\"reserve_base\":\"%s\",\"reserve_quote\":\"%s\",\"mid\":\"%s\","
	    "\"mid_f\":%.10g,\"exec\":[],\"stale\":%s,\"seq\":%llu,"
	    "\"t_reply_us\":0,\"t_pub_us\":0}", symbol, block,
	    (long long)time(NULL), u256_to_dec(&hundred, rb),
	    u256_to_dec(&q, rq), pt, price, stale ? "true" : "false", block);
	return buf;
}
