/*
 * hex.c: hexadecimal encoding and strict decoding.
 */
#include <stdlib.h>

#include "hex.h"

static const char hex_digits[] = "0123456789abcdef";

/* Value of one hex digit, or -1. */
static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t	i, n;

	if (s == NULL)
		return -1;
	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		slen -= 2;
	}
	if (slen % 2 != 0)
		return -1;
	n = slen / 2;
	if (n > cap)
		return -1;
	/* Validate everything first so that a failure writes nothing. */
	for (i = 0; i < slen; i++)
		if (hex_nibble(s[i]) < 0)
			return -1;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_nibble(s[2 * i]) << 4 |
		    hex_nibble(s[2 * i + 1]));
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

char *
hex_encode(const uint8_t *in, size_t n, char *out, int prefix)
{
	char	*p = out;
	size_t	 i;

	if (prefix) {
		*p++ = '0';
		*p++ = 'x';
	}
	for (i = 0; i < n; i++) {
		*p++ = hex_digits[in[i] >> 4];
		*p++ = hex_digits[in[i] & 0x0f];
	}
	*p = '\0';
	return out;
}

char *
hex_encode_alloc(const uint8_t *in, size_t n, int prefix)
{
	char	*out;

	if (n > (SIZE_MAX - 3) / 2)
		return NULL;
	if ((out = malloc(2 * n + 3)) == NULL)
		return NULL;
	return hex_encode(in, n, out, prefix);
}
