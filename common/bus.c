/*
 * bus.c: ZeroMQ transport for commands and events (see bus.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bus.h"
#include "log.h"

struct bus_client {
	void	*zctx;
	void	*sock;
	char	*endpoint;
};

struct bus_server {
	void	*sock;
	char	*endpoint;
};

struct bus_pub {
	void	*sock;
};

struct bus_sub {
	void		*sock;
	unsigned long	 dropped;
};

static int
sock_setup(void *s)
{
	int	linger = 0;
	int64_t	maxmsg = BUS_MAX_BODY + 64;

	if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) == -1 ||
	    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) == -1)
		return -1;
	return 0;
}

void *
bus_ctx_new(void)
{
	void	*z = zmq_ctx_new();

	if (z != NULL)
		/* ZeroMQ's I/O thread must not take our signals. */
		zmq_ctx_set(z, ZMQ_BLOCKY, 0);
	return z;
}

void
bus_ctx_free(void **zp)
{
	if (zp == NULL || *zp == NULL)
		return;
	zmq_ctx_term(*zp);
	*zp = NULL;
}

int
bus_prepare_endpoint(const char *endpoint)
{
	char		 dir[PATH_MAX], *slash;
	struct stat	 st;

	if (strncmp(endpoint, "ipc://", 6) != 0)
		return 0;
	if (snprintf(dir, sizeof(dir), "%s", endpoint + 6) >= (int)sizeof(dir))
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0;
	*slash = '\0';
	if (*dir == '\0')
		return 0;
	if (stat(dir, &st) == -1) {
		if (errno != ENOENT || mkdir(dir, 0700) == -1) {
			log_warn("cannot create run directory dir=%s", dir);
			return -1;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0) {
		log_warnx("run directory must be a 0700 directory dir=%s "
		    "mode=%04o", dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* --- client --- */

struct bus_client *
bus_client_new(void *zctx, const char *endpoint)
{
	struct bus_client	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->zctx = zctx;
	if ((c->endpoint = strdup(endpoint)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
bus_client_free(struct bus_client **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	if ((*cp)->sock != NULL)
		zmq_close((*cp)->sock);
	free((*cp)->endpoint);
	free(*cp);
	*cp = NULL;
}

static int
client_open(struct bus_client *c)
{
	if (c->sock != NULL)
		return 0;
	if ((c->sock = zmq_socket(c->zctx, ZMQ_REQ)) == NULL)
		return -1;
	if (sock_setup(c->sock) == -1 ||
	    zmq_connect(c->sock, c->endpoint) == -1) {
		int	e = errno;

		zmq_close(c->sock);
		c->sock = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

static void
client_reset(struct bus_client *c)
{
	if (c->sock != NULL)
		zmq_close(c->sock);
	c->sock = NULL;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for and read a one-frame reply within timeout_ms. */
static int
client_wait(struct bus_client *c, int timeout_ms, char **reply,
    size_t *replylen)
{
	zmq_pollitem_t	 it = { c->sock, 0, ZMQ_POLLIN, 0 };
	int64_t		 deadline = now_ms() + timeout_ms;
	zmq_msg_t	 m;
	int		 rc, more;
	size_t		 n;

	for (;;) {
		int64_t	left = deadline - now_ms();

		if (left < 0)
			left = 0;
		rc = zmq_poll(&it, 1, (long)left);
		if (rc == -1 && errno == EINTR && now_ms() < deadline)
			continue;
		if (rc == -1)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		break;
	}
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->sock, 0) == -1) {
		zmq_msg_close(&m);
		return -1;
	}
	more = zmq_msg_more(&m);
	n = zmq_msg_size(&m);
	if (more) {
		/* A reply is one frame; drain and refuse anything else. */
		while (zmq_msg_more(&m)) {
			zmq_msg_close(&m);
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, c->sock, 0) == -1)
				break;
		}
		zmq_msg_close(&m);
		errno = EBADMSG;
		return -1;
	}
	if (n > BUS_MAX_BODY) {
		zmq_msg_close(&m);
		errno = EMSGSIZE;
		return -1;
	}
	if ((*reply = malloc(n + 1)) == NULL) {
		zmq_msg_close(&m);
		return -1;
	}
	memcpy(*reply, zmq_msg_data(&m), n);
	(*reply)[n] = '\0';
	if (replylen != NULL)
		*replylen = n;
	zmq_msg_close(&m);
	return 0;
}

int
bus_client_request(struct bus_client *c, const char *req, size_t len,
    int timeout_ms, int retries, char **reply, size_t *replylen)
{
	int	try, e = ETIMEDOUT;

	*reply = NULL;
	if (len > BUS_MAX_BODY) {
		errno = EMSGSIZE;
		return -1;
	}
	for (try = 0; try <= retries; try++) {
		if (client_open(c) == -1)
			return -1;
		if (zmq_send(c->sock, req, len, 0) == -1) {
			e = errno;
			client_reset(c);
			continue;
		}
		if (client_wait(c, timeout_ms, reply, replylen) == 0)
			return 0;
		e = errno;
		/* A REQ socket that lost its reply is stuck: rebuild it. */
		client_reset(c);
		if (e != ETIMEDOUT)
			break;
	}
	errno = e;
	return -1;
}

int
bus_request(void *zctx, const char *endpoint, const char *req, size_t len,
    int timeout_ms, int retries, char **reply, size_t *replylen)
{
	struct bus_client	*c;
	int			 rc, e;

	if ((c = bus_client_new(zctx, endpoint)) == NULL)
		return -1;
	rc = bus_client_request(c, req, len, timeout_ms, retries, reply,
	    replylen);
	e = errno;
	bus_client_free(&c);
	errno = e;
	return rc;
}

/* --- server --- */

struct bus_server *
bus_server_new(void *zctx, const char *endpoint)
{
	struct bus_server	*s;

	if (bus_prepare_endpoint(endpoint) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->endpoint = strdup(endpoint)) == NULL ||
	    (s->sock = zmq_socket(zctx, ZMQ_ROUTER)) == NULL ||
	    sock_setup(s->sock) == -1 || zmq_bind(s->sock, endpoint) == -1) {
		log_warnx("cannot bind control endpoint=%s error=\"%s\"",
		    endpoint, zmq_strerror(errno));
		bus_server_free(&s);
		return NULL;
	}
	return s;
}

void
bus_server_free(struct bus_server **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	if ((*sp)->sock != NULL)
		zmq_close((*sp)->sock);
	free((*sp)->endpoint);
	free(*sp);
	*sp = NULL;
}

void *
bus_server_socket(struct bus_server *s)
{
	return s->sock;
}

static void
drain(void *sock, zmq_msg_t *m)
{
	while (zmq_msg_more(m)) {
		zmq_msg_close(m);
		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, 0) == -1)
			break;
	}
}

int
bus_server_recv(struct bus_server *s, struct bus_request *r)
{
	zmq_msg_t	 delim, body;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	zmq_msg_init(&r->id);
	if (zmq_msg_recv(&r->id, s->sock, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&r->id);
		return errno == EAGAIN ? 0 : -1;
	}
	/* A REQ peer sends [id][""][body]; anything short cannot be answered. */
	zmq_msg_init(&delim);
	if (!zmq_msg_more(&r->id) ||
	    zmq_msg_recv(&delim, s->sock, 0) == -1 ||
	    zmq_msg_size(&delim) != 0 || !zmq_msg_more(&delim)) {
		drain(s->sock, &delim);
		zmq_msg_close(&delim);
		zmq_msg_close(&r->id);
		log_debug("dropped request with no REQ envelope");
		return 0;
	}
	zmq_msg_close(&delim);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, s->sock, 0) == -1) {
		zmq_msg_close(&body);
		zmq_msg_close(&r->id);
		return -1;
	}
	n = zmq_msg_size(&body);
	r->valid = 1;
	if (zmq_msg_more(&body)) {
		drain(s->sock, &body);
		r->valid = 0;
		r->why = "a request must be exactly one frame";
	} else if (n > BUS_MAX_BODY) {
		r->valid = 0;
		r->why = "request too large";
	}
	if (r->valid) {
		if ((r->body = malloc(n + 1)) == NULL) {
			r->valid = 0;
			r->why = "out of memory";
		} else {
			memcpy(r->body, zmq_msg_data(&body), n);
			r->body[n] = '\0';
			r->len = n;
			if (strlen(r->body) != n) {
				r->valid = 0;
				r->why = "request contains a NUL byte";
			}
		}
	}
	zmq_msg_close(&body);
	return 1;
}

int
bus_server_reply(struct bus_server *s, struct bus_request *r,
    const char *body, size_t len)
{
	int	rc = -1;

	if (zmq_msg_send(&r->id, s->sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) != -1 &&
	    zmq_send(s->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) != -1 &&
	    zmq_send(s->sock, body, len, ZMQ_DONTWAIT) != -1)
		rc = 0;
	else
		zmq_msg_close(&r->id);	/* not consumed on failure */
	free(r->body);
	r->body = NULL;
	return rc;
}

/* --- pub/sub --- */

struct bus_pub *
bus_pub_new(void *zctx, const char *endpoint)
{
	struct bus_pub	*p;
	int		 hwm = 100000;

	if (bus_prepare_endpoint(endpoint) == -1)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->sock = zmq_socket(zctx, ZMQ_PUB)) == NULL ||
	    sock_setup(p->sock) == -1 ||
	    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) == -1 ||
	    zmq_bind(p->sock, endpoint) == -1) {
		log_warnx("cannot bind event endpoint=%s error=\"%s\"",
		    endpoint, zmq_strerror(errno));
		bus_pub_free(&p);
		return NULL;
	}
	return p;
}

