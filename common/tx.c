/*
 * tx.c: see tx.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keccak.h"
#include "rlp.h"
#include "secp.h"
#include "tx.h"

static const uint8_t	empty[1];
static const uint8_t	empty_list = 0xc0;

static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * The RLP list of a transaction: signed (with v/y_parity, r, s) or the
 * signing payload (EIP-155 legacy appends chain_id, 0, 0).
 */
static int
enc_list(const struct tx *tx, struct rlp_buf *b, int signed_form)
{
	size_t	mark;

	if (tx->type != TX_LEGACY && tx->type != TX_ACCESS_LIST &&
	    tx->type != TX_DYNAMIC_FEE)
		return -1;
	if (tx->type != TX_LEGACY) {
		uint8_t	t = (uint8_t)tx->type;

		rlp_encode_raw(b, &t, 1);
	}
	mark = rlp_list_begin(b);
	if (tx->type != TX_LEGACY)
		rlp_encode_u64(b, tx->chain_id);
	rlp_encode_u64(b, tx->nonce);
	if (tx->type == TX_DYNAMIC_FEE) {
		rlp_encode_u256(b, &tx->max_priority_fee);
		rlp_encode_u256(b, &tx->max_fee);
	} else
		rlp_encode_u256(b, &tx->gas_price);
	rlp_encode_u64(b, tx->gas_limit);
	if (tx->has_to)
		rlp_encode_bytes(b, tx->to.b, sizeof(tx->to.b));
	else
		rlp_encode_bytes(b, empty, 0);
	rlp_encode_u256(b, &tx->value);
	rlp_encode_bytes(b, tx->data_len ? tx->data : empty, tx->data_len);
	if (tx->type != TX_LEGACY) {
		if (tx->access_list != NULL && tx->access_list_len > 0)
			rlp_encode_raw(b, tx->access_list,
			    tx->access_list_len);
		else
			rlp_encode_raw(b, &empty_list, 1);
	}
	if (signed_form) {
		rlp_encode_u64(b, tx->type == TX_LEGACY ? tx->v :
		    (uint64_t)tx->y_parity);
		rlp_encode_uint_be(b, tx->r, 32);
		rlp_encode_uint_be(b, tx->s, 32);
	} else if (tx->type == TX_LEGACY && tx->chain_id != 0) {
		rlp_encode_u64(b, tx->chain_id);
		rlp_encode_u64(b, 0);
		rlp_encode_u64(b, 0);
	}
	rlp_list_end(b, mark);
	return rlp_buf_error(b) ? -1 : 0;
}

int
tx_encode_unsigned(const struct tx *tx, struct rlp_buf *b)
{
	return enc_list(tx, b, 0);
}

int
tx_encode(const struct tx *tx, struct rlp_buf *b)
{
	return enc_list(tx, b, 1);
}

void
tx_hash(const uint8_t *raw, size_t len, uint8_t hash[32])
{
	keccak256(raw, len, hash);
}

/* Signing hash using b as scratch space (b is reset first). */
static int
sighash_buf(const struct tx *tx, struct rlp_buf *b, uint8_t hash[32])
{
	rlp_buf_reset(b);
	if (enc_list(tx, b, 0) == -1)
		return -1;
	keccak256(b->data, b->len, hash);
	return 0;
}

int
tx_sighash(const struct tx *tx, uint8_t hash[32])
{
	struct rlp_buf	b;
	int		rc;

	rlp_buf_init(&b);
	rc = sighash_buf(tx, &b, hash);
	rlp_buf_free(&b);
	return rc;
}

static int
sign_hash(struct tx *tx, const uint8_t key[32], const uint8_t hash[32])
{
	uint8_t	sig[SECP_SIG_LEN];
	int	recid;

	if (tx->type == TX_LEGACY && tx->chain_id > (UINT64_MAX - 36) / 2)
		return -1;
	if (secp_sign(hash, key, sig, &recid) == -1 || recid < 0 ||
	    recid > 1)
		return -1;
	memcpy(tx->r, sig, 32);
	memcpy(tx->s, sig + 32, 32);
	tx->y_parity = recid;
	if (tx->type != TX_LEGACY)
		tx->v = (uint64_t)recid;
	else if (tx->chain_id == 0)
		tx->v = 27 + (uint64_t)recid;
	else
		tx->v = tx->chain_id * 2 + 35 + (uint64_t)recid;
	return 0;
}

