import { atLeast, formatVersion, NGINX_FEATURES, parseVersion, Version } from './nginx-version';
import { TLS_PROFILES, TlsProfile, tlsProfileDirectives } from './tls-profiles';
import { check, checkBodySize, checkCacheTime, checkDomain, checkOrigin, checkPort, firstRepeat, oneOf, SettingError, UNLIMITED } from './validation';
import { NGINX_IMAGE_OPENSSL_VERSION, NGINX_VERSION } from './versions';

/**
 * Renders the proxy's NGINX configuration from typed sites. Pure: no file or network I/O,
 * so the same function feeds the image build context, the local preview and the tests.
 */

/** What a virtual host does with requests that no static file answers. */
export type SiteRole =
  /** Static files first, then Ghost (the article's `www` host). */
  | 'blog'
  /** Static files first, then a permanent redirect to the blog (the article's apex host). */
  | 'redirect'
  /** Everything to Ghost: a separate admin domain (Ghost's `admin__url`). */
  | 'admin';

/** Certificate files as NGINX sees them (paths inside the proxy container). */
export interface TlsCertificateFiles {
  /** Certificate chain, leaf first (`fullchain.pem`). */
  readonly certificateFile: string;
  /** The private key; only its path is ever written into the configuration. */
  readonly keyFile: string;
}

export interface ProxySite {
  readonly role: SiteRole;
  /** Host names this site answers for; the first is its canonical name. */
  readonly hostNames: readonly string[];
  /** Required when TLS is on. */
  readonly certificate?: TlsCertificateFiles;
}

export interface ProxyTlsOptions {
  readonly enabled: boolean;
  readonly profile: TlsProfile;
  /** Adds `preload` to HSTS: only once the domain is ready for the browsers' preload lists. */
  readonly hstsPreload: boolean;
  /** Off by default: Let's Encrypt ended OCSP in 2025, so stapling has nothing to fetch. */
  readonly ocspStapling: boolean;
}

/** Where things live for one NGINX instance: the container, or a test prefix on loopback. */
export interface NginxLayout {
  /** Static web root. */
  readonly staticRoot: string;
  /** Directory for the page cache. */
  readonly cacheDir: string;
  /**
   * A writable directory for what changes while NGINX runs: the page cache's generation
   * (a map file the proxy's watcher rewrites when Ghost invalidates content), the log of
   * those invalidations, and the socket of the cache-miss limiter.
   */
  readonly stateDir: string;
  /** Directory the `sites/*.conf` include is resolved against (NGINX's configuration directory). */
  readonly confDir: string;
  readonly pidFile: string;
  /** `stderr` for a container (json-file rotation then applies) or a file. */
  readonly errorLog: string;
  /** `/dev/stdout` for a container or a file. */
  readonly accessLog: string;
  /** MIME types file to include. */
  readonly mimeTypes: string;
  /** Worker user; omitted when undefined. */
  readonly user?: string;
  /** Where request bodies and proxied responses spill to disk; NGINX's built-in paths when undefined. */
  readonly tempDir?: string;
  /**
   * Other modules built into this NGINX whose temporary paths must move into `tempDir` too
   * (NGINX creates them at start, which fails outside its own prefix for a non-root user).
   * @default - none
   */
  readonly otherTempPathModules?: readonly ('fastcgi' | 'uwsgi' | 'scgi')[];
  /** Address prefix for public listeners (`127.0.0.1` in tests); all addresses when undefined. */
  readonly listenAddress?: string;
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Loopback listener for the container health check, such as `127.0.0.1:8081`. */
  readonly healthListen: string;
  /** DNS server that resolves the Ghost alias at run time: Docker's embedded DNS in a container. */
  readonly resolver: string;
  /**
   * How long NGINX keeps a resolved address before asking again.
   * @default 10 (seconds)
   */
  readonly resolverValidSeconds?: number;
}

