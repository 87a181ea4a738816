import { BlogHostSettings, resolveBlogSettings } from '../constructs/blog-settings';
import { synthBlogHost } from '../test-support/synth';

/** Each bad input names the setting, the value and what is allowed. */
const BAD_INPUTS: [string, BlogHostSettings, RegExp][] = [
  ['a malformed site host', { siteUrl: 'https://www..example.com' }, /siteUrl: got "www\.\.example\.com"; expected a lower-case host name/],
  ['an upper-case redirect domain', { redirectDomains: ['Example.com'] }, /redirectDomains\[0\]: got "Example\.com"; expected a lower-case host name/],
  ['a single-label admin domain', { adminDomain: 'admin' }, /adminDomain: got "admin"; expected a lower-case host name/],
  ['a duplicate domain', { redirectDomains: ['example.com', 'www.example.com'] }, /redirectDomains: got "www\.example\.com"; each host name may be used by one site only/],
  ['a relative content path', { ghost: { contentPath: 'var/lib/ghost' } }, /ghost\.contentPath: got "var\/lib\/ghost"; expected an absolute path/],
  ['a data path with ..', { mysql: { dataPath: '/var/lib/../ghost' } }, /mysql\.dataPath: got "\/var\/lib\/\.\.\/ghost"; expected an absolute path/],
  ['a relative key path', { tls: { keyPath: 'privkey.pem' } }, /tls\.keyPath: got "privkey\.pem"; expected an absolute path/],
  ['overlapping data paths', { mysql: { dataPath: '/var/lib/ghost/mysql' } }, /mysql\.dataPath: got "\/var\/lib\/ghost\/mysql"; data directories may not overlap; ghost\.contentPath is "\/var\/lib\/ghost"/],
  ['zero memory', { proxy: { memoryMb: 0 } }, /proxy\.memoryMb: got 0; expected a whole number of MiB greater than 0/],
  ['negative memory', { ghost: { memoryMb: -5 } }, /ghost\.memoryMb: got -5; expected a whole number of MiB greater than 0/],
  ['fractional memory', { mysql: { memoryMb: 1.5 } }, /mysql\.memoryMb: got 1\.5; expected a whole number/],
  ['swap below memory', { ghost: { memoryMb: 512, memorySwapMb: 256 } }, /ghost\.memorySwapMb: got 256; expected a whole number of MiB of at least the memory limit \(512\), or -1 for unlimited swap/],
  ['swap of -2', { proxy: { memorySwapMb: -2 } }, /proxy\.memorySwapMb: got -2;/],
  ['a port out of range', { ports: { https: 70000 } }, /ports\.https: got 70000; expected a whole number from 1 to 65535/],
  ['port zero', { ports: { http: 0 } }, /ports\.http: got 0; expected a whole number from 1 to 65535/],
  ['a port used twice', { ports: { http: 8443, https: 8443 } }, /ports: got 8443; each published port may be used once/],
  ['an unknown restart policy', { ghost: { restart: 'sometimes' as never } }, /ghost\.restart: got "sometimes"; expected one of "no", "on-failure", "always", "unless-stopped"/],
  ['an unknown log size', { proxy: { logMaxSize: '10 MB' } }, /proxy\.logMaxSize: got "10 MB"; expected a positive whole number followed by k, m or g/],
  ['zero log files', { mysql: { logMaxFiles: 0 } }, /mysql\.logMaxFiles: got 0; expected a whole number of files of at least 1/],
  ['an http:// site URL while TLS is on', { siteUrl: 'http://www.example.com' }, /siteUrl: got "http:\/\/www\.example\.com"; TLS is on, so the site URL must start with https:\/\//],
  ['an https:// site URL while TLS is off', { siteUrl: 'https://www.example.com', tls: { enabled: false } }, /siteUrl: got "https:\/\/www\.example\.com"; TLS is off/],
  ['a site URL with a path', { siteUrl: 'https://www.example.com/blog' }, /siteUrl: got "https:\/\/www\.example\.com\/blog"; expected a URL with only a scheme and a host name/],
  ['an unknown TLS profile', { tls: { profile: 'old' as never } }, /tls\.profile: got "old"; expected one of "intermediate", "modern"/],
  ['a cache time that is not a duration', { proxy: { cacheValidTime: 'ten minutes' } }, /proxy\.cacheValidTime: got "ten minutes"; expected a duration/],
  ['a body size that is not a size', { proxy: { clientMaxBodySize: '50 MB' } }, /proxy\.clientMaxBodySize: got "50 MB"; expected a size/],
  ['a Docker host that is no Docker address', { dockerHost: 'deploy@host' }, /dockerHost: got "deploy@host"; expected unix:/],
  ['a container name Docker refuses', { ghost: { containerName: 'my ghost' } }, /ghost\.containerName: got "my ghost"; expected a Docker name/],
  ['two containers with one name', { mysql: { containerName: 'ghost' } }, /containerName: got "ghost"; each container needs its own name/],
  ['a time zone with spaces', { timeZone: 'Eastern Time' }, /timeZone: got "Eastern Time"; expected an IANA time zone name/],
  ['a MySQL user with a quote', { mysql: { user: "gh'ost" } }, /mysql\.user: got "gh'ost"; expected 1 to 32 letters, digits or underscores/],
  ['a relative ACME webroot', { tls: { acmeWebroot: 'webroot' } }, /tls\.acmeWebroot: got "webroot"; expected an absolute path/],
  ['an ACME webroot without TLS', { siteUrl: 'http://www.example.com', tls: { enabled: false, acmeWebroot: '/var/www/acme' } }, /tls\.acmeWebroot: got "\/var\/www\/acme"; challenges are only served when tls\.enabled is true/],
  ['a mail host that is no host', { mail: { host: 'smtp' } }, /mail\.host: got "smtp"; expected a lower-case host name/],
  ['a mail port out of range', { mail: { port: 0 } }, /mail\.port: got 0; expected a whole number from 1 to 65535/],
];

describe('resolveBlogSettings', () => {
  it.each(BAD_INPUTS)('refuses %s', (_what, settings, message) => {
    expect(() => resolveBlogSettings(settings)).toThrow(message);
  });

  it('refuses bad input at synth time, from the stack itself', () => {
    expect(() => synthBlogHost({ proxy: { memoryMb: 0 } })).toThrow(/Invalid setting proxy\.memoryMb: got 0/);
  });

  it('accepts unlimited swap', () => {
    expect(resolveBlogSettings({ ghost: { memorySwapMb: -1 } }).ghost.memorySwapMb).toBe(-1);
  });

  it('derives the certificate paths from the blog host', () => {
    const settings = resolveBlogSettings({ siteUrl: 'https://blog.example.net' });
    expect(settings.tls.certificatePath).toBe('/etc/letsencrypt/live/blog.example.net/fullchain.pem');
    expect(settings.tls.keyPath).toBe('/etc/letsencrypt/live/blog.example.net/privkey.pem');
  });

  it('defaults the site URL to http:// when TLS is off', () => {
    expect(resolveBlogSettings({ tls: { enabled: false } }).siteUrl).toBe('http://www.example.com');
  });

  it('keeps every value the user set', () => {
    const settings = resolveBlogSettings({ proxy: { memoryMb: 100, memorySwapMb: 100, logMaxFiles: 1 }, redirectDomains: [] });
    expect(settings.proxy).toMatchObject({ memoryMb: 100, memorySwapMb: 100, logMaxFiles: 1 });
    expect(settings.redirectDomains).toEqual([]);
  });
});
