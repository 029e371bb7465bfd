/*
 * keystore.c: see keystore.h. This file: errors, parameters, the key
 * file's JSON fields, directories, passwords and raw keys;
 * keystore_crypt.c derives keys, decrypts and encrypts
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

void
keystore_err(struct keystore_error *err, enum keystore_code code,
    const char *fmt,
    ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
keystore_ok(struct keystore_error *err)
{
	if (err != NULL) {
		err->code = KEYSTORE_OK;
		err->msg[0] = '\0';
	}
}

struct keystore_params
keystore_params_default(void)
{
	struct keystore_params	p;

	p.scrypt_n = KEYSTORE_SCRYPT_N;
	p.scrypt_r = KEYSTORE_SCRYPT_R;
	p.scrypt_p = KEYSTORE_SCRYPT_P;
	return p;
}

const char *
keystore_code_str(enum keystore_code c)
{
	switch (c) {
	case KEYSTORE_OK:		return "ok";
	case KEYSTORE_E_IO:		return "i/o error";
	case KEYSTORE_E_PERM:		return "unsafe permissions";
	case KEYSTORE_E_MALFORMED:	return "malformed key file";
	case KEYSTORE_E_UNSUPPORTED:	return "unsupported key file";
	case KEYSTORE_E_PASSWORD:	return "wrong password";
	case KEYSTORE_E_KEY:		return "invalid key";
	case KEYSTORE_E_NOTFOUND:	return "not found";
	case KEYSTORE_E_INTERNAL:	return "internal error";
	}
	return "unknown";
}

/* --- JSON field helpers ------------------------------------------------ */

/* Case-sensitive member lookup (cJSON's default is case-insensitive). */
const cJSON *
keystore_js_get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* A non-negative integer member no larger than max (max <= 2^53). */
int
keystore_js_uint(const cJSON *o, const char *name, uint64_t max, uint64_t *out,
    struct keystore_error *err)
{
	const cJSON	*v = keystore_js_get(o, name);
	double		 d;

	if (v == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED, "missing \"%s\"", name);
		return -1;
	}
	if (!cJSON_IsNumber(v)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not a number",
		    name);
		return -1;
	}
	d = v->valuedouble;
	if (!(d >= 0)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not a non-negative integer", name);
		return -1;
	}
	if (d > (double)max) {
		keystore_err(err, KEYSTORE_E_UNSUPPORTED,
		    "\"%s\" = %.0f is larger than the supported %llu", name, d,
		    (unsigned long long)max);
		return -1;
	}
	if (d != (double)(uint64_t)d) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not an integer",
		    name);
		return -1;
	}
	*out = (uint64_t)d;
	return 0;
}

const char *
keystore_js_str(const cJSON *o, const char *name, struct keystore_error *err)
{
	const cJSON	*v = keystore_js_get(o, name);

	if (v == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED, "missing \"%s\"", name);
		return NULL;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not a string",
		    name);
		return NULL;
	}
	return v->valuestring;
}

/*
 * A hex string member decoding to between min and max bytes (into out,
 * which holds max bytes).
 */
int
keystore_js_hex(const cJSON *o, const char *name, uint8_t *out, size_t min,
    size_t max,
    size_t *outlen, struct keystore_error *err)
{
	const char	*s;
	size_t		 n;

	if ((s = keystore_js_str(o, name, err)) == NULL)
		return -1;
	if (hex_decode(s, strlen(s), out, max, &n) == -1) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not hex of at most %zu bytes", name, max);
		return -1;
	}
	if (n < min) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is %zu bytes, expected at least %zu", name, n, min);
		return -1;
	}
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

int
keystore_js_object(const cJSON *o, const char *name, const cJSON **out,
    struct keystore_error *err)
{
	const cJSON	*v = keystore_js_get(o, name);

	if (v == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED, "missing \"%s\"", name);
		return -1;
	}
	if (!cJSON_IsObject(v)) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"%s\" is not an object",
		    name);
		return -1;
	}
	*out = v;
	return 0;
}

