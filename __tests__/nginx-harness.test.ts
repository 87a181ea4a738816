import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findLocalNginxes, probeNginx } from '../tools/nginx-harness';

/**
 * Which NGINX builds the harness runs: read from `nginx -V` of stand-in executables that
 * print what real builds print, so these tests need no NGINX.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-probe-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An executable that answers `-V` on stderr, as NGINX does. */
function fakeNginx(name: string, versionText: string, exitCode = 0): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\ncat >&2 <<'EOF'\n${versionText}\nEOF\nexit ${exitCode}\n`, { mode: 0o755 });
  return file;
}

const DEBIAN_12 = [
  'nginx version: nginx/1.22.1',
  'built with OpenSSL 3.0.11 19 Sep 2023 (running with OpenSSL 3.0.22 1 Jul 2026)',
  'TLS SNI support enabled',
  'configure arguments: --with-cc-opt=-O2 --without-http_uwsgi_module --without-http_scgi_module',
].join('\n');
const DEBIAN_TESTING = [
  'nginx version: nginx/1.30.6',
  'built with OpenSSL 3.6.5 29 Sep 2026',
  'TLS SNI support enabled',
  'configure arguments: --with-cc-opt=-O2',
].join('\n');

describe('probeNginx', () => {
  it('reads the version, the OpenSSL it runs with, and the modules with temporary paths', () => {
    expect(probeNginx(fakeNginx('debian-12', DEBIAN_12))).toEqual({
      binary: path.join(dir, 'debian-12'),
      version: '1.22.1',
      openssl: '3.0.22',
      tempPathModules: ['fastcgi'],
    });
  });

  it('takes the OpenSSL it was built with when it runs with that same one', () => {
    expect(probeNginx(fakeNginx('testing', DEBIAN_TESTING))).toMatchObject({ version: '1.30.6', openssl: '3.6.5', tempPathModules: ['fastcgi', 'uwsgi', 'scgi'] });
  });

  it('finds nothing in a program that fails or prints no NGINX version', () => {
    expect(probeNginx(fakeNginx('failing', DEBIAN_12, 1))).toBeUndefined();
    expect(probeNginx(fakeNginx('other', 'something else 1.2.3'))).toBeUndefined();
    expect(probeNginx(path.join(dir, 'missing'))).toBeUndefined();
  });
});

describe('findLocalNginxes', () => {
  it('runs every build NGINX_BIN lists, in order', () => {
    const found = findLocalNginxes({ NGINX_BIN: `${fakeNginx('a', DEBIAN_12)}:${fakeNginx('b', DEBIAN_TESTING)}` });
    expect(found.map((n) => n.version)).toEqual(['1.22.1', '1.30.6']);
  });

  it('refuses a listed build that does not run, naming it', () => {
    const missing = path.join(dir, 'not-there');
    expect(() => findLocalNginxes({ NGINX_BIN: `${fakeNginx('c', DEBIAN_12)}:${missing}` })).toThrow(
      new RegExp(`NGINX_BIN lists "${missing}", which does not answer "nginx -V"`),
    );
  });
});
