/*
 * tx.h: Ethereum/BSC transactions: build, sign, serialise, hash, and
 * strictly decode and verify.
 *
 * Types:
 *   TX_LEGACY       rlp([nonce, gasPrice, gas, to, value, data, v, r, s]);
 *                   chain_id 0 signs the pre-EIP-155 way (v = 27/28),
 *                   otherwise EIP-155 (v = recid + chain_id*2 + 35).
 *   TX_ACCESS_LIST  EIP-2930: 0x01 || rlp([chainId, nonce, gasPrice, gas,
 *                   to, value, data, accessList, yParity, r, s]).
 *   TX_DYNAMIC_FEE  EIP-1559: 0x02 || rlp([chainId, nonce,
 *                   maxPriorityFeePerGas, maxFeePerGas, gas, to, value,
 *                   data, accessList, yParity, r, s]).
 *
 * A struct tx does not own memory: data and access_list point at the
 * caller's bytes (for a decoded transaction, into the raw input, which
 * must outlive it). The access list is carried as its RLP encoding (a
 * list of [address, [storageKey, ...]]); NULL/0 means empty.
 *
 * Decoding follows the current (Cancun) rules of mainnet, which BSC
 * shares for these checks: canonical RLP only, exact field counts and
 * kinds, integers within their types, 1 <= r,s < n and s <= n/2
 * (EIP-2), and the sender must be recoverable. Chain-level checks that
 * need context (chain id, intrinsic gas, fee relations) are in
 * tx_validate.
 */
#ifndef BSC_TX_H
#define BSC_TX_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rlp.h"
#include "u256.h"

enum tx_type {
	TX_LEGACY = 0,
	TX_ACCESS_LIST = 1,
	TX_DYNAMIC_FEE = 2,
};

/* EIP-3860: largest init code a creation may carry. */
#define TX_MAX_INITCODE	49152

struct tx {
	enum tx_type	 type;
	uint64_t	 chain_id;	/* legacy: 0 = no EIP-155 replay guard */
	uint64_t	 nonce;
	u256		 gas_price;	/* legacy, access list */
	u256		 max_priority_fee; /* dynamic fee (tip cap) */
	u256		 max_fee;	/* dynamic fee (fee cap) */
	uint64_t	 gas_limit;
	int		 has_to;	/* 0: contract creation */
	struct addr	 to;
	u256		 value;
	const uint8_t	*data;		/* calldata / init code, not owned */
	size_t		 data_len;
	const uint8_t	*access_list;	/* RLP list encoding, or NULL */
	size_t		 access_list_len;

	/* Signature, set by tx_sign and tx_decode. */
	uint64_t	 v;		/* as serialised (typed: y_parity) */
	int		 y_parity;	/* recovery id, 0 or 1 */
	uint8_t		 r[32];		/* big-endian */
	uint8_t		 s[32];
};

/*
 * Append the signing payload (what the signature covers, before hashing)
 * to b: for typed transactions the type byte then the RLP list. Returns
 * 0, or -1 on allocation failure or an unknown type.
 */
int	tx_encode_unsigned(const struct tx *, struct rlp_buf *b);

/* The signing hash keccak256(tx_encode_unsigned). Returns 0 or -1. */
int	tx_sighash(const struct tx *, uint8_t hash[32]);

/*
 * Sign tx with key: sets v, y_parity, r and s (low s). Returns 0, or -1
 * when the key is invalid, the v of a legacy transaction would not fit
 * 64 bits, or allocation fails.
 */
int	tx_sign(struct tx *, const uint8_t key[32]);

/* Append the signed serialisation to b. Returns 0 or -1. */
int	tx_encode(const struct tx *, struct rlp_buf *b);

/*
 * Sign and serialise in one step, reusing b's storage: b is reset and
 * then holds the signed transaction; hash (may be NULL) gets its
 * transaction hash. Returns 0 or -1.
 */
int	tx_sign_encode(struct tx *, const uint8_t key[32], struct rlp_buf *b,
	    uint8_t hash[32]);

/* Transaction hash of a serialised transaction: keccak256(raw). */
void	tx_hash(const uint8_t *raw, size_t len, uint8_t hash[32]);

/*
 * Strictly decode a signed serialised transaction (legacy, type 1 or
 * type 2) into tx, recover the sender into *from and compute the hash
 * (from and hash may be NULL). Returns 0, or -1 with a reason in err
 * (errlen bytes; err may be NULL). tx points into raw afterwards.
 */
int	tx_decode(const uint8_t *raw, size_t len, struct tx *tx,
	    struct addr *from, uint8_t hash[32], char *err, size_t errlen);

/*
 * Walk the access list's RLP: count addresses and storage keys, checking
 * the shape (each entry [20-byte address, [32-byte keys...]]). Returns 0
 * or -1 when it is malformed.
 */
int	tx_access_list_count(const struct tx *, size_t *naddrs,
	    size_t *nkeys);

/*
 * Intrinsic gas under the Shanghai/Cancun rules: 21000, +32000 for a
 * creation plus 2 per 32-byte word of init code (EIP-3860), 4 per zero
 * and 16 per non-zero data byte (EIP-2028), 2400 per access-list address
 * and 1900 per storage key (EIP-2930). Returns 0, or -1 on a malformed
 * access list.
 */
int	tx_intrinsic_gas(const struct tx *, uint64_t *gas);

/*
 * Checks that depend on the chain rather than the encoding, for a tx
 * to be sent to (or received from) chain chain_id: the chain id (an
 * unprotected legacy transaction is accepted), nonce below 2^64-1
 * (EIP-2681), tip cap <= fee cap, gas_limit * price fits 256 bits, init
 * code size (EIP-3860) and intrinsic gas <= gas_limit. Returns 0, or -1
 * with the reason in err.
 */
int	tx_validate(const struct tx *, uint64_t chain_id, char *err,
	    size_t errlen);

#endif
