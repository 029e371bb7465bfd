/*
 * heartbeat.h: monitord's view of the other daemons' liveness, fed by
 * their heartbeat.<name> events.
 */
#ifndef MONITORD_HEARTBEAT_H
#define MONITORD_HEARTBEAT_H

#include <cJSON.h>

#define HB_MAX_PROCS	8

struct hb_proc {
	char		 name[32];
	long long	 last_ms;	/* monotonic receipt time, 0 = never */
	int		 pid;
	long long	 uptime_s;
	int		 healthy;	/* as the process reported it */
	unsigned long	 count;
	unsigned long	 restarts;	/* pid changes seen */
};

struct hb_table {
	struct hb_proc	 procs[HB_MAX_PROCS];
	int		 nprocs;
	int		 timeout_ms;	/* silent this long = down */
};

/* Start tracking names (NULL-terminated); timeout_ms marks a process down. */
void	hb_init(struct hb_table *, const char *const *names, int timeout_ms);

/*
 * Record a heartbeat event: topic "heartbeat.<name>" and its JSON body.
 * Returns 0, or -1 for an unknown process or a malformed body (ignored).
 */
int	hb_record(struct hb_table *, const char *topic, size_t tlen,
	    const char *body, size_t blen, long long now_ms);

/* 1 when name's last heartbeat is fresh, else 0. */
int	hb_alive(const struct hb_table *, const char *name, long long now_ms);

/* {"marketd":{"alive":true,"age_ms":..,"pid":..,"healthy":..},...}
 * (caller frees). */
cJSON	*hb_to_json(const struct hb_table *, long long now_ms);

#endif
