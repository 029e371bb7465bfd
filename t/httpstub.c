/*
 * httpstub.c: see httpstub.h.
 *
 * Threads: one acceptor, one per connection. Every blocking wait polls a
 * "wake" pipe too; httpstub_free writes to it (and never drains it), so
 * every thread sees it readable and leaves. Shared state is under mu;
 * handler calls are serialised by hmu (never held together with mu).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "httpstub.h"

#define STUB_HDR_MAX	(64 * 1024)
#define STUB_BODY_MAX	(64 * 1024 * 1024)

struct stub_qnode {
	struct httpstub_resp	 r;	/* every pointer in it owned */
	struct stub_qnode	*next;
};

struct stub_conn {
	struct httpstub		*s;
	int			 fd;	/* -1 once closed (under s->mu) */
	int			 seq;
	pthread_t		 th;
	struct stub_conn	*next;
};

struct httpstub {
	int			 lfd;
	int			 port;
	char			 url[64];
	int			 wake[2];
	pthread_t		 acceptor;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_mutex_t		 hmu;
	int			 stopping;
	struct stub_conn	*conns;
	int			 nconns;
	struct httpstub_req	**reqs;
	size_t			 nreqs, capreqs;
	struct stub_qnode	*qhead, *qtail;
	struct httpstub_resp	*dflt;	/* owned copy or NULL */
	httpstub_handler	 handler;
	void			*harg;
};

static void
resp_release(struct httpstub_resp *r)
{
	free((char *)r->headers);
	free((char *)r->body);
	free((char *)r->raw);
	memset(r, 0, sizeof(*r));
}

/* Deep copy; every pointer in dst is owned afterwards. */
static int
resp_dup(struct httpstub_resp *dst, const struct httpstub_resp *src)
{
	size_t	 blen, rlen;
	char	*h = NULL, *b = NULL, *raw = NULL;

	*dst = *src;
	blen = src->body == NULL ? 0 :
	    (src->bodylen ? src->bodylen : strlen(src->body));
	rlen = src->raw == NULL ? 0 :
	    (src->rawlen ? src->rawlen : strlen(src->raw));
	if (src->headers != NULL && (h = strdup(src->headers)) == NULL)
		goto fail;
	if (src->body != NULL) {
		if ((b = malloc(blen + 1)) == NULL)
			goto fail;
		memcpy(b, src->body, blen);
		b[blen] = '\0';
	}
	if (src->raw != NULL) {
		if ((raw = malloc(rlen + 1)) == NULL)
			goto fail;
		memcpy(raw, src->raw, rlen);
		raw[rlen] = '\0';
	}
	dst->headers = h;
	dst->body = b;
	dst->bodylen = blen;
	dst->raw = raw;
	dst->rawlen = rlen;
	dst->body_free = 1;
	return 0;
fail:
	free(h);
	free(b);
	free(raw);
	memset(dst, 0, sizeof(*dst));
	return -1;
}

static void
req_free(struct httpstub_req *q)
{
	if (q == NULL)
		return;
	free(q->target);
	free(q->headers);
	free(q->body);
	free(q);
}

/*
 * Wait until fd is readable (1), the stub is stopping (0) or timeout_ms
 * (-1 forever) passed (0 as well; callers tell them apart by the clock
 * when it matters). Returns -1 on poll error.
 */
