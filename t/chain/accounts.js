"use strict";
// Test accounts of the local chain (t/chain). TEST KEYS ONLY: they derive from
// the well-known Hardhat/Foundry development mnemonic and are public.
// Shared by hardhat.config.js (genesis accounts) and deploy.js (key files).

const MNEMONIC = "test test test test test test test test test test test junk";
const HD_PATH = "m/44'/60'/0'/0"; // account i is HD_PATH + "/" + i
const COUNT = 20;

// Which genesis account plays which role. The deployer owns the contracts and
// the initial liquidity; the others are distinct accounts.
const ROLES = {
  deployer: 0,
  treasury: 1,
  trader1: 2,
  trader2: 3,
  replayer: 4,
};

module.exports = { MNEMONIC, HD_PATH, COUNT, ROLES };