int
tx_sign(struct tx *tx, const uint8_t key[32])
{
	uint8_t	hash[32];

	if (tx_sighash(tx, hash) == -1)
		return -1;
	return sign_hash(tx, key, hash);
}

int
tx_sign_encode(struct tx *tx, const uint8_t key[32], struct rlp_buf *b,
    uint8_t hash[32])
{
	uint8_t	h[32];

	if (sighash_buf(tx, b, h) == -1 || sign_hash(tx, key, h) == -1)
		return -1;
	rlp_buf_reset(b);
	if (enc_list(tx, b, 1) == -1)
		return -1;
	if (hash != NULL)
		keccak256(b->data, b->len, hash);
	return 0;
}

/* --- decoding ---------------------------------------------------------- */

struct dec {
	struct rlp_iter	 it;
	char		*err;
	size_t		 errlen;
};

/* The next field, which must be a byte string. */
static int
next_bytes(struct dec *d, const char *name, struct rlp_item *it)
{
	int	r = rlp_iter_next(&d->it, it);

	if (r != 1)
		return fail(d->err, d->errlen, "%s: missing", name);
	if (it->kind != RLP_BYTES)
		return fail(d->err, d->errlen, "%s: a list where a byte "
		    "string is expected", name);
	return 0;
}

static int
int_fail(struct dec *d, const char *name, const struct rlp_item *it,
    int bits)
{
	if (it->len > 0 && it->ptr[0] == 0)
		return fail(d->err, d->errlen, "%s: integer with leading "
		    "zero bytes (non-canonical)", name);
	return fail(d->err, d->errlen, "%s: integer larger than %d bits",
	    name, bits);
}

static int
next_u64(struct dec *d, const char *name, uint64_t *v)
{
	struct rlp_item	it;

	if (next_bytes(d, name, &it) == -1)
		return -1;
	if (rlp_item_u64(&it, v) == -1)
		return int_fail(d, name, &it, 64);
	return 0;
}

static int
next_u256(struct dec *d, const char *name, u256 *v)
{
	struct rlp_item	it;

	if (next_bytes(d, name, &it) == -1)
		return -1;
	if (rlp_item_u256(&it, v) == -1)
		return int_fail(d, name, &it, 256);
	return 0;
}

/* A signature scalar: canonical integer of at most 32 bytes. */
static int
next_scalar(struct dec *d, const char *name, uint8_t out[32])
{
	struct rlp_item	it;

	if (next_bytes(d, name, &it) == -1)
		return -1;
	if ((it.len > 0 && it.ptr[0] == 0) || it.len > 32)
		return int_fail(d, name, &it, 256);
	memset(out, 0, 32);
	if (it.len > 0)
		memcpy(out + 32 - it.len, it.ptr, it.len);
	return 0;
}

/*
 * Walk an access list item: [[address, [key, ...]], ...]. Counts into
 * *na and *nk; err gets the reason on failure.
 */
static int
al_walk(const struct rlp_item *list, size_t *na, size_t *nk, char *err,
    size_t errlen)
{
	struct rlp_iter	ei, ki;
	struct rlp_item	e, a, ks, k, extra;
	int		r;

	*na = *nk = 0;
	if (list->kind != RLP_LIST || rlp_iter_init(&ei, list) == -1)
		return fail(err, errlen, "access list: not a list");
	while ((r = rlp_iter_next(&ei, &e)) == 1) {
		if (e.kind != RLP_LIST || rlp_iter_init(&ki, &e) == -1)
			return fail(err, errlen,
			    "access list: entry is not a list");
		if (rlp_iter_next(&ki, &a) != 1 ||
		    rlp_iter_next(&ki, &ks) != 1 ||
		    rlp_iter_next(&ki, &extra) != 0)
			return fail(err, errlen, "access list: entry is not "
			    "[address, storageKeys]");
		if (a.kind != RLP_BYTES || a.len != 20)
			return fail(err, errlen, "access list: address is not "
			    "20 bytes");
		if (ks.kind != RLP_LIST)
			return fail(err, errlen, "access list: storage keys "
			    "are not a list");
		(*na)++;
		rlp_iter_init(&ki, &ks);
		while ((r = rlp_iter_next(&ki, &k)) == 1) {
			if (k.kind != RLP_BYTES || k.len != 32)
				return fail(err, errlen, "access list: "
				    "storage key is not 32 bytes");
			(*nk)++;
		}
		if (r == -1)
			return fail(err, errlen, "access list: malformed");
	}
	if (r == -1)
		return fail(err, errlen, "access list: malformed");
	return 0;
}