export interface ProxyConfigOptions {
  readonly sites: readonly ProxySite[];
  readonly tls: ProxyTlsOptions;
  /** Ghost's address on the shared network: its alias and port. */
  readonly ghost: { readonly host: string; readonly port: number };
  /** Base URL of the ActivityPub service behind `/.ghost/activitypub/` and the well-known routes. */
  readonly activityPubUpstream: string;
  /** How long an anonymous Ghost page stays fresh in the cache, as an NGINX duration. */
  readonly cacheValidTime: string;
  /** Largest request body (Ghost's editor uploads images and themes). */
  readonly clientMaxBodySize: string;
  /**
   * Folder served at `/.well-known/acme-challenge/` over plain HTTP, for certificate
   * renewal with certbot's webroot method.
   * @default - none: plain HTTP only redirects
   */
  readonly acmeChallengeRoot?: string;
  /**
   * Where the certificate and key come from (the user's files, or certbot's lineage). The
   * proxy's watcher copies a matching pair from there to the files the sites serve, and
   * reloads NGINX when it changes; until there is one, it serves a self-signed stand-in.
   * @default - none: the sites' files are served as they are
   */
  readonly certificateSource?: TlsCertificateFiles;
  /** NGINX and OpenSSL versions the configuration must run on. */
  readonly target: NginxTarget;
  readonly layout: NginxLayout;
}

export interface NginxTarget {
  readonly nginx: string;
  readonly openssl: string;
}

/** The image's NGINX, which is what production runs. */
export const DEFAULT_NGINX_TARGET: NginxTarget = { nginx: NGINX_VERSION, openssl: NGINX_IMAGE_OPENSSL_VERSION };

/** Rendered files by path relative to NGINX's configuration directory. */
export type RenderedFiles = Readonly<Record<string, string>>;

const GHOST_CACHE_ZONE = 'ghost_pages';

/** Files in the state directory; the watcher finds them through WATCH_ENV_FILE. */
const STATE_FILES = {
  /** `default <n>;`: the page cache's generation, part of every cache key. */
  cacheGeneration: 'cache-generation.conf',
  /** One line per Ghost response carrying X-Cache-Invalidate. */
  cacheInvalidations: 'cache-invalidations.log',
  /** Where cache misses of anonymous pages pass through the per-client limit. */
  missLimiterSocket: 'ghost-misses.sock',
} as const;

/** Written with the configuration: where the watcher (assets/proxy/proxy-watch.sh) finds the state. */
export const WATCH_ENV_FILE = 'proxy-watch.env';

/** The page NGINX answers with while Ghost cannot be reached and nothing is cached. */
const GHOST_UNAVAILABLE_PAGE = 'errors/ghost-unavailable.html';

/** The path of the proxy's own health check, on the health listener (never the public ports). */
export const PROXY_HEALTH_PATH = '/healthz';

/**
 * How many cache misses one client may send on to Ghost: a steady rate with room for a page's
 * burst of first-time assets. Beyond it the client gets 429, and others are still served.
 */
const MISSES_PER_CLIENT = { rate: '10r/s', burst: 40 } as const;

export function renderNginxConfig(options: ProxyConfigOptions): RenderedFiles {
  const target = checkTarget(options.target);
  checkOptions(options);
  const ctx: RenderContext = { options, target };
  const files: Record<string, string> = { 'nginx.conf': renderMain(ctx) };
  files['sites/00-default.conf'] = renderDefaultServers(ctx);
  files[WATCH_ENV_FILE] = renderWatchEnvironment(ctx);
  files[GHOST_UNAVAILABLE_PAGE] = renderGhostUnavailablePage();
  options.sites.forEach((site, index) => {
    files[`sites/${String(index + 10)}-${site.hostNames[0]}.conf`] = renderSite(ctx, site);
  });
  return files;
}

interface RenderContext {
  readonly options: ProxyConfigOptions;
  readonly target: { readonly nginx: Version; readonly openssl: Version };
}

function checkTarget(target: NginxTarget): { nginx: Version; openssl: Version } {
  const nginx = parseVersion('target.nginx', target.nginx);
  if (!atLeast(nginx, NGINX_FEATURES.minimum)) {
    throw new SettingError(
      'target.nginx',
      target.nginx,
      `the renderer supports NGINX ${formatVersion(NGINX_FEATURES.minimum)} or newer`,
    );
  }
  return { nginx, openssl: parseVersion('target.openssl', target.openssl) };
}

