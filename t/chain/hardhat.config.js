"use strict";
// Hardhat 2 configuration of the local test chain (see README.md).
// Nothing is ever compiled: deploy.js deploys the precompiled Uniswap V2
// artifacts shipped by the @uniswap npm packages, so the compile task is
// replaced by a no-op and no solc download can ever be attempted.

process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = "true";

const path = require("path");
const { task } = require("hardhat/config");
const { TASK_COMPILE } = require("hardhat/builtin-tasks/task-names");
const { MNEMONIC, HD_PATH, COUNT } = require("./accounts");

task(TASK_COMPILE, "Disabled: this project only deploys precompiled artifacts")
  .setAction(async () => {});

module.exports = {
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      chainId: 56, // BNB Smart Chain mainnet id, so signed transactions look like BSC ones
      hardfork: "prague",
      accounts: {
        mnemonic: MNEMONIC,
        path: HD_PATH,
        count: COUNT,
        accountsBalance: "100000000000000000000000", // 100,000 BNB each
      },
      mining: { auto: true, interval: 0 },
    },
  },
  // No Solidity sources: point at a directory that holds none.
  paths: {
    root: __dirname,
    sources: path.join(__dirname, "no-sources"),
    cache: path.join(__dirname, "cache"),
    artifacts: path.join(__dirname, "artifacts"),
  },
};
