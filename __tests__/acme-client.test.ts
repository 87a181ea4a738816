import { Container } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AcmeClient } from '../constructs/acme-client';
import { BlogHostSettings } from '../core/settings-schema';
import { constructFixture } from '../test-support/construct-fixtures';
import { commandExists, describeWhenAvailable } from '../test-support/required-tools';
import { resourceNamed, synthBlogHost } from '../test-support/synth';

/** An AcmeClient on its own, with the settings' ACME section and the HMAC key given. */
function acmeClient(settings: BlogHostSettings, eabHmacKey: (secret: string) => string | undefined) {
  const fixture = constructFixture(settings);
  const { stack, secret } = fixture;
  return new AcmeClient(stack, 'acme', {
    stackName: 's',
    settings: fixture.settings.tls.acme!,
    challengeVolume: new Volume(stack, 'challenges', { name: 's-acme-challenges' }),
    network: new Network(stack, 'acme-network', { name: 's-acme' }),
    eabHmacKey: eabHmacKey(secret),
  });
}

const WITH_EAB: BlogHostSettings = { tls: { acme: { email: 'ops@blog.example.org', directory: 'https://acme.example.net/dir', externalAccountBinding: { keyId: 'kid-1' } } } };

describe('AcmeClient', () => {
  it('refuses an external account binding without its HMAC key, naming the variable', () => {
    expect(() => acmeClient(WITH_EAB, () => undefined)).toThrow(
      'Invalid setting ACME external account binding HMAC key: got nothing; an external account binding (tls.acme.externalAccountBinding) needs it, as the sensitive Terraform variable TF_VAR_acme_eab_hmac_key.',
    );
  });

  it('refuses a literal HMAC key, without showing it', () => {
    expect(() => acmeClient(WITH_EAB, () => 'literal-hmac-key')).toThrow(/^Invalid setting ACME external account binding HMAC key: got "\(a literal secret, not shown\)"; secrets may only be given as a sensitive Terraform variable/);
  });

  it('takes the HMAC key as a reference', () => {
    expect(acmeClient(WITH_EAB, (secret) => secret).containerName).toBe('certbot');
  });

  it('applies every override of its settings', () => {
    const { text, json } = synthBlogHost({
      siteUrl: 'https://blog.example.org',
      redirectDomains: ['example.org'],
      tls: {
        acme: {
          email: 'ops@blog.example.org',
          directory: 'staging',
          dataPath: '/srv/letsencrypt',
          containerName: 'acme-client',
          memoryMb: 96,
          memorySwapMb: 96,
          restart: 'unless-stopped',
          logMaxSize: '2m',
          logMaxFiles: 5,
        },
      },
    });
    expect(text).toHaveResourceWithProperties(Container, {
      name: 'acme-client',
      memory: 96,
      memory_swap: 96,
      restart: 'unless-stopped',
      log_opts: { 'max-size': '2m', 'max-file': '5' },
      volumes: [{ host_path: '/srv/letsencrypt', container_path: '/etc/letsencrypt', read_only: false }],
    });
    expect(resourceNamed(json, 'docker_container', 'acme-client').env).toEqual(
      expect.arrayContaining(['ACME_EMAIL=ops@blog.example.org', 'ACME_DIRECTORY=https://acme-staging-v02.api.letsencrypt.org/directory', 'ACME_DOMAINS=blog.example.org example.org']),
    );
  });
});

/**
 * The ACME client's script (assets/acme/acme-client.sh) on its own. The certificate suite
 * (acme-client.e2e.test.ts) runs it with Debian's certbot against pebble.
 */
const CLIENT = path.join(__dirname, '..', 'assets', 'acme', 'acme-client.sh');

describe('acme-client.sh', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-client-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ACME_DOMAINS: 'www.example.com example.com', ACME_EMAIL: 'a@example.com', ACME_DIRECTORY: 'https://127.0.0.1:1/dir', ACME_CERT_NAME: 'blog', ACME_CONFIG_DIR: dir };

  // Only the lint needs shellcheck: the script's behaviour is tested wherever sh runs.
  describeWhenAvailable('shellcheck', commandExists('shellcheck'), 'install shellcheck', () => {
    it('passes shellcheck', () => {
      const result = spawnSync('shellcheck', ['--severity=style', '--format=gcc', CLIENT], { encoding: 'utf8' });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    });
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
