/**
 * CPU time of processes from /proc (Linux): a process's own user and system time, and with
 * `reaped`, that of its children that have ended (a PostgreSQL backend ends with its connection,
 * and its time then counts in the server's). Milliseconds.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux, whatever the kernel's own tick

function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after it are split after its ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (+ cutime + cstime with `reaped`) of one process; 0 when it is gone. */
export function cpuMs(pid: number, reaped = false): number {
  const f = stat(pid);
  if (!f) return 0;
  // Fields after the name, from field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const at = (field: number) => Number(f[field - 3]);
  return (at(14) + at(15) + (reaped ? at(16) + at(17) : 0)) * TICK_MS;
}

/** A server and all its children, live or ended: what it has cost so far. */
export function treeCpuMs(root: number): number {
  let total = cpuMs(root, true);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === root) continue;
    const f = stat(pid);
    if (f && Number(f[1]) === root) total += cpuMs(pid);
  }
  return total;
}
