/**
 * `npm run bench`, bench section: N simulated terminals in one `poshil run --bench` over TCP and
 * over ptys, running the smoke and sales suites. Reports cases per second, the bench's wall time
 * against its slowest device's own wall time, and the peak resident memory of poshil and every
 * simulator it launched (summed over the process tree, sampled from /proc).
 *
 * Each bench size N > 1 runs in BENCH_BENCH_ROUNDS rounds (default 3), every round a one-terminal
 * run and the N-terminal run (which goes first alternates), so that "÷ 1 terminal" compares runs made side by side: its
 * median and range over the rounds are printed, the other columns are medians (exit: the worst).
 *
 * Sizes come from BENCH_TERMINALS (default "1,8,32,64"). A second table runs every bundled suite
 * (the goal: 64 terminals within 1.5× the wall time of one) at BENCH_BUNDLED_TERMINALS (default
 * "64"), in-process simulators only. Run alone with
 * `npm run build && node dist/scripts/bench-benches.js`.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, spread } from './bench/stats.js';
import { execa } from 'execa';
import { packageRoot } from '../harness/core/paths.js';
import type { BenchSummary } from '../harness/bench/summary.js';

/** Resident memory of a process and all its descendants, in bytes (Linux /proc). */
function treeRss(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at ") ".
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      rss.set(Number(name), Number(fields[21]) * 4096);
    } catch {
      // The process ended while we looked.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, bytes] of rss) if (inTree(pid)) total += bytes;
  return total;
}

/** smoke + sales (6 cases), or every bundled suite (what `npm run demo` runs: 34 cases, a throughput step, a firmware upgrade). */
export type BenchSuites = 'smoke+sales' | 'bundled';

/**
 * One `poshil run --bench` of N simulated terminals. Its folders stay in `parent` until the
 * section ends: deleting hundreds of files between runs slows the next run's file creation on
 * some file systems (ext4 without a journal skips recently freed inodes), which is the
 * benchmark's doing, not poshil's.
 */
export async function benchOfTerminals(kind: 'tcp' | 'pty', terminals: number, inProcess: boolean, parent: string, suites: BenchSuites = 'smoke+sales'): Promise<{ cases: number; wallS: number; slowestDeviceS: number; peakRssMiB: number; exitCode: number }> {
  const root = packageRoot();
  const dir = mkdtempSync(join(parent, 'run-'));
  const profile = kind === 'tcp' ? 'simulator.json' : 'simulator-pty.json';
  const devices = Array.from({ length: terminals }, (_, i) => `  - name: sim-${i + 1}\n    profile: ${join(root, 'devices', profile)}\n    seed: ${1000 + i}\n`).join('');
  writeFileSync(join(dir, 'many.bench.yaml'), `bench: many-${kind}\ndevices:\n${devices}`);
  const started = performance.now();
  const suiteFiles = suites === 'bundled' ? [] : [join(root, 'suites/smoke.suite.yaml'), join(root, 'suites/sales.suite.yaml')];
  const child = execa(process.execPath, [join(root, 'dist/harness/cli/main.js'), 'run', '--bench', join(dir, 'many.bench.yaml'), '--lab', join(dir, 'lab'), '-o', join(dir, 'out'), '--no-html', ...(inProcess ? ['--in-process-simulators'] : []), ...suiteFiles], { reject: false, stdout: 'ignore', stderr: 'pipe', env: { NO_COLOR: '1' } });
  let peak = 0;
  const sampler = setInterval(() => {
    if (child.pid) peak = Math.max(peak, treeRss(child.pid));
  }, 250);
  const result = await child;
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  const out = join(dir, 'out');
  const summary = JSON.parse(readFileSync(join(out, 'latest', 'record.json'), 'utf8')) as BenchSummary;
  let slowest = 0;
  let cases = 0;
  for (const device of summary.devices) {
    if (!device.runDir) continue;
    const record = JSON.parse(readFileSync(join(out, summary.benchRunId, device.runDir, 'record.json'), 'utf8')) as { durationMs?: number };
    slowest = Math.max(slowest, (record.durationMs ?? 0) / 1000);
    cases += device.cases.filter((c) => c.outcome === 'PASS').length;
  }
  return { cases, wallS, slowestDeviceS: slowest, peakRssMiB: peak / 1024 / 1024, exitCode: result.exitCode ?? -1 };
}

