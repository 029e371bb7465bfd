#!/usr/bin/env node
"use strict";
// Move or inspect the BTCB/USDT pool of the local chain with the replayer account.
//
//   node t/chain/swap.js ENVDIR --reserves
//        print the pool's reserves and mid price (USDT per BTCB) as JSON
//   node t/chain/swap.js ENVDIR --to-price P [--no-wait] [--timeout S]
//        one router swap (swapExactTokensForTokens, 0.3% fee included) so that
//        the mid price reserve_usdt / reserve_btcb becomes P
//   node t/chain/swap.js ENVDIR --swap BTCB|USDT AMOUNT [--no-wait] [--timeout S]
//        swap exactly AMOUNT (whole tokens, decimals allowed) of BTCB or USDT for the other
//
// Prints one JSON object on stdout; exits non-zero with a message on stderr on failure.
// With --no-wait it prints the transaction hash without waiting for it to be mined
// (useful when automine is off). Test tooling only.

const { ethers } = require("ethers");
const { readChainEnv, readKeyFile, artifact, ARTIFACTS, formatUnits, parseUnits, bigSqrt } = require("./common");

function usage(msg) {
  if (msg) process.stderr.write(`swap.js: ${msg}\n`);
  process.stderr.write(
    "usage: swap.js ENVDIR --reserves\n" +
      "       swap.js ENVDIR --to-price P [--no-wait] [--timeout S]\n" +
      "       swap.js ENVDIR --swap BTCB|USDT AMOUNT [--no-wait] [--timeout S]\n"
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = { envdir: argv[2], mode: null, wait: true, timeout: 60 };
  if (!o.envdir || o.envdir.startsWith("--")) usage("ENVDIR missing");
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--reserves") o.mode = "reserves";
    else if (a === "--to-price" && i + 1 < argv.length) {
      o.mode = "to-price";
      o.price = argv[++i];
    } else if (a === "--swap" && i + 2 < argv.length) {
      o.mode = "swap";
      o.tokenIn = argv[++i].toUpperCase();
      o.amount = argv[++i];
      if (o.tokenIn !== "BTCB" && o.tokenIn !== "USDT") usage("--swap takes BTCB or USDT");
    } else if (a === "--no-wait") o.wait = false;
    else if (a === "--timeout" && i + 1 < argv.length) o.timeout = Number(argv[++i]);
    else usage(`bad argument: ${a}`);
  }
  if (!o.mode) usage("one of --reserves, --to-price, --swap is required");
  if (!(o.timeout > 0)) usage("--timeout must be > 0");
  return o;
}

// Price as a fixed-point number with 18 decimals: USDT (whole) per BTCB (whole).
const PSCALE = 10n ** 18n;

async function poolState(env, provider) {
  const pair = new ethers.Contract(env.PAIR_BTCB_USDT, artifact(ARTIFACTS.pair).abi, provider);
  const [r, block] = await Promise.all([pair.getReserves({ blockTag: "latest" }), provider.getBlockNumber()]);
  const btcbIs0 = env.PAIR_BTCB_USDT_TOKEN0.toLowerCase() === env.BTCB.toLowerCase();
  const rB = btcbIs0 ? r[0] : r[1];
  const rU = btcbIs0 ? r[1] : r[0];
  return { rB, rU, block };
}

function describe(env, st) {
  const dB = Number(env.BTCB_DECIMALS || 18);
  const dU = Number(env.USDT_DECIMALS || 18);
  // price = (rU / 10^dU) / (rB / 10^dB), as 18-decimal fixed point
  const priceFx = (st.rU * 10n ** BigInt(dB) * PSCALE) / (st.rB * 10n ** BigInt(dU));
  return {
    pair: env.PAIR_BTCB_USDT,
    block: st.block,
    reserve_btcb: formatUnits(st.rB, dB),
    reserve_usdt: formatUnits(st.rU, dU),
    reserve_btcb_wei: st.rB.toString(),
    reserve_usdt_wei: st.rU.toString(),
    price: Number(formatUnits(priceFx, 18)),
    price_str: formatUnits(priceFx, 18),
  };
}