function checkOptions(options: ProxyConfigOptions): void {
  check('tls.profile', options.tls.profile, oneOf(TLS_PROFILES));
  check('proxy.cacheValidTime', options.cacheValidTime, checkCacheTime);
  check('proxy.clientMaxBodySize', options.clientMaxBodySize, checkBodySize);
  check('ghost.port', options.ghost.port, checkPort);
  check('proxy.activityPubUpstream', options.activityPubUpstream, checkOrigin);
  if (options.tls.enabled && options.certificateSource && new Set(options.sites.map((s) => s.certificate?.certificateFile)).size !== 1) {
    throw new SettingError('sites[].certificate', options.sites.map((s) => s.certificate?.certificateFile), 'a certificate source feeds one certificate that every site serves');
  }
  if (options.sites.filter((site) => site.role === 'blog').length !== 1) {
    throw new SettingError('sites', options.sites.map((s) => s.role), 'exactly one site must have the role "blog"');
  }
  options.sites.forEach((site, i) => {
    if (site.hostNames.length === 0) {
      throw new SettingError(`sites[${i}].hostNames`, site.hostNames, 'expected at least one host name');
    }
    site.hostNames.forEach((host, j) => check(`sites[${i}].hostNames[${j}]`, host, checkDomain));
    if (options.tls.enabled && !site.certificate) {
      throw new SettingError(
        `sites[${i}].certificate`,
        undefined,
        `TLS is on, so site "${site.hostNames[0]}" needs a certificate and key (or turn tls.enabled off)`,
      );
    }
  });
  const repeated = firstRepeat(options.sites.flatMap((site) => site.hostNames));
  if (repeated !== undefined) throw new SettingError('sites[].hostNames', repeated, 'each host name may be used by one site only');
}

/** A configuration line, or a nested list of lines indented one level deeper. */
type Line = string | false | undefined | readonly Line[];

/** Joins lines with four-space indentation per nesting level. */
function block(lines: readonly Line[], depth = 0): string {
  const out: string[] = [];
  for (const line of lines) {
    if (line === false || line === undefined) continue;
    if (typeof line !== 'string') {
      out.push(block(line, depth + 1));
    } else {
      out.push(line === '' ? '' : '    '.repeat(depth) + line);
    }
  }
  return out.join('\n');
}

function header(ctx: RenderContext, what: string): string {
  return [
    `# ${what}`,
    `# Generated for NGINX ${formatVersion(ctx.target.nginx)} with OpenSSL ${ctx.target.openssl.slice(0, 2).join('.')}.`,
    '# Do not edit: change the stack settings and synthesize again.',
  ].join('\n');
}

function listen(ctx: RenderContext, port: number, extra = ''): string {
  const address = ctx.options.layout.listenAddress;
  return `listen ${address ? `${address}:` : ''}${port}${extra};`;
}

function hostsOf(ctx: RenderContext, role: SiteRole): string[] {
  return ctx.options.sites.filter((s) => s.role === role).flatMap((s) => s.hostNames);
}

/** Host names of the stack's other sites (this site's own are `server_names`). */
function otherHosts(ctx: RenderContext, site: ProxySite): string[] {
  return ctx.options.sites.flatMap((s) => s.hostNames).filter((h) => !site.hostNames.includes(h));
}

function blogHost(ctx: RenderContext): string {
  return hostsOf(ctx, 'blog')[0];
}

function publicScheme(ctx: RenderContext): string {
  return ctx.options.tls.enabled ? 'https' : 'http';
}

function useUpstreamResolve(ctx: RenderContext): boolean {
  return atLeast(ctx.target.nginx, NGINX_FEATURES.upstreamResolve);
}

/** `head { body }`, spread into the enclosing lines. */
function section(head: string, body: readonly Line[]): Line[] {
  return [`${head} {`, body, '}'];
}

/** The lines, only when the condition holds. */
function when(condition: boolean, ...lines: Line[]): Line[] {
  return condition ? lines : [];
}

function renderMain(ctx: RenderContext): string {
  const { layout } = ctx.options;
  return block([
    header(ctx, 'Main NGINX configuration of the blog proxy.'),
    ...when(layout.user !== undefined, `user ${layout.user};`),
    'worker_processes auto;',
    `pid ${layout.pidFile};`,
    `error_log ${layout.errorLog} warn;`,
    '',
    ...section('events', ['worker_connections 1024;']),
    '',
    ...section('http', [
      `include ${layout.mimeTypes};`,
      'default_type application/octet-stream;',
      'server_tokens off;',
      'charset utf-8;',
      '',
      ...logging(ctx),
      '',
      ...connections(ctx),
      '',
      ...resolver(ctx),
      '',
      ...compression(ctx),
      '',
      ...tls(ctx),
      ...pageCache(ctx),
      '',
      ...ghostUpstream(ctx),
      ...missLimiter(ctx),
      `include ${layout.confDir}/sites/*.conf;`,
    ]),
    '',
  ]);
}

