import * as http from 'http';
import { AddressInfo } from 'net';

/** What a stand-in upstream saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface StandInOptions {
  /** Loopback address to listen on (127.0.0.0/8 holds many). */
  readonly host: string;
  /** @default a free port */
  readonly port?: number;
  /** Tag written into every answer, to tell two stand-ins apart. */
  readonly name: string;
  /**
   * Paragraphs of filler per page: about 35 bytes each. Ghost's pages run to tens of KB.
   * @default 40
   */
  readonly paragraphs?: number;
  /**
   * Keep what each request looked like (tests); off for benchmarks.
   * @default true
   */
  readonly record?: boolean;
}

/** Common words, for filler that compresses like prose. */
const WORDS = (
  'the a of to and in is it you that he was for on are with as his they be at one have this from or had by ' +
  'word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look ' +
  'more day could go come did number sound no most people my over know water than call first who may down side ' +
  'been now find any new work part take get place made live where after back little only round man year came ' +
  'show every good me give our under name very through just form sentence great think say help low line differ ' +
  'ghost post tag author member newsletter subscribe theme casper image content publish draft editor card'
).split(' ');

/**
 * Filler paragraphs that compress like real prose (about 4:1), not like one repeated line:
 * a fixed pseudo-random walk over common words, so every run serves the same bytes.
 */
function filler(paragraphs: number): string {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % WORDS.length;
  };
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const words = Array.from({ length: 5 }, () => WORDS[next()]);
    out.push(`<p class="gh-content">${words.join(' ')}.</p>`);
  }
  return out.join('');
}

function contentType(url: string): string {
  const extension = /\.([a-z0-9]+)(?:\?|$)/.exec(url)?.[1];
  const types: Record<string, string> = { css: 'text/css', js: 'text/javascript', png: 'image/png', jpg: 'image/jpeg', json: 'application/json' };
  return types[extension ?? ''] ?? 'text/html; charset=utf-8';
}

/**
 * A real HTTP server standing in for Ghost (or the ActivityPub service): it answers every
 * path with a small HTML page naming itself and a counter, and records what it received.
 * `/private` answers with Cache-Control private, `/cookie` sets a cookie. It sends the
 * headers a real Ghost 6 sends: X-Powered-By on everything, Vary: Accept-Encoding on pages
 * (and Accept-Version, Origin before it on the API), X-Content-Type-Options on images, and
 * X-Cache-Invalidate: /* when the admin API changes something (POST or PUT).
 */
export class StandInServer {
  public readonly requests: SeenRequest[] = [];
  public port = 0;
  private server?: http.Server;
  private served = 0;
  private readonly body: string;

  constructor(private readonly options: StandInOptions) {
    this.body = filler(options.paragraphs ?? 40);
  }

  public get host(): string {
    return this.options.host;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      if (this.options.record ?? true) this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      this.served += 1;
      const body = `<!doctype html><html><body><p>${this.options.name} answered ${request.url} (#${this.served})</p>${this.body}</body></html>\n`;
      const url = request.url ?? '/';
      const headers: http.OutgoingHttpHeaders = {
        'content-type': contentType(url),
        'cache-control': 'public, max-age=0',
        'x-powered-by': 'Express',
        vary: url.startsWith('/ghost/api/') ? 'Accept-Version, Origin, Accept-Encoding' : 'Accept-Encoding',
      };
      if (url.startsWith('/content/images/')) headers['x-content-type-options'] = 'nosniff';
      if (url.startsWith('/ghost/api/admin/') && (request.method === 'POST' || request.method === 'PUT')) headers['x-cache-invalidate'] = '/*';
      if (request.url?.startsWith('/private')) headers['cache-control'] = 'no-cache, private, no-store, must-revalidate';
      if (request.url?.startsWith('/cookie')) headers['set-cookie'] = 'ghost-members-ssr=abc; Path=/; HttpOnly';
      response.writeHead(200, headers);
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, this.options.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  public async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  public lastRequest(): SeenRequest | undefined {
    return this.requests[this.requests.length - 1];
  }
}