static int
wait_readable(struct httpstub *s, int fd, int timeout_ms)
{
	struct pollfd	 p[2];
	int		 n;

	p[0].fd = s->wake[0];
	p[0].events = POLLIN;
	p[1].fd = fd;
	p[1].events = POLLIN;
	for (;;) {
		n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (p[0].revents != 0)
			return 0;
		if (n == 0)
			return 0;
		return 1;
	}
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 418: return "I'm a teapot";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/*
 * Send r on fd. Returns 1 when the connection must be closed afterwards,
 * 0 when it may stay open, -1 on a send error.
 */
static int
send_resp(int fd, const struct httpstub_resp *r)
{
	char		 head[512], chunk[32];
	const char	*body = r->body != NULL ? r->body : "";
	size_t		 blen, send_len;
	int		 status = r->status ? r->status : 200, n;

	if (r->raw != NULL) {
		if (send_all(fd, r->raw,
		    r->rawlen ? r->rawlen : strlen(r->raw)) == -1)
			return -1;
		return 1;
	}
	blen = r->body == NULL ? 0 : (r->bodylen ? r->bodylen : strlen(body));
	send_len = r->truncate && r->truncate_len < blen ? r->truncate_len :
	    blen;
	if (r->chunked)
		n = snprintf(head, sizeof(head),
		    "HTTP/1.1 %d %s\r\nTransfer-Encoding: chunked\r\n%s",
		    status, reason(status),
		    r->close_after ? "Connection: close\r\n" : "");
	else
		n = snprintf(head, sizeof(head),
		    "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s",
		    status, reason(status), blen,
		    r->close_after ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (send_all(fd, head, (size_t)n) == -1)
		return -1;
	if (r->headers != NULL &&
	    send_all(fd, r->headers, strlen(r->headers)) == -1)
		return -1;
	if (send_all(fd, "\r\n", 2) == -1)
		return -1;
	if (r->chunked && blen > 0) {
		n = snprintf(chunk, sizeof(chunk), "%zx\r\n", blen);
		if (send_all(fd, chunk, (size_t)n) == -1)
			return -1;
	}
	if (send_len > 0 && send_all(fd, body, send_len) == -1)
		return -1;
	if (r->truncate)
		return 1;
	if (r->chunked) {
		if (blen > 0 && send_all(fd, "\r\n", 2) == -1)
			return -1;
		if (send_all(fd, "0\r\n\r\n", 5) == -1)
			return -1;
	}
	return r->close_after ? 1 : 0;
}

/* Simple error reply and close. */
static void
send_error(int fd, int status)
{
	struct httpstub_resp	r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = reason(status);
	r.close_after = 1;
	(void)send_resp(fd, &r);
}

/* memmem without relying on _GNU_SOURCE. */
static const char *
find_crlf2(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 3 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' &&
		    p[i + 3] == '\n')
			return p + i;
	return NULL;
}

/*
 * Find header name in the raw block hdrs (lines "Name: value\r\n"); copy
 * the trimmed value. Returns 0 or -1 when absent.
 */
static int
header_value(const char *hdrs, const char *name, char *out, size_t cap)
{
	const char	*line = hdrs, *eol, *colon, *v, *e;
	size_t		 nl = strlen(name), len;

	while (*line != '\0') {
		if ((eol = strstr(line, "\r\n")) == NULL)
			eol = line + strlen(line);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL && (size_t)(colon - line) == nl &&
		    strncasecmp(line, name, nl) == 0) {
			v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			e = eol;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			len = (size_t)(e - v);
			if (cap == 0)
				return 0;
			if (len >= cap)
				len = cap - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 0;
		}
		if (*eol == '\0')
			break;
		line = eol + 2;
	}
	return -1;
}

int
httpstub_req_header(const struct httpstub_req *q, const char *name,
    char *out, size_t cap)
{
	if (q == NULL || q->headers == NULL || name == NULL)
		return -1;
	return header_value(q->headers, name, out, cap);
}

/* Pick the response for q: queue, handler, default, built-in 500. */
static void
choose_resp(struct httpstub *s, const struct httpstub_req *q,
    struct httpstub_resp *r, int *owned_all)
{
	struct stub_qnode	*n;
	httpstub_handler	 h;
	void			*harg;
	int			 rc;

	memset(r, 0, sizeof(*r));
	*owned_all = 0;
	pthread_mutex_lock(&s->mu);
	if ((n = s->qhead) != NULL) {
		s->qhead = n->next;
		if (s->qhead == NULL)
			s->qtail = NULL;
		pthread_mutex_unlock(&s->mu);
		*r = n->r;
		*owned_all = 1;
		free(n);
		return;
	}
	h = s->handler;
	harg = s->harg;
	pthread_mutex_unlock(&s->mu);

	if (h != NULL) {
		pthread_mutex_lock(&s->hmu);
		rc = h(harg, q, r);
		pthread_mutex_unlock(&s->hmu);
		if (rc == 0)
			return;
		if (r->body_free)
			free((char *)r->body);
		memset(r, 0, sizeof(*r));
	}