/** Logs: to the container's stdout and stderr, buffered. */
function logging(ctx: RenderContext): Line[] {
  return [
    "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '",
    "                '$status $body_bytes_sent \"$http_referer\" '",
    "                '\"$http_user_agent\" \"$http_x_forwarded_for\" cache=$upstream_cache_status';",
    '# Buffered: one write per 64 KB or per second instead of one per request.',
    `access_log ${ctx.options.layout.accessLog} main buffer=64k flush=1s;`,
    '',
    '# Ghost names what an edit made stale in X-Cache-Invalidate (on publishing, on a settings',
    "# change, ...). Those responses are noted here, unbuffered; the proxy's watcher then",
    '# starts a new cache generation, so edits reach every visitor at once.',
    ...section('map $upstream_http_x_cache_invalidate $ghost_invalidates', ['default 1;', '"" 0;']),
    "log_format ghost_invalidations '$msec $upstream_http_x_cache_invalidate';",
    `access_log ${stateFile(ctx, 'cacheInvalidations')} ghost_invalidations if=$ghost_invalidates;`,
  ];
}

function stateFile(ctx: RenderContext, file: keyof typeof STATE_FILES): string {
  return `${ctx.options.layout.stateDir}/${STATE_FILES[file]}`;
}

/** Connections and request bodies, and where bodies spill to disk. */
function connections(ctx: RenderContext): Line[] {
  const { layout, clientMaxBodySize } = ctx.options;
  const temp = layout.tempDir;
  return [
    'sendfile on;',
    'tcp_nopush on;',
    'keepalive_timeout 65s;',
    // NGINX spells "no limit" 0; the settings make the user say "unlimited" for it.
    `client_max_body_size ${clientMaxBodySize === UNLIMITED ? '0' : clientMaxBodySize};`,
    ...when(
      temp !== undefined,
      `client_body_temp_path ${temp}/client_body;`,
      `proxy_temp_path ${temp}/proxy;`,
      ...(layout.otherTempPathModules ?? []).map((module) => `${module}_temp_path ${temp}/${module};`),
    ),
  ];
}

/** Docker's DNS, asked again often enough to follow a restarted Ghost. */
function resolver(ctx: RenderContext): Line[] {
  const { layout } = ctx.options;
  return [
    "# Docker's DNS answers for the Ghost alias; a short validity follows a restarted",
    '# Ghost container to its new address without reloading NGINX.',
    `resolver ${layout.resolver} valid=${layout.resolverValidSeconds ?? 10}s ipv6=off;`,
    'resolver_timeout 5s;',
  ];
}

/** Compression, and the BREACH guard for Ghost's answers to cross-site requests. */
function compression(ctx: RenderContext): Line[] {
  const ownOrigins = ctx.options.sites.flatMap((s) => s.hostNames).map(escapeRegex).join('|');
  return [
    '# Compression for text, JSON, JavaScript, SVG and fonts (text/html is always included).',
    "# Level 4 comes within 4% of level 6's size on a Ghost page at half the CPU time.",
    'gzip on;',
    'gzip_vary on;',
    'gzip_proxied any;',
    'gzip_comp_level 4;',
    'gzip_min_length 256;',
    'gzip_types text/plain text/css text/xml text/javascript application/javascript',
    '           application/json application/ld+json application/manifest+json application/rss+xml',
    '           application/atom+xml application/xml image/svg+xml font/ttf font/otf',
    '           application/vnd.ms-fontobject;',
    '',
    '# BREACH: a page that reflects a request and holds a secret leaks it through its',
    "# compressed length to a cross-site attacker. Ghost's answers to cross-site requests",
    '# (Sec-Fetch-Site, or failing that a foreign Referer) go out uncompressed; same-site and',
    '# direct requests, and static files (which hold no secrets), keep compression.',
    ...section('map $http_referer $foreign_referer', ['default 1;', '"" 0;', `"~^https?://(${ownOrigins})(:[0-9]+)?(/|$)" 0;`]),
    ...section('map "$http_sec_fetch_site:$foreign_referer" $cross_site_request', ['default 0;', '"~^cross-site:" 1;', '":1" 1;']),
  ];
}

/** TLS after Mozilla's guideline, for the profile and the OpenSSL NGINX runs with. */
function tls(ctx: RenderContext): Line[] {
  const { tls: options } = ctx.options;
  if (!options.enabled) return [];
  const profile = tlsProfileDirectives(options.profile, ctx.target.openssl);
  return [
    `# Mozilla server-side TLS guideline 6.0, "${options.profile}" profile.`,
    `ssl_protocols ${profile.protocols};`,
    ...when(profile.ciphers !== undefined, `ssl_ciphers ${profile.ciphers};`),
    `ssl_ecdh_curve ${profile.groups};`,
    'ssl_prefer_server_ciphers off;',
    'ssl_session_timeout 1d;',
    'ssl_session_cache shared:MozSSL:10m;',
    ...when(
      !atLeast(ctx.target.nginx, NGINX_FEATURES.ticketKeyRotation),
      '# Before 1.23.2 NGINX never rotates ticket keys, so tickets would weaken forward secrecy.',
      'ssl_session_tickets off;',
    ),
    ...when(options.ocspStapling, 'ssl_stapling on;', 'ssl_stapling_verify on;'),
    '',
  ];
}

