// What processes use, read from /proc: the benchmarks' measure of a proxy's (or Ghost's)
// own cost, beside the rates and latencies that the whole machine shapes.
import * as fs from 'fs';

/** Linux reports CPU times in /proc/<pid>/stat in clock ticks of USER_HZ, 100 per second. */
const USER_HZ = 100;

/**
 * User plus system CPU seconds of the processes (every thread), from /proc. A process gone
 * between listing and reading (NGINX's short-lived cache loader, which does no request
 * work) counts for nothing.
 */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((total, pid) => {
    try {
      // The command name in parentheses may hold spaces; the fields after it do not.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return total + (Number(fields[11]) + Number(fields[12])) / USER_HZ;
    } catch {
      return total;
    }
  }, 0);
}

/**
 * Proportional set size of the processes, summed, in MiB. PSS splits shared pages (the
 * binary, shared memory zones) among the processes mapping them, so the sum is what the
 * group really holds; summing RSS would count the shared cache zones once per worker.
 */
export function pssMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // A worker that exited between listing and reading holds nothing.
    }
  }
  return kib / 1024;
}
