import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { GHOST_ENDPOINT } from '../core/services';
import { templateSequences } from '../core/terraform-literal';
import { environmentOf, Json, serviceOf } from '../core/terraform-json';
import { MemoryCgroup } from './cgroups';
import { ghostInstallDir, NODE22_BIN } from './real-ghost-paths';

/**
 * A real Ghost (the npm package of the pinned version, on Node.js 22) configured exactly as
 * the synthesized plan configures the Ghost container: the environment is read from the
 * plan, its sensitive variables filled in with test values. Only what a container gives
 * Ghost by other means is added (its content path and listening address), plus what a
 * machine without internet needs so that pages do not wait on lookups that cannot succeed.
 */

/** The plan's one container for a service ("proxy", "ghost", "mysql"). */
export function planContainer(tf: Json, service: string): Json {
  const containers = Object.values<Json>(tf.resource?.docker_container ?? {}).filter((c) => serviceOf(c) === service);
  if (containers.length !== 1) throw new Error(`The plan has ${containers.length} ${service} containers; expected one.`);
  return containers[0];
}

/** The environment of the plan's container for a service, as NAME=value pairs. */
export function planEnvironment(tf: Json, service: string): Record<string, string> {
  return environmentOf(planContainer(tf, service));
}

/** The plan's values with each `${var.NAME}` replaced; anything else Terraform would compute is refused. */
export function fillVariables(environment: Record<string, string>, variables: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => {
      let filled = value;
      for (const sequence of templateSequences(value)) {
        const variable = /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(sequence)?.[1];
        if (variable === undefined || variables[variable] === undefined) throw new Error(`${name} holds ${sequence}, which the test cannot fill in.`);
        filled = filled.replace(sequence, variables[variable]);
      }
      return [name, filled];
    }),
  );
}

/**
 * What this machine needs beyond the plan: Ghost would look up avatars and notify search
 * engines over the internet, which is not there; each lookup would only fail, slowly.
 */
const OFFLINE_ENVIRONMENT: Readonly<Record<string, string>> = {
  privacy__useGravatar: 'false',
  privacy__useIndexNow: 'false',
};

export interface GhostServerOptions {
  /** The Ghost container's environment, filled in (see planEnvironment and fillVariables). */
  readonly environment: Record<string, string>;
  /** Where the content lives; made and seeded with the bundled themes when missing. */
  readonly contentDir?: string;
  /** The container's limits, enforced by a memory cgroup. @default - none */
  readonly memory?: { readonly memoryMb: number; readonly memorySwapMb: number };
  /** @default 127.0.0.1 */
  readonly host?: string;
}

export class GhostServer {
  public readonly contentDir: string;
  public readonly logFile: string;
  public readonly port: number;
  public readonly host: string;
  public cgroup?: MemoryCgroup;
  private child?: ChildProcess;
  private readonly workDir: string;

  constructor(private readonly options: GhostServerOptions) {
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ghost-'));
    this.contentDir = options.contentDir ?? path.join(this.workDir, 'content');
    this.logFile = path.join(this.workDir, 'ghost.log');
    this.port = Number(options.environment.server__port ?? GHOST_ENDPOINT.port);
    this.host = options.host ?? '127.0.0.1';
  }

  public get pid(): number | undefined {
    return this.child?.pid;
  }

  public get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts Ghost and waits until it answers; a failed boot throws with Ghost's own log. */
  public async start(environment: Record<string, string> = this.options.environment): Promise<void> {
    const ghostDir = ghostInstallDir();
    if (!fs.existsSync(path.join(ghostDir, '.installed'))) throw new Error(`No Ghost in ${ghostDir}: run npm run e2e:install first.`);
    if (!fs.existsSync(path.join(this.contentDir, 'themes'))) {
      fs.mkdirSync(this.contentDir, { recursive: true });
      fs.cpSync(path.join(ghostDir, 'content', 'themes'), path.join(this.contentDir, 'themes'), { recursive: true });
    }
    const env = {
      PATH: `${path.dirname(NODE22_BIN)}:/usr/bin:/bin`,
      HOME: this.workDir,
      ...OFFLINE_ENVIRONMENT,
      ...environment,
      paths__contentPath: this.contentDir,
      server__host: this.host,
    };
    const command = [NODE22_BIN, 'index.js'];
    if (this.options.memory && !this.cgroup) {
      this.cgroup = new MemoryCgroup(`ghost-${process.pid}-${path.basename(this.workDir)}`, this.options.memory.memoryMb, this.options.memory.memorySwapMb);
    }
    const argv = this.cgroup ? this.cgroup.joinThenExec(command) : command;
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(argv[0], argv.slice(1), { cwd: ghostDir, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (!this.running) throw new Error(`Ghost exited during boot (${this.child.exitCode ?? this.child.signalCode}). Its log:\n${this.readLog()}`);
      if ((await this.probe('/ghost/api/admin/site/', 2_000)) === 200) return;
      if (Date.now() > deadline) throw new Error(`Ghost did not answer within 180 s. Its log:\n${this.readLog()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The status of one request straight to Ghost, as the proxy would send it; 0 when none came. */
  public probe(route: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const request = http.get({ host: this.host, port: this.port, path: route, headers: { host: 'ghost', 'x-forwarded-proto': 'https' }, timeout: timeoutMs }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(0));
    });
  }

  /** Stops Ghost as Docker does: SIGTERM, then SIGKILL after the grace period. */
  public async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops Ghost and removes its memory group and working folder (with the content, unless the caller gave its own). */
  public async destroy(): Promise<void> {
    await this.stop();
    this.cgroup?.remove();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Ghost's log, the last lines of it by default. */
  public readLog(lines = 80): string {
    if (!fs.existsSync(this.logFile)) return '(no log)';
    return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}
