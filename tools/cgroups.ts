import * as fs from 'fs';
import * as path from 'path';

/**
 * cgroup v1 controllers for the end-to-end tests: a memory group that enforces a
 * container's memory and swap limits on a real Ghost, and a freezer that stops a database
 * dead without killing it (what a hung disk or a paused VM looks like to Ghost).
 * Groups are made under the test process's own, so the session's accounting holds.
 */

const ROOT = '/sys/fs/cgroup';

/** This process's group in a v1 hierarchy, such as "/" or "/process_api/abc". */
function ownGroup(controller: string): string {
  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`No cgroup v1 ${controller} controller is mounted.`);
  return line.split(':')[2] || '/';
}

abstract class Cgroup {
  public readonly dir: string;

  protected constructor(controller: string, name: string) {
    this.dir = path.join(ROOT, controller, ownGroup(controller), name);
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Moves a running process, and the children it starts from now on, into the group. */
  public add(pid: number): void {
    fs.writeFileSync(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** A shell prefix that joins the group and then runs the command with the same process ID. */
  public joinThenExec(command: readonly string[]): string[] {
    return ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, ...command];
  }

  protected read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), 'utf8').trim();
  }

  protected write(file: string, value: string): void {
    fs.writeFileSync(path.join(this.dir, file), value);
  }

  /** Removes the group; every process in it must have exited. */
  public remove(): void {
    if (fs.existsSync(this.dir)) fs.rmdirSync(this.dir);
  }
}

/** What the kernel saw of a memory group. */
export interface MemoryUsage {
  /** Peak memory, MiB. */
  readonly peakMiB: number;
  /** Peak memory plus swap, MiB (undefined without swap accounting). */
  readonly peakWithSwapMiB?: number;
  /** Times the limit was hit. */
  readonly limitHits: number;
  /** Processes the OOM killer ended in this group. */
  readonly oomKills: number;
}

const MIB = 1024 * 1024;

export class MemoryCgroup extends Cgroup {
  /** True when the kernel accounts swap per group (memory.memsw.*). */
  public readonly swapAccounting: boolean;

  /**
   * @param memoryMb the container's `memory`
   * @param memorySwapMb the container's `memory_swap`: memory plus swap, or -1 for unlimited
   */
  constructor(name: string, memoryMb: number, memorySwapMb: number) {
    super('memory', name);
    this.swapAccounting = fs.existsSync(path.join(this.dir, 'memory.memsw.limit_in_bytes'));
    // memsw may never be below memory: raise it first when growing, as Docker does.
    if (this.swapAccounting) this.write('memory.memsw.limit_in_bytes', '-1');
    this.write('memory.limit_in_bytes', String(memoryMb * MIB));
    if (this.swapAccounting && memorySwapMb !== -1) this.write('memory.memsw.limit_in_bytes', String(memorySwapMb * MIB));
  }

  public usage(): MemoryUsage {
    const oomControl = this.read('memory.oom_control');
    return {
      peakMiB: Number(this.read('memory.max_usage_in_bytes')) / MIB,
      peakWithSwapMiB: this.swapAccounting ? Number(this.read('memory.memsw.max_usage_in_bytes')) / MIB : undefined,
      limitHits: Number(this.read('memory.failcnt')),
      oomKills: Number(/^oom_kill (\d+)$/m.exec(oomControl)?.[1] ?? 0),
    };
  }

  /** Current memory use, MiB. */
  public currentMiB(): number {
    return Number(this.read('memory.usage_in_bytes')) / MIB;
  }
}

export class FreezerCgroup extends Cgroup {
  constructor(name: string) {
    super('freezer', name);
  }

  /** Stops every process in the group where it stands; they keep their sockets and memory. */
  public async freeze(): Promise<void> {
    await this.setState('FROZEN');
  }

  public async thaw(): Promise<void> {
    await this.setState('THAWED');
  }

  private async setState(state: 'FROZEN' | 'THAWED'): Promise<void> {
    this.write('freezer.state', state);
    const deadline = Date.now() + 10_000;
    while (this.read('freezer.state') !== state) {
      if (Date.now() > deadline) throw new Error(`The freezer group ${this.dir} did not reach ${state}.`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
