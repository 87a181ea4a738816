import { spawn } from 'child_process';
import { cpuSeconds, pssMiB } from '../tools/process-usage';

describe('cpuSeconds', () => {
  it("counts a busy process's CPU time, and nothing once it is gone", async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;);']);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      // A spinning process gains CPU time as it runs, however loaded the machine is.
      const deadline = Date.now() + 20_000;
      while (cpuSeconds([child.pid!]) < 0.2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(cpuSeconds([child.pid!])).toBeGreaterThanOrEqual(0.2);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(cpuSeconds([child.pid!])).toBe(0);
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
    expect(pssMiB([2 ** 22 + 1])).toBe(0);
  });
});
