import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { waitFor } from '../test-support/polling';
import { childPids, cpuSeconds, pssMiB, statFields } from '../tools/process-usage';

/** Above PID_MAX_LIMIT (2^22), so never a live process. */
const NO_SUCH_PID = 2 ** 22 + 1;

/** Generous: a loaded machine may be slow to schedule the children. */
const PATIENCE_MS = 20_000;

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

describe('statFields and childPids', () => {
  it('read a process whose name holds ") ", and find it among its parent\'s children', async () => {
    const child = spawn(process.execPath, ['-e', "process.title = 'a) b'; setInterval(() => {}, 1000);"]);
    try {
      const titled = () => fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').includes('(a) b)');
      await waitFor(titled, PATIENCE_MS);
      expect(titled()).toBe(true);
      const fields = statFields(child.pid!)!;
      // The state, then the parent.
      expect(fields[0]).toMatch(/^[RSD]$/);
      expect(fields[1]).toBe(String(process.pid));
      expect(Number.isNaN(cpuSeconds([child.pid!]))).toBe(false);
      expect(childPids(process.pid)).toContain(child.pid);
    } finally {
      await stop(child);
    }
    expect(statFields(NO_SUCH_PID)).toBeUndefined();
  });
});

describe('cpuSeconds', () => {
  it("counts a busy process's CPU time, and nothing once it is gone", async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;);']);
    try {
      // A spinning process gains CPU time as it runs, however loaded the machine is.
      await waitFor(() => cpuSeconds([child.pid!]) >= 0.2, PATIENCE_MS);
      expect(cpuSeconds([child.pid!])).toBeGreaterThanOrEqual(0.2);
    } finally {
      await stop(child);
    }
    expect(cpuSeconds([child.pid!])).toBe(0);
    expect(cpuSeconds([NO_SUCH_PID])).toBe(0);
  });

  it('keeps the time of a child that exited and was reaped, in its parent', async () => {
    // The shell waits for (reaps) a child that spins for 0.5 s, then becomes sleep, which
    // keeps the process's counts.
    const spin = `${process.execPath} -e 'const end = Date.now() + 500; while (Date.now() < end);'`;
    const parent = spawn('sh', ['-c', `${spin}; echo reaped; exec sleep 30`]);
    try {
      let said = '';
      parent.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
      await waitFor(() => said.includes('reaped'), PATIENCE_MS);
      expect(said).toContain('reaped');
      expect(childPids(parent.pid!)).toEqual([]);
      expect(cpuSeconds([parent.pid!])).toBeGreaterThanOrEqual(0.2);
    } finally {
      await stop(parent);
    }
  });

  it('adds up the processes it is given', () => {
    const own = cpuSeconds([process.pid]);
    expect(own).toBeGreaterThan(0);
    expect(cpuSeconds([process.pid, process.pid])).toBeCloseTo(2 * own, 1);
  });
});

describe('pssMiB', () => {
  it("reads this process's proportional set size, and nothing for one that is gone", () => {
    // A Node.js process with jest loaded holds tens of MiB at least.
    expect(pssMiB([process.pid])).toBeGreaterThan(10);
    expect(pssMiB([NO_SUCH_PID])).toBe(0);
  });
});
