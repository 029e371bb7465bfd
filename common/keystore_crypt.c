/*
 * keystore_crypt.c: Web3 Secret Storage v3 crypto (keystore.h):
 * scrypt and PBKDF2 key derivation with limits, AES-128-CTR, the
 * Keccak MAC checked before decrypting, and writing a new key file
 * (keystore_int.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hex.h"
#include "keccak.h"
#include "keystore.h"
#include "keystore_int.h"
#include "log.h"
#include "secp.h"

/* --- key derivation ---------------------------------------------------- */

struct ks_kdf {
	int		 scrypt;	/* else pbkdf2-hmac-sha256 */
	uint64_t	 n, r, p;	/* scrypt */
	uint64_t	 c;		/* pbkdf2 */
	uint8_t		 salt[KS_SALT_MAX];
	size_t		 saltlen;
};

static int
ks_scrypt_check(uint64_t n, uint64_t r, uint64_t p, uint64_t *mem,
    struct keystore_error *err)
{
	uint64_t	need;

	if (n < 2 || (n & (n - 1)) != 0) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "scrypt n=%llu is not a power of two greater than 1",
		    (unsigned long long)n);
		return -1;
	}
	if (r == 0 || p == 0 || r > 1024 || p > 1024) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "scrypt r=%llu p=%llu out of the supported range 1..1024",
		    (unsigned long long)r, (unsigned long long)p);
		return -1;
	}
	/*
	 * RFC 7914 requires N < 2^(128*r/8) = 2^(16r); OpenSSL enforces it.
	 * Some published vectors (n=262144 r=1) break it: say so plainly.
	 */
	if (16 * r < 64 && n >= ((uint64_t)1 << (16 * r))) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "scrypt n=%llu with r=%llu violates RFC 7914 "
		    "(n must be below 2^(16*r)); OpenSSL refuses it",
		    (unsigned long long)n, (unsigned long long)r);
		return -1;
	}
	/* OpenSSL's own accounting: V is 128*r*(n+2), B is 128*r*p. */
	if (n > KS_SCRYPT_MAXMEM / (128 * r) ||
	    (need = 128 * r * (n + 2) + 128 * r * p) > KS_SCRYPT_MAXMEM) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "scrypt n=%llu r=%llu p=%llu needs more than %llu MiB",
		    (unsigned long long)n, (unsigned long long)r,
		    (unsigned long long)p,
		    (unsigned long long)(KS_SCRYPT_MAXMEM >> 20));
		return -1;
	}
	*mem = need;
	return 0;
}

static int
ks_kdf_parse(const cJSON *crypto, struct ks_kdf *k, struct keystore_error *err)
{
	const cJSON	*kp;
	const char	*kdf, *prf;
	uint64_t	 dklen, mem;

	memset(k, 0, sizeof(*k));
	if ((kdf = keystore_js_str(crypto, "kdf", err)) == NULL ||
	    keystore_js_object(crypto, "kdfparams", &kp, err) == -1)
		return -1;
	if (strcmp(kdf, "scrypt") == 0)
		k->scrypt = 1;
	else if (strcmp(kdf, "pbkdf2") != 0) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "unsupported kdf \"%.32s\" (scrypt and pbkdf2 are)", kdf);
		return -1;
	}
	if (keystore_js_uint(kp, "dklen", 1024, &dklen, err) == -1)
		return -1;
	if (dklen != 32) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "kdf dklen=%llu is not supported (only 32)",
		    (unsigned long long)dklen);
		return -1;
	}
	if (keystore_js_hex(kp, "salt", k->salt, 0, sizeof(k->salt),
	    &k->saltlen,
	    err) == -1)
		return -1;
	if (k->scrypt) {
		if (keystore_js_uint(kp, "n", (uint64_t)1 << 40, &k->n,
		    err) == -1 ||
		    keystore_js_uint(kp, "r", 1u << 20, &k->r, err) == -1 ||
		    keystore_js_uint(kp, "p", 1u << 20, &k->p, err) == -1)
			return -1;
		return ks_scrypt_check(k->n, k->r, k->p, &mem, err);
	}
	if ((prf = keystore_js_str(kp, "prf", err)) == NULL)
		return -1;
	if (strcmp(prf, "hmac-sha256") != 0) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "unsupported pbkdf2 prf \"%.32s\" (hmac-sha256 is)", prf);
		return -1;
	}
	if (keystore_js_uint(kp, "c", (uint64_t)1 << 40, &k->c, err) == -1)
		return -1;
	if (k->c == 0 || k->c > KS_PBKDF2_MAXC) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "pbkdf2 iteration count c=%llu outside 1..%u",
		    (unsigned long long)k->c, KS_PBKDF2_MAXC);
		return -1;
	}
	return 0;
}

