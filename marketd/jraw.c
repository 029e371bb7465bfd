/*
 * jraw.c: strict JSON parser keeping number text (see jraw.h).
 *
 * Recursive descent with a depth limit; nodes come from an arena of
 * fixed-size blocks so a 100,000-candle file costs a few allocations.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jraw.h"

#define JR_DEPTH_MAX	64
#define JR_BLOCK	4096

struct jr_block {
	struct jr_block	*next;
	size_t		 used;
	struct jr	 nodes[JR_BLOCK];
};

struct jr_doc {
	struct jr_block	*blocks;
	struct jr	*root;
};

struct jr_parser {
	const char	*p, *end;
	int		 line;
	struct jr_doc	*doc;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static int
fail(struct jr_parser *ps, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (ps->failed)
		return -1;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static struct jr *
node(struct jr_parser *ps)
{
	struct jr_block	*b = ps->doc->blocks;
	struct jr	*n;

	if (b == NULL || b->used == JR_BLOCK) {
		if ((b = calloc(1, sizeof(*b))) == NULL) {
			fail(ps, "out of memory");
			return NULL;
		}
		b->next = ps->doc->blocks;
		ps->doc->blocks = b;
	}
	n = &b->nodes[b->used++];
	memset(n, 0, sizeof(*n));
	n->line = ps->line;
	return n;
}

static void
skip_ws(struct jr_parser *ps)
{
	while (ps->p < ps->end) {
		char	c = *ps->p;

		if (c == '\n')
			ps->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		ps->p++;
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string at ps->p (on the quote): point s and len at its raw content. */
static int
string(struct jr_parser *ps, const char **s, size_t *len)
{
	const char	*start;
	int		 i;

	ps->p++;
	start = ps->p;
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char	c = (unsigned char)*ps->p;

		if (c < 0x20)
			return fail(ps, "control character in a string");
		if (c == '\\') {
			if (++ps->p == ps->end)
				break;
			switch (*ps->p) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				break;
			case 'u':
				for (i = 0; i < 4; i++)
					if (++ps->p == ps->end ||
					    hexval(*ps->p) < 0)
						return fail(ps, "bad \\u escape");
				break;
			default:
				return fail(ps, "bad escape in a string");
			}
		}
		ps->p++;
	}
	if (ps->p == ps->end)
		return fail(ps, "unterminated string");
	*s = start;
	*len = (size_t)(ps->p - start);
	ps->p++;
	return 0;
}

static int
digits(struct jr_parser *ps)
{
	const char	*s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > s ? 0 : -1;
}

/* A number per RFC 8259 (sign, no leading zeros, fraction, exponent). */
static int
number(struct jr_parser *ps, struct jr *v)
{
	const char	*s = ps->p;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps) == -1)
		return fail(ps, "bad number");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (digits(ps) == -1)
			return fail(ps, "bad number");
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps) == -1)
			return fail(ps, "bad number");
	}
	v->type = JR_NUM;
	v->s = s;
	v->len = (size_t)(ps->p - s);
	return 0;
}

static int	value(struct jr_parser *, struct jr *, int depth);

static int
container(struct jr_parser *ps, struct jr *v, int depth)
{
	int		 obj = *ps->p == '{';
	char		 close = obj ? '}' : ']';
	struct jr	*last = NULL, *c;

	v->type = obj ? JR_OBJ : JR_ARR;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		const char	*key = NULL;
		size_t		 keylen = 0;

		skip_ws(ps);
		if (obj) {
			if (ps->p == ps->end || *ps->p != '"')
				return fail(ps, "expected a member name");
			if (string(ps, &key, &keylen) == -1)
				return -1;
			skip_ws(ps);
			if (ps->p == ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
			skip_ws(ps);
		}
		if ((c = node(ps)) == NULL)
			return -1;
		c->key = key;
		c->keylen = keylen;
		if (value(ps, c, depth + 1) == -1)
			return -1;
		if (last == NULL)
			v->child = c;
		else
			last->next = c;
		last = c;
		v->n++;
		skip_ws(ps);
		if (ps->p == ps->end)
			return fail(ps, "unexpected end of input");
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		return fail(ps, "expected ',' or '%c'", close);
	}
}

static int
literal(struct jr_parser *ps, const char *word, enum jr_type t, struct jr *v)
{
	size_t	n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character '%c'", *ps->p);
	ps->p += n;
	v->type = t;
	return 0;
}

static int
value(struct jr_parser *ps, struct jr *v, int depth)
{
	if (depth > JR_DEPTH_MAX)
		return fail(ps, "nested too deeply");
	skip_ws(ps);
	if (ps->p == ps->end)
		return fail(ps, "unexpected end of input");
	v->line = ps->line;
	switch (*ps->p) {
	case '{':
	case '[':
		return container(ps, v, depth);
	case '"':
		v->type = JR_STR;
		return string(ps, &v->s, &v->len);
	case 't':
		return literal(ps, "true", JR_TRUE, v);
	case 'f':
		return literal(ps, "false", JR_FALSE, v);
	case 'n':
		return literal(ps, "null", JR_NULL, v);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return number(ps, v);
		if ((unsigned char)*ps->p >= 0x20 && (unsigned char)*ps->p < 0x7f)
			return fail(ps, "unexpected character '%c'", *ps->p);
		return fail(ps, "unexpected byte 0x%02x",
		    (unsigned char)*ps->p);
	}
}

void
jr_free(struct jr_doc **dp)
{
	struct jr_doc	*d;
	struct jr_block	*b, *n;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	for (b = d->blocks; b != NULL; b = n) {
		n = b->next;
		free(b);
	}
	free(d);
	*dp = NULL;
}

struct jr_doc *
jr_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jr_parser	 ps;
	struct jr_doc		*d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	ps.line = 1;
	ps.doc = d;
	ps.err = err;
	ps.errlen = errlen;
	/* A UTF-8 byte order mark is tolerated at the start. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	if ((d->root = node(&ps)) == NULL || value(&ps, d->root, 0) == -1) {
		jr_free(&d);
		return NULL;
	}
	skip_ws(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "trailing data after the JSON value");
		jr_free(&d);
		return NULL;
	}
	return d;
}

const struct jr *
jr_root(const struct jr_doc *d)
{
	return d->root;
}

const struct jr *
jr_get(const struct jr *o, const char *key)
{
	const struct jr	*c;
	size_t		 n = strlen(key);

	if (o == NULL || o->type != JR_OBJ)
		return NULL;
	for (c = o->child; c != NULL; c = c->next)
		if (c->keylen == n && memcmp(c->key, key, n) == 0)
			return c;
	return NULL;
}

int
jr_str_eq(const struct jr *v, const char *s)
{
	size_t	n = strlen(s);

	return v != NULL && v->type == JR_STR && v->len == n &&
	    memcmp(v->s, s, n) == 0;
}
