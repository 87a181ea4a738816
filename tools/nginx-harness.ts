import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { NginxLayout, ProxyConfigOptions, renderNginxConfig, TlsCertificateFiles, WATCH_ENV_FILE } from '../core/nginx-config';
import { PROXY_ASSET_DIR, PROXY_HEALTH_PORT, proxyConfigOptions, proxyHostNames, resolveStaticRoot, servingCertificate } from '../core/proxy-options';
import { GHOST_ENDPOINT } from '../core/services';
import { ResolvedBlogSettings, resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';
import { DnsResponder } from './dns-responder';
import { childPids } from './process-usage';

/**
 * Runs the generated proxy configuration on the local NGINX, on loopback, with a fresh
 * self-signed certificate: the `proxy:preview` command and the real-NGINX tests both use it.
 */

export interface LocalNginx {
  readonly binary: string;
  readonly version: string;
  /** OpenSSL major.minor.patch NGINX runs with. */
  readonly openssl: string;
  /** Modules with temporary paths that this build includes. */
  readonly tempPathModules: readonly ('fastcgi' | 'uwsgi' | 'scgi')[];
}

/** What `nginx -V` says of the binary, or undefined when it does not run. */
export function probeNginx(binary: string): LocalNginx | undefined {
  const result = spawnSync(binary, ['-V'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const text = `${result.stdout}${result.stderr}`;
  const version = /nginx version: nginx\/(\d+\.\d+\.\d+)/.exec(text)?.[1];
  // A build may run with a newer OpenSSL than it was built with; the one it runs with counts.
  const openssl = (/running with OpenSSL (\d+\.\d+\.\d+)/.exec(text) ?? /built with OpenSSL (\d+\.\d+\.\d+)/.exec(text))?.[1];
  const tempPathModules = (['fastcgi', 'uwsgi', 'scgi'] as const).filter((m) => !text.includes(`--without-http_${m}_module`));
  return version && openssl ? { binary, version, openssl, tempPathModules } : undefined;
}

/**
 * The NGINX builds to run: those listed in $NGINX_BIN (colon-separated), or else the first
 * `nginx` on PATH or at /usr/sbin/nginx. The tools use the first; the real-NGINX test
 * suites run on each. A listed binary that does not run is an error, not a skip.
 */
export function findLocalNginxes(env: NodeJS.ProcessEnv = process.env): LocalNginx[] {
  const listed = (env.NGINX_BIN ?? '').split(':').filter((entry) => entry !== '');
  if (listed.length) {
    return listed.map((binary) => {
      const nginx = probeNginx(binary);
      if (!nginx) throw new Error(`NGINX_BIN lists "${binary}", which does not answer "nginx -V" with a version and OpenSSL.`);
      return nginx;
    });
  }
  for (const binary of ['nginx', '/usr/sbin/nginx']) {
    const nginx = probeNginx(binary);
    if (nginx) return [nginx];
  }
  return [];
}

/** How reports and test titles name a build: "NGINX 1.30.6 with OpenSSL 3.6.5". */
export function nginxLabel(nginx: LocalNginx): string {
  return `NGINX ${nginx.version} with OpenSSL ${nginx.openssl}`;
}

/** The first NGINX of `findLocalNginxes()`, or undefined when there is none. */
export function findLocalNginx(): LocalNginx | undefined {
  return findLocalNginxes()[0];
}

/** A free TCP port on loopback (bound, then released for the caller to use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A self-signed ECDSA certificate valid for the given host names. */
export function createSelfSignedCertificate(dir: string, hostNames: readonly string[]): { certificateFile: string; keyFile: string } {
  const certificateFile = path.join(dir, 'fullchain.pem');
  const keyFile = path.join(dir, 'privkey.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '90',
    '-subj', `/CN=${hostNames[0]}`,
    '-addext', `subjectAltName=${hostNames.map((h) => `DNS:${h}`).join(',')}`,
    '-keyout', keyFile, '-out', certificateFile,
  ], { stdio: 'pipe' });
  fs.chmodSync(keyFile, 0o600);
  return { certificateFile, keyFile };
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface PreviewOptions {
  /** Blog settings, as in blog.settings.json. @default the defaults */
  readonly settings?: BlogHostSettings;
  /** Where Ghost (or a stand-in) listens; must be an IPv4 address or a resolvable name. */
  readonly upstream: HostPort;
  /** Where the ActivityPub service listens. @default the settings' upstream */
  readonly activityPub?: HostPort;
  /** @default a free port */
  readonly httpPort?: number;
  /** @default a free port */
  readonly httpsPort?: number;
  /** @default a free port */
  readonly healthPort?: number;
  /** How long the local resolver lets NGINX keep an answer for the Ghost alias. */
  readonly resolverValidSeconds?: number;
  /** The NGINX build to run, and to render for. @default the first of `findLocalNginxes()` */
  readonly nginx?: LocalNginx;
  /** A static root of the caller's instead of the settings' one. @default the settings' static root */
  readonly staticDir?: string;
  /**
   * Where the certificate comes from, as certbot's lineage would be (the watcher installs
   * it once it is there). @default a self-signed pair made for the preview, trusted by clients
   */
  readonly certificateSource?: TlsCertificateFiles;
  /** The folder plain HTTP serves ACME challenges from. @default the settings' webroot */
  readonly acmeChallengeRoot?: string;
  /**
   * Confine NGINX as its container does: only these capabilities (as in core/confinement.ts),
   * no new privileges, and a read-only root filesystem but for the prefix (which stands in
   * for the container's tmpfs and cache volume). Needs root, unshare and setpriv.
   * @default - NGINX runs as the test runs
   */
  readonly capabilities?: readonly string[];
}

/**
 * The command that starts NGINX confined: in a mount namespace of its own where "/" is
 * read-only and only the prefix is writable, with a bounding set of the given capabilities
 * and no_new_privs, as Docker's read_only, cap_drop ALL + cap_add and no-new-privileges do.
 */
export function confinedCommand(command: readonly string[], prefix: string, capabilities: readonly string[]): string[] {
  const bounding = ['-all', ...capabilities.map((c) => `+${c.toLowerCase()}`)].join(',');
  const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro / && shift && exec "$@"';
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'confine', prefix, 'setpriv', '--no-new-privs', `--bounding-set=${bounding}`, `--inh-caps=${bounding}`, '--', ...command];
}

export interface RunningPreview {
  readonly nginx: LocalNginx;
  readonly prefix: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly healthPort: number;
  /** The self-signed certificate, to trust in clients. */
  readonly certificateFile: string;
  /** NGINX's error log. */
  readonly errorLog: string;
  /** What the proxy's watcher said. */
  readonly watchLog: string;
  readonly hostNames: readonly string[];
  readonly blogHost: string;
  /** The rendered files, by path under the prefix's conf/. */
  readonly files: Readonly<Record<string, string>>;
  /** The stand-in for Docker's DNS: move Ghost with `dns.setAddress(ghostAlias, ip)`. */
  readonly dns: DnsResponder;
  readonly ghostAlias: string;
  readonly options: ProxyConfigOptions;
  /** NGINX's master and workers, for CPU and memory readings. */
  pids(): number[];
  /** Stops NGINX and the resolver and removes the prefix. */
  stop(): Promise<void>;
}

async function resolveIPv4(host: string): Promise<string> {
  if (net.isIPv4(host)) return host;
  const { lookup } = await import('dns/promises');
  return (await lookup(host, { family: 4 })).address;
}

/** Whether something accepts connections on the loopback port just now. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once something accepts connections on the loopback port; fails if NGINX exits first. */
export async function waitForPort(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`nginx exited with ${child.exitCode}:\n${readErrorLog(errorLog)}`);
    }
    if (await acceptsConnections(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port} within 10 s:\n${readErrorLog(errorLog)}`);
}

/** NGINX's error log, or its last `lines` lines, for a failure message. */
export function readErrorLog(file: string, lines?: number): string {
  if (!fs.existsSync(file)) return '(no error log)';
  const text = fs.readFileSync(file, 'utf8');
  return lines === undefined ? text : text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Renders the configuration for the local NGINX and starts it in the foreground on
 * loopback. The caller must call `stop()`. Free ports are picked, then bound by NGINX a
 * moment later; if another process takes one in between, it tries again with new ones.
 */
export async function startPreview(options: PreviewOptions): Promise<RunningPreview> {
  const portsChosen = options.httpPort !== undefined || options.httpsPort !== undefined || options.healthPort !== undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPreviewOnce(options);
    } catch (error) {
      if (portsChosen || attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

/** The generated configuration, rendered for one NGINX build into a fresh prefix of its own. */
interface PreparedPrefix {
  readonly prefix: string;
  readonly layout: NginxLayout;
  readonly options: ProxyConfigOptions;
  readonly files: Readonly<Record<string, string>>;
  readonly certificateFile: string;
  readonly hostNames: readonly string[];
  /** NGINX's arguments for this prefix. */
  readonly args: readonly string[];
  /** The watcher's environment file, written with the configuration. */
  readonly watchEnv: string;
}

/** The proxy's watcher, the same script the image runs beside NGINX. */
const PROXY_WATCH_SCRIPT = path.join(PROXY_ASSET_DIR, 'proxy-watch.sh');

interface PrefixPorts {
  readonly staticDir?: string;
  readonly certificateSource?: TlsCertificateFiles;
  readonly acmeChallengeRoot?: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly healthPort: number;
  /** The resolver NGINX asks for the Ghost alias. */
  readonly resolver: string;
  readonly resolverValidSeconds?: number;
  readonly ghostPort: number;
  readonly activityPub?: HostPort;
}

function prepareNginxPrefix(nginx: LocalNginx, settings: ResolvedBlogSettings, ports: PrefixPorts): PreparedPrefix {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-proxy-preview-'));
  // Workers run as an unprivileged user when NGINX starts as root; they must reach the prefix.
  fs.chmodSync(prefix, 0o755);
  for (const dir of ['conf', 'logs', 'tls', 'cache', 'temp']) fs.mkdirSync(path.join(prefix, dir));
  const layout: NginxLayout = {
    staticRoot: ports.staticDir ?? path.join(PROXY_ASSET_DIR, resolveStaticRoot(PROXY_ASSET_DIR, settings.proxy.staticRoot)),
    cacheDir: path.join(prefix, 'cache'),
    stateDir: path.join(prefix, 'state'),
    confDir: path.join(prefix, 'conf'),
    pidFile: path.join(prefix, 'logs', 'nginx.pid'),
    errorLog: path.join(prefix, 'logs', 'error.log'),
    accessLog: path.join(prefix, 'logs', 'access.log'),
    mimeTypes: fs.existsSync('/etc/nginx/mime.types') ? '/etc/nginx/mime.types' : 'mime.types',
    tempDir: path.join(prefix, 'temp'),
    otherTempPathModules: nginx.tempPathModules,
    listenAddress: '127.0.0.1',
    httpPort: ports.httpPort,
    httpsPort: ports.httpsPort,
    healthListen: `127.0.0.1:${ports.healthPort}`,
    resolver: ports.resolver,
    resolverValidSeconds: ports.resolverValidSeconds,
  };
  const hostNames = proxyHostNames(settings);
  const certificateSource = ports.certificateSource ?? createSelfSignedCertificate(path.join(prefix, 'tls'), hostNames);
  const options = proxyConfigOptions({
    settings,
    layout,
    target: { nginx: nginx.version, openssl: nginx.openssl },
    certificateSource,
    // On the local machine NGINX reads the challenge folder where the settings say it is.
    acmeChallengeRoot: ports.acmeChallengeRoot ?? settings.tls.acmeWebroot ?? path.join(prefix, 'acme'),
    ghost: { host: GHOST_ENDPOINT.alias, port: ports.ghostPort },
    activityPubUpstream: ports.activityPub ? `http://${ports.activityPub.host}:${ports.activityPub.port}` : undefined,
  });
  const files = renderNginxConfig(options);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(prefix, 'conf', file)), { recursive: true });
    fs.writeFileSync(path.join(prefix, 'conf', file), content);
  }
  const args = ['-p', prefix, '-c', path.join(prefix, 'conf', 'nginx.conf'), '-e', layout.errorLog];
  const watchEnv = path.join(prefix, 'conf', WATCH_ENV_FILE);
  // The watcher prepares the state NGINX reads at start, as it does in the container.
  const init = spawnSync('sh', [PROXY_WATCH_SCRIPT, 'init', watchEnv], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`proxy-watch init failed:\n${init.stderr}`);
  // What clients trust: the pair the harness made, or (for a source of the caller's) what is served.
  const certificateFile = ports.certificateSource ? servingCertificate(layout).certificateFile : certificateSource.certificateFile;
  return { prefix, layout, options, files, certificateFile, hostNames, args, watchEnv };
}