type BenchResult = Awaited<ReturnType<typeof benchOfTerminals>>;

export async function benchSection(): Promise<void> {
  const sizes = (process.env['BENCH_TERMINALS'] ?? '1,8,32,64').split(',').map(Number).filter((n) => n > 0);
  const modes = (process.env['BENCH_SIMULATORS'] ?? 'process,in-process').split(',');
  const rounds = Math.max(1, Math.trunc(Number(process.env['BENCH_BENCH_ROUNDS'] ?? 3)) || 3);
  const bundled = (process.env['BENCH_BUNDLED_TERMINALS'] ?? '64').split(',').map(Number).filter((n) => n > 1);
  const parent = mkdtempSync(join(tmpdir(), 'poshil-bench-benches-'));
  try {
    console.log(`\nbenches: poshil run --bench, smoke + sales suites on every simulated terminal (${rounds} rounds, each beside a one-terminal run)`);
    console.log(HEADER);
    for (const mode of modes) for (const kind of ['tcp', 'pty'] as const) await sizesOf(kind, mode, sizes, rounds, parent, 'smoke+sales');
    if (bundled.length > 0) {
      console.log(`\nbenches: every bundled suite (34 cases) on every simulated terminal, in-process simulators (${rounds} rounds, each beside a one-terminal run)`);
      console.log(HEADER);
      for (const kind of ['tcp', 'pty'] as const) await sizesOf(kind, 'in-process', [1, ...bundled], rounds, parent, 'bundled');
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

const HEADER = 'simulators   link  terminals  passed   cases/s    wall s   ÷ 1 terminal (range)   slowest device s   peak RSS MiB   exit';

/** Rows for each bench size, every size above one run beside a one-terminal run in each round. */
async function sizesOf(kind: 'tcp' | 'pty', mode: string, sizes: number[], rounds: number, parent: string, suites: BenchSuites): Promise<void> {
  const inProcess = mode === 'in-process';
  const row = (n: number, runs: BenchResult[], ratio: string) => {
    const wall = median(runs.map((r) => r.wallS));
    const cases = median(runs.map((r) => r.cases));
    const exit = Math.max(...runs.map((r) => r.exitCode));
    console.log(`${mode.padEnd(11)}  ${kind.padEnd(4)}  ${String(n).padStart(9)}   ${String(cases).padStart(5)}   ${(cases / wall).toFixed(1).padStart(7)}   ${wall.toFixed(1).padStart(7)}   ${ratio.padStart(20)}   ${median(runs.map((r) => r.slowestDeviceS)).toFixed(1).padStart(16)}   ${median(runs.map((r) => r.peakRssMiB)).toFixed(0).padStart(12)}   ${exit}`);
  };
  const ones: BenchResult[] = [];
  const larger: [number, BenchResult[], number[]][] = [];
  for (const n of sizes.filter((size) => size > 1)) {
    const runs: BenchResult[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Which of the two goes first alternates from round to round.
      const first = round % 2 === 0 ? 1 : n;
      const a = await benchOfTerminals(kind, first, inProcess, parent, suites);
      const b = await benchOfTerminals(kind, first === 1 ? n : 1, inProcess, parent, suites);
      const [one, many] = first === 1 ? [a, b] : [b, a];
      ones.push(one);
      runs.push(many);
      ratios.push(many.wallS / one.wallS);
    }
    larger.push([n, runs, ratios]);
  }
  if (sizes.includes(1)) {
    while (ones.length < rounds) ones.push(await benchOfTerminals(kind, 1, inProcess, parent, suites));
    row(1, ones, '1.00');
  }
  for (const [n, runs, ratios] of larger) row(n, runs, spread(ratios));
}

// Run alone (node dist/scripts/bench-benches.js) as well as from bench.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchSection();
