// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// The operator's deployment files, checked by the tools that will run them:
// - deploy/prometheus: `promtool check rules` and the rules' unit tests;
// - deploy/systemd: `scripts/hospital-node.sh install --root DIR` lays out a hospital node
//   (binaries, chain spec, keys, node.env, unit) and `systemd-analyze verify` accepts it;
//   a unit systemd would misread makes the install fail by name;
// - deploy/nginx: `scripts/hospital-node.sh rpc-proxy --root DIR` renders a configuration
//   `nginx -t` accepts, and refuses bad input.
//
// EHR_NODE_BIN and EHR_CLI_BIN name the binaries (scripts/test.sh sets them).

import { test } from 'node:test';
import { makeCertificates, nginxMainConf, run } from './tools.mjs';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOSPITAL_NODE = path.join(ROOT, 'scripts/hospital-node.sh');
const NODE = process.env.EHR_NODE_BIN;

function tempDir(t, label) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ehr-ops-${label}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the alert rules load and pass their unit tests', () => {
  const dir = path.join(ROOT, 'deploy/prometheus');
  const check = run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: dir });
  assert.equal(check.status, 0, check.out);
  assert.match(check.out, /SUCCESS: 12 rules found/);
  const unit = run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir });
  assert.equal(unit.status, 0, unit.out);
  const config = run('promtool', ['check', 'config', 'prometheus.yml'], { cwd: dir });
  assert.equal(config.status, 0, config.out);
});

// A hospital's operator directory as the key commands leave it, and a raw chain spec.
function hospitalFiles(t) {
  assert.ok(NODE, 'set EHR_NODE_BIN to the ehr-node binary');
  const dir = tempDir(t, 'hospital');
  const keys = run(HOSPITAL_NODE, ['keys', '--base-path', path.join(dir, 'base')]);
  assert.equal(keys.status, 0, keys.out);
  const custody = run(HOSPITAL_NODE, ['custody-key', '--base-path', path.join(dir, 'base')]);
  assert.equal(custody.status, 0, custody.out);
  const spec = run(NODE, ['build-spec', '--chain', 'local', '--raw'], { maxBuffer: 64 << 20 });
  assert.equal(spec.status, 0, spec.out.slice(-2000));
  writeFileSync(path.join(dir, 'spec.json'), spec.out.slice(spec.out.indexOf('{')));
  return dir;
}

const BOOTNODE = '/ip4/127.0.0.1/tcp/30334/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';

function install(dir, root, extra = []) {
  return run(HOSPITAL_NODE, [
    'install', '--root', root, '--chain', path.join(dir, 'spec.json'), '--name', 'st-mary',
    '--base-path', path.join(dir, 'base'), '--bootnodes', BOOTNODE, ...extra,
  ]);
}

