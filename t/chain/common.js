"use strict";
// Helpers shared by deploy.js, swap.js and rpc.js (t/chain). Test tooling only.

const fs = require("fs");
const path = require("path");
const http = require("http");

// One JSON-RPC call over HTTP with a hard timeout; resolves to `result`,
// rejects on transport error, timeout or JSON-RPC error.
function rpcCall(url, method, params = [], timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
    const u = new URL(url);
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname || "/",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (data += c));
        res.on("end", () => {
          let j;
          try {
            j = JSON.parse(data);
          } catch (e) {
            reject(new Error(`${method}: bad JSON reply (HTTP ${res.statusCode})`));
            return;
          }
          if (j.error) reject(new Error(`${method}: ${j.error.message || JSON.stringify(j.error)}`));
          else resolve(j.result);
        });
      }
    );
    req.on("timeout", () => req.destroy(new Error(`${method}: timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

// Parse ENVDIR/chain.env (KEY=value lines, as written by deploy.js).
function readChainEnv(envdir) {
  const file = path.join(envdir, "chain.env");
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e.code || e.message} (is the chain started?)`);
  }
  const env = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
  }
  return env;
}

function readKeyFile(file) {
  const k = fs.readFileSync(file, "utf8").trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(k)) throw new Error(`${file}: not a 0x-prefixed 32-byte hex key`);
  return k;
}

// Precompiled artifacts shipped by the @uniswap npm packages.
function artifact(pkgRelPath) {
  const j = require(pkgRelPath);
  let bytecode = typeof j.bytecode === "string" ? j.bytecode : j.evm && j.evm.bytecode && j.evm.bytecode.object;
  if (bytecode && !bytecode.startsWith("0x")) bytecode = "0x" + bytecode;
  return { abi: j.abi, bytecode };
}

const ARTIFACTS = {
  factory: "@uniswap/v2-core/build/UniswapV2Factory.json",
  pair: "@uniswap/v2-core/build/UniswapV2Pair.json",
  erc20: "@uniswap/v2-core/build/ERC20.json",
  router: "@uniswap/v2-periphery/build/UniswapV2Router02.json",
  weth: "@uniswap/v2-periphery/build/WETH9.json",
};

// Format a non-negative bigint amount with `decimals` as a decimal string.
function formatUnits(v, decimals) {
  const neg = v < 0n;
  if (neg) v = -v;
  const base = 10n ** BigInt(decimals);
  const ip = v / base;
  let fp = (v % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return (neg ? "-" : "") + ip.toString() + (fp ? "." + fp : "");
}

// Parse a decimal string into a bigint scaled by 10^decimals (truncating).
function parseUnits(s, decimals) {
  s = String(s).trim();
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === "" && (m[2] === undefined || m[2] === ""))) throw new Error(`bad decimal number: ${s}`);
  const ip = m[1] || "0";
  const fp = (m[2] || "").slice(0, decimals).padEnd(decimals, "0");
  return BigInt(ip) * 10n ** BigInt(decimals) + BigInt(fp || "0");
}

function bigSqrt(n) {
  if (n < 0n) throw new Error("sqrt of negative");
  if (n < 2n) return n;
  // Newton's method from above; converges to floor(sqrt(n)).
  let x = n;
  let y = (x + 1n) >> 1n;
  while (y < x) {
    x = y;
    y = (x + n / x) >> 1n;
  }
  return x;
}

module.exports = { rpcCall, readChainEnv, readKeyFile, artifact, ARTIFACTS, formatUnits, parseUnits, bigSqrt };
