// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// A stock @polkadot/api client, run as its own process by tls.test.mjs with the test CA
// in NODE_EXTRA_CA_CERTS (as a hospital's integrator would trust the hospital's CA).
// Connects to the URL in argv[2], prints one JSON line of what it saw, exits.

import { ApiPromise, WsProvider } from '@polkadot/api';

const url = process.argv[2];
const report = { url };
const provider = new WsProvider(url, false);
// The first connection error ends the wait for the connection.
const connectionFailed = new Promise((_, reject) => provider.on('error', (e) => {
  report.providerError = String(e?.message ?? e);
  reject(new Error(`connection failed: ${report.providerError}`));
}));
connectionFailed.catch(() => {});
const failed = (e) => String(e?.message ?? e);
// Resolves as `promise`, or rejects after `ms` (a connection that never opens leaves the
// provider's promises pending for ever).
const within = (promise, ms, what) => Promise.race([
  promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} in ${ms / 1000} s`)), ms)),
]);
try {
  await within(provider.connect(), 20_000, 'no connection');
  await within(Promise.race([provider.isReady, connectionFailed]), 20_000, 'no connection');
  const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  report.chain = (await api.rpc.system.chain()).toString();
  report.specName = api.runtimeVersion.specName.toString();
  // A subscription: finalized heads keep arriving through the proxy.
  report.heads = await new Promise((resolve, reject) => {
    const heads = [];
    const timer = setTimeout(() => reject(new Error(`only ${heads.length} heads in 30 s`)), 30_000);
    api.rpc.chain.subscribeNewHeads((header) => {
      heads.push(header.number.toNumber());
      if (heads.length === 2) { clearTimeout(timer); resolve(heads); }
    }).catch(reject);
  });
  // Unsafe methods: the public endpoint refuses them.
  report.rotateKeys = await api.rpc.author.rotateKeys().then(() => 'accepted', failed);
  report.runAudit = await provider.send('ehr_runAudit', []).then(() => 'accepted', failed);
  report.addReservedPeer = await api.rpc.system
    .addReservedPeer('/ip4/127.0.0.1/tcp/1/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp')
    .then(() => 'accepted', failed);
  // Safe custom methods are there.
  report.lastAudit = await provider.send('ehr_lastAudit', []).then(() => 'answered', failed);
  await api.disconnect();
} catch (e) {
  report.error = failed(e);
}
console.log(JSON.stringify(report));
process.exit(0);