static int
ks_derive(const struct ks_kdf *k, const char *password, uint8_t dk[32],
    struct keystore_error *err)
{
	size_t		pwlen = strlen(password);
	uint64_t	mem;
	int		ok;

	if (pwlen > KS_PASSWORD_MAX) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "password longer than %d "
		    "bytes", KS_PASSWORD_MAX);
		return -1;
	}
	if (k->scrypt) {
		if (ks_scrypt_check(k->n, k->r, k->p, &mem, err) == -1)
			return -1;
		ok = EVP_PBE_scrypt(password, pwlen, k->salt, k->saltlen,
		    k->n, k->r, k->p, mem + (1 << 20), dk, 32);
	} else
		ok = PKCS5_PBKDF2_HMAC(password, (int)pwlen, k->salt,
		    (int)k->saltlen, (int)k->c, EVP_sha256(), 32, dk);
	if (ok != 1) {
		explicit_bzero(dk, 32);
		keystore_err(err, KEYSTORE_E_INTERNAL,
		    "%s key derivation failed "
		    "in OpenSSL", k->scrypt ? "scrypt" : "pbkdf2");
		return -1;
	}
	return 0;
}

/* AES-128-CTR; encryption and decryption are the same operation. */
static int
ks_aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
    size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX	*c;
	int		 n1 = 0, n2 = 0, ok;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(c, out, &n1, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(c, out + n1, &n2) == 1 &&
	    (size_t)(n1 + n2) == len;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static void
ks_mac(const uint8_t dk[32], const uint8_t *ct, size_t ctlen, uint8_t mac[32])
{
	struct keccak_ctx	k;

	keccak256_init(&k);
	keccak256_update(&k, dk + 16, 16);
	keccak256_update(&k, ct, ctlen);
	keccak256_final(&k, mac);
	explicit_bzero(&k, sizeof(k));
}

/* --- decryption -------------------------------------------------------- */

static int
ks_decrypt_root(const cJSON *root, const char *password, uint8_t key[32],
    uint8_t addr[20], struct keystore_error *err)
{
	const cJSON	*crypto, *cp, *ver;
	const char	*cipher;
	struct ks_kdf	 kdf;
	uint8_t		 iv[16], ct[32], mac[32], want[32], dk[32], pt[32];
	uint8_t		 faddr[20];
	size_t		 ctlen;
	int		 have_addr, rc = -1;

	memset(key, 0, 32);
	ver = keystore_js_get(root, "version");
	if (ver == NULL || !cJSON_IsNumber(ver)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "missing or non-numeric \"version\"");
		return -1;
	}
	if (ver->valuedouble != 3) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "key file version %g is not supported (only 3)",
		    ver->valuedouble);
		return -1;
	}
	/* geth and ethers write "crypto"; some old tools "Crypto". */
	if ((crypto = keystore_js_get(root, "crypto")) == NULL)
		crypto = keystore_js_get(root, "Crypto");
	if (crypto == NULL || !cJSON_IsObject(crypto)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "missing or non-object \"crypto\"");
		return -1;
	}
	if ((cipher = keystore_js_str(crypto, "cipher", err)) == NULL)
		return -1;
	if (strcmp(cipher, "aes-128-ctr") != 0) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "unsupported cipher \"%.32s\" (aes-128-ctr is)", cipher);
		return -1;
	}
	if (keystore_js_object(crypto, "cipherparams", &cp, err) == -1 ||
	    keystore_js_hex(cp, "iv", iv, 16, 16, NULL, err) == -1 ||
	    keystore_js_hex(crypto, "ciphertext", ct, 1, sizeof(ct), &ctlen,
	    err) == -1 ||
	    keystore_js_hex(crypto, "mac", want, 32, 32, NULL, err) == -1)
		return -1;
	have_addr = keystore_js_get(root, "address") != NULL;
	if (have_addr && keystore_js_address(root, faddr, err) == -1)
		return -1;
	if (ks_kdf_parse(crypto, &kdf, err) == -1 ||
	    ks_derive(&kdf, password, dk, err) == -1)
		goto out;
	ks_mac(dk, ct, ctlen, mac);
	if (CRYPTO_memcmp(mac, want, 32) != 0) {
		keystore_err(err, KEYSTORE_E_PASSWORD,
		    "wrong password (MAC mismatch; or the file was altered)");
		goto out;
	}
	if (ks_aes_ctr(dk, iv, ct, ctlen, pt) == -1) {
		keystore_err(err, KEYSTORE_E_INTERNAL,
		    "AES-128-CTR failed in OpenSSL");
		goto out;
	}
	/* Old tools dropped leading zero bytes of the key; restore them. */
	memcpy(key + 32 - ctlen, pt, ctlen);
	if (secp_key_address(key, addr) == -1) {
		keystore_err(err, KEYSTORE_E_KEY,
		    "decrypted private key is not a valid secp256k1 key");
		goto out;
	}
	if (have_addr && memcmp(addr, faddr, 20) != 0) {
		keystore_err(err, KEYSTORE_E_KEY,
		    "the address field does not match the decrypted key");
		goto out;
	}
	keystore_ok(err);
	rc = 0;
