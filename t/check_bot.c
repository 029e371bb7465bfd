/*
 * check_bot.c: integration of bsc-ctl, the project-local runit and the four
 * daemons as real processes: the staged canary start, convergence,
 * restart after SIGKILL, garbage on a control endpoint, stop; daemon
 * signals and bad configs; bsc-ctl's exit codes.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bus.h"
#include "cmd.h"
#include "testutil.h"

static char	 dir[256];		/* private run/state dirs */
static char	 conf[300];		/* this test's config */
static char	 out[65536];

static const char *const all[] = { "monitord", "marketd", "stratd", "fundsd" };

static long long
ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * This test's config: the local environment's, with its own run and
 * state directories so its daemons never meet another test's.
 */
static void
make_config(void)
{
	ck_assert_int_eq(tu_private_conf("bsc-bot", NULL, dir, sizeof(dir),
	    conf, sizeof(conf)), 0);
}

/* bsc-ctl with this test's config; output (stdout and stderr) in out. */
#define ctl(...)	tu_ctl(conf, out, sizeof(out), __VA_ARGS__)

static cJSON *
status_json(void)
{
	cJSON	*j;
	int	 rc = tu_run(out, sizeof(out), "%s -c %s bot status --json",
		    tu_bin("bsc-ctl"), conf);

	ck_assert_msg(rc == 0, "bot status rc=%d: %s", rc, out);
	j = cJSON_Parse(out);
	ck_assert_msg(j != NULL, "bot status output is not JSON: %s", out);
	return j;
}

static cJSON *
proc(cJSON *st, const char *name)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(st, "processes"), name);
}

/* pid of a daemon running with our config, from the process table. */
static int
ptable_pid(const char *name)
{
	char	buf[256];

	if (tu_run(buf, sizeof(buf), "pgrep -f '/bin/%s -c %s$' | head -1",
	    name, conf) != 0)
		return 0;
	return atoi(buf);
}

/* Assert exactly the daemons in `want` (bit i = all[i]) run. */
static void
expect_running(unsigned want)
{
	cJSON	*st = status_json(), *p;
	int	 i, pid;

	for (i = 0; i < 4; i++) {
		int	should = (want >> i) & 1;

		p = proc(st, all[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(p, "running")) ==
		    should, "%s running != %d: %s", all[i], should, out);
		pid = ptable_pid(all[i]);
		if (should) {
			ck_assert_msg(pid > 0, "%s not in process table", all[i]);
			ck_assert_int_eq(pid, cJSON_GetObjectItem(p,
			    "pid")->valueint);
			ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(p,
			    "healthy")));
		} else
			ck_assert_msg(pid == 0, "%s still in process table "
			    "pid=%d", all[i], pid);
	}
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(st,
	    "database"), "ok")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(st,
	    "emergency"), "active")));
	cJSON_Delete(st);
}

static int
pid_of(const char *name)
{
	cJSON	*st = status_json();
	cJSON	*p = cJSON_GetObjectItem(proc(st, name), "pid");
	int	 pid = cJSON_IsNumber(p) ? p->valueint : 0;

	cJSON_Delete(st);
	return pid;
}

