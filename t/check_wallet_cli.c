/*
 * check_wallet_cli.c: `bsc-ctl wallet ...` as an operator runs it: the
 * built binary, in a temporary directory, with light scrypt parameters.
 * Checks exit codes (0 ok, 1 error, 2 usage, 4 config), --help on every
 * subcommand, --json output, file modes, that what was written decrypts
 * to the printed address, and that no key or password is ever printed.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cJSON.h>

#include "addr.h"
#include "keystore.h"
#include "testutil.h"

#define PW	"cli-Pa55word-xyz"
#define KEYHEX	"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
#define KEYADDR	"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"

static char	tmpdir[256];
static char	out[65536];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_wallet_cli.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	if (tmpdir[0] != '\0')
		tu_run(NULL, 0, "rm -rf '%s'", tmpdir);
	tmpdir[0] = '\0';
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *
ci_strstr(const char *h, const char *n)
{
	size_t	nl = strlen(n);

	for (; *h != '\0'; h++)
		if (strncasecmp(h, n, nl) == 0)
			return h;
	return NULL;
}

/* bsc-ctl, or NULL when it has not been built. */
static const char *
ctl_bin(void)
{
	static char	path[1100];
	const char	*b = tu_bin("bsc-ctl");

	if (access(b, X_OK) != 0)
		return NULL;
	if (b[0] == '/')
		snprintf(path, sizeof(path), "%s", b);
	else {
		char	cwd[512];

		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		snprintf(path, sizeof(path), "%s/%s", cwd, b);
	}
	return path;
}

#define NEED_CTL(bin) do {						\
	if (((bin) = ctl_bin()) == NULL)				\
		TU_SKIP("bsc-ctl not built (make tests builds it)");	\
} while (0)

/* Run bsc-ctl with args (stderr too), no terminal; output in out. */
static int
run(const char *bin, const char *args)
{
	int	rc;

	rc = tu_run(out, sizeof(out), "cd '%s' && BSC_CONFIG=/nonexistent "
	    "setsid -w '%s' %s </dev/null 2>&1", tmpdir, bin, args);
	/* Whatever happened, no secret may be printed. */
	ck_assert_msg(strstr(out, PW) == NULL, "password printed: %s", out);
	ck_assert_msg(ci_strstr(out, KEYHEX) == NULL, "key printed: %s",
	    out);
	return rc;
}

