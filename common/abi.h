/*
 * abi.h: Solidity contract ABI encoding for the calls the bot makes, and
 * strict decoding of their return data and of revert reasons.
 *
 * Supported types: uint<N> (N = 8..256 in steps of 8; "uint" is uint256),
 * address, bool, bytes<N> (1..32), bytes, string, and the dynamic arrays
 * uint<N>[] and address[]. Tuples are supported only as the top-level
 * argument or return list (no nested tuples, no fixed-size arrays, no
 * signed integers).
 *
 * Values are struct abi_value. For encoding, build them with the abi_v_*
 * constructors; byte and array values point at the caller's memory. For
 * decoding, bytes/string/array values point into the decoded data, which
 * must outlive them; read array elements with abi_array_uint/_address.
 */
#ifndef BSC_ABI_H
#define BSC_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "u256.h"

#define ABI_MAX_ARGS	16	/* values in one argument or return list */

enum abi_kind {
	ABI_UINT,		/* size: bits */
	ABI_ADDRESS,
	ABI_BOOL,
	ABI_FIXED_BYTES,	/* bytes<N>; size: N */
	ABI_BYTES,
	ABI_STRING,
	ABI_UINT_ARRAY,		/* uint<size>[] */
	ABI_ADDRESS_ARRAY
};

struct abi_value {
	enum abi_kind		 kind;
	unsigned		 size;	/* see enum abi_kind; else 0 */
	u256			 u;	/* ABI_UINT; ABI_BOOL as 0 or 1 */
	struct addr		 a;	/* ABI_ADDRESS */
	uint8_t			 fixed[32]; /* ABI_FIXED_BYTES, left-aligned */
	const uint8_t		*ptr;	/* ABI_BYTES, ABI_STRING: the bytes;
					 * decoded arrays: first element */
	size_t			 len;	/* byte count, or array length */
	const u256		*uints;	/* encoding ABI_UINT_ARRAY */
	const struct addr	*addrs;	/* encoding ABI_ADDRESS_ARRAY */
};

/* Encoded call data or parameters: owned, freed with abi_buf_free. */
struct abi_buf {
	uint8_t	*data;
	size_t	 len;
};

/* Free the data and clear the buffer; accepts a cleared buffer. */
void	abi_buf_free(struct abi_buf *);

/* First 4 bytes of keccak256 of a canonical signature such as
 * "transfer(address,uint256)" (no spaces, no parameter names). */
void	abi_selector(const char *signature, uint8_t out[4]);

/* Value constructors (never fail; range checks happen when encoding). */
struct abi_value	abi_v_uint(const u256 *);	/* uint256 */
struct abi_value	abi_v_uintn(const u256 *, unsigned bits);
struct abi_value	abi_v_u64(uint64_t);		/* uint256 */
struct abi_value	abi_v_address(const struct addr *);
struct abi_value	abi_v_bool(int);
struct abi_value	abi_v_fixed(const void *, size_t n);	/* bytes<n> */
struct abi_value	abi_v_bytes(const void *, size_t);
struct abi_value	abi_v_string(const char *);
struct abi_value	abi_v_uint_array(const u256 *, size_t n); /* uint256[] */
struct abi_value	abi_v_address_array(const struct addr *, size_t n);

/*
 * Encode n values as an argument list into *out (a new buffer; free it
 * with abi_buf_free), prefixed with selector sel when sel is not NULL.
 * Returns 0, or -1 on a value out of its type's range (a uint wider than
 * its bits, bool other than 0/1, bad size), too many values, or
 * allocation failure; *out is then cleared.
 */
int	abi_encode(struct abi_buf *out, const uint8_t sel[4],
	    const struct abi_value *v, size_t n);
/*
 * Encode a call of signature ("name(type,...)"): the selector, then the
 * values, which must match the signature's types. Returns 0 or -1.
 */
int	abi_encode_call(struct abi_buf *out, const char *signature,
	    const struct abi_value *v, size_t n);

/*
 * Decode data[0..len) as the comma-separated type list types ("uint256",
 * "uint112,uint112,uint32", "" for none) into out[0..max). Strict:
 * offsets must be 32-byte aligned, point past the head and lie inside the
 * data with their contents; lengths must fit; uint<N> must have no bits
 * above N, addresses and bool no high bytes, bool must be 0/1, padding
 * must be zero. Trailing data after the encoding is allowed. Returns 0,
 * or -1 (out partially written).
 */
