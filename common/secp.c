/*
 * secp.c: see secp.h.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "keccak.h"
#include "log.h"
#include "secp.h"

/* The group order n and n/2 (rounded down), big-endian. */
static const uint8_t secp_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
	0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t secp_half_n[32] = {
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
	0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static pthread_once_t	 secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *secp_ctx;

static void
secp_init(void)
{
	secp256k1_context	*ctx;
	uint8_t			 seed[32];

	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL) {
		log_warnx("secp256k1: cannot create context");
		return;
	}
	/*
	 * Randomisation blinds the signing and key-generation computations;
	 * without a random seed we refuse to sign rather than go unblinded.
	 */
	if (secp_random(seed, sizeof(seed)) == -1) {
		log_warn("secp256k1: getrandom");
		secp256k1_context_destroy(ctx);
		return;
	}
	if (!secp256k1_context_randomize(ctx, seed)) {
		log_warnx("secp256k1: context randomisation failed");
		explicit_bzero(seed, sizeof(seed));
		secp256k1_context_destroy(ctx);
		return;
	}
	explicit_bzero(seed, sizeof(seed));
	secp_ctx = ctx;
}

static const secp256k1_context *
secp_context(void)
{
	if (pthread_once(&secp_once, secp_init) != 0)
		return NULL;
	return secp_ctx;
}

/* Big-endian comparison of two 32-byte numbers: -1, 0, 1. */
static int
be32_cmp(const uint8_t *a, const uint8_t *b)
{
	int	i;

	for (i = 0; i < 32; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

static int
be32_is_zero(const uint8_t *a)
{
	uint8_t	acc = 0;
	int	i;

	for (i = 0; i < 32; i++)
		acc |= a[i];
	return acc == 0;
}

int
secp_random(void *buf, size_t n)
{
	uint8_t	*p = buf;
	ssize_t	 r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
secp_sign(const uint8_t hash[32], const uint8_t key[SECP_KEY_LEN],
    uint8_t sig[SECP_SIG_LEN], int *recid)
{
	const secp256k1_context		*ctx;
	secp256k1_ecdsa_recoverable_signature rs;
	int				 ok;

	memset(sig, 0, SECP_SIG_LEN);
	if ((ctx = secp_context()) == NULL)
		return -1;
	/*
	 * libsecp256k1 always produces a low-s signature and adjusts the
	 * recovery id to match, which is what EIP-2 requires.
	 */
	ok = secp256k1_ecdsa_sign_recoverable(ctx, &rs, hash, key, NULL, NULL);
	if (ok)
		ok = secp256k1_ecdsa_recoverable_signature_serialize_compact(
		    ctx, sig, recid, &rs);
	explicit_bzero(&rs, sizeof(rs));
	if (!ok) {
		memset(sig, 0, SECP_SIG_LEN);
		return -1;
	}
	return 0;
}

int
secp_sig_check(const uint8_t sig[SECP_SIG_LEN], int low_s)
{
	const uint8_t	*r = sig, *s = sig + 32;

	if (be32_is_zero(r) || be32_cmp(r, secp_n) >= 0)
		return -1;
	if (be32_is_zero(s))
		return -1;
	if (low_s ? be32_cmp(s, secp_half_n) > 0 : be32_cmp(s, secp_n) >= 0)
		return -1;
	return 0;
}

int
secp_recover(const uint8_t hash[32], const uint8_t sig[SECP_SIG_LEN],
    int recid, uint8_t pub[SECP_PUB_LEN])
{
	const secp256k1_context		*ctx;
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey		 pk;
	uint8_t				 ser[65];
	size_t				 serlen = sizeof(ser);

	if (recid < 0 || recid > 3 || secp_sig_check(sig, 0) == -1)
		return -1;
	if ((ctx = secp_context()) == NULL)
		return -1;
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs,
	    sig, recid))
		return -1;
	if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, hash))
		return -1;
	if (!secp256k1_ec_pubkey_serialize(ctx, ser, &serlen, &pk,
	    SECP256K1_EC_UNCOMPRESSED) || serlen != 65)
		return -1;
	memcpy(pub, ser + 1, SECP_PUB_LEN);
	return 0;
}

void
secp_pub_address(const uint8_t pub[SECP_PUB_LEN], uint8_t addr[SECP_ADDR_LEN])
{
	uint8_t	h[32];

	keccak256(pub, SECP_PUB_LEN, h);
	memcpy(addr, h + 12, SECP_ADDR_LEN);
}

int
secp_recover_address(const uint8_t hash[32], const uint8_t sig[SECP_SIG_LEN],
    int recid, uint8_t addr[SECP_ADDR_LEN])
{
	uint8_t	pub[SECP_PUB_LEN];

	if (secp_recover(hash, sig, recid, pub) == -1)
		return -1;
	secp_pub_address(pub, addr);
	return 0;
}

int
secp_key_is_valid(const uint8_t key[SECP_KEY_LEN])
{
	return !be32_is_zero(key) && be32_cmp(key, secp_n) < 0;
}

int
secp_pubkey(const uint8_t key[SECP_KEY_LEN], uint8_t pub[SECP_PUB_LEN])
{
	const secp256k1_context	*ctx;
	secp256k1_pubkey	 pk;
	uint8_t			 ser[65];
	size_t			 serlen = sizeof(ser);
	int			 ok;

	if (!secp_key_is_valid(key) || (ctx = secp_context()) == NULL)
		return -1;
	ok = secp256k1_ec_pubkey_create(ctx, &pk, key) &&
	    secp256k1_ec_pubkey_serialize(ctx, ser, &serlen, &pk,
	    SECP256K1_EC_UNCOMPRESSED) && serlen == 65;
	if (ok)
		memcpy(pub, ser + 1, SECP_PUB_LEN);
	return ok ? 0 : -1;
}

int
secp_key_address(const uint8_t key[SECP_KEY_LEN], uint8_t addr[SECP_ADDR_LEN])
{
	uint8_t	pub[SECP_PUB_LEN];

	if (secp_pubkey(key, pub) == -1)
		return -1;
	secp_pub_address(pub, addr);
	return 0;
}

int
secp_key_generate(uint8_t key[SECP_KEY_LEN])
{
	int	tries;

	/* A draw is invalid with probability about 2^-128. */
	for (tries = 0; tries < 16; tries++) {
		if (secp_random(key, SECP_KEY_LEN) == -1) {
			explicit_bzero(key, SECP_KEY_LEN);
			return -1;
		}
		if (secp_key_is_valid(key))
			return 0;
	}
	explicit_bzero(key, SECP_KEY_LEN);
	errno = EIO;
	return -1;
}
