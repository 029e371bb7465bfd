/*
 * check_keystore.c: Web3 Secret Storage v3 key files.
 *
 * Vectors: ethereum-tests KeyStoreTests/basic_tests.json, go-ethereum's
 * accounts/keystore/testdata (v3_test_vector.json, very-light-scrypt.json
 * and the keystore folder with deliberately broken files), ethers
 * wallets.json.gz. Vector files are copied into a temporary directory with
 * mode 0600 before reading, because the reader refuses anything else.
 * Negative tests: wrong password, altered MAC, malformed JSON, unsupported
 * kdf/prf/cipher/version/parameters, truncated ciphertext, group- and
 * world-readable files, and that no error message carries the password.
 * Cross-check with ethers (t/chain/keystore-tool.js) when node is there.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "addr.h"
#include "hex.h"
#include "keystore.h"
#include "secp.h"
#include "testutil.h"

#define PW_SECRET	"Tr0ub4dor&3-unique-pw"

static char	tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_keystore.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	if (tmpdir[0] != '\0')
		tu_run(NULL, 0, "rm -rf '%s'", tmpdir);
	tmpdir[0] = '\0';
}


/* Write text into tmpdir/name with mode; returns the path (static). */
static const char *
put_file(const char *name, const char *text, size_t len, mode_t mode)
{
	static char	path[512];
	int		fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static const char *
put_json(const char *name, const cJSON *j, mode_t mode)
{
	char		*t = cJSON_PrintUnformatted(j);
	const char	*p;

	ck_assert_ptr_nonnull(t);
	p = put_file(name, t, strlen(t), mode);
	free(t);
	return p;
}

/* Copy a vector file into tmpdir with mode 0600. */
static const char *
copy_0600(const char *src, const char *name)
{
	size_t		 len;
	char		*t = tu_read_file(src, &len);
	const char	*p;

	ck_assert_msg(t != NULL, "cannot read %s", src);
	p = put_file(name, t, len, 0600);
	free(t);
	return p;
}

static void
unhex_left(const char *s, uint8_t out[32])
{
	uint8_t	tmp[32];
	size_t	n;

	ck_assert_int_eq(hex_decode(s, strlen(s), tmp, 32, &n), 0);
	memset(out, 0, 32);
	memcpy(out + 32 - n, tmp, n);
}

/* The message must never contain the password. */
static void
no_secret(const struct keystore_error *e, const char *pw)
{
	if (pw != NULL && *pw != '\0')
		ck_assert_msg(strstr(e->msg, pw) == NULL,
		    "error message leaks the password: %s", e->msg);
	ck_assert(e->msg[0] != '\0');
}

/*
 * The {name: {json, password, priv}} files. Cases that break RFC 7914
 * (n >= 2^(16r)) must be refused as unsupported, with that reason.
 */
static void
run_json_vectors(const char *rel, int *ok, int *refused)
{
	const char		*p = tu_shared(rel);
	struct keystore_error	 e;
	cJSON			*root, *c, *kp;
	uint8_t			 key[32], want[32], addr[20], a2[20];
	const char		*path;
	char			*text;
	uint64_t		 n, r;

	ck_assert_ptr_nonnull(p);
	text = tu_read_file(p, NULL);
	ck_assert_ptr_nonnull(text);
	root = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(root);
	cJSON_ArrayForEach(c, root) {
		const char *pw = cJSON_GetObjectItem(c, "password")->valuestring;
		cJSON *j = cJSON_GetObjectItem(c, "json");

		kp = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "crypto"),
		    "kdfparams");
		path = put_json(c->string, j, 0600);
		unhex_left(cJSON_GetObjectItem(c, "priv")->valuestring, want);
		n = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(kp,
		    "n"));
		r = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(kp,
		    "r"));
		if (cJSON_GetObjectItem(kp, "n") != NULL && r < 4 &&
		    n >= ((uint64_t)1 << (16 * r))) {
			ck_assert_int_eq(keystore_read(path, pw, key, addr, &e),
			    -1);
			ck_assert_int_eq(e.code, KEYSTORE_E_UNSUPPORTED);
			ck_assert_ptr_nonnull(strstr(e.msg, "RFC 7914"));
			no_secret(&e, pw);
			printf("  %s:%s refused: %s\n", rel, c->string, e.msg);
			(*refused)++;
			continue;
		}
		ck_assert_msg(keystore_read(path, pw, key, addr, &e) == 0,
		    "%s:%s: %s", rel, c->string, e.msg);
		ck_assert_mem_eq(key, want, 32);
		ck_assert_int_eq(secp_key_address(want, a2), 0);
		ck_assert_mem_eq(addr, a2, 20);
		(*ok)++;
	}
	cJSON_Delete(root);
}

