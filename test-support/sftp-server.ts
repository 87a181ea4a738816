import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acceptsConnections, freePort } from '../tools/nginx-harness';

export const SSHD = '/usr/sbin/sshd';

/**
 * A real OpenSSH server on a free port of loopback, for the backup client's SFTP
 * repositories: its own host key, one client key allowed for the current user, SFTP only
 * through the built-in server, nothing but public keys. Needs root (sshd's privilege
 * separation), as the tests run in CI.
 */
export class SftpServer {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sftp-server-'));
  public port = 0;
  /** The client's private key, as the backup client gets it from TF_VAR_backup_sftp_private_key. */
  public clientKey = '';
  /** The known_hosts line for this server, as the settings' backup.sftpKnownHosts holds it. */
  public knownHosts = '';
  /** What sshd logged (at VERBOSE: each key it accepts or refuses, with its fingerprint). */
  public log = '';
  private process?: ChildProcess;

  public async start(): Promise<void> {
    const keygen = (file: string) => {
      const result = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'backup-test', '-f', file], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
    };
    keygen(path.join(this.dir, 'host_key'));
    keygen(path.join(this.dir, 'client_key'));
    fs.copyFileSync(path.join(this.dir, 'client_key.pub'), path.join(this.dir, 'authorized_keys'));
    this.clientKey = fs.readFileSync(path.join(this.dir, 'client_key'), 'utf8');
    this.port = await freePort();
    const hostKey = fs.readFileSync(path.join(this.dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    this.knownHosts = `[127.0.0.1]:${this.port} ${hostKey}`;
    const config = path.join(this.dir, 'sshd_config');
    fs.writeFileSync(config, [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(this.dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      'LogLevel VERBOSE',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // The keys live in a temporary folder, not a home directory sshd would vet.
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'));
    // Debian's service makes sshd's privilege separation folder; a test makes it itself.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = sshd;
    sshd.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await acceptsConnections(this.port))) {
      if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start on port ${this.port}: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * What sshd logged after `since` (a length of `log`), once it matches `pattern` or 5 s
   * have passed: its lines arrive after the client that caused them has exited.
   */
  public async logSince(since: number, pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 5000;
    while (!pattern.test(this.log.slice(since)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.log.slice(since);
  }

  /** A restic repository URL on this server, for a folder of the test's. */
  public repository(folder: string): string {
    return `sftp://${os.userInfo().username}@127.0.0.1:${this.port}/${folder}`;
  }

  public async stop(): Promise<void> {
    const sshd = this.process;
    if (sshd && sshd.exitCode === null) {
      const exited = new Promise((r) => sshd.once('exit', r));
      sshd.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
