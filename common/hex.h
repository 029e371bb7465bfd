/*
 * hex.h: hexadecimal encoding and strict decoding.
 */
#ifndef BSC_HEX_H
#define BSC_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode hex text s of length slen (an optional "0x"/"0X" prefix is
 * skipped; the digit count must be even) into out, which has room for cap
 * bytes. Stores the decoded length in *outlen. Returns 0, or -1 on an odd
 * length, a non-hex character, or output longer than cap.
 */
int	hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
	    size_t *outlen);

/*
 * Encode n bytes as lower-case hex into out, which must hold 2n+1 bytes
 * (2n+3 with prefix set, which writes a leading "0x"). Always
 * NUL-terminates. Returns out.
 */
char	*hex_encode(const uint8_t *in, size_t n, char *out, int prefix);

/*
 * Same as hex_encode into a new buffer; returns NULL on allocation
 * failure. The caller frees the result with free().
 */
char	*hex_encode_alloc(const uint8_t *in, size_t n, int prefix);

#endif
