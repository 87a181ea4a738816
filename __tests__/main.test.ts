import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { filesUnder } from '../test-support/synth';

/**
 * Runs main.ts as `cdktf synth` does, with sentinel secrets where real ones would be: in the
 * sensitive variables' environment and in the TLS key file on the "host". None of them may
 * reach cdktf.out (the plan and the image build contexts) or any snapshot.
 */
const ROOT = path.join(__dirname, '..');
const SENTINELS = {
  TF_VAR_mysql_root_password: 'sentinel-root-3f9c1d7a0b5e',
  TF_VAR_mysql_password: 'sentinel-user-8e2a6c4f1d09',
  TF_VAR_smtp_password: 'sentinel-smtp-5b7d9e1f3a2c',
  TF_VAR_acme_eab_hmac_key: 'sentinel-eab-hmac-77d1c0de9a',
  TF_VAR_restic_password: 'sentinel-restic-2c4e6a8b0d1f',
  TF_VAR_backup_s3_access_key_id: 'sentinel-s3-id-9a7b5c3d',
  TF_VAR_backup_s3_secret_access_key: 'sentinel-s3-secret-1e3f5a7c9b',
  TF_VAR_backup_sftp_private_key: 'sentinel-sftp-key-4d6f8a0c2e',
};
const KEY_SENTINEL = 'sentinel-tls-key-c0ffee1234';

