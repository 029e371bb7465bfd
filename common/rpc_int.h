/*
 * rpc_int.h: what the files of the JSON-RPC client share (not for use
 * outside common/rpc*.c; the API is rpc.h): the client's state, its
 * endpoints, and the helpers each file offers the others. See rpc.c for
 * the map.
 */
#ifndef BSC_RPC_INT_H
#define BSC_RPC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "rpc.h"

#define HEALTH_HALFLIFE_MS	60000.0
#define LATENCY_ALPHA		0.2
#define BUF_KEEP_MAX		(1024 * 1024)	/* keep smaller buffers */
#define METHOD_MAX		64

struct rpc_buf {
	char	*p;
	size_t	 len, cap, max;
	int	 too_big;
};

struct rpc_ep {
	char			*url;
	char			 label[RPC_LABEL_MAX];
	int			 index;
	int			 is_send;
	CURL			*curl;
	struct curl_slist	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	struct rpc_buf		 buf;
	/* health */
	double			 fail_w;
	int64_t			 fail_w_at;
	int64_t			 demoted_until;
	unsigned		 consec;
	uint64_t		 ok, failed;
	double			 latency;
	int			 have_latency;
	int64_t			 last_ok_at;	/* -1 never */
	int64_t			 last_err_at;	/* -1 never */
	char			 last_error[RPC_ERR_MSG_MAX];
};

struct rpc {
	struct rpc_opts	 o;		/* strings not kept: see ep[] */
	struct rpc_ep	 ep[RPC_MAX_ENDPOINTS + 1];
	int		 nurls;
	int		 has_send;
	uint64_t	 next_id;
	uint64_t	 rng;
	uint64_t	 wire_us;	/* inside curl_easy_perform, lifetime */
};

/* What a reply parser concluded. */
enum rpc_outcome {
	OUT_OK,		/* good reply; the endpoint is healthy */
	OUT_FINAL,	/* an answer that is an error (rpc error object) */
	OUT_RETRY	/* the endpoint's fault: try the next one */
};

typedef enum rpc_outcome (*rpc_parse_fn)(void *ctx, cJSON *root,
    struct rpc_error *e);

/* rpc.c */
/* Monotonic clock: milliseconds, microseconds. */
int64_t		 rpc_now_ms(void);
int64_t		 rpc_now_us(void);
/* Sleep ms milliseconds (through signals). */
void		 rpc_sleep_ms(int64_t ms);
/* Jitter for backoffs (xorshift; not for secrets). */
uint64_t	 rpc_rng_next(struct rpc *r);
/* Fill e (may be NULL): kind, endpoint index (-1 none), message. */
void		 rpc_seterr(struct rpc_error *e, enum rpc_err_kind kind,
		    int endpoint, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* Prefix e->message with "prefix: " (keeps everything else). */
void		 rpc_err_prefix(struct rpc_error *e, const char *prefix);
/* A printable excerpt of untrusted s[0..n) for messages, without
 * quotes or backslashes (they end up in err="..." log fields). */
void		 rpc_excerpt(const char *s, size_t n, char *out, size_t cap);
/* An attempt on ep failed with e / succeeded in latency ms: its health. */
void		 rpc_ep_failed(struct rpc *r, struct rpc_ep *ep,
		    const struct rpc_error *e);
void		 rpc_ep_succeeded(struct rpc_ep *ep, int64_t latency);
/* Fill idx with the endpoints to try, best first: the send endpoint
 * alone when to_send, else the ordinary ones. Returns their count. */
int		 rpc_ep_order(const struct rpc *r, int to_send,
		    int idx[RPC_MAX_ENDPOINTS]);

/* rpc_parse.c */
/* An RPC_ERR_VALIDATION error in e: what was v, wanted want. */
void		 rpc_badval(const cJSON *v, const char *what, const char *want,
		    struct rpc_error *e);

#endif
