#!/usr/bin/env node
// keystore-tool.js: cross-check bsc-mm's keystore files with ethers v6.
//
//   node t/chain/keystore-tool.js decrypt FILE PASSWORD
//       prints the checksummed address of the key in FILE
//   node t/chain/keystore-tool.js encrypt KEYHEX PASSWORD OUTFILE [N]
//       writes a Web3 Secret Storage v3 file (mode 0600) for the key,
//       scrypt N (default 1024, light, for tests; r=8 p=1), and prints
//       its address
//
// Exit status 0 on success, 1 on a decryption/encryption error, 2 on bad
// usage. Never prints the password or the key.
'use strict';

const fs = require('fs');
const path = require('path');
const { ethers } = require(path.join(__dirname, 'node_modules', 'ethers'));

function usage() {
	process.stderr.write('usage: keystore-tool.js decrypt FILE PASSWORD\n' +
	    '       keystore-tool.js encrypt KEYHEX PASSWORD OUTFILE [N]\n');
	process.exit(2);
}

async function main(argv) {
	const cmd = argv[0];

	if (cmd === 'decrypt' && argv.length === 3) {
		const json = fs.readFileSync(argv[1], 'utf8');
		const acct = await ethers.decryptKeystoreJson(json, argv[2]);
		process.stdout.write(acct.address + '\n');
		return;
	}
	if (cmd === 'encrypt' && (argv.length === 4 || argv.length === 5)) {
		let key = argv[1];
		if (!key.startsWith('0x'))
			key = '0x' + key;
		const n = argv.length === 5 ? Number(argv[4]) : 1024;
		if (!Number.isInteger(n) || n < 2)
			usage();
		const w = new ethers.Wallet(key);
		const json = await ethers.encryptKeystoreJson(
		    { address: w.address, privateKey: w.privateKey },
		    argv[2], { scrypt: { N: n, r: 8, p: 1 } });
		const tmp = argv[3] + '.tmp-' + process.pid;
		fs.writeFileSync(tmp, json, { mode: 0o600, flag: 'wx' });
		fs.renameSync(tmp, argv[3]);
		process.stdout.write(w.address + '\n');
		return;
	}
	usage();
}

main(process.argv.slice(2)).catch((e) => {
	// ethers' messages name the failure ("incorrect password"), not
	// the inputs.
	process.stderr.write('keystore-tool: ' + (e.shortMessage || e.message) +
	    '\n');
	process.exit(1);
});
