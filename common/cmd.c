/*
 * cmd.c: JSON command protocol (see cmd.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bus.h"
#include "cmd.h"
#include "log.h"

int
cmd_fail(struct cmd_error *err, const char *code, const char *fmt, ...)
{
	va_list	ap;

	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static char *
print(cJSON *o, size_t *outlen)
{
	char	*s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (s != NULL && outlen != NULL)
		*outlen = strlen(s);
	return s;
}

char *
cmd_error_reply(const char *code, const char *message, size_t *outlen)
{
	cJSON	*o = cJSON_CreateObject(), *e;

	if (o == NULL)
		return NULL;
	cJSON_AddFalseToObject(o, "ok");
	e = cJSON_AddObjectToObject(o, "error");
	if (e != NULL) {
		cJSON_AddStringToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", message);
	}
	return print(o, outlen);
}

#define CMD_ID_MAX	64

struct cmd_cache_slot {
	char		 id[CMD_ID_MAX + 1];
	char		*reply;
	size_t		 len;
	long long	 at_ms;
};

struct cmd_cache {
	struct cmd_cache_slot	*slots;
	size_t			 n, next;
	int			 ttl_ms;
};

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct cmd_cache *
cmd_cache_new(size_t slots, int ttl_ms)
{
	struct cmd_cache	*c;

	if (slots == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->slots = calloc(slots, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->n = slots;
	c->ttl_ms = ttl_ms;
	return c;
}

void
cmd_cache_free(struct cmd_cache **cp)
{
	size_t	i;

	if (cp == NULL || *cp == NULL)
		return;
	for (i = 0; i < (*cp)->n; i++)
		free((*cp)->slots[i].reply);
	free((*cp)->slots);
	free(*cp);
	*cp = NULL;
}

static const struct cmd_cache_slot *
cache_find(struct cmd_cache *c, const char *id)
{
	long long	now = mono_ms();
	size_t		i;

	for (i = 0; i < c->n; i++)
		if (c->slots[i].reply != NULL &&
		    now - c->slots[i].at_ms <= c->ttl_ms &&
		    strcmp(c->slots[i].id, id) == 0)
			return &c->slots[i];
	return NULL;
}

static void
cache_put(struct cmd_cache *c, const char *id, const char *reply, size_t len)
{
	struct cmd_cache_slot	*s = &c->slots[c->next];
	char			*copy;

	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, reply, len + 1);
	free(s->reply);
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->reply = copy;
	s->len = len;
	s->at_ms = mono_ms();
	c->next = (c->next + 1) % c->n;
}

static int
valid_id(const char *id)
{
	size_t	n = strlen(id);

	if (n == 0 || n > CMD_ID_MAX)
		return 0;
	for (; *id; id++)
		if (*id < 0x21 || *id > 0x7e)
			return 0;
	return 1;
}

static char *
run_command(const struct cmd_table *tables, cJSON *r, size_t *outlen);

char *
cmd_dispatch(const struct cmd_table *tables, struct cmd_cache *cache,
    const char *req, size_t len, size_t *outlen)
{
	const struct cmd_cache_slot	*hit;
	cJSON				*r, *id;
	char				 idbuf[CMD_ID_MAX + 1] = "";
	char				*out;

	r = cJSON_ParseWithLength(req, len);
	if (r == NULL || !cJSON_IsObject(r)) {
		cJSON_Delete(r);
		return cmd_error_reply("bad_request",
		    "request is not a JSON object", outlen);
	}
	id = cJSON_GetObjectItemCaseSensitive(r, "id");
	if (id != NULL) {
		if (!cJSON_IsString(id) || !valid_id(id->valuestring)) {
			cJSON_Delete(r);
			return cmd_error_reply("bad_request", "\"id\" must be "
			    "a string of 1..64 printable characters", outlen);
		}
		snprintf(idbuf, sizeof(idbuf), "%s", id->valuestring);
		if (cache != NULL && (hit = cache_find(cache, idbuf)) != NULL) {
			cJSON_Delete(r);
			if ((out = malloc(hit->len + 1)) == NULL)
				return NULL;
			memcpy(out, hit->reply, hit->len + 1);
			*outlen = hit->len;
			return out;
		}
	}
	out = run_command(tables, r, outlen);
	if (out != NULL && cache != NULL && idbuf[0] != '\0')
		cache_put(cache, idbuf, out, *outlen);
	return out;
}

/* Run the command of parsed request r (consumed). */
static char *
run_command(const struct cmd_table *tables, cJSON *r, size_t *outlen)
{
	cJSON			*cmd, *args, *data = NULL, *o;
	const struct cmd_def	*d = NULL;
	void			*ctx = NULL;
	struct cmd_error	 err;
	char			*out;
	size_t			 i;
	int			 rc;

	cmd = cJSON_GetObjectItemCaseSensitive(r, "cmd");
	if (!cJSON_IsString(cmd) || cmd->valuestring[0] == '\0') {
		cJSON_Delete(r);
		return cmd_error_reply("bad_request",
		    "request has no \"cmd\" string", outlen);
	}
	args = cJSON_GetObjectItemCaseSensitive(r, "args");
	if (args != NULL && !cJSON_IsObject(args) && !cJSON_IsNull(args)) {
		cJSON_Delete(r);
		return cmd_error_reply("bad_request",
		    "\"args\" must be an object", outlen);
	}
	if (args == NULL || cJSON_IsNull(args)) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "args");
		args = cJSON_AddObjectToObject(r, "args");
	}
	for (i = 0; tables[i].defs != NULL && d == NULL; i++)
		for (const struct cmd_def *t = tables[i].defs; t->name; t++)
			if (strcmp(t->name, cmd->valuestring) == 0) {
				d = t;
				ctx = tables[i].ctx;
				break;
			}
	if (d == NULL) {
		char	msg[200];

		snprintf(msg, sizeof(msg), "unknown command '%.100s'",
		    cmd->valuestring);
		cJSON_Delete(r);
		return cmd_error_reply("unknown_command", msg, outlen);
	}
	memset(&err, 0, sizeof(err));
	rc = d->fn(ctx, args, &data, &err);
	cJSON_Delete(r);
	if (rc == -1) {
		cJSON_Delete(data);
		if (err.code[0] == '\0')
			snprintf(err.code, sizeof(err.code), "internal");
		return cmd_error_reply(err.code, err.message, outlen);
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddTrueToObject(o, "ok");
	if (data != NULL)
		cJSON_AddItemToObject(o, "data", data);
	out = print(o, outlen);
	return out;
}

