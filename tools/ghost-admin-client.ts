import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { solidPng } from './png';

/**
 * A small client for Ghost's admin and members APIs through the proxy, as a browser uses
 * them: a cookie jar, the Origin header Ghost's CSRF check wants, JSON and multipart bodies.
 * The end-to-end tests and the Ghost benchmark drive a real Ghost with it.
 */

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: unknown;
}

export interface ClientOptions {
  /** The public origin, such as https://www.example.com; requests go to it. */
  readonly origin: string;
  /** The CA that signed the proxy's certificate. */
  readonly caFile?: string;
  /** Where to connect instead of the origin's own address. @default 127.0.0.1 */
  readonly connectTo?: string;
  /** The local address requests leave from (a client of its own, for per-client limits). */
  readonly localAddress?: string;
}

export class GhostClient {
  private readonly cookies = new Map<string, string>();
  private readonly url: URL;
  private readonly ca?: Buffer;

  constructor(private readonly options: ClientOptions) {
    this.url = new URL(options.origin);
    this.ca = options.caFile ? fs.readFileSync(options.caFile) : undefined;
  }

  /** The cookies this client holds, as a Cookie header. */
  public get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  public request(method: string, route: string, body?: { json?: unknown; multipart?: Multipart }, headers: http.OutgoingHttpHeaders = {}): Promise<HttpAnswer> {
    let payload: Buffer | undefined;
    const sent: http.OutgoingHttpHeaders = { host: this.url.host, origin: this.url.origin, ...headers };
    if (body?.json !== undefined) {
      payload = Buffer.from(JSON.stringify(body.json));
      sent['content-type'] = 'application/json';
    } else if (body?.multipart) {
      const encoded = encodeMultipart(body.multipart);
      payload = encoded.body;
      sent['content-type'] = encoded.contentType;
    }
    if (payload) sent['content-length'] = payload.length;
    if (this.cookies.size > 0) sent.cookie = this.cookieHeader;
    const secure = this.url.protocol === 'https:';
    const options: https.RequestOptions = {
      host: this.options.connectTo ?? '127.0.0.1',
      port: Number(this.url.port || (secure ? 443 : 80)),
      method,
      path: route,
      headers: sent,
      servername: this.url.hostname,
      ca: this.ca,
      localAddress: this.options.localAddress,
      agent: false,
    };
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(options, (response) => {
        for (const cookie of response.headers['set-cookie'] ?? []) {
          const [pair] = cookie.split(';');
          const name = pair.slice(0, pair.indexOf('='));
          const value = pair.slice(pair.indexOf('=') + 1);
          if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const data = Buffer.concat(chunks);
          let json: unknown;
          if (/json/.test(String(response.headers['content-type'] ?? ''))) {
            try {
              json = JSON.parse(data.toString('utf8'));
            } catch {
              json = undefined;
            }
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: data, json });
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${route} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Sets up the blog's owner (the first start of a new blog). */
  public async setup(owner: { name: string; email: string; password: string; blogTitle: string }): Promise<HttpAnswer> {
    return this.expect(201, 'POST', '/ghost/api/admin/authentication/setup/', { json: { setup: [owner] } });
  }

  /** Signs in; 201 when the device is known or verification is off, 403 when a code is needed. */
  public signIn(email: string, password: string): Promise<HttpAnswer> {
    return this.request('POST', '/ghost/api/admin/session/', { json: { username: email, password } });
  }

  /** Completes a sign-in from a new device with the code Ghost mailed. */
  public verify(code: string): Promise<HttpAnswer> {
    return this.expect(200, 'PUT', '/ghost/api/admin/session/verify/', { json: { token: code } });
  }

  public async admin(method: string, route: string, body?: { json?: unknown; multipart?: Multipart }): Promise<HttpAnswer> {
    return this.request(method, `/ghost/api/admin/${route}`, body);
  }

  /**
   * A fresh Ghost points its cover image and its first post at static.ghost.org, and its
   * icon at its own public URL, and sizes those images on every page it renders: offline,
   * each render would wait on lookups that fail. An icon of our own, no cover image and no
   * sample post take those lookups away, as a user's own images would.
   */
  public async removeRemoteImages(): Promise<void> {
    const icon = await this.expect(201, 'POST', '/ghost/api/admin/images/upload/', {
      multipart: { fields: { purpose: 'icon' }, file: { field: 'file', name: 'icon.png', type: 'image/png', data: solidPng(128, 128) } },
    });
    const iconUrl = (icon.json as { images: { url: string }[] }).images[0].url;
    await this.expect(200, 'PUT', '/ghost/api/admin/settings/', { json: { settings: [{ key: 'cover_image', value: null }, { key: 'icon', value: iconUrl }] } });
    const posts = await this.admin('GET', 'posts/?filter=slug:coming-soon&fields=id');
    for (const post of (posts.json as { posts: { id: string }[] }).posts) await this.admin('DELETE', `posts/${post.id}/`);
  }

  /** Fails unless the answer has the status; returns it otherwise. */
  public async expect(status: number, method: string, route: string, body?: { json?: unknown; multipart?: Multipart }): Promise<HttpAnswer> {
    const answer = await this.request(method, route, body);
    if (answer.status !== status) {
      throw new Error(`${method} ${route} answered ${answer.status}, not ${status}: ${answer.body.toString('utf8').slice(0, 500)}`);
    }
    return answer;
  }
}

export interface Multipart {
  readonly fields: Record<string, string>;
  readonly file?: { readonly field: string; readonly name: string; readonly type: string; readonly data: Buffer };
}

function encodeMultipart(form: Multipart): { body: Buffer; contentType: string } {
  const boundary = `----e2e${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(form.fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (form.file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${form.file.field}"; filename="${form.file.name}"\r\nContent-Type: ${form.file.type}\r\n\r\n`));
    parts.push(form.file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