int
tx_access_list_count(const struct tx *tx, size_t *naddrs, size_t *nkeys)
{
	struct rlp_item	list;

	*naddrs = *nkeys = 0;
	if (tx->access_list == NULL || tx->access_list_len == 0)
		return 0;
	if (rlp_decode(tx->access_list, tx->access_list_len, &list) == -1)
		return -1;
	return al_walk(&list, naddrs, nkeys, NULL, 0);
}

int
tx_decode(const uint8_t *raw, size_t len, struct tx *tx, struct addr *from,
    uint8_t hash[32], char *err, size_t errlen)
{
	struct dec	 d = { .err = err, .errlen = errlen };
	struct rlp_item	 top, it;
	struct addr	 sender;
	uint8_t		 sig[64], h[32];
	size_t		 na, nk;
	int		 want, n;
	uint64_t	 yp;

	memset(tx, 0, sizeof(*tx));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len == 0)
		return fail(err, errlen, "empty input");
	if (raw[0] >= 0xc0) {
		tx->type = TX_LEGACY;
		want = 9;
		if (rlp_decode(raw, len, &top) == -1)
			return fail(err, errlen, "malformed or non-canonical "
			    "RLP");
	} else if (raw[0] == TX_ACCESS_LIST || raw[0] == TX_DYNAMIC_FEE) {
		tx->type = (enum tx_type)raw[0];
		want = raw[0] == TX_ACCESS_LIST ? 11 : 12;
		if (rlp_decode(raw + 1, len - 1, &top) == -1)
			return fail(err, errlen, "malformed or non-canonical "
			    "RLP after type byte 0x%02x", raw[0]);
		if (top.kind != RLP_LIST)
			return fail(err, errlen, "typed transaction payload is "
			    "not a list");
	} else if (raw[0] < 0x80)
		return fail(err, errlen, "unsupported transaction type 0x%02x",
		    raw[0]);
	else
		return fail(err, errlen, "not a transaction: RLP byte string "
		    "where a list or type byte is expected");

	if ((n = rlp_list_count(&top)) != want)
		return fail(err, errlen, "%d fields, expected %d for a type %d "
		    "transaction", n, want, (int)tx->type);
	rlp_iter_init(&d.it, &top);
	if (tx->type != TX_LEGACY && next_u64(&d, "chain id",
	    &tx->chain_id) == -1)
		return -1;
	if (next_u64(&d, "nonce", &tx->nonce) == -1)
		return -1;
	if (tx->type == TX_DYNAMIC_FEE) {
		if (next_u256(&d, "max priority fee per gas",
		    &tx->max_priority_fee) == -1 ||
		    next_u256(&d, "max fee per gas", &tx->max_fee) == -1)
			return -1;
	} else if (next_u256(&d, "gas price", &tx->gas_price) == -1)
		return -1;
	if (next_u64(&d, "gas limit", &tx->gas_limit) == -1)
		return -1;
	if (next_bytes(&d, "to", &it) == -1)
		return -1;
	if (it.len == 20) {
		tx->has_to = 1;
		memcpy(tx->to.b, it.ptr, 20);
	} else if (it.len != 0)
		return fail(err, errlen, "to: %zu bytes, expected 20 or empty",
		    it.len);
	if (next_u256(&d, "value", &tx->value) == -1 ||
	    next_bytes(&d, "data", &it) == -1)
		return -1;
	tx->data = it.len ? it.ptr : NULL;
	tx->data_len = it.len;
	if (tx->type != TX_LEGACY) {
		if (rlp_iter_next(&d.it, &it) != 1)
			return fail(err, errlen, "access list: missing");
		if (al_walk(&it, &na, &nk, err, errlen) == -1)
			return -1;
		if (na > 0) {
			tx->access_list = it.raw;
			tx->access_list_len = it.rawlen;
		}
	}
	if (next_u64(&d, tx->type == TX_LEGACY ? "v" : "y parity", &yp) == -1)
		return -1;
	tx->v = yp;
	if (tx->type != TX_LEGACY) {
		if (yp > 1)
			return fail(err, errlen, "y parity %llu is not 0 or 1",
			    (unsigned long long)yp);
		tx->y_parity = (int)yp;
	} else if (yp == 27 || yp == 28)
		tx->y_parity = (int)(yp - 27);
	else if (yp >= 35) {
		tx->chain_id = (yp - 35) / 2;
		tx->y_parity = (int)((yp - 35) & 1);
		if (tx->chain_id == 0)
			return fail(err, errlen, "v %llu encodes chain id 0",
			    (unsigned long long)yp);
	} else
		return fail(err, errlen, "v %llu is neither 27/28 nor an "
		    "EIP-155 value", (unsigned long long)yp);
	if (next_scalar(&d, "r", tx->r) == -1 ||
	    next_scalar(&d, "s", tx->s) == -1)
		return -1;

	memcpy(sig, tx->r, 32);
	memcpy(sig + 32, tx->s, 32);
	if (secp_sig_check(sig, 1) == -1)
		return fail(err, errlen, "invalid signature values (r and s "
		    "must be in [1, n) and s <= n/2)");
	if (tx_sighash(tx, h) == -1)
		return fail(err, errlen, "out of memory");
	if (secp_recover_address(h, sig, tx->y_parity, sender.b) == -1)
		return fail(err, errlen, "cannot recover the sender from the "
		    "signature");
	if (from != NULL)
		*from = sender;
	if (hash != NULL)
		keccak256(raw, len, hash);
	return 0;
}

