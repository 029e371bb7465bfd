/*
 * rlp.h: Recursive Length Prefix encoding (Ethereum yellow paper,
 * appendix B): an encoder into a growable byte buffer and a strict,
 * zero-copy decoder that accepts canonical encodings only.
 *
 * Encoding a list:
 *	struct rlp_buf	b;
 *	size_t		mark;
 *
 *	rlp_buf_init(&b);
 *	mark = rlp_list_begin(&b);
 *	rlp_encode_u64(&b, nonce);
 *	rlp_encode_bytes(&b, to.b, sizeof(to.b));
 *	rlp_list_end(&b, mark);
 *	if (rlp_buf_error(&b)) ... ;	(allocation failed somewhere)
 *	use b.data, b.len; rlp_buf_free(&b);
 *
 * Errors are sticky: after an allocation failure every later call
 * returns -1 and leaves the buffer unchanged, so a builder may check once
 * at the end.
 *
 * Decoding: rlp_decode() checks a whole encoding (every nested item, the
 * depth bound and the absence of trailing bytes) and yields a view of the
 * top-level item; rlp_iter walks a list's children. Views point into the
 * caller's input, which must outlive them.
 */
#ifndef BSC_RLP_H
#define BSC_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "u256.h"

/* Deepest list nesting the decoder accepts (transactions need 3). */
#define RLP_MAX_DEPTH	32

struct rlp_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	int	 err;	/* sticky: an allocation failed */
};

/* An empty buffer; never fails (allocation happens on first append). */
void	rlp_buf_init(struct rlp_buf *);
/* Free the storage and leave an empty buffer. Accepts an empty buffer. */
void	rlp_buf_free(struct rlp_buf *);
/* Empty the buffer but keep its storage; clears the error flag. */
void	rlp_buf_reset(struct rlp_buf *);
/* Predicate: 1 when an earlier call failed, else 0. */
int	rlp_buf_error(const struct rlp_buf *);

/* Append a byte string (a single byte < 0x80 encodes as itself).
 * All encoders return 0, or -1 on allocation failure. */
int	rlp_encode_bytes(struct rlp_buf *, const void *, size_t);
/* Append a NUL-terminated string as a byte string. */
int	rlp_encode_string(struct rlp_buf *, const char *);
/* Append an unsigned integer: minimal big-endian, zero is 0x80. */
int	rlp_encode_u64(struct rlp_buf *, uint64_t);
int	rlp_encode_u256(struct rlp_buf *, const u256 *);
/* Append an integer of any size given big-endian (leading zeros are
 * stripped, so the result is canonical). */
int	rlp_encode_uint_be(struct rlp_buf *, const uint8_t *, size_t);
/* Append an item that is already RLP-encoded, unchanged. */
int	rlp_encode_raw(struct rlp_buf *, const void *, size_t);

/*
 * Start a list: returns a mark to pass to rlp_list_end, which wraps
 * everything appended since the mark in a list header. Lists nest.
 */
size_t	rlp_list_begin(const struct rlp_buf *);
int	rlp_list_end(struct rlp_buf *, size_t mark);

enum rlp_kind { RLP_BYTES, RLP_LIST };

/* A decoded item: its payload (string bytes, or the concatenated
 * encodings of a list's children) and its whole encoding. */
struct rlp_item {
	enum rlp_kind	 kind;
	const uint8_t	*ptr;	/* payload */
	size_t		 len;
	const uint8_t	*raw;	/* header and payload */
	size_t		 rawlen;
};

/*
 * Decode in[0..len) as exactly one canonical item, checking every nested
 * item. Returns 0, or -1 on any non-canonical or malformed encoding,
 * nesting deeper than RLP_MAX_DEPTH, or trailing bytes.
 */
int	rlp_decode(const uint8_t *in, size_t len, struct rlp_item *out);
/*
 * Same, but for an item at the start of in followed by anything: stores
 * the item's encoded size in *used.
 */
int	rlp_decode_prefix(const uint8_t *in, size_t len, struct rlp_item *out,
	    size_t *used);

struct rlp_iter {
	const uint8_t	*p;
	size_t		 left;
};

/* Start walking a list's children. Returns 0, or -1 if not a list. */
int	rlp_iter_init(struct rlp_iter *, const struct rlp_item *list);
/* Next child: returns 1 and fills *out, 0 at the end, -1 on bad input
 * (possible only for items that did not come from rlp_decode). */
int	rlp_iter_next(struct rlp_iter *, struct rlp_item *out);
/* Number of children of a list, or -1 (not a list, malformed). */
int	rlp_list_count(const struct rlp_item *);

/*
 * Integer views of a byte-string item: canonical (no leading zero byte,
 * zero is the empty string). Return 0, or -1 for a list, a leading zero,
 * or a value too large for the type.
 */
int	rlp_item_u64(const struct rlp_item *, uint64_t *);
int	rlp_item_u256(const struct rlp_item *, u256 *);

#endif