void
bus_pub_free(struct bus_pub **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	if ((*pp)->sock != NULL)
		zmq_close((*pp)->sock);
	free(*pp);
	*pp = NULL;
}

int
bus_publish(struct bus_pub *p, const char *topic, const char *body,
    size_t len)
{
	size_t	tlen = strlen(topic);

	if (tlen == 0 || tlen > BUS_MAX_TOPIC || len > BUS_MAX_BODY) {
		errno = EINVAL;
		return -1;
	}
	if (zmq_send(p->sock, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
		return -1;
	if (zmq_send(p->sock, body, len, ZMQ_DONTWAIT) == -1)
		return -1;
	return 0;
}

struct bus_sub *
bus_sub_new(void *zctx)
{
	struct bus_sub	*s;
	int		 hwm = 100000;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->sock = zmq_socket(zctx, ZMQ_SUB)) == NULL ||
	    sock_setup(s->sock) == -1 ||
	    zmq_setsockopt(s->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) == -1) {
		bus_sub_free(&s);
		return NULL;
	}
	return s;
}

void
bus_sub_free(struct bus_sub **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	if ((*sp)->sock != NULL)
		zmq_close((*sp)->sock);
	free(*sp);
	*sp = NULL;
}

int
bus_sub_connect(struct bus_sub *s, const char *endpoint, const char *prefix)
{
	if (zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) ==
	    -1 || zmq_connect(s->sock, endpoint) == -1) {
		log_warnx("cannot subscribe endpoint=%s error=\"%s\"",
		    endpoint, zmq_strerror(errno));
		return -1;
	}
	return 0;
}

