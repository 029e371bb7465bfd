/*
 * addr.h: 20-byte account addresses, EIP-55 checksummed text.
 */
#ifndef BSC_ADDR_H
#define BSC_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_LEN	20
#define ADDR_STR_MAX	43	/* "0x" + 40 digits + NUL */

struct addr {
	uint8_t	b[ADDR_LEN];
};

/*
 * Parse "0x" followed by exactly 40 hex digits. All-lower-case and
 * all-upper-case digits are accepted as they are; mixed case must be a
 * correct EIP-55 checksum. Returns 0, or -1 on bad text or a wrong
 * checksum (*a unchanged).
 */
int	addr_parse(struct addr *a, const char *s);
/* Same, for s of slen bytes (not necessarily NUL-terminated). */
int	addr_parse_n(struct addr *a, const char *s, size_t slen);
/* EIP-55 checksummed form into out; returns out. */
char	*addr_format(const struct addr *a, char out[ADDR_STR_MAX]);
/* All-lower-case form ("0x..."), as databases and logs key on it. */
char	*addr_format_lower(const struct addr *a, char out[ADDR_STR_MAX]);
/* The address of an uncompressed secp256k1 public key given as X || Y
 * (64 bytes, without the 0x04 prefix): last 20 bytes of keccak256. */
void	addr_from_pubkey(struct addr *a, const uint8_t pub[64]);
/* Predicates: 1/0. */
int	addr_is_zero(const struct addr *a);
int	addr_eq(const struct addr *a, const struct addr *b);
/* Byte-wise order, -1/0/1 (a pair's token0 is the lower address). */
int	addr_cmp(const struct addr *a, const struct addr *b);

#endif
