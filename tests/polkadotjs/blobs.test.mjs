// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// The node's blob store as an integrator uses it from JavaScript, with keys held by
// @polkadot/keyring and IPFS's own libraries as the judge: a doctor's signed put, the
// content id checked with `multiformats` (CIDv1, raw, sha2-256), an anchor through
// @polkadot/api, a patient's signed get (single use: a replay is refused), the read in
// the patient's audit trail, and `ehr-node export-blobs` writing a CAR that `@ipld/car`
// reads block by block — what `ipfs dag import` takes in.
//
// EHR_NODE_BIN names the node binary (scripts/test.sh sets it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sha256AsU8a } from '@polkadot/util-crypto';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  logTail, rpc, RpcError, sendAndFinalize, sleep, startDevNode, stopProcess,
} from '../lib/devnode.mjs';

const NODE = process.env.EHR_NODE_BIN;

// The node's error codes by name, from its OpenRPC document (docs/openrpc.json).
const ERRORS = JSON.parse(
  readFileSync(new URL('../../docs/openrpc.json', import.meta.url), 'utf8'),
).components.errors;

let node, api, dir, keyring, genesis;

before(async () => {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-blobs-js-'));
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

// SCALE of a u64, little-endian.
function u64(value) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

// `ehr_putBlob`'s parameter: PUT_CONTEXT ‖ SCALE(PutRequest { genesis, author, sha256,
// issued_at }) signed by the author.
function putParams(author, blob, issuedAt = Date.now()) {
  const payload = u8aConcat(
    stringToU8a('ehr-chain/blob-put/v1'), genesis, author.publicKey, sha256AsU8a(blob), u64(issuedAt),
  );
  return {
    blob: u8aToHex(blob), sha256: u8aToHex(sha256AsU8a(blob)), author: author.address,
    genesis: u8aToHex(genesis), issuedAt,
    signature: u8aToHex(author.sign(payload)),
  };
}

const PURPOSES = ['treatment', 'payment', 'operations', 'research'];

// `ehr_getBlob`'s parameter: GET_CONTEXT ‖ SCALE(GetRequest { genesis, reader, record,
// purpose, issued_at }) signed by the reader.
function getParams(reader, record, purpose, issuedAt = Date.now()) {
  const payload = u8aConcat(
    stringToU8a('ehr-chain/blob-get/v1'), genesis, reader.publicKey, u64(record),
    new Uint8Array([PURPOSES.indexOf(purpose)]), u64(issuedAt),
  );
  return {
    record, reader: reader.address, purpose, genesis: u8aToHex(genesis), issuedAt,
    signature: u8aToHex(reader.sign(payload)),
  };
}

async function refusedWith(promise, name) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof RpcError, `${e}`);
    assert.equal(e.code, ERRORS[name].code, `${name}: ${e.message}`);
    return true;
  });
}

async function waitForStatus(cid, wanted, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await rpc(node.rpcPort, 'ehr_blobStatus', [cid]);
    if (status === wanted) return;
    assert.ok(Date.now() < deadline, `blob ${cid} stayed ${status}, wanted ${wanted}`);
    await sleep(500);
  }
}

test('a blob put, anchored, read once by its patient, audited, and exported as a CAR', async () => {
  const alice = keyring.addFromUri('//Alice'); // the dev hospital (its node serves reads)
  const bob = keyring.addFromUri('//Bob'); // a doctor there
  const charlie = keyring.addFromUri('//Charlie'); // a patient
  const dave = keyring.addFromUri('//Dave'); // an insurer, no grant

  // Only doctors put blobs: Charlie is refused (NOT_A_WRITER).
  const blob = new TextEncoder().encode(`ciphertext of a record, ${Date.now()}`);
  await refusedWith(rpc(node.rpcPort, 'ehr_putBlob', [putParams(charlie, blob)]), 'NOT_A_WRITER');

  // The doctor's put returns the id IPFS gives the same bytes.
  const receipt = await rpc(node.rpcPort, 'ehr_putBlob', [putParams(bob, blob)]);
  const expected = CID.create(1, raw.code, await sha256.digest(blob));
  assert.equal(receipt.cid, expected.toString());
  assert.match(receipt.cid, /^bafkrei/);
  assert.equal(receipt.cidHex, u8aToHex(expected.bytes));
  assert.equal(await rpc(node.rpcPort, 'ehr_blobStatus', [receipt.cid]), 'staged');

  // Anchored under the patient's consent to the hospital, and confirmed.
  await sendAndFinalize(api, api.tx.consent.grant(charlie.address, alice.address, 'AllRecords', 'Treatment', null), charlie);
  const wrapped = (byte) => u8aToHex(new Uint8Array(104).fill(byte));
  const created = await sendAndFinalize(
    api,
    api.tx.records.create(charlie.address, 'Encounter', receipt.cidHex, u8aToHex(sha256AsU8a(blob)), { patient: wrapped(1), author: wrapped(2), custodian: wrapped(3), escrow: [] }),
    bob,
  );
  const record = created.events
    .find(({ event }) => api.events.records.RecordCreated.is(event)).event.data.record.toNumber();
  await sendAndFinalize(api, api.tx.records.confirm(record), charlie);
  await waitForStatus(receipt.cid, 'stored');

  // An insurer without a grant is refused (ACCESS_DENIED); the patient's signed request is
  // served.
  await refusedWith(rpc(node.rpcPort, 'ehr_getBlob', [getParams(dave, record, 'payment')]), 'ACCESS_DENIED');
  const request = getParams(charlie, record, 'treatment');
  const served = await rpc(node.rpcPort, 'ehr_getBlob', [request]);
  assert.equal(served.cid, receipt.cid);
  assert.deepEqual(hexToU8a(served.blob), blob);
  assert.equal(served.basis, 'Owner');
  // The same signed request is good for one read only.
  await refusedWith(rpc(node.rpcPort, 'ehr_getBlob', [request]), 'REPLAYED');

  // The node put the read in the patient's audit trail, signed with its node's service account.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const trail = await api.call.consentApi.auditOf(charlie.address, 0, 100);
    const read = trail.find((entry) => entry.event.action.type === 'RecordRead'
      && entry.event.actor.toString() === charlie.address);
    if (read) {
      assert.equal(read.event.record.unwrap().toNumber(), record);
      assert.equal(read.event.purpose.unwrap().type, 'Treatment');
      break;
    }
    assert.ok(Date.now() < deadline, `no RecordRead in ${JSON.stringify(trail.toHuman())}`);
    await sleep(500);
  }

  // Exported while the node runs: the CAR has the blob as a root and as a block, under
  // the id multiformats computes from the block's bytes.
  const car = path.join(dir, 'blobs.car');
  const files = path.join(dir, 'files');
  execFileSync(NODE, ['export-blobs', '--dev', '--base-path', node.basePath, '--car', car, '--files', files],
    { timeout: 60_000, stdio: 'pipe' });
  const reader = await CarReader.fromBytes(readFileSync(car));
  assert.equal(reader.version, 1);
  const roots = (await reader.getRoots()).map(String);
  assert.ok(roots.includes(receipt.cid), `${roots}`);
  let blocks = 0;
  for await (const { cid, bytes } of reader.blocks()) {
    blocks += 1;
    assert.equal(cid.code, raw.code);
    assert.equal(cid.toString(), CID.create(1, raw.code, await sha256.digest(bytes)).toString());
  }
  assert.equal(blocks, roots.length);
  assert.deepEqual(new Uint8Array((await reader.get(expected)).bytes), blob);
  assert.deepEqual(new Uint8Array(readFileSync(path.join(files, receipt.cid))), blob);
});
