import { resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';
import { SettingsError } from '../core/validation';
import { synthBlogHost } from '../test-support/synth';

/** Settings as a file would hold them, types unchecked. */
function loose(value: unknown): BlogHostSettings {
  return value as BlogHostSettings;
}

/** A certificate of your own, on the host. */
const OWN_CERTIFICATE = { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' } as const;

/** Each bad input names the setting, the value and what is allowed. */
const BAD_INPUTS: [string, BlogHostSettings, RegExp][] = [
  ['a malformed site host', { siteUrl: 'https://www..example.com' }, /siteUrl: got "www\.\.example\.com"; expected a lower-case host name/],
  ['an upper-case redirect domain', { redirectDomains: ['Example.com'] }, /redirectDomains\[0\]: got "Example\.com"; expected a lower-case host name/],
  ['a single-label admin domain', { adminDomain: 'admin' }, /adminDomain: got "admin"; expected a lower-case host name/],
  ['a duplicate domain', { redirectDomains: ['example.com', 'www.example.com'] }, /redirectDomains: got "www\.example\.com"; each host name may be used by one site only/],
  ['a relative content path', { ghost: { contentPath: 'var/lib/ghost' } }, /ghost\.contentPath: got "var\/lib\/ghost"; expected an absolute path/],
  ['a data path with ..', { mysql: { dataPath: '/var/lib/../ghost' } }, /mysql\.dataPath: got "\/var\/lib\/\.\.\/ghost"; expected an absolute path/],
  ['a relative key path', { tls: { certificatePath: '/srv/fullchain.pem', keyPath: 'privkey.pem' } }, /tls\.keyPath: got "privkey\.pem"; expected an absolute path/],
  ['overlapping data paths', { mysql: { dataPath: '/var/lib/ghost/mysql' } }, /mysql\.dataPath: got "\/var\/lib\/ghost\/mysql"; host paths of different containers may not overlap; ghost\.contentPath is "\/var\/lib\/ghost"/],
  ['zero memory', { proxy: { memoryMb: 0 } }, /proxy\.memoryMb: got 0; expected a whole number of MiB from 6 \(Docker's minimum\) to 1048576/],
  ['memory below Docker\'s minimum', { proxy: { memoryMb: 5 } }, /proxy\.memoryMb: got 5; expected a whole number of MiB from 6/],
  ['absurd memory', { ghost: { memoryMb: 2 ** 40 } }, /ghost\.memoryMb: got 1099511627776; expected a whole number of MiB from 6/],
  ['negative memory', { ghost: { memoryMb: -5 } }, /ghost\.memoryMb: got -5; expected a whole number of MiB/],
  ['fractional memory', { mysql: { memoryMb: 1.5 } }, /mysql\.memoryMb: got 1\.5; expected a whole number/],
  ['swap below memory', { ghost: { memoryMb: 512, memorySwapMb: 256 } }, /ghost\.memorySwapMb: got 256; expected a whole number of MiB of at least the memory limit \(512\) and at most 1048576, or -1 for unlimited swap/],
  ['swap below the default memory', { mysql: { memorySwapMb: 100 } }, /mysql\.memorySwapMb: got 100; expected a whole number of MiB of at least the memory limit \(512\)/],
  ['swap of -2', { proxy: { memorySwapMb: -2 } }, /proxy\.memorySwapMb: got -2;/],
  ['a port out of range', { ports: { https: 70000 } }, /ports\.https: got 70000; expected a whole number from 1 to 65535/],
  ['port zero', { ports: { http: 0 } }, /ports\.http: got 0; expected a whole number from 1 to 65535/],
  ['a port used twice', { ports: { http: 8443, https: 8443 } }, /ports: got 8443; each published port may be used once/],
  ['an unknown restart policy', { ghost: { restart: 'sometimes' as never } }, /ghost\.restart: got "sometimes"; expected one of "no", "on-failure", "always", "unless-stopped"/],
  ['an unknown log size', { proxy: { logMaxSize: '10 MB' } }, /proxy\.logMaxSize: got "10 MB"; expected a positive whole number of at most six digits followed by k, m or g/],
  ['zero log files', { mysql: { logMaxFiles: 0 } }, /mysql\.logMaxFiles: got 0; expected a whole number of files from 1 to 100/],
  ['an http:// site URL while TLS is on', { siteUrl: 'http://www.example.com' }, /siteUrl: got "http:\/\/www\.example\.com"; TLS is on, so the site URL must start with https:\/\//],
  ['an https:// site URL while TLS is off', { siteUrl: 'https://www.example.com', tls: { enabled: false } }, /siteUrl: got "https:\/\/www\.example\.com"; TLS is off/],
  ['a site URL with a path', { siteUrl: 'https://www.example.com/blog' }, /siteUrl: got "https:\/\/www\.example\.com\/blog"; expected a URL with only a scheme and a host name/],
  ['an unknown TLS profile', { tls: { profile: 'old' as never } }, /tls\.profile: got "old"; expected one of "intermediate", "modern"/],
  ['a cache time that is not a duration', { proxy: { cacheValidTime: 'ten minutes' } }, /proxy\.cacheValidTime: got "ten minutes"; expected an NGINX time from 1s to 1y/],
  ['a cache time in milliseconds, which NGINX refuses there', { proxy: { cacheValidTime: '1ms' } }, /proxy\.cacheValidTime: got "1ms"; expected an NGINX time .*NGINX refuses ms here/],
  ['a cache time beyond a year', { proxy: { cacheValidTime: '2y' } }, /proxy\.cacheValidTime: got "2y"; expected an NGINX time from 1s to 1y/],
  ['a body size that is not a size', { proxy: { clientMaxBodySize: '50 MB' } }, /proxy\.clientMaxBodySize: got "50 MB"; expected a size NGINX accepts/],
  ['a body size NGINX would overflow', { proxy: { clientMaxBodySize: '12345678901234567890123' } }, /proxy\.clientMaxBodySize: got "12345678901234567890123"; expected a size NGINX accepts/],
  ['a body size of 0, which NGINX reads as no limit', { proxy: { clientMaxBodySize: '0' } }, /proxy\.clientMaxBodySize: got "0"; expected a size above zero; NGINX reads 0 as no limit at all, so write "unlimited"/],
  ['a Docker host that is no Docker address', { dockerHost: 'deploy@host' }, /dockerHost: got "deploy@host"; expected unix:/],
  ['a Docker host with more after it', { dockerHost: 'ssh://deploy@host; rm -rf /' }, /dockerHost: got "ssh:\/\/deploy@host; rm -rf \/"; expected unix:\/\/\/path\/to\/docker\.sock, ssh:\/\/user@host\[:port\] or tcp:\/\/host:port, and nothing else/],
  ['a container name Docker refuses', { ghost: { containerName: 'my ghost' } }, /ghost\.containerName: got "my ghost"; expected a Docker name/],
  ['two containers with one name', { mysql: { containerName: 'ghost' } }, /containerName: got "ghost"; each container needs its own name/],
  ['a time zone with spaces', { timeZone: 'Eastern Time' }, /timeZone: got "Eastern Time"; expected an IANA time zone name/],
  ['a MySQL user with a quote', { mysql: { user: "gh'ost" } }, /mysql\.user: got "gh'ost"; expected 1 to 32 letters, digits or underscores/],
  ['a relative ACME webroot', { tls: { ...OWN_CERTIFICATE, acmeWebroot: 'webroot' } }, /tls\.acmeWebroot: got "webroot"; expected an absolute path/],
  ['an ACME webroot without TLS', { siteUrl: 'http://www.example.com', tls: { enabled: false, acmeWebroot: '/var/www/acme' } }, /tls\.acmeWebroot: got "\/var\/www\/acme"; certificates and challenges are only used when tls\.enabled is true/],
  ['an ACME webroot with the stack\'s own ACME client', { tls: { acmeWebroot: '/var/www/acme' } }, /tls\.acmeWebroot: got "\/var\/www\/acme"; the stack answers its own ACME challenges; a webroot is for a certbot of your own/],
  ['a certificate without its key', { tls: { certificatePath: '/srv/tls/fullchain.pem' } }, /tls\.keyPath: got nothing; tls\.certificatePath is set, so tls\.keyPath is needed too/],
  ['your own certificate and the ACME client at once', { tls: { ...OWN_CERTIFICATE, acme: { email: 'a@example.net' } } }, /tls\.acme: got .*; certificate paths are given, so the certificate is your own; give either tls\.acme or tls\.certificatePath and tls\.keyPath/],
  ['ACME without a contact for a real domain', { siteUrl: 'https://blog.example.net.uk' }, /tls\.acme\.email: got nothing; the stack gets certificates for blog\.example\.net\.uk over ACME, so it needs the contact address of the account/],
  ['an ACME contact that is no address', { tls: { acme: { email: 'webmaster' } } }, /tls\.acme\.email: got "webmaster"; expected an e-mail address/],
  ['an ACME directory that is no https URL', { tls: { acme: { directory: 'http://acme.example.net/dir' } } }, /tls\.acme\.directory: got "http:\/\/acme\.example\.net\/dir"; expected "production", "staging" or the https:\/\/ URL of an RFC 8555 \(ACME\) directory/],
  ['an external account key id with spaces', { tls: { acme: { externalAccountBinding: { keyId: 'kid 1' } } } }, /tls\.acme\.externalAccountBinding\.keyId: got "kid 1"; expected the key identifier your CA issued/],
  ['ACME settings with TLS off', { siteUrl: 'http://www.example.com', tls: { enabled: false, acme: {} } }, /tls\.acme: got \{\}; certificates are only issued when tls\.enabled is true/],
  ['an ACME data path in the MySQL data', { tls: { acme: { dataPath: '/var/lib/ghost-mysql/le' } } }, /tls\.acme\.dataPath: got "\/var\/lib\/ghost-mysql\/le"; host paths of different containers may not overlap; mysql\.dataPath is "\/var\/lib\/ghost-mysql"/],
  ['an ACME client named like another container', { tls: { acme: { containerName: 'proxy' } } }, /containerName: got "proxy"; each container needs its own name/],
  ['a mail host that is no host', { mail: { host: 'smtp', user: 'u' } }, /mail\.host: got "smtp"; expected a lower-case host name/],
  ['a mail port out of range', { mail: { host: 'smtp.example.net', user: 'u', port: 0 } }, /mail\.port: got 0; expected a whole number from 1 to 65535/],
  ['a mail setting without its host', loose({ mail: { user: 'u' } }), /mail\.host: got nothing; expected a value: this setting is required/],
  ['mail set to true', loose({ mail: true }), /mail: got true; expected false or an object/],
  // Hostile settings: nothing may reach Terraform or NGINX as code.
  ['a sender with a line break (a second mail header)', { mail: { host: 'smtp.example.net', user: 'u', from: 'Blog <b@example.com>\r\nBcc: x@evil.example' } }, /mail\.from: got .*; expected no line breaks, tabs or other control characters/],
  ['a data path with Terraform template syntax', { ghost: { contentPath: '/srv/${file("/etc/passwd")}' } }, /ghost\.contentPath: got "\/srv\/\$\{file\(\\"\/etc\/passwd\\"\)\}"; expected no Terraform template syntax/],
  ['a certificate path with a template directive', { tls: { keyPath: '/srv/privkey.pem', certificatePath: '/srv/%{if true}x%{endif}' } }, /tls\.certificatePath: got .*; expected no Terraform template syntax/],
  ['an ACME webroot with template syntax', { tls: { ...OWN_CERTIFICATE, acmeWebroot: '/srv/${var.mysql_root_password}' } }, /tls\.acmeWebroot: .*expected no Terraform template syntax/],
  ['a Docker host with template syntax', { dockerHost: 'unix:///var/run/docker.sock${file("/etc/passwd")}' }, /dockerHost: .*expected no Terraform template syntax/],
  ['a cdktf token in free text', { mail: { host: 'smtp.example.net', user: 'u', from: 'x ${TfToken[TOKEN.1]}' } }, /mail\.from: .*expected no cdktf token markers/],
  ['a cdktf token in a name', { name: '${TfToken[TOKEN.1]}' }, /name: .*expected no cdktf token markers/],
  ['an ActivityPub upstream with a client-chosen variable', { proxy: { activityPubUpstream: 'http://$http_x_target' } }, /proxy\.activityPubUpstream: got "http:\/\/\$http_x_target"; expected http:\/\/ or https:\/\/, a lower-case host name or IPv4 address and an optional port, and nothing else/],
  ['an ActivityPub upstream with an injected directive', { proxy: { activityPubUpstream: 'https://ap.ghost.org;internal' } }, /proxy\.activityPubUpstream: got "https:\/\/ap\.ghost\.org;internal"; expected http:\/\/ or https:\/\//],
  ['an ActivityPub upstream with a path', { proxy: { activityPubUpstream: 'https://ap.ghost.org/x' } }, /proxy\.activityPubUpstream: got "https:\/\/ap\.ghost\.org\/x"/],
  ['the directory holding the Docker socket as content', { ghost: { contentPath: '/var/run' } }, /ghost\.contentPath: got "\/var\/run"; expected a directory of its own, outside the host's system directories \(it is \/var\/run\)/],
  ['a parent of the Docker socket as content', { ghost: { contentPath: '/var' } }, /ghost\.contentPath: got "\/var"; expected a directory of its own, outside the host's system directories \(it overlaps \/var\/run\)/],
  ['/etc as a data path', { mysql: { dataPath: '/etc' } }, /mysql\.dataPath: got "\/etc"; expected a directory of its own, outside the host's system directories \(it is \/etc\)/],
  ['a data path inside /usr', { mysql: { dataPath: '/usr/local/mysql' } }, /mysql\.dataPath: got "\/usr\/local\/mysql"; .*\(it overlaps \/usr\)/],
  ['a key inside /proc', { tls: { certificatePath: '/srv/fullchain.pem', keyPath: '/proc/self/environ' } }, /tls\.keyPath: got "\/proc\/self\/environ"; expected a file outside the kernel's and the container runtime's directories/],
  ['an ACME webroot equal to the MySQL data path', { tls: { ...OWN_CERTIFICATE, acmeWebroot: '/var/lib/ghost-mysql' } }, /tls\.acmeWebroot: got "\/var\/lib\/ghost-mysql"; host paths of different containers may not overlap; mysql\.dataPath is "\/var\/lib\/ghost-mysql"/],
  ['a certificate directory inside the content', { tls: { certificatePath: '/var/lib/ghost/tls/fullchain.pem', keyPath: '/var/lib/ghost/tls/privkey.pem' } }, /tls\.certificatePath: got "\/var\/lib\/ghost\/tls\/\.\.\."; host paths of different containers may not overlap; ghost\.contentPath is "\/var\/lib\/ghost"/],
  ['an empty stack name', { name: '' }, /Invalid setting name: got ""; expected a stack name: lower-case letters and digits/],
  ['a stack name with capitals, which Docker refuses as an image name', { name: 'MyBlog' }, /Invalid setting name: got "MyBlog"; expected a stack name: lower-case letters and digits, joined by one "\.", one or two "_", or dashes, at most 63 characters \(it names the images the stack builds, which Docker takes in lower case only\)/],
  ['a stack name with two dots in a row', { name: 'my..blog' }, /Invalid setting name: got "my\.\.blog"; expected a stack name/],
  ['a stack name ending in a dash', { name: 'blog-' }, /Invalid setting name: got "blog-"; expected a stack name/],
  ['a backup schedule by month', { backup: { schedule: 'monthly' } }, /backup\.schedule: got "monthly"; expected "hourly", "daily", "weekly" or "every <n>h" \(n from 1 to 744\)/],
  ['backups every 0 hours', { backup: { schedule: 'every 0h' } }, /backup\.schedule: got "every 0h"/],
  ['a backup time without its leading zero', { backup: { at: '3:00' } }, /backup\.at: got "3:00"; expected a time of day HH:MM \(UTC\), such as "03:00"/],
  ['a backup time past midnight', { backup: { at: '24:00' } }, /backup\.at: got "24:00"/],
  ['a negative number of backups to keep', { backup: { keepDaily: -1 } }, /backup\.keepDaily: got -1; expected a whole number from 0 to 1000/],
  ['a fraction of a backup to keep', { backup: { keepWeekly: 1.5 } }, /backup\.keepWeekly: got 1\.5; expected a whole number from 0 to 1000/],
  ['no backup to keep at all', { backup: { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } }, /backup\.keepDaily: got 0; expected at least one backup to keep: keepDaily, keepWeekly and keepMonthly are all 0/],
  ['a backup repository over FTP', { backup: { repository: 'ftp://backup.example.net/blog' } }, /backup\.repository: got "ftp:\/\/backup\.example\.net\/blog"; expected a host folder such as "\/var\/lib\/ghost-backups", "s3:https:\/\/host\/bucket\[\/prefix\]" or "sftp:user@host:\/path"/],
  ['an S3 repository over plain HTTP', { backup: { repository: 's3:http://s3.example.net/bucket' } }, /backup\.repository: got "s3:http:\/\/s3\.example\.net\/bucket"/],
  ['a backup repository in /etc', { backup: { repository: '/etc/backups' } }, /backup\.repository: got "\/etc\/backups"; expected a directory of its own, outside the host's system directories \(it overlaps \/etc\)/],
  ['a backup repository inside the content it backs up', { backup: { repository: '/var/lib/ghost/backups' } }, /backup\.repository: got "\/var\/lib\/ghost\/backups"; host paths of different containers may not overlap; ghost\.contentPath is "\/var\/lib\/ghost"/],
  ['an SFTP repository without its host key', { backup: { repository: 'sftp:backup@backup.example.net:/srv/restic' } }, /backup\.sftpKnownHosts: got nothing; an sftp: repository needs the server's host key line/],
  ['a host key for a repository on the host', { backup: { sftpKnownHosts: 'backup.example.net ssh-ed25519 AAAA' } }, /backup\.sftpKnownHosts: got "backup\.example\.net ssh-ed25519 AAAA"; a host key is only used with an sftp: repository/],
  ['a backup container named like another', { backup: { containerName: 'ghost' } }, /containerName: got "ghost"; each container needs its own name/],
  ['a backup repository password in the settings', { backup: { password: 'hunter2-hunter2' } } as unknown as BlogHostSettings, /backup\.password: secrets may only be given as sensitive Terraform variables \(.*TF_VAR_restic_password.*\), never in the settings file/],
];

describe('resolveBlogSettings', () => {
  it.each(BAD_INPUTS)('refuses %s', (_what, settings, message) => {
    expect(() => resolveBlogSettings(settings)).toThrow(message);
  });

  it('reports every problem at once, one line each', () => {
    const attempt = () => resolveBlogSettings(loose({ proxy: { memoryMb: 0, logMaxFiles: 0 }, ports: { http: 'x' }, colour: 'blue' }));
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(/^4 invalid settings:\n( {2}- Invalid setting [^\n]+\n){3} {2}- Invalid setting [^\n]+$/);
    for (const line of [
      /\n {2}- Invalid setting proxy\.memoryMb: got 0; [^\n]+\./,
      /\n {2}- Invalid setting proxy\.logMaxFiles: got 0; [^\n]+\./,
      /\n {2}- Invalid setting ports\.http: got "x"; expected a number\./,
      /\n {2}- Invalid setting colour: unknown setting; allowed here: name, dockerHost, siteUrl, /,
    ]) {
      expect(attempt).toThrow(line);
    }
  });

  it('refuses an unknown key without printing its value, and lists what is allowed', () => {
    const attempt = () => resolveBlogSettings(loose({ proxy: { memory: 'sentinel-value-41' } }));
    expect(attempt).toThrow(/Invalid setting proxy\.memory: unknown setting; allowed here: containerName, memoryMb, memorySwapMb, restart, logMaxSize, logMaxFiles, staticRoot/);
    expect(attempt).not.toThrow(/sentinel-value-41/);
  });

  it.each(['password', 'pwd', 'pw', 'passphrase', 'secret', 'apiKey', 'api_key', 'token', 'credentials', 'privateKey', 'hmacKey'])(
    'refuses a key that looks secret (%s) with a pointer to the variables, never echoing it',
    (key) => {
      const attempt = () => resolveBlogSettings(loose({ mail: { host: 'smtp.example.net', user: 'u', [key]: 'hunter2-sentinel' } }));
      expect(attempt).toThrow(new RegExp(`mail\\.${key}: secrets may only be given as sensitive Terraform variables \\(TF_VAR_mysql_root_password`));
      expect(attempt).not.toThrow(/hunter2/);
    },
  );

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('treats the inherited name %s as the unknown key it is', (key) => {
    expect(() => resolveBlogSettings(JSON.parse(`{"${key}": {}}`))).toThrow(new RegExp(`Invalid setting ${key}: unknown setting`));
    expect(() => resolveBlogSettings(JSON.parse(`{"tls": {"${key}": {}}}`))).toThrow(new RegExp(`Invalid setting tls\\.${key}: unknown setting`));
  });

  it('never shows a password written into an SSH Docker address', () => {
    const attempt = () => resolveBlogSettings({ dockerHost: 'ssh://deploy:hunter2-sentinel@blog.example.org' });
    expect(attempt).toThrow(/dockerHost: got "ssh:\/\/deploy:\(redacted\)@blog\.example\.org"; expected no password in an ssh:\/\/ address/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('names the setting of a value of the wrong type', () => {
    expect(() => resolveBlogSettings(loose({ ports: { http: '80' } }))).toThrow(/ports\.http: got "80"; expected a number/);
    expect(() => resolveBlogSettings(loose({ redirectDomains: 'example.com' }))).toThrow(/redirectDomains: got "example\.com"; expected a list/);
    expect(() => resolveBlogSettings(loose({ tls: true }))).toThrow(/tls: got true; expected an object/);
  });

  it('refuses bad input at synth time, from the stack itself, before building anything', () => {
    expect(() => synthBlogHost({ proxy: { memoryMb: 0 } })).toThrow(/Invalid setting proxy\.memoryMb: got 0/);
  });

  it('accepts unlimited swap, and unlimited uploads said in words', () => {
    expect(resolveBlogSettings({ ghost: { memorySwapMb: -1 } }).ghost.memorySwapMb).toBe(-1);
    expect(resolveBlogSettings({ proxy: { clientMaxBodySize: 'unlimited' } }).proxy.clientMaxBodySize).toBe('unlimited');
  });

  it('accepts stack names Docker takes as image repositories', () => {
    for (const name of ['blog', 'my-blog', 'my--blog', 'blog.example.com', 'my_blog', 'my__blog', 'blog2026']) {
      expect(resolveBlogSettings({ name }).name).toBe(name);
    }
  });

  it('accepts the Docker addresses users write', () => {
    for (const dockerHost of ['unix:///var/run/docker.sock', 'ssh://deploy@blog.example.org', 'ssh://blog.example.org:2222', 'tcp://10.0.0.5:2376', 'ssh://deploy@[2001:db8::1]']) {
      expect(resolveBlogSettings({ dockerHost }).dockerHost).toBe(dockerHost);
    }
  });

  it("gets certificates with the stack's own ACME client by default, for every name it serves", () => {
    const tls = resolveBlogSettings({ adminDomain: 'admin.example.com' }).tls;
    expect(tls.mode).toBe('acme');
    expect(tls.certificatePath).toBeUndefined();
    expect(tls.acme).toMatchObject({
      email: 'webmaster@example.com',
      directoryName: 'production',
      directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
      dataPath: '/var/lib/ghost-letsencrypt',
      hostNames: ['www.example.com', 'example.com', 'admin.example.com'],
      containerName: 'certbot',
      memoryMb: 128,
      memorySwapMb: 256,
    });
  });

  it("takes Let's Encrypt's staging CA or any ACME directory, and an external account binding", () => {
    const staging = resolveBlogSettings({ siteUrl: 'https://blog.example.net.uk', tls: { acme: { email: 'me@example.net.uk', directory: 'staging' } } }).tls.acme!;
    expect([staging.directoryName, staging.directoryUrl]).toEqual(['staging', 'https://acme-staging-v02.api.letsencrypt.org/directory']);
    const custom = resolveBlogSettings({ tls: { acme: { directory: 'https://acme.example.net/dir', externalAccountBinding: { keyId: 'kid-1' } } } }).tls.acme!;
    expect([custom.directoryName, custom.directoryUrl, custom.eabKeyId]).toEqual(['custom', 'https://acme.example.net/dir', 'kid-1']);
  });

  it('brings your own certificate when both paths are given', () => {
    const tls = resolveBlogSettings({ tls: { ...OWN_CERTIFICATE, acmeWebroot: '/var/lib/letsencrypt-webroot' } }).tls;
    expect(tls).toMatchObject({ mode: 'files', ...OWN_CERTIFICATE, acmeWebroot: '/var/lib/letsencrypt-webroot' });
    expect(tls.acme).toBeUndefined();
  });

  it('defaults the site URL to http:// when TLS is off', () => {
    const settings = resolveBlogSettings({ tls: { enabled: false } });
    expect(settings.siteUrl).toBe('http://www.example.com');
    expect(settings.scheme).toBe('http');
  });

  it('keeps every value the user set', () => {
    const settings = resolveBlogSettings({ proxy: { memoryMb: 100, memorySwapMb: 100, logMaxFiles: 1 }, redirectDomains: [] });
    expect(settings.proxy).toMatchObject({ memoryMb: 100, memorySwapMb: 100, logMaxFiles: 1 });
    expect(settings.redirectDomains).toEqual([]);
  });

  it('backs up daily by default into a host folder, keeping 7 daily, 4 weekly and 6 monthly backups', () => {
    expect(resolveBlogSettings({}).backup).toEqual({
      containerName: 'backup', memoryMb: 256, memorySwapMb: 512, restart: 'always', logMaxSize: '1m', logMaxFiles: 3,
      schedule: 'daily', intervalSeconds: 86400, at: '03:00', keepDaily: 7, keepWeekly: 4, keepMonthly: 6,
      repository: { kind: 'local', path: '/var/lib/ghost-backups' },
    });
  });

  it('backs up on the schedule, time and retention given, off the host too, or not at all', () => {
    const s3 = resolveBlogSettings({ backup: { schedule: 'every 6h', at: '00:30', keepDaily: 14, keepWeekly: 0, keepMonthly: 12, repository: 's3:https://s3.example.net/bucket/blog' } }).backup!;
    expect(s3).toMatchObject({ schedule: 'every 6h', intervalSeconds: 21600, at: '00:30', keepDaily: 14, keepWeekly: 0, keepMonthly: 12, repository: { kind: 's3', url: 's3:https://s3.example.net/bucket/blog' } });
    const sftp = resolveBlogSettings({ backup: { schedule: 'hourly', repository: 'sftp:backup@backup.example.net:/srv/restic', sftpKnownHosts: 'backup.example.net ssh-ed25519 AAAA' } }).backup!;
    expect(sftp).toMatchObject({ intervalSeconds: 3600, repository: { kind: 'sftp', url: 'sftp:backup@backup.example.net:/srv/restic', knownHosts: 'backup.example.net ssh-ed25519 AAAA' } });
    expect(resolveBlogSettings({ backup: false }).backup).toBeUndefined();
  });

  it('sends no mail by default, rather than pointing at a relay that does not exist', () => {
    expect(resolveBlogSettings({}).mail).toBeUndefined();
  });
});
