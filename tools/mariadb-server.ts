import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FreezerCgroup } from './cgroups';

/**
 * A private MariaDB server (Debian's mariadb-server) started as a plain process for the
 * end-to-end tests: its own data directory, socket and TCP port, nothing of the machine's
 * own service touched. Debian has no MySQL 8; Ghost 6 migrates and runs on MariaDB 10.11,
 * which stands in for it here, while production stays on MySQL 8 as Ghost requires.
 */

export interface MariadbOptions {
  /** @default 3306 */
  readonly port?: number;
  /** Address to listen on. @default 127.0.0.1 */
  readonly host?: string;
}

export class MariadbServer {
  public readonly dir: string;
  public readonly socket: string;
  public readonly port: number;
  public readonly host: string;
  private child?: ChildProcess;
  private freezer?: FreezerCgroup;

  constructor(options: MariadbOptions = {}) {
    this.port = options.port ?? 3306;
    this.host = options.host ?? '127.0.0.1';
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mariadb-'));
    this.socket = path.join(this.dir, 'mysqld.sock');
  }

  public get pid(): number | undefined {
    return this.child?.pid;
  }

  public get errorLog(): string {
    return path.join(this.dir, 'error.log');
  }

  /** Creates the data directory on first start, then starts the server and waits for it. */
  public async start(): Promise<void> {
    const data = path.join(this.dir, 'data');
    if (!fs.existsSync(data)) {
      execFileSync('chown', ['mysql:mysql', this.dir]);
      execFileSync('mariadb-install-db', ['--no-defaults', '--user=mysql', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db'], { stdio: 'pipe' });
    }
    this.child = spawn('/usr/sbin/mariadbd', [
      '--no-defaults', '--user=mysql', `--datadir=${data}`, `--socket=${this.socket}`, `--port=${this.port}`,
      `--bind-address=${this.host}`, `--pid-file=${path.join(this.dir, 'mariadbd.pid')}`, `--log-error=${this.errorLog}`,
      '--skip-name-resolve', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
      '--innodb-buffer-pool-size=64M', '--innodb-flush-log-at-trx-commit=2', '--performance-schema=OFF',
    ], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`mariadbd exited with ${this.child.exitCode}:\n${this.readErrorLog()}`);
      try {
        this.sql('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`mariadbd did not answer within 30 s:\n${this.readErrorLog()}\n${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Runs SQL as root over the socket and returns what the client printed (tab-separated). */
  public sql(statements: string, database?: string): string {
    return execFileSync('mariadb', ['--no-defaults', `--socket=${this.socket}`, '-uroot', '--batch', '--skip-column-names', ...(database ? [database] : [])], {
      input: statements,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  }

  /** A database and a user with every privilege on it, reachable over TCP and the socket. */
  public createDatabase(database: string, user: string, password: string): void {
    const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    this.sql([
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4;`,
      ...['127.0.0.1', 'localhost'].flatMap((from) => [
        `CREATE USER IF NOT EXISTS '${user}'@'${from}' IDENTIFIED BY '${quoted}';`,
        `GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${user}'@'${from}';`,
      ]),
    ].join('\n'));
  }

  /** Stops the server cleanly (it flushes and exits on SIGTERM). */
  public async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (this.freezer) await this.thaw();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server dead where it stands: connections hang, nothing is refused. */
  public async freeze(): Promise<void> {
    if (!this.child?.pid) throw new Error('MariaDB is not running.');
    this.freezer = this.freezer ?? new FreezerCgroup(`mariadb-${this.child.pid}`);
    this.freezer.add(this.child.pid);
    await this.freezer.freeze();
  }

  public async thaw(): Promise<void> {
    await this.freezer?.thaw();
  }

  /** Stops the server and removes its data. */
  public async destroy(): Promise<void> {
    await this.stop();
    if (this.freezer) {
      // The group is empty once the server has exited.
      this.freezer.remove();
      this.freezer = undefined;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  public readErrorLog(): string {
    return fs.existsSync(this.errorLog) ? fs.readFileSync(this.errorLog, 'utf8').split('\n').slice(-40).join('\n') : '(no error log)';
  }
}