describe('main.ts', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-main-'));
  const outdir = path.join(work, 'cdktf.out');
  const keyFile = path.join(work, 'privkey.pem');
  const settingsFile = path.join(work, 'blog.settings.json');
  // A second stack: the ACME client with an external account binding, whose HMAC key is a
  // secret too, and backups to S3 (the first backs up over SFTP), whose keys are secrets.
  const acmeOutdir = path.join(work, 'acme.out');
  const acmeSettingsFile = path.join(work, 'acme.settings.json');

  beforeAll(() => {
    fs.writeFileSync(keyFile, `-----BEGIN ${'PRIVATE'} KEY-----\n${KEY_SENTINEL}\n-----END ${'PRIVATE'} KEY-----\n`);
    fs.writeFileSync(settingsFile, JSON.stringify({
        name: 'sentinel-blog',
        tls: { certificatePath: path.join(work, 'fullchain.pem'), keyPath: keyFile },
        backup: { repository: 'sftp:backup@backup.example.net:/srv/restic', sftpKnownHosts: 'backup.example.net ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' },
      }));
    fs.writeFileSync(acmeSettingsFile, JSON.stringify({ name: 'sentinel-acme', tls: { acme: { externalAccountBinding: { keyId: 'kid-sentinel' } } }, backup: { repository: 's3:https://s3.example.net/blog-backups' } }));
    for (const [file, out] of [[settingsFile, outdir], [acmeSettingsFile, acmeOutdir]]) {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', 'main.ts'], {
        cwd: ROOT,
        env: { ...process.env, ...SENTINELS, BLOG_SETTINGS: file, CDKTF_OUTDIR: out },
        stdio: 'pipe',
      });
    }
  }, 120_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('synthesizes the stack named in the settings, with both build contexts', () => {
    const stackDir = path.join(outdir, 'stacks', 'sentinel-blog');
    const plan = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(plan.resource.docker_container).sort()).toEqual(['backup', 'ghost', 'mysql', 'proxy']);
    const contexts = filesUnder(path.join(stackDir, 'assets')).map((f) => path.relative(stackDir, f));
    expect(contexts.some((f) => f.endsWith('/nginx/nginx.conf'))).toBe(true);
    expect(contexts.some((f) => f.endsWith('/healthcheck.js'))).toBe(true);
  });

  it('mounts the key by path and never copies it', () => {
    const plan = fs.readFileSync(path.join(outdir, 'stacks', 'sentinel-blog', 'cdk.tf.json'), 'utf8');
    expect(plan).toContain(keyFile);
    expect(plan).toContain('${var.mysql_password}');
  });

  it('writes no secret into cdktf.out, the build contexts or the snapshots', () => {
    const secrets = [...Object.values(SENTINELS), KEY_SENTINEL];
    const scanned = [...filesUnder(outdir), ...filesUnder(acmeOutdir), ...filesUnder(path.join(__dirname, '__snapshots__'))];
    const acmePlan = fs.readFileSync(path.join(acmeOutdir, 'stacks', 'sentinel-acme', 'cdk.tf.json'), 'utf8');
    const sftpPlan = fs.readFileSync(path.join(outdir, 'stacks', 'sentinel-blog', 'cdk.tf.json'), 'utf8');
    // Each secret is in the plan as a reference to its variable, never as its value.
    expect(acmePlan).toContain('ACME_EAB_HMAC_KEY=${var.acme_eab_hmac_key}');
    expect(acmePlan).toContain('AWS_SECRET_ACCESS_KEY=${var.backup_s3_secret_access_key}');
    expect(sftpPlan).toContain('RESTIC_PASSWORD=${var.restic_password}');
    expect(sftpPlan).toContain('BACKUP_SFTP_PRIVATE_KEY=${var.backup_sftp_private_key}');
    expect(scanned.length).toBeGreaterThan(10);
    const leaks = scanned.flatMap((file) => {
      const content = fs.readFileSync(file, 'utf8');
      return secrets.filter((secret) => content.includes(secret)).map((secret) => `${secret} in ${file}`);
    });
    expect(leaks).toEqual([]);
  });

  it('synthesizes through the cdktf CLI too, as the README and the workflow run it', () => {
    const output = path.join(work, 'cli.out');
    execFileSync('npm', ['run', '-s', 'synth', '--', '--output', output], {
      cwd: ROOT,
      env: { ...process.env, BLOG_SETTINGS: settingsFile },
      stdio: 'pipe',
    });
    const viaCli = fs.readFileSync(path.join(output, 'stacks', 'sentinel-blog', 'cdk.tf.json'), 'utf8');
    const viaMain = fs.readFileSync(path.join(outdir, 'stacks', 'sentinel-blog', 'cdk.tf.json'), 'utf8');
    expect(viaCli).toBe(viaMain);
  }, 120_000);

  it('refuses a bad settings file with every problem once, one line each, no stack trace and exit status 1', () => {
    const bad = path.join(work, 'bad.settings.json');
    fs.writeFileSync(bad, JSON.stringify({ proxy: { memoryMb: 0 }, colour: 'blue', mail: { host: 'smtp.example.net', user: 'u', password: 'sentinel-pw-77' } }));
    for (const command of [['npm', ['run', '-s', 'synth', '--', '--output', path.join(work, 'bad.out')]], [path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--prefer-ts-exts', 'main.ts']]] as const) {
      const result = spawnSync(command[0], [...command[1]], { cwd: ROOT, env: { ...process.env, BLOG_SETTINGS: bad, CDKTF_OUTDIR: path.join(work, 'bad.out') }, encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe([
        `${bad}: 3 invalid settings:`,
        "  - Invalid setting proxy.memoryMb: got 0; expected a whole number of MiB from 6 (Docker's minimum) to 1048576 (1 TiB).",
        '  - Invalid setting mail.password: secrets may only be given as sensitive Terraform variables (TF_VAR_mysql_root_password, TF_VAR_mysql_password, TF_VAR_smtp_password, TF_VAR_acme_eab_hmac_key, TF_VAR_restic_password, TF_VAR_backup_s3_access_key_id, TF_VAR_backup_s3_secret_access_key, TF_VAR_backup_sftp_private_key), never in the settings file.',
        '  - Invalid setting colour: unknown setting; allowed here: name, dockerHost, siteUrl, redirectDomains, adminDomain, timeZone, tls, ports, proxy, ghost, mysql, backup, mail, policyWaivers.',
        '',
      ].join('\n'));
      expect(`${result.stdout}${result.stderr}`).not.toContain('sentinel-pw-77');
    }
    expect(fs.existsSync(path.join(work, 'bad.out'))).toBe(false);
  }, 120_000);

  it('would notice a leak (the scan sees file contents)', () => {
    const probe = path.join(outdir, 'probe.txt');
    fs.writeFileSync(probe, `x${KEY_SENTINEL}x`);
    expect(filesUnder(outdir).some((f) => fs.readFileSync(f, 'utf8').includes(KEY_SENTINEL))).toBe(true);
    fs.rmSync(probe);
  });
});
