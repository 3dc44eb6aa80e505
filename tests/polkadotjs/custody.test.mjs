// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// Key custody with the patient on stock @polkadot/api only (no custom types, no `ehr`
// client), as a patient in Polkadot.js apps: after a doctor wrote a record with the `ehr`
// client, the patient registers an encryption key, confirms, approves an insurer's
// request and appoints a guardian — and the insurer and the guardian then read and decrypt
// the record with the `ehr` client, the key released by the node. Last, the patient reads
// the record the way a browser wallet that can only sign does: a key request signed with
// @polkadot/keyring for a fresh session key, the record key unwrapped and the blob
// decrypted in JavaScript (x25519, HKDF-SHA256, XChaCha20-Poly1305 from @noble).
//
// EHR_NODE_BIN and EHR_CLI_BIN name the node and client binaries (scripts/test.sh sets
// them).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sha256AsU8a } from '@polkadot/util-crypto';
import { x25519 } from '@noble/curves/ed25519';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { randomBytes } from '@noble/hashes/utils';
import { logTail, rpc, sendAndFinalize, startDevNode, stopProcess } from '../lib/devnode.mjs';

const NODE = process.env.EHR_NODE_BIN;
const EHR = process.env.EHR_CLI_BIN;

let node, api, dir, keyring, genesis;

before(async () => {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  assert.ok(EHR, 'set EHR_CLI_BIN to the ehr client binary');
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-custody-js-'));
  node = await startDevNode(NODE, dir, { blocks: 1 });
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${node.rpcPort}`), noInitWarn: true });
  genesis = api.genesisHash.toU8a();
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await stopProcess(node);
  if (process.exitCode && node) console.error(logTail(node));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs the `ehr` client as `suri`; returns its standard output.
function ehr(suri, ...args) {
  return execFileSync(EHR, ['--node', `ws://127.0.0.1:${node.rpcPort}`, '--suri', suri, ...args], {
    timeout: 180_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EHR_PINS: path.join(dir, 'pins.json') },
  }).toString();
}

function u64(value) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

const PURPOSES = { treatment: 0, payment: 1, operations: 2, research: 3 };

// The ehr-chain key wrap: ephemeral x25519 public ‖ nonce ‖ XChaCha20-Poly1305(secret),
// keyed by HKDF-SHA256 of the shared secret, salt and AAD = ephemeral ‖ recipient.
function unwrap(wrapped, secret) {
  const ephemeral = wrapped.slice(0, 32);
  const nonce = wrapped.slice(32, 56);
  const mine = x25519.getPublicKey(secret);
  const shared = x25519.getSharedSecret(secret, ephemeral);
  const context = u8aConcat(ephemeral, mine);
  const key = hkdf(sha256, shared, context, stringToU8a('ehr-chain/record-key-wrap/v1'), 32);
  return xchacha20poly1305(key, nonce, context).decrypt(wrapped.slice(56));
}