	pthread_mutex_lock(&s->mu);
	if (s->dflt != NULL && resp_dup(r, s->dflt) == 0) {
		*owned_all = 1;
		pthread_mutex_unlock(&s->mu);
		return;
	}
	pthread_mutex_unlock(&s->mu);
	r->status = 500;
	r->body = "httpstub: no response scripted";
}

static int
record_req(struct httpstub *s, struct httpstub_req *q)
{
	struct httpstub_req	**nr;
	size_t			  ncap;

	pthread_mutex_lock(&s->mu);
	if (s->nreqs == s->capreqs) {
		ncap = s->capreqs ? s->capreqs * 2 : 16;
		if ((nr = realloc(s->reqs, ncap * sizeof(*nr))) == NULL) {
			pthread_mutex_unlock(&s->mu);
			return -1;
		}
		s->reqs = nr;
		s->capreqs = ncap;
	}
	s->reqs[s->nreqs++] = q;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Sleep delay_ms unless the stub stops first. Returns 0, or -1 if stopping. */
static int
stub_delay(struct httpstub *s, int delay_ms)
{
	struct timespec	 t0, t1;
	long		 left, el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (t1.tv_sec - t0.tv_sec) * 1000L +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000L;
		left = delay_ms - el;
		if (left <= 0)
			return 0;
		if (wait_readable(s, -1, (int)left) == -1)
			return -1;
		pthread_mutex_lock(&s->mu);
		if (s->stopping) {
			pthread_mutex_unlock(&s->mu);
			return -1;
		}
		pthread_mutex_unlock(&s->mu);
	}
}

/*
 * Read more bytes into *buf (growing it). Returns bytes read, 0 on EOF or
 * stop, -1 on error or when max would be exceeded.
 */
