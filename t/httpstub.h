/*
 * httpstub.h: a tiny HTTP/1.1 server on 127.0.0.1 for tests.
 *
 * httpstub_new() binds an ephemeral port and serves from a background
 * thread (one thread per connection, so keep-alive clients and several
 * concurrent clients work). Each request is recorded, then answered by,
 * in this order of precedence:
 *
 *   1. the next scripted response queued with httpstub_push() (FIFO),
 *   2. the handler set with httpstub_set_handler(), called in the server's
 *      thread with the request and a zeroed response to fill in,
 *   3. the sticky response set with httpstub_set_default(),
 *   4. otherwise 500 "httpstub: no response scripted".
 *
 * Handler calls are serialised (one at a time), so a handler may keep
 * state without its own locking against other handler calls; the test's
 * own thread reading that state must synchronise with the server (the
 * usual pattern: read it after the client call returned).
 *
 * A response can be delayed, cut short (fewer body bytes than its
 * Content-Length says, then close), dropped (close without replying),
 * sent chunked, or replaced by raw bytes (for malformed HTTP). The server
 * only understands request bodies with Content-Length (chunked requests
 * get 411). Limits: 64 KiB of request headers, 64 MiB of body.
 *
 * Not for production: there is no TLS, no pipelining, no HTTP/2.
 */
#ifndef BSC_HTTPSTUB_H
#define BSC_HTTPSTUB_H

#include <stddef.h>

struct httpstub;

/* One recorded request. Strings are NUL-terminated. */
struct httpstub_req {
	char	 method[16];	/* "POST" */
	char	*target;	/* request target as sent: "/v1/x?a=b" */
	char	*headers;	/* raw header lines, "Name: value\r\n" each */
	char	*body;		/* body bytes plus a NUL ("" when none) */
	size_t	 bodylen;
	int	 conn;		/* connection sequence number, from 1 */
};

/*
 * A response. Zero-initialise it and set what you need; status 0 means
 * 200. body may be NULL (empty body); bodylen 0 means strlen(body).
 */
struct httpstub_resp {
	int		 status;
	const char	*headers;	/* extra lines, each ending "\r\n" */
	const char	*body;
	size_t		 bodylen;
	int		 body_free;	/* stub free()s body after sending */
	int		 delay_ms;	/* wait this long before replying */
	int		 close_no_reply; /* read the request, close, no reply */
	int		 truncate;	/* send only truncate_len body bytes */
	size_t		 truncate_len;	/* ... then close the connection */
	int		 chunked;	/* Transfer-Encoding: chunked */
	int		 close_after;	/* "Connection: close" and close */
	const char	*raw;		/* when set: send exactly these bytes */
	size_t		 rawlen;	/* (0: strlen(raw)) and close */
};

/*
 * Handler: fill in *resp for req. arg is the pointer given to
 * httpstub_set_handler. Returns 0 when it answered, -1 to fall through
 * to the default response. Runs in the server's thread.
 */
typedef int	(*httpstub_handler)(void *arg, const struct httpstub_req *req,
		    struct httpstub_resp *resp);

/* Start a server on 127.0.0.1, ephemeral port. Returns NULL on failure. */
struct httpstub	*httpstub_new(void);

/*
 * Stop the server (pending delays are cut short, connections closed,
 * threads joined) and free everything, including recorded requests.
 * Accepts NULL or a pointer to NULL; clears the pointer.
 */
void		 httpstub_free(struct httpstub **);

/* The port, and "http://127.0.0.1:PORT" (owned by the stub). */
int		 httpstub_port(const struct httpstub *);
const char	*httpstub_url(const struct httpstub *);

/*
 * Queue a scripted response (copied, including body, headers and raw, so
 * the caller's buffers may go away). Returns 0, or -1 on allocation
 * failure.
 */
int		 httpstub_push(struct httpstub *, const struct httpstub_resp *);

/* Convenience: queue a 200 (status 0) or other response with this body. */
int		 httpstub_push_body(struct httpstub *, int status,
		    const char *body);

/* Set the handler (NULL to remove). */
void		 httpstub_set_handler(struct httpstub *, httpstub_handler,
		    void *arg);

/*
 * Set the sticky fallback response (copied; NULL to remove). Returns 0,
 * or -1 on allocation failure.
 */
int		 httpstub_set_default(struct httpstub *,
		    const struct httpstub_resp *);

/* Number of requests received so far (fully read, before the reply). */
size_t		 httpstub_nrequests(struct httpstub *);

/*
 * The i-th recorded request (from 0), or NULL when i is out of range.
 * The pointer stays valid until httpstub_clear_requests or httpstub_free.
 */
const struct httpstub_req *httpstub_request(struct httpstub *, size_t i);

/* Forget recorded requests. */
void		 httpstub_clear_requests(struct httpstub *);

/* Number of TCP connections accepted so far. */
int		 httpstub_nconnections(struct httpstub *);

/*
 * Wait until at least n requests were recorded or timeout_ms passed.
 * Returns 0 when they were, -1 on timeout.
 */
int		 httpstub_wait_requests(struct httpstub *, size_t n,
		    int timeout_ms);

/*
 * A 127.0.0.1 TCP port that nothing listens on (bound to an ephemeral
 * port, then closed): connecting to it is refused. Returns -1 on error.
 */
int		 httpstub_unused_port(void);

/*
 * Value of header name (case-insensitive) in a recorded request, copied
 * into out (cap bytes, NUL-terminated, surrounding blanks trimmed).
 * Returns 0, or -1 when absent.
 */
int		 httpstub_req_header(const struct httpstub_req *,
		    const char *name, char *out, size_t cap);

#endif
