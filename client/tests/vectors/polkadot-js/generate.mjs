// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// Writes the Polkadot.js keystore exports in this folder with the Polkadot.js libraries the
// JavaScript tests pin (tests/polkadotjs/package.json: @polkadot/keyring 14.0.3):
//   (cd tests/polkadotjs && npm ci) && node client/tests/vectors/polkadot-js/generate.mjs
// Each export is `pair.toJson(password)`, as Polkadot.js apps' "Export account" writes it
// (scrypt N=2^17 r=8 p=1, xsalsa20-poly1305), with `whenCreated` zeroed. The files are new
// on every run (random salt and nonce); the tests check what they decrypt to, not the bytes.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '../../../../tests/polkadotjs/node_modules/@polkadot');
const { Keyring } = await import(join(modules, 'keyring/index.js'));
const { cryptoWaitReady } = await import(join(modules, 'util-crypto/index.js'));
await cryptoWaitReady();

const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const vectors = [
	['alice.json', 42, '//Alice', 'Alice (ehr-chain test vector)', 'correct horse battery staple'],
	['alice-polkadot-prefix.json', 0, '//Alice', 'Alice on Polkadot', 'correct horse battery staple'],
	['soft-derived.json', 42, `${DEV_PHRASE}//ehr/soft`, 'soft', 'pässwörd ✓'],
];
for (const [file, ss58Format, uri, name, password] of vectors) {
	const pair = new Keyring({ type: 'sr25519', ss58Format }).addFromUri(uri, { name });
	const json = pair.toJson(password);
	json.meta.whenCreated = 0;
	writeFileSync(join(here, file), JSON.stringify(json, null, 2) + '\n');
	console.log(file, pair.address);
}
