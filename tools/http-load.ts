import * as fs from 'fs';
import * as https from 'https';

/**
 * Load from Node.js through the proxy, for the end-to-end tests and the Ghost benchmark
 * where wrk cannot say what they need: a mix of requests, each client its own source
 * address (another loopback address is another client to the proxy's per-client limit),
 * and every status counted.
 */

export interface LoadRequest {
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** The client's own address, such as 127.0.0.7. @default 127.0.0.1 */
  readonly localAddress?: string;
}

export interface LoadOptions {
  /** The blog's host name, sent as SNI and Host. */
  readonly host: string;
  readonly port: number;
  readonly caFile: string;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Stop after this many requests. @default - no count */
  readonly total?: number;
  /** Stop after this long. @default - no time */
  readonly durationMs?: number;
  /** The request to send as the nth. */
  readonly next: (n: number) => LoadRequest;
}

export interface LoadResult {
  /** Requests answered, by status; 0 counts failures without an answer. */
  readonly statuses: Readonly<Record<number, number>>;
  readonly latenciesMs: readonly number[];
  readonly seconds: number;
}

export async function driveLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.total === undefined && options.durationMs === undefined) throw new Error('driveLoad needs a total or a duration');
  const ca = fs.readFileSync(options.caFile);
  const agents = new Map<string, https.Agent>();
  const agentFor = (localAddress: string) => {
    let agent = agents.get(localAddress);
    if (!agent) {
      agent = new https.Agent({ keepAlive: true, maxSockets: options.concurrency, ca, localAddress, servername: options.host } as https.AgentOptions);
      agents.set(localAddress, agent);
    }
    return agent;
  };
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  const started = Date.now();
  let issued = 0;
  const more = () => (options.total === undefined || issued < options.total) && (options.durationMs === undefined || Date.now() - started < options.durationMs);

  const one = (request: LoadRequest) =>
    new Promise<number>((resolve) => {
      const sent = Date.now();
      const req = https.request(
        {
          host: '127.0.0.1',
          port: options.port,
          path: request.path,
          method: request.method ?? 'GET',
          headers: { host: options.host, 'accept-encoding': 'gzip', ...request.headers },
          agent: agentFor(request.localAddress ?? '127.0.0.1'),
          timeout: 60_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(Date.now() - sent);
            resolve(response.statusCode ?? 0);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => resolve(0));
      req.end();
    });

  const worker = async () => {
    while (more()) {
      const status = await one(options.next(issued++));
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  for (const agent of agents.values()) agent.destroy();
  return { statuses, latenciesMs: latencies, seconds: (Date.now() - started) / 1000 };
}