// Exact input for one swap that moves reserve_usdt/reserve_btcb (raw units) to
// target = pNum/pDen, with the pair's 0.3% fee (997/1000) and floor rounding.
//  USDT in (price up):   (rU + a)(1000 rU + 997 a) = 1000 rU rB * target
//  BTCB in (price down): (rB + a)(1000 rB + 997 a) = 1000 rU rB / target
// Both are 997 a^2 + 1997 r a + 1000 r^2 - C = 0 with r the input-side reserve.
function inputForPrice(rB, rU, pNum, pDen) {
  const up = rU * pDen < pNum * rB;
  const r = up ? rU : rB;
  const C = up ? (1000n * rU * rB * pNum) / pDen : (1000n * rU * rB * pDen) / pNum;
  const b = 1997n * r;
  const disc = b * b - 4n * 997n * (1000n * r * r - C);
  if (disc < 0n) return { up, amountIn: 0n };
  let a = (bigSqrt(disc) - b) / (2n * 997n);
  if (a < 0n) a = 0n;
  return { up, amountIn: a };
}

async function main() {
  const o = parseArgs(process.argv);
  const env = readChainEnv(o.envdir);
  const provider = new ethers.JsonRpcProvider(env.CHAIN_RPC_URL, Number(env.CHAIN_ID), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 100,
  });
  const dB = Number(env.BTCB_DECIMALS || 18);
  const dU = Number(env.USDT_DECIMALS || 18);
  const before = await poolState(env, provider);
  if (o.mode === "reserves") {
    process.stdout.write(JSON.stringify(describe(env, before)) + "\n");
    return;
  }

  let tokenIn, amountIn;
  if (o.mode === "to-price") {
    const pFx = parseUnits(o.price, 18);
    if (pFx === 0n) throw new Error("price must be > 0");
    // target in raw units: P * 10^dU / 10^dB
    const pNum = pFx * 10n ** BigInt(dU);
    const pDen = PSCALE * 10n ** BigInt(dB);
    const r = inputForPrice(before.rB, before.rU, pNum, pDen);
    tokenIn = r.up ? "USDT" : "BTCB";
    amountIn = r.amountIn;
  } else {
    tokenIn = o.tokenIn;
    amountIn = parseUnits(o.amount, tokenIn === "BTCB" ? dB : dU);
  }
  if (amountIn === 0n) {
    process.stdout.write(JSON.stringify({ ...describe(env, before), swapped: false }) + "\n");
    return;
  }

  const wallet = new ethers.Wallet(readKeyFile(env.REPLAYER_KEY_FILE), provider);
  const router = new ethers.Contract(env.ROUTER, artifact(ARTIFACTS.router).abi, wallet);
  const path = tokenIn === "BTCB" ? [env.BTCB, env.USDT] : [env.USDT, env.BTCB];
  const amounts = await router.getAmountsOut(amountIn, path);
  const deadline = Math.floor(Date.now() / 1000) + 600;
  // The replayer only pushes the price: no slippage bound (amountOutMin = 0).
  const tx = await router.swapExactTokensForTokens(amountIn, 0n, path, wallet.address, deadline);
  const info = {
    swapped: true,
    tx: tx.hash,
    token_in: tokenIn,
    amount_in: formatUnits(amountIn, tokenIn === "BTCB" ? dB : dU),
    amount_in_wei: amountIn.toString(),
    quoted_out_wei: amounts[1].toString(),
  };
  if (!o.wait) {
    process.stdout.write(JSON.stringify({ ...info, pending: true }) + "\n");
    return;
  }
  const rc = await tx.wait(1, o.timeout * 1000);
  if (!rc || rc.status !== 1) throw new Error(`swap ${tx.hash} failed`);
  const after = await poolState(env, provider);
  process.stdout.write(JSON.stringify({ ...describe(env, after), ...info, gas_used: rc.gasUsed.toString() }) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`swap.js: error: ${e && (e.shortMessage || e.message) ? e.shortMessage || e.message : e}\n`);
    process.exit(1);
  }
);