/* Same, stdout only (for --json). */
static int
run_stdout(const char *bin, const char *args)
{
	int	rc;

	rc = tu_run(out, sizeof(out), "cd '%s' && BSC_CONFIG=/nonexistent "
	    "setsid -w '%s' %s </dev/null 2>/dev/null", tmpdir, bin, args);
	ck_assert(strstr(out, PW) == NULL);
	ck_assert(ci_strstr(out, KEYHEX) == NULL);
	return rc;
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char	path[512];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_help_and_usage)
{
	static const char *const subs[] = {
		"generate", "list", "import", "address", NULL
	};
	const char	*bin;
	char		 args[128];
	int		 i;

	NEED_CTL(bin);
	ck_assert_int_eq(run(bin, "wallet --help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: bsc-ctl wallet"));
	ck_assert_int_eq(run(bin, "wallet"), 2);
	ck_assert_int_eq(run(bin, "wallet frobnicate"), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown wallet command"));
	for (i = 0; subs[i] != NULL; i++) {
		snprintf(args, sizeof(args), "wallet %s --help", subs[i]);
		ck_assert_int_eq(run(bin, args), 0);
		ck_assert_ptr_nonnull(strstr(out, "usage: bsc-ctl wallet"));
		ck_assert_ptr_nonnull(strstr(out, subs[i]));
		snprintf(args, sizeof(args), "wallet %s -h", subs[i]);
		ck_assert_int_eq(run(bin, args), 0);
		snprintf(args, sizeof(args), "wallet %s --no-such-option x",
		    subs[i]);
		ck_assert_int_eq(run(bin, args), 2);
	}
	ck_assert_int_eq(run(bin, "wallet generate --out"), 2);
	ck_assert_int_eq(run(bin, "wallet generate --out d --scrypt-n 1000"),
	    2);
	ck_assert_int_eq(run(bin, "wallet generate --out d --scrypt-n x"), 2);
	ck_assert_int_eq(run(bin, "wallet import --out d"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--private-key-file"));
	ck_assert_int_eq(run(bin, "wallet address"), 2);
	ck_assert_int_eq(run(bin, "wallet address a b"), 2);
	ck_assert_int_eq(run(bin, "wallet list extra"), 2);
}
END_TEST

START_TEST(test_generate_list_address)
{
	struct keystore_error	 e;
	struct stat		 st;
	struct addr		 a;
	const char		*bin;
	cJSON			*j, *w;
	char			 addr[64], file[600], path[1100], args[1400];
	uint8_t			 key[32], ka[20];

	NEED_CTL(bin);
	put("pw", PW "\n", 0600);
	/* The keystore directory is created (0700), parents included. */
	ck_assert_int_eq(run_stdout(bin, "--json wallet generate --out "
	    "ks/sub --password-file pw --scrypt-n 1024"), 0);
	j = cJSON_Parse(out);
	ck_assert_msg(j != NULL, "not JSON: %s", out);
	snprintf(addr, sizeof(addr), "%s",
	    cJSON_GetObjectItem(j, "address")->valuestring);
	snprintf(file, sizeof(file), "%s",
	    cJSON_GetObjectItem(j, "file")->valuestring);
	cJSON_Delete(j);
	ck_assert_int_eq(addr_parse(&a, addr), 0);
	ck_assert(strncmp(file, "ks/sub/UTC--", 12) == 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	snprintf(args, sizeof(args), "%s/ks/sub", tmpdir);
	ck_assert_int_eq(stat(args, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	/* What was written decrypts to what was printed. */
	ck_assert_msg(keystore_read(path, PW, key, ka, &e) == 0, "%s", e.msg);
	ck_assert_mem_eq(ka, a.b, 20);
	explicit_bzero(key, sizeof(key));

	/* Text output: address, then path. */
	ck_assert_int_eq(run_stdout(bin, "wallet generate --out ks/sub "
	    "--password-file pw --scrypt-n 1024"), 0);
	ck_assert_ptr_nonnull(strchr(out, '\n'));
	ck_assert(strncmp(out, "0x", 2) == 0);
	ck_assert_ptr_nonnull(strstr(out, "\nks/sub/UTC--"));

	ck_assert_int_eq(run_stdout(bin, "wallet list --json --dir ks/sub"),
	    0);
	j = cJSON_Parse(out);
	ck_assert_ptr_nonnull(j);
	w = cJSON_GetObjectItem(j, "wallets");
	ck_assert_int_eq(cJSON_GetArraySize(w), 2);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "skipped")->valueint, 0);
	ck_assert(strstr(out, addr) != NULL);
	cJSON_Delete(j);
	ck_assert_int_eq(run(bin, "wallet list --dir ks/sub"), 0);
	ck_assert_ptr_nonnull(strstr(out, "ADDRESS"));
	ck_assert_ptr_nonnull(strstr(out, addr));

	snprintf(args, sizeof(args), "wallet address %s", file);
	ck_assert_int_eq(run_stdout(bin, args), 0);
	ck_assert(strncmp(out, addr, strlen(addr)) == 0);
	snprintf(args, sizeof(args), "--json wallet address %s", file);
	ck_assert_int_eq(run_stdout(bin, args), 0);
	ck_assert_ptr_nonnull(strstr(out, addr));
	ck_assert_int_eq(run(bin, "wallet address ks/sub/nonexistent"), 1);

	/* A world-readable key file is refused with a clear message, and
	 * left out of the listing (with a note). */
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(args, sizeof(args), "wallet address %s", file);
	ck_assert_int_eq(run(bin, args), 1);
	ck_assert_ptr_nonnull(strstr(out, "chmod 600"));
	ck_assert_int_eq(run(bin, "wallet list --dir ks/sub"), 0);
	ck_assert_ptr_null(strstr(out, addr));
	ck_assert_ptr_nonnull(strstr(out, "skipped"));
	ck_assert_int_eq(chmod(path, 0600), 0);

	/* Empty directory, missing directory. */
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(run(bin, "wallet list --dir empty"), 0);
	ck_assert_ptr_nonnull(strstr(out, "no keystore files"));
	ck_assert_int_eq(run(bin, "wallet list --dir missing"), 1);
}
END_TEST

START_TEST(test_passwords)
{
	const char	*bin;

	NEED_CTL(bin);
	/* No password file and no terminal: usage error, nothing written. */
	ck_assert_int_eq(run(bin, "wallet generate --out ks --scrypt-n 1024"),
	    4);		/* BSC_CONFIG points nowhere: config error first */
	put("nopw.conf", "[wallets]\nkeystore_dir = ks\n", 0600);
	ck_assert_int_eq(run(bin, "-c nopw.conf wallet generate --scrypt-n "
	    "1024"), 2);
	ck_assert_ptr_nonnull(strstr(out, "--password-file"));
	put("empty", "\n", 0600);
	ck_assert_int_eq(run(bin, "wallet generate --out ks --password-file "
	    "empty --scrypt-n 1024"), 1);
	ck_assert_ptr_nonnull(strstr(out, "empty password"));
	ck_assert_int_eq(run(bin, "wallet generate --out ks --password-file "
	    "nonexistent --scrypt-n 1024"), 1);
	ck_assert_int_eq(tu_run(NULL, 0, "test ! -e '%s/ks' || test -z "
	    "\"$(ls -A '%s/ks')\"", tmpdir, tmpdir), 0);
}
END_TEST

START_TEST(test_import)
{
	struct keystore_error	 e;
	const char		*bin;
	cJSON			*j;
	char			 path[1100];
	uint8_t			 key[32], ka[20];
	struct addr		 a;

	NEED_CTL(bin);
	put("pw", PW "\n", 0600);
	put("key", "0x" KEYHEX "\n", 0600);
	ck_assert_int_eq(run_stdout(bin, "--json wallet import "
	    "--private-key-file key --out ks --password-file pw "
	    "--scrypt-n 1024"), 0);
	j = cJSON_Parse(out);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "address")->valuestring,
	    KEYADDR);
	snprintf(path, sizeof(path), "%s/%s", tmpdir,
	    cJSON_GetObjectItem(j, "file")->valuestring);
	cJSON_Delete(j);
	ck_assert_msg(keystore_read(path, PW, key, ka, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(addr_parse(&a, KEYADDR), 0);
	ck_assert_mem_eq(ka, a.b, 20);
	explicit_bzero(key, sizeof(key));

	/* Twice: refused. */
	ck_assert_int_eq(run(bin, "wallet import --private-key-file key --out "
	    "ks --password-file pw --scrypt-n 1024"), 1);
	ck_assert_ptr_nonnull(strstr(out, "already"));
	/* A key file others can read is refused. */
	put("key644", KEYHEX, 0644);
	ck_assert_int_eq(run(bin, "wallet import --private-key-file key644 "
	    "--out ks2 --password-file pw --scrypt-n 1024"), 1);
	ck_assert_ptr_nonnull(strstr(out, "chmod 600"));
	/* Not a key. */
	put("badkey", "0x1234\n", 0600);
	ck_assert_int_eq(run(bin, "wallet import --private-key-file badkey "
	    "--out ks2 --password-file pw --scrypt-n 1024"), 1);
	put("zerokey", "0000000000000000000000000000000000000000000000000000"
	    "000000000000\n", 0600);
	ck_assert_int_eq(run(bin, "wallet import --private-key-file zerokey "
	    "--out ks2 --password-file pw --scrypt-n 1024"), 1);
	ck_assert_int_eq(run(bin, "wallet import --private-key-file missing "
	    "--out ks2 --password-file pw"), 1);
}
END_TEST

START_TEST(test_config_defaults)
{
	const char	*bin;
	char		 conf[1024];

	NEED_CTL(bin);
	put("pw", PW "\n", 0600);
	snprintf(conf, sizeof(conf), "[wallets]\nkeystore_dir = %s/cfgks\n"
	    "password_file = %s/pw\n", tmpdir, tmpdir);
	put("w.conf", conf, 0600);
	ck_assert_int_eq(run_stdout(bin, "-c w.conf wallet generate "
	    "--scrypt-n 1024"), 0);
	ck_assert_ptr_nonnull(strstr(out, "/cfgks/UTC--"));
	ck_assert_int_eq(run_stdout(bin, "-c w.conf --json wallet list"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"address\""));
	ck_assert_ptr_nonnull(strstr(out, "/cfgks\""));
	/* Config problems exit 4. */
	ck_assert_int_eq(run(bin, "-c nonexistent.conf wallet list"), 4);
	put("bad.conf", "[wallets]\nno_such_key = 1\n", 0600);
	ck_assert_int_eq(run(bin, "-c bad.conf wallet list"), 4);
	/* --dir/--out need no config at all. */
	ck_assert_int_eq(run(bin, "-c nonexistent.conf wallet list --dir "
	    "cfgks"), 0);
}
END_TEST

/* The geth keystore folder (README: 3 good files, the rest broken). */
START_TEST(test_list_geth_dir)
{
	const char	*base = tu_shared("vectors/go-ethereum/accounts/"
	    "keystore/testdata/keystore");
	const char	*bin;
	cJSON		*j;

	NEED_CTL(bin);
	if (base == NULL)
		TU_SKIP("../shared absent");
	ck_assert_int_eq(tu_run(NULL, 0, "cp -R '%s' '%s/gk' && chmod -R "
	    "u+w '%s/gk' && find '%s/gk' -type f -exec chmod 600 {} +",
	    base, tmpdir, tmpdir, tmpdir), 0);
	ck_assert_int_eq(run_stdout(bin, "--json wallet list --dir gk"), 0);
	j = cJSON_Parse(out);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j,
	    "wallets")), 3);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "skipped")->valueint, 5);
	cJSON_Delete(j);
	ck_assert_ptr_nonnull(ci_strstr(out,
	    "0x7ef5a6135f1fd6a02593eedc869c6d41d934aef8"));
	ck_assert_int_eq(run(bin, "wallet address gk/garbage"), 1);
	ck_assert_int_eq(run(bin, "wallet address gk/no-address"), 1);
	ck_assert_int_eq(run(bin, "wallet address gk/zzz"), 0);
	ck_assert_ptr_nonnull(ci_strstr(out,
	    "0x289d485d9771714cce91d3393d764e1311907acc"));
}
END_TEST

static Suite *
wallet_cli_suite(void)
{
	Suite	*s = suite_create("wallet_cli");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_help_and_usage);
	tcase_add_test(tc, test_generate_list_address);
	tcase_add_test(tc, test_passwords);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_list_geth_dir);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(wallet_cli_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
