import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as tls from 'tls';
import type { RunningPreview } from '../tools/nginx-harness';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Header names and values as sent, duplicates kept: [name, value, name, value, ...]. */
  readonly rawHeaders: readonly string[];
  /** The body as sent, not decompressed. */
  readonly body: Buffer;
}

export interface Ask {
  /** Host name for SNI and the Host header. */
  readonly host: string;
  readonly path: string;
  readonly scheme?: 'http' | 'https';
  readonly method?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  /** SNI sent in the handshake, when it should differ from `host`. */
  readonly servername?: string;
  /** The local address to send from: another loopback address is another client. */
  readonly localAddress?: string;
}

/** How many times a header was sent. */
export function headerCount(answer: Answer, name: string): number {
  return answer.rawHeaders.filter((value, i) => i % 2 === 0 && value.toLowerCase() === name.toLowerCase()).length;
}

/** One HTTP/1.1 request to the preview on loopback, with the real host name in SNI and Host. */
export function ask(preview: RunningPreview, request: Ask): Promise<Answer> {
  const scheme = request.scheme ?? 'https';
  const options: https.RequestOptions = {
    host: '127.0.0.1',
    port: scheme === 'https' ? preview.httpsPort : preview.httpPort,
    path: request.path,
    method: request.method ?? 'GET',
    headers: { host: request.host, ...request.headers },
    localAddress: request.localAddress,
    agent: false,
  };
  const client = scheme === 'https' ? https : http;
  if (scheme === 'https') {
    Object.assign(options, { servername: request.servername ?? request.host, ca: fs.readFileSync(preview.certificateFile) });
  }
  return new Promise((resolve, reject) => {
    const req = client.request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, rawHeaders: response.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

export interface Handshake {
  readonly protocol: string | null;
  readonly alpn: string | false | null;
}

/** A bare TLS handshake: which protocol version and ALPN the server agrees to. */
export function handshake(preview: RunningPreview, options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: preview.httpsPort,
      ca: fs.readFileSync(preview.certificateFile),
      ...options,
    });
    socket.once('secureConnect', () => {
      const result = { protocol: socket.getProtocol(), alpn: socket.alpnProtocol };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('handshake timed out')));
  });
}
