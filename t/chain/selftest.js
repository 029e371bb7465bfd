#!/usr/bin/env node
"use strict";
// End-to-end check of the local test chain: node t/chain/selftest.js
// Starts two chains concurrently in fresh temporary ENVDIRs, checks chain.env,
// key files, the pair init-code hash, router quotes against constant-product
// math, real swaps (tokens/tokens, BNB/tokens, tokens/BNB), swap.js, manual
// mining with a pending transaction, and stop. Exit 0 when all pass.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFile } = require("child_process");
const { ethers } = require("ethers");
const { readChainEnv, readKeyFile, artifact, ARTIFACTS, rpcCall } = require("./common");

const CHAIN = path.join(__dirname, "chain");
const SWAP = path.join(__dirname, "swap.js");
const E18 = 10n ** 18n;
let failures = 0;

function check(cond, what) {
  if (cond) process.stdout.write(`ok   ${what}\n`);
  else {
    failures++;
    process.stdout.write(`FAIL ${what}\n`);
  }
}

function run(cmd, args, { allowFail = false, timeout = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      if (err && !allowFail) reject(new Error(`${path.basename(cmd)} ${args.join(" ")}: exit ${code}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

const REQUIRED = [
  "CHAIN_RPC_URL", "CHAIN_ID", "CHAIN_PORT", "CHAIN_PID", "WBNB", "FACTORY", "ROUTER", "BTCB", "USDT",
  "PAIR_BTCB_USDT", "PAIR_WBNB_USDT", "PAIR_BTCB_USDT_TOKEN0", "PAIR_WBNB_USDT_TOKEN0", "PAIR_INIT_CODE_HASH",
  "TREASURY_ADDRESS", "TREASURY_KEY_FILE", "TRADER1_ADDRESS", "TRADER1_KEY_FILE", "TRADER2_ADDRESS",
  "TRADER2_KEY_FILE", "REPLAYER_ADDRESS", "REPLAYER_KEY_FILE", "DEPLOYER_ADDRESS", "BTCB_DECIMALS",
  "USDT_DECIMALS", "POOL_FEE_BPS",
];
const ADDRESS_KEYS = REQUIRED.filter((k) => /(^WBNB|^FACTORY|^ROUTER|^BTCB$|^USDT$|^PAIR_.*[^H]$|_ADDRESS)$/.test(k) && k !== "PAIR_INIT_CODE_HASH");

function amountOut(a, rIn, rOut) {
  return (a * 997n * rOut) / (rIn * 1000n + a * 997n);
}

async function testChain(envdir) {
  const env = readChainEnv(envdir);
  for (const k of REQUIRED) check(env[k] !== undefined && env[k] !== "", `chain.env has ${k}`);
  check(env.CHAIN_ID === "56" && env.BTCB_DECIMALS === "18" && env.USDT_DECIMALS === "18" && env.POOL_FEE_BPS === "30",
    "chain.env constants");
  for (const k of ADDRESS_KEYS) check(ethers.isAddress(env[k]) && ethers.getAddress(env[k]) === env[k], `${k} is EIP-55`);
  const text = fs.readFileSync(path.join(envdir, "chain.env"), "utf8");
  check(text.split("\n").every((l) => l === "" || l.startsWith("#") || /^[A-Z_][A-Z0-9_]*=[^\s'"`$;&|<>()\\]*$/.test(l)),
    "chain.env is plain KEY=value lines");
  const sourced = await run("sh", ["-c", `. "$1" && echo "$ROUTER $CHAIN_PORT"`, "sh", path.join(envdir, "chain.env")]);
  check(sourced.stdout.trim() === `${env.ROUTER} ${env.CHAIN_PORT}`, "chain.env is sourceable by sh");
  check((fs.statSync(path.join(envdir, "keys")).mode & 0o777) === 0o700, "keys dir mode 0700");

  const provider = new ethers.JsonRpcProvider(env.CHAIN_RPC_URL, 56, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1, pollingInterval: 50 });
  const wallets = {};
  for (const role of ["TREASURY", "TRADER1", "TRADER2", "REPLAYER"]) {
    const f = env[`${role}_KEY_FILE`];
    const st = fs.statSync(f);
    check((st.mode & 0o777) === 0o600, `${role} key file mode 0600`);
    check(/^0x[0-9a-f]{64}\n$/.test(fs.readFileSync(f, "utf8")), `${role} key file format`);
    wallets[role] = new ethers.Wallet(readKeyFile(f), provider);
    check(wallets[role].address === env[`${role}_ADDRESS`], `${role} key matches address`);
  }
  check(new Set(Object.values(wallets).map((w) => w.address).concat(env.DEPLOYER_ADDRESS)).size === 5, "roles use distinct accounts");

  // init-code hash: the factory's pair code, the router's constant and CREATE2 agree
  const pairArt = artifact(ARTIFACTS.pair);
  check(ethers.keccak256(pairArt.bytecode) === env.PAIR_INIT_CODE_HASH, "PAIR_INIT_CODE_HASH = keccak(pair creation code)");
  check(artifact(ARTIFACTS.router).bytecode.includes(env.PAIR_INIT_CODE_HASH.slice(2)), "router embeds the init-code hash");
  for (const [a, b, p] of [[env.BTCB, env.USDT, env.PAIR_BTCB_USDT], [env.WBNB, env.USDT, env.PAIR_WBNB_USDT]]) {
    const [x, y] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
    const salt = ethers.keccak256(ethers.solidityPacked(["address", "address"], [x, y]));
    check(ethers.getCreate2Address(env.FACTORY, salt, env.PAIR_INIT_CODE_HASH) === p, `CREATE2(${p}) matches`);
  }

  const erc = artifact(ARTIFACTS.erc20).abi;
  const btcb = new ethers.Contract(env.BTCB, erc, provider);
  const usdt = new ethers.Contract(env.USDT, erc, provider);
  const router = new ethers.Contract(env.ROUTER, artifact(ARTIFACTS.router).abi, provider);
  const pair = new ethers.Contract(env.PAIR_BTCB_USDT, pairArt.abi, provider);
  const pairW = new ethers.Contract(env.PAIR_WBNB_USDT, pairArt.abi, provider);
  check((await btcb.decimals()) === 18n && (await usdt.decimals()) === 18n, "token decimals 18");
  check((await pair.token0()) === env.PAIR_BTCB_USDT_TOKEN0 && (await pairW.token0()) === env.PAIR_WBNB_USDT_TOKEN0, "token0 entries");

  const t = wallets.TRADER1;
  check((await provider.getBalance(env.TREASURY_ADDRESS)) === BigInt(env.TREASURY_FUND_BNB) * E18, "treasury BNB balance");
  check((await btcb.balanceOf(env.TREASURY_ADDRESS)) === BigInt(env.TREASURY_FUND_BTCB) * E18, "treasury BTCB balance");
  check((await usdt.balanceOf(t.address)) === BigInt(env.TRADER1_FUND_USDT) * E18, "trader1 USDT balance");
  check((await provider.getBalance(t.address)) > 0n, "trader1 has BNB");

  const reserves = async () => {
    const r = await pair.getReserves();
    return env.PAIR_BTCB_USDT_TOKEN0 === env.BTCB ? [r[0], r[1]] : [r[1], r[0]];
  };
  let [rB, rU] = await reserves();
  check(rU / rB === BigInt(Math.round(Number(env.BTCB_PRICE_INIT))), "initial BTCB/USDT price");

  // real swap BTCB -> USDT by a trader, slippage bound = exact quote
  const deadline = Math.floor(Date.now() / 1000) + 600;
  const amt = E18 / 2n;
  const q = await router.getAmountsOut(amt, [env.BTCB, env.USDT]);
  check(q[1] === amountOut(amt, rB, rU), "getAmountsOut = constant-product with 0.3% fee");
  await (await btcb.connect(t).approve(env.ROUTER, ethers.MaxUint256)).wait();
  await (await usdt.connect(t).approve(env.ROUTER, ethers.MaxUint256)).wait();
  const u0 = await usdt.balanceOf(t.address);
  const rc = await (await router.connect(t).swapExactTokensForTokens(amt, q[1], [env.BTCB, env.USDT], t.address, deadline)).wait();
  check(rc.status === 1 && (await usdt.balanceOf(t.address)) - u0 === q[1], "swapExactTokensForTokens paid the quoted USDT");
  [rB, rU] = await reserves();

  // BNB -> USDT and USDT -> BNB through WBNB
  const bnbIn = E18;
  const qe = await router.getAmountsOut(bnbIn, [env.WBNB, env.USDT]);
  const u1 = await usdt.balanceOf(t.address);
  await (await router.connect(t).swapExactETHForTokens(qe[1], [env.WBNB, env.USDT], t.address, deadline, { value: bnbIn })).wait();
  check((await usdt.balanceOf(t.address)) - u1 === qe[1], "swapExactETHForTokens");
  const usdtIn = 1000n * E18;
  const qb = await router.getAmountsOut(usdtIn, [env.USDT, env.WBNB]);
  const b0 = await provider.getBalance(t.address);
  const rcb = await (await router.connect(t).swapExactTokensForETH(usdtIn, qb[1], [env.USDT, env.WBNB], t.address, deadline)).wait();
  const gasCost = rcb.gasUsed * rcb.gasPrice;
  check((await provider.getBalance(t.address)) - b0 + gasCost === qb[1], "swapExactTokensForETH");

  // swap.js moves the mid price
  for (const target of ["18000", "23456.78", "20000"]) {
    const out = JSON.parse((await run("node", [SWAP, envdir, "--to-price", target])).stdout);
    [rB, rU] = await reserves();
    const p = Number((rU * 10n ** 12n) / rB) / 1e12;
    check(Math.abs(p - Number(target)) / Number(target) < 1e-9 && Math.abs(out.price - Number(target)) < 1e-6,
      `swap.js --to-price ${target} (got ${p})`);
  }
  const res = JSON.parse((await run("node", [SWAP, envdir, "--reserves"])).stdout);
  check(BigInt(res.reserve_btcb_wei) === rB && BigInt(res.reserve_usdt_wei) === rU, "swap.js --reserves");

  // manual mining: a transaction stays pending until a block is mined
  await run(CHAIN, ["mine", envdir, "manual"]);
  const t2 = wallets.TRADER2;
  const h0 = await provider.getBlockNumber();
  const tx = await usdt.connect(t2).transfer(env.TREASURY_ADDRESS, E18);
  await new Promise((r) => setTimeout(r, 300));
  const pend = await rpcCall(env.CHAIN_RPC_URL, "eth_getTransactionByHash", [tx.hash]);
  check(pend && pend.blockNumber === null && (await provider.getTransactionReceipt(tx.hash)) === null,
    "transaction pending with automine off");
  check((await provider.getBlockNumber()) === h0, "no block mined in manual mode");
  await run(CHAIN, ["mine", envdir, "block"]);
  const r2 = await provider.getTransactionReceipt(tx.hash);
  check(r2 && r2.status === 1 && r2.blockNumber === h0 + 1, "mine block includes the pending transaction");
  await run(CHAIN, ["mine", envdir, "interval", "100"]);
  await new Promise((r) => setTimeout(r, 700));
  check((await provider.getBlockNumber()) >= h0 + 3, "interval mining produces blocks");
  await run(CHAIN, ["mine", envdir, "auto"]);
  const r3 = await (await usdt.connect(t2).transfer(env.TREASURY_ADDRESS, E18)).wait(1, 5000);
  check(r3 && r3.status === 1, "automine back on");
  provider.destroy();
  return env;
}

