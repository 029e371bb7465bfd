/*
 * keystore_int.h: what the files of the keystore share (not for use
 * outside common/keystore*.c; the API is keystore.h).
 */
#ifndef BSC_KEYSTORE_INT_H
#define BSC_KEYSTORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "keystore.h"


/* Refuse key derivations that would take more than this much memory. */
#define KS_SCRYPT_MAXMEM	((uint64_t)1 << 30)
/* ... or iterations (geth writes 262144; this is about 40x that). */
#define KS_PBKDF2_MAXC		(1u << 23)
#define KS_SALT_MAX		1024
#define KS_PASSWORD_MAX		4096

/* keystore.c */
/* Fill err (may be NULL) with code and the message / with success. */
void		 keystore_err(struct keystore_error *err,
		    enum keystore_code code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 keystore_ok(struct keystore_error *err);
/* Case-sensitive member lookup (cJSON's default is case-insensitive). */
const cJSON	*keystore_js_get(const cJSON *o, const char *name);
/* A non-negative integer member no larger than max (max <= 2^53). 0 or
 * -1 (err). */
int		 keystore_js_uint(const cJSON *o, const char *name,
		    uint64_t max, uint64_t *out, struct keystore_error *err);
/* A string member (borrowed), or NULL (err). */
const char	*keystore_js_str(const cJSON *o, const char *name,
		    struct keystore_error *err);
/* A hex string member decoding to between min and max bytes (into out,
 * which holds max bytes). 0 or -1 (err). */
int		 keystore_js_hex(const cJSON *o, const char *name,
		    uint8_t *out, size_t min, size_t max, size_t *outlen,
		    struct keystore_error *err);
/* An object member (borrowed) into *out. 0 or -1 (err). */
int		 keystore_js_object(const cJSON *o, const char *name,
		    const cJSON **out, struct keystore_error *err);
/* The address member: 40 hex digits, optional 0x. 0 or -1 (err). */
int		 keystore_js_address(const cJSON *root, uint8_t addr[20],
		    struct keystore_error *err);
/* The parsed root object of a key file (caller deletes), or NULL. */
cJSON		*keystore_parse(const char *json, size_t len,
		    struct keystore_error *err);

/* keystore_crypt.c */
/* Read a secret-bearing file: a regular file without group/other
 * permissions (unless lax, which only warns) and at most max bytes.
 * Returns a NUL-terminated buffer of *len bytes (the caller frees it
 * with keystore_free_secret), or NULL (err). */
char		*keystore_slurp(const char *path, size_t max, int lax,
		    size_t *len, struct keystore_error *err);
/* Wipe len bytes of buf and free it. Accepts NULL. */
void		 keystore_free_secret(char *buf, size_t len);

#endif