int
cmd_call(struct bus_client *c, const char *cmd, const cJSON *args,
    int timeout_ms, int retries, cJSON **data, struct cmd_error *err)
{
	cJSON		*req, *rep, *ok, *e, *code, *msg;
	char		*s, *reply = NULL, id[33];
	unsigned char	 rnd[16];
	size_t		 rlen, i;
	int		 rc;

	if (data != NULL)
		*data = NULL;
	memset(err, 0, sizeof(*err));
	if ((req = cJSON_CreateObject()) == NULL)
		return cmd_fail(err, "internal", "out of memory");
	cJSON_AddStringToObject(req, "cmd", cmd);
	/* A fresh id per call: a retry of this call repeats it, and the
	 * daemon answers the repeat from its cache (see cmd.h). */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		cJSON_Delete(req);
		return cmd_fail(err, "internal", "getrandom failed");
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	cJSON_AddStringToObject(req, "id", id);
	if (args != NULL)
		cJSON_AddItemToObject(req, "args",
		    cJSON_Duplicate(args, 1));
	s = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (s == NULL)
		return cmd_fail(err, "internal", "out of memory");
	rc = bus_client_request(c, s, strlen(s), timeout_ms, retries, &reply,
	    &rlen);
	free(s);
	if (rc == -1) {
		if (errno == ETIMEDOUT)
			return cmd_fail(err, "timeout", "no reply within %d ms",
			    timeout_ms);
		return cmd_fail(err, "transport", "%s", zmq_strerror(errno));
	}
	rep = cJSON_ParseWithLength(reply, rlen);
	free(reply);
	ok = rep ? cJSON_GetObjectItemCaseSensitive(rep, "ok") : NULL;
	if (!cJSON_IsBool(ok)) {
		cJSON_Delete(rep);
		return cmd_fail(err, "bad_reply", "reply is not a valid "
		    "response object");
	}
	if (cJSON_IsTrue(ok)) {
		if (data != NULL)
			*data = cJSON_DetachItemFromObjectCaseSensitive(rep,
			    "data");
		cJSON_Delete(rep);
		return 0;
	}
	e = cJSON_GetObjectItemCaseSensitive(rep, "error");
	code = e ? cJSON_GetObjectItemCaseSensitive(e, "code") : NULL;
	msg = e ? cJSON_GetObjectItemCaseSensitive(e, "message") : NULL;
	cmd_fail(err, cJSON_IsString(code) ? code->valuestring : "bad_reply",
	    "%s", cJSON_IsString(msg) ? msg->valuestring : "error reply "
	    "without message");
	cJSON_Delete(rep);
	return -1;
}

int
cmd_arg_str(const cJSON *args, const char *key, int required,
    const char **out, struct cmd_error *err)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(args, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return cmd_fail(err, "bad_args", "missing \"%s\"", key);
		return 0;
	}
	if (!cJSON_IsString(v))
		return cmd_fail(err, "bad_args", "\"%s\" must be a string", key);
	*out = v->valuestring;
	return 0;
}

int
cmd_arg_int(const cJSON *args, const char *key, int required, long long min,
    long long max, long long *out, struct cmd_error *err)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(args, key);
	double		 d;
	char		*end;
	long long	 l;

	if (v == NULL || cJSON_IsNull(v)) {
		if (required)
			return cmd_fail(err, "bad_args", "missing \"%s\"", key);
		return 0;
	}
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (d != floor(d) || d < (double)min || d > (double)max)
			return cmd_fail(err, "bad_args", "\"%s\" must be an "
			    "integer in %lld..%lld", key, min, max);
		*out = (long long)d;
		return 0;
	}
	if (cJSON_IsString(v)) {
		errno = 0;
		l = strtoll(v->valuestring, &end, 10);
		if (*v->valuestring == '\0' || *end != '\0' || errno != 0 ||
		    l < min || l > max)
			return cmd_fail(err, "bad_args", "\"%s\" must be an "
			    "integer in %lld..%lld", key, min, max);
		*out = l;
		return 0;
	}
	return cmd_fail(err, "bad_args", "\"%s\" must be an integer", key);
}
