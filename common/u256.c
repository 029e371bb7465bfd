/*
 * u256.c: exact unsigned 256-bit arithmetic on four 64-bit limbs.
 *
 * Multiplication and division use the compiler's unsigned 128-bit type
 * for the limb products; division is Knuth's algorithm D on 64-bit
 * digits, shared by u256_divmod (256/256) and u256_muldiv (512/256).
 */
#include <math.h>
#include <string.h>

#include "u256.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

#define TEN19	10000000000000000000ULL	/* largest power of ten in 64 bits */

static int
clz64(uint64_t x)
{
	int	n = 0;

	if (x == 0)
		return 64;
	while ((x & (1ULL << 63)) == 0) {
		x <<= 1;
		n++;
	}
	return n;
}

/* Number of significant limbs (0 for zero). */
static int
limbs_used(const uint64_t *a, int n)
{
	while (n > 0 && a[n - 1] == 0)
		n--;
	return n;
}

/*
 * Knuth D: divide u (m limbs) by v (n limbs, v[n-1] != 0, n <= 4,
 * m <= 8). q receives m limbs (zero-filled above the quotient), r n limbs.
 */
static void
div_limbs(uint64_t *q, uint64_t *r, const uint64_t *u, int m,
    const uint64_t *v, int n)
{
	uint64_t	un[9], vn[4];
	int		s, i, j;

	memset(q, 0, sizeof(*q) * (size_t)m);
	if (m < n) {
		for (i = 0; i < n; i++)
			r[i] = i < m ? u[i] : 0;
		return;
	}
	if (n == 1) {
		u128	rem = 0;

		for (j = m - 1; j >= 0; j--) {
			u128	cur = rem << 64 | u[j];

			q[j] = (uint64_t)(cur / v[0]);
			rem = cur % v[0];
		}
		r[0] = (uint64_t)rem;
		return;
	}
	/* Normalise so that the divisor's top bit is set. */
	s = clz64(v[n - 1]);
	for (i = n - 1; i > 0; i--)
		vn[i] = s ? (v[i] << s | v[i - 1] >> (64 - s)) : v[i];
	vn[0] = v[0] << s;
	un[m] = s ? u[m - 1] >> (64 - s) : 0;
	for (i = m - 1; i > 0; i--)
		un[i] = s ? (u[i] << s | u[i - 1] >> (64 - s)) : u[i];
	un[0] = u[0] << s;

	for (j = m - n; j >= 0; j--) {
		u128	num = (u128)un[j + n] << 64 | un[j + n - 1];
		u128	qhat = num / vn[n - 1];
		u128	rhat = num % vn[n - 1];
		i128	t, k;

		/* qhat is at most two too large; the test below fixes it. */
		while (qhat >> 64 != 0 ||
		    qhat * vn[n - 2] > (rhat << 64 | un[j + n - 2])) {
			qhat--;
			rhat += vn[n - 1];
			if (rhat >> 64 != 0)
				break;
		}
		/* Multiply and subtract. */
		k = 0;
		for (i = 0; i < n; i++) {
			u128	p = qhat * vn[i];

			t = (i128)un[i + j] - k - (i128)(uint64_t)p;
			un[i + j] = (uint64_t)t;
			k = (i128)(uint64_t)(p >> 64) - (t >> 64);
		}
		t = (i128)un[j + n] - k;
		un[j + n] = (uint64_t)t;
		q[j] = (uint64_t)qhat;
		if (t < 0) {
			/* Rare: qhat was one too large; add the divisor back. */
			u128	c = 0;

			q[j]--;
			for (i = 0; i < n; i++) {
				c += (u128)un[i + j] + vn[i];
				un[i + j] = (uint64_t)c;
				c >>= 64;
			}
			un[j + n] += (uint64_t)c;
		}
	}
	/* Unnormalise the remainder. */
	for (i = 0; i < n - 1; i++)
		r[i] = s ? (un[i] >> s | un[i + 1] << (64 - s)) : un[i];
	r[n - 1] = un[n - 1] >> s;
}

u256
u256_from_u64(uint64_t v)
{
	u256	r = { { v, 0, 0, 0 } };

	return r;
}

