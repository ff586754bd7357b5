/**
 * `npm run bench:soak -- --minutes 60`: a soak of back-to-back card sales on the simulator with
 * the bundled profile (one terminal, host latency 15–60 ms), run through the real `poshil run`
 * CLI, to show that the harness's memory stays flat and its evidence bounded (docs/architecture.md,
 * "Soak"). Prints RSS and heap of poshil and of the simulator at the start, at 5 minutes and at
 * the end, their growth per hour after the first 5 minutes (least squares over the samples), the
 * files and bytes the run wrote, and per minute the sales and their p50/p99 latency, taken from
 * the transcript's timestamps (sale request out → transaction.completed in).
 *
 *   --minutes N        how long to run (default 60)
 *   --poshil DIR       the poshil build to soak (a checkout with dist/; default this one), to
 *                      compare an older build on the same machine
 *   --segment-size S   passed to `poshil run --segment-size` (e.g. 1MiB), to see rotation at work
 *   --keep             keep the run folder (its path is printed)
 *   --snapshots        write heap snapshots of poshil at 1 minute and at the end (SIGUSR2), to
 *                      compare in Chrome's DevTools
 *
 * The run ends with SIGINT at the deadline (the load step has a count no soak reaches), so the
 * record says "interrupted" and poshil exits 130: that is the expected end here.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { packageRoot } from '../harness/core/paths.js';
import { forEachTranscriptEntry } from '../harness/evidence/transcript-reader.js';
import { percentile, table } from './bench/stats.js';

interface Options {
  minutes: number;
  poshil: string;
  segmentSize?: string;
  keep: boolean;
  snapshots: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { minutes: 60, poshil: packageRoot(), keep: false, snapshots: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--minutes') options.minutes = Number(value());
    else if (arg === '--poshil') options.poshil = resolve(value());
    else if (arg === '--segment-size') options.segmentSize = value();
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--snapshots') options.snapshots = true;
    else if (arg !== 'soak') throw new Error(`unknown option ${arg} (see scripts/bench-soak.ts)`);
  }
  if (!(options.minutes > 0)) throw new Error('--minutes must be a positive number');
  return options;
}

/** One case per 50 minutes of soak, each a load step too long to finish before the deadline. */
function soakSuite(minutes: number): string {
  const cases = Math.max(1, Math.ceil(minutes / 50));
  const lines = ['suite: soak', 'title: Soak — back-to-back card sales', 'cases:'];
  for (let i = 1; i <= cases; i++) {
    lines.push(
      `  - id: sales-${i}`,
      '    steps:',
      '      - timeout: 3000000',
      '        load:',
      '          verb: sale',
      '          args: { amount: 1000, currency: EUR }',
      '          stimulus: swipe',
      '          fixture: cards/visa-approved',
      '          count: 1000000',
      '          concurrency: 1',
      '          transactionTimeout: 10000',
    );
  }
  return lines.join('\n') + '\n';
}

interface MemorySample {
  pid: number;
  argv: string;
  t: number;
  rss: number;
  heapUsed: number;
}

const MiB = 1024 * 1024;

/** Least-squares slope of `value` over time, per hour. */
function slopePerHour(points: { t: number; v: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) (num += (p.t - mt) * (p.v - mv)), (den += (p.t - mt) ** 2);
  return (num / den) * 3_600_000;
}

/** Rows of the memory table; samples after `until` (a heap snapshot, the run's own end) are left out. */
function memoryRows(name: string, all: MemorySample[], t0: number, until: number): (string | number)[][] {
  const samples = all.filter((s) => s.t - t0 <= until);
  if (samples.length === 0) return [[name, 'no samples']];
  const at = (ms: number) => samples.reduce((best, s) => (Math.abs(s.t - t0 - ms) < Math.abs(best.t - t0 - ms) ? s : best));
  const first = samples[0]!;
  const five = at(5 * 60_000);
  const last = samples.at(-1)!;
  const after5 = samples.filter((s) => s.t - t0 >= 5 * 60_000);
  const rows: (string | number)[][] = [];
  for (const [what, key] of [['RSS', 'rss'], ['heap used', 'heapUsed']] as const) {
    const growth = slopePerHour(after5.map((s) => ({ t: s.t, v: s[key] / MiB })));
    rows.push([`${name} ${what}`, (first[key] / MiB).toFixed(1), (five[key] / MiB).toFixed(1), (last[key] / MiB).toFixed(1), Number.isFinite(growth) ? growth.toFixed(1) : '—']);
  }
  return rows;
}

function folderFacts(dir: string): { files: number; bytes: number; biggest: string; byFolder: Map<string, { files: number; bytes: number }> } {
  let files = 0;
  let bytes = 0;
  let biggest = { path: '', bytes: -1 };
  const byFolder = new Map<string, { files: number; bytes: number }>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else {
        files++;
        bytes += st.size;
        const top = relative(dir, path).split('/')[0]!;
        const f = byFolder.get(top) ?? { files: 0, bytes: 0 };
        byFolder.set(top, { files: f.files + 1, bytes: f.bytes + st.size });
        if (st.size > biggest.bytes) biggest = { path: relative(dir, path), bytes: st.size };
      }
    }
  };
  walk(dir);
  return { files, bytes, biggest: `${biggest.path} (${(biggest.bytes / MiB).toFixed(1)} MiB)`, byFolder };
}