/* --- validation --------------------------------------------------------- */

int
tx_intrinsic_gas(const struct tx *tx, uint64_t *gas)
{
	uint64_t	g = 21000, zeros = 0;
	size_t		i, na, nk;

	if (tx_access_list_count(tx, &na, &nk) == -1)
		return -1;
	for (i = 0; i < tx->data_len; i++)
		zeros += tx->data[i] == 0;
	g += zeros * 4 + (tx->data_len - zeros) * 16;
	if (!tx->has_to)
		g += 32000 + 2 * (((uint64_t)tx->data_len + 31) / 32);
	g += (uint64_t)na * 2400 + (uint64_t)nk * 1900;
	*gas = g;
	return 0;
}

int
tx_validate(const struct tx *tx, uint64_t chain_id, char *err, size_t errlen)
{
	const u256	*price;
	u256		 gl, prod;
	uint64_t	 ig;

	if ((tx->type != TX_LEGACY || tx->chain_id != 0) &&
	    tx->chain_id != chain_id)
		return fail(err, errlen, "chain id %llu, expected %llu",
		    (unsigned long long)tx->chain_id,
		    (unsigned long long)chain_id);
	if (tx->nonce == UINT64_MAX)
		return fail(err, errlen, "nonce 2^64-1 is not allowed "
		    "(EIP-2681)");
	if (tx->type == TX_DYNAMIC_FEE) {
		if (u256_cmp(&tx->max_priority_fee, &tx->max_fee) > 0)
			return fail(err, errlen, "max priority fee per gas "
			    "exceeds max fee per gas");
		price = &tx->max_fee;
	} else
		price = &tx->gas_price;
	gl = u256_from_u64(tx->gas_limit);
	if (u256_mul(&prod, &gl, price) == -1)
		return fail(err, errlen, "gas limit * gas price overflows 256 "
		    "bits");
	if (!tx->has_to && tx->data_len > TX_MAX_INITCODE)
		return fail(err, errlen, "init code of %zu bytes exceeds %d "
		    "(EIP-3860)", tx->data_len, TX_MAX_INITCODE);
	if (tx_intrinsic_gas(tx, &ig) == -1)
		return fail(err, errlen, "malformed access list");
	if (ig > tx->gas_limit)
		return fail(err, errlen, "gas limit %llu below intrinsic gas "
		    "%llu", (unsigned long long)tx->gas_limit,
		    (unsigned long long)ig);
	return 0;
}
