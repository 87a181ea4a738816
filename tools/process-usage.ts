// What processes use, read from /proc: the benchmarks' measure of a proxy's (or Ghost's)
// own cost, beside the rates and latencies that the whole machine shapes.
import * as fs from 'fs';

/** Linux reports CPU times in /proc/<pid>/stat in clock ticks of USER_HZ, 100 per second. */
const USER_HZ = 100;

/**
 * The fields of /proc/<pid>/stat after the command name, from the state on (so index 0 is
 * field 3 of proc(5)); undefined once the process is gone. The name sits in parentheses and
 * may itself hold ") " (a process may title itself so), hence the last parenthesis.
 */
export function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
}

/** The processes whose parent is the given one. */
export function childPids(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => statFields(pid)?.[1] === String(parent));
}

/**
 * CPU seconds, user plus system, of the processes (every thread) and of their children that
 * have exited and been reaped. Counting the reaped children keeps a difference of two
 * readings right when a process exits between them: an NGINX worker replaced by a reload
 * moves its time into the master's count instead of taking it out of the sum. A process
 * already gone when read counts for nothing.
 */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((total, pid) => {
    const fields = statFields(pid);
    // utime, stime, cutime, cstime: fields 14 to 17 of proc(5).
    return fields ? total + fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / USER_HZ : total;
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
