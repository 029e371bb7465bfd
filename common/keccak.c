/*
 * keccak.c: Keccak-256 with Ethereum's (pre-FIPS) padding.
 *
 * The state is 25 little-endian 64-bit lanes, lane (x, y) at st[x + 5y].
 * The permutation keeps all lanes in locals and spells one round out in
 * full (theta, rho and pi fused into one pass, then chi and iota), which
 * lets the compiler keep the state in registers; the 24 rounds are a loop
 * over that body.
 */
#include <string.h>

#include "keccak.h"

#define KECCAK_RATE	136	/* 1600 - 2 * 256 bits, in bytes */
#define ROL64(v, n)	(((v) << (n)) | ((v) >> (64 - (n))))

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL,
	0x800000000000808aULL, 0x8000000080008000ULL,
	0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL,
	0x000000000000008aULL, 0x0000000000000088ULL,
	0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL,
	0x8000000000008089ULL, 0x8000000000008003ULL,
	0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL,
	0x8000000080008081ULL, 0x8000000000008080ULL,
	0x0000000080000001ULL, 0x8000000080008008ULL,
};

static uint64_t
load64le(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

static void
keccak_f1600(uint64_t st[25])
{
	uint64_t	a00, a10, a20, a30, a40, a01, a11, a21, a31,
			a41, a02, a12, a22, a32, a42, a03, a13, a23,
			a33, a43, a04, a14, a24, a34, a44;
	uint64_t	b00, b10, b20, b30, b40, b01, b11, b21, b31,
			b41, b02, b12, b22, b32, b42, b03, b13, b23,
			b33, b43, b04, b14, b24, b34, b44;
	uint64_t	c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
	int		i;

	a00 = st[0];
	a10 = st[1];
	a20 = st[2];
	a30 = st[3];
	a40 = st[4];
	a01 = st[5];
	a11 = st[6];
	a21 = st[7];
	a31 = st[8];
	a41 = st[9];
	a02 = st[10];
	a12 = st[11];
	a22 = st[12];
	a32 = st[13];
	a42 = st[14];
	a03 = st[15];
	a13 = st[16];
	a23 = st[17];
	a33 = st[18];
	a43 = st[19];
	a04 = st[20];
	a14 = st[21];
	a24 = st[22];
	a34 = st[23];
	a44 = st[24];

	for (i = 0; i < 24; i++) {
		c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
		c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
		c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
		c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
		c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
		d0 = c4 ^ ROL64(c1, 1);
		d1 = c0 ^ ROL64(c2, 1);
		d2 = c1 ^ ROL64(c3, 1);
		d3 = c2 ^ ROL64(c4, 1);
		d4 = c3 ^ ROL64(c0, 1);
		b00 = a00 ^ d0;
		b13 = ROL64(a01 ^ d0, 36);
		b21 = ROL64(a02 ^ d0, 3);
		b34 = ROL64(a03 ^ d0, 41);
		b42 = ROL64(a04 ^ d0, 18);
		b02 = ROL64(a10 ^ d1, 1);
		b10 = ROL64(a11 ^ d1, 44);
		b23 = ROL64(a12 ^ d1, 10);
		b31 = ROL64(a13 ^ d1, 45);
		b44 = ROL64(a14 ^ d1, 2);
		b04 = ROL64(a20 ^ d2, 62);
		b12 = ROL64(a21 ^ d2, 6);
		b20 = ROL64(a22 ^ d2, 43);
		b33 = ROL64(a23 ^ d2, 15);
		b41 = ROL64(a24 ^ d2, 61);
		b01 = ROL64(a30 ^ d3, 28);
		b14 = ROL64(a31 ^ d3, 55);
		b22 = ROL64(a32 ^ d3, 25);
		b30 = ROL64(a33 ^ d3, 21);
		b43 = ROL64(a34 ^ d3, 56);
		b03 = ROL64(a40 ^ d4, 27);
		b11 = ROL64(a41 ^ d4, 20);
		b24 = ROL64(a42 ^ d4, 39);
		b32 = ROL64(a43 ^ d4, 8);
		b40 = ROL64(a44 ^ d4, 14);
		a00 = b00 ^ (~b10 & b20);
		a10 = b10 ^ (~b20 & b30);
		a20 = b20 ^ (~b30 & b40);
		a30 = b30 ^ (~b40 & b00);
		a40 = b40 ^ (~b00 & b10);
		a01 = b01 ^ (~b11 & b21);
		a11 = b11 ^ (~b21 & b31);
		a21 = b21 ^ (~b31 & b41);
		a31 = b31 ^ (~b41 & b01);
		a41 = b41 ^ (~b01 & b11);
		a02 = b02 ^ (~b12 & b22);
		a12 = b12 ^ (~b22 & b32);
		a22 = b22 ^ (~b32 & b42);
		a32 = b32 ^ (~b42 & b02);
		a42 = b42 ^ (~b02 & b12);
		a03 = b03 ^ (~b13 & b23);
		a13 = b13 ^ (~b23 & b33);
		a23 = b23 ^ (~b33 & b43);
		a33 = b33 ^ (~b43 & b03);
		a43 = b43 ^ (~b03 & b13);
		a04 = b04 ^ (~b14 & b24);
		a14 = b14 ^ (~b24 & b34);
		a24 = b24 ^ (~b34 & b44);
		a34 = b34 ^ (~b44 & b04);
		a44 = b44 ^ (~b04 & b14);
		a00 ^= keccak_rc[i];
	}

	st[0] = a00;
	st[1] = a10;
	st[2] = a20;
	st[3] = a30;
	st[4] = a40;
	st[5] = a01;
	st[6] = a11;
	st[7] = a21;
	st[8] = a31;
	st[9] = a41;
	st[10] = a02;
	st[11] = a12;
	st[12] = a22;
	st[13] = a32;
	st[14] = a42;
	st[15] = a03;
	st[16] = a13;
	st[17] = a23;
	st[18] = a33;
	st[19] = a43;
	st[20] = a04;
	st[21] = a14;
	st[22] = a24;
	st[23] = a34;
	st[24] = a44;
}

/* XOR one full rate block into the state and permute. */
static void
keccak_absorb_block(uint64_t st[25], const uint8_t *p)
{
	int	i;

	for (i = 0; i < KECCAK_RATE / 8; i++)
		st[i] ^= load64le(p + 8 * i);
	keccak_f1600(st);
}

void
keccak256_init(struct keccak_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void
keccak256_update(struct keccak_ctx *ctx, const void *data, size_t len)
{
	const uint8_t	*p = data;

	if (len == 0)
		return;
	/* Finish a partial block byte by byte. */
	while (ctx->pos != 0 && len > 0) {
		ctx->st[ctx->pos / 8] ^= (uint64_t)*p++ << (8 * (ctx->pos % 8));
		len--;
		if (++ctx->pos == KECCAK_RATE) {
			keccak_f1600(ctx->st);
			ctx->pos = 0;
		}
	}
	while (len >= KECCAK_RATE) {
		keccak_absorb_block(ctx->st, p);
		p += KECCAK_RATE;
		len -= KECCAK_RATE;
	}
	while (len > 0) {
		ctx->st[ctx->pos / 8] ^= (uint64_t)*p++ << (8 * (ctx->pos % 8));
		ctx->pos++;
		len--;
	}
}

void
keccak256_final(struct keccak_ctx *ctx, uint8_t out[32])
{
	int	i, j;

	/* Keccak padding pad10*1 with the 0x01 domain byte (SHA3 uses 0x06). */
	ctx->st[ctx->pos / 8] ^= (uint64_t)0x01 << (8 * (ctx->pos % 8));
	ctx->st[(KECCAK_RATE - 1) / 8] ^=
	    (uint64_t)0x80 << (8 * ((KECCAK_RATE - 1) % 8));
	keccak_f1600(ctx->st);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[8 * i + j] = (uint8_t)(ctx->st[i] >> (8 * j));
	/* The state may have absorbed a key (keystore MACs): wipe it. */
	explicit_bzero(ctx, sizeof(*ctx));
}

void
keccak256(const void *data, size_t len, uint8_t out[32])
{
	struct keccak_ctx	ctx;

	keccak256_init(&ctx);
	keccak256_update(&ctx, data, len);
	keccak256_final(&ctx, out);
}
