/*
 * dec.c: decimal numbers as text (see dec.h).
 */
#include <string.h>

#include "dec.h"

#define EXP_MAX		400	/* |exponent| accepted in number text */

int
dec_normalize(const char *in, size_t len, char *out, size_t cap)
{
	char	 digits[DEC_MAX * 2];
	size_t	 i = 0, nint = 0, nfrac = 0, nd, o = 0, k;
	long	 exp = 0, p;
	int	 eneg = 0, edigits = 0;

	if (in == NULL || len == 0 || cap == 0)
		return -1;
	while (i < len && in[i] >= '0' && in[i] <= '9') {
		if (nint + 1 >= sizeof(digits))
			return -1;
		digits[nint++] = in[i++];
	}
	if (i < len && in[i] == '.') {
		i++;
		while (i < len && in[i] >= '0' && in[i] <= '9') {
			if (nint + nfrac + 1 >= sizeof(digits))
				return -1;
			digits[nint + nfrac++] = in[i++];
		}
	}
	if (nint + nfrac == 0)
		return -1;
	if (i < len && (in[i] == 'e' || in[i] == 'E')) {
		i++;
		if (i < len && (in[i] == '+' || in[i] == '-'))
			eneg = in[i++] == '-';
		while (i < len && in[i] >= '0' && in[i] <= '9') {
			exp = exp * 10 + (in[i++] - '0');
			if (exp > EXP_MAX)
				return -1;
			edigits++;
		}
		if (edigits == 0)
			return -1;
		if (eneg)
			exp = -exp;
	}
	if (i != len)
		return -1;
	nd = nint + nfrac;
	/* The decimal point sits after p digits of digits[]. */
	p = (long)nint + exp;

	/* Integer part: digits[0..p), zero-padded past the end. */
	if (p > 0) {
		long	 j;
		int	 lead = 1;

		for (j = 0; j < p; j++) {
			char	c = (size_t)j < nd ? digits[j] : '0';

			if (lead && c == '0' && j + 1 < p)
				continue;
			lead = 0;
			if (o + 1 >= cap)
				return -1;
			out[o++] = c;
		}
	} else {
		if (o + 1 >= cap)
			return -1;
		out[o++] = '0';
	}
	/* Fractional part: zeros for a negative p, then the rest. */
	if (p < (long)nd) {
		if (o + 1 >= cap)
			return -1;
		out[o++] = '.';
		for (k = 0; p < 0 && k < (size_t)(-p); k++) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '0';
		}
		for (k = p > 0 ? (size_t)p : 0; k < nd; k++) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = digits[k];
		}
	}
	out[o] = '\0';
	return 0;
}

/* Split a normalised decimal into integer and fraction views. */
static void
split(const char *a, size_t *ilen, const char **frac, size_t *flen)
{
	const char	*dot = strchr(a, '.');

	*ilen = dot ? (size_t)(dot - a) : strlen(a);
	*frac = dot ? dot + 1 : "";
	*flen = strlen(*frac);
	/* Trailing fractional zeros do not change the value. */
	while (*flen > 0 && (*frac)[*flen - 1] == '0')
		(*flen)--;
}

int
dec_cmp(const char *a, const char *b)
{
	size_t		 ai, bi, af, bf, i;
	const char	*fa, *fb;
	int		 c;

	split(a, &ai, &fa, &af);
	split(b, &bi, &fb, &bf);
	if (ai != bi)
		return ai < bi ? -1 : 1;
	if ((c = memcmp(a, b, ai)) != 0)
		return c < 0 ? -1 : 1;
	for (i = 0; i < af || i < bf; i++) {
		char	x = i < af ? fa[i] : '0', y = i < bf ? fb[i] : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int
dec_is_zero(const char *a)
{
	for (; *a; a++)
		if (*a != '0' && *a != '.')
			return 0;
	return 1;
}

/* 10^e as a u256; -1 when it does not fit (e > 77). */
static int
pow10_u256(unsigned e, u256 *out)
{
	u256		 r = u256_from_u64(1), ten = u256_from_u64(10);
	unsigned	 i;

	for (i = 0; i < e; i++)
		if (u256_mul(&r, &r, &ten) == -1)
			return -1;
	*out = r;
	return 0;
}

int
dec_ratio(const u256 *num, unsigned num_dec, const u256 *den,
    unsigned den_dec, char out[DEC_MAX])
{
	u256	 scaled, f, d2;
	long	 e = (long)den_dec + DEC_FRAC - (long)num_dec;

	out[0] = '\0';
	if (u256_is_zero(den))
		return -1;
	if (e >= 0) {
		if (pow10_u256((unsigned)e, &f) == -1 ||
		    u256_muldiv(&scaled, num, &f, den) == -1)
			return -1;
	} else {
		if (pow10_u256((unsigned)-e, &f) == -1 ||
		    u256_mul(&d2, den, &f) == -1 ||
		    u256_divmod(&scaled, NULL, num, &d2) == -1)
			return -1;
	}
	u256_format_units(&scaled, DEC_FRAC, out);
	return out[0] == '\0' ? -1 : 0;
}