START_TEST(staged_start_converge_restart_stop)
{
	int		 rc, pid, npid, i;
	long long	 t0;
	int		 pids[4];

	TU_REQUIRE_ENV("BSC_TEST_CONF");
	make_config();

	/* Canary stages: each adds exactly one daemon. */
	rc = ctl("bot start --monitoring-only");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	expect_running(0x1);
	rc = ctl("bot start --market-only");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	expect_running(0x3);
	rc = ctl("bot start --no-funds");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	expect_running(0x7);
	rc = ctl("bot start");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	expect_running(0xf);
	ck_assert_int_eq(ctl("bot health"), 0);

	/* --no-funds from the full set stops only fundsd. */
	for (i = 0; i < 4; i++)
		pids[i] = pid_of(all[i]);
	ck_assert_int_eq(ctl("bot start --no-funds"), 0);
	expect_running(0x7);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pid_of(all[i]), pids[i]);
	/* The runbook's "--no-strategies --no-funds" leaves feeds only. */
	ck_assert_int_eq(ctl("bot start --no-strategies --no-funds"), 0);
	expect_running(0x3);
	ck_assert_int_eq(ctl("bot start"), 0);
	expect_running(0xf);

	/* SIGKILL of stratd: the supervisor restarts it within 5 s. */
	pid = pid_of("stratd");
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	t0 = ms();
	npid = 0;
	while (ms() - t0 < 5000) {
		npid = pid_of("stratd");
		if (npid > 0 && npid != pid && ctl("bot health") == 0)
			break;
		usleep(100000);
	}
	ck_assert_msg(npid > 0 && npid != pid, "stratd not restarted");
	ck_assert_msg(ctl("bot health") == 0, "not healthy after restart: %s",
	    out);

	/* monitord sees every daemon's heartbeat. */
	{
		void			*z = bus_ctx_new();
		char			 ep[400];
		struct bus_client	*c;
		struct cmd_error	 err;
		cJSON			*data = NULL, *procs;

		snprintf(ep, sizeof(ep), "ipc://%s/run/monitord.ctl", dir);
		c = bus_client_new(z, ep);
		t0 = ms();
		for (;;) {
			ck_assert_int_eq(cmd_call(c, "status", NULL, 2000, 0,
			    &data, &err), 0);
			procs = cJSON_GetObjectItem(data, "processes");
			if (cJSON_IsTrue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(procs, "marketd"), "alive")) &&
			    cJSON_IsTrue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(procs, "stratd"), "alive")) &&
			    cJSON_IsTrue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(procs, "fundsd"), "alive")))
				break;
			ck_assert_msg(ms() - t0 < 5000, "heartbeats missing");
			cJSON_Delete(data);
			usleep(200000);
		}
		cJSON_Delete(data);

		/* Garbage on a control endpoint: error reply, still up. */
		snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.ctl", dir);
		bus_client_free(&c);
		c = bus_client_new(z, ep);
		{
			char	*rep = NULL;
			size_t	 len;

			ck_assert_int_eq(bus_client_request(c, "\x01\xff garbage",
			    10, 2000, 0, &rep, &len), 0);
			ck_assert_ptr_nonnull(strstr(rep, "\"ok\":false"));
			free(rep);
			ck_assert_int_eq(bus_client_request(c,
			    "{\"cmd\":\"nosuch\"}", 16, 2000, 0, &rep, &len), 0);
			ck_assert_ptr_nonnull(strstr(rep, "unknown_command"));
			free(rep);
		}
		ck_assert_int_eq(cmd_call(c, "ping", NULL, 2000, 0, &data,
		    &err), 0);
		cJSON_Delete(data);
		bus_client_free(&c);
		bus_ctx_free(&z);
	}
	pid = pid_of("marketd");
	ck_assert_int_eq(pid, ptable_pid("marketd"));

	/* Stop: nothing of ours is left, not even the supervisor. */
	rc = ctl("bot stop");
	ck_assert_msg(rc == 0, "rc=%d %s", rc, out);
	expect_running(0x0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "pgrep -f 'runsvdi[r] -P %s'",
	    dir), 1);
	ck_assert_int_eq(ctl("bot health"), 3);
	/* Starting again after a full stop works (supervisor restarted). */
	ck_assert_int_eq(ctl("bot start --monitoring-only"), 0);
	expect_running(0x1);
	ck_assert_int_eq(ctl("bot stop"), 0);
	expect_running(0x0);
}
END_TEST

