/*
 * keccak.h: Keccak-256 as Ethereum uses it (original Keccak padding 0x01,
 * not FIPS-202 SHA3-256's 0x06).
 */
#ifndef BSC_KECCAK_H
#define BSC_KECCAK_H

#include <stddef.h>
#include <stdint.h>

struct keccak_ctx {
	uint64_t	st[25];
	size_t		pos;	/* bytes absorbed into the current block */
};

/* Incremental interface; init never fails, final may be called once. */
void	keccak256_init(struct keccak_ctx *);
void	keccak256_update(struct keccak_ctx *, const void *, size_t);
void	keccak256_final(struct keccak_ctx *, uint8_t out[32]);

/* One-shot Keccak-256 of len bytes at data into out. */
void	keccak256(const void *data, size_t len, uint8_t out[32]);

#endif
