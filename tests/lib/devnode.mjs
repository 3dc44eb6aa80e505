// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// Real ehr-node processes for the JavaScript tests: start one on 127.0.0.1 with free
// ports, wait for it (bounded), talk JSON-RPC over HTTP, stop it. No npm dependencies,
// so every test package under tests/ can import it.

import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A TCP port on 127.0.0.1 that nothing listens on now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `bin args` with stdout and stderr in `logPath`; `child.exited` is set on exit.
export function startProcess(bin, args, logPath, env = process.env) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.logPath = logPath;
  child.on('exit', (code, signal) => { child.exited = code ?? signal; });
  return child;
}

// Stops `child`: SIGTERM, then SIGKILL after 20 s.
export async function stopProcess(child) {
  if (!child || child.exited !== undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
}

// The last lines of a process's log, for a failed test's report.
export function logTail(child, lines = 40) {
  try {
    return readFileSync(child.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (_) {
    return '(no log)';
  }
}

// An error the node answered a JSON-RPC call with; `code` is the JSON-RPC error code.
export class RpcError extends Error {
  constructor(method, error) {
    super(`${method}: ${error.message} (code ${error.code})`);
    this.code = error.code;
  }
}

// Calls `method` on the node's RPC port over HTTP.
export async function rpc(port, method, params = []) {
  const response = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
  const body = await response.json();
  if (body.error) throw new RpcError(method, body.error);
  return body.result;
}

// Starts a `--dev` node (Alice) under `dir`; resolves once it has authored `blocks` blocks.
export async function startDevNode(bin, dir, { blocks = 2, timeoutMs = 60_000, extraArgs = [] } = {}) {
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const node = startProcess(bin, [
    '--dev', '--base-path', path.join(dir, 'chain'), '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--no-mdns', '--no-prometheus', '--no-telemetry', ...extraArgs,
  ], path.join(dir, 'node.log'));
  node.rpcPort = rpcPort;
  node.basePath = path.join(dir, 'chain');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.exited !== undefined) throw new Error(`ehr-node exited (${node.exited}):\n${logTail(node)}`);
    try {
      const header = await rpc(rpcPort, 'chain_getHeader');
      if (parseInt(header.number, 16) >= blocks) return node;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stopProcess(node);
      throw new Error(`the dev node produced no block #${blocks} in time:\n${logTail(node)}`);
    }
    await sleep(500);
  }
}

// Signs and sends `tx` through @polkadot/api `api`; resolves with the finalized block
// hash and the events once its block is finalized, rejects on a dispatch error, a pool
// refusal or the time limit.
export function sendAndFinalize(api, tx, signer, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not finalized in time')), timeoutMs);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        clearTimeout(timer);
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : dispatchError;
        reject(new Error(`dispatch failed: ${JSON.stringify(detail)}`));
      } else if (status.isFinalized) {
        clearTimeout(timer);
        resolve({ block: status.asFinalized.toHex(), events });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        clearTimeout(timer);
        reject(new Error(`transaction ${status.type}`));
      }
    }).catch((e) => { clearTimeout(timer); reject(e); });
  });
}