async function main() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "bsc-mm-chain-selftest-"));
  const dirs = [path.join(base, "a"), path.join(base, "b")];
  const started = [];
  try {
    const t0 = Date.now();
    const outs = await Promise.all(dirs.map((d) => run(CHAIN, ["start", d]).then((r) => (started.push(d), r))));
    const ms = Date.now() - t0;
    check(outs.every((o, i) => o.stdout.trim() === path.join(fs.realpathSync(dirs[i]), "chain.env")), "start prints chain.env path");
    check(ms < 20000, `two concurrent starts with deployment took ${ms} ms (< 20 s)`);
    const envs = dirs.map(readChainEnv);
    check(envs[0].CHAIN_PORT !== envs[1].CHAIN_PORT, `concurrent chains on different ports (${envs[0].CHAIN_PORT}, ${envs[1].CHAIN_PORT})`);
    for (const d of dirs) check((await run(CHAIN, ["status", d], { allowFail: true })).code === 0, `status ${path.basename(d)} running`);
    const again = await run(CHAIN, ["start", dirs[0]], { allowFail: true });
    check(again.code !== 0, "second start in the same ENVDIR refused");
    await testChain(dirs[0]);
    for (const d of dirs) {
      const env = readChainEnv(d);
      await run(CHAIN, ["stop", d]);
      started.splice(started.indexOf(d), 1);
      check((await run(CHAIN, ["status", d], { allowFail: true })).code !== 0, `status ${path.basename(d)} after stop is non-zero`);
      let alive = true;
      try {
        process.kill(Number(env.CHAIN_PID), 0);
        const st = fs.readFileSync(`/proc/${env.CHAIN_PID}/stat`, "utf8");
        alive = !/\) [ZX] /.test(st);
      } catch (e) {
        alive = false;
      }
      check(!alive, `node ${env.CHAIN_PID} gone after stop`);
    }
  } finally {
    for (const d of started) await run(CHAIN, ["stop", d], { allowFail: true });
    fs.rmSync(base, { recursive: true, force: true });
  }
  process.stdout.write(failures ? `${failures} check(s) FAILED\n` : "all checks passed\n");
  return failures ? 1 : 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    process.stderr.write(`selftest: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  }
);