int	abi_decode(const uint8_t *data, size_t len, const char *types,
	    struct abi_value *out, size_t max);

/* Element i (< v->len) of a decoded array. */
void	abi_array_uint(const struct abi_value *v, size_t i, u256 *out);
void	abi_array_address(const struct abi_value *v, size_t i,
	    struct addr *out);

/*
 * Call data builders: each allocates *out (free with abi_buf_free) and
 * returns 0, or -1 on allocation failure. path has npath addresses.
 */
int	abi_call_balance_of(struct abi_buf *out, const struct addr *owner);
int	abi_call_decimals(struct abi_buf *out);
int	abi_call_approve(struct abi_buf *out, const struct addr *spender,
	    const u256 *amount);
int	abi_call_transfer(struct abi_buf *out, const struct addr *to,
	    const u256 *amount);
int	abi_call_allowance(struct abi_buf *out, const struct addr *owner,
	    const struct addr *spender);
int	abi_call_get_amounts_out(struct abi_buf *out, const u256 *amount_in,
	    const struct addr *path, size_t npath);
int	abi_call_swap_exact_tokens_for_tokens(struct abi_buf *out,
	    const u256 *amount_in, const u256 *amount_out_min,
	    const struct addr *path, size_t npath, const struct addr *to,
	    uint64_t deadline);
int	abi_call_swap_exact_eth_for_tokens(struct abi_buf *out,
	    const u256 *amount_out_min, const struct addr *path, size_t npath,
	    const struct addr *to, uint64_t deadline);
int	abi_call_swap_exact_tokens_for_eth(struct abi_buf *out,
	    const u256 *amount_in, const u256 *amount_out_min,
	    const struct addr *path, size_t npath, const struct addr *to,
	    uint64_t deadline);
int	abi_call_get_reserves(struct abi_buf *out);
int	abi_call_token0(struct abi_buf *out);
int	abi_call_token1(struct abi_buf *out);

/*
 * Return data decoders (eth_call results): 0, or -1 on malformed data.
 */
int	abi_decode_uint256(const uint8_t *data, size_t len, u256 *out);
int	abi_decode_address(const uint8_t *data, size_t len, struct addr *out);
int	abi_decode_bool(const uint8_t *data, size_t len, int *out);
/* decimals(): a uint8. */
int	abi_decode_decimals(const uint8_t *data, size_t len, unsigned *out);
/* uint256[] (getAmountsOut) into out[0..cap); -1 also when longer. */
int	abi_decode_uint256_array(const uint8_t *data, size_t len, u256 *out,
	    size_t cap, size_t *n);
/* getReserves() -> (uint112 reserve0, uint112 reserve1, uint32 ts). */
int	abi_decode_reserves(const uint8_t *data, size_t len, u256 *reserve0,
	    u256 *reserve1, uint32_t *timestamp);
/* A string (symbol(), name()) into out (cap bytes with the NUL); -1 also
 * when it does not fit or holds a NUL byte. */
int	abi_decode_string(const uint8_t *data, size_t len, char *out,
	    size_t cap);

enum abi_revert_kind {
	ABI_REVERT_EMPTY,	/* no data (require without message, OOG) */
	ABI_REVERT_ERROR,	/* Error(string) 0x08c379a0 */
	ABI_REVERT_PANIC,	/* Panic(uint256) 0x4e487b71 */
	ABI_REVERT_CUSTOM	/* another selector (a custom error) */
};

struct abi_revert {
	enum abi_revert_kind	kind;
	uint8_t			selector[4];	/* ERROR, PANIC, CUSTOM */
	u256			code;		/* PANIC */
	/* ERROR: the message, truncated to fit, control characters
	 * replaced by '?' so it is safe to log; PANIC: what the code means;
	 * else empty. */
	char			reason[256];
};

/*
 * Classify revert data. Returns 0, or -1 for data that is not a revert
 * payload: 1 to 3 bytes, or an Error/Panic selector with a malformed
 * argument.
 */
int	abi_decode_revert(const uint8_t *data, size_t len,
	    struct abi_revert *out);

#endif