void *
bus_sub_socket(struct bus_sub *s)
{
	return s->sock;
}

int
bus_sub_recv(struct bus_sub *s, struct bus_event *ev, int flags)
{
	zmq_msg_init(&ev->topic);
	zmq_msg_init(&ev->body);
	if (zmq_msg_recv(&ev->topic, s->sock, flags) == -1) {
		bus_event_close(ev);
		return errno == EAGAIN ? 0 : -1;
	}
	if (!zmq_msg_more(&ev->topic) ||
	    zmq_msg_size(&ev->topic) == 0 ||
	    zmq_msg_size(&ev->topic) > BUS_MAX_TOPIC)
		goto bad;
	if (zmq_msg_recv(&ev->body, s->sock, 0) == -1) {
		bus_event_close(ev);
		return -1;
	}
	if (zmq_msg_more(&ev->body) || zmq_msg_size(&ev->body) > BUS_MAX_BODY)
		goto bad;
	return 1;
bad:
	drain(s->sock, zmq_msg_more(&ev->body) ? &ev->body : &ev->topic);
	bus_event_close(ev);
	s->dropped++;
	return 0;
}

void
bus_event_close(struct bus_event *ev)
{
	zmq_msg_close(&ev->topic);
	zmq_msg_close(&ev->body);
}

const char *
bus_event_topic(struct bus_event *ev, size_t *len)
{
	if (len != NULL)
		*len = zmq_msg_size(&ev->topic);
	return zmq_msg_data(&ev->topic);
}

const char *
bus_event_body(struct bus_event *ev, size_t *len)
{
	if (len != NULL)
		*len = zmq_msg_size(&ev->body);
	return zmq_msg_data(&ev->body);
}

unsigned long
bus_sub_dropped(const struct bus_sub *s)
{
	return s->dropped;
}
