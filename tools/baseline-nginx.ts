import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { createSelfSignedCertificate, freePort, HostPort, LocalNginx, nginxPids, stopNginx, waitForPort } from './nginx-harness';

/**
 * The article's NGINX configuration (../shared/seed/baseline-nginx/), run on a local NGINX
 * with only paths, listen ports and the upstream address changed: the baseline both
 * benchmarks compare the generated proxy against.
 */

const run = promisify(execFile);
const BLOG = 'www.example.com';
export const SEED = path.join(__dirname, '..', '..', 'shared', 'seed', 'baseline-nginx');
const STATIC_ROOT = path.join(__dirname, '..', 'assets', 'proxy', 'html');

/** A proxy under test: where it answers HTTPS, and its processes. */
export interface Target {
  readonly name: string;
  readonly httpsPort: number;
  /** The self-signed certificate the target serves, for clients to trust. */
  readonly certificateFile: string;
  readonly pids: () => number[];
  stop(): Promise<void>;
}

/** What the baseline run drops, and why; printed with the results. */
export const BASELINE_CHANGES = [
  'paths (pid, logs, certificate, key, dhparam, web root, vhost include, temporary files) point into a temporary prefix',
  'listen ports 80/443 become loopback ports; [::] becomes [::1]',
  'proxy_pass http://ghost:2368 points at the Ghost under test',
  'ssl_stapling, ssl_stapling_verify and ssl_trusted_certificate are dropped: the StartSSL CA file is gone and nothing can be fetched offline',
  'dhparams.pem is generated with -dsaparam for speed; ECDHE is negotiated either way',
];

/**
 * Starts the article's configuration on a local NGINX in front of `upstream`, on loopback
 * (or on the given HTTPS port), with a fresh self-signed certificate for the blog's names.
 */
export async function startBaseline(nginx: LocalNginx, upstream: HostPort, ports: { httpsPort?: number; httpPort?: number } = {}): Promise<Target> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-nginx-'));
  fs.chmodSync(prefix, 0o755);
  for (const dir of ['conf/vhosts', 'logs', 'tls', 'temp']) fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  const tls = createSelfSignedCertificate(path.join(prefix, 'tls'), [BLOG, 'example.com']);
  const dhparam = path.join(prefix, 'tls', 'dhparams.pem');
  await run('openssl', ['dhparam', '-dsaparam', '-out', dhparam, '2048']);
  const httpPort = ports.httpPort ?? (await freePort());
  const httpsPort = ports.httpsPort ?? (await freePort());

  const main = fs.readFileSync(path.join(SEED, 'nginx.conf'), 'utf8')
    .replace('/var/run/nginx.pid', path.join(prefix, 'logs', 'nginx.pid'))
    .replace('/var/log/nginx/error.log', path.join(prefix, 'logs', 'error.log'))
    .replace('/var/log/nginx/access.log', path.join(prefix, 'logs', 'access.log'))
    .replace('/etc/ssl/certs/ssl-cert-chain-www-example-com.pem', tls.certificateFile)
    .replace('/etc/ssl/private/ssl-cert-www-example-com.key', tls.keyFile)
    .replace('/etc/ssl/private/dhparams.pem', dhparam)
    .replace(/^\s*ssl_stapling on;\n|^\s*ssl_stapling_verify on;\n|^\s*ssl_trusted_certificate .*\n/gm, '')
    .replace('/etc/nginx/conf.d/*.conf', path.join(prefix, 'conf', 'vhosts', '*.conf'))
    // NGINX's compiled-in temporary paths need root; the same paths inside the prefix do not.
    .replace(/^http \{\n/m, `http {\n${['client_body', 'proxy', ...nginx.tempPathModules].map((m) => `    ${m}_temp_path ${path.join(prefix, 'temp', m)};\n`).join('')}`);
  fs.writeFileSync(path.join(prefix, 'conf', 'nginx.conf'), main);
  for (const vhost of fs.readdirSync(path.join(SEED, 'vhosts'))) {
    const text = fs.readFileSync(path.join(SEED, 'vhosts', vhost), 'utf8')
      .replace(/listen 80\b/g, `listen 127.0.0.1:${httpPort}`)
      .replace(/listen \[::\]:80\b/g, `listen [::1]:${httpPort}`)
      .replace(/listen 443\b/g, `listen 127.0.0.1:${httpsPort}`)
      .replace(/listen \[::\]:443\b/g, `listen [::1]:${httpsPort}`)
      .replace(/root \/usr\/share\/nginx\/html;/g, `root ${STATIC_ROOT};`)
      .replace('proxy_pass http://ghost:2368;', `proxy_pass http://${upstream.host}:${upstream.port};`);
    fs.writeFileSync(path.join(prefix, 'conf', 'vhosts', vhost), text);
  }
  const args = ['-p', prefix, '-c', path.join(prefix, 'conf', 'nginx.conf'), '-e', path.join(prefix, 'logs', 'error.log')];
  const child = spawn(nginx.binary, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForPort(httpsPort, child, path.join(prefix, 'logs', 'error.log'));
  return {
    name: 'baseline (article)',
    httpsPort,
    certificateFile: tls.certificateFile,
    pids: () => nginxPids(child.pid!),
    stop: async () => {
      await stopNginx(child);
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
