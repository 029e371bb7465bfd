#!/usr/bin/env node
"use strict";
// Deploy Uniswap V2 (precompiled artifacts from the @uniswap npm packages) and
// the test tokens on the local Hardhat chain, fund the test wallets, write the
// key files and ENVDIR/chain.env. Normally run by `t/chain/chain start`.
//
//   node t/chain/deploy.js --envdir DIR --rpc URL [--port N] [--pid PID]
//        [--btcb-price USDT] [--btcb-liquidity BTCB] [--wbnb-price USDT] [--wbnb-liquidity WBNB]
//
// TEST KEYS ONLY: every key written here is a publicly known development key.

const fs = require("fs");
const path = require("path");
const { ethers } = require("ethers");
const { MNEMONIC, HD_PATH, ROLES } = require("./accounts");
const { rpcCall, artifact, ARTIFACTS, parseUnits, formatUnits } = require("./common");

const DEADLINE_MS = 120000;
const MAX = ethers.MaxUint256;
const E18 = 10n ** 18n;

function usage(msg) {
  if (msg) process.stderr.write(`deploy.js: ${msg}\n`);
  process.stderr.write(
    "usage: deploy.js --envdir DIR --rpc URL [--port N] [--pid PID] [--btcb-price P] [--btcb-liquidity N] [--wbnb-price P] [--wbnb-liquidity N]\n"
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    envdir: null,
    rpc: null,
    port: null,
    pid: "",
    btcbPrice: "20000", // USDT per BTCB (inside the range of the repo's BTC candle data)
    btcbLiquidity: "100", // BTCB in the BTCB/USDT pool
    wbnbPrice: "300", // USDT per WBNB
    wbnbLiquidity: "1000", // WBNB in the WBNB/USDT pool
  };
  const map = {
    "--envdir": "envdir",
    "--rpc": "rpc",
    "--port": "port",
    "--pid": "pid",
    "--btcb-price": "btcbPrice",
    "--btcb-liquidity": "btcbLiquidity",
    "--wbnb-price": "wbnbPrice",
    "--wbnb-liquidity": "wbnbLiquidity",
  };
  for (let i = 2; i < argv.length; i++) {
    const k = map[argv[i]];
    if (!k || i + 1 >= argv.length) usage(`bad argument: ${argv[i]}`);
    o[k] = argv[++i];
  }
  if (!o.envdir || !o.rpc) usage("--envdir and --rpc are required");
  if (!o.port) o.port = new URL(o.rpc).port;
  return o;
}

// --- transaction sending: explicit nonces, automine expected -------------------