/* The address member: 40 hex digits, optional 0x. -1 with NOTFOUND/... */
int
keystore_js_address(const cJSON *root, uint8_t addr[20],
    struct keystore_error *err)
{
	const cJSON	*v = keystore_js_get(root, "address");
	const char	*s;
	size_t		 n;

	if (v == NULL) {
		keystore_err(err, KEYSTORE_E_NOTFOUND,
		    "key file has no address field");
		return -1;
	}
	if (!cJSON_IsString(v) || (s = v->valuestring) == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"address\" is not a string");
		return -1;
	}
	if (hex_decode(s, strlen(s), addr, 20, &n) == -1 || n != 20) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"address\" is not 40 hex digits");
		return -1;
	}
	/* As geth: no key has the zero address, so the file is broken. */
	for (n = 0; n < 20 && addr[n] == 0; n++)
		;
	if (n == 20) {
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "\"address\" is the zero address");
		return -1;
	}
	return 0;
}

/* The parsed root object of a key file, or NULL. */
cJSON *
keystore_parse(const char *json, size_t len, struct keystore_error *err)
{
	cJSON	*root;

	if (len == 0) {
		keystore_err(err, KEYSTORE_E_MALFORMED, "empty file");
		return NULL;
	}
	if ((root = cJSON_ParseWithLength(json, len)) == NULL) {
		keystore_err(err, KEYSTORE_E_MALFORMED, "not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		keystore_err(err, KEYSTORE_E_MALFORMED, "not a JSON object");
		return NULL;
	}
	return root;
}

/* --- directories -------------------------------------------------------- */

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keystore_entry *)a)->name,
	    ((const struct keystore_entry *)b)->name);
}