/** The page cache's store, and what must never be cached. */
function pageCache(ctx: RenderContext): Line[] {
  return [
    '# Page cache for anonymous Ghost pages. Entries stay on disk for a day after their',
    '# last use so that a stale copy can be served while Ghost restarts or fails.',
    `proxy_cache_path ${ctx.options.layout.cacheDir} levels=1:2 keys_zone=${GHOST_CACHE_ZONE}:10m max_size=256m inactive=24h use_temp_path=off;`,
    '# Part of every cache key: a new generation leaves every older copy unreachable at once.',
    ...section('map $host $ghost_cache_generation', [`include ${stateFile(ctx, 'cacheGeneration')};`]),
    '',
    '# Never cache Ghost admin, members, previews or the social web, nor anyone signed in.',
    "# Ghost's router ignores case, so these do too (/GHOST/ is Ghost's admin as well).",
    ...section('map $uri $ghost_private_path', ['default 0;', '~*^/ghost(/|$) 1;', '~*^/members(/|$) 1;', '~*^/p/ 1;', '~*^/\\.ghost/ 1;']),
    ...section('map $http_cookie $ghost_signed_in', ['default 0;', '~*ghost-admin-api-session 1;', '~*ghost-members-ssr 1;']),
    '# Ghost marks personal responses private or no-store: never store those.',
    ...section('map $upstream_http_cache_control $ghost_private_response', ['default 0;', '~*(private|no-store|no-cache) 1;']),
    '',
    '# Ghost varies its pages by Accept-Encoding, though it gets none (NGINX compresses), so one',
    '# cached copy serves every client. Its other Vary tokens (API: Accept-Version, Origin) are',
    "# passed on; NGINX's gzip adds Accept-Encoding itself, so it is not sent twice.",
    ...section('map $upstream_http_vary $ghost_vary', [
      'default $upstream_http_vary;',
      '"~*^\\s*accept-encoding\\s*$" "";',
      '"~*^\\s*accept-encoding\\s*,\\s*(?<vary_rest>.*)$" $vary_rest;',
      '"~*^(?<vary_head>.*?)\\s*,\\s*accept-encoding\\s*(?<vary_tail>(,.*)?)$" "$vary_head$vary_tail";',
    ]),
    '',
    '# Requests that may be cached go to Ghost through the cache-miss limiter; private ones',
    '# (admin, members, previews, anyone signed in) go straight to Ghost.',
    ...section('map "$ghost_private_path$ghost_signed_in" $ghost_route', ['default ghost_miss_limiter;', `"~1" ${directGhost(ctx)};`]),
  ];
}

/** Where NGINX reaches Ghost directly: the re-resolved upstream group, or the alias itself. */
function directGhost(ctx: RenderContext): string {
  const { ghost } = ctx.options;
  return useUpstreamResolve(ctx) ? 'ghost_backend' : `${ghost.host}:${ghost.port}`;
}

/**
 * The cache-miss limiter: an internal server on a unix socket that anonymous cache misses
 * pass through, limited per client (by the address the public server forwards in X-Real-IP).
 * A flood of cache-busting requests from one client gets 429 there, without touching what
 * NGINX serves from the cache or what other clients send on to Ghost.
 */
function missLimiter(ctx: RenderContext): Line[] {
  const socket = stateFile(ctx, 'missLimiterSocket');
  return [
    `limit_req_zone $http_x_real_ip zone=ghost_misses:10m rate=${MISSES_PER_CLIENT.rate};`,
    ...section('upstream ghost_miss_limiter', [`server unix:${socket};`, 'keepalive 8;']),
    ...section('server', [
      `listen unix:${socket};`,
      'server_name _;',
      'access_log off;',
      '# Bodies pass through as Ghost sent them; the public server compresses (and adds Vary).',
      'gzip off;',
      ...section('location /', [
        `limit_req zone=ghost_misses burst=${MISSES_PER_CLIENT.burst} nodelay;`,
        'limit_req_status 429;',
        'limit_req_log_level warn;',
        ...ghostPass(ctx),
        '# The public server set Host and the forwarding headers; they pass on as they came.',
        'proxy_set_header Host $host;',
        ...proxyTuning(),
        '# The public server passes this page on, or a stale copy in its place.',
        'error_page 502 504 @ghost_unavailable;',
      ]),
      ...ghostUnavailableLocation(ctx),
    ]),
    '',
  ];
}