test('the patient acts in Polkadot.js only; the grantees and the patient read', async () => {
  const charlie = keyring.addFromUri('//Charlie'); // the patient (dev chain)
  const alice = keyring.addFromUri('//Alice'); // the hospital
  const dave = keyring.addFromUri('//Dave'); // an insurer
  const eve = keyring.addFromUri('//Eve'); // an admin of Alice's hospital: the guardian

  // The patient's encryption key, made in the browser and registered from Polkadot.js.
  const patientSecret = sha256(stringToU8a('the patient keeps this in the browser'));
  await sendAndFinalize(api, api.tx.registry.updateProfile(null, u8aToHex(x25519.getPublicKey(patientSecret))), charlie);
  await sendAndFinalize(api, api.tx.consent.grant(charlie.address, alice.address, 'AllRecords', 'Treatment', null), charlie);

  // The doctor and the other readers use the `ehr` client.
  for (const suri of ['//Bob', '//Dave', '//Eve']) ehr(suri, 'register-key');
  const input = path.join(dir, 'record.json');
  writeFileSync(input, JSON.stringify({
    patientId: 'P-0100', gender: 'female', age: 29, disease: 'Asthma',
    diagnosis: 'FEV1 72 % of predicted', location: 'Pulmonology, Alice General Hospital',
    medication: 'Budesonide/formoterol as needed', suggestion: 'Avoid smoke and cold air',
    nextReview: '2027-01-15', notes: 'Uses a spacer.', date: '2026-12-02', doctor: 'Bob',
    hospitalId: 'H-ALICE',
  }));
  const written = ehr('//Bob', 'record', 'write', '--patient', charlie.address, '--input', input, '--category', 'Condition');
  const record = Number(/record (\d+) \(version 1\)/.exec(written)[1]);

  // The patient confirms, approves the insurer's request and appoints a guardian: all in
  // Polkadot.js, with no key handed over by the patient.
  await sendAndFinalize(api, api.tx.records.confirm(record), charlie);
  ehr('//Dave', 'consent', 'request', '--patient', charlie.address, '--purpose', 'payment', '--reason', 'claim');
  const requests = await api.call.consentApi.requestsOf(charlie.address, 0, 100);
  const request = requests.find((r) => r.requester.toString() === dave.address);
  assert.ok(request, 'the insurer asked');
  await sendAndFinalize(api, api.tx.consent.approveRequest(charlie.address, request.id, null), charlie);
  await sendAndFinalize(api, api.tx.consent.appointGuardian(eve.address), charlie);
  const davesKey = await api.call.recordsApi.wrappedKey(record, dave.address);
  assert.ok(davesKey.isNone, 'the patient handed nothing over');

  // The insurer and the guardian read and decrypt with the `ehr` client.
  for (const [suri, purpose] of [['//Dave', 'payment'], ['//Eve', 'treatment']]) {
    const bundle = JSON.parse(ehr(suri, 'record', 'read', String(record), '--purpose', purpose));
    assert.equal(bundle.resourceType, 'Bundle');
    assert.ok(JSON.stringify(bundle).includes('Budesonide'), `${suri} decrypted the record`);
  }

  // The patient's own read, as a browser wallet does it: sign a key request for a fresh
  // session key, unwrap the released key, fetch the blob, decrypt.
  const session = randomBytes(32);
  const recipient = x25519.getPublicKey(session);
  const issuedAt = Date.now();
  const keyRequest = u8aConcat(
    stringToU8a('ehr-chain/key-release/v1'), genesis, charlie.publicKey, u64(record),
    new Uint8Array([PURPOSES.treatment]), recipient, u64(issuedAt),
  );
  const released = await rpc(node.rpcPort, 'ehr_releaseKey', [{
    record, reader: charlie.address, purpose: 'treatment', recipient: u8aToHex(recipient),
    genesis: u8aToHex(genesis), issuedAt, signature: u8aToHex(charlie.sign(keyRequest)),
  }]);
  assert.equal(released.basis, 'Owner');
  const recordKey = unwrap(hexToU8a(released.custodian), session);

  const getIssuedAt = Date.now();
  const getRequest = u8aConcat(
    stringToU8a('ehr-chain/blob-get/v1'), genesis, charlie.publicKey, u64(record),
    new Uint8Array([PURPOSES.treatment]), u64(getIssuedAt),
  );
  const served = await rpc(node.rpcPort, 'ehr_getBlob', [{
    record, reader: charlie.address, purpose: 'treatment', genesis: u8aToHex(genesis),
    issuedAt: getIssuedAt, signature: u8aToHex(charlie.sign(getRequest)),
  }]);
  const blob = hexToU8a(served.blob);
  const view = (await api.call.recordsApi.record(record)).unwrap();
  assert.equal(u8aToHex(sha256AsU8a(blob)), view.ciphertextSha256.toHex());
  // Blob: magic ‖ uuid ‖ version (the AAD), nonce, ciphertext ‖ tag.
  const plaintext = xchacha20poly1305(recordKey, blob.slice(24, 48), blob.slice(0, 24)).decrypt(blob.slice(48));
  const bundle = JSON.parse(new TextDecoder().decode(plaintext));
  assert.equal(bundle.resourceType, 'Bundle');

  // Every release is in the patient's audit trail, with its basis and the hospital.
  const trail = await api.call.consentApi.auditOf(charlie.address, 0, 100);
  const releases = trail.filter((entry) => entry.event.action.type === 'KeyReleased');
  const seen = releases.map((entry) => [entry.event.actor.toString(), entry.event.basis.unwrap().type]);
  for (const [reader, basis] of [[dave.address, 'Grant'], [eve.address, 'Guardian'], [charlie.address, 'Owner']]) {
    assert.ok(seen.some(([a, b]) => a === reader && b === basis), `${reader} ${basis} in ${JSON.stringify(seen)}`);
  }
  assert.ok(releases.every((entry) => entry.event.via.unwrap().toString() === alice.address));
});
