/**
 * Section 2 of the bench: start-up. `node -e 0` is the floor; `poshil --version` and `--help`
 * are compared with it, and `poshil run` is timed from spawn to the start of its first case,
 * beside the simulator's own start (the run launches one), in rotated rounds: once as a run of
 * suites run before (its cache filled), once with nothing cached.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { timeCommand } from './children.js';
import { median, rotated, Sides, spread, table } from './stats.js';

const cli = (root: string) => join(root, 'dist', 'harness', 'cli', 'main.js');

/**
 * Milliseconds from spawning `poshil run` to the start of its first case (wall clock), with
 * `cache` as its cache of parsed suites and compiled expectations (POSHIL_CACHE_DIR).
 */
function runToFirstCase(root: string, repo: string, cache: string): number {
  const out = mkdtempSync(join(tmpdir(), 'poshil-bench-start-'));
  try {
    const spawned = Date.now();
    const result = spawnSync(process.execPath, [cli(root), 'run', '-d', join(repo, 'devices/simulator.json'), '-o', out, '--no-html', '--no-junit', '--grep', 'smoke/identify', join(repo, 'suites/smoke.suite.yaml')], {
      stdio: 'ignore',
      env: { ...process.env, POSHIL_CACHE_DIR: cache },
    });
    if (result.status !== 0) throw new Error(`poshil run (${root}) exited with ${result.status}`);
    const [run] = readdirSync(out);
    const record = JSON.parse(readFileSync(join(out, run!, 'record.json'), 'utf8')) as { suites: { cases: { startedAt: string }[] }[] };
    return Date.parse(record.suites[0]!.cases[0]!.startedAt) - spawned;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Milliseconds from spawning `poshil sim` to its ready line. */
async function simulatorStart(root: string): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [cli(root), 'sim', '--tcp', '127.0.0.1:0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  const ms = performance.now() - start;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

export async function startup(rounds: number, current: string, baseline: string | undefined): Promise<string> {
  // The run's cache (parsed suites, compiled expectations) as a second run finds it, filled by a
  // first run here; "nothing cached" is a first run, as on a fresh CI machine.
  const cache = mkdtempSync(join(tmpdir(), 'poshil-bench-cache-'));
  const empty = () => join(cache, `empty-${Math.random().toString(36).slice(2)}`);
  runToFirstCase(current, current, join(cache, 'warm'));
  const sides: [string, () => number | Promise<number>][] = [
    ['node -e 0', () => timeCommand(process.execPath, ['-e', '0'])],
    ['poshil --version', () => timeCommand(process.execPath, [cli(current), '--version'])],
    ['poshil --help', () => timeCommand(process.execPath, [cli(current), '--help'])],
    ['poshil sim: ready', () => simulatorStart(current)],
    ['poshil run: first case', () => runToFirstCase(current, current, join(cache, 'warm'))],
    ['… nothing cached', () => runToFirstCase(current, current, empty())],
  ];
  if (baseline) {
    sides.push(['before --version', () => timeCommand(process.execPath, [cli(baseline), '--version'])]);
    sides.push(['before --help', () => timeCommand(process.execPath, [cli(baseline), '--help'])]);
    sides.push(['before sim: ready', () => simulatorStart(baseline)]);
    sides.push(['before run: first case', () => runToFirstCase(baseline, current, join(cache, 'warm'))]);
  }
  const result = new Sides();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of rotated(sides, round)) result.add(name, round, [await run()]);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  const rows = [...result.rounds.keys()].map((name) => {
    const simSide = name.startsWith('before') ? 'before sim: ready' : 'poshil sim: ready';
    const extra = name.endsWith('first case') || name === '… nothing cached' ? spread(result.perRound(name, simSide, median, 'diff'), 0, ' ms') : '—';
    return [name, median(result.all(name)), name === 'node -e 0' ? '—' : spread(result.perRound(name, 'node -e 0', median, 'ratio')), extra];
  });
  return table(['command', 'median ms', '÷ node -e 0 (range)', 'minus sim start (range)'], rows);
}
