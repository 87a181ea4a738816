import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { stopProcess } from './nginx-harness';

/**
 * Let's Encrypt's ACME test server (Debian's pebble) for the certificate tests: a real ACME
 * CA on loopback, validating HTTP-01 challenges on port 80 of each name (resolved through
 * the system's resolver, so the test namespace's hosts file decides where a name points).
 * Its own HTTPS listener uses a certificate of a CA made here, which clients must trust.
 * Authorizations are never reused and validations do not sleep, so every renewal really
 * validates, quickly; the random rejection of good nonces stays on, as a real CA's
 * occasional bad nonce does, and clients must cope.
 */
export class PebbleServer {
  public readonly dir: string;
  /** The CA that signed pebble's listener: for REQUESTS_CA_BUNDLE. */
  public readonly caFile: string;
  public readonly port = 14000;
  public readonly managementPort = 15000;
  private child?: ChildProcess;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pebble-'));
    this.caFile = path.join(this.dir, 'ca.pem');
    const key = (name: string) => path.join(this.dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=pebble test CA', '-keyout', key('ca.key'), '-out', this.caFile);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', key('listener.key'), '-out', key('listener.csr'));
    fs.writeFileSync(key('listener.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', key('listener.csr'), '-CA', this.caFile, '-CAkey', key('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', key('listener.ext'), '-out', key('listener.pem'));
    fs.writeFileSync(
      key('pebble.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${this.port}`,
          managementListenAddress: `127.0.0.1:${this.managementPort}`,
          certificate: key('listener.pem'),
          privateKey: key('listener.key'),
          httpPort: 80,
          tlsPort: 443,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
  }

  public get directoryUrl(): string {
    return `https://127.0.0.1:${this.port}/dir`;
  }

  public get log(): string {
    return path.join(this.dir, 'pebble.log');
  }

  public async start(): Promise<void> {
    const out = fs.openSync(this.log, 'a');
    this.child = spawn('pebble', ['-config', path.join(this.dir, 'pebble.json'), '-strict=false'], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_AUTHZREUSE: '0' },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const deadline = Date.now() + 20_000;
    while (!(await this.answers())) {
      if (this.child.exitCode !== null) throw new Error(`pebble exited with ${this.child.exitCode}:\n${fs.readFileSync(this.log, 'utf8')}`);
      if (Date.now() > deadline) throw new Error(`pebble did not answer within 20 s:\n${fs.readFileSync(this.log, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The CA's current root, which pebble makes anew on every start. */
  public root(): Promise<string> {
    return this.get(this.managementPort, '/roots/0');
  }

  public async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child, 'SIGTERM');
  }

  public async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private answers(): Promise<boolean> {
    return this.get(this.port, '/dir').then(() => true, () => false);
  }

  private get(port: number, route: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = https.get({ host: '127.0.0.1', port, path: route, ca: fs.readFileSync(this.caFile), timeout: 2000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${route}: ${response.statusCode}`))));
      });
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
    });
  }
}
