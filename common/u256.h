/*
 * u256.h: exact unsigned 256-bit integers for on-chain amounts (wei, token
 * base units) and decimal-string <-> base-unit conversion. Every operation
 * that could overflow or divide by zero reports it instead of wrapping.
 */
#ifndef BSC_U256_H
#define BSC_U256_H

#include <stddef.h>
#include <stdint.h>

/* Little-endian 64-bit limbs: w[0] is least significant. */
typedef struct { uint64_t w[4]; } u256;

#define U256_DEC_MAX	79	/* 78 digits + NUL */
#define U256_HEX_MAX	67	/* "0x" + 64 digits + NUL */

u256	u256_from_u64(uint64_t);
int	u256_is_zero(const u256 *);
/* Returns -1, 0 or 1 as a <, ==, > b. */
int	u256_cmp(const u256 *a, const u256 *b);
/* r may alias a or b. Return 0, or -1 on overflow/underflow (r unchanged). */
int	u256_add(u256 *r, const u256 *a, const u256 *b);
int	u256_sub(u256 *r, const u256 *a, const u256 *b);
int	u256_mul(u256 *r, const u256 *a, const u256 *b);
/* q = a / b, m = a % b (either may be NULL). Returns -1 when b is zero. */
int	u256_divmod(u256 *q, u256 *m, const u256 *a, const u256 *b);
/* r = a * b / d exactly (512-bit intermediate). -1 on d == 0 or overflow. */
int	u256_muldiv(u256 *r, const u256 *a, const u256 *b, const u256 *d);
/* Returns 0 and stores the value when it fits in 64 bits, else -1. */
int	u256_to_u64(const u256 *, uint64_t *);
/* Lossy conversion for display and statistics only, never for money. */
double	u256_to_double(const u256 *);

/* Big-endian bytes (len <= 32; more is -1 unless the excess is zeros). */
int	u256_from_be(u256 *, const uint8_t *, size_t len);
void	u256_to_be(const u256 *, uint8_t out[32]);

/* Decimal digits only, no sign, no spaces, no leading '+'. -1 on bad text
 * or overflow. */
int	u256_from_dec(u256 *, const char *);
/* Writes the decimal form into out (U256_DEC_MAX bytes). Returns out. */
char	*u256_to_dec(const u256 *, char out[U256_DEC_MAX]);
/* JSON-RPC quantity: "0x" then hex digits, no leading zeros except "0x0".
 * from_hex is strict about the prefix and digits (leading zeros accepted).
 */
int	u256_from_hex(u256 *, const char *);
char	*u256_to_hex(const u256 *, char out[U256_HEX_MAX]);

/*
 * Decimal amount text ("1.5", "0.000001", "10") to base units with the
 * given number of decimals (0..77): "1.5" with 18 decimals is
 * 1500000000000000000. Returns -1 on bad text, more fractional digits than
 * decimals allows, or overflow. Fractional zeros beyond decimals are
 * accepted ("1.50" with 1 decimal), as are ".5" and "5." (not "." or "");
 * no sign, exponent, spaces or separators.
 */
int	u256_parse_units(u256 *, const char *text, unsigned decimals);
/*
 * Base units to decimal text with trailing fractional zeros removed
 * ("1.5", "10", "0.000001"). out must hold U256_DEC_MAX + 2 bytes.
 * Returns out (an empty string when decimals is above 77).
 */
char	*u256_format_units(const u256 *, unsigned decimals, char *out);

#endif
