/*
 * check_httpstub.c: the test HTTP server itself, over raw sockets, so
 * that the suites built on it (check_rpc, the fake exchange) can trust
 * what it does on the wire.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpstub.h"
#include "testutil.h"

static int
tconnect(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
tsend(int fd, const char *s)
{
	size_t	n = strlen(s);
	ssize_t	w;

	while (n > 0) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		ck_assert_int_gt(w, 0);
		s += w;
		n -= (size_t)w;
	}
}

/* Read until EOF (or 10 s of silence). Returns a new string. */
static char *
tread_all(int fd)
{
	struct pollfd	 p;
	char		*b = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			b = realloc(b, cap + 1);
			ck_assert_ptr_nonnull(b);
		}
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 10000) <= 0)
			break;
		n = recv(fd, b + len, cap - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	b[len] = '\0';
	return b;
}

/* One request on a new connection; the whole reply. */
static char *
exchange(struct httpstub *s, const char *req)
{
	int	 fd = tconnect(httpstub_port(s));
	char	*r;

	ck_assert_int_ge(fd, 0);
	tsend(fd, req);
	r = tread_all(fd);
	close(fd);
	return r;
}

#define GET_CLOSE "GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Key:  abc \r\n" \
	"Connection: close\r\n\r\n"

START_TEST(test_basic)
{
	struct httpstub			*s = httpstub_new();
	const struct httpstub_req	*q;
	char				*r, v[32];

	ck_assert_ptr_nonnull(s);
	ck_assert_int_gt(httpstub_port(s), 0);
	ck_assert_ptr_nonnull(strstr(httpstub_url(s), "http://127.0.0.1:"));
	ck_assert_int_eq(httpstub_push_body(s, 0, "hello"), 0);
	r = exchange(s, GET_CLOSE);
	ck_assert_str_eq(r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	free(r);
	ck_assert_uint_eq(httpstub_nrequests(s), 1);
	q = httpstub_request(s, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(q->method, "GET");
	ck_assert_str_eq(q->target, "/a?b=c");
	ck_assert_str_eq(q->body, "");
	ck_assert_uint_eq(q->bodylen, 0);
	ck_assert_int_eq(q->conn, 1);
	ck_assert_int_eq(httpstub_req_header(q, "x-key", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(httpstub_req_header(q, "X-Nope", v, sizeof(v)), -1);
	ck_assert_ptr_null(httpstub_request(s, 1));

	/* nothing scripted: 500 */
	r = exchange(s, GET_CLOSE);
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 500 "));
	ck_assert_ptr_nonnull(strstr(r, "no response scripted"));
	free(r);
	httpstub_clear_requests(s);
	ck_assert_uint_eq(httpstub_nrequests(s), 0);
	ck_assert_int_eq(httpstub_nconnections(s), 2);
	httpstub_free(&s);
	ck_assert_ptr_null(s);
	httpstub_free(&s);
	httpstub_free(NULL);
}
END_TEST

START_TEST(test_keepalive_pipelined)
{
	struct httpstub	*s = httpstub_new();
	char		*r;
	int		 fd;

	ck_assert_int_eq(httpstub_push_body(s, 201, "one"), 0);
	ck_assert_int_eq(httpstub_push_body(s, 0, "two"), 0);
	fd = tconnect(httpstub_port(s));
	ck_assert_int_ge(fd, 0);
	/* both requests in one write: the second must not be lost */
	tsend(fd, "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
	    "POST /y HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n"
	    "\r\nwxyz");
	r = tread_all(fd);
	close(fd);
	ck_assert_str_eq(r, "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\none"
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
	free(r);
	ck_assert_int_eq(httpstub_nconnections(s), 1);
	ck_assert_uint_eq(httpstub_nrequests(s), 2);
	ck_assert_str_eq(httpstub_request(s, 0)->body, "abc");
	ck_assert_str_eq(httpstub_request(s, 1)->body, "wxyz");
	ck_assert_str_eq(httpstub_request(s, 1)->target, "/y");
	ck_assert_int_eq(httpstub_request(s, 1)->conn, 1);
	httpstub_free(&s);
}
END_TEST

static int
handler(void *arg, const struct httpstub_req *q, struct httpstub_resp *resp)
{
	int	*calls = arg;
	char	*b;

	(*calls)++;
	if (strcmp(q->target, "/pass") == 0)
		return -1;
	if ((b = malloc(64)) == NULL)
		return -1;
	snprintf(b, 64, "handled %s", q->target);
	resp->status = 202;
	resp->body = b;
	resp->body_free = 1;
	resp->headers = "X-Stub: yes\r\n";
	resp->close_after = 1;
	return 0;
}

START_TEST(test_precedence)
{
	struct httpstub		*s = httpstub_new();
	struct httpstub_resp	 d;
	int			 calls = 0;
	char			*r;

	memset(&d, 0, sizeof(d));
	d.status = 404;
	d.body = "default";
	d.close_after = 1;
	ck_assert_int_eq(httpstub_set_default(s, &d), 0);
	httpstub_set_handler(s, handler, &calls);
	ck_assert_int_eq(httpstub_push_body(s, 0, "queued"), 0);

	r = exchange(s, "GET /h HTTP/1.1\r\nConnection: close\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nqueued"));
	free(r);
	ck_assert_int_eq(calls, 0);
	r = exchange(s, "GET /h HTTP/1.1\r\n\r\n");
	ck_assert_str_eq(r, "HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n"
	    "Connection: close\r\nX-Stub: yes\r\n\r\nhandled /h");
	free(r);
	r = exchange(s, "GET /pass HTTP/1.1\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404 Not Found"));
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\ndefault"));
	free(r);
	ck_assert_int_eq(calls, 2);
	httpstub_set_handler(s, NULL, NULL);
	ck_assert_int_eq(httpstub_set_default(s, NULL), 0);
	r = exchange(s, GET_CLOSE);
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 500 "));
	free(r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_faults)
{
	struct httpstub		*s = httpstub_new();
	struct httpstub_resp	 x;
	char			*r;

	memset(&x, 0, sizeof(x));
	x.close_no_reply = 1;
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	r = exchange(s, GET_CLOSE);
	ck_assert_str_eq(r, "");
	free(r);

	memset(&x, 0, sizeof(x));
	x.body = "0123456789";
	x.truncate = 1;
	x.truncate_len = 4;
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	r = exchange(s, "GET / HTTP/1.1\r\n\r\n");	/* closed anyway */
	ck_assert_str_eq(r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123");
	free(r);

	memset(&x, 0, sizeof(x));
	x.body = "abcdef";
	x.chunked = 1;
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	r = exchange(s, GET_CLOSE);
	ck_assert_str_eq(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n6\r\nabcdef\r\n0\r\n\r\n");
	free(r);

	memset(&x, 0, sizeof(x));
	x.raw = "junk\r\n";
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	r = exchange(s, "GET / HTTP/1.1\r\n\r\n");
	ck_assert_str_eq(r, "junk\r\n");
	free(r);

	/* a body with a NUL byte, by length */
	memset(&x, 0, sizeof(x));
	x.body = "a\0b";
	x.bodylen = 3;
	x.close_after = 1;
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	r = exchange(s, "GET / HTTP/1.1\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "Content-Length: 3\r\n"));
	free(r);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct httpstub	*s = httpstub_new();
	char		*r, *big;
	size_t		 n = 70 * 1024;

	r = exchange(s, "NONSENSE\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 400 "));
	free(r);
	r = exchange(s, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 411 "));
	free(r);
	r = exchange(s, "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 400 "));
	free(r);
	r = exchange(s, "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 413 "));
	free(r);
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	big[n] = '\0';
	r = exchange(s, big);
	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 431 "));
	free(r);
	free(big);
	ck_assert_uint_eq(httpstub_nrequests(s), 0);
	httpstub_free(&s);
}
END_TEST

START_TEST(test_delay_and_stop)
{
	struct httpstub		*s = httpstub_new();
	struct httpstub_resp	 x;
	struct timespec		 t0, t1;
	int			 fd, port;

	memset(&x, 0, sizeof(x));
	x.body = "late";
	x.delay_ms = 30000;
	ck_assert_int_eq(httpstub_push(s, &x), 0);
	fd = tconnect(httpstub_port(s));
	ck_assert_int_ge(fd, 0);
	tsend(fd, "GET / HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(httpstub_wait_requests(s, 1, 10000), 0);
	ck_assert_int_eq(httpstub_wait_requests(s, 2, 50), -1);
	/* stopping cuts the delay short */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	httpstub_free(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 10);
	close(fd);

	port = httpstub_unused_port();
	ck_assert_int_gt(port, 0);
	errno = 0;
	ck_assert_int_eq(tconnect(port), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("httpstub");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_keepalive_pipelined);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_faults);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_delay_and_stop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