int
u256_is_zero(const u256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int
u256_cmp(const u256 *a, const u256 *b)
{
	int	i;

	for (i = 3; i >= 0; i--) {
		if (a->w[i] < b->w[i])
			return -1;
		if (a->w[i] > b->w[i])
			return 1;
	}
	return 0;
}

int
u256_add(u256 *r, const u256 *a, const u256 *b)
{
	u256	t;
	u128	c = 0;
	int	i;

	for (i = 0; i < 4; i++) {
		c += (u128)a->w[i] + b->w[i];
		t.w[i] = (uint64_t)c;
		c >>= 64;
	}
	if (c != 0)
		return -1;
	*r = t;
	return 0;
}

int
u256_sub(u256 *r, const u256 *a, const u256 *b)
{
	u256		t;
	uint64_t	borrow = 0;
	int		i;

	if (u256_cmp(a, b) < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		uint64_t	d = a->w[i] - b->w[i];
		uint64_t	nb = (a->w[i] < b->w[i]) | (d < borrow);

		t.w[i] = d - borrow;
		borrow = nb;
	}
	*r = t;
	return 0;
}

/* Full 256x256 -> 512-bit product, p[0] least significant. */
static void
mul_wide(uint64_t p[8], const u256 *a, const u256 *b)
{
	int	i, j;

	memset(p, 0, 8 * sizeof(*p));
	for (i = 0; i < 4; i++) {
		u128	c = 0;

		if (a->w[i] == 0)
			continue;
		for (j = 0; j < 4; j++) {
			c += (u128)a->w[i] * b->w[j] + p[i + j];
			p[i + j] = (uint64_t)c;
			c >>= 64;
		}
		p[i + 4] = (uint64_t)c;
	}
}

int
u256_mul(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t	p[8];

	mul_wide(p, a, b);
	if ((p[4] | p[5] | p[6] | p[7]) != 0)
		return -1;
	memcpy(r->w, p, sizeof(r->w));
	return 0;
}

int
u256_divmod(u256 *q, u256 *m, const u256 *a, const u256 *b)
{
	uint64_t	qq[4], rr[4] = { 0, 0, 0, 0 };
	int		na, nb;

	if ((nb = limbs_used(b->w, 4)) == 0)
		return -1;
	na = limbs_used(a->w, 4);
	if (na == 0) {
		memset(qq, 0, sizeof(qq));
	} else
		div_limbs(qq, rr, a->w, na, b->w, nb);
	if (na < 4)
		memset(qq + na, 0, sizeof(*qq) * (size_t)(4 - na));
	if (q != NULL)
		memcpy(q->w, qq, sizeof(qq));
	if (m != NULL)
		memcpy(m->w, rr, sizeof(rr));
	return 0;
}

int
u256_muldiv(u256 *r, const u256 *a, const u256 *b, const u256 *d)
{
	uint64_t	p[8], qq[8], rr[4];
	int		np, nd, i;

	if ((nd = limbs_used(d->w, 4)) == 0)
		return -1;
	mul_wide(p, a, b);
	if ((np = limbs_used(p, 8)) == 0) {
		memset(r->w, 0, sizeof(r->w));
		return 0;
	}
	div_limbs(qq, rr, p, np, d->w, nd);
	for (i = 4; i < np; i++)
		if (qq[i] != 0)
			return -1;	/* the quotient needs more than 256 bits */
	memcpy(r->w, qq, sizeof(r->w));
	if (np < 4)
		memset(r->w + np, 0, sizeof(uint64_t) * (size_t)(4 - np));
	return 0;
}

int
u256_to_u64(const u256 *a, uint64_t *out)
{
	if ((a->w[1] | a->w[2] | a->w[3]) != 0)
		return -1;
	*out = a->w[0];
	return 0;
}

double
u256_to_double(const u256 *a)
{
	return ldexp((double)a->w[3], 192) + ldexp((double)a->w[2], 128) +
	    ldexp((double)a->w[1], 64) + (double)a->w[0];
}

int
u256_from_be(u256 *r, const uint8_t *in, size_t len)
{
	u256	t = { { 0, 0, 0, 0 } };
	size_t	i;

	/* Excess leading bytes are allowed only when zero. */
	while (len > 32) {
		if (*in != 0)
			return -1;
		in++;
		len--;
	}
	for (i = 0; i < len; i++) {
		size_t	bit = 8 * (len - 1 - i);

		t.w[bit / 64] |= (uint64_t)in[i] << (bit % 64);
	}
	*r = t;
	return 0;
}

void
u256_to_be(const u256 *a, uint8_t out[32])
{
	int	i;

	for (i = 0; i < 32; i++)
		out[31 - i] = (uint8_t)(a->w[i / 8] >> (8 * (i % 8)));
}

/* r = r * mul + add; -1 on overflow (r then undefined: callers use a copy). */
static int
mul_small_add(u256 *r, uint64_t mul, uint64_t add)
{
	u128	c = add;
	int	i;

	for (i = 0; i < 4; i++) {
		c += (u128)r->w[i] * mul;
		r->w[i] = (uint64_t)c;
		c >>= 64;
	}
	return c != 0 ? -1 : 0;
}

/* Divide r by d in place, return the remainder. */
static uint64_t
div_small(u256 *r, uint64_t d)
{
	u128	rem = 0;
	int	i;

	for (i = 3; i >= 0; i--) {
		u128	cur = rem << 64 | r->w[i];

		r->w[i] = (uint64_t)(cur / d);
		rem = cur % d;
	}
	return (uint64_t)rem;
}

/* Parse n decimal digits at s into r; -1 on a non-digit or overflow. */
static int
dec_digits(u256 *r, const char *s, size_t n)
{
	u256	t = { { 0, 0, 0, 0 } };
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (mul_small_add(&t, 10, (uint64_t)(s[i] - '0')) == -1)
			return -1;
	}
	*r = t;
	return 0;
}

