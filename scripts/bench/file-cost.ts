/**
 * What making a file costs in a folder now, in µs of this process's CPU: a folder and a small
 * file in it, as a run makes its evidence. On this project's machine the figure moves from tens
 * of µs to over a millisecond with the file system's recent history (files freed in the last
 * seconds make the next ones slower to create, docs/lab.md), and a lab job makes ten of them, so
 * the bench prints it beside the figures it moves. The files stay (removing them would slow what
 * comes next); the caller's clean-up takes them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fileCreationUs(dir: string, count = 40): number {
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `probe-${i}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'evidence.txt'), 'x');
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (2 * count);
}
