/*
 * addr.c: account addresses and EIP-55 checksums.
 */
#include <string.h>

#include "addr.h"
#include "hex.h"
#include "keccak.h"

/*
 * EIP-55: hash the lower-case hex digits (as ASCII text); a letter is
 * upper case when the matching nibble of the hash is 8 or more.
 */
static void
checksum_case(const char lower[40], char out[40])
{
	uint8_t	h[32];
	int	i, nib;

	keccak256(lower, 40, h);
	for (i = 0; i < 40; i++) {
		nib = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 0x0f;
		out[i] = lower[i];
		if (lower[i] >= 'a' && lower[i] <= 'f' && nib >= 8)
			out[i] = (char)(lower[i] - 'a' + 'A');
	}
}

int
addr_parse_n(struct addr *a, const char *s, size_t slen)
{
	char		 lower[40], want[40];
	struct addr	 t;
	size_t		 outlen;
	int		 i, has_lower = 0, has_upper = 0;

	if (s == NULL || slen != 42 || s[0] != '0' || s[1] != 'x')
		return -1;
	s += 2;
	if (hex_decode(s, 40, t.b, sizeof(t.b), &outlen) == -1 ||
	    outlen != ADDR_LEN)
		return -1;
	for (i = 0; i < 40; i++) {
		lower[i] = s[i];
		if (s[i] >= 'a' && s[i] <= 'f')
			has_lower = 1;
		else if (s[i] >= 'A' && s[i] <= 'F') {
			has_upper = 1;
			lower[i] = (char)(s[i] - 'A' + 'a');
		}
	}
	if (has_lower && has_upper) {
		checksum_case(lower, want);
		if (memcmp(want, s, 40) != 0)
			return -1;
	}
	*a = t;
	return 0;
}

int
addr_parse(struct addr *a, const char *s)
{
	if (s == NULL)
		return -1;
	return addr_parse_n(a, s, strlen(s));
}

char *
addr_format_lower(const struct addr *a, char out[ADDR_STR_MAX])
{
	return hex_encode(a->b, ADDR_LEN, out, 1);
}

char *
addr_format(const struct addr *a, char out[ADDR_STR_MAX])
{
	char	lower[41];

	hex_encode(a->b, ADDR_LEN, lower, 0);
	out[0] = '0';
	out[1] = 'x';
	checksum_case(lower, out + 2);
	out[42] = '\0';
	return out;
}

void
addr_from_pubkey(struct addr *a, const uint8_t pub[64])
{
	uint8_t	h[32];

	keccak256(pub, 64, h);
	memcpy(a->b, h + 12, ADDR_LEN);
}

int
addr_is_zero(const struct addr *a)
{
	int	i;

	for (i = 0; i < ADDR_LEN; i++)
		if (a->b[i] != 0)
			return 0;
	return 1;
}

int
addr_eq(const struct addr *a, const struct addr *b)
{
	return memcmp(a->b, b->b, ADDR_LEN) == 0;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	int	r = memcmp(a->b, b->b, ADDR_LEN);

	return (r > 0) - (r < 0);
}