START_TEST(test_basic_tests)
{
	int	ok = 0, refused = 0;

	if (tu_shared("vectors/ethereum-tests/KeyStoreTests") == NULL)
		TU_SKIP("../shared absent");
	run_json_vectors("vectors/ethereum-tests/KeyStoreTests/"
	    "basic_tests.json", &ok, &refused);
	printf("KeyStoreTests/basic_tests: %d decrypted, %d refused "
	    "(scrypt n=262144 r=1 p=8 breaks RFC 7914)\n", ok, refused);
	ck_assert_int_eq(ok, 4);
	ck_assert_int_eq(refused, 1);
}
END_TEST

START_TEST(test_geth_v3_vectors)
{
	int	ok = 0, refused = 0;

	if (tu_shared("vectors/go-ethereum/accounts/keystore/testdata") ==
	    NULL)
		TU_SKIP("../shared absent");
	run_json_vectors("vectors/go-ethereum/accounts/keystore/testdata/"
	    "v3_test_vector.json", &ok, &refused);
	printf("go-ethereum v3_test_vector: %d decrypted (incl. 31- and "
	    "30-byte keys), %d refused (RFC 7914)\n", ok, refused);
	ck_assert_int_eq(ok, 3);
	ck_assert_int_eq(refused, 1);
}
END_TEST

