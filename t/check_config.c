/*
 * check_config.c: config parsing, good and bad.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

static char err[1024];

static struct config *
parse(const char *text)
{
	err[0] = '\0';
	return config_parse(text, "test.conf", err, sizeof(err));
}

START_TEST(defaults_and_values)
{
	struct config	*c = parse(
	    "# comment\n"
	    "[global]\n"
	    "run_dir = /tmp/r\n"
	    "log_level = debug\n"
	    "\n"
	    "[database]\n"
	    "url = host=/tmp port=5432 dbname=x\n"
	    "connect_timeout_s = 7\n"
	    "[chain]\n"
	    "rpc_urls = http://127.0.0.1:8545, https://a.example/rpc\n"
	    "router = 0x10ED43C718714eb63d5aA57B78B54704E256024E\n"
	    "[token BTCB]\n"
	    "address = 0x7130d2A12B9BCbFAe4f2634d864A1Ee1Ce3Ead9c\n"
	    "[token USDT]\n"
	    "address = 0x55d398326f99059fF775485246999027B3197955\n"
	    "decimals = 18\n"
	    "[market \"BTC/USDT\"]\n"
	    "base = BTCB\n"
	    "quote = USDT\n"
	    "fee_bps = 30\n");

	ck_assert_msg(c != NULL, "parse failed: %s", err);
	ck_assert_str_eq(c->global.run_dir, "/tmp/r");
	ck_assert_str_eq(c->global.log_level, "debug");
	ck_assert_str_eq(c->global.supervisor, "runit");
	ck_assert_int_eq(c->database.connect_timeout_s, 7);
	ck_assert_int_eq(c->database.statement_timeout_ms, 10000);
	ck_assert_int_eq(c->chain.chain_id, 56);
	ck_assert_int_eq(c->chain.nrpc_urls, 2);
	ck_assert_str_eq(c->chain.rpc_urls[1], "https://a.example/rpc");
	ck_assert_str_eq(c->marketd.ctl, "ipc:///tmp/r/marketd.ctl");
	ck_assert_str_eq(c->monitord.pub, "ipc:///tmp/r/monitord.pub");
	ck_assert_int_eq(c->stratd.heartbeat_ms, 1000);
	ck_assert_int_eq(c->ntokens, 2);
	ck_assert_int_eq(config_token(c, "BTCB")->decimals, 18);
	ck_assert_ptr_nonnull(config_market(c, "BTC/USDT"));
	ck_assert_int_eq(config_market(c, "BTC/USDT")->fee_bps, 30);
	ck_assert_ptr_null(config_market(c, "ETH/USDT"));
	config_free(&c);
	ck_assert_ptr_null(c);
	config_free(&c);	/* NULL is fine */
}
END_TEST

struct bad_case {
	const char	*text;
	const char	*expect;	/* substring of the error */
};

static const struct bad_case bad[] = {
	{ "[global]\nbogus = 1\n", "test.conf:2: unknown key 'bogus' in [global]" },
	{ "[nosuch]\n", "test.conf:1: unknown section [nosuch]" },
	{ "[database]\nconnect_timeout_s = abc\n", "test.conf:2: connect_timeout_s" },
	{ "[database]\n\nconnect_timeout_s = 0\n", "test.conf:3: connect_timeout_s in [database]: 0 is out of range 1..300" },
	{ "[database]\nconnect_timeout_s = 5x\n", "is not an integer" },
	{ "[global]\nlog_level = loud\n", "not one of debug|info|warn|error" },
	{ "[global]\nsupervisor = upstart\n", "not one of runit|systemd" },
	{ "[global]\nlog_timestamps = maybe\n", "not yes/no" },
	{ "[global]\nrun_dir = /a\nrun_dir = /b\n", "test.conf:3: key 'run_dir' set twice" },
	{ "run_dir = /a\n", "test.conf:1: key 'run_dir' outside any section" },
	{ "[global\n", "test.conf:1: malformed section header" },
	{ "[global]\njust words\n", "test.conf:2: expected 'key = value'" },
	{ "[chain]\nrouter = 0x1234\n", "not a 0x-prefixed 20-byte address" },
	{ "[chain]\nrpc_urls = ftp://x\n", "is not an http(s) URL" },
	{ "[token]\n", "[token] needs a name" },
	{ "[token A]\naddress = 0x7130d2A12B9BCbFAe4f2634d864A1Ee1Ce3Ead9c\n[token A]\n", "appears twice" },
	{ "[token A]\ndecimals = 6\n", "[token A] has no address" },
	{ "[token A]\naddress = 0x7130d2A12B9BCbFAe4f2634d864A1Ee1Ce3Ead9c\n"
	  "[market A/B]\nbase = A\nquote = B\n", "quote 'B' has no [token B]" },
	{ "[market A/B]\nbase = A\n", "needs base and quote" },
	{ "[marketd]\nctl = tcp://127.0.0.1:5555\n", "CURVE" },
	{ "[marketd]\nctl = ipc:///x\npub = ipc:///x\n", "are the same" },
	{ "[database]\nurl = ${BSC_TEST_SURELY_UNSET_VAR}\n", "test.conf:2: environment variable BSC_TEST_SURELY_UNSET_VAR is not set" },
	{ "[database]\nurl = ${}\n", "bad ${VAR}" },
	{ "[stratd]\nheartbeat_ms = 10\n", "out of range 50..60000" },
};

