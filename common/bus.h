/*
 * bus.h: the ZeroMQ message bus between bsc-mm processes.
 *
 * Request/reply: each daemon binds one ROUTER control endpoint
 * (bus_server); clients use a REQ socket (bus_client) that is torn down
 * and rebuilt after a timeout (the "lazy pirate" of the ZeroMQ guide), so a
 * dead peer costs one timeout per try, never a hang.
 *
 * Pub/sub: each daemon binds one PUB endpoint; every event is exactly two
 * frames [topic, json]. Receivers validate frame count and sizes on every
 * message and drop what does not fit.
 *
 * All sockets are created with ZMQ_LINGER 0 and ZMQ_MAXMSGSIZE set, so a
 * peer that sends an oversized frame is disconnected by libzmq itself.
 */
#ifndef BSC_BUS_H
#define BSC_BUS_H

#include <stddef.h>
#include <zmq.h>

#define BUS_MAX_BODY	(1024 * 1024)	/* largest JSON payload */
#define BUS_MAX_TOPIC	128		/* largest topic, bytes */

/* A process-wide ZeroMQ context; NULL on failure. Free with bus_ctx_free. */
void	*bus_ctx_new(void);
void	 bus_ctx_free(void **);

/*
 * For ipc:// endpoints, create the socket's directory with mode 0700 if
 * missing and refuse one that is group- or world-accessible, so only the
 * bot's user can command it. Other transports: no-op. Returns 0 or -1
 * (logged).
 */
int	 bus_prepare_endpoint(const char *endpoint);

/* --- request/reply client --- */

struct bus_client;

/* A client for endpoint (connected lazily). NULL on failure. */
struct bus_client *bus_client_new(void *zctx, const char *endpoint);
void	 bus_client_free(struct bus_client **);

/*
 * Send req (len bytes) and wait up to timeout_ms for the reply, retrying
 * `retries` more times on a fresh socket. On success returns 0 and a
 * NUL-terminated reply in *reply (caller frees), its length in *replylen
 * (may be NULL). Returns -1 with errno ETIMEDOUT when no reply came,
 * EMSGSIZE/EBADMSG for an invalid reply, or another errno from libzmq.
 */
int	 bus_client_request(struct bus_client *, const char *req, size_t len,
	    int timeout_ms, int retries, char **reply, size_t *replylen);

/* One-shot request on a temporary client; same contract. */
int	 bus_request(void *zctx, const char *endpoint, const char *req,
	    size_t len, int timeout_ms, int retries, char **reply,
	    size_t *replylen);

/* --- reply server --- */

struct bus_server;

/* One received request; body is NUL-terminated and owned by the server
 * until bus_server_reply or the next bus_server_recv. */
struct bus_request {
	zmq_msg_t	 id;		/* ROUTER routing id */
	char		*body;
	size_t		 len;
	int		 valid;		/* 0: malformed envelope, reply is an error */
	const char	*why;		/* what was malformed */
};

/* Bind a ROUTER on endpoint. NULL on failure (logged). */
struct bus_server *bus_server_new(void *zctx, const char *endpoint);
void	 bus_server_free(struct bus_server **);
/* The socket, for zmq_poll. */
void	*bus_server_socket(struct bus_server *);

/*
 * Receive one request without blocking. Returns 1 with *r filled, 0 when
 * nothing is waiting, -1 on a socket error. A request whose envelope could
 * not be answered at all (no routing id or delimiter) is dropped and the
 * call returns 0. r->valid is 0 when it arrived with the wrong number of
 * frames or an oversized body; the caller should reply with an error.
 */
int	 bus_server_recv(struct bus_server *, struct bus_request *r);

/* Send the reply to r and release it. Returns 0 or -1. */
int	 bus_server_reply(struct bus_server *, struct bus_request *r,
	    const char *body, size_t len);

/* --- publish/subscribe --- */

struct bus_pub;

/* Bind a PUB socket on endpoint. NULL on failure (logged). */
struct bus_pub *bus_pub_new(void *zctx, const char *endpoint);
void	 bus_pub_free(struct bus_pub **);

/*
 * Publish [topic, body] without blocking (a slow subscriber loses
 * messages at its high-water mark, as PUB does). Returns 0 or -1 with
 * errno EINVAL for an oversized topic or body.
 */
int	 bus_publish(struct bus_pub *, const char *topic, const char *body,
	    size_t len);

struct bus_sub;

/* A SUB socket; connect it to endpoints with bus_sub_connect. */
struct bus_sub *bus_sub_new(void *zctx);
void	 bus_sub_free(struct bus_sub **);
/* Connect to endpoint and subscribe to topics starting with prefix
 * ("" for all). Returns 0 or -1. */
int	 bus_sub_connect(struct bus_sub *, const char *endpoint,
	    const char *prefix);
void	*bus_sub_socket(struct bus_sub *);

/* One received event, valid until bus_event_close. */
struct bus_event {
	zmq_msg_t	 topic;
	zmq_msg_t	 body;
};

/*
 * Receive one event. flags is 0 (block) or ZMQ_DONTWAIT. Returns 1 with
 * *ev filled (close it with bus_event_close), 0 when nothing is waiting
 * (ZMQ_DONTWAIT), -1 on error. A message with the wrong frame count or an
 * oversized frame is drained, counted in bus_sub_dropped, and the call
 * returns 0.
 */
int	 bus_sub_recv(struct bus_sub *, struct bus_event *ev, int flags);
void	 bus_event_close(struct bus_event *);
/* Topic and body views; body is not NUL-terminated. */
const char *bus_event_topic(struct bus_event *, size_t *len);
const char *bus_event_body(struct bus_event *, size_t *len);
/* Number of malformed messages dropped so far. */
unsigned long bus_sub_dropped(const struct bus_sub *);

#endif