/* Run a daemon directly (not supervised) with stderr to a file. */
static pid_t
spawn_daemon(const char *name, const char *cfg, const char *logpath)
{
	pid_t	pid = fork();

	if (pid == 0) {
		FILE	*f = freopen(logpath, "w", stderr);

		(void)f;
		execl(tu_bin(name), name, "-c", cfg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int
wait_exit(pid_t pid, int timeout_ms, int *status)
{
	long long	t0 = ms();

	while (ms() - t0 < timeout_ms) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(10000);
	}
	return -1;
}

START_TEST(daemon_signals_and_reload)
{
	char		 logp[400], *log;
	pid_t		 pid;
	int		 st;
	long long	 t0;
	void		*z;
	char		 ep[400];
	struct bus_client *c;
	struct cmd_error err;
	cJSON		*data;

	TU_REQUIRE_ENV("BSC_TEST_CONF");
	make_config();
	snprintf(logp, sizeof(logp), "%s/marketd.log", dir);
	pid = spawn_daemon("marketd", conf, logp);
	z = bus_ctx_new();
	snprintf(ep, sizeof(ep), "ipc://%s/run/marketd.ctl", dir);
	c = bus_client_new(z, ep);
	t0 = ms();
	while (cmd_call(c, "ping", NULL, 500, 0, &data, &err) == -1)
		ck_assert_msg(ms() - t0 < 5000, "marketd never answered");
	cJSON_Delete(data);

	/* SIGHUP with a broken config: keeps running on the old one. */
	{
		char	bad[1300];

		snprintf(bad, sizeof(bad), "cp %s %s.good && echo 'bogus = 1' "
		    ">> %s", conf, conf, conf);
		ck_assert_int_eq(tu_run(NULL, 0, "%s", bad), 0);
		kill(pid, SIGHUP);
		usleep(300000);
		ck_assert_int_eq(cmd_call(c, "ping", NULL, 2000, 0, &data,
		    &err), 0);
		cJSON_Delete(data);
		snprintf(bad, sizeof(bad), "%s.good", conf);
		ck_assert_int_eq(rename(bad, conf), 0);
		kill(pid, SIGHUP);
		usleep(300000);
	}
	/* The stop command exits cleanly. */
	ck_assert_int_eq(cmd_call(c, "stop", NULL, 2000, 0, &data, &err), 0);
	cJSON_Delete(data);
	ck_assert_int_eq(wait_exit(pid, 2000, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	log = tu_read_file(logp, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "config reload failed, keeping the "
	    "old one"));
	ck_assert_ptr_nonnull(strstr(log, "unknown key 'bogus'"));
	ck_assert_ptr_nonnull(strstr(log, "config reloaded"));
	free(log);

	/* SIGTERM: clean exit within one second, for every daemon. */
	for (int i = 0; i < 4; i++) {
		snprintf(logp, sizeof(logp), "%s/%s.log", dir, all[i]);
		pid = spawn_daemon(all[i], conf, logp);
		snprintf(ep, sizeof(ep), "ipc://%s/run/%s.ctl", dir, all[i]);
		bus_client_free(&c);
		c = bus_client_new(z, ep);
		t0 = ms();
		while (cmd_call(c, "ping", NULL, 500, 0, &data, &err) == -1)
			ck_assert_msg(ms() - t0 < 5000, "%s never answered",
			    all[i]);
		cJSON_Delete(data);
		kill(pid, SIGTERM);
		ck_assert_msg(wait_exit(pid, 1000, &st) == 0,
		    "%s did not exit within 1 s of SIGTERM", all[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	bus_client_free(&c);
	bus_ctx_free(&z);
}
END_TEST

START_TEST(bad_config_and_usage)
{
	char	bad[300];
	FILE	*f;
	int	rc;

	snprintf(bad, sizeof(bad), "/tmp/bsc-bad-%d.conf", (int)getpid());
	f = fopen(bad, "w");
	fprintf(f, "[global]\nrun_dir = /tmp/x\n[database]\nconnect_timeout_s = -4\n");
	fclose(f);
	/* Daemons: clear error naming file and line, exit 78, also with -n. */
	for (int i = 0; i < 4; i++) {
		rc = tu_run(out, sizeof(out), "%s -c %s 2>&1", tu_bin(all[i]),
		    bad);
		ck_assert_int_eq(rc, 78);
		ck_assert_msg(strstr(out, ":4: connect_timeout_s") != NULL,
		    "%s: %s", all[i], out);
		rc = tu_run(out, sizeof(out), "%s -n -c %s 2>&1",
		    tu_bin(all[i]), bad);
		ck_assert_int_eq(rc, 78);
	}
	rc = tu_run(out, sizeof(out), "%s -n -c etc/bsc-mm.conf 2>&1",
	    tu_bin("marketd"));
	ck_assert_msg(rc == 0 && strstr(out, "config ok"), "%s", out);
	rc = tu_run(out, sizeof(out), "%s -x 2>&1", tu_bin("stratd"));
	ck_assert_int_eq(rc, 2);

	/* bsc-ctl exit codes. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s bot status 2>&1",
	    tu_bin("bsc-ctl"), bad), 4);
	ck_assert_ptr_nonnull(strstr(out, "connect_timeout_s"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c /nonexistent.conf "
	    "bot status 2>&1", tu_bin("bsc-ctl")), 4);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s frobnicate 2>&1",
	    tu_bin("bsc-ctl")), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown command 'frobnicate'"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s bot start --bogus 2>&1",
	    tu_bin("bsc-ctl")), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown argument '--bogus'"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s bot 2>&1",
	    tu_bin("bsc-ctl")), 2);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s db migrate --frob 2>&1",
	    tu_bin("bsc-ctl")), 2);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s --nope 2>&1",
	    tu_bin("bsc-ctl")), 2);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c 2>&1",
	    tu_bin("bsc-ctl")), 2);
	/* --help everywhere. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s --help",
	    tu_bin("bsc-ctl")), 0);
	ck_assert_ptr_nonnull(strstr(out, "exit codes"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s bot --help",
	    tu_bin("bsc-ctl")), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s bot start --help",
	    tu_bin("bsc-ctl")), 0);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s db --help",
	    tu_bin("bsc-ctl")), 0);
	/* bsc-bot is the same program. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s --help",
	    tu_bin("bsc-bot")), 0);
	unlink(bad);
}
END_TEST

START_TEST(db_migrate_cli)
{
	char	*ci;
	char	 cfg[300];
	FILE	*f;
	cJSON	*a, *o;

	TU_REQUIRE_ENV("BSC_TEST_PGURL");
	ci = tu_db_create("cli");
	ck_assert_ptr_nonnull(ci);
	snprintf(cfg, sizeof(cfg), "/tmp/bsc-mig-%d.conf", (int)getpid());
	f = fopen(cfg, "w");
	fprintf(f, "[database]\nurl = %s\n", ci);
	fclose(f);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate "
	    "--status --json", tu_bin("bsc-ctl"), cfg), 0);
	a = cJSON_Parse(out);
	ck_assert_ptr_nonnull(a);
	cJSON_ArrayForEach(o, a)
		ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "applied")));
	cJSON_Delete(a);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate",
	    tu_bin("bsc-ctl"), cfg), 0);
	ck_assert_ptr_nonnull(strstr(out, "applied"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate",
	    tu_bin("bsc-ctl"), cfg), 0);
	ck_assert_ptr_nonnull(strstr(out, "up to date"));
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate "
	    "--status --json", tu_bin("bsc-ctl"), cfg), 0);
	a = cJSON_Parse(out);
	ck_assert_int_gt(cJSON_GetArraySize(a), 0);
	cJSON_ArrayForEach(o, a)
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "applied")));
	cJSON_Delete(a);
	/* The audit log recorded both runs. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "psql '%s' -Atc \"SELECT "
	    "count(*) FROM audit_log WHERE command = 'db migrate' AND ok\"",
	    ci), 0);
	ck_assert_int_eq(atoi(out), 2);
	/* Database down: exit 3 with the reason. */
	f = fopen(cfg, "w");
	fprintf(f, "[database]\nurl = host=/nonexistent dbname=x\n"
	    "connect_timeout_s = 2\n");
	fclose(f);
	ck_assert_int_eq(tu_run(out, sizeof(out), "%s -c %s db migrate 2>&1",
	    tu_bin("bsc-ctl"), cfg), 3);
	ck_assert_ptr_nonnull(strstr(out, "database connect failed"));
	unlink(cfg);
	free(ci);
}
END_TEST

/* Whatever happened, leave no daemon of ours running. */
static void
teardown(void)
{
	if (conf[0] != '\0')
		ctl("bot stop");
}

int
main(void)
{
	Suite	*s = suite_create("bot");
	TCase	*tc = tcase_create("bot");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 180);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, staged_start_converge_restart_stop);
	tcase_add_test(tc, daemon_signals_and_reload);
	tcase_add_test(tc, bad_config_and_usage);
	tcase_add_test(tc, db_migrate_cli);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