int
u256_from_dec(u256 *r, const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) == 0)
		return -1;
	return dec_digits(r, s, n);
}

char *
u256_to_dec(const u256 *a, char out[U256_DEC_MAX])
{
	char	buf[U256_DEC_MAX];
	u256	t = *a;
	size_t	pos = sizeof(buf) - 1;
	int	i;

	buf[pos] = '\0';
	do {
		uint64_t	chunk = div_small(&t, TEN19);
		int		last = u256_is_zero(&t);

		/* 19 digits per chunk; the most significant chunk unpadded. */
		for (i = 0; i < 19; i++) {
			buf[--pos] = (char)('0' + chunk % 10);
			chunk /= 10;
			if (last && chunk == 0)
				break;
		}
	} while (!u256_is_zero(&t));
	memcpy(out, buf + pos, sizeof(buf) - pos);
	return out;
}

int
u256_from_hex(u256 *r, const char *s)
{
	u256	t = { { 0, 0, 0, 0 } };
	size_t	n, i;

	if (s == NULL || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	s += 2;
	if ((n = strlen(s)) == 0)
		return -1;
	for (i = 0; i < n; i++) {
		char	 c = s[i];
		int	 v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if ((t.w[3] >> 60) != 0)
			return -1;
		t.w[3] = t.w[3] << 4 | t.w[2] >> 60;
		t.w[2] = t.w[2] << 4 | t.w[1] >> 60;
		t.w[1] = t.w[1] << 4 | t.w[0] >> 60;
		t.w[0] = t.w[0] << 4 | (uint64_t)v;
	}
	*r = t;
	return 0;
}

char *
u256_to_hex(const u256 *a, char out[U256_HEX_MAX])
{
	static const char	 digits[] = "0123456789abcdef";
	char			*p = out;
	int			 i, started = 0;

	*p++ = '0';
	*p++ = 'x';
	for (i = 63; i >= 0; i--) {
		unsigned	nib = (unsigned)(a->w[i / 16] >> (4 * (i % 16))) &
		    0xf;

		if (nib == 0 && !started && i != 0)
			continue;
		started = 1;
		*p++ = digits[nib];
	}
	*p = '\0';
	return out;
}

int
u256_parse_units(u256 *r, const char *text, unsigned decimals)
{
	const char	*dot, *frac = "";
	size_t		 ilen, flen = 0, i;
	u256		 ip, fp, scale;

	if (text == NULL || decimals > 77)
		return -1;
	if ((dot = strchr(text, '.')) != NULL) {
		ilen = (size_t)(dot - text);
		frac = dot + 1;
		flen = strlen(frac);
	} else
		ilen = strlen(text);
	/* ".5" and "5." are accepted (as ethers does); "." and "" are not. */
	if (ilen == 0 && flen == 0)
		return -1;
	if (dec_digits(&ip, text, ilen) == -1)
		return -1;
	for (i = 0; i < flen; i++)
		if (frac[i] < '0' || frac[i] > '9')
			return -1;
	/* Trailing fractional zeros do not change the value. */
	while (flen > 0 && frac[flen - 1] == '0')
		flen--;
	if (flen > decimals)
		return -1;
	if (dec_digits(&fp, frac, flen) == -1)
		return -1;
	/* fp scaled up to decimals digits, ip scaled by 10^decimals. */
	scale = u256_from_u64(1);
	for (i = 0; i < decimals - flen; i++)
		if (mul_small_add(&scale, 10, 0) == -1)
			return -1;
	if (u256_mul(&fp, &fp, &scale) == -1)
		return -1;
	for (i = 0; i < flen; i++)
		if (mul_small_add(&scale, 10, 0) == -1)
			return -1;
	if (u256_mul(&ip, &ip, &scale) == -1 || u256_add(&ip, &ip, &fp) == -1)
		return -1;
	*r = ip;
	return 0;
}

char *
u256_format_units(const u256 *a, unsigned decimals, char *out)
{
	char	dec[U256_DEC_MAX];
	size_t	n, ilen, flen;

	if (decimals > 77) {
		out[0] = '\0';
		return out;
	}
	u256_to_dec(a, dec);
	n = strlen(dec);
	if (decimals == 0) {
		memcpy(out, dec, n + 1);
		return out;
	}
	if (n > decimals) {
		ilen = n - decimals;
		memcpy(out, dec, ilen);
	} else {
		ilen = 1;
		out[0] = '0';
	}
	/* Fraction: decimals digits, zero-padded on the left. */
	out[ilen] = '.';
	if (n > decimals)
		memcpy(out + ilen + 1, dec + ilen, decimals);
	else {
		memset(out + ilen + 1, '0', decimals - n);
		memcpy(out + ilen + 1 + decimals - n, dec, n);
	}
	flen = decimals;
	while (flen > 0 && out[ilen + flen] == '0')
		flen--;
	if (flen == 0)
		out[ilen] = '\0';
	else
		out[ilen + 1 + flen] = '\0';
	return out;
}
