/*
 * keystore.h: Web3 Secret Storage (version 3) key files, as geth, ethers
 * and MyCrypto write them, and signing keys from the environment.
 *
 * Reading: kdf "scrypt" or "pbkdf2" (prf "hmac-sha256"), cipher
 * "aes-128-ctr", MAC = keccak256(derived_key[16..32] || ciphertext).
 * Writing: scrypt only, n=262144 r=8 p=1 unless the caller asks for
 * lighter parameters (tests, `bsc-ctl wallet generate --scrypt-n N`).
 *
 * Files are read only when not accessible by group or others (mode 0600
 * or stricter) and written 0600, atomically (a temporary file in the same
 * directory, then link(2) so an existing file is never replaced; rename(2)
 * where the file system has no hard links), named like geth's:
 * UTC--2024-05-01T12-00-00.000000000Z--<40 hex digits>.
 *
 * Errors are reported as -1 plus a struct keystore_error whose code tells
 * the causes apart and whose message is meant for an operator. Messages
 * never contain a password or key material.
 */
#ifndef BSC_KEYSTORE_H
#define BSC_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#define KEYSTORE_SCRYPT_N	262144	/* defaults for new files */
#define KEYSTORE_SCRYPT_R	8
#define KEYSTORE_SCRYPT_P	1

/* Environment variable holding a hex private key (discouraged). */
#define KEYSTORE_ENV_KEY	"TREASURY_PRIVATE_KEY"

/* Largest key file read; real ones are about 500 bytes. */
#define KEYSTORE_FILE_MAX	(64 * 1024)

enum keystore_code {
	KEYSTORE_OK = 0,
	KEYSTORE_E_IO,		/* open/read/write/rename failed (errno) */
	KEYSTORE_E_PERM,	/* key file readable/writable by group/other */
	KEYSTORE_E_MALFORMED,	/* not JSON, missing/ill-typed fields, bad hex */
	KEYSTORE_E_UNSUPPORTED,	/* version, kdf, prf, cipher, parameters */
	KEYSTORE_E_PASSWORD,	/* MAC mismatch: wrong password (or tampering) */
	KEYSTORE_E_KEY,		/* decrypted key invalid or address mismatch */
	KEYSTORE_E_NOTFOUND,	/* no such file / variable unset / no match */
	KEYSTORE_E_INTERNAL,	/* allocation or crypto library failure */
};

struct keystore_error {
	enum keystore_code	code;
	char			msg[512];
};

/* Parameters for new files; scrypt n must be a power of two >= 2. */
struct keystore_params {
	uint64_t	scrypt_n;
	uint32_t	scrypt_r;
	uint32_t	scrypt_p;
};

/* One key file found in a directory by keystore_list. */
struct keystore_entry {
	char	name[256];	/* file name within the directory */
	uint8_t	addr[20];	/* from the file's "address" field */
};

/* The default parameters (KEYSTORE_SCRYPT_*). */
struct keystore_params keystore_params_default(void);

/* Short static name of a code ("wrong password", "malformed"). */
const char	*keystore_code_str(enum keystore_code);

/*
 * Decrypt a key file's JSON text (len bytes, need not be NUL-terminated)
 * with password (NUL-terminated). On success stores the 32-byte private
 * key (shorter plaintexts written by old tools are left-padded with
 * zeros) and its address, and returns 0. When the file has an "address"
 * field it must match the key. On failure returns -1 and fills err (may
 * be NULL); key is zeroed. No permission check: see keystore_read.
 */
int	keystore_decrypt(const char *json, size_t len, const char *password,
	    uint8_t key[32], uint8_t addr[20], struct keystore_error *err);

/*
 * Read and decrypt the key file at path. Refuses (KEYSTORE_E_PERM) a file
 * with any group or other permission bit set, and anything but a regular
 * file. Otherwise as keystore_decrypt.
 */
int	keystore_read(const char *path, const char *password, uint8_t key[32],
	    uint8_t addr[20], struct keystore_error *err);

/*
 * The "address" field of the key file at path, validated (40 hex digits,
 * optional 0x), without decrypting it. Applies the same permission check
 * as keystore_read. Returns 0 or -1 (KEYSTORE_E_NOTFOUND when the file
 * has no address field).
 */
int	keystore_read_address(const char *path, uint8_t addr[20],
	    struct keystore_error *err);

/*
 * Encrypt key with password into a new key file text (scrypt with params,
 * or the defaults when params is NULL; fresh random salt, IV and UUID).
 * Returns a NUL-terminated string the caller frees with free(), or NULL
 * with err filled. The text holds no secret in clear.
 */
char	*keystore_encrypt(const uint8_t key[32], const char *password,
	    const struct keystore_params *params, struct keystore_error *err);

/*
 * Encrypt key and write it into directory dir (which must exist) as a new
 * file named UTC--<time>--<address>, mode 0600, atomically. When path is
 * not NULL the new file's full path is stored there (cap bytes). Returns
 * 0 or -1 with err filled; on failure no file is left behind.
 */
int	keystore_write(const char *dir, const uint8_t key[32],
	    const char *password, const struct keystore_params *params,
	    char *path, size_t cap, struct keystore_error *err);

/*
 * List the key files in dir: regular files, skipping hidden ones, names
 * ending in '~', subdirectories and files that are not key files or lack
 * a valid address field (those are counted in *nskipped when not NULL).
 * Files with group/other permission bits are skipped too. Stores a new
 * array sorted by name in *out (free with free(); NULL when empty) and
 * its length in *n. Returns 0, or -1 with err filled when dir cannot be
 * read.
 */
int	keystore_list(const char *dir, struct keystore_entry **out, size_t *n,
	    size_t *nskipped, struct keystore_error *err);

/*
 * Resolve which (a file name within dir, a path containing '/', or a
 * 0x-address matched against the files of dir) to a key file path in
 * path (cap bytes). Returns 0, or -1 (KEYSTORE_E_NOTFOUND when nothing
 * matches).
 */
int	keystore_find(const char *dir, const char *which, char *path,
	    size_t cap, struct keystore_error *err);

/*
 * Read a password file: its first line without the line terminator
 * (geth's convention). Returns a new NUL-terminated string, which the
 * caller wipes with explicit_bzero and frees, or NULL with err filled.
 * A file readable by group or others is used but warned about.
 */
char	*keystore_read_password_file(const char *path,
	    struct keystore_error *err);

/*
 * Read a private key in hex (64 digits, optional 0x, surrounding white
 * space ignored) from the file at path, which must not be accessible by
 * group or others. Returns 0 or -1; key is zeroed on failure.
 */
int	keystore_read_key_file(const char *path, uint8_t key[32],
	    struct keystore_error *err);

/*
 * The signing key from environment variable var (KEYSTORE_ENV_KEY when
 * NULL): 64 hex digits, optional 0x. Logs a warning that keys in the
 * environment are discouraged (never the key). Returns 0 and stores key
 * and address; -1 with KEYSTORE_E_NOTFOUND when the variable is unset or
 * empty, KEYSTORE_E_KEY when it does not hold a valid key.
 */
int	keystore_env_key(const char *var, uint8_t key[32], uint8_t addr[20],
	    struct keystore_error *err);

#endif