out:
	if (rc == -1)
		explicit_bzero(key, 32);
	explicit_bzero(dk, sizeof(dk));
	explicit_bzero(pt, sizeof(pt));
	explicit_bzero(&kdf, sizeof(kdf));
	return rc;
}

int
keystore_decrypt(const char *json, size_t len, const char *password,
    uint8_t key[32], uint8_t addr[20], struct keystore_error *err)
{
	cJSON	*root;
	int	 rc;

	memset(key, 0, 32);
	if ((root = keystore_parse(json, len, err)) == NULL)
		return -1;
	rc = ks_decrypt_root(root, password, key, addr, err);
	cJSON_Delete(root);
	return rc;
}

/*
 * Read a secret-bearing file: a regular file without group/other
 * permissions (unless lax, which only warns) and at most max bytes.
 * Returns a NUL-terminated buffer of *len bytes (caller wipes and frees).
 */
char *
keystore_slurp(const char *path, size_t max, int lax, size_t *len,
    struct keystore_error *err)
{
	struct stat	 st;
	char		*buf;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		keystore_err(err, errno == ENOENT ? KEYSTORE_E_NOTFOUND :
		    KEYSTORE_E_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		keystore_err(err, KEYSTORE_E_IO, "%s: %s", path,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "%s: not a regular file",
		    path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		if (!lax) {
			keystore_err(err, KEYSTORE_E_PERM,
			    "%s: refusing a key file accessible by group or "
			    "others (mode %04o); chmod 600 it", path,
			    (unsigned)(st.st_mode & 07777));
			close(fd);
			return NULL;
		}
		log_warnx("secret file is accessible by group or others, "
		    "chmod 600 it file=%s mode=%04o", path,
		    (unsigned)(st.st_mode & 07777));
	}
	if ((uint64_t)st.st_size > max) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "%s: larger than %zu bytes",
		    path, max);
		close(fd);
		return NULL;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		keystore_err(err, KEYSTORE_E_INTERNAL, "out of memory");
		close(fd);
		return NULL;
	}
	for (;;) {
		r = read(fd, buf + n, max + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			keystore_err(err, KEYSTORE_E_IO, "%s: %s", path,
			    strerror(errno));
			explicit_bzero(buf, n);
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			keystore_err(err, KEYSTORE_E_MALFORMED,
			    "%s: larger than %zu bytes", path, max);
			explicit_bzero(buf, n);
			free(buf);
			close(fd);
			return NULL;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

void
keystore_free_secret(char *buf, size_t len)
{
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
}

/* Prefix err->msg with the file path, keeping the code. */
static void
ks_err_path(struct keystore_error *err, const char *path)
{
	char	tmp[sizeof(err->msg)];

	if (err == NULL || strncmp(err->msg, path, strlen(path)) == 0)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s: %s", path, err->msg) < 0)
		return;
	memcpy(err->msg, tmp, sizeof(tmp));
}

int
keystore_read(const char *path, const char *password, uint8_t key[32],
    uint8_t addr[20], struct keystore_error *err)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	memset(key, 0, 32);
	if ((buf = keystore_slurp(path, KEYSTORE_FILE_MAX, 0, &len,
	    err)) == NULL)
		return -1;
	rc = keystore_decrypt(buf, len, password, key, addr, err);
	free(buf);	/* ciphertext only, no secret */
	if (rc == -1)
		ks_err_path(err, path);
	return rc;
}

int
keystore_read_address(const char *path, uint8_t addr[20],
    struct keystore_error *err)
{
	cJSON	*root;
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((buf = keystore_slurp(path, KEYSTORE_FILE_MAX, 0, &len,
	    err)) == NULL)
		return -1;
	root = keystore_parse(buf, len, err);
	free(buf);
	if (root == NULL) {
		ks_err_path(err, path);
		return -1;
	}
	if ((rc = keystore_js_address(root, addr, err)) == 0)
		keystore_ok(err);
	else
		ks_err_path(err, path);
	cJSON_Delete(root);
	return rc;
}

/* --- encryption and writing -------------------------------------------- */

char *
keystore_encrypt(const uint8_t key[32], const char *password,
    const struct keystore_params *params, struct keystore_error *err)
{
	struct keystore_params	 p = params ? *params : keystore_params_default();
	struct ks_kdf		 kdf;
	uint8_t			 addr[20], iv[16], ct[32], mac[32], dk[32];
	uint8_t			 uuid[16];
	char			 h_addr[41], h_iv[33], h_ct[65], h_mac[65];
	char			 h_salt[65], *out = NULL;
	uint64_t		 mem;
	size_t			 cap = 1024;
	int			 n;

	if (secp_key_address(key, addr) == -1) {
		keystore_err(err, KEYSTORE_E_KEY,
		    "not a valid secp256k1 private key");
		return NULL;
	}
	if (ks_scrypt_check(p.scrypt_n, p.scrypt_r, p.scrypt_p, &mem,
	    err) == -1)
		return NULL;
	memset(&kdf, 0, sizeof(kdf));
	kdf.scrypt = 1;
	kdf.n = p.scrypt_n;
	kdf.r = p.scrypt_r;
	kdf.p = p.scrypt_p;
	kdf.saltlen = 32;
	if (secp_random(kdf.salt, kdf.saltlen) == -1 ||
	    secp_random(iv, sizeof(iv)) == -1 ||
	    secp_random(uuid, sizeof(uuid)) == -1) {
		keystore_err(err, KEYSTORE_E_INTERNAL, "getrandom: %s",
		    strerror(errno));
		return NULL;
	}
	if (ks_derive(&kdf, password, dk, err) == -1)
		return NULL;
	if (ks_aes_ctr(dk, iv, key, 32, ct) == -1) {
		explicit_bzero(dk, sizeof(dk));
		keystore_err(err, KEYSTORE_E_INTERNAL,
		    "AES-128-CTR failed in OpenSSL");
		return NULL;
	}
	ks_mac(dk, ct, sizeof(ct), mac);
	explicit_bzero(dk, sizeof(dk));
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	hex_encode(addr, 20, h_addr, 0);
	hex_encode(iv, 16, h_iv, 0);
	hex_encode(ct, 32, h_ct, 0);
	hex_encode(mac, 32, h_mac, 0);
	hex_encode(kdf.salt, kdf.saltlen, h_salt, 0);
	if ((out = malloc(cap)) == NULL) {
		keystore_err(err, KEYSTORE_E_INTERNAL, "out of memory");
		return NULL;
	}
	n = snprintf(out, cap,
	    "{\"address\":\"%s\",\"crypto\":{\"cipher\":\"aes-128-ctr\","
	    "\"ciphertext\":\"%s\",\"cipherparams\":{\"iv\":\"%s\"},"
	    "\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":%llu,"
	    "\"p\":%u,\"r\":%u,\"salt\":\"%s\"},\"mac\":\"%s\"},"
	    "\"id\":\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x\",\"version\":3}\n",
	    h_addr, h_ct, h_iv, (unsigned long long)p.scrypt_n, p.scrypt_p,
	    p.scrypt_r, h_salt, h_mac,
	    uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6],
	    uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13],
	    uuid[14], uuid[15]);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		keystore_err(err, KEYSTORE_E_INTERNAL,
		    "key file text too long");
		return NULL;
	}
	keystore_ok(err);
	return out;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1) {
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
keystore_write(const char *dir, const uint8_t key[32], const char *password,
    const struct keystore_params *params, char *path, size_t cap,
    struct keystore_error *err)
{
	struct timespec	 ts;
	struct tm	 tm;
	uint8_t		 addr[20];
	char		 haddr[41], stamp[64], final[PATH_MAX], tmp[PATH_MAX];
	char		*text;
	int		 fd, dfd, e;

	if ((text = keystore_encrypt(key, password, params, err)) == NULL)
		return -1;
	if (secp_key_address(key, addr) == -1) {	/* checked above */
		free(text);
		keystore_err(err, KEYSTORE_E_KEY, "not a valid private key");
		return -1;
	}
	hex_encode(addr, 20, haddr, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%S", &tm);
	if (snprintf(final, sizeof(final), "%s/UTC--%s.%09ldZ--%s", dir, stamp,
	    ts.tv_nsec, haddr) >= (int)sizeof(final) ||
	    snprintf(tmp, sizeof(tmp), "%s/.keystore-tmp-XXXXXX", dir) >=
	    (int)sizeof(tmp)) {
		free(text);
		keystore_err(err, KEYSTORE_E_IO, "%s: path too long", dir);
		return -1;
	}
	/* mkstemp creates the file 0600 whatever the umask. */
	if ((fd = mkstemp(tmp)) == -1) {
		keystore_err(err, KEYSTORE_E_IO, "%s: cannot create a file: %s",
		    dir,
		    strerror(errno));
		free(text);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || write_all(fd, text, strlen(text)) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(text);
		keystore_err(err, KEYSTORE_E_IO, "%s: %s", tmp, strerror(e));
		return -1;
	}
	free(text);
	if (close(fd) == -1) {
		e = errno;
		unlink(tmp);
		keystore_err(err, KEYSTORE_E_IO, "%s: %s", tmp, strerror(e));
		return -1;
	}
	/*
	 * link(2) fails rather than replace an existing key file. Where the
	 * file system has no hard links, fall back to rename(2) after
	 * checking the (nanosecond-stamped, so unique) name is free.
	 */
	if (link(tmp, final) == 0)
		unlink(tmp);
	else {
		e = errno;
		if (e == EPERM || e == EOPNOTSUPP || e == ENOSYS) {
			if (access(final, F_OK) == 0)
				e = EEXIST;
			else if (rename(tmp, final) == 0)
				e = 0;
			else
				e = errno;
		}
		if (e != 0) {
			unlink(tmp);
			keystore_err(err, KEYSTORE_E_IO, "%s: %s", final,
			    strerror(e));
			return -1;
		}
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (path != NULL && cap > 0)
		snprintf(path, cap, "%s", final);
	keystore_ok(err);
	return 0;
}
