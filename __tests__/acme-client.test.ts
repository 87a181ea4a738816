import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';

/**
 * The ACME client's script (assets/acme/acme-client.sh) on its own. The certificate suite
 * (acme-client.e2e.test.ts) runs it with Debian's certbot against pebble.
 */
const CLIENT = path.join(__dirname, '..', 'assets', 'acme', 'acme-client.sh');

describeWhenAvailable('acme-client.sh', commandExists('shellcheck'), 'install shellcheck', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-client-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ACME_DOMAINS: 'www.example.com example.com', ACME_EMAIL: 'a@example.com', ACME_DIRECTORY: 'https://127.0.0.1:1/dir', ACME_CERT_NAME: 'blog', ACME_CONFIG_DIR: dir };

  it('passes shellcheck', () => {
    const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', CLIENT], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('names what is missing from its environment', () => {
    const result = spawnSync('sh', [CLIENT, 'health'], { env: { ...env, ACME_EMAIL: '' }, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ACME_EMAIL is not set/);
  });

  it('is unhealthy, and says why, before the first certificate', () => {
    const result = spawnSync('sh', [CLIENT, 'health'], { env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('no certificate yet for www.example.com example.com\n');
  });

  it('refuses a command it does not know', () => {
    const result = spawnSync('sh', [CLIENT, 'renew-everything'], { env, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command renew-everything \(expected run, once or health\)/);
  });
});