static ssize_t
read_more(struct httpstub *s, int fd, char **buf, size_t *len, size_t *cap,
    size_t max)
{
	char	*nb;
	size_t	 ncap;
	ssize_t	 n;
	int	 w;

	if (*len >= max)
		return -1;
	if (*cap - *len < 4096) {
		ncap = *cap ? *cap * 2 : 8192;
		if ((nb = realloc(*buf, ncap + 1)) == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	if ((w = wait_readable(s, fd, -1)) <= 0)
		return w == 0 ? 0 : -1;
	do
		n = recv(fd, *buf + *len, *cap - *len, 0);
	while (n == -1 && errno == EINTR);
	if (n < 0)
		return -1;
	*len += (size_t)n;
	return n;
}

/*
 * Close like a real server does: stop sending, then read and discard
 * what the client still sends (at most a second), so that closing with
 * unread input does not reset the connection and destroy the reply.
 */
static void
conn_close(struct httpstub *s, struct stub_conn *c)
{
	char		 junk[4096];
	struct timespec	 t0, t1;
	long		 left;
	ssize_t		 n;

	shutdown(c->fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = 1000 - ((t1.tv_sec - t0.tv_sec) * 1000L +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left <= 0 || wait_readable(s, c->fd, (int)left) != 1)
			break;
		n = recv(c->fd, junk, sizeof(junk), 0);
		if (n <= 0 && !(n == -1 && errno == EINTR))
			break;
	}
	pthread_mutex_lock(&s->mu);
	if (c->fd != -1) {
		shutdown(c->fd, SHUT_RDWR);
		close(c->fd);
		c->fd = -1;
	}
	pthread_mutex_unlock(&s->mu);
}

static void *
conn_main(void *arg)
{
	struct stub_conn	*c = arg;
	struct httpstub		*s = c->s;
	struct httpstub_req	*q = NULL;
	struct httpstub_resp	 r;
	const char		*he, *sp1, *sp2, *eol;
	char			*buf = NULL, val[64], *end;
	size_t			 len = 0, cap = 0, hlen, clen, total;
	unsigned long long	 cl;
	int			 owned, rc, closing;
	ssize_t			 n;

	for (;;) {
		/* Headers. */
		while ((he = (buf == NULL ? NULL : find_crlf2(buf, len))) ==
		    NULL) {
			n = read_more(s, c->fd, &buf, &len, &cap, STUB_HDR_MAX);
			if (n == -1 && len >= STUB_HDR_MAX)
				send_error(c->fd, 431);
			if (n <= 0)
				goto done;
		}
		hlen = (size_t)(he - buf) + 4;
		if ((q = calloc(1, sizeof(*q))) == NULL)
			goto done;
		q->conn = c->seq;
		/* Request line (he + 2 always ends a line). */
		eol = buf;
		while (!(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		sp1 = memchr(buf, ' ', (size_t)(eol - buf));
		sp2 = sp1 == NULL ? NULL :
		    memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
		if (sp1 == NULL || sp2 == NULL ||
		    (size_t)(sp1 - buf) >= sizeof(q->method) ||
		    strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
			send_error(c->fd, 400);
			goto done;
		}
		memcpy(q->method, buf, (size_t)(sp1 - buf));
		q->target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
		q->headers = strndup(eol + 2, (size_t)(he + 2 - (eol + 2)));
		if (q->target == NULL || q->headers == NULL)
			goto done;
		if (header_value(q->headers, "Transfer-Encoding", val,
		    sizeof(val)) == 0) {
			send_error(c->fd, 411);
			goto done;
		}
		cl = 0;
		if (header_value(q->headers, "Content-Length", val,
		    sizeof(val)) == 0) {
			errno = 0;
			cl = strtoull(val, &end, 10);
			if (errno != 0 || *end != '\0' || end == val ||
			    val[0] == '-') {
				send_error(c->fd, 400);
				goto done;
			}
			if (cl > STUB_BODY_MAX) {
				send_error(c->fd, 413);
				goto done;
			}
		}
		clen = (size_t)cl;
		total = hlen + clen;
		while (len < total) {
			if ((n = read_more(s, c->fd, &buf, &len, &cap,
			    total + 4096)) <= 0)
				goto done;
		}
		if ((q->body = malloc(clen + 1)) == NULL)
			goto done;
		memcpy(q->body, buf + hlen, clen);
		q->body[clen] = '\0';
		q->bodylen = clen;
		closing = header_value(q->headers, "Connection", val,
		    sizeof(val)) == 0 && strcasecmp(val, "close") == 0;
		memmove(buf, buf + total, len - total);
		len -= total;

		if (record_req(s, q) == -1)
			goto done;
		/* The request now belongs to the record; respond from it. */
		choose_resp(s, q, &r, &owned);
		q = NULL;
		if (r.delay_ms > 0 && stub_delay(s, r.delay_ms) == -1)
			rc = -1;
		else if (r.close_no_reply)
			rc = 1;
		else
			rc = send_resp(c->fd, &r);
		if (owned)
			resp_release(&r);
		else if (r.body_free)
			free((char *)r.body);
		if (rc != 0 || closing)
			goto done;
	}
done:
	req_free(q);
	free(buf);
	conn_close(s, c);
	return NULL;
}

static void *
accept_main(void *arg)
{
	struct httpstub		*s = arg;
	struct stub_conn	*c;
	int			 fd, w;

	for (;;) {
		if ((w = wait_readable(s, s->lfd, -1)) <= 0)
			break;
		if ((fd = accept(s->lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED)
				continue;
			break;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->s = s;
		c->fd = fd;
		pthread_mutex_lock(&s->mu);
		if (s->stopping) {
			pthread_mutex_unlock(&s->mu);
			close(fd);
			free(c);
			break;
		}
		c->seq = ++s->nconns;
		if (pthread_create(&c->th, NULL, conn_main, c) != 0) {
			s->nconns--;
			pthread_mutex_unlock(&s->mu);
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

struct httpstub *
httpstub_new(void)
{
	struct httpstub		*s;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 one = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->lfd = -1;
	s->wake[0] = s->wake[1] = -1;
	if (pipe(s->wake) == -1)
		goto fail;
	(void)fcntl(s->wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(s->wake[1], F_SETFD, FD_CLOEXEC);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto fail;
	(void)fcntl(s->lfd, F_SETFD, FD_CLOEXEC);
	(void)setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s->lfd, 64) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&sin, &slen) == -1)
		goto fail;
	s->port = ntohs(sin.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->hmu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->acceptor, NULL, accept_main, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_mutex_destroy(&s->hmu);
		pthread_cond_destroy(&s->cv);
		goto fail;
	}
	return s;
fail:
	if (s->lfd != -1)
		close(s->lfd);
	if (s->wake[0] != -1)
		close(s->wake[0]);
	if (s->wake[1] != -1)
		close(s->wake[1]);
	free(s);
	return NULL;
}

void
httpstub_free(struct httpstub **sp)
{
	struct httpstub		*s;
	struct stub_conn	*c, *cn;
	struct stub_qnode	*n, *nn;
	ssize_t			 w;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	*sp = NULL;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_mutex_unlock(&s->mu);
	do
		w = write(s->wake[1], "x", 1);
	while (w == -1 && errno == EINTR);
	pthread_join(s->acceptor, NULL);
	/* No new connections now; unblock any thread stuck in send(). */
	pthread_mutex_lock(&s->mu);
	for (c = s->conns; c != NULL; c = c->next)
		if (c->fd != -1)
			shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->mu);
	for (c = s->conns; c != NULL; c = cn) {
		cn = c->next;
		pthread_join(c->th, NULL);
		free(c);
	}
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	httpstub_clear_requests(s);
	free(s->reqs);
	for (n = s->qhead; n != NULL; n = nn) {
		nn = n->next;
		resp_release(&n->r);
		free(n);
	}
	if (s->dflt != NULL) {
		resp_release(s->dflt);
		free(s->dflt);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->hmu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

int
httpstub_port(const struct httpstub *s)
{
	return s->port;
}

const char *
httpstub_url(const struct httpstub *s)
{
	return s->url;
}

int
httpstub_push(struct httpstub *s, const struct httpstub_resp *r)
{
	struct stub_qnode	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	if (resp_dup(&n->r, r) == -1) {
		free(n);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	if (s->qtail != NULL)
		s->qtail->next = n;
	else
		s->qhead = n;
	s->qtail = n;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int
httpstub_push_body(struct httpstub *s, int status, const char *body)
{
	struct httpstub_resp	r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	return httpstub_push(s, &r);
}

void
httpstub_set_handler(struct httpstub *s, httpstub_handler h, void *arg)
{
	pthread_mutex_lock(&s->mu);
	s->handler = h;
	s->harg = arg;
	pthread_mutex_unlock(&s->mu);
}

int
httpstub_set_default(struct httpstub *s, const struct httpstub_resp *r)
{
	struct httpstub_resp	*d = NULL, *old;

	if (r != NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL)
			return -1;
		if (resp_dup(d, r) == -1) {
			free(d);
			return -1;
		}
	}
	pthread_mutex_lock(&s->mu);
	old = s->dflt;
	s->dflt = d;
	pthread_mutex_unlock(&s->mu);
	if (old != NULL) {
		resp_release(old);
		free(old);
	}
	return 0;
}

size_t
httpstub_nrequests(struct httpstub *s)
{
	size_t	n;

	pthread_mutex_lock(&s->mu);
	n = s->nreqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const struct httpstub_req *
httpstub_request(struct httpstub *s, size_t i)
{
	const struct httpstub_req	*q = NULL;

	pthread_mutex_lock(&s->mu);
	if (i < s->nreqs)
		q = s->reqs[i];
	pthread_mutex_unlock(&s->mu);
	return q;
}

void
httpstub_clear_requests(struct httpstub *s)
{
	size_t	i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nreqs; i++)
		req_free(s->reqs[i]);
	s->nreqs = 0;
	pthread_mutex_unlock(&s->mu);
}

int
httpstub_nconnections(struct httpstub *s)
{
	int	n;

	pthread_mutex_lock(&s->mu);
	n = s->nconns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int
httpstub_wait_requests(struct httpstub *s, size_t n, int timeout_ms)
{
	struct timespec	ts;
	int		rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (s->nreqs < n && rc == 0)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT)
			rc = -1;
	if (s->nreqs >= n)
		rc = 0;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int
httpstub_unused_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