/** proxy_pass to Ghost directly, in the form this NGINX needs to follow a restarted Ghost. */
function ghostPass(ctx: RenderContext): Line[] {
  const { ghost } = ctx.options;
  return useUpstreamResolve(ctx)
    ? ['proxy_pass http://ghost_backend;']
    : [
        '# A variable makes NGINX resolve the alias per request through the resolver,',
        '# so a restarted Ghost container is found at its new address.',
        `set $ghost_upstream ${ghost.host}:${ghost.port};`,
        'proxy_pass http://$ghost_upstream;',
      ];
}

/** Keep-alive, timeouts and buffers of every hop towards Ghost. */
function proxyTuning(): Line[] {
  return [
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_connect_timeout 5s;',
    'proxy_send_timeout 60s;',
    'proxy_read_timeout 60s;',
    '# Room for a whole Ghost page (tens of KB) in memory; the defaults (8 x 4 KB) spill to disk.',
    'proxy_buffer_size 16k;',
    'proxy_buffers 8 16k;',
    'proxy_busy_buffers_size 32k;',
  ];
}

/** Ghost as an upstream re-resolved while NGINX runs, where this NGINX can (1.27.3). */
function ghostUpstream(ctx: RenderContext): Line[] {
  const { ghost } = ctx.options;
  return when(
    useUpstreamResolve(ctx),
    '# The Ghost alias is re-resolved while NGINX runs (`resolve`), and idle',
    '# connections are kept open between requests.',
    ...section('upstream ghost_backend', [
      'zone ghost_backend 64k;',
      `server ${ghost.host}:${ghost.port} resolve;`,
      'keepalive 16;',
      'keepalive_timeout 60s;',
    ]),
    '',
  );
}

function renderDefaultServers(ctx: RenderContext): string {
  const { layout, tls } = ctx.options;
  return block([
    header(ctx, 'Catch-all servers: requests for unknown host names are refused, not served the first site.'),
    ...section('server', [listen(ctx, layout.httpPort, ' default_server'), 'server_name _;', 'return 444;']),
    '',
    ...when(
      tls.enabled,
      ...section('server', [
        listen(ctx, layout.httpsPort, ` ssl default_server${http2ListenFlag(ctx)}`),
        ...http2Directive(ctx),
        'server_name _;',
        '# No SNI or an unknown one: the handshake itself is refused.',
        'ssl_reject_handshake on;',
        'return 444;',
      ]),
      '',
    ),
    '# Loopback-only health endpoint for the container health check.',
    ...section('server', [
      `listen ${layout.healthListen};`,
      'server_name _;',
      'access_log off;',
      ...section(`location = ${PROXY_HEALTH_PATH}`, ['default_type text/plain;', 'return 200 "ok\\n";']),
      ...section('location /', ['return 404;']),
    ]),
    '',
  ]);
}

function http2ListenFlag(ctx: RenderContext): string {
  return atLeast(ctx.target.nginx, NGINX_FEATURES.http2Directive) ? '' : ' http2';
}

function http2Directive(ctx: RenderContext): Line[] {
  return when(atLeast(ctx.target.nginx, NGINX_FEATURES.http2Directive), 'http2 on;');
}

/** Plain HTTP with TLS on: ACME challenges, if served, and a redirect to HTTPS for the rest. */
function plainHttpServer(ctx: RenderContext, names: string): Line[] {
  const { layout, acmeChallengeRoot } = ctx.options;
  return [
    ...(acmeChallengeRoot
      ? [
          '# Plain HTTP answers ACME challenges, and redirects everything else to HTTPS on the same',
          '# host (the apex must redirect to itself first for HSTS preloading), keeping path and query.',
        ]
      : [
          '# Plain HTTP only redirects, to HTTPS on the same host (the apex must redirect to itself',
          '# first for HSTS preloading), keeping path and query.',
        ]),
    ...section('server', [
      listen(ctx, layout.httpPort),
      `server_name ${names};`,
      ...when(
        acmeChallengeRoot !== undefined,
        ...section('location ^~ /.well-known/acme-challenge/', [`root ${acmeChallengeRoot};`, 'default_type text/plain;', 'try_files $uri =404;']),
      ),
      ...section('location /', ['return 301 https://$host$request_uri;']),
    ]),
    '',
  ];
}