/**
 * `nginx -t` of the configuration the settings generate, on one NGINX build, in a prefix
 * removed afterwards: what the property tests ask of every accepted setting.
 */
export function testNginxConfiguration(nginx: LocalNginx, settings: BlogHostSettings): { ok: boolean; output: string } {
  const prepared = prepareNginxPrefix(nginx, resolveBlogSettings(settings), {
    httpPort: 8080, httpsPort: 8443, healthPort: PROXY_HEALTH_PORT, resolver: '127.0.0.1:53', ghostPort: GHOST_ENDPOINT.port,
  });
  try {
    const result = spawnSync(nginx.binary, [...prepared.args, '-t'], { encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stderr}${result.stdout}` };
  } finally {
    fs.rmSync(prepared.prefix, { recursive: true, force: true });
  }
}

async function startPreviewOnce(options: PreviewOptions): Promise<RunningPreview> {
  const nginx = options.nginx ?? findLocalNginx();
  if (!nginx) throw new Error('No nginx found on PATH (install nginx-light, or set NGINX_BIN).');
  const settings = resolveBlogSettings(options.settings ?? {});

  const dns = new DnsResponder();
  let child: ChildProcess | undefined;
  let watcher: ChildProcess | undefined;
  let prepared: PreparedPrefix | undefined;
  try {
    await dns.start();
    dns.setAddress(GHOST_ENDPOINT.alias, await resolveIPv4(options.upstream.host));
    const httpPort = options.httpPort ?? (await freePort());
    const httpsPort = options.httpsPort ?? (await freePort());
    const healthPort = options.healthPort ?? (await freePort());
    prepared = prepareNginxPrefix(nginx, settings, {
      httpPort,
      httpsPort,
      healthPort,
      resolver: `127.0.0.1:${dns.port}`,
      resolverValidSeconds: options.resolverValidSeconds,
      ghostPort: options.upstream.port,
      activityPub: options.activityPub,
      staticDir: options.staticDir,
      certificateSource: options.certificateSource,
      acmeChallengeRoot: options.acmeChallengeRoot,
    });
    const { prefix, layout, args, files, hostNames } = prepared;
    // Confined, the check too: it creates NGINX's folders and hands them to the worker user.
    const confined = (command: string[]) => (options.capabilities ? confinedCommand(command, prefix, options.capabilities) : command);
    const [checkProgram, ...checkArgs] = confined([nginx.binary, ...args, '-t']);
    const check = spawnSync(checkProgram, checkArgs, { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);

    const [program, ...programArgs] = confined([nginx.binary, ...args, '-g', 'daemon off;']);
    child = spawn(program, programArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
    const running = child;
    await waitForPort(settings.tls.enabled ? httpsPort : httpPort, running, layout.errorLog);
    const watchLog = path.join(prefix, 'logs', 'proxy-watch.log');
    const watchOutput = fs.openSync(watchLog, 'a');
    watcher = spawn('sh', [PROXY_WATCH_SCRIPT, 'run', prepared.watchEnv], {
      stdio: ['ignore', watchOutput, watchOutput],
      env: { ...process.env, PROXY_RELOAD_COMMAND: [nginx.binary, ...args, '-s', 'reload'].join(' '), PROXY_WATCH_INTERVAL: '0.5' },
    });
    fs.closeSync(watchOutput);
    const runningWatcher = watcher;

    return {
      nginx,
      prefix,
      httpPort,
      httpsPort,
      healthPort,
      certificateFile: prepared.certificateFile,
      errorLog: layout.errorLog,
      hostNames,
      blogHost: settings.blogDomain,
      files,
      dns,
      ghostAlias: GHOST_ENDPOINT.alias,
      options: prepared.options,
      watchLog,
      // The master named in its pid file, whatever wrappers confinement puts around it.
      pids: () => nginxPids(Number(fs.readFileSync(layout.pidFile, 'utf8'))),
      stop: async () => {
        await stopProcess(runningWatcher, 'SIGTERM');
        await stopNginx(running);
        await dns.stop();
        fs.rmSync(prefix, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (watcher) await stopProcess(watcher, 'SIGTERM');
    if (child) await stopNginx(child);
    await dns.stop().catch(() => undefined);
    if (prepared) fs.rmSync(prepared.prefix, { recursive: true, force: true });
    throw error;
  }
}

/** An NGINX master and its workers. */
export function nginxPids(master: number): number[] {
  return [master, ...childPids(master)];
}

/** SIGQUIT asks NGINX to finish open requests and exit; SIGKILL after 5 s if it does not. */
export async function stopNginx(child: ChildProcess): Promise<void> {
  await stopProcess(child, 'SIGQUIT');
}

/** Sends the signal, then SIGKILL after 5 s if the process has not exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
