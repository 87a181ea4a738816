import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { BlogHostSettings } from '../core/settings-schema';
import { findLocalNginxes, LocalNginx, nginxLabel, readErrorLog, startPreview } from '../tools/nginx-harness';
import { describeWhenAvailable } from '../test-support/required-tools';
import { StandInServer } from '../tools/stand-in-server';

/**
 * testssl.sh against the generated configuration running on a real NGINX. No finding of
 * severity MEDIUM or higher may remain but the one the self-signed test certificate causes,
 * and testssl's overall grade must be A+.
 *
 * testssl is told to trust the test certificate (`--add-ca`), as a browser trusts the CA
 * that signed a real one: the chain of trust then passes and testssl grades the
 * configuration instead of capping the grade at T for an unknown issuer.
 */
const run = promisify(execFile);

/**
 * Findings that only the test certificate causes. "Neither CRL nor OCSP URI provided": CAs
 * write a CRL distribution point into what they issue; a certificate made at test time has none.
 */
const TEST_CERTIFICATE_FINDINGS = ['cert_revocation'];

/**
 * testssl 3.0 rates a server without its own cipher order HIGH even when every suite it
 * offers is AEAD with forward secrecy, which is what Mozilla's guideline asks for; 3.2 rates
 * that INFO. Debian 13 ships 3.2.1 (`.ci/run` installs it on Debian 12 too).
 */
const MINIMUM_TESTSSL = [3, 2] as const;

/** testssl's exit statuses from 242 up (ERR_CHILD ... ERR_BASH) mean the scan did not finish. */
const TESTSSL_FIRST_ERROR_STATUS = 242;

interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

function testsslVersion(): [number, number] | undefined {
  const result = spawnSync('testssl', ['--version'], { encoding: 'utf8' });
  // testssl colours its banner even when asked not to; read it without the escape codes.
  const banner = (result.stdout ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const match = /testssl(?:\.sh)?\s+(?:version\s+)?(\d+)\.(\d+)/.exec(banner);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function recentEnough(version: [number, number] | undefined): boolean {
  if (!version) return false;
  const [major, minor] = version;
  return major > MINIMUM_TESTSSL[0] || (major === MINIMUM_TESTSSL[0] && minor >= MINIMUM_TESTSSL[1]);
}

async function testssl(nginx: LocalNginx, settings: BlogHostSettings): Promise<Finding[]> {
  const ghost = new StandInServer({ host: '127.0.0.2', name: 'ghost' });
  await ghost.start();
  const preview = await startPreview({ nginx, settings, upstream: { host: ghost.host, port: ghost.port } });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'testssl-'));
  try {
    const jsonFile = path.join(out, 'findings.json');
    await run('testssl', [
      '--quiet', '--color', '0', '--warnings', 'off',
      // No DNS look-ups (CAA, MX): the test host names exist only on loopback.
      '--nodns', 'min',
      '--ip', '127.0.0.1',
      '--add-ca', preview.certificateFile,
      '--jsonfile', jsonFile,
      `https://${preview.blogHost}:${preview.httpsPort}/`,
    ], { cwd: out, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
      // testssl's exit status adds up its checks' own return values, so a scan that ran to
      // the end may still exit 1; 242 to 255 mean it could not run or finish. A finished scan
      // is judged by its findings below (including any scanProblem it reports).
      if (typeof error.code === 'number' && error.code > 0 && error.code < TESTSSL_FIRST_ERROR_STATUS) return;
      const tail = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
      throw new Error(`testssl exited with ${error.code}; the end of its output:\n${tail}\nNGINX error log:\n${readErrorLog(preview.errorLog, 15)}`);
    });
    return JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Finding[];
  } finally {
    await preview.stop();
    await ghost.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function serious(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity));
}

function finding(findings: readonly Finding[], id: string): string | undefined {
  return findings.find((f) => f.id === id)?.finding;
}

const version = testsslVersion();
const nginxes = findLocalNginxes();
describeWhenAvailable(
  'testssl against the generated configuration',
  nginxes.length > 0 && recentEnough(version),
  `install nginx (nginx-light), openssl and testssl.sh ${MINIMUM_TESTSSL.join('.')} or newer (found ${version ? version.join('.') : 'none'}; on Debian 12 see .ci/run)`,
  () => {
    // Every NGINX build found, since each brings its own OpenSSL, and both profiles.
    const cases = nginxes.flatMap((nginx) => [
      [nginxLabel(nginx), 'default (intermediate)', nginx, {}],
      [nginxLabel(nginx), 'modern', nginx, { tls: { profile: 'modern' } }],
    ] as const);
    it.each(cases)('on %s grades the %s profile A+ with nothing of MEDIUM or higher but the test certificate', async (_build, _profile, nginx, settings) => {
      const findings = await testssl(nginx, settings as BlogHostSettings);
      expect(findings.length).toBeGreaterThan(50);
      // Every check ran: testssl reports what it could not do as scanProblem or FATAL.
      expect(findings.filter((f) => f.id.startsWith('scanProblem') || f.severity === 'FATAL')).toEqual([]);
      expect(serious(findings).filter((f) => !TEST_CERTIFICATE_FINDINGS.includes(f.id))).toEqual([]);
      // The excused finding really is reported, so the excuse is still needed.
      expect(serious(findings).map((f) => f.id)).toEqual(TEST_CERTIFICATE_FINDINGS);
      // Trusting the test certificate made the chain pass, so the grade is the configuration's.
      expect(finding(findings, 'cert_chain_of_trust')).toBe('passed.');
      expect(finding(findings, 'overall_grade')).toBe('A+');
    }, 600_000);
  },
);
