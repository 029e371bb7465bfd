/*
 * rlp.c: RLP encoder and strict decoder; see rlp.h.
 */
#include <stdlib.h>
#include <string.h>

#include "rlp.h"

/* Make room for n more bytes. */
static int
buf_reserve(struct rlp_buf *b, size_t n)
{
	size_t	 ncap;
	uint8_t	*p;

	if (b->err)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = 1;
		return -1;
	}
	ncap = b->cap ? b->cap : 64;
	while (ncap - b->len < n)
		ncap *= 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->err = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

/* Big-endian bytes of v without leading zeros into out[8]; returns count. */
static size_t
be_minimal(uint64_t v, uint8_t out[8])
{
	size_t	n = 0;
	int	i;

	for (i = 7; i >= 0; i--) {
		uint8_t	byte = (uint8_t)(v >> (8 * i));

		if (n == 0 && byte == 0)
			continue;
		out[n++] = byte;
	}
	return n;
}

/* Header for a payload of len bytes; base is 0x80 (string) or 0xc0 (list).
 * Writes at most 9 bytes into h, returns their count. */
static size_t
make_header(uint8_t h[9], uint8_t base, size_t len)
{
	uint8_t	lb[8];
	size_t	n;

	if (len < 56) {
		h[0] = (uint8_t)(base + len);
		return 1;
	}
	n = be_minimal((uint64_t)len, lb);
	h[0] = (uint8_t)(base + 55 + n);
	memcpy(h + 1, lb, n);
	return 1 + n;
}