int
keystore_list(const char *dir, struct keystore_entry **out, size_t *n,
    size_t *nskipped, struct keystore_error *err)
{
	struct keystore_error	 e2;
	struct keystore_entry	*v = NULL, *nv;
	struct dirent		*de;
	struct stat		 st;
	size_t			 len, cnt = 0, cap = 0, skipped = 0;
	char			 p[PATH_MAX];
	DIR			*d;

	*out = NULL;
	*n = 0;
	if (nskipped != NULL)
		*nskipped = 0;
	if ((d = opendir(dir)) == NULL) {
		keystore_err(err, errno == ENOENT ? KEYSTORE_E_NOTFOUND :
		    KEYSTORE_E_IO, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* Editors' backups and hidden files are not key files. */
		if (de->d_name[0] == '.' || de->d_name[len - 1] == '~')
			continue;
		if (len >= sizeof(v->name) || snprintf(p, sizeof(p), "%s/%s",
		    dir, de->d_name) >= (int)sizeof(p) || stat(p, &st) == -1) {
			skipped++;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			continue;
		if (!S_ISREG(st.st_mode)) {
			skipped++;
			continue;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				keystore_err(err, KEYSTORE_E_INTERNAL,
				    "out of memory");
				return -1;
			}
			v = nv;
		}
		if (keystore_read_address(p, v[cnt].addr, &e2) == -1) {
			if (e2.code == KEYSTORE_E_PERM)
				log_warnx("skipping key file: %s", e2.msg);
			else
				log_debug("not a usable key file file=%s "
				    "why=\"%s\"", p, e2.msg);
			skipped++;
			continue;
		}
		memcpy(v[cnt].name, de->d_name, len + 1);
		cnt++;
	}
	closedir(d);
	if (cnt == 0) {
		free(v);
		v = NULL;
	} else
		qsort(v, cnt, sizeof(*v), entry_cmp);
	*out = v;
	*n = cnt;
	if (nskipped != NULL)
		*nskipped = skipped;
	keystore_ok(err);
	return 0;
}

int
keystore_find(const char *dir, const char *which, char *path, size_t cap,
    struct keystore_error *err)
{
	struct keystore_entry	*v;
	struct stat		 st;
	uint8_t			 want[20];
	size_t			 n, i, hits = 0, dl, wl = strlen(which);

	if (strchr(which, '/') != NULL) {
		if (stat(which, &st) == -1) {
			keystore_err(err, KEYSTORE_E_NOTFOUND, "%s: %s", which,
			    strerror(errno));
			return -1;
		}
		snprintf(path, cap, "%s", which);
		keystore_ok(err);
		return 0;
	}
	if (snprintf(path, cap, "%s/%s", dir, which) < (int)cap &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		keystore_ok(err);
		return 0;
	}
	if (wl != 42 || hex_decode(which, wl, want, sizeof(want), &dl) == -1 ||
	    dl != 20) {
		keystore_err(err, KEYSTORE_E_NOTFOUND, "no key file %s in %s",
		    which,
		    dir);
		return -1;
	}
	if (keystore_list(dir, &v, &n, NULL, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (memcmp(v[i].addr, want, 20) != 0)
			continue;
		if (hits++ == 0)
			snprintf(path, cap, "%s/%s", dir, v[i].name);
	}
	free(v);
	if (hits == 0) {
		keystore_err(err, KEYSTORE_E_NOTFOUND,
		    "no key file for address %s in %s", which, dir);
		return -1;
	}
	if (hits > 1) {
		keystore_err(err, KEYSTORE_E_NOTFOUND,
		    "%zu key files for address %s "
		    "in %s; name the file instead", hits, which, dir);
		return -1;
	}
	keystore_ok(err);
	return 0;
}

/* --- passwords and raw keys --------------------------------------------- */

char *
keystore_read_password_file(const char *path, struct keystore_error *err)
{
	char	*buf;
	size_t	 len, i;

	if ((buf = keystore_slurp(path, KS_PASSWORD_MAX, 1, &len, err)) == NULL)
		return NULL;
	for (i = 0; i < len && buf[i] != '\n'; i++)
		;
	if (i > 0 && buf[i - 1] == '\r')
		i--;
	if (memchr(buf, '\0', i) != NULL) {
		keystore_free_secret(buf, len);
		keystore_err(err, KEYSTORE_E_MALFORMED,
		    "%s: password contains a NUL byte", path);
		return NULL;
	}
	explicit_bzero(buf + i, len - i);
	buf[i] = '\0';
	keystore_ok(err);
	return buf;
}

/* Parse 64 hex digits (optional 0x, surrounding white space) as a key. */
static int
ks_parse_key(const char *s, size_t len, uint8_t key[32])
{
	size_t	n;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (hex_decode(s, len, key, 32, &n) == -1 || n != 32 ||
	    !secp_key_is_valid(key)) {
		explicit_bzero(key, 32);
		return -1;
	}
	return 0;
}

int
keystore_read_key_file(const char *path, uint8_t key[32],
    struct keystore_error *err)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	memset(key, 0, 32);
	if ((buf = keystore_slurp(path, 1024, 0, &len, err)) == NULL)
		return -1;
	rc = ks_parse_key(buf, len, key);
	keystore_free_secret(buf, len);
	if (rc == -1) {
		keystore_err(err, KEYSTORE_E_KEY,
		    "%s: not a private key (expected "
		    "64 hex digits of a valid secp256k1 key)", path);
		return -1;
	}
	keystore_ok(err);
	return 0;
}

int
keystore_env_key(const char *var, uint8_t key[32], uint8_t addr[20],
    struct keystore_error *err)
{
	const char	*v;

	memset(key, 0, 32);
	if (var == NULL)
		var = KEYSTORE_ENV_KEY;
	if ((v = getenv(var)) == NULL || *v == '\0') {
		keystore_err(err, KEYSTORE_E_NOTFOUND, "%s is not set", var);
		return -1;
	}
	if (ks_parse_key(v, strlen(v), key) == -1 ||
	    secp_key_address(key, addr) == -1) {
		explicit_bzero(key, 32);
		keystore_err(err, KEYSTORE_E_KEY,
		    "%s does not hold a private key "
		    "(expected 64 hex digits of a valid secp256k1 key)", var);
		return -1;
	}
	log_warnx("signing key taken from the environment; keys in the "
	    "environment are discouraged, use a keystore file var=%s", var);
	keystore_ok(err);
	return 0;
}