/** Sale latency per minute from the transcript: a sale request out, then its transaction.completed in. */
function latencyPerMinute(runDir: string): (string | number)[][] {
  const windows = new Map<number, number[]>();
  let saleAt: number | undefined;
  forEachTranscriptEntry(runDir, (e) => {
    if (e.channel !== 'link' || !e.text) return;
    if (e.dir === 'tx' && e.text.includes('"op":"sale"')) saleAt = e.ms;
    else if (e.dir === 'rx' && saleAt !== undefined && e.text.includes('"event":"transaction.completed"')) {
      const minute = Math.floor(saleAt / 60_000);
      const list = windows.get(minute) ?? [];
      list.push(e.ms - saleAt);
      windows.set(minute, list);
      saleAt = undefined;
    }
  });
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, values]) => [`${minute + 1}`, String(values.length), percentile(values, 50).toFixed(1), percentile(values, 99).toFixed(1), Math.max(...values).toFixed(1)]);
}

const options = parseOptions(process.argv.slice(2));
const root = packageRoot();
const work = mkdtempSync(join(tmpdir(), 'poshil-soak-'));
mkdirSync(join(work, 'fixtures'));
copyFileSync(join(root, 'suites', 'fixtures', 'cards.json'), join(work, 'fixtures', 'cards.json'));
writeFileSync(join(work, 'soak.suite.yaml'), soakSuite(options.minutes));
const memoryLog = join(work, 'memory.ndjson');
const out = join(work, 'out');

console.log(`poshil soak bench · node ${process.version} · ${options.minutes} min · build ${options.poshil}`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores (a shared machine)\n`);

const args = [join(options.poshil, 'dist', 'harness', 'cli', 'main.js'), 'run', '--device', join(options.poshil, 'devices', 'simulator.json'), '--out', out, '--reporter', 'dot', join(work, 'soak.suite.yaml')];
if (options.segmentSize) args.push('--segment-size', options.segmentSize);
const probe = join(root, 'scripts', 'bench', 'memory-probe.cjs');
const nodeOptions = [`--require ${probe}`, ...(options.snapshots ? ['--heapsnapshot-signal=SIGUSR2'] : [])].join(' ');
const t0 = Date.now();
const child = spawn(process.execPath, args, {
  cwd: work,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NODE_OPTIONS: nodeOptions, POSHIL_BENCH_MEMORY: memoryLog, POSHIL_BENCH_MEMORY_MS: '5000' },
});
const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
const timers: NodeJS.Timeout[] = [];
if (options.snapshots) timers.push(setTimeout(() => child.kill('SIGUSR2'), 60_000));
const deadline = options.minutes * 60_000;
timers.push(
  setTimeout(() => {
    if (options.snapshots) child.kill('SIGUSR2');
    // A moment for the snapshot, then the end of the soak.
    setTimeout(() => child.kill('SIGINT'), options.snapshots ? 20_000 : 0);
  }, deadline),
);
const code = await exited;
for (const t of timers) clearTimeout(t);
const seconds = (Date.now() - t0) / 1000;
if (code !== 130 && code !== 0) {
  rmSync(work, { recursive: true, force: true });
  throw new Error(`poshil run exited ${code} before the deadline: the soak did not run`);
}

const samples = readFileSync(memoryLog, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as MemorySample);
const harness = samples.filter((s) => s.pid === child.pid);
const simulator = samples.filter((s) => s.pid !== child.pid && s.argv.includes(' sim'));
console.log(`poshil exited ${code} after ${(seconds / 60).toFixed(1)} min (130: interrupted at the deadline, as planned)\n`);
console.log('Memory (MiB; growth is the least-squares slope over the samples from 5 min on, per hour)');
console.log(table(['process', 'start', '5 min', 'end', 'growth/h after 5 min'], [...memoryRows('poshil', harness, t0, deadline), ...memoryRows('simulator', simulator, t0, deadline)]) + '\n');

const runs = readdirSync(out).filter((n) => n !== 'latest');
const runDir = join(out, runs[0]!);
const facts = folderFacts(runDir);
console.log(`Evidence: ${facts.files} files, ${(facts.bytes / MiB).toFixed(1)} MiB in ${runDir}; largest ${facts.biggest}`);
console.log(table(['file or folder', 'files', 'MiB'], [...facts.byFolder.entries()].map(([name, f]) => [name, String(f.files), (f.bytes / MiB).toFixed(2)])) + '\n');

const perMinute = latencyPerMinute(runDir);
const sales = perMinute.reduce((n, r) => n + Number(r[1]), 0);
console.log(`Sales: ${sales} (${(sales / seconds).toFixed(1)} a second); latency per minute (ms, from the transcript)`);
console.log(table(['minute', 'sales', 'p50', 'p99', 'max'], perMinute));
if (options.snapshots) console.log(`\nheap snapshots: ${readdirSync(work).filter((n) => n.endsWith('.heapsnapshot')).map((n) => join(work, n)).join(', ')}`);
if (options.keep || options.snapshots) console.log(`\nkept: ${work}`);
else rmSync(work, { recursive: true, force: true });