test('install lays out a hospital node whose unit systemd-analyze verifies', (t) => {
  const dir = hospitalFiles(t);
  const root = path.join(dir, 'root');
  const result = install(dir, root);
  assert.equal(result.status, 0, result.out);
  assert.match(result.out, /unit verified by systemd-analyze/);

  for (const bin of ['usr/local/bin/ehr-node', 'usr/local/bin/ehr']) {
    assert.ok(statSync(path.join(root, bin)).mode & 0o100, `${bin} is executable`);
  }
  // Secrets: in the state directory, readable by the owner only; none in node.env.
  const state = path.join(root, 'var/lib/ehr-chain');
  assert.equal(statSync(state).mode & 0o777, 0o700);
  for (const secret of ['node-key', 'custody.key']) {
    assert.equal(statSync(path.join(state, secret)).mode & 0o777, 0o600, secret);
  }
  const env = readFileSync(path.join(root, 'etc/ehr-chain/node.env'), 'utf8');
  assert.match(env, /^EHR_CHAIN=\/etc\/ehr-chain\/chain-spec\.json$/m);
  assert.match(env, /^EHR_NAME=st-mary$/m);
  assert.match(env, new RegExp(`^EHR_NODE_ARGS=.*--bootnodes ${BOOTNODE}`, 'm'));
  assert.match(env, /--custody-key-file \/var\/lib\/ehr-chain\/custody\.key/);
  const nodeKey = readFileSync(path.join(dir, 'base/node-key'), 'utf8').trim();
  assert.ok(!env.includes(nodeKey), 'the node key is not in node.env');
  const unit = readFileSync(path.join(root, 'etc/systemd/system/ehr-node.service'), 'utf8');
  assert.ok(!unit.includes(nodeKey));
  assert.match(unit, /^Restart=on-failure$/m);
  assert.match(unit, /methods=safe/);

  // What systemd will run: the ExecStart line with node.env's values substituted parses
  // as an ehr-node command line (the node's own argument parser says so).
  const values = Object.fromEntries(env.split('\n').filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const exec = unit.match(/^ExecStart=([^]*?[^\\])\n/m)[1].replace(/\\\n/g, ' ');
  const argv = exec.split(/\s+/).filter(Boolean).slice(1)
    .flatMap((word) => (word === '$EHR_NODE_ARGS' ? values.EHR_NODE_ARGS.split(' ')
      : [word.replace(/\$\{(\w+)\}/g, (_, name) => values[name])]));
  const parsed = run(NODE, [...argv, '--help']);
  assert.equal(parsed.status, 0, `ehr-node ${argv.join(' ')}:\n${parsed.out.slice(0, 2000)}`);
});

test('install refuses what it cannot install, naming the problem', (t) => {
  const dir = hospitalFiles(t);
  const noSpec = run(HOSPITAL_NODE, ['install', '--root', path.join(dir, 'r1'), '--chain',
    path.join(dir, 'missing.json'), '--base-path', path.join(dir, 'base'), '--bootnodes', BOOTNODE]);
  assert.notEqual(noSpec.status, 0);
  assert.match(noSpec.out, /no chain spec file at/);
  const noBootnodes = run(HOSPITAL_NODE, ['install', '--root', path.join(dir, 'r2'), '--chain',
    path.join(dir, 'spec.json'), '--base-path', path.join(dir, 'base')]);
  assert.notEqual(noBootnodes.status, 0);
  assert.match(noBootnodes.out, /install needs --bootnodes/);
  const noKey = run(HOSPITAL_NODE, ['install', '--root', path.join(dir, 'r3'), '--chain',
    path.join(dir, 'spec.json'), '--base-path', path.join(dir, 'empty'), '--bootnodes', BOOTNODE]);
  assert.notEqual(noKey.status, 0);
  assert.match(noKey.out, /no node key in/);
});

test('a unit systemd would misread fails the install', (t) => {
  // A copy of the checkout's scripts and deploy files with one typo in the unit.
  const dir = hospitalFiles(t);
  const copy = path.join(dir, 'checkout');
  for (const sub of ['scripts', 'deploy']) cpSync(path.join(ROOT, sub), path.join(copy, sub), { recursive: true });
  const unitPath = path.join(copy, 'deploy/systemd/ehr-node.service');
  writeFileSync(unitPath, readFileSync(unitPath, 'utf8').replace('Restart=on-failure', 'Restart=on-falure'));
  const result = run(path.join(copy, 'scripts/hospital-node.sh'), [
    'install', '--root', path.join(dir, 'root'), '--chain', path.join(dir, 'spec.json'),
    '--base-path', path.join(dir, 'base'), '--bootnodes', BOOTNODE,
  ], { env: { ...process.env, EHR_NODE_BIN: NODE, EHR_CLI_BIN: process.env.EHR_CLI_BIN } });
  assert.notEqual(result.status, 0, result.out);
  assert.match(result.out, /does not verify: .*restart specifier/s);
});

test('rpc-proxy renders a configuration nginx accepts, and refuses bad input', (t) => {
  const dir = tempDir(t, 'proxy');
  const tls = makeCertificates(dir);
  const root = path.join(dir, 'root');
  const ok = run(HOSPITAL_NODE, ['rpc-proxy', '--root', root, '--server-name', 'rpc.st-mary.example',
    '--cert', tls.cert, '--key', tls.key, '--listen-address', '127.0.0.1', '--tls-port', '8443']);
  assert.equal(ok.status, 0, ok.out);
  const conf = readFileSync(path.join(root, 'etc/nginx/conf.d/ehr-rpc.conf'), 'utf8');
  assert.doesNotMatch(conf, /@[A-Z_]+@/, 'every placeholder filled');
  assert.match(conf, /listen 127\.0\.0\.1:8443 ssl;/);
  assert.match(conf, /proxy_pass http:\/\/127\.0\.0\.1:9945;/);
  const check = run('nginx', ['-t', '-c', nginxMainConf(dir, path.join(root, 'etc/nginx/conf.d/ehr-rpc.conf'))]);
  assert.equal(check.status, 0, check.out);

  const refusals = [
    [['--server-name', 'bad name;', '--cert', tls.cert, '--key', tls.key], /is not a host name/],
    [['--server-name', 'x.example', '--cert', path.join(dir, 'none.pem'), '--key', tls.key], /needs --cert FILE/],
    [['--server-name', 'x.example', '--cert', tls.cert, '--key', tls.key, '--public-rpc-port', '9944'], /must not be the operator's/],
    [['--server-name', 'x.example', '--cert', tls.cert, '--key', tls.key, '--listen-address', '0.0.0.0;x'], /not an IP address/],
  ];
  for (const [args, message] of refusals) {
    const refused = run(HOSPITAL_NODE, ['rpc-proxy', '--root', path.join(dir, 'r'), ...args]);
    assert.notEqual(refused.status, 0, args.join(' '));
    assert.match(refused.out, message);
  }
});