START_TEST(bad_input)
{
	const struct bad_case	*b = &bad[_i];
	struct config		*c = parse(b->text);

	ck_assert_msg(c == NULL, "case %d accepted: %s", _i, b->text);
	ck_assert_msg(strstr(err, b->expect) != NULL,
	    "case %d: error \"%s\" lacks \"%s\"", _i, err, b->expect);
}
END_TEST

START_TEST(env_override_and_expansion)
{
	struct config	*c;

	setenv("BSC_DATABASE_URL", "dbname=fromenv", 1);
	setenv("BSC_TEST_HOME", "/srv/x", 1);
	c = parse("[database]\nurl = dbname=fromfile\n"
	    "[global]\nstate_dir = ${BSC_TEST_HOME}/state\n");
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->database.url, "dbname=fromenv");
	ck_assert_str_eq(c->global.state_dir, "/srv/x/state");
	config_free(&c);

	setenv("BSC_DATABASE_CONNECT_TIMEOUT_S", "999", 1);
	c = parse("");
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "from environment "
	    "BSC_DATABASE_CONNECT_TIMEOUT_S") != NULL, "%s", err);
	unsetenv("BSC_DATABASE_CONNECT_TIMEOUT_S");
	unsetenv("BSC_DATABASE_URL");
}
END_TEST

START_TEST(load_file_errors)
{
	struct config	*c;

	c = config_load("/nonexistent/bsc-mm.conf", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "/nonexistent/bsc-mm.conf") != NULL, "%s",
	    err);
	c = config_load("/tmp", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
}
END_TEST

START_TEST(shipped_default_config_parses)
{
	struct config	*c = config_load("etc/bsc-mm.conf", err, sizeof(err));

	ck_assert_msg(c != NULL, "etc/bsc-mm.conf: %s", err);
	ck_assert_int_eq(c->chain.chain_id, 56);
	ck_assert_ptr_nonnull(config_market(c, "BTC/USDT"));
	ck_assert_int_eq(config_market(c, "BTC/USDT")->fee_bps, 25);
	config_free(&c);
}
END_TEST

START_TEST(marketd_feed_keys)
{
	struct config	*c = parse("[marketd]\nstale_blocks = 4\n"
			    "exec_sizes = 50, 2.5\ncex_url =\n");

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->market.stale_blocks, 4);
	ck_assert_str_eq(c->market.exec_sizes, "50, 2.5");
	ck_assert_ptr_null(c->market.cex_url);
	ck_assert_int_eq(c->market.poll_ms, 0);
	ck_assert_int_eq(c->market.candles, 1);
	config_free(&c);
	c = parse("[marketd]\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->market.cex_url, "https://api.binance.com");
	ck_assert_int_eq(c->market.uptime_window_s, 3600);
	config_free(&c);
	ck_assert_ptr_null(parse("[marketd]\nexec_sizes = 1e3\n"));
	ck_assert_msg(strstr(err, "exec_sizes") != NULL, "%s", err);
	ck_assert_ptr_null(parse("[marketd]\ncex_url = file:///etc/passwd\n"));
	ck_assert_msg(strstr(err, "cex_url") != NULL, "%s", err);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, defaults_and_values);
	tcase_add_loop_test(tc, bad_input, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, env_override_and_expansion);
	tcase_add_test(tc, load_file_errors);
	tcase_add_test(tc, shipped_default_config_parses);
	tcase_add_test(tc, marketd_feed_keys);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
