/*
 * check_chain.c: the local Hardhat chain of t/chain works end to end
 * (t/chain/selftest.js: two chains started at once, Uniswap V2 deployed,
 * init-code hash, quotes against the constant-product math, real swaps,
 * price moves, mining modes, stop), as the suites that use it assume.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char	out[1 << 16];

START_TEST(selftest)
{
	int	rc;

	if (access("t/chain/node_modules/hardhat", F_OK) != 0)
		TU_SKIP("t/chain/node_modules absent (make deps)");
	rc = tu_run(out, sizeof(out), "node t/chain/selftest.js 2>&1");
	ck_assert_msg(rc == 0, "selftest.js exit %d:\n%s", rc, out);
}
END_TEST

START_TEST(chain_env_of_test_environment)
{
	char	 path[512], *env;
	const char *keys[] = { "CHAIN_RPC_URL=", "CHAIN_ID=56", "ROUTER=0x",
	    "FACTORY=0x", "WBNB=0x", "BTCB=0x", "USDT=0x", "PAIR_BTCB_USDT=0x",
	    "TREASURY_KEY_FILE=", "TRADER1_KEY_FILE=", "REPLAYER_KEY_FILE=",
	    "POOL_FEE_BPS=30", NULL };

	TU_REQUIRE_ENV("BSC_TEST_RPC");
	snprintf(path, sizeof(path), "%s/chain.env", getenv("BSC_TEST_ENVDIR"));
	env = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(env);
	for (int i = 0; keys[i] != NULL; i++)
		ck_assert_msg(strstr(env, keys[i]) != NULL, "chain.env lacks %s",
		    keys[i]);
	free(env);
	/* The node answers with chain id 56. */
	ck_assert_int_eq(tu_run(out, sizeof(out), "curl -s -m 5 -H "
	    "'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"eth_chainId\",\"params\":[]}' %s",
	    getenv("BSC_TEST_RPC")), 0);
	ck_assert_msg(strstr(out, "\"0x38\"") != NULL, "%s", out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("chain");
	TCase	*tc = tcase_create("chain");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, selftest);
	tcase_add_test(tc, chain_env_of_test_environment);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
