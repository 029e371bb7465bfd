/*
 * abi.c: Solidity ABI encoding and strict decoding; see abi.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "keccak.h"

#define WORD	32

/* A parsed type from a type list or signature. */
struct abi_type {
	enum abi_kind	kind;
	unsigned	size;
};

static const uint8_t sel_error[4] = { 0x08, 0xc3, 0x79, 0xa0 };
static const uint8_t sel_panic[4] = { 0x4e, 0x48, 0x7b, 0x71 };

/* Parse a decimal number of 1..3 digits without a leading zero. */
static int
parse_small(const char *s, size_t n, unsigned *out)
{
	unsigned	v = 0;
	size_t		i;

	if (n == 0 || n > 3 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(s, name, n) == 0;
}

/* One type name, s[0..n). */
static int
parse_type(const char *s, size_t n, struct abi_type *t)
{
	int		array = 0;
	unsigned	sz;

	if (n >= 2 && s[n - 2] == '[' && s[n - 1] == ']') {
		array = 1;
		n -= 2;
	}
	t->size = 0;
	if (name_is(s, n, "address")) {
		t->kind = array ? ABI_ADDRESS_ARRAY : ABI_ADDRESS;
		return 0;
	}
	if (n >= 4 && memcmp(s, "uint", 4) == 0) {
		if (n == 4)
			sz = 256;
		else if (parse_small(s + 4, n - 4, &sz) == -1 ||
		    sz % 8 != 0 || sz < 8 || sz > 256)
			return -1;
		t->kind = array ? ABI_UINT_ARRAY : ABI_UINT;
		t->size = sz;
		return 0;
	}
	if (array)
		return -1;	/* only uint and address arrays */
	if (name_is(s, n, "bool"))
		t->kind = ABI_BOOL;
	else if (name_is(s, n, "string"))
		t->kind = ABI_STRING;
	else if (name_is(s, n, "bytes"))
		t->kind = ABI_BYTES;
	else if (n > 5 && memcmp(s, "bytes", 5) == 0) {
		if (parse_small(s + 5, n - 5, &sz) == -1 || sz > 32)
			return -1;
		t->kind = ABI_FIXED_BYTES;
		t->size = sz;
	} else
		return -1;
	return 0;
}

/* A comma-separated list s[0..slen) ("" is the empty list). */
static int
parse_types(const char *s, size_t slen, struct abi_type *t, size_t max,
    size_t *n)
{
	size_t	i = 0, start, k = 0;

	if (slen == 0) {
		*n = 0;
		return 0;
	}
	for (;;) {
		start = i;
		while (i < slen && s[i] != ',')
			i++;
		if (k == max || parse_type(s + start, i - start, &t[k]) == -1)
			return -1;
		k++;
		if (i == slen)
			break;
		i++;	/* the comma; a trailing one makes an empty name */
	}
	*n = k;
	return 0;
}

static int
is_dynamic(enum abi_kind k)
{
	return k == ABI_BYTES || k == ABI_STRING || k == ABI_UINT_ARRAY ||
	    k == ABI_ADDRESS_ARRAY;
}

static int
uint_bits_ok(unsigned bits)
{
	return bits >= 8 && bits <= 256 && bits % 8 == 0;
}

/* Predicate: u fits in bits. */
static int
uint_fits(const u256 *u, unsigned bits)
{
	int	i;

	if (bits == 256)
		return 1;
	for (i = 3; i >= 0; i--) {
		unsigned	lo = 64 * (unsigned)i;

		if (lo >= bits) {
			if (u->w[i] != 0)
				return 0;
		} else if (bits - lo < 64) {
			if (u->w[i] >> (bits - lo) != 0)
				return 0;
		}
	}
	return 1;
}

static size_t
pad32(size_t n)
{
	return (n + WORD - 1) / WORD * WORD;
}

/* Validate a value for encoding; returns its tail size in *tail. */
static int
check_value(const struct abi_value *v, size_t *tail)
{
	size_t	i;

	*tail = 0;
	switch (v->kind) {
	case ABI_UINT:
		return uint_bits_ok(v->size) && uint_fits(&v->u, v->size) ?
		    0 : -1;
	case ABI_ADDRESS:
		return 0;
	case ABI_BOOL:
		return uint_fits(&v->u, 1) ? 0 : -1;
	case ABI_FIXED_BYTES:
		return v->size >= 1 && v->size <= 32 ? 0 : -1;
	case ABI_BYTES:
	case ABI_STRING:
		if (v->len > SIZE_MAX / 4 || (v->ptr == NULL && v->len != 0))
			return -1;
		*tail = WORD + pad32(v->len);
		return 0;
	case ABI_UINT_ARRAY:
		if (!uint_bits_ok(v->size) || v->len > SIZE_MAX / 4 / WORD ||
		    (v->uints == NULL && v->len != 0))
			return -1;
		for (i = 0; i < v->len; i++)
			if (!uint_fits(&v->uints[i], v->size))
				return -1;
		*tail = WORD + WORD * v->len;
		return 0;
	case ABI_ADDRESS_ARRAY:
		if (v->len > SIZE_MAX / 4 / WORD ||
		    (v->addrs == NULL && v->len != 0))
			return -1;
		*tail = WORD + WORD * v->len;
		return 0;
	}
	return -1;
}

static void
put_u64(uint8_t *w, uint64_t x)
{
	int	i;

	for (i = 0; i < 8; i++)
		w[WORD - 1 - i] = (uint8_t)(x >> (8 * i));
}

static void
put_addr(uint8_t *w, const struct addr *a)
{
	memcpy(w + WORD - ADDR_LEN, a->b, ADDR_LEN);
}

void
abi_buf_free(struct abi_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

void
abi_selector(const char *signature, uint8_t out[4])
{
	uint8_t	h[32];

	keccak256(signature, strlen(signature), h);
	memcpy(out, h, 4);
}

static struct abi_value
v_empty(enum abi_kind k)
{
	struct abi_value	v;

	memset(&v, 0, sizeof(v));
	v.kind = k;
	return v;
}

struct abi_value
abi_v_uintn(const u256 *u, unsigned bits)
{
	struct abi_value	v = v_empty(ABI_UINT);

	v.u = *u;
	v.size = bits;
	return v;
}

struct abi_value
abi_v_uint(const u256 *u)
{
	return abi_v_uintn(u, 256);
}

struct abi_value
abi_v_u64(uint64_t x)
{
	u256	u = u256_from_u64(x);

	return abi_v_uintn(&u, 256);
}

struct abi_value
abi_v_address(const struct addr *a)
{
	struct abi_value	v = v_empty(ABI_ADDRESS);

	v.a = *a;
	return v;
}

struct abi_value
abi_v_bool(int b)
{
	struct abi_value	v = v_empty(ABI_BOOL);

	v.u = u256_from_u64(b ? 1 : 0);
	return v;
}

struct abi_value
abi_v_fixed(const void *p, size_t n)
{
	struct abi_value	v = v_empty(ABI_FIXED_BYTES);

	/* n > 32 is kept as the size so that encoding rejects it. */
	v.size = n > 33 ? 33 : (unsigned)n;
	memcpy(v.fixed, p, n > 32 ? 32 : n);
	return v;
}

struct abi_value
abi_v_bytes(const void *p, size_t n)
{
	struct abi_value	v = v_empty(ABI_BYTES);

	v.ptr = p;
	v.len = n;
	return v;
}

struct abi_value
abi_v_string(const char *s)
{
	struct abi_value	v = v_empty(ABI_STRING);

	v.ptr = (const uint8_t *)s;
	v.len = strlen(s);
	return v;
}

struct abi_value
abi_v_uint_array(const u256 *u, size_t n)
{
	struct abi_value	v = v_empty(ABI_UINT_ARRAY);

	v.size = 256;
	v.uints = u;
	v.len = n;
	return v;
}

struct abi_value
abi_v_address_array(const struct addr *a, size_t n)
{
	struct abi_value	v = v_empty(ABI_ADDRESS_ARRAY);

	v.addrs = a;
	v.len = n;
	return v;
}

int
abi_encode(struct abi_buf *out, const uint8_t sel[4],
    const struct abi_value *v, size_t n)
{
	size_t	 tails[ABI_MAX_ARGS], head, total, off, i, j;
	uint8_t	*base, *w;

	out->data = NULL;
	out->len = 0;
	if (n > ABI_MAX_ARGS)
		return -1;
	head = WORD * n;
	total = head;
	for (i = 0; i < n; i++) {
		if (check_value(&v[i], &tails[i]) == -1)
			return -1;
		total += tails[i];	/* each tail < SIZE_MAX / 4 */
		if (total > SIZE_MAX / 2)
			return -1;
	}
	if (sel != NULL)
		total += 4;
	/* calloc: every padding byte is zero. */
	if ((out->data = calloc(1, total ? total : 1)) == NULL)
		return -1;
	out->len = total;
	base = out->data;
	if (sel != NULL) {
		memcpy(base, sel, 4);
		base += 4;
	}
	off = head;
	for (i = 0; i < n; i++) {
		w = base + WORD * i;
		switch (v[i].kind) {
		case ABI_UINT:
		case ABI_BOOL:
			u256_to_be(&v[i].u, w);
			break;
		case ABI_ADDRESS:
			put_addr(w, &v[i].a);
			break;
		case ABI_FIXED_BYTES:
			memcpy(w, v[i].fixed, v[i].size);
			break;
		case ABI_BYTES:
		case ABI_STRING:
			put_u64(w, off);
			put_u64(base + off, v[i].len);
			if (v[i].len > 0)
				memcpy(base + off + WORD, v[i].ptr, v[i].len);
			break;
		case ABI_UINT_ARRAY:
			put_u64(w, off);
			put_u64(base + off, v[i].len);
			for (j = 0; j < v[i].len; j++)
				u256_to_be(&v[i].uints[j],
				    base + off + WORD * (j + 1));
			break;
		case ABI_ADDRESS_ARRAY:
			put_u64(w, off);
			put_u64(base + off, v[i].len);
			for (j = 0; j < v[i].len; j++)
				put_addr(base + off + WORD * (j + 1),
				    &v[i].addrs[j]);
			break;
		}
		off += tails[i];
	}
	return 0;
}

int
abi_encode_call(struct abi_buf *out, const char *signature,
    const struct abi_value *v, size_t n)
{
	struct abi_type	 t[ABI_MAX_ARGS];
	const char	*open;
	size_t		 slen, nt, i;
	uint8_t		 sel[4];

	out->data = NULL;
	out->len = 0;
	if (signature == NULL || (open = strchr(signature, '(')) == NULL ||
	    open == signature)
		return -1;
	slen = strlen(signature);
	if (signature[slen - 1] != ')')
		return -1;
	if (parse_types(open + 1, (size_t)(signature + slen - 1 - open - 1),
	    t, ABI_MAX_ARGS, &nt) == -1 || nt != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (t[i].kind != v[i].kind)
			return -1;
		if ((t[i].kind == ABI_UINT || t[i].kind == ABI_UINT_ARRAY ||
		    t[i].kind == ABI_FIXED_BYTES) && t[i].size != v[i].size)
			return -1;
	}
	abi_selector(signature, sel);
	return abi_encode(out, sel, v, n);
}

/* A word as a size: its top 24 bytes must be zero. */
static int
get_size(const uint8_t *w, size_t *out)
{
	uint64_t	x = 0;
	int		i;

	for (i = 0; i < WORD - 8; i++)
		if (w[i] != 0)
			return -1;
	for (i = WORD - 8; i < WORD; i++)
		x = x << 8 | w[i];
	if (x > SIZE_MAX)
		return -1;
	*out = (size_t)x;
	return 0;
}

/* Predicate: the n bytes at p are all zero. */
static int
all_zero(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* A word as uint<bits>: no bits above. */
static int
get_uint(const uint8_t *w, unsigned bits, u256 *out)
{
	if (!all_zero(w, WORD - bits / 8))
		return -1;
	return u256_from_be(out, w, WORD);
}

static int
get_addr(const uint8_t *w, struct addr *a)
{
	if (!all_zero(w, WORD - ADDR_LEN))
		return -1;
	memcpy(a->b, w + WORD - ADDR_LEN, ADDR_LEN);
	return 0;
}

/* Decode the tail of a dynamic value whose head word is at w. */
static int
decode_dynamic(const uint8_t *data, size_t len, size_t head,
    const uint8_t *w, const struct abi_type *t, struct abi_value *v)
{
	size_t		 off, n, avail, i;
	const uint8_t	*p;
	u256		 u;
	struct addr	 a;

	if (get_size(w, &off) == -1 || off % WORD != 0 || off < head ||
	    off > len || len - off < WORD)
		return -1;
	if (get_size(data + off, &n) == -1)
		return -1;
	avail = len - off - WORD;
	p = data + off + WORD;
	switch (t->kind) {
	case ABI_BYTES:
	case ABI_STRING:
		if (n > avail || pad32(n) > avail || !all_zero(p + n,
		    pad32(n) - n))
			return -1;
		break;
	case ABI_UINT_ARRAY:
	case ABI_ADDRESS_ARRAY:
		if (n > avail / WORD)
			return -1;
		for (i = 0; i < n; i++) {
			if (t->kind == ABI_UINT_ARRAY ?
			    get_uint(p + WORD * i, t->size, &u) == -1 :
			    get_addr(p + WORD * i, &a) == -1)
				return -1;
		}
		break;
	default:
		return -1;
	}
	v->ptr = p;
	v->len = n;
	return 0;
}

int
abi_decode(const uint8_t *data, size_t len, const char *types,
    struct abi_value *out, size_t max)
{
	struct abi_type	 t[ABI_MAX_ARGS];
	const uint8_t	*w;
	size_t		 n, i, head;

	if (types == NULL || parse_types(types, strlen(types), t,
	    ABI_MAX_ARGS, &n) == -1 || n > max)
		return -1;
	head = WORD * n;
	if (n > 0 && (data == NULL || len < head))
		return -1;
	for (i = 0; i < n; i++) {
		w = data + WORD * i;
		out[i] = v_empty(t[i].kind);
		out[i].size = t[i].size;
		switch (t[i].kind) {
		case ABI_UINT:
			if (get_uint(w, t[i].size, &out[i].u) == -1)
				return -1;
			break;
		case ABI_BOOL:
			if (!all_zero(w, WORD - 1) || w[WORD - 1] > 1)
				return -1;
			out[i].u = u256_from_u64(w[WORD - 1]);
			break;
		case ABI_ADDRESS:
			if (get_addr(w, &out[i].a) == -1)
				return -1;
			break;
		case ABI_FIXED_BYTES:
			if (!all_zero(w + t[i].size, WORD - t[i].size))
				return -1;
			memcpy(out[i].fixed, w, t[i].size);
			break;
		default:
			if (!is_dynamic(t[i].kind) ||
			    decode_dynamic(data, len, head, w, &t[i],
			    &out[i]) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

void
abi_array_uint(const struct abi_value *v, size_t i, u256 *out)
{
	u256_from_be(out, v->ptr + WORD * i, WORD);
}

void
abi_array_address(const struct abi_value *v, size_t i, struct addr *out)
{
	memcpy(out->b, v->ptr + WORD * i + WORD - ADDR_LEN, ADDR_LEN);
}

int
abi_call_balance_of(struct abi_buf *out, const struct addr *owner)
{
	struct abi_value	v[1];

	v[0] = abi_v_address(owner);
	return abi_encode_call(out, "balanceOf(address)", v, 1);
}

int
abi_call_decimals(struct abi_buf *out)
{
	return abi_encode_call(out, "decimals()", NULL, 0);
}

int
abi_call_approve(struct abi_buf *out, const struct addr *spender,
    const u256 *amount)
{
	struct abi_value	v[2];

	v[0] = abi_v_address(spender);
	v[1] = abi_v_uint(amount);
	return abi_encode_call(out, "approve(address,uint256)", v, 2);
}

int
abi_call_transfer(struct abi_buf *out, const struct addr *to,
    const u256 *amount)
{
	struct abi_value	v[2];

	v[0] = abi_v_address(to);
	v[1] = abi_v_uint(amount);
	return abi_encode_call(out, "transfer(address,uint256)", v, 2);
}

int
abi_call_allowance(struct abi_buf *out, const struct addr *owner,
    const struct addr *spender)
{
	struct abi_value	v[2];

	v[0] = abi_v_address(owner);
	v[1] = abi_v_address(spender);
	return abi_encode_call(out, "allowance(address,address)", v, 2);
}

int
abi_call_get_amounts_out(struct abi_buf *out, const u256 *amount_in,
    const struct addr *path, size_t npath)
{
	struct abi_value	v[2];

	v[0] = abi_v_uint(amount_in);
	v[1] = abi_v_address_array(path, npath);
	return abi_encode_call(out, "getAmountsOut(uint256,address[])", v, 2);
}

int
abi_call_swap_exact_tokens_for_tokens(struct abi_buf *out,
    const u256 *amount_in, const u256 *amount_out_min,
    const struct addr *path, size_t npath, const struct addr *to,
    uint64_t deadline)
{
	struct abi_value	v[5];

	v[0] = abi_v_uint(amount_in);
	v[1] = abi_v_uint(amount_out_min);
	v[2] = abi_v_address_array(path, npath);
	v[3] = abi_v_address(to);
	v[4] = abi_v_u64(deadline);
	return abi_encode_call(out, "swapExactTokensForTokens("
	    "uint256,uint256,address[],address,uint256)", v, 5);
}

int
abi_call_swap_exact_eth_for_tokens(struct abi_buf *out,
    const u256 *amount_out_min, const struct addr *path, size_t npath,
    const struct addr *to, uint64_t deadline)
{
	struct abi_value	v[4];

	v[0] = abi_v_uint(amount_out_min);
	v[1] = abi_v_address_array(path, npath);
	v[2] = abi_v_address(to);
	v[3] = abi_v_u64(deadline);
	return abi_encode_call(out, "swapExactETHForTokens("
	    "uint256,address[],address,uint256)", v, 4);
}

int
abi_call_swap_exact_tokens_for_eth(struct abi_buf *out,
    const u256 *amount_in, const u256 *amount_out_min,
    const struct addr *path, size_t npath, const struct addr *to,
    uint64_t deadline)
{
	struct abi_value	v[5];

	v[0] = abi_v_uint(amount_in);
	v[1] = abi_v_uint(amount_out_min);
	v[2] = abi_v_address_array(path, npath);
	v[3] = abi_v_address(to);
	v[4] = abi_v_u64(deadline);
	return abi_encode_call(out, "swapExactTokensForETH("
	    "uint256,uint256,address[],address,uint256)", v, 5);
}

int
abi_call_get_reserves(struct abi_buf *out)
{
	return abi_encode_call(out, "getReserves()", NULL, 0);
}

int
abi_call_token0(struct abi_buf *out)
{
	return abi_encode_call(out, "token0()", NULL, 0);
}

int
abi_call_token1(struct abi_buf *out)
{
	return abi_encode_call(out, "token1()", NULL, 0);
}

int
abi_decode_uint256(const uint8_t *data, size_t len, u256 *out)
{
	struct abi_value	v;

	if (abi_decode(data, len, "uint256", &v, 1) == -1)
		return -1;
	*out = v.u;
	return 0;
}

int
abi_decode_address(const uint8_t *data, size_t len, struct addr *out)
{
	struct abi_value	v;

	if (abi_decode(data, len, "address", &v, 1) == -1)
		return -1;
	*out = v.a;
	return 0;
}

int
abi_decode_bool(const uint8_t *data, size_t len, int *out)
{
	struct abi_value	v;

	if (abi_decode(data, len, "bool", &v, 1) == -1)
		return -1;
	*out = !u256_is_zero(&v.u);
	return 0;
}

int
abi_decode_decimals(const uint8_t *data, size_t len, unsigned *out)
{
	struct abi_value	v;

	if (abi_decode(data, len, "uint8", &v, 1) == -1)
		return -1;
	*out = (unsigned)v.u.w[0];
	return 0;
}

int
abi_decode_uint256_array(const uint8_t *data, size_t len, u256 *out,
    size_t cap, size_t *n)
{
	struct abi_value	v;
	size_t			i;

	if (abi_decode(data, len, "uint256[]", &v, 1) == -1 || v.len > cap)
		return -1;
	for (i = 0; i < v.len; i++)
		abi_array_uint(&v, i, &out[i]);
	*n = v.len;
	return 0;
}

int
abi_decode_reserves(const uint8_t *data, size_t len, u256 *reserve0,
    u256 *reserve1, uint32_t *timestamp)
{
	struct abi_value	v[3];

	if (abi_decode(data, len, "uint112,uint112,uint32", v, 3) == -1)
		return -1;
	*reserve0 = v[0].u;
	*reserve1 = v[1].u;
	*timestamp = (uint32_t)v[2].u.w[0];
	return 0;
}

int
abi_decode_string(const uint8_t *data, size_t len, char *out, size_t cap)
{
	struct abi_value	v;

	if (abi_decode(data, len, "string", &v, 1) == -1 || v.len >= cap ||
	    memchr(v.ptr, '\0', v.len) != NULL)
		return -1;
	memcpy(out, v.ptr, v.len);
	out[v.len] = '\0';
	return 0;
}

static const char *
panic_text(const u256 *code)
{
	uint64_t	c;

	if (u256_to_u64(code, &c) == -1)
		return "unknown panic code";
	switch (c) {
	case 0x00:	return "generic compiler panic";
	case 0x01:	return "assertion failed";
	case 0x11:	return "arithmetic overflow or underflow";
	case 0x12:	return "division or modulo by zero";
	case 0x21:	return "invalid enum value";
	case 0x22:	return "corrupt storage byte array";
	case 0x31:	return "pop on empty array";
	case 0x32:	return "array index out of bounds";
	case 0x41:	return "out of memory";
	case 0x51:	return "call to zero-initialized function";
	default:	return "unknown panic code";
	}
}

int
abi_decode_revert(const uint8_t *data, size_t len, struct abi_revert *out)
{
	struct abi_value	v;
	char			hex[U256_HEX_MAX];
	size_t			i, n;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		out->kind = ABI_REVERT_EMPTY;
		return 0;
	}
	if (len < 4)
		return -1;
	memcpy(out->selector, data, 4);
	if (memcmp(data, sel_error, 4) == 0) {
		if (abi_decode(data + 4, len - 4, "string", &v, 1) == -1)
			return -1;
		out->kind = ABI_REVERT_ERROR;
		n = v.len < sizeof(out->reason) ? v.len :
		    sizeof(out->reason) - 1;
		for (i = 0; i < n; i++) {
			uint8_t	c = v.ptr[i];

			out->reason[i] = (c < 0x20 || c == 0x7f) ? '?' :
			    (char)c;
		}
		out->reason[n] = '\0';
		return 0;
	}
	if (memcmp(data, sel_panic, 4) == 0) {
		if (abi_decode(data + 4, len - 4, "uint256", &v, 1) == -1)
			return -1;
		out->kind = ABI_REVERT_PANIC;
		out->code = v.u;
		u256_to_hex(&v.u, hex);
		snprintf(out->reason, sizeof(out->reason), "%s (panic %s)",
		    panic_text(&v.u), hex);
		return 0;
	}
	out->kind = ABI_REVERT_CUSTOM;
	return 0;
}
