/*
 * heartbeat.c: liveness of the other daemons from their heartbeats.
 */
#include <stdio.h>
#include <string.h>

#include "heartbeat.h"

void
hb_init(struct hb_table *t, const char *const *names, int timeout_ms)
{
	memset(t, 0, sizeof(*t));
	t->timeout_ms = timeout_ms;
	for (; *names != NULL && t->nprocs < HB_MAX_PROCS; names++)
		snprintf(t->procs[t->nprocs++].name,
		    sizeof(t->procs[0].name), "%s", *names);
}

static struct hb_proc *
find(struct hb_table *t, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < t->nprocs; i++)
		if (strlen(t->procs[i].name) == len &&
		    memcmp(t->procs[i].name, name, len) == 0)
			return &t->procs[i];
	return NULL;
}

int
hb_record(struct hb_table *t, const char *topic, size_t tlen,
    const char *body, size_t blen, long long now_ms)
{
	static const char	 pfx[] = "heartbeat.";
	struct hb_proc		*p;
	cJSON			*o, *pid, *up, *ok;

	if (tlen <= sizeof(pfx) - 1 || memcmp(topic, pfx, sizeof(pfx) - 1))
		return -1;
	if ((p = find(t, topic + sizeof(pfx) - 1, tlen - sizeof(pfx) + 1)) ==
	    NULL)
		return -1;
	if ((o = cJSON_ParseWithLength(body, blen)) == NULL)
		return -1;
	pid = cJSON_GetObjectItemCaseSensitive(o, "pid");
	up = cJSON_GetObjectItemCaseSensitive(o, "uptime_s");
	ok = cJSON_GetObjectItemCaseSensitive(o, "healthy");
	if (!cJSON_IsNumber(pid) || !cJSON_IsNumber(up) || !cJSON_IsBool(ok)) {
		cJSON_Delete(o);
		return -1;
	}
	if (p->pid != 0 && p->pid != pid->valueint)
		p->restarts++;
	p->pid = pid->valueint;
	p->uptime_s = (long long)up->valuedouble;
	p->healthy = cJSON_IsTrue(ok);
	p->last_ms = now_ms;
	p->count++;
	cJSON_Delete(o);
	return 0;
}

static int
fresh(const struct hb_table *t, const struct hb_proc *p, long long now_ms)
{
	return p->last_ms != 0 && now_ms - p->last_ms <= t->timeout_ms;
}

int
hb_alive(const struct hb_table *t, const char *name, long long now_ms)
{
	int	i;

	for (i = 0; i < t->nprocs; i++)
		if (strcmp(t->procs[i].name, name) == 0)
			return fresh(t, &t->procs[i], now_ms);
	return 0;
}

cJSON *
hb_to_json(const struct hb_table *t, long long now_ms)
{
	cJSON	*o = cJSON_CreateObject(), *p;
	int	 i;

	for (i = 0; i < t->nprocs; i++) {
		const struct hb_proc	*h = &t->procs[i];

		p = cJSON_AddObjectToObject(o, h->name);
		cJSON_AddBoolToObject(p, "alive", fresh(t, h, now_ms));
		if (h->last_ms == 0) {
			cJSON_AddNullToObject(p, "age_ms");
			continue;
		}
		cJSON_AddNumberToObject(p, "age_ms", (double)(now_ms - h->last_ms));
		cJSON_AddNumberToObject(p, "pid", h->pid);
		cJSON_AddNumberToObject(p, "uptime_s", (double)h->uptime_s);
		cJSON_AddBoolToObject(p, "healthy", h->healthy);
		cJSON_AddNumberToObject(p, "restarts", (double)h->restarts);
	}
	return o;
}
