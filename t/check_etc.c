/*
 * check_etc.c: what ships in etc/: the systemd units pass
 * `systemd-analyze verify` and are hardened as BRIEF §1 asks; the runit
 * templates carry the placeholders bsc-ctl fills in; the default config
 * parses (t/check_config.c checks its values).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *const daemons[] = { "marketd", "stratd", "fundsd",
	"monitord" };
static char	out[1 << 16];

START_TEST(systemd_units_verify)
{
	char	dir[] = "/tmp/bsc-units-XXXXXX";
	int	rc, i;

	if (tu_run(NULL, 0, "command -v systemd-analyze >/dev/null") != 0)
		TU_SKIP("systemd-analyze not installed");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The binaries are not installed here: point ExecStart at a real
	 * executable in a copy; everything else is verified as shipped. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(tu_run(NULL, 0, "sed 's|^ExecStart=[^ ]*|"
		    "ExecStart=/bin/true|' etc/systemd/bsc-mm-%s.service > "
		    "%s/bsc-mm-%s.service", daemons[i], dir, daemons[i]), 0);
	ck_assert_int_eq(tu_run(NULL, 0, "cp etc/systemd/bsc-mm.target %s/",
	    dir), 0);
	rc = tu_run(out, sizeof(out), "cd %s && SYSTEMD_LOG_LEVEL=err "
	    "systemd-analyze verify ./bsc-mm.target ./bsc-mm-marketd.service "
	    "./bsc-mm-stratd.service ./bsc-mm-fundsd.service "
	    "./bsc-mm-monitord.service 2>&1", dir);
	ck_assert_msg(rc == 0, "systemd-analyze verify rc=%d:\n%s", rc, out);
	tu_run(NULL, 0, "rm -rf %s", dir);
}
END_TEST

START_TEST(systemd_units_hardened)
{
	static const char *const must[] = { "NoNewPrivileges=yes", "UMask=0077",
	    "Restart=on-failure", "ExecReload=", "ProtectSystem=strict",
	    "PrivateTmp=yes", NULL };
	char	path[256], *u;
	int	i, j;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "etc/systemd/bsc-mm-%s.service",
		    daemons[i]);
		ck_assert_ptr_nonnull(u = tu_read_file(path, NULL));
		for (j = 0; must[j] != NULL; j++)
			ck_assert_msg(strstr(u, must[j]) != NULL, "%s lacks %s",
			    path, must[j]);
		free(u);
	}
}
END_TEST

START_TEST(runit_templates)
{
	char	path[256], *t;
	int	i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "etc/runit/%s/run", daemons[i]);
		ck_assert_ptr_nonnull(t = tu_read_file(path, NULL));
		ck_assert_msg(strstr(t, "exec @BIN@ -c @CONF@") != NULL, "%s",
		    path);
		ck_assert(access(path, X_OK) == 0);
		free(t);
		snprintf(path, sizeof(path), "etc/runit/%s/log/run", daemons[i]);
		ck_assert_ptr_nonnull(t = tu_read_file(path, NULL));
		ck_assert_msg(strstr(t, "svlogd") != NULL &&
		    strstr(t, "@LOGDIR@") != NULL, "%s", path);
		ck_assert(access(path, X_OK) == 0);
		free(t);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("etc");
	TCase	*tc = tcase_create("etc");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, systemd_units_verify);
	tcase_add_test(tc, systemd_units_hardened);
	tcase_add_test(tc, runit_templates);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
