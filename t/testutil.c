/*
 * testutil.c: see testutil.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <zlib.h>

#include "testutil.h"

const char *
tu_shared(const char *rel)
{
	static char	 path[4096];
	struct stat	 st;
	const char	*base = getenv("BSC_SHARED");

	if (base == NULL)
		base = "../shared";
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (stat(path, &st) == -1)
		return NULL;
	return path;
}

char *
tu_read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

void
tu_skip(const char *test, const char *why)
{
	const char	*file = getenv("BSC_SKIP_FILE");
	FILE		*f;
	size_t		 n = strlen(test);

	/* Check names a test's function NAME_fn; report NAME. */
	if (n > 3 && strcmp(test + n - 3, "_fn") == 0)
		n -= 3;
	fprintf(stderr, "SKIP %.*s: %s\n", (int)n, test, why);
	if (file == NULL || (f = fopen(file, "a")) == NULL)
		return;
	fprintf(f, "%.*s: %s\n", (int)n, test, why);
	fclose(f);
}

char *
tu_db_create(const char *prefix)
{
	const char	*admin = getenv("BSC_TEST_PGURL");
	static unsigned	 seq;
	char		 name[64], sql[128], *conninfo;
	PGconn		*c;
	PGresult	*r;
	int		 ok;
	size_t		 n;

	if (admin == NULL || *admin == '\0')
		return NULL;
	snprintf(name, sizeof(name), "t_%s_%d_%u_%ld", prefix, (int)getpid(),
	    seq++, (long)time(NULL) % 100000);
	c = PQconnectdb(admin);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "tu_db_create: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "tu_db_create: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	if (!ok)
		return NULL;
	/* conninfo strings: a later dbname keyword overrides an earlier one. */
	n = strlen(admin) + strlen(name) + 16;
	if ((conninfo = malloc(n)) == NULL)
		return NULL;
	snprintf(conninfo, n, "%s dbname=%s", admin, name);
	return conninfo;
}

const char *
tu_bin(const char *name)
{
	static char	 path[1024];
	const char	*b = getenv("BSC_BUILD");

	snprintf(path, sizeof(path), "%s/bin/%s", b ? b : "build", name);
	return path;
}

int
tu_run(char *out, size_t cap, const char *fmt, ...)
{
	char	 cmd[8192];
	va_list	 ap;
	FILE	*p;
	size_t	 n = 0, r;
	int	 st;
	char	 sink[512];

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	for (;;) {
		if (out != NULL && n + 1 < cap) {
			r = fread(out + n, 1, cap - 1 - n, p);
			n += r;
		} else
			r = fread(sink, 1, sizeof(sink), p);
		if (r == 0)
			break;
	}
	if (out != NULL && cap > 0)
		out[n] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
tu_private_conf(const char *prefix, const char *dburl, char *dir,
    size_t dirlen, char *conf, size_t conflen)
{
	const char	*base = getenv("BSC_TEST_CONF");
	char		*text, *line, *save;
	FILE		*f;

	if (base == NULL || (text = tu_read_file(base, NULL)) == NULL)
		return -1;
	snprintf(dir, dirlen, "/tmp/%s-XXXXXX", prefix);
	if (mkdtemp(dir) == NULL) {
		free(text);
		return -1;
	}
	snprintf(conf, conflen, "%s/bsc-mm.conf", dir);
	if ((f = fopen(conf, "w")) == NULL) {
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "run_dir", 7) == 0)
			fprintf(f, "run_dir = %s/run\n", dir);
		else if (strncmp(line, "state_dir", 9) == 0)
			fprintf(f, "state_dir = %s/state\n", dir);
		else if (strncmp(line, "log_file", 8) == 0)
			fprintf(f, "log_file = %s/app.log\n", dir);
		else if (dburl != NULL && strncmp(line, "url = ", 6) == 0)
			fprintf(f, "url = %s\n", dburl);
		else
			fprintf(f, "%s\n", line);
	}
	free(text);
	return fclose(f) == 0 ? 0 : -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

unsigned char *
tu_unhex(const char *s, size_t *n)
{
	size_t		 len, i;
	unsigned char	*out;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	len = strlen(s);
	if (len % 2 != 0 || (out = malloc(len / 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len / 2; i++) {
		int	hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*n = len / 2;
	return out;
}

char *
tu_read_gz(const char *path, size_t *len)
{
	gzFile	 gz;
	char	*buf = NULL, *tmp;
	size_t	 n = 0, cap = 0;
	int	 r;

	if ((gz = gzopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((tmp = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = tmp;
		}
		if ((r = gzread(gz, buf + n, (unsigned)(cap - n))) < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	gzclose(gz);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
fail:
	gzclose(gz);
	free(buf);
	return NULL;
}

int
tu_ctl(const char *conf, char *out, size_t cap, const char *fmt, ...)
{
	char	args[8192];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return tu_run(out, cap, "%s -c %s %s 2>&1", tu_bin("bsc-ctl"), conf,
	    args);
}
