// Polkadot.js (@polkadot/api, no custom types, no type bundle) against a real ehr-node
// dev chain on 127.0.0.1: metadata, storage and runtime APIs decode; transactions sign,
// submit and finalize; the membership gate's refusal reaches the client.
//
// EHR_NODE_BIN names the node binary (scripts/test.sh sets it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sha256AsU8a } from '@polkadot/util-crypto';

const NODE = process.env.EHR_NODE_BIN;
const FINALITY_MS = 60_000;

let node, api, dir, keyring;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Waits (bounded) until the node answers JSON-RPC over HTTP, then connects over WebSocket.
async function connect(port, deadline) {
  for (;;) {
    if (node.exited !== undefined) throw new Error(`ehr-node exited (${node.exited})`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
      });
      if (response.ok) break;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`node RPC not ready on port ${port}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${port}`), noInitWarn: true });
}

before(async () => {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-polkadotjs-'));
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const log = createWriteStream(path.join(dir, 'node.log'));
  node = spawn(NODE, [
    '--dev', '--base-path', dir, '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--no-mdns', '--no-prometheus', '--no-telemetry',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  node.stdout.pipe(log);
  node.stderr.pipe(log);
  node.on('exit', (code) => { node.exited = code ?? 'signal'; });
  api = await connect(rpcPort, Date.now() + 60_000);
});

after(async () => {
  await api?.disconnect().catch(() => {});
  if (node && node.exited === undefined) {
    node.kill('SIGTERM');
    const killer = setTimeout(() => node.kill('SIGKILL'), 20_000);
    await new Promise((r) => node.once('exit', r));
    clearTimeout(killer);
  }
  if (process.exitCode && dir) {
    console.error(readFileSync(path.join(dir, 'node.log'), 'utf8').split('\n').slice(-40).join('\n'));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Signs and sends `tx`; resolves with the events once its block is finalized, rejects on
// a dispatch error, a pool refusal or the time limit.
function sendAndFinalize(tx, signer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not finalized in time')), FINALITY_MS);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        clearTimeout(timer);
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : dispatchError;
        reject(new Error(`dispatch failed: ${JSON.stringify(detail)}`));
      } else if (status.isFinalized) {
        clearTimeout(timer);
        resolve(events);
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        clearTimeout(timer);
        reject(new Error(`transaction ${status.type}`));
      }
    }).catch((e) => { clearTimeout(timer); reject(e); });
  });
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
  const events = await sendAndFinalize(api.tx.system.remark('hello from polkadot.js'), alice);
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)));
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
    api.tx.registry.apply('Patient', alice.address, '0x' + '24'.repeat(32), '0x' + '42'.repeat(32), 0),
    ferdie,
  );
  assert.ok(applied.some(({ event }) => api.events.registry.Applied.is(event)));
  const pending = await api.call.registryApi.pendingApplication(ferdie.address);
  assert.equal(pending.unwrap().role.type, 'Patient');

  const activated = await sendAndFinalize(api.tx.registry.activatePatient(ferdie.address), eve);
  assert.ok(activated.some(({ event }) => api.events.registry.PatientActivated.is(event)));

  const events = await sendAndFinalize(api.tx.system.remark('now a patient'), ferdie);
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
    api.tx.records.create(charlie.address, 'Condition', u8aToHex(cid), u8aToHex(digest), wrapped(1), wrapped(2)),
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