START_TEST(test_geth_very_light_scrypt)
{
	const char		*p = tu_shared("vectors/go-ethereum/accounts/"
	    "keystore/testdata/very-light-scrypt.json");
	struct keystore_error	 e;
	uint8_t			 key[32], addr[20], a2[20];
	struct addr		 want;
	const char		*path;

	if (p == NULL)
		TU_SKIP("../shared absent");
	path = copy_0600(p, "very-light-scrypt.json");
	ck_assert_int_eq(addr_parse(&want,
	    "0x45dea0fb0bba44f4fcf290bba71fd57d7117cbb8"), 0);
	ck_assert_msg(keystore_read(path, "", key, addr, &e) == 0, "%s",
	    e.msg);
	ck_assert_mem_eq(addr, want.b, 20);
	ck_assert_int_eq(keystore_read_address(path, a2, &e), 0);
	ck_assert_mem_eq(a2, want.b, 20);
	/* The vector file itself is not 0600: it must be refused. */
	if ((access(p, R_OK) == 0)) {
		struct stat st;

		ck_assert_int_eq(stat(p, &st), 0);
		if ((st.st_mode & 077) != 0) {
			ck_assert_int_eq(keystore_read(p, "", key, addr, &e),
			    -1);
			ck_assert_int_eq(e.code, KEYSTORE_E_PERM);
		}
	}
	ck_assert_int_eq(keystore_read(path, "x", key, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_PASSWORD);
}
END_TEST

/*
 * The geth keystore folder: three good files, the rest broken on purpose
 * (see its README). "zero" is not in the README; geth skips it too, as a
 * key file with the zero address.
 */
START_TEST(test_geth_keystore_dir)
{
	static const char *const files[] = {
		"UTC--2016-03-22T12-57-55.920751759Z--"
		    "7ef5a6135f1fd6a02593eedc869c6d41d934aef8",
		"aaa", "zzz", "empty", "garbage", "no-address", "zero",
		"README", ".hiddenfile", NULL,
	};
	static const char *const good[][2] = {
		{ "UTC--2016-03-22T12-57-55.920751759Z--"
		    "7ef5a6135f1fd6a02593eedc869c6d41d934aef8",
		    "0x7ef5a6135f1fd6a02593eedc869c6d41d934aef8" },
		{ "aaa", "0xf466859ead1932d743d622cb74fc058882e8648a" },
		{ "zzz", "0x289d485d9771714cce91d3393d764e1311907acc" },
	};
	const char		*base = tu_shared("vectors/go-ethereum/"
	    "accounts/keystore/testdata/keystore");
	struct keystore_entry	*v;
	struct keystore_error	 e;
	struct addr		 a;
	char			 src[512], path[1024], *aaa;
	uint8_t			 key[32], addr[20];
	size_t			 n, skipped, len;
	int			 i;

	if (base == NULL)
		TU_SKIP("../shared absent");
	snprintf(src, sizeof(src), "%s", base);
	for (i = 0; files[i] != NULL; i++) {
		char	from[800];

		snprintf(from, sizeof(from), "%s/%s", src, files[i]);
		copy_0600(from, files[i]);
	}
	snprintf(path, sizeof(path), "%s/foo", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/foo/fd9bd350f08ee3c0c19b85a8e16114a1"
	    "1a60aa4e", src);
	copy_0600(path, "foo/fd9bd350f08ee3c0c19b85a8e16114a11a60aa4e");
	/* "swapfile~" is named by the README but absent from the copy. */
	snprintf(path, sizeof(path), "%s/aaa", src);
	aaa = tu_read_file(path, &len);
	put_file("swapfile~", aaa, len, 0600);
	free(aaa);

	ck_assert_int_eq(keystore_list(tmpdir, &v, &n, &skipped, &e), 0);
	ck_assert_uint_eq(n, 3);
	/* empty, garbage, no-address, zero, README */
	ck_assert_uint_eq(skipped, 5);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(v[i].name, good[i][0]);
		ck_assert_int_eq(addr_parse(&a, good[i][1]), 0);
		ck_assert_mem_eq(v[i].addr, a.b, 20);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, v[i].name);
		ck_assert_msg(keystore_read(path, "foobar", key, addr, &e) ==
		    0, "%s: %s", v[i].name, e.msg);
		ck_assert_mem_eq(addr, a.b, 20);
	}
	free(v);

	/* The broken ones, each with its own kind of error. */
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	ck_assert_int_eq(keystore_read(path, "foobar", key, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	snprintf(path, sizeof(path), "%s/garbage", tmpdir);
	ck_assert_int_eq(keystore_read(path, "foobar", key, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	snprintf(path, sizeof(path), "%s/zero", tmpdir);
	ck_assert_int_eq(keystore_read(path, "foobar", key, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	snprintf(path, sizeof(path), "%s/no-address", tmpdir);
	ck_assert_int_eq(keystore_read_address(path, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
	/* ... but it still decrypts (to aaa's key). */
	ck_assert_int_eq(keystore_read(path, "foobar", key, addr, &e), 0);
	ck_assert_int_eq(addr_parse(&a, good[1][1]), 0);
	ck_assert_mem_eq(addr, a.b, 20);
	snprintf(path, sizeof(path), "%s/foo", tmpdir);
	ck_assert_int_eq(keystore_read(path, "foobar", key, addr, &e), -1);

	/* keystore_find by name, by address, by path; misses. */
	ck_assert_int_eq(keystore_find(tmpdir, "zzz", path, sizeof(path), &e),
	    0);
	ck_assert_int_eq(keystore_find(tmpdir,
	    "0x7EF5A6135F1FD6A02593EEDC869C6D41D934AEF8", path, sizeof(path),
	    &e), 0);
	ck_assert_ptr_nonnull(strstr(path, "UTC--2016-03-22"));
	ck_assert_int_eq(keystore_find(tmpdir,
	    "0x0000000000000000000000000000000000000001", path, sizeof(path),
	    &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
	ck_assert_int_eq(keystore_find(tmpdir, "nope", path, sizeof(path),
	    &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
	printf("geth keystore dir: 3 good files listed and decrypted, 5 "
	    "broken skipped, hidden/backup/subdirectory ignored\n");
}
END_TEST

START_TEST(test_ethers_wallets)
{
	const char		*p = tu_shared("vectors/ethers/wallets.json.gz");
	struct keystore_error	 e;
	struct addr		 want;
	cJSON			*root, *c;
	char			*text, pw[256], fname[64];
	uint8_t			 key[32], addr[20];
	const char		*path, *pwhex;
	size_t			 n;
	int			 ok = 0, crowdsale = 0, i = 0;

	if (p == NULL)
		TU_SKIP("../shared absent");
	text = tu_read_gz(p, NULL);
	ck_assert_ptr_nonnull(text);
	root = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(root);
	cJSON_ArrayForEach(c, root) {
		const char *type = cJSON_GetObjectItem(c, "type")->valuestring;
		const char *content =
		    cJSON_GetObjectItem(c, "content")->valuestring;

		i++;
		/* Presale ("crowdsale") wallets are not Web3 v3 files. */
		if (strcmp(type, "keystore") != 0) {
			crowdsale++;
			continue;
		}
		pwhex = cJSON_GetObjectItem(c, "password")->valuestring;
		ck_assert_int_eq(hex_decode(pwhex, strlen(pwhex), (uint8_t *)pw,
		    sizeof(pw) - 1, &n), 0);
		pw[n] = '\0';
		snprintf(fname, sizeof(fname), "wallet%d.json", i);
		path = put_file(fname, content, strlen(content), 0600);
		ck_assert_msg(keystore_read(path, pw, key, addr, &e) == 0,
		    "%s: %s", cJSON_GetObjectItem(c, "name")->valuestring,
		    e.msg);
		ck_assert_int_eq(addr_parse(&want,
		    cJSON_GetObjectItem(c, "address")->valuestring), 0);
		ck_assert_mem_eq(addr, want.b, 20);
		ok++;
	}
	cJSON_Delete(root);
	printf("ethers wallets: %d keystores decrypted (scrypt and pbkdf2), "
	    "%d presale wallets skipped (not Web3 v3)\n", ok, crowdsale);
	ck_assert_int_eq(ok, 7);
}
END_TEST

static const struct keystore_params light = { 1024, 8, 1 };

START_TEST(test_write_read)
{
	struct keystore_error	 e;
	struct keystore_entry	*v;
	struct stat		 st;
	uint8_t			 key[32], k2[32], addr[20], a2[20];
	char			 path[1024], hexaddr[41], *slash, *text;
	size_t			 n, skipped;

	ck_assert_int_eq(secp_key_generate(key), 0);
	ck_assert_int_eq(secp_key_address(key, addr), 0);
	ck_assert_int_eq(keystore_write(tmpdir, key, PW_SECRET, &light, path,
	    sizeof(path), &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	slash = strrchr(path, '/');
	ck_assert_ptr_nonnull(slash);
	ck_assert(strncmp(slash + 1, "UTC--", 5) == 0);
	hex_encode(addr, 20, hexaddr, 0);
	ck_assert_str_eq(slash + 1 + strlen(slash + 1) - 40, hexaddr);
	ck_assert_int_eq(strlen(slash + 1), strlen("UTC--2016-03-22T12-57-55."
	    "920751759Z--") + 40);

	ck_assert_int_eq(keystore_read(path, PW_SECRET, k2, a2, &e), 0);
	ck_assert_mem_eq(k2, key, 32);
	ck_assert_mem_eq(a2, addr, 20);
	ck_assert_int_eq(keystore_read_address(path, a2, &e), 0);
	ck_assert_mem_eq(a2, addr, 20);
	/* Only the key file is left in the directory (no temporaries). */
	ck_assert_int_eq(tu_run(NULL, 0, "test $(ls -A '%s' | wc -l) -eq 1",
	    tmpdir), 0);
	ck_assert_int_eq(keystore_list(tmpdir, &v, &n, &skipped, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_mem_eq(v[0].addr, addr, 20);
	free(v);

	/* The default parameters (256 MiB of scrypt) work too. */
	ck_assert_int_eq(keystore_write(tmpdir, key, "", NULL, path,
	    sizeof(path), &e), 0);
	ck_assert_int_eq(keystore_read(path, "", k2, a2, &e), 0);
	ck_assert_mem_eq(k2, key, 32);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"n\":262144"));
	free(text);

	/* A missing directory fails without leaving anything. */
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	ck_assert_int_eq(keystore_write(path, key, "x", &light, NULL, 0, &e),
	    -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_IO);
	/* Invalid key and parameters. */
	memset(k2, 0, 32);
	ck_assert_int_eq(keystore_write(tmpdir, k2, "x", &light, NULL, 0, &e),
	    -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_KEY);
	ck_assert_ptr_null(keystore_encrypt(key, "x",
	    &(struct keystore_params){ 1000, 8, 1 }, &e));
	ck_assert_int_eq(e.code, KEYSTORE_E_UNSUPPORTED);
	ck_assert_ptr_null(keystore_encrypt(key, "x",
	    &(struct keystore_params){ 1024, 0, 1 }, &e));
	explicit_bzero(key, sizeof(key));
}
END_TEST

/* Decrypt a modified copy of base; return the error code. */
static enum keystore_code
try_json(const cJSON *j, const char *pw, mode_t mode)
{
	struct keystore_error	e;
	uint8_t			key[32], addr[20];
	const char		*path = put_json("neg.json", j, mode);
	int			rc;

	rc = keystore_read(path, pw, key, addr, &e);
	if (rc == 0)
		return KEYSTORE_OK;
	no_secret(&e, pw);
	no_secret(&e, PW_SECRET);
	return e.code;
}

static cJSON *
crypto_of(cJSON *j)
{
	return cJSON_GetObjectItem(j, "crypto");
}

START_TEST(test_negative)
{
	struct keystore_error	 e;
	uint8_t			 key[32], addr[20], k2[32];
	char			*text, hexkey[65], ct[80];
	cJSON			*base, *j, *kp;
	const char		*path;

	ck_assert_int_eq(secp_key_generate(key), 0);
	text = keystore_encrypt(key, PW_SECRET, &light, &e);
	ck_assert_ptr_nonnull(text);
	/* The file text holds neither the key nor the password. */
	hex_encode(key, 32, hexkey, 0);
	ck_assert_ptr_null(strstr(text, hexkey));
	ck_assert_ptr_null(strstr(text, PW_SECRET));
	base = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(try_json(base, PW_SECRET, 0600), KEYSTORE_OK);
	ck_assert_int_eq(try_json(base, PW_SECRET, 0400), KEYSTORE_OK);

	/* Wrong password. */
	ck_assert_int_eq(try_json(base, "N0t-the-pw", 0600),
	    KEYSTORE_E_PASSWORD);
	ck_assert_int_eq(try_json(base, "", 0600), KEYSTORE_E_PASSWORD);
	ck_assert_int_eq(try_json(base, PW_SECRET "x", 0600),
	    KEYSTORE_E_PASSWORD);
	/* Permissions: group or other bits, read or write. */
	ck_assert_int_eq(try_json(base, PW_SECRET, 0644), KEYSTORE_E_PERM);
	ck_assert_int_eq(try_json(base, PW_SECRET, 0640), KEYSTORE_E_PERM);
	ck_assert_int_eq(try_json(base, PW_SECRET, 0604), KEYSTORE_E_PERM);
	ck_assert_int_eq(try_json(base, PW_SECRET, 0620), KEYSTORE_E_PERM);
	path = put_json("perm.json", base, 0644);
	ck_assert_int_eq(keystore_read(path, PW_SECRET, k2, addr, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
	ck_assert_int_eq(keystore_read_address(path, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_PERM);

	/* Altered MAC. */
	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(crypto_of(j), "mac", cJSON_CreateString(
	    "00000000000000000000000000000000"
	    "00000000000000000000000000000000"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_PASSWORD);
	cJSON_ReplaceItemInObject(crypto_of(j), "mac",
	    cJSON_CreateString("abcd"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);

	/* Truncated ciphertext: by whole bytes it no longer matches the
	 * MAC; by half a byte it is not hex; all of it: nothing left. */
	snprintf(ct, sizeof(ct), "%s", cJSON_GetObjectItem(crypto_of(base),
	    "ciphertext")->valuestring);
	j = cJSON_Duplicate(base, 1);
	ct[62] = '\0';
	cJSON_ReplaceItemInObject(crypto_of(j), "ciphertext",
	    cJSON_CreateString(ct));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_PASSWORD);
	ct[61] = '\0';
	cJSON_ReplaceItemInObject(crypto_of(j), "ciphertext",
	    cJSON_CreateString(ct));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_ReplaceItemInObject(crypto_of(j), "ciphertext",
	    cJSON_CreateString(""));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_ReplaceItemInObject(crypto_of(j), "ciphertext",
	    cJSON_CreateString("00112233445566778899aabbccddeeff00112233445566"
	    "778899aabbccddeeff00"));	/* 33 bytes */
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);

	/* Unsupported kdf, prf, cipher, version, dklen, parameters. */
	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(crypto_of(j), "kdf",
	    cJSON_CreateString("argon2id"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(crypto_of(j), "kdf",
	    cJSON_CreateString("pbkdf2"));
	kp = cJSON_GetObjectItem(crypto_of(j), "kdfparams");
	cJSON_AddNumberToObject(kp, "c", 16);
	cJSON_AddStringToObject(kp, "prf", "hmac-sha1");
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(kp, "prf", cJSON_CreateString("hmac-sha256"));
	/* Valid pbkdf2 parameters but the MAC was made with scrypt. */
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_PASSWORD);
	cJSON_ReplaceItemInObject(kp, "c", cJSON_CreateNumber(1e12));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_Delete(j);

	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(crypto_of(j), "cipher",
	    cJSON_CreateString("aes-128-cbc"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_Delete(j);

	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(j, "version", cJSON_CreateNumber(1));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(j, "version", cJSON_CreateString("3"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);

	j = cJSON_Duplicate(base, 1);
	kp = cJSON_GetObjectItem(crypto_of(j), "kdfparams");
	cJSON_ReplaceItemInObject(kp, "dklen", cJSON_CreateNumber(16));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(kp, "dklen", cJSON_CreateNumber(32));
	/* Memory bombs and nonsense are refused at once, not run. */
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateNumber(1 << 30));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateNumber(1000));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateNumber(-1024));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateNumber(1024.5));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateString("1024"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_ReplaceItemInObject(kp, "n", cJSON_CreateNumber(1024));
	cJSON_ReplaceItemInObject(kp, "p", cJSON_CreateNumber(1 << 20));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600),
	    KEYSTORE_E_UNSUPPORTED);
	cJSON_ReplaceItemInObject(kp, "p", cJSON_CreateNumber(1));
	cJSON_ReplaceItemInObject(kp, "salt", cJSON_CreateString("xyz"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_DeleteItemFromObject(kp, "salt");
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);

	/* Malformed structure. */
	j = cJSON_Duplicate(base, 1);
	cJSON_DeleteItemFromObject(crypto_of(j), "cipherparams");
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);
	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(crypto_of(j),
	    "cipherparams"), "iv", cJSON_CreateString("0011"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);
	j = cJSON_Duplicate(base, 1);
	cJSON_ReplaceItemInObject(j, "address",
	    cJSON_CreateString("0x1234"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	/* A well-formed address that is not the key's. */
	cJSON_ReplaceItemInObject(j, "address", cJSON_CreateString(
	    "1111111111111111111111111111111111111111"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_KEY);
	cJSON_Delete(j);
	j = cJSON_Duplicate(base, 1);
	cJSON_DeleteItemFromObject(j, "crypto");
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_E_MALFORMED);
	cJSON_Delete(j);
	/* "Crypto" (old capitalisation) is accepted. */
	j = cJSON_Duplicate(base, 1);
	cJSON_AddItemToObject(j, "Crypto", cJSON_DetachItemFromObject(j,
	    "crypto"));
	ck_assert_int_eq(try_json(j, PW_SECRET, 0600), KEYSTORE_OK);
	cJSON_Delete(j);
	cJSON_Delete(base);

	/* Not JSON at all, or not an object. */
	path = put_file("bad1", "{\"version\":3,", 13, 0600);
	ck_assert_int_eq(keystore_read(path, PW_SECRET, k2, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	path = put_file("bad2", "[1,2,3]", 7, 0600);
	ck_assert_int_eq(keystore_read(path, PW_SECRET, k2, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	path = put_file("bad3", "\0\0\0", 3, 0600);
	ck_assert_int_eq(keystore_read(path, PW_SECRET, k2, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	ck_assert_int_eq(keystore_decrypt("", 0, PW_SECRET, k2, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	/* Missing file, directory, oversized file. */
	ck_assert_int_eq(keystore_read("/nonexistent/x", "", k2, addr, &e),
	    -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
	ck_assert_int_eq(keystore_read(tmpdir, "", k2, addr, &e), -1);
	{
		char *big = calloc(1, KEYSTORE_FILE_MAX + 10);

		memset(big, ' ', KEYSTORE_FILE_MAX + 9);
		path = put_file("big", big, KEYSTORE_FILE_MAX + 9, 0600);
		free(big);
		ck_assert_int_eq(keystore_read(path, "", k2, addr, &e), -1);
		ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	}
	ck_assert_str_eq(keystore_code_str(KEYSTORE_E_PASSWORD),
	    "wrong password");
	explicit_bzero(key, sizeof(key));
}
END_TEST

START_TEST(test_password_file)
{
	struct keystore_error	 e;
	const char		*path;
	char			*pw;

	path = put_file("pw1", PW_SECRET "\n", strlen(PW_SECRET) + 1, 0600);
	pw = keystore_read_password_file(path, &e);
	ck_assert_str_eq(pw, PW_SECRET);
	free(pw);
	path = put_file("pw2", "a b\r\nsecond line\n", 17, 0600);
	pw = keystore_read_password_file(path, &e);
	ck_assert_str_eq(pw, "a b");
	free(pw);
	path = put_file("pw3", "nonl", 4, 0600);
	pw = keystore_read_password_file(path, &e);
	ck_assert_str_eq(pw, "nonl");
	free(pw);
	path = put_file("pw4", "", 0, 0600);
	pw = keystore_read_password_file(path, &e);
	ck_assert_str_eq(pw, "");
	free(pw);
	/* Readable by others: used, with a warning. */
	path = put_file("pw5", "x\n", 2, 0644);
	pw = keystore_read_password_file(path, &e);
	ck_assert_str_eq(pw, "x");
	free(pw);
	path = put_file("pw6", "a\0b\n", 4, 0600);
	ck_assert_ptr_null(keystore_read_password_file(path, &e));
	ck_assert_int_eq(e.code, KEYSTORE_E_MALFORMED);
	ck_assert_ptr_null(keystore_read_password_file("/nonexistent", &e));
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
}
END_TEST

START_TEST(test_key_sources)
{
	static const char keyhex[] =
	    "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
	struct keystore_error	 e;
	struct addr		 want;
	uint8_t			 key[32], addr[20];
	const char		*path;
	char			 buf[80];

	ck_assert_int_eq(addr_parse(&want,
	    "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), 0);
	unsetenv("BSC_TEST_KEY_VAR");
	ck_assert_int_eq(keystore_env_key("BSC_TEST_KEY_VAR", key, addr, &e),
	    -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_NOTFOUND);
	setenv("BSC_TEST_KEY_VAR", keyhex, 1);
	ck_assert_int_eq(keystore_env_key("BSC_TEST_KEY_VAR", key, addr, &e),
	    0);
	ck_assert_mem_eq(addr, want.b, 20);
	snprintf(buf, sizeof(buf), "0x%s\n", keyhex);
	setenv("BSC_TEST_KEY_VAR", buf, 1);
	ck_assert_int_eq(keystore_env_key("BSC_TEST_KEY_VAR", key, addr, &e),
	    0);
	ck_assert_mem_eq(addr, want.b, 20);
	snprintf(buf, sizeof(buf), "%.62s", keyhex);
	setenv("BSC_TEST_KEY_VAR", buf, 1);
	ck_assert_int_eq(keystore_env_key("BSC_TEST_KEY_VAR", key, addr, &e),
	    -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_KEY);
	ck_assert_ptr_null(strstr(e.msg, buf));
	setenv("BSC_TEST_KEY_VAR", "00000000000000000000000000000000"
	    "00000000000000000000000000000000", 1);
	ck_assert_int_eq(keystore_env_key("BSC_TEST_KEY_VAR", key, addr, &e),
	    -1);
	unsetenv("BSC_TEST_KEY_VAR");
	/* The default variable name. */
	setenv(KEYSTORE_ENV_KEY, keyhex, 1);
	ck_assert_int_eq(keystore_env_key(NULL, key, addr, &e), 0);
	ck_assert_mem_eq(addr, want.b, 20);
	unsetenv(KEYSTORE_ENV_KEY);

	path = put_file("key1", keyhex, 64, 0600);
	ck_assert_int_eq(keystore_read_key_file(path, key, &e), 0);
	ck_assert_int_eq(secp_key_address(key, addr), 0);
	ck_assert_mem_eq(addr, want.b, 20);
	path = put_file("key2", keyhex, 64, 0644);
	ck_assert_int_eq(keystore_read_key_file(path, key, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_PERM);
	path = put_file("key3", "zz", 2, 0600);
	ck_assert_int_eq(keystore_read_key_file(path, key, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_KEY);
}
END_TEST

/* node and ethers for the cross-check, or NULL with the reason in why. */
static const char *
ethers_tool(const char **why)
{
	static char	tool[1024];
	char		cwd[512];

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		*why = "getcwd failed";
		return NULL;
	}
	if (tu_run(NULL, 0, "node --version >/dev/null 2>&1") != 0) {
		*why = "node not installed";
		return NULL;
	}
	if (access("t/chain/node_modules/ethers/package.json", R_OK) != 0) {
		*why = "t/chain/node_modules/ethers absent";
		return NULL;
	}
	snprintf(tool, sizeof(tool), "node %s/t/chain/keystore-tool.js", cwd);
	return tool;
}

START_TEST(test_ethers_crosscheck)
{
	struct keystore_error	 e;
	const char		*tool, *why = NULL;
	uint8_t			 key[32], k2[32], addr[20];
	char			 path[1024], out[256], keyhex[65], want[64];
	char			 ours[ADDR_STR_MAX];
	struct addr		 a;
	struct stat		 st;

	if ((tool = ethers_tool(&why)) == NULL)
		TU_SKIP(why);
	/* Ours, read by ethers. */
	ck_assert_int_eq(secp_key_generate(key), 0);
	ck_assert_int_eq(secp_key_address(key, a.b), 0);
	addr_format(&a, ours);
	ck_assert_int_eq(keystore_write(tmpdir, key, PW_SECRET, &light, path,
	    sizeof(path), &e), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s decrypt '%s' '%s'",
	    tool, path, PW_SECRET), 0);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_str_eq(out, ours);
	ck_assert_int_ne(tu_run(out, sizeof(out), "%s decrypt '%s' wrong "
	    "2>/dev/null", tool, path), 0);

	/* Ethers', read by us (ethers writes "Crypto", capitalised). */
	ck_assert_int_eq(secp_key_generate(key), 0);
	ck_assert_int_eq(secp_key_address(key, a.b), 0);
	addr_format(&a, ours);
	hex_encode(key, 32, keyhex, 0);
	snprintf(path, sizeof(path), "%s/from-ethers.json", tmpdir);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s encrypt %s '%s' '%s'",
	    tool, keyhex, PW_SECRET, path), 0);
	snprintf(want, sizeof(want), "%s\n", ours);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 077, 0);
	ck_assert_msg(keystore_read(path, PW_SECRET, k2, addr, &e) == 0, "%s",
	    e.msg);
	ck_assert_mem_eq(k2, key, 32);
	ck_assert_mem_eq(addr, a.b, 20);
	ck_assert_int_eq(keystore_read(path, "wrong", k2, addr, &e), -1);
	ck_assert_int_eq(e.code, KEYSTORE_E_PASSWORD);
	explicit_bzero(keyhex, sizeof(keyhex));
	explicit_bzero(key, sizeof(key));
	printf("ethers cross-check: our file read by ethers, ethers' file "
	    "read by us\n");
}
END_TEST

static Suite *
keystore_suite(void)
{
	Suite	*s = suite_create("keystore");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_basic_tests);
	tcase_add_test(tc, test_geth_v3_vectors);
	tcase_add_test(tc, test_geth_very_light_scrypt);
	tcase_add_test(tc, test_geth_keystore_dir);
	tcase_add_test(tc, test_ethers_wallets);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_negative);
	tcase_add_test(tc, test_password_file);
	tcase_add_test(tc, test_key_sources);
	tcase_add_test(tc, test_ethers_crosscheck);
	/* pbkdf2 c=262144 and scrypt n=262144 vectors take seconds each. */
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(keystore_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
