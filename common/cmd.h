/*
 * cmd.h: the JSON command protocol on the control endpoints.
 *
 * Request:  {"cmd":"strategy.pause","args":{...},"id":"..."}
 *           (args optional; id optional, 1..64 printable characters)
 * Reply:    {"ok":true,"data":...}
 *       or  {"ok":false,"error":{"code":"...","message":"..."}}
 *
 * Error codes (stable; bsc-ctl maps them to exit codes):
 *   bad_request      not JSON, not an object, no "cmd" string
 *   unknown_command  no such command in this daemon
 *   bad_args         arguments missing or invalid
 *   not_found        the named object does not exist
 *   conflict         not allowed in the current state (e.g. update while
 *                    active, anything after emergency stop)
 *   unavailable      a dependency (database, chain) is down
 *   internal         anything else
 * Client-side only: timeout, transport, bad_reply.
 *
 * Exactly once: a client that times out resends the same request (same
 * id) on a fresh socket. A daemon keeps the replies to the last requests
 * by id (struct cmd_cache) and answers a repeated id from there instead
 * of running the command again, so a retried `funds sweep execute` or
 * `strategy create` cannot act twice. cmd_call always sends a fresh
 * random id.
 */
#ifndef BSC_CMD_H
#define BSC_CMD_H

#include <stddef.h>
#include <cJSON.h>

struct bus_client;

struct cmd_error {
	char	code[32];
	char	message[512];
};

/*
 * A command handler. args is the request's "args" object (never NULL: an
 * empty object when absent). On success return 0 and optionally set *data
 * (ownership passes to the dispatcher). On failure fill err with
 * cmd_fail() and return -1.
 */
typedef int (*cmd_fn)(void *ctx, const cJSON *args, cJSON **data,
    struct cmd_error *err);

struct cmd_def {
	const char	*name;
	cmd_fn		 fn;
};

/* A command table and the ctx its handlers get. */
struct cmd_table {
	const struct cmd_def	*defs;
	void			*ctx;
};

/* Fill err and return -1, for `return cmd_fail(err, "bad_args", ...)`. */
int	 cmd_fail(struct cmd_error *err, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

struct cmd_cache;

/* A cache of the replies to the last `slots` requests that carried an id,
 * each kept at most ttl_ms. NULL on allocation failure. */
struct cmd_cache *cmd_cache_new(size_t slots, int ttl_ms);
void	 cmd_cache_free(struct cmd_cache **);

/*
 * Parse a request and run the handler named by "cmd" from the tables
 * (an array ended by one with defs NULL, searched in order; each table's
 * handlers get its ctx). With a cache, a request whose
 * id was seen recently gets the earlier reply and runs nothing. Always
 * returns a reply string (caller frees) with its length in *outlen, or
 * NULL only when out of memory.
 */
char	*cmd_dispatch(const struct cmd_table *tables,
	    struct cmd_cache *cache, const char *req, size_t len,
	    size_t *outlen);

/* A JSON error reply for code/message (caller frees), NULL on ENOMEM. */
char	*cmd_error_reply(const char *code, const char *message, size_t *outlen);

/*
 * Send {"cmd":cmd,"args":args} through client c and wait for the reply.
 * args may be NULL; it is not consumed. Returns 0 and sets *data (the
 * reply's "data", detached, caller frees with cJSON_Delete; may be NULL)
 * when the reply says ok; -1 with err filled otherwise (remote codes as
 * above, or timeout/transport/bad_reply).
 */
int	 cmd_call(struct bus_client *c, const char *cmd, const cJSON *args,
	    int timeout_ms, int retries, cJSON **data, struct cmd_error *err);

/* Helpers for handlers reading args: each returns 0 or fills err, -1. */
int	 cmd_arg_str(const cJSON *args, const char *key, int required,
	    const char **out, struct cmd_error *err);
int	 cmd_arg_int(const cJSON *args, const char *key, int required,
	    long long min, long long max, long long *out, struct cmd_error *err);

#endif
