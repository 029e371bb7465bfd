#!/usr/bin/env node
"use strict";
// Small JSON-RPC / process helper for the t/chain/chain shell script.
//
//   rpc.js freeport START [COUNT]      print the first free 127.0.0.1 TCP port >= START
//   rpc.js wait URL PID LOG SECONDS    wait until process PID logged that it listens on URL's
//                                      port and URL answers eth_chainId == 0x38;
//                                      exit 0 ready, 1 timeout, 3 process died, 4 port in use
//   rpc.js call URL METHOD [PARAMS]    call METHOD with PARAMS (a JSON array), print the result as JSON
//   rpc.js alive URL                   exit 0 if URL answers eth_chainId == 0x38 within 2 s

const fs = require("fs");
const net = require("net");
const { rpcCall } = require("./common");

function die(msg, code = 2) {
  process.stderr.write(`rpc.js: ${msg}\n`);
  process.exit(code);
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "127.0.0.1", port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

// A process counts as gone when it does not exist or is a zombie.
function processAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code === "ESRCH") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
  } catch (e) {
    if (e.code === "ENOENT" && fs.existsSync("/proc/self")) return false;
  }
  return true;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [cmd, ...a] = process.argv.slice(2);
  switch (cmd) {
    case "freeport": {
      const start = Number(a[0] || 8545);
      const count = Number(a[1] || 200);
      for (let p = start; p < start + count && p < 65536; p++) {
        if (await portFree(p)) {
          process.stdout.write(`${p}\n`);
          return 0;
        }
      }
      die(`no free port in ${start}..${start + count - 1}`, 1);
      break;
    }
    case "wait": {
      const [url, pidS, log, secS] = a;
      if (!url || !pidS || !log || !secS) die("usage: wait URL PID LOG SECONDS");
      const pid = Number(pidS);
      const port = new URL(url).port;
      const banner = `JSON-RPC server at http://127.0.0.1:${port}/`;
      const until = Date.now() + Number(secS) * 1000;
      while (Date.now() < until) {
        let text = "";
        try {
          text = fs.readFileSync(log, "utf8");
        } catch (e) {
          /* not created yet */
        }
        if (!processAlive(pid)) {
          if (/EADDRINUSE/.test(text)) return 4;
          return 3;
        }
        if (text.includes(banner)) {
          try {
            const id = await rpcCall(url, "eth_chainId", [], 2000);
            if (id === "0x38") return 0;
            die(`${url} answers chain id ${id}, expected 0x38`, 1);
          } catch (e) {
            /* not ready yet */
          }
        }
        await sleep(100);
      }
      return 1;
    }
    case "call": {
      const [url, method, params] = a;
      if (!url || !method) die("usage: call URL METHOD [PARAMS_JSON_ARRAY]");
      let p = [];
      if (params !== undefined) {
        try {
          p = JSON.parse(params);
        } catch (e) {
          die(`PARAMS is not JSON: ${params}`);
        }
        if (!Array.isArray(p)) die("PARAMS must be a JSON array");
      }
      try {
        const r = await rpcCall(url, method, p, 10000);
        process.stdout.write(JSON.stringify(r) + "\n");
      } catch (e) {
        die(e.message, 1);
      }
      return 0;
    }
    case "alive": {
      try {
        return (await rpcCall(a[0], "eth_chainId", [], 2000)) === "0x38" ? 0 : 1;
      } catch (e) {
        return 1;
      }
    }
    default:
      die("usage: rpc.js freeport|wait|call|alive ...");
  }
  return 0;
}

main().then(
  (code) => process.exit(code || 0),
  (e) => die(e && e.message ? e.message : String(e), 1)
);