class Sender {
  constructor(provider) {
    this.provider = provider;
    this.nonces = new Map();
    this.fees = null;
  }
  async init() {
    const block = await this.provider.getBlock("latest");
    const base = block.baseFeePerGas ?? 1000000000n;
    this.fees = { maxPriorityFeePerGas: 1000000000n, maxFeePerGas: base * 4n + 1000000000n };
  }
  async nonce(wallet) {
    if (!this.nonces.has(wallet.address)) {
      this.nonces.set(wallet.address, await this.provider.getTransactionCount(wallet.address, "pending"));
    }
    const n = this.nonces.get(wallet.address);
    this.nonces.set(wallet.address, n + 1);
    return n;
  }
  // Sign and broadcast; wait for the receipt (immediate under automine).
  async send(wallet, req, what) {
    const tx = {
      type: 2,
      chainId: 56n,
      to: req.to ?? null,
      data: req.data ?? "0x",
      value: req.value ?? 0n,
      ...this.fees,
    };
    let gas;
    try {
      gas = await this.provider.estimateGas({ from: wallet.address, to: tx.to, data: tx.data, value: tx.value });
    } catch (e) {
      throw new Error(`${what}: gas estimation failed: ${e.shortMessage || e.message}`);
    }
    tx.gasLimit = (gas * 13n) / 10n;
    tx.nonce = await this.nonce(wallet);
    const raw = await wallet.signTransaction(tx);
    const hash = await this.provider.send("eth_sendRawTransaction", [raw]);
    const t0 = Date.now();
    for (;;) {
      const r = await this.provider.getTransactionReceipt(hash);
      if (r) {
        if (r.status !== 1) throw new Error(`${what}: transaction ${hash} reverted`);
        return r;
      }
      if (Date.now() - t0 > 30000) throw new Error(`${what}: no receipt for ${hash} after 30 s (automine off?)`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  async deploy(wallet, art, args, what) {
    const f = new ethers.ContractFactory(art.abi, art.bytecode);
    const dt = await f.getDeployTransaction(...args);
    const r = await this.send(wallet, { data: dt.data }, `deploy ${what}`);
    return new ethers.Contract(r.contractAddress, art.abi, this.provider);
  }
  async call(wallet, contract, method, args, what, value) {
    const data = contract.interface.encodeFunctionData(method, args);
    return this.send(wallet, { to: await contract.getAddress(), data, value }, what || method);
  }
}

function writeKey(keysDir, name, wallet) {
  const file = path.join(keysDir, `${name}.key`);
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, wallet.privateKey + "\n", { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

async function main() {
  const opt = parseArgs(process.argv);
  const t0 = Date.now();
  const envdir = path.resolve(opt.envdir);
  const keysDir = path.join(envdir, "keys");
  fs.mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(keysDir, 0o700);

  const btcbPrice = parseUnits(opt.btcbPrice, 18); // USDT per BTCB, 1e18-scaled
  const btcbLiq = parseUnits(opt.btcbLiquidity, 18);
  const wbnbPrice = parseUnits(opt.wbnbPrice, 18);
  const wbnbLiq = parseUnits(opt.wbnbLiquidity, 18);
  if (btcbPrice === 0n || btcbLiq === 0n || wbnbPrice === 0n || wbnbLiq === 0n) usage("prices and liquidity must be > 0");
  const usdtForBtcbPool = (btcbLiq * btcbPrice) / E18;
  const usdtForWbnbPool = (wbnbLiq * wbnbPrice) / E18;

  const provider = new ethers.JsonRpcProvider(opt.rpc, 56, {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 50,
  });
  const chainId = await provider.send("eth_chainId", []);
  if (BigInt(chainId) !== 56n) throw new Error(`chain id is ${chainId}, expected 0x38`);

  // Test wallets from the development mnemonic.
  const w = {};
  for (const [role, idx] of Object.entries(ROLES)) {
    w[role] = ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `${HD_PATH}/${idx}`).connect(provider);
  }
  const deployer = w.deployer;
  const s = new Sender(provider);
  await s.init();

  // --- contracts ---------------------------------------------------------------
  const A = Object.fromEntries(Object.entries(ARTIFACTS).map(([k, p]) => [k, artifact(p)]));
  const wbnb = await s.deploy(deployer, A.weth, [], "WETH9 (WBNB)");
  const factory = await s.deploy(deployer, A.factory, [deployer.address], "UniswapV2Factory");
  const router = await s.deploy(deployer, A.router, [await factory.getAddress(), await wbnb.getAddress()], "UniswapV2Router02");
  const btcb = await s.deploy(deployer, A.erc20, [21000000n * E18], "ERC20 (BTCB)");
  const usdt = await s.deploy(deployer, A.erc20, [1000000000000n * E18], "ERC20 (USDT)");
  const [aW, aF, aR, aB, aU] = await Promise.all([wbnb, factory, router, btcb, usdt].map((c) => c.getAddress()));

  // --- pools -------------------------------------------------------------------
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
  await s.call(deployer, btcb, "approve", [aR, MAX], "deployer approve BTCB");
  await s.call(deployer, usdt, "approve", [aR, MAX], "deployer approve USDT");
  await s.call(deployer, router, "addLiquidity",
    [aB, aU, btcbLiq, usdtForBtcbPool, btcbLiq, usdtForBtcbPool, deployer.address, deadline], "addLiquidity BTCB/USDT");
  await s.call(deployer, router, "addLiquidityETH",
    [aU, usdtForWbnbPool, usdtForWbnbPool, wbnbLiq, deployer.address, deadline], "addLiquidityETH WBNB/USDT", wbnbLiq);

  const pairBU = await factory.getPair(aB, aU);
  const pairWU = await factory.getPair(aW, aU);
  if (pairBU === ethers.ZeroAddress || pairWU === ethers.ZeroAddress) throw new Error("pairs were not created");
  const pairAbi = A.pair.abi;
  const pBU = new ethers.Contract(pairBU, pairAbi, provider);
  const pWU = new ethers.Contract(pairWU, pairAbi, provider);
  const [t0BU, t0WU] = await Promise.all([pBU.token0(), pWU.token0()]);

  // --- init-code hash check: the router computes pair addresses offline ---------
  const initCodeHash = ethers.keccak256(A.pair.bytecode);
  for (const [a, b, pair] of [[aB, aU, pairBU], [aW, aU, pairWU]]) {
    const [x, y] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
    const salt = ethers.keccak256(ethers.solidityPacked(["address", "address"], [x, y]));
    const predicted = ethers.getCreate2Address(aF, salt, initCodeHash);
    if (predicted !== pair) throw new Error(`CREATE2 pair address mismatch: ${predicted} != ${pair}`);
  }
  if (!A.router.bytecode.toLowerCase().includes(initCodeHash.slice(2).toLowerCase())) {
    throw new Error(`router bytecode does not embed the pair init-code hash ${initCodeHash}`);
  }

  // --- funding -----------------------------------------------------------------
  const fund = {
    treasury: { bnb: 1000n, btcb: 100n, usdt: 2000000n },
    trader1: { bnb: 100n, btcb: 10n, usdt: 200000n },
    trader2: { bnb: 100n, btcb: 10n, usdt: 200000n },
    replayer: { bnb: 10000n, btcb: 100000n, usdt: 10000000000n },
  };
  for (const [role, f] of Object.entries(fund)) {
    await s.call(deployer, btcb, "transfer", [w[role].address, f.btcb * E18], `fund ${role} BTCB`);
    await s.call(deployer, usdt, "transfer", [w[role].address, f.usdt * E18], `fund ${role} USDT`);
  }
  for (const c of [btcb, usdt, wbnb]) {
    await s.call(w.replayer, c, "approve", [aR, MAX], "replayer approve");
  }
  // Exact native balances last, so gas spent above does not show.
  for (const [role, f] of Object.entries(fund)) {
    await rpcCall(opt.rpc, "hardhat_setBalance", [w[role].address, ethers.toQuantity(f.bnb * E18)]);
  }

  // --- end-to-end check: quote and simulate a swap through the router ----------
  const oneBtcb = E18;
  const amounts = await router.getAmountsOut(oneBtcb, [aB, aU]);
  const [rB, rU] = await (async () => {
    const r = await pBU.getReserves();
    return t0BU === aB ? [r[0], r[1]] : [r[1], r[0]];
  })();
  const expectOut = (oneBtcb * 997n * rU) / (rB * 1000n + oneBtcb * 997n);
  if (amounts[1] !== expectOut) throw new Error(`getAmountsOut ${amounts[1]} != constant-product ${expectOut}`);
  const sim = await router.connect(w.replayer).swapExactTokensForTokens.staticCall(
    oneBtcb, expectOut, [aB, aU], w.replayer.address, deadline, { from: w.replayer.address });
  if (sim[1] !== expectOut) throw new Error(`simulated swap returned ${sim[1]}, expected ${expectOut}`);

  // --- key files and chain.env -------------------------------------------------
  const keyFiles = {};
  for (const role of ["treasury", "trader1", "trader2", "replayer", "deployer"]) {
    keyFiles[role] = writeKey(keysDir, role, w[role]);
  }
  const env = [
    ["CHAIN_RPC_URL", opt.rpc],
    ["CHAIN_ID", "56"],
    ["CHAIN_PORT", String(opt.port)],
    ["CHAIN_PID", String(opt.pid)],
    ["CHAIN_LOG", path.join(envdir, "chain.log")],
    ["WBNB", aW],
    ["FACTORY", aF],
    ["ROUTER", aR],
    ["BTCB", aB],
    ["USDT", aU],
    ["PAIR_BTCB_USDT", pairBU],
    ["PAIR_BTCB_USDT_TOKEN0", t0BU],
    ["PAIR_WBNB_USDT", pairWU],
    ["PAIR_WBNB_USDT_TOKEN0", t0WU],
    ["PAIR_INIT_CODE_HASH", initCodeHash],
    ["POOL_FEE_BPS", "30"],
    ["WBNB_DECIMALS", "18"],
    ["BTCB_DECIMALS", "18"],
    ["USDT_DECIMALS", "18"],
    ["BTCB_PRICE_INIT", formatUnits(btcbPrice, 18)],
    ["WBNB_PRICE_INIT", formatUnits(wbnbPrice, 18)],
    ["DEPLOYER_ADDRESS", deployer.address],
    ["DEPLOYER_KEY_FILE", keyFiles.deployer],
  ];
  for (const role of ["treasury", "trader1", "trader2", "replayer"]) {
    const R = role.toUpperCase();
    env.push([`${R}_ADDRESS`, w[role].address], [`${R}_KEY_FILE`, keyFiles[role]]);
    if (fund[role]) {
      env.push([`${R}_FUND_BNB`, String(fund[role].bnb)], [`${R}_FUND_BTCB`, String(fund[role].btcb)],
        [`${R}_FUND_USDT`, String(fund[role].usdt)]);
    }
  }
  for (const [k, v] of env) {
    if (!/^[A-Za-z0-9_.\/:+@%,=-]*$/.test(v)) throw new Error(`chain.env value of ${k} is not shell-safe: ${v}`);
  }
  const envFile = path.join(envdir, "chain.env");
  const tmp = `${envFile}.tmp${process.pid}`;
  fs.writeFileSync(tmp, "# bsc-mm local test chain (t/chain); TEST KEYS ONLY\n" + env.map(([k, v]) => `${k}=${v}\n`).join(""));
  fs.renameSync(tmp, envFile);

  const rep = {
    ok: true,
    ms: Date.now() - t0,
    reserves_btcb_usdt: [formatUnits(rB, 18), formatUnits(rU, 18)],
    quote_1_btcb_in_usdt: formatUnits(amounts[1], 18),
  };
  process.stderr.write(`deploy.js: ${JSON.stringify(rep)}\n`);
}

const timer = setTimeout(() => {
  process.stderr.write(`deploy.js: timed out after ${DEADLINE_MS / 1000} s\n`);
  process.exit(1);
}, DEADLINE_MS);
timer.unref();

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`deploy.js: error: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  }
);
