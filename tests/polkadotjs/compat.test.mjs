// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// Polkadot.js (@polkadot/api, no custom types, no type bundle) against a real ehr-node
// dev chain on 127.0.0.1: metadata, storage and runtime APIs decode; transactions sign,
// submit and finalize; the membership gate's refusal reaches the client.
//
// EHR_NODE_BIN names the node binary (scripts/test.sh sets it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sha256AsU8a } from '@polkadot/util-crypto';
import { logTail, sendAndFinalize as finalized, startDevNode, stopProcess } from '../lib/devnode.mjs';

const NODE = process.env.EHR_NODE_BIN;

let node, api, dir, keyring;

before(async () => {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-polkadotjs-'));
  node = await startDevNode(NODE, dir, { blocks: 1 });
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${node.rpcPort}`), noInitWarn: true });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await stopProcess(node);
  if (process.exitCode && node) console.error(logTail(node));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Signs and sends `tx`; resolves with the events once its block is finalized.
async function sendAndFinalize(tx, signer) {
  return (await finalized(api, tx, signer)).events;
}

test('metadata decodes with no custom types and exposes runtime APIs', async () => {
  assert.equal(api.runtimeVersion.specName.toString(), 'ehr-chain');
  assert.ok(api.runtimeMetadata.version >= 15, `metadata V${api.runtimeMetadata.version}`);
  assert.ok(api.registry.signedExtensions.includes('CheckMembership'));
  assert.equal(typeof api.tx.registry.apply, 'function');
  assert.equal(typeof api.tx.registry.activateDoctor, 'function');
  assert.equal(typeof api.call.registryApi.standing, 'function');
  assert.equal(typeof api.call.registryApi.mayAct, 'function');
});

test('storage and runtime API results decode', async () => {
  const bob = keyring.addFromUri('//Bob').address;
  const member = await api.query.registry.members(bob);
  assert.ok(member.isSome);
  assert.equal(member.unwrap().role.type, 'Doctor');

  const mayAct = await api.call.registryApi.mayAct(keyring.addFromUri('//Alice').address);
  assert.ok(mayAct.isOk);
  assert.equal(mayAct.asOk.type, 'Hospital');

  const ferdie = keyring.addFromUri('//Ferdie').address;
  const notMember = await api.call.registryApi.mayAct(ferdie);
  assert.ok(notMember.isErr);
  assert.equal(notMember.asErr.type, 'NotRegistered');

  const standing = await api.call.registryApi.standing(bob);
  assert.equal(standing.unwrap().role.type, 'Doctor');
});

test('a member signs and submits; the transaction is finalized', async () => {
  const alice = keyring.addFromUri('//Alice');
  const events = await sendAndFinalize(
    api.tx.registry.updateProfile('0x' + '11'.repeat(32), null), alice,
  );
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));
});

test('a member may not remark: the pool names the registry error CallNotForRole', async () => {
  const alice = keyring.addFromUri('//Alice');
  const index = api.errors.registry.CallNotForRole.meta.index.toNumber();
  await assert.rejects(
    api.tx.system.remark('free storage').signAndSend(alice),
    (e) => /1010/.test(e.message) && new RegExp(`Custom error: ${index}\\b`).test(e.message),
  );
});

test('an outsider is refused at submission with the registry error code', async () => {
  const ferdie = keyring.addFromUri('//Ferdie');
  await assert.rejects(
    api.tx.system.remark('let me in').signAndSend(ferdie),
    (e) => /1010/.test(e.message) && /Custom error: 0/.test(e.message),
  );
});

test('an outsider applies without a nonce and a hospital admin activates them', async () => {
  const ferdie = keyring.addFromUri('//Ferdie');
  const alice = keyring.addFromUri('//Alice');
  const eve = keyring.addFromUri('//Eve'); // an admin of Alice's hospital on dev
  const applied = await sendAndFinalize(
    // The ticket names a recent block (any nonce meets difficulty 0 on dev).
    api.tx.registry.apply(
      'Patient', alice.address, '0x' + '24'.repeat(32), '0x' + '42'.repeat(32),
      (await api.rpc.chain.getHeader()).number.toNumber() - 1, 0,
    ),
    ferdie,
  );
  assert.ok(applied.some(({ event }) => api.events.registry.Applied.is(event)));
  const pending = await api.call.registryApi.pendingApplication(ferdie.address);
  assert.equal(pending.unwrap().role.type, 'Patient');

  const activated = await sendAndFinalize(api.tx.registry.activatePatient(ferdie.address), eve);
  assert.ok(activated.some(({ event }) => api.events.registry.PatientActivated.is(event)));

  const events = await sendAndFinalize(
    api.tx.registry.updateProfile('0x' + '25'.repeat(32), null), ferdie,
  );
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));
});

test('a record is anchored under consent, confirmed, and read back through runtime APIs', async () => {
  const charlie = keyring.addFromUri('//Charlie'); // a patient of Alice's hospital on dev
  const bob = keyring.addFromUri('//Bob'); // a doctor there
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave'); // an insurer

  // The patient gives the hospital a treatment relationship.
  const granted = await sendAndFinalize(
    api.tx.consent.grant(charlie.address, alice.address, 'AllRecords', 'Treatment', null),
    charlie,
  );
  assert.ok(granted.some(({ event }) => api.events.consent.AccessGranted.is(event)));

  // The doctor anchors an (already encrypted) record: CIDv1, raw, sha2-256 of the bytes.
  const ciphertext = new TextEncoder().encode('sealed bytes standing in for an encrypted FHIR Bundle');
  const digest = sha256AsU8a(ciphertext);
  const cid = u8aConcat(new Uint8Array([0x01, 0x55, 0x12, 0x20]), digest);
  const wrapped = (byte) => u8aToHex(new Uint8Array(104).fill(byte));
  const created = await sendAndFinalize(
    api.tx.records.create(charlie.address, 'Condition', u8aToHex(cid), u8aToHex(digest), { patient: wrapped(1), author: wrapped(2), custodian: wrapped(3), escrow: [] }),
    bob,
  );
  const event = created.find(({ event }) => api.events.records.RecordCreated.is(event));
  assert.ok(event, 'RecordCreated');
  const record = event.event.data.record.toNumber();

  await sendAndFinalize(api.tx.records.confirm(record), charlie);

  const records = await api.call.recordsApi.recordsOf(charlie.address, 0, 10);
  const view = records.find((r) => r.id.toNumber() === record);
  assert.equal(view.status.type, 'Confirmed');
  assert.equal(view.category.type, 'Condition');
  assert.equal(view.cid.unwrap().toHex(), u8aToHex(cid));

  const author = await api.call.consentApi.canAccess(bob.address, charlie.address, { Record: record }, 'Treatment');
  assert.equal(author.asOk.type, 'Author');
  const insurer = await api.call.consentApi.canAccess(dave.address, charlie.address, { Record: record }, null);
  assert.equal(insurer.asErr.type, 'NoGrant');

  const key = await api.call.recordsApi.wrappedKey(record, charlie.address);
  assert.equal(key.unwrap().key.toHex(), wrapped(1));

  const trail = await api.call.consentApi.auditOf(charlie.address, 0, 50);
  const actions = trail.map((entry) => entry.event.action.type);
  for (const action of ['AccessGranted', 'RecordDocumented', 'RecordConfirmed']) {
    assert.ok(actions.includes(action), `${action} in ${actions}`);
  }
});
