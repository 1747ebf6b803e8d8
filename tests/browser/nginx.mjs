// nginx.mjs — a termgate server behind a real nginx (Debian's, installed by
// scripts/install-test-deps) on https://localhost:PORT/term/, configured from
// examples/nginx-base-path.conf with its names, ports and certificate swapped, as
// tests/proxy/nginx.rs does for the Rust tests. The certificate is self-signed: pages
// opened on it need the context option `ignoreHTTPSErrors: true`.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer } from './harness.mjs';

const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const EXAMPLE = join(ROOT, 'examples', 'nginx-base-path.conf');
const UP_TIMEOUT_MS = 10_000;

function freePort() {
  return new Promise((res, rej) => {
    const probe = createServer();
    probe.once('error', rej);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => res(port));
    });
  });
}

function accepts(port) {
  return new Promise((res) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => res(true)));
    socket.once('error', () => res(false));
  });
}

function replaceAll(text, pairs) {
  return pairs.reduce((out, [from, to]) => {
    if (!out.includes(from)) throw new Error(`examples/nginx-base-path.conf no longer contains ${JSON.stringify(from)}`);
    return out.split(from).join(to);
  }, text);
}

/**
 * termgate with `--base-path /term/ --trust-proxy --public-url https://localhost:PORT`,
 * and nginx on PORT in front of it.
 * @returns {Promise<{url: string, token: string, pin: string, cwd: string, output: () => string, stop: () => Promise<void>}>}
 *   `url` is `https://localhost:PORT/term` (harness `login` appends the slash).
 */
export async function startBehindNginx() {
  const port = await freePort();
  const origin = `https://localhost:${port}`;
  const server = await startServer({
    TERMGATE_BASE_PATH: '/term/',
    TERMGATE_TRUST_PROXY: 'true',
    TERMGATE_PUBLIC_URL: origin,
  });
  const dir = mkdtempSync(join(tmpdir(), 'termgate-nginx-'));
  let nginx = null;
  const stop = async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const gone = new Promise((res) => nginx.once('exit', res));
      nginx.kill('SIGTERM');
      await gone;
    }
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const upstream = new URL(server.url).host;
    const site = replaceAll(readFileSync(EXAMPLE, 'utf8'), [
      ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
      ['server_name example.com;', 'server_name localhost;'],
      ['/etc/ssl/certs/example.com.pem', cert],
      ['/etc/ssl/private/example.com.key', key],
      ['proxy_pass http://127.0.0.1:8080/term/;', `proxy_pass http://${upstream}/term/;`],
    ]);
    writeFileSync(join(dir, 'termgate.conf'), site);
    writeFileSync(join(dir, 'nginx.conf'), `user root;
# One process: when the test stops it, nothing is left behind.
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events {}
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/termgate.conf;
}
`);
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr.setEncoding('utf8');
    nginx.stderr.on('data', (d) => {
      stderr += d;
    });
    // nginx says nothing when it is ready: its port accepting is the event to wait for.
    const deadline = Date.now() + UP_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (nginx.exitCode !== null || Date.now() > deadline) {
        const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
        throw new Error(`nginx did not listen on ${port}:\n${stderr}\n${log}`);
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...server, url: `${origin}/term`, origin, stop };
}