function renderSite(ctx: RenderContext, site: ProxySite): string {
  const { layout, tls } = ctx.options;
  const names = site.hostNames.join(' ');
  return block([
    header(ctx, `${roleTitle(site.role)}: ${names}`),
    '',
    ...when(tls.enabled, ...plainHttpServer(ctx, names)),
    ...section('server', [
      ...(tls.enabled ? [listen(ctx, layout.httpsPort, ` ssl${http2ListenFlag(ctx)}`), ...http2Directive(ctx)] : [listen(ctx, layout.httpPort)]),
      `server_name ${names};`,
      ...when(
        tls.enabled && site.certificate !== undefined,
        `ssl_certificate ${site.certificate?.certificateFile};`,
        `ssl_certificate_key ${site.certificate?.keyFile};`,
      ),
      '',
      ...securityHeaders(ctx, site),
      '',
      `root ${layout.staticRoot};`,
      '',
      ...roleLocations(ctx, site),
    ]),
    '',
  ]);
}

function roleTitle(role: SiteRole): string {
  switch (role) {
    case 'blog':
      return 'Blog: static files first, then Ghost';
    case 'redirect':
      return 'Redirect host: static files first, everything else to the blog';
    case 'admin':
      return 'Ghost admin domain';
  }
}

function securityHeaders(ctx: RenderContext, site: ProxySite): Line[] {
  const { tls } = ctx.options;
  // Ghost's admin shows the site in frames, so the admin domain (if separate) may frame it.
  const ancestors = ["'self'", ...hostsOf(ctx, 'admin').filter((h) => !site.hostNames.includes(h)).map((h) => `${publicScheme(ctx)}://${h}`)];
  // Every add_header lives here at server level: a location with its own add_header would
  // silently drop these.
  return [
    ...(tls.enabled
      ? [`add_header Strict-Transport-Security "max-age=63072000; includeSubDomains${tls.hstsPreload ? '; preload' : ''}" always;`]
      : []),
    'add_header X-Content-Type-Options "nosniff" always;',
    'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
    `add_header Content-Security-Policy "frame-ancestors ${ancestors.join(' ')}" always;`,
    '# HIT, MISS, BYPASS, STALE...; absent for static files and redirects.',
    'add_header X-Cache-Status $upstream_cache_status always;',
    "# Ghost's own Vary tokens but Accept-Encoding (see the map); absent when there are none.",
    'add_header Vary $ghost_vary always;',
  ];
}

function roleLocations(ctx: RenderContext, site: ProxySite): Line[] {
  switch (site.role) {
    case 'redirect':
      return [
        'location / {',
        ['try_files $uri @blog;'],
        '}',
        '',
        'location @blog {',
        [`return 301 ${publicScheme(ctx)}://${blogHost(ctx)}$request_uri;`],
        '}',
      ];
    case 'admin':
      return [...section('location /', ghostProxy(ctx)), '', ...ghostUnavailableLocation(ctx)];
    case 'blog':
      return [
        ...socialWebLocations(ctx),
        '# Hot-link protection: images load for no referer, a stripped one or our own sites.',
        'location ~* \\.(?:gif|png|jpe?g|webp|avif)$ {',
        [
          `valid_referers ${['none', 'blocked', 'server_names', ...otherHosts(ctx, site)].join(' ')};`,
          'if ($invalid_referer) {',
          ['return 403;'],
          '}',
          'try_files $uri @ghost;',
        ],
        '}',
        '',
        'location / {',
        ['try_files $uri @ghost;'],
        '}',
        '',
        ...section('location @ghost', ghostProxy(ctx)),
        '',
        ...ghostUnavailableLocation(ctx),
      ];
  }
}

function forwardingHeaders(): Line[] {
  return [
    '# The client\'s address only: appending to what the client sent would let it choose the',
    '# address Ghost sees (Ghost trusts the proxy and reads the left-most one).',
    'proxy_set_header X-Forwarded-For $remote_addr;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
  ];
}

function ghostUnavailableLocation(ctx: RenderContext): Line[] {
  return section('location @ghost_unavailable', [`root ${ctx.options.layout.confDir};`, `try_files /${GHOST_UNAVAILABLE_PAGE} =502;`]);
}

