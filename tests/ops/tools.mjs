// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
// What the ops tests share: running a tool, a test CA, an nginx main configuration.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Runs `cmd args`; returns { status, out } with stdout and stderr together.
export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (result.error) throw result.error;
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

// A CA and a server certificate for localhost and 127.0.0.1 signed by it (openssl).
export function makeCertificates(dir) {
  const f = (name) => path.join(dir, name);
  const steps = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=ehr-chain test CA',
      '-keyout', f('ca.key'), '-out', f('ca.pem')],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr')],
  ];
  for (const args of steps) {
    const r = run('openssl', args);
    assert.equal(r.status, 0, r.out);
  }
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const sign = run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', f('san.ext'), '-out', f('server.pem')]);
  assert.equal(sign.status, 0, sign.out);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

// An nginx main configuration that runs unprivileged pieces under `dir` and includes
// the rendered site `site` (as Debian's nginx.conf includes conf.d/*.conf).
export function nginxMainConf(dir, site) {
  const file = path.join(dir, 'nginx.conf');
  const tmp = path.join(dir, 'nginx-tmp');
  writeFileSync(file, `
worker_processes 1;
error_log ${dir}/nginx-error.log;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log ${dir}/nginx-access.log;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  include ${site};
}
`);
  mkdirSync(tmp, { recursive: true });
  return file;
}