void
rlp_buf_init(struct rlp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
rlp_buf_free(struct rlp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
rlp_buf_reset(struct rlp_buf *b)
{
	b->len = 0;
	b->err = 0;
}

int
rlp_buf_error(const struct rlp_buf *b)
{
	return b->err != 0;
}

int
rlp_encode_raw(struct rlp_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
rlp_encode_bytes(struct rlp_buf *b, const void *p, size_t n)
{
	const uint8_t	*s = p;
	uint8_t		 h[9];
	size_t		 hl;

	if (n == 1 && s[0] < 0x80)
		return rlp_encode_raw(b, s, 1);
	hl = make_header(h, 0x80, n);
	if (buf_reserve(b, hl + n) == -1)
		return -1;
	memcpy(b->data + b->len, h, hl);
	if (n > 0)
		memcpy(b->data + b->len + hl, s, n);
	b->len += hl + n;
	return 0;
}

int
rlp_encode_string(struct rlp_buf *b, const char *s)
{
	return rlp_encode_bytes(b, s, strlen(s));
}

int
rlp_encode_uint_be(struct rlp_buf *b, const uint8_t *p, size_t n)
{
	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	return rlp_encode_bytes(b, p, n);
}

int
rlp_encode_u64(struct rlp_buf *b, uint64_t v)
{
	uint8_t	be[8];

	return rlp_encode_bytes(b, be, be_minimal(v, be));
}

int
rlp_encode_u256(struct rlp_buf *b, const u256 *v)
{
	uint8_t	be[32];

	u256_to_be(v, be);
	return rlp_encode_uint_be(b, be, sizeof(be));
}

size_t
rlp_list_begin(const struct rlp_buf *b)
{
	return b->len;
}

int
rlp_list_end(struct rlp_buf *b, size_t mark)
{
	uint8_t	h[9];
	size_t	hl, plen;

	if (b->err)
		return -1;
	if (mark > b->len) {
		/* A mark from another buffer: a programming error. */
		b->err = 1;
		return -1;
	}
	plen = b->len - mark;
	hl = make_header(h, 0xc0, plen);
	if (buf_reserve(b, hl) == -1)
		return -1;
	memmove(b->data + mark + hl, b->data + mark, plen);
	memcpy(b->data + mark, h, hl);
	b->len += hl;
	return 0;
}

/*
 * Parse one item's header at in[0..len): canonical forms only. Fills the
 * item view (payload bounds checked against len). Does not look inside
 * lists.
 */
static int
parse_header(const uint8_t *in, size_t len, struct rlp_item *it)
{
	uint8_t	 b0;
	size_t	 hl, plen, lenlen, i;

	if (len == 0)
		return -1;
	b0 = in[0];
	if (b0 < 0x80) {
		it->kind = RLP_BYTES;
		it->ptr = in;
		it->len = 1;
		it->raw = in;
		it->rawlen = 1;
		return 0;
	}
	it->kind = b0 < 0xc0 ? RLP_BYTES : RLP_LIST;
	b0 = (uint8_t)(b0 - (it->kind == RLP_BYTES ? 0x80 : 0xc0));
	if (b0 < 56) {
		hl = 1;
		plen = b0;
	} else {
		lenlen = (size_t)b0 - 55;	/* 1..8 */
		if (lenlen > len - 1)
			return -1;
		if (in[1] == 0)
			return -1;	/* leading zero in the length */
		if (lenlen > sizeof(size_t))
			return -1;	/* cannot fit in memory anyway */
		plen = 0;
		for (i = 0; i < lenlen; i++)
			plen = plen << 8 | in[1 + i];
		if (plen < 56)
			return -1;	/* long form for a short length */
		hl = 1 + lenlen;
	}
	if (plen > len - hl)
		return -1;
	/* A single byte below 0x80 must encode as itself. */
	if (it->kind == RLP_BYTES && plen == 1 && in[hl] < 0x80)
		return -1;
	it->ptr = in + hl;
	it->len = plen;
	it->raw = in;
	it->rawlen = hl + plen;
	return 0;
}

/* Check every child of a list item, recursively. */
static int
check_children(const struct rlp_item *it, int depth)
{
	const uint8_t	*p = it->ptr;
	size_t		 left = it->len;
	struct rlp_item	 c;

	if (depth > RLP_MAX_DEPTH)
		return -1;
	while (left > 0) {
		if (parse_header(p, left, &c) == -1)
			return -1;
		if (c.kind == RLP_LIST && check_children(&c, depth + 1) == -1)
			return -1;
		p += c.rawlen;
		left -= c.rawlen;
	}
	return 0;
}

int
rlp_decode_prefix(const uint8_t *in, size_t len, struct rlp_item *out,
    size_t *used)
{
	struct rlp_item	it;

	if (in == NULL || parse_header(in, len, &it) == -1)
		return -1;
	if (it.kind == RLP_LIST && check_children(&it, 1) == -1)
		return -1;
	*out = it;
	if (used != NULL)
		*used = it.rawlen;
	return 0;
}

int
rlp_decode(const uint8_t *in, size_t len, struct rlp_item *out)
{
	struct rlp_item	it;
	size_t		used;

	if (rlp_decode_prefix(in, len, &it, &used) == -1 || used != len)
		return -1;
	*out = it;
	return 0;
}

int
rlp_iter_init(struct rlp_iter *iter, const struct rlp_item *list)
{
	if (list->kind != RLP_LIST)
		return -1;
	iter->p = list->ptr;
	iter->left = list->len;
	return 0;
}

int
rlp_iter_next(struct rlp_iter *iter, struct rlp_item *out)
{
	struct rlp_item	c;

	if (iter->left == 0)
		return 0;
	if (parse_header(iter->p, iter->left, &c) == -1 ||
	    (c.kind == RLP_LIST && check_children(&c, 1) == -1)) {
		iter->left = 0;
		return -1;
	}
	iter->p += c.rawlen;
	iter->left -= c.rawlen;
	*out = c;
	return 1;
}

int
rlp_list_count(const struct rlp_item *list)
{
	struct rlp_iter	iter;
	struct rlp_item	c;
	int		n = 0, r;

	if (rlp_iter_init(&iter, list) == -1)
		return -1;
	while ((r = rlp_iter_next(&iter, &c)) == 1) {
		if (n == INT32_MAX)
			return -1;
		n++;
	}
	return r == 0 ? n : -1;
}

/* Canonical integer payload: a byte string without a leading zero. */
static int
int_payload_ok(const struct rlp_item *it, size_t maxlen)
{
	if (it->kind != RLP_BYTES || it->len > maxlen)
		return 0;
	if (it->len > 0 && it->ptr[0] == 0)
		return 0;
	return 1;
}

int
rlp_item_u64(const struct rlp_item *it, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (!int_payload_ok(it, 8))
		return -1;
	for (i = 0; i < it->len; i++)
		v = v << 8 | it->ptr[i];
	*out = v;
	return 0;
}

int
rlp_item_u256(const struct rlp_item *it, u256 *out)
{
	if (!int_payload_ok(it, 32))
		return -1;
	return u256_from_be(out, it->ptr, it->len);
}
