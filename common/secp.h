/*
 * secp.h: secp256k1 keys and recoverable ECDSA signatures as Ethereum
 * uses them, on top of libsecp256k1.
 *
 * One libsecp256k1 context serves the whole process. It is created on
 * first use (thread-safe), randomised with getrandom(2) bytes against
 * side-channel leakage, and never freed. libsecp256k1's 1/0 results are
 * converted here: every int function returns 0 on success, -1 on failure,
 * except the predicates, which say so.
 *
 * Key material the functions copy internally is wiped before they return;
 * wiping the caller's own buffers is the caller's job (explicit_bzero).
 */
#ifndef BSC_SECP_H
#define BSC_SECP_H

#include <stddef.h>
#include <stdint.h>

#define SECP_KEY_LEN	32	/* private key, big-endian scalar */
#define SECP_PUB_LEN	64	/* uncompressed public key without 0x04 */
#define SECP_SIG_LEN	64	/* r || s, each 32 bytes big-endian */
#define SECP_ADDR_LEN	20

/*
 * Sign the 32-byte hash with key (RFC 6979 deterministic nonce). Writes
 * r || s into sig with s in the lower half of the group order (EIP-2) and
 * the recovery id (0 or 1, the parity of R.y) into *recid. Returns 0, or
 * -1 when the key is invalid (zero or not below the group order) or the
 * library fails; sig is zeroed then.
 */
int	secp_sign(const uint8_t hash[32], const uint8_t key[SECP_KEY_LEN],
	    uint8_t sig[SECP_SIG_LEN], int *recid);

/*
 * Recover the public key that produced sig (r || s) with recovery id
 * recid (0..3) over hash. Returns 0, or -1 when r or s is out of range,
 * recid is out of range or no key can be recovered (e.g. R is not on the
 * curve). Does not check that s is low; see secp_sig_check.
 */
int	secp_recover(const uint8_t hash[32], const uint8_t sig[SECP_SIG_LEN],
	    int recid, uint8_t pub[SECP_PUB_LEN]);

/* secp_recover followed by secp_pub_address. Returns 0 or -1. */
int	secp_recover_address(const uint8_t hash[32],
	    const uint8_t sig[SECP_SIG_LEN], int recid,
	    uint8_t addr[SECP_ADDR_LEN]);

/*
 * Check the scalar ranges of a signature: 1 <= r < n and 1 <= s < n, and
 * s <= n/2 when low_s is set (EIP-2, Homestead and later). Returns 0 when
 * it passes, -1 otherwise.
 */
int	secp_sig_check(const uint8_t sig[SECP_SIG_LEN], int low_s);

/* Private key to uncompressed public key (64 bytes). Returns 0 or -1. */
int	secp_pubkey(const uint8_t key[SECP_KEY_LEN], uint8_t pub[SECP_PUB_LEN]);

/* Ethereum address of a public key: last 20 bytes of keccak256(pub). */
void	secp_pub_address(const uint8_t pub[SECP_PUB_LEN],
	    uint8_t addr[SECP_ADDR_LEN]);

/* Private key to address. Returns 0, or -1 for an invalid key. */
int	secp_key_address(const uint8_t key[SECP_KEY_LEN],
	    uint8_t addr[SECP_ADDR_LEN]);

/* Predicate: 1 when key is a valid private key (0 < key < n), else 0. */
int	secp_key_is_valid(const uint8_t key[SECP_KEY_LEN]);

/*
 * A new random private key from getrandom(2) (retried until valid, which
 * in practice is the first draw). Returns 0, or -1 when the kernel's
 * random source fails.
 */
int	secp_key_generate(uint8_t key[SECP_KEY_LEN]);

/*
 * Fill buf with n bytes from getrandom(2), retrying on EINTR and short
 * reads. Returns 0, or -1 with errno set. For salts, IVs and UUIDs.
 */
int	secp_random(void *buf, size_t n);

#endif