/** Proxying to Ghost with the page cache, as the body of a location. */
function ghostProxy(ctx: RenderContext): Line[] {
  const { cacheValidTime } = ctx.options;
  return [
    'if ($cross_site_request) {',
    ['gzip off;'],
    '}',
    'proxy_pass http://$ghost_route;',
    'proxy_set_header Host $host;',
    ...forwardingHeaders(),
    '# NGINX compresses; Ghost sends plain bodies so that one cached copy serves everyone.',
    'proxy_set_header Accept-Encoding "";',
    ...proxyTuning(),
    '# Sent by the proxy itself (X-Content-Type-Options, Vary), or for no one outside:',
    '# the framework, and the invalidation notices meant for the cache.',
    'proxy_hide_header X-Content-Type-Options;',
    'proxy_hide_header Vary;',
    'proxy_hide_header X-Powered-By;',
    'proxy_hide_header X-Cache-Invalidate;',
    '# With Ghost down and no copy to serve, a page that says so.',
    'error_page 502 504 @ghost_unavailable;',
    '',
    `proxy_cache ${GHOST_CACHE_ZONE};`,
    'proxy_cache_key $ghost_cache_generation$scheme$host$request_uri;',
    'proxy_cache_methods GET HEAD;',
    '# Ghost sends "public, max-age=0" on pages; the proxy decides freshness itself and',
    '# still refuses private responses (map above) and any response that sets a cookie.',
    'proxy_ignore_headers Cache-Control Expires Vary;',
    `proxy_cache_valid 200 301 302 ${cacheValidTime};`,
    `proxy_cache_valid 404 ${cacheValidTime};`,
    'proxy_cache_bypass $ghost_private_path $ghost_signed_in;',
    'proxy_no_cache $ghost_private_path $ghost_signed_in $ghost_private_response;',
    '# Stale copies while Ghost fails (or for a client over its miss limit), and to the',
    '# requests that arrive while one request fetches an expired page anew. That request',
    '# waits for Ghost, and so does everyone after it: with Ghost up, a copy older than the',
    '# cache time goes only to requests within that one fetch. Never refreshed in the',
    '# background, which would hand the first visitor after a quiet spell a copy of any age.',
    'proxy_cache_use_stale error timeout updating http_429 http_500 http_502 http_503 http_504;',
    'proxy_cache_lock on;',
  ];
}

function socialWebLocations(ctx: RenderContext): Line[] {
  const upstream = ctx.options.activityPubUpstream;
  return [
    "# Ghost 6's social web (ActivityPub) is served by its own upstream.",
    'location ~ ^/(?:\\.ghost/activitypub/|\\.well-known/(?:webfinger|nodeinfo)$) {',
    [
      '# A variable defers the name lookup to request time, so NGINX starts without DNS.',
      `set $activitypub_upstream ${upstream};`,
      'proxy_pass $activitypub_upstream;',
      'proxy_http_version 1.1;',
      ...(upstream.startsWith('https://') ? ['proxy_ssl_server_name on;'] : []),
      ...forwardingHeaders(),
      'proxy_hide_header X-Powered-By;',
      'proxy_connect_timeout 5s;',
      'proxy_read_timeout 60s;',
    ],
    '}',
    '',
  ];
}

/** Where the watcher finds the state, as shell assignments it sources. */
function renderWatchEnvironment(ctx: RenderContext): string {
  const { certificateSource, sites, tls } = ctx.options;
  const serving = sites[0]?.certificate;
  return [
    '# Where the running proxy keeps its state; read by proxy-watch.sh. Generated with the configuration.',
    `PROXY_STATE_DIR=${ctx.options.layout.stateDir}`,
    `PROXY_CACHE_GENERATION=${stateFile(ctx, 'cacheGeneration')}`,
    `PROXY_CACHE_INVALIDATIONS=${stateFile(ctx, 'cacheInvalidations')}`,
    ...(tls.enabled && certificateSource && serving
      ? [
          `PROXY_TLS_SOURCE_CERT=${certificateSource.certificateFile}`,
          `PROXY_TLS_SOURCE_KEY=${certificateSource.keyFile}`,
          `PROXY_TLS_CERT=${serving.certificateFile}`,
          `PROXY_TLS_KEY=${serving.keyFile}`,
          `PROXY_TLS_NAMES="${sites.flatMap((site) => site.hostNames).join(' ')}"`,
        ]
      : []),
    '',
  ].join('\n');
}

function renderGhostUnavailablePage(): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Back in a moment</title></head>',
    '<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">',
    '<h1>Back in a moment</h1>',
    '<p>The blog cannot be reached just now: it is starting or restarting. Try again in a minute.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
