// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// TLS for the RPC that patients and integrators use: a real node serving its operator
// endpoint (every method) and its public endpoint (safe methods) on 127.0.0.1, nginx
// rendered by `scripts/hospital-node.sh rpc-proxy` terminating TLS with a certificate of
// a CA made here, and a stock @polkadot/api client connecting over wss://:
// - with the CA trusted, it reads the chain, follows a subscription, and is refused every
//   unsafe method (author_rotateKeys, ehr_runAudit, system_addReservedPeer);
// - without the CA, the TLS handshake fails; plain ws:// to the TLS port fails;
// - the operator endpoint still answers unsafe methods, on 127.0.0.1 only.
//
// EHR_NODE_BIN names the node binary (scripts/test.sh sets it).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, logTail, rpc, sleep, startProcess, stopProcess } from '../lib/devnode.mjs';
import { makeCertificates, nginxMainConf } from './tools.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const NODE = process.env.EHR_NODE_BIN;

let dir, node, nginx, tls, operatorPort, publicPort, tlsPort;

// Resolves once `check` returns without throwing; bounded by `ms`.
async function waitFor(what, ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { return await check(); } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${e.message}`);
    }
    await sleep(300);
  }
}

before(async () => {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  dir = mkdtempSync(path.join(os.tmpdir(), 'ehr-ops-tls-'));
  [operatorPort, publicPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const p2pPort = await freePort();
  node = startProcess(NODE, [
    '--dev', '--base-path', path.join(dir, 'chain'),
    '--experimental-rpc-endpoint', `listen-addr=127.0.0.1:${operatorPort},methods=unsafe`,
    '--experimental-rpc-endpoint', `listen-addr=127.0.0.1:${publicPort},methods=safe,rate-limit=600,rate-limit-trust-proxy-headers=true`,
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`, '--no-mdns', '--no-prometheus', '--no-telemetry',
  ], path.join(dir, 'node.log'));
  await waitFor('the node to author block #1', 60_000, async () => {
    if (node.exited !== undefined) throw new Error(`ehr-node exited:\n${logTail(node)}`);
    const header = await rpc(operatorPort, 'chain_getHeader');
    if (parseInt(header.number, 16) < 1) throw new Error('no block yet');
  });

  tls = makeCertificates(dir);
  const root = path.join(dir, 'root');
  const render = spawnSync(path.join(ROOT, 'scripts/hospital-node.sh'), [
    'rpc-proxy', '--root', root, '--server-name', 'localhost', '--cert', tls.cert, '--key', tls.key,
    '--listen-address', '127.0.0.1', '--tls-port', String(tlsPort),
    '--public-rpc-port', String(publicPort), '--rpc-port', String(operatorPort),
  ], { encoding: 'utf8' });
  assert.equal(render.status, 0, render.stdout + render.stderr);
  const conf = nginxMainConf(dir, path.join(root, 'etc/nginx/conf.d/ehr-rpc.conf'));
  nginx = startProcess('nginx', ['-c', conf, '-g', 'daemon off; master_process off;'], path.join(dir, 'nginx.log'));
  await waitFor('nginx to listen', 20_000, async () => {
    if (nginx.exited !== undefined) throw new Error(`nginx exited:\n${logTail(nginx)}`);
    const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${tlsPort}`, '-brief'], { input: '', encoding: 'utf8', timeout: 5000 });
    if (!/CONNECTION ESTABLISHED|Protocol version/.test(r.stdout + r.stderr)) throw new Error('not yet');
  });
});

after(async () => {
  await stopProcess(nginx);
  await stopProcess(node);
  if (process.exitCode) {
    if (node) console.error(logTail(node));
    if (nginx) console.error(logTail(nginx));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs the stock client in its own process against `url`; `ca` is trusted if given.
function client(url, ca) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (ca) env.NODE_EXTRA_CA_CERTS = ca;
  const r = spawnSync(process.execPath, [path.join(HERE, 'wss-client.mjs'), url], { env, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('a stock client over wss:// reads and subscribes, and is refused unsafe methods', () => {
  const seen = client(`wss://localhost:${tlsPort}`, tls.ca);
  assert.equal(seen.error, undefined, JSON.stringify(seen));
  assert.equal(seen.chain, 'ehr-chain development');
  assert.equal(seen.specName, 'ehr-chain');
  assert.equal(seen.heads.length, 2);
  assert.ok(seen.heads[1] > seen.heads[0], `heads ${seen.heads}`);
  for (const method of ['rotateKeys', 'runAudit', 'addReservedPeer']) {
    assert.match(seen[method], /unsafe/i, `${method}: ${seen[method]}`);
  }
  assert.equal(seen.lastAudit, 'answered');
});

test('https:// JSON-RPC works through the proxy; other paths and methods are refused', async () => {
  const r = spawnSync('curl', ['-sS', '--cacert', tls.ca, '-H', 'Content-Type: application/json',
    '-d', '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}', `https://localhost:${tlsPort}/`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(typeof JSON.parse(r.stdout).result.peers, 'number');
  const other = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', tls.ca,
    `https://localhost:${tlsPort}/metrics`], { encoding: 'utf8' });
  assert.equal(other.stdout, '404');
  const put = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', tls.ca, '-X', 'PUT',
    `https://localhost:${tlsPort}/`], { encoding: 'utf8' });
  assert.equal(put.stdout, '403');
});

test('without the CA the handshake fails; plain ws:// to the TLS port fails', () => {
  const untrusted = client(`wss://localhost:${tlsPort}`, null);
  assert.equal(untrusted.chain, undefined, JSON.stringify(untrusted));
  assert.match(untrusted.providerError ?? '', /unable to verify the first certificate/, JSON.stringify(untrusted));
  const plain = client(`ws://localhost:${tlsPort}`, tls.ca);
  assert.equal(plain.chain, undefined, JSON.stringify(plain));
});

test('the operator endpoint answers unsafe methods on 127.0.0.1', async () => {
  const keys = await rpc(operatorPort, 'author_rotateKeys');
  assert.match(keys, /^0x[0-9a-f]+$/);
  await assert.rejects(rpc(publicPort, 'author_rotateKeys'), /unsafe/i);
});
